import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Finds and runs the outside programs ingest uses (poppler's `pdftotext`), as
/// processes: looked up on PATH first, output read fully, then waited for, and
/// killed when they take longer than `timeout`.
public struct ToolRunner: Sendable {
    /// The PATH searched; nil means the PATH of this process.
    public var searchPath: String?
    /// Seconds a tool may run on one file before it is killed.
    public var timeout: Double

    public init(searchPath: String? = nil, timeout: Double = 180) {
        self.searchPath = searchPath
        self.timeout = timeout
    }

    /// The full path of the executable `name` on the search path, or nil.
    public func locate(_ name: String) -> String? {
        let path = searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = dir.hasSuffix("/") ? "\(dir)\(name)" : "\(dir)/\(name)"
            var st = stat()
            if stat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }

    public struct Run: Sendable {
        public var status: Int32
        public var stdout: [UInt8]
        public var stderr: String
        public var timedOut: Bool
    }

    /// Runs `executable` with `arguments`, stdin from `/dev/null` or the file at `input`.
    public func run(_ executable: String, _ arguments: [String], stdinFile input: [UInt8]? = nil) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        var inputHandle: FileHandle?
        if let input {
            let fd = input.withCString { open($0, O_RDONLY) }
            guard fd >= 0 else { throw StageFailure(String(cString: strerror(errno))) }
            inputHandle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
            process.standardInput = inputHandle
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        try? inputHandle?.close()

        // The watchdog kills the tool if it outlives the timeout; `state` says whether it already ended.
        let state = RunState()
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
            if state.expire() { kill(pid, SIGKILL) }
        }
        // stderr on another thread, stdout on this one: neither pipe can fill up and block the tool.
        let errorReader = DataBox()
        let group = DispatchGroup()
        let errorHandle = err.fileHandleForReading
        group.enter()
        DispatchQueue.global().async {
            errorReader.data = errorHandle.readDataToEndOfFile()
            group.leave()
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        let timedOut = !state.finish()
        return Run(status: process.terminationStatus, stdout: Array(data),
                   stderr: String(decoding: errorReader.data, as: UTF8.self), timedOut: timedOut)
    }
}

/// Whether a run ended before its watchdog fired.
private final class RunState: @unchecked Sendable {
    private let lock = NSLock()
    private var ended = false
    private var expired = false

    /// The watchdog fired: true when the tool is still running (and must be killed).
    func expire() -> Bool {
        lock.lock(); defer { lock.unlock() }
        if ended { return false }
        expired = true
        return true
    }

    /// The tool ended: false when the watchdog had already fired.
    func finish() -> Bool {
        lock.lock(); defer { lock.unlock() }
        ended = true
        return !expired
    }
}

private final class DataBox: @unchecked Sendable {
    var data = Data()
}
