// Price impact (MODEL.md §2): decay of the displacement each step, and the impact of one
// round's net flow. Mirrors `src/engine/cpu/impact.rs`.

// Step stage 3: I_k ← I_k · 2^(−step_hours/half_life).
fn impact_decay() {
    let decay = param_f32(P_IMPACT_DECAY);
    if decay != 1.0 {
        // @unroll
        for (var k = 0u; k < N_ASSETS; k++) {
            impact_log[k] *= decay;
        }
    }
}

// Applies the round's net flow in `flow_usd` (then cleared): I_k += 0.01·g(F_k/D_ks),
// counts the USD sold into `forced_selling_usd`, and reprices the assets that moved. Only
// the assets some impact-bearing book or fund holds (`traded`, generated) can have flow.
fn impact_apply_flow() {
    // @unroll
    for (var k = 0u; k < N_ASSETS; k++) {
        let flow = flow_usd[k];
        if traded(k) && flow != 0.0 {
            let q = flow / regime_f32(P_DEPTH + k, N_ASSETS, stress);
            var moved = q;
            if IMPACT_SQRT {
                moved = sign(q) * sqrt(abs(q));
            }
            impact_log[k] += 0.01 * moved;
            forced_selling_usd += max(-flow, 0.0);
            flow_usd[k] = 0.0;
            refresh_price(k);
        }
    }
}

// Clears the round's flow without impact (a search past the last allowed round).
fn impact_drop_flow() {
    // @unroll
    for (var k = 0u; k < N_ASSETS; k++) {
        flow_usd[k] = 0.0;
    }
}
