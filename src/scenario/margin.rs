//! A `kind = "margin"` cohort → [`MarginBook`]: the position (`weights` with `leverage`, or
//! `notional`), the margin terms, and the check that no bucket starts in breach.

use super::check::{self, At, fraction, required, required_within, within};
use super::leverage::buckets;
use super::schema::Cohort;
use super::weights::normalise;
use crate::model::{Asset, Bucket, MarginBook, Weight};
use crate::{Error, Result};

pub fn compile(cohort: &Cohort, at: &At, assets: &[Asset]) -> Result<MarginBook> {
    let equity = required_within(
        cohort.equity,
        &at.key("equity"),
        "the cohort's total equity in USD",
        check::USD,
    )?;
    let position = position(cohort, at, equity, assets)?;
    let margin_field = at.key("maintenance_margin");
    let maintenance_margin = fraction(
        required(
            cohort.maintenance_margin,
            &margin_field,
            "the maintenance margin ratio, e.g. 0.005",
        )?,
        &margin_field,
    )?;
    check_not_in_breach(&position.buckets, maintenance_margin, &position.field)?;
    let liquidation_fee = fraction(
        cohort.liquidation_fee.unwrap_or(0.0),
        &at.key("liquidation_fee"),
    )?;
    Ok(MarginBook {
        equity_usd: equity,
        weights: position.weights,
        buckets: position.buckets,
        maintenance_margin,
        liquidation_fee,
        accounts: within(
            cohort.accounts.unwrap_or(1.0),
            &at.key("accounts"),
            check::ACCOUNTS,
        )?,
    })
}

/// The position and the key (`leverage` or `notional`) that set its leverage.
struct Position {
    weights: Vec<Weight>,
    buckets: Vec<Bucket>,
    field: String,
}

/// Exactly one of the two forms: `weights` with `leverage`, or `notional`.
fn position(cohort: &Cohort, at: &At, equity: f64, assets: &[Asset]) -> Result<Position> {
    let (weights, leverage, notional) = (at.key("weights"), at.key("leverage"), at.key("notional"));
    match (&cohort.notional, &cohort.weights, &cohort.leverage) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(Error::scenario(
            notional,
            "give either `notional` (USD per asset, which sets the leverage) or `weights` \
             with `leverage`, not both",
        )),
        (Some(values), None, None) => {
            let basket = normalise(assets, values, &notional)?;
            Ok(Position {
                weights: basket.weights,
                buckets: vec![Bucket {
                    leverage: basket.gross / equity,
                    equity_share: 1.0,
                }],
                field: notional,
            })
        }
        (None, Some(values), Some(spec)) => Ok(Position {
            weights: normalise(assets, values, &weights)?.weights,
            buckets: buckets(spec, &leverage)?,
            field: leverage,
        }),
        (None, Some(_), None) => Err(Error::scenario(
            leverage,
            "is missing: give `leverage` with `weights` (a number, a list of \
             [leverage, equity_share] pairs, or { median, sigma, buckets })",
        )),
        (None, None, _) => Err(Error::scenario(
            weights,
            "is missing: give `weights` with `leverage`, or `notional` (USD per asset)",
        )),
    }
}

/// A bucket with L ≥ 1/m would be liquidated before the first step.
fn check_not_in_breach(buckets: &[Bucket], maintenance_margin: f64, field: &str) -> Result<()> {
    match buckets
        .iter()
        .find(|b| b.leverage * maintenance_margin >= 1.0)
    {
        None => Ok(()),
        Some(bucket) => Err(Error::scenario(
            field,
            format!(
                "leverage {} is at or above 1/maintenance_margin = {}: such accounts would be \
                 liquidated at once; the leverage must stay below {}",
                bucket.leverage,
                1.0 / maintenance_margin,
                1.0 / maintenance_margin
            ),
        )),
    }
}
