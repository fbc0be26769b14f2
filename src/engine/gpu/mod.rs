//! The GPU engine: the whole model in wgpu compute shaders (`shaders/*.wgsl`), one
//! invocation per path, in f32. Paths run in chunks sized from the adapter's limits; each
//! chunk's per-path metric rows are read back and reduced on the host into the same
//! [`RunTotals`] as the CPU engine, so memory is constant in the path count.

pub mod device;
pub mod params;
pub mod pipeline;
pub mod probe;
pub mod shader;

use std::ops::Range;
use std::sync::atomic::Ordering;

use super::metrics::{MetricLayout, RunTotals};
use super::{BackendInfo, RunControl, RunOutput};
use crate::Result;
use crate::model::Model;
use device::GpuDevice;
pub use device::{AdapterSummary, list_adapters};
use pipeline::PathPipeline;

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

/// Runs global paths `paths` of `model` on the GPU, chunk by chunk, reducing each chunk's
/// rows on the host. Totals match [`super::run_cpu`]'s up to f32 rounding (and the rare
/// path where that rounding flips a liquidation decision).
pub fn run_gpu(
    engine: &mut GpuEngine,
    model: &Model,
    paths: Range<u64>,
    control: &RunControl,
) -> Result<RunOutput> {
    let gpu = &engine.gpu;
    let pipeline = PathPipeline::new(gpu, model)?;
    let layout = MetricLayout::new(model);
    let mut output = RunOutput {
        totals: RunTotals::new(layout),
        dump_rows: Vec::new(),
        partial: false,
    };
    let mut row = vec![0.0; layout.len()];
    let mut start = paths.start;
    while start < paths.end {
        if control.cancel.load(Ordering::Relaxed) {
            output.partial = true;
            break;
        }
        let count = (paths.end - start).min(u64::from(pipeline.chunk_paths)) as u32;
        let chunk = pipeline.run_chunk(gpu, start, count)?;
        for i in 0..count as usize {
            let (values, exhausted) = chunk.path(i);
            for (wide, &narrow) in row.iter_mut().zip(values) {
                *wide = f64::from(narrow);
            }
            output.totals.add_path(&row, exhausted);
            if start + (i as u64) < control.dump_paths {
                output.dump_rows.push(row.clone());
            }
        }
        start += u64::from(count);
        (control.progress)(start - paths.start);
    }
    Ok(output)
}
