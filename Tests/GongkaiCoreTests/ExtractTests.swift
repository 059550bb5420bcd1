import Foundation
import Testing
@testable import GongkaiCore

@Suite struct CatalogTests {
    /// The catalog holds exactly the ids, sections, formats and units of the spec's metrics.tsv.
    @Test func matchesMetricsTSV() throws {
        let tsv = try Fixtures.text(Fixtures.spec.appendingPathComponent("metrics.tsv"))
        var spec: [String: (String, String, String)] = [:]
        for line in tsv.split(separator: "\n").dropFirst() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            spec[f[0]] = (f[1], f[2], f[5])
        }
        #expect(spec.count == 226)  // 29 in section 二, 26 rows × 7 in 三, 15 in 四
        #expect(Catalog.metrics.count == spec.count)
        for m in Catalog.metrics {
            let s = try #require(spec[m.id], "\(m.id) not in metrics.tsv")
            #expect(s == (m.section, m.format, m.unit), "\(m.id)")
        }
        #expect(Catalog.applyMetrics(format: "2021").count == 175)
        #expect(Catalog.applyMetrics(format: "2019").count == 161)
        #expect(Catalog.activeMetrics(format: "2021").count == 10)
        #expect(Catalog.activeMetrics(format: "2019").count == 22)
    }
}

@Suite struct CellValueTests {
    @Test func blanksAreNotZero() {
        for s in ["", " ", "/", "-", "—", "——", "无"] { #expect(CellValue.parse(s).isBlank, "\(s)") }
        #expect(CellValue.parse("0").quantity == Quantity(0))
    }

    @Test func signedChangesAndAmounts() {
        #expect(CellValue.parse("减 20").quantity == Quantity(-20))
        #expect(CellValue.parse("增3").quantity == Quantity(3))
        #expect(CellValue.parse("+173").quantity == Quantity(173))
        #expect(CellValue.parse("-2").quantity == Quantity(-2))
        #expect(CellValue.parse("2.58 万元", unit: "万元").quantity == Quantity("2.58"))
        #expect(CellValue.parse("251000元", unit: "万元").quantity == Quantity("25.1"))
        #expect(CellValue.parse("25800", unit: "万元").quantity == Quantity(25800))
        #expect(CellValue.parse("1,234").quantity == Quantity(1234))
        #expect(CellValue.parse("12件").quantity == Quantity(12))
    }

    @Test func textWhereANumberBelongs() {
        #expect(CellValue.parse("暂未统计") == .text("暂未统计"))
        #expect(CellValue.parse("1,23") == .text("1,23"))
        #expect(CellValue.parse("99999999999999999999") == .text("99999999999999999999"))
    }

    @Test func labelsWithRunOnNumbers() {
        #expect(CellValue.splitLabel("行政许可 97") == ("行政许可", ["97"]))
        #expect(CellValue.splitLabel("行政许可97").values == ["97"])
        #expect(CellValue.splitLabel("3.其他1 0 0 0 0 0 1") == ("3.其他", ["1", "0", "0", "0", "0", "0", "1"]))
        #expect(CellValue.splitLabel("政府集中采购13575394432.52元").values == ["13575394432.52元"])
        #expect(CellValue.splitLabel("1.属于国家秘密") == ("1.属于国家秘密", []))
    }

    /// The cells `splitLabel` takes as they are by their bytes are those the token-by-token
    /// split leaves alone.
    @Test func plainLabelsTakenFromBytesAreLeftAlone() {
        let pieces = ["行政许可", "1.", "(三)", "属于国家秘密", " ", "\u{3000}", "97", "3", ".", ",", "-", "+", "元", "万元", "52元", "其他",
                      "e\u{301}", "\u{301}", "\u{F900}", "a", ")", "）", "\t"]
        var rng = SplitMix64(seed: 9)
        var plain = 0
        for _ in 0..<4000 {
            let cell = (0..<Int(rng.next() % 6)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
            let split = CellValue.splitTokens(cell)
            if CellValue.isPlainLabel(cell) {
                plain += 1
                #expect(split.label == cell && split.values.isEmpty, "\(cell)")
            }
            #expect(CellValue.splitLabel(cell) == split)
        }
        #expect(plain > 500)
    }
}

@Suite struct LabelTests {
    /// Labels of simple text are compared as scalars: the same similarity as characters give.
    @Test func similarityOfScalarsIsThatOfCharacters() {
        let alphabet = Array("本年新收政府信息公开申请数量予以公开行政许可规章(一)1.")
        var rng = SplitMix64(seed: 21)
        for _ in 0..<2000 {
            let a = String((0..<Int(1 + rng.next() % 12)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            let b = String((0..<Int(1 + rng.next() % 12)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            #expect(Labels.similarity(a.unicodeScalars.map(\.value), b.unicodeScalars.map(\.value)) == Labels.similarity(Array(a), Array(b)))
        }
        #expect(Labels.similarity(Array("行政许可"), Array("行政许")) == 2.0 * 3 / 7)
    }

    @Test func numberingAndPunctuationDoNotMatter() {
        #expect(Labels.key("(三) 不予 公开") == "不予公开")
        #expect(Labels.key("1、属于国家秘密") == "属于国家秘密")
        #expect(Labels.key("一、本年新收政府信息公开申请数量") == "本年新收政府信息公开申请数量")
    }

    @Test func typoIsReadAsTheStandardLabelAndFlagged() throws {
        let m = try #require(ActiveTable.columnMatcher.match("本年度止件数"))
        #expect(m.payload.id == "repealed" && m.quality == .variant)
        let exact = try #require(ActiveTable.columnMatcher.match("本年废止件数"))
        #expect(exact.quality == .exact)
    }

    @Test func labelCutByALineBreakIsStillExact() throws {
        let m = try #require(ApplyTable.matcher.match("(二) 部分公开（区分处理的，只计这一情形，不计"))
        #expect(m.payload == .row("apply.partly_granted") && m.quality == .exact)
    }

    @Test func unrelatedTextDoesNotMatch() {
        #expect(ApplyTable.matcher.match("本机关认真贯彻落实条例") == nil)
        #expect(ActiveTable.rowMatcher.match("信息内容") == nil)
    }
}

/// Small hand-made tables: each quirk on its own.
@Suite struct ExtractCaseTests {
    static let header2021 = """
    某某市某某局2021年政府信息公开工作年度报告
    本报告所列数据的统计期限自2021年1月1日起至2021年12月31日止。
    一、总体情况
    正文。
    二、主动公开政府信息情况
    第二十条第（一）项
    信息内容\t本年制发件数\t本年废止件数\t现行有效件数
    规章\t1\t0\t5
    行政规范性文件\t2\t1\t9
    第二十条第（五）项
    信息内容\t本年处理决定数量
    行政许可\t12
    第二十条第（六）项
    信息内容\t本年处理决定数量
    行政处罚\t3
    行政强制\t/
    第二十条第（八）项
    信息内容\t本年收费金额（单位：万元）
    行政事业性收费\t2.58
    三、收到和处理政府信息公开申请情况
    """

    static func applyRows(_ rows: [(String, [String])]) -> String {
        rows.map { label, cells in ([label] + cells).joined(separator: "\t") }.joined(separator: "\n")
    }

    static let zeros = [String](repeating: "0", count: 7)

    static func standardApply(received: [String], granted: [String], other: [String] = zeros, total: [String]? = nil,
                              forward: [String] = zeros) -> String {
        var rows: [(String, [String])] = [
            ("一、本年新收政府信息公开申请数量", received), ("二、上年结转政府信息公开申请数量", zeros),
            ("三、本年度办理结果\t(一)予以公开", granted), ("\t(二)部分公开", zeros),
        ]
        for (i, l) in ["属于国家秘密", "其他法律行政法规禁止公开", "危及“三安全一稳定”", "保护第三方合法权益", "属于三类内部事务信息",
                       "属于四类过程性信息", "属于行政执法案卷", "属于行政查询事项"].enumerated() {
            rows.append(("\t\(i == 0 ? "(三)不予公开" : "")\t\(i + 1).\(l)", zeros))
        }
        for (i, l) in ["本机关不掌握相关政府信息", "没有现成信息需要另行制作", "补正后申请内容仍不明确"].enumerated() {
            rows.append(("\t\(i == 0 ? "(四)无法提供" : "")\t\(i + 1).\(l)", zeros))
        }
        for (i, l) in ["信访举报投诉类申请", "重复申请", "要求提供公开出版物", "无正当理由大量反复申请", "要求行政机关确认或重新出具已获取信息"].enumerated() {
            rows.append(("\t\(i == 0 ? "(五)不予处理" : "")\t\(i + 1).\(l)", zeros))
        }
        rows.append(("\t(六)其他处理\t1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", zeros))
        rows.append(("\t\t2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", zeros))
        rows.append(("\t\t3.其他", other))
        rows.append(("\t(七)总计", total ?? granted))
        rows.append(("四、结转下年度继续办理", forward))
        return "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t申请人情况\n\t自然人\t法人或其他组织\t\t\t\t\t总计\n\t\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\n"
            + applyRows(rows)
    }

    static let review = """
    四、政府信息公开行政复议、行政诉讼情况
    行政复议\t\t\t\t\t行政诉讼
    结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t未经复议直接起诉\t\t\t\t\t复议后起诉
    1\t0\t0\t1\t2\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0
    五、存在的主要问题及改进情况
    无。
    六、其他需要报告的事项
    无。
    某某市某某局
    2022年1月20日
    """

    static func report(_ apply: String) -> String { header2021 + "\n" + apply + "\n" + review }

    @Test func cleanReportReadsEveryCell() {
        let r = extractReport(text: Self.report(Self.standardApply(received: ["3", "1", "0", "0", "0", "0", "4"],
                                                                   granted: ["3", "1", "0", "0", "0", "0", "4"])), path: "a.txt")
        #expect(r.agency == "某某市某某局" && r.year == 2021)
        #expect(r.activeFormat == "2021" && r.applyFormat == "2021")
        #expect(r.periodStart == "2021-01-01" && r.periodEnd == "2021-12-31" && r.published == "2022-01-20")
        #expect(r.sections == ["一", "二", "三", "四", "五", "六"])
        #expect(r.values.count == 200)
        #expect(r.values["active.regulations.in_force"] == Quantity(5))
        #expect(r.values["active.fees.amount"] == Quantity("2.58"))
        #expect(r.values["active.coercion.decisions"] == .some(nil))  // `/` is blank, not 0
        #expect(r.values["apply.received.commercial"] == Quantity(1))
        #expect(r.values["apply.granted.total"] == Quantity(4))
        #expect(r.values["review.total"] == Quantity(2))
        #expect(r.values["review.pending"] == Quantity(1))
        #expect(r.provenance["apply.received.total"]?.text == "4")
        #expect(!r.findings.contains { $0.severity == .error }, "\(r.findings.map(\.message))")
        #expect(r.findings.map(\.check) == ["blank_cells"])
    }

    @Test func identitiesThatDoNotHoldAreErrors() {
        // received 5 but granted 4 and nothing carried forward; the row total of 一 is wrong too.
        let r = extractReport(text: Self.report(Self.standardApply(received: ["3", "1", "0", "0", "0", "0", "5"],
                                                                   granted: ["3", "1", "0", "0", "0", "0", "4"])), path: "a.txt")
        let checks = r.findings.map(\.check)
        #expect(checks.contains("balance"))
        #expect(checks.contains("row_total"))
        let balance = r.findings.first { $0.check == "balance" }!
        #expect(balance.message == "第三部分“总计”列：一+二=5，三(七)+四=4，相差1")
        #expect(r.values["apply.received.total"] == Quantity(5))  // the printed value stands
    }

    @Test func blankTermIsNotAFailedIdentity() {
        var received = ["3", "1", "0", "0", "0", "0", "4"]
        received[1] = ""
        let r = extractReport(text: Self.report(Self.standardApply(received: received, granted: ["3", "1", "0", "0", "0", "0", "4"])),
                              path: "a.txt")
        #expect(r.values["apply.received.commercial"] == .some(nil))
        #expect(!r.findings.contains { $0.check == "row_total" || $0.check == "balance" })
        #expect(r.findings.contains { $0.check == "blank_cells" && $0.cells.contains("apply.received.commercial") })
    }

    @Test func singleOtherRowIs2019Format() {
        var apply = Self.standardApply(received: Self.zeros, granted: Self.zeros)
        apply = apply.replacingOccurrences(of: "\t(六)其他处理\t1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请\t0\t0\t0\t0\t0\t0\t0\n", with: "\t(六)其他处理\t0\t0\t0\t0\t0\t0\t0\n")
        apply = apply.replacingOccurrences(of: "\t\t2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请\t0\t0\t0\t0\t0\t0\t0\n", with: "")
        apply = apply.replacingOccurrences(of: "\t\t3.其他\t0\t0\t0\t0\t0\t0\t0\n", with: "")
        let r = extractReport(text: Self.report(apply), path: "a.txt")
        #expect(r.applyFormat == "2019")
        #expect(r.values.count == 10 + 161 + 15)
        #expect(r.values["apply.other.total"] == Quantity(0))
        #expect(r.values["apply.other.other.total"] == nil)
        #expect(r.findings.contains { $0.check == "outdated_format" })
    }

    @Test func partialPeriodLateSignatureAndMissingSection() {
        var text = Self.report(Self.standardApply(received: Self.zeros, granted: Self.zeros))
        text = text.replacingOccurrences(of: "2021年12月31日止", with: "2021年11月30日止")
        text = text.replacingOccurrences(of: "2022年1月20日", with: "2022年3月2日")
        text = text.replacingOccurrences(of: "五、存在的主要问题及改进情况\n", with: "")
        let r = extractReport(text: text, path: "a.txt")
        let checks = Set(r.findings.map(\.check))
        #expect(checks.isSuperset(of: ["partial_period", "late_publication", "missing_section"]))
        #expect(r.periodEnd == "2021-11-30" && r.published == "2022-03-02")
    }

    @Test func printingLineIsNotThePublicationDate() {
        let text = Self.report(Self.standardApply(received: Self.zeros, granted: Self.zeros)) + "\n某某局办公室\n2022年1月25日印发"
        #expect(extractReport(text: text, path: "a.txt").published == "2022-01-20")
    }

    @Test func notAReport() {
        let r = extractReport(text: "关于召开2021年度工作会议的通知\n各科室：\n定于下周一召开会议。", path: "n.txt")
        #expect(r.status == "not_a_report")
        #expect(r.values.isEmpty)
    }
}

/// The seed reports: every value, the metadata and the listed findings.
@Suite struct SeedTests {
    @Test(arguments: try! Fixtures.cases(in: Fixtures.seeds))
    func seedMatchesExpected(name: String) throws {
        let text = try Fixtures.text(Fixtures.seeds.appendingPathComponent("\(name).txt"))
        let expected = try Fixtures.json(Fixtures.seeds.appendingPathComponent("\(name).expected.json"))
        let report = extractReport(text: text, path: "\(name).txt")
        let c = Comparison(report: report, expected: expected)
        #expect(c.perfect, "\(name): \(c.summary)")
        #expect(report.sections.count == expected["sections"]?.intValue)
        // The seeds' numbers all add up: no error-severity finding.
        #expect(!report.findings.contains { $0.severity == .error }, "\(report.findings.map(\.message))")
    }
}
