//! `firesale validate SCENARIO`: checks a scenario and prints the compiled model (assets,
//! correlation eigenvalue ranges, bucket leverages), without simulating.

use firesale::Result;
use firesale::model::{CohortKind, Model, Weight};
use firesale::report::format::{Format, counted, usd};
use firesale::report::tables::Table;

pub fn run(spec: &str) -> Result<()> {
    let model = firesale::scenario::load(spec)?;
    print!("{}", describe(&model));
    Ok(())
}

fn describe(model: &Model) -> String {
    let mut out = format!(
        "scenario {} is valid{}\n  {} steps of {} h, {} paths by default, seed {}, up to {} cascade rounds, {:?} impact, {}\n",
        model.name,
        if model.description.is_empty() {
            String::new()
        } else {
            format!(": {}", model.description)
        },
        model.steps,
        model.step_hours,
        model.paths,
        model.seed,
        model.max_cascade_rounds,
        model.impact_shape,
        if model.student_t_dof == 0 {
            "Gaussian shocks".to_string()
        } else {
            format!(
                "Student-t shocks with {} degrees of freedom",
                model.student_t_dof
            )
        },
    );
    out += "\nassets\n";
    // The compiled values as the scenario file writes them, to the cent and the permille.
    let assets = Table::of("assets", "Assets", &model.assets)
        .text("name", "name", |a| a.name.clone())
        .text("sector", "sector", |a| {
            a.sector.as_deref().unwrap_or("-").to_string()
        })
        .text("price", "price", |a| format!("{:.2}", a.price_usd))
        .right()
        .text("vol", "vol", |a| format!("{:.3}", a.vol))
        .right()
        .text("stress_vol_multiplier", "stress×", |a| {
            format!("{:.2}", a.stress_vol_multiplier)
        })
        .right()
        .number("depth", "depth/1%", Format::Usd, |a| a.depth_usd)
        .table();
    out += &assets.to_text();
    out += "\ncorrelation eigenvalues\n";
    for (label, correlation) in ["calm", "stress"].iter().zip(&model.correlation) {
        out += &format!(
            "  {label:<7} min {:.4}  max {:.4}\n",
            correlation.min_eigenvalue, correlation.max_eigenvalue
        );
    }
    out += "\ncohorts\n";
    for cohort in &model.cohorts {
        let impact = if cohort.impact { "" } else { " (price taker)" };
        out += &format!("  {} [{}]{impact}\n", cohort.name, cohort.kind.label());
        out += &match &cohort.kind {
            CohortKind::Margin(book) => format!(
                "    equity {}, {}, maintenance margin {}, fee {}, weights {}\n    bucket leverages {}\n",
                usd(book.equity_usd),
                counted(book.accounts, "account"),
                Format::Percent.show(book.maintenance_margin),
                Format::Percent.show(book.liquidation_fee),
                weights(model, &book.weights),
                book.buckets
                    .iter()
                    .map(|b| format!("{:.2}×({:.1}%)", b.leverage, 100.0 * b.equity_share))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            CohortKind::LeveragedEtf(etf) => format!(
                "    aum {}, leverage {}×, rebalanced every {} steps, weights {}\n",
                usd(etf.aum_usd),
                etf.leverage,
                etf.rebalance_every_steps,
                weights(model, &etf.weights),
            ),
            CohortKind::VolTarget(fund) => format!(
                "    equity {}, target vol {}, max leverage {}, initial vol {}, EWMA half-life {} h, rebalanced every {} steps, weights {}\n",
                usd(fund.equity_usd),
                fund.target_vol,
                fund.max_leverage,
                fund.initial_vol,
                fund.ewma_half_life_hours,
                fund.rebalance_every_steps,
                weights(model, &fund.weights),
            ),
        };
    }
    out
}

fn weights(model: &Model, weights: &[Weight]) -> String {
    weights
        .iter()
        .map(|w| format!("{} {:+.3}", model.assets[w.asset].name, w.weight))
        .collect::<Vec<_>>()
        .join(", ")
}
