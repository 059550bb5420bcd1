import GongkaiCore
import Foundation

let usage = """
usage: gongkai-aggregate [--previous FILE --index FILE] [--cache FILE [--input-index FILE]] < reports.ndjson > tables.ndjson

Reads the records gongkai-extract writes (gongkai.report/2 or /1, and the error
records passed through) on stdin and writes gongkai.table/2 records on stdout:
summary, inventory (every input file with its status and reason), unread (files
that gave no report, by reason), reports (every report with all its values),
findings (every finding, most serious first), findings_by_agency; per year
compare_<year> (every agency's key indicators, ranks, totals), compare_kind_<year>
(one kind of department across regions) and compare_active_<year>_format<format>
(section 二, only among reports of one format); yoy (each agency's indicators from
year to year); and dictionary (every column of every table).

Tables carry no timestamps; the run's figures and duration go to stderr.

options:
\(RecordStream.optionsHelp)
  --cache FILE     keep the reading of every record in FILE (and FILE.idx), and each
                   agency's findings across years in FILE.checks; the next run takes the
                   reading of each record whose bytes are unchanged from there instead of
                   parsing it again, and the findings of each agency whose name and
                   records are unchanged instead of checking it again
  --input-index FILE  the index gongkai-extract wrote of stdin (its --index): each record's
                   reading is then looked up in the cache by the key the index gives it,
                   and the record is read only when the cache does not have it. Taken
                   only when stdin is the file the index describes (a line per record,
                   end to end, and not changed since the index was written); otherwise
                   every record is read, as without it
  -h, --help       show this help

With --previous, each agency's record of the year-over-year table and of the table of
every report is copied from the previous output when everything it is made from (the
agency's names, years, files, formats and values) is unchanged and the same aggregate
build made it, and so are a year's comparison tables (compare, compare_kind,
compare_active) when that year's agencies, files, formats, values and error counts are;
everything else is made again. (The tables are the same as without it.)

A damaged input line (cut short, not JSON, an unknown schema) is taken as an error
record in its place, named on stderr, and listed in the inventory.

\(ExitCode.help)
"""

/// A duration in whole milliseconds, for the run facts on stderr.
func milliseconds(_ d: Duration) -> Int64 { d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000 }

Stage.run(name: "gongkai-aggregate", usage: usage, valued: ["previous", "index", "cache", "input-index"]) { args in
    guard args.positionals.isEmpty else { throw StageFailure("gongkai-aggregate reads stdin and takes no arguments (see --help)") }
    let clock = ContinuousClock()
    let start = clock.now
    var aggregator = Aggregator()
    var errors = 0
    var records = 0
    // Records are parsed on both cores (without the provenance aggregate never reads), then added in order.
    var damaged = 0
    let build = Stage.executableFingerprint()
    // Readings of the records seen last time, by their bytes (--cache), or by the key
    // extract's index gives each record (--input-index: the bytes are then not read).
    let keySalt = "aggregate-input/1/" + build
    let indexedSalt = "aggregate-input-indexed/1/" + build
    // The cache's index read on another core while this one reads the input's and the checks.
    let cacheJob = InputCache.loading(path: args.options["cache"], salt: keySalt)
    aggregator.checkCache = args.options["cache"].map { CheckCache(path: $0 + ".checks", salt: "aggregate-checks/1/" + build) }
    var input: IndexedInput?
    if let path = args.options["input-index"] {
        switch IndexedInput.open(index: path, fd: 0) {
        case .success(let i): input = i
        case .failure(let why): Stage.note("gongkai-aggregate", "\(why.message); reading every record instead")
        }
    }
    let cache = cacheJob.wait()
    struct Read { var input: Aggregator.Input; var problem: String?; var key: String?; var blob: [UInt8]?; var reused: Bool }
    typealias Item = InputBatches.Item
    /// A batch's records read on both cores (while the batch before is added, in order).
    /// A damaged line becomes an error record in its place (it reaches the inventory);
    /// only a record of another stage's kind stops the stage.
    func read(_ batch: [Item]) -> [Result<Read, NDJSONError>] {
        Parallel.map(batch) { item -> Result<Read, NDJSONError> in
            // Every record's key (the cache's, and what the tables' per-agency records are keyed by):
            // from extract's key when the index gives one, else from the record's bytes.
            // The record's bytes: at hand when read from stdin, read when first needed when its index gives where.
            var held = item.raw
            func bytes() -> [UInt8]? {
                if held == nil, let line = item.indexed { held = input?.read(line) }
                return held
            }
            func moved() -> Result<Read, NDJSONError> {
                .failure(NDJSONError(line: item.line, message: IndexedInput.moved))
            }
            let key: String
            if let indexed = item.indexed?.key(salt: indexedSalt) {
                key = indexed
            } else {
                guard let b = bytes() else { return moved() }
                key = FastHash.hex(b, salt: keySalt)
            }
            if let hit = cache?.input(for: key) {
                var input = hit.input
                input.setRecordKey(key)
                return .success(Read(input: input, problem: nil, key: key, blob: hit.blob, reused: true))
            }
            guard let raw = bytes() else { return moved() }
            if var input = Aggregator.fastInput(raw) {
                let blob = cache == nil ? nil : InputCache.encode(input)
                input.setRecordKey(key)
                return .success(Read(input: input, problem: nil, key: key, blob: blob, reused: false))
            }
            do {
                switch BadRecord.check(raw, line: item.line, stage: "gongkai-aggregate", skipping: Aggregator.unusedMembers, listing: ["values"]) {
                case .record(let record):
                    var input = try Aggregator.input(from: record)
                    let blob = cache == nil ? nil : InputCache.encode(input)
                    input.setRecordKey(key)
                    return .success(Read(input: input, problem: nil, key: key, blob: blob, reused: false))
                case .replaced(let json, let problem):
                    return .success(Read(input: try Aggregator.input(from: json.objectValue ?? [:]), problem: problem, key: nil, blob: nil, reused: false))
                }
            } catch {
                return .failure(NDJSONError(line: item.line, message: "\(error)"))
            }
        }
    }
    func add(_ batch: [Item], _ inputs: [Result<Read, NDJSONError>]) throws {
        for result in inputs {
            let read = try result.get()
            if let problem = read.problem {
                damaged += 1
                if damaged <= 20 { Stage.note("gongkai-aggregate", problem) }
            }
            if let key = read.key, read.problem == nil { cache?.keep(key: key, blob: read.blob, reused: read.reused) }
            aggregator.add(read.input)
            records += 1
            if read.input.status == "error" { errors += 1 }
        }
    }
    var batches = InputBatches(input: input)
    var reader = LineReader()
    /// The next 1,024 records: by the input index, or read from stdin. (Batches of 512 left a core
    /// idle a fifth of the time while 100,000 records were parsed; 2,048 gained no more, for more memory.)
    func next() throws -> [Item]? { try batches.next(from: &reader, count: 1024) }
    try Parallel.pipeline(next: next, compute: read, commit: add)
    let writer = OutputWriter()
    var tables = 0
    let reuse = RecordReuse(previous: PreviousOutput.option(args), index: OutputIndex.option(args), salt: "aggregate/" + build)
    // Each table written as soon as it is built, in records of at most Table.chunkRows rows.
    aggregator.emitTables { table in
        tables += 1
        table.write(to: writer, reuse: reuse)
    }
    writer.finish()
    // The cache moved into place only now: the sketches of unchanged readings are read from
    // the file they were found in while the tables are made.
    cache?.finish()
    if let cache, cache.reused > 0 {
        Stage.note("gongkai-aggregate", "\(cache.reused) of \(cache.records) records unchanged since the previous run (their reading taken from the cache)")
    }
    aggregator.checkCache?.save()
    try reuse.index?.save()
    if let checks = aggregator.checkCache, checks.reused > 0 {
        Stage.note("gongkai-aggregate", "\(checks.reused) of \(checks.reused + checks.checked) agencies unchanged since the previous run (their findings across years taken from the cache)")
    }
    if reuse.previous != nil, reuse.keyed > 0 {
        Stage.note("gongkai-aggregate", "\(reuse.reused) of \(reuse.keyed) agencies' records (year-over-year, every report) unchanged since the previous run")
    }
    if reuse.previous != nil, reuse.tablesKeyed > 0 {
        Stage.note("gongkai-aggregate", "\(reuse.tablesReused) of \(reuse.tablesKeyed) tables of a year (compare, compare_kind, compare_active) unchanged since the previous run")
    }
    Stage.note("gongkai-aggregate", "\(records) records, \(tables) tables in \(milliseconds(clock.now - start)) ms")
    // Exits here, holding the aggregator: what it read is left to the process's end to free
    // at once (see `Aggregator.spent`). Everything is written and the index and cache saved.
    exit((errors > 0 ? ExitCode.finishedWithErrors : ExitCode.ok).rawValue)
}
