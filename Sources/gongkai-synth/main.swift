import Foundation
import GongkaiCore

let usage = """
usage: gongkai-synth --out DIR [--count N] [--seed S] [--truth DIR]

Writes N synthetic annual reports (default 1000) into DIR: agencies over the years
2019–2025 with consistent carry-over, every table identity holding, in five text
styles (tab-separated, Markdown tables, space-aligned layout, labels on their own
line, HTML pages). The same seed (default 1) always writes the same files. For the benchmark
(`make bench`) and for checking extraction at scale.

options:
  --out DIR     folder to write the reports into (created if missing)
  --count N     number of reports
  --seed S      seed of the generator
  --truth DIR   also write NAME.expected.json per report (values, agency, year) in the
                format of shared/tools/score.py
  -h, --help    show this help

exit codes: 0 ok; 1 could not run.
"""

Stage.run(name: "gongkai-synth", usage: usage, valued: ["out", "count", "seed", "truth"]) { args in
    guard let out = args.options["out"] else { throw StageFailure("missing --out DIR (see --help)") }
    guard let count = Int(args.options["count"] ?? "1000"), count >= 0 else { throw StageFailure("--count must be a whole number") }
    guard let seed = UInt64(args.options["seed"] ?? "1") else { throw StageFailure("--seed must be a whole number") }
    let fm = FileManager.default
    try fm.createDirectory(atPath: out, withIntermediateDirectories: true)
    if let truth = args.options["truth"] { try fm.createDirectory(atPath: truth, withIntermediateDirectories: true) }
    var generator = Generator(seed: seed)
    for sample in generator.corpus(count: count) {
        guard fm.createFile(atPath: "\(out)/\(sample.fileName)", contents: Data(sample.text.utf8)) else {
            throw StageFailure("cannot write \(out)/\(sample.fileName)")
        }
        if let truth = args.options["truth"] {
            let format = sample.year >= 2021 ? "2021" : "2019"
            let expected = JSON.object([
                "file": .string(sample.fileName), "agency": .array([.string(sample.agency)]), "year": .int(sample.year),
                "format": .object(["active": .string(format), "apply": .string(format)]),
                "period": .object(["start": .string("\(sample.year)-01-01"), "end": .string("\(sample.year)-12-31")]),
                "published": .string(sample.published), "findings": .array([]),
                "values": .object(sample.values.mapValues(\.json)),
            ])
            let name = sample.fileName.split(separator: ".").first.map(String.init) ?? sample.fileName
            _ = fm.createFile(atPath: "\(truth)/\(name).expected.json", contents: Data(expected.serialized.utf8))
        }
    }
    return .ok
}
