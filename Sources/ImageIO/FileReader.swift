#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads with one-line, path-naming errors.
enum FileReader {
    /// Larger inputs than this are refused; the pixel limits would reject them anyway.
    static let maxFileBytes = 1 << 30

    static func read(_ path: String) throws -> [UInt8] {
        func fail(_ reason: String) -> ImageIOError { ImageIOError(path: path, reason: reason) }
        guard !path.isEmpty else { throw fail("empty input path") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            switch code {
            case ENOENT: throw fail("no such file")
            case ENOTDIR: throw fail("no such file (a parent is not a directory)")
            default: throw fail("cannot open: \(errnoText(code))")
            }
        }
        defer { close(fd) }

        var info = stat()
        guard fstat(fd, &info) == 0 else { throw fail("cannot stat: \(errnoText())") }
        if isDirectoryMode(info.st_mode) { throw fail("is a directory, not an image file") }
        if Int(info.st_size) > maxFileBytes { throw fail("file too large (\(info.st_size) bytes)") }

        var data: [UInt8] = []
        data.reserveCapacity(max(0, Int(info.st_size)))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw fail("read failed: \(errnoText())")
            }
            if count == 0 { break }
            data.append(contentsOf: chunk[0..<count])
            if data.count > maxFileBytes { throw fail("file too large (over \(maxFileBytes) bytes)") }
        }
        return data
    }
}
