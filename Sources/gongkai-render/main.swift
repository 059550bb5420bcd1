import Foundation
import GongkaiCore

let usage = """
usage: gongkai-render --out DIR [--excel] [--cache FILE] < tables.ndjson

Reads gongkai.table/2 (and /1) records on stdin and writes, for each table NAME,
DIR/NAME.csv (RFC 4180, UTF-8, CRLF, column ids as header), DIR/NAME.md
(Markdown, Chinese labels, numbers right-aligned, blanks blank) and the SVG
charts the table asks for (DIR/NAME-CHART.svg, embedded in NAME.md), plus
DIR/README.md, an index of what was read and could not be, the most serious
findings, and a link to every table and chart.

Files are written atomically; the same tables always give byte-identical files
(no timestamps). DIR/.gongkai-manifest lists the files written; files an
earlier run listed there and this run no longer writes are removed. No other
file in DIR is touched.

options:
  --out DIR    output folder (created if missing)
  --excel      start each CSV with a UTF-8 byte-order mark so Excel/WPS show Chinese
  --cache FILE keep in FILE what was made of each record of a table that comes in
               several records (an agency's years: CSV rows, Markdown section, charts;
               rows past those a table's Markdown shows: CSV rows); a re-run reuses it
               for every record whose bytes and table columns are unchanged, when the
               output file it points into is the one written then and its charts are
               still there; and of a table charted over all its rows (a year's
               comparison), its files, kept when every record of it is unchanged
               and the files are the ones written then (its records not even
               parsed). Put FILE outside DIR (make uses .work/).
  -h, --help   show this help

CSV cells of text that a spreadsheet would run as a formula (starting with =, +, -,
@, a tab or a carriage return) get a ' in front; numbers are written as they are.

exit codes:
  0  every table written
  1  could not run: bad usage, output that cannot be written, or tables that do not
     make sense (rows without their table, a stream that ends inside a table)
"""

/// A duration in whole milliseconds, for the run facts on stderr.
func milliseconds(_ d: Duration) -> Int64 { d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000 }

/// One table record, or why it cannot be one (with its line number). A continuation record
/// is read straight from its bytes (`Table.decodeContinuation`); any other, or one of another
/// shape, by the general reader, which also explains what is wrong with it.
func parseTable(_ raw: [UInt8], line: Int) -> Result<Table, NDJSONError> {
    if let table = Table.decodeContinuation(raw) { return .success(table) }
    do {
        guard case .object(let record) = try JSON.parse(raw) else {
            return .failure(NDJSONError(line: line, message: "expected a JSON object, found another JSON value"))
        }
        _ = try Schema.require(record, oneOf: Schema.tables, stage: "gongkai-render")
        return .success(try Table(json: record))
    } catch let e as JSONParseError {
        return .failure(NDJSONError(line: line, message: "malformed JSON record: \(e)"))
    } catch {
        return .failure(NDJSONError(line: line, message: "\(error)"))
    }
}

Stage.run(name: "gongkai-render", usage: usage, valued: ["out", "cache"], flags: ["excel"]) { args in
    guard let out = args.options["out"], !out.isEmpty else {
        throw StageFailure("missing --out DIR (usage: gongkai-render --out DIR < tables.ndjson; see --help)")
    }
    guard args.positionals.isEmpty else { throw StageFailure("unexpected argument '\(args.positionals[0])' (see --help)") }
    let clock = ContinuousClock()
    let start = clock.now
    let renderer = Renderer(excelBOM: args.has("excel"))
    do {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    } catch {
        throw StageFailure("cannot create output folder '\(out)': \(error.localizedDescription)")
    }
    // One table at a time: written, then let go. A table that arrives in several records
    // streams to its files when it has no charts or sections; otherwise its rows are
    // gathered first (charts and sections need them all).
    var reader = LineReader()
    var written: [String] = []
    var names = Set<String>()
    var entries: [Renderer.IndexEntry] = []
    var gathering: Table?
    /// The gathered table's first record's bytes, and its other records: their rows, or
    /// their bytes (not parsed) when the previous run drew them; and their keys.
    var gatheringFirst: [UInt8] = []
    var gathered: [(line: Int, raw: [UInt8]?, rows: [[JSON]]?)] = []
    var gatheredKeys: [String?] = []
    var stream: TableStream?

    func claim(_ files: [String]) throws {
        for f in files where !names.insert(f).inserted { throw StageFailure("two output files are named '\(f)'") }
        written += files
    }
    @discardableResult
    func complete(_ table: Table) throws -> (files: [String], charts: [Renderer.ChartFile]) {
        let (files, charts) = try renderer.files(for: table)
        try claim(files.map(\.name))
        for f in files { try Renderer.writeAtomically(f.text, to: "\(out)/\(f.name)") }
        entries.append(Renderer.entry(table, rows: table.rows.count, charts: charts))
        return (files.map(\.name), charts)
    }
    /// The rows of a gathered record kept as bytes.
    func rows(of part: (line: Int, raw: [UInt8]?, rows: [[JSON]]?), in name: String) throws -> [[JSON]] {
        if let rows = part.rows { return rows }
        let t = try parseTable(part.raw ?? [], line: part.line).get()
        guard t.continuation, t.name == name else {
            throw NDJSONError(line: part.line, message: "rows for table '\(t.name)', which did not come before them")
        }
        return t.rows
    }
    /// The gathered table is whole: its files kept when every record of it is the
    /// previous run's and they are still the ones written then, else drawn.
    func endGathering() throws {
        guard var g = gathering else { return }
        gathering = nil
        defer { gathered = []; gatheredKeys = []; gatheringFirst = [] }
        let key = cache.tableKey(first: gatheringFirst, records: gatheredKeys)
        let records = gatheredKeys.compactMap { $0 }
        if let key, let kept = cache.reusableTable(g.name, key: key) {
            // The index shows the first rows: those of the first records.
            for part in gathered where g.rows.count < Renderer.indexRowLimit { g.rows += try rows(of: part, in: g.name) }
            try claim(kept.fileNames)
            entries.append(Renderer.entry(g, rows: kept.rows, charts: kept.charts))
            cache.keepTable(g.name, key: key, rows: kept.rows, files: kept.fileNames, charts: kept.charts, records: records)
            cache.reusedTables += 1
        } else {
            for part in gathered { g.rows += try rows(of: part, in: g.name) }
            let (files, charts) = try complete(g)
            if let key { cache.keepTable(g.name, key: key, rows: g.rows.count, files: files, charts: charts, records: records) }
        }
        cache.gatheredTables += 1
    }
    // What the previous run made of each record of a table in several records, reused when the record is unchanged.
    let cache = RenderCache(path: args.options["cache"], dir: out, salt: "render/" + Stage.executableFingerprint() + (args.has("excel") ? "/excel" : ""))
    struct Item {
        var line: Int
        var raw: [UInt8]
        var key: String?
        /// The previous run's drawing of this record, when its bytes were seen then (not parsed).
        var cached: RenderCache.Entry?
        var table: Result<Table, NDJSONError>?
        /// A continuation record's rows as CSV lines, made with the parsing.
        var csv: [UInt8]?
        /// A record of a gathered table the previous run drew (not parsed).
        var gathered = false
    }
    // Records read a few at a time and parsed on both cores while this thread takes the batch
    // before in order (`Parallel.pipeline`): its tables' sections, charts and files.
    typealias Raw = (line: Int, raw: [UInt8])
    func nextBatch() throws -> [Raw]? {
        var lines: [Raw] = []
        var bytes = 0
        while lines.count < 64, bytes < 12 << 20, let line = try reader.nextLine() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            lines.append((reader.lineNumber, line))
            bytes += line.count
        }
        return lines.isEmpty ? nil : lines
    }
    /// Parses a batch (on both cores). Reads only what the cache loaded, never what `take` adds.
    func parse(_ lines: [Raw]) -> [Item] {
        Parallel.map(lines) { item in
            let key = cache.key(item.raw)
            if let key, let entry = cache.entry(key) {
                return Item(line: item.line, raw: item.raw, key: key, cached: entry, table: nil)
            }
            // A record of a gathered table drawn last time: parsed only if that table must be drawn again.
            if let key, cache.isGatheredRecord(key) {
                return Item(line: item.line, raw: item.raw, key: key, cached: nil, table: nil, gathered: true)
            }
            let table = parseTable(item.raw, line: item.line)
            let csv = (try? table.get()).flatMap { $0.continuation ? Renderer.csvLines($0.rows) : nil }
            return Item(line: item.line, raw: item.raw, key: key, cached: nil, table: table, csv: csv)
        }
    }
    func end(_ s: TableStream) throws {
        try claim(try s.finish())
        entries[entries.count - 1].rows = s.rows
        entries[entries.count - 1].charts = s.charts
        stream = nil
    }
    let lastRecordPrefix = Array(#"{"continuation":true,"continued":false,"#.utf8)
    var records = 0
    func take(_ item: Item) throws {
        records += 1
        if let entry = item.cached, let s = stream, try s.offer(entry, raw: item.raw, key: item.key ?? "") {
            // Same bytes as a record of the previous run: the same "continued" too (keys are sorted).
            if item.raw.starts(with: lastRecordPrefix) { try end(s) }
            return
        }
        let line = item.line
        if item.gathered, gathering != nil {
            gathered.append((line, item.raw, nil))
            gatheredKeys.append(item.key)
            if item.raw.starts(with: lastRecordPrefix) { try endGathering() }
            return
        }
        let table = try (item.table ?? parseTable(item.raw, line: line)).get()
        if table.continuation {
            if let s = stream {
                try s.add(table.rows, key: item.key, csvLines: item.csv)
                if !table.continued { try end(s) }
            } else if let g = gathering, g.name == table.name {
                gathered.append((line, nil, table.rows))
                gatheredKeys.append(item.key)
                if !table.continued { try endGathering() }
            } else {
                throw NDJSONError(line: line, message: "rows for table '\(table.name)', which did not come before them")
            }
            return
        }
        guard stream == nil, gathering == nil else {
            throw NDJSONError(line: line, message: "a new table began before the rows of the previous one ended")
        }
        if !table.continued {
            try complete(table)
        } else if TableStream.canStream(table) {
            stream = try TableStream(table, dir: out, excelBOM: args.has("excel"), cache: cache)
            entries.append(Renderer.entry(table, rows: table.rows.count, charts: []))
        } else {
            gathering = table
            gatheringFirst = item.raw
        }
    }
    func takeAll(_ lines: [Raw], _ items: [Item]) throws {
        var items = items
        for k in items.indices {
            let item = items[k]
            items[k] = Item(line: 0, raw: [], key: nil, cached: nil, table: nil)  // let the record go once taken
            try take(item)
        }
    }
    try Parallel.pipeline(next: nextBatch, compute: parse, commit: takeAll)
    if stream != nil || gathering != nil {
        throw NDJSONError(line: reader.lineNumber, message: "the input ended inside a table (its last rows are missing)")
    }
    try claim(["README.md"])
    try Renderer.writeAtomically(renderer.index(entries), to: "\(out)/README.md")
    try Renderer.finishManifest(written, in: out)
    try cache.save()
    if cache.reused > 0 {
        Stage.note("gongkai-render", "\(cache.reused) of \(records) records unchanged since the previous run (their sections and charts kept)")
    }
    if cache.reusedTables > 0 {
        Stage.note("gongkai-render", "\(cache.reusedTables) of \(cache.gatheredTables) tables with charts of all their rows unchanged since the previous run (their files kept)")
    }
    Stage.note("gongkai-render", "\(entries.count) tables, \(written.filter { $0.hasSuffix(".svg") }.count) charts, \(written.count) files in \(milliseconds(clock.now - start)) ms")
    // Exits here, holding the cache's entries and the names written (hundreds of thousands
    // of small objects): the process's end frees them at once. Every file is written and closed.
    exit(ExitCode.ok.rawValue)
}
