// The quantile sketch's bucket of an f32, exactly as `QuantileSketch::bucket_index` gives it
// for the same value in f64 (src/summary/sketch.rs): 70 buckets per octave, the octave from
// the exponent bits and the bucket within it from BUCKET_THRESHOLDS (the 23-bit fractions at
// which an f32 passes each rounded bound 2^(t/70), from `QuantileSketch::f32_octave_thresholds`).
// Integer operations only, so subnormals are never flushed to zero.

// The bucket of a finite non-zero magnitude (the bits of |x|), counted from that of 2^-149
// (the smallest subnormal): 70·(exponent + 149) + #{t : fraction >= BUCKET_THRESHOLDS[t]},
// from 0 to 70·277 (that of 2^128, for magnitudes above the last bound below it).
fn bucket_slot(magnitude: u32) -> u32 {
    let exponent_field = magnitude >> 23u;
    var fraction = magnitude & 0x7fffffu;
    var octave: u32;
    if exponent_field == 0u {
        // Subnormal: the leading one sits at bit 31 − lz; normalise it to bit 23.
        let lz = countLeadingZeros(fraction);
        octave = 31u - lz;
        fraction = (fraction << (lz - 8u)) & 0x7fffffu;
    } else {
        octave = exponent_field + 22u;
    }
    // Count the thresholds at or below the fraction (they ascend): a binary search.
    var within = 0u;
    for (var step = 64u; step > 0u; step >>= 1u) {
        if within + step <= BUCKETS_PER_OCTAVE
            && fraction >= BUCKET_THRESHOLDS[within + step - 1u] {
            within += step;
        }
    }
    return BUCKETS_PER_OCTAVE * octave + within;
}
