//! The report folders (`--out DIR`) of replay, calibrate and reverse, what each answer's
//! [`Answer::report`](super::Answer::report) gives, made of the same [`Report`] building
//! blocks as a stress run's: each has summary.json (its `--json` document), its tables as CSV,
//! its figures as SVG and PNG, and report.html.
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
use crate::report::sections::cohort_columns;
use crate::report::summary::Named;
use crate::report::tables::Table;

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
    let mut by_loss: Vec<&(String, CohortOutcome)> = cohorts.0.iter().collect();
    by_loss.sort_by(|a, b| b.1.loss.total_cmp(&a.1.loss));
    let mut table = cohort_columns("What the path did to each cohort", &by_loss, |c| {
        (&c.kind, c.initial_equity)
    })
    .number("loss", "Loss", Format::Usd, |(_, c)| c.loss)
    .number(
        "liquidated_notional",
        "Liquidated",
        Format::Usd,
        |(_, c)| c.liquidated_notional,
    )
    .number(
        "accounts_liquidated",
        "Accounts liquidated",
        Format::Count,
        |(_, c)| c.accounts_liquidated,
    )
    .number("bad_debt", "Bad debt", Format::Usd, |(_, c)| c.bad_debt)
    .number(
        "first_liquidation_step",
        "First liquidation (step)",
        Format::Number,
        |(_, c)| c.first_liquidation_step.map(f64::from),
    )
    .number(
        "buckets_liquidated",
        "Buckets liquidated",
        Format::Count,
        |(_, c)| c.buckets_liquidated as f64,
    )
    .number("buckets", "Buckets", Format::Count, |(_, c)| {
        c.buckets as f64
    })
    .number("net_flow", "Net flow", Format::Usd, |(_, c)| c.net_flow)
    .number(
        "peak_24h_liquidated_notional",
        "Most liquidated in 24 h",
        Format::Usd,
        |(_, c)| c.peak_24h_liquidated_notional,
    )
    .number(
        "peak_24h_selling",
        "Most sold in 24 h",
        Format::Usd,
        |(_, c)| c.peak_24h_selling,
    )
    .table();
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
    let moves = Table::of("assets", "What the path did to each asset", &assets.0)
        .text("asset", "Asset", |(name, _)| name.clone())
        .number("initial_price", "Price at start", Format::Usd, |(_, a)| {
            a.initial_price
        })
        .number("final_price", "Price at end", Format::Usd, |(_, a)| {
            a.final_price
        })
        .number("return", "Return", Format::Percent, |(_, a)| a.return_)
        .number(
            "exogenous_return",
            "Exogenous return",
            Format::Percent,
            |(_, a)| a.exogenous_return,
        )
        .number(
            "impact_return",
            "Impact of the flows",
            Format::Percent,
            |(_, a)| a.impact_return,
        )
        .number(
            "amplification",
            "Amplification (log)",
            Format::Multiple,
            |(_, a)| a.amplification,
        )
        .number("max_drawdown", "Max drawdown", Format::Percent, |(_, a)| {
            a.max_drawdown
        })
        .number(
            "peak_impact_return",
            "Peak impact",
            Format::Percent,
            |(_, a)| a.peak_impact_return,
        )
        .table();
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

/// Every cascade round's liquidations, in order (also the cascade of `firesale reverse`'s
/// text).
pub(crate) fn cascade_table(events: &[LiquidationEvent]) -> Table {
    Table::of("cascade", "Liquidations, round by round", events)
        .number("step", "Step", Format::Count, |e| f64::from(e.step))
        .number("round", "Round", Format::Count, |e| f64::from(e.round))
        .text("cohort", "Cohort", |e| e.cohort.clone())
        .number("buckets", "Buckets", Format::Number, |e| e.buckets as f64)
        .number("notional", "Notional", Format::Usd, |e| e.notional)
        .number("accounts", "Accounts", Format::Count, |e| e.accounts)
        .table()
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
