//! exp, ln and sin/cos as polynomials in plain f64 additions and multiplications, without
//! branches, so that every lane of every width (and a single path) computes them with the
//! same operations in the same order and gets the same bits, and the compiler can evaluate
//! W lanes per instruction. Each is within a few ulp of the correctly rounded value on its
//! stated domain (tested against the standard library).

/// 1.5·2^52: adding it rounds a float of magnitude below 2^51 to an integer (ties to even),
/// which the low bits of the sum then hold.
const ROUNDER: f64 = 6_755_399_441_055_744.0;
/// ln 2 split so that k·LN2_HI is exact for |k| < 2^11 (fdlibm's constants, by their bits).
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);

/// Horner: c[0] + x·(c[1] + x·(c[2] + …)).
#[inline(always)]
fn horner<const N: usize>(x: f64, c: [f64; N]) -> f64 {
    let mut sum = c[N - 1];
    for coefficient in c[..N - 1].iter().rev() {
        sum = coefficient + x * sum;
    }
    sum
}

/// 2^(j/32) for j in 0..32, correctly rounded (by their bits).
const EXP2_THIRTY_SECONDS: [f64; 32] = [
    f64::from_bits(0x3ff0000000000000),
    f64::from_bits(0x3ff059b0d3158574),
    f64::from_bits(0x3ff0b5586cf9890f),
    f64::from_bits(0x3ff11301d0125b51),
    f64::from_bits(0x3ff172b83c7d517b),
    f64::from_bits(0x3ff1d4873168b9aa),
    f64::from_bits(0x3ff2387a6e756238),
    f64::from_bits(0x3ff29e9df51fdee1),
    f64::from_bits(0x3ff306fe0a31b715),
    f64::from_bits(0x3ff371a7373aa9cb),
    f64::from_bits(0x3ff3dea64c123422),
    f64::from_bits(0x3ff44e086061892d),
    f64::from_bits(0x3ff4bfdad5362a27),
    f64::from_bits(0x3ff5342b569d4f82),
    f64::from_bits(0x3ff5ab07dd485429),
    f64::from_bits(0x3ff6247eb03a5585),
    f64::from_bits(0x3ff6a09e667f3bcd),
    f64::from_bits(0x3ff71f75e8ec5f74),
    f64::from_bits(0x3ff7a11473eb0187),
    f64::from_bits(0x3ff82589994cce13),
    f64::from_bits(0x3ff8ace5422aa0db),
    f64::from_bits(0x3ff93737b0cdc5e5),
    f64::from_bits(0x3ff9c49182a3f090),
    f64::from_bits(0x3ffa5503b23e255d),
    f64::from_bits(0x3ffae89f995ad3ad),
    f64::from_bits(0x3ffb7f76f2fb5e47),
    f64::from_bits(0x3ffc199bdd85529c),
    f64::from_bits(0x3ffcb720dcef9069),
    f64::from_bits(0x3ffd5818dcfba487),
    f64::from_bits(0x3ffdfc97337b9b5f),
    f64::from_bits(0x3ffea4afa2a490da),
    f64::from_bits(0x3fff50765b6e4540),
];

/// e^x for every f64 (NaN stays NaN, below about −745 gives 0, above about 709.8 gives ∞).
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    let clamped = x.clamp(-745.2, 709.8);
    // x = n·ln2/32 + r, n = 32m + j: e^x = 2^m · 2^(j/32) · e^r.
    let shifted = clamped * (32.0 * std::f64::consts::LOG2_E) + ROUNDER;
    let n = shifted - ROUNDER;
    // n as an integer, plus 2046·32 to keep it positive.
    let biased_n = shifted
        .to_bits()
        .wrapping_sub(ROUNDER.to_bits())
        .wrapping_add(2046 * 32);
    let table = EXP2_THIRTY_SECONDS[(biased_n & 31) as usize];
    // k·LN2_HI/32 is exact for |k| < 2^16 (LN2_HI has 32 significant bits).
    let r = (clamped - n * (LN2_HI / 32.0)) - n * (LN2_LO / 32.0);
    // e^r − 1, Taylor to r^6 on |r| ≤ ln2/64 (+ rounding of n): the remainder is below 1e-17.
    let e_r_minus_1 = r * horner(
        r,
        [
            1.0,
            1.0 / 2.0,
            1.0 / 6.0,
            1.0 / 24.0,
            1.0 / 120.0,
            1.0 / 720.0,
        ],
    );
    let mantissa = table + table * e_r_minus_1;
    // 2^m (m + 2046 in [970, 3070]) as two normal factors, so that results down to the
    // subnormals round once.
    let biased = biased_n >> 5;
    let half = biased >> 1;
    let first = f64::from_bits(half << 52);
    let second = f64::from_bits((biased - half) << 52);
    let result = mantissa * first * second;
    if x.is_nan() { x } else { result }
}

/// ln x for a positive normal x (such as a uniform of MODEL.md §2).
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    const SQRT_HALF_BITS: u64 = 0x3fe6_a09e_667f_3bcd;
    const ONE_BITS: u64 = 0x3ff0_0000_0000_0000;
    let bits = x.to_bits();
    // x = 2^k·m with m in [√½, √2); k + 1023 from the exponent field of x/√½.
    let biased_k = bits.wrapping_sub(SQRT_HALF_BITS).wrapping_add(ONE_BITS) >> 52;
    let m = f64::from_bits(bits.wrapping_sub(biased_k << 52).wrapping_add(ONE_BITS));
    // k as f64, exactly: 2^52 + biased_k built in the mantissa.
    let k = f64::from_bits(0x4330_0000_0000_0000 | biased_k) - (4_503_599_627_370_496.0 + 1023.0);
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let s2 = s * s;
    // 2·atanh(s) = 2s + s·R with R ≈ Σ 2 s^(2j)/(2j+1): fdlibm's minimax coefficients
    // (e_log.c, Lg1…Lg7) on |s| ≤ 0.1716, error below 2^-58.9.
    let r = s2
        * horner(
            s2,
            [
                f64::from_bits(0x3fe5_5555_5555_5593),
                f64::from_bits(0x3fd9_9999_9997_fa04),
                f64::from_bits(0x3fd2_4924_9422_9359),
                f64::from_bits(0x3fcc_71c5_1d8e_78af),
                f64::from_bits(0x3fc7_4664_96cb_03de),
                f64::from_bits(0x3fc3_9a09_d078_c69f),
                f64::from_bits(0x3fc2_f112_df3e_5244),
            ],
        );
    let half_f_squared = 0.5 * f * f;
    k * LN2_HI - ((half_f_squared - (s * (half_f_squared + r) + k * LN2_LO)) - f)
}

/// (sin 2πb, cos 2πb) for b in [0, 1]: reduced by quarter turns exactly, then minimax
/// polynomials on |2πt| ≤ π/4.
#[inline(always)]
pub fn sin_cos_turns(b: f64) -> (f64, f64) {
    let shifted = 4.0 * b + ROUNDER;
    let quarter = shifted - ROUNDER;
    let quadrant = shifted.to_bits().wrapping_sub(ROUNDER.to_bits());
    // Exact: b and quarter/4 are multiples of 2^-54 below 1 apart by at most 1/8.
    let t = b - 0.25 * quarter;
    let x = std::f64::consts::TAU * t;
    let x2 = x * x;
    // fdlibm's minimax kernels on |x| ≤ π/4 (k_sin.c S1…S6, k_cos.c C1…C6).
    let sin = x + x
        * x2
        * horner(
            x2,
            [
                f64::from_bits(0xbfc5_5555_5555_5549),
                f64::from_bits(0x3f81_1111_1110_f8a6),
                f64::from_bits(0xbf2a_01a0_19c1_61d5),
                f64::from_bits(0x3ec7_1de3_57b1_fe7d),
                f64::from_bits(0xbe5a_e5e6_8a2b_9ceb),
                f64::from_bits(0x3de5_d93a_5acf_d57c),
            ],
        );
    let cos = 1.0
        + x2 * (-0.5
            + x2 * horner(
                x2,
                [
                    f64::from_bits(0x3fa5_5555_5555_554c),
                    f64::from_bits(0xbf56_c16c_16c1_5177),
                    f64::from_bits(0x3efa_01a0_19cb_1590),
                    f64::from_bits(0xbe92_7e4f_809c_52ad),
                    f64::from_bits(0x3e21_ee9e_bdb4_b1c4),
                    f64::from_bits(0xbda8_fae9_be88_38d4),
                ],
            ));
    // Quarter turn q: (sin, cos) of x + qπ/2.
    let swap = quadrant & 1 != 0;
    let (sin, cos) = if swap { (cos, sin) } else { (sin, cos) };
    let sin_sign = (quadrant & 2) << 62;
    let cos_sign = (quadrant.wrapping_add(1) & 2) << 62;
    (
        f64::from_bits(sin.to_bits() ^ sin_sign),
        f64::from_bits(cos.to_bits() ^ cos_sign),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place.
    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64).abs_diff(b.to_bits() as i64)
    }

    /// A deterministic spread of points (a Weyl sequence).
    fn points(count: usize) -> impl Iterator<Item = f64> {
        (0..count).map(|i| (i as f64 * 0.618_033_988_749_894_9).fract())
    }

    #[test]
    fn exp_is_within_two_ulp_of_the_standard_library() {
        for u in points(200_000) {
            let x = -40.0 + 80.0 * u;
            assert!(ulps(exp(x), x.exp()) <= 2, "exp({x})");
        }
        for x in [0.0, -0.0, 1e-300, -1e-300, 1.0, -1.0, 700.0, -700.0, -740.0] {
            assert!(ulps(exp(x), x.exp()) <= 2, "exp({x})");
        }
        assert_eq!(exp(710.0), f64::INFINITY);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(-746.0), 0.0);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert!(exp(f64::NAN).is_nan());
    }

    #[test]
    fn ln_is_within_two_ulp_of_the_standard_library() {
        for u in points(200_000) {
            let x = (u + 0.5) * 2.0_f64.powi(-33);
            for x in [u.max(1e-300), x, 1.0 + 10.0 * u, 1e300 * (u + 0.1)] {
                assert!(ulps(ln(x), x.ln()) <= 2, "ln({x})");
            }
        }
        assert_eq!(ln(1.0), 0.0);
    }

    /// Against the standard library's sin and cos of the exactly reduced angle 2π·t (t = b −
    /// q/4), so that only the polynomial is measured, not the rounding of 2π·b.
    #[test]
    fn sin_cos_turns_is_within_two_ulp_of_the_standard_library() {
        for b in points(200_000).chain([0.0, 0.125, 0.25, 0.5, 0.75, 1.0]) {
            let (sin, cos) = sin_cos_turns(b);
            let quarter = (4.0 * b).round_ties_even();
            let x = std::f64::consts::TAU * (b - 0.25 * quarter);
            let (s, c) = x.sin_cos();
            let (expected_sin, expected_cos) = match quarter as i64 % 4 {
                0 => (s, c),
                1 => (c, -s),
                2 => (-s, -c),
                _ => (-c, s),
            };
            let close = |a: f64, e: f64| ulps(a, e) <= 2 || (a - e).abs() < 1e-300;
            assert!(
                close(sin, expected_sin),
                "sin at {b}: {sin} vs {expected_sin}"
            );
            assert!(
                close(cos, expected_cos),
                "cos at {b}: {cos} vs {expected_cos}"
            );
            let (sin_direct, cos_direct) = (std::f64::consts::TAU * b).sin_cos();
            assert!((sin - sin_direct).abs() <= 1e-15 && (cos - cos_direct).abs() <= 1e-15);
        }
    }
}
