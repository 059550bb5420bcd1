/// Across reports: the inventory of every input, every report with its values,
/// every finding. Decides what the tables hold, never how they look.
public struct Aggregator {
    /// An input as the inventory lists it.
    struct Input {
        var path: String
        var sha256: String?
        var bytes: Int
        var format: String
        var encoding: String?
        var status: String
        var reason: String
        var report: Report?
    }

    var inputs: [Input] = []
    var agencies = Agencies()

    public init() {}

    /// Takes one record from extract: a report, an error record passed through, or the alias table.
    public mutating func add(_ record: [String: JSON]) throws {
        let schema = try Schema.require(record, oneOf: [Schema.report, Schema.document, Schema.normalized], stage: "gongkai-aggregate")
        if schema == Schema.report {
            var report = try Report(json: record)
            // Aggregate keeps what the tables and checks need, not each value's provenance:
            // memory must not grow with the corpus's text.
            report.provenance = [:]
            let reason = report.status == "not_a_report" ? (report.findings.first?.message ?? "") : ""
            inputs.append(Input(path: report.path, sha256: report.sha256, bytes: report.bytes, format: report.sourceFormat,
                                encoding: nil, status: report.status, reason: reason, report: report))
        } else if record["format"]?.stringValue == "aliases", record["error"] == nil || record["error"] == .null {
            agencies = Agencies(tsv: record["text"]?.stringValue ?? "")
            let problems = agencies.problems.isEmpty ? "" : "; ignored " + agencies.problems.joined(separator: "; ")
            inputs.append(Input(path: record["path"]?.stringValue ?? "", sha256: record["sha256"]?.stringValue,
                                bytes: record["bytes"]?.intValue ?? 0, format: "aliases", encoding: record["encoding"]?.stringValue,
                                status: "aliases", reason: "agency alias table: \(agencies.count) aliases\(problems)", report: nil))
        } else {
            let error = RecordError(json: record["error"])
            guard let error else {
                throw StageFailure("a \(schema) record without an error reached aggregate; run gongkai-extract first")
            }
            inputs.append(Input(path: record["path"]?.stringValue ?? "", sha256: record["sha256"]?.stringValue,
                                bytes: record["bytes"]?.intValue ?? 0, format: record["format"]?.stringValue ?? "",
                                encoding: record["encoding"]?.stringValue,
                                status: "error", reason: "\(error.code): \(error.message)", report: nil))
        }
    }

    /// All tables, in the order the index lists them.
    public mutating func tables() -> [Table] {
        inputs.sort { JSON.utf8Less($0.path, $1.path) }
        markDuplicates()
        // Reports grouped by agency (names normalized, aliases applied), shown under one name.
        var groups: [String: [Report]] = [:]
        for i in inputs where i.status == "report" {
            guard let r = i.report else { continue }
            groups[agencies.canonicalKey(r.agency ?? ""), default: []].append(r)
        }
        var reports: [Report] = []
        var crossYear: [(Report, Finding)] = []
        for key in groups.keys.sorted(by: JSON.utf8Less) {
            var members = groups[key]!
            let name = displayName(members)
            for i in members.indices { members[i].agency = members[i].agency == nil ? nil : name }
            if !key.isEmpty { crossYear += CrossYear.checks(agency: name, reports: members) }
            reports += members
        }
        reports.sort { ($0.agency ?? "", $0.year ?? 0, $0.path) < ($1.agency ?? "", $1.year ?? 0, $1.path) }
        // Same content as another file: said on the report that was kept.
        for i in inputs where i.status == "duplicate" {
            guard let firstPath = i.reason.components(separatedBy: "same content as ").last,
                  let kept = reports.first(where: { $0.path == firstPath }) else { continue }
            crossYear.append((kept, Finding(check: "duplicate_report", severity: .info,
                                            message: "\(i.path)与本报告内容完全相同（重复文件）", actual: .string(i.path))))
        }
        let named = Dictionary(reports.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        let findings = findingRows(reports, extra: crossYear.map { (named[$0.0.path] ?? $0.0, $0.1) })
        return [summary(reports, findings: findings), inventory(), reportsTable(reports), findingsTable(findings),
                findingsByAgency(reports, findings)]
    }

    /// A group's name: the alias table's canonical name, else the most frequent spelling.
    func displayName(_ members: [Report]) -> String {
        let names = members.compactMap(\.agency)
        for n in names { if let d = agencies.displayName(n) { return d } }
        var counts: [String: Int] = [:]
        for n in names { counts[n, default: 0] += 1 }
        return counts.max { a, b in a.value < b.value || (a.value == b.value && JSON.utf8Less(b.key, a.key)) }?.key ?? ""
    }

    /// A file whose bytes equal an earlier file's is a duplicate of it.
    mutating func markDuplicates() {
        var firstBySHA: [String: String] = [:]
        for i in inputs.indices {
            guard inputs[i].status == "report" || inputs[i].status == "not_a_report", let sha = inputs[i].sha256 else { continue }
            if let first = firstBySHA[sha] {
                inputs[i].status = "duplicate"
                inputs[i].reason = "same content as \(first)"
            } else {
                firstBySHA[sha] = inputs[i].path
            }
        }
    }

    static func text(_ s: String?) -> JSON { s.map(JSON.string) ?? .null }

    func inventory() -> Table {
        Table(
            name: "inventory", title: "输入文件清单 (inventory)",
            description: "Every file found in the corpus, read or not: status is report, not_a_report, duplicate or error, with the reason.",
            columns: [
                .init("path", "文件"), .init("status", "状态"), .init("reason", "原因"), .init("format", "格式"),
                .init("bytes", "字节数", "integer"), .init("sha256", "SHA-256"), .init("agency", "机关"), .init("year", "年度", "integer"),
            ],
            rows: inputs.map { i in
                [.string(i.path), .string(i.status), .string(i.reason), .string(i.format), .int(i.bytes),
                 Aggregator.text(i.sha256), Aggregator.text(i.report?.agency), i.report?.year.map(JSON.int) ?? .null]
            })
    }

    func reportsTable(_ reports: [Report]) -> Table {
        var columns: [Table.Column] = [
            .init("agency", "机关"), .init("year", "年度", "integer"), .init("path", "文件"),
            .init("format_active", "第二部分格式"), .init("format_apply", "第三部分格式"),
            .init("period_start", "统计起"), .init("period_end", "统计止"), .init("published", "落款日期"),
            .init("sections", "章节数", "integer"), .init("findings", "问题数", "integer"),
        ]
        for m in Catalog.metrics {
            columns.append(.init(m.id, "\(m.section) \(m.row)·\(m.column)", m.unit == "万元" ? "number" : "integer"))
        }
        let rows: [[JSON]] = reports.map { r in
            var row: [JSON] = [
                Aggregator.text(r.agency), r.year.map(JSON.int) ?? .null, .string(r.path),
                Aggregator.text(r.activeFormat), Aggregator.text(r.applyFormat),
                Aggregator.text(r.periodStart), Aggregator.text(r.periodEnd), Aggregator.text(r.published),
                .int(r.sections.count), .int(r.findings.count),
            ]
            for m in Catalog.metrics { row.append(r.values[m.id].flatMap { $0?.json } ?? .null) }
            return row
        }
        return Table(name: "reports", title: "各报告全部数值 (reports)",
                     description: "One row per report with every cell of the three standard tables, by metric id. A blank cell is empty, never 0; a table the report does not have leaves its columns empty.",
                     columns: columns, rows: rows)
    }

    struct FindingRow {
        var report: Report
        var finding: Finding
    }

    func findingRows(_ reports: [Report], extra: [(Report, Finding)]) -> [FindingRow] {
        var rows: [FindingRow] = []
        for r in reports { rows += r.findings.map { FindingRow(report: r, finding: $0) } }
        rows += extra.map { FindingRow(report: $0.0, finding: $0.1) }
        return rows.sorted { a, b in
            (a.finding.severity.rank, a.report.agency ?? "", a.report.year ?? 0, a.report.path, a.finding.check, a.finding.message)
                < (b.finding.severity.rank, b.report.agency ?? "", b.report.year ?? 0, b.report.path, b.finding.check, b.finding.message)
        }
    }

    func findingsByAgency(_ reports: [Report], _ findings: [FindingRow]) -> Table {
        var count: [String: [Int]] = [:]  // agency → reports, error, warning, info
        for r in reports { count[r.agency ?? "", default: [0, 0, 0, 0]][0] += 1 }
        for f in findings { count[f.report.agency ?? "", default: [0, 0, 0, 0]][1 + f.finding.severity.rank] += 1 }
        let rows = count.sorted { a, b in
            (-a.value[1], -a.value[2], -a.value[3], a.key) < (-b.value[1], -b.value[2], -b.value[3], b.key)
        }
        return Table(name: "findings_by_agency", title: "各机关问题数 (findings by agency)",
                     description: "How many findings each agency's reports raised, by severity; agencies with the most errors first.",
                     columns: [.init("agency", "机关"), .init("reports", "报告数", "integer"), .init("error", "错误", "integer"),
                               .init("warning", "警告", "integer"), .init("info", "提示", "integer")],
                     rows: rows.map { [.string($0.key), .int($0.value[0]), .int($0.value[1]), .int($0.value[2]), .int($0.value[3])] })
    }

    func findingsTable(_ rows: [FindingRow]) -> Table {
        Table(
            name: "findings", title: "检查发现的问题 (findings)",
            description: "Every finding of every report, most serious first (error, warning, info), then by agency, year and file.",
            columns: [
                .init("severity", "级别"), .init("agency", "机关"), .init("year", "年度", "integer"), .init("path", "文件"),
                .init("check", "检查项"), .init("message", "说明"), .init("cells", "涉及单元格"),
                .init("expected", "应为"), .init("actual", "实为"), .init("line", "行号", "integer"),
            ],
            rows: rows.map { f in
                [.string(f.finding.severity.rawValue), Aggregator.text(f.report.agency), f.report.year.map(JSON.int) ?? .null,
                 .string(f.report.path), .string(f.finding.check), .string(f.finding.message),
                 .string(f.finding.cells.joined(separator: " ")), Aggregator.scalar(f.finding.expected),
                 Aggregator.scalar(f.finding.actual), f.finding.line.map(JSON.int) ?? .null]
            })
    }

    /// A finding's figure as a table cell.
    static func scalar(_ v: JSON?) -> JSON {
        switch v {
        case nil, .null?: return .null
        case .array(let a)?: return .string(a.map { $0.stringValue ?? $0.serialized }.joined(separator: " "))
        case .object?, .ordered?: return .string(v!.serialized)
        case let other?: return other
        }
    }

    func summary(_ reports: [Report], findings: [FindingRow]) -> Table {
        var facts: [(String, String, JSON)] = []
        let statuses = ["report", "not_a_report", "duplicate", "error", "aliases"]
        facts.append(("files", "输入文件", .int(inputs.count)))
        for s in statuses {
            facts.append(("files_\(s)", "其中 \(s)", .int(inputs.filter { $0.status == s }.count)))
        }
        let agencies = Set(reports.compactMap(\.agency))
        facts.append(("agencies", "机关数", .int(agencies.count)))
        let years = Set(reports.compactMap(\.year)).sorted()
        facts.append(("years", "年度", .string(years.map(String.init).joined(separator: ", "))))
        for f in ["2019", "2021"] {
            facts.append(("format_apply_\(f)", "第三部分\(f)年版", .int(reports.filter { $0.applyFormat == f }.count)))
        }
        for s in Severity.allCases {
            facts.append(("findings_\(s.rawValue)", "问题（\(s.rawValue)）", .int(findings.filter { $0.finding.severity == s }.count)))
        }
        return Table(name: "summary", title: "概况 (summary)", description: "What was read, in figures.",
                     columns: [.init("key", "项目 id"), .init("label", "项目"), .init("value", "数值")],
                     rows: facts.map { [.string($0.0), .string($0.1), $0.2] })
    }
}
