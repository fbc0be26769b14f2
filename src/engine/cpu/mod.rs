//! The CPU reference engine: one path at a time, in f64, stage by stage as MODEL.md §2
//! orders a step. Clear first; the GPU engine is tested against it.

pub mod cascade;
pub mod funds;
pub mod impact;
pub mod plan;
pub mod record;
pub mod regime;
pub mod shock;
pub mod state;

use crate::engine::metrics::{self, MetricLayout};
use crate::engine::steps::StepTotals;
use crate::rng::StepStream;
use plan::Plan;
use record::StepRecorder;
use state::PathState;

/// A worker's reusable memory for simulating paths one after another.
#[derive(Debug, Clone)]
pub struct Worker {
    state: PathState,
    new_end: Vec<usize>,
    recorder: StepRecorder,
}

impl Worker {
    pub fn new(plan: &Plan) -> Self {
        Worker {
            state: PathState::new(plan),
            new_end: vec![0; plan.margin.len()],
            recorder: StepRecorder::new(plan),
        }
    }

    /// Simulates global path `path` and writes its metrics into `row` (laid out by
    /// `layout`). Returns whether some step ran out of cascade rounds.
    pub fn simulate(
        &mut self,
        plan: &Plan,
        layout: &MetricLayout,
        path: u64,
        row: &mut [f64],
    ) -> bool {
        self.simulate_path(plan, layout, path, row, None)
    }

    /// [`simulate`](Self::simulate), also recording the end of every step into `steps`; some
    /// of it is buffered until [`flush_steps`](Self::flush_steps).
    pub fn simulate_recording_steps(
        &mut self,
        plan: &Plan,
        layout: &MetricLayout,
        path: u64,
        row: &mut [f64],
        steps: &mut StepTotals,
    ) -> bool {
        self.simulate_path(plan, layout, path, row, Some(steps))
    }

    /// Adds what [`simulate_recording_steps`](Self::simulate_recording_steps) buffered to
    /// `steps`; due before the totals are read or the worker is dropped.
    pub fn flush_steps(&mut self, steps: &mut StepTotals) {
        self.recorder.flush(steps);
    }

    fn simulate_path(
        &mut self,
        plan: &Plan,
        layout: &MetricLayout,
        path: u64,
        row: &mut [f64],
        mut steps: Option<&mut StepTotals>,
    ) -> bool {
        let state = &mut self.state;
        state.reset(plan);
        if let Some(totals) = steps.as_deref() {
            self.recorder.start_path(totals);
        }
        state.stress = regime::initial(plan, StepStream::new(plan.seed, path, 0).next_uniform());
        for step in 1..=plan.steps {
            let mut stream = StepStream::new(plan.seed, path, step);
            state.stress = regime::switch(plan, state.stress, stream.next_uniform());
            shock::apply(plan, state, &mut stream);
            impact::decay(plan, state);
            state.refresh_prices();
            funds::rebalance(plan, state, step);
            cascade::run(plan, state, &mut self.new_end);
            state.track_drawdown();
            if let Some(totals) = steps.as_deref_mut() {
                self.recorder.end_step(plan, state, step, totals);
            }
        }
        if let Some(totals) = steps {
            self.recorder.end_path(totals);
        }
        write_row(plan, layout, state, row);
        state.rounds_exhausted
    }
}

fn write_row(plan: &Plan, layout: &MetricLayout, state: &PathState, row: &mut [f64]) {
    for (book, book_state) in plan.margin.iter().zip(&state.margin) {
        let c = book.cohort;
        let equity = cascade::final_equity(book, book_state, &state.price);
        row[layout.cohort(c, metrics::LOSS)] = book.equity_usd - equity;
        row[layout.cohort(c, metrics::LIQUIDATED_NOTIONAL)] = book_state.liquidated_notional_usd;
        row[layout.cohort(c, metrics::ACCOUNTS_LIQUIDATED)] = book_state.accounts_liquidated;
        row[layout.cohort(c, metrics::BAD_DEBT)] = book_state.bad_debt_usd;
    }
    let (etf_values, vol_target_values) = funds::final_values(plan, state);
    let fund_losses = plan
        .etfs
        .iter()
        .zip(etf_values)
        .map(|(etf, value)| (etf.cohort, etf.aum_usd - value))
        .chain(
            plan.vol_targets
                .iter()
                .zip(vol_target_values)
                .map(|(fund, value)| (fund.cohort, fund.equity_usd - value)),
        );
    for (c, loss) in fund_losses {
        row[layout.cohort(c, metrics::LOSS)] = loss;
        for metric in [
            metrics::LIQUIDATED_NOTIONAL,
            metrics::ACCOUNTS_LIQUIDATED,
            metrics::BAD_DEBT,
        ] {
            row[layout.cohort(c, metric)] = 0.0;
        }
    }
    for k in 0..plan.assets {
        row[layout.asset(k, metrics::RETURN)] = state.price[k] - 1.0;
        row[layout.asset(k, metrics::MAX_DRAWDOWN)] = state.max_drawdown[k];
        row[layout.asset(k, metrics::IMPACT_RETURN)] = state.impact_log[k].exp() - 1.0;
    }
    row[layout.system(metrics::SYSTEM_LIQUIDATED_NOTIONAL)] = state.liquidated_notional_usd;
    row[layout.system(metrics::FORCED_SELLING)] = state.forced_selling_usd;
}
