//! Shards: one run of P paths split into N parts that run apart (the tasks of a Slurm job
//! array, the pods of a Kubernetes Indexed Job, or any N processes) and merge into exactly the
//! totals of the unsharded run.
//!
//! Shard I of N simulates the global paths ⌊I·P/N⌋ .. ⌊(I+1)·P/N⌋: the parts are contiguous,
//! disjoint, cover 0..P, and differ in size by at most one path. A path's random numbers
//! depend only on the seed and its global index (MODEL.md §2), and run totals merge exactly
//! whatever the split and the order (integer bucket counts and fixed-point sums, see
//! [`crate::summary`]), so the merged totals equal (`==`) those of one unsharded run.
//!
//! - [`state`]: the file a shard writes (header, totals, checksum) and its checks.
//! - [`merge`]: checks that files are the shards of one run, and merges them.
//! - [`command`]: the command line that re-runs a missing shard, shell-quoted.
//! - [`fingerprint`]: the scenario hash that ties the shards to one compiled model.

pub mod command;
pub mod fingerprint;
pub mod merge;
pub mod state;

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

/// Shard `index` of `count` (0-based): the `--shard I/N` of `firesale run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// The whole run as its only shard: 0/1.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };
    /// The most shards a run may have: far beyond any cluster's task count, and it bounds
    /// what a merge allocates per shard.
    pub const MAX_COUNT: u64 = 1_000_000;

    /// Shard `index` of `count`, or why that is not a shard.
    pub fn new(index: u64, count: u64) -> Result<Self, String> {
        if count == 0 {
            Err("the shard count N must be at least 1".to_string())
        } else if count > Self::MAX_COUNT {
            Err(format!(
                "{count} shards is more than the {} a run may have",
                Self::MAX_COUNT
            ))
        } else if index >= count {
            Err(format!(
                "shard {index} of {count} does not exist: shards are numbered 0..{}",
                count - 1
            ))
        } else {
            Ok(Shard { index, count })
        }
    }

    /// The global paths of this shard in a run of `total` paths.
    pub fn paths(&self, total: u64) -> Range<u64> {
        boundary(self.index, self.count, total)..boundary(self.index + 1, self.count, total)
    }
}

/// ⌊i·P/N⌋, without overflow for any u64 P.
fn boundary(i: u64, count: u64, total: u64) -> u64 {
    (u128::from(i) * u128::from(total) / u128::from(count)) as u64
}

impl FromStr for Shard {
    type Err = String;

    /// Parses `I/N`, e.g. `3/10`.
    fn from_str(text: &str) -> Result<Self, String> {
        let parse = |part: &str, what: &str| {
            part.trim().parse::<u64>().map_err(|_| {
                format!("expected I/N with whole numbers (e.g. 3/10), got {what} '{part}'")
            })
        };
        let (index, count) = text
            .split_once('/')
            .ok_or_else(|| format!("expected I/N (e.g. 3/10 for shard 3 of 10), got '{text}'"))?;
        Shard::new(parse(index, "I =")?, parse(count, "N =")?)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Whole numbers as a compact list of ranges: `0-3,7,9-10` (Slurm's `--array` syntax).
pub fn index_list(indices: &[u64]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut rest = indices.iter().copied().peekable();
    while let Some(first) = rest.next() {
        let mut last = first;
        while rest.peek() == Some(&(last + 1)) {
            last += 1;
            rest.next();
        }
        parts.push(if first == last {
            first.to_string()
        } else {
            format!("{first}-{last}")
        });
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_tile_the_run_and_differ_by_at_most_one_path() {
        for total in [0, 1, 2, 7, 1000, 1001, u64::MAX] {
            for count in [1, 2, 3, 7, 64] {
                let mut next = 0;
                let mut sizes = Vec::new();
                for index in 0..count {
                    let paths = Shard::new(index, count).unwrap().paths(total);
                    assert_eq!(paths.start, next, "contiguous");
                    next = paths.end;
                    sizes.push(paths.end - paths.start);
                }
                assert_eq!(next, total, "covers 0..P");
                let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
                assert!(max - min <= 1, "{total} paths in {count}: {sizes:?}");
            }
        }
    }

    #[test]
    fn parses_i_of_n_and_refuses_what_is_not_a_shard() {
        assert_eq!(
            "3/10".parse(),
            Ok(Shard {
                index: 3,
                count: 10
            })
        );
        assert_eq!(
            Shard {
                index: 3,
                count: 10
            }
            .to_string(),
            "3/10"
        );
        for bad in ["3", "10/10", "1/0", "a/3", "-1/3", "1/2/3", "0/1000001"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn index_lists_compress_runs() {
        assert_eq!(index_list(&[0, 1, 2, 3, 7, 9, 10]), "0-3,7,9-10");
        assert_eq!(index_list(&[5]), "5");
        assert_eq!(index_list(&[]), "");
    }
}
