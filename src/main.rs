//! The `firesale` command: parse the flags, run the command, turn any error into one line
//! and an exit status (2 bad input, 1 runtime failure).

mod cli;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    if let Err(error) = cli::dispatch(cli) {
        eprintln!("error: {error}");
        std::process::exit(error.exit_code());
    }
}
