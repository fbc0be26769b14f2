//! `firesale replay`: a given path through the full model. A hand-solved two-cohort cascade
//! with linear impact (the exogenous/forced-selling split included), the equivalence of a
//! replay and the Monte Carlo engine on the same moves, the shocks file's rules, and the
//! command as a user meets it.

use crate::common::{
    ETF_PAIR, assert_refused, assert_rel, assert_success, cohort_on_x, firesale_in,
    margin_books_on_x, scratch_dir, single_path, zero_vol_x,
};
use firesale::questions::replay::{self, ReplayReport};
use firesale::questions::shocks;
use firesale::summary::metrics::MetricLayout;

const ROUNDING: f64 = 1e-12;

/// The two margin books of tests/fixtures/two-margin-books.toml on X (linear impact, depth
/// 1000 calm, 500 in stress), and an asset Y that the shocks leave out.
fn two_cohorts() -> firesale::model::Model {
    margin_books_on_x(
        "name = \"two-cohorts\"\n[simulation]\nsteps = 99",
        "price = 50.0\nvol = 0.9\ndepth = 1000.0",
        "[[assets]]\nname = \"Y\"\nprice = 10.0\nvol = 0.9\ndepth = 1000.0",
    )
}

const THREE_STEPS: &str =
    "# a comment line\nstep,regime,X\n1,calm,-0.02\n2,stress,-0.03\n\n3,calm,0.01\n";

/// The cascade of MODEL.md §4 by hand, on the moves −2% (calm), −3% (stress), +1% (calm) in
/// log terms:
/// - step 1: p = e^−0.02 ≈ 0.980 is above both breach levels (A: 0.95/0.98 ≈ 0.969,
///   B: 0.9/0.95 ≈ 0.947): nothing happens;
/// - step 2 (stress, depth 500): p₁ = e^−0.05 ≈ 0.951 breaches A only. Round 1: A sells
///   G_A·p₁ and the log price moves by 0.01·(−G_A·p₁/500), to p₂ ≈ 0.916, which breaches B.
///   Round 2: B sells G_B·p₂, to p₃. Round 3 finds nobody;
/// - step 3: +1% exogenous; impact is permanent.
///
/// Each figure of the report must equal this solution to rounding (1e-12 relative): losses,
/// bad debt, notional, accounts, first-liquidation steps, the order of the liquidations, X's
/// total return split into exp(exogenous) and exp(impact), its amplification (total log move
/// over exogenous log move), Y untouched, and the per-step CSV's flows and rounds.
#[test]
fn a_two_cohort_cascade_replays_as_solved_by_hand() {
    let m = two_cohorts();
    let path = shocks::parse(THREE_STEPS, &m, "three.csv").expect("valid shocks");
    assert_eq!(path.stress, [false, true, false]);
    let record = replay::run(&m, &path);
    let report = ReplayReport::new(&m, "three.csv", &record);

    let (g_a, g_b, depth) = (2000.0_f64, 1000.0_f64, 500.0_f64);
    let p1 = (-0.05_f64).exp();
    let impact1 = 0.01 * (-g_a * p1 / depth);
    let p2 = (-0.05 + impact1).exp();
    let impact2 = impact1 + 0.01 * (-g_b * p2 / depth);
    let p3 = (-0.05 + impact2).exp();
    assert!(
        p1 < 0.95 / 0.98 && p1 > 0.9 / 0.95 && p2 < 0.9 / 0.95,
        "the solution's premise"
    );
    let realised_a = 100.0 + g_a * (p2 - 1.0) - 0.01 * g_a * p2;
    let realised_b = 100.0 + g_b * (p3 - 1.0);
    assert!(realised_a < 0.0 && realised_b < 0.0, "both leave bad debt");

    let a = &report.cohorts.0[0].1;
    let b = &report.cohorts.0[1].1;
    assert_rel("A loss", a.loss, 100.0, ROUNDING);
    assert_rel("A bad debt", a.bad_debt, -realised_a, ROUNDING);
    assert_rel("A notional", a.liquidated_notional, g_a * p2, ROUNDING);
    assert_rel("A accounts", a.accounts_liquidated, 40.0, ROUNDING);
    assert_rel("B loss", b.loss, 100.0, ROUNDING);
    assert_rel("B bad debt", b.bad_debt, -realised_b, ROUNDING);
    assert_rel("B notional", b.liquidated_notional, g_b * p3, ROUNDING);
    assert_eq!(
        (a.first_liquidation_step, b.first_liquidation_step),
        (Some(2), Some(2))
    );
    assert_eq!((a.buckets_liquidated, a.buckets), (1, 1));
    assert_rel("A net flow", a.net_flow, -g_a * p1, ROUNDING);
    assert_rel("A peak 24h selling", a.peak_24h_selling, g_a * p1, ROUNDING);
    let order: Vec<(u32, u32, &str)> = report
        .liquidations
        .iter()
        .map(|l| (l.step, l.round, l.cohort.as_str()))
        .collect();
    assert_eq!(order, [(2, 1, "A"), (2, 2, "B")]);

    let x = &report.assets.0[0].1;
    let (exogenous, impact) = (-0.04_f64, impact2);
    assert_rel(
        "X exogenous",
        x.exogenous_return,
        exogenous.exp_m1(),
        ROUNDING,
    );
    assert_rel("X impact", x.impact_return, impact.exp_m1(), ROUNDING);
    assert_rel(
        "X return",
        x.return_,
        (exogenous + impact).exp_m1(),
        ROUNDING,
    );
    assert_rel(
        "(1 + return) = (1 + exogenous)(1 + impact)",
        1.0 + x.return_,
        (1.0 + x.exogenous_return) * (1.0 + x.impact_return),
        ROUNDING,
    );
    assert_rel(
        "amplification",
        x.amplification.expect("X moved"),
        (exogenous + impact) / exogenous,
        ROUNDING,
    );
    assert_rel(
        "X final price",
        x.final_price,
        50.0 * p3 * 0.01_f64.exp(),
        ROUNDING,
    );
    assert_rel(
        "X peak impact",
        x.peak_impact_return,
        impact.exp_m1(),
        ROUNDING,
    );
    let y = &report.assets.0[1].1;
    assert_eq!((y.return_, y.amplification), (0.0, None), "Y is left out");

    let system = &report.system;
    assert_eq!(
        (system.cascade_rounds, system.max_cascade_rounds_in_a_step),
        (2, 2)
    );
    assert_rel(
        "forced selling",
        system.forced_selling,
        g_a * p1 + g_b * p2,
        ROUNDING,
    );
    assert_eq!(report.stress_steps, 1);

    let csv = replay::steps_table(&m, &record).to_csv();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "header and three steps");
    assert_eq!(
        lines[0],
        "step,regime,X.price,X.exogenous_return,X.impact_return,Y.price,Y.exogenous_return,Y.impact_return,\
A.flow,A.liquidated_notional,A.accounts_liquidated,B.flow,B.liquidated_notional,B.accounts_liquidated,\
system.forced_selling,system.liquidated_notional,cascade_rounds"
    );
    let step2: Vec<f64> = lines[2]
        .split(',')
        .skip(2)
        .map(|f| f.parse().expect("a number"))
        .collect();
    assert!(lines[2].starts_with("2,stress,"));
    assert_rel("step 2 price", step2[0], 50.0 * p3, ROUNDING);
    assert_rel("step 2 A flow", step2[6], -g_a * p1, ROUNDING);
    assert_rel("step 2 B flow", step2[9], -g_b * p2, ROUNDING);
    assert_eq!(step2[14], 2.0, "two cascade rounds in step 2");
    assert!(
        lines[1].ends_with(",0,0,0"),
        "step 1 is quiet: {}",
        lines[1]
    );
}

/// A replay feeds the exogenous stage from the file and runs every other stage of the engine
/// unchanged, so replaying the moves a Monte Carlo path made gives that path's metrics. With
/// zero volatility a path's moves are its drift, (μ − ½σ²)Δ = μΔ per step: three leveraged
/// ETFs and a margin book over 5 daily steps (two fund rebalances, a liquidation) must give
/// the same row either way, to rounding.
#[test]
fn replaying_a_paths_moves_reproduces_the_monte_carlo_path() {
    let drift_per_day = -0.04_f64;
    let m = zero_vol_x(
        "steps = 5\nstep_hours = 24.0",
        "impact = \"sqrt\"\nimpact_half_life_hours = 36.0",
        &format!(
            "price = 50.0\ndrift = {}\ndepth = 1.0e7",
            drift_per_day / (24.0 / 8760.0)
        ),
        &format!(
            "{ETF_PAIR}\n{}",
            cohort_on_x(
                "longs",
                "margin",
                "equity = 1.0e7\nleverage = [[9.0, 0.5], [4.0, 0.5]]\nmaintenance_margin = 0.03"
            )
        ),
    );
    let (layout, mc_row, _) = single_path(&m);
    let csv = format!(
        "step,X\n{}",
        (1..=5)
            .map(|t| format!("{t},{drift_per_day}\n"))
            .collect::<String>()
    );
    let record = replay::run(&m, &shocks::parse(&csv, &m, "drift.csv").expect("valid"));
    assert_eq!(record.layout, MetricLayout::new(&m));
    assert!(
        !record.liquidations.is_empty(),
        "the path liquidates the 9x bucket"
    );
    for (name, (replayed, simulated)) in layout
        .column_names(&m)
        .iter()
        .zip(record.row.iter().zip(&mc_row))
    {
        assert_rel(name, *replayed, *simulated, ROUNDING);
    }
}

/// Every rule of the shocks file is enforced with a usage error naming the file, the line and
/// what to fix.
#[test]
fn shocks_files_are_checked_line_by_line() {
    let m = two_cohorts();
    let cases = [
        ("X\n-0.1\n", "line 1: no 'step' column"),
        ("step,Z\n1,0.1\n", "unknown column 'Z'"),
        ("step,X,X\n1,0,0\n", "column 'X' appears twice"),
        (
            "step,X\n1,0.1\n3,0.1\n",
            "line 3: step '3' where step 2 was due",
        ),
        ("step,X\n1,abc\n", "X: 'abc' is not a log-return"),
        ("step,X\n1,inf\n", "X: 'inf' is not a log-return"),
        (
            "step,regime,X\n1,panic,0\n",
            "regime 'panic': valid: calm, stress",
        ),
        (
            "step,X\n1,0.1,0.2\n",
            "3 fields where the header has 2 columns",
        ),
        ("step,X\n", "no rows after the header"),
        ("# only a comment\n", "no header row"),
        ("step,\"X\n", "a quoted field is not closed"),
    ];
    for (text, needle) in cases {
        let error = shocks::parse(text, &m, "bad.csv").expect_err(text);
        assert_eq!(error.exit_code(), 2, "{text}");
        let message = error.to_string();
        assert!(
            message.starts_with("--shocks bad.csv") && message.contains(needle),
            "expected '{needle}' in: {message}"
        );
    }
}

/// The command writes the JSON report and the per-step CSV, and the shipped week of
/// crypto-unwind replays: its BTC and ETH end near the reported −25% and −30%, the crypto perp
/// books are liquidated, and the leveraged ETFs sell on the day of the crash.
#[test]
fn the_command_replays_the_shipped_week() {
    let dir = scratch_dir("replay-week");
    let text = assert_success(&firesale_in(
        &dir,
        &[
            "replay",
            "crypto-unwind",
            "--shocks",
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/scenarios/shocks/crypto-unwind-week.csv"
            ),
            "--json",
            "week.json",
            "--steps-out",
            "steps.csv",
        ],
    ));
    let (json, steps) = (dir.join("week.json"), dir.join("steps.csv"));
    assert!(text.contains("amplification") && text.contains("crypto-perp-longs"));

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("JSON");
    assert_eq!(report["steps"], 168);
    let btc = report["assets"]["BTC"]["return"].as_f64().expect("BTC");
    let eth = report["assets"]["ETH"]["return"].as_f64().expect("ETH");
    assert!((-0.27..=-0.23).contains(&btc), "BTC {btc}");
    assert!((-0.33..=-0.27).contains(&eth), "ETH {eth}");
    let longs = &report["cohorts"]["crypto-perp-longs"];
    assert!(longs["liquidated_notional"].as_f64().expect("notional") > 1.0e9);
    assert!(longs["first_liquidation_step"].is_u64());
    assert!(
        report["assets"]["BTC"]["amplification"]
            .as_f64()
            .expect("ampl")
            > 1.0
    );
    let etf_day = report["cohorts"]["3x-nasdaq"]["peak_24h_selling"]
        .as_f64()
        .expect("ETF selling");
    assert!(etf_day > 1.0e9, "TQQQ sells billions on the crash day");
    assert!(report["liquidations"].as_array().expect("events").len() > 1);

    let csv = std::fs::read_to_string(&steps).expect("steps csv");
    assert_eq!(csv.lines().count(), 169, "header and 168 steps");
    assert!(
        csv.lines()
            .next()
            .expect("header")
            .starts_with("step,regime,BTC.price,")
    );
}

/// Bad input exits with status 2 and says what is wrong.
#[test]
fn bad_replay_input_is_a_usage_error() {
    let dir = scratch_dir("replay-bad");
    let replay = |shocks: &str| firesale_in(&dir, &["replay", "crypto-unwind", "--shocks", shocks]);
    assert_refused(&replay("/nonexistent/w.csv"), &["/nonexistent/w.csv"]);
    std::fs::write(dir.join("bad.csv"), "step,DOGE\n1,-0.5\n").expect("write");
    assert_refused(
        &replay("bad.csv"),
        &[
            "--shocks bad.csv: line 1",
            "unknown column 'DOGE'",
            "BTC, ETH",
        ],
    );
}
