#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Character classes and small text helpers shared by the stages.
public enum TextClass {
    /// A Han ideograph (the CJK blocks reports use).
    @inline(__always) public static func isHan(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0xF900...0xFAFF).contains(v)
            || (0x20000...0x2FFFF).contains(v) || v == 0x3007  // 〇
    }

    /// CJK punctuation that survives NFKC (、。《》“”— and friends).
    @inline(__always) public static func isCJKPunctuation(_ v: UInt32) -> Bool {
        (0x3000...0x303F).contains(v) || (0x2018...0x201F).contains(v) || v == 0x2014 || v == 0x2026
            || (0xFF01...0xFF65).contains(v)
    }

    @inline(__always) public static func isCJK(_ v: UInt32) -> Bool { isHan(v) || isCJKPunctuation(v) }

    @inline(__always) public static func isDigit(_ v: UInt32) -> Bool { v >= 0x30 && v <= 0x39 }

    /// Whitespace, including the ideographic space and the invisible ones converters leave.
    @inline(__always) public static func isSpace(_ v: UInt32) -> Bool {
        v == 0x20 || v == 0x09 || v == 0xA0 || v == 0x3000 || (0x2000...0x200B).contains(v) || v == 0xFEFF
            || v == 0x0B || v == 0x0C || v == 0x202F || v == 0x205F
    }
}

extension String {
    /// Removes every whitespace character: the form labels are compared in.
    public var withoutSpaces: String {
        var s = String.UnicodeScalarView()
        for u in unicodeScalars where !TextClass.isSpace(u.value) && u.value != 0x0A && u.value != 0x0D {
            s.append(u)
        }
        return String(s)
    }

    /// Trims whitespace (including ideographic spaces) at both ends.
    public var trimmed: String {
        let scalars = unicodeScalars
        var start = scalars.startIndex, end = scalars.endIndex
        while start < end, TextClass.isSpace(scalars[start].value) { start = scalars.index(after: start) }
        while end > start, TextClass.isSpace(scalars[scalars.index(before: end)].value) { end = scalars.index(before: end) }
        return String(scalars[start..<end])
    }
}

extension String {
    /// Whether `needle` occurs in this string, comparing UTF-8 bytes (no Foundation,
    /// no grapheme breaking: labels and phrases are plain text).
    public func has(_ needle: String) -> Bool {
        var hay = self, pin = needle
        return hay.withUTF8 { h in
            pin.withUTF8 { n in
                if n.isEmpty { return true }
                if n.count > h.count { return false }
                // memchr for the first byte, memcmp for the rest.
                let first = Int32(n[0])
                var p = h.baseAddress!
                let end = h.baseAddress! + (h.count - n.count + 1)
                while p < end {
                    guard let hit = memchr(p, first, end - p) else { return false }
                    let q = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(q, n.baseAddress!, n.count) == 0 { return true }
                    p = q + 1
                }
                return false
            }
        }
    }
}

/// Searching arrays of Unicode scalars: CJK text is one scalar per character, so
/// offsets here are character offsets.
extension Array where Element == Unicode.Scalar {
    public func firstRange(of needle: [Unicode.Scalar], from start: Int = 0) -> Range<Int>? {
        guard !needle.isEmpty, needle.count <= count else { return nil }
        let first = needle[0]
        var i = start
        let last = count - needle.count
        while i <= last {
            if self[i] == first {
                var j = 1
                while j < needle.count && self[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i..<(i + needle.count) }
            }
            i += 1
        }
        return nil
    }
}
