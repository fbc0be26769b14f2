//! The stream U_0, U_1, … of one (path, step): call h of Philox on counter
//! (h, t, path lo, path hi) under key (seed lo, seed hi), four uniforms per call.

use wide::f64x4;

use super::philox::{Key, philox4x32_10};

/// u = (w + 0.5) / 2^32: a uniform strictly inside (0, 1), exact in f64.
#[inline(always)]
pub fn uniform_from_word(word: u32) -> f64 {
    (f64::from(word) + 0.5) * (1.0 / 4_294_967_296.0)
}

/// Box–Muller on a pair of uniforms: (sqrt(−2 ln a)·cos 2πb, sqrt(−2 ln a)·sin 2πb).
#[inline(always)]
pub fn box_muller(a: f64, b: f64) -> (f64, f64) {
    let radius = (-2.0 * a.ln()).sqrt();
    let (sin, cos) = (std::f64::consts::TAU * b).sin_cos();
    (radius * cos, radius * sin)
}

/// [`box_muller`] on four pairs at once (SIMD `ln`, `sqrt` and `sin_cos`, within a few ulp
/// of the scalar form): returns (z, z') per lane.
#[inline(always)]
pub fn box_muller_x4(a: [f64; 4], b: [f64; 4]) -> ([f64; 4], [f64; 4]) {
    let radius = (f64x4::splat(-2.0) * f64x4::from(a).ln()).sqrt();
    let (sin, cos) = (f64x4::splat(std::f64::consts::TAU) * f64x4::from(b)).sin_cos();
    ((radius * cos).to_array(), (radius * sin).to_array())
}

/// The uniforms of one (path, step), drawn in slot order.
#[derive(Debug, Clone)]
pub struct StepStream {
    key: Key,
    counter: [u32; 4],
    words: [u32; 4],
    /// Next word of `words` to hand out; 4 means a new call is due.
    next: usize,
}

impl StepStream {
    /// The stream of global path `path` at step `step` (0 = the initial regime draw).
    #[inline(always)]
    pub fn new(seed: u64, path: u64, step: u32) -> Self {
        StepStream {
            key: [seed as u32, (seed >> 32) as u32],
            counter: [0, step, path as u32, (path >> 32) as u32],
            words: [0; 4],
            next: 4,
        }
    }

    /// The next raw word of the stream.
    #[inline(always)]
    pub fn next_word(&mut self) -> u32 {
        if self.next == 4 {
            self.words = philox4x32_10(self.counter, self.key);
            self.counter[0] = self.counter[0].wrapping_add(1);
            self.next = 0;
        }
        let word = self.words[self.next];
        self.next += 1;
        word
    }

    /// The next uniform U_i of the stream.
    #[inline(always)]
    pub fn next_uniform(&mut self) -> f64 {
        uniform_from_word(self.next_word())
    }

    /// The next two standard normals (one Box–Muller pair).
    #[inline(always)]
    pub fn next_normal_pair(&mut self) -> (f64, f64) {
        let a = self.next_uniform();
        let b = self.next_uniform();
        box_muller(a, b)
    }

    /// Fills `normals` (even length) with the next `normals.len() / 2` Box–Muller pairs,
    /// in stream order, evaluated four pairs at a time.
    #[inline(always)]
    pub fn fill_normals(&mut self, normals: &mut [f64]) {
        for group in normals.chunks_mut(8) {
            let pairs = group.len() / 2;
            let mut a = [0.5; 4];
            let mut b = [0.0; 4];
            for lane in 0..pairs {
                a[lane] = self.next_uniform();
                b[lane] = self.next_uniform();
            }
            let (z, z_prime) = box_muller_x4(a, b);
            for (lane, pair) in group.chunks_exact_mut(2).enumerate() {
                pair[0] = z[lane];
                pair[1] = z_prime[lane];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// The four-lane Box–Muller agrees with the scalar definition to a few ulp, pair for
    /// pair and in stream order (7 pairs: one full group and a padded one).
    #[test]
    fn fill_normals_matches_scalar_box_muller() {
        let mut vector = StepStream::new(42, 7, 3);
        let mut scalar = vector.clone();
        let mut normals = [0.0; 14];
        vector.fill_normals(&mut normals);
        for pair in normals.chunks_exact(2) {
            let (z, z_prime) = scalar.next_normal_pair();
            assert!((pair[0] - z).abs() <= 1e-14 * z.abs().max(1.0));
            assert!((pair[1] - z_prime).abs() <= 1e-14 * z_prime.abs().max(1.0));
        }
        assert_eq!(
            vector.next_word(),
            scalar.next_word(),
            "same stream position after"
        );
    }

    #[test]
    fn uniforms_stay_inside_the_open_interval() {
        assert!(uniform_from_word(0) > 0.0);
        assert!(uniform_from_word(u32::MAX) < 1.0);
    }
}
