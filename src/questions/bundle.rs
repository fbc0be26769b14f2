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

use super::Answer;
use super::calibrate::report::{CalibrationReport, value_text};
use super::input;
use super::path::{AssetOutcome, CohortOutcome, LiquidationEvent, PathRecord};
use super::replay::{ReplayReport, steps_table};
use super::reverse::{Reverse, ReverseReport};
use crate::engine::metrics::has_liquidations;
use crate::model::Model;
use crate::report::bundle::{Block, Report, Section, fact, unique_slugs};
use crate::report::chart::{Axis, Chart, Figure, Series};
use crate::report::format::Format;
use crate::report::summary::Named;
use crate::report::tables::{Cell, Table};

/// Colours of the palette used for a metric and for its target.
const METRIC_COLOR: usize = 0;
const TARGET_COLOR: usize = 3;
const EXOGENOUS_COLOR: usize = 7;

/// The report of `firesale replay`.
pub fn replay(model: &Model, report: &ReplayReport, record: &PathRecord) -> Report {
    let hours = |step: u32| f64::from(step) * model.step_hours;
    let stems = unique_slugs(model.assets.iter().map(|a| a.name.as_str()));
    let stress = stress_spans(model, record);
    let mut prices = Section::new("prices", "Prices");
    for (k, (asset, stem)) in model.assets.iter().zip(stems).enumerate() {
        let start = std::iter::once((0.0, asset.price_usd));
        let price = start
            .clone()
            .chain(
                record
                    .steps
                    .iter()
                    .map(|s| (hours(s.step), asset.price_usd * s.price[k])),
            )
            .collect();
        let exogenous = start
            .chain(
                record
                    .steps
                    .iter()
                    .map(|s| (hours(s.step), asset.price_usd * s.exogenous_log[k].exp())),
            )
            .collect();
        prices.blocks.push(Block::Figure(Figure {
            name: format!("price-{stem}"),
            title: format!("{}: price along the path", asset.name),
            caption: "The price with forced selling and fund flows, beside the price the \
                      exogenous moves alone would give; shaded: the hours in the stress regime."
                .to_string(),
            panels: vec![Chart {
                title: asset.name.clone(),
                x: hours_axis(),
                y: Axis {
                    label: "price (USD)".to_string(),
                    format: Format::Usd,
                },
                y_log: false,
                series: vec![
                    stress.clone(),
                    line("exogenous moves only", exogenous, EXOGENOUS_COLOR, true),
                    line("price", price, METRIC_COLOR, false),
                ],
            }],
        }));
    }
    let mut liquidations = Section::new("liquidations", "Liquidations")
        .with(Block::Table(cascade_table(&report.liquidations)));
    // One bar per step and cohort, on a log scale; the cohort that had the most liquidated
    // is drawn first, so that smaller ones stay visible in front of it.
    let mut liquidated: Vec<(f64, Series)> = model
        .cohorts
        .iter()
        .enumerate()
        .filter(|(_, cohort)| has_liquidations(&cohort.kind))
        .enumerate()
        .map(|(color, (c, cohort))| {
            let bars: Vec<(f64, f64, f64)> = record
                .steps
                .iter()
                .filter(|s| s.liquidated_notional_usd[c] > 0.0)
                .map(|s| {
                    let end = hours(s.step);
                    (end - model.step_hours, end, s.liquidated_notional_usd[c])
                })
                .collect();
            let total = bars.iter().map(|b| b.2).sum();
            let label = format!("{} ({} in all)", cohort.name, Format::Usd.show(total));
            (total, Series::Bars { label, bars, color })
        })
        .filter(|(total, _)| *total > 0.0)
        .collect();
    liquidated.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut series = vec![stress];
    series.extend(liquidated.into_iter().map(|(_, bars)| bars));
    if series.len() > 1 {
        liquidations.blocks.insert(
            0,
            Block::Figure(Figure {
                name: "liquidations".to_string(),
                title: "Liquidated notional per step".to_string(),
                caption: "What each margin cohort had liquidated in each step of the path, one \
                          bar per step on a log scale (so that a small book's liquidation shows \
                          beside a large one's); shaded: the hours in the stress regime."
                    .to_string(),
                panels: vec![Chart {
                    title: "By cohort (log scale)".to_string(),
                    x: hours_axis(),
                    y: Axis {
                        label: "liquidated notional in the step (USD)".to_string(),
                        format: Format::Usd,
                    },
                    y_log: true,
                    series,
                }],
            }),
        );
    }
    let s = &report.system;
    Report {
        title: format!("Replay: {}", report.scenario),
        subtitle: format!(
            "the moves of {}: {} steps of {} ({} in stress)",
            report.shocks,
            report.steps,
            Format::Hours.show(report.step_hours),
            report.stress_steps
        ),
        warnings: rounds_warning(s.rounds_exhausted),
        summary_json: Some(report.to_json()),
        sections: vec![
            Section::new("system", "The market").with(Block::Facts(vec![
                fact(
                    "Liquidated notional",
                    Format::Usd.show(s.liquidated_notional),
                ),
                fact(
                    "Accounts liquidated",
                    Format::Count.show(s.accounts_liquidated),
                ),
                fact("Bad debt", Format::Usd.show(s.bad_debt)),
                fact("Forced selling", Format::Usd.show(s.forced_selling)),
                fact(
                    "Most liquidated in 24 h",
                    Format::Usd.show(s.peak_24h_liquidated_notional),
                ),
                fact(
                    "Cascade rounds",
                    Format::Count.show(f64::from(s.cascade_rounds)),
                ),
            ])),
            outcomes(&report.cohorts, &report.assets),
            prices,
            liquidations,
            Section::new("steps", "Step by step").with(Block::DataFile(steps_table(model, record))),
        ],
    }
}

/// The report of `firesale calibrate`.
pub fn calibrate(report: &CalibrationReport) -> Report {
    let (param, target) = (report.param, &report.target);
    let mut trials = Table::new("trials", "Every trial, in the order run");
    trials.column("value", param.name(), value_format(report));
    trials.column("metric", target.metric, target.unit());
    trials.column("ci95.low", "95% CI from", target.unit());
    trials.column("ci95.high", "95% CI to", target.unit());
    trials.column("meets", "Meets the target", Format::Number);
    trials.column("seconds", "Seconds", Format::Number);
    for trial in &report.trials {
        trials
            .row(vec![
                trial.value.into(),
                trial.metric.value.into(),
                trial.metric.ci95[0].into(),
                trial.metric.ci95[1].into(),
                if trial.meets { "yes" } else { "no" }.into(),
                trial.seconds.into(),
            ])
            .expect("a cell per column");
    }
    let mut sorted: Vec<_> = report.trials.iter().collect();
    sorted.sort_by(|a, b| a.value.total_cmp(&b.value));
    let figure = metric_against(
        Sweep {
            name: "calibration",
            title: format!(
                "{}: {} against {}",
                report.cohort,
                target.metric,
                param.name()
            ),
            x: Axis {
                label: if param.is_scale() {
                    format!("{} (× the scenario's)", param.name())
                } else {
                    param.name().to_string()
                },
                format: value_format(report),
            },
            y: Axis {
                label: target.metric.to_string(),
                format: target.unit(),
            },
            threshold: target.threshold,
            chosen: report
                .value
                .map(|value| (format!("chosen: {}", value_text(param, value)), value)),
        },
        sorted.iter().map(|t| (t.value, t.metric.value)).collect(),
        Some(
            sorted
                .iter()
                .map(|t| (t.value, t.metric.ci95[0], t.metric.ci95[1]))
                .collect(),
        ),
    );
    let mut trials_section = Section::new("trials", "Trials");
    // No figure of nothing: a search stopped by a signal may have no trial.
    if !report.trials.is_empty() {
        trials_section = trials_section.with(Block::Figure(figure));
    }
    Report {
        title: format!("Calibration: {}", report.scenario),
        subtitle: format!(
            "{} of {} for {}: {} paths per trial, seed {}, {} engine, {:.1} s",
            param.name(),
            report.cohort,
            target.expression,
            Format::Number.show(report.paths as f64),
            report.seed,
            report.backend.kind,
            report.elapsed_seconds
        ),
        warnings: Vec::new(),
        summary_json: Some(report.to_json()),
        sections: vec![
            Section::new("answer", "Answer").with(Block::Text(report.message.clone())),
            trials_section.with(Block::Table(trials)),
        ],
    }
}

/// The report of `firesale reverse`.
pub fn reverse(report: &ReverseReport, answer: &Reverse) -> Report {
    let target = &report.target;
    let mut sections =
        vec![Section::new("answer", "Answer").with(Block::Text(report.message.clone()))];
    if let (Some(cohorts), Some(assets)) = (&report.cohorts, &report.assets) {
        sections.push(outcomes(cohorts, assets));
    }
    sections.push(
        Section::new("cascade", "The cascade at that scale")
            .with(Block::Table(cascade_table(&report.liquidations))),
    );
    let mut levels = Table::new(
        "key-levels",
        "Key price levels: each margin cohort's first liquidation",
    );
    levels.column("cohort", "Cohort", Format::Number);
    levels.column("scale", "Scale", Format::Number);
    for (asset, _) in &report.shock.0 {
        levels.column(
            format!("{asset}.return"),
            format!("{asset} return"),
            Format::Percent,
        );
        levels.column(
            format!("{asset}.price"),
            format!("{asset} price"),
            Format::Usd,
        );
    }
    for (cohort, level) in &report.key_levels.0 {
        let mut row: Vec<Cell> = vec![cohort.as_str().into(), Cell::from(level.scale)];
        for (asset, _) in &report.shock.0 {
            let at = level
                .shock
                .as_ref()
                .and_then(|shock| shock.0.iter().find(|(name, _)| name == asset))
                .map(|(_, at)| at);
            row.extend([
                Cell::from(at.map(|a| a.return_)),
                Cell::from(at.map(|a| a.price)),
            ]);
        }
        levels.row(row).expect("a cell per column");
    }
    sections.push(Section::new("key-levels", "Key price levels").with(Block::Table(levels)));
    if !answer.points.is_empty() {
        let mut points = answer.points.clone();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut search = Table::new("search", "Every path of the search for the target");
        search.column("scale", "Scale", Format::Number);
        search.column("metric", target.metric, target.unit());
        for &(scale, metric) in &answer.points {
            search
                .row(vec![scale.into(), metric.into()])
                .expect("a cell per column");
        }
        let figure = metric_against(
            Sweep {
                name: "search",
                title: format!("{} {} against the shock", target.cohort, target.metric),
                x: Axis {
                    label: "scale of the shock direction".to_string(),
                    format: Format::Number,
                },
                y: Axis {
                    label: format!("{} {}", target.cohort, target.metric),
                    format: target.unit(),
                },
                threshold: target.threshold,
                chosen: report
                    .scale
                    .map(|scale| (format!("found: ×{scale:.4}"), scale)),
            },
            points,
            None,
        );
        sections.push(
            Section::new("search", "The search")
                .with(Block::Figure(figure))
                .with(Block::DataFile(search)),
        );
    }
    let shock: Vec<String> = report
        .shock
        .0
        .iter()
        .map(|(name, ret)| format!("{name} {}", Format::Percent.show(*ret)))
        .collect();
    Report {
        title: format!("Reverse stress test: {}", report.scenario),
        subtitle: format!(
            "shock {} in one step, then the rest of one day ({} steps of {}, {}); target {}",
            shock.join(", "),
            report.steps,
            Format::Hours.show(report.step_hours),
            input::name(&report.regime),
            target.expression
        ),
        warnings: rounds_warning(report.system.as_ref().is_some_and(|s| s.rounds_exhausted)),
        summary_json: Some(report.to_json()),
        sections,
    }
}

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

fn value_format(report: &CalibrationReport) -> Format {
    if report.param.is_scale() {
        Format::Number
    } else {
        Format::Percent
    }
}

/// The hours of the path spent in the stress regime, shaded.
fn stress_spans(model: &Model, record: &PathRecord) -> Series {
    let mut spans: Vec<(f64, f64)> = Vec::new();
    for s in record.steps.iter().filter(|s| s.stress) {
        let (from, to) = (f64::from(s.step - 1), f64::from(s.step));
        let (from, to) = (from * model.step_hours, to * model.step_hours);
        match spans.last_mut() {
            Some(last) if last.1 == from => last.1 = to,
            _ => spans.push((from, to)),
        }
    }
    Series::Spans {
        label: "stress regime".to_string(),
        spans,
        color: TARGET_COLOR,
        shade: 0.12,
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
