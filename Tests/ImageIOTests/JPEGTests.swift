import XCTest
@testable import ImageIO

final class JPEGTests: XCTestCase {
    private func sample(_ image: Image, _ c: Int, _ x: Int, _ y: Int) -> Float {
        image.pixels[c * image.width * image.height + y * image.width + x]
    }

    func testQuality95RoundTripIsFaithful() throws {
        let image = syntheticImage(width: 64, height: 48, channels: 3)
        let bytes = try ImageFile.encodeJPEG(image, quality: 95)
        XCTAssertEqual(ImageFormat.sniff(bytes), .jpeg)
        let back = try ImageFile.decode(bytes, name: "q95.jpg")
        XCTAssertEqual(back.width, 64)
        XCTAssertEqual(back.height, 48)
        XCTAssertEqual(back.channels, 3)
        XCTAssertEqual(back.sourceBitDepth, 8)
        XCTAssertGreaterThan(psnr(image, back), 35)
    }

    func testQuality10IsWorseAndSmallerThanQuality95() throws {
        let image = syntheticImage(width: 64, height: 48, channels: 3)
        let high = try ImageFile.encodeJPEG(image, quality: 95)
        let low = try ImageFile.encodeJPEG(image, quality: 10)
        XCTAssertLessThan(low.count, high.count)
        let highPSNR = psnr(image, try ImageFile.decode(high, name: "q95.jpg"))
        let lowPSNR = psnr(image, try ImageFile.decode(low, name: "q10.jpg"))
        XCTAssertLessThan(lowPSNR, highPSNR - 3)
    }

    func testGrayRoundTripStaysGray() throws {
        let image = syntheticImage(width: 30, height: 20, channels: 1)
        let back = try ImageFile.decode(try ImageFile.encodeJPEG(image, quality: 95), name: "g.jpg")
        XCTAssertEqual(back.channels, 1)
        XCTAssertGreaterThan(psnr(image, back), 35)
    }

    func testAlphaIsDroppedAndQualityIsChecked() throws {
        let image = syntheticImage(width: 16, height: 16, channels: 3, alpha: true)
        let back = try ImageFile.decode(try ImageFile.encodeJPEG(image, quality: 90), name: "a.jpg")
        XCTAssertNil(back.alpha)
        XCTAssertEqual(back.channels, 3)
        for quality in [0, 101, -5] {
            assertImageIOError("<JPEG output>", contains: "quality") {
                _ = try ImageFile.encodeJPEG(image, quality: quality)
            }
        }
    }

    func testSaveAndLoadThroughFile() throws {
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let image = syntheticImage(width: 24, height: 24, channels: 3)
        // The extension is deliberately wrong: loading sniffs the magic bytes.
        let path = dir + "/photo.png"
        try ImageFile.saveJPEG(image, to: path, quality: 95)
        let back = try ImageFile.load(path)
        XCTAssertGreaterThan(psnr(image, back), 35)
        XCTAssertEqual(directoryListing(dir), ["photo.png"])
    }

    /// Pillow writes CMYK with an Adobe APP14 marker and inverted ink values (255 = no ink),
    /// the same convention as Photoshop; the expected colours are (1−C)(1−K) etc.
    func testAdobeCMYKDecodesToRGB() throws {
        let bytes = try Fixture.bytes("cmyk.jpg")
        XCTAssertTrue(JPEGHeader(bytes).hasAdobeMarker)
        let image = try ImageFile.decode(bytes, name: "cmyk.jpg")
        XCTAssertEqual(image.channels, 3)
        XCTAssertEqual(image.width, 32)
        // Quadrant inks (C,M,Y,K): white, full cyan, 50% black, magenta over 25% black.
        let expected: [(x: Int, y: Int, rgb: [Float])] = [
            (8, 8, [255, 255, 255]), (24, 8, [0, 255, 255]),
            (8, 24, [127, 127, 127]), (24, 24, [191, 0, 191]),
        ]
        for point in expected {
            for c in 0..<3 {
                XCTAssertEqual(sample(image, c, point.x, point.y) * 255, point.rgb[c], accuracy: 3,
                               "pixel \(point.x),\(point.y) channel \(c)")
            }
        }
        // Converted values sit on the 8-bit grid, so an 8-bit PNG keeps them exactly.
        XCTAssertEqual(try ImageFile.decode(try ImageFile.encodePNG(image), name: "cmyk.png"), image)
    }

    /// Without the Adobe marker the same bytes are read as plain (non-inverted) CMYK,
    /// which is what libjpeg and Pillow assume too, so the colours come out complemented.
    func testCMYKWithoutAdobeMarkerIsNotInverted() throws {
        var bytes = try Fixture.bytes("cmyk.jpg")
        guard let start = (2..<(bytes.count - 1)).first(where: { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xEE }) else {
            return XCTFail("fixture has no APP14 segment")
        }
        let length = Int(bytes[start + 2]) << 8 | Int(bytes[start + 3])
        bytes.removeSubrange(start..<(start + 2 + length))
        XCTAssertFalse(JPEGHeader(bytes).hasAdobeMarker)
        let image = try ImageFile.decode(bytes, name: "cmyk-plain.jpg")
        // White quadrant (stored 255,255,255,255) now reads as full ink: black.
        for c in 0..<3 { XCTAssertEqual(sample(image, c, 8, 8), 0, accuracy: 3 / 255) }
    }

    func testGrayAndProgressiveMatchPillow() throws {
        let gray = try ImageFile.load(Fixture.path("gray.jpg"))
        XCTAssertEqual(gray.channels, 1)
        for (x, y, v) in [(0, 0, 15), (23, 15, 215), (12, 8, 121)] as [(Int, Int, Float)] {
            XCTAssertEqual(sample(gray, 0, x, y) * 255, v, accuracy: 1)
        }
        let progressive = try ImageFile.load(Fixture.path("progressive.jpg"))
        XCTAssertEqual(progressive.channels, 3)
        let expected: [(Int, Int, [Float])] = [(0, 0, [1, 0, 128]), (23, 15, [229, 225, 128]), (12, 8, [120, 120, 128])]
        for (x, y, rgb) in expected {
            for c in 0..<3 { XCTAssertEqual(sample(progressive, c, x, y) * 255, rgb[c], accuracy: 1) }
        }
    }

    /// A real photo from the DIP repository, checked against Pillow's decode of the same file.
    func testRealWorldJPEGMatchesPillow() throws {
        let image = try ImageFile.load(Fixture.path("snail.jpg"))
        XCTAssertEqual(image.width, 400)
        XCTAssertEqual(image.height, 261)
        XCTAssertEqual(image.channels, 3)
        let reference = try String(contentsOfFile: Fixture.path("snail_reference.txt"), encoding: .utf8)
        var checked = 0
        for line in reference.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: " ").compactMap { Int($0) }
            guard f.count == 5 else { continue }
            for c in 0..<3 {
                XCTAssertEqual(sample(image, c, f[0], f[1]) * 255, Float(f[2 + c]), accuracy: 1,
                               "snail \(f[0]),\(f[1]) channel \(c)")
            }
            checked += 1
        }
        XCTAssertEqual(checked, 48)
    }

    /// Junk bytes between segments only earn a libjpeg warning and leave every pixel intact,
    /// so they are accepted; the same junk in a truncated file must not mask the truncation.
    func testExtraneousBytesAreToleratedButNotTruncation() throws {
        let original = try Fixture.bytes("snail.jpg")
        let reference = try ImageFile.decode(original, name: "snail.jpg")
        let dqt = try XCTUnwrap((2..<(original.count - 1)).first { original[$0] == 0xFF && original[$0 + 1] == 0xDB })
        var junkInHeader = original
        junkInHeader.insert(contentsOf: [0x00, 0x11, 0x22], at: dqt)
        XCTAssertEqual(try ImageFile.decode(junkInHeader, name: "junk1.jpg"), reference)

        var junkBeforeEOI = original
        junkBeforeEOI.insert(contentsOf: [0x12, 0x34, 0x56, 0x78], at: original.count - 2)
        XCTAssertEqual(try ImageFile.decode(junkBeforeEOI, name: "junk2.jpg"), reference)

        let truncated = Array(junkInHeader[0..<(junkInHeader.count * 2 / 3)])
        assertImageIOError("junk3.jpg", contains: "truncated") { _ = try ImageFile.decode(truncated, name: "junk3.jpg") }

        // Junk in the header must not open a lenient path for a scan cut short but given a fake EOI.
        let fakeEnd = truncated + [0xFF, 0xD9]
        assertImageIOError("junk4.jpg", contains: "JPEG data") { _ = try ImageFile.decode(fakeEnd, name: "junk4.jpg") }
    }

    func testUnknownJFIFMajorVersionIsTolerated() throws {
        var bytes = try Fixture.bytes("snail.jpg")
        let reference = try ImageFile.decode(bytes, name: "snail.jpg")
        let app0 = try XCTUnwrap((2..<(bytes.count - 9)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xE0 })
        XCTAssertEqual(Array(bytes[(app0 + 4)..<(app0 + 9)]), Array("JFIF\0".utf8))
        bytes[app0 + 9] = 2
        XCTAssertEqual(try ImageFile.decode(bytes, name: "jfif2.jpg"), reference)
    }

    func testAdobeMarkerIsFoundBehindJunk() throws {
        var bytes = try Fixture.bytes("cmyk.jpg")
        let reference = try ImageFile.decode(bytes, name: "cmyk.jpg")
        // An APP1 segment, then two stray bytes, then the original APP14 "Adobe" segment.
        bytes.insert(contentsOf: [0xFF, 0xE1, 0x00, 0x04, 0xAA, 0xBB, 0x01, 0x02], at: 2)
        XCTAssertTrue(JPEGHeader(bytes).hasAdobeMarker)
        XCTAssertEqual(try ImageFile.decode(bytes, name: "cmyk-junk.jpg"), reference)
    }

    /// Bogus spectral parameters in a sequential file's SOS only earn a warning; they are
    /// repaired, and the scan data is still checked strictly.
    func testBogusSequentialSOSParametersAreRepaired() throws {
        let original = try Fixture.bytes("gray.jpg")
        let reference = try ImageFile.decode(original, name: "gray.jpg")
        let sos = try XCTUnwrap((2..<(original.count - 1)).first { original[$0] == 0xFF && original[$0 + 1] == 0xDA })
        let params = sos + 5 + 2 * Int(original[sos + 4])
        XCTAssertEqual(Array(original[params...(params + 2)]), [0, 63, 0])
        var bogus = original
        bogus[params + 1] = 0x5E
        bogus[params + 2] = 0x1F
        XCTAssertEqual(try ImageFile.decode(bogus, name: "sos.jpg"), reference)

        let cut = Array(bogus[0..<(params + 3 + (bogus.count - params) / 2)]) + [0xFF, 0xD9]
        assertImageIOError("sos-cut.jpg", contains: "JPEG data") { _ = try ImageFile.decode(cut, name: "sos-cut.jpg") }
    }

    func testUnknownAdobeTransformIsRepaired() throws {
        var bytes = try Fixture.bytes("cmyk.jpg")
        let app14 = try XCTUnwrap((2..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xEE })
        XCTAssertEqual(bytes[app14 + 15], 0)
        bytes[app14 + 15] = 7
        let image = try ImageFile.decode(bytes, name: "xform.jpg")
        XCTAssertEqual(image.channels, 3)
        XCTAssertEqual(image.width, 32)
    }

    /// Regression (found by libFuzzer): after a tolerated warning, a later *fatal* libjpeg error
    /// still reports TJERR_WARNING, and the half-written buffer used to be returned as an image.
    func testFatalErrorAfterToleratedWarningIsReported() throws {
        var bytes = try Fixture.bytes("progressive.jpg")
        let scans = (2..<(bytes.count - 1)).filter { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDA }
        XCTAssertGreaterThanOrEqual(scans.count, 3)
        bytes[scans[2] + 5] = 0x77                          // third scan names a component that does not exist
        bytes.insert(contentsOf: [0x00, 0x11], at: scans[1])  // stray bytes after the first scan
        assertImageIOError("scans.jpg", contains: "corrupt JPEG") { _ = try ImageFile.decode(bytes, name: "scans.jpg") }
    }

    /// Regression (found by libFuzzer): an APPn segment with length 0 made the header walker give
    /// up, which let a 16408x9232 "image" with an undefined quantisation table through leniently.
    func testZeroLengthAppSegmentCaseIsRejected() throws {
        let path = Fixture.path("regression-app-length0.jpg")
        assertImageIOError(path, contains: "Quantization table") { _ = try ImageFile.load(path) }
    }
}
