//! The GPU engine: the whole model in wgpu compute shaders (`shaders/*.wgsl`), one
//! invocation per path, in f32. Paths run in chunks sized from the adapter's limits; each
//! chunk's per-path metric rows stay on the GPU, where they are reduced ([`reduce`]) into
//! counters from which the host rebuilds the same mergeable [`RunTotals`] as the CPU
//! engine's. Only the counters (and the rows of `--dump-paths`) are read back, so GPU and
//! host memory are constant in the path count.

pub mod device;
pub mod params;
pub mod pipeline;
pub mod probe;
pub mod reduce;
pub mod shader;

use std::ops::Range;
use std::sync::atomic::Ordering;

use super::metrics::{MetricLayout, RunTotals};
use super::{BackendInfo, RunControl, RunOutput};
use crate::Result;
use crate::model::Model;
use device::GpuDevice;
pub use device::{AdapterSummary, list_adapters};
use pipeline::{MAX_CHUNK_PATHS, PathPipeline};

/// An open GPU device, reusable across runs.
pub struct GpuEngine {
    gpu: GpuDevice,
}

impl GpuEngine {
    /// Opens the adapter whose name contains `adapter` (case-insensitive) if given, else
    /// the preferred one; `WGPU_BACKEND`, `WGPU_ADAPTER_NAME` and `WGPU_POWER_PREF` apply.
    pub fn new(adapter: Option<&str>) -> Result<Self> {
        Ok(GpuEngine {
            gpu: GpuDevice::open(adapter)?,
        })
    }

    /// The open device.
    pub fn device(&self) -> &GpuDevice {
        &self.gpu
    }

    /// The adapter in use.
    pub fn adapter(&self) -> &AdapterSummary {
        &self.gpu.adapter
    }

    /// What the summary reports as `backend`.
    pub fn backend_info(&self) -> BackendInfo {
        BackendInfo {
            kind: "gpu".to_string(),
            adapter: format!("{} ({})", self.gpu.adapter.name, self.gpu.adapter.backend),
            selection: None,
        }
    }
}

/// Runs global paths `paths` of `model` on the GPU, chunk by chunk, reducing each chunk on
/// the GPU. Totals match [`super::run_cpu`]'s up to f32 rounding (and the rare path where
/// that rounding flips a liquidation decision).
pub fn run_gpu(
    engine: &mut GpuEngine,
    model: &Model,
    paths: Range<u64>,
    control: &RunControl,
) -> Result<RunOutput> {
    let gpu = &engine.gpu;
    let pipeline = PathPipeline::new(gpu, model, MAX_CHUNK_PATHS)?;
    let mut output = RunOutput {
        totals: RunTotals::new(MetricLayout::new(model)),
        dump_rows: Vec::new(),
        partial: false,
        // Per-step series are kept by the CPU engine only so far.
        steps: None,
    };
    let mut start = paths.start;
    while start < paths.end {
        if control.cancel.load(Ordering::Relaxed) {
            output.partial = true;
            break;
        }
        let count = (paths.end - start).min(u64::from(pipeline.chunk_paths)) as u32;
        let dump = control
            .dump_paths
            .saturating_sub(start)
            .min(u64::from(count)) as u32;
        let chunk = pipeline.run_chunk(gpu, start, count, dump)?;
        output.totals.merge(&chunk.totals);
        output.dump_rows.extend((0..chunk.rows.len()).map(|i| {
            let (values, _) = chunk.rows.path(i);
            values.iter().copied().map(f64::from).collect::<Vec<f64>>()
        }));
        start += u64::from(count);
        (control.progress)(start - paths.start);
    }
    Ok(output)
}
