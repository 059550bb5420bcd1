/// An exact decimal number as printed in a report: `mantissa / 10^scale`.
///
/// Reports print counts and amounts such as `2.58` 万元; a binary `Double`
/// would turn sums and unit conversions into approximations. Values are kept
/// normalized (no trailing fractional zeros), so `==` compares numbers.
/// Anything that would overflow is refused (`nil`), never trapped.
public struct Quantity: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let mantissa: Int64
    public let scale: Int

    public static let maxScale = 12
    public static let zero = Quantity(mantissa: 0, scale: 0)

    public init(_ integer: Int) {
        self.init(mantissa: Int64(integer), scale: 0)
    }

    public init(mantissa: Int64, scale: Int) {
        var m = mantissa, s = scale
        while s > 0, m % 10 == 0 { m /= 10; s -= 1 }
        self.mantissa = m
        self.scale = s
    }

    /// Parses `123`, `-20`, `+173`, `2.58`, `.5`. Nil for anything else or out of range.
    public init?(_ text: some StringProtocol) {
        var negative = false
        var mantissa: Int64 = 0
        var scale = 0
        var sawDigit = false
        var sawPoint = false
        var first = true
        for b in text.utf8 {
            defer { first = false }
            switch b {
            case UInt8(ascii: "-") where first: negative = true
            case UInt8(ascii: "+") where first: break
            case UInt8(ascii: "."):
                if sawPoint { return nil }
                sawPoint = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                sawDigit = true
                let (m1, o1) = mantissa.multipliedReportingOverflow(by: 10)
                let (m2, o2) = m1.addingReportingOverflow(Int64(b - UInt8(ascii: "0")))
                if o1 || o2 { return nil }
                mantissa = m2
                if sawPoint {
                    scale += 1
                    if scale > Quantity.maxScale { return nil }
                }
            default: return nil
            }
        }
        guard sawDigit else { return nil }
        self.init(mantissa: negative ? -mantissa : mantissa, scale: scale)
    }

    public var isInteger: Bool { scale == 0 }

    /// The integer value, when the number is whole.
    public var intValue: Int? { scale == 0 ? Int(mantissa) : nil }

    public var doubleValue: Double {
        var d = Double(mantissa)
        for _ in 0..<scale { d /= 10 }
        return d
    }

    public var description: String {
        if scale == 0 { return String(mantissa) }
        let negative = mantissa < 0
        let digits = String(mantissa.magnitude)
        let padded = String(repeating: "0", count: max(0, scale + 1 - digits.count)) + digits
        let cut = padded.index(padded.endIndex, offsetBy: -scale)
        return (negative ? "-" : "") + padded[..<cut] + "." + padded[cut...]
    }

    public var json: JSON { .number(description) }

    /// Both numbers with a common scale, or nil on overflow.
    static func aligned(_ a: Quantity, _ b: Quantity) -> (Int64, Int64, Int)? {
        let s = max(a.scale, b.scale)
        guard let am = a.mantissa.timesPowerOfTen(s - a.scale), let bm = b.mantissa.timesPowerOfTen(s - b.scale) else {
            return nil
        }
        return (am, bm, s)
    }

    /// Exact sum, nil on overflow.
    public func adding(_ other: Quantity) -> Quantity? {
        guard let (a, b, s) = Quantity.aligned(self, other) else { return nil }
        let (r, o) = a.addingReportingOverflow(b)
        return o ? nil : Quantity(mantissa: r, scale: s)
    }

    public func subtracting(_ other: Quantity) -> Quantity? {
        guard let (a, b, s) = Quantity.aligned(self, other) else { return nil }
        let (r, o) = a.subtractingReportingOverflow(b)
        return o ? nil : Quantity(mantissa: r, scale: s)
    }

    public var negated: Quantity? {
        mantissa == .min ? nil : Quantity(mantissa: -mantissa, scale: scale)
    }

    /// This number divided by 10^power (e.g. 元 → 万元 is power 4); nil when too fine.
    public func dividedByPowerOfTen(_ power: Int) -> Quantity? {
        let q = Quantity(mantissa: mantissa, scale: scale + power)
        return q.scale > Quantity.maxScale ? nil : q
    }

    /// Sum of all terms, nil if any overflow.
    public static func sum(_ terms: [Quantity]) -> Quantity? {
        var total = Quantity.zero
        for t in terms {
            guard let next = total.adding(t) else { return nil }
            total = next
        }
        return total
    }

    public static func < (a: Quantity, b: Quantity) -> Bool {
        if let (x, y, _) = aligned(a, b) { return x < y }
        return a.doubleValue < b.doubleValue
    }
}

extension Int64 {
    func timesPowerOfTen(_ n: Int) -> Int64? {
        var v = self
        for _ in 0..<n {
            let (r, o) = v.multipliedReportingOverflow(by: 10)
            if o { return nil }
            v = r
        }
        return v
    }
}
