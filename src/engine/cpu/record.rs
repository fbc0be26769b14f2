//! Per-step recording (when a run asks for [`StepTotals`]): after each step, the path's
//! relative prices, its exogenous log returns, the system notional liquidated in the step, and
//! the step of each cohort's first liquidation. Reads the path state only; never changes it.

use super::plan::Plan;
use super::state::PathState;
use crate::engine::steps::{StepSample, StepTotals};

/// What a worker tracks of the current path between steps to record them.
#[derive(Debug, Clone)]
pub struct StepRecorder {
    /// The path's cumulative liquidated notional at the end of the previous step, USD.
    liquidated_before_usd: f64,
    /// Per margin book: liquidated in an earlier step.
    book_liquidated: Vec<bool>,
    /// Some book liquidated in an earlier step.
    any_liquidated: bool,
}

impl StepRecorder {
    pub fn new(plan: &Plan) -> Self {
        StepRecorder {
            liquidated_before_usd: 0.0,
            book_liquidated: vec![false; plan.margin.len()],
            any_liquidated: false,
        }
    }

    /// Back to t = 0 for a new path.
    pub fn start_path(&mut self) {
        self.liquidated_before_usd = 0.0;
        self.book_liquidated.fill(false);
        self.any_liquidated = false;
    }

    /// Records the state at the end of step `step` into `totals`.
    #[inline]
    pub fn end_step(&mut self, plan: &Plan, state: &PathState, step: u32, totals: &mut StepTotals) {
        totals.add_step(
            step,
            StepSample {
                price: &state.price,
                exogenous_log: &state.exogenous_log,
                liquidated_notional_usd: state.liquidated_notional_usd - self.liquidated_before_usd,
            },
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
    }
}
