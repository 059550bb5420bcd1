/// Small SVG charts, written by hand: horizontal bars (one value per agency) and
/// lines over the years. Text is XML-escaped, coordinates are printed with at most
/// one decimal from integer arithmetic, nothing depends on the clock or the
/// machine: the same data always gives the same bytes.
///
/// A blank value is not drawn as zero: a bar chart writes 空白 where the bar would
/// be, a line chart breaks the line.
enum SVG {
    /// Generic families with CJK coverage on Linux, Windows and macOS.
    static let fontFamily = "'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
    /// Tableau 10: distinguishable, and readable in grey.
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]
    static let fontSize = 12.0
    static let titleSize = 14.0
    static let margin = 12.0

    /// One bar group: a label and one value per series (nil is blank); `texts` are printed as given.
    struct Bar {
        var label: String
        var values: [Double?]
        var texts: [String]
    }

    /// One line: a value (or blank) per x position.
    struct Line {
        var name: String
        var values: [Double?]
        var texts: [String]
    }

    // MARK: Bars

    static func barChart(title: String, series: [String], bars: [Bar], unit: String, notes: [String] = []) -> String {
        let n = max(1, series.count)
        let barHeight = 14.0
        let rowHeight = Double(n) * barHeight + 8
        let maxLabel = 240.0
        let labelWidth = min(maxLabel, bars.map { textWidth($0.label) }.max() ?? 0) + 8
        let valueSpace = max(40, (bars.flatMap(\.texts).map { textWidth($0) }.max() ?? 0) + 12)
        let width = 760.0
        let plotX = margin + labelWidth
        let plotW = max(200, width - plotX - valueSpace - margin)
        var y = margin + titleSize + 8
        let legendY = y
        if series.count > 1 { y += 18 }
        let plotTop = y
        let plotH = Double(bars.count) * rowHeight
        let height = plotTop + plotH + 24 + Double(notes.count) * 18 + margin
        let scale = Scale(values: bars.flatMap(\.values).compactMap { $0 }, percent: unit == "%")

        var out = header(width: width, height: height, title: title)
        out += heading(title, width: width)
        if series.count > 1 {
            var lx = plotX
            for (i, s) in series.enumerated() {
                out += "<rect x=\"\(f(lx))\" y=\"\(f(legendY + 2))\" width=\"10\" height=\"10\" fill=\"\(color(i))\"/>"
                out += text(lx + 14, legendY + 11, s)
                lx += textWidth(s) + 32
            }
            out += "\n"
        }
        // Grid and axis labels.
        for t in scale.ticks {
            let x = plotX + scale.position(t) * plotW
            out += "<line x1=\"\(f(x))\" y1=\"\(f(plotTop))\" x2=\"\(f(x))\" y2=\"\(f(plotTop + plotH))\" stroke=\"#dddddd\"/>"
            out += text(x, plotTop + plotH + 16, scale.label(t) + (t == scale.ticks.last && unit == "%" ? "%" : ""), anchor: "middle", fill: "#555555")
        }
        out += "\n"
        let zeroX = plotX + scale.position(0) * plotW
        for (r, bar) in bars.enumerated() {
            let top = plotTop + Double(r) * rowHeight + 4
            let (shown, cut) = truncate(bar.label, width: maxLabel)
            out += "<g>"
            if cut { out += "<title>\(escape(bar.label))</title>" }
            out += text(plotX - 6, top + Double(n) * barHeight / 2 + 4, shown, anchor: "end")
            for s in 0..<n {
                let by = top + Double(s) * barHeight
                let value = s < bar.values.count ? bar.values[s] : nil
                let label = s < bar.texts.count ? bar.texts[s] : ""
                guard let value else {
                    out += text(zeroX + 4, by + barHeight - 3, "空白", fill: "#999999", style: "italic")
                    continue
                }
                let x = plotX + scale.position(value) * plotW
                let (x0, x1) = value >= 0 ? (zeroX, x) : (x, zeroX)
                out += "<rect x=\"\(f(x0))\" y=\"\(f(by))\" width=\"\(f(max(0, x1 - x0)))\" height=\"\(f(barHeight - 2))\" fill=\"\(color(s))\"><title>\(escape(bar.label))：\(escape(label))</title></rect>"
                out += text(max(x0, x1) + 4, by + barHeight - 3, label, fill: "#333333")
            }
            out += "</g>\n"
        }
        out += "<line x1=\"\(f(zeroX))\" y1=\"\(f(plotTop))\" x2=\"\(f(zeroX))\" y2=\"\(f(plotTop + plotH))\" stroke=\"#888888\"/>\n"
        for (i, note) in notes.enumerated() {
            out += text(margin, plotTop + plotH + 40 + Double(i) * 18, note, fill: "#777777", style: "italic") + "\n"
        }
        return out + "</svg>\n"
    }

    // MARK: Lines

    static func lineChart(title: String, xs: [String], lines: [Line], unit: String, blankNote: String) -> String {
        let width = 640.0
        let plotTop = margin + titleSize + 14
        let plotH = 200.0
        let scale = Scale(values: lines.flatMap(\.values).compactMap { $0 }, percent: unit == "%")
        let tickWidth = scale.ticks.map { textWidth(scale.label($0)) }.max() ?? 0
        let plotX = margin + tickWidth + 8
        let legendWidth = min(200, (lines.map { textWidth($0.name) }.max() ?? 0) + 28)
        let plotW = max(160, width - plotX - legendWidth - margin - 12)
        let hasBlank = lines.contains { $0.values.contains { $0 == nil } }
        let height = plotTop + plotH + 24 + (hasBlank ? 18 : 0) + margin
        func px(_ i: Int) -> Double { xs.count == 1 ? plotX + plotW / 2 : plotX + 10 + Double(i) * (plotW - 20) / Double(xs.count - 1) }
        func py(_ v: Double) -> Double { plotTop + plotH - scale.position(v) * plotH }

        var out = header(width: width, height: height, title: title)
        out += heading(title, width: width)
        for t in scale.ticks {
            let y = py(t)
            out += "<line x1=\"\(f(plotX))\" y1=\"\(f(y))\" x2=\"\(f(plotX + plotW))\" y2=\"\(f(y))\" stroke=\"#dddddd\"/>"
            out += text(plotX - 6, y + 4, scale.label(t), anchor: "end", fill: "#555555")
        }
        out += "\n"
        for (i, x) in xs.enumerated() {
            out += text(px(i), plotTop + plotH + 16, x, anchor: "middle", fill: "#555555")
        }
        out += "<line x1=\"\(f(plotX))\" y1=\"\(f(plotTop + plotH))\" x2=\"\(f(plotX + plotW))\" y2=\"\(f(plotTop + plotH))\" stroke=\"#888888\"/>\n"
        for (s, line) in lines.enumerated() {
            let c = color(s)
            out += "<g>"
            // Segments of consecutive filled values: a blank breaks the line.
            var d = ""
            var open = false
            for (i, v) in line.values.enumerated() {
                guard let v else { open = false; continue }
                d += (open ? " L" : (d.isEmpty ? "M" : " M")) + "\(f(px(i))) \(f(py(v)))"
                open = true
            }
            if !d.isEmpty { out += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(c)\" stroke-width=\"2\"/>" }
            for (i, v) in line.values.enumerated() {
                guard let v else { continue }
                let t = i < line.texts.count ? line.texts[i] : ""
                out += "<circle cx=\"\(f(px(i)))\" cy=\"\(f(py(v)))\" r=\"3\" fill=\"\(c)\"><title>\(escape(line.name)) \(escape(xs[i]))：\(escape(t))</title></circle>"
            }
            out += "</g>\n"
            let ly = plotTop + Double(s) * 18
            let lx = plotX + plotW + 12
            let (shown, _) = truncate(line.name, width: legendWidth - 28)
            out += "<line x1=\"\(f(lx))\" y1=\"\(f(ly + 6))\" x2=\"\(f(lx + 16))\" y2=\"\(f(ly + 6))\" stroke=\"\(c)\" stroke-width=\"2\"/>"
            out += text(lx + 20, ly + 10, shown) + "\n"
        }
        if hasBlank {
            out += text(plotX, plotTop + plotH + 36, blankNote, fill: "#777777", style: "italic") + "\n"
        }
        return out + "</svg>\n"
    }

    // MARK: Scale

    /// A linear axis from a round number at or below the smallest value (and 0) to one
    /// at or above the largest, with 3–6 round ticks. Percentages span at least 0–100.
    struct Scale {
        var low: Double
        var high: Double
        var step: Double
        var ticks: [Double]

        init(values: [Double], percent: Bool) {
            var lo = min(0, values.min() ?? 0)
            var hi = max(0, values.max() ?? 0)
            if percent { hi = max(hi, 100) }
            if hi - lo <= 0 { hi = lo + 5 }
            let raw = (hi - lo) / 5
            let magnitude = Scale.pow10(Int(Scale.log10(raw)))
            var step = magnitude
            for m in [1.0, 2.0, 2.5, 5.0, 10.0] where raw <= m * magnitude {
                step = m * magnitude
                break
            }
            // Counts have no fractions: ticks at whole numbers.
            if !percent, values.allSatisfy({ $0 == $0.rounded() }) { step = max(1.0, step.rounded(.up)) }
            lo = (lo / step).rounded(.down) * step
            hi = (hi / step).rounded(.up) * step
            self.low = lo
            self.high = hi
            self.step = step
            var t: [Double] = []
            var v = lo
            while v <= hi + step / 1000 {
                t.append(v)
                v += step
            }
            ticks = t
        }

        /// 0 at `low`, 1 at `high`.
        func position(_ v: Double) -> Double { (v - low) / (high - low) }

        func label(_ v: Double) -> String {
            step >= 1 ? String(Int64(v.rounded())) : SVG.f(v, decimals: step >= 0.1 ? 1 : 2)
        }

        static func pow10(_ n: Int) -> Double {
            var r = 1.0
            if n >= 0 { for _ in 0..<n { r *= 10 } } else { for _ in 0..<(-n) { r /= 10 } }
            return r
        }

        static func log10(_ x: Double) -> Double {
            // Only the integer part is used: count decades without libm.
            var n = 0.0, v = x
            while v >= 10 { v /= 10; n += 1 }
            while v < 1 { v *= 10; n -= 1 }
            return n
        }
    }

    // MARK: Text

    static func header(width: Double, height: Double, title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"\(fontFamily)\" font-size=\"\(f(fontSize))\" role=\"img\" aria-label=\"\(escape(title))\">\n"
            + "<title>\(escape(title))</title>\n"
            + "<rect x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"#ffffff\"/>\n"
    }

    /// The chart's title, cut to the chart's width (the whole title is the SVG's `<title>`).
    static func heading(_ title: String, width: Double) -> String {
        text(margin, margin + titleSize, truncate(title, width: width - 2 * margin, size: titleSize).0, size: titleSize, weight: "bold")
    }

    static func text(_ x: Double, _ y: Double, _ s: String, anchor: String = "start", size: Double? = nil, weight: String? = nil,
                     fill: String = "#222222", style: String? = nil) -> String {
        var attrs = "x=\"\(f(x))\" y=\"\(f(y))\""
        if anchor != "start" { attrs += " text-anchor=\"\(anchor)\"" }
        if let size { attrs += " font-size=\"\(f(size))\"" }
        if let weight { attrs += " font-weight=\"\(weight)\"" }
        if let style { attrs += " font-style=\"\(style)\"" }
        attrs += " fill=\"\(fill)\""
        return "<text \(attrs)>\(escape(s))</text>"
    }

    static func color(_ i: Int) -> String { palette[i % palette.count] }

    /// Text for XML character data and attribute values: markup characters escaped,
    /// characters XML 1.0 forbids (most C0 controls, U+FFFE/U+FFFF) dropped.
    static func escape(_ s: String) -> String {
        if !needsEscape(s) { return s }
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out += " "
            default:
                if u.value < 0x20 || u.value == 0xFFFE || u.value == 0xFFFF || (0x7F...0x9F).contains(u.value) { continue }
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// Whether `escape` would change `s`, on its bytes: a markup character, a control
    /// character (C0, DEL, C1 = C2 80…C2 9F), or U+FFFE/U+FFFF (EF BF BE/BF). Most labels
    /// have none and are taken as they are.
    static func needsEscape(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { u in
            let n = u.count
            var i = 0
            while i < n {
                let b = u[i]
                if b < 0x20 || b == 0x7F || b == 0x26 || b == 0x3C || b == 0x3E || b == 0x22 || b == 0x27 { return true }
                if b == 0xC2, i + 1 < n, u[i + 1] >= 0x80, u[i + 1] <= 0x9F { return true }
                if b == 0xEF, i + 2 < n, u[i + 1] == 0xBF, u[i + 2] == 0xBE || u[i + 2] == 0xBF { return true }
                i += 1
            }
            return false
        }
    }

    /// Approximate width at `fontSize`: CJK and full-width characters one em, others ~0.6 em.
    static func textWidth(_ s: String, size: Double = fontSize) -> Double {
        var em = 0.0
        for u in s.unicodeScalars { em += isWide(u.value) ? 1.0 : 0.6 }
        return em * size
    }

    static func isWide(_ v: UInt32) -> Bool {
        TextClass.isCJK(v) || (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v)
    }

    /// `s` cut with an ellipsis to fit `width`; whether it was cut.
    static func truncate(_ s: String, width: Double, size: Double = fontSize) -> (String, Bool) {
        if textWidth(s, size: size) <= width { return (s, false) }
        var out = ""
        var w = textWidth("…", size: size)
        for ch in s {
            let cw = textWidth(String(ch), size: size)
            if w + cw > width { break }
            out.append(ch)
            w += cw
        }
        return (out + "…", true)
    }

    /// A coordinate with at most one decimal, from integer arithmetic (no locale, no libc formatting).
    static func f(_ d: Double) -> String { f(d, decimals: 1) }

    static func f(_ d: Double, decimals: Int) -> String {
        guard d.isFinite else { return "0" }
        let factor = Scale.pow10(decimals)
        let t = Int64((d * factor).rounded())
        let sign = t < 0 ? "-" : ""
        let m = t.magnitude
        let unit = UInt64(factor)
        let whole = m / unit, frac = m % unit
        if frac == 0 { return "\(sign)\(whole)" }
        var fs = String(frac)
        while fs.count < decimals { fs = "0" + fs }
        while fs.hasSuffix("0") { fs.removeLast() }
        return "\(sign)\(whole).\(fs)"
    }
}
