//! Random numbers of MODEL.md §2: Philox4x32-10 and the per-(path, step) stream.
//!
//! Every number a path uses is a pure function of (seed, path, step, slot), so a path is the
//! same whatever batch, thread, chunk, backend or shard computes it. `shaders/philox.wgsl`
//! mirrors this module: the same Philox words, stream slots and uniforms, while its
//! Box–Muller takes the f32 forms that keep precision on a GPU (−ln u from 1 − u near 1, the
//! angle shifted into [−π, π]), so the normals agree to f32 rounding, not bit for bit.

mod philox;
mod stream;

pub use philox::{Key, philox4x32_10, philox4x32_10_lanes};
pub use stream::{StepStream, StepStreams, box_muller, box_muller_lanes, uniform_from_word};
