import Testing
@testable import GongkaiCore

/// Normalize writes its records straight to bytes and extract reads well-formed ones
/// straight from them: the bytes are those of the record's JSON, the reading is the
/// general reader's, and every other line is left to the general reader.
@Suite struct NormalizedDecodeTests {
    static func general(_ raw: [UInt8]) throws -> NormalizedDocument {
        guard case .object(let o) = try JSON.parse(raw) else { throw StageFailure("not an object") }
        return try NormalizedDocument(json: o)
    }

    @Test func wellFormedRecordsReadTheSameAsByTheGeneralReader() throws {
        var generator = Generator(seed: 5)
        var docs = generator.corpus(count: 60).map { s in
            Normalizer.normalize(Document(path: s.fileName, bytes: s.text.utf8.count, sha256: SHA256.hex(Array(s.text.utf8)),
                                          format: s.style.format, encoding: "utf-8", text: s.text))
        }
        docs.append(NormalizedDocument(path: "空.txt", bytes: 0, sha256: nil, format: "text", encoding: nil, lines: []))
        docs.append(NormalizedDocument(path: "a\"b\\c\n.txt", bytes: -3, sha256: "x", format: "markdown", encoding: "gb18030",
                                       lines: [Line(number: 7, cells: []), Line(number: 0, cells: ["", "\t\u{1}", "政府\u{2028}"])]))
        for doc in docs {
            let raw = Array(doc.json.serialized.utf8)
            var direct: [UInt8] = []
            doc.write(to: &direct)
            #expect(direct == raw, "\(doc.path): written straight differs from its JSON")
            let fast = try #require(NormalizedDocument.decode(raw), "\(doc.path)")
            #expect(fast == doc)
            #expect(fast == (try Self.general(raw)))
        }
    }

    @Test func anythingElseIsLeftToTheGeneralReader() throws {
        let good = #"{"bytes":3,"encoding":"utf-8","format":"text","lines":[{"cells":["甲"],"n":1}],"path":"a.txt","schema":"gongkai.normalized/1","sha256":"x"}"#
        #expect(NormalizedDocument.decode(Array(good.utf8)) != nil)
        // Whitespace, members in another order, an unknown member and a null error are still this shape.
        let spaced = #" { "schema" : "gongkai.normalized/1", "path":"a.txt", "extra":{"k":[1,{"z":null}]}, "error":null, "lines":[ {"n":2, "cells":[ "乙" , "" ]} ] } "#
        let s = try #require(NormalizedDocument.decode(Array(spaced.utf8)))
        #expect(s == (try Self.general(Array(spaced.utf8))))
        #expect(s.lines == [Line(number: 2, cells: ["乙", ""])] && s.format == "text" && s.bytes == 0)
        let others = [
            good.replacingOccurrences(of: "normalized/1", with: "document/1"),                 // another stage's record
            good.replacingOccurrences(of: #""format":"text""#, with: #""format":"aliases""#),   // the alias table
            good.replacingOccurrences(of: #""path":"a.txt""#, with: #""path":"a.txt","path":"b.txt""#),  // a repeated member
            good.replacingOccurrences(of: #""n":1"#, with: #""n":"1""#),                        // another type
            good.replacingOccurrences(of: #"["甲"]"#, with: #"["甲",2]"#),
            good.replacingOccurrences(of: #","n":1"#, with: ""),                                 // a line without its number
            good.replacingOccurrences(of: #""sha256":"x""#, with: #""sha256":"x","error":{"code":"unreadable","message":"m"}"#),
            good.replacingOccurrences(of: #""path":"a.txt""#, with: #""path":null"#),
            good.replacingOccurrences(of: #""sha256":"x""#, with: #""sha256":"x","zz":["\q"]"#),   // a bad escape in a member not read
            String(good.dropLast()),                                                              // cut short
            good + "x",                                                                           // text after the record
            good.replacingOccurrences(of: "甲", with: "\\ud800"),                                 // a lone surrogate
            "[]", "",
        ]
        for o in others { #expect(NormalizedDocument.decode(Array(o.utf8)) == nil, "\(o)") }
    }
}

/// Normalize reads well-formed document records straight from their bytes: the reading
/// is the general reader's (`Document(json:)` after the schema check), and every other
/// line is left to the general reader.
@Suite struct DocumentDecodeTests {
    static func general(_ raw: [UInt8]) throws -> Document {
        guard case .object(let o) = try JSON.parse(raw) else { throw StageFailure("not an object") }
        _ = try Schema.require(o, oneOf: [Schema.document], stage: "test")
        return try Document(json: o)
    }

    @Test func wellFormedRecordsReadTheSameAsByTheGeneralReader() throws {
        var generator = Generator(seed: 9)
        var docs = generator.corpus(count: 40).map { s in
            Document(path: s.fileName, bytes: s.text.utf8.count, sha256: SHA256.hex(Array(s.text.utf8)), format: s.style.format,
                     encoding: "utf-8", text: s.text)
        }
        docs.append(Document(path: "空.txt", bytes: 0, sha256: nil, format: "text", encoding: nil, text: nil))
        docs.append(Document(path: "a\"b\\c\n.html", bytes: 12, sha256: "x", format: "html", encoding: "gb18030",
                             text: "<p>政府\u{2028}\t\u{1}</p>", notes: ["名称不是 UTF-8", ""]))
        docs.append(Document(path: "b.txt", bytes: 7, sha256: "y", format: "text", encoding: "utf-8-bom", text: "", notes: []))
        for doc in docs {
            let raw = Array(doc.json.serialized.utf8)
            let fast = try #require(Document.decode(raw), "\(doc.path)")
            #expect(fast == doc)
            #expect(fast == (try Self.general(raw)))
        }
    }

    @Test func anythingElseIsLeftToTheGeneralReader() throws {
        let good = #"{"bytes":3,"encoding":"utf-8","format":"text","path":"a.txt","schema":"gongkai.document/1","sha256":"x","text":"甲"}"#
        #expect(Document.decode(Array(good.utf8)) == Document(path: "a.txt", bytes: 3, sha256: "x", format: "text", encoding: "utf-8", text: "甲"))
        // Whitespace, members in another order, an unknown member, a null error and notes are still this shape.
        let spaced = #" { "schema" : "gongkai.document/1", "path":"a.txt", "extra":{"k":[1,{"z":null}]}, "error":null, "notes":[ "n1" , "n2" ], "text":null } "#
        let s = try #require(Document.decode(Array(spaced.utf8)))
        #expect(s == (try Self.general(Array(spaced.utf8))))
        #expect(s.text == nil && s.format == "text" && s.bytes == 0 && s.notes == ["n1", "n2"])
        // A count as the general reader takes it: negative as it is, not a whole number as 0.
        for (written, read) in [("-3", -3), ("3.5", 0), ("1e3", 0)] {
            let raw = Array(good.replacingOccurrences(of: #""bytes":3"#, with: "\"bytes\":\(written)").utf8)
            let d = try #require(Document.decode(raw), "\(written)")
            let general = try Self.general(raw)
            #expect(d.bytes == read && d == general)
        }
        let others = [
            good.replacingOccurrences(of: "document/1", with: "normalized/1"),                   // another stage's record
            good.replacingOccurrences(of: #""format":"text""#, with: #""format":"aliases""#),   // the alias table
            good.replacingOccurrences(of: #""path":"a.txt""#, with: #""path":"a.txt","path":"b.txt""#),  // a repeated member
            good.replacingOccurrences(of: #""bytes":3"#, with: #""bytes":"3""#),                // another type
            good.replacingOccurrences(of: #""text":"甲""#, with: #""text":["甲"]"#),
            good.replacingOccurrences(of: #""sha256":"x""#, with: #""sha256":"x","notes":["a",1]"#),
            good.replacingOccurrences(of: #""sha256":"x""#, with: #""sha256":"x","error":{"code":"unreadable","message":"m"}"#),
            good.replacingOccurrences(of: #""path":"a.txt""#, with: #""path":null"#),
            good.replacingOccurrences(of: #""path":"a.txt","#, with: ""),                       // no path
            String(good.dropLast()),                                                              // cut short
            good + "x",                                                                           // text after the record
            good.replacingOccurrences(of: "甲", with: "\\ud800"),                               // a lone surrogate
            // A member this reader does not take, which the general reader refuses all the same.
            good.replacingOccurrences(of: #""text":"甲""#, with: #""text":"甲","zz":"\ud800""#),
            good.replacingOccurrences(of: #""text":"甲""#, with: #""text":"甲","zz":"\q""#),
            good.replacingOccurrences(of: #""text":"甲""#, with: #""text":"甲","zz":{"\q":1}"#),
            "[]", "",
        ]
        for o in others {
            #expect(Document.decode(Array(o.utf8)) == nil, "\(o)")
            if o.contains("zz") { #expect(throws: (any Error).self) { try Self.general(Array(o.utf8)) } }
        }
        // Bytes that are not UTF-8 in such a member: refused by both readers too.
        let badBytes = Array(good.dropLast().utf8) + Array(#","zz":""#.utf8) + [0xFF] + Array(#""}"#.utf8)
        #expect(Document.decode(badBytes) == nil)
        #expect(throws: (any Error).self) { try Self.general(badBytes) }
    }
}

/// Aggregate reads report records' values straight into their slots; what it reads must be
/// what the general reader reads (compared through the cache's encoding, which holds every field).
@Suite struct ReportFastInputTests {
    static func general(_ raw: [UInt8]) throws -> Aggregator.Input {
        guard case .record(let o) = BadRecord.check(raw, line: 1, stage: "test", skipping: Aggregator.unusedMembers, listing: ["values"]) else {
            throw StageFailure("not a record")
        }
        return try Aggregator.input(from: o)
    }

    @Test func reportsReadTheSameAsByTheGeneralReader() throws {
        var generator = Generator(seed: 17)
        var reports = generator.corpus(count: 80).map { extractReport(text: $0.text, path: $0.fileName, format: $0.style.format) }
        var odd = Report(path: "odd.txt", sha256: nil, bytes: 3, sourceFormat: "text")
        odd.values["apply.received.total"] = .some(Quantity(mantissa: -12345, scale: 2))
        odd.values["apply.received.commercial"] = .some(nil)
        odd.values["not.in.catalog"] = .some(Quantity(7))
        odd.status = "not_a_report"
        odd.findings = [Finding(check: "not_a_report", severity: .warning, message: "不是")]
        reports.append(odd)
        for r in reports {
            var raw: [UInt8] = []
            r.write(to: &raw)
            let fast = try #require(Aggregator.fastInput(raw), "\(r.path)")
            #expect(InputCodec.encode(fast) == InputCodec.encode(try Self.general(raw)), "\(r.path)")
        }
        // Escaped keys, repeated ids (the last wins), a number that is no quantity, spacing.
        let hand = #" {"schema":"gongkai.report/1","path":"h.txt","values":{"apply.received.total":1, "apply\u002ereceived.commercial":2,"apply.received.total":3,"review.total":1e5,"x":null},"provenance":{"a":{"line":1,"text":"t"}}} "#
        let fast = try #require(Aggregator.fastInput(Array(hand.utf8)))
        #expect(InputCodec.encode(fast) == InputCodec.encode(try Self.general(Array(hand.utf8))))
        #expect(fast.report?.values["apply.received.total"] == .some(Quantity(3)))
        #expect(fast.report?.values["apply.received.commercial"] == .some(Quantity(2)))
        #expect(fast.report?.values["review.total"] == .some(nil))
    }

    @Test func otherLinesAreLeftToTheGeneralReader() {
        let good = #"{"schema":"gongkai.report/1","path":"a.txt","values":{"review.total":1}}"#
        #expect(Aggregator.fastInput(Array(good.utf8)) != nil)
        let others = [
            good.replacingOccurrences(of: "report/1", with: "document/1"),
            good.replacingOccurrences(of: #""path":"a.txt","#, with: #""path":"a.txt","error":{"code":"x","message":"y"},"#),
            good.replacingOccurrences(of: #""review.total":1"#, with: #""review.total":"1""#),
            good.replacingOccurrences(of: "}}", with: #"},"values":{}}"#),
            good.replacingOccurrences(of: #""path":"a.txt","#, with: ""),
            good.replacingOccurrences(of: #""provenance""#, with: "x").replacingOccurrences(of: "}}", with: #"},"provenance":{"a":[1,}]}}"#),
            String(good.dropLast()), good + ",",
            #"{"schema":"gongkai.report/1","path":"a.txt"}"#,
        ]
        for o in others { #expect(Aggregator.fastInput(Array(o.utf8)) == nil, "\(o)") }
    }
}

/// Render reads continuation records straight from their bytes: the table is the one the
/// general reader makes (parse, schema check, `Table(json:)`), and every other shape is
/// left to the general reader.
@Suite struct ContinuationDecodeTests {
    static func general(_ raw: [UInt8]) throws -> Table {
        guard case .object(let o) = try JSON.parse(raw) else { throw StageFailure("not an object") }
        _ = try Schema.require(o, oneOf: Schema.tables, stage: "test")
        return try Table(json: o)
    }

    /// A grouped table whose records carry `same` (a group to a record) and an ungrouped one.
    static func records() -> [[UInt8]] {
        let columns = [Table.Column("agency", "机关"), Table.Column("kind", "类型"), Table.Column("year", "年度", "integer"),
                       Table.Column("value", "数值", "number"), Table.Column("note", "说明")]
        var rows: [[JSON]] = []
        for (a, agency) in ["甲局", "乙\"局\\", "丙"].enumerated() {
            for year in 2019...2022 {
                rows.append([.string(agency), .string("局"), .number(String(year)), year == 2020 ? .null : .number("\(a * 10 + year % 7)"),
                             .string(year == 2021 ? "含\n换行、“引号”与\u{1}" : "")])
            }
        }
        var grouped = Table(name: "g", title: "分组", description: "", columns: columns, rows: rows,
                            grouping: Table.Grouping(column: "agency", details: ["kind"]))
        grouped.groupKeys = (0..<3).map { Table.GroupKey(rows: ($0 * 4)..<($0 * 4 + 4), key: "k\($0)") }
        let plain = Table(name: "p", title: "平", description: "", columns: columns, rows: rows)
        var out: [[UInt8]] = []
        for (table, chunk) in [(grouped, 2000), (plain, 5)] {
            table.records(chunk: chunk) { out.append(Array($0.serialized.utf8)) }
        }
        return out
    }

    @Test func continuationRecordsReadTheSameAsByTheGeneralReader() throws {
        let records = Self.records()
        let continuations = records.filter { $0.starts(with: Array(#"{"continuation":true,"#.utf8)) }
        #expect(continuations.count == 4)  // two groups after the first; two chunks of the plain table after its first
        #expect(continuations.contains { String(decoding: $0, as: UTF8.self).contains(#""same":"#) })
        for raw in continuations {
            let fast = try #require(Table.decodeContinuation(raw), "\(String(decoding: raw, as: UTF8.self))")
            #expect(fast == (try Self.general(raw)))
            #expect(!fast.rows.isEmpty && fast.rows.allSatisfy { $0.count == 5 })
        }
        // The first record of a table is not a continuation: left to the general reader.
        for raw in records where !continuations.contains(raw) { #expect(Table.decodeContinuation(raw) == nil) }
        // Spaces, members in another order, an empty row and rows before or after `same`.
        let spaced = #"{"continuation":true, "same" : {"cells":["甲"],"columns":[0]}, "rows" : [ [1, "a"] , [ null,true ] ], "name":"t", "schema":"gongkai.table/2" }"#
        let s = try #require(Table.decodeContinuation(Array(spaced.utf8)))
        #expect(s == (try Self.general(Array(spaced.utf8))))
        #expect(s.rows == [[.string("甲"), .number("1"), .string("a")], [.string("甲"), .null, .bool(true)]] && !s.continued)
    }

    @Test func anythingElseIsLeftToTheGeneralReader() {
        let good = #"{"continuation":true,"continued":true,"name":"t","rows":[["a",1],["b",2]],"same":{"cells":["x"],"columns":[1]},"schema":"gongkai.table/2"}"#
        #expect(Table.decodeContinuation(Array(good.utf8))?.rows == [[.string("a"), .string("x"), .number("1")], [.string("b"), .string("x"), .number("2")]])
        let others = [
            good.replacingOccurrences(of: #""name":"t","#, with: #""name":"t","title":"T","#),            // another member
            good.replacingOccurrences(of: #""name":"t""#, with: #""name":"t","name":"u""#),            // a member twice
            good.replacingOccurrences(of: #"["b",2]"#, with: #""b""#),                                  // a row that is no array
            good.replacingOccurrences(of: #""columns":[1]"#, with: #""columns":[5]"#),                 // a cell past the row's end
            good.replacingOccurrences(of: #""columns":[1]"#, with: #""columns":[1,2]"#),               // more columns than cells
            good.replacingOccurrences(of: #","schema":"gongkai.table/2""#, with: ""),                   // no schema
            good.replacingOccurrences(of: "gongkai.table/2", with: "gongkai.report/2"),                 // another stage's schema
            good.replacingOccurrences(of: #""continued":true"#, with: #""continued":1"#),              // another type
            good.replacingOccurrences(of: #""name":"t","#, with: ""),                                   // no name
            String(good.dropLast()),                                                                     // cut short
            good + "x",                                                                                  // text after the record
            " " + good,                                                                                  // not as tables are written
            #"{"continuation":false,"name":"t","rows":[],"schema":"gongkai.table/2"}"#,
        ]
        for o in others { #expect(Table.decodeContinuation(Array(o.utf8)) == nil, "\(o)") }
    }
}
