//! Throughput of the CPU reference engine in path-steps per second, at every lane width this
//! processor runs: the built-in crypto-unwind scenario (12 assets, 3 jump types, Student-t
//! shocks, 10+ cohorts, 168 hourly steps) and benches/three-asset.toml (3 assets, 5
//! cohorts). docs/PERFORMANCE.md records the figures and the machine.

use std::sync::atomic::AtomicBool;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use firesale::engine::{RunControl, run_cpu_at};
use firesale::lanes::Width;

fn engine(c: &mut Criterion) {
    let three_asset = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/three-asset.toml");
    let cancel = AtomicBool::new(false);
    let control = RunControl::totals_only(&cancel);
    let mut group = c.benchmark_group("cpu_engine");
    group.sample_size(10);
    for (name, scenario) in [
        ("crypto-unwind", "crypto-unwind"),
        ("three-asset", three_asset),
    ] {
        let model = firesale::scenario::load(scenario).expect("the scenario loads");
        let paths = 4096_u64;
        group.throughput(Throughput::Elements(paths * u64::from(model.steps)));
        for width in Width::all_available() {
            let label = format!(
                "{name} {paths} paths, {} lanes (elements = path-steps)",
                width.lanes()
            );
            group.bench_function(label, |b| {
                b.iter(|| run_cpu_at(width, &model, 0..paths, &control))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
