import Foundation

/// One iteration as metrics.csv records it.
public struct IterationRecord: Sendable, Equatable {
    public var iteration: Int
    public var loss: Double
    /// PSNR between A(output) and the observation (masked pixels count as zeros in both).
    public var psnrInput: Double
    public var psnrGT: Double?
    public var psnrGTEMA: Double?
    /// The early-stopping signal the run uses (ES-WMV or ES-EMV).
    public var esSignal: Double?
    /// Seconds since the run started, including time before a resume.
    public var seconds: Double
    public var esWMV: Double?
    public var esEMV: Double?
    /// How many times the backtracking guard has rolled back so far.
    public var backtracks: Int

    public static let header = "iteration,loss,psnr_input,psnr_gt,psnr_gt_ema,es_signal,seconds,es_wmv,es_emv,backtracks"

    var csvLine: String {
        func f(_ v: Double?, _ digits: Int = 6) -> String {
            guard let v, v.isFinite else { return v.map { $0 > 0 ? "inf" : "nan" } ?? "" }
            return String(format: "%.\(digits)g", v)
        }
        return "\(iteration),\(f(loss, 8)),\(f(psnrInput)),\(f(psnrGT)),\(f(psnrGTEMA)),\(f(esSignal)),"
            + "\(String(format: "%.3f", seconds)),\(f(esWMV)),\(f(esEMV)),\(backtracks)"
    }

    init?(csvLine line: Substring) {
        let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard f.count >= 7, let it = Int(f[0]), let loss = Double(f[1]), let seconds = Double(f[6]) else { return nil }
        iteration = it
        self.loss = loss
        psnrInput = Double(f[2]) ?? .nan
        psnrGT = Double(f[3])
        psnrGTEMA = Double(f[4])
        esSignal = Double(f[5])
        self.seconds = seconds
        esWMV = f.count > 7 ? Double(f[7]) : nil
        esEMV = f.count > 8 ? Double(f[8]) : nil
        backtracks = f.count > 9 ? Int(f[9]) ?? 0 : 0
    }

    public init(
        iteration: Int, loss: Double, psnrInput: Double, psnrGT: Double?, psnrGTEMA: Double?, esSignal: Double?,
        seconds: Double, esWMV: Double?, esEMV: Double?, backtracks: Int
    ) {
        self.iteration = iteration
        self.loss = loss
        self.psnrInput = psnrInput
        self.psnrGT = psnrGT
        self.psnrGTEMA = psnrGTEMA
        self.esSignal = esSignal
        self.seconds = seconds
        self.esWMV = esWMV
        self.esEMV = esEMV
        self.backtracks = backtracks
    }
}

/// metrics.csv, appended one row per iteration and flushed at every checkpoint (and every few
/// seconds, so `dip view` can follow a live run). On resume the rows past the checkpoint are
/// cut off first, so the continued run neither repeats nor skips an iteration.
public final class MetricsLog {
    private let path: String
    private let handle: FileHandle
    private var pending = ""
    private var lastFlush = Date()

    /// Opens `path`, keeping only rows with iteration < `keepBelow` (all rows when nil).
    public init(path: String, keepBelow: Int?) throws {
        self.path = path
        var kept = IterationRecord.header + "\n"
        if let keepBelow, let data = FileManager.default.contents(atPath: path) {
            let text = String(decoding: data, as: UTF8.self)
            for line in text.split(separator: "\n").dropFirst() {
                // A line cut by a crash mid-write fails to parse and is dropped with the rest.
                guard let row = IterationRecord(csvLine: line), row.iteration < keepBelow else { break }
                kept += line + "\n"
            }
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(kept.utf8)),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw TaskError.runtime("cannot write \(path)") }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    deinit { try? handle.close() }

    public func append(_ row: IterationRecord) {
        pending += row.csvLine + "\n"
        if Date().timeIntervalSince(lastFlush) > 2 { flush() }
    }

    public func flush() {
        guard !pending.isEmpty else { return }
        handle.write(Data(pending.utf8))
        pending = ""
        lastFlush = Date()
    }

    /// Flushes and forces the rows to disk (before a checkpoint names them as done).
    public func sync() {
        flush()
        try? handle.synchronize()
    }

    /// Reads every complete row of a metrics file (for `dip view` and reports).
    public static func read(_ path: String) -> [IterationRecord] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").dropFirst().compactMap { IterationRecord(csvLine: $0) }
    }
}
