import Foundation

/// The safetensors container: an 8-byte little-endian header length, a JSON header naming every
/// tensor's dtype, shape and byte range, then the raw little-endian data. Readable by the
/// `safetensors` Python package, which the PyTorch parity script uses.
///
/// Only F32 tensors are written; string metadata goes under "__metadata__". The value is pure
/// bytes in and out; callers write files (atomically) themselves.
public struct SafeTensors {
    public struct Entry {
        public var shape: [Int]
        public var values: [Float]
    }

    public private(set) var names: [String] = []
    private var entries: [String: Entry] = [:]
    public var metadata: [String: String] = [:]

    public init() {}

    public mutating func add(_ name: String, shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "\(name): shape \(shape) does not match \(values.count) values")
        if entries[name] == nil { names.append(name) }
        entries[name] = Entry(shape: shape, values: values)
    }

    public func entry(_ name: String) -> Entry? { entries[name] }

    /// The values of `name`, checking that it exists with `shape`.
    public func values(_ name: String, shape: [Int]) throws -> [Float] {
        guard let e = entries[name] else { throw EngineError("checkpoint has no tensor '\(name)'") }
        guard e.shape == shape else { throw EngineError("checkpoint tensor '\(name)' has shape \(e.shape), expected \(shape)") }
        return e.values
    }

    public func encoded() -> [UInt8] {
        var header: [String: Any] = [:]
        var offset = 0
        for name in names {
            let e = entries[name]!
            let bytes = e.values.count * 4
            header[name] = ["dtype": "F32", "shape": e.shape, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data("{}".utf8)
        // The format pads the header with spaces to an 8-byte boundary.
        while json.count % 8 != 0 { json.append(0x20) }
        var out = [UInt8]()
        out.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        for name in names {
            entries[name]!.values.withUnsafeBytes { raw in
                for i in stride(from: 0, to: raw.count, by: 4) {
                    let bits = raw.load(fromByteOffset: i, as: UInt32.self).littleEndian
                    withUnsafeBytes(of: bits) { out.append(contentsOf: $0) }
                }
            }
        }
        return out
    }

    /// Parses a safetensors blob; every malformed field is an error, never a crash.
    public init(decoding bytes: [UInt8]) throws {
        guard bytes.count >= 8 else { throw EngineError("file is too short to be a checkpoint") }
        let headerLength = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard headerLength <= UInt64(bytes.count - 8) else { throw EngineError("checkpoint header is truncated") }
        let headerEnd = 8 + Int(headerLength)
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd])),
            let header = object as? [String: Any]
        else { throw EngineError("checkpoint header is not valid JSON") }
        let dataLength = bytes.count - headerEnd
        var found: [(String, Int, Entry)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let meta = value as? [String: String] else { throw EngineError("checkpoint metadata is malformed") }
                metadata = meta
                continue
            }
            guard let info = value as? [String: Any], info["dtype"] as? String == "F32",
                let shape = info["shape"] as? [Int], let range = info["data_offsets"] as? [Int], range.count == 2,
                range[0] >= 0, range[1] <= dataLength, range[0] <= range[1],
                shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) * 4 == range[1] - range[0]
            else { throw EngineError("checkpoint tensor '\(name)' is malformed") }
            var values = [Float](repeating: 0, count: shape.reduce(1, *))
            values.withUnsafeMutableBytes { dst in
                bytes.withUnsafeBytes { src in
                    for i in stride(from: 0, to: dst.count, by: 4) {
                        let bits = UInt32(littleEndian: src.loadUnaligned(fromByteOffset: headerEnd + range[0] + i, as: UInt32.self))
                        dst.storeBytes(of: bits, toByteOffset: i, as: UInt32.self)
                    }
                }
            }
            found.append((name, range[0], Entry(shape: shape, values: values)))
        }
        for (name, _, entry) in found.sorted(by: { $0.1 < $1.1 }) {
            names.append(name)
            entries[name] = entry
        }
    }
}
