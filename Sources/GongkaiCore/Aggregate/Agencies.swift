/// Which reports are the same agency: names normalized, then an optional alias
/// file (`agencies.tsv` at the top of the corpus: `alias<TAB>canonical name`) for
/// agencies that were renamed or are written in several ways.
public struct Agencies: Sendable {
    /// The file name ingest treats as the alias table rather than a report.
    public static let aliasFile = "agencies.tsv"

    /// Written-out and short forms that name the same body.
    static let variants: [(String, String)] = [
        ("管委会", "管理委员会"), ("发改局", "发展和改革局"), ("发改委", "发展和改革委员会"), ("工信局", "工业和信息化局"),
    ]

    var aliases: [String: String] = [:]
    /// Problems found in the alias file (line number and what is wrong).
    public private(set) var problems: [String] = []

    public init() {}

    /// Reads `alias<TAB>canonical` lines; `#` starts a comment, blank lines are skipped.
    public init(tsv: String) {
        for (i, raw) in tsv.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            if line.trimmed.isEmpty { continue }
            let parts = line.split(separator: "\t").map { String($0).trimmed }.filter { !$0.isEmpty }
            guard parts.count == 2 else {
                problems.append("line \(i + 1): expected 'alias<TAB>canonical name'")
                continue
            }
            aliases[Agencies.key(parts[0])] = parts[1]
        }
    }

    public var count: Int { aliases.count }

    /// The comparison form of a name: NFKC, no spaces or punctuation, short forms written out.
    public static func key(_ name: String) -> String {
        // An agency's name comes back in each of its reports: worked out once.
        keyMemo.value(name) { computeKey(name) }
    }

    static let keyMemo = Labels.Memo<String>()

    static func computeKey(_ name: String) -> String {
        // Most names are Han characters (and ASCII letters and digits) only: NFKC leaves those
        // as they are, and none is a space or punctuation. (Normalizing costs ~9 µs a name:
        // 28,000 names at national scale, worked out on every run.)
        let plain = name.unicodeScalars.allSatisfy { u in
            let v = u.value
            return (v >= 0x4E00 && v <= 0x9FFF) || (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A)
        }
        return writtenOut(plain ? name : normalized(name))
    }

    /// NFKC, without spaces or punctuation.
    static func normalized(_ name: String) -> String {
        String(name.precomposedStringWithCompatibilityMapping.withoutSpaces.filter { !Labels.punctuation.contains($0) })
    }

    /// Short forms written out (`variants`).
    static func writtenOut(_ name: String) -> String {
        var s = name
        for (short, long) in variants where s.has(short) { s = s.replacingOccurrences(of: short, with: long) }
        return s
    }

    /// `computeKey` without its shortcut: the reference it is tested against.
    static func computeKeyPlain(_ name: String) -> String { writtenOut(normalized(name)) }

    /// The key reports of this agency are grouped by (after aliases).
    public func canonicalKey(_ name: String) -> String {
        let k = Agencies.key(name)
        if let target = aliases[k] { return Agencies.key(target) }
        return k
    }

    /// The name to show for a group: the alias file's canonical name if it has one.
    public func displayName(_ name: String) -> String? {
        aliases[Agencies.key(name)]
    }
}

/// Names numbered as Swift compares them (texts equal once Unicode-normalized share a
/// number), in the order first seen, each numbered name keeping its first spelling. A
/// spelling is hashed as a String once (a Chinese name hashed as a String is normalized
/// first, thousands of instructions); every later look-up goes by its bytes, and a name
/// equal to the one before it (reports sorted by agency) by a comparison only.
struct NameNumbers {
    private var byBytes: [Labels.BytesKey: Int] = [:]
    private var byName: [String: Int] = [:]
    /// Each number's first spelling.
    private(set) var names: [String] = []
    private var last: (name: String, number: Int)?

    mutating func number(_ name: String) -> Int {
        if let last, Labels.BytesKey(last.name) == Labels.BytesKey(name) { return last.number }
        let n: Int
        if let k = byBytes[Labels.BytesKey(name)] {
            n = k
        } else {
            if let k = byName[name] {
                n = k
            } else {
                n = names.count
                byName[name] = n
                names.append(name)
            }
            byBytes[Labels.BytesKey(name)] = n
        }
        last = (name, n)
        return n
    }
}
