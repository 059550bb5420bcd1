import GongkaiCore

let usage = """
usage: gongkai-render --out DIR [--excel] < tables.ndjson

Reads gongkai.table/1 records on stdin and writes, for each table NAME,
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
  -h, --help   show this help

exit codes: 0 ok; 1 could not run.
"""

/// A duration in whole milliseconds, for the run facts on stderr.
func milliseconds(_ d: Duration) -> Int64 { d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000 }

Stage.run(name: "gongkai-render", usage: usage, valued: ["out"], flags: ["excel"]) { args in
    guard let out = args.options["out"], !out.isEmpty else {
        throw StageFailure("missing --out DIR (usage: gongkai-render --out DIR < tables.ndjson; see --help)")
    }
    guard args.positionals.isEmpty else { throw StageFailure("unexpected argument '\(args.positionals[0])' (see --help)") }
    let clock = ContinuousClock()
    let start = clock.now
    var reader = LineReader()
    var tables: [Table] = []
    while let (record, _) = try reader.nextRecord() {
        do {
            _ = try Schema.require(record, oneOf: [Schema.table], stage: "gongkai-render")
            tables.append(try Table(json: record))
        } catch {
            throw NDJSONError(line: reader.lineNumber, message: "\(error)")
        }
    }
    let written = try Renderer(excelBOM: args.has("excel")).write(tables, to: out)
    Stage.note("gongkai-render", "\(tables.count) tables, \(written.filter { $0.hasSuffix(".svg") }.count) charts, \(written.count) files in \(milliseconds(clock.now - start)) ms")
    return .ok
}
