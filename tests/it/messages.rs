//! Messages a pipeline reads: no Rust debug text, flags without effect refused or warned
//! about, OS errors naming the path and the operation with status 2 when the user can fix
//! them.

use std::fs;

use crate::common::{assert_refused, assert_success, firesale_line, scratch_dir};

#[test]
fn a_backend_list_naming_no_backend_is_refused_without_debug_text() {
    let dir = scratch_dir("messages-backend");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_firesale"))
        .args(["run", "calm-market", "--paths", "100", "--backend", "gpu"])
        .env("WGPU_BACKEND", "bogus")
        .current_dir(&dir)
        .output()
        .expect("runs");
    assert_refused(&output, &["WGPU_BACKEND='bogus' names no backend"]);
    assert!(!String::from_utf8_lossy(&output.stderr).contains("Backends("));
}

#[test]
fn an_adapter_that_matches_nothing_is_named_without_debug_text() {
    let dir = scratch_dir("messages-adapter");
    let output = firesale_line(
        &dir,
        "run calm-market --paths 100 --backend gpu --adapter nosuch",
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("matching 'nosuch'"), "{stderr}");
    assert!(
        !stderr.contains("Backends(") && !stderr.contains(" | "),
        "{stderr}"
    );
}

#[test]
fn flags_without_effect_are_refused_or_warned_about() {
    let dir = scratch_dir("messages-flags");
    assert_refused(
        &firesale_line(&dir, "run calm-market --backend cpu --adapter x"),
        &["--adapter", "--backend gpu"],
    );
    let many = firesale_line(&dir, "run calm-market --paths 100 --quiet --threads 100000");
    assert_success(&many);
    let stderr = String::from_utf8_lossy(&many.stderr);
    assert!(
        stderr.contains("warning: --threads 100000 is more than"),
        "{stderr}"
    );
}

#[test]
fn an_existing_file_where_a_folder_is_wanted_is_bad_input() {
    let dir = scratch_dir("messages-folders");
    fs::write(dir.join("taken"), "x").expect("file");
    assert_refused(
        &firesale_line(&dir, "slurm calm-market --shards 2 --dir taken"),
        &["--dir", "taken", "is a file"],
    );
    let state = dir.join("s.state");
    assert_success(&firesale_line(
        &dir,
        "run calm-market --paths 100 --quiet --state-out s.state",
    ));
    assert!(state.is_file());
    assert_refused(
        &firesale_line(&dir, "merge s.state --out taken"),
        &["--out", "taken", "is a file"],
    );
}

#[test]
fn a_slurm_time_limit_sbatch_cannot_read_is_refused() {
    let dir = scratch_dir("messages-slurm-time");
    for bad in ["soon", "1:2:3:4", "5-", "1h"] {
        let output = firesale_line(
            &dir,
            &format!("slurm calm-market --shards 2 --time {bad} --dir job"),
        );
        assert_refused(&output, &["not a Slurm time limit"]);
    }
    for good in ["90", "01:30:00", "2-12", "1-00:30:00", "UNLIMITED"] {
        let job = format!("job-{}", good.replace(':', "_"));
        let output = firesale_line(
            &dir,
            &format!("slurm calm-market --shards 2 --time {good} --dir {job}"),
        );
        assert_success(&output);
    }
}

#[test]
fn a_calibration_range_beyond_what_a_scenario_may_hold_is_refused() {
    let dir = scratch_dir("messages-calibrate");
    let output = firesale_line(
        &dir,
        "calibrate crypto-unwind --cohort my-fund --param equity --target var99<=1e9 --max 1e308",
    );
    assert_refused(&output, &["--max 1e308", "1e15 USD"]);
}
