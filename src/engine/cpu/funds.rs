//! Step stage 4: mechanical flows (MODEL.md §3, §7.2): leveraged ETFs and vol-target funds
//! rebalance on their schedule; their flows net per asset into one impacted round.
//! Mirrored by `shaders/funds.wgsl`.

use super::impact;
use super::state::BlockState;
use crate::engine::plan::Plan;
use crate::lanes::{Lanes, Mask};
use crate::model::Weight;

/// r = Σ w_k (P_k/P_k(ref) − 1), and the reference moved to the current prices.
#[inline(always)]
pub fn basket_return_since<const W: usize>(
    weights: &[Weight],
    reference: &[Lanes<W>],
    price: &[Lanes<W>],
) -> Lanes<W> {
    let mut r = Lanes::splat(0.0);
    for (w, reference) in weights.iter().zip(reference) {
        r += w.weight * (price[w.asset] / *reference - 1.0);
    }
    r
}

#[inline(always)]
fn reset_reference<const W: usize>(
    weights: &[Weight],
    reference: &mut [Lanes<W>],
    price: &[Lanes<W>],
) {
    for (w, r) in weights.iter().zip(reference) {
        *r = price[w.asset];
    }
}

/// Rebalances every fund due after step `step` (the same step on every lane), then impacts
/// their net flow once.
#[inline(always)]
pub fn rebalance<const W: usize>(plan: &Plan, state: &mut BlockState<W>, step: u32) {
    let every_lane = Mask::splat(true);
    let zero = Lanes::splat(0.0);
    let mut any_flow = false;
    for (etf, fund) in plan.etfs.iter().zip(&mut state.etfs) {
        if step % etf.every_steps != 0 {
            continue;
        }
        let r = basket_return_since(&etf.weights, &fund.reference, &state.price);
        let flow = fund.aum_usd * etf.leverage * (etf.leverage - 1.0) * r;
        fund.aum_usd = (fund.aum_usd * (1.0 + etf.leverage * r)).max(zero);
        reset_reference(&etf.weights, &mut fund.reference, &state.price);
        let traded = &mut state.traded_usd[etf.cohort];
        impact::add_trade(
            &mut state.flow_usd,
            traded,
            etf.impact,
            every_lane,
            &etf.weights,
            |w| flow * w.weight,
        );
        any_flow |= etf.impact;
    }
    for (plan_fund, fund) in plan.vol_targets.iter().zip(&mut state.vol_targets) {
        if step % plan_fund.every_steps != 0 {
            continue;
        }
        let r = basket_return_since(&plan_fund.weights, &fund.reference, &state.price);
        fund.equity_usd += fund.exposure_usd * r;
        fund.exposure_usd *= 1.0 + r;
        fund.variance = plan_fund.ewma_keep * fund.variance
            + (1.0 - plan_fund.ewma_keep) * r * r / plan_fund.interval_years;
        let leverage =
            Lanes::splat(plan_fund.max_leverage).min(plan_fund.target_vol / fund.variance.sqrt());
        let target = fund.equity_usd.max(zero) * leverage;
        let flow = target - fund.exposure_usd;
        fund.exposure_usd = target;
        reset_reference(&plan_fund.weights, &mut fund.reference, &state.price);
        impact::add_trade(
            &mut state.flow_usd,
            &mut state.traded_usd[plan_fund.cohort],
            plan_fund.impact,
            every_lane,
            &plan_fund.weights,
            |w| flow * w.weight,
        );
        any_flow |= plan_fund.impact;
    }
    if any_flow {
        impact::apply_flow(plan, state);
    }
}

/// Loss of every fund at T (MODEL.md §7.3: initial minus final value, marked since its last
/// rebalance), per lane: ETFs, then vol-target funds, in plan order, each with its cohort.
pub fn final_losses<const W: usize>(
    plan: &Plan,
    state: &BlockState<W>,
) -> impl Iterator<Item = (usize, Lanes<W>)> {
    let etfs = plan.etfs.iter().zip(&state.etfs).map(|(etf, fund)| {
        let r = basket_return_since(&etf.weights, &fund.reference, &state.price);
        (
            etf.cohort,
            etf.aum_usd - (fund.aum_usd * (1.0 + etf.leverage * r)).max(Lanes::splat(0.0)),
        )
    });
    let vol_targets = plan
        .vol_targets
        .iter()
        .zip(&state.vol_targets)
        .map(|(plan_fund, fund)| {
            let r = basket_return_since(&plan_fund.weights, &fund.reference, &state.price);
            (
                plan_fund.cohort,
                plan_fund.equity_usd - (fund.equity_usd + fund.exposure_usd * r),
            )
        });
    etfs.chain(vol_targets)
}
