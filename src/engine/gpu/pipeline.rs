//! The path pipeline of one model: the path shader, the parameter buffer, one chunk's row
//! buffer and its path state (device memory only), the [`Reduction`] of those rows, and when
//! per-step totals are asked for the [`StepRecording`] variant (a path shader that also
//! writes step rows); built once and reused for every chunk of paths.
//!
//! A chunk's steps run in slices ([`Slicer`]): each dispatch advances every path of the
//! chunk by a slice of steps, loading the path state the slice before saved and saving its
//! own (two state buffers, read one and write the other, so a slice the driver cut short can
//! run again from the state it started from). Progress and cancellation act between slices.
//!
//! A chunk is sized from a memory budget ([`CHUNK_MEMORY_BUDGET`]: rows, both states, step
//! rows and the host's copy of the rows where they are read back) and the adapter's limits
//! (storage binding size, workgroups per dimension, with a 2D dispatch), capped at
//! [`MAX_CHUNK_PATHS`], never from the path count; only the summary counters, and the rows
//! asked for, are read back, so GPU and host memory stay constant in the path count.
//!
//! On a software adapter (Mesa's lavapipe, whose "device memory" is host memory and whose
//! atomics are emulated) the chunk's rows are instead read back and reduced on the host
//! ([`ReduceOn::Host`]): the totals are identical bit for bit (tests/it/gpu.rs checks the two
//! reductions against each other), and it saves the reduction pass, about a sixth of the
//! CPU time there (user time 46 s with it against 39 s without, 200,000 crypto-unwind paths).

use std::cell::Cell;
use std::time::Instant;

use wgpu::{BufferUsages, DeviceType};

use super::device::{Binding, Dispatch, GpuDevice};
use super::params::{Header, ParamWords, ParamsBinding};
use super::record::{MAX_STEP_ROW_BYTES, StepLayout, StepRecording};
use super::reduce::{self, Reduction, chunk_totals};
use super::shader::{WORKGROUP_SIZE, path_shader};
use super::slicer::Slicer;
use crate::engine::plan::Plan;
use crate::model::Model;
use crate::summary::metrics::{MetricLayout, RunTotals};
use crate::summary::steps::StepTotals;
use crate::{Error, Result};

/// Paths per dispatch at most.
pub const MAX_CHUNK_PATHS: u32 = 1 << 20;

/// Bytes a chunk's per-path buffers may take together (rows, both path states, step rows,
/// and the host's copies of the rows when they are read back): the chunk size follows from
/// it and the model's row and state widths. An eighth of a GiB keeps a software adapter's
/// whole process under 512 MiB (lavapipe: 361 MiB at 1e6 and at 1e7 crypto-unwind paths,
/// 345 MiB at 1e3, docs/PERFORMANCE.md) and still holds tens of thousands of paths of a
/// dozen-asset model, about a wave of a large GPU's cores.
pub const CHUNK_MEMORY_BUDGET: u64 = 128 << 20;
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
        if gpu.adapter.device_type == DeviceType::Cpu {
            ReduceOn::Host
        } else {
            ReduceOn::Device
        }
    }
}

pub struct PathPipeline {
    pipeline: wgpu::ComputePipeline,
    /// Bind group i reads path state i and writes the other.
    bind_groups: [wgpu::BindGroup; 2],
    params: wgpu::Buffer,
    rows: wgpu::Buffer,
    states: [wgpu::Buffer; 2],
    /// The dispatch's count of paths cut short, and its readback.
    status: wgpu::Buffer,
    status_staging: wgpu::Buffer,
    /// The slice length for the next chunk (what the last one measured).
    pub slicer: Cell<Slicer>,
    /// A hash of the path shader's source: pipelines of the same shape run alike.
    pub shape: u64,
    steps: u32,
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
    /// what the memory budget and the adapter's limits allow, and [`MAX_CHUNK_PATHS`]),
    /// recording per-step totals when `per_step`.
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
        let shader = path_shader(
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
        let mut bindings = vec![
            params_binding,
            Binding::ReadWrite,
            Binding::Read,
            Binding::ReadWrite,
            Binding::ReadWrite,
        ];
        if per_step {
            bindings.extend([Binding::ReadWrite, Binding::ReadWrite]);
        }
        let (pipeline, bind_layout) = gpu.compute_pipeline(
            "firesale paths",
            &shader.source,
            "simulate_paths",
            &bindings,
        )?;

        let reduce_on = ReduceOn::for_adapter(gpu);
        let stride = layout.len() + 1;
        let stride_bytes = (stride * size_of::<f32>()) as u64;
        let state_bytes = u64::from(shader.state_words.max(1)) * 4;
        let step_bytes = step_layout.map_or(0, StepRecording::row_bytes);
        let chunk_paths = chunk_paths(
            gpu,
            PathBytes {
                rows: stride_bytes,
                state: state_bytes,
                steps: step_bytes,
                host_rows: reduce_on == ReduceOn::Host,
            },
            max_chunk_paths,
        );

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
        let state = || {
            gpu.buffer(
                "firesale path state",
                u64::from(chunk_paths) * state_bytes,
                BufferUsages::STORAGE,
            )
        };
        let states = [state()?, state()?];
        let status = gpu.buffer(
            "firesale slice status",
            16,
            BufferUsages::STORAGE | BufferUsages::COPY_SRC | BufferUsages::COPY_DST,
        )?;
        let status_staging = gpu.buffer(
            "firesale slice status readback",
            16,
            BufferUsages::MAP_READ | BufferUsages::COPY_DST,
        )?;
        let recording = step_layout
            .map(|steps| StepRecording::new(gpu, model, steps, chunk_paths, &params))
            .transpose()?;
        let bind_group = |read: usize| {
            let mut buffers = vec![&params, &rows, &states[read], &states[1 - read], &status];
            if let Some(recording) = &recording {
                buffers.extend(recording.bindings());
            }
            gpu.bind_group(&bind_layout, &buffers)
        };
        let bind_groups = [bind_group(0)?, bind_group(1)?];
        let columns = stride as u32;
        let reduction = Reduction::new(gpu, columns, columns, &params, &rows)?;
        Ok(PathPipeline {
            pipeline,
            bind_groups,
            params,
            rows,
            states,
            status,
            status_staging,
            slicer: Cell::new(Slicer::new(
                plan.steps,
                gpu.adapter.device_type == DeviceType::Cpu,
            )),
            steps: plan.steps,
            shape: {
                let mut hasher = std::hash::DefaultHasher::new();
                std::hash::Hash::hash(&shader.source, &mut hasher);
                std::hash::Hasher::finish(&hasher)
            },
            reduction,
            recording,
            layout,
            seed: model.seed,
            stride,
            chunk_paths,
            reduce_on,
        })
    }

    /// Bytes of device memory held: parameters, one chunk's rows, path states (and step
    /// rows), counters and their readback. It depends on the model and the chunk size only,
    /// never on the paths run.
    pub fn device_bytes(&self) -> u64 {
        let recording = self
            .recording
            .as_ref()
            .map_or(0, StepRecording::device_bytes);
        self.params.size()
            + self.rows.size()
            + self.states.iter().map(wgpu::Buffer::size).sum::<u64>()
            + 2 * (self.status.size() + self.reduction.bytes())
            + recording
    }

    /// Simulates global paths `first .. first + count` (count ≤ `chunk_paths`), reduces them
    /// where `reduce_on` says (per-step totals, when recording, on the GPU), and returns the
    /// totals and the rows of the first `rows` paths.
    pub fn run_chunk(&self, gpu: &GpuDevice, first: u64, count: u32, rows: u32) -> Result<Chunk> {
        let chunk = self.run_chunk_in_slices(gpu, first, count, rows, &mut |_| true)?;
        Ok(chunk.expect("never cancelled"))
    }

    /// [`Self::run_chunk`], calling `between` with the last step done after every slice but
    /// the last; `None` when `between` returns false (the chunk abandoned).
    pub fn run_chunk_in_slices(
        &self,
        gpu: &GpuDevice,
        first: u64,
        count: u32,
        rows: u32,
        between: &mut dyn FnMut(u32) -> bool,
    ) -> Result<Option<Chunk>> {
        debug_assert!(count > 0 && count <= self.chunk_paths && rows <= count);
        let mut slicer = self.slicer.get();
        let mut step = 1;
        let mut read = 0;
        loop {
            let last = slicer.last_step(step, self.steps);
            let started = Instant::now();
            let slice = Slice {
                first,
                count,
                steps: (step, last),
                read,
            };
            let finished = if last < self.steps {
                let cut = self.advance(gpu, &slice)?;
                (cut, None)
            } else {
                self.finish(gpu, &slice, rows)?
            };
            let (cut, chunk) = finished;
            if cut > 0 {
                let retry = slicer.cut_short(last - step + 1);
                self.slicer.set(slicer);
                if retry {
                    continue;
                }
                return Err(cut_short_error(gpu, u64::from(cut)));
            }
            if let Some(chunk) = chunk {
                self.slicer.set(slicer);
                return Ok(Some(chunk));
            }
            slicer.measured(last - step + 1, started.elapsed());
            self.slicer.set(slicer);
            if !between(last) {
                return Ok(None);
            }
            step = last + 1;
            read = 1 - read;
        }
    }

    /// Writes the header of `slice` and returns the path dispatch's workgroups.
    fn path_dispatch(&self, gpu: &GpuDevice, slice: &Slice) -> Dispatch<'_> {
        let groups = slice.count.div_ceil(WORKGROUP_SIZE);
        let groups_x = groups.min(gpu.limits.max_compute_workgroups_per_dimension);
        let groups_y = groups.div_ceil(groups_x);
        let header = Header {
            step_first: slice.steps.0,
            step_last: slice.steps.1,
            state_paths: self.chunk_paths,
            ..Header::new(
                self.seed,
                slice.first,
                slice.count,
                groups_x * WORKGROUP_SIZE,
            )
        };
        gpu.queue
            .write_buffer(&self.params, 0, bytemuck::bytes_of(&header));
        Dispatch {
            pipeline: &self.pipeline,
            bind_group: &self.bind_groups[slice.read],
            groups: (groups_x, groups_y),
        }
    }

    /// The read of the dispatch's count of paths cut short.
    fn status_read(&self) -> (&wgpu::Buffer, &wgpu::Buffer, u64) {
        (&self.status, &self.status_staging, 4)
    }

    /// A slice before the last: the paths advance, their state is saved; returns the paths
    /// the driver cut short.
    fn advance(&self, gpu: &GpuDevice, slice: &Slice) -> Result<u32> {
        let dispatch = self.path_dispatch(gpu, slice);
        let read = gpu.dispatch_and_read(&[&self.status], &[dispatch], &[self.status_read()])?;
        Ok(cut_count(&read[0]))
    }

    /// The last slice: the paths finish and write their rows, which are reduced where
    /// `reduce_on` says; the paths cut short, and the chunk when there were none.
    fn finish(&self, gpu: &GpuDevice, slice: &Slice, rows: u32) -> Result<(u32, Option<Chunk>)> {
        let on_device = self.reduce_on == ReduceOn::Device;
        let count = slice.count;
        let read_rows = if on_device { rows } else { count };
        let row_bytes = (read_rows as usize * self.stride * size_of::<f32>()) as u64;
        // Only a dump (or the host's reduction) reads rows: a readback buffer for just
        // those, while it lasts.
        let row_staging = (read_rows > 0)
            .then(|| {
                gpu.buffer(
                    "firesale path rows readback",
                    row_bytes,
                    BufferUsages::MAP_READ | BufferUsages::COPY_DST,
                )
            })
            .transpose()?;
        let mut clear = vec![&self.status];
        let mut reads = vec![self.status_read()];
        let mut dispatches = vec![self.path_dispatch(gpu, slice)];
        if on_device {
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
        let cut = cut_count(&read.next().expect("status"));
        if cut > 0 {
            return Ok((cut, None));
        }
        let counters: Option<Vec<u32>> =
            on_device.then(|| bytemuck::pod_collect_to_vec(&read.next().expect("counters")));
        let steps = self
            .recording
            .as_ref()
            .map(|recording| {
                let first: Vec<u32> =
                    bytemuck::pod_collect_to_vec(&read.next().expect("step counters"));
                recording.totals(gpu, &self.params, count, &first)
            })
            .transpose()?;
        let mut values: Vec<f32> = read
            .next()
            .map_or_else(Vec::new, |bytes| bytemuck::pod_collect_to_vec(&bytes));
        let totals = match counters {
            Some(counters) => {
                check_complete(
                    gpu,
                    reduce::cut_short_paths(&counters, self.layout, u64::from(count)),
                )?;
                chunk_totals(&counters, self.layout, u64::from(count))
            }
            None => {
                let all = ChunkRows {
                    values,
                    stride: self.stride,
                };
                check_complete(gpu, all.cut_short())?;
                let totals = self.host_totals(&all);
                values = all.values;
                values.truncate(rows as usize * self.stride);
                totals
            }
        };
        Ok((
            0,
            Some(Chunk {
                totals,
                steps,
                rows: ChunkRows {
                    values,
                    stride: self.stride,
                },
            }),
        ))
    }

    /// The host's reduction of a chunk's rows (all of them).
    fn host_totals(&self, rows: &ChunkRows) -> RunTotals {
        let mut totals = RunTotals::new(self.layout);
        let mut wide = vec![0.0; self.layout.len()];
        for i in 0..rows.len() {
            let (values, exhausted) = rows.path(i);
            for (w, &v) in wide.iter_mut().zip(values) {
                *w = f64::from(v);
            }
            totals.add_path(&wide, exhausted);
        }
        totals
    }
}

/// One path dispatch: chunk paths `first .. first + count`, steps `steps.0 ..= steps.1`,
/// reading path state `read`.
struct Slice {
    first: u64,
    count: u32,
    steps: (u32, u32),
    read: usize,
}

/// The paths a dispatch counted as cut short (its status, as read back).
fn cut_count(status: &[u8]) -> u32 {
    bytemuck::pod_read_unaligned(&status[..4])
}

/// What one path of a chunk takes in the buffers that grow with the chunk.
struct PathBytes {
    rows: u64,
    state: u64,
    steps: u64,
    /// Whether every row is read back to the host (a staging copy and the host's own).
    host_rows: bool,
}

/// Paths per chunk: what [`CHUNK_MEMORY_BUDGET`] holds of `per_path`, what each buffer's
/// binding and one 2D dispatch allow, at most `max_chunk_paths` and [`MAX_CHUNK_PATHS`],
/// a multiple of the workgroup size.
fn chunk_paths(gpu: &GpuDevice, per_path: PathBytes, max_chunk_paths: u32) -> u32 {
    let limits = &gpu.limits;
    let binding_bytes = limits
        .max_storage_buffer_binding_size
        .min(limits.max_buffer_size);
    let host_copies = if per_path.host_rows { 2 } else { 0 };
    let total = per_path.rows * (1 + host_copies) + 2 * per_path.state + per_path.steps;
    let widest = per_path.rows.max(per_path.state).max(per_path.steps).max(1);
    let by_step_rows = binding_bytes
        .min(MAX_STEP_ROW_BYTES)
        .checked_div(per_path.steps)
        .unwrap_or(u64::MAX);
    let by_memory = (CHUNK_MEMORY_BUDGET / total)
        .min(binding_bytes / widest)
        .min(by_step_rows);
    let by_dispatch =
        u64::from(limits.max_compute_workgroups_per_dimension).pow(2) * u64::from(WORKGROUP_SIZE);
    let paths = by_memory
        .min(by_dispatch)
        .min(u64::from(max_chunk_paths.min(MAX_CHUNK_PATHS))) as u32
        / WORKGROUP_SIZE
        * WORKGROUP_SIZE;
    paths.max(WORKGROUP_SIZE)
}

/// An error when the driver cut `paths` paths short: their numbers would be wrong.
fn check_complete(gpu: &GpuDevice, paths: u64) -> Result<()> {
    if paths == 0 {
        return Ok(());
    }
    Err(cut_short_error(gpu, paths))
}

/// The driver cut `paths` paths short even in the shortest slice.
fn cut_short_error(gpu: &GpuDevice, paths: u64) -> Error {
    Error::Gpu(format!(
        "GPU run on {} stopped {paths} paths early: the driver ended the shader's loops \
         before the paths were done, even in slices of one step (llvmpipe, Mesa's software \
         driver, ends a shader after 65,535 loop passes); run it with --backend cpu",
        gpu.adapter.name
    ))
}
