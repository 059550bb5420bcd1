/// A report's values by metric id, stored compactly: one slot per catalog metric
/// (absent, blank, or an exact number) instead of a hash table of strings. Aggregate
/// holds every report's values at once, so this is what keeps its memory in bounds
/// (about 1.2 KB a report: a byte and a 32-bit mantissa per slot). Reads and writes like a `[String: Quantity?]`:
/// `values[id]` is nil when the table has no such cell, `.some(nil)` for a blank cell.
public struct MetricValues: Equatable, Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: Quantity?)

    static let absent: UInt8 = 0, blank: UInt8 = 1
    /// A number's state is `number + scale` (scale 0…12) when its mantissa fits 32 bits
    /// (nearly all do), else `wide` (the number is in `wideCells`).
    static let number: UInt8 = 2, wide: UInt8 = 0x80

    /// Per slot: absent, blank, or a number and its scale.
    var state: [UInt8] = []
    /// Per slot: the number's mantissa when it fits 32 bits (nearly all do).
    var mantissa: [Int32] = []
    /// The numbers whose mantissa does not fit 32 bits, by slot.
    var wideCells: [Int: Quantity] = [:]
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
    public var filled: Int { state.reduce(0) { $0 + ($1 >= MetricValues.number ? 1 : 0) } + extra.values.filter { $0 != nil }.count }

    mutating func allocate() {
        if state.isEmpty {
            let n = Catalog.metrics.count
            state = [UInt8](repeating: MetricValues.absent, count: n)
            mantissa = [Int32](repeating: 0, count: n)
        }
    }

    /// Whether the table has the cell of the metric at `i` (`self[index: i] != nil`, the
    /// cell not made).
    public func has(index i: Int) -> Bool { i < state.count && state[i] != MetricValues.absent }

    /// The cell of the metric at `i` in `Catalog.metrics`.
    public subscript(index i: Int) -> Quantity?? {
        guard i < state.count else { return nil }
        let s = state[i]
        if s >= MetricValues.number {
            if s == MetricValues.wide { return .some(wideCells[i]) }
            return .some(Quantity(mantissa: Int64(mantissa[i]), scale: Int(s - MetricValues.number)))
        }
        return s == MetricValues.blank ? .some(nil) : nil
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
        if state[i] == MetricValues.wide { wideCells[i] = nil }
        switch newValue {
        case .none:
            state[i] = MetricValues.absent
        case .some(.none):
            state[i] = MetricValues.blank
        case .some(.some(let q)):
            if let small = Int32(exactly: q.mantissa), q.scale >= 0, q.scale <= Quantity.maxScale {
                state[i] = MetricValues.number + UInt8(q.scale)
                mantissa[i] = small
            } else {
                state[i] = MetricValues.wide
                mantissa[i] = 0
                wideCells[i] = q
            }
        }
        count += (state[i] != MetricValues.absent ? 1 : 0) - (had ? 1 : 0)
    }

    /// Appends every catalog slot's cell to `bytes`, unambiguously (for a content key):
    /// equal bytes, equal cells in every slot. (Ids outside the catalog are left out.)
    /// (The slot count as 8 bytes, the states, then each number's mantissa — 4 bytes, or a
    /// wide one's mantissa and scale, 8 and 8 — little-endian: all stored in one go, the
    /// room made first. A year's key holds every report's slots.)
    func appendSlots(to bytes: inout [UInt8]) {
        var size = 8 + state.count
        for s in state where s >= MetricValues.number { size += s == MetricValues.wide ? 16 : 4 }
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: size))
        bytes.withUnsafeMutableBytes { out in
            var p = start
            out.storeBytes(of: Int64(state.count).littleEndian, toByteOffset: p, as: Int64.self)
            p += 8
            state.withUnsafeBytes { s in
                if let base = s.baseAddress, s.count > 0 { (out.baseAddress! + p).copyMemory(from: base, byteCount: s.count) }
            }
            p += state.count
            for (i, s) in state.enumerated() where s >= MetricValues.number {
                if s == MetricValues.wide {
                    let q = wideCells[i] ?? Quantity.zero
                    out.storeBytes(of: q.mantissa.littleEndian, toByteOffset: p, as: Int64.self)
                    out.storeBytes(of: Int64(q.scale).littleEndian, toByteOffset: p + 8, as: Int64.self)
                    p += 16
                } else {
                    out.storeBytes(of: mantissa[i].littleEndian, toByteOffset: p, as: Int32.self)
                    p += 4
                }
            }
        }
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
                if let cell = values[index: i] { return (metrics[i].id, cell) }
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
            set(index: i, .some(had ? combine(self[index: i]!, theirs) : theirs))
        }
        for (k, v) in other.extra {
            if let mine = self[k] { self[k] = .some(combine(mine, v)) } else { self[k] = .some(v) }
        }
    }

    public static func == (a: MetricValues, b: MetricValues) -> Bool {
        a.count == b.count && a.extra == b.extra && a.elementsEqual(b) { $0.key == $1.key && $0.value == $1.value }
    }
}
