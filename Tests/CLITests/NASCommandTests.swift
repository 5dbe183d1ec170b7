import Foundation
import ImageIO
import XCTest

/// `dip nas evaluate`, `dip nas search` and `dip nas report` through the built binary, on tiny
/// candidates (16 channels, 64×64 crops, a few iterations, one thread per process).
final class NASCommandTests: XCTestCase {
    private var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "dip-nas-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/images", withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// A smooth colour scene with an edge, `size`×`size`, varied by `seed`.
    private func scene(_ name: String, size: Int = 72, seed: Int = 0) throws -> String {
        var p = [Float](repeating: 0, count: 3 * size * size)
        for c in 0..<3 {
            for y in 0..<size {
                for x in 0..<size {
                    let u = Float(x) / Float(size), v = Float(y) / Float(size)
                    var value = 0.2 + 0.5 * u * v + 0.1 * Float(c) + 0.05 * Float(seed)
                    if x > size / 3 + seed && x < size / 2 + seed { value = 0.8 - 0.1 * Float(c) }
                    p[(c * size + y) * size + x] = min(max(value, 0), 1)
                }
            }
        }
        let path = "\(dir!)/images/\(name)"
        try ImageFile.savePNG(Image(width: size, height: size, channels: 3, pixels: p), to: path)
        return path
    }

    private func write(_ name: String, _ text: String) -> String {
        let path = "\(dir!)/\(name)"
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    private func json(_ path: String) throws -> [String: Any] {
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path), "\(path) missing")
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private func mtime(_ path: String) throws -> Date {
        try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
    }

    // MARK: evaluate

    func testEvaluateWritesAResult() throws {
        _ = try scene("a.png")
        _ = try scene("b.png", seed: 2)
        let candidate = write("cand.json", #"{"cell": 119, "connections": "10010 11001 01100 00110 00011", "channels": 16}"#)
        let out = "\(dir!)/out/result.json"
        try FileManager.default.createDirectory(atPath: "\(dir!)/out", withIntermediateDirectories: true)
        let r = try DipBinary.run([
            "nas", "evaluate", candidate, "--task", "denoise", "--images", "\(dir!)/images", "--out", out, "--iterations", "12",
            "--size", "64", "--threads", "1", "--curve-every", "5",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let result = try json(out)
        XCTAssertEqual(result["status"] as? String, "ok")
        XCTAssertEqual(result["rewardRule"] as? String, "best")
        XCTAssertEqual(result["measuredOn"] as? String, "ema", "denoising measures the EMA, as the script")
        let reward = try XCTUnwrap(result["reward"] as? Double)
        XCTAssertEqual(reward, try XCTUnwrap(result["meanBestPSNR"] as? Double))
        XCTAssertGreaterThanOrEqual(reward, try XCTUnwrap(result["meanFinalPSNR"] as? Double))
        XCTAssertGreaterThan(reward, 5)
        XCTAssertGreaterThan(try XCTUnwrap(result["parameters"] as? Int), 10_000)
        XCTAssertGreaterThan(try XCTUnwrap(result["seconds"] as? Double), 0)
        let images = try XCTUnwrap(result["images"] as? [[String: Any]])
        XCTAssertEqual(images.count, 2)
        let curve = try XCTUnwrap(images[0]["curve"] as? [String: Any])
        XCTAssertEqual(curve["iterations"] as? [Int], [0, 5, 10, 11])
        XCTAssertEqual((curve["psnr"] as? [Double])?.count, 4)
        XCTAssertEqual(images[0]["width"] as? Int, 64)
        // Atomic write: nothing but the result in the folder (no temp files), no run folders left.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(dir!)/out"), ["result.json"])
        XCTAssertTrue(r.stderr.contains("reward"), r.stderr)
    }

    func testEvaluateBadInputsExitTwoWithOneLine() throws {
        let image = try scene("a.png")
        let good = write("good.json", #"{"backbone": "skip", "cell": 60, "channels": 16}"#)
        let out = "\(dir!)/r.json"
        func expectBad(_ args: [String], _ phrases: [String], line: UInt = #line) throws {
            let r = try DipBinary.run(["nas", "evaluate"] + args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)", line: line)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one line expected: \(r.stderr)", line: line)
            for p in phrases { XCTAssertTrue(r.stderr.contains(p), "'\(p)' missing from \(r.stderr)", line: line) }
            XCTAssertFalse(r.stderr.contains("Fatal error"), line: line)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "a result was written for \(args)", line: line)
        }
        let common = ["--out", out, "--iterations", "2", "--threads", "1"]
        try expectBad([good, "--task", "denoise", "--images", "\(dir!)/nope.png"] + common, ["nope.png", "no such file"])
        try expectBad([write("bad.json", #"{"cell": 249, "connections": "1111111111111111111111111"}"#), "--task", "sr", "--images", image] + common,
                      ["bad.json", "249", "pixel shuffle"])
        try expectBad([write("range.json", #"{"backbone": "skip", "cell": 999}"#), "--task", "sr", "--images", image] + common, ["range.json", "999"])
        try expectBad([good, "--task", "deblur", "--images", image] + common, ["deblur"])
        try expectBad(["\(dir!)/missing.json", "--task", "denoise", "--images", image] + common, ["missing.json"])
        try expectBad([write("garbage.json", "not json"), "--task", "denoise", "--images", image] + common, ["garbage.json"])
        try expectBad([good, "--task", "denoise", "--images", image, "--size", "96"] + common, ["a.png", "96"])
        try expectBad([good, "--task", "denoise", "--images", image, "--size", "48"] + common, ["--size", "32"])
        try expectBad([good, "--task", "denoise", "--images", try scene("small.png", size: 40)] + common, ["small.png", "64"])
        try expectBad([good, "--task", "denoise", "--images", image, "--out", "\(dir!)/no/such/dir/r.json", "--iterations", "2"],
                      ["no/such/dir"])
    }

    // MARK: search, resume, report

    private func searchArgs(_ out: String, candidates: Int) -> [String] {
        [
            "nas", "search", "--task", "sr", "--images", "\(dir!)/images", "--candidates", String(candidates),
            "--iterations-per-candidate", "6", "--controller", "reinforce", "--stage", "joint", "--channels", "16",
            "--size", "64", "--threads", "1", "--seed", "4", "--out", out, "--curve-every", "2",
        ]
    }

    func testTinySearchResumesWithoutReevaluatingAndReports() throws {
        _ = try scene("a.png")
        _ = try scene("b.png", seed: 3)
        _ = write("images/a_mask.png", "not an image: masks in an image folder are skipped")
        let out = "\(dir!)/search"

        // A first session of 2 candidates, then a resume that raises the budget to 4.
        let first = try DipBinary.run(searchArgs(out, candidates: 2))
        XCTAssertEqual(first.status, 0, first.stderr)
        let before = try (0..<2).map { try mtime("\(out)/results/000\($0).json") }
        let settings = try json("\(out)/search.json")
        XCTAssertEqual(settings["candidates"] as? Int, 2)
        XCTAssertEqual((settings["images"] as? [String])?.count, 2, "the mask file is not a search image")

        let second = try DipBinary.run(["nas", "search", "--resume", out, "--candidates", "4", "--threads", "1"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stderr.contains("resuming after 2"), second.stderr)
        for i in 0..<2 {
            XCTAssertEqual(try mtime("\(out)/results/000\(i).json"), before[i], "finished candidate \(i) was evaluated again")
        }
        for i in 0..<4 {
            let r = try json("\(out)/results/000\(i).json")
            XCTAssertEqual(r["status"] as? String, "ok", "candidate \(i)")
            let c = try json("\(out)/candidates/000\(i).json")
            XCTAssertEqual(c["backbone"] as? String, "nas-dip")
            XCTAssertEqual((c["choices"] as? [Int])?.count, 29)
        }
        let controller = try json("\(out)/controller.json")
        XCTAssertEqual(controller["consumed"] as? Int, 4)
        XCTAssertEqual((controller["history"] as? [Any])?.count, 4, "one update per batch of 1")

        // A finished search resumes to nothing.
        let again = try DipBinary.run(["nas", "search", "--resume", out, "--threads", "1"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("0 fresh evaluations"), again.stderr)

        let leaderboard = try String(contentsOfFile: "\(out)/leaderboard.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(leaderboard.count, 5)
        XCTAssertTrue(leaderboard[0].hasPrefix("rank,candidate,backbone,cell"))
        let rewards = leaderboard.dropFirst().map { Double($0.split(separator: ",", omittingEmptySubsequences: false)[6]) ?? -1 }
        XCTAssertEqual(rewards, rewards.sorted(by: >), "best first")
        XCTAssertNotNil(try? json("\(out)/best.json")["cell"])

        let report = try DipBinary.run(["nas", "report", out])
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertTrue(report.stdout.contains("4/4 candidates evaluated"), report.stdout)
        XCTAssertTrue(report.stdout.contains("cell name"), report.stdout)
        let svg = try String(contentsOfFile: "\(out)/report.svg", encoding: .utf8)
        for phrase in ["Reward per candidate", "Controller entropy per step", "running best", "uniform policy", "<circle"] {
            XCTAssertTrue(svg.contains(phrase), "report.svg lacks \(phrase)")
        }
        XCTAssertWellFormedXML(svg, "report.svg")
    }

    func testStoppedSearchKeepsFinishedResults() throws {
        _ = try scene("a.png")
        let out = "\(dir!)/stopped"
        let process = try DipBinary.start(searchArgs(out, candidates: 4))
        let first = "\(out)/results/0000.json"
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: first) && Date() < deadline && process.isRunning { usleep(50_000) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: first), "no candidate finished")
        let stamp = try mtime(first)
        process.terminate()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 130)
        let err = String(decoding: (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(err.contains("search stopped"), err)
        XCTAssertTrue(err.contains("--resume"), err)
        let results = try FileManager.default.contentsOfDirectory(atPath: "\(out)/results")
        XCTAssertLessThan(results.count, 4, "the search ran to the end before the stop")
        XCTAssertFalse(results.contains { $0.hasSuffix(".tmp") }, "a half-written result: \(results)")

        let resumed = try DipBinary.run(["nas", "search", "--resume", out, "--threads", "1"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try mtime(first), stamp, "a finished candidate was evaluated again")
        for i in 0..<4 { XCTAssertEqual(try json("\(out)/results/000\(i).json")["status"] as? String, "ok") }
    }

    func testSearchBadInputs() throws {
        let image = try scene("a.png")
        func expectBad(_ args: [String], _ phrase: String, line: UInt = #line) throws {
            let r = try DipBinary.run(["nas", "search"] + args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)", line: line)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr, line: line)
            XCTAssertTrue(r.stderr.contains(phrase), "'\(phrase)' missing from \(r.stderr)", line: line)
        }
        let out = ["--out", "\(dir!)/s"]
        try expectBad(["--images", image] + out, "--task")
        try expectBad(["--task", "denoise", "--images", "\(dir!)/none.png"] + out, "none.png")
        try expectBad(["--task", "denoise", "--images", image, "--stage", "connections"] + out, "--cell")
        try expectBad(["--task", "denoise", "--images", image, "--stage", "connections", "--cell", "250"] + out, "250")
        try expectBad(["--resume", "\(dir!)/nothing"], "no search.json")
        try expectBad(["--resume", "\(dir!)/nothing", "--task", "sr"], "--resume")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir!)/s/search.json"))
    }
}
