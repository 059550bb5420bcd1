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

    public static func decode(_ bytes: [UInt8]) -> Outcome {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            guard let s = String(validating: bytes[3...], as: UTF8.self) else {
                return .undecodable(reason: "UTF-8 byte-order mark, but the bytes after it are not valid UTF-8")
            }
            return checked(s, encoding: "utf-8-bom")
        }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            let little = bytes[0] == 0xFF
            guard (bytes.count - 2) % 2 == 0,
                  let s = String(data: Data(bytes[2...]), encoding: little ? .utf16LittleEndian : .utf16BigEndian)
            else {
                return .undecodable(reason: "UTF-16 byte-order mark, but the bytes after it are not valid UTF-16")
            }
            return checked(s, encoding: little ? "utf-16le" : "utf-16be")
        }
        if let s = String(validating: bytes, as: UTF8.self) {
            return checked(s, encoding: "utf-8")
        }
        if let s = String(data: Data(bytes), encoding: gb18030) {
            return checked(s, encoding: "gb18030")
        }
        return .undecodable(reason: "the bytes are neither UTF-8, GB18030/GBK nor UTF-16 with a byte-order mark")
    }

    /// An HTML page: byte-order mark, then the charset its `<meta>` (or XML
    /// declaration) names, then the same fallbacks as text.
    ///
    /// A page declared GBK/GB2312 whose bytes are valid UTF-8 with non-ASCII text
    /// is read as UTF-8: crawlers re-save pages in UTF-8 and keep the old `<meta>`,
    /// while GBK text of any length is practically never valid UTF-8.
    public static func decodeHTML(_ bytes: [UInt8]) -> Outcome {
        if hasBOM(bytes) { return decode(bytes) }
        switch declaredCharset(bytes) {
        case "gb18030", "gbk", "gb2312", "x-gbk", "cp936", "ms936", "windows-936", "euc-cn", "csgb2312", "gb_2312-80", "chinese":
            let validUTF8 = String(validating: bytes, as: UTF8.self) != nil
            if !(validUTF8 && bytes.contains(where: { $0 >= 0x80 })), let s = String(data: Data(bytes), encoding: gb18030) {
                return checked(s, encoding: "gb18030")
            }
        case "big5", "big5-hkscs", "cn-big5", "x-x-big5":
            if String(validating: bytes, as: UTF8.self) == nil, let s = String(data: Data(bytes), encoding: big5) {
                return checked(s, encoding: "big5")
            }
        default:
            break  // utf-8, none, or one gongkai does not decode: the fallbacks decide
        }
        return decode(bytes)
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
        var controls = 0, total = 0
        for u in s.unicodeScalars {
            total += 1
            let v = u.value
            if v < 0x20 && v != 0x09 && v != 0x0A && v != 0x0D && v != 0x0C { controls += 1 }
        }
        if total > 0 && controls * 100 > total {
            return .undecodable(reason: "decodes as \(encoding) but \(controls) of \(total) characters are control characters: binary data, not text")
        }
        return .text(s, encoding: encoding)
    }
}
