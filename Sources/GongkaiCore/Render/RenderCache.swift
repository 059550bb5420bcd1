#if canImport(Glibc)
import Glibc
#endif

/// What render drew for each record of a streamed table (one agency's years, say), so a
/// re-run copies the CSV rows, the Markdown sections and keeps the chart files of every
/// record whose bytes are unchanged instead of parsing and drawing it again. (Of a table
/// without sections only the records past the rows its Markdown shows: their CSV lines.)
///
/// Kept in a file of the work folder (`gongkai-render --cache FILE`), not among the
/// outputs: a first line naming the render build and the state (size, mtime, inode) of
/// each output file the entries point into (JSON), then one entry per record (a line of
/// tab-separated fields: `Entry.append`), quick to read and write at 30,000 records. An entry is used only when its record's bytes and table header are
/// the same, the file it points into is the one this cache was written with, its charts
/// are still there, and the record starts and ends a group where it did before.
public final class RenderCache: @unchecked Sendable {
    static let version = "2"

    public struct Entry: Sendable {
        var table: String
        /// The table's first record (its header), as a hash.
        var header: String
        /// The group of the record's first and last rows.
        var first: String
        var last: String
        var csv: (offset: Int, length: Int)
        var md: (offset: Int, length: Int)
        var rows: Int
        var sections: Int
        var charts: [Renderer.ChartFile]

        init(table: String, header: String, first: String, last: String, csv: (Int, Int), md: (Int, Int),
             rows: Int, sections: Int, charts: [Renderer.ChartFile]) {
            (self.table, self.header, self.first, self.last) = (table, header, first, last)
            (self.csv, self.md, self.rows, self.sections, self.charts) = (csv, md, rows, sections, charts)
        }

        /// The entry's line (without its newline), keyed `key`: fields separated by tabs —
        /// key, table, header, first, last, CSV offset and length, Markdown offset and
        /// length, rows, sections, then file, title and group of each chart (`\N`: no
        /// group). Text is escaped (`\\`, `\t`, `\n`, `\r`), so a field holds no tab or newline.
        func append(key: String, to out: inout [UInt8]) {
            for s in [key, table, header, first, last] { Entry.appendText(s, to: &out); out.append(0x09) }
            for n in [csv.offset, csv.length, md.offset, md.length, rows, sections] { out += String(n).utf8; out.append(0x09) }
            out.removeLast()
            Entry.appendCharts(charts, to: &out)
        }

        /// Each chart's file, title and group (`\N`: none), each after a tab.
        static func appendCharts(_ charts: [Renderer.ChartFile], to out: inout [UInt8]) {
            for c in charts {
                out.append(0x09)
                appendText(c.file, to: &out)
                out.append(0x09)
                appendText(c.title, to: &out)
                out.append(0x09)
                if let g = c.group { appendText(g, to: &out) } else { out += [0x5C, 0x4E] }
            }
        }

        /// The charts `appendCharts` wrote, from the fields after the tabs it wrote; nil when they are not whole.
        static func charts(_ f: ArraySlice<ArraySlice<UInt8>>) -> [Renderer.ChartFile]? {
            guard f.count % 3 == 0 else { return nil }
            var files: [Renderer.ChartFile] = []
            files.reserveCapacity(f.count / 3)
            for k in stride(from: f.startIndex, to: f.endIndex, by: 3) {
                guard let file = text(f[k]), let title = text(f[k + 1]) else { return nil }
                let group: String?
                if f[k + 2].elementsEqual([0x5C, 0x4E]) { group = nil } else {
                    guard let g = text(f[k + 2]) else { return nil }
                    group = g
                }
                files.append(Renderer.ChartFile(file: file, title: title, group: group, svg: ""))
            }
            return files
        }

        /// The entry of a line `append` wrote, and its key; nil for any other line.
        static func parse(_ line: ArraySlice<UInt8>) -> (key: String, entry: Entry)? {
            parse(fields: line.split(separator: 0x09, omittingEmptySubsequences: false))
        }

        static func parse(fields f: [ArraySlice<UInt8>]) -> (key: String, entry: Entry)? {
            guard f.count >= 11, (f.count - 11) % 3 == 0,
                  let key = text(f[0]), let table = text(f[1]), let header = text(f[2]), let first = text(f[3]), let last = text(f[4]),
                  let co = number(f[5]), let cl = number(f[6]), let mo = number(f[7]), let ml = number(f[8]),
                  let rows = number(f[9]), let sections = number(f[10]) else { return nil }
            guard let files = charts(f[11...]) else { return nil }
            return (key, Entry(table: table, header: header, first: first, last: last, csv: (co, cl), md: (mo, ml),
                               rows: rows, sections: sections, charts: files))
        }

        static func appendText(_ s: String, to out: inout [UInt8]) {
            guard s.utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else { out += s.utf8; return }
            for b in s.utf8 {
                switch b {
                case 0x5C: out += [0x5C, 0x5C]
                case 0x09: out += [0x5C, 0x74]
                case 0x0A: out += [0x5C, 0x6E]
                case 0x0D: out += [0x5C, 0x72]
                default: out.append(b)
                }
            }
        }

        /// The text of an escaped field; nil when an escape is not one `appendText` writes.
        static func text(_ f: ArraySlice<UInt8>) -> String? {
            guard f.contains(0x5C) else { return String(decoding: f, as: UTF8.self) }
            var out: [UInt8] = []
            out.reserveCapacity(f.count)
            var escaped = false
            for b in f {
                if escaped {
                    switch b {
                    case 0x5C: out.append(0x5C)
                    case 0x74: out.append(0x09)
                    case 0x6E: out.append(0x0A)
                    case 0x72: out.append(0x0D)
                    default: return nil
                    }
                    escaped = false
                } else if b == 0x5C {
                    escaped = true
                } else {
                    out.append(b)
                }
            }
            return escaped ? nil : String(decoding: out, as: UTF8.self)
        }

        /// A count, offset or time: decimal digits only, no more than an Int holds.
        static func number(_ f: ArraySlice<UInt8>) -> Int? {
            guard !f.isEmpty, f.count <= 19 else { return nil }
            var n = 0
            for b in f {
                guard b >= 0x30, b <= 0x39 else { return nil }
                let (times, o1) = n.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(Int(b - 0x30))
                guard !o1, !o2 else { return nil }
                n = sum
            }
            return n
        }
    }

    /// A file's state when the cache was written: an entry points into that file only.
    struct FileState: Equatable {
        var size: Int
        var mtime: Int
        var inode: Int
        var json: JSON { .array([.int(size), .int(mtime), .int(inode)]) }
    }

    /// A table whose charts or sections need all its rows (drawn once they are gathered),
    /// as the previous run wrote it: kept when every record of it comes again unchanged
    /// and its files are still the ones written then.
    public struct TableEntry: Sendable {
        /// The key of the table's records together (`tableKey`).
        var key: String
        public var rows: Int
        /// Its files (CSV, Markdown, charts) and their state when written.
        var files: [(name: String, state: FileState)]
        public var fileNames: [String] { files.map(\.name) }
        public var charts: [Renderer.ChartFile]

        /// `table`, name, key, rows, file count, each file's name, size, mtime and inode,
        /// then file, title and group of each chart (as `Entry.append` writes them).
        func append(name: String, to out: inout [UInt8]) {
            out += "table\t".utf8
            Entry.appendText(name, to: &out)
            out.append(0x09)
            Entry.appendText(key, to: &out)
            out += "\t\(rows)\t\(files.count)".utf8
            for f in files {
                out.append(0x09)
                Entry.appendText(f.name, to: &out)
                out += "\t\(f.state.size)\t\(f.state.mtime)\t\(f.state.inode)".utf8
            }
            Entry.appendCharts(charts, to: &out)
        }

        static func parse(_ f: [ArraySlice<UInt8>]) -> (name: String, entry: TableEntry)? {
            guard f.count >= 5, let name = Entry.text(f[1]), let key = Entry.text(f[2]),
                  let rows = Entry.number(f[3]), let count = Entry.number(f[4]), count <= (f.count - 5) / 4 else { return nil }
            var files: [(name: String, state: FileState)] = []
            for k in stride(from: 5, to: 5 + 4 * count, by: 4) {
                guard let file = Entry.text(f[k]), let size = Entry.number(f[k + 1]), let mtime = Entry.number(f[k + 2]),
                      let inode = Entry.number(f[k + 3]) else { return nil }
                files.append((file, FileState(size: size, mtime: mtime, inode: inode)))
            }
            guard let charts = Entry.charts(f[(5 + 4 * count)...]) else { return nil }
            return (name, TableEntry(key: key, rows: rows, files: files, charts: charts))
        }
    }

    let dir: String
    /// The cache file; nil: no cache (nothing reused, nothing kept).
    let path: String?
    let salt: String
    /// The previous run's entries by record key (read only once loaded: looked up on any thread).
    let previous: [String: Entry]
    let previousFiles: [String: FileState]
    /// The previous run's gathered tables by name, and the keys of their records (not
    /// parsed when they come again: the table as a whole is kept or parsed and drawn).
    let previousTables: [String: TableEntry]
    let gatheredRecords: Set<String>
    /// This run's gathered tables and their records' keys, for the next run.
    var tables: [(name: String, entry: TableEntry, records: [String])] = []
    /// Gathered tables kept, and gathered tables in all (counted by render).
    public var reusedTables = 0
    public var gatheredTables = 0
    /// This run's entries and files, for the next run.
    var entries: [(key: String, entry: Entry)] = []
    var files: [String: FileState] = [:]
    public internal(set) var reused = 0

    /// Loads the cache at `path` (for outputs in `dir`) if this render build with these
    /// options wrote it.
    public init(path: String?, dir: String, salt: String) {
        self.dir = dir
        self.path = path
        self.salt = RenderCache.version + "/" + salt
        var previous: [String: Entry] = [:]
        var files: [String: FileState] = [:]
        var tables: [String: TableEntry] = [:]
        var records = Set<String>()
        if let path, let bytes = try? Ingester.readAll(Array(path.utf8)) {
            var lines = bytes.split(separator: 0x0A)
            if !lines.isEmpty, let head = try? JSON.parse(Array(lines.removeFirst())),
               head["salt"]?.stringValue == self.salt, let f = head["files"]?.objectValue {
                for (name, v) in f {
                    guard let a = v.arrayValue?.compactMap(\.intValue), a.count == 3 else { continue }
                    files[name] = FileState(size: a[0], mtime: a[1], inode: a[2])
                }
                previous.reserveCapacity(lines.count)
                for line in lines {
                    let f = line.split(separator: 0x09, omittingEmptySubsequences: false)
                    if f.first?.elementsEqual("table".utf8) == true {
                        if let (name, t) = TableEntry.parse(f) { tables[name] = t }
                    } else if f.first?.elementsEqual("records".utf8) == true {
                        for k in f.dropFirst() { if let key = Entry.text(k) { records.insert(key) } }
                    } else if let (key, e) = Entry.parse(fields: f) {
                        previous[key] = e
                    }
                }
            }
        }
        self.previous = previous
        previousFiles = files
        previousTables = tables
        gatheredRecords = records
    }

    /// The key of a continuation record's line, or nil for any other line.
    public func key(_ line: [UInt8]) -> String? {
        guard path != nil else { return nil }
        let prefix = Array(#"{"continuation":true,"#.utf8)
        guard line.count > prefix.count, line.starts(with: prefix) else { return nil }
        return FastHash.hex(line, salt: salt)
    }

    /// The previous run's entry for `key`, if any.
    public func entry(_ key: String) -> Entry? { previous[key] }

    /// Whether `key` is a record of a gathered table the previous run drew.
    public func isGatheredRecord(_ key: String) -> Bool { gatheredRecords.contains(key) }

    /// The key of a gathered table: its first record's bytes and its other records' keys
    /// (nil without a cache, or when a record has no key).
    public func tableKey(first raw: [UInt8], records: [String?]) -> String? {
        guard path != nil else { return nil }
        var bytes = raw
        for r in records {
            guard let r else { return nil }
            bytes.append(0x0A)
            bytes += r.utf8
        }
        return FastHash.hex(bytes, salt: salt + "/table")
    }

    /// The previous run's drawing of the gathered table `name`, when it was made of the
    /// same records (`key`) and each of its files is still the one written then.
    public func reusableTable(_ name: String, key: String) -> TableEntry? {
        guard let t = previousTables[name], t.key == key,
              t.files.allSatisfy({ RenderCache.state("\(dir)/\($0.name)") == $0.state }) else { return nil }
        return t
    }

    /// Keeps a gathered table for the next run: its files as they are now.
    public func keepTable(_ name: String, key: String, rows: Int, files: [String], charts: [Renderer.ChartFile], records: [String]) {
        guard path != nil else { return }
        var states: [(name: String, state: FileState)] = []
        for f in files {
            guard let st = RenderCache.state("\(dir)/\(f)") else { return }
            states.append((f, st))
        }
        let drawn = charts.map { Renderer.ChartFile(file: $0.file, title: $0.title, group: $0.group, svg: "") }
        tables.append((name, TableEntry(key: key, rows: rows, files: states, charts: drawn), records))
    }

    static func state(_ path: String) -> FileState? {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return FileState(size: Int(st.st_size), mtime: Int(st.st_mtim.tv_sec) * 1_000_000_000 + Int(st.st_mtim.tv_nsec),
                         inode: Int(st.st_ino))
    }

    /// Opens the previous `name` in the output folder for reading when it is the file
    /// the cache was written with; -1 otherwise.
    func openPrevious(_ name: String) -> Int32 {
        guard let want = previousFiles[name], RenderCache.state("\(dir)/\(name)") == want else { return -1 }
        let fd = open("\(dir)/\(name)", O_RDONLY | O_NOFOLLOW)
        guard fd >= 0 else { return -1 }
        var st = stat()
        if fstat(fd, &st) != 0 || Int(st.st_size) != want.size || Int(st.st_ino) != want.inode { close(fd); return -1 }
        return fd
    }

    /// Where the table files before the previous ones are kept (`FILE.spare/` beside the
    /// cache): a table file is written over its spare instead of into a new file, and the
    /// file it replaces becomes the next spare (a hard link; on another file system, or
    /// with no cache, nothing is kept and files are written new).
    var spareDir: String? { path.map { $0 + ".spare" } }

    /// Moves the spare of `name`, if there is one, to `tmp`, to be written over.
    func takeSpare(_ name: String, to tmp: String) {
        guard let spareDir else { return }
        rename("\(spareDir)/\(name)", tmp)
    }

    /// Puts back as the spare of `name` the file `tmp` (taken by `takeSpare`) when `name`
    /// was not replaced after all; without a cache it is removed.
    func returnSpare(_ name: String, from tmp: String) {
        guard let spareDir else { unlink(tmp); return }
        mkdir(spareDir, 0o755)
        if rename(tmp, "\(spareDir)/\(name)") != 0 { unlink(tmp) }
    }

    /// Keeps the output file `name` (about to be replaced) as the next run's spare.
    func keepAsSpare(_ name: String) {
        guard let spareDir else { return }
        mkdir(spareDir, 0o755)
        unlink("\(spareDir)/\(name)")
        link("\(dir)/\(name)", "\(spareDir)/\(name)")
    }

    /// Notes the state of a file this run wrote, for the entries that point into it.
    func wrote(_ name: String) {
        files[name] = RenderCache.state("\(dir)/\(name)")
    }

    /// Writes this run's entries for the next run (atomically).
    public func save() throws {
        guard let path else { return }
        var out: [UInt8] = []
        var f: [String: JSON] = [:]
        for (name, state) in files { f[name] = state.json }
        JSON.object(["salt": .string(salt), "files": .object(f)]).write(to: &out)
        out.append(0x0A)
        for (key, entry) in entries {
            entry.append(key: key, to: &out)
            out.append(0x0A)
        }
        for t in tables {
            t.entry.append(name: t.name, to: &out)
            out.append(0x0A)
            out += "records".utf8
            for r in t.records { out.append(0x09); Entry.appendText(r, to: &out) }
            out.append(0x0A)
        }
        try Renderer.writeAtomically(String(decoding: out, as: UTF8.self), to: path)
    }
}
