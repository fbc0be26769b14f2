//! `firesale._native`: the Rust half of the Python package, a thin layer over the firesale
//! library. Each function takes plain Python values, runs the library with the GIL released
//! ([`watch`]: Ctrl-C and progress are served meanwhile), and hands back the library's own
//! JSON documents and CSV tables as text, which the package `firesale/` beside this crate
//! turns into dicts and DataFrames. No model code lives here.

mod errors;
mod fit;
mod questions;
mod run;
mod source;
mod watch;

use pyo3::prelude::*;

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    module.add("ScenarioError", py.get_type::<errors::ScenarioError>())?;
    module.add("RuntimeError", py.get_type::<errors::RuntimeError>())?;
    module.add_function(wrap_pyfunction!(source::scenarios, module)?)?;
    module.add_function(wrap_pyfunction!(source::scenario_json, module)?)?;
    module.add_function(wrap_pyfunction!(source::validate, module)?)?;
    module.add_function(wrap_pyfunction!(run::run, module)?)?;
    module.add_function(wrap_pyfunction!(questions::replay, module)?)?;
    module.add_function(wrap_pyfunction!(questions::calibrate, module)?)?;
    module.add_function(wrap_pyfunction!(questions::reverse, module)?)?;
    module.add_function(wrap_pyfunction!(fit::fit, module)?)?;
    Ok(())
}
