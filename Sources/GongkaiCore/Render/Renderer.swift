import Foundation

/// How tables look: CSV for machines (RFC 4180, UTF-8), Markdown for people with
/// SVG charts beside it, and an index. Stable order and number text, no
/// timestamps: the same tables always give the same bytes.
public struct Renderer {
    public var excelBOM = false

    public init(excelBOM: Bool = false) { self.excelBOM = excelBOM }

    /// The file that lists what render wrote, so the next run can remove what it no longer writes.
    public static let manifestName = ".gongkai-manifest"

    /// A cell as CSV/Markdown text: numbers as printed, null as empty.
    static func cellText(_ v: JSON) -> String {
        switch v {
        case .null: return ""
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n
        case .string(let s): return s
        case .array, .object, .ordered: return v.serialized
        }
    }

    // MARK: CSV

    public func csv(_ table: Table) -> String {
        var out = excelBOM ? "\u{FEFF}" : ""
        out += table.columns.map { Renderer.csvField($0.id) }.joined(separator: ",") + "\r\n"
        for row in table.rows {
            out += Renderer.csvRow(row)
        }
        return out
    }

    /// A cell as a CSV field. Text that a spreadsheet would run as a formula (it starts
    /// with `=`, `+`, `-`, `@`, a tab or a carriage return: an agency name or a file name
    /// can) gets a `'` in front; numbers, negative ones included, are written as they are.
    static func csvCell(_ v: JSON) -> String {
        if case .string(let s) = v, let f = s.utf8.first,
           f == UInt8(ascii: "=") || f == UInt8(ascii: "+") || f == UInt8(ascii: "-") || f == UInt8(ascii: "@") || f == 0x09 || f == 0x0D {
            return csvField("'" + s)
        }
        return csvField(cellText(v))
    }

    /// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
    static func csvField(_ s: String) -> String {
        // Bytes, not characters: a field needs quotes only for ASCII reasons.
        let u = s.utf8
        if u.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) || u.first == 0x20 || u.last == 0x20 {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    // MARK: Markdown

    public func markdown(_ table: Table) -> String { markdown(table, charts: Renderer.charts(table)) }

    /// The Markdown of a table whose charts are already drawn.
    func markdown(_ table: Table, charts: [ChartFile]) -> String {
        var out = "# \(Renderer.mdInline(table.title))\n\n"
        if !table.description.isEmpty { out += Renderer.mdInline(table.description) + "\n\n" }
        if table.rows.isEmpty {
            out += "(no rows)\n"
            return out
        }
        for c in charts where c.group == nil { out += Renderer.image(c) + "\n\n" }
        guard let grouping = table.grouping, let g = table.column(grouping.column) else {
            let shown = Array(table.rows.prefix(Renderer.markdownRowLimit))
            return out + Renderer.mdTable(table.columns, shown) + Renderer.moreRows(table.rowCount, shown: shown.count, name: table.name)
        }
        for (n, (value, rows)) in Renderer.groups(table.rows, by: g).enumerated() {
            if n > 0 { out += "\n" }
            out += Renderer.section(table, grouping: grouping, value: value, rows: rows, charts: charts.filter { $0.group == value })
        }
        return out
    }

    /// The Markdown of one section of a grouped table: heading, the facts constant
    /// within it, its charts, and its rows without the grouping columns.
    static func section(_ table: Table, grouping: Table.Grouping, value: String, rows: [[JSON]], charts: [ChartFile]) -> String {
        guard let g = table.column(grouping.column) else { return "" }
        let details = grouping.details.compactMap { table.column($0) }
        let hidden = Set([g] + details)
        let columns = table.columns.enumerated().filter { !hidden.contains($0.offset) }
        var out = "## \(value.isEmpty ? "（空白）" : Renderer.mdEscape(value))\n\n"
        let facts = details.compactMap { i -> String? in
            let v = Renderer.cellText(rows.first?[safe: i] ?? .null)
            return v.isEmpty ? nil : "\(Renderer.mdEscape(table.columns[i].label))：\(Renderer.mdEscape(v))"
        }
        if !facts.isEmpty { out += facts.joined(separator: " · ") + "\n\n" }
        for c in charts { out += Renderer.image(c) + "\n\n" }
        return out + Renderer.mdTable(columns.map(\.element), rows.map { row in columns.map { row[safe: $0.offset] ?? .null } })
    }

    /// The charts of one section of a grouped table.
    static func sectionCharts(_ table: Table, value: String, rows: [[JSON]]) -> [ChartFile] {
        let stem = safeFileName(table.name)
        return table.charts.filter(\.perGroup).compactMap { chart in
            let title = "\(value.isEmpty ? "（空白）" : value)：\(chart.title)"
            return draw(chart, table: table, rows: rows, title: title).map {
                ChartFile(file: "\(stem)-\(safeFileName(chart.id))-\(uniqueFileStem(value)).svg", title: title, group: value, svg: $0)
            }
        }
    }

    /// A Markdown page shows at most this many rows of an ungrouped table; the CSV has them all.
    public static let markdownRowLimit = 2000
    /// The index (README.md) shows a table's first rows, at most this many.
    public static let indexRowLimit = 50

    /// The note under a Markdown table cut at `markdownRowLimit`.
    static func moreRows(_ total: Int, shown: Int, name: String) -> String {
        guard total > shown else { return "" }
        let csv = safeFileName(name) + ".csv"
        return "\n……另有 \(total - shown) 行未在此列出，全部 \(total) 行见 [\(csv)](\(linkTarget(csv)))。(The first \(shown) of \(total) rows; all are in the CSV.)\n"
    }

    /// A Markdown table of `columns` (those for machines only left out): Chinese labels,
    /// numbers right-aligned, blanks blank, every row with one cell per column.
    static func mdTable(_ columns: [Table.Column], _ rows: [[JSON]]) -> String {
        var out = Array(mdHeader(columns).utf8)
        let shown = shownColumns(columns)
        for row in rows { appendMDRow(shown, row, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The positions of the columns a Markdown table shows (those for machines left out).
    static func shownColumns(_ columns: [Table.Column]) -> [Int] { columns.indices.filter { !columns[$0].machineOnly } }

    static func mdHeader(_ columns: [Table.Column]) -> String {
        let shown = shownColumns(columns)
        return "| " + shown.map { mdCell(columns[$0].label) }.joined(separator: " | ") + " |\n"
            + "|" + shown.map { columns[$0].type == "text" ? " --- |" : " ---: |" }.joined() + "\n"
    }

    /// A Markdown row's bytes: the cells at `shown` as `mdCell` writes them, appended
    /// without making strings for the cells that need no change, which are most.
    static func appendMDRow(_ shown: [Int], _ row: [JSON], to out: inout [UInt8]) {
        out.append(0x7C)
        out.append(0x20)
        for (k, i) in shown.enumerated() {
            if k > 0 { out.append(0x20); out.append(0x7C); out.append(0x20) }
            switch row[safe: i] ?? .null {
            case .null: break
            case .number(let n) where !mdNeedsChange(n): out.append(utf8: n)
            case .string(let s) where !mdNeedsChange(s): out.append(utf8: s)
            case let v: out.append(utf8: mdCell(cellText(v)))
            }
        }
        out.append(0x20)
        out.append(0x7C)
        out.append(0x0A)
    }

    /// Whether `mdCell` might change this text: a backslash, `|`, a control character or
    /// the lead byte of a C1 control (U+0080–U+009F) is in it. (Then `mdCell` decides.)
    static func mdNeedsChange(_ s: String) -> Bool {
        s.utf8.contains { $0 < 0x20 || $0 == 0x5C || $0 == 0x7C || $0 == 0x7F || $0 == 0xC2 }
    }

    static func csvRow(_ row: [JSON]) -> String {
        var out: [UInt8] = []
        appendCSVRow(row, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A CSV row's bytes (cells as `csvCell` writes them), appended without making strings
    /// for the cells that need no change, which are most.
    /// Rows as CSV lines (a row's CSV does not depend on its table: made on any thread).
    public static func csvLines<C: Collection>(_ rows: C) -> [UInt8] where C.Element == [JSON] {
        var out: [UInt8] = []
        for row in rows { appendCSVRow(row, to: &out) }
        return out
    }

    static func appendCSVRow(_ row: [JSON], to out: inout [UInt8]) {
        for i in row.indices {
            if i > 0 { out.append(0x2C) }
            switch row[i] {
            case .null: break
            case .number(let n): if !appendPlainCSV(n, to: &out) { out.append(utf8: csvCell(row[i])) }
            case .string(let s): if !appendPlainCSV(s, to: &out) { out.append(utf8: csvCell(row[i])) }
            default: out.append(utf8: csvCell(row[i]))
            }
        }
        out.append(0x0D)
        out.append(0x0A)
    }

    /// Appends `s` as its CSV cell when `csvCell` would leave it as it is (no quoting, no
    /// leading character a spreadsheet takes for a formula) and says so; false: nothing appended.
    /// One pass over the bytes (the generic `first`/`last`/`contains` of a string's UTF-8 view
    /// cost a few hundred instructions a cell, a quarter of a cold render).
    @inline(__always) static func appendPlainCSV(_ s: String, to out: inout [UInt8]) -> Bool {
        var s = s
        return s.withUTF8 { u in
            guard let f = u.first else { return true }
            if f == UInt8(ascii: "=") || f == UInt8(ascii: "+") || f == UInt8(ascii: "-") || f == UInt8(ascii: "@") || f == 0x09 || f == 0x0D
                || f == 0x20 || u[u.count - 1] == 0x20 {
                return false
            }
            for b in u where b == 0x2C || b == 0x22 || b == 0x0A || b == 0x0D { return false }
            out.append(contentsOf: u)
            return true
        }
    }

    /// Rows cut by the value of column `g`, each group where its first row is.
    static func groups(_ rows: [[JSON]], by g: Int) -> [(String, [[JSON]])] {
        var order: [String] = []
        var members: [String: [[JSON]]] = [:]
        for row in rows {
            let key = cellText(row[safe: g] ?? .null)
            if members[key] == nil { order.append(key) }
            members[key, default: []].append(row)
        }
        return order.map { ($0, members[$0]!) }
    }

    /// A Markdown table cell: `\\` and `|` escaped, line breaks as `<br>`, a tab as a
    /// space, other control characters dropped. One pass; most cells come back as they are.
    static func mdCell(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0 == "\\" || $0 == "|" || $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) else {
            return s
        }
        var out = String.UnicodeScalarView()
        var previousCR = false
        for u in s.unicodeScalars {
            defer { previousCR = u == "\r" }
            switch u {
            case "\\": out.append("\\"); out.append("\\")
            case "|": out.append("\\"); out.append("|")
            case "\r": out.append(contentsOf: "<br>".unicodeScalars)
            case "\n": if !previousCR { out.append(contentsOf: "<br>".unicodeScalars) }
            case "\t": out.append(" ")
            default:
                if u.value < 0x20 || (0x7F...0x9F).contains(u.value) { continue }
                out.append(u)
            }
        }
        return String(out)
    }

    static func mdInline(_ s: String) -> String {
        withoutControls(s.replacingOccurrences(of: "\n", with: " "))
    }

    /// `s` without C0/C1 control characters other than line breaks; a tab becomes a space.
    static func withoutControls(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\n" && $0 != "\r") || (0x7F...0x9F).contains($0.value) }) else { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            if u == "\t" { out.append(" ") } else if !(u.value < 0x20 && u != "\n" && u != "\r") && !(0x7F...0x9F).contains(u.value) { out.append(u) }
        }
        return String(out)
    }

    /// Text in a heading, image alt text or link label: Markdown punctuation escaped, one line.
    static func mdEscape(_ s: String) -> String {
        // Most headings and titles have nothing to escape: returned as they are.
        if !s.utf8.contains(where: { Renderer.mdEscapedBytes[Int($0)] }) { return s }
        var out = ""
        for ch in withoutControls(s) {
            if ch == "\n" || ch == "\r" || ch == "\r\n" { out += " "; continue }
            if "\\`*_[]<>#|!".contains(ch) { out += "\\" }
            out.append(ch)
        }
        return out
    }

    /// The bytes that may make `mdEscape` change a text: the punctuation it escapes,
    /// control characters and line breaks, and the lead byte of a C1 control.
    static let mdEscapedBytes: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for b in 0..<0x20 { table[b] = true }
        for b in [0x7F, 0xC2] { table[b] = true }
        for b in "\\`*_[]<>#|!".utf8 { table[Int(b)] = true }
        return table
    }()

    /// A link target: ASCII outside the unreserved set percent-encoded, other characters kept.
    static func linkTarget(_ file: String) -> String {
        let hex = Array("0123456789ABCDEF")
        var out = ""
        for u in file.unicodeScalars {
            let v = u.value
            if v >= 0x80 || (0x30...0x39).contains(v) || (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v) || "-._~".unicodeScalars.contains(u) {
                out.unicodeScalars.append(u)
            } else {
                out += "%\(hex[Int(v >> 4)])\(hex[Int(v & 0xF)])"
            }
        }
        return out
    }

    static func image(_ c: ChartFile) -> String { "![\(mdEscape(c.title))](\(linkTarget(c.file)))" }

    // MARK: Charts

    /// A chart as render writes it: the SVG file, its title, and the section it belongs to.
    public struct ChartFile: Equatable, Sendable {
        public var file: String
        public var title: String
        /// The grouping value of the section it is shown in; nil above the table.
        public var group: String?
        public var svg: String
    }

    /// Every chart of a table, in the order the Markdown shows them: the table's own,
    /// then section by section. A chart with nothing to draw (no row, every value blank)
    /// is left out.
    public static func charts(_ table: Table) -> [ChartFile] {
        var out: [ChartFile] = []
        let stem = safeFileName(table.name)
        let grouped = table.grouping.flatMap { table.column($0.column) }
        for chart in table.charts where !(chart.perGroup && grouped != nil) {
            if let svg = draw(chart, table: table, rows: table.rows, title: chart.title) {
                out.append(ChartFile(file: "\(stem)-\(safeFileName(chart.id)).svg", title: chart.title, group: nil, svg: svg))
            }
        }
        guard let g = grouped else { return out }
        // One group's charts do not depend on another's: drawn on both cores, kept in order.
        let perGroup = Parallel.map(groups(table.rows, by: g)) { value, rows in sectionCharts(table, value: value, rows: rows) }
        return out + perGroup.flatMap { $0 }
    }

    static func draw(_ chart: Table.Chart, table: Table, rows all: [[JSON]], title: String) -> String? {
        guard let labelIndex = table.column(chart.label) else { return nil }
        let valueIndexes = chart.values.compactMap { table.column($0) }
        guard !valueIndexes.isEmpty else { return nil }
        var rows = all
        if let fc = chart.filterColumn, let i = table.column(fc) {
            rows = rows.filter { chart.filterValues.contains(cellText($0[safe: i] ?? .null)) }
        }
        func number(_ v: JSON) -> Double? { Quantity(cellText(v)).map(\.doubleValue) }
        guard rows.contains(where: { r in valueIndexes.contains { number(r[safe: $0] ?? .null) != nil } }) else { return nil }
        let blankMeans = chart.unit == "%" ? "空白：报告未填，或比率的分母为0" : "空白：报告未填或没有该表"
        switch chart.kind {
        case "line":
            guard let xc = chart.x, let xi = table.column(xc) else { return nil }
            // Each x and each series numbered in the order they first come, with the first
            // row of each (series, x): one pass, no string made per row.
            let vi = valueIndexes[0]
            let fi = chart.filterColumn.flatMap { table.column($0) }
            var xs: [String] = [], xNumber: [String: Int] = [:]
            var names: [String] = [], nameNumber: [String: Int] = [:]
            /// Each series' rank among the values the chart names (its first row's), when it names them.
            var ranks: [Int] = []
            var firstCell: [Int: JSON] = [:]
            for r in rows {
                let x = cellText(r[safe: xi] ?? .null), name = cellText(r[safe: labelIndex] ?? .null)
                let xn = xNumber[x] ?? {
                    xNumber[x] = xs.count
                    xs.append(x)
                    return xs.count - 1
                }()
                let sn = nameNumber[name] ?? {
                    nameNumber[name] = names.count
                    names.append(name)
                    ranks.append(fi.map { chart.filterValues.firstIndex(of: cellText(r[safe: $0] ?? .null)) ?? Int.max } ?? 0)
                    return names.count - 1
                }()
                let cell = (sn << 32) | xn
                if firstCell[cell] == nil { firstCell[cell] = r[safe: vi] ?? .null }
            }
            // x in numeric order where both are numbers (each read once), else by their bytes.
            let quantities = xs.map { Quantity($0) }
            let xOrder = xs.indices.sorted { a, b in
                if let x = quantities[a], let y = quantities[b] { return x < y }
                return JSON.utf8Less(xs[a], xs[b])
            }
            // Series in the order the chart asks for them, when it names them.
            let seriesOrder = fi == nil ? Array(names.indices) : names.indices.sorted { (ranks[$0], $0) < (ranks[$1], $1) }
            let lines = seriesOrder.map { sn -> SVG.Line in
                let v = xOrder.map { firstCell[(sn << 32) | $0] ?? .null }
                return SVG.Line(name: names[sn], values: v.map(number), texts: v.map(cellText))
            }
            xs = xOrder.map { xs[$0] }
            return SVG.lineChart(title: title, xs: xs, lines: lines, unit: chart.unit, blankNote: "线条断开处为\(blankMeans)，不是0")
        default:
            var bars = rows.map { r in
                SVG.Bar(label: cellText(r[safe: labelIndex] ?? .null), values: valueIndexes.map { number(r[safe: $0] ?? .null) },
                        texts: valueIndexes.map { cellText(r[safe: $0] ?? .null) })
            }
            if chart.sortDescending {
                // Largest first, blanks last; equal values keep the table's order.
                bars = bars.enumerated().sorted { a, b in
                    let x = a.element.values[0], y = b.element.values[0]
                    if (x == nil) != (y == nil) { return x != nil }
                    if let x, let y, x != y { return x > y }
                    return a.offset < b.offset
                }.map(\.element)
            }
            var notes: [String] = []
            if let limit = chart.limit, limit > 0, bars.count > limit {
                notes.append("只画出\(chart.sortDescending ? "数值最大的" : "前")\(limit)个（共\(bars.count)个），全部见表")
                bars = Array(bars.prefix(limit))
            }
            if bars.contains(where: { $0.values.contains { $0 == nil } }) { notes.append(blankMeans) }
            return SVG.barChart(title: title, series: valueIndexes.map { table.columns[$0].label }, bars: bars, unit: chart.unit,
                                notes: notes)
        }
    }

    // MARK: Index

    /// `README.md` of the outputs: what was read, what could not be, the most serious
    /// findings, findings by agency, and a link to every table and chart.
    public func index(_ tables: [Table]) -> String { index(tables, charts: tables.map(Renderer.charts)) }

    /// What the index needs of a table already written: its first rows, its row count, its charts.
    public struct IndexEntry: Sendable {
        public var table: Table
        public var rows: Int
        public var charts: [ChartFile]
    }

    /// The index entry of `table`, keeping only the rows the index shows.
    public static func entry(_ table: Table, rows: Int, charts: [ChartFile]) -> IndexEntry {
        var t = table
        t.rows = Array(t.rows.prefix(Renderer.indexRowLimit))
        t.rowSource = nil
        return IndexEntry(table: t, rows: rows, charts: charts)
    }

    func index(_ tables: [Table], charts chartsByTable: [[ChartFile]]) -> String {
        index(zip(tables, chartsByTable).map { IndexEntry(table: $0, rows: $0.rowCount, charts: $1) })
    }

    /// The index, given every table's entry (in table order).
    public func index(_ entries: [IndexEntry]) -> String {
        let tables = entries.map(\.table)
        let chartsByTable = entries.map(\.charts)
        let rowCounts = entries.map(\.rows)
        var out = "# gongkai outputs\n\n"
        out += "Generated by gongkai from the corpus; the same corpus always gives the same files. CSV files are for machines (column ids as header, see [dictionary.md](dictionary.md)); Markdown files are for people.\n\n"
        if let summary = tables.first(where: { $0.name == "summary" }) {
            out += "## 读取情况 (what was read)\n\n| 项目 | 数值 |\n| --- | ---: |\n"
            for row in summary.rows where row.count >= 3 {
                out += "| \(Renderer.mdCell(Renderer.cellText(row[1]))) | \(Renderer.mdCell(Renderer.cellText(row[2]))) |\n"
            }
            out += "\n"
        }
        if let unread = tables.first(where: { $0.name == "unread" }) {
            out += "## 未能读取的文件 (what could not be read)\n\n"
            if unread.rows.isEmpty {
                out += "每个文件都读出了报告。(Every file was read as a report.)\n\n"
            } else {
                out += "By status and reason; every file with its reason is in [inventory.md](inventory.md).\n\n"
                out += Renderer.mdTable(unread.columns, unread.rows) + "\n"
            }
        }
        if let findings = tables.first(where: { $0.name == "findings" }) {
            let top = findings.rows.filter { $0.first == .string("error") }.prefix(10)
            if !top.isEmpty {
                out += "## 最严重的问题 (most serious findings)\n\n"
                out += "The first \(top.count) errors (numbers that contradict each other); all findings are in [findings.md](findings.md).\n\n"
                out += "| 机关 | 年度 | 检查项 | 说明 |\n| --- | ---: | --- | --- |\n"
                for row in top where row.count >= 6 {
                    out += "| " + [row[1], row[2], row[4], row[5]].map { Renderer.mdCell(Renderer.cellText($0)) }.joined(separator: " | ") + " |\n"
                }
                out += "\n"
            }
        }
        if let byAgency = tables.first(where: { $0.name == "findings_by_agency" }), !byAgency.rows.isEmpty {
            out += "## 各机关问题数 (findings by agency)\n\n"
            if byAgency.rows.count > 20 { out += "The 20 agencies with the most errors; all in [findings_by_agency.md](findings_by_agency.md).\n\n" }
            out += Renderer.mdTable(byAgency.columns, Array(byAgency.rows.prefix(20))) + "\n"
        }
        let charts = Array(zip(tables, chartsByTable))
        out += "## Tables\n\n| table | rows | CSV | Markdown | charts |\n| --- | ---: | --- | --- | ---: |\n"
        for ((t, c), count) in zip(charts, rowCounts) {
            let name = Renderer.safeFileName(t.name)
            out += "| \(Renderer.mdCell(t.title)) | \(count) | [\(name).csv](\(Renderer.linkTarget(name + ".csv"))) | [\(name).md](\(Renderer.linkTarget(name + ".md"))) | \(c.count) |\n"
        }
        let withCharts = charts.filter { !$0.1.isEmpty }
        if !withCharts.isEmpty {
            out += "\n## Charts\n\nSVG files, each also shown in its table's Markdown.\n"
            for (t, c) in withCharts {
                out += "\n### \(Renderer.mdEscape(t.title))\n\n"
                for chart in c { out += "- [\(Renderer.mdEscape(chart.title))](\(Renderer.linkTarget(chart.file)))\n" }
            }
        }
        return out
    }

    // MARK: Files

    /// Every file render writes for `tables`, by name: CSV and Markdown per table, its
    /// charts, and the index.
    /// The files of one table: CSV, Markdown and its charts.
    public func files(for t: Table) throws -> (files: [(name: String, text: String)], charts: [ChartFile]) {
        let name = Renderer.safeFileName(t.name)
        guard name != "README" else { throw StageFailure("a table may not be named 'README'") }
        let charts = Renderer.charts(t)
        var out = [("\(name).csv", csv(t)), ("\(name).md", markdown(t, charts: charts))]
        for c in charts { out.append((c.file, c.svg)) }
        return (out, charts)
    }

    /// Writes `names` (all files of this run) to the manifest and removes files an
    /// earlier run listed there that this run did not write.
    public static func finishManifest(_ names: [String], in dir: String) throws {
        let written = names.sorted(by: JSON.utf8Less)
        let manifest = "\(dir)/\(Renderer.manifestName)"
        // Names compared as bytes (a file name is its bytes), the list read and written as
        // bytes: 32,000 names at 100,000 reports.
        var list: [UInt8] = []
        for name in written {
            list += name.utf8
            list.append(0x0A)
        }
        if let old = try? Files.read(manifest) {
            if old == list { return }  // the same files: none to remove, the manifest as it is
            let keep = Set(written.map(Labels.BytesKey.init))
            for line in old.split(separator: 0x0A) {
                let name = String(decoding: line, as: UTF8.self)
                guard !keep.contains(Labels.BytesKey(name)), name == Renderer.safeFileName(name), name != Renderer.manifestName else { continue }
                try? FileManager.default.removeItem(atPath: "\(dir)/\(name)")
            }
        }
        try Renderer.writeAtomically(String(decoding: list, as: UTF8.self), to: manifest)
    }

    public func files(_ tables: [Table]) throws -> [(name: String, text: String)] {
        var out: [(name: String, text: String)] = []
        var names = Set<String>()
        func add(_ name: String, _ text: String) throws {
            guard names.insert(name).inserted else { throw StageFailure("two output files are named '\(name)'") }
            out.append((name, text))
        }
        var chartsByTable: [[ChartFile]] = []
        for t in tables {
            let name = Renderer.safeFileName(t.name)
            guard name != "README" else { throw StageFailure("a table may not be named 'README'") }
            let charts = Renderer.charts(t)
            chartsByTable.append(charts)
            try add("\(name).csv", csv(t))
            try add("\(name).md", markdown(t, charts: charts))
            for c in charts { try add(c.file, c.svg) }
        }
        try add("README.md", index(tables, charts: chartsByTable))
        return out
    }

    /// Writes every file into `dir`, each atomically (a temporary file renamed into
    /// place), so a reader never sees half a file. Files an earlier run wrote (listed in
    /// its manifest) that this run does not write are removed, so a chart of an agency
    /// no longer in the corpus does not linger; no other file is touched.
    @discardableResult
    public func write(_ tables: [Table], to dir: String) throws -> [String] {
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw StageFailure("cannot create output folder '\(dir)': \(error.localizedDescription)")
        }
        let files = try self.files(tables)
        for f in files { try Renderer.writeAtomically(f.text, to: "\(dir)/\(f.name)") }
        try Renderer.finishManifest(files.map(\.name), in: dir)
        return files.map(\.name).sorted(by: JSON.utf8Less)
    }

    /// A name as a file name that cannot leave the output folder nor trouble a file
    /// system: no `/` or `\`, no `..`, no control, format or line-separator characters,
    /// none of `:*?"<>|`, no leading dot, no trailing dot or space, at most `maxBytes`
    /// bytes of UTF-8 (cut between characters).
    public static func safeFileName(_ s: String, maxBytes: Int = 120) -> String {
        var out = ""
        for u in s.unicodeScalars {
            let v = u.value
            let bad = v < 0x20 || (0x7F...0x9F).contains(v) || "/\\:*?\"<>|".unicodeScalars.contains(u)
                || (0x200B...0x200F).contains(v) || (0x2028...0x202E).contains(v) || (0x2060...0x206F).contains(v)
                || v == 0xFEFF || (0xFFF0...0xFFFF).contains(v) || TextClass.isSpace(v) && v != 0x20
            out.unicodeScalars.append(bad ? "_" : u)
        }
        while out.contains("..") { out = out.replacingOccurrences(of: "..", with: "_") }
        while let f = out.first, f == "." || f == " " { out.removeFirst() }
        var bytes = 0
        var cut = String.UnicodeScalarView()
        for u in out.unicodeScalars {
            bytes += String(u).utf8.count
            if bytes > maxBytes { break }
            cut.append(u)
        }
        out = String(cut)
        while let l = out.last, l == "." || l == " " { out.removeLast() }
        return out.isEmpty ? "table" : out
    }

    /// A file-name part for any text (an agency's name): the safe form, and when that
    /// had to change or shorten the text, 8 hex digits of its SHA-256 so that two names
    /// never share a file.
    public static func uniqueFileStem(_ s: String) -> String {
        let safe = safeFileName(s, maxBytes: 80)
        return safe == s ? safe : "\(safe)-\(SHA256.hex(Array(s.utf8)).prefix(8))"
    }

    public static func writeAtomically(_ text: String, to path: String) throws {
        // A file that already holds exactly these bytes is left alone: a nightly re-run
        // rewrites only what changed (and the file system is spared thousands of new files).
        var st = stat()
        if stat(path, &st) == 0, Int(st.st_size) == text.utf8.count, (st.st_mode & S_IFMT) == S_IFREG,
           let old = try? Files.read(path), Files.same(old, text.utf8) {
            return
        }
        let tmp = path + ".tmp"
        // Written, then renamed into place: a reader sees the old file or the new one, never half.
        let writer = try FileWriter(path: tmp)
        writer.write(text)
        try writer.close()
        if rename(tmp, path) != 0 {
            throw StageFailure("cannot move '\(tmp)' to '\(path)': \(String(cString: strerror(errno)))")
        }
    }
}

/// Writes a table that arrives in several records (`continued`/`continuation`):
/// rows go to the CSV and the Markdown as they come, so a table of every report is
/// never held whole. An ungrouped table (it may have no charts) shows its first
/// `markdownRowLimit` rows; a grouped one (its charts all per section, its sections'
/// rows consecutive) is written section by section, each with its charts. Files
/// appear atomically at `finish`; the pages are the same as from the table in one piece.
public final class TableStream {
    let table: Table
    let dir: String
    let name: String
    var csv: FileWriter
    var md: FileWriter
    public private(set) var rows = 0
    /// The columns the Markdown shows, and a line's bytes (made again for each row).
    lazy var shownColumns = Renderer.shownColumns(table.columns)
    var mdLine: [UInt8] = []
    let groupColumn: Int?
    var groupValue: String?
    var groupRows: [[JSON]] = []
    var sections = 0
    /// Finished sections waiting to be drawn and written, a batch at a time on both cores.
    var pending: [(value: String, rows: [[JSON]], index: Int)] = []
    /// Chart files written so far (their SVG text dropped), for the index.
    public private(set) var charts: [Renderer.ChartFile] = []

    // Reuse of what the previous run made of each record (see RenderCache).
    let cache: RenderCache?
    /// The table without its rows as a hash: entries of another header are not used.
    let header: String
    var previousCSV: Int32 = -1
    var previousMD: Int32 = -1
    /// The numbers of the sections: the open group's, and where each drawn one went in
    /// the Markdown (after its separating blank line) and which charts it has.
    var groupIndex = -1
    var drawn: [Int: (md: Range<Int>, charts: [Renderer.ChartFile])] = [:]
    /// A reusable record taken, not yet written: written once the next record shows it
    /// does not continue its last group.
    var held: (entry: RenderCache.Entry, raw: [UInt8], key: String)?
    /// A record drawn here that began a group, waiting to learn whether the next record
    /// begins another; then the records whose groups both began and ended in them.
    var open: Candidate?
    var closed: [Candidate] = []

    struct Candidate {
        var key: String
        var first: String
        var last: String
        var csv: Range<Int>
        var rows: Int
        var sections: ClosedRange<Int>
    }

    /// Whether `table` can be streamed: charts only per section of a grouped table, or none.
    public static func canStream(_ table: Table) -> Bool {
        table.grouping == nil ? table.charts.isEmpty
            : table.column(table.grouping!.column) != nil && table.charts.allSatisfy(\.perGroup)
    }

    /// With `cache`, records seen in the previous run are taken from what was drawn for them.
    public init(_ table: Table, dir: String, excelBOM: Bool, cache: RenderCache? = nil) throws {
        self.table = table
        self.dir = dir
        name = Renderer.safeFileName(table.name)
        groupColumn = table.grouping.flatMap { table.column($0.column) }
        self.cache = cache?.path == nil ? nil : cache
        // The table as its first record says it, without its rows (they may change alone).
        var bare = table
        bare.rows = []
        bare.continued = true
        header = FastHash.hex(Array(bare.json.serialized.utf8))
        if let cache = self.cache {
            previousCSV = cache.openPrevious("\(name).csv")
            previousMD = cache.openPrevious("\(name).md")
        }
        // Written over the files before the previous ones when they were kept (see RenderCache).
        self.cache?.takeSpare("\(name).csv", to: "\(dir)/\(name).csv.tmp")
        self.cache?.takeSpare("\(name).md", to: "\(dir)/\(name).md.tmp")
        // Compared with the files they replace as they are written: unchanged ones are left as they are.
        csv = try FileWriter(path: "\(dir)/\(name).csv.tmp", overwrite: self.cache != nil, background: true, replacing: previousCSV)
        md = try FileWriter(path: "\(dir)/\(name).md.tmp", overwrite: self.cache != nil, background: true, replacing: previousMD)
        csv.write((excelBOM ? "\u{FEFF}" : "") + table.columns.map { Renderer.csvField($0.id) }.joined(separator: ",") + "\r\n")
        var head = "# \(Renderer.mdInline(table.title))\n\n"
        if !table.description.isEmpty { head += Renderer.mdInline(table.description) + "\n\n" }
        md.write(groupColumn == nil ? head + Renderer.mdHeader(table.columns) : head)
        try addRows(table.rows)
    }

    deinit {
        // (Copies from the previous files may still wait for the writing threads.)
        try? csv.flush()
        try? md.flush()
        if previousCSV >= 0 { close(previousCSV) }
        if previousMD >= 0 { close(previousMD) }
    }

    func group(_ row: [JSON]) -> String { Renderer.cellText(row[safe: groupColumn ?? 0] ?? .null) }

    /// Adds the rows of a continuation record; `key` (from the cache) lets the next run reuse them.
    /// `csvLines`: the rows as CSV lines (`Renderer.csvLines`), when made already.
    public func add(_ more: [[JSON]], key: String? = nil, csvLines: [UInt8]? = nil) throws {
        guard groupColumn != nil, let first = more.first else {
            let (csvStart, shown) = (csv.position, rows >= Renderer.markdownRowLimit)
            try addRows(more, csvLines: csvLines)
            // Past the rows the Markdown shows: kept for the next run as its CSV lines.
            if let key, let cache, shown, !more.isEmpty {
                cache.entries.append((key, RenderCache.Entry(table: table.name, header: header, first: "", last: "",
                                                             csv: (csvStart, csv.position - csvStart), md: (0, 0),
                                                             rows: more.count, sections: 0, charts: [])))
            }
            return
        }
        try settle(nextFirst: group(first))
        let startsGroup = group(first) != groupValue
        let csvStart = csv.position
        try addRows(more, csvLines: csvLines)
        if let key, cache != nil, startsGroup {
            open = Candidate(key: key, first: group(first), last: group(more[more.count - 1]), csv: csvStart..<csv.position,
                             rows: more.count, sections: (groupIndex - sectionCount(more) + 1)...groupIndex)
        }
    }

    /// How many groups `rows` holds (consecutive runs of one value).
    func sectionCount(_ rows: [[JSON]]) -> Int {
        var n = 0
        var last: String?
        for r in rows { let g = group(r); if g != last { n += 1; last = g } }
        return n
    }

    /// Offers the previous run's drawing of a record whose bytes are unchanged; false
    /// when it cannot be used here (the caller then parses `raw` and adds its rows).
    public func offer(_ entry: RenderCache.Entry, raw: [UInt8], key: String) throws -> Bool {
        guard cache != nil, entry.table == table.name, entry.header == header, previousCSV >= 0 else { return false }
        if groupColumn == nil {
            // No sections: past the rows the Markdown shows, a record is only its CSV lines.
            let start = csv.position
            guard rows >= Renderer.markdownRowLimit, entry.sections == 0, csv.write(previousSpan: entry.csv) else { return false }
            var e = entry
            e.csv = (start, entry.csv.length)
            rows += entry.rows
            cache?.entries.append((key, e))
            cache?.reused += 1
            return true
        }
        guard previousMD >= 0 else { return false }
        try settle(nextFirst: entry.first)
        guard entry.first != groupValue,
              entry.charts.allSatisfy({ RenderCache.state("\(dir)/\($0.file)") != nil }) else { return false }
        held = (entry, raw, key)
        return true
    }

    /// Before a record whose first group is `nextFirst` (nil: the table ends): the held
    /// record is written from the cache, or parsed and drawn when the next record continues
    /// its last group; the record drawn before learns whether its last group ended.
    func settle(nextFirst: String?) throws {
        if let h = held {
            held = nil
            // Checked first: a cache that does not match its files (damaged) is not used either.
            if nextFirst != h.entry.last, csv.holds(previousSpan: h.entry.csv), md.holds(previousSpan: h.entry.md) {
                try flushSection()
                try writePending()
                let csvStart = csv.position
                _ = csv.write(previousSpan: h.entry.csv)
                if sections > 0 { md.write("\n") }
                let mdStart = md.position
                _ = md.write(previousSpan: h.entry.md)
                sections += h.entry.sections
                groupIndex += h.entry.sections
                rows += h.entry.rows
                charts += h.entry.charts
                var e = h.entry
                e.csv = (csvStart, csv.position - csvStart)
                e.md = (mdStart, md.position - mdStart)
                cache?.entries.append((h.key, e))
                cache?.reused += 1
            } else {
                // Drawn from its rows after all (and judged below like any record drawn here).
                guard case .object(let o) = try JSON.parse(h.raw) else { throw StageFailure("a cached record is not an object") }
                try add(try Table(json: o).rows, key: h.key)
            }
        }
        if let c = open {
            if nextFirst != c.last { closed.append(c) }
            open = nil
        }
    }

    func addRows(_ more: [[JSON]], csvLines: [UInt8]? = nil) throws {
        if let csvLines {
            csv.write(bytes: csvLines)
        } else {
            // The CSV lines of a chunk made on both cores, written in order.
            let slices = stride(from: 0, to: more.count, by: 500).map { more[$0..<min($0 + 500, more.count)] }
            for bytes in Parallel.map(slices, { Renderer.csvLines($0) }) { csv.write(bytes: bytes) }
        }
        for row in more {
            if groupColumn != nil {
                let value = group(row)
                if value != groupValue {
                    try flushSection()
                    groupValue = value
                    groupIndex += 1
                }
                groupRows.append(row)
            } else if rows < Renderer.markdownRowLimit {
                mdLine.removeAll(keepingCapacity: true)
                Renderer.appendMDRow(shownColumns, row, to: &mdLine)
                md.write(bytes: mdLine)
            }
            rows += 1
        }
    }

    func flushSection() throws {
        guard let value = groupValue else { return }
        pending.append((value, groupRows, groupIndex))
        groupRows = []
        groupValue = nil
        if pending.count >= 64 { try writePending() }
    }

    /// Draws and writes the pending sections: charts and Markdown made on both cores, written in order.
    func writePending() throws {
        guard let grouping = table.grouping, !pending.isEmpty else { return }
        let table = self.table
        let dir = self.dir
        // Each section's charts are written by the core that drew them (files of their own).
        let done = Parallel.map(pending) { p -> (charts: [Renderer.ChartFile], text: String, failure: Error?) in
            let drawn = Renderer.sectionCharts(table, value: p.value, rows: p.rows)
            var failure: Error?
            for c in drawn where failure == nil {
                do { try Renderer.writeAtomically(c.svg, to: "\(dir)/\(c.file)") } catch { failure = error }
            }
            return (drawn, Renderer.section(table, grouping: grouping, value: p.value, rows: p.rows, charts: drawn), failure)
        }
        for (k, (drawn, text, failure)) in done.enumerated() {
            if let failure { throw failure }
            let files = drawn.map { Renderer.ChartFile(file: $0.file, title: $0.title, group: $0.group, svg: "") }
            charts += files
            if sections > 0 { md.write("\n") }
            let start = md.position
            md.write(text)
            if cache != nil { self.drawn[pending[k].index] = (start..<md.position, files) }
            sections += 1
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Closes both files and moves them into place; returns the names of every file written.
    public func finish() throws -> [String] {
        if groupColumn != nil {
            try settle(nextFirst: nil)
            try flushSection()
            try writePending()
        } else {
            md.write(Renderer.moreRows(rows, shown: min(rows, Renderer.markdownRowLimit), name: table.name))
        }
        try csv.close()
        try md.close()
        for (f, writer) in [("\(name).csv", csv), ("\(name).md", md)] {
            if writer.unchanged {
                // The file before holds these very bytes: it stays, and what was to be written over stays the spare.
                cache?.returnSpare(f, from: "\(dir)/\(f).tmp")
                continue
            }
            cache?.keepAsSpare(f)
            if rename("\(dir)/\(f).tmp", "\(dir)/\(f)") != 0 {
                throw StageFailure("cannot move '\(dir)/\(f).tmp' into place: \(String(cString: strerror(errno)))")
            }
        }
        if let cache, groupColumn != nil {
            // Records drawn here whose groups began and ended in them: kept for the next run.
            for c in closed {
                guard let a = drawn[c.sections.lowerBound], let b = drawn[c.sections.upperBound] else { continue }
                let files = c.sections.flatMap { drawn[$0]?.charts ?? [] }
                cache.entries.append((c.key, RenderCache.Entry(
                    table: table.name, header: header, first: c.first, last: c.last,
                    csv: (c.csv.lowerBound, c.csv.count), md: (a.md.lowerBound, b.md.upperBound - a.md.lowerBound),
                    rows: c.rows, sections: c.sections.count, charts: files)))
            }
        }
        cache?.wrote("\(name).csv")
        cache?.wrote("\(name).md")
        return ["\(name).csv", "\(name).md"] + charts.map(\.file)
    }
}

/// A buffered file for text written piece by piece. A big one (`background`) is written
/// by a thread of its own (`OutputWriter`) while this one goes on making the next bytes.
final class FileWriter {
    let fd: Int32
    var buffer: [UInt8] = []
    let path: String
    let background: OutputWriter?
    let append: Bool

    /// The file this one is to replace (open for reading, and its size), while every byte
    /// written so far is the same as its bytes from its start (`matching`): nothing is
    /// written until the first byte that differs; then the bytes before it are copied in
    /// (in the kernel) and writing goes on as usual. A file that ends the same as the one
    /// it was to replace is not written at all (`unchanged`): a nightly re-run whose
    /// year-over-year table did not change leaves its hundreds of MB alone.
    private var previous: (fd: Int32, size: Int)?
    private var matching = false
    /// Set by `close`: every byte was the same as the previous file's, and nothing was written
    /// (the file at `path` is as it was: the caller keeps the previous file instead).
    private(set) var unchanged = false

    /// `overwrite`: an existing file is written over from its start (its space reused, no
    /// new blocks and pages for the same bytes) and cut to length at `close`. `append`: the
    /// bytes go after the file's (`position` counts only these), and nothing is cut.
    /// `replacing`: the file (open for reading, left open) this one is to replace, compared
    /// with as it is written (see `previous`; a `background` writer only).
    init(path: String, overwrite: Bool = false, append: Bool = false, background: Bool = false, replacing: Int32 = -1) throws {
        precondition(!(append && background), "a file appended to is written on the caller's thread")
        precondition(replacing < 0 || background, "only a file written in the background is compared with the one it replaces")
        self.path = path
        self.append = append
        fd = open(path, append ? O_WRONLY | O_APPEND : overwrite ? O_WRONLY | O_CREAT : O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw StageFailure("cannot write '\(path)': \(String(cString: strerror(errno)))") }
        self.background = background ? OutputWriter(fd: fd, name: path, stopping: false) : nil
        if !background { buffer.reserveCapacity(1 << 20) }
        var st = stat()
        if replacing >= 0, fstat(replacing, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, lseek(fd, 0, SEEK_CUR) == 0 {
            previous = (replacing, Int(st.st_size))
            matching = true
        }
    }

    func write(_ s: String) {
        write(bytes: s.utf8)
    }

    /// Whether `bytes`, written next, are the previous file's bytes at `position` (a read
    /// that comes back short says no: the bytes are then written).
    private func samePrevious<B: Collection>(_ bytes: B) -> Bool where B.Element == UInt8 {
        guard let previous, position + bytes.count <= previous.size,
              let old = Files.read(previous.fd, offset: position, length: bytes.count) else { return false }
        return Files.same(old, bytes)
    }

    /// The first byte that differs from the previous file's: the bytes before it are copied in.
    private func stopMatching() {
        guard matching, let previous, let background else { return }
        matching = false
        if position > 0 { background.copyLines(from: previous.fd, offset: 0, length: position) }
    }

    /// Whether the file this one replaces has all of `span`.
    func holds(previousSpan span: (offset: Int, length: Int)) -> Bool {
        guard let previous, background != nil else { return false }
        return span.offset >= 0 && span.length >= 0 && span.offset <= previous.size - span.length
    }

    /// Writes the bytes at `span` of the file this one replaces (in the kernel; nothing at
    /// all while they are where it has them). False, and nothing written, when the span is
    /// not all in that file.
    func write(previousSpan span: (offset: Int, length: Int)) -> Bool {
        guard holds(previousSpan: span), let previous, let background else { return false }
        if matching {
            if span.offset == position { position += span.length; return true }
            stopMatching()
        }
        position += span.length
        background.copyLines(from: previous.fd, offset: span.offset, length: span.length)
        return true
    }

    /// Bytes written so far (buffered ones included): where the next write lands.
    private(set) var position = 0

    /// The first write that failed: nothing more is written, and `close` throws it.
    private var failure: Error?

    func write<B: Collection>(bytes: B) where B.Element == UInt8 {
        if matching {
            if samePrevious(bytes) { position += bytes.count; return }
            stopMatching()
        }
        position += bytes.count
        if let background { return background.write(bytes) }
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 {
            do { try flush() } catch {
                // (Not written again later: what follows would land at the wrong offsets.)
                buffer.removeAll(keepingCapacity: true)
            }
        }
    }

    func flush() throws {
        if let background {
            background.flush()
            if let failure = background.failure { throw StageFailure(failure) }
            return
        }
        if let failure { throw failure }
        if let e = Files.writeAll(fd, buffer[...]) {
            failure = StageFailure("cannot write '\(path)': \(String(cString: strerror(e)))")
            throw failure!
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        if matching, let previous, position == previous.size, let background {
            // The same bytes as the file it replaces: nothing written, nothing cut.
            unchanged = true
            background.flush()
            Glibc.close(fd)
            return
        }
        stopMatching()
        if let background {
            background.finish()  // written, and cut to length
            Glibc.close(fd)
            if let failure = background.failure { throw StageFailure(failure) }
            return
        }
        do { try flush() } catch {
            Glibc.close(fd)
            throw error
        }
        var st = stat()
        if !append, fstat(fd, &st) == 0, Int(st.st_size) > position, ftruncate(fd, off_t(position)) != 0 {
            let problem = String(cString: strerror(errno))
            Glibc.close(fd)
            throw StageFailure("cannot cut '\(path)' to its length: \(problem)")
        }
        Glibc.close(fd)
    }
}

extension Array {
    /// The element at `i`, or nil when `i` is out of range.
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
