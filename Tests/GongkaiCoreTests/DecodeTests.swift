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
            String(good.dropLast()),                                                              // cut short
            good + "x",                                                                           // text after the record
            good.replacingOccurrences(of: "甲", with: "\\ud800"),                                 // a lone surrogate
            "[]", "",
        ]
        for o in others { #expect(NormalizedDocument.decode(Array(o.utf8)) == nil, "\(o)") }
    }
}
