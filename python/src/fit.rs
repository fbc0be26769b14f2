//! `firesale.fit`: the market fitted to a price history (a CSV file, or CSV text the package
//! wrote from a DataFrame); returns the scenario TOML and the `--json` document of estimates.

use std::collections::BTreeMap;
use std::path::Path;

use pyo3::prelude::*;

use crate::errors::OrRaise;
use crate::watch::off_the_gil;
use firesale::fit::{history, scenario_toml};
use firesale::report::file::pretty_json;

/// Fits the history at `prices_path`, or the CSV text `prices_csv` (named `origin`).
#[pyfunction]
#[pyo3(signature = (prices_path, prices_csv, origin, sectors, name))]
pub fn fit(
    py: Python<'_>,
    prices_path: Option<&str>,
    prices_csv: Option<&str>,
    origin: &str,
    sectors: BTreeMap<String, String>,
    name: Option<String>,
) -> PyResult<(String, String)> {
    let history = match (prices_path, prices_csv) {
        (Some(file), _) => history::read(Path::new(file)),
        (_, csv) => history::read_from(csv.unwrap_or_default().as_bytes(), Path::new(origin)),
    }
    .or_raise()?;
    scenario_toml::check_sectors(&history, &sectors, origin, "sectors").or_raise()?;
    let fitted = off_the_gil(py, None, 0, |_| firesale::fit::fit(&history))?.or_raise()?;
    let name = name.unwrap_or_else(|| scenario_toml::default_name(origin));
    let scenario =
        scenario_toml::write_checked(&fitted, origin, &name, &sectors, "<fitted scenario>")
            .or_raise()?;
    Ok((scenario, pretty_json(&fitted)))
}
