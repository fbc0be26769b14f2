//! Mergeable reductions of per-path metrics: quantile sketches and exact sums.
