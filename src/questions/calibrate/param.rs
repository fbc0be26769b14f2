//! The cohort parameter a calibration varies (`--param`): what it means for each kind of
//! cohort, the values it may take without making the scenario invalid, and the model with it
//! set.
//!
//! - `leverage`: a scale s on the cohort's leverage: every bucket's L_b (margin), the ETF's λ,
//!   or the vol-target fund's `max_leverage`. A margin bucket must stay below 1/m.
//! - `equity`: a scale s on the cohort's size (margin or vol-target equity, ETF aum), leverage
//!   unchanged: a position limit. Accounts are unchanged (each account grows).
//! - `maintenance_margin`: m itself (margin cohorts only), with every bucket below 1/m.

use serde::Serialize;

use super::super::input;
use crate::model::{CohortKind, MarginBook, Model};
use crate::report::format::{Format, usd};
use crate::scenario::check;
use crate::{Error, Result};

/// `--param`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum Param {
    Leverage,
    MaintenanceMargin,
    Equity,
}

/// Default range of a scale: from 1% of the scenario's value to this multiple of it (or to
/// where a margin bucket would reach 1/m).
const SCALE_FLOOR: f64 = 0.01;
const LEVERAGE_SCALE_CAP: f64 = 10.0;
const EQUITY_SCALE_CAP: f64 = 100.0;
/// How close to the invalid edge (a bucket at 1/m) the default range goes, relatively.
const EDGE: f64 = 1e-6;

/// The cohort's parameters at one value, for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setting {
    /// Largest and equity-weighted mean leverage (the one leverage of a fund: ETF λ,
    /// vol-target `max_leverage`).
    pub leverage_max: f64,
    pub leverage_mean: f64,
    /// Equity (ETF: aum), USD.
    pub equity: f64,
    /// Margin cohorts only.
    pub maintenance_margin: Option<f64>,
}

impl Param {
    /// Parses `--param`; an unknown name lists the valid ones.
    pub fn parse(text: &str) -> Result<Param> {
        input::choice("--param", "parameter", text)
    }

    /// The name `--param` gives it.
    pub fn name(self) -> String {
        input::name(&self)
    }

    /// Whether the searched value multiplies the scenario's (leverage, equity) rather than
    /// replacing it (maintenance margin). Scales are searched on a log scale.
    pub fn is_scale(self) -> bool {
        self != Param::MaintenanceMargin
    }

    /// Whether larger values are the looser limit (more risk allowed): leverage and size;
    /// for a maintenance margin smaller is looser.
    pub fn larger_is_looser(self) -> bool {
        self.is_scale()
    }

    /// A usage error when the parameter does not apply to the cohort's kind.
    pub fn check(self, kind: &CohortKind, cohort: &str) -> Result<()> {
        match (self, kind) {
            (Param::MaintenanceMargin, CohortKind::Margin(_))
            | (Param::Leverage | Param::Equity, _) => Ok(()),
            (Param::MaintenanceMargin, other) => Err(Error::Usage(format!(
                "--param maintenance_margin: cohort '{cohort}' is a {} fund, which has no maintenance margin; valid for it: leverage, equity",
                other.label()
            ))),
        }
    }

    /// The searched value of the scenario as written: 1 for a scale, else m.
    pub fn current(self, kind: &CohortKind) -> f64 {
        match (self, kind) {
            (Param::MaintenanceMargin, CohortKind::Margin(book)) => book.maintenance_margin,
            _ => 1.0,
        }
    }

    /// The exclusive upper bound of valid values (below it the scenario stays valid and
    /// within the ranges a scenario may have), and why.
    fn edge(self, kind: &CohortKind) -> (f64, &'static str) {
        let setting = setting(kind);
        let in_range = match self {
            Param::Leverage => (
                check::LEVERAGE.high / setting.leverage_max.abs(),
                " (there the leverage would pass 1000, the most a scenario may have)",
            ),
            Param::Equity => (
                check::USD.high / setting.equity,
                " (there the equity would pass 1e15 USD, the most a scenario may have)",
            ),
            Param::MaintenanceMargin => (f64::INFINITY, ""),
        };
        let valid = match (self, kind) {
            (Param::Leverage, CohortKind::Margin(book)) if book.maintenance_margin > 0.0 => (
                1.0 / (book.maintenance_margin * top_leverage(book)),
                " (there the most levered bucket would reach 1/maintenance_margin and start in breach)",
            ),
            (Param::MaintenanceMargin, CohortKind::Margin(book)) => (
                (1.0 / top_leverage(book)).min(1.0),
                " (1/the most levered bucket's leverage: from there that bucket would start in breach)",
            ),
            _ => (f64::INFINITY, ""),
        };
        if in_range.0 < valid.0 {
            in_range
        } else {
            valid
        }
    }

    /// The range searched when `--min`/`--max` are not given.
    pub fn default_range(self, kind: &CohortKind) -> (f64, f64) {
        let (edge, _) = self.edge(kind);
        match self {
            Param::Leverage => (SCALE_FLOOR, LEVERAGE_SCALE_CAP.min(edge * (1.0 - EDGE))),
            Param::Equity => (SCALE_FLOOR, EQUITY_SCALE_CAP.min(edge * (1.0 - EDGE))),
            Param::MaintenanceMargin => (0.0, edge * (1.0 - EDGE)),
        }
    }

    /// The searched range: the default, narrowed or widened by `--min`/`--max`, which must
    /// keep the scenario valid (a scale above 0, a margin from 0, both below the edge).
    pub fn range(
        self,
        kind: &CohortKind,
        min: Option<f64>,
        max: Option<f64>,
    ) -> Result<(f64, f64)> {
        let (default_lo, default_hi) = self.default_range(kind);
        let (edge, why) = self.edge(kind);
        let lo = min.unwrap_or(default_lo);
        let hi = max.unwrap_or(default_hi);
        for (flag, value) in [("--min", lo), ("--max", hi)] {
            let above_floor = if self.is_scale() {
                value > 0.0
            } else {
                value >= 0.0
            };
            if !(value.is_finite() && above_floor && value < edge) {
                let what = if self.is_scale() {
                    format!("a scale on the cohort's {} must be above 0", self.name())
                } else {
                    "the maintenance margin must be at least 0".to_string()
                };
                let below = if edge.is_finite() {
                    format!(" and below {edge:.6}{why}")
                } else {
                    String::new()
                };
                return Err(Error::Usage(format!(
                    "{flag} {}: {what}{below}",
                    check::shown(value)
                )));
            }
        }
        if lo >= hi {
            return Err(Error::Usage(format!("--min {lo} must be below --max {hi}")));
        }
        Ok((lo, hi))
    }

    /// `model` with cohort `cohort`'s parameter at `value`.
    pub fn apply(self, model: &Model, cohort: usize, value: f64) -> Model {
        let mut model = model.clone();
        match (self, &mut model.cohorts[cohort].kind) {
            (Param::Leverage, CohortKind::Margin(book)) => {
                for bucket in &mut book.buckets {
                    bucket.leverage *= value;
                }
            }
            (Param::Leverage, CohortKind::LeveragedEtf(etf)) => etf.leverage *= value,
            (Param::Leverage, CohortKind::VolTarget(fund)) => fund.max_leverage *= value,
            (Param::Equity, CohortKind::Margin(book)) => book.equity_usd *= value,
            (Param::Equity, CohortKind::LeveragedEtf(etf)) => etf.aum_usd *= value,
            (Param::Equity, CohortKind::VolTarget(fund)) => fund.equity_usd *= value,
            (Param::MaintenanceMargin, CohortKind::Margin(book)) => {
                book.maintenance_margin = value;
            }
            (Param::MaintenanceMargin, _) => unreachable!("checked by Param::check"),
        }
        model
    }

    /// One line on the cohort at `value`: "leverage ×0.734: 1.0×–27.0× (mean 7.3×)".
    pub fn describe(self, kind: &CohortKind, value: f64) -> String {
        let setting = setting(kind);
        let leverage = if setting.leverage_max == setting.leverage_mean {
            Format::Multiple.show(setting.leverage_max)
        } else {
            format!(
                "up to {} (equity-weighted mean {})",
                Format::Multiple.show(setting.leverage_max),
                Format::Multiple.show(setting.leverage_mean)
            )
        };
        match self {
            Param::Leverage => format!("leverage scale {value:.4}: leverage {leverage}"),
            Param::Equity => format!(
                "size scale {value:.4}: equity {} at leverage {leverage}",
                usd(setting.equity)
            ),
            Param::MaintenanceMargin => {
                format!(
                    "maintenance margin {:.4}% (leverage {leverage})",
                    100.0 * value
                )
            }
        }
    }
}

/// The cohort's parameters as they stand in `kind`.
pub fn setting(kind: &CohortKind) -> Setting {
    match kind {
        CohortKind::Margin(book) => Setting {
            leverage_max: top_leverage(book),
            leverage_mean: book
                .buckets
                .iter()
                .map(|b| b.leverage * b.equity_share)
                .sum(),
            equity: book.equity_usd,
            maintenance_margin: Some(book.maintenance_margin),
        },
        CohortKind::LeveragedEtf(etf) => Setting {
            leverage_max: etf.leverage,
            leverage_mean: etf.leverage,
            equity: etf.aum_usd,
            maintenance_margin: None,
        },
        CohortKind::VolTarget(fund) => Setting {
            leverage_max: fund.max_leverage,
            leverage_mean: fund.max_leverage,
            equity: fund.equity_usd,
            maintenance_margin: None,
        },
    }
}

/// The largest bucket leverage (buckets are sorted highest first).
fn top_leverage(book: &MarginBook) -> f64 {
    book.buckets[0].leverage
}
