//! `firesale reverse`: the smallest one-day shock that reaches a target, and each cohort's key
//! level, against a linear-impact case solved in closed form; the report; bad input.

use std::sync::atomic::AtomicBool;

use crate::common::{
    assert_close, assert_refused, assert_success, cohort_on_x, firesale_line, margin_books_on_x,
    model, scratch_dir,
};
use firesale::model::Model;
use firesale::questions::input::Regime;
use firesale::questions::reverse::{self, Problem, ReverseReport, SCALE_TOLERANCE};

/// One asset at price 1 with linear impact (depth `depth`, halved in stress), one daily step,
/// and the two long margin books of tests/fixtures/two-margin-books.toml: A (20×, m = 2%,
/// G_A = 2000) and B (10×, m = 5%, G_B = 1000). A's 1% fee changes its realised value only,
/// not when it breaches nor what it sells, so nothing below depends on it.
fn two_books(depth: f64) -> Model {
    margin_books_on_x(
        "name = \"two-books\"\n[simulation]\nsteps = 30\nstep_hours = 24.0",
        &format!("price = 1.0\nvol = 0.5\ndepth = {depth}"),
        "",
    )
}

/// The search for the smallest X = −10% shock (scaled) that meets `target` in `regime`.
fn shock_problem(m: &Model, target: &str, regime: Regime) -> Problem {
    Problem::new(m, "X=-0.10", target, regime, None).expect("valid")
}

/// Asserts A's and B's key levels and the target's scale, in that order, within `tolerance`.
fn assert_scales(regime: &str, answer: &reverse::Reverse, expected: [f64; 3], tolerance: f64) {
    let found = answer.target.as_ref().expect("reached").scale;
    let got = [answer.key_levels[0], answer.key_levels[1], Some(found)];
    for ((what, got), expected) in ["A's key level", "B's key level", "target scale"]
        .iter()
        .zip(got)
        .zip(expected)
    {
        let got = got.unwrap_or_else(|| panic!("{regime}: {what} reached"));
        assert_close(&format!("{regime}: {what}"), got, expected, tolerance);
    }
}

/// The shock X = −10% at scale s puts the price at p = 1 − 0.1·s (one daily step: the whole
/// day). A breaches when p < b_A = 0.98⁻¹·0.95, so its key level is s_A = (1 − b_A)/0.1 exactly.
/// Its sale, G_A·p at p, moves the log price by −a·p with a = 0.01·G_A/D, to p·e^(−a·p); B
/// breaches below b_B = 0.9/0.95. So:
/// - with deep books (D = 1333.3, a = 0.015), b_A·e^(−a·b_A) > b_B: B goes in round 2 only
///   from the p* that solves p·e^(−a·p) = b_B (a root of an explicit monotone equation), i.e.
///   s_B = (1 − p*)/0.1, still short of its direct level (1 − b_B)/0.1;
/// - in stress the depth halves (a = 0.03) and b_A·e^(−a·b_A) < b_B: B falls with A, s_B = s_A,
///   and the cascade runs A (round 1) then B (round 2).
///
/// The search's grid and bisection put each answer within SCALE_TOLERANCE of the range above
/// the exact one (the breaches are strict, so the exact scale itself does not reach it).
#[test]
fn key_levels_and_the_target_scale_match_the_linear_closed_form() {
    let m = two_books(0.01 * 2000.0 / 0.015);
    let (b_a, b_b) = (0.95 / 0.98_f64, 0.9 / 0.95_f64);
    let s_a = (1.0 - b_a) / 0.1;
    let solve = |a: f64| {
        let (mut lo, mut hi) = (b_b, 1.0_f64);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if mid * (-a * mid).exp() < b_b {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        lo
    };
    let p_star = solve(0.015);
    assert!(
        p_star < b_a && 0.015 < (b_a / b_b).ln() / b_a,
        "the calm premise"
    );
    let s_b = (1.0 - p_star) / 0.1;

    let problem = shock_problem(&m, "B:accounts_liquidated>=10", Regime::Calm);
    assert_eq!(problem.steps, 1, "one daily step is the day");
    let tolerance = 2.0 * SCALE_TOLERANCE * problem.max_scale;
    let answer = reverse::reverse(&m, &problem, &AtomicBool::new(false));
    assert_scales("calm", &answer, [s_a, s_b, s_b], tolerance);
    assert!(
        s_b < (1.0 - b_b) / 0.1,
        "the cascade brings B's level forward"
    );

    let stressed = shock_problem(&m, "system:liquidated_notional>=2500", Regime::Stress);
    assert!(0.03 > (b_a / b_b).ln() / b_a, "the stress premise");
    let answer = reverse::reverse(&m, &stressed, &AtomicBool::new(false));
    assert_scales("stress", &answer, [s_a, s_a, s_a], tolerance);
    let report = ReverseReport::new(&m, &stressed, &answer);
    assert_eq!(report.order, ["A", "B"]);
    let rounds: Vec<(u32, u32)> = report
        .liquidations
        .iter()
        .map(|l| (l.step, l.round))
        .collect();
    assert_eq!(rounds, [(1, 1), (1, 2)]);
    let p = 1.0 - 0.1 * answer.target.as_ref().expect("reached").scale;
    let shocked = &report.shock_at_scale.as_ref().expect("a shock").0[0].1;
    assert_close("shocked price", shocked.price, p, 1e-12);
    assert_close("shocked return", shocked.return_, p - 1.0, 1e-12);
    let notional = report.metric.expect("the metric");
    assert!(notional >= 2500.0, "{notional}");
    assert_eq!(report.regime, Regime::Stress);
}

/// With daily funds on hourly steps the day runs on after the shock: the 3× ETF rebalances at
/// the 24th step, and its selling is what liquidates the book, one step after its own move. The
/// answer's cascade is recorded at that step.
#[test]
fn the_day_runs_on_after_the_shock_so_daily_funds_rebalance() {
    let m = model(&format!(
        r#"
name = "etf-day"
[simulation]
steps = 5
[market]
impact = "linear"
[[assets]]
name = "X"
price = 1.0
vol = 0.5
depth = 1.0e6
{}{}"#,
        cohort_on_x(
            "etf",
            "leveraged_etf",
            "aum = 1.0e8\nleverage = 3.0\nrebalance_hours = 24.0"
        ),
        cohort_on_x(
            "book",
            "margin",
            "equity = 1.0e6\nleverage = 4.0\nmaintenance_margin = 0.1"
        )
    ));
    let problem =
        Problem::new(&m, "X=-0.01", "book:loss>=1", Regime::Calm, None).expect("valid problem");
    assert_eq!(problem.steps, 24);
    let answer = reverse::reverse(&m, &problem, &AtomicBool::new(false));
    let found = answer.target.as_ref().expect("reached");
    let report = ReverseReport::new(&m, &problem, &answer);
    // The book's loss grows with the shock from the first cent, so the answer is tiny…
    assert!(found.scale < 1e-3);
    // …but its key level needs the ETF's day-end selling: liquidated at step 24, not step 1.
    let level = answer.key_levels[1].expect("the book is liquidated");
    let at_level = reverse::reverse(
        &m,
        &Problem::new(
            &m,
            "X=-0.01",
            "book:liquidated_notional>=1",
            Regime::Calm,
            None,
        )
        .expect("valid"),
        &AtomicBool::new(false),
    );
    let cascade = &at_level
        .target
        .as_ref()
        .expect("reached")
        .record
        .liquidations;
    assert_eq!(cascade[0].step, 24, "liquidated by the ETF's rebalancing");
    let direct = (1.0 - (0.75 / 0.9)) / 0.01;
    assert!(
        level < direct,
        "the ETF's selling brings the level forward: {level} vs {direct}"
    );
    assert!(report.key_levels.0.iter().all(|(name, _)| name == "book"));
}

/// Bad shocks, targets and flags exit with status 2 and say what is valid.
#[test]
fn bad_reverse_stress_tests_are_usage_errors() {
    let cases = [
        (
            "--shock BTC=-0.1 --target nobody:loss>=1e9",
            "--target: unknown cohort 'nobody'; valid: crypto-perp-longs",
        ),
        (
            "--shock BTC=-0.1 --target system:pain>=1e9",
            "--target: unknown metric 'pain'; valid: liquidated_notional, loss, bad_debt, accounts_liquidated",
        ),
        (
            "--shock BTC=-0.1 --target system:loss>1e9",
            "expected COHORT:METRIC>=X",
        ),
        (
            "--shock BTC=-0.1 --target loss>=1e9",
            "expected COHORT:METRIC>=X",
        ),
        (
            "--shock BTC=-0.1 --target system:loss>=0",
            "X must be a number above 0",
        ),
        (
            "--shock BTC=-0.1 --target 3x-semis:bad_debt>=1",
            "cohort '3x-semis' is a leveraged_etf fund, which is never liquidated; valid for it: loss",
        ),
        (
            "--shock DOGE=-0.1 --target system:loss>=1e9",
            "--shock: unknown asset 'DOGE'; valid: BTC, ETH",
        ),
        (
            "--shock BTC=-1.5 --target system:loss>=1e9",
            "is not a simple return above -1",
        ),
        (
            "--shock BTC=-0.1 --target system:loss>=1e9 --regime panic",
            "--regime: unknown regime 'panic'; valid: calm, stress",
        ),
        (
            "--shock BTC=-0.5 --target system:loss>=1e9 --max-scale 3",
            "--max-scale 3: must be above 0 and, so that no price falls to zero, below 2",
        ),
    ];
    let dir = scratch_dir("reverse-refused");
    for (flags, needle) in cases {
        let output = firesale_line(&dir, &format!("reverse crypto-unwind {flags}"));
        assert_refused(&output, &["error: ", needle]);
    }
}

/// The command's JSON carries the answer, the shock per asset, the cascade in order and the
/// key levels; a target out of reach says so with `found: false`.
#[test]
fn the_command_reports_the_scale_the_cascade_and_the_key_levels() {
    let dir = scratch_dir("reverse-json");
    let output = firesale_line(
        &dir,
        "reverse crypto-unwind --shock BTC=-0.10,ETH=-0.13,SOL=-0.16 --target system:liquidated_notional>=1.45B --json -",
    );
    let report: serde_json::Value = serde_json::from_str(&assert_success(&output)).expect("JSON");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(report["found"], true);
    let scale = report["scale"].as_f64().expect("scale");
    let btc = &report["shock_at_scale"]["BTC"];
    assert_close(
        "BTC shock",
        btc["return"].as_f64().expect("ret"),
        -0.10 * scale,
        1e-12,
    );
    assert_close(
        "BTC price",
        btc["price"].as_f64().expect("price"),
        80_000.0 * (1.0 - 0.10 * scale),
        1e-6,
    );
    assert!(report["metric"].as_f64().expect("metric") >= 1.45e9);
    assert_eq!(report["order"][0], "crypto-perp-longs");
    assert_eq!(report["liquidations"][0]["step"], 1);
    assert_eq!(report["steps"], 24);
    let longs = &report["key_levels"]["crypto-perp-longs"];
    assert!(longs["scale"].as_f64().expect("level") <= scale);
    assert!(
        report["key_levels"]["3x-semis"].is_null(),
        "funds have no key level"
    );
    assert!(stderr.contains("Key price levels"), "{stderr}");

    let out_of_reach = firesale_line(
        &dir,
        "reverse crypto-unwind --shock GLD=-0.01 --target my-fund:bad_debt>=1e12 --json - --quiet",
    );
    let report: serde_json::Value =
        serde_json::from_str(&assert_success(&out_of_reach)).expect("JSON");
    assert!(out_of_reach.stderr.is_empty(), "--quiet");
    assert_eq!(report["found"], false);
    assert!(report["scale"].is_null());
    assert!(
        report["message"]
            .as_str()
            .expect("message")
            .starts_with("no shock up to")
    );
}

/// Once the stop flag is set (a signal, in `firesale reverse`) no path is replayed: the
/// answer is empty and marked partial, and the report says so rather than "not reached".
#[test]
fn a_stopped_search_replays_nothing_and_is_marked_partial() {
    let m = two_books(0.01 * 2000.0 / 0.015);
    let problem = shock_problem(&m, "B:accounts_liquidated>=10", Regime::Calm);
    let answer = reverse::reverse(&m, &problem, &AtomicBool::new(true));
    assert!(answer.partial);
    assert!(answer.target.is_none() && answer.points.is_empty());
    assert!(answer.key_levels.iter().all(Option::is_none));
    let report = ReverseReport::new(&m, &problem, &answer);
    assert!(report.partial && !report.found);
    assert!(
        report.message.starts_with("partial: stopped by a signal"),
        "{}",
        report.message
    );
}
