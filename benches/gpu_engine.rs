//! Throughput of the GPU engine on crypto-unwind, in path-steps per second, on the adapter
//! wgpu prefers here (Mesa's lavapipe on a machine without a GPU). The pipeline is built once
//! before timing, so this measures warm runs; `firesale bench` reports cold starts too.
//! `slicing` compares, in the same run, one chunk run in slices sized to the dispatch
//! target (`src/engine/gpu/slicer.rs`) with the same chunk in one dispatch of all its steps:
//! the ratio of the two medians is what slicing costs.

use std::sync::atomic::AtomicBool;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use firesale::engine::RunControl;
use firesale::engine::gpu::pipeline::PathPipeline;
use firesale::engine::gpu::slicer::Slicer;
use firesale::engine::gpu::{GpuEngine, run_gpu};

fn crypto_unwind(c: &mut Criterion) {
    let model = firesale::scenario::load("crypto-unwind").expect("built-in scenario");
    let mut engine = GpuEngine::new(None).expect("a GPU adapter (install mesa-vulkan-drivers)");
    let paths = 4096_u64;
    let cancel = AtomicBool::new(false);
    let control = RunControl::totals_only(&cancel);
    run_gpu(&mut engine, &model, 0..paths, &control).expect("warm-up run");
    let mut group = c.benchmark_group("gpu_engine");
    group.sample_size(10);
    group.throughput(Throughput::Elements(paths * u64::from(model.steps)));
    let name = format!(
        "crypto-unwind 4096 paths on {} (elements = path-steps)",
        engine.adapter().name
    );
    group.bench_function(name, |b| {
        b.iter(|| run_gpu(&mut engine, &model, 0..paths, &control).expect("GPU run"))
    });
    group.finish();
}

fn slicing(c: &mut Criterion) {
    let model = firesale::scenario::load("crypto-unwind").expect("built-in scenario");
    let engine = GpuEngine::new(None).expect("a GPU adapter (install mesa-vulkan-drivers)");
    let gpu = engine.device();
    let paths = 16384_u32;
    let pipeline = PathPipeline::new(gpu, &model, paths, false).expect("pipeline");
    let mut group = c.benchmark_group("gpu_slicing");
    group.sample_size(10);
    group.throughput(Throughput::Elements(
        u64::from(paths) * u64::from(model.steps),
    ));
    for (name, slicer) in [
        ("sliced", pipeline.slicer.get()),
        ("one dispatch", Slicer::fixed(model.steps)),
    ] {
        pipeline.slicer.set(slicer);
        pipeline.run_chunk(gpu, 0, paths, 0).expect("warm-up chunk");
        eprintln!("{name}: slice after warm-up {:?}", pipeline.slicer.get());
        group.bench_function(format!("crypto-unwind {paths} paths, {name}"), |b| {
            b.iter(|| pipeline.run_chunk(gpu, 0, paths, 0).expect("GPU chunk"))
        });
    }
    group.finish();
}

criterion_group!(benches, crypto_unwind, slicing);
criterion_main!(benches);
