//! The density of one step's diffusive log-returns in one regime (MODEL.md §2.2 without jumps):
//! multivariate normal with covariance C, or, with ν set, the unit-variance multivariate
//! Student-t that the shared χ² scale makes (scale matrix S = C·(ν − 2)/ν). Also the EM weight
//! of a step and the chance of a step at least as far out (for telling jumps apart).

use statrs::distribution::{ChiSquared, ContinuousCDF, FisherSnedecor};
use statrs::function::gamma::ln_gamma;

use crate::model::Matrix;
use crate::scenario::linalg::cholesky;

/// One regime's shock distribution, ready to evaluate.
#[derive(Debug, Clone)]
pub struct Emission {
    k: usize,
    /// −½·diag(C): the per-step mean of a log-return with zero drift.
    mean: Vec<f64>,
    /// L⁻¹ for the lower Cholesky factor L of S, by columns: column j's entries i ≥ j at
    /// `j·K + i` (so whitening is a sum of contiguous column updates, with no division).
    inverse_columns: Vec<f64>,
    /// Log-density at the mean.
    log_peak: f64,
    /// ν, or 0 for Gaussian.
    dof: u32,
}

impl Emission {
    /// `covariance` is C (per step, K×K row-major); `None` when it is not positive definite.
    pub fn new(covariance: &[f64], k: usize, dof: u32) -> Option<Self> {
        let scale = if dof == 0 {
            1.0
        } else {
            (f64::from(dof) - 2.0) / f64::from(dof)
        };
        let s = Matrix {
            n: k,
            data: covariance.iter().map(|c| c * scale).collect(),
        };
        let factor = cholesky(&s)?.data;
        let half_log_det: f64 = (0..k).map(|i| factor[i * k + i].ln()).sum();
        let mut inverse_columns = vec![0.0; k * k];
        for j in 0..k {
            for i in j..k {
                let dot: f64 = (j..i)
                    .map(|m| factor[i * k + m] * inverse_columns[j * k + m])
                    .sum();
                let target = if i == j { 1.0 } else { 0.0 };
                inverse_columns[j * k + i] = (target - dot) / factor[i * k + i];
            }
        }
        let kf = k as f64;
        let log_peak = if dof == 0 {
            -0.5 * kf * (2.0 * std::f64::consts::PI).ln() - half_log_det
        } else {
            let nu = f64::from(dof);
            ln_gamma(0.5 * (nu + kf))
                - ln_gamma(0.5 * nu)
                - 0.5 * kf * (nu * std::f64::consts::PI).ln()
                - half_log_det
        };
        Some(Emission {
            k,
            mean: (0..k).map(|i| -0.5 * covariance[i * k + i]).collect(),
            inverse_columns,
            log_peak,
            dof,
        })
    }

    /// δ = (r − m)ᵀ S⁻¹ (r − m) = |L⁻¹(r − m)|², the whitened vector L⁻¹(r − m) left in
    /// `scratch` (length K).
    #[inline]
    pub fn distance(&self, returns: &[f64], scratch: &mut [f64]) -> f64 {
        let k = self.k;
        scratch.fill(0.0);
        for j in 0..k {
            let centred = returns[j] - self.mean[j];
            let column = &self.inverse_columns[j * k + j..(j + 1) * k];
            for (y, l) in scratch[j..].iter_mut().zip(column) {
                *y += centred * l;
            }
        }
        scratch.iter().map(|y| y * y).sum()
    }

    /// Log-density of a step at distance δ.
    #[inline]
    pub fn log_density(&self, distance: f64) -> f64 {
        if self.dof == 0 {
            self.log_peak - 0.5 * distance
        } else {
            let nu = f64::from(self.dof);
            self.log_peak - 0.5 * (nu + self.k as f64) * (distance / nu).ln_1p()
        }
    }

    /// The EM weight of a step, E[W/ν | r] = (ν + K)/(ν + δ); 1 when Gaussian.
    #[inline]
    pub fn weight(&self, distance: f64) -> f64 {
        if self.dof == 0 {
            1.0
        } else {
            let nu = f64::from(self.dof);
            (nu + self.k as f64) / (nu + distance)
        }
    }

    /// P(Δ ≥ δ): χ²_K when Gaussian, K·F(K, ν) for the multivariate t.
    pub fn tail_probability(&self, distance: f64) -> f64 {
        let kf = self.k as f64;
        if self.dof == 0 {
            ChiSquared::new(kf).map_or(0.0, |d| d.sf(distance))
        } else {
            FisherSnedecor::new(kf, f64::from(self.dof)).map_or(0.0, |d| d.sf(distance / kf))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{Continuous, Normal, StudentsT};

    /// With one asset the density is N(−½σ², σ²), or the Student-t with ν degrees of freedom
    /// and scale σ·sqrt((ν − 2)/ν) (unit variance times σ) about −½σ².
    #[test]
    fn one_asset_densities_match_the_textbook_ones() {
        let variance: f64 = 0.0009;
        let sd = variance.sqrt();
        let mean = -0.5 * variance;
        for x in [-0.1, -0.02, 0.0, 0.013, 0.07] {
            let gaussian = Emission::new(&[variance], 1, 0).expect("positive");
            let expected = Normal::new(mean, sd).expect("valid").pdf(x);
            let got = gaussian
                .log_density(gaussian.distance(&[x], &mut [0.0]))
                .exp();
            assert!((got / expected - 1.0).abs() < 1e-12, "Gaussian at {x}");
            for dof in [3u32, 5, 30] {
                let nu = f64::from(dof);
                let t = Emission::new(&[variance], 1, dof).expect("positive");
                let expected = StudentsT::new(mean, sd * ((nu - 2.0) / nu).sqrt(), nu)
                    .expect("valid")
                    .pdf(x);
                let got = t.log_density(t.distance(&[x], &mut [0.0])).exp();
                assert!((got / expected - 1.0).abs() < 1e-10, "t{dof} at {x}");
            }
        }
    }
}
