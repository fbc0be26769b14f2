//! `firesale fit`: estimates the exogenous market of MODEL.md §2 (per-asset calm vol and stress
//! multiplier, two Markov regimes with their correlations, Student-t tails, a jump type) from a
//! price history, each estimate with its standard error or 95% interval and its sample.
//!
//! The stages: [`history`] reads the CSV; [`switching`] fits the regime model by EM (with the
//! shock density of [`density`]); [`select`] picks one or two regimes and the tail; [`jumps`]
//! finds and fits the jumps, alternating with the diffusion fit; [`uncertainty`] gives the
//! standard errors; [`scenario_toml`] writes the scenario, [`summary`] the terminal text,
//! [`report`] the report folder; [`simulate`] draws histories from a scenario with the engine's own
//! exogenous stage (for round trips and for asking how much history is enough).

pub mod density;
pub mod history;
pub mod jumps;
pub mod report;
pub mod scenario_toml;
pub mod select;
pub mod simulate;
pub mod summary;
pub mod switching;
pub mod uncertainty;

use serde::Serialize;

use crate::{Error, Result};
use history::History;
use jumps::JumpType;
use select::{CHI2_1_95, Selection};
use switching::{CALM, Diffusion, STRESS, Steps};
use uncertainty::Estimate;

/// Rounds of "fit the diffusion, find the jumps" before the jump set is taken as it stands.
const MAX_JUMP_ROUNDS: usize = 4;

/// One asset's estimates.
#[derive(Debug, Clone, Serialize)]
pub struct AssetFit {
    pub name: String,
    /// The last observed price.
    pub price: f64,
    /// Calm `vol`, annualised.
    pub vol: Estimate,
    pub stress_vol_multiplier: Estimate,
    /// Always 0: see docs/fit.md (drift is not identified on histories of practical length).
    pub drift: f64,
    /// Missing prices (empty cells) in the file.
    pub missing_prices: usize,
}

/// A regime's correlation matrix with the standard error of each entry.
#[derive(Debug, Clone, Serialize)]
pub struct CorrelationFit {
    pub matrix: Vec<Vec<f64>>,
    pub se: Vec<Vec<f64>>,
    /// (Expected) observed steps in the regime.
    pub sample: usize,
}

/// Everything `firesale fit` estimates, in MODEL.md's terms.
#[derive(Debug, Clone, Serialize)]
pub struct Fit {
    pub step_hours: f64,
    pub rows: usize,
    pub first_timestamp: String,
    pub last_timestamp: String,
    /// Steps (return intervals) in the history.
    pub steps: usize,
    /// Steps with a missing return in some asset (left out of every estimate).
    pub incomplete_steps: usize,
    /// Steps the diffusion was fitted to (complete and not jumps).
    pub diffusion_steps: usize,
    /// 1 (no stress regime found) or 2.
    pub regimes: usize,
    /// Expected number of diffusion steps in stress.
    pub stress_steps: f64,
    pub calm_to_stress_per_step: Estimate,
    pub stress_to_calm_per_step: Estimate,
    /// P(stress at the last row | history): the scenario starts from today's regime.
    pub initial_stress_probability: f64,
    /// ν with its profile-likelihood interval; `None` when Gaussian fits as well.
    pub student_t_dof: Option<Estimate>,
    /// Log-likelihood at each ν tried, `[ν, ℓ]` (the profile behind ν's interval).
    pub dof_profile: Vec<(u32, f64)>,
    /// 2·(ℓ_t − ℓ_Gaussian) at the best ν (Gaussian kept when ≤ 2.71).
    pub tail_lr_statistic: f64,
    /// BIC of the one- and two-regime fits.
    pub bic: [Option<f64>; 2],
    pub log_likelihood: f64,
    pub assets: Vec<AssetFit>,
    pub correlation_calm: CorrelationFit,
    pub correlation_stress: CorrelationFit,
    /// Steps taken for jumps.
    pub jumps_found: usize,
    pub jump: Option<JumpType>,
    /// What the fit cannot see.
    pub warnings: Vec<String>,
    /// P(stress) per step, smoothed (for the report).
    #[serde(skip)]
    pub smoothed_stress: Vec<f64>,
    /// The fitted diffusion (for the report's QQ plots).
    #[serde(skip)]
    pub diffusion: Diffusion,
}

impl Fit {
    pub fn step_years(&self) -> f64 {
        self.step_hours / 8760.0
    }
}

/// Fits the market to `history`.
pub fn fit(history: &History) -> Result<Fit> {
    let k = history.assets();
    let returns = history.log_returns();
    let complete_mask: Vec<bool> = returns
        .chunks(k)
        .map(|row| row.iter().all(|r| r.is_finite()))
        .collect();
    let complete: Vec<usize> = (0..complete_mask.len())
        .filter(|&t| complete_mask[t])
        .collect();
    let mut steps = Steps {
        k,
        returns,
        observed: complete_mask.clone(),
    };
    let step_years = history.step_hours / 8760.0;
    let no_jumps = select_diffusion(&steps)?;
    let mut selection = no_jumps.clone();
    let mut jump_steps: Vec<usize> = Vec::new();
    let mut jump: Option<JumpType> = None;
    for round in 0..MAX_JUMP_ROUNDS {
        let gamma = &selection.posterior.smoothed_stress;
        let found = match &jump {
            None if round == 0 => {
                let far = jumps::candidates(&selection.diffusion, gamma, &steps, &complete);
                jumps::seed(
                    &selection.diffusion,
                    gamma,
                    &steps,
                    &complete,
                    &far,
                    step_years,
                )
            }
            None => break,
            Some(jump) => jumps::classify(&selection.diffusion, gamma, &steps, &complete, jump),
        };
        if found == jump_steps {
            break;
        }
        steps.observed = complete_mask.clone();
        for &t in &found {
            steps.observed[t] = false;
        }
        selection = select::refit(&selection, &steps).ok_or_else(not_converged)?;
        jump = jumps::estimate(
            &selection.diffusion,
            &selection.posterior.smoothed_stress,
            &steps,
            &found,
            complete.len(),
            step_years,
        );
        jump_steps = found;
    }
    if let Some(found) = &jump {
        let with_jumps = selection.posterior.log_likelihood
            + jumps::classification_log_likelihood(
                &selection.diffusion,
                &selection.posterior.smoothed_stress,
                &steps,
                &jump_steps,
                complete.len(),
                found,
            );
        let penalty = 0.5 * jumps::parameter_count(k) as f64 * (complete.len() as f64).ln();
        if with_jumps - no_jumps.posterior.log_likelihood <= penalty {
            jump_steps.clear();
            steps.observed = complete_mask.clone();
            selection = no_jumps;
        }
    }
    if !jump_steps.is_empty() {
        // The regime count and tail chosen again, now without the jumps, from the optima of
        // the first selection (which the refits carry).
        selection = select::select_again(&selection, &steps).ok_or_else(not_converged)?;
    }
    Ok(assemble(
        history,
        &steps,
        selection,
        &jump_steps,
        complete.len(),
    ))
}

fn select_diffusion(steps: &Steps) -> Result<Selection> {
    select::select(steps).ok_or_else(not_converged)
}

fn not_converged() -> Error {
    Error::Runtime(
        "the fit did not converge (a covariance stopped being positive definite); check the history for assets that move in lockstep".to_string(),
    )
}

fn assemble(
    history: &History,
    steps: &Steps,
    selection: Selection,
    jump_steps: &[usize],
    complete: usize,
) -> Fit {
    let k = steps.k;
    let d = &selection.diffusion;
    let post = &selection.posterior;
    let step_years = history.step_hours / 8760.0;
    let errors = uncertainty::diffusion_errors(d, steps);
    let n = steps.observed_count();
    let stress_steps = if d.regimes == 2 {
        post.stress_steps(steps)
    } else {
        0.0
    };
    let calm_steps = n as f64 - stress_steps;
    let last_prices = history.last_prices();
    let assets = (0..k)
        .map(|i| {
            let calm_var = d.covariance[CALM][i * k + i];
            let vol = (calm_var / step_years).sqrt();
            let multiplier = (d.covariance[STRESS][i * k + i] / calm_var).sqrt();
            AssetFit {
                name: history.names[i].clone(),
                price: last_prices[i],
                vol: Estimate::normal(vol, vol * errors.vol_relative[i], n, 0.0, f64::MAX),
                stress_vol_multiplier: if d.regimes == 2 {
                    Estimate::normal(
                        multiplier,
                        multiplier * errors.multiplier_relative[i],
                        stress_steps.round() as usize,
                        0.0,
                        f64::MAX,
                    )
                } else {
                    Estimate {
                        value: 1.0,
                        se: None,
                        ci95: [1.0, 1.0],
                        sample: 0,
                    }
                },
                drift: 0.0,
                missing_prices: history.missing_prices[i],
            }
        })
        .collect();
    let correlation = |s: usize, sample: f64| {
        let c = &d.covariance[s];
        let rows = |f: &dyn Fn(usize, usize) -> f64| -> Vec<Vec<f64>> {
            (0..k).map(|i| (0..k).map(|j| f(i, j)).collect()).collect()
        };
        CorrelationFit {
            matrix: rows(&|i, j| c[i * k + j] / (c[i * k + i] * c[j * k + j]).sqrt()),
            se: rows(&|i, j| errors.correlation[s][i * k + j]),
            sample: sample.round() as usize,
        }
    };
    let switch = |from: usize, sample: f64| {
        if d.regimes == 2 {
            Estimate::normal(
                d.switch[from],
                errors.switch[from],
                sample.round() as usize,
                0.0,
                1.0,
            )
        } else {
            Estimate {
                value: 0.0,
                se: None,
                ci95: [0.0, 0.0],
                sample: 0,
            }
        }
    };
    let student_t_dof = (d.dof != 0).then(|| dof_estimate(&selection, n));
    let jump = jumps::estimate(
        d,
        &post.smoothed_stress,
        steps,
        jump_steps,
        complete,
        step_years,
    );
    let mut fit = Fit {
        step_hours: history.step_hours,
        rows: history.rows(),
        first_timestamp: history.timestamp_text(0),
        last_timestamp: history.timestamp_text(history.rows() - 1),
        steps: steps.len(),
        incomplete_steps: steps.len() - complete,
        diffusion_steps: n,
        regimes: d.regimes,
        stress_steps,
        calm_to_stress_per_step: switch(0, calm_steps),
        stress_to_calm_per_step: switch(1, stress_steps),
        initial_stress_probability: if d.regimes == 2 {
            post.filtered_stress.last().copied().unwrap_or(0.0)
        } else {
            0.0
        },
        student_t_dof,
        dof_profile: selection.dof_profile.clone(),
        tail_lr_statistic: selection.tail_lr_statistic,
        bic: selection.bic,
        log_likelihood: post.log_likelihood,
        assets,
        correlation_calm: correlation(CALM, calm_steps),
        correlation_stress: correlation(if d.regimes == 2 { STRESS } else { CALM }, stress_steps),
        jumps_found: jump_steps.len(),
        jump,
        warnings: Vec::new(),
        smoothed_stress: post.smoothed_stress.clone(),
        diffusion: d.clone(),
    };
    fit.warnings = summary::warnings(&fit);
    fit
}

/// ν̂ with the profile-likelihood interval {ν : 2(ℓ(ν̂) − ℓ(ν)) ≤ χ²₁(0.95)}.
fn dof_estimate(selection: &Selection, sample: usize) -> Estimate {
    let best = selection
        .dof_profile
        .iter()
        .copied()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((selection.diffusion.dof, 0.0));
    let inside: Vec<u32> = selection
        .dof_profile
        .iter()
        .filter(|(_, ll)| 2.0 * (best.1 - ll) <= CHI2_1_95)
        .map(|(dof, _)| *dof)
        .collect();
    let low = inside.iter().min().copied().unwrap_or(best.0);
    let high = inside.iter().max().copied().unwrap_or(best.0);
    Estimate {
        value: f64::from(selection.diffusion.dof),
        se: None,
        ci95: [f64::from(low), f64::from(high)],
        sample,
    }
}
