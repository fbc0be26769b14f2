//! How much to trust each number: an [`Estimate`] carries its standard error, a 95% interval
//! and the sample behind it. For the diffusion the standard errors come from the observed
//! information, the curvature of the Markov-switching log-likelihood by finite differences:
//! for the switching probabilities, vols and stress multipliers the full Hessian of that block
//! is inverted (they trade off: a step counted as stress moves all of them, and correlated
//! assets' scales pin each other); for the correlations, each one's own curvature, the other
//! parameters held at their estimates (conditional information: somewhat narrow where
//! parameters trade off; see docs/fit.md).

use rayon::prelude::*;
use serde::Serialize;

use super::switching::{CALM, Densities, Diffusion, STRESS, Steps};
use crate::model::Matrix;
use crate::scenario::linalg::cholesky;

/// z for a two-sided 95% interval.
pub const Z95: f64 = 1.959_964;

/// One estimate with its uncertainty.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub value: f64,
    /// Standard error, when there is one.
    pub se: Option<f64>,
    /// 95% interval.
    pub ci95: [f64; 2],
    /// Observations behind it (steps, stress steps or jumps).
    pub sample: usize,
}

impl Estimate {
    /// value ± 1.96·se, clipped to [lower, upper].
    pub fn normal(value: f64, se: f64, sample: usize, lower: f64, upper: f64) -> Self {
        let se = se.is_finite().then_some(se);
        let half = se.map_or(f64::INFINITY, |s| Z95 * s);
        Estimate {
            value,
            se,
            ci95: [(value - half).max(lower), (value + half).min(upper)],
            sample,
        }
    }
}

/// Relative step of the central differences.
const STEP: f64 = 1e-2;

/// A parameter of the diffusion in the scenario's own terms.
#[derive(Debug, Clone, Copy)]
enum Param {
    /// calm→stress (0) or stress→calm (1).
    Switch(usize),
    /// `vol` of asset k: scales row and column k of both regimes' covariance.
    Vol(usize),
    /// `stress_vol_multiplier` of asset k: scales row and column k of the stress covariance.
    Multiplier(usize),
    /// Correlation (i, j) in one regime.
    Correlation(usize, usize, usize),
}

/// The diffusion with each `param` moved by its `h` (see [`nudged`]).
fn nudged_all(d: &Diffusion, k: usize, moves: &[(Param, f64)]) -> Diffusion {
    moves
        .iter()
        .fold(d.clone(), |out, &(param, h)| nudged(&out, k, param, h))
}

/// The inverse of the observed information of the `block` parameters (relative units), by
/// forward differences of the log-likelihood: H_ij ≈ (ℓ(+i+j) − ℓ(+i) − ℓ(+j) + ℓ)/(h²),
/// H_ii by central differences. Returns each parameter's standard error, or `None` when the
/// information is not positive definite there.
fn block_errors(
    d: &Diffusion,
    steps: &Steps,
    (base, centre): (&Densities, f64),
    block: &[Param],
) -> Option<Vec<f64>> {
    let k = steps.k;
    let p = block.len();
    let h = STEP;
    let single: Vec<Option<(f64, f64)>> = block
        .par_iter()
        .map(|&param| {
            let up = base.log_likelihood(&nudged(d, k, param, h), steps)?;
            let down = base.log_likelihood(&nudged(d, k, param, -h), steps)?;
            Some((up, down))
        })
        .collect();
    let single: Vec<(f64, f64)> = single.into_iter().collect::<Option<_>>()?;
    let pairs: Vec<(usize, usize)> = (0..p).flat_map(|i| (0..i).map(move |j| (i, j))).collect();
    let joint: Vec<Option<f64>> = pairs
        .par_iter()
        .map(|&(i, j)| {
            base.log_likelihood(&nudged_all(d, k, &[(block[i], h), (block[j], h)]), steps)
        })
        .collect();
    let mut information = vec![0.0; p * p];
    for (i, (up, down)) in single.iter().enumerate() {
        information[i * p + i] = -(up - 2.0 * centre + down) / (h * h);
    }
    for (&(i, j), both) in pairs.iter().zip(joint) {
        let value = -(both? - single[i].0 - single[j].0 + centre) / (h * h);
        information[i * p + j] = value;
        information[j * p + i] = value;
    }
    let factor = cholesky(&Matrix {
        n: p,
        data: information,
    })?
    .data;
    // diag(I⁻¹) with I = L·Lᵀ: (I⁻¹)_ii = Σ_r ((L⁻¹)_ri)², L⁻¹ by forward substitution.
    let mut inverse_factor = vec![0.0; p * p];
    for column in 0..p {
        for row in column..p {
            let dot: f64 = (column..row)
                .map(|m| factor[row * p + m] * inverse_factor[m * p + column])
                .sum();
            let target = if row == column { 1.0 } else { 0.0 };
            inverse_factor[row * p + column] = (target - dot) / factor[row * p + row];
        }
    }
    Some(
        (0..p)
            .map(|i| {
                (0..p)
                    .map(|r| inverse_factor[r * p + i].powi(2))
                    .sum::<f64>()
                    .sqrt()
            })
            .collect(),
    )
}

/// The diffusion with `param` moved by `h` (relative to its value for scale parameters,
/// absolute for a correlation, relative for a probability).
fn nudged(d: &Diffusion, k: usize, param: Param, h: f64) -> Diffusion {
    let mut out = d.clone();
    let scale_row = |c: &mut Vec<f64>, i: usize, factor: f64| {
        for j in 0..k {
            c[i * k + j] *= factor;
            c[j * k + i] *= factor;
        }
    };
    match param {
        Param::Switch(from) => out.switch[from] *= 1.0 + h,
        Param::Vol(i) => {
            scale_row(&mut out.covariance[CALM], i, 1.0 + h);
            scale_row(&mut out.covariance[STRESS], i, 1.0 + h);
        }
        Param::Multiplier(i) => scale_row(&mut out.covariance[STRESS], i, 1.0 + h),
        Param::Correlation(s, i, j) => {
            let c = &mut out.covariance[s];
            let shift = h * (c[i * k + i] * c[j * k + j]).sqrt();
            c[i * k + j] += shift;
            c[j * k + i] += shift;
        }
    }
    if d.regimes == 1 {
        out.covariance[STRESS] = out.covariance[CALM].clone();
    }
    out
}

/// Standard error of the parameter in the units it is nudged in (relative for scales and
/// probabilities, absolute for correlations); NaN when the curvature is not negative.
fn standard_error(
    d: &Diffusion,
    steps: &Steps,
    (base, centre): (&Densities, f64),
    param: Param,
) -> f64 {
    let mut h = STEP;
    for _ in 0..4 {
        let up = base.log_likelihood(&nudged(d, steps.k, param, h), steps);
        let down = base.log_likelihood(&nudged(d, steps.k, param, -h), steps);
        if let (Some(up), Some(down)) = (up, down) {
            let curvature = -(up - 2.0 * centre + down) / (h * h);
            return if curvature > 0.0 {
                1.0 / curvature.sqrt()
            } else {
                f64::NAN
            };
        }
        h /= 4.0;
    }
    f64::NAN
}

/// Standard errors of every diffusion parameter.
#[derive(Debug, Clone)]
pub struct DiffusionErrors {
    /// Of calm→stress and stress→calm (absolute).
    pub switch: [f64; 2],
    /// Of each `vol` (annualised units, as a fraction of the value).
    pub vol_relative: Vec<f64>,
    /// Of each `stress_vol_multiplier`, as a fraction of the value.
    pub multiplier_relative: Vec<f64>,
    /// Of each correlation, K×K per regime (0 on the diagonal).
    pub correlation: [Vec<f64>; 2],
}

pub fn diffusion_errors(d: &Diffusion, steps: &Steps) -> DiffusionErrors {
    let k = steps.k;
    let mut block = Vec::new();
    if d.regimes == 2 {
        block.extend([Param::Switch(0), Param::Switch(1)]);
    }
    block.extend((0..k).map(Param::Vol));
    if d.regimes == 2 {
        block.extend((0..k).map(Param::Multiplier));
    }
    let mut params = Vec::new();
    for s in 0..d.regimes {
        for i in 0..k {
            for j in 0..i {
                params.push(Param::Correlation(s, i, j));
            }
        }
    }
    let mut out = DiffusionErrors {
        switch: [f64::NAN; 2],
        vol_relative: vec![f64::NAN; k],
        multiplier_relative: vec![f64::NAN; k],
        correlation: [vec![0.0; k * k], vec![0.0; k * k]],
    };
    // A fitted diffusion's covariances are positive definite; were they not, no curvature.
    let Some(base) = Densities::new(d, steps) else {
        return out;
    };
    let centre = base.log_likelihood(d, steps).unwrap_or(f64::NAN);
    let base = (&base, centre);
    // The block jointly; should its information not be positive definite, each on its own.
    match block_errors(d, steps, base, &block) {
        Some(errors) => record(&mut out, d, k, block.into_iter().zip(errors)),
        None => params.extend(block),
    }
    finish(out, d, steps, base, params)
}

/// Adds the conditional standard errors of `params` and returns the whole set.
fn finish(
    mut out: DiffusionErrors,
    d: &Diffusion,
    steps: &Steps,
    base: (&Densities, f64),
    params: Vec<Param>,
) -> DiffusionErrors {
    let k = steps.k;
    let errors: Vec<f64> = params
        .par_iter()
        .map(|&p| standard_error(d, steps, base, p))
        .collect();
    record(&mut out, d, k, params.into_iter().zip(errors));
    if d.regimes == 1 {
        out.correlation[STRESS] = out.correlation[CALM].clone();
    }
    out
}

/// Stores standard errors (in the units [`nudged`] moves) in `out`.
fn record(
    out: &mut DiffusionErrors,
    d: &Diffusion,
    k: usize,
    errors: impl Iterator<Item = (Param, f64)>,
) {
    for (param, se) in errors {
        match param {
            Param::Switch(from) => out.switch[from] = se * d.switch[from],
            Param::Vol(i) => out.vol_relative[i] = se,
            Param::Multiplier(i) => out.multiplier_relative[i] = se,
            Param::Correlation(s, i, j) => {
                out.correlation[s][i * k + j] = se;
                out.correlation[s][j * k + i] = se;
            }
        }
    }
}
