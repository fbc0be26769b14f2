//! What `firesale validate` shows of a compiled model: the run's settings, the assets, the
//! range of each correlation matrix's eigenvalues and every cohort's compiled book (bucket
//! leverages included). [`CompiledModel`] is that as data (`validate --json`, Python's
//! `firesale.validate`); [`text`] is the terminal view of the same facts.

use serde::Serialize;

use super::format::{Format, counted, usd};
use super::summary::Named;
use super::tables::Table;
use crate::model::{Asset, Cohort, CohortKind, ImpactShape, Model};

/// The compiled model, as `validate --json` writes it.
#[derive(Debug, Clone, Serialize)]
pub struct CompiledModel {
    pub scenario: String,
    pub description: String,
    pub steps: u32,
    pub step_hours: f64,
    pub paths: u64,
    pub seed: u64,
    pub max_cascade_rounds: u32,
    /// `sqrt` or `linear`.
    pub impact: &'static str,
    /// ν of the Student-t shocks; `None` (JSON null) for Gaussian shocks.
    pub student_t_dof: Option<u32>,
    pub assets: Named<AssetView>,
    /// Smallest and largest eigenvalue of the calm and the stress correlation matrix.
    pub correlation_eigenvalues: Named<EigenvalueRange>,
    pub cohorts: Named<CohortView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssetView {
    pub sector: Option<String>,
    pub price: f64,
    pub vol: f64,
    pub stress_vol_multiplier: f64,
    /// USD that moves the price by 1%.
    pub depth: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct EigenvalueRange {
    pub min: f64,
    pub max: f64,
}

/// One cohort: its kind, whether its trades move prices, and its book.
#[derive(Debug, Clone, Serialize)]
pub struct CohortView {
    /// `margin`, `leveraged_etf` or `vol_target`.
    pub kind: &'static str,
    /// False for a price taker (`impact = false`).
    pub impact: bool,
    /// Asset name → weight.
    pub weights: Named<f64>,
    #[serde(flatten)]
    pub book: BookView,
}

/// The fields of each kind of book, by the scenario format's names.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum BookView {
    Margin {
        equity: f64,
        accounts: f64,
        maintenance_margin: f64,
        liquidation_fee: f64,
        /// Leverage and share of the cohort's equity of every bucket, most levered first.
        buckets: Vec<BucketView>,
    },
    LeveragedEtf {
        aum: f64,
        leverage: f64,
        rebalance_every_steps: u32,
    },
    VolTarget {
        equity: f64,
        target_vol: f64,
        max_leverage: f64,
        initial_vol: f64,
        ewma_half_life_hours: f64,
        rebalance_every_steps: u32,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct BucketView {
    pub leverage: f64,
    pub equity_share: f64,
}

impl CompiledModel {
    pub fn new(model: &Model) -> Self {
        let eigenvalues = ["calm", "stress"].iter().zip(&model.correlation);
        CompiledModel {
            scenario: model.name.clone(),
            description: model.description.clone(),
            steps: model.steps,
            step_hours: model.step_hours,
            paths: model.paths,
            seed: model.seed,
            max_cascade_rounds: model.max_cascade_rounds,
            impact: match model.impact_shape {
                ImpactShape::Linear => "linear",
                ImpactShape::Sqrt => "sqrt",
            },
            student_t_dof: (model.student_t_dof != 0).then_some(model.student_t_dof),
            assets: Named(model.assets.iter().map(asset_view).collect()),
            correlation_eigenvalues: Named(
                (eigenvalues.map(|(regime, c)| {
                    let range = EigenvalueRange {
                        min: c.min_eigenvalue,
                        max: c.max_eigenvalue,
                    };
                    (regime.to_string(), range)
                }))
                .collect(),
            ),
            cohorts: Named(
                (model.cohorts.iter())
                    .map(|cohort| (cohort.name.clone(), cohort_view(model, cohort)))
                    .collect(),
            ),
        }
    }
}

fn asset_view(asset: &Asset) -> (String, AssetView) {
    let view = AssetView {
        sector: asset.sector.clone(),
        price: asset.price_usd,
        vol: asset.vol,
        stress_vol_multiplier: asset.stress_vol_multiplier,
        depth: asset.depth_usd,
    };
    (asset.name.clone(), view)
}

fn cohort_view(model: &Model, cohort: &Cohort) -> CohortView {
    let book = match &cohort.kind {
        CohortKind::Margin(book) => BookView::Margin {
            equity: book.equity_usd,
            accounts: book.accounts,
            maintenance_margin: book.maintenance_margin,
            liquidation_fee: book.liquidation_fee,
            buckets: (book.buckets.iter())
                .map(|b| BucketView {
                    leverage: b.leverage,
                    equity_share: b.equity_share,
                })
                .collect(),
        },
        CohortKind::LeveragedEtf(etf) => BookView::LeveragedEtf {
            aum: etf.aum_usd,
            leverage: etf.leverage,
            rebalance_every_steps: etf.rebalance_every_steps,
        },
        CohortKind::VolTarget(fund) => BookView::VolTarget {
            equity: fund.equity_usd,
            target_vol: fund.target_vol,
            max_leverage: fund.max_leverage,
            initial_vol: fund.initial_vol,
            ewma_half_life_hours: fund.ewma_half_life_hours,
            rebalance_every_steps: fund.rebalance_every_steps,
        },
    };
    let weights = (cohort.kind.weights().iter())
        .map(|w| (model.assets[w.asset].name.clone(), w.weight))
        .collect();
    CohortView {
        kind: cohort.kind.label(),
        impact: cohort.impact,
        weights: Named(weights),
        book,
    }
}

/// The terminal view: `scenario NAME is valid`, the settings, then tables and lines of the
/// compiled values as the scenario file writes them (to the cent and the permille).
pub fn text(model: &Model) -> String {
    let compiled = CompiledModel::new(model);
    let mut out = format!(
        "scenario {} is valid{}\n  {} steps of {} h, {} paths by default, seed {}, up to {} cascade rounds, {:?} impact, {}\n",
        compiled.scenario,
        if compiled.description.is_empty() {
            String::new()
        } else {
            format!(": {}", compiled.description)
        },
        compiled.steps,
        compiled.step_hours,
        compiled.paths,
        compiled.seed,
        compiled.max_cascade_rounds,
        model.impact_shape,
        match compiled.student_t_dof {
            None => "Gaussian shocks".to_string(),
            Some(dof) => format!("Student-t shocks with {dof} degrees of freedom"),
        },
    );
    out += "\nassets\n";
    let assets = Table::of("assets", "Assets", &compiled.assets.0)
        .text("name", "name", |(name, _)| name.clone())
        .text("sector", "sector", |(_, a)| {
            a.sector.as_deref().unwrap_or("-").to_string()
        })
        .text("price", "price", |(_, a)| format!("{:.2}", a.price))
        .right()
        .text("vol", "vol", |(_, a)| format!("{:.3}", a.vol))
        .right()
        .text("stress_vol_multiplier", "stress×", |(_, a)| {
            format!("{:.2}", a.stress_vol_multiplier)
        })
        .right()
        .number("depth", "depth/1%", Format::Usd, |(_, a)| a.depth)
        .table();
    out += &assets.to_text();
    out += "\ncorrelation eigenvalues\n";
    let eigenvalues = Table::of(
        "correlation_eigenvalues",
        "Correlation eigenvalues",
        &compiled.correlation_eigenvalues.0,
    )
    .text("regime", "regime", |(regime, _)| regime.clone())
    .text("min", "smallest", |(_, range)| format!("{:.4}", range.min))
    .right()
    .text("max", "largest", |(_, range)| format!("{:.4}", range.max))
    .right()
    .table();
    out += &eigenvalues.to_text();
    out += "\ncohorts\n";
    for (name, cohort) in &compiled.cohorts.0 {
        let impact = if cohort.impact { "" } else { " (price taker)" };
        out += &format!("  {name} [{}]{impact}\n", cohort.kind);
        let weights = (cohort.weights.0.iter())
            .map(|(asset, weight)| format!("{asset} {weight:+.3}"))
            .collect::<Vec<_>>()
            .join(", ");
        out += &match &cohort.book {
            BookView::Margin {
                equity,
                accounts,
                maintenance_margin,
                liquidation_fee,
                buckets,
            } => format!(
                "    equity {}, {}, maintenance margin {}, fee {}, weights {weights}\n    bucket leverages {}\n",
                usd(*equity),
                counted(*accounts, "account"),
                Format::Percent.show(*maintenance_margin),
                Format::Percent.show(*liquidation_fee),
                (buckets.iter())
                    .map(|b| format!("{:.2}×({:.1}%)", b.leverage, 100.0 * b.equity_share))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            BookView::LeveragedEtf {
                aum,
                leverage,
                rebalance_every_steps,
            } => format!(
                "    aum {}, leverage {leverage}×, rebalanced every {rebalance_every_steps} steps, weights {weights}\n",
                usd(*aum),
            ),
            BookView::VolTarget {
                equity,
                target_vol,
                max_leverage,
                initial_vol,
                ewma_half_life_hours,
                rebalance_every_steps,
            } => format!(
                "    equity {}, target vol {target_vol}, max leverage {max_leverage}, initial vol {initial_vol}, EWMA half-life {ewma_half_life_hours} h, rebalanced every {rebalance_every_steps} steps, weights {weights}\n",
                usd(*equity),
            ),
        };
    }
    out
}
