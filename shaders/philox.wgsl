// Philox4x32-10 and the stream of one (path, step) of MODEL.md §2: call h of Philox on
// counter (h, t, path lo, path hi) under key (seed lo, seed hi), four words per call.
// u32 arithmetic only. Mirrors `src/rng/philox.rs` and `src/rng/stream.rs`.

const PHILOX_MULTIPLIER_0: u32 = 0xD2511F53u;
const PHILOX_MULTIPLIER_1: u32 = 0xCD9E8D57u;
const PHILOX_WEYL_0: u32 = 0x9E3779B9u;
const PHILOX_WEYL_1: u32 = 0xBB67AE85u;

// The 64-bit product a·b as (high word, low word), from 16-bit halves.
fn mul_hi_lo(a: u32, b: u32) -> vec2<u32> {
    let a_lo = a & 0xFFFFu;
    let a_hi = a >> 16u;
    let b_lo = b & 0xFFFFu;
    let b_hi = b >> 16u;
    let lo_lo = a_lo * b_lo;
    let hi_lo = a_hi * b_lo;
    let lo_hi = a_lo * b_hi;
    let hi_hi = a_hi * b_hi;
    // Below 2^32: (2^16 − 1) + (2^16 − 1) + (2^16 − 1)^2.
    let cross = (lo_lo >> 16u) + (hi_lo & 0xFFFFu) + lo_hi;
    return vec2<u32>(hi_hi + (hi_lo >> 16u) + (cross >> 16u), a * b);
}

// Ten rounds of Philox4x32 on `counter` under `key`.
fn philox4x32_10(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
    var c = counter;
    var k = key;
    for (var round = 0u; round < 10u; round++) {
        if round > 0u {
            k = k + vec2<u32>(PHILOX_WEYL_0, PHILOX_WEYL_1);
        }
        let p0 = mul_hi_lo(PHILOX_MULTIPLIER_0, c.x);
        let p1 = mul_hi_lo(PHILOX_MULTIPLIER_1, c.z);
        c = vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
    }
    return c;
}

struct StepStream {
    key: vec2<u32>,
    counter: vec4<u32>,
    words: vec4<u32>,
    // Next word of `words` to hand out; 4 means a new call is due.
    next: u32,
}

// The stream of global path (lo, hi) at step `step` (0 = the initial regime draw).
fn step_stream(seed: vec2<u32>, path: vec2<u32>, step: u32) -> StepStream {
    return StepStream(seed, vec4<u32>(0u, step, path.x, path.y), vec4<u32>(0u), 4u);
}

fn next_word(stream: ptr<function, StepStream>) -> u32 {
    if (*stream).next == 4u {
        (*stream).words = philox4x32_10((*stream).counter, (*stream).key);
        (*stream).counter.x += 1u;
        (*stream).next = 0u;
    }
    let word = (*stream).words[(*stream).next];
    (*stream).next += 1u;
    return word;
}

// u = (w + 0.5)·2^−32, rounded to f32.
fn uniform_from_word(word: u32) -> f32 {
    return (f32(word) + 0.5) * 2.3283064365386963e-10;
}


// −ln u for u = (w + ½)·2^−32, accurate in f32 also where u would round to 1: there
// c = 1 − u = (!w + ½)·2^−32 is exact and −ln(1 − c) = c + c²/2 + c³/3 + c⁴/4 + ….
fn neg_log_uniform(word: u32) -> f32 {
    let c = (f32(~word) + 0.5) * 2.3283064365386963e-10;
    if c < 0.0078125 {
        return c * (1.0 + c * (0.5 + c * (0.3333333333333333 + c * 0.25)));
    }
    return -log(uniform_from_word(word));
}

// Box–Muller on the words of a pair of uniforms (a, b):
// (sqrt(−2 ln a)·cos 2πb, sqrt(−2 ln a)·sin 2πb). The angle is taken as 2π(b − ½) + π so
// that cos and sin see an argument in [−π, π], where GPU implementations are accurate.
fn box_muller(a: u32, b: u32) -> vec2<f32> {
    let radius = sqrt(2.0 * neg_log_uniform(a));
    let angle = 6.283185307179586 * (uniform_from_word(b) - 0.5);
    return vec2<f32>(-radius * cos(angle), -radius * sin(angle));
}

fn next_normal_pair(stream: ptr<function, StepStream>) -> vec2<f32> {
    let a = next_word(stream);
    let b = next_word(stream);
    return box_muller(a, b);
}

// Exactly `u < p` of the CPU engine for u = (w + 0.5)·2^−32: `threshold` is the count of
// words below p (x) and whether that count is 2^32 (y), prepared on the host.
fn word_below(word: u32, threshold: vec2<u32>) -> bool {
    return threshold.y != 0u || word < threshold.x;
}
