//! The CPU engine's lanes: a path's `--dump-paths` row is the same bytes at every lane width
//! this processor runs (`FIRESALE_CPU_LANES`) and every thread count, and agrees with the rows
//! the scalar engine wrote before the lanes (tests/fixtures/before-11-*.csv) to 1e-9
//! relative, but for the few paths where the last-bit difference of a polynomial exp, ln or
//! sin/cos flips a liquidation at its threshold.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{assert_refused, assert_success, scratch_dir, without_elapsed};
use firesale::lanes::Width;

/// Runs `firesale` in `dir` with `FIRESALE_CPU_LANES` set to `lanes` (unset when `None`).
fn firesale_with_lanes(dir: &Path, lanes: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_firesale"));
    command.args(args).current_dir(dir);
    match lanes {
        Some(lanes) => command.env("FIRESALE_CPU_LANES", lanes),
        None => command.env_remove("FIRESALE_CPU_LANES"),
    };
    command.output().expect("the binary runs")
}

/// The `--dump-paths` CSV of `paths` paths of `scenario` at seed 11 on the CPU engine.
fn dump(dir: &Path, scenario: &str, paths: u64, lanes: Option<&str>, threads: u32) -> String {
    let file = format!(
        "dump-{}-{paths}-{lanes:?}-{threads}.csv",
        scenario.replace('/', "_")
    );
    let count = paths.to_string();
    let threads = threads.to_string();
    let args = [
        "run",
        scenario,
        "--backend",
        "cpu",
        "--seed",
        "11",
        "--paths",
        &count,
        "--threads",
        &threads,
        "-q",
        "--dump-paths",
        &count,
        &file,
    ];
    assert_success(&firesale_with_lanes(dir, lanes, &args));
    std::fs::read_to_string(dir.join(file)).expect("the dump was written")
}

fn repository(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Every width this processor runs and 1 or 2 threads give the same bytes. 1037 and 613
/// paths span two 512-path chunks and end in a partial block at every width.
#[test]
fn dump_rows_are_byte_identical_across_widths_and_threads() {
    let dir = scratch_dir("lanes-identical");
    let three_asset = repository("benches/three-asset.toml");
    for (scenario, paths) in [
        ("crypto-unwind", 613),
        (three_asset.to_str().unwrap(), 1037),
    ] {
        let reference = dump(&dir, scenario, paths, Some("1"), 1);
        for width in Width::all_available() {
            for threads in [1, 2] {
                let lanes = width.lanes().to_string();
                let rows = dump(&dir, scenario, paths, Some(&lanes), threads);
                assert!(
                    rows == reference,
                    "{scenario}: {lanes} lanes on {threads} threads differ from 1 lane"
                );
            }
        }
    }
}

/// Whether `a` and `b` agree to 1e-9 of the larger magnitude.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

/// Compares a dump with a recorded one, path by path: returns the paths that differ beyond
/// 1e-9 relative, each of which must show a different liquidation (a flipped threshold).
fn paths_beyond_tolerance(recorded: &str, now: &str) -> usize {
    let parse = |csv: &str| -> (Vec<String>, Vec<Vec<f64>>) {
        let mut lines = csv.lines();
        let header = lines
            .next()
            .expect("a header")
            .split(',')
            .map(String::from)
            .collect();
        let rows = lines
            .map(|line| {
                line.split(',')
                    .map(|v| v.parse().expect("a number"))
                    .collect()
            })
            .collect();
        (header, rows)
    };
    let (header, recorded) = parse(recorded);
    let (header_now, now) = parse(now);
    assert_eq!(header, header_now);
    assert_eq!(recorded.len(), now.len());
    let mut flipped = 0;
    for (path, (old, new)) in recorded.iter().zip(&now).enumerate() {
        let differs = |column: usize| !close(old[column], new[column]);
        if !(0..header.len()).any(differs) {
            continue;
        }
        let liquidation_flipped = header.iter().enumerate().any(|(column, name)| {
            (name.ends_with(".accounts_liquidated") || name.ends_with(".liquidated_notional"))
                && differs(column)
        });
        assert!(
            liquidation_flipped,
            "path {path} differs with no liquidation flipped"
        );
        flipped += 1;
    }
    flipped
}

/// Against the scalar engine before the lanes: the transcendentals changed from libm and
/// `wide` to the lane polynomials (a few ulp), so metrics agree to 1e-9 relative; a path may
/// differ more only where such an ulp flips a liquidation at its threshold, which is rare:
/// at most 1% of the paths (none on this machine when the fixtures were recorded).
#[test]
fn rows_agree_with_the_scalar_engine_before_the_lanes() {
    let dir = scratch_dir("lanes-before");
    let three_asset = repository("benches/three-asset.toml");
    let cases = [
        (
            "crypto-unwind",
            400,
            "tests/fixtures/before-11-crypto-unwind.csv",
        ),
        (
            three_asset.to_str().unwrap(),
            1000,
            "tests/fixtures/before-11-three-asset.csv",
        ),
    ];
    for (scenario, paths, fixture) in cases {
        let recorded = std::fs::read_to_string(repository(fixture)).expect("the fixture");
        let now = dump(&dir, scenario, paths, None, 2);
        let flipped = paths_beyond_tolerance(&recorded, &now);
        assert!(
            flipped * 100 <= paths as usize,
            "{scenario}: {flipped} of {paths} paths flipped"
        );
    }
}

/// A JSON summary without what may differ between machines: the elapsed time and the
/// engine's description.
fn numbers_only(json: &str) -> serde_json::Value {
    let mut value = without_elapsed(json);
    value.as_object_mut().expect("an object").remove("backend");
    value
}

/// Shards computed at different widths (as on an AVX-512 node and an older one) merge into
/// exactly the summary of the whole run at one lane.
#[test]
fn shards_at_different_widths_merge_into_the_single_lane_run() {
    let dir = scratch_dir("lanes-shards");
    let common = "crypto-unwind --paths 700 --seed 7 --threads 2";
    let mut whole_args = vec!["run"];
    whole_args.extend(common.split_whitespace());
    whole_args.extend(["--json", "-"]);
    let whole = assert_success(&firesale_with_lanes(&dir, Some("1"), &whole_args));
    let widths = Width::all_available();
    let mut files = Vec::new();
    for (index, width) in widths.iter().rev().enumerate() {
        let shard = format!("{index}/{}", widths.len());
        let file = format!("s-{index}.state");
        let mut args = vec!["run"];
        args.extend(common.split_whitespace());
        args.extend(["--quiet", "--shard", &shard, "--state-out", &file]);
        let lanes = width.lanes().to_string();
        assert_success(&firesale_with_lanes(&dir, Some(&lanes), &args));
        files.push(file);
    }
    let mut merge_args = vec!["merge"];
    merge_args.extend(files.iter().map(String::as_str));
    merge_args.extend(["--json", "-"]);
    let merged = assert_success(&firesale_with_lanes(&dir, None, &merge_args));
    assert_eq!(numbers_only(&merged), numbers_only(&whole));
}

#[test]
fn an_unknown_lane_width_is_bad_input() {
    let dir = scratch_dir("lanes-bad");
    let output = firesale_with_lanes(
        &dir,
        Some("3"),
        &[
            "run",
            "calm-market",
            "--backend",
            "cpu",
            "--paths",
            "10",
            "-q",
        ],
    );
    assert_refused(&output, &["FIRESALE_CPU_LANES=3", "use one of 1"]);
}
