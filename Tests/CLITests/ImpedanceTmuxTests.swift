import Foundation
import ImageIO
import XCTest

/// `dip impedance` on a real terminal (tmux): the four curves drawn live, then q q and Ctrl-C,
/// each leaving the terminal usable and the curves written.
final class ImpedanceTmuxTests: TmuxTestCase {
    private func rows(_ csv: String) throws -> [[Substring]] {
        try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    }

    func testLiveCurvesStopWithQQAndWithCtrlC() throws {
        let image = "\(dir!)/photo.png"
        let pixels = (0..<(3 * 32 * 32)).map { i -> Float in 0.5 + 0.3 * sinf(Float(i % 32) / 5) }
        try ImageFile.savePNG(Image(width: 32, height: 32, channels: 3, pixels: pixels), to: image)
        terminal = try TmuxTerminal(scratch: dir, width: 110, height: 36)
        func start(_ out: String) throws {
            let command = "\(DipBinary.path) impedance \(image) --out \(out) --iterations 1000000 --order interleaved "
                + "--channels 8 --depth 2 --input-depth 4 --threads 1 --color 256; echo DIP-EXIT-$?"
            try terminal.send("clear", "Enter")
            try terminal.send(command, "Enter")
            try waitFor("the live chart with its legend and braille curves") {
                let text = try screen()
                return ["natural image", "image + noise", "shuffled pixels", "U(0,1) noise", "MSE (log)"].allSatisfy(text.contains)
                    && text.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) }
            }
            var first = 0
            try waitFor("iterations to run") { (first = try shownIteration() ?? 0, first > 20).1 }
            try waitFor("the count to rise") { (try shownIteration() ?? 0) > first + 10 }
        }

        // q q: stops, writes the curves so far, prints the table, exits 0.
        let a = "\(dir!)/a"
        try start(a)
        try terminal.send("q")
        try waitFor("the confirmation prompt") { try screen().contains("press q again") }
        try terminal.send("q")
        try waitFor("dip to exit") { try screen().range(of: #"DIP-EXIT-\d"#, options: .regularExpression) != nil }
        var final = try screen()
        XCTAssertTrue(final.contains("DIP-EXIT-0"), final)
        XCTAssertTrue(final.contains("stopped early"), final)
        XCTAssertTrue(final.contains("First iteration with MSE"), "the table is printed after the terminal is restored")
        let stopped = try rows("\(a)/curves.csv")
        XCTAssertGreaterThan(stopped.count, 20)
        // Interleaved: the four curves stop within one iteration of each other.
        XCTAssertTrue(stopped.dropLast().allSatisfy { $0.allSatisfy { !$0.isEmpty } }, "complete rows but the last")
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(a)/impedance.svg"))

        // Ctrl-C: the same, with exit code 130.
        let b = "\(dir!)/b"
        try start(b)
        try terminal.send("C-c")
        try waitFor("dip to exit") { try screen().range(of: #"DIP-EXIT-\d"#, options: .regularExpression) != nil }
        final = try screen()
        XCTAssertTrue(final.contains("DIP-EXIT-130"), final)
        XCTAssertGreaterThan(try rows("\(b)/curves.csv").count, 20)
        // The shell is usable again.
        try terminal.send("echo prompt-$((40+2))", "Enter")
        try waitFor("a working prompt") { try screen().contains("prompt-42") }
    }
}
