import Foundation

/// Runs a closure on a new thread (with an 8 MiB stack, like the main thread's) and hands its result, or the
/// error it threw, to `join()`.
final class JoinableThread<Value>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    // Written once by the thread before `done` is signalled; read after the wait.
    private var result: Result<Value, Error>?

    init(name: String, _ body: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [self] in
            result = Result { try body() }
            done.signal()
        }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }

    func join() throws -> Value {
        done.wait()
        return try result!.get()
    }
}
