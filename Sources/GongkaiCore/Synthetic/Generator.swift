import Foundation

/// Synthetic annual reports with known values, for the benchmark and for property
/// tests (generated report → extracted values equal the generated ones). Reports of
/// one agency carry over from year to year (上年结转 = last year's 结转下年度; 现行有效
/// follows 制发 and 废止), every table identity holds, and the text comes in the
/// styles real reports show: tab-separated, Markdown pipe tables, space-aligned
/// layout text, and rows whose label stands on its own line.
public struct Generator {
    /// How the tables are printed.
    public enum Style: String, CaseIterable, Sendable {
        case tabs, markdown, layout, brokenRows, html

        /// The document format ingest gives a file of this style.
        public var format: String {
            switch self {
            case .markdown: return "markdown"
            case .html: return "html"
            default: return "text"
            }
        }

        public var fileExtension: String {
            switch self {
            case .markdown: return "md"
            case .html: return "html"
            default: return "txt"
            }
        }
    }

    /// One generated report: its file name, text and the values extraction must find.
    public struct Sample: Sendable {
        public var fileName: String
        public var agency: String
        public var year: Int
        public var style: Style
        public var text: String
        public var values: [String: Quantity]
        /// The signature date, ISO.
        public var published: String
    }

    var rng: SplitMix64

    public init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    static let regions = ["海东市", "西宁市", "银川市", "固原市", "宿迁市", "沭阳县", "平潭县", "泉州市", "漳州市", "南平市", "宁德市", "三明市",
                          "莆田市", "龙岩市", "赣州市", "吉安市", "上饶市", "九江市", "株洲市", "湘潭市", "衡阳市", "岳阳市", "常德市", "益阳市"]
    static let kinds = ["工业和信息化局", "发展和改革委员会", "财政局", "教育局", "自然资源局", "生态环境局", "住房和城乡建设局", "交通运输局",
                        "农业农村局", "商务局", "文化和旅游局", "卫生健康委员会", "应急管理局", "市场监督管理局", "医疗保障局", "人民政府办公室"]

    /// The `index`-th agency name (region × kind), the same for every seed.
    public static func agency(_ index: Int) -> String {
        let region = regions[index % regions.count]
        let kind = kinds[(index / regions.count) % kinds.count]
        let series = index / (regions.count * kinds.count)
        return series == 0 ? region + kind : region + "第\(series + 1)" + kind
    }

    /// `count` reports spread over agencies and `years`, every agency a run of consecutive years.
    public mutating func corpus(count: Int, years: ClosedRange<Int> = 2019...2025) -> [Sample] {
        var out: [Sample] = []
        out.reserveCapacity(count)
        let perAgency = years.count
        var agencyIndex = 0
        while out.count < count {
            let name = Generator.agency(agencyIndex)
            var state = AgencyState(rng: &rng)
            for year in years where out.count < count {
                let style = Style.allCases[Int(rng.next() % UInt64(Style.allCases.count))]
                out.append(report(agency: name, year: year, style: style, state: &state, index: agencyIndex * perAgency + (year - years.lowerBound)))
            }
            agencyIndex += 1
        }
        return out
    }

    /// What carries from one year to the next.
    struct AgencyState {
        var regulationsInForce: Int
        var normativeInForce: Int
        var carriedForward: [Int]  // per applicant column, 6 values

        init(rng: inout SplitMix64) {
            regulationsInForce = Int(rng.next() % 20)
            normativeInForce = Int(rng.next() % 200)
            carriedForward = (0..<6).map { _ in Int(rng.next() % 4) }
        }
    }

    mutating func small(_ bound: Int) -> Int { Int(rng.next() % UInt64(bound)) }

    /// One report; updates `state` for the next year.
    mutating func report(agency: String, year: Int, style: Style, state: inout AgencyState, index: Int) -> Sample {
        let format = year >= 2021 ? "2021" : "2019"
        var values: [String: Quantity] = [:]
        func set(_ id: String, _ v: Int) { values[id] = Quantity(v) }

        // Section 二.
        var active: [(label: String, header: [String], rows: [(String, [String])])] = []
        if format == "2021" {
            let ri = small(3), rr = min(small(2), state.regulationsInForce)
            let ni = small(40), nr = min(small(20), state.normativeInForce)
            let rf = state.regulationsInForce + ri - rr, nf = state.normativeInForce + ni - nr
            state.regulationsInForce = rf
            state.normativeInForce = nf
            for (row, v) in [("regulations", [ri, rr, rf]), ("normative", [ni, nr, nf])] {
                for (c, x) in zip(["issued", "repealed", "in_force"], v) { set("active.\(row).\(c)", x) }
            }
            let lic = small(3000), pen = small(2000), coe = small(100)
            set("active.licensing.decisions", lic)
            set("active.penalty.decisions", pen)
            set("active.coercion.decisions", coe)
            let fee = Quantity(mantissa: Int64(small(500_000)), scale: 2)
            values["active.fees.amount"] = fee
            active = [
                ("第二十条第（一）项", ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
                 [("规章", [ri, rr, rf].map(String.init)), ("行政规范性文件", [ni, nr, nf].map(String.init))]),
                ("第二十条第（五）项", ["信息内容", "本年处理决定数量"], [("行政许可", ["\(lic)"])]),
                ("第二十条第（六）项", ["信息内容", "本年处理决定数量"], [("行政处罚", ["\(pen)"]), ("行政强制", ["\(coe)"])]),
                ("第二十条第（八）项", ["信息内容", "本年收费金额（单位：万元）"], [("行政事业性收费", [fee.description])]),
            ]
        } else {
            var rows19: [(String, String, [Int])] = []
            for (row, label) in [("regulations", "规章"), ("normative", "规范性文件")] {
                let made = small(30), published = made, total = small(300) + made
                for (c, x) in zip(["made", "published", "total_published"], [made, published, total]) { set("active.\(row).\(c)", x) }
                rows19.append((row, label, [made, published, total]))
            }
            var items: [(String, String, [Int])] = []
            for (row, label) in [("licensing", "行政许可"), ("other_services", "其他对外管理服务事项"), ("penalty", "行政处罚"), ("coercion", "行政强制")] {
                let v = [small(400), small(21) - 10, small(900)]
                for (c, x) in zip(["prior_items", "change", "decisions"], v) { set("active.\(row).\(c)", x) }
                items.append((row, label, v))
            }
            let feePrior = small(40), feeChange = small(5) - 2
            set("active.fees.prior_items", feePrior)
            set("active.fees.change", feeChange)
            let procItems = small(200)
            let procAmount = Quantity(mantissa: Int64(small(9_000_000)), scale: 2)
            set("active.procurement.items", procItems)
            values["active.procurement.amount"] = procAmount
            func signed(_ v: Int) -> String { v < 0 ? "减\(-v)" : (v > 0 ? "+\(v)" : "0") }
            active = [
                ("第二十条第（一）项", ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"], rows19.map { ($0.1, $0.2.map(String.init)) }),
                ("第二十条第（五）项", ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
                 items.prefix(2).map { ($0.1, ["\($0.2[0])", signed($0.2[1]), "\($0.2[2])"]) }),
                ("第二十条第（六）项", ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
                 items.suffix(2).map { ($0.1, ["\($0.2[0])", signed($0.2[1]), "\($0.2[2])"]) }),
                ("第二十条第（八）项", ["信息内容", "上一年项目数量", "本年增/减"], [("行政事业性收费", ["\(feePrior)", signed(feeChange)])]),
                ("第二十条第（九）项", ["信息内容", "采购项目数量", "采购总金额"], [("政府集中采购", ["\(procItems)", procAmount.description + "万元"])]),
            ]
        }

        // Section 三: received and carried over, then results that use them up but for what carries forward.
        let rows = Catalog.applyRows(format: format)
        let results = Catalog.resultRows(format: format)
        var table: [String: [Int]] = [:]
        let received = (0..<6).map { c in c == 0 ? small(60) : (c == 1 ? small(8) : small(2)) }
        let carriedOver = state.carriedForward
        var forward = [Int](repeating: 0, count: 6)
        var resultCells = [[Int]](repeating: [Int](repeating: 0, count: 6), count: results.count)
        for c in 0..<6 {
            let available = received[c] + carriedOver[c]
            forward[c] = min(available, small(3))
            var left = available - forward[c]
            while left > 0 {
                let r = small(results.count)
                let k = min(left, 1 + small(5))
                resultCells[r][c] += k
                left -= k
            }
        }
        state.carriedForward = forward
        func withTotal(_ v: [Int]) -> [Int] { v + [v.reduce(0, +)] }
        table["apply.received"] = withTotal(received)
        table["apply.carried_over"] = withTotal(carriedOver)
        for (r, row) in results.enumerated() { table[row.id] = withTotal(resultCells[r]) }
        table["apply.total"] = withTotal((0..<6).map { c in resultCells.reduce(0) { $0 + $1[c] } })
        table["apply.carried_forward"] = withTotal(forward)
        for row in rows {
            for (c, col) in Catalog.applicantColumns.enumerated() { set(row.metric(col.id), table[row.id]![c]) }
        }

        // Section 四.
        var review: [Int] = []
        for _ in 0..<3 {
            let parts = [small(4), small(2), small(2), small(2)]
            review += parts + [parts.reduce(0, +)]
        }
        for (id, v) in zip(Catalog.reviewMetrics, review) { set(id, v) }

        let day = 10 + small(18)
        let text = Generator.render(agency: agency, year: year, format: format, style: style, active: active, rows: rows,
                                    table: table, review: review, signed: day, seed: rng.next())
        let ext = style.fileExtension
        let fileName = String(format: "%06d", index) + "-\(year).\(ext)"
        return Sample(fileName: fileName, agency: agency, year: year, style: style, text: text, values: values,
                      published: String(format: "%04d-01-%02d", year + 1, day))
    }

    static let prose = [
        "本机关坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，",
        "持续加强组织领导，完善政务公开工作机制，拓宽公开渠道，提升公开质量，主动回应社会关切，推进决策、执行、管理、服务、结果公开。",
        "围绕中心工作做好重点领域信息公开，及时发布政策文件并同步开展解读，规范依申请公开办理流程，严格落实保密审查制度。",
        "加强政府网站和政务新媒体管理，定期开展检查，及时整改发现的问题，组织业务培训，提升工作人员的业务能力。",
        "下一步，将进一步提高政策解读质量，丰富解读形式，加强信息发布审核，推动政务公开工作再上新台阶。",
    ]

    /// The report's text in `style`.
    static func render(agency: String, year: Int, format: String, style: Style, active: [(label: String, header: [String], rows: [(String, [String])])],
                       rows: [Catalog.ApplyRow], table: [String: [Int]], review: [Int], signed day: Int, seed: UInt64) -> String {
        var rng = SplitMix64(seed: seed)
        var out: [String] = []
        func paragraph(_ n: Int) -> String { (0..<n).map { _ in prose[Int(rng.next() % UInt64(prose.count))] }.joined() }
        func heading(_ s: String) -> String { style == .markdown ? "## " + s : s }
        func cells(_ c: [String]) -> String {
            switch style {
            case .markdown: return "| " + c.joined(separator: " | ") + " |"
            case .layout: return c.map { $0.isEmpty ? "  " : $0 }.joined(separator: "    ")
            case .tabs, .brokenRows: return c.joined(separator: "\t")
            case .html: return "<tr>" + c.map { "<td>\($0)</td>" }.joined() + "</tr>"
            }
        }
        func rule(_ n: Int) -> String? { style == .markdown ? "|" + String(repeating: "---|", count: n) : nil }

        out.append(agency)
        out.append("\(agency)\(year)年政府信息公开工作年度报告")
        out.append("本报告所列数据的统计期限自\(year)年1月1日起至\(year)年12月31日止。")
        out.append(heading("一、总体情况"))
        for _ in 0..<4 { out.append(paragraph(3)) }
        out.append(heading("二、主动公开政府信息情况"))
        for t in active {
            out.append(t.label)
            out.append(cells(t.header))
            if let r = rule(t.header.count) { out.append(r) }
            for (label, values) in t.rows { out.append(cells([label] + values + Array(repeating: "", count: t.header.count - 1 - values.count))) }
        }
        out.append(heading("三、收到和处理政府信息公开申请情况"))
        out.append(cells(["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况", "", "", "", "", "", ""]))
        if let r = rule(8) { out.append(r) }
        out.append(cells(["", "自然人", "法人或其他组织", "", "", "", "", "总计"]))
        out.append(cells(["", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""]))
        for (i, row) in rows.enumerated() {
            let label = row.label.replacingOccurrences(of: "(", with: "（").replacingOccurrences(of: ")", with: "）")
            let values = table[row.id]!.map(String.init)
            switch style {
            case .brokenRows where i % 5 == 2:
                // The label alone, its numbers on the next line.
                out.append(label)
                out.append(cells(values))
            case .layout where row.id == "apply.partly_granted":
                // A label wrapped over two lines, the numbers on the first.
                out.append(cells(["（二）部分公开（区分处理的，只计这一"] + values))
                out.append("情形，不计其他情形）")
            default:
                out.append(cells([label] + values))
            }
            if style == .layout && i == 12 { out.append("— \(2 + i / 12) —") }  // a page number between rows
        }
        out.append(heading("四、政府信息公开行政复议、行政诉讼情况"))
        out.append(cells(["行政复议", "", "", "", "", "行政诉讼"]))
        out.append(cells(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "", "", "", "", "复议后起诉"]))
        out.append(cells(["", "", "", "", "", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]))
        if let r = rule(15) { out.append(r) }
        out.append(cells(review.map(String.init)))
        out.append(heading("五、存在的主要问题及改进情况"))
        for _ in 0..<3 { out.append(paragraph(2)) }
        out.append(heading("六、其他需要报告的事项"))
        out.append("本年度未收取信息处理费。")
        out.append(agency)
        out.append("\(year + 1)年1月\(day)日")
        if style == .html {
            // A page: rows of a table inside <table>, every other line a paragraph.
            var page = ["<!DOCTYPE html>", "<html><head><meta charset=\"utf-8\"><title>\(agency)</title></head><body>"]
            var inTable = false
            for line in out {
                let row = line.hasPrefix("<tr>")
                if row != inTable { page.append(row ? "<table border=\"1\">" : "</table>") }
                inTable = row
                page.append(row ? line : "<p>\(line)</p>")
            }
            if inTable { page.append("</table>") }
            page.append("</body></html>")
            return page.joined(separator: "\n") + "\n"
        }
        return out.joined(separator: "\n") + "\n"
    }
}

/// A small, fast, seeded generator: the same seed gives the same corpus on every machine.
public struct SplitMix64: Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
