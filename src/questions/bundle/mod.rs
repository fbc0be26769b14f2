//! The report folders (`--out DIR`) of replay, calibrate and reverse, made of the same
//! [`Report`] building blocks as a stress run's: each has summary.json (its `--json`
//! document), its tables as CSV, its figures as SVG and PNG, and report.html.
//!
//! - replay: the per-step table (the `--steps-out` rows), the cohorts, assets and cascade
//!   tables, each asset's price path beside its exogenous-only path, and the liquidated
//!   notional per step by cohort;
//! - calibrate: the trials table and the target metric against the parameter (with its 95%
//!   interval, the target as a horizontal line and the chosen value marked);
//! - reverse: the cascade and key price levels tables, the outcome at the found scale, and the
//!   target metric against the shock scale over the search's paths (the found scale marked).

mod calibrate;
mod replay;
mod reverse;

pub use calibrate::calibrate;
pub use replay::replay;
pub use reverse::reverse;

use super::path::{AssetOutcome, CohortOutcome, LiquidationEvent};
use crate::report::bundle::{Block, Section};
use crate::report::chart::{Axis, Chart, Figure, Series};
use crate::report::format::Format;
use crate::report::summary::Named;
use crate::report::tables::{Cell, Table};

/// Colours of the palette used for a metric and for its target.
const METRIC_COLOR: usize = 0;
const TARGET_COLOR: usize = 3;
const EXOGENOUS_COLOR: usize = 7;

/// A chart of a target metric against a searched value.
struct Sweep {
    name: &'static str,
    title: String,
    x: Axis,
    y: Axis,
    threshold: f64,
    /// The value found, with its legend label.
    chosen: Option<(String, f64)>,
}

/// The metric at `points` (sorted by x), its 95% interval `band` when known, the target as a
/// horizontal dashed line across the points and the chosen value marked.
fn metric_against(
    sweep: Sweep,
    points: Vec<(f64, f64)>,
    band: Option<Vec<(f64, f64, f64)>>,
) -> Figure {
    let (lo, hi) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(x, _)| {
            (lo.min(x), hi.max(x))
        });
    // A metric spanning orders of magnitude (a probability from 0.01% to 100% against a 1%
    // target) is drawn on a log scale, where the target and its neighbours stay visible.
    let positive = points
        .iter()
        .map(|p| p.1)
        .chain(std::iter::once(sweep.threshold))
        .filter(|&y| y > 0.0);
    let (least, most) = positive.fold((f64::INFINITY, 0.0f64), |(lo, hi), y| {
        (lo.min(y), hi.max(y))
    });
    let y_log = most / least >= 100.0;
    let mut series = Vec::new();
    if let Some(band) = band {
        series.push(Series::Band {
            label: "95% interval".to_string(),
            points: band,
            color: METRIC_COLOR,
            shade: 0.25,
        });
    }
    series.push(line(&sweep.y.label, points, METRIC_COLOR, false));
    series.push(line(
        &format!("target: {}", sweep.y.format.show(sweep.threshold)),
        vec![(lo, sweep.threshold), (hi, sweep.threshold)],
        TARGET_COLOR,
        true,
    ));
    if let Some((label, x)) = sweep.chosen {
        series.push(Series::Marker {
            label,
            x,
            color: TARGET_COLOR,
        });
    }
    Figure {
        name: sweep.name.to_string(),
        caption: format!(
            "The target metric at every value tried; the dashed line is the target, the \
             vertical line the value found{}.",
            if y_log {
                ", on a log scale (values of 0 are not drawn)"
            } else {
                ""
            }
        ),
        panels: vec![Chart {
            title: sweep.title.clone(),
            x: sweep.x,
            y: sweep.y,
            y_log,
            series,
        }],
        title: sweep.title,
    }
}

/// The section of what the path did to each cohort and asset.
fn outcomes(cohorts: &Named<CohortOutcome>, assets: &Named<AssetOutcome>) -> Section {
    let mut table = Table::new("cohorts", "What the path did to each cohort");
    table.column("cohort", "Cohort", Format::Number);
    table.column("kind", "Kind", Format::Number);
    table.column("initial_equity", "Equity at start", Format::Usd);
    table.column("loss", "Loss", Format::Usd);
    table.column("liquidated_notional", "Liquidated", Format::Usd);
    table.column("accounts_liquidated", "Accounts liquidated", Format::Count);
    table.column("bad_debt", "Bad debt", Format::Usd);
    table.column(
        "first_liquidation_step",
        "First liquidation (step)",
        Format::Number,
    );
    table.column("buckets_liquidated", "Buckets liquidated", Format::Count);
    table.column("buckets", "Buckets", Format::Count);
    table.column("net_flow", "Net flow", Format::Usd);
    table.column(
        "peak_24h_liquidated_notional",
        "Most liquidated in 24 h",
        Format::Usd,
    );
    table.column("peak_24h_selling", "Most sold in 24 h", Format::Usd);
    let mut by_loss: Vec<_> = cohorts.0.iter().collect();
    by_loss.sort_by(|a, b| b.1.loss.total_cmp(&a.1.loss));
    for (name, c) in by_loss {
        table
            .row(vec![
                name.as_str().into(),
                c.kind.as_str().into(),
                c.initial_equity.into(),
                c.loss.into(),
                c.liquidated_notional.into(),
                c.accounts_liquidated.into(),
                c.bad_debt.into(),
                Cell::from(c.first_liquidation_step.map(f64::from)),
                (c.buckets_liquidated as f64).into(),
                (c.buckets as f64).into(),
                c.net_flow.into(),
                c.peak_24h_liquidated_notional.into(),
                c.peak_24h_selling.into(),
            ])
            .expect("a cell per column");
    }
    table.view(
        "Losses and liquidations per cohort, largest loss first",
        &[
            "kind",
            "initial_equity",
            "loss",
            "liquidated_notional",
            "accounts_liquidated",
            "bad_debt",
            "first_liquidation_step",
        ],
        |_| true,
    );
    table.view(
        "Flows per cohort: buckets liquidated, net flow, the busiest 24 hours",
        &[
            "buckets_liquidated",
            "buckets",
            "net_flow",
            "peak_24h_liquidated_notional",
            "peak_24h_selling",
        ],
        |_| true,
    );
    let mut moves = Table::new("assets", "What the path did to each asset");
    moves.column("asset", "Asset", Format::Number);
    moves.column("initial_price", "Price at start", Format::Usd);
    moves.column("final_price", "Price at end", Format::Usd);
    moves.column("return", "Return", Format::Percent);
    moves.column("exogenous_return", "Exogenous return", Format::Percent);
    moves.column("impact_return", "Impact of the flows", Format::Percent);
    moves.column("amplification", "Amplification (log)", Format::Multiple);
    moves.column("max_drawdown", "Max drawdown", Format::Percent);
    moves.column("peak_impact_return", "Peak impact", Format::Percent);
    for (name, a) in &assets.0 {
        moves
            .row(vec![
                name.as_str().into(),
                a.initial_price.into(),
                a.final_price.into(),
                a.return_.into(),
                a.exogenous_return.into(),
                a.impact_return.into(),
                Cell::from(a.amplification),
                a.max_drawdown.into(),
                a.peak_impact_return.into(),
            ])
            .expect("a cell per column");
    }
    Section::new("outcomes", "Cohorts and assets")
        .with(Block::Text(
            "Loss is the initial equity (or AUM) minus the final equity: positive means money \
             lost. An asset's return is its exogenous move and the impact of the flows together \
             (1 + return = (1 + exogenous)(1 + impact))."
                .to_string(),
        ))
        .with(Block::Table(table))
        .with(Block::Table(moves))
}

/// Every cascade round's liquidations, in order.
fn cascade_table(events: &[LiquidationEvent]) -> Table {
    let mut table = Table::new("cascade", "Liquidations, round by round");
    table.column("step", "Step", Format::Count);
    table.column("round", "Round", Format::Count);
    table.column("cohort", "Cohort", Format::Number);
    table.column("buckets", "Buckets", Format::Number);
    table.column("notional", "Notional", Format::Usd);
    table.column("accounts", "Accounts", Format::Count);
    for e in events {
        table
            .row(vec![
                f64::from(e.step).into(),
                f64::from(e.round).into(),
                e.cohort.as_str().into(),
                (e.buckets as f64).into(),
                e.notional.into(),
                e.accounts.into(),
            ])
            .expect("a cell per column");
    }
    table
}

fn rounds_warning(exhausted: bool) -> Vec<String> {
    if exhausted {
        vec![
            "Some step ran out of cascade rounds: raise max_cascade_rounds in the scenario."
                .to_string(),
        ]
    } else {
        Vec::new()
    }
}

fn hours_axis() -> Axis {
    Axis {
        label: "hours since the start".to_string(),
        format: Format::Hours,
    }
}

fn line(label: &str, points: Vec<(f64, f64)>, color: usize, dashed: bool) -> Series {
    Series::Line {
        label: label.to_string(),
        points,
        color,
        dashed,
    }
}
