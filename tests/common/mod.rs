//! Helpers shared by the integration tests: compile an inline scenario and run it on the
//! CPU engine, keeping every path's metrics when asked.

#![allow(dead_code)] // each test binary uses its own subset

use std::sync::atomic::AtomicBool;

use firesale::engine::metrics::MetricLayout;
use firesale::engine::{RunControl, RunOutput, run_cpu};
use firesale::model::Model;

pub fn model(toml: &str) -> Model {
    firesale::scenario::compile_str(toml, "test").unwrap_or_else(|e| panic!("test scenario: {e}"))
}

/// Runs paths `0..paths` of `model`, keeping the rows of the first `dump` paths.
pub fn run(model: &Model, paths: u64, dump: u64) -> RunOutput {
    let cancel = AtomicBool::new(false);
    run_cpu(
        model,
        0..paths,
        &RunControl {
            dump_paths: dump,
            cancel: &cancel,
            progress: &|_| {},
        },
    )
}

/// The one path of a deterministic scenario, as (layout, row).
pub fn single_path(model: &Model) -> (MetricLayout, Vec<f64>, bool) {
    let output = run(model, 1, 1);
    let exhausted = output.totals.rounds_exhausted_paths == 1;
    (
        MetricLayout::new(model),
        output.dump_rows[0].clone(),
        exhausted,
    )
}

/// Asserts |actual − expected| ≤ tolerance, saying what was compared.
pub fn assert_close(what: &str, actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: got {actual}, expected {expected} ± {tolerance} (off by {})",
        (actual - expected).abs()
    );
}

/// Relative closeness for deterministic replications (rounding only).
pub fn assert_rel(what: &str, actual: f64, expected: f64, relative: f64) {
    assert_close(
        what,
        actual,
        expected,
        relative * expected.abs().max(1e-300),
    );
}

/// P(a Brownian motion with drift ν = μ − ½σ², monitored at the ends of `steps` steps of
/// `step_years`, ends a step below `barrier_log` < 0), by the continuous-monitoring formula
/// with the Broadie–Glasserman–Kou shift β·σ·√Δ (β = −ζ(½)/√(2π) ≈ 0.5826) of the barrier.
pub fn discrete_barrier_probability(
    barrier_log: f64,
    drift: f64,
    vol: f64,
    steps: u32,
    step_years: f64,
) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    let horizon = f64::from(steps) * step_years;
    let nu = drift - 0.5 * vol * vol;
    let beta = 0.582_597_157_939_010_6;
    let shifted = barrier_log - beta * vol * step_years.sqrt();
    let normal = Normal::standard();
    let sd = vol * horizon.sqrt();
    normal.cdf((shifted - nu * horizon) / sd)
        + (2.0 * nu * shifted / (vol * vol)).exp() * normal.cdf((shifted + nu * horizon) / sd)
}
