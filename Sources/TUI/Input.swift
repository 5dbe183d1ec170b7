import CNcurses

extension Key {
    /// Decodes a `getch` code (with keypad mode on); nil for codes the UI ignores.
    init?(ncurses code: Int32) {
        switch code {
        case KEY_UP: self = .up
        case KEY_DOWN: self = .down
        case KEY_LEFT: self = .left
        case KEY_RIGHT: self = .right
        case KEY_HOME: self = .home
        case KEY_END: self = .end
        case KEY_PPAGE: self = .pageUp
        case KEY_NPAGE: self = .pageDown
        case KEY_BTAB: self = .backTab
        case KEY_RESIZE: self = .resize
        case KEY_ENTER, 10, 13: self = .enter
        case 9: self = .tab
        case 27: self = .escape
        case KEY_BACKSPACE, 8, 127: self = .backspace
        case (KEY_F0 + 1)...(KEY_F0 + 24): self = .function(Int(code - KEY_F0))
        case 32..<127:
            self = .char(Character(Unicode.Scalar(UInt8(code))))
        default:
            return nil
        }
    }
}
