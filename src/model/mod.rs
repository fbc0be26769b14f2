//! The compiled model: a validated scenario turned into flat numbers an engine can run
//! without looking anything up (indices instead of names, normalised weights, Cholesky
//! factors, leverage buckets, per-step probabilities). Both engines read only this.

/// How a net flow moves the log price (MODEL.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImpactShape {
    /// g(q) = q
    Linear,
    /// g(q) = sign(q)·sqrt(|q|)
    Sqrt,
}

/// Regime-switching parameters; all probabilities are per step.
#[derive(Debug, Clone, PartialEq)]
pub struct Regimes {
    pub initial_stress_probability: f64,
    pub calm_to_stress_per_step: f64,
    pub stress_to_calm_per_step: f64,
    pub stress_depth_multiplier: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Asset {
    pub name: String,
    /// The asset's sector, or `None` (a sector of its own).
    pub sector: Option<String>,
    pub price_usd: f64,
    /// Annualised calm volatility.
    pub vol: f64,
    pub stress_vol_multiplier: f64,
    /// Annualised drift μ.
    pub drift: f64,
    /// USD flow that moves the price by 1% (calm regime).
    pub depth_usd: f64,
}

/// A K×K symmetric matrix, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    pub n: usize,
    pub data: Vec<f64>,
}

impl Matrix {
    pub fn identity(n: usize) -> Self {
        let mut data = vec![0.0; n * n];
        for i in 0..n {
            data[i * n + i] = 1.0;
        }
        Matrix { n, data }
    }

    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.n + j]
    }
}

/// A regime's correlation, with what the engines and `validate` need of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    pub matrix: Matrix,
    /// Lower-triangular Cholesky factor L with L·Lᵀ = matrix.
    pub cholesky: Matrix,
    pub min_eigenvalue: f64,
    pub max_eigenvalue: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Jump {
    pub name: String,
    pub intensity_per_year: f64,
    /// 1 − exp(−λΔ): the chance it fires in one step.
    pub fire_probability: f64,
    pub mean_log: f64,
    pub stdev_log: f64,
    /// β_k for every asset (0 where not loaded).
    pub loadings: Vec<f64>,
}

/// One equal-leverage slice of a margin cohort.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub leverage: f64,
    /// s_b, summing to 1 over the cohort.
    pub equity_share: f64,
}

/// A signed weight on one asset (Σ|w| = 1 over the cohort's entries).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weight {
    pub asset: usize,
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MarginBook {
    pub equity_usd: f64,
    /// Non-zero weights only, in asset order.
    pub weights: Vec<Weight>,
    /// Sorted by leverage, highest first: breaches always take a prefix.
    pub buckets: Vec<Bucket>,
    pub maintenance_margin: f64,
    pub liquidation_fee: f64,
    pub accounts: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LeveragedEtf {
    pub aum_usd: f64,
    pub leverage: f64,
    pub weights: Vec<Weight>,
    /// Rebalances after step t when t is a multiple of this.
    pub rebalance_every_steps: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VolTargetFund {
    pub equity_usd: f64,
    pub weights: Vec<Weight>,
    pub target_vol: f64,
    pub max_leverage: f64,
    pub initial_vol: f64,
    pub ewma_half_life_hours: f64,
    pub rebalance_every_steps: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CohortKind {
    Margin(MarginBook),
    LeveragedEtf(LeveragedEtf),
    VolTarget(VolTargetFund),
}

impl CohortKind {
    /// The `kind` string of the scenario format and the JSON output.
    pub fn label(&self) -> &'static str {
        match self {
            CohortKind::Margin(_) => "margin",
            CohortKind::LeveragedEtf(_) => "leveraged_etf",
            CohortKind::VolTarget(_) => "vol_target",
        }
    }

    /// The book's weights per asset.
    pub fn weights(&self) -> &[Weight] {
        match self {
            CohortKind::Margin(book) => &book.weights,
            CohortKind::LeveragedEtf(etf) => &etf.weights,
            CohortKind::VolTarget(fund) => &fund.weights,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    pub name: String,
    /// Whether its flows move prices (`impact = false`: a price taker).
    pub impact: bool,
    pub kind: CohortKind,
}

/// Everything a run needs, validated. Built by `scenario::compile`.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub name: String,
    pub description: String,
    /// Default path count (the CLI may override it).
    pub paths: u64,
    pub steps: u32,
    pub step_hours: f64,
    pub seed: u64,
    pub max_cascade_rounds: u32,
    pub impact_shape: ImpactShape,
    /// Per-step factor 2^(−step_hours/half_life); 1 when impact is permanent.
    pub impact_decay_per_step: f64,
    /// ν, or 0 for Gaussian shocks.
    pub student_t_dof: u32,
    pub regimes: Regimes,
    pub assets: Vec<Asset>,
    /// Index 0: calm, 1: stress.
    pub correlation: [Correlation; 2],
    pub jumps: Vec<Jump>,
    pub cohorts: Vec<Cohort>,
}

impl Model {
    /// Step length Δ in years.
    pub fn step_years(&self) -> f64 {
        self.step_hours / 8760.0
    }
}
