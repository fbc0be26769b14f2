//! The `firesale` command: parse the flags, run the command, turn any error into one line
//! and an exit status (2 bad input, 1 runtime failure).

mod cli;

use clap::Parser;
use clap::error::ErrorKind;

fn main() {
    let cli = cli::Cli::try_parse().unwrap_or_else(|error| refuse(error));
    ensure_runtime_dir();
    if let Err(error) = cli::dispatch(cli) {
        fail(&error);
    }
}

fn fail(error: &firesale::Error) -> ! {
    eprintln!("error: {error}");
    std::process::exit(error.exit_code());
}

/// Exits on flags clap refused: a value our own parser refused (`--param`, `--regime`) as
/// that parser's one-line error, anything else as clap shows it.
fn refuse(error: clap::Error) -> ! {
    if error.kind() == ErrorKind::ValueValidation
        && let Some(ours) = std::error::Error::source(&error)
            .and_then(|source| source.downcast_ref::<firesale::Error>())
    {
        fail(ours);
    }
    error.exit()
}

/// Mesa's drivers complain on every adapter query when `XDG_RUNTIME_DIR` is unset (as on
/// servers and in containers): point it at a private folder under the temp dir.
fn ensure_runtime_dir() {
    if std::env::var_os("XDG_RUNTIME_DIR").is_some() {
        return;
    }
    let user = std::env::var("USER").unwrap_or_else(|_| "user".to_string());
    let dir = std::env::temp_dir().join(format!("firesale-runtime-{user}"));
    if std::fs::create_dir_all(&dir).is_ok() {
        // SAFETY: called first thing in `main`, before any other thread exists, so nothing
        // can read the environment concurrently.
        unsafe { std::env::set_var("XDG_RUNTIME_DIR", &dir) };
    }
}
