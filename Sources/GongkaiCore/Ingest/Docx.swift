/// A Word .docx to text: its `word/document.xml` read with gongkai's own ZIP
/// reader, each paragraph a line, each table row a line of TAB-separated cells
/// with merged cells (`gridSpan`, `vMerge`) laid out as `MarkupTable` describes,
/// so the text reads like a tab-separated report.
enum DocxText {
    enum Outcome: Equatable {
        case text(String)
        case failure(RecordError)
    }

    static func extract(_ bytes: [UInt8]) -> Outcome {
        let xml: [UInt8]
        do {
            let zip = try ZipArchive(bytes)
            guard let entry = zip.entry(named: "word/document.xml") ?? mainPart(zip) else {
                return .failure(RecordError(code: "conversion_failed",
                                            message: "a .docx archive with no word/document.xml: not a Word document, or a damaged one. Open it in Word or WPS and save it again as .docx or PDF."))
            }
            xml = try zip.contents(of: entry)
        } catch {
            return .failure(RecordError(code: "conversion_failed",
                                        message: "a damaged .docx file (\(error)); open it in Word or WPS and save it again as .docx or PDF."))
        }
        let text = text(ofDocumentXML: xml)
        if text.unicodeScalars.allSatisfy({ TextClass.isSpace($0.value) || $0 == "\n" }) {
            return .failure(RecordError(code: "no_text_layer",
                                        message: "a .docx with no text (only pictures, e.g. pasted scans); run OCR on the pictures first, or get the report as text."))
        }
        return .text(text)
    }

    /// The main document part named in `_rels/.rels`, for archives that do not use the usual name.
    static func mainPart(_ zip: ZipArchive) -> ZipArchive.Entry? {
        guard let rels = zip.entry(named: "_rels/.rels"), let bytes = try? zip.contents(of: rels) else { return nil }
        var target: String?
        XMLScanner.scan(bytes) { event in
            if case .start(let name, let attributes, _) = event, name == "Relationship",
               let type = attributes["Type"], type.hasSuffix("/officeDocument"), let t = attributes["Target"] {
                target = t.hasPrefix("/") ? String(t.dropFirst()) : t
            }
        }
        return target.flatMap { zip.entry(named: $0) }
    }

    /// Lines of text from WordprocessingML.
    static func text(ofDocumentXML xml: [UInt8]) -> String {
        var builder = MarkupBuilder()
        var stack: [String] = []
        /// Depth inside content that is not shown: deleted text, field codes, fallbacks.
        var hidden = 0
        var inText = false
        let hiding: Set<String> = ["delText", "instrText", "Fallback", "moveFrom", "rPr", "pPr", "tblPr", "sectPr", "del"]
        XMLScanner.scan(xml) { event in
            switch event {
            case .start(let name, let attributes, let selfClosing):
                if !selfClosing { stack.append(name) }
                if hiding.contains(name) {
                    if !selfClosing { hidden += 1 }
                    return
                }
                guard hidden == 0 else { return }
                let parent = stack.count >= (selfClosing ? 1 : 2) ? stack[stack.count - (selfClosing ? 1 : 2)] : ""
                // The cell and row properties that lay out merged cells.
                switch name {
                case "gridSpan" where parent == "tcPr":
                    let n = Int(attributes["val"] ?? "") ?? 1
                    builder.updateCell { $0.colspan = max(1, min(n, 1000)) }
                    return
                case "vMerge" where parent == "tcPr":
                    let merge: MarkupTable.Cell.VerticalMerge = attributes["val"] == "restart" ? .restart : .continue
                    builder.updateCell { $0.verticalMerge = merge }
                    return
                case "gridBefore" where parent == "trPr":
                    builder.setSkipBefore(Int(attributes["val"] ?? "") ?? 0)
                    return
                default:
                    break
                }
                switch name {
                case "p":
                    builder.breakParagraph()  // a paragraph inside a text box ends the text before it
                case "tbl": builder.openTable()
                case "tr": builder.openRow(line: 0)
                case "tc": builder.openCell(MarkupTable.Cell(), line: 0)
                case "t": inText = !selfClosing
                case "tab" where parent == "r":
                    // A tab separates cells in a paragraph; inside a table cell it is a space.
                    builder.text(builder.inCell ? " " : "\t", line: 0)
                case "br" where parent == "r", "cr" where parent == "r":
                    builder.breakParagraph()
                case "noBreakHyphen": builder.text("-", line: 0)
                default: break
                }
            case .end(let name):
                if let i = stack.lastIndex(of: name) { stack.removeSubrange(i...) }
                if hiding.contains(name) { hidden = max(0, hidden - 1); return }
                guard hidden == 0 else { return }
                switch name {
                case "p": builder.breakParagraph()
                case "tbl": builder.closeTable()
                case "tr": builder.closeRow()
                case "tc": builder.closeCell()
                case "t": inText = false
                default: break
                }
            case .text(let s):
                if inText && hidden == 0 { builder.text(s, line: 0) }
            }
        }
        var lines: [String] = []
        for item in builder.finish() {
            switch item {
            case .paragraph(let text, _):
                lines.append(text)
            case .row(let cells, _):
                lines.append(cells.map { cell in
                    String(String.UnicodeScalarView(cell.unicodeScalars.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 }))
                }.joined(separator: "\t"))
            }
        }
        return lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
    }
}

/// A minimal XML scanner for the parts of an Office file: elements by local name
/// (prefix dropped), attributes by local name, text with the five entities and
/// character references decoded. Comments, processing instructions and DTDs are skipped.
enum XMLScanner {
    enum Event {
        case start(String, [String: String], selfClosing: Bool)
        case end(String)
        case text(String)
    }

    static func localName(_ bytes: ArraySlice<UInt8>) -> String {
        let colon = bytes.lastIndex(of: UInt8(ascii: ":")).map { $0 + 1 } ?? bytes.startIndex
        return String(decoding: bytes[colon...], as: UTF8.self)
    }

    static func decode(_ bytes: ArraySlice<UInt8>) -> String {
        let s = String(decoding: bytes, as: UTF8.self)
        return s.contains("&") ? HTMLEntities.decode(s) : s
    }

    static func scan(_ xml: [UInt8], _ handle: (Event) -> Void) {
        var i = 0
        let n = xml.count
        // A UTF-8 byte-order mark.
        if xml.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        func find(_ pattern: [UInt8], from: Int) -> Int? {
            var k = from
            while k + pattern.count <= n {
                if xml[k] == pattern[0] {
                    var m = 1
                    while m < pattern.count && xml[k + m] == pattern[m] { m += 1 }
                    if m == pattern.count { return k }
                }
                k += 1
            }
            return nil
        }
        var textStart = i
        while i < n {
            guard xml[i] == UInt8(ascii: "<") else { i += 1; continue }
            if textStart < i { handle(.text(decode(xml[textStart..<i]))) }
            let next = i + 1 < n ? xml[i + 1] : 0
            if next == UInt8(ascii: "?") {
                i = find(Array("?>".utf8), from: i + 2).map { $0 + 2 } ?? n
            } else if next == UInt8(ascii: "!") {
                if xml[i...].starts(with: Array("<!--".utf8)) {
                    i = find(Array("-->".utf8), from: i + 4).map { $0 + 3 } ?? n
                } else if xml[i...].starts(with: Array("<![CDATA[".utf8)) {
                    let end = find(Array("]]>".utf8), from: i + 9) ?? n
                    handle(.text(String(decoding: xml[(i + 9)..<end], as: UTF8.self)))
                    i = min(n, end + 3)
                } else {
                    i = find([UInt8(ascii: ">")], from: i + 2).map { $0 + 1 } ?? n
                }
            } else if next == UInt8(ascii: "/") {
                let end = find([UInt8(ascii: ">")], from: i + 2) ?? n
                var nameEnd = i + 2
                while nameEnd < end, !isSpace(xml[nameEnd]) { nameEnd += 1 }
                handle(.end(localName(xml[(i + 2)..<nameEnd])))
                i = min(n, end + 1)
            } else {
                // A start tag: name, attributes (quoted values may hold `>`), `/>` or `>`.
                var k = i + 1
                while k < n, !isSpace(xml[k]), xml[k] != UInt8(ascii: ">"), xml[k] != UInt8(ascii: "/") { k += 1 }
                let name = localName(xml[(i + 1)..<k])
                var attributes: [String: String] = [:]
                var selfClosing = false
                while k < n {
                    let b = xml[k]
                    if b == UInt8(ascii: ">") { k += 1; break }
                    if b == UInt8(ascii: "/") { selfClosing = true; k += 1; continue }
                    if isSpace(b) { k += 1; continue }
                    let aStart = k
                    while k < n, xml[k] != UInt8(ascii: "="), !isSpace(xml[k]), xml[k] != UInt8(ascii: ">") { k += 1 }
                    let aName = localName(xml[aStart..<k])
                    while k < n, isSpace(xml[k]) { k += 1 }
                    guard k < n, xml[k] == UInt8(ascii: "=") else { if k == aStart { k += 1 }; continue }
                    k += 1
                    while k < n, isSpace(xml[k]) { k += 1 }
                    guard k < n, xml[k] == 0x22 || xml[k] == 0x27 else { continue }
                    let quote = xml[k]
                    let vEnd = find([quote], from: k + 1) ?? n
                    attributes[aName] = decode(xml[(k + 1)..<vEnd])
                    k = min(n, vEnd + 1)
                }
                // A self-closing element gets no `.end`.
                if !name.isEmpty { handle(.start(name, attributes, selfClosing: selfClosing)) }
                i = k
            }
            textStart = i
        }
        if textStart < n { handle(.text(decode(xml[textStart..<n]))) }
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
}
