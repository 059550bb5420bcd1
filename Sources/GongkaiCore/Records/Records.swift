/// The records the stages exchange, one JSON object per line. Every record
/// names its kind and version in `schema`; a stage refuses kinds it does not take.
public enum Schema {
    public static let document = "gongkai.document/1"
    public static let normalized = "gongkai.normalized/1"
    /// Version 2: a value's provenance is its line number alone when the cell's text is the value as written.
    public static let report = "gongkai.report/2"
    /// Reports as written before that: still read.
    public static let reportV1 = "gongkai.report/1"
    /// Version 2: a record of a grouped table may hold the cells its rows share once, in `same`.
    public static let table = "gongkai.table/2"
    /// Tables as written before `same`: still read (a version 1 record is a version 2 record without it).
    public static let tableV1 = "gongkai.table/1"

    /// The report and table schemas read: the one written, then the older ones.
    public static let reports = [report, reportV1]
    public static let tables = [table, tableV1]

    /// Every schema this gongkai reads (and, but for the older versions, writes).
    public static let all = Set([document, normalized] + reports + tables)
    /// The kinds of record a document's error can travel in.
    public static let perDocument = Set([document, normalized] + reports)

    /// The record's schema, or a fatal failure naming what was expected.
    public static func require(_ record: [String: JSON], oneOf accepted: [String], stage: String) throws -> String {
        guard let schema = record["schema"]?.stringValue else {
            throw StageFailure("record has no \"schema\" field; \(stage) reads \(accepted.joined(separator: " or ")) records")
        }
        guard accepted.contains(schema) else {
            throw StageFailure("record has schema \"\(schema)\"; \(stage) reads \(accepted.joined(separator: " or ")) records (run the stages in order: ingest → normalize → extract → aggregate → render)")
        }
        return schema
    }
}

/// A record a stage cannot take (no path, a field of the wrong kind): not fatal, the
/// stage writes an error record in its place (see `BadRecord`).
public struct RecordProblem: Error, CustomStringConvertible, Sendable {
    public let code: String
    public let message: String
    public init(code: String = "malformed_record", _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { message }
}

/// Why a document could not be read. It travels on through every stage and
/// appears in the outputs' inventory.
public struct RecordError: Equatable, Sendable {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var json: JSON { .object(["code": .string(code), "message": .string(message)]) }

    public init?(json: JSON?) {
        guard let json, let code = json["code"]?.stringValue else { return nil }
        self.code = code
        self.message = json["message"]?.stringValue ?? ""
    }
}

/// One input file as read by ingest: its identity and its decoded text, or an error.
public struct Document: Equatable, Sendable {
    /// Path relative to the corpus folder, `/`-separated.
    public var path: String
    public var bytes: Int
    /// Hex SHA-256 of the file's bytes; nil when the file could not be read.
    public var sha256: String?
    /// `text`, `markdown`, `html`, `pdf`, `docx`, or the unsupported kind found.
    public var format: String
    /// `utf-8`, `utf-8-bom`, `gb18030`, `utf-16le`, `utf-16be`; nil when not decoded.
    public var encoding: String?
    public var text: String?
    public var error: RecordError?
    /// What a person should know about how the file was read (a name that is not UTF-8,
    /// a text cut short in the middle of a character); written only when there is some.
    public var notes: [String]

    public init(path: String, bytes: Int, sha256: String?, format: String, encoding: String?, text: String?,
                error: RecordError? = nil, notes: [String] = []) {
        self.path = path
        self.bytes = bytes
        self.sha256 = sha256
        self.format = format
        self.encoding = encoding
        self.text = text
        self.error = error
        self.notes = notes
    }

    public var json: JSON {
        var o: [String: JSON] = [
            "schema": .string(Schema.document),
            "path": .string(path),
            "bytes": .int(bytes),
            "sha256": sha256.map(JSON.string) ?? .null,
            "format": .string(format),
            "encoding": encoding.map(JSON.string) ?? .null,
            "text": text.map(JSON.string) ?? .null,
        ]
        if let error { o["error"] = error.json }
        if !notes.isEmpty { o["notes"] = .array(notes.map(JSON.string)) }
        return .object(o)
    }

    public init(json o: [String: JSON]) throws {
        guard let path = o["path"]?.stringValue else { throw RecordProblem("a document record with no \"path\"") }
        self.path = path
        self.bytes = o["bytes"]?.intValue ?? 0
        self.sha256 = o["sha256"]?.stringValue
        self.format = o["format"]?.stringValue ?? "text"
        self.encoding = o["encoding"]?.stringValue
        self.text = o["text"]?.stringValue
        self.error = RecordError(json: o["error"])
        self.notes = (o["notes"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    /// A document record read straight from its bytes, as `init(json:)` reads it after
    /// `Schema.require`; nil for anything else (an alias table, an error record, another
    /// schema, a member twice or of an unexpected kind), which the general path then takes.
    /// Normalize reads 100,000 of them a run: the general path makes a dictionary of every
    /// member first.
    public static func decode(_ raw: [UInt8]) -> Document? {
        raw.withUnsafeBufferPointer { buffer -> Document? in
            var head = RecordHead()
            var text: String??, notes: [String]?
            let whole = RecordHead.readObject(buffer) { p, key in
                if try head.read(key, &p) { return true }
                switch key {
                case "text":
                    guard text == nil else { throw RecordHead.Unexpected() }
                    text = .some(try RecordHead.stringOrNull(&p))
                case "notes":
                    guard notes == nil else { throw RecordHead.Unexpected() }
                    notes = try p.parseStringArray()
                default:
                    return false
                }
                return true
            }
            guard whole, let f = head.fields(schema: Schema.document) else { return nil }
            return Document(path: f.path, bytes: f.bytes, sha256: f.sha256, format: f.format, encoding: f.encoding,
                            text: text ?? nil, notes: notes ?? [])
        }
    }
}

/// The members document and normalized records share (schema, path, bytes, sha256,
/// format, encoding, and a null error), read straight from a record's bytes by
/// `Document.decode` and `NormalizedDocument.decode`: each at most once and of the kind
/// the general reader takes, or the reader throws and the record goes the general way.
struct RecordHead {
    struct Unexpected: Error {}
    var schema: String?, path: String?, bytes: Int?
    var sha256: String??, format: String??, encoding: String??, error: Bool?

    /// Reads the value of `key` when it is one of these members (true); false for any other key.
    @inline(__always) mutating func read(_ key: String, _ p: inout JSONParser) throws -> Bool {
        switch key {
        case "schema":
            guard schema == nil, let s = try Self.stringOrNull(&p) else { throw Unexpected() }
            schema = s
        case "path":
            guard path == nil, let s = try Self.stringOrNull(&p) else { throw Unexpected() }
            path = s
        case "bytes":
            // A number, read as `intValue` reads it (0 when it is no whole number).
            guard bytes == nil, p.index < p.bytes.count, p.bytes[p.index] == UInt8(ascii: "-") || (0x30...0x39).contains(p.bytes[p.index])
            else { throw Unexpected() }
            bytes = Int(try p.parseNumber()) ?? 0
        case "sha256":
            guard sha256 == nil else { throw Unexpected() }
            sha256 = .some(try Self.stringOrNull(&p))
        case "format":
            guard format == nil else { throw Unexpected() }
            format = .some(try Self.stringOrNull(&p))
        case "encoding":
            guard encoding == nil else { throw Unexpected() }
            encoding = .some(try Self.stringOrNull(&p))
        case "error":
            // Only a null error: a real one is an error record, passed on by the general path.
            guard error == nil, p.index < p.bytes.count, p.bytes[p.index] == UInt8(ascii: "n") else { throw Unexpected() }
            try p.expectLiteral("null")
            error = false
        default:
            return false
        }
        return true
    }

    /// Reads the object that fills `buffer` (spaces around it allowed) member by member:
    /// `member` reads the value of a key it takes (true); the others are parsed and dropped
    /// (not merely skipped, which would let a bad escape or bad UTF-8 in them through where
    /// the general reader refuses the line). False when the bytes are not one whole object
    /// or `member` throws.
    static func readObject(_ buffer: UnsafeBufferPointer<UInt8>, _ member: (inout JSONParser, String) throws -> Bool) -> Bool {
        var p = JSONParser(bytes: buffer)
        do {
            p.skipWhitespace()
            guard p.index < buffer.count, buffer[p.index] == UInt8(ascii: "{") else { return false }
            try p.forEachMember { p, key in
                if try !member(&p, key) { _ = try p.parseValue(depth: 1) }
            }
            p.skipWhitespace()
            return p.index == buffer.count
        } catch {
            return false
        }
    }

    /// A string or null; anything else throws.
    @inline(__always) static func stringOrNull(_ p: inout JSONParser) throws -> String? {
        guard p.index < p.bytes.count else { throw Unexpected() }
        if p.bytes[p.index] == UInt8(ascii: "\"") { return try p.parseString() }
        if p.bytes[p.index] == UInt8(ascii: "n") { try p.expectLiteral("null"); return nil }
        throw Unexpected()
    }

    /// The shared fields of a record of schema `expected` that names its path and is not
    /// the alias table; nil for any other.
    func fields(schema expected: String) -> (path: String, bytes: Int, sha256: String?, format: String, encoding: String?)? {
        guard schema == expected, let path else { return nil }
        let f = format ?? nil
        if f == "aliases" { return nil }
        return (path, bytes ?? 0, sha256 ?? nil, f ?? "text", encoding ?? nil)
    }
}

/// One line of a normalized document: its 1-based line number in the decoded
/// text (for provenance) and its cells (one cell for a line of prose).
public struct Line: Equatable, Sendable {
    public var number: Int
    public var cells: [String]

    public init(number: Int, cells: [String]) {
        self.number = number
        self.cells = cells
    }

    /// The cells joined by tabs, the way provenance quotes a line.
    public var text: String { cells.joined(separator: "\t") }

    /// Whether the cells run together hold one of `needles` (`joined.has`), searched in
    /// their bytes copied to the stack: no string is made.
    public func joinedHas(anyOf needles: [String]) -> Bool {
        if cells.count == 1 { return needles.contains { cells[0].has($0) } }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(joinedCount, 1)) { buffer in
            let joined = UnsafeBufferPointer(rebasing: buffer[0..<copyCells(to: buffer)])
            return needles.contains { needle in
                var n = needle
                return n.withUTF8 { String.bytes(joined, contain: $0) }
            }
        }
    }

    /// The cells run together (`cells.joined()`), their bytes copied once into a string
    /// made at its size: the standard library's `joined` cost thousands of instructions a line.
    public var joined: String {
        if cells.count == 1 { return cells[0] }
        let total = joinedCount
        return total == 0 ? "" : String(unsafeUninitializedCapacity: total, initializingUTF8With: copyCells)
    }

    /// The number of bytes of the cells run together.
    var joinedCount: Int { cells.reduce(0) { $0 + $1.utf8.count } }

    /// Copies the cells' bytes one after another to `buffer` (room for `joinedCount`); how many.
    func copyCells(to buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var at = 0
        for var cell in cells {
            cell.withUTF8 { u in
                if let base = u.baseAddress, u.count > 0 {
                    UnsafeMutableRawPointer(buffer.baseAddress! + at).copyMemory(from: base, byteCount: u.count)
                }
                at += u.count
            }
        }
        return at
    }
}

/// A document in canonical form: lines of cells, markup and page furniture gone.
public struct NormalizedDocument: Equatable, Sendable {
    public var path: String
    public var bytes: Int
    public var sha256: String?
    public var format: String
    public var encoding: String?
    public var lines: [Line]

    public init(path: String, bytes: Int, sha256: String?, format: String, encoding: String?, lines: [Line]) {
        self.path = path
        self.bytes = bytes
        self.sha256 = sha256
        self.format = format
        self.encoding = encoding
        self.lines = lines
    }

    public var json: JSON {
        .object([
            "schema": .string(Schema.normalized),
            "path": .string(path),
            "bytes": .int(bytes),
            "sha256": sha256.map(JSON.string) ?? .null,
            "format": .string(format),
            "encoding": encoding.map(JSON.string) ?? .null,
            "lines": .array(lines.map { .object(["n": .int($0.number), "cells": .array($0.cells.map(JSON.string))]) }),
        ])
    }

    /// The bytes of `json` written, without building it (tested equal): every cell of
    /// every line goes straight from the strings.
    public func write(to out: inout [UInt8]) {
        func text(_ s: String?) {
            if let s { JSON.writeString(s, to: &out) } else { out.append(contentsOf: JSONBytes.null) }
        }
        out.append(contentsOf: NormalizedDocument.bytesKey)
        Report.write(Int64(bytes), to: &out)
        out.append(contentsOf: NormalizedDocument.encodingKey)
        text(encoding)
        out.append(contentsOf: NormalizedDocument.formatKey)
        text(format)
        out.append(contentsOf: NormalizedDocument.linesKey)
        for (k, line) in lines.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: NormalizedDocument.cellsKey)
            for (i, c) in line.cells.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSON.writeString(c, to: &out)
            }
            out.append(contentsOf: NormalizedDocument.numberKey)
            Report.write(Int64(line.number), to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: NormalizedDocument.pathKey)
        text(path)
        out.append(contentsOf: NormalizedDocument.schemaKey)
        out.append(contentsOf: NormalizedDocument.shaKey)
        text(sha256)
        out.append(UInt8(ascii: "}"))
    }

    static let bytesKey = Array(#"{"bytes":"#.utf8)
    static let encodingKey = Array(#","encoding":"#.utf8)
    static let formatKey = Array(#","format":"#.utf8)
    static let linesKey = Array(#","lines":["#.utf8)
    static let cellsKey = Array(#"{"cells":["#.utf8)
    static let numberKey = Array(#"],"n":"#.utf8)
    static let pathKey = Array(#"],"path":"#.utf8)
    static let schemaKey = Array(",\"schema\":\"\(Schema.normalized)\"".utf8)
    static let shaKey = Array(#","sha256":"#.utf8)

    public init(json o: [String: JSON]) throws {
        guard let path = o["path"]?.stringValue else { throw RecordProblem("a normalized record with no \"path\"") }
        self.path = path
        self.bytes = o["bytes"]?.intValue ?? 0
        self.sha256 = o["sha256"]?.stringValue
        self.format = o["format"]?.stringValue ?? "text"
        self.encoding = o["encoding"]?.stringValue
        var lines: [Line] = []
        for (i, l) in (o["lines"]?.arrayValue ?? []).enumerated() {
            let cells = (l["cells"]?.arrayValue ?? []).map { $0.stringValue ?? "" }
            lines.append(Line(number: l["n"]?.intValue ?? i + 1, cells: cells))
        }
        self.lines = lines
    }
}

extension NormalizedDocument {
    /// Reads a record straight from its bytes, without building JSON values, when it has
    /// exactly the shape normalize writes: the schema, no error, a string path, and lines
    /// of `{"cells":[strings…],"n":number}`. Nil for anything else (a repeated member,
    /// another type, an error record, the alias table, damaged JSON): the general reader
    /// then takes the line and gives what it always gave. Where it answers, it answers
    /// what `init(json:)` makes of the same bytes (tested).
    public static func decode(_ raw: [UInt8]) -> NormalizedDocument? {
        raw.withUnsafeBufferPointer { buffer -> NormalizedDocument? in
            var head = RecordHead()
            var lines: [Line]?
            let whole = RecordHead.readObject(buffer) { p, key in
                if try head.read(key, &p) { return true }
                guard key == "lines" else { return false }
                guard lines == nil else { throw RecordHead.Unexpected() }
                lines = try readLines(&p)
                return true
            }
            guard whole, let f = head.fields(schema: Schema.normalized) else { return nil }
            return NormalizedDocument(path: f.path, bytes: f.bytes, sha256: f.sha256, format: f.format, encoding: f.encoding,
                                      lines: lines ?? [])
        }
    }

    /// `[{"cells":[…],"n":…},…]`, each line with both members once, cells all strings.
    static func readLines(_ p: inout JSONParser) throws -> [Line] {
        struct Unexpected: Error {}
        guard p.index < p.bytes.count, p.bytes[p.index] == UInt8(ascii: "[") else { throw Unexpected() }
        p.index += 1
        var lines: [Line] = []
        p.skipWhitespace()
        if p.index < p.bytes.count, p.bytes[p.index] == UInt8(ascii: "]") { p.index += 1; return lines }
        while true {
            p.skipWhitespace()
            guard p.index < p.bytes.count, p.bytes[p.index] == UInt8(ascii: "{") else { throw Unexpected() }
            var number: Int??, cells: [String]?
            // The members read by their keys' bytes (`n`, `cells`), not as strings: a key that
            // is neither, or holds an escape, is left to the general reader.
            p.index += 1
            while true {
                p.skipWhitespace()
                guard p.index < p.bytes.count, p.bytes[p.index] == UInt8(ascii: "\"") else { throw Unexpected() }
                let keyStart = p.index + 1
                var keyEnd = keyStart
                while keyEnd < p.bytes.count, p.bytes[keyEnd] != UInt8(ascii: "\""), p.bytes[keyEnd] != UInt8(ascii: "\\") { keyEnd += 1 }
                guard keyEnd < p.bytes.count, p.bytes[keyEnd] == UInt8(ascii: "\"") else { throw Unexpected() }
                let isN = keyEnd - keyStart == 1 && p.bytes[keyStart] == UInt8(ascii: "n")
                let isCells = keyEnd - keyStart == 5 && p.bytes[keyStart] == UInt8(ascii: "c") && p.bytes[keyStart + 1] == UInt8(ascii: "e")
                    && p.bytes[keyStart + 2] == UInt8(ascii: "l") && p.bytes[keyStart + 3] == UInt8(ascii: "l") && p.bytes[keyStart + 4] == UInt8(ascii: "s")
                p.index = keyEnd + 1
                p.skipWhitespace()
                guard p.index < p.bytes.count, p.bytes[p.index] == UInt8(ascii: ":") else { throw Unexpected() }
                p.index += 1
                p.skipWhitespace()
                if isN {
                    guard number == nil, p.index < p.bytes.count, p.bytes[p.index] == UInt8(ascii: "-") || (0x30...0x39).contains(p.bytes[p.index])
                    else { throw Unexpected() }
                    number = .some(Int(try p.parseNumber()))
                } else if isCells {
                    guard cells == nil else { throw Unexpected() }
                    cells = try p.parseStringArray()
                } else {
                    throw Unexpected()
                }
                p.skipWhitespace()
                guard p.index < p.bytes.count else { throw Unexpected() }
                if p.bytes[p.index] == UInt8(ascii: ",") { p.index += 1; continue }
                if p.bytes[p.index] == UInt8(ascii: "}") { p.index += 1; break }
                throw Unexpected()
            }
            // Both members, as normalize writes them (anything else: the general reader).
            guard let number, let cells else { throw Unexpected() }
            lines.append(Line(number: number ?? lines.count + 1, cells: cells))
            p.skipWhitespace()
            guard p.index < p.bytes.count else { throw Unexpected() }
            if p.bytes[p.index] == UInt8(ascii: ",") { p.index += 1; continue }
            if p.bytes[p.index] == UInt8(ascii: "]") { p.index += 1; return lines }
            throw Unexpected()
        }
    }
}
