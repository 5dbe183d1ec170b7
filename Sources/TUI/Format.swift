import Foundation

/// Number formatting for the status line and chart axes.
enum Format {
    /// A compact number of at most about 7 characters: 1.2k, 31.42, 0.0123, 1.2e-5.
    static func short(_ v: Double) -> String {
        guard v.isFinite else { return v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf") }
        let a = abs(v)
        if a == 0 { return "0" }
        if a >= 1_000_000 { return String(format: "%.1fM", v / 1_000_000) }
        if a >= 10_000 { return String(format: "%.0fk", v / 1000) }
        if a >= 1000 { return String(format: "%.1fk", v / 1000) }
        if a >= 100 { return String(format: "%.0f", v) }
        if a >= 10 { return String(format: "%.1f", v) }
        if a >= 1 { return String(format: "%.2f", v) }
        if a >= 0.01 { return String(format: "%.3f", v) }
        return sci(v)
    }

    /// 1.2e-5 style (no zero-padded exponent).
    static func sci(_ v: Double) -> String {
        let s = String(format: "%.1e", v)  // 1.2e-05
        guard let e = s.firstIndex(of: "e") else { return s }
        let mant = s[..<e]
        var exp = String(s[s.index(after: e)...])
        let sign = exp.hasPrefix("-") ? "-" : ""
        exp = String(exp.drop(while: { $0 == "-" || $0 == "+" || $0 == "0" }))
        return "\(mant)e\(sign)\(exp.isEmpty ? "0" : exp)"
    }

    /// Loss for the status line: 4 significant digits.
    static func loss(_ v: Double) -> String {
        guard v.isFinite else { return short(v) }
        if v != 0 && abs(v) < 0.001 { return sci(v) }
        return String(format: "%.4g", v)
    }

    /// 2m17s, 1h02m, 45s.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }
}
