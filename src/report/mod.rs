//! Output of a run for people and programs: the summary document (the JSON contract of
//! MODEL.md §6), its terminal rendering, the per-path CSV, and whole-or-nothing file writes.

pub mod dump;
pub mod file;
pub mod summary;
pub mod terminal;

pub use summary::RunSummary;
