import Foundation
import Testing
@testable import GongkaiCore

/// Each check of CHECKS.md on a hand-made report: one that passes, one that fails.
@Suite struct ChecksTests {
    typealias Case = ExtractCaseTests
    static let zeros = Case.zeros

    static func report(_ text: String, path: String = "a.txt") -> Report { extractReport(text: text, path: path) }

    static func checks(_ r: Report) -> Set<String> { Set(r.findings.map(\.check)) }

    /// A clean 2021 report: every identity holds, nothing blank but one `/`.
    static let clean = Case.report(Case.standardApply(received: ["3", "1", "0", "0", "0", "0", "4"],
                                                      granted: ["3", "1", "0", "0", "0", "0", "4"]))

    @Test func cleanReportRaisesNoErrorOrFormatFinding() {
        let r = Self.report(Self.clean)
        #expect(Self.checks(r) == ["blank_cells"])  // only the `/` of 行政强制
    }

    @Test func resultTotal() {
        // 予以公开 4 but (七)总计 5 (and 一 + 二 = 5 = 5 + 0, so balance holds).
        let text = Case.report(Case.standardApply(received: ["3", "1", "0", "0", "0", "0", "5"].map { $0 == "3" ? "4" : $0 },
                                                  granted: ["3", "1", "0", "0", "0", "0", "4"],
                                                  total: ["4", "1", "0", "0", "0", "0", "5"]))
        let r = Self.report(text)
        let f = r.findings.filter { $0.check == "result_total" }
        #expect(f.count == 2)  // 自然人 (3 vs 4) and 总计 (4 vs 5)
        #expect(f.contains { $0.message == "第三部分“总计”列：办理结果各项之和为4，“(七)总计”填写5" && $0.severity == .error })
        #expect(f.allSatisfy { $0.cells.contains("apply.total.\($0.cells.last!.split(separator: ".").last!)") })
        #expect(!Self.checks(Self.report(Self.clean)).contains("result_total"))
    }

    @Test func reviewTotal() {
        let bad = Self.clean.replacingOccurrences(of: "1\t0\t0\t1\t2\t0", with: "1\t0\t0\t1\t3\t0")
        let r = Self.report(bad)
        let f = r.findings.filter { $0.check == "review_total" }
        #expect(f.count == 1)
        #expect(f.first?.message == "第四部分“行政复议”：结果维持+结果纠正+其他结果+尚未审结=2，“总计”填写3")
        #expect(f.first?.expected == .number("2") && f.first?.actual == .number("3"))
        #expect(!Self.checks(Self.report(Self.clean)).contains("review_total"))
    }

    @Test func missingTable() {
        // Section 二 keeps its heading but prints prose instead of the 第二十条 tables.
        var text = Self.clean
        let start = text.range(of: "第二十条第（一）项")!.lowerBound
        let end = text.range(of: "三、收到和处理政府信息公开申请情况")!.lowerBound
        text.replaceSubrange(start..<end, with: "本年度主动公开政府信息120条。\n")
        let r = Self.report(text)
        #expect(r.activeFormat == nil)
        #expect(r.findings.contains { $0.check == "missing_table" && $0.message.contains("第二部分") })
        #expect(!Self.checks(Self.report(Self.clean)).contains("missing_table"))
    }

    @Test func yearMismatch() {
        let text = Self.clean.replacingOccurrences(of: "统计期限自2021年1月1日起至2021年12月31日止", with: "统计期限自2020年1月1日起至2020年12月31日止")
        let r = Self.report(text)
        #expect(r.findings.contains { $0.check == "year_mismatch" && $0.message == "标题年度为2021年，统计期限却是2020年" })
        // Filed under a folder of another year.
        #expect(Self.report(Self.clean, path: "2020/a.txt").findings.contains { $0.check == "year_mismatch" })
        #expect(!Self.checks(Self.report(Self.clean, path: "2021/a.txt")).contains("year_mismatch"))
    }

    @Test func narrativeMismatch() {
        let says = { (n: Int) in Self.clean.replacingOccurrences(of: "正文。", with: "2021年全年共收到政府信息公开申请\(n)件。") }
        let bad = Self.report(says(5))
        let f = bad.findings.filter { $0.check == "narrative_mismatch" }
        #expect(f.count == 1)
        #expect(f.first?.message == "正文称“收到政府信息公开申请5件”，表格中“本年新收申请”为4件")
        #expect(!Self.checks(Self.report(says(4))).contains("narrative_mismatch"))
    }

    /// The patterns are tried only on lines with an ASCII digit right before a 件: the test
    /// for that agrees with the regular expression `[0-9]件` on texts made of what prose holds.
    @Test func aCountBefore件IsFoundExactlyWhereTheRegexFindsOne() {
        let pieces = ["件", "文件", "12", "0", "３", "١", "a", "，", "申请", "件件", "9 ", "\n", "受理"]
        var rng = SplitMix64(seed: 11)
        for _ in 0..<3000 {
            let t = (0..<Int(rng.next() % 6)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
            #expect(Narrative.hasCount(t) == (t.range(of: "[0-9]件", options: .regularExpression) != nil), "\(t)")
        }
        // A line saying 文件 and no count is passed over; one with a count is still read.
        #expect(!Narrative.hasCount("制定规范性文件，清理文件") && Narrative.hasCount("收到申请3件"))
    }

    @Test func narrativeWithBlankCellsOnlyWhenTheKnownPartExceeds() {
        // 予以公开 printed 3, 1 and blanks: the prose's 2 is already too few; its 9 could be right.
        let apply = Case.standardApply(received: ["3", "1", "0", "0", "0", "0", "4"], granted: ["3", "1", "", "", "", "", ""],
                                       total: ["3", "1", "0", "0", "0", "0", "4"])
        let text = { (n: Int) in Case.report(apply).replacingOccurrences(of: "正文。", with: "予以公开及部分公开\(n)件。") }
        #expect(Self.checks(Self.report(text(2))).contains("narrative_mismatch"))
        #expect(!Self.checks(Self.report(text(9))).contains("narrative_mismatch"))
    }

    @Test func latePublicationFollowsTheRuleOfTheReportYear() {
        // 2021 report: due 2022-01-31 (2019 条例). 2018 report: due 2019-03-31 (2008 条例).
        let onTime = Self.report(Self.clean)
        #expect(!Self.checks(onTime).contains("late_publication"))
        let late = Self.report(Self.clean.replacingOccurrences(of: "2022年1月20日", with: "2022年2月1日"))
        #expect(late.findings.contains { $0.check == "late_publication" && $0.expected == .string("2022-01-31") })
        let old = Self.clean.replacingOccurrences(of: "2021", with: "2018")
        let march = Self.report(old.replacingOccurrences(of: "2022年1月20日", with: "2019年3月20日"))
        #expect(!Self.checks(march).contains("late_publication"))
        let april = Self.report(old.replacingOccurrences(of: "2022年1月20日", with: "2019年4月2日"))
        #expect(april.findings.contains { $0.check == "late_publication" && $0.expected == .string("2019-03-31") })
    }

    @Test func labelVariant() {
        let typo = Self.clean.replacingOccurrences(of: "本年废止件数", with: "本年度止件数")
        let r = Self.report(typo)
        #expect(r.values["active.regulations.repealed"] == Quantity(0))
        #expect(r.findings.contains { $0.check == "label_variant" && $0.expected == .string("本年废止件数") && $0.actual == .string("本年度止件数") })
        #expect(!Self.checks(Self.report(Self.clean)).contains("label_variant"))
    }
}

/// The checks across years run in aggregate, where all of an agency's reports meet.
@Suite struct CrossYearTests {
    typealias Case = ExtractCaseTests

    /// A clean report of `agency` for `year`, with section 二 (一) and section 三 rows set.
    static func report(agency: String = "某某市某某局", year: Int, regulations: (String, String, String) = ("1", "0", "5"),
                       carriedOver: String = "0", carriedForward: String = "0", overview: String = "正文。", path: String? = nil) -> Report {
        let forward = [carriedForward, "0", "0", "0", "0", "0", carriedForward]
        let over = [carriedOver, "0", "0", "0", "0", "0", carriedOver]
        // granted = received + carried over − carried forward keeps every identity true.
        let received = 3
        let granted = received + Int(carriedOver)! - Int(carriedForward)!
        var apply = Case.standardApply(received: ["\(received)", "0", "0", "0", "0", "0", "\(received)"],
                                       granted: ["\(granted)", "0", "0", "0", "0", "0", "\(granted)"], forward: forward)
        apply = apply.replacingOccurrences(of: "二、上年结转政府信息公开申请数量\t0\t0\t0\t0\t0\t0\t0",
                                           with: "二、上年结转政府信息公开申请数量\t" + over.joined(separator: "\t"))
        var text = Case.report(apply)
            .replacingOccurrences(of: "规章\t1\t0\t5", with: "规章\t\(regulations.0)\t\(regulations.1)\t\(regulations.2)")
            // 行政规范性文件 unchanged from year to year: 9 in force, none issued or repealed.
            .replacingOccurrences(of: "行政规范性文件\t2\t1\t9", with: "行政规范性文件\t0\t0\t9")
            .replacingOccurrences(of: "2021", with: "\(year)").replacingOccurrences(of: "2022年1月20日", with: "\(year + 1)年1月20日")
            .replacingOccurrences(of: "正文。", with: overview)
        text = text.replacingOccurrences(of: "某某市某某局", with: agency)
        let r = extractReport(text: text, path: path ?? "\(agency)-\(year).txt")
        return r
    }

    static func findings(_ reports: [Report], aliases: String? = nil) throws -> [[String]] {
        var agg = Aggregator()
        if let aliases {
            let doc = Document(path: Agencies.aliasFile, bytes: aliases.utf8.count, sha256: "x", format: "aliases", encoding: "utf-8", text: aliases)
            try agg.add(doc.json.objectValue!)
        }
        for r in reports { try agg.add(r.json.objectValue!) }
        let table = agg.tables().first { $0.name == "findings" }!
        return table.rows.map { $0.map(Renderer.cellText) }
    }

    static func rows(_ rows: [[String]], check: String) -> [[String]] { rows.filter { $0[4] == check } }

    @Test func applicationCarryHoldsAndFails() throws {
        let y1 = Self.report(year: 2021, carriedForward: "2")
        let good = Self.report(year: 2022, carriedOver: "2")
        let bad = Self.report(year: 2022, carriedOver: "1")
        #expect(!y1.findings.contains { $0.severity == .error } && !bad.findings.contains { $0.severity == .error })
        #expect(Self.rows(try Self.findings([y1, good]), check: "application_carry").isEmpty)
        let f = Self.rows(try Self.findings([y1, bad]), check: "application_carry")
        #expect(f.count == 2)  // 自然人 and 总计
        #expect(f.allSatisfy { $0[0] == "error" && $0[1] == "某某市某某局" && $0[2] == "2022" && $0[3] == "某某市某某局-2022.txt" })
        #expect(f.contains { $0[5] == "第三部分“总计”列：2021年“结转下年度继续办理”为2件，2022年“上年结转”为1件（对照某某市某某局-2021.txt）" })
    }

    @Test func inForceCarryHoldsAndFails() throws {
        let y1 = Self.report(year: 2021, regulations: ("1", "0", "5"))
        let good = Self.report(year: 2022, regulations: ("3", "1", "7"))  // 5 + 3 − 1 = 7
        let bad = Self.report(year: 2022, regulations: ("3", "1", "8"))
        #expect(Self.rows(try Self.findings([y1, good]), check: "in_force_carry").isEmpty)
        let f = Self.rows(try Self.findings([y1, bad]), check: "in_force_carry")
        #expect(f.count == 1)
        #expect(f.first?[5] == "第二部分“规章”：2021年现行有效5件，加2022年制发3件、减废止1件应为7件，实填8件（对照某某市某某局-2021.txt）")
        #expect(f.first?[7] == "7" && f.first?[8] == "8")
        // Not consecutive years: nothing to compare.
        let y3 = Self.report(year: 2023, regulations: ("0", "0", "99"))
        #expect(Self.rows(try Self.findings([y1, y3]), check: "in_force_carry").isEmpty)
    }

    @Test func blankCellIsNotAFailedCarry() throws {
        let y1 = Self.report(year: 2021, regulations: ("1", "0", "/"))
        let y2 = Self.report(year: 2022, regulations: ("3", "1", "8"))
        #expect(Self.rows(try Self.findings([y1, y2]), check: "in_force_carry").isEmpty)
    }

    @Test func runTogetherReadingsDecideACarryOnlyWhenNoneFits() throws {
        // Last year's in_force is 5; this year's 现行有效 row is printed run together.
        let y1 = Self.report(year: 2021, regulations: ("1", "0", "5"))
        func y2(_ digits: String) -> Report {
            var r = Self.report(year: 2022, regulations: ("0", "0", "0"))
            r.values["active.regulations.issued"] = .some(nil)
            r.values["active.regulations.repealed"] = .some(nil)
            r.values["active.regulations.in_force"] = .some(nil)
            let readings = DigitSplit.splits([digits], count: 3)!
            r.alternatives = [Alternative(cells: ["active.regulations.issued", "active.regulations.repealed", "active.regulations.in_force"],
                                          readings: readings)]
            return r
        }
        // 3|1|7 fits (5 + 3 − 1 = 7) among the readings of 317; no reading of 999 fits.
        #expect(Self.rows(try Self.findings([y1, y2("317")]), check: "in_force_carry").isEmpty)
        #expect(Self.rows(try Self.findings([y1, y2("999")]), check: "in_force_carry").count == 1)
    }

    @Test func namesAndAliasesJoinTheSeries() throws {
        let a = Self.report(agency: "某某工业园区管委会", year: 2021, carriedForward: "2")
        let b = Self.report(agency: "某某工业园区管理委员会", year: 2022, carriedOver: "1")
        #expect(Self.rows(try Self.findings([a, b]), check: "application_carry").count == 2)
        let renamed = Self.report(agency: "某某市新名字局", year: 2022, carriedOver: "1")
        #expect(Self.rows(try Self.findings([a, renamed]), check: "application_carry").isEmpty)
        let joined = try Self.findings([a, renamed], aliases: "# renamed in 2022\n某某市新名字局\t某某工业园区管委会\n")
        let f = Self.rows(joined, check: "application_carry")
        #expect(f.count == 2)
        #expect(f.allSatisfy { $0[1] == "某某工业园区管委会" })
    }

    @Test func duplicateReport() throws {
        let a = Self.report(year: 2021, path: "a.txt")
        let b = Self.report(year: 2021, regulations: ("2", "0", "6"), path: "b.txt")
        let f = Self.rows(try Self.findings([a, b]), check: "duplicate_report")
        #expect(f.count == 2)
        #expect(f.allSatisfy { $0[0] == "info" })
        #expect(Self.rows(try Self.findings([a, Self.report(year: 2022)]), check: "duplicate_report").isEmpty)
    }

    @Test func boilerplate() throws {
        let overview = "本机关认真贯彻落实政府信息公开条例，坚持以公开为常态、不公开为例外，持续加强组织领导，完善工作机制，拓宽公开渠道，提升公开质量，主动回应社会关切，推进决策、执行、管理、服务、结果公开，取得了积极成效。"
        let other = "本年度重点围绕优化营商环境开展政策解读，新建政策文件库，组织业务培训三次，开展网站普查整改，清理过期栏目，政务新媒体运行平稳，依申请公开办理规范，答复文书经过法制审核，未发生泄密事件。"
        let a = Self.report(year: 2021, overview: overview)
        let copied = Self.report(year: 2022, overview: overview.replacingOccurrences(of: "三次", with: "四次"))
        let fresh = Self.report(year: 2022, overview: other)
        let f = Self.rows(try Self.findings([a, copied]), check: "boilerplate")
        #expect(f.count == 1 && f.first?[0] == "info" && f.first?[5].hasPrefix("第一部分（总体情况）与2021年报告") == true)
        #expect(Self.rows(try Self.findings([a, fresh]), check: "boilerplate").isEmpty)
    }

    @Test func agencyKeysIgnoreWidthSpacesAndShortForms() {
        #expect(Agencies.key("海东工业园区 管委会") == Agencies.key("海东工业园区管理委员会"))
        #expect(Agencies.key("沭阳县发改局") == Agencies.key("沭阳县发展和改革局"))
        #expect(Agencies.key("（平潭）综合实验区") == Agencies.key("(平潭)综合实验区"))
        #expect(Agencies.key("甲局") != Agencies.key("乙局"))
    }

    /// A name of Han characters and ASCII letters and digits only is not normalized: the
    /// same key as normalizing it, for names of those and of anything else mixed in
    /// (spaces, punctuation, full-width letters, a compatibility ideograph, short forms).
    @Test func agencyKeysWithoutNormalizingAreTheNormalizedOnes() {
        let han = Array("海东市工业和信息化局发改委工信管委会沭阳县平潭综合实验区人民政府办公室局")
        let other: [Character] = ["A", "z", "7", " ", "\u{3000}", "（", ")", "、", "·", "Ａ", "７", "\u{F900}", "\u{2F00}", "e\u{301}", "-"]
        var random = SystemRandomNumberGenerator()
        var names = ["海东市工业和信息化局", "沭阳县发改局", "平潭综合实验区管委会", "ABC局", "Ａ局", "工信局2", ""]
        for k in 0..<3000 {
            let n = Int.random(in: 1...14, using: &random)
            names.append(String((0..<n).map { _ in k % 2 == 0 || Int.random(in: 0..<5, using: &random) > 0
                ? han.randomElement(using: &random)! : other.randomElement(using: &random)! }))
        }
        // (Every other name is of Han characters only: the shortcut's case.)
        for name in names {
            #expect(Agencies.computeKey(name) == Agencies.computeKeyPlain(name), "\(name)")
        }
        #expect(Agencies.computeKey("Ａ７局") == "A7局" && Agencies.computeKey("沭阳县发改局") == "沭阳县发展和改革局")
    }
}

/// `Metadata.day` writes dates as `String(format: "%04d-%02d-%02d")` did (the checks'
/// expected periods and deadlines, the periods and publication dates read).
@Suite struct DayFormatTests {
    @Test func padsAsPrintfDoes() {
        var rng = SplitMix64(seed: 11)
        var values = [0, 1, 9, 10, 99, 100, 999, 1000, 2021, 9999, 10000, 123456, -1, -9, -10, -999, -1000, -12345]
        for _ in 0..<500 { values.append(Int(Int64(bitPattern: rng.next()) % 200_000)) }
        for y in values {
            let m = values[Int(rng.next() % UInt64(values.count))], d = values[Int(rng.next() % UInt64(values.count))]
            #expect(Metadata.day(y, m, d) == String(format: "%04d-%02d-%02d", y, m, d))
        }
        #expect(Metadata.day(2021, 1, 31) == "2021-01-31")
        #expect(Metadata.day(-1, 2, 3) == "-001-02-03")
    }
}
