//! `firesale run`: simulate a scenario on the chosen engine, print the summary, and write
//! the JSON summary, the per-path CSV and the report folder when asked.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget};

use super::signals::StopSignals;
use super::{RunArgs, state_out};
use firesale::engine::RunControl;
use firesale::engine::backend::{CpuThreads, Engine};
use firesale::report::file::Outputs;
use firesale::report::sections::{self, RunResults};
use firesale::report::summary::RunInfo;
use firesale::report::{RunSummary, bundle, dump, terminal};
use firesale::scenario::Source;
use firesale::shard::Shard;
use firesale::shard::state::{Invocation, ShardRun};
use firesale::{Error, Result};

pub fn run(args: &RunArgs) -> Result<()> {
    // First, so that a signal at any time from here on stops the run with its outputs.
    let signals = StopSignals::install()?;
    let source = Source::load(&args.scenario)?;
    let mut model = source.compile()?;
    firesale::scenario::override_paths_and_seed(&mut model, args.paths, args.seed, "--paths")?;
    let dump = parse_dump(args.dump_paths.as_deref(), model.paths)?;
    let mut outputs = Outputs::default();
    let report_out = (args.out.as_deref())
        .map(|dir| outputs.folder("--out", dir))
        .transpose()?;
    let dump_out = (dump.as_ref())
        .map(|(_, path)| outputs.file("--dump-paths", path))
        .transpose()?;
    let json_out = (args.json.as_deref())
        .map(|path| outputs.file("--json", path))
        .transpose()?;
    let state_out = (args.state_out.as_deref())
        .map(|path| outputs.file("--state-out", path))
        .transpose()?;
    let shard = args.shard.unwrap_or(Shard::WHOLE);
    let paths = shard.paths(model.paths);
    let threads = CpuThreads::choose(args.threads, args.backend, "--threads")?;
    if let Some(warning) = &threads.warning {
        eprintln!("warning: {warning}");
    }
    let mut selection = Engine::select(
        args.backend,
        args.adapter.as_deref(),
        threads.count,
        &model,
        paths.end - paths.start,
    )?;

    let progress = progress_bar(paths.end - paths.start, args.quiet);
    let report = |done: u64| progress.set_position(done);
    let control = RunControl {
        dump_paths: dump.as_ref().map_or(0, |(n, _)| *n),
        per_step: args.out.is_some(),
        cancel: signals.flag(),
        progress: &report,
    };

    let started = Instant::now();
    let output = selection.engine.run(&model, paths.clone(), &control)?;
    let backend = selection.info();
    let elapsed_seconds = started.elapsed().as_secs_f64();
    progress.finish_and_clear();

    let summary = RunSummary::new(
        &RunInfo {
            model: &model,
            paths_requested: paths.end - paths.start,
            partial: output.partial,
            backend: &backend,
            elapsed_seconds,
        },
        &output.totals,
    );
    let mut batch = outputs.batch();
    if let (Some(id), Some((_, path))) = (dump_out, &dump) {
        if output.partial {
            eprintln!(
                "warning: the run stopped early; {} holds only the paths it finished",
                path.display()
            );
        }
        let csv = dump::paths_csv(&model, paths.start, &output.dump_rows);
        batch.file(id, csv.as_bytes())?;
    }
    if let Some(id) = json_out {
        batch.file(id, summary.to_json().as_bytes())?;
    }
    if let Some(id) = report_out {
        let results = RunResults {
            model: &model,
            summary: &summary,
            totals: &output.totals,
            steps: output.steps.as_ref(),
        };
        let files = sections::run_report(&results, summary.to_json()).files()?;
        batch.folder(id, &files)?;
    }
    let state_note = match (state_out, &args.state_out) {
        (Some(id), Some(path)) => {
            let run = ShardRun {
                source: &source,
                model: &model,
                shard,
                engine: (&backend).into(),
                elapsed_seconds,
                invocation: Invocation::current(),
            };
            let (bytes, note) = state_out::state(run, output.totals, path);
            batch.file(id, &bytes)?;
            Some(note)
        }
        _ => None,
    };
    batch.commit()?;
    if !args.quiet {
        let mut text = terminal::render(&summary);
        if let Some(dir) = &args.out {
            text += &format!("\nReport: {}\n", dir.join(bundle::HTML_FILE).display());
        }
        super::print_text(&text, args.json.as_deref());
        if let Some(note) = state_note {
            eprintln!("{note}");
        }
    }
    let outcome = "before the end of the run; the outputs hold the paths done, marked partial";
    match signals.stopped(outcome) {
        Some(stopped) if output.partial => Err(stopped),
        _ => Ok(()),
    }
}

/// `--dump-paths N FILE` → (N, FILE), checking N against the path count.
fn parse_dump(values: Option<&[String]>, paths: u64) -> Result<Option<(u64, PathBuf)>> {
    let Some([count, path]) = values else {
        return Ok(None);
    };
    let count: u64 = count.parse().map_err(|_| {
        Error::Usage(format!(
            "--dump-paths: N must be a whole number of paths, got '{count}'"
        ))
    })?;
    if count > paths {
        return Err(Error::Usage(format!(
            "--dump-paths: N = {count} is more than the {paths} paths of the run; lower N or raise --paths"
        )));
    }
    Ok(Some((count, PathBuf::from(path))))
}

/// A bar on stderr for runs longer than about a second; hidden when quiet or when stderr
/// is not a terminal.
fn progress_bar(paths: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(paths), ProgressDrawTarget::stderr());
    bar.set_style(terminal::progress_style());
    bar.enable_steady_tick(Duration::from_millis(250));
    bar
}
