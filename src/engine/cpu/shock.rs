//! Step stage 2: the exogenous shock (MODEL.md §2.2): jump flags, correlated normals with
//! the regime's Cholesky factor, the shared Student-t scale, jump sizes. Mirrored by
//! `shaders/shock.wgsl`.

use super::plan::{CALM, Plan, STRESS};
use super::state::PathState;
use crate::rng::StepStream;

/// At most this many jump types fit the fixed-size flag word.
pub const MAX_JUMPS: usize = 32;

/// Draws the step's exogenous log-returns from `stream` (positioned after U_0) and adds
/// them to the path's exogenous log prices.
#[inline(always)]
pub fn apply(plan: &Plan, state: &mut PathState, stream: &mut StepStream) {
    let k = plan.assets;
    let mut fired: u32 = 0;
    for (j, jump) in plan.jumps.iter().enumerate() {
        if stream.next_uniform() < jump.fire_probability {
            fired |= 1 << j;
        }
    }
    stream.fill_normals(&mut state.normals);
    let t_scale = student_t_scale(plan, state, stream);

    let regime = if state.stress { STRESS } else { CALM };
    let cholesky = &plan.cholesky[regime];
    let drift = &plan.drift_per_step[regime];
    let vol = &plan.vol_per_step[regime];
    for i in 0..k {
        let row = &cholesky[i * k..i * k + i + 1];
        let epsilon: f64 = row.iter().zip(&state.normals).map(|(l, z)| l * z).sum();
        state.exogenous_log[i] += drift[i] + vol[i] * epsilon * t_scale;
    }
    for (j, jump) in plan.jumps.iter().enumerate() {
        if fired & (1 << j) != 0 {
            let size = jump.mean_log + jump.stdev_log * state.normals[k + j];
            for loading in &jump.loadings {
                state.exogenous_log[loading.asset] += loading.weight * size;
            }
        }
    }
}

/// sqrt((ν − 2)/W) with W = −2 ln ΠU (+ z_x² when ν is odd), exactly χ²_ν; 1 when Gaussian.
#[inline(always)]
fn student_t_scale(plan: &Plan, state: &PathState, stream: &mut StepStream) -> f64 {
    let dof = plan.student_t_dof;
    if dof == 0 {
        return 1.0;
    }
    let mut chi_square = 0.0;
    for _ in 0..dof / 2 {
        chi_square -= 2.0 * stream.next_uniform().ln();
    }
    if dof % 2 == 1 {
        let z_extra = state.normals[plan.assets + plan.jumps.len()];
        chi_square += z_extra * z_extra;
    }
    ((f64::from(dof) - 2.0) / chi_square).sqrt()
}
