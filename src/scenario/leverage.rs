//! A margin cohort's `leverage` → equity buckets (MODEL.md §3, §7.6): one number, a list of
//! [leverage, equity_share] pairs, or a lognormal spread cut at mid-quantiles.

use statrs::distribution::{ContinuousCDF, Normal};

use super::check::{self, At, MAX_BUCKETS, count, within};
use super::schema::{Leverage, Lognormal};
use crate::model::Bucket;
use crate::{Error, Result};

/// The buckets, highest leverage first; `field` is the `leverage` key's path.
pub fn buckets(spec: &Leverage, field: &str) -> Result<Vec<Bucket>> {
    let mut buckets = match spec {
        Leverage::Single(leverage) => vec![Bucket {
            leverage: within(*leverage, field, check::LEVERAGE)?,
            equity_share: 1.0,
        }],
        Leverage::Shares(pairs) => shares(pairs, field)?,
        Leverage::Lognormal(spread) => lognormal(spread, &At::new(field))?,
    };
    buckets.sort_by(|a, b| b.leverage.total_cmp(&a.leverage));
    Ok(buckets)
}

/// `[[leverage, share], …]`: shares normalised to 1, zero shares dropped.
fn shares(pairs: &[(f64, f64)], field: &str) -> Result<Vec<Bucket>> {
    let mut buckets = Vec::with_capacity(pairs.len());
    for (i, &(leverage, share)) in pairs.iter().enumerate() {
        let at = format!("{field}[{i}]");
        let leverage = within(leverage, &at, check::LEVERAGE)?;
        if within(share, &at, check::SHARE)? > 0.0 {
            buckets.push(Bucket {
                leverage,
                equity_share: share,
            });
        }
    }
    let total: f64 = buckets.iter().map(|b| b.equity_share).sum();
    if total == 0.0 || !total.is_finite() {
        return Err(Error::scenario(
            field,
            "the equity shares must add up to a positive finite number: \
             give at least one [leverage, share] pair a share > 0",
        ));
    }
    for bucket in &mut buckets {
        bucket.equity_share /= total;
    }
    Ok(buckets)
}

/// `{ median, sigma, buckets }`: L_b = median·exp(sigma·Φ⁻¹((b + ½)/B)), clamped below at 1,
/// equal shares.
fn lognormal(spread: &Lognormal, at: &At) -> Result<Vec<Bucket>> {
    let median = within(spread.median, &at.key("median"), check::LEVERAGE)?;
    if median < 1.0 {
        return Err(Error::scenario(
            at.key("median"),
            format!("is {median}: the median leverage must be at least 1"),
        ));
    }
    let sigma = within(spread.sigma, &at.key("sigma"), check::LOG_SPREAD)?;
    count(spread.buckets, &at.key("buckets"), MAX_BUCKETS)?;
    let count = f64::from(spread.buckets);
    let normal = Normal::standard();
    let buckets: Vec<Bucket> = (0..spread.buckets)
        .map(|b| Bucket {
            leverage: (median * (sigma * normal.inverse_cdf((f64::from(b) + 0.5) / count)).exp())
                .max(1.0),
            equity_share: 1.0 / count,
        })
        .collect();
    if buckets.iter().any(|b| !b.leverage.is_finite()) {
        return Err(Error::scenario(
            at.key("sigma"),
            format!("is {sigma}: too wide, the highest bucket's leverage overflows"),
        ));
    }
    Ok(buckets)
}
