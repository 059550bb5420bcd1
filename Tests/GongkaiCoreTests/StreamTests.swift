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
        let input = dir.appendingPathComponent("tables.ndjson")
        try Data(lines.utf8).write(to: input)
        let out = dir.appendingPathComponent("out")
        let r = try EndToEndTests.run("gongkai-render", ["--out", out.path], stdin: input)
        #expect(r.status == 0, "\(r.stderr)")

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
