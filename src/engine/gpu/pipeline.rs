//! The path pipeline of one model: shader, parameter buffer, row buffers, built once and
//! reused for every chunk of paths. A chunk is sized from the adapter's limits (storage
//! binding size, workgroups per dimension, with a 2D dispatch) and capped at
//! [`MAX_CHUNK_PATHS`], so memory stays constant in the path count.

use wgpu::BufferUsages;

use super::device::GpuDevice;
use super::params::{Header, ParamWords};
use super::shader::{WORKGROUP_SIZE, path_shader};
use crate::Result;
use crate::engine::cpu::plan::Plan;
use crate::engine::metrics::MetricLayout;
use crate::model::Model;

/// Paths per dispatch at most.
pub const MAX_CHUNK_PATHS: u32 = 1 << 20;

/// One chunk's output: per path, the metric row then the rounds-exhausted flag (1.0/0.0).
pub struct ChunkRows {
    pub values: Vec<f32>,
    /// f32 values per path: the row length + 1.
    pub stride: usize,
}

impl ChunkRows {
    /// Path `i` of the chunk: (metric row, whether some step ran out of rounds).
    pub fn path(&self, i: usize) -> (&[f32], bool) {
        let row = &self.values[i * self.stride..(i + 1) * self.stride];
        let (metrics, flag) = row.split_at(self.stride - 1);
        (metrics, flag[0] != 0.0)
    }
}

pub struct PathPipeline {
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    params: wgpu::Buffer,
    rows: wgpu::Buffer,
    staging: wgpu::Buffer,
    seed: u64,
    /// f32 values written per path.
    stride: usize,
    /// Paths per chunk (a multiple of the workgroup size).
    pub chunk_paths: u32,
}

impl PathPipeline {
    pub fn new(gpu: &GpuDevice, model: &Model) -> Result<Self> {
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
        let chunk_paths = by_binding.min(by_dispatch).min(u64::from(MAX_CHUNK_PATHS)) as u32
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
        let rows_bytes = u64::from(chunk_paths) * stride_bytes;
        let rows = gpu.buffer(
            "firesale path rows",
            rows_bytes,
            BufferUsages::STORAGE | BufferUsages::COPY_SRC,
        )?;
        let staging = gpu.buffer(
            "firesale path rows readback",
            rows_bytes,
            BufferUsages::MAP_READ | BufferUsages::COPY_DST,
        )?;
        let bind_group = gpu.bind_group(&bind_layout, &[&params, &rows])?;
        Ok(PathPipeline {
            pipeline,
            bind_group,
            params,
            rows,
            staging,
            seed: model.seed,
            stride,
            chunk_paths,
        })
    }

    /// Simulates global paths `first .. first + count` (count ≤ `chunk_paths`).
    pub fn run_chunk(&self, gpu: &GpuDevice, first: u64, count: u32) -> Result<ChunkRows> {
        debug_assert!(count > 0 && count <= self.chunk_paths);
        let groups = count.div_ceil(WORKGROUP_SIZE);
        let groups_x = groups.min(gpu.limits.max_compute_workgroups_per_dimension);
        let groups_y = groups.div_ceil(groups_x);
        let header = Header::new(self.seed, first, count, groups_x * WORKGROUP_SIZE);
        gpu.queue
            .write_buffer(&self.params, 0, bytemuck::bytes_of(&header));
        let bytes = (count as usize * self.stride * size_of::<f32>()) as u64;
        let read = gpu.dispatch_and_read(
            &self.pipeline,
            &self.bind_group,
            (groups_x, groups_y),
            &[(&self.rows, &self.staging, bytes)],
        )?;
        Ok(ChunkRows {
            values: bytemuck::cast_slice(&read[0]).to_vec(),
            stride: self.stride,
        })
    }
}
