//! firesale: a Monte Carlo stress tester for leveraged portfolios.
//!
//! The data flows down one pipeline, a module per stage:
//! [`scenario`] (TOML, validation, built-ins) → [`model`] (flat compiled parameters) →
//! [`engine`] (paths, on the CPU or the GPU, using [`rng`]) → [`summary`] (mergeable
//! reductions) → [`report`] (terminal, JSON, CSV). Beside it, [`shard`] splits a run into parts
//! that merge exactly, and [`cluster`] writes the job files that run those parts on a cluster's
//! scheduler. [`questions`] builds the risk manager's questions (replay, limit calibration,
//! reverse stress test) on all of them; only the binary's `cli` sees everything. The imports each
//! module may make are listed in the README's layout section and checked by a test.

pub mod cluster;
pub mod engine;
pub mod error;
pub mod fit;
pub mod lanes;
pub mod model;
pub mod questions;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod shard;
pub mod summary;

pub use error::{Error, Result};
