import XCTest
@testable import ImageIO

/// The project's development images, when the shared data folder is present.
final class DevImageTests: XCTestCase {
    private let root = "/work/shared/data/dip"

    func testDevImagesLoadWithExpectedShapes() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: root), "shared data not available")
        let expected: [(String, Int, Int, Int)] = [
            ("denoising/F16_GT.png", 512, 512, 3),
            ("denoising/snail.jpg", 400, 261, 3),
            ("restoration/barbara.png", 512, 512, 1),
            ("inpainting/vase_mask.png", 320, 320, 1),
        ]
        for (name, width, height, channels) in expected {
            let image = try ImageFile.load(root + "/" + name)
            XCTAssertEqual(image.width, width, name)
            XCTAssertEqual(image.height, height, name)
            XCTAssertEqual(image.channels, channels, name)
            XCTAssertEqual(image.pixels.count, width * height * channels, name)
            // Not blank: even the binary mask has two levels.
            XCTAssertGreaterThanOrEqual(Set(image.pixels).count, 2, name)
        }
    }
}
