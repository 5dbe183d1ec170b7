import Foundation
import ImageIO
import XCTest

/// Every bad input gets one line on stderr naming the file and the problem, exit code 2, no
/// crash, and no result or half-written run directory.
final class BadInputTests: XCTestCase {
    private var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "dip-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private func file(_ name: String, _ bytes: [UInt8]) -> String {
        let path = "\(dir!)/\(name)"
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    private func image(_ name: String, width: Int = 16, height: Int = 16, channels: Int = 3) throws -> String {
        let path = "\(dir!)/\(name)"
        let pixels = (0..<(channels * width * height)).map { Float($0 % 13) / 13 }
        try ImageFile.savePNG(Image(width: width, height: height, channels: channels, pixels: pixels), to: path)
        return path
    }

    /// Runs dip expecting exit code 2 and a one-line error containing every `phrase`.
    private func expectBadInput(
        _ arguments: [String], _ phrases: [String], file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let out = "\(dir!)/out"
        let result = try DipBinary.run(arguments + (arguments.contains("--out") || arguments.first == "resume" ? [] : ["--out", out]))
        XCTAssertEqual(result.status, 2, "exit code for \(arguments): stderr \(result.stderr)", file: file, line: line)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "one line expected, got: \(result.stderr)", file: file, line: line)
        for phrase in phrases {
            XCTAssertTrue(result.stderr.contains(phrase), "'\(phrase)' missing from: \(result.stderr)", file: file, line: line)
        }
        XCTAssertFalse(result.stderr.contains("Fatal error"), file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(out)/result.png"), file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(out)/run.json"), "half-written run left behind", file: file, line: line)
    }

    func testUnreadableImages() throws {
        try expectBadInput(["denoise", "\(dir!)/nope.png"], ["nope.png", "no such file"])
        try expectBadInput(["denoise", file("empty.png", [])], ["empty.png", "empty"])
        try expectBadInput(["denoise", file("text.png", Array("hello, not an image\n".utf8))], ["text.png"])
        let good = try ImageFile.encodePNG(Image(width: 16, height: 16, channels: 3, pixels: [Float](repeating: 0.5, count: 768)))
        try expectBadInput(["denoise", file("cut.png", Array(good.prefix(good.count / 2)))], ["cut.png"])
        var corrupt = good
        corrupt[good.count - 20] ^= 0xFF  // inside IDAT: its CRC no longer matches
        try expectBadInput(["denoise", file("crc.png", corrupt)], ["crc.png"])
        let jpeg = try ImageFile.encodeJPEG(Image(width: 32, height: 32, channels: 3, pixels: [Float](repeating: 0.3, count: 3072)), quality: 90)
        try expectBadInput(["denoise", file("cut.jpg", Array(jpeg.prefix(jpeg.count * 2 / 3)))], ["cut.jpg"])
        try expectBadInput(["denoise", file("zero.png", RawPNG.header(width: 0, height: 0) + RawPNG.chunk("IEND", []))], ["zero.png"])
    }

    func testMasksThatDoNotFit() throws {
        let picture = try image("picture.png")
        try expectBadInput(["inpaint", picture, "--mask", try image("small.png", width: 8, height: 8, channels: 1)], ["small.png", "must match"])
        try expectBadInput(["inpaint", picture, "--mask", try image("colour.png")], ["colour.png", "1-channel"])
    }

    func testBadOptionsAndDirectories() throws {
        let picture = try image("picture.png")
        try expectBadInput(["sr", picture, "--scale", "3"], ["--scale"])
        try expectBadInput(["denoise", picture, "--iterations", "-5"], ["--iterations"])
        try expectBadInput(["denoise", picture, "--out", "/proc/dip-cannot-write-here"], ["/proc/dip-cannot-write-here"])
        try expectBadInput(["resume", dir!], ["not a dip run directory"])
    }

    func testHelpNamesTheReferenceDefaults() throws {
        let help = try DipBinary.run(["denoise", "--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("3000 iterations"), help.stdout)
        XCTAssertTrue(help.stdout.contains("reg noise 1/30"), help.stdout)
    }
}
