/// Section 二: the 第二十条 tables of proactive disclosure. The format (2019 or
/// 2021) is read from each table's column labels, never from the year.
enum ActiveTable {
    struct Column: Sendable, Equatable {
        var id: String
        var format: String
        var unit: String
        var label: String
    }

    static let columnMatcher = Labels.Matcher<Column>(
        Catalog.activeColumns.map { ($0.label, Column(id: $0.id, format: $0.format, unit: $0.unit, label: $0.label)) })

    static let rowMatcher: Labels.Matcher<Catalog.ActiveRow> = {
        var entries: [(label: String, payload: Catalog.ActiveRow)] = []
        for row in Catalog.activeRows {
            entries.append((row.label, row))
            if row.label2019 != row.label { entries.append((row.label2019, row)) }
        }
        return Labels.Matcher(entries)
    }()

    /// Columns a table prints when no header says so, by format and the number of values.
    static func defaultColumns(_ row: Catalog.ActiveRow, valueCount: Int, guess: String) -> (format: String, columns: [String]) {
        let c19 = row.columns2019, c21 = row.columns2021
        if c21.isEmpty { return ("2019", c19) }
        if c19.count == c21.count { return (guess, guess == "2019" ? c19 : c21) }
        if valueCount >= c19.count { return ("2019", c19) }
        if valueCount <= c21.count && valueCount > 0 { return ("2021", c21) }
        return (guess, guess == "2019" ? c19 : c21)
    }

    /// Column keys as printed, for headers flattened into one cell; longest first.
    static let columnPhrases: [(key: String, column: Column)] = Catalog.activeColumns
        .map { (Labels.key($0.label), Column(id: $0.id, format: $0.format, unit: $0.unit, label: $0.label)) }
        .sorted { $0.0.count > $1.0.count }

    /// The columns a header line names, left to right (empty when it is no header).
    static func headerColumns(_ line: Line, variants: inout TableResult) -> [Column] {
        let cells = line.cells.filter { !$0.withoutSpaces.isEmpty }
        // Only a line with Han characters can name columns.
        guard cells.contains(where: \.containsHan) else { return [] }
        if cells.count > 1 {
            var columns: [Column] = []
            // Every column label is Han characters: a cell without one (a number) matches none.
            for cell in cells where cell.containsHan {
                if let m = columnMatcher.match(cell) {
                    columns.append(m.payload)
                    if m.quality == .variant { variants.variant(cell, m.payload.label, line: line.number) }
                }
            }
            return columns
        }
        // One cell: `信息内容本年制发件数本年废止件数现行有效件数`.
        guard let cell = cells.first else { return [] }
        var key = Labels.key(cell)
        if key.hasPrefix("信息内容") { key.removeFirst(4) }
        if key.isEmpty { return [] }
        if let m = columnMatcher.match(key) {
            if m.quality == .variant { variants.variant(cell, m.payload.label, line: line.number) }
            return [m.payload]
        }
        // Simple text (characters are scalars) is scanned as scalars, the rest as characters.
        if key.isSimpleText { return phraseColumns(Array(key.unicodeScalars), columnPhraseScalars) }
        return phraseColumns(Array(key), columnPhraseCharacters)
    }

    static let columnPhraseScalars: [[Unicode.Scalar]] = columnPhrases.map { Array($0.key.unicodeScalars) }
    static let columnPhraseCharacters: [[Character]] = columnPhrases.map { Array($0.key) }

    /// The columns whose phrases (`columnPhrases`, longest first) cover a one-cell header
    /// `chars`, left to right; empty when they cover less than four fifths of it.
    static func phraseColumns<E: Equatable>(_ chars: [E], _ phrases: [[E]]) -> [Column] {
        var found: [(offset: Int, column: Column)] = []
        var taken = [Bool](repeating: false, count: chars.count)
        for (k, p) in phrases.enumerated() {
            var i = 0
            while i + p.count <= chars.count {
                var same = !taken[i] && !taken[i + p.count - 1]
                if same {
                    for j in 0..<p.count where chars[i + j] != p[j] { same = false; break }
                }
                if same {
                    for j in i..<(i + p.count) { taken[j] = true }
                    found.append((i, columnPhrases[k].column))
                    i += p.count
                } else {
                    i += 1
                }
            }
        }
        // Only a header if its words are nearly all column labels.
        let covered = taken.filter { $0 }.count
        guard !found.isEmpty, covered * 10 >= chars.count * 8 else { return [] }
        return found.sorted { $0.offset < $1.offset }.map(\.column)
    }

    /// Values run onto the row label (`规章 000`, `行政许可2293`): read when the
    /// tokens give exactly one reading; no identity relates these columns.
    static func runTogether(_ tokens: [String], columns: Int, units: [String]) -> ([CellValue]?, String, [[Int64]]) {
        let t = tokens.filter { !$0.isEmpty }
        if t.isEmpty { return (nil, "", []) }
        if t.count == columns {
            let parsed = t.enumerated().map { CellValue.parse($0.element, unit: units[$0.offset]) }
            if parsed.allSatisfy({ $0.quantity != nil || $0.isBlank }) { return (parsed, "", []) }
        }
        // Amounts (万元) are not counts: their digits are never split.
        if let all = units.contains("万元") ? nil : DigitSplit.splits(DigitSplit.signTokens(t), count: columns) {
            if all.count == 1 { return (all[0].map { .number(Quantity(Int($0)), raw: t.joined(separator: " ")) }, "", []) }
            if all.isEmpty { return (nil, "的数字无法分成\(columns)列", []) }
            return (nil, "的数字连写，有\(all.count)种分法，本表没有可用的勾稽关系确定各列", all)
        }
        return (nil, "的数字连写，无法确定各列", [])
    }

    static let article20 = ["第二十条"]

    static func extract(_ lines: ArraySlice<Line>, yearGuess: Int?) -> TableResult {
        var result = TableResult()
        var header: [Column]?
        var headerFormat: String?
        var seenFormats: [String: Int] = [:]
        var readRows: [String: (row: Catalog.ActiveRow, format: String)] = [:]
        let guess = (yearGuess ?? 2021) >= 2021 ? "2021" : "2019"

        for line in lines {
            let cells = line.cells
            // A header line: column labels of the format.
            let columns = headerColumns(line, variants: &result)
            if !columns.isEmpty {
                header = columns
                var votes: [String: Int] = [:]
                for c in columns { votes[c.format, default: 0] += 1 }
                headerFormat = votes.max { a, b in a.value < b.value || (a.value == b.value && a.key > b.key) }?.key
                if let f = headerFormat { seenFormats[f, default: 0] += 1 }
                continue
            }
            if line.joinedHas(anyOf: ActiveTable.article20) { header = nil; continue }
            guard let first = cells.firstIndex(where: { !$0.withoutSpaces.isEmpty }) else { continue }
            let (label, trailing) = CellValue.splitLabel(cells[first])
            guard let m = rowMatcher.match(label) else { continue }
            let row = m.payload
            if readRows[row.id] != nil { continue }
            let valueCells = trailing + cells.dropFirst(first + 1)
            var format: String
            var columnIDs: [String]
            var units: [String]
            if let header, let hf = headerFormat, !row.columns(hf).isEmpty {
                format = hf
                columnIDs = header.map(\.id)
                units = header.map(\.unit)
            } else {
                let nonEmpty = valueCells.filter { !$0.withoutSpaces.isEmpty }.count
                (format, columnIDs) = defaultColumns(row, valueCount: nonEmpty, guess: seenFormats.keys.first ?? guess)
                units = columnIDs.map { $0 == "amount" ? "万元" : "件" }
            }
            let printedWording = label.withoutSpaces
            let standard = format == "2019" ? row.label2019 : row.label
            if m.quality == .variant || (Labels.key(printedWording) != Labels.key(standard)) {
                result.variant(printedWording, standard, line: line.number)
            }
            result.present = true
            readRows[row.id] = (row, format)
            result.declare(row.columns(format).map { "\(row.id).\($0)" })
            let structural = cells.dropFirst(first + 1).contains { !$0.withoutSpaces.isEmpty }
            let values: [CellValue]?
            var reason = ""
            if structural || columnIDs.count == 1 {
                switch RowFit.fit(valueCells, columns: columnIDs.count, unit: { units[$0] }) {
                case .empty: values = nil
                case .fitted(let v): values = v
                case .tooMany: values = nil; reason = "数字多于表头的列数"
                case .tooFew: values = nil; reason = "数字少于表头的列数，无法确定空缺的是哪一列"
                }
            } else {
                let readings: [[Int64]]
                (values, reason, readings) = runTogether(trailing, columns: columnIDs.count, units: units)
                if !readings.isEmpty && readings.count <= Alternative.maxReadings {
                    // Columns of this format only, in reading order.
                    let keep = columnIDs.enumerated().filter { row.columns(format).contains($0.element) }
                    result.alternatives.append(Alternative(
                        cells: keep.map { "\(row.id).\($0.element)" },
                        readings: readings.map { r in keep.map { r[$0.offset] } }))
                }
            }
            if let values {
                for (i, columnID) in columnIDs.enumerated() where row.columns(format).contains(columnID) {
                    result.set("\(row.id).\(columnID)", values[i], line: line.number)
                }
            } else if !reason.isEmpty {
                let ids = row.columns(format).map { "\(row.id).\($0)" }
                for id in ids { result.provenance[id] = Provenance(line: line.number, text: trailing.joined(separator: " ")) }
                result.findings.append(Finding(
                    check: "ambiguous_cells", severity: .warning,
                    message: "第二部分“\(standard)”一行\(reason)（\(valueCells.filter { !$0.isEmpty }.joined(separator: " "))），已留空",
                    cells: ids, line: line.number))
            }
        }
        guard result.present else { return result }
        // The table's format: that of 第二十条第(一)项, else the most common one.
        var votes: [String: Int] = [:]
        for (_, r) in readRows { votes[r.format, default: 0] += r.row.item == "一" ? 10 : 1 }
        result.format = votes.max { a, b in a.value < b.value || (a.value == b.value && a.key > b.key) }?.key
        // Rows of the format that were not printed at all are blank cells of the table.
        if let f = result.format {
            for row in Catalog.activeRows where readRows[row.id] == nil {
                let present = readRows.values.contains { $0.row.item == row.item }
                if present { result.declare(row.columns(f).map { "\(row.id).\($0)" }) }
            }
        }
        for id in result.values.keys.sorted() where result.values[id] == .some(nil) { result.blanks.append(id) }
        return result
    }
}
