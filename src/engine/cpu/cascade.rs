//! Step stage 5: the liquidation cascade (MODEL.md §4, §7.4–7.5). Each round finds every
//! bucket newly in breach at the current prices, impacts their net flow once, and records
//! the liquidations at the prices after that impact. Mirrored by `shaders/cascade.wgsl`.
//!
//! On lanes, the breach test of each book's next bucket is one compare per block; a round
//! runs only when some lane breaches, and then only the lanes in it change: the bucket
//! bookkeeping runs path by path for those lanes, the impact on the block masked by them.

use super::impact;
use super::state::{BlockState, MarginLanes};
use crate::engine::plan::{MarginPlan, Plan};
use crate::lanes::{Lanes, Mask};

/// R = Σ w_k (P_k/P_k(0) − 1) and A = Σ |w_k| P_k/P_k(0) of a margin book.
#[inline(always)]
pub fn book_return_and_gross<const W: usize>(
    book: &MarginPlan,
    price: &[Lanes<W>],
) -> (Lanes<W>, Lanes<W>) {
    let mut r = Lanes::splat(0.0);
    let mut a = Lanes::splat(0.0);
    for w in &book.weights {
        let p = price[w.asset];
        r += w.weight * (p - 1.0);
        a += w.weight.abs() * p;
    }
    (r, a)
}

/// The lanes whose first live bucket is in breach (strict: 1/L + R < m·A breaches).
#[inline(always)]
fn next_in_breach<const W: usize>(
    book: &MarginPlan,
    book_state: &MarginLanes<W>,
    price: &[Lanes<W>],
) -> (Mask<W>, Lanes<W>, Lanes<W>) {
    let (r, a) = book_return_and_gross(book, price);
    let limit = book.maintenance_margin * a;
    ((book_state.next_inverse_leverage + r).lt(limit), r, a)
}

/// First bucket at or after `from` that is not in breach, for one path.
fn breach_end(book: &MarginPlan, from: usize, r: f64, a: f64) -> usize {
    let limit = book.maintenance_margin * a;
    let mut end = from;
    while end < book.inverse_leverage.len() && book.inverse_leverage[end] + r < limit {
        end += 1;
    }
    end
}

/// Runs the cascade of one step, calling `after_round(round, state)` after each round that
/// liquidated something on some lane; sets a lane of `state.rounds_exhausted` when the last
/// allowed round still liquidated on it and left a bucket in breach. `new_end` is scratch,
/// one per margin book.
#[inline(always)]
pub fn run<const W: usize>(
    plan: &Plan,
    state: &mut BlockState<W>,
    new_end: &mut [[usize; W]],
    mut after_round: impl FnMut(u32, &BlockState<W>),
) {
    let mut cascading = Mask::splat(true);
    for round in 1..=plan.max_cascade_rounds {
        let mut liquidating = Mask::splat(false);
        for ((book, book_state), end) in plan.margin.iter().zip(&state.margin).zip(&mut *new_end) {
            *end = book_state.liquidated;
            let (breach, r, a) = next_in_breach(book, book_state, &state.price);
            let breach = breach.and(cascading);
            if !breach.any() {
                continue;
            }
            liquidating = liquidating.or(breach);
            let mut gross = Lanes::splat(0.0);
            for lane in (0..W).filter(|&lane| breach.lane(lane)) {
                let from = book_state.liquidated[lane];
                end[lane] = breach_end(book, from, r.0[lane], a.0[lane]);
                gross.0[lane] = book.gross_usd[from..end[lane]].iter().sum();
            }
            let price = &state.price;
            impact::add_trade(
                &mut state.flow_usd,
                &mut state.traded_usd[book.cohort],
                book.impact,
                breach,
                &book.weights,
                |w| -gross * w.weight * price[w.asset],
            );
        }
        cascading = liquidating;
        if !cascading.any() {
            return;
        }
        impact::apply_flow(plan, state);
        record_liquidations(plan, state, new_end);
        after_round(round, state);
        if round == plan.max_cascade_rounds {
            let breached = any_in_breach(plan, state).and(cascading);
            state.rounds_exhausted = state.rounds_exhausted.or(breached);
        }
    }
}

/// Books the buckets `[liquidated, new_end)` of every cohort and lane as liquidated at the
/// current (post-impact) prices.
fn record_liquidations<const W: usize>(
    plan: &Plan,
    state: &mut BlockState<W>,
    new_end: &[[usize; W]],
) {
    for ((book, book_state), end) in plan.margin.iter().zip(&mut state.margin).zip(new_end) {
        if *end == book_state.liquidated {
            continue;
        }
        let (r, a) = book_return_and_gross(book, &state.price);
        for (lane, &end) in end.iter().enumerate() {
            let (r, a) = (r.0[lane], a.0[lane]);
            for b in book_state.liquidated[lane]..end {
                let gross = book.gross_usd[b];
                let realised = book.equity_share[b] * book.equity_usd + gross * r
                    - book.liquidation_fee * gross * a;
                book_state.kept_usd.0[lane] += realised.max(0.0);
                book_state.bad_debt_usd.0[lane] += (-realised).max(0.0);
                book_state.liquidated_notional_usd.0[lane] += gross * a;
                state.liquidated_notional_usd.0[lane] += gross * a;
                book_state.accounts_liquidated.0[lane] += book.equity_share[b] * book.accounts;
            }
            book_state.liquidated[lane] = end;
            book_state.next_inverse_leverage.0[lane] = book.inverse_leverage_at(end);
        }
    }
}

/// The lanes where some book's next bucket is in breach.
fn any_in_breach<const W: usize>(plan: &Plan, state: &BlockState<W>) -> Mask<W> {
    plan.margin
        .iter()
        .zip(&state.margin)
        .fold(Mask::splat(false), |any, (book, book_state)| {
            any.or(next_in_breach(book, book_state, &state.price).0)
        })
}

/// Equity of a book at T, per lane: what liquidated buckets kept plus live buckets marked
/// at R(T).
pub fn final_equity<const W: usize>(
    book: &MarginPlan,
    book_state: &MarginLanes<W>,
    price: &[Lanes<W>],
) -> Lanes<W> {
    let (r, _) = book_return_and_gross(book, price);
    Lanes::from_fn(|lane| {
        let live: f64 = (book_state.liquidated[lane]..book.gross_usd.len())
            .map(|b| book.equity_share[b] * book.equity_usd + book.gross_usd[b] * r.0[lane])
            .sum();
        book_state.kept_usd.0[lane] + live
    })
}
