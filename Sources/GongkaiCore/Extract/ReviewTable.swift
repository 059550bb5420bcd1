/// Section 四: one data row of 15 cells (行政复议, and 行政诉讼 direct and after review,
/// five columns each), possibly printed as three small tables.
enum ReviewTable {
    static let headerWords = ["行政复议", "行政诉讼", "结果维持", "结果纠正", "尚未审结", "复议后起诉", "直接起诉"]

    /// Each group's 总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结.
    static let identities: [DigitSplit.Identity] = Catalog.reviewGroups.map { g in
        .init(left: Catalog.reviewColumns.dropLast().map { "\(g.id).\($0.id)" }, right: ["\(g.id).total"])
    }

    static func extract(_ lines: ArraySlice<Line>) -> TableResult {
        var result = TableResult()
        var sawHeader = false
        var cells: [(raw: String, line: Int)] = []
        /// Whether some numbers came run together (digits may hide cell boundaries).
        var runTogether = false
        for line in lines {
            let joined = line.joined.withoutSpaces
            if headerWords.contains(where: { joined.has($0) }) {
                // A header only when it is a table line, not prose about reviews.
                guard line.cells.count > 1 || joined.count <= 12 || line.cells.count == 1 && !joined.has("。") else { continue }
                sawHeader = true
                // A flattened header with the numbers run onto its end.
                if line.cells.count == 1 {
                    let (_, trailing) = CellValue.splitLabel(line.cells[0])
                    if !trailing.isEmpty {
                        cells += trailing.map { ($0, line.number) }
                        runTogether = true
                    }
                }
                continue
            }
            guard sawHeader else { continue }
            var row = line.cells
            // A leading label cell (`数量`, `件数`) before the numbers.
            if let first = row.first, !CellValue.isValueLike(first), row.count > 1 { row.removeFirst() }
            let nonEmpty = row.filter { !$0.withoutSpaces.isEmpty }
            guard !nonEmpty.isEmpty, row.allSatisfy(CellValue.isValueLike),
                  nonEmpty.contains(where: { CellValue.parse($0).quantity != nil }) else { continue }
            // One cell holding the whole row separated by single spaces.
            if row.count == 1 {
                row = row[0].split(separator: " ").map(String.init)
                runTogether = true
            }
            cells += row.map { ($0, line.number) }
        }
        guard sawHeader else { return result }
        result.present = true
        result.format = "both"
        let ids = Catalog.reviewMetrics
        result.declare(ids)
        var raw = cells
        while raw.count > ids.count, let last = raw.last, CellValue.parse(last.raw).isBlank { raw.removeLast() }
        while raw.count > ids.count, let first = raw.first, CellValue.parse(first.raw).isBlank { raw.removeFirst() }
        let line = raw.first?.line
        if raw.count == ids.count {
            for (i, cell) in raw.enumerated() { result.set(ids[i], CellValue.parse(cell.raw), line: cell.line) }
        } else if raw.count > ids.count {
            result.findings.append(Finding(
                check: "ambiguous_cells", severity: .warning,
                message: "第四部分的数字有\(raw.count)个，多于表格的15列，无法确定各数字所属的列，已留空",
                cells: ids, line: line))
        } else if !raw.isEmpty {
            let tokens = raw.map(\.raw).filter { !$0.isEmpty }
            let text = tokens.joined(separator: " ")
            var agreed: [String: Int64] = [:]
            if runTogether, let all = DigitSplit.splits(tokens, count: ids.count) {
                let solution = DigitSplit.solve(known: [:], unknowns: [.init(ids: ids, candidates: all)], identities: identities)
                agreed = solution.agreed
                let positions = ids.enumerated().filter { agreed[$0.element] == nil }.map(\.offset)
                let readings = Set(solution.readings[0].map { r in positions.map { r[$0] } }).sorted { $0.lexicographicallyPrecedes($1) }
                if !positions.isEmpty && readings.count <= Alternative.maxReadings {
                    result.alternatives.append(Alternative(cells: positions.map { ids[$0] }, readings: readings))
                }
            }
            for id in ids {
                if let v = agreed[id] { result.set(id, .number(Quantity(Int(v)), raw: text), line: line ?? 0) }
                if agreed[id] == nil { result.provenance[id] = Provenance(line: line ?? 0, text: text) }
            }
            let unresolved = ids.filter { agreed[$0] == nil }
            if !unresolved.isEmpty {
                result.findings.append(Finding(
                    check: "ambiguous_cells", severity: .warning,
                    message: runTogether
                        ? "第四部分的数字连写为“\(text)”，各项总计的勾稽关系不能唯一确定其中\(unresolved.count)个单元格，已留空"
                        : "第四部分只有\(raw.count)个数字，少于表格的15列，无法确定空缺的是哪几列，已留空",
                    cells: unresolved, line: line))
            }
        }
        for id in ids where result.values[id] == .some(nil) { result.blanks.append(id) }
        return result
    }
}
