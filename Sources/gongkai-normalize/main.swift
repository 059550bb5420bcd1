import GongkaiCore

let usage = """
usage: gongkai-normalize [--previous FILE --index FILE [--input-index FILE]] < documents.ndjson > normalized.ndjson

Reads gongkai.document/1 records on stdin and writes one gongkai.normalized/1
record per document on stdout: the text as lines of cells (NFKC, markup and page
numbers removed, tab-, pipe- and space-aligned tables split into cells), each line
with its number in the decoded text. Error records pass through unchanged.

options:
\(RecordStream.optionsHelp)
  -h, --help       show this help

Damaged input lines (cut short, not JSON, a schema this gongkai does not know)
do not stop the run: each is written as an error record in its place (error code
malformed_record or unknown_schema, path "<gongkai-normalize input line N>" unless the
line still shows its path), named on stderr, and listed in the inventory.

\(ExitCode.help)
"""

Stage.run(name: "gongkai-normalize", usage: usage, valued: ["previous", "index", "input-index"]) { args in
    guard args.positionals.isEmpty else { throw StageFailure("gongkai-normalize reads stdin and takes no arguments (see --help)") }
    var reader = LineReader()
    var stream = RecordStream()
    stream.configure(args, version: Normalizer.version + "/" + Stage.executableFingerprint())
    /// A document normalized, as one line of output.
    func normalized(_ doc: Document) -> RecordOutcome {
        var bytes: [UInt8] = []
        Normalizer.normalize(doc).write(to: &bytes)
        return .bytes(bytes)
    }
    try stream.run(reader: &reader, writer: OutputWriter(), stage: "gongkai-normalize",
                   fast: { Document.decode($0).map(normalized) }) { record in
        // The agency alias table is for aggregate: passed on untouched.
        if record["format"]?.stringValue == "aliases" {
            guard record["schema"]?.stringValue == Schema.document else {
                throw RecordProblem("an agency alias table in a record of schema \(record["schema"]?.stringValue ?? "?"), not \(Schema.document)")
            }
            return .passThrough
        }
        _ = try Schema.require(record, oneOf: [Schema.document], stage: "gongkai-normalize")
        return normalized(try Document(json: record))
    }
    if stream.previous != nil {
        Stage.note("gongkai-normalize", "\(stream.reused) of \(stream.recordsIn) records unchanged since the previous run")
    }
    return stream.errorRecords > 0 ? .finishedWithErrors : .ok
}
