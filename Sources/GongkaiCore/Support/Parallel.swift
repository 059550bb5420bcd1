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
}

/// What a per-document stage does with one input record.
public enum RecordOutcome: Sendable {
    /// Write this record.
    case record(JSON)
    /// Write the input line unchanged (an error record passing through).
    case passThrough
}

/// Drives a per-document stage: reads records from stdin in batches, transforms
/// each batch on both cores, and writes the results in input order.
public struct RecordStream {
    public var batchSize = 512
    public private(set) var recordsIn = 0
    public private(set) var errorRecords = 0
    /// Records copied from the previous run's output instead of computed.
    public private(set) var reused = 0
    /// The previous output and its index (incremental re-runs), if any.
    public var previous: PreviousOutput?
    /// Where to write this run's index, if anywhere.
    public var index: OutputIndex?
    /// The stage's version: part of every cache key, so new code recomputes everything.
    public var version = ""

    public init() {}

    /// Sets up `--previous FILE` (with `FILE.idx`) and `--index FILE` from a stage's arguments.
    public mutating func configure(_ args: Arguments, version: String) {
        self.version = version
        if let p = args.options["previous"] { previous = PreviousOutput(output: p, index: p + ".idx") }
        if let i = args.options["index"] { index = OutputIndex(path: i) }
    }

    /// - Parameter transform: pure and thread-safe; throws `StageFailure` for a record
    ///   the stage cannot take (fatal, reported with its line number).
    public mutating func run(reader: inout LineReader, writer: OutputWriter, stage: String,
                             transform: ([String: JSON]) throws -> RecordOutcome) throws {
        var batch: [(line: Int, raw: [UInt8])] = []
        func flush(_ batch: [(line: Int, raw: [UInt8])]) throws {
            // Parse, transform and serialize on both cores; only the writing is in order.
            let keyed = previous != nil || index != nil
            let previous = self.previous
            let version = self.version
            let results = Parallel.map(batch) { item -> Result<(bytes: [UInt8]?, isError: Bool, key: String, reused: Bool), NDJSONError> in
                let key = keyed ? FastHash.hex(item.raw, salt: version) : ""
                if let previous, let line = previous.line(for: key) {
                    let isError = line == item.raw && item.raw.starts(with: Array("{".utf8)) && JSON.rawHasError(item.raw)
                    return .success((line, isError, key, true))
                }
                do {
                    guard case .object(let object) = try JSON.parse(item.raw) else {
                        return .failure(NDJSONError(line: item.line, message: "expected a JSON object, found another JSON value"))
                    }
                    let isError = object["error"].map { !$0.isNull } ?? false
                    if isError { return .success((nil, true, key, false)) }
                    switch try transform(object) {
                    case .passThrough: return .success((nil, false, key, false))
                    case .record(let json):
                        var bytes: [UInt8] = []
                        json.write(to: &bytes)
                        return .success((bytes, false, key, false))
                    }
                } catch let e as JSONParseError {
                    return .failure(NDJSONError(line: item.line, message: "malformed JSON record: \(e)"))
                } catch {
                    return .failure(NDJSONError(line: item.line, message: "\(error)"))
                }
            }
            for (item, result) in zip(batch, results) {
                switch result {
                case .failure(let e): throw e
                case .success(let out):
                    recordsIn += 1
                    let bytes = out.bytes ?? item.raw
                    writer.writeLine(bytes)
                    index?.add(key: out.key, length: bytes.count)
                    if out.isError { errorRecords += 1 }
                    if out.reused { reused += 1 }
                }
            }
        }
        while let line = try reader.nextLine() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            batch.append((reader.lineNumber, line))
            if batch.count >= batchSize {
                try flush(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        try flush(batch)
        writer.flush()
        try index?.save()
    }
}
