//! `[[jumps]]` → [`model::Jump`]s: per-step firing probabilities and per-asset loadings.

use super::assets::resolve;
use super::check::{self, At, unique_names, within};
use super::schema;
use crate::model::{self, Asset};
use crate::{Error, Result};

/// Validates the jump types; `step_years` is Δ.
pub fn compile(
    jumps: &[schema::Jump],
    assets: &[Asset],
    step_years: f64,
) -> Result<Vec<model::Jump>> {
    unique_names(
        jumps
            .iter()
            .enumerate()
            .map(|(i, j)| (format!("jumps[{i}].name"), j.name.as_str())),
    )?;
    jumps
        .iter()
        .enumerate()
        .map(|(i, jump)| compile_one(jump, &At::new(format!("jumps[{i}]")), assets, step_years))
        .collect()
}

fn compile_one(
    jump: &schema::Jump,
    at: &At,
    assets: &[Asset],
    step_years: f64,
) -> Result<model::Jump> {
    let field = at.key("loadings");
    if jump.loadings.is_empty() {
        return Err(Error::scenario(
            field,
            "names no asset: give at least one, e.g. loadings = { BTC = 1.0 }",
        ));
    }
    let mut loadings = vec![0.0; assets.len()];
    for entry in resolve(assets, &jump.loadings, &field, check::LOADING)? {
        loadings[entry.asset] = entry.weight;
    }
    let intensity = within(
        jump.intensity_per_year,
        &at.key("intensity_per_year"),
        check::INTENSITY_PER_YEAR,
    )?;
    Ok(model::Jump {
        name: jump.name.clone(),
        intensity_per_year: intensity,
        fire_probability: -(-intensity * step_years).exp_m1(),
        mean_log: within(jump.mean, &at.key("mean"), check::LOG_MOVE)?,
        stdev_log: within(
            jump.stdev.unwrap_or(0.0),
            &at.key("stdev"),
            check::LOG_SPREAD,
        )?,
        loadings,
    })
}
