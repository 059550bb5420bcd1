/// A table aggregate decides on and render draws: what it holds, never how it looks.
public struct Table: Equatable, Sendable {
    public struct Column: Equatable, Sendable {
        /// Stable machine id: the CSV header.
        public var id: String
        /// Human label (Chinese where the report is): the Markdown header.
        public var label: String
        /// `text`, `integer`, `number` (exact decimal), `rate` (a percentage).
        public var type: String

        public init(_ id: String, _ label: String, _ type: String = "text") {
            self.id = id
            self.label = label
            self.type = type
        }
    }

    /// File stem of the outputs (`inventory` → `inventory.csv`, `inventory.md`).
    public var name: String
    public var title: String
    /// One paragraph saying what the table holds, shown above it.
    public var description: String
    public var columns: [Column]
    /// Cells in column order: strings, exact numbers, or null for blank.
    public var rows: [[JSON]]

    public init(name: String, title: String, description: String, columns: [Column], rows: [[JSON]]) {
        self.name = name
        self.title = title
        self.description = description
        self.columns = columns
        self.rows = rows
    }

    public var json: JSON {
        .object([
            "schema": .string(Schema.table),
            "name": .string(name),
            "title": .string(title),
            "description": .string(description),
            "columns": .array(columns.map { .object(["id": .string($0.id), "label": .string($0.label), "type": .string($0.type)]) }),
            "rows": .array(rows.map(JSON.array)),
        ])
    }

    public init(json o: [String: JSON]) throws {
        guard let name = o["name"]?.stringValue else { throw StageFailure("table record has no \"name\"") }
        self.name = name
        title = o["title"]?.stringValue ?? name
        description = o["description"]?.stringValue ?? ""
        columns = (o["columns"]?.arrayValue ?? []).map {
            Column($0["id"]?.stringValue ?? "", $0["label"]?.stringValue ?? "", $0["type"]?.stringValue ?? "text")
        }
        rows = (o["rows"]?.arrayValue ?? []).map { $0.arrayValue ?? [] }
    }
}
