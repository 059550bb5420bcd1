import Foundation
import Dispatch

/// Order-keeping parallel map over both cores.
public enum Parallel {
    /// `transform` applied to every item concurrently; results in input order.
    public static func map<T, R>(_ items: [T], _ transform: (T) -> R) -> [R] {
        if items.count < 2 { return items.map(transform) }
        let slots = UnsafeMutableBufferPointer<R?>.allocate(capacity: items.count)
        slots.initialize(repeating: nil)
        // Deinitialized before it is freed: the results must be released, not leaked.
        defer {
            _ = slots.deinitialize()
            slots.deallocate()
        }
        withoutActuallyEscaping(transform) { transform in
            nonisolated(unsafe) let transform = transform
            nonisolated(unsafe) let slots = slots
            nonisolated(unsafe) let items = items
            // Each iteration writes only its own slot, so no lock is needed.
            DispatchQueue.concurrentPerform(iterations: items.count) { i in
                slots[i] = transform(items[i])
            }
        }
        return slots.map { $0! }
    }

    /// Batches from `next` worked on by `compute` on both cores while this thread writes the
    /// batch before (`commit`, in order) and reads the one after: reading and writing, which
    /// one thread does, no longer leave a core idle between batches. Holds at most two
    /// batches. `compute` runs on other threads (one batch at a time, `map` inside it uses
    /// both cores); `next` and `commit` run on this one.
    public static func pipeline<B, R>(next: () throws -> B?, compute: (B) -> R, commit: (B, R) throws -> Void) rethrows {
        try withoutActuallyEscaping(compute) { compute in
            nonisolated(unsafe) let compute = compute
            var running: (batch: B, job: Job<R>)?
            // The batch in flight is waited for however this returns: `compute` must not
            // outlive the call.
            defer { _ = running?.job.wait() }
            while let batch = try next() {
                let done = running.map { ($0.batch, $0.job.wait()) }
                nonisolated(unsafe) let b = batch
                running = (batch, Job { compute(b) })
                if let done { try commit(done.0, done.1) }
            }
            if let last = running {
                let result = last.job.wait()
                running = nil
                try commit(last.batch, result)
            }
        }
    }

    /// Work started on a global queue; `wait` returns its result (waiting once).
    public final class Job<R>: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var work: (() -> R)?
        private var value: R?
        /// Touched only by the thread that made the job.
        private var waited = false

        public init(_ work: @escaping () -> R) {
            self.work = work
            DispatchQueue.global().async {
                self.run()
                self.done.signal()
            }
        }

        /// Does the work and lets go of it before `wait` returns: the closure may be one that
        /// `withoutActuallyEscaping` lent, which must not be held once the waiter goes on.
        private func run() {
            let work = self.work!
            self.work = nil
            value = work()
        }

        public func wait() -> R {
            if !waited {
                done.wait()
                waited = true
            }
            return value!
        }
    }
}

/// What a per-document stage does with one input record.
public enum RecordOutcome: Sendable {
    /// Write this record.
    case record(JSON)
    /// Write this record, already serialized (one line, no newline).
    case bytes([UInt8])
    /// Write the input line unchanged (an error record passing through).
    case passThrough
}

/// Drives a per-document stage: reads records from stdin in batches, transforms
/// each batch on both cores, and writes the results in input order.
///
/// An input line the stage cannot take (cut short, not JSON, an unknown schema, a record
/// without a path) is written as an error record in its place (see `BadRecord`), named on
/// stderr and counted in `errorRecords`: the run goes on. Only a record of another
/// stage's kind (the stages run out of order) stops it.
public struct RecordStream {
    public var batchSize = 512
    /// A batch also ends once it holds this many bytes of input.
    public var batchBytes = 64 << 20
    public private(set) var recordsIn = 0
    public private(set) var errorRecords = 0
    /// Input lines replaced by error records.
    public private(set) var badLines = 0
    /// Records copied from the previous run's output instead of computed.
    public private(set) var reused = 0
    /// The previous output and its index (incremental re-runs), if any.
    public var previous: PreviousOutput?
    /// Where to write this run's index, if anywhere.
    public var index: OutputIndex?
    /// The stage's version: part of every cache key, so new code recomputes everything.
    public var version = ""
    /// The index the stage before wrote of stdin (`--input-index FILE`), when it describes
    /// stdin: a record is then keyed by the key that index gives it (the same key, the same
    /// record), and its line read only when the previous output does not have it.
    public var input: IndexedInput?
    /// Why `--input-index` was not taken (said on stderr when the stage runs).
    public var inputProblem: String?
    /// Where damaged lines are named (stderr); tests collect them instead.
    public var report: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    /// How many damaged lines are named one by one before only counting them.
    public var reportLimit = 20

    /// Top-level members whose objects (or array of objects) are read as member lists,
    /// not dictionaries (`JSON.parse(_:skipping:listing:)`): extract's `lines`.
    public var listing: Set<String> = []

    public init() {}

    /// The `--previous`/`--index` lines of a per-document stage's `--help`.
    public static let optionsHelp = """
      --previous FILE  the previous run's output (with FILE.idx beside it): records whose
                       input did not change since are copied from it, not computed again
      --index FILE     write this run's index (for the next run's --previous)
      --input-index FILE  the index the stage before wrote of stdin (its --index): records
                       are then keyed by it and a line is read only when it must be
                       worked on. Taken only when stdin is the file the index describes
                       (a line per record, end to end, not changed since the index was
                       written); otherwise every line is read, as without it
    """

    /// Sets up `--previous FILE` (with `FILE.idx`) and `--index FILE` from a stage's arguments.
    public mutating func configure(_ args: Arguments, version: String) {
        self.version = version
        // The previous output's index read on another core while this one reads the input's.
        let previous = PreviousOutput.loading(args)
        index = OutputIndex.option(args)
        if let path = args.options["input-index"] {
            switch IndexedInput.open(index: path, fd: 0) {
            case .success(let i): input = i
            case .failure(let why): inputProblem = why.message
            }
        }
        self.previous = previous.wait()
    }

    struct Item {
        var bytes: [UInt8]?
        var isError: Bool
        var key: String
        var reused: Bool
        var problem: String?
        /// A line of the previous output to copy as it is (its bytes not read).
        var span: PreviousOutput.Entry?
        /// A line of spaces only: no record.
        var skip = false
    }

    /// - Parameter transform: pure and thread-safe. It throws `RecordProblem` for a record it
    ///   cannot take (written as an error record), `StageFailure` for one of another stage's
    ///   kind (fatal, reported with its line number).
    /// - Parameter fast: tried first on a line's bytes; nil hands the line to the general
    ///   path (parsed, checked, `transform`). It must give what that path would give.
    public mutating func run(reader: inout LineReader, writer: OutputWriter, stage: String,
                             fast: (([UInt8]) -> RecordOutcome?)? = nil,
                             transform: ([String: JSON]) throws -> RecordOutcome) throws {
        // A line read from stdin (`raw`), or one the input index gives (read when needed).
        typealias Entry = InputBatches.Item
        if let inputProblem { report("\(stage): \(inputProblem); reading every line instead") }
        // What the work on other threads reads: copies, not `self`, which `commit` changes meanwhile.
        let keyed = previous != nil || index != nil
        let previous = self.previous
        let version = self.version
        let listing = self.listing
        let input = self.input
        var batches = InputBatches(input: input)
        /// The next batch of lines: `batchSize` of them or `batchBytes`, nil at the end.
        func next() throws -> [Entry]? { try batches.next(from: &reader, count: batchSize, bytes: batchBytes) }
        // Parsed, transformed and serialized on both cores; only the writing is in order.
        func compute(_ batch: [Entry]) -> [Result<Item, NDJSONError>] {
            Parallel.map(batch) { item -> Result<Item, NDJSONError> in
                var held = item.raw
                func moved() -> Result<Item, NDJSONError> {
                    .failure(NDJSONError(line: item.line, message: IndexedInput.moved))
                }
                let key: String
                if keyed, let indexed = item.indexed?.key(salt: version + "/indexed") {
                    key = indexed
                } else {
                    if held == nil, let line = item.indexed { held = input?.read(line) }
                    guard let raw = held else { return moved() }
                    key = keyed ? FastHash.hex(raw, salt: version) : ""
                }
                if let previous, let entry = previous.entry(for: key) {
                    // The index says whether it is an error record: copied without being read.
                    if let error = entry.error {
                        return .success(Item(bytes: nil, isError: error, key: key, reused: true, span: entry))
                    }
                    if let line = previous.line(for: key) {
                        return .success(Item(bytes: line, isError: JSON.rawMayHaveError(line) && JSON.rawHasError(line), key: key, reused: true))
                    }
                }
                if held == nil, let line = item.indexed { held = input?.read(line) }
                guard let raw = held else { return moved() }
                // A line of spaces only is no record (as when read from stdin).
                if item.raw == nil, raw.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                    return .success(Item(bytes: nil, isError: false, key: "", reused: false, skip: true))
                }
                func replaced(_ json: JSON, _ problem: String) -> Result<Item, NDJSONError> {
                    var bytes: [UInt8] = []
                    json.write(to: &bytes)
                    // Not cached: the next run finds the line damaged again, and says so again.
                    return .success(Item(bytes: bytes, isError: true, key: "-", reused: false, problem: problem))
                }
                if let fast, let outcome = fast(raw) {
                    switch outcome {
                    case .passThrough: return .success(Item(bytes: raw, isError: false, key: key, reused: false))
                    case .record(let json):
                        var bytes: [UInt8] = []
                        json.write(to: &bytes)
                        return .success(Item(bytes: bytes, isError: false, key: key, reused: false))
                    case .bytes(let bytes):
                        return .success(Item(bytes: bytes, isError: false, key: key, reused: false))
                    }
                }
                let object: [String: JSON]
                switch BadRecord.check(raw, line: item.line, stage: stage, listing: listing) {
                case .replaced(let json, let problem): return replaced(json, problem)
                case .record(let o): object = o
                }
                if let error = object["error"], !error.isNull { return .success(Item(bytes: raw, isError: true, key: key, reused: false)) }
                do {
                    switch try transform(object) {
                    case .passThrough: return .success(Item(bytes: raw, isError: false, key: key, reused: false))
                    case .record(let json):
                        var bytes: [UInt8] = []
                        json.write(to: &bytes)
                        return .success(Item(bytes: bytes, isError: false, key: key, reused: false))
                    case .bytes(let bytes):
                        return .success(Item(bytes: bytes, isError: false, key: key, reused: false))
                    }
                } catch let failure as StageFailure {
                    return .failure(NDJSONError(line: item.line, message: failure.message))
                } catch let problem as RecordProblem {
                    return replaced(BadRecord.record(raw: raw, object: object, line: item.line, stage: stage, code: problem.code, problem: problem.message),
                                    "\(problem.code): \(problem.message)")
                } catch {
                    return replaced(BadRecord.record(raw: raw, object: object, line: item.line, stage: stage, code: "malformed_record", problem: "\(error)"),
                                    "malformed_record: \(error)")
                }
            }
        }
        func commit(_ batch: [Entry], _ results: [Result<Item, NDJSONError>]) throws {
            for (item, result) in zip(batch, results) {
                switch result {
                case .failure(let e): throw e
                case .success(let out):
                    if out.skip { continue }
                    recordsIn += 1
                    if let span = out.span, let previous {
                        previous.copy(span, to: writer)
                        index?.add(key: out.key, length: span.length, error: out.isError)
                    } else {
                        let bytes = out.bytes ?? item.raw ?? []
                        writer.writeLine(bytes)
                        index?.add(key: out.key, length: bytes.count, error: out.isError)
                    }
                    if out.isError { errorRecords += 1 }
                    if out.reused { reused += 1 }
                    if let problem = out.problem {
                        badLines += 1
                        if badLines <= reportLimit {
                            report("\(stage): input line \(item.line): \(problem); written as an error record in its place")
                        }
                    }
                }
            }
        }
        try Parallel.pipeline(next: next, compute: compute, commit: commit)
        writer.finish()
        try index?.save()
        if badLines > 0 {
            report("\(stage): \(badLines) damaged input line\(badLines == 1 ? " was" : "s were") replaced by error records (code malformed_record or unknown_schema); they are listed in the inventory")
        }
    }
}

