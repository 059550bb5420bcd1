import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Walks a corpus folder and turns each file into a `Document`.
public struct Ingester: Sendable {
    /// One thing found under the corpus folder.
    public struct Entry: Sendable {
        /// Relative path as raw bytes (file names need not be UTF-8).
        public var relative: [UInt8]
        public var kind: Kind
        public enum Kind: Sendable { case file, symlink, other }

        /// The path as text, `/`-separated; bytes that are not UTF-8 become U+FFFD.
        public var path: String { String(decoding: relative, as: UTF8.self) }
    }

    public let root: String
    /// Finds and runs `pdftotext`; tests give it a PATH of their own.
    public var tools: ToolRunner

    public init(root: String, tools: ToolRunner = ToolRunner()) {
        self.root = root
        self.tools = tools
    }

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
                if dir.isEmpty {
                    throw StageFailure("cannot read corpus folder '\(root)': \(String(cString: strerror(errno)))")
                }
                found.append(Entry(relative: dir, kind: .other))
                continue
            }
            defer { closedir(handle) }
            while let ent = readdir(handle) {
                let name = withUnsafeBytes(of: ent.pointee.d_name) { raw in
                    Array(raw.prefix(while: { $0 != 0 }))
                }
                if name.first == UInt8(ascii: ".") { continue }  // hidden, and . and ..
                let rel = dir.isEmpty ? name : dir + [0x2F] + name
                var st = stat()
                let path = Array(root.utf8) + [0x2F] + rel
                guard path.withCString({ lstat($0, &st) }) == 0 else {
                    found.append(Entry(relative: rel, kind: .other))
                    continue
                }
                switch st.st_mode & S_IFMT {
                case S_IFDIR: pending.append(rel)
                case S_IFREG: found.append(Entry(relative: rel, kind: .file))
                case S_IFLNK: found.append(Entry(relative: rel, kind: .symlink))
                default: found.append(Entry(relative: rel, kind: .other))
                }
            }
        }
        return found.sorted { $0.relative.lexicographicallyPrecedes($1.relative) }
    }

    /// Reads, fingerprints and decodes one entry. Never throws: a problem is an error record.
    public func document(for entry: Entry) -> Document {
        let path = entry.path
        switch entry.kind {
        case .symlink:
            return Document(path: path, bytes: 0, sha256: nil, format: "symlink", encoding: nil, text: nil,
                            error: RecordError(code: "symlink_not_followed",
                                               message: "a symbolic link; gongkai does not follow links, so a corpus cannot reach outside its folder. Copy the file into the corpus instead."))
        case .other:
            return Document(path: path, bytes: 0, sha256: nil, format: "other", encoding: nil, text: nil,
                            error: RecordError(code: "not_a_file", message: "not a regular file (a device, socket, pipe, or an unreadable folder)"))
        case .file:
            break
        }
        let full = Array(root.utf8) + [0x2F] + entry.relative
        let bytes: [UInt8]
        do {
            bytes = try Ingester.readAll(full)
        } catch {
            return Document(path: path, bytes: 0, sha256: nil, format: "unknown", encoding: nil, text: nil,
                            error: RecordError(code: "unreadable", message: "cannot read the file: \(error)"))
        }
        let sha = SHA256.hex(bytes)
        let format = FormatSniffer.format(of: bytes, path: path)
        guard format.isSupported else {
            return Document(path: path, bytes: bytes.count, sha256: sha, format: format.name, encoding: nil, text: nil,
                            error: RecordError(code: "unsupported_format", message: format.advice))
        }
        func failed(_ error: RecordError) -> Document {
            Document(path: path, bytes: bytes.count, sha256: sha, format: format.name, encoding: nil, text: nil, error: error)
        }
        // Containers become text here; their text is UTF-8 made by gongkai, so no encoding is recorded.
        switch format.name {
        case "pdf":
            switch PDFText.extract(path: full, tools: tools) {
            case .text(let text): return Document(path: path, bytes: bytes.count, sha256: sha, format: "pdf", encoding: nil, text: text)
            case .failure(let error): return failed(error)
            }
        case "docx":
            switch DocxText.extract(bytes) {
            case .text(let text): return Document(path: path, bytes: bytes.count, sha256: sha, format: "docx", encoding: nil, text: text)
            case .failure(let error): return failed(error)
            }
        default:
            break
        }
        switch format.name == "html" ? TextDecoding.decodeHTML(bytes) : TextDecoding.decode(bytes) {
        case .text(let text, let encoding):
            return Document(path: path, bytes: bytes.count, sha256: sha, format: format.name, encoding: encoding, text: text)
        case .undecodable(let reason):
            return Document(path: path, bytes: bytes.count, sha256: sha, format: format.name, encoding: nil, text: nil,
                            error: RecordError(code: "undecodable", message: reason))
        }
    }

    static func readAll(_ path: [UInt8]) throws -> [UInt8] {
        let fd = path.withCString { open($0, O_RDONLY) }
        guard fd >= 0 else { throw StageFailure(String(cString: strerror(errno))) }
        defer { close(fd) }
        var out: [UInt8] = []
        var st = stat()
        if fstat(fd, &st) == 0 { out.reserveCapacity(Int(st.st_size)) }
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
