#if canImport(Glibc)
import Glibc
#endif

/// Aggregate's reading of one record (`Aggregator.Input`: the inventory's facts and the
/// report without its provenance) as compact bytes, so a re-run takes the reading of an
/// unchanged record from its cache instead of parsing the record's JSON again.
/// `decode(encode(x)) == x` for every input but the alias table (not encoded); bytes that
/// are not a whole encoding decode to nil (the record is then parsed).
enum InputCodec {
    static let magic: UInt8 = 0x49  // "I", version 3: the sketches and alternatives last

    /// Where the alternatives and sketches of a deferred reading are: bytes at hand, or the
    /// span `detail` of the reading at `offset` in an open file (the cache it was read from;
    /// the whole reading is read again and its hash checked, so bytes changed since are
    /// never taken).
    enum Detail: @unchecked Sendable {  // (the file is only read: pread at an offset)
        case bytes([UInt8])
        case file(PreviousOutput, offset: Int, length: Int, detail: Range<Int>)

        var bytes: [UInt8]? {
            switch self {
            case .bytes(let b): return b
            case .file(let f, let offset, let length, let detail):
                guard let reading = Files.read(f.fd, offset: offset, length: length), InputCodec.intact(reading) != nil,
                      detail.upperBound <= reading.count - 32 else { return nil }
                return Array(reading[detail])
            }
        }
    }

    struct Writer {
        var b: [UInt8] = []
        mutating func u8(_ v: UInt8) { b.append(v) }
        mutating func int(_ v: Int64) { withUnsafeBytes(of: v.littleEndian) { b += $0 } }
        mutating func int(_ v: Int) { int(Int64(v)) }
        mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { b += $0 } }
        mutating func str(_ s: String) {
            int(s.utf8.count)
            b += s.utf8
        }
        mutating func opt(_ s: String?) {
            if let s { u8(1); str(s) } else { u8(0) }
        }
        mutating func opt(_ v: Int?) {
            if let v { u8(1); int(v) } else { u8(0) }
        }
        mutating func strs(_ a: [String]) {
            int(a.count)
            for s in a { str(s) }
        }
        mutating func json(_ v: JSON?) { opt(v.map(\.serialized)) }
        mutating func quantity(_ q: Quantity?) {
            if let q { u8(1); int(q.mantissa); int(q.scale) } else { u8(0) }
        }
        mutating func finding(_ f: Finding) {
            str(f.check)
            str(f.severity.rawValue)
            str(f.message)
            strs(f.cells)
            json(f.expected)
            json(f.actual)
            opt(f.line)
        }
    }

    /// Reads `b[..<end]` (the rest of `b` is not the encoding's).
    struct Reader {
        let b: [UInt8]
        let end: Int
        var i = 0
        struct Short: Error {}
        init(_ b: [UInt8], end: Int? = nil) {
            self.b = b
            self.end = end ?? b.count
        }

        mutating func u8() throws -> UInt8 {
            guard i < end else { throw Short() }
            defer { i += 1 }
            return b[i]
        }
        mutating func int() throws -> Int64 {
            guard i + 8 <= end else { throw Short() }
            let at = i
            i += 8
            return Int64(littleEndian: b.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: Int64.self) })
        }
        mutating func count() throws -> Int {
            let n = try int()
            guard n >= 0, n <= end - i else { throw Short() }  // every element takes at least a byte
            return Int(n)
        }
        mutating func u32() throws -> UInt32 {
            guard i + 4 <= end else { throw Short() }
            let at = i
            i += 4
            return UInt32(littleEndian: b.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt32.self) })
        }
        mutating func str() throws -> String {
            let n = try count()
            defer { i += n }
            let start = i
            guard let s = b.withUnsafeBufferPointer({ JSONParser.string(validating: UnsafeBufferPointer(rebasing: $0[start..<(start + n)])) })
            else { throw Short() }
            return s
        }
        /// The next `n` bytes, as they are.
        mutating func bytes(_ n: Int) throws -> ArraySlice<UInt8> {
            guard n >= 0, n <= end - i else { throw Short() }
            defer { i += n }
            return b[i..<(i + n)]
        }
        mutating func opt() throws -> String? { try u8() == 1 ? try str() : nil }
        mutating func optInt() throws -> Int? { try u8() == 1 ? Int(try int()) : nil }
        mutating func strs() throws -> [String] { try (0..<count()).map { _ in try str() } }
        mutating func json() throws -> JSON? { try opt().map { try JSON.parse($0) } }
        mutating func quantity() throws -> Quantity? {
            guard try u8() == 1 else { return nil }
            let m = try int(), s = try int()
            guard s >= 0, s <= Int64(Quantity.maxScale) else { throw Short() }
            return Quantity(mantissa: m, scale: Int(s))
        }
        mutating func finding() throws -> Finding {
            let check = try str()
            guard let severity = Severity(rawValue: try str()) else { throw Short() }
            return Finding(check: check, severity: severity, message: try str(), cells: try strs(),
                           expected: try json(), actual: try json(), line: try optInt())
        }
    }

    /// The encoding, then a hash of it (so damaged bytes are never taken for a reading).
    static func encode(_ input: Aggregator.Input) -> [UInt8]? {
        guard var body = encodeBody(input) else { return nil }
        body += Array(FastHash.hex(body).utf8)
        return body
    }

    static func decode(_ bytes: [UInt8]) -> Aggregator.Input? {
        guard var input = decode(deferring: bytes) else { return nil }
        guard input.takeDetail() else { return nil }
        return input
    }

    /// `decode`, but the report's sketches and alternatives (which only the checks across
    /// years read) are left where they are, `Input.detail` (see `takeDetail`): a re-run
    /// then makes them only for the agencies whose checks it does again. `at`: the file and
    /// offset `bytes` were read from (the detail is then not held, only where it is).
    static func decode(deferring bytes: [UInt8], at: (file: PreviousOutput, offset: Int)? = nil) -> Aggregator.Input? {
        guard let end = intact(bytes) else { return nil }
        return decodeBody(bytes, end: end, deferring: at.map { at in { .file(at.file, offset: at.offset, length: bytes.count, detail: $0) } } ?? { .bytes(Array(bytes[$0])) })
    }

    /// Where the encoding ends in `bytes` (the hash after it, salted with `salt`), if the
    /// hash is that of the encoding.
    static func intact(_ bytes: [UInt8], salt: String = "") -> Int? {
        guard bytes.count > 32 else { return nil }
        let end = bytes.count - 32
        let hash = bytes.withUnsafeBytes { FastHash.hex(UnsafeRawBufferPointer(rebasing: $0[..<end]), salt: salt) }
        return bytes[end...].elementsEqual(hash.utf8) ? end : nil
    }

    static func encodeBody(_ input: Aggregator.Input) -> [UInt8]? {
        guard input.aliases == nil else { return nil }
        var w = Writer()
        w.u8(magic)
        w.str(input.path)
        w.opt(input.sha256)
        w.int(input.bytes)
        w.str(input.format)
        w.opt(input.encoding)
        w.str(input.status)
        w.str(input.reason)
        guard let r = input.report else { w.u8(0); return w.b }
        w.u8(1)
        w.str(r.path)
        w.opt(r.sha256)
        w.int(r.bytes)
        w.str(r.sourceFormat)
        w.str(r.status)
        w.opt(r.agency)
        w.opt(r.year)
        w.opt(r.activeFormat)
        w.opt(r.applyFormat)
        w.opt(r.periodStart)
        w.opt(r.periodEnd)
        w.opt(r.published)
        w.strs(r.sections)
        // Values as their slots hold them (each slot's state, then each slot's 32-bit
        // mantissa), the numbers too wide for a slot by slot, then any ids outside the catalog.
        let v = r.values
        w.int(v.state.count)
        if !v.state.isEmpty {
            w.b += v.state
            for m in v.mantissa { w.u32(UInt32(bitPattern: m)) }
            let wide = v.wideCells.sorted { $0.key < $1.key }
            w.int(wide.count)
            for (k, q) in wide { w.int(k); w.int(q.mantissa); w.int(q.scale) }
        }
        let extra = v.extra.sorted { JSON.utf8Less($0.key, $1.key) }
        w.int(extra.count)
        for (id, q) in extra { w.str(id); w.quantity(q) }
        w.int(r.findings.count)
        for f in r.findings { w.finding(f) }
        // Last, what only the checks across years read (a re-run may leave it as bytes).
        w.int(r.alternatives.count)
        for a in r.alternatives {
            w.strs(a.cells)
            w.int(a.readings.count)
            for reading in a.readings { w.int(reading.count); for x in reading { w.int(x) } }
        }
        let sketches = r.fingerprints.sorted { JSON.utf8Less($0.key, $1.key) }
        w.int(sketches.count)
        for (k, hashes) in sketches {
            w.str(k)
            w.int(hashes.count)
            for h in hashes { w.u32(h) }
        }
        return w.b
    }

    /// `deferring`: the report's alternatives and sketches are not read, `Input.detail` is
    /// what this makes of their span of `bytes`.
    static func decodeBody(_ bytes: [UInt8], end: Int? = nil, deferring: ((Range<Int>) -> Detail)? = nil) -> Aggregator.Input? {
        var r = Reader(bytes, end: end)
        do {
            guard try r.u8() == magic else { return nil }
            var input = Aggregator.Input(path: try r.str(), sha256: try r.opt(), bytes: Int(try r.int()), format: try r.str(),
                                         encoding: try r.opt(), status: try r.str(), reason: try r.str(), report: nil)
            if try r.u8() == 1 {
                var report = Report(path: try r.str(), sha256: try r.opt(), bytes: Int(try r.int()), sourceFormat: try r.str())
                report.status = try r.str()
                report.agency = try r.opt()
                report.year = try r.optInt()
                report.activeFormat = try r.opt()
                report.applyFormat = try r.opt()
                report.periodStart = try r.opt()
                report.periodEnd = try r.opt()
                report.published = try r.opt()
                report.sections = try r.strs()
                let slots = try r.count()
                var values = MetricValues()
                if slots > 0 {
                    guard slots == Catalog.metrics.count else { return nil }
                    let state = Array(try r.bytes(slots))
                    var cells = 0, wideSlots = 0
                    for s in state where s != MetricValues.absent {
                        cells += 1
                        if s == MetricValues.wide { wideSlots += 1; continue }
                        guard s == MetricValues.blank || (s >= MetricValues.number && Int(s - MetricValues.number) <= Quantity.maxScale) else { return nil }
                    }
                    let raw = try r.bytes(4 * slots)
                    values.mantissa = raw.withUnsafeBytes { p in (0..<slots).map { Int32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) } }
                    values.state = state
                    values.count = cells
                    let wide = try r.count()
                    guard wide == wideSlots else { return nil }
                    for _ in 0..<wide {
                        let k = try r.int(), m = try r.int(), scale = try r.int()
                        guard k >= 0, k < Int64(slots), state[Int(k)] == MetricValues.wide, values.wideCells[Int(k)] == nil,
                              scale >= -1000, scale <= 1000 else { return nil }
                        values.wideCells[Int(k)] = Quantity(mantissa: m, scale: Int(scale))
                    }
                }
                for _ in 0..<(try r.count()) {
                    let id = try r.str()
                    values[id] = .some(try r.quantity())
                }
                report.values = values
                for _ in 0..<(try r.count()) { report.findings.append(try r.finding()) }
                if let deferring {
                    input.report = report
                    input.detail = deferring(r.i..<r.end)
                    return input
                }
                try readDetail(&r, into: &report)
                input.report = report
            }
            return r.i == r.end ? input : nil
        } catch {
            return nil
        }
    }

    /// The alternatives and sketches that end a report's encoding.
    static func readDetail(_ r: inout Reader, into report: inout Report) throws {
        for _ in 0..<(try r.count()) {
            let cells = try r.strs()
            let readings = try (0..<r.count()).map { _ in try (0..<r.count()).map { _ in try r.int() } }
            report.alternatives.append(Alternative(cells: cells, readings: readings))
        }
        for _ in 0..<(try r.count()) {
            let k = try r.str()
            report.fingerprints[k] = try (0..<r.count()).map { _ in try r.u32() }
        }
    }
}

/// Aggregate's readings of the records it saw last time (`gongkai-aggregate --cache FILE`):
/// FILE holds each record's reading (`InputCodec`), FILE.idx where each is, by a hash of
/// the record's bytes salted with the aggregate build. A record whose bytes are unchanged
/// is taken from there instead of being parsed. A cache that cannot be written is dropped
/// (the next run parses everything): it never fails the run.
///
/// While more than half of FILE is readings the last run listed, a run appends the readings
/// it made to FILE and rewrites only the index (a nightly run after a few files changed
/// writes a few readings, not all of them again); otherwise it writes the cache anew, over
/// the last cache it wrote anew (FILE.spare), and FILE holds only what it lists.
public final class InputCache: @unchecked Sendable {
    let path: String
    let salt: String
    let previous: PreviousOutput?
    var out: FileWriter?
    let index: OutputIndex
    /// Appending: where the previous cache ends (the first new reading's offset).
    let appendAt: Int?
    /// The end of the last reading the index lists so far.
    private var end = 0
    public private(set) var reused = 0
    public private(set) var records = 0

    public init(path: String, salt: String) {
        self.path = path
        self.salt = salt
        previous = PreviousOutput(output: path, index: path + ".idx")
        if let previous, previous.size > 0, previous.listedBytes * 2 > previous.size,
           let appending = try? FileWriter(path: path, append: true) {
            out = appending
            appendAt = previous.size
            index = OutputIndex(path: path + ".idx")
            return
        }
        appendAt = nil
        // The cache before the previous one (kept as FILE.spare) is written over: its space is
        // reused instead of a new file's being allocated, which cost seconds at 100,000 reports.
        rename(path + ".spare", path + ".new")
        out = try? FileWriter(path: path + ".new", overwrite: true)
        index = OutputIndex(path: path + ".new.idx")
    }

    /// The cache at `path` (if any) opened on another thread (`wait()` for it) while the
    /// caller reads something else. (Made here: a stage's main.swift closures may not run
    /// on another thread.)
    public static func loading(path: String?, salt: String) -> Parallel.Job<InputCache?> {
        Parallel.Job { path.map { InputCache(path: $0, salt: salt) } }
    }

    public func key(_ raw: [UInt8]) -> String { FastHash.hex(raw, salt: salt) }

    /// The reading of a record seen in the previous run, with its encoding; nil if not seen.
    public func input(for key: String) -> (input: Aggregator.Input, blob: [UInt8])? {
        guard let previous, let e = previous.entry(for: key), let blob = previous.line(e),
              let input = InputCodec.decode(deferring: blob, at: (previous, e.offset)) else { return nil }
        return (input, blob)
    }

    /// Keeps a reading for the next run (`blob` from `encode`), and counts it.
    public func keep(key: String, blob: [UInt8]?, reused: Bool) {
        records += 1
        if reused { self.reused += 1 }
        guard let out else { return }
        // Appending, a reading taken from the cache stays where it is; any other goes at the end.
        if appendAt != nil, reused, let e = previous?.entry(for: key) {
            index.add(key: key, offset: e.offset, length: e.length)
            end = max(end, e.offset + e.length + 1)
            return
        }
        guard let blob else { return }
        let at = (appendAt ?? 0) + out.position
        out.write(bytes: blob)
        out.write(bytes: [0x0A])
        index.add(key: key, offset: at, length: blob.count)
        end = max(end, at + blob.count + 1)
    }

    public static func encode(_ input: Aggregator.Input) -> [UInt8]? { InputCodec.encode(input) }

    /// Moves this run's cache into place (or drops it when it could not be written).
    public func finish() {
        guard let out else { return }
        do {
            try out.close()
            if appendAt != nil {
                // The cache ends where the last reading its index lists does (readings no
                // longer listed at its end are cut off): a run checks that before taking any.
                if truncate(path, off_t(end)) != 0 { throw StageFailure(String(cString: strerror(errno))) }
                try index.save()
                return
            }
            try index.save()
            // The previous cache becomes the spare the next run writes over.
            if access(path, F_OK) == 0 { rename(path, path + ".spare") }
            guard rename(path + ".new", path) == 0, rename(path + ".new.idx", path + ".idx") == 0 else {
                throw StageFailure("cannot move the cache into place")
            }
        } catch {
            unlink(path + ".new")
            unlink(path + ".new.idx")
            unlink(path + ".idx")  // the index no longer matches the cache
            Stage.note("gongkai-aggregate", "could not write the cache '\(path)' (\(error)); the next run reads every record")
        }
    }
}
