/// A report's values by metric id, stored compactly: one slot per catalog metric
/// (absent, blank, or an exact number) instead of a hash table of strings. Aggregate
/// holds every report's values at once, so this is what keeps its memory in bounds
/// (about 2 KB a report). Reads and writes like a `[String: Quantity?]`:
/// `values[id]` is nil when the table has no such cell, `.some(nil)` for a blank cell.
public struct MetricValues: Equatable, Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: Quantity?)

    static let absent: UInt8 = 0, blank: UInt8 = 1, number: UInt8 = 2

    var state: [UInt8] = []
    var mantissa: [Int64] = []
    var scale: [UInt8] = []
    /// Ids outside the catalog (none are written today; kept so nothing is lost).
    var extra: [String: Quantity?] = [:]
    public internal(set) var count = 0

    public init() {}

    public init(dictionaryLiteral elements: (String, Quantity?)...) {
        for (k, v) in elements { self[k] = .some(v) }
    }

    public init(_ dictionary: [String: Quantity?]) {
        for (k, v) in dictionary { self[k] = .some(v) }
    }

    public var isEmpty: Bool { count == 0 }

    /// How many cells hold a number (not blank).
    public var filled: Int { state.reduce(0) { $0 + ($1 == MetricValues.number ? 1 : 0) } + extra.values.filter { $0 != nil }.count }

    mutating func allocate() {
        if state.isEmpty {
            let n = Catalog.metrics.count
            state = [UInt8](repeating: MetricValues.absent, count: n)
            mantissa = [Int64](repeating: 0, count: n)
            scale = [UInt8](repeating: 0, count: n)
        }
    }

    /// The cell of the metric at `i` in `Catalog.metrics`.
    public subscript(index i: Int) -> Quantity?? {
        guard i < state.count else { return nil }
        switch state[i] {
        case MetricValues.blank: return .some(nil)
        case MetricValues.number: return .some(Quantity(mantissa: mantissa[i], scale: Int(scale[i])))
        default: return nil
        }
    }

    public subscript(id: String) -> Quantity?? {
        get {
            guard let i = Catalog.metricIndex[id] else { return extra[id] }
            return self[index: i]
        }
        set {
            guard let i = Catalog.metricIndex[id] else {
                let had = extra[id] != nil
                extra[id] = newValue
                count += (extra[id] != nil ? 1 : 0) - (had ? 1 : 0)
                return
            }
            set(index: i, newValue)
        }
    }

    /// Sets the cell of the metric at `i` in `Catalog.metrics` (nil: absent, `.some(nil)`: blank).
    public mutating func set(index i: Int, _ newValue: Quantity??) {
        allocate()
        let had = state[i] != MetricValues.absent
        switch newValue {
        case .none:
            state[i] = MetricValues.absent
        case .some(.none):
            state[i] = MetricValues.blank
        case .some(.some(let q)):
            state[i] = MetricValues.number
            mantissa[i] = q.mantissa
            scale[i] = UInt8(q.scale)
        }
        count += (state[i] != MetricValues.absent ? 1 : 0) - (had ? 1 : 0)
    }

    /// The ids present, in catalog order, then any others sorted.
    public var keys: [String] { map(\.key) }

    public func makeIterator() -> AnyIterator<Element> {
        var i = 0
        let metrics = Catalog.metrics
        var rest = extra.sorted { JSON.utf8Less($0.key, $1.key) }.makeIterator()
        let values = self
        return AnyIterator {
            while i < values.state.count {
                defer { i += 1 }
                switch values.state[i] {
                case MetricValues.blank: return (metrics[i].id, nil)
                case MetricValues.number: return (metrics[i].id, Quantity(mantissa: values.mantissa[i], scale: Int(values.scale[i])))
                default: continue
                }
            }
            return rest.next().map { ($0.key, $0.value) }
        }
    }

    /// Adds `other`'s cells; where both have one, `combine` decides.
    public mutating func merge(_ other: MetricValues, uniquingKeysWith combine: (Quantity?, Quantity?) -> Quantity?) {
        // Slot by slot, no id hashing.
        for i in other.state.indices where other.state[i] != MetricValues.absent {
            let theirs = other[index: i]!
            if state.isEmpty { allocate() }
            let had = state[i] != MetricValues.absent
            let value = had ? combine(self[index: i]!, theirs) : theirs
            if let q = value {
                state[i] = MetricValues.number
                mantissa[i] = q.mantissa
                scale[i] = UInt8(q.scale)
            } else {
                state[i] = MetricValues.blank
            }
            if !had { count += 1 }
        }
        for (k, v) in other.extra {
            if let mine = self[k] { self[k] = .some(combine(mine, v)) } else { self[k] = .some(v) }
        }
    }

    public static func == (a: MetricValues, b: MetricValues) -> Bool {
        a.count == b.count && a.extra == b.extra && a.elementsEqual(b) { $0.key == $1.key && $0.value == $1.value }
    }
}
