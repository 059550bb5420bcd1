#if canImport(Glibc)
import Glibc
#endif

/// A fixed set of strings (the catalog's metric ids) and each one's position, looked up
/// by the string's bytes: a cheap multiply hash and one memcmp, not the standard
/// library's seeded SipHash. Reports look metric ids up thousands of times each, and
/// hashing them was a tenth of extract's time.
public final class IDTable: @unchecked Sendable {
    /// Open addressing: each slot holds a position in the list, or -1.
    let slots: UnsafeMutablePointer<Int32>
    /// Every key's bytes, one after another, and where each starts and ends.
    let bytes: UnsafeMutablePointer<UInt8>
    let starts: UnsafeMutablePointer<Int>
    let mask: Int
    public let count: Int

    public init(_ ids: [String]) {
        var size = 16
        while size < ids.count * 4 { size *= 2 }
        mask = size - 1
        count = ids.count
        slots = .allocate(capacity: size)
        slots.initialize(repeating: -1, count: size)
        let total = ids.reduce(0) { $0 + $1.utf8.count }
        bytes = .allocate(capacity: max(1, total))
        starts = .allocate(capacity: ids.count + 1)
        var at = 0
        for (i, id) in ids.enumerated() {
            starts[i] = at
            for b in id.utf8 { bytes[at] = b; at += 1 }
        }
        starts[ids.count] = at
        for i in ids.indices {
            let n = starts[i + 1] - starts[i]
            precondition(lookup(UnsafeRawPointer(bytes + starts[i]), n) == nil, "IDTable: \(ids[i]) appears twice")
            var s = IDTable.hash(UnsafeRawPointer(bytes + starts[i]), n) & mask
            while slots[s] >= 0 { s = (s + 1) & mask }
            slots[s] = Int32(i)
        }
    }

    deinit {
        slots.deallocate()
        bytes.deallocate()
        starts.deallocate()
    }

    /// Eight bytes at a time: ids are ASCII of 10–60 bytes.
    @inline(__always) static func hash(_ p: UnsafeRawPointer, _ n: Int) -> Int {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
        var i = 0
        while i + 8 <= n {
            h = (h ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 29
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n { tail |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << shift; shift += 8; i += 1 }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: h ^ (h >> 31))
    }

    /// The position of `id` in the list the table was made from, or nil.
    @inline(__always) public subscript(id: String) -> Int? {
        if let hit = id.utf8.withContiguousStorageIfAvailable({ u -> Int? in
            guard let base = u.baseAddress else { return lookup(UnsafeRawPointer(bytes), 0) }
            return lookup(UnsafeRawPointer(base), u.count)
        }) { return hit }
        let copy = Array(id.utf8)
        return copy.withUnsafeBytes { lookup($0.baseAddress ?? UnsafeRawPointer(bytes), $0.count) }
    }

    func lookup(_ p: UnsafeRawPointer, _ n: Int) -> Int? {
        var s = IDTable.hash(p, n) & mask
        while true {
            let k = Int(slots[s])
            if k < 0 { return nil }
            let start = starts[k]
            if starts[k + 1] - start == n && (n == 0 || memcmp(bytes + start, p, n) == 0) { return k }
            s = (s + 1) & mask
        }
    }
}
