import Foundation
import Testing
@testable import GongkaiCore

/// A small corpus of hand-made reports whose numbers are chosen here, and the
/// comparison tables checked against values computed by hand.
///
/// Agencies (region · kind):
/// - A 海东市工业和信息化局 (海东市 · 工业和信息化局): 2020 (2019 formats), 2021, 2022
/// - B 江苏省宿迁市沭阳县工信局 (江苏省宿迁市沭阳县 · 工业和信息化局): 2021 (section 三 2019 format,
///   section 二 2019 format), 2022 (its 上年结转 contradicts 2021's 结转: one error)
/// - C 海东市人民政府办公室: 2021 only, 新收申请 blank
/// - D 平潭综合实验区 (a zone, no kind): 2021, 2022
/// plus a second, emptier report of A for 2021 that the tables must not pick.
@Suite struct CompareTests {
    /// Section 三 rows by their indicator, in the order of `Catalog.applyRows`.
    struct Apply {
        var received: Int?
        var carriedOver: Int? = 0
        var granted: Int?
        var partly: Int? = 0
        var denied: [Int?] = Array(repeating: 0, count: 8)
        var unavailable: [Int?] = [0, 0, 0]
        var notProcessed: [Int?] = Array(repeating: 0, count: 5)
        /// One value (2019 format) or three (2021 format).
        var other: [Int?] = [0, 0, 0]
        var total: Int?
        var forward: Int? = 0
    }

    /// (upheld, corrected, other, pending, total)
    typealias Review = (Int, Int, Int, Int, Int)
    static let noReview: Review = (0, 0, 0, 0, 0)

    static func q(_ v: Int?) -> Quantity? { v.map { Quantity($0) } }

    /// A report with every cell of its formats' tables: the row totals as given, every
    /// applicant column 0 (so the checks across years compare only the totals).
    static func report(_ agency: String, _ year: Int, path: String? = nil, apply: Apply, applyFormat: String = "2021",
                       activeFormat: String = "2021", active: [String: Int?] = [:],
                       review: Review = noReview, direct: Review = noReview, afterReview: Review = noReview) -> Report {
        var r = Report(path: path ?? "\(agency)-\(year).txt", sha256: "\(agency)\(year)\(path ?? "")", bytes: 100, sourceFormat: "text")
        r.agency = agency
        r.year = year
        r.applyFormat = applyFormat
        r.activeFormat = activeFormat
        r.sections = ["一", "二", "三", "四", "五", "六"]
        for id in Catalog.applyMetrics(format: applyFormat) + Catalog.activeMetrics(format: activeFormat) + Catalog.reviewMetrics {
            r.values[id] = .some(Quantity(0))
        }
        let set = { (row: String, v: Int?) in r.values["\(row).total"] = .some(q(v)) }
        set("apply.received", apply.received)
        set("apply.carried_over", apply.carriedOver)
        set("apply.granted", apply.granted)
        set("apply.partly_granted", apply.partly)
        for (row, v) in zip(Indicators.deniedRows, apply.denied) { set(row, v) }
        for (row, v) in zip(Indicators.unavailableRows, apply.unavailable) { set(row, v) }
        for (row, v) in zip(Indicators.notProcessedRows, apply.notProcessed) { set(row, v) }
        if applyFormat == "2019" {
            set("apply.other", apply.other[0])
        } else {
            for (row, v) in zip(Indicators.otherSubRows, apply.other) { set(row, v) }
        }
        set("apply.total", apply.total)
        set("apply.carried_forward", apply.forward)
        for (group, v) in [("review", review), ("litigation.direct", direct), ("litigation.after_review", afterReview)] {
            for (column, x) in zip(["upheld", "corrected", "other", "pending", "total"], [v.0, v.1, v.2, v.3, v.4]) {
                r.values["\(group).\(column)"] = .some(Quantity(x))
            }
        }
        for (id, v) in active { r.values[id] = .some(q(v)) }
        return r
    }

    static let a = "海东市工业和信息化局", b = "江苏省宿迁市沭阳县工信局", c = "海东市人民政府办公室", d = "平潭综合实验区"

    static var corpus: [Report] {
        [
            report(a, 2020, apply: Apply(received: 8, granted: 4, unavailable: [2, 0, 0], other: [0], total: 6, forward: 2),
                   applyFormat: "2019", activeFormat: "2019", active: ["active.regulations.total_published": 4]),
            report(a, 2021, apply: Apply(received: 10, carriedOver: 2, granted: 5, partly: 1, denied: [1, 0, 0, 0, 0, 0, 0, 1],
                                         unavailable: [1, 0, 0], notProcessed: [0, 1, 0, 0, 0], other: [1, 0, 0], total: 11, forward: 1),
                   active: ["active.regulations.in_force": 5], review: (1, 1, 0, 1, 3), direct: (0, 1, 0, 0, 1)),
            // Same agency and year, fewer cells filled: not the one compared.
            report(a, 2021, path: "z-copy.txt", apply: Apply(received: nil, carriedOver: 2, granted: 5, partly: 1,
                                                            denied: [1, 0, 0, 0, 0, 0, 0, 1], unavailable: [1, 0, 0],
                                                            notProcessed: [0, 1, 0, 0, 0], other: [1, 0, 0], total: 11, forward: 1),
                   active: ["active.regulations.in_force": 5], review: (1, 1, 0, 1, 3), direct: (0, 1, 0, 0, 1)),
            report(a, 2022, apply: Apply(received: 15, carriedOver: 1, granted: nil, partly: 3, total: 15, forward: 1),
                   active: ["active.regulations.in_force": 6, "active.regulations.issued": 1], review: (2, 2, 0, 0, 4)),
            report(b, 2021, apply: Apply(received: 20, granted: 10, partly: 2, denied: [0, 0, 0, 3, 0, 0, 0, 0], unavailable: [2, 0, 0],
                                         notProcessed: [0, 0, 0, 0, 1], other: [2], total: 20),
                   applyFormat: "2019", activeFormat: "2019", active: ["active.regulations.total_published": 9],
                   afterReview: (1, 0, 0, 0, 1)),
            report(b, 2022, apply: Apply(received: 25, carriedOver: 3, granted: 20, total: 20, forward: 8)),
            report(c, 2021, apply: Apply(received: nil, granted: 0, total: 0), active: ["active.regulations.in_force": 3]),
            report(d, 2021, apply: Apply(received: 10, granted: 4, unavailable: [4, 0, 0], other: [0, 0, 2], total: 10),
                   active: ["active.regulations.in_force": 7], review: (2, 0, 0, 0, 2)),
            report(d, 2022, apply: Apply(received: 5, granted: 5, total: 5), active: ["active.regulations.in_force": 7]),
        ]
    }

    static func tables(_ reports: [Report]) throws -> [Table] {
        var agg = Aggregator()
        for r in reports { try agg.add(r.json.objectValue!) }
        return agg.tables()
    }

    static func table(_ tables: [Table], _ name: String) throws -> Table {
        try #require(tables.first { $0.name == name }, "no table \(name)")
    }

    /// The rows as text, keyed by (row type, agency); cells by column id.
    static func rows(_ t: Table) -> [[String: String]] {
        t.rows.map { row in
            Dictionary(uniqueKeysWithValues: t.columns.enumerated().map { ($0.element.id, Renderer.cellText(row[$0.offset])) })
        }
    }

    static func check(_ row: [String: String], _ expected: [String: String], _ context: String) {
        for (k, v) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(row[k] == v, "\(context): \(k) is \(row[k] ?? "missing"), expected \(v)")
        }
    }

    // MARK: compare_<year>

    @Test func compare2021HasTheHandComputedNumbers() throws {
        let t = try Self.table(try Self.tables(Self.corpus), "compare_2021")
        let rows = Self.rows(t)
        // Grouped by region (byte order: 平 < 江 < 海), then name (人 < 工); then the totals.
        #expect(rows.map { $0["agency"]! } == [Self.d, Self.b, Self.c, Self.a, "", ""])
        #expect(rows.map { $0["row_type"]! } == ["机关", "机关", "机关", "机关", "合计", "合计（仅计已填）"])
        let d = rows[0], b = rows[1], c = rows[2], a = rows[3], total = rows[4], filled = rows[5]
        Self.check(a, ["region": "海东市", "kind": "工业和信息化局", "format_apply": "2021", "path": "海东市工业和信息化局-2021.txt",
                       "received": "10", "carried_over": "2", "granted": "5", "partly_granted": "1", "denied": "2", "unavailable": "1",
                       "not_processed": "1", "other": "1", "results_total": "11", "carried_forward": "1",
                       "disclosure_rate": "54.5", "review": "3", "litigation": "1", "corrected": "2", "concluded": "3",
                       "correction_rate": "66.7", "errors": "0"], "A")
        // 2019 format: （六）其他处理 is its single row; the kind is written out (工信局).
        Self.check(b, ["region": "江苏省宿迁市沭阳县", "kind": "工业和信息化局", "format_apply": "2019", "received": "20", "other": "2",
                       "denied": "3", "unavailable": "2", "not_processed": "1", "results_total": "20", "disclosure_rate": "60.0",
                       "review": "0", "litigation": "1", "corrected": "0", "concluded": "1", "correction_rate": "0.0"], "B")
        // Blank stays blank; a zero denominator gives a blank rate.
        Self.check(c, ["received": "", "rank_received": "", "results_total": "0", "disclosure_rate": "", "rank_disclosure_rate": "",
                       "concluded": "0", "correction_rate": "", "rank_correction_rate": ""], "C")
        Self.check(d, ["region": "平潭综合实验区", "kind": "", "other": "2", "unavailable": "4", "disclosure_rate": "40.0",
                       "review": "2", "litigation": "0", "correction_rate": "0.0"], "D")
        // Ranks, largest first, ties share a rank, blank has none.
        #expect([d, b, c, a].map { $0["rank_received"]! } == ["2", "1", "", "2"])
        #expect([d, b, c, a].map { $0["rank_disclosure_rate"]! } == ["3", "1", "", "2"])
        #expect([d, b, c, a].map { $0["rank_review"]! } == ["2", "3", "3", "1"])
        #expect([d, b, c, a].map { $0["rank_litigation"]! } == ["3", "1", "3", "1"])
        #expect([d, b, c, a].map { $0["rank_correction_rate"]! } == ["2", "2", "", "1"])
        // Totals: a blank term blanks the sum; rates from the totals (22/41, 2/6).
        Self.check(total, ["received": "", "carried_over": "2", "granted": "19", "partly_granted": "3", "denied": "5", "unavailable": "7",
                           "not_processed": "2", "other": "5", "results_total": "41", "carried_forward": "1", "disclosure_rate": "53.7",
                           "review": "5", "litigation": "2", "corrected": "2", "concluded": "6", "correction_rate": "33.3",
                           "rank_received": "", "errors": "0", "path": ""], "合计")
        Self.check(filled, ["received": "40", "granted": "19", "disclosure_rate": "53.7", "correction_rate": "33.3"], "合计（仅计已填）")
    }

    @Test func compare2022CountsTheCarryErrorAndBlanksTheTotalOfABlankColumn() throws {
        let t = try Self.table(try Self.tables(Self.corpus), "compare_2022")
        let rows = Self.rows(t)
        #expect(rows.map { $0["agency"]! } == [Self.d, Self.b, Self.a, "", ""])
        // A's 予以公开 is blank: its 公开率 and the totals' 予以公开 and 公开率 are blank.
        Self.check(rows[2], ["granted": "", "disclosure_rate": "", "correction_rate": "50.0", "errors": "0"], "A 2022")
        // B's 上年结转 (3) is not its 2021 结转 (0): one application_carry error, on the 总计 column.
        Self.check(rows[1], ["errors": "1", "disclosure_rate": "100.0"], "B 2022")
        Self.check(rows[3], ["row_type": "合计", "received": "45", "granted": "", "disclosure_rate": "", "errors": "1",
                             "results_total": "40", "carried_over": "4"], "合计")
        Self.check(rows[4], ["row_type": "合计（仅计已填）", "received": "45", "granted": "25", "partly_granted": "3",
                             "disclosure_rate": "70.0"], "合计（仅计已填）")
    }

    @Test func compareKindPutsOneKindOfDepartmentSideBySide() throws {
        let tables = try Self.tables(Self.corpus)
        let t = try Self.table(tables, "compare_kind_2021")
        let rows = Self.rows(t)
        // Only 工业和信息化局 is in two regions; C (one region) and D (no kind) are not compared.
        #expect(rows.map { $0["kind"]! } == ["工业和信息化局", "工业和信息化局", "工业和信息化局"])
        #expect(rows.map { $0["agency"]! } == [Self.b, Self.a, ""])
        #expect(rows.map { $0["rank_received"]! } == ["1", "2", ""])
        #expect(rows.map { $0["rank_review"]! } == ["2", "1", ""])
        // Totals of the kind: 18/31 = 58.1 %, 2/4 = 50.0 %.
        Self.check(rows[2], ["row_type": "合计", "received": "30", "results_total": "31", "disclosure_rate": "58.1",
                             "corrected": "2", "concluded": "4", "correction_rate": "50.0"], "kind total")
        #expect(t.grouping?.column == "kind")
        let empty = try Self.table(try Self.tables(Self.corpus.filter { $0.agency != Self.b }), "compare_kind_2021")
        #expect(empty.rows.isEmpty && empty.description.contains("表为空"))
    }

    @Test func sectionTwoIsComparedOnlyWithinAFormat() throws {
        let tables = try Self.tables(Self.corpus)
        let names = tables.map(\.name).filter { $0.hasPrefix("compare_active_") }
        #expect(names == ["compare_active_2020_format2019", "compare_active_2021_format2019", "compare_active_2021_format2021",
                          "compare_active_2022_format2021"])
        let f2021 = Self.rows(try Self.table(tables, "compare_active_2021_format2021"))
        #expect(f2021.map { $0["agency"]! } == [Self.d, Self.c, Self.a, ""])
        #expect(f2021.map { $0["active.regulations.in_force"]! } == ["7", "3", "5", "15"])
        #expect(f2021.allSatisfy { $0["active.regulations.total_published"] == nil })
        let f2019 = Self.rows(try Self.table(tables, "compare_active_2021_format2019"))
        #expect(f2019.map { $0["agency"]! } == [Self.b, ""])
        #expect(f2019.map { $0["active.regulations.total_published"]! } == ["9", "9"])
        #expect(f2019.allSatisfy { $0["active.regulations.in_force"] == nil })
        let t = try Self.table(tables, "compare_active_2021_format2021")
        #expect(t.description.contains("只能在同一版本的报告之间比较"))
        // The main comparison holds no section 二 column.
        #expect(!(try Self.table(tables, "compare_2021")).columns.contains { $0.id.hasPrefix("active.") })
    }

    // MARK: yoy

    static func yoy(_ tables: [Table], _ agency: String, _ indicator: String) throws -> [[String: String]] {
        Self.rows(try table(tables, "yoy")).filter { $0["agency"] == agency && $0["indicator"] == indicator }
    }

    /// One agency spelled with a precomposed letter one year and a decomposed one the next
    /// (what a file name or title typed on another system gives): one agency throughout,
    /// though the comparisons key their agencies by the bytes of the name they show.
    @Test func oneAgencySpelledInTwoNormalFormsIsOneAgency() throws {
        let composed = "测试Caf\u{E9}信息中心", decomposed = "测试Cafe\u{301}信息中心"
        #expect(Array(composed.utf8) != Array(decomposed.utf8) && composed == decomposed)
        let tables = try Self.tables([Self.report(composed, 2021, apply: Apply(received: 4, granted: 4, total: 4)),
                                      Self.report(decomposed, 2022, apply: Apply(received: 6, granted: 6, total: 6))])
        let yoy = Self.rows(try Self.table(tables, "yoy")).filter { $0["indicator"] == "received" }
        #expect(yoy.map { [$0["year"]!, $0["value"]!, $0["prev_year"]!, $0["change"]!] } == [["2021", "4", "", ""], ["2022", "6", "2021", "2"]])
        #expect(Set(yoy.map { Array($0["agency"]!.utf8) }).count == 1)
        for year in [2021, 2022] {
            let agencies = Self.rows(try Self.table(tables, "compare_\(year)")).filter { $0["row_type"] == Compare.agencyRow }
            #expect(agencies.count == 1, "compare_\(year): \(agencies.map { $0["agency"]! })")
        }
    }

    @Test func yearOverYearChangeAndPercentChange() throws {
        let tables = try Self.tables(Self.corpus)
        let yoy = Self.rows(try Self.table(tables, "yoy"))
        // C has one year only.
        #expect(Set(yoy.map { $0["agency"]! }) == [Self.a, Self.b, Self.d])
        func series(_ agency: String, _ indicator: String) throws -> [[String]] {
            try Self.yoy(tables, agency, indicator).map { [$0["year"]!, $0["value"]!, $0["prev_year"]!, $0["change"]!, $0["pct_change"]!] }
        }
        #expect(try series(Self.a, "received") == [["2020", "8", "", "", ""], ["2021", "10", "2020", "2", "25.0"], ["2022", "15", "2021", "5", "50.0"]])
        // Rates: change in percentage points of the printed values, no % change; blank stays blank.
        #expect(try series(Self.a, "disclosure_rate") == [["2020", "66.7", "", "", ""], ["2021", "54.5", "2020", "-12.2", ""],
                                                          ["2022", "", "2021", "", ""]])
        #expect(try series(Self.a, "correction_rate") == [["2020", "", "", "", ""], ["2021", "66.7", "2020", "", ""],
                                                          ["2022", "50.0", "2021", "-16.7", ""]])
        // A zero base has no % change; a fall is negative.
        #expect(try series(Self.a, "carried_over") == [["2020", "0", "", "", ""], ["2021", "2", "2020", "2", ""], ["2022", "1", "2021", "-1", "-50.0"]])
        // 其他处理 compares across the 2019 (one row) and 2021 (three sub-rows) formats.
        #expect(try series(Self.a, "other") == [["2020", "0", "", "", ""], ["2021", "1", "2020", "1", ""], ["2022", "0", "2021", "-1", "-100.0"]])
        #expect(try series(Self.b, "received") == [["2021", "20", "", "", ""], ["2022", "25", "2021", "5", "25.0"]])
        #expect(try series(Self.b, "disclosure_rate") == [["2021", "60.0", "", "", ""], ["2022", "100.0", "2021", "40.0", ""]])
        #expect(try series(Self.d, "received") == [["2021", "10", "", "", ""], ["2022", "5", "2021", "-5", "-50.0"]])
        #expect(try Self.yoy(tables, Self.a, "received").map { $0["format"]! } == ["2019", "2021", "2021"])
    }

    @Test func yearOverYearSectionTwoOnlyWithinAFormat() throws {
        let tables = try Self.tables(Self.corpus)
        let inForce = try Self.yoy(tables, Self.a, "active.regulations.in_force")
        #expect(inForce.map { $0["year"]! } == ["2021", "2022"])  // no 2021-format table in 2020
        #expect(inForce[0]["change"] == "" && inForce[0]["prev_year"] == "2020" && inForce[0]["note"]!.contains("不可比"))
        #expect(inForce[1]["change"] == "1" && inForce[1]["pct_change"] == "20.0" && inForce[1]["note"] == "")
        // Shared ids (处理决定数量) are not compared across formats either.
        let licensing = try Self.yoy(tables, Self.b, "active.licensing.decisions")
        #expect(licensing.map { $0["format"]! } == ["2019", "2021"])
        #expect(licensing[1]["change"] == "" && licensing[1]["note"]!.contains("不可比"))
        let published = try Self.yoy(tables, Self.a, "active.regulations.total_published")
        #expect(published.map { $0["year"]! } == ["2020"])
    }

    // MARK: Determinism

    @Test func inputOrderAndRepeatedRunsChangeNothing() throws {
        let once = try Self.tables(Self.corpus)
        let again = try Self.tables(Self.corpus)
        let reversed = try Self.tables(Self.corpus.reversed())
        #expect(once == again)
        #expect(once.map(\.json.serialized) == reversed.map(\.json.serialized))
        let files = try Renderer().files(once), filesReversed = try Renderer().files(reversed)
        #expect(files.map(\.name) == filesReversed.map(\.name))
        for (x, y) in zip(files, filesReversed) { #expect(x.text == y.text, "\(x.name) differs") }
    }

    @Test func tableRecordsRoundTrip() throws {
        for t in try Self.tables(Self.corpus) {
            #expect(try Table(json: t.json.objectValue!) == t, "\(t.name)")
            #expect(try Table(json: try JSON.parse(t.json.serialized).objectValue!) == t, "\(t.name)")
        }
        // A record from before charts, groupings and column metadata is still read.
        let old = try JSON.parse(#"{"schema":"gongkai.table/1","name":"x","title":"X","description":"","columns":[{"id":"a","label":"甲","type":"text"}],"rows":[["1"]]}"#)
        let t = try Table(json: old.objectValue!)
        #expect(t.charts.isEmpty && t.grouping == nil && t.columns[0].definition.isEmpty)
    }

    // MARK: Dictionary and index

    @Test func dictionaryDefinesEveryColumnOfEveryTable() throws {
        let tables = try Self.tables(Self.corpus)
        let dict = Self.rows(try Self.table(tables, "dictionary"))
        let defined = Set(dict.map { "\($0["table"]!) \($0["column"]!)" })
        for t in tables {
            for c in t.columns {
                #expect(defined.contains("\(Compare.family(t.name)) \(c.id)"), "\(t.name).\(c.id) missing")
            }
        }
        #expect(dict.allSatisfy { !$0["definition"]!.isEmpty && !$0["label"]!.isEmpty }, "\(dict.filter { $0["definition"]!.isEmpty }.map { $0["column"]! })")
        let rate = try #require(dict.first { $0["table"] == "compare_<year>" && $0["column"] == "disclosure_rate" })
        #expect(rate["label"] == "公开率(%)" && rate["unit"] == "%" && rate["section"] == "三" && rate["type"] == "rate")
        #expect(dict.contains { $0["table"] == "reports" && $0["column"] == "active.fees.amount" && $0["unit"] == "万元" })
    }

    @Test func unreadFilesAreCountedByReason() throws {
        var agg = Aggregator()
        for r in Self.corpus { try agg.add(r.json.objectValue!) }
        for (path, code) in [("b.pdf", "unsupported_format"), ("a.pdf", "unsupported_format"), ("c.txt", "undecodable")] {
            let doc = Document(path: path, bytes: 1, sha256: nil, format: "pdf", encoding: nil, text: nil,
                               error: RecordError(code: code, message: "x"))
            try agg.add(doc.json.objectValue!)
        }
        let unread = Self.rows(try Self.table(agg.tables(), "unread"))
        #expect(unread.map { [$0["status"]!, $0["code"]!, $0["files"]!, $0["examples"]!] }
                == [["error", "unsupported_format", "2", "a.pdf; b.pdf"], ["error", "undecodable", "1", "c.txt"]])
        #expect(unread.allSatisfy { !$0["advice"]!.isEmpty })
    }

    // MARK: Indicator arithmetic

    @Test func percentRoundsHalfAwayFromZeroWithOneDecimal() {
        func p(_ a: Int, _ b: Int) -> String? { Indicators.percent(Quantity(a), Quantity(b)).map(Indicators.oneDecimal) }
        #expect(p(1, 3) == "33.3")
        #expect(p(2, 3) == "66.7")
        #expect(p(1, 8) == "12.5")  // 12.5 exactly
        #expect(p(1, 16) == "6.3")  // 6.25 → 6.3
        #expect(p(-1, 16) == "-6.3")
        #expect(p(5, 5) == "100.0")
        #expect(p(0, 7) == "0.0")
        #expect(p(3, 0) == nil)
        #expect(Indicators.percent(Quantity("2.5")!, Quantity(10)).map(Indicators.oneDecimal) == "25.0")
        #expect(Indicators.ranks([Quantity(5), nil, Quantity(7), Quantity(5), Quantity(1)]) == [2, nil, 1, 2, 4])
    }
}

/// The comparison tables through the five executables, from report texts.
@Suite struct CompareEndToEndTests {
    typealias Case = ExtractCaseTests

    /// A clean 2021-format report text of `agency` for `year`: `received` new applications
    /// (自然人), all granted, nothing carried over.
    static func text(_ agency: String, _ year: Int, received: Int) -> String {
        let row = ["\(received)", "0", "0", "0", "0", "0", "\(received)"]
        return Case.report(Case.standardApply(received: row, granted: row))
            .replacingOccurrences(of: "2021", with: "\(year)")
            .replacingOccurrences(of: "2022年1月20日", with: "\(year + 1)年1月20日")
            .replacingOccurrences(of: "行政规范性文件\t2\t1\t9", with: "行政规范性文件\t0\t0\t9")
            .replacingOccurrences(of: "规章\t1\t0\t5", with: "规章\t0\t0\t5")
            .replacingOccurrences(of: "某某市某某局", with: agency)
    }

    static let reports: [(String, String, Int, Int)] = [
        ("a.txt", "海东市工业和信息化局", 2021, 4), ("b.txt", "海东市工业和信息化局", 2022, 6),
        ("c.txt", "江苏省宿迁市沭阳县工信局", 2021, 7), ("d.txt", "海东市人民政府办公室", 2021, 4),
    ]

    static func corpus(in dir: URL, names: [String: String] = [:], reversed: Bool = false) throws -> URL {
        let corpus = dir.appendingPathComponent("corpus")
        try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
        for (file, agency, year, received) in reversed ? reports.reversed() : reports {
            try Data(text(agency, year, received: received).utf8).write(to: corpus.appendingPathComponent(names[file] ?? file))
        }
        return corpus
    }

    static func outputs(_ dir: URL) throws -> [String: String] {
        var out: [String: String] = [:]
        for f in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            out[f] = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)
        }
        return out
    }

    @Test func tablesFromTextsAreRightAndStableUnderRenamingAndReordering() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let renamed = ["a.txt": "z/2021 工信.txt", "b.txt": "y.txt", "c.txt": "m.txt", "d.txt": "0.txt"]
        let first = dir.appendingPathComponent("one"), second = dir.appendingPathComponent("two")
        let codes = try EndToEndTests.pipeline(corpus: try Self.corpus(in: first), work: first.appendingPathComponent("work"),
                                               out: first.appendingPathComponent("out"))
        #expect(codes == [0, 0, 0, 0, 0])
        try FileManager.default.createDirectory(at: second.appendingPathComponent("corpus/z"), withIntermediateDirectories: true)
        _ = try EndToEndTests.pipeline(corpus: try Self.corpus(in: second, names: renamed, reversed: true),
                                       work: second.appendingPathComponent("work"), out: second.appendingPathComponent("out"))
        let one = try Self.outputs(first.appendingPathComponent("out")), two = try Self.outputs(second.appendingPathComponent("out"))

        let compare = parseCSV(try #require(one["compare_2021.csv"]))
        let header = compare[0]
        func cell(_ row: [String], _ id: String) -> String { row[header.firstIndex(of: id)!] }
        #expect(compare.map { cell($0, "agency") } == ["agency", "江苏省宿迁市沭阳县工信局", "海东市人民政府办公室", "海东市工业和信息化局", ""])
        #expect(compare.dropFirst().map { cell($0, "received") } == ["7", "4", "4", "15"])
        #expect(compare.dropFirst().map { cell($0, "rank_received") } == ["1", "2", "2", ""])
        #expect(compare.dropFirst().map { cell($0, "disclosure_rate") } == ["100.0", "100.0", "100.0", "100.0"])
        #expect(compare.dropFirst().map { cell($0, "correction_rate") } == ["0.0", "0.0", "0.0", "0.0"])  // 1 of 2 pending, none corrected
        let kind = parseCSV(try #require(one["compare_kind_2021.csv"]))
        #expect(kind.dropFirst().map { $0[2] } == ["江苏省宿迁市沭阳县", "海东市", ""])
        let yoy = parseCSV(try #require(one["yoy.csv"])).filter { $0.count > 9 && $0[3] == "received" }
        #expect(yoy.map { [$0[7], $0[9], $0[11], $0[12]] } == [["2021", "4", "", ""], ["2022", "6", "2", "50.0"]])
        #expect(one.keys.contains("yoy-counts-海东市工业和信息化局.svg"))

        // Renamed and reordered inputs: the comparisons differ only in the file names they show.
        for (name, text) in one where name.hasPrefix("compare") || name.hasPrefix("yoy") || name.hasPrefix("dictionary") {
            var expected = text
            for (old, new) in renamed { expected = expected.replacingOccurrences(of: ",\(old)\r\n", with: ",\(new)\r\n")
                .replacingOccurrences(of: "| \(old) |", with: "| \(new) |") }
            #expect(two[name] == expected, "\(name) differs")
        }
        #expect(Set(one.keys) == Set(two.keys))
    }
}

/// The comparisons take each report's indicators from its slots (`Indicators.list`): the
/// same as the indicators worked out by id (`Indicators.values`), for every kind of report.
@Suite struct IndicatorListTests {
    @Test func slotsGiveWhatIdsGive() {
        var generator = Generator(seed: 23)
        var reports = generator.corpus(count: 60).map { extractReport(text: $0.text, path: $0.fileName, format: $0.style.format) }
        // Blank terms, the 2021 sub-rows of (六) only, a zero denominator, a sum that overflows.
        var odd = reports[0]
        odd.values["apply.denied.state_secret.total"] = .some(nil)
        odd.values["review.pending"] = nil
        reports.append(odd)
        var sub = Report(path: "s.txt", sha256: nil, bytes: 0, sourceFormat: "text")
        sub.values["apply.other.unpaid_fee.total"] = .some(Quantity(2))
        sub.values["apply.total.total"] = .some(Quantity(0))
        sub.values["apply.granted.total"] = .some(Quantity(1))
        sub.values["apply.partly_granted.total"] = .some(Quantity(mantissa: 5, scale: 1))
        reports.append(sub)
        var big = sub
        big.values["litigation.direct.total"] = .some(Quantity(mantissa: Int64.max, scale: 0))
        big.values["litigation.after_review.total"] = .some(Quantity(mantissa: Int64.max, scale: 0))
        reports += [big, Report(path: "empty.txt", sha256: nil, bytes: 0, sourceFormat: "text")]
        for r in reports {
            #expect(Indicators.list(r) == Indicators.list(Indicators.values(r)), "\(r.path)")
        }
        #expect(Indicators.list(big)[Indicators.all.firstIndex { $0.id == "litigation" }!] == nil)
        #expect(Indicators.list(sub)[Indicators.all.firstIndex { $0.id == "other" }!] == nil)  // the other two sub-rows are missing
    }
}

/// Names numbered by their bytes and hashed as Strings once (`NameNumbers`, for the kinds and
/// regions of compare_kind, the agencies of findings_by_agency and the summary's count): the
/// same numbers and names as a `[String: Int]` filled in the same order.
@Suite struct NameNumbersTests {
    @Test func numbersAsAStringDictionaryWould() {
        // Spellings equal as strings though their bytes differ (é composed and not, a Hangul
        // syllable and its jamo), Chinese, ASCII, empty; runs of one name and names in turn.
        let pool = ["海东市工业和信息化局", "caf\u{E9}局", "cafe\u{301}局", "\u{AC00}", "\u{1100}\u{1161}", "", "A局", "a局", "平潭综合实验区"]
        var random = SplitMix64(seed: 5)
        for round in 0..<40 {
            var names: [String] = []
            while names.count < 10 + round * 5 {
                let name = pool[Int(random.next() % UInt64(pool.count))]
                for _ in 0..<(1 + Int(random.next() % 3)) { names.append(name) }
            }
            var reference: [String: Int] = [:]
            var referenceNames: [String] = []
            var expected: [Int] = []
            for n in names {
                if let k = reference[n] {
                    expected.append(k)
                } else {
                    reference[n] = referenceNames.count
                    expected.append(referenceNames.count)
                    referenceNames.append(n)
                }
            }
            var numbers = NameNumbers()
            #expect(names.map { numbers.number($0) } == expected, "round \(round)")
            #expect(numbers.names.map { Array($0.utf8) } == referenceNames.map { Array($0.utf8) }, "round \(round)")
        }
    }

    /// `has(index:)` (the year-over-year table's rows of section 二) is `self[index:] != nil`.
    @Test func hasIsACellPresent() {
        var values = MetricValues()
        let n = Catalog.metrics.count
        for k in stride(from: 0, to: n, by: 3) { values.set(index: k, .some(Quantity(mantissa: Int64(k), scale: 0))) }
        for k in stride(from: 1, to: n, by: 5) { values.set(index: k, .some(nil)) }
        values.set(index: 2, .some(Quantity(mantissa: 1 << 40, scale: 0)))  // too wide for a slot
        var present = 0
        for k in 0..<(n + 2) {
            #expect(values.has(index: k) == (values[index: k] != nil), "slot \(k)")
            if values.has(index: k) { present += 1 }
        }
        #expect(present == values.count)
        #expect(!MetricValues().has(index: 0))
    }
}

/// Aggregate orders its reports by agency, year and file comparing each distinct name
/// once (`sortByAgencyYearPath`): the same order as sorting the reports by the tuple.
@Suite struct ReportOrderTests {
    @Test func rankedNamesGiveTheTupleOrder() {
        // Names that compare equal as strings though their bytes differ (é composed and not),
        // a missing name, an empty one, ASCII and Chinese; years missing or repeated; paths
        // equal as strings in two spellings (the order they come in must then be kept).
        let names: [String?] = ["海东市工业和信息化局", "海东市工信局", "caf\u{E9}局", "cafe\u{301}局", nil, "", "A局", "平潭综合实验区"]
        let years: [Int?] = [2019, 2020, 2021, nil]
        let paths = ["a.txt", "b/c.txt", "\u{E9}.txt", "e\u{301}.txt", "z.txt"]
        var random = SystemRandomNumberGenerator()
        for round in 0..<50 {
            var reports: [Report] = []
            for k in 0..<(20 + round * 7) {
                var r = Report(path: paths.randomElement(using: &random)!, sha256: nil, bytes: k, sourceFormat: "text")
                r.agency = names.randomElement(using: &random)!
                r.year = years.randomElement(using: &random)!
                reports.append(r)
            }
            var expected = reports
            // Swift's sort is stable: equal tuples stay in the order they came (told apart by `bytes`).
            expected.sort { ($0.agency ?? "", $0.year ?? 0, $0.path) < ($1.agency ?? "", $1.year ?? 0, $1.path) }
            var sorted = reports
            Aggregator.sortByAgencyYearPath(&sorted)
            #expect(sorted.map(\.bytes) == expected.map(\.bytes), "round \(round)")
        }
    }
}

/// `Compare.entries` groups and orders by numbered names; checked against the way it did it
/// before (a dictionary of "agency␟year" strings, every entry sorted by `Compare.order`).
@Suite struct CompareEntriesTests {
    /// A year's key (whether its comparison tables can be copied) changes when a figure of
    /// a report it shows changes, and only that year's.
    @Test func aFigureChangedChangesItsYearsKeyOnly() {
        var generator = Generator(seed: 11)
        let reports = CompareTests.corpus + generator.corpus(count: 80).map { extractReport(text: $0.text, path: $0.fileName, format: $0.style.format) }
        let entries = Compare.entries(reports, errors: [:])
        let years = Set(entries.map(\.year)).sorted()
        #expect(years.count >= 5)
        let keys = years.map { Compare.yearKey(year: $0, entries) }
        var changed = reports
        let shown = entries.first { $0.year == 2022 }!.report.path  // (a report an entry shows)
        let k = changed.firstIndex { $0.path == shown }!
        changed[k].values[Catalog.metrics[0].id] = .some(Quantity(mantissa: 123_456_789, scale: 0))
        let again = Compare.entries(changed, errors: [:])
        for (y, key) in zip(years, keys) { #expect((Compare.yearKey(year: y, again) == key) == (y != 2022), "\(y)") }
    }

    static func reference(_ reports: [Report], errors: [String: Int]) -> [(agency: String, year: Int, path: String, region: String, kind: String, errors: Int, values: [Quantity?])] {
        var byKey: [String: [Int]] = [:]
        for (k, r) in reports.enumerated() {
            guard let agency = r.agency, !agency.isEmpty, let year = r.year else { continue }
            byKey["\(agency)\u{1F}\(year)", default: []].append(k)
        }
        let made = byKey.keys.sorted { JSON.utf8Less($0, $1) }.map { key -> Compare.Entry in
            let candidates = byKey[key]!
            let r = reports[candidates.min { a, b in
                let ea = errors[reports[a].path] ?? 0, eb = errors[reports[b].path] ?? 0
                if ea != eb { return ea < eb }
                let fa = reports[a].values.filled, fb = reports[b].values.filled
                if fa != fb { return fa > fb }
                return JSON.utf8Less(reports[a].path, reports[b].path)
            }!]
            let (region, kind) = Region.split(r.agency!)
            return Compare.Entry(report: r, agency: r.agency!, year: r.year!, region: region, kind: Region.kindKey(kind),
                                 values: Indicators.list(r), errors: errors[r.path] ?? 0)
        }
        return made.sorted(by: Compare.order).map { ($0.agency, $0.year, $0.report.path, $0.region, $0.kind, $0.errors, $0.values) }
    }

    @Test func sameEntriesInTheSameOrderAsBefore() {
        var rng = SplitMix64(seed: 7)
        let names = ["海东市工业和信息化局", "海东市人民政府办公室", "平潭综合实验区", "江苏省宿迁市沭阳县工信局", "国家税务总局",
                     "北京市朝阳区教育委员会", "北京市朝阳区", "内蒙古自治区呼和浩特市民政局", "某某管理委员会", "a", "ab", "b",
                     "海东市工业和信息化局 ", "上海市浦东新区", "上海市浦东新区财政局", ""]
        let metrics = Catalog.metrics.map(\.id)
        for round in 0..<20 {
            var reports: [Report] = []
            var errors: [String: Int] = [:]
            for k in 0..<300 {
                var r = Report(path: "r\(round)-\(k).txt", sha256: nil, bytes: 0, sourceFormat: "text")
                let n = Int(rng.next() % UInt64(names.count + 1))
                r.agency = n == names.count ? nil : names[n]
                r.year = rng.next() % 10 == 0 ? nil : 2019 + Int(rng.next() % 5)
                for _ in 0..<Int(rng.next() % 6) {
                    r.values[metrics[Int(rng.next() % UInt64(metrics.count))]] = .some(Quantity(Int(rng.next() % 50)))
                }
                if rng.next() % 4 == 0 { errors[r.path] = Int(rng.next() % 3) }
                reports.append(r)
            }
            let got = Compare.entries(reports, errors: errors).map { ($0.agency, $0.year, $0.report.path, $0.region, $0.kind, $0.errors, $0.values) }
            let want = Self.reference(reports, errors: errors)
            #expect(got.count == want.count)
            #expect(got.count > 20)
            for (g, w) in zip(got, want) {
                #expect(g.0 == w.0 && g.1 == w.1 && g.2 == w.2 && g.3 == w.3 && g.4 == w.4 && g.5 == w.5 && g.6 == w.6)
            }
        }
    }
}

/// The year-over-year table and the table of every report write their rows' bytes straight
/// (`RowSource.bytes`): the very bytes of their cells serialized (but those a record holds once,
/// in `same`), row by row and record by record.
@Suite struct RowBytesTests {
    @Test func rowBytesAreTheirCellsSerialized() throws {
        var generator = Generator(seed: 31)
        var reports = CompareTests.corpus
        reports += generator.corpus(count: 120).map { extractReport(text: $0.text, path: $0.fileName, format: $0.style.format) }
        var agg = Aggregator()
        for r in reports { try agg.add(r.json.objectValue!) }
        var rowsChecked = 0, recordsChecked = 0, tables = 0
        try agg.emitTables { t in
            guard t.name == "yoy" || t.name == "reports", let source = t.rowSource, let bytes = source.bytes else { return }
            // The year-over-year table is grouped by agency, with region and kind as details:
            // its records hold those three cells once. The table of every report holds them all.
            let same = Set(t.sameColumns)
            #expect(same == (t.name == "yoy" ? Set(["region", "agency", "kind"].compactMap(t.column)) : []) && same.count == (t.name == "yoy" ? 3 : 0))
            for i in 0..<source.count {
                var direct: [UInt8] = [], viaJSON: [UInt8] = []
                bytes(i, &direct)
                let row = source(i)
                JSON.array(row.indices.filter { !same.contains($0) }.map { row[$0] }).write(to: &viaJSON)
                #expect(direct == viaJSON, "row \(i)")
                rowsChecked += 1
            }
            let units = try #require(t.keyedUnits(chunk: 7))  // small records: several to an agency
            for (n, u) in units.enumerated() {
                var viaJSON: [UInt8] = []
                t.record(u.rows.map(t.row(at:)), first: n == 0, continued: n < units.count - 1).write(to: &viaJSON)
                let direct = t.recordBytes(u.rows, first: n == 0, continued: n < units.count - 1)
                #expect(direct == viaJSON, "record \(n)")
                // Read back, the record has every cell of its rows.
                let back = try Table(json: JSON.parse(direct).objectValue ?? [:])
                #expect(back.rows == u.rows.map(t.row(at:)), "record \(n) read back")
                #expect((try JSON.parse(direct)["same"] != nil) == !same.isEmpty)
                recordsChecked += 1
            }
            tables += 1
        }
        #expect(tables == 2 && rowsChecked > 1000 && recordsChecked > 100)
    }

    /// The inventory is written from its rows' bytes too: every row's bytes are its cells
    /// serialized, and the records written are those of the table's rows, whatever the inputs
    /// (a duplicate, a report without name, year or SHA-256, a damaged line, text to escape).
    @Test func inventoryRowBytesAreTheirCellsSerialized() throws {
        var generator = Generator(seed: 5)
        let made = generator.corpus(count: 40).map { extractReport(text: $0.text, path: $0.fileName, format: $0.style.format) }
        var agg = Aggregator()
        for r in made { try agg.add(r.json.objectValue!) }
        var copy = made[0]
        copy.path = "引号\"反斜\\杠\u{1}\t/副本.txt"  // a duplicate of the first (same SHA-256)
        try agg.add(copy.json.objectValue!)
        var bare = made[1]
        bare.path = "无名.txt"
        bare.agency = nil
        bare.year = nil
        bare.sha256 = nil
        try agg.add(bare.json.objectValue!)
        try agg.add(BadRecord.record(raw: Array(#"{"schema":"gongkai.report/2","path":"断\"#.utf8), object: nil, line: 3,
                                     stage: "gongkai-aggregate", code: "malformed_record", problem: "cut short").objectValue!)
        var inventory: Table?
        agg.emitTables { if $0.name == "inventory" { inventory = $0 } }
        let t = try #require(inventory)
        let source = try #require(t.rowSource)
        let bytes = try #require(source.bytes)
        #expect(source.count == 43)
        var statuses = Set<String>()
        for i in 0..<source.count {
            var direct: [UInt8] = [], viaJSON: [UInt8] = []
            bytes(i, &direct)
            JSON.array(source(i)).write(to: &viaJSON)
            #expect(direct == viaJSON, "row \(i): \(String(decoding: direct, as: UTF8.self))")
            statuses.insert(Renderer.cellText(source(i)[1]))
        }
        #expect(statuses == ["report", "duplicate", "error"])
        #expect((0..<source.count).contains { source($0)[5] == .null && source($0)[6] == .null && source($0)[7] == .null })
        // Written in records of 7 rows, of 2,000 (one record) and of 5 (more than one batch of
        // eight records), the records are those of the table's rows.
        for chunk in [7, 2000, 5] {
            var expected = ""
            t.materialized.records(chunk: chunk) { expected += $0.serialized + "\n" }
            #expect(try StreamTests.written(t, chunk: chunk) == expected, "chunk \(chunk)")
        }
    }
}
