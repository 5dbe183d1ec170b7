import XCTest
@testable import TUI

final class LayoutTests: XCTestCase {
    private func screen(_ req: LayoutRequest, file: StaticString = #filePath, line: UInt = #line) -> ScreenLayout? {
        guard case .screen(let l) = Layout.compute(req) else {
            XCTFail("expected a screen layout for \(req.cols)×\(req.rows)", file: file, line: line)
            return nil
        }
        return l
    }

    func testTilesNeverOverlapAndFitInside() {
        let sizes = [(60, 20), (80, 24), (100, 30), (120, 40), (201, 57), (61, 33)]
        let imageSets: [[ImageSlot]] = [ImageSlot.allCases, [.input, .current, .ema], [.current], []]
        let chartSets: [[ChartKind]] = [ChartKind.allCases, [.loss, .psnr], []]
        let focuses: [(PaneID?, Bool)] = [(nil, false), (.image(.current), true), (.chart(.psnr), true), (.image(.input), false)]
        var checked = 0
        for (cols, rows) in sizes {
            for images in imageSets {
                for charts in chartSets {
                    for (focus, zoomed) in focuses {
                        let req = LayoutRequest(cols: cols, rows: rows, images: images, charts: charts, focus: focus,
                                                zoomed: zoomed, imageAspect: 0.75)
                        guard let l = screen(req) else { continue }
                        let bounds = Rect(x: 0, y: 0, width: cols, height: rows)
                        let tiles = l.tiles
                        for (i, a) in tiles.enumerated() {
                            XCTAssertFalse(a.isEmpty, "empty tile \(a) in \(req)")
                            XCTAssertTrue(bounds.contains(a), "\(a) outside \(bounds)")
                            for b in tiles[(i + 1)...] {
                                XCTAssertFalse(a.intersects(b), "\(a) overlaps \(b) for \(req)")
                            }
                        }
                        XCTAssertTrue(bounds.contains(l.help))
                        // Body rows are fully used: status + images + charts + message + footer = rows.
                        if !(images.isEmpty && charts.isEmpty) {
                            let imageH = l.images.first?.rect.height ?? 0
                            let chartH = l.charts.first?.rect.height ?? 0
                            XCTAssertEqual(3 + imageH + chartH, rows, "\(req)")
                        }
                        checked += 1
                    }
                }
            }
        }
        XCTAssertEqual(checked, sizes.count * 4 * 3 * 4)
    }

    func testTooSmallBelowMinimum() {
        XCTAssertEqual(Layout.compute(LayoutRequest(cols: 59, rows: 40)), .tooSmall(cols: 59, rows: 40))
        XCTAssertEqual(Layout.compute(LayoutRequest(cols: 150, rows: 19)), .tooSmall(cols: 150, rows: 19))
        XCTAssertNotNil(screen(LayoutRequest(cols: 60, rows: 20)))
    }

    func testFixedRowsAndFullWidthBars() throws {
        let l = try XCTUnwrap(screen(LayoutRequest(cols: 100, rows: 30)))
        XCTAssertEqual(l.status, Rect(x: 0, y: 0, width: 100, height: 1))
        XCTAssertEqual(l.message, Rect(x: 0, y: 28, width: 100, height: 1))
        XCTAssertEqual(l.footer, Rect(x: 0, y: 29, width: 100, height: 1))
        XCTAssertEqual(l.images.map(\.id), [.input, .current, .ema, .reference])
        XCTAssertEqual(l.charts.map(\.id), [.loss, .psnr, .es])
        XCTAssertEqual(l.images.map(\.rect.width).reduce(0, +), 100)
        XCTAssertEqual(l.charts.map(\.rect.width).reduce(0, +), 100)
    }

    func testImageRowHeightFollowsAspect() throws {
        // 4 panes of 30 columns: 28 inner columns = 28 square pixels wide → 14 rows for a square image + border.
        let square = try XCTUnwrap(screen(LayoutRequest(cols: 120, rows: 40, imageAspect: 1)))
        XCTAssertEqual(square.images[0].rect.height, 16)
        let wide = try XCTUnwrap(screen(LayoutRequest(cols: 120, rows: 40, imageAspect: 0.5)))
        XCTAssertEqual(wide.images[0].rect.height, 9)
        // A very tall image is capped so the charts keep their minimum height.
        let tall = try XCTUnwrap(screen(LayoutRequest(cols: 120, rows: 40, imageAspect: 4)))
        XCTAssertEqual(tall.charts[0].rect.height, Layout.minChartHeight)
    }

    func testZoomedImageTakesTheRow() throws {
        let l = try XCTUnwrap(screen(LayoutRequest(cols: 100, rows: 30, focus: .image(.ema), zoomed: true)))
        XCTAssertEqual(l.images.map(\.id), [.ema])
        XCTAssertEqual(l.images[0].rect.width, 100)
        XCTAssertEqual(l.charts.count, 3)
        XCTAssertEqual(l.charts[0].rect.height, Layout.minChartHeight)
    }

    func testZoomedChartTakesTheBody() throws {
        let l = try XCTUnwrap(screen(LayoutRequest(cols: 100, rows: 30, focus: .chart(.psnr), zoomed: true)))
        XCTAssertTrue(l.images.isEmpty)
        XCTAssertEqual(l.charts, [Placed(id: .psnr, rect: Rect(x: 0, y: 1, width: 100, height: 27))])
    }

    func testSplitDistributesRemainder() {
        XCTAssertEqual(Rect.split(10, into: 3), [4, 3, 3])
        XCTAssertEqual(Rect.split(9, into: 3), [3, 3, 3])
        XCTAssertEqual(Rect.split(5, into: 0), [])
    }
}
