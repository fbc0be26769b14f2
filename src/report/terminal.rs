//! The readable summary `firesale run` prints: per cohort, per asset, and system totals.

use std::fmt::Write;

use super::summary::RunSummary;
use crate::summary::Stats;

/// USD with a scale suffix: `$2.50B`, `-$740.0M`, `$0`.
pub fn usd(value: f64) -> String {
    let sign = if value < 0.0 { "-" } else { "" };
    let magnitude = value.abs();
    let (scaled, suffix) = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")]
        .iter()
        .find(|(scale, _)| magnitude >= *scale)
        .map_or((magnitude, ""), |(scale, suffix)| {
            (magnitude / scale, *suffix)
        });
    let decimals = match scaled {
        s if s >= 100.0 => 0,
        s if s >= 10.0 => 1,
        _ => 2,
    };
    if magnitude == 0.0 {
        "$0".to_string()
    } else {
        format!("{sign}${scaled:.decimals$}{suffix}")
    }
}

/// A byte count in binary units: `128 MiB`, `2 GiB`.
pub fn bytes(count: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = count as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value.fract() == 0.0 {
        format!("{value:.0} {}", units[unit])
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

fn percent(value: f64) -> String {
    format!("{:+.2}%", 100.0 * value)
}

fn quantile(stats: &Stats, key: &str) -> f64 {
    stats.quantiles.get(key).copied().unwrap_or(0.0)
}

/// Renders the summary as aligned text tables.
pub fn render(summary: &RunSummary) -> String {
    let mut out = String::new();
    let partial = if summary.partial {
        format!(
            "  [PARTIAL: stopped after {} of {} paths]",
            summary.paths, summary.paths_requested
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "firesale: {} — {} paths × {} steps of {} h, seed {}, {} engine ({}), {:.2} s{partial}",
        summary.scenario,
        summary.paths,
        summary.steps,
        summary.step_hours,
        summary.seed,
        summary.backend.kind,
        summary.backend.adapter,
        summary.elapsed_seconds,
    );
    if let Some(selection) = &summary.backend.selection {
        let _ = writeln!(out, "  {selection}");
    }
    let _ = writeln!(out, "\nCohorts (loss > 0 is money lost; VaR/ES at 99%)");
    let _ = writeln!(
        out,
        "  {:<24} {:>13} {:>11} {:>11} {:>11} {:>8} {:>12} {:>12} {:>11} {:>8}",
        "cohort",
        "kind",
        "loss mean",
        "VaR 99%",
        "ES 99%",
        "P(liq)",
        "liq notional",
        "accounts liq",
        "bad debt",
        "P(bad)"
    );
    for (name, cohort) in &summary.cohorts.0 {
        let _ = writeln!(
            out,
            "  {:<24} {:>13} {:>11} {:>11} {:>11} {:>7.2}% {:>12} {:>12.0} {:>11} {:>7.2}%",
            name,
            cohort.kind,
            usd(cohort.loss.mean),
            usd(cohort.var["0.99"]),
            usd(cohort.es["0.99"]),
            100.0 * cohort.p_liquidation,
            usd(cohort.liquidated_notional.mean),
            cohort.accounts_liquidated.mean,
            usd(cohort.bad_debt.mean),
            100.0 * cohort.p_bad_debt,
        );
    }
    let _ = writeln!(
        out,
        "  (liq notional, accounts liq and bad debt are means over paths)\n\nAssets (return over the horizon; impact share = forced-selling part of the 1% tail move)"
    );
    let _ = writeln!(
        out,
        "  {:<8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>12} {:>12} {:>13}",
        "asset",
        "ret p1",
        "ret p5",
        "ret p50",
        "ret p95",
        "ret p99",
        "maxDD mean",
        "maxDD p99",
        "impact share"
    );
    for (name, asset) in &summary.assets.0 {
        let tail_move = quantile(&asset.return_, "0.01");
        let tail_impact = quantile(&asset.impact_return, "0.01");
        let share = if tail_move < 0.0 {
            format!("{:.1}%", 100.0 * (tail_impact / tail_move).clamp(0.0, 1.0))
        } else {
            "-".to_string()
        };
        let _ = writeln!(
            out,
            "  {:<8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>12} {:>12} {:>13}",
            name,
            percent(tail_move),
            percent(quantile(&asset.return_, "0.05")),
            percent(quantile(&asset.return_, "0.5")),
            percent(quantile(&asset.return_, "0.95")),
            percent(quantile(&asset.return_, "0.99")),
            percent(asset.max_drawdown.mean),
            percent(quantile(&asset.max_drawdown, "0.99")),
            share,
        );
    }
    let system = &summary.system;
    let _ = writeln!(out, "\nSystem");
    let _ = writeln!(
        out,
        "  liquidated notional: mean {}, p99 {}, max {}",
        usd(system.liquidated_notional.mean),
        usd(quantile(&system.liquidated_notional, "0.99")),
        usd(system.liquidated_notional.max),
    );
    let _ = writeln!(
        out,
        "  forced selling:      mean {}, p99 {}, max {}",
        usd(system.forced_selling.mean),
        usd(quantile(&system.forced_selling, "0.99")),
        usd(system.forced_selling.max),
    );
    let _ = writeln!(
        out,
        "  paths that ran out of cascade rounds: {}",
        system.rounds_exhausted_paths
    );
    if system.nonfinite_values > 0 {
        let _ = writeln!(
            out,
            "  WARNING: {} per-path values were NaN or infinite and are left out of the statistics",
            system.nonfinite_values
        );
    }
    out
}
