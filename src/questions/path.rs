//! One deterministic path through the full model: the CPU engine's step loop with the
//! exogenous stage fed from a [`GivenPath`], recorded step by step (prices, impact, flows and
//! liquidations by cohort, cascade rounds) and liquidation by liquidation (which cohort, in
//! which step and round); and what such a record says per cohort, per asset and for the market.

use serde::Serialize;

use crate::engine::cpu::exogenous::GivenPath;
use crate::engine::cpu::state::PathState;
use crate::engine::cpu::{Observer, Worker};
use crate::engine::plan::Plan;
use crate::model::{CohortKind, Model};
use crate::report::summary::{Named, initial_equity};
use crate::summary::metrics::{self, MetricLayout};

/// The market and the cohorts at the end of one step; flows and liquidations are those of the
/// step alone, per cohort in scenario order.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    pub step: u32,
    pub stress: bool,
    /// P_k(t)/P_k(0) per asset.
    pub price: Vec<f64>,
    /// Cumulative exogenous log-return per asset.
    pub exogenous_log: Vec<f64>,
    /// Impact displacement I_k per asset (log units).
    pub impact_log: Vec<f64>,
    /// Signed USD each cohort traded in the step (negative: net selling).
    pub flow_usd: Vec<f64>,
    pub liquidated_notional_usd: Vec<f64>,
    pub accounts_liquidated: Vec<f64>,
    /// USD sold by impact-bearing flows in the step (as `forced_selling`).
    pub forced_selling_usd: f64,
    /// Cascade rounds of the step that liquidated something.
    pub cascade_rounds: u32,
}

/// The buckets of one cohort liquidated in one cascade round.
#[derive(Debug, Clone, PartialEq)]
pub struct Liquidation {
    pub step: u32,
    pub round: u32,
    /// Cohort index, scenario order.
    pub cohort: usize,
    pub buckets: usize,
    pub notional_usd: f64,
    pub accounts: f64,
}

/// Everything recorded of one path.
#[derive(Debug, Clone, PartialEq)]
pub struct PathRecord {
    pub steps: Vec<StepRecord>,
    /// In the order they happened.
    pub liquidations: Vec<Liquidation>,
    /// The path's metrics, as a Monte Carlo run's per-path row.
    pub layout: MetricLayout,
    pub row: Vec<f64>,
    /// Some step ran out of cascade rounds (MODEL.md §7.5).
    pub rounds_exhausted: bool,
}

/// Runs given paths of one model, reusing the engine's memory.
pub struct Replayer {
    plan: Plan,
    worker: Worker,
    layout: MetricLayout,
}

impl Replayer {
    /// A replayer of paths of `steps` steps (the model's own `steps` is not used).
    pub fn new(model: &Model, steps: usize) -> Self {
        let mut plan = Plan::new(model);
        plan.steps = u32::try_from(steps).expect("a path's step count fits in u32");
        Replayer {
            worker: Worker::new(&plan),
            layout: MetricLayout::new(model),
            plan,
        }
    }

    /// Runs `path` (which has the replayer's step count) and records it.
    pub fn run(&mut self, path: &GivenPath) -> PathRecord {
        assert_eq!(path.steps(), self.plan.steps as usize, "one row per step");
        let mut recorder = Recorder::new(&self.plan);
        let mut row = vec![0.0; self.layout.len()];
        let rounds_exhausted =
            self.worker
                .run(&self.plan, path, &mut recorder, &self.layout, &mut row);
        PathRecord {
            steps: recorder.steps,
            liquidations: recorder.liquidations,
            layout: self.layout,
            row,
            rounds_exhausted,
        }
    }
}

/// The observer that turns the engine's cumulative state into per-step and per-round records.
struct Recorder<'a> {
    plan: &'a Plan,
    /// Cumulative values at the last record: traded USD per cohort, forced selling.
    traded_usd: Vec<f64>,
    forced_selling_usd: f64,
    /// Per margin book (plan order): buckets, notional and accounts at the last round.
    buckets: Vec<usize>,
    notional_usd: Vec<f64>,
    accounts: Vec<f64>,
    rounds: u32,
    /// Index in `liquidations` of the current step's first.
    step_start: usize,
    steps: Vec<StepRecord>,
    liquidations: Vec<Liquidation>,
}

impl<'a> Recorder<'a> {
    fn new(plan: &'a Plan) -> Self {
        let books = plan.margin.len();
        Recorder {
            plan,
            traded_usd: vec![0.0; plan.cohorts()],
            forced_selling_usd: 0.0,
            buckets: vec![0; books],
            notional_usd: vec![0.0; books],
            accounts: vec![0.0; books],
            rounds: 0,
            step_start: 0,
            steps: Vec::new(),
            liquidations: Vec::new(),
        }
    }
}

impl Observer for Recorder<'_> {
    fn round(&mut self, step: u32, round: u32, state: &PathState) {
        self.rounds += 1;
        for (i, (book, now)) in self.plan.margin.iter().zip(&state.margin).enumerate() {
            if now.liquidated > self.buckets[i] {
                self.liquidations.push(Liquidation {
                    step,
                    round,
                    cohort: book.cohort,
                    buckets: now.liquidated - self.buckets[i],
                    notional_usd: now.liquidated_notional_usd - self.notional_usd[i],
                    accounts: now.accounts_liquidated - self.accounts[i],
                });
                self.buckets[i] = now.liquidated;
                self.notional_usd[i] = now.liquidated_notional_usd;
                self.accounts[i] = now.accounts_liquidated;
            }
        }
    }

    fn step(&mut self, step: u32, state: &PathState) {
        let cohorts = self.traded_usd.len();
        let mut liquidated_notional_usd = vec![0.0; cohorts];
        let mut accounts_liquidated = vec![0.0; cohorts];
        for liquidation in &self.liquidations[self.step_start..] {
            liquidated_notional_usd[liquidation.cohort] += liquidation.notional_usd;
            accounts_liquidated[liquidation.cohort] += liquidation.accounts;
        }
        let flow_usd = state
            .traded_usd
            .iter()
            .zip(&self.traded_usd)
            .map(|(now, before)| now - before)
            .collect();
        self.steps.push(StepRecord {
            step,
            stress: state.stress,
            price: state.price.clone(),
            exogenous_log: state.exogenous_log.clone(),
            impact_log: state.impact_log.clone(),
            flow_usd,
            liquidated_notional_usd,
            accounts_liquidated,
            forced_selling_usd: state.forced_selling_usd - self.forced_selling_usd,
            cascade_rounds: self.rounds,
        });
        self.traded_usd.clone_from(&state.traded_usd);
        self.forced_selling_usd = state.forced_selling_usd;
        self.rounds = 0;
        self.step_start = self.liquidations.len();
    }
}

/// What one cohort went through on a recorded path (USD unless said).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortOutcome {
    pub kind: String,
    /// Equity (or aum) at the start.
    pub initial_equity: f64,
    /// Initial minus final equity (MODEL.md §3): positive is money lost.
    pub loss: f64,
    pub liquidated_notional: f64,
    pub accounts_liquidated: f64,
    pub bad_debt: f64,
    /// The step of its first liquidation; `null` when it had none (funds never have one).
    pub first_liquidation_step: Option<u32>,
    /// Leverage buckets liquidated, of `buckets` (0 of 0 for funds).
    pub buckets_liquidated: usize,
    pub buckets: usize,
    /// Signed USD it traded over the path, liquidations or rebalancing (negative: sold).
    pub net_flow: f64,
    /// The most notional it had liquidated within any 24 hours of the path.
    pub peak_24h_liquidated_notional: f64,
    /// The most it sold (net, per step) within any 24 hours of the path.
    pub peak_24h_selling: f64,
}

/// What one asset did on a recorded path: its total move split into the exogenous part and
/// the part forced selling (price impact) added. The log parts add up; the simple returns
/// multiply: 1 + return = (1 + exogenous_return)(1 + impact_return).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetOutcome {
    pub initial_price: f64,
    pub final_price: f64,
    #[serde(rename = "return")]
    pub return_: f64,
    pub exogenous_return: f64,
    /// exp(I_k(T)) − 1: what the net flows (forced selling, buy-backs) left in the price.
    pub impact_return: f64,
    pub log_return: f64,
    pub exogenous_log_return: f64,
    pub impact_log_return: f64,
    /// Total log move over exogenous log move; `null` when the exogenous move is 0.
    pub amplification: Option<f64>,
    pub max_drawdown: f64,
    /// The impact return of largest magnitude at the end of any step (impact may have decayed
    /// by the end of the path).
    pub peak_impact_return: f64,
}

/// The market as a whole on a recorded path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemOutcome {
    /// Σ of the cohorts' losses (funds included).
    pub loss: f64,
    pub liquidated_notional: f64,
    pub accounts_liquidated: f64,
    pub bad_debt: f64,
    /// USD sold by impact-bearing flows (as a run's `forced_selling`).
    pub forced_selling: f64,
    pub peak_24h_liquidated_notional: f64,
    pub peak_24h_forced_selling: f64,
    /// Cascade rounds that liquidated something, over all steps, and the most in one step.
    pub cascade_rounds: u32,
    pub max_cascade_rounds_in_a_step: u32,
    pub rounds_exhausted: bool,
}

/// One round's liquidations of one cohort, named.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiquidationEvent {
    pub step: u32,
    pub round: u32,
    pub cohort: String,
    pub buckets: usize,
    pub notional: f64,
    pub accounts: f64,
}

impl PathRecord {
    /// Metric `metric` (e.g. [`metrics::LOSS`]) of cohort `cohort` at the end of the path.
    pub fn cohort_metric(&self, cohort: usize, metric: usize) -> f64 {
        self.row[self.layout.cohort(cohort, metric)]
    }

    /// The steps in 24 hours (at least one): the window of the `peak_24h_` figures.
    fn day_window(step_hours: f64) -> usize {
        ((24.0 / step_hours).ceil() as usize).max(1)
    }

    /// Per cohort, in scenario order.
    pub fn cohorts(&self, model: &Model) -> Named<CohortOutcome> {
        let window = Self::day_window(model.step_hours);
        let outcomes = model.cohorts.iter().enumerate().map(|(c, cohort)| {
            let steps = || self.steps.iter();
            let outcome = CohortOutcome {
                kind: cohort.kind.label().to_string(),
                initial_equity: initial_equity(&cohort.kind),
                loss: self.cohort_metric(c, metrics::LOSS),
                liquidated_notional: self.cohort_metric(c, metrics::LIQUIDATED_NOTIONAL),
                accounts_liquidated: self.cohort_metric(c, metrics::ACCOUNTS_LIQUIDATED),
                bad_debt: self.cohort_metric(c, metrics::BAD_DEBT),
                first_liquidation_step: self
                    .liquidations
                    .iter()
                    .find(|l| l.cohort == c)
                    .map(|l| l.step),
                buckets_liquidated: self
                    .liquidations
                    .iter()
                    .filter(|l| l.cohort == c)
                    .map(|l| l.buckets)
                    .sum(),
                buckets: match &cohort.kind {
                    CohortKind::Margin(book) => book.buckets.len(),
                    _ => 0,
                },
                net_flow: steps().map(|s| s.flow_usd[c]).sum(),
                peak_24h_liquidated_notional: peak_window(
                    steps().map(|s| s.liquidated_notional_usd[c]),
                    window,
                ),
                peak_24h_selling: peak_window(steps().map(|s| (-s.flow_usd[c]).max(0.0)), window),
            };
            (cohort.name.clone(), outcome)
        });
        Named(outcomes.collect())
    }

    /// Per asset, in scenario order.
    pub fn assets(&self, model: &Model) -> Named<AssetOutcome> {
        let last = self.steps.last().expect("a path has at least one step");
        let outcomes = model.assets.iter().enumerate().map(|(k, asset)| {
            let (exogenous, impact) = (last.exogenous_log[k], last.impact_log[k]);
            let total = exogenous + impact;
            let peak_impact =
                self.steps
                    .iter()
                    .map(|s| s.impact_log[k])
                    .fold(
                        0.0_f64,
                        |peak, i| if i.abs() > peak.abs() { i } else { peak },
                    );
            let outcome = AssetOutcome {
                initial_price: asset.price_usd,
                final_price: asset.price_usd * last.price[k],
                return_: last.price[k] - 1.0,
                exogenous_return: exogenous.exp_m1(),
                impact_return: impact.exp_m1(),
                log_return: total,
                exogenous_log_return: exogenous,
                impact_log_return: impact,
                amplification: (exogenous != 0.0).then(|| total / exogenous),
                max_drawdown: self.row[self.layout.asset(k, metrics::MAX_DRAWDOWN)],
                peak_impact_return: peak_impact.exp_m1(),
            };
            (asset.name.clone(), outcome)
        });
        Named(outcomes.collect())
    }

    /// The market as a whole.
    pub fn system(&self, model: &Model) -> SystemOutcome {
        let window = Self::day_window(model.step_hours);
        let total = |metric| {
            (0..model.cohorts.len())
                .map(|c| self.cohort_metric(c, metric))
                .sum()
        };
        SystemOutcome {
            loss: total(metrics::LOSS),
            liquidated_notional: self.row[self.layout.system(metrics::SYSTEM_LIQUIDATED_NOTIONAL)],
            accounts_liquidated: total(metrics::ACCOUNTS_LIQUIDATED),
            bad_debt: total(metrics::BAD_DEBT),
            forced_selling: self.row[self.layout.system(metrics::FORCED_SELLING)],
            peak_24h_liquidated_notional: peak_window(
                self.steps
                    .iter()
                    .map(|s| s.liquidated_notional_usd.iter().sum()),
                window,
            ),
            peak_24h_forced_selling: peak_window(
                self.steps.iter().map(|s| s.forced_selling_usd),
                window,
            ),
            cascade_rounds: self.steps.iter().map(|s| s.cascade_rounds).sum(),
            max_cascade_rounds_in_a_step: self
                .steps
                .iter()
                .map(|s| s.cascade_rounds)
                .max()
                .unwrap_or(0),
            rounds_exhausted: self.rounds_exhausted,
        }
    }

    /// The liquidations in the order they happened, with cohort names.
    pub fn liquidation_events(&self, model: &Model) -> Vec<LiquidationEvent> {
        self.liquidations
            .iter()
            .map(|l| LiquidationEvent {
                step: l.step,
                round: l.round,
                cohort: model.cohorts[l.cohort].name.clone(),
                buckets: l.buckets,
                notional: l.notional_usd,
                accounts: l.accounts,
            })
            .collect()
    }
}

/// The largest sum of `window` consecutive values (of all of them when there are fewer).
fn peak_window(values: impl Iterator<Item = f64>, window: usize) -> f64 {
    let values: Vec<f64> = values.collect();
    values
        .windows(window.min(values.len()).max(1))
        .map(|w| w.iter().sum::<f64>())
        .fold(0.0, f64::max)
}
