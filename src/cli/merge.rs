//! `firesale merge`: the summary of a sharded run from its shards' state files, the same as
//! the unsharded run's in every number but `elapsed_seconds` (here the shards' sum).

use std::path::{Path, PathBuf};

use serde::Serialize;

use firesale::report::bundle::SUMMARY_FILE;
use firesale::report::file::{self, Outputs};
use firesale::report::summary::RunInfo;
use firesale::report::{RunSummary, terminal};
use firesale::shard::index_list;
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
    /// Merge the shards present even if some are missing or stopped early (partial state
    /// files); the summary is marked partial and lists those shards.
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
    /// Shards present that stopped early (by a signal): they hold only their first paths.
    stopped_shards: &'a [u64],
}

pub fn run(args: &MergeArgs) -> Result<()> {
    let mut outputs = Outputs::default();
    let json_out = (args.json.as_deref())
        .map(|path| outputs.file("--json", path))
        .transpose()?;
    let summary_out = match &args.out {
        Some(dir) => {
            create_folder(dir)?;
            Some(outputs.file("--out", &dir.join(SUMMARY_FILE))?)
        }
        None => None,
    };
    let merged = merge_files(&args.files, args.allow_partial)?;
    let partial = !merged.missing.is_empty() || !merged.stopped.is_empty();
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
            stopped_shards: &merged.stopped,
        })
    } else {
        summary.to_json()
    };
    let mut batch = outputs.batch();
    for id in [json_out, summary_out].into_iter().flatten() {
        batch.file(id, json.as_bytes())?;
    }
    batch.commit()?;
    if !args.quiet {
        let text = terminal::render(&summary);
        super::print_text(&text, args.json.as_deref());
    }
    if !merged.missing.is_empty() {
        eprintln!("warning: partial merge: {}", merged.missing_note);
    }
    if !merged.stopped.is_empty() {
        eprintln!(
            "warning: partial merge: shard(s) {} stopped early and hold only their first paths",
            index_list(&merged.stopped)
        );
    }
    Ok(())
}

/// Creates the `--out` folder (and its parents) before the merge, or says why it cannot.
fn create_folder(dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Usage(format!(
            "--out: {} is a file; give a folder for summary.json",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir).map_err(|source| {
        Error::Usage(format!(
            "--out: cannot create the folder {}: {source}; choose another path",
            dir.display()
        ))
    })
}
