//! Step stage 5: the liquidation cascade (MODEL.md §4, §7.4–7.5). Each round finds every
//! bucket newly in breach at the current prices, impacts their net flow once, and records
//! the liquidations at the prices after that impact. Mirrored by `shaders/cascade.wgsl`.

use super::impact;
use super::plan::{MarginPlan, Plan};
use super::state::PathState;

/// R = Σ w_k (P_k/P_k(0) − 1) and A = Σ |w_k| P_k/P_k(0) of a margin book.
#[inline(always)]
pub fn book_return_and_gross(book: &MarginPlan, price: &[f64]) -> (f64, f64) {
    let mut r = 0.0;
    let mut a = 0.0;
    for w in &book.weights {
        let p = price[w.asset];
        r += w.weight * (p - 1.0);
        a += w.weight.abs() * p;
    }
    (r, a)
}

/// First bucket at or after `from` that is not in breach (strict: 1/L + R < m·A breaches).
#[inline(always)]
fn breach_end(book: &MarginPlan, from: usize, r: f64, a: f64) -> usize {
    let limit = book.maintenance_margin * a;
    let mut end = from;
    while end < book.inverse_leverage.len() && book.inverse_leverage[end] + r < limit {
        end += 1;
    }
    end
}

/// Runs the cascade of one step, calling `after_round(round, state)` after each round that
/// liquidated something; sets `state.rounds_exhausted` when the last allowed round still
/// liquidated and left a bucket in breach.
#[inline(always)]
pub fn run(
    plan: &Plan,
    state: &mut PathState,
    new_end: &mut [usize],
    mut after_round: impl FnMut(u32, &PathState),
) {
    for round in 1..=plan.max_cascade_rounds {
        let mut any = false;
        for ((book, book_state), end) in plan.margin.iter().zip(&state.margin).zip(&mut *new_end) {
            let (r, a) = book_return_and_gross(book, &state.price);
            *end = breach_end(book, book_state.liquidated, r, a);
            if *end > book_state.liquidated {
                any = true;
                let gross: f64 = book.gross_usd[book_state.liquidated..*end].iter().sum();
                let price = &state.price;
                impact::add_trade(
                    &mut state.flow_usd,
                    &mut state.traded_usd[book.cohort],
                    book.impact,
                    &book.weights,
                    |w| -gross * w.weight * price[w.asset],
                );
            }
        }
        if !any {
            return;
        }
        impact::apply_flow(plan, state);
        record_liquidations(plan, state, new_end);
        after_round(round, state);
        if round == plan.max_cascade_rounds && any_in_breach(plan, state) {
            state.rounds_exhausted = true;
        }
    }
}

/// Books the buckets `[liquidated, new_end)` of every cohort as liquidated at the current
/// (post-impact) prices.
fn record_liquidations(plan: &Plan, state: &mut PathState, new_end: &[usize]) {
    for ((book, book_state), &end) in plan.margin.iter().zip(&mut state.margin).zip(new_end) {
        if end == book_state.liquidated {
            continue;
        }
        let (r, a) = book_return_and_gross(book, &state.price);
        for b in book_state.liquidated..end {
            let gross = book.gross_usd[b];
            let realised = book.equity_share[b] * book.equity_usd + gross * r
                - book.liquidation_fee * gross * a;
            book_state.kept_usd += realised.max(0.0);
            book_state.bad_debt_usd += (-realised).max(0.0);
            book_state.liquidated_notional_usd += gross * a;
            state.liquidated_notional_usd += gross * a;
            book_state.accounts_liquidated += book.equity_share[b] * book.accounts;
        }
        book_state.liquidated = end;
    }
}

fn any_in_breach(plan: &Plan, state: &PathState) -> bool {
    plan.margin
        .iter()
        .zip(&state.margin)
        .any(|(book, book_state)| {
            let (r, a) = book_return_and_gross(book, &state.price);
            breach_end(book, book_state.liquidated, r, a) > book_state.liquidated
        })
}

/// Equity of a book at T: what liquidated buckets kept plus live buckets marked at R(T).
pub fn final_equity(
    book: &MarginPlan,
    book_state: &crate::engine::cpu::state::MarginState,
    price: &[f64],
) -> f64 {
    let (r, _) = book_return_and_gross(book, price);
    let live: f64 = (book_state.liquidated..book.gross_usd.len())
        .map(|b| book.equity_share[b] * book.equity_usd + book.gross_usd[b] * r)
        .sum();
    book_state.kept_usd + live
}
