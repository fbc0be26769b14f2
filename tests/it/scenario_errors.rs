//! Every kind of bad scenario is rejected as a scenario error (exit status 2) that names the
//! offending key path. Each case edits one thing in a small valid base scenario.

use firesale::Error;
use firesale::scenario::{compile_str, load};

/// A valid scenario: three assets in two sectors, a jump, and one cohort of each kind.
const BASE: &str = r#"
name = "base"

[simulation]
steps = 24
step_hours = 1.0
seed = 7

[market]
impact = "sqrt"

[regimes]
initial_stress_probability = 0.1
stress_depth_multiplier = 0.5

[[assets]]
name = "BTC"
sector = "crypto"
price = 80000.0
vol = 0.5
stress_vol_multiplier = 2.0
depth = 8.0e8

[[assets]]
name = "ETH"
sector = "crypto"
price = 2600.0
vol = 0.7
depth = 4.0e8

[[assets]]
name = "NVDA"
sector = "semis"
price = 180.0
vol = 0.45
depth = 3.0e9

[[jumps]]
name = "crash"
intensity_per_year = 4.0
mean = -0.08
stdev = 0.04
loadings = { BTC = 1.0, ETH = 1.3 }

[[cohorts]]
name = "perp-longs"
kind = "margin"
equity = 6.0e9
weights = { BTC = 0.6, ETH = 0.4 }
leverage = 10.0
maintenance_margin = 0.005

[[cohorts]]
name = "semis-3x"
kind = "leveraged_etf"
aum = 1.0e10
leverage = 3.0
weights = { NVDA = 1.0 }
rebalance_hours = 24.0

[[cohorts]]
name = "vol-target"
kind = "vol_target"
equity = 5.0e10
weights = { BTC = 0.2, NVDA = 0.8 }
target_vol = 0.15
max_leverage = 2.0
initial_vol = 0.15
ewma_half_life_hours = 168.0
rebalance_hours = 12.0
"#;

/// The base with its one occurrence of `from` replaced by `to`.
fn edit(from: &str, to: &str) -> String {
    assert_eq!(
        BASE.matches(from).count(),
        1,
        "`{from}` must occur once in BASE"
    );
    BASE.replace(from, to)
}

/// The base with `extra` appended (new tables or array entries).
fn append(extra: &str) -> String {
    format!("{BASE}\n{extra}\n")
}

/// Compiles `toml`, expecting a scenario error at `field`; returns its message.
fn rejected_at(toml: &str, field: &str) -> String {
    match compile_str(toml, "test.toml") {
        Ok(_) => panic!("expected an error at `{field}`, but the scenario compiled"),
        Err(err) => {
            assert_eq!(err.exit_code(), 2, "{err}");
            match err {
                Error::Scenario {
                    field: got,
                    message,
                } => {
                    assert_eq!(got, field, "wrong field; message: {message}");
                    message
                }
                other => panic!("expected a scenario error, got {other:?}"),
            }
        }
    }
}

/// The base itself is valid, so every failure below comes from its one edit.
#[test]
fn base_compiles() {
    compile_str(BASE, "test.toml").expect("BASE is valid");
}

/// One test per bad input: `name: scenario text => expected field path;`.
macro_rules! rejects {
    ($($(#[doc = $doc:literal])* $name:ident: $toml:expr => $field:literal;)*) => {
        $(
            $(#[doc = $doc])*
            #[test]
            fn $name() {
                rejected_at(&$toml, $field);
            }
        )*
    };
}

rejects! {
    /// A scenario without assets.
    no_assets: "[simulation]\nsteps = 1\n" => "assets";
    /// Two assets with the same name.
    duplicate_asset_name: edit("name = \"ETH\"", "name = \"BTC\"") => "assets[1].name";
    /// Two cohorts with the same name.
    duplicate_cohort_name: edit("name = \"semis-3x\"", "name = \"perp-longs\"")
        => "cohorts[1].name";
    /// Two jump types with the same name.
    duplicate_jump_name: append(
        "[[jumps]]\nname = \"crash\"\nintensity_per_year = 1.0\nmean = -0.1\n\
         loadings = { BTC = 1.0 }"
    ) => "jumps[1].name";
    /// An empty asset name.
    empty_asset_name: edit("name = \"NVDA\"", "name = \"\"") => "assets[2].name";
    /// Margin weights naming an asset that does not exist.
    weights_unknown_asset: edit("{ BTC = 0.6, ETH = 0.4 }", "{ BTC = 0.6, XYZ = 0.4 }")
        => "cohorts[0].weights.XYZ";
    /// A notional naming an asset that does not exist.
    notional_unknown_asset: edit(
        "weights = { BTC = 0.6, ETH = 0.4 }\nleverage = 10.0",
        "notional = { BTC = 1.0e9, XYZ = -1.0e9 }",
    ) => "cohorts[0].notional.XYZ";
    /// Jump loadings naming an asset that does not exist.
    loadings_unknown_asset: edit("{ BTC = 1.0, ETH = 1.3 }", "{ BTC = 1.0, XYZ = 1.3 }")
        => "jumps[0].loadings.XYZ";
    /// Fund weights naming an asset that does not exist.
    fund_weights_unknown_asset: edit("{ NVDA = 1.0 }", "{ AMD = 1.0 }") => "cohorts[1].weights.AMD";
    /// `between` naming a sector no asset has.
    between_unknown_sector: append("[correlation.calm]\nbetween = [[\"crypto\", \"energy\", 0.3]]")
        => "correlation.calm.between[0]";
    /// The same sector pair twice in `between`, in either order.
    between_pair_twice: append(
        "[correlation.calm]\nbetween = [[\"crypto\", \"semis\", 0.3], [\"semis\", \"crypto\", 0.4]]"
    ) => "correlation.calm.between[1]";
    /// A `between` pair of a sector with itself.
    between_same_sector: append("[correlation.calm]\nbetween = [[\"crypto\", \"crypto\", 0.3]]")
        => "correlation.calm.between[0]";
    /// `within` naming a sector no asset has.
    within_unknown_sector: append("[correlation.stress]\nwithin = { energy = 0.5 }")
        => "correlation.stress.within.energy";
    /// A correlation above 1.
    correlation_above_one: append("[correlation.calm]\ndefault = 1.5")
        => "correlation.calm.default";
    /// A correlation below −1 in a `between` triple.
    correlation_below_minus_one: append(
        "[correlation.calm]\nbetween = [[\"crypto\", \"semis\", -1.2]]",
    ) => "correlation.calm.between[0]";
    /// An explicit matrix that is not symmetric.
    matrix_not_symmetric: append(
        "[correlation.calm]\nmatrix = [[1.0, 0.3, 0.0], [0.2, 1.0, 0.0], [0.0, 0.0, 1.0]]"
    ) => "correlation.calm.matrix[0][1]";
    /// An explicit matrix with too few rows.
    matrix_wrong_rows: append("[correlation.calm]\nmatrix = [[1.0, 0.3], [0.3, 1.0]]")
        => "correlation.calm.matrix";
    /// An explicit matrix with a short row.
    matrix_short_row: append(
        "[correlation.calm]\nmatrix = [[1.0, 0.3, 0.0], [0.3, 1.0], [0.0, 0.0, 1.0]]"
    ) => "correlation.calm.matrix[1]";
    /// An explicit matrix whose diagonal is not 1.
    matrix_diagonal_not_one: append(
        "[correlation.calm]\nmatrix = [[1.0, 0.3, 0.0], [0.3, 0.9, 0.0], [0.0, 0.0, 1.0]]"
    ) => "correlation.calm.matrix[1][1]";
    /// An explicit matrix together with sector blocks.
    matrix_and_blocks: append(
        "[correlation.calm]\ndefault = 0.1\n\
         matrix = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]"
    ) => "correlation.calm.matrix";
    /// A cohort whose weights are all zero.
    weights_all_zero: edit("{ BTC = 0.6, ETH = 0.4 }", "{ BTC = 0.0, ETH = 0.0 }")
        => "cohorts[0].weights";
    /// A negative price.
    negative_price: edit("price = 80000.0", "price = -80000.0") => "assets[0].price";
    /// A zero depth.
    zero_depth: edit("depth = 3.0e9", "depth = 0.0") => "assets[2].depth";
    /// A NaN equity.
    nan_equity: edit("equity = 6.0e9", "equity = nan") => "cohorts[0].equity";
    /// An infinite AUM.
    infinite_aum: edit("aum = 1.0e10", "aum = inf") => "cohorts[1].aum";
    /// Zero accounts.
    zero_accounts: edit("maintenance_margin = 0.005", "maintenance_margin = 0.005\naccounts = 0")
        => "cohorts[0].accounts";
    /// A negative volatility.
    negative_vol: edit("vol = 0.7", "vol = -0.7") => "assets[1].vol";
    /// A zero stress volatility multiplier.
    zero_stress_vol_multiplier: edit("stress_vol_multiplier = 2.0", "stress_vol_multiplier = 0.0")
        => "assets[0].stress_vol_multiplier";
    /// A negative stress depth multiplier.
    negative_stress_depth_multiplier: edit(
        "stress_depth_multiplier = 0.5",
        "stress_depth_multiplier = -0.5",
    ) => "regimes.stress_depth_multiplier";
    /// A probability above 1.
    probability_above_one: edit(
        "initial_stress_probability = 0.1",
        "initial_stress_probability = 1.5",
    ) => "regimes.initial_stress_probability";
    /// A negative switching probability.
    negative_probability: edit("[regimes]", "[regimes]\ncalm_to_stress_per_step = -0.1")
        => "regimes.calm_to_stress_per_step";
    /// A negative jump intensity.
    negative_intensity: edit("intensity_per_year = 4.0", "intensity_per_year = -4.0")
        => "jumps[0].intensity_per_year";
    /// A negative jump stdev.
    negative_jump_stdev: edit("stdev = 0.04", "stdev = -0.04") => "jumps[0].stdev";
    /// Jump loadings that name no asset.
    empty_loadings: edit("{ BTC = 1.0, ETH = 1.3 }", "{}") => "jumps[0].loadings";
    /// Leverage exactly 1/maintenance_margin.
    leverage_at_margin_limit: edit("leverage = 10.0", "leverage = 200.0") => "cohorts[0].leverage";
    /// A lognormal spread whose top bucket is above 1/maintenance_margin.
    lognormal_above_margin_limit: edit(
        "leverage = 10.0",
        "leverage = { median = 50.0, sigma = 1.0, buckets = 16 }",
    ) => "cohorts[0].leverage";
    /// A notional whose gross exposure / equity is above 1/maintenance_margin.
    notional_above_margin_limit: edit(
        "weights = { BTC = 0.6, ETH = 0.4 }\nleverage = 10.0",
        "notional = { BTC = 1.0e12, ETH = -2.0e11 }",
    ) => "cohorts[0].notional";
    /// A maintenance margin of 1.
    maintenance_margin_one: edit("maintenance_margin = 0.005", "maintenance_margin = 1.0")
        => "cohorts[0].maintenance_margin";
    /// A negative maintenance margin.
    maintenance_margin_negative: edit("maintenance_margin = 0.005", "maintenance_margin = -0.005")
        => "cohorts[0].maintenance_margin";
    /// A missing maintenance margin.
    maintenance_margin_missing: edit("maintenance_margin = 0.005", "")
        => "cohorts[0].maintenance_margin";
    /// A negative liquidation fee.
    negative_liquidation_fee: edit(
        "maintenance_margin = 0.005",
        "maintenance_margin = 0.005\nliquidation_fee = -0.01",
    ) => "cohorts[0].liquidation_fee";
    /// A rebalance interval that is not a whole number of steps.
    rebalance_not_whole_steps: edit("rebalance_hours = 12.0", "rebalance_hours = 12.5")
        => "cohorts[2].rebalance_hours";
    /// A rebalance interval shorter than one step.
    rebalance_below_one_step: edit("rebalance_hours = 24.0", "rebalance_hours = 0.5")
        => "cohorts[1].rebalance_hours";
    /// A zero rebalance interval.
    rebalance_zero: edit("rebalance_hours = 24.0", "rebalance_hours = 0.0")
        => "cohorts[1].rebalance_hours";
    /// Student-t degrees of freedom below 3.
    student_t_dof_too_low: edit("impact = \"sqrt\"", "impact = \"sqrt\"\nstudent_t_dof = 2")
        => "market.student_t_dof";
    /// Student-t degrees of freedom above 30.
    student_t_dof_too_high: edit("impact = \"sqrt\"", "impact = \"sqrt\"\nstudent_t_dof = 31")
        => "market.student_t_dof";
    /// Student-t degrees of freedom that are not an integer.
    student_t_dof_not_integer: edit("impact = \"sqrt\"", "impact = \"sqrt\"\nstudent_t_dof = 4.5")
        => "market.student_t_dof";
    /// Zero steps.
    zero_steps: edit("steps = 24", "steps = 0") => "simulation.steps";
    /// No `steps` at all.
    missing_steps: edit("steps = 24", "") => "simulation.steps";
    /// No `[simulation]` table, hence no steps.
    missing_simulation: edit("[simulation]\nsteps = 24\nstep_hours = 1.0\nseed = 7", "")
        => "simulation.steps";
    /// Zero paths.
    zero_paths: edit("steps = 24", "steps = 24\npaths = 0") => "simulation.paths";
    /// A zero step length.
    zero_step_hours: edit("step_hours = 1.0", "step_hours = 0.0") => "simulation.step_hours";
    /// Zero cascade rounds.
    zero_cascade_rounds: edit("steps = 24", "steps = 24\nmax_cascade_rounds = 0")
        => "simulation.max_cascade_rounds";
    /// A negative seed (the seed is a u64).
    negative_seed: edit("seed = 7", "seed = -7") => "simulation.seed";
    /// A negative impact half-life.
    negative_half_life: edit(
        "impact = \"sqrt\"",
        "impact = \"sqrt\"\nimpact_half_life_hours = -1.0",
    ) => "market.impact_half_life_hours";
    /// An impact shape other than "linear" or "sqrt".
    unknown_impact_shape: edit("impact = \"sqrt\"", "impact = \"cubic\"") => "market.impact";
    /// A cohort `impact` that is not a bool.
    cohort_impact_not_bool: edit("kind = \"margin\"", "kind = \"margin\"\nimpact = \"no\"")
        => "cohorts[0].impact";
    /// A leveraged ETF with leverage 0.
    etf_leverage_zero: edit("leverage = 3.0", "leverage = 0.0") => "cohorts[1].leverage";
    /// A leveraged ETF with a leverage spread instead of one number.
    etf_leverage_not_number: edit("leverage = 3.0", "leverage = [[3.0, 1.0]]")
        => "cohorts[1].leverage";
    /// A leverage list with a negative share.
    leverage_share_negative: edit("leverage = 10.0", "leverage = [[10.0, 0.5], [5.0, -0.5]]")
        => "cohorts[0].leverage[1]";
    /// A leverage list whose shares are all zero.
    leverage_shares_all_zero: edit("leverage = 10.0", "leverage = [[10.0, 0.0], [5.0, 0.0]]")
        => "cohorts[0].leverage";
    /// A leverage list with a negative leverage.
    leverage_list_negative_leverage: edit("leverage = 10.0", "leverage = [[-10.0, 1.0]]")
        => "cohorts[0].leverage[0]";
    /// A negative single leverage.
    leverage_negative: edit("leverage = 10.0", "leverage = -10.0") => "cohorts[0].leverage";
    /// A lognormal spread with zero buckets.
    lognormal_zero_buckets: edit(
        "leverage = 10.0",
        "leverage = { median = 10.0, sigma = 0.5, buckets = 0 }",
    ) => "cohorts[0].leverage.buckets";
    /// A lognormal spread with a negative sigma.
    lognormal_negative_sigma: edit(
        "leverage = 10.0",
        "leverage = { median = 10.0, sigma = -0.5, buckets = 4 }",
    ) => "cohorts[0].leverage.sigma";
    /// A lognormal spread with a median below 1.
    lognormal_median_below_one: edit(
        "leverage = 10.0",
        "leverage = { median = 0.5, sigma = 0.5, buckets = 4 }",
    ) => "cohorts[0].leverage.median";
    /// A leverage that is neither a number, a list nor a lognormal table.
    leverage_wrong_shape: edit(
        "leverage = 10.0",
        "leverage = { median = 10.0, sigmaa = 0.5, buckets = 4 }",
    ) => "cohorts[0].leverage";
    /// Both `notional` and `weights`.
    notional_and_weights: edit("leverage = 10.0", "notional = { BTC = 1.0e9 }")
        => "cohorts[0].notional";
    /// Both `notional` and `leverage`.
    notional_and_leverage: edit("weights = { BTC = 0.6, ETH = 0.4 }", "notional = { BTC = 1.0e9 }")
        => "cohorts[0].notional";
    /// Neither `notional` nor `weights`.
    no_position: edit("weights = { BTC = 0.6, ETH = 0.4 }\nleverage = 10.0", "")
        => "cohorts[0].weights";
    /// `weights` without `leverage`.
    weights_without_leverage: edit("leverage = 10.0", "") => "cohorts[0].leverage";
    /// A zero volatility target.
    zero_target_vol: edit("target_vol = 0.15", "target_vol = 0.0") => "cohorts[2].target_vol";
    /// A negative maximum leverage.
    negative_max_leverage: edit("max_leverage = 2.0", "max_leverage = -2.0")
        => "cohorts[2].max_leverage";
    /// A missing initial volatility.
    missing_initial_vol: edit("initial_vol = 0.15", "") => "cohorts[2].initial_vol";
    /// A zero EWMA half-life.
    zero_ewma_half_life: edit("ewma_half_life_hours = 168.0", "ewma_half_life_hours = 0.0")
        => "cohorts[2].ewma_half_life_hours";
    /// A fund without weights.
    fund_missing_weights: edit("weights = { NVDA = 1.0 }", "") => "cohorts[1].weights";
    /// A key of another kind on a cohort (an ETF's `aum` on a margin book).
    foreign_cohort_key: edit("equity = 6.0e9", "equity = 6.0e9\naum = 1.0") => "cohorts[0].aum";
    /// An unknown cohort kind.
    unknown_kind: edit("kind = \"margin\"", "kind = \"margins\"") => "cohorts[0].kind";
    /// A misspelt asset key.
    typo_in_asset_key: edit("vol = 0.45", "vols = 0.45") => "assets[2].vols";
    /// A misspelt table name.
    typo_in_table_name: edit("[regimes]", "[regime]") => "regime";
    /// A misspelt cohort key.
    typo_in_cohort_key: edit(
        "maintenance_margin = 0.005",
        "maintenance_margin = 0.005\nliquidation_feee = 0.01",
    ) => "cohorts[0].liquidation_feee";
    /// A missing required asset key.
    missing_price: edit("price = 2600.0", "") => "assets[1].price";
    /// A string where a number is needed.
    string_for_number: edit("depth = 4.0e8", "depth = \"deep\"") => "assets[1].depth";
    /// An empty scenario name.
    empty_name: edit("name = \"base\"", "name = \"\"") => "name";
}

/// Broken TOML syntax is reported at `toml` with the line and column.
#[test]
fn malformed_toml() {
    let message = rejected_at(&edit("steps = 24", "steps = = 24"), "toml");
    assert!(message.contains("line 5"), "{message}");
}

/// The leverage limit error says which maximum is allowed.
#[test]
fn margin_limit_names_the_maximum() {
    let message = rejected_at(
        &edit("leverage = 10.0", "leverage = 250.0"),
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
        let toml = append(&format!("[correlation.{regime}]\n{blocks}"));
        let message = rejected_at(&toml, &format!("correlation.{regime}"));
        assert!(message.contains("-0.2"), "{message}");
    }
}

/// A correlation of exactly 1 between two assets makes the matrix singular, not positive
/// definite.
#[test]
fn perfect_correlation_is_singular() {
    let message = rejected_at(
        &append("[correlation.calm]\nwithin = { crypto = 1.0 }"),
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
