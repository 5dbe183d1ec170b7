import ArgumentParser
import Tasks

/// The distribution of a noise z (`--noise-type`): the reference's `noise_type` 'u' or 'n'.
enum NoiseType: String, CaseIterable, ExpressibleByArgument {
    /// U[0,1)·0.1 (the reference's default).
    case uniform
    /// N(0,1)·0.1.
    case normal
}

/// Turns `--input noise|meshgrid` and `--noise-type uniform|normal` into one `InputKind`.
/// `--input normal` is kept as a short form of `--input noise --noise-type normal`.
enum InputChoice {
    static func resolve(input: InputKind?, noiseType: NoiseType?) throws -> InputKind? {
        guard let noiseType else { return input }
        switch input {
        case nil, .noise: return noiseType == .normal ? .normal : .noise
        case .normal:
            guard noiseType == .normal else {
                throw ValidationError("--input normal is N(0,1) noise; it contradicts --noise-type uniform")
            }
            return .normal
        case .meshgrid, .image:
            throw ValidationError("--noise-type applies to --input noise, not to --input \(input!.rawValue)")
        }
    }
}
