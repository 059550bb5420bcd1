/// Decides a file's format from its first bytes before its extension: a PDF
/// named `.txt` is still a PDF.
public enum FormatSniffer {
    public struct Format: Equatable, Sendable {
        public var name: String
        public var isSupported: Bool
        /// What to do with a file gongkai cannot read yet.
        public var advice: String
    }

    static func supported(_ name: String) -> Format { Format(name: name, isSupported: true, advice: "") }

    static func unsupported(_ name: String, _ advice: String) -> Format {
        Format(name: name, isSupported: false, advice: advice)
    }

    public static func format(of bytes: [UInt8], path: String) -> Format {
        // The agency alias table at the top of the corpus travels to aggregate as it is.
        if path == Agencies.aliasFile { return supported("aliases") }
        let ext = fileExtension(path)
        if bytes.starts(with: Array("%PDF".utf8)) {
            return unsupported("pdf", "a PDF file; this version of gongkai reads plain text and Markdown only. Convert it with `pdftotext -layout FILE.pdf` and put the .txt in the corpus.")
        }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            let kind = ext == "docx" ? "docx" : (ext.isEmpty ? "zip" : ext)
            return unsupported(kind, "a ZIP container (\(kind)); this version of gongkai reads plain text and Markdown only. Save the report as .txt (UTF-8) and put it in the corpus.")
        }
        if bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) {
            let kind = ext.isEmpty ? "ole" : ext
            return unsupported(kind, "an old Office/WPS binary file (\(kind)); gongkai cannot read it. Open it in Word or WPS and save it as .docx or PDF (or as UTF-8 text).")
        }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) || bytes.starts(with: [0xFF, 0xD8, 0xFF]) || bytes.starts(with: Array("GIF8".utf8)) {
            return unsupported("image", "an image; gongkai reads text. Run OCR on it first and put the text in the corpus.")
        }
        if bytes.starts(with: Array("{\\rtf".utf8)) {
            return unsupported("rtf", "an RTF file; open it and save it as .docx, PDF or UTF-8 text.")
        }
        if ext == "html" || ext == "htm" || ext == "shtml" || looksLikeHTML(bytes) {
            return unsupported("html", "an HTML page; this version of gongkai reads plain text and Markdown only. Save the page's text as .txt and put it in the corpus.")
        }
        switch ext {
        case "md", "markdown": return supported("markdown")
        case "txt", "text", "": return supported("text")
        default:
            return unsupported(ext, "a .\(ext) file; gongkai reads .txt and .md reports (and text files without an extension).")
        }
    }

    static func fileExtension(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }

    static func looksLikeHTML(_ bytes: [UInt8]) -> Bool {
        let head = String(decoding: bytes.prefix(512), as: UTF8.self).lowercased()
        let trimmed = head.drop(while: { $0.isWhitespace || $0 == "\u{FEFF}" })
        return trimmed.hasPrefix("<!doctype html") || trimmed.hasPrefix("<html")
    }
}
