import Engine
import Foundation
import Tasks

/// The memory and time a run will need, printed before it starts; refuses (without --force)
/// when the memory estimate exceeds what the machine has free.
enum ResourceEstimate {
    static func check(_ run: RestorationRun, force: Bool) throws {
        let graph = run.trainer.graph
        let parameters = graph.parameters.count
        // Activations and gradients (planned), oneDNN's scratchpad, and per-parameter state:
        // values, gradients, Adam's two moments, plus the backtracking copy (×3) when enabled.
        let perParameter = run.settings.recipe.backtrackDrop == nil ? 4 : 7
        let images = graph.outputShape.count * 4 * 6
        let bytes = graph.plannedBytes + scratchpadBytes + parameters * 4 * perParameter + images + 64 << 20
        let seconds = graph.estimatedSecondsPerIteration
        let free = availableMemory()
        let gib = Double(bytes) / Double(1 << 30)
        let estimate = String(
            format: "estimated peak memory %.2f GiB (%.1f GiB free), about %.2f s per iteration on ",
            gib, Double(free ?? 0) / Double(1 << 30), seconds)
        FileHandle.standardError.write(Data((estimate + Threads.phrase + "\n").utf8))
        if let free, bytes > free, !force {
            throw TaskError.badInput(String(
                format: "this run needs about %.1f GiB but only %.1f GiB is free; try --channels 64 or a smaller image, or --force",
                gib, Double(free) / Double(1 << 30)))
        }
    }

    /// MemAvailable from /proc/meminfo, in bytes.
    static func availableMemory() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let kb = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            return kb.map { $0 * 1024 }
        }
        return nil
    }
}
