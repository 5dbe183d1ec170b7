import ArgumentParser
import Engine
import Foundation

/// `dip bench`: times training iterations of a net on an N×N random target.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time training iterations of a net on an N×N target.",
        discussion: """
            Trains the net (Adam, MSE, input jitter as in denoising) on a random N×N image and prints the \
            median seconds per iteration after 2 warm-up iterations, the parameter count, the peak memory \
            and the time per layer kind. Compare with benchmarks/pytorch_skip.py (`make bench`).
            """)

    @Option(help: "Image side in pixels.") var size = 256
    @Option(help: "Timed iterations (after 2 warm-ups).") var iterations = 10
    @Option(help: "Architecture: skip.") var arch = "skip"
    @Option(help: "Threads for oneDNN and the kernels (default: all cores).") var threads: Int?
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Flag(help: "End with one JSON object on the last line of stdout.") var json = false

    func validate() throws {
        guard size >= 32 else { throw ValidationError("--size must be at least 32 (the skip net halves it 5 times)") }
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
        guard arch == "skip" else { throw ValidationError("--arch \(arch) is not known; available: skip") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        if let threads { Threads.set(threads) }
        let spec = try NetSpec.skip(SkipConfig())
        let built = Date()
        let graph = try Graph(spec: spec, height: size, width: size, seed: seed, options: GraphOptions(profile: true))
        let buildSeconds = Date().timeIntervalSince(built)
        let target = NoiseFill.make(
            count: graph.outputShape.count, seed: seed, purpose: .degradation, distribution: .uniform)
        let z = NetInput.uniformNoise(depth: spec.inputChannels).make(height: size, width: size, seed: seed)
        let trainer = try Trainer(graph: graph, target: target, input: z, settings: TrainerSettings(seed: seed))
        for _ in 0..<2 { trainer.step() }
        graph.resetProfile()
        var times: [Double] = []
        for _ in 0..<iterations {
            let start = Date()
            trainer.step()
            times.append(Date().timeIntervalSince(start))
        }
        let sorted = times.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        let rss = ResourceUsage.peakResidentBytes
        print("dip bench: \(arch) \(size)×\(size), \(graph.parameters.trainableCount) parameters, \(Threads.phrase)")
        print(String(format: "median %.4f s/iteration (min %.4f, max %.4f) over %d iterations", median, sorted.first!, sorted.last!, iterations))
        print(String(format: "peak RSS %.1f MiB; planned buffers %.1f MiB; build %.2f s", Double(rss) / 1_048_576, Double(graph.plannedBytes) / 1_048_576, buildSeconds))
        print("time per iteration by layer kind (forward / backward, ms):")
        let n = Double(iterations)
        for row in graph.timeByKind() {
            let name = row.kind.padding(toLength: 14, withPad: " ", startingAt: 0)
            print("  " + name + String(format: "%8.2f %8.2f", 1000 * row.forward / n, 1000 * row.backward / n))
        }
        if json {
            let kinds = graph.timeByKind().map { ["kind": $0.kind, "forward_seconds": $0.forward / n, "backward_seconds": $0.backward / n] as [String: Any] }
            let object: [String: Any] = [
                "arch": arch, "size": size, "iterations": iterations, "threads": Threads.count,
                "seconds_per_iteration": median, "min_seconds": sorted.first!, "max_seconds": sorted.last!,
                "parameters": graph.parameters.trainableCount, "peak_rss_bytes": rss, "layers": kinds,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
