//! Valid scenarios compile into the model MODEL.md §3 and §7 describe: normalised weights,
//! leverage buckets, sector-block correlations with their Cholesky factors, per-step
//! probabilities, and the defaults of §7.8.

use firesale::model::{
    Bucket, CohortKind, Correlation, ImpactShape, MarginBook, Matrix, Model, Weight,
};
use firesale::scenario::{builtin, compile_str, load};
use statrs::distribution::{ContinuousCDF, Normal};

/// The MODEL.md §5 example, with the assets its other sections name (ETH, a semis stock and
/// GLD) added so that it is complete (tests/fixtures/model-section-5.toml).
const SECTION_5: &str = include_str!("../fixtures/model-section-5.toml");

/// A minimal scenario: `assets` (TOML `[[assets]]` entries) and `rest` appended.
fn scenario(assets: &[(&str, Option<&str>)], rest: &str) -> String {
    let mut text = String::from("[simulation]\nsteps = 10\n");
    for (name, sector) in assets {
        text +=
            &format!("[[assets]]\nname = \"{name}\"\nprice = 100.0\nvol = 0.2\ndepth = 1.0e9\n");
        if let Some(sector) = sector {
            text += &format!("sector = \"{sector}\"\n");
        }
    }
    text + rest
}

fn compile(text: &str) -> Model {
    compile_str(text, "test.toml").unwrap_or_else(|err| panic!("{err}"))
}

fn margin(model: &Model, cohort: usize) -> &MarginBook {
    match &model.cohorts[cohort].kind {
        CohortKind::Margin(book) => book,
        other => panic!("expected a margin cohort, got {}", other.label()),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * (1.0 + a.abs().max(b.abs()))
}

/// L·Lᵀ reproduces the matrix and L is lower-triangular.
fn assert_factorises(correlation: &Correlation) {
    let (m, l) = (&correlation.matrix, &correlation.cholesky);
    for i in 0..m.n {
        for j in 0..m.n {
            let product: f64 = (0..m.n).map(|k| l.get(i, k) * l.get(j, k)).sum();
            assert!(close(product, m.get(i, j)), "(L·Lᵀ)[{i}][{j}] = {product}");
            if j > i {
                assert_eq!(l.get(i, j), 0.0);
            }
        }
    }
}

/// The §5 example compiles with every value carried over.
#[test]
fn section_5_example_compiles() {
    let model = compile(SECTION_5);
    assert_eq!(model.name, "example");
    assert_eq!(model.description, "free text");
    assert_eq!((model.paths, model.steps, model.seed), (100_000, 168, 7));
    assert_eq!(model.max_cascade_rounds, 16);
    assert_eq!(model.impact_shape, ImpactShape::Sqrt);
    assert_eq!(model.impact_decay_per_step, 1.0);
    assert_eq!(model.student_t_dof, 4);
    assert_eq!(model.regimes.stress_depth_multiplier, 0.35);
    assert_eq!(model.assets.len(), 4);
    assert_eq!(model.jumps[0].loadings, vec![1.0, 1.3, 0.0, 0.0]);
    assert!(close(model.correlation[0].matrix.get(0, 2), 0.3));
    assert!(close(model.correlation[1].matrix.get(0, 2), 0.6));
    let perps = margin(&model, 0);
    assert_eq!(perps.buckets.len(), 16);
    assert_eq!(perps.accounts, 250_000.0);
    assert!(model.cohorts[0].impact);
    assert!(!model.cohorts[1].impact);
}

/// Lognormal buckets are median·exp(sigma·Φ⁻¹((b + ½)/B)) clamped below at 1, equal shares,
/// highest first.
#[test]
fn lognormal_buckets_follow_the_formula() {
    let (median, sigma, count) = (2.0, 1.5, 8);
    let text = scenario(
        &[("BTC", None)],
        &format!(
            "[[cohorts]]\nname = \"c\"\nkind = \"margin\"\nequity = 1.0e9\n\
             weights = {{ BTC = 1.0 }}\n\
             leverage = {{ median = {median}, sigma = {sigma}, buckets = {count} }}\n\
             maintenance_margin = 0.01\n"
        ),
    );
    let model = compile(&text);
    let normal = Normal::standard();
    let mut expected: Vec<f64> = (0..count)
        .map(|b| {
            let p = (f64::from(b) + 0.5) / f64::from(count);
            (median * (sigma * normal.inverse_cdf(p)).exp()).max(1.0)
        })
        .collect();
    expected.reverse();
    let buckets = &margin(&model, 0).buckets;
    assert_eq!(buckets.len(), expected.len());
    for (bucket, want) in buckets.iter().zip(&expected) {
        assert!(close(bucket.leverage, *want), "{buckets:?} vs {expected:?}");
        assert!(close(bucket.equity_share, 1.0 / f64::from(count)));
    }
    assert_eq!(
        buckets.last().map(|b| b.leverage),
        Some(1.0),
        "clamped at 1"
    );
}

/// A `[[leverage, share], …]` list: shares normalised, zero shares dropped, highest first;
/// TOML integers are accepted as numbers.
#[test]
fn leverage_list_is_normalised_and_sorted() {
    let text = scenario(
        &[("BTC", None)],
        "[[cohorts]]\nname = \"c\"\nkind = \"margin\"\nequity = 1.0e9\nweights = { BTC = 1.0 }\n\
         leverage = [[2, 1], [0.5, 0], [5.0, 3]]\nmaintenance_margin = 0.1\n",
    );
    let model = compile(&text);
    let expected = [
        Bucket {
            leverage: 5.0,
            equity_share: 0.75,
        },
        Bucket {
            leverage: 2.0,
            equity_share: 0.25,
        },
    ];
    assert_eq!(margin(&model, 0).buckets, expected);
}

/// Sector blocks (§7.7): `within` for the same listed sector, `between` in either order,
/// `default` otherwise (also for an asset without a sector, and a sector not in `within`);
/// no `[correlation.stress]` means the calm matrix.
#[test]
fn sector_blocks_build_the_matrix() {
    let assets = [
        ("BTC", Some("crypto")),
        ("ETH", Some("crypto")),
        ("NVDA", Some("semis")),
        ("AMD", Some("semis")),
        ("GLD", None),
        ("SLV", None),
    ];
    let text = scenario(
        &assets,
        "[correlation.calm]\ndefault = 0.1\nwithin = { crypto = 0.8 }\n\
         between = [[\"semis\", \"crypto\", 0.3]]\n",
    );
    let model = compile(&text);
    let (c, x, s, d) = (0.8, 0.3, 0.1, 0.1);
    #[rustfmt::skip]
    let expected = [
        1.0, c,   x,   x,   d,   d,
        c,   1.0, x,   x,   d,   d,
        x,   x,   1.0, s,   d,   d,
        x,   x,   s,   1.0, d,   d,
        d,   d,   d,   d,   1.0, d,
        d,   d,   d,   d,   d,   1.0,
    ];
    assert_eq!(model.correlation[0].matrix.data, expected);
    assert_eq!(model.correlation[1], model.correlation[0]);
}

/// An explicit matrix is taken as is; Cholesky·transpose reproduces every regime's matrix,
/// and a 2×2 matrix with ρ has eigenvalues 1 ± ρ.
#[test]
fn cholesky_reproduces_the_matrix() {
    let text = scenario(
        &[("A", None), ("B", None)],
        "[correlation.stress]\nmatrix = [[1.0, 0.6], [0.6, 1.0]]\n",
    );
    let model = compile(&text);
    let stress = &model.correlation[1];
    assert_eq!(stress.matrix.data, vec![1.0, 0.6, 0.6, 1.0]);
    assert!(close(stress.min_eigenvalue, 0.4) && close(stress.max_eigenvalue, 1.6));
    assert_eq!(model.correlation[0].matrix, Matrix::identity(2));
    for correlation in model
        .correlation
        .iter()
        .chain(&compile(SECTION_5).correlation)
    {
        assert_factorises(correlation);
    }
}

/// `notional` gives weights notional/Σ|notional| and one bucket at Σ|notional|/equity.
#[test]
fn notional_sets_weights_and_leverage() {
    let model = compile(SECTION_5);
    let fund = margin(&model, 1);
    assert_eq!(
        fund.weights,
        vec![
            Weight {
                asset: 0,
                weight: 0.625
            },
            Weight {
                asset: 3,
                weight: -0.375
            },
        ]
    );
    assert_eq!(
        fund.buckets,
        vec![Bucket {
            leverage: 0.8,
            equity_share: 1.0
        }]
    );
}

/// Weights are normalised to Σ|w| = 1, zeros dropped, in asset order.
#[test]
fn weights_are_normalised_in_asset_order() {
    let text = scenario(
        &[("BTC", None), ("ETH", None), ("NVDA", None)],
        "[[cohorts]]\nname = \"etf\"\nkind = \"leveraged_etf\"\naum = 1.0e9\nleverage = -1.0\n\
         weights = { NVDA = 2.0, BTC = 0.0, ETH = -2.0 }\nrebalance_hours = 24.0\n",
    );
    let model = compile(&text);
    let CohortKind::LeveragedEtf(etf) = &model.cohorts[0].kind else {
        panic!("expected a leveraged ETF");
    };
    let weights: Vec<(usize, f64)> = etf.weights.iter().map(|w| (w.asset, w.weight)).collect();
    assert_eq!(weights, vec![(1, -0.5), (2, 0.5)]);
    assert_eq!((etf.leverage, etf.rebalance_every_steps), (-1.0, 24));
}

/// Per-step quantities: jump probability 1 − exp(−λΔ), impact decay 2^(−step/half-life),
/// rebalancing every rebalance_hours/step_hours steps.
#[test]
fn per_step_quantities() {
    let text = scenario(
        &[("BTC", None)],
        "[market]\nimpact = \"linear\"\nimpact_half_life_hours = 12.0\n\
         [[jumps]]\nname = \"j\"\nintensity_per_year = 6.0\nmean = -0.1\nloadings = { BTC = 1.0 }\n\
         [[cohorts]]\nname = \"vt\"\nkind = \"vol_target\"\nequity = 1.0e9\n\
         weights = { BTC = 1.0 }\n\
         target_vol = 0.1\nmax_leverage = 2.0\ninitial_vol = 0.2\newma_half_life_hours = 24.0\n\
         rebalance_hours = 24.0\n",
    )
    .replace("steps = 10", "steps = 10\nstep_hours = 4.0");
    let model = compile(&text);
    let jump = &model.jumps[0];
    assert!(close(
        jump.fire_probability,
        1.0 - (-6.0 * 4.0 / 8760.0_f64).exp()
    ));
    assert_eq!(jump.stdev_log, 0.0);
    assert_eq!(model.impact_shape, ImpactShape::Linear);
    assert!(close(model.impact_decay_per_step, 2f64.powf(-4.0 / 12.0)));
    let CohortKind::VolTarget(fund) = &model.cohorts[0].kind else {
        panic!("expected a vol-target fund");
    };
    assert_eq!(fund.rebalance_every_steps, 6);
    assert_eq!((fund.target_vol, fund.initial_vol), (0.1, 0.2));
}

/// Absent keys take the §7.8 defaults; the name falls back to the file's stem.
#[test]
fn defaults_are_applied() {
    let text = scenario(
        &[("BTC", None), ("ETH", None)],
        "[[cohorts]]\nname = \"c\"\nkind = \"margin\"\nequity = 1.0e9\nweights = { BTC = 1.0 }\n\
         leverage = 3.0\nmaintenance_margin = 0.1\n",
    );
    let model = compile_str(&text, "dir/my-scenario.toml").unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(model.name, "my-scenario");
    assert_eq!(model.description, "");
    assert_eq!(
        (model.paths, model.step_hours, model.seed),
        (100_000, 1.0, 0)
    );
    assert_eq!(model.max_cascade_rounds, 16);
    assert_eq!(model.impact_shape, ImpactShape::Sqrt);
    assert_eq!((model.impact_decay_per_step, model.student_t_dof), (1.0, 0));
    let regimes = &model.regimes;
    assert_eq!(regimes.initial_stress_probability, 0.0);
    assert_eq!(regimes.calm_to_stress_per_step, 0.0);
    assert_eq!(regimes.stress_to_calm_per_step, 0.0);
    assert_eq!(regimes.stress_depth_multiplier, 1.0);
    let asset = &model.assets[0];
    assert_eq!((asset.stress_vol_multiplier, asset.drift), (1.0, 0.0));
    assert_eq!(asset.sector, None);
    for correlation in &model.correlation {
        assert_eq!(correlation.matrix, Matrix::identity(2));
        assert_eq!(correlation.cholesky, Matrix::identity(2));
    }
    let book = margin(&model, 0);
    assert_eq!((book.liquidation_fee, book.accounts), (0.0, 1.0));
    assert!(model.cohorts[0].impact);
    assert!(model.jumps.is_empty());
}

/// Every built-in compiles under its own name, has a description, and loads by name.
#[test]
fn builtins_compile() {
    assert!(!builtin::all().is_empty());
    for scenario in builtin::all() {
        let model = scenario
            .model()
            .unwrap_or_else(|err| panic!("{}: {err}", scenario.name));
        assert_eq!(model.name, scenario.name);
        assert!(!scenario.description().unwrap_or_default().is_empty());
        assert_eq!(load(scenario.name).ok(), Some(model));
        assert!(builtin::find(scenario.name).is_some());
    }
}

/// A scenario file on disk loads by path.
#[test]
fn loads_a_file() {
    let path = std::env::temp_dir().join(format!("firesale-load-{}.toml", std::process::id()));
    std::fs::write(&path, SECTION_5).expect("write a temporary scenario");
    let loaded = load(&path.to_string_lossy());
    std::fs::remove_file(&path).expect("remove the temporary scenario");
    assert_eq!(loaded.ok(), Some(compile(SECTION_5)));
}
