//! The summary document of a run: every key of MODEL.md §6 (and a few more), built from the
//! run's totals. `--json` serialises it; the terminal view renders it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{CohortKind, Model};
use crate::summary::BackendInfo;
use crate::summary::metrics::{self, RunTotals, has_liquidations};
use crate::summary::{MetricSummary, Stats};

/// Tail levels of `var` and `es`.
pub const TAIL_LEVELS: [(&str, f64); 3] = [("0.95", 0.95), ("0.99", 0.99), ("0.999", 0.999)];

#[derive(Debug, Clone, Serialize)]
pub struct Backend {
    pub kind: String,
    pub adapter: String,
    /// How `--backend auto` chose the engine: shown on the terminal, kept out of the JSON
    /// so that a merged sharded run's summary equals the unsharded one's.
    #[serde(skip)]
    pub selection: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CohortSummary {
    pub kind: String,
    /// Equity (margin, vol-target) or aum (ETF) at t = 0, USD.
    pub initial_equity: f64,
    pub loss: Stats,
    pub var: BTreeMap<String, f64>,
    pub es: BTreeMap<String, f64>,
    pub p_liquidation: f64,
    pub liquidated_notional: Stats,
    pub accounts_liquidated: Stats,
    pub bad_debt: Stats,
    pub p_bad_debt: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssetSummary {
    pub initial_price: f64,
    #[serde(rename = "return")]
    pub return_: Stats,
    pub max_drawdown: Stats,
    pub impact_return: Stats,
}

/// What "forced-selling effect" means wherever firesale shows it (terminal, report.html,
/// captions): [`AssetSummary::forced_selling_effect`].
pub const FORCED_SELLING_EFFECT: &str = "forced-selling effect: the 1-in-100 impact return \
     (1% quantile of exp(I) − 1 at the end of the horizon), the price move that liquidations \
     and fund flows alone caused on the 1 path in 100 where they pushed the price down most";

impl CohortSummary {
    /// Whether the cohort's accounts can be liquidated (margin books; funds and ETFs sell).
    pub fn can_be_liquidated(&self) -> bool {
        self.kind == "margin"
    }

    /// ES 99% as a share of the initial equity.
    pub fn es_share(&self) -> f64 {
        self.es.get("0.99").copied().unwrap_or(0.0) / self.initial_equity
    }
}

impl AssetSummary {
    /// The 1% quantile of the impact return: see [`FORCED_SELLING_EFFECT`].
    pub fn forced_selling_effect(&self) -> f64 {
        quantile(&self.impact_return, "0.01")
    }
}

/// The quantile of `stats` at the JSON key `key` ("0.99"); 0 where it was not kept.
pub fn quantile(stats: &Stats, key: &str) -> f64 {
    stats.quantiles.get(key).copied().unwrap_or(0.0)
}

#[derive(Debug, Clone, Serialize)]
pub struct SystemSummary {
    pub liquidated_notional: Stats,
    pub forced_selling: Stats,
    pub rounds_exhausted_paths: u64,
    /// Per-path values that came out NaN or infinite (counted, excluded from the stats).
    pub nonfinite_values: u64,
}

/// The whole summary of a run, in the field order of MODEL.md §6.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub scenario: String,
    /// Paths simulated (fewer than requested when the run was stopped early).
    pub paths: u64,
    pub paths_requested: u64,
    pub partial: bool,
    pub steps: u32,
    pub step_hours: f64,
    pub seed: u64,
    pub backend: Backend,
    pub elapsed_seconds: f64,
    pub cohorts: Named<CohortSummary>,
    pub assets: Named<AssetSummary>,
    pub system: SystemSummary,
}

/// The inputs that are not in the totals.
pub struct RunInfo<'a> {
    pub model: &'a Model,
    pub paths_requested: u64,
    pub partial: bool,
    pub backend: &'a BackendInfo,
    pub elapsed_seconds: f64,
}

impl RunSummary {
    pub fn new(info: &RunInfo, totals: &RunTotals) -> Self {
        let model = info.model;
        let share = |count: u64| {
            if totals.paths == 0 {
                0.0
            } else {
                count as f64 / totals.paths as f64
            }
        };
        let cohorts = model
            .cohorts
            .iter()
            .enumerate()
            .map(|(c, cohort)| {
                let loss = totals.cohort(c, metrics::LOSS);
                let liquidates = has_liquidations(&cohort.kind);
                let summary = CohortSummary {
                    kind: cohort.kind.label().to_string(),
                    initial_equity: initial_equity(&cohort.kind),
                    loss: loss.stats(),
                    var: tail_levels(loss, MetricSummary::quantile),
                    es: tail_levels(loss, MetricSummary::tail_mean),
                    p_liquidation: if liquidates {
                        share(totals.liquidated_paths[c])
                    } else {
                        0.0
                    },
                    liquidated_notional: totals.cohort(c, metrics::LIQUIDATED_NOTIONAL).stats(),
                    accounts_liquidated: totals.cohort(c, metrics::ACCOUNTS_LIQUIDATED).stats(),
                    bad_debt: totals.cohort(c, metrics::BAD_DEBT).stats(),
                    p_bad_debt: if liquidates {
                        share(totals.bad_debt_paths[c])
                    } else {
                        0.0
                    },
                };
                (cohort.name.clone(), summary)
            })
            .collect();
        let assets = model
            .assets
            .iter()
            .enumerate()
            .map(|(k, asset)| {
                let summary = AssetSummary {
                    initial_price: asset.price_usd,
                    return_: totals.asset(k, metrics::RETURN).stats(),
                    max_drawdown: totals.asset(k, metrics::MAX_DRAWDOWN).stats(),
                    impact_return: totals.asset(k, metrics::IMPACT_RETURN).stats(),
                };
                (asset.name.clone(), summary)
            })
            .collect();
        RunSummary {
            scenario: model.name.clone(),
            paths: totals.paths,
            paths_requested: info.paths_requested,
            partial: info.partial,
            steps: model.steps,
            step_hours: model.step_hours,
            seed: model.seed,
            backend: Backend {
                kind: info.backend.kind.clone(),
                adapter: info.backend.adapter.clone(),
                selection: info.backend.selection.clone(),
            },
            elapsed_seconds: info.elapsed_seconds,
            cohorts: Named(cohorts),
            assets: Named(assets),
            system: SystemSummary {
                liquidated_notional: totals.system(metrics::SYSTEM_LIQUIDATED_NOTIONAL).stats(),
                forced_selling: totals.system(metrics::FORCED_SELLING).stats(),
                rounds_exhausted_paths: totals.rounds_exhausted_paths,
                nonfinite_values: totals.nonfinite_values(),
            },
        }
    }

    /// Pretty JSON text, newline-terminated.
    pub fn to_json(&self) -> String {
        crate::report::file::pretty_json(self)
    }
}

/// Equity (margin, vol-target) or aum (ETF) of a cohort at t = 0, USD.
pub fn initial_equity(kind: &CohortKind) -> f64 {
    match kind {
        CohortKind::Margin(book) => book.equity_usd,
        CohortKind::LeveragedEtf(etf) => etf.aum_usd,
        CohortKind::VolTarget(fund) => fund.equity_usd,
    }
}

fn tail_levels(loss: &MetricSummary, f: fn(&MetricSummary, f64) -> f64) -> BTreeMap<String, f64> {
    TAIL_LEVELS
        .iter()
        .map(|(key, level)| (key.to_string(), f(loss, *level)))
        .collect()
}

/// Entries keyed by name, kept in scenario order and serialised as a JSON object.
#[derive(Debug, Clone)]
pub struct Named<T>(pub Vec<(String, T)>);

impl<T: Serialize> Serialize for Named<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(name, value)| (name, value)))
    }
}
