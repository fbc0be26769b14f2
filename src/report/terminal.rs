//! The readable summary `firesale run` prints: per cohort (largest 1-in-100 loss first), per
//! asset, and system totals, every number through [`super::format`]; and the progress bar.

use std::fmt::Write;

use indicatif::ProgressStyle;

use super::format::{self, Format, compact, duration, usd};
use super::summary::{FORCED_SELLING_EFFECT, RunSummary, quantile};

/// Aligned columns two spaces apart: a heading per column, the first `left` columns
/// left-aligned, the rest right-aligned, two spaces of indent.
pub fn text_table(headings: &[&str], rows: &[Vec<String>], left: usize) -> String {
    let width = |i: usize| {
        rows.iter()
            .map(|row| row[i].chars().count())
            .chain(std::iter::once(headings[i].chars().count()))
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..headings.len()).map(width).collect();
    let line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            let pad = " ".repeat(w - cell.chars().count());
            if i < left {
                let _ = write!(text, "  {cell}{pad}");
            } else {
                let _ = write!(text, "  {pad}{cell}");
            }
        }
        text.trim_end().to_string() + "\n"
    };
    let mut out = line(headings.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// Columns of values, each shown in its format with one number of decimals per column.
fn columns(formats: &[Format], values: &[Vec<f64>]) -> Vec<Vec<String>> {
    let shown: Vec<Vec<String>> = formats
        .iter()
        .enumerate()
        .map(|(i, f)| f.column(&values.iter().map(|row| row[i]).collect::<Vec<_>>()))
        .collect();
    (0..values.len())
        .map(|r| shown.iter().map(|column| column[r].clone()).collect())
        .collect()
}

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
    let formats = [
        Format::Usd,
        Format::Usd,
        Format::Usd,
        Format::Probability,
        Format::Usd,
        Format::Count,
        Format::Usd,
        Format::Probability,
    ];
    let values: Vec<Vec<f64>> = cohorts
        .iter()
        .map(|(_, c)| {
            vec![
                c.loss.mean,
                c.var["0.99"],
                c.es["0.99"],
                c.p_liquidation,
                c.liquidated_notional.mean,
                c.accounts_liquidated.mean,
                c.bad_debt.mean,
                c.p_bad_debt,
            ]
        })
        .collect();
    let rows: Vec<Vec<String>> = cohorts
        .iter()
        .zip(columns(&formats, &values))
        .map(|((name, c), mut shown)| {
            // Funds and ETFs are never liquidated: their liquidation columns do not apply.
            if !c.can_be_liquidated() {
                shown[3..].fill("–".to_string());
            }
            [vec![name.to_string(), c.kind.clone()], shown].concat()
        })
        .collect();
    out.push_str(&text_table(
        &[
            "cohort",
            "kind",
            "loss mean",
            "VaR 99%",
            "ES 99%",
            "P(liq)",
            "liq notional",
            "accounts liq",
            "bad debt",
            "P(bad debt)",
        ],
        &rows,
        2,
    ));
    let _ = writeln!(
        out,
        "  (liq notional, accounts liq and bad debt are means over paths; – : not a margin \
         book, never liquidated)\n\n\
         Assets: return over the horizon, drawdown, forced-selling effect"
    );
    let values: Vec<Vec<f64>> = summary
        .assets
        .0
        .iter()
        .map(|(_, a)| {
            let mut row: Vec<f64> = ["0.01", "0.05", "0.5", "0.95", "0.99"]
                .iter()
                .map(|key| quantile(&a.return_, key))
                .collect();
            row.extend([
                a.max_drawdown.mean,
                quantile(&a.max_drawdown, "0.99"),
                a.forced_selling_effect(),
            ]);
            row
        })
        .collect();
    let rows: Vec<Vec<String>> = summary
        .assets
        .0
        .iter()
        .zip(columns(&[Format::Percent; 8], &values))
        .map(|((name, _), shown)| [vec![name.clone()], shown].concat())
        .collect();
    out.push_str(&text_table(
        &[
            "asset",
            "ret 1%",
            "ret 5%",
            "ret 50%",
            "ret 95%",
            "ret 99%",
            "maxDD mean",
            "maxDD 99%",
            "forced-selling effect",
        ],
        &rows,
        1,
    ));
    let _ = writeln!(out, "  ({FORCED_SELLING_EFFECT})");
    let system = &summary.system;
    let _ = writeln!(out, "\nSystem (mean, 1-in-100, worst path)");
    for (label, stats) in [
        ("liquidated notional", &system.liquidated_notional),
        ("forced selling", &system.forced_selling),
    ] {
        let _ = writeln!(
            out,
            "  {label:<20} mean {}, 99% {}, max {}",
            usd(stats.mean),
            usd(quantile(stats, "0.99")),
            usd(stats.max),
        );
    }
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
