//! Every scenario number has a range a market can have (docs/scenario-format.md): a value
//! outside is a scenario error (status 2) naming the field and the range, and names that a
//! file format or a target expression reserves are refused.

use firesale::Error;
use firesale::scenario::compile_str;

const BASE: &str = r#"
name = "ranges"
[simulation]
steps = 10
[[assets]]
name = "X"
price = 100.0
vol = 0.5
depth = 1e9
[[cohorts]]
name = "longs"
kind = "margin"
equity = 1e8
weights = { X = 1.0 }
leverage = 5.0
maintenance_margin = 0.05
"#;

fn refused(toml: &str, field: &str, range: &str) {
    match compile_str(toml, "ranges.toml") {
        Ok(_) => panic!("accepted: {toml}"),
        Err(error) => {
            assert_eq!(error.exit_code(), 2, "{error}");
            let Error::Scenario {
                field: got,
                message,
            } = &error
            else {
                panic!("not a scenario error: {error}");
            };
            assert_eq!(got, field, "{message}");
            assert!(message.contains(range), "expected '{range}' in: {message}");
            assert!(
                !message.contains(&"0".repeat(16)),
                "a number written out: {message}"
            );
        }
    }
}

#[test]
fn the_base_is_valid() {
    compile_str(BASE, "ranges.toml").expect("valid");
}

#[test]
fn numbers_no_market_has_are_refused_with_their_range() {
    let cases = [
        (
            "price = 100.0",
            "price = 1e308",
            "assets[0].price",
            "(0, 1e12] USD",
        ),
        ("vol = 0.5", "vol = 1e308", "assets[0].vol", "[0, 20]"),
        (
            "depth = 1e9",
            "depth = 1e16",
            "assets[0].depth",
            "(0, 1e15] USD",
        ),
        (
            "equity = 1e8",
            "equity = 1e308",
            "cohorts[0].equity",
            "(0, 1e15] USD",
        ),
        (
            "leverage = 5.0",
            "leverage = 1e6",
            "cohorts[0].leverage",
            "(0, 1000]",
        ),
        (
            "steps = 10",
            "steps = 10\nstep_hours = 1e-308",
            "simulation.step_hours",
            "[1/3600, 8760] hours",
        ),
        (
            "steps = 10",
            "steps = 10\npaths = 2000000000000",
            "simulation.paths",
            "1 to 1000000000000",
        ),
        (
            "steps = 10",
            "steps = 10\nmax_cascade_rounds = 100000",
            "simulation.max_cascade_rounds",
            "1 to 1000",
        ),
        (
            "vol = 0.5",
            "vol = 0.5\ndrift = 1e5",
            "assets[0].drift",
            "more than 50",
        ),
        (
            "weights = { X = 1.0 }",
            "weights = { X = 1e300 }",
            "cohorts[0].weights.X",
            "[-1e15, 1e15]",
        ),
    ];
    for (from, to, field, range) in cases {
        refused(&BASE.replace(from, to), field, range);
    }
}

#[test]
fn reserved_names_are_refused() {
    refused(
        &BASE
            .replace("name = \"X\"", "name = \"step\"")
            .replace("{ X = 1.0 }", "{ step = 1.0 }"),
        "assets[0].name",
        "reserved",
    );
    refused(
        &BASE
            .replace("name = \"X\"", "name = \"Regime\"")
            .replace("{ X = 1.0 }", "{ Regime = 1.0 }"),
        "assets[0].name",
        "shocks CSV",
    );
    refused(
        &BASE.replace("name = \"longs\"", "name = \"system\""),
        "cohorts[0].name",
        "--target",
    );
    refused(
        &BASE.replace("name = \"longs\"", "name = \"a:b\""),
        "cohorts[0].name",
        "':'",
    );
}
