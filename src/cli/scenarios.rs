//! `firesale scenarios`: the built-in scenarios and what each is for.

use firesale::Result;
use firesale::scenario::{builtin, compile_str};

pub fn run() -> Result<()> {
    for scenario in builtin::all() {
        let model = compile_str(scenario.toml, scenario.name)?;
        println!("{:<16} {}", scenario.name, model.description);
    }
    Ok(())
}
