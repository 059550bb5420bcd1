#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    public private(set) var lineNumber = 0
    static let blockSize = 1 << 20

    public init(fd: Int32 = 0) { self.fd = fd }

    /// The next line's bytes, or nil at end of input. A last line without a
    /// newline is still returned. Blank lines are returned as empty arrays.
    public mutating func nextLine() throws -> [UInt8]? {
        while true {
            if let nl = firstNewline() {
                let line = Array(buffer[start..<nl])
                start = nl + 1
                lineNumber += 1
                return line
            }
            if eof {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
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
        let old = buffer.count
        buffer.reserveCapacity(old + LineReader.blockSize)
        buffer.append(contentsOf: repeatElement(0, count: LineReader.blockSize))
        let n = buffer.withUnsafeMutableBufferPointer { p -> Int in
            var r: Int
            repeat { r = read(fd, p.baseAddress! + old, LineReader.blockSize) } while r < 0 && errno == EINTR
            return r
        }
        if n < 0 {
            buffer.removeSubrange(old...)
            throw NDJSONError(line: lineNumber, message: "cannot read input: \(String(cString: strerror(errno)))")
        }
        buffer.removeSubrange((old + n)...)
        if n == 0 { eof = true }
    }
}

/// Buffered writer to a file descriptor; one `write` per megabyte, not per line.
public final class OutputWriter {
    let fd: Int32
    var buffer: [UInt8] = []
    static let flushSize = 1 << 20

    public init(fd: Int32 = 1) {
        self.fd = fd
        buffer.reserveCapacity(OutputWriter.flushSize * 2)
    }

    public func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= OutputWriter.flushSize { flush() }
    }

    /// Writes one record line: the JSON and a newline.
    public func writeRecord(_ value: JSON) {
        value.write(to: &buffer)
        buffer.append(0x0A)
        if buffer.count >= OutputWriter.flushSize { flush() }
    }

    /// Writes one pre-serialized line and its newline.
    public func writeLine(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        buffer.append(0x0A)
        if buffer.count >= OutputWriter.flushSize { flush() }
    }

    public func flush() {
        var offset = 0
        buffer.withUnsafeBufferPointer { p in
            while offset < p.count {
                let n = Glibc.write(fd, p.baseAddress! + offset, p.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    // The reader went away (EPIPE) or the disk is full: nothing more can be said.
                    let message = "gongkai: cannot write output: \(String(cString: strerror(errno)))\n"
                    _ = message.withCString { Glibc.write(2, $0, strlen($0)) }
                    exit(1)
                }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}
