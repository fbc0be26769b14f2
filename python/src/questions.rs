//! `firesale.replay`, `firesale.calibrate` and `firesale.reverse`: the questions, answered by
//! the library as the commands answer them; each returns the command's `--json` document as
//! text (and the replay its `--steps-out` CSV).

use std::path::Path;
use std::time::Instant;

use pyo3::prelude::*;

use crate::errors::OrRaise;
use crate::source;
use crate::watch::off_the_gil;
use firesale::engine::backend::BackendChoice;
use firesale::questions::calibrate::engine::TrialEngine;
use firesale::questions::calibrate::param::Param;
use firesale::questions::calibrate::report::CalibrationReport;
use firesale::questions::input::{Regime, choice};
use firesale::questions::{self, Answer, shocks};
use firesale::{Error, scenario};

/// Where the shocks of a DataFrame come from, in the report and in errors.
const SHOCKS_FRAME: &str = "<shocks DataFrame>";

/// Replays the shocks, read from the CSV file `shocks_path` or given as CSV text
/// `shocks_csv`; returns (the report document, the per-step CSV).
#[pyfunction]
#[pyo3(signature = (kind, text, shocks_path, shocks_csv))]
pub fn replay(
    py: Python<'_>,
    kind: &str,
    text: &str,
    shocks_path: Option<&str>,
    shocks_csv: Option<&str>,
) -> PyResult<(String, String)> {
    let model = source::load(kind, text)
        .and_then(|s| s.compile())
        .or_raise()?;
    let (path, origin) = match (shocks_path, shocks_csv) {
        (Some(file), _) => (shocks::load(Path::new(file), &model), file),
        (None, Some(csv)) => (shocks::parse(csv, &model, SHOCKS_FRAME), SHOCKS_FRAME),
        (None, None) => (
            Err(Error::Usage("shocks: give a path or a DataFrame".into())),
            "",
        ),
    };
    let path = path.or_raise()?;
    let record = off_the_gil(py, None, 1, |_| questions::replay::run(&model, &path))?;
    let report = questions::replay::ReplayReport::new(&model, origin, &record);
    let steps = questions::replay::steps_table(&model, &record).to_csv();
    Ok((report.to_json(), steps))
}

/// The limit calibration; returns its report document.
#[pyfunction]
#[pyo3(signature = (kind, text, cohort, param, target, paths, seed, tolerance, min, max, backend))]
#[allow(clippy::too_many_arguments)]
pub fn calibrate(
    py: Python<'_>,
    kind: &str,
    text: &str,
    cohort: &str,
    param: &str,
    target: &str,
    paths: Option<u64>,
    seed: Option<u64>,
    tolerance: f64,
    min: Option<f64>,
    max: Option<f64>,
    backend: &str,
) -> PyResult<String> {
    let mut model = source::load(kind, text)
        .and_then(|s| s.compile())
        .or_raise()?;
    scenario::override_paths_and_seed(&mut model, paths, seed, "paths").or_raise()?;
    let param = Param::parse(param).or_raise()?;
    let problem =
        questions::calibrate::Problem::new(&model, cohort, param, target, (min, max), tolerance)
            .or_raise()?;
    let choice: BackendChoice = choice("backend", "backend", backend).or_raise()?;
    let started = Instant::now();
    let (model, problem) = (&model, &problem);
    let (calibration, trials) = off_the_gil(py, None, 0, |watch| {
        let mut trials = TrialEngine::select(choice, model)?;
        let stopped = || {
            (watch.stop.load(std::sync::atomic::Ordering::Relaxed)).then_some(Error::Stopped {
                signal: "KeyboardInterrupt",
                status: 130,
                outcome: "between trials",
            })
        };
        let calibration = questions::calibrate::calibrate(
            model,
            problem,
            &mut |model| trials.simulate(model, &watch.stop, &stopped),
            &mut |_| {},
        )?;
        Ok::<_, Error>((calibration, trials))
    })?
    .or_raise()?;
    let elapsed = started.elapsed().as_secs_f64();
    let report = CalibrationReport::new(model, problem, &calibration, &trials.backend(), elapsed);
    Ok(report.to_json())
}

/// The reverse stress test; returns its report document.
#[pyfunction]
#[pyo3(signature = (kind, text, shock, target, regime, max_scale))]
pub fn reverse(
    py: Python<'_>,
    kind: &str,
    text: &str,
    shock: &str,
    target: &str,
    regime: &str,
    max_scale: Option<f64>,
) -> PyResult<String> {
    let model = source::load(kind, text)
        .and_then(|s| s.compile())
        .or_raise()?;
    let regime = Regime::parse(regime).or_raise()?;
    let problem =
        questions::reverse::Problem::new(&model, shock, target, regime, max_scale).or_raise()?;
    let answer = off_the_gil(py, None, 0, |watch| {
        questions::reverse::reverse(&model, &problem, &watch.stop)
    })?;
    Ok(questions::reverse::ReverseReport::new(&model, &problem, &answer).to_json())
}
