//! Which engine runs a simulation: the CPU reference engine, or the GPU engine on a chosen
//! adapter, or — for `auto` — a hardware GPU when there is one, else whichever of the CPU
//! engine and a software adapter is faster on this machine (measured, not guessed). With
//! `auto`, a GPU that fails falls back to the CPU engine and says so.

use std::ops::Range;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use wgpu::DeviceType;

use super::gpu::{GpuEngine, list_adapters, run_gpu};
use super::{RunControl, RunOutput, run_cpu};
use crate::lanes::Width;
use crate::model::Model;
use crate::summary::BackendInfo;
use crate::{Error, Result};

/// Which engine simulates the paths: what the user asked for (`--backend`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendChoice {
    /// A hardware GPU when there is one; with only a software adapter, whichever of the GPU
    /// and CPU engines is faster on a short probe; the CPU engine when the GPU fails.
    Auto,
    /// The GPU engine (wgpu compute shaders).
    Gpu,
    /// The CPU reference engine.
    Cpu,
}

/// Runs below this many path-steps stay on the CPU under `auto` when only a software
/// adapter exists. Compiling the unrolled shader takes llvmpipe about 2.5 s (crypto-unwind,
/// 2 cores); when this was set the software adapter ran 1.9× the CPU engine and the probe
/// paid off from about 3e7 path-steps (180,000 paths of a week of hours). Since the CPU
/// engine's lanes it is the faster one on such machines (1.6e7 against 9.9e6 path-steps/s,
/// docs/PERFORMANCE.md), so the probe above this size mostly confirms the CPU engine; it
/// stays measured rather than assumed, for faster software adapters.
const AUTO_SOFTWARE_MIN_PATH_STEPS: u64 = 30_000_000;
/// Paths each engine simulates when `auto` times them against each other.
const AUTO_PROBE_PATHS: u64 = 2_048;

/// A ready engine.
pub enum Engine {
    Cpu {
        /// A dedicated pool when `--threads` was given, else the global one.
        pool: Option<rayon::ThreadPool>,
    },
    Gpu {
        engine: Box<GpuEngine>,
        /// Whether a GPU failure may fall back to the CPU (`auto`).
        fallback: bool,
    },
}

/// The CPU engine's threads for a requested count: what [`Engine::select`] takes, and a
/// warning for the user when the request was capped or has no effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuThreads {
    /// `None`: one per core.
    pub count: Option<usize>,
    pub warning: Option<String>,
}

impl CpuThreads {
    /// `requested` (none: one per core), at least 1, capped at the threads this machine has;
    /// with the GPU backend it has no effect. `flag` names it in the messages (`--threads`).
    pub fn choose(requested: Option<usize>, backend: BackendChoice, flag: &str) -> Result<Self> {
        let chosen = |count, warning| Ok(CpuThreads { count, warning });
        match requested {
            None => chosen(None, None),
            Some(0) => Err(Error::Usage(format!("{flag} must be at least 1"))),
            Some(_) if backend == BackendChoice::Gpu => chosen(
                None,
                Some(format!(
                    "{flag} sets the CPU engine's threads; it has no effect with the GPU backend"
                )),
            ),
            Some(requested) => {
                let available = std::thread::available_parallelism().map_or(1, usize::from);
                if requested > available {
                    let warning = format!(
                        "{flag} {requested} is more than the {available} CPU threads here; using {available}"
                    );
                    chosen(Some(available), Some(warning))
                } else {
                    chosen(Some(requested), None)
                }
            }
        }
    }
}

/// The engine chosen, and why (shown in the summary when `auto` decided).
pub struct Selection {
    pub engine: Engine,
    pub reason: Option<String>,
}

impl Selection {
    /// What the summary reports as `backend`: the engine as it is now (after a run, a GPU
    /// that fell back reports the CPU engine) and why `auto` chose it.
    pub fn info(&self) -> BackendInfo {
        BackendInfo {
            selection: self.reason.clone(),
            ..self.engine.info()
        }
    }
}

impl Engine {
    /// The CPU engine on `threads` workers (default: one per core), at the lane width
    /// `FIRESALE_CPU_LANES` forces or the processor's widest.
    pub fn cpu(threads: Option<usize>) -> Result<Engine> {
        Width::chosen().map_err(Error::Usage)?;
        let pool = match threads {
            None => None,
            Some(0) => return Err(Error::Usage("--threads must be at least 1".to_string())),
            Some(count) => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(count)
                    .build()
                    .map_err(|error| {
                        Error::Runtime(format!("cannot start {count} threads: {error}"))
                    })?,
            ),
        };
        Ok(Engine::Cpu { pool })
    }

    /// Opens the engine for `choice`; `model` and `paths` inform `auto`.
    pub fn select(
        choice: BackendChoice,
        adapter: Option<&str>,
        threads: Option<usize>,
        model: &Model,
        paths: u64,
    ) -> Result<Selection> {
        if adapter.is_some() && choice == BackendChoice::Cpu {
            return Err(Error::Usage(
                "--adapter selects a GPU adapter: use it with --backend gpu or auto".to_string(),
            ));
        }
        match choice {
            BackendChoice::Cpu => Ok(Selection {
                engine: Engine::cpu(threads)?,
                reason: None,
            }),
            BackendChoice::Gpu => Ok(Selection {
                engine: Engine::Gpu {
                    engine: Box::new(GpuEngine::new(adapter)?),
                    fallback: false,
                },
                reason: None,
            }),
            BackendChoice::Auto => auto(adapter, threads, model, paths),
        }
    }

    /// Simulates global paths `paths` of `model`.
    pub fn run(
        &mut self,
        model: &Model,
        paths: Range<u64>,
        control: &RunControl,
    ) -> Result<RunOutput> {
        match self {
            Engine::Cpu { pool } => Ok(match pool {
                Some(pool) => pool.install(|| run_cpu(model, paths, control)),
                None => run_cpu(model, paths, control),
            }),
            Engine::Gpu { engine, fallback } => {
                match run_gpu(engine, model, paths.clone(), control) {
                    Ok(output) => Ok(output),
                    Err(error) if *fallback => {
                        eprintln!(
                            "warning: the GPU engine failed ({error}); running on the CPU engine instead"
                        );
                        *self = Engine::cpu(None)?;
                        self.run(model, paths, control)
                    }
                    Err(error) => Err(error),
                }
            }
        }
    }

    /// What the summary reports as `backend`.
    pub fn info(&self) -> BackendInfo {
        match self {
            Engine::Cpu { pool } => BackendInfo {
                kind: "cpu".to_string(),
                adapter: format!(
                    "firesale CPU engine ({} threads, {})",
                    pool.as_ref()
                        .map_or_else(rayon::current_num_threads, |p| p.current_num_threads()),
                    lane_description(),
                ),
                selection: None,
            },
            Engine::Gpu { engine, .. } => engine.backend_info(),
        }
    }
}

/// The lanes the CPU engine runs, e.g. "8 f64 lanes, AVX-512".
fn lane_description() -> String {
    let width = Width::chosen().unwrap_or_else(|_| Width::detected());
    format!("{} f64 lanes, {}", width.lanes(), width.instruction_set())
}

/// `auto`: a hardware GPU if any; else, for runs big enough to pay for a shader compile,
/// the faster of the CPU engine and a software adapter on a short timed probe.
fn auto(
    adapter: Option<&str>,
    threads: Option<usize>,
    model: &Model,
    paths: u64,
) -> Result<Selection> {
    let adapters = list_adapters();
    let matches = |name: &str| {
        adapter.is_none_or(|wanted| name.to_lowercase().contains(&wanted.to_lowercase()))
    };
    let hardware = adapters
        .iter()
        .find(|a| a.device_type != DeviceType::Cpu && matches(&a.name));
    let software = adapters
        .iter()
        .find(|a| a.device_type == DeviceType::Cpu && matches(&a.name));
    let fallback_to_cpu = |why: String| -> Result<Selection> {
        Ok(Selection {
            engine: Engine::cpu(threads)?,
            reason: Some(why),
        })
    };
    let open = |name: &str| GpuEngine::new(Some(name));
    if let Some(hardware) = hardware {
        return match open(&hardware.name) {
            Ok(engine) => Ok(Selection {
                engine: Engine::Gpu {
                    engine: Box::new(engine),
                    fallback: true,
                },
                reason: Some(format!("auto: hardware GPU {}", hardware.name)),
            }),
            Err(error) => fallback_to_cpu(format!(
                "auto: the GPU {} failed to open ({error}); CPU engine instead",
                hardware.name
            )),
        };
    }
    let Some(software) = software else {
        return fallback_to_cpu("auto: no GPU adapter found; CPU engine".to_string());
    };
    if paths.saturating_mul(u64::from(model.steps)) < AUTO_SOFTWARE_MIN_PATH_STEPS {
        return fallback_to_cpu(format!(
            "auto: only a software adapter ({}); {paths} paths of {} steps are too few to repay a shader compile, CPU engine",
            software.name, model.steps
        ));
    }
    // Probed without fallback, so a failing GPU shows as failing rather than as the CPU.
    let mut gpu = match open(&software.name) {
        Ok(engine) => Engine::Gpu {
            engine: Box::new(engine),
            fallback: false,
        },
        Err(error) => {
            return fallback_to_cpu(format!(
                "auto: the software adapter {} failed to open ({error}); CPU engine",
                software.name
            ));
        }
    };
    let mut cpu = Engine::cpu(threads)?;
    let gpu_rate = probe_rate(&mut gpu, model);
    let cpu_rate = probe_rate(&mut cpu, model)?;
    let (engine, winner) = match (&gpu_rate, gpu) {
        (Ok(gpu_rate), Engine::Gpu { engine, .. }) if *gpu_rate > cpu_rate => (
            Engine::Gpu {
                engine,
                fallback: true,
            },
            software.name.as_str(),
        ),
        _ => (cpu, "the CPU engine"),
    };
    let gpu_text = gpu_rate.map_or_else(|e| format!("failed: {e}"), |r| format!("{r:.0} paths/s"));
    Ok(Selection {
        engine,
        reason: Some(format!(
            "auto: timed {AUTO_PROBE_PATHS} paths: CPU {cpu_rate:.0} paths/s, {} {gpu_text}; chose {winner}",
            software.name
        )),
    })
}

/// Warm paths per second of `engine` on `model` (a first probe run warms it up).
fn probe_rate(engine: &mut Engine, model: &Model) -> Result<f64> {
    let cancel = AtomicBool::new(false);
    let control = RunControl::totals_only(&cancel);
    engine.run(model, 0..AUTO_PROBE_PATHS / 4, &control)?;
    let started = Instant::now();
    engine.run(model, 0..AUTO_PROBE_PATHS, &control)?;
    Ok(AUTO_PROBE_PATHS as f64 / started.elapsed().as_secs_f64())
}
