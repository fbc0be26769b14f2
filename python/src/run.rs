//! `firesale.run`: the `run` command's simulation and summary, without its files. Returns the
//! `--json` document as text and the `--dump-paths` rows as their column names and one
//! buffer of native-endian f64 (row-major), which numpy reads without a copy or a parse.

use std::sync::atomic::Ordering;
use std::time::Instant;

use std::ffi::CString;

use pyo3::exceptions::PyUserWarning;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::errors::OrRaise;
use crate::source;
use crate::watch::off_the_gil;
use firesale::engine::RunControl;
use firesale::engine::backend::{BackendChoice, CpuThreads, Engine};
use firesale::questions::input::choice;
use firesale::report::RunSummary;
use firesale::report::summary::RunInfo;
use firesale::summary::metrics::MetricLayout;
use firesale::{Error, scenario};

/// Simulates the scenario; returns (the summary document, the per-path metrics' column names,
/// the rows of the first `dump_paths` paths). The package has checked that the numbers are
/// whole; the thread count is capped here, with a Python warning, as the command caps it.
#[pyfunction]
#[pyo3(signature = (kind, text, paths, seed, backend, adapter, threads, dump_paths, progress))]
#[allow(clippy::too_many_arguments)]
pub fn run<'py>(
    py: Python<'py>,
    kind: &str,
    text: &str,
    paths: Option<u64>,
    seed: Option<u64>,
    backend: &str,
    adapter: Option<&str>,
    threads: Option<usize>,
    dump_paths: u64,
    progress: Option<&Bound<'py, PyAny>>,
) -> PyResult<(String, Vec<String>, Bound<'py, PyBytes>)> {
    let mut model = source::load(kind, text)
        .and_then(|s| s.compile())
        .or_raise()?;
    scenario::override_paths_and_seed(&mut model, paths, seed, "paths").or_raise()?;
    if dump_paths > model.paths {
        return Err(Error::Usage(format!(
            "dump_paths = {dump_paths} is more than the {} paths of the run; lower dump_paths or raise paths",
            model.paths
        )))
        .or_raise();
    }
    let choice: BackendChoice = choice("backend", "backend", backend).or_raise()?;
    let threads = CpuThreads::choose(threads, choice, "threads").or_raise()?;
    if let Some(warning) = threads.warning {
        let message = CString::new(warning.replace('\0', "")).expect("NULs were removed");
        let category = py.get_type::<PyUserWarning>();
        // Level 2: the caller of `firesale.run`, past the package's own frame.
        PyErr::warn(py, &category, &message, 2)?;
    }
    let threads = threads.count;
    let (model, total) = (&model, model.paths);
    let (summary, dumped) = off_the_gil(py, progress, total, |watch| {
        let mut selection = Engine::select(choice, adapter, threads, model, total)?;
        let report = |done: u64| watch.done.store(done, Ordering::Relaxed);
        let control = RunControl {
            dump_paths,
            per_step: false,
            cancel: &watch.stop,
            progress: &report,
        };
        let started = Instant::now();
        let output = selection.engine.run(model, 0..total, &control)?;
        let backend = selection.info();
        let info = RunInfo {
            model,
            paths_requested: total,
            partial: output.partial,
            backend: &backend,
            elapsed_seconds: started.elapsed().as_secs_f64(),
        };
        let summary = RunSummary::new(&info, &output.totals).to_json();
        let rows: Vec<u8> = (output.dump_rows.iter().flatten())
            .flat_map(|value| value.to_ne_bytes())
            .collect();
        Ok::<_, Error>((summary, rows))
    })?
    .or_raise()?;
    let columns = MetricLayout::new(model).column_names(model);
    Ok((summary, columns, PyBytes::new(py, &dumped)))
}
