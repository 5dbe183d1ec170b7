import XCTest
@testable import Engine

/// Checks a net's oneDNN forward against `ReferenceNet` and its parameter gradients against
/// central finite differences of `ReferenceNet` in Float64.
///
/// The scalar loss is L = Σ r ⊙ y with fixed random weights r on the loss output y, so every
/// output element contributes with its own weight and a wrong index or sign shows up.
///
/// Tolerances: oneDNN computes in fp32 (Winograd adds ~3e-6 relative error, backend-
/// measurements §2), so its gradients carry ~1e-5 relative error on these tiny sums. The Float64
/// differences with h = 1e-6 carry truncation error ~1e-12 and rounding error ~1e-10·|L|. A
/// bound of 2e-3 relative, plus 1e-4 of the RMS of all sampled gradients of the net (for
/// entries that are exactly zero in exact arithmetic, such as a conv bias followed by BN, where
/// fp32 leaves rounding residue), is ~100× the fp32 error and still fails for any wrong factor,
/// sign or index.
enum GradientCheck {
    static func run(
        _ spec: NetSpec, height: Int, width: Int, seed: UInt64 = 7, samplesPerTensor: Int = 16,
        options: GraphOptions = GraphOptions(), only include: ((String) -> Bool)? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let graph = try Graph(spec: spec, height: height, width: width, seed: seed, options: options)
        let z = NoiseFill.make(count: graph.input.shape.count, seed: seed, purpose: .inputNoise, distribution: .normal)
        let r = NoiseFill.make(
            count: graph.lossOutputShape.count, seed: seed &+ 1, purpose: .degradation, distribution: .normal)
        graph.input.set(z)
        graph.forward()
        graph.lossGradient.set(r)
        graph.backward()

        var reference = ReferenceNet(graph: graph)
        let input = ReferenceTensor(
            graph.input.shape.channels, graph.input.shape.height, graph.input.shape.width, z.map(Double.init))
        let lossNode = spec.lossOutput ?? spec.output
        let expected = reference.run(input)[lossNode]
        let actual = graph.lossOutput.array
        XCTAssertEqual(actual.count, expected.data.count, "output size", file: file, line: line)
        let scale = max(expected.data.map(abs).max() ?? 0, 1e-3)
        let worst = zip(actual, expected.data).map { abs(Double($0) - $1) }.max() ?? 0
        XCTAssertLessThan(worst / scale, 1e-4, "forward differs from the reference by \(worst)", file: file, line: line)

        func loss(_ net: ReferenceNet) -> Double {
            zip(net.run(input)[lossNode].data, r).reduce(0) { $0 + $1.0 * Double($1.1) }
        }
        var random = RandomStream(seed: seed, stream: 99)
        let h = 1e-6
        var samples: [(name: String, index: Int, analytic: Double, numeric: Double)] = []
        // `include` limits the finite differences to some tensors, for nets too big to sample all.
        for entry in graph.parameters.entries where entry.trainable && include?(entry.name) ?? true {
            let analytic = graph.parameters.gradients(of: entry)
            let picks = entry.count <= samplesPerTensor
                ? Array(0..<entry.count) : (0..<samplesPerTensor).map { _ in Int(random.next() % UInt64(entry.count)) }
            var numeric: [Double] = []
            for k in picks {
                let original = reference.parameters[entry.name]![k]
                reference.parameters[entry.name]![k] = original + h
                let plus = loss(reference)
                reference.parameters[entry.name]![k] = original - h
                let minus = loss(reference)
                reference.parameters[entry.name]![k] = original
                numeric.append((plus - minus) / (2 * h))
            }
            for (k, fd) in zip(picks, numeric) { samples.append((entry.name, k, Double(analytic[k]), fd)) }
        }
        XCTAssertFalse(samples.isEmpty, "no trainable parameters were checked", file: file, line: line)
        let rms = (samples.reduce(0) { $0 + $1.numeric * $1.numeric } / Double(max(samples.count, 1))).squareRoot()
        XCTAssertGreaterThan(rms, 0, "all gradients are zero: the check would be vacuous", file: file, line: line)
        for s in samples {
            XCTAssertLessThanOrEqual(
                abs(s.analytic - s.numeric), 2e-3 * abs(s.numeric) + 1e-4 * rms,
                "\(s.name)[\(s.index)]: oneDNN \(s.analytic), finite difference \(s.numeric)", file: file, line: line)
        }
    }
}
