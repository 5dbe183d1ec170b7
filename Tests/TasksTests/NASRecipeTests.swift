import Engine
import Foundation
import XCTest
@testable import Tasks

/// `--arch nas-*` and `--genotype` in the task commands use the NAS-DIP scripts' recipes
/// (nasdip-spec §5.2) unless the user overrides them; candidates decode and validate. Other
/// architectures keep the task's recipe except where their authors train differently.
final class NASRecipeTests: XCTestCase {
    private func recipe(_ task: TaskKind, _ configure: (inout RunOptions) -> Void) throws -> TaskRecipe {
        var o = RunOptions()
        configure(&o)
        return try o.recipe(for: task, channels: 3)
    }

    func testPresetsUseTheTaskScriptsRecipe() throws {
        let denoise = try recipe(.denoise) { $0.arch = .nasDenoise }
        XCTAssertEqual(denoise.iterations, 3000)
        XCTAssertEqual(denoise.learningRate, 0.01)
        XCTAssertEqual(denoise.regularisationNoise, 1.0 / 30, accuracy: 1e-9)
        XCTAssertTrue(denoise.preferEMA)
        XCTAssertEqual(denoise.backtrackDrop, 5)
        XCTAssertEqual(denoise.inputDepth, 32)

        let sr = try recipe(.sr) { $0.arch = .nasSR }
        XCTAssertEqual(sr.iterations, 2000)
        XCTAssertEqual(sr.regularisationNoise, 0.03)
        XCTAssertFalse(sr.preferEMA, "super-resolution.py keeps no EMA")
        XCTAssertNil(sr.backtrackDrop)

        let inpaint = try recipe(.inpaint) { $0.arch = .nasInpaint }
        XCTAssertEqual(inpaint.iterations, 11000)
        XCTAssertEqual(inpaint.learningRate, 0.001)
        XCTAssertFalse(inpaint.preferEMA)
        XCTAssertEqual(try recipe(.restore) { $0.arch = .nasInpaint }.iterations, 11000)

        // Keyed by the task, as the scripts train every cell with their own settings.
        XCTAssertEqual(try recipe(.sr) { $0.arch = .nasDenoise }.iterations, 2000)
        // DIP's own recipe for the skip net is untouched…
        XCTAssertEqual(try recipe(.sr) { _ in }.iterations, 2000)
        XCTAssertEqual(try recipe(.inpaint) { _ in }.iterations, 6001)
        XCTAssertTrue(try recipe(.sr) { _ in }.preferEMA)
        // …and tasks without a NAS-DIP script keep DIP's.
        XCTAssertEqual(try recipe(.jpeg) { $0.arch = .nasSR }.iterations, TaskRecipe.reference(.jpeg, channels: 3).iterations)
    }

    func testDeepDecoderTrainsWithoutInputJitterUnlessAsked() throws {
        XCTAssertEqual(try recipe(.denoise) { $0.arch = .deepDecoder }.regularisationNoise, 0)
        XCTAssertEqual(try recipe(.sr) { $0.arch = .deepDecoder }.regularisationNoise, 0)
        XCTAssertEqual(try recipe(.denoise) { $0.arch = .deepDecoder; $0.regularisationNoise = 0.01 }.regularisationNoise, 0.01)
        XCTAssertEqual(try recipe(.denoise) { $0.arch = .hourglass }.regularisationNoise, 1.0 / 30, accuracy: 1e-9)
    }

    func testUserOverridesWin() throws {
        let r = try recipe(.sr) {
            $0.arch = .nasSR
            $0.iterations = 123
            $0.learningRate = 0.005
            $0.regularisationNoise = 0
            $0.channels = 32
        }
        XCTAssertEqual(r.iterations, 123)
        XCTAssertEqual(r.learningRate, 0.005)
        XCTAssertEqual(r.regularisationNoise, 0)
        guard case .named(.nasSR, let o) = r.net else { return XCTFail("\(r.net)") }
        XCTAssertEqual(o.channels, 32)
    }

    func testGenotypeBecomesTheNet() throws {
        let g = try Genotype(cell: NASCell(index: 61), pattern: "10000 01000 00100 00010 00001")
        let r = try recipe(.denoise) {
            $0.candidate = NASCandidate(genotype: g)
            $0.channels = 16
        }
        XCTAssertEqual(r.iterations, 3000)
        guard case .nas(let got, let o) = r.net else { return XCTFail("\(r.net)") }
        XCTAssertEqual(got, g)
        XCTAssertEqual(o.channels, 16)
        XCTAssertEqual(o.inputChannels, 32)
        XCTAssertNoThrow(try r.net.spec())
        let stage1 = try recipe(.sr) { $0.candidate = NASCandidate(backbone: .skip, cell: .superResolution, channels: 16) }
        guard case .nasCell(.superResolution, _) = stage1.net else { return XCTFail("\(stage1.net)") }
        XCTAssertNoThrow(try stage1.net.spec())
        XCTAssertThrowsError(try recipe(.denoise) {
            $0.candidate = NASCandidate(genotype: g)
            $0.arch = .skip
        })
        // NetChoice round-trips through run.json.
        let data = try JSONEncoder().encode(r.net)
        XCTAssertEqual(try JSONDecoder().decode(NetChoice.self, from: data), r.net)
    }

    func testCandidateFilesDecodeAndReject() throws {
        func decode(_ json: String) throws -> NASCandidate {
            try JSONDecoder().decode(NASCandidate.self, from: Data(json.utf8))
        }
        let plain = try decode(#"{"cell": 119, "connections": "10010 11001 01100 00110 00011"}"#)
        XCTAssertEqual(plain.backbone, .nasDIP)
        XCTAssertEqual(plain.genotype, .superResolution)
        let skip = try decode(#"{"backbone": "skip", "cell": "nearest/splitsum5x5/leakyrelu", "channels": 32}"#)
        XCTAssertEqual(skip.backbone, .skip)
        XCTAssertEqual(skip.cell, .denoising)
        XCTAssertEqual(try decode(String(decoding: try skip.encoded(), as: UTF8.self)), skip)
        XCTAssertEqual(try decode(String(decoding: try plain.encoded(), as: UTF8.self)), plain)
        XCTAssertThrowsError(try decode(#"{"backbone": "nas-dip", "cell": 119}"#))
        XCTAssertThrowsError(try decode(#"{"backbone": "skip", "cell": 119, "connections": "1111111111111111111111111"}"#))
        XCTAssertThrowsError(try decode(#"{"backbone": "unet", "cell": 119}"#))
        XCTAssertThrowsError(try decode(#"{"cell": 400}"#))
        XCTAssertThrowsError(try decode(#"{"cell": 119, "cellName": "bilinear/identity/none"}"#))
        XCTAssertThrowsError(try NASCandidate(backbone: .skip, cell: NASCell(index: 249)).validate())
        XCTAssertThrowsError(try NASCandidate(backbone: .skip, cell: .denoising, channels: 20).validate())
    }
}
