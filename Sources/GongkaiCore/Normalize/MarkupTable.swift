/// Tables from markup (HTML `<table>`, Word `w:tbl`) to rows of cells, shared by
/// the HTML reader (normalize) and the .docx reader (ingest), so a table reads
/// the same whichever form it came in, and the same as a tab-separated one.
///
/// Merged cells, the way extract reads tables (a row label, then its values in order):
/// - `rowspan` (Word `vMerge`): the rows below get an empty cell in its place, as in
///   the tab-separated seeds (a merged label `三、本年度办理结果` is followed by empty
///   cells on the next rows).
/// - `colspan` (Word `gridSpan`): a cell that prints something is one cell, however
///   many grid columns it spans: a number printed across two columns is one value (Word
///   tables often put sub-tables of different widths on one grid, `规章 | 13 | 13 (2 columns) | 524`).
///   A blank cell spanning k columns is k empty cells: it stands for k blank values.
public enum MarkupContent: Equatable, Sendable {
    /// A paragraph of text, with the source line it starts on (0 when there are no lines).
    case paragraph(String, line: Int)
    /// A table row: its cells' raw text.
    case row([String], line: Int)
}

public struct MarkupTable: Sendable {
    public struct Cell: Sendable {
        /// Paragraphs of the cell, and rows of tables nested in it.
        public var items: [MarkupContent] = []
        public var colspan = 1
        public var rowspan = 1
        /// Word `vMerge`: `restart` begins a vertically merged cell, `continue` extends it.
        public var verticalMerge: VerticalMerge?
        public enum VerticalMerge: Sendable { case restart, `continue` }

        public init(colspan: Int = 1, rowspan: Int = 1) {
            self.colspan = max(1, min(colspan, 1000))
            self.rowspan = max(0, min(rowspan, 65_534))
        }

        /// The cell's paragraphs joined: nothing between CJK text (`商业` + `企业`), a space otherwise.
        public var text: String {
            var out = ""
            for item in items {
                let piece: String
                switch item {
                case .paragraph(let p, _): piece = p
                case .row(let cells, _): piece = cells.filter { !$0.isBlankText }.joined(separator: " ")
                }
                MarkupTable.softJoin(&out, piece.trimmed)
            }
            return out
        }

        var nestsTable: Bool { items.contains { if case .row = $0 { return true } else { return false } } }
    }

    public struct Row: Sendable {
        public var line: Int
        public var cells: [Cell] = []
        /// Word `gridBefore`: grid columns left empty before the first cell.
        public var skipBefore = 0

        public init(line: Int) { self.line = line }
    }

    public var rows: [Row] = []
    static let maxColumns = 2_000
    /// The most grid cells a table is laid out on (rows × columns).
    static let maxGridCells = 500_000

    public init() {}

    /// Appends `piece` to `text`: nothing between them when either side is CJK, a space otherwise.
    static func softJoin(_ text: inout String, _ piece: String) {
        guard !piece.isEmpty else { return }
        if let a = text.unicodeScalars.last, let b = piece.unicodeScalars.first,
           !(TextClass.isCJK(a.value) || TextClass.isCJK(b.value)) {
            text += " "
        }
        text += piece
    }

    /// A cell that holds a page's content rather than a value: the table around it is layout.
    static func isContent(_ cell: Cell, text: String? = nil) -> Bool {
        if cell.nestsTable { return true }
        let paragraphs = cell.items.count
        let length = (text ?? cell.text).unicodeScalars.count
        return length > 300 || (paragraphs > 1 && length > 120)
    }

    /// Word's vertical merges as row spans: each `continue` cell extends the cell above it.
    mutating func resolveVerticalMerges() {
        var origin: [Int: (row: Int, cell: Int)] = [:]  // grid column → the cell a merge started at
        var removed: [(row: Int, cell: Int)] = []
        for r in rows.indices {
            var column = rows[r].skipBefore
            for k in rows[r].cells.indices {
                let cell = rows[r].cells[k]
                switch cell.verticalMerge {
                case .restart?:
                    origin[column] = (r, k)
                case .continue?:
                    if let o = origin[column] {
                        rows[o.row].cells[o.cell].rowspan += 1
                        removed.append((r, k))
                    }
                case nil:
                    origin[column] = nil
                }
                column += cell.colspan
            }
        }
        for (r, k) in removed.reversed() { rows[r].cells.remove(at: k) }
        for r in rows.indices { for k in rows[r].cells.indices { rows[r].cells[k].verticalMerge = nil } }
    }

    /// The table as content: one `.row` per row with merged cells laid out as described
    /// above; a row that holds a page's content (a layout table) gives its cells' paragraphs
    /// and nested rows instead.
    public func render() -> [MarkupContent] {
        var table = self
        if rows.contains(where: { $0.cells.contains { $0.verticalMerge != nil } }) { table.resolveVerticalMerges() }
        let rows = table.rows
        // One column (a box around a title, a value, a page): its paragraphs, each a line.
        if rows.allSatisfy({ $0.cells.filter { !$0.text.isBlankText }.count <= 1 }) {
            return rows.flatMap { $0.cells.flatMap(\.items) }
        }
        // Markup that claims a huge grid (thousands of rows of cells a thousand columns wide,
        // a 300 KB page asking for millions of cells) is no report table: its rows are read
        // cell by cell, spans ignored, so memory and time stay in proportion to the page.
        let widest = rows.map { r in r.cells.reduce(r.skipBefore) { $0 + $1.colspan } }.max() ?? 0
        let spanning = rows.reduce(0) { sum, r in sum + r.cells.filter { $0.rowspan != 1 }.reduce(0) { $0 + $1.colspan } }
        if rows.count * min(Self.maxColumns, widest + spanning) > Self.maxGridCells {
            return rows.flatMap { row -> [MarkupContent] in
                if row.cells.contains(where: { Self.isContent($0) }) { return row.cells.flatMap(\.items) }
                return [.row(row.cells.map { $0.text.isBlankText ? "" : $0.text }, line: row.line)]
            }
        }
        // Place every cell on the grid (the HTML table model): cover[row][column] = cell id.
        var cells: [(row: Int, column: Int, cell: Cell)] = []
        var cover: [[Int?]] = Array(repeating: [], count: rows.count)
        func set(_ r: Int, _ c: Int, _ id: Int) {
            while cover[r].count <= c { cover[r].append(nil) }
            cover[r][c] = id
        }
        for (r, row) in rows.enumerated() {
            var c = row.skipBefore
            for cell in row.cells {
                while c < cover[r].count, cover[r][c] != nil { c += 1 }
                // No report table is this wide: markup that claims it is is not laid out further.
                if c + cell.colspan > Self.maxColumns { break }
                let id = cells.count
                cells.append((r, c, cell))
                let down = cell.rowspan == 0 ? rows.count - r : min(cell.rowspan, rows.count - r)
                for dr in 0..<max(1, down) {
                    for dc in 0..<cell.colspan { set(r + dr, c + dc, id) }
                }
                c += cell.colspan
            }
        }
        // The cells were placed row by row: each row's own cells are together, from
        // `firstCell[r]` to `firstCell[r + 1]`. Each cell's text is joined once.
        var firstCell = [Int](repeating: cells.count, count: rows.count + 1)
        for id in cells.indices.reversed() { firstCell[cells[id].row] = id }
        for r in stride(from: rows.count - 1, through: 0, by: -1) { firstCell[r] = min(firstCell[r], firstCell[r + 1]) }
        let texts = cells.map { $0.cell.text }
        var out: [MarkupContent] = []
        for (r, row) in rows.enumerated() {
            let own = firstCell[r]..<firstCell[r + 1]
            if own.contains(where: { Self.isContent(cells[$0].cell, text: texts[$0]) }) {
                for id in own { out += cells[id].cell.items }
                continue
            }
            var line: [String] = []
            for (c, id) in cover[r].enumerated() {
                guard let id else { line.append(""); continue }
                let (r0, c0, _) = cells[id]
                let text = texts[id]
                if text.isBlankText {
                    line.append("")
                } else if c == c0 {
                    line.append(r == r0 ? text : "")
                }
            }
            out.append(.row(line, line: row.line))
        }
        return out
    }
}

/// Builds content from a stream of markup events: text, paragraph breaks, and the
/// opening and closing of tables, rows and cells. Tolerates what real pages do:
/// unclosed cells and rows, cells outside rows, text between rows, unclosed tables.
public struct MarkupBuilder {
    struct OpenTable {
        var table = MarkupTable()
        var row: MarkupTable.Row?
        var cell: MarkupTable.Cell?
        /// Text found in a table outside its cells: shown before the table, as browsers do.
        var before: [MarkupContent] = []
    }

    public private(set) var output: [MarkupContent] = []
    var tables: [OpenTable] = []
    var paragraph = ""
    var paragraphLine = 0

    public init() {}

    public var inTable: Bool { !tables.isEmpty }

    /// Whether text now goes into a table cell.
    public var inCell: Bool { tables.last?.cell != nil }

    /// Adds text to the current paragraph; `line` is where it starts in the source.
    public mutating func text(_ s: String, line: Int) {
        if paragraph.isEmpty {
            guard s.unicodeScalars.contains(where: { !TextClass.isSpace($0.value) && $0 != "\n" && $0 != "\r" }) else { return }
            paragraphLine = line
        }
        paragraph += s
    }

    /// Ends the current paragraph (a block element, a line break).
    public mutating func breakParagraph() {
        if paragraph.isEmpty { return }  // (most breaks: block after block)
        let text = paragraph.trimmed
        paragraph = ""
        guard !text.isEmpty else { return }
        add(.paragraph(text, line: paragraphLine))
    }

    mutating func add(_ item: MarkupContent) {
        guard !tables.isEmpty else { output.append(item); return }
        if tables[tables.count - 1].cell != nil {
            tables[tables.count - 1].cell!.items.append(item)
        } else {
            tables[tables.count - 1].before.append(item)
        }
    }

    mutating func add(_ items: [MarkupContent]) {
        for item in items { add(item) }
    }

    public mutating func openTable() {
        breakParagraph()
        tables.append(OpenTable())
    }

    public mutating func closeTable() {
        guard !tables.isEmpty else { breakParagraph(); return }
        closeRow()
        let open = tables.removeLast()
        add(open.before + open.table.render())
    }

    public mutating func openRow(line: Int) {
        guard !tables.isEmpty else { breakParagraph(); return }
        closeRow()
        tables[tables.count - 1].row = MarkupTable.Row(line: line)
    }

    public mutating func closeRow() {
        guard !tables.isEmpty else { breakParagraph(); return }
        closeCell()
        if let row = tables[tables.count - 1].row {
            tables[tables.count - 1].table.rows.append(row)
            tables[tables.count - 1].row = nil
        }
    }

    public mutating func setSkipBefore(_ n: Int) {
        guard !tables.isEmpty, tables[tables.count - 1].row != nil else { return }
        tables[tables.count - 1].row!.skipBefore = max(0, min(n, 1000))
    }

    public mutating func openCell(_ cell: MarkupTable.Cell, line: Int) {
        guard !tables.isEmpty else { breakParagraph(); return }
        closeCell()
        if tables[tables.count - 1].row == nil { tables[tables.count - 1].row = MarkupTable.Row(line: line) }
        tables[tables.count - 1].cell = cell
    }

    /// Changes the open cell's spans (Word gives them after the cell opens).
    public mutating func updateCell(_ change: (inout MarkupTable.Cell) -> Void) {
        guard !tables.isEmpty, tables[tables.count - 1].cell != nil else { return }
        change(&tables[tables.count - 1].cell!)
    }

    public mutating func closeCell() {
        guard !tables.isEmpty else { breakParagraph(); return }
        breakParagraph()
        if let cell = tables[tables.count - 1].cell {
            tables[tables.count - 1].row?.cells.append(cell)
            tables[tables.count - 1].cell = nil
        }
    }

    /// Closes whatever is still open and returns the content.
    public mutating func finish() -> [MarkupContent] {
        breakParagraph()
        while !tables.isEmpty { closeTable() }
        return output
    }
}

extension String {
    /// Nothing but whitespace (including non-breaking and ideographic spaces).
    var isBlankText: Bool {
        unicodeScalars.allSatisfy { TextClass.isSpace($0.value) || $0 == "\n" || $0 == "\r" }
    }
}
