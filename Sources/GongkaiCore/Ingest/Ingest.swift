import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Walks a corpus folder and turns each file into a `Document`.
///
/// Whatever the folder holds, every entry becomes a record, and nothing outside the
/// folder is ever read: symbolic links are not followed (with `followSymlinks`, only
/// links whose target lies inside the folder are), files are opened with `O_NOFOLLOW`
/// and checked to be regular files after opening, and files larger than `maxBytes`
/// are listed without being read.
public struct Ingester: Sendable {
    /// One thing found under the corpus folder.
    public struct Entry: Sendable {
        /// Relative path as raw bytes (file names need not be UTF-8).
        public var relative: [UInt8]
        public var kind: Kind
        /// Size in bytes from `lstat` (0 for anything but a regular file).
        public var size: Int = 0
        /// What `lstat` says of a regular file that changes whenever its content may
        /// have: size, modification and status-change times to the nanosecond, inode and
        /// device (what git's index compares). Empty for anything else.
        public var stamp = ""
        /// When the file last changed (the later of its modification and status-change
        /// times), in nanoseconds since 1970; 0 for anything but a regular file.
        public var changed: Int64 = 0

        public enum Kind: Sendable, Equatable {
            case file
            case symlink
            /// A folder with nothing in it whose name looks like a document's (`report.pdf/`).
            case folderNamedLikeFile
            /// A folder that cannot be opened (the error number says why); its contents are not listed.
            case unopenableFolder(errno: Int32)
            /// A FIFO, socket or device: never opened.
            case special(what: String)
            /// `lstat` failed on it (the error number says why).
            case unexaminable(errno: Int32)
        }

        public init(relative: [UInt8], kind: Kind, size: Int = 0) {
            self.relative = relative
            self.kind = kind
            self.size = size
        }

        /// The path as text, `/`-separated (see `Ingester.displayPath`).
        public var path: String { Ingester.displayPath(relative).path }
    }

    public let root: String
    /// Finds and runs `pdftotext`; tests give it a PATH of their own.
    public var tools: ToolRunner
    /// Follow symbolic links whose target is inside the corpus folder (never those that leave it).
    public var followSymlinks = false
    /// Files larger than this are `too_large` and not read. A report is a few hundred KB
    /// as text and a few MB as PDF; 64 MB leaves room for PDFs full of pictures.
    public var maxBytes = Ingester.defaultMaxBytes
    public static let defaultMaxBytes = 64 << 20

    /// The corpus folder's real path (every link resolved): what "inside the corpus" means.
    let rootReal: [UInt8]?

    public init(root: String, tools: ToolRunner = ToolRunner()) {
        self.root = root
        self.tools = tools
        self.rootReal = Ingester.realPath(Array(root.utf8))
    }

    /// Extensions of the documents a corpus holds: a folder named like this was meant to be a file.
    static let documentExtensions: Set<String> = ["txt", "md", "html", "htm", "shtml", "pdf", "docx", "doc", "wps", "ofd",
                                                  "xls", "xlsx", "et", "rtf", "mht", "mhtml"]

    /// Every entry under `root` except hidden ones (a name starting with `.`),
    /// sorted by path bytes so the order is the same on every machine.
    public func entries() throws -> [Entry] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir) else {
            throw StageFailure("corpus folder '\(root)' does not exist; pass the folder that holds the reports (e.g. gongkai-ingest corpus)")
        }
        guard isDir.boolValue else {
            throw StageFailure("'\(root)' is a file, not a folder; pass the folder that holds the reports")
        }
        var found: [Entry] = []
        // An explicit stack, not recursion: a very deep tree cannot overflow it.
        var pending: [[UInt8]] = [[]]
        while let dir = pending.popLast() {
            let full = Array(root.utf8) + (dir.isEmpty ? [] : [0x2F] + dir)
            guard let handle = full.withCString({ opendir($0) }) else {
                let e = errno
                if dir.isEmpty {
                    throw StageFailure("cannot read corpus folder '\(root)': \(Ingester.describe(errno: e))")
                }
                found.append(Entry(relative: dir, kind: .unopenableFolder(errno: e)))
                continue
            }
            defer { closedir(handle) }
            var names: [[UInt8]] = []
            while let ent = readdir(handle) {
                let name = withUnsafeBytes(of: ent.pointee.d_name) { raw in
                    Array(raw.prefix(while: { $0 != 0 }))
                }
                if name.first == UInt8(ascii: ".") { continue }  // hidden, and . and ..
                names.append(name)
            }
            let visible = names.count
            // Each name's status (not following a link), asked relative to the open folder (no
            // walk of the path from the root) on both cores, 512 names at a time.
            let folder = dirfd(handle)
            let statuses = Parallel.map(stride(from: 0, to: names.count, by: 512).map { $0..<min($0 + 512, names.count) }) { range in
                range.map { k -> (errno: Int32, st: stat) in
                    var st = stat()
                    let failed = names[k].withCString { fstatat(folder, $0, &st, AT_SYMLINK_NOFOLLOW) } != 0
                    return (failed ? errno : 0, st)
                }
            }.flatMap { $0 }
            for (name, status) in zip(names, statuses) {
                let rel = dir.isEmpty ? name : dir + [0x2F] + name
                let st = status.st
                guard status.errno == 0 else {
                    found.append(Entry(relative: rel, kind: .unexaminable(errno: status.errno)))
                    continue
                }
                switch st.st_mode & S_IFMT {
                case S_IFDIR: pending.append(rel)
                case S_IFREG:
                    var entry = Entry(relative: rel, kind: .file, size: Int(st.st_size))
                    entry.stamp = "\(st.st_size)/\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)/\(st.st_ctim.tv_sec).\(st.st_ctim.tv_nsec)/\(st.st_ino)/\(st.st_dev)"
                    entry.changed = max(Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
                                        Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec))
                    found.append(entry)
                case S_IFLNK: found.append(Entry(relative: rel, kind: .symlink))
                default: found.append(Entry(relative: rel, kind: .special(what: Ingester.describe(mode: st.st_mode))))
                }
            }
            // An empty folder named like a document: the file it was meant to be is missing.
            if visible == 0, !dir.isEmpty,
               Ingester.documentExtensions.contains(FormatSniffer.fileExtension(Ingester.displayPath(dir).path)) {
                found.append(Entry(relative: dir, kind: .folderNamedLikeFile))
            }
        }
        return found.sorted { $0.relative.lexicographicallyPrecedes($1.relative) }
    }

    /// Entries in groups of at most `count` files and about `bytes` bytes of files, so
    /// a run holds a bounded amount of text however large the files are.
    public static func batches(_ entries: [Entry], count: Int = 256, bytes: Int = 64 << 20) -> [ArraySlice<Entry>] {
        var out: [ArraySlice<Entry>] = []
        var start = 0
        var size = 0
        for i in entries.indices {
            let s = max(0, entries[i].size)
            if i > start && (i - start >= count || size + s > bytes) {
                out.append(entries[start..<i])
                start = i
                size = 0
            }
            size += s
        }
        if start < entries.count { out.append(entries[start...]) }
        return out
    }

    /// Bump when ingest changes what it makes of a file (part of cache keys).
    public static let version = "1"

    /// The key under which a file's record is kept for the next run: its path and
    /// `stamp` under `salt` (ingest's version, build and options). Nil for what is
    /// not a regular file (links and the like are looked at again each run), and for a
    /// file that changed at or after `settledBefore` (ns since 1970): the clock that
    /// stamps files is coarse, so a file written again in the same tick as it was read
    /// could keep its stamp; it is read again next run instead (as git does).
    public static func cacheKey(_ entry: Entry, salt: String, settledBefore: Int64 = .max) -> String? {
        guard entry.kind == .file, !entry.stamp.isEmpty, entry.changed < settledBefore else { return nil }
        return FastHash.hex(entry.relative + [0] + Array(entry.stamp.utf8), salt: salt)
    }

    /// Now less one second, in ns since 1970: files that changed since are not yet settled.
    public static func settledBeforeNow() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return (Int64(ts.tv_sec) - 1) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// Whether a record may be reused while its file is unchanged: errors that depend on
    /// more than the file (permissions, a missing `pdftotext`, a failed conversion) are
    /// looked at again each run.
    public static func isReusable(_ doc: Document) -> Bool {
        guard let error = doc.error else { return true }
        return ["empty", "unsupported_format", "undecodable", "too_large"].contains(error.code)
    }

    /// One file's record as written: made, or copied from the previous run.
    public struct Record: Sendable {
        public var line: [UInt8]
        /// The document, when made; when copied, only if it has an error or notes to show.
        public var doc: Document?
        /// Its key in this run's index (`-`: not to be reused).
        public var key: String
        public var reused: Bool
        /// An error record (counted for the exit code).
        public var isError: Bool
        /// A record of the previous output to copy as it is, without reading it (`line` is empty).
        public var span: PreviousOutput.Entry? = nil
        /// What this run's index says of it: true when it has an error or notes to show
        /// (a re-run reads it again to show them), false when it can be copied unread.
        public var flagged: Bool { doc.map { $0.error != nil || !$0.notes.isEmpty } ?? isError }
    }

    /// The record of `entry`: copied from `previous` when its file has not changed since
    /// (same `cacheKey`), made otherwise. `keyed`: work out the key for this run's index
    /// (none for a file changed at or after `settledBefore`).
    public func record(for entry: Entry, previous: PreviousOutput?, keyed: Bool, salt: String, settledBefore: Int64 = .max) -> Record {
        let key = keyed ? Ingester.cacheKey(entry, salt: salt, settledBefore: settledBefore) : nil
        // The index says it has neither error nor notes: copied without being read.
        if let key, let e = previous?.entry(for: key), e.error == false {
            return Record(line: [], doc: nil, key: key, reused: true, isError: false, span: e)
        }
        if let key, let line = previous?.line(for: key) {
            // A copied record is parsed again only to show its problem or notes.
            let doc = JSON.rawMayHaveError(line) || JSON.rawHas(line, member: "notes")
                ? (try? JSON.parse(line)).flatMap(\.objectValue).flatMap { try? Document(json: $0) } : nil
            return Record(line: line, doc: doc, key: key, reused: true,
                          isError: doc.map { $0.error != nil } ?? JSON.rawMayHaveError(line))
        }
        let doc = document(for: entry)
        var line: [UInt8] = []
        doc.json.write(to: &line)
        return Record(line: line, doc: doc, key: key.flatMap { Ingester.isReusable(doc) ? $0 : nil } ?? "-", reused: false,
                      isError: doc.error != nil)
    }

    /// Reads, fingerprints and decodes one entry. Never throws: a problem is an error record.
    public func document(for entry: Entry) -> Document {
        let (path, pathNote) = Ingester.displayPath(entry.relative)
        let notes = pathNote.map { [$0] } ?? []
        func error(_ format: String, _ code: String, _ message: String, bytes: Int = 0) -> Document {
            Document(path: path, bytes: bytes, sha256: nil, format: format, encoding: nil, text: nil,
                     error: RecordError(code: code, message: message), notes: notes)
        }
        var full = Array(root.utf8) + [0x2F] + entry.relative
        switch entry.kind {
        case .symlink:
            switch resolveLink(entry.relative) {
            case .inside(let target):
                full = target  // read where it points; `O_NOFOLLOW` below refuses a link swapped in since
            case .refused(let message):
                return error("symlink", "symlink_not_followed", message)
            }
        case .folderNamedLikeFile:
            return error("folder", "not_a_file",
                         "an empty folder named like a file: the document it was meant to be is not there. Put the report file itself in the corpus.")
        case .unopenableFolder(let e):
            let message: String
            switch e {
            case EACCES, EPERM:
                message = "a folder gongkai may not open (\(String(cString: strerror(e)))), so the files in it are not listed; give the user running gongkai read and execute permission on it (chmod a+rx)."
            case ENAMETOOLONG:
                message = "a folder whose path is longer than the system allows (folders nested too deep), so the files in it are not listed; move them nearer the top of the corpus."
            default:
                message = "a folder gongkai cannot open (\(String(cString: strerror(e)))), so the files in it are not listed."
            }
            return error("folder", "unreadable", message)
        case .special(let what):
            return error("other", "not_a_file", "not a regular file but \(what); gongkai reads only files, and never opens these.")
        case .unexaminable(let e):
            return error("other", "unreadable", "listed in its folder but cannot be examined (\(Ingester.describe(errno: e)))"
                         + (e == ENOENT ? "; it was removed or renamed during the run." : "."))
        case .file:
            break
        }
        let bytes: [UInt8]
        switch Ingester.readFile(full, limit: maxBytes, inside: rootReal) {
        case .bytes(let b):
            bytes = b
        case .tooLarge(let size):
            return error("unknown", "too_large",
                         "the file is \(Ingester.megabytes(size)); gongkai reads files up to \(Ingester.megabytes(maxBytes)) (a report is a few hundred KB as text, a few MB as PDF), so it was not read. Check that it is a report; if it is, split or compress it, or raise the limit with gongkai-ingest --max-size MB.",
                         bytes: size)
        case .notAFile(let what):
            return error("other", "not_a_file", "not a regular file but \(what); gongkai reads only files.")
        case .failed(let reason):
            return error("unknown", "unreadable", "cannot read the file: \(reason).")
        }
        return document(path: path, bytes: bytes, fullPath: full, notes: notes)
    }

    /// The document of a file already read: fingerprinted, its format sniffed, decoded
    /// (or converted: `fullPath` is where `pdftotext` reads a PDF). Never throws.
    public func document(path: String, bytes: [UInt8], fullPath full: [UInt8], notes: [String] = []) -> Document {
        let sha = SHA256.hex(bytes)
        func failed(_ format: String, _ error: RecordError) -> Document {
            Document(path: path, bytes: bytes.count, sha256: sha, format: format, encoding: nil, text: nil, error: error, notes: notes)
        }
        if bytes.isEmpty {
            return failed(FormatSniffer.format(of: [], path: path).name,
                          RecordError(code: "empty", message: "the file is empty (0 bytes): a download or a save that failed. Get the report again."))
        }
        let format = FormatSniffer.format(of: bytes, path: path)
        guard format.isSupported else {
            return failed(format.name, RecordError(code: "unsupported_format", message: format.advice))
        }
        // Containers become text here; their text is UTF-8 made by gongkai, so no encoding is recorded.
        switch format.name {
        case "pdf":
            switch PDFText.extract(path: full, tools: tools) {
            case .text(let text): return Document(path: path, bytes: bytes.count, sha256: sha, format: "pdf", encoding: nil, text: text, notes: notes)
            case .failure(let error): return failed("pdf", error)
            }
        case "docx":
            switch DocxText.extract(bytes) {
            case .text(let text): return Document(path: path, bytes: bytes.count, sha256: sha, format: "docx", encoding: nil, text: text, notes: notes)
            case .failure(let error): return failed("docx", error)
            }
        default:
            break
        }
        let decoded = format.name == "html" ? TextDecoding.decodeHTMLNoting(bytes) : TextDecoding.decodeNoting(bytes)
        switch decoded.outcome {
        case .text(let text, let encoding):
            return Document(path: path, bytes: bytes.count, sha256: sha, format: format.name, encoding: encoding, text: text,
                            notes: notes + (decoded.note.map { [$0] } ?? []))
        case .undecodable(let reason):
            return failed(format.name, RecordError(code: "undecodable", message: reason))
        }
    }

    // MARK: Symbolic links

    enum LinkOutcome {
        /// The target's real path (every link resolved), inside the corpus folder.
        case inside([UInt8])
        case refused(String)
    }

    /// Where the link at `relative` leads, and whether it may be followed.
    func resolveLink(_ relative: [UInt8]) -> LinkOutcome {
        let full = Array(root.utf8) + [0x2F] + relative
        var target = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let n: Int = full.withCString { p in
            target.withUnsafeMutableBytes { buffer in
                readlink(p, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), buffer.count - 1)
            }
        }
        let shown = n > 0 ? Ingester.displayPath(Array(target.prefix(n))).path : "?"
        guard followSymlinks else {
            return .refused("a symbolic link (to \(shown)); gongkai does not follow links unless asked, so a corpus cannot reach outside its folder. Copy the file into the corpus, or run gongkai-ingest --follow-symlinks to read links that stay inside the corpus folder.")
        }
        guard let rootReal else {
            return .refused("a symbolic link (to \(shown)); the corpus folder's own location cannot be resolved, so the link is not followed.")
        }
        guard let real = Ingester.realPath(full) else {
            return .refused("a symbolic link (to \(shown)) whose target does not exist or cannot be reached (\(Ingester.describe(errno: errno))).")
        }
        guard Ingester.isInside(real, rootReal) else {
            return .refused("a symbolic link to \(shown), outside the corpus folder; gongkai never reads outside the corpus, even with --follow-symlinks. Copy the file into the corpus instead.")
        }
        var st = stat()
        guard real.withCString({ stat($0, &st) }) == 0 else {
            return .refused("a symbolic link (to \(shown)) whose target cannot be examined (\(Ingester.describe(errno: errno))).")
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .inside(real)
        case S_IFDIR:
            return .refused("a symbolic link to a folder (\(shown)); links to folders are not followed (the folder's files are read where they are, if it is inside the corpus).")
        default:
            return .refused("a symbolic link to \(Ingester.describe(mode: st.st_mode)) (\(shown)); gongkai reads only files.")
        }
    }

    /// Whether the real path `path` lies inside the real folder `folder`.
    static func isInside(_ path: [UInt8], _ folder: [UInt8]) -> Bool {
        if folder == [0x2F] { return path.count > 1 && path.first == 0x2F }
        return path.count > folder.count + 1 && path.starts(with: folder + [0x2F])
    }

    static func realPath(_ path: [UInt8]) -> [UInt8]? {
        guard let p = path.withCString({ realpath($0, nil) }) else { return nil }
        defer { free(p) }
        return Array(UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: strlen(p)))
    }

    // MARK: Reading

    enum ReadOutcome {
        case bytes([UInt8])
        case tooLarge(Int)
        case notAFile(String)
        case failed(String)
    }

    /// Reads a regular file whole, at most `limit` bytes. The last component is not
    /// followed if it is a link, and a FIFO or device swapped in is never read from.
    /// With `inside`, the file actually opened must lie in that folder: a folder on the
    /// way swapped for a link during the run cannot lead out of the corpus.
    static func readFile(_ path: [UInt8], limit: Int, inside folder: [UInt8]? = nil) -> ReadOutcome {
        let fd = path.withCString { open($0, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) }
        guard fd >= 0 else {
            if errno == ELOOP { return .notAFile("a symbolic link") }
            return .failed(describe(errno: errno))
        }
        defer { close(fd) }
        if let folder, let opened = realPath(Array("/proc/self/fd/\(fd)".utf8)), !isInside(opened, folder) {
            return .failed("it resolves to a place outside the corpus folder (a folder on its path was replaced by a link), so it was not read")
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .failed(describe(errno: errno)) }
        guard st.st_mode & S_IFMT == S_IFREG else { return .notAFile(describe(mode: st.st_mode)) }
        let size = Int(st.st_size)
        if size > limit { return .tooLarge(size) }
        // Straight into the result, one byte more than the size to see whether it grew since
        // (a zeroed megabyte of buffer per file cost more than reading a report).
        let want = size + 1
        var failure: Int32 = 0
        var out = [UInt8](unsafeUninitializedCapacity: want) { buf, count in
            var total = 0
            while total < want {
                let n = read(fd, buf.baseAddress! + total, want - total)
                if n < 0 { if errno == EINTR || errno == EAGAIN { continue }; failure = errno; break }
                if n == 0 { break }
                total += n
            }
            count = total
        }
        if failure != 0 { return .failed(describe(errno: failure)) }
        if out.count < want { return .bytes(out) }
        if out.count > limit { return .tooLarge(out.count) }
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunk)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, chunk) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return .failed(describe(errno: errno))
            }
            if n == 0 { break }
            // A file that grows while it is read is still bounded.
            if out.count + n > limit { return .tooLarge(out.count + n) }
            out.append(contentsOf: buffer[0..<n])
        }
        return .bytes(out)
    }

    /// Reads a whole file (records, indexes, the executable): no size limit, no questions.
    static func readAll(_ path: [UInt8]) throws -> [UInt8] {
        let fd = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw StageFailure(String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        let size = fstat(fd, &st) == 0 ? max(0, Int(st.st_size)) : 0
        // Read straight into the result (a zeroed megabyte per file was most of reading a
        // small one); one byte more than the size, to see whether the file grew since.
        let want = size + 1
        var failure: Int32 = 0
        var out = [UInt8](unsafeUninitializedCapacity: want) { buf, count in
            var total = 0
            while total < want {
                let n = read(fd, buf.baseAddress! + total, want - total)
                if n < 0 { if errno == EINTR { continue }; failure = errno; break }
                if n == 0 { break }
                total += n
            }
            count = total
        }
        if failure != 0 { throw StageFailure(String(cString: strerror(failure))) }
        if out.count < want { return out }
        // Longer than it was a moment ago: the rest in chunks.
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunk)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, chunk) }
            if n < 0 {
                if errno == EINTR { continue }
                throw StageFailure(String(cString: strerror(errno)))
            }
            if n == 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return out
    }

    // MARK: Describing

    /// The system's reason, with what to do for the usual one.
    static func describe(errno e: Int32) -> String {
        let text = String(cString: strerror(e))
        switch e {
        case EACCES, EPERM: return "\(text): the user running gongkai may not read it; fix its permissions (e.g. chmod a+r)"
        case ENAMETOOLONG: return "\(text): the path is longer than the system allows (folders nested too deep); move the file nearer the top of the corpus"
        default: return text
        }
    }

    static func describe(mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "a named pipe (FIFO)"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFDIR: return "a folder"
        case S_IFLNK: return "a symbolic link"
        default: return "not a regular file"
        }
    }

    static func megabytes(_ n: Int) -> String {
        n >= 1 << 20 ? "\(n >> 20) MB" : "\(n) bytes"
    }

    /// A file name as valid, printable UTF-8 for the records, and a note when it had to be
    /// changed: bytes that are not UTF-8 and control characters (a line break, a tab)
    /// are written `%XX`, and then `%` itself is written `%25`, so the escaped name still
    /// says exactly which bytes the name has. A name that is fine is returned as it is.
    public static func displayPath(_ bytes: [UInt8]) -> (path: String, note: String?) {
        if let s = String(utf8: bytes), !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            return (s, nil)
        }
        var out: [UInt8] = []
        var invalid = false, controls = false
        let hex = Array("0123456789ABCDEF".utf8)
        func escape(_ b: UInt8) {
            out.append(UInt8(ascii: "%"))
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 0xF)])
        }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var position = 0
        loop: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                let piece = Array(encoded)
                position += piece.count
                if piece.count == 1 && (piece[0] < 0x20 || piece[0] == 0x7F) {
                    controls = true
                    escape(piece[0])
                } else if piece == [UInt8(ascii: "%")] {
                    escape(piece[0])
                } else {
                    out += piece
                }
            case .error(let length):
                invalid = true
                let end = min(bytes.count, position + length)
                for b in bytes[position..<end] { escape(b) }
                position = end
            case .emptyInput:
                break loop
            }
        }
        let path = String(decoding: out, as: UTF8.self)
        var what: [String] = []
        if invalid {
            var hint = ""
            if let s = String(data: Data(bytes), encoding: TextDecoding.gb18030),
               !s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                hint = " (read as GBK it is “\(s)”)"
            }
            what.append("is not UTF-8\(hint)")
        }
        if controls { what.append("contains control characters (such as a line break)") }
        let note = "the file name \(what.joined(separator: " and ")); the path shows those bytes as %XX (and % as %25). Renaming the file to a plain UTF-8 name makes the path readable."
        return (path, note)
    }
}

extension Array where Element == UInt8 {
    /// Calls `body` with a NUL-terminated copy of these bytes.
    func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        var copy = self
        copy.append(0)
        return try copy.withUnsafeBufferPointer { p in
            try p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { try body($0) }
        }
    }
}
