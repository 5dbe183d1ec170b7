import XCTest
@testable import TUI

final class ChartRasterTests: XCTestCase {
    /// All dots set in a braille raster, as (dot x, dot y).
    private func dots(_ r: ChartRaster) -> Set<[Int]> {
        var out = Set<[Int]>()
        for row in 0..<r.height {
            for col in 0..<r.width {
                let ch = r.glyphs[row][col]
                if ch == " " { continue }
                let v = ch.unicodeScalars.first!.value
                XCTAssertTrue((0x2800...0x28FF).contains(v), "not braille: \(ch)")
                let bits = v - 0x2800
                for dx in 0..<2 {
                    for dy in 0..<4 where bits & ChartRasterizer.brailleBits[dx][dy] != 0 {
                        out.insert([col * 2 + dx, row * 4 + dy])
                    }
                }
            }
        }
        return out
    }

    func testHorizontalLineAtTop() {
        let s = ChartSeries(role: .lossLine, points: [ChartPoint(0, 1), ChartPoint(10, 1)])
        let r = ChartRasterizer.rasterize(series: [s], width: 3, height: 1, yRange: 0...1)
        // Top dot row in both dot columns of every cell: bits 0x01 | 0x08.
        XCTAssertEqual(r.line(0), "⠉⠉⠉")
        XCTAssertEqual(r.roles[0], [.lossLine, .lossLine, .lossLine])
    }

    func testDiagonalSetsExactlyTheExpectedDots() {
        let s = ChartSeries(role: .chart1, points: [ChartPoint(0, 0), ChartPoint(7, 7)])
        let r = ChartRasterizer.rasterize(series: [s], width: 4, height: 2, xRange: 0...7, yRange: 0...7)
        let want = Set((0...7).map { [$0, 7 - $0] })
        XCTAssertEqual(dots(r), want)
    }

    func testLogScaleMapsDecadesEvenly() {
        // Four decades, one point each (separate series, so no joining lines); 16 dot rows → rows 0, 5, 10, 15.
        let ys = [1.0, 0.1, 0.01, 0.001]
        let series = ys.enumerated().map { ChartSeries(role: .lossLine, points: [ChartPoint(Double($0.offset), $0.element)]) }
        let r = ChartRasterizer.rasterize(series: series, width: 4, height: 4, yScale: .log10, xRange: 0...3)
        XCTAssertEqual(r.yRange, 0.001...1)
        XCTAssertEqual(dots(r), [[0, 0], [2, 5], [5, 10], [7, 15]])
        // The same data on a linear axis crowds the three small values at the bottom.
        let lin = ChartRasterizer.rasterize(series: series, width: 4, height: 4, yScale: .linear, xRange: 0...3)
        XCTAssertEqual(dots(lin).filter { $0[1] >= 13 }.count, 3)
    }

    func testMarkerAppearsAtItsColumn() {
        let m = ChartMarker(x: 5, role: .bestMarker)
        let r = ChartRasterizer.rasterize(series: [], markers: [m], width: 6, height: 3, xRange: 0...10, yRange: 0...1)
        // x = 5 of 0…10 over 12 dot columns → dot column 6 → cell 3, left dot column (bits 0x47).
        for row in 0..<3 {
            for col in 0..<6 {
                if col == 3 {
                    XCTAssertEqual(r.glyphs[row][col], "⡇")
                    XCTAssertEqual(r.roles[row][col], .bestMarker)
                } else {
                    XCTAssertEqual(r.glyphs[row][col], " ", "row \(row) col \(col)")
                    XCTAssertNil(r.roles[row][col])
                }
            }
        }
    }

    func testSeriesWinsTheColourOfASharedCell() {
        let s = ChartSeries(role: .psnrGTLine, points: [ChartPoint(0, 0.5), ChartPoint(10, 0.5)])
        let r = ChartRasterizer.rasterize(series: [s], markers: [ChartMarker(x: 5, role: .cursorMarker)],
                                          width: 6, height: 1, xRange: 0...10, yRange: 0...1)
        XCTAssertEqual(r.roles[0][3], .psnrGTLine)
        XCTAssertEqual(r.roles[0][0], .psnrGTLine)
    }

    func testNonFiniteValuesBreakTheLine() {
        let s = ChartSeries(role: .chart1, points: [ChartPoint(0, 0), ChartPoint(1, .nan), ChartPoint(2, 1)])
        let r = ChartRasterizer.rasterize(series: [s], width: 4, height: 2, xRange: 0...2, yRange: 0...1)
        XCTAssertEqual(dots(r).count, 2)
        let joined = ChartSeries(role: .chart1, points: [ChartPoint(0, 0), ChartPoint(2, 1)])
        XCTAssertGreaterThan(dots(ChartRasterizer.rasterize(series: [joined], width: 4, height: 2, xRange: 0...2, yRange: 0...1)).count, 2)
    }

    func testAutoRanges() {
        let s = ChartSeries(role: .chart1, points: [ChartPoint(10, 3), ChartPoint(20, -1), ChartPoint(30, .infinity)])
        XCTAssertEqual(ChartRasterizer.autoYRange([s], scale: .linear), -1...3)
        XCTAssertEqual(ChartRasterizer.autoYRange([s], scale: .log10), 0.3...30, "flat positive data widens by a decade")
        XCTAssertEqual(ChartRasterizer.autoXRange([s]), 10...30)
        XCTAssertEqual(ChartRasterizer.autoYRange([], scale: .linear), 0...1)
    }

    func testBlockAndAsciiFallbacks() {
        let s = ChartSeries(role: .chart1, points: [ChartPoint(0, 1), ChartPoint(2, 1)])
        let block = ChartRasterizer.rasterize(series: [s], width: 3, height: 1, glyphs: .block, yRange: 0...1)
        XCTAssertEqual(block.line(0), "▀▀▀")
        let ascii = ChartRasterizer.rasterize(series: [s], markers: [ChartMarker(x: 1, role: .bestMarker)], width: 3,
                                              height: 2, glyphs: .ascii, yRange: 0...1)
        XCTAssertEqual(ascii.line(0), "***")
        XCTAssertEqual(ascii.line(1), " | ")
    }

    func testChartDataSeriesAndMarkers() {
        let run = FakeRun()
        run.advance(to: 1500)
        let f = run.latestFrame()!
        XCTAssertEqual(ChartData.series(.psnr, history: f.history).map(\.role), [.psnrInputLine, .psnrGTLine, .psnrEMALine])
        XCTAssertEqual(ChartData.series(.loss, history: f.history).first?.points.count, 150)
        XCTAssertEqual(ChartData.markers(frame: f, cursor: 300).map(\.role), [.cursorMarker, .stopMarker, .bestMarker, .gtMarker])
        XCTAssertEqual(ChartData.yScale(.loss, logScale: true), .log10)
        XCTAssertEqual(ChartData.yScale(.psnr, logScale: true), .linear)
    }
}

final class ChartDecimationTests: XCTestCase {
    func testDecimationKeepsTheEnvelope() {
        // 1000 points of a sawtooth between -1 and 1; 10 buckets keep at most 20 points including both extremes.
        var pts: [ChartPoint] = []
        for i in 0..<1000 {
            let y: Double = i % 2 == 0 ? Double(i % 7) / 6 : -Double(i % 5) / 4
            pts.append(ChartPoint(Double(i), y))
        }
        let d = ChartData.decimate(pts, buckets: 10)
        XCTAssertLessThanOrEqual(d.count, 20)
        XCTAssertEqual(d.map(\.y).max(), pts.map(\.y).max())
        XCTAssertEqual(d.map(\.y).min(), pts.map(\.y).min())
        XCTAssertEqual(d.map(\.x), d.map(\.x).sorted(), "x order kept")
        XCTAssertEqual(ChartData.decimate(Array(pts.prefix(15)), buckets: 10).count, 15, "short input untouched")
        // The raster of the decimated data matches the full data's raster.
        func s(_ p: [ChartPoint]) -> ChartRaster {
            ChartRasterizer.rasterize(series: [ChartSeries(role: .chart1, points: p)], width: 5, height: 3,
                                      xRange: 0...999, yRange: -1...1)
        }
        XCTAssertEqual(s(ChartData.decimate(pts, buckets: 20)).glyphs, s(pts).glyphs)
    }
}
