//! Lanes: W f64 values, one per path of a block, with plain per-lane arithmetic that the
//! compiler turns into SIMD instructions of the width chosen at run time ([`Width`]).
//!
//! Every operation is the same IEEE operation on every lane (no fused multiply-add, no
//! width-dependent shortcut), so a lane's result does not depend on W, on the instruction
//! set or on the other lanes: a path computed in a block of 8 is bit for bit the path
//! computed alone. The transcendentals ([`math`]) are polynomials written the same way.

pub mod math;
mod width;

use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub};

pub use width::{LaneJob, Width};

/// `[f(0), …, f(W − 1)]`, by a plain loop that always inlines (the standard library's
/// `array::from_fn` and `map` may not, and then nothing in them runs on SIMD registers).
#[inline(always)]
pub fn each<T: Copy + Default, const W: usize>(mut f: impl FnMut(usize) -> T) -> [T; W] {
    let mut out = [T::default(); W];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = f(i);
    }
    out
}

/// One f64 per lane.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(transparent)]
pub struct Lanes<const W: usize>(pub [f64; W]);

/// One condition per lane: all bits set (true) or none (false), as SIMD compares produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(transparent)]
pub struct Mask<const W: usize>(pub [u64; W]);

impl<const W: usize> Lanes<W> {
    #[inline(always)]
    pub fn splat(value: f64) -> Self {
        Lanes([value; W])
    }

    #[inline(always)]
    pub fn from_fn(f: impl FnMut(usize) -> f64) -> Self {
        Lanes(each(f))
    }

    /// `f` on every lane.
    #[inline(always)]
    pub fn map(self, f: impl Fn(f64) -> f64) -> Self {
        Lanes(each(|i| f(self.0[i])))
    }

    /// `f` on every pair of lanes.
    #[inline(always)]
    pub fn zip_map(self, other: Self, f: impl Fn(f64, f64) -> f64) -> Self {
        Lanes(each(|i| f(self.0[i], other.0[i])))
    }

    #[inline(always)]
    pub fn max(self, other: Self) -> Self {
        self.zip_map(other, f64::max)
    }

    #[inline(always)]
    pub fn min(self, other: Self) -> Self {
        self.zip_map(other, f64::min)
    }

    /// IEEE square root (correctly rounded, so the same on every instruction set).
    #[inline(always)]
    pub fn sqrt(self) -> Self {
        self.map(f64::sqrt)
    }

    #[inline(always)]
    pub fn abs(self) -> Self {
        self.map(f64::abs)
    }

    #[inline(always)]
    pub fn exp(self) -> Self {
        self.map(math::exp)
    }

    #[inline(always)]
    pub fn ln(self) -> Self {
        self.map(math::ln)
    }

    #[inline(always)]
    pub fn lt(self, other: Self) -> Mask<W> {
        Mask::from_fn(|i| self.0[i] < other.0[i])
    }

    #[inline(always)]
    pub fn ne(self, other: Self) -> Mask<W> {
        Mask::from_fn(|i| self.0[i] != other.0[i])
    }
}

impl<const W: usize> Mask<W> {
    #[inline(always)]
    pub fn splat(value: bool) -> Self {
        Mask([if value { u64::MAX } else { 0 }; W])
    }

    #[inline(always)]
    pub fn from_fn(mut f: impl FnMut(usize) -> bool) -> Self {
        Mask(each(|i| if f(i) { u64::MAX } else { 0 }))
    }

    #[inline(always)]
    pub fn lane(self, i: usize) -> bool {
        self.0[i] != 0
    }

    #[inline(always)]
    pub fn any(self) -> bool {
        self.0.iter().fold(0, |any, m| any | m) != 0
    }

    /// Lanes set.
    #[inline(always)]
    pub fn count(self) -> usize {
        self.0.iter().filter(|m| **m != 0).count()
    }

    #[inline(always)]
    pub fn and(self, other: Self) -> Self {
        Mask(each(|i| self.0[i] & other.0[i]))
    }

    #[inline(always)]
    pub fn or(self, other: Self) -> Self {
        Mask(each(|i| self.0[i] | other.0[i]))
    }

    #[inline(always)]
    pub fn xor(self, other: Self) -> Self {
        Mask(each(|i| self.0[i] ^ other.0[i]))
    }

    #[inline(always)]
    pub fn all(self) -> bool {
        self.0.iter().fold(u64::MAX, |all, m| all & m) != 0
    }

    /// `if_true` where the mask is set, `if_false` elsewhere, bit for bit.
    #[inline(always)]
    pub fn select(self, if_true: Lanes<W>, if_false: Lanes<W>) -> Lanes<W> {
        Lanes(each(|i| {
            let bits =
                (if_true.0[i].to_bits() & self.0[i]) | (if_false.0[i].to_bits() & !self.0[i]);
            f64::from_bits(bits)
        }))
    }

    /// [`select`](Self::select) between two constants.
    #[inline(always)]
    pub fn choose(self, if_true: f64, if_false: f64) -> Lanes<W> {
        self.select(Lanes::splat(if_true), Lanes::splat(if_false))
    }
}

macro_rules! lane_op {
    ($trait:ident, $method:ident, $op:tt) => {
        impl<const W: usize> $trait for Lanes<W> {
            type Output = Self;
            #[inline(always)]
            fn $method(self, rhs: Self) -> Self {
                Lanes(each(|i| self.0[i] $op rhs.0[i]))
            }
        }
        impl<const W: usize> $trait<f64> for Lanes<W> {
            type Output = Self;
            #[inline(always)]
            fn $method(self, rhs: f64) -> Self {
                Lanes(each(|i| self.0[i] $op rhs))
            }
        }
        impl<const W: usize> $trait<Lanes<W>> for f64 {
            type Output = Lanes<W>;
            #[inline(always)]
            fn $method(self, rhs: Lanes<W>) -> Lanes<W> {
                Lanes(each(|i| self $op rhs.0[i]))
            }
        }
    };
}

lane_op!(Add, add, +);
lane_op!(Sub, sub, -);
lane_op!(Mul, mul, *);
lane_op!(Div, div, /);

impl<const W: usize> Neg for Lanes<W> {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        self.map(|x| -x)
    }
}

impl<const W: usize> AddAssign for Lanes<W> {
    #[inline(always)]
    fn add_assign(&mut self, rhs: Self) {
        *self = *self + rhs;
    }
}

impl<const W: usize> MulAssign<f64> for Lanes<W> {
    #[inline(always)]
    fn mul_assign(&mut self, rhs: f64) {
        *self = *self * rhs;
    }
}

impl<const W: usize> MulAssign for Lanes<W> {
    #[inline(always)]
    fn mul_assign(&mut self, rhs: Self) {
        *self = *self * rhs;
    }
}
