//! Every kind of bad scenario is rejected as a scenario error (exit status 2) that names the
//! offending key path. Each case changes one thing in a small valid base scenario; the cases
//! are one table, run in one test that reports every failing case at once.

use firesale::Error;
use firesale::scenario::{compile_str, load};

/// A valid scenario: three assets in two sectors, a jump, and one cohort of each kind
/// (tests/fixtures/one-of-each-kind.toml).
const BASE: &str = include_str!("../fixtures/one-of-each-kind.toml");

/// How a case changes BASE.
enum Change {
    /// Replace the one occurrence of the first text by the second.
    Edit(&'static str, &'static str),
    /// Append new tables or array entries.
    Append(&'static str),
    /// Append a `[correlation.calm]` table with these lines.
    Calm(&'static str),
    /// Use this text instead of BASE.
    Whole(&'static str),
}

impl Change {
    /// The changed scenario, or why the change does not apply to BASE.
    fn scenario(&self) -> Result<String, String> {
        match *self {
            Change::Edit(from, to) => match BASE.matches(from).count() {
                1 => Ok(BASE.replace(from, to)),
                n => Err(format!("`{from}` must occur once in BASE, not {n} times")),
            },
            Change::Append(extra) => Ok(appended(extra)),
            Change::Calm(lines) => Ok(appended(&format!("[correlation.calm]\n{lines}"))),
            Change::Whole(text) => Ok(text.to_owned()),
        }
    }
}

/// BASE with `extra` appended (new tables or array entries).
fn appended(extra: &str) -> String {
    format!("{BASE}\n{extra}\n")
}

/// BASE with its one occurrence of `from` replaced by `to`.
fn edited(from: &'static str, to: &'static str) -> String {
    Change::Edit(from, to)
        .scenario()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Compiles `toml`, expecting a scenario error at `field`: its message, or what went wrong.
fn refusal(toml: &str, field: &str) -> Result<String, String> {
    let err = match compile_str(toml, "test.toml") {
        Ok(_) => {
            return Err(format!(
                "expected an error at `{field}`, but the scenario compiled"
            ));
        }
        Err(err) => err,
    };
    if err.exit_code() != 2 {
        return Err(format!("exit code {}, not 2: {err}", err.exit_code()));
    }
    match err {
        Error::Scenario {
            field: got,
            message,
        } if got == field => Ok(message),
        Error::Scenario {
            field: got,
            message,
        } => Err(format!(
            "wrong field `{got}`, expected `{field}`; message: {message}"
        )),
        other => Err(format!("expected a scenario error, got {other:?}")),
    }
}

/// Compiles `toml`, expecting a scenario error at `field`; returns its message.
fn rejected_at(toml: &str, field: &str) -> String {
    refusal(toml, field).unwrap_or_else(|e| panic!("{e}"))
}

/// The base itself is valid, so every failure below comes from its one change.
#[test]
fn base_compiles() {
    compile_str(BASE, "test.toml").expect("BASE is valid");
}

/// Every bad input: (what it is, the change to BASE, the field path its error names).
const REJECTED: &[(&str, Change, &str)] = &[
    (
        "A scenario without assets.",
        Change::Whole("[simulation]\nsteps = 1\n"),
        "assets",
    ),
    (
        "Two assets with the same name.",
        Change::Edit("name = \"ETH\"", "name = \"BTC\""),
        "assets[1].name",
    ),
    (
        "Two cohorts with the same name.",
        Change::Edit("name = \"semis-3x\"", "name = \"perp-longs\""),
        "cohorts[1].name",
    ),
    (
        "Two jump types with the same name.",
        Change::Append(
            "[[jumps]]\nname = \"crash\"\nintensity_per_year = 1.0\nmean = -0.1\n\
         loadings = { BTC = 1.0 }",
        ),
        "jumps[1].name",
    ),
    (
        "An empty asset name.",
        Change::Edit("name = \"NVDA\"", "name = \"\""),
        "assets[2].name",
    ),
    (
        "Margin weights naming an asset that does not exist.",
        Change::Edit("{ BTC = 0.6, ETH = 0.4 }", "{ BTC = 0.6, XYZ = 0.4 }"),
        "cohorts[0].weights.XYZ",
    ),
    (
        "A notional naming an asset that does not exist.",
        Change::Edit(
            "weights = { BTC = 0.6, ETH = 0.4 }\nleverage = 10.0",
            "notional = { BTC = 1.0e9, XYZ = -1.0e9 }",
        ),
        "cohorts[0].notional.XYZ",
    ),
    (
        "Jump loadings naming an asset that does not exist.",
        Change::Edit("{ BTC = 1.0, ETH = 1.3 }", "{ BTC = 1.0, XYZ = 1.3 }"),
        "jumps[0].loadings.XYZ",
    ),
    (
        "Fund weights naming an asset that does not exist.",
        Change::Edit("{ NVDA = 1.0 }", "{ AMD = 1.0 }"),
        "cohorts[1].weights.AMD",
    ),
    (
        "`between` naming a sector no asset has.",
        Change::Calm("between = [[\"crypto\", \"energy\", 0.3]]"),
        "correlation.calm.between[0]",
    ),
    (
        "The same sector pair twice in `between`, in either order.",
        Change::Calm("between = [[\"crypto\", \"semis\", 0.3], [\"semis\", \"crypto\", 0.4]]"),
        "correlation.calm.between[1]",
    ),
    (
        "A `between` pair of a sector with itself.",
        Change::Calm("between = [[\"crypto\", \"crypto\", 0.3]]"),
        "correlation.calm.between[0]",
    ),
    (
        "`within` naming a sector no asset has.",
        Change::Append("[correlation.stress]\nwithin = { energy = 0.5 }"),
        "correlation.stress.within.energy",
    ),
    (
        "A correlation above 1.",
        Change::Calm("default = 1.5"),
        "correlation.calm.default",
    ),
    (
        "A correlation below −1 in a `between` triple.",
        Change::Calm("between = [[\"crypto\", \"semis\", -1.2]]"),
        "correlation.calm.between[0]",
    ),
    (
        "An explicit matrix that is not symmetric.",
        Change::Calm("matrix = [[1.0, 0.3, 0.0], [0.2, 1.0, 0.0], [0.0, 0.0, 1.0]]"),
        "correlation.calm.matrix[0][1]",
    ),
    (
        "An explicit matrix with too few rows.",
        Change::Calm("matrix = [[1.0, 0.3], [0.3, 1.0]]"),
        "correlation.calm.matrix",
    ),
    (
        "An explicit matrix with a short row.",
        Change::Calm("matrix = [[1.0, 0.3, 0.0], [0.3, 1.0], [0.0, 0.0, 1.0]]"),
        "correlation.calm.matrix[1]",
    ),
    (
        "An explicit matrix whose diagonal is not 1.",
        Change::Calm("matrix = [[1.0, 0.3, 0.0], [0.3, 0.9, 0.0], [0.0, 0.0, 1.0]]"),
        "correlation.calm.matrix[1][1]",
    ),
    (
        "An explicit matrix together with sector blocks.",
        Change::Calm(
            "default = 0.1\n\
         matrix = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]",
        ),
        "correlation.calm.matrix",
    ),
    (
        "A cohort whose weights are all zero.",
        Change::Edit("{ BTC = 0.6, ETH = 0.4 }", "{ BTC = 0.0, ETH = 0.0 }"),
        "cohorts[0].weights",
    ),
    (
        "A negative price.",
        Change::Edit("price = 80000.0", "price = -80000.0"),
        "assets[0].price",
    ),
    (
        "A zero depth.",
        Change::Edit("depth = 3.0e9", "depth = 0.0"),
        "assets[2].depth",
    ),
    (
        "A NaN equity.",
        Change::Edit("equity = 6.0e9", "equity = nan"),
        "cohorts[0].equity",
    ),
    (
        "An infinite AUM.",
        Change::Edit("aum = 1.0e10", "aum = inf"),
        "cohorts[1].aum",
    ),
    (
        "Zero accounts.",
        Change::Edit(
            "maintenance_margin = 0.005",
            "maintenance_margin = 0.005\naccounts = 0",
        ),
        "cohorts[0].accounts",
    ),
    (
        "A negative volatility.",
        Change::Edit("vol = 0.7", "vol = -0.7"),
        "assets[1].vol",
    ),
    (
        "A zero stress volatility multiplier.",
        Change::Edit("stress_vol_multiplier = 2.0", "stress_vol_multiplier = 0.0"),
        "assets[0].stress_vol_multiplier",
    ),
    (
        "A negative stress depth multiplier.",
        Change::Edit(
            "stress_depth_multiplier = 0.5",
            "stress_depth_multiplier = -0.5",
        ),
        "regimes.stress_depth_multiplier",
    ),
    (
        "A probability above 1.",
        Change::Edit(
            "initial_stress_probability = 0.1",
            "initial_stress_probability = 1.5",
        ),
        "regimes.initial_stress_probability",
    ),
    (
        "A negative switching probability.",
        Change::Edit("[regimes]", "[regimes]\ncalm_to_stress_per_step = -0.1"),
        "regimes.calm_to_stress_per_step",
    ),
    (
        "A negative jump intensity.",
        Change::Edit("intensity_per_year = 4.0", "intensity_per_year = -4.0"),
        "jumps[0].intensity_per_year",
    ),
    (
        "A negative jump stdev.",
        Change::Edit("stdev = 0.04", "stdev = -0.04"),
        "jumps[0].stdev",
    ),
    (
        "Jump loadings that name no asset.",
        Change::Edit("{ BTC = 1.0, ETH = 1.3 }", "{}"),
        "jumps[0].loadings",
    ),
    (
        "Leverage exactly 1/maintenance_margin.",
        Change::Edit("leverage = 10.0", "leverage = 200.0"),
        "cohorts[0].leverage",
    ),
    (
        "A lognormal spread whose top bucket is above 1/maintenance_margin.",
        Change::Edit(
            "leverage = 10.0",
            "leverage = { median = 50.0, sigma = 1.0, buckets = 16 }",
        ),
        "cohorts[0].leverage",
    ),
    (
        "A notional whose gross exposure / equity is above 1/maintenance_margin.",
        Change::Edit(
            "weights = { BTC = 0.6, ETH = 0.4 }\nleverage = 10.0",
            "notional = { BTC = 1.0e12, ETH = -2.0e11 }",
        ),
        "cohorts[0].notional",
    ),
    (
        "A maintenance margin of 1.",
        Change::Edit("maintenance_margin = 0.005", "maintenance_margin = 1.0"),
        "cohorts[0].maintenance_margin",
    ),
    (
        "A negative maintenance margin.",
        Change::Edit("maintenance_margin = 0.005", "maintenance_margin = -0.005"),
        "cohorts[0].maintenance_margin",
    ),
    (
        "A missing maintenance margin.",
        Change::Edit("maintenance_margin = 0.005", ""),
        "cohorts[0].maintenance_margin",
    ),
    (
        "A negative liquidation fee.",
        Change::Edit(
            "maintenance_margin = 0.005",
            "maintenance_margin = 0.005\nliquidation_fee = -0.01",
        ),
        "cohorts[0].liquidation_fee",
    ),
    (
        "A rebalance interval that is not a whole number of steps.",
        Change::Edit("rebalance_hours = 12.0", "rebalance_hours = 12.5"),
        "cohorts[2].rebalance_hours",
    ),
    (
        "A rebalance interval shorter than one step.",
        Change::Edit("rebalance_hours = 24.0", "rebalance_hours = 0.5"),
        "cohorts[1].rebalance_hours",
    ),
    (
        "A zero rebalance interval.",
        Change::Edit("rebalance_hours = 24.0", "rebalance_hours = 0.0"),
        "cohorts[1].rebalance_hours",
    ),
    (
        "Student-t degrees of freedom below 3.",
        Change::Edit("impact = \"sqrt\"", "impact = \"sqrt\"\nstudent_t_dof = 2"),
        "market.student_t_dof",
    ),
    (
        "Student-t degrees of freedom above 30.",
        Change::Edit("impact = \"sqrt\"", "impact = \"sqrt\"\nstudent_t_dof = 31"),
        "market.student_t_dof",
    ),
    (
        "Student-t degrees of freedom that are not an integer.",
        Change::Edit(
            "impact = \"sqrt\"",
            "impact = \"sqrt\"\nstudent_t_dof = 4.5",
        ),
        "market.student_t_dof",
    ),
    (
        "Zero steps.",
        Change::Edit("steps = 24", "steps = 0"),
        "simulation.steps",
    ),
    (
        "No `steps` at all.",
        Change::Edit("steps = 24", ""),
        "simulation.steps",
    ),
    (
        "No `[simulation]` table, hence no steps.",
        Change::Edit("[simulation]\nsteps = 24\nstep_hours = 1.0\nseed = 7", ""),
        "simulation.steps",
    ),
    (
        "Zero paths.",
        Change::Edit("steps = 24", "steps = 24\npaths = 0"),
        "simulation.paths",
    ),
    (
        "A zero step length.",
        Change::Edit("step_hours = 1.0", "step_hours = 0.0"),
        "simulation.step_hours",
    ),
    (
        "Zero cascade rounds.",
        Change::Edit("steps = 24", "steps = 24\nmax_cascade_rounds = 0"),
        "simulation.max_cascade_rounds",
    ),
    (
        "A negative seed (the seed is a u64).",
        Change::Edit("seed = 7", "seed = -7"),
        "simulation.seed",
    ),
    (
        "A negative impact half-life.",
        Change::Edit(
            "impact = \"sqrt\"",
            "impact = \"sqrt\"\nimpact_half_life_hours = -1.0",
        ),
        "market.impact_half_life_hours",
    ),
    (
        "An impact shape other than \"linear\" or \"sqrt\".",
        Change::Edit("impact = \"sqrt\"", "impact = \"cubic\""),
        "market.impact",
    ),
    (
        "A cohort `impact` that is not a bool.",
        Change::Edit("kind = \"margin\"", "kind = \"margin\"\nimpact = \"no\""),
        "cohorts[0].impact",
    ),
    (
        "A leveraged ETF with leverage 0.",
        Change::Edit("leverage = 3.0", "leverage = 0.0"),
        "cohorts[1].leverage",
    ),
    (
        "A leveraged ETF with a leverage spread instead of one number.",
        Change::Edit("leverage = 3.0", "leverage = [[3.0, 1.0]]"),
        "cohorts[1].leverage",
    ),
    (
        "A leverage list with a negative share.",
        Change::Edit("leverage = 10.0", "leverage = [[10.0, 0.5], [5.0, -0.5]]"),
        "cohorts[0].leverage[1]",
    ),
    (
        "A leverage list whose shares are all zero.",
        Change::Edit("leverage = 10.0", "leverage = [[10.0, 0.0], [5.0, 0.0]]"),
        "cohorts[0].leverage",
    ),
    (
        "A leverage list with a negative leverage.",
        Change::Edit("leverage = 10.0", "leverage = [[-10.0, 1.0]]"),
        "cohorts[0].leverage[0]",
    ),
    (
        "A negative single leverage.",
        Change::Edit("leverage = 10.0", "leverage = -10.0"),
        "cohorts[0].leverage",
    ),
    (
        "A lognormal spread with zero buckets.",
        Change::Edit(
            "leverage = 10.0",
            "leverage = { median = 10.0, sigma = 0.5, buckets = 0 }",
        ),
        "cohorts[0].leverage.buckets",
    ),
    (
        "A lognormal spread with a negative sigma.",
        Change::Edit(
            "leverage = 10.0",
            "leverage = { median = 10.0, sigma = -0.5, buckets = 4 }",
        ),
        "cohorts[0].leverage.sigma",
    ),
    (
        "A lognormal spread with a median below 1.",
        Change::Edit(
            "leverage = 10.0",
            "leverage = { median = 0.5, sigma = 0.5, buckets = 4 }",
        ),
        "cohorts[0].leverage.median",
    ),
    (
        "A leverage that is neither a number, a list nor a lognormal table.",
        Change::Edit(
            "leverage = 10.0",
            "leverage = { median = 10.0, sigmaa = 0.5, buckets = 4 }",
        ),
        "cohorts[0].leverage",
    ),
    (
        "Both `notional` and `weights`.",
        Change::Edit("leverage = 10.0", "notional = { BTC = 1.0e9 }"),
        "cohorts[0].notional",
    ),
    (
        "Both `notional` and `leverage`.",
        Change::Edit(
            "weights = { BTC = 0.6, ETH = 0.4 }",
            "notional = { BTC = 1.0e9 }",
        ),
        "cohorts[0].notional",
    ),
    (
        "Neither `notional` nor `weights`.",
        Change::Edit("weights = { BTC = 0.6, ETH = 0.4 }\nleverage = 10.0", ""),
        "cohorts[0].weights",
    ),
    (
        "`weights` without `leverage`.",
        Change::Edit("leverage = 10.0", ""),
        "cohorts[0].leverage",
    ),
    (
        "A zero volatility target.",
        Change::Edit("target_vol = 0.15", "target_vol = 0.0"),
        "cohorts[2].target_vol",
    ),
    (
        "A negative maximum leverage.",
        Change::Edit("max_leverage = 2.0", "max_leverage = -2.0"),
        "cohorts[2].max_leverage",
    ),
    (
        "A missing initial volatility.",
        Change::Edit("initial_vol = 0.15", ""),
        "cohorts[2].initial_vol",
    ),
    (
        "A zero EWMA half-life.",
        Change::Edit("ewma_half_life_hours = 168.0", "ewma_half_life_hours = 0.0"),
        "cohorts[2].ewma_half_life_hours",
    ),
    (
        "A fund without weights.",
        Change::Edit("weights = { NVDA = 1.0 }", ""),
        "cohorts[1].weights",
    ),
    (
        "A key of another kind on a cohort (an ETF's `aum` on a margin book).",
        Change::Edit("equity = 6.0e9", "equity = 6.0e9\naum = 1.0"),
        "cohorts[0].aum",
    ),
    (
        "An unknown cohort kind.",
        Change::Edit("kind = \"margin\"", "kind = \"margins\""),
        "cohorts[0].kind",
    ),
    (
        "A misspelt asset key.",
        Change::Edit("vol = 0.45", "vols = 0.45"),
        "assets[2].vols",
    ),
    (
        "A misspelt table name.",
        Change::Edit("[regimes]", "[regime]"),
        "regime",
    ),
    (
        "A misspelt cohort key.",
        Change::Edit(
            "maintenance_margin = 0.005",
            "maintenance_margin = 0.005\nliquidation_feee = 0.01",
        ),
        "cohorts[0].liquidation_feee",
    ),
    (
        "A missing required asset key.",
        Change::Edit("price = 2600.0", ""),
        "assets[1].price",
    ),
    (
        "A string where a number is needed.",
        Change::Edit("depth = 4.0e8", "depth = \"deep\""),
        "assets[1].depth",
    ),
    (
        "An empty scenario name.",
        Change::Edit("name = \"base\"", "name = \"\""),
        "name",
    ),
];

/// Each case of REJECTED is refused at its field; every failing case is reported.
#[test]
fn every_bad_input_is_refused_at_its_field() {
    let failures: Vec<String> = REJECTED
        .iter()
        .filter_map(|(what, change, field)| {
            change
                .scenario()
                .and_then(|toml| refusal(&toml, field))
                .err()
                .map(|why| format!("{what} {why}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        REJECTED.len(),
        failures.join("\n")
    );
}

/// Broken TOML syntax is reported at `toml` with the line and column.
#[test]
fn malformed_toml() {
    let message = rejected_at(&edited("steps = 24", "steps = = 24"), "toml");
    let line = 1 + BASE
        .lines()
        .position(|l| l == "steps = 24")
        .expect("in BASE");
    assert!(message.contains(&format!("line {line}")), "{message}");
}

/// The leverage limit error says which maximum is allowed.
#[test]
fn margin_limit_names_the_maximum() {
    let message = rejected_at(
        &edited("leverage = 10.0", "leverage = 250.0"),
        "cohorts[0].leverage",
    );
    assert!(message.contains("200"), "{message}");
}

/// All pairwise correlations −0.6 among three assets give eigenvalues 1.6, 1.6 and −0.2: the
/// error names the regime and reports −0.2.
#[test]
fn non_positive_definite_reports_smallest_eigenvalue() {
    let blocks = "within = { crypto = -0.6 }\nbetween = [[\"crypto\", \"semis\", -0.6]]";
    for regime in ["calm", "stress"] {
        let toml = appended(&format!("[correlation.{regime}]\n{blocks}"));
        let message = rejected_at(&toml, &format!("correlation.{regime}"));
        assert!(message.contains("-0.2"), "{message}");
    }
}

/// A correlation of exactly 1 between two assets makes the matrix singular, not positive
/// definite.
#[test]
fn perfect_correlation_is_singular() {
    let message = rejected_at(
        &appended("[correlation.calm]\nwithin = { crypto = 1.0 }"),
        "correlation.calm",
    );
    assert!(message.contains("eigenvalue"), "{message}");
}

/// A bare word that is neither a built-in nor a file is a usage error listing the built-ins.
#[test]
fn unknown_builtin_name() {
    let err = load("no-such-scenario").expect_err("not a built-in");
    assert_eq!(err.exit_code(), 2);
    assert!(matches!(err, Error::Usage(_)), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("crypto-unwind") && message.contains("calm-market"),
        "{message}"
    );
}

/// A path to a missing file is a read error (exit status 2).
#[test]
fn missing_file() {
    let err = load("no/such/dir/scenario.toml").expect_err("no such file");
    assert_eq!(err.exit_code(), 2);
    assert!(matches!(err, Error::Read { .. }), "{err:?}");
}
