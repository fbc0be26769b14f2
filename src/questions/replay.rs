//! `firesale replay`: *what would last week do to us?* One deterministic path through the full
//! model (impact, mechanical funds, the cascade) with the exogenous moves of a shocks file
//! instead of random draws.
//!
//! The path has as many steps as the file has rows (the scenario's `steps`, `paths` and `seed`
//! are not used). The scenario's regimes enter only through the file's `regime` column: a
//! stress step thins every depth by `stress_depth_multiplier` (calm when the column is absent);
//! the switching probabilities, volatilities, correlations, jumps and fat tails of the scenario
//! play no part, since the moves are given.

use std::fmt::Write;

use serde::Serialize;

use super::Answer;
use super::path::{
    AssetOutcome, CohortOutcome, LiquidationEvent, PathRecord, Replayer, SystemOutcome,
};
use crate::engine::cpu::exogenous::GivenPath;
use crate::model::Model;
use crate::report::Report;
use crate::report::format::{Format, counted, usd};
use crate::report::summary::Named;
use crate::report::tables::Table;

/// Runs `shocks` (one row per step) through `model`.
pub fn run(model: &Model, shocks: &GivenPath) -> PathRecord {
    Replayer::new(model, shocks.steps()).run(shocks)
}

/// The `--json` document of a replay, with the model and the path its report folder draws.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayReport<'a> {
    pub scenario: String,
    /// The shocks file.
    pub shocks: String,
    pub steps: u32,
    pub step_hours: f64,
    /// Steps the file marks `stress`.
    pub stress_steps: usize,
    pub cohorts: Named<CohortOutcome>,
    pub assets: Named<AssetOutcome>,
    pub system: SystemOutcome,
    /// Every cascade round's liquidations, cohort by cohort, in the order they happened.
    pub liquidations: Vec<LiquidationEvent>,
    #[serde(skip)]
    model: &'a Model,
    #[serde(skip)]
    record: &'a PathRecord,
}

impl<'a> ReplayReport<'a> {
    pub fn new(model: &'a Model, shocks: &str, record: &'a PathRecord) -> Self {
        ReplayReport {
            scenario: model.name.clone(),
            shocks: shocks.to_string(),
            steps: record.steps.len() as u32,
            step_hours: model.step_hours,
            stress_steps: record.steps.iter().filter(|s| s.stress).count(),
            cohorts: record.cohorts(model),
            assets: record.assets(model),
            system: record.system(model),
            liquidations: record.liquidation_events(model),
            model,
            record,
        }
    }
}

impl Answer for ReplayReport<'_> {
    /// The readable summary.
    fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "firesale replay: {} with the moves of {} — {} steps of {} ({} in stress)",
            self.scenario,
            self.shocks,
            self.steps,
            Format::Hours.show(self.step_hours),
            self.stress_steps
        );
        let _ = writeln!(out, "\nCohorts (loss > 0 is money lost)");
        let cohorts = Table::of("cohorts", "Cohorts", &self.cohorts.0)
            .text("cohort", "cohort", |(name, _)| name.clone())
            .text("kind", "kind", |(_, c)| c.kind.clone())
            .number("loss", "loss", Format::Usd, |(_, c)| c.loss)
            .number("loss_share", "loss/equity", Format::Percent, |(_, c)| {
                c.loss / c.initial_equity
            })
            .per_value()
            .number(
                "liquidated_notional",
                "liq notional",
                Format::Usd,
                |(_, c)| c.liquidated_notional,
            )
            .number(
                "accounts_liquidated",
                "accounts liq",
                Format::Count,
                |(_, c)| c.accounts_liquidated,
            )
            .number("bad_debt", "bad debt", Format::Usd, |(_, c)| c.bad_debt)
            .text("first_liquidation_step", "first liq", |(_, c)| {
                c.first_liquidation_step
                    .map_or("–".to_string(), |step| format!("step {step}"))
            })
            .right()
            .number(
                "peak_24h_liquidated_notional",
                "peak 24h liq",
                Format::Usd,
                |(_, c)| c.peak_24h_liquidated_notional,
            )
            .number(
                "peak_24h_selling",
                "peak 24h sold",
                Format::Usd,
                |(_, c)| c.peak_24h_selling,
            )
            .table();
        out.push_str(&cohorts.to_text());
        let _ = writeln!(
            out,
            "\nAssets (1 + return = (1 + exogenous)(1 + impact); amplification = total / exogenous log move)"
        );
        let assets = Table::of("assets", "Assets", &self.assets.0)
            .text("asset", "asset", |(name, _)| name.clone())
            .number("initial_price", "start", Format::Usd, |(_, a)| {
                a.initial_price
            })
            .number("final_price", "end", Format::Usd, |(_, a)| a.final_price)
            .number("return", "return", Format::Percent, |(_, a)| a.return_)
            .number(
                "exogenous_return",
                "exogenous",
                Format::Percent,
                |(_, a)| a.exogenous_return,
            )
            .number("impact_return", "impact", Format::Percent, |(_, a)| {
                a.impact_return
            })
            .number("amplification", "ampl.", Format::Multiple, |(_, a)| {
                a.amplification
            })
            .number("max_drawdown", "max DD", Format::Percent, |(_, a)| {
                a.max_drawdown
            })
            .number(
                "peak_impact_return",
                "peak impact",
                Format::Percent,
                |(_, a)| a.peak_impact_return,
            )
            .table();
        out.push_str(&assets.to_text());
        let s = &self.system;
        let _ = writeln!(out, "\nSystem");
        let _ = writeln!(
            out,
            "  liquidated notional {} ({}, bad debt {}); most in 24 h: {}",
            usd(s.liquidated_notional),
            counted(s.accounts_liquidated.round(), "account"),
            usd(s.bad_debt),
            usd(s.peak_24h_liquidated_notional),
        );
        let _ = writeln!(
            out,
            "  forced selling {}; most in 24 h: {}",
            usd(s.forced_selling),
            usd(s.peak_24h_forced_selling),
        );
        let _ = writeln!(
            out,
            "  cascade rounds {} (at most {} in one step){}",
            s.cascade_rounds,
            s.max_cascade_rounds_in_a_step,
            if s.rounds_exhausted {
                "; WARNING: some step ran out of cascade rounds (raise max_cascade_rounds)"
            } else {
                ""
            }
        );
        out
    }

    /// The per-step table, the cohorts, assets and cascade, each asset's price path beside
    /// its exogenous-only path, the liquidated notional per step by cohort.
    fn report(&self) -> Report {
        super::bundle::replay(self.model, self, self.record)
    }
}

/// The per-step table, `--steps-out` as CSV and steps.csv of `--out`: one row per step with
/// the regime, then per asset its price (USD), cumulative exogenous return and impact return,
/// then per cohort its flow (signed USD, negative: sold), liquidated notional and accounts
/// liquidated in the step, then the step's forced selling, liquidated notional and cascade
/// rounds.
pub fn steps_table(model: &Model, record: &PathRecord) -> Table {
    let mut columns = Table::of("steps", "The path step by step", &record.steps)
        .number("step", "Step", Format::Count, |s| f64::from(s.step))
        .text("regime", "Regime", |s| {
            if s.stress { "stress" } else { "calm" }.to_string()
        });
    for (k, asset) in model.assets.iter().enumerate() {
        let name = &asset.name;
        columns = columns
            .number(
                format!("{name}.price"),
                format!("{name} price"),
                Format::Usd,
                |s| asset.price_usd * s.price[k],
            )
            .number(
                format!("{name}.exogenous_return"),
                format!("{name} exogenous return"),
                Format::Percent,
                |s| s.exogenous_log[k].exp_m1(),
            )
            .number(
                format!("{name}.impact_return"),
                format!("{name} impact return"),
                Format::Percent,
                |s| s.impact_log[k].exp_m1(),
            );
    }
    for (c, cohort) in model.cohorts.iter().enumerate() {
        let name = &cohort.name;
        columns = columns
            .number(
                format!("{name}.flow"),
                format!("{name} flow"),
                Format::Usd,
                |s| s.flow_usd[c],
            )
            .number(
                format!("{name}.liquidated_notional"),
                format!("{name} liquidated"),
                Format::Usd,
                |s| s.liquidated_notional_usd[c],
            )
            .number(
                format!("{name}.accounts_liquidated"),
                format!("{name} accounts liquidated"),
                Format::Number,
                |s| s.accounts_liquidated[c],
            );
    }
    columns
        .number(
            "system.forced_selling",
            "Forced selling",
            Format::Usd,
            |s| s.forced_selling_usd,
        )
        .number(
            "system.liquidated_notional",
            "Liquidated",
            Format::Usd,
            |s| s.liquidated_notional_usd.iter().sum::<f64>(),
        )
        .number("cascade_rounds", "Cascade rounds", Format::Number, |s| {
            f64::from(s.cascade_rounds)
        })
        .table()
}
