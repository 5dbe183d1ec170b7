import Foundation

/// A small `key = value` settings file (`$XDG_CONFIG_HOME/dip/config`, else `~/.config/dip/config`).
/// Lines it does not touch (comments, other keys) are kept; writes are atomic (temp file + rename).
public struct ConfigStore: Sendable {
    public var path: String

    public init(path: String) {
        self.path = path
    }

    /// The standard location for `environment`; nil when neither XDG_CONFIG_HOME nor HOME is set.
    public static func defaultPath(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            return xdg + "/dip/config"
        }
        if let home = environment["HOME"], !home.isEmpty {
            return home + "/.config/dip/config"
        }
        return nil
    }

    /// All key/value pairs (missing file → empty).
    public func read() -> [String: String] {
        var out: [String: String] = [:]
        for line in lines() {
            if let (k, v) = ConfigStore.split(line) { out[k] = v }
        }
        return out
    }

    public func value(_ key: String) -> String? { read()[key] }

    /// Sets `key` to `value`, keeping every other line; creates the directory if needed.
    public func set(_ key: String, _ value: String) throws {
        var out = lines()
        if let i = out.firstIndex(where: { ConfigStore.split($0)?.0 == key }) {
            out[i] = "\(key) = \(value)"
        } else {
            if out.last == "" { out.removeLast() }
            out.append("\(key) = \(value)")
        }
        try writeAtomically(out.joined(separator: "\n") + "\n")
    }

    private func lines() -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var ls = String(decoding: data, as: UTF8.self).split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline }).map(String.init)
        if ls.last == "" { ls.removeLast() }
        return ls
    }

    static func split(_ line: String) -> (String, String)? {
        let t = line.trimming(" \t")
        guard !t.isEmpty, !t.hasPrefix("#"), let eq = t.firstIndex(of: "=") else { return nil }
        let k = String(t[..<eq]).trimming(" \t")
        let v = String(t[t.index(after: eq)...]).trimming(" \t")
        return k.isEmpty ? nil : (k, v)
    }

    private func writeAtomically(_ text: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let tmp = "\(path).tmp.\(getpid())"
        let fd = open(tmp, O_CREAT | O_WRONLY | O_TRUNC, 0o644)
        guard fd >= 0 else { throw ConfigError(path: tmp, errno: errno) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                close(fd)
                unlink(tmp)
                throw ConfigError(path: tmp, errno: e)
            }
            written += n
        }
        fsync(fd)
        close(fd)
        guard rename(tmp, path) == 0 else {
            let e = errno
            unlink(tmp)
            throw ConfigError(path: path, errno: e)
        }
    }
}

/// A config file could not be written.
public struct ConfigError: Error, CustomStringConvertible {
    public var path: String
    public var errno: Int32
    public var description: String { "\(path): \(String(cString: strerror(errno)))" }
}
