//! Per-path simulation engines and the driver that reduces their paths into summaries.
