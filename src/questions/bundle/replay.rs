//! The report folder of `firesale replay`.

use super::{
    EXOGENOUS_COLOR, METRIC_COLOR, TARGET_COLOR, cascade_table, hours_axis, line, outcomes,
    rounds_warning,
};
use crate::model::Model;
use crate::questions::Answer;
use crate::questions::path::PathRecord;
use crate::questions::replay::{ReplayReport, steps_table};
use crate::report::bundle::{Block, Report, Section, fact, unique_slugs};
use crate::report::chart::{Axis, Chart, Figure, Series};
use crate::report::format::Format;
use crate::summary::metrics::has_liquidations;

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
