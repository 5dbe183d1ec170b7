import Engine
import Foundation

/// No-reference early stopping for DIP (Wang, Li, Zhuang, Chen, Liang, Sun, "Early Stopping for
/// Deep Image Prior", arXiv 2112.06074; users-and-tui.md §2). Both signals are computed every
/// iteration, incrementally; `rule` decides which one picks the best iteration and stops the run.
///
/// * ES-WMV: the variance of the last `window` reconstructions, VAR_t = (1/W) Σᵢ ‖xᵢ − x̄‖²/n.
///   Kept as running sums over a fixed random subset of at most 65,536 pixel values (an unbiased
///   estimate of the full mean), so memory is W × 256 KiB instead of W whole images.
/// * ES-EMV: δ = x − m; m ← clip(m + αδ, 0, 1); v ← (1 − α)(v + α·mean δ²), α = 0.1. O(1) images.
///
/// The minimum is tracked once the window is full (WMV) or after the same warm-up (EMV, whose
/// v starts at 0 and would otherwise be "best" at iteration 0). The run should stop when the
/// chosen signal has not improved for `patience` iterations.
public final class EarlyStopping {
    public enum Rule: String, Codable, Sendable, CaseIterable { case wmv, emv }

    public let rule: Rule
    public let window: Int
    public let patience: Int
    public static let emvAlpha: Float = 0.1
    static let maxSamples = 65_536

    /// Indices into the image of the WMV sample, fixed per run (keyed by the seed).
    private let samples: [Int]
    /// Ring buffer of the last `window` sampled reconstructions.
    private var ring: [Float]
    private var filled = 0
    private var head = 0
    private var sum: [Double]
    private var sumOfSquares = 0.0

    private var emvMean: [Float]
    private var emvValue = 0.0
    private var seen = 0

    public private(set) var lastWMV: Double?
    public private(set) var lastEMV: Double?
    public private(set) var best: (iteration: Int, value: Double)?

    public init(rule: Rule, window: Int = 100, patience: Int = 1000, imageCount: Int, seed: UInt64) {
        self.rule = rule
        self.window = max(window, 2)
        self.patience = patience
        var indices: [Int]
        if imageCount <= Self.maxSamples {
            indices = Array(0..<imageCount)
        } else {
            var random = RandomStream(seed: seed, stream: RandomPurpose.degradation.rawValue, counter: 77)
            var chosen = Set<Int>()
            while chosen.count < Self.maxSamples { chosen.insert(Int(random.next() % UInt64(imageCount))) }
            indices = chosen.sorted()
        }
        samples = indices
        ring = [Float](repeating: 0, count: self.window * indices.count)
        sum = [Double](repeating: 0, count: indices.count)
        emvMean = [Float](repeating: 0, count: imageCount)
    }

    /// The current value of the chosen signal.
    public var signal: Double? { rule == .wmv ? lastWMV : lastEMV }

    /// Feeds iteration `iteration`'s reconstruction; returns true when it is a new best.
    @discardableResult
    public func update(_ image: UnsafeBufferPointer<Float>, iteration: Int) -> Bool {
        updateWMV(image)
        updateEMV(image)
        seen += 1
        guard seen >= window, let value = signal else { return false }
        if best == nil || value < best!.value {
            best = (iteration, value)
            return true
        }
        return false
    }

    /// True once the signal has gone `patience` iterations without a new minimum.
    public func shouldStop(at iteration: Int) -> Bool {
        guard let best else { return false }
        return iteration - best.iteration >= patience
    }

    /// The iteration at which the run would stop, if it has been decided.
    public var suggestedStop: Int? { best.map { $0.iteration + patience } }

    private func updateWMV(_ image: UnsafeBufferPointer<Float>) {
        let n = samples.count
        let slot = head * n
        var newSquares = 0.0
        var oldSquares = 0.0
        let evicting = filled == window
        for (k, i) in samples.enumerated() {
            let v = Double(image[i])
            if evicting {
                let old = Double(ring[slot + k])
                sum[k] -= old
                oldSquares += old * old
            }
            ring[slot + k] = image[i]
            sum[k] += v
            newSquares += v * v
        }
        sumOfSquares += newSquares - oldSquares
        head = (head + 1) % window
        filled = min(filled + 1, window)
        guard filled == window else { return }
        let w = Double(window)
        var meanSquares = 0.0
        for s in sum { meanSquares += (s / w) * (s / w) }
        lastWMV = max((sumOfSquares / w - meanSquares) / Double(n), 0)
    }

    private func updateEMV(_ image: UnsafeBufferPointer<Float>) {
        let alpha = Self.emvAlpha
        if seen == 0 {
            for i in emvMean.indices { emvMean[i] = image[i] }
            lastEMV = 0
            return
        }
        var total = 0.0
        emvMean.withUnsafeMutableBufferPointer { m in
            for i in 0..<m.count {
                let d = image[i] - m[i]
                total += Double(d * d)
                m[i] = min(max(m[i] + alpha * d, 0), 1)
            }
        }
        emvValue = Double(1 - alpha) * (emvValue + Double(alpha) * total / Double(emvMean.count))
        lastEMV = emvValue
    }

    // MARK: State for checkpoints

    /// Everything needed to continue the signal exactly after a resume.
    public func state() -> (tensors: [(String, [Float])], metadata: [String: String]) {
        var meta: [String: String] = [
            "es_filled": String(filled), "es_head": String(head), "es_seen": String(seen),
            "es_sum_squares": String(sumOfSquares.bitPattern), "es_emv": String(emvValue.bitPattern),
        ]
        if let best {
            meta["es_best_iteration"] = String(best.iteration)
            meta["es_best_value"] = String(best.value.bitPattern)
        }
        if let lastWMV { meta["es_last_wmv"] = String(lastWMV.bitPattern) }
        if let lastEMV { meta["es_last_emv"] = String(lastEMV.bitPattern) }
        // Double sums travel as their two 32-bit halves, reinterpreted (not converted) as
        // floats, so they come back bit-exact.
        var sums = [Float]()
        sums.reserveCapacity(2 * sum.count)
        for s in sum {
            sums.append(Float(bitPattern: UInt32(truncatingIfNeeded: s.bitPattern >> 32)))
            sums.append(Float(bitPattern: UInt32(truncatingIfNeeded: s.bitPattern)))
        }
        return ([("es.ring", ring), ("es.sum", sums), ("es.emv_mean", emvMean)], meta)
    }

    public func restore(tensors: [String: [Float]], metadata: [String: String]) throws {
        func int(_ k: String) throws -> Int {
            guard let v = metadata[k].flatMap(Int.init) else { throw TaskError.corrupt("checkpoint lacks \(k)") }
            return v
        }
        func double(_ k: String) -> Double? { metadata[k].flatMap(UInt64.init).map(Double.init(bitPattern:)) }
        guard let r = tensors["es.ring"], r.count == ring.count, let s = tensors["es.sum"], s.count == 2 * sum.count,
            let m = tensors["es.emv_mean"], m.count == emvMean.count
        else { throw TaskError.corrupt("checkpoint's early-stopping state does not fit this run") }
        ring = r
        for k in sum.indices {
            sum[k] = Double(bitPattern: UInt64(s[2 * k].bitPattern) << 32 | UInt64(s[2 * k + 1].bitPattern))
        }
        emvMean = m
        filled = try int("es_filled")
        head = try int("es_head")
        seen = try int("es_seen")
        sumOfSquares = double("es_sum_squares") ?? 0
        emvValue = double("es_emv") ?? 0
        lastWMV = double("es_last_wmv")
        lastEMV = double("es_last_emv")
        if let i = metadata["es_best_iteration"].flatMap(Int.init), let v = double("es_best_value") { best = (i, v) }
    }
}
