import Foundation
import Testing
@testable import GongkaiCore

/// Large tables travel from aggregate to render in chunks and are written as they
/// come: the files must be the same as for the table in one piece.
@Suite(.serialized) struct StreamTests {
    static func bigTable(rows n: Int) -> Table {
        Table(name: "big", title: "大表", description: "测试",
              columns: [.init("id", "编号", "integer"), .init("name", "名称"), .init("value", "数值", "number")],
              rows: (0..<n).map { [.int($0), .string("机关\($0)，\"引号\"|竖线"), $0 % 7 == 0 ? .null : .number("\($0).5")] })
    }

    @Test func recordsSplitAndReassemble() throws {
        let t = Self.bigTable(rows: 4500)
        var records: [JSON] = []
        t.records(chunk: 2000) { records.append($0) }
        #expect(records.count == 3)
        #expect(records[0]["continued"] == .bool(true) && records[0]["continuation"] == nil)
        #expect(records[1]["continuation"] == .bool(true) && records[1]["continued"] == .bool(true))
        #expect(records[2]["continued"] == .bool(false) && records[2]["rows"]?.arrayValue?.count == 500)
        var whole = try Table(json: records[0].objectValue!)
        for r in records.dropFirst() { whole.rows += try Table(json: r.objectValue!).rows }
        whole.continued = false
        #expect(whole.rows == t.rows && whole.columns == t.columns)
        // A table of rows made on demand writes the same records.
        var lazy = t
        lazy.rows = []
        lazy.rowSource = Table.RowSource(count: t.rows.count) { t.rows[$0] }
        var again: [JSON] = []
        lazy.records(chunk: 2000) { again.append($0) }
        #expect(again == records)
    }

    /// Counts calls from any thread.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func add() { lock.lock(); n += 1; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return n }
    }

    /// A lazy row source is worked out only when its count or a row is asked for, once,
    /// however many threads ask at the same time; a table copied whole never asks.
    @Test func lazyRowSourceIsMadeOnceWhenAsked() throws {
        let made = Counter()
        let t = Self.bigTable(rows: 300)
        let source = Table.RowSource(lazy: {
            made.add()
            return Table.RowSource(count: t.rows.count) { t.rows[$0] }
        })
        #expect(!source.isMade && made.value == 0)
        let rows = Parallel.map(Array(0..<300)) { source($0) }
        #expect(made.value == 1 && source.isMade)
        #expect(rows == t.rows && source.count == 300)
        #expect(made.value == 1)
        // Written through a table, it gives the same records as the rows held whole.
        let other = Table.RowSource(lazy: { made.add(); return Table.RowSource(count: t.rows.count) { t.rows[$0] } })
        var lazy = t
        lazy.rows = []
        lazy.rowSource = other
        #expect(!other.isMade)
        var a: [JSON] = [], b: [JSON] = []
        lazy.records(chunk: 128) { a.append($0) }
        t.records(chunk: 128) { b.append($0) }
        #expect(a == b && a.count == 3 && made.value == 2)
    }

    /// Writes `lines` (table records) to a file in `dir` and runs gongkai-render on it into
    /// `out` with `options`; the run must succeed.
    @discardableResult
    static func render(_ lines: String, in dir: URL, out: URL, _ options: [String] = []) throws -> EndToEndTests.Run {
        let input = dir.appendingPathComponent("tables-\(UUID().uuidString).ndjson")
        try Data(lines.utf8).write(to: input)
        let r = try EndToEndTests.run("gongkai-render", ["--out", out.path] + options, stdin: input)
        #expect(r.status == 0, "\(r.stderr)")
        return r
    }

    /// What `write` puts in a file for `t` (records made and serialized on both cores).
    static func written(_ t: Table, chunk: Int = Table.chunkRows) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gongkai-write-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let writer = OutputWriter(fd: fd)
        t.write(to: writer, chunk: chunk)
        writer.flush()
        close(fd)
        return try String(contentsOf: url, encoding: .utf8)
    }

    @Test func writingOnBothCoresGivesTheSameRecords() throws {
        let t = Self.bigTable(rows: 20_500)  // 11 records: more than one parallel batch
        var expected = ""
        t.records { expected += $0.serialized + "\n" }
        #expect(try Self.written(t) == expected)
    }

    @Test func renderStreamsAChunkedTableToTheSameFiles() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let big = Self.bigTable(rows: 4500)
        // A small charted table in chunks of 2 rows: gathered, then drawn as one.
        var charted = Self.bigTable(rows: 5)
        charted.name = "charted"
        charted.charts = [Table.Chart(id: "v", kind: "bar", title: "数值", label: "name", values: ["value"])]
        var lines = ""
        big.records(chunk: 2000) { lines += $0.serialized + "\n" }
        charted.records(chunk: 2) { lines += $0.serialized + "\n" }
        let out = dir.appendingPathComponent("out")
        try Self.render(lines, in: dir, out: out)

        let renderer = Renderer()
        let csv = try String(contentsOf: out.appendingPathComponent("big.csv"), encoding: .utf8)
        #expect(csv == renderer.csv(big))
        #expect(parseCSV(csv).count == 4501)
        let md = try String(contentsOf: out.appendingPathComponent("big.md"), encoding: .utf8)
        let tableLines = md.split(separator: "\n").filter { $0.hasPrefix("|") }
        #expect(tableLines.count == 2 + Renderer.markdownRowLimit)  // header, rule, the first rows only
        #expect(md.contains("另有 2500 行未在此列出，全部 4500 行见 [big.csv](big.csv)"))
        #expect(md == renderer.markdown(big))  // the same page as from the table in one piece
        let (files, _) = try renderer.files(for: charted)
        for f in files {
            #expect(try String(contentsOf: out.appendingPathComponent(f.name), encoding: .utf8) == f.text, "\(f.name)")
        }
        let index = try String(contentsOf: out.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(index.contains("| 大表 | 4500 |"))
    }

    @Test func renderStreamsAGroupedTableSectionBySection() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        // 30 agencies × 150 rows, a line chart per agency: more than one record's worth.
        var rows: [[JSON]] = []
        for a in 0..<30 {
            for k in 0..<150 {
                rows.append([.string("机关\(a)"), .string("地区\(a % 3)"), .string(k % 2 == 0 ? "甲" : "乙"), .int(2019 + k % 7),
                             k % 11 == 0 ? .null : .number("\(a + k)")])
            }
        }
        let grouped = Table(name: "grouped", title: "分组", description: "每个机关一节",
                            columns: [.init("agency", "机关"), .init("region", "地区"), .init("series", "系列"),
                                      .init("year", "年度", "integer"), .init("value", "数值", "number")],
                            rows: rows,
                            charts: [Table.Chart(id: "v", kind: "line", title: "数值", label: "series", values: ["value"], x: "year", perGroup: true)],
                            grouping: Table.Grouping(column: "agency", details: ["region"]))
        #expect(TableStream.canStream(grouped))
        var lines = ""
        grouped.records(chunk: 2000) { lines += $0.serialized + "\n" }
        let out = dir.appendingPathComponent("out")
        try Self.render(lines, in: dir, out: out)
        let (files, charts) = try Renderer().files(for: grouped)
        #expect(charts.count == 30)
        for f in files {
            #expect(try String(contentsOf: out.appendingPathComponent(f.name), encoding: .utf8) == f.text, "\(f.name)")
        }
        let index = try String(contentsOf: out.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(index.contains("| 分组 | 4500 |") && index.contains("| 30 |"))
    }

    /// A grouped table's record holds the cells its rows share in the grouping column and
    /// its details once (`same`); read back, every row has them in their columns again.
    @Test func aGroupedRecordHoldsItsSharedCellsOnce() throws {
        let columns: [Table.Column] = [.init("n", "序号", "integer"), .init("agency", "机关"), .init("value", "数值", "number"), .init("kind", "类别")]
        let rows: [[JSON]] = [
            [.int(1), .string("甲局"), .number("1.5"), .string("局")], [.int(2), .string("甲局"), .null, .string("局")],
            [.int(3), .string("乙委"), .number("7"), .string("委")],
            // A detail that is not the same in every row of its group: the record holds all cells.
            [.int(4), .string("丙办"), .number("8"), .string("办")], [.int(5), .string("丙办"), .number("9"), .string("室")],
        ]
        let t = Table(name: "g", title: "分组", description: "", columns: columns, rows: rows,
                      grouping: Table.Grouping(column: "agency", details: ["kind"]))
        #expect(t.sameColumns == [1, 3])
        var records: [JSON] = []
        t.records { records.append($0) }
        #expect(records.count == 3)
        #expect(records[0]["same"] == .object(["columns": .array([.int(1), .int(3)]), "cells": .array([.string("甲局"), .string("局")])]))
        #expect(records[0]["rows"] == .array([.array([.int(1), .number("1.5")]), .array([.int(2), .null])]))
        #expect(records[1]["same"]?["cells"] == .array([.string("乙委"), .string("委")]))
        #expect(records[2]["same"] == nil && records[2]["rows"]?.arrayValue?.first?.arrayValue?.count == 4)
        #expect(records[0]["schema"] == .string("gongkai.table/2") && records[1]["schema"] == .string("gongkai.table/2"))
        var back = try Table(json: records[0].objectValue ?? [:])
        for r in records.dropFirst() { back.rows += try Table(json: r.objectValue ?? [:]).rows }
        #expect(back.rows == rows)
        // An ungrouped table's records never carry `same`.
        var plain: [JSON] = []
        Self.bigTable(rows: 30).records(chunk: 10) { plain.append($0) }
        #expect(Self.bigTable(rows: 1).sameColumns.isEmpty && plain.allSatisfy { $0["same"] == nil })
    }

    /// A row source whose bytes leave out other columns than the table's `sameColumns` (its
    /// grouping changed, say) is not used for bytes: the record is made from the rows.
    @Test func rowBytesLeavingOutOtherColumnsAreNotUsed() throws {
        let rows: [[JSON]] = [[.string("甲局"), .int(1)], [.string("甲局"), .int(2)], [.string("乙局"), .int(3)]]
        var t = Table(name: "g", title: "分组", description: "", columns: [.init("agency", "机关"), .init("n", "数", "integer")], rows: [],
                      grouping: Table.Grouping(column: "agency"))
        for omitting in [[], ["n"], ["agency", "n"]] {
            t.rowSource = Table.RowSource(count: rows.count, row: { rows[$0] }, bytes: { i, out in JSON.array(rows[i]).write(to: &out) }, omitting: omitting)
            for (range, first) in [(0..<2, true), (2..<3, false)] {
                var viaJSON: [UInt8] = []
                t.record(range.map { rows[$0] }, first: first, continued: first).write(to: &viaJSON)
                #expect(t.recordBytes(range, first: first, continued: first) == viaJSON, "\(omitting)")
                #expect(try Table(json: JSON.parse(t.recordBytes(range, first: first, continued: first)).objectValue ?? [:]).rows == range.map { rows[$0] })
            }
        }
        #expect(t.sameColumns == [0])
    }

    @Test func sameCellsGoBackWhereTheySay() throws {
        func rows(_ record: String) throws -> [[JSON]] { try Table(json: JSON.parse(record).objectValue ?? [:]).rows }
        let head = #"{"schema":"gongkai.table/2","name":"x","continuation":true,"continued":false,"#
        // First, last and middle columns.
        #expect(try rows(head + #""rows":[[2,4],[20,40]],"same":{"columns":[0,2,4],"cells":["a","c","e"]}}"#)
                == [[.string("a"), .int(2), .string("c"), .int(4), .string("e")], [.string("a"), .int(20), .string("c"), .int(40), .string("e")]])
        #expect(try rows(head + #""rows":[[]],"same":{"columns":[0],"cells":[null]}}"#) == [[.null]])
        #expect(try rows(head + #""rows":[[1,2]],"same":{"columns":[],"cells":[]}}"#) == [[.int(1), .int(2)]])
        // Positions out of order or past the row, or not as many cells as positions: refused.
        for bad in [#"{"columns":[1,0],"cells":["a","b"]}"#, #"{"columns":[0,5],"cells":["a","b"]}"#, #"{"columns":[0],"cells":["a","b"]}"#,
                    #"{"columns":[-1],"cells":["a"]}"#, #"{"columns":["0"],"cells":["a"]}"#, #"["a"]"#] {
            #expect(throws: StageFailure.self, "\(bad)") { try rows(head + #""rows":[[1,2]],"same":"# + bad + "}") }
        }
    }

    /// Records written before `same` (gongkai.table/1) are still rendered.
    @Test func renderReadsVersionOneRecords() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let v1 = #"{"schema":"gongkai.table/1","name":"old","title":"旧","description":"","columns":[{"id":"a","label":"甲","type":"text"},{"id":"b","label":"乙","type":"integer"}],"rows":[["x",1],["y",null]]}"#
        let out = dir.appendingPathComponent("o")
        try Self.render(v1 + "\n", in: dir, out: out)
        #expect(try String(contentsOf: out.appendingPathComponent("old.csv"), encoding: .utf8) == "a,b\r\nx,1\r\ny,\r\n")
    }

    @Test func rowsWithoutTheirTableAreRefused() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var records: [String] = []
        Self.bigTable(rows: 5).records(chunk: 2) { records.append($0.serialized) }
        let input = dir.appendingPathComponent("t.ndjson")
        try Data((records.dropFirst().joined(separator: "\n") + "\n").utf8).write(to: input)
        let r = try EndToEndTests.run("gongkai-render", ["--out", dir.appendingPathComponent("o").path], stdin: input)
        #expect(r.status == 1 && r.stderr.contains("did not come before them"))
        try Data((records.prefix(2).joined(separator: "\n") + "\n").utf8).write(to: input)
        let cut = try EndToEndTests.run("gongkai-render", ["--out", dir.appendingPathComponent("o").path], stdin: input)
        #expect(cut.status == 1 && cut.stderr.contains("ended inside a table"))
    }
}

/// What goes out is safe for spreadsheet users, and aggregate survives damaged input.
@Suite(.serialized) struct SafeOutputTests {
    @Test func formulaLikeTextIsNeutralizedNumbersAreNot() {
        #expect(Renderer.csvCell(.string("=HYPERLINK(\"http://x\")")) == "\"'=HYPERLINK(\"\"http://x\"\")\"")
        #expect(Renderer.csvCell(.string("+86 0591")) == "'+86 0591")
        #expect(Renderer.csvCell(.string("-abc")) == "'-abc")
        #expect(Renderer.csvCell(.string("@cmd")) == "'@cmd")
        #expect(Renderer.csvCell(.string("\tx")) == "'\tx")
        #expect(Renderer.csvCell(.number("-5")) == "-5")  // a negative number stays a number
        #expect(Renderer.csvCell(.number("-2.58")) == "-2.58")
        #expect(Renderer.csvCell(.string("海东市=局")) == "海东市=局")  // only the first character counts
    }

    /// A CSV row made on the fast path is, cell for cell, what `csvCell` makes: random cells
    /// of the characters that matter (formula starts, quotes, commas, line breaks, spaces).
    @Test func csvRowsEqualTheirCellsOneByOne() {
        var rng = SystemRandomNumberGenerator()
        let pieces = ["=", "+", "-", "@", "\t", "\r", "\n", " ", ",", "\"", "'", "a", "1", "0.5", "海东", "件", "|", ""]
        for _ in 0..<3000 {
            let row: [JSON] = (0..<Int.random(in: 0...6, using: &rng)).map { _ in
                let text = (0..<Int.random(in: 0...4, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: return .null
                case 1: return .number(["-5", "12", "-2.58", "0", "1e3"].randomElement(using: &rng)!)
                default: return .string(text)
                }
            }
            var fast: [UInt8] = []
            Renderer.appendCSVRow(row, to: &fast)
            let expected = row.map { $0 == .null ? "" : Renderer.csvCell($0) }.joined(separator: ",") + "\r\n"
            #expect(fast == Array(expected.utf8), "\(row)")
        }
        let t = Table(name: "t", title: "t", description: "", columns: [.init("a", "a"), .init("b", "b", "integer")],
                      rows: [[.string("=1+1"), .number("-3")]])
        #expect(Renderer().csv(t) == "a,b\r\n'=1+1,-3\r\n")
    }

    @Test func csvRowsAreWrittenAsTheirCellsSay() {
        #expect(Renderer.csvRow([.string("a"), .null, .number("12"), .string("x,y"), .string("say \"hi\""), .string(" lead"),
                                 .string("trail "), .string("两行\n文字"), .string("-x"), .number("-1.5"), .string("")])
                == "a,,12,\"x,y\",\"say \"\"hi\"\"\",\" lead\",\"trail \",\"两行\n文字\",'-x,-1.5,\r\n")
        #expect(Renderer.csvRow([]) == "\r\n")
        #expect(Renderer.csvRow([.null, .null]) == ",\r\n")
    }

    @Test func aggregateTakesADamagedLineAsAnErrorRecord() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = extractReport(text: try Fixtures.text(Fixtures.seeds.appendingPathComponent("000_afc69c219cf43bd5.txt")),
                                   path: "000.txt").json.serialized
        let input = dir.appendingPathComponent("reports.ndjson")
        try Data((report + "\n" + "{\"schema\":\"gongkai.report/1\",\"path\":\"cut.txt\",\"values\":{\"a\"" + "\n").utf8).write(to: input)
        let r = try EndToEndTests.run("gongkai-aggregate", [], stdin: input)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("cut short"))
        var inventory: Table?
        for line in String(decoding: r.stdout, as: UTF8.self).split(separator: "\n") {
            let t = try Table(json: try JSON.parse(String(line)).objectValue!)
            if t.name == "inventory" { inventory = t }
        }
        let rows = try #require(inventory).rows
        #expect(rows.count == 2)
        #expect(rows.contains { $0[1] == .string("error") && Renderer.cellText($0[2]).hasPrefix("malformed_record") })
    }
}
