// Step stage 5: the liquidation cascade (MODEL.md §4, §7.4–7.5). Each round finds every
// bucket newly in breach at the current prices, impacts their net flow once, and records
// the liquidations at the prices after that impact. Mirrors `src/engine/cpu/cascade.rs`.

// Scratch: per margin book, the end of this round's newly breached buckets.
var<private> new_end: array<u32, MARGIN_LEN>;

// (R, A) = (Σ w_k (P_k/P_k(0) − 1), Σ |w_k| P_k/P_k(0)) of margin book `m`.
fn book_return_and_gross(m: u32) -> vec2<f32> {
    return vec2<f32>(
        weights_dot(WEIGHTS_MARGIN + m, &price_change),
        weights_abs_dot(WEIGHTS_MARGIN + m, &price),
    );
}

// First bucket at or after `first` that is not in breach (strict: 1/L + R < m·A breaches).
fn breach_end(m: u32, first: u32, ra: vec2<f32>) -> u32 {
    let limit = param_f32(P_MARGIN_MAINTENANCE + m) * ra.y;
    let buckets = param_u32(P_MARGIN_BUCKETS + m);
    var end = first;
    while end < buckets && param_f32(P_MARGIN_INVERSE_LEVERAGE + m * MAX_BUCKETS + end) + ra.x < limit {
        end += 1u;
    }
    return end;
}

// Runs the cascade of one step, round after round until no bucket is newly in breach;
// sets `rounds_exhausted` when buckets are still in breach after the last allowed round
// (they wait for the next step). The search that follows the last round is the check, and
// its flows are dropped, so the shader holds one copy of `find_breaches`.
fn cascade_run() {
    var round = 1u;
    loop {
        if !find_breaches() {
            break;
        }
        if round > MAX_CASCADE_ROUNDS {
            rounds_exhausted = true;
            impact_drop_flow();
            break;
        }
        impact_apply_flow();
        record_liquidations();
        round += 1u;
    }
}

// Finds the end of every book's newly breached buckets at the current prices (`new_end`)
// and adds the flow of their liquidation to `flow_usd` where the book bears impact; whether
// any book breached.
fn find_breaches() -> bool {
    var any = false;
    // @unroll
    for (var m = 0u; m < N_MARGIN; m++) {
        let first = margin_liquidated[m];
        new_end[m] = breach_end(m, first, book_return_and_gross(m));
        if new_end[m] > first {
            any = true;
            if param_bool(P_MARGIN_IMPACT + m) {
                var gross = 0.0;
                for (var b = first; b < new_end[m]; b++) {
                    gross += param_f32(P_MARGIN_GROSS + m * MAX_BUCKETS + b);
                }
                weights_add_times(WEIGHTS_MARGIN + m, -gross, &price, &flow_usd);
            }
        }
    }
    return any;
}

// Books the buckets [liquidated, new_end) of every book as liquidated at the current
// (post-impact) prices.
fn record_liquidations() {
    // @unroll
    for (var m = 0u; m < N_MARGIN; m++) {
        let first = margin_liquidated[m];
        if new_end[m] > first {
            record_book_liquidations(m, first);
        }
    }
}

// Books the buckets [first, new_end) of book `m` at the current prices.
fn record_book_liquidations(m: u32, first: u32) {
    let ra = book_return_and_gross(m);
    let equity = param_f32(P_MARGIN_EQUITY + m);
    let fee = param_f32(P_MARGIN_FEE + m);
    let accounts = param_f32(P_MARGIN_ACCOUNTS + m);
    for (var b = first; b < new_end[m]; b++) {
        let gross = param_f32(P_MARGIN_GROSS + m * MAX_BUCKETS + b);
        let share = param_f32(P_MARGIN_EQUITY_SHARE + m * MAX_BUCKETS + b);
        let realised = share * equity + gross * ra.x - fee * gross * ra.y;
        margin_kept_usd[m] += max(realised, 0.0);
        margin_bad_debt_usd[m] += max(-realised, 0.0);
        margin_liquidated_notional_usd[m] += gross * ra.y;
        liquidated_notional_usd += gross * ra.y;
        margin_accounts_liquidated[m] += share * accounts;
    }
    margin_liquidated[m] = new_end[m];
}

// Equity of book `m` at T: what liquidated buckets kept plus live buckets marked at R(T).
fn final_equity(m: u32) -> f32 {
    let r = book_return_and_gross(m).x;
    let equity = param_f32(P_MARGIN_EQUITY + m);
    var live = 0.0;
    for (var b = margin_liquidated[m]; b < param_u32(P_MARGIN_BUCKETS + m); b++) {
        live += param_f32(P_MARGIN_EQUITY_SHARE + m * MAX_BUCKETS + b) * equity
            + param_f32(P_MARGIN_GROSS + m * MAX_BUCKETS + b) * r;
    }
    return margin_kept_usd[m] + live;
}
