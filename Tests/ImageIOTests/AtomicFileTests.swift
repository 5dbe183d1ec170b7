import XCTest
@testable import ImageIO
#if canImport(Glibc)
import Glibc
#endif

final class AtomicFileTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws { dir = try makeTempDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private func contents(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }

    func testWritesAndReplacesKeepingPermissions() throws {
        let path = dir + "/data.bin"
        try AtomicFile.write([1, 2, 3], to: path)
        XCTAssertEqual(contents(path), [1, 2, 3])
        XCTAssertEqual(chmod(path, 0o600), 0)
        try AtomicFile.write(Array(repeating: 9, count: 100_000), to: path)
        XCTAssertEqual(contents(path), Array(repeating: 9, count: 100_000))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        try AtomicFile.write([], to: path)
        XCTAssertEqual(contents(path), [])
        XCTAssertEqual(directoryListing(dir), ["data.bin"])
    }

    /// Renaming over /dev/null would turn it into a regular file (as root), breaking every
    /// program that needs the device, tmux among them.
    func testDevicesAreWrittenInPlaceNotReplaced() throws {
        try AtomicFile.write([1, 2, 3], to: "/dev/null")
        var info = stat()
        XCTAssertEqual(stat("/dev/null", &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFCHR, "/dev/null must still be a character device")
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: "/dev").contains { $0.hasPrefix(".null.") })
    }

    func testRelativePathWritesIntoCurrentDirectory() throws {
        let fm = FileManager.default
        let previous = fm.currentDirectoryPath
        XCTAssertTrue(fm.changeCurrentDirectoryPath(dir))
        defer { _ = fm.changeCurrentDirectoryPath(previous) }
        try AtomicFile.write([42], to: "plain.bin")
        XCTAssertEqual(contents(dir + "/plain.bin"), [42])
    }

    func testUnwritableDestinationsThrowAndLeaveNothing() throws {
        let image = syntheticImage(width: 8, height: 8, channels: 3)
        let missingDir = dir + "/missing/out.png"
        assertImageIOError(missingDir, contains: "does not exist") { try ImageFile.savePNG(image, to: missingDir) }

        let plainFile = dir + "/file"
        try AtomicFile.write([0], to: plainFile)
        let underFile = plainFile + "/out.png"
        assertImageIOError(underFile, contains: "not a directory") { try ImageFile.savePNG(image, to: underFile) }

        let subdir = dir + "/sub"
        try FileManager.default.createDirectory(atPath: subdir, withIntermediateDirectories: false)
        assertImageIOError(subdir, contains: "is a directory") { try ImageFile.savePNG(image, to: subdir) }
        assertImageIOError(dir + "/", contains: "directory") { try ImageFile.saveJPEG(image, to: dir + "/", quality: 90) }

        #if os(Linux)
        // procfs refuses new files even for root, unlike a chmod-ed directory.
        assertImageIOError("/proc/self/out.png", contains: "cannot") {
            try ImageFile.savePNG(image, to: "/proc/self/out.png")
        }
        #endif
        XCTAssertEqual(directoryListing(dir), ["file", "sub"])
        XCTAssertEqual(directoryListing(subdir), [])
    }

    func testEncodingFailureCreatesNoFile() {
        var broken = syntheticImage(width: 8, height: 8, channels: 3)
        broken.pixels.removeLast(5)
        let path = dir + "/broken.png"
        assertImageIOError(path, contains: "pixel buffer") { try ImageFile.savePNG(broken, to: path) }
        assertImageIOError(dir + "/b.jpg", contains: "pixel buffer") {
            try ImageFile.saveJPEG(broken, to: self.dir + "/b.jpg", quality: 80)
        }
        XCTAssertEqual(directoryListing(dir), [])
    }

    #if os(Linux)
    /// A write that fails half-way (file size limit) must keep the old file and remove the temp file.
    func testFailedWriteKeepsOldFileAndRemovesTemp() throws {
        let path = dir + "/keep.png"
        try AtomicFile.write([7, 7, 7], to: path)

        let oldHandler = signal(SIGXFSZ, SIG_IGN)
        var oldLimit = rlimit()
        XCTAssertEqual(getrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &oldLimit), 0)
        var limit = oldLimit
        limit.rlim_cur = 4096
        XCTAssertEqual(setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limit), 0)
        defer {
            _ = setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &oldLimit)
            _ = signal(SIGXFSZ, oldHandler)
        }
        // Noise does not compress, so this PNG is far above the 4 KiB limit.
        var rng = SplitMix64(seed: 99)
        let noise = Image(width: 64, height: 64, channels: 3,
                          pixels: (0..<(3 * 64 * 64)).map { _ in Float(rng.next() % 256) / 255 })
        assertImageIOError(path, contains: "write failed") { try ImageFile.savePNG(noise, to: path) }
        XCTAssertEqual(contents(path), [7, 7, 7])
        XCTAssertEqual(directoryListing(dir), ["keep.png"])
    }
    #endif
}
