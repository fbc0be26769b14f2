//! Tables of a report: named columns with a unit, rows of text and numbers. Each is written
//! as an RFC 4180 CSV file (raw numbers in their shortest round-trip form, for spreadsheets
//! and scripts) and shown in report.html (numbers in their column's unit, for people). A
//! table too wide for a page is shown as [`View`]s: narrower tables of chosen columns (and
//! rows), each led by the table's first column, while its CSV keeps every column.

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
    /// A measure that does not apply to the row (the liquidations of a fund that is never
    /// liquidated): an empty CSV field, "–" on the page.
    NotApplicable,
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
    /// How the page shows the table; none: whole.
    pub views: Vec<View>,
}

/// Part of a table shown on the page as a table of its own.
#[derive(Debug, Clone)]
pub struct View {
    pub title: String,
    /// Indices into the table's columns, its first column first.
    pub columns: Vec<usize>,
    /// Indices into the table's rows; `None`: all of them.
    pub rows: Option<Vec<usize>>,
}

impl Table {
    /// An empty table with no columns.
    pub fn new(name: impl Into<String>, title: impl Into<String>) -> Self {
        Table {
            name: name.into(),
            title: title.into(),
            columns: Vec::new(),
            rows: Vec::new(),
            views: Vec::new(),
        }
    }

    /// Shows the columns `keys` (after the first column) as a table titled `title`, of the
    /// rows for which `keep` holds (given the row's first cell).
    pub fn view(&mut self, title: impl Into<String>, keys: &[&str], keep: impl Fn(&Cell) -> bool) {
        let mut columns = vec![0];
        for key in keys {
            let index = self.columns.iter().position(|c| c.key == *key);
            debug_assert!(index.is_some(), "table {} has no column {key}", self.name);
            columns.extend(index);
        }
        let rows: Vec<usize> = (0..self.rows.len())
            .filter(|&r| keep(&self.rows[r][0]))
            .collect();
        let rows = (rows.len() < self.rows.len()).then_some(rows);
        self.views.push(View {
            title: title.into(),
            columns,
            rows,
        });
    }

    /// The views the page shows: the table's own, or one of the whole table.
    pub fn page_views(&self) -> Vec<View> {
        if self.views.is_empty() {
            vec![View {
                title: self.title.clone(),
                columns: (0..self.columns.len()).collect(),
                rows: None,
            }]
        } else {
            self.views.clone()
        }
    }

    /// The cells of column `column` in rows `rows`, as shown on a page: numbers in the
    /// column's format with one number of decimals for the column.
    pub fn shown_column(&self, column: usize, rows: &[usize]) -> Vec<String> {
        let format = self.columns[column].format;
        let numbers: Vec<f64> = rows
            .iter()
            .filter_map(|&r| match self.rows[r][column] {
                Cell::Number(value) => Some(value),
                Cell::Text(_) | Cell::NotApplicable => None,
            })
            .collect();
        let mut shown = format.column(&numbers).into_iter();
        rows.iter()
            .map(|&r| match &self.rows[r][column] {
                Cell::Text(text) => text.clone(),
                Cell::Number(_) => shown.next().unwrap_or_default(),
                Cell::NotApplicable => "–".to_string(),
            })
            .collect()
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
                    Cell::NotApplicable => String::new(),
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

    #[test]
    fn views_show_chosen_columns_and_rows_with_one_format_per_column() {
        let mut table = Table::new("t", "T");
        table.column("name", "Name", Format::Number);
        table.column("ret", "Return", Format::Percent);
        table.column("usd", "Money", Format::Usd);
        table.row(vec!["a".into(), (-0.00602).into(), 1e8.into()]);
        table.row(vec!["b".into(), 0.05377.into(), 1.43e10.into()]);
        table.row(vec!["c".into(), (-0.0008889).into(), 5.0.into()]);
        assert_eq!(table.page_views().len(), 1, "whole without views");
        table.view("Returns", &["ret"], |_| true);
        table.view("Money", &["usd"], |name| name != &Cell::from("c"));
        let views = table.page_views();
        assert_eq!(views[0].columns, [0, 1]);
        assert_eq!(views[0].rows, None);
        assert_eq!(views[1].columns, [0, 2]);
        assert_eq!(views[1].rows, Some(vec![0, 1]));
        assert_eq!(
            table.shown_column(1, &[0, 1, 2]),
            ["-0.60%", "5.38%", "-0.09%"]
        );
        assert_eq!(table.shown_column(0, &[2]), ["c"]);
        assert!(
            table.to_csv().contains("c,-0.0008889,5\n"),
            "the CSV keeps all"
        );
    }
}
