//! `firesale bench`: crypto-unwind at a few path counts on every engine here (the CPU engine
//! and each GPU adapter), cold (first run in the process: pipeline and shader compile
//! included) and warm (the same run again), in paths/s and path-steps/s.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use serde::Serialize;

use firesale::engine::backend::Engine;
use firesale::engine::gpu::{GpuEngine, list_adapters};
use firesale::engine::{BackendInfo, RunControl};
use firesale::model::Model;
use firesale::report::file;
use firesale::{Error, Result};

#[derive(Debug, Serialize)]
struct Measurement {
    engine: String,
    adapter: String,
    paths: u64,
    steps: u32,
    cold_seconds: f64,
    warm_seconds: f64,
    warm_paths_per_second: f64,
    warm_path_steps_per_second: f64,
}

#[derive(Debug, Serialize)]
struct BenchReport {
    scenario: String,
    cpu_threads: usize,
    results: Vec<Measurement>,
}

pub fn run(scenario: &str, path_counts: &[u64], json: Option<&PathBuf>) -> Result<()> {
    if path_counts.contains(&0) {
        return Err(Error::Usage(
            "--paths: every count must be at least 1".to_string(),
        ));
    }
    if let Some(path) = json {
        file::check_writable(path, "--json")?;
    }
    let model = firesale::scenario::load(scenario)?;
    let mut engines = vec![Engine::cpu(None)?];
    let mut benched: Vec<String> = Vec::new();
    for adapter in list_adapters() {
        // An adapter is opened by name: a second backend of the same device (Vulkan and GL
        // of one driver) is reached with WGPU_BACKEND instead.
        if benched.contains(&adapter.name) {
            eprintln!(
                "note: {} is also on the {} backend; set WGPU_BACKEND={} to bench that one",
                adapter.name, adapter.backend, adapter.backend
            );
            continue;
        }
        benched.push(adapter.name.clone());
        match GpuEngine::new(Some(&adapter.name)) {
            Ok(engine) => engines.push(Engine::Gpu {
                engine: Box::new(engine),
                fallback: false,
            }),
            Err(error) => eprintln!("skipping {}: {error}", adapter.name),
        }
    }
    let mut results = Vec::new();
    println!(
        "{:<6} {:<44} {:>9} {:>9} {:>9} {:>12} {:>15}",
        "engine", "adapter", "paths", "cold s", "warm s", "paths/s", "path-steps/s"
    );
    for engine in &mut engines {
        let info = engine.info();
        for &paths in path_counts {
            let measurement = measure(engine, &info, &model, paths)?;
            println!(
                "{:<6} {:<44} {:>9} {:>9.3} {:>9.3} {:>12.0} {:>15.3e}",
                measurement.engine,
                measurement.adapter,
                paths,
                measurement.cold_seconds,
                measurement.warm_seconds,
                measurement.warm_paths_per_second,
                measurement.warm_path_steps_per_second,
            );
            results.push(measurement);
        }
    }
    if let Some(path) = json {
        let report = BenchReport {
            scenario: model.name.clone(),
            cpu_threads: rayon::current_num_threads(),
            results,
        };
        file::write_output(path, "--json", file::pretty_json(&report).as_bytes())?;
    }
    Ok(())
}

fn measure(
    engine: &mut Engine,
    info: &BackendInfo,
    model: &Model,
    paths: u64,
) -> Result<Measurement> {
    let cancel = AtomicBool::new(false);
    let control = RunControl::totals_only(&cancel);
    let mut timed = || -> Result<f64> {
        let started = Instant::now();
        engine.run(model, 0..paths, &control)?;
        Ok(started.elapsed().as_secs_f64())
    };
    let cold_seconds = timed()?;
    let warm_seconds = timed()?;
    let rate = paths as f64 / warm_seconds;
    Ok(Measurement {
        engine: info.kind.clone(),
        adapter: info.adapter.clone(),
        paths,
        steps: model.steps,
        cold_seconds,
        warm_seconds,
        warm_paths_per_second: rate,
        warm_path_steps_per_second: rate * f64::from(model.steps),
    })
}
