import Foundation

/// A table aggregate decides on and render draws: what it holds, never how it looks.
///
/// Besides its cells a table may carry, as data, what render should draw of it:
/// `charts` (SVG pictures of some columns) and `grouping` (the Markdown is cut into
/// one section per value of a column). Every field added since the first version
/// is optional, so records written before it are still read.
public struct Table: Equatable, Sendable {
    public struct Column: Equatable, Sendable {
        /// Stable machine id: the CSV header.
        public var id: String
        /// Human label (Chinese where the report is): the Markdown header.
        public var label: String
        /// `text`, `integer`, `number` (exact decimal), `rate` (a percentage with one decimal).
        public var type: String
        /// The report section the value comes from (`二(一)`, `三`, `四`), empty when none.
        public var section: String
        /// `件`, `万元`, `%`, `百分点`, or empty.
        public var unit: String
        /// What the column holds, for the data dictionary (Chinese).
        public var definition: String
        /// A key for machines (an id beside a label column that says the same for people):
        /// in the CSV, left out of the Markdown.
        public var machineOnly: Bool

        public init(_ id: String, _ label: String, _ type: String = "text", section: String = "", unit: String = "",
                    definition: String = "", machineOnly: Bool = false) {
            self.id = id
            self.label = label
            self.type = type
            self.section = section
            self.unit = unit
            self.definition = definition
            self.machineOnly = machineOnly
        }

        var json: JSON {
            var o: [String: JSON] = ["id": .string(id), "label": .string(label), "type": .string(type)]
            if !section.isEmpty { o["section"] = .string(section) }
            if !unit.isEmpty { o["unit"] = .string(unit) }
            if !definition.isEmpty { o["definition"] = .string(definition) }
            if machineOnly { o["machine_only"] = .bool(true) }
            return .object(o)
        }

        init(json: JSON) {
            self.init(json["id"]?.stringValue ?? "", json["label"]?.stringValue ?? "", json["type"]?.stringValue ?? "text",
                      section: json["section"]?.stringValue ?? "", unit: json["unit"]?.stringValue ?? "",
                      definition: json["definition"]?.stringValue ?? "", machineOnly: json["machine_only"]?.boolValue ?? false)
        }
    }

    /// A picture aggregate asks for: which columns, drawn how. Render draws it as an
    /// SVG file beside the Markdown and embeds it there.
    public struct Chart: Equatable, Sendable {
        /// Part of the SVG file name (`NAME-ID.svg`), unique within the table.
        public var id: String
        /// `bar`: one horizontal bar per row (per value column), labelled by `label`.
        /// `line`: one line per distinct value of `label`, `x` along the axis, `values[0]` up.
        public var kind: String
        public var title: String
        /// Column id: the bar's label (bar) or the series' name (line).
        public var label: String
        /// Column ids of the plotted numbers.
        public var values: [String]
        /// Line charts: the column id of the x axis (e.g. the year).
        public var x: String?
        /// Only rows whose `filterColumn` cell is one of `filterValues` are drawn (none: all rows).
        public var filterColumn: String?
        public var filterValues: [String]
        /// One chart per section when the table is grouped (see `Grouping`), else one for the table.
        public var perGroup: Bool
        /// `件`, `%`…: rates are drawn on a 0–100 scale.
        public var unit: String
        /// Bar charts: bars from the largest value of `values[0]` down (blanks last) instead of in row order.
        public var sortDescending: Bool
        /// Bar charts: at most this many bars (after sorting); the chart says how many were left out.
        public var limit: Int?

        public init(id: String, kind: String, title: String, label: String, values: [String], x: String? = nil,
                    filterColumn: String? = nil, filterValues: [String] = [], perGroup: Bool = false, unit: String = "",
                    sortDescending: Bool = false, limit: Int? = nil) {
            self.id = id
            self.kind = kind
            self.title = title
            self.label = label
            self.values = values
            self.x = x
            self.filterColumn = filterColumn
            self.filterValues = filterValues
            self.perGroup = perGroup
            self.unit = unit
            self.sortDescending = sortDescending
            self.limit = limit
        }

        var json: JSON {
            var o: [String: JSON] = [
                "id": .string(id), "kind": .string(kind), "title": .string(title), "label": .string(label),
                "values": .array(values.map(JSON.string)), "per_group": .bool(perGroup), "unit": .string(unit),
            ]
            if let x { o["x"] = .string(x) }
            if let filterColumn { o["filter"] = .object(["column": .string(filterColumn), "values": .array(filterValues.map(JSON.string))]) }
            if sortDescending { o["sort"] = .string("descending") }
            if let limit { o["limit"] = .int(limit) }
            return .object(o)
        }

        init(json: JSON) {
            self.init(id: json["id"]?.stringValue ?? "chart", kind: json["kind"]?.stringValue ?? "bar",
                      title: json["title"]?.stringValue ?? "", label: json["label"]?.stringValue ?? "",
                      values: (json["values"]?.arrayValue ?? []).compactMap(\.stringValue), x: json["x"]?.stringValue,
                      filterColumn: json["filter"]?["column"]?.stringValue,
                      filterValues: (json["filter"]?["values"]?.arrayValue ?? []).compactMap(\.stringValue),
                      perGroup: json["per_group"]?.boolValue ?? false, unit: json["unit"]?.stringValue ?? "",
                      sortDescending: json["sort"]?.stringValue == "descending", limit: json["limit"]?.intValue)
        }
    }

    /// The Markdown is cut into one section per distinct value of `column` (rows keep
    /// their order); `details` are columns constant within a section, shown under its
    /// heading instead of in every row. The CSV keeps every column.
    public struct Grouping: Equatable, Sendable {
        public var column: String
        public var details: [String]

        public init(column: String, details: [String] = []) {
            self.column = column
            self.details = details
        }
    }

    /// File stem of the outputs (`inventory` → `inventory.csv`, `inventory.md`).
    public var name: String
    public var title: String
    /// One paragraph saying what the table holds, shown above it.
    public var description: String
    public var columns: [Column]
    /// Cells in column order: strings, exact numbers, or null for blank.
    public var rows: [[JSON]]
    public var charts: [Chart]
    public var grouping: Grouping?
    /// Rows made on demand instead of held (a table of every report): used when `rows`
    /// is empty, so a table of 100,000 rows is written chunk by chunk, never held whole.
    public var rowSource: RowSource?
    /// For a table whose rows are made on demand, in groups (an agency's): each group's
    /// rows and a key of everything they are made from. The table then travels one group
    /// to a record, and a re-run can copy a group's record from its previous output instead
    /// of making it again (see `RecordReuse`). Not written.
    public var groupKeys: [GroupKey]?
    /// For a table written without `groupKeys`: a key of everything the whole table is made
    /// from (its rows and every other field). With `RecordReuse`, a re-run copies all the
    /// table's records from the previous output when it holds a table of the same name and
    /// key, without making a row (a year's comparison tables when none of that year's
    /// reports changed what they show). Not written.
    public var contentKey: String?

    public struct GroupKey: Equatable, Sendable {
        public var rows: Range<Int>
        /// Nil: nothing says the group is unchanged, so it is always made.
        public var key: String?
        public init(rows: Range<Int>, key: String?) {
            self.rows = rows
            self.key = key
        }
    }

    /// In a stream of records: more records with rows of this table follow.
    public var continued = false
    /// In a stream of records: this record only adds rows to the table before it.
    public var continuation = false

    /// Rows by index, computed when asked for.
    public final class RowSource: @unchecked Sendable, Equatable {
        typealias Made = (count: Int, row: (Int) -> [JSON])
        /// Set once at init (read without the lock), or nil for a source made when first asked.
        private let eager: Made?
        private let lock = NSLock()
        private var make: (() -> RowSource)?
        private var made: Made?
        /// Appends row `i` serialized, the very bytes `JSON.array(row(i)).write` appends,
        /// without making its cells (given by a source whose rows are many and alike), but for
        /// the cells of the columns `omitting` names (a record of a grouped table holds those
        /// in its `same`: they must be the table's `sameColumns`, or `bytes` is not used).
        let bytes: ((Int, inout [UInt8]) -> Void)?
        let omitting: [String]
        public init(count: Int, row: @escaping (Int) -> [JSON], bytes: ((Int, inout [UInt8]) -> Void)? = nil, omitting: [String] = []) {
            eager = (count, row)
            self.bytes = bytes
            self.omitting = omitting
        }
        /// A source worked out (by `make`, once, on whichever thread asks first) only when its
        /// count or a row is asked for: a table copied whole from the previous output never asks.
        public init(lazy make: @escaping () -> RowSource) {
            eager = nil
            self.make = make
            bytes = nil
            omitting = []
        }
        private var resolved: Made {
            if let eager { return eager }
            lock.lock()
            defer { lock.unlock() }
            if let made { return made }
            let m = make!().resolved
            made = m
            make = nil
            return m
        }
        /// Whether the rows have been worked out (always, for a source made with its count).
        public var isMade: Bool {
            if eager != nil { return true }
            lock.lock()
            defer { lock.unlock() }
            return made != nil
        }
        public var count: Int { resolved.count }
        public func callAsFunction(_ i: Int) -> [JSON] { resolved.row(i) }
        public static func == (a: RowSource, b: RowSource) -> Bool { a === b }
    }

    /// How many rows the table has, held or made on demand.
    public var rowCount: Int { rows.isEmpty ? (rowSource?.count ?? 0) : rows.count }

    /// The same table with every row held (made from `rowSource` if need be).
    public var materialized: Table {
        guard rows.isEmpty, let source = rowSource else { return self }
        var t = self
        t.rows = (0..<source.count).map(source.callAsFunction)
        t.rowSource = nil
        t.groupKeys = nil  // (how to make rows again: nothing to make now)
        t.contentKey = nil
        return t
    }

    /// Rows per record when a table is written to a stream.
    public static let chunkRows = 2000

    /// The table as stream records: the first with everything but the later rows, then
    /// continuation records (`name` and `rows`) in order. An ungrouped table is cut every
    /// `chunk` rows; a grouped table one group to a record (a group of more than `chunk`
    /// rows in pieces of `chunk`), so a group's record has the same bytes from run to run
    /// while its rows are unchanged, and render can reuse what it drew for it.
    public func records(chunk: Int = Table.chunkRows, _ body: (JSON) throws -> Void) rethrows {
        if let units = keyedUnits(chunk: chunk) {
            for (n, u) in units.enumerated() {
                try body(record(u.rows.map(row(at:)), first: n == 0, continued: n < units.count - 1))
            }
            return
        }
        var first = true
        try forEachRecord(chunk: chunk, rows: { $0.map(row(at:)) }) { records, last in
            for (k, rows) in records.enumerated() {
                try body(record(rows, first: first, continued: !(last && k == records.count - 1)))
                first = false
            }
        }
    }

    /// Writes the table as stream records (see `records`), rows made and records
    /// serialized on both cores, written in order. With `reuse`, every line is listed in
    /// its index, and the record of a group whose key was seen in the previous output is
    /// copied from there: the same bytes, made without making its rows.
    public func write(to writer: OutputWriter, chunk: Int = Table.chunkRows, reuse: RecordReuse? = nil) {
        func emit(_ line: [UInt8], key: String?) {
            writer.writeLine(line)
            reuse?.index?.add(key: key ?? "-", length: line.count)
        }
        if let units = keyedUnits(chunk: chunk) {
            writeUnits(units, chunk: chunk, reuse: reuse, writer: writer)
            return
        }
        // A table with a content key: each line keyed by the table's name and key, its place,
        // and whether it is the last, so the previous output's lines of the table are found
        // in order and known to be all of it (or nothing is copied).
        let lineKey: ((Int, Bool) -> String)? = contentKey.flatMap { content in
            reuse.map { r in { n, last in FastHash.hex(Array("\(name)\twhole\t\(n)\t\(last)\t\(content)".utf8), salt: r.salt) } }
        }
        if let lineKey, let reuse, let previous = reuse.previous {
            var copies: [(key: String, entry: PreviousOutput.Entry)] = []
            var complete = false
            while true {
                let n = copies.count
                if let e = previous.entry(for: lineKey(n, false)) {
                    copies.append((lineKey(n, false), e))
                } else {
                    if let e = previous.entry(for: lineKey(n, true)) {
                        copies.append((lineKey(n, true), e))
                        complete = true
                    }
                    break
                }
            }
            if complete {
                for c in copies {
                    previous.copy(c.entry, to: writer)
                    reuse.index?.add(key: c.key, length: c.entry.length)
                }
                reuse.tablesKeyed += 1
                reuse.tablesReused += 1
                return
            }
        }
        if lineKey != nil { reuse?.tablesKeyed += 1 }
        var written = 0
        if grouping == nil, rows.isEmpty, let source = rowSource, source.bytes != nil {
            // Rows its source writes as bytes: each record made by `recordBytes`, on both cores,
            // cut as `forEachRecord` cuts.
            for batch in Table.batches(count: source.count, chunk: chunk) {
                let ranges = batch.records
                let lines = Parallel.map(Array(ranges.enumerated())) { k, range in
                    recordBytes(range, first: range.lowerBound == 0, continued: !(batch.last && k == ranges.count - 1))
                }
                for (k, line) in lines.enumerated() {
                    emit(line, key: lineKey?(written, batch.last && k == lines.count - 1))
                    written += 1
                }
            }
            return
        }
        var first = true
        let rows: (Range<Int>) -> [[JSON]] = { range in
            let slices = stride(from: range.lowerBound, to: range.upperBound, by: 500).map { $0..<Swift.min($0 + 500, range.upperBound) }
            return Parallel.map(slices) { $0.map(row(at:)) }.flatMap { $0 }
        }
        forEachRecord(chunk: chunk, rows: rows) { records, last in
            let isFirst = first
            let lines = Parallel.map(Array(records.enumerated())) { k, rows -> [UInt8] in
                var bytes: [UInt8] = []
                record(rows, first: isFirst && k == 0, continued: !(last && k == records.count - 1)).write(to: &bytes)
                return bytes
            }
            for (k, line) in lines.enumerated() {
                emit(line, key: lineKey?(written, last && k == lines.count - 1))
                written += 1
            }
            if !records.isEmpty { first = false }
        }
    }

    /// The records of a table with `groupKeys` (that cover its rows in order): one group
    /// to a record, a group of more than `chunk` rows in pieces (those without a key).
    func keyedUnits(chunk: Int) -> [(rows: Range<Int>, key: String?)]? {
        guard let groups = groupKeys, !groups.isEmpty, groups.first?.rows.lowerBound == 0, groups.last?.rows.upperBound == rowCount,
              zip(groups, groups.dropFirst()).allSatisfy({ $0.rows.upperBound == $1.rows.lowerBound }),
              groups.allSatisfy({ !$0.rows.isEmpty }) else { return nil }
        var units: [(rows: Range<Int>, key: String?)] = []
        for g in groups {
            if g.rows.count <= chunk {
                units.append((g.rows, g.key))
            } else {
                for s in stride(from: g.rows.lowerBound, to: g.rows.upperBound, by: chunk) {
                    units.append((s..<Swift.min(s + chunk, g.rows.upperBound), nil))
                }
            }
        }
        return units
    }

    /// `write` for a table with `groupKeys`: each group's record copied from the previous
    /// output when its key (with whether more records follow) is there, made otherwise.
    func writeUnits(_ units: [(rows: Range<Int>, key: String?)], chunk: Int, reuse: RecordReuse?, writer: OutputWriter) {
        var next = 0
        while next < units.count {
            // A batch of records: up to 8 × chunk rows to make, or 512 records.
            var batch: [(index: Int, key: String?, copy: PreviousOutput.Entry?)] = []
            var toMake = 0
            while next < units.count, toMake < 8 * chunk, batch.count < 512 {
                let u = units[next]
                let continued = next < units.count - 1
                let key = next == 0 ? nil : reuse.flatMap { r in u.key.map { FastHash.hex(Array("\(name)\t\(continued)\t\($0)".utf8), salt: r.salt) } }
                let copy = key.flatMap { reuse?.previous?.entry(for: $0) }
                if copy != nil { reuse?.reused += 1 } else { toMake += u.rows.count }
                if key != nil { reuse?.keyed += 1 }
                batch.append((next, key, copy))
                next += 1
            }
            let made = Parallel.map(batch) { b -> [UInt8] in
                if b.copy != nil { return [] }
                return recordBytes(units[b.index].rows, first: b.index == 0, continued: b.index < units.count - 1)
            }
            for (b, line) in zip(batch, made) {
                if let copy = b.copy, let previous = reuse?.previous {
                    // The same bytes as last time, copied in the kernel.
                    previous.copy(copy, to: writer)
                    reuse?.index?.add(key: b.key ?? "-", length: copy.length)
                } else {
                    writer.writeLine(line)
                    reuse?.index?.add(key: b.key ?? "-", length: line.count)
                }
            }
        }
    }

    /// Hands the rows of each record to `body`, a batch of records at a time (rows made
    /// `chunk` × 8 at a time by `rows`); `last` is true for the final batch, which always
    /// holds at least one record (a table without rows still has its first record).
    func forEachRecord(chunk: Int, rows make: (Range<Int>) -> [[JSON]],
                       _ body: (_ records: [[[JSON]]], _ last: Bool) throws -> Void) rethrows {
        let count = rowCount
        let window = chunk * 8
        guard let g = grouping.flatMap({ column($0.column) }) else {
            for batch in Table.batches(count: count, chunk: chunk) {
                let start = batch.records[0].lowerBound
                let made = make(start..<batch.records[batch.records.count - 1].upperBound)
                try body(batch.records.map { Array(made[($0.lowerBound - start)..<($0.upperBound - start)]) }, batch.last)
            }
            return
        }
        var current: [[JSON]] = []
        var currentGroup = ""
        var start = 0
        repeat {
            let end = Swift.min(start + window, count)
            var done: [[[JSON]]] = []
            for row in make(start..<end) {
                let group = Renderer.cellText(row[safe: g] ?? .null)
                if !current.isEmpty && (group != currentGroup || current.count >= chunk) {
                    done.append(current)
                    current = []
                }
                currentGroup = group
                current.append(row)
            }
            if end == count {
                done.append(current)
                try body(done, true)
            } else {
                try body(done, false)
            }
            start = end
        } while start < count
    }

    /// How an ungrouped table of `count` rows is cut into records of `chunk` rows, in
    /// batches of eight records (made and serialized together): each batch's records' rows
    /// and whether it is the last. A table without rows is one record without rows.
    static func batches(count: Int, chunk: Int) -> [(records: [Range<Int>], last: Bool)] {
        var out: [(records: [Range<Int>], last: Bool)] = []
        var start = 0
        repeat {
            let end = Swift.min(start + chunk * 8, count)
            let records = stride(from: start, to: end, by: chunk).map { $0..<Swift.min($0 + chunk, end) }
            out.append((records.isEmpty ? [start..<start] : records, end == count))
            start = end
        } while start < count
        return out
    }

    /// The stream record holding the rows `range`, serialized: the bytes of
    /// `record(range.map(row(at:)), …).write`. When the row source writes its rows' bytes
    /// itself, the record is written without them and they go where its `"rows":[]` is
    /// (the source writes them without the cells the record's `same` holds).
    func recordBytes(_ range: Range<Int>, first: Bool, continued: Bool) -> [UInt8] {
        var out: [UInt8] = []
        let columns = sameColumns
        guard rows.isEmpty, let source = rowSource, let write = source.bytes,
              Set(source.omitting.compactMap(column)) == Set(columns), source.omitting.count == columns.count else {
            record(range.map(row(at:)), first: first, continued: continued).write(to: &out)
            return out
        }
        var shell: [UInt8] = []
        // The cells every row of a grouped table's record shares, from its first row.
        let same = columns.isEmpty || range.isEmpty ? nil : { let r = row(at: range.lowerBound); return columns.map { r[safe: $0] ?? .null } }()
        record([], first: first, continued: continued, same: same).write(to: &shell)
        // The top-level key: no other object of a table record has one named rows, and a
        // quote inside a string is escaped, so these bytes are found nowhere else.
        let empty = Array(#""rows":[]"#.utf8)
        guard let at = shell.indices.dropLast(empty.count - 1).first(where: { shell[$0..<($0 + empty.count)].elementsEqual(empty) }) else {
            record(range.map(row(at:)), first: first, continued: continued).write(to: &out)
            return out
        }
        out.reserveCapacity(shell.count + range.count * 160)
        out.append(contentsOf: shell[..<(at + empty.count - 1)])  // through `"rows":[`
        for i in range {
            if i > range.lowerBound { out.append(UInt8(ascii: ",")) }
            write(i, &out)
        }
        out.append(contentsOf: shell[(at + empty.count - 1)...])  // `]` and the rest
        return out
    }

    /// The stream record holding `rows`: the first (everything) or a continuation. In a
    /// grouped table, the cells of the grouping column and its details that every row of
    /// the record shares are written once, as its `same` (see `sameColumns`); `same` gives
    /// them when `rows` are already without them.
    func record(_ rows: [[JSON]], first: Bool, continued: Bool, same given: [JSON]? = nil) -> JSON {
        var rows = rows
        var same = given
        let columns = sameColumns
        if same == nil, !columns.isEmpty, let head = rows.first,
           rows.allSatisfy({ r in columns.allSatisfy { (r[safe: $0] ?? .null) == (head[safe: $0] ?? .null) && $0 < r.count } }) {
            same = columns.map { head[$0] }
            let dropped = Set(columns)
            rows = rows.map { r in r.indices.filter { !dropped.contains($0) }.map { r[$0] } }
        }
        var record = first ? firstRecord(rows: rows, continued: continued) : continuationRecord(rows: rows, continued: continued)
        if let same, case .object(var o) = record {
            o["same"] = .object(["columns": .array(columns.map(JSON.int)), "cells": .array(same)])
            record = .object(o)
        }
        return record
    }

    /// The first stream record: everything, with `rows` for rows.
    func firstRecord(rows: [[JSON]], continued: Bool) -> JSON {
        var first = self
        first.rowSource = nil
        first.rows = rows
        first.continued = continued
        first.continuation = false
        return first.json
    }

    /// A continuation record holding `rows`.
    func continuationRecord(rows: [[JSON]], continued: Bool) -> JSON {
        .object([
            "schema": .string(Schema.table), "name": .string(name), "continuation": .bool(true),
            "continued": .bool(continued), "rows": .array(rows.map(JSON.array)),
        ])
    }

    /// The columns whose cells a grouped table's stream record may hold once, in `same`,
    /// instead of in each row: the grouping column and its details, by position. (A record
    /// of a grouped table holds rows of one group, so they share these cells.)
    public var sameColumns: [Int] {
        guard let grouping else { return [] }
        return Set(([grouping.column] + grouping.details).compactMap(column)).sorted()
    }

    /// `rows` with the cells of a record's `same` put back in their columns.
    static func expand(_ rows: [[JSON]], same: JSON) throws -> [[JSON]] {
        let (positions, cells) = try sameCells(same)
        if positions.isEmpty { return rows }
        return try rows.map { row in try expand(row[...], positions: positions, cells: cells) }
    }

    /// The positions and cells of a record's `same`, checked.
    static func sameCells(_ same: JSON) throws -> (positions: [Int], cells: [JSON]) {
        guard let positions = same["columns"]?.arrayValue?.compactMap(\.intValue), let cells = same["cells"]?.arrayValue,
              positions.count == cells.count, positions.count == same["columns"]?.arrayValue?.count,
              zip(positions, positions.dropFirst()).allSatisfy({ $0 < $1 }), (positions.first ?? 0) >= 0 else {
            throw StageFailure("a table record's \"same\" is not {\"columns\": [ascending positions], \"cells\": [as many cells]}")
        }
        return (positions, cells)
    }

    /// One row with `cells` put back at `positions` (ascending).
    static func expand(_ row: ArraySlice<JSON>, positions: [Int], cells: [JSON]) throws -> [JSON] {
        guard let last = positions.last, last < row.count + positions.count else {
            throw StageFailure("a table record's \"same\" puts a cell at column \(positions.last ?? 0), past the end of its rows")
        }
        var full: [JSON] = []
        full.reserveCapacity(row.count + positions.count)
        var next = row.startIndex, k = 0
        while full.count < row.count + positions.count {
            if k < positions.count, positions[k] == full.count {
                full.append(cells[k])
                k += 1
            } else {
                full.append(row[next])
                next += 1
            }
        }
        return full
    }

    /// A continuation record (`{"continuation":true,…}`, as `Table.write` makes them) read
    /// straight from its bytes: its rows made once, with the cells of its `same` in place,
    /// instead of as arrays of the parsed JSON that `init(json:)` then copies. Nil for any
    /// other record or shape (another member, a member twice, a `same` that does not fit),
    /// which the general reader then takes (and explains). Render reads 450 MB of them.
    public static func decodeContinuation(_ raw: [UInt8]) -> Table? {
        let prefix = Array(#"{"continuation":true,"#.utf8)
        guard raw.count > prefix.count, raw.starts(with: prefix) else { return nil }
        return raw.withUnsafeBufferPointer { buffer -> Table? in
            struct Unexpected: Error {}
            var continuation: Bool?, continued: Bool?, name: String?, schema: String?, same: JSON?
            var cells: [JSON] = []
            var ends: [Int] = []  // where each row's cells end in `cells`
            func bool(_ p: inout JSONParser) throws -> Bool {
                guard p.index < p.bytes.count else { throw Unexpected() }
                if p.bytes[p.index] == UInt8(ascii: "t") { try p.expectLiteral("true"); return true }
                try p.expectLiteral("false")
                return false
            }
            func string(_ p: inout JSONParser) throws -> String {
                guard p.index < p.bytes.count, p.bytes[p.index] == UInt8(ascii: "\"") else { throw Unexpected() }
                return try p.parseString()
            }
            // Every member known: one this reader does not take sends the record the general way.
            let whole = RecordHead.readObject(buffer) { p, key in
                switch key {
                case "continuation":
                    guard continuation == nil else { throw Unexpected() }
                    continuation = try bool(&p)
                case "continued":
                    guard continued == nil else { throw Unexpected() }
                    continued = try bool(&p)
                case "name":
                    guard name == nil else { throw Unexpected() }
                    name = try string(&p)
                case "schema":
                    guard schema == nil else { throw Unexpected() }
                    schema = try string(&p)
                case "same":
                    guard same == nil else { throw Unexpected() }
                    same = try p.parseValue(depth: 1)
                case "rows":
                    guard ends.isEmpty, cells.isEmpty else { throw Unexpected() }
                    try p.forEachElement { p in
                        try p.forEachElement { p in cells.append(try p.parseValue(depth: 3)) }
                        ends.append(cells.count)
                    }
                default:
                    throw Unexpected()
                }
                return true
            }
            guard whole else { return nil }
            guard continuation == true, let name, let schema, Schema.tables.contains(schema) else { return nil }
            // The cells of `same` (none when it is missing or null) put in place in each row.
            var positions: [Int] = [], values: [JSON] = []
            if let same, !same.isNull {
                guard let checked = try? sameCells(same) else { return nil }
                (positions, values) = checked
            }
            var rows: [[JSON]] = []
            rows.reserveCapacity(ends.count)
            var start = 0
            for end in ends {
                if positions.isEmpty {
                    rows.append(Array(cells[start..<end]))
                } else {
                    guard let row = try? expand(cells[start..<end], positions: positions, cells: values) else { return nil }
                    rows.append(row)
                }
                start = end
            }
            var table = Table(name: name, title: name, description: "", columns: [], rows: rows)
            table.continued = continued ?? false
            table.continuation = true
            return table
        }
    }

    /// Row `i`, held or made.
    public func row(at i: Int) -> [JSON] { rows.isEmpty ? (rowSource?(i) ?? []) : rows[i] }

    public init(name: String, title: String, description: String, columns: [Column], rows: [[JSON]],
                charts: [Chart] = [], grouping: Grouping? = nil, rowSource: RowSource? = nil) {
        self.rowSource = rowSource
        self.name = name
        self.title = title
        self.description = description
        self.columns = columns
        self.rows = rows
        self.charts = charts
        self.grouping = grouping
    }

    /// The index of column `id`, if the table has it.
    public func column(_ id: String) -> Int? { columns.firstIndex { $0.id == id } }

    public var json: JSON {
        var o: [String: JSON] = [
            "schema": .string(Schema.table),
            "name": .string(name),
            "title": .string(title),
            "description": .string(description),
            "columns": .array(columns.map(\.json)),
            "rows": .array(rows.map(JSON.array)),
        ]
        if !charts.isEmpty { o["charts"] = .array(charts.map(\.json)) }
        if let grouping {
            o["grouping"] = .object(["column": .string(grouping.column), "details": .array(grouping.details.map(JSON.string))])
        }
        if continued { o["continued"] = .bool(true) }
        if continuation { o["continuation"] = .bool(true) }
        if rows.isEmpty, let source = rowSource { o["rows"] = .array((0..<source.count).map { .array(source($0)) }) }
        return .object(o)
    }

    public init(json o: [String: JSON]) throws {
        guard let name = o["name"]?.stringValue else { throw StageFailure("table record has no \"name\"") }
        self.name = name
        continued = o["continued"]?.boolValue ?? false
        continuation = o["continuation"]?.boolValue ?? false
        title = o["title"]?.stringValue ?? name
        description = o["description"]?.stringValue ?? ""
        columns = (o["columns"]?.arrayValue ?? []).map(Column.init(json:))
        rows = (o["rows"]?.arrayValue ?? []).map { $0.arrayValue ?? [] }
        if let same = o["same"], !same.isNull { rows = try Table.expand(rows, same: same) }
        charts = (o["charts"]?.arrayValue ?? []).map(Chart.init(json:))
        if let g = o["grouping"], let column = g["column"]?.stringValue {
            grouping = Grouping(column: column, details: (g["details"]?.arrayValue ?? []).compactMap(\.stringValue))
        } else {
            grouping = nil
        }
    }
}
