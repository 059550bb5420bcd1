/// Something per metric id (a value's provenance), in one slot per catalog metric:
/// reads and writes like a `[String: Value]` without hashing an id string each time.
public struct MetricMap<Value: Equatable & Sendable>: Equatable, Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: Value)

    var slots: [Value?] = []
    /// Ids outside the catalog (none are written today; kept so nothing is lost).
    var extra: [String: Value] = [:]
    public private(set) var count = 0

    public init() {}

    public init(dictionaryLiteral elements: (String, Value)...) {
        for (k, v) in elements { self[k] = v }
    }

    public var isEmpty: Bool { count == 0 }

    public subscript(id: String) -> Value? {
        get {
            guard let i = Catalog.metricIndex[id] else { return extra[id] }
            return self[index: i]
        }
        set {
            guard let i = Catalog.metricIndex[id] else {
                count += (newValue != nil ? 1 : 0) - (extra[id] != nil ? 1 : 0)
                extra[id] = newValue
                return
            }
            self[index: i] = newValue
        }
    }

    /// The slot of the metric at `i` in `Catalog.metrics`.
    public subscript(index i: Int) -> Value? {
        get { i < slots.count ? slots[i] : nil }
        set {
            if slots.isEmpty {
                if newValue == nil { return }
                slots = [Value?](repeating: nil, count: Catalog.metrics.count)
            }
            count += (newValue != nil ? 1 : 0) - (slots[i] != nil ? 1 : 0)
            slots[i] = newValue
        }
    }

    public func makeIterator() -> AnyIterator<Element> {
        var i = 0
        let metrics = Catalog.metrics
        let slots = self.slots
        var rest = extra.sorted { JSON.utf8Less($0.key, $1.key) }.makeIterator()
        return AnyIterator {
            while i < slots.count {
                defer { i += 1 }
                if let v = slots[i] { return (metrics[i].id, v) }
            }
            return rest.next().map { ($0.key, $0.value) }
        }
    }

    /// Adds `other`'s entries; where both have one, `combine` decides.
    public mutating func merge(_ other: MetricMap, uniquingKeysWith combine: (Value, Value) -> Value) {
        for (i, v) in other.slots.enumerated() {
            guard let v else { continue }
            self[index: i] = self[index: i].map { combine($0, v) } ?? v
        }
        for (k, v) in other.extra { self[k] = self[k].map { combine($0, v) } ?? v }
    }

    public static func == (a: MetricMap, b: MetricMap) -> Bool {
        a.count == b.count && a.elementsEqual(b) { $0.key == $1.key && $0.value == $1.value }
    }
}
