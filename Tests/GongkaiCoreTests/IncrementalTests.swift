import Foundation
import Testing
@testable import GongkaiCore

/// Re-runs: what did not change is copied from the previous run, and a re-run gives
/// exactly what a run from nothing gives.
@Suite(.serialized) struct IncrementalTests {
    /// Runs `stage` with stdout to `output`; with `previous`, reads the earlier output and
    /// its index, and always writes a new index (moved beside `output` afterwards).
    static func stage(_ name: String, _ args: [String], stdin: URL?, output: URL, previous: Bool) throws -> EndToEndTests.Run {
        let index = output.path + ".idx.new"
        let r = try EndToEndTests.run(name, (previous ? ["--previous", output.path] : []) + ["--index", index] + args, stdin: stdin)
        try r.stdout.write(to: output)
        try? FileManager.default.removeItem(atPath: output.path + ".idx")
        try FileManager.default.moveItem(atPath: index, toPath: output.path + ".idx")
        // Written after the output, as a stage run with `> output` writes it (here the output
        // is written after the run): aggregate's --input-index takes no index older than its file.
        if FileManager.default.fileExists(atPath: output.path + ".idx") {
            try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: output.path + ".idx")
        }
        return r
    }

    /// ingest, normalize and extract into `work`, reusing what is there when `previous`;
    /// `indexed`: normalize and extract key their input by the index of the stage before (as make runs them).
    static func perDocument(corpus: URL, work: URL, previous: Bool, indexed: Bool = false) throws -> [EndToEndTests.Run] {
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let docs = work.appendingPathComponent("documents.ndjson")
        let norm = work.appendingPathComponent("normalized.ndjson")
        let reports = work.appendingPathComponent("reports.ndjson")
        return [
            try stage("gongkai-ingest", [corpus.path], stdin: nil, output: docs, previous: previous),
            try stage("gongkai-normalize", indexed ? ["--input-index", docs.path + ".idx"] : [], stdin: docs, output: norm, previous: previous),
            try stage("gongkai-extract", indexed ? ["--input-index", norm.path + ".idx"] : [], stdin: norm, output: reports, previous: previous),
        ]
    }

    static func files(_ work: URL) throws -> [Data] {
        try ["documents", "normalized", "reports"].map { try Data(contentsOf: work.appendingPathComponent("\($0).ndjson")) }
    }

    @Test func aReRunCopiesWhatDidNotChangeAndEqualsAFreshRun() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = try EndToEndTests.makeCorpus(in: dir)
        let work = dir.appendingPathComponent("work")
        // A file changed less than a second before a run is read again the next run
        // (its stamp could be the same after another change): let the new files settle.
        Thread.sleep(forTimeInterval: 1.2)
        _ = try Self.perDocument(corpus: corpus, work: work, previous: false)

        // Nothing changed: every file and every record comes from the previous run.
        let same = try Self.perDocument(corpus: corpus, work: work, previous: true)
        // 5 seeds, the copy, scan.pdf, junk.txt, notice.txt: 9 files. scan.pdf (no pdftotext
        // text layer, or no pdftotext) is made again: its error does not depend on the file alone.
        #expect(same[0].stderr.contains("8 of 9 files unchanged"), "\(same[0].stderr)")
        #expect(same[1].stderr.contains("of 9 records unchanged"), "\(same[1].stderr)")
        #expect(same[2].stderr.contains("of 9 records unchanged"), "\(same[2].stderr)")

        // One report changed, same size: a different figure in place of another.
        let seed = corpus.appendingPathComponent("000_afc69c219cf43bd5.txt")
        var text = try String(contentsOf: seed, encoding: .utf8)
        let count = text.utf8.count
        let digit = try #require(text.firstRange(of: "本年新收政府信息公开申请数量"))
        text = text.replacingCharacters(in: digit, with: "本年新收政府信息公开申请数目")  // same length in bytes
        #expect(text.utf8.count == count)
        try Data(text.utf8).write(to: seed)
        // Changed just now: read again now, and again next run.
        let after = try Self.perDocument(corpus: corpus, work: work, previous: true)
        #expect(after[0].stderr.contains("7 of 9 files unchanged"), "\(after[0].stderr)")
        let again = try Self.perDocument(corpus: corpus, work: work, previous: true)
        #expect(again[0].stderr.contains("7 of 9 files unchanged"), "\(again[0].stderr)")
        Thread.sleep(forTimeInterval: 1.2)
        let settled = try Self.perDocument(corpus: corpus, work: work, previous: true)
        #expect(settled[0].stderr.contains("7 of 9 files unchanged"), "\(settled[0].stderr)")  // kept this time
        let last = try Self.perDocument(corpus: corpus, work: work, previous: true)
        #expect(last[0].stderr.contains("8 of 9 files unchanged"), "\(last[0].stderr)")
        #expect(after[2].stderr.contains("records unchanged"))
        let documents = String(decoding: try Data(contentsOf: work.appendingPathComponent("documents.ndjson")), as: UTF8.self)
        #expect(documents.contains("本年新收政府信息公开申请数目"))

        // What the re-run made is exactly what a run from nothing makes.
        let fresh = dir.appendingPathComponent("fresh")
        _ = try Self.perDocument(corpus: corpus, work: fresh, previous: false)
        #expect(try Self.files(work) == Self.files(fresh))
        // The indexes too: the next run reuses from either the same way.
        for name in ["documents", "normalized", "reports"] {
            #expect(try Data(contentsOf: work.appendingPathComponent("\(name).ndjson.idx"))
                    == Data(contentsOf: fresh.appendingPathComponent("\(name).ndjson.idx")))
        }
    }

    /// make writes each stage's output over an older output (`1<>`), to reuse its space:
    /// the stage must leave exactly its output there, whether the old file was longer or
    /// shorter, and whether lines are made or copied from the previous output.
    @Test func anOutputWrittenOverALongerFileIsExactlyTheOutput() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = try EndToEndTests.makeCorpus(in: dir)
        let work = dir.appendingPathComponent("work")
        _ = try IncrementalTests.perDocument(corpus: corpus, work: work, previous: false)
        let docs = work.appendingPathComponent("documents.ndjson"), norm = work.appendingPathComponent("normalized.ndjson")
        let reports = work.appendingPathComponent("reports.ndjson")
        let spare = dir.appendingPathComponent("spare")
        func junk(_ bytes: Int) throws {
            try Data((0..<bytes).map { $0 % 97 == 96 ? 0x0A : UInt8(ascii: "x") }).write(to: spare)
        }
        let runs: [(String, [String], URL?, URL)] = [
            ("gongkai-ingest", [corpus.path], nil, docs),
            ("gongkai-ingest", ["--previous", docs.path, corpus.path], nil, docs),
            ("gongkai-normalize", [], docs, norm),
            ("gongkai-normalize", ["--previous", norm.path], docs, norm),
            ("gongkai-extract", ["--previous", reports.path], norm, reports),
            ("gongkai-aggregate", [], reports, reports),
        ]
        for (stage, args, stdin, expected) in runs {
            let fresh = stage == "gongkai-aggregate" ? try EndToEndTests.run(stage, args, stdin: stdin).stdout : try Data(contentsOf: expected)
            for size in [fresh.count * 3 + 5, fresh.count / 2, 0] {
                try junk(size)
                let r = try EndToEndTests.run(stage, args, stdin: stdin, over: spare)
                #expect(r.status == 0 || r.status == 2, "\(stage): \(r.stderr)")
                #expect(r.stdout == fresh, "\(stage) over a file of \(size) bytes")
            }
        }
    }

    /// `record` (a report's line) with the value of apply.received.total in its `values` made
    /// `change` of it; nil when it has none. (Its provenance may hold the same id with a line number.)
    static func withReceived(_ record: String, _ change: (Int) -> Int) -> String? {
        withValue(record, "apply.received.total", change)
    }

    /// `record` with the value of the metric `id` in its `values` made `change` of it; nil when it has none.
    static func withValue(_ record: String, _ id: String, _ change: (Int) -> Int) -> String? {
        guard let values = record.range(of: #""values":{"#),
              let m = record[values.upperBound...].firstMatch(of: try! Regex(#""\#(id.replacingOccurrences(of: ".", with: "\\."))":(\d+)"#)),
              let n = (m.output[1].substring).flatMap({ Int($0) }) else { return nil }
        var out = record
        out.replaceSubrange(m.range, with: #""\#(id)":\#(change(n))"#)
        return out
    }

    /// Aggregate's cache is appended to while at least half of it is readings its index
    /// lists; then it is written anew, over the one before the previous (FILE.spare). Every
    /// run's tables are those of a run without a cache, and the readings are reused.
    @Test func theAggregateCacheIsAppendedToThenWrittenOverItsSpare() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let reports = try AggregateReuseTests.syntheticReports(count: 40, seed: 3, in: dir)
        let cache = dir.appendingPathComponent("work/aggregate.cache").path
        let original = try String(contentsOf: reports, encoding: .utf8)
        let lines = original.split(separator: "\n").count
        func size() throws -> Int { try #require(FileManager.default.attributesOfItem(atPath: cache)[.size] as? Int) }
        /// The bytes of the readings the index lists (each with its newline).
        func listed() throws -> Int {
            try String(contentsOfFile: cache + ".idx", encoding: .utf8).split(separator: "\n").reduce(0) { $0 + Int($1.split(separator: "\t")[2])! + 1 }
        }
        /// Runs aggregate with the cache over `text`: its tables must be a plain run's; gives how many readings it took.
        func run(_ text: String) throws -> Int {
            try Data(text.utf8).write(to: reports)
            let plain = try EndToEndTests.run("gongkai-aggregate", [], stdin: reports).stdout
            let r = try EndToEndTests.run("gongkai-aggregate", ["--cache", cache], stdin: reports)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout == plain, "differs from a run without the cache")
            return r.stderr.firstMatch(of: /(\d+) of \d+ records unchanged/).map { Int($0.1)! } ?? 0
        }
        /// `text` with the received count of every `step`-th report raised by `by`.
        func changed(_ text: String, every step: Int, by: Int) -> String {
            var n = 0
            return text.split(separator: "\n").map { line in
                guard let raised = IncrementalTests.withReceived(String(line), { $0 + by }) else { return String(line) }
                n += 1
                return n % step == 0 ? raised : String(line)
            }.joined(separator: "\n") + "\n"
        }
        #expect(lines >= 40)
        #expect(try run(original) == 0)
        let first = try size()
        #expect(try listed() == first && first > 0)
        #expect(try run(original) == lines)
        #expect(try size() == first)  // nothing new: nothing written
        // Four reports changed: their readings appended, the others left where they are.
        let some = changed(original, every: 10, by: 1)
        #expect(try run(some) == lines - 4)
        let grown = try size()
        #expect(grown - first > first / 20 && grown - first < first / 5)  // four readings of forty
        let nowListed = try listed()
        #expect(abs(nowListed - first) < first / 100 && nowListed < grown)
        #expect(!FileManager.default.fileExists(atPath: cache + ".spare"))
        // Every report changed: appended again, now half of the cache is no longer listed...
        let all = changed(original, every: 1, by: 7)
        #expect(try run(all) == 0)
        #expect(try size() > 2 * first - first / 10)
        // ...so the next run writes it anew: only what it lists, the old cache kept as the spare.
        #expect(try run(all) == lines)
        #expect(try size() == (try listed()))
        #expect(abs((try size()) - first) < first / 10)
        #expect(FileManager.default.fileExists(atPath: cache + ".spare"))
        // A readings file cut short or grown since its index: not taken; the next run writes it anew.
        let kept = try Data(contentsOf: URL(fileURLWithPath: cache))
        try (kept + Data("junk".utf8)).write(to: URL(fileURLWithPath: cache))
        #expect(try run(all) == 0)
        #expect(try run(all) == lines)
        // Written over a spare longer than it (and then one shorter), it reads back whole.
        try Data(repeating: 0x41, count: kept.count * 2).write(to: URL(fileURLWithPath: cache + ".spare"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: cache))
        #expect(try run(all) == 0)
        #expect(try size() == (try listed()) && (try size()) == kept.count)
        #expect(try run(all) == lines)
        // The last report gone: its reading, the cache's last, is cut off, and the rest is still taken.
        let fewer = all.split(separator: "\n").dropLast().joined(separator: "\n") + "\n"
        #expect(try run(fewer) == lines - 1)
        let cut = try size()
        #expect(try cut == listed() && cut < kept.count)
        #expect(try run(fewer) == lines - 1)
    }

    @Test func anOutputRewrittenSinceItsIndexIsNotTrusted() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("out.ndjson").path
        let index = OutputIndex(path: output + ".idx")
        let lines = [#"{"a":1}"#, #"{"b":22}"#]
        for (k, l) in zip(["k1", "k2"], lines) { index.add(key: k, length: l.utf8.count) }
        try index.save()
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: output))
        let previous = try #require(PreviousOutput(output: output, index: output + ".idx"))
        #expect(previous.line(for: "k2") == Array(#"{"b":22}"#.utf8))
        #expect(previous.line(for: "k3") == nil)
        // Rewritten by hand (or by a run whose index was lost): its lines are elsewhere now.
        try Data(#"{"c":333}"#.utf8 + [0x0A]).write(to: URL(fileURLWithPath: output))
        #expect(PreviousOutput(output: output, index: output + ".idx") == nil)
        #expect(PreviousOutput(output: output + ".missing", index: output + ".idx") == nil)
    }

    @Test func aNewStageVersionRecomputesEverything() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.ndjson")
        try Data(#"{"schema":"gongkai.document/1","path":"a.txt","n":1}"#.utf8 + [0x0A]
                 + Data(#"{"schema":"gongkai.document/1","path":"b.txt","n":2}"#.utf8) + [0x0A]).write(to: input)
        let output = dir.appendingPathComponent("out.ndjson").path
        /// One run of a stage that adds a member, under `version`; how many records it copied.
        func run(version: String, previous: Bool) throws -> Int {
            let inFD = open(input.path, O_RDONLY)
            let outFD = open(output + ".tmp", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            defer { close(inFD); close(outFD) }
            var stream = RecordStream()
            stream.version = version
            if previous { stream.previous = PreviousOutput(output: output, index: output + ".idx") }
            stream.index = OutputIndex(path: output + ".idx.new")
            var reader = LineReader(fd: inFD)
            try stream.run(reader: &reader, writer: OutputWriter(fd: outFD), stage: "test") { o in
                var o = o
                o["seen"] = .string(version)
                return .record(.object(o))
            }
            rename(output + ".tmp", output)
            rename(output + ".idx.new", output + ".idx")
            return stream.reused
        }
        #expect(try run(version: "1", previous: false) == 0)
        #expect(try run(version: "1", previous: true) == 2)
        #expect(try run(version: "2", previous: true) == 0)  // new code: nothing copied
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(text.components(separatedBy: #""seen":"2""#).count == 3)
    }

    @Test func onlyErrorsOfTheFileItselfAreKept() {
        func doc(_ code: String?) -> Document {
            Document(path: "a.pdf", bytes: 1, sha256: nil, format: "pdf", encoding: nil, text: code == nil ? "x" : nil,
                     error: code.map { RecordError(code: $0, message: "m") })
        }
        #expect(Ingester.isReusable(doc(nil)))
        for code in ["empty", "unsupported_format", "undecodable", "too_large"] { #expect(Ingester.isReusable(doc(code)), "\(code)") }
        for code in ["tool_missing", "unreadable", "conversion_failed", "no_text_layer", "symlink_not_followed", "not_a_file"] {
            #expect(!Ingester.isReusable(doc(code)), "\(code)")
        }
        // Links and the like have no key: they are looked at again each run.
        #expect(Ingester.cacheKey(.init(relative: Array("l".utf8), kind: .symlink), salt: "s") == nil)
        var file = Ingester.Entry(relative: Array("a.txt".utf8), kind: .file, size: 3)
        file.stamp = "3/1.0/1.0/7/1"
        let key = Ingester.cacheKey(file, salt: "s")
        #expect(key != nil && key != Ingester.cacheKey(file, salt: "t"))
        var touched = file
        touched.stamp = "3/1.5/1.5/7/1"
        #expect(Ingester.cacheKey(touched, salt: "s") != key)
        // Changed at or after the run's settling time: not kept.
        file.changed = 5_000
        #expect(Ingester.cacheKey(file, salt: "s", settledBefore: 5_001) == key)
        #expect(Ingester.cacheKey(file, salt: "s", settledBefore: 5_000) == nil)
    }
}

/// Aggregate copies each agency's year-over-year record when nothing it is made from
/// changed; the tables are exactly those of a run without the previous output.
@Suite(.serialized) struct AggregateReuseTests {
    /// `count` generated reports through ingest, normalize and extract: the reports file.
    static func syntheticReports(count: Int, seed: Int, in dir: URL) throws -> URL {
        let corpus = dir.appendingPathComponent("corpus")
        let synth = try EndToEndTests.run("gongkai-synth", ["--out", corpus.path, "--count", "\(count)", "--seed", "\(seed)"])
        #expect(synth.status == 0, "\(synth.stderr)")
        let work = dir.appendingPathComponent("work")
        _ = try IncrementalTests.perDocument(corpus: corpus, work: work, previous: false)
        return work.appendingPathComponent("reports.ndjson")
    }

    @Test func unchangedAgenciesAreCopiedAndTheTablesEqualAFreshRun() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let reports = try Self.syntheticReports(count: 80, seed: 7, in: dir)
        let tables = dir.appendingPathComponent("work/tables.ndjson")

        let first = try IncrementalTests.stage("gongkai-aggregate", [], stdin: reports, output: tables, previous: false)
        #expect(first.status == 0 && !first.stderr.contains("unchanged"), "\(first.stderr)")
        let fresh = try Data(contentsOf: tables)
        let again = try IncrementalTests.stage("gongkai-aggregate", [], stdin: reports, output: tables, previous: true)
        let agencies = try #require(again.stderr.firstMatch(of: /(\d+) of (\d+) agencies' records \(year-over-year, every report\) unchanged/))
        #expect(agencies.1 == agencies.2 && Int(agencies.2)! >= 5, "\(again.stderr)")
        let yearTables = try #require(Self.yearTables(again))
        #expect(yearTables.reused == yearTables.keyed && yearTables.keyed == Self.yearTableNames(fresh).count, "\(again.stderr)")
        #expect(try Data(contentsOf: tables) == fresh)

        // One report's figure changed: its agency's records are made again, the others copied.
        var lines = try String(contentsOf: reports, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let k = try #require(lines.firstIndex { $0.contains(#""year":2021"#) && IncrementalTests.withReceived($0, { $0 }) != nil })
        var raised = 0
        lines[k] = try #require(IncrementalTests.withReceived(lines[k]) { raised = $0 + 1000; return raised })
        try Data(lines.joined(separator: "\n").utf8).write(to: reports)
        let changed = try IncrementalTests.stage("gongkai-aggregate", [], stdin: reports, output: tables, previous: true)
        let after = try #require(changed.stderr.firstMatch(of: /(\d+) of (\d+) agencies' records \(year-over-year, every report\) unchanged/))
        #expect(Int(after.1)! == Int(after.2)! - 2, "\(changed.stderr)")  // its two records: year-over-year, every report
        // Its year's comparison tables are made again, every other year's copied.
        let names = Self.yearTableNames(fresh)
        let remade = try #require(Self.yearTables(changed))
        #expect(remade.keyed == names.count)
        #expect(remade.keyed - remade.reused == names.filter { $0.contains("_2021") }.count, "\(changed.stderr)")
        #expect(names.filter { $0.contains("_2021") }.count >= 2)
        let withReuse = try Data(contentsOf: tables)
        let plain = try EndToEndTests.run("gongkai-aggregate", [], stdin: reports)
        #expect(withReuse == plain.stdout)
        #expect(raised >= 1000 && String(decoding: withReuse, as: UTF8.self).contains("\(raised)"))
    }

    /// "N of M tables of a year … unchanged" from aggregate's stderr.
    static func yearTables(_ r: EndToEndTests.Run) -> (reused: Int, keyed: Int)? {
        r.stderr.firstMatch(of: /(\d+) of (\d+) tables of a year \(compare, compare_kind, compare_active\) unchanged/).map { (Int($0.1)!, Int($0.2)!) }
    }

    /// The names of a year's comparison tables in an aggregate output.
    static func yearTableNames(_ tables: Data) -> [String] {
        String(decoding: tables, as: UTF8.self).split(separator: "\n").compactMap { line -> String? in
            guard !line.contains(#""continuation":true"#), let m = line.firstMatch(of: /"name":"(compare_[a-z_]*\d{4}[a-z0-9_]*)"/) else { return nil }
            return String(m.1)
        }
    }

    /// A year's comparison tables are keyed by what they show, not by the reports' records:
    /// a record that changed only where they do not look (its file's SHA-256 and size, as when
    /// a sentence of prose changed) leaves every one copied; a changed file name (a column of
    /// theirs) makes its year's tables again. Either way the tables equal a fresh run's.
    @Test func aYearsTablesAreCopiedWhenWhatTheyShowIsUnchanged() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let reports = try Self.syntheticReports(count: 60, seed: 3, in: dir)
        let tables = dir.appendingPathComponent("work/tables.ndjson")
        _ = try IncrementalTests.stage("gongkai-aggregate", [], stdin: reports, output: tables, previous: false)
        let names = Self.yearTableNames(try Data(contentsOf: tables))
        #expect(names.count >= 10, "\(names)")

        var lines = try String(contentsOf: reports, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let k = try #require(lines.firstIndex { $0.contains(#""year":2020"#) && $0.contains(#""sha256":""#) })
        let sha = try #require(lines[k].firstMatch(of: /"sha256":"([0-9a-f]{64})"/))
        lines[k] = lines[k].replacingOccurrences(of: String(sha.1), with: String(repeating: "0", count: 64))
        try Data(lines.joined(separator: "\n").utf8).write(to: reports)
        let prose = try IncrementalTests.stage("gongkai-aggregate", [], stdin: reports, output: tables, previous: true)
        let copied = try #require(Self.yearTables(prose))
        #expect(copied.reused == names.count && copied.keyed == names.count, "\(prose.stderr)")
        #expect(try Data(contentsOf: tables) == (try EndToEndTests.run("gongkai-aggregate", [], stdin: reports)).stdout)
        #expect(String(decoding: try Data(contentsOf: tables), as: UTF8.self).contains(String(repeating: "0", count: 64)))

        let path = try #require(lines[k].firstMatch(of: /"path":"([^"]+)"/))
        lines[k] = lines[k].replacingOccurrences(of: #""path":"\#(path.1)""#, with: #""path":"renamed-\#(path.1)""#)
        try Data(lines.joined(separator: "\n").utf8).write(to: reports)
        let renamed = try IncrementalTests.stage("gongkai-aggregate", [], stdin: reports, output: tables, previous: true)
        let remade = try #require(Self.yearTables(renamed))
        #expect(remade.keyed - remade.reused == names.filter { $0.contains("_2020") }.count, "\(renamed.stderr)")
        let shown = try Data(contentsOf: tables)
        #expect(shown == (try EndToEndTests.run("gongkai-aggregate", [], stdin: reports)).stdout)
        #expect(String(decoding: shown, as: UTF8.self).contains("renamed-\(path.1)"))
    }

    /// The records are keyed by the agency's shown name as well as its reports' records:
    /// an alias table that renames one agency makes its records again, and only those.
    @Test func anAgencyRenamedByTheAliasTableIsMadeAgain() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let reports = try Self.syntheticReports(count: 80, seed: 11, in: dir)
        let tables = dir.appendingPathComponent("work/tables.ndjson")
        _ = try IncrementalTests.stage("gongkai-aggregate", [], stdin: reports, output: tables, previous: false)

        // An agency with reports in several years (so it has both kinds of record).
        let text = try String(contentsOf: reports, encoding: .utf8)
        var years: [String: Set<String>] = [:]
        for m in text.matches(of: /"agency":"([^"]+)"[^\n]*?"year":(\d+)/) { years[String(m.1), default: []].insert(String(m.2)) }
        let agency = try #require(years.filter { $0.value.count >= 2 }.keys.sorted().first)
        let tsv = "\(agency)\t测试改名后的机关\n"  // alias<TAB>canonical name
        let aliases = JSON.object(["schema": .string(Schema.document), "path": .string(Agencies.aliasFile), "format": .string("aliases"),
                                   "bytes": .int(tsv.utf8.count), "sha256": .string(SHA256.hex(Array(tsv.utf8))),
                                   "encoding": .string("utf-8"), "text": .string(tsv)])
        try Data((aliases.serialized + "\n" + text).utf8).write(to: reports)

        let renamed = try IncrementalTests.stage("gongkai-aggregate", [], stdin: reports, output: tables, previous: true)
        let counts = try #require(renamed.stderr.firstMatch(of: /(\d+) of (\d+) agencies' records \(year-over-year, every report\) unchanged/))
        // Its two records, and at most one neighbour per table whose place as a table's
        // last record moved with the new name's sort position.
        let remade = Int(counts.2)! - Int(counts.1)!
        #expect(remade >= 2 && remade <= 4, "\(renamed.stderr)")
        let withReuse = try Data(contentsOf: tables)
        #expect(withReuse == (try EndToEndTests.run("gongkai-aggregate", [], stdin: reports)).stdout)
        let shown = String(decoding: withReuse, as: UTF8.self)
        #expect(shown.contains("测试改名后的机关"), "the new name is not in the tables")
    }

    /// An agency renamed by the alias table is checked across years again: its findings
    /// name it (two reports for one year: duplicate_report says the agency's name).
    @Test func anAgencyRenamedByTheAliasTableIsCheckedAgain() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let reports = try Self.syntheticReports(count: 40, seed: 3, in: dir)
        let cache = dir.appendingPathComponent("work/aggregate.cache").path
        var lines = try String(contentsOf: reports, encoding: .utf8).split(separator: "\n").map(String.init)
        // A second report of one agency for one year: another file, another SHA-256.
        let k = try #require(lines.firstIndex { $0.contains(#""agency":""#) && $0.contains(#""sha256":""#) })
        let agency = try #require(lines[k].firstMatch(of: /"agency":"([^"]+)"/)).1
        var copy = lines[k].replacingOccurrences(of: #""path":""#, with: #""path":"copy-"#)
        let sha = try #require(copy.firstMatch(of: /"sha256":"([0-9a-f])/))
        copy.replaceSubrange(sha.range, with: #""sha256":"\#(sha.1 == "0" ? "1" : "0")"#)
        lines.append(copy)
        try Data(lines.joined(separator: "\n").utf8).write(to: reports)
        func run() throws -> (tables: Data, reused: Int?, agencies: Int?) {
            let r = try EndToEndTests.run("gongkai-aggregate", ["--cache", cache], stdin: reports)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout == (try EndToEndTests.run("gongkai-aggregate", [], stdin: reports)).stdout, "differs from a run without the cache")
            let m = r.stderr.firstMatch(of: /(\d+) of (\d+) agencies unchanged since the previous run \(their findings across years/)
            return (r.stdout, m.map { Int($0.1)! }, m.map { Int($0.2)! })
        }
        _ = try run()
        let before = try run()
        let agencies = try #require(before.agencies)
        #expect(before.reused == agencies)
        #expect(String(decoding: before.tables, as: UTF8.self).contains("\(agency)"), "no finding names the agency")
        let tsv = "\(agency)\t测试改名后的机关\n"  // alias<TAB>canonical name
        let aliases = JSON.object(["schema": .string(Schema.document), "path": .string(Agencies.aliasFile), "format": .string("aliases"),
                                   "bytes": .int(tsv.utf8.count), "sha256": .string(SHA256.hex(Array(tsv.utf8))),
                                   "encoding": .string("utf-8"), "text": .string(tsv)])
        try Data((aliases.serialized + "\n" + lines.joined(separator: "\n")).utf8).write(to: reports)
        let renamed = try run()
        #expect(renamed.reused == agencies - 1 && renamed.agencies == agencies)
        #expect(String(decoding: renamed.tables, as: UTF8.self).contains("测试改名后的机关2"), "the duplicate_report finding does not name the agency anew")
    }

    /// Each agency's findings across years are kept in FILE.checks: an agency whose records
    /// are unchanged takes them from there, one whose record changed is checked again, and
    /// a damaged file is not read. Every run's tables are a run's without a cache.
    @Test func findingsAcrossYearsAreTakenForUnchangedAgenciesOnly() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let reports = try Self.syntheticReports(count: 60, seed: 5, in: dir)
        let cache = dir.appendingPathComponent("work/aggregate.cache").path
        func run() throws -> (tables: String, reused: Int?, agencies: Int?) {
            let r = try EndToEndTests.run("gongkai-aggregate", ["--cache", cache], stdin: reports)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout == (try EndToEndTests.run("gongkai-aggregate", [], stdin: reports)).stdout, "differs from a run without the cache")
            let m = r.stderr.firstMatch(of: /(\d+) of (\d+) agencies unchanged since the previous run \(their findings across years/)
            return (String(decoding: r.stdout, as: UTF8.self), m.map { Int($0.1)! }, m.map { Int($0.2)! })
        }
        let first = try run()
        #expect(first.reused == nil)  // nothing to take yet
        let again = try run()
        let agencies = try #require(again.agencies)
        #expect(again.reused == agencies && agencies >= 5)
        // A report's carry-over from the year before made wrong: its agency is checked again
        // (the finding appears), every other agency's findings are taken.
        var lines = try String(contentsOf: reports, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let k = try #require(lines.firstIndex { !$0.contains(#""year":2019"#) && IncrementalTests.withValue($0, "apply.carried_over.total", { $0 }) != nil })
        lines[k] = try #require(IncrementalTests.withValue(lines[k], "apply.carried_over.total") { $0 + 1000 })
        try Data(lines.joined(separator: "\n").utf8).write(to: reports)
        let changed = try run()
        #expect(changed.reused == agencies - 1 && changed.agencies == agencies)
        #expect(changed.tables.components(separatedBy: "application_carry").count > again.tables.components(separatedBy: "application_carry").count)
        // A damaged file: nothing taken from it; the next run takes everything again.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: cache + ".checks"))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: cache + ".checks"))
        #expect(try run().reused == nil)
        #expect(try run().reused == agencies)
    }

    @Test func recordsReadBeforeAreTakenFromTheCacheAndTheTablesEqualAFreshRun() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let reports = try Self.syntheticReports(count: 60, seed: 11, in: dir)
        let cache = dir.appendingPathComponent("work/aggregate.cache").path
        func run() throws -> (tables: Data, reused: Int?) {
            let r = try EndToEndTests.run("gongkai-aggregate", ["--cache", cache], stdin: reports)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout == (try EndToEndTests.run("gongkai-aggregate", [], stdin: reports)).stdout, "differs from a run without the cache")
            return (r.stdout, r.stderr.firstMatch(of: /(\d+) of 6\d records unchanged/).map { Int($0.1)! })
        }
        let lines = try String(contentsOf: reports, encoding: .utf8).split(separator: "\n").count
        #expect(lines >= 60)
        #expect(try run().reused == nil)  // nothing to take yet
        #expect(try run().reused == lines)
        // One record changed: read again, the others taken.
        let text = try #require(IncrementalTests.withReceived(try String(contentsOf: reports, encoding: .utf8)) { $0 + 1 })
        try Data(text.utf8).write(to: reports)
        #expect(try run().reused == lines - 1)
        // A damaged cache: nothing taken from it, the tables still right.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: cache))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: cache))
        let afterDamage = try run().reused
        #expect(afterDamage == nil || afterDamage! < lines, "a damaged reading was taken")
        // Cut short: the index no longer matches, the cache is not used at all.
        try Data(bytes.prefix(bytes.count / 3)).write(to: URL(fileURLWithPath: cache))
        #expect(try run().reused == nil)
        #expect(try run().reused == lines)
    }
}

/// Aggregate reads its input through extract's index (`--input-index`): an unchanged
/// record's reading comes from the cache by extract's key, without the record being read.
@Suite(.serialized) struct IndexedInputTests {
    static func aggregate(_ reports: URL, cache: String, index: String?) throws -> EndToEndTests.Run {
        let r = try EndToEndTests.run("gongkai-aggregate", ["--cache", cache] + (index.map { ["--input-index", $0] } ?? []), stdin: reports)
        #expect(r.status == 0, "\(r.stderr)")
        return r
    }

    static func reused(_ r: EndToEndTests.Run) -> Int? {
        r.stderr.firstMatch(of: /(\d+) of \d+ records unchanged/).map { Int($0.1)! }
    }

    @Test func unchangedRecordsAreTakenByExtractsKeyAndTheTablesEqualAFreshRun() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let reports = try AggregateReuseTests.syntheticReports(count: 50, seed: 5, in: dir)
        let work = dir.appendingPathComponent("work")
        let corpus = dir.appendingPathComponent("corpus")
        let index = reports.path + ".idx"
        let cache = work.appendingPathComponent("aggregate.cache").path
        let lines = try String(contentsOf: reports, encoding: .utf8).split(separator: "\n").count
        let fresh = try EndToEndTests.run("gongkai-aggregate", [], stdin: reports).stdout

        let first = try Self.aggregate(reports, cache: cache, index: index)
        #expect(first.stdout == fresh)
        #expect(!first.stderr.contains("reading every record instead"), "\(first.stderr)")
        #expect(Self.reused(first) == nil)
        let second = try Self.aggregate(reports, cache: cache, index: index)
        #expect(second.stdout == fresh)
        #expect(Self.reused(second) == lines, "\(second.stderr)")

        // One report changed in the corpus, the stages before re-run: its record is read
        // again (extract gave it a new key), every other one is taken from the cache.
        Thread.sleep(forTimeInterval: 1.2)  // (ingest trusts a file's stamp only once it has settled)
        let names = try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted()
        let sentence = "本年度未收取信息处理费。"
        let name = try #require(try names.first { try String(contentsOf: corpus.appendingPathComponent($0), encoding: .utf8).contains(sentence) })
        let file = corpus.appendingPathComponent(name)
        let text = try String(contentsOf: file, encoding: .utf8)
        try Data(text.replacingOccurrences(of: sentence, with: "本年度未收取信息处理费，无其他需要报告的事项。").utf8).write(to: file)
        _ = try IncrementalTests.perDocument(corpus: corpus, work: work, previous: true)
        let changedFresh = try EndToEndTests.run("gongkai-aggregate", [], stdin: reports).stdout
        #expect(changedFresh != fresh, "the change did not reach the reports")
        let third = try Self.aggregate(reports, cache: cache, index: index)
        #expect(third.stdout == changedFresh)
        #expect(Self.reused(third) == lines - 1, "\(third.stderr)")
    }

    @Test func anIndexThatDoesNotDescribeTheInputIsNotTaken() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let reports = try AggregateReuseTests.syntheticReports(count: 30, seed: 9, in: dir)
        let index = reports.path + ".idx"
        let cache = dir.appendingPathComponent("work/aggregate.cache").path
        let lines = try String(contentsOf: reports, encoding: .utf8).split(separator: "\n").count
        _ = try Self.aggregate(reports, cache: cache, index: index)
        #expect(Self.reused(try Self.aggregate(reports, cache: cache, index: index)) == lines)

        // A figure changed in place after the index was written, the file's size the same:
        // the index's keys would name the old records, so the index is not taken.
        // (Its last digit changed: the same number of digits.)
        let text = try #require(IncrementalTests.withReceived(try String(contentsOf: reports, encoding: .utf8)) { $0 / 10 * 10 + ($0 % 10 + 1) % 10 })
        let indexBytes = try Data(contentsOf: URL(fileURLWithPath: index))
        Thread.sleep(forTimeInterval: 0.05)
        try Data(text.utf8).write(to: reports)
        let changed = try Self.aggregate(reports, cache: cache, index: index)
        #expect(changed.stderr.contains("the input was changed after its index"), "\(changed.stderr)")
        let fresh = try EndToEndTests.run("gongkai-aggregate", [], stdin: reports).stdout
        #expect(changed.stdout == fresh)
        #expect(Self.reused(changed) == nil)  // (the cache holds readings by extract's keys)

        // An index that leaves a line out, or is of another file's size: not taken either.
        let indexLines = String(decoding: indexBytes, as: UTF8.self).split(separator: "\n")
        for bad in [Array(indexLines[0..<3] + indexLines[4...]), Array(indexLines.prefix(lines - 1))] {
            try Data(bad.map { $0 + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: index))
            let r = try Self.aggregate(reports, cache: cache, index: index)
            #expect(r.stderr.contains("reading every record instead"), "\(r.stderr)")
            #expect(r.stdout == fresh)
        }
        // A missing index: every record read, the same tables.
        try FileManager.default.removeItem(atPath: index)
        let missing = try Self.aggregate(reports, cache: cache, index: index)
        #expect(missing.stderr.contains("cannot read the index"))
        #expect(missing.stdout == fresh)
    }

    @Test func linesTheIndexGivesNoKeyAreReadAndKeyedByTheirBytes() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let reports = try AggregateReuseTests.syntheticReports(count: 20, seed: 2, in: dir)
        let index = reports.path + ".idx"
        let cache = dir.appendingPathComponent("work/aggregate.cache").path
        // Extract names a damaged input line "-": it has no key of its own.
        let text = try String(contentsOf: URL(fileURLWithPath: index), encoding: .utf8)
        let unkeyed = text.split(separator: "\n").map { line -> String in
            var fields = line.split(separator: "\t").map(String.init)
            fields[0] = "-"
            return fields.joined(separator: "\t") + "\n"
        }.joined()
        try Data(unkeyed.utf8).write(to: URL(fileURLWithPath: index))
        let lines = unkeyed.split(separator: "\n").count
        let fresh = try EndToEndTests.run("gongkai-aggregate", [], stdin: reports).stdout
        let first = try Self.aggregate(reports, cache: cache, index: index)
        #expect(first.stdout == fresh)
        #expect(!first.stderr.contains("reading every record instead"), "\(first.stderr)")
        // The same readings as a run without the index: its cache serves one.
        let plain = try Self.aggregate(reports, cache: cache, index: nil)
        #expect(Self.reused(plain) == lines, "\(plain.stderr)")
        #expect(plain.stdout == fresh)
    }

    /// normalize and extract key each line by the key the stage before gave it (`--input-index`):
    /// an unchanged line is copied without being read, a changed one is read and worked on.
    @Test func perDocumentStagesTakeUnchangedLinesByTheKeyTheStageBeforeGave() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = try EndToEndTests.makeCorpus(in: dir)
        let work = dir.appendingPathComponent("work")
        let plain = dir.appendingPathComponent("plain")
        Thread.sleep(forTimeInterval: 1.2)  // (ingest trusts a file's stamp only once it has settled)
        let first = try IncrementalTests.perDocument(corpus: corpus, work: work, previous: false, indexed: true)
        for r in first { #expect(!r.stderr.contains("instead"), "\(r.stderr)") }
        _ = try IncrementalTests.perDocument(corpus: corpus, work: plain, previous: false)
        #expect(try IncrementalTests.files(work) == IncrementalTests.files(plain))
        let again = try IncrementalTests.perDocument(corpus: corpus, work: work, previous: true, indexed: true)
        #expect(try IncrementalTests.files(work) == IncrementalTests.files(plain))
        for r in again.dropFirst() { #expect(r.stderr.contains("9 of 9 records unchanged"), "\(r.stderr)") }

        // The index is trusted: a line rewritten in place behind its back (its size and
        // the file's time kept) is not read; without the index it is read and worked on.
        let docs = work.appendingPathComponent("documents.ndjson")
        let norm = work.appendingPathComponent("normalized.ndjson")
        let before = try Data(contentsOf: norm)
        let time = try #require(try FileManager.default.attributesOfItem(atPath: docs.path)[.modificationDate] as? Date)
        var text = try String(contentsOf: docs, encoding: .utf8)
        let word = try #require(text.firstRange(of: "本年新收政府信息公开申请数量"))
        text.replaceSubrange(word, with: "本年新收政府信息公开申请数目")
        try Data(text.utf8).write(to: docs)
        try FileManager.default.setAttributes([.modificationDate: time], ofItemAtPath: docs.path)
        let trusted = try EndToEndTests.run("gongkai-normalize", ["--previous", norm.path, "--input-index", docs.path + ".idx"], stdin: docs)
        #expect(trusted.stdout == before)
        #expect(trusted.stderr.contains("9 of 9 records unchanged"), "\(trusted.stderr)")
        let read = try EndToEndTests.run("gongkai-normalize", ["--previous", norm.path], stdin: docs)
        #expect(read.stdout != before && String(decoding: read.stdout, as: UTF8.self).contains("本年新收政府信息公开申请数目"))
        #expect(!read.stderr.contains("9 of 9 records unchanged"), "\(read.stderr)")  // (keyed by bytes: the previous output was keyed by the index)
        // Newer than its index: the index is not taken, every line is read.
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(5)], ofItemAtPath: docs.path)
        let newer = try EndToEndTests.run("gongkai-normalize", ["--previous", norm.path, "--input-index", docs.path + ".idx"], stdin: docs)
        #expect(newer.stderr.contains("reading every line instead"), "\(newer.stderr)")
        #expect(newer.stdout == read.stdout)

        // A report changed in the corpus: ingest gives it a new key, so normalize and
        // extract read that line alone, and every output is what a run from nothing makes.
        _ = try IncrementalTests.perDocument(corpus: corpus, work: work, previous: false, indexed: true)
        Thread.sleep(forTimeInterval: 1.2)
        let seed = corpus.appendingPathComponent("000_afc69c219cf43bd5.txt")
        let report = try String(contentsOf: seed, encoding: .utf8)
        try Data(report.replacingOccurrences(of: "本年新收政府信息公开申请数量", with: "本年新收政府信息公开申请数目").utf8).write(to: seed)
        let changed = try IncrementalTests.perDocument(corpus: corpus, work: work, previous: true, indexed: true)
        for r in changed.dropFirst() { #expect(r.stderr.contains("8 of 9 records unchanged"), "\(r.stderr)") }
        _ = try IncrementalTests.perDocument(corpus: corpus, work: plain, previous: false)
        #expect(try IncrementalTests.files(work) == IncrementalTests.files(plain))
        #expect(String(decoding: try Data(contentsOf: norm), as: UTF8.self).contains("本年新收政府信息公开申请数目"))
    }

    @Test func aPipeCannotBeReadByItsIndex() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        guard case .failure(let why) = IndexedInput.open(index: "/nonexistent", fd: fds[0]) else {
            Issue.record("a pipe was taken")
            return
        }
        #expect(why.message.contains("not a regular file"))
    }
}

/// Lines copied from a previous output land exactly where they belong among lines written.
@Suite struct CopyLinesTests {
    @Test func theIndexSaysWhichLinesAreErrorRecords() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("out.ndjson").path
        try Data("{\"a\":1}\n{\"error\":{}}\n{\"c\":3}\n".utf8).write(to: URL(fileURLWithPath: output))
        let index = OutputIndex(path: output + ".idx")
        index.add(key: "k1", length: 7, error: false)
        index.add(key: "k2", length: 12, error: true)
        index.add(key: "k3", length: 7)  // as an older index wrote it
        try index.save()
        let previous = try #require(PreviousOutput(output: output, index: output + ".idx"))
        #expect(previous.entry(for: "k1")?.error == false && previous.entry(for: "k2")?.error == true)
        #expect(previous.entry(for: "k3")?.error == nil && previous.line(for: "k3") == Array("{\"c\":3}".utf8))
        #expect(previous.entry(for: "k2")?.offset == 8 && previous.entry(for: "k2")?.length == 12)
    }

    @Test func copiedAndWrittenLinesKeepTheirOrder() throws {
        for slow in [false, true] {
            let dir = try EndToEndTests.tempDir()
            defer { try? FileManager.default.removeItem(at: dir) }
            let source = dir.appendingPathComponent("previous")
            let lines = (0..<300).map { "{\"n\":\($0),\"text\":\"第\($0)行\(String(repeating: "字", count: $0 % 97))\"}" }
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: source)
            var offsets: [Int] = []
            var at = 0
            for l in lines { offsets.append(at); at += l.utf8.count + 1 }
            let target = dir.appendingPathComponent("out")
            let out = open(target.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            let src = open(source.path, O_RDONLY)
            defer { close(src) }
            let writer = OutputWriter(fd: out)
            writer.copyUnsupported = slow  // the pread path, as for a pipe
            var expected = ""
            // Runs of copied lines (some adjacent, some not), new lines between, a copy last.
            for i in 0..<300 where i % 7 != 3 {
                if i % 11 == 0 {
                    writer.writeLine(Array("new \(i)".utf8))
                    expected += "new \(i)\n"
                }
                let k = i % 5 == 0 ? 299 - i : i
                writer.copyLines(from: src, offset: offsets[k], length: lines[k].utf8.count + 1)
                expected += lines[k] + "\n"
            }
            writer.flush()
            close(out)
            #expect(try String(contentsOf: target, encoding: .utf8) == expected, "slow path: \(slow)")
        }
    }

    /// Several megabytes (more buffers than the writing thread holds at once) of written and
    /// copied lines land in order, over a longer file that `finish` cuts to their length.
    @Test func manyBuffersAndCopiesLandInOrderOverALongerFile() throws {
        for slow in [false, true] {
            let dir = try EndToEndTests.tempDir()
            defer { try? FileManager.default.removeItem(at: dir) }
            let source = dir.appendingPathComponent("previous")
            let lines = (0..<2_000).map { "{\"n\":\($0),\"text\":\"\(String(repeating: "公开", count: $0 % 211))\"}" }
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: source)
            var offsets: [Int] = []
            var at = 0
            for l in lines { offsets.append(at); at += l.utf8.count + 1 }
            let target = dir.appendingPathComponent("out")
            // An older, longer output written over from its start, as make does (`1<>`).
            try Data(repeating: 0x78, count: 30 << 20).write(to: target)
            let out = open(target.path, O_WRONLY)
            let src = open(source.path, O_RDONLY)
            defer { close(src) }
            let writer = OutputWriter(fd: out)
            writer.copyUnsupported = slow
            var expected: [UInt8] = []
            var n = 0
            while expected.count < 12 << 20 {
                let k = (n * 7_919) % lines.count
                switch n % 4 {
                case 0:
                    writer.copyLines(from: src, offset: offsets[k], length: lines[k].utf8.count + 1)
                    expected += Array(lines[k].utf8) + [0x0A]
                case 1:
                    let record: JSON = .object(["n": .int(n), "s": .string(String(repeating: "表", count: n % 500))])
                    writer.writeRecord(record)
                    expected += Array(record.serialized.utf8) + [0x0A]
                case 2:
                    let bytes = Array(String(repeating: "x", count: n % 3_000).utf8) + [0x0A]
                    writer.write(bytes)
                    expected += bytes
                default:
                    writer.writeLine(Array("line \(n)".utf8))
                    expected += Array("line \(n)\n".utf8)
                }
                n += 1
            }
            writer.finish()
            close(out)
            let written = try Data(contentsOf: target)
            #expect(written.count == expected.count, "slow path: \(slow)")
            #expect(written == Data(expected), "slow path: \(slow)")  // (a Data shows only its size when it fails)
        }
    }

    /// A file of the stage's own (a cache, a page) that cannot be written: the failure is
    /// kept and thrown at `close`, the stage is not stopped (/dev/full: every write fails).
    @Test func aFailedBackgroundWriteIsThrownAtClose() throws {
        let writer = try FileWriter(path: "/dev/full", background: true)
        for _ in 0..<5 { writer.write(String(repeating: "公开", count: 300_000)) }  // several buffers
        #expect(writer.position == 5 * 1_800_000)
        #expect(throws: StageFailure.self) { try writer.close() }
        let full = open("/dev/full", O_WRONLY)
        defer { close(full) }
        let plain = OutputWriter(fd: full, name: "/dev/full", stopping: false)
        plain.write(Array(repeating: UInt8(ascii: "x"), count: 3 << 20))
        plain.flush()
        #expect(plain.failure?.contains("cannot write '/dev/full'") == true)
    }

    /// The index reader (fields and numbers read where they lie) against the plain one, on
    /// random indexes with every kind of damage: extra or empty fields, signs, letters, too
    /// many digits, spans past the file, keys that are not UTF-8, no last newline.
    @Test func indexReaderAgreesWithThePlainOne() {
        var rng = SystemRandomNumberGenerator()
        let pieces: [[UInt8]] = [Array("k1".utf8), Array("0123456789abcdef0123456789abcdef".utf8), [0xE5, 0x85, 0xAC], [0xFF, 0x41],
                                 Array("0".utf8), Array("17".utf8), Array("+5".utf8), Array("-0".utf8), Array("-3".utf8), Array("+".utf8),
                                 Array("12a".utf8), Array("1234567890123456789".utf8), Array("999999999999999999".utf8), Array("e".utf8),
                                 Array("-".utf8), Array("ee".utf8), []]
        for _ in 0..<300 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0..<40, using: &rng) {
                if Bool.random(using: &rng) {
                    // A well-formed line.
                    bytes += Array("key\(Int.random(in: 0..<50, using: &rng))\t\(Int.random(in: 0..<900, using: &rng))\t\(Int.random(in: 0..<200, using: &rng))\t-".utf8)
                } else {
                    for f in 0..<Int.random(in: 0..<6, using: &rng) {
                        if f > 0 { bytes += Array(repeating: 0x09, count: Int.random(in: 1...2, using: &rng)) }
                        bytes += pieces[Int.random(in: 0..<pieces.count, using: &rng)]
                    }
                }
                if Int.random(in: 0..<10, using: &rng) > 0 { bytes.append(0x0A) }
            }
            let size = Int.random(in: 0..<1_000, using: &rng)
            let fast = PreviousOutput.entries(ofIndex: bytes, size: size)
            let plain = PreviousOutput.entriesPlain(ofIndex: bytes, size: size)
            #expect(fast.map(\.key) == plain.map(\.key))
            #expect(fast.map(\.entry.offset) == plain.map(\.entry.offset))
            #expect(fast.map(\.entry.length) == plain.map(\.entry.length))
            #expect(fast.map(\.entry.error) == plain.map(\.entry.error))
        }
    }

    /// A writer let go without `finish` (or `flush`) still writes what it was given, in
    /// order: what is in flight first, then a copy and a buffer still waiting.
    @Test func aWriterLetGoWritesWhatWasWaiting() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("previous")
        let old = Array(repeating: UInt8(ascii: "p"), count: 100_000) + [0x0A]
        try Data(old).write(to: source)
        let target = dir.appendingPathComponent("out")
        let out = open(target.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let src = open(source.path, O_RDONLY)
        defer { close(src) }
        var expected: [UInt8] = []
        do {
            let writer = OutputWriter(fd: out)
            for n in 0..<3_000 {
                let line = Array(String(repeating: "年", count: n % 700).utf8)
                writer.writeLine(line)
                expected += line + [0x0A]
            }
            writer.copyLines(from: src, offset: 0, length: old.count)
            expected += old
            writer.writeLine(Array("last".utf8))
            expected += Array("last\n".utf8)
            writer.copyLines(from: src, offset: 0, length: old.count)  // a copy still waiting
            expected += old
        }
        close(out)
        #expect(try Data(contentsOf: target) == Data(expected))
    }
}
