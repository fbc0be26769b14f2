//! The one table type: named columns with a unit, rows of text and numbers. A table is
//! printed on the terminal as aligned text ([`Table::to_text`]), written as an RFC 4180 CSV
//! file (raw numbers in their shortest round-trip form, for spreadsheets and scripts) and shown
//! in report.html (numbers in their column's unit, for people). A table is built only by
//! [`Table::of`] over its items, each column defined once beside the value it shows, so that
//! no row can be ragged. A table too wide for a page is shown as [`View`]s: narrower tables of
//! chosen columns (and rows), each led by the table's first column, while its CSV keeps every
//! column.

use super::dump::csv_field;
use super::format::Format;

/// One column: its CSV header, its heading on the terminal and in the HTML page, and the unit
/// of its numbers.
#[derive(Debug, Clone)]
pub struct Column {
    pub key: String,
    pub heading: String,
    pub format: Format,
    /// Numbers shown value by value ([`Format::show`]) rather than with one number of
    /// decimals for the whole column ([`Format::column`]): for shares that span magnitudes.
    pub per_value: bool,
    /// Text aligned right on the terminal, as numbers are: for figures written out as text
    /// (`step 24`, `0.65% to 1.5%`).
    pub right: bool,
}

/// A table being built column by column over its items (one row each): every column is
/// defined once beside its value and gives a cell for every item, so no row can be ragged.
pub struct Columns<'a, T> {
    items: &'a [T],
    table: Table,
}

impl<T> Columns<'_, T> {
    /// A column of numbers: CSV header `key`, heading `heading`, shown as `format`, the
    /// `value` of each item (a number, or `None` where the measure does not apply).
    pub fn number<C: Into<Cell>>(
        mut self,
        key: impl Into<String>,
        heading: impl Into<String>,
        format: Format,
        value: impl Fn(&T) -> C,
    ) -> Self {
        self.table.columns.push(Column {
            key: key.into(),
            heading: heading.into(),
            format,
            per_value: false,
            right: false,
        });
        for (row, item) in self.table.rows.iter_mut().zip(self.items) {
            row.push(value(item).into());
        }
        self
    }

    /// A column of text.
    pub fn text(
        self,
        key: impl Into<String>,
        heading: impl Into<String>,
        value: impl Fn(&T) -> String,
    ) -> Self {
        self.number(key, heading, Format::Number, value)
    }

    /// Shows each number of the last column on its own ([`Column::per_value`]).
    pub fn per_value(mut self) -> Self {
        if let Some(column) = self.table.columns.last_mut() {
            column.per_value = true;
        }
        self
    }

    /// Aligns the text of the last column right ([`Column::right`]).
    pub fn right(mut self) -> Self {
        if let Some(column) = self.table.columns.last_mut() {
            column.right = true;
        }
        self
    }

    pub fn table(self) -> Table {
        self.table
    }
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

/// A number, or [`Cell::NotApplicable`] where there is none.
impl From<Option<f64>> for Cell {
    fn from(value: Option<f64>) -> Self {
        value.map_or(Cell::NotApplicable, Cell::Number)
    }
}

/// A table, written as `<name>.csv`; its cells are read through [`Table::columns`] and
/// [`Table::rows`], and written only by [`Table::of`].
#[derive(Debug, Clone)]
pub struct Table {
    /// File stem.
    pub name: String,
    pub title: String,
    columns: Vec<Column>,
    /// Each as long as `columns`.
    rows: Vec<Vec<Cell>>,
    /// How the page shows the table; none: whole.
    views: Vec<View>,
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
    /// A table of a row per item of `items`, its columns to be added by [`Columns`].
    pub fn of<T>(name: impl Into<String>, title: impl Into<String>, items: &[T]) -> Columns<'_, T> {
        let table = Table {
            name: name.into(),
            title: title.into(),
            columns: Vec::new(),
            rows: vec![Vec::new(); items.len()],
            views: Vec::new(),
        };
        Columns { items, table }
    }

    /// The columns, in order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The rows, each a cell per column.
    pub fn rows(&self) -> &[Vec<Cell>] {
        &self.rows
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
        let Column {
            format, per_value, ..
        } = self.columns[column];
        let numbers: Vec<f64> = rows
            .iter()
            .filter_map(|&r| match self.rows[r][column] {
                Cell::Number(value) => Some(value),
                Cell::Text(_) | Cell::NotApplicable => None,
            })
            .collect();
        let shown = if per_value {
            numbers.iter().map(|&value| format.show(value)).collect()
        } else {
            format.column(&numbers)
        };
        let mut shown = shown.into_iter();
        rows.iter()
            .map(|&r| match &self.rows[r][column] {
                Cell::Text(text) => text.clone(),
                Cell::Number(_) => shown.next().unwrap_or_default(),
                Cell::NotApplicable => "–".to_string(),
            })
            .collect()
    }

    /// The table as aligned text for the terminal: a line of headings, then a line per row,
    /// each cell two spaces after the last and the lines indented by two; columns of text
    /// left-aligned (unless [`Column::right`]), columns of numbers right-aligned, numbers as
    /// on the page.
    pub fn to_text(&self) -> String {
        let all: Vec<usize> = (0..self.rows.len()).collect();
        let columns: Vec<(bool, Vec<String>)> = (0..self.columns.len())
            .map(|c| {
                let numeric = self.columns[c].right
                    || self.rows.iter().any(|row| !matches!(row[c], Cell::Text(_)));
                let mut shown = vec![self.columns[c].heading.clone()];
                shown.extend(self.shown_column(c, &all));
                (numeric, shown)
            })
            .collect();
        let widths: Vec<usize> = columns
            .iter()
            .map(|(_, shown)| shown.iter().map(|s| s.chars().count()).max().unwrap_or(0))
            .collect();
        let mut text = String::new();
        for line in 0..=self.rows.len() {
            let mut out = String::new();
            for ((numeric, shown), width) in columns.iter().zip(&widths) {
                let cell = &shown[line];
                let pad = " ".repeat(width - cell.chars().count());
                if *numeric {
                    out.push_str(&format!("  {pad}{cell}"));
                } else {
                    out.push_str(&format!("  {cell}{pad}"));
                }
            }
            text.push_str(out.trim_end());
            text.push('\n');
        }
        text
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
        let rows = [("a,b", 0.1), ("plain", 2.5e9)];
        let table = Table::of("t", "T", &rows)
            .text("name", "Name", |r| r.0.to_string())
            .number("value", "Value", Format::Usd, |r| r.1)
            .table();
        assert_eq!(
            table.to_csv(),
            "name,value\n\"a,b\",0.1\nplain,2500000000\n"
        );
        assert_eq!(table.file_name(), "t.csv");
    }

    #[test]
    fn views_show_chosen_columns_and_rows_with_one_format_per_column() {
        let rows = [
            ("a", -0.00602, 1e8),
            ("b", 0.05377, 1.43e10),
            ("c", -0.0008889, 5.0),
        ];
        let mut table = Table::of("t", "T", &rows)
            .text("name", "Name", |r| r.0.to_string())
            .number("ret", "Return", Format::Percent, |r| r.1)
            .number("usd", "Money", Format::Usd, |r| r.2)
            .table();
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

    #[test]
    fn the_terminal_aligns_text_left_and_numbers_right() {
        let rows = [("long name", Some(0.125), 0.98), ("b", None, -2.7)];
        let table = Table::of("t", "T", &rows)
            .text("name", "name", |r| r.0.to_string())
            .number("ret", "return", Format::Percent, |r| r.1)
            .number("share", "share", Format::Percent, |r| r.2)
            .per_value()
            .table();
        assert_eq!(
            table.to_text(),
            "  name       return  share\n  long name   12.5%    98%\n  b               –  -270%\n"
        );
    }
}
