//! The stream U_0, U_1, … of one (path, step): call h of Philox on counter
//! (h, t, path lo, path hi) under key (seed lo, seed hi), four uniforms per call. A block of
//! W paths draws its W streams together, one per lane, slot by slot.

use super::philox::{Key, philox4x32_10_lanes};
use crate::lanes::{Lanes, each, math};

/// u = (w + 0.5) / 2^32: a uniform strictly inside (0, 1), exact in f64.
#[inline(always)]
pub fn uniform_from_word(word: u32) -> f64 {
    (f64::from(word) + 0.5) * (1.0 / 4_294_967_296.0)
}

/// Box–Muller on a pair of uniforms: (sqrt(−2 ln a)·cos 2πb, sqrt(−2 ln a)·sin 2πb), with the
/// lane polynomials of [`math`], so a single path and every lane agree bit for bit.
#[inline(always)]
pub fn box_muller(a: f64, b: f64) -> (f64, f64) {
    let radius = (-2.0 * math::ln(a)).sqrt();
    let (sin, cos) = math::sin_cos_turns(b);
    (radius * cos, radius * sin)
}

/// Philox calls made together, their rounds interleaved (a step of a scenario with a few
/// assets uses two to six).
const CALLS_AT_ONCE: usize = 2;

/// [`box_muller`] on every lane: the normal pairs of W uniform pairs.
#[inline(always)]
pub fn box_muller_lanes<const W: usize>(a: Lanes<W>, b: Lanes<W>) -> (Lanes<W>, Lanes<W>) {
    let mut z = Lanes::splat(0.0);
    let mut z_prime = Lanes::splat(0.0);
    for lane in 0..W {
        (z.0[lane], z_prime.0[lane]) = box_muller(a.0[lane], b.0[lane]);
    }
    (z, z_prime)
}

/// The streams of W paths at one step, drawn in slot order, one path per lane.
#[derive(Debug, Clone)]
pub struct StepStreams<const W: usize> {
    key: Key,
    /// The counter of the next call to make.
    counter: [[u32; W]; 4],
    /// The words of the last calls made, call after call.
    words: [[[u32; W]; 4]; CALLS_AT_ONCE],
    /// Next word of `words` to hand out; all of them handed out means new calls are due.
    next: usize,
}

impl<const W: usize> StepStreams<W> {
    /// The streams of global paths `paths` (one per lane) at step `step` (0 = the initial
    /// regime draw).
    #[inline(always)]
    pub fn new(seed: u64, paths: [u64; W], step: u32) -> Self {
        StepStreams {
            key: [seed as u32, (seed >> 32) as u32],
            counter: [
                [0; W],
                [step; W],
                each(|i| paths[i] as u32),
                each(|i| (paths[i] >> 32) as u32),
            ],
            words: [[[0; W]; 4]; CALLS_AT_ONCE],
            next: 4 * CALLS_AT_ONCE,
        }
    }

    /// The next raw word of every lane's stream.
    #[inline(always)]
    pub fn next_words(&mut self) -> [u32; W] {
        if self.next == 4 * CALLS_AT_ONCE {
            let mut counters = [self.counter; CALLS_AT_ONCE];
            for (h, counter) in counters.iter_mut().enumerate() {
                counter[0] = each(|i| self.counter[0][i].wrapping_add(h as u32));
            }
            self.words = philox4x32_10_lanes(counters, self.key);
            self.counter[0] = each(|i| self.counter[0][i].wrapping_add(CALLS_AT_ONCE as u32));
            self.next = 0;
        }
        let words = self.words[self.next / 4][self.next % 4];
        self.next += 1;
        words
    }

    /// The next uniform U_i of every lane's stream.
    #[inline(always)]
    pub fn next_uniform(&mut self) -> Lanes<W> {
        let words = self.next_words();
        Lanes(each(|i| uniform_from_word(words[i])))
    }

    /// The next two standard normals of every lane's stream (one Box–Muller pair).
    #[inline(always)]
    pub fn next_normal_pair(&mut self) -> (Lanes<W>, Lanes<W>) {
        let a = self.next_uniform();
        let b = self.next_uniform();
        box_muller_lanes(a, b)
    }
}

/// The stream of one (path, step).
#[derive(Debug, Clone)]
pub struct StepStream(StepStreams<1>);

impl StepStream {
    /// The stream of global path `path` at step `step` (0 = the initial regime draw).
    #[inline(always)]
    pub fn new(seed: u64, path: u64, step: u32) -> Self {
        StepStream(StepStreams::new(seed, [path], step))
    }

    /// The next raw word of the stream.
    #[inline(always)]
    pub fn next_word(&mut self) -> u32 {
        self.0.next_words()[0]
    }

    /// The next uniform U_i of the stream.
    #[inline(always)]
    pub fn next_uniform(&mut self) -> f64 {
        self.0.next_uniform().0[0]
    }

    /// The next two standard normals (one Box–Muller pair).
    #[inline(always)]
    pub fn next_normal_pair(&mut self) -> (f64, f64) {
        let (z, z_prime) = self.0.next_normal_pair();
        (z.0[0], z_prime.0[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::philox4x32_10;

    #[test]
    fn slots_follow_the_counter_layout() {
        let seed = 0x0123_4567_89ab_cdef_u64;
        let path = 0x0000_0002_0000_0005_u64;
        let mut stream = StepStream::new(seed, path, 7);
        let key = [0x89ab_cdef, 0x0123_4567];
        let call0 = philox4x32_10([0, 7, 5, 2], key);
        let call1 = philox4x32_10([1, 7, 5, 2], key);
        let drawn: Vec<u32> = (0..8).map(|_| stream.next_word()).collect();
        assert_eq!(&drawn[..4], &call0);
        assert_eq!(&drawn[4..], &call1);
    }

    /// Each lane of a block's streams is its path's own stream, word for word and normal
    /// for normal (bit for bit: the same polynomials).
    #[test]
    fn every_lane_draws_its_own_paths_stream() {
        let paths = [0, 1, 5, (1 << 32) + 3];
        let mut block = StepStreams::new(42, paths, 3);
        let mut singles = paths.map(|path| StepStream::new(42, path, 3));
        for _ in 0..5 {
            let words = block.next_words();
            let (z, z_prime) = block.next_normal_pair();
            for (lane, single) in singles.iter_mut().enumerate() {
                assert_eq!(words[lane], single.next_word());
                let (expected_z, expected_z_prime) = single.next_normal_pair();
                assert_eq!(z.0[lane].to_bits(), expected_z.to_bits());
                assert_eq!(z_prime.0[lane].to_bits(), expected_z_prime.to_bits());
            }
        }
    }

    /// The polynomial Box–Muller against the definition with the standard library's ln,
    /// sin and cos: a few ulp of the radius and the angle.
    #[test]
    fn box_muller_matches_the_definition() {
        let mut stream = StepStream::new(42, 7, 3);
        for _ in 0..10_000 {
            let (a, b) = (stream.next_uniform(), stream.next_uniform());
            let (z, z_prime) = box_muller(a, b);
            let radius = (-2.0 * a.ln()).sqrt();
            let (sin, cos) = (std::f64::consts::TAU * b).sin_cos();
            assert!((z - radius * cos).abs() <= 1e-14 * radius.max(1.0));
            assert!((z_prime - radius * sin).abs() <= 1e-14 * radius.max(1.0));
        }
    }

    #[test]
    fn uniforms_stay_inside_the_open_interval() {
        assert!(uniform_from_word(0) > 0.0);
        assert!(uniform_from_word(u32::MAX) < 1.0);
    }
}
