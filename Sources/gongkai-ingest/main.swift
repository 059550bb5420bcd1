import GongkaiCore

let usage = """
usage: gongkai-ingest [--progress] DIR

Reads every file under DIR (sorted by path, hidden files and folders skipped) and
writes one gongkai.document/1 record per file to stdout: path, bytes, sha256,
format, encoding and the decoded text. A file that cannot be read becomes a
record with an "error" ({code, message}) instead of stopping the run.

Formats: plain text (.txt and files without an extension) and Markdown (.md).
Decoding: byte-order mark, strict UTF-8, GB18030 (covers GBK/GB2312), UTF-16 with BOM.

options:
  --progress   report progress on stderr every 1,000 files
  -h, --help   show this help

exit codes: 0 every file read; 2 finished, some files are error records; 1 could not run.
"""

Stage.run(name: "gongkai-ingest", usage: usage, flags: ["progress"]) { args in
    guard args.positionals.count == 1 else {
        throw StageFailure("expected one corpus folder (usage: gongkai-ingest DIR; see --help)")
    }
    let ingester = Ingester(root: args.positionals[0])
    let entries = try ingester.entries()
    let writer = OutputWriter()
    var errors = 0
    var done = 0
    let batch = 256
    var start = 0
    while start < entries.count {
        let slice = Array(entries[start..<min(start + batch, entries.count)])
        let docs = Parallel.map(slice) { ingester.document(for: $0) }
        for doc in docs {
            if doc.error != nil { errors += 1 }
            writer.writeRecord(doc.json)
        }
        done += slice.count
        start += batch
        if args.has("progress") && (done % 1000 < batch || done == entries.count) {
            Stage.note("gongkai-ingest", "\(done)/\(entries.count) files")
        }
    }
    writer.flush()
    if errors > 0 { Stage.note("gongkai-ingest", "\(errors) of \(entries.count) files could not be read (see their error records)") }
    return errors > 0 ? .finishedWithErrors : .ok
}
