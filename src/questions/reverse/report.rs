//! The answer of a reverse stress test for people (text) and programs (`--json`).

use std::fmt::Write;

use serde::Serialize;

use super::target::Target;
use super::{Problem, Reverse};
use crate::model::Model;
use crate::questions::Answer;
use crate::questions::bundle::cascade_table;
use crate::questions::input::{self, Regime};
use crate::questions::path::{
    AssetOutcome, CohortOutcome, LiquidationEvent, Replayer, SystemOutcome,
};
use crate::report::Report;
use crate::report::format::{Format, usd};
use crate::report::summary::Named;
use crate::report::tables::Table;
use crate::summary::metrics::has_liquidations;

/// A shocked asset at one scale.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShockedAsset {
    /// The exogenous simple return RET·scale.
    #[serde(rename = "return")]
    pub return_: f64,
    /// The price after the exogenous move alone, USD.
    pub price: f64,
}

/// A margin cohort's first liquidation along the direction.
#[derive(Debug, Clone, Serialize)]
pub struct KeyLevel {
    /// `null` when the cohort is not liquidated up to `max_scale`.
    pub scale: Option<f64>,
    pub shock: Option<Named<ShockedAsset>>,
}

/// The `--json` document of a reverse stress test, with the search's paths its report folder
/// draws.
#[derive(Debug, Clone, Serialize)]
pub struct ReverseReport<'a> {
    pub scenario: String,
    pub target: Target,
    /// The direction: simple return per named asset at scale 1.
    pub shock: Named<f64>,
    pub regime: Regime,
    /// Steps of the path (one day) and their length.
    pub steps: usize,
    pub step_hours: f64,
    pub max_scale: f64,
    pub found: bool,
    /// The smallest scale reaching the target, the shock it means, the target metric there.
    pub scale: Option<f64>,
    pub shock_at_scale: Option<Named<ShockedAsset>>,
    pub metric: Option<f64>,
    /// What the day does at that scale: per cohort, per asset (the exogenous move plus the
    /// cascade's impact), the market; and every liquidation, in order.
    pub cohorts: Option<Named<CohortOutcome>>,
    pub assets: Option<Named<AssetOutcome>>,
    pub system: Option<SystemOutcome>,
    pub liquidations: Vec<LiquidationEvent>,
    /// Cohorts in the order of their first liquidation at that scale.
    pub order: Vec<String>,
    /// Per margin cohort: the scale of its first liquidation.
    pub key_levels: Named<KeyLevel>,
    /// A signal stopped the search: what it had not reached is missing (no scale).
    pub partial: bool,
    pub message: String,
    /// (scale, target metric) of every path of the search, in the order run.
    #[serde(skip)]
    points: &'a [(f64, f64)],
}

impl<'a> ReverseReport<'a> {
    pub fn new(model: &Model, problem: &Problem, answer: &'a Reverse) -> Self {
        let shocked = |scale: f64| {
            Named(
                model
                    .assets
                    .iter()
                    .zip(&problem.direction)
                    .filter(|(_, ret)| **ret != 0.0)
                    .map(|(asset, ret)| {
                        let shock = ShockedAsset {
                            return_: ret * scale,
                            price: asset.price_usd * (1.0 + ret * scale),
                        };
                        (asset.name.clone(), shock)
                    })
                    .collect(),
            )
        };
        let found = answer.target.as_ref();
        let liquidations = found.map_or_else(Vec::new, |f| f.record.liquidation_events(model));
        let mut order: Vec<String> = Vec::new();
        for event in &liquidations {
            if !order.contains(&event.cohort) {
                order.push(event.cohort.clone());
            }
        }
        let key_levels = Named(
            model
                .cohorts
                .iter()
                .zip(&answer.key_levels)
                .filter(|(cohort, _)| has_liquidations(&cohort.kind))
                .map(|(cohort, level)| {
                    let level = KeyLevel {
                        scale: *level,
                        shock: level.map(shocked),
                    };
                    (cohort.name.clone(), level)
                })
                .collect(),
        );
        let target = &problem.target;
        let mut message = match found {
            None if answer.partial => String::from(
                "partial: stopped by a signal before the search for the target ended: no answer",
            ),
            Some(f) => format!(
                "the smallest shock reaching {} is ×{:.4} the direction: {}; {} {} {} there",
                target.expression,
                f.scale,
                shock_text(&shocked(f.scale)),
                target.cohort,
                target.metric,
                target.format(target.value(&f.record))
            ),
            None => {
                let at_max =
                    Replayer::new(model, problem.steps).run(&problem.path(problem.max_scale));
                format!(
                    "no shock up to ×{:.4} the direction ({}) reaches {}: {} {} {} there; raise --max-scale if larger moves are plausible",
                    problem.max_scale,
                    shock_text(&shocked(problem.max_scale)),
                    target.expression,
                    target.cohort,
                    target.metric,
                    target.format(target.value(&at_max))
                )
            }
        };
        if answer.partial && found.is_some() {
            message += "\npartial: stopped by a signal before every key level was searched; those missing have no scale";
        }
        ReverseReport {
            scenario: model.name.clone(),
            target: target.clone(),
            shock: Named(
                model
                    .assets
                    .iter()
                    .zip(&problem.direction)
                    .filter(|(_, ret)| **ret != 0.0)
                    .map(|(asset, ret)| (asset.name.clone(), *ret))
                    .collect(),
            ),
            regime: problem.regime,
            steps: problem.steps,
            step_hours: model.step_hours,
            max_scale: problem.max_scale,
            found: found.is_some(),
            scale: found.map(|f| f.scale),
            shock_at_scale: found.map(|f| shocked(f.scale)),
            metric: found.map(|f| target.value(&f.record)),
            cohorts: found.map(|f| f.record.cohorts(model)),
            assets: found.map(|f| f.record.assets(model)),
            system: found.map(|f| f.record.system(model)),
            liquidations,
            order,
            key_levels,
            partial: answer.partial,
            message,
            points: &answer.points,
        }
    }
}

impl Answer for ReverseReport<'_> {
    /// The readable answer.
    fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "firesale reverse: {} — shock {} in one step, then the rest of one day ({} steps of {}, {}); target {}",
            self.scenario,
            self.shock
                .0
                .iter()
                .map(|(name, ret)| format!("{name} {}", Format::Percent.show(*ret)))
                .collect::<Vec<_>>()
                .join(", "),
            self.steps,
            Format::Hours.show(self.step_hours),
            input::name(&self.regime),
            self.target.expression
        );
        let _ = writeln!(out, "\n{}", self.message);
        if !self.liquidations.is_empty() {
            let _ = writeln!(out, "\nThe cascade at that scale (in order)");
            out.push_str(&cascade_table(&self.liquidations).to_text());
        }
        if let (Some(cohorts), Some(assets)) = (&self.cohorts, &self.assets) {
            let _ = writeln!(out, "\nAfter the day, at that scale");
            let hit: Vec<_> = cohorts.0.iter().filter(|(_, c)| c.loss != 0.0).collect();
            let losses = Table::of("cohorts", "Cohorts", &hit)
                .text("cohort", "cohort", |(name, _)| name.clone())
                .number("loss", "loss", Format::Usd, |(_, c)| c.loss)
                .number(
                    "liquidated_notional",
                    "liquidated",
                    Format::Usd,
                    |(_, c)| c.liquidated_notional,
                )
                .number("bad_debt", "bad debt", Format::Usd, |(_, c)| c.bad_debt)
                .table();
            let moved: Vec<_> = assets.0.iter().filter(|(_, a)| a.return_ != 0.0).collect();
            let moves = Table::of("assets", "Assets", &moved)
                .text("asset", "asset", |(name, _)| name.clone())
                .number("return", "return", Format::Percent, |(_, a)| a.return_)
                .number(
                    "exogenous_return",
                    "exogenous",
                    Format::Percent,
                    |(_, a)| a.exogenous_return,
                )
                .number(
                    "impact_return",
                    "impact of the flows",
                    Format::Percent,
                    |(_, a)| a.impact_return,
                )
                .table();
            if !hit.is_empty() {
                out.push_str(&losses.to_text());
            }
            if !moved.is_empty() {
                out.push('\n');
                out.push_str(&moves.to_text());
            }
        }
        let _ = writeln!(
            out,
            "\nKey price levels: the smallest shock at which each margin cohort is first liquidated"
        );
        let mut levels: Vec<&(String, KeyLevel)> = self.key_levels.0.iter().collect();
        levels.sort_by(|a, b| {
            let scale = |l: &KeyLevel| l.scale.unwrap_or(f64::INFINITY);
            scale(&a.1).total_cmp(&scale(&b.1))
        });
        let levels = Table::of("key-levels", "Key price levels", &levels)
            .text("cohort", "cohort", |(name, _)| name.clone())
            .text("level", "first liquidated", |(_, level)| {
                match (&level.scale, &level.shock) {
                    (Some(scale), Some(shock)) => {
                        format!("×{}: {}", Format::Number.show(*scale), shock_text(shock))
                    }
                    _ => format!(
                        "not liquidated up to ×{}",
                        Format::Number.show(self.max_scale)
                    ),
                }
            })
            .table();
        if !self.key_levels.0.is_empty() {
            out.push_str(&levels.to_text());
        }
        out
    }

    /// The outcome at the found scale, the cascade, the key levels and the search.
    fn report(&self) -> Report {
        crate::questions::bundle::reverse(self, self.points)
    }
}

/// `BTC -12.3% (to $70.1K), ETH …`.
fn shock_text(shock: &Named<ShockedAsset>) -> String {
    shock
        .0
        .iter()
        .map(|(name, s)| {
            format!(
                "{name} {} (to {})",
                Format::Percent.show(s.return_),
                usd(s.price)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}
