#if canImport(Glibc)
import Glibc
#endif

/// A JSON value, as the stages exchange it.
///
/// Numbers keep their source text (`.number("2.58")`), so a decimal read from a
/// report travels through every stage without a binary round trip. Objects are
/// written with sorted keys, so the same value always gives the same bytes.
public enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSON])
    case object([String: JSON])
    /// An object whose members are already in byte order of their keys: written as
    /// given, without sorting (the large objects of a report, built in catalog order).
    case ordered([Member])

    public struct Member: Equatable, Sendable {
        public var key: String
        public var value: JSON
        public init(_ key: String, _ value: JSON) {
            self.key = key
            self.value = value
        }
    }

    /// An ordered object from `pairs`, sorted here by key bytes.
    public static func sortedObject(_ pairs: [(String, JSON)]) -> JSON {
        .ordered(pairs.sorted { utf8Less($0.0, $1.0) }.map { Member($0.0, $0.1) })
    }

    public static func int(_ value: Int) -> JSON { .number(String(value)) }

    public subscript(key: String) -> JSON? {
        if case .object(let o) = self { return o[key] }
        // The last of a repeated key, as in a dictionary parsed from the same text.
        if case .ordered(let m) = self { return m.last { $0.key == key }?.value }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var intValue: Int? {
        if case .number(let n) = self { return Int(n) }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var arrayValue: [JSON]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: [String: JSON]? {
        if case .object(let o) = self { return o }
        if case .ordered(let m) = self { return Dictionary(m.map { ($0.key, $0.value) }, uniquingKeysWith: { _, b in b }) }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

// MARK: - Writing

extension JSON {
    /// Serializes compactly, keys sorted by their UTF-8 bytes, no escaped slashes.
    public func write(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: JSONBytes.null)
        case .bool(let b): out.append(contentsOf: b ? JSONBytes.true : JSONBytes.false)
        case .number(let n): out.append(utf8: n)
        case .string(let s): JSON.writeString(s, to: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                v.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            // Members sorted as pairs: no key looked up again in the table.
            var first = true
            for (key, value) in o.sorted(by: { JSON.utf8Less($0.key, $1.key) }) {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                JSON.writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .ordered(let members):
            out.append(UInt8(ascii: "{"))
            for (i, m) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSON.writeString(m.key, to: &out)
                out.append(UInt8(ascii: ":"))
                m.value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// The serialized text (compact, sorted keys).
    public var serialized: String {
        var out: [UInt8] = []
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Byte order, the same on every machine and locale.
    public static func utf8Less(_ a: String, _ b: String) -> Bool {
        // memcmp on the contiguous UTF-8 of native strings; the generic path otherwise.
        if let r = a.utf8.withContiguousStorageIfAvailable({ pa in
            b.utf8.withContiguousStorageIfAvailable { pb -> Bool in
                let n = min(pa.count, pb.count)
                let c = n == 0 ? 0 : memcmp(pa.baseAddress!, pb.baseAddress!, n)
                return c != 0 ? c < 0 : pa.count < pb.count
            }
        }), let less = r {
            return less
        }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Runs of bytes that need no escape are copied whole; only the others one by one.
        var s = s
        s.withUTF8 { p in
            var run = 0
            var i = 0
            while i < p.count {
                // Eight bytes at a time while none of them needs an escape (prose between line breaks).
                while i + 8 <= p.count, !JSONBytes.mayNeedEscape(UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: UInt64.self)) {
                    i += 8
                }
                guard i < p.count else { break }
                let b = p[i]
                if b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b == 0x7F {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: p[run..<i]))
                    switch b {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(b)
                    case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
                    case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
                    case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
                    default:
                        out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                        out.append(JSONBytes.hex[Int(b >> 4)])
                        out.append(JSONBytes.hex[Int(b & 0xF)])
                    }
                    run = i + 1
                }
                i += 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: p[run..<p.count]))
        }
        out.append(UInt8(ascii: "\""))
    }
}

enum JSONBytes {
    /// Whether any of the eight bytes of `w` is below 0x20, a quote, a backslash or 0x7F
    /// (those `writeString` escapes); exact when it says no (tested against each byte).
    @inline(__always) static func mayNeedEscape(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        /// A byte of `x` is zero.
        @inline(__always) func zero(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
        let below = (w &- ones &* 0x20) & ~w & highs
        return (below | zero(w ^ (ones &* 0x22)) | zero(w ^ (ones &* 0x5C)) | zero(w ^ (ones &* 0x7F))) != 0
    }

    static let null = Array("null".utf8)
    static let `true` = Array("true".utf8)
    static let `false` = Array("false".utf8)
    static let hex = Array("0123456789abcdef".utf8)
}

extension JSON {
    /// Whether a serialized record has a non-null top-level `"error"` (passed-through
    /// error records are counted without parsing them again).
    /// A quick test before `rawHasError`: records are written compactly, so a record with an
    /// error holds the bytes `"error":` (never inside a string, where quotes are escaped).
    static func rawMayHaveError(_ raw: [UInt8]) -> Bool { rawHas(raw, member: "error") }

    /// Whether a compact record holds a member named `member` (at any depth): its
    /// `"name":` bytes, which never occur inside a string, where quotes are escaped.
    static func rawHas(_ raw: [UInt8], member: String, memmem: MemMem? = JSON.memmem) -> Bool {
        let key = Array("\"\(member)\":".utf8)
        guard raw.count >= key.count else { return false }
        // glibc's memmem: one pass over a 20 KB record, not one call per quote.
        return raw.withUnsafeBytes { h in
            key.withUnsafeBytes { k in
                if let memmem { return memmem(h.baseAddress!, h.count, k.baseAddress!, k.count) != nil }
                var i = 0
                while i + k.count <= h.count {
                    guard let hit = memchr(h.baseAddress! + i, 0x22, h.count - k.count - i + 1) else { return false }
                    let at = h.baseAddress!.distance(to: UnsafeRawPointer(hit))
                    if memcmp(h.baseAddress! + at, k.baseAddress!, k.count) == 0 { return true }
                    i = at + 1
                }
                return false
            }
        }
    }

    typealias MemMem = @convention(c) (UnsafeRawPointer?, Int, UnsafeRawPointer?, Int) -> UnsafeMutableRawPointer?
    /// glibc's memmem (a GNU extension the Glibc module does not declare), looked up once.
    static let memmem: MemMem? = {
        guard let symbol = dlsym(nil, "memmem") else { return nil }  // nil: RTLD_DEFAULT
        return unsafeBitCast(symbol, to: MemMem.self)
    }()

    static func rawHasError(_ raw: [UInt8]) -> Bool {
        guard case .object(let o)? = try? JSON.parse(raw) else { return false }
        return o["error"].map { !$0.isNull } ?? false
    }
}

// MARK: - Parsing

/// Why a JSON text could not be read, and where.
public struct JSONParseError: Error, CustomStringConvertible, Sendable {
    public let offset: Int
    public let reason: String
    public var description: String { "\(reason) at byte \(offset + 1)" }
}

extension JSON {
    /// Parses one JSON value that must fill `bytes` (surrounding whitespace allowed).
    /// Members of the top-level object named in `skipping` are checked for syntax
    /// but not built (a stage that does not need a record's large parts).
    /// Objects that are members of the top-level object named in `listing`, or elements of
    /// an array that is, are built as `.ordered` member lists in the order written (not
    /// sorted, repeats kept: the last of a repeated key wins, as `subscript` reads them),
    /// which is cheaper than a dictionary for objects that are only read through.
    public static func parse(_ bytes: [UInt8], skipping: Set<String> = [], listing: Set<String> = []) throws -> JSON {
        try bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer)
            parser.skipKeys = skipping
            parser.listKeys = listing
            parser.skipWhitespace()
            let value = try parser.parseValue(depth: 0)
            parser.skipWhitespace()
            if parser.index != buffer.count { throw parser.error("unexpected text after the value") }
            return value
        }
    }

    public static func parse(_ text: String) throws -> JSON {
        try parse(Array(text.utf8))
    }
}

struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    /// Top-level keys whose values are skipped, not built.
    var skipKeys: Set<String> = []
    /// Top-level keys whose object values are built as member lists.
    var listKeys: Set<String> = []
    /// Deeper nesting than this is refused instead of overflowing the stack.
    static let maxDepth = 512

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    func error(_ reason: String) -> JSONParseError { JSONParseError(offset: index, reason: reason) }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws -> JSON {
        guard index < bytes.count else { throw error("unexpected end of input") }
        guard depth < JSONParser.maxDepth else { throw error("nesting too deep") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected character")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("unexpected end of input") }
        let lit = literal.utf8Start
        for i in 0..<count where bytes[index + i] != lit[i] { throw error("invalid literal") }
        index += count
    }

    mutating func parseObject(depth: Int) throws -> JSON {
        // Members gathered first, then put in a table made at its size (no regrowing);
        // a repeated key keeps its last value.
        var members: [(String, JSON)] = []
        try forEachMember { p, key in
            if depth == 0 && !p.skipKeys.isEmpty && p.skipKeys.contains(key) {
                try p.skipValue(depth: depth + 1)
            } else if depth == 0 && !p.listKeys.isEmpty && p.listKeys.contains(key), p.index < p.bytes.count,
                      p.bytes[p.index] == UInt8(ascii: "{") || p.bytes[p.index] == UInt8(ascii: "[") {
                members.append((key, p.bytes[p.index] == UInt8(ascii: "{") ? try p.parseMemberList(depth: depth + 1) : try p.parseArray(depth: depth + 1, listing: true)))
            } else {
                members.append((key, try p.parseValue(depth: depth + 1)))
            }
        }
        var object = [String: JSON](minimumCapacity: members.count)
        for (k, v) in members { object[k] = v }
        return .object(object)
    }

    /// An object as its members in the order written (see `JSON.parse(_:skipping:listing:)`).
    mutating func parseMemberList(depth: Int) throws -> JSON {
        guard depth < JSONParser.maxDepth else { throw error("nesting too deep") }
        var members: [JSON.Member] = []
        try forEachMember { p, key in members.append(JSON.Member(key, try p.parseValue(depth: depth + 1))) }
        return .ordered(members)
    }

    /// Reads an object from its `{` to its `}`, handing each key to `member`, which reads the value.
    mutating func forEachMember(_ member: (inout JSONParser, String) throws -> Void) throws {
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a key string") }
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
            index += 1
            skipWhitespace()
            try member(&self, key)
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return }
            throw error("expected ',' or '}'")
        }
    }

    /// Reads an array from its `[` to its `]`, handing each element to `element`, which reads it.
    mutating func forEachElement(_ element: (inout JSONParser) throws -> Void) throws {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "[") else { throw error("expected '['") }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return }
        while true {
            skipWhitespace()
            try element(&self)
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return }
            throw error("expected ',' or ']'")
        }
    }

    /// An array of strings and nothing else. (The loop of `forEachElement` written out: extract
    /// reads every line's cells through it, and the closure cost it a few tenths of a percent of its instructions.)
    @inline(__always) mutating func parseStringArray() throws -> [String] {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "[") else { throw error("expected '['") }
        index += 1
        var out: [String] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return out }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string") }
            out.append(try parseString())
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return out }
            throw error("expected ',' or ']'")
        }
    }

    /// `listing`: the array's objects are built as member lists (see `JSON.parse`).
    mutating func parseArray(depth: Int, listing: Bool = false) throws -> JSON {
        guard depth < JSONParser.maxDepth else { throw error("nesting too deep") }
        index += 1
        var array: [JSON] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(array) }
        while true {
            skipWhitespace()
            if listing, index < bytes.count, bytes[index] == UInt8(ascii: "{") {
                array.append(try parseMemberList(depth: depth + 1))
            } else {
                array.append(try parseValue(depth: depth + 1))
            }
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(array) }
            throw error("expected ',' or ']'")
        }
    }

    /// Moves past one value, checking its syntax, building nothing.
    mutating func skipValue(depth: Int) throws {
        guard index < bytes.count else { throw error("unexpected end of input") }
        guard depth < JSONParser.maxDepth else { throw error("nesting too deep") }
        switch bytes[index] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = bytes[index] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            let isObject = close == UInt8(ascii: "}")
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == close { index += 1; return }
            while true {
                skipWhitespace()
                if isObject {
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a key string") }
                    try skipString()
                    skipWhitespace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
                    index += 1
                    skipWhitespace()
                }
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard index < bytes.count else { throw error("unexpected end of input") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == close { index += 1; return }
                throw error("expected ',' or a closing bracket")
            }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try scanNumber()  // checked, not built
        default: _ = try parseValue(depth: depth)
        }
    }

    mutating func skipString() throws {
        index += 1
        // Eight bytes at a time while none is a quote, a backslash or a control character.
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while index + 8 <= bytes.count {
                let w = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if JSONParser.hasSpecialByte(w) { break }
                index += 8
            }
        }
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") { index += 1; return }
            if b == UInt8(ascii: "\\") { index += 2; continue }
            if b < 0x20 { throw error("control character in string") }
            index += 1
        }
        throw error("unterminated string")
    }

    /// Whether any byte of `w` is `"`, `\\` or below 0x20 (the bytes a string scan must stop at).
    @inline(__always) static func hasSpecialByte(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasZero(_ x: UInt64) -> Bool { (x &- ones) & ~x & highs != 0 }
        // A byte below 0x20: subtracting 0x20 borrows into its high bit (bytes ≥ 0x80 excluded by ~w).
        let low = (w &- ones &* 0x20) & ~w & highs
        return low != 0 || hasZero(w ^ (ones &* 0x22)) || hasZero(w ^ (ones &* 0x5C))
    }

    mutating func parseNumber() throws -> String {
        let start = index
        try scanNumber()
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    /// Moves past a number, checking its syntax.
    mutating func scanNumber() throws {
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        func digits(_ p: inout JSONParser) -> Int {
            let s = p.index
            while p.index < p.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(p.bytes[p.index]) { p.index += 1 }
            return p.index - s
        }
        guard digits(&self) > 0 else { throw error("invalid number") }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw error("invalid number") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw error("invalid number") }
        }
    }

    /// Moves past whole eight-byte words of a string's content that hold no quote, backslash
    /// or control character (`hasSpecialByte`); the bytes after are looked at one by one.
    @inline(__always) mutating func skipPlainWords() {
        guard let base = bytes.baseAddress else { return }
        let raw = UnsafeRawPointer(base)
        while index + 8 <= bytes.count, !JSONParser.hasSpecialByte(raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)) { index += 8 }
    }

    mutating func parseString() throws -> String {
        index += 1  // opening quote
        let start = index
        skipPlainWords()
        // Fast path: no escapes.
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                let s = try validated(start..<index)
                index += 1
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw error("control character in string") }
            index += 1
        }
        var out: [UInt8] = []
        // Room for the rest of the input (at most 64 KB): a document's text is most of its line.
        out.reserveCapacity(Swift.min(bytes.count - start, 1 << 16))
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            // The bytes up to the next quote, backslash or control character, copied at once
            // (eight at a time while none of them is one).
            let run = index
            skipPlainWords()
            while index < bytes.count {
                let c = bytes[index]
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 { break }
                index += 1
            }
            if index > run { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<index])) }
            guard index < bytes.count else { break }
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                index += 1
                guard let s = out.withUnsafeBufferPointer(JSONParser.string(validating:)) else { throw error("invalid UTF-8 in string") }
                return s
            }
            if b < 0x20 { throw error("control character in string") }
            index += 1
            guard index < bytes.count else { break }
            let e = bytes[index]
            index += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate must be followed by an escaped low surrogate.
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired surrogate")
                    }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw error("unpaired surrogate")
                }
                guard let u = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                out.append(contentsOf: UTF8.encode(u)!)
            default: throw error("invalid escape")
            }
        }
        throw error("unterminated string")
    }

    func validated(_ range: Range<Int>) throws -> String {
        guard let s = JSONParser.string(validating: UnsafeBufferPointer(rebasing: bytes[range])) else {
            throw JSONParseError(offset: range.lowerBound, reason: "invalid UTF-8 in string")
        }
        return s
    }

    /// The string of valid UTF-8 bytes, nil for invalid ones. `String(validating:as:)` took
    /// its generic path here (a thousand instructions a cell); decoding repairs invalid bytes
    /// instead, which always changes them, so equal bytes mean the input was valid.
    static func string(validating u: UnsafeBufferPointer<UInt8>) -> String? {
        let s = String(decoding: u, as: UTF8.self)
        var copy = s
        let same = copy.withUTF8 { d in d.count == u.count && (u.count == 0 || memcmp(d.baseAddress!, u.baseAddress!, u.count) == 0) }
        return same ? s : nil
    }

    mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("invalid \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let d: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw error("invalid \\u escape")
            }
            v = v << 4 | d
            index += 1
        }
        return v
    }
}
