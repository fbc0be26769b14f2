//! `--target COHORT:METRIC>=X` of a reverse stress test: parsed against the model, and its
//! metric measured on a path.

use serde::Serialize;

use crate::model::Model;
use crate::questions::input::{parse_amount, unknown};
use crate::questions::path::PathRecord;
use crate::report::format::{Format, usd};
use crate::summary::metrics::{
    ACCOUNTS_LIQUIDATED, BAD_DEBT, LIQUIDATED_NOTIONAL, LOSS, has_liquidations,
};
use crate::{Error, Result};

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
    pub fn format(&self, value: f64) -> String {
        if self.metric_index == ACCOUNTS_LIQUIDATED {
            Format::Count.show(value)
        } else {
            usd(value)
        }
    }
}
