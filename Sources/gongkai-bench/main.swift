import Foundation
import GongkaiCore
#if canImport(Glibc)
import Glibc
#endif

let usage = """
usage: gongkai-bench [--n N] [--work DIR] [--bin DIR] [--change PERCENT]

Generates N synthetic reports (default 20000), runs the five stages on them cold,
then changes PERCENT of the files (default 1) and runs them again the way
`make all` does (reusing what did not change), and prints per stage: documents/s,
MB/s, wall and CPU time, peak memory. It also measures a floor in the same run:
reading the corpus and writing it once as NDJSON with no processing, the least any
staged design pays.

options:
  --n N            number of reports (default 20000)
  --work DIR       work folder (default .work/bench); its corpus is regenerated
  --bin DIR        where the stage executables are (default .build/release)
  --change PCT     percent of files to change before the second run (default 1)
  -h, --help       show this help

exit codes: 0 ok; 1 could not run (a stage failed: its stderr is shown).
"""

/// What one child process cost.
struct Cost {
    var wall: Double
    var cpu: Double
    var peakMB: Double
}

/// Runs `exe args < input > output` and measures it with wait4's resource usage.
func measure(_ exe: String, _ args: [String], input: String?, output: String) throws -> Cost {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, input ?? "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let argv = ([exe] + args).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid = pid_t()
    let start = Date()
    let rc = posix_spawn(&pid, exe, &actions, nil, argv, environ)
    guard rc == 0 else { throw StageFailure("cannot run \(exe): \(String(cString: strerror(rc)))") }
    var status: Int32 = 0
    var usage = rusage()
    _ = wait4(pid, &status, 0, &usage)
    let wall = Date().timeIntervalSince(start)
    let exit = (status >> 8) & 0xFF
    guard status & 0x7F == 0, exit == 0 || exit == 2 else {
        throw StageFailure("\(exe) failed (status \(status))")
    }
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return Cost(wall: wall, cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime), peakMB: Double(usage.ru_maxrss) / 1024)
}

func fileSize(_ path: String) -> Double {
    ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.doubleValue ?? 0) / 1_048_576
}

func row(_ cells: [String]) -> String {
    let widths = [12, 9, 9, 8, 8, 9, 9]
    return zip(cells, widths).map { c, w in String(repeating: " ", count: max(0, w - c.count)) + c }.joined(separator: " ")
}

Stage.run(name: "gongkai-bench", usage: usage, valued: ["n", "work", "bin", "change"]) { args in
    let n = Int(args.options["n"] ?? "20000") ?? 20000
    let work = args.options["work"] ?? ".work/bench"
    let bin = args.options["bin"] ?? ".build/release"
    let change = Double(args.options["change"] ?? "1") ?? 1
    let fm = FileManager.default
    for stage in ["ingest", "normalize", "extract", "aggregate", "render"] where !fm.isExecutableFile(atPath: "\(bin)/gongkai-\(stage)") {
        throw StageFailure("\(bin)/gongkai-\(stage) not found: build first (swift build -c release)")
    }
    let corpus = "\(work)/corpus", run = "\(work)/run", out = "\(work)/outputs"
    try? fm.removeItem(atPath: work)
    try fm.createDirectory(atPath: corpus, withIntermediateDirectories: true)
    try fm.createDirectory(atPath: run, withIntermediateDirectories: true)

    var generator = Generator(seed: 1)
    let samples = generator.corpus(count: n)
    for s in samples { _ = fm.createFile(atPath: "\(corpus)/\(s.fileName)", contents: Data(s.text.utf8)) }
    let corpusMB = samples.reduce(0) { $0 + Double($1.text.utf8.count) } / 1_048_576

    // The floor: read every file and write it once as NDJSON, nothing else.
    let floorStart = Date()
    let floorWriter = OutputWriter(fd: open("\(run)/floor.ndjson", O_WRONLY | O_CREAT | O_TRUNC, 0o644))
    let ingester = Ingester(root: corpus)
    for entry in try ingester.entries() {
        let bytes = try Files.read("\(corpus)/\(entry.path)")
        floorWriter.writeRecord(.object(["path": .string(entry.path), "text": .string(String(decoding: bytes, as: UTF8.self))]))
    }
    floorWriter.flush()
    let floor = Date().timeIntervalSince(floorStart)

    struct Step { var name: String; var exe: String; var args: [String]; var input: String?; var output: String }
    let steps = [
        Step(name: "ingest", exe: "gongkai-ingest", args: [corpus], input: nil, output: "\(run)/documents.ndjson"),
        Step(name: "normalize", exe: "gongkai-normalize", args: ["--previous", "\(run)/normalized.ndjson", "--index", "\(run)/normalized.ndjson.idx.new"],
             input: "\(run)/documents.ndjson", output: "\(run)/normalized.ndjson"),
        Step(name: "extract", exe: "gongkai-extract", args: ["--previous", "\(run)/reports.ndjson", "--index", "\(run)/reports.ndjson.idx.new"],
             input: "\(run)/normalized.ndjson", output: "\(run)/reports.ndjson"),
        Step(name: "aggregate", exe: "gongkai-aggregate", args: [], input: "\(run)/reports.ndjson", output: "\(run)/tables.ndjson"),
        Step(name: "render", exe: "gongkai-render", args: ["--out", out], input: "\(run)/tables.ndjson", output: "/dev/null"),
    ]

    /// One pass of the pipeline, as `make all` runs it (outputs written beside, then moved).
    func pass(_ title: String) throws -> Double {
        print("\n\(title)")
        print(row(["stage", "docs/s", "MB/s", "wall s", "CPU s", "CPU/wall", "peak MB"]))
        var total = 0.0
        for step in steps {
            let tmp = step.output == "/dev/null" ? step.output : step.output + ".tmp"
            let inputMB = step.input.map(fileSize) ?? corpusMB
            let cost = try measure("\(bin)/\(step.exe)", step.args, input: step.input, output: tmp)
            if tmp != step.output {
                try? fm.removeItem(atPath: step.output)
                try fm.moveItem(atPath: tmp, toPath: step.output)
                let idx = step.output + ".idx.new"
                if fm.fileExists(atPath: idx) {
                    try? fm.removeItem(atPath: step.output + ".idx")
                    try fm.moveItem(atPath: idx, toPath: step.output + ".idx")
                }
            }
            total += cost.wall
            print(row([step.name, String(format: "%.0f", Double(n) / cost.wall), String(format: "%.1f", inputMB / cost.wall),
                       String(format: "%.2f", cost.wall), String(format: "%.2f", cost.cpu), String(format: "%.2f", cost.cpu / cost.wall),
                       String(format: "%.0f", cost.peakMB)]))
        }
        print(row(["total", String(format: "%.0f", Double(n) / total), String(format: "%.1f", corpusMB / total), String(format: "%.2f", total), "", "", ""]))
        return total
    }

    print("gongkai-bench: \(n) synthetic reports, \(String(format: "%.1f", corpusMB)) MB, \(ProcessInfo.processInfo.activeProcessorCount) cores, "
          + "\(ProcessInfo.processInfo.physicalMemory / 1_073_741_824) GiB")
    print(String(format: "floor (read the corpus, write it once as NDJSON): %.2f s, %.1f MB/s", floor, corpusMB / floor))
    let cold = try pass("cold run")

    // Change PERCENT of the files: one more sentence in their section 六.
    let every = max(1, Int((100 / max(change, 0.001)).rounded()))
    var changed = 0
    for (i, s) in samples.enumerated() where i % every == 0 {
        let text = s.text.replacingOccurrences(of: "本年度未收取信息处理费。", with: "本年度未收取信息处理费，无其他需要报告的事项。")
        _ = fm.createFile(atPath: "\(corpus)/\(s.fileName)", contents: Data(text.utf8))
        changed += 1
    }
    let warm = try pass("re-run after changing \(changed) files (\(String(format: "%.1f", 100 * Double(changed) / Double(max(n, 1))))%)")
    print(String(format: "\nre-run / cold: %.1f%%", 100 * warm / cold))
    return .ok
}
