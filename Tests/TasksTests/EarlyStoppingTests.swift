import XCTest
@testable import Tasks

final class EarlyStoppingTests: XCTestCase {
    /// A sequence whose frames first converge, then start to wander (as DIP overfits noise).
    private func frame(_ t: Int, count: Int) -> [Float] {
        let wobble: Float = t < 150 ? 1 / Float(t + 1) : Float(t - 150) / 400
        return (0..<count).map { i in 0.5 + wobble * sinf(Float(i * 7 + t * 13)) * 0.3 }
    }

    func testWMVEqualsTheBruteForceWindowVariance() {
        let count = 50, window = 10
        let es = EarlyStopping(rule: .wmv, window: window, patience: 100, imageCount: count, seed: 1)
        var frames: [[Float]] = []
        for t in 0..<40 {
            let f = frame(t, count: count)
            frames.append(f)
            f.withUnsafeBufferPointer { _ = es.update($0, iteration: t) }
            guard frames.count >= window else { XCTAssertNil(es.lastWMV); continue }
            let last = frames.suffix(window)
            var total = 0.0
            for i in 0..<count {
                let mean = last.reduce(0.0) { $0 + Double($1[i]) } / Double(window)
                total += last.reduce(0.0) { $0 + pow(Double($1[i]) - mean, 2) } / Double(window)
            }
            XCTAssertEqual(es.lastWMV!, total / Double(count), accuracy: 1e-9, "iteration \(t)")
        }
    }

    func testEMVFollowsItsRecurrence() {
        let count = 8
        let es = EarlyStopping(rule: .emv, window: 3, patience: 100, imageCount: count, seed: 1)
        var mean = frame(0, count: count).map(Double.init)
        var v = 0.0
        for t in 0..<20 {
            let f = frame(t, count: count)
            f.withUnsafeBufferPointer { _ = es.update($0, iteration: t) }
            if t > 0 {
                var total = 0.0
                for i in 0..<count {
                    let d = Double(f[i]) - mean[i]
                    total += d * d
                    mean[i] = min(max(mean[i] + 0.1 * d, 0), 1)
                }
                v = 0.9 * (v + 0.1 * total / Double(count))
            }
            XCTAssertEqual(es.lastEMV!, v, accuracy: 1e-6)
        }
    }

    func testStopsAfterPatienceAndRemembersTheBestIteration() {
        let count = 64
        let es = EarlyStopping(rule: .wmv, window: 20, patience: 50, imageCount: count, seed: 2)
        var stoppedAt: Int?
        for t in 0..<600 {
            frame(t, count: count).withUnsafeBufferPointer { _ = es.update($0, iteration: t) }
            if es.shouldStop(at: t) { stoppedAt = t; break }
        }
        let best = try! XCTUnwrap(es.best)
        // The frames are steadiest around t = 150, where the wobble is smallest.
        XCTAssertTrue((140...175).contains(best.iteration), "best at \(best.iteration)")
        XCTAssertEqual(stoppedAt, best.iteration + 50)
    }

    func testStateRoundTripsExactly() throws {
        let count = 70_000  // more than the sample limit, so the random subset is exercised
        let a = EarlyStopping(rule: .wmv, window: 5, patience: 10, imageCount: count, seed: 3)
        let b = EarlyStopping(rule: .wmv, window: 5, patience: 10, imageCount: count, seed: 3)
        for t in 0..<7 { frame(t, count: count).withUnsafeBufferPointer { _ = a.update($0, iteration: t) } }
        let state = a.state()
        try b.restore(tensors: Dictionary(uniqueKeysWithValues: state.tensors), metadata: state.metadata)
        for t in 7..<12 {
            let f = frame(t, count: count)
            f.withUnsafeBufferPointer { _ = a.update($0, iteration: t) }
            f.withUnsafeBufferPointer { _ = b.update($0, iteration: t) }
            XCTAssertEqual(a.lastWMV, b.lastWMV)
            XCTAssertEqual(a.lastEMV, b.lastEMV)
        }
        XCTAssertEqual(a.best?.iteration, b.best?.iteration)
    }
}
