//! The `firesale` command as a user meets it: exit statuses (2 for bad input, never a
//! panic), error lines that name the field or flag, the JSON contract and the CSV dump.

use std::path::PathBuf;
use std::process::{Command, Output};

fn firesale(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_firesale"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("firesale-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

/// Asserts exit status 2, no panic, and an error line containing `needle`.
fn assert_bad_input(output: &Output, needle: &str) {
    let text = stderr(output);
    assert_eq!(output.status.code(), Some(2), "stderr: {text}");
    assert!(!text.contains("panicked"), "panic: {text}");
    assert!(text.contains(needle), "expected '{needle}' in: {text}");
}

#[test]
fn a_missing_file_is_bad_input() {
    assert_bad_input(
        &firesale(&["run", "/nonexistent/x.toml"]),
        "/nonexistent/x.toml",
    );
}

#[test]
fn an_unknown_builtin_lists_the_builtins() {
    assert_bad_input(&firesale(&["run", "no-such-scenario"]), "crypto-unwind");
}

#[test]
fn a_scenario_error_names_the_field() {
    let path = scratch("bad.toml");
    std::fs::write(
        &path,
        "name = \"bad\"\n[simulation]\nsteps = 4\n[[assets]]\nname = \"X\"\nprice = 1.0\nvol = -0.2\ndepth = 1e6\n",
    )
    .expect("write");
    assert_bad_input(
        &firesale(&["validate", path.to_str().expect("utf-8")]),
        "assets[0].vol",
    );
}

#[test]
fn bad_flags_are_bad_input() {
    assert_bad_input(
        &firesale(&["run", "calm-market", "--paths", "0"]),
        "--paths",
    );
    assert_bad_input(&firesale(&["run", "calm-market", "--seed=-3"]), "--seed");
    assert_bad_input(
        &firesale(&[
            "run",
            "calm-market",
            "--paths",
            "10",
            "--dump-paths",
            "11",
            "x.csv",
        ]),
        "--dump-paths",
    );
    assert_bad_input(
        &firesale(&["run", "calm-market", "--backend", "tpu"]),
        "--backend",
    );
}

/// `--json` carries every key of MODEL.md §6 and `--dump-paths` the documented columns.
#[test]
fn run_writes_the_json_contract_and_the_path_dump() {
    let json = scratch("summary.json");
    let csv = scratch("paths.csv");
    let output = firesale(&[
        "run",
        "crypto-unwind",
        "--paths",
        "300",
        "--backend",
        "cpu",
        "--quiet",
        "--json",
        json.to_str().expect("utf-8"),
        "--dump-paths",
        "5",
        csv.to_str().expect("utf-8"),
    ]);
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    assert!(output.stdout.is_empty(), "--quiet prints nothing");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json written"))
            .expect("valid JSON");
    assert_eq!(summary["paths"], 300);
    assert_eq!(summary["steps"], 168);
    assert_eq!(summary["backend"]["kind"], "cpu");
    let cohorts = summary["cohorts"].as_object().expect("cohorts");
    assert!(cohorts.len() >= 8);
    for (name, cohort) in cohorts {
        for key in [
            "loss",
            "liquidated_notional",
            "accounts_liquidated",
            "bad_debt",
        ] {
            for stat in ["mean", "std", "min", "max"] {
                assert!(cohort[key][stat].is_number(), "{name}.{key}.{stat}");
            }
            for q in ["0.01", "0.05", "0.1", "0.5", "0.9", "0.95", "0.99", "0.999"] {
                assert!(cohort[key]["quantiles"][q].is_number(), "{name}.{key} q{q}");
            }
        }
        for level in ["0.95", "0.99", "0.999"] {
            assert!(cohort["var"][level].is_number() && cohort["es"][level].is_number());
        }
        assert!(cohort["p_liquidation"].is_number() && cohort["p_bad_debt"].is_number());
    }
    for (name, asset) in summary["assets"].as_object().expect("assets") {
        for key in ["return", "max_drawdown", "impact_return"] {
            assert!(asset[key]["quantiles"]["0.5"].is_number(), "{name}.{key}");
        }
    }
    assert!(summary["system"]["rounds_exhausted_paths"].is_u64());
    assert!(summary["system"]["forced_selling"]["mean"].is_number());

    let text = std::fs::read_to_string(&csv).expect("csv written");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 6, "header and 5 paths");
    assert!(lines[0].starts_with("path,"));
    assert!(lines[0].ends_with("system.liquidated_notional,system.forced_selling"));
    assert!(lines[0].contains(
        "my-fund.loss,my-fund.liquidated_notional,my-fund.accounts_liquidated,my-fund.bad_debt"
    ));
    assert!(lines[0].contains("BTC.return,BTC.max_drawdown,BTC.impact_return"));
    let columns = lines[0].split(',').count();
    for (i, line) in lines[1..].iter().enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), columns);
        assert_eq!(fields[0], i.to_string());
        assert!(fields[1..].iter().all(|f| f.parse::<f64>().is_ok()));
    }
}

/// The same seed gives the same per-path rows; the JSON goes to stdout with `--json -`.
#[test]
fn runs_are_reproducible_and_json_can_go_to_stdout() {
    let dump = |name: &str| {
        let csv = scratch(name);
        let output = firesale(&[
            "run",
            "calm-market",
            "--paths",
            "50",
            "--seed",
            "9",
            "--json",
            "-",
            "--dump-paths",
            "50",
            csv.to_str().expect("utf-8"),
        ]);
        assert!(output.status.success(), "stderr: {}", stderr(&output));
        let summary: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("stdout is JSON");
        assert_eq!(summary["seed"], 9);
        std::fs::read_to_string(csv).expect("csv")
    };
    assert_eq!(dump("a.csv"), dump("b.csv"));
}

#[test]
fn validate_and_scenarios_describe_the_builtins() {
    let listed = firesale(&["scenarios"]);
    assert!(listed.status.success());
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(text.contains("crypto-unwind") && text.contains("calm-market"));
    let validated = firesale(&["validate", "crypto-unwind"]);
    assert!(validated.status.success(), "{}", stderr(&validated));
    let text = String::from_utf8_lossy(&validated.stdout);
    assert!(text.contains("bucket leverages") && text.contains("stress"));
}

/// `devices` lists the software adapter CI installs; `bench` times every engine and writes
/// its JSON; `--backend gpu` runs on it and says so; `auto` explains its choice.
#[test]
fn devices_bench_and_backend_choice() {
    let devices = firesale(&["devices"]);
    assert!(devices.status.success(), "{}", stderr(&devices));
    let listed = String::from_utf8_lossy(&devices.stdout).into_owned();
    assert!(listed.contains("max storage binding"), "{listed}");
    // The device type in words, not wgpu's debug name (`Cpu`).
    assert!(listed.contains("type software on the CPU"), "{listed}");

    let json = scratch("bench.json");
    let bench = firesale(&[
        "bench",
        "calm-market",
        "--paths",
        "300",
        "--json",
        json.to_str().expect("utf-8"),
    ]);
    assert!(bench.status.success(), "{}", stderr(&bench));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("bench json")).expect("JSON");
    let engines: Vec<&str> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["engine"].as_str().expect("engine"))
        .collect();
    assert!(
        engines.contains(&"cpu") && engines.contains(&"gpu"),
        "{engines:?}"
    );
    for result in report["results"].as_array().expect("results") {
        assert!(result["warm_path_steps_per_second"].as_f64().expect("rate") > 0.0);
    }

    let gpu = firesale(&[
        "run",
        "calm-market",
        "--paths",
        "300",
        "--backend",
        "gpu",
        "--json",
        "-",
        "--quiet",
    ]);
    assert!(gpu.status.success(), "{}", stderr(&gpu));
    let summary: serde_json::Value = serde_json::from_slice(&gpu.stdout).expect("JSON");
    assert_eq!(summary["backend"]["kind"], "gpu");

    let auto = firesale(&["run", "calm-market", "--paths", "300"]);
    assert!(auto.status.success(), "{}", stderr(&auto));
    assert!(
        String::from_utf8_lossy(&auto.stdout).contains("  auto: "),
        "auto says why on the terminal"
    );
    assert_bad_input(
        &firesale(&["run", "calm-market", "--backend", "cpu", "--adapter", "x"]),
        "--adapter",
    );
}
