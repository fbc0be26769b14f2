//! The integration tests, one binary with a module per area, so the crate is linked once:
//! the model against closed forms and hand solutions, the engines (CPU lanes, GPU),
//! reproducibility and sharding, the scenario language, the questions (replay, reverse,
//! calibrate, fit), the outputs and report, and the `firesale` command as a user meets it.
//! `common` holds the shared helpers; the shared scenario books are in tests/fixtures/.
//! The Slurm tests need a cluster and `CI=true` (see `slurm`), as before the move.

mod common;

mod calibrate;
mod cli;
mod closed_form;
mod fit;
mod fuzz_inputs;
mod gpu;
mod kubernetes;
mod lanes;
mod layers;
mod mechanics;
mod messages;
mod outputs;
mod replay;
mod report;
mod reproducibility;
mod reverse;
mod scenario_compile;
mod scenario_errors;
mod scenario_ranges;
mod shards;
mod signals;
mod slurm;
mod summary;
