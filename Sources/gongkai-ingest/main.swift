import GongkaiCore

let usage = """
usage: gongkai-ingest [--progress] DIR

Reads every file under DIR (sorted by path, hidden files and folders skipped) and
writes one gongkai.document/1 record per file to stdout: path, bytes, sha256,
format, encoding and the decoded text. A file that cannot be read becomes a
record with an "error" ({code, message}) instead of stopping the run.

Formats (found from the file's first bytes before its extension):
  text      .txt and files without an extension
  markdown  .md
  html      .html/.htm/.shtml pages (also pages saved under another name); kept as
            HTML, normalize reads the tables (rowspan/colspan) and paragraphs
  pdf       through poppler's `pdftotext -layout` (apt-get install poppler-utils);
            a scan without a text layer is an error record (no_text_layer): run OCR first
  docx      Word 2007+, read directly (no outside program): paragraphs and tables
Other files (.doc, .wps, .xls, .xlsx, .ofd, images, ...) are error records
(unsupported_format) saying what to convert them to.
Decoding of text: byte-order mark, strict UTF-8, GB18030 (covers GBK/GB2312), UTF-16 with
BOM; HTML: byte-order mark, then the page's <meta charset>, then the same.

error codes: unsupported_format, undecodable, unreadable, symlink_not_followed, not_a_file,
  tool_missing (pdftotext not installed), no_text_layer (a scan), conversion_failed
  (a damaged or password-protected PDF or .docx)

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
