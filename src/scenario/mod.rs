//! Scenario files: the TOML schema, validation that names the field, built-in scenarios, and compilation into a [`crate::model::Model`].
//!
//! [`load`] takes what the user typed (a built-in name or a path); [`compile_str`] takes the
//! text. Every problem with a scenario is an [`Error::Scenario`] naming the key path
//! (`cohorts[2].leverage`), never a panic.

mod assets;
pub mod builtin;
mod check;
mod cohorts;
mod compile;
mod correlation;
mod funds;
mod jumps;
mod leverage;
mod linalg;
mod margin;
mod parse;
mod schema;
mod sectors;
mod weights;

use crate::model::Model;
use crate::{Error, Result};

/// Loads a built-in scenario by name, or else the TOML file at `spec`.
pub fn load(spec: &str) -> Result<Model> {
    if let Some(builtin) = builtin::find(spec) {
        return builtin.model();
    }
    match std::fs::read_to_string(spec) {
        Ok(text) => compile_str(&text, spec),
        Err(source) if source.kind() == std::io::ErrorKind::NotFound && looks_like_name(spec) => {
            let names: Vec<&str> = builtin::all().iter().map(|b| b.name).collect();
            Err(Error::Usage(format!(
                "unknown scenario '{spec}': not a file and not a built-in (built-ins: {})",
                names.join(", ")
            )))
        }
        Err(source) => Err(Error::Read {
            path: spec.into(),
            source,
        }),
    }
}

/// Parses, validates and compiles scenario text; `origin` (a path or built-in name) names
/// the scenario when it has no `name` and appears in syntax errors.
pub fn compile_str(toml_text: &str, origin: &str) -> Result<Model> {
    compile::compile(parse::parse(toml_text, origin)?, origin)
}

/// A bare word (no `.toml`, no directory) was meant as a built-in name, not a path.
fn looks_like_name(spec: &str) -> bool {
    !spec.ends_with(".toml") && !spec.chars().any(std::path::is_separator)
}
