import Foundation
import Testing
@testable import GongkaiCore

/// Render keeps what it drew for each record of a grouped table and reuses it when the
/// record comes again unchanged: the files must be exactly those of a fresh render.
@Suite(.serialized) struct RenderCacheTests {
    /// Agencies × years, a line chart per agency; `big` gives one agency more rows than a record holds.
    static func grouped(agencies: Int = 30, change: [Int: String] = [:], big: Int? = nil) -> Table {
        var rows: [[JSON]] = []
        for a in 0..<agencies {
            for k in 0..<(a == big ? 2500 : 40) {
                let value: JSON = k % 11 == 0 ? .null : .number(change[a] ?? "\(a + k)")
                rows.append([.string("机关\(a)"), .string("地区\(a % 3)"), .string(k % 2 == 0 ? "甲" : "乙"), .int(2019 + k % 7), value])
            }
        }
        return Table(name: "yoy", title: "历年", description: "每个机关一节",
                     columns: [.init("agency", "机关"), .init("region", "地区"), .init("series", "系列"),
                               .init("year", "年度", "integer"), .init("value", "数值", "number")],
                     rows: rows,
                     charts: [Table.Chart(id: "v", kind: "line", title: "数值", label: "series", values: ["value"], x: "year", perGroup: true)],
                     grouping: Table.Grouping(column: "agency", details: ["region"]))
    }

    static func lines(_ tables: [Table]) -> String {
        var s = ""
        for t in tables { t.records { s += $0.serialized + "\n" } }
        return s
    }

    /// Every file of `dir` but the cache, by name.
    static func files(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            out[name] = try Data(contentsOf: dir.appendingPathComponent(name))
        }
        return out
    }

    /// Renders `input` into `out`, and into an empty folder; the two must be the same files.
    /// Returns how many records the note on stderr says were reused.
    static func render(_ input: String, into out: URL, in dir: URL, _ extra: [String] = []) throws -> Int {
        guard let m = try renderNotes(input, into: out, in: dir, extra).firstMatch(of: /(\d+) of \d+ records unchanged/) else { return 0 }
        return Int(m.1)!
    }

    /// As `render`; returns how many gathered tables (charts of all their rows) the note says were kept, and of how many.
    static func keptTables(_ input: String, into out: URL, in dir: URL, _ extra: [String] = []) throws -> String {
        guard let m = try renderNotes(input, into: out, in: dir, extra).firstMatch(of: /(\d+ of \d+) tables with charts of all their rows unchanged/) else { return "none" }
        return String(m.1)
    }

    /// Renders as `render` does and returns what render said on stderr.
    static func renderNotes(_ input: String, into out: URL, in dir: URL, _ extra: [String] = []) throws -> String {
        let cache = out.path + ".cache"  // beside the output folder, not in it
        let r = try StreamTests.render(input, in: dir, out: out, ["--cache", cache] + extra)
        let fresh = dir.appendingPathComponent("fresh-\(UUID().uuidString)")
        let f = try StreamTests.render(input, in: dir, out: fresh, extra)
        #expect(!f.stderr.contains("unchanged"), "\(f.stderr)")
        let got = try files(out), want = try files(fresh)
        #expect(got.keys.sorted() == want.keys.sorted())
        for (name, data) in want { #expect(got[name] == data, "\(name) differs from a fresh render") }
        return r.stderr
    }

    /// With a cache, a table's files are written over the ones before the previous ones
    /// (kept in `CACHE.spare/`): whatever those held, longer or shorter, the files are
    /// exactly those of a fresh render, run after run.
    @Test func anEntryLineReadsBackAsWrittenWhateverItsTextHolds() throws {
        let charts = [Renderer.ChartFile(file: "yoy_a\tb.svg", title: "机关\n甲\\N", group: "\\N", svg: ""),
                      Renderer.ChartFile(file: "c.svg", title: "", group: nil, svg: ""),
                      Renderer.ChartFile(file: "d\\t.svg", title: "x\ry", group: "乙\t", svg: "")]
        let e = RenderCache.Entry(table: "yoy", header: "h\\", first: "甲\t", last: "", csv: (12, 3456), md: (0, 789_000_000_000),
                                  rows: 40, sections: 2, charts: charts)
        var line: [UInt8] = []
        e.append(key: "k1", to: &line)
        #expect(!line.contains(0x0A) && !line.contains(0x0D))
        let back = try #require(RenderCache.Entry.parse(line[...]))
        #expect(back.key == "k1")
        #expect(back.entry.table == "yoy" && back.entry.header == "h\\" && back.entry.first == "甲\t" && back.entry.last == "")
        #expect(back.entry.csv == (12, 3456) && back.entry.md == (0, 789_000_000_000))
        #expect(back.entry.rows == 40 && back.entry.sections == 2)
        #expect(back.entry.charts == charts)
        // No charts at all; and lines that are not whole entries are refused.
        var bare: [UInt8] = []
        RenderCache.Entry(table: "t", header: "", first: "", last: "", csv: (0, 0), md: (0, 0), rows: 0, sections: 0, charts: [])
            .append(key: "k", to: &bare)
        #expect(RenderCache.Entry.parse(bare[...])?.entry.charts == [])
        let text = String(decoding: line, as: UTF8.self)
        for bad in [String(text[..<text.lastIndex(of: "\t")!]), text.replacingOccurrences(of: "\t3456\t", with: "\t-3456\t"),
                    text.replacingOccurrences(of: "\t3456\t", with: "\t34x6\t"), text + "\textra", "{\"key\":\"k1\"}",
                    text.replacingOccurrences(of: "h\\\\", with: "h\\q")] {
            #expect(RenderCache.Entry.parse(Array(bad.utf8)[...]) == nil, "\(bad)")
        }
    }

    /// A table with a chart of all its rows (drawn when they are all gathered), in several records.
    static func charted(rows: Int = 4500, change: Int? = nil, title: String = "各机关") -> Table {
        Table(name: "compare", title: title, description: "",
              columns: [.init("agency", "机关"), .init("value", "数值", "integer")],
              rows: (0..<rows).map { [.string("机关\($0)"), .int($0 == change ? -1 : $0 % 97)] },
              charts: [Table.Chart(id: "v", kind: "bar", title: "数值", label: "agency", values: ["value"], sortDescending: true, limit: 30)])
    }

    /// Grouped, a record a group of 10 rows, with a chart of the whole table: the index's first rows span records.
    static func groupedCharted(change: Int? = nil) -> Table {
        Table(name: "kinds", title: "各类", description: "",
              columns: [.init("kind", "类别"), .init("agency", "机关"), .init("value", "数值", "integer")],
              rows: (0..<300).map { [.string("类\($0 / 10)"), .string("机关\($0)"), .int($0 == change ? -5 : $0 % 13)] },
              charts: [Table.Chart(id: "v", kind: "bar", title: "数值", label: "agency", values: ["value"], limit: 20)],
              grouping: Table.Grouping(column: "kind", details: []))
    }

    @Test func aTableChartedOverAllItsRowsIsKeptWhenNoneOfItsRecordsChanged() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        func input(_ a: Table = Self.charted(), _ b: Table = Self.groupedCharted()) -> String { Self.lines([a, b, Self.grouped()]) }
        let recs = try input().split(separator: "\n").map { try JSON.parse(Array($0.utf8)) }
        #expect(recs.filter { $0["name"] == .string("compare") }.count == 3)
        #expect(recs.filter { $0["name"] == .string("kinds") }.map { $0["rows"]?.arrayValue?.count ?? 0 } == Array(repeating: 10, count: 30))
        #expect(try Self.keptTables(input(), into: out, in: dir) == "none")
        #expect(try Self.keptTables(input(), into: out, in: dir) == "2 of 2")
        // One value in the last record of one table: that table is drawn again, the other kept.
        #expect(try Self.keptTables(input(Self.charted(change: 4400)), into: out, in: dir) == "1 of 2")
        #expect(try Self.keptTables(input(Self.charted(change: 4400)), into: out, in: dir) == "2 of 2")
        #expect(try Self.keptTables(input(Self.charted(change: 4400), Self.groupedCharted(change: 3)), into: out, in: dir) == "1 of 2")
        // Its first record changed (the title), or its rows cut short: drawn again.
        #expect(try Self.keptTables(input(Self.charted(title: "各机关（新）"), Self.groupedCharted(change: 3)), into: out, in: dir) == "1 of 2")
        #expect(try Self.keptTables(input(Self.charted(rows: 4000), Self.groupedCharted(change: 3)), into: out, in: dir) == "1 of 2")
        #expect(try Self.keptTables(input(Self.charted(rows: 4000), Self.groupedCharted(change: 3)), into: out, in: dir) == "2 of 2")
        // A file of the table edited or removed by hand: the table is drawn again and the file is as a fresh render makes it.
        let md = try FileHandle(forWritingTo: out.appendingPathComponent("compare.md"))
        md.seekToEndOfFile()
        md.write(Data("x".utf8))
        md.closeFile()
        try FileManager.default.removeItem(at: out.appendingPathComponent("kinds-v.svg"))
        #expect(try Self.keptTables(input(Self.charted(rows: 4000), Self.groupedCharted(change: 3)), into: out, in: dir) == "none")
        #expect(try Self.keptTables(input(Self.charted(rows: 4000), Self.groupedCharted(change: 3)), into: out, in: dir) == "2 of 2")
        // Another option: nothing kept from the cache of the other.
        #expect(try Self.keptTables(input(Self.charted(rows: 4000), Self.groupedCharted(change: 3)), into: out, in: dir, ["--excel"]) == "none")
    }

    @Test func tableFilesAreWrittenOverTheirSpares() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let spare = out.path + ".cache.spare"
        _ = try Self.render(Self.lines([Self.grouped()]), into: out, in: dir)
        #expect(!FileManager.default.fileExists(atPath: spare + "/yoy.csv"))  // the first run replaced nothing
        _ = try Self.render(Self.lines([Self.grouped(change: [3: "7"])]), into: out, in: dir)
        #expect(FileManager.default.fileExists(atPath: spare + "/yoy.csv") && FileManager.default.fileExists(atPath: spare + "/yoy.md"))
        // A spare longer than the new file, then a shorter one.
        try Data(repeating: 0x41, count: 3_000_000).write(to: URL(fileURLWithPath: spare + "/yoy.csv"))
        _ = try Self.render(Self.lines([Self.grouped(agencies: 20)]), into: out, in: dir)
        try Data("x".utf8).write(to: URL(fileURLWithPath: spare + "/yoy.md"))
        _ = try Self.render(Self.lines([Self.grouped(agencies: 40, change: [1: "9"])]), into: out, in: dir)
        // The live file and its spare are never the same file.
        let live = try FileManager.default.attributesOfItem(atPath: out.path + "/yoy.csv")[.systemFileNumber] as? Int
        let kept = try FileManager.default.attributesOfItem(atPath: spare + "/yoy.csv")[.systemFileNumber] as? Int
        #expect(live != nil && live != kept)
    }

    /// A table file whose bytes come out the same as the file it would replace is not
    /// written at all: the file stays (same inode, same time), and so does the spare.
    @Test func aTableFileThatWouldNotChangeIsLeftAsItIs() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let spare = out.path + ".cache.spare"
        func state(_ path: String) throws -> [Int] {
            let a = try FileManager.default.attributesOfItem(atPath: path)
            return [a[.systemFileNumber] as? Int ?? -1, a[.size] as? Int ?? -1,
                    Int(((a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0) * 1e6)]
        }
        let files = ["yoy.csv", "yoy.md", "big.csv", "big.md"].map { out.path + "/" + $0 }
        var big = StreamTests.bigTable(rows: 4500)
        func lines(_ grouped: Table, _ big: Table) -> String {
            var s = Self.lines([grouped])
            big.records(chunk: 50) { s += $0.serialized + "\n" }
            return s
        }
        #expect(try Self.render(lines(Self.grouped(), big), into: out, in: dir) == 0)
        #expect(try Self.render(lines(Self.grouped(change: [4: "1"]), big), into: out, in: dir) == 28 + 50)
        let before = try files.map(state)
        let spares = try ["yoy.csv", "big.csv"].map { try state(spare + "/" + $0) }
        // The same input again: every file as it was; the spares too.
        #expect(try Self.render(lines(Self.grouped(change: [4: "1"]), big), into: out, in: dir) == 29 + 50)
        #expect(try files.map(state) == before)
        #expect(try ["yoy.csv", "big.csv"].map { try state(spare + "/" + $0) } == spares)
        // One agency changed (the CSV and Markdown are new files, the other table's stay);
        // then more agencies, then fewer: each time a fresh render's files (`render` checks).
        #expect(try Self.render(lines(Self.grouped(change: [4: "2"]), big), into: out, in: dir) == 28 + 50)
        let after = try files.map(state)
        #expect(after[0][0] != before[0][0] && after[1][0] != before[1][0])
        #expect(Array(after[2...]) == Array(before[2...]))
        #expect(try Self.render(lines(Self.grouped(agencies: 31, change: [4: "2"]), big), into: out, in: dir) == 28 + 50)
        #expect(try Self.render(lines(Self.grouped(agencies: 29, change: [4: "2"]), big), into: out, in: dir) == 27 + 50)
        // A row of the table without sections changed past what its Markdown shows: only its CSV is new.
        big.rows[4000][1] = .string("改过的")
        let md = try state(files[3])
        #expect(try Self.render(lines(Self.grouped(agencies: 29, change: [4: "2"]), big), into: out, in: dir) == 28 + 49)
        #expect(try state(files[3]) == md)
    }

    @Test func groupedTablesTravelOneGroupToARecord() throws {
        var records: [JSON] = []
        Self.grouped(agencies: 4, big: 2).records { records.append($0) }
        // 机关0, 机关1, 机关2 in two pieces (2000 + 500 rows), 机关3.
        #expect(records.map { $0["rows"]?.arrayValue?.count ?? -1 } == [40, 40, 2000, 500, 40])
        // Each record holds its group's name once (`same`), and read back its rows have it.
        #expect(records.map { $0["same"]?["cells"]?.arrayValue?.first?.stringValue } == ["机关0", "机关1", "机关2", "机关2", "机关3"])
        #expect(try records.map { try Table(json: $0.objectValue ?? [:]).rows.first?.first?.stringValue } == ["机关0", "机关1", "机关2", "机关2", "机关3"])
        #expect(records.dropLast().allSatisfy { $0["continued"] == .bool(true) } && records.last?["continued"] == .bool(false))
        // Written on both cores: the same records.
        #expect(try StreamTests.written(Self.grouped(agencies: 300, big: 150)) == Self.lines([Self.grouped(agencies: 300, big: 150)]))
    }

    @Test func aTableWithGroupKeysTravelsOneGroupToARecordWrittenOrNot() throws {
        var t = StreamTests.bigTable(rows: 2600)
        let rows = t.rows
        t.rows = []
        t.rowSource = Table.RowSource(count: rows.count) { rows[$0] }
        // Groups of 7, 2100 (more than a record holds) and the rest.
        t.groupKeys = [Table.GroupKey(rows: 0..<7, key: "a"), Table.GroupKey(rows: 7..<2107, key: "b"),
                       Table.GroupKey(rows: 2107..<2600, key: "c")]
        var records: [JSON] = []
        t.records { records.append($0) }
        #expect(records.map { $0["rows"]?.arrayValue?.count ?? -1 } == [7, 2000, 100, 493])
        #expect(try StreamTests.written(t) == records.map { $0.serialized + "\n" }.joined())
        // Keys that do not cover the rows in order are not used: the table is cut as usual.
        t.groupKeys = [Table.GroupKey(rows: 0..<7, key: "a")]
        var plain: [JSON] = []
        t.records { plain.append($0) }
        #expect(plain.map { $0["rows"]?.arrayValue?.count ?? -1 } == [2000, 600])
    }

    @Test func unchangedRecordsAreReusedAndTheFilesAreAFreshRendersFiles() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let other = StreamTests.bigTable(rows: 50)
        // First run: nothing to reuse. Second: every continuation record (the first record holds 机关0).
        #expect(try Self.render(Self.lines([Self.grouped(), other]), into: out, in: dir) == 0)
        #expect(try Self.render(Self.lines([Self.grouped(), other]), into: out, in: dir) == 29)
        // Two agencies changed (one of them the last): the 27 others reused.
        #expect(try Self.render(Self.lines([Self.grouped(change: [7: "9", 29: "8"]), other]), into: out, in: dir) == 27)
        // A chart deleted: its record is drawn again.
        try FileManager.default.removeItem(at: out.appendingPathComponent(try #require(
            try FileManager.default.contentsOfDirectory(atPath: out.path).first { $0.hasSuffix(".svg") && $0.contains("机关3") })))
        #expect(try Self.render(Self.lines([Self.grouped(change: [7: "9", 29: "8"]), other]), into: out, in: dir) == 28)
        // The Markdown edited by hand: nothing is taken from it.
        let md = try FileHandle(forWritingTo: out.appendingPathComponent("yoy.md"))
        md.seekToEndOfFile()
        md.write(Data("x".utf8))
        md.closeFile()
        #expect(try Self.render(Self.lines([Self.grouped(change: [7: "9", 29: "8"]), other]), into: out, in: dir) == 0)
        // A damaged cache (its parts pointing past the end of the files): drawn again, never half-copied.
        let cache = URL(fileURLWithPath: out.path + ".cache")
        // (An entry's eighth field is where its Markdown starts.)
        var lines = try String(contentsOf: cache, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for i in lines.indices.dropFirst() where !lines[i].isEmpty {
            var fields = lines[i].split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            fields[7] = "987654321"
            lines[i] = fields.joined(separator: "\t")
        }
        let damaged = lines.joined(separator: "\n")
        #expect(damaged.contains("987654321"))
        try Data(damaged.utf8).write(to: cache)
        #expect(try Self.render(Self.lines([Self.grouped(change: [7: "9", 29: "8"]), other]), into: out, in: dir) == 0)
        #expect(try Self.render(Self.lines([Self.grouped(change: [7: "9", 29: "8"]), other]), into: out, in: dir) == 29)
        // Another option (a byte-order mark in the CSV): not reused either.
        #expect(try Self.render(Self.lines([Self.grouped(), other]), into: out, in: dir, ["--excel"]) == 0)
        #expect(try Self.render(Self.lines([Self.grouped(), other]), into: out, in: dir, ["--excel"]) == 29)
        // Fewer agencies: the charts of the ones gone are removed (the fresh render has none);
        // 机关19's record is now the last ("continued": false), so it is new bytes.
        #expect(try Self.render(Self.lines([Self.grouped(agencies: 20), other]), into: out, in: dir, ["--excel"]) == 18)
    }

    @Test func aTableWithoutSectionsReusesItsRecordsPastTheRowsItsMarkdownShows() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        func table(_ changed: Int?) -> Table {
            var t = StreamTests.bigTable(rows: 4500)
            if let changed { t.rows[changed][1] = .string("改过的") }
            return t
        }
        func lines(_ t: Table, chunk: Int = 50) -> String {
            var s = ""
            t.records(chunk: chunk) { s += $0.serialized + "\n" }
            return s
        }
        // Records of 50 rows: those past the rows the Markdown shows (2,000) are reusable.
        let past = (4500 - Renderer.markdownRowLimit) / 50
        #expect(past == 50)
        #expect(try Self.render(lines(table(nil)), into: out, in: dir) == 0)
        #expect(try Self.render(lines(table(nil)), into: out, in: dir) == past)
        #expect(try Self.render(lines(table(3000)), into: out, in: dir) == past - 1)
        #expect(try Self.render(lines(table(10)), into: out, in: dir) == past - 1)  // row 3000 is back: its record is new again
        #expect(try Self.render(lines(table(10)), into: out, in: dir) == past)  // the Markdown changed, the CSV past it did not
        // Rows cut differently: nothing in common, nothing wrong.
        #expect(try Self.render(lines(table(10), chunk: 70), into: out, in: dir) == 0)
    }

    @Test func aRecordIsReusedOnlyWhereItsGroupsBeginAndEnd() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let t = Self.grouped(agencies: 6)
        var records: [JSON] = []
        t.records { records.append($0) }
        func text(_ rs: [JSON]) -> String { rs.map { $0.serialized + "\n" }.joined() }
        #expect(try Self.render(text(records), into: out, in: dir) == 0)
        #expect(try Self.render(text(records), into: out, in: dir) == 5)
        // A record with more rows of 机关2 comes before 机关2's record, and one with more of
        // 机关4 after 机关4's: those two records, though unchanged, must be drawn again.
        let extra = t.rows.filter { $0[0] == .string("机关2") }.prefix(3).map { row -> [JSON] in var r = row; r[3] = .int(2030); return r }
        let extra4 = t.rows.filter { $0[0] == .string("机关4") }.prefix(2).map { row -> [JSON] in var r = row; r[3] = .int(2031); return r }
        var changed = Array(records[0...1])
        changed.append(t.continuationRecord(rows: Array(extra), continued: true))
        changed += records[2...4]
        changed.append(t.continuationRecord(rows: Array(extra4), continued: true))
        changed.append(records[5])
        // Records 1, 3 and 5 (机关1, 机关3, 机关5) are where they were; 2 and 4 are not.
        #expect(try Self.render(text(changed), into: out, in: dir) == 3)
        // And back: the records drawn in the odd layout were not kept as reusable.
        #expect(try Self.render(text(records), into: out, in: dir) == 3)
        #expect(try Self.render(text(records), into: out, in: dir) == 5)
    }
}
