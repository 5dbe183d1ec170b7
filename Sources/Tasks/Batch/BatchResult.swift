import Foundation

/// How a batch item ended.
public enum BatchStatus: String, Codable, Sendable {
    /// The run finished (all iterations or auto-stop) and wrote result.png.
    case ok
    /// It could not run or broke while running; `error` says why.
    case failed
    /// It was stopped (SIGTERM: scancel, a time limit, Ctrl-C) after saving a checkpoint;
    /// `dip batch --resume` continues it.
    case interrupted
    /// It never started (the batch was cancelled first).
    case notRun = "not-run"
}

/// DIR/results/INDEX.json: what one item's worker recorded when it ended (atomically).
public struct BatchItemResult: Codable, Equatable, Sendable {
    public var format = "dip-batch-result"
    public var index: Int
    public var name: String
    public var image: String
    public var status: BatchStatus
    public var error: String?
    /// The worker's exit status: 0 ok, 1 runtime failure, 2 bad input, 130 interrupted.
    public var exitCode: Int32
    /// The input image's size, if it could be read.
    public var width: Int?
    public var height: Int?
    public var iterations: Int?
    public var stopReason: String?
    public var seconds: Double?
    /// PSNR of result.png against the ground truth (--gt-dir), in dB.
    public var psnr: Double?
    public var runDirectory: String
    /// result.png, once written.
    public var result: String?
    public var finishedAt: String

    public init(item: BatchItem, status: BatchStatus, error: String? = nil, exitCode: Int32) {
        index = item.index
        name = item.name
        image = item.image
        self.status = status
        self.error = error
        self.exitCode = exitCode
        runDirectory = item.runDirectory
        finishedAt = ISO8601DateFormatter().string(from: Date())
    }

    /// Fills in size and, if the run wrote one, its summary.
    public mutating func read(run directory: RunDirectory) {
        if let record = try? directory.readRecord(), let input = record.inputs.first(where: { $0.role == "image" }) {
            width = input.width
            height = input.height
        }
        if let summary = directory.readSummary() {
            iterations = summary.iterations
            stopReason = summary.stopReason.description
            seconds = summary.seconds
            psnr = summary.psnrResult
            result = summary.result
        }
    }

    /// Whether the run in `directory` has finished: its summary.json exists and it was not
    /// stopped part-way (a stopped run's summary is provisional; resume continues it).
    public static func isFinished(_ directory: RunDirectory) -> Bool {
        guard let summary = directory.readSummary() else { return false }
        return summary.stopReason != .user
    }

    public static func load(_ path: String) -> BatchItemResult? {
        guard let data = FileManager.default.contents(atPath: path),
            let r = try? JSONDecoder().decode(BatchItemResult.self, from: data), r.format == "dip-batch-result"
        else { return nil }
        return r
    }

    public func write(to path: String) throws {
        try RunDirectory(path: runDirectory).writeJSON(self, to: path)
    }
}

/// One row of summary.csv and summary.md.
public struct BatchRow: Equatable, Sendable {
    public var image: String
    public var size: String
    public var iterations: String
    public var stopReason: String
    public var seconds: String
    public var psnr: String
    public var status: BatchStatus
    public var error: String

    public static let header = ["image", "size", "iterations", "stop_reason", "seconds", "psnr_db", "status", "error"]

    /// The row of an item from its result; `outcome` explains an item without one.
    public init(item: BatchItem, result: BatchItemResult?, outcome: String?) {
        image = URL(fileURLWithPath: item.image).lastPathComponent
        if let r = result {
            size = r.width.flatMap { w in r.height.map { "\(w)x\($0)" } } ?? ""
            iterations = r.iterations.map(String.init) ?? ""
            stopReason = r.stopReason ?? ""
            seconds = r.seconds.map { String(format: "%.1f", $0) } ?? ""
            psnr = r.psnr.map { String(format: "%.2f", $0) } ?? ""
            status = r.status
            var e = r.error ?? ""
            if r.status != .ok, let outcome, !outcome.isEmpty, e.isEmpty { e = outcome }
            error = e
        } else {
            size = ""
            iterations = ""
            stopReason = ""
            seconds = ""
            psnr = ""
            status = outcome == nil ? .notRun : .failed
            error = outcome ?? ""
        }
    }

    var fields: [String] { [image, size, iterations, stopReason, seconds, psnr, status.rawValue, error] }
}

/// summary.csv and summary.md of a batch.
public enum BatchSummary {
    public static func csv(_ rows: [BatchRow]) -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        return ([BatchRow.header] + rows.map(\.fields)).map { $0.map(field).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    public static func markdown(_ rows: [BatchRow], task: TaskKind, executor: String) -> String {
        func cell(_ s: String) -> String {
            s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
        }
        var text = "# dip batch: \(task.rawValue), \(rows.count) image\(rows.count == 1 ? "" : "s")\n\n"
        text += counts(rows) + ". Executor: \(executor).\n\n"
        text += "| image | size | iterations | stop reason | seconds | PSNR (dB) | status | error |\n"
        text += "|---|---|---:|---|---:|---:|---|---|\n"
        for r in rows { text += "| " + r.fields.map(cell).joined(separator: " | ") + " |\n" }
        let psnrs = rows.compactMap { Double($0.psnr) }
        if !psnrs.isEmpty {
            text += "\nMean PSNR over \(psnrs.count) image\(psnrs.count == 1 ? "" : "s") with ground truth: "
                + String(format: "%.2f dB", psnrs.reduce(0, +) / Double(psnrs.count)) + ".\n"
        }
        return text
    }

    /// "3 ok, 1 failed".
    public static func counts(_ rows: [BatchRow]) -> String {
        let order: [BatchStatus] = [.ok, .failed, .interrupted, .notRun]
        return order.compactMap { s -> String? in
            let n = rows.filter { $0.status == s }.count
            return n == 0 && s != .ok ? nil : "\(n) \(s.rawValue)"
        }.joined(separator: ", ")
    }
}
