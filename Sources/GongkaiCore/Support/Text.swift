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

    /// A scalar that is always a character of its own and has no canonical decomposition
    /// to another such scalar: printable ASCII, Latin-1 letters and signs, general and CJK
    /// punctuation, CJK ideographs, full-width forms. In a string of these alone,
    /// characters are scalars and canonical equality is byte equality, so the standard
    /// library's grapheme-aware `split`, `hasPrefix`, `hasSuffix` and `count` can be done on bytes.
    @inline(__always) public static func isSimple(_ v: UInt32) -> Bool {
        if v < 0x80 { return v >= 0x20 && v < 0x7F }
        if v < 0x100 { return v >= 0xA0 && v != 0xAD }
        if v >= 0x4E00 && v <= 0x9FFF { return true }
        if v >= 0x3000 && v <= 0x303F { return v < 0x302A || v > 0x302F }
        if v >= 0xFF01 && v <= 0xFF9D { return true }
        if v >= 0x2010 && v <= 0x205E { return v < 0x2028 || v > 0x202F }
        return v >= 0x3400 && v <= 0x4DBF
    }

    /// Whitespace, including the ideographic space and the invisible ones converters leave.
    @inline(__always) public static func isSpace(_ v: UInt32) -> Bool {
        v == 0x20 || v == 0x09 || v == 0xA0 || v == 0x3000 || (0x2000...0x200B).contains(v) || v == 0xFEFF
            || v == 0x0B || v == 0x0C || v == 0x202F || v == 0x205F
    }
}

extension String {
    /// Removes every whitespace character: the form labels are compared in.
    public var withoutSpaces: String {
        // Most cells hold no space at all: then the string itself, not a copy built scalar by scalar.
        if !mayHaveSpace { return self }
        var s = String.UnicodeScalarView()
        for u in unicodeScalars where !TextClass.isSpace(u.value) && u.value != 0x0A && u.value != 0x0D {
            s.append(u)
        }
        return String(s)
    }

    /// Whether the UTF-8 bytes may hold a character `withoutSpaces` removes (false: certainly none).
    /// Tested byte by byte against the encodings of those characters: ASCII controls and space,
    /// U+00A0 (C2 A0), U+2000–U+200B, U+202F, U+205F (E2 80/81 …), U+3000 (E3 80 80), U+FEFF (EF BB BF).
    var mayHaveSpace: Bool {
        var found = false
        let scanned: Void? = utf8.withContiguousStorageIfAvailable { u in
            let n = u.count
            var i = 0
            while i < n {
                let b = u[i]
                if b <= 0x20 { found = true; return }
                if b >= 0xC2 {
                    let b1: UInt8 = i + 1 < n ? u[i + 1] : 0
                    let b2: UInt8 = i + 2 < n ? u[i + 2] : 0
                    switch b {
                    case 0xC2 where b1 == 0xA0,
                         0xE2 where (b1 == 0x80 && (b2 <= 0x8B || b2 == 0xAF)) || (b1 == 0x81 && b2 == 0x9F),
                         0xE3 where b1 == 0x80 && b2 == 0x80,
                         0xEF where b1 == 0xBB && b2 == 0xBF:
                        found = true
                        return
                    default: break
                    }
                }
                i += 1
            }
        }
        return scanned == nil ? true : found
    }

    /// Whether every scalar is `TextClass.isSimple`: characters are scalars, equality is bytes.
    public var isSimpleText: Bool { allScalars(TextClass.isSimple) }

    /// Whether some scalar is a Han ideograph (`TextClass.isHan`).
    public var containsHan: Bool { !allScalars { !TextClass.isHan($0) } }

    /// The number of Unicode scalars (`unicodeScalars.count`), counted on the bytes: every
    /// byte but a continuation byte starts one.
    public var scalarCount: Int {
        let counted = utf8.withContiguousStorageIfAvailable { u -> Int in
            var n = 0
            for b in u where b & 0xC0 != 0x80 { n += 1 }
            return n
        }
        return counted ?? unicodeScalars.count
    }

    /// Calls `body` with each scalar's value in order (decoded as `allScalars` decodes them).
    @inline(__always) public func forEachScalarValue(_ body: (UInt32) -> Void) {
        _ = allScalars { body($0); return true }
    }

    /// Whether `test` holds for every scalar's value, stopping at the first that fails. The
    /// scalars are decoded from the contiguous UTF-8 (always valid in a String): the standard
    /// library's scalar view, index by index, ran several times slower.
    @inline(__always) public func allScalars(_ test: (UInt32) -> Bool) -> Bool {
        let decoded = utf8.withContiguousStorageIfAvailable { u -> Bool in
            var i = 0
            while i < u.count {
                let (v, length) = String.scalar(u, at: i)
                if !test(v) { return false }
                i += length
            }
            return true
        }
        if let decoded { return decoded }
        for u in unicodeScalars where !test(u.value) { return false }
        return true
    }

    /// `split(separator: " ")` as strings, on bytes when the text is simple (the same result:
    /// a space there is a character of its own).
    public func splitOnSpaces() -> [String] {
        guard isSimpleText else { return split(separator: " ").map(String.init) }
        return split(byte: 0x20, omittingEmpty: true)
    }

    /// The pieces between each `byte` (an ASCII byte): where that byte is always a character
    /// of its own (a control character, or any ASCII byte in simple text), the same pieces as
    /// the standard library's `split(separator:omittingEmptySubsequences:)`.
    public func split(byte: UInt8, omittingEmpty: Bool) -> [String] {
        var out: [String] = []
        var s = self
        s.withUTF8 { u in
            var start = 0
            for i in 0..<u.count where u[i] == byte {
                if i > start || !omittingEmpty { out.append(String(decoding: UnsafeBufferPointer(rebasing: u[start..<i]), as: UTF8.self)) }
                start = i + 1
            }
            if u.count > start || !omittingEmpty { out.append(String(decoding: UnsafeBufferPointer(rebasing: u[start..<u.count]), as: UTF8.self)) }
        }
        return out
    }

    /// `hasSuffix(suffix)` for a simple `suffix`: compared on bytes when this text is simple too.
    public func endsWith(simple suffix: String) -> Bool {
        guard isSimpleText else { return hasSuffix(suffix) }
        let a = utf8, b = suffix.utf8
        return a.count >= b.count && a.suffix(b.count).elementsEqual(b)
    }

    /// Trims whitespace (including ideographic spaces) at both ends.
    public var trimmed: String {
        // Most texts have nothing to trim: told from the first and last scalars' bytes.
        if let untouched = utf8.withContiguousStorageIfAvailable({ String.trimsNothing($0) }), untouched { return self }
        let scalars = unicodeScalars
        var start = scalars.startIndex, end = scalars.endIndex
        while start < end, TextClass.isSpace(scalars[start].value) { start = scalars.index(after: start) }
        while end > start, TextClass.isSpace(scalars[scalars.index(before: end)].value) { end = scalars.index(before: end) }
        return String(scalars[start..<end])
    }

    /// Whether valid UTF-8 `u` neither starts nor ends with a scalar `trimmed` removes (an
    /// empty text trims nothing either).
    static func trimsNothing(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !u.isEmpty else { return true }
        if TextClass.isSpace(scalar(u, at: 0).value) { return false }
        var start = u.count - 1
        while start > 0, u[start] & 0xC0 == 0x80 { start -= 1 }
        return !TextClass.isSpace(scalar(u, at: start).value)
    }

    /// The scalar whose UTF-8 starts at `i` of valid UTF-8 `u`, and its length in bytes.
    @inline(__always) static func scalar(_ u: UnsafeBufferPointer<UInt8>, at i: Int) -> (value: UInt32, length: Int) {
        let b = UInt32(u[i])
        if b < 0x80 { return (b, 1) }
        if b < 0xE0 { return ((b & 0x1F) << 6 | UInt32(u[i + 1] & 0x3F), 2) }
        if b < 0xF0 { return ((b & 0x0F) << 12 | UInt32(u[i + 1] & 0x3F) << 6 | UInt32(u[i + 2] & 0x3F), 3) }
        return ((b & 0x07) << 18 | UInt32(u[i + 1] & 0x3F) << 12 | UInt32(u[i + 2] & 0x3F) << 6 | UInt32(u[i + 3] & 0x3F), 4)
    }
}

extension String {
    /// Whether `needle` occurs in this string, comparing UTF-8 bytes (no Foundation,
    /// no grapheme breaking: labels and phrases are plain text).
    public func has(_ needle: String) -> Bool {
        var hay = self, pin = needle
        return hay.withUTF8 { h in pin.withUTF8 { n in String.bytes(h, contain: n) } }
    }

    /// Whether `n` occurs in `h`: memchr for one byte of it, memcmp for the whole. The byte
    /// looked for is the first, or the third when the needle starts with a character of three
    /// bytes: in Chinese text a lead byte (E4…E9) starts every sixth character or so, a
    /// given continuation byte far fewer.
    static func bytes(_ h: UnsafeBufferPointer<UInt8>, contain n: UnsafeBufferPointer<UInt8>) -> Bool {
        if n.isEmpty { return true }
        if n.count > h.count { return false }
        let anchor = n.count >= 3 && n[0] >= 0xE0 && n[0] < 0xF0 ? 2 : 0
        let byte = Int32(n[anchor])
        let base = h.baseAddress!
        // Candidate starts run from `base` to `last`; the anchor byte sits `anchor` after each.
        let last = base + (h.count - n.count)
        var p = base + anchor
        let end = last + anchor + 1
        while p < end {
            guard let hit = memchr(p, byte, end - p) else { return false }
            let q = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self))
            if memcmp(q - anchor, n.baseAddress!, n.count) == 0 { return true }
            p = q + 1
        }
        return false
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

extension String {
    /// The text of valid UTF-8 `bytes`, nil when they are not valid UTF-8: what
    /// `String(validating:as: UTF8.self)` answers, without its generic path, which cost
    /// a thousand instructions a call here (`JSONParser.string(validating:)`).
    public init?<C: Collection>(utf8 bytes: C) where C.Element == UInt8 {
        if let s = bytes.withContiguousStorageIfAvailable({ JSONParser.string(validating: $0) }) {
            guard let s else { return nil }
            self = s
        } else {
            guard let s = String(validating: bytes, as: UTF8.self) else { return nil }
            self = s
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends the string's UTF-8 bytes in one copy (`append(contentsOf: s.utf8)` went
    /// byte by byte through the view's generic path).
    @inline(__always) public mutating func append(utf8 s: String) {
        var s = s
        s.withUTF8 { append(contentsOf: $0) }
    }
}
