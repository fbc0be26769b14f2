//! Step stage 1: the regime switch (MODEL.md §2.1), mirrored by `shaders/regime.wgsl`.

use crate::engine::plan::{CALM, Plan, STRESS};
use crate::lanes::{Lanes, Mask};

/// The regime after this step's switch, given the step's first uniform U_0, per lane.
#[inline(always)]
pub fn switch<const W: usize>(plan: &Plan, stress: Mask<W>, u0: Lanes<W>) -> Mask<W> {
    let probability = stress.choose(
        plan.switch_probability[STRESS],
        plan.switch_probability[CALM],
    );
    let switches = u0.lt(probability);
    stress.xor(switches)
}

/// The regime at t = 0, from U_0 of the step-0 stream.
#[inline(always)]
pub fn initial<const W: usize>(plan: &Plan, u0: Lanes<W>) -> Mask<W> {
    u0.lt(Lanes::splat(plan.initial_stress_probability))
}

/// Reads per-regime parameters on lanes: one constant when every lane is in the same
/// regime, else each lane's.
#[derive(Clone, Copy)]
pub struct PerRegime<const W: usize> {
    stress: Mask<W>,
    /// The regime all lanes share, if they do.
    shared: Option<usize>,
}

impl<const W: usize> PerRegime<W> {
    #[inline(always)]
    pub fn new(stress: Mask<W>) -> Self {
        let shared = if stress.all() {
            Some(STRESS)
        } else if !stress.any() {
            Some(CALM)
        } else {
            None
        };
        PerRegime { stress, shared }
    }

    /// Element `i` of the per-regime table `values`.
    #[inline(always)]
    pub fn get(self, values: &[Vec<f64>; 2], i: usize) -> Lanes<W> {
        match self.shared {
            Some(regime) => Lanes::splat(values[regime][i]),
            None => self.stress.choose(values[STRESS][i], values[CALM][i]),
        }
    }
}
