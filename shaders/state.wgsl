// The state one path carries from step to step: per-invocation private arrays sized by the
// generated constants. Mirrors `src/engine/cpu/state.rs`.

var<private> stress: bool;
// Cumulative exogenous log return per asset, a Neumaier sum of a step's return after another
// (`exogenous_add`): the sum and the low-order part it lost. Over a year of hours, plain f32
// sums drift by a few 1e-6 of log price (a random walk of 8,760 roundings).
var<private> exogenous_log: array<f32, ASSETS_LEN>;
var<private> exogenous_log_error: array<f32, ASSETS_LEN>;
// Impact displacement I_k per asset (log units).
var<private> impact_log: array<f32, ASSETS_LEN>;
// P_k(t)/P_k(0) = exp(exogenous + impact).
var<private> price: array<f32, ASSETS_LEN>;
// P_k/P_k(0) − 1, kept beside `price` (as expm1 of the log price, for its relative
// precision) so the cascade's book returns need no transcendental per weight and round.
var<private> price_change: array<f32, ASSETS_LEN>;
var<private> running_max: array<f32, ASSETS_LEN>;
var<private> max_drawdown: array<f32, ASSETS_LEN>;
// Net impact-bearing flow per asset of the current round, USD (negative = selling).
var<private> flow_usd: array<f32, ASSETS_LEN>;
// Scratch: the step's standard normals.
var<private> normals: array<f32, NORMALS_LEN>;

// Margin books: buckets liquidated so far (a prefix), Σ max(0, realised) of them, and
// what the cohort's metrics accumulate.
var<private> margin_liquidated: array<u32, MARGIN_LEN>;
var<private> margin_kept_usd: array<f32, MARGIN_LEN>;
var<private> margin_liquidated_notional_usd: array<f32, MARGIN_LEN>;
var<private> margin_accounts_liquidated: array<f32, MARGIN_LEN>;
var<private> margin_bad_debt_usd: array<f32, MARGIN_LEN>;

// Log prices (log P_k/P_k(0)) at each fund's last rebalance, N_ASSETS per fund: ETFs
// first, then vol-target funds (`etf_reference_at`, `vol_target_reference_at`). The CPU
// keeps relative prices; in f32, returns are taken as expm1 of log differences, which
// keeps their relative precision (P/P_ref − 1 in f32 loses it).
var<private> fund_reference: array<f32, FUND_REFERENCE_LEN>;

var<private> etf_aum_usd: array<f32, ETF_LEN>;

// Equity − initial equity, accumulated as each rebalance books its P&L (a Neumaier sum:
// `vol_target_pnl_usd` and the low-order part it lost, `vol_target_pnl_error_usd`). The
// CPU keeps the equity; in f32 the loss, a small difference of large equities, would keep
// only the digits the equity leaves it, and 8,760 hourly sums lose more.
var<private> vol_target_pnl_usd: array<f32, VOL_TARGET_LEN>;
var<private> vol_target_pnl_error_usd: array<f32, VOL_TARGET_LEN>;
var<private> vol_target_exposure_usd: array<f32, VOL_TARGET_LEN>;
// EWMA variance, annualised.
var<private> vol_target_variance: array<f32, VOL_TARGET_LEN>;

fn etf_reference_at(e: u32) -> u32 {
    return e * N_ASSETS;
}

fn vol_target_reference_at(v: u32) -> u32 {
    return (N_ETF + v) * N_ASSETS;
}

var<private> liquidated_notional_usd: f32;
var<private> forced_selling_usd: f32;
var<private> rounds_exhausted: bool;

// t = 0: everything at its initial value.
fn state_reset() {
    stress = false;
    // @unroll
    for (var k = 0u; k < N_ASSETS; k++) {
        exogenous_log[k] = 0.0;
        exogenous_log_error[k] = 0.0;
        impact_log[k] = 0.0;
        price[k] = 1.0;
        price_change[k] = 0.0;
        running_max[k] = 1.0;
        max_drawdown[k] = 0.0;
        flow_usd[k] = 0.0;
    }
    // @unroll
    for (var m = 0u; m < N_MARGIN; m++) {
        margin_liquidated[m] = 0u;
        margin_kept_usd[m] = 0.0;
        margin_liquidated_notional_usd[m] = 0.0;
        margin_accounts_liquidated[m] = 0.0;
        margin_bad_debt_usd[m] = 0.0;
    }
    // @unroll
    for (var e = 0u; e < N_ETF; e++) {
        etf_aum_usd[e] = param_f32(P_ETF_AUM + e);
    }
    // @unroll
    for (var v = 0u; v < N_VOL_TARGET; v++) {
        let equity = param_f32(P_VOL_TARGET_EQUITY + v);
        let initial_vol = param_f32(P_VOL_TARGET_INITIAL_VOL + v);
        let leverage = min(
            param_f32(P_VOL_TARGET_MAX_LEVERAGE + v),
            param_f32(P_VOL_TARGET_TARGET_VOL + v) / initial_vol,
        );
        vol_target_pnl_usd[v] = 0.0;
        vol_target_pnl_error_usd[v] = 0.0;
        vol_target_exposure_usd[v] = equity * leverage;
        vol_target_variance[v] = initial_vol * initial_vol;
    }
    for (var i = 0u; i < (N_ETF + N_VOL_TARGET) * N_ASSETS; i++) {
        fund_reference[i] = 0.0;
    }
    liquidated_notional_usd = 0.0;
    forced_selling_usd = 0.0;
    rounds_exhausted = false;
}

// What f32 rounds off when `sum` + `x` is rounded to `total`: the low-order part a Neumaier
// compensated sum keeps beside its sum. naga and llvmpipe keep this order of operations.
fn neumaier_lost(sum: f32, x: f32, total: f32) -> f32 {
    if abs(sum) >= abs(x) {
        return (sum - total) + x;
    }
    return (x - total) + sum;
}

// Adds `x` to asset `k`'s exogenous log return, keeping what f32 rounds off.
fn exogenous_add(k: u32, x: f32) {
    let total = exogenous_log[k] + x;
    exogenous_log_error[k] += neumaier_lost(exogenous_log[k], x, total);
    exogenous_log[k] = total;
}

// The exogenous log return of asset `k` with its compensation.
fn exogenous(k: u32) -> f32 {
    return exogenous_log[k] + exogenous_log_error[k];
}

// log P_k/P_k(0).
fn log_price(k: u32) -> f32 {
    return exogenous_log[k] + (exogenous_log_error[k] + impact_log[k]);
}

// e^x − 1 accurate also for small x. WGSL only asks of `exp` and `log` a few ULP, and of
// `log` near 1 an absolute 2^-21 (llvmpipe's are that loose), so Kahan's trick (e^x − 1)·x /
// log(e^x) misses small returns and impacts by up to a few per cent (an impact of 7e-6 came
// out 1.7% off the CPU's). Below |x| = 0.1 the series to x^6/720 is exact in f32 (the next
// term is 2e-10 of x); above, e^x − 1 loses at most a few ULP of e^x, under 5e-6 of it.
fn expm1(x: f32) -> f32 {
    if abs(x) < 0.1 {
        return x * (1.0 + x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0 + x / 720.0)))));
    }
    return exp(x) - 1.0;
}

// Recomputes relative prices from the exogenous and impact parts.
fn refresh_prices() {
    // @unroll
    for (var k = 0u; k < N_ASSETS; k++) {
        refresh_price(k);
    }
}

// Reprices asset `k` from its exogenous and impact parts.
fn refresh_price(k: u32) {
    let change = expm1(log_price(k));
    price_change[k] = change;
    price[k] = 1.0 + change;
}

// End of step: the running maximum and the deepest drawdown so far.
fn track_drawdown() {
    // @unroll
    for (var k = 0u; k < N_ASSETS; k++) {
        running_max[k] = max(running_max[k], price[k]);
        max_drawdown[k] = max(max_drawdown[k], 1.0 - price[k] / running_max[k]);
    }
}
