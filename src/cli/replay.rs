//! `firesale replay`: one deterministic path with the exogenous moves of a CSV file; prints
//! what it does to every cohort and asset, and writes the JSON report, the per-step CSV and
//! the report folder when asked.

use std::path::PathBuf;

use super::emit;
use firesale::Result;
use firesale::questions::{self, replay, shocks};
use firesale::report::file;

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
    let model = firesale::scenario::load(&args.scenario)?;
    let path = shocks::load(&args.shocks, &model)?;
    if let Some(out) = &args.steps_out {
        file::check_writable(out, "--steps-out")?;
    }
    args.output.prepare()?;
    let record = replay::run(&model, &path);
    let report = replay::ReplayReport::new(&model, &args.shocks.display().to_string(), &record);
    if let Some(out) = &args.steps_out {
        let csv = replay::steps_table(&model, &record).to_csv();
        file::write_output(out, csv.as_bytes())?;
    }
    args.output.emit(&report.to_json(), &report.render(), || {
        questions::bundle::replay(&model, &report, &record)
    })
}
