import XCTest
@testable import Engine

final class NumericsTests: XCTestCase {
    func testLanczosTapsMatchTheReferenceDownsampler() {
        // dip-spec.md §6, computed from models/downsampler.py.
        let f2: [Double] = [-0.008863, -0.041940, 0.116500, 0.434303, 0.434303, 0.116500, -0.041940, -0.008863]
        let f4: [Double] = [-0.001065, -0.009752, -0.020384, -0.014878, 0.024594, 0.098658, 0.183115, 0.239711]
        for (a, b) in zip(LanczosKernel.taps(factor: 2), f2) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        let t4 = LanczosKernel.taps(factor: 4)
        XCTAssertEqual(t4.count, 16)
        for (a, b) in zip(t4, f4) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        XCTAssertEqual(LanczosKernel.taps(factor: 8)[15], 0.122797, accuracy: 1e-6)
    }

    func testDownsamplerHalvesSizeExactly() throws {
        var net = NetSpec(inputChannels: 3)
        net.add(.activation(.sigmoid), [net.input], name: "s")
        net.appendLanczosDownsampler(factor: 4)
        let g = try Graph(spec: net, height: 192, width: 256, seed: 1)
        XCTAssertEqual(g.lossOutputShape, TensorShape(3, 48, 64))
    }

    func testMaskedLossMatchesTheReferenceDefinitionAndItsDerivative() {
        let shape = TensorShape(2, 3, 4)
        let p = NoiseFill.make(count: shape.count, seed: 1, purpose: .degradation, distribution: .uniform)
        let t = NoiseFill.make(count: shape.count, seed: 2, purpose: .degradation, distribution: .uniform)
        let m: [Float] = (0..<shape.pixels).map { $0 % 3 == 0 ? 0 : 1 }
        var g = [Float](repeating: 0, count: shape.count)
        let loss = MeanSquaredError(shape: shape)
        let value = p.withUnsafeBufferPointer { pp in t.withUnsafeBufferPointer { tt in m.withUnsafeBufferPointer { mm in
            g.withUnsafeMutableBufferPointer { loss.evaluate(prediction: pp.baseAddress!, target: tt.baseAddress!, mask: mm.baseAddress!, gradient: $0.baseAddress!) }
        } } }
        // mean over ALL elements of ((p − t)·m)², as torch's MSELoss(out*mask, target*mask).
        var expected = 0.0
        for i in 0..<shape.count { let d = Double((p[i] - t[i]) * m[i % shape.pixels]); expected += d * d }
        expected /= Double(shape.count)
        XCTAssertEqual(value, expected, accuracy: 1e-9)
        for i in 0..<shape.count {
            XCTAssertEqual(Double(g[i]), 2 * Double(p[i] - t[i]) * Double(m[i % shape.pixels]) / Double(shape.count), accuracy: 1e-7)
        }
    }

    func testAdamFollowsPyTorchsUpdateRule() throws {
        var net = NetSpec(inputChannels: 1)
        net.add(.conv(ConvSpec(outChannels: 1, kernel: 1, bias: false)), [net.input], name: "c")
        let graph = try Graph(spec: net, height: 1, width: 1, seed: 1)
        let entry = graph.parameters.entries[0]
        graph.parameters.setValues(of: entry, [0.5])
        let adam = Adam(parameterCount: graph.parameters.count, learningRate: 0.1)
        // Hand-computed PyTorch Adam for gradients 1.0 then −0.5.
        var p = 0.5, m = 0.0, v = 0.0
        for (t, grad) in [1.0, -0.5].enumerated() {
            graph.parameters.grads![0] = Float(grad)
            adam.update(graph.parameters)
            m = 0.9 * m + 0.1 * grad
            v = 0.999 * v + 0.001 * grad * grad
            let step = Double(t + 1)
            p -= 0.1 / (1 - pow(0.9, step)) * m / ((v / (1 - pow(0.999, step))).squareRoot() + 1e-8)
            XCTAssertEqual(Double(graph.parameters.values(of: entry)[0]), p, accuracy: 1e-6)
        }
    }

    func testNormalNoiseHasUnitMomentsAndIsThreadCountIndependent() {
        let n = 1 << 18
        let a = NoiseFill.make(count: n, seed: 9, purpose: .regularisationNoise, counter: 3, distribution: .normal)
        let mean = a.reduce(0.0) { $0 + Double($1) } / Double(n)
        let variance = a.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(n)
        XCTAssertEqual(mean, 0, accuracy: 0.01)
        XCTAssertEqual(variance, 1, accuracy: 0.01)
        let tails = a.filter { abs($0) > 3 }.count
        XCTAssertEqual(Double(tails) / Double(n), 0.0027, accuracy: 0.0008, "the ziggurat's tail must be right too")
        let saved = Threads.count
        Threads.set(1)
        let b = NoiseFill.make(count: n, seed: 9, purpose: .regularisationNoise, counter: 3, distribution: .normal)
        Threads.set(saved)
        XCTAssertEqual(a, b)
    }

    func testPSNRAndSSIM() {
        let shape = TensorShape(1, 32, 32)
        let a = NoiseFill.make(count: shape.count, seed: 1, purpose: .degradation, distribution: .uniform)
        XCTAssertEqual(Metrics.ssim(a, a, shape: shape), 1, accuracy: 1e-9)
        let b = a.map { min(max($0 + 0.1, 0), 1) }
        XCTAssertLessThan(Metrics.ssim(a, b, shape: shape), 1)
        let shifted = a.map { $0 + 0.1 }
        XCTAssertEqual(Metrics.psnr(a, shifted), 20, accuracy: 1e-4)
    }
}
