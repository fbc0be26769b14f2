//! `firesale merge`: read shard state files, check that they are the shards of one run that
//! cover it exactly once, and merge their totals into the run's.
//!
//! Every problem is reported at once, each naming its file: a file that cannot be read, is
//! truncated or corrupted; a shard of another run (scenario, seed, path count, shard count,
//! firesale version or engine differs from the run most of the files belong to); a shard
//! given twice; the shards missing, with the commands that re-run them. Any problem and
//! nothing is merged. Files are read, checked and merged in parallel, keeping one set of
//! totals per thread: a thousand files take a fraction of a second and little memory.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::command::rerun_commands;
use super::fingerprint::scenario_hash;
use super::state::{Header, ShardState};
use super::{Shard, index_list};
use crate::model::Model;
use crate::scenario::compile_str;
use crate::summary::BackendInfo;
use crate::summary::metrics::{MetricLayout, RunTotals};
use crate::{Error, Result};

/// At most this many problems are listed; the rest are counted.
const PROBLEMS_SHOWN: usize = 20;

/// The merged run.
#[derive(Debug)]
pub struct Merged {
    /// The run's model, with its path count and seed.
    pub model: Model,
    /// The totals of every path of the shards present.
    pub totals: RunTotals,
    /// N, the shards of the run.
    pub shards: u64,
    /// Shards absent (only with `allow_partial`), ascending.
    pub missing: Vec<u64>,
    /// Shards present but stopped early (only with `allow_partial`), ascending.
    pub stopped: Vec<u64>,
    /// Which shards are missing, which paths they hold, and the commands that re-run them
    /// (several lines); empty when none is.
    pub missing_note: String,
    /// The shards' engine; distinct adapters are listed, `; `-separated.
    pub engine: BackendInfo,
    /// The sum of the shards' times: the compute time of the run (not its wall time).
    pub elapsed_seconds: f64,
}

/// Reads, checks and merges the shard state files `files`. With `allow_partial`, missing
/// shards and shards that stopped early are not an error (they are listed in
/// [`Merged::missing`] and [`Merged::stopped`]); every other problem is.
pub fn merge_files(files: &[PathBuf], allow_partial: bool) -> Result<Merged> {
    let (mut read, merged_totals) = read_all(files);
    read.sort_by_key(|(i, _)| *i);
    let mut problems = Problems::default();
    let mut states: Vec<(&Path, Header, MetricLayout)> = Vec::new();
    for (i, result) in read {
        match result {
            Ok((header, layout)) => states.push((&files[i], header, layout)),
            Err(problem) => problems.file(&files[i], &problem),
        }
    }
    let Some(reference) = most_common_run(&states) else {
        return Err(problems.into_error(files.len()));
    };
    let (reference_file, reference) = (states[reference].0, states[reference].1.clone());
    let model = compile_run(&reference, reference_file)?;
    let layout = MetricLayout::new(&model);

    let mut by_index: Vec<Option<usize>> = vec![None; reference.shards as usize];
    for (i, (file, header, totals_layout)) in states.iter().enumerate() {
        if let Some(difference) = different_run(header, &reference) {
            problems.file(file, &format!("belongs to another run: {difference}"));
        } else if *totals_layout != layout {
            problems.file(file, "its totals do not fit the scenario's metrics");
        } else if let Some(first) = by_index[header.shard as usize] {
            problems.file(
                file,
                &format!(
                    "shard {}/{} again (also in {})",
                    header.shard,
                    header.shards,
                    states[first].0.display()
                ),
            );
        } else {
            by_index[header.shard as usize] = Some(i);
        }
    }
    let missing: Vec<u64> = (0..reference.shards)
        .filter(|&index| by_index[index as usize].is_none())
        .collect();
    let stopped: Vec<u64> = by_index
        .iter()
        .flatten()
        .filter(|&&i| states[i].1.partial)
        .map(|&i| states[i].1.shard)
        .collect();
    if !allow_partial {
        for &i in by_index.iter().flatten().filter(|&&i| states[i].1.partial) {
            let (file, header, _) = &states[i];
            problems.file(
                file,
                &format!(
                    "shard {}/{} stopped early (partial); re-run it, or merge with --allow-partial",
                    header.shard, header.shards
                ),
            );
        }
    }
    let note = if missing.is_empty() {
        String::new()
    } else {
        missing_note(&reference, &missing)
    };
    if !missing.is_empty() && (!allow_partial || !problems.is_empty()) {
        let hint = if problems.is_empty() {
            "\n  then merge again, or merge the shards present now with --allow-partial"
        } else {
            ""
        };
        problems.push(format!("{note}{hint}"));
    }
    if !problems.is_empty() {
        return Err(problems.into_error(files.len()));
    }

    // Every file read is a distinct shard of this run: what was merged while reading is the
    // run's totals.
    let totals = merged_totals.unwrap_or_else(|| RunTotals::new(layout));
    let mut adapters: Vec<&str> = Vec::new();
    let mut elapsed_seconds = 0.0;
    for &i in by_index.iter().flatten() {
        let header = &states[i].1;
        elapsed_seconds += header.elapsed_seconds;
        if !adapters.contains(&header.engine.adapter.as_str()) {
            adapters.push(&header.engine.adapter);
        }
    }
    let engine = BackendInfo {
        kind: reference.engine.kind.clone(),
        adapter: adapters.join("; "),
        selection: None,
    };
    Ok(Merged {
        model,
        totals,
        shards: reference.shards,
        missing,
        stopped,
        missing_note: note,
        engine,
        elapsed_seconds,
    })
}

/// What reading one file gave: its header and the layout of its totals, or its problem.
type ReadResult = std::result::Result<(Header, MetricLayout), String>;

/// Reads and checks every file in parallel, keeping each one's header and merging all the
/// totals as they come (in no fixed order: the merge is exact whatever the order). Those
/// merged totals are the run's only if every file turns out to be a distinct shard of it;
/// holding no more than one set of totals per thread keeps the memory small for any count.
fn read_all(files: &[PathBuf]) -> (Vec<(usize, ReadResult)>, Option<RunTotals>) {
    files
        .par_iter()
        .enumerate()
        .fold(
            || (Vec::new(), None),
            |(mut read, totals), (i, file)| {
                let state = std::fs::read(file)
                    .map_err(|error| format!("cannot read it: {error}"))
                    .and_then(|bytes| ShardState::decode(&bytes));
                match state {
                    Ok(state) => {
                        read.push((i, Ok((state.header, state.totals.layout))));
                        (read, merge_totals(totals, Some(state.totals)))
                    }
                    Err(problem) => {
                        read.push((i, Err(problem)));
                        (read, totals)
                    }
                }
            },
        )
        .reduce(
            || (Vec::new(), None),
            |(mut read, totals), (more, more_totals)| {
                read.extend(more);
                (read, merge_totals(totals, more_totals))
            },
        )
}

fn merge_totals(a: Option<RunTotals>, b: Option<RunTotals>) -> Option<RunTotals> {
    match (a, b) {
        (Some(mut a), Some(b)) => {
            a.merge(&b);
            Some(a)
        }
        (a, b) => a.or(b),
    }
}

/// The index in `states` of a file of the run most files belong to (the first such file).
fn most_common_run(states: &[(&Path, Header, MetricLayout)]) -> Option<usize> {
    let mut runs: Vec<(usize, usize)> = Vec::new(); // (first file of the run, files)
    for (i, (_, header, _)) in states.iter().enumerate() {
        match runs
            .iter_mut()
            .find(|(first, _)| different_run(header, &states[*first].1).is_none())
        {
            Some((_, count)) => *count += 1,
            None => runs.push((i, 1)),
        }
    }
    runs.iter()
        .max_by_key(|&&(first, count)| (count, std::cmp::Reverse(first)))
        .map(|&(first, _)| first)
}

/// How `header` differs from the run `reference` names, if it does.
fn different_run(header: &Header, reference: &Header) -> Option<String> {
    let differs = |what: &str, theirs: &dyn std::fmt::Display, ours: &dyn std::fmt::Display| {
        Some(format!(
            "its {what} is {theirs}, the run being merged has {ours}"
        ))
    };
    if header.firesale_version != reference.firesale_version {
        differs(
            "firesale version",
            &header.firesale_version,
            &reference.firesale_version,
        )
    } else if header.scenario_hash != reference.scenario_hash {
        differs(
            "scenario",
            &format!("{} (hash {:.12})", header.scenario, header.scenario_hash),
            &format!(
                "{} (hash {:.12})",
                reference.scenario, reference.scenario_hash
            ),
        )
    } else if header.seed != reference.seed {
        differs("seed", &header.seed, &reference.seed)
    } else if header.paths != reference.paths {
        differs("path count", &header.paths, &reference.paths)
    } else if header.shards != reference.shards {
        differs("shard count", &header.shards, &reference.shards)
    } else if header.engine.kind != reference.engine.kind {
        differs(
            "engine (their numbers differ)",
            &header.engine.kind,
            &reference.engine.kind,
        )
    } else {
        None
    }
}

/// The run's model, compiled from the scenario text the shards carry, checked against their
/// hash (a firesale that compiles the scenario differently would not reproduce the run).
fn compile_run(header: &Header, file: &Path) -> Result<Model> {
    let mut model = compile_str(&header.scenario_toml, &header.scenario_origin)?;
    model.paths = header.paths;
    model.seed = header.seed;
    if scenario_hash(&model) != header.scenario_hash {
        return Err(Error::Usage(format!(
            "{}: this firesale ({}) compiles the shards' scenario to another model than the firesale {} that ran them; merge with that version",
            file.display(),
            env!("CARGO_PKG_VERSION"),
            header.firesale_version,
        )));
    }
    Ok(model)
}

/// Which of the run's shards are missing, their paths, and the commands that re-run them.
fn missing_note(header: &Header, missing: &[u64]) -> String {
    let ranges: Vec<String> = missing
        .iter()
        .take(PROBLEMS_SHOWN)
        .map(|&index| {
            let paths = Shard {
                index,
                count: header.shards,
            }
            .paths(header.paths);
            format!("{}..{}", paths.start, paths.end)
        })
        .collect();
    let more = if missing.len() > PROBLEMS_SHOWN {
        ", …"
    } else {
        ""
    };
    let mut note = format!(
        "missing {} of {} shards: {} (paths {}{more} of {}); re-run them with:",
        missing.len(),
        header.shards,
        index_list(missing),
        ranges.join(", "),
        header.paths,
    );
    let commands = rerun_commands(header, missing);
    for command in commands.iter().take(PROBLEMS_SHOWN) {
        note.push_str("\n    ");
        note.push_str(command);
    }
    if commands.len() > PROBLEMS_SHOWN {
        note.push_str(&format!(
            "\n    … and {} more, the same with the other shard numbers",
            commands.len() - PROBLEMS_SHOWN
        ));
    }
    note
}

/// The problems found so far, as lines of the error.
#[derive(Default)]
struct Problems {
    lines: Vec<String>,
    count: usize,
}

impl Problems {
    fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn push(&mut self, line: String) {
        self.count += 1;
        if self.lines.len() < PROBLEMS_SHOWN {
            self.lines.push(line);
        }
    }

    fn file(&mut self, file: &Path, problem: &str) {
        self.push(format!("{}: {problem}", file.display()));
    }

    fn into_error(self, files: usize) -> Error {
        let mut message = format!("cannot merge the {files} shard file(s):");
        for line in &self.lines {
            message.push_str("\n  ");
            message.push_str(line);
        }
        if self.count > self.lines.len() {
            message.push_str(&format!(
                "\n  … and {} more problems",
                self.count - self.lines.len()
            ));
        }
        Error::Usage(message)
    }
}
