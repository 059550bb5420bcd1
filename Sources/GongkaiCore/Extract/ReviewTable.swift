/// Section 四: one data row of 15 cells (行政复议, and 行政诉讼 direct and after review,
/// five columns each), possibly printed as three small tables.
enum ReviewTable {
    static let headerWords = ["行政复议", "行政诉讼", "结果维持", "结果纠正", "尚未审结", "复议后起诉", "直接起诉"]

    static func extract(_ lines: ArraySlice<Line>) -> TableResult {
        var result = TableResult()
        var sawHeader = false
        var cells: [(raw: String, line: Int)] = []
        for line in lines {
            let joined = line.cells.joined().withoutSpaces
            if headerWords.contains(where: { joined.contains($0) }) {
                // A header only when it is a table line, not prose about reviews.
                if line.cells.count > 1 || joined.count <= 12 { sawHeader = true }
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
            if row.count == 1 { row = row[0].split(separator: " ").map(String.init) }
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
        if raw.count > ids.count {
            result.findings.append(Finding(
                check: "ambiguous_cells", severity: .warning,
                message: "第四部分的数字有\(raw.count)个，多于表格的15列，无法确定各数字所属的列，已留空",
                cells: ids, line: raw.first?.line))
        } else {
            for (i, cell) in raw.enumerated() {
                result.set(ids[i], CellValue.parse(cell.raw), line: cell.line)
            }
        }
        for id in ids where result.values[id] == .some(nil) { result.blanks.append(id) }
        return result
    }
}
