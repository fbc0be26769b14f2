//! The path pipeline of one model: the path shader, the parameter buffer, one chunk's row
//! buffer (device memory only) and the [`Reduction`] of those rows, built once and reused for
//! every chunk of paths. A chunk is sized from the adapter's limits (storage binding size,
//! workgroups per dimension, with a 2D dispatch) and capped at [`MAX_CHUNK_PATHS`]; only the
//! summary counters, and the rows asked for, are read back, so GPU and host memory stay
//! constant in the path count.

use wgpu::BufferUsages;

use super::device::{Dispatch, GpuDevice};
use super::params::{Header, ParamWords};
use super::reduce::{self, Reduction, chunk_totals};
use super::shader::{WORKGROUP_SIZE, path_shader};
use crate::Result;
use crate::engine::cpu::plan::Plan;
use crate::engine::metrics::{MetricLayout, RunTotals};
use crate::model::Model;

/// Paths per dispatch at most.
pub const MAX_CHUNK_PATHS: u32 = 1 << 20;
const _: () = assert!(MAX_CHUNK_PATHS <= reduce::MAX_PATHS);

/// Rows of a chunk's first paths: per path, the metric row then the rounds-exhausted flag
/// (1.0/0.0).
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
        let row = &self.values[i * self.stride..(i + 1) * self.stride];
        let (metrics, flag) = row.split_at(self.stride - 1);
        (metrics, flag[0] != 0.0)
    }
}

/// What a chunk gives back: its totals, and the rows of its first paths when asked for.
pub struct Chunk {
    pub totals: RunTotals,
    pub rows: ChunkRows,
}

pub struct PathPipeline {
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    params: wgpu::Buffer,
    rows: wgpu::Buffer,
    reduction: Reduction,
    layout: MetricLayout,
    seed: u64,
    /// f32 values written per path.
    stride: usize,
    /// Paths per chunk (a multiple of the workgroup size).
    pub chunk_paths: u32,
}

impl PathPipeline {
    /// The pipeline of `model`, with chunks of at most `max_chunk_paths` paths (and at most
    /// what the adapter's limits allow, and [`MAX_CHUNK_PATHS`]).
    pub fn new(gpu: &GpuDevice, model: &Model, max_chunk_paths: u32) -> Result<Self> {
        let plan = Plan::new(model);
        let layout = MetricLayout::new(model);
        let words = ParamWords::new(&plan);
        let source = path_shader(&plan, &layout, &words);
        let (pipeline, bind_layout) =
            gpu.compute_pipeline("firesale paths", &source, "simulate_paths", &[true, false])?;

        let stride = layout.len() + 1;
        let stride_bytes = (stride * size_of::<f32>()) as u64;
        let limits = &gpu.limits;
        let by_binding = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size)
            / stride_bytes;
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
            BufferUsages::STORAGE | BufferUsages::COPY_DST,
        )?;
        gpu.queue.write_buffer(&params, 0, &param_bytes);
        let rows = gpu.buffer(
            "firesale path rows",
            u64::from(chunk_paths) * stride_bytes,
            BufferUsages::STORAGE | BufferUsages::COPY_SRC,
        )?;
        let bind_group = gpu.bind_group(&bind_layout, &[&params, &rows])?;
        let reduction = Reduction::new(gpu, layout.len(), &params, &rows)?;
        Ok(PathPipeline {
            pipeline,
            bind_group,
            params,
            rows,
            reduction,
            layout,
            seed: model.seed,
            stride,
            chunk_paths,
        })
    }

    /// Bytes of device memory held: parameters, one chunk's rows, counters and their
    /// readback. It depends on the model and the chunk size only, never on the paths run.
    pub fn device_bytes(&self) -> u64 {
        self.params.size() + self.rows.size() + 2 * self.reduction.bytes()
    }

    /// Simulates global paths `first .. first + count` (count ≤ `chunk_paths`), reduces them
    /// on the GPU, and reads back the totals and the rows of the first `rows` paths.
    pub fn run_chunk(&self, gpu: &GpuDevice, first: u64, count: u32, rows: u32) -> Result<Chunk> {
        debug_assert!(count > 0 && count <= self.chunk_paths && rows <= count);
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
        let mut reads = vec![self.reduction.read()];
        if let Some(staging) = &row_staging {
            reads.push((&self.rows, staging, row_bytes));
        }
        let read = gpu.dispatch_and_read(
            &[self.reduction.counters()],
            &[
                Dispatch {
                    pipeline: &self.pipeline,
                    bind_group: &self.bind_group,
                    groups: (groups_x, groups_y),
                },
                self.reduction.dispatch(count),
            ],
            &reads,
        )?;
        let counters: Vec<u32> = bytemuck::pod_collect_to_vec(&read[0]);
        let values = read
            .get(1)
            .map_or_else(Vec::new, |bytes| bytemuck::pod_collect_to_vec(bytes));
        Ok(Chunk {
            totals: chunk_totals(&counters, self.layout, u64::from(count)),
            rows: ChunkRows {
                values,
                stride: self.stride,
            },
        })
    }
}
