// The reduction of one chunk's rows into per-column counters, from which the host rebuilds
// exactly the `MetricSummary` that `MetricSummary::add` makes of the same f32 values in f64
// (src/summary/metric.rs), so only the counters are read back. One workgroup reduces one
// column over REDUCE_PATHS_PER_GROUP paths: first into workgroup memory, then one global
// atomic per non-zero counter; the histogram, too large for workgroup memory, goes straight
// to global memory (values spread over its buckets, so contention is low).
//
// A column's block of counters (offsets COUNTER_*, all zero at the start of a chunk):
// - NONFINITE, ZERO, POSITIVE: NaN or infinite values, zeros (±0), values > 0 (+inf too);
// - MIN, MAX: the largest ~key and key, key being the order-preserving image of the bits;
// - SUM_POSITIVE, SUM_NEGATIVE: Σ|x| of each sign as base-256 digits, digit d weighing
//   2^(8d − 149) (|x| = M·2^E with a 24-bit integer M and E ≥ −149);
// - SQUARE: Σx², the exact square of each f32, digit d weighing 2^(8d − 298);
// - HISTOGRAM_POSITIVE, HISTOGRAM_NEGATIVE: the sketch's bucket counts (sketch.wgsl).
// Every digit added is below 256, so a counter stays below 2^32 over fewer than 2^24 paths
// (the chunk's cap).
// Keep in sync with `src/engine/gpu/reduce.rs`.

// The rows of the chunk (path.wgsl), read as bits.
@group(0) @binding(1) var<storage, read> row_bits: array<u32>;
@group(0) @binding(2) var<storage, read_write> counters: array<atomic<u32>>;

// The first SHARED_COUNTERS counters of the column's block (all but the histogram).
var<workgroup> partial: array<atomic<u32>, SHARED_COUNTERS>;

@compute @workgroup_size(REDUCE_WORKGROUP_SIZE)
fn reduce_rows(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_index) lane: u32,
) {
    let column = group.y;
    let block = column * COUNTER_BLOCK;
    for (var i = lane; i < SHARED_COUNTERS; i += REDUCE_WORKGROUP_SIZE) {
        atomicStore(&partial[i], 0u);
    }
    workgroupBarrier();
    let first = group.x * REDUCE_PATHS_PER_GROUP;
    for (var k = 0u; k < REDUCE_PATHS_PER_GROUP; k += REDUCE_WORKGROUP_SIZE) {
        let path = first + k + lane;
        if path < params.header.path_count {
            reduce_value(block, row_bits[path * ROW_STRIDE + column]);
        }
    }
    workgroupBarrier();
    for (var i = lane; i < SHARED_COUNTERS; i += REDUCE_WORKGROUP_SIZE) {
        let value = atomicLoad(&partial[i]);
        if value == 0u {
            continue;
        }
        if i == COUNTER_MIN || i == COUNTER_MAX {
            atomicMax(&counters[block + i], value);
        } else {
            atomicAdd(&counters[block + i], value);
        }
    }
}

// Mirrors `MetricSummary::add`: non-finite values are only counted.
fn reduce_value(block: u32, bits: u32) {
    let magnitude = bits & 0x7fffffffu;
    if magnitude >= 0x7f800000u {
        atomicAdd(&partial[COUNTER_NONFINITE], 1u);
        return;
    }
    let negative = bits >= 0x80000000u;
    // Ascending keys for ascending values, −0 below +0 (as `f64::total_cmp`).
    let key = select(bits | 0x80000000u, ~bits, negative);
    atomicMax(&partial[COUNTER_MIN], ~key);
    atomicMax(&partial[COUNTER_MAX], key);
    if magnitude == 0u {
        atomicAdd(&partial[COUNTER_ZERO], 1u);
        return;
    }
    if !negative {
        atomicAdd(&partial[COUNTER_POSITIVE], 1u);
    }
    let histogram = select(COUNTER_HISTOGRAM_POSITIVE, COUNTER_HISTOGRAM_NEGATIVE, negative);
    atomicAdd(&counters[block + histogram + bucket_slot(magnitude)], 1u);

    // |x| = M·2^E: `position` = E + 149 ≥ 0 is M's place in units of 2^-149.
    let exponent_field = magnitude >> 23u;
    let mantissa = select((magnitude & 0x7fffffu) | 0x800000u, magnitude, exponent_field == 0u);
    let position = max(exponent_field, 1u) - 1u;
    let sum = select(COUNTER_SUM_POSITIVE, COUNTER_SUM_NEGATIVE, negative);
    add_digits(sum + position / 8u, mantissa << (position % 8u), 4u);

    // x² = M²·2^(2E), at place 2·position in units of 2^-298; M² < 2^48 as (high, low) words
    // from M = a·2^16 + b: M² = a²·2^32 + 2ab·2^16 + b².
    let a = mantissa >> 16u;
    let b = mantissa & 0xffffu;
    let middle = 2u * a * b;
    let b_squared = b * b;
    var low = b_squared + (middle << 16u);
    var high = a * a + (middle >> 16u) + select(0u, 1u, low < b_squared);
    let shift = (2u * position) % 8u;
    if shift != 0u {
        high = (high << shift) | (low >> (32u - shift));
        low = low << shift;
    }
    let square = COUNTER_SQUARE + (2u * position) / 8u;
    add_digits(square, low, 4u);
    add_digits(square + 4u, high, 3u);
}

// Adds the first `count` bytes of `word` to the digit counters from `digit` up.
fn add_digits(digit: u32, word: u32, count: u32) {
    for (var d = 0u; d < count; d++) {
        let byte = (word >> (8u * d)) & 0xffu;
        if byte != 0u {
            atomicAdd(&partial[digit + d], byte);
        }
    }
}
