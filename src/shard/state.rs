//! The state file a shard writes (`firesale run --shard I/N --state-out FILE`) and `firesale
//! merge` reads: everything the run keeps of its paths, and which run and shard it is.
//!
//! Layout (format version 1), made to be checked before it is trusted:
//!
//! ```text
//! firesale shard state v1                   the format and its version
//! {"firesale_version":…,"body_bytes":…}     the header: one line of JSON (`head -2 FILE`)
//! <body_bytes bytes>                        the run totals, postcard's compact binary form
//! sha256 <64 hex digits>                    the checksum of every byte above
//! ```
//!
//! A file cut short misses bytes the header announces (or its checksum line), and a changed
//! byte breaks the checksum: both are refused with what is wrong. The body holds one quantile
//! sketch and two exact sums per metric and a few counts: its size is bounded whatever the
//! path count (a sketch spans at most [`QuantileSketch::MAX_BUCKETS`] per sign) and grows only
//! as rare tail buckets fill; with the scenario's text in the header a crypto-unwind state is
//! 100–150 kB. Files are written whole or not at all by the caller
//! (`report::file`).
//!
//! [`QuantileSketch::MAX_BUCKETS`]: crate::summary::QuantileSketch::MAX_BUCKETS

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Shard;
use super::fingerprint::{hex, scenario_hash};
use crate::model::Model;
use crate::scenario::Source;
use crate::summary::BackendInfo;
use crate::summary::metrics::RunTotals;

/// The version of the layout above; a reader refuses any other.
pub const FORMAT_VERSION: u32 = 1;
/// The first line, less the version number.
const MAGIC: &str = "firesale shard state v";
/// The last line: `sha256 `, 64 hex digits, a newline.
const CHECKSUM_PREFIX: &str = "sha256 ";
const CHECKSUM_LINE_BYTES: usize = CHECKSUM_PREFIX.len() + 64 + 1;

/// Which run, which shard, and how to run it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The firesale that ran the shard: shards merge only with shards of the same version.
    pub firesale_version: String,
    /// The scenario's name.
    pub scenario: String,
    /// [`scenario_hash`] of the compiled model.
    pub scenario_hash: String,
    /// The scenario as the user named it (a built-in name or a path) and its full text, so
    /// that `merge` needs nothing but the state files.
    pub scenario_origin: String,
    pub scenario_toml: String,
    pub seed: u64,
    /// P: the paths of the whole run.
    pub paths: u64,
    /// N and I of `--shard I/N`.
    pub shards: u64,
    pub shard: u64,
    /// The global paths this shard simulated: `first_path..end_path`.
    pub first_path: u64,
    pub end_path: u64,
    pub engine: Engine,
    pub elapsed_seconds: f64,
    pub invocation: Invocation,
    /// The shard stopped early (by a signal): its totals hold only its first paths, and
    /// `merge` takes it only with `--allow-partial`. Absent from the file when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
}

/// The engine that ran a shard (`backend` of the summary).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Engine {
    /// "cpu" or "gpu".
    pub kind: String,
    pub adapter: String,
}

impl From<&BackendInfo> for Engine {
    fn from(backend: &BackendInfo) -> Self {
        Engine {
            kind: backend.kind.clone(),
            adapter: backend.adapter.clone(),
        }
    }
}

/// How the shard was started, for the command that re-runs a missing one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invocation {
    /// The command line, program first.
    pub command: Vec<String>,
    /// The folder it ran in.
    pub working_dir: String,
    /// A launcher's command that re-runs given shards, `{indices}` standing for their list
    /// (`FIRESALE_RERUN`, set by the scripts of `firesale slurm`).
    pub rerun: Option<String>,
}

impl Invocation {
    /// This process's command line, folder and `FIRESALE_RERUN`.
    pub fn current() -> Self {
        Invocation {
            command: std::env::args_os()
                .map(|arg| arg.to_string_lossy().into_owned())
                .collect(),
            working_dir: std::env::current_dir()
                .map(|dir| dir.display().to_string())
                .unwrap_or_default(),
            rerun: std::env::var("FIRESALE_RERUN")
                .ok()
                .filter(|rerun| !rerun.is_empty()),
        }
    }
}

/// A shard's header and its totals.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardState {
    pub header: Header,
    pub totals: RunTotals,
}

/// The header line: the header and the size of the body after it.
#[derive(Serialize, Deserialize)]
struct HeaderLine<H> {
    #[serde(flatten)]
    header: H,
    body_bytes: u64,
}

/// What a shard knows of its run besides the totals.
pub struct ShardRun<'a> {
    pub source: &'a Source,
    /// The compiled model, with the run's path count and seed.
    pub model: &'a Model,
    pub shard: Shard,
    pub engine: Engine,
    pub elapsed_seconds: f64,
    pub invocation: Invocation,
}

impl ShardState {
    /// The state of a shard; its totals hold exactly the shard's paths, or fewer when the
    /// shard stopped early (it is then marked partial).
    pub fn new(run: ShardRun, totals: RunTotals) -> Self {
        let paths = run.shard.paths(run.model.paths);
        debug_assert!(totals.paths <= paths.end - paths.start);
        let partial = totals.paths < paths.end - paths.start;
        ShardState {
            header: Header {
                firesale_version: env!("CARGO_PKG_VERSION").to_string(),
                scenario: run.model.name.clone(),
                scenario_hash: scenario_hash(run.model),
                scenario_origin: run.source.origin.clone(),
                scenario_toml: run.source.toml.clone(),
                seed: run.model.seed,
                paths: run.model.paths,
                shards: run.shard.count,
                shard: run.shard.index,
                first_path: paths.start,
                end_path: paths.end,
                engine: run.engine,
                elapsed_seconds: run.elapsed_seconds,
                invocation: run.invocation,
                partial,
            },
            totals,
        }
    }

    /// The file's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let body = postcard::to_allocvec(&self.totals).expect("totals always serialise");
        let header = serde_json::to_string(&HeaderLine {
            header: &self.header,
            body_bytes: body.len() as u64,
        })
        .expect("a header always serialises");
        let mut bytes = format!("{MAGIC}{FORMAT_VERSION}\n{header}\n").into_bytes();
        bytes.extend_from_slice(&body);
        let checksum = hex(&Sha256::digest(&bytes));
        bytes.extend_from_slice(format!("{CHECKSUM_PREFIX}{checksum}\n").as_bytes());
        bytes
    }

    /// Reads and checks the file's bytes; the error says what is wrong with them.
    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        if bytes.is_empty() {
            return Err("the file is empty".to_string());
        }
        let (first_line, rest) = split_line(bytes)
            .filter(|(line, _)| line.starts_with(MAGIC.as_bytes()))
            .ok_or_else(|| {
                format!("not a firesale shard state (it does not begin with '{MAGIC}')")
            })?;
        let version = &first_line[MAGIC.len()..];
        if version != FORMAT_VERSION.to_string().as_bytes() {
            return Err(format!(
                "written in state format v{}, but this firesale ({}) reads v{FORMAT_VERSION}; merge with the firesale that wrote it",
                String::from_utf8_lossy(version),
                env!("CARGO_PKG_VERSION"),
            ));
        }
        let (header_line, rest) = split_line(rest)
            .ok_or_else(|| "truncated: the file ends inside its header".to_string())?;
        let HeaderLine { header, body_bytes } =
            serde_json::from_slice::<HeaderLine<Header>>(header_line)
                .map_err(|error| format!("corrupted: its header is not readable ({error})"))?;
        let expected = (bytes.len() - rest.len()) as u64 + body_bytes + CHECKSUM_LINE_BYTES as u64;
        if (bytes.len() as u64) < expected {
            return Err(format!(
                "truncated: {} bytes of the {expected} its header announces",
                bytes.len()
            ));
        }
        if bytes.len() as u64 > expected {
            return Err(format!(
                "corrupted: {} bytes, but its header announces {expected}",
                bytes.len()
            ));
        }
        let (checked, checksum_line) = bytes.split_at(bytes.len() - CHECKSUM_LINE_BYTES);
        let expected_line = format!("{CHECKSUM_PREFIX}{}\n", hex(&Sha256::digest(checked)));
        if checksum_line != expected_line.as_bytes() {
            return Err("corrupted: its SHA-256 checksum does not match its contents".to_string());
        }
        let body = &rest[..body_bytes as usize];
        let totals: RunTotals = postcard::from_bytes(body)
            .map_err(|error| format!("corrupted: its totals are not readable ({error})"))?;
        let state = ShardState { header, totals };
        state.check_consistent()?;
        Ok(state)
    }

    /// The header and the totals agree with each other (a check against a writer's bug; a
    /// damaged file already failed its checksum).
    fn check_consistent(&self) -> Result<(), String> {
        let header = &self.header;
        let totals = &self.totals;
        let shard = Shard::new(header.shard, header.shards)?;
        let paths = shard.paths(header.paths);
        let layout = totals.layout;
        let expected_paths = paths.end - paths.start;
        let paths_fit = if header.partial {
            totals.paths < expected_paths
        } else {
            totals.paths == expected_paths
        };
        if (header.first_path, header.end_path) != (paths.start, paths.end)
            || !paths_fit
            || totals.metrics.len() != layout.len()
            || totals.liquidated_paths.len() != layout.cohorts
            || totals.bad_debt_paths.len() != layout.cohorts
        {
            return Err(format!(
                "inconsistent: shard {shard} of {} paths should hold paths {}..{}, its totals hold {} paths",
                header.paths, paths.start, paths.end, totals.paths
            ));
        }
        Ok(())
    }
}

/// The first line of `bytes` (without its newline) and what follows it, if it has a newline.
fn split_line(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = bytes.iter().position(|&byte| byte == b'\n')?;
    Some((&bytes[..end], &bytes[end + 1..]))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use super::*;
    use crate::engine::{RunControl, run_cpu};

    const TINY: &str = "name = \"tiny\"\n[simulation]\nsteps = 3\npaths = 10\n\
        [[assets]]\nname = \"X\"\nprice = 1.0\nvol = 0.8\ndepth = 1e6\n\
        [[cohorts]]\nname = \"longs\"\nkind = \"margin\"\nequity = 1e6\nweights = { X = 1.0 }\n\
        leverage = 10.0\nmaintenance_margin = 0.05\n";

    /// Shard 1 of 3 of the tiny scenario's 10 paths.
    fn tiny_state() -> ShardState {
        let source = Source {
            origin: "tiny.toml".to_string(),
            toml: TINY.to_string(),
        };
        let model = source.compile().unwrap();
        let shard = Shard::new(1, 3).unwrap();
        let cancel = AtomicBool::new(false);
        let control = RunControl::totals_only(&cancel);
        let output = run_cpu(&model, shard.paths(model.paths), &control);
        let run = ShardRun {
            source: &source,
            model: &model,
            shard,
            engine: Engine {
                kind: "cpu".to_string(),
                adapter: "test".to_string(),
            },
            elapsed_seconds: 0.5,
            invocation: Invocation::current(),
        };
        ShardState::new(run, output.totals)
    }

    #[test]
    fn a_state_reads_back_as_written() {
        let state = tiny_state();
        assert_eq!(state.totals.paths, 3);
        assert_eq!((state.header.first_path, state.header.end_path), (3, 6));
        assert_eq!(ShardState::decode(&state.encode()), Ok(state));
    }

    #[test]
    fn every_truncation_and_every_changed_byte_is_refused() {
        let bytes = tiny_state().encode();
        for length in 0..bytes.len() {
            let problem = ShardState::decode(&bytes[..length]).unwrap_err();
            assert!(
                ["truncated", "empty", "not a firesale", "corrupted"]
                    .iter()
                    .any(|word| problem.contains(word)),
                "cut at {length}: {problem}"
            );
        }
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x20;
            assert!(ShardState::decode(&damaged).is_err(), "byte {at} changed");
        }
    }

    #[test]
    fn another_format_version_is_named() {
        let text = String::from_utf8_lossy(&tiny_state().encode()).replacen(" v1\n", " v2\n", 1);
        let problem = ShardState::decode(text.as_bytes()).unwrap_err();
        assert!(problem.contains("format v2"), "{problem}");
    }
}
