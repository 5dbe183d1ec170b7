/// The image panes, in screen order.
public enum ImageSlot: String, CaseIterable, Sendable, Hashable {
    case input, current, ema, reference
}

/// The charts, in screen order.
public enum ChartKind: String, CaseIterable, Sendable, Hashable {
    /// Loss, log-y.
    case loss
    /// PSNR against the input, ground truth and the EMA's ground truth.
    case psnr
    /// The early-stopping signal (e.g. windowed variance).
    case es
}

/// A focusable pane.
public enum PaneID: Hashable, Sendable {
    case image(ImageSlot)
    case chart(ChartKind)
}

/// One pane and where it goes.
public struct Placed<ID: Hashable & Sendable>: Equatable, Sendable {
    public var id: ID
    public var rect: Rect
}

/// What the layout depends on.
public struct LayoutRequest: Equatable, Sendable {
    public var cols: Int
    public var rows: Int
    /// Image panes that have an image, in any order (placed in `ImageSlot` order).
    public var images: [ImageSlot]
    public var charts: [ChartKind]
    public var focus: PaneID?
    /// The focused pane takes the whole row (image: shown 1:1) or the whole body (chart).
    public var zoomed: Bool
    /// Height / width of the images, to size the image row without wasted space (nil: square).
    public var imageAspect: Double?

    public init(
        cols: Int, rows: Int, images: [ImageSlot] = ImageSlot.allCases, charts: [ChartKind] = ChartKind.allCases,
        focus: PaneID? = nil, zoomed: Bool = false, imageAspect: Double? = nil
    ) {
        self.cols = cols
        self.rows = rows
        self.images = images
        self.charts = charts
        self.focus = focus
        self.zoomed = zoomed
        self.imageAspect = imageAspect
    }
}

/// Where everything goes on a screen large enough.
public struct ScreenLayout: Equatable, Sendable {
    public var size: Rect
    /// Row 0: task, iteration, speed, losses, state.
    public var status: Rect
    public var images: [Placed<ImageSlot>]
    public var charts: [Placed<ChartKind>]
    /// Second-to-last row: toasts and prompts.
    public var message: Rect
    /// Last row: key hints.
    public var footer: Rect
    /// The `?` overlay (drawn over everything else when shown).
    public var help: Rect

    /// Every non-overlay rectangle; they never overlap.
    public var tiles: [Rect] { [status, message, footer] + images.map(\.rect) + charts.map(\.rect) }

    public func rect(of slot: ImageSlot) -> Rect? { images.first { $0.id == slot }?.rect }
    public func rect(of chart: ChartKind) -> Rect? { charts.first { $0.id == chart }?.rect }
}

/// The screen layout, or the "terminal too small" state.
public enum Layout: Equatable, Sendable {
    case tooSmall(cols: Int, rows: Int)
    case screen(ScreenLayout)

    public static let minCols = 60
    public static let minRows = 20
    /// Smallest useful heights (border + content).
    static let minChartHeight = 7
    static let minImageHeight = 6

    /// Pure function from the terminal size and pane set to rectangles.
    public static func compute(_ req: LayoutRequest) -> Layout {
        let cols = req.cols, rows = req.rows
        guard cols >= minCols, rows >= minRows else { return .tooSmall(cols: cols, rows: rows) }

        var images = ImageSlot.allCases.filter { req.images.contains($0) }
        var charts = ChartKind.allCases.filter { req.charts.contains($0) }
        var zoomedImage = false
        if req.zoomed, let focus = req.focus {
            switch focus {
            case .image(let s) where images.contains(s):
                images = [s]
                zoomedImage = true
            case .chart(let k) where charts.contains(k):
                charts = [k]
                images = []
            default: break
            }
        }

        let bodyTop = 1
        let bodyHeight = rows - 3
        var imageHeight = 0
        if !images.isEmpty && charts.isEmpty {
            imageHeight = bodyHeight
        } else if !images.isEmpty {
            let maxImage = bodyHeight - minChartHeight
            if zoomedImage {
                imageHeight = maxImage
            } else {
                let paneWidth = cols / images.count
                let aspect = req.imageAspect.map { $0.isFinite && $0 > 0 ? $0 : 1 } ?? 1
                // Half-block pixels are square: a cell is 1 pixel wide and 2 tall.
                let desired = Int((Double(paneWidth - 2) * aspect / 2).rounded()) + 2
                imageHeight = max(minImageHeight, min(desired, maxImage))
            }
        }

        var placedImages: [Placed<ImageSlot>] = []
        var x = 0
        for (slot, w) in zip(images, Rect.split(cols, into: images.count)) {
            placedImages.append(Placed(id: slot, rect: Rect(x: x, y: bodyTop, width: w, height: imageHeight)))
            x += w
        }
        var placedCharts: [Placed<ChartKind>] = []
        x = 0
        let chartTop = bodyTop + imageHeight
        for (kind, w) in zip(charts, Rect.split(cols, into: charts.count)) {
            placedCharts.append(Placed(id: kind, rect: Rect(x: x, y: chartTop, width: w, height: bodyHeight - imageHeight)))
            x += w
        }

        let helpW = min(cols - 4, 72), helpH = min(rows - 2, 26)
        return .screen(
            ScreenLayout(
                size: Rect(x: 0, y: 0, width: cols, height: rows),
                status: Rect(x: 0, y: 0, width: cols, height: 1),
                images: placedImages,
                charts: placedCharts,
                message: Rect(x: 0, y: rows - 2, width: cols, height: 1),
                footer: Rect(x: 0, y: rows - 1, width: cols, height: 1),
                help: Rect(x: (cols - helpW) / 2, y: (rows - helpH) / 2, width: helpW, height: helpH)))
    }
}
