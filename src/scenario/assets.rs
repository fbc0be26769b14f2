//! `[[assets]]` → [`model::Asset`]s, and the name lookup every other section uses to refer
//! to an asset.

use super::check::{self, unique_names, within};
use super::schema::{self, PerAsset};
use crate::model::{self, Weight};
use crate::{Error, Result};

/// Validates and converts the asset list (at least one, unique names).
pub fn compile(assets: &[schema::Asset]) -> Result<Vec<model::Asset>> {
    if assets.is_empty() {
        return Err(Error::scenario(
            "assets",
            "no assets: add at least one [[assets]] entry with name, price, vol and depth",
        ));
    }
    unique_names(
        assets
            .iter()
            .enumerate()
            .map(|(i, a)| (format!("assets[{i}].name"), a.name.as_str())),
    )?;
    assets.iter().enumerate().map(compile_one).collect()
}

/// Column names of the replay's shocks CSV, which an asset name would collide with.
const RESERVED_ASSET_NAMES: [&str; 2] = ["step", "regime"];

fn compile_one((i, asset): (usize, &schema::Asset)) -> Result<model::Asset> {
    let at = |key: &str| format!("assets[{i}].{key}");
    check::not_reserved(
        &asset.name,
        &at("name"),
        &RESERVED_ASSET_NAMES,
        "`step` and `regime` are columns of the replay's shocks CSV",
    )?;
    if asset.sector.as_deref().is_some_and(|s| s.trim().is_empty()) {
        return Err(Error::scenario(
            at("sector"),
            "must not be empty (omit `sector` for an asset that is a sector of its own)",
        ));
    }
    Ok(model::Asset {
        name: asset.name.clone(),
        sector: asset.sector.clone(),
        price_usd: within(asset.price, &at("price"), check::PRICE)?,
        vol: within(asset.vol, &at("vol"), check::VOL)?,
        stress_vol_multiplier: within(
            asset.stress_vol_multiplier.unwrap_or(1.0),
            &at("stress_vol_multiplier"),
            check::MULTIPLIER,
        )?,
        drift: within(asset.drift.unwrap_or(0.0), &at("drift"), check::DRIFT)?,
        depth_usd: within(asset.depth, &at("depth"), check::USD)?,
    })
}

/// The entries of a per-asset table at `field` as (asset index, value within `bounds`), in
/// asset order; a key that names no asset is an error at `field.KEY`.
pub fn resolve(
    assets: &[model::Asset],
    values: &PerAsset,
    field: &str,
    bounds: check::Bounds,
) -> Result<Vec<Weight>> {
    let mut resolved = values
        .iter()
        .map(|(name, &value)| {
            let at = format!("{field}.{name}");
            let asset = assets
                .iter()
                .position(|a| &a.name == name)
                .ok_or_else(|| unknown_asset(assets, name, &at))?;
            Ok(Weight {
                asset,
                weight: within(value, &at, bounds)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    resolved.sort_by_key(|w| w.asset);
    Ok(resolved)
}

fn unknown_asset(assets: &[model::Asset], name: &str, field: &str) -> Error {
    let known: Vec<&str> = assets.iter().map(|a| a.name.as_str()).collect();
    Error::scenario(
        field,
        format!("unknown asset '{name}' (assets: {})", known.join(", ")),
    )
}
