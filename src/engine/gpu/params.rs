//! The parameter buffer of the path shader: a fixed-size [`Header`] (rewritten per chunk)
//! followed by the model's words, laid out in named sections whose offsets become the
//! `P_*` constants of the generated shader header. Everything comes from the CPU engine's
//! [`Plan`], so both engines read the same numbers (the GPU in f32).

use bytemuck::{Pod, Zeroable};

use super::correlation;
use super::weights::traded_assets;
use crate::engine::plan::{CALM, Plan, STRESS, VolTargetPlan};

/// The per-chunk header. Keep in sync with `struct Header` in `shaders/params.wgsl`
/// (a unit test compares the two layouts).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct Header {
    pub seed_lo: u32,
    pub seed_hi: u32,
    /// Global index of the chunk's first path, as (low, high) words.
    pub path_base_lo: u32,
    pub path_base_hi: u32,
    /// Paths in this chunk.
    pub path_count: u32,
    /// Invocations along x of the 2D dispatch: path = y·paths_per_row + x.
    pub paths_per_row: u32,
    /// The first column a reduction dispatch reduces (`shaders/reduce.wgsl`): a row wider
    /// than one batch of counters is reduced batch by batch.
    pub column_base: u32,
    /// Passes of the path shader's closing loop, [`LOOP_PROBE_PASSES`]: a value the shader
    /// compiler cannot see, so the loop stays a loop (`shaders/path.wgsl`).
    pub loop_probe_passes: u32,
    /// The slice of steps a path dispatch runs, `step_first ..= step_last` (1-based):
    /// from t = 0 when `step_first` is 1, else from the state saved by the slice before.
    pub step_first: u32,
    pub step_last: u32,
    /// Paths per word of the saved path state (`src/engine/gpu/path_state.rs`): the
    /// chunk's capacity.
    pub state_paths: u32,
    /// Keeps the header a whole number of 16-byte uniform rows.
    pub padding: u32,
}

/// See [`Header::loop_probe_passes`].
pub const LOOP_PROBE_PASSES: u32 = 2;

impl Header {
    pub fn new(seed: u64, path_base: u64, path_count: u32, paths_per_row: u32) -> Self {
        Header {
            seed_lo: seed as u32,
            seed_hi: (seed >> 32) as u32,
            path_base_lo: path_base as u32,
            path_base_hi: (path_base >> 32) as u32,
            path_count,
            paths_per_row,
            column_base: 0,
            loop_probe_passes: LOOP_PROBE_PASSES,
            step_first: 1,
            step_last: 1,
            state_paths: 0,
            padding: 0,
        }
    }
}

/// Where the path shader reads its parameters. Every offset the step reads in its unrolled
/// loops is the same for all paths; from a uniform buffer such a read is one load shared by
/// the paths a core runs together (llvmpipe: one scalar load for 8 lanes; GPUs: the
/// constant cache), where a storage-buffer read is a load per path. Models too large for the
/// adapter's uniform limit (64 KiB on most) fall back to a storage buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamsBinding {
    Uniform,
    Storage,
}

/// The model's words and where each section starts (in words after the header).
#[derive(Debug, Clone)]
pub struct ParamWords {
    pub words: Vec<u32>,
    /// (constant name, offset), in layout order: the `P_*` constants of the shader header
    /// (`P_MARGIN_GROSS`, …), named here and nowhere else in Rust; the WGSL reads a section
    /// as `param_f32(P_MARGIN_GROSS + i)` (`shaders/params.wgsl`).
    pub sections: Vec<(&'static str, u32)>,
    /// Buckets per margin book in the dense bucket arrays (≥ 1).
    pub max_buckets: usize,
}

/// One field of a vol-target fund, as its section of the parameters reads it.
type FundField<T> = fn(&VolTargetPlan) -> T;

impl ParamWords {
    fn section(&mut self, name: &'static str, values: impl IntoIterator<Item = u32>) {
        let offset = u32::try_from(self.words.len()).expect("parameters fit in u32 offsets");
        self.sections.push((name, offset));
        self.words.extend(values);
    }

    fn section_f32(&mut self, name: &'static str, values: impl IntoIterator<Item = f64>) {
        self.section(name, values.into_iter().map(|v| (v as f32).to_bits()));
    }

    /// Lays out every parameter the path shader reads.
    pub fn new(plan: &Plan) -> Self {
        let max_buckets = plan
            .margin
            .iter()
            .map(|book| book.gross_usd.len())
            .max()
            .unwrap_or(0)
            .max(1);
        let mut p = ParamWords {
            words: Vec::new(),
            sections: Vec::new(),
            max_buckets,
        };
        let regimes = [CALM, STRESS];
        p.section(
            "P_INITIAL_STRESS",
            word_threshold(plan.initial_stress_probability),
        );
        p.section(
            "P_SWITCH",
            plan.switch_probability
                .iter()
                .flat_map(|&q| word_threshold(q)),
        );
        // Read by the correlation step only when the universe is too wide for literals
        // (`src/engine/gpu/correlation.rs`); empty otherwise.
        let by_regime = |table: &[Vec<f64>; 2]| -> Vec<f64> {
            if correlation::is_literal(plan) {
                Vec::new()
            } else {
                regimes.iter().flat_map(|&s| table[s].clone()).collect()
            }
        };
        p.section_f32("P_DRIFT", by_regime(&plan.drift_per_step));
        p.section_f32("P_VOL", by_regime(&plan.vol_per_step));
        p.section_f32("P_CHOLESKY", by_regime(&plan.cholesky));
        p.section("P_TRADED", traded_bits(plan));
        p.section_f32(
            "P_DEPTH",
            regimes.iter().flat_map(|&s| plan.depth_usd[s].clone()),
        );
        p.section_f32("P_IMPACT_DECAY", [plan.impact_decay_per_step]);

        let jumps = &plan.jumps;
        p.section(
            "P_JUMP_FIRE",
            jumps
                .iter()
                .flat_map(|j| word_threshold(j.fire_probability)),
        );
        p.section_f32("P_JUMP_MEAN", jumps.iter().map(|j| j.mean_log));
        p.section_f32("P_JUMP_STDEV", jumps.iter().map(|j| j.stdev_log));

        let margin = &plan.margin;
        let per_bucket = |values: fn(&crate::engine::plan::MarginPlan) -> &Vec<f64>| {
            margin
                .iter()
                .flat_map(move |book| padded(values(book), max_buckets))
                .collect::<Vec<f64>>()
        };
        p.section("P_MARGIN_COHORT", margin.iter().map(|b| b.cohort as u32));
        p.section(
            "P_MARGIN_IMPACT",
            margin.iter().map(|b| u32::from(b.impact)),
        );
        p.section(
            "P_MARGIN_BUCKETS",
            margin.iter().map(|b| b.gross_usd.len() as u32),
        );
        p.section_f32("P_MARGIN_EQUITY", margin.iter().map(|b| b.equity_usd));
        p.section_f32(
            "P_MARGIN_MAINTENANCE",
            margin.iter().map(|b| b.maintenance_margin),
        );
        p.section_f32("P_MARGIN_FEE", margin.iter().map(|b| b.liquidation_fee));
        p.section_f32("P_MARGIN_ACCOUNTS", margin.iter().map(|b| b.accounts));
        p.section_f32(
            "P_MARGIN_INVERSE_LEVERAGE",
            per_bucket(|b| &b.inverse_leverage),
        );
        p.section_f32("P_MARGIN_EQUITY_SHARE", per_bucket(|b| &b.equity_share));
        p.section_f32("P_MARGIN_GROSS", per_bucket(|b| &b.gross_usd));

        let etfs = &plan.etfs;
        p.section("P_ETF_COHORT", etfs.iter().map(|e| e.cohort as u32));
        p.section("P_ETF_IMPACT", etfs.iter().map(|e| u32::from(e.impact)));
        p.section("P_ETF_EVERY_STEPS", etfs.iter().map(|e| e.every_steps));
        p.section_f32("P_ETF_AUM", etfs.iter().map(|e| e.aum_usd));
        p.section_f32("P_ETF_LEVERAGE", etfs.iter().map(|e| e.leverage));

        let funds = &plan.vol_targets;
        let counts: [(&str, FundField<u32>); 3] = [
            ("P_VOL_TARGET_COHORT", |f| f.cohort as u32),
            ("P_VOL_TARGET_IMPACT", |f| u32::from(f.impact)),
            ("P_VOL_TARGET_EVERY_STEPS", |f| f.every_steps),
        ];
        for (name, count) in counts {
            p.section(name, funds.iter().map(count));
        }
        let numbers: [(&str, FundField<f64>); 6] = [
            ("P_VOL_TARGET_EQUITY", |f| f.equity_usd),
            ("P_VOL_TARGET_TARGET_VOL", |f| f.target_vol),
            ("P_VOL_TARGET_MAX_LEVERAGE", |f| f.max_leverage),
            ("P_VOL_TARGET_INITIAL_VOL", |f| f.initial_vol),
            ("P_VOL_TARGET_EWMA_KEEP", |f| f.ewma_keep),
            ("P_VOL_TARGET_INTERVAL_YEARS", |f| f.interval_years),
        ];
        for (name, number) in numbers {
            p.section_f32(name, funds.iter().map(number));
        }
        p.section("P_FUNDS_DUE", funds_due_bits(plan));
        p
    }

    /// The buffer: `header`, then the words padded to whole 16-byte elements (what the
    /// uniform binding's `array<vec4<u32>, PARAM_VEC4S>` covers; the storage binding reads
    /// the same bytes as `array<u32>`).
    pub fn buffer_bytes(&self, header: &Header) -> Vec<u8> {
        let mut bytes = bytemuck::bytes_of(header).to_vec();
        bytes.extend_from_slice(bytemuck::cast_slice(&self.words));
        bytes.resize(size_of::<Header>() + 16 * self.vec4s() as usize, 0);
        bytes
    }

    /// 16-byte elements the words fill (at least one: WGSL has no empty arrays).
    pub fn vec4s(&self) -> u32 {
        u32::try_from(self.words.len().div_ceil(4).max(1)).expect("parameters fit in u32")
    }

    /// How the path shader binds these words on a device whose uniform bindings hold at
    /// most `max_uniform_bytes`.
    pub fn binding(&self, max_uniform_bytes: u64) -> ParamsBinding {
        let bytes = size_of::<Header>() as u64 + 16 * u64::from(self.vec4s());
        if bytes <= max_uniform_bytes {
            ParamsBinding::Uniform
        } else {
            ParamsBinding::Storage
        }
    }
}

/// Bit k set when a flow can reach asset k (`traded_assets`).
fn traded_bits(plan: &Plan) -> Vec<u32> {
    let traded = traded_assets(plan);
    bit_words(plan.assets, |k| traded.contains(&k))
}

/// Bit t set when some fund rebalances after step t (t = 0..=steps), so the shader finds
/// the steps with funds' work with a shift instead of a division per fund.
fn funds_due_bits(plan: &Plan) -> Vec<u32> {
    let schedules: Vec<u32> = plan
        .etfs
        .iter()
        .map(|e| e.every_steps)
        .chain(plan.vol_targets.iter().map(|f| f.every_steps))
        .collect();
    bit_words(plan.steps as usize + 1, |t| {
        t > 0 && schedules.iter().any(|&every| t as u32 % every == 0)
    })
}

/// Bits 0..len, bit i in word i / 32 (`param_bit` in `shaders/params.wgsl`) set where
/// `set(i)`; at least one word.
fn bit_words(len: usize, set: impl Fn(usize) -> bool) -> Vec<u32> {
    let mut words = vec![0u32; len.div_ceil(32).max(1)];
    for i in (0..len).filter(|&i| set(i)) {
        words[i / 32] |= 1 << (i % 32);
    }
    words
}

/// `values` padded with zeros to `len`.
fn padded(values: &[f64], len: usize) -> Vec<f64> {
    let mut out = values.to_vec();
    out.resize(len, 0.0);
    out
}

/// A probability p as (count, all): the number of words w with (w + ½)/2^32 < p (exact in
/// f64, as the CPU engine compares), and 1 when that count is 2^32. Then `u < p` is
/// `all != 0 || w < count` (`word_below` in `shaders/philox.wgsl`), bit-exact with the CPU.
pub fn word_threshold(p: f64) -> [u32; 2] {
    let x = p * 4_294_967_296.0;
    if x.is_nan() || x <= 0.5 {
        return [0, 0];
    }
    let floor = x.floor();
    let count = if floor + 0.5 < x { floor + 1.0 } else { floor };
    if count >= 4_294_967_296.0 {
        [0, 1]
    } else {
        [count as u32, 0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::uniform_from_word;
    use std::mem::offset_of;

    fn below(word: u32, [count, all]: [u32; 2]) -> bool {
        all != 0 || word < count
    }

    #[test]
    fn word_threshold_agrees_with_the_uniform_comparison() {
        let probabilities = [
            0.0,
            1e-12,
            0.002,
            0.02,
            0.1,
            0.5,
            1.0 / 3.0,
            0.999_999_999_9,
            1.0,
        ];
        for p in probabilities {
            let threshold = word_threshold(p);
            let edge = (p * 4_294_967_296.0) as u64;
            for word in edge.saturating_sub(3)..(edge + 3).min(1 << 32) {
                let word = word as u32;
                assert_eq!(
                    below(word, threshold),
                    uniform_from_word(word) < p,
                    "p = {p}, word = {word}"
                );
            }
            for word in [0, 1, u32::MAX / 2, u32::MAX - 1, u32::MAX] {
                assert_eq!(below(word, threshold), uniform_from_word(word) < p);
            }
        }
    }

    /// The Rust header and the WGSL `Header` have the same size and member offsets.
    #[test]
    fn header_layout_matches_the_shader() {
        let source = [
            include_str!("../../../shaders/params.wgsl"),
            include_str!("../../../shaders/params_storage.wgsl"),
        ]
        .concat();
        let module = naga::front::wgsl::parse_str(&source).expect("params.wgsl parses");
        let mut layouter = naga::proc::Layouter::default();
        layouter
            .update(module.to_ctx())
            .expect("params.wgsl lays out");
        let (handle, ty) = module
            .types
            .iter()
            .find(|(_, ty)| ty.name.as_deref() == Some("Header"))
            .expect("params.wgsl declares Header");
        let naga::TypeInner::Struct { members, span } = &ty.inner else {
            panic!("Header is a struct");
        };
        assert_eq!(*span as usize, size_of::<Header>());
        assert_eq!(layouter[handle].size as usize, size_of::<Header>());
        let rust_offsets = [
            ("seed_lo", offset_of!(Header, seed_lo)),
            ("seed_hi", offset_of!(Header, seed_hi)),
            ("path_base_lo", offset_of!(Header, path_base_lo)),
            ("path_base_hi", offset_of!(Header, path_base_hi)),
            ("path_count", offset_of!(Header, path_count)),
            ("paths_per_row", offset_of!(Header, paths_per_row)),
            ("column_base", offset_of!(Header, column_base)),
            ("loop_probe_passes", offset_of!(Header, loop_probe_passes)),
            ("step_first", offset_of!(Header, step_first)),
            ("step_last", offset_of!(Header, step_last)),
            ("state_paths", offset_of!(Header, state_paths)),
            ("padding", offset_of!(Header, padding)),
        ];
        assert_eq!(members.len(), rust_offsets.len());
        for (member, (name, offset)) in members.iter().zip(rust_offsets) {
            assert_eq!(member.name.as_deref(), Some(name));
            assert_eq!(member.offset as usize, offset, "offset of {name}");
        }
    }
}
