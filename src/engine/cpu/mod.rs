//! The CPU reference engine, in f64, stage by stage as MODEL.md §2 orders a step. It advances
//! a block of W paths together, one path per SIMD lane (W chosen at run time, see
//! [`crate::lanes`]), and every lane computes exactly what a single path would: a path's
//! numbers do not depend on the width, the instruction set, the thread or the chunk. The
//! GPU engine is tested against it.

pub mod cascade;
pub mod exogenous;
pub mod funds;
pub mod impact;
pub mod record;
pub mod regime;
pub mod shock;
pub mod state;

use std::ops::Range;

use crate::engine::plan::Plan;
use crate::lanes::{LaneJob, Lanes, Width, each};
use crate::summary::metrics::{self, MetricLayout};
use crate::summary::steps::StepTotals;
use exogenous::{Drawn, Exogenous};
use record::StepRecorder;
use state::{BlockState, PathState};

/// Watches a single path as it runs (a replay records every step and cascade round).
pub trait Observer {
    /// After round `round` of step `step`'s cascade, a round that liquidated something.
    fn round(&mut self, _step: u32, _round: u32, _state: &PathState) {}
    /// At the end of step `step`, after its cascade.
    fn step(&mut self, _step: u32, _state: &PathState) {}
}

impl Observer for () {}

/// Watches a block of paths as it runs: per-step recording, or a single path's [`Observer`];
/// a plain Monte Carlo run watches nothing (`()`, which compiles away).
trait BlockObserver<const W: usize> {
    fn round(&mut self, _step: u32, _round: u32, _state: &BlockState<W>) {}
    fn step(&mut self, _step: u32, _state: &BlockState<W>) {}
}

impl<const W: usize> BlockObserver<W> for () {}

/// A single path's [`Observer`] watching a one-lane block, through a copy of the lane.
struct OnePath<'a, O> {
    observer: &'a mut O,
    view: &'a mut PathState,
}

impl<O: Observer> BlockObserver<1> for OnePath<'_, O> {
    fn round(&mut self, step: u32, round: u32, state: &BlockState<1>) {
        self.view.copy_lane(state, 0);
        self.observer.round(step, round, self.view);
    }

    fn step(&mut self, step: u32, state: &BlockState<1>) {
        self.view.copy_lane(state, 0);
        self.observer.step(step, self.view);
    }
}

/// Feeds the end of every step to a run's per-step totals.
struct RecordSteps<'a> {
    plan: &'a Plan,
    recorder: &'a mut StepRecorder,
    totals: &'a mut StepTotals,
}

impl<const W: usize> BlockObserver<W> for RecordSteps<'_> {
    #[inline(always)]
    fn step(&mut self, step: u32, state: &BlockState<W>) {
        self.recorder.end_step(self.plan, state, step, self.totals);
    }
}

/// The memory a block of W paths runs in.
#[derive(Debug, Clone)]
struct Block<const W: usize> {
    state: BlockState<W>,
    /// Per margin book: the end of the buckets a cascade round liquidates.
    new_end: Vec<[usize; W]>,
}

impl<const W: usize> Block<W> {
    fn new(plan: &Plan) -> Self {
        Block {
            state: BlockState::new(plan),
            new_end: vec![[0; W]; plan.margin.len()],
        }
    }

    /// Runs the block's paths, whose regimes and exogenous moves come from `shocks`, through
    /// every step, telling `observer` what happens.
    #[inline(always)]
    fn run(
        &mut self,
        plan: &Plan,
        shocks: &impl Exogenous<W>,
        observer: &mut impl BlockObserver<W>,
    ) {
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
    }

    /// Writes the metrics of the first `rows.len() / layout.len()` lanes into `rows`, one row
    /// (laid out by `layout`) per lane.
    fn write_rows(&self, plan: &Plan, layout: &MetricLayout, rows: &mut [f64]) {
        let state = &self.state;
        let mut set = |index: usize, values: Lanes<W>| {
            for (row, value) in rows.chunks_exact_mut(layout.len()).zip(values.0) {
                row[index] = value;
            }
        };
        for (book, book_state) in plan.margin.iter().zip(&state.margin) {
            let c = book.cohort;
            let equity = cascade::final_equity(book, book_state, &state.price);
            set(layout.cohort(c, metrics::LOSS), book.equity_usd - equity);
            set(
                layout.cohort(c, metrics::LIQUIDATED_NOTIONAL),
                book_state.liquidated_notional_usd,
            );
            set(
                layout.cohort(c, metrics::ACCOUNTS_LIQUIDATED),
                book_state.accounts_liquidated,
            );
            set(layout.cohort(c, metrics::BAD_DEBT), book_state.bad_debt_usd);
        }
        for (c, loss) in funds::final_losses(plan, state) {
            set(layout.cohort(c, metrics::LOSS), loss);
            for metric in [
                metrics::LIQUIDATED_NOTIONAL,
                metrics::ACCOUNTS_LIQUIDATED,
                metrics::BAD_DEBT,
            ] {
                set(layout.cohort(c, metric), Lanes::splat(0.0));
            }
        }
        for k in 0..plan.assets {
            set(layout.asset(k, metrics::RETURN), state.price[k] - 1.0);
            set(
                layout.asset(k, metrics::MAX_DRAWDOWN),
                state.max_drawdown(k),
            );
            set(
                layout.asset(k, metrics::IMPACT_RETURN),
                state.impact_log[k].exp() - 1.0,
            );
        }
        set(
            layout.system(metrics::SYSTEM_LIQUIDATED_NOTIONAL),
            state.liquidated_notional_usd,
        );
        set(
            layout.system(metrics::FORCED_SELLING),
            state.forced_selling_usd,
        );
    }
}

/// A worker's memory for running given single paths (a replay, a reverse stress test).
#[derive(Debug, Clone)]
pub struct Worker {
    block: Block<1>,
    view: PathState,
}

impl Worker {
    pub fn new(plan: &Plan) -> Self {
        Worker {
            block: Block::new(plan),
            view: PathState::default(),
        }
    }

    /// Runs one path whose regimes and exogenous moves come from `shocks`, through every
    /// other stage of a step, telling `observer` what happens, and writes its metrics into
    /// `row`. Returns whether some step ran out of cascade rounds.
    pub fn run(
        &mut self,
        plan: &Plan,
        shocks: &impl Exogenous<1>,
        observer: &mut impl Observer,
        layout: &MetricLayout,
        row: &mut [f64],
    ) -> bool {
        let mut one_path = OnePath {
            observer,
            view: &mut self.view,
        };
        self.block.run(plan, shocks, &mut one_path);
        self.block.write_rows(plan, layout, row);
        self.block.state.rounds_exhausted.lane(0)
    }
}

/// A Monte Carlo worker: simulates ranges of global paths in blocks of the chosen width.
#[derive(Debug, Clone)]
pub struct PathsWorker {
    width: Width,
    recorder: StepRecorder,
}

/// The metrics of a range of paths: one row per path, and whether it ran out of cascade
/// rounds in some step.
#[derive(Debug, Clone, Default)]
pub struct PathRows {
    /// `[i·layout.len() + m]`: metric m of the range's i-th path.
    pub values: Vec<f64>,
    pub rounds_exhausted: Vec<bool>,
}

impl PathsWorker {
    pub fn new(plan: &Plan, width: Width) -> Self {
        PathsWorker {
            width,
            recorder: StepRecorder::new(plan),
        }
    }

    /// Simulates global paths `paths` into `rows` (replacing what it held), also recording
    /// the end of every step into `steps` when given; some of that is buffered until
    /// [`flush_steps`](Self::flush_steps).
    pub fn simulate(
        &mut self,
        plan: &Plan,
        layout: &MetricLayout,
        paths: Range<u64>,
        rows: &mut PathRows,
        steps: Option<&mut StepTotals>,
    ) {
        let count = (paths.end - paths.start) as usize;
        rows.values.clear();
        rows.values.resize(count * layout.len(), 0.0);
        rows.rounds_exhausted.clear();
        rows.rounds_exhausted.resize(count, false);
        self.width.run(SimulatePaths {
            plan,
            layout,
            paths,
            rows,
            recorder: &mut self.recorder,
            steps,
        });
    }

    /// Adds what [`simulate`](Self::simulate) buffered of the per-step totals to `steps`;
    /// due before the totals are read or the worker is dropped.
    pub fn flush_steps(&mut self, steps: &mut StepTotals) {
        self.recorder.flush(steps);
    }
}

/// [`PathsWorker::simulate`] at a lane width.
struct SimulatePaths<'a> {
    plan: &'a Plan,
    layout: &'a MetricLayout,
    paths: Range<u64>,
    rows: &'a mut PathRows,
    recorder: &'a mut StepRecorder,
    steps: Option<&'a mut StepTotals>,
}

impl LaneJob for SimulatePaths<'_> {
    type Output = ();

    #[inline(always)]
    fn run<const W: usize>(self) {
        let SimulatePaths {
            plan,
            layout,
            paths,
            rows,
            recorder,
            mut steps,
        } = self;
        let mut block = Block::<W>::new(plan);
        let row_blocks = rows.values.chunks_mut(W * layout.len());
        let exhausted_blocks = rows.rounds_exhausted.chunks_mut(W);
        let starts = paths.clone().step_by(W);
        for ((start, values), exhausted) in starts.zip(row_blocks).zip(exhausted_blocks) {
            // Lanes past the range repeat its last path; they are not written.
            let drawn = Drawn {
                paths: each(|lane| (start + lane as u64).min(paths.end - 1)),
            };
            match steps.as_deref_mut() {
                None => block.run(plan, &drawn, &mut ()),
                Some(totals) => {
                    recorder.start_block(totals, exhausted.len());
                    let mut recording = RecordSteps {
                        plan,
                        recorder,
                        totals,
                    };
                    block.run(plan, &drawn, &mut recording);
                    recorder.end_block(totals);
                }
            }
            block.write_rows(plan, layout, values);
            for (lane, flag) in exhausted.iter_mut().enumerate() {
                *flag = block.state.rounds_exhausted.lane(lane);
            }
        }
    }
}
