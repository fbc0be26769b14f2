//! Jumps: steps the fitted diffusion cannot explain, and the one jump type they make.
//!
//! Detection is a threshold on the likelihood: a step is a jump when the chance of a step at
//! least as far out (its Mahalanobis distance under the fitted shock distribution, Gaussian χ²_K
//! or the t's K·F(K, ν), mixed over the smoothed regime probabilities) is below
//! [`FALSE_JUMPS_PER_HISTORY`] / (steps), so that a history with no jumps shows a spurious one
//! with at most that probability. Detected steps leave the diffusion fit and detection is
//! repeated (see `fit::fit`). Estimation: the asset the jumps move most (in calm standard
//! deviations) is the reference (loading 1); its return on a jump step is the jump size J;
//! the other loadings are least-squares slopes on J, kept when they differ from 0 at 5%;
//! `mean` and `stdev` are J's sample moments (the diffusion's share of the variance removed),
//! and the intensity is −ln(1 − n/N)/Δ.

use serde::Serialize;

use super::density::Emission;
use super::switching::{CALM, Diffusion, STRESS, Steps};
use super::uncertainty::{Estimate, Z95};

/// Expected spurious jumps in a history with none.
pub const FALSE_JUMPS_PER_HISTORY: f64 = 0.05;
/// Fewest jumps from which a jump type is estimated.
pub const MIN_JUMPS: usize = 3;

/// The steps (among `complete`, indices into `steps`) that the diffusion cannot explain.
pub fn detect(
    d: &Diffusion,
    smoothed_stress: &[f64],
    steps: &Steps,
    complete: &[usize],
) -> Vec<usize> {
    let k = steps.k;
    let (Some(calm), Some(stress)) = (
        Emission::new(&d.covariance[CALM], k, d.dof),
        Emission::new(&d.covariance[STRESS], k, d.dof),
    ) else {
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
            let p_stress = if gamma > 0.0 {
                stress.tail_probability(stress.distance(row, &mut scratch))
            } else {
                0.0
            };
            (1.0 - gamma) * p_calm + gamma * p_stress < threshold
        })
        .collect()
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
    })
}
