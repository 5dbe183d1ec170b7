/// A one-line error naming the file and what is wrong with it.
public struct ImageIOError: Error, CustomStringConvertible, Equatable {
    /// The file (or the name given to `decode`) the error is about.
    public let path: String
    /// What went wrong, without the path.
    public let reason: String

    /// Creates an error for `path`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// `path: reason`, on one line.
    public var description: String { "\(path): \(reason)" }
}
