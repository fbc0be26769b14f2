//! `firesale calibrate`: the risk-limit calibration. Checks the flags, runs the search with
//! every trial on the chosen engine, reports each trial as it ends, then the answer (and its
//! report folder with `--out`).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::emit;
use super::signals::StopSignals;
use firesale::Result;
use firesale::engine::backend::BackendChoice;
use firesale::model::Model;
use firesale::questions::calibrate::engine::TrialEngine;
use firesale::questions::calibrate::param::Param;
use firesale::questions::calibrate::{self, Problem, report};
use firesale::summary::BackendInfo;
use firesale::summary::metrics::RunTotals;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A scenario TOML file or a built-in name (see `firesale scenarios`).
    scenario: String,
    /// The cohort whose limit is calibrated.
    #[arg(long, allow_hyphen_values = true)]
    cohort: String,
    /// What to vary: `leverage` (a scale on every bucket's leverage, an ETF's leverage or a
    /// vol-target fund's max_leverage), `maintenance_margin` (margin cohorts), or `equity` (a
    /// scale on the cohort's size: a position limit).
    #[arg(long, value_parser = Param::parse)]
    param: Param,
    /// The risk target on the cohort, METRIC<=X: p_liquidation, p_bad_debt (shares of paths),
    /// var95, var99, var999, es95, es99, es999 (losses in USD; 2.5e9, $2.5B and 2.5B all
    /// work). E.g. 'p_liquidation<=0.01'.
    #[arg(long)]
    target: String,
    /// Paths per trial (default: the scenario's `simulation.paths`). Every trial uses the same
    /// paths.
    #[arg(long)]
    paths: Option<u64>,
    /// Random seed, a u64 (default: the scenario's `simulation.seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Stop when the values that meet and miss the target are within this fraction of each
    /// other.
    #[arg(long, default_value_t = 0.01)]
    tolerance: f64,
    /// Lowest value searched (a scale for leverage and equity, default 0.01; a margin for
    /// maintenance_margin, default 0).
    #[arg(long, allow_negative_numbers = true)]
    min: Option<f64>,
    /// Highest value searched (default: 10 for a leverage scale, or just below where the most
    /// levered bucket reaches 1/maintenance_margin; 100 for an equity scale; just below
    /// 1/(highest leverage) for maintenance_margin).
    #[arg(long, allow_negative_numbers = true)]
    max: Option<f64>,
    /// Engine the trials run on (`auto` chooses once, as `firesale run` does, for the
    /// scenario at --paths; `WGPU_ADAPTER_NAME` and `WGPU_BACKEND` apply to the GPU).
    #[arg(long, value_enum, default_value_t = BackendChoice::Auto)]
    backend: BackendChoice,
    #[command(flatten)]
    output: emit::Output,
}

pub fn run(args: &Args) -> Result<()> {
    // First, so that a signal at any time from here on stops the search between trials.
    let signals = StopSignals::install()?;
    let mut model = firesale::scenario::load(&args.scenario)?;
    firesale::scenario::override_paths_and_seed(&mut model, args.paths, args.seed, "--paths")?;
    let problem = Problem::new(
        &model,
        &args.cohort,
        args.param,
        &args.target,
        (args.min, args.max),
        args.tolerance,
    )?;
    let prepared = args.output.prepare(None)?;
    let (backend, mut simulate) = engine_for(args.backend, &model, &signals)?;

    let started = Instant::now();
    let status = status_line(args.output.quiet);
    status.set_message("trial 1 running");
    let mut count = 0;
    let mut progress = |trial: &calibrate::Trial| {
        count += 1;
        status.set_message(format!(
            "trial {count}: {}; trial {} running",
            report::trial_line(problem.param, &problem.target, trial),
            count + 1
        ));
    };
    let calibration = calibrate::calibrate(&model, &problem, &mut simulate, &mut progress);
    status.finish_and_clear();
    let calibration = calibration?;
    let report = report::CalibrationReport::new(
        &model,
        &problem,
        &calibration,
        &backend,
        started.elapsed().as_secs_f64(),
    );
    args.output.emit(prepared, &report, None)?;
    let outcome = "before the search ended; the outputs hold the trials done, marked partial";
    match signals.stopped(outcome) {
        Some(stopped) if report.partial => Err(stopped),
        _ => Ok(()),
    }
}

/// A one-line status on stderr, replaced trial by trial and cleared at the end; hidden when
/// quiet or when stderr is not a terminal.
fn status_line(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let line = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    line.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {msg}").expect("the template is valid"),
    );
    line.enable_steady_tick(Duration::from_millis(250));
    line
}

/// The engine every trial runs on, as `--backend` picks it; a trial fails with
/// [`firesale::Error::Stopped`] once a signal has come: before it starts, or cut short by it.
fn engine_for<'a>(
    choice: BackendChoice,
    model: &Model,
    signals: &'a StopSignals,
) -> Result<(BackendInfo, impl FnMut(&Model) -> Result<RunTotals> + 'a)> {
    let mut trials = TrialEngine::select(choice, model)?;
    let backend = trials.backend();
    let stopped = || signals.stopped("between trials");
    let simulate = move |model: &Model| trials.simulate(model, signals.flag(), &stopped);
    Ok((backend, simulate))
}
