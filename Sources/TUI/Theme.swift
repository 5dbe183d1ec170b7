/// A complete colour scheme: one RGB per `ColorRole`.
public struct Theme: Sendable, Equatable {
    public var name: String
    public private(set) var colors: [ColorRole: RGB]

    /// A theme with `colors`, any missing role taken from `fallback`.
    public init(name: String, colors: [ColorRole: RGB], fallback: Theme? = nil) {
        self.name = name
        var all = colors
        if let fallback {
            for role in ColorRole.allCases where all[role] == nil { all[role] = fallback.colors[role] }
        }
        self.colors = all
    }

    public subscript(role: ColorRole) -> RGB {
        colors[role] ?? Theme.builtinDefault.colors[role] ?? RGB.white
    }

    /// The compiled-in default (dark) theme; identical to themes/default.theme (a test checks).
    public static let builtinDefault: Theme = {
        // A syntax error here is a programming error caught by the unit tests.
        (try? ThemeParser.parse(builtinDefaultText, name: "default", file: "<built-in>").theme)
            ?? Theme(name: "default", colors: [:])
    }()

    /// Source text of the built-in default theme.
    public static let builtinDefaultText = """
        # dip default theme (dark). Keys are ColorRole raw values; values are #RRGGBB.
        background = #15171c
        text = #d5d9e0
        dim_text = #7c828d
        accent = #61afef
        title = #e5c07b
        border = #3b414d
        focus = #61afef
        chart_1 = #61afef
        chart_2 = #98c379
        chart_3 = #e5c07b
        chart_4 = #c678dd
        loss_line = #e06c75
        psnr_input_line = #61afef
        psnr_gt_line = #98c379
        psnr_ema_line = #c678dd
        es_line = #e5c07b
        best_marker = #98c379
        gt_marker = #56b6c2
        stop_marker = #e06c75
        cursor_marker = #ffffff
        toast = #56b6c2
        warning = #e5c07b
        error = #ff5f5f
        status_bg = #2c313c
        status_fg = #e6e9ef

        """
}

/// A problem in a theme file, located by file and line.
public struct ThemeDiagnostic: Sendable, Equatable, CustomStringConvertible, Error {
    public var file: String
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { "\(file):\(line): \(message)" }
}

/// Parses the `key = #RRGGBB` theme format.
///
/// - Blank lines and lines starting with `#` are ignored; a ` # comment` may follow a value.
/// - Unknown keys are warnings (ignored); duplicate keys are warnings (the last wins).
/// - Anything else malformed throws a `ThemeDiagnostic` naming the file and line.
/// - Missing keys are filled from `Theme.builtinDefault` and listed in `missing`.
public enum ThemeParser {
    public struct Parsed: Sendable {
        public var theme: Theme
        public var warnings: [ThemeDiagnostic]
        public var missing: [ColorRole]
    }

    public static func parse(_ text: String, name: String, file: String) throws -> Parsed {
        var colors: [ColorRole: RGB] = [:]
        var warnings: [ThemeDiagnostic] = []
        var lineNumber = 0
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline }) {
            lineNumber += 1
            let line = rawLine.trimming(" \t\r")
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let eq = line.firstIndex(of: "=") else {
                throw ThemeDiagnostic(file: file, line: lineNumber, message: "expected 'key = #RRGGBB', got '\(line)'")
            }
            let key = String(line[..<eq]).trimming(" \t")
            let rest = String(line[line.index(after: eq)...]).trimming(" \t")
            let value = String(rest.prefix(while: { $0 != " " && $0 != "\t" }))
            let trailing = String(rest.dropFirst(value.count)).trimming(" \t")
            guard trailing.isEmpty || trailing.hasPrefix("#") else {
                throw ThemeDiagnostic(
                    file: file, line: lineNumber, message: "unexpected text after the value of '\(key)': '\(trailing)'")
            }
            guard !key.isEmpty else {
                throw ThemeDiagnostic(file: file, line: lineNumber, message: "missing key before '='")
            }
            guard let rgb = RGB(hex: value) else {
                throw ThemeDiagnostic(
                    file: file, line: lineNumber, message: "value of '\(key)' must be #RRGGBB, got '\(value)'")
            }
            guard let role = ColorRole(rawValue: key) else {
                warnings.append(ThemeDiagnostic(file: file, line: lineNumber, message: "unknown key '\(key)' (ignored)"))
                continue
            }
            if colors[role] != nil {
                warnings.append(ThemeDiagnostic(file: file, line: lineNumber, message: "duplicate key '\(key)' (last wins)"))
            }
            colors[role] = rgb
        }
        let missing = ColorRole.allCases.filter { colors[$0] == nil }
        let fallback: Theme? = name == "default" && file == "<built-in>" ? nil : Theme.builtinDefault
        return Parsed(theme: Theme(name: name, colors: colors, fallback: fallback), warnings: warnings, missing: missing)
    }
}

extension StringProtocol {
    /// Trims the given characters from both ends (no Foundation needed).
    func trimming(_ set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s = s.dropFirst() }
        while let l = s.last, chars.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
