//! The CPU reference engine: one path at a time, in f64, stage by stage as MODEL.md §2
//! orders a step. Clear first; the GPU engine is tested against it.

pub mod cascade;
pub mod exogenous;
pub mod funds;
pub mod impact;
pub mod plan;
pub mod record;
pub mod regime;
pub mod shock;
pub mod state;

use crate::engine::metrics::{self, MetricLayout};
use crate::engine::steps::StepTotals;
use exogenous::{Drawn, Exogenous};
use plan::Plan;
use record::StepRecorder;
use state::PathState;

/// Watches a path as it runs: a replay records every step and cascade round, a run asked for
/// per-step totals records the end of every step, and a plain Monte Carlo run watches nothing
/// (`()`, which compiles away).
pub trait Observer {
    /// After round `round` of step `step`'s cascade, a round that liquidated something.
    fn round(&mut self, _step: u32, _round: u32, _state: &PathState) {}
    /// At the end of step `step`, after its cascade.
    fn step(&mut self, _step: u32, _state: &PathState) {}
}

impl Observer for () {}

/// A worker's reusable memory for simulating paths one after another.
#[derive(Debug, Clone)]
pub struct Worker {
    path: PathMemory,
    recorder: StepRecorder,
}

/// The memory one path runs in.
#[derive(Debug, Clone)]
struct PathMemory {
    state: PathState,
    new_end: Vec<usize>,
}

impl Worker {
    pub fn new(plan: &Plan) -> Self {
        Worker {
            path: PathMemory {
                state: PathState::new(plan),
                new_end: vec![0; plan.margin.len()],
            },
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
        self.run(plan, &Drawn { path }, &mut (), layout, row)
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
        self.recorder.start_path(steps);
        let mut recording = RecordSteps {
            plan,
            recorder: &mut self.recorder,
            totals: steps,
        };
        let exhausted = self
            .path
            .run(plan, &Drawn { path }, &mut recording, layout, row);
        self.recorder.end_path(steps);
        exhausted
    }

    /// Adds what [`simulate_recording_steps`](Self::simulate_recording_steps) buffered to
    /// `steps`; due before the totals are read or the worker is dropped.
    pub fn flush_steps(&mut self, steps: &mut StepTotals) {
        self.recorder.flush(steps);
    }

    /// Runs one path whose regimes and exogenous moves come from `shocks`, through every
    /// other stage of a step, telling `observer` what happens, and writes its metrics into
    /// `row`. Returns whether some step ran out of cascade rounds.
    pub fn run(
        &mut self,
        plan: &Plan,
        shocks: &impl Exogenous,
        observer: &mut impl Observer,
        layout: &MetricLayout,
        row: &mut [f64],
    ) -> bool {
        self.path.run(plan, shocks, observer, layout, row)
    }
}

impl PathMemory {
    /// See [`Worker::run`].
    fn run(
        &mut self,
        plan: &Plan,
        shocks: &impl Exogenous,
        observer: &mut impl Observer,
        layout: &MetricLayout,
        row: &mut [f64],
    ) -> bool {
        let state = &mut self.state;
        state.reset(plan);
        state.stress = shocks.initial_stress(plan);
        for step in 1..=plan.steps {
            shocks.apply(plan, state, step);
            impact::decay(plan, state);
            state.refresh_prices();
            funds::rebalance(plan, state, step);
            cascade::run(plan, state, &mut self.new_end, |round, state| {
                observer.round(step, round, state);
            });
            state.track_drawdown();
            observer.step(step, state);
        }
        write_row(plan, layout, state, row);
        state.rounds_exhausted
    }
}

/// Feeds the end of every step to a run's per-step totals.
struct RecordSteps<'a> {
    plan: &'a Plan,
    recorder: &'a mut StepRecorder,
    totals: &'a mut StepTotals,
}

impl Observer for RecordSteps<'_> {
    #[inline]
    fn step(&mut self, step: u32, state: &PathState) {
        self.recorder.end_step(self.plan, state, step, self.totals);
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
