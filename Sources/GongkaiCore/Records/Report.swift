/// How serious a finding is (CHECKS.md).
public enum Severity: String, Sendable, CaseIterable, Comparable {
    /// The report contradicts itself or the law.
    case error
    /// The report departs from the prescribed format or leaves data out.
    case warning
    /// Worth a look, not wrong in itself.
    case info

    public var rank: Int { Severity.allCases.firstIndex(of: self)! }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// One problem an inspector would raise about a report. Data, not a log line.
public struct Finding: Equatable, Sendable {
    /// The check id from CHECKS.md (`balance`, `blank_cells`, …).
    public var check: String
    public var severity: Severity
    /// A sentence in Chinese an inspector could paste into a notice.
    public var message: String
    /// Metric ids of the cells involved.
    public var cells: [String]
    public var expected: JSON?
    public var actual: JSON?
    /// Normalized line number the finding points at, when there is one.
    public var line: Int?

    public init(check: String, severity: Severity, message: String, cells: [String] = [],
                expected: JSON? = nil, actual: JSON? = nil, line: Int? = nil) {
        self.check = check
        self.severity = severity
        self.message = message
        self.cells = cells
        self.expected = expected
        self.actual = actual
        self.line = line
    }

    public var json: JSON {
        var o: [(String, JSON)] = [
            ("check", .string(check)),
            ("severity", .string(severity.rawValue)),
            ("message", .string(message)),
            ("cells", .array(cells.map(JSON.string))),
        ]
        if let expected { o.append(("expected", expected)) }
        if let actual { o.append(("actual", actual)) }
        if let line { o.append(("line", .int(line))) }
        return JSON.sortedObject(o)
    }

    public init(json: JSON) {
        check = json["check"]?.stringValue ?? ""
        severity = Severity(rawValue: json["severity"]?.stringValue ?? "") ?? .info
        message = json["message"]?.stringValue ?? ""
        cells = (json["cells"]?.arrayValue ?? []).compactMap(\.stringValue)
        expected = json["expected"].flatMap { $0.isNull ? nil : $0 }
        actual = json["actual"].flatMap { $0.isNull ? nil : $0 }
        line = json["line"]?.intValue
    }
}

/// Where a value came from: the normalized line and the raw cell text.
public struct Provenance: Equatable, Sendable {
    public var line: Int
    public var text: String

    public init(line: Int, text: String) {
        self.line = line
        self.text = text
    }

    public var json: JSON { .ordered([JSON.Member("line", .int(line)), JSON.Member("text", .string(text))]) }

    /// In a record: the line number alone when the text is `value` as written (most cells),
    /// else `{"line", "text"}`. Read back, a line alone has that text again.
    func json(value: Quantity??) -> JSON { Provenance.isPlain(text, value) ? .int(line) : json }

    /// Whether `text` is `value`'s digits as a record writes them (`scratch`: a buffer to reuse).
    static func isPlain(_ text: String, _ value: Quantity??, scratch: inout [UInt8]) -> Bool {
        guard case .some(.some(let q)) = value, !text.isEmpty, text.utf8.count <= 40 else { return false }
        scratch.removeAll(keepingCapacity: true)
        Report.write(q, to: &scratch)
        return text.utf8.elementsEqual(scratch)
    }

    static func isPlain(_ text: String, _ value: Quantity??) -> Bool {
        var scratch: [UInt8] = []
        return isPlain(text, value, scratch: &scratch)
    }
}

/// Cells whose run-together digits allow several readings, none of which the
/// table's identities single out: the cells stay blank; the readings are kept.
public struct Alternative: Equatable, Sendable {
    public var cells: [String]
    /// Each reading gives one value per cell, in `cells` order.
    public var readings: [[Int64]]

    public init(cells: [String], readings: [[Int64]]) {
        self.cells = cells
        self.readings = readings
    }

    /// At most this many readings are kept in a record.
    public static let maxReadings = 1000

    public var json: JSON {
        .ordered([JSON.Member("cells", .array(cells.map(JSON.string))),
                  JSON.Member("readings", .array(readings.map { .array($0.map { .number(String($0)) }) }))])
    }

    public init(json: JSON) {
        cells = (json["cells"]?.arrayValue ?? []).compactMap(\.stringValue)
        readings = (json["readings"]?.arrayValue ?? []).map { ($0.arrayValue ?? []).compactMap { $0.intValue.map(Int64.init) } }
    }
}

/// What extract reads from one document.
///
/// A value all the same, held on the heap: a copy costs one reference count instead of one
/// for each of its ~20 strings and arrays (aggregate copies reports as it groups, sorts and
/// compares them); the first change to a shared copy copies the fields.
public struct Report: Equatable, Sendable {
    struct Fields: Equatable, Sendable {
        var path: String
        var sha256: String?
        var bytes: Int
        var sourceFormat: String
        var status: String
        var agency: String?
        var year: Int?
        var activeFormat: String?
        var applyFormat: String?
        var periodStart: String?
        var periodEnd: String?
        var published: String?
        var sections: [String]
        var values: MetricValues
        var provenance: MetricMap<Provenance>
        var alternatives: [Alternative]
        var fingerprints: [String: [UInt32]]
        var findings: [Finding]
        var recordKey: String?
    }
    /// Changed only while uniquely referenced (`makeUnique`), so shared copies never see a change.
    final class Storage: @unchecked Sendable {
        var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }
    private var storage: Storage

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.fields) }
    }

    public static func == (a: Report, b: Report) -> Bool {
        a.storage === b.storage || a.storage.fields == b.storage.fields
    }

    public var path: String {
        _read { yield storage.fields.path }
        _modify { makeUnique(); yield &storage.fields.path }
    }

    public var sha256: String? {
        _read { yield storage.fields.sha256 }
        _modify { makeUnique(); yield &storage.fields.sha256 }
    }

    public var bytes: Int {
        _read { yield storage.fields.bytes }
        _modify { makeUnique(); yield &storage.fields.bytes }
    }

    public var sourceFormat: String {
        _read { yield storage.fields.sourceFormat }
        _modify { makeUnique(); yield &storage.fields.sourceFormat }
    }

    /// `report`, or `not_a_report` when the text is no annual report at all.
    public var status: String {
        _read { yield storage.fields.status }
        _modify { makeUnique(); yield &storage.fields.status }
    }

    public var agency: String? {
        _read { yield storage.fields.agency }
        _modify { makeUnique(); yield &storage.fields.agency }
    }

    public var year: Int? {
        _read { yield storage.fields.year }
        _modify { makeUnique(); yield &storage.fields.year }
    }

    /// Section 二's table format (`"2019"`/`"2021"`), nil when the table is absent.
    public var activeFormat: String? {
        _read { yield storage.fields.activeFormat }
        _modify { makeUnique(); yield &storage.fields.activeFormat }
    }

    /// Section 三's table format, nil when absent.
    public var applyFormat: String? {
        _read { yield storage.fields.applyFormat }
        _modify { makeUnique(); yield &storage.fields.applyFormat }
    }

    public var periodStart: String? {
        _read { yield storage.fields.periodStart }
        _modify { makeUnique(); yield &storage.fields.periodStart }
    }

    public var periodEnd: String? {
        _read { yield storage.fields.periodEnd }
        _modify { makeUnique(); yield &storage.fields.periodEnd }
    }

    public var published: String? {
        _read { yield storage.fields.published }
        _modify { makeUnique(); yield &storage.fields.published }
    }

    /// The sections found, as their numerals (`一` … `六`).
    public var sections: [String] {
        _read { yield storage.fields.sections }
        _modify { makeUnique(); yield &storage.fields.sections }
    }

    /// Every cell of every standard table present, by metric id; nil is a blank cell.
    public var values: MetricValues {
        _read { yield storage.fields.values }
        _modify { makeUnique(); yield &storage.fields.values }
    }

    public var provenance: MetricMap<Provenance> {
        _read { yield storage.fields.provenance }
        _modify { makeUnique(); yield &storage.fields.provenance }
    }

    /// Readings of blank cells whose digits were run together (see `Alternative`).
    public var alternatives: [Alternative] {
        _read { yield storage.fields.alternatives }
        _modify { makeUnique(); yield &storage.fields.alternatives }
    }

    /// Sketches of sections 一 and 五 (`Fingerprint`), to find text copied from year to year.
    public var fingerprints: [String: [UInt32]] {
        _read { yield storage.fields.fingerprints }
        _modify { makeUnique(); yield &storage.fields.fingerprints }
    }

    public var findings: [Finding] {
        _read { yield storage.fields.findings }
        _modify { makeUnique(); yield &storage.fields.findings }
    }

    /// Aggregate's fingerprint of the record line this report was read from (never
    /// written): equal keys, equal records, so a table row made from it is unchanged.
    public var recordKey: String? {
        _read { yield storage.fields.recordKey }
        _modify { makeUnique(); yield &storage.fields.recordKey }
    }

    public init(path: String, sha256: String?, bytes: Int, sourceFormat: String) {
        storage = Storage(Fields(path: path, sha256: sha256, bytes: bytes, sourceFormat: sourceFormat, status: "report",
                                 agency: nil, year: nil, activeFormat: nil, applyFormat: nil, periodStart: nil,
                                 periodEnd: nil, published: nil, sections: [], values: [:], provenance: [:],
                                 alternatives: [], fingerprints: [:], findings: [], recordKey: nil))
    }

    public var json: JSON {
        // Catalog ids in byte order: the two large objects are written without sorting.
        var values: [JSON.Member] = []
        var provenance: [JSON.Member] = []
        values.reserveCapacity(self.values.count)
        for (id, i) in Catalog.sortedMetricSlots {
            if let v = self.values[index: i] { values.append(JSON.Member(id, v?.json ?? .null)) }
            if let p = self.provenance[index: i] { provenance.append(JSON.Member(id, p.json(value: self.values[index: i]))) }
        }
        // Ids outside the catalog (none today) still go out, sorted.
        if values.count < self.values.count || provenance.count < self.provenance.count {
            values = self.values.sorted { JSON.utf8Less($0.key, $1.key) }.map { JSON.Member($0.key, $0.value?.json ?? .null) }
            provenance = self.provenance.sorted { JSON.utf8Less($0.key, $1.key) }.map { JSON.Member($0.key, $0.value.json(value: self.values[$0.key])) }
        }
        let period: JSON = periodStart.map { start in
            .object(["start": .string(start), "end": periodEnd.map(JSON.string) ?? .null])
        } ?? .null
        return JSON.sortedObject([
            ("schema", .string(Schema.report)),
            ("path", .string(path)),
            ("sha256", sha256.map(JSON.string) ?? .null),
            ("bytes", .int(bytes)),
            ("source_format", .string(sourceFormat)),
            ("status", .string(status)),
            ("agency", agency.map(JSON.string) ?? .null),
            ("year", year.map(JSON.int) ?? .null),
            ("format", .object(["active": activeFormat.map(JSON.string) ?? .null, "apply": applyFormat.map(JSON.string) ?? .null])),
            ("period", period),
            ("published", published.map(JSON.string) ?? .null),
            ("sections", .array(sections.map(JSON.string))),
            ("values", .ordered(values)),
            ("provenance", .ordered(provenance)),
            ("alternatives", .array(alternatives.map(\.json))),
            ("fingerprints", .object(fingerprints.mapValues { .array($0.map { .number(String($0)) }) })),
            ("findings", .array(findings.map(\.json))),
        ])
    }

    /// The bytes of `json` written, without building it: the two large objects (a member
    /// per metric) go straight from their slots, each id's `"id":` written once for all
    /// reports. Tested to equal `json` byte for byte; ids outside the catalog take `json`.
    public func write(to out: inout [UInt8]) {
        guard values.extra.isEmpty, provenance.extra.isEmpty else { return json.write(to: &out) }
        let period: JSON = periodStart.map { start in
            .object(["start": .string(start), "end": periodEnd.map(JSON.string) ?? .null])
        } ?? .null
        // Nil marks those written here (the slots, the sketches); put in key byte order as `JSON.sortedObject` does.
        var members: [(String, JSON?)] = []
        members.reserveCapacity(17)
        let formatJSON: JSON = .object(["active": activeFormat.map(JSON.string) ?? .null, "apply": applyFormat.map(JSON.string) ?? .null])
        members += [
            ("agency", agency.map(JSON.string) ?? .null),
            ("alternatives", .array(alternatives.map(\.json))),
            ("bytes", .int(bytes)),
            ("fingerprints", nil),
            ("findings", .array(findings.map(\.json))),
            ("format", formatJSON),
            ("path", .string(path)),
            ("period", period),
            ("provenance", nil),
            ("published", published.map(JSON.string) ?? .null),
            ("schema", .string(Schema.report)),
            ("sections", .array(sections.map(JSON.string))),
            ("sha256", sha256.map(JSON.string) ?? .null),
            ("source_format", .string(sourceFormat)),
            ("status", .string(status)),
            ("values", nil),
            ("year", year.map(JSON.int) ?? .null),
        ]
        members.sort { JSON.utf8Less($0.0, $1.0) }
        out.append(UInt8(ascii: "{"))
        for (n, (key, value)) in members.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            JSON.writeString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            if let value { value.write(to: &out); continue }
            out.append(UInt8(ascii: "{"))
            if key == "fingerprints" {
                // Sections in key byte order, each sketch's numbers written as their digits.
                for (n, (section, sketch)) in fingerprints.sorted(by: { JSON.utf8Less($0.key, $1.key) }).enumerated() {
                    if n > 0 { out.append(UInt8(ascii: ",")) }
                    JSON.writeString(section, to: &out)
                    out.append(UInt8(ascii: ":"))
                    out.append(UInt8(ascii: "["))
                    for (k, h) in sketch.enumerated() {
                        if k > 0 { out.append(UInt8(ascii: ",")) }
                        Report.write(Int64(h), to: &out)
                    }
                    out.append(UInt8(ascii: "]"))
                }
                out.append(UInt8(ascii: "}"))
                continue
            }
            var first = true
            let isValues = key == "values"
            let textKey = Report.textKey
            var scratch: [UInt8] = []
            scratch.reserveCapacity(48)
            for (i, prefix, provenancePrefix) in Report.slotPrefixes {
                if isValues {
                    guard let v = values[index: i] else { continue }
                    if !first { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: prefix)
                    if let q = v { Report.write(q, to: &out) } else { out.append(contentsOf: JSONBytes.null) }
                } else {
                    guard let p = provenance[index: i] else { continue }
                    if !first { out.append(UInt8(ascii: ",")) }
                    if Provenance.isPlain(p.text, values[index: i], scratch: &scratch) {
                        out.append(contentsOf: prefix)
                        Report.write(Int64(p.line), to: &out)
                    } else {
                        out.append(contentsOf: provenancePrefix)
                        Report.write(Int64(p.line), to: &out)
                        out.append(contentsOf: textKey)
                        JSON.writeString(p.text, to: &out)
                        out.append(UInt8(ascii: "}"))
                    }
                }
                first = false
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Each catalog slot in id byte order, with its `"id":` bytes, and those followed by the
    /// start of its provenance object (`"id":{"line":`, one append instead of two).
    static let slotPrefixes: [(index: Int, prefix: [UInt8], provenance: [UInt8])] = Catalog.sortedMetricSlots.map { id, i in
        var b: [UInt8] = []
        JSON.writeString(id, to: &b)
        b.append(UInt8(ascii: ":"))
        return (i, b, b + Array(#"{"line":"#.utf8))
    }
    static let textKey = Array(#","text":"#.utf8)

    static func write(_ q: Quantity, to out: inout [UInt8]) {
        if q.scale == 0 { write(q.mantissa, to: &out) } else { out.append(utf8: q.description) }
    }

    /// An integer's decimal digits, as `String(v)` writes them: a digit alone, or the digits
    /// made from the right in a buffer on the stack and appended at once.
    static func write(_ v: Int64, to out: inout [UInt8]) {
        if v >= 0 && v < 10 {
            out.append(UInt8(ascii: "0") + UInt8(v))
            return
        }
        if v < 0 { out.append(UInt8(ascii: "-")) }
        var m = v.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var i = 20
            repeat {
                i -= 1
                digits[i] = UInt8(ascii: "0") + UInt8(m % 10)
                m /= 10
            } while m > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[i..<20]))
        }
    }

    /// - Parameter preread: the record's `values`, already read (then `o["values"]` is not).
    public init(json o: [String: JSON], values preread: MetricValues? = nil) throws {
        guard let path = o["path"]?.stringValue else { throw StageFailure("report record has no \"path\"") }
        self.init(path: path, sha256: o["sha256"]?.stringValue, bytes: o["bytes"]?.intValue ?? 0,
                  sourceFormat: o["source_format"]?.stringValue ?? "text")
        status = o["status"]?.stringValue ?? "report"
        agency = o["agency"]?.stringValue
        year = o["year"]?.intValue
        activeFormat = o["format"]?["active"]?.stringValue
        applyFormat = o["format"]?["apply"]?.stringValue
        periodStart = o["period"]?["start"]?.stringValue
        periodEnd = o["period"]?["end"]?.stringValue
        published = o["published"]?.stringValue
        sections = (o["sections"]?.arrayValue ?? []).compactMap(\.stringValue)
        func value(_ k: String, _ v: JSON) {
            if case .number(let n) = v { values[k] = Quantity(n) } else { values[k] = .some(nil) }
        }
        // Read as written when parsed as a member list (the last of a repeated id wins, as in a dictionary).
        if let preread {
            values = preread
        } else if case .ordered(let members)? = o["values"] {
            for m in members { value(m.key, m.value) }
        } else {
            for (k, v) in o["values"]?.objectValue ?? [:] { value(k, v) }
        }
        for (k, v) in o["provenance"]?.objectValue ?? [:] {
            if case .number = v {
                // A line alone: the cell's text is the value as written.
                var text = ""
                if case .some(.some(let q)) = values[k] {
                    var b: [UInt8] = []
                    Report.write(q, to: &b)
                    text = String(decoding: b, as: UTF8.self)
                }
                provenance[k] = Provenance(line: v.intValue ?? 0, text: text)
            } else {
                provenance[k] = Provenance(line: v["line"]?.intValue ?? 0, text: v["text"]?.stringValue ?? "")
            }
        }
        alternatives = (o["alternatives"]?.arrayValue ?? []).map(Alternative.init(json:))
        for (k, v) in o["fingerprints"]?.objectValue ?? [:] {
            fingerprints[k] = (v.arrayValue ?? []).compactMap { if case .number(let n) = $0 { return UInt32(n) } else { return nil } }
        }
        findings = (o["findings"]?.arrayValue ?? []).map(Finding.init(json:))
    }
}
