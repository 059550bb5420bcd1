#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Dispatch

/// A record line that could not be read: fatal for a stage, with the line number.
public struct NDJSONError: Error, CustomStringConvertible, Sendable {
    public let line: Int
    public let message: String
    public var description: String { "input line \(line): \(message)" }

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }
}

/// Reads newline-delimited records from a file descriptor in large blocks.
///
/// Lines come back as raw bytes (without the newline), so a stage can pass a
/// record through untouched; `nextRecord()` parses one as JSON.
public struct LineReader {
    let fd: Int32
    var buffer: [UInt8] = []
    var start = 0
    var eof = false
    var block: [UInt8] = []
    public private(set) var lineNumber = 0
    static let blockSize = 1 << 20

    public init(fd: Int32 = 0) { self.fd = fd }

    /// The next line's bytes, or nil at end of input. A last line without a
    /// newline is still returned. Blank lines are returned as empty arrays.
    public mutating func nextLine() throws -> [UInt8]? {
        while true {
            if let nl = firstNewline() {
                // A byte-order mark an editor put before the first record is not part of it.
                let from = lineNumber == 0 && buffer[start..<nl].starts(with: [0xEF, 0xBB, 0xBF]) ? start + 3 : start
                let line = Array(buffer[from..<nl])
                start = nl + 1
                lineNumber += 1
                return line
            }
            if eof {
                guard start < buffer.count else { return nil }
                let from = lineNumber == 0 && buffer[start...].starts(with: [0xEF, 0xBB, 0xBF]) ? start + 3 : start
                let line = Array(buffer[from...])
                start = buffer.count
                lineNumber += 1
                return line
            }
            try fill()
        }
    }

    /// The next non-blank line parsed as a JSON object, with its raw bytes; top-level
    /// members named in `skipping` are not built.
    public mutating func nextRecord(skipping: Set<String> = []) throws -> (json: [String: JSON], raw: [UInt8])? {
        while let line = try nextLine() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let value: JSON
            do {
                value = try JSON.parse(line, skipping: skipping)
            } catch let e as JSONParseError {
                throw NDJSONError(line: lineNumber, message: "malformed JSON record: \(e)")
            }
            guard case .object(let object) = value else {
                throw NDJSONError(line: lineNumber, message: "expected a JSON object, found another JSON value")
            }
            return (object, line)
        }
        return nil
    }

    func firstNewline() -> Int? {
        buffer.withUnsafeBufferPointer { p -> Int? in
            guard start < p.count, let base = p.baseAddress else { return nil }
            guard let hit = memchr(base + start, 0x0A, p.count - start) else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
    }

    mutating func fill() throws {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        // Read into a block kept for the purpose, then copy: appending a million zeros
        // first and cutting them off again took seconds per reader in debug builds.
        if block.isEmpty { block = [UInt8](repeating: 0, count: LineReader.blockSize) }
        let n = block.withUnsafeMutableBytes { p -> Int in
            var r: Int
            repeat { r = read(fd, p.baseAddress, LineReader.blockSize) } while r < 0 && errno == EINTR
            return r
        }
        if n < 0 {
            throw NDJSONError(line: lineNumber, message: "cannot read input: \(String(cString: strerror(errno)))")
        }
        if n == 0 { eof = true; return }
        buffer.append(contentsOf: block[0..<n])
    }
}

/// Buffered writer to a file descriptor; one `write` per megabyte, not per line. The
/// writing (and copying) is done in order by a thread of its own while the caller goes
/// on making the next megabyte: the kernel's share of writing (copying into the page
/// cache, allocating it) no longer holds up the stage's own thread. At most
/// `OutputWriter.inFlight` buffers or copies wait for it; `flush` and `finish` wait for
/// all of them. One thread uses a writer (the writing thread only its `Sink`).
public final class OutputWriter {
    static let flushSize = 1 << 20
    /// Buffers and copies handed to the writing thread and not yet done, at most.
    static let inFlight = 4

    var buffer: [UInt8] = []
    /// Lines to copy from another file (with their newlines), waiting: the buffer is empty
    /// while they wait, and anything written next goes after them.
    var pendingCopy: (fd: Int32, offset: Int, length: Int)?
    /// What the writing thread works with (the work handed to it holds the sink, not the
    /// writer: a writer let go is deinitialized on its own thread, which waits for the rest).
    let sink: Sink
    /// The writing thread's queue (serial: writes land in the order handed over) and the
    /// room left for more (`inFlight`).
    private let queue = DispatchQueue(label: "gongkai.output-writer")
    private let room = DispatchSemaphore(value: OutputWriter.inFlight)

    /// `name`: what the file is called when it cannot be written (stdout: "output").
    /// `stopping`: whether a failure to write stops the stage (its own output) or is only
    /// kept in `failure` for the owner to deal with (a file of its own, such as a cache).
    public init(fd: Int32 = 1, name: String = "output", stopping: Bool = true) {
        sink = Sink(fd: fd, name: name, stopping: stopping)
        buffer.reserveCapacity(OutputWriter.flushSize * 2)
    }

    var fd: Int32 { sink.fd }
    /// copy_file_range failed once (not a regular file, another file system): pread and
    /// write. Set before the first copy; the writing thread's after that.
    var copyUnsupported: Bool {
        get { sink.copyUnsupported }
        set { sink.copyUnsupported = newValue }
    }
    /// What went wrong, when writing failed and the writer was made with `stopping: false`
    /// (the rest is not written). Read once `flush` or `finish` has returned.
    public var failure: String? { sink.failure }

    /// Writes `length` bytes of `fd` from `offset` (whole lines with their newlines): in the
    /// kernel when it can (copy_file_range), consecutive ranges in one call.
    public func copyLines(from fd: Int32, offset: Int, length: Int) {
        if let p = pendingCopy, p.fd == fd, p.offset + p.length == offset {
            pendingCopy!.length += length
            return
        }
        send()
        pendingCopy = (fd, offset, length)
    }

    public func write<B: Collection>(_ bytes: B) where B.Element == UInt8 {
        if pendingCopy != nil { sendCopy() }
        buffer.append(contentsOf: bytes)
        if buffer.count >= OutputWriter.flushSize { sendBuffer() }
    }

    /// Writes one record line: the JSON and a newline.
    public func writeRecord(_ value: JSON) {
        if pendingCopy != nil { sendCopy() }
        value.write(to: &buffer)
        buffer.append(0x0A)
        if buffer.count >= OutputWriter.flushSize { sendBuffer() }
    }

    /// Writes one pre-serialized line and its newline.
    public func writeLine(_ bytes: [UInt8]) {
        if pendingCopy != nil { sendCopy() }
        buffer.append(contentsOf: bytes)
        buffer.append(0x0A)
        if buffer.count >= OutputWriter.flushSize { sendBuffer() }
    }

    /// Hands what waits (a copy, then the buffer) to the writing thread.
    func send() {
        sendCopy()
        sendBuffer()
    }

    /// Hands the waiting copy to the writing thread.
    func sendCopy() {
        guard let p = pendingCopy else { return }
        pendingCopy = nil
        room.wait()
        queue.async { [sink, room] in
            sink.copy(p)
            room.signal()
        }
    }

    /// Hands the buffer to the writing thread and goes on with an empty one (one it wrote before, when there is one).
    func sendBuffer() {
        guard !buffer.isEmpty else { return }
        var next = sink.reused() ?? []
        if next.capacity == 0 { next.reserveCapacity(OutputWriter.flushSize * 2) }
        swap(&buffer, &next)
        // Handed over in a box the writing thread empties: the array is then its alone, and
        // emptying it after writing keeps its memory for reuse instead of copying it.
        let full = Sink.Held(next)
        next = []
        room.wait()
        queue.async { [sink, room] in
            sink.write(full)
            room.signal()
        }
    }

    /// Everything written so far is in the file when this returns.
    public func flush() {
        send()
        queue.sync {}
    }

    /// Flushes, and when the output is a regular file that holds more than was written
    /// (a file written over from its start, `stage 1<> FILE`, as make does to reuse the
    /// space of an older output), cuts it to what was written. With `>` or `>>` the file
    /// already ends where the writing did, and nothing is cut.
    public func finish() {
        flush()
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return }
        let end = lseek(fd, 0, SEEK_CUR)
        if end >= 0, st.st_size > end, ftruncate(fd, end) != 0 {
            sink.fail("cannot cut \(sink.name == "output" ? "the output file" : "'\(sink.name)'") to its length: \(String(cString: strerror(errno)))")
        }
    }

    /// A writer let go without `finish`: what is still waiting is written before it goes.
    deinit { flush() }

    /// The file as the writing thread sees it: it writes and copies into it, keeps the
    /// first failure, and hands written buffers back for reuse (under `lock`).
    final class Sink: @unchecked Sendable {
        let fd: Int32
        let name: String
        let stopping: Bool
        var copyUnsupported = false
        var failure: String?
        private let lock = NSLock()
        private var reusable: [[UInt8]] = []

        init(fd: Int32, name: String, stopping: Bool) {
            self.fd = fd
            self.name = name
            self.stopping = stopping
        }

        typealias CopyFileRange = @convention(c) (Int32, UnsafeMutablePointer<Int64>?, Int32, UnsafeMutablePointer<Int64>?, Int, UInt32) -> Int
        static let copyFileRange: CopyFileRange? = dlsym(nil, "copy_file_range").map { unsafeBitCast($0, to: CopyFileRange.self) }

        /// A buffer written before, emptied, when there is one.
        func reused() -> [UInt8]? { lock.withLock { reusable.popLast() } }

        /// A buffer on its way to the writing thread.
        final class Held: @unchecked Sendable {
            var bytes: [UInt8]
            init(_ bytes: [UInt8]) { self.bytes = bytes }
        }

        /// Writes the buffer, and keeps it (emptied) for the next one unless it grew large.
        func write(_ held: Held) {
            var done = held.bytes
            held.bytes = []
            writeAll(done[...])
            guard done.capacity <= 4 * OutputWriter.flushSize else { return }
            done.removeAll(keepingCapacity: true)
            lock.withLock { if reusable.count < OutputWriter.inFlight { reusable.append(done) } }
        }

        func copy(_ p: (fd: Int32, offset: Int, length: Int)) {
            guard failure == nil else { return }
            var offset = Int64(p.offset)
            var left = p.length
            if !copyUnsupported, let copy = Sink.copyFileRange {
                while left > 0 {
                    let n = copy(p.fd, &offset, fd, nil, left, 0)
                    if n > 0 { left -= n; continue }
                    if n < 0 && errno == EINTR { continue }
                    copyUnsupported = true  // 0 (short source) or an error: the slow way for the rest
                    break
                }
            }
            var chunk = [UInt8](repeating: 0, count: Swift.min(left, 1 << 20))
            while left > 0 {
                let want = Swift.min(left, chunk.count)
                let n = chunk.withUnsafeMutableBytes { pread(p.fd, $0.baseAddress, want, off_t(offset)) }
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    return fail("cannot read the previous output to copy from it: \(n < 0 ? String(cString: strerror(errno)) : "it is shorter than its index says")")
                }
                writeAll(chunk[0..<n])
                offset += Int64(n)
                left -= n
            }
        }

        /// Writes all of `bytes`.
        func writeAll(_ bytes: ArraySlice<UInt8>) {
            guard failure == nil else { return }
            if let e = Files.writeAll(fd, bytes) {
                // The reader went away (EPIPE) or the disk is full: nothing more can be said.
                fail("cannot write \(name == "output" ? name : "'\(name)'"): \(String(cString: strerror(e)))")
            }
        }

        /// Says what went wrong on stderr and stops the stage (exit 1): output that cannot be
        /// written ends the run. A sink not `stopping` keeps the first failure and writes no more.
        func fail(_ problem: String) {
            guard stopping else {
                if failure == nil { failure = problem }
                return
            }
            let message = "gongkai: \(problem)\n"
            _ = message.withCString { Glibc.write(2, $0, strlen($0)) }
            exit(1)
        }
    }
}

/// Input lines a stage cannot take — cut short, not JSON, not an object, a schema this
/// gongkai does not know — become error records that travel on like an unreadable
/// file: nothing is lost, nothing stops the run, and the inventory says what happened.
public enum BadRecord {
    public enum Outcome {
        /// A record the stage can take (an error record among them).
        case record([String: JSON])
        /// The error record written in place of the line, and the problem in a few words.
        case replaced(JSON, problem: String)
    }

    /// Parses and checks one input line: a JSON object whose `schema` this gongkai
    /// knows; an error record's `error` must carry a `code` and the record a `path`.
    /// Members named in `skipping` are checked for syntax but not built.
    public static func check(_ raw: [UInt8], line: Int, stage: String, skipping: Set<String> = [], listing: Set<String> = []) -> Outcome {
        let value: JSON
        do {
            value = try JSON.parse(raw, skipping: skipping, listing: listing)
        } catch let e as JSONParseError {
            // Any error at the very end of the line: the line stops where the record does not.
            let cut = e.offset >= raw.count - 1
            let problem = cut
                ? "the line is cut short after \(raw.count) bytes (the stage that wrote it was interrupted, or the disk was full)"
                : "the line is not valid JSON (\(e))"
            return replaced(raw: raw, object: nil, line: line, stage: stage, code: "malformed_record", problem: problem)
        } catch {
            return replaced(raw: raw, object: nil, line: line, stage: stage, code: "malformed_record", problem: "the line cannot be read (\(error))")
        }
        guard case .object(let object) = value else {
            return replaced(raw: raw, object: nil, line: line, stage: stage, code: "malformed_record",
                            problem: "the line holds a JSON \(kind(of: value)), not a record (a JSON object)")
        }
        guard let schema = object["schema"]?.stringValue else {
            return replaced(raw: raw, object: object, line: line, stage: stage, code: "malformed_record",
                            problem: "the record has no \"schema\" naming its kind")
        }
        guard Schema.all.contains(schema) else {
            let known = Schema.all.sorted().joined(separator: ", ")
            let problem = schema.hasPrefix("gongkai.")
                ? "the record's schema is \"\(String(schema.prefix(80)))\", a kind or version this gongkai does not read (it reads \(known)): written by another version of gongkai?"
                : "the record's schema is \"\(String(schema.prefix(80)))\", not a gongkai record"
            return replaced(raw: raw, object: object, line: line, stage: stage, code: "unknown_schema", problem: problem)
        }
        if let error = object["error"], !error.isNull {
            guard RecordError(json: error) != nil else {
                return replaced(raw: raw, object: object, line: line, stage: stage, code: "malformed_record",
                                problem: "an error record whose \"error\" has no \"code\"")
            }
            guard Schema.perDocument.contains(schema) else {
                return replaced(raw: raw, object: object, line: line, stage: stage, code: "malformed_record",
                                problem: "an error record of schema \(schema), which carries no document")
            }
            guard object["path"]?.stringValue != nil else {
                return replaced(raw: raw, object: object, line: line, stage: stage, code: "malformed_record",
                                problem: "an error record with no \"path\"")
            }
        }
        return .record(object)
    }

    /// The error record that stands in for input line `line`.
    public static func record(raw: [UInt8], object: [String: JSON]?, line: Int, stage: String, code: String, problem: String) -> JSON {
        var path = object?["path"]?.stringValue
        var recovered = false
        if path == nil, let p = recoverPath(raw) {
            path = p
            recovered = true
        }
        let message = "\(stage) input line \(line): \(problem). The record was replaced by this error record"
            + (recovered ? " (its path was read from the damaged line)" : "")
            + ". Run the stages again from gongkai-ingest (with make: remove the work folder and run make all)."
        var sha: String?
        if let s = object?["sha256"]?.stringValue, s.utf8.count == 64, s.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) {
            sha = s
        }
        let doc = Document(path: path ?? "<\(stage) input line \(line)>", bytes: max(0, object?["bytes"]?.intValue ?? 0), sha256: sha,
                           format: object?["format"]?.stringValue.map { String($0.prefix(40)) } ?? "unknown",
                           encoding: nil, text: nil, error: RecordError(code: code, message: message))
        return doc.json
    }

    static func replaced(raw: [UInt8], object: [String: JSON]?, line: Int, stage: String, code: String, problem: String) -> Outcome {
        .replaced(record(raw: raw, object: object, line: line, stage: stage, code: code, problem: problem), problem: "\(code): \(problem)")
    }

    static func kind(of value: JSON) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "true/false"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object, .ordered: return "object"
        }
    }

    /// The record's `"path"` read straight from its bytes, for a line too damaged to parse:
    /// records are written compactly, so the member is `"path":"…"`. Inside a string every
    /// quote is escaped, so the pattern cannot match there.
    static func recoverPath(_ raw: [UInt8]) -> String? {
        let key = Array("\"path\":\"".utf8)
        guard raw.count > key.count else { return nil }
        var i = 0
        while i + key.count <= raw.count {
            if raw[i] == key[0] && Array(raw[i..<(i + key.count)]) == key {
                let start = i + key.count - 1  // the opening quote of the value
                var j = start + 1
                while j < raw.count && raw[j] != UInt8(ascii: "\"") {
                    j += raw[j] == UInt8(ascii: "\\") ? 2 : 1
                }
                guard j < raw.count, case .string(let s)? = try? JSON.parse(Array(raw[start...j])), !s.isEmpty else { return nil }
                return s
            }
            i += 1
        }
        return nil
    }
}
