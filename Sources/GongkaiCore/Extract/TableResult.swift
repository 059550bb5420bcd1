/// What reading one standard table gives: its format, every cell by metric id
/// (nil for blank), where each came from, and what was noticed on the way.
public struct TableResult: Sendable {
    public var present = false
    public var format: String?
    public var values = MetricValues()
    public var provenance = MetricMap<Provenance>()
    public var findings: [Finding] = []
    /// Metric ids whose cell was blank or held a placeholder.
    public var blanks: [String] = []
    /// Metric ids whose cell held text where a number belongs.
    public var unreadable: [String] = []
    /// Cells left blank because their digits allow several readings: the readings,
    /// so checks across years can still tell a failure that holds whatever the reading.
    public var alternatives: [Alternative] = []
    /// Labels printed differently from the standard wording: (printed, canonical, line).
    public var variants: [(printed: String, canonical: String, line: Int)] = []

    public init() {}

    /// Declares the table's cells (all blank until read).
    mutating func declare(_ ids: [String]) {
        for id in ids where values[id] == nil { values[id] = .some(nil) }
    }

    /// Declares the table's cells by their catalog slots (`Catalog.metricIndex`).
    mutating func declare(slots: [Int]) {
        for i in slots where values[index: i] == nil { values.set(index: i, .some(nil)) }
    }

    /// Records one cell read from `line`.
    mutating func set(_ id: String, _ cell: CellValue, line: Int) {
        guard let slot = Catalog.metricIndex[id] else {
            switch cell {
            case .number(let q, let raw):
                values[id] = q
                provenance[id] = Provenance(line: line, text: raw)
            case .blank(let raw), .text(let raw):
                values[id] = .some(nil)
                provenance[id] = Provenance(line: line, text: raw)
            }
            if case .text = cell { unreadable.append(id) }
            return
        }
        set(id, slot: slot, cell, line: line)
    }

    /// `set` for a metric whose catalog slot is known.
    mutating func set(_ id: String, slot: Int, _ cell: CellValue, line: Int) {
        switch cell {
        case .number(let q, let raw):
            values.set(index: slot, .some(q))
            provenance[index: slot] = Provenance(line: line, text: raw)
        case .blank(let raw):
            values.set(index: slot, .some(nil))
            provenance[index: slot] = Provenance(line: line, text: raw)
        case .text(let raw):
            values.set(index: slot, .some(nil))
            provenance[index: slot] = Provenance(line: line, text: raw)
            unreadable.append(id)
        }
    }

    mutating func variant(_ printed: String, _ canonical: String, line: Int) {
        if !variants.contains(where: { $0.printed == printed && $0.canonical == canonical }) {
            variants.append((printed, canonical, line))
        }
    }
}

/// Fits a row's value cells to the table's column count. Converters add empty
/// cells for merged label columns and drop trailing ones; only blanks are
/// trimmed, never a number.
enum RowFit {
    enum Outcome {
        case fitted([CellValue])
        /// Label only: the values are elsewhere (or nowhere).
        case empty
        /// More numbers than columns: which belongs where is not known.
        case tooMany([CellValue])
        /// Fewer cells than columns with numbers among them: which columns are
        /// missing is not known.
        case tooFew([CellValue])
    }

    static func fit(_ cells: [String], columns: Int, unit: (Int) -> String = { _ in "件" }) -> Outcome {
        var raw = cells
        if raw.isEmpty { return .empty }
        while raw.count > columns, let last = raw.last, CellValue.parse(last).isBlank { raw.removeLast() }
        while raw.count > columns, let first = raw.first, CellValue.parse(first).isBlank { raw.removeFirst() }
        var parsed = raw.enumerated().map { CellValue.parse($0.element, unit: unit(min($0.offset, columns - 1))) }
        if parsed.count > columns { return .tooMany(parsed) }
        if parsed.count < columns && parsed.contains(where: { !$0.isBlank }) { return .tooFew(parsed) }
        while parsed.count < columns { parsed.append(.blank(raw: "")) }
        return .fitted(parsed)
    }
}
