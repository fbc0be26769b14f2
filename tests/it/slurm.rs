//! `firesale slurm`: the scripts it writes run the shards and the merge as they should (run
//! here with bash, as Slurm would run them), and on a real single-node Slurm cluster a
//! submitted 4-task array of crypto-unwind merges into the unsharded run's summary.
//!
//! The cluster is the one `.ci/slurm-up.sh` starts (configuration under
//! `$FIRESALE_SLURM_DIR`, default /tmp/firesale-slurm). In CI (`CI=true`) the test starts it
//! if it is not up, and fails if it cannot; elsewhere it runs when that cluster is up and is
//! skipped, saying so, when it is not.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::common::{assert_refused, assert_success, firesale_in, scratch_dir, without_elapsed};

/// How long the submitted jobs may take, queueing included, before the test gives up.
const JOB_TIMEOUT: Duration = Duration::from_secs(300);

/// The unsharded run's JSON summary, on one thread like the array's tasks.
fn unsharded(dir: &Path, scenario: &str, paths: &str) -> String {
    assert_success(&firesale_in(
        dir,
        &[
            "run",
            scenario,
            "--paths",
            paths,
            "--threads",
            "1",
            "--json",
            "-",
        ],
    ))
}

/// Runs a generated script with bash, with `env` set as Slurm would set it.
fn bash(script: &Path, env: &[(&str, &str)]) -> Output {
    Command::new("bash")
        .arg(script)
        .envs(env.iter().copied())
        .output()
        .expect("bash runs")
}

/// Without a scheduler: the array script, run once per task id, writes the shard states;
/// the merge script merges them into the unsharded run's summary; a missing shard is named
/// with the `submit.sh` line that re-runs it alone.
#[test]
fn the_scripts_run_the_shards_and_the_merge() {
    let dir = scratch_dir("slurm-scripts");
    let scenario = dir.join("my-stress.toml");
    std::fs::write(
        &scenario,
        firesale::scenario::builtin::find("calm-market")
            .unwrap()
            .toml,
    )
    .unwrap();
    let run = dir.join("run");
    let stdout = assert_success(&firesale_in(
        &dir,
        &[
            "slurm",
            "my-stress.toml",
            "--shards",
            "3",
            "--paths",
            "90",
            "--partition",
            "batch",
            "--dir",
            run.to_str().unwrap(),
        ],
    ));
    assert!(stdout.contains("submit both with:"), "{stdout}");
    let shards_script = std::fs::read_to_string(run.join("shards.sbatch")).unwrap();
    assert!(shards_script.contains("#SBATCH --array=0-2\n"));
    assert!(shards_script.contains("#SBATCH --partition=batch\n"));
    assert!(
        shards_script.contains(&format!("run {}", run.join("my-stress.toml").display())),
        "tasks run the frozen copy of the scenario:\n{shards_script}"
    );
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(run.join("submit.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert!(mode & 0o111 != 0, "submit.sh is executable");
    }
    for task in ["2", "0", "1"] {
        assert_success(&bash(
            &run.join("shards.sbatch"),
            &[("SLURM_ARRAY_TASK_ID", task), ("SLURM_CPUS_PER_TASK", "1")],
        ));
    }
    assert_success(&bash(&run.join("merge.sbatch"), &[]));
    let merged = std::fs::read_to_string(run.join("summary.json")).unwrap();
    assert_eq!(
        without_elapsed(&merged),
        without_elapsed(&unsharded(&dir, "my-stress.toml", "90"))
    );

    std::fs::remove_file(run.join("shards/shard-1.state")).unwrap();
    let rerun = format!("{} 1\n", run.join("submit.sh").display());
    assert_refused(&bash(&run.join("merge.sbatch"), &[]), &[&rerun]);

    assert_refused(
        &firesale_in(
            &dir,
            &["slurm", "calm-market", "--shards", "3", "--dir", "run"],
        ),
        &["already holds shard states"],
    );
    assert_refused(
        &firesale_in(
            &dir,
            &["slurm", "calm-market", "--shards", "11", "--paths", "10"],
        ),
        &["--shards: 11 shards of 10 paths"],
    );
}

/// The configuration of the local test cluster if it is up (starting it in CI), or `None`
/// when the test should be skipped.
fn local_cluster() -> Option<PathBuf> {
    let dir = std::env::var_os("FIRESALE_SLURM_DIR")
        .map_or_else(|| PathBuf::from("/tmp/firesale-slurm"), PathBuf::from);
    let conf = dir.join("etc/slurm.conf");
    let answers = || {
        conf.exists()
            && Command::new("sinfo")
                .args(["-h", "-o", "%T"])
                .env("SLURM_CONF", &conf)
                .output()
                .is_ok_and(|out| out.status.success() && !out.stdout.is_empty())
    };
    if answers() {
        return Some(conf);
    }
    if std::env::var("CI").as_deref() != Ok("true") {
        eprintln!(
            "skipped: no local Slurm cluster at {}; start one with `sudo .ci/slurm-up.sh` (CI does)",
            conf.display()
        );
        return None;
    }
    let up = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/slurm-up.sh"))
        .output()
        .expect(".ci/slurm-up.sh runs");
    assert!(
        up.status.success() && answers(),
        "CI=true and Slurm cannot be started: {}",
        String::from_utf8_lossy(&up.stderr)
    );
    Some(conf)
}

/// The number after `label` in `text` (`array job 12: …` → 12).
fn job_id(text: &str, label: &str) -> String {
    let rest = &text[text
        .find(label)
        .unwrap_or_else(|| panic!("'{label}' in {text}"))
        + label.len()..];
    rest.chars().take_while(char::is_ascii_digit).collect()
}

/// Slurm's state of job `id` (`PENDING`, `RUNNING`, `COMPLETED`, `FAILED`, …).
fn job_state(conf: &Path, id: &str) -> String {
    let out = Command::new("scontrol")
        .args(["show", "job", id])
        .env("SLURM_CONF", conf)
        .output()
        .expect("scontrol runs");
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .find_map(|field| field.strip_prefix("JobState="))
        .unwrap_or("UNKNOWN")
        .to_string()
}

/// What went wrong, for a failure message: job states and every log.
fn diagnosis(conf: &Path, run: &Path, jobs: &[&str]) -> String {
    let mut text = String::new();
    for job in jobs {
        text.push_str(&format!("job {job}: {}\n", job_state(conf, job)));
    }
    for log in std::fs::read_dir(run.join("logs"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let contents = std::fs::read_to_string(log.path()).unwrap_or_default();
        text.push_str(&format!("--- {}\n{contents}\n", log.path().display()));
    }
    text
}

/// On a real (single-node) Slurm: `firesale slurm --submit` submits a 4-task array of
/// crypto-unwind and its merge job; the merged summary equals the unsharded run's.
#[test]
fn a_submitted_array_merges_into_the_unsharded_run_on_slurm() {
    let Some(conf) = local_cluster() else {
        return;
    };
    let dir = scratch_dir("slurm-submit");
    let run = dir.join("run");
    let submitted = Command::new(env!("CARGO_BIN_EXE_firesale"))
        .args([
            "slurm",
            "crypto-unwind",
            "--shards",
            "4",
            "--paths",
            "2000",
            "--time",
            "00:10:00",
            "--dir",
            run.to_str().unwrap(),
            "--submit",
        ])
        .current_dir(&dir)
        .env("SLURM_CONF", &conf)
        .output()
        .unwrap();
    let stdout = assert_success(&submitted);
    let (array, merge) = (job_id(&stdout, "array job "), job_id(&stdout, "merge job "));

    let started = Instant::now();
    let summary = run.join("summary.json");
    while !summary.exists() {
        let state = job_state(&conf, &merge);
        let ended = [
            "FAILED",
            "CANCELLED",
            "TIMEOUT",
            "NODE_FAIL",
            "OUT_OF_MEMORY",
        ];
        assert!(
            !ended.contains(&state.as_str()) && started.elapsed() < JOB_TIMEOUT,
            "the merge job {merge} did not write {} (state {state}, after {:?}):\n{}",
            summary.display(),
            started.elapsed(),
            diagnosis(&conf, &run, &[&array, &merge])
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let merged = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(
        without_elapsed(&merged),
        without_elapsed(&unsharded(&dir, "crypto-unwind", "2000")),
        "{}",
        diagnosis(&conf, &run, &[&array, &merge])
    );
}
