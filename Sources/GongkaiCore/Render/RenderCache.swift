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
/// each output file the entries point into, then one entry per record. An entry is used only when its record's bytes and table header are
/// the same, the file it points into is the one this cache was written with, its charts
/// are still there, and the record starts and ends a group where it did before.
public final class RenderCache: @unchecked Sendable {
    static let version = "1"

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

        var json: JSON {
            .object([
                "table": .string(table), "header": .string(header), "first": .string(first), "last": .string(last),
                "csv": .array([.int(csv.offset), .int(csv.length)]), "md": .array([.int(md.offset), .int(md.length)]),
                "rows": .int(rows), "sections": .int(sections),
                "charts": .array(charts.map { .array([.string($0.file), .string($0.title), $0.group.map(JSON.string) ?? .null]) }),
            ])
        }

        init(table: String, header: String, first: String, last: String, csv: (Int, Int), md: (Int, Int),
             rows: Int, sections: Int, charts: [Renderer.ChartFile]) {
            (self.table, self.header, self.first, self.last) = (table, header, first, last)
            (self.csv, self.md, self.rows, self.sections, self.charts) = (csv, md, rows, sections, charts)
        }

        init?(json o: JSON) {
            guard let table = o["table"]?.stringValue, let header = o["header"]?.stringValue,
                  let first = o["first"]?.stringValue, let last = o["last"]?.stringValue,
                  let c = o["csv"]?.arrayValue?.compactMap(\.intValue), c.count == 2,
                  let m = o["md"]?.arrayValue?.compactMap(\.intValue), m.count == 2,
                  let rows = o["rows"]?.intValue, let sections = o["sections"]?.intValue,
                  c[0] >= 0, c[1] >= 0, m[0] >= 0, m[1] >= 0, rows >= 0, sections >= 0,
                  let charts = o["charts"]?.arrayValue else { return nil }
            var files: [Renderer.ChartFile] = []
            for c in charts {
                guard let a = c.arrayValue, a.count == 3, let file = a[0].stringValue, let title = a[1].stringValue else { return nil }
                files.append(Renderer.ChartFile(file: file, title: title, group: a[2].stringValue, svg: ""))
            }
            self.init(table: table, header: header, first: first, last: last, csv: (c[0], c[1]), md: (m[0], m[1]),
                      rows: rows, sections: sections, charts: files)
        }
    }

    /// A file's state when the cache was written: an entry points into that file only.
    struct FileState: Equatable {
        var size: Int
        var mtime: Int
        var inode: Int
        var json: JSON { .array([.int(size), .int(mtime), .int(inode)]) }
    }

    let dir: String
    /// The cache file; nil: no cache (nothing reused, nothing kept).
    let path: String?
    let salt: String
    /// The previous run's entries by record key (read only once loaded: looked up on any thread).
    let previous: [String: Entry]
    let previousFiles: [String: FileState]
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
        if let path, let bytes = try? Ingester.readAll(Array(path.utf8)) {
            var lines = bytes.split(separator: 0x0A)
            if !lines.isEmpty, let head = try? JSON.parse(Array(lines.removeFirst())),
               head["salt"]?.stringValue == self.salt, let f = head["files"]?.objectValue {
                for (name, v) in f {
                    guard let a = v.arrayValue?.compactMap(\.intValue), a.count == 3 else { continue }
                    files[name] = FileState(size: a[0], mtime: a[1], inode: a[2])
                }
                for line in lines {
                    guard let o = try? JSON.parse(Array(line)), let key = o["key"]?.stringValue, let e = Entry(json: o) else { continue }
                    previous[key] = e
                }
            }
        }
        self.previous = previous
        previousFiles = files
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
            var o = entry.json
            if case .object(var d) = o { d["key"] = .string(key); o = .object(d) }
            o.write(to: &out)
            out.append(0x0A)
        }
        try Renderer.writeAtomically(String(decoding: out, as: UTF8.self), to: path)
    }
}
