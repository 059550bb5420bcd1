/// An immutable value on the heap, shared by the copies of what holds it.
final class Box<Value: Sendable>: Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Across reports: the inventory of every input, every report with its values,
/// every finding. Decides what the tables hold, never how they look.
public struct Aggregator {
    /// An input as the inventory lists it.
    public struct Input: Sendable {
        var path: String
        var sha256: String?
        var bytes: Int
        var format: String
        var encoding: String?
        public internal(set) var status: String
        var reason: String
        /// The report, held by reference: the inventory's array of every input then holds a
        /// pointer per file, not the whole struct (a value all the same: set makes a new box).
        private var box: Box<Report>?
        var report: Report? {
            get { box?.value }
            set { box = newValue.map(Box.init) }
        }
        /// Where the report's alternatives and sketches are (`InputCodec.decode(deferring:)`),
        /// until `takeDetail` reads them into it.
        var detail: InputCodec.Detail?
        /// The alias table, when this input is it.
        private var aliasBox: Box<Agencies>?
        var aliases: Agencies? {
            get { aliasBox?.value }
            set { aliasBox = newValue.map(Box.init) }
        }

        public init(path: String, sha256: String?, bytes: Int, format: String, encoding: String?,
                    status: String, reason: String, report: Report?) {
            self.path = path
            self.sha256 = sha256
            self.bytes = bytes
            self.format = format
            self.encoding = encoding
            self.status = status
            self.reason = reason
            self.report = report
        }

        /// Sets the report's `recordKey` (the fingerprint of the line it was read from).
        public mutating func setRecordKey(_ key: String) { report?.recordKey = key }

        /// Reads `detail` (if any) into the report; false if its bytes are not a whole one.
        mutating func takeDetail() -> Bool {
            guard let at = detail else { return true }
            detail = nil
            guard let bytes = at.bytes else { return false }
            guard var r = report else { return false }
            var reader = InputCodec.Reader(bytes)
            guard (try? InputCodec.readDetail(&reader, into: &r)) != nil, reader.i == reader.end else { return false }
            report = r
            return true
        }
    }

    var inputs: [Input] = []
    /// Whether the tables were built: building them hands the reports over to them (the
    /// inventory keeps only each input's agency and year), so they are built once.
    var built = false
    var agencies = Agencies()
    /// What building the tables read (the grouped reports, their findings and comparison
    /// entries), held by the aggregator once they are built instead of being let go at the
    /// end of `emitTables`: a stage that exits without releasing its aggregator leaves
    /// these hundreds of MB of small objects (at national scale) to the process's end,
    /// which frees them at once; freed one by one they took a tenth of a re-run.
    var spent: [Any] = []
    /// Each agency's findings across years from the run before (`--cache`), if kept.
    public var checkCache: CheckCache?

    public init() {}

    /// Takes one record from extract: a report, an error record passed through, or the alias table.
    public mutating func add(_ record: [String: JSON]) throws {
        var input = try Aggregator.input(from: record)
        // No line bytes here: the record's canonical serialization stands in for them.
        input.report?.recordKey = FastHash.hex(Array(JSON.object(record).serialized.utf8), salt: "record")
        add(input)
    }

    /// Adds an input read with `input(from:)` (which can run on any thread).
    public mutating func add(_ input: Input) {
        if let aliases = input.aliases { agencies = aliases }
        inputs.append(input)
    }

    /// Top-level members aggregate never reads: its reader can skip them.
    public static let unusedMembers: Set<String> = ["provenance"]

    /// A report record read straight from its bytes when it has the shape extract writes:
    /// its `values` go into their slots without a JSON value or key string made for each,
    /// its provenance is checked and skipped, the rest is parsed as always. Nil for any other
    /// line (another schema, an error, a repeated `values`, a value neither number nor null,
    /// damaged JSON): the general reader takes it. Where it answers, it answers what the
    /// general reader makes of the same bytes (tested).
    public static func fastInput(_ raw: [UInt8]) -> Input? {
        struct Unexpected: Error {}
        let parsed: (record: [String: JSON], values: MetricValues)? = raw.withUnsafeBufferPointer { buffer in
            var p = JSONParser(bytes: buffer)
            var record: [String: JSON] = [:]
            var values: MetricValues?
            do {
                p.skipWhitespace()
                guard p.index < buffer.count, buffer[p.index] == UInt8(ascii: "{") else { return nil }
                try p.forEachMember { p, key in
                    switch key {
                    case "provenance": try p.skipValue(depth: 1)
                    case "values":
                        guard values == nil else { throw Unexpected() }
                        values = try readValues(&p)
                    default: record[key] = try p.parseValue(depth: 1)
                    }
                }
                p.skipWhitespace()
                guard p.index == buffer.count else { return nil }
            } catch {
                return nil
            }
            guard let values else { return nil }
            return (record, values)
        }
        guard let parsed, Schema.reports.contains(where: { parsed.record["schema"] == .string($0) }), parsed.record["path"]?.stringValue != nil,
              parsed.record["error"] == nil || parsed.record["error"] == .null,
              var report = try? Report(json: parsed.record, values: parsed.values) else { return nil }
        report.provenance = [:]
        let reason = report.status == "not_a_report" ? (report.findings.first?.message ?? "") : ""
        return Input(path: report.path, sha256: report.sha256, bytes: report.bytes, format: report.sourceFormat,
                     encoding: nil, status: report.status, reason: reason, report: report)
    }

    /// `{"metric.id":number|null,…}` into slots, in order (the last of a repeated id wins).
    static func readValues(_ p: inout JSONParser) throws -> MetricValues {
        struct Unexpected: Error {}
        guard p.index < p.bytes.count, p.bytes[p.index] == UInt8(ascii: "{") else { throw Unexpected() }
        var values = MetricValues()
        p.index += 1
        p.skipWhitespace()
        if p.index < p.bytes.count, p.bytes[p.index] == UInt8(ascii: "}") { p.index += 1; return values }
        while true {
            p.skipWhitespace()
            guard p.index < p.bytes.count, p.bytes[p.index] == UInt8(ascii: "\"") else { throw Unexpected() }
            // A key without escapes is looked up on its bytes; any other is read as a string.
            let keyStart = p.index + 1
            var end = keyStart
            while end < p.bytes.count, p.bytes[end] != UInt8(ascii: "\""), p.bytes[end] != UInt8(ascii: "\\"), p.bytes[end] >= 0x20 { end += 1 }
            var slot: Int?
            var name: String?
            if end < p.bytes.count, p.bytes[end] == UInt8(ascii: "\""),
               let k = Catalog.metricIndex.lookup(UnsafeRawPointer(p.bytes.baseAddress! + keyStart), end - keyStart) {
                slot = k
                p.index = end + 1
            } else {
                name = try p.parseString()
            }
            p.skipWhitespace()
            guard p.index < p.bytes.count, p.bytes[p.index] == UInt8(ascii: ":") else { throw Unexpected() }
            p.index += 1
            p.skipWhitespace()
            guard p.index < p.bytes.count else { throw Unexpected() }
            let value: Quantity??
            let b = p.bytes[p.index]
            if b == UInt8(ascii: "n") {
                try p.expectLiteral("null")
                value = .some(nil)
            } else if b == UInt8(ascii: "-") || (0x30...0x39).contains(b) {
                value = .some(Quantity(try p.parseNumber()))
            } else {
                throw Unexpected()
            }
            if let slot { values.set(index: slot, value) } else if let name { values[name] = value }
            p.skipWhitespace()
            guard p.index < p.bytes.count else { throw Unexpected() }
            if p.bytes[p.index] == UInt8(ascii: ",") { p.index += 1; continue }
            if p.bytes[p.index] == UInt8(ascii: "}") { p.index += 1; return values }
            throw Unexpected()
        }
    }

    /// What one record from extract adds: a report, an error record passed through, or the alias table.
    public static func input(from record: [String: JSON]) throws -> Input {
        let schema = try Schema.require(record, oneOf: Schema.reports + [Schema.document, Schema.normalized], stage: "gongkai-aggregate")
        if Schema.reports.contains(schema) {
            var report = try Report(json: record)
            // Aggregate keeps what the tables and checks need, not each value's provenance:
            // memory must not grow with the corpus's text.
            report.provenance = [:]
            let reason = report.status == "not_a_report" ? (report.findings.first?.message ?? "") : ""
            return Input(path: report.path, sha256: report.sha256, bytes: report.bytes, format: report.sourceFormat,
                         encoding: nil, status: report.status, reason: reason, report: report)
        } else if record["format"]?.stringValue == "aliases", record["error"] == nil || record["error"] == .null {
            let aliases = Agencies(tsv: record["text"]?.stringValue ?? "")
            let problems = aliases.problems.isEmpty ? "" : "; ignored " + aliases.problems.joined(separator: "; ")
            var input = Input(path: record["path"]?.stringValue ?? "", sha256: record["sha256"]?.stringValue,
                              bytes: record["bytes"]?.intValue ?? 0, format: "aliases", encoding: record["encoding"]?.stringValue,
                              status: "aliases", reason: "agency alias table: \(aliases.count) aliases\(problems)", report: nil)
            input.aliases = aliases
            return input
        } else {
            let error = RecordError(json: record["error"])
            guard let error else {
                throw StageFailure("a \(schema) record without an error reached aggregate; run gongkai-extract first")
            }
            return Input(path: record["path"]?.stringValue ?? "", sha256: record["sha256"]?.stringValue,
                         bytes: record["bytes"]?.intValue ?? 0, format: record["format"]?.stringValue ?? "",
                         encoding: record["encoding"]?.stringValue,
                         status: "error", reason: "\(error.code): \(error.message)", report: nil)
        }
    }

    /// All tables, in the order the index lists them.
    public mutating func tables() -> [Table] {
        var out: [Table] = []
        emitTables { out.append($0.materialized) }
        return out
    }

    /// Builds the tables one after another and hands each to `emit`, so the caller
    /// can write it and let it go: memory holds the reports' values, not every table.
    /// Once per aggregator: the inputs added are what the tables are made of.
    public mutating func emitTables(_ emit: (Table) throws -> Void) rethrows {
        precondition(!built, "an Aggregator builds its tables once")
        built = true
        inputs.sort { JSON.utf8Less($0.path, $1.path) }
        markDuplicates()
        // Reports grouped by agency (names normalized, aliases applied), shown under one name.
        // Each distinct spelling's key is worked out once (on both cores) and each key looked
        // up once: a Chinese name hashed as a String is normalized first. Groups hold positions.
        var spellingIndex: [Labels.BytesKey: Int] = [:]
        spellingIndex.reserveCapacity(inputs.count)
        var spellings: [String] = []
        var spellingOf: [(input: Int, spelling: Int)] = []
        for (k, i) in inputs.enumerated() where i.status == "report" {
            guard let r = i.report else { continue }
            let name = r.agency ?? ""
            if let s = spellingIndex[Labels.BytesKey(name)] {
                spellingOf.append((k, s))
            } else {
                spellingIndex[Labels.BytesKey(name)] = spellings.count
                spellingOf.append((k, spellings.count))
                spellings.append(name)
            }
        }
        let agencies = self.agencies
        let spellingKeys = Parallel.map(spellings) { agencies.canonicalKey($0) }
        var groupOfKey: [String: Int] = [:]
        var groupKeys: [String] = []
        let groupOfSpelling = spellingKeys.map { key -> Int in
            if let g = groupOfKey[key] { return g }
            groupOfKey[key] = groupKeys.count
            groupKeys.append(key)
            return groupKeys.count - 1
        }
        var groupMembers = [[Int]](repeating: [], count: groupKeys.count)
        for (input, s) in spellingOf { groupMembers[groupOfSpelling[s]].append(input) }
        // Each agency's reports named and checked across years on both cores.
        // An agency whose name and reports are unchanged since the run before takes its
        // findings across years from the check cache, and its reports' sketches and
        // alternatives (which only those checks read) are never made.
        let held = inputs
        let checkCache = self.checkCache
        typealias Checked = (members: [Report], findings: [(Report, Finding)], kept: (key: CheckCache.Key, entry: [UInt8], reused: Bool)?)
        let checked = Parallel.map(groupKeys.indices.sorted { JSON.utf8Less(groupKeys[$0], groupKeys[$1]) }) { g -> Checked in
            var members = groupMembers[g].map { held[$0].report! }
            let name = displayName(members)
            for i in members.indices where members[i].agency != nil && Labels.BytesKey(members[i].agency!) != Labels.BytesKey(name) {
                members[i].agency = name
            }
            var findings: [(Report, Finding)] = []
            var kept: (key: CheckCache.Key, entry: [UInt8], reused: Bool)?
            let key = groupKeys[g].isEmpty ? nil : checkCache?.key(name: name, members)
            if let key, let cached = checkCache?.findings(key, count: members.count) {
                findings = cached.map { (members[$0.report], $0.finding) }
                kept = (key, CheckCache.entry(cached), true)
            } else if !groupKeys[g].isEmpty {
                var complete = true
                for (i, k) in groupMembers[g].enumerated() where held[k].detail != nil {
                    var input = held[k]
                    input.report = members[i]
                    if !input.takeDetail() {
                        complete = false
                        Stage.note("gongkai-aggregate", "the cached reading of \(input.path) changed during the run (another run using the same cache?): its agency's checks across years may miss; run again")
                    }
                    members[i] = input.report!
                }
                findings = CrossYear.checks(agency: name, reports: members)
                // Kept for the next run (each finding's report by its place among the agency's
                // reports), unless a report's reading was not whole.
                let places = findings.compactMap { f in members.firstIndex { $0.path == f.0.path } }
                if let key, complete, places.count == findings.count {
                    kept = (key, CheckCache.entry(zip(places, findings).map { ($0.0, $0.1.1) }), false)
                }
            }
            // The sketches of sections 一 and 五 serve only the checks across years.
            for i in members.indices where !members[i].fingerprints.isEmpty { members[i].fingerprints = [:] }
            for i in findings.indices where !findings[i].0.fingerprints.isEmpty { findings[i].0.fingerprints = [:] }
            return (members, findings, kept)
        }
        if let checkCache {
            for c in checked { if let k = c.kept { checkCache.keep(k.key, entry: k.entry, reused: k.reused) } }
        }
        let duplicates = inputs.filter { $0.status == "duplicate" }
        // From here the inventory needs only each input's agency and year: the values,
        // findings and sketches are held once, by the grouped reports. The inputs are made
        // so on another core (which then frees what only they held, 100,000 reports' worth),
        // while the reports are put in order; the job holds the only copy of them.
        inputs = []
        let handoff = Handoff(consume held)
        let listing = Parallel.Job { () -> [Input] in
            var all = handoff.inputs
            handoff.inputs = []
            for k in all.indices {
                all[k].detail = nil
                guard let r = all[k].report else { continue }
                var listed = Report(path: r.path, sha256: nil, bytes: 0, sourceFormat: "")
                listed.agency = r.agency
                listed.year = r.year
                all[k].report = listed
            }
            return all
        }
        var reports: [Report] = []
        reports.reserveCapacity(checked.reduce(0) { $0 + $1.0.count })
        var crossYear: [(Report, Finding)] = []
        for c in checked {
            reports += c.members
            crossYear += c.findings
        }
        Aggregator.sortByAgencyYearPath(&reports)
        // Same content as another file: said on the report that was kept.
        // Reports by path, as positions (a dictionary of reports would copy each one).
        var position: [String: Int] = [:]
        position.reserveCapacity(reports.count)
        for (k, r) in reports.enumerated() where position[r.path] == nil { position[r.path] = k }
        for i in duplicates {
            guard let firstPath = i.reason.components(separatedBy: "same content as ").last,
                  let k = position[firstPath] else { continue }
            let kept = reports[k]
            crossYear.append((kept, Finding(check: "duplicate_report", severity: .info,
                                            message: "\(i.path)与本报告内容完全相同（重复文件）", actual: .string(i.path))))
        }
        let findings = findingRows(reports, extra: crossYear.map { (position[$0.0.path].map { reports[$0] } ?? $0.0, $0.1) })
        // Each table's columns are kept for the data dictionary, which comes last.
        var columnsOnly: [Table] = []
        func send(_ t: Table) throws {
            try emit(t)
            columnsOnly.append(Table(name: t.name, title: t.title, description: "", columns: t.columns, rows: []))
        }
        // The comparison tables' entries are worked out on another core while the tables
        // before them are made and written.
        var errors: [String: Int] = [:]
        for f in findings where f.finding.severity == .error { errors[f.report.path, default: 0] += 1 }
        let sorted = reports, errorCounts = errors
        // The year-over-year table is laid out (and its agencies' keys worked out) as soon as
        // the entries are made, on another core, while the tables before it are made and written.
        let entries = Parallel.Job { () -> ([Compare.Entry], Parallel.Job<Table>) in
            let entries = Compare.entries(sorted, errors: errorCounts)
            return (entries, Parallel.Job { Compare.yoyTable(entries) })
        }
        inputs = listing.wait()
        try send(summary(reports, findings: findings))
        try send(inventory())
        try send(Compare.unreadTable(inputs))
        try send(reportsTable(reports))
        try send(findingsTable(findings))
        try send(findingsByAgency(reports, findings))
        let (compared, yoy) = entries.wait()
        try comparisons(compared, yoy: yoy, send)
        try send(Compare.dictionary(columnsOnly))
        spent = [reports, checked, findings, crossYear, compared]
    }

    /// The comparison tables: per year every agency, one kind of department across
    /// regions, section 二 per format; then each agency's years.
    /// Each comparison table is handed to `emit` as soon as it is built, so only one
    /// is held at a time.
    func comparisons(_ entries: [Compare.Entry], yoy: Parallel.Job<Table>, _ emit: (Table) throws -> Void) rethrows {
        // Two years' tables built at once, one on each core (only those are held), written in order.
        let years = Set(entries.map(\.year)).sorted()
        for first in stride(from: 0, to: years.count, by: 2) {
            let built = Parallel.map(Array(years[first..<min(first + 2, years.count)])) { year -> [Table] in
                var tables = [Compare.compareTable(year: year, entries), Compare.kindTable(year: year, entries)]
                for format in ["2019", "2021"] where entries.contains(where: { $0.year == year && $0.report.activeFormat == format }) {
                    tables.append(Compare.activeTable(year: year, format: format, entries))
                }
                // A re-run copies the year's tables when nothing they are made from changed.
                let key = Compare.yearKey(year: year, entries)
                for k in tables.indices { tables[k].contentKey = key }
                return tables
            }
            for table in built.joined() { try emit(table) }
        }
        try emit(yoy.wait())
    }

    /// Sorts as `(agency ?? "", year ?? 0, path) <` and a stable sort would (the order
    /// reports come in breaks ties), each distinct name compared once: Chinese names are
    /// compared through Unicode normalization, a sort of every report would do it ~20 times a name.
    static func sortByAgencyYearPath(_ reports: inout [Report]) {
        var nameIndex: [Labels.BytesKey: Int] = [:]
        var names: [String] = []
        var nameOf: [Int] = []
        nameOf.reserveCapacity(reports.count)
        for r in reports {
            let name = r.agency ?? ""
            if let k = nameIndex[Labels.BytesKey(name)] {
                nameOf.append(k)
            } else {
                nameIndex[Labels.BytesKey(name)] = names.count
                nameOf.append(names.count)
                names.append(name)
            }
        }
        // Names equal as strings (the same text, composed differently) share a rank.
        let byName = names.indices.sorted { names[$0] < names[$1] }
        var rank = [Int](repeating: 0, count: names.count)
        var r = 0
        for (k, n) in byName.enumerated() {
            if k > 0 && names[byName[k - 1]] < names[n] { r += 1 }
            rank[n] = r
        }
        let order = reports.indices.sorted { a, b in
            let ra = rank[nameOf[a]], rb = rank[nameOf[b]]
            if ra != rb { return ra < rb }
            let ya = reports[a].year ?? 0, yb = reports[b].year ?? 0
            if ya != yb { return ya < yb }
            let pa = reports[a].path, pb = reports[b].path
            if pa != pb { return pa < pb }
            return a < b
        }
        reports = order.map { reports[$0] }
    }

    /// Inputs handed to another thread, which takes them (the only reference) out.
    final class Handoff: @unchecked Sendable {
        var inputs: [Input]
        init(_ inputs: [Input]) { self.inputs = inputs }
    }

    /// A group's name: the alias table's canonical name, else the most frequent spelling.
    func displayName(_ members: [Report]) -> String {
        let names = members.compactMap(\.agency)
        for n in names { if let d = agencies.displayName(n) { return d } }
        // One spelling (nearly every agency): it is the most frequent.
        if let first = names.first, names.allSatisfy({ Labels.BytesKey($0) == Labels.BytesKey(first) }) { return first }
        var counts: [String: Int] = [:]
        for n in names { counts[n, default: 0] += 1 }
        return counts.max { a, b in a.value < b.value || (a.value == b.value && JSON.utf8Less(b.key, a.key)) }?.key ?? ""
    }

    /// A file whose bytes equal an earlier file's is a duplicate of it.
    mutating func markDuplicates() {
        var firstBySHA: [String: String] = [:]
        firstBySHA.reserveCapacity(inputs.count)  // (not rehashed as it grows)
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
                .init("path", "文件", definition: "相对语料文件夹的路径，以 / 分隔"),
                .init("status", "状态", definition: "report（读出报告）、not_a_report（不是年度报告）、duplicate（与前一文件字节相同）、error（无法读取）或 aliases（机关别名表）"),
                .init("reason", "原因", definition: "不是 report 时的原因：error 为“原因代码: 说明”，duplicate 为与之相同的文件"),
                .init("format", "格式", definition: "文件格式：text、markdown，或识别出的不支持格式（pdf、docx、html、image…）"),
                .init("bytes", "字节数", "integer", definition: "文件大小（字节）"),
                .init("sha256", "SHA-256", definition: "文件内容的 SHA-256（十六进制）；无法读取时为空"),
                .init("agency", "机关", definition: "报告标题中的机关（归并后的显示名）"),
                .init("year", "年度", "integer", definition: "报告年度"),
            ],
            rows: [],
            rowSource: Aggregator.inventoryRows(inputs))
    }

    /// The inventory's rows, made when written, or written straight to bytes (the bytes of
    /// `JSON.array(row).write`, without making a cell of the 100,000 rows' 800).
    static func inventoryRows(_ inputs: [Input]) -> Table.RowSource {
        Table.RowSource(count: inputs.count, row: { k in
            let i = inputs[k]
            return [.string(i.path), .string(i.status), .string(i.reason), .string(i.format), .int(i.bytes),
                    Aggregator.text(i.sha256), Aggregator.text(i.report?.agency), i.report?.year.map(JSON.int) ?? .null]
        }, bytes: { k, out in
            let i = inputs[k]
            out.append(UInt8(ascii: "["))
            for s in [i.path, i.status, i.reason, i.format] {
                JSON.writeString(s, to: &out)
                out.append(UInt8(ascii: ","))
            }
            out.append(utf8: String(i.bytes))
            for s in [i.sha256, i.report?.agency] {
                out.append(UInt8(ascii: ","))
                if let s { JSON.writeString(s, to: &out) } else { out.append(contentsOf: JSONBytes.null) }
            }
            out.append(UInt8(ascii: ","))
            if let year = i.report?.year { out.append(utf8: String(year)) } else { out.append(contentsOf: JSONBytes.null) }
            out.append(UInt8(ascii: "]"))
        })
    }

    func reportsTable(_ reports: [Report]) -> Table {
        var columns: [Table.Column] = [
            Compare.agencyColumn, Compare.yearColumn, Compare.pathColumn, Compare.formatActiveColumn, Compare.formatApplyColumn,
            .init("period_start", "统计起", definition: "报告所述统计期限的起始日（ISO 日期）；未写明为空"),
            .init("period_end", "统计止", definition: "统计期限的截止日；未写明为空"),
            .init("published", "落款日期", definition: "报告末尾落款的日期（不是“印发”日期）；没有落款为空"),
            .init("sections", "章节数", "integer", definition: "找到的章节（一至六）个数"),
            .init("findings", "问题数", "integer", definition: "该报告本身的检查结果条数（不含跨年度检查），见 findings"),
        ]
        for m in Catalog.metrics { columns.append(Compare.metricColumn(m.id)) }
        // Rows made when written: a table of every report is never held whole.
        func leading(_ r: Report) -> [JSON] {
            [
                Aggregator.text(r.agency), r.year.map(JSON.int) ?? .null, .string(r.path),
                Aggregator.text(r.activeFormat), Aggregator.text(r.applyFormat),
                Aggregator.text(r.periodStart), Aggregator.text(r.periodEnd), Aggregator.text(r.published),
                .int(r.sections.count), .int(r.findings.count),
            ]
        }
        let metricCount = Catalog.metrics.count
        // Written straight to bytes too: a value's digits as the report record writes them,
        // not a JSON number made for each of the table's 200 value cells.
        let source = Table.RowSource(count: reports.count, row: { i in
            let r = reports[i]
            var row = leading(r)
            row.reserveCapacity(row.count + metricCount)
            for k in 0..<metricCount { row.append(r.values[index: k].flatMap { $0?.json } ?? .null) }
            return row
        }, bytes: { i, out in
            let r = reports[i]
            out.append(UInt8(ascii: "["))
            for (n, cell) in leading(r).enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                cell.write(to: &out)
            }
            for k in 0..<metricCount {
                out.append(UInt8(ascii: ","))
                if let v = r.values[index: k], let q = v { Report.write(q, to: &out) } else { out.append(contentsOf: JSONBytes.null) }
            }
            out.append(UInt8(ascii: "]"))
        })
        var table = Table(name: "reports", title: "各报告全部数值 (reports)",
                          description: "One row per report with every cell of the three standard tables, by metric id. A blank cell is empty, never 0; a table the report does not have leaves its columns empty.",
                          columns: columns, rows: [])
        table.rowSource = source
        // One record per agency (its reports are together), keyed by everything its rows are
        // made from: a re-run copies the records of agencies whose reports did not change.
        var ranges: [Range<Int>] = []
        var start = 0
        for i in reports.indices.dropFirst() where reports[i].agency != reports[start].agency {
            ranges.append(start..<i)
            start = i
        }
        if !reports.isEmpty { ranges.append(start..<reports.count) }
        // The rows are made from the agency's display name and its reports' records alone.
        let keys = ranges.map { Aggregator.groupKey(name: reports[$0.lowerBound].agency, reports[$0]) }
        table.groupKeys = zip(ranges, keys).map { Table.GroupKey(rows: $0.0, key: $0.1) }
        return table
    }

    /// The key of a group of rows made from `reports` shown under `name`: the name and
    /// each report's record key, in order. Nil when a report has no record key.
    static func groupKey<C: Collection>(name: String?, _ reports: C) -> String? where C.Element == Report {
        groupContent(name: name, reports)?.hex
    }

    /// What `groupKey` hashes (the findings cache hashes it with its own salt).
    static func groupContent<C: Collection>(name: String?, _ reports: C) -> ContentKey? where C.Element == Report {
        var k = ContentKey()
        k.add(name)
        for r in reports {
            guard let key = r.recordKey else { return nil }
            k.add(key)
        }
        return k
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
        // agency → reports, error, warning, info (agencies as a [String: [Int]] would tell them apart)
        var numbers = NameNumbers()
        var counts: [[Int]] = []
        func add(_ agency: String?, _ k: Int) {
            let n = numbers.number(agency ?? "")
            if n == counts.count { counts.append([0, 0, 0, 0]) }
            counts[n][k] += 1
        }
        for r in reports { add(r.agency, 0) }
        for f in findings { add(f.report.agency, 1 + f.finding.severity.rank) }
        let rows: [(key: String, value: [Int])] = zip(numbers.names, counts).map { (key: $0.0, value: $0.1) }.sorted { a, b in
            (-a.value[1], -a.value[2], -a.value[3], a.key) < (-b.value[1], -b.value[2], -b.value[3], b.key)
        }
        return Table(name: "findings_by_agency", title: "各机关问题数 (findings by agency)",
                     description: "How many findings each agency's reports raised, by severity; agencies with the most errors first.",
                     columns: [Compare.agencyColumn, .init("reports", "报告数", "integer", definition: "该机关读出的报告份数"),
                               .init("error", "错误", "integer", definition: "error 级检查结果条数"),
                               .init("warning", "警告", "integer", definition: "warning 级检查结果条数"),
                               .init("info", "提示", "integer", definition: "info 级检查结果条数")],
                     rows: rows.map { [.string($0.key), .int($0.value[0]), .int($0.value[1]), .int($0.value[2]), .int($0.value[3])] })
    }

    func findingsTable(_ rows: [FindingRow]) -> Table {
        Table(
            name: "findings", title: "检查发现的问题 (findings)",
            description: "Every finding of every report, most serious first (error, warning, info), then by agency, year and file.",
            columns: [
                .init("severity", "级别", definition: "error（数字自相矛盾）、warning（格式不合或数据缺失）、info（值得一看）"),
                Compare.agencyColumn, Compare.yearColumn, Compare.pathColumn,
                .init("check", "检查项", definition: "检查的名称（balance、row_total、blank_cells、application_carry…，见 README）"),
                .init("message", "说明", definition: "中文说明，可直接用于通知"),
                .init("cells", "涉及单元格", definition: "涉及的指标 id，以空格分隔"),
                .init("expected", "应为", definition: "按勾稽关系应有的数"),
                .init("actual", "实为", definition: "报告实际填写的数"),
                .init("line", "行号", "integer", definition: "问题所在的行（解码后文本的行号）"),
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
            facts.append(("files_\(s)", "其中 \(s)", .int(inputs.reduce(0) { $0 + ($1.status == s ? 1 : 0) })))
        }
        var agencies = NameNumbers()  // (as a Set of the names would count them)
        for r in reports { if let a = r.agency { _ = agencies.number(a) } }
        facts.append(("agencies", "机关数", .int(agencies.names.count)))
        let years = Set(reports.compactMap(\.year)).sorted()
        facts.append(("years", "年度", .string(years.map(String.init).joined(separator: ", "))))
        facts.append(("reports", "报告份数", .int(reports.count)))
        for f in ["2019", "2021"] {
            facts.append(("format_active_\(f)", "第二部分\(f)年版", .int(reports.reduce(0) { $0 + ($1.activeFormat == f ? 1 : 0) })))
        }
        facts.append(("format_active_none", "第二部分无表", .int(reports.reduce(0) { $0 + ($1.activeFormat == nil ? 1 : 0) })))
        for f in ["2019", "2021"] {
            facts.append(("format_apply_\(f)", "第三部分\(f)年版", .int(reports.reduce(0) { $0 + ($1.applyFormat == f ? 1 : 0) })))
        }
        facts.append(("format_apply_none", "第三部分无表", .int(reports.reduce(0) { $0 + ($1.applyFormat == nil ? 1 : 0) })))
        for s in Severity.allCases {
            facts.append(("findings_\(s.rawValue)", "问题（\(s.rawValue)）", .int(findings.reduce(0) { $0 + ($1.finding.severity == s ? 1 : 0) })))
        }
        return Table(name: "summary", title: "概况 (summary)", description: "What was read, in figures.",
                     columns: [.init("key", "项目 id", definition: "项目的机器名（files、files_error、agencies、years、format_apply_2021…）"),
                               .init("label", "项目", definition: "项目的中文名"),
                               .init("value", "数值", definition: "该项目的数值；年度为以逗号分隔的列表")],
                     rows: facts.map { [.string($0.0), .string($0.1), $0.2] })
    }
}
