//! The readable summary `firesale run` prints: tables per cohort (largest 1-in-100 loss first)
//! and per asset, and system totals, every number through [`super::format`]; and the progress
//! bar.

use std::fmt::Write;

use indicatif::ProgressStyle;

use super::format::{self, Format, compact, duration};
use super::summary::{CohortSummary, FORCED_SELLING_EFFECT, RunSummary, quantile};
use super::tables::Table;

/// Renders the summary as aligned text tables.
pub fn render(summary: &RunSummary) -> String {
    let mut out = String::new();
    let partial = if summary.partial {
        format!(
            "  [PARTIAL: stopped after {} of {} paths]",
            Format::Count.show(summary.paths as f64),
            Format::Count.show(summary.paths_requested as f64)
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "firesale: {} — {} × {} steps of {}, seed {}, {} engine ({}), {}{partial}",
        summary.scenario,
        format::counted(summary.paths as f64, "path"),
        summary.steps,
        Format::Hours.show(summary.step_hours),
        summary.seed,
        summary.backend.kind,
        summary.backend.adapter,
        duration(summary.elapsed_seconds),
    );
    if let Some(selection) = &summary.backend.selection {
        let _ = writeln!(out, "  {selection}");
    }
    let _ = writeln!(
        out,
        "\nCohorts, largest 1-in-100 loss (VaR 99%) first; loss > 0 is money lost"
    );
    let mut cohorts: Vec<_> = summary.cohorts.0.iter().collect();
    cohorts.sort_by(|a, b| b.1.var["0.99"].total_cmp(&a.1.var["0.99"]));
    // Funds and ETFs are never liquidated: their liquidation columns do not apply.
    let liquidation = |c: &CohortSummary, value: f64| c.can_be_liquidated().then_some(value);
    let table = Table::of("cohorts", "Cohorts", &cohorts)
        .text("cohort", "cohort", |(name, _)| name.to_string())
        .text("kind", "kind", |(_, c)| c.kind.clone())
        .number("loss.mean", "loss mean", Format::Usd, |(_, c)| c.loss.mean)
        .number("var.0.99", "VaR 99%", Format::Usd, |(_, c)| c.var["0.99"])
        .number("es.0.99", "ES 99%", Format::Usd, |(_, c)| c.es["0.99"])
        .number("p_liquidation", "P(liq)", Format::Probability, |(_, c)| {
            liquidation(c, c.p_liquidation)
        })
        .number(
            "liquidated_notional.mean",
            "liq notional",
            Format::Usd,
            |(_, c)| liquidation(c, c.liquidated_notional.mean),
        )
        .number(
            "accounts_liquidated.mean",
            "accounts liq",
            Format::Count,
            |(_, c)| liquidation(c, c.accounts_liquidated.mean),
        )
        .number("bad_debt.mean", "bad debt", Format::Usd, |(_, c)| {
            liquidation(c, c.bad_debt.mean)
        })
        .number(
            "p_bad_debt",
            "P(bad debt)",
            Format::Probability,
            |(_, c)| liquidation(c, c.p_bad_debt),
        )
        .table();
    out.push_str(&table.to_text());
    let _ = writeln!(
        out,
        "  (liq notional, accounts liq and bad debt are means over paths; – : not a margin \
         book, never liquidated)\n\n\
         Assets: return over the horizon, drawdown, forced-selling effect"
    );
    let mut assets =
        Table::of("assets", "Assets", &summary.assets.0)
            .text("asset", "asset", |(name, _)| name.clone());
    for key in ["0.01", "0.05", "0.5", "0.95", "0.99"] {
        assets = assets.number(
            format!("return.{key}"),
            format!("ret {}", format::level(key)),
            Format::Percent,
            |(_, a)| quantile(&a.return_, key),
        );
    }
    let assets = assets
        .number(
            "max_drawdown.mean",
            "maxDD mean",
            Format::Percent,
            |(_, a)| a.max_drawdown.mean,
        )
        .number(
            "max_drawdown.0.99",
            "maxDD 99%",
            Format::Percent,
            |(_, a)| quantile(&a.max_drawdown, "0.99"),
        )
        .number(
            "forced_selling_effect",
            "forced-selling effect",
            Format::Percent,
            |(_, a)| a.forced_selling_effect(),
        )
        .table();
    out.push_str(&assets.to_text());
    let _ = writeln!(out, "  ({FORCED_SELLING_EFFECT})");
    let system = &summary.system;
    let _ = writeln!(out, "\nSystem (mean, 1-in-100, worst path)");
    let rows = [
        ("liquidated notional", &system.liquidated_notional),
        ("forced selling", &system.forced_selling),
    ];
    let totals = Table::of("system", "System", &rows)
        .text("total", "", |(label, _)| label.to_string())
        .number("mean", "mean", Format::Usd, |(_, stats)| stats.mean)
        .number("0.99", "99%", Format::Usd, |(_, stats)| {
            quantile(stats, "0.99")
        })
        .number("max", "max", Format::Usd, |(_, stats)| stats.max)
        .table();
    out.push_str(&totals.to_text());
    let _ = writeln!(
        out,
        "  paths that ran out of cascade rounds: {}",
        Format::Count.show(system.rounds_exhausted_paths as f64)
    );
    if system.nonfinite_values > 0 {
        let _ = writeln!(
            out,
            "  WARNING: {} per-path values were NaN or infinite and are left out of the statistics",
            Format::Count.show(system.nonfinite_values as f64)
        );
    }
    out
}

/// The progress bar of a run: `32,768/300,000 paths, 21.2K paths/s, 13 s left`.
pub fn progress_style() -> ProgressStyle {
    ProgressStyle::with_template("{bar:40} {done} paths, {rate} paths/s, {left} left")
        .expect("the template is valid")
        .with_key(
            "done",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let total = state.len().map_or(String::new(), |n| {
                    format!("/{}", Format::Count.show(n as f64))
                });
                let _ = write!(w, "{}{total}", Format::Count.show(state.pos() as f64));
            },
        )
        .with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{}", compact(state.per_sec()));
            },
        )
        .with_key(
            "left",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{}", duration(state.eta().as_secs_f64()));
            },
        )
}
