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
}
