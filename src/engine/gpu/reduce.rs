//! The reduction on the GPU (`shaders/reduce.wgsl`): a chunk's per-path rows (the metric rows,
//! and the step rows of [`super::record`]) are reduced into a fixed block of `u32` counters
//! per column, and only the counters are read back; the host
//! rebuilds from them exactly the [`RunTotals`] that [`RunTotals::add_path`] makes of the same
//! f32 values in f64: the same sketch buckets (`shaders/sketch.wgsl`), the same exact sums
//! (of the exact squares too), min, max and counts.
//!
//! Exact sums as digits: |x| = M·2^E (M a 24-bit integer, E ≥ −149) is added to base-256 digit
//! counters, digit d weighing 2^(8d − 149) (for x², 2^(8d − 298)). Each digit added is below
//! 256, so a counter stays below 2^32 over fewer than 2^24 paths, and the host adds each
//! counter times its weight, exact in f64, to an [`ExactSum`].

use wgpu::BufferUsages;

use super::device::{Binding, Dispatch, GpuDevice};
use super::shader::reduce_shader;
use crate::Result;
use crate::summary::metrics::{ACCOUNTS_LIQUIDATED, BAD_DEBT, MetricLayout, RunTotals};
use crate::summary::{ExactSum, MetricSummary, QuantileSketch};

/// Invocations per workgroup of the reduction.
pub const WORKGROUP_SIZE: u32 = 256;
/// Paths one workgroup reduces (of one column).
pub const PATHS_PER_GROUP: u32 = 4 * WORKGROUP_SIZE;
/// Paths per chunk at most, so that no counter can overflow (see the module doc).
pub const MAX_PATHS: u32 = 1 << 24;

/// Digits of Σ|x|: M·2^(E+149) < 2^(253+24) spans digits 0..35 (4 from E's digit up).
const SUM_DIGITS: u32 = 35;
/// Digits of Σx²: M²·2^(2E+298) < 2^(506+48) spans digits 0..70 (7 from 2E's digit up).
const SQUARE_DIGITS: u32 = 70;
/// f32 magnitudes span the octaves of 2^-149 ..= 2^127.
const OCTAVES: u32 = 277;
/// Sketch buckets per sign: every f32 magnitude's, the top of the last octave (up to
/// `f32::MAX`) falling in the bucket of 2^128.
const HISTOGRAM_BUCKETS: u32 = OCTAVES * QuantileSketch::BUCKETS_PER_OCTAVE as u32 + 1;
/// The sketch index of bucket slot 0 (that of 2^-149).
pub const LOWEST_BUCKET: i32 = -149 * QuantileSketch::BUCKETS_PER_OCTAVE;

const NONFINITE: u32 = 0;
const ZERO: u32 = 1;
const POSITIVE: u32 = 2;
const MIN: u32 = 3;
const MAX: u32 = 4;
const SUM_POSITIVE: u32 = 5;
const SUM_NEGATIVE: u32 = SUM_POSITIVE + SUM_DIGITS;
const SQUARE: u32 = SUM_NEGATIVE + SUM_DIGITS;
const HISTOGRAM_POSITIVE: u32 = SQUARE + SQUARE_DIGITS;
const HISTOGRAM_NEGATIVE: u32 = HISTOGRAM_POSITIVE + HISTOGRAM_BUCKETS;

/// Counters per column.
pub const COUNTER_BLOCK: u32 = HISTOGRAM_NEGATIVE + HISTOGRAM_BUCKETS;
/// The counters of a block kept in workgroup memory: all but the histogram.
pub const SHARED_COUNTERS: u32 = HISTOGRAM_POSITIVE;
/// The offsets within a block, as the shader's constants name them.
pub const COUNTER_OFFSETS: [(&str, u32); 10] = [
    ("COUNTER_NONFINITE", NONFINITE),
    ("COUNTER_ZERO", ZERO),
    ("COUNTER_POSITIVE", POSITIVE),
    ("COUNTER_MIN", MIN),
    ("COUNTER_MAX", MAX),
    ("COUNTER_SUM_POSITIVE", SUM_POSITIVE),
    ("COUNTER_SUM_NEGATIVE", SUM_NEGATIVE),
    ("COUNTER_SQUARE", SQUARE),
    ("COUNTER_HISTOGRAM_POSITIVE", HISTOGRAM_POSITIVE),
    ("COUNTER_HISTOGRAM_NEGATIVE", HISTOGRAM_NEGATIVE),
];

/// The reduction pipeline over one rows buffer of `columns` f32 values per path, with the
/// counters of `batch` columns: a dispatch reduces the columns from the header's
/// `column_base` on, so a row wider than one batch is reduced batch by batch (each batch's
/// counters read back before the next).
pub struct Reduction {
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    counters: wgpu::Buffer,
    staging: wgpu::Buffer,
    columns: u32,
    batch: u32,
}

impl Reduction {
    /// Reduces `rows` (`columns` values per path), `batch` columns per dispatch at most, the
    /// path count and the batch's first column being read from the header of `params`
    /// (`shaders/params.wgsl`).
    pub fn new(
        gpu: &GpuDevice,
        columns: u32,
        batch: u32,
        params: &wgpu::Buffer,
        rows: &wgpu::Buffer,
    ) -> Result<Self> {
        let (pipeline, layout) = gpu.compute_pipeline(
            "firesale reduction",
            &reduce_shader(columns),
            "reduce_rows",
            &[Binding::Read, Binding::Read, Binding::ReadWrite],
        )?;
        let batch = batch.clamp(1, columns);
        let bytes = Self::counter_bytes(batch);
        let counters = gpu.buffer(
            "firesale summary counters",
            bytes,
            BufferUsages::STORAGE | BufferUsages::COPY_SRC | BufferUsages::COPY_DST,
        )?;
        let staging = gpu.buffer(
            "firesale summary counters readback",
            bytes,
            BufferUsages::MAP_READ | BufferUsages::COPY_DST,
        )?;
        let bind_group = gpu.bind_group(&layout, &[params, rows, &counters])?;
        Ok(Reduction {
            pipeline,
            bind_group,
            counters,
            staging,
            columns,
            batch,
        })
    }

    fn counter_bytes(columns: u32) -> u64 {
        u64::from(columns) * u64::from(COUNTER_BLOCK) * size_of::<u32>() as u64
    }

    /// Bytes of device memory the counters take (and again for their readback).
    pub fn bytes(&self) -> u64 {
        Self::counter_bytes(self.batch)
    }

    /// The first column of each batch, in order (the header's `column_base` for it).
    pub fn batches(&self) -> impl Iterator<Item = u32> + use<> {
        (0..self.columns).step_by(self.batch as usize)
    }

    /// The counters, to zero before each batch.
    pub fn counters(&self) -> &wgpu::Buffer {
        &self.counters
    }

    /// The dispatch reducing the batch from column `base` over a chunk of `paths` paths.
    pub fn dispatch(&self, paths: u32, base: u32) -> Dispatch<'_> {
        Dispatch {
            pipeline: &self.pipeline,
            bind_group: &self.bind_group,
            groups: (
                paths.div_ceil(PATHS_PER_GROUP),
                self.batch.min(self.columns - base),
            ),
        }
    }

    /// The read of the counters after the dispatch of the batch from column `base`.
    pub fn read(&self, base: u32) -> (&wgpu::Buffer, &wgpu::Buffer, u64) {
        let batch = self.batch.min(self.columns - base);
        (&self.counters, &self.staging, Self::counter_bytes(batch))
    }
}

/// The summary of each column whose block of counters is in `counters` (as read back).
pub fn summaries(counters: &[u32]) -> impl Iterator<Item = MetricSummary> + '_ {
    counters.chunks_exact(COUNTER_BLOCK as usize).map(summary)
}

/// The totals of a chunk of `paths` paths from its counters (as read back).
pub fn chunk_totals(counters: &[u32], layout: MetricLayout, paths: u64) -> RunTotals {
    let metrics: Vec<MetricSummary> = summaries(counters).take(layout.len()).collect();
    let exhausted = counters
        .chunks_exact(COUNTER_BLOCK as usize)
        .nth(layout.len())
        .expect("a block for the rounds-exhausted flag");
    let positive =
        |column: usize| u64::from(counters[column * COUNTER_BLOCK as usize + POSITIVE as usize]);
    let cohorts = 0..layout.cohorts;
    RunTotals {
        layout,
        paths,
        metrics,
        liquidated_paths: cohorts
            .clone()
            .map(|c| positive(layout.cohort(c, ACCOUNTS_LIQUIDATED)))
            .collect(),
        bad_debt_paths: cohorts
            .map(|c| positive(layout.cohort(c, BAD_DEBT)))
            .collect(),
        rounds_exhausted_paths: u64::from(exhausted[POSITIVE as usize]),
    }
}

/// Paths of the `paths` reduced whose flag (the column after the metrics) is negative: cut
/// short by the driver (`shaders/path.wgsl`); neither zero, positive nor non-finite.
pub fn cut_short_paths(counters: &[u32], layout: MetricLayout, paths: u64) -> u64 {
    let flag = &counters[layout.len() * COUNTER_BLOCK as usize..];
    let counted = [NONFINITE, ZERO, POSITIVE].map(|c| u64::from(flag[c as usize]));
    paths.saturating_sub(counted.iter().sum())
}

/// One column's summary from its block of counters.
fn summary(block: &[u32]) -> MetricSummary {
    let at = |offset: u32, len: u32| &block[offset as usize..(offset + len) as usize];
    let count = |offset: u32| u64::from(block[offset as usize]);
    let mut sum = ExactSum::new();
    add_digits(&mut sum, at(SUM_POSITIVE, SUM_DIGITS), -149, 1.0);
    add_digits(&mut sum, at(SUM_NEGATIVE, SUM_DIGITS), -149, -1.0);
    let mut sum_sq = ExactSum::new();
    add_digits(&mut sum_sq, at(SQUARE, SQUARE_DIGITS), -298, 1.0);
    let buckets = |offset: u32, negative: bool| {
        at(offset, HISTOGRAM_BUCKETS)
            .iter()
            .enumerate()
            .map(move |(slot, &n)| (negative, LOWEST_BUCKET + slot as i32, u64::from(n)))
    };
    let sketch = QuantileSketch::from_buckets(
        count(ZERO),
        buckets(HISTOGRAM_POSITIVE, false).chain(buckets(HISTOGRAM_NEGATIVE, true)),
        from_key(!block[MIN as usize]),
        from_key(block[MAX as usize]),
    );
    MetricSummary::from_parts(count(NONFINITE), sum, sum_sq, sketch)
}

/// Adds `sign · Σ digit_d · 2^(8d + unit)` to `sum`; each term is exact in f64.
fn add_digits(sum: &mut ExactSum, digits: &[u32], unit: i32, sign: f64) {
    for (d, &digit) in digits.iter().enumerate() {
        if digit != 0 {
            let weight = f64::from_bits(((1023 + 8 * d as i64 + i64::from(unit)) as u64) << 52);
            sum.add(sign * f64::from(digit) * weight);
        }
    }
}

/// The f32 (as f64) whose order-preserving key is `key` (`shaders/reduce.wgsl`).
fn from_key(key: u32) -> f64 {
    let bits = if key >= 0x8000_0000 {
        key & 0x7fff_ffff
    } else {
        !key
    };
    f64::from(f32::from_bits(bits))
}
