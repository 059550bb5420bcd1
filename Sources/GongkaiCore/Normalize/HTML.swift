import Foundation

/// An HTML page to lines of cells, as a browser would show it: what is not the
/// report (`<script>`, `<style>`, `<head>`, comments, navigation) is dropped, block
/// elements end lines, inline markup (`<span>`, `<font>`, `<o:p>`…) adds nothing,
/// and every `<table>` becomes one line per row with merged cells laid out as
/// `MarkupTable` describes. Malformed markup (unclosed `<td>`, `<tr>`, `<p>`, stray
/// end tags) is normal on government sites and read the way browsers read it.
public enum HTMLReader {
    /// The lines of `html`, numbered by the source line each paragraph or row starts on.
    public static func lines(_ html: String) -> [Line] {
        var lines: [Line] = []
        for item in content(html) {
            switch item {
            case .paragraph(let text, let line):
                if let cells = Normalizer.cells(of: Substring(text)) { lines.append(Line(number: line, cells: cells)) }
            case .row(let raw, let line):
                let cells = raw.map { Normalizer.cleanCell(Normalizer.nfkc(Substring($0))) }
                if cells.contains(where: { !$0.isEmpty }) { lines.append(Line(number: line, cells: cells)) }
            }
        }
        return lines
    }

    /// Paragraphs and table rows of `html`, before cell cleaning.
    public static func content(_ html: String) -> [MarkupContent] {
        var parser = Parser(Array(html.utf8))
        return parser.run()
    }

    /// Elements that end a line where they open and where they close.
    static let blocks: Set<String> = [
        "address", "article", "blockquote", "body", "br", "caption", "center", "dd", "details", "dialog", "dir", "div",
        "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hgroup", "hr", "html", "legend", "li", "main", "menu", "ol", "p", "pre", "section", "summary", "ul",
        "tbody", "thead", "tfoot", "option", "listing", "plaintext", "xmp",
    ]

    /// Elements whose content is not the report: skipped up to their end tag.
    static let skipped: Set<String> = [
        "script", "style", "title", "textarea", "iframe", "noembed", "noframes", "noscript", "template", "xml",
        "nav", "aside", "select", "svg", "math", "object", "button",
    ]

    /// Tags that may stand in `<head>`; any other start tag means the body has begun.
    static let headTags: Set<String> = ["meta", "link", "title", "style", "script", "base", "noscript", "template", "object", "param", "bgsound", "basefont", "head"]

    /// What a tag name means to the reader, found once per tag (by its bytes, `IDTable`)
    /// instead of in each set above and each case of a switch.
    struct TagInfo {
        enum Kind { case other, head, table, row, cell, pre }
        var kind = Kind.other
        var block = false
        var skipped = false
        var inHead = false
        /// Skipped, and a line ends where it was (navigation, a drop-down list, a button).
        var breaksWhenSkipped = false
    }

    static let tagNames: [String] = Array(blocks.union(skipped).union(headTags).union(["table", "tr", "td", "th"])).sorted()
    static let tagTable = IDTable(tagNames)
    static let tagInfos: [TagInfo] = tagNames.map { name in
        var info = TagInfo()
        switch name {
        case "head": info.kind = .head
        case "table": info.kind = .table
        case "tr": info.kind = .row
        case "td", "th": info.kind = .cell
        case "pre", "listing", "plaintext", "xmp": info.kind = .pre
        default: break
        }
        info.block = blocks.contains(name)
        info.skipped = skipped.contains(name)
        info.inHead = headTags.contains(name)
        info.breaksWhenSkipped = ["nav", "aside", "select", "button"].contains(name)
        return info
    }

    /// What the tag whose name is `bytes` (ASCII, any case) means, looked up without making a string.
    static func info(_ bytes: ArraySlice<UInt8>) -> TagInfo {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(1, bytes.count)) { lower in
            var n = 0
            for b in bytes { lower[n] = b >= 0x41 && b <= 0x5A ? b + 0x20 : b; n += 1 }
            return tagTable.lookup(UnsafeRawPointer(lower.baseAddress!), n).map { tagInfos[$0] } ?? TagInfo()
        }
    }

    struct Tag {
        /// Where the name is in the page (any case), and what it means.
        var name: Range<Int>
        var info: TagInfo
        var isEnd: Bool
        /// Read only for a table cell's start tag (its spans); empty for any other.
        var attributes: [(name: String, value: String)]
        var selfClosing: Bool

        func attribute(_ n: String) -> String? { attributes.first { $0.name == n }?.value }
    }

    struct Parser {
        let bytes: [UInt8]
        var position = 0
        var builder = MarkupBuilder()
        var inHead = false
        var preDepth = 0
        /// Line counting, forward only: the line of `countedTo`.
        var countedTo = 0
        var countedLine = 1
        /// Whitespace seen since the last visible character of the paragraph.
        var pendingSpace = false

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        mutating func line(at offset: Int) -> Int {
            if offset < countedTo { return lineSlow(offset) }
            var i = countedTo
            while i < offset && i < bytes.count {
                let b = bytes[i]
                if b == 0x0A { countedLine += 1 }
                else if b == 0x0D, i + 1 >= bytes.count || bytes[i + 1] != 0x0A { countedLine += 1 }
                i += 1
            }
            countedTo = i
            return countedLine
        }

        func lineSlow(_ offset: Int) -> Int {
            var n = 1
            for i in 0..<min(offset, bytes.count) {
                if bytes[i] == 0x0A || (bytes[i] == 0x0D && (i + 1 >= bytes.count || bytes[i + 1] != 0x0A)) { n += 1 }
            }
            return n
        }

        mutating func run() -> [MarkupContent] {
            var textStart = 0
            while position < bytes.count {
                guard bytes[position] == UInt8(ascii: "<") else { position += 1; continue }
                let lt = position
                if let handled = markup(at: lt) {
                    emitText(textStart, lt)
                    apply(handled, at: lt)
                    textStart = position
                } else {
                    position += 1  // a literal `<`
                }
            }
            emitText(textStart, bytes.count)
            return builder.finish()
        }

        enum Markup {
            case tag(Tag)
            case ignored
        }

        /// Reads the markup at `lt` (a `<`), moving `position` past it; nil when the `<` is text.
        mutating func markup(at lt: Int) -> Markup? {
            let next = lt + 1 < bytes.count ? bytes[lt + 1] : 0
            if next == UInt8(ascii: "!") {
                if starts("<!--", at: lt) {
                    // Comments, and with them conditional blocks `<!--[if gte mso 9]>…<![endif]-->`.
                    position = find("-->", from: lt + 4).map { $0 + 3 } ?? bytes.count
                } else {
                    // `<!DOCTYPE …>`, `<![if !supportLists]>`, `<![endif]>`, `<![CDATA[…]]>`.
                    if starts("<![CDATA[", at: lt) {
                        position = find("]]>", from: lt + 9).map { $0 + 3 } ?? bytes.count
                    } else {
                        position = find(">", from: lt + 2).map { $0 + 1 } ?? bytes.count
                    }
                }
                return .ignored
            }
            if next == UInt8(ascii: "?") {
                position = find(">", from: lt + 2).map { $0 + 1 } ?? bytes.count
                return .ignored
            }
            let isEnd = next == UInt8(ascii: "/")
            var i = lt + (isEnd ? 2 : 1)
            guard i < bytes.count, isLetter(bytes[i]) else { return nil }
            let nameStart = i
            while i < bytes.count, isNameByte(bytes[i]) { i += 1 }
            let name = nameStart..<i
            let info = HTMLReader.info(bytes[name])
            // Only a cell's attributes are read (its spans); other tags' are only passed over.
            let readsAttributes = !isEnd && info.kind == .cell
            var attributes: [(name: String, value: String)] = []
            var selfClosing = false
            // Attributes, up to the `>` that is not inside quotes.
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: ">") { i += 1; break }
                if b == UInt8(ascii: "/") { selfClosing = i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: ">"); i += 1; continue }
                if isSpace(b) { i += 1; continue }
                let aStart = i
                while i < bytes.count, !isSpace(bytes[i]), bytes[i] != UInt8(ascii: "="), bytes[i] != UInt8(ascii: ">"),
                      !(bytes[i] == UInt8(ascii: "/") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: ">")) { i += 1 }
                let aEnd = i
                var j = i
                while j < bytes.count, isSpace(bytes[j]) { j += 1 }
                var value = ""
                if j < bytes.count, bytes[j] == UInt8(ascii: "=") {
                    j += 1
                    while j < bytes.count, isSpace(bytes[j]) { j += 1 }
                    if j < bytes.count, bytes[j] == 0x22 || bytes[j] == 0x27 {
                        let quote = bytes[j]
                        if let close = find(quote, from: j + 1) {
                            if readsAttributes { value = String(decoding: bytes[(j + 1)..<close], as: UTF8.self) }
                            j = close + 1
                        } else {
                            // An unclosed quote: the tag ends at the next `>`.
                            let end = find(">", from: j) ?? bytes.count
                            if readsAttributes { value = String(decoding: bytes[(j + 1)..<end], as: UTF8.self) }
                            j = end
                        }
                    } else {
                        let vStart = j
                        while j < bytes.count, !isSpace(bytes[j]), bytes[j] != UInt8(ascii: ">") { j += 1 }
                        if readsAttributes { value = String(decoding: bytes[vStart..<j], as: UTF8.self) }
                    }
                    i = j
                }
                if readsAttributes, aEnd > aStart {
                    attributes.append((String(decoding: bytes[aStart..<aEnd], as: UTF8.self).lowercased(), HTMLEntities.decode(value)))
                }
                if i == aStart { i += 1 }
            }
            position = i
            return .tag(Tag(name: name, info: info, isEnd: isEnd, attributes: attributes, selfClosing: selfClosing))
        }

        mutating func apply(_ markup: Markup, at lt: Int) {
            guard case .tag(let tag) = markup else { return }
            let info = tag.info
            if inHead {
                if tag.isEnd && info.kind == .head { inHead = false; return }
                if !tag.isEnd && !info.inHead { inHead = false } else if !info.skipped || tag.isEnd { return }
            }
            if !tag.isEnd && info.kind == .head { inHead = true; return }
            if !tag.isEnd && info.skipped && !tag.selfClosing {
                // Skip to the matching end tag; without one, only the tag itself is dropped.
                if let end = findEndTag(bytes[tag.name], from: position) { position = end }
                if info.breaksWhenSkipped { breakLine() }
                return
            }
            switch info.kind {
            case .table:
                breakLine()
                if tag.isEnd { builder.closeTable() } else { builder.openTable() }
            case .row:
                breakLine()
                if tag.isEnd { builder.closeRow() } else { builder.openRow(line: line(at: lt)) }
            case .cell:
                breakLine()
                if tag.isEnd {
                    builder.closeCell()
                } else {
                    let colspan = number(tag.attribute("colspan")) ?? 1
                    let rowspan = number(tag.attribute("rowspan")) ?? 1
                    builder.openCell(MarkupTable.Cell(colspan: colspan == 0 ? 1 : colspan, rowspan: rowspan), line: line(at: lt))
                }
            case .pre:
                breakLine()
                preDepth = max(0, preDepth + (tag.isEnd ? -1 : 1))
            case .other, .head:
                if info.block { breakLine() }
            }
        }

        mutating func breakLine() {
            builder.breakParagraph()
            pendingSpace = false
        }

        /// Leading digits of an attribute value (`2`, ` 3 `, `2px`), as browsers read spans.
        func number(_ s: String?) -> Int? {
            guard let s else { return nil }
            let digits = s.trimmingCharacters(in: .whitespaces).prefix { $0.isASCIIDigit }
            return digits.isEmpty ? nil : Int(digits.prefix(6))
        }

        /// Text between `from` and `to`: entities decoded, whitespace collapsed (kept in `<pre>`).
        mutating func emitText(_ from: Int, _ to: Int) {
            guard from < to, !inHead else { return }
            if preDepth == 0, !bytes[from..<to].contains(UInt8(ascii: "&")) {
                // Most text between tags: no reference to decode, so its whitespace is collapsed
                // straight from the page's bytes (and the many runs of whitespace alone make no string).
                collapse(bytes[from..<to], from: from)
                return
            }
            let raw = String(decoding: bytes[from..<to], as: UTF8.self)
            let decoded = raw.has("&") ? HTMLEntities.decode(raw) : raw  // a byte test, not Foundation search
            if preDepth > 0 {
                // Preformatted: each source line is a line.
                var lineNumber = line(at: from)
                var piece = ""
                for u in decoded.unicodeScalars {
                    if u == "\n" || u == "\r" {
                        builder.text(piece, line: lineNumber)
                        builder.breakParagraph()
                        piece = ""
                        if u == "\n" { lineNumber += 1 }
                    } else {
                        piece.unicodeScalars.append(u)
                    }
                }
                builder.text(piece, line: lineNumber)
                return
            }
            collapse(decoded.utf8, from: from)
        }

        /// Adds `text` (found at `from` in the page) to the paragraph with its whitespace
        /// collapsed. On bytes: the whitespace collapsed is ASCII, never part of a longer
        /// character's bytes.
        mutating func collapse<C: Collection>(_ text: C, from: Int) where C.Element == UInt8 {
            var out: [UInt8] = []
            for b in text {
                if isSpace(b) {
                    pendingSpace = true
                    continue
                }
                if out.isEmpty { out.reserveCapacity(text.count + 1) }
                if pendingSpace { out.append(0x20); pendingSpace = false }
                out.append(b)
            }
            guard !out.isEmpty else { return }
            var firstVisible = from
            while firstVisible < bytes.count, isSpace(bytes[firstVisible]) { firstVisible += 1 }
            builder.text(String(decoding: out, as: UTF8.self), line: line(at: firstVisible))
        }

        func starts(_ s: String, at i: Int) -> Bool {
            let n = Array(s.utf8)
            guard i + n.count <= bytes.count else { return false }
            for k in 0..<n.count where bytes[i + k] != n[k] { return false }
            return true
        }

        func find(_ s: String, from: Int) -> Int? {
            let n = Array(s.utf8)
            guard let first = n.first else { return nil }
            var i = from
            while i + n.count <= bytes.count {
                if bytes[i] == first {
                    var k = 1
                    while k < n.count && bytes[i + k] == n[k] { k += 1 }
                    if k == n.count { return i }
                }
                i += 1
            }
            return nil
        }

        func find(_ b: UInt8, from: Int) -> Int? {
            var i = from
            while i < bytes.count {
                if bytes[i] == b { return i }
                i += 1
            }
            return nil
        }

        /// The offset just past `</name…>` (any case; `name` is ASCII, any case), or nil.
        func findEndTag(_ name: ArraySlice<UInt8>, from: Int) -> Int? {
            let n = name.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
            var i = from
            while i + 2 + n.count <= bytes.count {
                if bytes[i] == UInt8(ascii: "<") && bytes[i + 1] == UInt8(ascii: "/") {
                    var k = 0
                    while k < n.count {
                        let b = bytes[i + 2 + k]
                        if (b >= 0x41 && b <= 0x5A ? b + 0x20 : b) != n[k] { break }
                        k += 1
                    }
                    let after = i + 2 + n.count
                    if k == n.count, after >= bytes.count || !isNameByte(bytes[after]) {
                        return find(">", from: after).map { $0 + 1 } ?? bytes.count
                    }
                }
                i += 1
            }
            return nil
        }

        func isLetter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }

        func isNameByte(_ b: UInt8) -> Bool {
            isLetter(b) || (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: ":") || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
        }

        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0C }
    }
}

/// HTML character references: `&amp;`, `&nbsp;`, `&#12288;`, `&#x3000;`, and the
/// named ones Chinese government pages use.
public enum HTMLEntities {
    static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}",
        "ensp": "\u{2002}", "emsp": "\u{2003}", "thinsp": "\u{2009}", "zwnj": "\u{200C}", "zwj": "\u{200D}",
        "lrm": "\u{200E}", "rlm": "\u{200F}", "shy": "\u{AD}",
        "ldquo": "\u{201C}", "rdquo": "\u{201D}", "lsquo": "\u{2018}", "rsquo": "\u{2019}", "sbquo": "\u{201A}",
        "bdquo": "\u{201E}", "laquo": "\u{AB}", "raquo": "\u{BB}", "lsaquo": "\u{2039}", "rsaquo": "\u{203A}",
        "mdash": "\u{2014}", "ndash": "\u{2013}", "hellip": "\u{2026}", "middot": "\u{B7}", "bull": "\u{2022}",
        "sdot": "\u{22C5}", "times": "\u{D7}", "divide": "\u{F7}", "plusmn": "\u{B1}", "minus": "\u{2212}",
        "deg": "\u{B0}", "permil": "\u{2030}", "prime": "\u{2032}", "Prime": "\u{2033}", "sect": "\u{A7}",
        "para": "\u{B6}", "copy": "\u{A9}", "reg": "\u{AE}", "trade": "\u{2122}", "yen": "\u{A5}", "cent": "\u{A2}",
        "pound": "\u{A3}", "euro": "\u{20AC}", "curren": "\u{A4}", "micro": "\u{B5}", "iexcl": "\u{A1}", "iquest": "\u{BF}",
        "frac12": "\u{BD}", "frac14": "\u{BC}", "frac34": "\u{BE}", "sup1": "\u{B9}", "sup2": "\u{B2}", "sup3": "\u{B3}",
        "ordf": "\u{AA}", "ordm": "\u{BA}", "not": "\u{AC}", "macr": "\u{AF}", "acute": "\u{B4}", "uml": "\u{A8}",
        "cedil": "\u{B8}", "circ": "\u{2C6}", "tilde": "\u{2DC}", "larr": "\u{2190}", "uarr": "\u{2191}", "rarr": "\u{2192}",
        "darr": "\u{2193}", "harr": "\u{2194}", "lArr": "\u{21D0}", "rArr": "\u{21D2}", "hArr": "\u{21D4}",
        "le": "\u{2264}", "ge": "\u{2265}", "ne": "\u{2260}", "asymp": "\u{2248}", "equiv": "\u{2261}", "infin": "\u{221E}",
        "sum": "\u{2211}", "radic": "\u{221A}", "lowast": "\u{2217}", "oline": "\u{203E}", "frasl": "\u{2044}",
        "loz": "\u{25CA}", "dagger": "\u{2020}", "Dagger": "\u{2021}", "alpha": "\u{3B1}", "beta": "\u{3B2}",
        "gamma": "\u{3B3}", "delta": "\u{3B4}", "mu": "\u{3BC}", "pi": "\u{3C0}", "sigma": "\u{3C3}", "Omega": "\u{3A9}",
        "quest": "?", "excl": "!", "num": "#", "percnt": "%", "lpar": "(", "rpar": ")", "comma": ",", "period": ".",
        "colon": ":", "semi": ";", "sol": "/", "bsol": "\\", "lsqb": "[", "rsqb": "]", "lcub": "{", "rcub": "}",
        "verbar": "|", "ast": "*", "plus": "+", "equals": "=", "dollar": "$", "commat": "@", "lowbar": "_",
        "hyphen": "\u{2010}", "dash": "\u{2010}", "ideographicspace": "\u{3000}",
    ]

    /// Names browsers also accept without the `;`.
    static let legacy: Set<String> = ["amp", "lt", "gt", "quot", "nbsp", "copy", "reg"]

    /// Windows-1252 for references 0x80–0x9F, as browsers read them (`&#150;` is `–`).
    static let windows1252: [UInt32: UInt32] = [
        0x80: 0x20AC, 0x82: 0x201A, 0x83: 0x0192, 0x84: 0x201E, 0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021, 0x88: 0x02C6,
        0x89: 0x2030, 0x8A: 0x0160, 0x8B: 0x2039, 0x8C: 0x0152, 0x8E: 0x017D, 0x91: 0x2018, 0x92: 0x2019, 0x93: 0x201C,
        0x94: 0x201D, 0x95: 0x2022, 0x96: 0x2013, 0x97: 0x2014, 0x98: 0x02DC, 0x99: 0x2122, 0x9A: 0x0161, 0x9B: 0x203A,
        0x9C: 0x0153, 0x9E: 0x017E, 0x9F: 0x0178,
    ]

    public static func decode(_ s: String) -> String {
        guard s.has("&") else { return s }
        let scalars = Array(s.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        func isAlnum(_ u: Unicode.Scalar) -> Bool {
            (u >= "a" && u <= "z") || (u >= "A" && u <= "Z") || (u >= "0" && u <= "9")
        }
        while i < scalars.count {
            let c = scalars[i]
            guard c == "&" else { out.append(c); i += 1; continue }
            var j = i + 1
            if j < scalars.count, scalars[j] == "#" {
                j += 1
                var hex = false
                if j < scalars.count, scalars[j] == "x" || scalars[j] == "X" { hex = true; j += 1 }
                let digitsStart = j
                var value: UInt32 = 0
                while j < scalars.count, j - digitsStart < 8 {
                    let u = scalars[j]
                    let d: UInt32?
                    if u >= "0" && u <= "9" { d = u.value - 0x30 }
                    else if hex && u >= "a" && u <= "f" { d = u.value - 0x61 + 10 }
                    else if hex && u >= "A" && u <= "F" { d = u.value - 0x41 + 10 }
                    else { d = nil }
                    guard let d else { break }
                    value = value * (hex ? 16 : 10) + d
                    j += 1
                }
                guard j > digitsStart else { out.append(c); i += 1; continue }
                if j < scalars.count, scalars[j] == ";" { j += 1 }
                if let mapped = windows1252[value] { value = mapped }
                out.append(Unicode.Scalar(value).flatMap { value == 0 ? nil : $0 } ?? "\u{FFFD}")
                i = j
                continue
            }
            while j < scalars.count, j - i <= 32, isAlnum(scalars[j]) { j += 1 }
            let name = String(String.UnicodeScalarView(scalars[(i + 1)..<j]))
            if j < scalars.count, scalars[j] == ";", let text = named[name] {
                out.append(contentsOf: text.unicodeScalars)
                i = j + 1
            } else if legacy.contains(name), let text = named[name] {
                out.append(contentsOf: text.unicodeScalars)
                i = j
            } else {
                out.append(c)
                i += 1
            }
        }
        return String(out)
    }
}
