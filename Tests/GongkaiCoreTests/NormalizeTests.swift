import Foundation
import Testing
@testable import GongkaiCore

@Suite struct NormalizeTests {
    /// The fast NFKC gives exactly Foundation's NFKC: on every line of the seeds and
    /// the format fixtures, and on every character it keeps or maps itself.
    @Test func fastNFKCEqualsFoundation() throws {
        var lines: [String] = []
        for dir in [Fixtures.seeds, Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/formats")] {
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) where name.hasSuffix(".txt") || name.hasSuffix(".md") {
                lines += try Fixtures.text(dir.appendingPathComponent(name)).components(separatedBy: "\n")
            }
        }
        var chars = (0x20..<0x7F).map { String(UnicodeScalar($0)!) } + (0xFF01...0xFF5E).map { String(UnicodeScalar($0)!) }
        chars += Normalizer.stablePunctuation.map { String(UnicodeScalar($0)!) } + ["\u{3000}", "海", "〇", "…", "①", "㈠", "ﬁ", "é", "e\u{301}", "￥"]
        lines.append(chars.joined())
        lines += chars
        for line in lines {
            #expect(Normalizer.nfkc(Substring(line)) == line.precomposedStringWithCompatibilityMapping, "\(line)")
        }
        // Mixed lines of one- to four-byte characters, read as slices of a longer text
        // (as normalize reads them): the byte-level reading decodes the same scalars.
        let pool = chars + ["×", "·", "°", "😀", "𠀀", "\u{2014}", "１２", "　", "ａ", "政府信息"]
        var state: UInt64 = 99
        func next() -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) }
        for _ in 0..<2000 {
            let line = (0..<(1 + next() % 12)).map { _ in pool[next() % pool.count] }.joined()
            let text = "前\n" + line + "\n后"
            let slice = text[text.index(text.startIndex, offsetBy: 2)..<text.index(text.endIndex, offsetBy: -2)]
            #expect(Normalizer.nfkc(slice) == line.precomposedStringWithCompatibilityMapping, "\(line.unicodeScalars.map { $0.value })")
        }
        // Every scalar taken as it is really is its own NFKC, alone and after a letter.
        var stable = 0
        for v in UInt32(0x20)..<0x3_0000 where Normalizer.isStable(v) {
            guard let u = UnicodeScalar(v) else { continue }
            let s = String(u)
            #expect(s.precomposedStringWithCompatibilityMapping == s, "U+\(String(v, radix: 16))")
            #expect(("a" + s).precomposedStringWithCompatibilityMapping == "a" + s, "U+\(String(v, radix: 16))")
            stable += 1
        }
        #expect(stable == 0x7F - 0x20 + (0x9FFF - 0x4E00 + 1) + (0x4DBF - 0x3400 + 1) + Normalizer.stablePunctuation.count)
    }

    /// Checks a byte-level shortcut of normalize: `flags` (on a text's UTF-8) must answer
    /// `flagged` for each of `specials` set in CJK text and the other way for `plain`, and on
    /// 3,000 random texts drawn from the scalars near the specials, mixed with CJK text, the
    /// function with the shortcut must equal the one without (`fast`, `reference`).
    func checkByteShortcut(specials: [UInt32], near: [UInt32], seed: UInt64, plain: String, flagged: Bool,
                           flags: (UnsafeBufferPointer<UInt8>) -> Bool,
                           fast: (String) -> [String], reference: (String) -> [String]) {
        let pool = (near + Array(0x1FFE...0x200D)).map { String(UnicodeScalar($0)!) }
            + ["政", "府", "信息", "公开", "12", "(一)", "a", "é", "😀"]
        for v in specials {
            let s = "政" + String(UnicodeScalar(v)!) + "府"
            #expect(s.utf8.withContiguousStorageIfAvailable(flags) == flagged, "U+\(String(v, radix: 16))")
        }
        #expect(plain.utf8.withContiguousStorageIfAvailable(flags) == !flagged)
        var rng = SplitMix64(seed: seed)
        for _ in 0..<3000 {
            let text = (0..<(1 + Int(rng.next() % 8))).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }.joined()
            #expect(fast(text) == reference(text), "\(text.unicodeScalars.map { $0.value })")
        }
    }

    /// The byte test that lets a cell through unchanged lets through only cells with
    /// nothing to trim, join or drop (it may say maybe to more, never to fewer).
    @Test func cellsCleanedAsScalarByScalar() {
        checkByteShortcut(
            specials: [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0xA0, 0xAD, 0x3000, 0xFEFF, 0x202F, 0x205F] + Array(0x2000...0x200B),
            near: [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x21, 0x08, 0x0E, 0xA0, 0xAD, 0xA1, 0xB7, 0x3000, 0x3001, 0x3002,
                   0xFEFF, 0xFEFE, 0xFF0C, 0x2010, 0x2014, 0x201C, 0x2027, 0x202F, 0x2030, 0x205F, 0x2060],
            seed: 17, plain: "政府信息公开、“年报”。", flagged: true, flags: Normalizer.mayNeedCleaning,
            fast: { [Normalizer.cleanCell($0)] }, reference: { [Normalizer.cleanCellByScalars($0)] })
    }

    /// The byte test that keeps a line one cell keeps only lines without a run of spaces
    /// or a wide space.
    @Test func spaceRunsSplitAsScalarByScalar() {
        checkByteShortcut(
            specials: [0xA0, 0x3000, 0xFEFF, 0x202F, 0x205F] + Array(0x2000...0x200B),
            near: [0x20, 0x20, 0x20, 0x09, 0xA0, 0xA1, 0xB7, 0x3000, 0x3001, 0x3002, 0xFEFF, 0xFF0C,
                   0x2010, 0x2014, 0x201C, 0x202F, 0x2030, 0x205F, 0x2060],
            seed: 23, plain: "政府 信息“公开”、年报。", flagged: false, flags: Normalizer.oneCell,
            fast: Normalizer.splitOnSpaceRuns, reference: Normalizer.splitOnSpaceRunsByScalars)
    }

    func cells(_ s: String) -> [String]? { Normalizer.cells(of: Substring(s)) }

    @Test func fullWidthAndSpacesBetweenCJKAndDigits() {
        #expect(cells("统计自 ２０２１ 年 1 月 1 日至 2021 年 12 月 28 日") == ["统计自2021年1月1日至2021年12月28日"])
        #expect(cells("（一）　予以公开") == ["(一)予以公开"])
        #expect(cells("0 0 0") == ["0 0 0"])  // spaces between numbers stay
    }

    @Test func tabsKeepEmptyCellsInPlace() {
        #expect(cells("一、本年新收\t\t0\t\t5\t") == ["一、本年新收", "", "0", "", "5", ""])
    }

    @Test func markdownTablesHeadingsAndEmphasis() {
        #expect(cells("| 规章 | 0 | 1 \\| 2 |") == ["规章", "0", "1 | 2"])
        #expect(cells("|---|:---:|---|") == nil)
        #expect(cells("## **二、主动公开政府信息情况**") == ["二、主动公开政府信息情况"])
        #expect(cells("见<http://www.example.gov.cn>") == ["见http://www.example.gov.cn"])
    }

    @Test func layoutColumnsSplitOnSpaceRuns() {
        #expect(cells("  规章      2     0    7") == ["规章", "2", "0", "7"])
    }

    @Test func pageFurnitureIsDropped() {
        for s in ["— 3 —", "-1-", "- 12 -", "第 3 页", "第3页共10页"] { #expect(cells(s) == nil, "\(s)") }
        #expect(cells("3") == ["3"])  // a bare number may be a table value: kept
        for s in ["第二十条第(一)项", "第 3 项", "第3页之后", "— 3 — 页", "-", "第页"] { #expect(cells(s) != nil, "\(s)") }
    }

    @Test func lineNumbersFollowTheDecodedText() {
        let doc = Document(path: "x.txt", bytes: 0, sha256: nil, format: "text", encoding: "utf-8",
                           text: "标题\r\n\r\n— 1 —\n正文\r末行")
        #expect(Normalizer.normalize(doc).lines == [Line(number: 1, cells: ["标题"]), Line(number: 4, cells: ["正文"]),
                                                     Line(number: 5, cells: ["末行"])])
    }
}
