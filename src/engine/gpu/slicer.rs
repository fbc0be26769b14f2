//! How many steps one path dispatch runs. A chunk's steps go in slices so that every
//! dispatch stays short whatever the horizon, the asset count or the adapter: an operating
//! system ends a dispatch that holds a GPU for long (Windows after 2 s), software drivers
//! end long shaders' loops (llvmpipe after 65,535 passes), and progress and Ctrl-C only act
//! between dispatches.
//!
//! The slice is sized from what the dispatches measure, never from a constant tuned to one
//! machine. A dispatch of n steps takes about `fixed + per_step · n`: the fixed part is
//! what every slice pays (launch, loading and saving the path state, and on a software
//! driver the masked code around the step loop), fitted from two slices of different
//! lengths; the first slices (one step, then two, ...) are the probe, until two
//! measurements fit a line with both parts positive. The next slice is then as long as fits
//! into [`TARGET_DISPATCH`], or, where the fixed part alone would be a large share of that
//! (llvmpipe: a hundred milliseconds per chunk), as long as keeps the fixed part to
//! [`FIXED_SHARE`] of the dispatch without passing the adapter's ceiling
//! ([`Slicer::new`]). A dispatch that passes the ceiling anyway (a busy machine, a model
//! that slows down) halves the next slice. A slice the driver cut short is run again at half
//! the length, and no later slice is longer.

use std::time::Duration;

/// The time one dispatch aims for: well under the ~50 ms that keeps a desktop responsive
/// and a watchdog far away, and long enough that a GPU's launch cost stays small.
pub const TARGET_DISPATCH: Duration = Duration::from_millis(25);

/// The longest a dispatch on a GPU may grow to pay for its fixed part: a quarter of the
/// shortest watchdog (Windows, 2 s).
pub const GPU_CEILING: Duration = Duration::from_millis(500);

/// The same on a software driver, which no watchdog watches: only Ctrl-C and progress wait
/// for a dispatch.
pub const SOFTWARE_CEILING: Duration = Duration::from_secs(2);

/// The share of a dispatch its fixed part may take before slices grow past the target.
pub const FIXED_SHARE: f64 = 0.1;

/// The slice length to run next, the longest one the driver allowed, and the cost model
/// fitted so far.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slicer {
    steps: u32,
    /// Longest slice allowed: the horizon, or half of a slice the driver cut short.
    cap: u32,
    /// Whether the length adapts to measurements and cut-short slices (off: a fixed
    /// length, a cut-short slice fails the run).
    adaptive: bool,
    /// Longest a dispatch may take, in seconds.
    ceiling: f64,
    /// The last measurement, (steps, seconds).
    last: Option<(u32, f64)>,
    /// (fixed, per step) seconds of a dispatch.
    cost: Option<(f64, f64)>,
}

impl Slicer {
    /// Adaptive slices over a horizon of `horizon` steps, starting at one step, for a
    /// hardware GPU ([`GPU_CEILING`]) or a software driver ([`SOFTWARE_CEILING`]).
    pub fn new(horizon: u32, software: bool) -> Self {
        let ceiling = if software {
            SOFTWARE_CEILING
        } else {
            GPU_CEILING
        };
        Slicer {
            steps: 1,
            cap: horizon.max(1),
            adaptive: true,
            ceiling: ceiling.as_secs_f64(),
            last: None,
            cost: None,
        }
    }

    /// Slices of `steps` steps, whatever they measure.
    pub fn fixed(steps: u32) -> Self {
        Slicer {
            steps: steps.max(1),
            cap: steps.max(1),
            adaptive: false,
            ceiling: 0.0,
            last: None,
            cost: None,
        }
    }

    /// Steps of the next slice.
    pub fn steps(&self) -> u32 {
        self.steps
    }

    /// The last step of the slice that starts at step `first` of a horizon of `horizon`.
    pub fn last_step(&self, first: u32, horizon: u32) -> u32 {
        first.saturating_add(self.steps - 1).min(horizon)
    }

    /// (fixed, per step) seconds of a dispatch, once fitted.
    pub fn cost(&self) -> Option<(f64, f64)> {
        self.cost
    }

    /// A slice of `steps` steps took `elapsed`: sizes the next one.
    pub fn measured(&mut self, steps: u32, elapsed: Duration) {
        if !self.adaptive || steps == 0 {
            return;
        }
        let seconds = elapsed.as_secs_f64();
        if let Some((n0, t0)) = self.last.filter(|&(n0, _)| n0 != steps) {
            let per_step = (seconds - t0) / (f64::from(steps) - f64::from(n0));
            let fixed = seconds - per_step * f64::from(steps);
            if per_step > 0.0 && fixed >= 0.0 {
                self.cost = Some((fixed, per_step));
            }
        }
        self.last = Some((steps, seconds));
        let wanted = match self.cost {
            Some((fixed, per_step)) => {
                let fit = |budget: f64| ((budget - fixed) / per_step).max(0.0);
                let target = fit(TARGET_DISPATCH.as_secs_f64()).floor();
                let amortised = (fixed * (1.0 - FIXED_SHARE) / (FIXED_SHARE * per_step)).ceil();
                let ceiling = fit(self.ceiling).floor();
                target.max(amortised.min(ceiling)).min(f64::from(u32::MAX)) as u32
            }
            // The probe.
            None => steps.saturating_mul(2),
        };
        self.steps = wanted.min(self.cap).max(1);
        if seconds > self.ceiling {
            self.steps = self.steps.min(steps / 2).max(1);
        }
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

    fn ms(milliseconds: f64) -> Duration {
        Duration::from_secs_f64(milliseconds / 1000.0)
    }

    /// Runs `slicer` against a dispatch of `fixed + per_step · n` milliseconds for `rounds`
    /// slices; the slice lengths.
    fn drive(slicer: &mut Slicer, fixed: f64, per_step: f64, rounds: usize) -> Vec<u32> {
        (0..rounds)
            .map(|_| {
                let n = slicer.steps();
                slicer.measured(n, ms(fixed + per_step * f64::from(n)));
                n
            })
            .collect()
    }

    /// A GPU: a small fixed part; after the probe (one step, two), slices settle where a
    /// dispatch takes the target.
    #[test]
    fn slices_settle_at_the_target_when_the_fixed_part_is_small() {
        let mut slicer = Slicer::new(8760, false);
        let lengths = drive(&mut slicer, 0.05, 0.1, 4);
        assert_eq!(lengths, [1, 2, 249, 249], "(25 − 0.05) / 0.1");
        let (fixed, per_step) = slicer.cost().expect("fitted");
        assert!((fixed - 0.05e-3).abs() < 1e-9 && (per_step - 0.1e-3).abs() < 1e-9);
        // A dispatch past the ceiling halves the next slice; never below one step.
        slicer.measured(249, Duration::from_secs(1));
        assert_eq!(slicer.steps(), 124);
        slicer.measured(1, Duration::from_secs(60));
        assert_eq!(slicer.steps(), 1);
    }

    /// A software driver: the fixed part alone passes the target, so slices grow until it
    /// is a tenth of the dispatch, or the dispatch reaches the ceiling.
    #[test]
    fn slices_amortise_a_large_fixed_part_within_the_ceiling() {
        let mut gpu = Slicer::new(8760, false);
        drive(&mut gpu, 30.0, 5.0, 4);
        assert_eq!(gpu.steps(), 54, "30 · 0.9 / (0.1 · 5)");
        let mut slow = Slicer::new(8760, false);
        drive(&mut slow, 70.0, 5.0, 4);
        assert_eq!(slow.steps(), 86, "(500 − 70) / 5, below 70 · 9 / 5 = 126");
        let mut software = Slicer::new(8760, true);
        drive(&mut software, 150.0, 7.0, 4);
        assert_eq!(
            software.steps(),
            193,
            "150 · 9 / 7, below (2000 − 150) / 7 = 264"
        );
    }

    #[test]
    fn the_horizon_ends_the_last_slice() {
        let mut fast = Slicer::new(168, false);
        drive(&mut fast, 0.0, 1e-6, 4);
        assert_eq!(fast.steps(), 168);
        assert_eq!(fast.last_step(100, 168), 168);
        assert_eq!(fast.last_step(1, 168), 168);
    }

    #[test]
    fn a_cut_short_slice_halves_every_later_one() {
        let mut slicer = Slicer::new(1000, true);
        drive(&mut slicer, 0.001, 1e-6, 4);
        assert_eq!(slicer.last_step(1, 1000), 1000);
        assert!(slicer.cut_short(1000));
        assert_eq!(slicer.last_step(1, 1000), 500);
        drive(&mut slicer, 0.001, 1e-6, 3);
        assert_eq!(slicer.last_step(1, 1000), 500);
        let mut one = Slicer::new(1000, true);
        assert!(!one.cut_short(1));
        let mut fixed = Slicer::fixed(300);
        assert!(!fixed.cut_short(300));
        fixed.measured(300, Duration::from_secs(10));
        assert_eq!(fixed.last_step(1, 1000), 300);
    }
}
