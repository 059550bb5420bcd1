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
            var columns: [Column] = []
            for cell in cells {
                let key = Labels.key(cell)
                if key.isEmpty || key == "信息内容" { continue }
                if let m = columnMatcher.match(cell) {
                    columns.append(m.payload)
                    if m.quality == .variant { result.variant(cell, m.payload.label, line: line.number) }
                }
            }
            if !columns.isEmpty {
                header = columns
                var votes: [String: Int] = [:]
                for c in columns { votes[c.format, default: 0] += 1 }
                headerFormat = votes.max { a, b in a.value < b.value || (a.value == b.value && a.key > b.key) }?.key
                if let f = headerFormat { seenFormats[f, default: 0] += 1 }
                continue
            }
            if cells.joined().contains("第二十条") { header = nil; continue }
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
            switch RowFit.fit(valueCells, columns: columnIDs.count, unit: { units[$0] }) {
            case .empty:
                continue
            case .fitted(let values):
                for (i, columnID) in columnIDs.enumerated() where row.columns(format).contains(columnID) {
                    result.set("\(row.id).\(columnID)", values[i], line: line.number)
                }
            case .tooMany:
                result.findings.append(Finding(
                    check: "ambiguous_cells", severity: .warning,
                    message: "第二部分“\(standard)”一行的数字多于表头的列数，无法确定各数字所属的列，已留空",
                    cells: row.columns(format).map { "\(row.id).\($0)" }, line: line.number))
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
