import Foundation

/// Bytes to Unicode text: BOM, strict UTF-8, GB18030 (covers GBK and GB2312), UTF-16 with a BOM.
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
