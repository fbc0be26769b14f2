//! The report folder of `firesale calibrate`.

use super::{Sweep, metric_against};
use crate::questions::Answer;
use crate::questions::calibrate::report::{CalibrationReport, value_text};
use crate::report::bundle::{Block, Report, Section};
use crate::report::chart::Axis;
use crate::report::format::Format;
use crate::report::tables::Table;

/// The report of `firesale calibrate`.
pub fn calibrate(report: &CalibrationReport) -> Report {
    let (param, target) = (report.param, &report.target);
    let trials = Table::of("trials", "Every trial, in the order run", &report.trials)
        .number("value", param.name(), value_format(report), |t| t.value)
        .number("metric", target.metric, target.unit(), |t| t.metric.value)
        .number("ci95.low", "95% CI from", target.unit(), |t| {
            t.metric.ci95[0]
        })
        .number("ci95.high", "95% CI to", target.unit(), |t| {
            t.metric.ci95[1]
        })
        .text("meets", "Meets the target", |t| {
            if t.meets { "yes" } else { "no" }.to_string()
        })
        .number("seconds", "Seconds", Format::Number, |t| t.seconds)
        .table();
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

fn value_format(report: &CalibrationReport) -> Format {
    if report.param.is_scale() {
        Format::Number
    } else {
        Format::Percent
    }
}
