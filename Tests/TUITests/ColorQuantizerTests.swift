import XCTest
@testable import TUI

final class ColorQuantizerTests: XCTestCase {
    func testKnownXterm256Indices() {
        let cases: [(RGB, UInt8)] = [
            (RGB(255, 0, 0), 196), (RGB(0, 255, 0), 46), (RGB(0, 0, 255), 21), (RGB(0, 0, 0), 16),
            (RGB(255, 255, 255), 231), (RGB(95, 135, 175), 67), (RGB(250, 5, 3), 196), (RGB(100, 140, 170), 67),
            (RGB(128, 128, 128), 244), (RGB(118, 118, 118), 243), (RGB(8, 8, 8), 232), (RGB(238, 238, 238), 255),
        ]
        for (rgb, want) in cases {
            XCTAssertEqual(ColorQuantizer.xterm256(rgb), want, "\(rgb)")
        }
    }

    func testGrayRampChosenForGrays() {
        // Every gray maps to a gray (ramp or cube) within half the largest gap; most land on the 24-step ramp.
        var onRamp = 0
        for v in 0...255 {
            let i = ColorQuantizer.xterm256(RGB(UInt8(v), UInt8(v), UInt8(v)))
            let c = ColorQuantizer.rgb(xterm: i)
            XCTAssertTrue(c.r == c.g && c.g == c.b, "gray \(v) → \(i) = \(c)")
            XCTAssertLessThanOrEqual(abs(Int(c.r) - v), 8, "gray \(v) → \(c)")
            if i >= 232 { onRamp += 1 }
        }
        XCTAssertGreaterThan(onRamp, 200)
        // A slightly tinted gray still prefers the ramp: (100,102,99) → ramp value 98.
        XCTAssertEqual(ColorQuantizer.xterm256(RGB(100, 102, 99)), 241)
        // An exact cube gray stays on the cube.
        let cubeGray: UInt8 = 16 + 36 * 2 + 6 * 2 + 2
        XCTAssertEqual(ColorQuantizer.xterm256(RGB(135, 135, 135)), cubeGray)
    }

    func testPaletteRoundTrip() {
        for i in 16...255 {
            let rgb = ColorQuantizer.rgb(xterm: UInt8(i))
            XCTAssertEqual(ColorQuantizer.xterm256(rgb), UInt8(i), "index \(i) = \(rgb)")
        }
        XCTAssertEqual(ColorQuantizer.rgb(xterm: 232), RGB(8, 8, 8))
        XCTAssertEqual(ColorQuantizer.rgb(xterm: 67), RGB(95, 135, 175))
    }

    private func meanRGB(_ indices: [UInt8]) -> (Double, Double, Double) {
        var r = 0.0, g = 0.0, b = 0.0
        for i in indices {
            let c = ColorQuantizer.rgb(xterm: i)
            r += Double(c.r); g += Double(c.g); b += Double(c.b)
        }
        let n = Double(indices.count)
        return (r / n, g / n, b / n)
    }

    func testDitheringChangesFlatColourButKeepsAverage() {
        let c = RGB(100, 150, 200)
        var plain: [UInt8] = [], dithered: [UInt8] = []
        for y in 0..<8 {
            for x in 0..<8 {
                plain.append(ColorQuantizer.xterm256(c))
                dithered.append(ColorQuantizer.xterm256(c, ditherX: x, y: y))
            }
        }
        XCTAssertEqual(Set(plain).count, 1)
        XCTAssertGreaterThan(Set(dithered).count, 1, "dithering must mix neighbouring palette entries")
        let m = meanRGB(dithered)
        XCTAssertEqual(m.0, 100, accuracy: 1.5)
        XCTAssertEqual(m.1, 150, accuracy: 1.5)
        XCTAssertEqual(m.2, 200, accuracy: 1.5)
        let p = meanRGB(plain)
        let plainError = abs(p.0 - 100) + abs(p.1 - 150) + abs(p.2 - 200)
        let ditherError = abs(m.0 - 100) + abs(m.1 - 150) + abs(m.2 - 200)
        XCTAssertLessThan(ditherError, plainError / 4)
    }

    func testDitheringGraysUsesTheRamp() {
        let c = RGB(123, 123, 123)
        var d: [UInt8] = []
        for y in 0..<4 { for x in 0..<4 { d.append(ColorQuantizer.xterm256(c, ditherX: x, y: y)) } }
        XCTAssertTrue(d.allSatisfy { $0 >= 232 }, "\(d)")
        XCTAssertGreaterThan(Set(d).count, 1)
        XCTAssertEqual(meanRGB(d).0, 123, accuracy: 1)
    }

    func testAnsi16Nearest() {
        let cases: [(RGB, UInt8)] = [
            (RGB(0, 0, 0), 0), (RGB(205, 0, 0), 1), (RGB(255, 0, 0), 9), (RGB(250, 250, 250), 15),
            (RGB(120, 120, 120), 8), (RGB(0, 200, 210), 6), (RGB(90, 90, 250), 12),
        ]
        for (rgb, want) in cases { XCTAssertEqual(ColorQuantizer.ansi16(rgb), want, "\(rgb)") }
        for (i, c) in ColorQuantizer.ansi16Palette.enumerated() {
            XCTAssertEqual(ColorQuantizer.ansi16(c), UInt8(i))
        }
    }

    func testAnsi16DitherMixesColours() {
        var d = Set<UInt8>()
        for y in 0..<4 { for x in 0..<4 { d.insert(ColorQuantizer.ansi16(RGB(160, 80, 0), ditherX: x, y: y)) } }
        XCTAssertGreaterThan(d.count, 1)
    }

    func testHexParsing() {
        XCTAssertEqual(RGB(hex: "#FFa500"), RGB(255, 165, 0))
        XCTAssertEqual(RGB(255, 165, 0).hex, "#ffa500")
        XCTAssertNil(RGB(hex: "ffa500"))
        XCTAssertNil(RGB(hex: "#ffa50"))
        XCTAssertNil(RGB(hex: "#ffa50g"))
    }
}
