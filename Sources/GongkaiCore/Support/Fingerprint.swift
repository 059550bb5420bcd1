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
        text.forEachScalarValue { v in
            if TextClass.isHan(v) || (v >= 0x61 && v <= 0x7A) { values.append(v) }
        }
        guard values.count >= minimumLength else { return nil }
        // The `size` smallest distinct hashes, kept sorted as they come: most hashes
        // are larger than the largest kept and cost one comparison. (Which hashes are kept
        // does not depend on the order they come in.)
        var kept = BottomK()
        values.withUnsafeBufferPointer { v in
            let grams = v.count - 3
            var i = 0
            // Four grams at a time: each FNV-1a is a chain of sixteen multiplications, and four
            // independent chains keep the multiplier busy where one waits on each result.
            while i + 4 <= grams {
                var h0: UInt32 = 2_166_136_261, h1 = h0, h2 = h0, h3 = h0
                for k in 0..<4 {
                    let a = v[i + k], b = v[i + 1 + k], c = v[i + 2 + k], d = v[i + 3 + k]
                    h0 = (h0 ^ (a & 0xFF)) &* 16_777_619
                    h1 = (h1 ^ (b & 0xFF)) &* 16_777_619
                    h2 = (h2 ^ (c & 0xFF)) &* 16_777_619
                    h3 = (h3 ^ (d & 0xFF)) &* 16_777_619
                    h0 = (h0 ^ ((a >> 8) & 0xFF)) &* 16_777_619
                    h1 = (h1 ^ ((b >> 8) & 0xFF)) &* 16_777_619
                    h2 = (h2 ^ ((c >> 8) & 0xFF)) &* 16_777_619
                    h3 = (h3 ^ ((d >> 8) & 0xFF)) &* 16_777_619
                    h0 = (h0 ^ ((a >> 16) & 0xFF)) &* 16_777_619
                    h1 = (h1 ^ ((b >> 16) & 0xFF)) &* 16_777_619
                    h2 = (h2 ^ ((c >> 16) & 0xFF)) &* 16_777_619
                    h3 = (h3 ^ ((d >> 16) & 0xFF)) &* 16_777_619
                    h0 = (h0 ^ (a >> 24)) &* 16_777_619
                    h1 = (h1 ^ (b >> 24)) &* 16_777_619
                    h2 = (h2 ^ (c >> 24)) &* 16_777_619
                    h3 = (h3 ^ (d >> 24)) &* 16_777_619
                }
                kept.add(h0)
                kept.add(h1)
                kept.add(h2)
                kept.add(h3)
                i += 4
            }
            while i < grams {
                kept.add(hash(v, i))
                i += 1
            }
        }
        return kept.out
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
        var h: UInt32 = 2_166_136_261
        for k in i..<(i + 4) {
            let x = v[k]
            h = (h ^ (x & 0xFF)) &* 16_777_619
            h = (h ^ ((x >> 8) & 0xFF)) &* 16_777_619
            h = (h ^ ((x >> 16) & 0xFF)) &* 16_777_619
            h = (h ^ (x >> 24)) &* 16_777_619
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
