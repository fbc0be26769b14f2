// Step stage 4: mechanical flows (MODEL.md §3, §7.2): leveraged ETFs and vol-target funds
// rebalance on their schedule; their flows net per asset into one impacted round.
// Mirrors `src/engine/cpu/funds.rs`; the weighted sums are generated (`weights_*`,
// `src/engine/gpu/weights.rs`).

// Whether some fund rebalances after step `step` (a bit the host prepared per step).
fn funds_due(step: u32) -> bool {
    return param_bit(P_FUNDS_DUE, step);
}

// Rebalances every fund due after step `step`, then impacts their net flow once.
fn funds_rebalance(step: u32) {
    var any_flow = false;
    // @unroll
    for (var e = 0u; e < N_ETF; e++) {
        if step % param_u32(P_ETF_EVERY_STEPS + e) == 0u {
            any_flow = etf_rebalance(e) || any_flow;
        }
    }
    // @unroll
    for (var v = 0u; v < N_VOL_TARGET; v++) {
        if step % param_u32(P_VOL_TARGET_EVERY_STEPS + v) == 0u {
            any_flow = vol_target_rebalance(v) || any_flow;
        }
    }
    if any_flow {
        impact_apply_flow();
    }
}

// Rebalances ETF `e` back to its leverage; whether its flow bears impact.
fn etf_rebalance(e: u32) -> bool {
    let weights = WEIGHTS_ETF + e;
    let leverage = param_f32(P_ETF_LEVERAGE + e);
    let r = weights_return_since(weights, etf_reference_at(e));
    let flow = etf_aum_usd[e] * leverage * (leverage - 1.0) * r;
    etf_aum_usd[e] = max(etf_aum_usd[e] * (1.0 + leverage * r), 0.0);
    weights_reset_reference(weights, etf_reference_at(e));
    let impact = param_bool(P_ETF_IMPACT + e);
    if impact {
        weights_add(weights, flow, &flow_usd);
    }
    return impact;
}

// Rebalances vol-target fund `v` to its target exposure; whether its flow bears impact.
// The flow, target − exposure, is often a small difference of exposures of 1e11 USD, so it
// is not taken as one: with E and L the equity and leverage of the last rebalance (exposure
// X = E·L), E' = E + X·r and L' the new ones, target − X·(1 + r) = E·(L' − L) + X·r·(L' − 1),
// and L' − L comes from the variance's change (`vol_target_leverage_change`).
fn vol_target_rebalance(v: u32) -> bool {
    let weights = WEIGHTS_VOL_TARGET + v;
    let r = weights_return_since(weights, vol_target_reference_at(v));
    let equity_before = param_f32(P_VOL_TARGET_EQUITY + v) + vol_target_pnl(v);
    let exposure = vol_target_exposure_usd[v];
    vol_target_book_pnl(v, exposure * r);
    let keep = param_f32(P_VOL_TARGET_EWMA_KEEP + v);
    let variance = vol_target_variance[v];
    let variance_change = (1.0 - keep) * (r * r / param_f32(P_VOL_TARGET_INTERVAL_YEARS + v) - variance);
    vol_target_variance[v] = variance + variance_change;
    let leverage = vol_target_leverage(v, vol_target_variance[v]);
    let equity_usd = param_f32(P_VOL_TARGET_EQUITY + v) + vol_target_pnl(v);
    var flow: f32;
    if equity_before > 0.0 && equity_usd > 0.0 {
        let leverage_change = vol_target_leverage_change(v, variance, variance_change);
        flow = equity_before * leverage_change + exposure * r * (leverage - 1.0);
    } else {
        flow = max(equity_usd, 0.0) * leverage - exposure * (1.0 + r);
    }
    vol_target_exposure_usd[v] = max(equity_usd, 0.0) * leverage;
    weights_reset_reference(weights, vol_target_reference_at(v));
    let impact = param_bool(P_VOL_TARGET_IMPACT + v);
    if impact {
        weights_add(weights, flow, &flow_usd);
    }
    return impact;
}

// Fund `v`'s leverage at an annualised variance: target vol / vol, capped.
fn vol_target_leverage(v: u32, variance: f32) -> f32 {
    return min(
        param_f32(P_VOL_TARGET_MAX_LEVERAGE + v),
        param_f32(P_VOL_TARGET_TARGET_VOL + v) / sqrt(variance),
    );
}

// Fund `v`'s leverage at variance `before` + `change` minus that at `before`. Where neither
// is capped, from the change itself: σ/s' − σ/s = −σ·(s'² − s²) / (s·s'·(s + s')), which
// keeps its relative precision where a difference of the two leverages keeps only 1e-7 of
// them.
fn vol_target_leverage_change(v: u32, before: f32, change: f32) -> f32 {
    let cap = param_f32(P_VOL_TARGET_MAX_LEVERAGE + v);
    let target_vol = param_f32(P_VOL_TARGET_TARGET_VOL + v);
    let after = before + change;
    let s = sqrt(before);
    let s_after = sqrt(after);
    if target_vol / s < cap && target_vol / s_after < cap {
        return -target_vol * change / (s * s_after * (s + s_after));
    }
    return vol_target_leverage(v, after) - vol_target_leverage(v, before);
}

// Final ETF aum at T (MODEL.md §7.3), marked since its last rebalance.
fn etf_final_value(e: u32) -> f32 {
    let leverage = param_f32(P_ETF_LEVERAGE + e);
    let r = weights_return_since(WEIGHTS_ETF + e, etf_reference_at(e));
    return max(etf_aum_usd[e] * (1.0 + leverage * r), 0.0);
}

// Adds `pnl` to fund `v`'s P&L, keeping what f32 rounds off (Neumaier's compensated sum).
fn vol_target_book_pnl(v: u32, pnl: f32) {
    let total = vol_target_pnl_usd[v] + pnl;
    vol_target_pnl_error_usd[v] += neumaier_lost(vol_target_pnl_usd[v], pnl, total);
    vol_target_pnl_usd[v] = total;
}

// Fund `v`'s P&L since the start: equity − initial equity.
fn vol_target_pnl(v: u32) -> f32 {
    return vol_target_pnl_usd[v] + vol_target_pnl_error_usd[v];
}

// Vol-target fund loss at T (MODEL.md §7.3: initial minus final equity), marked since its
// last rebalance: minus its P&L, never a difference of equities.
fn vol_target_final_loss(v: u32) -> f32 {
    let r = weights_return_since(WEIGHTS_VOL_TARGET + v, vol_target_reference_at(v));
    return -(vol_target_pnl(v) + vol_target_exposure_usd[v] * r);
}
