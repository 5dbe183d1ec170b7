import Engine
import Foundation
import XCTest
@testable import Tasks

/// The search's controllers and search space: masking, the LSTM gradient, REINFORCE on a toy
/// reward, the random baseline, and controller state round trips. Pure Swift; no nets run.
final class NASControllerTests: XCTestCase {
    // MARK: Search space and masking

    /// Every valid factored decision sequence, by walking the masks.
    private func allFactoredSequences(_ space: SearchSpace) -> [[Int]] {
        var out: [[Int]] = []
        func walk(_ prefix: [Int]) {
            if prefix.count == space.cellDecisionCount { return out.append(prefix) }
            let valid = space.validOptions(step: prefix.count, prefix: prefix)
            for (a, ok) in valid.enumerated() where ok { walk(prefix + [a]) }
        }
        walk([])
        return out
    }

    func testFactoredMasksReachExactlyTheBuildableCells() throws {
        let space = try SearchSpace(stage: .cell, encoding: .factored)
        let sequences = allFactoredSequences(space)
        let cells = try sequences.map { try space.candidate($0).cell.index }
        XCTAssertEqual(sequences.count, 297, "one sequence per buildable cell")
        XCTAssertEqual(Set(cells).count, cells.count, "two sequences name the same cell")
        XCTAssertEqual(Set(cells), Set(NASCell.buildableIndices))
        // And back: every buildable cell's decisions are valid and decode to it.
        for index in NASCell.buildableIndices {
            let cell = try NASCell(index: index)
            let choices = space.choices(cell: cell, connections: nil)
            XCTAssertEqual(try space.candidate(choices).cell, cell, "cell \(cell)")
        }
    }

    func testFlatMaskIsTheBuildableSetAndInvalidChoicesAreRejected() throws {
        let space = try SearchSpace(stage: .joint, encoding: .flat)
        let valid = space.validOptions(step: 0, prefix: [])
        XCTAssertEqual(valid.count, 324)
        XCTAssertEqual(valid.enumerated().filter(\.1).map(\.0), NASCell.buildableIndices)
        XCTAssertThrowsError(try space.candidate([249] + [Int](repeating: 1, count: 25))) { error in
            XCTAssertTrue("\(error)".contains("not allowed"), "\(error)")
        }
        let factored = try SearchSpace(stage: .cell, encoding: .factored)
        // transconv s2 (5) with a conv transform (0) is masked.
        XCTAssertThrowsError(try factored.candidate([5, 0, 1, 2]))
        // pixel shuffle (3) followed by identity (5) is masked.
        XCTAssertThrowsError(try factored.candidate([3, 5, 0, 0]))
    }

    func testJointCandidatesCarryConnectionsRowByRow() throws {
        let space = try SearchSpace(stage: .joint, encoding: .factored, channels: 32)
        let g = Genotype.superResolution
        let choices = space.choices(cell: g.cell, connections: g.connections)
        XCTAssertEqual(choices.count, 29)
        let c = try space.candidate(choices, index: 7)
        XCTAssertEqual(c.genotype, g)
        XCTAssertEqual(c.channels, 32)
        XCTAssertEqual(c.index, 7)
        XCTAssertEqual(c.pattern, "10010 11001 01100 00110 00011")
        let stage2 = try SearchSpace(stage: .connections, fixedCell: .denoising)
        XCTAssertEqual(stage2.decisions.count, 25)
        XCTAssertEqual(try stage2.candidate(stage2.choices(cell: .denoising, connections: g.connections)).cell, .denoising)
        XCTAssertThrowsError(try SearchSpace(stage: .connections))
        XCTAssertThrowsError(try SearchSpace(stage: .connections, fixedCell: try NASCell(index: 250)))
    }

    // MARK: Random controller

    func testRandomControllerEmitsOnlyValidUniformGenotypes() throws {
        for encoding in CellEncoding.allCases {
            let space = try SearchSpace(stage: .joint, encoding: encoding)
            let controller = RandomController(space: space, seed: 3)
            var cellCounts: [Int: Int] = [:]
            var ones = 0
            let n = 3000
            for i in 0..<n {
                let choices = controller.sample(index: i)
                let c = try space.candidate(choices)  // throws for a masked choice
                XCTAssertTrue(c.cell.isBuildable)
                cellCounts[c.cell.index, default: 0] += 1
                ones += c.connections!.joined().filter { $0 }.count
            }
            XCTAssertEqual(Set(cellCounts.keys).count, 297, "\(encoding): every buildable cell appears")
            XCTAssertLessThan(cellCounts.values.max()!, 30, "\(encoding): uniform over 297 cells (mean 10.1)")
            XCTAssertEqual(Double(ones) / Double(25 * n), 0.5, accuracy: 0.01)
            XCTAssertEqual(controller.sample(index: 17), RandomController(space: space, seed: 3).sample(index: 17), "keyed by index")
            XCTAssertNotEqual(controller.sample(index: 17), RandomController(space: space, seed: 4).sample(index: 17))
        }
    }

    func testReinforceSamplesRespectTheMask() throws {
        for encoding in CellEncoding.allCases {
            let space = try SearchSpace(stage: .cell, encoding: encoding)
            let controller = ReinforceController(space: space, seed: 5)
            for i in 0..<400 { XCTAssertNoThrow(try space.candidate(controller.sample(index: i)), "\(encoding) sample \(i)") }
            let p = controller.cellDistribution()!
            XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-9)
            for index in 0..<NASCell.count where !(try NASCell(index: index)).isBuildable {
                XCTAssertEqual(p[index], 0, "unbuildable cell \(index) has probability")
            }
        }
    }

    // MARK: Gradient

    /// The hand-written backward pass against central differences of the REINFORCE loss
    /// (−A·log π − β·H), in Float64. A relative error of 1e-5 leaves room for the O(ε²)
    /// truncation error at ε = 1e-5 and round-off, and is far below what a wrong term gives.
    func testLSTMGradientMatchesFiniteDifferences() throws {
        var settings = ReinforceSettings()
        settings.hidden = 7
        settings.entropyWeight = 0.05  // large, so the entropy term's gradient is visible
        for (stage, seed) in [(SearchStage.joint, UInt64(1)), (.cell, 2)] {
            let space = try SearchSpace(stage: stage, encoding: .factored, fixedCell: nil)
            let controller = ReinforceController(space: space, settings: settings, seed: seed)
            let batch = [(0, 1.3), (1, -0.7), (2, 0.25)].map { (choices: controller.sample(index: $0.0), advantage: $0.1) }
            let (_, gradient, _) = controller.lossAndGradient(batch)
            let theta = controller.policy.theta
            var rng = RandomStream(seed: seed, stream: 99)
            // Every parameter of a small net would be slow in a test; check a random 300 plus
            // each named view's first entry.
            let layout = controller.policy.layout
            var indices = (0..<300).map { _ in Int(rng.next() % UInt64(theta.count)) }
            indices += [layout.start, layout.wIH, layout.wHH, layout.bias] + layout.embed + layout.headW + layout.headB
            var checked = 0
            for i in indices {
                let eps = 1e-5
                var plus = theta
                plus[i] += eps
                var minus = theta
                minus[i] -= eps
                let numeric = (controller.loss(batch, theta: plus) - controller.loss(batch, theta: minus)) / (2 * eps)
                let scale = max(1e-4, abs(numeric), abs(gradient[i]))
                XCTAssertLessThan(abs(numeric - gradient[i]) / scale, 1e-5, "\(stage) θ[\(i)]: analytic \(gradient[i]) numeric \(numeric)")
                if numeric != 0 { checked += 1 }
            }
            XCTAssertGreaterThan(checked, 100, "most checked parameters should have a gradient")
        }
    }

    // MARK: REINFORCE on a toy reward

    /// A fixed reward per cell: 20 dB plus a small spread, and 4 dB more for the best arm.
    private func toyReward(_ cell: Int) -> Double { 20 + 0.5 * sin(Double(cell)) + (cell == 119 ? 4 : 0) }

    func testReinforceConcentratesOnTheBestArm() throws {
        let space = try SearchSpace(stage: .cell, encoding: .factored)
        let controller = ReinforceController(space: space, seed: 11)  // the default hyper-parameters
        let start = controller.cellDistribution()![119]
        XCTAssertLessThan(start, 0.05)
        var index = 0
        var reached: Int?
        let batch = 8
        for step in 1...400 {
            let items = (0..<batch).map { _ -> (index: Int, choices: [Int], reward: Double?) in
                defer { index += 1 }
                let choices = controller.sample(index: index)
                return (index, choices, toyReward(try! space.candidate(choices).cell.index))
            }
            try controller.update(items)
            if controller.cellDistribution()![119] > 0.5 {
                reached = step
                break
            }
        }
        let p = controller.cellDistribution()!
        XCTAssertNotNil(reached, "P(best arm) is only \(p[119]) after 400 steps of 8 samples")
        XCTAssertEqual(p.indices.max { p[$0] < p[$1] }, 119)
        XCTAssertLessThan(controller.history.last!.cellEntropy!, controller.history.first!.cellEntropy!)
        print("REINFORCE toy: P(best) > 0.5 after \(reached ?? -1) steps (\(index) samples), P = \(p[119])")
    }

    func testReinforceLearnsAConnectionPattern() throws {
        let target = Genotype.denoising.connections.joined().map { $0 ? 1 : 0 }
        let space = try SearchSpace(stage: .connections, fixedCell: .superResolution)
        var settings = ReinforceSettings()
        settings.learningRate = 3e-3  // 25 coupled decisions: a faster toy than the default
        let controller = ReinforceController(space: space, settings: settings, seed: 2)
        var index = 0
        for _ in 0..<150 {
            let items = (0..<8).map { _ -> (index: Int, choices: [Int], reward: Double?) in
                defer { index += 1 }
                let choices = controller.sample(index: index)
                return (index, choices, Double(zip(choices, target).filter { $0 == $1 }.count))
            }
            try controller.update(items)
        }
        // The greedy pattern under the trained policy.
        let greedy = controller.policy.unroll(valid: { space.validOptions(step: $0, prefix: $1) }) { _, p in
            p.indices.max { p[$0] < p[$1] }!
        }.actions
        XCTAssertGreaterThanOrEqual(zip(greedy, target).filter { $0 == $1 }.count, 23, "greedy \(greedy) vs \(target)")
    }

    // MARK: State

    func testControllerStateRoundTripsBitForBit() throws {
        let space = try SearchSpace(stage: .joint, encoding: .factored)
        let a = ReinforceController(space: space, seed: 9)
        var index = 0
        for _ in 0..<3 {
            let items = (0..<2).map { _ -> (index: Int, choices: [Int], reward: Double?) in
                defer { index += 1 }
                return (index, a.sample(index: index), Double(index % 3) + 20)
            }
            try a.update(items)
        }
        try a.update([(index, a.sample(index: index), nil)])  // a failed candidate
        index += 1
        let b = try XCTUnwrap(try Controllers.restore(Data(a.encodedState()), path: "controller.json", space: space) as? ReinforceController)
        XCTAssertEqual(b.policy.theta, a.policy.theta)
        XCTAssertEqual(b.consumed, index)
        XCTAssertEqual(b.history, a.history)
        XCTAssertEqual(b.sample(index: index), a.sample(index: index))
        let next: [(index: Int, choices: [Int], reward: Double?)] = [(index, a.sample(index: index), 25)]
        XCTAssertEqual(try b.update(next), try a.update(next))
        XCTAssertEqual(b.policy.theta, a.policy.theta, "the same update after a restore")
        // A state for another space is refused.
        let other = try SearchSpace(stage: .cell)
        XCTAssertThrowsError(try Controllers.restore(Data(a.encodedState()), path: "controller.json", space: other))
    }
}
