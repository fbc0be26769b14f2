//! Per-step constants derived once from the model, so the path loop only multiplies and
//! adds: drift and volatility per step and regime, market depth per regime, the fund
//! schedules. The GPU engine uploads the same numbers.

use crate::model::{CohortKind, ImpactShape, Model, Weight};

/// Index 0: calm, 1: stress.
pub const CALM: usize = 0;
pub const STRESS: usize = 1;

#[derive(Debug, Clone)]
pub struct MarginPlan {
    pub cohort: usize,
    pub impact: bool,
    pub weights: Vec<Weight>,
    pub equity_usd: f64,
    pub maintenance_margin: f64,
    pub liquidation_fee: f64,
    pub accounts: f64,
    /// 1/L_b, ascending (highest leverage first).
    pub inverse_leverage: Vec<f64>,
    /// s_b.
    pub equity_share: Vec<f64>,
    /// G_b = L_b·s_b·E, USD.
    pub gross_usd: Vec<f64>,
}

impl MarginPlan {
    /// 1/L of bucket `b`, or +∞ past the last bucket (never in breach).
    #[inline(always)]
    pub fn inverse_leverage_at(&self, b: usize) -> f64 {
        self.inverse_leverage
            .get(b)
            .copied()
            .unwrap_or(f64::INFINITY)
    }
}

#[derive(Debug, Clone)]
pub struct EtfPlan {
    pub cohort: usize,
    pub impact: bool,
    pub weights: Vec<Weight>,
    pub aum_usd: f64,
    pub leverage: f64,
    pub every_steps: u32,
}

#[derive(Debug, Clone)]
pub struct VolTargetPlan {
    pub cohort: usize,
    pub impact: bool,
    pub weights: Vec<Weight>,
    pub equity_usd: f64,
    pub target_vol: f64,
    pub max_leverage: f64,
    pub initial_vol: f64,
    /// β = 2^(−rebalance_hours / ewma_half_life_hours).
    pub ewma_keep: f64,
    /// τ, the rebalance interval in years.
    pub interval_years: f64,
    pub every_steps: u32,
}

#[derive(Debug, Clone)]
pub struct JumpPlan {
    pub fire_probability: f64,
    pub mean_log: f64,
    pub stdev_log: f64,
    /// Non-zero loadings only.
    pub loadings: Vec<Weight>,
}

/// Everything the path loop reads.
#[derive(Debug, Clone)]
pub struct Plan {
    pub seed: u64,
    pub steps: u32,
    pub assets: usize,
    pub max_cascade_rounds: u32,
    pub initial_stress_probability: f64,
    /// Switching probability out of each regime: [calm→stress, stress→calm].
    pub switch_probability: [f64; 2],
    /// (μ − ½σ_s²)Δ per regime and asset.
    pub drift_per_step: [Vec<f64>; 2],
    /// σ_s·√Δ per regime and asset.
    pub vol_per_step: [Vec<f64>; 2],
    /// Lower Cholesky factor per regime, K×K row-major.
    pub cholesky: [Vec<f64>; 2],
    /// D_ks: USD flow moving the price 1%, per regime and asset.
    pub depth_usd: [Vec<f64>; 2],
    pub jumps: Vec<JumpPlan>,
    /// ν, or 0 for Gaussian.
    pub student_t_dof: u32,
    pub impact_shape: ImpactShape,
    pub impact_decay_per_step: f64,
    pub margin: Vec<MarginPlan>,
    pub etfs: Vec<EtfPlan>,
    pub vol_targets: Vec<VolTargetPlan>,
}

impl Plan {
    pub fn new(model: &Model) -> Self {
        let dt = model.step_years();
        let per_regime = |f: &dyn Fn(usize) -> Vec<f64>| [f(CALM), f(STRESS)];
        let sigma = |regime: usize, k: usize| {
            let asset = &model.assets[k];
            let multiplier = if regime == STRESS {
                asset.stress_vol_multiplier
            } else {
                1.0
            };
            asset.vol * multiplier
        };
        let k_range = 0..model.assets.len();
        let drift_per_step = per_regime(&|s| {
            k_range
                .clone()
                .map(|k| (model.assets[k].drift - 0.5 * sigma(s, k).powi(2)) * dt)
                .collect()
        });
        let vol_per_step =
            per_regime(&|s| k_range.clone().map(|k| sigma(s, k) * dt.sqrt()).collect());
        let depth_usd = per_regime(&|s| {
            let multiplier = if s == STRESS {
                model.regimes.stress_depth_multiplier
            } else {
                1.0
            };
            model
                .assets
                .iter()
                .map(|a| a.depth_usd * multiplier)
                .collect()
        });
        let jumps = model
            .jumps
            .iter()
            .map(|jump| JumpPlan {
                fire_probability: jump.fire_probability,
                mean_log: jump.mean_log,
                stdev_log: jump.stdev_log,
                loadings: nonzero(&jump.loadings),
            })
            .collect();

        let mut margin = Vec::new();
        let mut etfs = Vec::new();
        let mut vol_targets = Vec::new();
        for (index, cohort) in model.cohorts.iter().enumerate() {
            match &cohort.kind {
                CohortKind::Margin(book) => margin.push(MarginPlan {
                    cohort: index,
                    impact: cohort.impact,
                    weights: book.weights.clone(),
                    equity_usd: book.equity_usd,
                    maintenance_margin: book.maintenance_margin,
                    liquidation_fee: book.liquidation_fee,
                    accounts: book.accounts,
                    inverse_leverage: book.buckets.iter().map(|b| 1.0 / b.leverage).collect(),
                    equity_share: book.buckets.iter().map(|b| b.equity_share).collect(),
                    gross_usd: book
                        .buckets
                        .iter()
                        .map(|b| b.leverage * b.equity_share * book.equity_usd)
                        .collect(),
                }),
                CohortKind::LeveragedEtf(etf) => etfs.push(EtfPlan {
                    cohort: index,
                    impact: cohort.impact,
                    weights: etf.weights.clone(),
                    aum_usd: etf.aum_usd,
                    leverage: etf.leverage,
                    every_steps: etf.rebalance_every_steps,
                }),
                CohortKind::VolTarget(fund) => {
                    let interval_hours = f64::from(fund.rebalance_every_steps) * model.step_hours;
                    vol_targets.push(VolTargetPlan {
                        cohort: index,
                        impact: cohort.impact,
                        weights: fund.weights.clone(),
                        equity_usd: fund.equity_usd,
                        target_vol: fund.target_vol,
                        max_leverage: fund.max_leverage,
                        initial_vol: fund.initial_vol,
                        ewma_keep: (-interval_hours / fund.ewma_half_life_hours).exp2(),
                        interval_years: interval_hours / 8760.0,
                        every_steps: fund.rebalance_every_steps,
                    })
                }
            }
        }

        Plan {
            seed: model.seed,
            steps: model.steps,
            assets: model.assets.len(),
            max_cascade_rounds: model.max_cascade_rounds,
            initial_stress_probability: model.regimes.initial_stress_probability,
            switch_probability: [
                model.regimes.calm_to_stress_per_step,
                model.regimes.stress_to_calm_per_step,
            ],
            drift_per_step,
            vol_per_step,
            cholesky: [
                model.correlation[CALM].cholesky.data.clone(),
                model.correlation[STRESS].cholesky.data.clone(),
            ],
            depth_usd,
            jumps,
            student_t_dof: model.student_t_dof,
            impact_shape: model.impact_shape,
            impact_decay_per_step: model.impact_decay_per_step,
            margin,
            etfs,
            vol_targets,
        }
    }

    /// Cohorts of every kind.
    pub fn cohorts(&self) -> usize {
        self.margin.len() + self.etfs.len() + self.vol_targets.len()
    }

    /// Normals drawn per step: K + J + (ν mod 2).
    pub fn normals_per_step(&self) -> usize {
        self.assets + self.jumps.len() + (self.student_t_dof % 2) as usize
    }
}

fn nonzero(values: &[f64]) -> Vec<Weight> {
    values
        .iter()
        .enumerate()
        .filter(|(_, w)| **w != 0.0)
        .map(|(asset, &weight)| Weight { asset, weight })
        .collect()
}
