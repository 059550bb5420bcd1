import Foundation

/// Bytes to Unicode text: BOM, strict UTF-8, GB18030 (covers GBK and GB2312), UTF-16 with a BOM;
/// for HTML pages, the charset the page declares comes right after the BOM.
public enum TextDecoding {
    /// GB18030 through Foundation's CoreFoundation encoding number; works on Linux.
    static let gb18030 = String.Encoding(rawValue: 0x8000_0632)

    public enum Outcome: Equatable {
        case text(String, encoding: String)
        case undecodable(reason: String)
    }

    public static func decode(_ bytes: [UInt8]) -> Outcome { decodeNoting(bytes).outcome }

    /// What a text cut short in the middle of a character is told with.
    static func cutNote(_ dropped: Int, _ encoding: String) -> String {
        "the text ends in the middle of a character: the file was cut short (an interrupted download or copy?); the last \(dropped) byte\(dropped == 1 ? "" : "s") of \(encoding) were dropped. Get a complete copy of the report."
    }

    /// `decode`, and a note when the text had to be read without its last, incomplete character.
    public static func decodeNoting(_ bytes: [UInt8]) -> (outcome: Outcome, note: String?) {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            if let s = String(utf8: bytes[3...]) { return (checked(s, encoding: "utf-8-bom"), nil) }
            if let (s, dropped) = utf8WithoutCutTail(bytes[3...]) {
                return (checked(s, encoding: "utf-8-bom"), cutNote(dropped, "UTF-8"))
            }
            return (.undecodable(reason: "UTF-8 byte-order mark, but the bytes after it are not valid UTF-8"), nil)
        }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            let little = bytes[0] == 0xFF
            // An odd byte at the end is half a character: the file was cut short.
            let odd = (bytes.count - 2) % 2
            guard bytes.count - 2 - odd > 0 || odd == 0, let s = String(data: Data(bytes[2..<(bytes.count - odd)]), encoding: little ? .utf16LittleEndian : .utf16BigEndian) else {
                return (.undecodable(reason: "UTF-16 byte-order mark, but the bytes after it are not valid UTF-16"), nil)
            }
            return (checked(s, encoding: little ? "utf-16le" : "utf-16be"), odd == 1 ? cutNote(1, "UTF-16") : nil)
        }
        if let s = String(utf8: bytes) {
            return (checked(s, encoding: "utf-8"), nil)
        }
        // Before GB18030: UTF-8 Chinese cut mid-character also decodes as GB18030, into nonsense.
        if let (s, dropped) = utf8WithoutCutTail(bytes[...]) {
            return (checked(s, encoding: "utf-8"), cutNote(dropped, "UTF-8"))
        }
        // Before GB18030 too: UTF-8 with a few damaged bytes also decodes as GB18030, into nonsense.
        if let (s, damaged) = utf8WithFewDamagedBytes(bytes) {
            return (checked(s, encoding: "utf-8"),
                    "\(damaged) place\(damaged == 1 ? "" : "s") in the file \(damaged == 1 ? "is" : "are") not valid UTF-8 (damaged bytes?) and \(damaged == 1 ? "is" : "are") shown as �; a number next to one may be read as blank. Get an undamaged copy of the report.")
        }
        if let s = String(data: Data(bytes), encoding: gb18030) {
            return (checked(s, encoding: "gb18030"), nil)
        }
        // GB18030 cut after the first byte(s) of a character.
        for k in 1...3 where bytes.count > k && (0x81...0xFE).contains(bytes[bytes.count - k]) {
            if let s = String(data: Data(bytes[..<(bytes.count - k)]), encoding: gb18030) {
                return (checked(s, encoding: "gb18030"), cutNote(k, "GB18030"))
            }
        }
        return (.undecodable(reason: "the bytes are neither UTF-8, GB18030/GBK nor UTF-16 with a byte-order mark: binary data, or an encoding gongkai does not read. Open the file in an editor and save it as UTF-8 text."), nil)
    }

    /// UTF-8 text with a few damaged bytes: at most 16 invalid sequences, and at least 20
    /// valid multi-byte characters for each (GBK text is invalid UTF-8 almost everywhere).
    /// The text with U+FFFD in their place, and how many there were.
    static func utf8WithFewDamagedBytes(_ bytes: [UInt8]) -> (String, Int)? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var invalid = 0, multibyte = 0
        loop: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): if encoded.count > 1 { multibyte += 1 }
            case .error:
                invalid += 1
                if invalid > 16 { return nil }
            case .emptyInput: break loop
            }
        }
        guard invalid > 0, multibyte >= 20 * invalid else { return nil }
        return (String(decoding: bytes, as: UTF8.self), invalid)
    }

    /// Valid UTF-8 but for an incomplete character at the very end: the text without it,
    /// and how many bytes were dropped.
    static func utf8WithoutCutTail(_ bytes: ArraySlice<UInt8>) -> (String, Int)? {
        guard !bytes.isEmpty else { return nil }
        var i = bytes.endIndex - 1
        var continuation = 0
        while i > bytes.startIndex, continuation < 3, bytes[i] & 0xC0 == 0x80 {
            i -= 1
            continuation += 1
        }
        let lead = bytes[i]
        let length = (0xC2...0xDF).contains(lead) ? 2 : (0xE0...0xEF).contains(lead) ? 3 : (0xF0...0xF4).contains(lead) ? 4 : 0
        guard length > 0, continuation + 1 < length else { return nil }
        guard let s = String(utf8: bytes[bytes.startIndex..<i]) else { return nil }
        return (s, bytes.endIndex - i)
    }

    /// An HTML page: byte-order mark, then the charset its `<meta>` (or XML
    /// declaration) names, then the same fallbacks as text.
    ///
    /// A page declared GBK/GB2312 whose bytes are valid UTF-8 with non-ASCII text
    /// is read as UTF-8: crawlers re-save pages in UTF-8 and keep the old `<meta>`,
    /// while GBK text of any length is practically never valid UTF-8.
    public static func decodeHTML(_ bytes: [UInt8]) -> Outcome { decodeHTMLNoting(bytes).outcome }

    /// `decodeHTML`, and a note when the text had to be read without its last, incomplete character.
    public static func decodeHTMLNoting(_ bytes: [UInt8]) -> (outcome: Outcome, note: String?) {
        if hasBOM(bytes) { return decodeNoting(bytes) }
        switch declaredCharset(bytes) {
        case "gb18030", "gbk", "gb2312", "x-gbk", "cp936", "ms936", "windows-936", "euc-cn", "csgb2312", "gb_2312-80", "chinese":
            let validUTF8 = String(utf8: bytes) != nil
            if !(validUTF8 && bytes.contains(where: { $0 >= 0x80 })), let s = String(data: Data(bytes), encoding: gb18030) {
                return (checked(s, encoding: "gb18030"), nil)
            }
        case "big5", "big5-hkscs", "cn-big5", "x-x-big5":
            if String(utf8: bytes) == nil, let s = String(data: Data(bytes), encoding: big5) {
                return (checked(s, encoding: "big5"), nil)
            }
        default:
            break  // utf-8, none, or one gongkai does not decode: the fallbacks decide
        }
        return decodeNoting(bytes)
    }

    /// Big5 (Taiwan, Hong Kong) through its CoreFoundation encoding number.
    static let big5 = String.Encoding(rawValue: 0x8000_0A03)

    static func hasBOM(_ bytes: [UInt8]) -> Bool {
        bytes.starts(with: [0xEF, 0xBB, 0xBF]) || bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF])
    }

    /// The charset a page declares in its first 16 KB, lowercased: `<meta charset=gbk>`,
    /// `<meta http-equiv="Content-Type" content="text/html; charset=gb2312">`, or
    /// `<?xml … encoding="gb2312"?>`. Nil when it declares none.
    public static func declaredCharset(_ bytes: [UInt8]) -> String? {
        // ASCII-lowercased head; the declaration itself is ASCII in every encoding gongkai reads.
        let head = bytes.prefix(16_384).map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
        func find(_ needle: String, from: Int) -> Int? {
            let n = Array(needle.utf8)
            guard head.count >= n.count, from <= head.count - n.count else { return nil }
            var i = from
            while i <= head.count - n.count {
                if head[i] == n[0] && Array(head[i..<(i + n.count)]) == n { return i }
                i += 1
            }
            return nil
        }
        /// The name after `key=` inside `tag`, quotes and spaces allowed around it.
        func value(after key: String, in tag: ArraySlice<UInt8>) -> String? {
            let k = Array(key.utf8)
            var i = tag.startIndex
            while i + k.count <= tag.endIndex {
                if Array(tag[i..<(i + k.count)]) == k {
                    var j = i + k.count
                    while j < tag.endIndex, tag[j] == 0x20 || tag[j] == 0x09 || tag[j] == 0x0A || tag[j] == 0x0D { j += 1 }
                    if j < tag.endIndex, tag[j] == UInt8(ascii: "=") {
                        j += 1
                        while j < tag.endIndex, tag[j] == 0x20 || tag[j] == 0x22 || tag[j] == 0x27 || tag[j] == 0x09 { j += 1 }
                        var name: [UInt8] = []
                        while j < tag.endIndex, name.count < 40 {
                            let c = tag[j]
                            let ok = (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F || c == 0x2E || c == 0x3A
                            if !ok { break }
                            name.append(c)
                            j += 1
                        }
                        if !name.isEmpty { return String(decoding: name, as: UTF8.self) }
                    }
                }
                i += 1
            }
            return nil
        }
        if head.starts(with: Array("<?xml".utf8)), let end = find("?>", from: 0),
           let name = value(after: "encoding", in: head[0..<end]) {
            return name
        }
        var from = 0
        while let start = find("<meta", from: from) {
            let end = find(">", from: start) ?? head.count
            if let name = value(after: "charset", in: head[start..<end]) { return name }
            from = start + 5
        }
        return nil
    }

    /// Text that decodes but is mostly control characters is binary data, not a report.
    static func checked(_ s: String, encoding: String) -> Outcome {
        let (controls, total) = controlCount(s)
        if total > 0 && controls * 100 > total {
            return .undecodable(reason: "decodes as \(encoding) but \(controls) of \(total) characters are control characters: binary data, not text")
        }
        return .text(s, encoding: encoding)
    }

    /// The control characters of `s` (below U+0020, but tab, line feed, form feed and carriage
    /// return) and all its characters (Unicode scalars), counted on its UTF-8 bytes: a control
    /// character is one byte, and a scalar is one byte that does not continue another.
    static func controlCount(_ s: String) -> (controls: Int, total: Int) {
        var s = s
        return s.withUTF8 { p in
            var controls = 0, continuing = 0
            for b in p {
                if b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D && b != 0x0C { controls += 1 }
                if b & 0xC0 == 0x80 { continuing += 1 }
            }
            return (controls, p.count - continuing)
        }
    }

    /// `controlCount` as it was first written, scalar by scalar (the tests' reference).
    static func controlCountByScalars(_ s: String) -> (controls: Int, total: Int) {
        var controls = 0, total = 0
        for u in s.unicodeScalars {
            total += 1
            let v = u.value
            if v < 0x20 && v != 0x09 && v != 0x0A && v != 0x0D && v != 0x0C { controls += 1 }
        }
        return (controls, total)
    }
}
