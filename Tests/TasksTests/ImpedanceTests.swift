import Engine
import Foundation
import ImageIO
import XCTest
@testable import Tasks

/// The impedance experiment (dip-spec.md §10.4): its targets, its curves and files, and the
/// paper's ordering on a real photograph.
final class ImpedanceTests: RunTestCase {
    /// samples/F16_GT.png (bundled with the repository; see samples/NOTICE).
    static func f16() throws -> Image {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try ImageFile.load(root.appendingPathComponent("samples/F16_GT.png").path)
    }

    /// A skip net of `levels` levels of `channels` channels, z of depth `inputDepth`, lr 0.01.
    private func configuration(channels: Int, levels: Int, inputDepth: Int = 32, iterations: Int) throws -> ImpedanceConfiguration {
        var o = RunOptions()
        o.channels = channels
        o.depth = levels
        o.inputDepth = inputDepth
        o.iterations = iterations
        o.seed = 0
        return try ImpedanceConfiguration.denoising(o, channels: 3)
    }

    /// The paper's figure in miniature: F16 downscaled ×8 to 64×64 (the whole picture, so it
    /// keeps its large smooth regions), 300 iterations of a 4-level, 16-channel skip net with
    /// the denoising settings. Threshold MSE 0.02 ≈ 2σ² for σ = 25: a fit of image + noise
    /// below it is still mostly the clean image. Measured (seeds 0–5): image 10–16 iterations,
    /// image + noise 18–22, shuffled 29–45, white noise 298 or never.
    func testNaturalImageIsFittedFirstAndWhiteNoiseLast() throws {
        let image = try Degradations.downscale(try Self.f16(), factor: 8)
        XCTAssertEqual([image.width, image.height], [64, 64])
        var c = try configuration(channels: 16, levels: 4, iterations: 300)
        c.order = .interleaved  // so the four nets exist side by side for the first check
        let experiment = try ImpedanceExperiment(image: image, configuration: c)
        // The same net, init and z for all four: the first forward passes agree exactly.
        for _ in 0..<4 { try experiment.step() }
        let first = experiment.trainers.map { Array($0!.output) }
        for k in 1..<4 { XCTAssertEqual(first[k], first[0], "fit \(k) starts from a different net or z") }
        while try experiment.step() != nil {}
        let curves = experiment.curves
        XCTAssertEqual(curves.mse.map(\.count), [300, 300, 300, 300])

        let threshold = 0.02
        func at(_ t: ImpedanceTarget) -> Int { curves.firstIteration(t, reaching: threshold) ?? Int.max }
        let (image_, noisy, shuffled, noise) = (at(.image), at(.imageNoise), at(.shuffled), at(.noise))
        let report = "image \(image_), image+noise \(noisy), shuffled \(shuffled), noise \(noise)"
        XCTAssertLessThan(image_, 300, report)
        XCTAssertLessThan(image_, noisy, report)
        XCTAssertLessThan(noisy, shuffled, report)
        XCTAssertLessThan(shuffled, noise, report)
        XCTAssertGreaterThanOrEqual(shuffled, 2 * image_, "shuffled pixels should take at least twice as long: \(report)")
        XCTAssertTrue(noise == Int.max || noise >= 10 * image_, "white noise should be ≥ 10× slower or never fitted: \(report)")
        // And at the end the natural image is fitted far better than white noise.
        XCTAssertLessThan(curves[.image].last! * 10, curves[.noise].last!)
    }

    func testTargets() throws {
        let image = TaskEndToEndTests.scene(24)
        let t = ImpedanceTargets.make(image, sigma: 25, seed: 3)
        XCTAssertEqual(t.count, 4)
        XCTAssertEqual(t[0], image.pixels)
        // Image + noise: clipped, zero-mean where no clipping happened, σ = 25/255.
        XCTAssertTrue(t[1].allSatisfy { $0 >= 0 && $0 <= 1 })
        let d = zip(t[1], image.pixels).filter { $0.0 > 0 && $0.0 < 1 }.map { Double($0.0 - $0.1) }
        let mean = d.reduce(0, +) / Double(d.count)
        let std = (d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(d.count)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 0.01)
        XCTAssertEqual(std, 25.0 / 255, accuracy: 0.01)
        // Shuffled: the same pixels (colour triples) in another order.
        let plane = 24 * 24
        func pixels(_ p: [Float]) -> [[Float]] { (0..<plane).map { [p[$0], p[plane + $0], p[2 * plane + $0]] } }
        let sortedPixels = { (p: [[Float]]) in p.sorted { $0.lexicographicallyPrecedes($1) } }
        XCTAssertEqual(sortedPixels(pixels(t[2])), sortedPixels(pixels(image.pixels)))
        let moved = (0..<plane).filter { pixels(t[2])[$0] != pixels(image.pixels)[$0] }.count
        XCTAssertGreaterThan(moved, plane / 2, "most pixels should move")
        // White noise: U(0,1).
        XCTAssertTrue(t[3].allSatisfy { $0 >= 0 && $0 < 1 })
        let m = t[3].reduce(0, +) / Float(t[3].count)
        let v = t[3].map { ($0 - m) * ($0 - m) }.reduce(0, +) / Float(t[3].count)
        XCTAssertEqual(m, 0.5, accuracy: 0.03)
        XCTAssertEqual(v, 1.0 / 12, accuracy: 0.01)
        // Seeded: the same seed gives the same targets, another seed other ones.
        let again = ImpedanceTargets.make(image, sigma: 25, seed: 3)
        XCTAssertEqual(again, t)
        let other = ImpedanceTargets.make(image, sigma: 25, seed: 4)
        XCTAssertNotEqual(other[1], t[1])
        XCTAssertNotEqual(other[2], t[2])
        XCTAssertNotEqual(other[3], t[3])
    }

    /// Interleaved and sequential order run the same four independent fits.
    func testOrderDoesNotChangeTheCurves() throws {
        let image = TaskEndToEndTests.scene(16)
        var c = try configuration(channels: 8, levels: 2, inputDepth: 4, iterations: 12)
        c.order = .interleaved
        let a = try ImpedanceExperiment(image: image, configuration: c)
        var sequence: [ImpedanceTarget] = []
        while let s = try a.step() { sequence.append(s.target) }
        XCTAssertEqual(Array(sequence.prefix(8)), [.image, .imageNoise, .shuffled, .noise, .image, .imageNoise, .shuffled, .noise])
        c.order = .sequential
        let b = try ImpedanceExperiment(image: image, configuration: c)
        sequence = []
        while let s = try b.step() { sequence.append(s.target) }
        XCTAssertEqual(sequence, Array(repeating: .image, count: 12) + Array(repeating: .imageNoise, count: 12)
            + Array(repeating: .shuffled, count: 12) + Array(repeating: .noise, count: 12))
        XCTAssertEqual(a.curves, b.curves)
        XCTAssertTrue(b.trainers.allSatisfy { $0 == nil } || b.trainers.compactMap { $0 }.count == 1,
                      "sequential order keeps at most one net")
        XCTAssertTrue(a.isFinished)
        XCTAssertNil(try a.step())
    }

    func testCSVTableAndSVG() throws {
        let curves = ImpedanceCurves(mse: [[0.05, 0.01, 0.004], [0.06, 0.02, 0.009], [0.05, 0.04], [0.09, 0.08, 0.07]])
        let csv = curves.csv().split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(csv[0], "iteration,image,image_noise,shuffled,noise")
        XCTAssertEqual(csv[1], "0,0.05,0.06,0.05,0.09")
        XCTAssertEqual(csv[3], "2,0.004,0.009,,0.07", "a shorter curve leaves its cell empty")
        XCTAssertEqual(csv.count, 5)  // header, 3 rows, final newline
        XCTAssertEqual(curves.firstIteration(.image, reaching: 0.01), 1)
        XCTAssertEqual(curves.firstIteration(.imageNoise, reaching: 0.01), 2)
        XCTAssertNil(curves.firstIteration(.noise, reaching: 0.01))

        let table = curves.thresholdTable(thresholds: [0.02, 0.01]).split(separator: "\n").map(String.init)
        XCTAssertEqual(table.count, 5)
        XCTAssertTrue(table[0].hasPrefix("target") && table[0].contains("≤ 0.02") && table[0].contains("≤ 0.01"), table[0])
        XCTAssertEqual(table[1].split(separator: " ").map(String.init), ["natural", "image", "1", "1", "0.00400", "3"])
        XCTAssertEqual(table[4].split(separator: " ").map(String.init), ["U(0,1)", "noise", "—", "—", "0.07000", "3"])

        let svg = curves.svg(title: "F16 <test>", thresholds: [0.01])
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertTrue(svg.hasSuffix("</svg>\n"))
        XCTAssertTrue(svg.contains("F16 &lt;test&gt;"), "the title is escaped")
        XCTAssertEqual(svg.components(separatedBy: "<polyline class=\"series\"").count - 1, 4)
        for label in ["natural image", "image + noise", "shuffled pixels", "U(0,1) noise", "iteration", "MSE (log scale)", "MSE 0.01"] {
            XCTAssertTrue(svg.contains(">\(label)<"), label)
        }
        // Log axis: decade ticks from 0.001 to 0.1.
        for tick in [">0.001<", ">0.01<", ">0.1<"] { XCTAssertTrue(svg.contains(tick), tick) }
        XCTAssertEqual(svg.filter { $0 == "<" }.count, svg.filter { $0 == ">" }.count)
    }

    func testSVGPlotAxes() {
        XCTAssertEqual(SVGPlot.decadeTicks(0.001...0.1), [0.001, 0.01, 0.1])
        XCTAssertEqual(SVGPlot.linearTicks(0...100), [0, 20, 40, 60, 80, 100])
        XCTAssertEqual(SVGPlot.linearTicks(21.3...29.9), [22, 24, 26, 28])
        XCTAssertEqual(SVGPlot.label(0.0005), "0.0005")
        XCTAssertEqual(SVGPlot.label(1e-5), "1e-05")
        XCTAssertEqual(SVGPlot.label(2000), "2000")
        // Non-positive values on a log axis break the line instead of being drawn.
        var plot = SVGPlot(title: "t", xLabel: "x", yLabel: "y", logY: true,
                           series: [.init(label: "a", color: "#000", points: [(0, 1), (1, 0.1), (2, 0), (3, 0.01), (4, 0.02)])])
        XCTAssertEqual(plot.render().components(separatedBy: "<polyline").count - 1, 2)
        plot.logY = false
        XCTAssertEqual(plot.render().components(separatedBy: "<polyline").count - 1, 1)
        let thin = SVGPlot.thin((0..<10_000).map { (Double($0), $0 == 5000 ? 9.0 : 1.0) }, maxPoints: 100)
        XCTAssertLessThanOrEqual(thin.count, 160)
        XCTAssertTrue(thin.contains { $0.y == 9 }, "thinning keeps the extremes")
    }

    func testCrops() throws {
        let image = TaskEndToEndTests.scene(40)
        let (cropped, notes) = try ImpedanceCrop.apply(image, size: nil, multiple: 16, path: "x.png")
        XCTAssertEqual([cropped.width, cropped.height], [32, 32])
        XCTAssertEqual(notes.count, 1)
        XCTAssertTrue(notes[0].contains("40×40 to 32×32"), notes[0])
        // Centred, offset floored: (40 − 32) / 2 = 4.
        XCTAssertEqual(cropped.pixels[0], image.pixels[4 * 40 + 4])
        let (exact, none) = try ImpedanceCrop.apply(cropped, size: nil, multiple: 16, path: "x.png")
        XCTAssertEqual(exact, cropped)
        XCTAssertTrue(none.isEmpty, "no crop, no note")
        let (sized, sizeNotes) = try ImpedanceCrop.apply(image, size: 16, multiple: 16, path: "x.png")
        XCTAssertEqual([sized.width, sized.height], [16, 16])
        XCTAssertTrue(sizeNotes[0].contains("--size"))
        XCTAssertThrowsError(try ImpedanceCrop.apply(image, size: 48, multiple: 16, path: "x.png")) {
            XCTAssertTrue("\($0)".contains("larger than x.png"), "\($0)")
        }
        XCTAssertThrowsError(try ImpedanceCrop.apply(image, size: 24, multiple: 16, path: "x.png")) {
            XCTAssertTrue("\($0)".contains("multiple of 16"), "\($0)")
        }
        XCTAssertThrowsError(try ImpedanceCrop.apply(TaskEndToEndTests.scene(8), size: nil, multiple: 16, path: "x.png"))
    }
}
