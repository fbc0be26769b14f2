// The parameter buffer: a fixed header written per chunk, then the model's words at the
// offsets `P_*` of the generated header (f32 values stored as their bits). The binding and
// `param_u32` come from params_uniform.wgsl or params_storage.wgsl (see `ParamsBinding` in
// `src/engine/gpu/params.rs`). Keep `Header` in sync with `src/engine/gpu/params.rs`.

struct Header {
    seed_lo: u32,
    seed_hi: u32,
    path_base_lo: u32,
    path_base_hi: u32,
    path_count: u32,
    paths_per_row: u32,
    column_base: u32,
    loop_probe_passes: u32,
    step_first: u32,
    step_last: u32,
    state_paths: u32,
    padding: u32,
}

fn param_f32(index: u32) -> f32 {
    return bitcast<f32>(param_u32(index));
}

fn param_bool(index: u32) -> bool {
    return param_u32(index) != 0u;
}

// Bit `i` of the bit words at `first` (`bit_words` in `src/engine/gpu/params.rs`).
fn param_bit(first: u32, i: u32) -> bool {
    return ((param_u32(first + i / 32u) >> (i % 32u)) & 1u) != 0u;
}

// A probability p as the pair (count, all) of `word_below` (philox.wgsl).
fn param_threshold(index: u32) -> vec2<u32> {
    return vec2<u32>(param_u32(index), param_u32(index + 1u));
}
