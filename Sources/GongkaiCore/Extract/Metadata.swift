import Foundation

/// The report's metadata: agency, year, statistical period, publication date,
/// and where its six sections start.
enum Metadata {
    // MARK: Sections

    static let numerals = ["一", "二", "三", "四", "五", "六"]

    /// The section a heading's words name (numbering stripped), given the numeral it
    /// carries, and how much of `body` the heading takes. The numbering in real reports
    /// may be wrong or restart, so the words decide; weak words need the right numeral.
    static func section(of body: String, numeral: String?) -> (section: String, length: Int)? {
        section(of: Array(body.unicodeScalars), numeral: numeral)
    }

    static let closingWords: [[Unicode.Scalar]] = ["情况", "事项", "措施"].map { Array($0.unicodeScalars) }

    static func section(of b: [Unicode.Scalar], numeral: String?) -> (section: String, length: Int)? {
        /// Whether `word` stands in `b` at `i` (compared in place: headings are checked by
        /// the thousand, and a generic search or a copy for each look was most of the cost).
        func at(_ i: Int, _ word: [Unicode.Scalar]) -> Bool {
            guard i >= 0, i + word.count <= b.count else { return false }
            for k in word.indices where b[i + k] != word[k] { return false }
            return true
        }
        /// The shortest prefix holding every keyword, or nil.
        func prefix(_ keywords: [[Unicode.Scalar]]) -> Int? {
            var end = 0
            for k in keywords {
                guard let first = k.first else { continue }
                var i = 0
                while i + k.count <= b.count, !(b[i] == first && at(i, k)) { i += 1 }
                guard i + k.count <= b.count else { return nil }
                end = max(end, i + k.count)
            }
            return end
        }
        func extend(_ end: Int) -> Int {
            for d in closingWords where at(end - d.count, d) { return end }
            // Through the heading's closing word (`…改进` + `情况`), never past a sentence or number.
            var i = end
            while i < b.count, i - end <= 16, b[i] != "。", b[i] != "，", !(b[i].value >= 0x30 && b[i].value <= 0x39), b[i] != "(" {
                for d in closingWords where at(i, d) { return i + d.count }
                i += 1
            }
            return end
        }
        for (section, strong, weak) in sectionRules {
            let sets = strong + (numeral == section ? weak : [])
            for set in sets {
                if let end = prefix(set), end <= 40 { return (section, extend(end)) }
            }
        }
        return nil
    }

    static let sectionRules: [(String, [[[Unicode.Scalar]]], [[[Unicode.Scalar]]])] = {
        let rules: [(String, [[String]], [[String]])] = [
            // (section, keyword sets that suffice, keyword sets that need the right numeral)
            ("一", [["总体情况"], ["概述"]], []),
            ("二", [["主动公开政府信息"]], [["主动公开"]]),
            ("三", [["收到和处理"], ["依申请公开"]], [["申请"]]),
            ("四", [["复议", "诉讼"]], []),
            ("五", [["问题", "改进"], ["问题", "整改"], ["问题", "措施"]], []),
            ("六", [["其他需要"]], [["其他"]]),
        ]
        func scalars(_ sets: [[String]]) -> [[[Unicode.Scalar]]] { sets.map { $0.map { Array($0.unicodeScalars) } } }
        return rules.map { ($0.0, scalars($0.1), scalars($0.2)) }
    }()

    /// Top-level numbering `一、` (or `第一部分`) at the start of `text`: the numeral and the rest.
    static func topNumbering(_ text: String) -> (numeral: String, body: String)? {
        guard let f = text.first else { return nil }
        if Labels.chineseNumerals.contains(f), text.dropFirst().first == "、" {
            return (String(f), String(text.dropFirst(2)))
        }
        if text.hasPrefix("第"), text.dropFirst(2).hasPrefix("部分"), let n = text.dropFirst().first {
            return (String(n), String(text.dropFirst(4)).drop { $0 == ":" || $0 == "、" }.description)
        }
        return nil
    }

    /// The scalars of `Labels.chineseNumerals` (each a character of one scalar).
    static let numeralScalars: Set<UInt32> = Set(Labels.chineseNumerals.compactMap { $0.unicodeScalars.first?.value })

    /// Where each section's heading is (index into `lines`): a short line of one cell,
    /// numbered `一、`; subsections (`(一)…`) are never section headings.
    static func sectionStarts(_ lines: [Line]) -> [String: Int] {
        var best: [String: (quality: Int, index: Int)] = [:]
        for (i, line) in lines.enumerated() {
            // The line's one non-empty cell (found without making a list of them).
            var only: String?
            var filled = 0
            for cell in line.cells where !cell.isEmpty {
                filled += 1
                if filled > 1 { break }
                only = cell
            }
            guard filled == 1, let cell = only else { continue }
            // Cheap first: a heading is short and starts with its numbering or ends with its closing word.
            guard cell.utf8.count <= 200 else { continue }
            let text = cell.withoutSpaces
            // In simple text characters are scalars and suffixes are bytes (`isSimpleText`).
            let simple = text.isSimpleText
            let scalars = text.unicodeScalars
            guard (simple ? text.scalarCount : text.count) <= 60 else { continue }
            func ends(_ s: String) -> Bool {
                simple ? text.utf8.count >= s.utf8.count && text.utf8.suffix(s.utf8.count).elementsEqual(s.utf8) : text.hasSuffix(s)
            }
            if let f = scalars.first, !(Metadata.numeralScalars.contains(f.value) || f == "第"
                                         || ends("情况") || ends("事项") || ends("措施") || ends("概述")) {
                continue
            }
            var numeral: String?
            var body = text
            if let n = topNumbering(text) {
                numeral = n.numeral
                body = n.body
            } else if text.hasPrefix("(") || text.hasPrefix("（") || text.first?.isASCIIDigit == true {
                continue  // a subsection or a list item
            }
            guard let found = section(of: body, numeral: numeral) else { continue }
            // Unnumbered: only a short line that is the heading and nothing more.
            if numeral == nil {
                guard found.length >= body.count - 1, body.count <= 30,
                      ["情况", "事项", "措施", "概述"].contains(where: { body.hasSuffix($0) }) else { continue }
            }
            let quality = numeral == found.section ? 3 : (numeral == nil ? 1 : 2)
            if let b = best[found.section], b.quality >= quality { continue }
            best[found.section] = (quality, i)
        }
        return best.mapValues(\.index)
    }

    // MARK: Title

    static let titleRegex = try! NSRegularExpression(
        pattern: "^(.*?)((?:19|20)\\d{2})年度?(.*?)政府信息公开(?:工作)?(?:年度)?(?:报告|年报)")

    /// Agency and year from the title line `<agency><year>年(度)政府信息公开工作年度报告`
    /// (or `<year>年<agency>政府信息公开…`).
    static func title(_ lines: [Line]) -> (agency: String?, year: Int?, line: Int?) {
        for (i, line) in lines.prefix(60).enumerated() {
            var text = line.joined.withoutSpaces
            // The byte searches before the count of characters, which walks the whole line.
            guard text.has("政府信息公开") || text.has("年度报告"), text.count <= 80 else { continue }
            // A title broken over two lines: `…政府信息公开工作` / `年度报告`.
            if !text.has("报告"), i + 1 < lines.count {
                let next = lines[i + 1].joined.withoutSpaces
                if next.count <= 12 && next.has("报告") { text += next }
            }
            for prefix in ["标题:", "名称:", "标题", "名称"] where text.hasPrefix(prefix) {
                text = String(text.dropFirst(prefix.count))
                break
            }
            let ns = text as NSString
            guard let m = titleRegex.firstMatch(in: text, range: NSRange(location: 0, length: ns.length)) else { continue }
            let before = cleanAgency(ns.substring(with: m.range(at: 1)))
            let year = int(ns, m.range(at: 2))
            let after = cleanAgency(ns.substring(with: m.range(at: 3)))
            // The title has words before the year, or the agency between year and 政府信息公开.
            let agency = !before.isEmpty ? before : (after.isEmpty ? nil : after)
            if before.count > 40 { continue }  // a sentence, not a title
            return (agency, year, line.number)
        }
        return (nil, nil, nil)
    }

    static func cleanAgency(_ s: String) -> String {
        let symbols: Set<Character> = ["#", "*", "\"", "“", "”", "《", "》", ":", "-", "—", " ", "(", ")"]
        var t = Substring(s)
        while let f = t.first, symbols.contains(f) { t = t.dropFirst() }
        if t.hasPrefix("关于") { t = t.dropFirst(2) }
        while let l = t.last, symbols.contains(l) || l == "的" { t = t.dropLast() }
        return String(t)
    }

    /// The issuing office alone on the first line (`海东市工业和信息化局` or `…局文件`).
    static func issuer(_ lines: [Line]) -> String? {
        guard let first = lines.first else { return nil }
        var text = first.joined.withoutSpaces
        if text.hasSuffix("文件") { text = String(text.dropLast(2)) }
        guard text.count >= 3, text.count <= 30, !text.has("报告"), !text.has(":"),
              text.unicodeScalars.allSatisfy({ TextClass.isHan($0.value) || $0 == "(" || $0 == ")" }) else { return nil }
        return text
    }

    // MARK: Dates

    static func isoDate(_ y: Int, _ m: Int, _ d: Int) -> String? {
        guard (1...12).contains(m), (1...31).contains(d), (1990...2100).contains(y) else { return nil }
        let days = [31, (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard d <= days[m - 1] else { return nil }
        return day(y, m, d)
    }

    /// `YYYY-MM-DD`, each number zero-padded as `%04d-%02d-%02d` pads it (String(format:)
    /// cost a fortieth of extract's time).
    static func day(_ y: Int, _ m: Int, _ d: Int) -> String {
        func padded(_ n: Int, _ width: Int) -> String {
            let digits = String(n.magnitude)
            let sign = n < 0 ? "-" : ""
            let zeros = max(0, width - sign.utf8.count - digits.utf8.count)
            return sign + String(repeating: "0", count: zeros) + digits
        }
        return padded(y, 4) + "-" + padded(m, 2) + "-" + padded(d, 2)
    }

    /// `Int(ns.substring(with: range))` without making the substring (a few thousand
    /// instructions each): the ASCII digits of the range, nil for anything else or none.
    /// `utf16` is the text's UTF-16, when the caller has it (NSString's `character(at:)`
    /// cost most of a thousand instructions a call here).
    static func int(_ ns: NSString, _ range: NSRange, utf16: [UInt16]? = nil) -> Int? {
        guard range.location != NSNotFound, range.length > 0, range.length <= 18 else {
            return range.location == NSNotFound || range.length == 0 ? nil : Int(ns.substring(with: range))
        }
        var value = 0
        for k in range.location..<(range.location + range.length) {
            let c = utf16.map { $0[k] } ?? ns.character(at: k)
            guard c >= 0x30 && c <= 0x39 else { return Int(ns.substring(with: range)) }
            value = value * 10 + Int(c - 0x30)
        }
        return value
    }

    static let periodRegex = try! NSRegularExpression(
        pattern: "统计[^。]{0,16}?((?:19|20)\\d{2})年(\\d{1,2})月(\\d{1,2})日(?:起)?(?:至|到|—|-|~|－)(?:((?:19|20)\\d{2})年)?(\\d{1,2})月(\\d{1,2})日")

    /// The stated statistical period: `统计期限自2021年1月1日起至2021年12月31日止`.
    static func period(_ lines: [Line]) -> (start: String, end: String, line: Int)? {
        // A line that says 统计, joined with the next two: converters break the sentence.
        let head = Array(lines.prefix(200))
        for (i, line) in head.enumerated() where line.cells.contains(where: { $0.has("统计") }) {
            let text = head[i..<min(head.count, i + 3)].map { $0.joined.withoutSpaces }.joined()
            if let found = period(in: text, line: line.number) { return found }
        }
        return nil
    }

    static func period(in text: String, line: Int) -> (start: String, end: String, line: Int)? {
        let ns = text as NSString
        guard let m = periodRegex.firstMatch(in: text, range: NSRange(location: 0, length: ns.length)) else { return nil }
        let units = Array(text.utf16)
        func int(_ i: Int) -> Int? { Metadata.int(ns, m.range(at: i), utf16: units) }
        guard let y1 = int(1), let m1 = int(2), let d1 = int(3), let m2 = int(5), let d2 = int(6) else { return nil }
        let y2 = int(4) ?? y1
        guard let start = isoDate(y1, m1, d1), let end = isoDate(y2, m2, d2) else { return nil }
        return (start, end, line)
    }

    static let dateLineRegex = try! NSRegularExpression(pattern: "^[(]?((?:19|20)\\d{2})年(\\d{1,2})月(\\d{1,2})日[)]?$")

    /// The dated signature at the end: a line that is only a date, not a 印发 line.
    static func published(_ lines: [Line], after start: Int) -> (date: String, line: Int)? {
        let tail = lines[max(start, lines.count - 12)...]
        for line in tail.reversed() {
            let joined = line.joined.withoutSpaces
            // Only a line ending in 日 or 日) (the pattern's `$` also passes one line separator
            // after it) that says 年 and 月 can be a date: prose is not converted and matched.
            var end = Substring(joined)
            if let last = end.unicodeScalars.last, [0x85, 0x2028, 0x2029].contains(last.value) { end = end.dropLast() }
            guard end.hasSuffix("日") || end.hasSuffix("日)"), joined.has("年"), joined.has("月") else { continue }
            let text = chineseDigits(joined)
            let ns = text as NSString
            guard let m = dateLineRegex.firstMatch(in: text, range: NSRange(location: 0, length: ns.length)) else { continue }
            if let y = int(ns, m.range(at: 1)), let mo = int(ns, m.range(at: 2)),
               let d = int(ns, m.range(at: 3)), let iso = isoDate(y, mo, d) {
                return (iso, line.number)
            }
        }
        return nil
    }

    /// `二〇二二年一月四日` → `2022年1月4日`.
    static let chineseDigitValues: [Character: Int] = [
        "〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
    ]

    static func chineseDigits(_ s: String) -> String {
        let digits = chineseDigitValues
        guard s.hasSuffix("日"), s.has("年"), s.has("月"), s.contains(where: { digits[$0] != nil }) else { return s }
        var out = ""
        var run: [Character] = []
        func flush() {
            guard !run.isEmpty else { return }
            if run.count >= 3 && !run.contains("十") {
                out += run.map { String(digits[$0] ?? 0) }.joined()
            } else {
                // Months and days: 十二 = 12, 二十 = 20, 三十一 = 31, 十 = 10.
                var value = 0
                if let ten = run.firstIndex(of: "十") {
                    let tens = ten == 0 ? 1 : (digits[run[0]] ?? 0)
                    let ones = ten + 1 < run.count ? (digits[run[ten + 1]] ?? 0) : 0
                    value = tens * 10 + ones
                } else {
                    value = run.reduce(0) { $0 * 10 + (digits[$1] ?? 0) }
                }
                out += String(value)
            }
            run.removeAll()
        }
        for c in s {
            if digits[c] != nil || c == "十" { run.append(c) } else { flush(); out.append(c) }
        }
        flush()
        return out
    }
}
