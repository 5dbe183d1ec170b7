/// A rectangle of terminal cells; `x`,`y` is the top-left cell (0-based, y down).
public struct Rect: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width <= 0 || height <= 0 }
    public var area: Int { width * height }

    /// True when the two rectangles share at least one cell.
    public func intersects(_ o: Rect) -> Bool {
        !isEmpty && !o.isEmpty && x < o.maxX && o.x < maxX && y < o.maxY && o.y < maxY
    }

    /// True when `o` lies entirely inside `self`.
    public func contains(_ o: Rect) -> Bool {
        o.x >= x && o.y >= y && o.maxX <= maxX && o.maxY <= maxY
    }

    /// Shrinks by `n` cells on every side (the inside of a border when n = 1).
    public func inset(_ n: Int) -> Rect {
        Rect(x: x + n, y: y + n, width: width - 2 * n, height: height - 2 * n)
    }

    public var description: String { "(\(x),\(y) \(width)×\(height))" }

    /// Splits `total` cells into `n` parts differing by at most one, larger parts first.
    static func split(_ total: Int, into n: Int) -> [Int] {
        guard n > 0 else { return [] }
        let base = total / n, extra = total % n
        return (0..<n).map { base + ($0 < extra ? 1 : 0) }
    }
}
