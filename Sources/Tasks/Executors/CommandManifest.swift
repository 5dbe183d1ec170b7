import Foundation
import ImageIO

/// One line of a command manifest: a whole dip command line for one work item, run by the
/// hidden `dip work-item MANIFEST INDEX --threads T` (it appends `--threads T` and sends the
/// output to `log`). Executors use it for work whose command differs per item, such as NAS
/// candidates; `dip batch` has its own richer manifest.
public struct CommandManifestLine: Codable, Equatable, Sendable {
    public var index: Int
    /// The dip arguments, without the binary and without --threads.
    public var arguments: [String]
    public var result: String
    public var log: String?

    public init(index: Int, arguments: [String], result: String, log: String?) {
        self.index = index
        self.arguments = arguments
        self.result = result
        self.log = log
    }
}

/// JSON lines, one object per work item; written atomically, read by index.
public enum JSONLines {
    public static func encode<T: Encodable>(_ values: [T]) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes: [UInt8] = []
        for v in values {
            bytes += try encoder.encode(v)
            bytes.append(0x0A)
        }
        return bytes
    }

    public static func write<T: Encodable>(_ values: [T], to path: String) throws {
        do {
            try AtomicFile.write(try encode(values), to: path)
        } catch {
            throw TaskError.runtime("cannot write \(path): \(error)")
        }
    }

    /// Every line of `path` decoded; a bad line is a corrupt-file error naming its number.
    public static func read<T: Decodable>(_ type: T.Type, from path: String) throws -> [T] {
        guard let data = FileManager.default.contents(atPath: path) else { throw TaskError.badInput("cannot read \(path)") }
        return try decode(type, from: data, name: path)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, name: String) throws -> [T] {
        let decoder = JSONDecoder()
        var out: [T] = []
        for (n, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            do {
                out.append(try decoder.decode(T.self, from: Data(line)))
            } catch {
                throw TaskError.corrupt("\(name) line \(n + 1) is not a valid work item: \(reason(error))")
            }
        }
        return out
    }

    static func reason(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "\"\(context.codingPath.map(\.stringValue).joined(separator: "."))\": \(context.debugDescription)"
        case DecodingError.dataCorrupted: return "malformed JSON"
        default: return "\(error)"
        }
    }
}

extension CommandManifestLine {
    /// The line for `index` in the manifest at `path`.
    public static func find(_ index: Int, in path: String) throws -> CommandManifestLine {
        guard let line = try JSONLines.read(CommandManifestLine.self, from: path).last(where: { $0.index == index }) else {
            throw TaskError.badInput("\(path) has no work item \(index)")
        }
        return line
    }

    /// Adds or replaces these lines in the manifest at `path`, keeping the others.
    public static func upsert(_ lines: [CommandManifestLine], into path: String) throws {
        var byIndex: [Int: CommandManifestLine] = [:]
        if FileManager.default.fileExists(atPath: path) {
            for line in (try? JSONLines.read(CommandManifestLine.self, from: path)) ?? [] { byIndex[line.index] = line }
        }
        for line in lines { byIndex[line.index] = line }
        try JSONLines.write(byIndex.keys.sorted().map { byIndex[$0]! }, to: path)
    }
}
