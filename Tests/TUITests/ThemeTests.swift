import XCTest
@testable import TUI

final class ThemeTests: XCTestCase {
    /// The repository's themes/ directory.
    static let shippedDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("themes").path

    private var tmp: String!

    override func setUpWithError() throws {
        tmp = NSTemporaryDirectory() + "dip-theme-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: tmp)
    }

    private func fullTheme(accent: String = "#123456") -> String {
        ColorRole.allCases.map { "\($0.rawValue) = \($0 == .accent ? accent : "#101010")" }.joined(separator: "\n")
    }

    func testValidFile() throws {
        let text = "# comment\n\n" + fullTheme() + "\n"
        let p = try ThemeParser.parse(text, name: "mine", file: "mine.theme")
        XCTAssertEqual(p.warnings, [])
        XCTAssertEqual(p.missing, [])
        XCTAssertEqual(p.theme[.accent], RGB(0x12, 0x34, 0x56))
        XCTAssertEqual(p.theme[.text], RGB(16, 16, 16))
        XCTAssertEqual(p.theme.name, "mine")
    }

    func testCRLFAndTrailingComment() throws {
        let p = try ThemeParser.parse("accent = #ABCDEF  # blue-ish\r\ntext=#000001\r\n", name: "x", file: "x.theme")
        XCTAssertEqual(p.theme[.accent], RGB(0xAB, 0xCD, 0xEF))
        XCTAssertEqual(p.theme[.text], RGB(0, 0, 1))
    }

    func testUnknownKeyIsAWarningWithItsLine() throws {
        let p = try ThemeParser.parse("accent = #ffffff\nsparkle = #000000\n", name: "x", file: "x.theme")
        XCTAssertEqual(p.warnings, [ThemeDiagnostic(file: "x.theme", line: 2, message: "unknown key 'sparkle' (ignored)")])
        XCTAssertEqual(p.theme[.accent], RGB.white)
    }

    func testMissingKeysFilledFromDefault() throws {
        let p = try ThemeParser.parse("text = #010203\n", name: "x", file: "x.theme")
        XCTAssertEqual(p.theme[.text], RGB(1, 2, 3))
        XCTAssertEqual(p.theme[.accent], Theme.builtinDefault[.accent])
        XCTAssertEqual(p.theme[.statusBg], Theme.builtinDefault[.statusBg])
        XCTAssertEqual(p.missing.count, ColorRole.allCases.count - 1)
        XCTAssertFalse(p.missing.contains(.text))
        XCTAssertEqual(p.theme.colors.count, ColorRole.allCases.count)
    }

    func testMalformedLineNamesFileAndLine() {
        XCTAssertThrowsError(try ThemeParser.parse("text = #010203\n# ok\naccent #zzzzzz\n", name: "x", file: "themes/x.theme")) { e in
            let d = e as? ThemeDiagnostic
            XCTAssertEqual(d?.line, 3)
            XCTAssertEqual(d?.file, "themes/x.theme")
            XCTAssertTrue("\(e)".hasPrefix("themes/x.theme:3: "), "\(e)")
        }
        XCTAssertThrowsError(try ThemeParser.parse("accent = #12345\n", name: "x", file: "x.theme")) { e in
            XCTAssertEqual((e as? ThemeDiagnostic)?.line, 1)
        }
        XCTAssertThrowsError(try ThemeParser.parse("\n = #123456\n", name: "x", file: "x.theme")) { e in
            XCTAssertEqual((e as? ThemeDiagnostic)?.line, 2)
        }
        XCTAssertThrowsError(try ThemeParser.parse("accent = #123456 extra\n", name: "x", file: "x.theme"))
    }

    func testLoaderFallsBackToDefaultOnError() throws {
        let path = tmp + "/broken.theme"
        try "text = #010203\naccent = blue\n".write(toFile: path, atomically: true, encoding: .utf8)
        let lib = ThemeLibrary(searchPath: [tmp])
        let loaded = lib.load("broken")
        XCTAssertEqual(loaded.theme, Theme.builtinDefault)
        XCTAssertEqual(loaded.error?.line, 2)
        XCTAssertEqual(loaded.error?.file, path)
        let missing = lib.load("nonexistent")
        XCTAssertEqual(missing.theme, Theme.builtinDefault)
        XCTAssertNotNil(missing.error)
        XCTAssertNil(lib.load("default").error, "default always exists (built in)")
    }

    func testShippedThemesLoadCleanly() {
        let lib = ThemeLibrary(searchPath: [ThemeTests.shippedDir])
        let names = lib.availableThemes()
        XCTAssertEqual(Array(names.prefix(4)), ["default", "light", "high-contrast", "ansi16"])
        for name in ["default", "light", "high-contrast", "ansi16"] {
            let l = lib.load(name)
            XCTAssertNotNil(lib.path(for: name), name)
            XCTAssertNil(l.error, "\(name): \(String(describing: l.error))")
            XCTAssertEqual(l.warnings, [], name)
            XCTAssertEqual(l.missing, [], "\(name) should set every key")
        }
        XCTAssertNotEqual(lib.load("light").theme[.background], lib.load("default").theme[.background])
    }

    func testDefaultFileMatchesBuiltIn() {
        let l = ThemeLibrary(searchPath: [ThemeTests.shippedDir]).load("default")
        XCTAssertEqual(l.theme.colors, Theme.builtinDefault.colors)
        XCTAssertEqual(Theme.builtinDefault.colors.count, ColorRole.allCases.count)
    }

    func testAnsi16ThemeUsesOnlyTheSixteenColours() {
        let t = ThemeLibrary(searchPath: [ThemeTests.shippedDir]).load("ansi16").theme
        let palette = Set(ColorQuantizer.ansi16Palette)
        for role in ColorRole.allCases {
            XCTAssertTrue(palette.contains(t[role]), "\(role.rawValue) = \(t[role]) is not an ANSI colour")
        }
    }

    func testSearchPathOrder() throws {
        let first = tmp + "/a", second = tmp + "/b"
        for d in [first, second] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        try "accent = #000001\n".write(toFile: first + "/x.theme", atomically: true, encoding: .utf8)
        try "accent = #000002\n".write(toFile: second + "/x.theme", atomically: true, encoding: .utf8)
        try "accent = #000003\n".write(toFile: second + "/y.theme", atomically: true, encoding: .utf8)
        let lib = ThemeLibrary(searchPath: [tmp + "/missing", first, second])
        XCTAssertEqual(lib.load("x").theme[.accent], RGB(0, 0, 1))
        XCTAssertEqual(lib.load("y").theme[.accent], RGB(0, 0, 3))
        XCTAssertEqual(lib.availableThemes(), ["default", "x", "y"])
        let std = ThemeLibrary.defaultSearchPath(explicitDirectory: "/opt/t", executablePath: "/usr/local/bin/dip")
        XCTAssertEqual(std.first, "/opt/t")
        XCTAssertTrue(std[1].hasSuffix("/themes"))
        XCTAssertEqual(std.last, "/usr/local/share/dip/themes")
    }

    func testConfigStoreRoundTripAndAtomicWrite() throws {
        let path = tmp + "/cfg/dip/config"
        let store = ConfigStore(path: path)
        XCTAssertNil(store.value("theme"))
        try store.set("theme", "light")
        XCTAssertEqual(store.value("theme"), "light")
        try "# mine\ncolor = 256\ntheme = light\n".write(toFile: path, atomically: true, encoding: .utf8)
        try store.set("theme", "ansi16")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(text, "# mine\ncolor = 256\ntheme = ansi16\n")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: tmp + "/cfg/dip")
        XCTAssertEqual(leftovers, ["config"], "no temp file left behind")
    }

    func testConfigDefaultPath() {
        XCTAssertEqual(ConfigStore.defaultPath(environment: ["XDG_CONFIG_HOME": "/x", "HOME": "/h"]), "/x/dip/config")
        XCTAssertEqual(ConfigStore.defaultPath(environment: ["XDG_CONFIG_HOME": "rel", "HOME": "/h"]), "/h/.config/dip/config")
        XCTAssertEqual(ConfigStore.defaultPath(environment: ["HOME": "/h"]), "/h/.config/dip/config")
        XCTAssertNil(ConfigStore.defaultPath(environment: [:]))
    }

    func testSwitcherCyclesAndRemembers() {
        let config = ConfigStore(path: tmp + "/config")
        var messages: [String] = []
        var sw = ThemeSwitcher(library: ThemeLibrary(searchPath: [ThemeTests.shippedDir]), config: config,
                               preferred: nil, messages: &messages)
        XCTAssertEqual(sw.name, "default")
        XCTAssertEqual(messages, [])
        let r = sw.next()
        XCTAssertEqual(sw.name, "light")
        XCTAssertEqual(r.role, .toast)
        XCTAssertEqual(config.value("theme"), "light")
        // A new switcher starts from the remembered theme.
        let again = ThemeSwitcher(library: ThemeLibrary(searchPath: [ThemeTests.shippedDir]), config: config,
                                  preferred: nil, messages: &messages)
        XCTAssertEqual(again.name, "light")
        XCTAssertEqual(again.theme[.background], RGB(hex: "#fafafa"))
    }
}
