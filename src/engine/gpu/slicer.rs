//! How many steps one path dispatch runs. A chunk's steps go in slices so that every
//! dispatch stays short whatever the horizon, the asset count or the adapter: an operating
//! system ends a dispatch that holds a GPU for long (Windows after 2 s), software drivers
//! end long shaders' loops (llvmpipe after 65,535 passes), and progress and Ctrl-C only act
//! between dispatches. The slice is sized from what the dispatches measure, never from a
//! constant tuned to one machine: the first runs one step, each one after runs as many
//! steps as the last one's time per step fits into [`TARGET_DISPATCH`] (at most twice as
//! many as before, so one fast measurement cannot overshoot far). A slice the driver cut
//! short is run again at half the length, and no later slice is longer.

use std::time::Duration;

/// The time one dispatch aims for: well under the ~50 ms that keeps a desktop responsive
/// and a watchdog far away, and long enough that a dispatch's fixed cost stays small.
pub const TARGET_DISPATCH: Duration = Duration::from_millis(25);

/// The slice length to run next, and the longest one the driver allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slicer {
    steps: u32,
    /// Longest slice allowed: the horizon, or half of a slice the driver cut short.
    cap: u32,
    /// Whether the length adapts to measurements and cut-short slices (off: a fixed
    /// length, a cut-short slice fails the run).
    adaptive: bool,
}

impl Slicer {
    /// Adaptive slices over a horizon of `horizon` steps, starting at one step.
    pub fn new(horizon: u32) -> Self {
        Slicer {
            steps: 1,
            cap: horizon.max(1),
            adaptive: true,
        }
    }

    /// Slices of `steps` steps, whatever they measure.
    pub fn fixed(steps: u32) -> Self {
        Slicer {
            steps: steps.max(1),
            cap: steps.max(1),
            adaptive: false,
        }
    }

    /// The last step of the slice that starts at step `first` of a horizon of `horizon`.
    pub fn last_step(&self, first: u32, horizon: u32) -> u32 {
        first.saturating_add(self.steps - 1).min(horizon)
    }

    /// A slice of `steps` steps took `elapsed`: sizes the next one.
    pub fn measured(&mut self, steps: u32, elapsed: Duration) {
        if !self.adaptive || steps == 0 {
            return;
        }
        let per_step = elapsed.as_secs_f64() / f64::from(steps);
        let fit = if per_step > 0.0 {
            (TARGET_DISPATCH.as_secs_f64() / per_step)
                .floor()
                .min(f64::from(u32::MAX)) as u32
        } else {
            u32::MAX
        };
        self.steps = fit.min(self.steps.saturating_mul(2)).min(self.cap).max(1);
    }

    /// The driver cut a slice of `steps` steps short: whether to run it again, shorter
    /// (adaptive and longer than one step), capping every later slice at half its length.
    pub fn cut_short(&mut self, steps: u32) -> bool {
        if !self.adaptive || steps <= 1 {
            return false;
        }
        self.cap = steps / 2;
        self.steps = self.steps.min(self.cap);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_grow_at_most_twofold_toward_the_target() {
        let mut slicer = Slicer::new(8760);
        assert_eq!(slicer.last_step(1, 8760), 1);
        // 1 ms a step: 25 steps fit, but growth is at most twofold per dispatch.
        slicer.measured(1, Duration::from_millis(1));
        assert_eq!(slicer.last_step(2, 8760), 3);
        for _ in 0..10 {
            slicer.measured(2, Duration::from_millis(2));
        }
        assert_eq!(slicer.last_step(1, 8760), 25);
        // Slower steps shrink the slice at once; never below one step.
        slicer.measured(25, Duration::from_secs(1));
        assert_eq!(slicer.last_step(1, 8760), 1);
        // The horizon ends the last slice.
        let mut fast = Slicer::new(168);
        for _ in 0..20 {
            fast.measured(1, Duration::from_nanos(10));
        }
        assert_eq!(fast.last_step(100, 168), 168);
        assert_eq!(fast.last_step(1, 168), 168);
    }

    #[test]
    fn a_cut_short_slice_halves_every_later_one() {
        let mut slicer = Slicer::new(1000);
        for _ in 0..20 {
            slicer.measured(1, Duration::from_nanos(10));
        }
        assert_eq!(slicer.last_step(1, 1000), 1000);
        assert!(slicer.cut_short(1000));
        assert_eq!(slicer.last_step(1, 1000), 500);
        slicer.measured(1, Duration::from_nanos(10));
        assert_eq!(slicer.last_step(1, 1000), 500);
        let mut one = Slicer::new(1000);
        assert!(!one.cut_short(1));
        let mut fixed = Slicer::fixed(300);
        assert!(!fixed.cut_short(300));
        fixed.measured(300, Duration::from_secs(10));
        assert_eq!(fixed.last_step(1, 1000), 300);
    }
}
