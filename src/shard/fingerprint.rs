//! The scenario hash: which compiled model a shard simulated.
//!
//! Shards can only be merged when they ran the same model. The hash is SHA-256 of the compiled
//! [`Model`]'s canonical text (its `Debug` form, in which every f64 prints in its shortest
//! round-trip form), with the path count and the seed left out (the state's header carries
//! those apart, so a mismatch can be named precisely). Two scenario files that differ only in
//! comments or layout compile to the same model and hash alike; any change of a number does
//! not. The hash is stable across machines and runs (never std's `DefaultHasher`); a firesale
//! version that compiles a scenario differently may hash it differently, which is why merging
//! also requires one firesale version.

use sha2::{Digest, Sha256};

use crate::model::Model;

/// The SHA-256 of `model` without its path count and seed, as 64 lowercase hex digits.
pub fn scenario_hash(model: &Model) -> String {
    let canonical = Model {
        paths: 0,
        seed: 0,
        ..model.clone()
    };
    hex(&Sha256::digest(format!("{canonical:?}").as_bytes()))
}

/// Lowercase hexadecimal digits of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::builtin;

    #[test]
    fn the_hash_ignores_paths_and_seed_but_not_the_model() {
        let model = builtin::find("calm-market").unwrap().model().unwrap();
        let hash = scenario_hash(&model);
        assert_eq!(hash.len(), 64);
        let reseeded = Model {
            paths: 7,
            seed: 99,
            ..model.clone()
        };
        assert_eq!(scenario_hash(&reseeded), hash);
        let mut changed = model.clone();
        changed.assets[0].depth_usd *= 1.0 + f64::EPSILON;
        assert_ne!(scenario_hash(&changed), hash);
        let other = builtin::find("crypto-unwind").unwrap().model().unwrap();
        assert_ne!(scenario_hash(&other), hash);
    }
}
