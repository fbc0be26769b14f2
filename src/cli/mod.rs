//! The command line: flags (documented where defined) and one module per command.

mod bench;
mod calibrate;
mod devices;
mod emit;
mod fit;
mod merge;
mod replay;
mod reverse;
mod run;
mod scenarios;
mod signals;
mod slurm;
mod state_out;
mod validate;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use firesale::Result;
use firesale::engine::backend::BackendChoice;
use firesale::shard::Shard;

#[derive(Debug, Parser)]
#[command(
    name = "firesale",
    version,
    about = "Monte Carlo stress tester for leveraged portfolios: correlated fat-tailed shocks, margin calls, forced selling and liquidation cascades"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a scenario and print its loss distributions, liquidations and forced selling.
    Run(RunArgs),
    /// Check a scenario file and print the compiled model, without simulating.
    Validate {
        /// A scenario TOML file or a built-in name (see `firesale scenarios`).
        scenario: String,
        /// Also write the compiled model as JSON to FILE (`-` for standard output, instead of
        /// the text).
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
    },
    /// List the built-in scenarios.
    Scenarios,
    /// List every GPU adapter (name, backend, type, driver, limits).
    Devices,
    /// Time every engine here on a scenario at a few path counts, cold and warm.
    Bench {
        /// A scenario TOML file or a built-in name.
        #[arg(default_value = "crypto-unwind")]
        scenario: String,
        /// Path counts to time, comma-separated.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "10000,100000",
            value_name = "N,N…"
        )]
        paths: Vec<u64>,
        /// Write the measurements as JSON to FILE (`-` for standard output).
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// First check each GPU against the CPU engine (per-path and summary agreement);
        /// exit 1 when one disagrees.
        #[arg(long)]
        check: bool,
        /// Paths the check compares.
        #[arg(long, default_value_t = 4_000, requires = "check")]
        check_paths: u64,
    },
    /// Merge the state files of a sharded run (`run --shard I/N --state-out FILE`) into the
    /// summary of the whole run.
    Merge(merge::MergeArgs),
    /// Write (and with --submit, submit) a Slurm job array that runs a scenario in shards,
    /// and the job that merges them.
    Slurm(slurm::SlurmArgs),
    /// Replay one path of given exogenous moves (e.g. last week's) through the full model.
    Replay(replay::Args),
    /// Find the largest leverage or size, or the smallest maintenance margin, of a cohort that
    /// meets a risk target.
    Calibrate(calibrate::Args),
    /// Reverse stress test: the smallest multiple of a one-day shock that reaches a target.
    Reverse(reverse::Args),
    /// Fit the market (vols, regimes, correlations, tails, jumps) to a price history and
    /// write it as a scenario, every estimate with its uncertainty.
    Fit(fit::Args),
    /// Draw a price history from a scenario's market (the CSV `fit` reads).
    History(fit::HistoryArgs),
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// A scenario TOML file or a built-in name (see `firesale scenarios`).
    scenario: String,
    /// Number of paths (default: the scenario's `simulation.paths`).
    #[arg(long)]
    paths: Option<u64>,
    /// Random seed, a u64 (default: the scenario's `simulation.seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Engine to run on.
    #[arg(long, value_enum, default_value_t = BackendChoice::Auto)]
    backend: BackendChoice,
    /// With `--backend gpu`: use the adapter whose name contains NAME (case-insensitive;
    /// `WGPU_ADAPTER_NAME` and `WGPU_BACKEND` also apply).
    #[arg(long, value_name = "NAME")]
    adapter: Option<String>,
    /// Write the JSON summary to FILE (`-` for standard output; the text summary then goes
    /// to standard error).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write the per-path metrics of paths 0..N-1 to FILE as CSV.
    #[arg(long, num_args = 2, value_names = ["N", "FILE"])]
    dump_paths: Option<Vec<String>>,
    /// Write a report into DIR (created if missing): summary.json, CSV tables, plots as SVG
    /// and PNG, and report.html, one self-contained page with all of them.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// CPU worker threads (default: one per core). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Print nothing but errors (and the JSON when `--json -`).
    #[arg(long, short)]
    quiet: bool,
    /// Run only shard I of N: the global paths floor(I*P/N)..floor((I+1)*P/N) of the P-path
    /// run, with the same random numbers; `firesale merge` combines the shards' states.
    #[arg(long, value_name = "I/N", requires = "state_out")]
    shard: Option<Shard>,
    /// Write the run's mergeable state (every summary and count, and which run and shard it
    /// is) to FILE, whole or not at all.
    #[arg(long, value_name = "FILE")]
    state_out: Option<PathBuf>,
}

/// Prints a command's text on standard output, or on standard error when `--json -` takes
/// standard output for the JSON document.
fn print_text(text: &str, json: Option<&std::path::Path>) {
    if json == Some(std::path::Path::new("-")) {
        eprint!("{text}");
    } else {
        print!("{text}");
    }
}

/// Runs the parsed command.
pub fn dispatch(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Validate { scenario, json } => validate::run(&scenario, json.as_deref()),
        Command::Scenarios => scenarios::run(),
        Command::Devices => devices::run(),
        Command::Bench {
            scenario,
            paths,
            json,
            check,
            check_paths,
        } => bench::run(
            &scenario,
            &paths,
            check.then_some(check_paths),
            json.as_ref(),
        ),
        Command::Merge(args) => merge::run(&args),
        Command::Slurm(args) => slurm::run(&args),
        Command::Replay(args) => replay::run(&args),
        Command::Calibrate(args) => calibrate::run(&args),
        Command::Reverse(args) => reverse::run(&args),
        Command::Fit(args) => fit::run(&args),
        Command::History(args) => fit::run_history(&args),
    }
}
