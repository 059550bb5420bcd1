/// Decides a file's format from its first bytes before its extension: a PDF
/// named `.txt` is still a PDF, a .docx named `.doc` is still a .docx.
public enum FormatSniffer {
    public struct Format: Equatable, Sendable {
        public var name: String
        public var isSupported: Bool
        /// What to do with a file gongkai cannot read.
        public var advice: String
    }

    static func supported(_ name: String) -> Format { Format(name: name, isSupported: true, advice: "") }

    static func unsupported(_ name: String, _ advice: String) -> Format {
        Format(name: name, isSupported: false, advice: advice)
    }

    static let convert = "then put the converted file in the corpus in place of this one"

    public static func format(of bytes: [UInt8], path: String) -> Format {
        // The agency alias table at the top of the corpus travels to aggregate as it is.
        if path == Agencies.aliasFile { return supported("aliases") }
        let ext = fileExtension(path)
        // The PDF header may follow a few bytes of junk (the format allows 1 KB).
        if bytes.starts(with: Array("%PDF".utf8)) || contains(bytes.prefix(1024), "%PDF-") {
            return supported("pdf")
        }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
            return zipFormat(bytes, ext: ext)
        }
        if bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) {
            return oleFormat(bytes, ext: ext)
        }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) || bytes.starts(with: [0xFF, 0xD8, 0xFF]) || bytes.starts(with: Array("GIF8".utf8))
            || bytes.starts(with: [0x49, 0x49, 0x2A, 0x00]) || bytes.starts(with: [0x4D, 0x4D, 0x00, 0x2A])
            || (bytes.starts(with: Array("RIFF".utf8)) && bytes.count > 12 && Array(bytes[8..<12]) == Array("WEBP".utf8)) {
            return unsupported("image", "an image (a scan or a photo of the report); gongkai reads text. Run OCR on it (e.g. `ocrmypdf`, or save it as a searchable PDF) and put the result in the corpus.")
        }
        if bytes.starts(with: Array("{\\rtf".utf8)) {
            return unsupported("rtf", "an RTF file; open it in Word or WPS and save it as .docx or PDF, \(convert).")
        }
        if ext == "mht" || ext == "mhtml" {
            return unsupported(ext, "an MHTML web archive (.\(ext)); open it in a browser and save the page as a web page (.html), \(convert).")
        }
        if ["html", "htm", "shtml", "xhtml", "jsp", "asp", "aspx", "php"].contains(ext) || looksLikeHTML(bytes) {
            return supported("html")
        }
        switch ext {
        case "md", "markdown": return supported("markdown")
        case "txt", "text", "": return supported("text")
        case "doc", "wps":
            return unsupported(ext, "a .\(ext) file that is not an Office binary file either (damaged, or misnamed); open it in Word or WPS and save it as .docx or PDF, \(convert).")
        case "docx":
            return unsupported(ext, "a .docx file that is not a ZIP archive (damaged, or misnamed); open it in Word or WPS and save it again as .docx or PDF.")
        case "pdf":
            return unsupported(ext, "a .pdf file that does not start like a PDF (damaged, or a web page saved under a .pdf name); download it again.")
        case "xls", "xlsx", "et", "csv":
            return unsupported(ext, "a spreadsheet (.\(ext)); gongkai reads whole reports, not tables alone. Put the report itself in the corpus, as .docx, PDF, HTML or text.")
        case "ofd":
            return unsupported(ext, "an OFD document (.ofd); gongkai cannot read it. Open it in an OFD reader (e.g. 数科OFD阅读器) and export it as PDF, \(convert).")
        case "caj", "ceb":
            return unsupported(ext, "a .\(ext) document; gongkai cannot read it. Export it as PDF, \(convert).")
        default:
            return unsupported(ext, "a .\(ext) file; gongkai reads .txt, .md, .html, .pdf and .docx reports (and text files without an extension).")
        }
    }

    /// A ZIP container: Word, Excel, PowerPoint, OpenDocument or OFD by the parts it holds.
    static func zipFormat(_ bytes: [UInt8], ext: String) -> Format {
        if contains(bytes, "word/document.xml") { return supported("docx") }
        if contains(bytes, "xl/workbook.xml") {
            let kind = ext == "et" ? "et" : "xlsx"
            return unsupported(kind, "an Excel workbook (.\(kind)); gongkai reads whole reports, not spreadsheets. Put the report itself in the corpus, as .docx, PDF, HTML or text.")
        }
        if contains(bytes, "ppt/presentation.xml") {
            return unsupported("pptx", "a PowerPoint presentation (.pptx); gongkai reads reports. Save the report as .docx or PDF, \(convert).")
        }
        if contains(bytes.prefix(256), "application/vnd.oasis.opendocument.text") {
            return unsupported("odt", "an OpenDocument text (.odt); open it in LibreOffice or WPS and save it as .docx or PDF, \(convert).")
        }
        if contains(bytes, "OFD.xml") {
            return unsupported("ofd", "an OFD document (.ofd); gongkai cannot read it. Open it in an OFD reader (e.g. 数科OFD阅读器) and export it as PDF, \(convert).")
        }
        let kind = ext.isEmpty ? "zip" : ext
        return unsupported(kind, "a ZIP archive (\(kind)) that holds no Word document; unpack it and put the reports it holds in the corpus.")
    }

    /// An old Office/WPS binary (OLE) file: Word, Excel or PowerPoint by its streams.
    static func oleFormat(_ bytes: [UInt8], ext: String) -> Format {
        func utf16(_ s: String) -> [UInt8] { Array(s.utf8).flatMap { [$0, 0] } }
        let word = contains(bytes, utf16("WordDocument"))
        let sheet = contains(bytes, utf16("Workbook")) || contains(bytes, utf16("Book"))
        let slides = contains(bytes, utf16("PowerPoint Document"))
        let kind: String
        if word { kind = ext == "wps" ? "wps" : "doc" }
        else if sheet { kind = ext == "et" ? "et" : "xls" }
        else if slides { kind = ext == "dps" ? "dps" : "ppt" }
        else { kind = ext.isEmpty ? "ole" : ext }
        switch kind {
        case "doc", "wps":
            let app = kind == "wps" ? "WPS 文字 document (.wps)" : "Word 97–2003 document (.doc)"
            return unsupported(kind, "a \(app): an old binary format gongkai cannot read. Open it in Word or WPS and save it as .docx (or export it as PDF), \(convert).")
        case "xls", "et":
            return unsupported(kind, "an old Excel/WPS spreadsheet (.\(kind)); gongkai reads whole reports, not spreadsheets. Put the report itself in the corpus, as .docx, PDF, HTML or text.")
        case "ppt", "dps":
            return unsupported(kind, "an old PowerPoint/WPS presentation (.\(kind)); save the report as .docx or PDF, \(convert).")
        default:
            return unsupported(kind, "an old Office/WPS binary file (\(kind)); gongkai cannot read it. Open it in Word or WPS and save it as .docx or PDF, \(convert).")
        }
    }

    static func contains<C: Collection>(_ bytes: C, _ needle: String) -> Bool where C.Element == UInt8, C.Index == Int {
        contains(bytes, Array(needle.utf8))
    }

    static func contains<C: Collection>(_ bytes: C, _ n: [UInt8]) -> Bool where C.Element == UInt8, C.Index == Int {
        guard let first = n.first, bytes.count >= n.count else { return false }
        var i = bytes.startIndex
        let last = bytes.endIndex - n.count
        while i <= last {
            if bytes[i] == first {
                var j = 1
                while j < n.count && bytes[i + j] == n[j] { j += 1 }
                if j == n.count { return true }
            }
            i += 1
        }
        return false
    }

    static func fileExtension(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }

    /// A page saved without an .html name: it starts (after spaces, a BOM or a
    /// comment) with a doctype or one of the tags a page opens with.
    static func looksLikeHTML(_ bytes: [UInt8]) -> Bool {
        var head = Substring(String(decoding: bytes.prefix(1024), as: UTF8.self).lowercased())
        while true {
            head = head.drop(while: { $0.isWhitespace || $0 == "\u{FEFF}" })
            guard head.hasPrefix("<!--"), let end = head.range(of: "-->") else { break }
            head = head[end.upperBound...]
        }
        if head.hasPrefix("<?xml") { return head.contains("<html") || head.contains("xhtml") }
        if ["<!doctype html", "<html", "<head", "<meta", "<body"].contains(where: { head.hasPrefix($0) }) { return true }
        // A fragment (a page's content saved alone): a block tag first, and closing tags after it.
        guard head.hasPrefix("<"), head.contains("</") else { return false }
        let name = head.dropFirst().prefix { $0.isLetter || $0.isNumber }
        let after = head.dropFirst(1 + name.count).first
        return fragmentTags.contains(String(name)) && (after == ">" || after == " " || after == "/" || after == "\n" || after == "\t")
    }

    static let fragmentTags: Set<String> = ["div", "p", "table", "span", "font", "center", "section", "article", "style",
                                            "script", "link", "title", "h1", "h2", "h3", "h4", "h5", "h6", "form", "br"]
}
