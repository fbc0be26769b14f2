//! Price histories drawn from a scenario's exogenous market (MODEL.md §2: regimes, correlated
//! Student-t shocks, jumps) with the CPU engine's own regime and shock stages and Philox
//! streams, so that a fit can be checked against a known truth, and a user can ask how much
//! history an estimate needs. No flows, no impact: a history is what the market did by itself.

use std::io::Write;

use crate::engine::cpu::exogenous::{Drawn, Exogenous};
use crate::engine::cpu::state::BlockState;
use crate::engine::plan::Plan;
use crate::fit::history::History;
use crate::model::Model;
use crate::{Error, Result};

/// One drawn history: prices per row (row 0 = the scenario's prices) and the regime of each step.
#[derive(Debug, Clone)]
pub struct Drawing {
    /// Rows × assets, row-major.
    pub prices: Vec<f64>,
    /// Regime of step t + 1 (true: stress).
    pub stress: Vec<bool>,
}

/// Draws `rows` rows of prices: path `path` of the model's seed, step t = 1..rows−1.
pub fn draw(model: &Model, rows: usize, path: u64) -> Drawing {
    let plan = Plan::new(model);
    let mut state = BlockState::<1>::new(&plan);
    let source = Drawn { paths: [path] };
    state.stress = source.initial_stress(&plan);
    let start: Vec<f64> = model.assets.iter().map(|a| a.price_usd).collect();
    let mut prices = start.clone();
    let mut stress = Vec::with_capacity(rows.saturating_sub(1));
    for step in 1..rows {
        source.apply(&plan, &mut state, step as u32);
        stress.push(state.stress.lane(0));
        prices.extend(
            start
                .iter()
                .zip(&state.exogenous_log)
                .map(|(p, log)| p * log.0[0].exp()),
        );
    }
    Drawing { prices, stress }
}

/// A drawing as the history `fit` reads (rows from the Unix epoch, nothing missing).
pub fn to_history(model: &Model, drawing: &Drawing) -> History {
    let k = model.assets.len();
    let step_seconds = (model.step_hours * 3600.0).round() as i64;
    History {
        names: model.assets.iter().map(|a| a.name.clone()).collect(),
        step_hours: model.step_hours,
        timestamps: (0..drawing.prices.len() / k)
            .map(|row| row as i64 * step_seconds)
            .collect(),
        prices: drawing.prices.clone(),
        missing_prices: vec![0; k],
    }
}

/// Writes a drawing as a price CSV (`timestamp,NAME…`), rows `step_hours` apart from
/// `start_unix` (seconds).
pub fn write_csv(
    model: &Model,
    drawing: &Drawing,
    start_unix: i64,
    out: impl Write,
) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    let mut header = vec!["timestamp".to_string()];
    header.extend(model.assets.iter().map(|a| a.name.clone()));
    writer.write_record(&header)?;
    let k = model.assets.len();
    let step_seconds = (model.step_hours * 3600.0).round() as i64;
    for (row, prices) in drawing.prices.chunks(k).enumerate() {
        let when =
            time::OffsetDateTime::from_unix_timestamp(start_unix + row as i64 * step_seconds)
                .map_err(std::io::Error::other)?;
        let mut record = vec![
            when.format(&time::format_description::well_known::Rfc3339)
                .map_err(std::io::Error::other)?,
        ];
        record.extend(prices.iter().map(|p| format!("{p:?}")));
        writer.write_record(&record)?;
    }
    writer.flush()
}

/// Checks that a model can be drawn as a history: whole-hour steps (the CSV's grid).
pub fn check_drawable(model: &Model) -> Result<()> {
    if model.step_hours.fract() != 0.0 || model.step_hours < 1.0 {
        return Err(Error::Usage(format!(
            "simulation.step_hours = {} is not a whole number of hours, which a price CSV needs; fix: use 1, 24 or another whole number",
            model.step_hours
        )));
    }
    Ok(())
}
