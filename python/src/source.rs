//! The `scenario` argument as the package hands it over, sorted by kind: `spec` (a built-in
//! name or a TOML file's path, as the command line takes it), `toml` (scenario text) or
//! `dict` (a dict with the TOML's structure, as JSON text). Also the built-ins' names, a
//! scenario as a dict, and `validate`.

use pyo3::prelude::*;

use crate::errors::OrRaise;
use firesale::report::compiled::CompiledModel;
use firesale::report::file::pretty_json;
use firesale::scenario::{Source, builtin};
use firesale::{Error, Result};

/// The scenario named by `kind` and `text`.
pub fn load(kind: &str, text: &str) -> Result<Source> {
    match kind {
        "spec" => Source::load(text),
        "toml" => Ok(Source {
            origin: "<scenario string>".to_string(),
            toml: text.to_string(),
        }),
        "dict" => {
            let table: toml::Table = serde_json::from_str(text).map_err(|error| {
                Error::Usage(format!(
                    "scenario dict: {error}; fix: use only str, int, float, bool, list and dict values (no None)"
                ))
            })?;
            let toml = toml::to_string(&table).map_err(|error| {
                Error::Usage(format!(
                    "scenario dict: not expressible as TOML ({error}); fix: give tables (dicts) after plain values"
                ))
            })?;
            Ok(Source {
                origin: "<scenario dict>".to_string(),
                toml,
            })
        }
        other => Err(Error::Runtime(format!(
            "unknown scenario kind '{other}' (a defect of the firesale package; please report this)"
        ))),
    }
}

/// The built-in scenarios' names.
#[pyfunction]
pub fn scenarios() -> Vec<String> {
    (builtin::all().iter())
        .map(|b| b.name.to_string())
        .collect()
}

/// The scenario as JSON text of its TOML tables, once it has validated.
#[pyfunction]
pub fn scenario_json(kind: &str, text: &str) -> PyResult<String> {
    let source = load(kind, text).or_raise()?;
    source.compile().or_raise()?;
    let table: toml::Table = toml::from_str(&source.toml)
        .map_err(|error| Error::Runtime(format!("cannot read {}: {error}", source.origin)))
        .or_raise()?;
    serde_json::to_string(&table)
        .map_err(|error| Error::Runtime(format!("cannot convert {}: {error}", source.origin)))
        .or_raise()
}

/// `firesale validate SCENARIO --json -`: the compiled model as JSON text.
#[pyfunction]
pub fn validate(kind: &str, text: &str) -> PyResult<String> {
    let model = load(kind, text).and_then(|s| s.compile()).or_raise()?;
    Ok(pretty_json(&CompiledModel::new(&model)))
}
