//! Mergeable reductions of per-path metrics: quantile sketches and exact sums.
//! (Placeholder in this worktree: the real module lands from the summary branch.)

#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricSummary {
    values: Vec<f64>,
}

impl MetricSummary {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add(&mut self, x: f64) {
        self.values.push(x);
    }
    pub fn merge(&mut self, other: &MetricSummary) {
        self.values.extend(&other.values);
    }
    pub fn nonfinite(&self) -> u64 {
        0
    }
}
