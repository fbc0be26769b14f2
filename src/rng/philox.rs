//! Philox4x32-10 (Salmon, Moraes, Dror, Shaw 2011), checked against Random123's
//! known-answer vectors, for one counter or one per lane. Mirrored by `shaders/philox.wgsl`.

use crate::lanes::each;

/// The 64-bit key, as two words (low, high).
pub type Key = [u32; 2];

const MULTIPLIER_0: u32 = 0xD251_1F53;
const MULTIPLIER_1: u32 = 0xCD9E_8D57;
const WEYL_0: u32 = 0x9E37_79B9;
const WEYL_1: u32 = 0xBB67_AE85;

/// Ten rounds of Philox4x32 on `counter` under `key`: four independent uniform words.
#[inline(always)]
pub fn philox4x32_10(counter: [u32; 4], key: Key) -> [u32; 4] {
    philox4x32_10_lanes(counter.map(|word| [word]), key).map(|[word]| word)
}

/// [`philox4x32_10`] on W counters at once (`counter[i][lane]`: word i of a lane's counter),
/// one per lane, under one key.
#[inline(always)]
pub fn philox4x32_10_lanes<const W: usize>(counter: [[u32; W]; 4], key: Key) -> [[u32; W]; 4] {
    let mut c = counter;
    let mut k = key;
    for round in 0..10 {
        if round > 0 {
            k[0] = k[0].wrapping_add(WEYL_0);
            k[1] = k[1].wrapping_add(WEYL_1);
        }
        let product_0: [u64; W] = each(|i| u64::from(MULTIPLIER_0) * u64::from(c[0][i]));
        let product_1: [u64; W] = each(|i| u64::from(MULTIPLIER_1) * u64::from(c[2][i]));
        let high = |product: &[u64; W], other: &[u32; W], key: u32| -> [u32; W] {
            each(|i| (product[i] >> 32) as u32 ^ other[i] ^ key)
        };
        c = [
            high(&product_1, &c[1], k[0]),
            each(|i| product_1[i] as u32),
            high(&product_0, &c[3], k[1]),
            each(|i| product_0[i] as u32),
        ];
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random123's kat_vectors for philox4x32 with 10 rounds.
    #[test]
    fn matches_random123_known_answers() {
        assert_eq!(
            philox4x32_10([0; 4], [0; 2]),
            [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]
        );
        assert_eq!(
            philox4x32_10([u32::MAX; 4], [u32::MAX; 2]),
            [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]
        );
        assert_eq!(
            philox4x32_10(
                [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
                [0xa4093822, 0x299f31d0]
            ),
            [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]
        );
    }

    #[test]
    fn every_lane_is_the_single_counter_function() {
        let key = [0xa409_3822, 0x299f_31d0];
        let counters: [[u32; 4]; 8] =
            std::array::from_fn(|lane| [lane as u32, 7, 0xffff_fff0 + lane as u32, 3]);
        let lanes = philox4x32_10_lanes(std::array::from_fn(|i| counters.map(|c| c[i])), key);
        for (lane, counter) in counters.iter().enumerate() {
            let words = philox4x32_10(*counter, key);
            assert_eq!(words, std::array::from_fn(|i| lanes[i][lane]));
        }
    }
}
