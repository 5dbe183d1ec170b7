import Engine
import Foundation
import XCTest

/// A test that trains real (tiny) nets: a scratch folder, and one oneDNN thread. On one thread
/// these nets are as fast, and immune to the stalls that OpenMP barriers suffer when another
/// process competes for the two cores.
class RunTestCase: XCTestCase {
    var dir: String!
    private var savedThreads = 0

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "dip-tasks-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        savedThreads = Threads.count
        Threads.set(1)
    }

    override func tearDownWithError() throws {
        Threads.set(savedThreads)
        try? FileManager.default.removeItem(atPath: dir)
    }
}
