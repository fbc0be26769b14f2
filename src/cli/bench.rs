//! `firesale bench`: crypto-unwind at a few path counts on every engine here (the CPU engine
//! and each GPU adapter), cold (first run in the process: pipeline and shader compile
//! included) and warm (the same run again), in paths/s and path-steps/s.
//!
//! With `--check`, first whether each GPU can be trusted: its driver, backend and limits,
//! then its `--dump-paths` rows of the first paths against the CPU engine's
//! ([`Agreement`]); the run fails (exit 1) naming the worst columns when they disagree,
//! after the throughput table and the JSON are written.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use serde::Serialize;

use firesale::engine::RunControl;
use firesale::engine::backend::Engine;
use firesale::engine::gpu::agreement::{self, Agreement};
use firesale::engine::gpu::device::device_type_name;
use firesale::engine::gpu::{AdapterSummary, GpuEngine, list_adapters, run_gpu};
use firesale::engine::run_cpu;
use firesale::model::Model;
use firesale::report::file;
use firesale::summary::BackendInfo;
use firesale::summary::metrics::MetricLayout;
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

/// One adapter's check: what it is, and how its paths agree with the CPU engine's.
#[derive(Debug, Serialize)]
struct AdapterCheck {
    adapter: String,
    backend: String,
    device_type: String,
    driver: String,
    driver_info: String,
    max_storage_buffer_binding_size: u64,
    max_buffer_size: u64,
    max_compute_workgroups_per_dimension: u32,
    max_compute_invocations_per_workgroup: u32,
    agreement: Agreement,
}

#[derive(Debug, Serialize)]
struct BenchReport {
    scenario: String,
    cpu_threads: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    check: Option<Vec<AdapterCheck>>,
    results: Vec<Measurement>,
}

/// Benchmarks `scenario` at `path_counts`, after checking every GPU against the CPU engine
/// on `check_paths` paths when given.
pub fn run(
    scenario: &str,
    path_counts: &[u64],
    check_paths: Option<u64>,
    json: Option<&PathBuf>,
) -> Result<()> {
    if path_counts.contains(&0) {
        return Err(Error::Usage(
            "--paths: every count must be at least 1".to_string(),
        ));
    }
    if check_paths == Some(0) {
        return Err(Error::Usage(
            "--check-paths: compare at least 1 path".to_string(),
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
    let check = check_paths
        .map(|paths| check_adapters(&mut engines, &model, paths))
        .transpose()?;
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
    let failures: Vec<String> = check.iter().flatten().filter_map(failure).collect();
    if let Some(path) = json {
        let report = BenchReport {
            scenario: model.name.clone(),
            cpu_threads: rayon::current_num_threads(),
            check,
            results,
        };
        file::write_output(path, "--json", file::pretty_json(&report).as_bytes())?;
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Error::Runtime(failures.join("; ")))
    }
}

/// Each GPU engine's rows of the first `paths` paths against the CPU engine's, printed as
/// a table.
fn check_adapters(engines: &mut [Engine], model: &Model, paths: u64) -> Result<Vec<AdapterCheck>> {
    let cancel = AtomicBool::new(false);
    let control = RunControl {
        dump_paths: paths,
        ..RunControl::totals_only(&cancel)
    };
    let cpu = run_cpu(model, 0..paths, &control);
    let names = MetricLayout::new(model).column_names(model);
    println!(
        "check: {paths} paths of {}, GPU rows against the CPU engine's: a value agrees within \
         {:e} relative or {:e} of its column's largest magnitude; {}% must, and every mean \
         within {} standard errors",
        model.name,
        agreement::RELATIVE,
        agreement::NEAR_ZERO,
        agreement::REQUIRED_SHARE * 100.0,
        agreement::MEAN_ERRORS
    );
    let mut checks = Vec::new();
    for engine in engines.iter_mut() {
        let Engine::Gpu { engine, .. } = engine else {
            continue;
        };
        let gpu = run_gpu(engine, model, 0..paths, &control)?;
        let agreement = Agreement::new(&names, &cpu.dump_rows, &gpu.dump_rows);
        let adapter = engine.adapter().clone();
        print_check(&adapter, &agreement);
        checks.push(adapter_check(adapter, agreement));
    }
    println!();
    Ok(checks)
}

fn adapter_check(adapter: AdapterSummary, agreement: Agreement) -> AdapterCheck {
    AdapterCheck {
        adapter: adapter.name,
        backend: adapter.backend,
        device_type: device_type_name(adapter.device_type).to_string(),
        driver: adapter.driver,
        driver_info: adapter.driver_info,
        max_storage_buffer_binding_size: adapter.max_storage_buffer_binding_size,
        max_buffer_size: adapter.max_buffer_size,
        max_compute_workgroups_per_dimension: adapter.max_compute_workgroups_per_dimension,
        max_compute_invocations_per_workgroup: adapter.max_compute_invocations_per_workgroup,
        agreement,
    }
}

fn print_check(adapter: &AdapterSummary, agreement: &Agreement) {
    println!(
        "{} ({}, {}; driver {} {}; storage binding {} MiB, workgroups/dim {}, invocations/group {})",
        adapter.name,
        adapter.backend,
        device_type_name(adapter.device_type),
        adapter.driver,
        adapter.driver_info,
        adapter.max_storage_buffer_binding_size >> 20,
        adapter.max_compute_workgroups_per_dimension,
        adapter.max_compute_invocations_per_workgroup
    );
    println!(
        "  {:.4}% of values agree: {}",
        agreement.share * 100.0,
        if agreement.passes { "PASS" } else { "FAIL" }
    );
    for column in agreement.worst(5) {
        println!(
            "  {:<44} {:>6}/{} agree, mean CPU {:.6e} GPU {:.6e} (s.e. {:.2e}), worst path {}: CPU {:.9e} GPU {:.9e}",
            column.column,
            column.agreeing,
            column.paths,
            column.cpu_mean,
            column.gpu_mean,
            column.standard_error,
            column.worst_path,
            column.worst_cpu,
            column.worst_gpu
        );
    }
}

/// Why `check` fails, when it does.
fn failure(check: &AdapterCheck) -> Option<String> {
    let agreement = &check.agreement;
    if agreement.passes {
        return None;
    }
    let worst: Vec<String> = agreement
        .worst(3)
        .iter()
        .map(|c| format!("{} ({}/{} agree)", c.column, c.agreeing, c.paths))
        .collect();
    Some(format!(
        "GPU {} disagrees with the CPU engine: {:.4}% of {} paths' values within tolerance \
         (needs {}%, and every mean within {} standard errors); worst columns: {}",
        check.adapter,
        agreement.share * 100.0,
        agreement.paths,
        agreement::REQUIRED_SHARE * 100.0,
        agreement::MEAN_ERRORS,
        worst.join(", ")
    ))
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
