import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One image of a batch: a line of DIR/manifest.jsonl, read by `dip batch-item DIR INDEX`.
public struct BatchItem: Codable, Equatable, Sendable {
    public var index: Int
    /// Unique within the batch: the image's file name without extension (or with it, or with a
    /// number, when two images would share a name). Names DIR/runs/<name>/.
    public var name: String
    public var task: TaskKind
    /// Absolute paths of the inputs.
    public var image: String
    public var mask: String?
    public var groundTruth: String?
    public var runDirectory: String
    /// DIR/results/INDEX.json, written atomically by the item's worker when it ends.
    public var result: String
    /// The worker's log (local executor); nil under Slurm, whose per-task log is used.
    public var log: String?
    /// The task options, as `dip TASK` takes them (e.g. ["--iterations", "50", "--channels", "8"]).
    public var taskArguments: [String]
    /// The upscaling factor of sr.
    public var scale: Int?
    /// Why this item cannot run, found while building the manifest (e.g. no mask); its worker
    /// records it as the item's failure.
    public var inputError: String?

    public init(
        index: Int, name: String, task: TaskKind, image: String, mask: String? = nil, groundTruth: String? = nil,
        runDirectory: String, result: String, log: String? = nil, taskArguments: [String] = [], scale: Int? = nil,
        inputError: String? = nil
    ) {
        self.index = index
        self.name = name
        self.task = task
        self.image = image
        self.mask = mask
        self.groundTruth = groundTruth
        self.runDirectory = runDirectory
        self.result = result
        self.log = log
        self.taskArguments = taskArguments
        self.scale = scale
        self.inputError = inputError
    }

    /// The single-image command that does what this item does.
    public var equivalentCommand: [String] {
        var c = ["dip", task.rawValue]
        c.append(image)
        if let mask { c += ["--mask", mask] }
        if let scale, task == .sr { c += ["--scale", String(scale)] }
        if let groundTruth { c += ["--gt", groundTruth] }
        return c + taskArguments + ["--out", runDirectory, "--headless"]
    }

    public var workItem: WorkItem { WorkItem(index: index, result: result, log: log) }
}

/// A batch folder:
///
///     manifest.jsonl     one BatchItem per line (the work items)
///     runs/<name>/       each image's run directory (run.json, metrics.csv, checkpoint, result.png…)
///     results/INDEX.json each item's outcome, written atomically by its worker
///     logs/INDEX.log     each item's output (local executor)
///     slurm/             job.sh, logs/JOB_INDEX.out, jobs.log (Slurm executor)
///     summary.csv, summary.md
public struct BatchDirectory: Sendable {
    public let path: String

    public init(path: String) { self.path = URL(fileURLWithPath: path).standardizedFileURL.path }

    public var manifest: String { "\(path)/manifest.jsonl" }
    public var summaryCSV: String { "\(path)/summary.csv" }
    public var summaryMD: String { "\(path)/summary.md" }
    public var slurm: String { "\(path)/slurm" }
    public func runDirectory(_ name: String) -> String { "\(path)/runs/\(name)" }
    public func result(_ index: Int) -> String { "\(path)/results/\(index).json" }
    public func log(_ index: Int) -> String { "\(path)/logs/\(index).log" }

    public var exists: Bool { FileManager.default.fileExists(atPath: manifest) }

    /// Makes the folders (runs, results, logs).
    public func create() throws {
        do {
            for sub in ["runs", "results", "logs"] {
                try FileManager.default.createDirectory(atPath: "\(path)/\(sub)", withIntermediateDirectories: true)
            }
        } catch {
            throw TaskError.badInput("cannot create batch directory \(path): \(RunDirectory.reason(error))")
        }
    }

    public func writeManifest(_ items: [BatchItem]) throws { try JSONLines.write(items, to: manifest) }

    public func items() throws -> [BatchItem] {
        guard FileManager.default.fileExists(atPath: manifest) else {
            throw TaskError.badInput("\(path) is not a dip batch directory (no manifest.jsonl)")
        }
        return try JSONLines.read(BatchItem.self, from: manifest)
    }

    public func item(_ index: Int) throws -> BatchItem {
        guard let item = try items().first(where: { $0.index == index }) else {
            throw TaskError.badInput("\(manifest) has no item \(index)")
        }
        return item
    }
}

/// Finding a batch's images, their masks and their ground truths.
public enum BatchInputs {
    public static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    /// Whether a file is a mask by the naming convention (NAME_mask.png, NAME-mask.png).
    public static func isMask(_ path: String) -> Bool {
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent.lowercased()
        return stem.hasSuffix("_mask") || stem.hasSuffix("-mask")
    }

    static func isImage(_ path: String) -> Bool {
        imageExtensions.contains(URL(fileURLWithPath: path).pathExtension.lowercased())
    }

    /// The images named by each `--inputs` value: a directory's .png/.jpg/.jpeg files (not
    /// recursive), a glob's matches, or a file. Masks are left out; the result is absolute,
    /// sorted per value, without duplicates.
    public static func expand(_ patterns: [String]) throws -> [String] {
        var out: [String] = []
        var seen = Set<String>()
        for pattern in patterns {
            var isDirectory: ObjCBool = false
            var found: [String]
            if FileManager.default.fileExists(atPath: pattern, isDirectory: &isDirectory) {
                if isDirectory.boolValue {
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: pattern)) ?? []
                    found = names.filter { !$0.hasPrefix(".") && isImage($0) }.map { "\(pattern)/\($0)" }
                } else {
                    found = [pattern]
                }
            } else {
                found = globMatches(pattern).filter { !FileManager.default.isDirectory($0) }
                guard !found.isEmpty else { throw TaskError.badInput("--inputs \(pattern): no such file, directory or matching image") }
            }
            let images = found.map { URL(fileURLWithPath: $0).standardizedFileURL.path }.filter { !isMask($0) }.sorted()
            guard !images.isEmpty else { throw TaskError.badInput("--inputs \(pattern): no .png or .jpg images there") }
            for image in images where seen.insert(image).inserted { out.append(image) }
        }
        return out
    }

    static func globMatches(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard glob(pattern, 0, nil, &g) == 0 else { return [] }
        return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }
    }

    /// The mask of `image`: NAME_mask.png (or .jpg…, or NAME-mask.*) next to it, or in
    /// `directory` NAME_mask.* or NAME.*.
    public static func mask(for image: String, directory: String?) -> String? {
        let url = URL(fileURLWithPath: image)
        let stem = url.deletingPathExtension().lastPathComponent
        let candidates: [String]
        if let directory {
            candidates = ["\(stem)_mask", "\(stem)-mask", stem].map { "\(directory)/\($0)" }
        } else {
            let folder = url.deletingLastPathComponent().path
            candidates = ["\(stem)_mask", "\(stem)-mask"].map { "\(folder)/\($0)" }
        }
        return firstImage(candidates)
    }

    /// The ground truth of `image` in `directory`: the same file name, or the same name with
    /// another image extension.
    public static func groundTruth(for image: String, in directory: String) -> String? {
        let url = URL(fileURLWithPath: image)
        let same = "\(directory)/\(url.lastPathComponent)"
        if FileManager.default.fileExists(atPath: same) { return URL(fileURLWithPath: same).standardizedFileURL.path }
        return firstImage(["\(directory)/\(url.deletingPathExtension().lastPathComponent)"])
    }

    private static func firstImage(_ stems: [String]) -> String? {
        for stem in stems {
            for ext in ["png", "PNG", "jpg", "JPG", "jpeg", "JPEG"] where FileManager.default.fileExists(atPath: "\(stem).\(ext)") {
                return URL(fileURLWithPath: "\(stem).\(ext)").standardizedFileURL.path
            }
        }
        return nil
    }

    /// A unique run-directory name per image: the stem; the file name where stems collide;
    /// then -2, -3… where even those collide (images from different folders).
    public static func names(_ images: [String]) -> [String] {
        let stems = images.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
        let files = images.map { URL(fileURLWithPath: $0).lastPathComponent }
        var stemCount: [String: Int] = [:]
        for s in stems { stemCount[s, default: 0] += 1 }
        var used = Set<String>()
        var out: [String] = []
        for (i, stem) in stems.enumerated() {
            var name = stemCount[stem]! > 1 ? files[i] : stem
            if used.contains(name) {
                var n = 2
                while used.contains("\(name)-\(n)") { n += 1 }
                name = "\(name)-\(n)"
            }
            used.insert(name)
            out.append(name)
        }
        return out
    }
}

extension FileManager {
    func isDirectory(_ path: String) -> Bool {
        var d: ObjCBool = false
        return fileExists(atPath: path, isDirectory: &d) && d.boolValue
    }
}
