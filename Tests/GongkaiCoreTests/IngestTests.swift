import Foundation
import Testing
@testable import GongkaiCore

@Suite struct DecodingTests {
    let sample = "海东市工业和信息化局 2021年政府信息公开工作年度报告（一）"

    @Test func strictUTF8() {
        #expect(TextDecoding.decode(Array(sample.utf8)) == .text(sample, encoding: "utf-8"))
    }

    @Test func utf8WithBOM() {
        #expect(TextDecoding.decode([0xEF, 0xBB, 0xBF] + Array(sample.utf8)) == .text(sample, encoding: "utf-8-bom"))
    }

    @Test func gbkBytes() {
        // 你好，世界 in GBK, written out by hand: C4E3 BAC3 A3AC CAC0 BDE7.
        let gbk: [UInt8] = [0xC4, 0xE3, 0xBA, 0xC3, 0xA3, 0xAC, 0xCA, 0xC0, 0xBD, 0xE7]
        #expect(TextDecoding.decode(gbk) == .text("你好，世界", encoding: "gb18030"))
    }

    @Test func gb18030RoundTrip() throws {
        let bytes = try #require(sample.data(using: TextDecoding.gb18030))
        #expect(TextDecoding.decode(Array(bytes)) == .text(sample, encoding: "gb18030"))
    }

    @Test func utf16WithBOM() throws {
        let le = [0xFF, 0xFE] + Array(try #require(sample.data(using: .utf16LittleEndian)))
        let be = [0xFE, 0xFF] + Array(try #require(sample.data(using: .utf16BigEndian)))
        #expect(TextDecoding.decode(le) == .text(sample, encoding: "utf-16le"))
        #expect(TextDecoding.decode(be) == .text(sample, encoding: "utf-16be"))
    }

    @Test func undecodableBytes() {
        // 0xFF is never valid in UTF-8 nor GB18030.
        guard case .undecodable = TextDecoding.decode([0x41, 0xFF, 0x42, 0xFF, 0xFF]) else {
            Issue.record("must be undecodable")
            return
        }
    }

    @Test func binaryJunkThatHappensToDecode() {
        let junk = [UInt8]((0..<400).map { UInt8($0 % 32) })  // control characters: valid UTF-8, not text
        guard case .undecodable(let reason) = TextDecoding.decode(junk) else {
            Issue.record("control-character soup must not pass as text")
            return
        }
        #expect(reason.contains("binary"))
    }
}

@Suite struct IngestTests {
    func makeCorpus(_ files: [String: [UInt8]]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gongkai-ingest-\(UUID().uuidString)")
        for (name, bytes) in files {
            let url = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        return dir
    }

    @Test func walksSortedSkipsHiddenAndRecordsEveryFile() throws {
        let dir = try makeCorpus([
            "b.txt": Array("乙".utf8), "a/z.md": Array("# 甲".utf8), ".hidden.txt": [0x41], ".git/x.txt": [0x41],
            "c.pdf": Array("%PDF-1.4".utf8), "noext": Array("丙".utf8), "bad.txt": [0xFF, 0xFE, 0xFD],
            "d.html": Array("<html><body>x</body></html>".utf8),
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        let ingester = Ingester(root: dir.path)
        let docs = try ingester.entries().map(ingester.document(for:))
        #expect(docs.map(\.path) == ["a/z.md", "b.txt", "bad.txt", "c.pdf", "d.html", "noext"])
        #expect(docs[0].format == "markdown" && docs[0].text == "# 甲")
        #expect(docs[1].format == "text" && docs[1].encoding == "utf-8" && docs[1].bytes == 3)
        #expect(docs[1].sha256 == SHA256.hex(Array("乙".utf8)))
        #expect(docs[2].error?.code == "undecodable")
        // A file that only starts like a PDF: pdftotext cannot read it (or is not installed).
        #expect(["conversion_failed", "tool_missing"].contains(docs[3].error?.code ?? "") && docs[3].format == "pdf")
        #expect(docs[4].error == nil && docs[4].format == "html" && docs[4].text == "<html><body>x</body></html>")
        #expect(docs[5].format == "text" && docs[5].text == "丙")
    }

    @Test func missingFolderIsFatal() {
        #expect(throws: StageFailure.self) { try Ingester(root: "/nonexistent/gongkai").entries() }
    }

    @Test func sniffsContentBeforeExtension() {
        #expect(FormatSniffer.format(of: Array("%PDF-1.7".utf8), path: "report.txt").name == "pdf")
        #expect(FormatSniffer.format(of: [0x50, 0x4B, 0x03, 0x04], path: "r.docx").name == "docx")
        #expect(FormatSniffer.format(of: [0xD0, 0xCF, 0x11, 0xE0], path: "r.doc").name == "doc")
        #expect(FormatSniffer.format(of: Array("报告".utf8), path: "r.TXT").isSupported)
        #expect(!FormatSniffer.format(of: Array("x".utf8), path: "r.xls").isSupported)
    }
}
