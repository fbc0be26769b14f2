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
    let [words] = philox4x32_10_lanes::<1, 1>([counter.map(|word| [word])], key);
    words.map(|[word]| word)
}

/// [`philox4x32_10`] on N counters of W lanes at once (`counters[n][i][lane]`: word i of a
/// lane's n-th counter), under one key. The N calls' rounds interleave, so their multiplies
/// overlap; each 32-bit word is held zero-extended in a u64 lane, so a 32×32→64 product is
/// one widening multiply of the lanes as they are, with no packing and unpacking per round.
#[inline(always)]
pub fn philox4x32_10_lanes<const W: usize, const N: usize>(
    counters: [[[u32; W]; 4]; N],
    key: Key,
) -> [[[u32; W]; 4]; N] {
    const LOW: u64 = 0xFFFF_FFFF;
    let mut c = [[[0_u64; W]; 4]; N];
    for (wide, counter) in c.iter_mut().zip(&counters) {
        for (wide, word) in wide.iter_mut().zip(counter) {
            *wide = each(|i| u64::from(word[i]));
        }
    }
    let mut k = [u64::from(key[0]), u64::from(key[1])];
    for round in 0..10 {
        if round > 0 {
            k[0] = (k[0] + u64::from(WEYL_0)) & LOW;
            k[1] = (k[1] + u64::from(WEYL_1)) & LOW;
        }
        for counter in &mut c {
            let [c0, c1, c2, c3] = *counter;
            let product_0: [u64; W] = each(|i| u64::from(MULTIPLIER_0) * c0[i]);
            let product_1: [u64; W] = each(|i| u64::from(MULTIPLIER_1) * c2[i]);
            *counter = [
                each(|i| (product_1[i] >> 32) ^ c1[i] ^ k[0]),
                each(|i| product_1[i] & LOW),
                each(|i| (product_0[i] >> 32) ^ c3[i] ^ k[1]),
                each(|i| product_0[i] & LOW),
            ];
        }
    }
    let mut words = [[[0_u32; W]; 4]; N];
    for (words, wide) in words.iter_mut().zip(&c) {
        for (word, wide) in words.iter_mut().zip(wide) {
            *word = each(|i| wide[i] as u32);
        }
    }
    words
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
        // Two calls per lane: the counters, and the counters with every word's low bit flipped.
        let inputs: [[[u32; 8]; 4]; 2] =
            std::array::from_fn(|n| std::array::from_fn(|i| counters.map(|c| c[i] ^ n as u32)));
        let lanes = philox4x32_10_lanes(inputs, key);
        for (lane, counter) in counters.iter().enumerate() {
            for (n, calls) in lanes.iter().enumerate() {
                let words = philox4x32_10(counter.map(|c| c ^ n as u32), key);
                assert_eq!(words, std::array::from_fn(|i| calls[i][lane]));
            }
        }
    }
}
