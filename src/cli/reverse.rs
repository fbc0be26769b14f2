//! `firesale reverse`: the reverse stress test. Checks the flags, searches the smallest
//! multiple of the shock that reaches the target and each cohort's first liquidation, and
//! prints the answer, and writes it with `--json` and as a report folder with `--out`.

use super::emit;
use super::signals::StopSignals;
use firesale::Result;
use firesale::questions::input::Regime;
use firesale::questions::reverse;

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
    #[arg(long, default_value = "calm", value_parser = Regime::parse)]
    regime: Regime,
    /// Largest multiple of the shock searched (default: where the largest move reaches 99%).
    #[arg(long, allow_negative_numbers = true)]
    max_scale: Option<f64>,
    #[command(flatten)]
    output: emit::Output,
}

pub fn run(args: &Args) -> Result<()> {
    // First, so that a signal at any time from here on stops the search between paths.
    let signals = StopSignals::install()?;
    let model = firesale::scenario::load(&args.scenario)?;
    let problem = reverse::Problem::new(
        &model,
        &args.shock,
        &args.target,
        args.regime,
        args.max_scale,
    )?;
    let prepared = args.output.prepare(None)?;
    let answer = reverse::reverse(&model, &problem, signals.flag());
    let report = reverse::ReverseReport::new(&model, &problem, &answer);
    args.output.emit(prepared, &report, None)?;
    let outcome = "before the search ended; the outputs hold what it found, marked partial";
    match signals.stopped(outcome) {
        Some(stopped) if report.partial => Err(stopped),
        _ => Ok(()),
    }
}
