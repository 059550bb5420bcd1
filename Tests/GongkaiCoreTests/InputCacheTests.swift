import Foundation
import Testing
@testable import GongkaiCore

/// Aggregate's cache of what it read from each record: a reading taken from the cache
/// is exactly the reading parsed from the record, and damaged bytes are never taken.
@Suite struct InputCacheTests {
    /// Readings of real reports (the seeds, the shared fixtures when present), generated
    /// ones of every style, an error record and hand-made awkward ones.
    static func inputs() throws -> [Aggregator.Input] {
        var reports: [Report] = []
        var dirs = [Fixtures.seeds]
        if Fixtures.sharedAvailable { dirs.append(Fixtures.shared.appendingPathComponent("real")) }
        for dir in dirs {
            for name in try Fixtures.cases(in: dir) {
                reports.append(extractReport(text: try Fixtures.text(dir.appendingPathComponent("\(name).txt")), path: "\(name).txt"))
            }
        }
        var generator = Generator(seed: 99)
        for s in generator.corpus(count: 40) { reports.append(extractReport(text: s.text, path: s.fileName, format: s.style.format)) }
        var odd = Report(path: "奇怪/\"名字\".txt", sha256: nil, bytes: 0, sourceFormat: "html")
        odd.values = ["apply.received.total": Quantity("12.50"), "review.total": Quantity?.none, "x.not.in.catalog": Quantity("-3"),
                      "apply.received.commercial": Quantity(mantissa: -9_876_543_210_123, scale: 4)]
        odd.alternatives = [Alternative(cells: ["a", "b"], readings: [[1, 2], [12, 0], []])]
        odd.fingerprints = ["一": [1, 2, UInt32.max], "五": []]
        odd.findings = [Finding(check: "balance", severity: .error, message: "不平衡\n", cells: ["a", "b"],
                                expected: .object(["k": .array([.number("1.0"), .null, .string("\u{1}")])]), actual: .number("-0"), line: 7),
                        Finding(check: "label_variant", severity: .info, message: "")]
        odd.agency = ""
        odd.year = -1
        odd.periodStart = "2021-01-01"
        reports.append(odd)
        var inputs = reports.map { r -> Aggregator.Input in
            var r = r
            r.provenance = [:]  // aggregate never holds it
            return Aggregator.Input(path: r.path, sha256: r.sha256, bytes: r.bytes, format: r.sourceFormat, encoding: nil,
                                    status: r.status, reason: r.status == "report" ? "" : "见说明", report: r)
        }
        inputs.append(Aggregator.Input(path: "坏.pdf", sha256: nil, bytes: 9, format: "pdf", encoding: nil, status: "error",
                                       reason: "tool_missing: 安装 poppler-utils", report: nil))
        return inputs
    }

    static func same(_ a: Aggregator.Input, _ b: Aggregator.Input) -> Bool {
        a.path == b.path && a.sha256 == b.sha256 && a.bytes == b.bytes && a.format == b.format && a.encoding == b.encoding
            && a.status == b.status && a.reason == b.reason && a.report == b.report && a.aliases == nil && b.aliases == nil
    }

    @Test func aReadingComesBackExactly() throws {
        let inputs = try Self.inputs()
        #expect(inputs.count >= 47)
        #expect(inputs.contains { ($0.report?.values.filled ?? 0) > 100 } && inputs.contains { !($0.report?.findings.isEmpty ?? true) })
        for input in inputs {
            let blob = try #require(InputCodec.encode(input))
            let back = try #require(InputCodec.decode(blob), "\(input.path)")
            #expect(Self.same(back, input), "\(input.path)")
        }
    }

    /// A re-run's reading leaves a report's alternatives and sketches as bytes until its
    /// agency is checked across years; then they are exactly the report's.
    @Test func aDeferredReadingHasItsDetailWhenTaken() throws {
        var withDetail = 0
        for input in try Self.inputs() {
            let blob = try #require(InputCodec.encode(input))
            var deferred = try #require(InputCodec.decode(deferring: blob), "\(input.path)")
            #expect(deferred.report?.alternatives.isEmpty ?? true)
            #expect(deferred.report?.fingerprints.isEmpty ?? true)
            #expect((deferred.detail != nil) == (input.report != nil))
            if !(input.report?.fingerprints.isEmpty ?? true) { withDetail += 1 }
            if case .bytes(let detail)? = deferred.detail, detail.count > 1 {
                var cut = deferred
                cut.detail = .bytes(Array(detail.dropLast()))
                let taken = cut.takeDetail()
                #expect(!taken, "\(input.path)")
            }
            let taken = deferred.takeDetail()
            #expect(taken)
            #expect(deferred.detail == nil && Self.same(deferred, input), "\(input.path)")
        }
        #expect(withDetail >= 40)
    }

    /// A reading taken from the cache file leaves its detail there: read again when taken
    /// (the same as the reading's), and never taken once the file's bytes changed.
    @Test func aDeferredDetailIsReadFromTheCacheFileAndCheckedAgain() throws {
        let dir = try EndToEndTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("aggregate.cache").path
        let inputs = try Self.inputs().filter { !($0.report?.fingerprints.isEmpty ?? true) }
        #expect(inputs.count >= 40)
        let first = InputCache(path: path, salt: "s")
        for (k, input) in inputs.enumerated() { first.keep(key: "k\(k)", blob: InputCodec.encode(input), reused: false) }
        first.finish()
        let again = InputCache(path: path, salt: "s")
        var deferred = try inputs.indices.map { try #require(again.input(for: "k\($0)")).input }
        let half = inputs.count / 2
        for k in 0..<half {
            guard case .file? = deferred[k].detail else { Issue.record("k\(k): detail not left in the file"); continue }
            let taken = deferred[k].takeDetail()
            #expect(taken && Self.same(deferred[k], inputs[k]), "k\(k)")
        }
        // A byte of each other reading's detail changed in the file: never taken.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        for k in half..<inputs.count {
            guard case .file(_, let offset, _, let detail)? = deferred[k].detail else { Issue.record("k\(k)"); continue }
            try handle.seek(toOffset: UInt64(offset + detail.lowerBound + detail.count / 2))
            let byte = try #require(handle.readData(ofLength: 1).first)
            try handle.seek(toOffset: UInt64(offset + detail.lowerBound + detail.count / 2))
            handle.write(Data([byte ^ 0x01]))
        }
        try handle.close()
        for k in half..<inputs.count {
            let taken = deferred[k].takeDetail()
            #expect(!taken, "k\(k): a changed detail was taken")
        }
    }

    @Test func damagedBytesAreNeverTakenForAReading() throws {
        let input = try #require(try Self.inputs().first { ($0.report?.values.filled ?? 0) > 100 })
        let blob = try #require(InputCodec.encode(input))
        for cut in [0, 1, 33, blob.count / 2, blob.count - 1] { #expect(InputCodec.decode(Array(blob.prefix(cut))) == nil) }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var bad = blob
            let i = Int.random(in: 0..<bad.count, using: &rng)
            bad[i] ^= UInt8.random(in: 1...255, using: &rng)
            #expect(InputCodec.decode(bad) == nil, "byte \(i) changed")
        }
        #expect(InputCodec.decode(blob + [0]) == nil)
        // Behind the hash, the slots' states are checked too: a state no slot can have, or a
        // wide number without its value, is no reading.
        let body = try #require(InputCodec.encodeBody(input))
        let state = try #require(input.report?.values.state)
        let at = try #require((0...(body.count - state.count)).first { body[$0..<($0 + state.count)].elementsEqual(state) })
        #expect(InputCodec.decodeBody(body).map { Self.same($0, input) } == true)
        let absent = try #require(state.firstIndex(of: MetricValues.absent))
        for (slot, byte) in [(0, UInt8(0x7F)), (0, MetricValues.number + 13), (absent, MetricValues.wide)] {
            var bad = body
            bad[at + slot] = byte
            #expect(InputCodec.decodeBody(bad) == nil, "slot \(slot) state \(byte)")
        }
        // A wide number's scale out of bounds (the least Int64 among them) is no reading either.
        let odd = try #require(try Self.inputs().first { !($0.report?.values.wideCells.isEmpty ?? true) })
        let oddBody = try #require(InputCodec.encodeBody(odd))
        let oddState = try #require(odd.report?.values.state)
        let oddAt = try #require((0...(oddBody.count - oddState.count)).first { oddBody[$0..<($0 + oddState.count)].elementsEqual(oddState) })
        let scaleAt = oddAt + 5 * oddState.count + 8 + 16  // states, mantissas, the count, then slot and mantissa
        #expect(InputCodec.decodeBody(oddBody).map { Self.same($0, odd) } == true)
        for scale in [Int64.min, 1001, -1001] {
            var bad = oddBody
            withUnsafeBytes(of: scale.littleEndian) { for (k, b) in $0.enumerated() { bad[scaleAt + k] = b } }
            #expect(InputCodec.decodeBody(bad) == nil, "scale \(scale)")
        }
        // The alias table is not kept (aggregate reads it each time).
        var aliases = input
        aliases.aliases = Agencies(tsv: "甲\t乙\n")
        #expect(InputCodec.encode(aliases) == nil)
    }
}
