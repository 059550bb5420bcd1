#if canImport(Glibc)
import Glibc
#endif

/// Crawled pages flatten a whole report into one line: headings, table labels and
/// numbers run together (`…申请数量640020470二、上年结转…`). Before the tables are
/// read, such lines are cut back into rows at the labels the standard prints: the
/// section headings, `第二十条第(X)项`, each table's row labels. A cut keeps the
/// line number it came from, so provenance still points at the source line.
enum Segmenter {
    /// Where a cut goes: a phrase (spaces ignored) and the numbering that may precede it.
    struct Anchor {
        var phrase: String
        /// Numbering printed before the phrase that belongs to it (`2.`, `(一)`, `三、`).
        var numbering: [String]
        /// A generic phrase (`其他`, `总计`) only counts with its numbering in front.
        var needsNumbering: Bool
    }

    static func numberings(_ n: Int) -> [String] {
        let han = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"][n]
        return ["\(n).", "\(n)、", "\(n),", "(\(n))", "\(n))", "(\(han))", "\(han)、"]
    }

    static let anchors: [Anchor] = {
        var a: [Anchor] = []
        a.append(Anchor(phrase: "第二十条第", numbering: [], needsNumbering: false))
        a.append(Anchor(phrase: "信息内容", numbering: [], needsNumbering: false))
        for row in Catalog.activeRows {
            a.append(Anchor(phrase: row.label, numbering: [], needsNumbering: false))
            if row.label2019 != row.label {
                a.append(Anchor(phrase: row.label2019, numbering: [], needsNumbering: false))
            }
        }
        // Section 三's rows and groups, with the numbering the standard gives them.
        for row in Catalog.applyRows {
            let key = Labels.stripNumbering(row.label)
            let number = row.label.prefix { $0.isASCIIDigit }
            var numbering: [String] = []
            if let n = Int(number) { numbering = numberings(n) }
            if row.label.hasPrefix("(") || row.label.hasPrefix("一") || row.label.hasPrefix("二") || row.label.hasPrefix("四") {
                let marker = row.label.hasPrefix("(") ? String(row.label.prefix(3)) : String(row.label.prefix(2))
                numbering = [marker]
            }
            // The words before any bracket: `部分公开(区分处理的…)` is cut at `部分公开`.
            let phrase = String(key.prefix { $0 != "(" && $0 != "“" })
            let generic = phrase.count <= 2
            a.append(Anchor(phrase: phrase, numbering: numbering, needsNumbering: generic))
        }
        for g in ["三、本年度办理结果", "(三)不予公开", "(四)无法提供", "(五)不予处理"] {
            let marker = g.hasPrefix("(") ? String(g.prefix(3)) : String(g.prefix(2))
            a.append(Anchor(phrase: Labels.stripNumbering(g), numbering: [marker], needsNumbering: false))
        }
        return a
    }()

    /// Phrases only a standard table prints; two of them in one line make it a flattened table.
    static let tableMarkers = ["第二十条第", "信息内容", "本年新收政府信息公开申请数量", "上年结转政府信息公开申请数量", "勾稽关系",
                               "结转下年度继续办理", "结果维持", "本年制发件数", "本年新制作数量", "处理决定数量"]

    /// Lines this long with several labels in them are flattened tables.
    static let longLine = 120

    static func segment(_ lines: [Line]) -> [Line] {
        var out: [Line] = []
        out.reserveCapacity(lines.count)
        for line in lines {
            // Characters are never more than scalars or bytes: the cheap counts rule out most lines.
            if line.cells.count == 1, let text = line.cells.first, text.utf8.count >= longLine,
               text.scalarCount >= longLine, text.isSimpleText || text.count >= longLine {
                out += cut(text).map { Line(number: line.number, cells: [$0]) }
            } else {
                out.append(line)
            }
        }
        return out
    }

    static let anchorScalars: [(phrase: [Unicode.Scalar], numbering: [[Unicode.Scalar]], needsNumbering: Bool)] = anchors.map { a in
        (Array(a.phrase.unicodeScalars), a.numbering.sorted { $0.count > $1.count }.map { Array($0.unicodeScalars) }, a.needsNumbering)
    }
    static let markerScalars: [[Unicode.Scalar]] = tableMarkers.map { Array($0.unicodeScalars) }
    static let numeralScalars: Set<Unicode.Scalar> = Set("一二三四五六七八九十".unicodeScalars)

    /// The text cut before every anchor found, and before and after section headings.
    static func cut(_ text: String) -> [String] {
        // Most long lines are prose: told from their bytes, without the scalar arrays below.
        certainlyWhole(text) ? [text] : cutScalars(text)
    }

    /// `cut` done scalar by scalar, whatever the text.
    static func cutScalars(_ text: String) -> [String] {
        // Search on the text without spaces; map positions back to the original.
        let chars = Array(text.unicodeScalars)
        var stripped: [Unicode.Scalar] = []
        var origin: [Int] = []
        stripped.reserveCapacity(chars.count)
        origin.reserveCapacity(chars.count)
        for (i, c) in chars.enumerated() where !TextClass.isSpace(c.value) {
            stripped.append(c)
            origin.append(i)
        }
        var cuts = Set<Int>()  // indices into `stripped`
        // Row labels cut only a line that holds a flattened table; prose that names
        // 予以公开 or 行政许可 stays whole (it is read for narrative checks).
        let isTable = markerScalars.filter { stripped.firstRange(of: $0) != nil }.count >= 2
        if isTable {
            for anchor in anchorScalars {
                var from = 0
                while let r = stripped.firstRange(of: anchor.phrase, from: from) {
                    from = r.upperBound
                    let start = r.lowerBound
                    var cutAt = start
                    var numbered = false
                    for n in anchor.numbering where start >= n.count && Array(stripped[(start - n.count)..<start]) == n {
                        cutAt = start - n.count
                        numbered = true
                        break
                    }
                    if anchor.needsNumbering && !numbered { continue }
                    // Inside a longer label (`规范性文件` in `行政规范性文件`): not a cut.
                    if !numbered, start > 0, isInsideLabel(stripped, start) { continue }
                    cuts.insert(cutAt)
                }
            }
        }
        // Section headings: `二、` followed by the words of a section, cut before and after.
        if stripped.count > 2 {
            for i in 0..<(stripped.count - 2) where stripped[i + 1] == "、" && numeralScalars.contains(stripped[i]) {
                let window = Array(stripped[(i + 2)..<min(stripped.count, i + 2 + 48)])
                guard let found = Metadata.section(of: window, numeral: String(stripped[i])) else { continue }
                // A table row (`四、结转下年度…`, `一、本年新收…`) is no heading.
                let head = String(String.UnicodeScalarView(window.prefix(2)))
                if head == "结转" || head == "本年" || head == "上年" { continue }
                cuts.insert(i)
                cuts.insert(i + 2 + found.length)
            }
        }
        cuts.remove(0)
        guard !cuts.isEmpty else { return [text] }
        var pieces: [String] = []
        var last = 0
        func piece(_ range: Range<Int>) {
            let p = String(String.UnicodeScalarView(chars[range])).trimmed
            if !p.isEmpty { pieces.append(p) }
        }
        for c in cuts.sorted() where c < stripped.count {
            let o = origin[c]
            if o > last { piece(last..<o) }
            last = o
        }
        piece(last..<chars.count)
        return pieces
    }

    /// Whether `cut` leaves `text` whole, told from its bytes (false: it may not). Without a
    /// space the stripped text is the text, and a marker found in its bytes is found in its
    /// scalars (UTF-8 matches start on scalar boundaries): fewer than two markers means no row
    /// cuts. A heading cut needs a numeral scalar right before `、`. One pass over the bytes
    /// looks for both (ten searches of a long line cost more than the rest of `segment`).
    static func certainlyWhole(_ text: String) -> Bool {
        guard !text.mayHaveSpace else { return false }
        return text.utf8.withContiguousStorageIfAvailable { u -> Bool in
            var found: UInt32 = 0  // a bit per marker seen
            var i = 0
            let n = u.count
            while i + 2 < n {
                // Every marker and 、 start with a three-byte character.
                guard u[i] & 0xF0 == 0xE0 else { i += 1; continue }
                let scalar = Int(String.scalar(u, at: i).value)
                if scalar == 0x3001 {  // 、: each numeral 一…十 is the three bytes before it
                    if i >= 3, numeralBytes.contains(UInt32(u[i - 3]) << 16 | UInt32(u[i - 2]) << 8 | UInt32(u[i - 1])) { return false }
                } else if startsMarker[scalar] {
                    for (m, marker) in markerScalars.enumerated() where marker[0].value == scalar && found & (1 << m) == 0 {
                        let bytes = markerBytes[m]
                        if i + bytes.count <= n, memcmp(u.baseAddress! + i, bytes, bytes.count) == 0 {
                            found |= 1 << m
                            if found.nonzeroBitCount >= 2 { return false }
                        }
                    }
                }
                i += 3
            }
            return true
        } ?? false
    }

    /// Each table marker's bytes.
    static let markerBytes: [[UInt8]] = tableMarkers.map { Array($0.utf8) }
    /// Whether a marker starts with the character of this scalar value (in the first plane).
    static let startsMarker: [Bool] = {
        var table = [Bool](repeating: false, count: 0x10000)
        for m in markerScalars { table[Int(m[0].value)] = true }
        return table
    }()

    /// The UTF-8 bytes of 一…十, each as one number.
    static let numeralBytes: Set<UInt32> = Set(numeralScalars.map { n -> UInt32 in
        Array(String(n).utf8).reduce(0) { $0 << 8 | UInt32($1) }
    })

    /// `规范性文件` preceded by `行政`, `其他` preceded by `或`: the phrase continues a longer label.
    static func isInsideLabel(_ s: [Unicode.Scalar], _ start: Int) -> Bool {
        let before = String(String.UnicodeScalarView(s[max(0, start - 2)..<start]))
        return before.hasSuffix("行政") || before.hasSuffix("或") || before.hasSuffix("的")
    }
}
