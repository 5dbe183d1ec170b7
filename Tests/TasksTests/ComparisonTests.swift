import Engine
import Foundation
import ImageIO
import XCTest
@testable import Tasks

/// `dip compare`'s pieces: driving a real run into an entry, and the table, CSV and plot.
final class ComparisonTests: RunTestCase {
    func testDriveFillsTheEntryFromTheRun() throws {
        let clean = TaskEndToEndTests.scene(32)
        let noisy = Degradations.noise(clean, sigma: 25, seed: 1)
        try ImageFile.savePNG(clean, to: "\(dir!)/clean.png", bitDepth: 16)
        try ImageFile.savePNG(noisy, to: "\(dir!)/noisy.png", bitDepth: 16)
        var o = RunOptions()
        o.arch = .deepDecoder
        o.input = .meshgrid
        o.channels = 8
        o.depth = 2
        o.iterations = 30
        o.autoStop = false
        o.snapshotEvery = 0
        o.checkpointEvery = 0
        let run = try RunFactory.start(
            task: .denoise, paths: RunInputPaths(image: "\(dir!)/noisy.png", groundTruth: "\(dir!)/clean.png"), options: o,
            out: "\(dir!)/run", command: ["test"])
        var entry = ComparisonEntry(arch: .deepDecoder, input: .meshgrid, runDirectory: "\(dir!)/run")
        var calls = 0
        try Comparison.drive(run, into: &entry, shouldStop: { false }) { _, _ in calls += 1 }
        XCTAssertEqual(calls, 30)
        XCTAssertEqual(entry.iterations, 30)
        XCTAssertEqual(entry.parameters, run.trainer.graph.parameters.trainableCount)
        XCTAssertGreaterThan(entry.parameters, 0)
        XCTAssertGreaterThan(entry.secondsPerIteration, 0)
        XCTAssertEqual(entry.curve.count, 30)
        XCTAssertEqual(entry.curve.map(\.psnr), run.history.map { $0.psnrGT! })
        XCTAssertTrue(zip(entry.curve, entry.curve.dropFirst()).allSatisfy { $0.seconds < $1.seconds }, "time increases")
        XCTAssertEqual(entry.bestPSNR, run.bestGT?.psnr)
        XCTAssertEqual(entry.bestPSNR!, run.history.map { max($0.psnrGT!, $0.psnrGTEMA!) }.max()!, accuracy: 1e-9)
        XCTAssertEqual(entry.finalPSNR, run.history.last?.psnrGT)
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: "\(dir!)/run/summary.json")))
        XCTAssertEqual(entry.pickPSNR, summary.psnrResult)
        XCTAssertNotNil(entry.pickNote, "30 iterations are too few for the ES window: the note says which pick was used")

        // Stopping early keeps the iterations done so far.
        let run2 = try RunFactory.start(
            task: .denoise, paths: RunInputPaths(image: "\(dir!)/noisy.png", groundTruth: "\(dir!)/clean.png"), options: o,
            out: "\(dir!)/run2", command: ["test"])
        var stopped = ComparisonEntry(arch: .deepDecoder, input: .meshgrid, runDirectory: "\(dir!)/run2")
        var n = 0
        try Comparison.drive(run2, into: &stopped, shouldStop: { n >= 7 }) { _, _ in n += 1 }
        XCTAssertEqual(stopped.iterations, 7)
    }

    func testTableCSVAndPlot() {
        var a = ComparisonEntry(arch: .skip, input: .noise, runDirectory: "out/skip-noise")
        a.parameters = 2_217_831
        a.iterations = 3000
        a.seconds = 300
        a.bestPSNR = 31.234
        a.bestIteration = 1800
        a.bestWasEMA = true
        a.finalPSNR = 29.5
        a.finalPSNREMA = 30.9
        a.pickPSNR = 30.7
        a.pickIteration = 1500
        a.curve = [(1, 20), (2, 25), (3, 28)]
        var b = ComparisonEntry(arch: .resnet, input: .meshgrid, runDirectory: "out/resnet, meshgrid")
        b.parameters = 158_979
        b.iterations = 1200
        b.seconds = 60
        b.curve = [(1, 18), (2, 19)]
        let csv = Comparison.csv([a, b]).split(separator: "\n").map(String.init)
        XCTAssertEqual(csv.count, 3)
        XCTAssertEqual(csv[0], "arch,input,params,iterations,seconds_per_iteration,best_psnr,best_iteration,best_from,final_psnr,final_psnr_ema,pick_psnr,pick_iteration,run_directory")
        XCTAssertEqual(csv[1], "skip,noise,2217831,3000,0.10000,31.2340,1800,ema,29.5000,30.9000,30.7000,1500,out/skip-noise")
        XCTAssertEqual(csv[2], "resnet,meshgrid,158979,1200,0.05000,,,,,,,,\"out/resnet, meshgrid\"")

        let md = Comparison.markdown([a, b], heading: ["# title"], budget: 3000)
        XCTAssertTrue(md.hasPrefix("# title\n\n| arch | input | params |"))
        XCTAssertTrue(md.contains("| skip | noise | 2,217,831 | 3000 | 0.1000 | 31.23 (1800, EMA) | 29.50 / 30.90 | 30.70 (1500) |"), md)
        XCTAssertTrue(md.contains("| resnet | meshgrid | 158,979 | 1200 of 3000 | 0.0500 | — | — / — | — |"), md)

        let svg = Comparison.svg([a, b], title: "denoise")
        XCTAssertEqual(svg.components(separatedBy: "<polyline class=\"series\"").count - 1, 2)
        XCTAssertTrue(svg.contains(">skip × noise<") && svg.contains(">resnet × meshgrid<"))
        XCTAssertTrue(svg.contains(">wall-clock seconds (training steps)<") && svg.contains(">PSNR vs GT (dB), raw output<"))
    }
}
