import Foundation
import XCTest
@testable import Engine

/// NAS-DIP's search space (nasdip-spec §2–§4): the index ↔ name encoding, the invalid codes,
/// genotype JSON, gradient checks of each cell kind, and every buildable cell running.
final class NASTests: XCTestCase {
    // MARK: - Encoding

    func testEveryIndexRoundTripsThroughItsName() throws {
        var names = Set<String>()
        for i in 0..<NASCell.count {
            let cell = try NASCell(index: i)
            XCTAssertEqual(cell.index, i)
            XCTAssertEqual(try NASCell(name: cell.name), cell, cell.name)
            XCTAssertEqual(try NASCell(name: cell.name.uppercased()).index, i, "names are case-insensitive")
            XCTAssertEqual(try NASCell(name: "\(i)").index, i)
            names.insert(cell.name)
        }
        XCTAssertEqual(names.count, NASCell.count, "every index has its own name")
    }

    func testAnchorsAndShippedCellsDecodeAsTheSpecSays() throws {
        let expected: [Int: String] = [
            0: "bilinear/conv1x1/none",
            60: "bilinear/identity/none",  // DIP's own upsampling
            123: "bicubic/identity/none",
            186: "nearest/identity/none",
            158: "nearest/splitsum5x5/leakyrelu",  // denoising
            119: "bicubic/depthwise5x5/leakyrelu",  // super-resolution
            86: "bicubic/transconv7x7/leakyrelu",  // inpainting
            189: "pixelshuffle/conv1x1/none",
            252: "conv1x1/pixelshuffle/none",
            311: "depthwise7x7/pixelshuffle/leakyrelu",
            312: "transconv1x1s2/identity/none",
            323: "transconv7x7s2/identity/leakyrelu",
        ]
        for (index, name) in expected {
            XCTAssertEqual(try NASCell(index: index).name, name)
            XCTAssertEqual(try NASCell(name: name).index, index)
        }
        let sr = try NASCell(index: 119)
        XCTAssertEqual(sr.spatial, .bicubic)
        XCTAssertEqual(sr.transform, .depthwise)
        XCTAssertEqual(sr.kernel, 5)
        XCTAssertEqual(sr.activation, .leakyReLU)
        XCTAssertTrue(try NASCell(index: 280).transformFirst)
    }

    func testInvalidIndicesAreRejectedWithAReason() throws {
        let invalid = Set(Array(237...251) + Array(300...311))
        for i in 0..<NASCell.count {
            let cell = try NASCell(index: i)
            XCTAssertEqual(cell.invalidReason != nil, invalid.contains(i), "index \(i)")
        }
        XCTAssertEqual(NASCell.buildableIndices.count, 297)
        XCTAssertEqual(NASCell.buildableIndices.filter { $0 <= 320 }.count, 294)
        XCTAssertTrue(try NASCell(index: 250).invalidReason!.contains("identity"))
        XCTAssertTrue(try NASCell(index: 240).invalidReason!.contains("depthwise"))
        var net = NetSpec(inputChannels: 16)
        XCTAssertThrowsError(try net.appendCell(net.input, try NASCell(index: 305), name: "cell")) { error in
            XCTAssertTrue("\(error)".contains("groups"), "\(error)")
        }
        XCTAssertThrowsError(try NASCell(index: -1))
        XCTAssertThrowsError(try NASCell(index: 324))
        for bad in ["bilinear/conv2x2/relu", "bilinear/conv3x3", "upsample/conv3x3/relu", "bilinear/conv3x3/tanh",
            "transconv3x3s2/conv3x3/relu", "identity/pixelshuffle/none", ""] {
            XCTAssertThrowsError(try NASCell(name: bad), bad)
        }
    }

    // MARK: - Genotypes

    func testGenotypeJSONRoundTrip() throws {
        var random = RandomStream(seed: 5, stream: 1)
        var genotypes = [Genotype.denoising, .superResolution, .inpainting]
        for _ in 0..<20 {
            let cell = try NASCell(index: NASCell.buildableIndices[Int(random.next() % 297)])
            let bits = (0..<5).map { _ in (0..<5).map { _ in random.next() % 2 == 1 } }
            genotypes.append(Genotype(cell: cell, connections: bits))
        }
        for g in genotypes {
            let data = try JSONEncoder().encode(g)
            XCTAssertEqual(try JSONDecoder().decode(Genotype.self, from: data), g)
        }
        let text = String(decoding: try JSONEncoder().encode(Genotype.superResolution), as: UTF8.self)
        XCTAssertTrue(text.contains("\"cell\":119"), text)
        XCTAssertTrue(text.contains("10010 11001 01100 00110 00011"), text)
    }

    func testGenotypeJSONAcceptsNamesRowsAndMatrices() throws {
        let forms = [
            #"{"cell": "bicubic/depthwise5x5/leakyrelu", "connections": "1001011001011000011000011"}"#,
            #"{"cell": 119, "connections": ["10010", "11001", "01100", "00110", "00011"]}"#,
            #"{"cell": 119, "connections": [[1,0,0,1,0],[1,1,0,0,1],[0,1,1,0,0],[0,0,1,1,0],[0,0,0,1,1]]}"#,
        ]
        for json in forms {
            XCTAssertEqual(try JSONDecoder().decode(Genotype.self, from: Data(json.utf8)), .superResolution, json)
        }
        let bad = [
            #"{"cell": 249, "connections": "1111101111001110001100001"}"#,  // unbuildable cell
            #"{"cell": 119, "connections": "111110111100111000110000"}"#,  // 24 bits
            #"{"cell": 119, "connections": "11111 01111 00111 00011 0000x"}"#,
            #"{"cell": 119, "cellName": "nearest/splitsum5x5/leakyrelu", "connections": "1111101111001110001100001"}"#,
            #"{"connections": "1111101111001110001100001"}"#,
            #"{"cell": 119, "connections": [[1,0],[1,1]]}"#,
            #"{"cell": 400, "connections": "1111101111001110001100001"}"#,
        ]
        for json in bad { XCTAssertThrowsError(try JSONDecoder().decode(Genotype.self, from: Data(json.utf8)), json) }
    }

    func testPresetsAndRecipesMatchTheReleasedScripts() {
        XCTAssertEqual(Genotype.denoising.cell.index, 158)
        XCTAssertEqual(Genotype.superResolution.cell.index, 119)
        XCTAssertEqual(Genotype.inpainting.cell.index, 86)
        XCTAssertEqual(Genotype.denoising.pattern, "11111 01111 00111 00011 00001")
        XCTAssertEqual(Genotype.inpainting.connections[2], [true, false, true, true, false])
        XCTAssertEqual(Architecture.nasDenoise.nasRecipe, .denoising)
        let table: [(NASRecipe, Int, Float, Float, Float?, Int)] = [
            (.denoising, 3000, 0.01, 1.0 / 30, 0.99, 3),
            (.superResolution, 2000, 0.01, 0.03, nil, 3),
            (.inpainting, 11000, 0.001, 0.03, nil, 1),
        ]
        for (recipe, iterations, lr, sigma, ema, out) in table {
            XCTAssertEqual(recipe.iterations, iterations)
            XCTAssertEqual(recipe.learningRate, lr)
            XCTAssertEqual(recipe.regularisationNoise, sigma)
            XCTAssertEqual(recipe.emaGamma, ema)
            XCTAssertEqual(recipe.outputChannels, out)
            XCTAssertEqual(recipe.inputDepth, 32)
        }
        XCTAssertEqual(NASRecipe.denoising.backtrackDrop, 5)
        XCTAssertNil(NASRecipe.inpainting.backtrackDrop)
    }

    // MARK: - Cells as nets

    /// input → 1×1 conv to `width` → cell → 1×1 conv to 2: the first conv's weight gradient
    /// checks the cell's backward-data, the cell's own tensors its backward-weights.
    private func harness(_ cell: NASCell, width: Int = 16) throws -> NetSpec {
        var net = NetSpec(inputChannels: 3)
        let x = net.add(.conv(ConvSpec(outChannels: width, kernel: 1)), [net.input], name: "first")
        let y = try net.appendCell(x, cell, name: "cell")
        net.add(.conv(ConvSpec(outChannels: 2, kernel: 1)), [y], name: "last")
        return net
    }

    /// Every spatial primitive, every transform, both pixel-shuffle orders, each activation.
    func testCellOfEachKindAgainstFiniteDifferences() throws {
        let cells = [
            4,  // bilinear/conv3x3/relu
            83,  // bicubic/transconv5x5/leakyrelu
            155,  // nearest/splitsum3x3/leakyrelu
            46,  // bilinear/sepconv7x7/relu
            119,  // bicubic/depthwise5x5/leakyrelu
            188,  // nearest/identity/leakyrelu
            194,  // pixelshuffle/conv3x3/leakyrelu
            206,  // pixelshuffle/transconv3x3/leakyrelu
            213,  // pixelshuffle/splitsum1x1/none (C/16 = 1 channel)
            229,  // pixelshuffle/sepconv3x3/relu
            257,  // conv3x3/pixelshuffle/leakyrelu
            271,  // transconv5x5/pixelshuffle/relu
            281,  // splitsum3x3/pixelshuffle/leakyrelu
            288,  // sepconv1x1/pixelshuffle/none
            317,  // transconv3x3s2/identity/leakyrelu
            321,  // transconv7x7s2/identity/none
        ]
        for index in cells {
            let cell = try NASCell(index: index)
            try GradientCheck.run(try harness(cell), height: 4, width: 4, samplesPerTensor: 6)
            let graph = try Graph(spec: try harness(cell), height: 4, width: 4, seed: 0)
            XCTAssertEqual(graph.outputShape, TensorShape(2, 8, 8), cell.name)
        }
    }

    /// All 297 buildable cells build, and run forward and backward to a 32×32 output with
    /// finite values and some non-zero gradient; `describe` agrees with each graph.
    func testEveryBuildableCellRunsForwardAndBackward() throws {
        // These tensors are tiny: one thread is faster, and immune to spinning OpenMP workers
        // fighting other processes for the 2 cores.
        let threads = Threads.count
        Threads.set(1)
        defer { Threads.set(threads) }
        for index in NASCell.buildableIndices {
            let cell = try NASCell(index: index)
            let spec = try harness(cell)
            let graph = try Graph(spec: spec, height: 16, width: 16, seed: UInt64(index))
            XCTAssertEqual(graph.outputShape, TensorShape(2, 32, 32), cell.description)
            let rows = try spec.describe(height: 16, width: 16)
            XCTAssertEqual(rows.map(\.shape), graph.shapes, "describe shapes: \(cell)")
            XCTAssertEqual(rows.totalParameters, graph.parameters.trainableCount, "describe parameters: \(cell)")
            graph.input.set(NoiseFill.make(count: graph.input.shape.count, seed: 1, purpose: .inputNoise, distribution: .uniform))
            graph.forward()
            let out = graph.output.array
            let loss = out.reduce(0) { $0 + $1 * $1 } / Float(out.count)
            graph.lossGradient.set(out.map { 2 * $0 / Float(out.count) })
            graph.backward()
            let grads = graph.parameters.entries.flatMap { graph.parameters.gradients(of: $0) }
            XCTAssertTrue(loss.isFinite && grads.allSatisfy(\.isFinite), "\(cell): non-finite loss or gradient")
            XCTAssertTrue(grads.contains { $0 != 0 }, "\(cell): all gradients are zero")
        }
    }

    func testStageOneSearchNetUsesTheCellAtEveryLevel() throws {
        let spec = try NetSpec.nasSearchBackbone(cell: .superResolution, channels: 16)
        let rows = try spec.describe(height: 64, width: 64)
        XCTAssertEqual(rows.filter { $0.operation == "depthwise 5×5 p2 16→16 no bias" }.count, 5)
        XCTAssertFalse(rows.contains { $0.operation.hasPrefix("upsample bilinear") })
        XCTAssertEqual(rows.last?.shape, TensorShape(3, 64, 64))
    }
}
