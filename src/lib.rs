//! firesale: a Monte Carlo stress tester for leveraged portfolios.
//!
//! The data flows down one pipeline, a module per stage:
//! [`scenario`] (TOML, validation, built-ins) → [`model`] (flat compiled parameters) →
//! [`engine`] (paths, on the CPU or the GPU, using [`rng`]) → [`summary`] (mergeable
//! reductions) → [`report`] (terminal, JSON, CSV). [`questions`] builds the risk manager's
//! questions (replay, limit calibration, reverse stress test) on all of them; only the binary's
//! `cli` sees everything.

pub mod engine;
pub mod error;
pub mod model;
pub mod questions;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod summary;

pub use error::{Error, Result};
