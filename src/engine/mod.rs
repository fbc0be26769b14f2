//! Per-path simulation engines and the driver that reduces their paths into summaries.

pub mod backend;
pub mod cpu;
pub mod gpu;
pub mod plan;

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::lanes::Width;
use crate::model::Model;
use crate::summary::metrics::{MetricLayout, RunTotals};
use crate::summary::steps::{PerThreadSteps, StepTotals};

/// What a caller wants back besides the totals, and how it watches the run.
pub struct RunControl<'a> {
    /// Rows of per-path metrics are kept for global paths below this index.
    pub dump_paths: u64,
    /// Also reduce every step ([`RunOutput::steps`]), for the report's time axis; it costs a
    /// few sketch additions per path and step, so it is off unless a report needs it.
    pub per_step: bool,
    /// Set (e.g. by Ctrl-C) to stop between batches; the result is then partial.
    pub cancel: &'a AtomicBool,
    /// Called after each batch with the number of paths done so far.
    pub progress: &'a (dyn Fn(u64) + Sync),
}

impl<'a> RunControl<'a> {
    /// Totals only: no dumped rows, no per-step series, no progress reports; stops when
    /// `cancel` is set.
    pub fn totals_only(cancel: &'a AtomicBool) -> Self {
        RunControl {
            dump_paths: 0,
            per_step: false,
            cancel,
            progress: &|_| {},
        }
    }
}

/// The reduced result of simulating a range of paths.
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub totals: RunTotals,
    /// The per-step totals, when [`RunControl::per_step`] asked for them.
    pub steps: Option<StepTotals>,
    /// Per-path rows of the first `dump_paths` paths, in path order.
    pub dump_rows: Vec<Vec<f64>>,
    /// True when the run stopped early (cancelled): `totals.paths` says how far it got.
    pub partial: bool,
}

/// What one rayon split of a batch reduces to: its totals, and its dumped rows with their
/// global path index.
type SplitTotals = (RunTotals, Vec<(u64, Vec<f64>)>);

/// Paths per unit of parallel work, small enough to balance two threads (a rayon split keeps
/// one set of totals over all its chunks, so merging stays cheap).
const CHUNK_PATHS: u64 = 512;
/// Paths between two progress reports and cancellation checks.
const BATCH_PATHS: u64 = 32 * CHUNK_PATHS;

/// Runs global paths `paths` of `model` on the CPU engine, in parallel over all threads of
/// the current rayon pool, in blocks of the lane width `FIRESALE_CPU_LANES` forces or the
/// processor's widest. The totals do not depend on the thread count, batch sizes or width.
pub fn run_cpu(model: &Model, paths: Range<u64>, control: &RunControl) -> RunOutput {
    // The CLI rejects a bad FIRESALE_CPU_LANES before it gets here (Engine::cpu).
    let width = Width::chosen().unwrap_or_else(|_| Width::detected());
    run_cpu_at(width, model, paths, control)
}

/// [`run_cpu`] at lane width `width` (one this processor runs: see [`Width::available`]).
pub fn run_cpu_at(
    width: Width,
    model: &Model,
    paths: Range<u64>,
    control: &RunControl,
) -> RunOutput {
    let plan = plan::Plan::new(model);
    let layout = MetricLayout::new(model);
    let recorded_steps = control.per_step.then(|| PerThreadSteps::new(model));
    let mut output = RunOutput {
        totals: RunTotals::new(layout),
        steps: None,
        dump_rows: Vec::new(),
        partial: false,
    };
    let mut batch_start = paths.start;
    while batch_start < paths.end {
        if control.cancel.load(Ordering::Relaxed) {
            output.partial = true;
            break;
        }
        let batch_end = paths.end.min(batch_start + BATCH_PATHS);
        let chunks: Vec<Range<u64>> = (batch_start..batch_end)
            .step_by(CHUNK_PATHS as usize)
            .map(|start| start..batch_end.min(start + CHUNK_PATHS))
            .collect();
        // Each rayon split keeps one worker and one set of totals over all its chunks (the
        // totals are exact, so how the batch is split does not change them); dumped rows carry
        // their path, for the order.
        let parts: Vec<SplitTotals> = chunks
            .into_par_iter()
            .fold(
                || {
                    let worker = cpu::PathsWorker::new(&plan, width);
                    let split = (RunTotals::new(layout), Vec::new());
                    (worker, cpu::PathRows::default(), split)
                },
                |(mut worker, mut rows, (mut totals, mut dumped)), chunk| {
                    let start = chunk.start;
                    match &recorded_steps {
                        None => worker.simulate(&plan, &layout, chunk, &mut rows, None),
                        Some(slots) => slots.with(|steps| {
                            worker.simulate(&plan, &layout, chunk, &mut rows, Some(&mut *steps));
                            worker.flush_steps(steps);
                        }),
                    }
                    let paths = rows.values.chunks_exact(layout.len());
                    for ((row, &exhausted), path) in paths.zip(&rows.rounds_exhausted).zip(start..)
                    {
                        totals.add_path(row, exhausted);
                        if path < control.dump_paths {
                            dumped.push((path, row.to_vec()));
                        }
                    }
                    (worker, rows, (totals, dumped))
                },
            )
            .map(|(_, _, split)| split)
            .collect();
        let mut dumped = Vec::new();
        for (totals, rows) in parts {
            output.totals.merge(&totals);
            dumped.extend(rows);
        }
        dumped.sort_unstable_by_key(|&(path, _)| path);
        output
            .dump_rows
            .extend(dumped.into_iter().map(|(_, row)| row));
        (control.progress)(batch_end - paths.start);
        batch_start = batch_end;
    }
    output.steps = recorded_steps.map(PerThreadSteps::into_totals);
    output
}
