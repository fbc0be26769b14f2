//! `firesale fit PRICES.csv --out SCENARIO.toml`: fits the market to a price history and writes
//! it as a scenario; and `firesale history SCENARIO --rows N --out PRICES.csv`: draws a price
//! history from a scenario's market (to test a fit, or to see how much history one needs).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use firesale::fit::{self, history, scenario_toml, simulate, summary};
use firesale::report::file::{Outputs, check_writable, pretty_json, write_output};
use firesale::{Error, Result};

use super::signals::StopSignals;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The price history: a header `timestamp,NAME1,NAME2,…`, then one row per observation, an
    /// RFC 3339 timestamp and each asset's price (empty when missing), evenly spaced.
    prices: PathBuf,
    /// Write the fitted scenario (TOML) to FILE.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Put asset ASSET in sector SECTOR in the scenario (repeat per asset).
    #[arg(long, value_name = "ASSET=SECTOR")]
    sector: Vec<String>,
    /// Write every estimate with its standard error, interval and sample as JSON to FILE (`-`
    /// for standard output; the text summary then goes to standard error).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write a report into DIR (created if missing): the price history with the stress
    /// probability, QQ plots per asset, the correlations; SVG, PNG, CSV and report.html.
    #[arg(long, value_name = "DIR")]
    out_report: Option<PathBuf>,
    /// The scenario's `name` (default: `fitted-` and the file's stem).
    #[arg(long)]
    name: Option<String>,
    /// Print nothing but errors (and the JSON when `--json -`).
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// A scenario TOML file or a built-in name: its assets, regimes, correlations, tails and
    /// jumps drive the history (its cohorts do not).
    scenario: String,
    /// Rows of prices to draw (the first is the scenario's prices).
    #[arg(long)]
    rows: usize,
    /// Write the history (CSV, the format `firesale fit` reads) to FILE (`-` for standard
    /// output).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Random seed (default: the scenario's `simulation.seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Timestamp of the first row.
    #[arg(long, default_value = "2024-01-01T00:00:00Z")]
    start: String,
}

fn parse_sectors(pairs: &[String]) -> Result<BTreeMap<String, String>> {
    pairs
        .iter()
        .map(|pair| match pair.split_once('=') {
            Some((asset, sector)) if !asset.trim().is_empty() && !sector.trim().is_empty() => {
                Ok((asset.trim().to_string(), sector.trim().to_string()))
            }
            _ => Err(Error::Usage(format!(
                "--sector {pair}: expected ASSET=SECTOR, e.g. --sector BTC=crypto"
            ))),
        })
        .collect()
}

pub fn run(args: &Args) -> Result<()> {
    // A signal stops the fit at its next stage (after reading, after fitting, before
    // writing) with nothing written.
    let signals = StopSignals::install()?;
    let unless_stopped = || {
        let outcome = "before the fit ended; nothing was written";
        signals.stopped(outcome).map_or(Ok(()), Err)
    };
    let sectors = parse_sectors(&args.sector)?;
    let mut outputs = Outputs::default();
    let scenario_out = outputs.file("--out", &args.out)?;
    let json_out = args
        .json
        .as_deref()
        .map(|json| outputs.file("--json", json))
        .transpose()?;
    let report_out = args
        .out_report
        .as_deref()
        .map(|dir| outputs.folder("--out-report", dir))
        .transpose()?;
    let started = Instant::now();
    let prices = history::read(&args.prices)?;
    unless_stopped()?;
    let source = args.prices.display().to_string();
    scenario_toml::check_sectors(&prices, &sectors, &source, "--sector")?;
    let fitted = fit::fit(&prices)?;
    unless_stopped()?;
    let name = (args.name.clone()).unwrap_or_else(|| scenario_toml::default_name(&source));
    let origin = args.out.display().to_string();
    let scenario = scenario_toml::write_checked(&fitted, &source, &name, &sectors, &origin)?;
    let mut batch = outputs.batch();
    batch.file(scenario_out, scenario.as_bytes())?;
    if let Some(id) = json_out {
        batch.file(id, pretty_json(&fitted).as_bytes())?;
    }
    if let Some(id) = report_out {
        let report = fit::report::report(&prices, &fitted, &source, pretty_json(&fitted));
        batch.folder(id, &report.files()?)?;
    }
    unless_stopped()?;
    batch.commit()?;
    if !args.quiet {
        let text = format!(
            "{}\nwrote {} in {:.1} s\n",
            summary::text(&fitted),
            args.out.display(),
            started.elapsed().as_secs_f64()
        );
        super::print_text(&text, args.json.as_deref());
    }
    Ok(())
}

pub fn run_history(args: &HistoryArgs) -> Result<()> {
    let mut model = firesale::scenario::load(&args.scenario)?;
    simulate::check_drawable(&model)?;
    if args.rows < 2 {
        return Err(Error::Usage("--rows must be at least 2".to_string()));
    }
    if let Some(seed) = args.seed {
        model.seed = seed;
    }
    let start =
        time::OffsetDateTime::parse(&args.start, &time::format_description::well_known::Rfc3339)
            .map_err(|_| {
                Error::Usage(format!(
                    "--start {}: not an RFC 3339 timestamp; write it as 2024-01-01T00:00:00Z",
                    args.start
                ))
            })?;
    check_writable(&args.out, "--out")?;
    let drawing = simulate::draw(&model, args.rows, 0);
    let mut text = Vec::new();
    simulate::write_csv(&model, &drawing, start.unix_timestamp(), &mut text)
        .map_err(|e| Error::Runtime(format!("cannot format the history: {e}")))?;
    write_output(&args.out, "--out", &text)
}
