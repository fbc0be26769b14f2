//! Jumps: steps the fitted diffusion cannot explain, and the one jump type they make.
//!
//! Detection is a likelihood method in three moves. (1) Candidates: steps whose Mahalanobis
//! distance under a Gaussian with the fitted regime covariances (mixed over the smoothed regime
//! probabilities) is so far out that a history without jumps shows one with probability at
//! most [`FALSE_JUMPS_PER_HISTORY`]; of those, the ones that point the same way (whitened) as
//! the most others (a jump type moves assets along its loadings; a heavy-tailed diffusion
//! step points anywhere). (2) A jump type is estimated from them and every step is
//! classified by its posterior odds p·f_jump(r) / ((1 − p)·f_diffusion(r)), where f_diffusion
//! is the fitted (Gaussian or Student-t) regime density and f_jump the density of a diffusion
//! step plus a jump (Gaussian, covariance C_s + stdev²·ββᵀ, mean shifted by β·mean); the
//! diffusion is refitted without the jump steps and (2) repeats until the set is stable (see
//! `fit::fit`). A heavy t tail in a random direction stays diffusion; a move along the jump
//! loadings becomes a jump. (3) The jump type is kept only when the classification likelihood
//! beats the fit without jumps by BIC's penalty for its K + 2 parameters.
//!
//! Estimation: the asset the jumps move most (in calm standard deviations) is the reference
//! (loading 1); its return on a jump step is the jump size J; the other loadings are
//! least-squares slopes on J, kept when they differ from 0 at 5%; `mean` and `stdev` are J's
//! sample moments (the diffusion's share of the variance removed), and the intensity is
//! −ln(1 − n/N)/Δ.

use serde::Serialize;

use super::density::Emission;
use super::switching::{CALM, Diffusion, STRESS, Steps};
use super::uncertainty::{Estimate, Z95};

/// Expected spurious jumps in a history with none.
pub const FALSE_JUMPS_PER_HISTORY: f64 = 0.05;
/// Fewest jumps from which a jump type is estimated.
pub const MIN_JUMPS: usize = 3;

/// Candidate jumps among `complete` (indices into `steps`): far out under a Gaussian with the
/// fitted regime covariances.
pub fn candidates(
    d: &Diffusion,
    smoothed_stress: &[f64],
    steps: &Steps,
    complete: &[usize],
) -> Vec<usize> {
    let k = steps.k;
    let Some([calm, stress]) = regime_emissions(d, k, 0, |c| c.to_vec()) else {
        return Vec::new();
    };
    let threshold = FALSE_JUMPS_PER_HISTORY / complete.len().max(1) as f64;
    let mut scratch = vec![0.0; k];
    complete
        .iter()
        .copied()
        .filter(|&t| {
            let row = steps.row(t);
            let gamma = smoothed_stress[t];
            let p_calm = calm.tail_probability(calm.distance(row, &mut scratch));
            let p_stress = stress.tail_probability(stress.distance(row, &mut scratch));
            (1.0 - gamma) * p_calm + gamma * p_stress < threshold
        })
        .collect()
}

/// Groups of candidates whose whitened returns (L_s⁻¹(r − m), in the step's likelier regime)
/// point within [`SAME_DIRECTION`] of each other: a jump type moves the assets along its
/// loadings. Greedy: the candidate with the most neighbours and its neighbours, then again
/// among the rest, up to [`MAX_SEEDS`] groups of at least [`MIN_JUMPS`].
fn direction_groups(
    d: &Diffusion,
    smoothed_stress: &[f64],
    steps: &Steps,
    candidates: &[usize],
) -> Vec<Vec<usize>> {
    let k = steps.k;
    let Some([calm, stress]) = regime_emissions(d, k, 0, |c| c.to_vec()) else {
        return Vec::new();
    };
    let mut pool: Vec<(usize, Vec<f64>)> = candidates
        .iter()
        .map(|&t| {
            let mut whitened = vec![0.0; k];
            let regime = if smoothed_stress[t] > 0.5 {
                &stress
            } else {
                &calm
            };
            let length = regime.distance(steps.row(t), &mut whitened).sqrt();
            (t, whitened.iter().map(|w| w / length).collect())
        })
        .collect();
    let near =
        |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>() > SAME_DIRECTION;
    let mut groups = Vec::new();
    while groups.len() < MAX_SEEDS {
        let Some(centre) = pool
            .iter()
            .max_by_key(|(_, a)| pool.iter().filter(|(_, b)| near(a, b)).count())
            .map(|(_, a)| a.clone())
        else {
            break;
        };
        let (group, rest): (Vec<_>, Vec<_>) = pool.into_iter().partition(|(_, b)| near(&centre, b));
        pool = rest;
        if group.len() < MIN_JUMPS {
            break;
        }
        groups.push(group.into_iter().map(|(t, _)| t).collect());
    }
    groups
}

/// Groups of candidates tried as the seed of the jump type.
const MAX_SEEDS: usize = 5;

/// The seed of the jump type: of the direction groups among `candidates`, the one whose jump
/// type gains the most classification log-likelihood over the diffusion alone.
pub fn seed(
    d: &Diffusion,
    smoothed_stress: &[f64],
    steps: &Steps,
    complete: &[usize],
    candidates: &[usize],
    step_years: f64,
) -> Vec<usize> {
    direction_groups(d, smoothed_stress, steps, candidates)
        .into_iter()
        .filter_map(|group| {
            let jump = estimate(
                d,
                smoothed_stress,
                steps,
                &group,
                complete.len(),
                step_years,
            )?;
            let p = jump.fire_probability;
            let densities = log_densities(d, smoothed_stress, steps, complete, &jump)?;
            let gain: f64 = densities
                .iter()
                .map(|(log_jump, log_diffusion)| {
                    (p.ln() + log_jump).max((1.0 - p).ln() + log_diffusion) - log_diffusion
                })
                .sum();
            Some((gain, group))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, group)| group)
        .unwrap_or_default()
}

/// Cosine above which two whitened returns point the same way.
const SAME_DIRECTION: f64 = 0.9;

/// log f_jump(r) and log f_diffusion(r) of each of the `complete` steps, each mixed over the
/// smoothed regime probabilities; `None` when a covariance is not positive definite.
fn log_densities(
    d: &Diffusion,
    smoothed_stress: &[f64],
    steps: &Steps,
    complete: &[usize],
    jump: &JumpType,
) -> Option<Vec<(f64, f64)>> {
    let k = steps.k;
    let beta: Vec<f64> = jump
        .loadings
        .iter()
        .map(|l| l.map_or(0.0, |e| e.value))
        .collect();
    let spread = jump.stdev.value.powi(2);
    let with_jump = |c: &[f64]| -> Vec<f64> {
        let mut out = c.to_vec();
        for i in 0..k {
            for j in 0..k {
                out[i * k + j] += spread * beta[i] * beta[j];
            }
        }
        out
    };
    let diffusion = regime_emissions(d, k, d.dof, |c| c.to_vec())?;
    let jumped = regime_emissions(d, k, 0, with_jump)?;
    let mut scratch = vec![0.0; k];
    let mut shifted = vec![0.0; k];
    Some(
        complete
            .iter()
            .map(|&t| {
                let row = steps.row(t);
                for i in 0..k {
                    shifted[i] =
                        row[i] - beta[i] * jump.mean.value - 0.5 * spread * beta[i] * beta[i];
                }
                let gamma = smoothed_stress[t];
                let mix = |e: &[Emission; 2], r: &[f64], scratch: &mut [f64]| {
                    let a = e[CALM].log_density(e[CALM].distance(r, scratch));
                    let b = e[STRESS].log_density(e[STRESS].distance(r, scratch));
                    let top = a.max(b);
                    top + ((1.0 - gamma) * (a - top).exp() + gamma * (b - top).exp()).ln()
                };
                (
                    mix(&jumped, &shifted, &mut scratch),
                    mix(&diffusion, row, &mut scratch),
                )
            })
            .collect(),
    )
}

/// The `complete` steps whose posterior odds favour a jump of type `jump`.
pub fn classify(
    d: &Diffusion,
    smoothed_stress: &[f64],
    steps: &Steps,
    complete: &[usize],
    jump: &JumpType,
) -> Vec<usize> {
    let p = jump.fire_probability;
    let Some(densities) = log_densities(d, smoothed_stress, steps, complete, jump) else {
        return Vec::new();
    };
    complete
        .iter()
        .zip(densities)
        .filter(|(_, (log_jump, log_diffusion))| p.ln() + log_jump > (1.0 - p).ln() + log_diffusion)
        .map(|(&t, _)| t)
        .collect()
}

/// What the jump steps add to the diffusion's log-likelihood in the classification likelihood:
/// Σ_jumps log(p·f_jump) + Σ_others log(1 − p).
pub fn classification_log_likelihood(
    d: &Diffusion,
    smoothed_stress: &[f64],
    steps: &Steps,
    jumps: &[usize],
    complete: usize,
    jump: &JumpType,
) -> f64 {
    let p = jump.fire_probability;
    let Some(densities) = log_densities(d, smoothed_stress, steps, jumps, jump) else {
        return f64::NEG_INFINITY;
    };
    densities
        .iter()
        .map(|(log_jump, _)| p.ln() + log_jump)
        .sum::<f64>()
        + (complete - jumps.len()) as f64 * (1.0 - p).ln()
}

/// Free parameters of a jump type with K assets: intensity, mean, stdev and K − 1 loadings.
pub fn parameter_count(k: usize) -> usize {
    k + 2
}

/// A fitted jump type in MODEL.md's terms.
#[derive(Debug, Clone, Serialize)]
pub struct JumpType {
    /// λ, per year.
    pub intensity_per_year: Estimate,
    /// Of J, in log-return units of the reference asset.
    pub mean: Estimate,
    pub stdev: Estimate,
    /// β per asset in order; `None` where not distinguishable from 0 (written as absent).
    pub loadings: Vec<Option<Estimate>>,
    /// The asset with loading 1.
    pub reference: usize,
    /// n/N: the chance of a jump in one step.
    #[serde(skip)]
    pub fire_probability: f64,
}

/// Estimates the jump type from `jumps` (step indices) out of `complete_steps` observed steps.
pub fn estimate(
    d: &Diffusion,
    smoothed_stress: &[f64],
    steps: &Steps,
    jumps: &[usize],
    complete_steps: usize,
    step_years: f64,
) -> Option<JumpType> {
    let n = jumps.len();
    if n < MIN_JUMPS {
        return None;
    }
    let k = steps.k;
    let calm_sd: Vec<f64> = (0..k)
        .map(|i| d.covariance[CALM][i * k + i].sqrt())
        .collect();
    let reference = (0..k)
        .max_by(|&a, &b| {
            let size =
                |i: usize| jumps.iter().map(|&t| steps.row(t)[i].abs()).sum::<f64>() / calm_sd[i];
            size(a).total_cmp(&size(b))
        })
        .unwrap_or(0);
    let size: Vec<f64> = jumps.iter().map(|&t| steps.row(t)[reference]).collect();
    let nf = n as f64;
    let mean = size.iter().sum::<f64>() / nf;
    let variance = size.iter().map(|j| (j - mean).powi(2)).sum::<f64>() / (nf - 1.0);
    let diffusion_variance = jumps
        .iter()
        .map(|&t| {
            let g = smoothed_stress[t];
            (1.0 - g) * d.covariance[CALM][reference * k + reference]
                + g * d.covariance[STRESS][reference * k + reference]
        })
        .sum::<f64>()
        / nf;
    let stdev = (variance - diffusion_variance).max(0.0).sqrt();
    let sum_sq: f64 = size.iter().map(|j| j * j).sum();
    let loadings = (0..k)
        .map(|i| {
            if i == reference {
                return Some(Estimate {
                    value: 1.0,
                    se: None,
                    ci95: [1.0, 1.0],
                    sample: n,
                });
            }
            let slope = jumps
                .iter()
                .zip(&size)
                .map(|(&t, j)| steps.row(t)[i] * j)
                .sum::<f64>()
                / sum_sq;
            let residual = jumps
                .iter()
                .zip(&size)
                .map(|(&t, j)| (steps.row(t)[i] - slope * j).powi(2))
                .sum::<f64>()
                / (nf - 1.0);
            let se = (residual / sum_sq).sqrt();
            (slope.abs() > Z95 * se).then(|| Estimate::normal(slope, se, n, f64::MIN, f64::MAX))
        })
        .collect();
    let p = nf / complete_steps as f64;
    let intensity = -(1.0 - p).ln() / step_years;
    let intensity_se = (p * (1.0 - p) / complete_steps as f64).sqrt() / ((1.0 - p) * step_years);
    Some(JumpType {
        intensity_per_year: Estimate::normal(intensity, intensity_se, n, 0.0, f64::MAX),
        mean: Estimate::normal(mean, variance.sqrt() / nf.sqrt(), n, f64::MIN, f64::MAX),
        stdev: Estimate::normal(
            stdev,
            variance.sqrt() / (2.0 * (nf - 1.0)).sqrt(),
            n,
            0.0,
            f64::MAX,
        ),
        loadings,
        reference,
        fire_probability: p,
    })
}

/// The calm and the stress emission of `d`, each regime's covariance passed through `adjust`
/// first; none when either is not positive definite.
fn regime_emissions(
    d: &Diffusion,
    k: usize,
    dof: u32,
    adjust: impl Fn(&[f64]) -> Vec<f64>,
) -> Option<[Emission; 2]> {
    Some([
        Emission::new(&adjust(&d.covariance[CALM]), k, dof)?,
        Emission::new(&adjust(&d.covariance[STRESS]), k, dof)?,
    ])
}
