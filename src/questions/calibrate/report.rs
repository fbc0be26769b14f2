//! The answer of a calibration for people (text) and programs (`--json`).

use std::fmt::Write;

use serde::Serialize;

use super::super::Answer;
use super::param::{Param, Setting, setting};
use super::target::{Estimate, Target};
use super::{Calibration, Outcome, Problem, Trial};
use crate::model::Model;
use crate::report::Report;
use crate::report::format::Format;
use crate::report::summary::Backend;
use crate::report::tables::Table;
use crate::summary::BackendInfo;

/// The `--json` document of a calibration.
#[derive(Debug, Clone, Serialize)]
pub struct CalibrationReport {
    pub scenario: String,
    pub cohort: String,
    pub kind: String,
    pub param: Param,
    pub target: Target,
    /// Paths per trial; every trial uses the same seed and paths.
    pub paths: u64,
    pub seed: u64,
    pub backend: Backend,
    /// The searched values (scales for leverage and equity, m for maintenance_margin).
    pub range: [f64; 2],
    pub tolerance: f64,
    /// The scenario's own value (1 for a scale) and its metric when it was inside the range.
    pub current_value: f64,
    pub current_metric: Option<Estimate>,
    /// Whether some value in the range meets the target.
    pub found: bool,
    /// `largest` or `smallest`: which kind of limit `value` is.
    pub limit: Option<&'static str>,
    /// Every value of the range met the target: the limit lies beyond it.
    pub limited_by_range: bool,
    /// The answer, and the target metric (with its 95% interval) and the cohort there.
    pub value: Option<f64>,
    pub metric: Option<Estimate>,
    pub setting: Option<Setting>,
    /// Every simulation, in the order run.
    pub trials: Vec<Trial>,
    /// A signal stopped the search between trials: `trials` holds those done, with no answer.
    pub partial: bool,
    pub elapsed_seconds: f64,
    pub message: String,
}

impl CalibrationReport {
    pub fn new(
        model: &Model,
        problem: &Problem,
        calibration: &Calibration,
        backend: &BackendInfo,
        elapsed_seconds: f64,
    ) -> Self {
        let cohort = &model.cohorts[problem.cohort];
        let (param, target) = (problem.param, &problem.target);
        let trials = &calibration.trials;
        let current_value = param.current(&cohort.kind);
        let answer = match calibration.outcome {
            Outcome::Boundary { answer, .. } | Outcome::WholeRange { answer } => Some(answer),
            Outcome::Nowhere | Outcome::Stopped => None,
        };
        let limit = answer.map(|a| {
            let below = match calibration.outcome {
                Outcome::Boundary { neighbour, .. } => trials[a].value < trials[neighbour].value,
                _ => param.larger_is_looser(),
            };
            if below { "largest" } else { "smallest" }
        });
        let at = |i: usize| {
            let trial = &trials[i];
            format!(
                "{} = {} (95% CI {} to {})",
                target.metric,
                target.format(trial.metric.value),
                target.format(trial.metric.ci95[0]),
                target.format(trial.metric.ci95[1])
            )
        };
        let describe = |i: usize| {
            param.describe(
                &param.apply(model, problem.cohort, trials[i].value).cohorts[problem.cohort].kind,
                trials[i].value,
            )
        };
        let (lo, hi) = problem.range;
        let message = match calibration.outcome {
            Outcome::Boundary { answer, neighbour } => {
                let mut text = format!(
                    "{} {} meeting {}: {}\n  there {}\n  at {} the target is missed: {}",
                    limit.expect("an answer"),
                    param.name(),
                    target.expression,
                    describe(answer),
                    at(answer),
                    value_text(param, trials[neighbour].value),
                    at(neighbour)
                );
                let ci = trials[answer].metric.ci95;
                if ci[0] <= target.threshold && target.threshold <= ci[1] {
                    text += "\n  the threshold lies inside the 95% interval at the answer: more paths (--paths) would pin the limit down";
                }
                text
            }
            Outcome::WholeRange { answer } => format!(
                "every value from {} to {} meets {}: the limit lies beyond the range (widen it with {})\n  at {}: {}",
                value_text(param, lo),
                value_text(param, hi),
                target.expression,
                if param.larger_is_looser() {
                    "--max"
                } else {
                    "--min"
                },
                describe(answer),
                at(answer)
            ),
            Outcome::Nowhere => {
                let best = (0..trials.len())
                    .min_by(|&a, &b| trials[a].metric.value.total_cmp(&trials[b].metric.value))
                    .expect("at least two trials");
                format!(
                    "no value of {} from {} to {} meets {}\n  the lowest {} of the trials, at {}: {}",
                    param.name(),
                    value_text(param, lo),
                    value_text(param, hi),
                    target.expression,
                    target.metric,
                    value_text(param, trials[best].value),
                    at(best)
                )
            }
            Outcome::Stopped => format!(
                "partial: stopped by a signal after {} trial(s), before the search ended: no answer",
                trials.len()
            ),
        };
        CalibrationReport {
            scenario: model.name.clone(),
            cohort: cohort.name.clone(),
            kind: cohort.kind.label().to_string(),
            param,
            target: target.clone(),
            paths: model.paths,
            seed: model.seed,
            backend: Backend {
                kind: backend.kind.clone(),
                adapter: backend.adapter.clone(),
                selection: backend.selection.clone(),
            },
            range: [lo, hi],
            tolerance: problem.tolerance,
            current_value,
            current_metric: trials
                .iter()
                .find(|t| t.value == current_value)
                .map(|t| t.metric),
            found: answer.is_some(),
            limit,
            limited_by_range: matches!(calibration.outcome, Outcome::WholeRange { .. }),
            value: answer.map(|a| trials[a].value),
            metric: answer.map(|a| trials[a].metric),
            setting: answer.map(|a| {
                setting(
                    &param.apply(model, problem.cohort, trials[a].value).cohorts[problem.cohort]
                        .kind,
                )
            }),
            trials: trials.clone(),
            partial: calibration.outcome == Outcome::Stopped,
            elapsed_seconds,
            message,
        }
    }
}

impl Answer for CalibrationReport {
    /// The readable answer: the trials, then the message.
    fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "firesale calibrate: {} — cohort {} ({}), {} so that {}; {} paths per trial, seed {}, {} engine, {:.1} s",
            self.scenario,
            self.cohort,
            self.kind,
            self.param.name(),
            self.target.expression,
            self.paths,
            self.seed,
            self.backend.kind,
            self.elapsed_seconds
        );
        let trials: Vec<(usize, &Trial)> = self.trials.iter().enumerate().collect();
        let table = Table::of("trials", "Trials", &trials)
            .number("trial", "trial", Format::Count, |(i, _)| (i + 1) as f64)
            .text("value", "value", |(_, t)| value_text(self.param, t.value))
            .right()
            .number(
                "metric",
                self.target.metric,
                self.target.shown_as(),
                |(_, t)| t.metric.value,
            )
            .text("ci95", "95% CI", |(_, t)| interval(&self.target, t))
            .right()
            .text("meets", "meets", |(_, t)| yes_no(t.meets))
            .right()
            .text("seconds", "seconds", |(_, t)| format!("{:.2}", t.seconds))
            .right()
            .table();
        let _ = writeln!(out, "\n{}\n{}", table.to_text(), self.message);
        out
    }

    /// The trials and the target metric against the parameter.
    fn report(&self) -> Report {
        crate::questions::bundle::calibrate(self)
    }
}

/// One trial in a line of prose (the status line while a calibration runs):
/// `2.5× → 0.81% (95% CI 0.65% to 1.0%), meets: yes, 1.23 s`.
pub fn trial_line(param: Param, target: &Target, trial: &Trial) -> String {
    format!(
        "{} → {} (95% CI {}), meets: {}, {:.2} s",
        value_text(param, trial.value),
        target.format(trial.metric.value),
        interval(target, trial),
        yes_no(trial.meets),
        trial.seconds
    )
}

/// The 95% interval of a trial's metric: `0.65% to 1.5%`.
fn interval(target: &Target, trial: &Trial) -> String {
    format!(
        "{} to {}",
        target.format(trial.metric.ci95[0]),
        target.format(trial.metric.ci95[1])
    )
}

fn yes_no(meets: bool) -> String {
    if meets { "yes" } else { "no" }.to_string()
}

/// A searched value for people: `×0.734` for a scale, `3.100%` for a margin.
pub fn value_text(param: Param, value: f64) -> String {
    if param.is_scale() {
        format!("×{value:.4}")
    } else {
        format!("{:.4}%", 100.0 * value)
    }
}
