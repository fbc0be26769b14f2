// Step stage 1: the regime switch (MODEL.md §2.1). Mirrors `src/engine/cpu/regime.rs`,
// comparing the stream word with a host-prepared threshold (exactly `u < p`).

// The regime after this step's switch, given the step's first word (U_0).
fn regime_switch(in_stress: bool, word0: u32) -> bool {
    let calm = param_threshold(P_SWITCH + 2u * REGIME_CALM);
    let stressed = param_threshold(P_SWITCH + 2u * REGIME_STRESS);
    if word_below(word0, select(calm, stressed, in_stress)) {
        return !in_stress;
    }
    return in_stress;
}

// The regime at t = 0, from U_0 of the step-0 stream.
fn regime_initial(word0: u32) -> bool {
    return word_below(word0, param_threshold(P_INITIAL_STRESS));
}

// A parameter laid out per regime, the block of regime s starting at `first + s·stride`:
// both regimes' words are read at offsets that are the same for every path (uniform loads,
// where a path-dependent offset would be a gather) and the path's regime picks one.
fn regime_f32(first: u32, stride: u32, in_stress: bool) -> f32 {
    let calm = param_f32(first + REGIME_CALM * stride);
    let stressed = param_f32(first + REGIME_STRESS * stride);
    return select(calm, stressed, in_stress);
}
