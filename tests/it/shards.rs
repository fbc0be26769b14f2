//! Sharded runs as a user meets them: `firesale run --shard I/N --state-out FILE` on each
//! shard, then `firesale merge` gives the unsharded run's summary, every number equal but
//! `elapsed_seconds`; and every way a set of shard files can be wrong is refused with exit
//! status 2 and a line naming the file and the problem.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Instant;

use crate::common::{
    assert_refused, assert_success, firesale_in, firesale_line, run_range, scratch_dir,
    without_elapsed,
};
use firesale::scenario::Source;
use firesale::shard::Shard;
use firesale::shard::state::{Engine, Invocation, ShardRun, ShardState};

/// Runs shard `shard` of `paths` paths of `scenario` in `dir`, writing `s-I.state`.
fn run_shard(dir: &Path, scenario: &str, paths: u64, seed: u64, shard: Shard) -> PathBuf {
    let file = format!("s-{}.state", shard.index);
    assert_success(&firesale_in(
        dir,
        &[
            "run",
            scenario,
            "--paths",
            &paths.to_string(),
            "--seed",
            &seed.to_string(),
            "--threads",
            "2",
            "--quiet",
            "--shard",
            &shard.to_string(),
            "--state-out",
            &file,
        ],
    ));
    dir.join(file)
}

/// Runs all `count` shards and returns their files.
fn run_shards(dir: &Path, scenario: &str, paths: u64, count: u64) -> Vec<PathBuf> {
    (0..count)
        .map(|index| run_shard(dir, scenario, paths, 7, Shard::new(index, count).unwrap()))
        .collect()
}

fn merge(dir: &Path, files: &[PathBuf], extra: &[&str]) -> Output {
    let mut args: Vec<&str> = vec!["merge"];
    args.extend(files.iter().map(|f| f.to_str().expect("utf-8")));
    args.extend(extra);
    firesale_in(dir, &args)
}

fn copy(from: &Path, name: &str) -> PathBuf {
    let to = from.with_file_name(name);
    std::fs::copy(from, &to).expect("copy");
    to
}

/// The acceptance test of sharding: for N = 1, 3 and 7, merging the shards (given in
/// reverse order) prints and writes the unsharded run's summary, every number identical
/// except `elapsed_seconds`.
#[test]
fn merged_shards_equal_the_unsharded_run_for_1_3_and_7_shards() {
    let dir = scratch_dir("shards-equal");
    let paths = 700;
    let whole = assert_success(&firesale_line(
        &dir,
        "run crypto-unwind --paths 700 --seed 7 --threads 2 --json -",
    ));
    for count in [1, 3, 7] {
        let shard_dir = dir.join(format!("n{count}"));
        std::fs::create_dir_all(&shard_dir).unwrap();
        let mut files = run_shards(&shard_dir, "crypto-unwind", paths, count);
        files.reverse();
        let merged = assert_success(&merge(&shard_dir, &files, &["--json", "-"]));
        assert_eq!(
            without_elapsed(&merged),
            without_elapsed(&whole),
            "{count} shards"
        );
        let out = assert_success(&merge(&shard_dir, &files, &["--out", "result", "--quiet"]));
        assert!(out.is_empty(), "--quiet prints nothing");
        let written = std::fs::read_to_string(shard_dir.join("result/summary.json")).unwrap();
        assert_eq!(without_elapsed(&written), without_elapsed(&whole));
    }
}

/// A missing shard is named with its paths and the exact command that re-runs it; running
/// that command makes the merge succeed.
#[test]
fn a_missing_shard_is_named_with_the_command_that_reruns_it() {
    let dir = scratch_dir("shards-missing");
    let files = run_shards(&dir, "calm-market", 90, 3);
    std::fs::remove_file(&files[1]).unwrap();
    let present = [files[0].clone(), files[2].clone()];
    let refused = merge(&dir, &present, &[]);
    assert_refused(
        &refused,
        &[
            "missing 1 of 3 shards: 1 (paths 30..60 of 90)",
            "--allow-partial",
        ],
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    let command = stderr
        .lines()
        .skip_while(|line| !line.contains("re-run them with:"))
        .nth(1)
        .expect("a command after the list")
        .trim();
    assert!(
        command.contains("--shard 1/3") && command.contains("--state-out s-1.state"),
        "{command}"
    );
    assert_success(
        &std::process::Command::new("sh")
            .args(["-c", command])
            .current_dir(&dir)
            .output()
            .unwrap(),
    );
    assert_success(&merge(&dir, &files, &["--quiet"]));
}

#[test]
fn a_duplicate_a_foreign_shard_and_damaged_files_are_refused_by_name() {
    let dir = scratch_dir("shards-bad");
    let files = run_shards(&dir, "calm-market", 60, 2);
    let twice = copy(&files[1], "twice.state");
    assert_refused(
        &merge(&dir, &[files[0].clone(), files[1].clone(), twice], &[]),
        &["twice.state: shard 1/2 again (also in", "s-1.state"],
    );

    let reseeded = dir.join("reseeded");
    std::fs::create_dir_all(&reseeded).unwrap();
    let foreign = run_shard(&reseeded, "calm-market", 60, 8, Shard::new(1, 2).unwrap());
    assert_refused(
        &merge(&dir, &[files[0].clone(), files[1].clone(), foreign], &[]),
        &["reseeded/s-1.state: belongs to another run: its seed is 8, the run being merged has 7"],
    );
    let other_dir = dir.join("other");
    std::fs::create_dir_all(&other_dir).unwrap();
    let other = run_shards(&other_dir, "crypto-unwind", 60, 2);
    assert_refused(
        &merge(&dir, &[files[0].clone(), other[1].clone()], &[]),
        &["belongs to another run: its scenario is"],
    );

    let bytes = std::fs::read(&files[1]).unwrap();
    let truncated = dir.join("truncated.state");
    std::fs::write(&truncated, &bytes[..bytes.len() - 100]).unwrap();
    assert_refused(
        &merge(&dir, &[files[0].clone(), truncated], &[]),
        &["truncated.state: truncated:"],
    );
    let mut damaged_bytes = bytes.clone();
    let middle = damaged_bytes.len() - 500;
    damaged_bytes[middle] ^= 1;
    let damaged = dir.join("damaged.state");
    std::fs::write(&damaged, damaged_bytes).unwrap();
    assert_refused(
        &merge(&dir, &[files[0].clone(), damaged], &[]),
        &["damaged.state: corrupted: its SHA-256 checksum does not match"],
    );
    let text = dir.join("notes.txt");
    std::fs::write(&text, "not a state\n").unwrap();
    assert_refused(
        &merge(&dir, &[files[0].clone(), files[1].clone(), text], &[]),
        &["notes.txt: not a firesale shard state"],
    );
    assert_refused(
        &merge(&dir, &[files[0].clone(), dir.join("absent.state")], &[]),
        &["absent.state: cannot read it"],
    );
}

/// `--allow-partial` merges the shards present and marks the summary partial, listing the
/// missing shards; the numbers are those of the paths present.
#[test]
fn allow_partial_merges_what_is_there_and_says_what_is_missing() {
    let dir = scratch_dir("shards-partial");
    let files = run_shards(&dir, "calm-market", 90, 3);
    let output = merge(
        &dir,
        &[files[2].clone(), files[0].clone()],
        &["--allow-partial", "--json", "-"],
    );
    let json = assert_success(&output);
    let summary: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(summary["partial"], true);
    assert_eq!(summary["paths"], 60);
    assert_eq!(summary["paths_requested"], 90);
    assert_eq!(summary["shards"], 3);
    assert_eq!(summary["missing_shards"], serde_json::json!([1]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("warning: partial merge: missing 1 of 3 shards: 1")
            && stderr.contains("--shard 1/3"),
        "{stderr}"
    );
}

#[test]
fn shard_flags_are_checked() {
    let dir = scratch_dir("shards-flags");
    for (args, needle) in [
        (
            &["--shard", "3/3", "--state-out", "x"][..],
            "shards are numbered 0..2",
        ),
        (&["--shard", "1/3"][..], "--state-out"),
        (
            &["--shard", "1/3", "--state-out", "no/such/dir/x"][..],
            "--state-out",
        ),
    ] {
        let mut full = vec!["run", "calm-market", "--paths", "10"];
        full.extend(args);
        assert_refused(&firesale_in(&dir, &full), &[needle]);
    }
}

/// A one-asset, one-cohort scenario of two steps and `paths` paths.
fn tiny(paths: u64) -> Source {
    Source {
        origin: "tiny.toml".to_string(),
        toml: format!(
            "name = \"tiny\"\n[simulation]\nsteps = 2\npaths = {paths}\n\
             [[assets]]\nname = \"X\"\nprice = 1.0\nvol = 0.8\ndepth = 1e6\n\
             [[cohorts]]\nname = \"longs\"\nkind = \"margin\"\nequity = 1e6\n\
             weights = {{ X = 1.0 }}\nleverage = 10.0\nmaintenance_margin = 0.05\n"
        ),
    }
}

/// The state file of `shard` of `source`'s scenario, simulated in this process.
fn state_bytes(source: &Source, shard: Shard) -> Vec<u8> {
    let model = source.compile().unwrap();
    let output = run_range(&model, shard.paths(model.paths), 0);
    let run = ShardRun {
        source,
        model: &model,
        shard,
        engine: Engine {
            kind: "cpu".to_string(),
            adapter: "test".to_string(),
        },
        elapsed_seconds: 0.001,
        invocation: Invocation::current(),
    };
    ShardState::new(run, output.totals).encode()
}

/// A state holds summaries, not paths: a hundred times the paths gives a file less than
/// twice the size (the sketches only gain the rare tail buckets the extra paths reach, up to
/// a bound that does not depend on the path count).
#[test]
fn a_states_size_hardly_depends_on_the_path_count() {
    let small = state_bytes(&tiny(1_000), Shard::WHOLE).len();
    let large = state_bytes(&tiny(100_000), Shard::WHOLE).len();
    assert!(
        large < 2 * small,
        "{small} bytes for 1,000 paths, {large} for 100,000"
    );
}

/// A thousand shard files (of one path each) merge in under a second, process start
/// included: the merge reads and checks them in parallel and each holds only summaries.
#[test]
fn a_thousand_shards_merge_in_under_a_second() {
    const SHARDS: u64 = 1000;
    let dir = scratch_dir("shards-thousand");
    let source = tiny(SHARDS);
    let files: Vec<PathBuf> = (0..SHARDS)
        .map(|index| {
            let file = dir.join(format!("shard-{index:04}.state"));
            std::fs::write(
                &file,
                state_bytes(&source, Shard::new(index, SHARDS).unwrap()),
            )
            .unwrap();
            file
        })
        .collect();
    let started = Instant::now();
    let json = assert_success(&merge(&dir, &files, &["--json", "-", "--quiet"]));
    let seconds = started.elapsed().as_secs_f64();
    let summary: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(summary["paths"], SHARDS);
    assert_eq!(summary["partial"], false);
    assert!(seconds < 1.0, "merging {SHARDS} shards took {seconds:.3} s");
}
