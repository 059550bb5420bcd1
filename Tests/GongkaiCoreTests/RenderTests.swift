import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import GongkaiCore

/// What render writes: CSV a standard reader parses, Markdown tables with one cell
/// per column, well-formed SVG, safe file names, links that resolve.
@Suite struct RenderTests {
    static func files() throws -> [(name: String, text: String)] {
        try Renderer().files(try CompareTests.tables(CompareTests.corpus + [Self.awkward(2021), Self.awkward(2022)]))
    }

    /// An agency whose name has everything a file name and XML must survive.
    static let awkwardName = "海东市<测试>&“局”/../a|b\u{7}" + String(repeating: "很长的名字", count: 20)

    static func awkward(_ year: Int) -> Report {
        var r = CompareTests.report(awkwardName, year, path: "awkward-\(year).txt",
                                    apply: CompareTests.Apply(received: year - 2000, granted: 1, total: 1, forward: 0))
        r.values["active.regulations.in_force"] = .some(Quantity(0))
        return r
    }

    /// Cells of a Markdown table line: `|` separators that are not escaped.
    static func markdownCells(_ line: String) -> Int {
        var count = 0
        var escaped = false
        for ch in line {
            if escaped { escaped = false; continue }
            if ch == "\\" { escaped = true; continue }
            if ch == "|" { count += 1 }
        }
        return count - 1
    }

    /// A line chart: x in numeric order, series in the order the chart names them (rows of
    /// other series left out), each point from the first row of its series and x, a blank a gap.
    @Test func lineChartsTakeTheirPointsInOrder() throws {
        let columns = [Table.Column("label", "名称"), Table.Column("indicator", "指标"), Table.Column("year", "年度", "integer"),
                       Table.Column("value", "数值", "number")]
        let chart = Table.Chart(id: "v", kind: "line", title: "数值", label: "label", values: ["value"], x: "year",
                                filterColumn: "indicator", filterValues: ["b", "a"])
        let rows: [[JSON]] = [
            [.string("甲"), .string("a"), .number("2021"), .number("5")],
            [.string("乙"), .string("b"), .number("2019"), .number("7")],
            [.string("甲"), .string("a"), .number("2019"), .number("3")],
            [.string("甲"), .string("a"), .number("2019"), .number("99")],  // not the first of 甲 2019
            [.string("丙"), .string("c"), .number("2020"), .number("1")],   // a series the chart does not name
            [.string("乙"), .string("b"), .number("2020"), .null],
            [.string("甲"), .string("a"), .number("9"), .number("4")],   // 9 before 2019 as numbers (after it as bytes)
        ]
        let table = Table(name: "t", title: "t", description: "", columns: columns, rows: rows, charts: [chart])
        let svg = try #require(Renderer.draw(chart, table: table, rows: rows, title: "数值"))
        func texts(_ tag: String) -> [String] {
            svg.components(separatedBy: "<\(tag)").dropFirst().map { part in
                let body = part.drop { $0 != ">" }.dropFirst()
                return String(body.prefix { $0 != "<" })
            }
        }
        #expect(texts("title").filter { $0.contains("：") } == ["乙 2019：7", "甲 9：4", "甲 2019：3", "甲 2021：5"])
        let labels = texts("text")
        #expect(labels.filter { ["9", "2019", "2020", "2021"].contains($0) } == ["9", "2019", "2020", "2021"])
        #expect(labels.filter { ["甲", "乙", "丙"].contains($0) } == ["乙", "甲"])
    }

    @Test func everyCSVParsesIntoRowsOfEqualLength() throws {
        for f in try Self.files() where f.name.hasSuffix(".csv") {
            let rows = parseCSV(f.text)
            #expect(rows.count >= 1, "\(f.name)")
            #expect(rows.allSatisfy { $0.count == rows[0].count }, "\(f.name): rows of \(Set(rows.map(\.count))) cells")
            #expect(f.text.hasSuffix("\r\n") && !f.text.hasPrefix("\u{FEFF}"), "\(f.name)")
        }
    }

    @Test func excelOptionAddsOnlyABOM() throws {
        let tables = try CompareTests.tables(CompareTests.corpus)
        let t = try #require(tables.first { $0.name == "compare_2021" })
        let excel = Renderer(excelBOM: true).csv(t)
        #expect(excel == "\u{FEFF}" + Renderer().csv(t))
        #expect(parseCSV(excel) == parseCSV(Renderer().csv(t)))
    }

    @Test func everyMarkdownTableHasOneCellPerColumn() throws {
        for f in try Self.files() where f.name.hasSuffix(".md") {
            var width: Int?
            for line in f.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
                guard line.hasPrefix("|") else { width = nil; continue }
                let n = Self.markdownCells(line)
                if let w = width {
                    #expect(n == w, "\(f.name): \(line.prefix(80))")
                } else {
                    width = n
                }
            }
        }
    }

    @Test func markdownShowsLabelsRightAlignsNumbersAndLeavesBlanksBlank() throws {
        let files = try Self.files()
        let md = try #require(files.first { $0.name == "compare_2021.md" }).text
        #expect(md.contains("| 行类型 | 地区 | 机关 | 部门类别 | 第三部分格式 | 新收申请 | 新收申请名次 |"))
        #expect(md.contains("| --- | --- | --- | --- | --- | ---: | ---: |"))
        // C's blank 新收申请 and rank are empty cells, not 0.
        #expect(md.contains("| 机关 | 海东市 | 海东市人民政府办公室 | 人民政府办公室 | 2021 |  |  | 0 |"))
        #expect(md.contains("![2021年 新收政府信息公开申请（件）](compare_2021-received.svg)"))
        // yoy: a section per agency; the machine id column is only in the CSV.
        let yoy = try #require(files.first { $0.name == "yoy.md" }).text
        #expect(yoy.contains("## 海东市工业和信息化局\n\n地区：海东市 · 部门类别：工业和信息化局\n\n![海东市工业和信息化局：申请、办理与复议诉讼（件）]"))
        #expect(!yoy.contains("| 指标 id |"))
        #expect(try #require(files.first { $0.name == "yoy.csv" }).text.hasPrefix("region,agency,kind,indicator,indicator_label,"))
        // The kind comparison: a section per kind, with its chart.
        let kind = try #require(files.first { $0.name == "compare_kind_2021.md" }).text
        #expect(kind.contains("## 工业和信息化局\n\n![工业和信息化局：2021年 新收政府信息公开申请（件）]"))
    }

    /// The byte-level Markdown row and heading escape give what cell-by-cell strings give:
    /// checked against that reference on texts full of what Markdown must escape.
    @Test func markdownRowsAndEscapesMatchTheReference() {
        let columns = [Table.Column("a", "甲"), Table.Column("id", "编号", machineOnly: true), Table.Column("n", "数", "integer"),
                       Table.Column("b", "乙"), Table.Column("c", "丙")]
        func reference(_ row: [JSON]) -> String {
            "| " + columns.indices.filter { !columns[$0].machineOnly }.map { Renderer.mdCell(Renderer.cellText(row[safe: $0] ?? .null)) }
                .joined(separator: " | ") + " |\n"
        }
        let pieces = ["机关", "a|b", "\\", "x\r\ny", "\n", "\t", "\u{85}", "\u{9F}", "\u{A0}", "é", "*_[]<>#!`", "\u{7F}", "12", "-3.5", " ", ""]
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            func text() -> String { (0..<Int(rng.next() % 4)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined() }
            var row: [JSON] = [.string(text()), .string(text()), .number(["1", "-20", "3.25", "0"][Int(rng.next() % 4)]), .string(text())]
            if rng.next() % 3 == 0 { row[3] = .null }
            if rng.next() % 4 == 0 { row.append(.array([.string(text())])) }  // a short row, or one with a list in it
            var bytes: [UInt8] = []
            Renderer.appendMDRow(Renderer.shownColumns(columns), row, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == reference(row), "\(row)")
            let t = text()
            var escaped = ""
            for ch in Renderer.withoutControls(t) {
                if ch == "\n" || ch == "\r" || ch == "\r\n" { escaped += " "; continue }
                if "\\`*_[]<>#|!".contains(ch) { escaped += "\\" }
                escaped.append(ch)
            }
            #expect(Renderer.mdEscape(t) == escaped, "\(t.debugDescription)")
        }
    }

    /// SVG text escaping, with its fast path for text that needs none, gives what escaping
    /// scalar by scalar gives: markup characters escaped, forbidden characters dropped.
    @Test func svgEscapeMatchesTheReference() {
        // What XML needs, said as a table: each scalar's replacement, or nothing for a forbidden one.
        let replaced: [Unicode.Scalar: String] = ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&apos;",
                                                  "\t": " ", "\n": " ", "\r": " "]
        func forbidden(_ v: UInt32) -> Bool { v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || v == 0xFFFE || v == 0xFFFF }
        func reference(_ s: String) -> String {
            s.unicodeScalars.map { replaced[$0] ?? (forbidden($0.value) ? "" : String($0)) }.joined()
        }
        let pieces = ["机关", "&", "<", ">", "\"", "'", "\t", "\n", "\r", "\u{7}", "\u{7F}", "\u{80}", "\u{9F}", "\u{A0}", "é",
                      "\u{FFFE}", "\u{FFFF}", "\u{FFFD}", "，", "（件）", "\u{EFBF}", "12", " ", ""]
        var rng = SplitMix64(seed: 11)
        for _ in 0..<3000 {
            let t = (0..<Int(rng.next() % 5)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
            #expect(SVG.escape(t) == reference(t), "\(t.debugDescription)")
        }
    }

    @Test func everySVGIsWellFormedXML() throws {
        let svgs = try Self.files().filter { $0.name.hasSuffix(".svg") }
        #expect(svgs.count >= 6)
        for f in svgs {
            let parser = XMLParser(data: Data(f.text.utf8))
            let ok = parser.parse()
            #expect(ok, "\(f.name): \(parser.parserError.map { "\($0)" } ?? "")")
            #expect(f.text.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
            #expect(f.text.contains("Noto Sans CJK SC") && f.text.contains("Microsoft YaHei") && f.text.contains("sans-serif"))
        }
        // The awkward name is escaped, not dropped.
        let awkward = try #require(svgs.first { $0.text.contains("海东市&lt;测试&gt;&amp;") })
        #expect(!awkward.text.contains("\u{7}"))
    }

    @Test func chartFileNamesAreSafeAndBounded() throws {
        let files = try Self.files()
        for f in files {
            #expect(!f.name.contains("/") && !f.name.contains("\\") && !f.name.contains(".."), "\(f.name)")
            #expect(!f.name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "\(f.name)")
            #expect(f.name.utf8.count <= 255 && !f.name.hasPrefix("."), "\(f.name)")
        }
        let awkward = files.filter { $0.name.hasPrefix("yoy-") && $0.name.contains("测试") }
        #expect(awkward.count == 2)  // its counts and its rates
        #expect(Renderer.safeFileName("../../etc/passwd") == "____etc_passwd")
        #expect(Renderer.safeFileName("a\u{0}b\nc:d*e?f") == "a_b_c_d_e_f")
        #expect(Renderer.safeFileName("...") == "_")
        #expect(Renderer.safeFileName("") == "table")
        #expect(Renderer.safeFileName(String(repeating: "局", count: 100)).utf8.count == 120)
        #expect(Renderer.uniqueFileStem("平潭综合实验区") == "平潭综合实验区")
        #expect(Renderer.uniqueFileStem("a/b") != Renderer.uniqueFileStem("a_b"))
    }

    @Test func everyLinkResolvesAndTheIndexListsEveryTableAndChart() throws {
        let files = try Self.files()
        let names = Set(files.map(\.name))
        let link = try NSRegularExpression(pattern: #"\]\(([^)\s]+)\)"#)
        for f in files where f.name.hasSuffix(".md") {
            let ns = f.text as NSString
            for m in link.matches(in: f.text, range: NSRange(location: 0, length: ns.length)) {
                let target = ns.substring(with: m.range(at: 1)).removingPercentEncoding!
                #expect(names.contains(target), "\(f.name) links to missing \(target)")
            }
        }
        let index = try #require(files.first { $0.name == "README.md" }).text
        for n in names where n != "README.md" {
            #expect(index.contains("(\(Renderer.linkTarget(n)))"), "README.md does not link \(n)")
        }
        #expect(index.contains("## 读取情况 (what was read)") && index.contains("## 未能读取的文件 (what could not be read)"))
    }

    @Test func writeRemovesOnlyFilesAnEarlierRunWrote() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gongkai-render-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let tables = try CompareTests.tables(CompareTests.corpus + [Self.awkward(2021), Self.awkward(2022)])
        let first = try Renderer().write(tables, to: dir.path)
        try Data("mine".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        let second = try Renderer().write(try CompareTests.tables(CompareTests.corpus), to: dir.path)
        let now = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
        #expect(Set(first).subtracting(second).allSatisfy { !now.contains($0) })
        #expect(now == Set(second + ["notes.txt", Renderer.manifestName]))
        // The same files again: the manifest is left as it is; then the first run's files
        // again, and back: each time exactly the files of the run, and the notes.
        let manifest = dir.appendingPathComponent(Renderer.manifestName).path
        let before = try FileManager.default.attributesOfItem(atPath: manifest)
        _ = try Renderer().write(try CompareTests.tables(CompareTests.corpus), to: dir.path)
        let after = try FileManager.default.attributesOfItem(atPath: manifest)
        #expect(before[.systemFileNumber] as? Int == after[.systemFileNumber] as? Int
                && before[.modificationDate] as? Date == after[.modificationDate] as? Date)
        let third = try Renderer().write(tables, to: dir.path)
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)) == Set(third + ["notes.txt", Renderer.manifestName]))
        let fourth = try Renderer().write(try CompareTests.tables(CompareTests.corpus), to: dir.path)
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)) == Set(fourth + ["notes.txt", Renderer.manifestName]))
        #expect(Set(first) == Set(third) && first.count > fourth.count)
    }
}

/// Writes the synthetic corpus's outputs for a look (`GONGKAI_RENDER_SAMPLE=dir swift test --filter renderSample`).
@Test func renderSample() throws {
    guard let dir = ProcessInfo.processInfo.environment["GONGKAI_RENDER_SAMPLE"] else { return }
    try Renderer().write(try CompareTests.tables(CompareTests.corpus + [RenderTests.awkward(2021), RenderTests.awkward(2022)]), to: dir)
}
