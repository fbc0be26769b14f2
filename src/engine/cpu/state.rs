//! The state one path carries from step to step, allocated once per worker and reset for
//! each path (mirrors the per-invocation variables of the GPU step shader).

use wide::f64x4;

use super::plan::Plan;

#[derive(Debug, Clone)]
pub struct MarginState {
    /// Buckets liquidated so far: always a prefix (highest leverage first).
    pub liquidated: usize,
    /// Σ max(0, realised) of liquidated buckets, USD.
    pub kept_usd: f64,
    pub liquidated_notional_usd: f64,
    pub accounts_liquidated: f64,
    pub bad_debt_usd: f64,
}

#[derive(Debug, Clone)]
pub struct EtfState {
    pub aum_usd: f64,
    /// Relative prices at the last rebalance, one per weight.
    pub reference: Vec<f64>,
}

#[derive(Debug, Clone)]
pub struct VolTargetState {
    pub equity_usd: f64,
    pub exposure_usd: f64,
    /// EWMA variance, annualised.
    pub variance: f64,
    pub reference: Vec<f64>,
}

#[derive(Debug, Clone)]
pub struct PathState {
    pub stress: bool,
    /// Cumulative exogenous log return per asset.
    pub exogenous_log: Vec<f64>,
    /// Impact displacement I_k per asset (log units).
    pub impact_log: Vec<f64>,
    /// P_k(t)/P_k(0) = exp(exogenous + impact).
    pub price: Vec<f64>,
    pub running_max: Vec<f64>,
    pub max_drawdown: Vec<f64>,
    /// Net impact-bearing flow per asset of the current round, USD (negative = selling).
    pub flow_usd: Vec<f64>,
    /// Scratch: the step's standard normals.
    pub normals: Vec<f64>,
    pub margin: Vec<MarginState>,
    pub etfs: Vec<EtfState>,
    pub vol_targets: Vec<VolTargetState>,
    pub liquidated_notional_usd: f64,
    pub forced_selling_usd: f64,
    /// Per cohort (scenario order): the signed USD it has traded so far, liquidations and
    /// rebalancing, price takers included (negative: net selling).
    pub traded_usd: Vec<f64>,
    pub rounds_exhausted: bool,
}

impl PathState {
    pub fn new(plan: &Plan) -> Self {
        let k = plan.assets;
        let mut state = PathState {
            stress: false,
            exogenous_log: vec![0.0; k],
            impact_log: vec![0.0; k],
            price: vec![1.0; k],
            running_max: vec![1.0; k],
            max_drawdown: vec![0.0; k],
            flow_usd: vec![0.0; k],
            normals: vec![0.0; plan.normals_per_step().div_ceil(2) * 2],
            margin: plan
                .margin
                .iter()
                .map(|_| MarginState {
                    liquidated: 0,
                    kept_usd: 0.0,
                    liquidated_notional_usd: 0.0,
                    accounts_liquidated: 0.0,
                    bad_debt_usd: 0.0,
                })
                .collect(),
            etfs: plan
                .etfs
                .iter()
                .map(|etf| EtfState {
                    aum_usd: 0.0,
                    reference: vec![1.0; etf.weights.len()],
                })
                .collect(),
            vol_targets: plan
                .vol_targets
                .iter()
                .map(|fund| VolTargetState {
                    equity_usd: 0.0,
                    exposure_usd: 0.0,
                    variance: 0.0,
                    reference: vec![1.0; fund.weights.len()],
                })
                .collect(),
            liquidated_notional_usd: 0.0,
            forced_selling_usd: 0.0,
            traded_usd: vec![0.0; plan.cohorts()],
            rounds_exhausted: false,
        };
        state.reset(plan);
        state
    }

    /// Back to t = 0 (everything at its initial value), keeping the allocations.
    pub fn reset(&mut self, plan: &Plan) {
        self.stress = false;
        self.exogenous_log.fill(0.0);
        self.impact_log.fill(0.0);
        self.price.fill(1.0);
        self.running_max.fill(1.0);
        self.max_drawdown.fill(0.0);
        for book in &mut self.margin {
            book.liquidated = 0;
            book.kept_usd = 0.0;
            book.liquidated_notional_usd = 0.0;
            book.accounts_liquidated = 0.0;
            book.bad_debt_usd = 0.0;
        }
        for (state, etf) in self.etfs.iter_mut().zip(&plan.etfs) {
            state.aum_usd = etf.aum_usd;
            state.reference.fill(1.0);
        }
        for (state, fund) in self.vol_targets.iter_mut().zip(&plan.vol_targets) {
            state.equity_usd = fund.equity_usd;
            state.exposure_usd =
                fund.equity_usd * fund.max_leverage.min(fund.target_vol / fund.initial_vol);
            state.variance = fund.initial_vol * fund.initial_vol;
            state.reference.fill(1.0);
        }
        self.liquidated_notional_usd = 0.0;
        self.forced_selling_usd = 0.0;
        self.traded_usd.fill(0.0);
        self.rounds_exhausted = false;
    }

    /// Recomputes relative prices from the exogenous and impact parts, four assets per
    /// SIMD `exp`.
    pub fn refresh_prices(&mut self) {
        let assets = self.price.len();
        for start in (0..assets).step_by(4) {
            let lanes = (assets - start).min(4);
            let mut log_price = [0.0; 4];
            let parts = self.exogenous_log[start..]
                .iter()
                .zip(&self.impact_log[start..]);
            for (slot, (exogenous, impact)) in log_price.iter_mut().zip(parts) {
                *slot = exogenous + impact;
            }
            let price = f64x4::from(log_price).exp().to_array();
            self.price[start..start + lanes].copy_from_slice(&price[..lanes]);
        }
    }

    /// End of step: the running maximum and the deepest drawdown so far.
    pub fn track_drawdown(&mut self) {
        for ((price, peak), drawdown) in self
            .price
            .iter()
            .zip(&mut self.running_max)
            .zip(&mut self.max_drawdown)
        {
            *peak = peak.max(*price);
            *drawdown = drawdown.max(1.0 - price / *peak);
        }
    }
}
