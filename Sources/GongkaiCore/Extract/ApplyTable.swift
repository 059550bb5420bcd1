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

    /// Labels by their numbering (`(六)` → `(六)其他处理`).
    static let numbered: [String: [(label: String, payload: Label)]] = {
        var out: [String: [(label: String, payload: Label)]] = [:]
        for row in Catalog.applyRows { if let n = Labels.numbering(row.label) { out[n, default: []].append((row.label, .row(row.id))) } }
        return out
    }()

    static let canonicalNumbering: [String: String] = Dictionary(
        uniqueKeysWithValues: Catalog.applyRows.compactMap { row in Labels.numbering(row.label).map { (row.id, $0) } })

    static let canonicalLabel: [String: String] = Dictionary(
        uniqueKeysWithValues: Catalog.applyRows.map { ($0.id, $0.label) } + groups.map { ($0, $0) })

    /// Words of the header rows (applicant kinds), never of a data row.
    static let headerWords = ["申请人情况", "自然人", "商业企业", "科研机构", "社会公益", "法律服务", "勾稽关系", "数据1"]

    static func isHeader(_ line: Line) -> Bool { line.joinedHas(anyOf: headerWords) }

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
            guard cell.containsHan else { continue }
            let (label, trailing) = CellValue.splitLabel(cell)
            guard label.containsHan else { continue }
            if let m = matcher.match(label) {
                // `(六)其他` is not `3.其他`: a printed numbering that contradicts the match points
                // at the label with that numbering, abbreviated.
                if case .row(let id) = m.payload, let n = Labels.numbering(label), canonicalNumbering[id] != n,
                   let alt = numbered[n]?.first(where: { Labels.key($0.label).hasPrefix(Labels.key(label)) }) {
                    out.append(Hit(cellIndex: i, label: alt.payload, printed: label, quality: .variant, trailing: trailing))
                    continue
                }
                out.append(Hit(cellIndex: i, label: m.payload, printed: label, quality: m.quality, trailing: trailing))
                continue
            }
            // A group label glued to its first row (`(四)无2.没有现成信息…`): read from the row's numbering.
            for suffix in numberedSuffixes(label) {
                if let m = matcher.match(suffix), case .row = m.payload {
                    out.append(Hit(cellIndex: i, label: m.payload, printed: suffix, quality: m.quality, trailing: trailing))
                    break
                }
            }
        }
        return out
    }

    /// The tails of `label` that start at a row numbering (`2.`, `3、`) inside it.
    static func numberedSuffixes(_ label: String) -> [String] {
        let chars = Array(label.withoutSpaces)
        var out: [String] = []
        for i in 1..<max(1, chars.count - 2) where chars[i].isASCIIDigit && !chars[i - 1].isASCIIDigit {
            if chars[i + 1] == "." || chars[i + 1] == "、" { out.append(String(chars[i...])) }
        }
        return out
    }

    /// What one line of the table region holds.
    enum Event {
        /// A row label with its value cells (`structural`: separated by tabs or pipes;
        /// otherwise tokens whose digits may have been run together).
        case labeled(id: String, cells: [String], structural: Bool, line: Int)
        /// A row label with no values on its line.
        case labelOnly(id: String, line: Int)
        /// Numbers with no label.
        case unlabeled(cells: [String], structural: Bool, line: Int)
    }

    /// How a row's cells were read.
    enum Reading {
        case cells([CellValue], line: Int)
        /// Run-together digits: every reading of them as seven numbers.
        case candidates([[Int64]], raw: String, line: Int)
        /// Numbers whose columns cannot be told: left blank and reported.
        case ambiguous(line: Int, reason: String)
    }

    static let subRows: Set<String> = ["apply.other.no_correction", "apply.other.unpaid_fee", "apply.other.other"]

    static func events(_ lines: ArraySlice<Line>, variants: inout TableResult) -> [Event] {
        var out: [Event] = []
        var inOtherGroup = false
        for line in lines {
            if isHeader(line) { continue }
            let found = hits(in: line)
            // A header row invented mid-table (`项目|本年新收件数|…|予以公开|部分公开|…`): labels, no numbers.
            if found.count >= 3, !line.cells.contains(where: { CellValue.parse($0).quantity != nil }) { continue }
            var rowHit: Hit?
            for hit in found.reversed() {
                // The rightmost label names the row; labels to its left are its groups.
                if case .row(let id) = hit.label {
                    if id == "apply.other.other" && !inOtherGroup && !hit.printed.withoutSpaces.hasPrefix("3") { continue }
                    rowHit = hit
                    break
                }
            }
            for hit in found {
                if hit.quality == .variant {
                    switch hit.label {
                    case .row(let id), .group(let id): variants.variant(hit.printed, canonicalLabel[id] ?? id, line: line.number)
                    }
                }
                if case .group = hit.label { inOtherGroup = false }
                if case .row(let id) = hit.label, id == "apply.other" || subRows.contains(id) { inOtherGroup = true }
            }
            if let hit = rowHit, case .row(let id) = hit.label {
                let after = Array(line.cells.dropFirst(hit.cellIndex + 1))
                let structural = after.contains { !$0.withoutSpaces.isEmpty }
                if structural {
                    out.append(.labeled(id: id, cells: hit.trailing + after, structural: true, line: line.number))
                } else if !hit.trailing.isEmpty {
                    out.append(.labeled(id: id, cells: hit.trailing, structural: false, line: line.number))
                } else if !after.isEmpty {
                    // Empty cells after the label: a blank row, not a label waiting for its values.
                    out.append(.labeled(id: id, cells: after, structural: true, line: line.number))
                } else {
                    out.append(.labelOnly(id: id, line: line.number))
                }
                continue
            }
            let values = line.cells.filter { !$0.withoutSpaces.isEmpty }
            guard !values.isEmpty, found.isEmpty || values.allSatisfy(CellValue.isValueLike) else { continue }
            // A value row may still carry a fragment of its label (`行政机关不再处理其政…`).
            var cells = line.cells
            while let first = cells.first, !first.withoutSpaces.isEmpty, !CellValue.isValueLike(first) { cells.removeFirst() }
            while let first = cells.first, first.withoutSpaces.isEmpty, cells.count > 7 { cells.removeFirst() }
            guard cells.allSatisfy(CellValue.isValueLike),
                  cells.contains(where: { CellValue.parse($0).quantity != nil }) else { continue }
            if cells.count == 1 {
                out.append(.unlabeled(cells: cells[0].split(separator: " ").map(String.init), structural: false, line: line.number))
            } else {
                out.append(.unlabeled(cells: cells, structural: true, line: line.number))
            }
        }
        return out
    }

    /// Reads one row's cells: tab/pipe cells fitted to the seven columns, or
    /// run-together tokens split into every possible seven numbers.
    static func read(_ cells: [String], structural: Bool, line: Int) -> Reading {
        if structural {
            switch RowFit.fit(cells, columns: 7) {
            case .fitted(let v): return .cells(v, line: line)
            case .empty: return .ambiguous(line: line, reason: "没有数字")
            case .tooMany: return .ambiguous(line: line, reason: "数字多于7列")
            case .tooFew: return .ambiguous(line: line, reason: "数字少于7列，无法确定空缺的是哪几列")
            }
        }
        let tokens = cells.filter { !$0.isEmpty }
        if tokens.count == 7 {
            let parsed = tokens.map { CellValue.parse($0) }
            if parsed.allSatisfy({ $0.quantity != nil || $0.isBlank }) { return .cells(parsed, line: line) }
        }
        let raw = tokens.joined(separator: " ")
        if let all = DigitSplit.splits(DigitSplit.signTokens(tokens), count: 7) {
            if all.isEmpty { return .ambiguous(line: line, reason: "数字连写，无法分成7列") }
            // The row's own identity first: 总计 = the six columns.
            let summing = all.count == 1 ? all : all.filter { $0[0..<6].reduce(0, &+) == $0[6] }
            if summing.count == 1 { return .cells(summing[0].map { .number(Quantity(Int($0)), raw: raw) }, line: line) }
            if summing.isEmpty { return .ambiguous(line: line, reason: "数字连写为“\(raw)”，没有一种分法使“总计”等于各列之和") }
            return .candidates(summing, raw: raw, line: line)
        }
        return .ambiguous(line: line, reason: "数字连写，可能的分法过多")
    }

    static func extract(_ lines: ArraySlice<Line>) -> TableResult {
        var result = TableResult()
        let events = events(lines, variants: &result)

        // The format, from the labels present anywhere in the table.
        var labelsSeen = Set<String>()
        var started = false
        for e in events {
            switch e {
            case .labeled(let id, _, _, _), .labelOnly(let id, _): labelsSeen.insert(id)
            case .unlabeled: break
            }
        }
        started = labelsSeen.contains("apply.received")
        guard started || labelsSeen.count >= 3 else { return result }
        let sawSubRows = !labelsSeen.isDisjoint(with: subRows)
        let format = sawSubRows || !labelsSeen.contains("apply.other") ? "2021" : "2019"
        let order = Catalog.applyRows(format: format).map(\.id)
        let position = positions(format: format)
        var labelOnly = Set<String>()
        for e in events { if case .labelOnly(let id, _) = e { labelOnly.insert(id) } }

        // Rows in text order; a value row without a label belongs to the next row of the
        // table after the last one read, when that row's label stands alone somewhere.
        var readings: [String: Reading] = [:]
        var last = -1
        var orphans: [(line: Int, text: String)] = []
        var begun = false
        for e in events {
            switch e {
            case .labeled(let id, let cells, let structural, let line):
                if id == "apply.received" { begun = true }
                guard begun || !started, let p = position[id] else { continue }
                if readings[id] == nil { readings[id] = read(cells, structural: structural, line: line) }
                last = p
            case .labelOnly(let id, _):
                if id == "apply.received" { begun = true }
            case .unlabeled(let cells, let structural, let line):
                guard begun || !started else { continue }
                let next = last + 1
                let reading = read(cells, structural: structural, line: line)
                var isRow = true
                if case .ambiguous = reading { isRow = false }  // a stray number, not a detached row
                if isRow, next < order.count, readings[order[next]] == nil, labelOnly.contains(order[next]) {
                    readings[order[next]] = reading
                    last = next
                } else {
                    orphans.append((line, cells.joined(separator: " ")))
                }
            }
        }

        result.present = true
        result.format = format
        let ids = Catalog.applyMetrics(format: format)
        let idSlots = slots(format: format)
        result.declare(slots: idSlots.flatMap { $0 })

        // Run-together rows: keep only what the table's identities pin down (the known
        // cells are gathered only when there are such rows to solve).
        let solving = readings.values.contains { if case .candidates = $0 { return true } else { return false } }
        var known: [String: Int64?] = [:]
        var unknowns: [DigitSplit.Unknown] = []
        var candidateRows: [(id: String, raw: String, line: Int)] = []
        for (row, cellSlots) in zip(Catalog.applyRows(format: format), idSlots) {
            let cellIDs = row.cells
            switch readings[row.id] {
            case .cells(let values, let line)?:
                for ((id, slot), v) in zip(zip(cellIDs, cellSlots), values) {
                    result.set(id, slot: slot, v, line: line)
                    if solving { known[id] = v.quantity.flatMap { $0.isInteger ? Int64($0.mantissa) : nil } }
                }
            case .candidates(let all, let raw, let line)?:
                unknowns.append(DigitSplit.Unknown(ids: cellIDs, candidates: all))
                candidateRows.append((row.id, raw, line))
            case .ambiguous(let line, let reason)?:
                result.findings.append(Finding(
                    check: "ambiguous_cells", severity: .warning,
                    message: "第三部分“\(row.label)”一行\(reason)，已留空",
                    cells: cellIDs, line: line))
                for slot in cellSlots { result.provenance[index: slot] = Provenance(line: line, text: "") }
            case nil:
                continue
            }
        }
        if !unknowns.isEmpty {
            let solution = DigitSplit.solve(known: known, unknowns: unknowns, identities: identities(format: format))
            let agreed = solution.agreed
            for (i, (u, row)) in zip(unknowns, candidateRows).enumerated() {
                var unresolved: [String] = []
                for id in u.ids {
                    if let v = agreed[id] {
                        result.set(id, .number(Quantity(Int(v)), raw: row.raw), line: row.line)
                    } else {
                        unresolved.append(id)
                        result.provenance[id] = Provenance(line: row.line, text: row.raw)
                    }
                }
                if !unresolved.isEmpty {
                    let positions = u.ids.enumerated().filter { agreed[$0.element] == nil }.map(\.offset)
                    let readings = Set(solution.readings[i].map { r in positions.map { r[$0] } }).sorted { $0.lexicographicallyPrecedes($1) }
                    if readings.count <= Alternative.maxReadings {
                        result.alternatives.append(Alternative(cells: unresolved, readings: readings))
                    }
                    result.findings.append(Finding(
                        check: "ambiguous_cells", severity: .warning,
                        message: "第三部分“\(canonicalLabel[row.id] ?? row.id)”一行的数字连写为“\(row.raw)”，表内勾稽关系不能唯一确定其中\(unresolved.count)个单元格，已留空",
                        cells: unresolved, line: row.line))
                }
            }
        }
        for o in orphans {
            result.findings.append(Finding(
                check: "ambiguous_cells", severity: .warning,
                message: "第三部分第\(o.line)行的数字（\(o.text)）不能确定属于哪一行，未采用",
                cells: [], line: o.line))
        }
        for (id, slot) in zip(ids, idSlots.joined()) where result.values[index: slot] == .some(nil) { result.blanks.append(id) }
        return result
    }

    /// Each row's position in the table of `format`.
    static func positions(format: String) -> [String: Int] {
        format == "2019" ? positions2019 : (format == "2021" ? positions2021 : computePositions(format))
    }
    static let positions2019 = computePositions("2019")
    static let positions2021 = computePositions("2021")
    static func computePositions(_ format: String) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: Catalog.applyRows(format: format).map(\.id).enumerated().map { ($1, $0) })
    }

    /// The catalog slots of each row's seven cells, rows in table order (`Catalog.applyMetrics` order).
    static func slots(format: String) -> [[Int]] {
        format == "2019" ? slots2019 : (format == "2021" ? slots2021 : computeSlots(format))
    }
    static let slots2019 = computeSlots("2019")
    static let slots2021 = computeSlots("2021")
    static func computeSlots(_ format: String) -> [[Int]] {
        Catalog.applyRows(format: format).map { $0.cells.map { Catalog.metricIndex[$0]! } }
    }

    /// The table's own identities: each row's 总计, 一+二 = 三(七)+四 and 三(七) = Σ results, per column.
    static func identities(format: String) -> [DigitSplit.Identity] {
        format == "2019" ? identities2019 : (format == "2021" ? identities2021 : computeIdentities(format: format))
    }
    static let identities2019 = computeIdentities(format: "2019")
    static let identities2021 = computeIdentities(format: "2021")

    static func computeIdentities(format: String) -> [DigitSplit.Identity] {
        var out: [DigitSplit.Identity] = []
        let parts = Catalog.applicantColumns.dropLast().map(\.id)
        for row in Catalog.applyRows(format: format) {
            out.append(.init(left: parts.map { row.metric($0) }, right: [row.metric("total")]))
        }
        let results = Catalog.resultRows(format: format)
        for c in Catalog.applicantColumns.map(\.id) {
            out.append(.init(left: ["apply.received.\(c)", "apply.carried_over.\(c)"], right: ["apply.total.\(c)", "apply.carried_forward.\(c)"]))
            out.append(.init(left: results.map { $0.metric(c) }, right: ["apply.total.\(c)"]))
        }
        return out
    }
}
