//! Mergeable reductions of per-path metrics: quantile sketches and exact sums, the layout of
//! a path's metrics and the run totals built from them, the per-step totals of a recorded
//! run, and which engine ran. Engines fill these types; reports and shards read them.
//!
//! Each metric of a run gets a [`MetricSummary`]: it takes the metric's value on every path in
//! constant memory, merges with the summaries of other threads or shards into exactly what one
//! pass over all paths would have given (whatever the split and order), and reads out the
//! [`Stats`] of MODEL.md §6 and the expected shortfall.

mod backend_info;
mod exact_sum;
mod metric;
pub mod metrics;
mod sketch;
pub mod steps;

pub use backend_info::BackendInfo;
pub use exact_sum::ExactSum;
pub use metric::{MetricSummary, STATS_QUANTILES, Stats};
pub use sketch::QuantileSketch;
