import GongkaiCore

let usage = """
usage: gongkai-render --out DIR [--excel] < tables.ndjson

Reads gongkai.table/1 records on stdin and writes, for each table NAME,
DIR/NAME.csv (RFC 4180, UTF-8, column ids as header) and DIR/NAME.md (Markdown,
Chinese labels), plus DIR/README.md, an index linking them. Files are written
atomically; the same tables always give byte-identical files.

options:
  --out DIR    output folder (created if missing)
  --excel      start each CSV with a UTF-8 byte-order mark so Excel/WPS show Chinese
  -h, --help   show this help

exit codes: 0 ok; 1 could not run.
"""

Stage.run(name: "gongkai-render", usage: usage, valued: ["out"], flags: ["excel"]) { args in
    guard let out = args.options["out"], !out.isEmpty else {
        throw StageFailure("missing --out DIR (usage: gongkai-render --out DIR < tables.ndjson; see --help)")
    }
    guard args.positionals.isEmpty else { throw StageFailure("unexpected argument '\(args.positionals[0])' (see --help)") }
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
    try Renderer(excelBOM: args.has("excel")).write(tables, to: out)
    return .ok
}
