//! `run --state-out FILE`: the state a shard leaves for `firesale merge`; a shard stopped
//! early leaves a state marked partial, which only `merge --allow-partial` takes.

use std::path::Path;

use firesale::shard::state::{ShardRun, ShardState};
use firesale::summary::metrics::RunTotals;

/// The state file's bytes, and the line that says what it holds.
pub fn state(run: ShardRun, totals: RunTotals, path: &Path) -> (Vec<u8>, String) {
    let shard = run.shard;
    let paths = shard.paths(run.model.paths);
    let total = run.model.paths;
    let state = ShardState::new(run, totals);
    let held = if state.header.partial {
        format!(
            "stopped early: paths {}..{} of {}..{} (of {total}), partial state",
            paths.start,
            paths.start + state.totals.paths,
            paths.start,
            paths.end
        )
    } else {
        format!("paths {}..{} of {total}, state", paths.start, paths.end)
    };
    let note = format!("shard {shard}: {held} written to {}", path.display());
    (state.encode(), note)
}
