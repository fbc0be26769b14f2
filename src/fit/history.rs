//! Reading a price history: `timestamp,NAME1,NAME2,…` then one row per observation (an RFC 3339
//! timestamp, then each asset's price, an empty cell for a missing one), streamed row by row.
//! Every defect is one line naming the file, line and column and the fix (exit status 2).

use std::path::Path;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::{Error, Result};

/// Fewest complete steps (returns of every asset) the fit accepts per asset, and overall.
pub const MIN_STEPS_PER_ASSET: usize = 20;
pub const MIN_STEPS: usize = 100;

/// A validated, evenly spaced price history.
#[derive(Debug, Clone)]
pub struct History {
    /// Asset names, in column order.
    pub names: Vec<String>,
    /// Hours between consecutive rows (a whole number, at least 1).
    pub step_hours: f64,
    /// Unix seconds of each row.
    pub timestamps: Vec<i64>,
    /// Rows × assets, row-major; NaN where the cell was empty.
    pub prices: Vec<f64>,
    /// Empty cells per asset.
    pub missing_prices: Vec<usize>,
}

impl History {
    pub fn rows(&self) -> usize {
        self.timestamps.len()
    }

    pub fn assets(&self) -> usize {
        self.names.len()
    }

    /// Price of `asset` at `row` (NaN when missing).
    pub fn price(&self, row: usize, asset: usize) -> f64 {
        self.prices[row * self.assets() + asset]
    }

    /// The last observed price of each asset (the last row's, unless that cell is empty).
    pub fn last_prices(&self) -> Vec<f64> {
        (0..self.assets())
            .map(|k| {
                (0..self.rows())
                    .rev()
                    .map(|row| self.price(row, k))
                    .find(|p| !p.is_nan())
                    .unwrap_or(f64::NAN)
            })
            .collect()
    }

    /// Log-returns of each step (row t−1 → t), steps × assets, row-major; NaN where either
    /// price is missing (the return across a gap is dropped).
    pub fn log_returns(&self) -> Vec<f64> {
        let k = self.assets();
        let mut returns = Vec::with_capacity(self.rows().saturating_sub(1) * k);
        for row in 1..self.rows() {
            for asset in 0..k {
                returns.push((self.price(row, asset) / self.price(row - 1, asset)).ln());
            }
        }
        returns
    }

    /// RFC 3339 text of a row's timestamp.
    pub fn timestamp_text(&self, row: usize) -> String {
        OffsetDateTime::from_unix_timestamp(self.timestamps[row])
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_default()
    }
}

/// One line naming the place and the fix.
fn bad(path: &Path, line: u64, column: usize, message: impl std::fmt::Display) -> Error {
    Error::Usage(format!("{}:{line}:{column}: {message}", path.display()))
}

/// Reads and validates the price history at `path`.
pub fn read(path: &Path) -> Result<History> {
    let file = std::fs::File::open(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    read_from(std::io::BufReader::new(file), path)
}

/// Reads and validates a price history from `source` (CSV text as [`read`] takes it);
/// `path` names it in errors.
pub fn read_from(source: impl std::io::Read, path: &Path) -> Result<History> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(source);
    let mut records = reader.records();
    let csv_error = |error: csv::Error| {
        let line = error.position().map_or(0, |p| p.line());
        bad(
            path,
            line,
            1,
            format!("not a readable CSV row ({error}); fix: save the file as UTF-8 CSV"),
        )
    };

    let header = match records.next() {
        Some(record) => record.map_err(csv_error)?,
        None => {
            return Err(bad(
                path,
                1,
                1,
                "the file is empty; fix: start with a header `timestamp,NAME1,NAME2,…`",
            ));
        }
    };
    let names = read_header(path, &header)?;
    let k = names.len();

    let mut history = History {
        names,
        step_hours: 0.0,
        timestamps: Vec::new(),
        prices: Vec::new(),
        missing_prices: vec![0; k],
    };
    let mut line = 1;
    for record in records {
        let record = record.map_err(csv_error)?;
        line = record.position().map_or(line + 1, |p| p.line());
        if record.len() != k + 1 {
            return Err(bad(
                path,
                line,
                record.len().min(k + 1) + 1,
                format!(
                    "{} cells where the header has {}; fix: one timestamp and {k} prices (empty for a missing one) per row",
                    record.len(),
                    k + 1
                ),
            ));
        }
        let timestamp = read_timestamp(path, line, &record[0])?;
        check_spacing(path, line, &mut history, timestamp)?;
        history.timestamps.push(timestamp);
        for (asset, cell) in record.iter().skip(1).enumerate() {
            let price = read_price(path, line, asset + 2, cell)?;
            if price.is_nan() {
                history.missing_prices[asset] += 1;
            }
            history.prices.push(price);
        }
    }
    check_enough(path, line, &history)?;
    Ok(history)
}

fn read_header(path: &Path, header: &csv::StringRecord) -> Result<Vec<String>> {
    if header.get(0).map(str::trim) != Some("timestamp") {
        return Err(bad(
            path,
            1,
            1,
            "the first header cell must be `timestamp`; fix: start with a header `timestamp,NAME1,NAME2,…`",
        ));
    }
    if header.len() < 2 {
        return Err(bad(
            path,
            1,
            2,
            "no asset columns; fix: name one column per asset after `timestamp`",
        ));
    }
    let mut names: Vec<String> = Vec::new();
    for (index, name) in header.iter().enumerate().skip(1) {
        let name = name.trim();
        if name.is_empty() {
            return Err(bad(
                path,
                1,
                index + 1,
                "an empty asset name; fix: name every column",
            ));
        }
        if names.iter().any(|n| n == name) {
            return Err(bad(
                path,
                1,
                index + 1,
                format!("asset `{name}` appears twice; fix: give each column its own name"),
            ));
        }
        names.push(name.to_string());
    }
    Ok(names)
}

fn read_timestamp(path: &Path, line: u64, cell: &str) -> Result<i64> {
    OffsetDateTime::parse(cell.trim(), &Rfc3339)
        .map(OffsetDateTime::unix_timestamp)
        .map_err(|_| {
            bad(
                path,
                line,
                1,
                format!(
                    "`{cell}` is not an RFC 3339 timestamp; fix: write it as 2024-01-01T00:00:00Z"
                ),
            )
        })
}

/// The first spacing sets `step_hours` (a whole number of hours); every later one must equal it.
fn check_spacing(path: &Path, line: u64, history: &mut History, timestamp: i64) -> Result<()> {
    let Some(&previous) = history.timestamps.last() else {
        return Ok(());
    };
    let seconds = timestamp - previous;
    if seconds <= 0 {
        return Err(bad(
            path,
            line,
            1,
            "timestamp not after the previous row's; fix: sort the rows by time and remove duplicates",
        ));
    }
    if history.timestamps.len() == 1 {
        if seconds % 3600 != 0 {
            return Err(bad(
                path,
                line,
                1,
                format!(
                    "rows are {seconds} s apart, not a whole number of hours; fix: resample to an hourly, daily or other whole-hour grid"
                ),
            ));
        }
        history.step_hours = (seconds / 3600) as f64;
    } else if seconds as f64 != history.step_hours * 3600.0 {
        return Err(bad(
            path,
            line,
            1,
            format!(
                "rows are {} h apart here but {} h apart at the start (uneven spacing); fix: add the skipped rows with empty price cells",
                seconds as f64 / 3600.0,
                history.step_hours
            ),
        ));
    }
    Ok(())
}

/// A price: positive and finite, or NaN for an empty cell.
fn read_price(path: &Path, line: u64, column: usize, cell: &str) -> Result<f64> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(f64::NAN);
    }
    match cell.parse::<f64>() {
        Ok(price) if price.is_finite() && price > 0.0 => Ok(price),
        Ok(_) => Err(bad(
            path,
            line,
            column,
            format!(
                "price `{cell}` is not a positive finite number; fix: correct it, or leave the cell empty for a missing price"
            ),
        )),
        Err(_) => Err(bad(
            path,
            line,
            column,
            format!(
                "`{cell}` is not a number; fix: write a positive decimal, or leave the cell empty for a missing price"
            ),
        )),
    }
}

/// Every column must move, and there must be enough complete steps for the estimates.
fn check_enough(path: &Path, last_line: u64, history: &History) -> Result<()> {
    let k = history.assets();
    for asset in 0..k {
        let mut seen = (0..history.rows())
            .map(|row| history.price(row, asset))
            .filter(|p| !p.is_nan());
        let first = seen.next();
        if first.is_none() || seen.all(|p| Some(p) == first) {
            return Err(bad(
                path,
                1,
                asset + 2,
                format!(
                    "asset `{}` never changes price, so it has no volatility to fit; fix: drop the column",
                    history.names[asset]
                ),
            ));
        }
    }
    let returns = history.log_returns();
    let complete = returns
        .chunks(k)
        .filter(|step| step.iter().all(|r| !r.is_nan()))
        .count();
    let needed = MIN_STEPS.max(MIN_STEPS_PER_ASSET * k);
    if complete < needed {
        return Err(bad(
            path,
            last_line,
            1,
            format!(
                "only {complete} steps with every price present, the fit needs at least {needed} ({MIN_STEPS_PER_ASSET} per asset, at least {MIN_STEPS}); fix: supply a longer history or fewer assets"
            ),
        ));
    }
    Ok(())
}
