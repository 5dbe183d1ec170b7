import Foundation
import ImageIO

/// One input file as recorded in run.json.
public struct InputRecord: Codable, Equatable, Sendable {
    public var role: String
    public var path: String
    public var sha256: String
    public var bytes: Int
    public var width: Int
    public var height: Int
    public var channels: Int
    public var bitDepth: Int
    public var hasAlpha: Bool
}

/// The contents of run.json: enough to understand a run and to resume it.
public struct RunRecord: Codable, Sendable {
    public var format = "dip-run"
    public var version = 1
    public var dipVersion: String
    public var command: [String]
    public var createdAt: String
    public var settings: RunSettings
    public var inputs: [InputRecord]
    public var observationGeometry: PadGeometry
    public var outputGeometry: PadGeometry
    /// Inpainting and restoration put the known pixels back into the result outside the holes.
    public var compositesKnownPixels: Bool
    public var notes: [String]
}

/// A run's folder:
///
///     run.json          settings, inputs (with hashes), geometry — written at the start
///     metrics.csv       one row per iteration
///     snapshots/        iter-NNNNNN.png and iter-NNNNNN-ema.png every --snapshot-every
///     checkpoint        safetensors: weights, Adam, EMA, early-stopping state (atomic)
///     result.png        the chosen result; result-ema.png the EMA at the end
///     summary.json      what was chosen and why, written when the run ends
public struct RunDirectory: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public var runJSON: String { "\(path)/run.json" }
    public var metricsCSV: String { "\(path)/metrics.csv" }
    public var snapshots: String { "\(path)/snapshots" }
    public var checkpoint: String { "\(path)/checkpoint" }
    public var result: String { "\(path)/result.png" }
    public var resultEMA: String { "\(path)/result-ema.png" }
    public var summaryJSON: String { "\(path)/summary.json" }

    public func snapshot(_ iteration: Int, ema: Bool) -> String {
        "\(snapshots)/iter-\(String(format: "%06d", iteration))\(ema ? "-ema" : "").png"
    }

    /// Creates a fresh run folder, refusing to overwrite a previous run.
    public static func create(_ path: String) throws -> RunDirectory {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw TaskError.badInput("--out \(path) exists and is not a directory") }
            if fm.fileExists(atPath: "\(path)/run.json") {
                throw TaskError.badInput("\(path) already holds a run; continue it with `dip resume \(path)` or pick another --out")
            }
        }
        do {
            try fm.createDirectory(atPath: "\(path)/snapshots", withIntermediateDirectories: true)
        } catch {
            throw TaskError.badInput("cannot create run directory \(path): \(Self.reason(error))")
        }
        guard access(path, W_OK) == 0 else { throw TaskError.badInput("run directory \(path) is not writable") }
        return RunDirectory(path: path)
    }

    /// Opens an existing run folder (for resume and view).
    public static func open(_ path: String) throws -> RunDirectory {
        guard FileManager.default.fileExists(atPath: "\(path)/run.json") else {
            throw TaskError.badInput("\(path) is not a dip run directory (no run.json)")
        }
        return RunDirectory(path: path)
    }

    public func writeRecord(_ record: RunRecord) throws {
        try writeJSON(record, to: runJSON)
    }

    public func readRecord() throws -> RunRecord {
        guard let data = FileManager.default.contents(atPath: runJSON) else {
            throw TaskError.badInput("cannot read \(runJSON)")
        }
        do {
            let record = try JSONDecoder().decode(RunRecord.self, from: data)
            guard record.format == "dip-run" else { throw TaskError.corrupt("\(runJSON) is not a dip run record") }
            return record
        } catch let e as TaskError {
            throw e
        } catch {
            throw TaskError.corrupt("\(runJSON) is not a valid dip run record: \(Self.reason(error))")
        }
    }

    /// summary.json, if the run has ended (or been stopped) and the file is readable.
    public func readSummary() -> RunSummary? {
        guard let data = FileManager.default.contents(atPath: summaryJSON) else { return nil }
        return try? JSONDecoder().decode(RunSummary.self, from: data)
    }

    public func writeJSON<T: Encodable>(_ value: T, to file: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        try AtomicFile.write([UInt8](data) + [0x0A], to: file)
    }

    static func reason(_ error: Error) -> String {
        if let e = error as? CocoaError, let underlying = e.underlying as? POSIXError {
            return String(cString: strerror(underlying.code.rawValue))
        }
        return (error as NSError).localizedDescription
    }
}
