//! Per-step recording on the GPU (when a run asks for [`StepTotals`]), mirroring
//! `src/engine/cpu/record.rs` in `shaders/record.wgsl`: after each step a path writes into
//! its row of a chunk-sized step-rows buffer the system notional liquidated in the step and,
//! at the steps whose prices are sketched, every asset's price and exogenous-only price at
//! the power [`StepTotals`] sketches them at. Those rows stay on the device and go through the
//! same [`Reduction`] as the metric rows, batch by batch (a row has a column per step and per
//! sketched price), so only counters come back. First liquidations are counted straight into
//! one `u32` per (step, cohort), at most `cohorts + 1` atomic adds per path. Memory depends on
//! the chunk size and the model, never on the paths run.

use wgpu::BufferUsages;

use super::device::GpuDevice;
use super::params::Header;
use super::reduce::{COUNTER_BLOCK, Reduction, summaries};
use crate::Result;
use crate::model::Model;
use crate::summary::MetricSummary;
use crate::summary::steps::StepTotals;

/// Bytes of step counters reduced per batch at most (a batch is read back before the next).
const BATCH_COUNTER_BYTES: u64 = 32 << 20;
/// Bytes of step rows a chunk may hold at most (bounds the chunk when recording).
pub const MAX_STEP_ROW_BYTES: u64 = 256 << 20;
/// `PRICE_SLOT` of a step whose prices are not sketched.
pub const NO_PRICE_SLOT: u32 = u32::MAX;

/// Where a path's step row keeps what (`shaders/record.wgsl`; keep in sync).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepLayout {
    steps: u32,
    assets: u32,
    cohorts: u32,
    /// Steps whose prices are sketched.
    slots: u32,
}

impl StepLayout {
    pub fn new(totals: &StepTotals, model: &Model) -> Self {
        StepLayout {
            steps: totals.steps(),
            assets: model.assets.len() as u32,
            cohorts: model.cohorts.len() as u32,
            slots: totals.price_steps().len() as u32,
        }
    }

    /// f32 values per path: the notional liquidated in each step, then the powered prices
    /// and the powered exogenous-only prices of every sketched step and asset.
    pub fn columns(&self) -> u32 {
        self.price_column() + 2 * self.slots * self.assets
    }

    /// The first powered price: that of slot s and asset k is `price_column() + s·assets + k`.
    pub fn price_column(&self) -> u32 {
        self.steps
    }

    /// The first powered exogenous-only price, laid out as the prices.
    pub fn exogenous_price_column(&self) -> u32 {
        self.price_column() + self.slots * self.assets
    }

    /// First-liquidation counters: one per step and cohort, and per step for any cohort.
    pub fn first_liquidation_counters(&self) -> u32 {
        self.steps * (self.cohorts + 1)
    }
}

/// The device side of per-step recording: a chunk's step rows, their reduction and the
/// first-liquidation counters.
pub struct StepRecording {
    model: Model,
    layout: StepLayout,
    rows: wgpu::Buffer,
    first_liquidations: wgpu::Buffer,
    first_liquidations_staging: wgpu::Buffer,
    reduction: Reduction,
}

impl StepRecording {
    /// Buffers for chunks of `chunk_paths` paths of `model`, reduced with the header of
    /// `params`.
    pub fn new(
        gpu: &GpuDevice,
        model: &Model,
        layout: StepLayout,
        chunk_paths: u32,
        params: &wgpu::Buffer,
    ) -> Result<Self> {
        let rows = gpu.buffer(
            "firesale step rows",
            u64::from(chunk_paths) * Self::row_bytes(layout),
            BufferUsages::STORAGE,
        )?;
        let counter_bytes = u64::from(layout.first_liquidation_counters()) * 4;
        let first_liquidations = gpu.buffer(
            "firesale first-liquidation counters",
            counter_bytes,
            BufferUsages::STORAGE | BufferUsages::COPY_SRC | BufferUsages::COPY_DST,
        )?;
        let first_liquidations_staging = gpu.buffer(
            "firesale first-liquidation counters readback",
            counter_bytes,
            BufferUsages::MAP_READ | BufferUsages::COPY_DST,
        )?;
        let batch = BATCH_COUNTER_BYTES / (u64::from(COUNTER_BLOCK) * 4);
        let reduction = Reduction::new(gpu, layout.columns(), batch as u32, params, &rows)?;
        Ok(StepRecording {
            model: model.clone(),
            layout,
            rows,
            first_liquidations,
            first_liquidations_staging,
            reduction,
        })
    }

    /// Bytes of one path's step row.
    pub fn row_bytes(layout: StepLayout) -> u64 {
        u64::from(layout.columns()) * 4
    }

    /// The buffers the path shader binds after its own (bindings 5 and 6).
    pub fn bindings(&self) -> [&wgpu::Buffer; 2] {
        [&self.rows, &self.first_liquidations]
    }

    /// Bytes of device memory held: the step rows, the counters and their readbacks.
    pub fn device_bytes(&self) -> u64 {
        self.rows.size() + 2 * (self.first_liquidations.size() + self.reduction.bytes())
    }

    /// The counters to zero before the path dispatch.
    pub fn counters(&self) -> &wgpu::Buffer {
        &self.first_liquidations
    }

    /// The read of the first-liquidation counters after the path dispatch.
    pub fn read(&self) -> (&wgpu::Buffer, &wgpu::Buffer, u64) {
        (
            &self.first_liquidations,
            &self.first_liquidations_staging,
            self.first_liquidations.size(),
        )
    }

    /// Reduces the step rows of the chunk's `paths` paths (written by the path dispatch) batch
    /// by batch, each batch's first column written to the header of `params`, and builds the
    /// chunk's totals with its `first_liquidations` counters (as read back).
    pub fn totals(
        &self,
        gpu: &GpuDevice,
        params: &wgpu::Buffer,
        paths: u32,
        first_liquidations: &[u32],
    ) -> Result<StepTotals> {
        let column_base = std::mem::offset_of!(Header, column_base) as u64;
        let mut columns: Vec<MetricSummary> = Vec::with_capacity(self.layout.columns() as usize);
        for base in self.reduction.batches() {
            gpu.queue
                .write_buffer(params, column_base, bytemuck::bytes_of(&base));
            let read = gpu.dispatch_and_read(
                &[self.reduction.counters()],
                &[self.reduction.dispatch(paths, base)],
                &[self.reduction.read(base)],
            )?;
            let counters: Vec<u32> = bytemuck::pod_collect_to_vec(&read[0]);
            columns.extend(summaries(&counters));
        }
        let layout = self.layout;
        let prices = layout.price_column() as usize..layout.exogenous_price_column() as usize;
        let exogenous = layout.exogenous_price_column() as usize..columns.len();
        let sketches = |range: std::ops::Range<usize>| {
            columns[range]
                .iter()
                .map(|column| column.sketch().clone())
                .collect()
        };
        Ok(StepTotals::from_parts(
            &self.model,
            u64::from(paths),
            columns[..layout.steps as usize].to_vec(),
            sketches(prices),
            sketches(exogenous),
            first_liquidations.iter().map(|&n| u64::from(n)).collect(),
        ))
    }
}
