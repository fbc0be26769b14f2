//! Library work run with the GIL released, on a thread of its own, while the calling thread
//! serves Python every [`TICK`]: it runs pending signal handlers (Ctrl-C raises
//! `KeyboardInterrupt` there) and calls the progress callback. On an exception it asks the
//! work to stop ([`Watch::stop`], which the engines check between batches), waits for it to
//! wind down and raises the exception; the work's result is dropped.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use pyo3::prelude::*;

use crate::errors::RuntimeError;

/// How often the waiting thread looks at Python.
const TICK: Duration = Duration::from_millis(100);

/// What the work and the waiting thread share.
#[derive(Default)]
pub struct Watch {
    /// Set when Python raised (Ctrl-C, or the progress callback failed): stop between batches.
    pub stop: AtomicBool,
    /// Units of work done so far (paths), for the progress callback.
    pub done: AtomicU64,
}

/// Runs `work` off the GIL. `progress`, if given, is called as `progress(done, total)` on
/// the calling thread each tick the count has moved, and once at the end.
pub fn off_the_gil<T: Send>(
    py: Python<'_>,
    progress: Option<&Bound<'_, PyAny>>,
    total: u64,
    work: impl FnOnce(&Watch) -> T + Send,
) -> PyResult<T> {
    let progress = progress.map(|callback| callback.clone().unbind());
    let watch = Watch::default();
    py.detach(|| {
        std::thread::scope(|scope| {
            let waiting = std::thread::current();
            let watch = &watch;
            let worker = scope.spawn(move || {
                let result = work(watch);
                waiting.unpark();
                result
            });
            let mut reported = None;
            let mut raised = None;
            loop {
                let finished = worker.is_finished();
                if raised.is_none() {
                    let done = watch.done.load(Ordering::Relaxed);
                    let served = Python::attach(|py| {
                        py.check_signals()?;
                        match &progress {
                            Some(callback) if reported != Some(done) => {
                                reported = Some(done);
                                callback.bind(py).call1((done, total)).map(drop)
                            }
                            _ => Ok(()),
                        }
                    });
                    if let Err(error) = served {
                        watch.stop.store(true, Ordering::Relaxed);
                        raised = Some(error);
                    }
                }
                if finished {
                    break;
                }
                std::thread::park_timeout(TICK);
            }
            let result = worker.join().map_err(|panic| {
                let what = (panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                RuntimeError::new_err(format!(
                    "internal error: {what}; please report this with the scenario"
                ))
            })?;
            match raised {
                Some(error) => Err(error),
                None => Ok(result),
            }
        })
    })
}
