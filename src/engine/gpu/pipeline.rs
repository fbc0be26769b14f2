//! The path pipeline of one model: the path shader, the parameter buffer, one chunk's row
//! buffer (device memory only) and the [`Reduction`] of those rows, and when per-step totals
//! are asked for the [`StepRecording`] variant (a path shader that also writes step rows);
//! built once and reused for every chunk of paths. A chunk is sized from the adapter's limits
//! (storage binding size, workgroups per dimension, with a 2D dispatch), capped at
//! [`MAX_CHUNK_PATHS`] (and, recording, at [`MAX_STEP_ROW_BYTES`] of step rows); only the
//! summary counters, and the rows asked for, are read back, so GPU and host memory stay
//! constant in the path count.
//!
//! On a software adapter (Mesa's lavapipe, whose "device memory" is host memory and whose
//! atomics are emulated) the chunk's rows are instead read back and reduced on the host
//! ([`ReduceOn::Host`]): the totals are identical bit for bit (tests/gpu.rs checks the two
//! reductions against each other), and it saves the reduction pass, about a sixth of the
//! CPU time there (user time 46 s with it against 39 s without, 200,000 crypto-unwind paths).

use wgpu::BufferUsages;

use super::device::{Binding, Dispatch, GpuDevice};
use super::params::{Header, ParamWords, ParamsBinding};
use super::record::{MAX_STEP_ROW_BYTES, StepLayout, StepRecording};
use super::reduce::{self, Reduction, chunk_totals};
use super::shader::{WORKGROUP_SIZE, path_shader};
use crate::engine::cpu::plan::Plan;
use crate::engine::metrics::{MetricLayout, RunTotals};
use crate::engine::steps::StepTotals;
use crate::model::Model;
use crate::{Error, Result};

/// Paths per dispatch at most.
pub const MAX_CHUNK_PATHS: u32 = 1 << 20;
const _: () = assert!(MAX_CHUNK_PATHS <= reduce::MAX_PATHS);

/// Rows of a chunk's first paths: per path, the metric row then its flag: 1.0 when some
/// step ran out of cascade rounds, 0.0 when none did, −1.0 when the driver cut the path
/// short (`shaders/path.wgsl`).
pub struct ChunkRows {
    pub values: Vec<f32>,
    /// f32 values per path: the row length + 1.
    pub stride: usize,
}

impl ChunkRows {
    /// Paths held.
    pub fn len(&self) -> usize {
        self.values.len() / self.stride
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Path `i` of the chunk: (metric row, whether some step ran out of rounds).
    pub fn path(&self, i: usize) -> (&[f32], bool) {
        let (metrics, flag) = self.row(i);
        (metrics, flag > 0.0)
    }

    /// Paths the driver cut short.
    pub fn cut_short(&self) -> u64 {
        (0..self.len()).filter(|&i| self.row(i).1 < 0.0).count() as u64
    }

    fn row(&self, i: usize) -> (&[f32], f32) {
        let row = &self.values[i * self.stride..(i + 1) * self.stride];
        let (metrics, flag) = row.split_at(self.stride - 1);
        (metrics, flag[0])
    }
}

/// What a chunk gives back: its totals, its per-step totals when the pipeline records them,
/// and the rows of its first paths when asked for.
pub struct Chunk {
    pub totals: RunTotals,
    pub steps: Option<StepTotals>,
    pub rows: ChunkRows,
}

/// Where a chunk's rows become totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReduceOn {
    /// The reduction shader: only counters cross the bus (hardware GPUs).
    Device,
    /// Every row is read back and added on the host (software adapters).
    Host,
}

impl ReduceOn {
    /// The cheaper place for this adapter.
    pub fn for_adapter(gpu: &GpuDevice) -> Self {
        if gpu.adapter.device_type == "Cpu" {
            ReduceOn::Host
        } else {
            ReduceOn::Device
        }
    }
}

pub struct PathPipeline {
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    params: wgpu::Buffer,
    rows: wgpu::Buffer,
    reduction: Reduction,
    recording: Option<StepRecording>,
    layout: MetricLayout,
    seed: u64,
    /// f32 values written per path.
    stride: usize,
    /// Paths per chunk (a multiple of the workgroup size).
    pub chunk_paths: u32,
    pub reduce_on: ReduceOn,
}

impl PathPipeline {
    /// The pipeline of `model`, with chunks of at most `max_chunk_paths` paths (and at most
    /// what the adapter's limits allow, and [`MAX_CHUNK_PATHS`]), recording per-step totals
    /// when `per_step`.
    pub fn new(
        gpu: &GpuDevice,
        model: &Model,
        max_chunk_paths: u32,
        per_step: bool,
    ) -> Result<Self> {
        let plan = Plan::new(model);
        let layout = MetricLayout::new(model);
        let words = ParamWords::new(&plan);
        let binding = words.binding(gpu.limits.max_uniform_buffer_binding_size);
        let empty_steps = per_step.then(|| StepTotals::new(model));
        let step_layout = empty_steps
            .as_ref()
            .map(|totals| StepLayout::new(totals, model));
        let source = path_shader(
            &plan,
            &layout,
            &words,
            binding,
            empty_steps.as_ref().zip(step_layout),
        );
        let params_binding = match binding {
            ParamsBinding::Uniform => Binding::Uniform,
            ParamsBinding::Storage => Binding::Read,
        };
        let mut bindings = vec![params_binding, Binding::ReadWrite];
        if per_step {
            bindings.extend([Binding::ReadWrite, Binding::ReadWrite]);
        }
        let (pipeline, bind_layout) =
            gpu.compute_pipeline("firesale paths", &source, "simulate_paths", &bindings)?;

        let stride = layout.len() + 1;
        let stride_bytes = (stride * size_of::<f32>()) as u64;
        let limits = &gpu.limits;
        let binding_bytes = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size);
        let by_binding = match step_layout {
            Some(steps) => {
                let step_bytes = StepRecording::row_bytes(steps);
                (binding_bytes / stride_bytes)
                    .min(binding_bytes.min(MAX_STEP_ROW_BYTES) / step_bytes)
            }
            None => binding_bytes / stride_bytes,
        };
        let by_dispatch = u64::from(limits.max_compute_workgroups_per_dimension).pow(2)
            * u64::from(WORKGROUP_SIZE);
        let chunk_paths = by_binding
            .min(by_dispatch)
            .min(u64::from(max_chunk_paths.min(MAX_CHUNK_PATHS))) as u32
            / WORKGROUP_SIZE
            * WORKGROUP_SIZE;
        let chunk_paths = chunk_paths.max(WORKGROUP_SIZE);

        let param_bytes = words.buffer_bytes(&Header::new(model.seed, 0, 0, 0));
        let params = gpu.buffer(
            "firesale parameters",
            param_bytes.len() as u64,
            // Uniform or storage for the path shader, storage for the reduction's header.
            BufferUsages::UNIFORM | BufferUsages::STORAGE | BufferUsages::COPY_DST,
        )?;
        gpu.queue.write_buffer(&params, 0, &param_bytes);
        let rows = gpu.buffer(
            "firesale path rows",
            u64::from(chunk_paths) * stride_bytes,
            BufferUsages::STORAGE | BufferUsages::COPY_SRC,
        )?;
        let recording = step_layout
            .map(|steps| StepRecording::new(gpu, model, steps, chunk_paths, &params))
            .transpose()?;
        let mut bindings = vec![&params, &rows];
        if let Some(recording) = &recording {
            bindings.extend(recording.bindings());
        }
        let bind_group = gpu.bind_group(&bind_layout, &bindings)?;
        let columns = stride as u32;
        let reduction = Reduction::new(gpu, columns, columns, &params, &rows)?;
        Ok(PathPipeline {
            pipeline,
            bind_group,
            params,
            rows,
            reduction,
            recording,
            layout,
            seed: model.seed,
            stride,
            chunk_paths,
            reduce_on: ReduceOn::for_adapter(gpu),
        })
    }

    /// Bytes of device memory held: parameters, one chunk's rows (and step rows), counters
    /// and their readback. It depends on the model and the chunk size only, never on the
    /// paths run.
    pub fn device_bytes(&self) -> u64 {
        let recording = self
            .recording
            .as_ref()
            .map_or(0, StepRecording::device_bytes);
        self.params.size() + self.rows.size() + 2 * self.reduction.bytes() + recording
    }

    /// Simulates global paths `first .. first + count` (count ≤ `chunk_paths`), reduces them
    /// where `reduce_on` says (per-step totals, when recording, on the GPU), and returns the
    /// totals and the rows of the first `rows` paths.
    pub fn run_chunk(&self, gpu: &GpuDevice, first: u64, count: u32, rows: u32) -> Result<Chunk> {
        debug_assert!(count > 0 && count <= self.chunk_paths && rows <= count);
        if self.reduce_on == ReduceOn::Host {
            let all = self.dispatch(gpu, first, count, count, false)?;
            check_complete(gpu, all.rows.cut_short())?;
            let mut totals = RunTotals::new(self.layout);
            let mut wide = vec![0.0; self.layout.len()];
            for i in 0..all.rows.len() {
                let (values, exhausted) = all.rows.path(i);
                for (w, &v) in wide.iter_mut().zip(values) {
                    *w = f64::from(v);
                }
                totals.add_path(&wide, exhausted);
            }
            let mut kept = all.rows;
            kept.values.truncate(rows as usize * self.stride);
            return Ok(Chunk {
                totals,
                steps: all.steps,
                rows: kept,
            });
        }
        self.dispatch(gpu, first, count, rows, true)
    }

    /// One chunk's dispatches: the path pass, then (when `reduce`) the reduction pass; reads
    /// back the counters (when reducing) and the first `rows` rows.
    fn dispatch(
        &self,
        gpu: &GpuDevice,
        first: u64,
        count: u32,
        rows: u32,
        reduce: bool,
    ) -> Result<Chunk> {
        let groups = count.div_ceil(WORKGROUP_SIZE);
        let groups_x = groups.min(gpu.limits.max_compute_workgroups_per_dimension);
        let groups_y = groups.div_ceil(groups_x);
        let header = Header::new(self.seed, first, count, groups_x * WORKGROUP_SIZE);
        gpu.queue
            .write_buffer(&self.params, 0, bytemuck::bytes_of(&header));
        let row_bytes = (rows as usize * self.stride * size_of::<f32>()) as u64;
        // Only a dump asks for rows: a readback buffer for just those, while it lasts.
        let row_staging = (rows > 0)
            .then(|| {
                gpu.buffer(
                    "firesale path rows readback",
                    row_bytes,
                    BufferUsages::MAP_READ | BufferUsages::COPY_DST,
                )
            })
            .transpose()?;
        let mut clear = Vec::new();
        let mut reads = Vec::new();
        let mut dispatches = vec![Dispatch {
            pipeline: &self.pipeline,
            bind_group: &self.bind_group,
            groups: (groups_x, groups_y),
        }];
        if reduce {
            clear.push(self.reduction.counters());
            reads.push(self.reduction.read(0));
            dispatches.push(self.reduction.dispatch(count, 0));
        }
        if let Some(recording) = &self.recording {
            clear.push(recording.counters());
            reads.push(recording.read());
        }
        if let Some(staging) = &row_staging {
            reads.push((&self.rows, staging, row_bytes));
        }
        let mut read = gpu
            .dispatch_and_read(&clear, &dispatches, &reads)?
            .into_iter();
        let totals = if reduce {
            let counters: Vec<u32> = bytemuck::pod_collect_to_vec(&read.next().expect("counters"));
            check_complete(
                gpu,
                reduce::cut_short_paths(&counters, self.layout, u64::from(count)),
            )?;
            chunk_totals(&counters, self.layout, u64::from(count))
        } else {
            RunTotals::new(self.layout)
        };
        let steps = self
            .recording
            .as_ref()
            .map(|recording| {
                let first: Vec<u32> =
                    bytemuck::pod_collect_to_vec(&read.next().expect("step counters"));
                recording.totals(gpu, &self.params, count, &first)
            })
            .transpose()?;
        let values = read
            .next()
            .map_or_else(Vec::new, |bytes| bytemuck::pod_collect_to_vec(&bytes));
        Ok(Chunk {
            totals,
            steps,
            rows: ChunkRows {
                values,
                stride: self.stride,
            },
        })
    }
}

/// An error when the driver cut `paths` paths short: their numbers would be wrong.
fn check_complete(gpu: &GpuDevice, paths: u64) -> Result<()> {
    if paths == 0 {
        return Ok(());
    }
    Err(Error::Runtime(format!(
        "GPU run on {} stopped {paths} paths early: the driver ended the shader's loops \
         before the paths were done (llvmpipe, Mesa's software driver, ends a shader after \
         65,535 loop passes, and this scenario needs more: fewer steps or assets fit); \
         run it with --backend cpu",
        gpu.adapter.name
    )))
}
