/// The current theme, cycling through the library, and remembering the choice in the config file.
struct ThemeSwitcher {
    var library: ThemeLibrary
    var config: ConfigStore?
    private(set) var name: String
    private(set) var theme: Theme

    /// Loads `preferred`, else the remembered theme, else "default". `messages` collects problems.
    init(library: ThemeLibrary, config: ConfigStore?, preferred: String?, messages: inout [String]) {
        self.library = library
        self.config = config
        let start = preferred ?? config?.value("theme") ?? "default"
        name = start
        theme = .builtinDefault
        messages += apply(library.load(start))
    }

    /// Switches to the next available theme and remembers it. Returns a toast and its role.
    mutating func next() -> (text: String, role: ColorRole, messages: [String]) {
        let names = library.availableThemes()
        let i = names.firstIndex(of: name) ?? -1
        name = names[(i + 1) % names.count]
        let problems = apply(library.load(name))
        var remembered = true
        if let config {
            do { try config.set("theme", name) } catch { remembered = false }
        }
        if let first = problems.first {
            return ("theme \(name): \(first)", .error, problems)
        }
        return ("theme \(name)" + (remembered ? "" : " (could not save the choice)"), remembered ? .toast : .warning, [])
    }

    /// Takes the loaded theme (the default on error) and returns printable problems.
    private mutating func apply(_ loaded: ThemeLibrary.Loaded) -> [String] {
        theme = loaded.theme
        var out = loaded.warnings.map { "warning: \($0)" }
        if let e = loaded.error { out.append("error: \(e) (using the default theme)") }
        return out
    }
}
