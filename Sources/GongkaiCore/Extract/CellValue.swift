#if canImport(Glibc)
import Glibc
#endif
/// What one table cell holds.
public enum CellValue: Equatable, Sendable {
    /// Nothing, or a placeholder (`/`, `-`, `—`, `无`): blank is not zero.
    case blank(raw: String)
    case number(Quantity, raw: String)
    /// Text where a number belongs: kept as blank, and said.
    case text(String)

    public var quantity: Quantity? {
        if case .number(let q, _) = self { return q }
        return nil
    }

    public var raw: String {
        switch self {
        case .blank(let r), .number(_, let r), .text(let r): return r
        }
    }

    public var isBlank: Bool {
        if case .blank = self { return true }
        return false
    }

    /// Placeholders agencies print instead of a number.
    static let blankMarks: Set<String> = ["", "/", "-", "—", "——", "–", "－", "―", "无", "空", "\\", "--", "——/"]

    /// Reads one cell. `unit` is the column's unit: amounts printed in 元 are
    /// converted exactly to 万元 when the column is in 万元.
    public static func parse(_ raw: String, unit: String = "件") -> CellValue {
        // Fast path: the common cell is a few ASCII digits.
        if !raw.isEmpty, raw.utf8.count <= 18, raw.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            if let q = Quantity(raw) { return .number(q, raw: raw) }
        }
        var t = raw.withoutSpaces
        if blankMarks.contains(t) { return .blank(raw: raw) }
        var negative = false
        // Signed changes written in words: 减 20, 增 3, 减少2, 增加5.
        for (word, sign) in [("减少", true), ("增加", false), ("减", true), ("增", false)] where t.hasPrefix(word) {
            t = String(t.dropFirst(word.count))
            negative = sign
            break
        }
        var divideBy = 0
        for (suffix, power) in [("万元", 0), ("亿元", -4), ("元", 4), ("件", 0), ("个", 0), ("项", 0), ("条", 0), ("次", 0), ("宗", 0)]
        where t.hasSuffix(suffix) {
            t = String(t.dropLast(suffix.count))
            if unit == "万元" { divideBy = power }
            break
        }
        // 1,234 and 1，234 as thousands separators (only in that exact shape).
        if t.has(",") {
            let parts = t.split(separator: ",", omittingEmptySubsequences: false)
            let head = parts[0].drop(while: { $0 == "-" || $0 == "+" })
            let shaped = !head.isEmpty && head.count <= 3 && head.allSatisfy(\.isASCIIDigit)
                && parts.dropFirst().dropLast().allSatisfy { $0.count == 3 && $0.allSatisfy(\.isASCIIDigit) }
                && parts.count > 1 && (parts.last!.split(separator: ".").first?.count == 3)
            guard shaped else { return .text(raw) }
            t = t.replacingOccurrences(of: ",", with: "")
        }
        guard var q = Quantity(t) else { return .text(raw) }
        if negative {
            guard q.mantissa >= 0, let n = q.negated else { return .text(raw) }
            q = n
        }
        if divideBy > 0 {
            guard let d = q.dividedByPowerOfTen(divideBy) else { return .text(raw) }
            q = d
        } else if divideBy < 0 {
            for _ in 0..<(-divideBy) {
                guard let next = q.timesTen() else { return .text(raw) }
                q = next
            }
        }
        return .number(q, raw: raw)
    }

    /// Whether a cell holds a value (a number or a blank mark), not a label.
    public static func isValueLike(_ raw: String) -> Bool {
        if !raw.isEmpty, raw.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { return true }
        switch parse(raw) {
        case .number, .blank: return true
        case .text: return false
        }
    }

    /// Splits a label cell that has its numbers run on (`行政许可 97`,
    /// `8.属于行政查询事项1 0 0`) into the label and the value tokens.
    public static func splitLabel(_ cell: String) -> (label: String, values: [String]) {
        isPlainLabel(cell) ? (cell, []) : splitTokens(cell)
    }

    /// `splitLabel` worked out token by token, whatever the cell.
    static func splitTokens(_ cell: String) -> (label: String, values: [String]) {
        var tokens = cell.splitOnSpaces()
        var values: [String] = []
        while let last = tokens.last, tokens.count > 1, isValueLike(last) {
            values.insert(last, at: 0)
            tokens.removeLast()
        }
        guard var label = tokens.last else { return (cell, []) }
        // Digits glued to the end of the label.
        let scalars = Array(label.unicodeScalars)
        var cut = scalars.count
        while cut > 0 {
            let v = scalars[cut - 1].value
            // Digits, decimal points, and signs inside the run (`35-15`).
            if TextClass.isDigit(v) || v == 0x2E || v == 0x2C || ((v == 0x2D || v == 0x2B) && cut > 1 && TextClass.isDigit(scalars[cut - 2].value) && cut < scalars.count) {
                cut -= 1
            } else {
                break
            }
        }
        // Units after the number (`13575394432.52元`) belong to the value.
        var unitEnd = scalars.count
        if cut == scalars.count {
            for unitWord in ["万元", "元"] where label.endsWith(simple: unitWord) {
                let u = Array(unitWord.unicodeScalars).count
                var c = scalars.count - u
                while c > 0, TextClass.isDigit(scalars[c - 1].value) || scalars[c - 1].value == 0x2E { c -= 1 }
                if c < scalars.count - u { cut = c; unitEnd = scalars.count }
                break
            }
        }
        if cut < unitEnd, cut > 0, TextClass.isCJK(scalars[cut - 1].value) || scalars[cut - 1].value == 0x29 {
            var head = String.UnicodeScalarView()
            head.append(contentsOf: scalars[0..<cut])
            var tail = String.UnicodeScalarView()
            tail.append(contentsOf: scalars[cut..<unitEnd])
            values.insert(String(tail), at: 0)
            label = String(head)
        }
        tokens[tokens.count - 1] = label
        return (tokens.joined(separator: " "), values)
    }

    /// Whether `splitLabel` leaves `cell` as it is, told from its bytes: no space to split
    /// on, and no digit, point, comma or 元 at its end (the only scalar equal to 元 is 元,
    /// so a text whose bytes do not end with it does not end with it).
    static func isPlainLabel(_ cell: String) -> Bool {
        cell.utf8.withContiguousStorageIfAvailable { u -> Bool in
            guard let last = u.last else { return true }
            if (last >= 0x30 && last <= 0x39) || last == 0x2E || last == 0x2C { return false }
            if u.count >= 3, u[u.count - 3] == 0xE5, u[u.count - 2] == 0x85, last == 0x83 { return false }
            return memchr(u.baseAddress!, 0x20, u.count) == nil
        } ?? false
    }
}

extension Quantity {
    func timesTen() -> Quantity? {
        if scale > 0 { return Quantity(mantissa: mantissa, scale: scale - 1) }
        let (r, o) = mantissa.multipliedReportingOverflow(by: 10)
        return o ? nil : Quantity(mantissa: r, scale: 0)
    }
}
