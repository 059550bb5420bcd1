import Foundation
import Testing
@testable import GongkaiCore

@Suite struct SHA256Tests {
    // FIPS 180-4 / NIST example vectors.
    @Test func fipsVectors() {
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(Array("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu".utf8))
                == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        #expect(SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func incrementalUpdatesEqualOneShot() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for split in [0, 1, 55, 56, 63, 64, 65, 127, 500, 999] {
            var h = SHA256()
            h.update(Array(data[..<split]))
            h.update(Array(data[split...]))
            #expect(h.finalizeHex() == SHA256.hex(data), "split at \(split)")
        }
    }
}

/// The cache-key hash: no known vectors to check against (it is gongkai's own), so its
/// properties are what is tested: every length and tail path, one-bit changes, the salt.
@Suite struct FastHashTests {
    @Test func distinctForEveryPrefixAndEveryBitFlip() {
        let data = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 17) }
        var seen = Set<String>()
        // Every length 0…300 crosses the 32-byte stripes, the word tail and the byte tail.
        for n in 0...data.count { seen.insert(FastHash.hex(Array(data[..<n]))) }
        #expect(seen.count == data.count + 1)
        // One bit flipped anywhere in 100 bytes, and zeros of every length (padding must not collide).
        let base = Array(data[..<100])
        var flipped = Set([FastHash.hex(base)])
        for i in base.indices {
            for bit in 0..<8 {
                var b = base
                b[i] ^= UInt8(1 << bit)
                flipped.insert(FastHash.hex(b))
            }
        }
        #expect(flipped.count == 1 + 100 * 8)
        let zeros = Set((0...64).map { FastHash.hex([UInt8](repeating: 0, count: $0)) })
        #expect(zeros.count == 65)
    }

    @Test func saltIsPartOfTheKeyAndNotInterchangeableWithTheBytes() {
        let bytes = Array("政府信息公开".utf8)
        #expect(FastHash.hex(bytes) == FastHash.hex(bytes, salt: ""))
        #expect(FastHash.hex(bytes, salt: "extract/1") != FastHash.hex(bytes, salt: "extract/2"))
        #expect(FastHash.hex(Array("bc".utf8), salt: "a") != FastHash.hex(Array("c".utf8), salt: "ab"))
        let h = FastHash.hex(bytes, salt: "s")
        #expect(h.utf8.count == 32 && h.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        #expect(h == FastHash.hex(bytes, salt: "s"))
    }
}

/// `Files.same`: the bytes of an array against another collection's, by memcmp or not.
@Suite struct SameBytesTests {
    @Test func bytesCompareAsTheyAre() {
        let text = "政府信息公开 2024,\r\n" + String(repeating: "x", count: 40)
        let bytes = Array(text.utf8)
        #expect(Files.same(bytes, text.utf8))
        #expect(Files.same(bytes, bytes))
        #expect(Files.same([], "".utf8))
        #expect(!Files.same(bytes, (text + "!").utf8))            // longer
        #expect(!Files.same(bytes, String(text.dropLast()).utf8)) // shorter
        var changed = bytes
        changed[3] ^= 1
        #expect(!Files.same(changed, text.utf8))                  // one byte differs
        // A collection not in contiguous memory takes the general comparison, with the same answers.
        #expect(Files.same(bytes, bytes.reversed().reversed()))
        #expect(!Files.same(changed, bytes.lazy.map { $0 }))
    }
}

@Suite struct TextTests {
    /// `withoutSpaces` returns a string unchanged when its bytes show no space: that
    /// shortcut must agree with removing every space scalar one by one.
    @Test func withoutSpacesAgreesWithScalarByScalarRemoval() {
        let spaces: [UInt32] = [0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C, 0xA0, 0x3000, 0x2000, 0x2005, 0x200A, 0x200B, 0xFEFF, 0x202F, 0x205F]
        // Neighbours of those encodings that are not spaces (same lead bytes, other continuations).
        let others: [UInt32] = [0x21, 0xA1, 0x3001, 0x3002, 0x2010, 0x2014, 0x200C, 0x2030, 0x2060, 0xFEFE, 0xFF0C, 0x4E00, 0x9FA5, 0x1F600, 0x7F, 0x01]
        func reference(_ s: String) -> String {
            String(String.UnicodeScalarView(s.unicodeScalars.filter { !TextClass.isSpace($0.value) && $0.value != 0x0A && $0.value != 0x0D }))
        }
        var cases = ["", "本年新收政府信息公开申请数量", "1,234", "（一）予以公开", "abc"]
        for v in spaces + others {
            let c = String(Character(Unicode.Scalar(v)!))
            cases += [c, "政府\(c)信息", "\(c)前", "后\(c)", "12\(c)34"]
        }
        for c in cases { #expect(c.withoutSpaces == reference(c), "\(c.unicodeScalars.map { String($0.value, radix: 16) })") }
        #expect("政府　信息".withoutSpaces == "政府信息")
        #expect("政府、信息".withoutSpaces == "政府、信息")
    }

    /// The byte-level `splitOnSpaces` and `endsWith` agree with the standard library's
    /// grapheme-aware `split` and `hasSuffix`, on simple text and on text with combining
    /// marks, CR LF, compatibility ideographs and the like (where they fall back).
    /// Scalars decoded from the bytes (`allScalars`, `isSimpleText`, `containsHan`,
    /// `scalarCount`) are the standard library's, in one, two, three and four bytes.
    @Test func scalarsFromBytesAreTheStandardLibrarys() {
        let alphabet: [String] = [" ", "\u{3000}", "元", "1", "a", "z", "é", "e\u{301}", "\u{7F}", "\u{80}", "\u{7FF}", "\u{800}", "\u{FFFF}",
                                  "\u{10000}", "\u{20000}", "\u{10FFFF}", "\u{F900}", "👍🏽", "\u{302A}", "한", "\u{AD}", "〇", "\u{4DBF}", "\u{1}"]
        var rng = SplitMix64(seed: 3)
        for _ in 0..<4000 {
            let s = (0..<Int(rng.next() % 12)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined()
            var decoded: [UInt32] = []
            s.forEachScalarValue { decoded.append($0) }
            #expect(decoded == s.unicodeScalars.map(\.value))
            #expect(s.scalarCount == s.unicodeScalars.count)
            #expect(s.isSimpleText == s.unicodeScalars.allSatisfy { TextClass.isSimple($0.value) })
            #expect(s.containsHan == s.unicodeScalars.contains { TextClass.isHan($0.value) })
            // Stops at the first scalar that fails.
            var seen = 0
            _ = s.allScalars { _ in seen += 1; return seen < 3 }
            #expect(seen == min(3, s.unicodeScalars.count))
        }
    }

    /// `trimmed` (nothing to trim told from the end scalars' bytes) removes what trimming
    /// scalar by scalar removes.
    @Test func trimmedAsScalarByScalar() {
        let alphabet = [" ", "\t", "\u{3000}", "\u{A0}", "\u{200B}", "\u{FEFF}", "\u{202F}", "\u{205F}", "\u{0B}", "元", "a", "1", "é", "👍", "\u{2000}",
                        "\u{301}", "\n", "|", "\u{10FFFF}", "\u{7FF}"]
        func reference(_ s: String) -> String {
            var scalars = Array(s.unicodeScalars)[...]
            while let f = scalars.first, TextClass.isSpace(f.value) { scalars.removeFirst() }
            while let l = scalars.last, TextClass.isSpace(l.value) { scalars.removeLast() }
            return String(String.UnicodeScalarView(scalars))
        }
        var rng = SplitMix64(seed: 23)
        for _ in 0..<4000 {
            let s = (0..<Int(rng.next() % 7)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined()
            #expect(Array(s.trimmed.utf8) == Array(reference(s).utf8), "\(s.unicodeScalars.map(\.value))")
        }
    }

    /// `has` (a byte of the needle found by memchr, then memcmp) and a line's `joinedHas`
    /// find a needle exactly where a byte-by-byte search of the joined bytes does.
    @Test func byteSearchFindsWhatANaiveSearchFinds() {
        let alphabet = ["申", "请", "人", "情", "况", "报", "告", "a", "1", " ", "é", "👍", "\u{E000}", "申请", "人情况"]
        func naive(_ h: [UInt8], _ n: [UInt8]) -> Bool {
            if n.isEmpty { return true }
            if n.count > h.count { return false }
            return (0...(h.count - n.count)).contains { i in Array(h[i..<(i + n.count)]) == n }
        }
        var rng = SplitMix64(seed: 17)
        func text(_ most: Int) -> String { (0..<Int(rng.next() % UInt64(most))).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined() }
        var found = 0
        for _ in 0..<5000 {
            let cells = (0..<Int(1 + rng.next() % 4)).map { _ in text(6) }
            let needles = (0..<Int(1 + rng.next() % 3)).map { _ in text(4) }
            let joined = cells.joined()
            for n in needles {
                let want = naive(Array(joined.utf8), Array(n.utf8))
                #expect(joined.has(n) == want, "\(joined) \(n)")
                if want { found += 1 }
            }
            #expect(Line(number: 1, cells: cells).joinedHas(anyOf: needles) == needles.contains { naive(Array(joined.utf8), Array($0.utf8)) })
            #expect(Line(number: 1, cells: cells).joined == joined)
        }
        #expect(found > 1000)
    }

    @Test func byteLevelSplitAndSuffixAgreeWithTheStandardLibrary() {
        let alphabet: [String] = [" ", " ", "元", "万", "1", "2", ".", "行政", "、", "（", "Ａ", "é", "e\u{301}", "\u{301}", "\r\n", "\r", "\u{F900}", "\u{8C48}",
                                  "\u{200D}", "👍🏽", "\u{302A}", "한", "\u{AD}", "—", "\u{2028}"]
        var state: UInt64 = 12345
        func next() -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) }
        for _ in 0..<4000 {
            let s = (0..<(next() % 9)).map { _ in alphabet[next() % alphabet.count] }.joined()
            #expect(s.splitOnSpaces() == s.split(separator: " ").map(String.init), "\(s.unicodeScalars.map { $0.value })")
            for suffix in ["元", "万元", " 元"] {
                #expect(s.endsWith(simple: suffix) == s.hasSuffix(suffix), "\(s.unicodeScalars.map { $0.value }) \(suffix)")
            }
        }
        #expect("行政许可 97 3".splitOnSpaces() == ["行政许可", "97", "3"])
        // Normalize's byte-level cuts: tabs (always characters of their own) and line ends.
        let withBreaks = alphabet + ["\t", "\t\u{301}", "\n", "\r", "\r\n", "|", "|\u{301}", "\u{1}"]
        for _ in 0..<3000 {
            let s = (0..<(next() % 10)).map { _ in withBreaks[next() % withBreaks.count] }.joined()
            #expect(Normalizer.splitTabs(s) == s.split(separator: "\t", omittingEmptySubsequences: false).map(String.init))
            #expect(Normalizer.splitPipes(Substring(s)) == s.split(separator: "|", omittingEmptySubsequences: false)
                .map { String($0).replacingOccurrences(of: "\u{1}", with: "|") })
            var lines: [String] = [], current = ""
            var scalars = Array(s.unicodeScalars)[...]
            while let u = scalars.popFirst() {
                if u == "\n" || u == "\r" {
                    lines.append(current); current = ""
                    if u == "\r", scalars.first == "\n" { scalars.removeFirst() }
                } else {
                    current.unicodeScalars.append(u)
                }
            }
            if !current.isEmpty { lines.append(current) }
            #expect(Normalizer.splitLines(s).map(String.init) == lines, "\(s.unicodeScalars.map { $0.value })")
        }
        #expect("13575394432.52元".endsWith(simple: "元") && !"元x".endsWith(simple: "元"))
    }
}

@Suite struct JSONTests {
    @Test func writesSortedKeysWithoutEscapedSlashes() {
        let v = JSON.object(["b": .int(1), "a": .string("x/y"), "c": .array([.null, .bool(true), .number("2.58")])])
        #expect(v.serialized == #"{"a":"x/y","b":1,"c":[null,true,2.58]}"#)
    }

    @Test func escapesControlCharactersAndQuotes() {
        #expect(JSON.string("a\"b\\c\nd\te\u{1}").serialized == #""a\"b\\c\nd\te\u0001""#)
        // Escapes after a long plain stretch, at the very end, and none at all.
        #expect(JSON.string("政府信息公开年度报告\u{7F}x\"").serialized == #""政府信息公开年度报告\u007fx\"""#)
        #expect(JSON.string("纯文字 plain").serialized == #""纯文字 plain""#)
        #expect(JSON.string("").serialized == #""""#)
        let made = String(decoding: Array("第\r行".utf8), as: UTF8.self)
        #expect(JSON.string(made).serialized == #""第\r行""#)
    }

    @Test func roundTripsChineseAndEscapes() throws {
        let text = #"{"path":"报告 \"甲\".txt","n":-12.50,"u":"\u6d77\ud83d\ude00","e":[],"o":{}}"#
        let v = try JSON.parse(text)
        #expect(v["path"]?.stringValue == "报告 \"甲\".txt")
        #expect(v["n"] == .number("-12.50"))  // number text is kept as written
        #expect(v["u"]?.stringValue == "海😀")
        #expect(try JSON.parse(v.serialized) == v)
    }

    @Test func rawMemberTestFindsTheKeyAnywhere() {
        func has(_ s: String, _ m: String) -> Bool {
            let found = JSON.rawHas(Array(s.utf8), member: m)
            #expect(JSON.rawHas(Array(s.utf8), member: m, memmem: nil) == found, "without memmem: \(s.prefix(40))")
            return found
        }
        #expect(has(#"{"error":{"code":"x"}}"#, "error"))
        #expect(has(#"{"a":"\"","b":[1,2],"error":null}"#, "error"))
        #expect(has(String(repeating: #"{"k":"报告\""}"#, count: 2000) + #""notes":"#, "notes"))  // at the very end
        #expect(!has(#"{"errors":1,"error ":2,"x":"error"}"#, "error"))
        #expect(!has("", "error") && !has(#""error""#, "error"))
        #expect(JSON.memmem != nil)  // glibc's, found at run time (else a slower scan)
    }

    @Test func objectsOfAnySizeAndRepeatedKeys() throws {
        // A repeated key keeps its last value, as before.
        #expect(try JSON.parse(#"{"a":1,"b":2,"a":3}"#) == .object(["a": .number("3"), "b": .number("2")]))
        let big = (0..<300).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let v = try JSON.parse("{" + big + "}")
        #expect(v.objectValue?.count == 300 && v["k0"] == .number("0") && v["k299"] == .number("299"))
        #expect(try JSON.parse("{}") == .object([:]) && JSON.parse(" { } ") == .object([:]))
    }

    /// Strings are checked for valid UTF-8 by decoding and comparing: every kind of invalid
    /// sequence is refused, and valid text (a replacement character among it) is kept as it is.
    @Test func stringsMustBeValidUTF8() throws {
        func quoted(_ b: [UInt8]) -> [UInt8] { [0x22] + b + [0x22] }
        let invalid: [[UInt8]] = [[0x80], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF0, 0x9F, 0x98], [0xF5, 0x80, 0x80, 0x80],
                                  [0xE4, 0xB8], [0xFF], [0x61, 0xC3], [0xF4, 0x90, 0x80, 0x80]]
        for b in invalid {
            #expect(throws: JSONParseError.self, "\(b)") { try JSON.parse(quoted(b)) }
            #expect(throws: JSONParseError.self, "\(b) after an escape") { try JSON.parse(quoted(Array("\\n".utf8) + b)) }
        }
        for text in ["\u{FFFD}", "政府\u{FFFD}信息", "😀", "\u{10FFFF}", "a\u{7F}", ""] {
            #expect(try JSON.parse(quoted(Array(text.utf8))) == .string(text))
        }
    }

    /// The eight-bytes-at-a-time test a string scan uses, against the byte-by-byte one.
    @Test func specialByteTestAgreesWithBytes() {
        var state: UInt64 = 7
        let interesting: [UInt8] = [0x00, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7F, 0x80, 0x9F, 0xA2, 0xDC, 0xE4, 0xFF]
        for _ in 0..<20000 {
            var bytes: [UInt8] = []
            for _ in 0..<8 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                bytes.append(state >> 60 < 12 ? interesting[Int(state >> 33) % interesting.count] : UInt8(truncatingIfNeeded: state >> 40))
            }
            let w = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            let expected = bytes.contains { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 }
            #expect(JSONParser.hasSpecialByte(w) == expected, "\(bytes)")
        }
    }

    @Test func rejectsMalformedInputWithPosition() {
        for bad in ["{\"a\":}", "[1,2", "{\"a\" 1}", "nul", "\"abc", "{\"a\":1}x", "[01x]", "\"\\ud800\""] {
            #expect(throws: JSONParseError.self, "\(bad)") { try JSON.parse(bad) }
        }
        do {
            _ = try JSON.parse("{\"a\":tru}")
            Issue.record("should not parse")
        } catch let e as JSONParseError {
            #expect(e.offset == 5)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func listsNamedTopLevelObjectsInTheOrderWritten() throws {
        let text = #"{"values":{"b":1,"a":null,"b":2},"v2":{"x":{"values":{"k":1}}},"n":{"values":3},"s":"values"}"#
        let v = try JSON.parse(Array(text.utf8), listing: ["values", "n", "s"])
        #expect(v["s"] == .string("values"))  // not an object: read as it is
        #expect(v["values"] == .ordered([.init("b", .number("1")), .init("a", .null), .init("b", .number("2"))]))
        #expect(v["v2"]?["x"]?["values"] == .object(["k": .number("1")]))  // only the top level is listed
        #expect(v["n"] == .ordered([.init("values", .number("3"))]))
        #expect(throws: JSONParseError.self) { try JSON.parse(Array(#"{"values":{"a":1,}}"#.utf8), listing: ["values"]) }
        #expect(throws: JSONParseError.self) { try JSON.parse(Array(#"{"values":{"a"}}"#.utf8), listing: ["values"]) }
        // A report read either way has the same values; a repeated id keeps its last value.
        let record = #"{"schema":"gongkai.report/1","path":"a.txt","values":{"apply.received.total":"5","review.total":null,"apply.received.total":7}}"#
        let listed = try Report(json: JSON.parse(Array(record.utf8), listing: ["values"]).objectValue!)
        let plain = try Report(json: JSON.parse(record).objectValue!)
        #expect(listed.values == plain.values)
        #expect(listed.values["apply.received.total"] == .some(Quantity("7")) && listed.values["review.total"] == .some(nil))
    }

    @Test func skipsNamedTopLevelMembers() throws {
        let text = #"{"a":1,"provenance":{"x":[1,{"y":"z\"}"}],"w":"\\"},"b":[true,null],"c":{"provenance":2}}"#
        let v = try JSON.parse(Array(text.utf8), skipping: ["provenance"])
        #expect(v["provenance"] == nil)
        #expect(v["a"] == .number("1") && v["b"] == .array([.bool(true), .null]))
        #expect(v["c"]?["provenance"] == .number("2"))  // only the top level is skipped
        // A skipped member is still checked.
        #expect(throws: JSONParseError.self) { try JSON.parse(Array(#"{"provenance":{"x":}}"#.utf8), skipping: ["provenance"]) }
        #expect(throws: JSONParseError.self) { try JSON.parse(Array(#"{"provenance":"abc}"#.utf8), skipping: ["provenance"]) }
    }

    @Test func refusesAbsurdNesting() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParseError.self) { try JSON.parse(deep) }
    }
}

@Suite struct NDJSONTests {
    func reader(for text: String) throws -> (LineReader, URL) {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gongkai-ndjson-\(UUID().uuidString)")
        try Data(text.utf8).write(to: url)
        let fd = open(url.path, O_RDONLY)
        return (LineReader(fd: fd), url)
    }

    @Test func readsRecordsAndSkipsBlankLines() throws {
        var (r, url) = try reader(for: "{\"a\":1}\n\n{\"a\":2}\r\n{\"a\":3}")  // last line without newline
        defer { close(r.fd); try? FileManager.default.removeItem(at: url) }
        var got: [Int] = []
        while let (rec, _) = try r.nextRecord() { got.append(rec["a"]?.intValue ?? -1) }
        #expect(got == [1, 2, 3])
    }

    @Test func malformedLineNamesItsLineNumber() throws {
        var (r, url) = try reader(for: "{\"a\":1}\n{\"a\":2}\n{\"a\": oops}\n{\"a\":4}\n")
        defer { close(r.fd); try? FileManager.default.removeItem(at: url) }
        _ = try r.nextRecord()
        _ = try r.nextRecord()
        do {
            _ = try r.nextRecord()
            Issue.record("a malformed line must throw")
        } catch let e as NDJSONError {
            #expect(e.line == 3)
            #expect(e.description.contains("input line 3"))
            #expect(e.description.contains("malformed JSON"))
        }
    }

    @Test func truncatedLastLineIsAnError() throws {
        var (r, url) = try reader(for: "{\"a\":1}\n{\"a\":2,\"b\":[1,")
        defer { close(r.fd); try? FileManager.default.removeItem(at: url) }
        _ = try r.nextRecord()
        #expect(throws: NDJSONError.self) { _ = try r.nextRecord() }
    }

    @Test func nonObjectLineIsAnError() throws {
        var (r, url) = try reader(for: "[1,2]\n")
        defer { close(r.fd); try? FileManager.default.removeItem(at: url) }
        #expect(throws: NDJSONError.self) { _ = try r.nextRecord() }
    }

    @Test func longLinesAcrossReadBlocks() throws {
        let big = String(repeating: "海", count: 700_000)  // 2.1 MB, more than two read blocks
        var (r, url) = try reader(for: "{\"t\":\"\(big)\"}\n{\"t\":\"x\"}\n")
        defer { close(r.fd); try? FileManager.default.removeItem(at: url) }
        #expect(try r.nextRecord()?.json["t"]?.stringValue?.count == 700_000)
        #expect(try r.nextRecord()?.json["t"]?.stringValue == "x")
        #expect(try r.nextRecord() == nil)
    }
}

@Suite struct QuantityTests {
    @Test func parsesAndPrintsExactly() {
        #expect(Quantity("2.58")?.description == "2.58")
        #expect(Quantity("+173")?.description == "173")
        #expect(Quantity("-2")?.description == "-2")
        #expect(Quantity("7.50")?.description == "7.5")
        #expect(Quantity("0.05")?.description == "0.05")
        #expect(Quantity("-0.5")?.description == "-0.5")
        #expect(Quantity("abc") == nil)
        #expect(Quantity("1.2.3") == nil)
        #expect(Quantity("") == nil)
        #expect(Quantity("99999999999999999999") == nil)  // beyond Int64: refused, never trapped
    }

    @Test func sumsAndConvertsWithoutRounding() {
        let a = Quantity("0.1")!, b = Quantity("0.2")!
        #expect(a.adding(b) == Quantity("0.3"))
        #expect(Quantity("251000")!.dividedByPowerOfTen(4) == Quantity("25.1"))
        #expect(Quantity("75394432.52")!.dividedByPowerOfTen(4)?.description == "7539.443252")
        #expect(Quantity(Int(Int64.max)).adding(Quantity(1)) == nil)
        #expect(Quantity.sum([Quantity(1), Quantity(2), Quantity("3.5")!]) == Quantity("6.5"))
    }
}

@Suite struct MetricValuesTests {
    @Test func absentBlankAndNumberAreDistinct() {
        var v = MetricValues()
        #expect(v.isEmpty && v["review.total"] == nil)
        v["review.total"] = .some(nil)
        #expect(v["review.total"] == .some(nil) && v.count == 1 && v.filled == 0)
        v["review.total"] = Quantity(3)
        v["active.fees.amount"] = Quantity("2.58")
        #expect(v["review.total"] == Quantity(3) && v["active.fees.amount"] == Quantity("2.58"))
        #expect(v.count == 2 && v.filled == 2)
        v["review.total"] = nil
        #expect(v["review.total"] == nil && v.count == 1)
        // An id outside the catalog is kept, not lost.
        v["future.metric"] = Quantity(-7)
        #expect(v["future.metric"] == Quantity(-7) && v.count == 2)
    }

    /// The bytes a content key is made of: the same cells give the same bytes however they
    /// were set; a cell absent, blank, zero, another number or a wide one gives other bytes.
    @Test func slotBytesTellEveryCellApart() {
        func bytes(_ cells: [(String, Quantity??)]) -> [UInt8] {
            var v = MetricValues()
            for (id, q) in cells { v[id] = q }
            var out: [UInt8] = []
            v.appendSlots(to: &out)
            return out
        }
        let big = Quantity(mantissa: Int64(Int32.max) + 5, scale: 0)
        #expect(bytes([("review.total", Quantity(3)), ("apply.received.total", .some(nil))])
                == bytes([("apply.received.total", Quantity(9)), ("review.total", Quantity(3)), ("apply.received.total", .some(nil))]))
        #expect(bytes([("review.total", big)]) == bytes([("review.total", Quantity(1)), ("review.total", big)]))
        let variants: [Quantity??] = [nil, .some(nil), Quantity(0), Quantity(1), Quantity(10), Quantity("1.0")!, Quantity("0.1")!, Quantity(-1),
                                      big, Quantity(mantissa: Int64(Int32.max) + 6, scale: 0), Quantity(mantissa: Int64(Int32.max) + 5, scale: 2)]
        // (1 and 1.0 are one number: the same bytes.)
        let distinct = variants.map { bytes([("apply.received.total", Quantity(2)), ("review.total", $0)]) }
        for i in variants.indices {
            for j in variants.indices where i < j {
                #expect((distinct[i] == distinct[j]) == (variants[i] == variants[j]), "\(String(describing: variants[i])) \(String(describing: variants[j]))")
            }
        }
    }

    /// The slot bytes are the ones appended field by field: the count, the states, each number's mantissa (wide: and scale).
    @Test func slotBytesAreTheFieldsInOrder() {
        var rng = SplitMix64(seed: 11)
        let ids = Catalog.metrics.map(\.id)
        for round in 0..<200 {
            var v = MetricValues()
            for _ in 0..<Int(rng.next() % 40) {
                let id = ids[Int(rng.next() % UInt64(ids.count))]
                switch rng.next() % 5 {
                case 0: v[id] = .some(nil)
                case 1: v[id] = Quantity(mantissa: Int64(Int32.max) + Int64(rng.next() % 1000), scale: Int(rng.next() % 3))
                case 2: v[id] = Quantity(mantissa: -Int64(rng.next() % 100_000), scale: Int(rng.next() % 4))
                case 3: v[id] = nil
                default: v[id] = Quantity(Int(rng.next() % 5000))
                }
            }
            var want: [UInt8] = [1, 2, 3]  // appended after what is there
            withUnsafeBytes(of: Int64(v.state.count).littleEndian) { want += $0 }
            want += v.state
            for (i, s) in v.state.enumerated() where s >= MetricValues.number {
                if s == MetricValues.wide {
                    let q = v.wideCells[i]!
                    withUnsafeBytes(of: q.mantissa.littleEndian) { want += $0 }
                    withUnsafeBytes(of: Int64(q.scale).littleEndian) { want += $0 }
                } else {
                    withUnsafeBytes(of: v.mantissa[i].littleEndian) { want += $0 }
                }
            }
            var got: [UInt8] = [1, 2, 3]
            v.appendSlots(to: &got)
            #expect(got == want, "round \(round)")
        }
        #expect(MetricValues().state.isEmpty)
        var empty: [UInt8] = []
        MetricValues().appendSlots(to: &empty)
        #expect(empty == [UInt8](repeating: 0, count: 8))
    }

    /// A mantissa is kept in 32 bits when it fits: one that does not (or a scale past a
    /// parsed number's) is kept whole beside it, and overwriting either way leaves no trace.
    @Test func numbersTooWideForTheSlotAreKeptExactly() {
        let wide = [Quantity(mantissa: Int64(Int32.max) + 1, scale: 0), Quantity(mantissa: Int64(Int32.min) - 1, scale: 3),
                    Quantity(mantissa: Int64.max, scale: 12), Quantity(mantissa: 7, scale: 15), Quantity(mantissa: Int64.min, scale: 0)]
        let narrow = [Quantity(mantissa: Int64(Int32.max), scale: 0), Quantity(mantissa: Int64(Int32.min), scale: 12),
                      Quantity("2.58")!, Quantity(0)]
        for q in wide + narrow {
            var v = MetricValues()
            v["review.total"] = q
            #expect(v["review.total"] == .some(q) && v.count == 1 && v.filled == 1, "\(q)")
            #expect(v == MetricValues(["review.total": q]) && v != MetricValues(["review.total": Quantity(1)]))
            v["review.total"] = Quantity(5)
            #expect(v["review.total"] == Quantity(5) && v.wideCells.isEmpty && v.count == 1)
            v["review.total"] = q
            v["review.total"] = .some(nil)
            #expect(v["review.total"] == .some(nil) && v.wideCells.isEmpty && v.count == 1 && v.filled == 0)
        }
        var a = MetricValues()
        a["apply.received.total"] = wide[2]
        var b = MetricValues()
        b["review.total"] = wide[1]
        b["apply.received.total"] = Quantity(1)
        a.merge(b) { mine, _ in mine }
        #expect(a["apply.received.total"] == .some(wide[2]) && a["review.total"] == .some(wide[1]) && a.count == 2)
    }

    @Test func iteratesInCatalogOrderAndMerges() {
        var a: MetricValues = ["review.total": Quantity(1), "active.regulations.issued": Quantity(2)]
        let b: MetricValues = ["review.total": Quantity(9), "apply.received.total": nil]
        #expect(a.keys == ["active.regulations.issued", "review.total"])  // metrics.tsv order
        a.merge(b) { mine, _ in mine }
        #expect(a["review.total"] == Quantity(1) && a["apply.received.total"] == .some(nil) && a.count == 3)
        #expect(a == MetricValues(["review.total": Quantity(1), "active.regulations.issued": Quantity(2), "apply.received.total": nil]))
        #expect(a != b)
    }
}

@Suite struct ParallelTests {
    final class Counted: @unchecked Sendable {
        nonisolated(unsafe) static var count = 0
        static let lock = NSLock()
        static var alive: Int { lock.lock(); defer { lock.unlock() }; return count }
        let value: Int
        init(_ v: Int) { value = v; Counted.lock.lock(); Counted.count += 1; Counted.lock.unlock() }
        deinit { Counted.lock.lock(); Counted.count -= 1; Counted.lock.unlock() }
    }

    @Test func mapKeepsOrderAndReleasesItsResults() {
        do {
            let out = Parallel.map(Array(0..<1000)) { Counted($0 * 2) }
            #expect(out.map(\.value) == (0..<1000).map { $0 * 2 })
        }
        // Every result released once the caller lets go (a leak here grew every stage with the corpus).
        #expect(Counted.alive == 0)
    }

    struct Stop: Error {}

    /// Batches worked on other threads while this one commits the one before: committed in
    /// order, each with its own result, and nothing of `compute` kept once it returns (in a
    /// debug build `withoutActuallyEscaping` traps on a closure still held).
    @Test func pipelineCommitsInOrderAndStopsWhereItThrows() throws {
        for round in 0..<50 {
            var batches = (0..<(round % 7)).map { b in Array((b * 10)..<(b * 10 + 1 + b % 3)) }
            var committed: [[Int]] = []
            try Parallel.pipeline(next: { batches.isEmpty ? nil : batches.removeFirst() },
                                  compute: { batch in batch.map { $0 * 3 } },
                                  commit: { batch, result in
                                      #expect(result == batch.map { $0 * 3 })
                                      committed.append(batch)
                                  })
            #expect(committed == (0..<(round % 7)).map { b in Array((b * 10)..<(b * 10 + 1 + b % 3)) })
        }
        // A throw from `commit` or from `next` ends the run with that error, after the batch
        // in flight is done (a throw from `next` leaves it uncommitted: the stage fails).
        for throwing in ["commit", "next"] {
            var n = 0
            var committed = 0
            #expect(throws: Stop.self) {
                try Parallel.pipeline(next: { () throws -> Int? in
                    n += 1
                    if throwing == "next" && n == 4 { throw Stop() }
                    return n
                }, compute: { $0 * 2 }, commit: { _, _ in
                    committed += 1
                    if throwing == "commit" && committed == 3 { throw Stop() }
                })
            }
            #expect(committed == (throwing == "commit" ? 3 : 2))
        }
    }
}

@Suite struct MetricMapTests {
    @Test func readsAndWritesLikeADictionary() {
        var m = MetricMap<Provenance>()
        #expect(m.isEmpty && m["review.total"] == nil)
        m["review.total"] = Provenance(line: 3, text: "2")
        m["active.regulations.issued"] = Provenance(line: 1, text: "0")
        m["future.id"] = Provenance(line: 9, text: "x")  // outside the catalog: kept
        #expect(m.count == 3 && m["review.total"]?.line == 3 && m["future.id"]?.text == "x")
        #expect(m.map(\.key) == ["active.regulations.issued", "review.total", "future.id"])
        var other: MetricMap<Provenance> = ["review.total": Provenance(line: 7, text: "9"), "apply.received.total": Provenance(line: 5, text: "1")]
        other.merge(m) { mine, _ in mine }
        #expect(other.count == 4 && other["review.total"]?.line == 7 && other["active.regulations.issued"]?.line == 1)
        m["review.total"] = nil
        #expect(m.count == 2 && m["review.total"] == nil)
    }
}

@Suite struct FingerprintTests {
    /// The bottom-k estimate by hand: the union's 64 smallest hashes, and how many of them both hold.
    @Test func similarityCountsSharedAmongSmallestOfUnion() {
        let a: [UInt32] = [1, 2, 3, 4]
        let b: [UInt32] = [2, 4, 6]
        // union {1,2,3,4,6}: shared 2 and 4 → 2/5
        #expect(Fingerprint.similarity(a, b) == 0.4)
        #expect(Fingerprint.similarity(a, a) == 1)
        #expect(Fingerprint.similarity([], []) == 0)
        #expect(Fingerprint.similarity(a, []) == 0)
        // Only the 64 smallest of the union count: b's shared hashes above them do not.
        let low = (0..<64).map { UInt32($0 * 2) }  // 0, 2, ..., 126
        let high = (0..<64).map { UInt32($0 * 2 + 1) } + [200]
        #expect(Fingerprint.similarity(low, high) == 0)
        let shared = Array(low.prefix(32)) + (100..<132).map { UInt32($0 * 10) }
        #expect(Fingerprint.similarity(low, shared) == 32.0 / 64.0)
    }

    /// The sketch is the 64 smallest distinct FNV-1a hashes of the 4-grams of the text's
    /// Han characters and a–z letters: checked against that definition written out plainly.
    @Test func sketchIsTheSmallestDistinctGramHashes() {
        func fnv(_ gram: ArraySlice<UInt32>) -> UInt32 {
            var h: UInt32 = 2_166_136_261
            for v in gram { for shift: UInt32 in [0, 8, 16, 24] { h = (h ^ ((v >> shift) & 0xFF)) &* 16_777_619 } }
            return h
        }
        func plain(_ text: String) -> [UInt32]? {
            let ranges: [ClosedRange<UInt32>] = [0x4E00...0x9FFF, 0x3400...0x4DBF, 0xF900...0xFAFF, 0x20000...0x2FFFF, 0x3007...0x3007, 0x61...0x7A]
            let kept = text.unicodeScalars.map(\.value).filter { v in ranges.contains { $0.contains(v) } }
            guard kept.count >= Fingerprint.minimumLength else { return nil }
            let all = Set((0...(kept.count - 4)).map { fnv(kept[$0..<($0 + 4)]) })
            return Array(all.sorted().prefix(Fingerprint.size))
        }
        let han = Array("政府信息公开工作年度报告本机关主动公开依申请公开行政复议诉讼情况存在的主要问题及改进措施")
        var rng = SystemRandomNumberGenerator()
        for n in [10, 59, 60, 61, 64, 70, 200, 3000] {
            // Repeated grams (few distinct characters), digits and punctuation mixed in.
            let text = String((0..<n).map { i -> Character in
                i % 17 == 5 ? "，" : i % 13 == 3 ? "7" : han[Int.random(in: 0..<(n < 100 ? 4 : han.count), using: &rng)]
            }) + "abc"
            let got = Fingerprint.sketch(text)
            #expect(got == plain(text), "length \(n)")
            if let got { #expect(Fingerprint.isAscending(got) && got.count <= Fingerprint.size) }
        }
        #expect(Fingerprint.sketch("短") == nil)
        // Characters beyond the BMP (CJK Extension B) and the other Han blocks, which take another path.
        let wide = Array("𠀀𠀁𠂉𠃋㐀㐁豈更〇公开政府信息年度报告")
        for n in [60, 61, 300] {
            let text = String((0..<n).map { i in i % 5 == 0 ? wide[Int.random(in: 0..<wide.count, using: &rng)] : han[Int.random(in: 0..<han.count, using: &rng)] })
            #expect(Fingerprint.sketch(text) == plain(text), "wide, length \(n)")
        }
    }

    @Test func unsortedSketchesGiveTheSameAsSorted() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let a = Array(Set((0..<Int.random(in: 0...80, using: &rng)).map { _ in UInt32.random(in: 0..<150, using: &rng) }))
            let b = Array(Set((0..<Int.random(in: 0...80, using: &rng)).map { _ in UInt32.random(in: 0..<150, using: &rng) }))
            let merged = Fingerprint.similarity(a.sorted(), b.sorted())
            #expect(merged == Fingerprint.similarity(a, b))  // unordered: taken through sets
            #expect(merged == Fingerprint.similarity(Set(a), Set(b)))
        }
    }
}

/// `Report` keeps its fields on the heap (a copy is one reference): it must still behave as a value.
@Suite struct ReportValueTests {
    @Test func aChangedCopyLeavesTheOriginalAlone() {
        var a = Report(path: "a.txt", sha256: "s", bytes: 3, sourceFormat: "text")
        a.values["apply.received.total"] = .some(Quantity(5))
        a.findings.append(Finding(check: "c", severity: .warning, message: "m"))
        var b = a
        #expect(a == b)
        b.values["apply.received.total"] = .some(Quantity(6))
        b.findings.append(Finding(check: "d", severity: .info, message: "n"))
        b.agency = "某局"
        #expect(a.values["apply.received.total"] == .some(Quantity(5)))
        #expect(b.values["apply.received.total"] == .some(Quantity(6)))
        #expect(a.findings.count == 1 && b.findings.count == 2)
        #expect(a.agency == nil && b.agency == "某局")
        #expect(a != b)
        // Equal fields in separate storage are equal; a difference in any one field is not.
        var c = Report(path: "a.txt", sha256: "s", bytes: 3, sourceFormat: "text")
        c.values["apply.received.total"] = .some(Quantity(5))
        c.findings.append(Finding(check: "c", severity: .warning, message: "m"))
        #expect(c == a)
        c.year = 2020
        #expect(c != a)
    }

    @Test func copiesChangedOnBothCoresStayApart() {
        var base = Report(path: "p", sha256: nil, bytes: 0, sourceFormat: "text")
        base.sections = ["一"]
        let changed = Parallel.map(Array(0..<200)) { i -> Report in
            var r = base
            r.year = i
            r.sections.append("\(i)")
            return r
        }
        #expect(base.year == nil && base.sections == ["一"])
        for (i, r) in changed.enumerated() { #expect(r.year == i && r.sections == ["一", "\(i)"]) }
    }
}

/// The byte scans that stand for simpler loops give what those loops give.
@Suite struct ByteScanTests {
    /// The bytes `JSON.writeString` escapes.
    static func needsEscape(_ b: UInt8) -> Bool { b < 0x20 || b == 0x22 || b == 0x5C || b == 0x7F }

    @Test func eightBytesAtATimeFindEveryByteThatNeedsAnEscape() {
        var rng = SystemRandomNumberGenerator()
        let safe: [UInt8] = (0...255).map(UInt8.init).filter { !Self.needsEscape($0) }
        for position in 0..<8 {
            for value in 0...255 {
                for _ in 0..<4 {
                    var bytes = (0..<8).map { _ in safe.randomElement(using: &rng)! }
                    bytes[position] = UInt8(value)
                    let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                    #expect(JSONBytes.mayNeedEscape(word) == bytes.contains(where: Self.needsEscape), "\(bytes)")
                }
            }
        }
        for _ in 0..<100_000 {
            let word = UInt64.random(in: .min ... .max, using: &rng)
            let bytes = withUnsafeBytes(of: word) { Array($0) }
            #expect(JSONBytes.mayNeedEscape(word) == bytes.contains(where: Self.needsEscape))
        }
    }

    @Test func stringsAreEscapedAsByteByByte() throws {
        var rng = SystemRandomNumberGenerator()
        let pieces = ["政府信息公开", "a", "\"", "\\", "\n", "\r", "\t", "\u{1}", "\u{7F}", "\u{1F}", " ", "𠀀", "é", "1,234", "/"]
        for _ in 0..<3000 {
            let s = (0..<Int.random(in: 0...40, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            var got: [UInt8] = []
            JSON.writeString(s, to: &got)
            var want: [UInt8] = [0x22]
            for b in s.utf8 {
                switch b {
                case 0x22: want += Array(#"\""#.utf8)
                case 0x5C: want += Array(#"\\"#.utf8)
                case 0x0A: want += Array(#"\n"#.utf8)
                case 0x0D: want += Array(#"\r"#.utf8)
                case 0x09: want += Array(#"\t"#.utf8)
                case _ where b < 0x20 || b == 0x7F: want += Array(String(format: "\\u%04x", b).utf8)
                default: want.append(b)
                }
            }
            want.append(0x22)
            #expect(got == want, "\(s.debugDescription)")
            #expect(try JSON.parse(got) == .string(s))
        }
    }

    @Test func controlCharactersAreCountedOnTheBytesAsOnTheScalars() {
        var rng = SystemRandomNumberGenerator()
        let pieces = ["报告", "a", "\u{0}", "\u{1}", "\t", "\n", "\r", "\u{C}", "\u{1B}", "\u{7F}", "😀", "é", "𠀀", "\u{85}"]
        for _ in 0..<3000 {
            let s = (0..<Int.random(in: 0...60, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            let got = TextDecoding.controlCount(s), want = TextDecoding.controlCountByScalars(s)
            #expect(got.controls == want.controls && got.total == want.total, "\(s.debugDescription)")
        }
        #expect(TextDecoding.controlCount("a\u{1}报😀").controls == 1 && TextDecoding.controlCount("a\u{1}报😀").total == 4)
    }
}
