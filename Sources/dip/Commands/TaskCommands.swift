import ArgumentParser
import Foundation
import Tasks

/// The text every task's --help ends with: its reference defaults.
private func defaults(_ task: TaskKind, _ extra: String = "") -> String {
    "Defaults (from the reference code): \(TaskRecipe.reference(task, channels: 3).helpLine).\(extra)\n"
        + "Runs headless when stdout is not a terminal or with --headless; the result is "
        + (task.stopsEarlyByDefault
            ? "the no-reference early-stopping pick (--pick)"
            : "the EMA after the last iteration (no auto-stop: with exact known pixels there is no noise to stop before)")
        + " unless you accept another iteration in the TUI."
}

struct DenoiseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "denoise", abstract: "Remove noise from a photo (Gaussian or real sensor noise).",
        discussion: defaults(.denoise))
    @Argument(help: "The noisy image (PNG or JPEG; gray, RGB, alpha, 8 or 16 bit).") var image: String
    @OptionGroup var options: RunArguments
    func run() throws { try TaskLauncher.launch(.denoise, RunInputPaths(image: image, groundTruth: options.gt), options) }
}

struct JPEGCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jpeg", abstract: "Remove JPEG blocking and ringing (blind).", discussion: defaults(.jpeg))
    @Argument(help: "The compressed image.") var image: String
    @OptionGroup var options: RunArguments
    func run() throws { try TaskLauncher.launch(.jpeg, RunInputPaths(image: image, groundTruth: options.gt), options) }
}

struct SuperResolutionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sr", abstract: "Upscale an image ×2, ×4 or ×8; the result is exactly scale× the input size.",
        discussion: defaults(.sr, " For ×8: 4000 iterations, reg noise 0.05."))
    @Argument(help: "The low-resolution image.") var image: String
    @Option(help: "Upscaling factor: 2, 4 or 8.") var scale = 4
    @OptionGroup var options: RunArguments
    func validate() throws {
        guard [2, 4, 8].contains(scale) else { throw ValidationError("--scale must be 2, 4 or 8, got \(scale)") }
    }
    func run() throws { try TaskLauncher.launch(.sr, RunInputPaths(image: image, groundTruth: options.gt), options, scale: scale) }
}

struct InpaintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inpaint", abstract: "Fill holes, text or watermarks given a mask.",
        discussion: defaults(.inpaint, " Mask: white = known pixels, black = fill in; it must match the image size."))
    @Argument(help: "The damaged image.") var image: String
    @Option(help: "Mask image: white (≥ 50%) = known, black = to fill.") var mask: String
    @OptionGroup var options: RunArguments
    func run() throws { try TaskLauncher.launch(.inpaint, RunInputPaths(image: image, mask: mask, groundTruth: options.gt), options) }
}

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Restore an image from sparse known pixels (e.g. 50% missing).",
        discussion: defaults(.restore, " Mask: white = known pixels, black = missing."))
    @Argument(help: "The image with missing pixels.") var image: String
    @Option(help: "Mask image: white = known, black = missing.") var mask: String
    @OptionGroup var options: RunArguments
    func run() throws { try TaskLauncher.launch(.restore, RunInputPaths(image: image, mask: mask, groundTruth: options.gt), options) }
}

struct FlashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flash", abstract: "Flash/no-flash: a no-flash photo with the flash photo's detail.",
        discussion: defaults(.flash))
    @Argument(help: "The flash photo (fed to the net as z).") var flash: String
    @Argument(help: "The no-flash photo (the target).") var noflash: String
    @OptionGroup var options: RunArguments
    func run() throws { try TaskLauncher.launch(.flash, RunInputPaths(image: noflash, flash: flash, groundTruth: options.gt), options) }
}

struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Continue a run from its last checkpoint (after a crash, kill or stop).",
        discussion: "A run that ended (all its iterations, or auto-stop) goes on with --iterations N (the new total) "
            + "and, if it stopped on its own, --no-auto-stop; run.json records the change.")
    @Argument(help: "The run directory.") var rundir: String
    @Option(help: "Run up to this many iterations in all (default: the run's own count).") var iterations: Int?
    @Flag(inversion: .prefixedNo, help: "Stop when the early-stopping signal stops improving (default: as the run did).")
    var autoStop: Bool?
    @Flag(help: "Run without the TUI even on a terminal.") var headless = false
    @Flag(help: "Print JSON lines on stdout.") var json = false
    @Option(help: "Threads for oneDNN and the kernels.") var threads: Int?
    func run() throws {
        var args = try RunArguments.parse([])
        args.iterations = iterations
        args.autoStop = autoStop
        args.headless = headless
        args.json = json
        args.threads = threads
        try args.validate()
        try TaskLauncher.resume(rundir, args)
    }
}
