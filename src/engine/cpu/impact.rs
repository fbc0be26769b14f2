//! Price impact (MODEL.md §2): decay of the displacement each step, the trades that make up a
//! round's net flow, and the impact of that flow. Mirrored by `shaders/impact.wgsl`.

use super::plan::Plan;
use super::regime::PerRegime;
use super::state::BlockState;
use crate::lanes::{Lanes, Mask};
use crate::model::{ImpactShape, Weight};

/// Step stage 3: I_k ← I_k · 2^(−step_hours/half_life).
#[inline(always)]
pub fn decay<const W: usize>(plan: &Plan, state: &mut BlockState<W>) {
    if plan.impact_decay_per_step != 1.0 {
        for impact in &mut state.impact_log {
            *impact *= plan.impact_decay_per_step;
        }
    }
}

/// Books one cohort's trade in a round on the lanes of `trading`: `flow(w)` USD in the asset
/// of each weight `w` (negative: selling). Every trade adds to the cohort's `traded` total;
/// only an impact-bearing cohort's adds to the round's net flow `flow_usd` (a price taker
/// trades without moving prices). Other lanes keep their values bit for bit.
#[inline(always)]
pub fn add_trade<const W: usize>(
    flow_usd: &mut [Lanes<W>],
    traded: &mut Lanes<W>,
    moves_prices: bool,
    trading: Mask<W>,
    weights: &[Weight],
    flow: impl Fn(&Weight) -> Lanes<W>,
) {
    for w in weights {
        let usd = flow(w);
        *traded = trading.select(*traded + usd, *traded);
        if moves_prices {
            let net = &mut flow_usd[w.asset];
            *net = trading.select(*net + usd, *net);
        }
    }
}

/// Applies the round's net flow in `state.flow_usd` (then cleared): I_k += 0.01·g(F_k/D_ks),
/// counts the USD sold into `forced_selling_usd`, and reprices the assets that moved, lane by
/// lane (a lane whose flow is 0 keeps its values).
#[inline(always)]
pub fn apply_flow<const W: usize>(plan: &Plan, state: &mut BlockState<W>) {
    let depth = PerRegime::new(state.stress);
    let zero = Lanes::splat(0.0);
    for k in 0..plan.assets {
        let flow = state.flow_usd[k];
        let moves = flow.ne(zero);
        if !moves.any() {
            continue;
        }
        let q = flow / depth.get(&plan.depth_usd, k);
        let moved = match plan.impact_shape {
            ImpactShape::Linear => q,
            ImpactShape::Sqrt => q.map(f64::signum) * q.abs().sqrt(),
        };
        let impact = &mut state.impact_log[k];
        *impact = moves.select(*impact + 0.01 * moved, *impact);
        let sold = (-flow).max(zero);
        state.forced_selling_usd =
            moves.select(state.forced_selling_usd + sold, state.forced_selling_usd);
        state.flow_usd[k] = zero;
        let price = &mut state.price[k];
        *price = moves.select((state.exogenous_log[k] + *impact).exp(), *price);
    }
}
