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
        // are larger than the largest kept and cost one comparison.
        var out: [UInt32] = []
        out.reserveCapacity(size + 1)
        for i in 0...(values.count - 4) {
            var h: UInt32 = 2_166_136_261  // FNV-1a
            for k in i..<(i + 4) {
                let v = values[k]
                h = (h ^ (v & 0xFF)) &* 16_777_619
                h = (h ^ ((v >> 8) & 0xFF)) &* 16_777_619
                h = (h ^ ((v >> 16) & 0xFF)) &* 16_777_619
                h = (h ^ (v >> 24)) &* 16_777_619
            }
            if out.count == size, h >= out[size - 1] { continue }
            var lo = 0, hi = out.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if out[mid] < h { lo = mid + 1 } else { hi = mid }
            }
            if lo < out.count, out[lo] == h { continue }
            out.insert(h, at: lo)
            if out.count > size { out.removeLast() }
        }
        return out
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
