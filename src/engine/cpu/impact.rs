//! Price impact (MODEL.md §2): decay of the displacement each step, and the impact of one
//! round's net flow. Mirrored by `shaders/impact.wgsl`.

use super::plan::{CALM, Plan, STRESS};
use super::state::PathState;
use crate::model::ImpactShape;

/// Step stage 3: I_k ← I_k · 2^(−step_hours/half_life).
#[inline(always)]
pub fn decay(plan: &Plan, state: &mut PathState) {
    if plan.impact_decay_per_step != 1.0 {
        for impact in &mut state.impact_log {
            *impact *= plan.impact_decay_per_step;
        }
    }
}

/// Applies the round's net flow in `state.flow_usd` (then cleared): I_k += 0.01·g(F_k/D_ks),
/// counts the USD sold into `forced_selling_usd`, and refreshes prices.
#[inline(always)]
pub fn apply_flow(plan: &Plan, state: &mut PathState) {
    let depth = &plan.depth_usd[if state.stress { STRESS } else { CALM }];
    for (k, depth) in depth.iter().enumerate() {
        let flow = state.flow_usd[k];
        if flow != 0.0 {
            let q = flow / depth;
            let moved = match plan.impact_shape {
                ImpactShape::Linear => q,
                ImpactShape::Sqrt => q.signum() * q.abs().sqrt(),
            };
            state.impact_log[k] += 0.01 * moved;
            state.forced_selling_usd += (-flow).max(0.0);
            state.flow_usd[k] = 0.0;
        }
    }
    state.refresh_prices();
}
