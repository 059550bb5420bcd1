/// Section 三: applications received and handled (23 rows in the 2019 format,
/// 25 in the 2021 format, seven applicant columns each).
enum ApplyTable {
    enum Label: Sendable, Equatable {
        case row(String)
        /// A group heading (`(三)不予公开`); `(六)其他处理` is a group in 2021 and a row in 2019.
        case group(String)
    }

    static let groups = ["三、本年度办理结果", "(三)不予公开", "(四)无法提供", "(五)不予处理"]

    static let matcher: Labels.Matcher<Label> = {
        var entries: [(label: String, payload: Label)] = Catalog.applyRows.map { ($0.label, .row($0.id)) }
        entries += groups.map { ($0, .group($0)) }
        return Labels.Matcher(entries)
    }()

    static let canonicalLabel: [String: String] = Dictionary(
        uniqueKeysWithValues: Catalog.applyRows.map { ($0.id, $0.label) } + groups.map { ($0, $0) })

    /// Words of the header rows (applicant kinds), never of a data row.
    static let headerWords = ["申请人情况", "自然人", "商业企业", "科研机构", "社会公益", "法律服务", "勾稽关系", "数据1"]

    static func isHeader(_ line: Line) -> Bool {
        let joined = line.cells.joined()
        return headerWords.contains { joined.contains($0) }
    }

    /// A label found in a line: the cell it sits in, what it reads as, and
    /// the value tokens run onto the end of its cell.
    struct Hit {
        var cellIndex: Int
        var label: Label
        var printed: String
        var quality: Labels.Quality
        var trailing: [String]
    }

    /// The labels of a line, left to right.
    static func hits(in line: Line) -> [Hit] {
        var out: [Hit] = []
        for (i, cell) in line.cells.enumerated() {
            let (label, trailing) = CellValue.splitLabel(cell)
            guard label.unicodeScalars.contains(where: { TextClass.isHan($0.value) }) else { continue }
            if let m = matcher.match(label) {
                out.append(Hit(cellIndex: i, label: m.payload, printed: label, quality: m.quality, trailing: trailing))
            }
        }
        return out
    }

    static func extract(_ lines: ArraySlice<Line>) -> TableResult {
        var result = TableResult()
        var rows: [String: (cells: [CellValue], line: Int)] = [:]
        var started = false
        var inOtherGroup = false
        var sawSubRows = false
        var pending: (id: String, line: Int)?
        var orphans: [(line: Int, text: String)] = []
        var ambiguousRows: [(id: String, line: Int)] = []

        for line in lines {
            if isHeader(line) { continue }
            let found = hits(in: line)
            // The rightmost label names the row; labels to its left are its groups.
            var rowHit: Hit?
            for hit in found.reversed() {
                if case .row(let id) = hit.label {
                    if id == "apply.other.other" && !inOtherGroup && !hit.printed.withoutSpaces.hasPrefix("3") { continue }
                    rowHit = hit
                    break
                }
            }
            for hit in found {
                if hit.quality == .variant {
                    switch hit.label {
                    case .row(let id), .group(let id): result.variant(hit.printed, canonicalLabel[id] ?? id, line: line.number)
                    }
                }
                if case .group = hit.label { inOtherGroup = false }
                if case .row(let id) = hit.label, id == "apply.other" { inOtherGroup = true }
            }
            guard let hit = rowHit, case .row(let id) = hit.label else {
                // Numbers with no label: the values of a row whose label stood alone.
                let values = line.cells.filter { !$0.withoutSpaces.isEmpty }
                if started, !values.isEmpty, values.allSatisfy(CellValue.isValueLike),
                   values.contains(where: { CellValue.parse($0).quantity != nil }) {
                    if let p = pending, case .fitted(let cells) = RowFit.fit(line.cells, columns: 7) {
                        rows[p.id] = (cells, line.number)
                        pending = nil
                    } else {
                        orphans.append((line.number, line.text))
                    }
                }
                continue
            }
            if id == "apply.received" { started = true }
            guard started else { continue }
            if id.hasPrefix("apply.other.") { inOtherGroup = true; sawSubRows = true }
            let valueCells = hit.trailing + line.cells.dropFirst(hit.cellIndex + 1)
            if rows[id] != nil { continue }  // the first reading of a row stands
            switch RowFit.fit(valueCells, columns: 7) {
            case .empty:
                pending = (id, line.number)
                rows[id] = ([CellValue](repeating: .blank(raw: ""), count: 7), line.number)
            case .fitted(let cells):
                pending = nil
                rows[id] = (cells, line.number)
            case .tooMany:
                pending = nil
                ambiguousRows.append((id, line.number))
                rows[id] = ([CellValue](repeating: .blank(raw: ""), count: 7), line.number)
            }
        }

        guard started || rows.count >= 3 else { return result }
        result.present = true
        // (六)其他处理 heads three sub-rows in 2021 and is a row itself in 2019.
        let format: String
        if sawSubRows {
            format = "2021"
        } else if rows["apply.other"] != nil {
            format = "2019"
        } else {
            format = "2021"
        }
        result.format = format
        let ids = Catalog.applyMetrics(format: format)
        result.declare(ids)
        for row in Catalog.applyRows(format: format) {
            guard let r = rows[row.id] else { continue }
            for (c, column) in Catalog.applicantColumns.enumerated() {
                result.set(row.metric(column.id), r.cells[c], line: r.line)
            }
        }
        if sawSubRows, let r = rows["apply.other"], r.cells.contains(where: { $0.quantity != nil }) {
            // A (六) line with its own numbers above the 2021 sub-rows: not a cell of the 2021 table.
            orphans.append((r.line, "(六)其他处理"))
        }
        for (id, line) in ambiguousRows {
            let cells = Catalog.applicantColumns.map { "\(id).\($0.id)" }
            result.findings.append(Finding(
                check: "ambiguous_cells", severity: .warning,
                message: "第三部分“\(canonicalLabel[id] ?? id)”一行的数字多于7列，无法确定各数字所属的列，已留空",
                cells: cells, line: line))
        }
        for o in orphans {
            result.findings.append(Finding(
                check: "ambiguous_cells", severity: .warning,
                message: "第三部分第\(o.line)行的数字（\(o.text)）不能确定属于哪一行，未采用",
                cells: [], line: o.line))
        }
        for id in ids where result.values[id] == .some(nil) { result.blanks.append(id) }
        return result
    }
}
