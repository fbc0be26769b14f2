//! [`schema::Scenario`] → [`Model`]: the run settings (`[simulation]`, `[market]`,
//! `[regimes]`) with their defaults (MODEL.md §7.8), then each section's own compilation.

use std::path::Path;

use super::check::{
    self, MAX_CASCADE_ROUNDS, MAX_PATHS, MAX_STEPS, count, probability, required, within,
};
use super::schema::{self, Impact, Scenario};
use super::{assets, cohorts, correlation, jumps};
use crate::model::{ImpactShape, Model, Regimes};
use crate::{Error, Result};

const DEFAULT_PATHS: u64 = 100_000;
const DEFAULT_MAX_CASCADE_ROUNDS: u32 = 16;
const STUDENT_T_DOF: std::ops::RangeInclusive<u32> = 3..=30;

/// Validates everything; `origin` names the scenario when it has no `name`.
pub fn compile(scenario: Scenario, origin: &str) -> Result<Model> {
    let simulation = &scenario.simulation;
    let step_hours = within(
        simulation.step_hours.unwrap_or(1.0),
        "simulation.step_hours",
        check::STEP_HOURS,
    )?;
    let assets = assets::compile(&scenario.assets)?;
    let mut model = Model {
        name: name(scenario.name, origin)?,
        description: scenario.description,
        paths: count(
            simulation.paths.unwrap_or(DEFAULT_PATHS),
            "simulation.paths",
            MAX_PATHS,
        )?,
        steps: steps(simulation)?,
        step_hours,
        seed: simulation.seed.unwrap_or(0),
        max_cascade_rounds: count(
            simulation
                .max_cascade_rounds
                .unwrap_or(DEFAULT_MAX_CASCADE_ROUNDS),
            "simulation.max_cascade_rounds",
            MAX_CASCADE_ROUNDS,
        )?,
        impact_shape: match scenario.market.impact.unwrap_or(Impact::Sqrt) {
            Impact::Linear => ImpactShape::Linear,
            Impact::Sqrt => ImpactShape::Sqrt,
        },
        impact_decay_per_step: impact_decay(&scenario.market, step_hours)?,
        student_t_dof: student_t_dof(&scenario.market)?,
        regimes: regimes(&scenario.regimes)?,
        correlation: correlation::compile(scenario.correlation.as_ref(), &assets)?,
        assets,
        jumps: Vec::new(),
        cohorts: Vec::new(),
    };
    check_drift_over_horizon(&model)?;
    model.jumps = jumps::compile(&scenario.jumps, &model.assets, model.step_years())?;
    model.cohorts = cohorts::compile(&scenario.cohorts, &model.assets, step_hours)?;
    Ok(model)
}

/// Each asset's drift moves its log price by at most [`check::MAX_DRIFT_LOG`] over the run.
fn check_drift_over_horizon(model: &Model) -> Result<()> {
    let horizon_years = f64::from(model.steps) * model.step_years();
    for (i, asset) in model.assets.iter().enumerate() {
        let move_log = asset.drift.abs() * horizon_years;
        if move_log > check::MAX_DRIFT_LOG {
            return Err(Error::scenario(
                format!("assets[{i}].drift"),
                format!(
                    "is {}: over the {horizon_years:.4} years of the run it moves the log price by {move_log:.3e}, more than {}; lower it or shorten the run",
                    asset.drift,
                    check::MAX_DRIFT_LOG
                ),
            ));
        }
    }
    Ok(())
}

/// `name`, or the stem of the file (or built-in) it came from.
fn name(name: Option<String>, origin: &str) -> Result<String> {
    match name {
        Some(name) if name.trim().is_empty() => Err(Error::scenario("name", "must not be empty")),
        Some(name) => Ok(name),
        None => Ok(Path::new(origin)
            .file_stem()
            .map_or_else(|| origin.to_owned(), |s| s.to_string_lossy().into_owned())),
    }
}

fn steps(simulation: &schema::Simulation) -> Result<u32> {
    let field = "simulation.steps";
    let steps = required(
        simulation.steps,
        field,
        "the number of time steps, e.g. steps = 168 (one week of hourly steps)",
    )?;
    count(steps, field, MAX_STEPS)
}

/// 2^(−step_hours / half-life), or 1 (permanent impact) when the half-life is 0 or absent.
fn impact_decay(market: &schema::Market, step_hours: f64) -> Result<f64> {
    let half_life = within(
        market.impact_half_life_hours.unwrap_or(0.0),
        "market.impact_half_life_hours",
        check::HALF_LIFE_HOURS,
    )?;
    Ok(if half_life == 0.0 {
        1.0
    } else {
        (-step_hours / half_life).exp2()
    })
}

/// ν, or 0 for Gaussian shocks.
fn student_t_dof(market: &schema::Market) -> Result<u32> {
    match market.student_t_dof {
        None => Ok(0),
        Some(dof) if STUDENT_T_DOF.contains(&dof) => Ok(dof),
        Some(dof) => Err(Error::scenario(
            "market.student_t_dof",
            format!(
                "is {dof}: it must be an integer from {} to {} (omit it for Gaussian shocks)",
                STUDENT_T_DOF.start(),
                STUDENT_T_DOF.end()
            ),
        )),
    }
}

/// Absent probabilities are 0 (always calm); the depth multiplier defaults to 1.
fn regimes(regimes: &schema::Regimes) -> Result<Regimes> {
    let chance = |value: Option<f64>, key: &str| {
        probability(value.unwrap_or(0.0), &format!("regimes.{key}"))
    };
    Ok(Regimes {
        initial_stress_probability: chance(
            regimes.initial_stress_probability,
            "initial_stress_probability",
        )?,
        calm_to_stress_per_step: chance(
            regimes.calm_to_stress_per_step,
            "calm_to_stress_per_step",
        )?,
        stress_to_calm_per_step: chance(
            regimes.stress_to_calm_per_step,
            "stress_to_calm_per_step",
        )?,
        stress_depth_multiplier: within(
            regimes.stress_depth_multiplier.unwrap_or(1.0),
            "regimes.stress_depth_multiplier",
            check::MULTIPLIER,
        )?,
    })
}
