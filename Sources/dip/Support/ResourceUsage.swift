import Foundation

/// Process resource figures for reports.
enum ResourceUsage {
    /// The peak resident set size of this process so far, in bytes.
    static var peakResidentBytes: Int {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024  // Linux reports kilobytes.
    }
}
