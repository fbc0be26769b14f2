//! `firesale calibrate`: the limit a search finds against closed forms (the barrier
//! probability of a price-taking book; losses that scale with size), the direction of a
//! maintenance-margin limit, the answers when the range decides, and bad input.

use crate::common::{
    assert_close, assert_refused, assert_success, discrete_barrier_probability, firesale_in,
    firesale_line, price_taker, run, scratch_dir,
};
use firesale::Result;
use firesale::model::Model;
use firesale::questions::calibrate::param::Param;
use firesale::questions::calibrate::report::CalibrationReport;
use firesale::questions::calibrate::{Calibration, Outcome, Problem, calibrate};
use firesale::summary::QuantileSketch;
use firesale::summary::metrics::RunTotals;

/// Runs the search on the CPU engine with every path of the model.
fn search(model: &Model, problem: &Problem) -> Calibration {
    let mut simulate = |m: &Model| -> Result<RunTotals> { Ok(run(m, m.paths, 0).totals) };
    calibrate(model, problem, &mut simulate, &mut |_| {}).expect("the search runs")
}

/// One long margin book on one Gaussian asset, a price taker.
fn one_asset_book(vol: f64, steps: u32, paths: u64, book: &str) -> Model {
    price_taker(
        &format!("name = \"one-asset\"\n[simulation]\nsteps = {steps}\npaths = {paths}\nseed = 3"),
        &format!("price = 100.0\nvol = {vol}\ndrift = 0.1"),
        book,
    )
}

/// The search for the `param` of the cohort "book" meeting `target` over the default range.
fn book_problem(m: &Model, param: Param, target: &str, tolerance: f64) -> Problem {
    Problem::new(m, "book", param, target, (None, None), tolerance).expect("a valid problem")
}

/// Trials sorted by value have a monotone metric: with common random numbers each path of a
/// price taker is monotone in the parameter, so the estimate is too.
fn assert_monotone(calibration: &Calibration, increasing: bool) {
    let mut trials = calibration.trials.clone();
    trials.sort_by(|a, b| a.value.total_cmp(&b.value));
    for pair in trials.windows(2) {
        let (a, b) = (pair[0].metric.value, pair[1].metric.value);
        assert!(
            if increasing { a <= b } else { a >= b },
            "not monotone: {a} at {} then {b} at {}",
            pair[0].value,
            pair[1].value
        );
    }
}

/// The largest leverage of a long book on one asset (σ = 0.8, μ = 0.1, 72 hourly steps,
/// m = 5%) with P(liquidation) ≤ 10%. The book breaches when 1/L + (p − 1) < m·p, i.e. when
/// the log price crosses b(L) = ln((1 − 1/L)/(1 − m)): P(L) is the discretely monitored
/// barrier probability (closed form with the Broadie–Glasserman–Kou shift), and the answer
/// L* solves P(L*) = 10%. The search's estimate P̂ is within 4 binomial standard errors of P
/// near L* (with 20,000 paths, SE ≈ 0.21%), which moves the crossing by at most
/// 4·SE / P'(L*); the search stops within its tolerance (0.2%) of its own crossing.
#[test]
fn the_maximum_leverage_of_a_price_taker_matches_the_barrier_probability() {
    let (vol, drift, margin, steps, paths) = (0.8_f64, 0.1_f64, 0.05_f64, 72_u32, 20_000_u64);
    let m = one_asset_book(
        vol,
        steps,
        paths,
        &format!("leverage = 5.0\nmaintenance_margin = {margin}"),
    );
    let target = 0.10;
    let tolerance = 0.002;
    let problem = book_problem(
        &m,
        Param::Leverage,
        &format!("p_liquidation<={target}"),
        tolerance,
    );
    let calibration = search(&m, &problem);
    let Outcome::Boundary { answer, neighbour } = calibration.outcome else {
        panic!("expected a boundary, got {:?}", calibration.outcome);
    };
    let trials = &calibration.trials;
    assert!(trials[answer].meets && !trials[neighbour].meets);
    assert!(
        trials[answer].value < trials[neighbour].value,
        "a largest leverage"
    );
    assert_monotone(&calibration, true);

    let dt = 1.0 / 8760.0;
    let probability = |leverage: f64| {
        let barrier = ((1.0 - 1.0 / leverage) / (1.0 - margin)).ln();
        discrete_barrier_probability(barrier, drift, vol, steps, dt)
    };
    let (mut lo, mut hi) = (1.01_f64, 19.9_f64);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if probability(mid) <= target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let exact = lo;
    let slope = (probability(exact * 1.001) - probability(exact * 0.999)) / (0.002 * exact);
    let standard_error = (target * (1.0 - target) / paths as f64).sqrt();
    let found = 5.0 * trials[answer].value;
    eprintln!("maximum leverage: found {found}, closed form {exact}");
    assert_close(
        "maximum leverage",
        found,
        exact,
        4.0 * standard_error / slope + tolerance * exact,
    );
}

/// A price taker's loss on a fixed, never-liquidated book scales with its size, path by path,
/// so the largest size scale with VaR99 (or ES99) ≤ X is X over the metric at scale 1. The
/// summary reads each quantile or tail mean within 0.5% (relative) of the exact one, at scale 1
/// and at the answer, and the search stops within its 1% tolerance.
#[test]
fn the_largest_size_for_a_loss_limit_is_the_limit_over_the_loss_of_one_unit() {
    let m = one_asset_book(0.9, 1, 20_000, "leverage = 1.0\nmaintenance_margin = 0.0");
    for metric in ["var99", "es99"] {
        let threshold = 50_000.0;
        let problem = book_problem(&m, Param::Equity, &format!("{metric}<={threshold}"), 0.01);
        let calibration = search(&m, &problem);
        let Outcome::Boundary { answer, .. } = calibration.outcome else {
            panic!(
                "{metric}: expected a boundary, got {:?}",
                calibration.outcome
            );
        };
        assert_monotone(&calibration, true);
        let at_one = calibration
            .trials
            .iter()
            .find(|t| t.value == 1.0)
            .expect("the scenario's own size is tried first");
        let expected = threshold / at_one.metric.value;
        let found = calibration.trials[answer].value;
        assert_close(
            metric,
            found,
            expected,
            (0.01 + 2.0 * QuantileSketch::RELATIVE_ACCURACY) * expected,
        );
        let ci = calibration.trials[answer].metric.ci95;
        assert!(ci[0] < calibration.trials[answer].metric.value && ci[1] > ci[0]);
    }
}

/// A higher maintenance margin closes a book earlier, with more of its equity left, so bad
/// debt falls as the margin rises: the answer is the smallest margin meeting the target, the
/// margin just below it misses, and P(bad debt) does not rise with the margin across trials
/// (common random numbers, a price taker). 24 hourly steps, 10× leverage, 1% fee.
#[test]
fn the_maintenance_margin_limit_is_the_smallest_that_meets_a_bad_debt_target() {
    let m = one_asset_book(
        1.5,
        24,
        4_000,
        "leverage = 10.0\nmaintenance_margin = 0.02\nliquidation_fee = 0.01",
    );
    let problem = book_problem(&m, Param::MaintenanceMargin, "p_bad_debt<=0.02", 0.01);
    let calibration = search(&m, &problem);
    let Outcome::Boundary { answer, neighbour } = calibration.outcome else {
        panic!("expected a boundary, got {:?}", calibration.outcome);
    };
    let trials = &calibration.trials;
    assert!(
        trials[answer].value > trials[neighbour].value,
        "a smallest margin"
    );
    assert_monotone(&calibration, false);
    let report = CalibrationReport::new(&m, &problem, &calibration, &cpu(), 0.0);
    assert_eq!(report.limit, Some("smallest"));
    assert_eq!(
        report.setting.expect("an answer").maintenance_margin,
        report.value
    );
}

/// When every value of the range meets the target the answer is the range's loose end and the
/// report says the limit lies beyond it; when none does there is no answer and the report
/// names the best trial. (A price taker's P(liquidation) does not depend on its size.)
#[test]
fn the_range_decides_when_the_target_never_or_always_binds() {
    let m = one_asset_book(0.5, 4, 500, "leverage = 2.0\nmaintenance_margin = 0.1");
    let always = book_problem(&m, Param::Equity, "p_liquidation<=0.5", 0.01);
    let calibration = search(&m, &always);
    assert!(matches!(calibration.outcome, Outcome::WholeRange { .. }));
    let report = CalibrationReport::new(&m, &always, &calibration, &cpu(), 0.0);
    assert!(report.found && report.limited_by_range);
    assert_eq!(
        report.value,
        Some(100.0),
        "the top of the default size range"
    );
    assert!(
        report.message.contains("widen it with --max"),
        "{}",
        report.message
    );

    let never = book_problem(&m, Param::Leverage, "var99<=-1e6", 0.01);
    let calibration = search(&m, &never);
    assert_eq!(calibration.outcome, Outcome::Nowhere);
    let report = CalibrationReport::new(&m, &never, &calibration, &cpu(), 0.0);
    assert!(!report.found && report.value.is_none() && report.metric.is_none());
    assert!(
        report.message.starts_with("no value of leverage"),
        "{}",
        report.message
    );
}

fn cpu() -> firesale::summary::BackendInfo {
    firesale::summary::BackendInfo {
        kind: "cpu".to_string(),
        adapter: "test".to_string(),
        selection: None,
    }
}

/// Bad cohorts, parameters, targets, ranges and backends exit with status 2, before any
/// simulation, with an error line that names the flag and lists what is valid.
#[test]
fn bad_calibrations_are_usage_errors() {
    let cases = [
        (
            "--cohort nobody --param leverage --target var99<=1e9",
            "--cohort: unknown cohort 'nobody'; valid: crypto-perp-longs",
        ),
        (
            "--cohort my-fund --param size --target var99<=1e9",
            "--param: unknown parameter 'size'; valid: leverage, maintenance_margin, equity",
        ),
        (
            "--cohort my-fund --param leverage --target p_liquidation<0.01",
            "expected METRIC<=X",
        ),
        (
            "--cohort my-fund --param leverage --target var98<=1e9",
            "--target: unknown metric 'var98'; valid: p_liquidation, p_bad_debt, var95",
        ),
        (
            "--cohort my-fund --param leverage --target var99<=lots",
            "'lots' is not a number",
        ),
        (
            "--cohort my-fund --param leverage --target p_liquidation<=5",
            "X must be from 0 to below 1",
        ),
        (
            "--cohort 3x-semis --param maintenance_margin --target var99<=1e9",
            "cohort '3x-semis' is a leveraged_etf fund, which has no maintenance margin",
        ),
        (
            "--cohort 3x-semis --param leverage --target p_bad_debt<=0.01",
            "cohort '3x-semis' is a leveraged_etf fund, which is never liquidated",
        ),
        (
            "--cohort my-fund --param leverage --target var99<=1e9 --max 2",
            "--max 2: a scale on the cohort's leverage must be above 0 and below 1.333333",
        ),
        (
            "--cohort my-fund --param equity --target var99<=1e9 --min 3 --max 2",
            "--min 3 must be below --max 2",
        ),
        (
            "--cohort my-fund --param equity --target var99<=1e9 --tolerance 0",
            "--tolerance 0",
        ),
        (
            "--cohort my-fund --param equity --target var99<=1e9 --backend tpu",
            "invalid value 'tpu' for '--backend <BACKEND>'",
        ),
        (
            "--cohort my-fund --param equity --target var99<=1e9 --paths 0",
            "--paths must be at least 1",
        ),
    ];
    let dir = scratch_dir("calibrate-refused");
    for (flags, needle) in cases {
        let mut line = format!("calibrate crypto-unwind {flags}");
        if !flags.contains("--paths") {
            // Should a check be missing, the run stays short and the test fails fast.
            line.push_str(" --paths 20");
        }
        assert_refused(&firesale_line(&dir, &line), &["error: ", needle]);
    }
}

/// A small calibration from the command line writes its JSON report to standard output: the
/// answer, the metric's interval, every trial, the engine.
#[test]
fn the_command_writes_the_calibration_as_json() {
    let output = firesale_line(
        &scratch_dir("calibrate-json"),
        "calibrate crypto-unwind --cohort my-fund --param leverage --target es99<=$20M --paths 400 --tolerance 0.05 --json -",
    );
    let report: serde_json::Value = serde_json::from_str(&assert_success(&output)).expect("JSON");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(report["param"], "leverage");
    assert_eq!(report["target"]["metric"], "es99");
    assert_eq!(report["target"]["threshold"], 2.0e7);
    assert_eq!(report["paths"], 400);
    assert_eq!(report["backend"]["kind"], "cpu");
    assert_eq!(report["found"], true);
    assert_eq!(report["limit"], "largest");
    let value = report["value"].as_f64().expect("a value");
    let metric = &report["metric"];
    assert!(metric["value"].as_f64().expect("metric") <= 2.0e7);
    assert!(metric["ci95"][0].as_f64() <= metric["ci95"][1].as_f64());
    assert!(
        report["setting"]["leverage_max"]
            .as_f64()
            .expect("leverage")
            > 0.0
    );
    let trials = report["trials"].as_array().expect("trials");
    assert!(trials.len() >= 3);
    assert!(trials.iter().any(|t| t["value"].as_f64() == Some(value)));
    assert!(
        stderr.contains("largest leverage meeting es99<=$20M"),
        "{stderr}"
    );
}

/// The trials run on the engine `--backend` picks, every trial on the same one: the GPU engine
/// (on whatever adapter wgpu finds; Mesa's lavapipe in CI) and the CPU engine simulate the same
/// paths (MODEL.md §2), so they find the same limit up to the few paths whose liquidation an f32
/// rounding can flip (each 1/2,000 of P) and the search's tolerance (2%).
#[test]
fn the_trials_run_on_the_engine_the_backend_flag_picks() {
    let dir = scratch_dir("calibrate-backends");
    std::fs::write(
        dir.join("one-asset.toml"),
        "name = \"one-asset\"\n[simulation]\nsteps = 24\npaths = 2000\nseed = 5\n\
         [[assets]]\nname = \"X\"\nprice = 1.0\nvol = 1.2\ndepth = 1.0e9\n\
         [[cohorts]]\nname = \"book\"\nkind = \"margin\"\nequity = 1.0e6\n\
         weights = { X = 1.0 }\nleverage = 5.0\nmaintenance_margin = 0.05\nimpact = false\n",
    )
    .expect("write");
    let answer = |backend: &str| {
        let output = firesale_in(
            &dir,
            &[
                "calibrate",
                "one-asset.toml",
                "--cohort",
                "book",
                "--param",
                "leverage",
                "--target",
                "p_liquidation<=0.05",
                "--tolerance",
                "0.02",
                "--backend",
                backend,
                "--json",
                "-",
                "--quiet",
            ],
        );
        let report: serde_json::Value =
            serde_json::from_str(&assert_success(&output)).expect("JSON");
        assert_eq!(report["backend"]["kind"], backend);
        report["value"].as_f64().expect("a limit")
    };
    let (gpu, cpu) = (answer("gpu"), answer("cpu"));
    assert_close("limit on the GPU", gpu, cpu, 0.05 * cpu);
}
