import Foundation
import Testing
@testable import GongkaiCore

/// SplitMix64: a small seeded generator, so a failing mutation is the same on every
/// machine and can be replayed (`GONGKAI_FUZZ_SEED=n`, `GONGKAI_FUZZ_ITERATIONS=n`).
struct SeededRandom {
    var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { generator.next() }

    /// A whole number in `0..<n` (0 when `n` is 0).
    mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
}

/// The mutations a nightly corpus meets: files cut short, bytes flipped, lines shuffled
/// and duplicated, absurd numbers, control characters, tabs lost, lines run together.
enum Mutator {
    static let hugeNumbers = [
        "99999999999999999999", "-0", "-9223372036854775808", "9223372036854775807", "9223372036854775808",
        String(repeating: "9", count: 400), String(repeating: "1", count: 120), String(repeating: "0", count: 60),
        "1e999", "0.0000000000000001", "1,234,567,890,123,456", "-", "--5", "+-3", "１２３４５６７８９０１２３４５６７８９０",
        "九九九九九九九九九九", "2021年99月99日", "2147483648", "3.14.15", "万元万元", "1" + String(repeating: "0", count: 30) + "元",
        "减少99999999999999999999", "增加-5", "(一)\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t",
    ]
    static let controls: [[UInt8]] = [
        [0x00], [0x01], [0x07], [0x08], [0x0B], [0x0C], [0x0D], [0x1B], [0x7F], [0xEF, 0xBB, 0xBF] /* BOM */,
        [0xE2, 0x80, 0x8B] /* ZWSP */, [0xE2, 0x80, 0xA8] /* LINE SEPARATOR */, [0xC2, 0x85] /* NEL */,
        [0xEF, 0xBF, 0xBF] /* U+FFFF */, [0xF4, 0x8F, 0xBF, 0xBF] /* U+10FFFF */, [0xCC, 0x81] /* combining */,
        Array("\r\n\r\n".utf8), Array("\t\t\t".utf8), Array("|||".utf8), Array("<td colspan=99999 rowspan=0>".utf8),
        Array("&#99999999;&#x110000;&#0;&".utf8), Array("<table><tr><td>".utf8), Array("</table></table>".utf8),
        Array("**".utf8), Array("一、".utf8), Array("（六）".utf8),
    ]

    static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
        bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
    }

    static func joined(_ lines: [[UInt8]]) -> [UInt8] {
        Array(lines.joined(separator: [0x0A]))
    }

    /// One to four mutations of `input`.
    static func mutate(_ input: [UInt8], _ rng: inout SeededRandom) -> [UInt8] {
        var b = input
        for _ in 0..<(1 + rng.below(4)) {
            switch rng.below(11) {
            case 0:  // truncate anywhere, mid-character included
                b = Array(b.prefix(rng.below(b.count + 1)))
            case 1:  // flip bits
                for _ in 0..<(1 + rng.below(24)) where !b.isEmpty {
                    b[rng.below(b.count)] ^= UInt8(truncatingIfNeeded: 1 << rng.below(8))
                }
            case 2:  // shuffle a window of lines
                var ls = lines(b)
                if ls.count > 2 {
                    let start = rng.below(ls.count - 1)
                    let end = min(ls.count, start + 2 + rng.below(30))
                    var window = Array(ls[start..<end])
                    for i in stride(from: window.count - 1, to: 0, by: -1) { window.swapAt(i, rng.below(i + 1)) }
                    ls.replaceSubrange(start..<end, with: window)
                    b = joined(ls)
                }
            case 3:  // duplicate a run of lines somewhere else
                var ls = lines(b)
                if !ls.isEmpty {
                    let start = rng.below(ls.count)
                    let run = Array(ls[start..<min(ls.count, start + 1 + rng.below(40))])
                    ls.insert(contentsOf: run, at: rng.below(ls.count + 1))
                    b = joined(ls)
                }
            case 4:  // replace a number with an absurd one
                let digits = b.indices.filter { b[$0] >= 0x30 && b[$0] <= 0x39 }
                let huge = Array(rng.pick(hugeNumbers).utf8)
                if let at = digits.isEmpty ? nil : rng.pick(digits) {
                    var end = at
                    while end < b.count && b[end] >= 0x30 && b[end] <= 0x39 { end += 1 }
                    b.replaceSubrange(at..<end, with: huge)
                } else {
                    b.insert(contentsOf: huge, at: rng.below(b.count + 1))
                }
            case 5:  // control characters and odd scalars
                for _ in 0..<(1 + rng.below(8)) {
                    b.insert(contentsOf: rng.pick(controls), at: rng.below(b.count + 1))
                }
            case 6:  // lose the tabs of a run of lines (a table flattened by a converter)
                var ls = lines(b)
                if !ls.isEmpty {
                    let start = rng.below(ls.count)
                    let replacement: [UInt8] = rng.chance(50) ? [] : [0x20]
                    for i in start..<min(ls.count, start + 1 + rng.below(60)) {
                        ls[i] = Array(ls[i].split(separator: 0x09, omittingEmptySubsequences: false).joined(separator: replacement))
                    }
                    b = joined(ls)
                }
            case 7:  // join lines (a crawled page flattened into one line)
                var ls = lines(b)
                if ls.count > 1 {
                    let start = rng.below(ls.count - 1)
                    let end = min(ls.count, start + 2 + rng.below(rng.chance(20) ? 400 : 30))
                    let glue: [UInt8] = rng.chance(50) ? [] : [0x20]
                    ls.replaceSubrange(start..<end, with: [Array(ls[start..<end].joined(separator: glue))])
                    b = joined(ls)
                }
            case 8:  // random bytes
                let n = 1 + rng.below(64)
                let junk = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                b.insert(contentsOf: junk, at: rng.below(b.count + 1))
            case 9:  // delete a range
                if !b.isEmpty {
                    let start = rng.below(b.count)
                    b.removeSubrange(start..<min(b.count, start + 1 + rng.below(2000)))
                }
            default:  // a huge run of digits on a table line
                var ls = lines(b)
                if !ls.isEmpty {
                    let i = rng.below(ls.count)
                    ls[i] += Array(String(repeating: "1234567890", count: 1 + rng.below(40)).utf8)
                    b = joined(ls)
                }
            }
        }
        return b
    }
}

/// Mutated reports through every stage in process, then a few runs of the executables.
/// Nothing may trap; every record must serialize to JSON that parses back; aggregate and
/// render must succeed on whatever extract made.
@Suite(.serialized) struct FuzzTests {
    struct Sample: Sendable {
        var name: String
        var bytes: [UInt8]
    }

    /// The seed reports and the format fixtures (PDF aside: pdftotext reads it from disk).
    static let samples: [Sample] = {
        var out: [Sample] = []
        let fm = FileManager.default
        for name in ((try? fm.contentsOfDirectory(atPath: Fixtures.seeds.path)) ?? []).sorted() where name.hasSuffix(".txt") {
            if let d = fm.contents(atPath: Fixtures.seeds.appendingPathComponent(name).path) { out.append(Sample(name: name, bytes: Array(d))) }
        }
        for name in ["report.txt", "report.md", "report-clean.html", "report-word.utf8.html", "report-word.gbk.html", "report.docx"] {
            if let d = fm.contents(atPath: FormatFixtures.dir.appendingPathComponent(name).path) { out.append(Sample(name: name, bytes: Array(d))) }
        }
        return out
    }()

    static var seed: UInt64 { UInt64(ProcessInfo.processInfo.environment["GONGKAI_FUZZ_SEED"] ?? "") ?? 20_240_601 }
    static var iterations: Int { Int(ProcessInfo.processInfo.environment["GONGKAI_FUZZ_ITERATIONS"] ?? "") ?? 2_000 }
    static var trace: Bool { ProcessInfo.processInfo.environment["GONGKAI_FUZZ_TRACE"] != nil }

    /// What one mutated file gives: its records as serialized lines, or what went wrong.
    struct Outcome: Sendable {
        var lines: [[UInt8]] = []
        var problems: [String] = []
    }

    /// One mutated file through ingest's decoding, normalize and extract, in process.
    static func run(_ i: Int, ingester: Ingester) -> Outcome {
        var rng = SeededRandom(seed: seed &+ UInt64(i) &* 0x1000_0001)
        let sample = samples[i % samples.count]
        let bytes = Mutator.mutate(sample.bytes, &rng)
        let tag = "iteration \(i) (\(sample.name), GONGKAI_FUZZ_SEED=\(seed))"
        if trace { print("fuzz: \(tag)") }
        var out = Outcome()
        func roundTrip(_ json: JSON, _ what: String) -> [String: JSON]? {
            var line: [UInt8] = []
            json.write(to: &line)
            guard !line.contains(0x0A) else { out.problems.append("\(tag): the \(what) record holds a raw newline"); return nil }
            guard case .object(let o)? = try? JSON.parse(line) else {
                out.problems.append("\(tag): the \(what) record does not parse back")
                return nil
            }
            out.lines.append(line)
            return o
        }
        let doc = ingester.document(path: "fuzz/\(i)-\(sample.name)", bytes: bytes, fullPath: Array("/nonexistent/\(sample.name)".utf8))
        guard let d = roundTrip(doc.json, "document") else { return out }
        if (try? Document(json: d)) != doc { out.problems.append("\(tag): the document record does not read back the same") }
        guard doc.error == nil else { return out }
        let normalized = Normalizer.normalize(doc)
        guard let n = roundTrip(normalized.json, "normalized") else { return out }
        if (try? NormalizedDocument(json: n)) != normalized { out.problems.append("\(tag): the normalized record does not read back the same") }
        let report = Extractor.extract(normalized)
        guard let r = roundTrip(report.json, "report") else { return out }
        out.lines.removeFirst(2)  // aggregate takes the report
        if r["schema"]?.stringValue != Schema.report { out.problems.append("\(tag): the report has schema \(r["schema"]?.serialized ?? "nil")") }
        for (id, value) in report.values where value != nil && Catalog.metricsByID[id] == nil {
            out.problems.append("\(tag): a value for \(id), which is no metric")
        }
        return out
    }

    @Test func mutatedReportsThroughEveryStageInProcess() throws {
        #expect(Self.samples.count >= 10, "the fixtures are missing")
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ingester = Ingester(root: dir.path, tools: ToolRunner(searchPath: dir.path))  // no pdftotext: nothing to run
        let clock = ContinuousClock()
        let start = clock.now
        var problems: [String] = []
        var records = 0
        var reports = 0
        // In chunks: each chunk's records go through aggregate and render together, so
        // mutated copies of one agency meet across years as real corpora do.
        let chunk = 100
        var first = 0
        while first < Self.iterations {
            let indices = Array(first..<min(Self.iterations, first + chunk))
            let outcomes = Parallel.map(indices) { Self.run($0, ingester: ingester) }
            var aggregator = Aggregator()
            for o in outcomes {
                problems += o.problems
                for line in o.lines {
                    guard case .object(let record) = try JSON.parse(line) else { continue }
                    if record["schema"]?.stringValue == Schema.report { reports += 1 }
                    do { try aggregator.add(record) } catch { problems.append("aggregate refused a record: \(error)") }
                    records += 1
                }
            }
            let tables = aggregator.tables()
            for t in tables {
                var bytes: [UInt8] = []
                t.json.write(to: &bytes)
                guard case .object(let o) = try JSON.parse(bytes), (try? Table(json: o)) != nil else {
                    problems.append("table \(t.name) does not read back")
                    continue
                }
            }
            let out = dir.appendingPathComponent("out-\(first)")
            let written = try Renderer().write(tables, to: out.path)
            #expect(written.contains("README.md") && written.contains("inventory.csv"))
            let inventory = try String(contentsOf: out.appendingPathComponent("inventory.csv"), encoding: .utf8)
            #expect(parseCSV(inventory).count == 1 + indices.count, "every mutated file is in the inventory")
            try? FileManager.default.removeItem(at: out)
            first += chunk
        }
        let seconds = Double((clock.now - start).components.seconds) + Double((clock.now - start).components.attoseconds) / 1e18
        print("fuzz: \(Self.iterations) mutated files (seed \(Self.seed)): \(records) records, \(reports) reports, aggregated and rendered in chunks of \(chunk), \(String(format: "%.1f", seconds)) s")
        #expect(problems.isEmpty, "\(problems.prefix(10).joined(separator: "\n"))")
    }

    // MARK: Records between stages

    /// Mutated record lines through a per-document stage's reader: every line in gives
    /// exactly one line out, each a JSON object of a known schema, damaged ones error records.
    @Test func mutatedRecordLinesThroughTheStageReader() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SeededRandom(seed: Self.seed ^ 0x5EED)
        // Valid document records from the fixtures, then mutated.
        var good: [[UInt8]] = []
        for s in Self.samples.prefix(8) {
            var line: [UInt8] = []
            Document(path: s.name, bytes: s.bytes.count, sha256: SHA256.hex(s.bytes), format: "text", encoding: "utf-8",
                     text: String(decoding: s.bytes, as: UTF8.self)).json.write(to: &line)
            good.append(line)
        }
        let specials: [[UInt8]] = [
            Array("{\"schema\":\"gongkai.document/9\",\"path\":\"future.txt\",\"text\":\"x\"}".utf8),
            Array("{\"schema\":\"gongkai.document/1\"}".utf8),
            Array("{\"schema\":\"gongkai.document/1\",\"path\":7,\"text\":\"x\"}".utf8),
            Array("{\"schema\":\"gongkai.document/1\",\"path\":\"e.txt\",\"error\":{\"message\":\"no code\"}}".utf8),
            Array("{\"schema\":\"gongkai.table/1\",\"path\":\"t\",\"error\":{\"code\":\"x\"}}".utf8),
            Array("{\"path\":\"no-schema.txt\"}".utf8),
            Array("{\"schema\":null}".utf8), Array("[1,2,3]".utf8), Array("\"just a string\"".utf8), Array("42".utf8),
            Array("null".utf8), Array("{".utf8), Array("}".utf8), Array("{\"a\":".utf8), [0xFF, 0xFE, 0x00],
            Array(String(repeating: "[", count: 100_000).utf8), Array(String(repeating: "{\"a\":", count: 5_000).utf8),
            Array("{\"schema\":\"gongkai.document/1\",\"path\":\"\\ud800.txt\"}".utf8),
            Array("{\"schema\":\"gongkai.document/1\",\"path\":\"n.txt\",\"bytes\":99999999999999999999999,\"text\":\"x\"}".utf8),
            Array("{\"schema\":\"gongkai.document/1\",\"path\":\"a.txt\",\"format\":\"aliases\",\"text\":\"x\\ty\"}".utf8),
        ]
        for round in 0..<30 {
            var lines: [[UInt8]] = []
            for _ in 0..<(5 + rng.below(20)) {
                switch rng.below(4) {
                case 0: lines.append(rng.pick(good))
                case 1: lines.append(rng.pick(specials))
                default: lines.append(Mutator.mutate(rng.pick(good), &rng).filter { $0 != 0x0A })
                }
            }
            // A last line cut short, without its newline.
            var text = Array(lines.joined(separator: [0x0A]))
            if rng.chance(50) { text += Array(rng.pick(good).prefix(40)) } else { text.append(0x0A) }
            let input = dir.appendingPathComponent("in-\(round).ndjson")
            let output = dir.appendingPathComponent("out-\(round).ndjson")
            try Data(text).write(to: input)
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            let inFD = open(input.path, O_RDONLY)
            let outFD = open(output.path, O_WRONLY | O_TRUNC)
            defer { close(inFD); close(outFD) }
            var reader = LineReader(fd: inFD)
            var stream = RecordStream()
            stream.batchSize = 1 + rng.below(8)
            var reported: [String] = []
            stream.report = { reported.append($0) }
            try stream.run(reader: &reader, writer: OutputWriter(fd: outFD), stage: "gongkai-normalize") { record in
                if record["format"]?.stringValue == "aliases" { return .passThrough }
                _ = try Schema.require(record, oneOf: [Schema.document], stage: "gongkai-normalize")
                return .record(Normalizer.normalize(try Document(json: record)).json)
            }
            let inLines = Mutator.lines(text).filter { !$0.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D } }
            let outLines = Mutator.lines(Array(try Data(contentsOf: output))).filter { !$0.isEmpty }
            #expect(outLines.count == inLines.count, "round \(round): \(inLines.count) lines in, \(outLines.count) out")
            var errors = 0
            for (k, line) in outLines.enumerated() {
                guard case .object(let o)? = try? JSON.parse(line) else {
                    Issue.record("round \(round): output line \(k + 1) is not a JSON object")
                    continue
                }
                let schema = o["schema"]?.stringValue ?? ""
                #expect(Schema.perDocument.contains(schema), "round \(round): output line \(k + 1) has schema \(schema)")
                if let e = o["error"], !e.isNull {
                    errors += 1
                    #expect(RecordError(json: e) != nil && o["path"]?.stringValue != nil)
                    // What aggregate will make of it: an inventory row with its reason.
                    #expect(throws: Never.self) { _ = try Aggregator.input(from: o) }
                }
            }
            #expect(stream.errorRecords == errors)
            #expect(stream.badLines == 0 || reported.last?.contains("replaced by error records") == true)
        }
    }

    @Test func damagedLinesBecomeErrorRecordsNamingTheirLine() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = Document(path: "a.txt", bytes: 3, sha256: String(repeating: "a", count: 64), format: "text", encoding: "utf-8", text: "甲").json.serialized
        let cut = String(good.prefix(good.count - 10))
        let text = [good, cut, "{\"schema\":\"gongkai.document/9\",\"path\":\"new.txt\"}", "[1]", String(good.prefix(30))].joined(separator: "\n")
        let input = dir.appendingPathComponent("in.ndjson")
        try Data(text.utf8).write(to: input)
        let r = try EndToEndTests.run("gongkai-normalize", [], stdin: input)
        #expect(r.status == 2)
        let parsed = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").map { try? JSON.parse(String($0)) }
        #expect(parsed.count == 5 && parsed.allSatisfy { $0 != nil })
        let lines = parsed.compactMap { $0 }
        guard lines.count == 5 else { return }
        #expect(lines[0]["schema"]?.stringValue == Schema.normalized)
        // The cut line still shows its path; the others are named by their line.
        #expect(lines[1]["path"]?.stringValue == "a.txt" && lines[1]["error"]?["code"]?.stringValue == "malformed_record")
        #expect(lines[1]["error"]?["message"]?.stringValue?.contains("cut short") == true)
        #expect(lines[2]["path"]?.stringValue == "new.txt" && lines[2]["error"]?["code"]?.stringValue == "unknown_schema")
        #expect(lines[3]["path"]?.stringValue == "<gongkai-normalize input line 4>")
        #expect(lines[4]["path"]?.stringValue == "<gongkai-normalize input line 5>")
        #expect(r.stderr.contains("input line 2") && r.stderr.contains("input line 5") && r.stderr.contains("4 damaged input lines"))
        // Extract passes them on, and aggregate lists each with its reason.
        let normalized = dir.appendingPathComponent("normalized.ndjson")
        try r.stdout.write(to: normalized)
        let e = try EndToEndTests.run("gongkai-extract", [], stdin: normalized)
        #expect(e.status == 2)
        let reports = dir.appendingPathComponent("reports.ndjson")
        try e.stdout.write(to: reports)
        let a = try EndToEndTests.run("gongkai-aggregate", [], stdin: reports)
        #expect(a.status == 2)
        let tables = String(decoding: a.stdout, as: UTF8.self)
        #expect(tables.contains("<gongkai-normalize input line 4>") && tables.contains("unknown_schema: gongkai-normalize input line 3"))
    }

    // MARK: Through the executables

    /// Tens of mutated corpora through the five executables: exit codes as documented,
    /// every output line a JSON object; then damaged record files through each stage.
    @Test func mutatedCorporaThroughTheExecutables() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SeededRandom(seed: Self.seed ^ 0xE7E)
        let runs = 16
        for run in 0..<runs {
            let corpus = dir.appendingPathComponent("corpus-\(run)")
            try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
            for k in 0..<6 {
                let s = rng.pick(Self.samples)
                try Data(Mutator.mutate(s.bytes, &rng)).write(to: corpus.appendingPathComponent("\(k)-\(s.name)"))
            }
            let work = dir.appendingPathComponent("work-\(run)")
            let codes = try EndToEndTests.pipeline(corpus: corpus, work: work, out: dir.appendingPathComponent("out-\(run)"))
            #expect(codes.prefix(4).allSatisfy { $0 == 0 || $0 == 2 } && codes[4] == 0, "run \(run): exit codes \(codes)")
            for file in ["documents", "normalized", "reports", "tables"] {
                let data = try Data(contentsOf: work.appendingPathComponent("\(file).ndjson"))
                for (k, line) in Mutator.lines(Array(data)).enumerated() where !line.isEmpty {
                    guard case .object = try? JSON.parse(line) else {
                        Issue.record("run \(run): \(file).ndjson line \(k + 1) is not a JSON object")
                        continue
                    }
                }
            }
            // The records between stages damaged: normalize and extract go on, exit 2, one line out per line in.
            for (stage, file) in [("gongkai-normalize", "documents"), ("gongkai-extract", "normalized")] {
                let lines = Mutator.lines(Array(try Data(contentsOf: work.appendingPathComponent("\(file).ndjson")))).filter { !$0.isEmpty }
                var damaged = lines.map { rng.chance(40) ? Mutator.mutate($0, &rng).filter { $0 != 0x0A } : $0 }
                damaged.append(Array(lines[0].prefix(50)))  // a last line cut short
                let input = dir.appendingPathComponent("damaged-\(run)-\(file).ndjson")
                try Data(Array(damaged.joined(separator: [0x0A]))).write(to: input)
                let r = try EndToEndTests.run(stage, [], stdin: input)
                #expect(r.status == 2, "\(stage) run \(run): exit \(r.status): \(r.stderr.prefix(300))")
                let out = Mutator.lines(Array(r.stdout)).filter { !$0.isEmpty }
                let expected = damaged.filter { !$0.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D } }.count
                #expect(out.count == expected, "\(stage) run \(run): \(expected) lines in, \(out.count) out")
                #expect(out.allSatisfy { if case .object? = try? JSON.parse($0) { return true } else { return false } })
            }
        }
    }

    // MARK: Units that once trapped or hung

    @Test func absurdNumbersNeverTrap() {
        for raw in Mutator.hugeNumbers + ["", " ", "-", ".", "+", "1.", ".5", "-.5", "0x10", "1e3", "٣", "Ⅻ"] {
            _ = CellValue.parse(raw)
            _ = CellValue.parse(raw, unit: "万元")
            _ = CellValue.isValueLike(raw)
            _ = CellValue.splitLabel("行政许可 \(raw)")
            _ = CellValue.splitLabel("本年新收政府信息公开申请数量\(raw)")
        }
        #expect(CellValue.parse("99999999999999999999").quantity == nil)
        #expect(CellValue.parse("-0").quantity == Quantity.zero)
    }

    @Test func longDigitRunsAreCutOffNotExplored() {
        let clock = ContinuousClock()
        let start = clock.now
        // 7 and 15 cells from runs far too long for them: no reading, found at once.
        #expect(DigitSplit.splits([String(repeating: "1234567890", count: 20)], count: 7) == [])
        #expect(DigitSplit.splits([String(repeating: "9", count: 300)], count: 15) == [])
        #expect(DigitSplit.splits(["123", String(repeating: "7", count: 120)], count: 7) == [])
        // Exactly 15 digits a cell is still read.
        #expect(DigitSplit.splits([String(repeating: "1", count: 105)], count: 7)?.count == 1)
        // Found by the fuzz: many ways through the ones, then zeros that each need a cell of their own.
        #expect(DigitSplit.splits([String(repeating: "1", count: 44) + String(repeating: "0", count: 30)], count: 15) == [])
        _ = DigitSplit.splits(["1" + String(repeating: "0", count: 20), String(repeating: "12", count: 30)], count: 15)  // too many readings: nil, at once
        #expect(clock.now - start < .seconds(5))
    }

    /// The pruning never loses a reading: the same readings as trying every cut.
    @Test func digitSplitsAgreeWithTryingEveryCut() {
        func naive(_ tokens: [String], _ count: Int) -> [[Int64]] {
            var out: [[Int64]] = []
            func go(_ t: Int, _ acc: [Int64]) {
                if t == tokens.count { if acc.count == count { out.append(acc) }; return }
                let d = Array(tokens[t].utf8)
                // Every set of cut points inside the token.
                for mask in 0..<(1 << (d.count - 1)) {
                    var parts: [[UInt8]] = [[d[0]]]
                    for i in 1..<d.count { if mask & (1 << (i - 1)) != 0 { parts.append([d[i]]) } else { parts[parts.count - 1].append(d[i]) } }
                    guard parts.allSatisfy({ $0.count <= 15 && ($0.count == 1 || $0[0] != 0x30) }) else { continue }
                    go(t + 1, acc + parts.map { Int64(String(decoding: $0, as: UTF8.self))! })
                }
            }
            go(0, [])
            return out
        }
        var rng = SeededRandom(seed: Self.seed)
        for _ in 0..<300 {
            let tokens = (0..<(1 + rng.below(3))).map { _ in String((0..<(1 + rng.below(5))).map { _ in rng.chance(30) ? "0" : String(1 + rng.below(9)) }.joined()) }
            let count = 1 + rng.below(10)
            let got = DigitSplit.splits(tokens, count: count) ?? []
            #expect(Set(got) == Set(naive(tokens, count)) && got.count == Set(got).count, "\(tokens) in \(count)")
        }
    }

    @Test func hugeSpansInMarkupStayInProportion() {
        // 250 KB of rows, each claiming two thousand columns: read cell by cell, not as a 8-million-cell grid.
        let row = "<tr><td colspan=1000>x</td><td colspan=999></td><td rowspan=0>z</td></tr>\n"
        let lines = HTMLReader.lines("<table>" + String(repeating: row, count: 3000) + "</table>")
        #expect(lines.count == 3000 && lines.reduce(0) { $0 + $1.cells.count } <= 3 * 3000)
        // A report-sized table with spans is still laid out on its grid.
        let small = HTMLReader.lines("<table><tr><td rowspan=2>甲</td><td>1</td></tr><tr><td>2</td></tr></table>")
        #expect(small.map(\.cells) == [["甲", "1"], ["", "2"]])
    }

    @Test func deeplyNestedJSONIsRefusedOnAnyThread() {
        let deep = Array(String(repeating: "[", count: 600).utf8) + Array(String(repeating: "]", count: 600).utf8)
        // On the worker threads of the parallel map, whose stacks are small.
        let results = Parallel.map(Array(repeating: deep, count: 4)) { (try? JSON.parse($0)) == nil }
        #expect(results.allSatisfy { $0 })
    }
}
