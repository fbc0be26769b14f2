//! Signed per-asset tables (`weights`, `notional`) → normalised weights: Σ|w| = 1, zero
//! entries dropped, in asset order.

use super::assets::resolve;
use super::check;
use super::schema::PerAsset;
use crate::model::{Asset, Weight};
use crate::{Error, Result};

/// A normalised basket and the gross Σ|value| it was divided by.
pub struct Basket {
    pub weights: Vec<Weight>,
    pub gross: f64,
}

/// Normalises the table at `field`; all-zero (or empty) tables are an error.
pub fn normalise(assets: &[Asset], values: &PerAsset, field: &str) -> Result<Basket> {
    let entries = resolve(assets, values, field, check::SIGNED_USD)?;
    let gross: f64 = entries.iter().map(|w| w.weight.abs()).sum();
    if gross == 0.0 {
        return Err(Error::scenario(
            field,
            "all entries are zero: give at least one asset a non-zero value",
        ));
    }
    if !gross.is_finite() {
        return Err(Error::scenario(
            field,
            "the entries are too large to add up",
        ));
    }
    let weights = entries
        .into_iter()
        .filter(|w| w.weight != 0.0)
        .map(|w| Weight {
            asset: w.asset,
            weight: w.weight / gross,
        })
        .collect();
    Ok(Basket { weights, gross })
}
