//! Price impact (MODEL.md §2): decay of the displacement each step, the trades that make up a
//! round's net flow, and the impact of that flow. Mirrored by `shaders/impact.wgsl`.

use super::plan::{CALM, Plan, STRESS};
use super::state::PathState;
use crate::model::{ImpactShape, Weight};

/// Step stage 3: I_k ← I_k · 2^(−step_hours/half_life).
#[inline(always)]
pub fn decay(plan: &Plan, state: &mut PathState) {
    if plan.impact_decay_per_step != 1.0 {
        for impact in &mut state.impact_log {
            *impact *= plan.impact_decay_per_step;
        }
    }
}

/// Books one cohort's trade in a round: `flow(w)` USD in the asset of each weight `w`
/// (negative: selling). Every trade adds to the cohort's `traded` total; only an impact-bearing
/// cohort's adds to the round's net flow `flow_usd` (a price taker trades without moving prices).
#[inline(always)]
pub fn add_trade(
    flow_usd: &mut [f64],
    traded: &mut f64,
    moves_prices: bool,
    weights: &[Weight],
    flow: impl Fn(&Weight) -> f64,
) {
    for w in weights {
        let usd = flow(w);
        *traded += usd;
        if moves_prices {
            flow_usd[w.asset] += usd;
        }
    }
}

/// Applies the round's net flow in `state.flow_usd` (then cleared): I_k += 0.01·g(F_k/D_ks),
/// counts the USD sold into `forced_selling_usd`, and reprices the assets that moved.
#[inline(always)]
pub fn apply_flow(plan: &Plan, state: &mut PathState) {
    let depth = &plan.depth_usd[if state.stress { STRESS } else { CALM }];
    let assets = state
        .flow_usd
        .iter_mut()
        .zip(depth)
        .zip(&mut state.impact_log)
        .zip(&state.exogenous_log)
        .zip(&mut state.price);
    for ((((flow, depth), impact), exogenous), price) in assets {
        if *flow != 0.0 {
            let q = *flow / depth;
            let moved = match plan.impact_shape {
                ImpactShape::Linear => q,
                ImpactShape::Sqrt => q.signum() * q.abs().sqrt(),
            };
            *impact += 0.01 * moved;
            state.forced_selling_usd += (-*flow).max(0.0);
            *flow = 0.0;
            *price = (exogenous + *impact).exp();
        }
    }
}
