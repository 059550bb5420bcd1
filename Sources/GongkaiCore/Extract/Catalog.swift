/// The metric ids every extracted value uses (shared spec: metrics.tsv), with
/// the labels the national formats print. The single source of truth for ids.
public enum Catalog {
    /// One metric: a cell of a standard table.
    public struct Metric: Equatable, Sendable {
        public var id: String
        /// `二(一)`, `三`, `四`…
        public var section: String
        /// `2019`, `2021`, or `both`.
        public var format: String
        public var row: String
        public var column: String
        /// `件` or `万元`.
        public var unit: String
    }

    // MARK: Section 三

    /// The seven applicant columns of section 三, in printed order.
    public static let applicantColumns: [(id: String, label: String)] = [
        ("natural_person", "自然人"), ("commercial", "商业企业"), ("research", "科研机构"),
        ("social_org", "社会公益组织"), ("legal_service", "法律服务机构"), ("other_org", "其他"), ("total", "总计"),
    ]

    /// A row of section 三: the id prefix, the standard label, and the formats that print it.
    public struct ApplyRow: Equatable, Sendable {
        public var id: String
        public var label: String
        /// The group heading the row sits under (`(三)不予公开`), empty for top-level rows.
        public var group: String
        public var format: String
        /// The row's seven metric ids, in column order (made once: ids are looked up per cell).
        public let cells: [String]

        init(id: String, label: String, group: String, format: String) {
            self.id = id
            self.label = label
            self.group = group
            self.format = format
            cells = Catalog.applicantColumnIDs.map { "\(id).\($0)" }
        }

        public func metric(_ column: String) -> String {
            if let i = Catalog.applicantColumnIDs.firstIndex(of: column) { return cells[i] }
            return "\(id).\(column)"
        }
    }

    static let applicantColumnIDs = ["natural_person", "commercial", "research", "social_org", "legal_service", "other_org", "total"]

    public static let applyRows: [ApplyRow] = [
        ApplyRow(id: "apply.received", label: "一、本年新收政府信息公开申请数量", group: "", format: "both"),
        ApplyRow(id: "apply.carried_over", label: "二、上年结转政府信息公开申请数量", group: "", format: "both"),
        ApplyRow(id: "apply.granted", label: "(一)予以公开", group: "三、本年度办理结果", format: "both"),
        ApplyRow(id: "apply.partly_granted", label: "(二)部分公开(区分处理的,只计这一情形,不计其他情形)", group: "三、本年度办理结果", format: "both"),
        ApplyRow(id: "apply.denied.state_secret", label: "1.属于国家秘密", group: "(三)不予公开", format: "both"),
        ApplyRow(id: "apply.denied.prohibited_by_law", label: "2.其他法律行政法规禁止公开", group: "(三)不予公开", format: "both"),
        ApplyRow(id: "apply.denied.security_stability", label: "3.危及“三安全一稳定”", group: "(三)不予公开", format: "both"),
        ApplyRow(id: "apply.denied.third_party_rights", label: "4.保护第三方合法权益", group: "(三)不予公开", format: "both"),
        ApplyRow(id: "apply.denied.internal_affairs", label: "5.属于三类内部事务信息", group: "(三)不予公开", format: "both"),
        ApplyRow(id: "apply.denied.process_information", label: "6.属于四类过程性信息", group: "(三)不予公开", format: "both"),
        ApplyRow(id: "apply.denied.enforcement_files", label: "7.属于行政执法案卷", group: "(三)不予公开", format: "both"),
        ApplyRow(id: "apply.denied.administrative_query", label: "8.属于行政查询事项", group: "(三)不予公开", format: "both"),
        ApplyRow(id: "apply.unavailable.not_held", label: "1.本机关不掌握相关政府信息", group: "(四)无法提供", format: "both"),
        ApplyRow(id: "apply.unavailable.needs_compilation", label: "2.没有现成信息需要另行制作", group: "(四)无法提供", format: "both"),
        ApplyRow(id: "apply.unavailable.unclear", label: "3.补正后申请内容仍不明确", group: "(四)无法提供", format: "both"),
        ApplyRow(id: "apply.not_processed.complaint", label: "1.信访举报投诉类申请", group: "(五)不予处理", format: "both"),
        ApplyRow(id: "apply.not_processed.duplicate", label: "2.重复申请", group: "(五)不予处理", format: "both"),
        ApplyRow(id: "apply.not_processed.publication", label: "3.要求提供公开出版物", group: "(五)不予处理", format: "both"),
        ApplyRow(id: "apply.not_processed.excessive", label: "4.无正当理由大量反复申请", group: "(五)不予处理", format: "both"),
        ApplyRow(id: "apply.not_processed.confirmation", label: "5.要求行政机关确认或重新出具已获取信息", group: "(五)不予处理", format: "both"),
        ApplyRow(id: "apply.other", label: "(六)其他处理", group: "三、本年度办理结果", format: "2019"),
        ApplyRow(id: "apply.other.no_correction", label: "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", group: "(六)其他处理", format: "2021"),
        ApplyRow(id: "apply.other.unpaid_fee", label: "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", group: "(六)其他处理", format: "2021"),
        ApplyRow(id: "apply.other.other", label: "3.其他", group: "(六)其他处理", format: "2021"),
        ApplyRow(id: "apply.total", label: "(七)总计", group: "三、本年度办理结果", format: "both"),
        ApplyRow(id: "apply.carried_forward", label: "四、结转下年度继续办理", group: "", format: "both"),
    ]

    /// The rows a section 三 table of `format` has, in order (23 for 2019, 25 for 2021).
    public static func applyRows(format: String) -> [ApplyRow] {
        format == "2019" ? applyRows2019 : (format == "2021" ? applyRows2021 : applyRows.filter { $0.format == "both" || $0.format == format })
    }
    static let applyRows2019 = applyRows.filter { $0.format == "both" || $0.format == "2019" }
    static let applyRows2021 = applyRows.filter { $0.format == "both" || $0.format == "2021" }

    /// The result rows (三(一)…(六)) whose sum is 三(七), for a format.
    public static func resultRows(format: String) -> [ApplyRow] {
        format == "2019" ? resultRows2019 : (format == "2021" ? resultRows2021 : computeResultRows(format))
    }
    static let resultRows2019 = computeResultRows("2019")
    static let resultRows2021 = computeResultRows("2021")
    static func computeResultRows(_ format: String) -> [ApplyRow] {
        applyRows(format: format).filter {
            !["apply.received", "apply.carried_over", "apply.total", "apply.carried_forward"].contains($0.id)
        }
    }

    // MARK: Section 四

    public static let reviewGroups: [(id: String, label: String)] = [
        ("review", "行政复议"), ("litigation.direct", "行政诉讼·未经复议直接起诉"), ("litigation.after_review", "行政诉讼·复议后起诉"),
    ]
    public static let reviewColumns: [(id: String, label: String)] = [
        ("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"), ("pending", "尚未审结"), ("total", "总计"),
    ]
    /// The 15 cells of section 四 in printed order.
    public static let reviewMetrics: [String] = reviewGroups.flatMap { g in reviewColumns.map { "\(g.id).\($0.id)" } }

    // MARK: Section 二

    /// A column of a section 二 table.
    public struct ActiveColumn: Equatable, Sendable {
        /// Metric suffix (`issued`, `prior_items`…).
        public var id: String
        public var label: String
        public var format: String
        public var unit: String
    }

    /// A row of a section 二 table: which 第二十条 item it belongs to and its metric prefix.
    public struct ActiveRow: Equatable, Sendable {
        public var id: String
        public var label: String
        /// `一`, `五`, `六`, `八`, `九`.
        public var item: String
        /// Column ids per format (the printed order).
        public var columns2019: [String]
        public var columns2021: [String]
        public var label2019: String
        public func columns(_ format: String) -> [String] { format == "2019" ? columns2019 : columns2021 }
    }

    public static let activeColumns: [ActiveColumn] = [
        ActiveColumn(id: "issued", label: "本年制发件数", format: "2021", unit: "件"),
        ActiveColumn(id: "repealed", label: "本年废止件数", format: "2021", unit: "件"),
        ActiveColumn(id: "in_force", label: "现行有效件数", format: "2021", unit: "件"),
        ActiveColumn(id: "decisions", label: "本年处理决定数量", format: "2021", unit: "件"),
        ActiveColumn(id: "amount", label: "本年收费金额(单位:万元)", format: "2021", unit: "万元"),
        ActiveColumn(id: "made", label: "本年新制作数量", format: "2019", unit: "件"),
        ActiveColumn(id: "published", label: "本年新公开数量", format: "2019", unit: "件"),
        ActiveColumn(id: "total_published", label: "对外公开总数量", format: "2019", unit: "件"),
        ActiveColumn(id: "prior_items", label: "上一年项目数量", format: "2019", unit: "件"),
        ActiveColumn(id: "change", label: "本年增/减", format: "2019", unit: "件"),
        ActiveColumn(id: "decisions", label: "处理决定数量", format: "2019", unit: "件"),
        ActiveColumn(id: "items", label: "采购项目数量", format: "2019", unit: "件"),
        ActiveColumn(id: "amount", label: "采购总金额", format: "2019", unit: "万元"),
    ]

    public static let activeRows: [ActiveRow] = [
        ActiveRow(id: "active.regulations", label: "规章", item: "一",
                  columns2019: ["made", "published", "total_published"], columns2021: ["issued", "repealed", "in_force"], label2019: "规章"),
        ActiveRow(id: "active.normative", label: "行政规范性文件", item: "一",
                  columns2019: ["made", "published", "total_published"], columns2021: ["issued", "repealed", "in_force"], label2019: "规范性文件"),
        ActiveRow(id: "active.licensing", label: "行政许可", item: "五",
                  columns2019: ["prior_items", "change", "decisions"], columns2021: ["decisions"], label2019: "行政许可"),
        ActiveRow(id: "active.other_services", label: "其他对外管理服务事项", item: "五",
                  columns2019: ["prior_items", "change", "decisions"], columns2021: [], label2019: "其他对外管理服务事项"),
        ActiveRow(id: "active.penalty", label: "行政处罚", item: "六",
                  columns2019: ["prior_items", "change", "decisions"], columns2021: ["decisions"], label2019: "行政处罚"),
        ActiveRow(id: "active.coercion", label: "行政强制", item: "六",
                  columns2019: ["prior_items", "change", "decisions"], columns2021: ["decisions"], label2019: "行政强制"),
        ActiveRow(id: "active.fees", label: "行政事业性收费", item: "八",
                  columns2019: ["prior_items", "change"], columns2021: ["amount"], label2019: "行政事业性收费"),
        ActiveRow(id: "active.procurement", label: "政府集中采购", item: "九",
                  columns2019: ["items", "amount"], columns2021: [], label2019: "政府集中采购"),
    ]

    // MARK: All metrics

    /// Every metric, in the order of metrics.tsv.
    public static let metrics: [Metric] = {
        var out: [Metric] = []
        func col(_ id: String, _ format: String) -> ActiveColumn {
            activeColumns.first { $0.id == id && $0.format == format }!
        }
        let section2: [(String, String)] = [("active.regulations", "一"), ("active.normative", "一")]
        for format in ["2021", "2019"] {
            for (rowID, item) in section2 {
                let row = activeRows.first { $0.id == rowID }!
                for c in row.columns(format) {
                    let column = col(c, format)
                    out.append(Metric(id: "\(rowID).\(c)", section: "二(\(item))", format: format,
                                      row: format == "2019" ? row.label2019 : row.label, column: column.label, unit: column.unit))
                }
            }
        }
        for row in activeRows where row.item != "一" {
            var ids: [(String, String)] = []  // (column id, format)
            for c in row.columns2021 { ids.append((c, row.columns2019.contains(c) ? "both" : "2021")) }
            for c in row.columns2019 where !row.columns2021.contains(c) { ids.append((c, "2019")) }
            // metrics.tsv lists the shared `decisions` first, then 2019-only columns, then 2021-only ones.
            ids.sort { order($0) < order($1) }
            for (c, format) in ids {
                let column = format == "2019" ? col(c, "2019") : col(c, "2021")
                let label = format == "both" ? "\(col(c, "2021").label) / \(col(c, "2019").label)" : column.label
                out.append(Metric(id: "\(row.id).\(c)", section: "二(\(row.item))", format: format, row: row.label,
                                  column: label, unit: column.unit))
            }
        }
        for row in applyRows {
            for c in applicantColumns {
                out.append(Metric(id: row.metric(c.id), section: "三", format: row.format, row: row.label, column: c.label, unit: "件"))
            }
        }
        for g in reviewGroups {
            for c in reviewColumns {
                out.append(Metric(id: "\(g.id).\(c.id)", section: "四", format: "both", row: g.label, column: c.label, unit: "件"))
            }
        }
        return out
    }()

    private static func order(_ c: (String, String)) -> Int {
        switch c.1 { case "both": return 0; case "2021": return c.0 == "amount" ? 0 : 2; default: return 1 }
    }

    /// Each metric id's position in `metrics`.
    public static let metricIndex = IDTable(metrics.map(\.id))

    /// Every metric id in byte order (the order records are written in).
    public static let sortedMetricIDs: [String] = metrics.map(\.id).sorted(by: JSON.utf8Less)

    /// The same, each with its position in `metrics`.
    public static let sortedMetricSlots: [(id: String, index: Int)] = sortedMetricIDs.map { ($0, metricIndex[$0]!) }

    public static let metricsByID: [String: Metric] = Dictionary(uniqueKeysWithValues: metrics.map { ($0.id, $0) })

    /// The metric ids of a section 二 table of `format` (10 for 2021, 22 for 2019).
    public static func activeMetrics(format: String) -> [String] {
        format == "2019" ? activeMetrics2019 : (format == "2021" ? activeMetrics2021 : [])
    }
    static let activeMetrics2019 = activeRows.flatMap { row in row.columns("2019").map { "\(row.id).\($0)" } }
    static let activeMetrics2021 = activeRows.flatMap { row in row.columns("2021").map { "\(row.id).\($0)" } }

    /// The metric ids of a section 三 table of `format` (175 for 2021, 161 for 2019).
    public static func applyMetrics(format: String) -> [String] {
        format == "2019" ? applyMetrics2019 : (format == "2021" ? applyMetrics2021 : applyRows(format: format).flatMap(\.cells))
    }
    static let applyMetrics2019 = applyRows2019.flatMap(\.cells)
    static let applyMetrics2021 = applyRows2021.flatMap(\.cells)
}
