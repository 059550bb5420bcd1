import Foundation
import Testing
@testable import GongkaiCore

/// The shared fixtures (seeds and real reports) beside the project, when present.
/// A user's clone has no `../shared`: these tests are then skipped with a message.
@Suite struct SharedFixtureTests {
    struct Case {
        var dir: URL
        var name: String
    }

    static func cases() -> [Case] {
        guard Fixtures.sharedAvailable else { return [] }
        var out: [Case] = []
        for sub in ["seeds", "real"] {
            let dir = Fixtures.shared.appendingPathComponent(sub)
            out += ((try? Fixtures.cases(in: dir)) ?? []).map { Case(dir: dir, name: $0) }
        }
        return out
    }

    /// Expected values the text does not pin down (Tests/Fixtures/corrections.tsv):
    /// fixture → metric → corrected value (nil: the cell stays blank).
    static func corrections() throws -> [String: [String: JSON]] {
        let text = try Fixtures.text(Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/corrections.tsv"))
        var out: [String: [String: JSON]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 5 else { continue }
            out[f[0], default: [:]][f[1]] = f[2] == "null" ? .null : .number(f[2])
        }
        return out
    }

    /// With the corrections applied, every fixture is read exactly: every value, no
    /// extra value, the metadata, and every expected per-report finding.
    @Test(.enabled(if: Fixtures.sharedAvailable, "../shared/fixtures is not here (a user's clone): skipped"))
    func exactOnSharedFixturesWithCorrections() throws {
        let corrections = try Self.corrections()
        #expect(corrections.values.map(\.count).reduce(0, +) == 58)
        // Checks that need other years run in aggregate, not on one report.
        let crossYear: Set<String> = ["in_force_carry", "application_carry", "duplicate_report", "boilerplate"]
        for c in Self.cases() {
            let text = try Fixtures.text(c.dir.appendingPathComponent("\(c.name).txt"))
            var expected = try Fixtures.json(c.dir.appendingPathComponent("\(c.name).expected.json")).objectValue!
            if let fixes = corrections[c.name] {
                var values = expected["values"]!.objectValue!
                for (id, v) in fixes {
                    #expect(values[id] != nil, "\(c.name): correction for \(id), which the expected file does not list")
                    values[id] = v
                }
                expected["values"] = .object(values)
            }
            let findings = (expected["findings"]?.arrayValue ?? []).filter { !crossYear.contains($0.stringValue ?? "") }
            expected["findings"] = .array(findings)
            let report = extractReport(text: text, path: "\(c.name).txt")
            let cmp = Comparison(report: report, expected: .object(expected))
            #expect(cmp.perfect, "\(c.name): \(cmp.summary)")
        }
    }

    /// Every fixture: no value read wrong, no value where the expected file has none,
    /// metadata right, every expected value we do not give explained by a finding
    /// (the text does not pin it down, or the cell is blank in the text); and a table
    /// of the accuracy per file.
    @Test(.enabled(if: Fixtures.sharedAvailable, "../shared/fixtures is not here (a user's clone): skipped"))
    func accuracyOnSharedFixtures() throws {
        var rows: [String] = []
        var totalCells = 0, totalRight = 0
        for c in Self.cases() {
            let text = try Fixtures.text(c.dir.appendingPathComponent("\(c.name).txt"))
            let expected = try Fixtures.json(c.dir.appendingPathComponent("\(c.name).expected.json"))
            let report = extractReport(text: text, path: "\(c.name).txt")
            let cmp = Comparison(report: report, expected: expected)
            totalCells += cmp.cells
            totalRight += cmp.cellsRight
            let explained = Set(report.findings.filter { $0.check == "ambiguous_cells" || $0.check == "blank_cells" }.flatMap(\.cells))
            var wrongValues: [String] = []
            var unexplained: [String] = []
            for miss in cmp.wrong {
                let id = String(miss.prefix { $0 != "=" })
                switch report.values[id] {
                case .some(.some):
                    wrongValues.append(miss)  // a number that is not the expected one
                case .some(.none), .none:
                    if !explained.contains(id) { unexplained.append(miss) }
                }
            }
            #expect(wrongValues.isEmpty, "\(c.name): values read wrong: \(wrongValues)")
            #expect(unexplained.isEmpty, "\(c.name): blank without a finding saying why: \(unexplained)")
            #expect(cmp.extra.isEmpty, "\(c.name): values the expected file does not have: \(cmp.extra)")
            #expect(cmp.meta.isEmpty, "\(c.name): metadata \(cmp.meta)")
            // No error where the printed numbers add up (the expected file lists no error check).
            let errorChecks: Set<String> = ["balance", "row_total", "result_total", "review_total", "in_force_carry", "application_carry"]
            let expectedChecks = Set((expected["findings"]?.arrayValue ?? []).compactMap(\.stringValue))
            if expectedChecks.isDisjoint(with: errorChecks) {
                #expect(!report.findings.contains { $0.severity == .error }, "\(c.name): \(report.findings.filter { $0.severity == .error }.map(\.message))")
            }
            let pct = cmp.cells == 0 ? 100.0 : 100.0 * Double(cmp.cellsRight) / Double(cmp.cells)
            rows.append(c.name.padding(toLength: 28, withPad: " ", startingAt: 0)
                        + String(format: " %4d/%-4d %6.2f%%  ", cmp.cellsRight, cmp.cells, pct)
                        + (cmp.missedFindings.isEmpty ? "" : "missed findings: " + cmp.missedFindings.joined(separator: ",")))
        }
        let overall = totalCells == 0 ? 100.0 : 100.0 * Double(totalRight) / Double(totalCells)
        print("fixture accuracy (cells right / expected cells):\n" + rows.joined(separator: "\n") + "\n"
              + "all".padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: " %4d/%-4d %6.2f%%", totalRight, totalCells, overall))
        // Regression floor: what this version measured (see the README); raise it as extraction improves.
        #expect(overall >= 97.5)
    }
}
