//! Throughput of the GPU engine on crypto-unwind, in path-steps per second, on the adapter
//! wgpu prefers here (Mesa's lavapipe on a machine without a GPU). The pipeline is built once
//! before timing, so this measures warm runs; `firesale bench` reports cold starts too.

use std::sync::atomic::AtomicBool;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use firesale::engine::RunControl;
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

criterion_group!(benches, crypto_unwind);
criterion_main!(benches);
