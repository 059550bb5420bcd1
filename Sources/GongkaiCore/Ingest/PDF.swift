/// PDF to text through poppler's `pdftotext -layout`, which keeps a table's
/// columns apart with runs of spaces (normalize splits them into cells).
enum PDFText {
    static let tool = "pdftotext"
    static let install = "install poppler's pdftotext: `apt-get install poppler-utils` (Debian/Ubuntu), `dnf install poppler-utils` (Fedora), `brew install poppler` (macOS)"

    enum Outcome: Equatable {
        case text(String)
        case failure(RecordError)
    }

    /// - Parameter path: the file's full path as bytes (names need not be UTF-8).
    static func extract(path: [UInt8], tools: ToolRunner) -> Outcome {
        guard let exe = tools.locate(tool) else {
            return .failure(RecordError(code: "tool_missing",
                                        message: "a PDF file; reading it needs `pdftotext`, which is not installed (or not on PATH): \(install), then run ingest again."))
        }
        // A name that is not UTF-8 cannot be an argument: hand the file over as stdin instead.
        var arguments = ["-layout", "-enc", "UTF-8"]
        var stdinFile: [UInt8]?
        if let name = String(utf8: path) {
            arguments.append(name.hasPrefix("-") ? "./" + name : name)
        } else {
            arguments.append("/dev/stdin")
            stdinFile = path
        }
        arguments.append("-")
        let run: ToolRunner.Run
        do {
            run = try tools.run(exe, arguments, stdinFile: stdinFile)
        } catch {
            return .failure(RecordError(code: "conversion_failed", message: "a PDF file; `\(exe)` could not be started: \(error)"))
        }
        if run.timedOut {
            return .failure(RecordError(code: "conversion_failed",
                                        message: "a PDF file; `pdftotext` did not finish within \(Int(tools.timeout)) seconds and was stopped. Open the PDF and print it to a new PDF, then put that in the corpus."))
        }
        let firstError = run.stderr.split(separator: "\n").first.map(String.init) ?? ""
        if run.status != 0 {
            if run.stderr.contains("Incorrect password") || run.stderr.lowercased().contains("encrypt") {
                return .failure(RecordError(code: "conversion_failed",
                                            message: "a password-protected PDF; `pdftotext` cannot open it. Ask the agency for an unprotected copy, or open it with the password and print it to a new PDF."))
            }
            return .failure(RecordError(code: "conversion_failed",
                                        message: "a PDF file `pdftotext` could not read (exit \(run.status)\(firstError.isEmpty ? "" : ": " + String(firstError.prefix(200)))); the file is probably damaged or incomplete: download it again."))
        }
        let text = String(decoding: run.stdout, as: UTF8.self)
        if !hasTextLayer(text) {
            return .failure(RecordError(code: "no_text_layer",
                                        message: "a PDF with no text layer: a scan (pictures of pages), so there is no text to read. Run OCR first (e.g. `ocrmypdf --language chi_sim in.pdf out.pdf`) and put the searchable PDF in the corpus."))
        }
        return .text(text)
    }

    /// Whether the extracted text has real content: at least 50 visible characters,
    /// and 20 per page on average (a scan may carry a page number or a stamp as text).
    static func hasTextLayer(_ text: String) -> Bool {
        var visible = 0
        var pages = 1
        for u in text.unicodeScalars {
            if u.value == 0x0C { pages += 1; continue }
            if !TextClass.isSpace(u.value) && u.value != 0x0A && u.value != 0x0D { visible += 1 }
        }
        // pdftotext ends every page with a form feed, the last one included.
        if text.unicodeScalars.last?.value == 0x0C { pages -= 1 }
        return visible >= max(50, 20 * pages)
    }
}
