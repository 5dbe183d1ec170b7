import Foundation
import XCTest

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Fails unless `text` is well-formed XML. (On Linux, XMLParser.parse() answers true even for
/// broken input; only parserError tells.)
func XCTAssertWellFormedXML(_ text: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    let parser = XMLParser(data: Data(text.utf8))
    let parsed = parser.parse()
    XCTAssertTrue(parsed && parser.parserError == nil, "\(what) is not well-formed XML: \(String(describing: parser.parserError))",
                  file: file, line: line)
}

/// Runs the built `dip` binary (it sits next to the test bundle; `make test` builds it first).
enum DipBinary {
    static var path: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0])
        return bundle.deletingLastPathComponent().appendingPathComponent("dip").path
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs dip to completion with stdin closed (so it never opens the TUI).
    static func run(_ arguments: [String], directory: String? = nil, timeout: TimeInterval = 300) throws -> Output {
        let process = try start(arguments, directory: directory)
        let out = process.standardOutput as! Pipe
        let err = process.standardError as! Pipe
        /// Filled by one reader thread; read only after the group is done with it.
        final class Drained: @unchecked Sendable { var data = Data() }
        let stdoutData = Drained(), stderrData = Drained()
        let group = DispatchGroup()
        for (pipe, sink) in [(out, stdoutData), (err, stderrData)] {
            group.enter()
            DispatchQueue.global().async {
                sink.data = pipe.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
        }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            throw NSError(domain: "dip", code: 1, userInfo: [NSLocalizedDescriptionKey: "dip \(arguments) timed out"])
        }
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, stdout: String(decoding: stdoutData.data, as: UTF8.self),
            stderr: String(decoding: stderrData.data, as: UTF8.self))
    }

    static func start(_ arguments: [String], directory: String? = nil) throws -> Process {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw NSError(
                domain: "dip", code: 1,
                userInfo: [NSLocalizedDescriptionKey: "\(path) is missing: build the dip product before the tests (make test does)"])
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        return process
    }
}

/// Writes small PNG files byte by byte, so tests can make broken ones.
enum RawPNG {
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        let length = UInt32(data.count)
        let crc = crc32(typeBytes + data)
        return be(length) + typeBytes + data + be(crc)
    }

    static func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }

    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// A PNG header declaring width×height 8-bit gray, with no image data after it.
    static func header(width: UInt32, height: UInt32) -> [UInt8] {
        signature + chunk("IHDR", be(width) + be(height) + [8, 0, 0, 0, 0])
    }
}
