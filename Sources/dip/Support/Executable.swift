import Foundation

/// This dip executable, for starting workers that run the same build.
enum Executable {
    /// Its absolute path: /proc/self/exe, else argv[0] resolved against the working directory.
    static var path: String {
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"), target.hasPrefix("/") {
            return target
        }
        let arg0 = CommandLine.arguments[0]
        return URL(fileURLWithPath: arg0, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL.path
    }

    /// The working directory, absolute.
    static var workingDirectory: String { URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path }
}
