//! Step stage 2: the exogenous shock (MODEL.md §2.2): jump flags, correlated normals with
//! the regime's Cholesky factor, the shared Student-t scale, jump sizes. Mirrored by
//! `shaders/shock.wgsl`.

use super::regime::PerRegime;
use super::state::BlockState;
use crate::engine::plan::Plan;
use crate::lanes::{Lanes, Mask};
use crate::rng::{StepStreams, box_muller_lanes};

/// At most this many jump types fit the fixed-size flag word.
pub const MAX_JUMPS: usize = 32;

/// Draws the step's exogenous log-returns from `stream` (positioned after U_0) and adds
/// them to the block's exogenous log prices.
#[inline(always)]
pub fn apply<const W: usize>(plan: &Plan, state: &mut BlockState<W>, stream: &mut StepStreams<W>) {
    let k = plan.assets;
    let mut fired = [0_u32; W];
    for (j, jump) in plan.jumps.iter().enumerate() {
        let fires = stream
            .next_uniform()
            .lt(Lanes::splat(jump.fire_probability));
        for (lane, word) in fired.iter_mut().enumerate() {
            *word |= u32::from(fires.lane(lane)) << j;
        }
    }
    // The uniforms first, then their normals: the Box–Muller pairs are then independent of
    // one another and of the Philox calls, and overlap in the processor.
    for uniform in &mut state.normals {
        *uniform = stream.next_uniform();
    }
    for pair in state.normals.chunks_exact_mut(2) {
        (pair[0], pair[1]) = box_muller_lanes(pair[0], pair[1]);
    }
    let t_scale = student_t_scale(plan, state, stream);

    let regime = PerRegime::new(state.stress);
    for i in 0..k {
        let mut epsilon = Lanes::splat(0.0);
        for (j, z) in state.normals[..=i].iter().enumerate() {
            epsilon += regime.get(&plan.cholesky, i * k + j) * *z;
        }
        let drift = regime.get(&plan.drift_per_step, i);
        let vol = regime.get(&plan.vol_per_step, i);
        state.exogenous_log[i] += drift + vol * epsilon * t_scale;
    }
    for (j, jump) in plan.jumps.iter().enumerate() {
        let fires = Mask::from_fn(|lane| fired[lane] & (1 << j) != 0);
        if fires.any() {
            let size = jump.mean_log + jump.stdev_log * state.normals[k + j];
            for loading in &jump.loadings {
                let log = &mut state.exogenous_log[loading.asset];
                *log = fires.select(*log + loading.weight * size, *log);
            }
        }
    }
}

/// sqrt((ν − 2)/W) with W = −2 ln ΠU (+ z_x² when ν is odd), exactly χ²_ν; 1 when Gaussian.
#[inline(always)]
fn student_t_scale<const W: usize>(
    plan: &Plan,
    state: &BlockState<W>,
    stream: &mut StepStreams<W>,
) -> Lanes<W> {
    let dof = plan.student_t_dof;
    if dof == 0 {
        return Lanes::splat(1.0);
    }
    let mut chi_square = Lanes::splat(0.0);
    for _ in 0..dof / 2 {
        chi_square = chi_square - 2.0 * stream.next_uniform().ln();
    }
    if dof % 2 == 1 {
        let z_extra = state.normals[plan.assets + plan.jumps.len()];
        chi_square += z_extra * z_extra;
    }
    ((f64::from(dof) - 2.0) / chi_square).sqrt()
}
