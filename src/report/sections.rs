//! The report of a stress run, section by section: the headline numbers, the scenario, the
//! cohorts (table and loss distributions), the liquidation timeline, and the assets (table,
//! fan charts, decomposition), put together by [`run_report`]. The other commands (replay,
//! calibrate, reverse) build their own reports from the same [`Report`] blocks
//! (`crate::questions::bundle`).

use super::bundle::{Block, Report, Section, fact, unique_slugs};
use super::format::{Format, level};
use super::plots;
use super::summary::{
    AssetSummary, CohortSummary, FORCED_SELLING_EFFECT, RunSummary, TAIL_LEVELS, quantile,
};
use super::tables::{Cell, Columns, Table};
use crate::model::{Cohort, CohortKind, Model, Weight};
use crate::summary::metrics::{self, RunTotals, has_liquidations};
use crate::summary::steps::StepTotals;
use std::collections::BTreeMap;

/// What a stress run's sections are made from.
#[derive(Clone, Copy)]
pub struct RunResults<'a> {
    pub model: &'a Model,
    pub summary: &'a RunSummary,
    pub totals: &'a RunTotals,
    /// The per-step totals; without them the timeline, the fan charts and the decomposition
    /// are left out.
    pub steps: Option<&'a StepTotals>,
}

/// The whole report of `firesale run`: summary.json is `summary_json`.
pub fn run_report(results: &RunResults, summary_json: String) -> Report {
    let summary = results.summary;
    let mut sections = vec![headline(results), scenario(results.model), cohorts(results)];
    sections.extend(liquidations(results));
    sections.push(assets(results));
    Report {
        title: format!("Stress run: {}", summary.scenario),
        subtitle: format!(
            "{} paths × {} steps of {}, seed {}, {} engine, {:.1} s",
            Format::Number.show(summary.paths as f64),
            summary.steps,
            Format::Hours.show(summary.step_hours),
            summary.seed,
            summary.backend.kind,
            summary.elapsed_seconds
        ),
        warnings: warnings(summary),
        summary_json: Some(summary_json),
        sections,
    }
}

/// What a reader must know before trusting the numbers.
fn warnings(summary: &RunSummary) -> Vec<String> {
    let mut warnings = Vec::new();
    if summary.partial {
        warnings.push(format!(
            "The run was stopped early: these results cover {} of the {} paths requested.",
            summary.paths, summary.paths_requested
        ));
    }
    if summary.system.rounds_exhausted_paths > 0 {
        warnings.push(format!(
            "On {} paths a cascade was still liquidating when it ran out of rounds: raise \
             simulation.max_cascade_rounds, or the liquidations are understated.",
            summary.system.rounds_exhausted_paths
        ));
    }
    if summary.system.nonfinite_values > 0 {
        warnings.push(format!(
            "{} per-path values were NaN or infinite and are left out of the statistics.",
            summary.system.nonfinite_values
        ));
    }
    warnings
}

/// How many cohorts and assets the first screen names.
const FIRST_SCREEN_TOP: usize = 5;

/// "week" for a 168-hour horizon, "day" for 24 hours, else "48 h horizon".
fn horizon_name(hours: f64) -> String {
    if hours == 168.0 {
        "week".to_string()
    } else if hours == 24.0 {
        "day".to_string()
    } else {
        format!("{} horizon", Format::Hours.show(hours))
    }
}

/// Cohorts by their 1-in-100 loss (VaR 99%) in USD, largest first.
fn by_money_at_risk(summary: &RunSummary) -> Vec<(&String, &CohortSummary)> {
    let mut cohorts: Vec<_> = summary.cohorts.0.iter().map(|(n, c)| (n, c)).collect();
    cohorts.sort_by(|a, b| b.1.var["0.99"].total_cmp(&a.1.var["0.99"]));
    cohorts
}

/// The terms the first screen uses, defined for a reader one click away.
fn definitions(horizon: &str) -> Vec<(String, String)> {
    [
        (
            format!("1-in-100 {horizon}"),
            format!(
                "The outcome exceeded on 1% of the simulated paths: a {horizon} as bad as the \
                 worst one in a hundred. Each 1-in-100 figure is the 99% quantile of its own \
                 metric, so two of them need not come from the same path."
            ),
        ),
        (
            "Loss".to_string(),
            "Equity (or AUM) at the start minus equity at the end of the horizon; positive \
             means money lost."
                .to_string(),
        ),
        (
            "VaR 99%".to_string(),
            "The loss exceeded on 1% of paths: the 1-in-100 loss.".to_string(),
        ),
        (
            "ES 99%".to_string(),
            "Expected shortfall: the mean loss over the worst 1% of paths, at least the VaR."
                .to_string(),
        ),
        (
            "P(liquidation)".to_string(),
            "The share of paths on which at least one account of a margin cohort is liquidated."
                .to_string(),
        ),
        (
            "Liquidated notional".to_string(),
            "The position value closed by liquidations, summed over all margin cohorts and steps."
                .to_string(),
        ),
        (
            "Forced selling".to_string(),
            "Everything sold under compulsion, summed over steps and cascade rounds: \
             liquidations plus the mechanical selling of leveraged ETFs and vol-target funds \
             (net per asset and round)."
                .to_string(),
        ),
        (
            "Forced-selling effect".to_string(),
            format!("The {FORCED_SELLING_EFFECT}."),
        ),
        (
            "Bad debt".to_string(),
            "What liquidated accounts owed beyond their equity: a loss to the venue or broker, \
             not part of the cohort's loss."
                .to_string(),
        ),
    ]
    .into_iter()
    .collect()
}

/// The first screen: who loses the most money in the 1-in-100 outcome, how much is
/// liquidated and sold, which assets forced selling moved; definitions one click away.
fn headline(results: &RunResults) -> Section {
    let summary = results.summary;
    let system = &summary.system;
    let horizon = horizon_name(f64::from(summary.steps) * summary.step_hours);
    let ranked = by_money_at_risk(summary);
    let top = &ranked[..ranked.len().min(FIRST_SCREEN_TOP)];
    let mut movers: Vec<_> = summary.assets.0.iter().collect();
    movers.sort_by(|a, b| {
        a.1.forced_selling_effect()
            .total_cmp(&b.1.forced_selling_effect())
    });
    let movers: Vec<String> = movers
        .iter()
        .take(3)
        .filter(|(_, asset)| asset.forced_selling_effect() < 0.0)
        .map(|(name, asset)| {
            format!(
                "{name} {}",
                Format::Percent.show(asset.forced_selling_effect())
            )
        })
        .collect();
    let mut lead = format!("In the 1-in-100 {horizon}, ");
    let losers: Vec<String> = top
        .iter()
        .take(3)
        .map(|(name, cohort)| format!("{name} loses {}", Format::Usd.show(cohort.var["0.99"])))
        .collect();
    lead.push_str(&losers.join(", "));
    let _ = std::fmt::Write::write_fmt(
        &mut lead,
        format_args!(
            "; {} of positions are liquidated and {} is sold by forced sellers",
            Format::Usd.show(quantile(&system.liquidated_notional, "0.99")),
            Format::Usd.show(quantile(&system.forced_selling, "0.99")),
        ),
    );
    if movers.is_empty() {
        lead.push('.');
    } else {
        let _ = std::fmt::Write::write_fmt(
            &mut lead,
            format_args!(
                ". Forced selling moved {} most (forced-selling effect).",
                movers.join(", ")
            ),
        );
    }

    let table = Table::of(
        "largest-losses",
        format!("Largest losses in the 1-in-100 {horizon}, by money"),
        top,
    )
    .text("cohort", "Cohort", |(name, _)| name.to_string())
    .text("kind", "Kind", |(_, c)| c.kind.as_str().to_string())
    .number(
        "var.0.99",
        "Loss, 1-in-100 (VaR 99%)",
        Format::Usd,
        |(_, c)| c.var["0.99"],
    )
    .number(
        "es.0.99",
        "Mean loss beyond it (ES 99%)",
        Format::Usd,
        |(_, c)| c.es["0.99"],
    )
    .number(
        "es.0.99.share",
        "ES 99% / equity",
        Format::Percent,
        |(_, c)| c.es_share(),
    )
    .number("loss.mean", "Mean loss", Format::Usd, |(_, c)| c.loss.mean)
    .number(
        "p_liquidation",
        "P(liquidation)",
        Format::Probability,
        |(_, c)| c.can_be_liquidated().then_some(c.p_liquidation),
    )
    .table();

    let bad_debt: f64 = summary.cohorts.0.iter().map(|(_, c)| c.bad_debt.mean).sum();
    let mut facts = vec![
        fact(
            &format!("Liquidated, 1-in-100 {horizon}"),
            format!(
                "{} (mean {})",
                Format::Usd.show(quantile(&system.liquidated_notional, "0.99")),
                Format::Usd.show(system.liquidated_notional.mean)
            ),
        ),
        fact(
            &format!("Forced selling, 1-in-100 {horizon}"),
            format!(
                "{} (mean {})",
                Format::Usd.show(quantile(&system.forced_selling, "0.99")),
                Format::Usd.show(system.forced_selling.mean)
            ),
        ),
        fact("Bad debt, mean over paths", Format::Usd.show(bad_debt)),
    ];
    if !movers.is_empty() {
        facts.push(fact("Forced-selling effect, largest", movers.join(", ")));
    }
    let worst_fall =
        summary.assets.0.iter().min_by(|a, b| {
            quantile(&a.1.return_, "0.01").total_cmp(&quantile(&b.1.return_, "0.01"))
        });
    if let Some((name, asset)) = worst_fall {
        facts.push(fact(
            "Largest 1-in-100 fall",
            format!(
                "{name} {}",
                Format::Percent.show(quantile(&asset.return_, "0.01"))
            ),
        ));
    }
    Section::new("summary", "At a glance")
        .with(Block::Text(lead))
        .with(Block::Table(table))
        .with(Block::Facts(facts))
        .with(Block::Definitions(definitions(&horizon)))
}

/// The scenario as compiled: settings, assets, cohorts, jumps.
fn scenario(model: &Model) -> Section {
    let regimes = &model.regimes;
    let half_life = if model.impact_decay_per_step == 1.0 {
        "permanent".to_string()
    } else {
        format!(
            "half-life {}",
            Format::Hours.show(model.step_hours / -model.impact_decay_per_step.log2())
        )
    };
    let facts = vec![
        fact("Scenario", model.name.clone()),
        fact(
            "Steps",
            format!(
                "{} of {}",
                model.steps,
                Format::Hours.show(model.step_hours)
            ),
        ),
        fact("Seed", model.seed.to_string()),
        fact(
            "Shocks",
            if model.student_t_dof == 0 {
                "Gaussian".to_string()
            } else {
                format!("Student-t, ν = {}", model.student_t_dof)
            },
        ),
        fact(
            "Price impact",
            format!("{:?}, {half_life}", model.impact_shape).to_lowercase(),
        ),
        fact(
            "Cascade rounds per step",
            model.max_cascade_rounds.to_string(),
        ),
        fact(
            "P(start in stress)",
            Format::Percent.show(regimes.initial_stress_probability),
        ),
        fact(
            "Calm → stress / stress → calm per step",
            format!(
                "{} / {}",
                Format::Percent.show(regimes.calm_to_stress_per_step),
                Format::Percent.show(regimes.stress_to_calm_per_step)
            ),
        ),
        fact(
            "Market depth in stress",
            format!("× {}", Format::Number.show(regimes.stress_depth_multiplier)),
        ),
    ];
    let mut section = Section::new("scenario", "Scenario")
        .with(Block::Text(model.description.clone()))
        .with(Block::Facts(facts))
        .with(Block::Table(scenario_assets(model)))
        .with(Block::Table(scenario_cohorts(model)));
    if !model.jumps.is_empty() {
        section = section.with(Block::Table(scenario_jumps(model)));
    }
    section
}

fn scenario_assets(model: &Model) -> Table {
    Table::of("scenario-assets", "Assets of the scenario", &model.assets)
        .text("asset", "Asset", |a| a.name.clone())
        .text("sector", "Sector", |a| {
            a.sector.as_deref().unwrap_or("–").to_string()
        })
        .number("price", "Price", Format::Usd, |a| a.price_usd)
        .number("vol", "Vol (calm, annual)", Format::Percent, |a| a.vol)
        .number(
            "stress_vol_multiplier",
            "Stress vol ×",
            Format::Number,
            |a| a.stress_vol_multiplier,
        )
        .number("drift", "Drift (annual)", Format::Percent, |a| a.drift)
        .number("depth", "Depth per 1% (calm)", Format::Usd, |a| a.depth_usd)
        .table()
}

/// A cohort as the scenario table shows it: its size, how it is levered, its margin terms
/// ("–" for a fund) and its weights.
struct CohortTerms<'a> {
    cohort: &'a Cohort,
    equity: f64,
    leverage: String,
    margin: Cell,
    accounts: Cell,
    weights: String,
}

impl<'a> CohortTerms<'a> {
    fn of(model: &Model, cohort: &'a Cohort) -> Self {
        let (equity, leverage, margin, accounts, weights): (f64, String, Cell, Cell, &[Weight]) =
            match &cohort.kind {
                CohortKind::Margin(book) => {
                    let lo = book
                        .buckets
                        .iter()
                        .map(|b| b.leverage)
                        .fold(f64::MAX, f64::min);
                    let hi = book.buckets.iter().map(|b| b.leverage).fold(0.0, f64::max);
                    let leverage = if hi - lo > 1e-9 * hi {
                        format!(
                            "{}× to {}× ({} buckets)",
                            Format::Number.show(lo),
                            Format::Number.show(hi),
                            book.buckets.len()
                        )
                    } else {
                        format!("{}×", Format::Number.show(hi))
                    };
                    (
                        book.equity_usd,
                        leverage,
                        book.maintenance_margin.into(),
                        book.accounts.into(),
                        &book.weights,
                    )
                }
                CohortKind::LeveragedEtf(etf) => (
                    etf.aum_usd,
                    format!(
                        "{}×, rebalanced every {}",
                        Format::Number.show(etf.leverage),
                        Format::Hours.show(f64::from(etf.rebalance_every_steps) * model.step_hours)
                    ),
                    "–".into(),
                    "–".into(),
                    &etf.weights,
                ),
                CohortKind::VolTarget(fund) => (
                    fund.equity_usd,
                    format!(
                        "target vol {}, at most {}×",
                        Format::Percent.show(fund.target_vol),
                        Format::Number.show(fund.max_leverage)
                    ),
                    "–".into(),
                    "–".into(),
                    &fund.weights,
                ),
            };
        let weights: Vec<String> = weights
            .iter()
            .map(|w| {
                let name = &model.assets[w.asset].name;
                format!("{name} {}", Format::Percent.show(w.weight))
            })
            .collect();
        CohortTerms {
            cohort,
            equity,
            leverage,
            margin,
            accounts,
            weights: weights.join(", "),
        }
    }
}

fn scenario_cohorts(model: &Model) -> Table {
    let terms: Vec<CohortTerms> = model
        .cohorts
        .iter()
        .map(|cohort| CohortTerms::of(model, cohort))
        .collect();
    Table::of("scenario-cohorts", "Cohorts of the scenario", &terms)
        .text("cohort", "Cohort", |t| t.cohort.name.clone())
        .text("kind", "Kind", |t| t.cohort.kind.label().to_string())
        .number("equity", "Equity or AUM", Format::Usd, |t| t.equity)
        .text("leverage", "Leverage", |t| t.leverage.clone())
        .number(
            "maintenance_margin",
            "Maintenance margin",
            Format::Percent,
            |t| t.margin.clone(),
        )
        .number("accounts", "Accounts", Format::Number, |t| {
            t.accounts.clone()
        })
        .text("moves_prices", "Moves prices", |t| {
            if t.cohort.impact {
                "yes"
            } else {
                "no (price taker)"
            }
            .to_string()
        })
        .text("weights", "Weights", |t| t.weights.clone())
        .table()
}

fn scenario_jumps(model: &Model) -> Table {
    Table::of("scenario-jumps", "Jumps of the scenario", &model.jumps)
        .text("jump", "Jump", |j| j.name.clone())
        .number("intensity_per_year", "Per year", Format::Number, |j| {
            j.intensity_per_year
        })
        .number("mean", "Mean size (log)", Format::Percent, |j| j.mean_log)
        .number("stdev", "Stdev (log)", Format::Percent, |j| j.stdev_log)
        .text("loadings", "Loadings", |j| {
            let loadings: Vec<String> = j
                .loadings
                .iter()
                .zip(&model.assets)
                .filter(|(beta, _)| **beta != 0.0)
                .map(|(beta, asset)| format!("{} {}", asset.name, Format::Number.show(*beta)))
                .collect();
            loadings.join(", ")
        })
        .table()
}

/// A table of named cohorts, `rows`, opened with the columns every cohort table starts with:
/// the cohort's name, then its kind and its equity (or AUM) at the start, as `start` gives them.
pub(crate) fn cohort_columns<'a, C>(
    title: &str,
    rows: &'a [&'a (String, C)],
    start: fn(&C) -> (&String, f64),
) -> Columns<'a, &'a (String, C)> {
    Table::of("cohorts", title, rows)
        .text("cohort", "Cohort", |(name, _)| name.clone())
        .text("kind", "Kind", |(_, c)| start(c).0.clone())
        .number(
            "initial_equity",
            "Equity at start",
            Format::Usd,
            |(_, c)| start(c).1,
        )
}

/// Losses, tails and liquidations per cohort, and each cohort's loss distribution.
fn cohorts(results: &RunResults) -> Section {
    type Levels = fn(&CohortSummary) -> &BTreeMap<String, f64>;
    let summary = results.summary;
    let mut order: Vec<usize> = (0..summary.cohorts.0.len()).collect();
    order.sort_by(|&a, &b| {
        let var = |c: usize| summary.cohorts.0[c].1.var["0.99"];
        var(b).total_cmp(&var(a))
    });
    let rows: Vec<&(String, CohortSummary)> =
        order.iter().map(|&c| &summary.cohorts.0[c]).collect();
    let mut columns = cohort_columns("Loss and liquidations per cohort", &rows, |c| {
        (&c.kind, c.initial_equity)
    })
    .number("loss.mean", "Mean loss", Format::Usd, |(_, c)| c.loss.mean)
    .number("loss.std", "Loss std", Format::Usd, |(_, c)| c.loss.std);
    let measures: [(&str, &str, Levels); 2] = [("var", "VaR", |c| &c.var), ("es", "ES", |c| &c.es)];
    for (measure, name, levels) in measures {
        for (key, _) in TAIL_LEVELS {
            columns = columns.number(
                format!("{measure}.{key}"),
                format!("{name} {}", level(key)),
                Format::Usd,
                |(_, c)| levels(c)[key],
            );
        }
    }
    let mut table = columns
        .number(
            "es.0.99.share",
            "ES 99% / equity",
            Format::Percent,
            |(_, c)| c.es_share(),
        )
        .number(
            "p_liquidation",
            "P(liquidation)",
            Format::Probability,
            |(_, c)| c.p_liquidation,
        )
        .number(
            "liquidated_notional.mean",
            "Liquidated (mean)",
            Format::Usd,
            |(_, c)| c.liquidated_notional.mean,
        )
        .number(
            "liquidated_notional.0.99",
            "Liquidated (99%)",
            Format::Usd,
            |(_, c)| quantile(&c.liquidated_notional, "0.99"),
        )
        .number(
            "accounts_liquidated.mean",
            "Accounts liquidated (mean)",
            Format::Count,
            |(_, c)| c.accounts_liquidated.mean,
        )
        .number("bad_debt.mean", "Bad debt (mean)", Format::Usd, |(_, c)| {
            c.bad_debt.mean
        })
        .number("bad_debt.0.99", "Bad debt (99%)", Format::Usd, |(_, c)| {
            quantile(&c.bad_debt, "0.99")
        })
        .number(
            "p_bad_debt",
            "P(bad debt)",
            Format::Probability,
            |(_, c)| c.p_bad_debt,
        )
        .table();
    let stems = unique_slugs(summary.cohorts.0.iter().map(|(n, _)| n.as_str()));
    let figures: Vec<Block> = order
        .iter()
        .map(|&c| {
            let (name, cohort) = &summary.cohorts.0[c];
            Block::Figure(plots::loss_distribution(
                &format!("loss-{}", stems[c]),
                name,
                cohort,
                results.totals.cohort(c, metrics::LOSS).sketch(),
            ))
        })
        .collect();
    table.view(
        "Losses per cohort, largest 1-in-100 loss first",
        &[
            "kind",
            "initial_equity",
            "loss.mean",
            "var.0.99",
            "es.0.99",
            "es.0.99.share",
            "var.0.999",
            "es.0.999",
        ],
        |_| true,
    );
    let margin: Vec<Cell> = summary
        .cohorts
        .0
        .iter()
        .filter(|(_, cohort)| cohort.can_be_liquidated())
        .map(|(name, _)| name.as_str().into())
        .collect();
    table.view(
        "Liquidations per margin cohort (funds and ETFs are never liquidated: they sell)",
        &[
            "p_liquidation",
            "liquidated_notional.mean",
            "liquidated_notional.0.99",
            "accounts_liquidated.mean",
            "bad_debt.mean",
            "bad_debt.0.99",
            "p_bad_debt",
        ],
        |name| margin.contains(name),
    );
    let mut section = Section::new("cohorts", "Cohorts")
        .with(Block::Text(
            "Loss is the initial equity (or AUM) minus the final equity, over the horizon; \
             positive means money lost. VaR q is the loss exceeded on a share 1 − q of paths; \
             ES q is the mean loss on those paths. Bad debt is what liquidated accounts owed \
             beyond their equity (not part of the loss). cohorts.csv also has the loss \
             standard deviation and VaR and ES at 95%."
                .to_string(),
        ))
        .with(Block::Table(table));
    section.blocks.extend(figures);
    section
}

/// The liquidation timeline and the per-step data behind it; `None` without per-step totals.
fn liquidations(results: &RunResults) -> Option<Section> {
    let steps = results.steps?;
    let model = results.model;
    let margin: Vec<(usize, &str)> = model
        .cohorts
        .iter()
        .enumerate()
        .filter(|(_, cohort)| has_liquidations(&cohort.kind))
        .map(|(c, cohort)| (c, cohort.name.as_str()))
        .collect();
    let paths = steps.paths().max(1) as f64;
    let by_step: Vec<Vec<u64>> = std::iter::once(steps.liquidated_by(None))
        .chain(margin.iter().map(|(c, _)| steps.liquidated_by(Some(*c))))
        .collect();
    let share_by = |counts: &Vec<u64>, t: u32| counts[t as usize - 1] as f64 / paths;
    let times: Vec<u32> = (1..=steps.steps()).collect();
    let mut columns = Table::of("steps", "Liquidations per step", &times)
        .number("step", "Step", Format::Count, |&t| f64::from(t))
        .number("hours", "Hours", Format::Hours, |&t| {
            f64::from(t) * model.step_hours
        })
        .number("liquidated_notional.mean", "Mean", Format::Usd, |&t| {
            steps.liquidated_notional(t).mean()
        });
    for (key, q) in [("0.05", 0.05), ("0.5", 0.5), ("0.95", 0.95), ("0.99", 0.99)] {
        columns = columns.number(
            format!("liquidated_notional.{key}"),
            format!("Quantile {key}"),
            Format::Usd,
            |&t| steps.liquidated_notional(t).quantile(q),
        );
    }
    columns = columns.number(
        "p_first_liquidation_by_step.any",
        "P(any cohort liquidated by t)",
        Format::Percent,
        |&t| share_by(&by_step[0], t),
    );
    for ((_, name), counts) in margin.iter().zip(&by_step[1..]) {
        columns = columns.number(
            format!("p_first_liquidation_by_step.{name}"),
            format!("P({name} liquidated by t)"),
            Format::Percent,
            |&t| share_by(counts, t),
        );
    }
    let table = columns.table();
    Some(
        Section::new("liquidations", "Liquidations over time")
            .with(Block::Figure(plots::liquidation_timeline(model, steps)))
            .with(Block::DataFile(table)),
    )
}

/// Asset returns, drawdowns and the part forced selling caused; fan charts and
/// decompositions when the per-step totals are there.
fn assets(results: &RunResults) -> Section {
    let model = results.model;
    let steps = results.steps;
    let assets: Vec<(usize, &(String, AssetSummary))> =
        results.summary.assets.0.iter().enumerate().collect();
    let mut columns = Table::of("assets", "Asset moves over the horizon", &assets)
        .text("asset", "Asset", |(_, (name, _))| name.clone())
        .number(
            "initial_price",
            "Price at start",
            Format::Usd,
            |(_, (_, a))| a.initial_price,
        )
        .number(
            "return.mean",
            "Mean return",
            Format::Percent,
            |(_, (_, a))| a.return_.mean,
        );
    for key in ["0.01", "0.05", "0.5", "0.95", "0.99"] {
        columns = columns.number(
            format!("return.{key}"),
            format!("Return {}", level(key)),
            Format::Percent,
            |(_, (_, a))| quantile(&a.return_, key),
        );
    }
    columns = columns
        .number(
            "max_drawdown.mean",
            "Mean max drawdown",
            Format::Percent,
            |(_, (_, a))| a.max_drawdown.mean,
        )
        .number(
            "max_drawdown.0.99",
            "Max drawdown 99%",
            Format::Percent,
            |(_, (_, a))| quantile(&a.max_drawdown, "0.99"),
        )
        .number(
            "impact_return.0.01",
            "Forced-selling effect (1-in-100)",
            Format::Percent,
            |(_, (_, a))| a.forced_selling_effect(),
        )
        .number(
            "impact_return.mean",
            "Mean impact",
            Format::Percent,
            |(_, (_, a))| a.impact_return.mean,
        );
    if let Some(steps) = steps {
        let last = steps.price_steps().len() - 1;
        columns = columns.number(
            "exogenous_return.0.01",
            "Return 1%, exogenous shocks only",
            Format::Percent,
            |&(k, _)| steps.exogenous_price_quantile(last, k, 0.01) - 1.0,
        );
    }
    let mut table = columns.table();
    let mut figures = Vec::new();
    if let Some(steps) = steps {
        let stems = unique_slugs(model.assets.iter().map(|a| a.name.as_str()));
        for (k, stem) in stems.iter().enumerate() {
            figures.push(Block::Figure(plots::price_fan(
                &format!("fan-{stem}"),
                model,
                steps,
                k,
            )));
            figures.push(Block::Figure(plots::decomposition(
                &format!("decomposition-{stem}"),
                model,
                steps,
                k,
            )));
        }
    }
    table.view(
        "Returns over the horizon (quantiles over paths)",
        &[
            "initial_price",
            "return.mean",
            "return.0.01",
            "return.0.05",
            "return.0.5",
            "return.0.95",
            "return.0.99",
        ],
        |_| true,
    );
    let mut forced = vec![
        "return.0.01",
        "impact_return.0.01",
        "impact_return.mean",
        "max_drawdown.mean",
        "max_drawdown.0.99",
    ];
    if steps.is_some() {
        forced.insert(1, "exogenous_return.0.01");
    }
    table.view("Forced selling and drawdowns", &forced, |_| true);
    let mut section = Section::new("assets", "Assets")
        .with(Block::Text(format!(
            "Returns are P(T)/P(0) − 1 at the end of the horizon. Impact is the part of the \
             price that flows moved, exp(I) − 1 (what is left of it at the end). The \
             {FORCED_SELLING_EFFECT}. The exogenous-shocks-only return is the same paths' \
             shocks without any flow: the gap between its 1% quantile and the return's is \
             how much deeper the 1-in-100 fall is with forced selling."
        )))
        .with(Block::Table(table));
    section.blocks.extend(figures);
    if let Some(steps) = steps {
        section
            .blocks
            .push(Block::DataFile(price_table(model, steps)));
    }
    section
}

/// Quantiles of every asset's price at each sketched step, with and without flows.
fn price_table(model: &Model, steps: &StepTotals) -> Table {
    const QUANTILES: [f64; 7] = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];
    type PartQuantile = fn(&StepTotals, usize, usize, f64) -> f64;
    let parts: [(&str, PartQuantile); 2] = [
        ("price", StepTotals::price_quantile),
        ("exogenous_price", StepTotals::exogenous_price_quantile),
    ];
    let slots: Vec<(usize, u32)> = steps.price_steps().iter().copied().enumerate().collect();
    let title = format!(
        "Asset price quantiles, sampled {}",
        plots::price_sampling(model, steps)
    );
    let mut columns = Table::of("prices", title, &slots)
        .number("step", "Step", Format::Count, |&(_, t)| f64::from(t))
        .number("hours", "Hours", Format::Hours, |&(_, t)| {
            f64::from(t) * model.step_hours
        });
    for (k, asset) in model.assets.iter().enumerate() {
        for (part, part_quantile) in parts {
            for q in QUANTILES {
                columns = columns.number(
                    format!("{}.{part}.{q}", asset.name),
                    format!("{} {part} {}", asset.name, Format::Percent.show(q)),
                    Format::Usd,
                    |&(slot, _)| asset.price_usd * part_quantile(steps, slot, k, q),
                );
            }
        }
    }
    columns.table()
}
