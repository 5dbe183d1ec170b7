import XCTest
@testable import Engine

/// Every named architecture: parameter counts pinned to the reference configurations,
/// `describe` agreeing with the Graph, and a gradient check of a small instance of each.
final class ArchitectureTests: XCTestCase {
    private struct Pinned {
        var label: String
        var spec: () throws -> NetSpec
        var parameters: Int
    }

    /// The reference counts (dip-spec §3/§5, nasdip-spec §4.3) and the deep decoder's own.
    private let pinned: [Pinned] = [
        Pinned(label: "skip 32→3 (denoising/SR notebook)", spec: {
            try .architecture(.skip, ArchitectureOptions(inputChannels: 32, outputChannels: 3))
        }, parameters: 2_217_831),
        Pinned(label: "hourglass 2→3 (vase: skip 0)", spec: {
            try .architecture(.hourglass, ArchitectureOptions(inputChannels: 2, outputChannels: 3))
        }, parameters: 2_157_955),
        Pinned(label: "UNet(1→3, feature_scale 8, more_layers 1, deconv, InstanceNorm)", spec: {
            try .architecture(.unet, ArchitectureOptions(inputChannels: 1, outputChannels: 3))
        }, parameters: 1_616_315),
        Pinned(label: "ResNet(1, 3, 8 blocks, 32 ch, LeakyReLU)", spec: {
            try .architecture(.resnet, ArchitectureOptions(inputChannels: 1, outputChannels: 3))
        }, parameters: 158_979),
        // 6·(128² + 2·128) + 3·128: six 1×1 layers of k = 128 with BN, z of depth k.
        Pinned(label: "deep decoder k=128, 5 upsamplings, z depth 128", spec: {
            try .architecture(.deepDecoder, ArchitectureOptions(inputChannels: 128, outputChannels: 3))
        }, parameters: 100_224),
        // Only the first layer changes with z's depth: 32·128 instead of 128·128.
        Pinned(label: "deep decoder k=128, 5 upsamplings, z depth 32", spec: {
            try .architecture(.deepDecoder, ArchitectureOptions(inputChannels: 32, outputChannels: 3))
        }, parameters: 87_936),
        Pinned(label: "NAS-DIP super-resolution", spec: {
            try .architecture(.nasSR, ArchitectureOptions(inputChannels: 32, outputChannels: 3))
        }, parameters: 3_512_835),
        Pinned(label: "NAS-DIP denoising (incl. unused down blocks)", spec: {
            try .architecture(.nasDenoise, ArchitectureOptions(inputChannels: 32, outputChannels: 3))
        }, parameters: 4_405_635),
        Pinned(label: "NAS-DIP inpainting, 1 output channel", spec: {
            try .architecture(.nasInpaint, ArchitectureOptions(inputChannels: 32, outputChannels: 1))
        }, parameters: 10_710_273),
        // Index 60 (bilinear → identity → none) has no parameters: the stage-1 search net with
        // it is DIP's skip net exactly.
        Pinned(label: "NAS stage-1 search net, cell 60", spec: {
            try .nasSearchBackbone(cell: .dipBilinear)
        }, parameters: 2_217_831),
    ]

    /// Pinned counts from the Graph and from `describe`, and `describe`'s shapes node by node.
    func testParameterCountsAndDescribeAgreeWithTheGraph() throws {
        for p in pinned {
            let spec = try p.spec()
            // Five reflection-padded stride-2 stages need 2 px at the bottleneck: 64, not 32.
            let side = max(spec.sizeMultiple, 64)
            let z = try spec.inputSize(forImageHeight: side, width: side)
            let graph = try Graph(spec: spec, height: z.height, width: z.width, seed: 0)
            XCTAssertEqual(graph.parameters.trainableCount, p.parameters, p.label)
            let rows = try spec.describe(height: z.height, width: z.width)
            XCTAssertEqual(rows.totalParameters, p.parameters, "describe: \(p.label)")
            XCTAssertEqual(rows.map(\.shape), graph.shapes, "describe shapes: \(p.label)")
            XCTAssertEqual(graph.outputShape, TensorShape(spec.channels(spec.output), side, side), "image size: \(p.label)")
        }
    }

    func testDescribeMarksUnusedAndSharedNodes() throws {
        let denoise = try NetSpec.architecture(.nasDenoise, ArchitectureOptions(inputChannels: 32, outputChannels: 3))
        let rows = try denoise.describe(height: 64, width: 64)
        // nasdip-spec §4.3: the four down blocks are built but no connection uses them.
        XCTAssertEqual(rows.unusedParameters, 480_768)
        XCTAssertTrue(rows.filter { $0.name.hasPrefix("skip_down") }.allSatisfy { !$0.live })
        // Ten up-paths; the chain from e_s is built once and tapped at every scale it passes,
        // so 1+2+3+4 = 10 cell applications: 4 own their module, 6 reuse it.
        let cellConvs = rows.filter { $0.name.hasPrefix("skip_up") && $0.operation.hasPrefix("conv 5×5") }
        XCTAssertEqual(cellConvs.count, 10)
        XCTAssertEqual(cellConvs.filter { $0.sharesParametersWith == nil }.count, 4)
        XCTAssertTrue(cellConvs.filter { $0.sharesParametersWith != nil }.allSatisfy { $0.parameters == 0 })
        let sr = try NetSpec.architecture(.nasSR, ArchitectureOptions(inputChannels: 32, outputChannels: 3))
        XCTAssertEqual(try sr.describe(height: 64, width: 64).unusedParameters, 0)
    }

    func testDescribeCountsConvolutionFLOPs() throws {
        var net = NetSpec(inputChannels: 3)
        let c = net.add(.conv(ConvSpec(outChannels: 8, kernel: 3, padding: 1)), [net.input], name: "c")
        let t = net.add(.conv(ConvSpec(outChannels: 4, kernel: 4, stride: 2, padding: 1, transposed: true)), [c], name: "t")
        net.add(.activation(.relu), [t], name: "a")
        let rows = try net.describe(height: 10, width: 10)
        XCTAssertEqual(rows[c].flops, 2 * 8 * 100 * 3 * 9)
        XCTAssertEqual(rows[t].flops, 2 * 8 * 100 * 4 * 16)  // every input pixel × out × k²
        XCTAssertEqual(rows[t].shape, TensorShape(4, 20, 20))
        XCTAssertEqual(rows.last!.flops, 0)
        XCTAssertEqual(rows.forwardFLOPs, rows[c].flops + rows[t].flops)
    }

    func testOptionsThatDoNotApplyAreRejected() {
        let base = ArchitectureOptions(inputChannels: 32, outputChannels: 3)
        var o = base
        o.upsample = .nearest
        XCTAssertThrowsError(try NetSpec.architecture(.resnet, o))
        XCTAssertThrowsError(try NetSpec.architecture(.nasSR, o))
        o = base
        o.skipChannels = 8
        XCTAssertThrowsError(try NetSpec.architecture(.unet, o))
        o = base
        o.depth = 4
        XCTAssertThrowsError(try NetSpec.architecture(.nasInpaint, o))
        o = base
        o.channels = 24
        XCTAssertThrowsError(try NetSpec.architecture(.nasDenoise, o), "NAS widths must be multiples of 16")
    }

    func testDepthAndChannelsChangeEveryArchitecture() throws {
        for arch in Architecture.allCases {
            let base = ArchitectureOptions(inputChannels: 4, outputChannels: 3, channels: 16)
            var deeper = base
            deeper.depth = arch.nasRecipe == nil ? 3 : 5
            let a = try NetSpec.architecture(arch, base)
            let b = try NetSpec.architecture(arch, deeper)
            var wider = base
            wider.channels = 32
            let c = try NetSpec.architecture(arch, wider)
            let count = { (s: NetSpec) in try s.describe(height: 64 / s.inputDownscale, width: 64 / s.inputDownscale).totalParameters }
            if arch.nasRecipe == nil { XCTAssertNotEqual(try count(a), try count(b), "--depth for \(arch)") }
            XCTAssertLessThan(try count(a), try count(c), "--channels for \(arch)")
        }
        let dd = try NetSpec.architecture(.deepDecoder, ArchitectureOptions(inputChannels: 8, outputChannels: 3, depth: 3))
        XCTAssertEqual(dd.inputDownscale, 8)
        XCTAssertEqual(dd.sizeMultiple, 8)
        XCTAssertEqual(try dd.inputSize(forImageHeight: 64, width: 40).height, 8)
        XCTAssertThrowsError(try dd.inputSize(forImageHeight: 60, width: 64))
    }

    // MARK: - Gradient checks of small instances

    func testInstanceNorm() throws {
        var net = NetSpec(inputChannels: 3)
        let c = net.add(.conv(ConvSpec(outChannels: 5, kernel: 3, padding: 1)), [net.input], name: "first")
        let n = net.add(.instanceNorm, [c], name: "in")
        net.add(.conv(ConvSpec(outChannels: 2, kernel: 1)), [n], name: "after")
        try GradientCheck.run(net, height: 6, width: 7)
        // Blocked layout with padded lanes (20 channels → 32).
        var wide = NetSpec(inputChannels: 3)
        let w = wide.add(.conv(ConvSpec(outChannels: 20, kernel: 1)), [wide.input], name: "first")
        wide.add(.instanceNorm, [w], name: "in")
        try GradientCheck.run(wide, height: 5, width: 5)
    }

    /// One conv+BN module applied to two inputs: its gradient must be the sum over both uses.
    func testSharedParametersAccumulateAcrossUses() throws {
        var net = NetSpec(inputChannels: 3)
        let a = net.add(.conv(ConvSpec(outChannels: 6, kernel: 1)), [net.input], name: "a")
        let b = net.add(.conv(ConvSpec(outChannels: 6, kernel: 3, padding: 1)), [net.input], name: "b")
        let start = net.nodes.count
        var m = net.add(.conv(ConvSpec(outChannels: 5, kernel: 3, padding: 1)), [a], name: "module.conv")
        m = net.batchNorm(m, name: "module.bn")
        m = net.activation(m, .leakyReLU, name: "module.act")
        let again = net.reuse(start...m, on: b, tag: "b")
        let chained = net.reuse(start...m, on: net.add(.conv(ConvSpec(outChannels: 6, kernel: 1)), [again], name: "c"), tag: "c")
        net.add(.add, [m, again, chained], name: "sum")
        XCTAssertEqual(net.nodes[again - 2].sharesParametersWith, start)
        let graph = try Graph(spec: net, height: 6, width: 6, seed: 1)
        XCTAssertEqual(graph.parameters.entries.filter { $0.name.hasPrefix("module") }.count, 4, "conv w+b, bn γ+β once")
        try GradientCheck.run(net, height: 6, width: 6, samplesPerTensor: 12)
    }

    func testAccidentalDuplicateParameterNamesAreRejected() {
        var net = NetSpec(inputChannels: 3)
        let a = net.add(.conv(ConvSpec(outChannels: 4, kernel: 1)), [net.input], name: "same")
        net.add(.conv(ConvSpec(outChannels: 4, kernel: 1)), [a], name: "same")
        XCTAssertThrowsError(try Graph(spec: net, height: 4, width: 4, seed: 0))
        XCTAssertThrowsError(try net.describe(height: 4, width: 4))
    }

    func testSmallUNet() throws {
        var config = UNetConfig()
        config.inputChannels = 2
        config.baseChannels = 4
        config.levels = 2
        try GradientCheck.run(try .unet(config), height: 8, width: 8, samplesPerTensor: 3)
        // Interpolating up-blocks, batch norm, and odd sides (pooling floors, concat crops).
        config.upsample = .bilinear
        config.norm = .batch
        try GradientCheck.run(try .unet(config), height: 10, width: 9, seed: 8, samplesPerTensor: 3)
    }

    func testUNetLevelsPastTheFourthKeepTheirWidth() throws {
        var config = UNetConfig()
        config.baseChannels = 2
        config.levels = 6
        let rows = try NetSpec.unet(config).describe(height: 64, width: 64)
        XCTAssertEqual(rows.first { $0.name == "down6.conv2" }?.shape, TensorShape(32, 1, 1))
        XCTAssertEqual(rows.first { $0.name == "up6.up" }?.operation, "conv-transpose 4×4 s2 p1 32→32")
        XCTAssertEqual(rows.last?.shape, TensorShape(3, 64, 64))
    }

    func testSmallResNet() throws {
        try GradientCheck.run(try .resnet(inputChannels: 2, outputChannels: 3, blocks: 2, channels: 4), height: 6, width: 6)
    }

    func testSmallDeepDecoder() throws {
        let spec = try NetSpec.deepDecoder(inputChannels: 4, outputChannels: 3, channels: 6, upsamplings: 2)
        try GradientCheck.run(spec, height: 3, width: 4, seed: 3)
        let graph = try Graph(spec: spec, height: 3, width: 4, seed: 0)
        XCTAssertEqual(graph.outputShape, TensorShape(3, 12, 16))
    }

    /// The whole NAS-DIP backbone at width 16 (64×64: five reflection-padded halvings), with
    /// SR's up- and down-paths through shared modules. U_2 ("skip_up_3_2") is the interesting
    /// one: its own application on e2 is unused, yet the e3→A0 and e4→A1 chains both run it.
    ///
    /// Finite differences are limited to the shared modules and a few backbone tensors: the
    /// Float64 reference costs ~0.25 s per forward here, and a shift of a full-resolution BN β
    /// moves ~10⁵ LeakyReLU inputs, some of which cross a kink within h (a 1% FD error seen
    /// for skip1.bn.bias), which says nothing about the backward.
    func testSmallNASDIP() throws {
        let spec = try NetSpec.nasDIP(genotype: .superResolution, inputChannels: 3, outputChannels: 2, channels: 16)
        let checked: Set = [
            "skip_up_4_3.conv.weight", "skip_up_3_2.conv.weight", "skip_up_2_1.conv.weight", "skip_down_1_2.weight",
            "skip_down_4_5.bn.weight", "up3.conv.weight", "output.conv.bias",
        ]
        try GradientCheck.run(spec, height: 64, width: 64, samplesPerTensor: 2, only: checked.contains)
        let rows = try spec.describe(height: 64, width: 64)
        XCTAssertFalse(rows.first { $0.name == "skip_up_3_2.conv" }!.live)
        XCTAssertTrue(rows.contains { $0.name.hasPrefix("skip_up_3_2.conv@") && $0.live })
    }
}
