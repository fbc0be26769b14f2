//! Step stage 1: the regime switch (MODEL.md §2.1), mirrored by `shaders/regime.wgsl`.

use super::plan::{CALM, Plan, STRESS};

/// The regime after this step's switch, given the step's first uniform U_0.
#[inline(always)]
pub fn switch(plan: &Plan, stress: bool, u0: f64) -> bool {
    let from = if stress { STRESS } else { CALM };
    if u0 < plan.switch_probability[from] {
        !stress
    } else {
        stress
    }
}

/// The regime at t = 0, from U_0 of the step-0 stream.
#[inline(always)]
pub fn initial(plan: &Plan, u0: f64) -> bool {
    u0 < plan.initial_stress_probability
}
