//! A deterministic, mergeable quantile sketch with bounded relative error.
//!
//! Millions of paths cannot be kept in memory to sort, and the per-thread (or per-shard) parts
//! of a run must combine into exactly the summary one pass would have made, whatever the split.
//! So the sketch keeps only integer counts in logarithmic buckets (in the manner of DDSketch),
//! plus the exact minimum and maximum: merging is integer addition, and the state depends only
//! on the multiset of values seen.
//!
//! Bucket `i` holds the magnitudes in `(γ^(i-1), γ^i]`, `i = ceil(log_γ |x|)`, with
//! `γ = 2^(1/70)`, so that every representative `2γ^i/(γ+1)` is within
//! `a = (γ-1)/(γ+1) ≈ 0.00495` of every value of its bucket. Because 70 buckets make exactly
//! one octave, the index is read from the float's exponent and a table of the 70 bucket bounds
//! of one octave (correctly rounded `2^(t/70)`), with integer comparisons only: no `ln`, so the
//! index is the same on every platform and the sketch of a shard written on one machine merges
//! exactly with one made on another.
//!
//! Memory: positive and negative magnitudes have separate dense stores, each spanning only the
//! buckets that hold values. Values with `|x| < 2^-64 · max|x|` (`max` over everything seen) are
//! folded into the zero bucket with the exact zeros, so a store never exceeds
//! `SPAN + 1 = 4481` buckets, whatever the count or range of the data. That folding depends
//! only on the final `max|x|`, so it keeps merges exact; it is far inside MODEL.md §7.10's
//! allowance of `1e-9` of the largest absolute value near zero.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// Buckets per octave: `γ = 2^(1/BUCKETS_PER_OCTAVE)`.
const BUCKETS_PER_OCTAVE: i32 = 70;

/// A store keeps the buckets `top - SPAN ..= top`, `top` being the largest index seen (either
/// sign); smaller magnitudes (below `2^-64 · max|x|`) count as zero.
const SPAN: i32 = 64 * BUCKETS_PER_OCTAVE;

/// The 52 fraction bits of `2^(t/70)` correctly rounded to f64, `t = 0..70`: the bucket bounds
/// within one octave.
const BOUND_FRACTION: [u64; 70] = [
    0x0000000000000,
    0x028c2af3c1ff5,
    0x051ed35254d7b,
    0x07b809a43b568,
    0x0a57de9c16bc7,
    0x0cfe6317120a2,
    0x0faba81d4e5df,
    0x125fbee250664,
    0x151ab8c56eea2,
    0x17dca752426be,
    0x1aa59c4115e7d,
    0x1d75a97758b26,
    0x204ce10811781,
    0x232b55345262f,
    0x2611186bae675,
    0x28fe3d4cafbb7,
    0x2bf2d6a54f7da,
    0x2eeef7736e8a3,
    0x31f2b2e54f85d,
    0x34fe1c5a121ed,
    0x381147622f886,
    0x3b2c47bff8329,
    0x3e4f316812c30,
    0x417a1881fc50e,
    0x44ad116889e7b,
    0x47e830aa6b53e,
    0x4b2b8b0aaf3c7,
    0x4e773581488d9,
    0x51cb453b9536c,
    0x5527cf9ce6406,
    0x588cea3f093be,
    0x5bfaaaf2d311f,
    0x5f7127c0ac32a,
    0x62f076e91e2a5,
    0x6678aee5629f8,
    0x6a09e667f3bcd,
    0x6da4345d1e0ad,
    0x7147afeb93bdc,
    0x74f47075017a0,
    0x78aa8d96a493e,
    0x7c6a1f29e2ce6,
    0x80333d44e39be,
    0x8406003b2ae5c,
    0x87e2809e355e7,
    0x8bc8d73e16610,
    0x8fb91d2a17639,
    0x93b36bb158fff,
    0x97b7dc637595c,
    0x9bc68911258c0,
    0x9fdf8bcce533d,
    0xa402feeb9c533,
    0xa830fd0547591,
    0xac69a0f5a241c,
    0xb0ad05dcd52e0,
    0xb4fb472022b1a,
    0xb954806a97df0,
    0xbdb8cdadbe120,
    0xc2284b224e80a,
    0xc6a31548e794d,
    0xcb2948eac4142,
    0xcfbb031a741a5,
    0xd458613497eac,
    0xd90180e09c9e4,
    0xddb680117ab12,
    0xe2777d0676770,
    0xe744964be278b,
    0xec1deabbe3c14,
    0xf103997f381f4,
    0xf5f5c20dfe5f2,
    0xfaf4843080836,
];

/// `2^(t/70) · 2/(1+γ)` correctly rounded: the representative of bucket `70e + t` is this times
/// `2^e`.
const REPRESENTATIVE: [f64; 70] = [
    0.9950489891647791,
    1.0049510108352209,
    1.0149515704010121,
    1.025051648441386,
    1.0352522352936058,
    1.045554331150067,
    1.0559589461563719,
    1.0664671005103739,
    1.0770798245622126,
    1.087798158915341,
    1.0986231545285596,
    1.109555872819065,
    1.1205973857665255,
    1.1317487760181897,
    1.1430111369950444,
    1.1543855729990258,
    1.1658731993212998,
    1.1774751423516194,
    1.1891925396887684,
    1.2010265402521072,
    1.2129783043942268,
    1.225049004014724,
    1.2372398226751087,
    1.2495519557148556,
    1.2619866103686097,
    1.2745450058845595,
    1.2872283736439856,
    1.3000379572820024,
    1.312975012809498,
    1.3260408087362905,
    1.3392366261955075,
    1.3525637590692048,
    1.3660235141152344,
    1.379617211095376,
    1.3933461829047413,
    1.4072117757024696,
    1.4212153490437205,
    1.4353582760129824,
    1.4496419433587062,
    1.4640677516292797,
    1.478637115310355,
    1.4933514629635418,
    1.5082122373664812,
    1.5232208956543147,
    1.5383789094625586,
    1.5536877650714016,
    1.5691489635514388,
    1.5847640209108553,
    1.600534468244074,
    1.6164618518818834,
    1.6325477335430587,
    1.648793690487493,
    1.6652013156708507,
    1.6817722179007613,
    1.698508021994566,
    1.7154103689386362,
    1.732480916049275,
    1.7497213371352218,
    1.7671333226617736,
    1.7847185799165386,
    1.8024788331768402,
    1.8204158238787864,
    1.8385313107880221,
    1.8568270701721803,
    1.8753048959750493,
    1.8939665999924737,
    1.9128140120500048,
    1.9318489801823195,
    1.9510733708144257,
    1.9704890689446681,
];

/// Slots of the fraction-bits lookup: the top `SLOT_BITS` of the 52 fraction bits.
const SLOT_BITS: u32 = 10;

/// For each slot `s`, how many octave bounds lie strictly below the slot's start. The bounds are
/// more than a slot apart, so at most one falls inside a slot and one comparison settles it.
static BOUNDS_BELOW_SLOT: [u8; 1 << SLOT_BITS] = bounds_below_slot();

const fn bounds_below_slot() -> [u8; 1 << SLOT_BITS] {
    let mut table = [0u8; 1 << SLOT_BITS];
    let mut slot = 0;
    while slot < table.len() {
        let start = (slot as u64) << (52 - SLOT_BITS);
        let mut below = 0;
        while below < BOUND_FRACTION.len() && BOUND_FRACTION[below] < start {
            below += 1;
        }
        table[slot] = below as u8;
        slot += 1;
    }
    table
}

/// `ceil(log_γ x)` for a finite `x > 0`, evaluated exactly against the rounded bounds.
#[inline]
fn bucket_index(x: f64) -> i32 {
    const FRACTION_MASK: u64 = (1 << 52) - 1;
    let bits = x.to_bits();
    let exponent_field = (bits >> 52) as i32;
    let (exponent, fraction) = if exponent_field == 0 {
        // Subnormal: normalise so the leading one sits at bit 52.
        let fraction = bits & FRACTION_MASK;
        let shift = fraction.leading_zeros() - 11;
        (
            -1011 - fraction.leading_zeros() as i32,
            (fraction << shift) & FRACTION_MASK,
        )
    } else {
        (exponent_field - 1023, bits & FRACTION_MASK)
    };
    let below = BOUNDS_BELOW_SLOT[(fraction >> (52 - SLOT_BITS)) as usize] as usize;
    let within =
        below + usize::from(below < BOUND_FRACTION.len() && fraction > BOUND_FRACTION[below]);
    BUCKETS_PER_OCTAVE * exponent + within as i32
}

/// `2^e` for `-1022 <= e <= 1023`.
#[inline]
fn pow2(e: i64) -> f64 {
    debug_assert!((-1022..=1023).contains(&e));
    f64::from_bits(((e + 1023) as u64) << 52)
}

/// `x · 2^e` with a single rounding, for `2^-2 <= |x| <= 2^60` (or `x == 0`): exact when the
/// result is a normal float, infinite on overflow.
pub(crate) fn mul_pow2(x: f64, e: i64) -> f64 {
    if e > 1023 {
        x * pow2(1023) * pow2((e - 1023).min(1023))
    } else if e >= -1022 {
        x * pow2(e)
    } else if e + 120 < -1022 {
        x * 0.0
    } else {
        x * pow2(e + 120) * pow2(-120)
    }
}

/// The representative magnitude `2γ^i/(γ+1)` of bucket `i`.
#[inline]
fn bucket_value(i: i32) -> f64 {
    let octave = i.div_euclid(BUCKETS_PER_OCTAVE);
    let within = i.rem_euclid(BUCKETS_PER_OCTAVE) as usize;
    mul_pow2(REPRESENTATIVE[within], i64::from(octave))
}

/// The 1-based rank of the q-quantile among `n` values: the smallest `k` with `k/n >= q`,
/// i.e. `ceil(q·n)` evaluated in f64 (so that `q = 0.1` means one tenth), clamped to `1..=n`.
pub(crate) fn rank(q: f64, n: u64) -> u64 {
    let k = (q * n as f64).ceil();
    if k >= n as f64 {
        n
    } else if k >= 1.0 {
        k as u64
    } else {
        1 // also a NaN q
    }
}

/// The counts of one sign's buckets: `counts[j]` is bucket `offset + j`. Canonical: empty with
/// offset 0, or first and last counts non-zero, so equal contents compare equal.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
struct Store {
    offset: i32,
    counts: VecDeque<u64>,
}

impl Store {
    /// The largest bucket index held.
    fn top(&self) -> Option<i32> {
        (!self.counts.is_empty()).then(|| self.offset + self.counts.len() as i32 - 1)
    }

    /// Adds `n > 0` values to bucket `index`.
    #[inline]
    fn add(&mut self, index: i32, n: u64) {
        if self.counts.is_empty() {
            self.offset = index;
            self.counts.push_back(n);
            return;
        }
        if index < self.offset {
            for _ in index..self.offset {
                self.counts.push_front(0);
            }
            self.offset = index;
        }
        let at = (index - self.offset) as usize;
        if at >= self.counts.len() {
            self.counts.resize(at + 1, 0);
        }
        self.counts[at] += n;
    }

    /// Removes the buckets below `cutoff` and returns how many values they held.
    fn fold_below(&mut self, cutoff: i32) -> u64 {
        let mut folded = 0;
        while let Some(&front) = self.counts.front() {
            if self.offset >= cutoff && front != 0 {
                break;
            }
            folded += front;
            self.counts.pop_front();
            self.offset += 1;
        }
        if self.counts.is_empty() {
            self.offset = 0;
        }
        folded
    }

    /// `(index, count)` of the non-empty buckets, ascending.
    fn buckets(&self) -> impl DoubleEndedIterator<Item = (i32, u64)> + '_ {
        let offset = self.offset;
        self.counts
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c != 0)
            .map(move |(j, &c)| (offset + j as i32, c))
    }
}

/// Serialises an f64 as its bit pattern, so that it survives any format unchanged (serde_json's
/// default float parser can be off by an ulp, which would break exact merges of shards).
mod f64_bits {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(x: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(x.to_bits())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        u64::deserialize(deserializer).map(f64::from_bits)
    }
}

/// Where a value sits in the sketch, in ascending order of value.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Bucket {
    Negative(i32),
    Zero,
    Positive(i32),
}

/// A mergeable quantile summary whose quantiles are within relative error
/// [`RELATIVE_ACCURACY`](Self::RELATIVE_ACCURACY) of the exact ones (for magnitudes at least
/// `2^-64` of the largest; smaller ones read as zero), in at most [`Self::MAX_BUCKETS`] per sign.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct QuantileSketch {
    count: u64,
    zero: u64,
    #[serde(with = "f64_bits")]
    min: f64,
    #[serde(with = "f64_bits")]
    max: f64,
    positive: Store,
    negative: Store,
}

impl QuantileSketch {
    /// The bucket growth factor `γ = 2^(1/70)`.
    pub const GAMMA: f64 = 1.0099512906181165;
    /// The relative error bound `a = (γ-1)/(γ+1)` of a bucket's representative.
    pub const RELATIVE_ACCURACY: f64 = 0.004951010835220861;
    /// Magnitudes below this fraction of the largest magnitude seen may be counted as zero.
    pub const ZERO_RATIO: f64 = 1.0 / 18446744073709551616.0;
    /// The most buckets one sign's store can hold.
    pub const MAX_BUCKETS: usize = SPAN as usize + 1;
    /// Buckets per octave (factor of 2): `γ = 2^(1/70)`.
    pub const BUCKETS_PER_OCTAVE: i32 = BUCKETS_PER_OCTAVE;

    /// An empty sketch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a value; non-finite values are ignored.
    #[inline]
    pub fn add(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        if self.count == 0 {
            self.min = x;
            self.max = x;
        } else if x.total_cmp(&self.min).is_lt() {
            self.min = x;
        } else if x.total_cmp(&self.max).is_gt() {
            self.max = x;
        }
        self.count += 1;
        if x == 0.0 {
            self.zero += 1;
            return;
        }
        self.add_to_bucket(x < 0.0, bucket_index(x.abs()), 1);
    }

    /// The sketch of values known only by their buckets, as the GPU engine reduces them:
    /// `zero` zeros, and for each `(negative, index, n)` `n` values of that sign in bucket
    /// `index` (as [`Self::bucket_index`] numbers them), `min` and `max` being the exact
    /// extremes. It equals the sketch that [`add`](Self::add) makes of the same values, folding
    /// included.
    pub fn from_buckets(
        zero: u64,
        buckets: impl IntoIterator<Item = (bool, i32, u64)>,
        min: f64,
        max: f64,
    ) -> Self {
        let mut sketch = QuantileSketch {
            count: zero,
            zero,
            min,
            max,
            ..Self::default()
        };
        for (negative, index, n) in buckets.into_iter().filter(|&(_, _, n)| n > 0) {
            sketch.count += n;
            sketch.add_to_bucket(negative, index, n);
        }
        if sketch.count == 0 {
            return Self::default();
        }
        sketch
    }

    /// The bucket of a finite non-zero magnitude: `ceil(log_γ magnitude)`, evaluated exactly
    /// against the correctly rounded bounds.
    pub fn bucket_index(magnitude: f64) -> i32 {
        bucket_index(magnitude)
    }

    /// For f32 values: the 23-bit fractions `T[t]` at which an f32 passes bound `t` of its
    /// octave, so that the bucket of a normal f32 magnitude `(1 + f·2^-23)·2^e` is
    /// `70·e + #{t : f >= T[t]}`, the same as [`Self::bucket_index`] of its f64 image. (`T[t]`
    /// is the smallest fraction whose f64 image lies above the rounded bound `2^(t/70)`.)
    pub fn f32_octave_thresholds() -> [u32; BUCKETS_PER_OCTAVE as usize] {
        BOUND_FRACTION.map(|bound| (bound >> 29) as u32 + 1)
    }

    /// Adds `n > 0` values of one sign to bucket `index`, or to the zero bucket when they are
    /// too small beside the largest magnitude (folding what a new largest makes too small).
    #[inline]
    fn add_to_bucket(&mut self, negative: bool, index: i32, n: u64) {
        match self.top() {
            // Too small beside the largest magnitude: counts as zero.
            Some(top) if index < top - SPAN => {
                self.zero += n;
                return;
            }
            // A new largest magnitude: fold what is now too small.
            Some(top) if index > top => self.fold_below(index - SPAN),
            _ => {}
        }
        if negative {
            self.negative.add(index, n);
        } else {
            self.positive.add(index, n);
        }
    }

    /// Adds everything `other` has seen; the result equals the sketch of one pass over both.
    pub fn merge(&mut self, other: &QuantileSketch) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            self.clone_from(other);
            return;
        }
        self.count += other.count;
        self.zero += other.zero;
        if other.min.total_cmp(&self.min).is_lt() {
            self.min = other.min;
        }
        if other.max.total_cmp(&self.max).is_gt() {
            self.max = other.max;
        }
        // Fold against the combined largest magnitude, as one pass would have.
        let cutoff = self
            .top()
            .max(other.top())
            .map_or(i32::MIN, |top| top - SPAN);
        self.fold_below(cutoff);
        for (index, n) in other.positive.buckets() {
            if index < cutoff {
                self.zero += n;
            } else {
                self.positive.add(index, n);
            }
        }
        for (index, n) in other.negative.buckets() {
            if index < cutoff {
                self.zero += n;
            } else {
                self.negative.add(index, n);
            }
        }
    }

    /// How many (finite) values were added.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The smallest value added (exact), 0 when empty.
    pub fn min(&self) -> f64 {
        self.min
    }

    /// The largest value added (exact), 0 when empty.
    pub fn max(&self) -> f64 {
        self.max
    }

    /// Buckets held by the positive and the negative store together (the memory in use).
    #[cfg(any(test, feature = "test-support"))]
    pub fn stored_buckets(&self) -> usize {
        self.positive.counts.len() + self.negative.counts.len()
    }

    /// The q-quantile: approximately the smallest value `x` with `F_n(x) >= q` (MODEL.md §7.9),
    /// within relative error [`Self::RELATIVE_ACCURACY`], clamped into `[min, max]`; exact at
    /// the first and last rank. 0 when empty.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let k = rank(q, self.count);
        if k == 1 {
            return self.min;
        }
        if k == self.count {
            return self.max;
        }
        let mut seen = 0;
        for (bucket, n) in self.ascending() {
            seen += n;
            if seen >= k {
                return self.value(bucket);
            }
        }
        self.max
    }

    /// The mean of the values at or above the q-quantile (the expected shortfall), 0 when empty.
    ///
    /// Every value of the tail is replaced by its bucket's representative, so the error is at
    /// most [`Self::RELATIVE_ACCURACY`] times the mean of `|x|` over the tail (a relative error
    /// of at most that for a tail of one sign). The tail is the values of rank `>= k`
    /// (`k` the quantile's rank), except that when the quantile is zero the whole zero bucket
    /// counts, as the definition's ties at the quantile demand. Ties at a non-zero quantile
    /// cannot be told apart from the other values of its bucket; the values of rank below `k`
    /// are left out.
    pub fn tail_mean(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        if rank(q, self.count) == self.count {
            return self.max;
        }
        let (taken, sum) = self.tail(q).fold((0, 0.0), |(taken, sum), (take, value)| {
            (taken + take, sum + take as f64 * value)
        });
        sum / taken as f64
    }

    /// The population variance of the values at or above the q-quantile (the tail of
    /// [`tail_mean`](Self::tail_mean), each value replaced by its bucket's representative), for
    /// the standard error of an expected shortfall; 0 when empty or when the tail is one value.
    pub fn tail_variance(&self, q: f64) -> f64 {
        if self.count == 0 || rank(q, self.count) == self.count {
            return 0.0;
        }
        let mean = self.tail_mean(q);
        let (taken, sum_sq) = self
            .tail(q)
            .fold((0, 0.0), |(taken, sum_sq), (take, value)| {
                (taken + take, sum_sq + take as f64 * (value - mean).powi(2))
            });
        sum_sq / taken as f64
    }

    /// The tail at or above the q-quantile (see [`tail_mean`](Self::tail_mean)): per non-empty
    /// bucket in ascending order, how many of its values are in the tail and its representative.
    fn tail(&self, q: f64) -> impl Iterator<Item = (u64, f64)> + '_ {
        let k = rank(q, self.count);
        let mut seen = 0;
        let mut started = false;
        self.ascending().filter_map(move |(bucket, n)| {
            let take = if started {
                n
            } else {
                seen += n;
                if seen < k {
                    return None;
                }
                started = true;
                if bucket == Bucket::Zero {
                    n
                } else {
                    seen - k + 1
                }
            };
            Some((take, self.value(bucket)))
        })
    }

    /// The non-empty buckets in ascending order of value, each as (its representative value,
    /// clamped into `[min, max]`; its count): the whole distribution at the sketch's
    /// resolution, e.g. for a histogram or an exceedance curve.
    pub fn buckets(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        self.ascending().map(|(bucket, n)| (self.value(bucket), n))
    }

    /// The largest bucket index of either sign.
    fn top(&self) -> Option<i32> {
        self.positive.top().max(self.negative.top())
    }

    /// Folds both stores' buckets below `cutoff` into the zero bucket.
    fn fold_below(&mut self, cutoff: i32) {
        self.zero += self.positive.fold_below(cutoff) + self.negative.fold_below(cutoff);
    }

    /// The non-empty buckets in ascending order of value.
    fn ascending(&self) -> impl Iterator<Item = (Bucket, u64)> + '_ {
        let negative = self
            .negative
            .buckets()
            .rev()
            .map(|(i, n)| (Bucket::Negative(i), n));
        let zero = (self.zero != 0).then_some((Bucket::Zero, self.zero));
        let positive = self
            .positive
            .buckets()
            .map(|(i, n)| (Bucket::Positive(i), n));
        negative.chain(zero).chain(positive)
    }

    /// A bucket's representative value, clamped into `[min, max]`.
    fn value(&self, bucket: Bucket) -> f64 {
        let v = match bucket {
            Bucket::Negative(i) => -bucket_value(i),
            Bucket::Zero => 0.0,
            Bucket::Positive(i) => bucket_value(i),
        };
        if v < self.min {
            self.min
        } else if v > self.max {
            self.max
        } else {
            v
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tail variance of 1..=1000 at or above the 0.9-quantile (900) is that of 900..=1000,
    /// (101² − 1)/12. Each value v is replaced by a representative within e ≤ a·v ≤ 4.95 of it,
    /// which moves the variance by at most 2·sd·max e + (max e)² (Cauchy–Schwarz) ≈ 294.
    #[test]
    fn tail_variance_is_that_of_the_tail() {
        let mut sketch = QuantileSketch::new();
        for i in 1..=1000 {
            sketch.add(f64::from(i));
        }
        let exact = (101.0_f64 * 101.0 - 1.0) / 12.0;
        let e = QuantileSketch::RELATIVE_ACCURACY * 1000.0;
        let bound = 2.0 * exact.sqrt() * e + e * e;
        let got = sketch.tail_variance(0.9);
        assert!((got - exact).abs() <= bound, "{got} vs {exact} ± {bound}");
        assert_eq!(sketch.tail_variance(1.0), 0.0);
        assert_eq!(QuantileSketch::new().tail_variance(0.5), 0.0);
    }

    #[test]
    fn constants_agree() {
        let gamma = 2f64.powf(1.0 / 70.0);
        assert!((QuantileSketch::GAMMA - gamma).abs() <= 2.0 * f64::EPSILON);
        let a = (gamma - 1.0) / (gamma + 1.0);
        assert!((QuantileSketch::RELATIVE_ACCURACY - a).abs() < 1e-15);
        const { assert!(QuantileSketch::RELATIVE_ACCURACY < 0.005) };
        assert_eq!(QuantileSketch::ZERO_RATIO, 2f64.powi(-64));
        for (t, &fraction) in BOUND_FRACTION.iter().enumerate() {
            let bound = f64::from_bits((1023 << 52) | fraction);
            let approx = 2f64.powf(t as f64 / 70.0);
            assert!((bound - approx).abs() <= 2.0 * f64::EPSILON, "bound {t}");
            let rep = REPRESENTATIVE[t];
            assert!(
                (rep - 2.0 * approx / (1.0 + gamma)).abs() <= 4.0 * f64::EPSILON,
                "rep {t}"
            );
        }
    }

    #[test]
    fn index_is_ceil_log_gamma() {
        let ln_gamma = std::f64::consts::LN_2 / 70.0;
        let mut state = 1u64;
        for _ in 0..200_000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let x = f64::from_bits((state >> 2) % 0x7FF0_0000_0000_0000);
            if x == 0.0 {
                continue;
            }
            let exact = x.ln() / ln_gamma;
            let i = bucket_index(x);
            // Away from a bound the index is ceil(log_γ x); near one it may be either side.
            if (exact - exact.round()).abs() > 1e-6 {
                assert_eq!(i, exact.ceil() as i32, "x = {x:e}");
            } else {
                assert!((i - exact.round() as i32).abs() <= 1, "x = {x:e}");
            }
        }
    }

    #[test]
    fn index_is_exact_at_bounds_and_monotone() {
        for e in [-1074, -1030, -1022, -3, 0, 1, 500, 1023] {
            for (t, &fraction) in BOUND_FRACTION.iter().enumerate() {
                let bound = mul_pow2(f64::from_bits((1023 << 52) | fraction), e);
                if bound == 0.0 || !bound.is_normal() {
                    continue;
                }
                let i = 70 * e as i32 + t as i32;
                assert_eq!(bucket_index(bound), i);
                assert_eq!(bucket_index(f64::from_bits(bound.to_bits() + 1)), i + 1);
                assert_eq!(bucket_index(f64::from_bits(bound.to_bits() - 1)), i);
            }
        }
        let mut previous = i32::MIN;
        let mut x = f64::from_bits(1);
        while x < 1e300 {
            let i = bucket_index(x);
            assert!(i >= previous);
            previous = i;
            x *= 1.0007;
            x = f64::from_bits(x.to_bits() + 1);
        }
    }

    #[test]
    fn representative_is_within_accuracy() {
        let mut state = 7u64;
        for _ in 0..200_000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let x = f64::from_bits((state >> 2) % 0x7FF0_0000_0000_0000);
            if !x.is_normal() {
                continue;
            }
            let rep = bucket_value(bucket_index(x));
            assert!(
                (rep - x).abs() <= QuantileSketch::RELATIVE_ACCURACY * x * (1.0 + 1e-12),
                "x = {x:e}"
            );
        }
        assert_eq!(
            bucket_value(bucket_index(f64::MAX)),
            0.9950489891647791 * 2f64.powi(1023) * 2.0
        );
    }

    #[test]
    fn subnormals_index_consistently() {
        let smallest = f64::from_bits(1);
        assert_eq!(bucket_index(smallest), -70 * 1074);
        assert_eq!(bucket_index(f64::MIN_POSITIVE), -70 * 1022);
        let below = f64::from_bits(f64::MIN_POSITIVE.to_bits() - 1);
        assert_eq!(bucket_index(below), -70 * 1022);
        assert_eq!(
            bucket_index(f64::from_bits(3)),
            bucket_index(3.0) - 70 * 1074
        );
    }
}
