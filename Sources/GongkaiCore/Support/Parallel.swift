import Dispatch

/// Order-keeping parallel map over both cores.
public enum Parallel {
    /// `transform` applied to every item concurrently; results in input order.
    public static func map<T, R>(_ items: [T], _ transform: (T) -> R) -> [R] {
        if items.count < 2 { return items.map(transform) }
        let slots = UnsafeMutableBufferPointer<R?>.allocate(capacity: items.count)
        slots.initialize(repeating: nil)
        defer { slots.deallocate() }
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

    public init() {}

    /// - Parameter transform: pure and thread-safe; throws `StageFailure` for a record
    ///   the stage cannot take (fatal, reported with its line number).
    public mutating func run(reader: inout LineReader, writer: OutputWriter, stage: String,
                             transform: ([String: JSON]) throws -> RecordOutcome) throws {
        var batch: [(line: Int, raw: [UInt8])] = []
        func flush(_ batch: [(line: Int, raw: [UInt8])]) throws {
            // Parse, transform and serialize on both cores; only the writing is in order.
            let results = Parallel.map(batch) { item -> Result<(bytes: [UInt8]?, isError: Bool), NDJSONError> in
                do {
                    guard case .object(let object) = try JSON.parse(item.raw) else {
                        return .failure(NDJSONError(line: item.line, message: "expected a JSON object, found another JSON value"))
                    }
                    let isError = object["error"].map { !$0.isNull } ?? false
                    if isError { return .success((nil, true)) }
                    switch try transform(object) {
                    case .passThrough: return .success((nil, false))
                    case .record(let json):
                        var bytes: [UInt8] = []
                        json.write(to: &bytes)
                        return .success((bytes, false))
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
                    writer.writeLine(out.bytes ?? item.raw)
                    if out.isError { errorRecords += 1 }
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
    }
}
