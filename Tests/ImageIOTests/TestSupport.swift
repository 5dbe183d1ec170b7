import Foundation
import XCTest
@testable import ImageIO

/// Locates and reads the committed fixture files.
enum Fixture {
    static var directory: String {
        guard let path = Bundle.module.path(forResource: "Fixtures", ofType: nil) else {
            fatalError("Fixtures resource missing from the test bundle")  // test setup bug, not input
        }
        return path
    }

    static func path(_ name: String) -> String { directory + "/" + name }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }
}

/// The sample formulas from Fixtures/make_fixtures.py.
enum Pattern {
    static func v8(_ x: Int, _ y: Int, _ c: Int) -> Int { (x * 37 + y * 71 + c * 113 + 5) % 256 }
    static func v16(_ x: Int, _ y: Int, _ c: Int) -> Int { (x * 4099 + y * 7919 + c * 30011 + 1) % 65536 }
    static func a8(_ x: Int, _ y: Int) -> Int { (x * 53 + y * 29 + 7) % 256 }
    static func a16(_ x: Int, _ y: Int) -> Int { (x * 5303 + y * 2903 + 7) % 65536 }
    static func bits(_ x: Int, _ y: Int, _ depth: Int) -> Int { (x * 3 + y * 5) % (1 << depth) }
}

/// A fresh directory under the system temp dir, removed by the caller.
func makeTempDirectory() throws -> String {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("imageio-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

func directoryListing(_ path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
}

/// Deterministic generator so every run of a "random" test sees the same inputs.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A smooth, colourful test image with some texture; values exactly representable at `maxValue`.
func syntheticImage(width: Int, height: Int, channels: Int, alpha: Bool = false,
                    maxValue: Float = 255, seed: UInt64 = 1) -> Image {
    var rng = SplitMix64(seed: seed)
    var pixels = [Float](repeating: 0, count: channels * width * height)
    for c in 0..<channels {
        for y in 0..<height {
            for x in 0..<width {
                let wave: Float = sin(Float(x) * 0.11 + Float(c)) * cos(Float(y) * 0.07)
                let smooth: Float = 0.5 + 0.35 * wave
                let noise = Float(Int(rng.next() % 21) - 10) / 255
                let v = min(max(smooth + noise, 0), 1)
                pixels[c * width * height + y * width + x] = (v * maxValue).rounded() / maxValue
            }
        }
    }
    var alphaPlane: [Float]?
    if alpha {
        let levels = UInt64(maxValue) + 1
        alphaPlane = (0..<(width * height)).map { _ -> Float in Float(rng.next() % levels) / maxValue }
    }
    return Image(width: width, height: height, channels: channels, pixels: pixels, alpha: alphaPlane,
                 sourceBitDepth: maxValue > 255 ? 16 : 8)
}

func psnr(_ a: Image, _ b: Image) -> Double {
    precondition(a.pixels.count == b.pixels.count)
    var sum = 0.0
    for i in 0..<a.pixels.count {
        let d = Double(a.pixels[i]) - Double(b.pixels[i])
        sum += d * d
    }
    let mse = sum / Double(a.pixels.count)
    return mse == 0 ? .infinity : 10 * log10(1 / mse)
}

/// Asserts that `body` throws an ImageIOError naming `path` whose reason contains `reason`.
func assertImageIOError(_ path: String, contains reason: String, file: StaticString = #filePath,
                        line: UInt = #line, _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("expected an ImageIOError containing '\(reason)'", file: file, line: line)
    } catch let error as ImageIOError {
        let text = error.description
        XCTAssertTrue(text.hasPrefix(path + ": "), "'\(text)' does not start with the path", file: file, line: line)
        XCTAssertTrue(text.localizedCaseInsensitiveContains(reason),
                      "'\(text)' does not mention '\(reason)'", file: file, line: line)
        XCTAssertFalse(text.contains("\n"), "error is not one line: \(text)", file: file, line: line)
    } catch {
        XCTFail("expected ImageIOError, got \(type(of: error)): \(error)", file: file, line: line)
    }
}

/// PNG chunk surgery for crafting malformed files.
enum PNGBytes {
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }

    static func readBE32(_ d: [UInt8], _ i: Int) -> UInt32 {
        UInt32(d[i]) << 24 | UInt32(d[i + 1]) << 16 | UInt32(d[i + 2]) << 8 | UInt32(d[i + 3])
    }

    static func writeBE32(_ d: inout [UInt8], _ i: Int, _ v: UInt32) {
        d[i] = UInt8(v >> 24); d[i + 1] = UInt8((v >> 16) & 0xFF)
        d[i + 2] = UInt8((v >> 8) & 0xFF); d[i + 3] = UInt8(v & 0xFF)
    }

    /// (offset of length field, type, data length) for each well-formed chunk.
    static func chunks(_ d: [UInt8]) -> [(offset: Int, type: String, length: Int)] {
        var result: [(Int, String, Int)] = []
        var i = 8
        while i + 12 <= d.count {
            let length = Int(readBE32(d, i))
            guard length <= d.count - i - 12 else { break }
            result.append((i, String(decoding: d[(i + 4)..<(i + 8)], as: UTF8.self), length))
            i += 12 + length
        }
        return result
    }

    /// Recomputes every chunk CRC, so a mutation is judged on content rather than checksum.
    static func fixCRCs(_ d: inout [UInt8]) {
        for chunk in chunks(d) {
            let end = chunk.offset + 8 + chunk.length
            writeBE32(&d, end, crc32(d[(chunk.offset + 4)..<end]))
        }
    }

    /// Rewrites IHDR width and height (with a valid CRC).
    static func withSize(_ d: [UInt8], width: UInt32, height: UInt32) -> [UInt8] {
        var out = d
        writeBE32(&out, 16, width)
        writeBE32(&out, 20, height)
        fixCRCs(&out)
        return out
    }
}
