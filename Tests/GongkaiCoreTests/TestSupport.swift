import Foundation
@testable import GongkaiCore

/// Paths of the package and its fixtures, found from this file's location.
enum Fixtures {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let seeds = packageRoot.appendingPathComponent("Tests/Fixtures/seeds")
    static let spec = packageRoot.appendingPathComponent("Tests/Fixtures/spec")
    /// The shared fixtures beside the project (absent in a user's clone).
    static let shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures")
    static var sharedAvailable: Bool { FileManager.default.fileExists(atPath: shared.appendingPathComponent("real").path) }

    static func text(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    static func json(_ url: URL) throws -> JSON { try JSON.parse(Array(Data(contentsOf: url))) }

    /// Names (without extension) of the `.txt` reports in `dir` that have an expected file.
    static func cases(in dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(".expected.json") }
            .map { String($0.dropLast(".expected.json".count)) }
            .filter { FileManager.default.fileExists(atPath: dir.appendingPathComponent("\($0).txt").path) }
            .sorted()
    }
}

/// Runs the per-document stages in process: text → report.
func extractReport(text: String, path: String, format: String = "text") -> Report {
    let doc = Document(path: path, bytes: text.utf8.count, sha256: SHA256.hex(Array(text.utf8)), format: format,
                       encoding: "utf-8", text: text)
    return Extractor.extract(Normalizer.normalize(doc))
}

/// How a report compares with an expected file (the scoring rules of shared/tools/score.py).
struct Comparison {
    var wrong: [String] = []
    var extra: [String] = []
    var meta: [String] = []
    var missedFindings: [String] = []
    var cells = 0
    var cellsRight = 0
    var perfect: Bool { wrong.isEmpty && extra.isEmpty && meta.isEmpty && missedFindings.isEmpty }

    init(report r: Report, expected e: JSON) {
        let values = e["values"]?.objectValue ?? [:]
        let unscored = Set((e["unscored"]?.arrayValue ?? []).compactMap(\.stringValue))
        cells = values.count
        for (id, want) in values.sorted(by: { $0.key < $1.key }) {
            let got: Quantity?? = r.values[id]
            let ok: Bool
            switch (want, got) {
            case (.null, .some(.none)): ok = true
            case (.number(let n), .some(.some(let q))): ok = Quantity(n) == q
            default: ok = false
            }
            if ok { cellsRight += 1 } else { wrong.append("\(id)=\(got.map { $0?.description ?? "null" } ?? "MISSING")≠\(want.serialized)") }
        }
        for (id, v) in r.values where values[id] == nil && !unscored.contains(id) && v != nil { extra.append(id) }
        let agencies = (e["agency"]?.arrayValue ?? []).compactMap { $0.stringValue?.withoutSpaces }
        if !agencies.contains(r.agency?.withoutSpaces ?? "") { meta.append("agency \(r.agency ?? "nil")") }
        if r.year != e["year"]?.intValue { meta.append("year \(r.year.map(String.init) ?? "nil")") }
        if r.activeFormat != e["format"]?["active"]?.stringValue { meta.append("format.active \(r.activeFormat ?? "nil")") }
        if r.applyFormat != e["format"]?["apply"]?.stringValue { meta.append("format.apply \(r.applyFormat ?? "nil")") }
        if r.periodStart != e["period"]?["start"]?.stringValue || r.periodEnd != e["period"]?["end"]?.stringValue {
            meta.append("period \(r.periodStart ?? "nil")…\(r.periodEnd ?? "nil")")
        }
        if r.published != e["published"]?.stringValue { meta.append("published \(r.published ?? "nil")") }
        let checks = Set(r.findings.map(\.check))
        missedFindings = (e["findings"]?.arrayValue ?? []).compactMap(\.stringValue).filter { !checks.contains($0) }
    }

    var summary: String {
        var parts = ["cells \(cellsRight)/\(cells)"]
        if !wrong.isEmpty { parts.append("wrong " + wrong.prefix(6).joined(separator: ", ") + (wrong.count > 6 ? " (+\(wrong.count - 6))" : "")) }
        if !extra.isEmpty { parts.append("extra " + extra.sorted().prefix(4).joined(separator: ", ")) }
        if !meta.isEmpty { parts.append("meta " + meta.joined(separator: ", ")) }
        if !missedFindings.isEmpty { parts.append("missed findings " + missedFindings.joined(separator: ",")) }
        return parts.joined(separator: " | ")
    }
}

/// An RFC 4180 reader for checking what render writes (quoted fields, doubled quotes, CRLF).
func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var field = ""
    var quoted = false
    var chars = Array(text.unicodeScalars)[...]
    if chars.first == "\u{FEFF}" { chars = chars.dropFirst() }
    var i = chars.startIndex
    while i < chars.endIndex {
        let c = chars[i]
        if quoted {
            if c == "\"" {
                if i + 1 < chars.endIndex && chars[i + 1] == "\"" { field.unicodeScalars.append("\""); i += 1 } else { quoted = false }
            } else {
                field.unicodeScalars.append(c)
            }
        } else if c == "\"" {
            quoted = true
        } else if c == "," {
            row.append(field); field = ""
        } else if c == "\r" || c == "\n" {
            if c == "\r" && i + 1 < chars.endIndex && chars[i + 1] == "\n" { i += 1 }
            row.append(field); field = ""
            rows.append(row); row = []
        } else {
            field.unicodeScalars.append(c)
        }
        i += 1
    }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
    return rows
}
