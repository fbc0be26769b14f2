//! Helpers shared by the integration tests: compile an inline scenario and run it on the
//! CPU engine, keeping every path's metrics when asked; run the `firesale` binary in a
//! scratch folder and compare its JSON summaries; the cohort books several tests share, from
//! tests/fixtures/, and the one-asset scenarios built around them.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::AtomicBool;

use firesale::engine::{RunControl, RunOutput, run_cpu};
use firesale::model::Model;
use firesale::summary::metrics::MetricLayout;

/// Two margin books, A and B, on an asset X (tests/fixtures/two-margin-books.toml).
pub const MARGIN_BOOKS: &str = include_str!("../fixtures/two-margin-books.toml");

/// A 3× and a −1× leveraged ETF on an asset X (tests/fixtures/etf-pair.toml).
pub const ETF_PAIR: &str = include_str!("../fixtures/etf-pair.toml");

/// A `[[cohorts]]` entry: the cohort `name` of `kind` holding the asset X alone, with the
/// TOML lines `terms` (equity or AUM, leverage, margin, ...).
pub fn cohort_on_x(name: &str, kind: &str, terms: &str) -> String {
    format!("[[cohorts]]\nname = \"{name}\"\nkind = \"{kind}\"\nweights = {{ X = 1.0 }}\n{terms}\n")
}

/// A price taker: `head` (the scenario's name, `[simulation]` and `[market]`), one asset X of
/// depth 1e9 with the TOML lines `asset` (price, vol, drift), and a long margin book "book"
/// on it (equity $1M, no impact) with the lines `terms` (leverage, margin, fee).
pub fn price_taker(head: &str, asset: &str, terms: &str) -> Model {
    model(&format!(
        "{head}\n[[assets]]\nname = \"X\"\n{asset}\ndepth = 1.0e9\n{}",
        cohort_on_x(
            "book",
            "margin",
            &format!("equity = 1.0e6\nimpact = false\n{terms}")
        )
    ))
}

/// The two margin books of tests/fixtures/two-margin-books.toml on an asset X with linear
/// impact whose depth halves in stress: `head` is the scenario's name and `[simulation]`,
/// `asset` the lines of X (price, vol, depth), `more` any further assets.
pub fn margin_books_on_x(head: &str, asset: &str, more: &str) -> Model {
    model(&format!(
        "{head}\n[market]\nimpact = \"linear\"\n[regimes]\nstress_depth_multiplier = 0.5\n\
         [[assets]]\nname = \"X\"\n{asset}\n{more}\n{MARGIN_BOOKS}"
    ))
}

/// A deterministic scenario: one asset X of zero volatility, so that its log price moves by
/// its drift alone; `simulation` and `market` are the lines of those tables, `asset` the
/// lines of X (price, drift, depth) and `cohorts` the rest of the scenario.
pub fn zero_vol_x(simulation: &str, market: &str, asset: &str, cohorts: &str) -> Model {
    model(&format!(
        "name = \"zero-vol\"\n[simulation]\n{simulation}\n[market]\n{market}\n\
         [[assets]]\nname = \"X\"\nvol = 0.0\n{asset}\n{cohorts}"
    ))
}

/// Compiles an inline scenario, which must be valid.
pub fn model(toml: &str) -> Model {
    firesale::scenario::compile_str(toml, "test").unwrap_or_else(|e| panic!("test scenario: {e}"))
}

/// Runs paths `0..paths` of `model`, keeping the rows of the first `dump` paths.
pub fn run(model: &Model, paths: u64, dump: u64) -> RunOutput {
    run_range(model, 0..paths, dump)
}

/// Runs the global paths `paths` of `model`, keeping the rows of those below `dump`.
pub fn run_range(model: &Model, paths: Range<u64>, dump: u64) -> RunOutput {
    run_with(model, paths, dump, false)
}

/// Runs the global paths `paths` of `model`, keeping the rows of those below `dump` and, with
/// `per_step`, the per-step summaries.
pub fn run_with(model: &Model, paths: Range<u64>, dump: u64, per_step: bool) -> RunOutput {
    let cancel = AtomicBool::new(false);
    run_cpu(
        model,
        paths,
        &RunControl {
            dump_paths: dump,
            per_step,
            cancel: &cancel,
            progress: &|_| {},
        },
    )
}

/// An empty folder for one test (of one test process).
pub fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("firesale-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// Runs the `firesale` binary with `args` in the folder `dir`.
pub fn firesale_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_firesale"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

/// Runs the `firesale` binary in the folder `dir` with the words of `line` as its arguments
/// (none of which has a space).
pub fn firesale_line(dir: &Path, line: &str) -> Output {
    firesale_in(dir, &line.split_whitespace().collect::<Vec<_>>())
}

/// Asserts that the command succeeded, showing its stderr if not; returns its stdout.
pub fn assert_success(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "failed ({}): {stderr}",
        output.status
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Asserts exit status 2 (bad input), no panic, and every one of `needles` in stderr.
pub fn assert_refused(output: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "expected '{needle}' in: {stderr}");
    }
}

/// A JSON summary without `elapsed_seconds`, the one number a merge need not reproduce.
pub fn without_elapsed(json: &str) -> serde_json::Value {
    let mut value: serde_json::Value = serde_json::from_str(json).expect("a JSON summary");
    value
        .as_object_mut()
        .expect("a JSON object")
        .remove("elapsed_seconds")
        .expect("elapsed_seconds is there");
    value
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

/// The names of the entries of `dir`, sorted.
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("list {}: {e}", dir.display()))
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}
