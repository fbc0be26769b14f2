//! TOML text → [`schema::Scenario`], turning toml's errors into scenario errors that name the
//! key path (`cohorts[1].leverage`) and the line and column.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::schema::Scenario;
use crate::{Error, Result};

/// Parses `text`; `origin` (a path or a built-in name) goes into error messages.
pub fn parse(text: &str, origin: &str) -> Result<Scenario> {
    toml::from_str(text).map_err(|err| to_scenario_error(text, origin, &err))
}

fn to_scenario_error(text: &str, origin: &str, err: &toml::de::Error) -> Error {
    let message = err.message().trim().replace('\n', "; ");
    let Some(span) = err.span() else {
        return Error::scenario("toml", format!("{message} (in {origin})"));
    };
    let (line, column) = line_column(text, span.start);
    let mut field = DeTable::parse(text)
        .ok()
        .and_then(|doc| locate(doc.get_ref(), span.start))
        .unwrap_or_else(|| "toml".to_owned());
    if let Some(key) = missing_field(&message) {
        field = if field == "toml" {
            key.to_owned()
        } else {
            format!("{field}.{key}")
        };
    }
    Error::scenario(
        field,
        format!("{message} (TOML error at line {line}, column {column} of {origin})"),
    )
}

/// The 1-based line and column (in characters) of byte `offset`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// serde reports a missing key at its table: name the key itself.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// The deepest key path whose key or value contains byte `offset`.
fn locate(table: &DeTable<'_>, offset: usize) -> Option<String> {
    table.iter().find_map(|(key, value)| {
        let name = key.get_ref().as_ref();
        if key.span().contains(&offset) {
            Some(name.to_owned())
        } else {
            locate_value(value, offset).map(|rest| format!("{name}{rest}"))
        }
    })
}

/// Within a value: `Some("")` for the value itself, `Some("[2].name")` for something inside.
fn locate_value(value: &Spanned<DeValue<'_>>, offset: usize) -> Option<String> {
    let inner = match value.get_ref() {
        DeValue::Table(table) => locate(table, offset).map(|path| format!(".{path}")),
        DeValue::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| locate_value(item, offset).map(|rest| format!("[{i}]{rest}"))),
        _ => None,
    };
    inner.or_else(|| value.span().contains(&offset).then(String::new))
}
