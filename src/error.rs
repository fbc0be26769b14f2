//! One error type for the whole tool, split by who must act: bad input (the user fixes a
//! file or a flag, exit status 2) or a runtime failure (exit status 1; a GPU failure is one).

use std::path::PathBuf;

/// Every failure firesale reports. `Display` is the one line the user sees.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A scenario field is wrong: `field` is its path (`cohorts[2].leverage`).
    #[error("scenario error in `{field}`: {message}")]
    Scenario { field: String, message: String },
    /// A flag or argument is wrong.
    #[error("{0}")]
    Usage(String),
    /// A file named by the user cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// An output file cannot be written (nothing partial is left behind).
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Something failed while running (a plot that cannot render, a fit that diverges, …).
    #[error("{0}")]
    Runtime(String),
    /// The GPU engine failed: no adapter, a device that cannot open or was lost, a buffer
    /// or shader it refused, a driver that cut a run short.
    #[error("{0}")]
    Gpu(String),
    /// A signal stopped the command; `outcome` says what became of its outputs (e.g. written,
    /// marked partial). The exit status is 128 + the signal's number (130 for SIGINT, 143 for
    /// SIGTERM).
    #[error("stopped by {signal} {outcome}")]
    Stopped {
        signal: &'static str,
        status: i32,
        outcome: &'static str,
    },
}

impl Error {
    /// Shorthand for a scenario error at `field`.
    pub fn scenario(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Scenario {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Exit status: 2 for input the user must fix, 1 for failures at run time, 130/143 for a
    /// run stopped by SIGINT/SIGTERM.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Stopped { status, .. } => *status,
            Error::Scenario { .. } | Error::Usage(_) | Error::Read { .. } => 2,
            Error::Write { .. } | Error::Runtime(_) | Error::Gpu(_) => 1,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
