//! `firesale reverse`: the reverse stress test. *How bad must it get before we are hurt?*
//!
//! A shock direction gives each named asset a simple return (`BTC=-0.10` is −10%). At scale s
//! asset k makes the exogenous log move ln(1 + RET_k·s) in the first step of a deterministic
//! path; the path then runs, with no further exogenous moves, to the end of one day
//! (⌈24 h / step_hours⌉ steps, at least one) through the full model: the shock's cascade in
//! step 1, the impact decaying, funds rebalancing when due (a daily fund at the day's close)
//! and the cascades their flows set off. Every step is calm, or stress with `--regime stress`
//! (thinner depth). The search finds the smallest s in (0, max] at which the target is reached:
//! a scan of [`GRID`] evenly spaced scales for the first that reaches it, then bisection
//! between it and the one before, down to [`SCALE_TOLERANCE`] of the range. It assumes that
//! once reached the target stays reached up to the next grid point (true when the metric grows
//! with the shock, as it does for falls against long books). The same search gives each margin
//! cohort's first liquidation: the market's key price levels along the direction.
//!
//! [`target`] reads `--target` and measures it on a path; [`report`] is the answer.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::engine::cpu::exogenous::GivenPath;
use crate::model::Model;
use crate::questions::input::{Regime, asset_index};
use crate::questions::path::{PathRecord, Replayer};
use crate::summary::metrics::has_liquidations;
use crate::{Error, Result};

mod report;
mod target;

pub use report::{KeyLevel, ReverseReport, ShockedAsset};
pub use target::Target;

/// Scales tried evenly over (0, max] before bisecting.
pub const GRID: usize = 64;
/// Bisection stops when the bracket is this fraction of the range.
pub const SCALE_TOLERANCE: f64 = 1e-9;
/// By default the scale goes up to where the largest move of the direction reaches 99%.
const MAX_MOVE: f64 = 0.99;

/// What to search, checked against the model.
#[derive(Debug, Clone)]
pub struct Problem {
    /// Simple return per asset at scale 1 (0 for assets not in the shock).
    pub direction: Vec<f64>,
    pub target: Target,
    pub regime: Regime,
    /// Largest scale searched.
    pub max_scale: f64,
    /// Steps in the path: one day.
    pub steps: usize,
}

impl Problem {
    /// Checks `--shock`, `--target`, `--regime` and `--max-scale` against `model`.
    pub fn new(
        model: &Model,
        shock: &str,
        target: &str,
        regime: Regime,
        max_scale: Option<f64>,
    ) -> Result<Problem> {
        let direction = parse_shock(shock, model)?;
        let target = Target::parse(target, model)?;
        let largest_fall = direction.iter().fold(0.0_f64, |m, r| m.max(-r));
        let largest_move = direction.iter().fold(0.0_f64, |m, r| m.max(r.abs()));
        let max_scale = match max_scale {
            None => MAX_MOVE / largest_move,
            Some(s) if s > 0.0 && s * largest_fall < 1.0 => s,
            Some(s) => {
                return Err(Error::Usage(format!(
                    "--max-scale {s}: must be above 0 and, so that no price falls to zero, below {}",
                    1.0 / largest_fall
                )));
            }
        };
        Ok(Problem {
            direction,
            target,
            regime,
            max_scale,
            steps: ((24.0 / model.step_hours).ceil() as usize).max(1),
        })
    }

    /// The day's path with the shock at `scale`.
    fn path(&self, scale: f64) -> GivenPath {
        let mut log_returns = vec![vec![0.0; self.direction.len()]; self.steps];
        for (log_return, ret) in log_returns[0].iter_mut().zip(&self.direction) {
            *log_return = (ret * scale).ln_1p();
        }
        GivenPath {
            stress: vec![self.regime.is_stress(); self.steps],
            log_returns,
        }
    }
}

/// `ASSET=RET[,ASSET=RET...]` → the simple return per asset (0 where not named).
pub fn parse_shock(text: &str, model: &Model) -> Result<Vec<f64>> {
    let mut direction = vec![0.0; model.assets.len()];
    let mut named = vec![false; model.assets.len()];
    for part in text.split(',') {
        let (asset, ret) = part.split_once('=').ok_or_else(|| {
            Error::Usage(format!(
                "--shock '{part}': expected ASSET=RET (a simple return, -0.10 for -10%), e.g. 'BTC=-0.10,ETH=-0.13'"
            ))
        })?;
        let k = asset_index(model, asset.trim(), "--shock")?;
        if named[k] {
            return Err(Error::Usage(format!(
                "--shock: {} is named twice",
                model.assets[k].name
            )));
        }
        named[k] = true;
        direction[k] = ret
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|r| r.is_finite() && *r > -1.0)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "--shock {}: '{}' is not a simple return above -1 (e.g. -0.10 for -10%)",
                    model.assets[k].name,
                    ret.trim()
                ))
            })?;
    }
    if direction.iter().all(|r| *r == 0.0) {
        return Err(Error::Usage(
            "--shock: every return is 0; give the direction of the shock, e.g. 'BTC=-0.10'"
                .to_string(),
        ));
    }
    Ok(direction)
}

/// The smallest scale at which something happens, with the path there.
#[derive(Debug, Clone)]
pub struct Found {
    pub scale: f64,
    pub record: PathRecord,
}

/// The answer of a reverse stress test.
#[derive(Debug, Clone)]
pub struct Reverse {
    /// The smallest scale reaching the target, if any up to the maximum.
    pub target: Option<Found>,
    /// Per cohort: the smallest scale of its first liquidation (`None` for funds and for
    /// cohorts not liquidated up to the maximum).
    pub key_levels: Vec<Option<f64>>,
    /// (scale, target metric) of every path the search for the target ran, in order.
    pub points: Vec<(f64, f64)>,
    /// The stop flag was set before the searches ended: those cut short found nothing.
    pub partial: bool,
}

/// A search cut short by the stop flag.
struct Stopped;

/// Runs the search for the target and for every margin cohort's first liquidation; once
/// `stop` is set (a signal) no further path is replayed and the answer is marked partial.
pub fn reverse(model: &Model, problem: &Problem, stop: &AtomicBool) -> Reverse {
    let mut replayer = Replayer::new(model, problem.steps);
    let mut points = Vec::new();
    let mut partial = false;
    let mut unless_stopped = |search: Result<Option<Found>, Stopped>| {
        partial |= search.is_err();
        search.unwrap_or(None)
    };
    let target = unless_stopped(smallest_scale(&mut replayer, problem, stop, |scale, r| {
        points.push((scale, problem.target.value(r)));
        problem.target.reached(r)
    }));
    let key_levels = model
        .cohorts
        .iter()
        .enumerate()
        .map(|(c, cohort)| {
            if !has_liquidations(&cohort.kind) {
                return None;
            }
            unless_stopped(smallest_scale(&mut replayer, problem, stop, |_, r| {
                r.liquidations.iter().any(|l| l.cohort == c)
            }))
            .map(|found| found.scale)
        })
        .collect();
    Reverse {
        target,
        key_levels,
        points,
        partial,
    }
}

/// The smallest scale in (0, max] whose path satisfies `reached(scale, path)`: the first of
/// [`GRID`] even steps that does, then bisection down to [`SCALE_TOLERANCE`] of the range.
/// Cut short when `stop` is set before a path.
fn smallest_scale(
    replayer: &mut Replayer,
    problem: &Problem,
    stop: &AtomicBool,
    mut reached: impl FnMut(f64, &PathRecord) -> bool,
) -> Result<Option<Found>, Stopped> {
    let mut run = |scale: f64| match stop.load(Ordering::Relaxed) {
        true => Err(Stopped),
        false => Ok(replayer.run(&problem.path(scale))),
    };
    let grid = |i: usize| problem.max_scale * i as f64 / GRID as f64;
    let mut first = None;
    for i in 1..=GRID {
        let record = run(grid(i))?;
        if reached(grid(i), &record) {
            first = Some((i, record));
            break;
        }
    }
    let Some((first, mut record)) = first else {
        return Ok(None);
    };
    let (mut below, mut above) = (grid(first - 1), grid(first));
    while above - below > SCALE_TOLERANCE * problem.max_scale {
        let mid = 0.5 * (below + above);
        let at_mid = run(mid)?;
        if reached(mid, &at_mid) {
            (above, record) = (mid, at_mid);
        } else {
            below = mid;
        }
    }
    Ok(Some(Found {
        scale: above,
        record,
    }))
}
