//! `firesale merge`: the summary of a sharded run from its shards' state files, the same as
//! the unsharded run's in every number but `elapsed_seconds` (here the shards' sum).

use std::path::{Path, PathBuf};

use serde::Serialize;

use firesale::report::summary::RunInfo;
use firesale::report::{RunSummary, file, terminal};
use firesale::shard::merge::merge_files;
use firesale::{Error, Result};

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The shards' state files (`run --shard I/N --state-out FILE`), in any order.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Write the JSON summary to FILE (`-` for standard output; the text summary then goes
    /// to standard error).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write the merged summary as DIR/summary.json (DIR is created if needed).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Merge the shards present even if some are missing; the summary is marked partial
    /// and lists the missing shards.
    #[arg(long)]
    allow_partial: bool,
    /// Print nothing but errors, warnings (and the JSON when `--json -`).
    #[arg(long, short)]
    quiet: bool,
}

/// A partial merge's summary: the run's, plus the shards it lacks.
#[derive(Serialize)]
struct PartialSummary<'a> {
    #[serde(flatten)]
    summary: &'a RunSummary,
    shards: u64,
    missing_shards: &'a [u64],
}

pub fn run(args: &MergeArgs) -> Result<()> {
    if let Some(path) = &args.json {
        file::check_writable(path, "--json")?;
    }
    let merged = merge_files(&args.files, args.allow_partial)?;
    let partial = !merged.missing.is_empty();
    let summary = RunSummary::new(
        &RunInfo {
            model: &merged.model,
            paths_requested: merged.model.paths,
            partial,
            backend: &merged.engine,
            elapsed_seconds: merged.elapsed_seconds,
        },
        &merged.totals,
    );
    let json = if partial {
        file::pretty_json(&PartialSummary {
            summary: &summary,
            shards: merged.shards,
            missing_shards: &merged.missing,
        })
    } else {
        summary.to_json()
    };
    if let Some(path) = &args.json {
        file::write_output(path, json.as_bytes())?;
    }
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).map_err(|source| Error::Write {
            path: dir.clone(),
            source,
        })?;
        file::write_output(&dir.join("summary.json"), json.as_bytes())?;
    }
    if !args.quiet {
        let text = terminal::render(&summary);
        if args.json.as_deref() == Some(Path::new("-")) {
            eprint!("{text}");
        } else {
            print!("{text}");
        }
    }
    if partial {
        eprintln!("warning: partial merge: {}", merged.missing_note);
    }
    Ok(())
}
