import ArgumentParser
import Engine
import Foundation
import Tasks

struct Dip: ParsableCommand {
    static let version = RunFactory.dipVersion

    static let configuration = CommandConfiguration(
        commandName: "dip",
        abstract: "Restore images with Deep Image Prior, live in the terminal.",
        discussion: """
            dip fits a randomly initialised conv net to ONE degraded image. Natural structure is fitted \
            before noise, so stopping at the right moment gives a clean image. No training data is used.

            Exit codes: 0 ok, 1 runtime error, 2 bad usage or bad input, 130 interrupted (after saving).
            """,
        version: version,
        subcommands: [
            DenoiseCommand.self, JPEGCommand.self, SuperResolutionCommand.self, InpaintCommand.self,
            RestoreCommand.self, FlashCommand.self, DegradeCommand.self, ResumeCommand.self, ViewCommand.self,
            BenchCommand.self, ArchCommand.self, ImpedanceCommand.self, CompareCommand.self, NASCommand.self,
            BatchCommand.self, BatchItemCommand.self, WorkItemCommand.self,
        ]
    )
}

/// The one place errors become messages and exit codes: bad usage and bad input exit 2 with a
/// single line, failures at run time exit 1, and nothing prints a stack trace.
@main
enum Main {
    static func main() {
        do {
            var command = try Dip.parseAsRoot()
            try command.run()
        } catch let error as TaskError {
            fail(error.description, code: error.exitCode)
        } catch let error as ExitCode {
            exit(error.rawValue)
        } catch let error as EngineError {
            fail(error.message, code: 1)
        } catch {
            let code = Dip.exitCode(for: error)
            if code == .success {
                Dip.exit(withError: error)  // --help and --version
            }
            // Parse and validation errors: ArgumentParser's own one-line message, exit code 2.
            let message = Dip.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            fail(message, code: code == .failure ? 1 : 2)
        }
    }

    static func fail(_ message: String, code: Int32) -> Never {
        let text = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
        FileHandle.standardError.write(Data("dip: error: \(text)\n".utf8))
        exit(code)
    }
}
