//! A test kernel for the random stream of MODEL.md §2: the GPU writes the stream words and
//! Box–Muller normals of chosen (seed, path, step) triples, for comparison with `src/rng/`
//! (which is how the GPU's Philox is checked bit for bit).

use bytemuck::{Pod, Zeroable};
use wgpu::BufferUsages;

use super::GpuEngine;
use super::shader::{PROBE_WORDS, probe_shader};
use crate::Result;

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
        &[true, false, false],
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
        &pipeline,
        &bind_group,
        ((requests.len() as u32).div_ceil(64), 1),
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
