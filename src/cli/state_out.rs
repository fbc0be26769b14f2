//! `run --state-out FILE`: the state a finished shard leaves for `firesale merge`.

use std::path::Path;

use firesale::engine::RunOutput;
use firesale::report::file;
use firesale::shard::state::{ShardRun, ShardState};
use firesale::{Error, Result};

/// Writes the state of the run, whole or not at all. A run stopped early writes none: a
/// shard's state must hold every path of the shard, or the merge would not be the run's.
pub fn write(path: &Path, run: ShardRun, output: RunOutput, quiet: bool) -> Result<()> {
    if output.partial {
        return Err(Error::Runtime(format!(
            "the run stopped before the end of shard {}; no state written to {}",
            run.shard,
            path.display()
        )));
    }
    let shard = run.shard;
    let paths = shard.paths(run.model.paths);
    let total = run.model.paths;
    file::write_output(path, &ShardState::new(run, output.totals).encode())?;
    if !quiet {
        eprintln!(
            "shard {shard}: paths {}..{} of {total}, state written to {}",
            paths.start,
            paths.end,
            path.display()
        );
    }
    Ok(())
}
