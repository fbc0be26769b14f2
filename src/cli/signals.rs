//! SIGINT and SIGTERM during a command. The first sets a flag the command watches (`run`
//! stops between batches, `calibrate` between trials, `reverse` between paths, `fit` between
//! stages): it then writes every output asked for, marked partial (`fit` writes nothing), and
//! exits with 128 + the signal's number (130 for SIGINT, 143 for SIGTERM). A second one ends
//! the process at once with that status: outputs are staged beside their targets and renamed
//! into place, so none is left half-written (a staged `.firesale-*.part` may be left beside
//! it).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::flag;

use firesale::{Error, Result};

/// The signals that stop a run, their names and exit statuses.
const STOPPING: [(i32, &str, i32); 2] = [(SIGINT, "SIGINT", 130), (SIGTERM, "SIGTERM", 143)];

/// Watches for the stopping signals from its installation on.
pub struct StopSignals {
    /// Set by the first signal: the engine stops between batches.
    stop: Arc<AtomicBool>,
    /// One flag per signal of [`STOPPING`]: which one came.
    received: [Arc<AtomicBool>; 2],
}

impl StopSignals {
    /// Installs the handlers.
    pub fn install() -> Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let received = [
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        ];
        for ((signal, name, status), seen) in STOPPING.iter().zip(&received) {
            let fail = |error: std::io::Error| {
                Error::Runtime(format!("cannot install the {name} handler: {error}"))
            };
            // Registered first, so it runs before `stop` is set by this very signal: it ends
            // the process only on a second signal.
            flag::register_conditional_shutdown(*signal, *status, Arc::clone(&stop))
                .map_err(fail)?;
            // Which signal came is set before `stop`, so that whoever sees `stop` set finds
            // it in [`StopSignals::stopped`].
            flag::register(*signal, Arc::clone(seen)).map_err(fail)?;
            flag::register(*signal, Arc::clone(&stop)).map_err(fail)?;
        }
        Ok(StopSignals { stop, received })
    }

    /// The flag the engine watches.
    pub fn flag(&self) -> &AtomicBool {
        &self.stop
    }

    /// The error that says a signal stopped the command, if one did (the first one listed
    /// when both came), with `outcome`: what became of the outputs.
    pub fn stopped(&self, outcome: &'static str) -> Option<Error> {
        STOPPING
            .iter()
            .zip(&self.received)
            .find(|(_, seen)| seen.load(Ordering::Relaxed))
            .map(|(&(_, signal, status), _)| Error::Stopped {
                signal,
                status,
                outcome,
            })
    }
}
