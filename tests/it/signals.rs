//! SIGINT and SIGTERM sent to a real `firesale run` with `kill`: the run stops between
//! batches, writes every output asked for marked partial (the JSON summary, the report
//! folder, the per-path CSV, a shard's state that only `merge --allow-partial` takes) and
//! exits 130 or 143; a second signal ends it at once with no output half-written. A
//! `calibrate` stops between trials and writes the trials done, marked partial.

use std::fs;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{assert_refused, assert_success, firesale_in, scratch_dir};

/// Paths enough that no run here ends before its signal.
const MANY_PATHS: &str = "200000000";
/// How long the run is given to start before it is signalled.
const STARTUP: Duration = Duration::from_millis(1500);
/// The pause between the two signals of a double stop.
const SIGNAL_GAP: Duration = Duration::from_millis(300);
/// The most a stopped run may take to write its outputs and exit.
const DEADLINE: Duration = Duration::from_secs(240);

fn start(dir: &Path, args: &[&str]) -> Child {
    start_command(
        dir,
        &[&["run", "calm-market", "--paths", MANY_PATHS], args].concat(),
    )
}

/// Starts `firesale ARGS` in `dir`.
fn start_command(dir: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_firesale"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

fn send(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill {signal}");
}

/// Waits for `child` (killing it past the deadline) and returns its output.
fn finish(mut child: Child) -> Output {
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("the run did not stop within {DEADLINE:?} of its signal");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

fn stop(dir: &Path, args: &[&str], signal: &str) -> Output {
    let child = start(dir, args);
    std::thread::sleep(STARTUP);
    send(&child, signal);
    finish(child)
}

#[test]
fn sigterm_writes_every_output_marked_partial_and_exits_143() {
    let dir = scratch_dir("signals-term");
    let args = [
        "--json",
        "s.json",
        "--out",
        "rep",
        "--dump-paths",
        "3",
        "p.csv",
    ];
    let output = stop(&dir, &args, "-TERM");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(143), "{stderr}");
    assert!(stderr.contains("stopped by SIGTERM"), "{stderr}");
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("s.json")).expect("json")).expect("json");
    assert_eq!(summary["partial"], true);
    let page = fs::read_to_string(dir.join("rep").join("report.html")).expect("report");
    assert!(page.contains("stopped early"), "the report says so");
    assert!(dir.join("p.csv").is_file());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.to_lowercase().contains("partial"), "{text}");
}

#[test]
fn sigint_leaves_partial_shard_states_that_only_allow_partial_merges() {
    let dir = scratch_dir("signals-shards");
    for (shard, signal, status) in [("0/2", "-INT", 130), ("1/2", "-TERM", 143)] {
        let state = format!("s{}.state", &shard[..1]);
        // One engine for both (`auto` may pick either under load, and merge refuses a mix).
        let args = [
            "--quiet",
            "--backend",
            "cpu",
            "--shard",
            shard,
            "--state-out",
            &state,
        ];
        let output = stop(&dir, &args, signal);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(status), "{stderr}");
    }
    let merge = |extra: &[&str]| {
        let mut args = vec!["merge", "s0.state", "s1.state", "--json", "-"];
        args.extend(extra);
        firesale_in(&dir, &args)
    };
    assert_refused(
        &merge(&[]),
        &[
            "s0.state: shard 0/2 stopped early",
            "s1.state: shard 1/2 stopped early",
        ],
    );
    let merged = merge(&["--allow-partial"]);
    let summary: serde_json::Value =
        serde_json::from_str(&assert_success(&merged)).expect("merged JSON");
    assert_eq!(summary["partial"], true);
    assert_eq!(summary["stopped_shards"], serde_json::json!([0, 1]));
}

#[test]
fn a_second_signal_ends_the_run_at_once_with_nothing_half_written() {
    let dir = scratch_dir("signals-twice");
    let child = start(&dir, &["--quiet", "--json", "s.json", "--out", "rep"]);
    std::thread::sleep(STARTUP);
    send(&child, "-TERM");
    // Apart, so that the kernel does not merge them into one pending signal (a machine under
    // load may not run the process between two back-to-back kills).
    std::thread::sleep(SIGNAL_GAP);
    send(&child, "-TERM");
    let started = Instant::now();
    let output = finish(child);
    assert_eq!(output.status.code(), Some(143));
    assert!(started.elapsed() < Duration::from_secs(5), "ended at once");
    if let Ok(text) = fs::read_to_string(dir.join("s.json")) {
        serde_json::from_str::<serde_json::Value>(&text).expect("a whole JSON or none");
    }
    if dir.join("rep").exists() {
        assert!(
            dir.join("rep").join("report.html").is_file(),
            "a whole report or none"
        );
    }
}

#[test]
fn sigint_stops_a_calibration_between_trials_with_its_outputs_marked_partial() {
    let dir = scratch_dir("signals-calibrate");
    let args = [
        "calibrate",
        "calm-market",
        "--cohort",
        "crypto-perp-longs",
        "--param",
        "leverage",
        "--target",
        "p_liquidation<=0.01",
        "--backend",
        "cpu",
        "--paths",
        MANY_PATHS,
        "--json",
        "c.json",
        "--out",
        "rep",
    ];
    let child = start_command(&dir, &args);
    std::thread::sleep(STARTUP);
    send(&child, "-INT");
    let output = finish(child);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("stopped by SIGINT"), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("c.json")).expect("json")).expect("json");
    assert_eq!(report["partial"], true);
    assert_eq!(report["found"], false, "no answer from a search cut short");
    // The first trial alone runs for far longer than the start-up: it is the one cut short.
    assert_eq!(report["trials"], serde_json::json!([]));
    let page = fs::read_to_string(dir.join("rep").join("report.html")).expect("report");
    assert!(
        page.contains("partial: stopped by a signal"),
        "the report says so"
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("partial: stopped by a signal"), "{text}");
}
