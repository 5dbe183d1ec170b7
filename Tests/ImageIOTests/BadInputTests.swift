import XCTest
@testable import ImageIO

/// Every malformed input must give a one-line ImageIOError naming the file and the problem.
final class BadInputTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws { dir = try makeTempDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = dir + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func expectLoadError(_ bytes: [UInt8], _ name: String, _ reason: String,
                                 file: StaticString = #filePath, line: UInt = #line) throws {
        let path = try write(bytes, name)
        assertImageIOError(path, contains: reason, file: file, line: line) { _ = try ImageFile.load(path) }
    }

    func testDescriptionIsPathColonReason() {
        XCTAssertEqual(ImageIOError(path: "a/b.png", reason: "no such file").description, "a/b.png: no such file")
    }

    func testMissingFileAndDirectory() {
        let missing = dir + "/nope.png"
        assertImageIOError(missing, contains: "no such file") { _ = try ImageFile.load(missing) }
        let underFile = Fixture.path("rgb8.png") + "/x.png"
        assertImageIOError(underFile, contains: "no such file") { _ = try ImageFile.load(underFile) }
        assertImageIOError(dir, contains: "is a directory") { _ = try ImageFile.load(dir) }
    }

    func testEmptyAndNonImageFiles() throws {
        try expectLoadError([], "empty.png", "empty file")
        try expectLoadError(Array("hello, this is text\n".utf8), "text.png", "not a PNG or JPEG image")
        try expectLoadError(Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0], "anim.gif", "looks like GIF")
        assertImageIOError("mem", contains: "not a PNG or JPEG image") {
            _ = try ImageFile.decode([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08], name: "mem")
        }
    }

    func testTruncatedPNGAtEveryStage() throws {
        let png = try Fixture.bytes("rgb8.png")
        let idat = try XCTUnwrap(PNGBytes.chunks(png).first { $0.type == "IDAT" })
        // Inside the signature, inside IHDR, inside IDAT, before IEND, inside IEND's CRC.
        for cut in [4, 8, 20, idat.offset + 8 + idat.length / 2, png.count - 12, png.count - 1] {
            try expectLoadError(Array(png[0..<cut]), "cut\(cut).png", "truncated")
        }
    }

    func testTruncatedJPEG() throws {
        let jpeg = try Fixture.bytes("snail.jpg")
        for cut in [jpeg.count / 2, jpeg.count - 100, jpeg.count - 2] {
            try expectLoadError(Array(jpeg[0..<cut]), "cut\(cut).jpg", "truncated JPEG")
        }
        // Cut inside the header: still a clean, specific error.
        for cut in [2, 3, 20, 200] {
            try expectLoadError(Array(jpeg[0..<cut]), "head\(cut).jpg", "JPEG")
        }
    }

    func testBadCRCIsReported() throws {
        var png = try Fixture.bytes("rgb8.png")
        let idat = try XCTUnwrap(PNGBytes.chunks(png).first { $0.type == "IDAT" })
        png[idat.offset + 8 + idat.length] ^= 0x10
        try expectLoadError(png, "idat-crc.png", "CRC error")

        // Damaged data in front of a stale CRC: zlib's own checksum may notice first; either way it is an error.
        var data = try Fixture.bytes("rgb8.png")
        data[idat.offset + 8 + 3] ^= 0x10
        try expectLoadError(data, "idat-data.png", "corrupt PNG")

        // An ancillary chunk's CRC matters too: damage is damage.
        var trns = try Fixture.bytes("gray8_trns.png")
        let chunk = try XCTUnwrap(PNGBytes.chunks(trns).first { $0.type == "tRNS" })
        trns[chunk.offset + 8 + chunk.length] ^= 0xFF
        try expectLoadError(trns, "trns-crc.png", "CRC error")
    }

    func testCorruptCompressedDataWithValidCRC() throws {
        var png = try Fixture.bytes("rgb8.png")
        let idat = try XCTUnwrap(PNGBytes.chunks(png).first { $0.type == "IDAT" })
        for i in 2..<min(idat.length, 12) { png[idat.offset + 8 + i] = 0xFF }
        PNGBytes.fixCRCs(&png)
        try expectLoadError(png, "zlib.png", "corrupt PNG")
    }

    func testZeroAndAbsurdPNGDimensions() throws {
        let png = try Fixture.bytes("rgb8.png")
        try expectLoadError(PNGBytes.withSize(png, width: 0, height: 5), "zero.png", "zero")
        try expectLoadError(PNGBytes.withSize(png, width: 7, height: 0), "zero2.png", "zero")
        try expectLoadError(PNGBytes.withSize(png, width: 40_000, height: 5), "wide.png", "too large")
        try expectLoadError(PNGBytes.withSize(png, width: 20_000, height: 20_000), "huge.png", "too large")
        // Within the limits but far beyond what ~150 bytes of deflate data can hold:
        // refused up front instead of allocating a gigabyte and then failing.
        let start = Date()
        try expectLoadError(PNGBytes.withSize(png, width: 16_000, height: 16_000), "bomb.png", "cannot fit")
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
    }

    /// Offset of the SOF0/SOF2 segment's height field in a JPEG.
    private func sofOffset(_ jpeg: [UInt8]) throws -> Int {
        let marker = try XCTUnwrap((2..<(jpeg.count - 9)).first {
            jpeg[$0] == 0xFF && (jpeg[$0 + 1] == 0xC0 || jpeg[$0 + 1] == 0xC2)
        })
        return marker + 5
    }

    func testZeroAndAbsurdJPEGDimensions() throws {
        let jpeg = try Fixture.bytes("snail.jpg")
        let sof = try sofOffset(jpeg)
        var zero = jpeg
        zero[sof] = 0; zero[sof + 1] = 0
        try expectLoadError(zero, "zero.jpg", "JPEG")
        var wide = jpeg
        wide[sof + 2] = 0x9C; wide[sof + 3] = 0x40  // width 40000
        try expectLoadError(wide, "wide.jpg", "too large")
    }
}
