import Foundation
import Testing
@testable import GongkaiCore
#if canImport(Glibc)
import Glibc
#endif

/// A corpus of everything a folder many people fill will hold — empty files, binary junk,
/// a report cut short, a 200 MB file, bytes in no known encoding, names with spaces,
/// quotes, line breaks and GBK bytes, links out of the corpus, unreadable files and
/// folders, a very deep tree, a path too long for the system, a folder where a file was
/// expected, a pipe and a socket — through `make all` as a user runs it: every file is
/// accounted for with a reason, the exit codes are the documented ones, nothing outside
/// the corpus is read, and two runs on one output folder do not interleave.
@Suite(.serialized) struct HostileCorpusTests {
    static let secret = "SECRET-OUTSIDE-THE-CORPUS-7f3a"

    struct Corpus {
        var root: URL
        var corpus: URL
        /// Inventory path → (status, reason prefix); nil reason: anything.
        var expected: [String: (status: String, reason: String?)]
        /// Whether this user reads files whatever their permissions (root).
        var readsEverything: Bool
    }

    static func seed(_ i: Int) throws -> [UInt8] {
        let names = try Fixtures.cases(in: Fixtures.seeds)
        return Array(try Data(contentsOf: Fixtures.seeds.appendingPathComponent("\(names[i % names.count]).txt")))
    }

    /// A seed report made different from every other file (so it is no duplicate).
    static func variant(_ i: Int, _ tag: String) throws -> [UInt8] {
        try seed(i) + Array("\n（附注：\(tag)）\n".utf8)
    }

    static func write(_ bytes: [UInt8], _ relative: [UInt8], in corpus: URL) throws {
        let path = Array(corpus.path.utf8) + [0x2F] + relative
        let fd = path.withCString { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        guard fd >= 0 else { throw StageFailure("cannot create \(String(decoding: relative, as: UTF8.self))") }
        defer { close(fd) }
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    static func build(in root: URL) throws -> Corpus {
        let fm = FileManager.default
        let corpus = root.appendingPathComponent("corpus")
        let outside = root.appendingPathComponent("outside")
        try fm.createDirectory(at: corpus, withIntermediateDirectories: true)
        try fm.createDirectory(at: outside, withIntermediateDirectories: true)
        try Data("\(secret)\n本市2021年政府信息公开工作年度报告".utf8).write(to: outside.appendingPathComponent("secret.txt"))
        var expected: [String: (status: String, reason: String?)] = [:]
        func file(_ name: String, _ bytes: [UInt8], _ status: String, _ reason: String? = nil) throws {
            try write(bytes, Array(name.utf8), in: corpus)
            expected[name] = (status, reason)
        }
        let names = try Fixtures.cases(in: Fixtures.seeds)
        for (i, n) in names.enumerated() { try file("\(n).txt", try seed(i), "report") }
        // Broken files.
        try file("empty.txt", [], "error", "empty: ")
        var rng = SeededRandom(seed: 7)
        try file("junk.txt", (0..<4096).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, "error", "undecodable: ")
        let whole = try seed(0)
        var cut = whole.count * 3 / 5
        while whole[cut] & 0xC0 == 0x80 { cut += 1 }
        try file("truncated.txt", Array(whole.prefix(cut + 1)), "report")  // ends inside a character
        try file("latin1.txt", Array(repeating: Array("Caf\u{E9} r\u{E9}sum\u{E9} ".unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }) + [0xFF, 0x80], count: 40).flatMap { $0 },
                 "error", "undecodable: ")
        try file("notice.txt", Array("关于召开2021年度工作会议的通知\n各科室：请准时参加。".utf8), "not_a_report", "未找到")
        try file("news.txt", Array("我局开展政务公开日活动\n3月5日，我局在市民中心开展政务公开日活动。".utf8), "not_a_report")
        // 200 MB, sparse: listed as too large without being read.
        let huge = corpus.appendingPathComponent("huge.txt")
        _ = fm.createFile(atPath: huge.path, contents: nil)
        #expect(truncate(huge.path, 200 << 20) == 0)
        expected["huge.txt"] = ("error", "too_large: the file is 200 MB")
        // The same file twice, and one agency and year twice with different content.
        try fm.createDirectory(at: corpus.appendingPathComponent("dup"), withIntermediateDirectories: true)
        try file("dup/copy.txt", try seed(1), "duplicate", "same content as \(names[1]).txt")
        var changed = try seed(2)
        if let k = changed.firstIndex(where: { $0 >= 0x31 && $0 <= 0x39 }) { changed[k] = changed[k] == 0x39 ? 0x31 : changed[k] + 1 }
        try file("variant of 002.txt", changed, "report")
        // Hostile names: spaces, quotes, a line break, GBK bytes, a percent sign, formula-like text.
        try file("with space.txt", try variant(3, "空格"), "report")
        try file("quote\"d 'name'.txt", try variant(4, "引号"), "report")
        try write(try variant(0, "换行"), Array("new\nline.txt".utf8), in: corpus)
        expected["new%0Aline.txt"] = ("report", nil)
        try write(try variant(1, "GBK"), [0xB1, 0xA8, 0xB8, 0xE6] + Array("-gbk.txt".utf8), in: corpus)  // 报告 in GBK
        expected["%B1%A8%B8%E6-gbk.txt"] = ("report", nil)
        try file("100%.txt", Array("百分之百的通知\n请知悉。".utf8), "not_a_report")
        try file("=HYPERLINK(\"x\")|pipe|.txt", Array("一则公告\n内容。".utf8), "not_a_report")
        try file("-rf.txt", Array("另一则公告\n内容：无。".utf8), "not_a_report")
        try file(".hidden.txt", Array("x".utf8), "skipped")
        expected[".hidden.txt"] = nil
        // Links: out of the corpus (a file and a folder), inside it, and to nothing.
        try fm.createSymbolicLink(atPath: corpus.appendingPathComponent("outside-link.txt").path, withDestinationPath: "../outside/secret.txt")
        try fm.createSymbolicLink(atPath: corpus.appendingPathComponent("outside-folder").path, withDestinationPath: outside.path)
        try fm.createSymbolicLink(atPath: corpus.appendingPathComponent("inside-link.txt").path, withDestinationPath: "notice.txt")
        try fm.createSymbolicLink(atPath: corpus.appendingPathComponent("dangling-link.txt").path, withDestinationPath: "no-such-file.txt")
        for l in ["outside-link.txt", "outside-folder", "inside-link.txt", "dangling-link.txt"] {
            expected[l] = ("error", "symlink_not_followed: ")
        }
        // Unreadable: a file and a folder (root reads them anyway).
        try file("unreadable.txt", Array("一份无法读取的通知\n内容。".utf8), "error", "unreadable: ")
        chmod(corpus.appendingPathComponent("unreadable.txt").path, 0)
        try fm.createDirectory(at: corpus.appendingPathComponent("locked"), withIntermediateDirectories: true)
        try write(Array("锁住的文件夹里的通知\n内容。".utf8), Array("locked/inner.txt".utf8), in: corpus)
        chmod(corpus.appendingPathComponent("locked").path, 0)
        expected["locked"] = ("error", "unreadable: ")
        let readsEverything = corpus.appendingPathComponent("unreadable.txt").path.withCString { p -> Bool in
            let fd = open(p, O_RDONLY)
            if fd >= 0 { close(fd) }
            return fd >= 0
        }
        if readsEverything {
            expected["unreadable.txt"] = ("not_a_report", nil)
            expected["locked"] = nil
            expected["locked/inner.txt"] = ("not_a_report", nil)
        }
        // A very deep tree, and one deeper than the system's path limit.
        let deep = (0..<200).map { _ in "d" }.joined(separator: "/")
        try fm.createDirectory(at: corpus.appendingPathComponent("deep/\(deep)"), withIntermediateDirectories: true)
        try file("deep/\(deep)/deep.txt", try variant(2, "深"), "report")
        var fd = open(corpus.path, O_RDONLY | O_DIRECTORY)
        let long = String(repeating: "长", count: 80)  // 240 bytes a name
        for name in ["toolong"] + Array(repeating: long, count: 18) {
            mkdirat(fd, name, 0o755)
            let next = openat(fd, name, O_RDONLY | O_DIRECTORY)
            close(fd)
            fd = next
        }
        let lost = openat(fd, "lost.txt", O_WRONLY | O_CREAT, 0o644)
        _ = Array("深处的通知".utf8).withUnsafeBytes { Glibc.write(lost, $0.baseAddress, $0.count) }
        close(lost)
        close(fd)
        // A folder where a file was expected, a pipe, a socket.
        try fm.createDirectory(at: corpus.appendingPathComponent("report.pdf"), withIntermediateDirectories: true)
        expected["report.pdf"] = ("error", "not_a_file: ")
        #expect(mkfifo(corpus.appendingPathComponent("pipe.txt").path, 0o644) == 0)
        expected["pipe.txt"] = ("error", "not_a_file: ")
        let sock = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let sockPath = Array(corpus.appendingPathComponent("sock").path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, b) in sockPath.prefix(buffer.count - 1).enumerated() { buffer[i] = b }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(sock)
        if bound == 0 { expected["sock"] = ("error", "not_a_file: ") }
        return Corpus(root: root, corpus: corpus, expected: expected, readsEverything: readsEverything)
    }

    /// Removes what `build` made, permissions and paths too long for FileManager included.
    static func remove(_ root: URL) {
        chmod(root.appendingPathComponent("corpus/locked").path, 0o755)
        chmod(root.appendingPathComponent("corpus/unreadable.txt").path, 0o644)
        let rm = Process()
        rm.executableURL = URL(fileURLWithPath: "/bin/rm")
        rm.arguments = ["-rf", root.path]
        try? rm.run()
        rm.waitUntilExit()
    }

    /// `make` in the package folder with the test build's executables (no release build).
    static func make(_ arguments: [String], bin: URL) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["make", "--no-print-directory"] + arguments + ["BIN=\(bin.path)", "SWIFT=true"]
        p.currentDirectoryURL = Fixtures.packageRoot
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("gongkai-make-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: try Data(contentsOf: log), as: UTF8.self))
    }

    /// A folder of links to the built executables, standing in for `.build/release`.
    static func binFolder(in root: URL) throws -> URL {
        let built = try #require(EndToEndTests.binDir, "the gongkai executables are not built")
        let bin = root.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        for stage in ["gongkai-ingest", "gongkai-normalize", "gongkai-extract", "gongkai-aggregate", "gongkai-render"] {
            try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent(stage).path,
                                                       withDestinationPath: built.appendingPathComponent(stage).path)
        }
        return bin
    }

    static func everyFile(under dir: URL) -> [URL] {
        (FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? [])
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
    }

    @Test func hostileCorpusThroughMakeAll() throws {
        let root = try EndToEndTests.tempDir()
        defer { Self.remove(root) }
        let c = try Self.build(in: root)
        let bin = try Self.binFolder(in: root)
        let out = root.appendingPathComponent("out"), work = root.appendingPathComponent("work")
        let args = ["all", "CORPUS=\(c.corpus.path)", "OUT=\(out.path)", "WORK=\(work.path)"]
        let first = try Self.make(args, bin: bin)
        #expect(first.status == 0, "make all: \(first.output.suffix(2000))")
        for stage in ["ingest", "normalize", "extract", "aggregate", "render"] {
            #expect(first.output.contains(stage), "make all ran no \(stage): \(first.output.suffix(1000))")
        }
        if c.readsEverything {
            print("HostileCorpusTests: running as root, which reads files and folders whatever their permissions: the `unreadable` assertions are skipped here (unreadable.txt and locked/ are read); unreadableFilesAndFoldersAreSaidSo checks them as user nobody when setpriv is there")
        }

        // Every file accounted for, with a status and a reason.
        let inventory = parseCSV(try String(contentsOf: out.appendingPathComponent("inventory.csv"), encoding: .utf8))
        #expect(inventory.first == ["path", "status", "reason", "format", "bytes", "sha256", "agency", "year"])
        // Text a spreadsheet would run as a formula is written with a ' in front (README).
        let formulaStart: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]
        var rows: [String: [String]] = [:]
        for row in inventory.dropFirst() {
            let path = row[0].hasPrefix("'") && row[0].dropFirst().first.map(formulaStart.contains) == true ? String(row[0].dropFirst()) : row[0]
            rows[path] = row
        }
        #expect(inventory.contains { $0[0] == "'-rf.txt" } && inventory.contains { $0[0] == "'=HYPERLINK(\"x\")|pipe|.txt" })
        for (path, want) in c.expected.sorted(by: { $0.key < $1.key }) {
            guard let row = rows[path] else {
                Issue.record("\(path) is not in the inventory")
                continue
            }
            #expect(row[1] == want.status, "\(path): status \(row[1]), expected \(want.status) (\(row[2]))")
            if let reason = want.reason { #expect(row[2].hasPrefix(reason), "\(path): reason “\(row[2])”") }
            if row[1] == "error" { #expect(row[2].count > 30, "\(path): a reason a person understands, not “\(row[2])”") }
        }
        // The folder too deep for the system is listed (with the files it holds) as unreadable.
        let tooLong = inventory.filter { $0[0].hasPrefix("toolong/") }
        #expect(tooLong.count == 1 && tooLong.first?[1] == "error" && tooLong.first?[2].contains("longer than the system allows") == true,
                "\(tooLong.map { "\($0[1]) \($0[2])" })")
        #expect(inventory.count == 1 + c.expected.count + tooLong.count, "rows: \(inventory.dropFirst().map { $0[0] }.filter { c.expected[$0] == nil })")
        #expect(rows[".hidden.txt"] == nil)
        #expect(rows["outside-link.txt"]?[2].contains("--follow-symlinks") == true)

        // Nothing from outside the corpus in any output or intermediate file; every record line is JSON.
        for f in Self.everyFile(under: out) + Self.everyFile(under: work) {
            let data = try Data(contentsOf: f)
            #expect(data.range(of: Data(Self.secret.utf8)) == nil, "\(f.lastPathComponent) holds text from outside the corpus")
            if f.pathExtension == "ndjson" {
                for (k, line) in data.split(separator: 0x0A).enumerated() {
                    guard case .object = try? JSON.parse(Array(line)) else {
                        Issue.record("\(f.lastPathComponent) line \(k + 1) is not a JSON object")
                        continue
                    }
                }
            }
        }
        let documents = try String(contentsOf: work.appendingPathComponent("documents.ndjson"), encoding: .utf8)
        #expect(documents.contains("read as GBK it is “报告-gbk.txt”"))
        #expect(documents.contains("the file was cut short"))
        #expect(documents.contains("contains control characters"))

        // A second run with nothing changed does no stage work.
        let second = try Self.make(args, bin: bin)
        #expect(second.status == 0)
        for stage in ["ingest ", "normalize", "extract", "aggregate", "render "] {
            #expect(!second.output.contains(stage), "the second make all ran \(stage): \(second.output)")
        }

        // The stages one by one: exit codes as documented.
        let codes = try EndToEndTests.pipeline(corpus: c.corpus, work: root.appendingPathComponent("work2"), out: root.appendingPathComponent("out2"))
        #expect(codes == [2, 2, 2, 2, 0])
    }

    @Test func linksAreFollowedOnlyInsideTheCorpusWhenAsked() throws {
        let root = try EndToEndTests.tempDir()
        defer { Self.remove(root) }
        let c = try Self.build(in: root)
        let r = try EndToEndTests.run("gongkai-ingest", ["--follow-symlinks", c.corpus.path])
        #expect(r.status == 2)
        var docs: [String: [String: JSON]] = [:]
        for line in r.stdout.split(separator: 0x0A) {
            if case .object(let o) = try JSON.parse(Array(line)), let p = o["path"]?.stringValue { docs[p] = o }
        }
        #expect(docs["inside-link.txt"]?["error"] == nil && docs["inside-link.txt"]?["text"]?.stringValue?.hasPrefix("关于召开") == true)
        #expect(docs["outside-link.txt"]?["error"]?["message"]?.stringValue?.contains("outside the corpus folder") == true)
        #expect(docs["outside-folder"]?["error"]?["code"]?.stringValue == "symlink_not_followed")
        #expect(docs["dangling-link.txt"]?["error"]?["message"]?.stringValue?.contains("does not exist") == true)
        #expect(!String(decoding: r.stdout, as: UTF8.self).contains(Self.secret))
        // Without the option, none is followed.
        let plain = try EndToEndTests.run("gongkai-ingest", [c.corpus.path])
        #expect(plain.status == 2 && !String(decoding: plain.stdout, as: UTF8.self).contains("\"path\":\"inside-link.txt\",\"schema\":\"gongkai.document/1\",\"sha256\":\""))
        // A size limit of the user's choice.
        let small = try EndToEndTests.run("gongkai-ingest", ["--max-size", "1", c.corpus.path])
        #expect(small.status == 2 && String(decoding: small.stdout, as: UTF8.self).contains("gongkai reads files up to 1 MB"))
        #expect(try EndToEndTests.run("gongkai-ingest", ["--max-size", "lots", c.corpus.path]).status == 1)
    }

    /// As root, chmod 000 stops nothing: ingest then runs as `nobody` (through setpriv) to see
    /// what an ordinary user sees.
    @Test func unreadableFilesAndFoldersAreSaidSo() throws {
        let root = try EndToEndTests.tempDir()
        defer { Self.remove(root) }
        let c = try Self.build(in: root)
        guard c.readsEverything else { return }  // an ordinary user: hostileCorpusThroughMakeAll checks it
        let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let built = try #require(EndToEndTests.binDir)
        guard let setpriv else {
            print("HostileCorpusTests: running as root without setpriv: the `unreadable` assertions are skipped")
            return
        }
        // A copy of the executable that user may run, in folders it may enter.
        let exe = root.appendingPathComponent("gongkai-ingest")
        try FileManager.default.copyItem(at: built.appendingPathComponent("gongkai-ingest"), to: exe)
        chmod(exe.path, 0o755)
        chmod(root.path, 0o755)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: setpriv)
        p.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", exe.path, c.corpus.path]
        let out = root.appendingPathComponent("documents.ndjson")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 2 else {
            print("HostileCorpusTests: could not run ingest as another user (exit \(p.terminationStatus)): the `unreadable` assertions are skipped")
            return
        }
        var docs: [String: JSON] = [:]
        for line in try Data(contentsOf: out).split(separator: 0x0A) {
            let o = try JSON.parse(Array(line))
            if let path = o["path"]?.stringValue { docs[path] = o }
        }
        #expect(docs["unreadable.txt"]?["error"]?["code"]?.stringValue == "unreadable")
        #expect(docs["unreadable.txt"]?["error"]?["message"]?.stringValue?.contains("chmod a+r") == true)
        #expect(docs["locked"]?["error"]?["code"]?.stringValue == "unreadable")
        #expect(docs["locked"]?["error"]?["message"]?.stringValue?.contains("not listed") == true)
        #expect(docs["locked/inner.txt"] == nil)
        #expect(docs[Array(try Fixtures.cases(in: Fixtures.seeds))[0] + ".txt"]?["error"] == nil)
    }

    @Test func twoRunsOnOneOutputFolderDoNotInterleave() throws {
        guard let flockPath = ["/usr/bin/flock", "/bin/flock"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            print("HostileCorpusTests: flock (util-linux) is not installed: the lock is not tested")
            return
        }
        _ = flockPath
        let root = try EndToEndTests.tempDir()
        defer { Self.remove(root) }
        let corpus = root.appendingPathComponent("corpus")
        try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
        try Data(try Self.seed(0)).write(to: corpus.appendingPathComponent("a.txt"))
        let bin = try Self.binFolder(in: root)
        let out = root.appendingPathComponent("out"), work = root.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let args = ["all", "CORPUS=\(corpus.path)", "OUT=\(out.path)", "WORK=\(work.path)"]
        // Another run holds the output folder.
        let fd = open(out.path, O_RDONLY | O_DIRECTORY)
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
        let blocked = try Self.make(args, bin: bin)
        #expect(blocked.status != 0 && blocked.output.contains("another run is writing"), "\(blocked.output)")
        #expect(!blocked.output.contains("ingest"), "a blocked run must do no stage work")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("README.md").path))
        flock(fd, LOCK_UN)
        close(fd)
        // Once it is done, the run goes ahead.
        let free = try Self.make(args, bin: bin)
        #expect(free.status == 0 && free.output.contains("ingest"), "\(free.output)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("README.md").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).allSatisfy { !$0.contains("lock") })
    }
}
