#if canImport(Glibc)
import Glibc
#endif

/// Each agency's findings across years (`CrossYear.checks`) from the run before
/// (`gongkai-aggregate --cache FILE` keeps them in FILE.checks): an agency whose name and
/// reports' records are what they were takes them from there instead of checking again,
/// and its reports' sketches and alternatives (read only by those checks) are never made.
/// Keyed by a hash of the name and each report's record key, salted with the aggregate
/// build. A file that is missing, damaged or of another build is not read: every agency
/// is then checked (a cache never changes what the tables say, only how fast).
///
/// The file: per agency its key (16 bytes), the length of its entry (8), and the entry
/// (the number of findings, then each one's report, by its place among the agency's
/// reports, and the finding, as `InputCodec` writes them), then a hash of all that.
public final class CheckCache: @unchecked Sendable {
    struct Key: Hashable { var a: UInt64, b: UInt64 }
    let path: String
    let salt: String
    /// The previous file's bytes, and where each agency's entry lies in them.
    private var previous: [UInt8] = []
    private var entries: [Key: Range<Int>] = [:]
    /// This run's entries, in the order kept.
    private var kept: [UInt8] = []
    public private(set) var reused = 0
    public private(set) var checked = 0

    public init(path: String, salt: String) {
        self.path = path
        self.salt = salt
        guard let bytes = try? Files.read(path), let end = InputCodec.intact(bytes, salt: salt) else { return }
        var r = InputCodec.Reader(bytes, end: end)
        var found: [Key: Range<Int>] = [:]
        while r.i < end {
            guard let a = try? r.int(), let b = try? r.int(), let n = try? r.count() else { return }
            found[Key(a: UInt64(bitPattern: a), b: UInt64(bitPattern: b))] = r.i..<(r.i + n)
            r.i += n
        }
        previous = bytes
        entries = found
    }

    /// The key of an agency shown as `name` with `reports` (in the order they are checked);
    /// nil when a report has no record key (nothing says it is unchanged).
    func key(name: String, _ reports: [Report]) -> Key? {
        guard let k = Aggregator.groupContent(name: name, reports) else { return nil }
        let (a, b) = k.bytes.withUnsafeBytes { FastHash.words($0, salt: salt) }
        return Key(a: a, b: b)
    }

    /// The findings kept for `key`: each with its report's place among the agency's reports
    /// (fewer than `count`). Nil when not kept, or when its bytes are not a whole entry.
    func findings(_ key: Key, count: Int) -> [(report: Int, finding: Finding)]? {
        guard let range = entries[key] else { return nil }
        var r = InputCodec.Reader(previous, end: range.upperBound)
        r.i = range.lowerBound
        guard let n = try? r.count() else { return nil }
        var out: [(report: Int, finding: Finding)] = []
        for _ in 0..<n {
            guard let k = try? r.int(), k >= 0, k < count, let f = try? r.finding() else { return nil }
            out.append((Int(k), f))
        }
        return r.i == r.end ? out : nil
    }

    /// An agency's entry, as `keep` takes it.
    static func entry(_ findings: [(report: Int, finding: Finding)]) -> [UInt8] {
        var w = InputCodec.Writer()
        w.int(findings.count)
        for (k, f) in findings {
            w.int(k)
            w.finding(f)
        }
        return w.b
    }

    /// Keeps an agency's entry for the next run; `reused`: it was taken from this cache.
    func keep(_ key: Key, entry: [UInt8], reused: Bool) {
        var w = InputCodec.Writer()
        w.int(Int64(bitPattern: key.a))
        w.int(Int64(bitPattern: key.b))
        w.int(entry.count)
        kept += w.b
        kept += entry
        if reused { self.reused += 1 } else { checked += 1 }
    }

    /// Writes this run's entries (a file that cannot be written is removed: the next run
    /// then checks every agency).
    public func save() {
        let hash = kept.withUnsafeBytes { FastHash.hex($0, salt: salt) }
        if Files.replace(path, with: [kept[...], Array(hash.utf8)[...]]) == nil { return }
        unlink(path + ".tmp")
        unlink(path)
        Stage.note("gongkai-aggregate", "could not write '\(path)'; the next run checks every agency across years again")
    }
}
