//! The `firesale` command as a user meets it: exit statuses (2 for bad input, never a
//! panic), error lines that name the field or flag, the JSON contract and the CSV dump.

use crate::common::{assert_refused, assert_success, firesale_in, firesale_line, scratch_dir};

#[test]
fn a_missing_file_is_bad_input() {
    let dir = scratch_dir("cli-missing");
    assert_refused(
        &firesale_line(&dir, "run /nonexistent/x.toml"),
        &["/nonexistent/x.toml"],
    );
}

#[test]
fn an_unknown_builtin_lists_the_builtins() {
    let dir = scratch_dir("cli-unknown");
    assert_refused(
        &firesale_line(&dir, "run no-such-scenario"),
        &["crypto-unwind"],
    );
}

#[test]
fn a_scenario_error_names_the_field() {
    let dir = scratch_dir("cli-scenario");
    std::fs::write(
        dir.join("bad.toml"),
        "name = \"bad\"\n[simulation]\nsteps = 4\n[[assets]]\nname = \"X\"\nprice = 1.0\nvol = -0.2\ndepth = 1e6\n",
    )
    .expect("write");
    assert_refused(
        &firesale_line(&dir, "validate bad.toml"),
        &["assets[0].vol"],
    );
}

#[test]
fn bad_flags_are_bad_input() {
    let dir = scratch_dir("cli-flags");
    let firesale = |args: &[&str]| firesale_in(&dir, args);
    assert_refused(
        &firesale(&["run", "calm-market", "--paths", "0"]),
        &["--paths"],
    );
    assert_refused(&firesale(&["run", "calm-market", "--seed=-3"]), &["--seed"]);
    assert_refused(
        &firesale(&[
            "run",
            "calm-market",
            "--paths",
            "10",
            "--dump-paths",
            "11",
            "x.csv",
        ]),
        &["--dump-paths"],
    );
    assert_refused(
        &firesale(&["run", "calm-market", "--backend", "tpu"]),
        &["--backend"],
    );
}

/// `--json` carries every key of MODEL.md §6 and `--dump-paths` the documented columns.
#[test]
fn run_writes_the_json_contract_and_the_path_dump() {
    let dir = scratch_dir("cli-contract");
    let (json, csv) = (dir.join("summary.json"), dir.join("paths.csv"));
    let output = firesale_line(
        &dir,
        "run crypto-unwind --paths 300 --backend cpu --quiet --json summary.json --dump-paths 5 paths.csv",
    );
    assert!(assert_success(&output).is_empty(), "--quiet prints nothing");
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
    let dir = scratch_dir("cli-reproducible");
    let dump = |name: &str| {
        let output = firesale_in(
            &dir,
            &[
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
                name,
            ],
        );
        let summary: serde_json::Value =
            serde_json::from_str(&assert_success(&output)).expect("stdout is JSON");
        assert_eq!(summary["seed"], 9);
        std::fs::read_to_string(dir.join(name)).expect("csv")
    };
    assert_eq!(dump("a.csv"), dump("b.csv"));
}

#[test]
fn validate_and_scenarios_describe_the_builtins() {
    let dir = scratch_dir("cli-builtins");
    let text = assert_success(&firesale_line(&dir, "scenarios"));
    assert!(text.contains("crypto-unwind") && text.contains("calm-market"));
    let text = assert_success(&firesale_line(&dir, "validate crypto-unwind"));
    assert!(text.contains("bucket leverages") && text.contains("stress"));
}

/// `devices` lists the software adapter CI installs; `bench` times every engine and writes
/// its JSON; `--backend gpu` runs on it and says so; `auto` explains its choice.
#[test]
fn devices_bench_and_backend_choice() {
    let dir = scratch_dir("cli-devices");
    let firesale = |args: &[&str]| firesale_in(&dir, args);
    let listed = assert_success(&firesale(&["devices"]));
    assert!(listed.contains("max storage binding"), "{listed}");
    // The device type in words, not wgpu's debug name (`Cpu`).
    assert!(listed.contains("type software on the CPU"), "{listed}");

    assert_success(&firesale(&[
        "bench",
        "calm-market",
        "--paths",
        "300",
        "--json",
        "bench.json",
    ]));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("bench.json")).expect("bench json"))
            .expect("JSON");
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
    let summary: serde_json::Value = serde_json::from_str(&assert_success(&gpu)).expect("JSON");
    assert_eq!(summary["backend"]["kind"], "gpu");

    let auto = assert_success(&firesale(&["run", "calm-market", "--paths", "300"]));
    assert!(auto.contains("  auto: "), "auto says why on the terminal");
    assert_refused(
        &firesale(&["run", "calm-market", "--backend", "cpu", "--adapter", "x"]),
        &["--adapter"],
    );
}
