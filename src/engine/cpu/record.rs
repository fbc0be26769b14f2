//! Per-step recording (when a run asks for [`StepTotals`]): after each step, the system
//! notional liquidated in it and the cohorts liquidated for the first time; at the steps whose
//! prices are sketched, every asset's relative price and exogenous log return. Reads the
//! block's state only, lane by lane; never changes it.
//!
//! Prices are buffered for [`BUFFERED_PATHS`] paths, then added sketch by sketch. One path
//! touches a bucket of every (step, asset) sketch, far more memory than a cache holds, so
//! adding them path by path misses the cache on almost every value; a run of a few hundred
//! values into one sketch finds its buckets in cache. The sketches do not depend on the order
//! of their values.

use super::state::BlockState;
use crate::engine::plan::Plan;
use crate::summary::steps::StepTotals;

/// Paths whose sketched prices are buffered before they go into the sketches.
pub const BUFFERED_PATHS: usize = 256;

/// What a worker tracks of the current block's paths between steps, and the buffered prices.
#[derive(Debug, Clone)]
pub struct StepRecorder {
    assets: usize,
    books: usize,
    /// Paths of the current block that are recorded (its first lanes).
    lanes: usize,
    /// Per lane: the path's cumulative liquidated notional at the end of the previous step, USD.
    liquidated_before_usd: Vec<f64>,
    /// `[lane·books + book]`: liquidated in an earlier step.
    book_liquidated: Vec<bool>,
    /// Per lane: some book liquidated in an earlier step.
    any_liquidated: Vec<bool>,
    /// `[i·width + slot·assets + k]`: P_k/P_k(0) of the i-th buffered path, `width` being
    /// the sketched steps times the assets (each path writes one contiguous row).
    prices: Vec<f64>,
    /// The same layout: the exogenous log returns.
    exogenous_logs: Vec<f64>,
    /// Paths in the buffers.
    buffered: usize,
}

impl StepRecorder {
    pub fn new(plan: &Plan) -> Self {
        StepRecorder {
            assets: plan.assets,
            books: plan.margin.len(),
            lanes: 0,
            liquidated_before_usd: Vec::new(),
            book_liquidated: Vec::new(),
            any_liquidated: Vec::new(),
            prices: Vec::new(),
            exogenous_logs: Vec::new(),
            buffered: 0,
        }
    }

    /// Back to t = 0 for a block whose first `lanes` paths are recorded, sizing the buffers
    /// for `totals` on first use and emptying them if the block's paths would not fit.
    pub fn start_block(&mut self, totals: &mut StepTotals, lanes: usize) {
        assert!(lanes <= BUFFERED_PATHS, "a block fits the buffers");
        self.lanes = lanes;
        self.liquidated_before_usd.clear();
        self.liquidated_before_usd.resize(lanes, 0.0);
        self.book_liquidated.clear();
        self.book_liquidated.resize(lanes * self.books, false);
        self.any_liquidated.clear();
        self.any_liquidated.resize(lanes, false);
        let size = totals.price_steps().len() * self.assets * BUFFERED_PATHS;
        if self.prices.len() != size {
            self.prices = vec![0.0; size];
            self.exogenous_logs = vec![0.0; size];
        }
        if self.buffered + lanes > BUFFERED_PATHS {
            self.flush(totals);
        }
    }

    /// Records the block's recorded lanes at the end of step `step`.
    #[inline]
    pub fn end_step<const W: usize>(
        &mut self,
        plan: &Plan,
        state: &BlockState<W>,
        step: u32,
        totals: &mut StepTotals,
    ) {
        let slot = totals.price_slot(step);
        let width = self.prices.len() / BUFFERED_PATHS;
        for lane in 0..self.lanes {
            let liquidated_usd = state.liquidated_notional_usd.0[lane];
            totals.add_liquidated_notional(step, liquidated_usd - self.liquidated_before_usd[lane]);
            self.liquidated_before_usd[lane] = liquidated_usd;
            let seen = &mut self.book_liquidated[lane * self.books..(lane + 1) * self.books];
            for ((book, book_state), seen) in plan.margin.iter().zip(&state.margin).zip(seen) {
                if !*seen && book_state.liquidated[lane] > 0 {
                    *seen = true;
                    totals.add_first_liquidation(step, Some(book.cohort));
                    if !self.any_liquidated[lane] {
                        self.any_liquidated[lane] = true;
                        totals.add_first_liquidation(step, None);
                    }
                }
            }
            if let Some(slot) = slot {
                let at = (self.buffered + lane) * width + slot * self.assets;
                let row = at..at + self.assets;
                for ((price, log), k) in self.prices[row.clone()]
                    .iter_mut()
                    .zip(&mut self.exogenous_logs[row])
                    .zip(0..)
                {
                    *price = state.price[k].0[lane];
                    *log = state.exogenous_log[k].0[lane];
                }
            }
        }
    }

    /// Ends the block: counts its recorded paths, which stay in the buffers.
    pub fn end_block(&mut self, totals: &mut StepTotals) {
        for _ in 0..self.lanes {
            totals.add_path();
        }
        self.buffered += self.lanes;
    }

    /// Adds the buffered prices to `totals`, sketch by sketch.
    pub fn flush(&mut self, totals: &mut StepTotals) {
        let width = self.prices.len() / BUFFERED_PATHS;
        let rows = self.buffered * width;
        for column in 0..width {
            let (slot, asset) = (column / self.assets, column % self.assets);
            let prices = self.prices[..rows].iter().skip(column).step_by(width);
            totals.add_prices(slot, asset, prices.copied());
            let logs = self.exogenous_logs[..rows]
                .iter()
                .skip(column)
                .step_by(width);
            totals.add_exogenous_logs(slot, asset, logs.copied());
        }
        self.buffered = 0;
    }
}
