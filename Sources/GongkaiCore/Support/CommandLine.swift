import Foundation

/// Exit codes shared by every stage (documented in the README).
public enum ExitCode: Int32, Sendable {
    /// Every record was processed and none carries an error.
    case ok = 0
    /// The stage could not run: bad usage, a missing folder, output that cannot be
    /// written, records of another stage (the stages run out of order).
    case failed = 1
    /// The stage finished, but some documents carry an `error` (unreadable, unsupported…)
    /// or some input lines were damaged and were replaced by error records.
    case finishedWithErrors = 2

    /// The exit codes as a stage's `--help` gives them.
    public static let help = """
    exit codes:
      0  finished: every record read, none is an error record
      2  finished, but some records are error records (files that could not be read,
         or damaged input lines, each replaced by an error record and named on stderr);
         the output is complete and lists them
      1  could not run: bad usage, a corpus folder that does not exist, output that
         cannot be written, or records of another stage (stages run out of order)
    """
}

/// A fatal problem that stops a stage, printed as one line on stderr.
public struct StageFailure: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Minimal argument parsing: `--flag`, `--option value`, `--option=value`, positionals.
public struct Arguments: Sendable {
    public private(set) var positionals: [String] = []
    public private(set) var flags: Set<String> = []
    public private(set) var options: [String: String] = [:]

    /// - Parameters:
    ///   - valued: option names that take a value (without `--`).
    ///   - known: flag names accepted (without `--`); `help` is always accepted.
    public init(_ args: [String], valued: Set<String> = [], known: Set<String> = []) throws {
        var i = 0
        var onlyPositionals = false
        while i < args.count {
            let a = args[i]
            i += 1
            if onlyPositionals || !a.hasPrefix("-") || a == "-" {
                positionals.append(a)
                continue
            }
            if a == "--" { onlyPositionals = true; continue }
            if a == "-h" { flags.insert("help"); continue }
            guard a.hasPrefix("--") else { throw StageFailure("unknown option '\(a)' (see --help)") }
            var name = String(a.dropFirst(2))
            var value: String?
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if valued.contains(name) {
                if value == nil {
                    guard i < args.count else { throw StageFailure("option --\(name) needs a value (see --help)") }
                    value = args[i]
                    i += 1
                }
                options[name] = value
            } else if known.contains(name) || name == "help" {
                guard value == nil else { throw StageFailure("option --\(name) takes no value (see --help)") }
                flags.insert(name)
            } else {
                throw StageFailure("unknown option '--\(name)' (see --help)")
            }
        }
    }

    public func has(_ flag: String) -> Bool { flags.contains(flag) }
}

/// Runs a stage's body, turning a thrown failure into a one-line message and exit code 1.
public enum Stage {
    public static func run(name: String, usage: String, valued: Set<String> = [], flags: Set<String> = [],
                           _ body: (Arguments) throws -> ExitCode) -> Never {
        signal(SIGPIPE, SIG_IGN)
        do {
            let args = try Arguments(Array(CommandLine.arguments.dropFirst()), valued: valued, known: flags)
            if args.has("help") {
                print(usage, terminator: usage.hasSuffix("\n") ? "" : "\n")
                exit(0)
            }
            let code = try body(args)
            exit(code.rawValue)
        } catch {
            FileHandle.standardError.write(Data("\(name): error: \(error)\n".utf8))
            exit(ExitCode.failed.rawValue)
        }
    }

    /// A fingerprint of the running executable: part of cache keys, so a rebuilt stage
    /// with any change in its code never reuses the previous run's results.
    public static func executableFingerprint() -> String {
        guard let bytes = try? Ingester.readAll(Array("/proc/self/exe".utf8)) else {
            return CommandLine.arguments.first ?? "unknown"
        }
        return FastHash.hex(bytes)
    }

    /// A progress or warning line on stderr.
    public static func note(_ name: String, _ message: String) {
        FileHandle.standardError.write(Data("\(name): \(message)\n".utf8))
    }
}
