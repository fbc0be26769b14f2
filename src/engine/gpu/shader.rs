//! Composes the WGSL of `shaders/` at load time, vello-style: a generated header of
//! `const` declarations (sizes of the model, parameter offsets, metric columns) followed by
//! the stage files, so every loop has a constant bound and every private array a constant
//! size. The stage files mirror the CPU engine's files one for one; `reduce.wgsl` and
//! `sketch.wgsl` mirror the summaries of `src/summary/`.

use std::fmt::Write;

use super::correlation;
use super::params::{ParamWords, ParamsBinding};
use super::path_state::StateCode;
use super::record::{NO_PRICE_SLOT, StepLayout};
use super::reduce;
use super::unroll;
use super::weights::WeightSets;
use crate::engine::plan::{CALM, Plan, STRESS};
use crate::model::ImpactShape;
use crate::summary::QuantileSketch;
use crate::summary::metrics::{self, MetricLayout};
use crate::summary::steps::StepTotals;

/// Loops of more passes stay loops (`unroll`): up to 24 assets the unrolled step compiles
/// in a few seconds on llvmpipe and runs several times faster; beyond, compile time grows
/// steeply with the asset count (docs/PERFORMANCE.md).
const MAX_UNROLLED_PASSES: u32 = 24;

/// Invocations per workgroup of the path shader.
pub const WORKGROUP_SIZE: u32 = 64;

/// The stage files of the path shader, in the order they are concatenated, before the
/// recording variant and the entry point.
const PATH_STAGE_FILES: [(&str, &str); 7] = [
    ("philox.wgsl", include_str!("../../../shaders/philox.wgsl")),
    ("state.wgsl", include_str!("../../../shaders/state.wgsl")),
    ("regime.wgsl", include_str!("../../../shaders/regime.wgsl")),
    ("shock.wgsl", include_str!("../../../shaders/shock.wgsl")),
    ("impact.wgsl", include_str!("../../../shaders/impact.wgsl")),
    ("funds.wgsl", include_str!("../../../shaders/funds.wgsl")),
    (
        "cascade.wgsl",
        include_str!("../../../shaders/cascade.wgsl"),
    ),
];

/// The parameter accessors, and the two bindings they read through ([`ParamsBinding`]).
const PARAMS_FILE: (&str, &str) = ("params.wgsl", include_str!("../../../shaders/params.wgsl"));
const PARAMS_UNIFORM_FILE: (&str, &str) = (
    "params_uniform.wgsl",
    include_str!("../../../shaders/params_uniform.wgsl"),
);
const PARAMS_STORAGE_FILE: (&str, &str) = (
    "params_storage.wgsl",
    include_str!("../../../shaders/params_storage.wgsl"),
);

/// Per-step recording, and the variant that records nothing.
const RECORD_FILE: (&str, &str) = ("record.wgsl", include_str!("../../../shaders/record.wgsl"));
const RECORD_OFF_FILE: (&str, &str) = (
    "record_off.wgsl",
    include_str!("../../../shaders/record_off.wgsl"),
);

/// The path shader's entry point.
const PATH_ENTRY_FILE: (&str, &str) = ("path.wgsl", include_str!("../../../shaders/path.wgsl"));

/// The stream probe: the Philox stream alone, with a test entry point.
#[cfg(any(test, feature = "test-support"))]
const PROBE_SHADER_FILES: [(&str, &str); 2] = [
    ("philox.wgsl", include_str!("../../../shaders/philox.wgsl")),
    (
        "stream_probe.wgsl",
        include_str!("../../../shaders/stream_probe.wgsl"),
    ),
];

/// The reduction of a chunk's rows into summary counters.
const REDUCE_SHADER_FILES: [(&str, &str); 4] = [
    PARAMS_FILE,
    PARAMS_STORAGE_FILE,
    ("sketch.wgsl", include_str!("../../../shaders/sketch.wgsl")),
    ("reduce.wgsl", include_str!("../../../shaders/reduce.wgsl")),
];

/// The bucket probe: the sketch's f32 bucket index alone, with a test entry point.
#[cfg(any(test, feature = "test-support"))]
const BUCKET_PROBE_SHADER_FILES: [(&str, &str); 2] = [
    ("sketch.wgsl", include_str!("../../../shaders/sketch.wgsl")),
    (
        "bucket_probe.wgsl",
        include_str!("../../../shaders/bucket_probe.wgsl"),
    ),
];

/// Words (and normals) the stream probe writes per request.
#[cfg(any(test, feature = "test-support"))]
pub const PROBE_WORDS: u32 = 16;

/// A value of the generated header, rendered with its WGSL type.
enum Value {
    U32(u32),
    Bool(bool),
    U32Array(Vec<u32>),
}

/// The generated header: named constants, rendered once, in the order added.
struct Constants(Vec<(String, Value)>);

impl Constants {
    fn u32(&mut self, name: impl Into<String>, value: impl TryInto<u32, Error: std::fmt::Debug>) {
        let value = value.try_into().expect("shader constants fit in u32");
        self.0.push((name.into(), Value::U32(value)));
    }

    fn bool(&mut self, name: &str, value: bool) {
        self.0.push((name.to_string(), Value::Bool(value)));
    }

    fn u32_array(&mut self, name: &str, values: Vec<u32>) {
        self.0.push((name.to_string(), Value::U32Array(values)));
    }

    /// The sketch's bucketing (sketch.wgsl).
    fn sketch(&mut self) {
        self.u32(
            "BUCKETS_PER_OCTAVE",
            QuantileSketch::BUCKETS_PER_OCTAVE as u32,
        );
        self.u32_array(
            "BUCKET_THRESHOLDS",
            QuantileSketch::f32_octave_thresholds().to_vec(),
        );
    }

    fn compose(&self, files: &[(&str, &str)]) -> String {
        let mut source = String::from("// Generated by firesale: model constants.\n");
        for (name, value) in &self.0 {
            match value {
                Value::U32(v) => writeln!(source, "const {name}: u32 = {v}u;"),
                Value::Bool(v) => writeln!(source, "const {name}: bool = {v};"),
                Value::U32Array(values) => {
                    let items: Vec<String> = values.iter().map(|v| format!("{v}u")).collect();
                    let (len, items) = (values.len(), items.join(", "));
                    writeln!(source, "const {name} = array<u32, {len}>({items});")
                }
            }
            .expect("writing to a String");
        }
        for (file, text) in files {
            write!(source, "\n// ---- {file} ----\n{text}").expect("writing to a String");
        }
        // The stage files are ours and every composition is validated by the tests below,
        // so a loop the unroller refuses is a bug in a shader file, not a user error.
        unroll::unroll(&source, &|name| self.u32_value(name), MAX_UNROLLED_PASSES)
            .unwrap_or_else(|error| panic!("shaders/: {error}"))
    }

    /// The value of the u32 constant `name`.
    fn u32_value(&self, name: &str) -> Option<u32> {
        self.0.iter().find_map(|(n, value)| match value {
            Value::U32(v) if n == name => Some(*v),
            _ => None,
        })
    }
}

/// A composed path shader and the words of path state it carries between slices.
pub struct PathShader {
    pub source: String,
    pub state_words: u32,
}

/// The path shader for `plan`, whose parameters are laid out as `params` and bound as
/// `binding`; it records every step into step rows laid out as `steps` (see [`StepLayout`])
/// when given, with the slots and powers of `totals`.
pub fn path_shader(
    plan: &Plan,
    layout: &MetricLayout,
    params: &ParamWords,
    binding: ParamsBinding,
    recording: Option<(&StepTotals, StepLayout)>,
) -> PathShader {
    let normals = plan.normals_per_step();
    let mut c = Constants(Vec::new());
    c.u32("N_ASSETS", plan.assets);
    c.u32("N_JUMPS", plan.jumps.len());
    c.u32("STUDENT_T_DOF", plan.student_t_dof);
    // −2 ln U terms of the χ² draw: ⌊ν/2⌋.
    c.u32("CHI_SQUARE_LOGS", plan.student_t_dof / 2);
    c.u32("NORMAL_PAIRS", normals.div_ceil(2));
    // Index of z_x (ν odd); 0 otherwise, where it is never read but must be in bounds.
    let extra = plan.assets + plan.jumps.len();
    c.u32(
        "NORMAL_EXTRA",
        if plan.student_t_dof % 2 == 1 {
            extra
        } else {
            0
        },
    );
    c.u32("N_MARGIN", plan.margin.len());
    c.u32("N_ETF", plan.etfs.len());
    c.u32("N_VOL_TARGET", plan.vol_targets.len());
    c.u32("N_COHORTS", layout.cohorts);
    c.u32("MAX_BUCKETS", params.max_buckets);
    c.u32("STEPS", plan.steps);
    c.u32("MAX_CASCADE_ROUNDS", plan.max_cascade_rounds);
    c.u32("ROW_LEN", layout.len());
    c.u32("ROW_STRIDE", layout.len() + 1);
    c.bool("IMPACT_SQRT", plan.impact_shape == ImpactShape::Sqrt);
    c.u32("WORKGROUP_SIZE", WORKGROUP_SIZE);
    // Array sizes: WGSL has no empty arrays.
    c.u32("ASSETS_LEN", plan.assets.max(1));
    c.u32("NORMALS_LEN", (normals.div_ceil(2) * 2).max(2));
    c.u32("MARGIN_LEN", plan.margin.len().max(1));
    c.u32("ETF_LEN", plan.etfs.len().max(1));
    c.u32("VOL_TARGET_LEN", plan.vol_targets.len().max(1));
    let funds = plan.etfs.len() + plan.vol_targets.len();
    c.u32("FUND_REFERENCE_LEN", (funds * plan.assets).max(1));
    c.u32("REGIME_CALM", CALM);
    c.u32("REGIME_STRESS", STRESS);
    c.u32("COHORT_METRICS", metrics::COHORT_METRICS.len());
    c.u32("ASSET_METRICS", metrics::ASSET_METRICS.len());
    // Each metric's index within its group (`metrics.rs`): `METRIC_LOSS`, `METRIC_RETURN`,
    // `METRIC_SYSTEM_FORCED_SELLING`, … (`write_row` in path.wgsl).
    for (prefix, group) in [
        ("METRIC_", &metrics::COHORT_METRICS[..]),
        ("METRIC_", &metrics::ASSET_METRICS[..]),
        ("METRIC_SYSTEM_", &metrics::SYSTEM_METRICS[..]),
    ] {
        for (index, metric) in group.iter().enumerate() {
            c.u32(format!("{prefix}{}", metric.to_uppercase()), index);
        }
    }
    for (name, offset) in &params.sections {
        c.u32(*name, *offset);
    }
    c.u32("PARAM_VEC4S", params.vec4s());
    let unrolled = plan.assets as u32 <= MAX_UNROLLED_PASSES;
    let weights = WeightSets::new(plan, unrolled);
    for (name, first) in weights.starts() {
        c.u32(*name, *first);
    }
    let weight_sums = weights.wgsl();
    let correlated = correlation::wgsl(plan, correlation::is_literal(plan));
    let mut files = vec![
        PARAMS_FILE,
        match binding {
            ParamsBinding::Uniform => PARAMS_UNIFORM_FILE,
            ParamsBinding::Storage => PARAMS_STORAGE_FILE,
        },
    ];
    files.push(("weights (generated)", &weight_sums));
    files.push(("correlation (generated)", &correlated));
    files.extend(PATH_STAGE_FILES);
    match recording {
        Some((totals, steps)) => {
            c.u32("STEP_STRIDE", steps.columns());
            c.u32("STEP_PRICE", steps.price_column());
            c.u32("STEP_EXOGENOUS_PRICE", steps.exogenous_price_column());
            c.u32("NO_PRICE_SLOT", NO_PRICE_SLOT);
            let slots: Vec<u32> = (1..=plan.steps)
                .map(|t| {
                    totals
                        .price_slot(t)
                        .map_or(NO_PRICE_SLOT, |slot| slot as u32)
                })
                .collect();
            c.u32_array("PRICE_SLOT", slots);
            let powers: Vec<u32> = (0..plan.assets)
                .map(|k| totals.price_power(k) as u32)
                .collect();
            c.u32_array("PRICE_POWER", powers);
            files.push(RECORD_FILE);
        }
        None => files.push(RECORD_OFF_FILE),
    }
    let state = StateCode::new(recording.is_some(), &|name| c.u32_value(name));
    files.push(("path state (generated)", &state.wgsl));
    files.push(PATH_ENTRY_FILE);
    PathShader {
        source: c.compose(&files),
        state_words: state.words,
    }
}

/// The reduction shader for rows of `columns` values per path.
pub fn reduce_shader(columns: u32) -> String {
    let mut c = Constants(Vec::new());
    c.u32("ROW_STRIDE", columns);
    c.u32("REDUCE_WORKGROUP_SIZE", reduce::WORKGROUP_SIZE);
    c.u32("REDUCE_PATHS_PER_GROUP", reduce::PATHS_PER_GROUP);
    for (name, offset) in reduce::COUNTER_OFFSETS {
        c.u32(name, offset);
    }
    c.u32("COUNTER_BLOCK", reduce::COUNTER_BLOCK);
    c.u32("SHARED_COUNTERS", reduce::SHARED_COUNTERS);
    c.sketch();
    c.compose(&REDUCE_SHADER_FILES)
}

/// The bucket-probe shader (a test kernel for the sketch's f32 bucket index).
#[cfg(any(test, feature = "test-support"))]
pub fn bucket_probe_shader() -> String {
    let mut c = Constants(Vec::new());
    c.sketch();
    c.compose(&BUCKET_PROBE_SHADER_FILES)
}

/// The stream-probe shader (a test kernel for the random numbers).
#[cfg(any(test, feature = "test-support"))]
pub fn probe_shader() -> String {
    let mut c = Constants(Vec::new());
    c.u32("PROBE_WORDS", PROBE_WORDS);
    c.compose(&PROBE_SHADER_FILES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::builtin;

    fn validate(source: &str) {
        let module = naga::front::wgsl::parse_str(source)
            .unwrap_or_else(|error| panic!("{}", error.emit_to_string(source)));
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::empty(),
        )
        .validate(&module)
        .unwrap_or_else(|error| panic!("{}", error.emit_to_string(source)));
    }

    /// Every built-in scenario composes into a valid shader, recording steps or not, with
    /// either parameter binding (no adapter needed).
    #[test]
    fn path_shader_validates_for_every_builtin() {
        for scenario in builtin::all() {
            let model = scenario.model().expect("built-ins compile");
            let plan = Plan::new(&model);
            let params = ParamWords::new(&plan);
            let layout = MetricLayout::new(&model);
            let totals = StepTotals::new(&model);
            let steps = StepLayout::new(&totals, &model);
            for binding in [ParamsBinding::Uniform, ParamsBinding::Storage] {
                validate(&path_shader(&plan, &layout, &params, binding, None).source);
                validate(
                    &path_shader(&plan, &layout, &params, binding, Some((&totals, steps))).source,
                );
            }
        }
    }

    /// A universe wider than the unrolling limit composes into a valid shader too (loops
    /// over assets kept).
    #[test]
    fn path_shader_validates_for_a_wide_universe() {
        let model = crate::scenario::load(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/benches/many-assets.toml"
        ))
        .expect("benches/many-assets.toml");
        assert!(model.assets.len() as u32 > MAX_UNROLLED_PASSES);
        let plan = Plan::new(&model);
        let params = ParamWords::new(&plan);
        let layout = MetricLayout::new(&model);
        let source = path_shader(&plan, &layout, &params, ParamsBinding::Uniform, None).source;
        assert!(source.contains("for (var k = 0u; k < N_ASSETS; k++) {"));
        validate(&source);
    }

    /// The loop form of the correlation step (universes too wide for literals) composes
    /// into a valid shader: swapped into crypto-unwind's, whose literals it replaces.
    #[test]
    fn path_shader_validates_with_the_correlation_loop() {
        let model = crate::scenario::load("crypto-unwind").expect("built-in scenario");
        let plan = Plan::new(&model);
        let params = ParamWords::new(&plan);
        let layout = MetricLayout::new(&model);
        let source = path_shader(&plan, &layout, &params, ParamsBinding::Uniform, None).source;
        let literal = correlation::wgsl(&plan, true);
        assert!(source.contains(&literal));
        let source = source.replace(&literal, &correlation::wgsl(&plan, false));
        assert!(source.contains("correlated_shock_from_params(t_scale);"));
        validate(&source);
    }

    /// A calibration's trials (every parameter `calibrate` scales, on every cohort it
    /// applies to) compose the same path shader as the scenario, so the device's pipeline
    /// cache compiles it once: those values live in the parameter buffer.
    #[test]
    fn calibration_trials_compose_the_same_shader() {
        use crate::questions::calibrate::param::Param;
        for name in ["crypto-unwind", "calm-market"] {
            let model = crate::scenario::load(name).expect("built-in scenario");
            let source = |model: &crate::model::Model| {
                let plan = Plan::new(model);
                let params = ParamWords::new(&plan);
                let layout = MetricLayout::new(model);
                path_shader(&plan, &layout, &params, ParamsBinding::Uniform, None).source
            };
            let scenario = source(&model);
            for (c, cohort) in model.cohorts.iter().enumerate() {
                for param in [Param::Leverage, Param::Equity, Param::MaintenanceMargin] {
                    if param.check(&cohort.kind, &cohort.name).is_err() {
                        continue;
                    }
                    let value = if param.is_scale() { 0.73 } else { 0.031 };
                    let trial = param.apply(&model, c, value);
                    assert!(
                        source(&trial) == scenario,
                        "{name}: {} {} changes the shader",
                        cohort.name,
                        param.name()
                    );
                }
            }
        }
    }

    /// The composed path shaders of two built-ins match their snapshots under
    /// `shaders/snapshots/`, so a change to generated code shows in review as a diff of
    /// WGSL: crypto-unwind as a plain run composes it, calm-market recording its steps.
    /// After a deliberate change, rewrite them with `FIRESALE_UPDATE_SNAPSHOTS=1 cargo test
    /// --release --lib snapshot` and review the diff.
    #[test]
    fn composed_shaders_match_their_snapshots() {
        let update = std::env::var_os("FIRESALE_UPDATE_SNAPSHOTS").is_some_and(|v| v == "1");
        for (name, file, per_step) in [
            ("crypto-unwind", "crypto-unwind.wgsl", false),
            ("calm-market", "calm-market-steps.wgsl", true),
        ] {
            let model = crate::scenario::load(name).expect("built-in scenario");
            let plan = Plan::new(&model);
            let totals = StepTotals::new(&model);
            let recording = per_step.then(|| (&totals, StepLayout::new(&totals, &model)));
            let source = path_shader(
                &plan,
                &MetricLayout::new(&model),
                &ParamWords::new(&plan),
                ParamsBinding::Uniform,
                recording,
            )
            .source;
            let path = format!("{}/shaders/snapshots/{file}", env!("CARGO_MANIFEST_DIR"));
            if update {
                std::fs::write(&path, &source).unwrap_or_else(|e| panic!("{path}: {e}"));
                continue;
            }
            let snapshot = std::fs::read_to_string(&path).unwrap_or_default();
            if let Some((line, (got, want))) = source
                .lines()
                .zip(snapshot.lines())
                .enumerate()
                .find(|(_, (got, want))| got != want)
            {
                panic!(
                    "{path}: the composed shader of {name} differs at line {}:\n  snapshot: {want}\n  composed: {got}\nreview the change, then rewrite the snapshots with FIRESALE_UPDATE_SNAPSHOTS=1",
                    line + 1
                );
            }
            assert!(
                source == snapshot,
                "{path}: the composed shader of {name} has {} lines, the snapshot {} (missing or stale); review the change, then rewrite the snapshots with FIRESALE_UPDATE_SNAPSHOTS=1",
                source.lines().count(),
                snapshot.lines().count()
            );
        }
    }

    #[test]
    fn probe_shaders_validate() {
        validate(&probe_shader());
        validate(&bucket_probe_shader());
    }

    #[test]
    fn reduce_shader_validates() {
        for columns in [2, 32] {
            validate(&reduce_shader(columns));
        }
    }
}
