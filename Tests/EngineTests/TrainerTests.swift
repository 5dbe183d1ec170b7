import XCTest
@testable import Engine

final class TrainerTests: XCTestCase {
    func testDefaultSkipNetHasTheReferenceParameterCount() throws {
        let graph = try Graph(spec: try NetSpec.skip(SkipConfig()), height: 64, width: 64, seed: 1)
        XCTAssertEqual(graph.parameters.trainableCount, 2_217_831)
    }

    func testOtherReferenceConfigurationsCount() throws {
        // dip-spec.md §3: the barbara restoration net (1 output channel).
        var barbara = SkipConfig()
        barbara.outputChannels = 1
        XCTAssertEqual(try Graph(spec: .skip(barbara), height: 64, width: 64, seed: 1).parameters.trainableCount, 2_217_573)
        // The kate inpainting net: skip 128 at every level, nearest upsampling.
        var kate = SkipConfig()
        kate.skip = Array(repeating: 128, count: 5)
        kate.upsample = Array(repeating: .nearest, count: 5)
        XCTAssertEqual(try Graph(spec: .skip(kate), height: 64, width: 64, seed: 1).parameters.trainableCount, 3_002_627)
    }

    /// A small smooth image, so the fit is a real image fit and not noise.
    private func smoothImage(_ size: Int) -> [Float] {
        var out = [Float](repeating: 0, count: 3 * size * size)
        for c in 0..<3 {
            for y in 0..<size {
                for x in 0..<size {
                    let u = Float(x) / Float(size), v = Float(y) / Float(size)
                    out[(c * size + y) * size + x] = 0.5 + 0.35 * sinf(3 * u + Float(c)) * cosf(2 * v - Float(c))
                }
            }
        }
        return out
    }

    private func smallTrainer(seed: UInt64 = 3, size: Int = 32) throws -> Trainer {
        let spec = try NetSpec.skip(SkipConfig(levels: 3, channels: 16, skip: 4, inputChannels: 8))
        let graph = try Graph(spec: spec, height: size, width: size, seed: seed)
        let z = NetInput.uniformNoise(depth: 8).make(height: size, width: size, seed: seed)
        return try Trainer(
            graph: graph, target: smoothImage(size), input: z,
            settings: TrainerSettings(learningRate: 0.01, regularisationNoise: 1.0 / 30, seed: seed))
    }

    func testFittingA32ImageLowersTheLossTenfold() throws {
        let trainer = try smallTrainer()
        let first = trainer.step().loss
        var last = first
        for _ in 1..<300 { last = trainer.step().loss }
        XCTAssertLessThan(last, first / 10, "MSE went from \(first) to \(last)")
    }

    func testCheckpointResumeGivesIdenticalLosses() throws {
        let straight = try smallTrainer()
        var expected: [Double] = []
        for _ in 0..<12 { expected.append(straight.step().loss) }

        let first = try smallTrainer()
        for _ in 0..<5 { _ = first.step() }
        let bytes = first.checkpoint(metadata: ["net": "test"]).encoded()
        let resumed = try smallTrainer()
        try resumed.restore(try SafeTensors(decoding: bytes))
        XCTAssertEqual(resumed.iteration, 5)
        var losses: [Double] = []
        for _ in 5..<12 { losses.append(resumed.step().loss) }
        XCTAssertEqual(losses, Array(expected[5...]), "a resumed run must repeat the uninterrupted run exactly")
        XCTAssertEqual(Array(resumed.ema), Array(straight.ema))
    }

    func testSameSeedSameRunDifferentSeedDifferentRun() throws {
        let a = try smallTrainer(seed: 5), b = try smallTrainer(seed: 5), c = try smallTrainer(seed: 6)
        let la = (0..<4).map { _ in a.step().loss }
        XCTAssertEqual(la, (0..<4).map { _ in b.step().loss })
        XCTAssertNotEqual(la, (0..<4).map { _ in c.step().loss })
    }

    func testCheckpointRejectsForeignAndTruncatedFiles() throws {
        XCTAssertThrowsError(try SafeTensors(decoding: [1, 2, 3]))
        XCTAssertThrowsError(try SafeTensors(decoding: [200, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8)))
        var foreign = SafeTensors()
        foreign.add("x", shape: [1], values: [1])
        XCTAssertThrowsError(try smallTrainer().restore(try SafeTensors(decoding: foreign.encoded())))
    }

    func testBacktrackingRestoresAfterADrop() throws {
        let spec = try NetSpec.skip(SkipConfig(levels: 2, channels: 8, skip: 2, inputChannels: 4))
        let graph = try Graph(spec: spec, height: 16, width: 16, seed: 1)
        // A huge learning rate makes the fit diverge, which the guard must catch.
        let trainer = try Trainer(
            graph: graph, target: smoothImage(16), input: NetInput.uniformNoise(depth: 4).make(height: 16, width: 16, seed: 1),
            settings: TrainerSettings(learningRate: 5, regularisationNoise: 0, backtrackDrop: 5, seed: 1))
        var reports: [StepReport] = []
        for _ in 0..<40 { reports.append(trainer.step()) }
        let restored = reports.filter(\.backtracked)
        XCTAssertFalse(restored.isEmpty, "a learning rate of 5 should trigger the guard")
        // Every accepted iteration stays within 5 dB of the best accepted before it.
        var best = -Double.infinity
        for r in reports where !r.backtracked {
            XCTAssertGreaterThanOrEqual(r.psnrObservation, best - 5 - 1e-9 - 20, "accepted a collapse at \(r.iteration)")
            best = max(best, r.psnrObservation)
        }
    }
}
