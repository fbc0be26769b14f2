//! The per-path metrics every engine produces, their order (that of the `--dump-paths`
//! columns of MODEL.md §6), and the totals a run reduces them into.

use serde::{Deserialize, Serialize};

use crate::model::{CohortKind, Model};
use crate::summary::MetricSummary;

/// Metrics of one cohort on one path, in column order.
pub const COHORT_METRICS: [&str; 4] = [
    "loss",
    "liquidated_notional",
    "accounts_liquidated",
    "bad_debt",
];
/// Metrics of one asset on one path, in column order.
pub const ASSET_METRICS: [&str; 3] = ["return", "max_drawdown", "impact_return"];
/// Market-wide metrics of one path, in column order.
pub const SYSTEM_METRICS: [&str; 2] = ["liquidated_notional", "forced_selling"];

// Each metric's index in its group above, found by name when the crate compiles (a name
// missing from its group stops the build); the GPU shader's `METRIC_*` constants are rendered
// from the groups themselves (`src/engine/gpu/shader.rs`).
pub const LOSS: usize = position(&COHORT_METRICS, "loss");
pub const LIQUIDATED_NOTIONAL: usize = position(&COHORT_METRICS, "liquidated_notional");
pub const ACCOUNTS_LIQUIDATED: usize = position(&COHORT_METRICS, "accounts_liquidated");
pub const BAD_DEBT: usize = position(&COHORT_METRICS, "bad_debt");
pub const RETURN: usize = position(&ASSET_METRICS, "return");
pub const MAX_DRAWDOWN: usize = position(&ASSET_METRICS, "max_drawdown");
pub const IMPACT_RETURN: usize = position(&ASSET_METRICS, "impact_return");
pub const SYSTEM_LIQUIDATED_NOTIONAL: usize = position(&SYSTEM_METRICS, "liquidated_notional");
pub const FORCED_SELLING: usize = position(&SYSTEM_METRICS, "forced_selling");

/// Where `name` stands in `group`, at compile time.
const fn position(group: &[&str], name: &str) -> usize {
    let mut i = 0;
    while i < group.len() {
        if same(group[i].as_bytes(), name.as_bytes()) {
            return i;
        }
        i += 1;
    }
    panic!("a metric index names a metric its group does not have")
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Where each metric of a path sits in one flat row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricLayout {
    pub cohorts: usize,
    pub assets: usize,
}

impl MetricLayout {
    pub fn new(model: &Model) -> Self {
        MetricLayout {
            cohorts: model.cohorts.len(),
            assets: model.assets.len(),
        }
    }

    /// Values in one path's row.
    pub fn len(&self) -> usize {
        COHORT_METRICS.len() * self.cohorts
            + ASSET_METRICS.len() * self.assets
            + SYSTEM_METRICS.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Index of metric `metric` (e.g. [`LOSS`]) of cohort `cohort`.
    pub fn cohort(&self, cohort: usize, metric: usize) -> usize {
        COHORT_METRICS.len() * cohort + metric
    }

    /// Index of metric `metric` (e.g. [`RETURN`]) of asset `asset`.
    pub fn asset(&self, asset: usize, metric: usize) -> usize {
        COHORT_METRICS.len() * self.cohorts + ASSET_METRICS.len() * asset + metric
    }

    /// Index of system metric `metric` (e.g. [`FORCED_SELLING`]).
    pub fn system(&self, metric: usize) -> usize {
        COHORT_METRICS.len() * self.cohorts + ASSET_METRICS.len() * self.assets + metric
    }

    /// Column names in row order: `BTC.return`, `system.forced_selling`, …
    pub fn column_names(&self, model: &Model) -> Vec<String> {
        let cohorts = model.cohorts.iter().flat_map(|cohort| {
            COHORT_METRICS
                .iter()
                .map(move |metric| format!("{}.{metric}", cohort.name))
        });
        let assets = model.assets.iter().flat_map(|asset| {
            ASSET_METRICS
                .iter()
                .map(move |metric| format!("{}.{metric}", asset.name))
        });
        let system = SYSTEM_METRICS
            .iter()
            .map(|metric| format!("system.{metric}"));
        cohorts.chain(assets).chain(system).collect()
    }
}

/// Everything a run keeps of its paths: one summary per metric and exact path counts.
/// Merging totals of disjoint path ranges gives the totals of their union, whatever the
/// order or split. Serialisable: a shard's state carries it (see `crate::shard`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunTotals {
    pub layout: MetricLayout,
    pub paths: u64,
    /// One per metric, in row order.
    pub metrics: Vec<MetricSummary>,
    /// Per cohort: paths with at least one liquidated bucket.
    pub liquidated_paths: Vec<u64>,
    /// Per cohort: paths with bad debt > 0.
    pub bad_debt_paths: Vec<u64>,
    /// Paths on which some step ran out of cascade rounds (MODEL.md §7.5).
    pub rounds_exhausted_paths: u64,
}

impl RunTotals {
    pub fn new(layout: MetricLayout) -> Self {
        RunTotals {
            layout,
            paths: 0,
            metrics: vec![MetricSummary::new(); layout.len()],
            liquidated_paths: vec![0; layout.cohorts],
            bad_debt_paths: vec![0; layout.cohorts],
            rounds_exhausted_paths: 0,
        }
    }

    /// Adds one path's row.
    pub fn add_path(&mut self, row: &[f64], rounds_exhausted: bool) {
        self.paths += 1;
        for (summary, &value) in self.metrics.iter_mut().zip(row) {
            summary.add(value);
        }
        for cohort in 0..self.layout.cohorts {
            if row[self.layout.cohort(cohort, ACCOUNTS_LIQUIDATED)] > 0.0 {
                self.liquidated_paths[cohort] += 1;
            }
            if row[self.layout.cohort(cohort, BAD_DEBT)] > 0.0 {
                self.bad_debt_paths[cohort] += 1;
            }
        }
        self.rounds_exhausted_paths += u64::from(rounds_exhausted);
    }

    /// Adds the paths of `other` (a disjoint path range of the same model).
    pub fn merge(&mut self, other: &RunTotals) {
        self.paths += other.paths;
        for (mine, theirs) in self.metrics.iter_mut().zip(&other.metrics) {
            mine.merge(theirs);
        }
        for (mine, theirs) in self
            .liquidated_paths
            .iter_mut()
            .zip(&other.liquidated_paths)
        {
            *mine += theirs;
        }
        for (mine, theirs) in self.bad_debt_paths.iter_mut().zip(&other.bad_debt_paths) {
            *mine += theirs;
        }
        self.rounds_exhausted_paths += other.rounds_exhausted_paths;
    }

    /// Summary of cohort metric `metric` of cohort `cohort`.
    pub fn cohort(&self, cohort: usize, metric: usize) -> &MetricSummary {
        &self.metrics[self.layout.cohort(cohort, metric)]
    }

    pub fn asset(&self, asset: usize, metric: usize) -> &MetricSummary {
        &self.metrics[self.layout.asset(asset, metric)]
    }

    pub fn system(&self, metric: usize) -> &MetricSummary {
        &self.metrics[self.layout.system(metric)]
    }

    /// Non-finite values seen across every metric (never silently dropped).
    pub fn nonfinite_values(&self) -> u64 {
        self.metrics.iter().map(MetricSummary::nonfinite).sum()
    }
}

/// Whether a cohort kind can be liquidated (funds never are, MODEL.md §7.3).
pub fn has_liquidations(kind: &CohortKind) -> bool {
    matches!(kind, CohortKind::Margin(_))
}
