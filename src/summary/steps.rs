//! Per-step reductions of a run, for the report's time axis: the distribution of every
//! asset's price over the horizon (with and without the impact of forced selling), the system
//! notional liquidated in each step, and the step of each cohort's first liquidation.
//!
//! Like [`RunTotals`](super::metrics::RunTotals) these are summaries, never paths: quantile
//! sketches and integer counts, so the memory depends on the steps, assets and cohorts but not
//! on the path count, and merging the totals of disjoint path ranges gives exactly the totals
//! of their union, whatever the split, order or thread count. Recording costs a few sketch
//! additions per path and step, so engines do it only when
//! [`RunControl::per_step`](super::RunControl::per_step) asks.
//!
//! Prices are sketched at up to [`PRICE_SAMPLES`] evenly spaced steps (every step of a
//! shorter horizon; always the last), which is all a chart can show, and as a power `P^n`:
//! the sketch's relative error of 0.5% becomes 0.5%/n on the price itself. Each asset's `n`
//! (1 to [`MAX_PRICE_POWER`]) puts about [`PRICE_BUCKETS`] buckets across its expected spread
//! over the horizon, so a quiet index is drawn as finely as a volatile coin while memory and
//! recording time stay small. Powers are monotone, so their quantiles map back exactly.

use std::sync::Mutex;

use crate::model::Model;
use crate::summary::{MetricSummary, QuantileSketch};

/// The most steps at which prices are sketched.
pub const PRICE_SAMPLES: u32 = 50;
/// About how many sketch buckets span an asset's expected price range over the horizon.
pub const PRICE_BUCKETS: f64 = 200.0;
/// The largest power a price is sketched at (a resolution of 0.5%/16 of the price).
pub const MAX_PRICE_POWER: i32 = 16;

/// The per-step summaries of a range of paths. Steps are numbered 1..=T as in MODEL.md §2;
/// at t = 0 every relative price is 1 and nothing is liquidated.
#[derive(Debug, Clone, PartialEq)]
pub struct StepTotals {
    steps: u32,
    assets: usize,
    cohorts: usize,
    paths: u64,
    /// The steps at which prices are sketched, ascending, ending with T.
    price_steps: Vec<u32>,
    /// Per step 1..=T (index t − 1): its index in `price_steps`, if sketched.
    price_slot: Vec<Option<u32>>,
    /// Per asset: the power n_k its prices are sketched at.
    price_power: Vec<i32>,
    /// `[slot·assets + k]`: (P_k(t)/P_k(0))^n_k.
    price: Vec<QuantileSketch>,
    /// `[slot·assets + k]`: the same without impact, exp(n_k · exogenous log).
    exogenous_price: Vec<QuantileSketch>,
    /// `[t − 1]`: system notional liquidated during step t, USD.
    liquidated_notional: Vec<MetricSummary>,
    /// `[(t − 1)·(cohorts + 1) + c]`: paths whose first liquidation in cohort c came in step t;
    /// column `cohorts` counts the first liquidation in any cohort.
    first_liquidation: Vec<u64>,
}

impl StepTotals {
    /// Empty totals shaped for `model`.
    pub fn new(model: &Model) -> Self {
        let steps = model.steps;
        let assets = model.assets.len();
        let cohorts = model.cohorts.len();
        let stride = steps.div_ceil(PRICE_SAMPLES).max(1);
        let price_steps: Vec<u32> = (1..=steps)
            .filter(|t| t % stride == 0 || *t == steps)
            .collect();
        let mut price_slot = vec![None; steps as usize];
        for (slot, &t) in price_steps.iter().enumerate() {
            price_slot[t as usize - 1] = Some(slot as u32);
        }
        let sketches = price_steps.len() * assets;
        StepTotals {
            steps,
            assets,
            cohorts,
            paths: 0,
            price_steps,
            price_slot,
            price_power: model
                .assets
                .iter()
                .map(|asset| price_power(model, asset))
                .collect(),
            price: vec![QuantileSketch::new(); sketches],
            exogenous_price: vec![QuantileSketch::new(); sketches],
            liquidated_notional: vec![MetricSummary::new(); steps as usize],
            first_liquidation: vec![0; steps as usize * (cohorts + 1)],
        }
    }

    /// The totals of `paths` paths from reductions made elsewhere (the GPU engine's), in the
    /// layouts of the fields: `liquidated_notional[t − 1]`, `price[slot·assets + k]` (of
    /// [`price_power`](Self::price_power)s of relative prices), `exogenous_price` alike, and
    /// `first_liquidation[(t − 1)·(cohorts + 1) + c]` (column `cohorts`: any cohort).
    pub fn from_parts(
        model: &Model,
        paths: u64,
        liquidated_notional: Vec<MetricSummary>,
        price: Vec<QuantileSketch>,
        exogenous_price: Vec<QuantileSketch>,
        first_liquidation: Vec<u64>,
    ) -> Self {
        let mut totals = StepTotals::new(model);
        assert_eq!(liquidated_notional.len(), totals.liquidated_notional.len());
        assert_eq!(price.len(), totals.price.len());
        assert_eq!(exogenous_price.len(), totals.exogenous_price.len());
        assert_eq!(first_liquidation.len(), totals.first_liquidation.len());
        totals.paths = paths;
        totals.liquidated_notional = liquidated_notional;
        totals.price = price;
        totals.exogenous_price = exogenous_price;
        totals.first_liquidation = first_liquidation;
        totals
    }

    /// The power n_k at which asset `asset`'s prices are sketched: a path adds
    /// (P_k(t)/P_k(0))^n_k = exp(n_k · log P_k(t)/P_k(0)) at each sketched step.
    pub fn price_power(&self, asset: usize) -> i32 {
        self.price_power[asset]
    }

    /// Adds the system notional liquidated during step `step` (1..=T) on one path (all
    /// cohorts, price takers included), USD.
    #[inline]
    pub fn add_liquidated_notional(&mut self, step: u32, usd: f64) {
        self.liquidated_notional[step as usize - 1].add(usd);
    }

    /// Where the prices of step `step` (1..=T) are sketched (an index into
    /// [`price_steps`](Self::price_steps)), if they are.
    #[inline]
    pub fn price_slot(&self, step: u32) -> Option<usize> {
        self.price_slot[step as usize - 1].map(|slot| slot as usize)
    }

    /// Adds paths' relative prices P_k(t)/P_k(0) of asset `asset` at `price_steps()[slot]`.
    pub fn add_prices(&mut self, slot: usize, asset: usize, prices: impl Iterator<Item = f64>) {
        let power = self.price_power[asset];
        let index = self.price_index(slot, asset);
        let sketch = &mut self.price[index];
        for price in prices {
            sketch.add(price.powi(power));
        }
    }

    /// Adds paths' exogenous log returns of asset `asset` at `price_steps()[slot]`: the log of
    /// the price each path would have had without any forced selling or mechanical flow.
    pub fn add_exogenous_logs(
        &mut self,
        slot: usize,
        asset: usize,
        logs: impl Iterator<Item = f64>,
    ) {
        let power = f64::from(self.price_power[asset]);
        let index = self.price_index(slot, asset);
        let sketch = &mut self.exogenous_price[index];
        for log in logs {
            sketch.add((power * log).exp());
        }
    }

    /// Counts a path's first liquidation in `cohort` (`None`: in any cohort) in step `step`.
    #[inline]
    pub fn add_first_liquidation(&mut self, step: u32, cohort: Option<usize>) {
        let column = cohort.unwrap_or(self.cohorts);
        self.first_liquidation[(step as usize - 1) * (self.cohorts + 1) + column] += 1;
    }

    /// Counts one finished path (after its steps were added).
    pub fn add_path(&mut self) {
        self.paths += 1;
    }

    /// Adds the paths of `other` (a disjoint path range of the same model).
    pub fn merge(&mut self, other: &StepTotals) {
        self.paths += other.paths;
        for (mine, theirs) in self.price.iter_mut().zip(&other.price) {
            mine.merge(theirs);
        }
        for (mine, theirs) in self.exogenous_price.iter_mut().zip(&other.exogenous_price) {
            mine.merge(theirs);
        }
        for (mine, theirs) in self
            .liquidated_notional
            .iter_mut()
            .zip(&other.liquidated_notional)
        {
            mine.merge(theirs);
        }
        for (mine, theirs) in self
            .first_liquidation
            .iter_mut()
            .zip(&other.first_liquidation)
        {
            *mine += theirs;
        }
    }

    /// Steps T.
    pub fn steps(&self) -> u32 {
        self.steps
    }

    /// Paths recorded.
    pub fn paths(&self) -> u64 {
        self.paths
    }

    /// The steps at which prices were sketched (ascending, ending with T).
    pub fn price_steps(&self) -> &[u32] {
        &self.price_steps
    }

    /// The q-quantile of P_k(t)/P_k(0) for asset `asset` at `price_steps()[slot]`.
    pub fn price_quantile(&self, slot: usize, asset: usize, q: f64) -> f64 {
        self.unpower(asset, self.price[self.price_index(slot, asset)].quantile(q))
    }

    /// The q-quantile of the exogenous-only relative price (the price without any impact) of
    /// `asset` at `price_steps()[slot]`.
    pub fn exogenous_price_quantile(&self, slot: usize, asset: usize, q: f64) -> f64 {
        let sketch = &self.exogenous_price[self.price_index(slot, asset)];
        self.unpower(asset, sketch.quantile(q))
    }

    /// The system notional liquidated during step `step`, USD.
    pub fn liquidated_notional(&self, step: u32) -> &MetricSummary {
        &self.liquidated_notional[step as usize - 1]
    }

    /// Paths with a liquidation in `cohort` (`None`: in any cohort) in steps 1..=t, for
    /// t = 1..=T: the numerators of P(first liquidation by t).
    pub fn liquidated_by(&self, cohort: Option<usize>) -> Vec<u64> {
        let column = cohort.unwrap_or(self.cohorts);
        self.first_liquidation
            .chunks_exact(self.cohorts + 1)
            .scan(0, |total, row| {
                *total += row[column];
                Some(*total)
            })
            .collect()
    }

    fn price_index(&self, slot: usize, asset: usize) -> usize {
        debug_assert!(slot < self.price_steps.len() && asset < self.assets);
        slot * self.assets + asset
    }

    /// A sketched power of asset `asset`'s price back to the relative price.
    fn unpower(&self, asset: usize, x: f64) -> f64 {
        x.powf(1.0 / f64::from(self.price_power[asset]))
    }
}

/// The power n with about [`PRICE_BUCKETS`] buckets (each ln γ wide in n·log P) across the
/// asset's typical spread of log prices over the horizon, ±3σ√horizon at its calm vol (a
/// wider spread only takes more buckets).
fn price_power(model: &Model, asset: &crate::model::Asset) -> i32 {
    let horizon_years = model.step_years() * f64::from(model.steps);
    let spread_log = 6.0 * asset.vol * horizon_years.sqrt();
    let power = PRICE_BUCKETS * QuantileSketch::GAMMA.ln() / spread_log;
    if power.is_finite() {
        (power.round() as i32).clamp(1, MAX_PRICE_POWER)
    } else {
        MAX_PRICE_POWER
    }
}

/// One [`StepTotals`] per worker thread of the current rayon pool: a thread records into its
/// own slot without waiting, and the memory is one set of totals per thread whatever the path
/// count. The slots merge exactly, so which thread recorded which path does not matter.
pub struct PerThreadSteps {
    slots: Vec<Mutex<StepTotals>>,
}

impl PerThreadSteps {
    /// Empty slots for `model`, one per thread of the current pool.
    pub fn new(model: &Model) -> Self {
        let empty = StepTotals::new(model);
        PerThreadSteps {
            slots: (0..rayon::current_num_threads())
                .map(|_| Mutex::new(empty.clone()))
                .collect(),
        }
    }

    /// Runs `record` on the calling thread's slot (slot 0 when called from outside the pool).
    pub fn with<R>(&self, record: impl FnOnce(&mut StepTotals) -> R) -> R {
        let index = rayon::current_thread_index().unwrap_or(0) % self.slots.len();
        let mut slot = self.slots[index]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        record(&mut slot)
    }

    /// Every slot merged into one.
    pub fn into_totals(self) -> StepTotals {
        let mut slots = self
            .slots
            .into_iter()
            .map(|slot| slot.into_inner().unwrap_or_else(|p| p.into_inner()));
        let mut totals = slots.next().expect("a pool has at least one thread");
        for slot in slots {
            totals.merge(&slot);
        }
        totals
    }
}
