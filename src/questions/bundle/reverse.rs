//! The report folder of `firesale reverse`.

use super::{Sweep, cascade_table, metric_against, outcomes, rounds_warning};
use crate::questions::Answer;
use crate::questions::input;
use crate::questions::reverse::{KeyLevel, ReverseReport};
use crate::report::bundle::{Block, Report, Section};
use crate::report::chart::Axis;
use crate::report::format::Format;
use crate::report::tables::Table;

/// The report of `firesale reverse`; `points` are the search's (scale, metric) in the order run.
pub fn reverse(report: &ReverseReport, points: &[(f64, f64)]) -> Report {
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
    let mut columns = Table::of(
        "key-levels",
        "Key price levels: each margin cohort's first liquidation",
        &report.key_levels.0,
    )
    .text("cohort", "Cohort", |(cohort, _)| cohort.clone())
    .number("scale", "Scale", Format::Number, |(_, level)| level.scale);
    for (asset, _) in &report.shock.0 {
        let at = |level: &KeyLevel| {
            level
                .shock
                .as_ref()
                .and_then(|shock| shock.0.iter().find(|(name, _)| name == asset))
                .map(|(_, at)| (at.return_, at.price))
        };
        columns = columns
            .number(
                format!("{asset}.return"),
                format!("{asset} return"),
                Format::Percent,
                |(_, level)| at(level).map(|(ret, _)| ret),
            )
            .number(
                format!("{asset}.price"),
                format!("{asset} price"),
                Format::Usd,
                |(_, level)| at(level).map(|(_, price)| price),
            );
    }
    let levels = columns.table();
    sections.push(Section::new("key-levels", "Key price levels").with(Block::Table(levels)));
    if !points.is_empty() {
        let search = Table::of("search", "Every path of the search for the target", points)
            .number("scale", "Scale", Format::Number, |&(scale, _)| scale)
            .number("metric", target.metric, target.unit(), |&(_, metric)| {
                metric
            })
            .table();
        let mut sorted = points.to_vec();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
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
            sorted,
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
