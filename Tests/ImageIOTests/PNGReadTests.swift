import XCTest
@testable import ImageIO

/// Reads fixtures written by pypng and Pillow (see Fixtures/make_fixtures.py) and checks every sample.
final class PNGReadTests: XCTestCase {
    private func load(_ name: String) throws -> Image { try ImageFile.load(Fixture.path(name)) }

    private func sample(_ image: Image, _ c: Int, _ x: Int, _ y: Int) -> Float {
        image.pixels[c * image.width * image.height + y * image.width + x]
    }

    private func checkPattern(_ image: Image, width: Int, height: Int, channels: Int, depth: Int,
                              alpha: Bool, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(image.width, width, file: file, line: line)
        XCTAssertEqual(image.height, height, file: file, line: line)
        XCTAssertEqual(image.channels, channels, file: file, line: line)
        XCTAssertEqual(image.sourceBitDepth, depth, file: file, line: line)
        XCTAssertEqual(image.pixels.count, channels * width * height, file: file, line: line)
        XCTAssertEqual(image.alpha != nil, alpha, file: file, line: line)
        let maxValue: Float = depth == 16 ? 65535 : 255
        var mismatches = 0
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels {
                    let want = depth == 16 ? Pattern.v16(x, y, c) : Pattern.v8(x, y, c)
                    if sample(image, c, x, y) != Float(want) / maxValue { mismatches += 1 }
                }
                if let a = image.alpha {
                    let want = depth == 16 ? Pattern.a16(x, y) : Pattern.a8(x, y)
                    if a[y * width + x] != Float(want) / maxValue { mismatches += 1 }
                }
            }
        }
        XCTAssertEqual(mismatches, 0, "samples differ from the fixture pattern", file: file, line: line)
    }

    func testGray8And16() throws {
        checkPattern(try load("gray8.png"), width: 7, height: 5, channels: 1, depth: 8, alpha: false)
        checkPattern(try load("gray16.png"), width: 7, height: 5, channels: 1, depth: 16, alpha: false)
    }

    func testGrayAlpha() throws {
        checkPattern(try load("graya8.png"), width: 7, height: 5, channels: 1, depth: 8, alpha: true)
        checkPattern(try load("graya16.png"), width: 7, height: 5, channels: 1, depth: 16, alpha: true)
    }

    func testRGBAndRGBA() throws {
        checkPattern(try load("rgb8.png"), width: 7, height: 5, channels: 3, depth: 8, alpha: false)
        checkPattern(try load("rgb16.png"), width: 7, height: 5, channels: 3, depth: 16, alpha: false)
        checkPattern(try load("rgba8.png"), width: 7, height: 5, channels: 3, depth: 8, alpha: true)
        checkPattern(try load("rgba16.png"), width: 7, height: 5, channels: 3, depth: 16, alpha: true)
    }

    func testLowBitDepthGrayScalesToFullRange() throws {
        for depth in [1, 2, 4] {
            let image = try load("gray\(depth).png")
            XCTAssertEqual(image.channels, 1)
            XCTAssertEqual(image.sourceBitDepth, 8)
            XCTAssertNil(image.alpha)
            let maxValue = Float((1 << depth) - 1)
            for y in 0..<5 {
                for x in 0..<7 {
                    XCTAssertEqual(sample(image, 0, x, y), Float(Pattern.bits(x, y, depth)) / maxValue,
                                   accuracy: 1e-6, "gray\(depth) at \(x),\(y)")
                }
            }
        }
    }

    func testPaletteExpandsToRGB() throws {
        let palette: [[Float]] = [[255, 0, 0], [0, 200, 0], [10, 20, 250], [128, 128, 128]]
        let plain = try load("palette.png")
        XCTAssertEqual(plain.channels, 3)
        XCTAssertNil(plain.alpha)
        let transparent = try load("palette_trns.png")
        let alphaTable: [Float] = [0, 128, 255, 64]
        for image in [plain, transparent] {
            for y in 0..<5 {
                for x in 0..<7 {
                    let index = (x + 2 * y) % 4
                    for c in 0..<3 { XCTAssertEqual(sample(image, c, x, y), palette[index][c] / 255) }
                }
            }
        }
        let alpha = try XCTUnwrap(transparent.alpha)
        for y in 0..<5 {
            for x in 0..<7 { XCTAssertEqual(alpha[y * 7 + x], alphaTable[(x + 2 * y) % 4] / 255) }
        }
    }

    func testTRNSBecomesAlpha() throws {
        let gray = try load("gray8_trns.png")
        let grayAlpha = try XCTUnwrap(gray.alpha)
        let rgb = try load("rgb16_trns.png")
        let rgbAlpha = try XCTUnwrap(rgb.alpha)
        XCTAssertEqual(rgb.sourceBitDepth, 16)
        checkPattern(Image(width: 7, height: 5, channels: 3, pixels: rgb.pixels, sourceBitDepth: 16),
                     width: 7, height: 5, channels: 3, depth: 16, alpha: false)
        for y in 0..<5 {
            for x in 0..<7 {
                let grayKey = Pattern.v8(x, y, 0) == Pattern.v8(2, 1, 0)
                XCTAssertEqual(grayAlpha[y * 7 + x], grayKey ? 0 : 1)
                let rgbKey = (0..<3).allSatisfy { Pattern.v16(x, y, $0) == Pattern.v16(3, 2, $0) }
                XCTAssertEqual(rgbAlpha[y * 7 + x], rgbKey ? 0 : 1)
            }
        }
        XCTAssertTrue(grayAlpha.contains(0) && grayAlpha.contains(1))
        XCTAssertTrue(rgbAlpha.contains(0) && rgbAlpha.contains(1))
    }

    func testInterlacedFiles() throws {
        checkPattern(try load("interlaced_rgb8.png"), width: 9, height: 7, channels: 3, depth: 8, alpha: false)
        checkPattern(try load("interlaced_rgba16.png"), width: 9, height: 7, channels: 3, depth: 16, alpha: true)
        let bits = try load("interlaced_gray1.png")
        XCTAssertEqual(bits.pixels, (0..<63).map { Float(Pattern.bits($0 % 9, $0 / 9, 1)) })
    }

    func testReencodingAFixtureIsLossless() throws {
        for name in ["rgba16.png", "graya8.png", "palette_trns.png", "interlaced_rgb8.png"] {
            let image = try load(name)
            let back = try ImageFile.decode(try ImageFile.encodePNG(image, bitDepth: image.sourceBitDepth),
                                            name: name)
            XCTAssertEqual(back, image, name)
        }
    }
}
