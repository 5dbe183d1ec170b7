import ArgumentParser
import Engine
import Foundation
import Tasks

/// `dip arch`: inspect the architectures without training them.
struct ArchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arch",
        abstract: "Inspect the net architectures.",
        subcommands: [Describe.self])

    /// `dip arch describe NAME|GENOTYPE.json`: the net layer by layer at one image size.
    struct Describe: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "describe",
            abstract: "Print a net layer by layer: output shapes, parameters and FLOPs at one image size.",
            discussion: """
                NAME is one of: \(Architecture.names). A GENOTYPE.json file describes a NAS-DIP net: \
                {"cell": 119, "connections": "10010 11001 01100 00110 00011"} (the cell may also be a name \
                such as "bicubic/depthwise5x5/leakyrelu"; connections are M[t][s], rows t = 0…4).

                FLOPs count convolutions only, as 2 × multiply–adds (bias adds excluded); the other ops \
                (norms, activations, resampling, adds) are not counted. Nodes marked "not run" never execute \
                (nothing they feed reaches the output) but their parameters are counted, as the reference \
                counts them, and may be used by the nodes that share them; a node marked "shares #N" \
                reuses node N's parameters.

                --channels / --depth (defaults) by architecture: skip and hourglass: width of every level (128) / \
                levels (5); unet: base width (8) / downsampling levels (5); resnet: width (32) / residual blocks \
                (8); deep-decoder: width k (128) / upsampling layers (5), z being H/2^depth; nas-*: backbone \
                width (128, a multiple of 16) / fixed at 5.
                """)

        @Argument(help: "An architecture name or a NAS-DIP genotype JSON file.") var net: String
        @Option(help: "Image side in pixels (square).") var size = 256
        @Option(help: "Channels of z (default: 32; the deep decoder's width for deep-decoder).") var inputDepth: Int?
        @Option(help: "Channels of the output image (default 3; 1 for nas-inpaint).") var outputChannels: Int?
        @Option(help: "Width (default: the architecture's; see below).") var channels: Int?
        @Option(help: "Levels, upsamplings or residual blocks (default: the architecture's; see below).") var depth: Int?

        func validate() throws {
            guard size >= 1 else { throw ValidationError("--size must be positive") }
            if let inputDepth, inputDepth < 1 { throw ValidationError("--input-depth must be at least 1") }
            if let outputChannels, outputChannels < 1 { throw ValidationError("--output-channels must be at least 1") }
        }

        func run() throws {
            let (title, spec) = try build()
            guard size % spec.sizeMultiple == 0 else {
                throw ValidationError("--size must be a multiple of \(spec.sizeMultiple) for \(title)")
            }
            let z = try spec.inputSize(forImageHeight: size, width: size)
            let rows: [LayerSummary]
            do {
                rows = try spec.describe(height: z.height, width: z.width)
            } catch let error as EngineError {
                throw ValidationError("\(title) at \(size)×\(size): \(error.message)")
            }
            print("\(title) at \(size)×\(size): z is \(spec.inputChannels)×\(z.height)×\(z.width)")
            print(Self.table(rows))
        }

        /// The spec and a title, or a one-line `ValidationError` for bad input.
        private func build() throws -> (String, NetSpec) {
            do {
                if let arch = Architecture(rawValue: net) {
                    let recipe = arch.nasRecipe
                    let options = ArchitectureOptions(
                        inputChannels: inputDepth ?? arch.referenceInputDepth(channels: channels) ?? recipe?.inputDepth ?? 32,
                        outputChannels: outputChannels ?? recipe?.outputChannels ?? 3, channels: channels, depth: depth)
                    return (arch.rawValue, try .architecture(arch, options))
                }
                guard net.hasSuffix(".json") || FileManager.default.fileExists(atPath: net) else {
                    throw ValidationError("unknown architecture '\(net)'; expected one of \(Architecture.names), or a genotype .json file")
                }
                guard let data = FileManager.default.contents(atPath: net) else {
                    throw ValidationError("cannot read genotype file \(net)")
                }
                let genotype: Genotype
                do {
                    genotype = try JSONDecoder().decode(Genotype.self, from: data)
                } catch let error as EngineError {
                    throw ValidationError("\(net): \(error.message)")
                } catch {
                    throw ValidationError("\(net): not a genotype JSON object (\(Self.reason(error)))")
                }
                guard depth == nil || depth == Genotype.scales else {
                    throw ValidationError("a NAS-DIP genotype has a fixed 5-scale backbone; --depth must be 5")
                }
                let spec = try NetSpec.nasDIP(
                    genotype: genotype, inputChannels: inputDepth ?? 32, outputChannels: outputChannels ?? 3,
                    channels: channels ?? 128)
                return ("NAS-DIP cell \(genotype.cell), connections \(genotype.pattern)", spec)
            } catch let error as EngineError {
                throw ValidationError(error.message)
            }
        }

        private static func reason(_ error: Error) -> String {
            switch error {
            case DecodingError.keyNotFound(let key, _): return "missing \"\(key.stringValue)\""
            case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
                return context.debugDescription
            case DecodingError.dataCorrupted(let context):
                return (context.underlyingError as? EngineError)?.message ?? "malformed JSON"
            default: return "\(error)"
            }
        }

        /// One line per node, then the totals.
        static func table(_ rows: [LayerSummary]) -> String {
            let nameWidth = max(4, rows.map(\.name.count).max() ?? 0)
            let opWidth = max(2, rows.map(\.operation.count).max() ?? 0)
            func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
                let fill = String(repeating: " ", count: max(0, width - text.count))
                return right ? fill + text : text + fill
            }
            var lines = [
                pad("#", 4, right: true) + "  " + pad("name", nameWidth) + "  " + pad("op", opWidth) + "  "
                    + pad("output", 14) + pad("params", 12, right: true) + pad("MFLOPs", 12, right: true) + "  note"
            ]
            for row in rows {
                var notes: [String] = []
                if let owner = row.sharesParametersWith { notes.append("shares #\(owner)") }
                if !row.live { notes.append("not run") }
                lines.append(
                    pad("\(row.index)", 4, right: true) + "  " + pad(row.name, nameWidth) + "  " + pad(row.operation, opWidth)
                        + "  " + pad(row.shape.description, 14) + pad(Comparison.grouped(row.parameters), 12, right: true)
                        + pad(row.flops > 0 ? String(format: "%.1f", Double(row.flops) / 1e6) : "-", 12, right: true)
                        + (notes.isEmpty ? "" : "  " + notes.joined(separator: ", ")))
            }
            let parameters = rows.totalParameters
            let flops = rows.forwardFLOPs
            let unused = rows.unusedParameters
            let shared = rows.filter { $0.sharesParametersWith != nil }.count
            lines.append(
                "total: \(Comparison.grouped(parameters)) trainable parameters"
                    + (unused > 0 ? " (\(Comparison.grouped(unused)) in modules no path uses)" : "")
                    + (shared > 0 ? ", \(shared) nodes reusing shared parameters" : "")
                    + String(format: "; %.2f GFLOPs per forward pass (convolutions only)", Double(flops) / 1e9))
            return lines.joined(separator: "\n")
        }
    }
}
