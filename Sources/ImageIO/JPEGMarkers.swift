/// The marker segments in front of a JPEG's first scan, found the way libjpeg's marker reader
/// finds them: stray bytes between segments are skipped (libjpeg warns "extraneous bytes").
struct JPEGHeader {
    struct Segment {
        var marker: UInt8
        /// Segment bytes without fill bytes: FF, marker, then length and payload if it has them.
        var bytes: ArraySlice<UInt8>
    }

    var segments: [Segment] = []
    /// Bytes libjpeg would discard with an "extraneous bytes" warning.
    var junkBytes = 0
    /// Offset of the first SOS marker; nil if the header could not be followed all the way there.
    var scanStart: Int?

    /// The frame (SOFn) segment, which says how the scans are coded and how many components there are.
    var frame: Segment? {
        segments.first { (0xC0...0xCF).contains($0.marker) && ![0xC4, 0xC8, 0xCC].contains($0.marker) }
    }
    /// Components in the frame header, if it is long enough to say.
    var componentCount: Int? {
        guard let bytes = frame?.bytes, bytes.count > 9 else { return nil }
        return Int(bytes[bytes.startIndex + 9])
    }

    init(_ d: [UInt8]) {
        guard d.count >= 2, d[0] == 0xFF, d[1] == 0xD8 else { return }
        var i = 2
        while i < d.count {
            guard d[i] == 0xFF else { junkBytes += 1; i += 1; continue }
            var j = i + 1
            while j < d.count, d[j] == 0xFF { j += 1 }                 // fill bytes
            guard j < d.count else { return }
            let marker = d[j]
            switch marker {
            case 0x00:                                                  // FF 00 outside a scan is junk too
                junkBytes += 2
                i = j + 1
            case 0x01, 0xD0...0xD8:                                     // no length field
                segments.append(Segment(marker: marker, bytes: [0xFF, marker][...]))
                i = j + 1
            case 0xD9:
                return
            case 0xDA:
                scanStart = i
                return
            default:
                guard j + 2 < d.count else { return }
                let length = Int(d[j + 1]) << 8 | Int(d[j + 2])
                if length < 2, marker >= 0xE0 {
                    // libjpeg skips APPn/COM payloads of "length - 2" bytes, so a length below 2
                    // means an empty segment and reading resumes right after the length field.
                    segments.append(Segment(marker: marker, bytes: [0xFF, marker, 0x00, 0x02][...]))
                    i = j + 3
                    continue
                }
                guard length >= 2, j + 1 + length <= d.count else { return }
                segments.append(Segment(marker: marker, bytes: [0xFF] + d[j..<(j + 1 + length)]))
                i = j + 1 + length
            }
        }
    }

    /// Whether an APP14 "Adobe" segment is present, using libjpeg's own test (≥ 12 payload bytes).
    /// Adobe-marked CMYK (Photoshop, Pillow) stores inverted ink values: 255 means no ink.
    var hasAdobeMarker: Bool {
        segments.contains { segment in
            let b = Array(segment.bytes)
            return segment.marker == 0xEE && b.count >= 4 + 12 && b[4..<9].elementsEqual("Adobe".utf8)
        }
    }

    /// The same file with the header conditions libjpeg only warns about repaired, so the strict
    /// decode can run on files that are otherwise intact:
    /// - stray bytes between header segments are dropped;
    /// - a JFIF major version other than 1 becomes 1;
    /// - an unknown Adobe colour transform becomes the one libjpeg falls back to (YCbCr / YCCK);
    /// - a sequential file's first SOS gets the only legal spectral parameters (0, 63, 0),
    ///   which libjpeg ignores for sequential files anyway.
    /// Nil if nothing needed repairing.
    func sanitized(_ d: [UInt8]) -> [UInt8]? {
        guard let scanStart else { return nil }
        var changed = junkBytes > 0
        var out: [UInt8] = [0xFF, 0xD8]
        out.reserveCapacity(d.count)
        for segment in segments {
            var b = Array(segment.bytes)
            if segment.marker == 0xE0, b.count >= 4 + 14, b[4..<9].elementsEqual([0x4A, 0x46, 0x49, 0x46, 0]),
               b[9] != 1 {
                b[9] = 1
                changed = true
            }
            if segment.marker == 0xEE, b.count >= 4 + 12, b[4..<9].elementsEqual("Adobe".utf8),
               let components = componentCount, components == 3 || components == 4 {
                let valid: Set<UInt8> = components == 3 ? [0, 1] : [0, 2]
                if !valid.contains(b[15]) {
                    b[15] = components == 3 ? 1 : 2
                    changed = true
                }
            }
            out += b
        }
        let scanOffset = out.count
        out += d[scanStart...]
        if let marker = frame?.marker, [0xC0, 0xC1, 0xC9].contains(marker), scanOffset + 5 <= out.count {
            // FF DA, length (2), Ns, then Ns (selector, tables) pairs, then Ss, Se, Ah/Al.
            let params = scanOffset + 5 + 2 * Int(out[scanOffset + 4])
            if params + 2 < out.count, out[params] != 0 || out[params + 1] != 63 || out[params + 2] != 0 {
                out[params] = 0
                out[params + 1] = 63
                out[params + 2] = 0
                changed = true
            }
        }
        // Fill bytes are dropped too; that changes nothing libjpeg sees, so it alone is no reason.
        return changed ? out : nil
    }
}
