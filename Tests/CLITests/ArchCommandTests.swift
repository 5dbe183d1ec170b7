import Foundation
import XCTest

/// `dip arch describe`: totals for names and genotype files, and one-line errors with exit
/// code 2 for bad input.
final class ArchCommandTests: XCTestCase {
    private var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "dip-arch-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private func genotype(_ name: String, _ json: String) -> String {
        let path = "\(dir!)/\(name)"
        FileManager.default.createFile(atPath: path, contents: Data(json.utf8))
        return path
    }

    func testDescribeNamesAndGenotypeFiles() throws {
        let sr = try DipBinary.run(["arch", "describe", "nas-sr", "--size", "64"])
        XCTAssertEqual(sr.status, 0, sr.stderr)
        XCTAssertTrue(sr.stdout.contains("skip_up_3_2.conv@e3"), "shared applications are listed")
        XCTAssertTrue(sr.stdout.split(separator: "\n").last!.hasPrefix("total: 3,512,835 trainable parameters"), sr.stdout)

        let denoise = try DipBinary.run(["arch", "describe", "nas-denoise", "--size", "64"])
        XCTAssertTrue(denoise.stdout.contains("(480,768 in modules no path uses)"), denoise.stdout)

        let file = genotype("sr.json", #"{"cell": "bicubic/depthwise5x5/leakyrelu", "connections": "10010 11001 01100 00110 00011"}"#)
        let fromFile = try DipBinary.run(["arch", "describe", file, "--size", "64"])
        XCTAssertEqual(fromFile.status, 0, fromFile.stderr)
        XCTAssertEqual(fromFile.stdout.split(separator: "\n").last, sr.stdout.split(separator: "\n").last)

        let unet = try DipBinary.run(["arch", "describe", "unet", "--input-depth", "1", "--size", "64"])
        XCTAssertTrue(unet.stdout.contains("total: 1,616,315 trainable parameters"), unet.stdout)
    }

    func testBadInputIsOneLineAndExitCodeTwo() throws {
        let cases: [([String], String)] = [
            (["nope"], "unknown architecture 'nope'"),
            (["\(dir!)/missing.json"], "cannot read genotype file"),
            ([genotype("invalid.json", #"{"cell": 249, "connections": "1111101111001110001100001"}"#)], "identity leaves C/4"),
            ([genotype("trunc.json", #"{"cell": 119, "connections": "10"#)], "not a genotype JSON object"),
            ([genotype("bits.json", #"{"cell": 119, "connections": "1001011001"}"#)], "25 bits"),
            (["nas-sr", "--size", "48"], "multiple of 32"),
            (["nas-sr", "--channels", "20"], "multiple of 16"),
            (["resnet", "--upsample-nothing"], "upsample-nothing"),
        ]
        for (arguments, phrase) in cases {
            let result = try DipBinary.run(["arch", "describe"] + arguments)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(phrase), "\(arguments): '\(phrase)' missing from \(result.stderr)")
        }
    }
}
