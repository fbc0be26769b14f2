//! firesale's errors as Python exceptions: bad input (the CLI's exit status 2) is a
//! `ScenarioError`, a `ValueError`; a failure while running (exit status 1) is
//! `firesale.RuntimeError`, a `RuntimeError`. The message is the CLI's line without `error: `.

use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError, PyValueError};
use pyo3::{PyErr, PyResult, create_exception};

create_exception!(
    firesale,
    ScenarioError,
    PyValueError,
    "Bad input: a scenario field, an argument or a file. The message is the command line's, naming the field and the fix."
);
create_exception!(
    firesale,
    RuntimeError,
    PyRuntimeError,
    "A failure while running: a GPU that fails, a fit that does not converge, a file that cannot be written."
);

/// The exception for `error`.
pub fn to_py(error: firesale::Error) -> PyErr {
    match error {
        firesale::Error::Stopped { .. } => PyKeyboardInterrupt::new_err(error.to_string()),
        _ if error.exit_code() == 2 => ScenarioError::new_err(error.to_string()),
        _ => RuntimeError::new_err(error.to_string()),
    }
}

/// `?` from the library's results into Python's.
pub trait OrRaise<T> {
    fn or_raise(self) -> PyResult<T>;
}

impl<T> OrRaise<T> for firesale::Result<T> {
    fn or_raise(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}
