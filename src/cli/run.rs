//! `firesale run`: simulate a scenario on the chosen engine, print the summary, and write
//! the JSON summary, the per-path CSV and the report folder when asked.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget};

use super::{RunArgs, state_out};
use firesale::engine::backend::Engine;
use firesale::engine::{BackendInfo, RunControl};
use firesale::report::sections::{self, RunResults};
use firesale::report::summary::RunInfo;
use firesale::report::{RunSummary, bundle, dump, file, terminal};
use firesale::scenario::Source;
use firesale::shard::Shard;
use firesale::shard::state::{Invocation, ShardRun};
use firesale::{Error, Result};

pub fn run(args: &RunArgs) -> Result<()> {
    let source = Source::load(&args.scenario)?;
    let mut model = source.compile()?;
    super::override_paths_and_seed(&mut model, args.paths, args.seed)?;
    let dump = parse_dump(args.dump_paths.as_deref(), model.paths)?;
    if let Some(path) = &args.json {
        file::check_writable(path, "--json")?;
    }
    if let Some((_, path)) = &dump {
        file::check_writable(path, "--dump-paths")?;
    }
    if let Some(path) = &args.state_out {
        file::check_writable(path, "--state-out")?;
    }
    if let Some(dir) = &args.out {
        bundle::prepare_dir(dir, "--out")?;
    }
    let shard = args.shard.unwrap_or(Shard::WHOLE);
    let paths = shard.paths(model.paths);
    let selection = Engine::select(
        args.backend.into(),
        args.adapter.as_deref(),
        args.threads,
        &model,
        paths.end - paths.start,
    )?;
    let mut engine = selection.engine;

    let cancel = Arc::new(AtomicBool::new(false));
    let handler_flag = Arc::clone(&cancel);
    // Ctrl-C stops the run between batches; the summary of the paths done is still printed
    // (marked partial). Failing to install the handler only loses that nicety.
    let _ = ctrlc::set_handler(move || handler_flag.store(true, Ordering::Relaxed));
    let progress = progress_bar(paths.end - paths.start, args.quiet);
    let report = |done: u64| progress.set_position(done);
    let control = RunControl {
        dump_paths: dump.as_ref().map_or(0, |(n, _)| *n),
        per_step: args.out.is_some(),
        cancel: &cancel,
        progress: &report,
    };

    let started = Instant::now();
    let output = engine.run(&model, paths.clone(), &control)?;
    let backend = BackendInfo {
        selection: selection.reason,
        ..engine.info()
    };
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
    if let Some((_, path)) = &dump {
        if output.partial {
            eprintln!(
                "warning: the run stopped early; {} holds only the paths it finished",
                path.display()
            );
        }
        file::write_output(
            path,
            dump::paths_csv(&model, paths.start, &output.dump_rows).as_bytes(),
        )?;
    }
    if let Some(path) = &args.json {
        file::write_output(path, summary.to_json().as_bytes())?;
    }
    if let Some(dir) = &args.out {
        let results = RunResults {
            model: &model,
            summary: &summary,
            totals: &output.totals,
            steps: output.steps.as_ref(),
        };
        sections::run_report(&results, summary.to_json()).write(dir)?;
    }
    if !args.quiet {
        let mut text = terminal::render(&summary);
        if let Some(dir) = &args.out {
            text += &format!("\nReport: {}\n", dir.join(bundle::HTML_FILE).display());
        }
        if args.json.as_deref() == Some(Path::new("-")) {
            eprint!("{text}");
        } else {
            print!("{text}");
        }
    }
    if let Some(path) = &args.state_out {
        let run = ShardRun {
            source: &source,
            model: &model,
            shard,
            engine: (&backend).into(),
            elapsed_seconds,
            invocation: Invocation::current(),
        };
        state_out::write(path, run, output, args.quiet)?;
    }
    Ok(())
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
