//! `firesale slurm`: write the Slurm job array that runs a scenario in shards and the merge
//! job that depends on it (see `firesale::cluster::slurm`), and submit them when asked.

use std::path::{Path, PathBuf};
use std::process::Command;

use firesale::cluster::slurm::SlurmJob;
use firesale::report::file;
use firesale::scenario::{Source, builtin};
use firesale::shard::Shard;
use firesale::{Error, Result};

/// Slurm's default `MaxArraySize`: task ids above 1000 need a cluster configured for them.
const DEFAULT_MAX_ARRAY_SIZE: u64 = 1001;

#[derive(Debug, clap::Args)]
pub struct SlurmArgs {
    /// A scenario TOML file or a built-in name (see `firesale scenarios`).
    scenario: String,
    /// Number of shards N: one array task each.
    #[arg(long, value_name = "N")]
    shards: u64,
    /// Paths of the whole run (default: the scenario's `simulation.paths`).
    #[arg(long)]
    paths: Option<u64>,
    /// Random seed (default: the scenario's `simulation.seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Slurm partition of the shard tasks and the merge job.
    #[arg(long, value_name = "NAME")]
    partition: Option<String>,
    /// Slurm account to charge.
    #[arg(long, value_name = "NAME")]
    account: Option<String>,
    /// GPUs per shard task; the shards then run on the GPU engine (`--backend gpu`).
    #[arg(long, value_name = "G", value_parser = clap::value_parser!(u32).range(1..))]
    gpus_per_task: Option<u32>,
    /// CPU cores per shard task (the CPU engine's threads).
    #[arg(long, value_name = "C", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    cpus_per_task: u32,
    /// Memory per shard task, as sbatch takes it (e.g. 2G).
    #[arg(long, value_name = "SIZE")]
    mem: Option<String>,
    /// Time limit of each shard task, as sbatch takes it (e.g. 01:30:00): MINUTES,
    /// MINUTES:SECONDS, HOURS:MINUTES:SECONDS, DAYS-HOURS[:MINUTES[:SECONDS]] or UNLIMITED.
    #[arg(long, value_name = "LIMIT", value_parser = time_limit)]
    time: Option<String>,
    /// Run at most M shard tasks at once (sbatch's `--array=…%M`).
    #[arg(long, value_name = "M", value_parser = clap::value_parser!(u32).range(1..))]
    max_running: Option<u32>,
    /// Folder for the scripts, the shard states, the logs and the merged summary.json, on a
    /// filesystem the compute nodes share (default: ./firesale-SCENARIO-sSEED-pPATHS-nSHARDS).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Submit the array and the merge job with sbatch, and print their job ids.
    #[arg(long)]
    submit: bool,
}

pub fn run(args: &SlurmArgs) -> Result<()> {
    let source = Source::load(&args.scenario)?;
    let mut model = source.compile()?;
    model.paths = args.paths.unwrap_or(model.paths);
    model.seed = args.seed.unwrap_or(model.seed);
    Shard::new(0, args.shards).map_err(|problem| Error::Usage(format!("--shards: {problem}")))?;
    if args.shards > model.paths {
        return Err(Error::Usage(format!(
            "--shards: {} shards of {} paths would leave some empty; use at most {}",
            args.shards, model.paths, model.paths
        )));
    }
    let dir = args.dir.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "firesale-{}-s{}-p{}-n{}",
            model.name, model.seed, model.paths, args.shards
        ))
    });
    let dir = prepare_dir(&dir)?;
    let firesale = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .map_err(|error| Error::Runtime(format!("cannot locate the firesale binary: {error}")))?;
    let job = SlurmJob {
        scenario: frozen_scenario(&source, &dir)?,
        dir,
        firesale,
        name: model.name.clone(),
        paths: model.paths,
        seed: model.seed,
        shards: args.shards,
        partition: args.partition.clone(),
        account: args.account.clone(),
        gpus_per_task: args.gpus_per_task,
        cpus_per_task: args.cpus_per_task,
        mem: args.mem.clone(),
        time: args.time.clone(),
        max_running: args.max_running,
    };
    file::write_output(
        &job.shards_script_path(),
        "--dir",
        job.shards_script().as_bytes(),
    )?;
    file::write_output(
        &job.merge_script_path(),
        "--dir",
        job.merge_script().as_bytes(),
    )?;
    let submit = job.submit_script_path();
    file::write_output(&submit, "--dir", job.submit_script().as_bytes())?;
    make_executable(&submit)?;
    if args.shards > DEFAULT_MAX_ARRAY_SIZE {
        eprintln!(
            "note: {} shards need task ids up to {}; Slurm's default MaxArraySize ({DEFAULT_MAX_ARRAY_SIZE}) allows 1000 (`scontrol show config | grep MaxArraySize`)",
            args.shards,
            args.shards - 1
        );
    }
    println!(
        "wrote {} ({} shard tasks), {} and {}",
        job.shards_script_path().display(),
        args.shards,
        job.merge_script_path().display(),
        submit.display()
    );
    if !args.submit {
        println!("submit both with: {}", submit.display());
        return Ok(());
    }
    let output = Command::new(&submit)
        .output()
        .map_err(|error| Error::Runtime(format!("cannot run {}: {error}", submit.display())))?;
    if !output.status.success() {
        return Err(Error::Runtime(format!(
            "submitting failed ({}): {}; the scripts are in {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim(),
            job.dir.display()
        )));
    }
    print!("{}", String::from_utf8_lossy(&output.stdout));
    Ok(())
}

/// `--time`, checked against the forms sbatch takes.
fn time_limit(text: &str) -> std::result::Result<String, String> {
    let number = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let clock = |parts: &str, most: usize| {
        let fields: Vec<&str> = parts.split(':').collect();
        fields.len() <= most && fields.iter().all(|field| number(field))
    };
    let valid = match text.split_once('-') {
        _ if ["unlimited", "infinite"].contains(&text.to_ascii_lowercase().as_str()) => true,
        Some((days, rest)) => number(days) && clock(rest, 3),
        None => clock(text, 3),
    };
    if valid {
        Ok(text.to_string())
    } else {
        Err(format!(
            "'{text}' is not a Slurm time limit; use MINUTES, MINUTES:SECONDS, HOURS:MINUTES:SECONDS, DAYS-HOURS[:MINUTES[:SECONDS]] or UNLIMITED, e.g. 01:30:00"
        ))
    }
}

/// Creates the run's folder with its `shards/` and `logs/`, refusing one that already holds
/// shard states (of another run, most likely); returns its absolute path.
fn prepare_dir(dir: &Path) -> Result<PathBuf> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Usage(format!(
            "--dir: {} is a file; give a folder for the job's scripts and states",
            dir.display()
        )));
    }
    let shards = dir.join("shards");
    let used = std::fs::read_dir(&shards).is_ok_and(|mut entries| entries.next().is_some());
    if used {
        return Err(Error::Usage(format!(
            "--dir: {} already holds shard states; choose another folder or remove it",
            shards.display()
        )));
    }
    for folder in [shards, dir.join("logs")] {
        std::fs::create_dir_all(&folder).map_err(|source| {
            Error::Usage(format!(
                "--dir: cannot create the folder {}: {source}; choose another folder",
                folder.display()
            ))
        })?;
    }
    let dir = std::fs::canonicalize(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    if dir.display().to_string().chars().any(char::is_whitespace) {
        return Err(Error::Usage(format!(
            "--dir: '{}' has a space, which #SBATCH lines cannot hold; choose another folder",
            dir.display()
        )));
    }
    Ok(dir)
}

/// The scenario argument of the tasks: a built-in's name, or a copy of the file in the run's
/// folder, so that editing the original while tasks wait in the queue cannot change the run.
fn frozen_scenario(source: &Source, dir: &Path) -> Result<String> {
    if builtin::find(&source.origin).is_some_and(|b| b.toml == source.toml) {
        return Ok(source.origin.clone());
    }
    let name = Path::new(&source.origin)
        .file_name()
        .map_or_else(|| "scenario.toml".into(), |name| name.to_os_string());
    let copy = dir.join(name);
    file::write_output(&copy, "--dir", source.toml.as_bytes())?;
    Ok(copy.display().to_string())
}

/// Makes `submit.sh` runnable as a command (Slurm runs on Unix only).
#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(|source| {
        Error::Write {
            path: path.to_path_buf(),
            source,
        }
    })
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<()> {
    Ok(())
}
