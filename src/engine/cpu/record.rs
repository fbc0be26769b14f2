//! Per-step recording (when a run asks for [`StepTotals`]): after each step, the system
//! notional liquidated in it and the cohorts liquidated for the first time; at the steps whose
//! prices are sketched, every asset's relative price and exogenous log return. Reads the path
//! state only; never changes it.
//!
//! Prices are buffered for [`BUFFERED_PATHS`] paths, then added sketch by sketch. One path
//! touches a bucket of every (step, asset) sketch, far more memory than a cache holds, so
//! adding them path by path misses the cache on almost every value; a run of a few hundred
//! values into one sketch finds its buckets in cache. The sketches do not depend on the order
//! of their values.

use super::plan::Plan;
use super::state::PathState;
use crate::engine::steps::StepTotals;

/// Paths whose sketched prices are buffered before they go into the sketches.
pub const BUFFERED_PATHS: usize = 256;

/// What a worker tracks of the current path between steps, and the buffered prices.
#[derive(Debug, Clone)]
pub struct StepRecorder {
    assets: usize,
    /// The path's cumulative liquidated notional at the end of the previous step, USD.
    liquidated_before_usd: f64,
    /// Per margin book: liquidated in an earlier step.
    book_liquidated: Vec<bool>,
    /// Some book liquidated in an earlier step.
    any_liquidated: bool,
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
            liquidated_before_usd: 0.0,
            book_liquidated: vec![false; plan.margin.len()],
            any_liquidated: false,
            prices: Vec::new(),
            exogenous_logs: Vec::new(),
            buffered: 0,
        }
    }

    /// Back to t = 0 for a new path, sizing the buffers for `totals` on first use.
    pub fn start_path(&mut self, totals: &StepTotals) {
        self.liquidated_before_usd = 0.0;
        self.book_liquidated.fill(false);
        self.any_liquidated = false;
        let size = totals.price_steps().len() * self.assets * BUFFERED_PATHS;
        if self.prices.len() != size {
            self.prices = vec![0.0; size];
            self.exogenous_logs = vec![0.0; size];
        }
    }

    /// Records the state at the end of step `step`.
    #[inline]
    pub fn end_step(&mut self, plan: &Plan, state: &PathState, step: u32, totals: &mut StepTotals) {
        totals.add_liquidated_notional(
            step,
            state.liquidated_notional_usd - self.liquidated_before_usd,
        );
        self.liquidated_before_usd = state.liquidated_notional_usd;
        let books = plan.margin.iter().zip(&state.margin);
        for ((book, book_state), seen) in books.zip(&mut self.book_liquidated) {
            if !*seen && book_state.liquidated > 0 {
                *seen = true;
                totals.add_first_liquidation(step, Some(book.cohort));
                if !self.any_liquidated {
                    self.any_liquidated = true;
                    totals.add_first_liquidation(step, None);
                }
            }
        }
        if let Some(slot) = totals.price_slot(step) {
            let width = self.prices.len() / BUFFERED_PATHS;
            let at = self.buffered * width + slot * self.assets;
            self.prices[at..at + self.assets].copy_from_slice(&state.price);
            self.exogenous_logs[at..at + self.assets].copy_from_slice(&state.exogenous_log);
        }
    }

    /// Ends the path: counts it, and empties the buffers into `totals` when they are full.
    pub fn end_path(&mut self, totals: &mut StepTotals) {
        totals.add_path();
        self.buffered += 1;
        if self.buffered == BUFFERED_PATHS {
            self.flush(totals);
        }
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
