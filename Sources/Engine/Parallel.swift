import CDNNL

/// Runs hand-written kernels on the OpenMP thread team that oneDNN itself uses.
///
/// On 2 cores, a second thread pool (Dispatch or pthreads) would fight libgomp's spinning
/// workers (backend-measurements.md §6.8). Entering the same team through `GOMP_parallel`
/// avoids that and reuses threads that are already warm.
enum Parallel {
    private struct Job {
        let count: Int
        let body: (Int, Range<Int>) -> Void
    }

    /// Calls `body` with disjoint, contiguous sub-ranges covering `0..<count`, one per thread.
    ///
    /// Falls back to the calling thread for small jobs, where forking costs more than it saves.
    static func forEach(_ count: Int, grain: Int = 4096, _ body: (Range<Int>) -> Void) {
        forEachSlot(count, grain: grain) { _, range in body(range) }
    }

    /// Like `forEach`, also passing the thread's slot in `0..<threadCount`, so a kernel can use
    /// per-thread scratch it allocated in advance.
    static func forEachSlot(_ count: Int, grain: Int = 4096, _ body: (Int, Range<Int>) -> Void) {
        let threads = min(Int(omp_get_max_threads()), count / max(grain, 1))
        if threads <= 1 {
            if count > 0 { body(0, 0..<count) }
            return
        }
        withoutActuallyEscaping(body) { body in
            var job = Job(count: count, body: body)
            withUnsafeMutablePointer(to: &job) { jobPointer in
                GOMP_parallel(
                    { raw in
                        let job = raw!.assumingMemoryBound(to: Job.self).pointee
                        let t = Int(omp_get_thread_num())
                        let n = Int(omp_get_num_threads())
                        let lo = job.count * t / n
                        let hi = job.count * (t + 1) / n
                        if lo < hi { job.body(t, lo..<hi) }
                    }, jobPointer, UInt32(threads), 0)
            }
        }
    }

    /// The number of threads oneDNN and the kernels use.
    static var threadCount: Int { Int(omp_get_max_threads()) }

    /// Sets the thread count for oneDNN and the kernels; call before building a net.
    static func setThreadCount(_ n: Int) { omp_set_num_threads(Int32(max(1, n))) }
}

/// Public face of the thread setting, for the CLI's `--threads`.
///
/// OpenMP keeps the thread count per calling thread, so a count set on the main thread would
/// not reach a training queue's thread. `set` records the wish; `Trainer.step` applies it to
/// whichever thread trains.
public enum Threads {
    nonisolated(unsafe) private static var requested: Int32?

    public static var count: Int { requested.map(Int.init) ?? Parallel.threadCount }

    /// "1 thread", "2 threads": how messages and the status line name the count.
    public static var phrase: String { count == 1 ? "1 thread" : "\(count) threads" }

    public static func set(_ n: Int) {
        requested = Int32(max(1, n))
        Parallel.setThreadCount(n)
    }

    /// Makes the calling thread use the requested count (cheap when it already does).
    @inline(__always)
    public static func applyToCurrentThread() {
        if let requested, omp_get_max_threads() != requested { omp_set_num_threads(requested) }
    }
}
