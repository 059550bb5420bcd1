import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Tolerant label matching: typos, OCR slips, missing punctuation, labels cut by
/// a line break. Every match says which canonical label it was read as, and
/// whether the printed wording differs from it (a `label_variant`).
public enum Labels {
    static let chineseNumerals: Set<Character> = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
    static let punctuation: Set<Character> = [
        "(", ")", "[", "]", "（", "）", ",", "，", "、", ".", "。", ":", "：", ";", "；", "“", "”", "\"", "'", "‘", "’",
        "《", "》", "「", "」", "<", ">", "/", "—", "-", "_", "·", "•", "*", "#", "|", "〔", "〕", "【", "】", "!", "！", "?", "？",
    ]

    /// Strips leading numbering: `一、`, `(一)`, `1.`, `1、`, `(1)`, `1)`, repeatedly.
    public static func stripNumbering(_ s: String) -> String {
        var t = Substring(s.withoutSpaces)
        while true {
            let before = t
            if let f = t.first, chineseNumerals.contains(f) {
                let rest = t.drop(while: { chineseNumerals.contains($0) })
                if let sep = rest.first, sep == "、" || sep == "." || sep == "," { t = rest.dropFirst() }
            } else if t.first == "(" || t.first == "（" {
                let inner = t.dropFirst()
                let numeral = inner.prefix(while: { chineseNumerals.contains($0) || $0.isASCIIDigit })
                let rest = inner.dropFirst(numeral.count)
                if !numeral.isEmpty, let close = rest.first, close == ")" || close == "）" { t = rest.dropFirst() }
            } else if let f = t.first, f.isASCIIDigit {
                let digits = t.prefix(while: { $0.isASCIIDigit })
                let rest = t.dropFirst(digits.count)
                if digits.count <= 2, let sep = rest.first, sep == "." || sep == "、" || sep == ")" || sep == "," || sep == "．" {
                    t = rest.dropFirst()
                }
            }
            if t == before { break }
        }
        return String(t)
    }

    /// The numbering a label starts with, reduced to its numeral and whether it is
    /// bracketed: `(六)` and `（六）` → `(六`, `六、` → `六`, `3.` and `3、` → `3`; nil when none.
    public static func numbering(_ s: String) -> String? {
        // Only a label that starts with a numeral or a bracket can carry numbering.
        guard let f = s.unicodeScalars.first(where: { !TextClass.isSpace($0.value) }),
              f == "(" || f == "（" || TextClass.isDigit(f.value) || chineseNumerals.contains(Character(f)) else { return nil }
        return numberingMemo.value(s) { computeNumbering(s) }
    }

    static let numberingMemo = Memo<String?>()

    static func computeNumbering(_ s: String) -> String? {
        let t = s.withoutSpaces
        let rest = stripNumbering(t)
        guard rest.count < t.count else { return nil }
        let prefix = t.prefix(t.count - rest.count)
        let numeral = prefix.filter { chineseNumerals.contains($0) || $0.isASCIIDigit }
        guard !numeral.isEmpty else { return nil }
        return (prefix.hasPrefix("(") || prefix.hasPrefix("（") ? "(" : "") + numeral
    }

    /// The comparison form of a label: no spaces, no numbering, no punctuation.
    public static func key(_ s: String) -> String {
        // The same labels come back report after report.
        keyMemo.value(s) { String(stripNumbering(s).filter { !punctuation.contains($0) }) }
    }

    static let keyMemo = Memo<String>()

    /// How a printed label relates to its canonical form.
    public enum Quality: Equatable, Sendable {
        /// The same words (spacing, punctuation and numbering aside), or the
        /// start of them, cut by a line break.
        case exact
        /// Different words read as this label: worth a `label_variant` finding.
        case variant
    }

    /// Similarity 0…1: twice the longest common subsequence over both lengths.
    public static func similarity<E: Equatable>(_ a: [E], _ b: [E]) -> Double {
        if a.isEmpty || b.isEmpty { return 0 }
        var prev = [Int](repeating: 0, count: b.count + 1)
        var cur = prev
        for i in 1...a.count {
            for j in 1...b.count {
                cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : max(prev[j], cur[j - 1])
            }
            swap(&prev, &cur)
        }
        return 2.0 * Double(prev[b.count]) / Double(a.count + b.count)
    }

    /// Results already computed, shared by the threads: the same cell texts come back
    /// in report after report, and fuzzy matching is the costly part of reading them.
    final class Memo<Value>: @unchecked Sendable {
        /// Keyed by the text's bytes: a `String` key is hashed and compared through Unicode
        /// normalization, which for Chinese text cost more than the lookup saved. Texts
        /// equal only after normalization are computed apart, to the same result.
        private var table: [BytesKey: Value] = [:]
        private let lock = NSLock()
        static var limit: Int { 200_000 }

        func value(_ text: String, _ compute: () -> Value) -> Value {
            let key = BytesKey(text)
            lock.lock()
            if let v = table[key] {
                lock.unlock()
                return v
            }
            lock.unlock()
            let v = compute()
            lock.lock()
            if table.count >= Memo.limit { table.removeAll(keepingCapacity: true) }
            table[key] = v
            lock.unlock()
            return v
        }
    }

    /// A string as a dictionary key by its UTF-8 bytes (no normalization).
    struct BytesKey: Hashable {
        let text: String
        init(_ text: String) { self.text = text }

        func hash(into hasher: inout Hasher) {
            var t = text
            hasher.combine(t.withUTF8 { IDTable.hash(UnsafeRawPointer($0.baseAddress ?? UnsafePointer(bitPattern: 1)!), $0.count) })
        }

        static func == (a: BytesKey, b: BytesKey) -> Bool {
            var x = a.text, y = b.text
            return x.withUTF8 { p in
                y.withUTF8 { q in p.count == q.count && (p.count == 0 || memcmp(p.baseAddress!, q.baseAddress!, p.count) == 0) }
            }
        }
    }

    /// A set of canonical labels to read cells against.
    public struct Matcher<Payload: Sendable>: Sendable {
        struct Candidate: Sendable {
            var key: [Character]
            var keyString: String
            /// The key's scalars when it is simple text (its characters are its scalars).
            var keyScalars: [UInt32]?
            var payload: Payload
        }
        var candidates: [Candidate] = []
        /// The least similarity a variant must reach.
        public var threshold = 0.8
        /// A cut label must keep at least this many characters to count.
        public var minimumPrefix = 4

        let memo = Memo<(payload: Payload, quality: Quality)?>()

        public init(_ entries: [(label: String, payload: Payload)]) {
            for e in entries {
                let k = Labels.key(e.label)
                candidates.append(Candidate(key: Array(k), keyString: k, keyScalars: k.isSimpleText ? k.unicodeScalars.map(\.value) : nil,
                                            payload: e.payload))
            }
        }

        /// The best canonical label for `text`, or nil when nothing is close enough
        /// or two candidates are equally close.
        public func match(_ text: String) -> (payload: Payload, quality: Quality)? {
            memo.value(text) { compute(text) }
        }

        func compute(_ text: String) -> (payload: Payload, quality: Quality)? {
            let k = Labels.key(text)
            if k.isEmpty { return nil }
            for c in candidates where c.keyString == k { return (c.payload, .exact) }
            // A label cut by a line or page break: the start of exactly one canonical label.
            if k.count >= minimumPrefix {
                let prefixed = candidates.filter { $0.keyString.hasPrefix(k) }
                if prefixed.count == 1 { return (prefixed[0].payload, .exact) }
            }
            let chars = Array(k)
            // A fragment this short is no evidence of a label.
            guard chars.count >= minimumPrefix else { return nil }
            // Simple text is compared scalar by scalar (the same characters, far cheaper to compare).
            let scalars = k.isSimpleText ? k.unicodeScalars.map(\.value) : nil
            var best: (score: Double, index: Int)?
            var tie = false
            for (i, c) in candidates.enumerated() {
                // Similarity cannot reach the threshold when the lengths differ too much.
                let ratio = Double(min(chars.count, c.key.count)) * 2 / Double(chars.count + c.key.count)
                if ratio < threshold { continue }
                let s: Double
                if let scalars, let keyScalars = c.keyScalars {
                    s = Labels.similarity(scalars, keyScalars)
                } else {
                    s = Labels.similarity(chars, c.key)
                }
                if let b = best {
                    if s > b.score + 1e-9 { best = (s, i); tie = false } else if abs(s - b.score) < 1e-9 { tie = true }
                } else {
                    best = (s, i)
                }
            }
            guard let b = best, b.score >= threshold, !tie else { return nil }
            return (candidates[b.index].payload, .variant)
        }
    }
}
