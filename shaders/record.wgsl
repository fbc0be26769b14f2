// Per-step recording, composed into the path shader when a run asks for per-step totals:
// after each step, the system notional liquidated in it and the cohorts liquidated for the
// first time; at the steps whose prices are sketched, every asset's price and exogenous-only
// price as the power the sketches take, (P_k(t)/P_k(0))^n_k = exp(n_k · log). Reads the path
// state only. Mirrors `src/engine/cpu/record.rs`; the step-row layout is `StepLayout` in
// `src/engine/gpu/record.rs` (keep in sync).

// Per path: STEP_STRIDE values, reduced afterwards by reduce.wgsl: the notional liquidated
// in step t at t − 1, the powered prices from STEP_PRICE, the powered exogenous-only prices
// from STEP_EXOGENOUS_PRICE (each at slot · N_ASSETS + k).
@group(0) @binding(5) var<storage, read_write> step_rows: array<f32>;
// [(t − 1)·(N_COHORTS + 1) + c]: paths whose first liquidation in cohort c came in step t;
// column N_COHORTS counts the first liquidation in any cohort.
@group(0) @binding(6) var<storage, read_write> first_liquidations: array<atomic<u32>>;

// The path's cumulative liquidated notional at the end of the previous step, USD.
var<private> liquidated_before_usd: f32;
// Per margin book: the step of its first liquidation, 0 while none.
var<private> book_first_step: array<u32, MARGIN_LEN>;
// The step of the first liquidation in any book, 0 while none.
var<private> any_first_step: u32;

// Back to t = 0 for a new path.
fn record_start() {
    liquidated_before_usd = 0.0;
    // @unroll
    for (var m = 0u; m < N_MARGIN; m++) {
        book_first_step[m] = 0u;
    }
    any_first_step = 0u;
}

// Records the state of chunk path `local` at the end of step `step`.
fn record_step(local: u32, step: u32) {
    let row = local * STEP_STRIDE;
    step_rows[row + step - 1u] = liquidated_notional_usd - liquidated_before_usd;
    liquidated_before_usd = liquidated_notional_usd;
    // @unroll
    for (var m = 0u; m < N_MARGIN; m++) {
        if book_first_step[m] == 0u && margin_liquidated[m] > 0u {
            book_first_step[m] = step;
            if any_first_step == 0u {
                any_first_step = step;
            }
        }
    }
    let slot = PRICE_SLOT[step - 1u];
    if slot != NO_PRICE_SLOT {
        // @unroll
        for (var k = 0u; k < N_ASSETS; k++) {
            let power = f32(PRICE_POWER[k]);
            let column = row + slot * N_ASSETS + k;
            step_rows[column + STEP_PRICE] = exp(power * log_price(k));
            step_rows[column + STEP_EXOGENOUS_PRICE] = exp(power * exogenous(k));
        }
    }
}

// Counts the path's first liquidations, once its last step is done (and known complete: a
// slice the driver cut short is run again, so the counters must not have seen it).
fn record_finish() {
    // @unroll
    for (var m = 0u; m < N_MARGIN; m++) {
        if book_first_step[m] != 0u {
            let counts = (book_first_step[m] - 1u) * (N_COHORTS + 1u);
            atomicAdd(&first_liquidations[counts + param_u32(P_MARGIN_COHORT + m)], 1u);
        }
    }
    if any_first_step != 0u {
        atomicAdd(&first_liquidations[(any_first_step - 1u) * (N_COHORTS + 1u) + N_COHORTS], 1u);
    }
}
