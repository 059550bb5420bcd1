/// Normalized document → report: metadata, the three standard tables by metric
/// id, and the per-report checks.
public enum Extractor {
    /// Bump when extraction changes what it produces (keys the incremental cache).
    public static let version = "1"

    public static func extract(_ doc: NormalizedDocument) -> Report {
        var report = Report(path: doc.path, sha256: doc.sha256, bytes: doc.bytes, sourceFormat: doc.format)
        // Flattened tables (crawled pages) are cut back into rows first.
        let lines = Segmenter.segment(doc.lines)
        let starts = Metadata.sectionStarts(lines)

        // Metadata.
        let title = Metadata.title(lines)
        report.agency = title.agency ?? Metadata.issuer(lines)
        let period = Metadata.period(lines)
        report.periodStart = period?.start
        report.periodEnd = period?.end
        report.year = title.year ?? period.flatMap { Int($0.start.prefix(4)) }
        let signatureFrom = starts["六"] ?? starts["五"] ?? max(0, lines.count - 8)
        report.published = Metadata.published(lines, after: signatureFrom)?.date
        report.sections = Metadata.numerals.filter { starts[$0] != nil }

        // Where each table is: between its section heading and the next one,
        // or around its own labels when headings are missing.
        func firstLine(from: Int = 0, where test: (Line) -> Bool) -> Int? {
            guard from < lines.count else { return nil }
            return lines[from...].firstIndex(where: test)
        }
        let end = lines.count
        let activeStart = starts["二"] ?? firstLine { $0.joined.has("第二十条") }
        let applyStart = starts["三"] ?? firstLine { l in
            let t = l.joined.withoutSpaces
            return t.has("勾稽关系") || t.has("本年新收")
        }
        let reviewStart = starts["四"] ?? firstLine(from: applyStart ?? activeStart ?? 0) { l in
            let t = l.joined.withoutSpaces
            return t.has("结果维持") || (t.has("行政复议") && l.cells.count > 1)
        }
        let tail = [starts["五"], starts["六"]].compactMap { $0 }
        /// From `start` to the next boundary; a section heading line itself is not part of its table.
        func region(_ start: Int?, _ ends: [Int?]) -> ArraySlice<Line> {
            guard let start else { return [] }
            let stop = (ends.compactMap { $0 } + tail + [end]).filter { $0 > start }.min() ?? end
            let first = starts.values.contains(start) ? start + 1 : start
            return first < stop ? lines[first..<stop] : []
        }
        let active = ActiveTable.extract(region(activeStart, [applyStart, reviewStart]), yearGuess: report.year)
        let apply = ApplyTable.extract(region(applyStart, [reviewStart]))
        let review = ReviewTable.extract(region(reviewStart, []))

        report.activeFormat = active.present ? active.format : nil
        report.applyFormat = apply.present ? apply.format : nil
        for table in [active, apply, review] where table.present {
            report.values.merge(table.values) { a, _ in a }
            report.provenance.merge(table.provenance) { a, _ in a }
            report.alternatives += table.alternatives
        }

        // Not an annual report at all: no title, no sections, no tables.
        if title.year == nil && report.sections.count < 2 && !active.present && !apply.present && !review.present {
            report.status = "not_a_report"
            report.findings = [Finding(check: "not_a_report", severity: .warning,
                                       message: "未找到政府信息公开工作年度报告的标题、章节或统计表，不是年度报告")]
            return report
        }

        // Prose: every line outside the three tables.
        var inTables = Set<Int>()
        for (start, table) in [(activeStart, active), (applyStart, apply), (reviewStart, review)] where table.present {
            if let start { for i in region(start, []).indices { inTables.insert(i) } }
        }
        // Sketches of sections 一 and 五 for the boilerplate check across years.
        for section in ["一", "五"] {
            guard let start = starts[section] else { continue }
            let stop = starts.values.filter { $0 > start }.min() ?? lines.count
            let text = ((start + 1)..<stop).filter { !inTables.contains($0) }.map { lines[$0].joined }.joined()
            if let sketch = Fingerprint.sketch(text) { report.fingerprints[section] = sketch }
        }

        // Per-report checks.
        var findings: [Finding] = []
        findings += active.findings + apply.findings + review.findings
        if apply.present, let f = apply.format {
            findings += ReportChecks.balance(report.values)
            findings += ReportChecks.rowTotals(report.values, format: f)
            findings += ReportChecks.resultTotals(report.values, format: f)
        }
        if review.present { findings += ReportChecks.reviewTotals(report.values) }
        let prose = lines.indices.filter { !inTables.contains($0) }.map { lines[$0] }
        findings += Narrative.check(prose: prose, values: report.values, applyFormat: report.applyFormat, reviewPresent: review.present)
        findings += ReportChecks.outdatedFormat(year: report.year, active: report.activeFormat, apply: report.applyFormat)
        findings += ReportChecks.missingSections(report.sections)
        findings += ReportChecks.missingTables(sections: report.sections, active: active.present, apply: apply.present, review: review.present)
        for (table, section) in [(active, "二"), (apply, "三"), (review, "四")] where table.present {
            findings += ReportChecks.blankCells(table.blanks.filter { !table.unreadable.contains($0) }, section: section)
            findings += ReportChecks.unreadableCells(table.unreadable, section: section)
        }
        findings += ReportChecks.partialPeriod(year: report.year, start: report.periodStart, end: report.periodEnd, line: period?.line)
        findings += ReportChecks.yearMismatch(titleYear: title.year, periodStart: report.periodStart, path: report.path)
        findings += ReportChecks.latePublication(year: report.year, published: report.published)
        findings += ReportChecks.labelVariants(active.variants + apply.variants + review.variants)
        report.findings = findings
        return report
    }
}
