//! Output of a run for people and programs: the summary document (the JSON contract of
//! MODEL.md §6), its terminal rendering, the per-path CSV, whole-or-nothing file writes, and
//! the report folder of `--out` (tables as CSV, figures as SVG and PNG, report.html). Every
//! table, on the terminal or in a report, is a [`tables::Table`]. It reads a run's totals and
//! metric layout from [`crate::summary`], never from an engine.

pub mod bundle;
pub mod chart;
pub mod compiled;
pub mod dump;
pub mod file;
pub mod format;
pub mod html;
pub mod plots;
pub mod sections;
pub mod summary;
pub mod tables;
pub mod terminal;

pub use bundle::{Block, Report, Section};
pub use summary::RunSummary;
