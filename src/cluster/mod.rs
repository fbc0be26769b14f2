//! Running the shards of a run (see [`crate::shard`]) on the scheduler a cluster already has.
//! firesale brings no scheduler of its own: it writes the scheduler's job files.
//!
//! - [`slurm`]: a job array (one shard per task) and a merge job that depends on it.
//!
//! Kubernetes needs no code: an Indexed Job runs `firesale run --shard
//! $(JOB_COMPLETION_INDEX)/N` as it is (see docs/clusters.md).

pub mod slurm;
