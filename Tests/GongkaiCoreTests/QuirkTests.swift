import Testing
@testable import GongkaiCore

// Small hand-made reports, one quirk of real texts each. Every expected value
// below was worked out by hand from the text the test builds, never copied
// from the program's output.

// MARK: - Reading the result

private let applicantColumns = ["natural_person", "commercial", "research", "social_org", "legal_service", "other_org", "total"]

/// One cell as text: its number, `nil` for a blank cell, `absent` when the key is missing.
private func show(_ r: Report, _ id: String) -> String {
    guard let v = r.values[id] else { return "absent" }
    return v?.description ?? "nil"
}

/// The seven cells of one section 三 row (`received`, `denied.state_secret`…), as `show` prints them.
private func row(_ r: Report, _ key: String) -> [String] {
    applicantColumns.map { show(r, "apply.\(key).\($0)") }
}

/// `"80 1 0 0 0 0 81"` → `["80", "1", …]`: expected rows and input rows, written compactly.
private func cells(_ s: String) -> [String] { s.split(separator: " ").map(String.init) }

private func ids(_ key: String, _ columns: [String] = applicantColumns) -> [String] {
    columns.map { "apply.\(key).\($0)" }
}

private func findings(_ r: Report, _ check: String) -> [Finding] { r.findings.filter { $0.check == check } }

// MARK: - Building the text

/// How a report numbers its sub-rows: `1.`/`(一)` or `1、`/`（一）`.
private struct Numbering {
    var dot: String
    var open: String
    var close: String
    static let ascii = Numbering(dot: ".", open: "(", close: ")")
    static let fullWidth = Numbering(dot: "、", open: "（", close: "）")
}

/// One row of section 三 as printed: its key (the metric id between `apply.` and the
/// column), the group label printed before the first row of a group, its own label.
private struct ApplyLine {
    var key: String
    var group: String?
    var label: String
    var topLevel: Bool
}

/// The rows of section 三 in printed order (25 in the 2021 format, 23 in the 2019 one).
private func applyLines(format: String = "2021", numbering n: Numbering = .ascii) -> [ApplyLine] {
    func p(_ han: String) -> String { n.open + han + n.close }
    var out = [
        ApplyLine(key: "received", group: nil, label: "一、本年新收政府信息公开申请数量", topLevel: true),
        ApplyLine(key: "carried_over", group: nil, label: "二、上年结转政府信息公开申请数量", topLevel: true),
        ApplyLine(key: "granted", group: "三、本年度办理结果", label: p("一") + "予以公开", topLevel: false),
        ApplyLine(key: "partly_granted", group: nil, label: p("二") + "部分公开（区分处理的，只计这一情形，不计其他情形）", topLevel: false),
    ]
    func group(_ han: String, _ name: String, _ prefix: String, _ rows: [(String, String)]) {
        for (i, (key, label)) in rows.enumerated() {
            out.append(ApplyLine(key: "\(prefix).\(key)", group: i == 0 ? p(han) + name : nil,
                                 label: "\(i + 1)\(n.dot)\(label)", topLevel: false))
        }
    }
    group("三", "不予公开", "denied", [
        ("state_secret", "属于国家秘密"), ("prohibited_by_law", "其他法律行政法规禁止公开"),
        ("security_stability", "危及“三安全一稳定”"), ("third_party_rights", "保护第三方合法权益"),
        ("internal_affairs", "属于三类内部事务信息"), ("process_information", "属于四类过程性信息"),
        ("enforcement_files", "属于行政执法案卷"), ("administrative_query", "属于行政查询事项"),
    ])
    group("四", "无法提供", "unavailable", [
        ("not_held", "本机关不掌握相关政府信息"), ("needs_compilation", "没有现成信息需要另行制作"),
        ("unclear", "补正后申请内容仍不明确"),
    ])
    group("五", "不予处理", "not_processed", [
        ("complaint", "信访举报投诉类申请"), ("duplicate", "重复申请"), ("publication", "要求提供公开出版物"),
        ("excessive", "无正当理由大量反复申请"), ("confirmation", "要求行政机关确认或重新出具已获取信息"),
    ])
    if format == "2021" {
        group("六", "其他处理", "other", [
            ("no_correction", "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
            ("unpaid_fee", "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
            ("other", "其他"),
        ])
    } else {
        out.append(ApplyLine(key: "other", group: nil, label: p("六") + "其他处理", topLevel: false))
    }
    out.append(ApplyLine(key: "total", group: nil, label: p("七") + "总计", topLevel: false))
    out.append(ApplyLine(key: "carried_forward", group: nil, label: "四、结转下年度继续办理", topLevel: true))
    return out
}

private let zeros = cells("0 0 0 0 0 0 0")

/// Section 三 as tab-separated text (text extracted from a PDF or a Word table).
private func tabApply(_ values: [String: [String]], format: String = "2021", numbering: Numbering = .ascii,
                      labels: [String: String] = [:]) -> String {
    let header = """
    （本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t申请人情况
    \t自然人\t法人或其他组织\t\t\t\t\t总计
    \t\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他
    """
    let rows = applyLines(format: format, numbering: numbering).map { line in
        let label = labels[line.key] ?? line.label
        let head = line.topLevel ? [label] : [line.group ?? "", label]
        return (head + (values[line.key] ?? zeros)).joined(separator: "\t")
    }
    return ([header] + rows).joined(separator: "\n")
}

/// Section 二 in the 2021 format, tab-separated.
private func tabActive2021(regulations: String = "1\t0\t5", normative: String = "2\t1\t9", licensing: String = "12",
                           penalty: String = "3", coercion: String = "0", fees: String = "2.58",
                           repealedHeader: String = "本年废止件数") -> String {
    """
    第二十条第（一）项
    信息内容\t本年制发件数\t\(repealedHeader)\t现行有效件数
    规章\t\(regulations)
    行政规范性文件\t\(normative)
    第二十条第（五）项
    信息内容\t本年处理决定数量
    行政许可\t\(licensing)
    第二十条第（六）项
    信息内容\t本年处理决定数量
    行政处罚\t\(penalty)
    行政强制\t\(coercion)
    第二十条第（八）项
    信息内容\t本年收费金额（单位：万元）
    行政事业性收费\t\(fees)
    """
}

/// Section 四, tab-separated: two header rows and the 15 cells.
private func tabReview(_ values: [String]) -> String {
    "行政复议\t\t\t\t\t行政诉讼\n\t\t\t\t\t未经复议直接起诉\t\t\t\t\t复议后起诉\n"
        + [String](repeating: "结果维持\t结果纠正\t其他结果\t尚未审结\t总计", count: 3).joined(separator: "\t") + "\n"
        + values.joined(separator: "\t")
}

/// A whole report around the three tables: title, period, the six section headings, signature.
private func assemble(year: Int = 2021, active: String, apply: String, review: String, markdown: Bool = false) -> String {
    let h = markdown ? "## " : ""
    return """
    \(markdown ? "# " : "")某某县某某局\(year)年政府信息公开工作年度报告
    本报告所列数据的统计期限自\(year)年1月1日起至\(year)年12月31日止。
    \(h)一、总体情况
    本机关依法推进政务公开。
    \(h)二、主动公开政府信息情况
    \(active)
    \(h)三、收到和处理政府信息公开申请情况
    \(apply)
    \(h)四、政府信息公开行政复议、行政诉讼情况
    \(review)
    \(h)五、存在的主要问题及改进情况
    无。
    \(h)六、其他需要报告的事项
    无。
    某某县某某局
    \(year + 1)年1月20日
    """
}

// MARK: - Layout (pdftotext -layout)

/// Section 三 as `pdftotext -layout` prints it: cells aligned with runs of spaces;
/// `wrapped` rows have their label over two lines with the numbers on the second;
/// `pageBreakBefore` puts a page number (and a form feed) before a row.
private func layoutApply(_ values: [String: [String]], wrapped: [String: (String, String)],
                         pageBreakBefore: [String: String]) -> String {
    var lines = [
        "                                                    申请人情况",
        "   （本列数据的勾稽关系为：第一项加                          法人或其他组织",
        "   第二项之和，等于第三项加第四项    自然人    商业    科研    社会公益    法律服务    其他    总计",
        "   之和）                                      企业    机构    组织        机构",
    ]
    var formFeed = false
    for line in applyLines() {
        if let page = pageBreakBefore[line.key] {
            lines.append("                                  \(page)")
            formFeed = true
        }
        let numbers = (values[line.key] ?? zeros).joined(separator: "      ")
        let indent = line.topLevel || line.group != nil ? "" : "                    "
        let lead = (formFeed ? "\u{0C}" : "") + indent + (line.group.map { $0 + "    " } ?? "")
        formFeed = false
        if let (first, second) = wrapped[line.key] {
            lines.append(lead + first)
            lines.append(indent + second + "          " + numbers)
        } else {
            lines.append(lead + line.label + "          " + numbers)
        }
    }
    return lines.joined(separator: "\n")
}

// MARK: - Markdown pipe tables

/// Section 三 as a converter's Markdown table. The converter invented the table's header
/// (`类别 | 数据1 | … | 总计`); `detached` rows print their label on its own line, then the
/// given lines, then their value row.
private func pipeApply(_ values: [String: [String]], detached: [String: [String]]) -> String {
    func pipe(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }
    var lines = [
        pipe(["类别", "数据1", "数据2", "数据3", "数据4", "数据5", "数据6", "总计"]),
        pipe([String](repeating: "---", count: 8)),
        pipe(["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况", "", "", "", "", "", ""]),
        pipe(["", "自然人", "法人或其他组织", "", "", "", "", "总计"]),
        pipe(["", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""]),
    ]
    for line in applyLines() {
        let head = line.topLevel ? [line.label] : [line.group ?? "", line.label]
        let numbers = values[line.key] ?? zeros
        if let between = detached[line.key] {
            lines.append(pipe(head))
            lines += between
            lines.append(pipe(numbers))
        } else {
            lines.append(pipe(head + numbers))
        }
    }
    return lines.joined(separator: "\n")
}

// MARK: - One-line crawled pages

/// A crawled page: the whole report on one line, every cell run into the next.
/// `apply` gives each section 三 row's printed digits (default `0000000`).
private func oneLineReport(regulations: String, normative: String, apply: [String: String], review: String) -> String {
    "某某县某某局2021年政府信息公开工作年度报告本报告所列数据的统计期限自2021年1月1日起至2021年12月31日止。"
        + "一、总体情况本机关依法推进政务公开。"
        + "二、主动公开政府信息情况"
        + "第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章\(regulations)行政规范性文件\(normative)"
        + "第二十条第（五）项信息内容本年处理决定数量行政许可12"
        + "第二十条第（六）项信息内容本年处理决定数量行政处罚3行政强制0"
        + "第二十条第（八）项信息内容本年收费金额（单位：万元）行政事业性收费2.58"
        + "三、收到和处理政府信息公开申请情况"
        + "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他"
        + applyLines().map { ($0.group ?? "") + $0.label + (apply[$0.key] ?? "0000000") }.joined()
        + "四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼未经复议直接起诉复议后起诉结果维持结果纠正其他结果尚未审结总计"
        + review
        + "五、存在的主要问题及改进情况无。六、其他需要报告的事项无。某某县某某局2022年1月20日"
}

// MARK: - The cases

@Suite struct QuirkTests {
    // 1. pdftotext -layout: columns aligned with spaces, wrapped labels, page numbers.
    @Test func layoutTextWithWrappedLabelsAndPageNumbers() {
        let active = """
        第二十条第（一）项
            信息内容          本年制发件数     本年废止件数     现行有效件数
            规章                    0                0                2
                                             -1-
            行政规范性文件          3                1               15
        第二十条第（五）项
            信息内容          本年处理决定数量
            行政许可               12
        第二十条第（六）项
            信息内容          本年处理决定数量
            行政处罚                3
            行政强制                0
        第二十条第（八）项
            信息内容          本年收费金额（单位：万元）
            行政事业性收费        2.58
        """
        let apply = layoutApply(
            ["received": cells("3 1 0 0 0 0 4"), "granted": cells("2 1 0 0 0 0 3"),
             "partly_granted": cells("1 0 0 0 0 0 1"), "total": cells("3 1 0 0 0 0 4")],
            wrapped: ["received": ("一、本年新收政府信息", "公开申请数量"),
                      "partly_granted": ("（二）部分公开（区分处理的，只计", "这一情形，不计其他情形）")],
            pageBreakBefore: ["denied.state_secret": "— 3 —", "unavailable.not_held": "-4-"])
        let review = """
                             行政复议                                          行政诉讼
                                                          未经复议直接起诉                     复议后起诉
           结果    结果    其他    尚未            结果    结果    其他    尚未            结果    结果    其他    尚未
                                           总计                                    总计                                    总计
           维持    纠正    结果    审结            维持    纠正    结果    审结            维持    纠正    结果    审结
            0       1       0       0       1       0       0       0       0       0       0       0       0       0       0
        """
        let text = assemble(active: active, apply: apply, review: review)
        #expect(!text.contains("\t"))
        let r = extractReport(text: text, path: "layout.txt")

        #expect(r.activeFormat == "2021" && r.applyFormat == "2021")
        #expect(show(r, "active.regulations.issued") == "0")
        #expect(show(r, "active.regulations.in_force") == "2")
        #expect(show(r, "active.normative.issued") == "3")
        #expect(show(r, "active.normative.repealed") == "1")
        #expect(show(r, "active.normative.in_force") == "15")
        #expect(show(r, "active.licensing.decisions") == "12")
        #expect(show(r, "active.penalty.decisions") == "3")
        #expect(show(r, "active.coercion.decisions") == "0")
        #expect(show(r, "active.fees.amount") == "2.58")

        // Wrapped labels: the numbers on the second line belong to the row the first line started.
        #expect(row(r, "received") == cells("3 1 0 0 0 0 4"))
        #expect(row(r, "partly_granted") == cells("1 0 0 0 0 0 1"))
        #expect(row(r, "carried_over") == zeros)
        #expect(row(r, "granted") == cells("2 1 0 0 0 0 3"))
        // Rows after the page numbers are read in place; the page numbers are no values.
        #expect(row(r, "denied.state_secret") == zeros)
        #expect(row(r, "unavailable.not_held") == zeros)
        #expect(row(r, "total") == cells("3 1 0 0 0 0 4"))
        #expect(row(r, "carried_forward") == zeros)
        #expect(r.values.count == 10 + 175 + 15)

        #expect(show(r, "review.corrected") == "1")
        #expect(show(r, "review.total") == "1")
        #expect(show(r, "litigation.after_review.total") == "0")

        #expect(findings(r, "ambiguous_cells").isEmpty, "\(findings(r, "ambiguous_cells").map(\.message))")
        #expect(findings(r, "blank_cells").isEmpty, "\(findings(r, "blank_cells").map(\.cells))")
        #expect(!r.findings.contains { $0.severity == .error }, "\(r.findings.map(\.message))")
    }

    // 2. Markdown pipe tables in pieces: label and value row apart, invented and relabelled headers.
    @Test func markdownPipeTableInPieces() {
        let active = """
        **第二十条第（一）项**

        | 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |
        | --- | --- | --- | --- |
        | 规章 | 0 | 0 | 0 |
        | 行政规范性文件 | 1 | 0 | 7 |

        **第二十条第（五）项**

        | 信息内容 | 本年处理决定数量 |
        | --- | --- |
        | 行政许可 | 9 |

        **第二十条第（六）项**

        | 信息内容 | 本年处理决定数量 |
        | --- | --- |
        | 行政处罚 | 0 |
        | 行政强制 | 0 |

        **第二十条第（八）项**

        | 信息内容 | 本年收费金额（单位：万元） |
        | --- | --- |
        | 行政事业性收费 | 0 |
        """
        let inventedHeader = [
            "| 项目 | 本年新收件数 | 上年结转件数 | 予以公开 | 部分公开 | 不予公开 | 结转下年度 | 总计 |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        let relabelledHeader = ["| 类别 | 数据1 | 数据2 | 数据3 | 数据4 | 数据5 | 数据6 | 总计 |"]
        let apply = pipeApply(
            ["received": cells("2 0 0 0 0 0 2"), "granted": cells("1 0 0 0 0 0 1"),
             "partly_granted": cells("1 0 0 0 0 0 1"), "total": cells("2 0 0 0 0 0 2")],
            detached: ["received": inventedHeader, "partly_granted": relabelledHeader, "total": [""]])
        #expect(apply.contains("| 一、本年新收政府信息公开申请数量 |\n| 项目 |"))
        #expect(apply.contains("| 2 | 0 | 0 | 0 | 0 | 0 | 2 |"))
        let review = """
        | 行政复议 | | | | | 行政诉讼 | | | | | | | | | |
        | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
        | | | | | | 未经复议直接起诉 | | | | | 复议后起诉 | | | | |
        | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |
        | 1 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
        """
        let r = extractReport(text: assemble(active: active, apply: apply, review: review, markdown: true),
                              path: "pieces.md", format: "markdown")

        #expect(r.activeFormat == "2021" && r.applyFormat == "2021")
        #expect(show(r, "active.normative.issued") == "1")
        #expect(show(r, "active.normative.in_force") == "7")
        #expect(show(r, "active.licensing.decisions") == "9")
        // The value row after the invented header goes to 一、本年新收, not to the header's columns.
        #expect(row(r, "received") == cells("2 0 0 0 0 0 2"))
        #expect(row(r, "carried_over") == zeros)
        #expect(row(r, "granted") == cells("1 0 0 0 0 0 1"))
        // The value row after the relabelled header goes to (二)部分公开.
        #expect(row(r, "partly_granted") == cells("1 0 0 0 0 0 1"))
        #expect(row(r, "denied.state_secret") == zeros)
        #expect(row(r, "total") == cells("2 0 0 0 0 0 2"))
        #expect(row(r, "carried_forward") == zeros)
        #expect(r.values.count == 10 + 175 + 15)
        #expect(show(r, "review.upheld") == "1")
        #expect(show(r, "review.total") == "1")

        #expect(findings(r, "ambiguous_cells").isEmpty, "\(findings(r, "ambiguous_cells").map(\.message))")
        #expect(findings(r, "blank_cells").isEmpty, "\(findings(r, "blank_cells").map(\.cells))")
        #expect(!r.findings.contains { $0.severity == .error }, "\(r.findings.map(\.message))")
    }

    // 3. A crawled page: the whole report on one line, digits run together. Every split is pinned:
    //    `801000081` has five readings as seven numbers, one with 总计 = the sum (80 1 0 0 0 0 81);
    //    `110000011` has two that sum (1 10 0 0 0 0 11 and 11 0 0 0 0 0 11): the 商业企业 column
    //    (一 1 + 二 0 = (七) 1, and (七) = 0 + 0 + 0 + 1 + 0 + 予以公开) leaves only 11 0 0 0 0 0 11.
    //    `591000060` → 59 1 0 0 0 0 60 (the only reading that sums); `1005` → 10 0 5 (its only reading);
    //    section 四 `12001130000001001` → 12 0 0 1 13 · 0 0 0 0 0 · 0 1 0 0 1 (the only reading whose
    //    three 总计 are sums).
    @Test func oneLineReportRecoveredByIdentities() {
        let text = oneLineReport(
            regulations: "000", normative: "1005",
            apply: ["received": "801000081", "granted": "110000011", "partly_granted": "5000005",
                    "denied.third_party_rights": "2000002", "unavailable.not_held": "591000060",
                    "not_processed.duplicate": "3000003", "total": "801000081"],
            review: "12001130000001001")
        #expect(!text.contains("\n") && !text.contains("\t") && !text.contains("  "))
        #expect(text.contains("一、本年新收政府信息公开申请数量801000081二、上年结转政府信息公开申请数量0000000"))
        let r = extractReport(text: text, path: "crawled.txt")

        #expect(r.agency == "某某县某某局" && r.year == 2021)
        #expect(r.sections == ["一", "二", "三", "四", "五", "六"])
        #expect(r.activeFormat == "2021" && r.applyFormat == "2021")
        #expect(show(r, "active.regulations.issued") == "0")
        #expect(show(r, "active.regulations.repealed") == "0")
        #expect(show(r, "active.regulations.in_force") == "0")
        #expect(show(r, "active.normative.issued") == "10")
        #expect(show(r, "active.normative.repealed") == "0")
        #expect(show(r, "active.normative.in_force") == "5")
        #expect(show(r, "active.licensing.decisions") == "12")
        #expect(show(r, "active.penalty.decisions") == "3")
        #expect(show(r, "active.coercion.decisions") == "0")
        #expect(show(r, "active.fees.amount") == "2.58")

        #expect(row(r, "received") == cells("80 1 0 0 0 0 81"))
        #expect(row(r, "carried_over") == zeros)
        #expect(row(r, "granted") == cells("11 0 0 0 0 0 11"))
        #expect(row(r, "partly_granted") == cells("5 0 0 0 0 0 5"))
        #expect(row(r, "denied.state_secret") == zeros)
        #expect(row(r, "denied.security_stability") == zeros)
        #expect(row(r, "denied.third_party_rights") == cells("2 0 0 0 0 0 2"))
        #expect(row(r, "unavailable.not_held") == cells("59 1 0 0 0 0 60"))
        #expect(row(r, "not_processed.duplicate") == cells("3 0 0 0 0 0 3"))
        #expect(row(r, "other.no_correction") == zeros)
        #expect(row(r, "other.other") == zeros)
        #expect(row(r, "total") == cells("80 1 0 0 0 0 81"))
        #expect(row(r, "carried_forward") == zeros)
        #expect(r.values.count == 10 + 175 + 15)
        #expect(r.values.allSatisfy { $0.value != nil })

        #expect(show(r, "review.upheld") == "12")
        #expect(show(r, "review.corrected") == "0")
        #expect(show(r, "review.other") == "0")
        #expect(show(r, "review.pending") == "1")
        #expect(show(r, "review.total") == "13")
        #expect(["upheld", "corrected", "other", "pending", "total"].map { show(r, "litigation.direct.\($0)") } == cells("0 0 0 0 0"))
        #expect(["upheld", "corrected", "other", "pending", "total"].map { show(r, "litigation.after_review.\($0)") } == cells("0 1 0 0 1"))
        #expect(r.provenance["apply.granted.natural_person"]?.line == 1)

        #expect(findings(r, "ambiguous_cells").isEmpty, "\(findings(r, "ambiguous_cells").map(\.message))")
        #expect(!r.findings.contains { $0.severity == .error }, "\(r.findings.map(\.message))")
    }

    // 3b. Digits with several readings that every identity accepts stay blank, and are named.
    //    规章 `1010` reads as 1 0 10 or 10 1 0; 行政规范性文件 `693665` ten ways; section 二 has no
    //    identity to choose. In section 三, 一, 三(一) and 三(七) all print `110000011`: 1 10 0 0 0 0 11
    //    and 11 0 0 0 0 0 11 both sum, and taking the same reading in all three rows satisfies
    //    一+二=三(七)+四 and 三(七)=Σ results in every column either way. The readings agree on
    //    科研机构…其他 (0) and 总计 (11), and differ on 自然人 and 商业企业.
    @Test func oneLineRowsWithSeveralReadingsStayBlank() {
        let text = oneLineReport(
            regulations: "1010", normative: "693665",
            apply: ["received": "110000011", "granted": "110000011", "total": "110000011"],
            review: "100010000000000")
        let r = extractReport(text: text, path: "crawled-ambiguous.txt")
        let regulations = ["active.regulations.issued", "active.regulations.repealed", "active.regulations.in_force"]
        let normative = ["active.normative.issued", "active.normative.repealed", "active.normative.in_force"]
        let ambiguous = findings(r, "ambiguous_cells")

        for id in regulations + normative { #expect(show(r, id) == "nil", "\(id)") }
        #expect(ambiguous.contains { Set($0.cells) == Set(regulations) }, "\(ambiguous.map(\.cells))")
        #expect(ambiguous.contains { Set($0.cells) == Set(normative) }, "\(ambiguous.map(\.cells))")
        #expect(show(r, "active.licensing.decisions") == "12")  // the rest of the table is unaffected

        for key in ["received", "granted", "total"] {
            #expect(row(r, key) == cells("nil nil 0 0 0 0 11"), "\(key)")
            let named = ids(key, ["natural_person", "commercial"])
            #expect(ambiguous.contains { Set($0.cells) == Set(named) }, "\(key): \(ambiguous.map(\.cells))")
        }
        #expect(row(r, "carried_over") == zeros)
        #expect(row(r, "partly_granted") == zeros)
        #expect(row(r, "carried_forward") == zeros)
        #expect(show(r, "review.upheld") == "1" && show(r, "review.total") == "1")
        #expect(!r.findings.contains { $0.severity == .error }, "\(r.findings.map(\.message))")
    }

    // 4. Blank markers and empty cells are blank (nil), never 0, and are reported.
    @Test func blankMarkersAreNotZero() {
        let active = tabActive2021(regulations: "0\t0\t-", normative: "2\t0\t9", licensing: "", penalty: "—",
                                   coercion: "无", fees: "/")
        let apply = tabApply([
            "received": ["", "", "", "", "", "", "5"],             // only 总计 filled
            "granted": ["3", "", "", "", "", "", "3"],             // legal-person columns empty
            "partly_granted": ["/", "—", "-", "无", "/", "/", "/"],  // placeholders
            "unavailable.not_held": ["2", "", "", "", "", "", "2"],
            "not_processed.duplicate": ["", "", "", "", "", "", ""],  // nothing at all
            "total": ["5", "", "", "", "", "", "5"],
        ])
        let review = tabReview(cells("1 0 0 0 1 / / / / /") + ["", "", "", "", ""])
        let r = extractReport(text: assemble(active: active, apply: apply, review: review), path: "blanks.txt")

        #expect(show(r, "active.regulations.repealed") == "0")
        #expect(show(r, "active.regulations.in_force") == "nil")
        #expect(show(r, "active.normative.in_force") == "9")
        let activeBlanks = ["active.regulations.in_force", "active.licensing.decisions", "active.penalty.decisions",
                            "active.coercion.decisions", "active.fees.amount"]
        for id in activeBlanks { #expect(show(r, id) == "nil", "\(id)") }

        #expect(row(r, "received") == cells("nil nil nil nil nil nil 5"))
        #expect(row(r, "granted") == cells("3 nil nil nil nil nil 3"))
        #expect(row(r, "partly_granted") == cells("nil nil nil nil nil nil nil"))
        #expect(row(r, "unavailable.not_held") == cells("2 nil nil nil nil nil 2"))
        #expect(row(r, "not_processed.duplicate") == cells("nil nil nil nil nil nil nil"))
        #expect(row(r, "total") == cells("5 nil nil nil nil nil 5"))
        #expect(row(r, "carried_over") == zeros)
        #expect(row(r, "carried_forward") == zeros)

        #expect(["upheld", "corrected", "other", "pending", "total"].map { show(r, "review.\($0)") } == cells("1 0 0 0 1"))
        for g in ["litigation.direct", "litigation.after_review"] {
            for c in ["upheld", "corrected", "other", "pending", "total"] { #expect(show(r, "\(g).\(c)") == "nil", "\(g).\(c)") }
        }

        let blank = findings(r, "blank_cells")
        // Section 二: 5 cells. Section 三: 6 + 5 + 7 + 5 + 7 + 5 = 35. Section 四: 10.
        #expect(blank.contains { Set($0.cells) == Set(activeBlanks) && $0.actual == .int(5) }, "\(blank.map(\.cells))")
        let applyBlanks = Set(ids("received", Array(applicantColumns.prefix(6))) + ids("granted", Array(applicantColumns[1...5]))
                                + ids("partly_granted") + ids("unavailable.not_held", Array(applicantColumns[1...5]))
                                + ids("not_processed.duplicate") + ids("total", Array(applicantColumns[1...5])))
        #expect(applyBlanks.count == 35)
        #expect(blank.contains { Set($0.cells) == applyBlanks && $0.actual == .int(35) }, "\(blank.map(\.cells))")
        #expect(blank.contains { $0.cells.count == 10 && $0.cells.allSatisfy { $0.hasPrefix("litigation.") } })
        // A sum with a blank term is not checked: no identity error from the blanks.
        #expect(!r.findings.contains { $0.severity == .error }, "\(r.findings.map(\.message))")
    }

    // 5. Label typos are read as the standard label, with a label_variant finding.
    @Test func labelTyposAreReadAndFlagged() {
        let active = tabActive2021(regulations: "1\t2\t3", normative: "0\t0\t4", repealedHeader: "本年度止件数")
        let apply = tabApply(["received": cells("1 0 0 0 0 0 1"), "denied.prohibited_by_law": cells("1 0 0 0 0 0 1"),
                              "total": cells("1 0 0 0 0 0 1")],
                             labels: ["denied.prohibited_by_law": "2.其他法律行政止公开"])
        #expect(apply.contains("\t2.其他法律行政止公开\t1\t0\t0\t0\t0\t0\t1"))
        let r = extractReport(text: assemble(active: active, apply: apply, review: tabReview(cells("0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"))),
                              path: "typos.txt")

        #expect(show(r, "active.regulations.issued") == "1")
        #expect(show(r, "active.regulations.repealed") == "2")
        #expect(show(r, "active.regulations.in_force") == "3")
        #expect(show(r, "active.normative.repealed") == "0")
        #expect(show(r, "active.normative.in_force") == "4")
        #expect(row(r, "denied.prohibited_by_law") == cells("1 0 0 0 0 0 1"))
        #expect(row(r, "denied.state_secret") == zeros)
        #expect(row(r, "denied.security_stability") == zeros)

        let variants = findings(r, "label_variant")
        #expect(variants.contains { $0.actual == .string("本年度止件数") && $0.expected == .string("本年废止件数") },
                "\(variants.map(\.message))")
        #expect(variants.contains { $0.actual == .string("2.其他法律行政止公开") && $0.expected == .string("2.其他法律行政法规禁止公开") },
                "\(variants.map(\.message))")
        #expect(!r.findings.contains { $0.severity == .error }, "\(r.findings.map(\.message))")
    }

    // 6. Numbering `1.` `(一)` and `1、` `（一）` read the same.
    @Test func numberingStylesReadTheSame() {
        let values = ["received": cells("4 1 0 0 0 0 5"), "granted": cells("2 0 0 0 0 0 2"),
                      "partly_granted": cells("1 0 0 0 0 0 1"), "denied.state_secret": cells("1 0 0 0 0 0 1"),
                      "unavailable.not_held": cells("0 1 0 0 0 0 1"), "total": cells("4 1 0 0 0 0 5")]
        let review = tabReview(cells("0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"))
        let asciiApply = tabApply(values, numbering: .ascii)
        let fullApply = tabApply(values, numbering: .fullWidth)
        #expect(asciiApply.contains("\n(三)不予公开\t1.属于国家秘密\t") && asciiApply.contains("\t(一)予以公开\t"))
        #expect(fullApply.contains("\n（三）不予公开\t1、属于国家秘密\t") && fullApply.contains("\t（一）予以公开\t"))
        let a = extractReport(text: assemble(active: tabActive2021(), apply: asciiApply, review: review), path: "a.txt")
        let b = extractReport(text: assemble(active: tabActive2021(), apply: fullApply, review: review), path: "b.txt")

        for r in [a, b] {
            #expect(r.applyFormat == "2021")
            #expect(row(r, "received") == cells("4 1 0 0 0 0 5"))
            #expect(row(r, "granted") == cells("2 0 0 0 0 0 2"))
            #expect(row(r, "partly_granted") == cells("1 0 0 0 0 0 1"))
            #expect(row(r, "denied.state_secret") == cells("1 0 0 0 0 0 1"))
            #expect(row(r, "denied.prohibited_by_law") == zeros)
            #expect(row(r, "unavailable.not_held") == cells("0 1 0 0 0 0 1"))
            #expect(row(r, "not_processed.complaint") == zeros)
            #expect(row(r, "other.other") == zeros)
            #expect(row(r, "total") == cells("4 1 0 0 0 0 5"))
            #expect(r.values.count == 10 + 175 + 15)
            #expect(findings(r, "label_variant").isEmpty, "\(findings(r, "label_variant").map(\.message))")
            #expect(!r.findings.contains { $0.severity == .error }, "\(r.findings.map(\.message))")
        }
        #expect(a.values == b.values)
    }

    // 7. 2019-format section 二: signed changes and an amount in 元 in the 万元 column.
    @Test func signedChangesAndAmountsIn2019Format() {
        let active = """
        第二十条第（一）项
        信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量
        规章\t0\t0\t0
        规范性文件\t5\t5\t40
        第二十条第（五）项
        信息内容\t上一年项目数量\t本年增/减\t处理决定数量
        行政许可\t120\t减 20\t356
        其他对外管理服务事项\t15\t+173\t1200
        第二十条第（六）项
        信息内容\t上一年项目数量\t本年增/减\t处理决定数量
        行政处罚\t30\t增3\t12
        行政强制\t5\t-2\t0
        第二十条第（八）项
        信息内容\t上一年项目数量\t本年增/减
        行政事业性收费\t3\t0
        第二十条第（九）项
        信息内容\t采购项目数量\t采购总金额
        政府集中采购\t4\t251000元
        """
        let apply = tabApply(["received": cells("1 0 0 0 0 0 1"), "granted": cells("1 0 0 0 0 0 1"),
                              "total": cells("1 0 0 0 0 0 1")], format: "2019")
        let r = extractReport(text: assemble(year: 2020, active: active, apply: apply,
                                             review: tabReview(cells("0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"))),
                              path: "2019.txt")

        #expect(r.year == 2020)
        #expect(r.activeFormat == "2019" && r.applyFormat == "2019")
        #expect(show(r, "active.regulations.made") == "0")
        #expect(show(r, "active.normative.made") == "5")
        #expect(show(r, "active.normative.published") == "5")
        #expect(show(r, "active.normative.total_published") == "40")
        #expect(show(r, "active.licensing.prior_items") == "120")
        #expect(show(r, "active.licensing.change") == "-20")
        #expect(show(r, "active.licensing.decisions") == "356")
        #expect(show(r, "active.other_services.prior_items") == "15")
        #expect(show(r, "active.other_services.change") == "173")
        #expect(show(r, "active.other_services.decisions") == "1200")
        #expect(show(r, "active.penalty.prior_items") == "30")
        #expect(show(r, "active.penalty.change") == "3")
        #expect(show(r, "active.penalty.decisions") == "12")
        #expect(show(r, "active.coercion.change") == "-2")
        #expect(show(r, "active.fees.prior_items") == "3")
        #expect(show(r, "active.fees.change") == "0")
        #expect(show(r, "active.procurement.items") == "4")
        #expect(show(r, "active.procurement.amount") == "25.1")
        #expect(r.values["active.regulations.issued"] == nil)  // 2019 is never mapped onto 2021
        #expect(Catalog.activeMetrics(format: "2019").allSatisfy { r.values[$0] != nil })

        #expect(row(r, "other") == zeros)
        #expect(row(r, "received") == cells("1 0 0 0 0 0 1"))
        #expect(r.values.count == 22 + 161 + 15)
        #expect(findings(r, "outdated_format").isEmpty)
        #expect(findings(r, "blank_cells").isEmpty, "\(findings(r, "blank_cells").map(\.cells))")
        #expect(!r.findings.contains { $0.severity == .error }, "\(r.findings.map(\.message))")
    }

    // 7b. An amount printed with its unit in the 2021 本年收费金额（单位：万元） column.
    @Test func amountWithUnitInTenThousandYuan() {
        let r = extractReport(text: assemble(active: tabActive2021(fees: "2.58 万元"),
                                             apply: tabApply(["received": zeros]),
                                             review: tabReview(cells("0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"))),
                              path: "fees.txt")
        #expect(show(r, "active.fees.amount") == "2.58")
        #expect(r.provenance["active.fees.amount"]?.text == "2.58万元")
    }

    // 8. A report in the layout used before 2019: no 第二十条 tables, no standard tables at all.
    @Test func pre2019ReportHasNoStandardTables() {
        let text = """
        某某县某某局2017年政府信息公开工作年度报告
        本报告根据《中华人民共和国政府信息公开条例》要求编制，全文包括概述，主动公开政府信息情况，依申请公开政府信息情况，政府信息公开的收费及减免情况，因政府信息公开申请行政复议、提起行政诉讼的情况，政府信息公开工作存在的主要问题及改进情况，其他需要报告的事项。本报告中所列数据的统计期限自2017年1月1日起至2017年12月31日止。
        一、概述
        2017年，我局认真贯彻落实《条例》，扎实推进政府信息公开工作。
        二、主动公开政府信息情况
        全年主动公开政府信息120条，其中规范性文件5件。
        三、依申请公开政府信息情况
        全年共收到政府信息公开申请3件，均已按期答复。
        四、政府信息公开的收费及减免情况
        未收取任何费用。
        五、因政府信息公开申请行政复议、提起行政诉讼的情况
        无。
        六、政府信息公开工作存在的主要问题及改进情况
        公开内容还不够全面，下一步将进一步加强。
        七、其他需要报告的事项
        无。
        附表：政府信息公开情况统计表
        统计指标\t单位\t统计数
        一、主动公开情况\t\t
        （一）主动公开政府信息数\t条\t120
        其中：主动公开规范性文件数\t条\t5
        三、依申请公开情况\t\t
        （一）收到申请数\t件\t3
        （二）申请办结数\t件\t3
        （三）申请答复数\t件\t3
        1.属于已主动公开范围数\t件\t1
        2.同意公开答复数\t件\t1
        4.不同意公开答复数\t件\t1
        其中：涉及国家秘密\t件\t0
        四、行政复议数量\t件\t0
        （一）维持具体行政行为数\t件\t0
        （二）被依法纠错数\t件\t0
        五、行政诉讼数量\t件\t0
        六、举报投诉数量\t件\t0
        七、依申请公开信息收取的费用\t万元\t0
        某某县某某局
        2018年3月20日
        """
        let r = extractReport(text: text, path: "2017.txt")
        #expect(r.status == "report")
        #expect(r.year == 2017)
        #expect(r.values.isEmpty, "\(r.values.keys.sorted().prefix(5)) (\(r.values.count) keys)")
        #expect(r.activeFormat == nil)
        #expect(r.applyFormat == nil)
        #expect(!findings(r, "missing_table").isEmpty, "\(r.findings.map(\.check))")
    }
}
