import Foundation
import XCTest
@testable import TUI

/// The training side waits at an iteration boundary until the UI has drawn what was published, but never
/// longer than its timeout.
final class FrameSignalTests: XCTestCase {
    func testNothingPublishedMeansNoWait() throws {
        let signal = try XCTUnwrap(FrameSignal())
        let start = Date()
        XCTAssertTrue(signal.waitUntilShown(timeout: 5))
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
    }

    func testAnUndrawnFrameWaitsOnlyForTheTimeout() throws {
        let signal = try XCTUnwrap(FrameSignal())
        signal.notify()
        let start = Date()
        XCTAssertFalse(signal.waitUntilShown(timeout: 0.2))
        let waited = Date().timeIntervalSince(start)
        XCTAssertGreaterThanOrEqual(waited, 0.19)
        XCTAssertLessThan(waited, 2)
    }

    func testADrawReleasesTheWaitEarly() throws {
        let signal = try XCTUnwrap(FrameSignal())
        signal.notify()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) {
            XCTAssertTrue(signal.drain())
            signal.markShown()
        }
        let start = Date()
        XCTAssertTrue(signal.waitUntilShown(timeout: 10))
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }

    func testAFrameNotifiedAfterTheDrainIsNotMarkedShown() throws {
        let signal = try XCTUnwrap(FrameSignal())
        signal.notify()
        XCTAssertTrue(signal.drain())
        signal.notify()  // published while the UI was drawing the first one
        signal.markShown()
        XCTAssertFalse(signal.waitUntilShown(timeout: 0.05))
        XCTAssertTrue(signal.drain())
        signal.markShown()
        XCTAssertTrue(signal.waitUntilShown(timeout: 0))
    }
}
