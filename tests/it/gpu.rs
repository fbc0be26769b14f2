//! The GPU engine against the CPU reference engine, on whatever adapter wgpu finds (Mesa's
//! lavapipe in CI: real shaders, no GPU). No adapter is a failure, never a silent skip.
//!
//! Tolerances and where they come from:
//! - Stream words: bit for bit (integer arithmetic on both sides).
//! - Normals: 1e-5 absolute. f32 rounds u to 2^−24 relative and the angle to a few ULP; the
//!   radius is at most sqrt(2·ln 2^32) ≈ 6.7, so the error stays near 1e-6.
//! - Per-path metrics: 1e-4 of the metric's scale ([`scales`]): a cohort's initial equity
//!   (aum) for its USD metrics, its account count for `accounts_liquidated`, 1 for asset
//!   returns, drawdowns and impact returns, the initial gross exposure of every book and
//!   fund together for the system metrics, and at least the largest |CPU value| of the
//!   column everywhere. f32 carries about 7 digits; 168 steps of sums lose one or two, and
//!   sqrt impact amplifies the error of small net flows (g'(q) grows as q → 0).
//! - Except paths where a liquidation decision differs: the breach test 1/L + R < m·A is a
//!   threshold, and when a book sits within f32 rounding (~1e-7) of it the engines may
//!   liquidate a bucket at different steps, after which the cascade takes another course.
//!   Such a path liquidates something in one engine at least; they must be rare (at most
//!   1% of paths: the margin has a smooth distribution, so the chance that it lands within
//!   1e-7 of the threshold over 168 steps and 16 buckets is far below that).
//! - Summary quantiles: 0.5% relative from each engine's sketch, plus the f32 allowance,
//!   plus the shift that the divergent paths can cause (the neighbouring order statistics).
//! - Per-step totals: first-liquidation counts, mean liquidated notional per step and price
//!   quantiles per sketched step, each bound stated at its test
//!   (`crypto_unwind_step_totals_match_the_cpu_engine`); chunks merge exactly.
//! - The GPU's reduction against the host's reduction of the same f32 rows: exact (same
//!   sketch buckets, exact sums, min, max and counts), and the f32 bucket index bit for bit.

use std::sync::atomic::AtomicBool;

use firesale::engine::gpu::agreement::{self, Agreement};
use firesale::engine::gpu::device::GpuDevice;
use firesale::engine::gpu::params::{ParamWords, ParamsBinding};
use firesale::engine::gpu::pipeline::{PathPipeline, ReduceOn};
use firesale::engine::gpu::probe::{StreamRequest, probe_buckets, probe_reduction, probe_stream};
use firesale::engine::gpu::slicer::Slicer;
use firesale::engine::gpu::{GpuEngine, run_gpu};
use firesale::engine::plan::Plan;
use firesale::engine::{RunControl, RunOutput, run_cpu};
use firesale::model::{CohortKind, Model};
use firesale::rng::StepStream;
use firesale::summary::metrics::{
    ACCOUNTS_LIQUIDATED, BAD_DEBT, FORCED_SELLING, LIQUIDATED_NOTIONAL, LOSS, MetricLayout,
    RunTotals, SYSTEM_LIQUIDATED_NOTIONAL,
};
use firesale::summary::steps::StepTotals;
use firesale::summary::{QuantileSketch, STATS_QUANTILES};

/// The GPU engine on the adapter wgpu prefers; fails (with the reason) when there is none.
fn engine() -> GpuEngine {
    match GpuEngine::new(None) {
        Ok(engine) => engine,
        Err(error) => panic!(
            "no GPU adapter for the GPU tests ({error}); install Mesa's lavapipe \
             (mesa-vulkan-drivers) to run them without a GPU{}",
            if std::env::var_os("CI").is_some() {
                " — CI must provide one"
            } else {
                ""
            }
        ),
    }
}

fn control(cancel: &AtomicBool, dump: u64) -> RunControl<'_> {
    RunControl {
        dump_paths: dump,
        per_step: false,
        cancel,
        progress: &|_| {},
    }
}

#[test]
fn philox_words_are_bit_exact_and_normals_within_1e_5() {
    let engine = engine();
    let mut requests = Vec::new();
    for seed in [0, 1, 7, (1 << 32) + 5, u64::MAX] {
        for path in [0, 1, 12_345, 1 << 32, (1 << 32) + 7, u64::MAX - 3] {
            for step in [0, 1, 168, u32::MAX] {
                requests.push(StreamRequest { seed, path, step });
            }
        }
    }
    let samples = probe_stream(&engine, &requests).expect("stream probe runs");
    for (request, sample) in requests.iter().zip(&samples) {
        let mut words = StepStream::new(request.seed, request.path, request.step);
        let expected: Vec<u32> = sample.words.iter().map(|_| words.next_word()).collect();
        assert_eq!(sample.words, expected, "{request:?}");
        let mut normals = StepStream::new(request.seed, request.path, request.step);
        for pair in sample.normals.chunks_exact(2) {
            let (z0, z1) = normals.next_normal_pair();
            for (gpu, cpu) in [(pair[0], z0), (pair[1], z1)] {
                assert!(
                    (f64::from(gpu) - cpu).abs() <= 1e-5,
                    "{request:?}: GPU normal {gpu} vs CPU {cpu}"
                );
            }
        }
    }
}

/// Per column: the scale its tolerance is relative to (see the module doc).
fn scales(model: &Model, cpu: &RunOutput) -> Vec<f64> {
    let layout = MetricLayout::new(model);
    let mut natural = vec![1.0; layout.len()];
    let mut system_gross = 0.0;
    for (c, cohort) in model.cohorts.iter().enumerate() {
        let (equity, accounts, gross) = match &cohort.kind {
            CohortKind::Margin(book) => {
                let leverage: f64 = book
                    .buckets
                    .iter()
                    .map(|b| b.leverage * b.equity_share)
                    .sum();
                (book.equity_usd, book.accounts, book.equity_usd * leverage)
            }
            CohortKind::LeveragedEtf(etf) => (etf.aum_usd, 1.0, etf.aum_usd * etf.leverage.abs()),
            CohortKind::VolTarget(fund) => (
                fund.equity_usd,
                1.0,
                fund.equity_usd * fund.max_leverage.min(fund.target_vol / fund.initial_vol),
            ),
        };
        for metric in [LOSS, LIQUIDATED_NOTIONAL, BAD_DEBT] {
            natural[layout.cohort(c, metric)] = equity;
        }
        natural[layout.cohort(c, ACCOUNTS_LIQUIDATED)] = accounts;
        system_gross += gross;
    }
    for metric in [SYSTEM_LIQUIDATED_NOTIONAL, FORCED_SELLING] {
        natural[layout.system(metric)] = system_gross;
    }
    natural
        .iter()
        .enumerate()
        .map(|(c, &unit)| {
            cpu.dump_rows
                .iter()
                .fold(unit, |m, row| m.max(row[c].abs()))
        })
        .collect()
}

struct Comparison {
    cpu: RunOutput,
    gpu: RunOutput,
    /// Paths whose metrics differ beyond tolerance, all of them with a liquidation.
    divergent: Vec<usize>,
}

/// Runs `paths` paths on both engines (recording per-step totals when `per_step`) and
/// compares every path's row.
fn compare(model: &Model, paths: u64, per_step: bool) -> Comparison {
    let cancel = AtomicBool::new(false);
    let control = RunControl {
        per_step,
        ..control(&cancel, paths)
    };
    let cpu = run_cpu(model, 0..paths, &control);
    let mut engine = engine();
    let gpu = run_gpu(&mut engine, model, 0..paths, &control).expect("GPU run");
    assert_eq!(gpu.totals.paths, paths);
    assert_eq!(gpu.dump_rows.len(), paths as usize);
    assert_eq!(gpu.totals.nonfinite_values(), 0);

    let layout = MetricLayout::new(model);
    let columns = layout.column_names(model);
    let scales = scales(model, &cpu);
    let liquidated =
        |row: &[f64]| (0..layout.cohorts).any(|c| row[layout.cohort(c, ACCOUNTS_LIQUIDATED)] > 0.0);
    let mut divergent = Vec::new();
    for (path, (c_row, g_row)) in cpu.dump_rows.iter().zip(&gpu.dump_rows).enumerate() {
        let mismatch = (0..layout.len()).find(|&c| (c_row[c] - g_row[c]).abs() > 1e-4 * scales[c]);
        if let Some(c) = mismatch {
            assert!(
                liquidated(c_row) || liquidated(g_row),
                "path {path}, {}: CPU {} vs GPU {} (scale {}), with no liquidation",
                columns[c],
                c_row[c],
                g_row[c],
                scales[c]
            );
            divergent.push(path);
        }
    }
    assert!(
        divergent.len() as u64 * 100 <= paths,
        "{} of {paths} paths took another liquidation course: {:?}",
        divergent.len(),
        divergent
    );
    Comparison {
        cpu,
        gpu,
        divergent,
    }
}

/// Summary quantiles agree within the sketches' 0.5%, the f32 allowance, and the order
/// statistics the divergent paths can move the quantile to.
fn check_quantiles(model: &Model, comparison: &Comparison) {
    let layout = MetricLayout::new(model);
    let columns = layout.column_names(model);
    let shift = comparison.divergent.len();
    let scales = scales(model, &comparison.cpu);
    for (c, name) in columns.iter().enumerate() {
        let mut sorted: Vec<f64> = comparison.cpu.dump_rows.iter().map(|r| r[c]).collect();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let scale = scales[c];
        for (label, q) in STATS_QUANTILES {
            let cpu = comparison.cpu.totals.metrics[c].quantile(q);
            let gpu = comparison.gpu.totals.metrics[c].quantile(q);
            let rank = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
            let low = sorted[rank.saturating_sub(shift)].min(cpu);
            let high = sorted[(rank + shift).min(n - 1)].max(cpu);
            let slack = 0.01 * cpu.abs().max(gpu.abs()) + 1e-4 * scale;
            assert!(
                gpu >= low - slack && gpu <= high + slack,
                "{name} quantile {label}: GPU {gpu} vs CPU {cpu} (allowed {low}..{high} ± {slack})"
            );
        }
    }
}

fn check_scenario(name: &str) {
    let model = firesale::scenario::load(name).expect("built-in scenario");
    let comparison = compare(&model, 2000, false);
    eprintln!(
        "{name}: {} of 2000 paths took another liquidation course",
        comparison.divergent.len()
    );
    check_quantiles(&model, &comparison);
}

#[test]
fn crypto_unwind_paths_match_the_cpu_engine() {
    check_scenario("crypto-unwind");
}

/// With one cascade round allowed, many steps end with buckets still in breach: the GPU's
/// per-path rows (rounds-exhausted flag included, through the reduction) and the count of
/// such paths match the CPU's, up to the paths that took another liquidation course.
#[test]
fn exhausted_cascade_rounds_match_the_cpu_engine() {
    let mut model = firesale::scenario::load("crypto-unwind").expect("built-in scenario");
    model.max_cascade_rounds = 1;
    let comparison = compare(&model, 1000, false);
    let cpu = comparison.cpu.totals.rounds_exhausted_paths;
    let gpu = comparison.gpu.totals.rounds_exhausted_paths;
    assert!(
        cpu >= 50,
        "the scenario exhausts its round in {cpu} of 1000 paths only"
    );
    assert!(
        cpu.abs_diff(gpu) <= comparison.divergent.len() as u64,
        "rounds exhausted: CPU {cpu} vs GPU {gpu} paths, {} divergent",
        comparison.divergent.len()
    );
}

/// A universe too wide to unroll (48 assets: the loops over assets stay loops, `traded`
/// reads the parameters' bits) gives the same paths too.
#[test]
fn wide_universe_paths_match_the_cpu_engine() {
    let model = wide_model();
    let comparison = compare(&model, 1000, false);
    check_quantiles(&model, &comparison);
}

/// Any horizon runs: a year of hours of crypto-unwind (8,760 steps) and the wide universe
/// at 500 steps, both far beyond what one dispatch may loop on llvmpipe (65,535 passes per
/// shader: crypto-unwind spends them between 2,000 and 5,000 steps, the wide universe
/// between 250 and 500), run in slices and match the CPU engine path by path (tolerances
/// of `compare`); over the year, f32 keeps f64's values as over a week (`check_f32_rows`,
/// first 1,000 paths).
#[test]
fn long_horizons_run_in_slices_and_match_the_cpu_engine() {
    let mut year = firesale::scenario::load("crypto-unwind").expect("built-in scenario");
    year.steps = 8760;
    check_f32_rows("crypto-unwind, 8,760 steps", &year, 1000);
    let mut wide = wide_model();
    wide.steps = 500;
    let comparison = compare(&wide, 200, false);
    eprintln!(
        "many-assets, 500 steps: {} of 200 paths diverge",
        comparison.divergent.len()
    );
}

/// Where the driver cuts paths short and a shorter slice cannot help, the run fails with a
/// message that says so; it never returns their numbers. Forced here with one slice of all
/// 1,000 steps of the wide universe, which llvmpipe cuts short.
#[test]
fn paths_cut_short_by_the_driver_are_an_error() {
    let mut model = wide_model();
    model.steps = 1000;
    let engine = engine();
    let pipeline = PathPipeline::new(engine.device(), &model, 256, false).expect("pipeline");
    pipeline.slicer.set(Slicer::fixed(model.steps));
    let run = pipeline.run_chunk(engine.device(), 0, 256, 0);
    if engine.adapter().device_type == wgpu::DeviceType::Cpu {
        let error = match run {
            Ok(_) => panic!("llvmpipe cuts these paths short"),
            Err(error) => error.to_string(),
        };
        assert!(error.contains("stopped 256 paths early"), "{error}");
        assert!(error.contains("--backend cpu"), "{error}");
    } else {
        run.expect("a hardware GPU has no loop limit");
    }
}

fn wide_model() -> Model {
    let model = firesale::scenario::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/many-assets.toml"
    ))
    .expect("benches/many-assets.toml");
    assert!(model.assets.len() > 24, "wider than the unrolling limit");
    model
}

#[test]
fn calm_market_paths_match_the_cpu_engine() {
    check_scenario("calm-market");
}

/// The GPU's per-step totals against the CPU's on crypto-unwind (2000 paths):
/// - first liquidations per step and cohort: equal but for the paths that took another
///   liquidation course (each moves a count by at most one);
/// - the mean notional liquidated in each step: within 2e-4 of the system gross (a step's
///   notional is the difference of two cumulative values, each within the per-path 1e-4),
///   plus the divergent paths' whole liquidated notional over the path count;
/// - price quantiles per sketched step: the GPU's q-quantile lies between the CPU's at
///   q ± (divergent paths)/paths, widened by both sketches' error (0.5%/n each on a price
///   sketched as P^n) and 1e-4 for f32 log prices summed over the steps.
#[test]
fn crypto_unwind_step_totals_match_the_cpu_engine() {
    let model = firesale::scenario::load("crypto-unwind").expect("built-in scenario");
    let paths = 2000;
    let comparison = compare(&model, paths, true);
    let cpu = comparison.cpu.steps.as_ref().expect("CPU step totals");
    let gpu = comparison.gpu.steps.as_ref().expect("GPU step totals");
    assert_eq!(gpu.paths(), paths);
    assert_eq!(gpu.price_steps(), cpu.price_steps());
    let divergent = comparison.divergent.len() as u64;
    eprintln!("crypto-unwind steps: {divergent} of {paths} paths diverge");

    for cohort in (0..model.cohorts.len()).map(Some).chain([None]) {
        let (cpu_by, gpu_by) = (cpu.liquidated_by(cohort), gpu.liquidated_by(cohort));
        let mut before = (0, 0);
        for (t, (&c, &g)) in cpu_by.iter().zip(&gpu_by).enumerate() {
            let (c_step, g_step) = (c - before.0, g - before.1);
            assert!(
                c_step.abs_diff(g_step) <= divergent,
                "cohort {cohort:?}, step {}: CPU {c_step} vs GPU {g_step} first liquidations",
                t + 1
            );
            before = (c, g);
        }
    }
    let liquidated = cpu.liquidated_by(None).last().copied();
    assert!(liquidated > Some(0), "the scenario liquidates on some path");

    let layout = MetricLayout::new(&model);
    let column = layout.system(SYSTEM_LIQUIDATED_NOTIONAL);
    let gross = scales(&model, &comparison.cpu)[column];
    let divergent_usd: f64 = comparison
        .divergent
        .iter()
        .map(|&p| comparison.cpu.dump_rows[p][column].max(comparison.gpu.dump_rows[p][column]))
        .sum();
    let tolerance = 2e-4 * gross + divergent_usd / paths as f64;
    for t in 1..=cpu.steps() {
        let (c, g) = (cpu.liquidated_notional(t), gpu.liquidated_notional(t));
        assert_eq!(g.count(), paths);
        assert!(
            (c.mean() - g.mean()).abs() <= tolerance,
            "step {t}: mean liquidated notional CPU {} vs GPU {} (± {tolerance})",
            c.mean(),
            g.mean()
        );
    }

    let shift = divergent as f64 / paths as f64;
    for (slot, &t) in cpu.price_steps().iter().enumerate() {
        for k in 0..model.assets.len() {
            let sketch_error = (1.0 + 2.0 * 0.005 / f64::from(cpu.price_power(k))) * (1.0 + 1e-4);
            for q in [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99] {
                let low_q = (q - shift).max(0.0);
                let high_q = (q + shift).min(1.0);
                for (what, quantile) in [
                    (
                        "price",
                        StepTotals::price_quantile as fn(&StepTotals, usize, usize, f64) -> f64,
                    ),
                    ("exogenous price", StepTotals::exogenous_price_quantile),
                ] {
                    let g = quantile(gpu, slot, k, q);
                    let low = quantile(cpu, slot, k, low_q) / sketch_error;
                    let high = quantile(cpu, slot, k, high_q) * sketch_error;
                    assert!(
                        g >= low && g <= high,
                        "step {t}, asset {k}, {what} quantile {q}: GPU {g} not in {low}..{high}"
                    );
                }
            }
        }
    }
}

/// Per-step totals of three chunks merge into exactly those of one run over their paths,
/// and recording adds a fixed amount of device memory, whatever the chunks run.
#[test]
fn gpu_step_totals_of_chunks_merge_into_one_run() {
    let model = firesale::scenario::load("crypto-unwind").expect("built-in scenario");
    let mut engine = engine();
    let pipeline = PathPipeline::new(engine.device(), &model, 256, true).expect("pipeline");
    let device_bytes = pipeline.device_bytes();
    let mut merged = StepTotals::new(&model);
    for (first, count) in [(0, 256), (256, 256), (512, 100)] {
        let chunk = pipeline
            .run_chunk(engine.device(), first, count, 0)
            .expect("GPU chunk");
        let steps = chunk
            .steps
            .expect("the recording pipeline gives step totals");
        assert_eq!(steps.paths(), u64::from(count));
        merged.merge(&steps);
    }
    assert_eq!(pipeline.device_bytes(), device_bytes);
    drop(pipeline);
    let cancel = AtomicBool::new(false);
    let recording = RunControl {
        per_step: true,
        ..control(&cancel, 0)
    };
    let whole = run_gpu(&mut engine, &model, 0..612, &recording).expect("GPU run");
    assert_eq!(
        whole.steps.as_ref(),
        Some(&merged),
        "one run vs three chunks"
    );
    let plain = run_gpu(&mut engine, &model, 0..612, &control(&cancel, 0)).expect("GPU run");
    assert!(plain.steps.is_none());
}

/// A chunk boundary changes nothing: paths 0..n in one run equal the two halves' rows.
#[test]
fn rows_do_not_depend_on_the_path_range() {
    let model = firesale::scenario::load("crypto-unwind").expect("built-in scenario");
    let cancel = AtomicBool::new(false);
    let mut engine = engine();
    let whole = run_gpu(&mut engine, &model, 0..300, &control(&cancel, 300)).expect("GPU run");
    let tail = run_gpu(&mut engine, &model, 100..300, &control(&cancel, 300)).expect("GPU run");
    assert_eq!(&whole.dump_rows[100..], &tail.dump_rows[..]);
}

/// A model whose parameters exceed the adapter's uniform-buffer limit reads them from a
/// storage buffer instead (`ParamsBinding`); the per-path rows are bit for bit the same,
/// since only where the same f32 words are loaded from changes. The limit is lowered to
/// force the storage binding on crypto-unwind.
#[test]
fn storage_bound_parameters_give_the_same_rows_as_uniform_ones() {
    let model = firesale::scenario::load("crypto-unwind").expect("built-in scenario");
    let words = ParamWords::new(&Plan::new(&model));
    assert_eq!(words.binding(64 << 10), ParamsBinding::Uniform);
    assert_eq!(words.binding(0), ParamsBinding::Storage);
    let mut gpu = GpuDevice::open(None).expect("a GPU adapter (lavapipe without a GPU)");
    let paths = 256;
    let uniform = PathPipeline::new(&gpu, &model, paths, false).expect("uniform pipeline");
    let uniform_rows = uniform
        .run_chunk(&gpu, 0, paths, paths)
        .expect("uniform run")
        .rows;
    gpu.limits.max_uniform_buffer_binding_size = 0;
    let storage = PathPipeline::new(&gpu, &model, paths, false).expect("storage pipeline");
    let storage_rows = storage
        .run_chunk(&gpu, 0, paths, paths)
        .expect("storage run")
        .rows;
    assert_eq!(uniform_rows.values.len(), storage_rows.values.len());
    let differing = uniform_rows
        .values
        .iter()
        .zip(&storage_rows.values)
        .filter(|(a, b)| a.to_bits() != b.to_bits())
        .count();
    assert_eq!(differing, 0, "values differing between the bindings");
}

/// The reduction's f32 bucket index equals the CPU sketch's index of the same value in f64:
/// on both sides of every octave threshold of every binade (subnormals included), at the
/// extremes, and on random bit patterns of both signs.
#[test]
fn f32_bucket_index_matches_the_cpu_sketch() {
    let mut bits = Vec::new();
    for exponent_field in 0u32..=254 {
        for threshold in QuantileSketch::f32_octave_thresholds() {
            for fraction in [threshold - 1, threshold, threshold + 1] {
                bits.push((exponent_field << 23) | (fraction & 0x7f_ffff));
            }
        }
        bits.extend([exponent_field << 23, (exponent_field << 23) | 0x7f_ffff]);
    }
    bits.extend([1, 2, 3, 0x7f_ffff, 0x80_0000, f32::MAX.to_bits()]);
    let mut state = 3u64;
    for _ in 0..100_000 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        bits.push((state >> 32) as u32);
    }
    let values: Vec<f32> = bits
        .into_iter()
        .map(f32::from_bits)
        .filter(|v| v.is_finite() && *v != 0.0)
        .collect();
    let gpu = probe_buckets(&engine(), &values).expect("bucket probe runs");
    for (value, index) in values.iter().zip(gpu) {
        let cpu = QuantileSketch::bucket_index(f64::from(value.abs()));
        assert_eq!(index, cpu, "{value:e} (bits {:#010x})", value.to_bits());
    }
}

/// The totals the GPU reduces a chunk into equal (`==`) the host's reduction of the chunk's
/// own f32 rows, read back with it: sketch buckets, exact sums, min, max, every count. The
/// chunks merge into what one run over all their paths gives, and the device memory held is
/// fixed when the pipeline is built, whatever the chunks run. A whole run through `run_gpu`
/// (which on a software adapter reduces on the host) gives the same totals.
fn check_reduction(name: &str) {
    let model = firesale::scenario::load(name).expect("built-in scenario");
    let layout = MetricLayout::new(&model);
    let mut engine = engine();
    let mut pipeline = PathPipeline::new(engine.device(), &model, 256, false).expect("pipeline");
    // Force the reduction shader even on a software adapter (where `run_gpu` reduces on
    // the host): the last assertion below then also proves the two reductions equal.
    pipeline.reduce_on = ReduceOn::Device;
    assert_eq!(pipeline.chunk_paths, 256);
    let device_bytes = pipeline.device_bytes();
    let mut merged = RunTotals::new(layout);
    for (first, count) in [(0, 256), (256, 256), (512, 100)] {
        let chunk = pipeline
            .run_chunk(engine.device(), first, count, count)
            .expect("GPU chunk");
        assert_eq!(chunk.rows.len(), count as usize);
        let mut host = RunTotals::new(layout);
        for i in 0..chunk.rows.len() {
            let (values, exhausted) = chunk.rows.path(i);
            let row: Vec<f64> = values.iter().copied().map(f64::from).collect();
            host.add_path(&row, exhausted);
        }
        assert_eq!(chunk.totals, host, "{name}: chunk at {first}");
        merged.merge(&chunk.totals);
    }
    assert_eq!(pipeline.device_bytes(), device_bytes);
    eprintln!(
        "{name}: {} of 612 paths ran out of rounds; liquidated paths {:?}",
        merged.rounds_exhausted_paths, merged.liquidated_paths
    );
    drop(pipeline);
    let cancel = AtomicBool::new(false);
    let whole = run_gpu(&mut engine, &model, 0..612, &control(&cancel, 0)).expect("GPU run");
    assert!(whole.dump_rows.is_empty());
    assert_eq!(whole.totals, merged, "{name}: one run vs three chunks");
}

#[test]
fn crypto_unwind_gpu_reduction_equals_the_host_reduction_of_its_rows() {
    check_reduction("crypto-unwind");
}

#[test]
fn calm_market_gpu_reduction_equals_the_host_reduction_of_its_rows() {
    check_reduction("calm-market");
}

/// The reduction of values the model's paths rarely produce equals the host's: NaN and
/// infinities (counted apart), ±0 (−0 the smaller, as `f64::total_cmp` has it), subnormals,
/// the extremes of f32, and rounds-exhausted flags.
#[test]
fn reduction_of_special_values_equals_the_host_reduction() {
    let layout = MetricLayout {
        cohorts: 0,
        assets: 0,
    };
    let special = [
        0.0,
        -0.0,
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::from_bits(1),
        -f32::from_bits(0x7f_ffff),
        f32::MIN_POSITIVE,
        f32::MAX,
        f32::MIN,
        1.0,
        -1.5,
        1e-30,
        -7e20,
    ];
    let mut state = 11u64;
    let mut rows = Vec::new();
    for path in 0..3000 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let random = f32::from_bits((state >> 32) as u32);
        let first = special[path % special.len()];
        rows.extend([first, random, if path % 7 == 0 { 1.0 } else { 0.0 }]);
    }
    let gpu = probe_reduction(&engine(), layout, &rows).expect("reduction probe runs");
    let mut host = RunTotals::new(layout);
    for row in rows.chunks_exact(3) {
        host.add_path(&[f64::from(row[0]), f64::from(row[1])], row[2] != 0.0);
    }
    assert_eq!(gpu, host);
    assert!(host.rounds_exhausted_paths > 0 && host.nonfinite_values() > 0);
}

/// Only zeros (one of them −0) and one value: the extremes come through the keys intact.
#[test]
fn reduction_keeps_signed_zero_extremes() {
    let layout = MetricLayout {
        cohorts: 0,
        assets: 0,
    };
    let rows = [0.0, -0.0, 0.0, -0.0, 0.0, 1.0, 0.0, 2.5, 0.0];
    let gpu = probe_reduction(&engine(), layout, &rows).expect("reduction probe runs");
    assert_eq!(gpu.metrics[0].min().to_bits(), (-0.0f64).to_bits());
    assert_eq!(gpu.metrics[0].max().to_bits(), 0.0f64.to_bits());
    assert_eq!(gpu.metrics[1].min(), -0.0);
    assert_eq!(gpu.metrics[1].max(), 2.5);
    assert_eq!(gpu.rounds_exhausted_paths, 1);
}

/// `firesale run --backend gpu --out DIR` draws the figures that need per-step totals: the
/// liquidation timeline and a price fan chart per asset.
#[test]
fn gpu_run_report_has_the_timeline_and_fan_charts() {
    let model = firesale::scenario::load("crypto-unwind").expect("built-in scenario");
    let dir = std::env::temp_dir().join(format!("firesale-gpu-report-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_firesale"))
        .args([
            "run",
            "crypto-unwind",
            "--paths",
            "3000",
            "--backend",
            "gpu",
        ])
        .args(["--quiet", "--out"])
        .arg(&dir)
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "firesale run --backend gpu --out failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    for ext in ["svg", "png"] {
        let timeline = dir.join(format!("liquidation-timeline.{ext}"));
        assert!(timeline.is_file(), "{} missing", timeline.display());
        let fans = std::fs::read_dir(&dir)
            .expect("report folder")
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| name.starts_with("fan-") && name.ends_with(&format!(".{ext}")))
            .count();
        assert_eq!(fans, model.assets.len(), "fan charts (.{ext})");
    }
    std::fs::remove_dir_all(&dir).expect("remove the report folder");
}

/// `firesale bench --check`: per adapter its driver and limits and the agreement of its
/// rows with the CPU engine's, in the table and the JSON; exit status 1 exactly when an
/// adapter fails the agreement, naming its worst columns.
#[test]
fn bench_check_reports_agreement_and_fails_on_disagreement() {
    let dir = std::env::temp_dir().join(format!("firesale-gpu-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let json = dir.join("check.json");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_firesale"))
        .args(["bench", "calm-market", "--check", "--check-paths", "300"])
        .args(["--paths", "300", "--json"])
        .arg(&json)
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("JSON written")).expect("JSON");
    let checks = report["check"].as_array().expect("a check per adapter");
    assert!(!checks.is_empty(), "{stdout}");
    let mut failing = Vec::new();
    for check in checks {
        let adapter = check["adapter"].as_str().expect("adapter name");
        assert!(check["driver"].is_string() && check["max_storage_buffer_binding_size"].is_u64());
        let agreement = &check["agreement"];
        assert_eq!(agreement["paths"], 300);
        assert!(stdout.contains(adapter), "{stdout}");
        if !agreement["passes"].as_bool().expect("passes") {
            failing.push(adapter.to_string());
            let worst = agreement["columns"]
                .as_array()
                .expect("columns")
                .iter()
                .filter(|c| c["agreeing"] != c["paths"])
                .min_by_key(|c| c["agreeing"].as_u64())
                .expect("a disagreeing column");
            assert!(
                stderr.contains(worst["column"].as_str().expect("name")),
                "{stderr}"
            );
        }
    }
    assert_eq!(
        output.status.code(),
        Some(if failing.is_empty() { 0 } else { 1 }),
        "{stderr}"
    );
    assert!(report["results"].as_array().is_some_and(|r| r.len() >= 2));
    std::fs::remove_dir_all(&dir).expect("remove the temporary folder");
}

/// f32 that keeps f64's answers: at least 99.9% of the `--dump-paths` values of the first
/// 4,000 paths within 1e-4 of the larger value (or 1e-6 of the column's largest magnitude
/// near zero) of the CPU engine's, and every column's mean within 3 standard errors of the
/// CPU mean (`firesale bench --check`'s criterion, `src/engine/gpu/agreement.rs`).
#[test]
fn f32_rows_keep_the_cpu_engines_values() {
    for name in ["crypto-unwind", "calm-market"] {
        let model = firesale::scenario::load(name).expect("built-in scenario");
        check_f32_rows(name, &model, 4000);
    }
}

/// The first `paths` paths of `model` on both engines: `bench --check`'s agreement passes,
/// and the paths that took another liquidation course are bounded as in `compare`.
fn check_f32_rows(name: &str, model: &Model, paths: u64) {
    let comparison = compare(model, paths, false);
    let names = MetricLayout::new(model).column_names(model);
    let agreement = Agreement::new(&names, &comparison.cpu.dump_rows, &comparison.gpu.dump_rows);
    let worst: Vec<String> = agreement
        .worst(5)
        .iter()
        .map(|c| format!("{} {}/{}", c.column, c.agreeing, c.paths))
        .collect();
    eprintln!(
        "{name}: {:.4}% of values agree, {} of {paths} paths took another liquidation course; \
         worst {worst:?}",
        agreement.share * 100.0,
        comparison.divergent.len()
    );
    assert!(
        agreement.passes,
        "{name}: {:.4}% of values agree (needs {}%), worst columns {worst:?}",
        agreement.share * 100.0,
        agreement::REQUIRED_SHARE * 100.0
    );
}
