#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Atomic file write used by every writer in dip: temp file in the destination directory + fsync + rename.
public enum AtomicFile {
    /// Writes `bytes` to `path` so that readers see either the old file or the complete new one;
    /// on failure the destination is untouched and no temporary file is left behind.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        func fail(_ reason: String) -> ImageIOError { ImageIOError(path: path, reason: reason) }
        guard !path.isEmpty else { throw fail("empty output path") }
        guard !path.hasSuffix("/") else { throw fail("output path names a directory") }

        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path

        var existing = stat()
        let exists = stat(path, &existing) == 0
        if exists, isDirectoryMode(existing.st_mode) { throw fail("is a directory") }
        // A device or pipe (/dev/null, /dev/stdout) is written in place: renaming over it would
        // replace the device node with a regular file, which as root breaks the whole machine.
        if exists, (existing.st_mode & S_IFMT) != S_IFREG { return try writeInPlace(bytes, to: path) }

        // Same directory as the destination, so rename(2) never crosses a filesystem.
        let token = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let temp = (directory == "/" ? "" : directory) + "/.\(base).\(getpid()).\(token).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            let code = errno
            switch code {
            case ENOENT: throw fail("cannot write: directory \(directory) does not exist")
            case ENOTDIR: throw fail("cannot write: \(directory) is not a directory")
            default: throw fail("cannot create a file in \(directory): \(errnoText(code))")
            }
        }

        var isOpen = true
        var finished = false
        defer {
            if isOpen { close(fd) }
            if !finished { unlink(temp) }
        }

        // Replacing a file should not silently change its permissions.
        if exists { _ = fchmod(fd, existing.st_mode & 0o7777) }
        try writeAll(bytes, to: fd, path: path)
        guard fsync(fd) == 0 else { throw fail("fsync failed: \(errnoText())") }
        isOpen = false
        guard close(fd) == 0 else { throw fail("close failed: \(errnoText())") }
        guard rename(temp, path) == 0 else { throw fail("cannot replace file: \(errnoText())") }
        finished = true

        // Persist the rename itself; a failure here cannot un-write the file, so it is not an error.
        let dirfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            _ = fsync(dirfd)
            close(dirfd)
        }
    }

    private static func writeInPlace(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ImageIOError(path: path, reason: "cannot open for writing: \(errnoText())") }
        defer { close(fd) }
        try writeAll(bytes, to: fd, path: path)
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws {
        try bytes.withUnsafeBytes { raw in
            guard let start = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let written = posixWrite(fd, start + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw ImageIOError(path: path, reason: "write failed: \(errnoText())")
                }
                offset += written
            }
        }
    }
}
