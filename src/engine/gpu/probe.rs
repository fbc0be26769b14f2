//! Test kernels: for the random stream of MODEL.md §2, the GPU writes the stream words and
//! Box–Muller normals of chosen (seed, path, step) triples, for comparison with `src/rng/`
//! (which is how the GPU's Philox is checked bit for bit); for the sketch, the GPU writes the
//! bucket index of chosen f32 values, for comparison with `src/summary/sketch.rs`; and the
//! reduction runs over chosen rows (non-finite values, signed zeros, subnormals, flags) that
//! the model's paths rarely produce.

use bytemuck::{Pod, Zeroable};
use wgpu::BufferUsages;

use super::GpuEngine;
use super::device::{Binding, Dispatch};
use super::params::Header;
use super::reduce::{LOWEST_BUCKET, Reduction, chunk_totals};
use super::shader::{PROBE_WORDS, bucket_probe_shader, probe_shader};
use crate::Result;
use crate::summary::metrics::{MetricLayout, RunTotals};

/// Which stream to probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamRequest {
    pub seed: u64,
    pub path: u64,
    pub step: u32,
}

/// The first [`PROBE_WORDS`] words of a stream, and the normals of its first pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamSample {
    pub words: Vec<u32>,
    pub normals: Vec<f32>,
}

/// Keep in sync with `struct ProbeRequest` in `shaders/stream_probe.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
struct ProbeRequest {
    seed: [u32; 2],
    path: [u32; 2],
    step: u32,
    _pad: [u32; 3],
}

/// Runs the stream probe for `requests` on `engine`'s device.
pub fn probe_stream(engine: &GpuEngine, requests: &[StreamRequest]) -> Result<Vec<StreamSample>> {
    let gpu = &engine.gpu;
    let (pipeline, layout) = gpu.compute_pipeline(
        "firesale stream probe",
        &probe_shader(),
        "probe_stream",
        &[Binding::Read, Binding::ReadWrite, Binding::ReadWrite],
    )?;
    let input: Vec<ProbeRequest> = requests
        .iter()
        .map(|r| ProbeRequest {
            seed: [r.seed as u32, (r.seed >> 32) as u32],
            path: [r.path as u32, (r.path >> 32) as u32],
            step: r.step,
            _pad: [0; 3],
        })
        .collect();
    let input_bytes = bytemuck::cast_slice(&input);
    let request_buffer = gpu.buffer(
        "probe requests",
        input_bytes.len() as u64,
        BufferUsages::STORAGE | BufferUsages::COPY_DST,
    )?;
    gpu.queue.write_buffer(&request_buffer, 0, input_bytes);
    let out_bytes = (requests.len() * PROBE_WORDS as usize * 4) as u64;
    let output = |label| {
        gpu.buffer(
            label,
            out_bytes,
            BufferUsages::STORAGE | BufferUsages::COPY_SRC,
        )
    };
    let staging = |label| {
        gpu.buffer(
            label,
            out_bytes,
            BufferUsages::MAP_READ | BufferUsages::COPY_DST,
        )
    };
    let (words, normals) = (output("probe words")?, output("probe normals")?);
    let (words_staging, normals_staging) = (
        staging("probe words readback")?,
        staging("probe normals readback")?,
    );
    let bind_group = gpu.bind_group(&layout, &[&request_buffer, &words, &normals])?;
    let read = gpu.dispatch_and_read(
        &[],
        &[Dispatch {
            pipeline: &pipeline,
            bind_group: &bind_group,
            groups: ((requests.len() as u32).div_ceil(64), 1),
        }],
        &[
            (&words, &words_staging, out_bytes),
            (&normals, &normals_staging, out_bytes),
        ],
    )?;
    let words: &[u32] = bytemuck::cast_slice(&read[0]);
    let normals: &[f32] = bytemuck::cast_slice(&read[1]);
    let per = PROBE_WORDS as usize;
    Ok((0..requests.len())
        .map(|i| StreamSample {
            words: words[i * per..(i + 1) * per].to_vec(),
            normals: normals[i * per..(i + 1) * per].to_vec(),
        })
        .collect())
}

/// The sketch bucket index (as `QuantileSketch::bucket_index` numbers them) that the GPU's
/// reduction gives each of `values`, all finite and non-zero (the sign is ignored).
pub fn probe_buckets(engine: &GpuEngine, values: &[f32]) -> Result<Vec<i32>> {
    let gpu = &engine.gpu;
    let (pipeline, layout) = gpu.compute_pipeline(
        "firesale bucket probe",
        &bucket_probe_shader(),
        "probe_buckets",
        &[Binding::Read, Binding::ReadWrite],
    )?;
    let bytes = std::mem::size_of_val(values) as u64;
    let input = gpu.buffer(
        "probe values",
        bytes,
        BufferUsages::STORAGE | BufferUsages::COPY_DST,
    )?;
    gpu.queue
        .write_buffer(&input, 0, bytemuck::cast_slice(values));
    let output = gpu.buffer(
        "probe buckets",
        bytes,
        BufferUsages::STORAGE | BufferUsages::COPY_SRC,
    )?;
    let staging = gpu.buffer(
        "probe buckets readback",
        bytes,
        BufferUsages::MAP_READ | BufferUsages::COPY_DST,
    )?;
    let bind_group = gpu.bind_group(&layout, &[&input, &output])?;
    let read = gpu.dispatch_and_read(
        &[],
        &[Dispatch {
            pipeline: &pipeline,
            bind_group: &bind_group,
            groups: ((values.len() as u32).div_ceil(64), 1),
        }],
        &[(&output, &staging, bytes)],
    )?;
    let slots: Vec<u32> = bytemuck::pod_collect_to_vec(&read[0]);
    Ok(slots
        .into_iter()
        .map(|slot| LOWEST_BUCKET + slot as i32)
        .collect())
}

/// The totals the GPU's reduction gives `rows`: per path, the `layout.len()` metrics then
/// the rounds-exhausted flag (1.0 or 0.0), as the path shader writes them.
pub fn probe_reduction(
    engine: &GpuEngine,
    layout: MetricLayout,
    rows: &[f32],
) -> Result<RunTotals> {
    let gpu = &engine.gpu;
    let paths = (rows.len() / (layout.len() + 1)) as u32;
    let mut header = bytemuck::bytes_of(&Header::new(0, 0, paths, 0)).to_vec();
    header.extend([0; 4]); // `Params.words` may not be empty
    let params = gpu.buffer(
        "probe parameters",
        header.len() as u64,
        BufferUsages::STORAGE | BufferUsages::COPY_DST,
    )?;
    gpu.queue.write_buffer(&params, 0, &header);
    let row_buffer = gpu.buffer(
        "probe rows",
        std::mem::size_of_val(rows) as u64,
        BufferUsages::STORAGE | BufferUsages::COPY_DST,
    )?;
    gpu.queue
        .write_buffer(&row_buffer, 0, bytemuck::cast_slice(rows));
    let columns = layout.len() as u32 + 1;
    let reduction = Reduction::new(gpu, columns, columns, &params, &row_buffer)?;
    let read = gpu.dispatch_and_read(
        &[reduction.counters()],
        &[reduction.dispatch(paths, 0)],
        &[reduction.read(0)],
    )?;
    let counters: Vec<u32> = bytemuck::pod_collect_to_vec(&read[0]);
    Ok(chunk_totals(&counters, layout, u64::from(paths)))
}
