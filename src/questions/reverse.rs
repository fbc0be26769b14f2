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

use std::fmt::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use super::Answer;
use super::input::{self, Regime, asset_index, parse_amount, unknown};
use super::path::{
    AssetOutcome, CohortOutcome, LiquidationEvent, PathRecord, Replayer, SystemOutcome,
};
use crate::engine::cpu::exogenous::GivenPath;
use crate::engine::metrics::{
    ACCOUNTS_LIQUIDATED, BAD_DEBT, LIQUIDATED_NOTIONAL, LOSS, has_liquidations,
};
use crate::model::Model;
use crate::report::format::{Format, counted, usd};
use crate::report::summary::Named;
use crate::{Error, Result};

/// Scales tried evenly over (0, max] before bisecting.
pub const GRID: usize = 64;
/// Bisection stops when the bracket is this fraction of the range.
pub const SCALE_TOLERANCE: f64 = 1e-9;
/// By default the scale goes up to where the largest move of the direction reaches 99%.
const MAX_MOVE: f64 = 0.99;

/// `--target` metrics: (name, metric index of a cohort row).
const METRICS: [(&str, usize); 4] = [
    ("liquidated_notional", LIQUIDATED_NOTIONAL),
    ("loss", LOSS),
    ("bad_debt", BAD_DEBT),
    ("accounts_liquidated", ACCOUNTS_LIQUIDATED),
];

/// `COHORT:METRIC>=X`; COHORT `system` means all cohorts together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    pub expression: String,
    pub cohort: String,
    pub metric: &'static str,
    pub threshold: f64,
    /// The cohort's index, or `None` for the system.
    #[serde(skip)]
    index: Option<usize>,
    #[serde(skip)]
    metric_index: usize,
}

impl Target {
    /// Parses `--target COHORT:METRIC>=X` against `model`.
    pub fn parse(text: &str, model: &Model) -> Result<Target> {
        let names = METRICS.map(|(name, _)| name);
        let syntax = || {
            Error::Usage(format!(
                "--target '{text}': expected COHORT:METRIC>=X, e.g. 'system:liquidated_notional>=1e9'; METRIC is one of {}; COHORT is a cohort's name or system",
                names.join(", ")
            ))
        };
        let (left, threshold) = text.split_once(">=").ok_or_else(syntax)?;
        let (cohort, metric) = left.rsplit_once(':').ok_or_else(syntax)?;
        let (cohort, metric) = (cohort.trim(), metric.trim());
        let index = if cohort == "system" {
            None
        } else {
            Some(
                model
                    .cohorts
                    .iter()
                    .position(|c| c.name == cohort)
                    .ok_or_else(|| {
                        let mut valid: Vec<&str> =
                            model.cohorts.iter().map(|c| c.name.as_str()).collect();
                        valid.push("system");
                        unknown("--target", "cohort", cohort, &valid)
                    })?,
            )
        };
        let &(metric, metric_index) = METRICS
            .iter()
            .find(|(name, _)| *name == metric)
            .ok_or_else(|| unknown("--target", "metric", metric, &names))?;
        if let Some(c) = index {
            let kind = &model.cohorts[c].kind;
            if metric_index != LOSS && !has_liquidations(kind) {
                return Err(Error::Usage(format!(
                    "--target {metric}: cohort '{cohort}' is a {} fund, which is never liquidated; valid for it: loss",
                    kind.label()
                )));
            }
        }
        let threshold = parse_amount(threshold)
            .filter(|x| *x > 0.0)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "--target '{text}': X must be a number above 0 (USD, or accounts), e.g. 1e9 or 1B; got '{}'",
                    threshold.trim()
                ))
            })?;
        Ok(Target {
            expression: text.to_string(),
            cohort: cohort.to_string(),
            metric,
            threshold,
            index,
            metric_index,
        })
    }

    /// The target metric at the end of a recorded path.
    pub fn value(&self, record: &PathRecord) -> f64 {
        match self.index {
            Some(c) => record.cohort_metric(c, self.metric_index),
            None => (0..record.layout.cohorts)
                .map(|c| record.cohort_metric(c, self.metric_index))
                .sum(),
        }
    }

    /// Whether `record` reaches the target.
    pub fn reached(&self, record: &PathRecord) -> bool {
        self.value(record) >= self.threshold
    }

    /// The unit of the metric's values.
    pub fn unit(&self) -> Format {
        if self.metric_index == ACCOUNTS_LIQUIDATED {
            Format::Count
        } else {
            Format::Usd
        }
    }

    /// A value of the metric for people.
    fn format(&self, value: f64) -> String {
        if self.metric_index == ACCOUNTS_LIQUIDATED {
            Format::Count.show(value)
        } else {
            usd(value)
        }
    }
}

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

/// A shocked asset at one scale.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShockedAsset {
    /// The exogenous simple return RET·scale.
    #[serde(rename = "return")]
    pub return_: f64,
    /// The price after the exogenous move alone, USD.
    pub price: f64,
}

/// A margin cohort's first liquidation along the direction.
#[derive(Debug, Clone, Serialize)]
pub struct KeyLevel {
    /// `null` when the cohort is not liquidated up to `max_scale`.
    pub scale: Option<f64>,
    pub shock: Option<Named<ShockedAsset>>,
}

/// The `--json` document of a reverse stress test.
#[derive(Debug, Clone, Serialize)]
pub struct ReverseReport {
    pub scenario: String,
    pub target: Target,
    /// The direction: simple return per named asset at scale 1.
    pub shock: Named<f64>,
    pub regime: Regime,
    /// Steps of the path (one day) and their length.
    pub steps: usize,
    pub step_hours: f64,
    pub max_scale: f64,
    pub found: bool,
    /// The smallest scale reaching the target, the shock it means, the target metric there.
    pub scale: Option<f64>,
    pub shock_at_scale: Option<Named<ShockedAsset>>,
    pub metric: Option<f64>,
    /// What the day does at that scale: per cohort, per asset (the exogenous move plus the
    /// cascade's impact), the market; and every liquidation, in order.
    pub cohorts: Option<Named<CohortOutcome>>,
    pub assets: Option<Named<AssetOutcome>>,
    pub system: Option<SystemOutcome>,
    pub liquidations: Vec<LiquidationEvent>,
    /// Cohorts in the order of their first liquidation at that scale.
    pub order: Vec<String>,
    /// Per margin cohort: the scale of its first liquidation.
    pub key_levels: Named<KeyLevel>,
    /// A signal stopped the search: what it had not reached is missing (no scale).
    pub partial: bool,
    pub message: String,
}

impl ReverseReport {
    pub fn new(model: &Model, problem: &Problem, answer: &Reverse) -> Self {
        let shocked = |scale: f64| {
            Named(
                model
                    .assets
                    .iter()
                    .zip(&problem.direction)
                    .filter(|(_, ret)| **ret != 0.0)
                    .map(|(asset, ret)| {
                        let shock = ShockedAsset {
                            return_: ret * scale,
                            price: asset.price_usd * (1.0 + ret * scale),
                        };
                        (asset.name.clone(), shock)
                    })
                    .collect(),
            )
        };
        let found = answer.target.as_ref();
        let liquidations = found.map_or_else(Vec::new, |f| f.record.liquidation_events(model));
        let mut order: Vec<String> = Vec::new();
        for event in &liquidations {
            if !order.contains(&event.cohort) {
                order.push(event.cohort.clone());
            }
        }
        let key_levels = Named(
            model
                .cohorts
                .iter()
                .zip(&answer.key_levels)
                .filter(|(cohort, _)| has_liquidations(&cohort.kind))
                .map(|(cohort, level)| {
                    let level = KeyLevel {
                        scale: *level,
                        shock: level.map(shocked),
                    };
                    (cohort.name.clone(), level)
                })
                .collect(),
        );
        let target = &problem.target;
        let mut message = match found {
            None if answer.partial => String::from(
                "partial: stopped by a signal before the search for the target ended: no answer",
            ),
            Some(f) => format!(
                "the smallest shock reaching {} is ×{:.4} the direction: {}; {} {} {} there",
                target.expression,
                f.scale,
                shock_text(&shocked(f.scale)),
                target.cohort,
                target.metric,
                target.format(target.value(&f.record))
            ),
            None => {
                let at_max =
                    Replayer::new(model, problem.steps).run(&problem.path(problem.max_scale));
                format!(
                    "no shock up to ×{:.4} the direction ({}) reaches {}: {} {} {} there; raise --max-scale if larger moves are plausible",
                    problem.max_scale,
                    shock_text(&shocked(problem.max_scale)),
                    target.expression,
                    target.cohort,
                    target.metric,
                    target.format(target.value(&at_max))
                )
            }
        };
        if answer.partial && found.is_some() {
            message += "\npartial: stopped by a signal before every key level was searched; those missing have no scale";
        }
        ReverseReport {
            scenario: model.name.clone(),
            target: target.clone(),
            shock: Named(
                model
                    .assets
                    .iter()
                    .zip(&problem.direction)
                    .filter(|(_, ret)| **ret != 0.0)
                    .map(|(asset, ret)| (asset.name.clone(), *ret))
                    .collect(),
            ),
            regime: problem.regime,
            steps: problem.steps,
            step_hours: model.step_hours,
            max_scale: problem.max_scale,
            found: found.is_some(),
            scale: found.map(|f| f.scale),
            shock_at_scale: found.map(|f| shocked(f.scale)),
            metric: found.map(|f| target.value(&f.record)),
            cohorts: found.map(|f| f.record.cohorts(model)),
            assets: found.map(|f| f.record.assets(model)),
            system: found.map(|f| f.record.system(model)),
            liquidations,
            order,
            key_levels,
            partial: answer.partial,
            message,
        }
    }
}

impl Answer for ReverseReport {
    /// The readable answer.
    fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "firesale reverse: {} — shock {} in one step, then the rest of one day ({} steps of {}, {}); target {}",
            self.scenario,
            self.shock
                .0
                .iter()
                .map(|(name, ret)| format!("{name} {}", Format::Percent.show(*ret)))
                .collect::<Vec<_>>()
                .join(", "),
            self.steps,
            Format::Hours.show(self.step_hours),
            input::name(&self.regime),
            self.target.expression
        );
        let _ = writeln!(out, "\n{}", self.message);
        if !self.liquidations.is_empty() {
            let _ = writeln!(out, "\nThe cascade at that scale (in order)");
            for event in &self.liquidations {
                let _ = writeln!(
                    out,
                    "  step {:>3} round {:>2}  {:<24} {:>3} buckets {:>11} {:>18}",
                    event.step,
                    event.round,
                    event.cohort,
                    event.buckets,
                    usd(event.notional),
                    counted(event.accounts, "account")
                );
            }
        }
        if let (Some(cohorts), Some(assets)) = (&self.cohorts, &self.assets) {
            let _ = writeln!(out, "\nAfter the day, at that scale");
            for (name, c) in cohorts.0.iter().filter(|(_, c)| c.loss != 0.0) {
                let _ = writeln!(
                    out,
                    "  {:<24} loss {:>11}  liquidated {:>11}  bad debt {:>11}",
                    name,
                    usd(c.loss),
                    usd(c.liquidated_notional),
                    usd(c.bad_debt)
                );
            }
            for (name, a) in assets.0.iter().filter(|(_, a)| a.return_ != 0.0) {
                let _ = writeln!(
                    out,
                    "  {:<8} {:>9} (exogenous {:>9}, impact of the flows {:>9})",
                    name,
                    Format::Percent.show(a.return_),
                    Format::Percent.show(a.exogenous_return),
                    Format::Percent.show(a.impact_return)
                );
            }
        }
        let _ = writeln!(
            out,
            "\nKey price levels: the smallest shock at which each margin cohort is first liquidated"
        );
        let mut levels: Vec<&(String, KeyLevel)> = self.key_levels.0.iter().collect();
        levels.sort_by(|a, b| {
            let scale = |l: &KeyLevel| l.scale.unwrap_or(f64::INFINITY);
            scale(&a.1).total_cmp(&scale(&b.1))
        });
        for (name, level) in levels {
            let text = match (&level.scale, &level.shock) {
                (Some(scale), Some(shock)) => {
                    format!("×{}: {}", Format::Number.show(*scale), shock_text(shock))
                }
                _ => format!(
                    "not liquidated up to ×{}",
                    Format::Number.show(self.max_scale)
                ),
            };
            let _ = writeln!(out, "  {name:<24} {text}");
        }
        out
    }
}

/// `BTC -12.3% (to $70.1K), ETH …`.
fn shock_text(shock: &Named<ShockedAsset>) -> String {
    shock
        .0
        .iter()
        .map(|(name, s)| {
            format!(
                "{name} {} (to {})",
                Format::Percent.show(s.return_),
                usd(s.price)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}
