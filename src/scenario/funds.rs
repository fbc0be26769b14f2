//! Mechanical funds: `kind = "leveraged_etf"` → [`LeveragedEtf`] and `kind = "vol_target"`
//! → [`VolTargetFund`], with their rebalancing interval in steps.

use super::check::{self, At, required, required_within};
use super::schema::{Cohort, Leverage};
use super::weights::normalise;
use crate::model::{Asset, LeveragedEtf, VolTargetFund, Weight};
use crate::{Error, Result};

/// Relative tolerance for `rebalance_hours / step_hours` to count as a whole number.
const WHOLE_TOLERANCE: f64 = 1e-9;

pub fn leveraged_etf(
    cohort: &Cohort,
    at: &At,
    assets: &[Asset],
    step_hours: f64,
) -> Result<LeveragedEtf> {
    let field = at.key("leverage");
    let leverage = match required(
        cohort.leverage.as_ref(),
        &field,
        "the ETF's leverage, e.g. 3 or -1",
    )? {
        Leverage::Single(leverage) if *leverage != 0.0 && (-100.0..=100.0).contains(leverage) => {
            *leverage
        }
        Leverage::Single(leverage) => {
            return Err(Error::scenario(
                field,
                format!(
                    "is {leverage}: it must be a non-zero number in [-100, 100], e.g. 3, 2 or -1"
                ),
            ));
        }
        _ => {
            return Err(Error::scenario(
                field,
                "an ETF's leverage is one number, e.g. 3, 2 or -1",
            ));
        }
    };
    Ok(LeveragedEtf {
        aum_usd: required_within(
            cohort.aum,
            &at.key("aum"),
            "the fund's assets in USD",
            check::USD,
        )?,
        leverage,
        weights: weights(cohort, at, assets)?,
        rebalance_every_steps: rebalance_every_steps(cohort, at, step_hours)?,
    })
}

pub fn vol_target(
    cohort: &Cohort,
    at: &At,
    assets: &[Asset],
    step_hours: f64,
) -> Result<VolTargetFund> {
    Ok(VolTargetFund {
        equity_usd: required_within(
            cohort.equity,
            &at.key("equity"),
            "the fund's equity in USD",
            check::USD,
        )?,
        weights: weights(cohort, at, assets)?,
        target_vol: required_within(
            cohort.target_vol,
            &at.key("target_vol"),
            "the annualised volatility target, e.g. 0.15",
            check::POSITIVE_VOL,
        )?,
        max_leverage: required_within(
            cohort.max_leverage,
            &at.key("max_leverage"),
            "the cap on exposure / equity, e.g. 2.0",
            check::LEVERAGE,
        )?,
        initial_vol: required_within(
            cohort.initial_vol,
            &at.key("initial_vol"),
            "the volatility estimate at the start, e.g. 0.15",
            check::POSITIVE_VOL,
        )?,
        ewma_half_life_hours: required_within(
            cohort.ewma_half_life_hours,
            &at.key("ewma_half_life_hours"),
            "the half-life of the variance estimate, e.g. 168",
            check::HOURS,
        )?,
        rebalance_every_steps: rebalance_every_steps(cohort, at, step_hours)?,
    })
}

fn weights(cohort: &Cohort, at: &At, assets: &[Asset]) -> Result<Vec<Weight>> {
    let field = at.key("weights");
    let values = required(
        cohort.weights.as_ref(),
        &field,
        "the basket, e.g. { NVDA = 0.5, AMD = 0.5 }",
    )?;
    Ok(normalise(assets, values, &field)?.weights)
}

/// `rebalance_hours / step_hours`, which must be a positive whole number.
fn rebalance_every_steps(cohort: &Cohort, at: &At, step_hours: f64) -> Result<u32> {
    let hours = required_within(
        cohort.rebalance_hours,
        &at.key("rebalance_hours"),
        "how often the fund rebalances, in hours",
        check::HOURS,
    )?;
    let ratio = hours / step_hours;
    let steps = ratio.round();
    if steps < 1.0 || steps > f64::from(u32::MAX) || (ratio - steps).abs() > WHOLE_TOLERANCE * ratio
    {
        return Err(Error::scenario(
            at.key("rebalance_hours"),
            format!(
                "is {hours}: it must be a positive whole multiple of step_hours = {step_hours}"
            ),
        ));
    }
    Ok(steps as u32)
}
