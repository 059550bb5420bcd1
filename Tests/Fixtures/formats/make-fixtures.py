#!/usr/bin/env python3
"""Regenerates the format fixtures: one report (written for these tests, not a real
agency's) in every form gongkai reads, and the values each must give.

    pip install reportlab python-docx      # fixture-making time only
    python3 Tests/Fixtures/formats/make-fixtures.py
    pdftotext -layout Tests/Fixtures/formats/report.pdf - | less   # check the PDF reads back

Writes, next to this script:
  report.txt              tab-separated tables, merged labels followed by empty cells (the seeds' layout)
  report.md               Markdown: headings, bold, pipe tables
  report-clean.html       UTF-8, a plain <table> page; end tags omitted where HTML allows (</td>, </tr>, </p>)
  report-word.utf8.html   a Word "save as web page" export: <span>/<font> soup, <o:p>, mso- styles,
  report-word.gbk.html      cells split into several <p>, rowspan/colspan; the .gbk one saved in GBK
                          with only <meta http-equiv … charset=gb2312> saying so
  report.pdf              reportlab, built-in CID font STSong-Light (no font file), landscape A4
  report.docx             python-docx, merged cells as gridSpan / vMerge
  scan.pdf                an image-only PDF (a drawn rectangle, no text layer)
  report.expected.json    the values every form must give (computed here, not by gongkai)

Blank cells: every form leaves them empty except the PDF, which prints "/" (read as blank
too): `pdftotext -layout` gives an empty cell no position, so a blank would shift the values
after it.
"""
import datetime, json, os, sys, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
B = None  # a blank cell

AGENCY = "示例县数据资源管理局"
TITLE = f"{AGENCY}2023年政府信息公开工作年度报告"

INTRO = [
    "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求编制。",
    "本报告中所列数据的统计期限自2023年1月1日起至2023年12月31日止。",
]
SECTION1 = [
    ("（一）主动公开", "全年通过县政府门户网站主动公开政府信息412条，其中政策文件35条、政策解读18条。"),
    ("（二）依申请公开", "全年共收到政府信息公开申请64件，均在法定期限内答复。"),
    ("（三）政府信息管理", "严格落实公开属性源头认定和保密审查制度，全年未发生泄密事件。"),
    ("（四）平台建设", "优化政府信息公开专栏，及时更新政府信息公开指南和目录。"),
    ("（五）监督保障", "将政务公开纳入年度绩效考核，开展业务培训2次。"),
]
SECTION5 = [
    "一是主动公开的深度和广度有待加强；二是政策解读形式较为单一。",
    "下一步，我局将进一步完善公开目录，丰富解读形式，提升政务公开工作质量。",
]
SECTION6 = ["本年度未收取信息处理费。"]
SIGNATURE = [AGENCY, "2024年1月18日"]

# Section 二, 2021 format: (item, header, [(row label, metric id, [values])]).
ACTIVE = [
    ("第二十条第（一）项", ["本年制发件数", "本年废止件数", "现行有效件数"], [
        ("规章", "active.regulations", ["issued", "repealed", "in_force"], [0, 0, 3]),
        ("行政规范性文件", "active.normative", ["issued", "repealed", "in_force"], [5, 2, 31]),
    ]),
    ("第二十条第（五）项", ["本年处理决定数量"], [
        ("行政许可", "active.licensing", ["decisions"], [1246]),
    ]),
    ("第二十条第（六）项", ["本年处理决定数量"], [
        ("行政处罚", "active.penalty", ["decisions"], [37]),
        ("行政强制", "active.coercion", ["decisions"], [2]),
    ]),
    ("第二十条第（八）项", ["本年收费金额（单位：万元）"], [
        ("行政事业性收费", "active.fees", ["amount"], ["12.5"]),
    ]),
]

COLUMNS = ["natural_person", "commercial", "research", "social_org", "legal_service", "other_org"]
# Section 三, 2021 format: (group label or None, row label, metric id, six applicant columns).
APPLY = [
    (None, "一、本年新收政府信息公开申请数量", "apply.received", [45, 12, 2, 1, 3, 1]),
    (None, "二、上年结转政府信息公开申请数量", "apply.carried_over", [3, 1, 0, 0, 0, 0]),
    ("", "（一）予以公开", "apply.granted", [18, 5, 1, 0, 1, 0]),
    ("", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "apply.partly_granted", [4, 2, 0, 0, 1, 0]),
    ("（三）不予公开", "1.属于国家秘密", "apply.denied.state_secret", [1, 0, B, 0, 0, 0]),
    ("（三）不予公开", "2.其他法律行政法规禁止公开", "apply.denied.prohibited_by_law", [0, 0, B, 0, 0, 0]),
    ("（三）不予公开", "3.危及“三安全一稳定”", "apply.denied.security_stability", [0, 0, B, 0, 0, 0]),
    ("（三）不予公开", "4.保护第三方合法权益", "apply.denied.third_party_rights", [2, 1, B, 0, 0, 0]),
    ("（三）不予公开", "5.属于三类内部事务信息", "apply.denied.internal_affairs", [1, 0, B, 0, 0, 0]),
    ("（三）不予公开", "6.属于四类过程性信息", "apply.denied.process_information", [1, 0, B, 0, 0, 0]),
    ("（三）不予公开", "7.属于行政执法案卷", "apply.denied.enforcement_files", [0, 0, B, 0, 0, 0]),
    ("（三）不予公开", "8.属于行政查询事项", "apply.denied.administrative_query", [1, 0, B, 0, 0, 0]),
    ("（四）无法提供", "1.本机关不掌握相关政府信息", "apply.unavailable.not_held", [6, 2, B, 1, 0, 1]),
    ("（四）无法提供", "2.没有现成信息需要另行制作", "apply.unavailable.needs_compilation", [2, 1, B, 0, 0, 0]),
    ("（四）无法提供", "3.补正后申请内容仍不明确", "apply.unavailable.unclear", [1, 0, B, 0, 0, 0]),
    ("（五）不予处理", "1.信访举报投诉类申请", "apply.not_processed.complaint", [2, 0, 0, 0, 0, 0]),
    ("（五）不予处理", "2.重复申请", "apply.not_processed.duplicate", [1, 1, 0, 0, 0, 0]),
    ("（五）不予处理", "3.要求提供公开出版物", "apply.not_processed.publication", [0, 0, 0, 0, 0, 0]),
    ("（五）不予处理", "4.无正当理由大量反复申请", "apply.not_processed.excessive", [0, 0, 0, 0, 0, 0]),
    ("（五）不予处理", "5.要求行政机关确认或重新出具已获取信息", "apply.not_processed.confirmation", [1, 0, 0, 0, 0, 0]),
    ("（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "apply.other.no_correction", [1, 0, 0, 0, 0, 0]),
    ("（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "apply.other.unpaid_fee", [0, 0, 0, 0, 0, 0]),
    ("（六）其他处理", "3.其他", "apply.other.other", [1, 0, 0, 0, 0, 0]),
]
RESULT_GROUP = "三、本年度办理结果"
REVIEW_IDS = [f"{g}.{c}" for g in ["review", "litigation.direct", "litigation.after_review"]
              for c in ["upheld", "corrected", "other", "pending", "total"]]
REVIEW = [2, 1, 0, 1, 4, 1, 0, 0, 0, 1, 0, 0, B, 1, 1]


def complete_apply():
    """Adds the 总计 column, the （七）总计 row and 四、结转下年度继续办理 (the table's identities)."""
    rows = []
    for group, label, mid, cells in APPLY:
        rows.append((group, label, mid, cells + [sum(c for c in cells if c is not None)]))
    results = [r for r in rows if r[0] is not None]
    total = [sum((r[3][i] or 0) for r in results) for i in range(7)]
    received = rows[0][3]
    carried = rows[1][3]
    forward = [received[i] + carried[i] - total[i] for i in range(7)]
    assert all(f >= 0 for f in forward)
    rows.append(("", "（七）总计", "apply.total", total))
    rows.append((None, "四、结转下年度继续办理", "apply.carried_forward", forward))
    return rows


APPLY_ROWS = complete_apply()
HEADER_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANTS = ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
REVIEW_COLUMNS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def cell(v, blank=""):
    return blank if v is None else str(v)


def expected():
    values = {}
    for _, _, prefix, cols, vals in [(a, h, p, c, v) for a, h, rows in ACTIVE for (_, p, c, v) in rows]:
        for c, v in zip(cols, vals):
            values[f"{prefix}.{c}"] = float(v) if isinstance(v, str) else v
    for _, _, mid, cells in APPLY_ROWS:
        for c, v in zip(COLUMNS + ["total"], cells):
            values[f"{mid}.{c}"] = v
    for mid, v in zip(REVIEW_IDS, REVIEW):
        values[mid] = v
    return {
        "file": "report.txt",
        "agency": [AGENCY],
        "year": 2023,
        "format": {"active": "2021", "apply": "2021"},
        "period": {"start": "2023-01-01", "end": "2023-12-31"},
        "published": "2024-01-18",
        "findings": ["blank_cells"],
        "unscored": [],
        "notes": "Written for the format tests (make-fixtures.py); not a real agency. Blank cells: 科研机构 in 三(三) and 三(四), 复议后起诉·其他结果.",
        "values": values,
    }


# ---------------------------------------------------------------- text and Markdown

def apply_grid(blank=""):
    """Section 三 as a grid of 10 columns (3 label columns, 7 values), merged labels laid out like the seeds."""
    g = [
        [HEADER_NOTE, "", "", "申请人情况", "", "", "", "", "", ""],
        ["", "", "", "自然人", "法人或其他组织", "", "", "", "", "总计"],
        ["", "", "", ""] + APPLICANTS + [""],
    ]
    previous = None
    for group, label, _, cells in APPLY_ROWS:
        values = [cell(v, blank) for v in cells]
        if group is None:
            g.append([label, "", ""] + values)
        elif group == "":
            first = previous is None
            g.append([RESULT_GROUP if first else "", label, ""] + values)
            previous = previous or "started"
        else:
            g.append(["", group if group != previous else "", label] + values)
            previous = group
    return g


def text_report():
    out = ["", AGENCY, "", TITLE, ""] + INTRO + ["", "一、总体情况", ""]
    for head, body in SECTION1:
        out += [head, body, ""]
    out += ["二、主动公开政府信息情况", ""]
    for item, header, rows in ACTIVE:
        out.append("\t".join([item, "", "", ""]))
        out.append("\t".join(["信息内容"] + header + [""] * (3 - len(header))))
        for label, _, _, vals in rows:
            out.append("\t".join([label] + [str(v) for v in vals] + [""] * (3 - len(vals))))
    out += ["", "三、收到和处理政府信息公开申请情况", ""]
    out += ["\t".join(r) for r in apply_grid()]
    out += ["", "四、政府信息公开行政复议、行政诉讼情况", ""]
    out.append("\t".join(["行政复议", "", "", "", "", "行政诉讼"] + [""] * 9))
    out.append("\t".join(REVIEW_COLUMNS + ["未经复议直接起诉", "", "", "", "", "复议后起诉", "", "", "", ""]))
    out.append("\t".join([""] * 5 + REVIEW_COLUMNS * 2))
    out.append("\t".join(cell(v) for v in REVIEW))
    out += ["", "五、存在的主要问题及改进情况", ""] + SECTION5 + ["", "六、其他需要报告的事项", ""] + SECTION6
    out += [""] + SIGNATURE
    return "\n".join(out) + "\n"


def markdown_report():
    def table(rows):
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return lines
    out = [f"# {TITLE}", "", f"**{AGENCY}**", ""] + INTRO + ["", "## 一、总体情况", ""]
    for head, body in SECTION1:
        out += [f"**{head}**", "", body, ""]
    out += ["## 二、主动公开政府信息情况", ""]
    rows = []
    for item, header, trs in ACTIVE:
        rows.append([item, "", "", ""])
        rows.append(["信息内容"] + header)
        for label, _, _, vals in trs:
            rows.append([label] + [str(v) for v in vals])
    out += table(rows) + ["", "## 三、收到和处理政府信息公开申请情况", ""]
    out += table(apply_grid()) + ["", "## 四、政府信息公开行政复议、行政诉讼情况", ""]
    out += table([["行政复议", "", "", "", "", "行政诉讼"] + [""] * 9,
                  REVIEW_COLUMNS + ["未经复议直接起诉", "", "", "", "", "复议后起诉", "", "", "", ""],
                  [""] * 5 + REVIEW_COLUMNS * 2,
                  [cell(v) for v in REVIEW]])
    out += ["", "## 五、存在的主要问题及改进情况", ""] + SECTION5 + ["", "## 六、其他需要报告的事项", ""] + SECTION6
    out += ["", SIGNATURE[0], "", SIGNATURE[1]]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- HTML

def html_tables(td, p_cell, split):
    """The three tables as HTML, with a `td(text, attrs)` and cell-paragraph style of the caller.
    `split(text)` gives the paragraphs a cell's text is broken into."""
    def c(text, colspan=1, rowspan=1):
        attrs = ""
        if colspan > 1: attrs += f' colspan="{colspan}"'
        if rowspan > 1: attrs += f' rowspan="{rowspan}"'
        return td("".join(p_cell(x) for x in split(text)) if text != "" else p_cell(""), attrs)
    t2 = []
    for item, header, rows in ACTIVE:
        t2.append([c(item, 4)])
        t2.append([c("信息内容")] + ([c(h) for h in header] if len(header) == 3 else [c(header[0], 3)]))
        for label, _, _, vals in rows:
            t2.append([c(label)] + ([c(str(v)) for v in vals] if len(vals) == 3 else [c(str(vals[0]), 3)]))
    t3 = [[c(HEADER_NOTE, 3, 3), c("申请人情况", 7)],
          [c("自然人", 1, 2), c("法人或其他组织", 5), c("总计", 1, 2)],
          [c(a) for a in APPLICANTS]]
    results = [r for r in APPLY_ROWS if r[0] is not None]
    seen = set()
    for group, label, _, cells in APPLY_ROWS:
        values = [c(cell(v)) for v in cells]
        if group is None:
            t3.append([c(label, 3)] + values)
            continue
        row = []
        if "started" not in seen:
            row.append(c(RESULT_GROUP, 1, len(results)))
            seen.add("started")
        if group == "":
            row.append(c(label, 2))
        else:
            if group not in seen:
                row.append(c(group, 1, sum(1 for r in APPLY_ROWS if r[0] == group)))
                seen.add(group)
            row.append(c(label))
        t3.append(row + values)
    t4 = [[c("行政复议", 5), c("行政诉讼", 10)],
          [c(x, 1, 2) for x in REVIEW_COLUMNS] + [c("未经复议直接起诉", 5), c("复议后起诉", 5)],
          [c(x) for x in REVIEW_COLUMNS * 2],
          [c(cell(v)) for v in REVIEW]]
    return t2, t3, t4


def clean_html():
    def td(inner, attrs):
        return f"<td{attrs}>{inner}"  # </td> omitted, as HTML allows
    def p_cell(x):
        return x.replace("“", "&ldquo;").replace("”", "&rdquo;")
    t2, t3, t4 = html_tables(td, p_cell, lambda t: [t])
    def table(rows):
        return "<table border=\"1\">\n" + "\n".join("<tr>" + "".join(r) for r in rows) + "\n</table>"
    body = [f"<h1>{TITLE}</h1>"]
    body += [f"<p>{x}" for x in INTRO]
    body += ["<h2>一、总体情况</h2>"]
    for head, text in SECTION1:
        body += [f"<p><b>{head}</b></p>", f"<p>{text}</p>"]
    body += ["<h2>二、主动公开政府信息情况</h2>", table(t2)]
    body += ["<h2>三、收到和处理政府信息公开申请情况</h2>", table(t3)]
    body += ["<h2>四、政府信息公开行政复议、行政诉讼情况</h2>", table(t4)]
    body += ["<h2>五、存在的主要问题及改进情况</h2>"] + [f"<p>{x}</p>" for x in SECTION5]
    body += ["<h2>六、其他需要报告的事项</h2>"] + [f"<p>{x}</p>" for x in SECTION6]
    body += [f'<p style="text-align:right">{x}</p>' for x in SIGNATURE]
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{TITLE}</title>
<style>table {{ border-collapse: collapse }} td {{ padding: 2px 6px }}</style>
<script>var crumbs = "<p>首页 &gt; 政府信息公开年报</p>"; if (1 < 2) {{ document.title += ""; }}</script>
</head>
<body>
<nav><a href="/">首页</a> &gt; <a href="/gk/">政府信息公开</a> &gt; <a href="/gk/nb/">2022年政府信息公开工作年度报告</a></nav>
<div class="article">
{chr(10).join(body)}
</div>
<!-- 页脚：版权所有 -->
<div class="footer">主办：{AGENCY}&nbsp;&nbsp;备案号：示ICP备00000000号</div>
</body>
</html>
"""


def word_html(charset):
    """A Word 'save as web page' export: soup around every piece of text."""
    def span(x, lang=False):
        if x == "":
            return "<span lang=EN-US style='font-size:10.5pt;mso-bidi-font-size:11.0pt'><o:p>&nbsp;</o:p></span>"
        x = x.replace("“", "&ldquo;").replace("”", "&rdquo;").replace("、", "&#x3001;").replace("（", "&#65288;")
        attrs = " lang=EN-US" if lang else ""
        return f"<span{attrs} style='font-family:宋体;mso-hansi-font-family:\"Times New Roman\"'><font face=宋体>{x}</font></span>"
    def p_cell(x):
        return f"<p class=MsoNormal align=center style='text-align:center'>{span(x, x.isdigit())}<o:p></o:p></p>"
    def td(inner, attrs):
        return f"\n  <td width=60{attrs} valign=top style='border:solid windowtext 1.0pt;mso-border-alt:solid windowtext .5pt'>\n  {inner}</td>"
    def split(text):
        # Long labels broken over several paragraphs, the way Word wraps them in narrow cells.
        if len(text) > 12 and not text.isdigit():
            cut = [text[i:i + 10] for i in range(0, len(text), 10)]
            return cut
        if text in APPLICANTS[:2]:
            return [text[:2], text[2:]]  # 商业 / 企业
        return [text]
    t2, t3, t4 = html_tables(td, p_cell, split)
    def table(rows):
        out = ["<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 style='border-collapse:collapse;"
               "border:none;mso-border-alt:solid windowtext .5pt;mso-yfti-tbllook:1184'>"]
        for i, r in enumerate(rows):
            out.append(f" <tr style='mso-yfti-irow:{i};height:15.6pt'>" + "".join(r) + "\n </tr>")
        width = max(len(r) for r in rows) + 3
        out.append(" <![if !supportMisalignedColumns]>\n <tr height=0>" + "<td width=60 style='border:none'></td>" * width
                   + "</tr>\n <![endif]>")
        out.append("</table>")
        return "\n".join(out)
    def para(x, style="text-indent:32.0pt;mso-char-indent-count:2.0"):
        # Digits in their own runs, as Word writes them between Chinese text.
        pieces, run = [], ""
        for ch in x:
            if run and (ch.isdigit() != run[-1].isdigit()):
                pieces.append(run); run = ""
            run += ch
        if run: pieces.append(run)
        inner = "".join(span(pc, pc.isdigit()) for pc in pieces)
        return f"<p class=MsoNormal style='{style}'>{inner}<span lang=EN-US><o:p></o:p></span></p>"
    body = [para(AGENCY, "text-align:center"), para(TITLE, "text-align:center")]
    body += [para(x) for x in INTRO]
    body += [para("一、总体情况")]
    for head, text in SECTION1:
        body += [para(head), para(text)]
    body += [para("二、主动公开政府信息情况"), table(t2), "<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>"]
    body += [para("三、收到和处理政府信息公开申请情况"), table(t3)]
    body += [para("四、政府信息公开行政复议、行政诉讼情况"), table(t4)]
    body += [para("五、存在的主要问题及改进情况")] + [para(x) for x in SECTION5]
    body += [para("六、其他需要报告的事项")] + [para(x) for x in SECTION6]
    body += [para(x, "text-align:right") for x in SIGNATURE]
    return f"""<html xmlns:v="urn:schemas-microsoft-com:vml"
xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word"
xmlns="http://www.w3.org/TR/REC-html40">

<head>
<meta http-equiv=Content-Type content="text/html; charset={charset}">
<meta name=ProgId content=Word.Document>
<meta name=Generator content="Microsoft Word 15">
<title>{TITLE}</title>
<!--[if gte mso 9]><xml>
 <o:DocumentProperties>
  <o:Author>办公室</o:Author>
 </o:DocumentProperties>
</xml><![endif]-->
<style>
<!--
 /* Style Definitions */
 p.MsoNormal, li.MsoNormal, div.MsoNormal
	{{mso-style-parent:"";
	margin:0cm;
	text-align:justify;
	text-justify:inter-ideograph;
	font-size:10.5pt;
	font-family:"Times New Roman","serif";}}
@page WordSection1
	{{size:841.9pt 595.3pt;
	mso-page-orientation:landscape;}}
div.WordSection1
	{{page:WordSection1;}}
-->
</style>
<!--[if gte mso 10]>
<style>
 table.MsoNormalTable {{mso-style-name:普通表格;}}
</style>
<![endif]-->
</head>

<body lang=ZH-CN style='tab-interval:21.0pt;text-justify-trim:punctuation'>

<div class=WordSection1 style='layout-grid:15.6pt'>

{chr(10).join(body)}

</div>

</body>

</html>
"""


# ---------------------------------------------------------------- PDF

def make_pdf(path):
    from reportlab import rl_config
    rl_config.invariant = 1  # no creation date or random ID: the same bytes on every run
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import SimpleDocTemplate, Paragraph, Table, TableStyle, Spacer
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    font = "STSong-Light"
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    center = ParagraphStyle("center", parent=body, alignment=1, fontSize=13, leading=20)
    right = ParagraphStyle("right", parent=body, alignment=2)
    story = [Paragraph(AGENCY, center), Paragraph(TITLE, center), Spacer(1, 6)]
    story += [Paragraph(x, body) for x in INTRO]
    story += [Paragraph("一、总体情况", body)]
    for head, text in SECTION1:
        story += [Paragraph(head, body), Paragraph(text, body)]

    def grid_table(rows, spans, widths, size=7):
        t = Table(rows, colWidths=widths)
        style = [("FONT", (0, 0), (-1, -1), font, size), ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                 ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 1),
                 ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
        style += [("SPAN", a, b) for a, b in spans]
        t.setStyle(TableStyle(style))
        return t

    rows, spans = [], []
    for item, header, trs in ACTIVE:
        r = len(rows)
        rows.append([item, "", "", ""]); spans.append(((0, r), (3, r)))
        if len(header) == 3:
            rows.append(["信息内容"] + header)
        else:
            rows.append(["信息内容", header[0], "", ""]); spans.append(((1, r + 1), (3, r + 1)))
        for label, _, _, vals in trs:
            if len(vals) == 3:
                rows.append([label] + [str(v) for v in vals])
            else:
                rows.append([label, str(vals[0]), "", ""]); spans.append(((1, len(rows) - 1), (3, len(rows) - 1)))
    story += [Paragraph("二、主动公开政府信息情况", body), grid_table(rows, spans, [120, 110, 110, 110], 8)]

    grid = apply_grid(blank="/")
    spans = [((0, 0), (2, 2)), ((3, 0), (9, 0)), ((3, 1), (3, 2)), ((4, 1), (8, 1)), ((9, 1), (9, 2))]
    for r, row in enumerate(grid[3:], start=3):
        if row[1] == "" and row[2] == "":
            spans.append(((0, r), (2, r)))
        elif row[2] == "" and row[1] != "":
            spans.append(((1, r), (2, r)))
    story += [Paragraph("三、收到和处理政府信息公开申请情况", body), grid_table(grid, spans, [88, 62, 280] + [45] * 7)]

    review = [["行政复议", "", "", "", "", "行政诉讼"] + [""] * 9,
              REVIEW_COLUMNS + ["未经复议直接起诉", "", "", "", "", "复议后起诉", "", "", "", ""],
              [""] * 5 + REVIEW_COLUMNS * 2,
              [cell(v, "/") for v in REVIEW]]
    spans = [((0, 0), (4, 0)), ((5, 0), (14, 0)), ((5, 1), (9, 1)), ((10, 1), (14, 1))]
    spans += [((c, 1), (c, 2)) for c in range(5)]
    story += [Paragraph("四、政府信息公开行政复议、行政诉讼情况", body), grid_table(review, spans, [46] * 15)]
    story += [Paragraph("五、存在的主要问题及改进情况", body)] + [Paragraph(x, body) for x in SECTION5]
    story += [Paragraph("六、其他需要报告的事项", body)] + [Paragraph(x, body) for x in SECTION6]
    story += [Spacer(1, 10)] + [Paragraph(x, right) for x in SIGNATURE]
    doc = SimpleDocTemplate(path, pagesize=landscape(A4), leftMargin=36, rightMargin=36, topMargin=36, bottomMargin=36,
                            title=TITLE, author="gongkai tests", creator="make-fixtures.py")
    doc.build(story)


def make_scan(path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    c = canvas.Canvas(path, pagesize=A4, invariant=1)
    c.setFillGray(0.85)
    c.rect(72, 400, 450, 300, fill=1, stroke=1)  # where a scanned page's picture would be
    c.showPage()
    c.save()


# ---------------------------------------------------------------- Word

def make_docx(path):
    import docx
    from docx.shared import Pt
    from docx.oxml.ns import qn
    d = docx.Document()
    style = d.styles["Normal"]
    style.font.size = Pt(10.5)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    for x in [AGENCY, TITLE] + INTRO + ["一、总体情况"]:
        d.add_paragraph(x)
    for head, text in SECTION1:
        d.add_paragraph(head)
        d.add_paragraph(text)

    def fill(c, text):
        # Labels broken over two paragraphs in a cell, as Word users type them.
        if text in APPLICANTS[:2]:
            c.paragraphs[0].text = text[:2]
            c.add_paragraph(text[2:])
        else:
            c.paragraphs[0].text = text

    d.add_paragraph("二、主动公开政府信息情况")
    n = sum(2 + len(rows) for _, _, rows in ACTIVE)
    t = d.add_table(rows=n, cols=4)
    t.style = "Table Grid"
    r = 0
    for item, header, rows in ACTIVE:
        m = t.cell(r, 0).merge(t.cell(r, 3)); fill(m, item); r += 1
        fill(t.cell(r, 0), "信息内容")
        if len(header) == 3:
            for i, h in enumerate(header): fill(t.cell(r, i + 1), h)
        else:
            fill(t.cell(r, 1).merge(t.cell(r, 3)), header[0])
        r += 1
        for label, _, _, vals in rows:
            fill(t.cell(r, 0), label)
            if len(vals) == 3:
                for i, v in enumerate(vals): fill(t.cell(r, i + 1), str(v))
            else:
                fill(t.cell(r, 1).merge(t.cell(r, 3)), str(vals[0]))
            r += 1

    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    grid = apply_grid()
    t = d.add_table(rows=len(grid), cols=10)
    t.style = "Table Grid"
    fill(t.cell(0, 0).merge(t.cell(2, 2)), HEADER_NOTE)
    fill(t.cell(0, 3).merge(t.cell(0, 9)), "申请人情况")
    fill(t.cell(1, 3).merge(t.cell(2, 3)), "自然人")
    fill(t.cell(1, 4).merge(t.cell(1, 8)), "法人或其他组织")
    fill(t.cell(1, 9).merge(t.cell(2, 9)), "总计")
    for i, a in enumerate(APPLICANTS): fill(t.cell(2, 4 + i), a)
    first = {}
    for r, (group, label, _, cells) in enumerate(APPLY_ROWS, start=3):
        if group is None:
            fill(t.cell(r, 0).merge(t.cell(r, 2)), label)
        elif group == "":
            fill(t.cell(r, 1).merge(t.cell(r, 2)), label)
        else:
            fill(t.cell(r, 2), label)
            first.setdefault(group, r)
        for i, v in enumerate(cells):
            if v is not None: fill(t.cell(r, 3 + i), str(v))
    results = [i for i, row in enumerate(APPLY_ROWS, start=3) if row[0] is not None]
    fill(t.cell(results[0], 0).merge(t.cell(results[-1], 0)), RESULT_GROUP)
    for group, r0 in first.items():
        r1 = max(i for i, row in enumerate(APPLY_ROWS, start=3) if row[0] == group)
        fill(t.cell(r0, 1).merge(t.cell(r1, 1)), group)

    d.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    t = d.add_table(rows=4, cols=15)
    t.style = "Table Grid"
    fill(t.cell(0, 0).merge(t.cell(0, 4)), "行政复议")
    fill(t.cell(0, 5).merge(t.cell(0, 14)), "行政诉讼")
    for i, x in enumerate(REVIEW_COLUMNS): fill(t.cell(1, i).merge(t.cell(2, i)), x)
    fill(t.cell(1, 5).merge(t.cell(1, 9)), "未经复议直接起诉")
    fill(t.cell(1, 10).merge(t.cell(1, 14)), "复议后起诉")
    for i, x in enumerate(REVIEW_COLUMNS * 2): fill(t.cell(2, 5 + i), x)
    for i, v in enumerate(REVIEW):
        if v is not None: fill(t.cell(3, i), str(v))
    for x in ["五、存在的主要问题及改进情况"] + SECTION5 + ["六、其他需要报告的事项"] + SECTION6 + SIGNATURE:
        d.add_paragraph(x)
    d.core_properties.author = "gongkai tests"
    d.core_properties.created = d.core_properties.modified = datetime.datetime(2024, 1, 18)
    d.save(path)
    # Fixed entry dates, so the file is the same byte for byte on every run.
    with zipfile.ZipFile(path) as z:
        entries = [(i.filename, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 18, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)


def main():
    os.chdir(HERE)
    with open("report.txt", "w", encoding="utf-8") as f: f.write(text_report())
    with open("report.md", "w", encoding="utf-8") as f: f.write(markdown_report())
    with open("report-clean.html", "w", encoding="utf-8") as f: f.write(clean_html())
    with open("report-word.utf8.html", "w", encoding="utf-8") as f: f.write(word_html("utf-8"))
    with open("report-word.gbk.html", "wb") as f: f.write(word_html("gb2312").encode("gbk"))
    with open("report.expected.json", "w", encoding="utf-8") as f:
        json.dump(expected(), f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")
    make_pdf("report.pdf")
    make_scan("scan.pdf")
    make_docx("report.docx")
    print("wrote", ", ".join(sorted(os.listdir("."))))


if __name__ == "__main__":
    sys.exit(main())
