//! The two-regime Markov-switching model of MODEL.md §2 (diffusion part) and its maximum
//! likelihood fit by EM: the Hamilton filter gives the likelihood and P(regime | past), Kim's
//! smoother P(regime | whole history), and the M-step re-estimates the switching
//! probabilities and each regime's covariance in closed form (weighted by the Student-t EM
//! weights when ν is set). Steps marked unobserved (a missing price, a jump) carry no density:
//! the regime chain runs through them.

use super::density::Emission;

/// Regime indices, as in the engine.
pub const CALM: usize = 0;
pub const STRESS: usize = 1;

/// Log-returns per step and which steps the diffusion fit reads.
#[derive(Debug, Clone)]
pub struct Steps {
    pub k: usize,
    /// Steps × assets, row-major.
    pub returns: Vec<f64>,
    /// False for a step with a missing return or a jump.
    pub observed: Vec<bool>,
}

impl Steps {
    pub fn len(&self) -> usize {
        self.observed.len()
    }

    pub fn is_empty(&self) -> bool {
        self.observed.is_empty()
    }

    pub fn row(&self, t: usize) -> &[f64] {
        &self.returns[t * self.k..(t + 1) * self.k]
    }

    pub fn observed_count(&self) -> usize {
        self.observed.iter().filter(|o| **o).count()
    }
}

/// The diffusion part of the market, per step.
#[derive(Debug, Clone, PartialEq)]
pub struct Diffusion {
    /// 1 (always calm) or 2.
    pub regimes: usize,
    /// [calm→stress, stress→calm] per step.
    pub switch: [f64; 2],
    /// Per-regime covariance C_s of a step's log-returns, K×K row-major (with one regime, the
    /// stress entry repeats the calm one).
    pub covariance: [Vec<f64>; 2],
    /// ν, or 0 for Gaussian.
    pub dof: u32,
}

impl Diffusion {
    /// Long-run share of steps in stress.
    pub fn stationary_stress(&self) -> f64 {
        let total = self.switch[0] + self.switch[1];
        if self.regimes == 1 || total <= 0.0 {
            0.0
        } else {
            self.switch[0] / total
        }
    }

    /// Free parameters (for the information criterion).
    pub fn parameter_count(&self, k: usize) -> usize {
        let per_regime = k * (k + 1) / 2;
        let tails = usize::from(self.dof != 0);
        if self.regimes == 1 {
            per_regime + tails
        } else {
            2 * per_regime + 2 + tails
        }
    }

    fn emissions(&self, k: usize) -> Option<[Emission; 2]> {
        Some([
            Emission::new(&self.covariance[CALM], k, self.dof)?,
            Emission::new(&self.covariance[STRESS], k, self.dof)?,
        ])
    }
}

/// What the filter and smoother say about every step.
#[derive(Debug, Clone)]
pub struct Posterior {
    pub log_likelihood: f64,
    /// P(stress at step t | whole history).
    pub smoothed_stress: Vec<f64>,
    /// P(stress at step t | history up to t).
    pub filtered_stress: Vec<f64>,
    /// δ_ts: each step's distance under each regime.
    pub distance: Vec<[f64; 2]>,
    /// Expected switches i → j over the history.
    transitions: [[f64; 2]; 2],
}

impl Posterior {
    /// Expected observed steps in stress.
    pub fn stress_steps(&self, steps: &Steps) -> f64 {
        self.smoothed_stress
            .iter()
            .zip(&steps.observed)
            .filter(|(_, o)| **o)
            .map(|(p, _)| p)
            .sum()
    }
}

struct Filtered {
    log_likelihood: f64,
    filtered: Vec<[f64; 2]>,
    predicted: Vec<[f64; 2]>,
    distance: Vec<[f64; 2]>,
}

fn one_step_ahead(d: &Diffusion, filtered: [f64; 2]) -> [f64; 2] {
    let [up, down] = d.switch;
    [
        filtered[CALM] * (1.0 - up) + filtered[STRESS] * down,
        filtered[CALM] * up + filtered[STRESS] * (1.0 - down),
    ]
}

/// The Hamilton filter; with `keep`, every step's probabilities and distances are kept for the
/// smoother and the M-step. With `cached` (only without `keep`), a regime whose covariance and
/// ν are those of the cached diffusion takes its log-densities from the cache.
fn run_filter(
    d: &Diffusion,
    steps: &Steps,
    keep: bool,
    cached: Option<&Densities>,
) -> Option<Filtered> {
    let k = steps.k;
    let emissions = d.emissions(k)?;
    let regimes = d.regimes;
    let reuse: [Option<&[[f64; 2]]>; 2] = std::array::from_fn(|s| {
        cached
            .filter(|c| {
                !keep && c.diffusion.dof == d.dof && c.diffusion.covariance[s] == d.covariance[s]
            })
            .map(|c| c.log_f.as_slice())
    });
    let stationary = d.stationary_stress();
    let mut predicted_now = [1.0 - stationary, stationary];
    let mut scratch = vec![0.0; k];
    let mut scale = LogProduct(1.0);
    let capacity = if keep { steps.len() } else { 0 };
    let mut out = Filtered {
        log_likelihood: 0.0,
        filtered: Vec::with_capacity(capacity),
        predicted: Vec::with_capacity(capacity),
        distance: Vec::with_capacity(capacity),
    };
    for t in 0..steps.len() {
        let mut filtered = predicted_now;
        let mut distance = [0.0; 2];
        if steps.observed[t] {
            let row = steps.row(t);
            let mut log_f = [f64::NEG_INFINITY; 2];
            for s in 0..regimes {
                log_f[s] = match reuse[s] {
                    Some(log_f) => log_f[t][s],
                    None => {
                        distance[s] = emissions[s].distance(row, &mut scratch);
                        emissions[s].log_density(distance[s])
                    }
                };
            }
            let (high, low) = if log_f[CALM] >= log_f[STRESS] {
                (CALM, STRESS)
            } else {
                (STRESS, CALM)
            };
            let mut a = [0.0; 2];
            a[high] = predicted_now[high];
            if regimes == 2 {
                a[low] = predicted_now[low] * (log_f[low] - log_f[high]).exp();
            }
            let total = a[0] + a[1];
            if total.is_nan() || total <= 0.0 {
                return None;
            }
            out.log_likelihood += log_f[high];
            scale.push(total, &mut out.log_likelihood);
            filtered = [a[0] / total, a[1] / total];
        }
        if keep {
            out.filtered.push(filtered);
            out.predicted.push(predicted_now);
            out.distance.push(distance);
        }
        predicted_now = one_step_ahead(d, filtered);
    }
    scale.flush(&mut out.log_likelihood);
    out.log_likelihood.is_finite().then_some(out)
}

/// Σ ln(totalₜ) with one logarithm per run of steps instead of one per step: the totals (each
/// in (0, 1]) are multiplied until the product nears the bottom of f64's range.
struct LogProduct(f64);

impl LogProduct {
    /// Below this the product is taken into the sum (far above f64's smallest normal).
    const FLOOR: f64 = 1e-100;

    fn push(&mut self, total: f64, sum: &mut f64) {
        if total < Self::FLOOR {
            *sum += total.ln();
            return;
        }
        self.0 *= total;
        if self.0 < Self::FLOOR {
            self.flush(sum);
        }
    }

    fn flush(&mut self, sum: &mut f64) {
        *sum += self.0.ln();
        self.0 = 1.0;
    }
}

/// The log-likelihood of the observed steps, or `None` where a covariance is not positive
/// definite.
pub fn log_likelihood(d: &Diffusion, steps: &Steps) -> Option<f64> {
    run_filter(d, steps, false, None).map(|f| f.log_likelihood)
}

/// Every observed step's log-density in each regime of one diffusion, kept so that the
/// likelihood of a diffusion near it (one parameter nudged, for the observed information)
/// recomputes only the regimes whose covariance differs.
pub struct Densities {
    diffusion: Diffusion,
    log_f: Vec<[f64; 2]>,
}

impl Densities {
    /// `None` where a covariance of `d` is not positive definite.
    pub fn new(d: &Diffusion, steps: &Steps) -> Option<Self> {
        let emissions = d.emissions(steps.k)?;
        let mut scratch = vec![0.0; steps.k];
        let log_f = (0..steps.len())
            .map(|t| {
                std::array::from_fn(|s| {
                    if steps.observed[t] && s < d.regimes {
                        emissions[s].log_density(emissions[s].distance(steps.row(t), &mut scratch))
                    } else {
                        f64::NEG_INFINITY
                    }
                })
            })
            .collect();
        Some(Densities {
            diffusion: d.clone(),
            log_f,
        })
    }

    /// [`log_likelihood`] of `d`, reusing the densities of every regime `d` shares with the
    /// cached diffusion.
    pub fn log_likelihood(&self, d: &Diffusion, steps: &Steps) -> Option<f64> {
        run_filter(d, steps, false, Some(self)).map(|f| f.log_likelihood)
    }
}

/// Filter, then Kim's smoother.
pub fn posterior(d: &Diffusion, steps: &Steps) -> Option<Posterior> {
    let f = run_filter(d, steps, true, None)?;
    let n = steps.len();
    let mut smoothed = vec![[1.0, 0.0]; n];
    let mut transitions = [[0.0; 2]; 2];
    if n > 0 {
        smoothed[n - 1] = f.filtered[n - 1];
    }
    let p = [
        [1.0 - d.switch[0], d.switch[0]],
        [d.switch[1], 1.0 - d.switch[1]],
    ];
    for t in (0..n.saturating_sub(1)).rev() {
        let ratio: [f64; 2] = std::array::from_fn(|j| {
            let predicted = f.predicted[t + 1][j];
            if predicted > 0.0 {
                smoothed[t + 1][j] / predicted
            } else {
                0.0
            }
        });
        let mut here = [0.0; 2];
        for i in 0..2 {
            for j in 0..2 {
                let joint = f.filtered[t][i] * p[i][j] * ratio[j];
                here[i] += joint;
                transitions[i][j] += joint;
            }
        }
        smoothed[t] = here;
    }
    Some(Posterior {
        log_likelihood: f.log_likelihood,
        smoothed_stress: smoothed.iter().map(|s| s[STRESS]).collect(),
        filtered_stress: f.filtered.iter().map(|s| s[STRESS]).collect(),
        distance: f.distance,
        transitions,
    })
}

/// One M-step: switching probabilities from the expected switches, each regime's covariance
/// from its posterior-weighted (and, with ν, t-weighted) outer products about −½·diag(C).
fn maximise(d: &Diffusion, steps: &Steps, post: &Posterior) -> Diffusion {
    let k = steps.k;
    let mut next = d.clone();
    if d.regimes == 2 {
        for (from, switch) in next.switch.iter_mut().enumerate() {
            let leaving = post.transitions[from][1 - from];
            let total = leaving + post.transitions[from][from];
            if total > 0.0 {
                *switch = leaving / total;
            }
        }
    }
    let scale = if d.dof == 0 {
        1.0
    } else {
        f64::from(d.dof) / (f64::from(d.dof) - 2.0)
    };
    let emissions = d.emissions(k);
    for s in 0..d.regimes {
        let mean: Vec<f64> = (0..k).map(|i| -0.5 * d.covariance[s][i * k + i]).collect();
        let mut sum = vec![0.0; k * k];
        let mut total_weight = 0.0;
        let mut centred = vec![0.0; k];
        for t in 0..steps.len() {
            if !steps.observed[t] {
                continue;
            }
            let gamma = if s == STRESS {
                post.smoothed_stress[t]
            } else {
                1.0 - post.smoothed_stress[t]
            };
            if gamma <= 0.0 {
                continue;
            }
            total_weight += gamma;
            let u = emissions
                .as_ref()
                .map_or(1.0, |e| e[s].weight(post.distance[t][s]));
            let w = gamma * u;
            for (c, (r, m)) in centred.iter_mut().zip(steps.row(t).iter().zip(&mean)) {
                *c = r - m;
            }
            for (i, &ci) in centred.iter().enumerate() {
                let wi = w * ci;
                for (cell, &cj) in sum[i * k..=i * k + i].iter_mut().zip(&centred) {
                    *cell += wi * cj;
                }
            }
        }
        if total_weight > 0.0 {
            for i in 0..k {
                for j in 0..=i {
                    let c = sum[i * k + j] / total_weight * scale;
                    next.covariance[s][i * k + j] = c;
                    next.covariance[s][j * k + i] = c;
                }
            }
        }
    }
    if d.regimes == 1 {
        next.covariance[STRESS] = next.covariance[CALM].clone();
    }
    next
}

/// Stop when an EM iteration gains less log-likelihood than this.
const TOLERANCE: f64 = 1e-9;

/// EM from `start` until the log-likelihood stops rising (or `max_iterations` M-steps); `None`
/// when a regime collapses (its covariance stops being positive definite). Accelerated by
/// SQUAREM (Varadhan and Roland 2008): each round takes two EM steps and tries the
/// extrapolation [`squared_step`] through them, kept only where its likelihood is at least
/// that of the second EM step, so the likelihood never falls and the fixed point is EM's.
pub fn expectation_maximisation(
    start: Diffusion,
    steps: &Steps,
    max_iterations: usize,
) -> Option<(Diffusion, Posterior)> {
    let mut d = start;
    let mut post = posterior(&d, steps)?;
    let mut iterations = 0;
    while iterations < max_iterations {
        let one = maximise(&d, steps, &post);
        let Some(one_post) = posterior(&one, steps) else {
            break;
        };
        let two = maximise(&one, steps, &one_post);
        iterations += 2;
        let Some(two_post) = posterior(&two, steps) else {
            d = one;
            post = one_post;
            break;
        };
        let squared = squared_step(&d, &one, &two)
            .and_then(|x| posterior(&x, steps).map(|p| (x, p)))
            .filter(|(_, p)| p.log_likelihood >= two_post.log_likelihood);
        let (next, next_post) = squared.unwrap_or((two, two_post));
        let gain = next_post.log_likelihood - post.log_likelihood;
        d = next;
        post = next_post;
        if gain.abs() < TOLERANCE * post.log_likelihood.abs().max(1.0) {
            break;
        }
    }
    Some((d, post))
}

/// SQUAREM's step (scheme S3) from three successive EM points θ₀, θ₁, θ₂ (the switching
/// probabilities and both covariances): θ₀ − 2αr + α²v with r = θ₁ − θ₀, v = θ₂ − 2θ₁ + θ₀
/// and α = −|r|/|v|; `None` where α ≥ −1 (the step would be θ₂ itself), α is not finite (no
/// curvature: v = 0) or a switching probability leaves [0, 1].
fn squared_step(d0: &Diffusion, d1: &Diffusion, d2: &Diffusion) -> Option<Diffusion> {
    let flat = |d: &Diffusion| -> Vec<f64> {
        d.switch
            .iter()
            .chain(d.covariance.iter().flatten())
            .copied()
            .collect()
    };
    let (a, b, c) = (flat(d0), flat(d1), flat(d2));
    let r = |i: usize| b[i] - a[i];
    let v = |i: usize| c[i] - 2.0 * b[i] + a[i];
    let r_norm: f64 = (0..a.len()).map(|i| r(i).powi(2)).sum();
    let v_norm: f64 = (0..a.len()).map(|i| v(i).powi(2)).sum();
    let alpha = -(r_norm / v_norm).sqrt();
    if !alpha.is_finite() || alpha >= -1.0 {
        return None;
    }
    let point: Vec<f64> = (0..a.len())
        .map(|i| a[i] - 2.0 * alpha * r(i) + alpha * alpha * v(i))
        .collect();
    let mut out = d2.clone();
    out.switch.copy_from_slice(&point[..2]);
    let k2 = d2.covariance[CALM].len();
    out.covariance[CALM].copy_from_slice(&point[2..2 + k2]);
    out.covariance[STRESS].copy_from_slice(&point[2 + k2..]);
    out.switch
        .iter()
        .all(|p| (0.0..=1.0).contains(p))
        .then_some(out)
}

/// A start for EM: one regime from the sample covariance; two regimes by splitting the steps
/// at the 80th percentile of a 24-step moving average of their squared standardised returns
/// (volatility clusters in time, so the calm and stress starts differ).
pub fn initial_guess(steps: &Steps, regimes: usize) -> Diffusion {
    let k = steps.k;
    let all: Vec<usize> = (0..steps.len()).filter(|&t| steps.observed[t]).collect();
    let covariance = sample_covariance(steps, &all);
    let mut d = Diffusion {
        regimes: 1,
        switch: [0.0, 0.0],
        covariance: [covariance.clone(), covariance.clone()],
        dof: 0,
    };
    if regimes == 1 || all.len() < 10 {
        return d;
    }
    let score: Vec<f64> = all
        .iter()
        .map(|&t| {
            let row = steps.row(t);
            (0..k)
                .map(|i| row[i] * row[i] / covariance[i * k + i])
                .sum::<f64>()
        })
        .collect();
    const WINDOW: usize = 24;
    let smoothed: Vec<f64> = (0..score.len())
        .map(|i| {
            let lo = i.saturating_sub(WINDOW / 2);
            let hi = (i + WINDOW / 2).min(score.len());
            score[lo..hi].iter().sum::<f64>() / (hi - lo) as f64
        })
        .collect();
    let mut sorted = smoothed.clone();
    sorted.sort_by(f64::total_cmp);
    let cut = sorted[sorted.len() * 4 / 5];
    let mut calm = Vec::new();
    let mut stress = Vec::new();
    for (&t, &level) in all.iter().zip(&smoothed) {
        if level > cut {
            stress.push(t);
        } else {
            calm.push(t);
        }
    }
    d.regimes = 2;
    d.switch = [0.01, 0.04];
    d.covariance = [
        sample_covariance(steps, &calm),
        sample_covariance(steps, &stress),
    ];
    d
}

/// Covariance (about zero, as the model's drift is zero) of the listed steps.
fn sample_covariance(steps: &Steps, list: &[usize]) -> Vec<f64> {
    let k = steps.k;
    let mut sum = vec![0.0; k * k];
    for &t in list {
        let row = steps.row(t);
        for i in 0..k {
            for j in 0..k {
                sum[i * k + j] += row[i] * row[j];
            }
        }
    }
    let n = list.len().max(1) as f64;
    sum.iter().map(|s| s / n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Hamilton filter's likelihood equals the sum over all 2^T regime paths of
    /// P(path)·Π f(r_t | s_t), the chain starting from its stationary distribution, with an
    /// unobserved step contributing no density.
    #[test]
    fn the_filter_likelihood_is_the_sum_over_every_regime_path() {
        let returns = [0.01, -0.03, 0.002, 0.05, -0.01, 0.0];
        let observed = vec![true, true, false, true, true, true];
        let steps = Steps {
            k: 1,
            returns: returns.to_vec(),
            observed: observed.clone(),
        };
        for dof in [0, 5] {
            let d = Diffusion {
                regimes: 2,
                switch: [0.1, 0.3],
                covariance: [vec![0.0004], vec![0.0025]],
                dof,
            };
            let emissions = d.emissions(1).expect("positive variances");
            let p = [[0.9, 0.1], [0.3, 0.7]];
            let stationary = [0.75, 0.25];
            let n = returns.len();
            let mut total = 0.0;
            for path in 0..(1usize << n) {
                let regime = |t: usize| (path >> t) & 1;
                let mut probability = stationary[regime(0)];
                for t in 1..n {
                    probability *= p[regime(t - 1)][regime(t)];
                }
                for t in (0..n).filter(|&t| observed[t]) {
                    let e = &emissions[regime(t)];
                    probability *= e.log_density(e.distance(&returns[t..=t], &mut [0.0])).exp();
                }
                total += probability;
            }
            let filtered = log_likelihood(&d, &steps).expect("a likelihood");
            assert!(
                (filtered - total.ln()).abs() < 1e-10,
                "ν {dof}: filter {filtered} against enumeration {}",
                total.ln()
            );
        }
    }
}
