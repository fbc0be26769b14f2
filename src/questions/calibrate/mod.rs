//! `firesale calibrate`: the risk-limit calibration. For one cohort and one parameter
//! ([`param`]), find the value at which a risk target ([`target`]) is just met: the largest
//! leverage or size, or the smallest maintenance margin.
//!
//! Every trial is a full Monte Carlo run of the whole scenario (the cohort's own forced
//! selling moves prices when it bears impact), and every trial uses the same seed and paths
//! (common random numbers): a price taker's metric is then monotone in the parameter path by
//! path, so the estimate is too and bisection converges on the boundary between values that
//! meet the target and values that do not.
//!
//! The search evaluates both ends of the range (and the scenario's own value when it lies
//! inside); if exactly one side meets the target it bisects between the nearest trials that
//! disagree (on a log scale for scales) until they are within `tolerance` (relative) of each
//! other, and answers with the trial on the meeting side. If every trial meets, the limit lies
//! beyond the range and the answer is its loose end; if none does, there is no answer. The
//! trials run on one [`engine::TrialEngine`].

pub mod engine;
pub mod param;
pub mod report;
pub mod target;

use std::time::Instant;

use serde::Serialize;

use super::input::cohort_index;
use crate::model::Model;
use crate::summary::metrics::RunTotals;
use crate::{Error, Result};
use param::Param;
use target::{Estimate, Target};

/// Bisection stops after this many trials whatever the tolerance.
const MAX_TRIALS: usize = 64;

/// What to calibrate, checked against the model.
#[derive(Debug, Clone)]
pub struct Problem {
    pub cohort: usize,
    pub param: Param,
    pub target: Target,
    /// The searched values, inclusive.
    pub range: (f64, f64),
    /// Relative width at which the search stops.
    pub tolerance: f64,
}

impl Problem {
    /// Checks the flags against `model`: a known cohort, a parameter and a metric that apply
    /// to its kind, a valid range and tolerance. Every problem is a usage error naming its flag.
    pub fn new(
        model: &Model,
        cohort: &str,
        param: Param,
        target: &str,
        range: (Option<f64>, Option<f64>),
        tolerance: f64,
    ) -> Result<Problem> {
        let index = cohort_index(model, cohort, "--cohort")?;
        let kind = &model.cohorts[index].kind;
        param.check(kind, cohort)?;
        let target = Target::parse(target)?;
        target.check(kind, cohort)?;
        if !(tolerance > 0.0 && tolerance < 1.0) {
            return Err(crate::Error::Usage(format!(
                "--tolerance {tolerance}: the relative width at which the search stops must be above 0 and below 1 (e.g. 0.01)"
            )));
        }
        Ok(Problem {
            cohort: index,
            param,
            target,
            range: param.range(kind, range.0, range.1)?,
            tolerance,
        })
    }
}

/// One full simulation at one value of the parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trial {
    pub value: f64,
    pub metric: Estimate,
    pub meets: bool,
    pub seconds: f64,
}

/// How the search ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Trial `answer` meets the target and trial `neighbour`, within tolerance of it, does not.
    Boundary { answer: usize, neighbour: usize },
    /// Every trial met the target; trial `answer` is the range's loose end.
    WholeRange { answer: usize },
    /// No trial met the target.
    Nowhere,
    /// A signal stopped the search between trials: the trials done are kept, with no answer.
    Stopped,
}

/// The trials of a search and how it ended.
#[derive(Debug, Clone)]
pub struct Calibration {
    pub trials: Vec<Trial>,
    pub outcome: Outcome,
}

/// Runs the search. `simulate` runs every path of a model and returns its totals (the engine
/// the trials run on); `on_trial` is told of each trial as it ends. When `simulate` fails with
/// [`Error::Stopped`] (a signal), the search ends with [`Outcome::Stopped`] and the trials done.
pub fn calibrate(
    model: &Model,
    problem: &Problem,
    simulate: &mut dyn FnMut(&Model) -> Result<RunTotals>,
    on_trial: &mut dyn FnMut(&Trial),
) -> Result<Calibration> {
    let mut trials = Trials {
        model,
        problem,
        simulate,
        on_trial,
        done: Vec::new(),
    };
    match search(&mut trials) {
        Ok(outcome) => Ok(trials.end(outcome)),
        Err(Error::Stopped { .. }) => Ok(trials.end(Outcome::Stopped)),
        Err(error) => Err(error),
    }
}

/// The search itself: the ends (and the current value), then bisection of the boundary.
fn search(trials: &mut Trials) -> Result<Outcome> {
    let (model, problem) = (trials.model, trials.problem);
    let (lo, hi) = problem.range;
    let current = problem.param.current(&model.cohorts[problem.cohort].kind);
    let mut points = Vec::new();
    if current > lo && current < hi {
        points.push(trials.run(current)?);
    }
    points.push(trials.run(lo)?);
    points.push(trials.run(hi)?);
    let meets = |trials: &Trials, i: usize| trials.done[i].meets;
    points.sort_by(|&a, &b| trials.done[a].value.total_cmp(&trials.done[b].value));

    if points.iter().all(|&i| meets(trials, i)) {
        let loose = if problem.param.larger_is_looser() {
            points[points.len() - 1]
        } else {
            points[0]
        };
        return Ok(Outcome::WholeRange { answer: loose });
    }
    if !points.iter().any(|&i| meets(trials, i)) {
        return Ok(Outcome::Nowhere);
    }
    // Bracket the boundary between the two adjacent trials that disagree, nearest the end
    // that meets the target.
    let meeting_low = meets(trials, points[0]);
    let pair = if meeting_low {
        points.windows(2).find(|w| !meets(trials, w[1]))
    } else {
        points.windows(2).rev().find(|w| !meets(trials, w[0]))
    }
    .expect("the ends disagree");
    let (mut good, mut bad) = if meeting_low {
        (pair[0], pair[1])
    } else {
        (pair[1], pair[0])
    };
    while trials.done.len() < MAX_TRIALS {
        let (g, b) = (trials.done[good].value, trials.done[bad].value);
        if (g - b).abs() <= problem.tolerance * g.abs().max(b.abs()) {
            break;
        }
        // The midpoint on a log scale for a scale (its range spans decades), else plainly.
        let mid = if problem.param.is_scale() {
            (g * b).sqrt()
        } else {
            0.5 * (g + b)
        };
        let next = trials.run(mid)?;
        if trials.done[next].meets {
            good = next;
        } else {
            bad = next;
        }
    }
    Ok(Outcome::Boundary {
        answer: good,
        neighbour: bad,
    })
}

/// The trials of one search: each a full simulation of the model at one value.
struct Trials<'a> {
    model: &'a Model,
    problem: &'a Problem,
    simulate: &'a mut dyn FnMut(&Model) -> Result<RunTotals>,
    on_trial: &'a mut dyn FnMut(&Trial),
    done: Vec<Trial>,
}

impl Trials<'_> {
    /// Simulates the model with the parameter at `value`; returns the trial's index.
    fn run(&mut self, value: f64) -> Result<usize> {
        let started = Instant::now();
        let problem = self.problem;
        let totals = (self.simulate)(&problem.param.apply(self.model, problem.cohort, value))?;
        let metric = problem.target.estimate(&totals, problem.cohort);
        let trial = Trial {
            value,
            metric,
            meets: problem.target.meets(&metric),
            seconds: started.elapsed().as_secs_f64(),
        };
        (self.on_trial)(&trial);
        self.done.push(trial);
        Ok(self.done.len() - 1)
    }

    fn end(self, outcome: Outcome) -> Calibration {
        Calibration {
            trials: self.done,
            outcome,
        }
    }
}
