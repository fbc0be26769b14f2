//! The scenario file as written (MODEL.md §5): serde types that mirror the TOML one to one.
//! Unknown keys are rejected everywhere, so a typo is an error rather than a silent default.
//! Nothing here is checked beyond its TOML type; `compile` validates and normalises.

use std::collections::BTreeMap;

use serde::Deserialize;

/// Signed numbers keyed by asset name (`weights`, `notional`, `loadings`).
pub type PerAsset = BTreeMap<String, f64>;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Defaults to the file's stem (or the built-in's name).
    pub name: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub simulation: Simulation,
    #[serde(default)]
    pub market: Market,
    #[serde(default)]
    pub regimes: Regimes,
    #[serde(default)]
    pub assets: Vec<Asset>,
    pub correlation: Option<Correlations>,
    #[serde(default)]
    pub jumps: Vec<Jump>,
    #[serde(default)]
    pub cohorts: Vec<Cohort>,
}

/// `[simulation]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Simulation {
    pub paths: Option<u64>,
    /// Required; optional here so its absence is reported as `simulation.steps`.
    pub steps: Option<u32>,
    pub step_hours: Option<f64>,
    pub seed: Option<u64>,
    pub max_cascade_rounds: Option<u32>,
}

/// `[market]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Market {
    pub impact: Option<Impact>,
    pub impact_half_life_hours: Option<f64>,
    pub student_t_dof: Option<u32>,
}

/// `impact = "linear" | "sqrt"`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Impact {
    Linear,
    Sqrt,
}

/// `[regimes]`; absent means always calm.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Regimes {
    pub initial_stress_probability: Option<f64>,
    pub calm_to_stress_per_step: Option<f64>,
    pub stress_to_calm_per_step: Option<f64>,
    pub stress_depth_multiplier: Option<f64>,
}

/// One `[[assets]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Asset {
    pub name: String,
    pub sector: Option<String>,
    pub price: f64,
    pub vol: f64,
    pub stress_vol_multiplier: Option<f64>,
    pub drift: Option<f64>,
    pub depth: f64,
}

/// `[correlation]`: one block per regime.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correlations {
    pub calm: Option<CorrelationSpec>,
    pub stress: Option<CorrelationSpec>,
}

/// `[correlation.calm]` or `[correlation.stress]`: an explicit `matrix` in asset order, or
/// sector blocks (`default`, `within`, `between`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrelationSpec {
    pub matrix: Option<Vec<Vec<f64>>>,
    pub default: Option<f64>,
    #[serde(default)]
    pub within: BTreeMap<String, f64>,
    #[serde(default)]
    pub between: Vec<SectorPair>,
}

/// `["crypto", "semis", 0.3]`.
#[derive(Debug, Deserialize)]
#[serde(expecting = "a [sector, sector, correlation] triple")]
pub struct SectorPair(pub String, pub String, pub f64);

/// One `[[jumps]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Jump {
    pub name: String,
    pub intensity_per_year: f64,
    pub mean: f64,
    pub stdev: Option<f64>,
    pub loadings: PerAsset,
}

/// `kind` of a cohort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Margin,
    LeveragedEtf,
    VolTarget,
}

impl Kind {
    /// As written in the file.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Margin => "margin",
            Kind::LeveragedEtf => "leveraged_etf",
            Kind::VolTarget => "vol_target",
        }
    }

    /// The cohort keys this kind uses, besides `name`, `kind` and `impact`.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Kind::Margin => &[
                "equity",
                "weights",
                "notional",
                "leverage",
                "maintenance_margin",
                "liquidation_fee",
                "accounts",
            ],
            Kind::LeveragedEtf => &["aum", "leverage", "weights", "rebalance_hours"],
            Kind::VolTarget => &[
                "equity",
                "weights",
                "target_vol",
                "max_leverage",
                "initial_vol",
                "ewma_half_life_hours",
                "rebalance_hours",
            ],
        }
    }
}

/// One `[[cohorts]]` entry. The fields of all kinds live side by side so that every error
/// carries its exact key path; `compile` rejects a field that does not belong to `kind`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cohort {
    pub name: String,
    pub kind: Kind,
    pub impact: Option<bool>,
    pub equity: Option<f64>,
    pub weights: Option<PerAsset>,
    pub notional: Option<PerAsset>,
    pub leverage: Option<Leverage>,
    pub maintenance_margin: Option<f64>,
    pub liquidation_fee: Option<f64>,
    pub accounts: Option<f64>,
    pub aum: Option<f64>,
    pub rebalance_hours: Option<f64>,
    pub target_vol: Option<f64>,
    pub max_leverage: Option<f64>,
    pub initial_vol: Option<f64>,
    pub ewma_half_life_hours: Option<f64>,
}

impl Cohort {
    /// The kind-specific keys present in the file, in declaration order.
    pub fn given_fields(&self) -> Vec<&'static str> {
        [
            ("equity", self.equity.is_some()),
            ("weights", self.weights.is_some()),
            ("notional", self.notional.is_some()),
            ("leverage", self.leverage.is_some()),
            ("maintenance_margin", self.maintenance_margin.is_some()),
            ("liquidation_fee", self.liquidation_fee.is_some()),
            ("accounts", self.accounts.is_some()),
            ("aum", self.aum.is_some()),
            ("rebalance_hours", self.rebalance_hours.is_some()),
            ("target_vol", self.target_vol.is_some()),
            ("max_leverage", self.max_leverage.is_some()),
            ("initial_vol", self.initial_vol.is_some()),
            ("ewma_half_life_hours", self.ewma_half_life_hours.is_some()),
        ]
        .into_iter()
        .filter_map(|(key, given)| given.then_some(key))
        .collect()
    }
}

/// The three ways to write a margin cohort's `leverage` (MODEL.md §3).
#[derive(Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "must be a number, [[leverage, equity_share], …] or { median, sigma, buckets }"
)]
pub enum Leverage {
    Single(f64),
    Shares(Vec<(f64, f64)>),
    Lognormal(Lognormal),
}

/// `leverage = { median, sigma, buckets }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lognormal {
    pub median: f64,
    pub sigma: f64,
    pub buckets: u32,
}
