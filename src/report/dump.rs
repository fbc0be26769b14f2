//! `--dump-paths N FILE`: per-path metrics of the first N paths as RFC 4180 CSV, floats in
//! their shortest round-trip form, so rows can be checked against another implementation.
//! Records end in a bare LF (which RFC 4180 readers accept) so line tools see clean ends.

use crate::model::Model;
use crate::summary::metrics::MetricLayout;

/// The CSV text: header `path,<cohort>.loss,…,system.forced_selling`, one row per path.
pub fn paths_csv(model: &Model, first_path: u64, rows: &[Vec<f64>]) -> String {
    let layout = MetricLayout::new(model);
    let mut csv = String::from("path");
    for name in layout.column_names(model) {
        csv.push(',');
        csv.push_str(&csv_field(&name));
    }
    csv.push('\n');
    for (offset, row) in rows.iter().enumerate() {
        csv.push_str(&(first_path + offset as u64).to_string());
        for value in row {
            csv.push(',');
            csv.push_str(&value.to_string());
        }
        csv.push('\n');
    }
    csv
}

/// Quotes a field when RFC 4180 requires it.
pub(crate) fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}
