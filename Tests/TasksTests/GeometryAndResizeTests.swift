import XCTest
@testable import Tasks

final class GeometryAndResizeTests: XCTestCase {
    func testPadThenCropGivesTheImageBackExactly() {
        let g = PadGeometry(height: 37, width: 50, multiple: 32)
        XCTAssertEqual([g.paddedHeight, g.paddedWidth], [64, 64])
        let image = (0..<(2 * 37 * 50)).map { Float($0 % 97) / 97 }
        let padded = g.pad(image, channels: 2)
        XCTAssertEqual(padded.count, 2 * 64 * 64)
        XCTAssertEqual(g.crop(padded, channels: 2), image)
    }

    func testReflectionMirrorsWithoutRepeatingTheEdge() {
        // numpy 'reflect': [a b c d] padded by 2 on the left is [c b | a b c d].
        XCTAssertEqual((-2...5).map { PadGeometry.reflect($0, 4) }, [2, 1, 0, 1, 2, 3, 2, 1])
        // Pads larger than the image keep reflecting instead of reading out of bounds.
        XCTAssertEqual((-7...0).map { PadGeometry.reflect($0, 3) }, [1, 2, 1, 0, 1, 2, 1, 0])
        XCTAssertEqual(PadGeometry.reflect(5, 1), 0)
    }

    func testScaledGeometryKeepsTheImageAligned() {
        let lr = PadGeometry(height: 97, width: 146, multiple: 8)
        let hr = lr.scaled(by: 4)
        XCTAssertEqual([hr.height, hr.width, hr.paddedHeight % 32, hr.paddedWidth % 32], [388, 584, 0, 0])
        XCTAssertEqual([hr.top, hr.left], [lr.top * 4, lr.left * 4])
    }

    func testLanczosDownscaleMatchesPillow() {
        let src = PillowVectors.source.map { Float($0) / 255 }
        let out = LanczosResize.resize(src, channels: 3, height: 12, width: 16, toHeight: 3, toWidth: 4, quantize8: true)
        let levels = out.map { Int(($0 * 255).rounded()) }
        let expected = PillowVectors.lanczosQuarter.map(Int.init)
        // Pillow rounds in 22-bit fixed point, dip in Double: allow one level, rarely.
        let diffs = zip(levels, expected).map { abs($0 - $1) }
        XCTAssertLessThanOrEqual(diffs.max()!, 1)
        XCTAssertLessThanOrEqual(diffs.filter { $0 > 0 }.count, 3, "levels \(levels) vs Pillow \(expected)")
    }

    func testSHA256KnownVectors() {
        XCTAssertEqual(FileHash.sha256(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(FileHash.sha256([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        XCTAssertEqual(FileHash.sha256(long), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testYPSNRProtocolDropsTheBorderAndUsesStudioLuma() {
        let h = 20, w = 20
        let truth = [Float](repeating: 0.5, count: 3 * h * w)
        var image = truth
        // A change only inside the dropped border does not count…
        for c in 0..<3 { image[c * h * w + 0] = 1; image[c * h * w + (h - 1) * w + (w - 1)] = 0 }
        XCTAssertEqual(Evaluation.ySuperResolution.psnr(image, truth, channels: 3, height: h, width: w), .infinity)
        // …and a uniform shift of 0.1 in RGB is 0.1·219/255 in studio-range Y.
        let shifted = truth.map { $0 + 0.1 }
        let expected = -10 * log10(pow(0.1 * 219 / 255, 2))
        XCTAssertEqual(Evaluation.ySuperResolution.psnr(shifted, truth, channels: 3, height: h, width: w), expected, accuracy: 1e-4)
    }
}
