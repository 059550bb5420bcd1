/// The tables an analyst reads: every agency side by side for one year, one kind
/// of department across regions, section 二 among reports of one format, and each
/// agency's indicators from year to year. Decides what they hold (and which charts
/// render should draw of them), never how they look.
enum Compare {
    /// One agency's report for one year, as the comparison tables show it. A class:
    /// the tables filter and sort entries by the hundred thousand, and a reference
    /// is copied for nothing where a report's many members are not.
    final class Entry: Sendable {
        let report: Report
        let agency: String
        let year: Int
        let region: String
        /// The kind of department, short forms written out (`Region.kindKey`).
        let kind: String
        /// Every indicator, in `Indicators.all` order; rates already rounded to one decimal.
        let values: [Quantity?]
        /// Error-severity findings of the report, the checks across years included.
        let errors: Int
        /// A hash of the report's value slots (`MetricValues.appendSlots`), for its year's key.
        let slotsHash: (UInt64, UInt64)

        init(report: Report, agency: String, year: Int, region: String, kind: String, values: [Quantity?], errors: Int) {
            self.report = report
            self.agency = agency
            self.year = year
            self.region = region
            self.kind = kind
            self.values = values
            self.errors = errors
            var slots: [UInt8] = []
            report.values.appendSlots(to: &slots)
            slotsHash = slots.withUnsafeBytes { FastHash.words($0, salt: "") }
        }
    }

    static let agencyRow = "机关"
    static let totalRow = "合计"
    static let filledTotalRow = "合计（仅计已填）"

    // MARK: Entries

    /// One entry per agency and year. When an agency has two different reports for one
    /// year (a `duplicate_report` finding), the one with fewer errors, then more filled
    /// cells, then the first path is compared; its file is named in the table.
    static func entries(_ reports: [Report], errors: [String: Int]) -> [Entry] {
        // Positions in `reports`, not copies of them. Each distinct name numbered once by its
        // bytes (hashing a Chinese name as a String normalizes it first, a few thousand
        // instructions a lookup); an agency and year is then a pair of integers.
        // (The names are the groups' display names, one spelling per group, and groups are
        // told apart by their normalized keys: bytes and String equality part them alike.)
        struct AgencyYear: Hashable { var name: Int; var year: Int }
        var nameIndex: [Labels.BytesKey: Int] = [:]
        var names: [String] = []
        var groupOf: [AgencyYear: Int] = [:]
        var groups: [(key: AgencyYear, members: [Int])] = []
        for (k, r) in reports.enumerated() {
            guard let agency = r.agency, !agency.isEmpty, let year = r.year else { continue }
            let name: Int
            if let n = nameIndex[Labels.BytesKey(agency)] {
                name = n
            } else {
                name = names.count
                nameIndex[Labels.BytesKey(agency)] = name
                names.append(agency)
            }
            let key = AgencyYear(name: name, year: year)
            if let g = groupOf[key] {
                groups[g].members.append(k)
            } else {
                groupOf[key] = groups.count
                groups.append((key, [k]))
            }
        }
        // Each agency's region and kind worked out once (an agency has a report a year).
        let split = Parallel.map(names) { name -> (region: String, kind: String) in
            let (region, kind) = Region.split(name)
            return (region, Region.kindKey(kind))
        }
        // The entries' order (`order`) is decided on names once: each name ranked, then
        // entries sorted by rank and year, and made in that order on both cores.
        let byName = names.indices.sorted { a, b in
            switch nameOrder(split[a].region, names[a], split[b].region, names[b]) {
            case .some(let less): return less
            case nil: return JSON.utf8Less(names[a], names[b])  // as the keys were put in order before
            }
        }
        var rank = [Int](repeating: 0, count: names.count)
        for (k, n) in byName.enumerated() {
            let p = k > 0 ? byName[k - 1] : n
            rank[n] = k == 0 ? 0 : rank[p] + (nameOrder(split[p].region, names[p], split[n].region, names[n]) == nil ? 0 : 1)
        }
        let sortedGroups = groups.indices.sorted { a, b in
            let ka = groups[a].key, kb = groups[b].key
            if rank[ka.name] != rank[kb.name] { return rank[ka.name] < rank[kb.name] }
            if ka.year != kb.year { return ka.year < kb.year }
            return JSON.utf8Less(names[ka.name], names[kb.name])
        }
        // Entries made on both cores: indicators are worked out per report.
        return Parallel.map(sortedGroups) { g -> Entry in
            let candidates = groups[g].members
            let r = candidates.count == 1 ? reports[candidates[0]] : reports[candidates.min { a, b in
                let ea = errors[reports[a].path] ?? 0, eb = errors[reports[b].path] ?? 0
                if ea != eb { return ea < eb }
                let fa = reports[a].values.filled, fb = reports[b].values.filled
                if fa != fb { return fa > fb }
                return JSON.utf8Less(reports[a].path, reports[b].path)
            }!]
            let (region, kind) = split[groups[g].key.name]
            return Entry(report: r, agency: r.agency!, year: r.year!, region: region, kind: kind,
                         values: Indicators.list(r), errors: errors[r.path] ?? 0)
        }
    }

    /// `order` on two entries' region and agency: whether the first comes first, nil when
    /// `order` would go on to their years.
    static func nameOrder(_ regionA: String, _ agencyA: String, _ regionB: String, _ agencyB: String) -> Bool? {
        if regionA.isEmpty != regionB.isEmpty { return !regionA.isEmpty }
        if regionA != regionB { return JSON.utf8Less(regionA, regionB) }
        if agencyA != agencyB { return JSON.utf8Less(agencyA, agencyB) }
        return nil
    }

    /// The entries' order: region (blank last), then agency name, then year; byte order throughout.
    static func order(_ a: Entry, _ b: Entry) -> Bool {
        nameOrder(a.region, a.agency, b.region, b.agency) ?? (a.year < b.year)
    }

    // MARK: Columns

    static let rowTypeColumn = Table.Column(
        "row_type", "行类型",
        definition: "机关：一个机关当年的报告；合计：各机关之和，任一机关该项空白则合计空白，比率由合计数重新计算；合计（仅计已填）：只加已填的单元格，比率由该行之和计算（仅在与“合计”不同时列出）")
    static let regionColumn = Table.Column(
        "region", "地区",
        definition: "机关名称开头的行政区划（省、自治区、市、州、盟、地区、县、区、旗，以及有专名的开发区、园区、新区、实验区等功能区），由名称推断；名称里没有区划的为空")
    static let agencyColumn = Table.Column(
        "agency", "机关",
        definition: "报告标题中的机关名称；名称经规范化（全半角、空格、标点、简称）并按别名表 agencies.tsv 归并，显示别名表的规范名或最常见的写法")
    static let kindColumn = Table.Column(
        "kind", "部门类别",
        definition: "机关名称去掉开头的区划后余下的部分，简称写全（工信局→工业和信息化局、管委会→管理委员会）；同一类别的机关可跨地区比较；名称只有区划时为空")
    static let yearColumn = Table.Column("year", "年度", "integer", definition: "报告年度（标题中的年份）")
    static let formatApplyColumn = Table.Column(
        "format_apply", "第三部分格式", section: "三",
        definition: "第三部分（依申请公开）表格的格式：2019（国办公开办函〔2019〕60号）或 2021（国办公开办函〔2021〕30号），按表中标签判断；空白表示没有该表")
    static let formatActiveColumn = Table.Column(
        "format_active", "第二部分格式", section: "二",
        definition: "第二部分（主动公开，第二十条各项）表格的格式：2019 或 2021，按表中标签判断；两种格式的数值含义不同，不可互相比较")
    static let errorsColumn = Table.Column(
        "errors", "错误数", "integer",
        definition: "该报告 error 级检查结果的条数（数字自相矛盾，含跨年度的结转检查），明细见 findings；错误多的报告，其数值需先核对再比较")
    static let pathColumn = Table.Column("path", "文件", definition: "报告所在文件相对语料文件夹的路径")

    /// An indicator's column, and its rank's right after it when it is ranked.
    static func indicatorColumns(within scope: String) -> [Table.Column] {
        var out: [Table.Column] = []
        for i in Indicators.all {
            out.append(Table.Column(i.id, i.isRate ? "\(i.label)(%)" : i.label, i.isRate ? "rate" : "integer",
                                    section: i.section, unit: i.unit, definition: i.definition))
            if i.ranked {
                out.append(Table.Column(i.rankID, "\(i.label)名次", "integer", section: i.section,
                                        definition: "\(i.label)在\(scope)的名次：从大到小，1为最大；数值相同名次相同，其后名次顺延（1、2、2、4）；空白不排名"))
            }
        }
        return out
    }

    // MARK: Indicator rows

    /// Rows of the entries with ranks among them, then the totals rows: the ranks and
    /// totals worked out at once, each entry's row made when it is asked for (a year's
    /// table is written a chunk at a time, never held whole).
    struct IndicatorRows: Sendable {
        let entries: [Entry]
        let lead: @Sendable (Entry) -> [JSON]
        /// Per indicator (`Indicators.all` order), each entry's rank; empty when not ranked.
        let ranks: [[Int?]]
        let totals: [[JSON]]

        var count: Int { entries.count + totals.count }

        func row(_ n: Int) -> [JSON] {
            guard n < entries.count else { return totals[n - entries.count] }
            let e = entries[n]
            var row: [JSON] = [.string(agencyRow)] + lead(e)
            row.reserveCapacity(row.count + 2 * Indicators.all.count + 2)
            for (k, i) in Indicators.all.enumerated() {
                row.append(Indicators.cell(e.values[k], rate: i.isRate))
                if i.ranked { row.append(ranks[k][n].map(JSON.int) ?? .null) }
            }
            row += [.int(e.errors), .string(e.report.path)]
            return row
        }
    }

    static func indicatorRows(_ entries: [Entry], lead: @escaping @Sendable (Entry) -> [JSON], blankLead: [JSON]) -> IndicatorRows {
        // Indicators by position (`Entry.values`), ranks beside the ranked ones.
        var ranks: [[Int?]] = Indicators.all.map { _ in [] }
        for (k, i) in Indicators.all.enumerated() where i.ranked {
            ranks[k] = Indicators.ranks(entries.map { $0.values[k] })
        }
        let errors = entries.reduce(0) { $0 + $1.errors }
        // Totals of the counts (the rates are worked out again from them).
        let counts = Indicators.all.indices.filter { !Indicators.all[$0].isRate }
        let (strict, filled) = totals(entries.map { e in counts.map { e.values[$0] } }, columns: counts.count)
        func named(_ sums: [Quantity?]) -> [String: Quantity?] {
            var out: [String: Quantity?] = [:]
            for (k, sum) in zip(counts, sums) { out[Indicators.all[k].id] = .some(sum) }
            return out
        }
        let strictValues = Indicators.withRates(named(strict)), filledValues = Indicators.withRates(named(filled))
        var totalRows: [[JSON]] = []
        for (label, values) in [(totalRow, strictValues), (filledTotalRow, filledValues)] {
            if label == filledTotalRow && filled == strict { continue }
            var row: [JSON] = [.string(label)] + blankLead
            for i in Indicators.all {
                row.append(Indicators.cell(values[i.id] ?? nil, rate: i.isRate))
                if i.ranked { row.append(.null) }
            }
            row += [.int(errors), .null]
            totalRows.append(row)
        }
        return IndicatorRows(entries: entries, lead: lead, ranks: ranks, totals: totalRows)
    }

    /// Column sums: strict (blank when any term is blank) and over the filled cells only
    /// (blank when none is filled).
    /// `rows` hold the same `columns` cells each.
    static func totals(_ rows: [[Quantity?]], columns: Int) -> (strict: [Quantity?], filled: [Quantity?]) {
        var strict = [Quantity?](repeating: nil, count: columns), filled = strict
        for k in 0..<columns {
            let cells = rows.map { $0[k] }
            let known = cells.compactMap { $0 }
            strict[k] = known.count == cells.count && !cells.isEmpty ? Quantity.sum(known) : nil
            filled[k] = known.isEmpty ? nil : Quantity.sum(known)
        }
        return (strict, filled)
    }

    /// Bar charts drawn of a comparison: the largest first, at most this many bars.
    static let barLimit = 40

    static func barCharts(year: Int, perGroup: Bool) -> [Table.Chart] {
        [
            Table.Chart(id: "received", kind: "bar", title: "\(year)年 新收政府信息公开申请（件）", label: "agency", values: ["received"],
                        filterColumn: "row_type", filterValues: [agencyRow], perGroup: perGroup, unit: "件",
                        sortDescending: true, limit: barLimit),
            Table.Chart(id: "disclosure_rate", kind: "bar", title: "\(year)年 公开率（%）", label: "agency", values: ["disclosure_rate"],
                        filterColumn: "row_type", filterValues: [agencyRow], perGroup: perGroup, unit: "%",
                        sortDescending: true, limit: barLimit),
        ]
    }

    static let comparability = "第三部分在2019年版与2021年版之间可比：2021年版“（六）其他处理”的三个子项相加后与2019年版的一行对应。第二部分（第二十条各项）两版含义不同，不在此表，见 compare_active_<年度>_format<格式>。空白不是0：任一项空白，由它算出的和与比率都空白；比率分母为0也空白。"

    // MARK: compare_<year>

    /// Everything a year's comparison tables (compare, compare_kind, compare_active) are made
    /// from besides the code: the year, and each of its entries in order with every field
    /// of it they show, rank or total (the indicators are worked out from the values).
    static func yearKey(year: Int, _ all: [Entry]) -> String {
        var k = ContentKey()
        k.add(raw: Int64(year))
        for e in all where e.year == year {
            k.add(e.agency)
            k.add(e.region)
            k.add(e.kind)
            k.add(raw: Int64(e.errors))
            k.add(e.report.path)
            k.add(e.report.applyFormat)
            k.add(e.report.activeFormat)
            // The values as a hash of their slots, not the slots (1.2 KB a report: a year's
            // key held 17 MB at 100,000 reports, two years at once), worked out with the entry.
            let (a, b) = e.slotsHash
            k.add(raw: Int64(bitPattern: a))
            k.add(raw: Int64(bitPattern: b))
        }
        return k.hex
    }

    static func compareTable(year: Int, _ all: [Entry]) -> Table {
        let columns = [rowTypeColumn, regionColumn, agencyColumn, kindColumn, formatApplyColumn]
            + indicatorColumns(within: "本年全部机关中") + [errorsColumn, pathColumn]
        // Ranks and totals worked out when the rows are first asked for (not when the table is copied).
        let source = Table.RowSource {
            let rows = indicatorRows(all.filter { $0.year == year },
                                     lead: { [.string($0.region), .string($0.agency), .string($0.kind), Aggregator.text($0.report.applyFormat)] },
                                     blankLead: [.null, .null, .null, .null])
            return Table.RowSource(count: rows.count, row: rows.row)
        }
        return Table(
            name: "compare_\(year)", title: "\(year)年各机关比较 (compare_\(year))",
            description: "\(year)年每个机关一行，按地区、机关名称排列；列为第三、四部分的主要指标，主要指标后附名次（从大到小，并列同名次），末行为合计（比率由合计数重新计算）。\(comparability)同一机关同年有两份不同报告时，取错误较少、已填单元格较多的一份（“文件”列注明），另一份见 findings 的 duplicate_report；读不出机关名或年度的报告不在表中（见 reports）。",
            columns: columns, rows: [], charts: barCharts(year: year, perGroup: false),
            rowSource: source)
    }

    // MARK: compare_kind_<year>

    static func kindTable(year: Int, _ all: [Entry]) -> Table {
        let entries = all.filter { $0.year == year && !$0.region.isEmpty && !$0.kind.isEmpty }
        // Each kind's regions and its entries in table order, gathered in one pass (kinds and
        // regions told apart as Strings are).
        var kindNumbers = NameNumbers(), regionNumbers = NameNumbers()
        var regionsByKind: [Set<Int>] = []
        var membersByKind: [[Entry]] = []
        for e in entries {
            let k = kindNumbers.number(e.kind)
            if k == membersByKind.count { membersByKind.append([]); regionsByKind.append([]) }
            regionsByKind[k].insert(regionNumbers.number(e.region))
            membersByKind[k].append(e)
        }
        let kindNames = kindNumbers.names
        let kinds = kindNames.indices.filter { regionsByKind[$0].count >= 2 }.sorted { JSON.utf8Less(kindNames[$0], kindNames[$1]) }
        let columns = [rowTypeColumn, kindColumn, regionColumn, agencyColumn, formatApplyColumn]
            + indicatorColumns(within: "同一部门类别的机关中") + [errorsColumn, pathColumn]
        // Each kind's rows (ranks within the kind), made when written; where each kind's start.
        // (Worked out when the rows are first asked for, not when the table is copied.)
        let source = Table.RowSource {
            let parts = kinds.map { kind in
                indicatorRows(membersByKind[kind], lead: { [.string($0.kind), .string($0.region), .string($0.agency), Aggregator.text($0.report.applyFormat)] },
                              blankLead: [.string(kindNames[kind]), .null, .null, .null])
            }
            var starts: [Int] = []
            var count = 0
            for p in parts {
                starts.append(count)
                count += p.count
            }
            return Table.RowSource(count: count) { n in
                // The last part that starts at or before row n.
                var lo = 0, hi = starts.count - 1
                while lo < hi {
                    let mid = (lo + hi + 1) / 2
                    if starts[mid] <= n { lo = mid } else { hi = mid - 1 }
                }
                return parts[lo].row(n - starts[lo])
            }
        }
        let none = kinds.isEmpty ? "本年没有哪一类部门出现在两个以上地区，表为空。" : ""
        return Table(
            name: "compare_kind_\(year)", title: "\(year)年同类部门跨地区比较 (compare_kind_\(year))",
            description: "\(year)年同一类部门（如各地的工业和信息化局）跨地区比较：凡在两个以上地区出现的部门类别，每类一节，类内按地区、机关排列，名次在同类部门内排，每类末行为该类合计。部门类别和地区由机关名称推断（见 dictionary）。\(none)\(comparability)",
            columns: columns, rows: [], charts: [barCharts(year: year, perGroup: true)[0]],
            grouping: Table.Grouping(column: "kind"), rowSource: source)
    }

    // MARK: compare_active_<year>_format<format>

    static func metricColumn(_ id: String) -> Table.Column {
        let m = Catalog.metricsByID[id]!
        return Table.Column(id, "\(m.section) \(m.row)·\(m.column)", m.unit == "万元" ? "number" : "integer", section: m.section,
                            unit: m.unit, definition: metricDefinition(m))
    }

    static func metricDefinition(_ m: Catalog.Metric) -> String {
        let format = m.format == "both" ? "两版均有" : "\(m.format)年版表格"
        return "第\(m.section)部分表格“\(m.row)”行“\(m.column)”列，照报告所填读取（\(format)；金额单位万元，以元填写的已换算）；空白、“/”“-”“—”“无”为空"
    }

    static func activeTable(year: Int, format: String, _ all: [Entry]) -> Table {
        let metrics = Catalog.activeMetrics(format: format)
        let columns = [rowTypeColumn, regionColumn, agencyColumn, kindColumn] + metrics.map(metricColumn) + [errorsColumn, pathColumn]
        // (The metrics by slot: looked up by id once, not once a cell.)
        let slots = metrics.map { Catalog.metricIndex[$0]! }
        // Totals worked out when the rows are first asked for (not when the table is copied).
        let source = Table.RowSource {
            let entries = all.filter { $0.year == year && $0.report.activeFormat == format }
            let (strict, filled) = totals(entries.map { e in slots.map { e.report.values[index: $0] ?? nil } }, columns: slots.count)
            let errors = entries.reduce(0) { $0 + $1.errors }
            var totalRows: [[JSON]] = []
            for (label, values) in [(totalRow, strict), (filledTotalRow, filled)] {
                if label == filledTotalRow && filled == strict { continue }
                totalRows.append([.string(label), .null, .null, .null] + values.map { Indicators.cell($0, rate: false) } + [.int(errors), .null])
            }
            // Each agency's row made when written, the totals after them.
            return Table.RowSource(count: entries.count + totalRows.count) { n in
                guard n < entries.count else { return totalRows[n - entries.count] }
                let e = entries[n]
                var row: [JSON] = [.string(agencyRow), .string(e.region), .string(e.agency), .string(e.kind)]
                row.reserveCapacity(slots.count + 6)
                for slot in slots { row.append(Indicators.cell(e.report.values[index: slot] ?? nil, rate: false)) }
                row += [.int(e.errors), .string(e.report.path)]
                return row
            }
        }
        let other = format == "2019" ? "2021" : "2019"
        return Table(
            name: "compare_active_\(year)_format\(format)", title: "\(year)年主动公开情况（第二部分，\(format)年版表格）(compare_active_\(year)_format\(format))",
            description: "\(year)年第二部分（第二十条各项主动公开）表格为\(format)年版的报告，每个机关一行，末行为合计。2019年版与2021年版的第二部分统计的是不同的东西（如“对外公开总数量”不是“现行有效件数”），只能在同一版本的报告之间比较：\(other)年版的报告不在此表。空白不是0，任一机关空白则合计空白。",
            columns: columns, rows: [], rowSource: source)
    }

    // MARK: yoy

    static let yoyCountSeries = ["received", "granted", "results_total", "review", "litigation"]
    static let yoyRateSeries = ["disclosure_rate", "correction_rate"]

    static func yoyTable(_ all: [Entry]) -> Table {
        let columns: [Table.Column] = [
            regionColumn, agencyColumn, kindColumn,
            Table.Column("indicator", "指标 id",
                         definition: "指标的机器名：比较表的列名（received、disclosure_rate…），第二部分为指标 id（active.…）；只在 CSV 中", machineOnly: true),
            Table.Column("indicator_label", "指标", definition: "指标的中文名；第二部分为“部分 行·列”"),
            Table.Column("section", "部分", definition: "指标所属的报告部分：二(一)…、三、四"),
            Table.Column("unit", "单位", definition: "件、万元或 %"),
            yearColumn,
            Table.Column("format", "格式", definition: "该指标所在表格的格式（2019 或 2021）：第二部分为第二部分表格的格式，第三部分为第三部分表格的格式，第四部分为空"),
            Table.Column("value", "数值", "number", definition: "该年的数值；比率保留一位小数；空白为空"),
            Table.Column("prev_year", "上一年度", "integer", definition: "该机关有报告的上一个年度（中间缺年时为更早的一年）"),
            Table.Column("change", "较上年变化", "number", unit: "件/百分点",
                         definition: "数值减上一年度的数值；比率为百分点之差（按两年保留一位小数后的数相减）；任一年空白则空白；第二部分两年表格格式不同时不比较，空白"),
            Table.Column("pct_change", "变化率(%)", "rate", unit: "%",
                         definition: "较上年变化 ÷ 上一年度数值 × 100，保留一位小数；上一年度为0、为负或空白时空白；比率指标不算变化率（看百分点）"),
            Table.Column("note", "说明", definition: "不能比较的原因，如第二部分两年表格格式不同"),
        ]
        // (By the names' bytes, as in `entries`.)
        var byAgency: [Labels.BytesKey: [Entry]] = [:]
        for e in all { byAgency[Labels.BytesKey(e.agency), default: []].append(e) }
        var agenciesInOrder: [String] = []
        var seen = Set<Labels.BytesKey>()
        for e in all where seen.insert(Labels.BytesKey(e.agency)).inserted { agenciesInOrder.append(e.agency) }
        // Which rows there are (agency, indicator or metric, year), in order; the rows
        // themselves are made when written, so 100,000 reports' years are never held as cells.
        struct RowRef { var series: Int32; var what: Int32; var n: Int32 }
        var allSeries: [[Entry]] = []
        var refs: [RowRef] = []
        let activeMetrics = Catalog.metrics.enumerated().filter { $0.element.id.hasPrefix("active.") }
        var ranges: [Range<Int>] = []
        for agency in agenciesInOrder {
            let series = byAgency[Labels.BytesKey(agency)]!.sorted { $0.year < $1.year }
            guard series.count > 1 else { continue }
            let start = refs.count
            defer { ranges.append(start..<refs.count) }
            let s = Int32(allSeries.count)
            allSeries.append(series)
            // Sections 三 and 四: comparable whatever the format.
            for i in Indicators.all.indices {
                for n in series.indices { refs.append(RowRef(series: s, what: Int32(i), n: Int32(n))) }
            }
            // Section 二: only between two years whose tables have the same format.
            // (By slot: `activeMetrics` keeps each metric's place in the catalog. Each report's
            // values taken once, not once a metric.)
            let values = series.map(\.report.values)
            for (k, _) in activeMetrics where values.contains(where: { $0.has(index: k) }) {
                for (n, v) in values.enumerated() where v.has(index: k) {
                    refs.append(RowRef(series: s, what: Int32(-1 - k), n: Int32(n)))
                }
            }
        }
        // Each row built in one array of its final size; the constant cells made once.
        let indicatorCells: [[JSON]] = Indicators.all.map { [.string($0.id), .string($0.label), .string($0.section), .string($0.unit)] }
        let metricCells: [[JSON]] = Catalog.metrics.map { [.string($0.id), .string("\($0.section) \($0.row)·\($0.column)"), .string($0.section), .string($0.unit)] }
        let yearCells: [Int: JSON] = Dictionary(uniqueKeysWithValues: Set(all.map(\.year)).map { ($0, JSON.int($0)) })
        func year(_ y: Int) -> JSON { yearCells[y] ?? .int(y) }
        func row(_ r: Int) -> [JSON] {
            let ref = refs[r]
            let series = allSeries[Int(ref.series)]
            let n = Int(ref.n)
            let e = series[n]
            let prev = n > 0 ? series[n - 1] : nil
            var row: [JSON] = []
            row.reserveCapacity(15)
            row.append(.string(series[0].region))
            row.append(.string(e.agency))
            row.append(.string(series[0].kind))
            if ref.what >= 0 {
                let i = Indicators.all[Int(ref.what)]
                let value = e.values[Int(ref.what)]
                let before = prev.flatMap { $0.values[Int(ref.what)] }
                row.append(contentsOf: indicatorCells[Int(ref.what)])
                row.append(year(e.year))
                row.append(i.section == "三" ? Aggregator.text(e.report.applyFormat) : .null)
                row.append(Indicators.cell(value, rate: i.isRate))
                row.append(prev.map { year($0.year) } ?? .null)
                row.append(contentsOf: changeCells(value, before, rate: i.isRate))
                row.append(.null)
                return row
            }
            let k = Int(-1 - ref.what)
            let value = e.report.values[index: k] ?? nil
            let (change, note) = metricChange(k, value, e, prev)
            row.append(contentsOf: metricCells[k])
            row.append(year(e.year))
            row.append(Aggregator.text(e.report.activeFormat))
            row.append(Indicators.cell(value, rate: false))
            row.append(prev.map { year($0.year) } ?? .null)
            row.append(contentsOf: change)
            row.append(note)
            return row
        }
        // The same rows' bytes written straight: the cells that repeat (an indicator's or
        // metric's four cells) serialized once, the rest as `row` makes them (2.9 million rows
        // at 100,000 reports); an agency's region, name and kind are left out, as its records
        // hold them once (`Table.sameColumns`: the table is grouped by agency, with region and
        // kind as details).
        func cellsBytes(_ cells: [JSON]) -> [UInt8] {
            var b: [UInt8] = []
            for c in cells {
                c.write(to: &b)
                b.append(UInt8(ascii: ","))
            }
            return b
        }
        let indicatorBytes = indicatorCells.map(cellsBytes)
        let metricBytes = metricCells.map(cellsBytes)
        func writeRow(_ r: Int, _ out: inout [UInt8]) {
            let ref = refs[r]
            let series = allSeries[Int(ref.series)]
            let n = Int(ref.n)
            let e = series[n]
            let prev = n > 0 ? series[n - 1] : nil
            func cell(_ c: JSON) {
                c.write(to: &out)
                out.append(UInt8(ascii: ","))
            }
            func year(_ y: Int?) {
                if let y { Report.write(Int64(y), to: &out) } else { out.append(contentsOf: JSONBytes.null) }
                out.append(UInt8(ascii: ","))
            }
            out.append(UInt8(ascii: "["))
            if ref.what >= 0 {
                let i = Indicators.all[Int(ref.what)]
                let value = e.values[Int(ref.what)]
                let before = prev.flatMap { $0.values[Int(ref.what)] }
                out.append(contentsOf: indicatorBytes[Int(ref.what)])
                year(e.year)
                cell(i.section == "三" ? Aggregator.text(e.report.applyFormat) : .null)
                cell(Indicators.cell(value, rate: i.isRate))
                year(prev?.year)
                for c in changeCells(value, before, rate: i.isRate) { cell(c) }
            } else {
                let k = Int(-1 - ref.what)
                let value = e.report.values[index: k] ?? nil
                let (change, note) = metricChange(k, value, e, prev)
                out.append(contentsOf: metricBytes[k])
                year(e.year)
                cell(Aggregator.text(e.report.activeFormat))
                cell(Indicators.cell(value, rate: false))
                year(prev?.year)
                for c in change { cell(c) }
                note.write(to: &out)
                out.append(UInt8(ascii: "]"))
                return
            }
            out.append(contentsOf: JSONBytes.null)
            out.append(UInt8(ascii: "]"))
        }
        let source = Table.RowSource(count: refs.count, row: row, bytes: writeRow, omitting: ["region", "agency", "kind"])
        let charts = [
            Table.Chart(id: "counts", kind: "line", title: "申请、办理与复议诉讼（件）", label: "indicator_label", values: ["value"], x: "year",
                        filterColumn: "indicator", filterValues: yoyCountSeries, perGroup: true, unit: "件"),
            Table.Chart(id: "rates", kind: "line", title: "公开率与纠错率（%）", label: "indicator_label", values: ["value"], x: "year",
                        filterColumn: "indicator", filterValues: yoyRateSeries, perGroup: true, unit: "%"),
        ]
        // Each agency's record keyed by everything its rows are made from: a re-run copies
        // the records of agencies whose reports did not change.
        let keys = Parallel.map(Array(allSeries.indices)) { seriesKey(allSeries[$0]) }
        var table = Table(
            name: "yoy", title: "各机关逐年变化 (yoy)",
            description: "有两个以上年度报告的机关，每个指标逐年的数值、较上一年度的变化和变化率（CSV 为一张长表，每行一个机关、指标、年度；Markdown 每个机关一节，附折线图）。第三、四部分的指标跨2019年版与2021年版可比（2021年版“（六）其他处理”三个子项相加）。第二部分只在两年表格格式相同时比较，格式不同的注明“不可比”。比率的变化为百分点，不算变化率。空白不是0：任一年空白，变化与变化率都空白。",
            columns: columns, rows: [], charts: charts,
            grouping: Table.Grouping(column: "agency", details: ["region", "kind"]), rowSource: source)
        table.groupKeys = zip(ranges, keys).filter { !$0.0.isEmpty }.map { Table.GroupKey(rows: $0.0, key: $0.1) }
        return table
    }

    /// Everything the year-over-year rows of `series` are made from: the agency's name
    /// (its region and kind are read from it) and the record of each year's report.
    static func seriesKey(_ series: [Entry]) -> String? {
        var k = ContentKey()
        k.add(series.first?.agency)
        for e in series {
            guard let key = e.report.recordKey else { return nil }
            k.add(key)
        }
        return k.hex
    }

    /// A section 二 metric's change cells and note from the year before: compared only when
    /// both years' tables have the same format, else blank with a note saying why.
    static func metricChange(_ k: Int, _ value: Quantity?, _ e: Entry, _ prev: Entry?) -> (change: [JSON], note: JSON) {
        guard let prev else { return ([.null, .null], .null) }
        if prev.report.activeFormat == e.report.activeFormat {
            return (changeCells(value, prev.report.values[index: k] ?? nil, rate: false), .null)
        }
        return ([.null, .null], .string("第二部分表格格式不同（\(prev.year)年\(formatName(prev.report.activeFormat))，\(e.year)年\(formatName(e.report.activeFormat))），不可比"))
    }

    static func formatName(_ format: String?) -> String { format.map { "为\($0)年版" } ?? "没有该表" }

    /// Change and % change from `before` to `value`, as cells.
    static func changeCells(_ value: Quantity?, _ before: Quantity?, rate: Bool) -> [JSON] {
        guard let value, let before, let change = value.subtracting(before) else { return [.null, .null] }
        if rate { return [.number(Indicators.oneDecimal(change)), .null] }
        let pct = before > Quantity.zero ? Indicators.percent(change, before) : nil
        return [change.json, pct.map { .number(Indicators.oneDecimal($0)) } ?? .null]
    }

    // MARK: unread

    static let advice: [String: String] = [
        "unsupported_format": "格式尚不能读取（PDF、Word、HTML、图片等）：另存为 UTF-8 纯文本（.txt）或 Markdown（.md）后放回语料",
        "undecodable": "无法解码为文字：确认编码（UTF-8、GB18030/GBK、带 BOM 的 UTF-16）后另存",
        "unreadable": "读取失败：检查文件权限和磁盘",
        "symlink_not_followed": "符号链接不跟随：把实际文件放进语料文件夹",
        "not_a_file": "不是普通文件：移出语料文件夹",
        "not_a_report": "不是政府信息公开工作年度报告（没有标题、章节或表格）：确认是否放错文件",
        "duplicate": "与另一文件内容完全相同，只计一次",
    ]

    /// Inputs that gave no report, by status and reason code.
    static func unreadTable(_ inputs: [Aggregator.Input]) -> Table {
        var groups: [String: (status: String, code: String, paths: [String])] = [:]
        for i in inputs where ["error", "not_a_report", "duplicate"].contains(i.status) {
            let code = i.status == "error" ? String(i.reason.split(separator: ":", maxSplits: 1).first ?? "") : i.status
            let key = "\(i.status)\u{1F}\(code)"
            groups[key, default: (i.status, code, [])].paths.append(i.path)
        }
        let statusOrder = ["error": 0, "not_a_report": 1, "duplicate": 2]
        let sorted = groups.values.sorted {
            (statusOrder[$0.status]!, -$0.paths.count, $0.code) < (statusOrder[$1.status]!, -$1.paths.count, $1.code)
        }
        return Table(
            name: "unread", title: "未能读取的文件 (unread)",
            description: "没有读出报告的输入文件，按状态和原因代码计数，附处理办法和前三个文件；逐个文件的原因见 inventory。",
            columns: [
                Table.Column("status", "状态", definition: "error（无法读取）、not_a_report（不是年度报告）或 duplicate（重复文件）"),
                Table.Column("code", "原因代码", definition: "error 的原因代码（unsupported_format、undecodable、unreadable、symlink_not_followed、not_a_file），其余同状态"),
                Table.Column("files", "文件数", "integer", definition: "该状态和原因的文件数"),
                Table.Column("advice", "处理办法", definition: "怎样让这些文件能被读取"),
                Table.Column("examples", "示例文件", definition: "按路径排序的前三个文件，以“; ”分隔"),
            ],
            rows: sorted.map { g in
                [.string(g.status), .string(g.code), .int(g.paths.count), .string(advice[g.code] ?? ""),
                 .string(g.paths.sorted(by: JSON.utf8Less).prefix(3).joined(separator: "; "))]
            })
    }

    // MARK: dictionary

    /// A table's family: its name with the year made generic (`compare_2021` → `compare_<year>`).
    static func family(_ name: String) -> String {
        var parts = name.split(separator: "_", omittingEmptySubsequences: false).map(String.init)
        if let i = parts.firstIndex(where: { $0.count == 4 && $0.allSatisfy(\.isASCII) && Int($0) != nil }) { parts[i] = "<year>" }
        return parts.joined(separator: "_")
    }

    /// Every column of every table (one row per table family and column id).
    static func dictionary(_ tables: [Table]) -> Table {
        let columns: [Table.Column] = [
            Table.Column("table", "表", definition: "表名（文件名去掉 .csv/.md）；<year> 代表各年度"),
            Table.Column("column", "列 id", definition: "列的机器名，即 CSV 的表头"),
            Table.Column("label", "中文名", definition: "列的中文名，即 Markdown 的表头"),
            Table.Column("section", "部分", definition: "数值所属的报告部分（二(一)、三、四…），与报告部分无关的列为空"),
            Table.Column("unit", "单位", definition: "件、万元、%（百分比）或空"),
            Table.Column("type", "类型", definition: "text（文字）、integer（整数）、number（精确小数）、rate（百分比，一位小数）"),
            Table.Column("definition", "定义", definition: "该列的含义和算法"),
        ]
        let me = Table(name: "dictionary", title: "", description: "", columns: columns, rows: [])
        var seen = Set<String>()
        var rows: [[JSON]] = []
        for t in tables + [me] {
            let f = family(t.name)
            for c in t.columns where seen.insert("\(f)\u{1F}\(c.id)").inserted {
                rows.append([.string(f), .string(c.id), .string(c.label), .string(c.section), .string(c.unit), .string(c.type),
                             .string(c.definition)])
            }
        }
        return Table(
            name: "dictionary", title: "数据字典 (dictionary)",
            description: "每张表的每一列：列 id（CSV 表头）、中文名（Markdown 表头）、所属报告部分、单位、类型和定义。各年度的同类表（compare_2021、compare_2022…）列相同，合为一行（<year>）。",
            columns: columns, rows: rows)
    }
}
