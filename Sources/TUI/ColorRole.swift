/// Every colour the UI uses, named by role (htop's ColorElements). The raw value is the key in a
/// `themes/*.theme` file.
public enum ColorRole: String, CaseIterable, Sendable, Hashable {
    case background
    case text
    case dimText = "dim_text"
    case accent
    case title
    case border
    case focus
    case chart1 = "chart_1"
    case chart2 = "chart_2"
    case chart3 = "chart_3"
    case chart4 = "chart_4"
    case lossLine = "loss_line"
    case psnrInputLine = "psnr_input_line"
    case psnrGTLine = "psnr_gt_line"
    case psnrEMALine = "psnr_ema_line"
    case esLine = "es_line"
    case bestMarker = "best_marker"
    case gtMarker = "gt_marker"
    case stopMarker = "stop_marker"
    case cursorMarker = "cursor_marker"
    case toast
    case warning
    case error
    case statusBg = "status_bg"
    case statusFg = "status_fg"

    /// What the role colours, for theme-file comments and the help overlay.
    public var summary: String {
        switch self {
        case .background: return "screen background"
        case .text: return "normal text"
        case .dimText: return "secondary text, axis labels, footer"
        case .accent: return "key names, highlights"
        case .title: return "pane titles"
        case .border: return "pane borders"
        case .focus: return "border of the focused pane"
        case .chart1, .chart2, .chart3, .chart4: return "generic chart series"
        case .lossLine: return "loss curve"
        case .psnrInputLine: return "PSNR against the input"
        case .psnrGTLine: return "PSNR against ground truth"
        case .psnrEMALine: return "PSNR of the EMA against ground truth"
        case .esLine: return "early-stopping signal"
        case .bestMarker: return "best-ES iteration marker"
        case .gtMarker: return "best-GT iteration marker"
        case .stopMarker: return "stop-suggested marker"
        case .cursorMarker: return "scrub cursor marker"
        case .toast: return "toast messages"
        case .warning: return "warnings, PAUSED"
        case .error: return "errors"
        case .statusBg: return "status bar background"
        case .statusFg: return "status bar text"
        }
    }
}
