import Foundation
import Testing
@testable import GongkaiCore

/// Runs the built executables, as the Makefile does, in a temporary folder of its own.
@Suite(.serialized) struct EndToEndTests {
    static let binDir: URL? = {
        var candidates: [URL] = []
        if let exe = Bundle.main.executableURL { candidates.append(exe.deletingLastPathComponent()) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        candidates.append(Fixtures.packageRoot.appendingPathComponent(".build/debug"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("gongkai-ingest").path) }
    }()

    struct Run {
        var status: Int32
        var stdout: Data
        var stderr: String
    }

    /// `over`: stdout is this existing file, opened as make's `1<>` opens it (written over
    /// from its start, not emptied first); `stdout` is then what the file holds afterwards.
    static func run(_ stage: String, _ args: [String] = [], stdin: URL? = nil, over: URL? = nil) throws -> Run {
        let bin = try #require(binDir, "the gongkai executables are not built (run `swift build` first)")
        let p = Process()
        p.executableURL = bin.appendingPathComponent(stage)
        p.arguments = args
        let out = over ?? FileManager.default.temporaryDirectory.appendingPathComponent("gongkai-out-\(UUID().uuidString)")
        let err = FileManager.default.temporaryDirectory.appendingPathComponent("gongkai-err-\(UUID().uuidString)")
        if over == nil { FileManager.default.createFile(atPath: out.path, contents: nil) }
        FileManager.default.createFile(atPath: err.path, contents: nil)
        defer { if over == nil { try? FileManager.default.removeItem(at: out) }; try? FileManager.default.removeItem(at: err) }
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        p.standardInput = try stdin.map { try FileHandle(forReadingFrom: $0) } ?? FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: try Data(contentsOf: out),
                   stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }

    /// A corpus of the seeds plus files that cannot be read.
    static func makeCorpus(in dir: URL, reversed: Bool = false) throws -> URL {
        let corpus = dir.appendingPathComponent("corpus")
        try FileManager.default.createDirectory(at: corpus.appendingPathComponent("sub"), withIntermediateDirectories: true)
        var names = try Fixtures.cases(in: Fixtures.seeds)
        if reversed { names.reverse() }  // creation order must not matter
        for n in names {
            try FileManager.default.copyItem(at: Fixtures.seeds.appendingPathComponent("\(n).txt"),
                                             to: corpus.appendingPathComponent("\(n).txt"))
        }
        try FileManager.default.copyItem(at: Fixtures.seeds.appendingPathComponent("000_afc69c219cf43bd5.txt"),
                                         to: corpus.appendingPathComponent("sub/copy of 000.txt"))
        try Data("%PDF-1.4 binary".utf8).write(to: corpus.appendingPathComponent("scan.pdf"))
        try Data([0x41, 0xFF, 0xFE, 0xFF, 0x42]).write(to: corpus.appendingPathComponent("junk.txt"))
        try Data("关于召开工作会议的通知\n各科室：请准时参加。".utf8).write(to: corpus.appendingPathComponent("notice.txt"))
        try Data("x".utf8).write(to: corpus.appendingPathComponent(".hidden.txt"))
        return corpus
    }

    /// Runs all five stages; returns the work files and the exit codes.
    static func pipeline(corpus: URL, work: URL, out: URL) throws -> [Int32] {
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        var codes: [Int32] = []
        var input: URL?
        for (stage, args, file) in [("gongkai-ingest", [corpus.path], "documents"), ("gongkai-normalize", [], "normalized"),
                                    ("gongkai-extract", [], "reports"), ("gongkai-aggregate", [], "tables")] {
            let r = try run(stage, args, stdin: input)
            codes.append(r.status)
            let url = work.appendingPathComponent("\(file).ndjson")
            try r.stdout.write(to: url)
            input = url
        }
        codes.append(try run("gongkai-render", ["--out", out.path], stdin: input).status)
        return codes
    }

    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gongkai-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func wholePipelineAccountsForEveryFile() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = try Self.makeCorpus(in: dir)
        let out = dir.appendingPathComponent("out")
        let codes = try Self.pipeline(corpus: corpus, work: dir.appendingPathComponent("work"), out: out)
        // Two unreadable files: every per-document stage finishes with exit code 2; render with 0.
        #expect(codes == [2, 2, 2, 2, 0])

        let inventory = try String(contentsOf: out.appendingPathComponent("inventory.csv"), encoding: .utf8)
        let rows = parseCSV(inventory)
        #expect(rows.first == ["path", "status", "reason", "format", "bytes", "sha256", "agency", "year"])
        #expect(rows.count == 1 + 9)  // header, the 5 seeds, the copy, the PDF, the junk, the notice
        #expect(rows.allSatisfy { $0.count == 8 })
        func row(_ path: String) -> [String] { rows.first { $0[0] == path } ?? [] }
        #expect(row("000_afc69c219cf43bd5.txt")[1] == "report")
        #expect(row("000_afc69c219cf43bd5.txt")[6] == "海东市地方品牌产业培育促进局")
        #expect(row("sub/copy of 000.txt")[1] == "duplicate")
        #expect(row("sub/copy of 000.txt")[2] == "same content as 000_afc69c219cf43bd5.txt")
        // Not a real PDF: pdftotext fails on it (or is not installed).
        #expect(row("scan.pdf")[1] == "error"
                && (row("scan.pdf")[2].hasPrefix("conversion_failed: ") || row("scan.pdf")[2].hasPrefix("tool_missing: ")))
        #expect(row("junk.txt")[1] == "error" && row("junk.txt")[2].hasPrefix("undecodable: "))
        #expect(row("notice.txt")[1] == "not_a_report")
        #expect(!inventory.contains(".hidden"))

        for name in ["README.md", "summary.csv", "summary.md", "inventory.md", "reports.csv", "reports.md", "findings.csv", "findings.md"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
        }
        let reports = try String(contentsOf: out.appendingPathComponent("reports.csv"), encoding: .utf8)
        let reportRows = parseCSV(reports)
        #expect(reportRows.count == 1 + 5)
        #expect(reportRows.allSatisfy { $0.count == 10 + Catalog.metrics.count })
        let readme = try String(contentsOf: out.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("[findings.csv](findings.csv)"))
    }

    @Test func sameCorpusGivesIdenticalBytes() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try Self.makeCorpus(in: dir.appendingPathComponent("a"))
        let b = try Self.makeCorpus(in: dir.appendingPathComponent("b"), reversed: true)
        _ = try Self.pipeline(corpus: a, work: dir.appendingPathComponent("wa"), out: dir.appendingPathComponent("oa"))
        _ = try Self.pipeline(corpus: b, work: dir.appendingPathComponent("wb"), out: dir.appendingPathComponent("ob"))
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("oa").path).sorted()
        #expect(files == (try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("ob").path).sorted()))
        for f in files {
            let x = try Data(contentsOf: dir.appendingPathComponent("oa/\(f)"))
            let y = try Data(contentsOf: dir.appendingPathComponent("ob/\(f)"))
            #expect(x == y, "\(f) differs between runs")
        }
    }

    @Test(arguments: ["gongkai-ingest", "gongkai-normalize", "gongkai-extract", "gongkai-aggregate", "gongkai-render"])
    func everyStageHasHelp(stage: String) throws {
        let r = try Self.run(stage, ["--help"])
        #expect(r.status == 0)
        let text = String(decoding: r.stdout, as: UTF8.self)
        #expect(text.hasPrefix("usage: \(stage)"))
        #expect(text.contains("exit codes"))
        let bad = try Self.run(stage, ["--no-such-option"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("unknown option"))
    }

    @Test func malformedRecordBecomesAnErrorRecordNamingTheLine() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.ndjson")
        let good = Document(path: "a.txt", bytes: 1, sha256: "x", format: "text", encoding: "utf-8", text: "甲").json.serialized
        try Data("\(good)\n{\"schema\": \"gongkai.document/1\", oops\n".utf8).write(to: input)
        let r = try Self.run("gongkai-normalize", [], stdin: input)
        // The run goes on: the bad line is an error record in its place, named on stderr, exit 2.
        #expect(r.status == 2)
        #expect(r.stderr.contains("input line 2"))
        let lines = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 2)
        let bad = try JSON.parse(String(lines.last ?? ""))
        #expect(bad["error"]?["code"]?.stringValue == "malformed_record")
        #expect(bad["path"]?.stringValue == "<gongkai-normalize input line 2>")
    }

    @Test func errorRecordPassesThroughUntouched() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.ndjson")
        let line = Document(path: "b.pdf", bytes: 9, sha256: "y", format: "pdf", encoding: nil, text: nil,
                            error: RecordError(code: "unsupported_format", message: "a PDF")).json.serialized
        try Data((line + "\n").utf8).write(to: input)
        let n = try Self.run("gongkai-normalize", [], stdin: input)
        #expect(n.status == 2)
        #expect(String(decoding: n.stdout, as: UTF8.self) == line + "\n")
        let e = try Self.run("gongkai-extract", [], stdin: input)
        #expect(String(decoding: e.stdout, as: UTF8.self) == line + "\n")
    }

    @Test func wrongRecordKindIsRefused() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.ndjson")
        try Data("{\"schema\":\"gongkai.document/1\",\"path\":\"a.txt\",\"text\":\"x\"}\n".utf8).write(to: input)
        let r = try Self.run("gongkai-extract", [], stdin: input)
        #expect(r.status == 1)
        #expect(r.stderr.contains("gongkai.normalized/1"))
    }

    @Test func missingCorpusFolder() throws {
        let r = try Self.run("gongkai-ingest", ["/nonexistent/corpus"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("does not exist"))
    }
}
