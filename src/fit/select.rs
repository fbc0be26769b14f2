//! Which diffusion the history supports: one regime or two (by BIC, since the likelihood-ratio
//! test has no standard distribution when the second regime's parameters vanish under the
//! null), and Gaussian or Student-t shocks with ν ∈ 3..=30 (ν by maximum likelihood over the
//! integers MODEL.md allows; t only when the likelihood-ratio test against Gaussian rejects at
//! 5%, with the boundary's ½χ²₀ + ½χ²₁ reference distribution: statistic > 2.71).

use rayon::prelude::*;

use super::switching::{
    CALM, Diffusion, Posterior, STRESS, Steps, expectation_maximisation, initial_guess,
};

/// The degrees of freedom MODEL.md allows.
pub const DOF_RANGE: std::ops::RangeInclusive<u32> = 3..=30;
/// 95% quantile of ½χ²₀ + ½χ²₁ (the LR statistic for ν = ∞ on its boundary).
pub const BOUNDARY_CRITICAL: f64 = 2.705_543;
/// 95% quantile of χ²₁: the profile-likelihood interval for ν.
pub const CHI2_1_95: f64 = 3.841_459;
/// A regime expected to hold fewer observed steps than this is not estimable.
const MIN_REGIME_STEPS_PER_ASSET: f64 = 2.0;

const MAX_EM_ITERATIONS: usize = 500;

/// The chosen diffusion and what the choice rested on.
#[derive(Debug, Clone)]
pub struct Selection {
    pub diffusion: Diffusion,
    pub posterior: Posterior,
    /// Log-likelihood at each ν (for the chosen regime count), for the profile interval.
    pub dof_profile: Vec<(u32, f64)>,
    /// 2·(ℓ_t − ℓ_Gaussian) at the best ν.
    pub tail_lr_statistic: f64,
    /// BIC of the best one- and two-regime models (None when two regimes did not fit).
    pub bic: [Option<f64>; 2],
    /// Every EM optimum behind the choice (the Gaussian and each ν tried), for one regime and
    /// for two: the starts for selecting again on nearly the same steps.
    optima: [Vec<Diffusion>; 2],
}

struct Candidate {
    diffusion: Diffusion,
    posterior: Posterior,
    dof_profile: Vec<(u32, f64)>,
    tail_lr_statistic: f64,
    optima: Vec<Diffusion>,
}

/// Fits one and two regimes, each with its best tail, and keeps the one BIC prefers.
pub fn select(steps: &Steps) -> Option<Selection> {
    select_from(steps, [&[], &[]])
}

/// [`select`] on steps that differ from `previous`'s by a few (jumps taken out), each EM
/// started from `previous`'s optimum for the same regime count and ν: the nearby optima that
/// [`select`] from scratch reaches (up to EM's tolerance), in a few EM iterations instead of
/// dozens.
pub fn select_again(previous: &Selection, steps: &Steps) -> Option<Selection> {
    select_from(steps, [&previous.optima[0], &previous.optima[1]])
}

fn select_from(steps: &Steps, previous: [&[Diffusion]; 2]) -> Option<Selection> {
    let n = steps.observed_count() as f64;
    let (one, two) = rayon::join(
        || fit_with_tails(steps, 1, previous[0]),
        || fit_with_tails(steps, 2, previous[1]),
    );
    let one = one?;
    let optima = [
        one.optima.clone(),
        two.as_ref().map_or_else(Vec::new, |c| c.optima.clone()),
    ];
    let two = two.filter(|c| {
        let stress = c.posterior.stress_steps(steps);
        let floor = MIN_REGIME_STEPS_PER_ASSET * (steps.k + 1) as f64;
        stress >= floor && n - stress >= floor
    });
    let bic = |c: &Candidate| {
        -2.0 * c.posterior.log_likelihood + c.diffusion.parameter_count(steps.k) as f64 * n.ln()
    };
    let bics = [Some(bic(&one)), two.as_ref().map(bic)];
    let chosen = match two {
        Some(two) if bic(&two) < bic(&one) => two,
        _ => one,
    };
    Some(Selection {
        diffusion: chosen.diffusion,
        posterior: chosen.posterior,
        dof_profile: chosen.dof_profile,
        tail_lr_statistic: chosen.tail_lr_statistic,
        bic: bics,
        optima,
    })
}

/// The same model (regime count and ν) refitted by EM from `previous` to other steps (a
/// different set of jumps left out): cheaper than [`select`] while the jump set settles.
pub fn refit(previous: &Selection, steps: &Steps) -> Option<Selection> {
    let (diffusion, _) =
        expectation_maximisation(previous.diffusion.clone(), steps, MAX_EM_ITERATIONS)?;
    let diffusion = stress_as_the_wilder(diffusion, steps.k);
    let posterior = super::switching::posterior(&diffusion, steps)?;
    Some(Selection {
        diffusion,
        posterior,
        ..previous.clone()
    })
}

/// Gaussian EM, then EM at every ν needed for the profile, then the LR test; each EM started
/// from the optimum in `previous` with the same ν where there is one.
fn fit_with_tails(steps: &Steps, regimes: usize, previous: &[Diffusion]) -> Option<Candidate> {
    let start = previous
        .iter()
        .find(|d| d.dof == 0)
        .cloned()
        .unwrap_or_else(|| initial_guess(steps, regimes));
    let (gaussian, gaussian_post) = expectation_maximisation(start, steps, MAX_EM_ITERATIONS)?;
    let gaussian = stress_as_the_wilder(gaussian, steps.k);
    let warm: Vec<&Diffusion> = previous.iter().filter(|d| d.dof != 0).collect();
    let profile = dof_profile(&gaussian, steps, &warm);
    let optima = std::iter::once(gaussian.clone())
        .chain(profile.iter().map(|(_, d, _)| d.clone()))
        .collect();
    let mut dof_profile: Vec<(u32, f64)> = profile
        .iter()
        .map(|(dof, _, p)| (*dof, p.log_likelihood))
        .collect();
    dof_profile.sort_by_key(|(dof, _)| *dof);
    let best = profile
        .into_iter()
        .max_by(|a, b| a.2.log_likelihood.total_cmp(&b.2.log_likelihood));
    let tail_lr_statistic = best.as_ref().map_or(0.0, |(_, _, p)| {
        2.0 * (p.log_likelihood - gaussian_post.log_likelihood)
    });
    let diffusion = match best {
        Some((_, d, _)) if tail_lr_statistic > BOUNDARY_CRITICAL => d,
        _ => gaussian,
    };
    let diffusion = stress_as_the_wilder(diffusion, steps.k);
    let posterior = super::switching::posterior(&diffusion, steps)?;
    Some(Candidate {
        diffusion,
        posterior,
        dof_profile,
        tail_lr_statistic,
        optima,
    })
}

/// A coarse grid of ν (the profile log-likelihood in ν is smooth and single-peaked in
/// practice), then every integer around the best and out to where the profile interval ends.
const COARSE_DOF: [u32; 7] = [3, 4, 6, 9, 14, 20, 30];

/// EM at each ν needed to find the best and its profile interval: the coarse grid by
/// [`coarse_profile`] (or, given `warm` optima, EM at their ν from each), the integers around
/// the best from the Gaussian fit.
fn dof_profile(
    gaussian: &Diffusion,
    steps: &Steps,
    warm: &[&Diffusion],
) -> Vec<(u32, Diffusion, Posterior)> {
    let fit_at = |dofs: Vec<u32>| -> Vec<(u32, Diffusion, Posterior)> {
        dofs.into_par_iter()
            .filter_map(|dof| {
                let start = Diffusion {
                    dof,
                    ..gaussian.clone()
                };
                expectation_maximisation(start, steps, MAX_EM_ITERATIONS).map(|(d, p)| (dof, d, p))
            })
            .collect()
    };
    let mut profile = if warm.is_empty() {
        coarse_profile(gaussian, steps)
    } else {
        warm.par_iter()
            .filter_map(|&start| {
                expectation_maximisation(start.clone(), steps, MAX_EM_ITERATIONS)
                    .map(|(d, p)| (start.dof, d, p))
            })
            .collect()
    };
    loop {
        let Some(best) = profile
            .iter()
            .max_by(|a, b| a.2.log_likelihood.total_cmp(&b.2.log_likelihood))
            .map(|(dof, _, p)| (*dof, p.log_likelihood))
        else {
            return profile;
        };
        let known = |dof: u32| profile.iter().any(|(d, _, _)| *d == dof);
        let inside = |dof: u32| {
            profile
                .iter()
                .find(|(d, _, _)| *d == dof)
                .is_some_and(|(_, _, p)| 2.0 * (best.1 - p.log_likelihood) <= CHI2_1_95)
        };
        // The next integer out on each side of the best, past those inside the interval.
        let mut wanted = Vec::new();
        let mut below = best.0;
        while below > *DOF_RANGE.start() && inside(below) {
            below -= 1;
        }
        let mut above = best.0;
        while above < *DOF_RANGE.end() && inside(above) {
            above += 1;
        }
        for dof in [below, above] {
            if !known(dof) {
                wanted.push(dof);
            }
        }
        if wanted.is_empty() {
            return profile;
        }
        profile.extend(fit_at(wanted));
    }
}

/// EM along the coarse grid in two chains run side by side (ν = 30 down to 9, and 6 down to 3),
/// each ν started from the fit at the one before it in its chain: nearby ν have nearby optima,
/// so EM needs fewer iterations than from the Gaussian fit.
fn coarse_profile(gaussian: &Diffusion, steps: &Steps) -> Vec<(u32, Diffusion, Posterior)> {
    let (low, high) = COARSE_DOF.split_at(3);
    let chains: [Vec<u32>; 2] = [
        high.iter().rev().copied().collect(),
        low.iter().rev().copied().collect(),
    ];
    chains
        .into_par_iter()
        .flat_map_iter(|chain| {
            let mut fitted: Vec<(u32, Diffusion, Posterior)> = Vec::new();
            for dof in chain {
                let from = fitted.last().map_or(gaussian, |(_, d, _)| d);
                let start = Diffusion {
                    dof,
                    ..from.clone()
                };
                if let Some((d, p)) = expectation_maximisation(start, steps, MAX_EM_ITERATIONS) {
                    fitted.push((dof, d, p));
                }
            }
            fitted
        })
        .collect()
}

/// Names the regime with the larger total variance "stress".
fn stress_as_the_wilder(mut d: Diffusion, k: usize) -> Diffusion {
    let trace = |c: &[f64]| (0..k).map(|i| c[i * k + i]).sum::<f64>();
    if d.regimes == 2 && trace(&d.covariance[STRESS]) < trace(&d.covariance[CALM]) {
        d.covariance.swap(CALM, STRESS);
        d.switch.swap(0, 1);
    }
    d
}
