#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Thin wrappers so code inside types with members named `read`/`write` can reach libc's.

/// The current `errno` as text, e.g. "Permission denied".
func errnoText(_ code: Int32 = errno) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}

/// True if `mode` (from stat) describes a directory.
func isDirectoryMode(_ mode: mode_t) -> Bool { (mode & S_IFMT) == S_IFDIR }

func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }

func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }
