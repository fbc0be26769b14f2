// The parameter buffer: a fixed header written per chunk, then the model's words at the
// offsets `P_*` of the generated header (f32 values stored as their bits).
// Keep `Header` in sync with `src/engine/gpu/params.rs`.

struct Header {
    seed_lo: u32,
    seed_hi: u32,
    path_base_lo: u32,
    path_base_hi: u32,
    path_count: u32,
    paths_per_row: u32,
    _pad0: u32,
    _pad1: u32,
}

struct Params {
    header: Header,
    words: array<u32>,
}

@group(0) @binding(0) var<storage, read> params: Params;

fn param_f32(index: u32) -> f32 {
    return bitcast<f32>(params.words[index]);
}

fn param_u32(index: u32) -> u32 {
    return params.words[index];
}

fn param_bool(index: u32) -> bool {
    return params.words[index] != 0u;
}

// A probability p as the pair (count, all) of `word_below` (philox.wgsl).
fn param_threshold(index: u32) -> vec2<u32> {
    return vec2<u32>(params.words[index], params.words[index + 1u]);
}
