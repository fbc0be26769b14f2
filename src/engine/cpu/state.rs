//! The state a block of W paths carries from step to step, one path per lane
//! (structure of arrays), allocated once per block and reset for each; and [`PathState`],
//! one lane of it as plain numbers, for code that watches a single path. Mirrors the
//! per-invocation variables of the GPU step shader.

use crate::engine::plan::Plan;
use crate::lanes::{Lanes, Mask};

/// A margin book, per lane.
#[derive(Debug, Clone)]
pub struct MarginLanes<const W: usize> {
    /// Buckets liquidated so far: always a prefix (highest leverage first).
    pub liquidated: [usize; W],
    /// 1/L of the first live bucket, +∞ when none is left: the breach test of the next.
    pub next_inverse_leverage: Lanes<W>,
    /// Σ max(0, realised) of liquidated buckets, USD.
    pub kept_usd: Lanes<W>,
    pub liquidated_notional_usd: Lanes<W>,
    pub accounts_liquidated: Lanes<W>,
    pub bad_debt_usd: Lanes<W>,
}

#[derive(Debug, Clone)]
pub struct EtfLanes<const W: usize> {
    pub aum_usd: Lanes<W>,
    /// Relative prices at the last rebalance, one per weight.
    pub reference: Vec<Lanes<W>>,
}

#[derive(Debug, Clone)]
pub struct VolTargetLanes<const W: usize> {
    pub equity_usd: Lanes<W>,
    pub exposure_usd: Lanes<W>,
    /// EWMA variance, annualised.
    pub variance: Lanes<W>,
    pub reference: Vec<Lanes<W>>,
}

#[derive(Debug, Clone)]
pub struct BlockState<const W: usize> {
    pub stress: Mask<W>,
    /// Cumulative exogenous log return per asset.
    pub exogenous_log: Vec<Lanes<W>>,
    /// Impact displacement I_k per asset (log units).
    pub impact_log: Vec<Lanes<W>>,
    /// P_k(t)/P_k(0) = exp(exogenous + impact).
    pub price: Vec<Lanes<W>>,
    /// max_{s≤t} ln P_k(s)/P_k(0): the log of the running maximum.
    pub peak_log: Vec<Lanes<W>>,
    /// min_t (ln P_k(t)/P_k(0) − peak): the log of the deepest fall from a peak, ≤ 0. Kept in
    /// logs, the drawdown needs no divide per step; [`max_drawdown`](Self::max_drawdown)
    /// turns it into 1 − min P/peak.
    pub deepest_fall_log: Vec<Lanes<W>>,
    /// Net impact-bearing flow per asset of the current round, USD (negative = selling).
    pub flow_usd: Vec<Lanes<W>>,
    /// Scratch: the step's standard normals.
    pub normals: Vec<Lanes<W>>,
    pub margin: Vec<MarginLanes<W>>,
    pub etfs: Vec<EtfLanes<W>>,
    pub vol_targets: Vec<VolTargetLanes<W>>,
    pub liquidated_notional_usd: Lanes<W>,
    pub forced_selling_usd: Lanes<W>,
    /// Per cohort (scenario order): the signed USD it has traded so far, liquidations and
    /// rebalancing, price takers included (negative: net selling).
    pub traded_usd: Vec<Lanes<W>>,
    pub rounds_exhausted: Mask<W>,
}

impl<const W: usize> BlockState<W> {
    pub fn new(plan: &Plan) -> Self {
        let k = plan.assets;
        let zero = Lanes::splat(0.0);
        let mut state = BlockState {
            stress: Mask::splat(false),
            exogenous_log: vec![zero; k],
            impact_log: vec![zero; k],
            price: vec![zero; k],
            peak_log: vec![zero; k],
            deepest_fall_log: vec![zero; k],
            flow_usd: vec![zero; k],
            normals: vec![zero; plan.normals_per_step().div_ceil(2) * 2],
            margin: plan
                .margin
                .iter()
                .map(|_| MarginLanes {
                    liquidated: [0; W],
                    next_inverse_leverage: zero,
                    kept_usd: zero,
                    liquidated_notional_usd: zero,
                    accounts_liquidated: zero,
                    bad_debt_usd: zero,
                })
                .collect(),
            etfs: plan
                .etfs
                .iter()
                .map(|etf| EtfLanes {
                    aum_usd: zero,
                    reference: vec![zero; etf.weights.len()],
                })
                .collect(),
            vol_targets: plan
                .vol_targets
                .iter()
                .map(|fund| VolTargetLanes {
                    equity_usd: zero,
                    exposure_usd: zero,
                    variance: zero,
                    reference: vec![zero; fund.weights.len()],
                })
                .collect(),
            liquidated_notional_usd: zero,
            forced_selling_usd: zero,
            traded_usd: vec![zero; plan.cohorts()],
            rounds_exhausted: Mask::splat(false),
        };
        state.reset(plan);
        state
    }

    /// Back to t = 0 (everything at its initial value), keeping the allocations.
    pub fn reset(&mut self, plan: &Plan) {
        let zero = Lanes::splat(0.0);
        let one = Lanes::splat(1.0);
        self.stress = Mask::splat(false);
        self.exogenous_log.fill(zero);
        self.impact_log.fill(zero);
        self.price.fill(one);
        self.peak_log.fill(zero);
        self.deepest_fall_log.fill(zero);
        for (state, book) in self.margin.iter_mut().zip(&plan.margin) {
            state.liquidated = [0; W];
            state.next_inverse_leverage = Lanes::splat(book.inverse_leverage_at(0));
            state.kept_usd = zero;
            state.liquidated_notional_usd = zero;
            state.accounts_liquidated = zero;
            state.bad_debt_usd = zero;
        }
        for (state, etf) in self.etfs.iter_mut().zip(&plan.etfs) {
            state.aum_usd = Lanes::splat(etf.aum_usd);
            state.reference.fill(one);
        }
        for (state, fund) in self.vol_targets.iter_mut().zip(&plan.vol_targets) {
            state.equity_usd = Lanes::splat(fund.equity_usd);
            state.exposure_usd = Lanes::splat(
                fund.equity_usd * fund.max_leverage.min(fund.target_vol / fund.initial_vol),
            );
            state.variance = Lanes::splat(fund.initial_vol * fund.initial_vol);
            state.reference.fill(one);
        }
        self.liquidated_notional_usd = zero;
        self.forced_selling_usd = zero;
        self.traded_usd.fill(zero);
        self.rounds_exhausted = Mask::splat(false);
    }

    /// Recomputes relative prices from the exogenous and impact parts.
    #[inline(always)]
    pub fn refresh_prices(&mut self) {
        let parts = self.exogenous_log.iter().zip(&self.impact_log);
        for (price, (exogenous, impact)) in self.price.iter_mut().zip(parts) {
            *price = (*exogenous + *impact).exp();
        }
    }

    /// End of step: the running maximum and the deepest fall from it so far, in logs (the
    /// log of P is exactly the exponent of [`refresh_prices`](Self::refresh_prices)).
    #[inline(always)]
    pub fn track_drawdown(&mut self) {
        for (k, (peak, deepest)) in self
            .peak_log
            .iter_mut()
            .zip(&mut self.deepest_fall_log)
            .enumerate()
        {
            let log = self.exogenous_log[k] + self.impact_log[k];
            *peak = peak.max(log);
            *deepest = deepest.min(log - *peak);
        }
    }

    /// The maximum drawdown of asset `k` so far, 1 − min_t P(t)/max_{s≤t} P(s).
    #[inline(always)]
    pub fn max_drawdown(&self, k: usize) -> Lanes<W> {
        1.0 - self.deepest_fall_log[k].exp()
    }
}

/// A margin book of one path.
#[derive(Debug, Clone, Default)]
pub struct MarginState {
    /// Buckets liquidated so far: always a prefix (highest leverage first).
    pub liquidated: usize,
    pub liquidated_notional_usd: f64,
    pub accounts_liquidated: f64,
    pub bad_debt_usd: f64,
}

/// One path's state (one lane of a block), for observers of a single path.
#[derive(Debug, Clone, Default)]
pub struct PathState {
    pub stress: bool,
    pub exogenous_log: Vec<f64>,
    pub impact_log: Vec<f64>,
    pub price: Vec<f64>,
    pub max_drawdown: Vec<f64>,
    pub margin: Vec<MarginState>,
    pub liquidated_notional_usd: f64,
    pub forced_selling_usd: f64,
    pub traded_usd: Vec<f64>,
}

impl PathState {
    /// Sets this to lane `lane` of `block`, reusing the allocations.
    pub fn copy_lane<const W: usize>(&mut self, block: &BlockState<W>, lane: usize) {
        let copy = |to: &mut Vec<f64>, from: &[Lanes<W>]| {
            to.clear();
            to.extend(from.iter().map(|value| value.0[lane]));
        };
        self.stress = block.stress.lane(lane);
        copy(&mut self.exogenous_log, &block.exogenous_log);
        copy(&mut self.impact_log, &block.impact_log);
        copy(&mut self.price, &block.price);
        self.max_drawdown.clear();
        self.max_drawdown
            .extend((0..block.price.len()).map(|k| block.max_drawdown(k).0[lane]));
        copy(&mut self.traded_usd, &block.traded_usd);
        self.margin.clear();
        self.margin
            .extend(block.margin.iter().map(|book| MarginState {
                liquidated: book.liquidated[lane],
                liquidated_notional_usd: book.liquidated_notional_usd.0[lane],
                accounts_liquidated: book.accounts_liquidated.0[lane],
                bad_debt_usd: book.bad_debt_usd.0[lane],
            }));
        self.liquidated_notional_usd = block.liquidated_notional_usd.0[lane];
        self.forced_selling_usd = block.forced_selling_usd.0[lane];
    }
}
