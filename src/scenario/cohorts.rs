//! `[[cohorts]]` → [`model::Cohort`]s: unique names, only the keys of the cohort's `kind`,
//! then the kind's own compilation.

use super::check::{self, At, unique_names};
use super::schema::{self, Kind};
use super::{funds, margin};
use crate::model::{self, Asset, CohortKind};
use crate::{Error, Result};

/// A target expression (`COHORT:METRIC>=X`) names the whole market `system`, and ends the
/// cohort's name at its first `:`.
fn check_name(name: &str, at: &At) -> Result<()> {
    let field = at.key("name");
    check::not_reserved(
        name,
        &field,
        &["system"],
        "`system:` names the whole market in --target expressions",
    )?;
    if name.contains(':') {
        return Err(Error::scenario(
            field,
            format!(
                "'{name}' holds ':', which ends a cohort's name in --target expressions; choose another name"
            ),
        ));
    }
    Ok(())
}

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
            check_name(&cohort.name, &at)?;
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
