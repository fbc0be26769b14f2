//! The fit in words: the warnings about what the history cannot show, and the terminal
//! summary (every estimate with its 95% interval and sample, in the formats of
//! `crate::report::format`, as the run report's terminal text).

use super::Fit;
use super::jumps::MIN_JUMPS;
use super::uncertainty::{Estimate, Z95};
use crate::report::format::{Format, counted};

/// Below this many expected stress steps, stress estimates are loose.
const FEW_STRESS_STEPS: f64 = 200.0;
/// Below this many expected stress episodes, the switching probabilities are loose.
const FEW_EPISODES: f64 = 5.0;
/// Below this many jumps, the jump type is loose.
const FEW_JUMPS: usize = 10;
/// Below this many steps, tails heavier than Gaussian are hard to see.
const FEW_TAIL_STEPS: usize = 2000;
/// Above this share of incomplete steps, missing data is worth a warning.
const MANY_INCOMPLETE: f64 = 0.05;

/// What the fit cannot see, in plain words.
pub fn warnings(fit: &Fit) -> Vec<String> {
    let mut out = Vec::new();
    if fit.regimes == 1 {
        out.push(
            "no stress regime in this history (one regime fits as well, by BIC): the scenario is always calm; set [regimes], stress_vol_multiplier and [correlation.stress] by judgement or fit a history that contains a stress episode".to_string(),
        );
    } else {
        if fit.stress_steps < FEW_STRESS_STEPS {
            out.push(format!(
                "only {:.0} steps in stress: stress_vol_multiplier and the stress correlations are loose (see their intervals)",
                fit.stress_steps
            ));
        }
        let episodes =
            fit.calm_to_stress_per_step.value * (fit.diffusion_steps as f64 - fit.stress_steps);
        if episodes < FEW_EPISODES {
            out.push(format!(
                "about {episodes:.1} stress episodes in the history: the switching probabilities rest on very few switches"
            ));
        }
    }
    match fit.student_t_dof {
        Some(dof) if dof.value <= 3.0 || dof.value >= 30.0 => out.push(format!(
            "student_t_dof = {} is at the edge of the allowed 3..=30: the tails may be heavier or lighter than the model can express",
            dof.value
        )),
        None if fit.diffusion_steps < FEW_TAIL_STEPS => out.push(format!(
            "Gaussian shocks kept, but {} steps are few to see heavier tails",
            fit.diffusion_steps
        )),
        _ => {}
    }
    if fit.jumps_found > 0 && fit.jumps_found < MIN_JUMPS {
        out.push(format!(
            "{} jump(s) found, too few to fit a jump type (need {MIN_JUMPS}): none written; add one by judgement if it matters",
            fit.jumps_found
        ));
    } else if fit.jump.is_some() && fit.jumps_found < FEW_JUMPS {
        out.push(format!(
            "only {} jumps: the jump intensity, size and loadings are loose",
            fit.jumps_found
        ));
    }
    if fit.incomplete_steps as f64 > MANY_INCOMPLETE * fit.steps as f64 {
        out.push(format!(
            "{} of {} steps have a missing price and were left out of every estimate",
            fit.incomplete_steps, fit.steps
        ));
    }
    out
}

/// `value [low, high]`, the three with one number of decimals (the run report's
/// [`Format::column`]); an interval open above reads `∞`.
fn interval(e: &Estimate) -> String {
    let bounded = e.ci95[1] < f64::MAX;
    let high = if bounded { e.ci95[1] } else { e.value };
    let texts = Format::Number.column(&[e.value, e.ci95[0], high]);
    let high = if bounded { texts[2].as_str() } else { "∞" };
    format!("{} [{}, {high}]", texts[0], texts[1])
}

/// The terminal summary, its numbers in the run report's formats.
pub fn text(fit: &Fit) -> String {
    let count = |n: f64| Format::Count.show(n.round());
    let mut out = format!(
        "fitted {} on {} ({} to {}, every {}): {}, {} with a missing price, {} found, {} used for the diffusion\n",
        counted(fit.assets.len() as f64, "asset"),
        counted(fit.rows as f64, "row"),
        fit.first_timestamp,
        fit.last_timestamp,
        Format::Hours.show(fit.step_hours),
        counted(fit.steps as f64, "step"),
        count(fit.incomplete_steps as f64),
        counted(fit.jumps_found as f64, "jump"),
        count(fit.diffusion_steps as f64),
    );
    out += "\nestimates with 95% intervals [low, high] (observed information; ν: profile likelihood)\n";
    if fit.regimes == 2 {
        out += &format!(
            "  regimes: two, {} in stress; calm_to_stress_per_step {}  stress_to_calm_per_step {}  initial_stress_probability {} (P(stress) at the last row)\n",
            counted(fit.stress_steps.round(), "step"),
            interval(&fit.calm_to_stress_per_step),
            interval(&fit.stress_to_calm_per_step),
            Format::Number.show(fit.initial_stress_probability),
        );
    } else {
        out += "  regimes: one (no stress regime found)\n";
    }
    out += &match fit.student_t_dof {
        Some(dof) => format!(
            "  shocks: Student-t, student_t_dof {} [{}, {}] (LR statistic {} against Gaussian)\n",
            dof.value,
            dof.ci95[0],
            dof.ci95[1],
            Format::Number.show(fit.tail_lr_statistic)
        ),
        None => format!(
            "  shocks: Gaussian (LR statistic {} for Student-t, below 2.71)\n",
            Format::Number.show(fit.tail_lr_statistic)
        ),
    };
    out += &format!(
        "\n  {:<10} {:>12} {:>26} {:>26} {:>8}\n",
        "asset", "price", "vol", "stress_vol_multiplier", "missing"
    );
    for asset in &fit.assets {
        out += &format!(
            "  {:<10} {:>12} {:>26} {:>26} {:>8}\n",
            asset.name,
            Format::Number.show(asset.price),
            interval(&asset.vol),
            interval(&asset.stress_vol_multiplier),
            count(asset.missing_prices as f64),
        );
    }
    for (label, c) in [
        ("calm", &fit.correlation_calm),
        ("stress", &fit.correlation_stress),
    ] {
        out += &format!(
            "\n  {label} correlation (± 1.96 se), {}\n",
            counted(c.sample as f64, "step")
        );
        // One column format for the correlations off the diagonal (which reads 1), one for
        // their margins.
        let k = c.matrix.len();
        let off: Vec<(usize, usize)> = (0..k)
            .flat_map(|i| (0..k).filter(move |&j| j != i).map(move |j| (i, j)))
            .collect();
        let values =
            Format::Number.column(&off.iter().map(|&(i, j)| c.matrix[i][j]).collect::<Vec<_>>());
        let margins = Format::Number.column(
            &off.iter()
                .map(|&(i, j)| Z95 * c.se[i][j])
                .collect::<Vec<_>>(),
        );
        for (i, asset) in fit.assets.iter().enumerate() {
            out += &format!("  {:<10}", asset.name);
            for j in 0..k {
                // Row i's entries off the diagonal are off[i·(k − 1)..], j past i one back.
                let at = i * (k - 1) + j - usize::from(j > i);
                out += &if i == j {
                    format!(" {:>13}", "1")
                } else {
                    format!(" {:>6}±{:<6}", values[at], margins[at])
                };
            }
            out += "\n";
        }
    }
    match &fit.jump {
        Some(jump) => {
            out += &format!(
                "\n  jump type from {}: intensity_per_year {}  mean {}  stdev {}\n  loadings:",
                counted(fit.jumps_found as f64, "jump"),
                interval(&jump.intensity_per_year),
                interval(&jump.mean),
                interval(&jump.stdev),
            );
            for (asset, loading) in fit.assets.iter().zip(&jump.loadings) {
                if let Some(loading) = loading {
                    out += &format!(" {} {}", asset.name, interval(loading));
                }
            }
            out += "\n";
        }
        None => {
            out += &format!(
                "\n  no jump type ({} found)\n",
                counted(fit.jumps_found as f64, "jump")
            )
        }
    }
    if !fit.warnings.is_empty() {
        out += "\nwarnings\n";
        for warning in &fit.warnings {
            out += &format!("  - {warning}\n");
        }
    }
    out
}
