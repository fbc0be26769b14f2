// Step stage 1: the regime switch (MODEL.md §2.1). Mirrors `src/engine/cpu/regime.rs`,
// comparing the stream word with a host-prepared threshold (exactly `u < p`).

// The regime after this step's switch, given the step's first word (U_0).
fn regime_switch(in_stress: bool, word0: u32) -> bool {
    let current = select(REGIME_CALM, REGIME_STRESS, in_stress);
    if word_below(word0, param_threshold(P_SWITCH + 2u * current)) {
        return !in_stress;
    }
    return in_stress;
}

// The regime at t = 0, from U_0 of the step-0 stream.
fn regime_initial(word0: u32) -> bool {
    return word_below(word0, param_threshold(P_INITIAL_STRESS));
}
