//! `firesale validate SCENARIO [--json FILE|-]`: checks a scenario and prints the compiled
//! model (assets, correlation eigenvalue ranges, bucket leverages), without simulating; with
//! `--json`, writes the same as a JSON document.

use std::path::Path;

use firesale::Result;
use firesale::report::compiled::{self, CompiledModel};
use firesale::report::file::{pretty_json, write_output};

pub fn run(spec: &str, json: Option<&Path>) -> Result<()> {
    let model = firesale::scenario::load(spec)?;
    if let Some(path) = json {
        let document = pretty_json(&CompiledModel::new(&model));
        write_output(path, "--json", document.as_bytes())?;
    }
    super::print_text(&compiled::text(&model), json);
    Ok(())
}
