import Foundation

/// The per-report checks of CHECKS.md. A finding never changes a value:
/// gongkai reports what the agency printed, and says where it does not add up.
/// A sum with a blank term is not a failed identity (that is `blank_cells`).
enum ReportChecks {
    typealias Values = MetricValues

    static func value(_ values: Values, _ id: String) -> Quantity? { values[id] ?? nil }

    /// Metric ids with their catalog slots, worked out once: the identities below are
    /// checked in every report, and looking ids up by name was most of their cost.
    struct Cells: Sendable {
        let ids: [String]
        let slots: [Int?]
        init(_ ids: [String]) {
            self.ids = ids
            slots = ids.map { Catalog.metricIndex[$0] }
        }
        func value(_ values: Values, _ k: Int) -> Quantity? {
            (slots[k].map { values[index: $0] } ?? values[ids[k]]) ?? nil
        }
        /// The sum, or nil when any is blank, absent or the sum overflows.
        func sum(_ values: Values) -> Quantity? {
            var terms: [Quantity] = []
            terms.reserveCapacity(ids.count)
            for k in ids.indices {
                guard let v = value(values, k) else { return nil }
                terms.append(v)
            }
            return Quantity.sum(terms)
        }
    }

    /// The sum of `ids`, or nil when any is blank, absent or the sum overflows.
    static func sum(_ values: Values, _ ids: [String]) -> Quantity? { Cells(ids).sum(values) }

    static func columnLabel(_ id: String) -> String {
        Catalog.applicantColumns.first { $0.id == id }?.label ?? id
    }

    static let balanceCells: [(label: String, left: Cells, right: Cells)] = Catalog.applicantColumns.map { column in
        (column.label, Cells(["apply.received.\(column.id)", "apply.carried_over.\(column.id)"]),
         Cells(["apply.total.\(column.id)", "apply.carried_forward.\(column.id)"]))
    }

    /// 一 + 二 = 三(七) + 四, per applicant column.
    static func balance(_ values: Values) -> [Finding] {
        var out: [Finding] = []
        for (label, left, right) in balanceCells {
            guard let l = left.sum(values), let r = right.sum(values), l != r else { continue }
            let diff = l.subtracting(r).map { $0.mantissa < 0 ? ($0.negated ?? $0) : $0 }
            out.append(Finding(
                check: "balance", severity: .error,
                message: "第三部分“\(label)”列：一+二=\(l)，三(七)+四=\(r)，相差\(diff.map(\.description) ?? "?")",
                cells: left.ids + right.ids, expected: l.json, actual: r.json))
        }
        return out
    }

    static func rowTotalCells(format: String) -> [(label: String, parts: Cells, total: Cells)] {
        format == "2019" ? rowTotalCells2019 : (format == "2021" ? rowTotalCells2021 : computeRowTotalCells(format))
    }
    static let rowTotalCells2019 = computeRowTotalCells("2019")
    static let rowTotalCells2021 = computeRowTotalCells("2021")
    static func computeRowTotalCells(_ format: String) -> [(label: String, parts: Cells, total: Cells)] {
        Catalog.applyRows(format: format).map { row in
            (row.label, Cells(Catalog.applicantColumns.dropLast().map { row.metric($0.id) }), Cells([row.metric("total")]))
        }
    }

    /// Each row's 总计 = the sum of its six applicant columns.
    static func rowTotals(_ values: Values, format: String) -> [Finding] {
        var out: [Finding] = []
        for (label, parts, totalCell) in rowTotalCells(format: format) {
            guard let total = totalCell.value(values, 0), let s = parts.sum(values), s != total else { continue }
            out.append(Finding(
                check: "row_total", severity: .error,
                message: "第三部分“\(label)”行：各类申请人之和为\(s)，“总计”列填写\(total)",
                cells: parts.ids + totalCell.ids, expected: s.json, actual: total.json))
        }
        return out
    }

    static func resultTotalCells(format: String) -> [(label: String, parts: Cells, total: Cells)] {
        format == "2019" ? resultTotalCells2019 : (format == "2021" ? resultTotalCells2021 : computeResultTotalCells(format))
    }
    static let resultTotalCells2019 = computeResultTotalCells("2019")
    static let resultTotalCells2021 = computeResultTotalCells("2021")
    static func computeResultTotalCells(_ format: String) -> [(label: String, parts: Cells, total: Cells)] {
        let rows = Catalog.resultRows(format: format)
        return Catalog.applicantColumns.map { column in
            (column.label, Cells(rows.map { $0.metric(column.id) }), Cells(["apply.total.\(column.id)"]))
        }
    }

    /// 三(七) = the sum of the result rows, per column.
    static func resultTotals(_ values: Values, format: String) -> [Finding] {
        var out: [Finding] = []
        for (label, parts, totalCell) in resultTotalCells(format: format) {
            guard let total = totalCell.value(values, 0), let s = parts.sum(values), s != total else { continue }
            out.append(Finding(
                check: "result_total", severity: .error,
                message: "第三部分“\(label)”列：办理结果各项之和为\(s)，“(七)总计”填写\(total)",
                cells: parts.ids + totalCell.ids, expected: s.json, actual: total.json))
        }
        return out
    }

    static let reviewCells: [(label: String, parts: Cells, total: Cells)] = Catalog.reviewGroups.map { group in
        (group.label, Cells(Catalog.reviewColumns.dropLast().map { "\(group.id).\($0.id)" }), Cells(["\(group.id).total"]))
    }

    /// Section 四: each 总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结.
    static func reviewTotals(_ values: Values) -> [Finding] {
        var out: [Finding] = []
        for (label, parts, totalCell) in reviewCells {
            guard let total = totalCell.value(values, 0), let s = parts.sum(values), s != total else { continue }
            out.append(Finding(
                check: "review_total", severity: .error,
                message: "第四部分“\(label)”：结果维持+结果纠正+其他结果+尚未审结=\(s)，“总计”填写\(total)",
                cells: parts.ids + totalCell.ids, expected: s.json, actual: total.json))
        }
        return out
    }

    static let sectionNames = ["一": "总体情况", "二": "主动公开政府信息情况", "三": "收到和处理政府信息公开申请情况",
                               "四": "政府信息公开行政复议、行政诉讼情况", "五": "存在的主要问题及改进情况", "六": "其他需要报告的事项"]

    static func missingSections(_ found: [String]) -> [Finding] {
        let missing = Metadata.numerals.filter { !found.contains($0) }
        guard !missing.isEmpty else { return [] }
        let names = missing.map { "\($0)、\(sectionNames[$0]!)" }.joined(separator: "；")
        return [Finding(check: "missing_section", severity: .warning,
                        message: "缺少第\(missing.joined(separator: "、"))部分（\(names)）",
                        actual: .array(missing.map(JSON.string)))]
    }

    static func missingTables(sections: [String], active: Bool, apply: Bool, review: Bool) -> [Finding] {
        var out: [Finding] = []
        for (numeral, present, what) in [("二", active, "主动公开政府信息情况统计表"), ("三", apply, "收到和处理政府信息公开申请情况表"),
                                         ("四", review, "行政复议、行政诉讼情况表")] where !present && sections.contains(numeral) {
            out.append(Finding(check: "missing_table", severity: .warning,
                               message: "第\(numeral)部分有标题，但没有按规定格式的\(what)"))
        }
        return out
    }

    static func blankCells(_ blanks: [String], section: String) -> [Finding] {
        guard !blanks.isEmpty else { return [] }
        return [Finding(check: "blank_cells", severity: .warning,
                        message: "第\(section)部分表格有\(blanks.count)个单元格空白或填写“/”“—”“无”等，按缺失处理（不作0计）",
                        cells: blanks, actual: .int(blanks.count))]
    }

    static func unreadableCells(_ ids: [String], section: String) -> [Finding] {
        guard !ids.isEmpty else { return [] }
        return [Finding(check: "blank_cells", severity: .warning,
                        message: "第\(section)部分表格有\(ids.count)个单元格填写了非数字内容，按缺失处理",
                        cells: ids, actual: .int(ids.count))]
    }

    static func labelVariants(_ variants: [(printed: String, canonical: String, line: Int)]) -> [Finding] {
        variants.map {
            Finding(check: "label_variant", severity: .info,
                    message: "“\($0.printed)”与标准表述“\($0.canonical)”不同，按“\($0.canonical)”读取",
                    expected: .string($0.canonical), actual: .string($0.printed), line: $0.line)
        }
    }

    static func outdatedFormat(year: Int?, active: String?, apply: String?) -> [Finding] {
        guard let year else { return [] }
        var out: [Finding] = []
        for (section, format) in [("二", active), ("三", apply)] {
            guard let format else { continue }
            if year >= 2021 && format == "2019" {
                out.append(Finding(check: "outdated_format", severity: .warning,
                                   message: "\(year)年度报告第\(section)部分仍使用2019年版表格（国办公开办函〔2019〕60号），应使用2021年版（国办公开办函〔2021〕30号）",
                                   expected: .string("2021"), actual: .string(format)))
            } else if year <= 2020 && format == "2021" {
                out.append(Finding(check: "outdated_format", severity: .warning,
                                   message: "\(year)年度报告第\(section)部分使用了2021年版表格，该年度应使用2019年版（国办公开办函〔2019〕60号）",
                                   expected: .string("2019"), actual: .string(format)))
            }
        }
        return out
    }

    static func partialPeriod(year: Int?, start: String?, end: String?, line: Int?) -> [Finding] {
        guard let year, let start, let end else { return [] }
        let full = (Metadata.day(year, 1, 1), Metadata.day(year, 12, 31))
        guard (start, end) != full else { return [] }
        return [Finding(check: "partial_period", severity: .warning,
                        message: "统计期限为\(start)至\(end)，不是\(year)年全年（\(full.0)至\(full.1)）",
                        expected: .string("\(full.0)/\(full.1)"), actual: .string("\(start)/\(end)"), line: line)]
    }

    static func yearMismatch(titleYear: Int?, periodStart: String?, path: String) -> [Finding] {
        var out: [Finding] = []
        let periodYear = periodStart.flatMap { Int($0.prefix(4)) }
        if let t = titleYear, let p = periodYear, t != p {
            out.append(Finding(check: "year_mismatch", severity: .warning,
                               message: "标题年度为\(t)年，统计期限却是\(p)年", expected: .int(t), actual: .int(p)))
        }
        // A folder named for a year (`2021/…`) says which year the file was filed under.
        if let t = titleYear ?? periodYear {
            for part in path.split(separator: "/").dropLast() {
                if part.count == 4, let y = Int(part), (1990...2100).contains(y), y != t {
                    out.append(Finding(check: "year_mismatch", severity: .warning,
                                       message: "报告年度为\(t)年，却存放在“\(part)”年份目录下", expected: .int(y), actual: .int(t)))
                }
            }
        }
        return out
    }

    /// The 2019 条例 (第四十九条) wants the report by 31 January; reports for 2018 and
    /// earlier fell under the 2008 条例 (第三十一条), which allowed until 31 March.
    static func latePublication(year: Int?, published: String?) -> [Finding] {
        guard let year, let published else { return [] }
        let deadline = Metadata.day(year + 1, year >= 2019 ? 1 : 3, 31)
        guard published > deadline else { return [] }
        let rule = year >= 2019 ? "2019年修订的《条例》第四十九条：每年1月31日前公布" : "2008年施行的《条例》第三十一条：每年3月31日前公布"
        return [Finding(check: "late_publication", severity: .warning,
                        message: "落款日期\(published)晚于法定公布期限\(deadline)（\(rule)）",
                        expected: .string(deadline), actual: .string(published))]
    }
}
