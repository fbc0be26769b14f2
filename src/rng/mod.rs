//! Random numbers of MODEL.md §2: Philox4x32-10 and the per-(path, step) stream.
//!
//! Every number a path uses is a pure function of (seed, path, step, slot), so a path is the
//! same whatever batch, thread, chunk, backend or shard computes it. `shaders/philox.wgsl`
//! mirrors this module word for word.

mod philox;
mod stream;

pub use philox::{Key, philox4x32_10, philox4x32_10_lanes};
pub use stream::{StepStream, StepStreams, box_muller, box_muller_lanes, uniform_from_word};
