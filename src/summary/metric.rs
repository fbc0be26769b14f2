//! The summary of one metric over all paths, and the statistics read from it.
//!
//! This is the unit the engine keeps per metric and the report reads: it ties together the
//! exact sums (mean, standard deviation) and the quantile sketch (quantiles, expected
//! shortfall), and keeps apart the non-finite values a broken path could produce.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::exact_sum::{self, ExactSum};
use super::sketch::{QuantileSketch, rank};

/// The quantiles every [`Stats`] reports: (JSON key, level).
pub const STATS_QUANTILES: [(&str, f64); 8] = [
    ("0.01", 0.01),
    ("0.05", 0.05),
    ("0.1", 0.1),
    ("0.5", 0.5),
    ("0.9", 0.9),
    ("0.95", 0.95),
    ("0.99", 0.99),
    ("0.999", 0.999),
];

/// The `STATS` object of MODEL.md §6. With no values every number is 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Mean, correctly rounded.
    pub mean: f64,
    /// Population standard deviation.
    pub std: f64,
    /// Smallest value (exact).
    pub min: f64,
    /// Largest value (exact).
    pub max: f64,
    /// The quantiles of [`STATS_QUANTILES`], keyed by their JSON names.
    pub quantiles: BTreeMap<String, f64>,
}

/// Everything kept of one metric: finite-value count, exact `Σx` and `Σx²`, min, max (the
/// count, min and max live in the sketch) and a quantile sketch; non-finite values are only
/// counted.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MetricSummary {
    nonfinite: u64,
    sum: ExactSum,
    sum_sq: ExactSum,
    sketch: QuantileSketch,
}

impl MetricSummary {
    /// An empty summary.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one path's value. NaN and infinities are counted in [`nonfinite`](Self::nonfinite)
    /// and take no part in anything else.
    #[inline]
    pub fn add(&mut self, x: f64) {
        if !x.is_finite() {
            self.nonfinite += 1;
            return;
        }
        self.sum.add(x);
        self.sum_sq.add_square(x);
        self.sketch.add(x);
    }

    /// The summary of values known by their parts, as the GPU engine reduces them:
    /// `nonfinite` NaN or infinite values, and of the finite ones the exact sum `sum`, the
    /// exact sum of squares `sum_sq` and the sketch. Equals (`==`) the summary that
    /// [`add`](Self::add) makes of the same values when the parts are theirs.
    pub fn from_parts(
        nonfinite: u64,
        sum: ExactSum,
        sum_sq: ExactSum,
        sketch: QuantileSketch,
    ) -> Self {
        MetricSummary {
            nonfinite,
            sum,
            sum_sq,
            sketch,
        }
    }

    /// Adds everything `other` has seen: the result equals (`==`) the summary of one pass over
    /// both inputs, in any order and split.
    pub fn merge(&mut self, other: &MetricSummary) {
        self.nonfinite += other.nonfinite;
        self.sum.merge(&other.sum);
        self.sum_sq.merge(&other.sum_sq);
        self.sketch.merge(&other.sketch);
    }

    /// Finite values added.
    pub fn count(&self) -> u64 {
        self.sketch.count()
    }

    /// NaN or infinite values added (and otherwise ignored).
    pub fn nonfinite(&self) -> u64 {
        self.nonfinite
    }

    /// The mean, correctly rounded from the exact sum; 0 when empty.
    pub fn mean(&self) -> f64 {
        exact_sum::mean(&self.sum, self.count())
    }

    /// The population standard deviation, from the exact sums without cancellation (within an
    /// ulp or so; exactly 0 for constant data); 0 when empty.
    pub fn std(&self) -> f64 {
        exact_sum::std(&self.sum, &self.sum_sq, self.count())
    }

    /// The smallest value (exact); 0 when empty.
    pub fn min(&self) -> f64 {
        self.sketch.min()
    }

    /// The largest value (exact); 0 when empty.
    pub fn max(&self) -> f64 {
        self.sketch.max()
    }

    /// The q-quantile (smallest x with `F_n(x) >= q`) within relative error
    /// [`QuantileSketch::RELATIVE_ACCURACY`]; 0 when empty.
    pub fn quantile(&self, q: f64) -> f64 {
        self.sketch.quantile(q)
    }

    /// The mean of the values at or above the q-quantile (the expected shortfall, `es[q]`);
    /// see [`QuantileSketch::tail_mean`] for its error (within the sketch's relative error of
    /// the tail's mean magnitude). When the tail is every value it is the exact mean. 0 when
    /// empty.
    pub fn tail_mean(&self, q: f64) -> f64 {
        if self.count() > 0 && rank(q, self.count()) == 1 {
            return self.mean();
        }
        self.sketch.tail_mean(q)
    }

    /// The population variance of the values at or above the q-quantile (the tail of
    /// [`tail_mean`](Self::tail_mean)), for the standard error of an expected shortfall: from
    /// the exact sums when the tail is every value, else from the sketch (see
    /// [`QuantileSketch::tail_variance`]). 0 when empty.
    pub fn tail_variance(&self, q: f64) -> f64 {
        if self.count() > 0 && rank(q, self.count()) == 1 {
            return self.std().powi(2);
        }
        self.sketch.tail_variance(q)
    }

    /// The sketch behind the quantiles.
    pub fn sketch(&self) -> &QuantileSketch {
        &self.sketch
    }

    /// Mean, std, min, max and the [`STATS_QUANTILES`].
    pub fn stats(&self) -> Stats {
        Stats {
            mean: self.mean(),
            std: self.std(),
            min: self.min(),
            max: self.max(),
            quantiles: STATS_QUANTILES
                .iter()
                .map(|&(key, q)| (key.to_string(), self.quantile(q)))
                .collect(),
        }
    }
}
