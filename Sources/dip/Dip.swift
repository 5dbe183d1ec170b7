import ArgumentParser
import Engine

@main
struct Dip: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "dip",
        abstract: "Restore images with Deep Image Prior, live in the terminal.",
        discussion: """
            dip fits a randomly initialised conv net to ONE degraded image. Natural structure is fitted \
            before noise, so stopping at the right moment gives a clean image. No training data is used.
            """,
        version: version,
        subcommands: [BenchCommand.self]
    )
}
