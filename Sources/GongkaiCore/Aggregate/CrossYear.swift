/// The checks that need all of an agency's reports: carry-overs between
/// consecutive years, duplicates, boilerplate. Each finding belongs to the later report.
enum CrossYear {
    /// A term of an identity: a cell of one of the two reports (0: the earlier, 1: the
    /// later), added or subtracted. The cell's catalog slot is worked out once.
    struct Term {
        var which: Int
        var cell: String
        var slot: Int?
        var sign: Int64

        init(_ which: Int, _ cell: String, _ sign: Int64) {
            self.which = which
            self.cell = cell
            slot = Catalog.metricIndex[cell]
            self.sign = sign
        }
    }

    enum Outcome {
        case holds
        case fails
        /// A blank cell: not checked.
        case undetermined
    }

    /// Whether Σ terms = 0 over `reports` (the two a term's `which` picks from). Blank cells
    /// whose run-together digits allow several readings are tried in every reading: the
    /// identity fails only if no reading satisfies it.
    static func evaluate(_ terms: [Term], _ reports: [Report]) -> Outcome {
        var fixed: Int64 = 0
        var groups: [(alt: Alternative, positions: [(index: Int, sign: Int64)])] = []
        var groupIndex: [Int: Int] = [:]  // report × 1,000,000 + alternative → group
        for t in terms {
            // The cell read in place (binding the report would copy all of it, for every term).
            if let v = (t.slot.map { reports[t.which].values[index: $0] } ?? reports[t.which].values[t.cell]) ?? nil {
                guard v.isInteger else { return .undetermined }
                fixed = fixed &+ t.sign &* v.mantissa
                continue
            }
            guard let (ai, alt) = reports[t.which].alternatives.enumerated().first(where: { $0.element.cells.contains(t.cell) }),
                  let k = alt.cells.firstIndex(of: t.cell) else { return .undetermined }
            let key = t.which * 1_000_000 + ai
            if let g = groupIndex[key] {
                groups[g].positions.append((k, t.sign))
            } else {
                groupIndex[key] = groups.count
                groups.append((alt, [(k, t.sign)]))
            }
        }
        if groups.isEmpty { return fixed == 0 ? .holds : .fails }
        var product = 1
        for g in groups {
            product = product.multipliedReportingOverflow(by: max(1, g.alt.readings.count)).partialValue
            if product > 1_000_000 { return .undetermined }
        }
        func walk(_ i: Int, _ acc: Int64) -> Bool {
            if i == groups.count { return acc == 0 }
            for r in groups[i].alt.readings {
                var a = acc
                for p in groups[i].positions where p.index < r.count { a = a &+ p.sign &* r[p.index] }
                if walk(i + 1, a) { return true }
            }
            return false
        }
        return walk(0, fixed) ? .holds : .fails
    }

    static func int(_ r: Report, _ cell: String) -> Int64? {
        guard let v = r.values[cell] ?? nil, v.isInteger else { return nil }
        return v.mantissa
    }

    static func checks(agency: String, reports: [Report]) -> [(Report, Finding)] {
        var out: [(Report, Finding)] = []
        // Positions, not copies of the reports (a copy retains every member of one).
        let sorted = reports.indices.sorted { (reports[$0].year ?? 0, reports[$0].path) < (reports[$1].year ?? 0, reports[$1].path) }
        // Same agency and year, different files.
        var byYear: [Int: [Int]] = [:]
        for k in sorted { if let y = reports[k].year { byYear[y, default: []].append(k) } }
        for (year, group) in byYear where group.count > 1 {
            for k in group {
                let others = group.filter { reports[$0].path != reports[k].path }.map { reports[$0].path }
                out.append((reports[k], Finding(check: "duplicate_report", severity: .info,
                                                message: "\(agency)\(year)年度有\(group.count)份报告：另见\(others.joined(separator: "、"))",
                                                actual: .array(others.map(JSON.string)))))
            }
        }
        // Consecutive years, first report of each year.
        let firsts = byYear.keys.sorted().map { byYear[$0]![0] }
        for (p, c) in zip(firsts, firsts.dropFirst()) {
            guard let py = reports[p].year, let cy = reports[c].year, cy == py + 1 else { continue }
            let pair = [reports[p], reports[c]]
            var found = applicationCarry(pair)
            found += inForceCarry(pair)
            found += boilerplate(pair[0], pair[1])
            for f in found { out.append((pair[1], f)) }
        }
        return out
    }

    /// 四 结转下年度继续办理 (N−1) = 二 上年结转 (N), per applicant column.
    static func applicationCarry(_ pair: [Report]) -> [Finding] {
        let prev = pair[0], cur = pair[1]
        guard prev.applyFormat != nil, cur.applyFormat != nil else { return [] }
        var out: [Finding] = []
        for (c, terms) in zip(Catalog.applicantColumns, carryTerms) {
            let before = terms[0].cell, after = terms[1].cell
            let outcome = evaluate(terms, pair)
            guard case .fails = outcome else { continue }
            let l = int(prev, before), r = int(cur, after)
            let figures = (l != nil && r != nil) ? "\(prev.year!)年“结转下年度继续办理”为\(l!)件，\(cur.year!)年“上年结转”为\(r!)件"
                : "\(prev.year!)年“结转下年度继续办理”与\(cur.year!)年“上年结转”无论连写数字如何拆分都不相等"
            out.append(Finding(check: "application_carry", severity: .error,
                               message: "第三部分“\(c.label)”列：\(figures)（对照\(prev.path)）",
                               cells: [after], expected: l.map { .number(String($0)) }, actual: r.map { .number(String($0)) }))
        }
        return out
    }

    /// Per applicant column: 四 结转下年度 of the earlier report, 二 上年结转 of the later.
    static let carryTerms: [[Term]] = Catalog.applicantColumns.map { c in
        [Term(0, "apply.carried_forward.\(c.id)", 1), Term(1, "apply.carried_over.\(c.id)", -1)]
    }

    /// Per row of section 二 (2021): 现行有效 of the earlier report, 制发, 废止 and 现行有效 of the later.
    static let inForceTerms: [[Term]] = ["active.regulations", "active.normative"].map { row in
        [Term(0, "\(row).in_force", 1), Term(1, "\(row).issued", 1), Term(1, "\(row).repealed", -1), Term(1, "\(row).in_force", -1)]
    }

    /// 2021 format: 现行有效件数(N) = 现行有效件数(N−1) + 本年制发件数(N) − 本年废止件数(N).
    static func inForceCarry(_ pair: [Report]) -> [Finding] {
        let prev = pair[0], cur = pair[1]
        guard prev.activeFormat == "2021", cur.activeFormat == "2021" else { return [] }
        var out: [Finding] = []
        for ((row, label), terms) in zip([("active.regulations", "规章"), ("active.normative", "行政规范性文件")], inForceTerms) {
            guard case .fails = evaluate(terms, pair) else { continue }
            let message: String
            var l: Int64?, r: Int64?
            if let before = int(prev, "\(row).in_force"), let issued = int(cur, "\(row).issued"),
               let repealed = int(cur, "\(row).repealed"), let now = int(cur, "\(row).in_force") {
                l = before &+ issued &- repealed
                r = now
                message = "第二部分“\(label)”：\(prev.year!)年现行有效\(before)件，加\(cur.year!)年制发\(issued)件、减废止\(repealed)件应为\(l!)件，实填\(now)件（对照\(prev.path)）"
            } else {
                message = "第二部分“\(label)”：\(prev.year!)年现行有效件数加\(cur.year!)年制发、减废止，无论连写数字如何拆分都不等于\(cur.year!)年现行有效件数（对照\(prev.path)）"
            }
            out.append(Finding(check: "in_force_carry", severity: .error, message: message,
                               cells: ["\(row).in_force", "\(row).issued", "\(row).repealed"],
                               expected: l.map { .number(String($0)) }, actual: r.map { .number(String($0)) }))
        }
        return out
    }

    /// Sections 一 and 五 nearly word for word the same as last year's.
    static func boilerplate(_ prev: Report, _ cur: Report) -> [Finding] {
        var out: [Finding] = []
        for (section, name) in [("一", "总体情况"), ("五", "存在的主要问题及改进情况")] {
            guard let a = prev.fingerprints[section], let b = cur.fingerprints[section] else { continue }
            let s = Fingerprint.similarity(a, b)
            guard s >= Fingerprint.boilerplateThreshold else { continue }
            out.append(Finding(check: "boilerplate", severity: .info,
                               message: "第\(section)部分（\(name)）与\(prev.year!)年报告（\(prev.path)）几乎逐字相同（相似度\(Int((s * 100).rounded()))%）",
                               actual: .number(String(format: "%.2f", s))))
        }
        return out
    }
}
