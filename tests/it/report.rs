//! Reports people can look at: the per-step reductions behind the time series (exact merges,
//! agreement with the run totals), and `firesale run --out DIR` as a user meets it: every
//! file, every figure a valid PNG and SVG with its title and axes, CSV tables holding the
//! summary's numbers, and report.html rendering in headless Chromium with every image loaded
//! and no console error.

use crate::common::{self, run_with};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use firesale::engine::RunOutput;
use firesale::report::chart::{Axis, Chart, FIGURE_SIZE, Figure, Series};
use firesale::report::file::REPORT_MARKER;
use firesale::report::format::Format;
use firesale::report::tables::Table;
use firesale::report::{Block, Report, Section};
use firesale::summary::steps::StepTotals;

/// Two assets, a levered crowd (with a space in its name), an ETF and a price taker; small
/// enough to simulate and draw in well under a second (tests/fixtures/report-test.toml).
const SCENARIO: &str = include_str!("../fixtures/report-test.toml");

fn steps_of(output: &RunOutput) -> &StepTotals {
    output
        .steps
        .as_ref()
        .expect("per-step totals were asked for")
}

#[test]
fn per_step_totals_do_not_depend_on_threads_or_splits() {
    let model = common::model(SCENARIO);
    let in_pool = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool")
            .install(|| run_with(&model, 0..1500, 0, true))
    };
    let one = in_pool(1);
    let two = in_pool(2);
    assert_eq!(steps_of(&one), steps_of(&two));
    for split in [1, 700] {
        let mut merged = steps_of(&run_with(&model, split..1500, 0, true)).clone();
        merged.merge(steps_of(&run_with(&model, 0..split, 0, true)));
        assert_eq!(
            &merged,
            steps_of(&one),
            "split at {split}, merged tail first"
        );
    }
}

#[test]
fn per_step_recording_changes_no_run_total() {
    let model = common::model(SCENARIO);
    let plain = run_with(&model, 0..800, 0, false);
    assert!(plain.steps.is_none());
    assert_eq!(run_with(&model, 0..800, 0, true).totals, plain.totals);
}

#[test]
fn per_step_totals_agree_with_the_run_totals() {
    let model = common::model(SCENARIO);
    let output = run_with(&model, 0..2000, 0, true);
    let (totals, steps) = (&output.totals, steps_of(&output));
    assert_eq!(steps.paths(), 2000);
    assert_eq!(steps.price_steps().last(), Some(&model.steps));
    // P(first liquidation by T) counts exactly the paths with any liquidation.
    for c in [0, 2] {
        let by_t = steps.liquidated_by(Some(c));
        assert_eq!(by_t.len(), model.steps as usize);
        assert!(by_t.windows(2).all(|w| w[0] <= w[1]), "cumulative");
        assert_eq!(by_t.last(), Some(&totals.liquidated_paths[c]), "cohort {c}");
    }
    assert!(
        totals.liquidated_paths[0] > 100,
        "the test needs liquidations"
    );
    let any = *steps.liquidated_by(None).last().expect("steps");
    assert!(any >= totals.liquidated_paths[0].max(totals.liquidated_paths[2]));
    assert!(any <= totals.liquidated_paths[0] + totals.liquidated_paths[2]);
    // The notional liquidated step by step adds up to the horizon's (rounding only).
    let per_step_sum: f64 = (1..=model.steps)
        .map(|t| steps.liquidated_notional(t).mean())
        .sum();
    let horizon = totals.system(0).mean();
    common::assert_rel(
        "Σ per-step liquidated notional",
        per_step_sum,
        horizon,
        1e-9,
    );
    // Prices at T match the horizon returns: each sketch is within 0.5% of its value.
    let last = steps.price_steps().len() - 1;
    for k in 0..model.assets.len() {
        for q in [0.01, 0.5, 0.99] {
            let from_steps = steps.price_quantile(last, k, q) - 1.0;
            let from_totals = totals.asset(k, 0).quantile(q);
            common::assert_close(
                &format!("asset {k} return quantile {q}"),
                from_steps,
                from_totals,
                0.011 * (1.0 + from_totals.abs()),
            );
            assert!(steps.exogenous_price_quantile(last, k, q) > 0.0);
        }
    }
}

#[test]
fn prices_without_flows_equal_their_exogenous_part() {
    // Only a price taker: nothing moves prices, so the two decompositions coincide.
    let scenario = SCENARIO
        .replace("impact = false\n", "")
        .replace("kind = \"margin\"", "kind = \"margin\"\nimpact = false")
        .replace(
            "kind = \"leveraged_etf\"",
            "kind = \"leveraged_etf\"\nimpact = false",
        );
    let model = common::model(&scenario);
    let output = run_with(&model, 0..500, 0, true);
    let steps = steps_of(&output);
    for slot in 0..steps.price_steps().len() {
        for q in [0.05, 0.5, 0.95] {
            let total = steps.price_quantile(slot, 0, q);
            let exogenous = steps.exogenous_price_quantile(slot, 0, q);
            // Same values up to rounding: at most one bucket apart (0.5%/n of the price).
            common::assert_rel("price without flows", total, exogenous, 0.0051);
        }
    }
}

/// The report of one `firesale run --out`, made once for all tests of this file.
struct MadeReport {
    dir: PathBuf,
    json: String,
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("firesale-report-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn made_report() -> &'static MadeReport {
    static REPORT: OnceLock<MadeReport> = OnceLock::new();
    REPORT.get_or_init(|| {
        let base = scratch_dir("run");
        std::fs::create_dir_all(&base).expect("scratch folder");
        let scenario = base.join("scenario.toml");
        std::fs::write(&scenario, SCENARIO).expect("write scenario");
        let (dir, json) = write_report(&base, &["run", scenario.to_str().expect("utf-8")]);
        MadeReport { dir, json }
    })
}

/// Runs `firesale ARGS --quiet --json FILE --out DIR`, FILE and DIR in `base` (DIR nested, so
/// that it must be created): DIR and the text written to FILE.
fn write_report(base: &Path, args: &[&str]) -> (PathBuf, String) {
    let dir = base.join("nested").join("report");
    let json = base.join("answer.json");
    let output = Command::new(env!("CARGO_BIN_EXE_firesale"))
        .args(args)
        .arg("--quiet")
        .arg("--json")
        .arg(&json)
        .arg("--out")
        .arg(&dir)
        .output()
        .expect("the binary runs");
    common::assert_success(&output);
    (dir, std::fs::read_to_string(json).expect("--json written"))
}

/// (file stem, title, x axis, y axis) of every figure the test scenario's report must have.
fn expected_figures() -> Vec<(String, String, &'static str, &'static str)> {
    let mut figures = Vec::new();
    for (stem, name) in [
        ("perp-longs", "perp longs"),
        ("3x-nvda", "3x-nvda"),
        ("my-fund", "my-fund"),
    ] {
        figures.push((
            format!("loss-{stem}"),
            format!("{name}: loss over the horizon"),
            "loss over the horizon (USD; > 0 = money lost)",
            "share of paths",
        ));
    }
    figures.push((
        "liquidation-timeline".to_string(),
        "Liquidation timeline".to_string(),
        "hours since the start",
        "liquidated notional in the step (USD)",
    ));
    for (stem, name) in [("btc", "BTC"), ("nvda", "NVDA")] {
        figures.push((
            format!("fan-{stem}"),
            format!("{name}: price over the horizon"),
            "hours since the start",
            "price (USD)",
        ));
        figures.push((
            format!("decomposition-{stem}"),
            format!("{name}: exogenous move versus forced selling"),
            "hours since the start",
            "return since the start",
        ));
    }
    figures
}

#[test]
fn run_out_writes_every_file_of_the_report() {
    let report = made_report();
    let mut expected: Vec<String> = [
        "summary.json",
        "report.html",
        "largest-losses.csv",
        "cohorts.csv",
        "assets.csv",
        "steps.csv",
        "prices.csv",
        "scenario-assets.csv",
        "scenario-cohorts.csv",
        "scenario-jumps.csv",
    ]
    .map(String::from)
    .to_vec();
    for (stem, ..) in expected_figures() {
        expected.push(format!("{stem}.svg"));
        expected.push(format!("{stem}.png"));
    }
    expected.push(REPORT_MARKER.to_string());
    let found = common::file_names(&report.dir);
    expected.sort();
    assert_eq!(found, expected, "no more, no fewer, no temporary files");
    let summary = std::fs::read_to_string(report.dir.join("summary.json")).expect("summary");
    assert_eq!(summary, report.json, "summary.json is the --json content");
}

/// The text of every `<text>` element of an SVG document (which must be well-formed).
fn svg_texts(svg: &str) -> Vec<String> {
    let document = roxmltree::Document::parse(svg).expect("well-formed SVG");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("width"), Some("1200"));
    assert_eq!(root.attribute("height"), Some("560"));
    root.descendants()
        .filter(|node| node.has_tag_name("text"))
        .map(|node| node.text().unwrap_or_default().trim().to_string())
        .collect()
}

/// Decodes a PNG; returns (width, height, RGB pixels).
fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
    let frame = reader.next_frame(&mut pixels).expect("PNG data");
    assert_eq!(frame.color_type, png::ColorType::Rgb);
    pixels.truncate(frame.buffer_size());
    (frame.width, frame.height, pixels)
}

#[test]
fn every_figure_is_a_valid_svg_and_png_with_its_title_and_axes() {
    let report = made_report();
    for (stem, title, x_axis, y_axis) in expected_figures() {
        let svg = std::fs::read_to_string(report.dir.join(format!("{stem}.svg"))).expect("svg");
        let texts = svg_texts(&svg);
        for wanted in [title.as_str(), x_axis, y_axis] {
            assert!(
                texts.iter().any(|text| text == wanted),
                "{stem}.svg has no text '{wanted}': {texts:?}"
            );
        }
        let png = std::fs::read(report.dir.join(format!("{stem}.png"))).expect("png");
        let (width, height, pixels) = decode_png(&png);
        assert_eq!((width, height), FIGURE_SIZE, "{stem}.png");
        // The title is drawn (the bundled font works): dark pixels in the top 36 rows.
        let title_rows = &pixels[..36 * 3 * width as usize];
        let dark = title_rows.chunks(3).filter(|p| p.iter().all(|&c| c < 100));
        assert!(dark.count() > 200, "{stem}.png: no title text drawn");
        let colours: std::collections::BTreeSet<&[u8]> = pixels.chunks(3).collect();
        assert!(colours.len() > 20, "{stem}.png is nearly blank");
    }
}

/// (header, rows) of a CSV file whose fields hold no quotes.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).expect("csv");
    let mut lines = text
        .lines()
        .map(|line| line.split(',').map(String::from).collect());
    let header = lines.next().expect("a header");
    (header, lines.collect())
}

#[test]
fn csv_tables_hold_the_summary_numbers() {
    let report = made_report();
    let summary: serde_json::Value = serde_json::from_str(&report.json).expect("json");
    let (header, rows) = read_csv(&report.dir.join("cohorts.csv"));
    assert_eq!(rows.len(), 3);
    let column = |key: &str| header.iter().position(|h| h == key).expect(key);
    for row in &rows {
        let cohort = &summary["cohorts"][&row[column("cohort")]];
        for (key, json) in [
            ("var.0.99", &cohort["var"]["0.99"]),
            ("es.0.999", &cohort["es"]["0.999"]),
            ("p_liquidation", &cohort["p_liquidation"]),
            ("loss.mean", &cohort["loss"]["mean"]),
        ] {
            let csv: f64 = row[column(key)].parse().expect("a number");
            assert_eq!(Some(csv), json.as_f64(), "{key} of {}", row[0]);
        }
    }
    let (header, rows) = read_csv(&report.dir.join("assets.csv"));
    assert_eq!(rows.len(), 2);
    for key in ["impact_return.0.01", "exogenous_return.0.01", "return.0.01"] {
        assert!(header.contains(&key.to_string()), "assets.csv has {key}");
    }
    let (header, rows) = read_csv(&report.dir.join("steps.csv"));
    assert_eq!(rows.len(), 24, "one row per step");
    assert!(header.contains(&"p_first_liquidation_by_step.perp longs".to_string()));
    let last: f64 = rows[23][header
        .iter()
        .position(|h| h == "p_first_liquidation_by_step.perp longs")
        .expect("column")]
    .parse()
    .expect("a number");
    assert_eq!(
        Some(last),
        summary["cohorts"]["perp longs"]["p_liquidation"].as_f64()
    );
    let (_, rows) = read_csv(&report.dir.join("prices.csv"));
    assert_eq!(rows.len(), 24, "every step of a short horizon");
}

/// Debian's chromium (or $CHROMIUM); the test fails without it, as .ci/run installs it.
fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return PathBuf::from(path);
    }
    let names = ["chromium", "chromium-browser", "google-chrome"];
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .flat_map(|dir| names.map(|name| dir.join(name)))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!(
                "headless Chromium is needed to check report.html: install Debian's chromium \
                 (apt-get install -y chromium; .ci/run does) or set CHROMIUM"
            )
        })
}

/// Put first in <head>: records load failures and errors from the first element on, and once
/// the page has loaded writes what it saw into `<pre id="firesale-check">` as JSON.
const CHECK_SCRIPT: &str = r#"<script>
(function () {
  var errors = [];
  window.addEventListener('error', function (e) {
    var t = e.target;
    errors.push(t && t.tagName ? 'failed to load <' + t.tagName.toLowerCase() + '>' : String(e.message));
  }, true);
  var consoleError = console.error;
  console.error = function () {
    errors.push(Array.prototype.join.call(arguments, ' '));
    consoleError.apply(console, arguments);
  };
  window.addEventListener('load', function () {
    var images = Array.prototype.slice.call(document.images);
    var broken = images.filter(function (img) { return !img.complete || img.naturalWidth === 0; })
      .map(function (img) { return img.alt; });
    // Tables wider than their box (a horizontal scroll bar), and the page wider than the window.
    var overflowing = Array.prototype.slice.call(document.querySelectorAll('figure.table'))
      .filter(function (f) {
        var box = f.querySelector('.scroll');
        return box.scrollWidth > box.clientWidth + 1 || f.scrollWidth > document.body.clientWidth;
      })
      .map(function (f) { return f.querySelector('figcaption').textContent; });
    var page = document.documentElement;
    var out = document.createElement('pre');
    out.id = 'firesale-check';
    out.textContent = JSON.stringify({ images: images.length, broken: broken, errors: errors,
      window: window.innerWidth, tables: document.querySelectorAll('figure.table').length,
      overflowing: overflowing, page_overflow: page.scrollWidth > page.clientWidth });
    document.body.appendChild(out);
  });
})();
</script>"#;

/// Runs `command` with its output in files under `dir` (the DOM of a page is megabytes: a
/// pipe would fill), killing it after `limit`; returns (stdout, stderr).
fn output_within(command: &mut Command, dir: &Path, limit: Duration) -> (String, String) {
    std::fs::create_dir_all(dir).expect("scratch");
    let (out, err) = (dir.join("stdout"), dir.join("stderr"));
    let mut child = command
        .stdout(std::fs::File::create(&out).expect("stdout file"))
        .stderr(std::fs::File::create(&err).expect("stderr file"))
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let read =
        |path: &Path| String::from_utf8_lossy(&std::fs::read(path).expect("output")).into_owned();
    (read(&out), read(&err))
}

#[test]
fn report_html_renders_in_chromium_with_every_image_loaded() {
    let report = made_report();
    check_in_chromium(&report.dir, expected_figures().len());
}

/// Width of the window report.html is checked in: every table must fit it.
const PAGE_WIDTH: u32 = 1200;
/// The printable width of an A4 page with the page's 12 mm margins, in CSS px (96 per inch):
/// (210 − 2 × 12) mm = 186 mm.
const A4_WIDTH: u32 = 703;

/// Opens `dir`/report.html in headless Chromium: no network, no script of its own, no errors
/// or console messages, `images` images, every one loaded, and no table (nor the page) wider
/// than the window, so that nothing hides behind a horizontal scroll: at [`PAGE_WIDTH`] px,
/// and at [`A4_WIDTH`] px with the page's print rules applied, as on paper.
fn check_in_chromium(dir: &Path, images: usize) {
    let page = std::fs::read_to_string(dir.join("report.html")).expect("report.html");
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "no network"
    );
    assert!(!page.contains("<script"), "the page itself needs no script");
    assert!(page.contains("@media print {"), "the page has print rules");
    let printed = page.replace("@media print {", "@media all {");
    for (width, shown, medium) in [(PAGE_WIDTH, &page, "screen"), (A4_WIDTH, &printed, "print")] {
        let check = chromium_check(dir, shown, width, medium);
        assert_eq!(
            check["images"].as_u64(),
            Some(images as u64),
            "one image per figure"
        );
        assert_eq!(
            check["broken"],
            serde_json::json!([]),
            "images that did not load"
        );
        assert_eq!(check["errors"], serde_json::json!([]), "errors on the page");
        assert_eq!(check["window"].as_u64(), Some(u64::from(width)));
        assert!(check["tables"].as_u64() > Some(0), "the page shows tables");
        assert_eq!(
            check["overflowing"],
            serde_json::json!([]),
            "tables wider than a {width}-px {medium} page"
        );
        assert_eq!(
            check["page_overflow"], false,
            "the {medium} page scrolls sideways at {width} px"
        );
    }
}

/// What [`CHECK_SCRIPT`] saw of the page `page` (report.html of `dir`, as given) in a
/// `width`-px window.
fn chromium_check(dir: &Path, page: &str, width: u32, medium: &str) -> serde_json::Value {
    // The check runs on a copy beside the original, so relative links resolve the same way.
    let name = dir.file_name().expect("a folder name").to_string_lossy();
    let checked = dir
        .parent()
        .expect("parent")
        .join(format!("{name}-check-{medium}.html"));
    // One Chromium at a time: several at once on a loaded two-core machine can dump the page
    // before its check script has run.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let instrumented = page.replacen("<head>", &format!("<head>\n{CHECK_SCRIPT}"), 1);
    std::fs::write(&checked, instrumented).expect("write the instrumented copy");
    let scratch = scratch_dir(&format!("chromium-{name}-{medium}"));
    let profile = scratch.join("profile");
    let (dom, log) = output_within(
        Command::new(chromium())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=10000",
                &format!("--window-size={width},900"),
                "--dump-dom",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("file://{}", checked.display())),
        &scratch,
        Duration::from_secs(120),
    );
    let _ = std::fs::remove_dir_all(&scratch);
    let start = dom
        .find("<pre id=\"firesale-check\">")
        .unwrap_or_else(|| panic!("the check never ran; chromium said: {log}"));
    let json = &dom[start + "<pre id=\"firesale-check\">".len()..];
    let json = &json[..json.find("</pre>").expect("closed")];
    let json = json
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let console: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("CONSOLE"))
        .collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    serde_json::from_str(&json).expect("check JSON")
}

#[test]
fn out_must_be_a_folder() {
    let base = scratch_dir("not-a-folder");
    std::fs::create_dir_all(&base).expect("scratch");
    let file = base.join("taken");
    std::fs::write(&file, "x").expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_firesale"))
        .args(["run", "calm-market", "--paths", "10", "--out"])
        .arg(&file)
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--out"));
}

/// Another command (here a calibration-like sweep) builds its own report from the same
/// parts: a chart of a metric against a parameter with the chosen value marked, and a table.
#[test]
fn other_commands_can_build_a_report_from_sections() {
    let sweep: Vec<(f64, f64)> = (0..=10)
        .map(|i| (f64::from(i) * 0.1, (f64::from(i) * 0.1 - 0.4).powi(2)))
        .collect();
    let table = Table::of("sweep", "Target metric against the parameter", &sweep)
        .number("parameter", "Parameter", Format::Number, |(x, _)| *x)
        .number("metric", "Metric", Format::Number, |(_, y)| *y)
        .table();
    let figure = Figure {
        name: "calibration".to_string(),
        title: "Calibration of the depth multiplier".to_string(),
        caption: "The target metric against the parameter.".to_string(),
        panels: vec![Chart {
            title: "Squared error against the parameter".to_string(),
            x: Axis {
                label: "stress depth multiplier".to_string(),
                format: Format::Number,
            },
            y: Axis {
                label: "squared error".to_string(),
                format: Format::Number,
            },
            y_log: false,
            series: vec![
                Series::Line {
                    label: "metric".to_string(),
                    points: sweep,
                    color: 0,
                    dashed: false,
                },
                Series::Marker {
                    label: "chosen: 0.4".to_string(),
                    x: 0.4,
                    color: 3,
                },
            ],
        }],
    };
    let report = Report {
        title: "Calibration".to_string(),
        subtitle: "a sweep".to_string(),
        sections: vec![
            Section::new("calibration", "Calibration")
                .with(Block::Figure(figure))
                .with(Block::Table(table)),
        ],
        ..Report::default()
    };
    let dir = scratch_dir("calibration");
    let written = report.write(&dir).expect("the report is written");
    assert_eq!(written.len(), 4, "csv, svg, png, html: {written:?}");
    let texts = svg_texts(&std::fs::read_to_string(dir.join("calibration.svg")).expect("svg"));
    assert!(texts.iter().any(|t| t == "chosen: 0.4"), "{texts:?}");
    let page = std::fs::read_to_string(dir.join("report.html")).expect("html");
    assert!(page.contains("data:image/png;base64,") && page.contains("sweep.csv"));
    assert!(!dir.join("summary.json").exists());
}

/// Runs `firesale ARGS --json FILE --out DIR --quiet` in a fresh folder (DIR nested, so
/// that it must be created) and checks the report: summary.json is the --json content,
/// report.html and the files `tables` (CSV stems) and `figures` (stem, title) are there and
/// nothing else, every SVG is well-formed with its title, every PNG has its signature, and the
/// page renders in Chromium with every figure.
fn check_question_out(name: &str, args: &[&str], tables: &[&str], figures: &[(String, String)]) {
    let base = scratch_dir(name);
    std::fs::create_dir_all(&base).expect("scratch folder");
    let (dir, json) = write_report(&base, args);
    let summary = std::fs::read_to_string(dir.join("summary.json")).expect("summary.json");
    assert_eq!(summary, json, "summary.json is the --json content");
    let mut expected: Vec<String> = vec![
        "summary.json".into(),
        "report.html".into(),
        REPORT_MARKER.into(),
    ];
    expected.extend(tables.iter().map(|stem| format!("{stem}.csv")));
    for (stem, title) in figures {
        expected.push(format!("{stem}.svg"));
        expected.push(format!("{stem}.png"));
        let svg = std::fs::read_to_string(dir.join(format!("{stem}.svg"))).expect("svg");
        let texts = svg_texts(&svg);
        assert!(
            texts.contains(title),
            "{stem}.svg: no '{title}' in {texts:?}"
        );
        let png = std::fs::read(dir.join(format!("{stem}.png"))).expect("png");
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{stem}.png signature"
        );
        assert_eq!(decode_png(&png).0, FIGURE_SIZE.0);
    }
    let found = common::file_names(&dir);
    expected.sort();
    assert_eq!(found, expected, "no more, no fewer, no temporary files");
    for stem in tables {
        let (header, _) = read_csv(&dir.join(format!("{stem}.csv")));
        assert!(!header.is_empty(), "{stem}.csv has a header");
    }
    check_in_chromium(&dir, figures.len());
}

#[test]
fn replay_out_writes_its_report() {
    let shocks = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/shocks/crypto-unwind-week.csv"
    );
    let model = firesale::scenario::load("crypto-unwind").expect("built-in scenario");
    let mut figures = vec![(
        "liquidations".to_string(),
        "Liquidated notional per step".to_string(),
    )];
    for asset in &model.assets {
        figures.push((
            format!("price-{}", firesale::report::bundle::slug(&asset.name)),
            format!("{}: price along the path", asset.name),
        ));
    }
    check_question_out(
        "replay",
        &["replay", "crypto-unwind", "--shocks", shocks],
        &["steps", "cohorts", "assets", "cascade"],
        &figures,
    );
}

#[test]
fn calibrate_out_writes_its_report() {
    let line = "calibrate crypto-unwind --cohort my-fund --param leverage --target es99<=$20M \
                --paths 100 --tolerance 0.1 --backend cpu";
    check_question_out(
        "calibrate",
        &line.split_whitespace().collect::<Vec<_>>(),
        &["trials"],
        &[(
            "calibration".to_string(),
            "my-fund: es99 against leverage".to_string(),
        )],
    );
}

#[test]
fn reverse_out_writes_its_report() {
    check_question_out(
        "reverse",
        &[
            "reverse",
            "crypto-unwind",
            "--shock",
            "BTC=-0.10,ETH=-0.13",
            "--target",
            "system:liquidated_notional>=1e9",
        ],
        &["cohorts", "assets", "cascade", "key-levels", "search"],
        &[(
            "search".to_string(),
            "system liquidated_notional against the shock".to_string(),
        )],
    );
}
