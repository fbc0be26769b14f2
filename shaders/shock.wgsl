// Step stage 2: the exogenous shock (MODEL.md §2.2): jump flags, correlated normals with
// the regime's Cholesky factor (`correlated_shock`, generated with the factors as literals
// by `src/engine/gpu/correlation.rs`), the shared Student-t scale, jump sizes.
// Mirrors `src/engine/cpu/shock.rs`.

// Draws the step's exogenous log-returns from `stream` (positioned after U_0) and adds
// them to the path's exogenous log prices.
fn shock_apply(stream: ptr<function, StepStream>) {
    var fired = 0u;
    // @unroll
    for (var j = 0u; j < N_JUMPS; j++) {
        if word_below(next_word(stream), param_threshold(P_JUMP_FIRE + 2u * j)) {
            fired |= 1u << j;
        }
    }
    // @unroll
    for (var pair = 0u; pair < NORMAL_PAIRS; pair++) {
        let z = next_normal_pair(stream);
        normals[2u * pair] = z.x;
        normals[2u * pair + 1u] = z.y;
    }
    let t_scale = student_t_scale(stream);
    correlated_shock(t_scale);
    // @unroll
    for (var j = 0u; j < N_JUMPS; j++) {
        if (fired & (1u << j)) != 0u {
            let size = param_f32(P_JUMP_MEAN + j) + param_f32(P_JUMP_STDEV + j) * normals[N_ASSETS + j];
            // Rare: a jump's one rounding lands in the sum itself, uncompensated.
            weights_add(WEIGHTS_JUMP + j, size, &exogenous_log);
        }
    }
}

// The loop form of `correlated_shock` for universes too wide for literals:
// x_i += μ_i + σ_i·t·Σ_{j≤i} L_ij z_j with the path's regime's parameters. One load per
// term at the regime's offset: inside a loop the offsets are not constants, so reading both
// regimes (`regime_f32`) would only double the loads.
fn correlated_shock_from_params(t_scale: f32) {
    let regime = select(REGIME_CALM, REGIME_STRESS, stress);
    let cholesky = P_CHOLESKY + regime * N_ASSETS * N_ASSETS;
    let drift = P_DRIFT + regime * N_ASSETS;
    let vol = P_VOL + regime * N_ASSETS;
    for (var i = 0u; i < N_ASSETS; i++) {
        var epsilon = 0.0;
        for (var j = 0u; j <= i; j++) {
            epsilon += param_f32(cholesky + i * N_ASSETS + j) * normals[j];
        }
        exogenous_add(i, param_f32(drift + i) + param_f32(vol + i) * t_scale * epsilon);
    }
}

// sqrt((ν − 2)/W) with W = Σ −2 ln U (+ z_x² when ν is odd), exactly χ²_ν; 1 when
// Gaussian. A sum of logarithms, never the log of a product (f32 would underflow).
fn student_t_scale(stream: ptr<function, StepStream>) -> f32 {
    if STUDENT_T_DOF == 0u {
        return 1.0;
    }
    var chi_square = 0.0;
    // @unroll
    for (var i = 0u; i < CHI_SQUARE_LOGS; i++) {
        chi_square += 2.0 * neg_log_uniform(next_word(stream));
    }
    if STUDENT_T_DOF % 2u == 1u {
        let z_extra = normals[NORMAL_EXTRA];
        chi_square += z_extra * z_extra;
    }
    return sqrt((f32(STUDENT_T_DOF) - 2.0) / chi_square);
}
