//! The replay's CSV of exogenous moves (`firesale replay --shocks FILE.csv`).
//!
//! A header row, then one row per step: a `step` column holding 1, 2, …, T in order, one
//! column per asset (named as in the scenario) with that step's exogenous **log**-return, and
//! an optional `regime` column (`calm` or `stress`; calm when the column is absent). Assets
//! left out move 0. Blank lines and lines starting with `#` are skipped (comments). The file
//! is read by the `csv` crate as RFC 4180 says (quoted fields, newlines inside quotes, CRLF),
//! after a UTF-8 byte-order mark if it starts with one (as Excel writes). Every problem is a
//! usage error naming the file, line and column.

use std::path::Path;

use clap::ValueEnum;

use super::input::{self, Regime};
use crate::engine::cpu::exogenous::GivenPath;
use crate::model::Model;
use crate::scenario::check::{self, Bounds};
use crate::{Error, Result};

/// Reads and parses the shocks file at `path` for `model`.
pub fn load(path: &Path, model: &Model) -> Result<GivenPath> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, model, &path.display().to_string())
}

/// What a header column holds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Column {
    Step,
    Regime,
    Asset(usize),
}

/// Parses shocks CSV `text` for `model`; `origin` names the file in errors.
pub fn parse(text: &str, model: &Model, origin: &str) -> Result<GivenPath> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let fail = |line: u64, message: String| {
        Error::Usage(format!("--shocks {origin}: line {line}: {message}"))
    };
    if let Some(line) = unclosed_quote(text) {
        return Err(fail(line, "a quoted field is not closed".to_string()));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let mut records = reader
        .records()
        .map(|record| record.map_err(|error| csv_error(&error, origin)))
        .filter(|record| !record.as_ref().is_ok_and(is_blank));
    let Some(header) = records.next().transpose()? else {
        return Err(Error::Usage(format!(
            "--shocks {origin}: no header row; expected e.g. 'step,regime,{}'",
            model.assets[0].name
        )));
    };
    let header_line = line_of(&header);
    let names: Vec<&str> = header.iter().collect();
    let columns = header_columns(model, &names).map_err(|m| fail(header_line, m))?;

    let mut path = GivenPath {
        stress: Vec::new(),
        log_returns: Vec::new(),
    };
    for record in records {
        let record = record?;
        let line = line_of(&record);
        if record.len() != columns.len() {
            return Err(fail(
                line,
                format!(
                    "{} fields where the header has {} columns",
                    record.len(),
                    columns.len()
                ),
            ));
        }
        let expected_step = path.steps() + 1;
        let mut stress = false;
        let mut log_returns = vec![0.0; model.assets.len()];
        for (i, (column, field)) in columns.iter().zip(record.iter()).enumerate() {
            let at = |message: String| fail(line, format!("{message} (column {})", i + 1));
            match *column {
                Column::Step => {
                    if field.parse::<usize>().ok() != Some(expected_step) {
                        return Err(at(format!(
                            "step '{field}' where step {expected_step} was due: steps must be 1, 2, 3, … in order, one row each"
                        )));
                    }
                }
                Column::Regime => {
                    stress = Regime::from_str(field, false)
                        .map_err(|_| {
                            at(format!(
                                "regime '{field}': valid: {}",
                                input::names::<Regime>().join(", ")
                            ))
                        })?
                        .is_stress();
                }
                Column::Asset(k) => {
                    log_returns[k] = field
                        .parse::<f64>()
                        .ok()
                        .filter(|x| LOG_RETURN.contains(*x))
                        .ok_or_else(|| {
                            at(format!(
                                "{}: '{field}' is not a log-return in {} (e.g. -0.05)",
                                names[i], LOG_RETURN.text
                            ))
                        })?;
                }
            }
        }
        path.stress.push(stress);
        path.log_returns.push(log_returns);
    }
    if path.steps() == 0 {
        return Err(Error::Usage(format!(
            "--shocks {origin}: no rows after the header; give one row per step"
        )));
    }
    Ok(path)
}

/// The range of a step's log-return: e^±10, a move by a factor of 22000.
const LOG_RETURN: Bounds = check::LOG_MOVE;

/// The line where a quoted field opens and never closes (the reader would take the rest of
/// the file as that field); comment lines outside quotes are skipped.
fn unclosed_quote(text: &str) -> Option<u64> {
    let mut open_at = None;
    for (line, content) in (1..).zip(text.lines()) {
        if open_at.is_none() && content.trim_start().starts_with('#') {
            continue;
        }
        for _ in content.chars().filter(|&c| c == '"') {
            open_at = match open_at {
                None => Some(line),
                Some(_) => None,
            };
        }
    }
    open_at
}

/// A record that holds nothing but blanks (a line of spaces).
fn is_blank(record: &csv::StringRecord) -> bool {
    record.iter().all(str::is_empty)
}

/// The line a record starts on (1-based).
fn line_of(record: &csv::StringRecord) -> u64 {
    record.position().map_or(0, |position| position.line())
}

/// A CSV reader's error as one line naming the file, the line and, where known, the column.
fn csv_error(error: &csv::Error, origin: &str) -> Error {
    let line = error.position().map_or(0, |position| position.line());
    let what = match error.kind() {
        csv::ErrorKind::Utf8 { err, .. } => {
            format!("column {}: not UTF-8 text", err.field() + 1)
        }
        csv::ErrorKind::Io(error) => format!("cannot read it: {error}"),
        _ => error.to_string(),
    };
    Error::Usage(format!("--shocks {origin}: line {line}: {what}"))
}

/// The header's columns: `step` once, `regime` at most once, else distinct asset names.
fn header_columns(model: &Model, names: &[&str]) -> Result<Vec<Column>, String> {
    let mut columns = Vec::with_capacity(names.len());
    for &name in names {
        let column = match name {
            "step" => Column::Step,
            "regime" => Column::Regime,
            asset => Column::Asset(
                model
                    .assets
                    .iter()
                    .position(|a| a.name == asset)
                    .ok_or_else(|| {
                        let assets: Vec<&str> =
                            model.assets.iter().map(|a| a.name.as_str()).collect();
                        format!(
                            "unknown column '{asset}': columns are step, regime and asset names ({})",
                            assets.join(", ")
                        )
                    })?,
            ),
        };
        if columns.contains(&column) {
            return Err(format!("column '{name}' appears twice"));
        }
        columns.push(column);
    }
    if !columns.contains(&Column::Step) {
        return Err("no 'step' column".to_string());
    }
    Ok(columns)
}
