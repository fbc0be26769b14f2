//! Scenario files: the TOML schema, validation that names the field, built-in scenarios, and compilation into a [`crate::model::Model`].
//!
//! [`load`] takes what the user typed (a built-in name or a path); [`compile_str`] takes the
//! text. Every problem with a scenario is an [`Error::Scenario`] naming the key path
//! (`cohorts[2].leverage`), never a panic.

mod assets;
pub mod builtin;
pub mod check;
mod cohorts;
mod compile;
mod correlation;
mod funds;
mod jumps;
mod leverage;
pub mod linalg;
mod margin;
mod parse;
mod schema;
mod sectors;
mod weights;

use crate::model::Model;
use crate::{Error, Result};

/// Loads a built-in scenario by name, or else the TOML file at `spec`.
pub fn load(spec: &str) -> Result<Model> {
    Source::load(spec)?.compile()
}

/// A scenario's text and the name or path the user gave for it: what a shard records so that
/// `merge` can compile the same model again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// A built-in name or a path, as given.
    pub origin: String,
    pub toml: String,
}

impl Source {
    /// Reads a built-in scenario by name, or else the TOML file at `spec`.
    pub fn load(spec: &str) -> Result<Source> {
        if let Some(builtin) = builtin::find(spec) {
            return Ok(Source {
                origin: builtin.name.to_string(),
                toml: builtin.toml.to_string(),
            });
        }
        match std::fs::read_to_string(spec) {
            Ok(toml) => Ok(Source {
                origin: spec.to_string(),
                toml,
            }),
            Err(source)
                if source.kind() == std::io::ErrorKind::NotFound && looks_like_name(spec) =>
            {
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

    /// Parses, validates and compiles it.
    pub fn compile(&self) -> Result<Model> {
        compile_str(&self.toml, &self.origin)
    }
}

/// Parses, validates and compiles scenario text; `origin` (a path or built-in name) names
/// the scenario when it has no `name` and appears in syntax errors.
pub fn compile_str(toml_text: &str, origin: &str) -> Result<Model> {
    compile::compile(parse::parse(toml_text, origin)?, origin)
}

/// Applies a run's own path count and seed over the scenario's `simulation` defaults; `flag`
/// is what the caller calls the path count in its errors (`--paths` on the command line).
pub fn override_paths_and_seed(
    model: &mut Model,
    paths: Option<u64>,
    seed: Option<u64>,
    flag: &str,
) -> Result<()> {
    if let Some(paths) = paths {
        if paths == 0 {
            return Err(Error::Usage(format!("{flag} must be at least 1")));
        }
        let most = check::MAX_PATHS;
        if paths > most {
            return Err(Error::Usage(format!(
                "{flag} {paths}: must be at most {most}"
            )));
        }
        model.paths = paths;
    }
    if let Some(seed) = seed {
        model.seed = seed;
    }
    Ok(())
}

/// A bare word (no `.toml`, no directory) was meant as a built-in name, not a path.
fn looks_like_name(spec: &str) -> bool {
    !spec.ends_with(".toml") && !spec.chars().any(std::path::is_separator)
}
