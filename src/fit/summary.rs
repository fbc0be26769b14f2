//! The fit in words: the warnings about what the history cannot show, and the terminal
//! summary (every estimate with its 95% interval and sample).

use super::Fit;
use super::jumps::MIN_JUMPS;
use super::uncertainty::Estimate;

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

/// `value [low, high]` with enough digits for the size of the value.
pub fn interval(e: &Estimate) -> String {
    format!(
        "{} [{}, {}]",
        significant(e.value),
        significant(e.ci95[0]),
        significant(e.ci95[1])
    )
}

/// Four significant digits.
pub fn significant(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (3 - x.abs().log10().floor() as i32).max(0) as usize;
    format!("{x:.digits$}")
}

/// The terminal summary.
pub fn text(fit: &Fit) -> String {
    let mut out = format!(
        "fitted {} assets on {} rows ({} to {}, every {} h): {} steps, {} with a missing price, {} jumps, {} used for the diffusion\n",
        fit.assets.len(),
        fit.rows,
        fit.first_timestamp,
        fit.last_timestamp,
        fit.step_hours,
        fit.steps,
        fit.incomplete_steps,
        fit.jumps_found,
        fit.diffusion_steps,
    );
    out += "\nestimates with 95% intervals [low, high] (observed information; ν: profile likelihood)\n";
    if fit.regimes == 2 {
        out += &format!(
            "  regimes: two, {:.0} steps in stress; calm_to_stress_per_step {}  stress_to_calm_per_step {}  initial_stress_probability {:.3} (P(stress) at the last row)\n",
            fit.stress_steps,
            interval(&fit.calm_to_stress_per_step),
            interval(&fit.stress_to_calm_per_step),
            fit.initial_stress_probability,
        );
    } else {
        out += "  regimes: one (no stress regime found)\n";
    }
    out += &match fit.student_t_dof {
        Some(dof) => format!(
            "  shocks: Student-t, student_t_dof {} [{}, {}] (LR statistic {:.1} against Gaussian)\n",
            dof.value, dof.ci95[0], dof.ci95[1], fit.tail_lr_statistic
        ),
        None => format!(
            "  shocks: Gaussian (LR statistic {:.2} for Student-t, below 2.71)\n",
            fit.tail_lr_statistic
        ),
    };
    out += &format!(
        "\n  {:<10} {:>12} {:>30} {:>30} {:>8}\n",
        "asset", "price", "vol", "stress_vol_multiplier", "missing"
    );
    for asset in &fit.assets {
        out += &format!(
            "  {:<10} {:>12} {:>30} {:>30} {:>8}\n",
            asset.name,
            significant(asset.price),
            interval(&asset.vol),
            interval(&asset.stress_vol_multiplier),
            asset.missing_prices,
        );
    }
    for (label, c) in [
        ("calm", &fit.correlation_calm),
        ("stress", &fit.correlation_stress),
    ] {
        out += &format!("\n  {label} correlation (± 1.96 se), {} steps\n", c.sample);
        for (i, row) in c.matrix.iter().enumerate() {
            out += &format!("  {:<10}", fit.assets[i].name);
            for (j, rho) in row.iter().enumerate() {
                out += &if i == j {
                    format!(" {:>13}", "1")
                } else {
                    format!(" {:>6.3}±{:<6.3}", rho, 1.96 * c.se[i][j])
                };
            }
            out += "\n";
        }
    }
    match &fit.jump {
        Some(jump) => {
            out += &format!(
                "\n  jump type from {} jumps: intensity_per_year {}  mean {}  stdev {}\n  loadings:",
                fit.jumps_found,
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
        None => out += &format!("\n  no jump type ({} jumps found)\n", fit.jumps_found),
    }
    if !fit.warnings.is_empty() {
        out += "\nwarnings\n";
        for warning in &fit.warnings {
            out += &format!("  - {warning}\n");
        }
    }
    out
}
