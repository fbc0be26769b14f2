//! `firesale reverse`: the reverse stress test. Checks the flags, searches the smallest
//! multiple of the shock that reaches the target and each cohort's first liquidation, and
//! prints the answer, and writes it with `--json` and as a report folder with `--out`.

use std::path::PathBuf;

use super::emit;
use firesale::Result;
use firesale::questions::{self, reverse};
use firesale::report::{bundle, file};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A scenario TOML file or a built-in name (see `firesale scenarios`).
    scenario: String,
    /// The direction of the one-day shock: simple returns per asset, e.g.
    /// 'BTC=-0.10,ETH=-0.13' (-0.10 is -10%); assets left out do not move. It is scaled to
    /// find the smallest multiple that reaches the target.
    #[arg(long, allow_hyphen_values = true)]
    shock: String,
    /// COHORT:METRIC>=X with METRIC one of liquidated_notional, loss, bad_debt (USD; 1e9, $1B
    /// and 1B all work) or accounts_liquidated; COHORT a cohort's name or `system` (all
    /// cohorts together). E.g. 'system:liquidated_notional>=1e9'.
    #[arg(long, allow_hyphen_values = true)]
    target: String,
    /// Regime of the day's steps: `calm` or `stress` (stress thins every depth by the
    /// scenario's stress_depth_multiplier).
    #[arg(long, default_value = "calm")]
    regime: String,
    /// Largest multiple of the shock searched (default: where the largest move reaches 99%).
    #[arg(long, allow_negative_numbers = true)]
    max_scale: Option<f64>,
    /// Write the JSON report to FILE (`-` for standard output; the text then goes to standard
    /// error).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write a report into DIR (created if missing): summary.json, CSV tables, plots as SVG
    /// and PNG, and report.html, one self-contained page with all of them.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print nothing but errors (and the JSON when `--json -`).
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(args: &Args) -> Result<()> {
    let model = firesale::scenario::load(&args.scenario)?;
    let problem = reverse::Problem::new(
        &model,
        &args.shock,
        &args.target,
        &args.regime,
        args.max_scale,
    )?;
    if let Some(path) = &args.json {
        file::check_writable(path, "--json")?;
    }
    if let Some(dir) = &args.out {
        bundle::prepare_dir(dir, "--out")?;
    }
    let answer = reverse::reverse(&model, &problem);
    let report = reverse::ReverseReport::new(&model, &problem, &answer);
    emit::report(
        &report.to_json(),
        &report.render(),
        args.json.as_deref(),
        args.quiet,
        args.out
            .as_deref()
            .map(|dir| (dir, questions::bundle::reverse(&report, &answer))),
    )
}
