//! The CPU engine against closed forms: barrier-hit probability, normal VaR/ES, Student-t
//! quantiles. Every tolerance is a stated multiple of the Monte Carlo standard error plus
//! the quantile summary's own bound (0.5% relative) where a quantile is read from it.

use crate::common::{assert_close, discrete_barrier_probability, model, price_taker, run};
use firesale::summary::metrics::{ACCOUNTS_LIQUIDATED, LOSS, RETURN};
use statrs::distribution::{Continuous, ContinuousCDF, Normal, StudentsT};

const SUMMARY_RELATIVE_ERROR: f64 = 0.005;

/// P(liquidation) of one long bucket on one Gaussian asset equals the probability that a
/// Brownian motion with drift crosses the barrier, with the Broadie–Glasserman–Kou shift
/// β·σ·√Δ (β = −ζ(½)/√(2π) ≈ 0.5826) for monitoring at the step ends only. Tolerance: 4
/// binomial standard errors of the estimated probability (the BGK error at 168 monitoring
/// dates and this barrier distance is far below that, ~1e-4).
#[test]
fn liquidation_probability_matches_discretely_monitored_barrier() {
    let (vol, drift, leverage, margin) = (0.8_f64, 0.1_f64, 5.0_f64, 0.05_f64);
    let steps = 168_u32;
    let m = price_taker(
        &format!(
            "name = \"barrier\"\n[simulation]\nsteps = {steps}\nstep_hours = 1.0\nseed = 11\n\
             [market]\nimpact = \"linear\""
        ),
        &format!("price = 100.0\nvol = {vol}\ndrift = {drift}"),
        &format!("leverage = {leverage}\nmaintenance_margin = {margin}"),
    );
    let paths = 200_000;
    let output = run(&m, paths, 0);
    let estimate = output.totals.liquidated_paths[0] as f64 / paths as f64;

    // Breach 1/L + (p − 1) < m·p  ⟺  p < (1 − 1/L)/(1 − m): a barrier on the log price.
    let barrier = ((1.0 - 1.0 / leverage) / (1.0 - margin)).ln();
    let expected = discrete_barrier_probability(barrier, drift, vol, steps, 1.0 / 8760.0);
    let standard_error = (expected * (1.0 - expected) / paths as f64).sqrt();
    assert!(
        expected > 0.05 && expected < 0.6,
        "the test needs a moderate probability, got {expected}"
    );
    eprintln!(
        "P(liquidation): estimate {estimate}, BGK closed form {expected}, SE {standard_error}"
    );
    assert_close("P(liquidation)", estimate, expected, 4.0 * standard_error);
}

/// One step of three correlated Gaussian assets and a fixed `notional` book: the loss is
/// −Σ n_k (e^{r_k} − 1) ≈ −Σ n_k r_k, normal with mean −nᵀμΔ and variance nᵀΣn·Δ. The vols
/// are small (σ√Δ ≈ 2e-4) so e^r − 1 − r is below 1e-7 relative: negligible. Tolerance on
/// VaR: 4 standard errors of a sample quantile, sqrt(q(1−q)/N)/f(x_q), plus the summary's
/// 0.5%; on ES: 4 standard errors of the tail mean plus 0.5%.
#[test]
fn var_and_es_of_a_fixed_book_match_the_normal_closed_form() {
    let vols = [0.02_f64, 0.03, 0.015];
    let notional = [6.0e6_f64, -2.0e6, 3.0e6];
    let corr = [[1.0, 0.5, 0.2], [0.5, 1.0, 0.3], [0.2, 0.3, 1.0]];
    let m = model(&format!(
        r#"
name = "normal-book"
[simulation]
steps = 1
seed = 5
[[assets]]
name = "A"
price = 10.0
vol = {}
drift = {}
depth = 1.0e9
[[assets]]
name = "B"
price = 20.0
vol = {}
drift = {}
depth = 1.0e9
[[assets]]
name = "C"
price = 30.0
vol = {}
drift = {}
depth = 1.0e9
[correlation.calm]
matrix = [[1.0, 0.5, 0.2], [0.5, 1.0, 0.3], [0.2, 0.3, 1.0]]
[[cohorts]]
name = "book"
kind = "margin"
equity = 1.0e7
notional = {{ A = 6.0e6, B = -2.0e6, C = 3.0e6 }}
maintenance_margin = 0.0
impact = false
"#,
        vols[0],
        0.5 * vols[0] * vols[0],
        vols[1],
        0.5 * vols[1] * vols[1],
        vols[2],
        0.5 * vols[2] * vols[2],
    ));
    let paths = 400_000_u64;
    let output = run(&m, paths, 0);
    let loss = output.totals.cohort(0, LOSS);

    let dt = 1.0 / 8760.0_f64;
    let mut variance = 0.0;
    for i in 0..3 {
        for j in 0..3 {
            variance += notional[i] * notional[j] * vols[i] * vols[j] * corr[i][j] * dt;
        }
    }
    let sd = variance.sqrt();
    let normal = Normal::standard();
    let n = paths as f64;
    for q in [0.95, 0.99, 0.999] {
        let z = normal.inverse_cdf(q);
        let var = sd * z;
        let var_se = sd * (q * (1.0 - q) / n).sqrt() / normal.pdf(z);
        assert_close(
            &format!("VaR {q}"),
            loss.quantile(q),
            var,
            4.0 * var_se + SUMMARY_RELATIVE_ERROR * var,
        );
        let lambda = normal.pdf(z) / (1.0 - q);
        let es = sd * lambda;
        let tail_variance = 1.0 + z * lambda - lambda * lambda;
        let es_se = sd * ((tail_variance + q * (lambda - z).powi(2)) / (n * (1.0 - q))).sqrt();
        assert_close(
            &format!("ES {q}"),
            loss.tail_mean(q),
            es,
            4.0 * es_se + SUMMARY_RELATIVE_ERROR * es,
        );
    }
    assert_eq!(
        output.totals.liquidated_paths[0], 0,
        "m = 0 never liquidates"
    );
}

/// One step of Student-t shocks with ν = 3, 4, 5 (odd ν uses the extra normal of the
/// χ² draw): ε·sqrt(ν/(ν−2)) is t_ν, so the asset's return quantile is
/// exp(σ√Δ·t_ν(q)·sqrt((ν−2)/ν)) − 1 exactly (the drift is set to cancel −½σ²), and a long
/// book's loss quantile is −G times the (1−q) return quantile. Tolerance: 4 standard errors
/// of a sample quantile (sqrt(q(1−q)/N)/f at the quantile, through the monotone map) plus
/// the summary's 0.5%.
#[test]
fn student_t_quantiles_match_the_t_distribution() {
    for dof in [3_u32, 4, 5] {
        let vol = 0.9_f64;
        let m = price_taker(
            &format!(
                "name = \"student\"\n[simulation]\nsteps = 1\nseed = {dof}\n\
                 [market]\nstudent_t_dof = {dof}"
            ),
            &format!("price = 1.0\nvol = {vol}\ndrift = {}", 0.5 * vol * vol),
            "leverage = 1.0\nmaintenance_margin = 0.0",
        );
        let paths = 300_000_u64;
        let output = run(&m, paths, 0);
        let t = StudentsT::new(0.0, 1.0, f64::from(dof)).expect("valid t");
        let scale =
            vol * (1.0_f64 / 8760.0).sqrt() * ((f64::from(dof) - 2.0) / f64::from(dof)).sqrt();
        let n = paths as f64;
        let gross = 1.0e6;
        for q in [0.001, 0.01, 0.05, 0.5, 0.95, 0.99, 0.999] {
            let x = t.inverse_cdf(q);
            let expected = (scale * x).exp() - 1.0;
            // Standard error through the monotone map y = e^{scale·x} − 1.
            let se = (q * (1.0 - q) / n).sqrt() / t.pdf(x) * scale * (scale * x).exp();
            let got = output.totals.asset(0, RETURN).quantile(q);
            assert_close(
                &format!("ν={dof} return quantile {q}"),
                got,
                expected,
                4.0 * se + SUMMARY_RELATIVE_ERROR * expected.abs(),
            );
            if q >= 0.5 {
                let x_mirror = t.inverse_cdf(1.0 - q);
                let loss_expected = -gross * ((scale * x_mirror).exp() - 1.0);
                let loss_se = gross * (q * (1.0 - q) / n).sqrt() / t.pdf(x_mirror)
                    * scale
                    * (scale * x_mirror).exp();
                assert_close(
                    &format!("ν={dof} loss quantile {q}"),
                    output.totals.cohort(0, LOSS).quantile(q),
                    loss_expected,
                    4.0 * loss_se + SUMMARY_RELATIVE_ERROR * loss_expected.abs(),
                );
            }
        }
        assert_eq!(
            output.totals.cohort(0, ACCOUNTS_LIQUIDATED).stats().max,
            0.0,
            "leverage 1 never breaches"
        );
    }
}
