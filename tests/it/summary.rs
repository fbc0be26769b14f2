//! Tests of the mergeable summaries against exact answers computed from the sorted data.

use firesale::summary::*;

/// SplitMix64: a tiny deterministic generator for test data (`rand` is not a dependency).
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

const N: usize = 200_000;

/// The test distributions: (name, values).
fn datasets() -> Vec<(&'static str, Vec<f64>)> {
    let mut rng = SplitMix64(20240601);
    let lognormal = (0..N)
        .map(|_| 1000.0 * (1.5 * rng.normal()).exp())
        .collect();
    let normal = (0..N).map(|_| 2.0 + 10.0 * rng.normal()).collect();
    let mixture = (0..N)
        .map(|_| match rng.below(10) {
            0..=3 => 0.0,
            4..=6 => (2.0 * rng.normal()).exp(),
            7..=8 => -0.1 * (rng.normal()).exp(),
            _ => 1e-3 * rng.normal(),
        })
        .collect();
    let wide = (0..N)
        .map(|_| 10f64.powf(-6.0 + 18.0 * rng.uniform()))
        .collect();
    let discrete = (0..N)
        .map(|_| [0.0, 1.0, 2.5, 2.5, 40.0, -3.0][rng.below(6)])
        .collect();
    vec![
        ("lognormal", lognormal),
        ("normal", normal),
        ("mixture with zeros", mixture),
        ("1e-6..1e12", wide),
        ("discrete", discrete),
    ]
}

/// Magnitudes from 1e-300 to 1e10 of either sign, the smallest growing with the index so that
/// the largest magnitude keeps rising and folding happens all along.
fn folding_data() -> Vec<f64> {
    let mut rng = SplitMix64(7);
    (0..N)
        .map(|i| {
            let sign = if rng.below(2) == 0 { 1.0 } else { -1.0 };
            let exponent = -300.0 + 310.0 * (i as f64 / N as f64) * rng.uniform();
            sign * 10f64.powf(exponent)
        })
        .collect()
}

/// Quantile levels checked: the reported ones and the extremes and a few in between.
fn levels() -> Vec<f64> {
    let mut levels: Vec<f64> = STATS_QUANTILES.iter().map(|&(_, q)| q).collect();
    levels.extend([0.0, 1e-4, 0.25, 1.0 / 3.0, 0.75, 0.9999, 1.0]);
    levels
}

/// The exact q-quantile of sorted data: the smallest x with `F_n(x) >= q`, i.e. the value of
/// rank `ceil(q·n)` (at least 1).
fn exact_quantile(sorted: &[f64], q: f64) -> f64 {
    let k = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[k - 1]
}

fn summarise(values: &[f64]) -> MetricSummary {
    let mut summary = MetricSummary::new();
    for &x in values {
        summary.add(x);
    }
    summary
}

fn sorted(values: &[f64]) -> Vec<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
}

/// Every number of a `Stats` as bits, so that `-0.0` and `0.0` differ.
fn stats_bits(stats: &Stats) -> Vec<(String, u64)> {
    let mut bits = vec![
        ("mean".to_string(), stats.mean.to_bits()),
        ("std".to_string(), stats.std.to_bits()),
        ("min".to_string(), stats.min.to_bits()),
        ("max".to_string(), stats.max.to_bits()),
    ];
    bits.extend(
        stats
            .quantiles
            .iter()
            .map(|(k, v)| (k.clone(), v.to_bits())),
    );
    bits
}

/// Shewchuk's exactly rounded sum (Python's `math.fsum`), as an independent oracle.
fn fsum(values: &[f64]) -> f64 {
    let mut partials: Vec<f64> = Vec::new();
    for &value in values {
        let mut x = value;
        let mut kept = 0;
        for j in 0..partials.len() {
            let mut y = partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                partials[kept] = lo;
                kept += 1;
            }
            x = hi;
        }
        partials.truncate(kept);
        partials.push(x);
    }
    let mut n = partials.len();
    if n == 0 {
        return 0.0;
    }
    n -= 1;
    let mut hi = partials[n];
    let mut lo = 0.0;
    while n > 0 {
        let x = hi;
        n -= 1;
        let y = partials[n];
        hi = x + y;
        lo = y - (hi - x);
        if lo != 0.0 {
            break;
        }
    }
    if n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0)) {
        let y = lo * 2.0;
        let x = hi + y;
        if y == x - hi {
            hi = x;
        }
    }
    hi
}

/// (a) Every checked quantile is within 0.5% (relative) of the exact one, on 200k values of
/// each distribution. Tolerance: the answer is the representative of the bucket that holds the
/// exact quantile (buckets are ordered like the values), which is within `a ≈ 0.00495` of every
/// value of its bucket; clamping into [min, max] only moves it closer; exact zeros read as 0.
/// No value here is below `2^-64` of the largest magnitude, so none is folded into zero.
#[test]
fn quantiles_within_half_a_percent() {
    let a = QuantileSketch::RELATIVE_ACCURACY;
    assert!(a < 0.005);
    for (name, values) in datasets() {
        let summary = summarise(&values);
        let sorted = sorted(&values);
        for q in levels() {
            let exact = exact_quantile(&sorted, q);
            let got = summary.quantile(q);
            let error = (got - exact).abs();
            assert!(
                error <= a * exact.abs() * (1.0 + 1e-12),
                "{name}: q = {q}: got {got}, exact {exact}"
            );
            assert!(error <= 0.005 * exact.abs());
        }
        let stats = summary.stats();
        assert_eq!(stats.min, sorted[0], "{name}");
        assert_eq!(stats.max, sorted[N - 1], "{name}");
        let keys: Vec<&str> = stats.quantiles.keys().map(String::as_str).collect();
        let mut expected: Vec<&str> = STATS_QUANTILES.iter().map(|&(k, _)| k).collect();
        expected.sort();
        assert_eq!(keys, expected);
        for (key, q) in STATS_QUANTILES {
            assert_eq!(stats.quantiles[key], summary.quantile(q));
        }
        // Mean and std against the oracle sum and a two-pass std.
        let mean = fsum(&values) / N as f64;
        let deviations: Vec<f64> = values.iter().map(|&x| (x - mean) * (x - mean)).collect();
        let std = (fsum(&deviations) / N as f64).sqrt();
        assert!((stats.mean - mean).abs() <= 1e-15 * mean.abs(), "{name}");
        assert!(
            (stats.std - std).abs() <= 1e-12 * std,
            "{name}: {} vs {std}",
            stats.std
        );
    }
}

/// (a, continued) MODEL.md §7.10: magnitudes below `2^-64` of the largest may read as zero; the
/// error is then below `2^-64 · max|x|`, far inside the allowed `1e-9 · max|x|`.
#[test]
fn tiny_values_are_held_to_the_largest_magnitude() {
    let values = folding_data();
    let summary = summarise(&values);
    let sorted = sorted(&values);
    let largest = sorted[0].abs().max(sorted[N - 1].abs());
    let folded = values.iter().filter(|x| x.abs() < 1e-20 * largest).count();
    assert!(folded > N / 2, "the data exercise folding");
    assert!(summary.sketch().stored_buckets() <= 2 * QuantileSketch::MAX_BUCKETS);
    for q in levels() {
        let exact = exact_quantile(&sorted, q);
        let error = (summary.quantile(q) - exact).abs();
        let allowed = (0.005 * exact.abs()).max(1e-9 * largest);
        assert!(error <= allowed, "q = {q}");
    }
}

/// (b) Merging is exact: the data split into 1, 3 and 7 random-size parts (after a shuffle),
/// summarised apart and merged in shuffled order (sequentially and as a tree), gives a summary
/// `==` to the one-pass summary, and bit-identical stats. Exact because every piece of state is
/// an integer count or sum (or min/max under a total order), which addition does not reorder.
#[test]
fn merge_is_exact() {
    let mut rng = SplitMix64(99);
    let mut all = datasets();
    all.push(("folding", folding_data()));
    for (name, mut values) in all {
        values.extend([f64::NAN, f64::INFINITY, -0.0, f64::NEG_INFINITY, 0.0]);
        let whole = summarise(&values);
        for parts in [1, 3, 7] {
            let mut shuffled = values.clone();
            rng.shuffle(&mut shuffled);
            let mut cuts: Vec<usize> = (0..parts - 1).map(|_| rng.below(shuffled.len())).collect();
            cuts.extend([0, shuffled.len()]);
            cuts.sort();
            let mut pieces: Vec<MetricSummary> = cuts
                .windows(2)
                .map(|w| summarise(&shuffled[w[0]..w[1]]))
                .collect();
            rng.shuffle(&mut pieces);

            let mut sequential = MetricSummary::new();
            for piece in &pieces {
                sequential.merge(piece);
            }
            assert!(sequential == whole, "{name}: {parts} parts, sequential");
            assert_eq!(stats_bits(&sequential.stats()), stats_bits(&whole.stats()));
            assert_eq!(
                sequential.tail_mean(0.99).to_bits(),
                whole.tail_mean(0.99).to_bits()
            );

            while pieces.len() > 1 {
                let right = pieces.pop().unwrap();
                let left = pieces.pop().unwrap();
                let mut joined = right;
                joined.merge(&left);
                pieces.insert(0, joined);
            }
            assert!(pieces[0] == whole, "{name}: {parts} parts, tree");
            assert_eq!(stats_bits(&pieces[0].stats()), stats_bits(&whole.stats()));
        }
    }
}

/// (b, continued) A summary survives a JSON round trip unchanged (shards are written to files):
/// its floats are stored as bits. `Stats` is plain JSON numbers; serde_json's default parser
/// may read one back an ulp off, so that is checked to an ulp.
#[test]
fn serde_round_trip() {
    for (_, values) in datasets() {
        let summary = summarise(&values);
        let json = serde_json::to_string(&summary).unwrap();
        let back: MetricSummary = serde_json::from_str(&json).unwrap();
        assert!(back == summary);
        let stats: Stats =
            serde_json::from_str(&serde_json::to_string(&summary.stats()).unwrap()).unwrap();
        for ((k1, b1), (k2, b2)) in stats_bits(&stats)
            .into_iter()
            .zip(stats_bits(&summary.stats()))
        {
            assert_eq!(k1, k2);
            assert!(b1.abs_diff(b2) <= 1, "{k1}");
        }
    }
}

/// (c) ExactSum is exactly rounded and order-independent: the nasty `1e16 + 1 − 1e16` is 1 in
/// every order, `0.1` ten times is 1.0, and wide-range data with heavy cancellation agree bit
/// for bit with Shewchuk's `fsum` (an independent exactly rounded oracle) for every shuffle and
/// split, with `==` state.
#[test]
fn exact_sum_is_exact_and_order_independent() {
    let orders = [
        [1e16, 1.0, -1e16],
        [1.0, 1e16, -1e16],
        [-1e16, 1e16, 1.0],
        [1e16, -1e16, 1.0],
    ];
    for order in orders {
        let mut sum = ExactSum::new();
        for x in order {
            sum.add(x);
        }
        assert_eq!(sum.value(), 1.0);
    }
    let mut tenth = ExactSum::new();
    for _ in 0..10 {
        tenth.add(0.1);
    }
    assert_eq!(tenth.value(), 1.0);

    let mut rng = SplitMix64(3);
    for round in 0..20 {
        let mut values: Vec<f64> = (0..2000)
            .map(|_| {
                let sign = if rng.below(2) == 0 { 1.0 } else { -1.0 };
                sign * 10f64.powf(-300.0 + 590.0 * rng.uniform())
            })
            .collect();
        // Cancel the big ones, leaving the small ones to decide the result.
        let cancel: Vec<f64> = values
            .iter()
            .filter(|x| x.abs() > 1e-10)
            .map(|x| -x)
            .collect();
        if round % 2 == 0 {
            values.extend(cancel);
        }
        let expected = fsum(&values);
        let mut whole = ExactSum::new();
        for &x in &values {
            whole.add(x);
        }
        assert_eq!(whole.value().to_bits(), expected.to_bits(), "round {round}");
        for parts in [2, 5] {
            rng.shuffle(&mut values);
            let chunk = values.len().div_ceil(parts);
            let mut merged = ExactSum::new();
            for piece in values.chunks(chunk).rev() {
                let mut part = ExactSum::new();
                for &x in piece {
                    part.add(x);
                }
                merged.merge(&part);
            }
            assert!(merged == whole);
            assert_eq!(merged.value().to_bits(), expected.to_bits());
        }
    }
    let mut special = ExactSum::new();
    special.add(f64::INFINITY);
    assert_eq!(special.value(), f64::INFINITY);
    special.add(f64::NEG_INFINITY);
    assert!(special.value().is_nan());
}

/// (d) The tail mean is within 0.5% of the exact mean of the values at or above the exact
/// quantile. Tolerance: each tail value is replaced by its bucket's representative, within
/// `a·|x|`, so the error is at most `a` times the tail's mean magnitude: a relative error below
/// 0.5% for a tail of one sign. At a zero quantile the whole zero bucket counts (the ties);
/// the data have no ties at a non-zero quantile except the discrete set, checked only where its
/// quantile is the maximum.
#[test]
fn tail_mean_within_half_a_percent() {
    let a = QuantileSketch::RELATIVE_ACCURACY;
    for (name, values) in datasets() {
        let summary = summarise(&values);
        let sorted = sorted(&values);
        let levels: &[f64] = if name == "discrete" {
            &[0.9, 0.99, 1.0]
        } else {
            &[0.0, 0.3, 0.5, 0.9, 0.95, 0.99, 0.999]
        };
        for &q in levels {
            let var = exact_quantile(&sorted, q);
            let tail: Vec<f64> = sorted.iter().copied().filter(|&x| x >= var).collect();
            let exact = fsum(&tail) / tail.len() as f64;
            let magnitude = tail.iter().map(|x| x.abs()).sum::<f64>() / tail.len() as f64;
            let got = summary.tail_mean(q);
            let error = (got - exact).abs();
            assert!(
                error <= a * magnitude * (1.0 + 1e-9),
                "{name}: q = {q}: got {got}, exact {exact}"
            );
            if tail.iter().all(|&x| x >= 0.0) || tail.iter().all(|&x| x <= 0.0) {
                assert!(error <= 0.005 * exact.abs(), "{name}: q = {q}");
            }
        }
        assert_eq!(
            summary.tail_mean(0.0),
            summary.mean(),
            "{name}: the whole tail is exact"
        );
    }
}

/// (e) NaN and infinities are counted apart and change nothing else: the summary's statistics
/// and sketch equal those of the finite values alone.
#[test]
fn nonfinite_values_are_counted_and_excluded() {
    let finite: Vec<f64> = (1..=1000).map(|i| i as f64).collect();
    let mut with = finite.clone();
    for (i, x) in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -f64::NAN]
        .into_iter()
        .enumerate()
    {
        with.insert(i * 100, x);
    }
    let clean = summarise(&finite);
    let dirty = summarise(&with);
    assert_eq!(dirty.nonfinite(), 4);
    assert_eq!(dirty.count(), 1000);
    assert_eq!(clean.nonfinite(), 0);
    assert_eq!(dirty.sketch(), clean.sketch());
    assert_eq!(dirty.stats(), clean.stats());
    assert_eq!(dirty.stats().mean, 500.5);
    assert_eq!(dirty.stats().max, 1000.0);
    let mut sketch = QuantileSketch::new();
    sketch.add(f64::NAN);
    assert_eq!(sketch.count(), 0);
}

/// (f) An empty summary reports zeros everywhere (never NaN, which JSON cannot hold), and
/// merging empties changes nothing.
#[test]
fn empty_summary_gives_zeros() {
    let empty = MetricSummary::new();
    let stats = empty.stats();
    assert_eq!(
        (stats.mean, stats.std, stats.min, stats.max),
        (0.0, 0.0, 0.0, 0.0)
    );
    assert_eq!(stats.quantiles.len(), 8);
    assert!(stats.quantiles.values().all(|&v| v == 0.0));
    assert_eq!((empty.count(), empty.nonfinite()), (0, 0));
    assert_eq!(
        (
            empty.mean(),
            empty.std(),
            empty.quantile(0.5),
            empty.tail_mean(0.99)
        ),
        (0.0, 0.0, 0.0, 0.0)
    );
    let json = serde_json::to_string(&stats).unwrap();
    assert!(!json.contains("null"), "{json}");
    let mut merged = MetricSummary::new();
    merged.merge(&empty);
    assert_eq!(merged, empty);
    let mut only_nan = MetricSummary::new();
    only_nan.add(f64::NAN);
    assert_eq!(only_nan.stats(), stats);
    assert_eq!(ExactSum::new().value(), 0.0);
}

/// (g) Memory is bounded by the data's range, not its count: after 1e6 values of either sign
/// with magnitudes in [1, 1e6], each sign's store spans at most `ln(1e6)/ln γ + 2` buckets;
/// and over any range at all, at most `QuantileSketch::MAX_BUCKETS` per sign.
#[test]
fn memory_is_bounded() {
    let mut rng = SplitMix64(11);
    let per_sign = (1e6f64.ln() / QuantileSketch::GAMMA.ln() + 2.0) as usize;
    let mut sketch = QuantileSketch::new();
    for _ in 0..1_000_000 {
        let magnitude = 10f64.powf(6.0 * rng.uniform());
        sketch.add(if rng.below(2) == 0 {
            magnitude
        } else {
            -magnitude
        });
    }
    assert!(
        sketch.stored_buckets() <= 2 * per_sign,
        "{} buckets",
        sketch.stored_buckets()
    );
    assert!(sketch.stored_buckets() > 2 * (per_sign - 10));

    let mut wide = MetricSummary::new();
    let values: Vec<f64> = (0..N)
        .map(|_| {
            let sign = if rng.below(2) == 0 { 1.0 } else { -1.0 };
            sign * 10f64.powf(-300.0 + 600.0 * rng.uniform())
        })
        .collect();
    for &x in &values {
        wide.add(x);
    }
    assert!(wide.sketch().stored_buckets() <= 2 * QuantileSketch::MAX_BUCKETS);
    let sorted = sorted(&values);
    let largest = sorted[0].abs().max(sorted[N - 1].abs());
    for q in levels() {
        let exact = exact_quantile(&sorted, q);
        let error = (wide.quantile(q) - exact).abs();
        assert!(
            error <= (0.005 * exact.abs()).max(1e-9 * largest),
            "q = {q}"
        );
    }
}
