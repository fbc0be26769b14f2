//! Property tests of the input readers (run in CI, a few seconds in all): the scenario parser
//! and the replay's shocks CSV reader, fed arbitrary text and mutated valid files, never panic,
//! and every input they reject is a status-2 error with a one-line message; every scenario they
//! accept holds finite numbers within the documented ranges.

use proptest::prelude::*;

use firesale::model::Model;
use firesale::questions::shocks;
use firesale::scenario::compile_str;

/// Cases per property: enough to reach the odd corners, bounded for CI.
const CASES: u32 = 256;

const BASE: &str = r#"
name = "fuzz"
[simulation]
steps = @STEPS@
step_hours = @STEP_HOURS@
[regimes]
calm_to_stress_per_step = @P@
[[assets]]
name = "X"
price = @PRICE@
vol = @VOL@
depth = @DEPTH@
[[assets]]
name = "Y"
price = 10.0
vol = 0.5
depth = 1e6
[[jumps]]
name = "crash"
intensity_per_year = @INTENSITY@
mean = @MEAN@
loadings = { X = 1.0 }
[[cohorts]]
name = "A"
kind = "margin"
equity = @EQUITY@
weights = { X = 1.0, Y = @WEIGHT@ }
leverage = @LEVERAGE@
maintenance_margin = 0.05
"#;

const HOLES: [&str; 11] = [
    "@STEPS@",
    "@STEP_HOURS@",
    "@P@",
    "@PRICE@",
    "@VOL@",
    "@DEPTH@",
    "@INTENSITY@",
    "@MEAN@",
    "@EQUITY@",
    "@WEIGHT@",
    "@LEVERAGE@",
];

/// Numbers as a file may hold them: ordinary, tiny, huge, negative, zero, special.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        (-1e3f64..1e3).prop_map(|x| format!("{x:?}")),
        any::<f64>().prop_map(|x| format!("{x:?}")),
        prop::sample::select(vec![
            "0",
            "0.0",
            "-0.0",
            "1e308",
            "-1e308",
            "1e-308",
            "nan",
            "inf",
            "-inf",
            "1",
            "3",
            "100000",
            "18446744073709551616",
            "\"3\"",
            "[]",
        ])
        .prop_map(str::to_string),
    ]
}

/// The error of a rejected input is bad input (status 2) told in one line.
fn assert_refused_cleanly(error: &firesale::Error, input: &str) {
    assert_eq!(error.exit_code(), 2, "{error} for {input:?}");
    let message = error.to_string();
    assert!(!message.trim().is_empty(), "empty message for {input:?}");
}

/// An accepted scenario's numbers are finite and within the documented ranges.
fn assert_sane(model: &Model) {
    assert!((1..=1_000_000_000_000).contains(&model.paths));
    assert!(model.step_hours.is_finite() && model.step_hours > 0.0);
    for asset in &model.assets {
        assert!(
            asset.price_usd > 0.0 && asset.price_usd <= 1e12,
            "{asset:?}"
        );
        assert!(
            asset.depth_usd > 0.0 && asset.depth_usd <= 1e15,
            "{asset:?}"
        );
        assert!(asset.vol.is_finite() && asset.vol <= 20.0, "{asset:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_text_as_a_scenario_is_accepted_or_refused_cleanly(text in "\\PC{0,200}") {
        match compile_str(&text, "fuzz.toml") {
            Ok(model) => assert_sane(&model),
            Err(error) => assert_refused_cleanly(&error, &text),
        }
    }

    #[test]
    fn any_numbers_in_a_valid_scenario_are_accepted_or_refused_cleanly(
        values in prop::collection::vec(number(), HOLES.len())
    ) {
        let mut text = BASE.to_string();
        for (hole, value) in HOLES.iter().zip(&values) {
            text = text.replace(hole, value);
        }
        match compile_str(&text, "fuzz.toml") {
            Ok(model) => assert_sane(&model),
            Err(error) => assert_refused_cleanly(&error, &text),
        }
    }

    #[test]
    fn any_text_as_a_shocks_file_is_accepted_or_refused_cleanly(
        text in "(\u{feff})?[step,regime,XYZ0-9.eE+\\-\"#\r\n calmstr]{0,120}"
    ) {
        let model = shocks_model();
        match shocks::parse(&text, &model, "fuzz.csv") {
            Ok(path) => {
                for row in &path.log_returns {
                    assert!(row.iter().all(|x| x.abs() <= 10.0), "{row:?}");
                }
            }
            Err(error) => {
                assert_refused_cleanly(&error, &text);
                assert!(error.to_string().starts_with("--shocks fuzz.csv"), "{error}");
            }
        }
    }

    #[test]
    fn rfc_4180_files_read_back_their_values(
        rows in prop::collection::vec((-10.0f64..10.0, any::<bool>(), any::<bool>()), 1..20),
        bom in any::<bool>(),
        crlf in any::<bool>(),
    ) {
        let end = if crlf { "\r\n" } else { "\n" };
        let mut text = String::from(if bom { "\u{feff}" } else { "" });
        text.push_str(&format!("\"step\",regime,\"X\"{end}"));
        for (i, (value, stress, quoted)) in rows.iter().enumerate() {
            let regime = if *stress { "\"str\ness\"" } else { "calm" };
            let value = if *quoted { format!("\"{value:?}\"") } else { format!("{value:?}") };
            text.push_str(&format!("{},{regime},{value}{end}", i + 1));
        }
        let model = shocks_model();
        // A regime holding a newline is read as RFC 4180 says (and then refused as no regime
        // name); without one every value reads back.
        match shocks::parse(&text, &model, "fuzz.csv") {
            Ok(path) => {
                prop_assert!(rows.iter().all(|(_, stress, _)| !stress));
                for (read, (value, ..)) in path.log_returns.iter().zip(&rows) {
                    prop_assert_eq!(read[0], *value);
                }
            }
            Err(error) => {
                prop_assert!(rows.iter().any(|(_, stress, _)| *stress), "{}", error);
                prop_assert!(error.to_string().contains("regime 'str\ness'"), "{}", error);
            }
        }
    }
}

fn shocks_model() -> Model {
    compile_str(
        "name = \"s\"\n[simulation]\nsteps = 20\n[[assets]]\nname = \"X\"\nprice = 1.0\n\
         vol = 0.5\ndepth = 1e6\n",
        "s.toml",
    )
    .expect("the shocks test scenario compiles")
}

#[test]
fn shocks_errors_name_the_file_line_and_column() {
    let model = shocks_model();
    let cases = [
        (
            "step,X\n1,0.1\n2,abc\n",
            "line 3: X: 'abc' is not a log-return",
            "(column 2)",
        ),
        ("step,X\n1,1e308\n", "line 2: X: '1e308'", "in [-10, 10]"),
        (
            "step,X\n1,\"0.1\n2\"\n",
            "line 2: X: '0.1\n2'",
            "(column 2)",
        ),
    ];
    for (text, first, second) in cases {
        let error = shocks::parse(text, &model, "w.csv").expect_err(text);
        let message = error.to_string();
        assert_eq!(error.exit_code(), 2);
        assert!(message.starts_with("--shocks w.csv: "), "{message}");
        assert!(
            message.contains(first) && message.contains(second),
            "{message}"
        );
    }
}

#[test]
fn a_quoted_header_with_a_newline_and_an_excel_bom_read() {
    let model = shocks_model();
    let text = "\u{feff}# a comment\r\n\"step\",\"X\"\r\n1,\"-0.5\"\r\n2,0.25\r\n";
    let path = shocks::parse(text, &model, "w.csv").expect("read");
    assert_eq!(path.log_returns, vec![vec![-0.5], vec![0.25]]);
}
