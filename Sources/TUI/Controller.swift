/// A short message in the message line.
struct Toast: Equatable {
    var text: String
    var role: ColorRole
    var expires: Double
}

/// Everything the user changed about the view (no terminal state).
struct ViewState {
    var focus: PaneID?
    var zoomed = false
    /// Centre of the 1:1 zoom window in image pixels (nil: image centre).
    var panCenter: (x: Int, y: Int)?
    /// Pixels per pan step; the renderer sets it from the pane size.
    var panStep = 8
    var helpVisible = false
    var toast: Toast?
    /// A first q arms the stop until this time.
    var quitArmedUntil: Double?
    /// Pause state asked for and not yet confirmed by a frame.
    var pauseRequested: Bool?
    var colorMode: ColorMode
    /// Log y for the loss and ES charts.
    var logScale = true
    var chartGlyphs: ChartGlyphs
}

/// Applies actions to the view state and the run; knows nothing about the terminal, so tests drive it
/// with a fake run. Every method returns what must be redrawn.
final class Controller {
    let control: LiveRunControl
    let keyMap: KeyMap
    var state: ViewState
    var themes: ThemeSwitcher
    let exitWhenRunEnds: Bool
    private(set) var frame: LiveFrame?
    /// The snapshot being viewed (nil: live), and its index in the last `snapshots()` list.
    private(set) var scrubbed: SnapshotRef?
    private(set) var scrubIndex: Int?
    /// Set when the view should close.
    private(set) var quitReason: LiveViewOutcome.Reason?
    /// Messages to print after the terminal is restored.
    var messages: [String] = []

    static let quitWindow = 2.0
    static let toastSeconds = 3.0

    init(control: LiveRunControl, state: ViewState, themes: ThemeSwitcher, keyMap: KeyMap = .standard,
         exitWhenRunEnds: Bool = false) {
        self.control = control
        self.state = state
        self.themes = themes
        self.keyMap = keyMap
        self.exitWhenRunEnds = exitWhenRunEnds
    }

    // MARK: - What is shown

    /// The iteration on screen: the scrubbed snapshot's, else the live frame's.
    var shownIteration: Int? { scrubbed?.iteration ?? frame?.iteration }

    /// True when the run is (or was asked to be) paused.
    var isPaused: Bool {
        if let r = state.pauseRequested { return r }
        return frame?.status == .paused
    }

    /// Image panes with something to show (from the live frame, so scrubbing never changes the layout).
    var imageSlots: [ImageSlot] {
        guard let f = frame else { return [] }
        var s: [ImageSlot] = []
        if f.input != nil { s.append(.input) }
        if f.current != nil || scrubbed != nil { s.append(.current) }
        if f.ema != nil || scrubbed?.ema != nil { s.append(.ema) }
        if f.reference != nil { s.append(.reference) }
        return s
    }

    var chartKinds: [ChartKind] {
        var k: [ChartKind] = [.loss, .psnr]
        if let f = frame, f.bestESIteration != nil || f.history.contains(where: { $0.esSignal != nil }) {
            k.append(.es)
        }
        return k
    }

    var panes: [PaneID] { imageSlots.map { .image($0) } + chartKinds.map { .chart($0) } }

    /// The image shown in `slot` and the pane title.
    func image(for slot: ImageSlot) -> (image: PreviewImage?, title: String) {
        let f = frame
        switch slot {
        case .input: return (f?.input, "input")
        case .current:
            if let s = scrubbed { return (s.image, "snapshot \(s.iteration)") }
            return (f?.current, "current")
        case .ema:
            if let s = scrubbed {
                if let e = s.ema { return (e, "EMA \(s.iteration)") }
                return (f?.ema, "EMA (live)")
            }
            return (f?.ema, "EMA")
        case .reference: return (f?.reference, f?.referenceLabel ?? "reference")
        }
    }

    /// The message line: a toast, the stop prompt, or the run's end state.
    func message(now: Double) -> (text: String, role: ColorRole)? {
        if let t = state.toast, t.expires > now { return (t.text, t.role) }
        if let until = state.quitArmedUntil, until > now {
            return ("press q again to stop (checkpoint and result are saved) · Enter accepts the shown iteration", .warning)
        }
        switch frame?.status {
        case .finished(let reason)?: return ("run finished: \(reason) · q quits · ←/→ review snapshots · Enter accepts the shown one", .accent)
        case .failed(let message)?: return ("run failed: \(message) · q quits", .error)
        default: break
        }
        if let s = scrubbed, let live = frame?.iteration {
            return ("viewing snapshot \(s.iteration) — live is \(live) · End: back to live · Enter: accept it", .accent)
        }
        return nil
    }

    // MARK: - Input

    func handle(_ key: Key, now: Double) -> Reaction {
        if key == .resize { return [.layout, .repaint] }
        if state.helpVisible {
            // The overlay is modal: any key closes it.
            state.helpVisible = false
            return [.overlay, .repaint]
        }
        guard let action = keyMap.action(for: key) else { return .none }
        return perform(action, now: now)
    }

    func perform(_ action: Action, now: Double) -> Reaction {
        if action != .stop { state.quitArmedUntil = nil }
        switch action {
        case .togglePause:
            guard let f = frame, !f.status.isOver else { return toast("the run is not running", .warning, now) }
            let pause = !isPaused
            control.setPaused(pause)
            state.pauseRequested = pause
            return [.status, .message]

        case .save:
            switch control.saveNow() {
            case .success(let path): return toast("saved \(path)", .toast, now)
            case .failure(let error): return toast("save failed: \(error)", .error, now)
            }

        case .stop:
            if frame?.status.isOver == true || (state.quitArmedUntil ?? -1) > now {
                control.stop(acceptIteration: nil)
                quitReason = .stopped
                return .quit
            }
            state.quitArmedUntil = now + Controller.quitWindow
            state.toast = nil
            return .message

        case .accept:
            guard let it = shownIteration else { return toast("nothing to accept yet", .warning, now) }
            control.stop(acceptIteration: it)
            quitReason = .accepted(iteration: it)
            return .quit

        case .scrubOlder, .scrubNewer, .scrubFirst, .scrubLive, .jumpToBest:
            return scrub(action, now: now)

        case .focusNext, .focusPrevious:
            let p = panes
            guard !p.isEmpty else { return .none }
            let i = state.focus.flatMap { p.firstIndex(of: $0) }
            let n: Int
            if action == .focusNext {
                n = i.map { ($0 + 1) % p.count } ?? 0
            } else {
                n = i.map { ($0 + p.count - 1) % p.count } ?? p.count - 1
            }
            state.focus = p[n]
            state.panCenter = nil
            return state.zoomed ? [.layout, .repaint, .preview, .charts] : [.preview, .charts, .layout]

        case .toggleZoom:
            if state.focus == nil || !panes.contains(state.focus!) {
                state.focus = imageSlots.contains(.current) ? .image(.current) : panes.first
            }
            state.zoomed.toggle()
            state.panCenter = nil
            return [.layout, .repaint, .preview, .charts]

        case .pan(let dx, let dy):
            guard state.zoomed, case .image(let slot)? = state.focus, let img = image(for: slot).image else {
                return .none
            }
            let c = state.panCenter ?? (img.width / 2, img.height / 2)
            let step = max(1, state.panStep)
            state.panCenter = (max(0, min(img.width - 1, c.x + dx * step)), max(0, min(img.height - 1, c.y + dy * step)))
            return .preview

        case .cycleTheme:
            let r = themes.next()
            messages += r.messages
            _ = toast(r.text, r.role, now)
            return .all

        case .cycleColorMode:
            state.colorMode = state.colorMode.next
            _ = toast("colour mode \(state.colorMode.label)", .toast, now)
            return .all

        case .toggleLogScale:
            state.logScale.toggle()
            return .charts

        case .cycleChartGlyphs:
            let all = ChartGlyphs.allCases
            state.chartGlyphs = all[(all.firstIndex(of: state.chartGlyphs)! + 1) % all.count]
            _ = toast("chart glyphs \(state.chartGlyphs.rawValue)", .toast, now)
            return [.charts, .message]

        case .toggleHelp:
            state.helpVisible.toggle()
            return [.overlay, .repaint]

        case .closeOverlay:
            guard state.helpVisible else { return .none }
            state.helpVisible = false
            return [.overlay, .repaint]
        }
    }

    private func scrub(_ action: Action, now: Double) -> Reaction {
        if action == .scrubLive {
            scrubbed = nil
            scrubIndex = nil
            return [.preview, .status, .charts, .message]
        }
        let snaps = control.snapshots()
        guard !snaps.isEmpty else { return toast("no snapshots yet", .warning, now) }
        var index: Int?
        switch action {
        case .scrubOlder:
            index = scrubIndex.map { max(0, min(snaps.count - 1, $0) - 1) } ?? snaps.count - 1
        case .scrubNewer:
            if let i = scrubIndex { index = i + 1 < snaps.count ? i + 1 : nil }
        case .scrubFirst:
            index = 0
        case .jumpToBest:
            guard let target = frame?.bestESIteration ?? frame?.bestGTIteration else {
                return toast("no best iteration yet", .warning, now)
            }
            index = snaps.indices.min { abs(snaps[$0].iteration - target) < abs(snaps[$1].iteration - target) }
        default:
            break
        }
        if let i = index {
            scrubIndex = i
            scrubbed = snaps[i]
        } else {
            scrubIndex = nil
            scrubbed = nil
        }
        return [.preview, .status, .charts, .message]
    }

    private func toast(_ text: String, _ role: ColorRole, _ now: Double) -> Reaction {
        state.toast = Toast(text: text, role: role, expires: now + Controller.toastSeconds)
        return .message
    }

    // MARK: - Frames, signals, time

    /// Takes a new frame from the run; returns what it changes on screen.
    func adopt(_ new: LiveFrame) -> Reaction {
        let old = frame
        let oldPanes = panes
        frame = new
        var r: Reaction = old == nil ? .all : []
        if let o = old {
            if o.iteration != new.iteration || o.history.count != new.history.count
                || o.bestESIteration != new.bestESIteration || o.bestGTIteration != new.bestGTIteration
                || o.stopSuggestedAt != new.stopSuggestedAt
            {
                r.formUnion([.status, .charts])
                if scrubbed == nil { r.insert(.preview) }
            }
            if o.status != new.status { r.formUnion([.status, .message, .footer]) }
            if o.info != new.info { r.insert(.status) }
        }
        if let want = state.pauseRequested {
            if (want && new.status == .paused) || (!want && new.status == .running) || new.status.isOver {
                state.pauseRequested = nil
            }
        }
        if panes != oldPanes { r.formUnion([.layout, .repaint]) }
        if exitWhenRunEnds && new.status.isOver {
            quitReason = .runEnded
            r.insert(.quit)
        }
        return r
    }

    /// Ctrl-C, SIGTERM, SIGHUP: stop the run the same way as q q and close.
    func interrupt(signal: Int32) -> Reaction {
        control.stop(acceptIteration: nil)
        quitReason = .interrupted(signal: signal)
        return .quit
    }

    /// Expires toasts and the stop prompt.
    func tick(now: Double) -> Reaction {
        var r: Reaction = []
        if let t = state.toast, t.expires <= now {
            state.toast = nil
            r.insert(.message)
        }
        if let q = state.quitArmedUntil, q <= now {
            state.quitArmedUntil = nil
            r.insert(.message)
        }
        return r
    }
}
