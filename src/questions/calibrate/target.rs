//! The risk target of a calibration (`--target`): a metric of the cohort, at most a threshold,
//! and its estimate from a run with a 95% confidence interval.
//!
//! Intervals (z = 1.96):
//! - `p_liquidation`, `p_bad_debt`: the Wilson score interval of a binomial share.
//! - `varQ`: order-statistic bounds, the quantiles at Q ∓ z·sqrt(Q(1−Q)/n) read from the loss
//!   summary (which adds its own 0.5% relative error).
//! - `esQ`: a normal approximation, ES ± z·sqrt((Var(L | L ≥ VaR) + Q·(ES − VaR)²) / (n(1−Q))),
//!   the tail variance read from the loss summary.

use serde::Serialize;

use super::super::input::{parse_amount, unknown};
use crate::model::CohortKind;
use crate::report::format::Format;
use crate::summary::metrics::{LOSS, RunTotals, has_liquidations};
use crate::{Error, Result};

/// z of a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// A calibration metric of one cohort.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    /// Share of paths with any liquidation.
    PLiquidation,
    /// Share of paths with bad debt.
    PBadDebt,
    /// Loss quantile at this level, USD.
    Var(f64),
    /// Mean loss at or beyond the quantile at this level, USD.
    Es(f64),
}

/// `--target` metric names.
const METRICS: [(&str, Metric); 8] = [
    ("p_liquidation", Metric::PLiquidation),
    ("p_bad_debt", Metric::PBadDebt),
    ("var95", Metric::Var(0.95)),
    ("var99", Metric::Var(0.99)),
    ("var999", Metric::Var(0.999)),
    ("es95", Metric::Es(0.95)),
    ("es99", Metric::Es(0.99)),
    ("es999", Metric::Es(0.999)),
];

/// `METRIC<=X`: the cohort's metric must not exceed `threshold`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// As given, e.g. `p_liquidation<=0.01`.
    pub expression: String,
    /// The metric's name, e.g. `var99`.
    pub metric: &'static str,
    pub threshold: f64,
    #[serde(skip)]
    kind: Metric,
}

/// A metric's estimate from one run and its 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub value: f64,
    pub ci95: [f64; 2],
}

impl Target {
    /// Parses `--target METRIC<=X` (X a share for `p_` metrics, else USD: `2.5e9`, `$2.5B`).
    pub fn parse(text: &str) -> Result<Target> {
        let names = METRICS.map(|(name, _)| name);
        let syntax = || {
            Error::Usage(format!(
                "--target '{text}': expected METRIC<=X, e.g. 'p_liquidation<=0.01' or 'es99<=2.5e9'; METRIC is one of {}",
                names.join(", ")
            ))
        };
        let (name, threshold) = text.split_once("<=").ok_or_else(syntax)?;
        let name = name.trim();
        let &(metric, kind) = METRICS
            .iter()
            .find(|(known, _)| *known == name)
            .ok_or_else(|| unknown("--target", "metric", name, &names))?;
        let threshold = parse_amount(threshold).ok_or_else(|| {
            Error::Usage(format!(
                "--target '{text}': '{}' is not a number",
                threshold.trim()
            ))
        })?;
        if matches!(kind, Metric::PLiquidation | Metric::PBadDebt)
            && !(0.0..1.0).contains(&threshold)
        {
            return Err(Error::Usage(format!(
                "--target '{text}': {metric} is a probability; X must be from 0 to below 1 (e.g. 0.01 for 1%)"
            )));
        }
        Ok(Target {
            expression: text.to_string(),
            metric,
            threshold,
            kind,
        })
    }

    /// A usage error when the metric does not apply to the cohort's kind: funds are never
    /// liquidated, so they have no `p_liquidation` or `p_bad_debt`.
    pub fn check(&self, kind: &CohortKind, cohort: &str) -> Result<()> {
        if matches!(self.kind, Metric::PLiquidation | Metric::PBadDebt) && !has_liquidations(kind) {
            return Err(Error::Usage(format!(
                "--target {}: cohort '{cohort}' is a {} fund, which is never liquidated; valid for it: var95, var99, var999, es95, es99, es999",
                self.metric,
                kind.label()
            )));
        }
        Ok(())
    }

    /// Whether `estimate` meets the target (its point value at most the threshold).
    pub fn meets(&self, estimate: &Estimate) -> bool {
        estimate.value <= self.threshold
    }

    /// The metric of cohort `cohort` in `totals`, with its 95% interval.
    pub fn estimate(&self, totals: &RunTotals, cohort: usize) -> Estimate {
        let n = totals.paths;
        let loss = totals.cohort(cohort, LOSS);
        match self.kind {
            Metric::PLiquidation => wilson(totals.liquidated_paths[cohort], n),
            Metric::PBadDebt => wilson(totals.bad_debt_paths[cohort], n),
            Metric::Var(q) => {
                let half = Z95 * (q * (1.0 - q) / n as f64).sqrt();
                Estimate {
                    value: loss.quantile(q),
                    ci95: [
                        loss.quantile((q - half).max(0.0)),
                        loss.quantile((q + half).min(1.0)),
                    ],
                }
            }
            Metric::Es(q) => {
                let (es, var) = (loss.tail_mean(q), loss.quantile(q));
                let variance =
                    (loss.tail_variance(q) + q * (es - var).powi(2)) / (n as f64 * (1.0 - q));
                let half = Z95 * variance.sqrt();
                Estimate {
                    value: es,
                    ci95: [es - half, es + half],
                }
            }
        }
    }

    /// The unit of the metric's values: a share of paths or USD.
    pub fn unit(&self) -> Format {
        match self.kind {
            Metric::PLiquidation | Metric::PBadDebt => Format::Percent,
            Metric::Var(_) | Metric::Es(_) => Format::Usd,
        }
    }

    /// A value of the metric for people: a percentage or USD.
    pub fn format(&self, value: f64) -> String {
        self.shown_as().show(value)
    }

    /// How the metric's values are shown to people: as probabilities, or USD.
    pub fn shown_as(&self) -> Format {
        match self.kind {
            Metric::PLiquidation | Metric::PBadDebt => Format::Probability,
            Metric::Var(_) | Metric::Es(_) => Format::Usd,
        }
    }
}

/// The Wilson score interval of `k` successes in `n` trials.
fn wilson(k: u64, n: u64) -> Estimate {
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Estimate {
        value: p,
        ci95: [(centre - half).max(0.0), (centre + half).min(1.0)],
    }
}
