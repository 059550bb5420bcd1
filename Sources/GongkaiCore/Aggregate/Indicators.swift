/// The key indicators of a report that the comparison tables show, computed from
/// its `values` in one place.
///
/// Section 三 means the same in the 2019 and 2021 formats once （六）其他处理 is
/// taken whole (2019: its one row; 2021: the sum of its three sub-rows), so these
/// indicators compare across formats. Section 二 does not (see `Compare`).
///
/// Blank is not zero: a sum with a blank term is blank, a rate with a blank or
/// zero denominator is blank. Counts are exact (`Quantity`); rates are percentages
/// rounded half away from zero to one decimal, and always printed with it.
public enum Indicators {
    public struct Indicator: Sendable, Equatable {
        /// Column id in every comparison table.
        public var id: String
        public var label: String
        /// `三` or `四`.
        public var section: String
        /// `件` or `%`.
        public var unit: String
        public var definition: String
        /// Rates: `numerator` ids summed over `denominator` id, as a percentage.
        public var numerator: [String] = []
        public var denominator: String? = nil
        /// Ranked in the comparison tables (1 = the largest value).
        public var ranked: Bool = false

        public var isRate: Bool { denominator != nil }
        public var rankID: String { "rank_\(id)" }
    }

    static func total(_ row: String) -> String { "\(row).total" }

    static let deniedRows = Catalog.applyRows.filter { $0.id.hasPrefix("apply.denied.") }.map(\.id)
    static let unavailableRows = Catalog.applyRows.filter { $0.id.hasPrefix("apply.unavailable.") }.map(\.id)
    static let notProcessedRows = Catalog.applyRows.filter { $0.id.hasPrefix("apply.not_processed.") }.map(\.id)
    static let otherSubRows = ["apply.other.no_correction", "apply.other.unpaid_fee", "apply.other.other"]

    /// Every indicator, in the order the comparison tables show them.
    public static let all: [Indicator] = [
        Indicator(id: "received", label: "新收申请", section: "三", unit: "件",
                  definition: "本年新收政府信息公开申请数量（三、一 的“总计”列，apply.received.total）", ranked: true),
        Indicator(id: "carried_over", label: "上年结转", section: "三", unit: "件",
                  definition: "上年结转政府信息公开申请数量（三、二 的“总计”列，apply.carried_over.total）"),
        Indicator(id: "granted", label: "予以公开", section: "三", unit: "件",
                  definition: "办理结果（一）予以公开的“总计”列（apply.granted.total）"),
        Indicator(id: "partly_granted", label: "部分公开", section: "三", unit: "件",
                  definition: "办理结果（二）部分公开的“总计”列（apply.partly_granted.total）"),
        Indicator(id: "denied", label: "不予公开", section: "三", unit: "件",
                  definition: "办理结果（三）不予公开 1–8 项“总计”列之和（apply.denied.*.total）；任一项空白则空白"),
        Indicator(id: "unavailable", label: "无法提供", section: "三", unit: "件",
                  definition: "办理结果（四）无法提供 1–3 项“总计”列之和（apply.unavailable.*.total）；任一项空白则空白"),
        Indicator(id: "not_processed", label: "不予处理", section: "三", unit: "件",
                  definition: "办理结果（五）不予处理 1–5 项“总计”列之和（apply.not_processed.*.total）；任一项空白则空白"),
        Indicator(id: "other", label: "其他处理", section: "三", unit: "件",
                  definition: "办理结果（六）其他处理的“总计”列：2019年版为其一行（apply.other.total），2021年版为 1–3 三个子项之和（apply.other.no_correction/unpaid_fee/other.total），两版由此可比；任一项空白则空白"),
        Indicator(id: "results_total", label: "办理结果总计", section: "三", unit: "件",
                  definition: "办理结果（七）总计的“总计”列（apply.total.total）"),
        Indicator(id: "carried_forward", label: "结转下年度", section: "三", unit: "件",
                  definition: "四、结转下年度继续办理的“总计”列（apply.carried_forward.total）"),
        Indicator(id: "disclosure_rate", label: "公开率", section: "三", unit: "%",
                  definition: "(予以公开 + 部分公开) ÷ 办理结果总计 × 100，四舍五入保留一位小数；任一项空白或分母为0则空白",
                  numerator: ["granted", "partly_granted"], denominator: "results_total", ranked: true),
        Indicator(id: "review", label: "行政复议", section: "四", unit: "件",
                  definition: "政府信息公开行政复议总计（review.total）", ranked: true),
        Indicator(id: "litigation", label: "行政诉讼", section: "四", unit: "件",
                  definition: "政府信息公开行政诉讼总计：未经复议直接起诉总计 + 复议后起诉总计（litigation.direct.total + litigation.after_review.total）",
                  ranked: true),
        Indicator(id: "corrected", label: "结果纠正", section: "四", unit: "件",
                  definition: "行政复议、未经复议直接起诉、复议后起诉三者的“结果纠正”之和（review.corrected + litigation.direct.corrected + litigation.after_review.corrected）"),
        Indicator(id: "concluded", label: "已审结", section: "四", unit: "件",
                  definition: "三者已审结之和：各自“总计”减“尚未审结”（review/litigation.direct/litigation.after_review 的 total − pending）"),
        Indicator(id: "correction_rate", label: "纠错率", section: "四", unit: "%",
                  definition: "结果纠正 ÷ 已审结 × 100，四舍五入保留一位小数；任一项空白或分母为0则空白",
                  numerator: ["corrected"], denominator: "concluded", ranked: true),
    ]

    public static let byID: [String: Indicator] = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })

    /// The counts (every indicator that is not a rate) of a report; nil is blank.
    public static func counts(_ r: Report) -> [String: Quantity?] {
        func v(_ id: String) -> Quantity? { r.values[id] ?? nil }
        /// The sum of the cells, or nil when any is blank or the table lacks it.
        func sum(_ ids: [String]) -> Quantity? {
            var terms: [Quantity] = []
            for id in ids {
                guard let q = v(id) else { return nil }
                terms.append(q)
            }
            return Quantity.sum(terms)
        }
        func difference(_ a: String, _ b: String) -> Quantity? {
            guard let x = v(a), let y = v(b) else { return nil }
            return x.subtracting(y)
        }
        var out: [String: Quantity?] = [:]
        out["received"] = v("apply.received.total")
        out["carried_over"] = v("apply.carried_over.total")
        out["granted"] = v("apply.granted.total")
        out["partly_granted"] = v("apply.partly_granted.total")
        out["denied"] = sum(deniedRows.map(total))
        out["unavailable"] = sum(unavailableRows.map(total))
        out["not_processed"] = sum(notProcessedRows.map(total))
        // The format the table was read in decides which (六) rows it has.
        if r.values["apply.other.total"] != nil {
            out["other"] = v("apply.other.total")
        } else if otherSubRows.contains(where: { r.values[total($0)] != nil }) {
            out["other"] = sum(otherSubRows.map(total))
        } else {
            out["other"] = .some(nil)
        }
        out["results_total"] = v("apply.total.total")
        out["carried_forward"] = v("apply.carried_forward.total")
        out["review"] = v("review.total")
        out["litigation"] = sum(["litigation.direct.total", "litigation.after_review.total"])
        out["corrected"] = sum(["review.corrected", "litigation.direct.corrected", "litigation.after_review.corrected"])
        let concluded = [("review.total", "review.pending"), ("litigation.direct.total", "litigation.direct.pending"),
                         ("litigation.after_review.total", "litigation.after_review.pending")].map { difference($0.0, $0.1) }
        out["concluded"] = concluded.contains { $0 == nil } ? nil : Quantity.sum(concluded.map { $0! })
        return out
    }

    /// Every indicator of a report: the counts, and the rates computed from them.
    public static func values(_ r: Report) -> [String: Quantity?] {
        withRates(counts(r))
    }

    /// Indicator values by id as a list in `all` order (nil for a blank or missing one).
    static func list(_ values: [String: Quantity?]) -> [Quantity?] {
        all.map { values[$0.id] ?? nil }
    }

    /// `list(values(r))`, worked out from the report's slots without a dictionary or an id
    /// string per term (it runs for every report of every comparison; tested equal).
    static func list(_ r: Report) -> [Quantity?] {
        let v = r.values
        func at(_ slot: Int) -> Quantity? { v[index: slot] ?? nil }
        func sum(_ slots: [Int]) -> Quantity? {
            var terms: [Quantity] = []
            terms.reserveCapacity(slots.count)
            for s in slots {
                guard let q = at(s) else { return nil }
                terms.append(q)
            }
            return Quantity.sum(terms)
        }
        let p = Plan.shared
        var out = [Quantity?](repeating: nil, count: all.count)
        for (k, slots) in p.sums { out[k] = sum(slots) }
        // The format the table was read in decides which (六) rows it has.
        if v[index: p.otherTotal] != nil {
            out[p.other] = at(p.otherTotal)
        } else if p.otherSubs.contains(where: { v[index: $0] != nil }) {
            out[p.other] = sum(p.otherSubs)
        }
        var concluded: [Quantity] = []
        for (total, pending) in p.concluded {
            guard let t = at(total), let q = at(pending), let d = t.subtracting(q) else { concluded = []; break }
            concluded.append(d)
        }
        out[p.concludedIndex] = concluded.count == p.concluded.count ? Quantity.sum(concluded) : nil
        for (k, numerator, denominator) in p.rates {
            var terms: [Quantity] = []
            for n in numerator { if let q = out[n] { terms.append(q) } }
            guard terms.count == numerator.count, let den = out[denominator], let num = Quantity.sum(terms) else { out[k] = nil; continue }
            out[k] = percent(num, den)
        }
        return out
    }

    /// Which catalog slots each indicator is made from (the ids of `counts`, as positions).
    struct Plan {
        /// Indicators that are a cell or the sum of cells: their position in `all` and the slots.
        var sums: [(Int, [Int])] = []
        var other = 0, otherTotal = 0, otherSubs: [Int] = []
        var concludedIndex = 0, concluded: [(Int, Int)] = []
        /// Rates: position, numerator positions, denominator position.
        var rates: [(Int, [Int], Int)] = []

        static let shared = Plan()

        init() {
            func slot(_ id: String) -> Int { Catalog.metricIndex[id]! }
            func at(_ id: String) -> Int { Indicators.all.firstIndex { $0.id == id }! }
            let cells: [(String, [String])] = [
                ("received", ["apply.received.total"]), ("carried_over", ["apply.carried_over.total"]),
                ("granted", ["apply.granted.total"]), ("partly_granted", ["apply.partly_granted.total"]),
                ("denied", deniedRows.map(total)), ("unavailable", unavailableRows.map(total)),
                ("not_processed", notProcessedRows.map(total)),
                ("results_total", ["apply.total.total"]), ("carried_forward", ["apply.carried_forward.total"]),
                ("review", ["review.total"]), ("litigation", ["litigation.direct.total", "litigation.after_review.total"]),
                ("corrected", ["review.corrected", "litigation.direct.corrected", "litigation.after_review.corrected"]),
            ]
            sums = cells.map { (at($0.0), $0.1.map(slot)) }
            other = at("other")
            otherTotal = slot("apply.other.total")
            otherSubs = otherSubRows.map(total).map(slot)
            concludedIndex = at("concluded")
            concluded = [("review.total", "review.pending"), ("litigation.direct.total", "litigation.direct.pending"),
                         ("litigation.after_review.total", "litigation.after_review.pending")].map { (slot($0.0), slot($0.1)) }
            for (k, i) in Indicators.all.enumerated() where i.isRate {
                rates.append((k, i.numerator.map(at), at(i.denominator!)))
            }
        }
    }

    /// Adds the rates to a set of counts (a report's, or a totals row's).
    public static func withRates(_ counts: [String: Quantity?]) -> [String: Quantity?] {
        var out = counts
        for i in all where i.isRate {
            out[i.id] = rate(i, counts)
        }
        return out
    }

    /// A rate from counts: blank when a term is blank or the denominator is zero.
    static func rate(_ i: Indicator, _ counts: [String: Quantity?]) -> Quantity? {
        var terms: [Quantity] = []
        for n in i.numerator {
            guard let q = counts[n] ?? nil else { return nil }
            terms.append(q)
        }
        guard let den = i.denominator.flatMap({ counts[$0] ?? nil }), let num = Quantity.sum(terms) else { return nil }
        return percent(num, den)
    }

    /// `num / den × 100`, rounded half away from zero to one decimal; nil when `den`
    /// is zero or the arithmetic would overflow.
    public static func percent(_ num: Quantity, _ den: Quantity) -> Quantity? {
        guard let (a, b, _) = Quantity.aligned(num, den), b != 0 else { return nil }
        // percent × 10 = a × 1000 / b
        let (n, o) = a.multipliedReportingOverflow(by: 1000)
        if o { return nil }
        return divideRounded(n, b).map { Quantity(mantissa: $0, scale: 1) }
    }

    /// `n / d` rounded half away from zero.
    static func divideRounded(_ n: Int64, _ d: Int64) -> Int64? {
        guard d != 0, !(n == .min && d == -1) else { return nil }
        let q = n / d, r = n % d
        if r.magnitude >= (d.magnitude - r.magnitude) {  // 2|r| ≥ |d| without overflow
            return (n < 0) != (d < 0) ? q - 1 : q + 1
        }
        return q
    }

    /// A percentage as the tables print it: always one decimal (`50.0`, `-3.5`).
    public static func oneDecimal(_ q: Quantity) -> String {
        let tenths = q.scale <= 1 ? q.mantissa.timesPowerOfTen(1 - q.scale) : divideRounded(q.mantissa, tenPower(q.scale - 1))
        guard let t = tenths else { return q.description }
        let sign = t < 0 ? "-" : ""
        return "\(sign)\(t.magnitude / 10).\(t.magnitude % 10)"
    }

    static func tenPower(_ n: Int) -> Int64 { Int64(1).timesPowerOfTen(n) ?? Int64.max }

    /// A value as a table cell: rates with one decimal, counts exactly as computed, blank as null.
    public static func cell(_ q: Quantity?, rate: Bool) -> JSON {
        guard let q else { return .null }
        return rate ? .number(oneDecimal(q)) : q.json
    }

    /// Standard competition ranks, largest first: ties share a rank (1, 2, 2, 4); blank has none.
    public static func ranks(_ values: [Quantity?]) -> [Int?] {
        let known = values.compactMap { $0 }.sorted(by: >)
        var first: [Quantity: Int] = [:]
        for (i, v) in known.enumerated() where first[v] == nil { first[v] = i + 1 }
        return values.map { $0.flatMap { first[$0] } }
    }
}
