//! Throughput of the CPU reference engine on the built-in crypto-unwind scenario
//! (12 assets, 3 jump types, Student-t shocks, 10+ cohorts, 168 hourly steps), in
//! path-steps per second. docs/PERFORMANCE.md records the figures and the machine.

use std::sync::atomic::AtomicBool;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use firesale::engine::{RunControl, run_cpu};

fn crypto_unwind(c: &mut Criterion) {
    let model = firesale::scenario::load("crypto-unwind").expect("built-in scenario");
    let paths = 4096_u64;
    let cancel = AtomicBool::new(false);
    let control = RunControl::totals_only(&cancel);
    let mut group = c.benchmark_group("cpu_engine");
    group.sample_size(10);
    group.throughput(Throughput::Elements(paths * u64::from(model.steps)));
    group.bench_function("crypto-unwind 4096 paths (elements = path-steps)", |b| {
        b.iter(|| run_cpu(&model, 0..paths, &control))
    });
    group.finish();
}

criterion_group!(benches, crypto_unwind);
criterion_main!(benches);
