//! The fit's report folder (`fit --out-report DIR`), in the style of `run --out`: the price
//! history beside the smoothed stress probability, QQ plots of each asset's standardised
//! returns against the fitted shock distribution, and the calm and stress correlations as
//! heatmaps and as tables (also written as CSV).

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use super::Fit;
use super::history::History;
use super::switching::{CALM, STRESS};
use crate::report::bundle::{Block, Report, Section};
use crate::report::chart::{Axis, Chart, Figure, Series};
use crate::report::format::{Format, counted};
use crate::report::tables::Table;

/// Most points drawn per line (the history is thinned evenly beyond this).
const MAX_POINTS: usize = 2000;
/// Quantile levels per QQ plot.
const QQ_LEVELS: usize = 200;
/// QQ panels per figure.
const PANELS_PER_FIGURE: usize = 4;

/// Every `stride`-th index of 0..n, so that at most [`MAX_POINTS`] remain.
fn thinned(n: usize) -> impl Iterator<Item = usize> {
    (0..n).step_by(n.div_ceil(MAX_POINTS).max(1))
}

fn history_figure(history: &History, fit: &Fit) -> Figure {
    let days = |row: usize| (history.timestamps[row] - history.timestamps[0]) as f64 / 86_400.0;
    let prices = (0..history.assets())
        .map(|k| {
            let start = (0..history.rows())
                .map(|row| history.price(row, k))
                .find(|p| !p.is_nan())
                .unwrap_or(1.0);
            Series::Line {
                label: history.names[k].clone(),
                points: thinned(history.rows())
                    .filter(|&row| !history.price(row, k).is_nan())
                    .map(|row| (days(row), history.price(row, k) / start))
                    .collect(),
                color: k,
                dashed: false,
            }
        })
        .collect();
    let stress = fit.smoothed_stress.len();
    Figure {
        name: "history".to_string(),
        title: "Price history and the stress regime".to_string(),
        caption: "Left: each price relative to its first observation (log scale). Right: the probability, given the whole history, that each step was in the stress regime (Kim smoother); the fit's stress estimates rest on the shaded stretches.".to_string(),
        panels: vec![
            Chart {
                title: "Prices relative to the first row".to_string(),
                x: Axis::new("days since the first row", Format::Number),
                y: Axis::new("price / first price", Format::Number),
                y_log: true,
                series: prices,
            },
            Chart {
                title: "P(stress | history)".to_string(),
                x: Axis::new("days since the first row", Format::Number),
                y: Axis::new("probability", Format::Percent),
                y_log: false,
                series: vec![Series::Band {
                    label: "P(stress)".to_string(),
                    points: thinned(stress)
                        .map(|t| (days(t + 1), 0.0, fit.smoothed_stress[t]))
                        .collect(),
                    color: 3,
                    shade: 0.6,
                }],
            },
        ],
    }
}

/// Quantile function of the fitted unit-variance shock (Gaussian or Student-t).
fn shock_quantile(dof: u32) -> Box<dyn Fn(f64) -> f64> {
    if dof == 0 {
        let normal = Normal::standard();
        Box::new(move |p| normal.inverse_cdf(p))
    } else {
        let nu = f64::from(dof);
        match StudentsT::new(0.0, ((nu - 2.0) / nu).sqrt(), nu) {
            Ok(t) => Box::new(move |p| t.inverse_cdf(p)),
            Err(_) => Box::new(|_| f64::NAN),
        }
    }
}

/// QQ panels: each asset's returns standardised by the fitted regime sd (mixed over the
/// smoothed regime probability), against the fitted shock distribution. Jumps show as the
/// points far off the line.
fn qq_figures(history: &History, fit: &Fit) -> Vec<Figure> {
    let k = history.assets();
    let returns = history.log_returns();
    let quantile = shock_quantile(fit.diffusion.dof);
    let d = &fit.diffusion;
    let panels: Vec<Chart> = (0..k)
        .map(|i| {
            let mut standardised: Vec<f64> = returns
                .chunks(k)
                .enumerate()
                .filter(|(_, row)| row[i].is_finite())
                .map(|(t, row)| {
                    let gamma = fit.smoothed_stress[t];
                    let variance = (1.0 - gamma) * d.covariance[CALM][i * k + i]
                        + gamma * d.covariance[STRESS][i * k + i];
                    (row[i] + 0.5 * variance) / variance.sqrt()
                })
                .collect();
            standardised.sort_by(f64::total_cmp);
            let n = standardised.len();
            // Levels evenly spaced in logit(p) from 0.5/n to 1 − 0.5/n: dense in the tails.
            let edge = ((n as f64 - 0.5) / 0.5).ln();
            let points: Vec<(f64, f64)> = (0..QQ_LEVELS)
                .map(|level| {
                    let x = -edge + 2.0 * edge * level as f64 / (QQ_LEVELS - 1) as f64;
                    let p = 1.0 / (1.0 + (-x).exp());
                    let index = ((p * n as f64) as usize).min(n - 1);
                    (quantile(p), standardised[index])
                })
                .collect();
            let reach = points.iter().map(|p| p.0.abs()).fold(0.0, f64::max);
            Chart {
                title: history.names[i].clone(),
                x: Axis::new("fitted quantile", Format::Number),
                y: Axis::new("empirical quantile", Format::Number),
                y_log: false,
                series: vec![
                    Series::Line {
                        label: "y = x".to_string(),
                        points: vec![(-reach, -reach), (reach, reach)],
                        color: 7,
                        dashed: true,
                    },
                    Series::Line {
                        label: "standardised returns".to_string(),
                        points,
                        color: 0,
                        dashed: false,
                    },
                ],
            }
        })
        .collect();
    let shocks = match fit.diffusion.dof {
        0 => "a standard normal".to_string(),
        dof => format!("a unit-variance Student-t with {dof} degrees of freedom"),
    };
    panels
        .chunks(PANELS_PER_FIGURE)
        .enumerate()
        .map(|(part, chunk)| Figure {
            name: format!("qq-{}", part + 1),
            title: "Fitted against empirical returns (QQ)".to_string(),
            caption: format!(
                "Each asset's log-returns, standardised by the fitted regime volatility (mixed over P(stress)), against {shocks}: on the dashed line the fit describes the tails; points far below at the left are jumps or tails the fit misses."
            ),
            panels: chunk.to_vec(),
        })
        .collect()
}

/// The calm and stress correlation matrices side by side as heatmaps.
fn correlation_figure(fit: &Fit) -> Figure {
    let names: Vec<String> = fit.assets.iter().map(|a| a.name.clone()).collect();
    let panel = |label: &str, c: &super::CorrelationFit| Chart {
        title: format!("{label} ({})", counted(c.sample as f64, "step")),
        x: Axis::new("asset", Format::Number),
        y: Axis::new("asset", Format::Number),
        y_log: false,
        series: vec![Series::Heatmap {
            label: "correlation".to_string(),
            names: names.clone(),
            values: c.matrix.clone(),
        }],
    };
    Figure {
        name: "correlations".to_string(),
        title: "Correlations by regime".to_string(),
        caption: "The fitted correlation of each pair of assets' log-returns in the calm regime (left) and the stress regime (right), from blue (−1) through white (0) to red (1); the tables below give the same numbers, and summary.json their standard errors.".to_string(),
        panels: vec![
            panel("calm", &fit.correlation_calm),
            panel("stress", &fit.correlation_stress),
        ],
    }
}

fn correlation_table(fit: &Fit, stress: bool) -> Table {
    let (label, c) = if stress {
        ("stress", &fit.correlation_stress)
    } else {
        ("calm", &fit.correlation_calm)
    };
    let rows: Vec<(&str, &Vec<f64>)> = fit
        .assets
        .iter()
        .map(|asset| asset.name.as_str())
        .zip(&c.matrix)
        .collect();
    let mut columns = Table::of(
        format!("correlation-{label}"),
        format!("{label} correlation ({} steps)", c.sample),
        &rows,
    )
    .text("asset", "asset", |(name, _)| name.to_string());
    for (j, asset) in fit.assets.iter().enumerate() {
        columns = columns.number(&asset.name, &asset.name, Format::Number, |(_, row)| row[j]);
    }
    columns.table()
}

/// The report of a fit.
pub fn report(history: &History, fit: &Fit, source: &str, summary_json: String) -> Report {
    let mut regimes =
        Section::new("regimes", "Regimes").with(Block::Figure(history_figure(history, fit)));
    regimes.blocks.push(Block::Facts(vec![
        ("regimes".to_string(), fit.regimes.to_string()),
        (
            "steps in stress".to_string(),
            format!("{:.0}", fit.stress_steps),
        ),
        ("jumps found".to_string(), fit.jumps_found.to_string()),
        (
            "shocks".to_string(),
            fit.student_t_dof.map_or("Gaussian".to_string(), |d| {
                format!("Student-t, ν = {}", d.value)
            }),
        ),
    ]));
    let mut tails = Section::new("tails", "Tails");
    tails
        .blocks
        .extend(qq_figures(history, fit).into_iter().map(Block::Figure));
    let correlations = Section::new("correlations", "Correlations")
        .with(Block::Figure(correlation_figure(fit)))
        .with(Block::Table(correlation_table(fit, false)))
        .with(Block::Table(correlation_table(fit, true)));
    Report {
        title: format!("Market fitted to {source}"),
        subtitle: format!(
            "{} rows from {} to {}, every {} h; every estimate with its interval is in summary.json",
            fit.rows, fit.first_timestamp, fit.last_timestamp, fit.step_hours
        ),
        warnings: fit.warnings.clone(),
        summary_json: Some(summary_json),
        sections: vec![regimes, tails, correlations],
    }
}
