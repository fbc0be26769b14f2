//! Price impact (MODEL.md §2): decay of the displacement each step, the trades that make up a
//! round's net flow, and the impact of that flow. Mirrored by `shaders/impact.wgsl`.

use super::regime::PerRegime;
use super::state::BlockState;
use crate::engine::plan::Plan;
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
/// lane (a lane whose flow is 0 keeps its values). When only a few lanes of an asset moved (a
/// cascade round that few paths of the block entered), those lanes are updated one by one
/// rather than the whole block: the same operations, so the same bits.
#[inline(always)]
pub fn apply_flow<const W: usize>(plan: &Plan, state: &mut BlockState<W>) {
    let depth = PerRegime::new(state.stress);
    let zero = Lanes::splat(0.0);
    for k in 0..plan.assets {
        let flow = state.flow_usd[k];
        let moves = flow.ne(zero);
        let moving = moves.count();
        if moving == 0 {
            continue;
        }
        let depth = depth.get(&plan.depth_usd, k);
        let (impact, price) = (&mut state.impact_log[k], &mut state.price[k]);
        let exogenous = state.exogenous_log[k];
        let forced = &mut state.forced_selling_usd;
        if 4 * moving <= W {
            for lane in (0..W).filter(|&lane| moves.lane(lane)) {
                let one = |values: Lanes<W>| Lanes([values.0[lane]]);
                let (new_impact, sold, new_price) = impacted(
                    plan.impact_shape,
                    one(flow),
                    one(depth),
                    one(*impact),
                    one(exogenous),
                );
                impact.0[lane] = new_impact.0[0];
                forced.0[lane] += sold.0[0];
                price.0[lane] = new_price.0[0];
            }
        } else {
            let (new_impact, sold, new_price) =
                impacted(plan.impact_shape, flow, depth, *impact, exogenous);
            *impact = moves.select(new_impact, *impact);
            *forced = moves.select(*forced + sold, *forced);
            *price = moves.select(new_price, *price);
        }
        state.flow_usd[k] = zero;
    }
}

/// One asset's impact of net flow `flow` at depth `depth` on V lanes: the new displacement,
/// the USD sold, and the new relative price.
#[inline(always)]
fn impacted<const V: usize>(
    shape: ImpactShape,
    flow: Lanes<V>,
    depth: Lanes<V>,
    impact: Lanes<V>,
    exogenous: Lanes<V>,
) -> (Lanes<V>, Lanes<V>, Lanes<V>) {
    let q = flow / depth;
    let moved = match shape {
        ImpactShape::Linear => q,
        ImpactShape::Sqrt => q.map(f64::signum) * q.abs().sqrt(),
    };
    let impact = impact + 0.01 * moved;
    let sold = (-flow).max(Lanes::splat(0.0));
    (impact, sold, (exogenous + impact).exp())
}
