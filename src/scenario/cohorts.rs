//! `[[cohorts]]` → [`model::Cohort`]s: unique names, only the keys of the cohort's `kind`,
//! then the kind's own compilation.

use super::check::{At, unique_names};
use super::schema::{self, Kind};
use super::{funds, margin};
use crate::model::{self, Asset, CohortKind};
use crate::{Error, Result};

pub fn compile(
    cohorts: &[schema::Cohort],
    assets: &[Asset],
    step_hours: f64,
) -> Result<Vec<model::Cohort>> {
    unique_names(
        cohorts
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("cohorts[{i}].name"), c.name.as_str())),
    )?;
    cohorts
        .iter()
        .enumerate()
        .map(|(i, cohort)| {
            let at = At::new(format!("cohorts[{i}]"));
            reject_foreign_fields(cohort, &at)?;
            let kind = match cohort.kind {
                Kind::Margin => CohortKind::Margin(margin::compile(cohort, &at, assets)?),
                Kind::LeveragedEtf => {
                    CohortKind::LeveragedEtf(funds::leveraged_etf(cohort, &at, assets, step_hours)?)
                }
                Kind::VolTarget => {
                    CohortKind::VolTarget(funds::vol_target(cohort, &at, assets, step_hours)?)
                }
            };
            Ok(model::Cohort {
                name: cohort.name.clone(),
                impact: cohort.impact.unwrap_or(true),
                kind,
            })
        })
        .collect()
}

/// A key of another kind (an ETF's `aum` on a margin cohort) would be silently ignored.
fn reject_foreign_fields(cohort: &schema::Cohort, at: &At) -> Result<()> {
    let allowed = cohort.kind.fields();
    match cohort
        .given_fields()
        .into_iter()
        .find(|key| !allowed.contains(key))
    {
        None => Ok(()),
        Some(key) => Err(Error::scenario(
            at.key(key),
            format!(
                "does not apply to kind = \"{}\" (its keys: name, kind, impact, {})",
                cohort.kind.label(),
                allowed.join(", ")
            ),
        )),
    }
}
