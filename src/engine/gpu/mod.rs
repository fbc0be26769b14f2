//! The GPU engine: the whole model in wgpu compute shaders (`shaders/*.wgsl`), one
//! invocation per path, in f32. Paths run in chunks sized from a memory budget and the
//! adapter's limits, and a chunk's steps in slices short enough for any driver
//! ([`slicer`]), progress and cancellation acting between slices; each
//! chunk's per-path metric rows stay on the GPU, where they are reduced ([`reduce`]) into
//! counters from which the host rebuilds the same mergeable [`RunTotals`] as the CPU
//! engine's. When a run asks for per-step totals, a pipeline variant also writes each step's
//! values into chunk-sized step rows that the same reduction turns into a [`StepTotals`]
//! ([`record`]). Only the counters (and the rows of `--dump-paths`) are read back, so GPU and
//! host memory are constant in the path count.

pub mod agreement;
pub mod correlation;
pub mod device;
pub mod params;
pub mod path_state;
pub mod pipeline;
#[cfg(any(test, feature = "test-support"))]
pub mod probe;
pub mod record;
pub mod reduce;
pub mod shader;
pub mod slicer;
pub mod unroll;
pub mod weights;

use std::ops::Range;
use std::sync::atomic::Ordering;

use super::{RunControl, RunOutput};
use crate::Result;
use crate::model::Model;
use crate::summary::BackendInfo;
use crate::summary::metrics::{MetricLayout, RunTotals};
use crate::summary::steps::StepTotals;
use device::GpuDevice;
pub use device::{AdapterSummary, list_adapters};
use pipeline::{MAX_CHUNK_PATHS, PathPipeline};

/// Smallest chunk a pipeline is built for: small runs share one pipeline (and one shader
/// compile) instead of building one per size.
const MIN_CHUNK_PATHS: u32 = 1 << 16;

/// An open GPU device, reusable across runs; it keeps the last pipeline built, so runs of
/// the same model (a benchmark's warm run) reuse it, and the device keeps the compiled
/// shaders, so models of the same shape (a calibration's trials) compile once.
pub struct GpuEngine {
    gpu: GpuDevice,
    /// The model, chunk cap, whether it records steps, and the pipeline.
    cached: Option<(Model, u32, bool, PathPipeline)>,
}

impl GpuEngine {
    /// Opens the adapter whose name contains `adapter` (case-insensitive) if given, else
    /// the preferred one; `WGPU_BACKEND`, `WGPU_ADAPTER_NAME` and `WGPU_POWER_PREF` apply.
    pub fn new(adapter: Option<&str>) -> Result<Self> {
        Ok(GpuEngine {
            gpu: GpuDevice::open(adapter)?,
            cached: None,
        })
    }

    /// The pipeline of `model` for chunks of up to `paths` paths, recording steps when
    /// `per_step`: the cached one when it fits, else a new one (sized to a power of two, so
    /// nearby sizes share it).
    fn pipeline(
        &mut self,
        model: &Model,
        paths: u64,
        per_step: bool,
    ) -> Result<(&GpuDevice, &PathPipeline)> {
        let wanted = paths
            .clamp(u64::from(MIN_CHUNK_PATHS), u64::from(MAX_CHUNK_PATHS))
            .next_power_of_two() as u32;
        let fits = matches!(&self.cached, Some((cached, cap, steps, _))
            if cached == model && *cap >= wanted && *steps == per_step);
        if !fits {
            // The old buffers go before the new ones are made.
            let previous = self
                .cached
                .take()
                .map(|(_, _, _, old)| (old.shape, old.slicer.get()));
            let pipeline = PathPipeline::new(&self.gpu, model, wanted, per_step)?;
            // A model of the same shape (a calibration's next trial) slices as the last one
            // did, without probing again.
            if let Some((_, slicer)) = previous.filter(|(shape, _)| *shape == pipeline.shape) {
                pipeline.slicer.set(slicer);
            }
            self.cached = Some((model.clone(), wanted, per_step, pipeline));
        }
        Ok((&self.gpu, &self.cached.as_ref().expect("just built").3))
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
            adapter: format!(
                "{} ({}, {})",
                self.gpu.adapter.name,
                self.gpu.adapter.backend,
                device::device_type_name(self.gpu.adapter.device_type)
            ),
            selection: None,
        }
    }
}

/// Runs global paths `paths` of `model` on the GPU, chunk by chunk, reducing each chunk on
/// the GPU (and its per-step totals when `control.per_step`). Totals match
/// [`super::run_cpu`]'s up to f32 rounding (and the rare path where that rounding flips a
/// liquidation decision).
pub fn run_gpu(
    engine: &mut GpuEngine,
    model: &Model,
    paths: Range<u64>,
    control: &RunControl,
) -> Result<RunOutput> {
    let (gpu, pipeline) = engine.pipeline(model, paths.end - paths.start, control.per_step)?;
    let mut output = RunOutput {
        totals: RunTotals::new(MetricLayout::new(model)),
        dump_rows: Vec::new(),
        partial: false,
        steps: control.per_step.then(|| StepTotals::new(model)),
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
        let done = start - paths.start;
        let steps = u64::from(model.steps.max(1));
        let mut between = |step: u32| {
            (control.progress)(done + u64::from(count) * u64::from(step) / steps);
            !control.cancel.load(Ordering::Relaxed)
        };
        let Some(chunk) = pipeline.run_chunk_in_slices(gpu, start, count, dump, &mut between)?
        else {
            output.partial = true;
            break;
        };
        output.totals.merge(&chunk.totals);
        if let (Some(steps), Some(chunk_steps)) = (&mut output.steps, &chunk.steps) {
            steps.merge(chunk_steps);
        }
        output.dump_rows.extend((0..chunk.rows.len()).map(|i| {
            let (values, _) = chunk.rows.path(i);
            values.iter().copied().map(f64::from).collect::<Vec<f64>>()
        }));
        start += u64::from(count);
        (control.progress)(start - paths.start);
    }
    Ok(output)
}
