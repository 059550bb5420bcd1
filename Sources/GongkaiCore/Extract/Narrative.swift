import Foundation

/// `narrative_mismatch`: counts the prose states (`全年共收到政府信息公开申请75件`)
/// compared with the table. Only plain statements are read; a sum with a blank
/// term is not compared.
enum Narrative {
    struct Claim: Sendable {
        /// What the prose counts, in words for the message.
        var what: String
        /// The claim's pattern is only tried on lines holding this word.
        var word: String {
            switch what {
            case "本年新收申请": return "申请"
            case "予以公开及部分公开": return "部分公开"
            default: return what
            }
        }
        var pattern: NSRegularExpression
        /// Cells whose sum the claim must equal.
        var cells: @Sendable (_ format: String) -> [String]
    }

    static func regex(_ p: String) -> NSRegularExpression { try! NSRegularExpression(pattern: p) }

    static func sumRows(_ rows: [String]) -> @Sendable (String) -> [String] { { _ in rows.map { "\($0).total" } } }

    static let claims: [Claim] = [
        Claim(what: "本年新收申请",
              pattern: regex("(?:收到|受理|接收)(?:了)?(?:各类)?(?:政府信息公开|信息公开|依申请公开|依申请信息公开)(?:申请)?(?:共|总计|合计)?(\\d+)件"),
              cells: sumRows(["apply.received"])),
        Claim(what: "本年新收申请",
              pattern: regex("(?:共|全年|本年度?|年内)[^。；，,]{0,8}?(?:收到|受理)(?:了)?(\\d+)件(?:政府信息公开|信息公开|依申请公开)?申请"),
              cells: sumRows(["apply.received"])),
        Claim(what: "予以公开及部分公开", pattern: regex("予以公开(?:及|和|与)部分公开(?:的)?(?:申请)?(\\d+)件"),
              cells: sumRows(["apply.granted", "apply.partly_granted"])),
        Claim(what: "不予公开", pattern: regex("(?<!予以公开、)不予公开(?:答复|的|申请)?(\\d+)件"),
              cells: sumRows(Catalog.applyRows.filter { $0.id.hasPrefix("apply.denied.") }.map(\.id))),
        Claim(what: "无法提供", pattern: regex("无法提供(?:答复|的|信息)?(\\d+)件"),
              cells: sumRows(Catalog.applyRows.filter { $0.id.hasPrefix("apply.unavailable.") }.map(\.id))),
        Claim(what: "不予处理", pattern: regex("不予处理(?:答复|的)?(\\d+)件"),
              cells: sumRows(Catalog.applyRows.filter { $0.id.hasPrefix("apply.not_processed.") }.map(\.id))),
        Claim(what: "其他处理", pattern: regex("其他处理(?:答复|的)?(\\d+)件"),
              cells: { format in format == "2019" ? ["apply.other.total"]
                  : ["apply.other.no_correction.total", "apply.other.unpaid_fee.total", "apply.other.other.total"] }),
        Claim(what: "行政复议", pattern: regex("(?:信息公开类|政府信息公开)?行政复议(?:案件|申请)?(\\d+)件"),
              cells: { _ in ["review.total"] }),
    ]

    /// A row's 总计: printed, or the sum of its six columns, or (with blank columns)
    /// the least it can be, since counts are never negative.
    static func rowTotal(_ values: MetricValues, _ totalID: String) -> (value: Quantity, exact: Bool)? {
        if let t = values[totalID] ?? nil { return (t, true) }
        guard values[totalID] != nil else { return nil }  // the row is not in this table
        let base = String(totalID.dropLast(".total".count))
        var sum = Quantity.zero
        var exact = true
        for c in Catalog.applicantColumns.dropLast() {
            if let v = values["\(base).\(c.id)"] ?? nil, v.mantissa >= 0 { sum = sum.adding(v) ?? sum } else { exact = false }
        }
        return (sum, exact)
    }

    /// Whether an ASCII digit stands right before a 件 somewhere in `text`. Every claim's
    /// pattern ends in `(\d+)件`, and a count that is not in ASCII digits is not read
    /// (`Int` refuses it), so a line without one holds no claim: the patterns are not tried
    /// (most lines with 件 in them say 文件).
    static func hasCount(_ text: String) -> Bool {
        var u = text.utf8.makeIterator()
        var digit = false, lead = 0  // lead: how much of 件 (E4 BB B6) has been seen after a digit
        while let b = u.next() {
            switch (lead, b) {
            case (0, 0xE4) where digit: lead = 1
            case (1, 0xBB): lead = 2
            case (2, 0xB6): return true
            default: lead = 0
            }
            digit = b >= 0x30 && b <= 0x39
        }
        return false
    }

    static func check(prose: [Line], values: MetricValues, applyFormat: String?, reviewPresent: Bool) -> [Finding] {
        var out: [Finding] = []
        var reported = Set<String>()
        for line in prose {
            let text = line.joined
            guard text.has("件"), hasCount(text) else { continue }
            let ns = text as NSString
            for claim in claims {
                if claim.what == "行政复议" && !reviewPresent { continue }
                if claim.what != "行政复议" && applyFormat == nil { continue }
                guard text.has(claim.word) else { continue }
                for m in claim.pattern.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
                    guard let stated = Metadata.int(ns, m.range(at: 1)) else { continue }
                    let cells = claim.cells(applyFormat ?? "2021")
                    var table = Quantity.zero
                    var exact = true
                    var known = true
                    for id in cells {
                        guard let t = id.hasPrefix("apply.") ? rowTotal(values, id) : (values[id] ?? nil).map({ ($0, true) }) else {
                            known = false
                            break
                        }
                        table = table.adding(t.value) ?? table
                        exact = exact && t.exact
                    }
                    // Exact: must be equal. With blank cells: wrong only if the known part already exceeds it.
                    guard known, exact ? table != Quantity(stated) : table > Quantity(stated) else { continue }
                    let quote = ns.substring(with: m.range)
                    guard reported.insert(quote).inserted else { continue }
                    out.append(Finding(
                        check: "narrative_mismatch", severity: .warning,
                        message: exact ? "正文称“\(quote)”，表格中“\(claim.what)”为\(table)件"
                            : "正文称“\(quote)”，表格中“\(claim.what)”已填的数字合计即有\(table)件",
                        cells: cells, expected: table.json, actual: .int(stated), line: line.number))
                }
            }
        }
        return out
    }
}
