//! Step stages 1–2, the regime and the exogenous shock, as a pluggable source: the model's own
//! random draws for a path ([`Drawn`], MODEL.md §2), or a path given step by step
//! ([`GivenPath`], one path, for a replay or a reverse stress test). Everything after them in a step
//! (impact, funds, cascade) is the same either way.

use super::state::BlockState;
use super::{regime, shock};
use crate::engine::plan::Plan;
use crate::lanes::{Lanes, Mask};
use crate::rng::StepStreams;

/// Where the regimes and exogenous log-returns of a block of W paths come from.
pub trait Exogenous<const W: usize> {
    /// The regime at t = 0 (true: stress), per lane.
    fn initial_stress(&self, plan: &Plan) -> Mask<W>;
    /// Sets the regime of step `step` (1-based) in `state.stress` and adds the step's exogenous
    /// log-returns to `state.exogenous_log`.
    fn apply(&self, plan: &Plan, state: &mut BlockState<W>, step: u32);
}

/// The random regime switches and shocks of global paths `paths`, one per lane, from their
/// Philox streams.
#[derive(Debug, Clone, Copy)]
pub struct Drawn<const W: usize> {
    pub paths: [u64; W],
}

impl<const W: usize> Exogenous<W> for Drawn<W> {
    #[inline(always)]
    fn initial_stress(&self, plan: &Plan) -> Mask<W> {
        regime::initial(
            plan,
            StepStreams::new(plan.seed, self.paths, 0).next_uniform(),
        )
    }

    #[inline(always)]
    fn apply(&self, plan: &Plan, state: &mut BlockState<W>, step: u32) {
        let mut stream = StepStreams::new(plan.seed, self.paths, step);
        state.stress = regime::switch(plan, state.stress, stream.next_uniform());
        shock::apply(plan, state, &mut stream);
    }
}

/// A path given in full: per step, its regime and every asset's exogenous log-return. It must
/// have a row for each of the plan's steps.
#[derive(Debug, Clone, PartialEq)]
pub struct GivenPath {
    /// Regime of step t + 1 (true: stress).
    pub stress: Vec<bool>,
    /// Exogenous log-return of step t + 1, one per asset in model order.
    pub log_returns: Vec<Vec<f64>>,
}

impl GivenPath {
    /// Steps in the path.
    pub fn steps(&self) -> usize {
        self.log_returns.len()
    }
}

impl Exogenous<1> for GivenPath {
    /// A given path has no regime before its first step: calm.
    fn initial_stress(&self, _plan: &Plan) -> Mask<1> {
        Mask::splat(false)
    }

    fn apply(&self, _plan: &Plan, state: &mut BlockState<1>, step: u32) {
        let row = step as usize - 1;
        state.stress = Mask::splat(self.stress[row]);
        for (log_price, log_return) in state.exogenous_log.iter_mut().zip(&self.log_returns[row]) {
            *log_price += Lanes::splat(*log_return);
        }
    }
}
