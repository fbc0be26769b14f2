//! The replay's CSV of exogenous moves (`firesale replay --shocks FILE.csv`).
//!
//! A header row, then one row per step: a `step` column holding 1, 2, …, T in order, one
//! column per asset (named as in the scenario) with that step's exogenous **log**-return, and
//! an optional `regime` column (`calm` or `stress`; calm when the column is absent). Assets
//! left out move 0. Blank lines and lines starting with `#` are skipped (comments); fields may
//! be quoted as RFC 4180 says. Every problem is a usage error naming the file, line and column.

use std::path::Path;

use crate::engine::cpu::exogenous::GivenPath;
use crate::model::Model;
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
    let fail = |line: usize, message: String| {
        Error::Usage(format!("--shocks {origin}: line {line}: {message}"))
    };
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| !line.trim().is_empty() && !line.trim_start().starts_with('#'));
    let Some((header_line, header)) = lines.next() else {
        return Err(Error::Usage(format!(
            "--shocks {origin}: no header row; expected e.g. 'step,regime,{}'",
            model.assets[0].name
        )));
    };
    let columns = header_columns(model, &split(header).map_err(|m| fail(header_line, m))?)
        .map_err(|m| fail(header_line, m))?;

    let mut path = GivenPath {
        stress: Vec::new(),
        log_returns: Vec::new(),
    };
    for (line, text) in lines {
        let fields = split(text).map_err(|m| fail(line, m))?;
        if fields.len() != columns.len() {
            return Err(fail(
                line,
                format!(
                    "{} fields where the header has {} columns",
                    fields.len(),
                    columns.len()
                ),
            ));
        }
        let expected_step = path.steps() + 1;
        let mut stress = false;
        let mut log_returns = vec![0.0; model.assets.len()];
        for (column, field) in columns.iter().zip(&fields) {
            match *column {
                Column::Step => {
                    if field.parse::<usize>().ok() != Some(expected_step) {
                        return Err(fail(
                            line,
                            format!(
                                "step '{field}' where step {expected_step} was due: steps must be 1, 2, 3, … in order, one row each"
                            ),
                        ));
                    }
                }
                Column::Regime => {
                    stress = match field.as_str() {
                        "calm" => false,
                        "stress" => true,
                        other => {
                            return Err(fail(
                                line,
                                format!("regime '{other}': valid: calm, stress"),
                            ));
                        }
                    }
                }
                Column::Asset(k) => {
                    log_returns[k] = field.parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| {
                        fail(
                            line,
                            format!(
                                "{}: '{field}' is not a log-return (a finite number, e.g. -0.05)",
                                model.assets[k].name
                            ),
                        )
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

/// The header's columns: `step` once, `regime` at most once, else distinct asset names.
fn header_columns(model: &Model, names: &[String]) -> Result<Vec<Column>, String> {
    let mut columns = Vec::with_capacity(names.len());
    for name in names {
        let column = match name.as_str() {
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

/// The fields of one CSV record, trimmed; `"…"` quotes a field (`""` inside is one `"`).
fn split(line: &str) -> Result<Vec<String>, String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let field = fields.last_mut().expect("there is always a current field");
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            (false, ',') => fields.push(String::new()),
            (_, c) => field.push(c),
        }
    }
    if quoted {
        return Err("a quoted field is not closed".to_string());
    }
    Ok(fields.iter().map(|f| f.trim().to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn fields_split_on_commas_and_honour_quotes() {
        assert_eq!(split("step, BTC ,ETH").unwrap(), ["step", "BTC", "ETH"]);
        assert_eq!(split("1,,-0.5").unwrap(), ["1", "", "-0.5"]);
        assert_eq!(
            split(r#""a,b","say ""hi""",x"#).unwrap(),
            ["a,b", r#"say "hi""#, "x"]
        );
        assert!(split(r#""open"#).is_err());
    }
}
