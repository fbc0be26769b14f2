//! Exactly rounded, order-independent floating-point sums.
//!
//! A run's parts are summed on different threads (or machines) and merged in whatever order
//! they finish; the mean and standard deviation must not depend on that order, bit for bit.
//! Floating-point addition is not associative, so the sums are kept exactly instead: every
//! finite f64 is an integer multiple of `2^-1074` and every product of two is one of `2^-2148`,
//! so a fixed-point integer with its unit at `2^-2148` holds any sum of them, or of their
//! squares, without error.
//!
//! The integer is kept as 66 signed 128-bit limbs of 64 bits each, and carries are never
//! propagated while adding: a value lands in two or three limbs, each receiving less than
//! `2^64`, so a limb overflows only after `2^63` additions. The limbs are then the plain integer
//! sums of each value's pieces: they depend only on the multiset of values, which is what makes
//! merging exact and lets `==` compare two sums made in different orders. (Shewchuk's
//! partials, behind Python's `math.fsum`, round exactly too, but their list depends on the
//! order of the additions.) Carries are resolved only when a value is read.

use serde::{Deserialize, Serialize};

use super::sketch::mul_pow2;

/// The exponent of the accumulator's unit: `2^-2148`, the smallest product of two f64.
const UNIT_EXPONENT: i64 = -2148;
/// Limbs of the accumulator: enough for a square of the largest f64 (bit 4195).
const LIMBS: usize = 66;

/// An exact, order-independent sum of f64 values (and, with [`add_square`](Self::add_square),
/// of their exact squares), read out correctly rounded. Two sums are equal (`==`) when they
/// hold the same exact value, however it was split into additions.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExactSum {
    /// Uncarried limbs, least significant first; empty until a non-zero finite value arrives.
    limbs: Vec<i128>,
    /// Whether a `+inf`, a `-inf` or a NaN was added.
    positive_infinity: bool,
    negative_infinity: bool,
    nan: bool,
}

impl PartialEq for ExactSum {
    /// Compares the exact values (the uncarried limbs depend on how the value was split into
    /// additions: a sum rebuilt from a GPU's digit counters has other limbs than one of values).
    fn eq(&self, other: &Self) -> bool {
        let canonical = |sum: &ExactSum| {
            let (negative, mut magnitude) = sum.to_integer();
            while magnitude.last() == Some(&0) {
                magnitude.pop();
            }
            (sum.special().map(f64::to_bits), negative, magnitude)
        };
        canonical(self) == canonical(other)
    }
}

/// `x = m · 2^e` for a finite non-zero `x` (sign dropped).
#[inline]
fn decompose(x: f64) -> (u64, i64) {
    let bits = x.to_bits();
    let exponent_field = ((bits >> 52) & 0x7FF) as i64;
    let fraction = bits & ((1 << 52) - 1);
    if exponent_field == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), exponent_field - 1075)
    }
}

impl ExactSum {
    /// An empty sum (zero).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `x` exactly. Infinities and NaN make the sum infinite or NaN, as in IEEE arithmetic.
    #[inline]
    pub fn add(&mut self, x: f64) {
        if x == 0.0 {
            return;
        }
        if !x.is_finite() {
            self.add_nonfinite(x);
            return;
        }
        let (m, e) = decompose(x);
        self.add_shifted(u128::from(m), (e - UNIT_EXPONENT) as u32, x < 0.0);
    }

    /// Adds the exact square `x²` (not the rounded `x * x`); it never overflows.
    #[inline]
    pub fn add_square(&mut self, x: f64) {
        if x == 0.0 {
            return;
        }
        if !x.is_finite() {
            self.add_nonfinite(x.abs());
            return;
        }
        let (m, e) = decompose(x);
        let m = u128::from(m);
        self.add_shifted(m * m, (2 * e - UNIT_EXPONENT) as u32, false);
    }

    /// Adds all of `other`; the result equals one sum over both inputs.
    pub fn merge(&mut self, other: &ExactSum) {
        self.positive_infinity |= other.positive_infinity;
        self.negative_infinity |= other.negative_infinity;
        self.nan |= other.nan;
        if other.limbs.is_empty() {
            return;
        }
        if self.limbs.is_empty() {
            self.limbs = vec![0; LIMBS];
        }
        for (mine, theirs) in self.limbs.iter_mut().zip(&other.limbs) {
            *mine += theirs;
        }
    }

    /// The sum correctly rounded to f64 (round to nearest, ties to even); `±inf` when it
    /// overflows, NaN when a NaN or both infinities were added. An empty sum is `+0.0`.
    pub fn value(&self) -> f64 {
        if let Some(special) = self.special() {
            return special;
        }
        let (negative, magnitude) = self.to_integer();
        let v = to_f64(&magnitude, false, UNIT_EXPONENT);
        if negative { -v } else { v }
    }

    fn add_nonfinite(&mut self, x: f64) {
        if x.is_nan() {
            self.nan = true;
        } else if x > 0.0 {
            self.positive_infinity = true;
        } else {
            self.negative_infinity = true;
        }
    }

    /// The value when an infinity or a NaN was added.
    fn special(&self) -> Option<f64> {
        match (self.nan, self.positive_infinity, self.negative_infinity) {
            (false, false, false) => None,
            (false, true, false) => Some(f64::INFINITY),
            (false, false, true) => Some(f64::NEG_INFINITY),
            _ => Some(f64::NAN),
        }
    }

    /// Adds (or subtracts) `w · 2^position` units, `w < 2^106`.
    #[inline]
    fn add_shifted(&mut self, w: u128, position: u32, negative: bool) {
        if self.limbs.is_empty() {
            self.limbs = vec![0; LIMBS];
        }
        let limb = (position / 64) as usize;
        let shift = position % 64;
        let pieces = if shift == 0 {
            [w as u64, (w >> 64) as u64, 0]
        } else {
            [
                (w as u64) << shift,
                (w >> (64 - shift)) as u64,
                (w >> (128 - shift)) as u64,
            ]
        };
        let limbs = &mut self.limbs[limb..limb + 3];
        for (l, piece) in limbs.iter_mut().zip(pieces) {
            if negative {
                *l -= i128::from(piece);
            } else {
                *l += i128::from(piece);
            }
        }
    }

    /// The exact sum in units as (is negative, magnitude limbs), carries resolved.
    fn to_integer(&self) -> (bool, Vec<u64>) {
        let mut limbs = self.limbs.clone();
        limbs.extend([0, 0]);
        carry(&mut limbs);
        let negative = limbs.last().is_some_and(|&top| top < 0);
        if negative {
            for l in &mut limbs {
                *l = -*l;
            }
            carry(&mut limbs);
        }
        (negative, limbs.iter().map(|&l| l as u64).collect())
    }
}

/// Propagates carries so that every limb but the last is in `[0, 2^64)`.
fn carry(limbs: &mut [i128]) {
    for i in 0..limbs.len() - 1 {
        let high = limbs[i] >> 64;
        limbs[i] &= i128::from(u64::MAX);
        limbs[i + 1] += high;
    }
}

/// The mean of `n` values whose exact sum is `sum`, correctly rounded; 0 when `n == 0`.
pub(crate) fn mean(sum: &ExactSum, n: u64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    if sum.special().is_some() {
        return sum.value() / n as f64;
    }
    let (negative, s) = sum.to_integer();
    let (quotient, remainder) = div_small(&s, n);
    let mean = to_f64(&quotient, remainder != 0, UNIT_EXPONENT);
    if negative { -mean } else { mean }
}

/// The population standard deviation of `n` values whose exact sum is `sum` and exact sum of
/// squares is `sum_sq` (0 when `n == 0`). The variance `(n·Σx² − (Σx)²)/n²` is computed
/// exactly in integers and rounded once before the square root, so there is no cancellation
/// (constant data give exactly 0) and the result is within about an ulp.
pub(crate) fn std(sum: &ExactSum, sum_sq: &ExactSum, n: u64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    if sum.special().is_some() || sum_sq.special().is_some() {
        let mean = mean(sum, n);
        return (sum_sq.value() / n as f64 - mean * mean).max(0.0).sqrt();
    }
    // D = n·Q·2^2148 − S², in units of 2^-4296 (the square of the accumulator's unit).
    let (_, s) = sum.to_integer();
    let (_, q) = sum_sq.to_integer();
    let scaled = shift_left(&mul_small(&q, n), (-UNIT_EXPONENT) as u64);
    let d = sub_saturating(&scaled, &mul(&s, &s));
    let (d, r1) = div_small(&d, n);
    let (var, r2) = div_small(&d, n);
    let (mut mantissa, cut) = round_mantissa(&var, r1 != 0 || r2 != 0, i64::MIN);
    if mantissa == 0 {
        return 0.0;
    }
    // var = mantissa · 2^exponent; make the exponent even before the square root.
    let mut exponent = cut + 2 * UNIT_EXPONENT;
    if exponent % 2 != 0 {
        mantissa <<= 1;
        exponent -= 1;
    }
    mul_pow2((mantissa as f64).sqrt(), exponent / 2)
}

/// The correctly rounded f64 of `magnitude · 2^unit_exponent`, plus a little more when `sticky`
/// says that non-zero bits were cut off below the unit (used after a division; it is only
/// heeded when the rounding position lies above the unit, as it always does for our unit).
fn to_f64(magnitude: &[u64], sticky: bool, unit_exponent: i64) -> f64 {
    let (mantissa, cut) = round_mantissa(magnitude, sticky, -1074 - unit_exponent);
    if mantissa == 0 {
        return 0.0;
    }
    let exponent = cut + unit_exponent;
    if exponent == -1074 {
        f64::from_bits(mantissa) // subnormal, or the smallest normal binade
    } else {
        mul_pow2(mantissa as f64, exponent)
    }
}

/// Rounds `magnitude` (plus a sticky bit below it) to nearest-even, keeping bits from position
/// `cut = max(top − 52, min_cut)` up; returns `(mantissa, cut)` with the value
/// `≈ mantissa · 2^cut`, `mantissa <= 2^53`. A magnitude that fits below bit 53 is exact.
fn round_mantissa(magnitude: &[u64], sticky: bool, min_cut: i64) -> (u64, i64) {
    let length = bit_length(magnitude);
    if length == 0 {
        return (0, 0);
    }
    let cut = (length as i64 - 53).max(min_cut);
    if cut <= 0 {
        return (magnitude[0], 0);
    }
    let cut = cut as u64;
    let mut mantissa = extract64(magnitude, cut);
    let round = bit(magnitude, cut - 1);
    let sticky = sticky || any_below(magnitude, cut - 1);
    if round && (sticky || mantissa & 1 == 1) {
        mantissa += 1;
    }
    if mantissa == 1 << 53 {
        return (1 << 52, cut as i64 + 1);
    }
    (mantissa, cut as i64)
}

/// Bits in `a` up to its highest set bit.
fn bit_length(a: &[u64]) -> u64 {
    a.iter()
        .rposition(|&l| l != 0)
        .map_or(0, |i| i as u64 * 64 + u64::from(64 - a[i].leading_zeros()))
}

fn limb(a: &[u64], i: u64) -> u64 {
    usize::try_from(i)
        .ok()
        .and_then(|i| a.get(i))
        .copied()
        .unwrap_or(0)
}

fn bit(a: &[u64], position: u64) -> bool {
    (limb(a, position / 64) >> (position % 64)) & 1 == 1
}

/// Whether any bit below `position` is set.
fn any_below(a: &[u64], position: u64) -> bool {
    let whole = ((position / 64) as usize).min(a.len());
    let partial = position % 64;
    a[..whole].iter().any(|&l| l != 0)
        || (partial > 0 && limb(a, position / 64) & ((1u64 << partial) - 1) != 0)
}

/// The 64 bits of `a` from `position` up.
fn extract64(a: &[u64], position: u64) -> u64 {
    let (i, shift) = (position / 64, position % 64);
    let low = limb(a, i) >> shift;
    if shift == 0 {
        low
    } else {
        low | (limb(a, i + 1) << (64 - shift))
    }
}

fn mul(a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut out = vec![0u64; a.len() + b.len()];
    for (i, &x) in a.iter().enumerate() {
        if x == 0 {
            continue;
        }
        let mut carry = 0u128;
        for (j, &y) in b.iter().enumerate() {
            let t = u128::from(x) * u128::from(y) + u128::from(out[i + j]) + carry;
            out[i + j] = t as u64;
            carry = t >> 64;
        }
        out[i + b.len()] = carry as u64;
    }
    out
}

fn mul_small(a: &[u64], m: u64) -> Vec<u64> {
    let mut out = Vec::with_capacity(a.len() + 1);
    let mut carry = 0u128;
    for &x in a {
        let t = u128::from(x) * u128::from(m) + carry;
        out.push(t as u64);
        carry = t >> 64;
    }
    out.push(carry as u64);
    out
}

fn shift_left(a: &[u64], bits: u64) -> Vec<u64> {
    let (words, shift) = ((bits / 64) as usize, bits % 64);
    let mut out = vec![0u64; words];
    let mut previous = 0u64;
    for &x in a {
        out.push(if shift == 0 {
            x
        } else {
            (x << shift) | (previous >> (64 - shift))
        });
        previous = x;
    }
    if shift != 0 {
        out.push(previous >> (64 - shift));
    }
    out
}

/// `a − b`, or zero if `b > a`.
fn sub_saturating(a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut out = Vec::with_capacity(a.len());
    let mut borrow = false;
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (limb(a, i as u64), limb(b, i as u64));
        let (t, b1) = x.overflowing_sub(y);
        let (t, b2) = t.overflowing_sub(u64::from(borrow));
        out.push(t);
        borrow = b1 || b2;
    }
    if borrow { Vec::new() } else { out }
}

/// `(a / d, a % d)`.
fn div_small(a: &[u64], d: u64) -> (Vec<u64>, u64) {
    let mut out = vec![0u64; a.len()];
    let mut remainder = 0u128;
    for (i, &x) in a.iter().enumerate().rev() {
        let t = (remainder << 64) | u128::from(x);
        out[i] = (t / u128::from(d)) as u64;
        remainder = t % u128::from(d);
    }
    (out, remainder as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_edges() {
        let mut s = ExactSum::new();
        s.add(1.0);
        s.add(f64::EPSILON / 2.0); // a tie: rounds to even (1.0)
        assert_eq!(s.value(), 1.0);
        s.add(f64::MIN_POSITIVE * f64::EPSILON); // sticky bit: now rounds up
        assert_eq!(s.value(), 1.0 + f64::EPSILON);
        let mut t = ExactSum::new();
        t.add(f64::MAX);
        t.add(f64::MAX);
        assert_eq!(t.value(), f64::INFINITY);
        t.add(-f64::MAX);
        assert_eq!(t.value(), f64::MAX);
        let mut u = ExactSum::new();
        u.add(f64::from_bits(1));
        u.add(f64::from_bits(2));
        assert_eq!(u.value(), f64::from_bits(3));
        u.add(f64::MIN_POSITIVE);
        u.add(-f64::from_bits(3));
        assert_eq!(u.value(), f64::MIN_POSITIVE);
        let mut v = ExactSum::new();
        v.add(-2.5);
        assert_eq!(v.value(), -2.5);
        v.add(2.5);
        assert_eq!(v.value().to_bits(), 0.0f64.to_bits());
    }

    #[test]
    fn squares_are_exact() {
        let mut s = ExactSum::new();
        let x = 1.0 + f64::EPSILON;
        s.add_square(x); // 1 + 2ε + ε²
        s.add(-1.0);
        s.add(-2.0 * f64::EPSILON);
        assert_eq!(s.value(), f64::EPSILON * f64::EPSILON);
        let mut big = ExactSum::new();
        big.add_square(1e200);
        assert_eq!(big.value(), f64::INFINITY);
        let mut tiny = ExactSum::new();
        tiny.add_square(1e-200);
        assert_eq!(tiny.value(), 0.0);
    }

    #[test]
    fn mean_and_std() {
        let (mut s, mut q) = (ExactSum::new(), ExactSum::new());
        for _ in 0..1000 {
            s.add(0.1);
            q.add_square(0.1);
        }
        assert_eq!((mean(&s, 1000), std(&s, &q, 1000)), (0.1, 0.0));
        let (mut s, mut q) = (ExactSum::new(), ExactSum::new());
        for x in [1.0, 2.0, 3.0, 4.0] {
            s.add(x);
            q.add_square(x);
        }
        assert_eq!((mean(&s, 4), std(&s, &q, 4)), (2.5, 1.25f64.sqrt()));
        let (mut s, mut q) = (ExactSum::new(), ExactSum::new());
        for x in [1e9 + 1.0, 1e9 - 1.0, -3e300, 3e300] {
            s.add(x);
            q.add_square(x);
        }
        assert_eq!(mean(&s, 4), 5e8);
        let std = std(&s, &q, 4);
        // Variance 4.5e600 (the ±1e9 pair's share is below an ulp): std = √4.5 · 1e300.
        assert!((std / (4.5f64.sqrt() * 1e300) - 1.0).abs() < 1e-15);
    }
}
