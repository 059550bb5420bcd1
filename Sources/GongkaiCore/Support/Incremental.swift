#if canImport(Glibc)
import Glibc
#endif

/// A fast 128-bit fingerprint of bytes, for cache keys (not for security: the
/// file identity in records stays SHA-256). Four 64-bit lanes over 32-byte stripes
/// (the xxHash64 round: multiply, rotate, multiply), folded into two words with a
/// splitmix finalizer; about 10 GB/s here, six times the two-lane hash before it,
/// which mattered because every re-run hashes each stage's whole input.
public enum FastHash {
    @inline(__always) static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static let p1: UInt64 = 0x9E37_79B1_85EB_CA87, p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F

    @inline(__always) static func round(_ acc: UInt64, _ w: UInt64) -> UInt64 {
        let x = acc &+ w &* p2
        return ((x << 31) | (x >> 33)) &* p1
    }

    @inline(__always) static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    public static func hex(_ bytes: [UInt8], salt: String = "") -> String {
        bytes.withUnsafeBytes { hex($0, salt: salt) }
    }

    public static func hex(_ raw: UnsafeRawBufferPointer, salt: String = "") -> String {
        let (x, y) = words(raw, salt: salt)
        return hex64(x) + hex64(y)
    }

    /// The two 64-bit words of the fingerprint.
    static func words(_ raw: UnsafeRawBufferPointer, salt: String) -> (UInt64, UInt64) {
        var a: UInt64 = 0x243F_6A88_85A3_08D3, b: UInt64 = 0x1319_8A2E_0370_7344
        var c: UInt64 = 0xA409_3822_299F_31D0, d: UInt64 = 0x082E_FA98_EC4E_6C89
        // The salt first, byte by byte (it is short), with its length so salt and bytes cannot trade places.
        var saltCount: UInt64 = 0
        for s in salt.utf8 {
            a = mix(a ^ UInt64(s))
            c = round(c, UInt64(s))
            saltCount &+= 1
        }
        b = mix(b ^ saltCount)
        let n = raw.count
        var i = 0
        if n > 0, let p = raw.baseAddress {
            while i + 32 <= n {
                a = round(a, p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                b = round(b, p.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self))
                c = round(c, p.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self))
                d = round(d, p.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self))
                i += 32
            }
            // The last 0…31 bytes: whole words into the lanes in turn, then the bytes left.
            var lane = 0
            while i + 8 <= n {
                let w = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                switch lane {
                case 0: a = round(a, w)
                case 1: b = round(b, w)
                default: c = round(c, w)
                }
                lane += 1
                i += 8
            }
            var tail: UInt64 = 0, shift: UInt64 = 0
            while i < n {
                tail |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << shift
                shift += 8
                i += 1
            }
            d = round(d, tail ^ 0xA076_1D64_78BD_642F)
        }
        let length = UInt64(n)
        let x = mix(rotl(a, 1) &+ rotl(b, 7) &+ rotl(c, 12) &+ rotl(d, 18) ^ (length &* p1))
        let y = mix((a ^ rotl(b, 29)) &+ (rotl(c, 43) ^ d) &+ (length &* p2) ^ x)
        return (x, y)
    }

    static func hex64(_ v: UInt64) -> String {
        String(unsafeUninitializedCapacity: 16) { out in
            let digits: StaticString = "0123456789abcdef"
            digits.withUTF8Buffer { d in
                for k in 0..<16 { out[k] = d[Int((v >> UInt64(60 - 4 * k)) & 0xF)] }
            }
            return 16
        }
    }
}

/// The previous run's output of a per-document stage, with its index: the output
/// line for each input record already seen (same input bytes, same stage version)
/// is copied instead of computed again. That is the nightly re-run: unchanged
/// documents cost a hash and a copy.
public final class PreviousOutput {
    public struct Entry: Sendable {
        public var offset: Int
        public var length: Int
        /// Whether the line is an error record, when the index says (older indexes do not).
        public var error: Bool?
    }

    /// The previous output, open for reading (lines are copied from it).
    public let fd: Int32
    var entries: [String: Entry] = [:]
    /// The output's size.
    public private(set) var size = 0
    /// How many of the output's bytes the index lists (lines and newlines).
    public var listedBytes: Int { entries.values.reduce(0) { $0 + $1.length + 1 } }

    /// Nil when either file is missing or unreadable: the stage then computes everything.
    public init?(output: String, index: String) {
        guard let bytes = try? Ingester.readAll(Array(index.utf8)) else { return nil }
        fd = open(output, O_RDONLY)
        guard fd >= 0 else { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }  // (deinit closes the file)
        size = Int(st.st_size)
        var end = 0
        let list = PreviousOutput.entries(ofIndex: bytes, size: size)
        entries.reserveCapacity(list.count)  // (not rehashed as it grows)
        for (key, entry) in list {
            entries[key] = entry
            end = max(end, entry.offset + entry.length + 1)
        }
        // The index lists every line of the output it was written with: an output of
        // another size is not that output (rewritten since), and nothing is taken from it.
        if end != size { return nil }  // (deinit closes the file)
    }

    deinit { close(fd) }

    /// The lines of an index (`OutputIndex`) in order, each naming a span within a file of
    /// `size` bytes; damaged lines are left out. Read on bytes, fields and numbers where they
    /// lie (an index has a line per record: 100,000 lines at national scale, read by every
    /// stage of a re-run). Gives what `entriesPlain` gives (tested).
    static func entries(ofIndex bytes: [UInt8], size: Int) -> [(key: String, entry: Entry)] {
        var out: [(key: String, entry: Entry)] = []
        out.reserveCapacity(bytes.count / 48 + 1)
        bytes.withUnsafeBufferPointer { b in
            let n = b.count
            var lineStart = 0
            while lineStart < n {
                var lineEnd = lineStart
                while lineEnd < n, b[lineEnd] != 0x0A { lineEnd += 1 }
                defer { lineStart = lineEnd + 1 }
                // The fields between tabs (empty ones dropped), at most four: a fifth damages the line.
                var starts = (0, 0, 0, 0), ends = (0, 0, 0, 0)
                var count = 0
                var f = lineStart
                var i = lineStart
                while i <= lineEnd {
                    if i == lineEnd || b[i] == 0x09 {
                        if i > f {
                            switch count {
                            case 0: starts.0 = f; ends.0 = i
                            case 1: starts.1 = f; ends.1 = i
                            case 2: starts.2 = f; ends.2 = i
                            case 3: starts.3 = f; ends.3 = i
                            default: break
                            }
                            count += 1
                        }
                        f = i + 1
                    }
                    i += 1
                }
                /// A decimal of at most 18 characters, a sign allowed before at least one digit.
                func int(_ from: Int, _ to: Int) -> Int? {
                    let length = to - from
                    guard length > 0, length <= 18 else { return nil }
                    var k = from
                    var negative = false
                    if b[k] == 0x2B || b[k] == 0x2D {
                        guard length > 1 else { return nil }
                        negative = b[k] == 0x2D
                        k += 1
                    }
                    var value = 0
                    while k < to {
                        let d = b[k] &- 0x30
                        guard d <= 9 else { return nil }
                        value = value * 10 + Int(d)
                        k += 1
                    }
                    return negative ? -value : value
                }
                // Checked without adding: a damaged index must not overflow.
                guard count == 3 || count == 4, let o = int(starts.1, ends.1), let l = int(starts.2, ends.2), o >= 0, l >= 0, o <= size, l <= size - o,
                      let key = String(utf8: UnsafeBufferPointer(rebasing: b[starts.0..<ends.0])) else { continue }
                let error: Bool? = count == 4 ? (ends.3 - starts.3 == 1 && b[starts.3] == UInt8(ascii: "e")) : nil
                out.append((key, Entry(offset: o, length: l, error: error)))
            }
        }
        return out
    }

    /// `entries(ofIndex:size:)` written plainly: the reference it is tested against.
    static func entriesPlain(ofIndex bytes: [UInt8], size: Int) -> [(key: String, entry: Entry)] {
        var out: [(key: String, entry: Entry)] = []
        bytes.withUnsafeBufferPointer { b in
            var lineStart = 0
            while lineStart < b.count {
                var lineEnd = lineStart
                while lineEnd < b.count, b[lineEnd] != 0x0A { lineEnd += 1 }
                defer { lineStart = lineEnd + 1 }
                guard lineEnd > lineStart else { continue }
                // The fields between tabs (empty ones dropped, as `split` drops them).
                var fields: [Range<Int>] = []
                var f = lineStart
                for i in lineStart...lineEnd where i == lineEnd || b[i] == 0x09 {
                    if i > f { fields.append(f..<i) }
                    f = i + 1
                }
                func int(_ r: Range<Int>) -> Int? {
                    guard r.count <= 18, r.allSatisfy({ (0x30...0x39).contains(b[$0]) || ($0 == r.lowerBound && (b[$0] == 0x2B || b[$0] == 0x2D) && r.count > 1) })
                    else { return nil }
                    return Int(String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self))
                }
                // Checked without adding: a damaged index must not overflow.
                guard fields.count == 3 || fields.count == 4, let o = int(fields[1]), let l = int(fields[2]), o >= 0, l >= 0, o <= size, l <= size - o,
                      let key = String(utf8: UnsafeBufferPointer(rebasing: b[fields[0]])) else { continue }
                let error: Bool? = fields.count == 4 ? (fields[3].count == 1 && b[fields[3].lowerBound] == UInt8(ascii: "e")) : nil
                out.append((key, Entry(offset: o, length: l, error: error)))
            }
        }
        return out
    }

    public var count: Int { entries.count }

    /// `--previous FILE` of a stage's arguments, with FILE.idx beside it.
    public static func option(_ args: Arguments) -> PreviousOutput? {
        args.options["previous"].flatMap { PreviousOutput(output: $0, index: $0 + ".idx") }
    }

    /// `option(args)` read on another thread (`wait()` for it) while the caller reads
    /// something else. (Made here, not in a stage's main.swift, whose closures are the
    /// main actor's and may not run on another thread.)
    public static func loading(_ args: Arguments) -> Parallel.Job<PreviousOutput?> { Parallel.Job { option(args) } }

    /// Where the previous output line for `key` is, or nil.
    public func entry(for key: String) -> Entry? { entries[key] }

    /// The previous output line for `key` (without its newline), or nil.
    public func line(for key: String) -> [UInt8]? { entries[key].flatMap(line) }

    /// The previous output line at `entry` (without its newline), or nil when it is not all there.
    public func line(_ entry: Entry) -> [UInt8]? { Files.read(fd, offset: entry.offset, length: entry.length) }

    /// Copies the line at `entry` (with its newline) to `writer`, without reading it here.
    public func copy(_ entry: Entry, to writer: OutputWriter) {
        writer.copyLines(from: fd, offset: entry.offset, length: entry.length + 1)
    }
}

/// Writes the index of a stage's output: `key<TAB>offset<TAB>length` per line.
public final class OutputIndex {
    var text: [UInt8] = []
    var offset = 0
    let path: String

    public init(path: String) { self.path = path }

    /// `--index FILE` of a stage's arguments.
    public static func option(_ args: Arguments) -> OutputIndex? { args.options["index"].map(OutputIndex.init(path:)) }

    /// Records that the output line for `key` starts at the current offset; `error`: it is
    /// an error record (said in the index, so a re-run need not read the line to know).
    public func add(key: String, length: Int, error: Bool? = nil) {
        let flag = error.map { $0 ? "\te" : "\t-" } ?? ""
        text.append(contentsOf: Array("\(key)\t\(offset)\t\(length)\(flag)\n".utf8))
        offset += length + 1
    }

    /// Records that the line for `key` is at `at` (a file written out of order: a cache appended to).
    public func add(key: String, offset at: Int, length: Int) {
        text.append(contentsOf: Array("\(key)\t\(at)\t\(length)\n".utf8))
    }

    public func save() throws {
        switch Files.replace(path, with: [text[...]]) {
        case nil: return
        case .write(let tmp)?: throw StageFailure("cannot write the cache index '\(tmp)'")
        case .move?: throw StageFailure("cannot move the cache index into place at '\(path)'")
        }
    }
}

/// Whole-file reads for tools (the benchmark's floor).
public enum Files {
    /// Whether `a` holds exactly the bytes of `b`: one memcmp when `b` lies in contiguous
    /// memory (an array, a native string's UTF-8), the generic comparison otherwise (which
    /// costs a few instructions a byte: render compares megabytes with the files it would replace).
    public static func same<B: Collection>(_ a: [UInt8], _ b: B) -> Bool where B.Element == UInt8 {
        let fast = b.withContiguousStorageIfAvailable { q in
            a.withUnsafeBufferPointer { p in p.count == q.count && (p.count == 0 || memcmp(p.baseAddress!, q.baseAddress!, p.count) == 0) }
        }
        return fast ?? a.elementsEqual(b)
    }

    public static func read(_ path: String) throws -> [UInt8] { try Ingester.readAll(Array(path.utf8)) }

    /// What kept `replace` from putting a file in place.
    enum ReplaceFailure: Error {
        /// The file beside it (`tmp`) could not be written.
        case write(tmp: String)
        /// It was written but could not be moved into place.
        case move
    }

    /// Writes `parts` one after another to `path` + ".tmp", then moves it to `path` (a reader
    /// sees the old file or the new one, never half); nil when done.
    static func replace(_ path: String, with parts: [ArraySlice<UInt8>]) -> ReplaceFailure? {
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return .write(tmp: tmp) }
        let written = parts.allSatisfy { writeAll(fd, $0) == nil }
        close(fd)
        guard written else { return .write(tmp: tmp) }
        return rename(tmp, path) == 0 ? nil : .move
    }

    /// Writes all of `bytes` to `fd` (again after an interruption); the error (`errno`) that
    /// stopped it, or nil when everything was written.
    static func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Int32? {
        bytes.withUnsafeBytes { p -> Int32? in
            var done = 0
            while done < p.count {
                let n = Glibc.write(fd, p.baseAddress! + done, p.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                done += n
            }
            return nil
        }
    }

    /// `length` bytes of the open file `fd` from `offset`, or nil when they are not all there.
    static func read(_ fd: Int32, offset: Int, length: Int) -> [UInt8]? {
        guard length >= 0, length <= 1 << 30 else { return nil }
        var out = [UInt8](repeating: 0, count: length)
        let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, off_t(offset)) }
        return n == length ? out : nil
    }
}

/// A stage's previous output and the index of the output it writes now, for a stage
/// that copies whole records it would make the same again (aggregate's per-agency
/// records of the year-over-year and every-report tables).
public final class RecordReuse: @unchecked Sendable {
    public let previous: PreviousOutput?
    public let index: OutputIndex?
    /// Salted into every key: another build of the stage makes other keys.
    public let salt: String
    /// Records that had a key, and those copied.
    public internal(set) var keyed = 0
    public internal(set) var reused = 0
    /// Whole tables that had a content key (`Table.contentKey`), and those copied.
    public internal(set) var tablesKeyed = 0
    public internal(set) var tablesReused = 0

    public init(previous: PreviousOutput?, index: OutputIndex?, salt: String) {
        self.previous = previous
        self.index = index
        self.salt = salt
    }
}

/// The key of everything a record is made from: strings added one by one, each written
/// unambiguously (a tag, a length), then hashed. Equal keys: equal inputs.
struct ContentKey {
    var bytes: [UInt8] = []

    mutating func add(_ s: String?) {
        guard let s else { bytes.append(0); return }
        bytes.append(1)
        add(raw: Int64(s.utf8.count))
        bytes += s.utf8
    }

    mutating func add(raw v: Int64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }

    var hex: String { FastHash.hex(bytes) }
}

/// A stage's input lines, a batch at a time: those its input index gives (each read when
/// needed; the stages write no blank lines, so the n-th line of the index is line n), or
/// those of `reader` (lines of spaces only are no record and skipped).
public struct InputBatches {
    public typealias Item = (line: Int, raw: [UInt8]?, indexed: IndexedInput.Line?)
    let input: IndexedInput?
    var taken = 0

    public init(input: IndexedInput?) { self.input = input }

    /// The next `count` lines, or fewer once they hold `bytes`; nil at the end.
    public mutating func next(from reader: inout LineReader, count: Int, bytes limit: Int = .max) throws -> [Item]? {
        var batch: [Item] = []
        var bytes = 0
        while batch.count < count && bytes < limit {
            if let input {
                guard taken < input.lines.count else { break }
                let line = input.lines[taken]
                taken += 1
                batch.append((taken, nil, line))
                bytes += line.length
            } else {
                guard let line = try reader.nextLine() else { break }
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                batch.append((reader.lineNumber, line, nil))
                bytes += line.count
            }
        }
        return batch.isEmpty ? nil : batch
    }
}

/// A stage's input read through the index the stage before wrote of it (`OutputIndex`):
/// every record's key, in order, known without reading the record, and each record read
/// only when it is needed. Aggregate's `--input-index`: on a re-run it takes an unchanged
/// record's reading from its cache by extract's key, so the record's bytes are never read.
///
/// The index is taken only when it describes the file exactly: a line per record, end to
/// end, the file's size, and written no earlier than the file was last changed (a file
/// rewritten after its index, by hand or by a run without `--index`, is not trusted).
public struct IndexedInput {
    public struct Line: Sendable {
        /// The key the stage before gave the record: the same key, the same bytes.
        public var key: String
        public var offset: Int
        public var length: Int

        /// This stage's key for the record, made from the stage before's (`salt`: this
        /// stage's, its build in it); nil for a line that stage gave no key (`-`): it is read
        /// and keyed by its bytes.
        public func key(salt: String) -> String? { key == "-" ? nil : FastHash.hex(Array(key.utf8), salt: salt) }
    }

    /// Why a line the index gives could not be read where it says.
    public static let moved = "the input changed while it was read (its line is not where its index says)"

    public let lines: [Line]
    let fd: Int32

    /// The index at `path` of the file open on `fd`, or why it cannot be taken.
    public static func open(index path: String, fd: Int32) -> Result<IndexedInput, StageFailure> {
        var file = stat(), idx = stat()
        guard fstat(fd, &file) == 0, (file.st_mode & S_IFMT) == S_IFREG else {
            return .failure(StageFailure("the input is not a regular file (a pipe?), so it cannot be read by its index"))
        }
        guard stat(path, &idx) == 0, let bytes = try? Ingester.readAll(Array(path.utf8)) else {
            return .failure(StageFailure("cannot read the index '\(path)'"))
        }
        let fileTime = (Int(file.st_mtim.tv_sec), Int(file.st_mtim.tv_nsec)), indexTime = (Int(idx.st_mtim.tv_sec), Int(idx.st_mtim.tv_nsec))
        guard indexTime >= fileTime else {
            return .failure(StageFailure("the input was changed after its index '\(path)' was written"))
        }
        let size = Int(file.st_size)
        var lines: [Line] = []
        var next = 0
        for (key, entry) in PreviousOutput.entries(ofIndex: bytes, size: size) {
            guard entry.offset == next else { return .failure(StageFailure("the index '\(path)' does not list the input's lines one after another")) }
            lines.append(Line(key: key, offset: entry.offset, length: entry.length))
            next = entry.offset + entry.length + 1
        }
        guard next == size else {
            return .failure(StageFailure("the index '\(path)' lists \(next) bytes of lines, the input has \(size)"))
        }
        return .success(IndexedInput(lines: lines, fd: fd))
    }

    /// The bytes of `line` (without its newline); nil when they are not all there or the
    /// line does not end where the index says (the file changed under the run).
    public func read(_ line: Line) -> [UInt8]? {
        guard var bytes = Files.read(fd, offset: line.offset, length: line.length + 1), bytes.last == 0x0A else { return nil }
        bytes.removeLast()
        return bytes
    }
}
