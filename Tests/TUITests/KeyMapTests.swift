import CNcurses
import XCTest
@testable import TUI

final class KeyMapTests: XCTestCase {
    let map = KeyMap.standard

    func testKeysMapToActions() {
        let table: [(Key, Action)] = [
            (.char(" "), .togglePause), (.char("s"), .save), (.char("q"), .stop), (.enter, .accept),
            (.left, .scrubOlder), (.right, .scrubNewer), (.home, .scrubFirst), (.end, .scrubLive),
            (.char("b"), .jumpToBest), (.tab, .focusNext), (.backTab, .focusPrevious), (.char("z"), .toggleZoom),
            (.char("h"), .pan(dx: -1, dy: 0)), (.char("j"), .pan(dx: 0, dy: 1)), (.char("k"), .pan(dx: 0, dy: -1)),
            (.char("l"), .pan(dx: 1, dy: 0)), (.char("t"), .cycleTheme), (.char("c"), .cycleColorMode),
            (.char("?"), .toggleHelp), (.function(1), .toggleHelp), (.escape, .closeOverlay),
        ]
        for (key, action) in table {
            XCTAssertEqual(map.action(for: key), action, "\(key)")
        }
        XCTAssertNil(map.action(for: .char("x")))
        XCTAssertNil(map.action(for: .char("Q")))
        XCTAssertNil(map.action(for: .pageDown))
    }

    func testNoKeyBoundTwice() {
        var seen = Set<Key>()
        for b in map.bindings {
            for k in b.keys {
                XCTAssertFalse(seen.contains(k), "\(k) bound twice")
                seen.insert(k)
            }
        }
    }

    func testFooterListsTheMainKeys() {
        let keys = map.footerItems.map(\.key)
        XCTAssertEqual(Array(keys.prefix(5)), ["space", "s", "q", "Enter", "←→"])
        XCTAssertTrue(keys.contains("?"))
    }

    func testNcursesCodesDecode() {
        XCTAssertEqual(Key(ncurses: KEY_LEFT), .left)
        XCTAssertEqual(Key(ncurses: KEY_RIGHT), .right)
        XCTAssertEqual(Key(ncurses: KEY_HOME), .home)
        XCTAssertEqual(Key(ncurses: KEY_END), .end)
        XCTAssertEqual(Key(ncurses: KEY_BTAB), .backTab)
        XCTAssertEqual(Key(ncurses: KEY_RESIZE), .resize)
        XCTAssertEqual(Key(ncurses: 10), .enter)
        XCTAssertEqual(Key(ncurses: 13), .enter)
        XCTAssertEqual(Key(ncurses: 9), .tab)
        XCTAssertEqual(Key(ncurses: 32), .char(" "))
        XCTAssertEqual(Key(ncurses: 113), .char("q"))
        XCTAssertEqual(Key(ncurses: KEY_F0 + 1), .function(1))
        XCTAssertNil(Key(ncurses: 1))
    }
}
