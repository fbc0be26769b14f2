//! Outputs as a pipeline meets them: checked before the simulation (exit status 2 and one
//! line), written whole or not at all, only ever replacing a plain file; a symbolic link is
//! followed, a FIFO or a device is written in place, standard output is written directly, a
//! report folder is replaced whole and never mixes two runs, and a full disk leaves the
//! previous outputs as they were.

use std::fs;
use std::os::unix::fs::FileTypeExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{assert_refused, assert_success, file_names, scratch_dir};
use firesale::report::file::REPORT_MARKER;

/// `firesale run calm-market --paths 2000 --quiet ARGS` in `dir`.
fn run(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().expect("the binary runs")
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_firesale"));
    command
        .args(["run", "calm-market", "--paths", "2000", "--quiet"])
        .args(args)
        .current_dir(dir);
    command
}

fn is_summary(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text).is_ok_and(|json| json["paths"] == 2000)
}

#[test]
fn two_outputs_naming_one_file_are_refused_before_the_run() {
    let dir = scratch_dir("outputs-same");
    std::os::unix::fs::symlink("same.out", dir.join("alias.out")).expect("symlink");
    for args in [
        ["--json", "same.out", "--dump-paths", "10", "same.out"].as_slice(),
        ["--json", "alias.out", "--state-out", "./same.out"].as_slice(),
        ["--json", "rep/summary.json", "--out", "rep"].as_slice(),
        ["--json", "-", "--dump-paths", "10", "/dev/stdout"].as_slice(),
    ] {
        assert_refused(&run(&dir, args), &["name the same file"]);
    }
    assert_eq!(file_names(&dir), ["alias.out"], "nothing written");
}

#[test]
fn a_symbolic_link_is_followed_and_its_target_replaced() {
    let dir = scratch_dir("outputs-symlink");
    fs::write(dir.join("real.json"), "old").expect("target");
    std::os::unix::fs::symlink("real.json", dir.join("link.json")).expect("symlink");
    assert_success(&run(&dir, &["--json", "link.json"]));
    let link = fs::symlink_metadata(dir.join("link.json")).expect("link");
    assert!(link.file_type().is_symlink(), "the link is kept");
    assert!(is_summary(
        &fs::read_to_string(dir.join("real.json")).expect("target")
    ));
    assert_eq!(file_names(&dir), ["link.json", "real.json"]);
}

#[test]
fn a_fifo_is_written_in_place() {
    let dir = scratch_dir("outputs-fifo");
    let fifo = dir.join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read_to_string(fifo).expect("read the FIFO"))
    };
    assert_success(&run(&dir, &["--json", "pipe"]));
    assert!(is_summary(&reader.join().expect("reader")));
    let kind = fs::symlink_metadata(&fifo).expect("fifo").file_type();
    assert!(kind.is_fifo(), "still a FIFO");
}

/// A character device (as root: a new node of /dev/zero's kind, where writes vanish) is
/// written in place and stays a device; two outputs may share it.
#[test]
fn a_device_is_written_in_place_and_never_replaced() {
    let dir = scratch_dir("outputs-device");
    let device = dir.join("sink");
    // SAFETY: plain libc calls on a path we own.
    let root = unsafe { libc::geteuid() } == 0;
    assert!(
        root,
        "this test makes a device node with mknod: run it as root"
    );
    let status = Command::new("mknod")
        .arg(&device)
        .args(["c", "1", "5"])
        .status()
        .expect("mknod");
    assert!(status.success(), "mknod");
    assert_success(&run(&dir, &["--json", "sink", "--dump-paths", "5", "sink"]));
    let kind = fs::symlink_metadata(&device).expect("device").file_type();
    assert!(kind.is_char_device(), "still a device");
    assert_eq!(file_names(&dir), ["sink"]);
}

#[test]
fn standard_output_is_written_directly() {
    let dir = scratch_dir("outputs-stdout");
    for path in ["-", "/dev/stdout"] {
        let output = run(&dir, &["--json", path]);
        assert!(is_summary(&assert_success(&output)), "{path}");
    }
    assert!(file_names(&dir).is_empty());
}

#[test]
fn a_name_too_long_for_the_file_system_is_refused_before_the_run() {
    let dir = scratch_dir("outputs-long");
    let long = format!("{}.json", "a".repeat(300));
    assert_refused(&run(&dir, &["--json", &long]), &["--json", "too long"]);
    let long_folder = "r".repeat(300);
    assert_refused(&run(&dir, &["--out", &long_folder]), &["--out", "too long"]);
    assert!(file_names(&dir).is_empty());
}

/// A read-only file system: as root (whom permissions do not stop) a read-only tmpfs,
/// otherwise a folder without write permission.
fn read_only_folder(dir: &Path) -> PathBuf {
    let folder = dir.join("ro");
    fs::create_dir(&folder).expect("folder");
    // SAFETY: a plain libc call.
    if unsafe { libc::geteuid() } == 0 {
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "ro,size=64k", "tmpfs"])
            .arg(&folder)
            .status()
            .expect("mount");
        assert!(status.success(), "mounting a read-only tmpfs");
    } else {
        let status = Command::new("chmod").arg("500").arg(&folder).status();
        assert!(status.expect("chmod").success());
    }
    folder
}

fn unmount(folder: &Path) {
    let _ = Command::new("umount").arg(folder).status();
}

#[test]
fn a_read_only_file_system_fails_before_the_run_and_writes_nothing() {
    let dir = scratch_dir("outputs-readonly");
    let ro = read_only_folder(&dir);
    let checks = [
        run(&dir, &["--json", "ro/s.json"]),
        run(&dir, &["--json", "ok.json", "--out", "ro/rep"]),
        run(
            &dir,
            &["--dump-paths", "5", "ro/p.csv", "--json", "ok.json"],
        ),
        run(&dir, &["--state-out", "ro/s.state"]),
    ];
    unmount(&ro);
    for output in &checks {
        assert_refused(output, &["ro", "choose another path"]);
    }
    assert_eq!(file_names(&dir), ["ro"], "not even the good JSON");
}

#[test]
fn a_report_folder_is_new_empty_or_a_previous_report() {
    let dir = scratch_dir("outputs-folder");
    fs::create_dir(dir.join("foreign")).expect("folder");
    fs::write(dir.join("foreign").join("notes.txt"), "mine").expect("file");
    assert_refused(
        &run(&dir, &["--out", "foreign"]),
        &["--out", "not a firesale report"],
    );
    assert_eq!(file_names(&dir.join("foreign")), ["notes.txt"]);

    fs::create_dir(dir.join("empty")).expect("folder");
    assert_success(&run(&dir, &["--out", "empty"]));
    assert!(dir.join("empty").join("report.html").is_file());
    assert!(dir.join("empty").join(REPORT_MARKER).is_file());

    // A file of another run's report is gone after the new one replaces it.
    fs::write(dir.join("empty").join("fan-other-run.png"), "stale").expect("stale file");
    assert_success(&run(&dir, &["--out", "empty"]));
    assert!(
        !dir.join("empty").join("fan-other-run.png").exists(),
        "no mixing"
    );
    assert!(dir.join("empty").join("report.html").is_file());
    assert_eq!(
        file_names(&dir),
        ["empty", "foreign"],
        "nothing staged is left"
    );
}

/// A disk that fills while the outputs are written (here a file size limit, which fails
/// writes the same way without needing a small file system): the previous outputs stay as
/// they were, nothing staged is left, and the error names the file that failed.
#[test]
fn a_full_disk_leaves_the_previous_outputs_intact() {
    let dir = scratch_dir("outputs-full");
    assert_success(&run(&dir, &["--json", "s.json", "--out", "rep"]));
    let json_before = fs::read(dir.join("s.json")).expect("json");
    let report_before = file_names(&dir.join("rep"));
    let html_before = fs::read(dir.join("rep").join("report.html")).expect("html");

    let mut limited = command(&dir, &["--seed", "9", "--json", "s.json", "--out", "rep"]);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        limited.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 16 * 1024,
                rlim_max: 16 * 1024,
            };
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let output = limited.output().expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let named = stderr.contains("s.json") || stderr.contains("rep/");
    assert!(stderr.contains("cannot write") && named, "{stderr}");
    assert_eq!(fs::read(dir.join("s.json")).expect("json"), json_before);
    assert_eq!(file_names(&dir.join("rep")), report_before);
    assert_eq!(
        fs::read(dir.join("rep").join("report.html")).expect("html"),
        html_before
    );
    assert_eq!(
        file_names(&dir),
        ["rep", "s.json"],
        "nothing staged is left"
    );
}

#[test]
fn a_missing_folder_or_a_folder_given_as_a_file_is_refused_before_the_run() {
    let dir = scratch_dir("outputs-missing");
    fs::create_dir(dir.join("sub")).expect("folder");
    assert_refused(&run(&dir, &["--json", "nope/s.json"]), &["--json", "nope"]);
    assert_refused(&run(&dir, &["--dump-paths", "5", "sub"]), &["is a folder"]);
    fs::write(dir.join("file"), "x").expect("file");
    assert_refused(&run(&dir, &["--out", "file"]), &["--out", "is a file"]);
    assert_eq!(file_names(&dir), ["file", "sub"]);
}
