//! The figures of a stress run, built from its summaries (never from paths): each cohort's
//! loss distribution with VaR and ES marked (and its tail on a log scale), the liquidation
//! timeline, a fan chart of each asset's price, and each asset's exogenous move against the
//! part forced selling added.

use super::chart::{Axis, Chart, Figure, Series};
use super::format::{Format, level};
use super::summary::CohortSummary;
use crate::model::Model;
use crate::summary::QuantileSketch;
use crate::summary::metrics::has_liquidations;
use crate::summary::steps::StepTotals;

/// Bins of a loss histogram.
const HISTOGRAM_BINS: usize = 60;
/// Palette slot kept for "all cohorts" and reference lines.
const GREY: usize = 7;

fn marker(label: String, x: f64, color: usize) -> Series {
    Series::Marker { label, x, color }
}

/// The loss distribution of cohort `name`: a histogram with VaR 95%, VaR 99% and ES 99%,
/// and the exceedance curve P(loss ≥ x) on a log scale with the 99% and 99.9% levels.
pub fn loss_distribution(
    stem: &str,
    name: &str,
    cohort: &CohortSummary,
    loss: &QuantileSketch,
) -> Figure {
    let tail_marker = |measure: &str, key: &str, color: usize| {
        let levels = if measure == "VaR" {
            &cohort.var
        } else {
            &cohort.es
        };
        let value = levels.get(key).copied().unwrap_or(0.0);
        let label = format!("{measure} {}: {}", level(key), Format::Usd.show(value));
        marker(label, value, color)
    };
    let loss_axis = || Axis::new("loss over the horizon (USD; > 0 = money lost)", Format::Usd);
    let histogram = Chart {
        title: "Distribution (share of paths per bin)".to_string(),
        x: loss_axis(),
        y: Axis::new("share of paths", Format::Percent),
        y_log: false,
        series: vec![
            Series::Bars {
                label: "paths (the 0.1% largest gains are off the left edge)".to_string(),
                bars: histogram(loss, HISTOGRAM_BINS),
                color: 0,
            },
            tail_marker("VaR", "0.95", 2),
            tail_marker("VaR", "0.99", 3),
            tail_marker("ES", "0.99", 1),
        ],
    };
    let tail = Chart {
        title: "Tail above the median: P(loss ≥ x), log scale".to_string(),
        x: loss_axis(),
        y: Axis::new(
            "probability of a loss at least this large",
            Format::Probability,
        ),
        y_log: true,
        series: vec![
            Series::Line {
                label: "P(loss ≥ x)".to_string(),
                points: exceedance(loss),
                color: 0,
                dashed: false,
            },
            tail_marker("VaR", "0.99", 3),
            tail_marker("VaR", "0.999", 4),
            tail_marker("ES", "0.99", 1),
            tail_marker("ES", "0.999", 5),
        ],
    };
    Figure {
        name: stem.to_string(),
        title: format!("{name}: loss over the horizon"),
        caption: format!(
            "Loss of {name} (initial equity minus final equity) over all paths. Left: how \
             often each loss occurs; right: the chance of a loss at least as large, on a log \
             scale, where the 1-in-100 and 1-in-1,000 losses (VaR) and the mean loss beyond \
             them (ES) are marked."
        ),
        panels: vec![histogram, tail],
    }
}

/// The share of the smallest losses a histogram leaves off its left edge, so that a long
/// tail of gains does not squeeze the losses into a few bins.
const HISTOGRAM_LEFT_CUT: f64 = 0.001;

/// `bins` equal-width bins from the [`HISTOGRAM_LEFT_CUT`] quantile to the maximum, each
/// (from, to, share of all values); values left of the first bin are not drawn.
fn histogram(sketch: &QuantileSketch, bins: usize) -> Vec<(f64, f64, f64)> {
    let count = sketch.count();
    if count == 0 {
        return Vec::new();
    }
    let (lo, hi) = (sketch.quantile(HISTOGRAM_LEFT_CUT), sketch.max());
    if hi <= lo {
        let half = if hi == 0.0 { 0.5 } else { 0.01 * hi.abs() };
        return vec![(
            hi - half,
            hi + half,
            sketch.buckets().last().map_or(0, |b| b.1) as f64 / count as f64,
        )];
    }
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0u64; bins];
    for (value, n) in sketch.buckets().filter(|&(value, _)| value >= lo) {
        let bin = (((value - lo) / width) as usize).min(bins - 1);
        counts[bin] += n;
    }
    counts
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let from = lo + i as f64 * width;
            (from, from + width, n as f64 / count as f64)
        })
        .collect()
}

/// (x, P(value ≥ x)) at every bucket of the sketch from the median up.
fn exceedance(sketch: &QuantileSketch) -> Vec<(f64, f64)> {
    let count = sketch.count() as f64;
    let median = sketch.quantile(0.5);
    let mut at_or_above = count;
    let mut points = Vec::new();
    for (value, n) in sketch.buckets() {
        if value >= median {
            points.push((value, at_or_above / count));
        }
        at_or_above -= n as f64;
    }
    points
}

/// How often prices were sketched, for captions: "every 4 h", "every step (1 h)".
pub fn price_sampling(model: &Model, steps: &StepTotals) -> String {
    let gaps: Vec<u32> = std::iter::once(0)
        .chain(steps.price_steps().iter().copied())
        .collect::<Vec<_>>()
        .windows(2)
        .map(|w| w[1] - w[0])
        .collect();
    let (lo, hi) = (
        gaps.iter().copied().min().unwrap_or(1),
        gaps.iter().copied().max().unwrap_or(1),
    );
    let hours = |n: u32| Format::Hours.show(f64::from(n) * model.step_hours);
    match (lo, hi) {
        (1, 1) => format!("every step ({})", hours(1)),
        (lo, hi) if lo == hi => format!("every {}", hours(lo)),
        (lo, hi) => format!("every {} to {}", hours(lo), hours(hi)),
    }
}

/// Hours since the start at the end of step `step`.
fn hours(model: &Model, step: u32) -> f64 {
    f64::from(step) * model.step_hours
}

/// The liquidation timeline: the system notional liquidated in each step (mean, 5–95% band,
/// 99th percentile) and, per margin cohort and for any cohort, P(first liquidation by t).
pub fn liquidation_timeline(model: &Model, steps: &StepTotals) -> Figure {
    let at_start = std::iter::once((0.0, 0.0));
    let per_step = |f: &dyn Fn(u32) -> f64| -> Vec<(f64, f64)> {
        at_start
            .clone()
            .chain((1..=steps.steps()).map(|t| (hours(model, t), f(t))))
            .collect()
    };
    let notional = Chart {
        title: "Notional liquidated in each step".to_string(),
        x: Axis::new("hours since the start", Format::Hours),
        y: Axis::new("liquidated notional in the step (USD)", Format::Usd),
        y_log: false,
        series: vec![
            Series::Band {
                label: "5–95% of paths".to_string(),
                points: std::iter::once((0.0, 0.0, 0.0))
                    .chain((1..=steps.steps()).map(|t| {
                        let summary = steps.liquidated_notional(t);
                        (
                            hours(model, t),
                            summary.quantile(0.05),
                            summary.quantile(0.95),
                        )
                    }))
                    .collect(),
                color: 0,
                shade: 0.3,
            },
            Series::Line {
                label: "mean".to_string(),
                points: per_step(&|t| steps.liquidated_notional(t).mean()),
                color: 0,
                dashed: false,
            },
            Series::Line {
                label: "99% of paths".to_string(),
                points: per_step(&|t| steps.liquidated_notional(t).quantile(0.99)),
                color: 3,
                dashed: true,
            },
        ],
    };
    let share = |counts: Vec<u64>| -> Vec<(f64, f64)> {
        let paths = steps.paths().max(1) as f64;
        at_start
            .clone()
            .chain(
                counts
                    .iter()
                    .enumerate()
                    .map(|(i, &n)| (hours(model, i as u32 + 1), n as f64 / paths)),
            )
            .collect()
    };
    let cohort_colors = (0..10).filter(|&c| c != GREY).cycle();
    let mut first = vec![Series::Line {
        label: "any cohort".to_string(),
        points: share(steps.liquidated_by(None)),
        color: GREY,
        dashed: true,
    }];
    let margin_cohorts = model
        .cohorts
        .iter()
        .enumerate()
        .filter(|(_, cohort)| has_liquidations(&cohort.kind));
    for ((c, cohort), color) in margin_cohorts.zip(cohort_colors) {
        first.push(Series::Line {
            label: cohort.name.clone(),
            points: share(steps.liquidated_by(Some(c))),
            color,
            dashed: false,
        });
    }
    let first = Chart {
        title: "Probability of a first liquidation by hour t (log scale)".to_string(),
        x: Axis::new("hours since the start", Format::Hours),
        y: Axis::new("share of paths liquidated by then", Format::Probability),
        y_log: true,
        series: first,
    };
    Figure {
        name: "liquidation-timeline".to_string(),
        title: "Liquidation timeline".to_string(),
        caption: "Left: notional liquidated in each step, all cohorts together: the mean over \
                  paths, the band holding 90% of paths, and the 1-in-100 path. Right: for each \
                  margin cohort, the share of paths on which it has had a liquidation by then, \
                  on a log scale so that a 0.1% cohort reads as clearly as a 90% one (a cohort \
                  never liquidated has no line)."
            .to_string(),
        panels: vec![notional, first],
    }
}

/// Price quantile bands of a fan chart: (low, high, label).
const FAN_BANDS: [(f64, f64, &str, f64); 3] = [
    (0.01, 0.99, "1–99% of paths", 0.18),
    (0.05, 0.95, "5–95%", 0.36),
    (0.25, 0.75, "25–75%", 0.58),
];

/// (hours, f(slot)) at t = 0 (where f is `start`) and at every sketched step.
fn over_price_steps<T>(
    model: &Model,
    steps: &StepTotals,
    start: T,
    f: impl Fn(usize) -> T,
) -> Vec<(f64, T)> {
    std::iter::once((0.0, start))
        .chain(
            steps
                .price_steps()
                .iter()
                .enumerate()
                .map(|(slot, &t)| (hours(model, t), f(slot))),
        )
        .collect()
}

/// A fan chart of asset `asset`'s price (USD) over the horizon: the median and quantile bands.
pub fn price_fan(stem: &str, model: &Model, steps: &StepTotals, asset: usize) -> Figure {
    let spec = &model.assets[asset];
    let price = |slot: usize, q: f64| spec.price_usd * steps.price_quantile(slot, asset, q);
    let mut series: Vec<Series> = FAN_BANDS
        .iter()
        .map(|&(lo, hi, label, shade)| Series::Band {
            label: label.to_string(),
            points: over_price_steps(model, steps, (spec.price_usd, spec.price_usd), |slot| {
                (price(slot, lo), price(slot, hi))
            })
            .into_iter()
            .map(|(x, (lo, hi))| (x, lo, hi))
            .collect(),
            color: 0,
            shade,
        })
        .collect();
    series.push(Series::Line {
        label: "median".to_string(),
        points: over_price_steps(model, steps, spec.price_usd, |slot| price(slot, 0.5)),
        color: 0,
        dashed: false,
    });
    series.push(Series::Line {
        label: "price at the start".to_string(),
        points: vec![
            (0.0, spec.price_usd),
            (hours(model, steps.steps()), spec.price_usd),
        ],
        color: GREY,
        dashed: true,
    });
    Figure {
        name: stem.to_string(),
        title: format!("{}: price over the horizon", spec.name),
        caption: format!(
            "Quantiles of the price of {} across all paths, after forced selling, sampled {}: \
             half the paths lie in the darkest band, 90% in the middle one, 98% in the lightest.",
            spec.name,
            price_sampling(model, steps)
        ),
        panels: vec![Chart {
            title: format!("{} price (quantiles over paths)", spec.name),
            x: Axis::new("hours since the start", Format::Hours),
            y: Axis::new("price (USD)", Format::Usd),
            y_log: false,
            series,
        }],
    }
}

/// Asset `asset`'s return quantiles over the horizon with all flows against the exogenous
/// shocks alone: the gap is what forced selling and mechanical flows added.
pub fn decomposition(stem: &str, model: &Model, steps: &StepTotals, asset: usize) -> Figure {
    let spec = &model.assets[asset];
    let total = |slot: usize, q: f64| steps.price_quantile(slot, asset, q) - 1.0;
    let exogenous = |slot: usize, q: f64| steps.exogenous_price_quantile(slot, asset, q) - 1.0;
    let mut series = vec![Series::Band {
        label: "how much deeper the 5% quantile is with forced selling".to_string(),
        points: over_price_steps(model, steps, (0.0, 0.0), |slot| {
            (total(slot, 0.05), exogenous(slot, 0.05))
        })
        .into_iter()
        .map(|(x, (a, b))| (x, a.min(b), a.max(b)))
        .collect(),
        color: 3,
        shade: 0.25,
    }];
    for (q, label, color) in [(0.5, "median", 0), (0.05, "5%", 3), (0.01, "1%", 4)] {
        series.push(Series::Line {
            label: format!("{label} quantile, with forced selling"),
            points: over_price_steps(model, steps, 0.0, |slot| total(slot, q)),
            color,
            dashed: false,
        });
        series.push(Series::Line {
            label: format!("{label} quantile, exogenous only"),
            points: over_price_steps(model, steps, 0.0, |slot| exogenous(slot, q)),
            color,
            dashed: true,
        });
    }
    Figure {
        name: stem.to_string(),
        title: format!("{}: exogenous move versus forced selling", spec.name),
        caption: format!(
            "Quantiles of the return of {} since the start, sampled {}, with every flow \
             (solid) and with the exogenous shocks alone (dashed: the same shocks without \
             liquidations, fund flows or their price impact). The gap is how much deeper each \
             quantile is because of forced selling.",
            spec.name,
            price_sampling(model, steps)
        ),
        panels: vec![Chart {
            title: format!(
                "{} return since the start (quantiles over paths)",
                spec.name
            ),
            x: Axis::new("hours since the start", Format::Hours),
            y: Axis::new("return since the start", Format::Percent),
            y_log: false,
            series,
        }],
    }
}
