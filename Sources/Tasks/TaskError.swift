/// Errors a run reports to the user: one line each, mapped to exit codes by the CLI.
public enum TaskError: Error, CustomStringConvertible, Equatable {
    /// Bad input: a file, option or combination the user can fix (exit code 2).
    case badInput(String)
    /// A run directory or checkpoint that cannot be used (exit code 2).
    case corrupt(String)
    /// Something failed while running (exit code 1).
    case runtime(String)

    public var description: String {
        switch self {
        case .badInput(let m), .corrupt(let m), .runtime(let m): return m
        }
    }

    public var exitCode: Int32 {
        switch self {
        case .badInput, .corrupt: return 2
        case .runtime: return 1
        }
    }
}
