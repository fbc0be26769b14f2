//! `firesale replay`: one deterministic path with the exogenous moves of a CSV file; prints
//! what it does to every cohort and asset, and writes the JSON report, the per-step CSV and
//! the report folder when asked.

use std::path::PathBuf;

use super::emit;
use super::signals::StopSignals;
use firesale::Result;
use firesale::questions::{replay, shocks};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A scenario TOML file or a built-in name (see `firesale scenarios`).
    scenario: String,
    /// CSV of exogenous moves: a `step` column (1, 2, …), one column per asset with that
    /// step's log-return (assets left out move 0), and an optional `regime` column
    /// (`calm`/`stress`). One row per step; lines starting with `#` are comments.
    #[arg(long, value_name = "FILE.csv")]
    shocks: PathBuf,
    /// Write one row per step to FILE as CSV: prices, impact, flows and liquidations by
    /// cohort, cascade rounds.
    #[arg(long, value_name = "FILE")]
    steps_out: Option<PathBuf>,
    #[command(flatten)]
    output: emit::Output,
}

pub fn run(args: &Args) -> Result<()> {
    // A signal does not cut the one path short: it is finished and written, whole, and the
    // command then exits with the signal's status.
    let signals = StopSignals::install()?;
    let model = firesale::scenario::load(&args.scenario)?;
    let path = shocks::load(&args.shocks, &model)?;
    let steps_out = args.steps_out.as_deref().map(|out| ("--steps-out", out));
    let prepared = args.output.prepare(steps_out)?;
    let record = replay::run(&model, &path);
    let report = replay::ReplayReport::new(&model, &args.shocks.display().to_string(), &record);
    let csv = (args.steps_out.is_some()).then(|| replay::steps_table(&model, &record).to_csv());
    args.output
        .emit(prepared, &report, csv.as_deref().map(str::as_bytes))?;
    let outcome = "after the path was finished; the outputs are whole";
    signals.stopped(outcome).map_or(Ok(()), Err)
}
