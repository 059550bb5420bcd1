import GongkaiCore

let usage = """
usage: gongkai-extract [--previous FILE --index FILE [--input-index FILE]] < normalized.ndjson > reports.ndjson

Reads gongkai.normalized/1 records on stdin and writes one gongkai.report/2
record per document on stdout: agency, year, table formats, statistical period,
publication date, every cell of the three standard tables by metric id (null for
a blank cell), each value's provenance (line, and the raw text when it is not
the value as written), and the per-report findings. Error records pass through
unchanged.

options:
\(RecordStream.optionsHelp)
  -h, --help       show this help

Damaged input lines (cut short, not JSON, a schema this gongkai does not know)
do not stop the run: each is written as an error record in its place (error code
malformed_record or unknown_schema, path "<gongkai-extract input line N>" unless the
line still shows its path), named on stderr, and listed in the inventory.

\(ExitCode.help)
"""

Stage.run(name: "gongkai-extract", usage: usage, valued: ["previous", "index", "input-index"]) { args in
    guard args.positionals.isEmpty else { throw StageFailure("gongkai-extract reads stdin and takes no arguments (see --help)") }
    var reader = LineReader()
    var stream = RecordStream()
    // Each line's small object read as a member list: a dictionary per line cost a tenth of the stage.
    stream.listing = ["lines"]
    stream.configure(args, version: Extractor.version + "/" + Stage.executableFingerprint())
    /// A well-formed normalized record read straight from its bytes (see `NormalizedDocument.decode`).
    func extract(_ doc: NormalizedDocument) -> RecordOutcome {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32 << 10)  // a report's record is about 22 KB: grown once, not ten times
        Extractor.extract(doc).write(to: &bytes)
        return .bytes(bytes)
    }
    try stream.run(reader: &reader, writer: OutputWriter(), stage: "gongkai-extract",
                   fast: { NormalizedDocument.decode($0).map(extract) }) { record in
        // The agency alias table is for aggregate: passed on untouched.
        if record["format"]?.stringValue == "aliases" {
            guard record["schema"]?.stringValue == Schema.document else {
                throw RecordProblem("an agency alias table in a record of schema \(record["schema"]?.stringValue ?? "?"), not \(Schema.document)")
            }
            return .passThrough
        }
        _ = try Schema.require(record, oneOf: [Schema.normalized], stage: "gongkai-extract")
        return extract(try NormalizedDocument(json: record))
    }
    if stream.previous != nil {
        Stage.note("gongkai-extract", "\(stream.reused) of \(stream.recordsIn) records unchanged since the previous run")
    }
    return stream.errorRecords > 0 ? .finishedWithErrors : .ok
}
