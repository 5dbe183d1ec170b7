import XCTest
@testable import ImageIO

final class PNGRoundTripTests: XCTestCase {
    private func roundTrip(_ image: Image, bitDepth: Int, file: StaticString = #filePath,
                           line: UInt = #line) throws -> Image {
        let bytes = try ImageFile.encodePNG(image, bitDepth: bitDepth)
        XCTAssertEqual(ImageFormat.sniff(bytes), .png, file: file, line: line)
        return try ImageFile.decode(bytes, name: "roundtrip.png")
    }

    /// IHDR bytes 24 and 25: bit depth and colour type.
    private func header(_ bytes: [UInt8]) -> (depth: UInt8, colourType: UInt8) { (bytes[24], bytes[25]) }

    func testRGB8RoundTripsExactly() throws {
        let image = syntheticImage(width: 33, height: 17, channels: 3)
        let back = try roundTrip(image, bitDepth: 8)
        XCTAssertEqual(back, image)
        XCTAssertEqual(header(try ImageFile.encodePNG(image)).colourType, 2)
    }

    func testRGB16KeepsFullPrecision() throws {
        let (w, h) = (19, 11)
        // Multiples of 257 are exactly representable at 8 bits; avoid them to prove 16-bit survives.
        let samples = (0..<(3 * w * h)).map { i -> Float in
            var v = (i * 7919 + 13) % 65536
            if v % 257 == 0 { v += 1 }
            return Float(v) / 65535
        }
        let image = Image(width: w, height: h, channels: 3, pixels: samples, sourceBitDepth: 16)
        let bytes = try ImageFile.encodePNG(image, bitDepth: 16)
        XCTAssertEqual(header(bytes).depth, 16)
        let back = try ImageFile.decode(bytes, name: "rgb16.png")
        XCTAssertEqual(back, image)
        XCTAssertEqual(back.sourceBitDepth, 16)
        // The same image through 8 bits must differ, or this test proves nothing.
        let lossy = try roundTrip(image, bitDepth: 8)
        XCTAssertNotEqual(lossy.pixels, image.pixels)
    }

    func testGray8And16RoundTrip() throws {
        let gray8 = syntheticImage(width: 21, height: 9, channels: 1)
        XCTAssertEqual(try roundTrip(gray8, bitDepth: 8), gray8)
        XCTAssertEqual(header(try ImageFile.encodePNG(gray8)).colourType, 0)

        let gray16 = syntheticImage(width: 21, height: 9, channels: 1, maxValue: 65535, seed: 7)
        XCTAssertTrue(gray16.pixels.contains { Int(($0 * 65535).rounded()) % 257 != 0 })
        let back = try roundTrip(gray16, bitDepth: 16)
        XCTAssertEqual(back, gray16)
        XCTAssertEqual(back.channels, 1)
    }

    func testGrayAlphaRoundTrip() throws {
        for (depth, maxValue) in [(8, Float(255)), (16, Float(65535))] {
            let image = syntheticImage(width: 10, height: 6, channels: 1, alpha: true, maxValue: maxValue, seed: 3)
            let bytes = try ImageFile.encodePNG(image, bitDepth: depth)
            XCTAssertEqual(header(bytes).colourType, 4)
            let back = try ImageFile.decode(bytes, name: "ga.png")
            XCTAssertEqual(back.channels, 1)
            XCTAssertEqual(back.alpha, image.alpha)
            XCTAssertEqual(back, image)
        }
    }

    func testRGBAAlphaComesBackIdentical() throws {
        for (depth, maxValue) in [(8, Float(255)), (16, Float(65535))] {
            let image = syntheticImage(width: 12, height: 13, channels: 3, alpha: true, maxValue: maxValue, seed: 5)
            let bytes = try ImageFile.encodePNG(image, bitDepth: depth)
            XCTAssertEqual(header(bytes).colourType, 6)
            let back = try ImageFile.decode(bytes, name: "rgba.png")
            XCTAssertNotNil(back.alpha)
            XCTAssertEqual(back.alpha, image.alpha)
            XCTAssertEqual(back.pixels, image.pixels)
        }
    }

    func testSaveAndLoadThroughFile() throws {
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let image = syntheticImage(width: 40, height: 30, channels: 3, alpha: true)
        let path = dir + "/out.png"
        try ImageFile.savePNG(image, to: path)
        XCTAssertEqual(try ImageFile.load(path), image)
        XCTAssertEqual(directoryListing(dir), ["out.png"], "temporary file left behind")
    }

    func testQuantisationRoundsAndClamps() throws {
        let values: [Float] = [0.49 / 255, 0.51 / 255, 254.5 / 255 + 1e-4, -0.3, 1.7, .nan, .infinity, -.infinity]
        let expected: [Float] = [0, 1, 255, 0, 255, 0, 255, 0].map { $0 / 255 }
        let image = Image(width: values.count, height: 1, channels: 1, pixels: values)
        XCTAssertEqual(try roundTrip(image, bitDepth: 8).pixels, expected)
    }

    func testMalformedImagesAreRejectedNotTrapped() throws {
        let good = syntheticImage(width: 4, height: 3, channels: 3)
        var twoChannels = good
        twoChannels.channels = 2
        var shortPixels = good
        shortPixels.pixels.removeLast()
        var badAlpha = good
        badAlpha.alpha = [0.5]
        var empty = good
        empty.width = 0
        empty.pixels = []
        for (image, reason) in [(twoChannels, "channels"), (shortPixels, "pixel buffer"),
                                (badAlpha, "alpha"), (empty, "0x3")] {
            assertImageIOError("<PNG output>", contains: reason) { _ = try ImageFile.encodePNG(image) }
            assertImageIOError("<JPEG output>", contains: reason) { _ = try ImageFile.encodeJPEG(image, quality: 90) }
        }
        assertImageIOError("<PNG output>", contains: "bit depth") { _ = try ImageFile.encodePNG(good, bitDepth: 12) }
    }
}
