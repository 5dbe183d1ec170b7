import XCTest
@testable import ImageIO

/// Seeded mutation fuzzing: malformed PNG/JPEG bytes must either decode to a well-formed Image
/// or throw ImageIOError — never trap, hang, or return garbage shapes.
///
/// `DIP_FUZZ_ITERATIONS` and `DIP_FUZZ_SEED` scale it up for long runs by hand, e.g.
/// `DIP_FUZZ_ITERATIONS=200000 swift test -c release --filter FuzzTests`.
final class FuzzTests: XCTestCase {
    private var iterations: Int {
        ProcessInfo.processInfo.environment["DIP_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 2_000
    }
    private var seed: UInt64 {
        ProcessInfo.processInfo.environment["DIP_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5EED_D1B0
    }

    private struct Outcome {
        var decoded = 0
        var rejected = 0
        var reasons: [String: Int] = [:]
        var slowest: (seconds: Double, index: Int, result: String, input: [UInt8]) = (0, -1, "", [])
    }

    private func check(_ data: [UInt8], _ outcome: inout Outcome, _ index: Int) {
        let start = Date()
        var result = ""
        defer {
            let seconds = Date().timeIntervalSince(start)
            if seconds > outcome.slowest.seconds { outcome.slowest = (seconds, index, result, data) }
        }
        do {
            let image = try ImageFile.decode(data, name: "fuzz")
            result = "\(image.width)x\(image.height)x\(image.channels)"
            let n = image.width * image.height
            XCTAssertTrue(image.width > 0 && image.height > 0, "case \(index)")
            XCTAssertTrue(image.channels == 1 || image.channels == 3, "case \(index)")
            XCTAssertEqual(image.pixels.count, image.channels * n, "case \(index)")
            XCTAssertTrue(image.pixels.allSatisfy { $0 >= 0 && $0 <= 1 }, "case \(index): value out of range")
            if let alpha = image.alpha {
                XCTAssertEqual(alpha.count, n, "case \(index)")
                XCTAssertTrue(alpha.allSatisfy { $0 >= 0 && $0 <= 1 }, "case \(index): alpha out of range")
            }
            XCTAssertTrue(image.sourceBitDepth == 8 || image.sourceBitDepth == 16, "case \(index)")
            outcome.decoded += 1
        } catch let error as ImageIOError {
            result = error.reason
            XCTAssertEqual(error.path, "fuzz")
            XCTAssertFalse(error.reason.isEmpty || error.reason.contains("\n"), "case \(index): \(error)")
            let key = String(error.reason.prefix(40))
            outcome.reasons[key, default: 0] += 1
            outcome.rejected += 1
        } catch {
            XCTFail("case \(index): unexpected error type \(type(of: error)): \(error)")
        }
    }

    /// Offsets of the 2-byte length fields of JPEG marker segments before the first scan.
    private func jpegLengthFields(_ d: [UInt8]) -> [Int] {
        var fields: [Int] = []
        var i = 2
        while i + 4 <= d.count, d[i] == 0xFF {
            let marker = d[i + 1]
            fields.append(i + 2)
            if marker == 0xDA { break }
            i += 2 + (Int(d[i + 2]) << 8 | Int(d[i + 3]))
        }
        return fields
    }

    private func mutate(_ input: [UInt8], isPNG: Bool, rng: inout SplitMix64) -> [UInt8] {
        var d = input
        let interesting: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF]
        // Mostly single mutations: stacked ones rarely get past the first check.
        let rounds = rng.next() % 10 < 7 ? 1 : Int(rng.next() % 3 + 2)
        for _ in 0..<rounds where !d.isEmpty {
            switch rng.next() % 9 {
            case 0:  // flip one to four bits
                for _ in 0..<Int(rng.next() % 4 + 1) {
                    d[Int(rng.next() % UInt64(d.count))] ^= UInt8(1) << (rng.next() % 8)
                }
            case 1:  // overwrite a byte with an edge value
                d[Int(rng.next() % UInt64(d.count))] = interesting[Int(rng.next() % UInt64(interesting.count))]
            case 2:  // truncate
                d.removeLast(Int(rng.next() % UInt64(d.count)))
            case 3:  // delete a range
                let start = Int(rng.next() % UInt64(d.count))
                d.removeSubrange(start..<min(d.count, start + Int(rng.next() % 64 + 1)))
            case 4:  // duplicate a range (a whole chunk or segment when lucky) somewhere else
                let start = Int(rng.next() % UInt64(d.count))
                let piece = Array(d[start..<min(d.count, start + Int(rng.next() % 128 + 1))])
                d.insert(contentsOf: piece, at: Int(rng.next() % UInt64(d.count + 1)))
            case 5:  // insert random bytes
                let bytes = (0..<Int(rng.next() % 16 + 1)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                d.insert(contentsOf: bytes, at: Int(rng.next() % UInt64(d.count + 1)))
            case 6:  // corrupt a length field
                if isPNG {
                    let chunks = PNGBytes.chunks(d)
                    if !chunks.isEmpty {
                        let chunk = chunks[Int(rng.next() % UInt64(chunks.count))]
                        let values: [UInt32] = [0, 1, UInt32(chunk.length + 1), UInt32(max(chunk.length - 1, 0)),
                                                0x7FFF_FFFF, 0xFFFF_FFFF, UInt32(truncatingIfNeeded: rng.next())]
                        PNGBytes.writeBE32(&d, chunk.offset, values[Int(rng.next() % UInt64(values.count))])
                    }
                } else {
                    let fields = jpegLengthFields(d)
                    if let field = fields.isEmpty ? nil : fields[Int(rng.next() % UInt64(fields.count))],
                       field + 1 < d.count {
                        d[field] = interesting[Int(rng.next() % UInt64(interesting.count))]
                        d[field + 1] = UInt8(truncatingIfNeeded: rng.next())
                    }
                }
            case 7:  // duplicate a whole PNG chunk / JPEG segment
                if isPNG {
                    let chunks = PNGBytes.chunks(d)
                    if !chunks.isEmpty {
                        let chunk = chunks[Int(rng.next() % UInt64(chunks.count))]
                        let piece = Array(d[chunk.offset..<(chunk.offset + 12 + chunk.length)])
                        let target = chunks[Int(rng.next() % UInt64(chunks.count))].offset
                        d.insert(contentsOf: piece, at: target)
                    }
                } else {
                    let fields = jpegLengthFields(d)
                    if let field = fields.isEmpty ? nil : fields[Int(rng.next() % UInt64(fields.count))] {
                        let end = min(d.count, field + (Int(d[field]) << 8 | Int(d[min(field + 1, d.count - 1)])))
                        if end > field - 2 { d.insert(contentsOf: d[(field - 2)..<end], at: field - 2) }
                    }
                }
            default:  // PNG: rewrite an IHDR field; JPEG: rewrite a SOF size byte
                if isPNG, d.count > 29 {
                    d[16 + Int(rng.next() % 13)] = UInt8(truncatingIfNeeded: rng.next())
                } else if let sof = (2..<max(2, d.count - 9)).first(where: {
                    d[$0] == 0xFF && (0xC0...0xC2).contains(d[$0 + 1])
                }) {
                    d[sof + 5 + Int(rng.next() % 4)] = UInt8(truncatingIfNeeded: rng.next())
                }
            }
        }
        // Half the PNG cases get valid CRCs so mutations reach zlib and the filters, not just the CRC check.
        if isPNG, rng.next() % 2 == 0 { PNGBytes.fixCRCs(&d) }
        return d
    }

    private func fuzz(_ seedFiles: [String], isPNG: Bool) throws {
        let seeds = try seedFiles.map { try Fixture.bytes($0) }
        for seedData in seeds { XCTAssertNoThrow(try ImageFile.decode(seedData, name: "seed")) }
        var rng = SplitMix64(seed: seed ^ (isPNG ? 0 : 0xA5A5))
        var outcome = Outcome()
        let start = Date()
        for i in 0..<iterations {
            let input = seeds[i % seeds.count]
            check(mutate(input, isPNG: isPNG, rng: &rng), &outcome, i)
        }
        XCTAssertEqual(outcome.decoded + outcome.rejected, iterations)
        // Both outcomes must occur, or the mutator is either too gentle or only breaks the signature.
        XCTAssertGreaterThan(outcome.decoded, 0)
        XCTAssertGreaterThan(outcome.rejected, iterations / 4)
        if iterations > 2_000 {
            let top = outcome.reasons.sorted { $0.value > $1.value }.prefix(25)
            print("\(isPNG ? "PNG" : "JPEG") fuzz: \(iterations) cases, seed \(seed), \(outcome.decoded) decoded, "
                  + "\(outcome.rejected) rejected in \(Date().timeIntervalSince(start)) s; slowest case "
                  + "#\(outcome.slowest.index) took \(outcome.slowest.seconds) s (\(outcome.slowest.result))")
            for (reason, count) in top { print("  \(count)\t\(reason)") }
            // DIP_FUZZ_DUMP=dir keeps the slowest input for a closer look.
            if let dumpDir = ProcessInfo.processInfo.environment["DIP_FUZZ_DUMP"] {
                let url = URL(fileURLWithPath: dumpDir).appendingPathComponent("slowest-\(seed)\(isPNG ? ".png" : ".jpg")")
                try Data(outcome.slowest.input).write(to: url)
            }
        }
    }

    func testMutatedPNGsNeverCrash() throws {
        try fuzz(["interlaced_rgba16.png", "palette_trns.png", "rgb8.png", "gray2.png", "graya16.png"], isPNG: true)
    }

    func testMutatedJPEGsNeverCrash() throws {
        try fuzz(["progressive.jpg", "gray.jpg", "cmyk.jpg"], isPNG: false)
    }
}
