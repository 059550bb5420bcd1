import GongkaiCore

let usage = """
usage: gongkai-aggregate < reports.ndjson > tables.ndjson

Reads the records gongkai-extract writes (gongkai.report/1, and the error
records passed through) on stdin and writes gongkai.table/1 records on stdout:
summary, inventory (every input file with its status and reason), reports (every
report with all its values) and findings (every finding, most serious first).

options:
  -h, --help   show this help

exit codes: 0 ok; 2 finished, some inputs were error records; 1 could not run.
"""

Stage.run(name: "gongkai-aggregate", usage: usage) { args in
    guard args.positionals.isEmpty else { throw StageFailure("gongkai-aggregate reads stdin and takes no arguments (see --help)") }
    var reader = LineReader()
    var aggregator = Aggregator()
    var errors = 0
    while let (record, _) = try reader.nextRecord() {
        do {
            try aggregator.add(record)
        } catch {
            throw NDJSONError(line: reader.lineNumber, message: "\(error)")
        }
        if record["error"].map({ !$0.isNull }) ?? false { errors += 1 }
    }
    let writer = OutputWriter()
    for table in aggregator.tables() { writer.writeRecord(table.json) }
    writer.flush()
    return errors > 0 ? .finishedWithErrors : .ok
}
