//! Tables of a report: named columns with a unit, rows of text and numbers. Each is written
//! as an RFC 4180 CSV file (raw numbers in their shortest round-trip form, for spreadsheets
//! and scripts) and shown in report.html (numbers in their column's unit, for people).

use super::dump::csv_field;
use super::format::Format;

/// One column: its CSV header, its heading in the HTML page, and the unit of its numbers.
#[derive(Debug, Clone)]
pub struct Column {
    pub key: String,
    pub heading: String,
    pub format: Format,
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::Text(text.to_string())
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::Text(text)
    }
}

impl From<f64> for Cell {
    fn from(value: f64) -> Self {
        Cell::Number(value)
    }
}

/// A table, written as `<name>.csv`.
#[derive(Debug, Clone)]
pub struct Table {
    /// File stem.
    pub name: String,
    pub title: String,
    pub columns: Vec<Column>,
    /// Each as long as `columns`.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// An empty table with no columns.
    pub fn new(name: impl Into<String>, title: impl Into<String>) -> Self {
        Table {
            name: name.into(),
            title: title.into(),
            columns: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// Adds a column: CSV header `key`, HTML heading `heading`, numbers shown as `format`.
    pub fn column(&mut self, key: impl Into<String>, heading: impl Into<String>, format: Format) {
        self.columns.push(Column {
            key: key.into(),
            heading: heading.into(),
            format,
        });
    }

    /// Adds a row, one cell per column.
    pub fn row(&mut self, cells: Vec<Cell>) {
        debug_assert_eq!(cells.len(), self.columns.len(), "table {}", self.name);
        self.rows.push(cells);
    }

    /// The file name, `<name>.csv`.
    pub fn file_name(&self) -> String {
        format!("{}.csv", self.name)
    }

    /// The CSV text: a header of the column keys, then the rows (records end in LF).
    pub fn to_csv(&self) -> String {
        let mut csv = String::new();
        let header: Vec<String> = self.columns.iter().map(|c| csv_field(&c.key)).collect();
        csv.push_str(&header.join(","));
        csv.push('\n');
        for row in &self.rows {
            let fields: Vec<String> = row
                .iter()
                .map(|cell| match cell {
                    Cell::Text(text) => csv_field(text),
                    Cell::Number(value) => value.to_string(),
                })
                .collect();
            csv.push_str(&fields.join(","));
            csv.push('\n');
        }
        csv
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_text_and_keeps_numbers_exact() {
        let mut table = Table::new("t", "T");
        table.column("name", "Name", Format::Number);
        table.column("value", "Value", Format::Usd);
        table.row(vec!["a,b".into(), 0.1.into()]);
        table.row(vec!["plain".into(), 2.5e9.into()]);
        assert_eq!(
            table.to_csv(),
            "name,value\n\"a,b\",0.1\nplain,2500000000\n"
        );
        assert_eq!(table.file_name(), "t.csv");
    }
}
