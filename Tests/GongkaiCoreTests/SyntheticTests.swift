import Testing
@testable import GongkaiCore

/// Generated reports (every style, both formats, carry-over between years) must
/// extract to exactly the values they were generated with.
@Suite struct SyntheticTests {
    @Test func generatedReportsExtractExactly() {
        var generator = Generator(seed: 20261125)
        let samples = generator.corpus(count: 420)
        #expect(Set(samples.map(\.style)) == Set(Generator.Style.allCases))
        #expect(Set(samples.map(\.year)) == Set(2019...2025))
        var failures: [String] = []
        for s in samples {
            let r = extractReport(text: s.text, path: s.fileName, format: s.style.format)
            var wrong: [String] = []
            for (id, v) in s.values where r.values[id] != .some(v) { wrong.append("\(id)=\(String(describing: r.values[id]))≠\(v)") }
            let extra = r.values.filter { s.values[$0.key] == nil && $0.value != nil }.map(\.key)
            let errors = r.findings.filter { $0.severity == .error }.map(\.message)
            if !wrong.isEmpty || !extra.isEmpty || r.agency != s.agency || r.year != s.year || r.published != s.published || !errors.isEmpty {
                failures.append("\(s.fileName) (\(s.style)): wrong \(wrong.prefix(3)) extra \(extra.prefix(3)) agency \(r.agency ?? "nil") errors \(errors.prefix(2))")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(samples.count): \(failures.prefix(5))")
    }

    @Test func sameSeedSameCorpus() {
        var a = Generator(seed: 7), b = Generator(seed: 7), c = Generator(seed: 8)
        let x = a.corpus(count: 30), y = b.corpus(count: 30), z = c.corpus(count: 30)
        #expect(x.map(\.text) == y.map(\.text))
        #expect(x.map(\.text) != z.map(\.text))
    }

    @Test func carryOverHoldsAcrossYears() throws {
        var g = Generator(seed: 3)
        let samples = g.corpus(count: 14)  // two agencies, 2019–2025 each
        var agg = Aggregator()
        for s in samples {
            try agg.add(extractReport(text: s.text, path: s.fileName, format: s.style.format).json.objectValue!)
        }
        let findings = agg.tables().first { $0.name == "findings" }!
        let carry = findings.rows.filter { $0[4] == .string("application_carry") || $0[4] == .string("in_force_carry") }
        #expect(carry.isEmpty, "\(carry)")
        #expect(Set(samples.map(\.agency)).count == 2)
    }

    /// Integers are written with the digits `String(v)` gives, at the edges and in between.
    @Test func integerDigitsAreStringsDigits() {
        var values: [Int64] = [0, 1, 9, 10, 11, 99, 100, -1, -9, -10, -100, Int64.max, Int64.min, Int64.min + 1, 1_000_000_007]
        var rng = SplitMix64(seed: 4)
        for _ in 0..<3000 { values.append(Int64(bitPattern: rng.next()) >> Int64(rng.next() % 63)) }
        for v in values {
            var out: [UInt8] = [7]
            Report.write(v, to: &out)
            #expect(out == [7] + Array(String(v).utf8), "\(v)")
        }
    }

    /// Extract writes each report straight to bytes (`Report.write`): the same bytes as
    /// serializing its `json`, for generated reports of every style, the seed reports,
    /// and reports with the rarer members filled in by hand.
    @Test func reportBytesEqualItsJSON() throws {
        var generator = Generator(seed: 99)
        var reports = generator.corpus(count: 150).map { extractReport(text: $0.text, path: $0.fileName, format: $0.style.format) }
        for name in try Fixtures.cases(in: Fixtures.seeds) {
            reports.append(extractReport(text: try Fixtures.text(Fixtures.seeds.appendingPathComponent(name + ".txt")), path: name + ".txt"))
        }
        var odd = Report(path: "目录/带\"引号\"\\和\n换行.txt", sha256: nil, bytes: 0, sourceFormat: "html")
        odd.status = "not_a_report"
        odd.values["apply.received.total"] = .some(Quantity(mantissa: -1234567, scale: 3))
        odd.values["active.procurement.amount"] = .some(Quantity(mantissa: 5, scale: 4))
        odd.values["apply.received.commercial"] = .some(nil)
        odd.values["review.total"] = .some(Quantity(Int(Int64.min + 1)))
        odd.provenance["apply.received.total"] = Provenance(line: 0, text: "减\t\u{1}\"1,234.567\"")
        odd.provenance["active.procurement.amount"] = Provenance(line: 3, text: "0.0005")  // the value as written: a line alone
        odd.provenance["apply.received.commercial"] = Provenance(line: 4, text: "")
        odd.provenance["review.total"] = Provenance(line: 5, text: "\(Int64.min + 1)")
        odd.alternatives = [Alternative(cells: ["apply.received.total"], readings: [[1, 2], [3, 4]])]
        odd.fingerprints = ["一": [1, 2, 3], "五": []]
        odd.findings = [Finding(check: "balance", severity: .error, message: "不平", cells: ["a", "b"], expected: .int(3), actual: .number("2.5"), line: 7)]
        odd.periodStart = "2021-01-01"
        reports.append(odd)
        var other = odd
        other.values["not.in.catalog"] = .some(Quantity(1))  // an id outside the catalog: written through `json`
        reports += [other, Report(path: "", sha256: "x", bytes: 1, sourceFormat: "")]
        #expect(reports.count > 150)
        for r in reports {
            var direct: [UInt8] = [], viaJSON: [UInt8] = []
            r.write(to: &direct)
            r.json.write(to: &viaJSON)
            #expect(direct == viaJSON, "\(r.path)")
        }
    }

    /// A value's provenance is its line number alone when its cell's text is the value as
    /// written, else the line and the text; read back, each has its text again.
    @Test func provenanceIsALineAloneWhenTheTextIsTheValue() throws {
        var r = Report(path: "a.txt", sha256: nil, bytes: 0, sourceFormat: "text")
        let cases: [(id: String, value: Quantity??, text: String, plain: Bool)] = [
            ("apply.received.total", .some(Quantity(243)), "243", true),
            ("apply.granted.natural_person", .some(Quantity(-5)), "-5", true),
            ("active.procurement.amount", .some(Quantity(mantissa: 5872231, scale: 2)), "58722.31", true),
            ("active.fees.amount", .some(Quantity(mantissa: 258, scale: 2)), "2.58万元", false),
            ("apply.received.commercial", .some(Quantity(4)), "+4", false),
            ("apply.received.research", .some(Quantity(12)), "１２", false),
            ("apply.received.legal", .some(Quantity(7)), "07", false),
            ("review.total", .some(nil), "", false),
            ("review.corrected", .some(nil), "/", false),
            ("litigation.total", nil, "9", false),  // (no value: never a line alone)
        ]
        for c in cases {
            if let v = c.value { r.values[c.id] = v }
            r.provenance[c.id] = Provenance(line: 10, text: c.text)
        }
        var bytes: [UInt8] = []
        r.write(to: &bytes)
        let record = try JSON.parse(bytes)
        #expect(record["schema"] == .string("gongkai.report/2"))
        for c in cases {
            #expect(record["provenance"]?[c.id] == (c.plain ? .int(10) : .object(["line": .int(10), "text": .string(c.text)])), "\(c.id)")
        }
        let back = try Report(json: record.objectValue ?? [:])
        #expect(back.provenance == r.provenance && back.values == r.values)
        // A version 1 record (the object always) reads the same.
        var v1 = record.objectValue ?? [:]
        v1["schema"] = .string("gongkai.report/1")
        v1["provenance"] = .object(Dictionary(uniqueKeysWithValues: cases.map { ($0.id, JSON.object(["line": .int(10), "text": .string($0.text)])) }))
        #expect(try Report(json: v1).provenance == r.provenance)
        #expect(try Aggregator.input(from: v1).report?.values == r.values)
    }
}
