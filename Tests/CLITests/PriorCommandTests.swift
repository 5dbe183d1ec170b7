import Foundation
import ImageIO
import XCTest

/// `dip impedance`, `dip compare` and the input options (`--input`, `--noise-type`), run as the
/// built binary with tiny nets on one thread.
final class PriorCommandTests: XCTestCase {
    private var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "dip-prior-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// A smooth picture with an edge, saved as PNG.
    private func picture(_ name: String, width: Int, height: Int, noise: Float = 0) throws -> String {
        var p = [Float](repeating: 0, count: 3 * width * height)
        for c in 0..<3 {
            for y in 0..<height {
                for x in 0..<width {
                    let wobble = noise * sin(Float(x * 31 + y * 17 + c * 7))
                    p[(c * height + y) * width + x] = min(max(0.2 + 0.5 * Float(x) / Float(width) + (y > height / 2 ? 0.2 : 0) + 0.05 * Float(c) + wobble, 0), 1)
                }
            }
        }
        let path = "\(dir!)/\(name)"
        try ImageFile.savePNG(Image(width: width, height: height, channels: 3, pixels: p), to: path)
        return path
    }

    private let tiny = ["--channels", "8", "--depth", "2", "--threads", "1"]

    private func expectBadInput(_ arguments: [String], _ phrases: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try DipBinary.run(arguments)
        XCTAssertEqual(r.status, 2, "\(arguments): \(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one line expected: \(r.stderr)", file: file, line: line)
        for p in phrases { XCTAssertTrue(r.stderr.contains(p), "'\(p)' missing from: \(r.stderr)", file: file, line: line) }
    }

    func testImpedanceWritesCurvesPlotAndTable() throws {
        // 36×34 is not a multiple of 4 (two levels): it is cropped to 36×32, and says so.
        let image = try picture("photo.png", width: 36, height: 34)
        let out = "\(dir!)/imp"
        let r = try DipBinary.run(["impedance", image, "--iterations", "15", "--out", out, "--thresholds", "0.05,0.02"] + tiny)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("note: centre-cropped 36×34 to 36×32"), r.stderr)

        let csv = try String(contentsOfFile: "\(out)/curves.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(csv.first, "iteration,image,image_noise,shuffled,noise")
        XCTAssertEqual(csv.count, 16)
        for (i, row) in csv.dropFirst().enumerated() {
            let cells = row.split(separator: ",", omittingEmptySubsequences: false)
            XCTAssertEqual(cells.count, 5, row)
            XCTAssertEqual(Int(cells[0]), i)
            for cell in cells.dropFirst() {
                let v = Double(cell)
                XCTAssertNotNil(v, row)
                XCTAssertTrue(v! > 0 && v! < 1, "an MSE of [0,1] images: \(row)")
            }
        }
        // White noise (variance 1/12) starts far above the smooth picture's fit after 15 steps.
        let last = csv.last!.split(separator: ",").map { Double($0)! }
        XCTAssertLessThan(last[1], last[4])

        let svg = try String(contentsOfFile: "\(out)/impedance.svg", encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        XCTAssertWellFormedXML(svg, "impedance.svg")
        XCTAssertEqual(svg.components(separatedBy: "<polyline class=\"series\"").count - 1, 4)
        for label in ["natural image", "image + noise", "shuffled pixels", "U(0,1) noise", "iteration", "MSE (log scale)"] {
            XCTAssertTrue(svg.contains(">\(label)<"), label)
        }
        XCTAssertTrue(svg.contains("photo.png (36×32)"), "the title names the image and its size")

        // The table: on stdout and in thresholds.txt, a row per target, a column per threshold.
        let table = try String(contentsOfFile: "\(out)/thresholds.txt", encoding: .utf8)
        XCTAssertTrue(r.stdout.contains(table.split(separator: "\n")[1]), r.stdout)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.hasPrefix("target") && $0.contains("≤ 0.05") && $0.contains("≤ 0.02") }, r.stdout)
        for label in ["natural image", "image + noise", "shuffled pixels", "U(0,1) noise"] {
            XCTAssertTrue(lines.contains { $0.hasPrefix(label) && $0.hasSuffix(" 15") }, "\(label) row: \(r.stdout)")
        }
        XCTAssertTrue(r.stdout.contains("60 iterations in"), r.stdout)

        // A second run into the same folder would overwrite the curves: refused.
        try expectBadInput(["impedance", image, "--iterations", "2", "--out", out] + tiny, ["already holds impedance curves"])
    }

    func testImpedanceBadInput() throws {
        let image = try picture("small.png", width: 32, height: 32)
        let out = ["--out", "\(dir!)/bad"]
        try expectBadInput(["impedance", "\(dir!)/missing.png"] + out, ["missing.png"])
        try expectBadInput(["impedance", image, "--size", "64"] + out, ["--size 64 is larger than"])
        try expectBadInput(["impedance", image, "--size", "30"] + tiny + out, ["--size must be a multiple of 4"])
        try expectBadInput(["impedance", image, "--sigma", "-3"] + out, ["--sigma"])
        try expectBadInput(["impedance", image, "--thresholds", "0.01,abc"] + out, ["--thresholds"])
        try expectBadInput(["impedance", image, "--input", "meshgrid", "--noise-type", "normal"] + out, ["--noise-type"])
        try expectBadInput(["impedance", image, "--order", "random"] + out, ["--order"])
        try expectBadInput(["impedance", image, "--arch", "vgg"] + out, ["vgg"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir!)/bad/curves.csv"))
    }

    func testCompareWritesTableCSVAndPlot() throws {
        let clean = try picture("clean.png", width: 32, height: 32)
        let noisy = try picture("noisy.png", width: 32, height: 32, noise: 0.08)
        let out = "\(dir!)/cmp"
        let r = try DipBinary.run(
            ["compare", noisy, "--task", "denoise", "--archs", "skip,deep-decoder", "--inputs", "noise,meshgrid", "--gt", clean,
             "--iterations", "6", "--out", out] + tiny)
        XCTAssertEqual(r.status, 0, r.stderr)
        let csv = try String(contentsOfFile: "\(out)/comparison.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(csv.count, 5)
        XCTAssertTrue(csv[0].hasPrefix("arch,input,params,iterations,seconds_per_iteration,best_psnr,best_iteration"))
        let rows = csv.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(rows.map { "\($0[0])/\($0[1])" }, ["skip/noise", "skip/meshgrid", "deep-decoder/noise", "deep-decoder/meshgrid"])
        for row in rows {
            XCTAssertEqual(row.count, 13, "\(row)")
            XCTAssertGreaterThan(Int(row[2])!, 0)
            XCTAssertEqual(row[3], "6")
            XCTAssertGreaterThan(Double(row[4])!, 0, "seconds per iteration")
            for psnr in [row[5], row[8], row[9], row[10]] { XCTAssertTrue((5...60).contains(Double(psnr)!), "PSNR \(psnr) in \(row)") }
            XCTAssertTrue((0..<6).contains(Int(row[6])!))
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(row[12])/summary.json"), "run directory \(row[12])")
        }
        // Meshgrid z has 2 channels, noise z the task's 32: only the first layer differs.
        XCTAssertLessThan(Int(rows[1][2])!, Int(rows[0][2])!)
        // The parameter count is the one `dip arch describe` prints for the same net.
        let describe = try DipBinary.run(["arch", "describe", "skip", "--size", "32", "--channels", "8", "--depth", "2", "--input-depth", "32"])
        XCTAssertTrue(describe.stdout.contains("total: \(grouped(Int(rows[0][2])!)) trainable parameters"), describe.stdout)

        let md = try String(contentsOfFile: "\(out)/comparison.md", encoding: .utf8)
        XCTAssertTrue(md.hasPrefix("# dip compare: denoise on noisy.png"))
        XCTAssertTrue(md.contains("| skip | meshgrid |"), md)
        XCTAssertTrue(md.contains("| deep-decoder | noise |"), md)
        XCTAssertTrue(r.stdout.contains("| deep-decoder | meshgrid |"), "the table is printed too")
        let svg = try String(contentsOfFile: "\(out)/comparison.svg", encoding: .utf8)
        XCTAssertWellFormedXML(svg, "comparison.svg")
        XCTAssertEqual(svg.components(separatedBy: "<polyline class=\"series\"").count - 1, 4)
        XCTAssertTrue(svg.contains(">deep-decoder × meshgrid<"))
    }

    func testCompareBadInput() throws {
        let image = try picture("img.png", width: 32, height: 32)
        let out = ["--out", "\(dir!)/bad"]
        try expectBadInput(["compare", image, "--gt", image, "--archs", "skip,vgg"] + out, ["unknown architecture 'vgg'"])
        try expectBadInput(["compare", image, "--gt", image, "--inputs", "noise,image"] + out, ["--inputs"])
        try expectBadInput(["compare", image] + out, ["--gt"])
        try expectBadInput(["compare", image, "--gt", image, "--task", "flash"] + out, ["flash"])
        try expectBadInput(["compare", image, "--gt", image, "--task", "inpaint"] + out, ["--mask"])
        try expectBadInput(["compare", image, "--gt", "\(dir!)/nope.png"] + out, ["nope.png"])
        // A net that cannot work at this size fails before anything runs.
        try expectBadInput(["compare", image, "--gt", image, "--archs", "skip", "--depth", "6"] + out, ["skip × noise"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir!)/bad/comparison.csv"))
    }

    func testNoiseTypeAndInputOptionsReachTheRun() throws {
        let image = try picture("img.png", width: 16, height: 16)
        let out = "\(dir!)/normal"
        let r = try DipBinary.run(["denoise", image, "--noise-type", "normal", "--iterations", "2", "--out", out] + tiny)
        XCTAssertEqual(r.status, 0, r.stderr)
        let record = try String(contentsOfFile: "\(out)/run.json", encoding: .utf8)
        XCTAssertTrue(record.contains("\"input\" : \"normal\""), record)
        try expectBadInput(["denoise", image, "--input", "meshgrid", "--noise-type", "uniform", "--out", "\(dir!)/x"], ["--noise-type"])
        try expectBadInput(["inpaint", image, "--mask", image, "--input", "normal", "--noise-type", "uniform", "--out", "\(dir!)/y"],
                           ["contradicts"])
        let help = try DipBinary.run(["restore", "--help"])
        for option in ["--input <input>", "--noise-type <noise-type>", "--input-depth <input-depth>", "--reg-noise <reg-noise>"] {
            XCTAssertTrue(help.stdout.contains(option), "\(option) in restore --help")
        }
    }

    private func grouped(_ n: Int) -> String {
        let f = NumberFormatter()
        f.numberStyle = .decimal
        f.groupingSeparator = ","
        f.usesGroupingSeparator = true
        return f.string(from: NSNumber(value: n))!
    }
}
