// The entry point: one invocation advances one global path by a slice of steps, step by
// step in the order of MODEL.md §2, and after the last step writes its metric row (layout
// of `MetricLayout`) and a rounds-exhausted flag, and the end of every step when recording
// (record.wgsl). Mirrors the step loop of the CPU engine (`src/engine/cpu/mod.rs`).
//
// What a step costs on llvmpipe (Mesa's software driver, 8 paths per instruction): it
// runs every line of an `if` under a lane mask whether or not a lane takes it, and every
// line of a loop body at least once; only repeated loop passes are saved. So rare work is
// kept out of the step's loop rather than behind a condition: the funds' rebalance runs in
// an outer loop, once per rebalance (`simulate_paths` below). Loops
// marked `// @unroll` are unrolled when the shader is composed (`src/engine/gpu/unroll.rs`),
// so that per-path arrays live in registers.

// Per path: ROW_LEN metrics, then its flag (`write_row`).
@group(0) @binding(1) var<storage, read_write> rows: array<f32>;
// [0]: paths of this dispatch that the driver cut short (see the end of `simulate_paths`).
@group(0) @binding(4) var<storage, read_write> slice_status: array<atomic<u32>>;

fn cohort_column(cohort: u32, metric: u32) -> u32 {
    return COHORT_METRICS * cohort + metric;
}

fn asset_column(asset: u32, metric: u32) -> u32 {
    return COHORT_METRICS * N_COHORTS + ASSET_METRICS * asset + metric;
}

fn system_column(metric: u32) -> u32 {
    return COHORT_METRICS * N_COHORTS + ASSET_METRICS * N_ASSETS + metric;
}

// Advances the path by one slice of steps, the header's step_first ..= step_last: from
// t = 0 when step_first is 1, else from the state the previous slice saved (path_state,
// generated); saves its state at the end, or writes its row after the last step.
@compute @workgroup_size(WORKGROUP_SIZE)
fn simulate_paths(@builtin(global_invocation_id) id: vec3<u32>) {
    let local = id.y * params.header.paths_per_row + id.x;
    if local >= params.header.path_count {
        return;
    }
    let path_lo = params.header.path_base_lo + local;
    let carry = select(0u, 1u, path_lo < local);
    let path = vec2<u32>(path_lo, params.header.path_base_hi + carry);
    let seed = vec2<u32>(params.header.seed_lo, params.header.seed_hi);
    let last = params.header.step_last;

    var step = params.header.step_first;
    if step == 1u {
        state_reset();
        record_start();
        var initial = step_stream(seed, path, 0u);
        stress = regime_initial(next_word(&initial));
    } else {
        state_load(local);
    }
    // A step is split where the funds rebalance (MODEL.md §2: regime, shock, impact decay
    // and prices; funds; cascade, drawdown): the inner loop closes a step and opens the
    // next until a fund is due, so the funds' code sits outside it and runs once per
    // rebalance instead of (masked) in every step.
    step_open(seed, path, step);
    loop {
        if funds_due(step) {
            funds_rebalance(step);
        }
        loop {
            step_close(local, step);
            step++;
            if step > last {
                break;
            }
            step_open(seed, path, step);
            if funds_due(step) {
                break;
            }
        }
        if step > last {
            break;
        }
    }
    // llvmpipe ends every loop of an invocation once their passes together reach 65,535
    // (gallivm's loop limiter), silently: a slice too long for it would come back cut
    // short. A loop of a run-time number of passes, run last, finds out: once the limit is
    // spent it stops after its first pass. The host then runs the slice again, shorter,
    // from the state the previous slice saved (so nothing below may count a cut path).
    var probe = 0u;
    loop {
        probe++;
        if probe >= params.header.loop_probe_passes {
            break;
        }
    }
    let cut_short = probe < params.header.loop_probe_passes;
    if cut_short {
        atomicAdd(&slice_status[0], 1u);
    }
    if last < STEPS {
        state_save(local);
        return;
    }
    if !cut_short {
        record_finish();
    }
    write_row(local * ROW_STRIDE, cut_short);
}

// The first part of step `step`: the regime switch, the exogenous shock, the decay of
// impact, the new prices.
fn step_open(seed: vec2<u32>, path: vec2<u32>, step: u32) {
    var stream = step_stream(seed, path, step);
    stress = regime_switch(stress, next_word(&stream));
    shock_apply(&stream);
    impact_decay();
    refresh_prices();
}

// The rest of step `step` after the funds: the cascade, the drawdown, the recording.
fn step_close(local: u32, step: u32) {
    cascade_run();
    track_drawdown();
    record_step(local, step);
}

// Writes the path's metrics at `row`, then its flag: −1 when `cut_short`, else 1 when some
// step ran out of cascade rounds, else 0.
fn write_row(row: u32, cut_short: bool) {
    // @unroll
    for (var m = 0u; m < N_MARGIN; m++) {
        let c = param_u32(P_MARGIN_COHORT + m);
        rows[row + cohort_column(c, METRIC_LOSS)] = param_f32(P_MARGIN_EQUITY + m) - final_equity(m);
        rows[row + cohort_column(c, METRIC_LIQUIDATED_NOTIONAL)] = margin_liquidated_notional_usd[m];
        rows[row + cohort_column(c, METRIC_ACCOUNTS_LIQUIDATED)] = margin_accounts_liquidated[m];
        rows[row + cohort_column(c, METRIC_BAD_DEBT)] = margin_bad_debt_usd[m];
    }
    // @unroll
    for (var e = 0u; e < N_ETF; e++) {
        let c = param_u32(P_ETF_COHORT + e);
        write_fund_row(row, c, param_f32(P_ETF_AUM + e) - etf_final_value(e));
    }
    // @unroll
    for (var v = 0u; v < N_VOL_TARGET; v++) {
        let c = param_u32(P_VOL_TARGET_COHORT + v);
        write_fund_row(row, c, vol_target_final_loss(v));
    }
    // @unroll
    for (var k = 0u; k < N_ASSETS; k++) {
        rows[row + asset_column(k, METRIC_RETURN)] = expm1(log_price(k));
        rows[row + asset_column(k, METRIC_MAX_DRAWDOWN)] = max_drawdown[k];
        rows[row + asset_column(k, METRIC_IMPACT_RETURN)] = expm1(impact_log[k]);
    }
    rows[row + system_column(METRIC_SYSTEM_LIQUIDATED_NOTIONAL)] = liquidated_notional_usd;
    rows[row + system_column(METRIC_SYSTEM_FORCED_SELLING)] = forced_selling_usd;
    rows[row + ROW_LEN] = select(select(0.0, 1.0, rounds_exhausted), -1.0, cut_short);
}

// Funds have no liquidations (MODEL.md §7.3).
fn write_fund_row(row: u32, cohort: u32, loss: f32) {
    rows[row + cohort_column(cohort, METRIC_LOSS)] = loss;
    rows[row + cohort_column(cohort, METRIC_LIQUIDATED_NOTIONAL)] = 0.0;
    rows[row + cohort_column(cohort, METRIC_ACCOUNTS_LIQUIDATED)] = 0.0;
    rows[row + cohort_column(cohort, METRIC_BAD_DEBT)] = 0.0;
}
