import Foundation

/// Text (plain, Markdown, PDF layout text, .docx text, HTML) to canonical lines of
/// cells. Knows nothing of the report's meaning: only how converters and PDFs lay text out.
public enum Normalizer {
    /// Bump when normalization changes what it produces (part of cache keys).
    public static let version = "2"

    public static func normalize(_ doc: Document) -> NormalizedDocument {
        let text = doc.text ?? ""
        var lines: [Line] = []
        if doc.format == "html" {
            lines = HTMLReader.lines(text)
        } else {
            var number = 0
            for raw in splitLines(text) {
                number += 1
                if let cells = cells(of: raw) {
                    lines.append(Line(number: number, cells: cells))
                }
            }
        }
        return NormalizedDocument(path: doc.path, bytes: doc.bytes, sha256: doc.sha256, format: doc.format,
                                  encoding: doc.encoding, lines: lines)
    }

    /// Splits on `\n`, `\r\n` and lone `\r`.
    static func splitLines(_ text: String) -> [Substring] {
        // On bytes: \n and \r are ASCII, so byte positions of them are scalar boundaries.
        // Found on the contiguous bytes, then each line cut at offsets from the start.
        var text = text
        text.makeContiguousUTF8()  // (a no-op for the native strings records are read into)
        let utf8 = text.utf8
        let cuts = utf8.withContiguousStorageIfAvailable { u -> [(Int, Int)] in
            var cuts: [(Int, Int)] = []
            var start = 0, i = 0
            let n = u.count
            while i < n {
                let c = u[i]
                if c == 0x0A || c == 0x0D {
                    cuts.append((start, i))
                    i += c == 0x0D && i + 1 < n && u[i + 1] == 0x0A ? 2 : 1
                    start = i
                } else {
                    i += 1
                }
            }
            if start < n { cuts.append((start, n)) }
            return cuts
        }!  // contiguous: made so above
        var out: [Substring] = []
        out.reserveCapacity(cuts.count)
        var at = utf8.startIndex, offset = 0
        for (a, b) in cuts {
            let from = utf8.index(at, offsetBy: a - offset)
            let to = utf8.index(from, offsetBy: b - a)
            out.append(text[from..<to])
            at = to
            offset = b
        }
        return out
    }

    /// The cells of one raw line, or nil when the line carries nothing
    /// (blank, a Markdown table rule, page furniture).
    public static func cells(of raw: Substring) -> [String]? {
        // NFKC: full-width digits, letters, brackets and spaces become ASCII.
        var line = nfkc(raw)
        line = stripInlineMarkup(line)
        let trimmedLine = line.trimmed
        if trimmedLine.isEmpty { return nil }
        if isPageFurniture(trimmedLine) { return nil }

        var cells: [String]
        // (`|` has no other form: a line whose first byte is another starts with no `|`.)
        if trimmedLine.utf8.first == UInt8(ascii: "|") && trimmedLine.hasPrefix("|") {
            if isTableRule(trimmedLine) { return nil }
            var inner = Substring(trimmedLine.dropFirst())
            if inner.hasSuffix("|") && !inner.hasSuffix("\\|") { inner = inner.dropLast() }
            cells = splitPipes(inner)
        } else if line.has("\t") {
            cells = splitTabs(line)
        } else {
            cells = splitOnSpaceRuns(stripHeadingMarks(trimmedLine))
        }
        cells = cells.map { cleanCell($0) }
        if cells.allSatisfy({ $0.isEmpty }) { return nil }
        return cells
    }

    /// NFKC, without Foundation for the text reports are made of: ASCII, CJK ideographs
    /// and the CJK punctuation NFKC leaves alone pass as they are; full-width ASCII forms
    /// and the ideographic space map to ASCII. Anything else goes through Foundation.
    public static func nfkc(_ raw: Substring) -> String {
        // On the UTF-8 bytes when they are at hand (the same scalars, decoded here).
        if let done = raw.utf8.withContiguousStorageIfAvailable({ nfkcBytes($0) }) {
            switch done {
            case .unchanged: return String(raw)  // (a copy of the bytes, not decoded again)
            case .changed(let s): return s
            case .needsFoundation: return String(raw).precomposedStringWithCompatibilityMapping
            }
        }
        // Most lines need no change at all: then the text is taken as it is.
        if raw.unicodeScalars.allSatisfy({ isStable($0.value) }) {
            return String(raw)
        }
        var out: [UInt8] = []
        out.reserveCapacity(raw.utf8.count)
        for u in raw.unicodeScalars {
            let v = u.value
            if isStable(v) {
                out.append(contentsOf: UTF8.encode(u)!)
            } else if (0xFF01...0xFF5E).contains(v) {
                out.append(UInt8(v - 0xFEE0))  // full-width ASCII: the ASCII character
            } else if v == 0x3000 {
                out.append(0x20)
            } else {
                return String(raw).precomposedStringWithCompatibilityMapping
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    enum BytesResult { case unchanged, changed(String), needsFoundation }

    /// `nfkc` of valid UTF-8 bytes, scalar by scalar as above: the bytes as they are, the
    /// text they become, or that a scalar needs Foundation.
    static func nfkcBytes(_ u: UnsafeBufferPointer<UInt8>) -> BytesResult {
        let n = u.count
        @inline(__always) func scalar(_ i: Int) -> (UInt32, Int) { String.scalar(u, at: i) }
        var i = 0
        while i < n {
            if u[i] < 0x7F { i += 1; continue }
            let (v, len) = scalar(i)
            if !isStable(v) { break }
            i += len
        }
        // Most lines need no change at all: then the text is taken as it is.
        if i == n { return .unchanged }
        var out: [UInt8] = []
        out.reserveCapacity(n)
        // Runs of stable scalars copied whole, the others replaced one by one.
        var run = 0
        while i < n {
            if u[i] < 0x7F { i += 1; continue }
            let (v, len) = scalar(i)
            if isStable(v) { i += len; continue }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: u[run..<i]))
            if (0xFF01...0xFF5E).contains(v) {
                out.append(UInt8(v - 0xFEE0))  // full-width ASCII: the ASCII character
            } else if v == 0x3000 {
                out.append(0x20)
            } else {
                return .needsFoundation
            }
            i += len
            run = i
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: u[run..<n]))
        return .changed(String(decoding: out, as: UTF8.self))
    }

    /// A scalar NFKC leaves as it is (and that needs no look at its neighbours):
    /// ASCII, the common CJK blocks, and the punctuation of `stablePunctuation`.
    @inline(__always) static func isStable(_ v: UInt32) -> Bool {
        if v < 0x7F || (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) { return true }
        switch v {
        case 0x3001...0x3003, 0x3007...0x3011, 0x3014...0x301B, 0x2018, 0x2019, 0x201C, 0x201D,
             0x2013, 0x2014, 0x00B7, 0x00D7, 0x00B0:
            return true
        default:
            return false
        }
    }

    /// CJK and general punctuation that NFKC maps to itself.
    static let stablePunctuation: Set<UInt32> = [
        0x3001, 0x3002, 0x3003, 0x3008, 0x3009, 0x300A, 0x300B, 0x300C, 0x300D, 0x300E, 0x300F, 0x3010, 0x3011,
        0x3014, 0x3015, 0x3016, 0x3017, 0x3018, 0x3019, 0x301A, 0x301B, 0x3007, 0x2018, 0x2019, 0x201C, 0x201D,
        0x2014, 0x2013, 0x00B7, 0x00D7, 0x00B0,
    ]

    /// `# 一、总体情况` → `一、总体情况`; `> quote` → `quote`.
    static func stripHeadingMarks(_ s: String) -> String {
        // `#` and `>` have no other form: a text whose first byte is neither starts with neither.
        guard let first = s.utf8.first, first == UInt8(ascii: "#") || first == UInt8(ascii: ">") else { return s }
        var t = Substring(s)
        if t.hasPrefix("#") {
            let rest = t.drop(while: { $0 == "#" })
            if rest.first == " " || rest.first == "\t" || t.count - rest.count <= 6 { t = rest }
        } else if t.hasPrefix("> ") {
            t = t.dropFirst(2)
        }
        return String(t)
    }

    /// Emphasis markers and autolinks: `**二、…**` → `二、…`, `<http://x>` → `http://x`.
    static func stripInlineMarkup(_ s: String) -> String {
        var t = s
        if t.has("**") { t = t.replacingOccurrences(of: "**", with: "") }
        if t.has("__") { t = t.replacingOccurrences(of: "__", with: "") }
        if t.has("<http") {
            t = t.replacingOccurrences(of: "<(https?://[^>\\s]*)>", with: "$1", options: .regularExpression)
        }
        if t.has("\\|") { t = t.replacingOccurrences(of: "\\|", with: "\u{1}") }
        return t
    }

    static func isTableRule(_ s: String) -> Bool {
        s.allSatisfy { $0 == "|" || $0 == "-" || $0 == ":" || $0 == " " } && s.contains("-")
    }

    /// `split(separator: "\t", omittingEmptySubsequences: false)` on bytes: a tab is a control
    /// character, always a character of its own, so the cuts fall where the standard library's do.
    static func splitTabs(_ s: String) -> [String] { s.split(byte: 0x09, omittingEmpty: false) }

    static func splitPipes(_ s: Substring) -> [String] {
        // On bytes when the text is simple (then `|` is a character of its own).
        let text = String(s)
        let pieces = text.isSimpleText ? text.split(byte: 0x7C, omittingEmpty: false)
            : s.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        return pieces.map { $0.has("\u{1}") ? $0.replacingOccurrences(of: "\u{1}", with: "|") : $0 }
    }

    /// Layout text (`pdftotext -layout`) aligns columns with runs of spaces:
    /// two or more spaces separate cells, one space stays inside a cell.
    static func splitOnSpaceRuns(_ s: String) -> [String] {
        // No two spaces in a row and no other whitespace: one cell, as it is. Told first from
        // the bytes (when they say maybe, the checks below decide).
        if s.utf8.withContiguousStorageIfAvailable({ oneCell($0) }) == true { return [s] }
        return splitOnSpaceRunsByScalars(s)
    }

    /// `splitOnSpaceRuns`, scalar by scalar.
    static func splitOnSpaceRunsByScalars(_ s: String) -> [String] {
        var previousSpace = false
        var simple = true
        for b in s.utf8 {
            if b == 0x20 {
                if previousSpace { simple = false; break }
                previousSpace = true
            } else {
                previousSpace = false
                if b >= 0x80 || b < 0x20 { continue }
            }
        }
        if simple && !s.unicodeScalars.contains(where: { $0.value > 0x7F && TextClass.isSpace($0.value) }) {
            return [s]
        }
        var cells: [String] = []
        var current = String.UnicodeScalarView()
        var spaces = 0
        for u in s.unicodeScalars {
            if TextClass.isSpace(u.value) {
                spaces += 1
                continue
            }
            if spaces >= 2, !current.isEmpty {
                cells.append(String(current))
                current = String.UnicodeScalarView()
            } else if spaces == 1, !current.isEmpty {
                current.append(" ")
            }
            spaces = 0
            current.append(u)
        }
        if !current.isEmpty { cells.append(String(current)) }
        return cells.isEmpty ? [""] : cells
    }

    /// True only when UTF-8 `u` has no two spaces in a row and no whitespace beyond ASCII
    /// (U+00A0, U+2000–U+200B, U+202F, U+205F, U+3000, U+FEFF); false for some that have neither.
    static func oneCell(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = u.count
        var previousSpace = false
        var i = 0
        while i < n {
            let b = u[i]
            if b == 0x20 {
                if previousSpace { return false }
                previousSpace = true
            } else {
                previousSpace = false
                if b >= 0x80, mayBeWideSpace(u, i) { return false }
            }
            i += 1
        }
        return true
    }

    /// Whether the character whose first byte is `u[i]` (not ASCII) may be U+00A0, U+00AD,
    /// U+2000–U+200B, U+202F, U+205F, U+3000 or U+FEFF: true for each of them, and for the
    /// rest of the blocks of U+00A0 and U+FEFF.
    @inline(__always) static func mayBeWideSpace(_ u: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        switch u[i] {
        case 0xC2, 0xEF: return true
        case 0xE2:
            guard i + 2 < u.count else { return false }
            if u[i + 1] == 0x80 { return u[i + 2] <= 0x8B || u[i + 2] == 0xAF }
            return u[i + 1] == 0x81 && u[i + 2] == 0x9F
        case 0xE3: return i + 2 < u.count && u[i + 1] == 0x80 && u[i + 2] == 0x80
        default: return false  // (most bytes: those of CJK text)
        }
    }

    /// Page numbers between rows: `— 3 —`, `-1-`, `- 12 -`, `第 3 页`, `第3页 共10页`.
    static func isPageFurniture(_ s: String) -> Bool {
        // Page numbers are short.
        guard s.utf8.count <= 40 else { return false }
        // Only a line that starts with a dash or 第 (spaces aside) can be one.
        var first: UInt32?
        _ = s.allScalars { v in
            if TextClass.isSpace(v) || v == 0x0A || v == 0x0D { return true }
            first = v
            return false
        }
        guard let first, Normalizer.isFurnitureStart(first) else { return false }
        // A line that starts with 第 is furniture only with 页 in it (页 has no other form,
        // so its bytes tell): most such lines are headings and labels.
        if first == 0x7B2C && !s.has("页") { return false }
        let t = s.withoutSpaces
        if t.isEmpty { return false }
        let dashes = Normalizer.furnitureDashes
        if let f = t.first, let l = t.last, dashes.contains(f), dashes.contains(l) {
            let inner = t.filter { !dashes.contains($0) }
            if !inner.isEmpty, inner.count <= 4, inner.allSatisfy(\.isASCIIDigit) { return true }
        }
        if t.hasPrefix("第"), t.contains("页") {
            let stripped = t.filter { !"第页共/".contains($0) }
            if !stripped.isEmpty, stripped.allSatisfy(\.isASCIIDigit) { return true }
        }
        return false
    }

    static let furnitureDashes: Set<Character> = ["-", "—", "–", "－", "―"]

    /// The first scalars of page furniture: the dashes of `isPageFurniture` and 第.
    @inline(__always) static func isFurnitureStart(_ v: UInt32) -> Bool {
        switch v {
        case 0x2D, 0x2014, 0x2013, 0xFF0D, 0x2015, 0x7B2C: return true
        default: return false
        }
    }

    /// Trims a cell, collapses its spaces, and removes the spaces that
    /// typesetting puts between CJK characters and digits (`2021 年` → `2021年`).
    public static func cleanCell(_ s: String) -> String {
        // Nothing to trim, join or drop: the cell as it is. Told first from its bytes.
        if s.utf8.withContiguousStorageIfAvailable({ !mayNeedCleaning($0) }) == true { return s }
        return cleanCellByScalars(s)
    }

    /// Whether UTF-8 `u` may hold a scalar `cleanCell` trims, joins or drops: true for every
    /// text that holds one (a space, a line break, U+00A0, U+00AD, U+2000–U+200B, U+202F,
    /// U+205F, U+3000, U+FEFF), and for a few that do not.
    static func mayNeedCleaning(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = u.count
        var i = 0
        while i < n {
            let b = u[i]
            if b < 0x80 {
                if b == 0x20 || (b >= 0x09 && b <= 0x0D) { return true }
            } else if mayBeWideSpace(u, i) {
                return true
            }
            i += 1
        }
        return false
    }

    /// `cleanCell`, scalar by scalar.
    static func cleanCellByScalars(_ s: String) -> String {
        if !s.unicodeScalars.contains(where: { u in
            let v = u.value
            return TextClass.isSpace(v) || v == 0x200B || v == 0xFEFF || v == 0x00AD || v == 0x0A || v == 0x0D
        }) {
            return s
        }
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        var previous: UInt32 = 0
        for u in s.unicodeScalars {
            let v = u.value
            if v == 0x200B || v == 0xFEFF || v == 0x00AD { continue }  // invisible
            if TextClass.isSpace(v) {
                if !out.isEmpty { pendingSpace = true }
                continue
            }
            if pendingSpace {
                // `(一) 予以公开` → `(一)予以公开` too: brackets are full-width in the source.
                let joinCJK = (TextClass.isCJK(previous) && (TextClass.isCJK(v) || TextClass.isDigit(v) || v == 0x28))
                    || ((TextClass.isDigit(previous) || previous == 0x29) && TextClass.isCJK(v))
                if !joinCJK { out.append(" ") }
                pendingSpace = false
            }
            out.append(u)
            previous = v
        }
        return String(out)
    }
}

extension Character {
    var isASCIIDigit: Bool { asciiValue.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
}
