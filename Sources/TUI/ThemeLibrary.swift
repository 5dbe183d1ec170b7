import Foundation

/// Finds and loads `*.theme` files along a search path, falling back to the built-in default.
public struct ThemeLibrary: Sendable {
    /// Directories searched in order; the first file with a given name wins.
    public var searchPath: [String]

    public init(searchPath: [String]) {
        self.searchPath = searchPath
    }

    /// The standard search path: an explicit directory (if any), then `./themes`, then
    /// `<executable dir>/../share/dip/themes`.
    public static func defaultSearchPath(explicitDirectory: String? = nil, executablePath: String? = nil) -> [String] {
        var dirs: [String] = []
        if let explicitDirectory, !explicitDirectory.isEmpty { dirs.append(explicitDirectory) }
        dirs.append(FileManager.default.currentDirectoryPath + "/themes")
        let exe = executablePath ?? currentExecutable()
        if !exe.isEmpty {
            let exeURL = URL(fileURLWithPath: exe).resolvingSymlinksInPath()
            let share = exeURL.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("share/dip/themes").path
            dirs.append(share)
        }
        return dirs
    }

    /// The running executable's path (/proc/self/exe on Linux; argv[0] elsewhere).
    static func currentExecutable() -> String {
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        return CommandLine.arguments.first ?? ""
    }

    /// Preferred order of the shipped themes for cycling; others follow alphabetically.
    static let shippedOrder = ["default", "light", "high-contrast", "ansi16"]

    /// Theme names available on the search path (always includes "default").
    public func availableThemes() -> [String] {
        var names = Set<String>(["default"])
        for dir in searchPath {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            for e in entries where e.hasSuffix(".theme") {
                names.insert(String(e.dropLast(".theme".count)))
            }
        }
        let shipped = ThemeLibrary.shippedOrder.filter { names.contains($0) }
        let others = names.subtracting(ThemeLibrary.shippedOrder).sorted()
        return shipped + others
    }

    /// The file that would be loaded for `name`, if any.
    public func path(for name: String) -> String? {
        for dir in searchPath {
            let p = dir + "/" + name + ".theme"
            if FileManager.default.isReadableFile(atPath: p) { return p }
        }
        return nil
    }

    /// Result of `load`: always a usable theme, plus what went wrong.
    public struct Loaded: Sendable {
        public var theme: Theme
        /// Non-fatal problems (unknown or duplicate keys).
        public var warnings: [ThemeDiagnostic]
        /// A fatal problem (missing file, malformed line); `theme` is then the built-in default.
        public var error: ThemeDiagnostic?
        /// Roles the file did not set (filled from the default).
        public var missing: [ColorRole]
    }

    /// Loads `name`; on any error returns the built-in default theme and the error.
    public func load(_ name: String) -> Loaded {
        guard let file = path(for: name) else {
            if name == "default" {
                return Loaded(theme: .builtinDefault, warnings: [], error: nil, missing: [])
            }
            return Loaded(
                theme: .builtinDefault, warnings: [],
                error: ThemeDiagnostic(file: name + ".theme", line: 0, message: "theme '\(name)' not found in \(searchPath.joined(separator: ":"))"),
                missing: [])
        }
        return ThemeLibrary.load(file: file, name: name)
    }

    /// Loads one theme file; on any error returns the built-in default theme and the error.
    public static func load(file: String, name: String) -> Loaded {
        guard let data = FileManager.default.contents(atPath: file) else {
            return Loaded(
                theme: .builtinDefault, warnings: [],
                error: ThemeDiagnostic(file: file, line: 0, message: "cannot read file"), missing: [])
        }
        let text = String(decoding: data, as: UTF8.self)
        do {
            let parsed = try ThemeParser.parse(text, name: name, file: file)
            return Loaded(theme: parsed.theme, warnings: parsed.warnings, error: nil, missing: parsed.missing)
        } catch let diag as ThemeDiagnostic {
            return Loaded(theme: .builtinDefault, warnings: [], error: diag, missing: [])
        } catch {
            return Loaded(
                theme: .builtinDefault, warnings: [],
                error: ThemeDiagnostic(file: file, line: 0, message: "\(error)"), missing: [])
        }
    }
}
