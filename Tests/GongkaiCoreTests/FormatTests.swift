import Foundation
import Testing
@testable import GongkaiCore

/// The report forms gongkai reads besides text: HTML pages, PDF, Word .docx. The fixtures in
/// Tests/Fixtures/formats are one report in every form (made by make-fixtures.py there).
enum FormatFixtures {
    static let dir = Fixtures.packageRoot.appendingPathComponent("Tests/Fixtures/formats")
    static let forms = ["report.txt", "report.md", "report-clean.html", "report-word.utf8.html", "report-word.gbk.html",
                        "report.pdf", "report.docx"]
    static var hasPdftotext: Bool { ToolRunner().locate("pdftotext") != nil }

    /// Ingests one file of `dir` the way gongkai-ingest does.
    static func document(_ name: String, in dir: URL = dir, tools: ToolRunner = ToolRunner()) throws -> Document {
        let ingester = Ingester(root: dir.path, tools: tools)
        let entry = try #require(try ingester.entries().first { $0.path == name }, "\(name) is not in \(dir.path)")
        return ingester.document(for: entry)
    }

    static func report(_ name: String, in dir: URL = dir) throws -> Report {
        let doc = try document(name, in: dir)
        #expect(doc.error == nil, "\(name): \(doc.error?.message ?? "")")
        return Extractor.extract(Normalizer.normalize(doc))
    }

    static func expected() throws -> JSON { try Fixtures.json(dir.appendingPathComponent("report.expected.json")) }

    static func html(_ s: String) -> [[String]] { HTMLReader.lines(s).map(\.cells) }

    static func tempDir(_ files: [String: [UInt8]]) throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("gongkai-formats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        for (name, bytes) in files { try Data(bytes).write(to: d.appendingPathComponent(name)) }
        return d
    }
}

@Suite struct HTMLDecodingTests {
    let sample = "<p>示例县数据资源管理局2023年政府信息公开工作年度报告</p>"

    func gbk(_ s: String) throws -> [UInt8] { Array(try #require(s.data(using: TextDecoding.gb18030))) }

    @Test func gbkPageDeclaredOnlyByHttpEquivMeta() throws {
        let page = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"></head><body>\(sample)</body></html>"
        let bytes = try gbk(page)
        #expect(TextDecoding.declaredCharset(bytes) == "gb2312")
        #expect(TextDecoding.decodeHTML(bytes) == .text(page, encoding: "gb18030"))
    }

    @Test func metaCharsetForms() throws {
        #expect(TextDecoding.declaredCharset(Array("<META CHARSET='GBK'>".utf8)) == "gbk")
        #expect(TextDecoding.declaredCharset(Array("<meta charset=utf-8 />".utf8)) == "utf-8")
        #expect(TextDecoding.declaredCharset(Array("<meta http-equiv=Content-Type content=\"text/html;charset=GB18030\">".utf8)) == "gb18030")
        #expect(TextDecoding.declaredCharset(Array("<?xml version=\"1.0\" encoding=\"gb2312\"?><html>".utf8)) == "gb2312")
        #expect(TextDecoding.declaredCharset(Array("<html><p>charset=gbk is prose here</p>".utf8)) == nil)
        let page = "<meta charset=\"gbk\">\(sample)"
        #expect(TextDecoding.decodeHTML(try gbk(page)) == .text(page, encoding: "gb18030"))
        let big5Page = "<meta charset=big5><p>政府資訊公開報告</p>"
        let big5 = Array(try #require(big5Page.data(using: TextDecoding.big5)))
        #expect(TextDecoding.decodeHTML(big5) == .text(big5Page, encoding: "big5"))
    }

    @Test func utf8PageAndBOM() {
        let page = "<meta charset=\"utf-8\">\(sample)"
        #expect(TextDecoding.decodeHTML(Array(page.utf8)) == .text(page, encoding: "utf-8"))
        // A byte-order mark outranks the declaration.
        let declaredGBK = "<meta charset=gbk>\(sample)"
        #expect(TextDecoding.decodeHTML([0xEF, 0xBB, 0xBF] + Array(declaredGBK.utf8)) == .text(declaredGBK, encoding: "utf-8-bom"))
    }

    @Test func pageResavedAsUTF8KeepingItsGBKMeta() {
        // Crawlers re-save pages in UTF-8 and keep `charset=gb2312`: GBK text is never valid UTF-8, so UTF-8 wins.
        let page = "<meta http-equiv=Content-Type content=\"text/html; charset=gb2312\">\(sample)"
        #expect(TextDecoding.decodeHTML(Array(page.utf8)) == .text(page, encoding: "utf-8"))
    }

    @Test func undeclaredGBKFallsBackAsText() throws {
        #expect(TextDecoding.decodeHTML(try gbk(sample)) == .text(sample, encoding: "gb18030"))
    }

    @Test func fixturePagesInBothEncodings() throws {
        let gbkDoc = try FormatFixtures.document("report-word.gbk.html")
        let utf8Doc = try FormatFixtures.document("report-word.utf8.html")
        #expect(gbkDoc.format == "html" && gbkDoc.encoding == "gb18030")
        #expect(utf8Doc.format == "html" && utf8Doc.encoding == "utf-8")
        #expect(gbkDoc.text?.contains("示例县数据资源管理局2023年政府信息公开工作年度报告") == true)
        #expect(Normalizer.normalize(gbkDoc).lines.map(\.cells) == Normalizer.normalize(utf8Doc).lines.map(\.cells))
    }
}

@Suite struct HTMLReaderTests {
    @Test func entities() {
        #expect(HTMLEntities.decode("&amp;&lt;&gt;&quot;&apos;&nbsp;|&#x4E2D;&#25991;&#X3001;|&ldquo;三安全一稳定&rdquo;&mdash;&hellip;&middot;&times;")
                == "&<>\"'\u{A0}|中文、|“三安全一稳定”—…·×")
        #expect(HTMLEntities.decode("a &unknown; b & c &amp d &#150; &#0; &#xZZ;") == "a &unknown; b & c & d – \u{FFFD} &#xZZ;")
        // Runs of non-breaking and ideographic spaces align columns, as in text: two or more split cells.
        #expect(FormatFixtures.html("<p>规章&nbsp;&nbsp;&nbsp;2&#12288;&#12288;0&ensp;&ensp;7 8</p>") == [["规章", "2", "0", "7 8"]])
        #expect(FormatFixtures.html("<table><tr><td>3.危及&ldquo;三安全一稳定&rdquo;<td>&nbsp;<td>１&#65289;</table>")
                == [["3.危及“三安全一稳定”", "", "1)"]])
    }

    @Test func rowspanAndColspanExpanded() {
        let table = """
        <table>
        <tr><td rowspan="2" colspan="2">项目</td><td colspan="3">申请人</td></tr>
        <tr><td>甲</td><td>乙</td><td>丙</td></tr>
        <tr><td rowspan="3">三、结果</td><td>(一)公开</td><td>1</td><td>2</td><td>3</td></tr>
        <tr><td>(二)部分</td><td>4</td><td colspan="2">&nbsp;</td></tr>
        <tr><td>(三)其他</td><td colspan="2">5</td><td>6</td></tr>
        <tr><td colspan="2">四、结转</td><td>7</td><td>8</td><td>9</td></tr>
        </table>
        """
        #expect(FormatFixtures.html(table) == [
            ["项目", "申请人"],
            ["", "甲", "乙", "丙"],               // the merged label: one empty cell below it
            ["三、结果", "(一)公开", "1", "2", "3"],
            ["", "(二)部分", "4", "", ""],        // a blank cell over two columns: two blanks
            ["", "(三)其他", "5", "6"],           // a number over two columns: one value
            ["四、结转", "7", "8", "9"],
        ])
        // rowspan="0" runs to the end of the table; spans past the last row stop there.
        #expect(FormatFixtures.html("<table><tr><td rowspan=0>甲<td>1<tr><td>2<tr><td rowspan=9>乙<td>3</table>")
                == [["甲", "1"], ["", "2"], ["", "乙", "3"]])
        // A row with no cells of its own (all covered from above) takes none of the next row's.
        #expect(FormatFixtures.html("<table><tr><td rowspan=3>甲<td rowspan=2>1<tr><tr><td>2<tr><td>乙<td>3<td>4</table>")
                == [["甲", "1"], ["", "2"], ["乙", "3", "4"]])
        #expect(FormatFixtures.html("<table><tr><td>甲<td>1<tr><td rowspan=2>乙<td>2<tr></table>") == [["甲", "1"], ["乙", "2"]])
    }

    @Test func malformedMarkup() {
        let page = """
        <div><p>标题一<p>段落二</div></div></span>
        <table><tr><td>规章<td>1<td>2<tr><td>规范性文件<td><p>3</p><p></p><td>4</table>
        </td></tr></table>
        <table><tr><td><table><tr><td>嵌套</td><td>5</td></tr></table></td><td>6</td></tr></table>
        <table><tr><td><table><tr><td>只包一个值</td></tr></table></td><td>7</td></tr></table>
        <p>表前文字<table>表内行外<tr><td>甲<td>乙
        """
        #expect(FormatFixtures.html(page) == [
            ["标题一"], ["段落二"],
            ["规章", "1", "2"], ["规范性文件", "3", "4"],
            ["嵌套", "5"], ["6"],                   // a cell holding a table is page layout: read as lines
            ["只包一个值", "7"],                     // a one-column table around a value is that value
            ["表前文字"], ["表内行外"], ["甲", "乙"],  // unclosed table at the end of the page
        ])
    }

    @Test func scriptStyleHeadCommentsAndNavigationDropped() {
        let page = """
        <html><head><title>标题</title><style>p { color: red }</style>
        <script>var a = "<p>不是正文</p>"; if (a < b) {}</script></head>
        <body><!-- 注释 <p>也不是</p> --><!--[if gte mso 9]><xml><w:x>隐藏</w:x></xml><![endif]-->
        <nav>首页 &gt; 年报</nav>
        <p>正文<script>document.write("<td>x</td>")</script>继续</p><noscript>请启用脚本</noscript>
        <STYLE type="text/css">td { border: 1px }</STYLE><![if !supportLists]><p>1.</p><![endif]>
        </body></html>
        """
        #expect(FormatFixtures.html(page) == [["正文继续"], ["1."]])
    }

    @Test func wordExportSoup() {
        let p = """
        <p class=MsoNormal style='text-indent:32.0pt;mso-char-indent-count:2.0'><span style='font-size:16.0pt;
        font-family:仿宋_GB2312;mso-hansi-font-family:"Times New Roman"'><font face=仿宋_GB2312>统计期限自</font></span><span
        lang=EN-US style='mso-bidi-font-size:10.5pt'>20</span><span lang=EN-US>23<o:p></o:p></span><span>年</span></p>
        """
        #expect(FormatFixtures.html(p) == [["统计期限自2023年"]])
        // Paragraphs in one cell: nothing between CJK pieces, a space otherwise; <br> likewise.
        let cells = "<table><tr><td><p>商业</p><p>企业</p><td><p>Times</p>\n<p>New</p><td>本年新<br />制作数量<td><p>(二)部分公开(区分处理的,</p><p>不计其他情形)</p></table>"
        #expect(FormatFixtures.html(cells) == [["商业企业", "Times New", "本年新制作数量", "(二)部分公开(区分处理的,不计其他情形)"]])
        #expect(FormatFixtures.html("<p>一<br>二</p><div>三<div>四</div>五</div>") == [["一"], ["二"], ["三"], ["四"], ["五"]])
    }

    @Test func layoutTableAroundTheReport() {
        let long = String(repeating: "本机关认真贯彻落实政府信息公开条例，", count: 12)
        let page = """
        <table width=1000><tr><td width=200><a href=/>首页</a></td><td>
        <p>某局2023年政府信息公开工作年度报告</p><p>\(long)</p>
        <table border=1><tr><td>规章</td><td>1</td><td>2</td><td>3</td></tr></table>
        <p>结束</p></td></tr></table>
        """
        #expect(FormatFixtures.html(page) == [["首页"], ["某局2023年政府信息公开工作年度报告"],
                                                [long.precomposedStringWithCompatibilityMapping], ["规章", "1", "2", "3"], ["结束"]])
        // A one-column box: each paragraph its own line, not one cell.
        #expect(FormatFixtures.html("<table><tr><td><p>某局2023年政府信息公开工作年度报告</p><p>发布日期：2024-01-20</p></td></tr><tr><td></td></tr></table>")
                == [["某局2023年政府信息公开工作年度报告"], ["发布日期:2024-01-20"]])
    }

    @Test func preformattedTextAndLineNumbers() {
        #expect(FormatFixtures.html("<pre>规章\t1\t2\n规范性文件\t3\t4</pre>") == [["规章", "1", "2"], ["规范性文件", "3", "4"]])
        let page = "<p>甲</p>\n<p>\n乙</p>\r\n<table>\n<tr>\n<td>丙</td><td>1</td></tr>\n</table>"
        #expect(HTMLReader.lines(page).map(\.number) == [1, 3, 5])
    }

    @Test func normalizerDispatchesOnFormat() {
        let html = "<p>规章</p><table><tr><td>a<td>b</table>"
        let doc = Document(path: "x.html", bytes: 0, sha256: nil, format: "html", encoding: "utf-8", text: html)
        #expect(Normalizer.normalize(doc).lines.map(\.cells) == [["规章"], ["a", "b"]])
        let asText = Document(path: "x.txt", bytes: 0, sha256: nil, format: "text", encoding: "utf-8", text: html)
        #expect(Normalizer.normalize(asText).lines.map(\.cells) == [[html]])
    }
}

@Suite struct PDFTests {
    @Test(.enabled(if: FormatFixtures.hasPdftotext, "pdftotext (poppler-utils) is not installed: skipped"))
    func fixtureGivesTheValuesOfItsText() throws {
        let doc = try FormatFixtures.document("report.pdf")
        #expect(doc.format == "pdf" && doc.error == nil && doc.encoding == nil)
        let pdf = Extractor.extract(Normalizer.normalize(doc))
        let text = try FormatFixtures.report("report.txt")
        #expect(!pdf.values.isEmpty)
        #expect(pdf.values == text.values)
    }

    @Test(.enabled(if: FormatFixtures.hasPdftotext, "pdftotext (poppler-utils) is not installed: skipped"))
    func scanWithoutTextLayer() throws {
        let doc = try FormatFixtures.document("scan.pdf")
        #expect(doc.format == "pdf" && doc.text == nil)
        #expect(doc.error?.code == "no_text_layer")
        #expect(doc.error?.message.contains("OCR") == true)
    }

    @Test(.enabled(if: FormatFixtures.hasPdftotext, "pdftotext (poppler-utils) is not installed: skipped"))
    func damagedPDF() throws {
        let dir = try FormatFixtures.tempDir(["cut.pdf": Array("%PDF-1.4\n1 0 obj << /Type /Catalog".utf8),
                                              "-dash.pdf": Array("%PDF-1.4 junk".utf8)])
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["cut.pdf", "-dash.pdf"] {
            let doc = try FormatFixtures.document(name, in: dir)
            #expect(doc.format == "pdf" && doc.sha256 != nil)
            #expect(doc.error?.code == "conversion_failed", "\(name): \(doc.error?.message ?? "")")
        }
    }

    @Test func pdftotextMissing() throws {
        let doc = try FormatFixtures.document("report.pdf", tools: ToolRunner(searchPath: "/nonexistent"))
        #expect(doc.format == "pdf" && doc.text == nil && doc.sha256 != nil)
        #expect(doc.error?.code == "tool_missing")
        #expect(doc.error?.message.contains("apt-get install poppler-utils") == true)
    }

    @Test func pdftotextMissingFromTheExecutablesPATH() throws {
        let bin = try #require(EndToEndTests.binDir, "the gongkai executables are not built")
        let p = Process()
        p.executableURL = bin.appendingPathComponent("gongkai-ingest")
        p.arguments = [FormatFixtures.dir.path]
        p.environment = ["PATH": "/nonexistent"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 2)
        var codes: [String: String] = [:]
        for line in data.split(separator: 0x0A) {
            let record = try JSON.parse(Array(line))
            codes[record["path"]?.stringValue ?? ""] = record["error"]?["code"]?.stringValue ?? "ok"
        }
        #expect(codes["report.pdf"] == "tool_missing" && codes["scan.pdf"] == "tool_missing")
        #expect(codes["report.docx"] == "ok" && codes["report-clean.html"] == "ok")  // no outside tool needed
    }

    @Test func textLayerThreshold() {
        #expect(!PDFText.hasTextLayer(""))
        #expect(!PDFText.hasTextLayer("\u{0C}\u{0C}\u{0C}"))
        #expect(!PDFText.hasTextLayer(String(repeating: "第1页\n\u{0C}", count: 10)))  // page numbers only
        #expect(PDFText.hasTextLayer(String(repeating: "政府信息公开工作年度报告", count: 5) + "\u{0C}"))
    }
}

@Suite struct DocxTests {
    func docx(_ body: String) -> String {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>\(body)</w:body></w:document>"
        return DocxText.text(ofDocumentXML: Array(xml.utf8))
    }

    func p(_ s: String) -> String { "<w:p><w:r><w:t xml:space=\"preserve\">\(s)</w:t></w:r></w:p>" }

    func tc(_ s: String, span: Int = 1, vMerge: String? = nil) -> String {
        var pr = span > 1 ? "<w:gridSpan w:val=\"\(span)\"/>" : ""
        if let vMerge { pr += vMerge.isEmpty ? "<w:vMerge/>" : "<w:vMerge w:val=\"\(vMerge)\"/>" }
        return "<w:tc><w:tcPr><w:tcW w:w=\"1000\" w:type=\"dxa\"/>\(pr)</w:tcPr>\(s.isEmpty ? "<w:p/>" : p(s))</w:tc>"
    }

    @Test func gridSpanAndVMergeOnAHandMadeTable() {
        let table = "<w:tbl><w:tblPr><w:tblW w:w=\"0\" w:type=\"auto\"/></w:tblPr><w:tblGrid><w:gridCol/></w:tblGrid>"
            + "<w:tr>" + tc("项目", span: 2, vMerge: "restart") + tc("申请人", span: 3) + "</w:tr>"
            + "<w:tr>" + tc("", span: 2, vMerge: "") + tc("甲") + tc("乙") + tc("丙") + "</w:tr>"
            + "<w:tr>" + tc("三、结果", vMerge: "restart") + tc("(一)公开") + tc("1") + tc("2") + tc("3") + "</w:tr>"
            + "<w:tr>" + tc("", vMerge: "continue") + tc("(二)部分") + tc("4") + tc("", span: 2) + "</w:tr>"
            + "<w:tr>" + tc("", vMerge: "") + tc("(三)其他") + tc("5", span: 2) + tc("6") + "</w:tr>"
            + "<w:tr><w:trPr><w:gridBefore w:val=\"1\"/></w:trPr>" + tc("四、结转") + tc("7") + tc("8") + tc("9") + "</w:tr>"
            + "</w:tbl>"
        #expect(docx(p("标题") + table + p("结尾")) == """
        标题
        项目\t申请人
        \t甲\t乙\t丙
        三、结果\t(一)公开\t1\t2\t3
        \t(二)部分\t4\t\t
        \t(三)其他\t5\t6
        \t四、结转\t7\t8\t9
        结尾

        """)
    }

    @Test func runsTabsBreaksAndHiddenText() {
        let body = "<w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"420\"/></w:tabs></w:pPr>"
            + "<w:r><w:t>规章</w:t></w:r><w:r><w:tab/><w:t>2</w:t></w:r><w:r><w:tab/><w:t>0</w:t></w:r></w:p>"
            + "<w:p><w:r><w:t>20</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>23</w:t></w:r><w:r><w:t>年&lt;续&gt;</w:t></w:r>"
            + "<w:del w:id=\"1\"><w:r><w:delText>删掉的</w:delText></w:r></w:del>"
            + "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>"
            + "<w:r><w:br/><w:t>第二行</w:t></w:r></w:p>"
            + "<w:p><w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><w:txbxContent>" + p("文本框")
            + "</w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>" + p("文本框")
            + "</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"
            + "<w:tbl><w:tr>" + "<w:tc><w:p><w:r><w:t>商业</w:t></w:r></w:p><w:p><w:r><w:t>企业</w:t></w:r></w:p></w:tc>"
            + "<w:tc><w:p><w:r><w:t>a</w:t><w:tab/><w:t>b</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
        #expect(docx(body) == "规章\t2\t0\n2023年<续>\n第二行\n文本框\n商业企业\ta b\n")
    }

    @Test func fixtureTableRows() throws {
        let doc = try FormatFixtures.document("report.docx")
        #expect(doc.format == "docx" && doc.error == nil && doc.encoding == nil)
        let lines = (doc.text ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for expected in [
            "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t申请人情况",
            "\t自然人\t法人或其他组织\t总计",
            "\t\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t",
            "一、本年新收政府信息公开申请数量\t45\t12\t2\t1\t3\t1\t64",
            "三、本年度办理结果\t（一）予以公开\t18\t5\t1\t0\t1\t0\t25",
            "\t（三）不予公开\t1.属于国家秘密\t1\t0\t\t0\t0\t0\t1",
            "\t\t2.其他法律行政法规禁止公开\t0\t0\t\t0\t0\t0\t0",
            "\t（七）总计\t43\t12\t1\t1\t2\t1\t60",
            "行政许可\t1246",
            "\t\t\t\t\t结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t结果维持\t结果纠正\t其他结果\t尚未审结\t总计",
            "2\t1\t0\t1\t4\t1\t0\t0\t0\t1\t0\t0\t\t1\t1",
        ] {
            #expect(lines.contains(expected), "\(expected.debugDescription) not among the .docx text lines")
        }
    }

    @Test func fixtureGivesTheValuesOfItsText() throws {
        let docx = try FormatFixtures.report("report.docx")
        let text = try FormatFixtures.report("report.txt")
        #expect(!docx.values.isEmpty)
        #expect(docx.values == text.values)
    }

    @Test func damagedArchivesAreErrorsNotTraps() throws {
        let good = Array(try Data(contentsOf: FormatFixtures.dir.appendingPathComponent("report.docx")))
        var flipped = good
        // Corrupt the compressed document.xml: inflate fails or the CRC does not match.
        let zip = try ZipArchive(good)
        let entry = try #require(zip.entry(named: "word/document.xml"))
        for k in stride(from: entry.localOffset + 100, to: entry.localOffset + 400, by: 7) { flipped[k] ^= 0x5A }
        var cases: [String: [UInt8]] = [
            "cut.docx": Array(good.prefix(good.count / 2)),
            "flipped.docx": flipped,
            "empty-zip.docx": [0x50, 0x4B, 0x05, 0x06] + [UInt8](repeating: 0, count: 18),
            "fake.docx": Array("PK\u{3}\u{4}word/document.xml and nothing else".utf8),
        ]
        for n in stride(from: 0, to: good.count, by: max(1, good.count / 40)) { cases["prefix-\(n).docx"] = Array(good.prefix(n)) + [0x50, 0x4B, 0x03, 0x04] }
        let dir = try FormatFixtures.tempDir(cases)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in cases.keys.sorted() {
            let doc = try FormatFixtures.document(name, in: dir)
            #expect(doc.error != nil, "\(name) read as \(doc.text?.prefix(40) ?? "")")
            #expect(doc.text == nil)
        }
    }

    @Test func inflateAndCRC() throws {
        // "hello hello hello" deflated (fixed Huffman, with a back reference) and stored.
        let fixed: [UInt8] = [0xCB, 0x48, 0xCD, 0xC9, 0xC9, 0x57, 0xC8, 0x40, 0x90, 0x00]
        #expect(try Inflate.inflate(fixed[...], limit: 100) == Array("hello hello hello".utf8))
        let stored: [UInt8] = [0x01, 0x03, 0x00, 0xFC, 0xFF] + Array("abc".utf8)
        #expect(try Inflate.inflate(stored[...], limit: 100) == Array("abc".utf8))
        #expect(throws: Inflate.Failure.self) { try Inflate.inflate(fixed[...], limit: 5) }
        #expect(throws: Inflate.Failure.self) { try Inflate.inflate(fixed.prefix(4), limit: 100) }
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }
}

@Suite struct SameReportEveryFormTests {
    /// The same report as .txt, .md, .html (clean and Word export, UTF-8 and GBK), .pdf and .docx
    /// gives identical values, and they are the values it was written with.
    @Test(.enabled(if: FormatFixtures.hasPdftotext, "pdftotext (poppler-utils) is not installed: skipped"))
    func identicalValues() throws {
        let expected = try FormatFixtures.expected()
        let reference = try FormatFixtures.report("report.txt")
        #expect(reference.values.count == expected["values"]?.objectValue?.count)
        for name in FormatFixtures.forms {
            let report = try FormatFixtures.report(name)
            let cmp = Comparison(report: report, expected: expected)
            #expect(cmp.perfect, "\(name): \(cmp.summary)")
            #expect(report.values == reference.values, "\(name): values differ from report.txt")
            #expect(report.agency == reference.agency && report.year == reference.year && report.published == reference.published
                    && report.periodStart == reference.periodStart && report.periodEnd == reference.periodEnd, "\(name): metadata")
            #expect(report.findings.map(\.check).sorted() == reference.findings.map(\.check).sorted(), "\(name): findings")
        }
    }
}

@Suite struct UnsupportedFormatTests {
    func utf16(_ s: String) -> [UInt8] { Array(s.utf8).flatMap { [$0, 0] } }

    @Test func oldOfficeAndOtherFormatsNameTheFormatAndWhatToDo() throws {
        let ole: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 64)
        let files: [String: [UInt8]] = [
            "a.doc": ole + utf16("WordDocument"),
            "b.wps": ole + utf16("WordDocument"),
            "c.xls": ole + utf16("Workbook"),
            "misnamed.docx": ole + utf16("WordDocument"),
            "d.xlsx": [0x50, 0x4B, 0x03, 0x04] + Array("xl/workbook.xml".utf8),
            "e.png": [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A],
            "f.ofd": [0x50, 0x4B, 0x03, 0x04] + Array("OFD.xml".utf8),
        ]
        let dir = try FormatFixtures.tempDir(files)
        defer { try? FileManager.default.removeItem(at: dir) }
        let expected: [String: (format: String, words: [String])] = [
            "a.doc": ("doc", [".doc", ".docx", "PDF"]),
            "b.wps": ("wps", [".wps", ".docx", "PDF"]),
            "c.xls": ("xls", [".xls", ".docx, PDF"]),
            "misnamed.docx": ("doc", [".doc", ".docx"]),
            "d.xlsx": ("xlsx", [".xlsx", ".docx, PDF"]),
            "e.png": ("image", ["OCR"]),
            "f.ofd": ("ofd", [".ofd", "PDF"]),
        ]
        for (name, want) in expected {
            let doc = try FormatFixtures.document(name, in: dir)
            #expect(doc.error?.code == "unsupported_format", "\(name)")
            #expect(doc.format == want.format, "\(name): \(doc.format)")
            for w in want.words { #expect(doc.error?.message.contains(w) == true, "\(name): \(doc.error?.message ?? "") lacks \(w)") }
        }
    }

    @Test func htmlFoundByContent() {
        #expect(FormatSniffer.format(of: Array("<!-- saved --><!DOCTYPE html><html>".utf8), path: "page.txt").name == "html")
        #expect(FormatSniffer.format(of: Array("<p style='x'>标题</p><p>正文</p>".utf8), path: "page.txt").name == "html")
        #expect(FormatSniffer.format(of: Array("<政府信息公开条例>规定……".utf8), path: "r.txt").name == "text")
        #expect(FormatSniffer.format(of: Array("<p>不闭合的".utf8), path: "r.txt").name == "text")
        #expect(FormatSniffer.format(of: Array("anything".utf8), path: "r.HTM").name == "html")
        #expect(FormatSniffer.format(of: Array("junk%PDF-1.5".utf8), path: "r.bin").name == "pdf")
    }
}

/// Bad input of every kind gives lines or an error record, never a trap or a hang.
@Suite struct MalformedInputTests {
    @Test func htmlSoup() {
        let pieces = ["<table>", "</table>", "<tr>", "</tr>", "<td>", "</td>", "<td rowspan=0>", "<td colspan=999 rowspan=9>",
                      "<th colspan=2>", "<p>", "</p>", "<br>", "<div>", "</div>", "<script>", "</script>", "<style>", "<!--",
                      "-->", "<![if x]>", "<head>", "</head>", "<pre>", "</pre>", "&#x", "&#", "&nbsp", "&amp;", "&", "<", ">",
                      "\"", "'", "=", "<td colspan=\"2", "<nav>", "规章", "1", "23", " ", "\n", "\r", "\t", "\u{3000}", "<o:p>", "<!DOCTYPE"]
        var random = SeededRandom(seed: 6)
        for _ in 0..<400 {
            var page = ""
            for _ in 0..<random.below(120) { page += pieces[random.below(pieces.count)] }
            let lines = HTMLReader.lines(page)
            #expect(lines.allSatisfy { !$0.cells.isEmpty && $0.number >= 1 }, "\(page.debugDescription)")
        }
    }

    @Test func wordXMLSoup() {
        let pieces = ["<w:tbl>", "</w:tbl>", "<w:tr>", "</w:tr>", "<w:tc>", "</w:tc>", "<w:p>", "</w:p>", "<w:p/>", "<w:t>", "</w:t>",
                      "<w:gridSpan w:val=\"3\"/>", "<w:gridSpan w:val=\"x\"/>", "<w:vMerge/>", "<w:vMerge w:val=\"restart\"/>",
                      "<w:tcPr>", "</w:tcPr>", "<w:trPr><w:gridBefore w:val=\"99999\"/></w:trPr>", "<mc:Fallback>", "</mc:Fallback>",
                      "<![CDATA[", "]]>", "<!--", "<?x", "&lt;", "&#", "文", "1", "<w:tab/>", "<w:br/>", "<", ">", "\""]
        var random = SeededRandom(seed: 7)
        for _ in 0..<400 {
            var xml = ""
            for _ in 0..<random.below(120) { xml += pieces[random.below(pieces.count)] }
            _ = DocxText.text(ofDocumentXML: Array(xml.utf8))
        }
    }

    @Test func corruptedArchivesAndStreams() throws {
        let good = Array(try Data(contentsOf: FormatFixtures.dir.appendingPathComponent("report.docx")))
        var random = SeededRandom(seed: 8)
        for _ in 0..<150 {
            var bytes = good
            for _ in 0..<(1 + random.below(20)) { bytes[random.below(bytes.count)] = UInt8(random.below(256)) }
            if random.below(4) == 0 { bytes = Array(bytes.prefix(random.below(bytes.count))) }
            if case .text(let t) = DocxText.extract(bytes) { #expect(!t.isEmpty) }
            var noise = [UInt8](repeating: 0, count: random.below(300))
            for i in noise.indices { noise[i] = UInt8(random.below(256)) }
            _ = try? Inflate.inflate(noise[...], limit: 1 << 20)
        }
    }
}

/// The real pages in ../shared/fixtures/real (read in place, never copied into the project).
@Suite struct RealHTMLPagesTests {
    static let pages = ["shanghai-gov-office-2019", "shuyang-ndrc-2023"]

    @Test(.enabled(if: Fixtures.sharedAvailable, "../shared/fixtures is not here (a user's clone): skipped"), arguments: pages)
    func givesTheExpectedValues(name: String) throws {
        let real = Fixtures.shared.appendingPathComponent("real")
        guard FileManager.default.fileExists(atPath: real.appendingPathComponent("\(name).html").path) else {
            Issue.record("\(name).html is not in \(real.path)")
            return
        }
        let doc = try FormatFixtures.document("\(name).html", in: real)
        #expect(doc.format == "html" && doc.error == nil)
        let report = Extractor.extract(Normalizer.normalize(doc))
        let expected = try Fixtures.json(real.appendingPathComponent("\(name).expected.json"))
        let cmp = Comparison(report: report, expected: expected)
        #expect(cmp.perfect, "\(name).html: \(cmp.summary)")
        // The same report as text gives the same values.
        let text = extractReport(text: try Fixtures.text(real.appendingPathComponent("\(name).txt")), path: "\(name).txt")
        #expect(report.values == text.values, "\(name): the .html and the .txt differ")
    }
}
