//! Deterministic paths (zero volatility, so the exogenous move is the drift alone) where
//! the model's formulas can be followed by hand: leveraged-ETF and vol-target rebalancing,
//! impact and its decay, and a two-cohort cascade. The engine must match a direct
//! replication of MODEL.md §2–§4 to rounding (1e-12 relative).

use crate::common::{ETF_PAIR, MARGIN_BOOKS, assert_rel, cohort_on_x, single_path, zero_vol_x};
use firesale::summary::metrics::*;

const ROUNDING: f64 = 1e-12;

/// Asserts each (what, index, expected) of `checks` against the path's `row`, to rounding.
fn assert_row(row: &[f64], checks: &[(&str, usize, f64)]) {
    for &(what, index, expected) in checks {
        assert_rel(what, row[index], expected, ROUNDING);
    }
}

/// Three ETFs on one asset falling 1% (log) a day, rebalancing every 2 days over 5 days: a
/// 3× and a −1× fund whose flows net into one impacted round (linear impact), and a 2× price
/// taker whose flow moves nothing. Losses use the final mark since the last rebalance.
#[test]
fn leveraged_etfs_rebalance_net_and_mark_as_the_formulas_say() {
    let (step_hours, steps, every, depth) = (24.0_f64, 5_u32, 2_u32, 1.0e7_f64);
    let r_step = -0.01_f64;
    let drift = r_step / (step_hours / 8760.0);
    let m = zero_vol_x(
        &format!("steps = {steps}\nstep_hours = {step_hours}"),
        "impact = \"linear\"",
        &format!("price = 50.0\ndrift = {drift}\ndepth = {depth}"),
        &format!(
            "{ETF_PAIR}\n{}",
            cohort_on_x(
                "taker2",
                "leveraged_etf",
                "aum = 3.0e7\nleverage = 2.0\nrebalance_hours = 48.0\nimpact = false"
            )
        ),
    );
    let (layout, row, _) = single_path(&m);

    let funds = [(1.0e8, 3.0, true), (4.0e7, -1.0, true), (3.0e7, 2.0, false)];
    let mut aum: Vec<f64> = funds.iter().map(|f| f.0).collect();
    let mut reference = [1.0_f64; 3];
    let (mut exogenous, mut impact, mut sold) = (0.0_f64, 0.0_f64, 0.0_f64);
    for t in 1..=steps {
        exogenous += r_step;
        let price = (exogenous + impact).exp();
        if t % every == 0 {
            let mut net = 0.0;
            for (i, &(_, leverage, moves_price)) in funds.iter().enumerate() {
                let r = price / reference[i] - 1.0;
                let flow = aum[i] * leverage * (leverage - 1.0) * r;
                aum[i] = (aum[i] * (1.0 + leverage * r)).max(0.0);
                reference[i] = price;
                if moves_price {
                    net += flow;
                }
            }
            impact += 0.01 * net / depth;
            sold += (-net).max(0.0);
        }
    }
    let price = (exogenous + impact).exp();
    for (i, &(aum0, leverage, _)) in funds.iter().enumerate() {
        let final_aum = (aum[i] * (1.0 + leverage * (price / reference[i] - 1.0))).max(0.0);
        assert_row(
            &row,
            &[(
                &format!("fund {i} loss"),
                layout.cohort(i, LOSS),
                aum0 - final_aum,
            )],
        );
        assert_eq!(
            row[layout.cohort(i, LIQUIDATED_NOTIONAL)],
            0.0,
            "funds are never liquidated"
        );
    }
    assert!(sold > 0.0, "both impact-bearing funds sell into a fall");
    assert_row(
        &row,
        &[
            ("forced selling", layout.system(FORCED_SELLING), sold),
            ("return", layout.asset(0, RETURN), price - 1.0),
            (
                "impact return",
                layout.asset(0, IMPACT_RETURN),
                impact.exp() - 1.0,
            ),
            ("max drawdown", layout.asset(0, MAX_DRAWDOWN), 1.0 - price),
        ],
    );
}

/// A vol-target fund on a steadily falling asset, rebalancing daily: equity, exposure and
/// EWMA variance follow MODEL.md §3; its flows move the price through sqrt impact that
/// decays with a 48-hour half-life; its loss is marked since the last rebalance (no floor).
#[test]
fn vol_target_fund_follows_its_formulas_with_sqrt_impact_and_decay() {
    let (step_hours, steps, depth, half_life) = (12.0_f64, 7_u32, 5.0e6_f64, 48.0_f64);
    let r_step = -0.02_f64;
    let drift = r_step / (step_hours / 8760.0);
    let (equity0, target, max_leverage, initial_vol, ewma_half_life) =
        (1.0e8_f64, 0.15_f64, 2.0_f64, 0.10_f64, 72.0_f64);
    let m = zero_vol_x(
        &format!("steps = {steps}\nstep_hours = {step_hours}"),
        &format!("impact = \"sqrt\"\nimpact_half_life_hours = {half_life}"),
        &format!("price = 1.0\ndrift = {drift}\ndepth = {depth}"),
        &format!(
            r#"[[cohorts]]
name = "vt"
kind = "vol_target"
equity = {equity0}
weights = {{ X = 1.0 }}
target_vol = {target}
max_leverage = {max_leverage}
initial_vol = {initial_vol}
ewma_half_life_hours = {ewma_half_life}
rebalance_hours = 24.0
"#
        ),
    );
    let (layout, row, _) = single_path(&m);

    let every = 2;
    let tau = 24.0 / 8760.0;
    let beta = (-24.0_f64 / ewma_half_life).exp2();
    let decay = (-step_hours / half_life).exp2();
    let mut equity = equity0;
    let mut exposure = equity0 * max_leverage.min(target / initial_vol);
    let mut variance = initial_vol * initial_vol;
    let mut reference = 1.0;
    let (mut exogenous, mut impact, mut sold) = (0.0_f64, 0.0_f64, 0.0_f64);
    for t in 1..=steps {
        exogenous += r_step;
        impact *= decay;
        let price = (exogenous + impact).exp();
        if t % every == 0 {
            let r = price / reference - 1.0;
            equity += exposure * r;
            exposure *= 1.0 + r;
            variance = beta * variance + (1.0 - beta) * r * r / tau;
            let wanted = equity.max(0.0) * max_leverage.min(target / variance.sqrt());
            let flow = wanted - exposure;
            exposure = wanted;
            reference = price;
            let q = flow / depth;
            impact += 0.01 * q.signum() * q.abs().sqrt();
            sold += (-flow).max(0.0);
        }
    }
    let price = (exogenous + impact).exp();
    let final_equity = equity + exposure * (price / reference - 1.0);
    assert!(
        sold > 0.0,
        "a vol-target fund de-risks as realised vol rises"
    );
    assert_row(
        &row,
        &[
            ("loss", layout.cohort(0, LOSS), equity0 - final_equity),
            ("forced selling", layout.system(FORCED_SELLING), sold),
            (
                "impact return",
                layout.asset(0, IMPACT_RETURN),
                impact.exp() - 1.0,
            ),
        ],
    );
}

/// The cascade of MODEL.md §4 solved by hand, with linear impact (1% per $1,000) on one asset
/// that drops 5% (log) in one step:
/// - cohort A (20×, m = 2%, fee 1%) breaches at p < 0.95/0.98 ≈ 0.9694: liquidated in round 1;
///   its sale of G_A·p₁ moves the log price by 0.01·(−G_A·p₁/1000);
/// - cohort B (10×, m = 5%) breaches at p < 0.9/0.95 ≈ 0.9474: not at p₁ ≈ 0.9512 but at p₂:
///   liquidated in round 2; round 3 finds nobody.
///
/// With `max_cascade_rounds = 1` B stays in breach after the only round: the path counts as
/// having run out of rounds and B, unliquidated, is marked live at p₂.
#[test]
fn two_cohort_cascade_matches_the_hand_solution() {
    let scenario = |rounds: u32| {
        zero_vol_x(
            &format!("steps = 1\nmax_cascade_rounds = {rounds}"),
            "impact = \"linear\"",
            &format!("price = 1.0\ndrift = {}\ndepth = 1000.0", -0.05 * 8760.0),
            MARGIN_BOOKS,
        )
    };
    let (gross_a, gross_b) = (2000.0_f64, 1000.0_f64);
    let p1 = (-0.05_f64).exp();
    let impact1 = 0.01 * (-gross_a * p1 / 1000.0);
    let p2 = (-0.05 + impact1).exp();
    let impact2 = impact1 + 0.01 * (-gross_b * p2 / 1000.0);
    let p3 = (-0.05 + impact2).exp();
    assert!(
        p1 > 0.9 / 0.95 && p1 < 0.95 / 0.98 && p2 < 0.9 / 0.95,
        "the hand solution's premise"
    );

    let realised_a = 100.0 + gross_a * (p2 - 1.0) - 0.01 * gross_a * p2;
    let realised_b = 100.0 + gross_b * (p3 - 1.0);
    assert!(realised_a < 0.0 && realised_b > 0.0);

    let (layout, row, exhausted) = single_path(&scenario(16));
    assert!(!exhausted);
    assert_eq!(row[layout.cohort(1, BAD_DEBT)], 0.0);
    assert_row(
        &row,
        &[
            ("A loss", layout.cohort(0, LOSS), 100.0),
            ("A bad debt", layout.cohort(0, BAD_DEBT), -realised_a),
            (
                "A notional",
                layout.cohort(0, LIQUIDATED_NOTIONAL),
                gross_a * p2,
            ),
            ("A accounts", layout.cohort(0, ACCOUNTS_LIQUIDATED), 40.0),
            ("B loss", layout.cohort(1, LOSS), 100.0 - realised_b),
            (
                "B notional",
                layout.cohort(1, LIQUIDATED_NOTIONAL),
                gross_b * p3,
            ),
            ("B accounts", layout.cohort(1, ACCOUNTS_LIQUIDATED), 10.0),
            ("price", layout.asset(0, RETURN), p3 - 1.0),
            (
                "impact",
                layout.asset(0, IMPACT_RETURN),
                impact2.exp() - 1.0,
            ),
            (
                "system notional",
                layout.system(SYSTEM_LIQUIDATED_NOTIONAL),
                gross_a * p2 + gross_b * p3,
            ),
            (
                "forced selling",
                layout.system(FORCED_SELLING),
                gross_a * p1 + gross_b * p2,
            ),
        ],
    );

    let (layout, row, exhausted) = single_path(&scenario(1));
    assert!(
        exhausted,
        "B is still in breach after the only allowed round"
    );
    assert_eq!(row[layout.cohort(1, ACCOUNTS_LIQUIDATED)], 0.0);
    assert_row(
        &row,
        &[
            (
                "B marked live",
                layout.cohort(1, LOSS),
                -gross_b * (p2 - 1.0),
            ),
            ("price after one round", layout.asset(0, RETURN), p2 - 1.0),
        ],
    );
}
