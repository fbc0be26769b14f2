//! The lane width, chosen at run time from the processor's features (one binary runs
//! everywhere): 8 f64 lanes with AVX-512, 4 with AVX2, 2 with SSE2 (every x86-64), 1
//! elsewhere. `FIRESALE_CPU_LANES=1|2|4|8` forces a width this processor can run; the
//! results are the same bit for bit whichever runs.

/// Paths per block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    One = 1,
    Two = 2,
    Four = 4,
    Eight = 8,
}

/// The environment variable that forces a width.
pub const LANES_VARIABLE: &str = "FIRESALE_CPU_LANES";

/// Work generic in the lane width; [`Width::run`] compiles it once per width, with that
/// width's instruction set enabled.
pub trait LaneJob {
    type Output;
    /// Runs the job on blocks of `W` lanes. Must be `#[inline(always)]`, and so must what it
    /// calls on its hot path, to be compiled with the wider instruction sets.
    fn run<const W: usize>(self) -> Self::Output;
}

impl Width {
    /// The widest this processor runs.
    pub fn detected() -> Width {
        *[Width::Eight, Width::Four, Width::Two]
            .iter()
            .find(|w| w.available())
            .unwrap_or(&Width::One)
    }

    /// Whether this processor has the instructions of this width.
    pub fn available(self) -> bool {
        match self {
            Width::One => true,
            #[cfg(target_arch = "x86_64")]
            Width::Two => true,
            #[cfg(target_arch = "x86_64")]
            Width::Four => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            Width::Eight => std::arch::is_x86_feature_detected!("avx512f"),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// Every width this processor runs, narrowest first.
    pub fn all_available() -> Vec<Width> {
        [Width::One, Width::Two, Width::Four, Width::Eight]
            .into_iter()
            .filter(|w| w.available())
            .collect()
    }

    /// The width `FIRESALE_CPU_LANES` forces, else the detected one; an error names the
    /// variable and the widths this processor runs.
    pub fn chosen() -> Result<Width, String> {
        match std::env::var(LANES_VARIABLE) {
            Err(_) => Ok(Width::detected()),
            Ok(value) => Width::parse(value.trim()),
        }
    }

    fn parse(value: &str) -> Result<Width, String> {
        let widths: Vec<String> = Width::all_available()
            .iter()
            .map(|w| (*w as usize).to_string())
            .collect();
        let bad = || {
            format!(
                "{LANES_VARIABLE}={value}: use one of {} (the lane widths this processor runs), or unset it",
                widths.join(", ")
            )
        };
        let width = match value {
            "1" => Width::One,
            "2" => Width::Two,
            "4" => Width::Four,
            "8" => Width::Eight,
            _ => return Err(bad()),
        };
        if width.available() {
            Ok(width)
        } else {
            Err(bad())
        }
    }

    /// Lanes per block.
    pub fn lanes(self) -> usize {
        self as usize
    }

    /// The instruction set of this width, for the engine's description.
    pub fn instruction_set(self) -> &'static str {
        match self {
            Width::One => "scalar",
            Width::Two => "SSE2",
            Width::Four => "AVX2",
            Width::Eight => "AVX-512",
        }
    }

    /// Runs `job` at this width.
    pub fn run<J: LaneJob>(self, job: J) -> J::Output {
        match self {
            Width::One => job.run::<1>(),
            #[cfg(target_arch = "x86_64")]
            Width::Two => job.run::<2>(),
            // SAFETY: a Width other than One and Two exists only where `available` found
            // its instructions (detected, or checked by `parse`).
            #[cfg(target_arch = "x86_64")]
            Width::Four => unsafe { run_avx2(job) },
            #[cfg(target_arch = "x86_64")]
            Width::Eight => unsafe { run_avx512(job) },
            #[cfg(not(target_arch = "x86_64"))]
            _ => job.run::<1>(),
        }
    }
}

/// AVX2 without FMA: a fused multiply-add would round differently from the other widths.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn run_avx2<J: LaneJob>(job: J) -> J::Output {
    job.run::<4>()
}

/// AVX-512F. It implies FMA, which the compiler never uses unasked (Rust does not contract
/// a·b + c), so the rounding stays that of the other widths.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn run_avx512<J: LaneJob>(job: J) -> J::Output {
    job.run::<8>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_the_available_widths_and_names_the_variable_otherwise() {
        assert_eq!(Width::parse("1"), Ok(Width::One));
        let error = Width::parse("3").unwrap_err();
        assert!(
            error.starts_with("FIRESALE_CPU_LANES=3: use one of 1"),
            "{error}"
        );
        for width in Width::all_available() {
            assert_eq!(Width::parse(&width.lanes().to_string()), Ok(width));
        }
    }
}
