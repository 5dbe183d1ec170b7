import Foundation
import XCTest
@testable import TUI

/// Not a check: with DIP_TUI_DEMO=1 this runs the real UI on the test process's terminal against `FakeRun`, for
/// looking at it by hand (e.g. inside tmux:
/// `DIP_TUI_DEMO=1 .build-tui/debug/dipPackageTests.xctest TUITests.DemoTests`). Skipped otherwise.
final class DemoTests: XCTestCase {
    func testInteractiveDemo() throws {
        let env = ProcessInfo.processInfo.environment
        guard env["DIP_TUI_DEMO"] == "1" else { throw XCTSkip("set DIP_TUI_DEMO=1 to run the interactive demo") }
        let run = FakeRun(total: Int(env["DIP_TUI_DEMO_TOTAL"] ?? "") ?? 3000, imageSize: (96, 64))
        run.startTicking(step: 10, interval: 0.05)
        var options = LiveViewOptions(
            color: ColorChoice(argument: env["DIP_TUI_DEMO_COLOR"] ?? "auto") ?? .auto,
            themeSearchPath: [ThemeTests.shippedDir] + ThemeLibrary.defaultSearchPath())
        options.chartGlyphs = env["DIP_TUI_DEMO_GLYPHS"].flatMap(ChartGlyphs.init(rawValue:)) ?? .braille
        let outcome = try LiveView.run(control: run, options: options)
        run.stopTicking()
        print("demo outcome: \(outcome)")
        for m in outcome.messages { print(m) }
    }
}
