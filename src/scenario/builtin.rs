//! The scenarios shipped inside the binary, selectable by name instead of a path.

use crate::Result;
use crate::model::Model;

/// A scenario compiled into the binary.
#[derive(Debug)]
pub struct Builtin {
    pub name: &'static str,
    /// The scenario file's text.
    pub toml: &'static str,
}

static ALL: [Builtin; 2] = [
    Builtin {
        name: "crypto-unwind",
        toml: include_str!("../../scenarios/crypto-unwind.toml"),
    },
    Builtin {
        name: "calm-market",
        toml: include_str!("../../scenarios/calm-market.toml"),
    },
];

/// Every built-in, in listing order.
pub fn all() -> &'static [Builtin] {
    &ALL
}

/// The built-in called `name`, if any.
pub fn find(name: &str) -> Option<&'static Builtin> {
    ALL.iter().find(|b| b.name == name)
}

impl Builtin {
    /// Parses, validates and compiles it.
    pub fn model(&self) -> Result<Model> {
        super::compile_str(self.toml, self.name)
    }

    /// Its `description` line.
    pub fn description(&self) -> Result<String> {
        self.model().map(|model| model.description)
    }
}
