import GongkaiCore

let usage = """
usage: gongkai-ingest [--follow-symlinks] [--max-size MB] [--progress] DIR

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

error codes: unsupported_format, undecodable, unreadable, empty, too_large,
  symlink_not_followed, not_a_file, tool_missing (pdftotext not installed),
  no_text_layer (a scan), conversion_failed (a damaged or password-protected PDF or .docx)

Hostile input: nothing outside DIR is ever read. Symbolic links are not followed
(symlink_not_followed) unless --follow-symlinks, and then only links to files inside
DIR; pipes, sockets and devices are never opened (not_a_file); files over the size
limit are listed without being read (too_large); an empty file is an error (empty).
A file name that is not UTF-8 or holds control characters is written with those
bytes as %XX (and % as %25), and the record's "notes" say so.

Re-runs: with --previous, a file whose path, size, times and inode are unchanged
since that run is not read again: its record is copied from the previous output
(records of files that could not be read for a reason outside the file, such as
permissions or a missing pdftotext, are always made again).

options:
\(RecordStream.optionsHelp)
  --follow-symlinks  read links whose target is a file inside DIR (never one outside it)
  --max-size MB      files larger than this are too_large and not read (default 64)
  --progress         report progress on stderr every 1,000 files
  -h, --help         show this help

\(ExitCode.help)
"""

Stage.run(name: "gongkai-ingest", usage: usage, valued: ["max-size", "previous", "index"], flags: ["progress", "follow-symlinks"]) { args in
    guard args.positionals.count == 1 else {
        throw StageFailure("expected one corpus folder (usage: gongkai-ingest DIR; see --help)")
    }
    var ingester = Ingester(root: args.positionals[0])
    ingester.followSymlinks = args.has("follow-symlinks")
    if let text = args.options["max-size"] {
        guard let mb = Int(text), mb > 0, mb <= 1 << 20 else {
            throw StageFailure("--max-size takes a whole number of megabytes, 1 to 1048576 (see --help)")
        }
        ingester.maxBytes = mb << 20
    }
    // Taken before the folder is listed: a file changed from a second before on is not yet settled.
    let settledBefore = Ingester.settledBeforeNow()
    // The previous output's index read on another core while the folder is listed.
    let previousJob = PreviousOutput.loading(args)
    let entries = try ingester.entries()
    let writer = OutputWriter()
    var errors = 0
    var done = 0
    var reported = 0
    var reused = 0
    let previous = previousJob.wait()
    let index = OutputIndex.option(args)
    let salt = "ingest/\(Ingester.version)/\(Stage.executableFingerprint())/\(ingester.maxBytes)/\(ingester.followSymlinks)"
    // Batches bounded in files and in bytes: a run holds a bounded amount of text.
    for slice in Ingester.batches(entries) {
        let made = Parallel.map(Array(slice)) {
            ingester.record(for: $0, previous: previous, keyed: previous != nil || index != nil, salt: salt,
                             settledBefore: settledBefore)
        }
        for m in made {
            if let span = m.span, let previous {
                previous.copy(span, to: writer)
                index?.add(key: m.key, length: span.length, error: false)
            } else {
                writer.writeLine(m.line)
                index?.add(key: m.key, length: m.line.count, error: m.flagged)
            }
            if m.reused { reused += 1 }
            if m.isError { errors += 1 }
            guard let doc = m.doc else { continue }
            if let error = doc.error {
                if reported < 50 { Stage.note("gongkai-ingest", "\(doc.path): \(error.code): \(error.message)") }
                reported += 1
            }
            for note in doc.notes where reported < 50 {
                Stage.note("gongkai-ingest", "note: \(doc.path): \(note)")
                reported += 1
            }
        }
        let before = done
        done += slice.count
        if args.has("progress") && (done / 1000 > before / 1000 || done == entries.count) {
            Stage.note("gongkai-ingest", "\(done)/\(entries.count) files")
        }
    }
    writer.finish()
    try index?.save()
    if previous != nil { Stage.note("gongkai-ingest", "\(reused) of \(entries.count) files unchanged since the previous run") }
    if reported > 50 { Stage.note("gongkai-ingest", "(\(reported - 50) more problems and notes not shown: see the records)") }
    if errors > 0 { Stage.note("gongkai-ingest", "\(errors) of \(entries.count) files could not be read (see their error records)") }
    return errors > 0 ? .finishedWithErrors : .ok
}
