/// A small sketch of a text (bottom-k of its hashed character 4-grams) that tells
/// how much two texts share without keeping them: sections 一 and 五 copied from
/// last year's report (`boilerplate`).
public enum Fingerprint {
    public static let size = 64
    public static let boilerplateThreshold = 0.9
    /// Texts shorter than this (after digits and punctuation are dropped) are not sketched.
    public static let minimumLength = 60

    /// Sorted hashes, at most `size`; nil when the text is too short to judge.
    public static func sketch(_ text: String) -> [UInt32]? {
        // Digits and punctuation dropped: a copied report differs in its years and counts.
        var values: [UInt32] = []
        values.reserveCapacity(text.utf8.count / 3 + 1)
        var widest: UInt32 = 0
        text.forEachScalarValue { v in
            if TextClass.isHan(v) || (v >= 0x61 && v <= 0x7A) {
                values.append(v)
                widest |= v
            }
        }
        guard values.count >= minimumLength else { return nil }
        // The `size` smallest distinct hashes, kept sorted as they come: most hashes
        // are larger than the largest kept and cost one comparison. (Which hashes are kept
        // does not depend on the order they come in.)
        var kept = BottomK()
        values.withUnsafeBufferPointer { v in
            let grams = v.count - 3
            guard widest < 0x10000 else {
                // A scalar beyond the BMP (a rare Han character): each gram hashed byte by byte.
                for i in 0..<grams { kept.add(hash(v, i)) }
                return
            }
            // Every scalar within the BMP: its two high bytes are zero, and FNV-1a's steps for
            // them (h ^ 0 = h, times the prime) are one multiplication by the prime's cube.
            // Every gram starts from the same offset basis: its first scalar's steps are
            // worked out once per position, not once per gram.
            let first = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: v.count)
            defer { first.deallocate() }
            for k in 0..<v.count { first[k] = step(offsetBasis, v[k]) }
            var i = 0
            // Four grams at a time: four independent chains keep the multiplier busy.
            while i + 4 <= grams {
                var h0 = first[i], h1 = first[i + 1], h2 = first[i + 2], h3 = first[i + 3]
                for k in 1..<4 {
                    h0 = step(h0, v[i + k])
                    h1 = step(h1, v[i + 1 + k])
                    h2 = step(h2, v[i + 2 + k])
                    h3 = step(h3, v[i + 3 + k])
                }
                kept.add(h0)
                kept.add(h1)
                kept.add(h2)
                kept.add(h3)
                i += 4
            }
            while i < grams {
                kept.add(step(step(step(first[i], v[i + 1]), v[i + 2]), v[i + 3]))
                i += 1
            }
        }
        return kept.out
    }

    static let offsetBasis: UInt32 = 2_166_136_261
    static let prime: UInt32 = 16_777_619
    static let primeCubed: UInt32 = prime &* prime &* prime

    /// FNV-1a's four steps for the bytes (low first) of a scalar within the BMP.
    @inline(__always) static func step(_ h: UInt32, _ v: UInt32) -> UInt32 {
        (((h ^ (v & 0xFF)) &* prime) ^ (v >> 8)) &* primeCubed
    }

    /// The `size` smallest distinct numbers added, kept sorted.
    struct BottomK {
        var out: [UInt32] = []
        init() { out.reserveCapacity(Fingerprint.size + 1) }

        @inline(__always) mutating func add(_ h: UInt32) {
            if out.count == Fingerprint.size, h >= out[Fingerprint.size - 1] { return }
            var lo = 0, hi = out.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if out[mid] < h { lo = mid + 1 } else { hi = mid }
            }
            if lo < out.count, out[lo] == h { return }
            out.insert(h, at: lo)
            if out.count > Fingerprint.size { out.removeLast() }
        }
    }

    /// FNV-1a of the 4-gram at `i`: each scalar's four bytes, low first.
    static func hash(_ v: UnsafeBufferPointer<UInt32>, _ i: Int) -> UInt32 {
        var h = offsetBasis
        for k in i..<(i + 4) {
            let x = v[k]
            h = (h ^ (x & 0xFF)) &* prime
            h = (h ^ ((x >> 8) & 0xFF)) &* prime
            h = (h ^ ((x >> 16) & 0xFF)) &* prime
            h = (h ^ (x >> 24)) &* prime
        }
        return h
    }

    /// Estimated Jaccard similarity of the two texts' 4-gram sets.
    public static func similarity(_ a: [UInt32], _ b: [UInt32]) -> Double {
        // Sketches are sorted without repeats (as `sketch` makes them): one merge. A
        // record that says otherwise is taken through sets, with the same result.
        guard isAscending(a), isAscending(b) else { return similarity(Set(a), Set(b)) }
        var i = 0, j = 0, union = 0, both = 0
        while union < size && (i < a.count || j < b.count) {
            if j == b.count || (i < a.count && a[i] < b[j]) {
                i += 1
            } else if i == a.count || b[j] < a[i] {
                j += 1
            } else {
                both += 1
                i += 1
                j += 1
            }
            union += 1
        }
        return union == 0 ? 0 : Double(both) / Double(union)
    }

    static func isAscending(_ a: [UInt32]) -> Bool {
        var k = 1
        while k < a.count { if a[k - 1] >= a[k] { return false }; k += 1 }
        return true
    }

    static func similarity(_ sa: Set<UInt32>, _ sb: Set<UInt32>) -> Double {
        let union = Array(sa.union(sb).sorted().prefix(size))
        guard !union.isEmpty else { return 0 }
        let both = union.filter { sa.contains($0) && sb.contains($0) }.count
        return Double(both) / Double(union.count)
    }
}
