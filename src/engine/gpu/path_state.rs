//! The path state that outlives one dispatch: a run's steps go in slices (a dispatch
//! advances its paths by a slice of steps, `shaders/path.wgsl`), so what a path carries from
//! step to step is saved to a storage buffer at the end of a slice and loaded at the start of
//! the next. This module lists those private variables (`shaders/state.wgsl`, and
//! `shaders/record.wgsl` when recording) and generates the WGSL that saves and loads them,
//! word `w` of chunk path `p` at `w · state_paths + p` (neighbouring paths read neighbouring
//! words). Scratch variables a step fills before it reads them (`normals`, `new_end`) are
//! not carried.

use std::fmt::Write;

/// How a variable's words are stored (all as u32 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    F32,
    U32,
    Bool,
}

/// One carried private variable: its name, element kind, and length (a generated constant
/// for arrays, `None` for a scalar).
struct Carried(&'static str, Kind, Option<&'static str>);

/// What `shaders/state.wgsl` carries, in storage order.
const STATE: [Carried; 23] = [
    Carried("stress", Kind::Bool, None),
    Carried("exogenous_log", Kind::F32, Some("ASSETS_LEN")),
    Carried("exogenous_log_error", Kind::F32, Some("ASSETS_LEN")),
    Carried("impact_log", Kind::F32, Some("ASSETS_LEN")),
    Carried("price", Kind::F32, Some("ASSETS_LEN")),
    Carried("price_change", Kind::F32, Some("ASSETS_LEN")),
    Carried("running_max", Kind::F32, Some("ASSETS_LEN")),
    Carried("max_drawdown", Kind::F32, Some("ASSETS_LEN")),
    Carried("flow_usd", Kind::F32, Some("ASSETS_LEN")),
    Carried("margin_liquidated", Kind::U32, Some("MARGIN_LEN")),
    Carried("margin_kept_usd", Kind::F32, Some("MARGIN_LEN")),
    Carried(
        "margin_liquidated_notional_usd",
        Kind::F32,
        Some("MARGIN_LEN"),
    ),
    Carried("margin_accounts_liquidated", Kind::F32, Some("MARGIN_LEN")),
    Carried("margin_bad_debt_usd", Kind::F32, Some("MARGIN_LEN")),
    Carried("fund_reference", Kind::F32, Some("FUND_REFERENCE_LEN")),
    Carried("etf_aum_usd", Kind::F32, Some("ETF_LEN")),
    Carried("vol_target_pnl_usd", Kind::F32, Some("VOL_TARGET_LEN")),
    Carried(
        "vol_target_pnl_error_usd",
        Kind::F32,
        Some("VOL_TARGET_LEN"),
    ),
    Carried("vol_target_exposure_usd", Kind::F32, Some("VOL_TARGET_LEN")),
    Carried("vol_target_variance", Kind::F32, Some("VOL_TARGET_LEN")),
    Carried("liquidated_notional_usd", Kind::F32, None),
    Carried("forced_selling_usd", Kind::F32, None),
    Carried("rounds_exhausted", Kind::Bool, None),
];

/// What `shaders/record.wgsl` carries besides, when the run records steps.
const RECORD: [Carried; 3] = [
    Carried("liquidated_before_usd", Kind::F32, None),
    Carried("book_first_step", Kind::U32, Some("MARGIN_LEN")),
    Carried("any_first_step", Kind::U32, None),
];

/// The carried variables of a shader that records steps when `recording`.
fn carried(recording: bool) -> impl Iterator<Item = &'static Carried> {
    STATE.iter().chain(RECORD.iter().filter(move |_| recording))
}

/// The generated save and load of the path state: `state_load(local)` and
/// `state_save(local)` over the bindings `state_in` (2) and `state_out` (3), and the words
/// one path takes (`STATE_WORDS`). `bound` gives the value of a generated constant.
pub struct StateCode {
    pub wgsl: String,
    pub words: u32,
}

impl StateCode {
    pub fn new(recording: bool, bound: &dyn Fn(&str) -> Option<u32>) -> Self {
        let mut load = String::new();
        let mut save = String::new();
        let mut word = 0u32;
        for Carried(name, kind, len) in carried(recording) {
            let (to_word, from_word) = match kind {
                Kind::F32 => ("bitcast<u32>(V)", "bitcast<f32>(W)"),
                Kind::U32 => ("V", "W"),
                Kind::Bool => ("select(0u, 1u, V)", "W != 0u"),
            };
            let (target, index, count) = match len {
                Some(len) => {
                    let count = bound(len)
                        .unwrap_or_else(|| panic!("path state: `{len}` is no generated constant"));
                    (format!("{name}[i]"), format!("{word}u + i"), count)
                }
                None => (name.to_string(), format!("{word}u"), 1),
            };
            let slot = format!("state_word(local, {index})");
            let load_line = format!(
                "{target} = {};",
                from_word.replace('W', &format!("state_in[{slot}]"))
            );
            let save_line = format!("state_out[{slot}] = {};", to_word.replace('V', &target));
            for (out, line) in [(&mut load, load_line), (&mut save, save_line)] {
                match len {
                    Some(len) => writeln!(
                        out,
                        "    // @unroll\n    for (var i = 0u; i < {len}; i++) {{\n        {line}\n    }}"
                    ),
                    None => writeln!(out, "    {line}"),
                }
                .expect("writing to a String");
            }
            word += count;
        }
        let wgsl = format!(
            "// Generated by firesale: the path state carried between slices \
             (src/engine/gpu/path_state.rs).\n\
             @group(0) @binding(2) var<storage, read> state_in: array<u32>;\n\
             @group(0) @binding(3) var<storage, read_write> state_out: array<u32>;\n\
             fn state_word(local: u32, word: u32) -> u32 {{\n    \
             return word * params.header.state_paths + local;\n}}\n\
             fn state_load(local: u32) {{\n{load}}}\n\
             fn state_save(local: u32) {{\n{save}}}\n"
        );
        StateCode { wgsl, words: word }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bound(name: &str) -> Option<u32> {
        match name {
            "ASSETS_LEN" => Some(3),
            "MARGIN_LEN" => Some(2),
            "FUND_REFERENCE_LEN" | "ETF_LEN" | "VOL_TARGET_LEN" => Some(1),
            _ => None,
        }
    }

    /// Every carried variable is loaded and saved once, word after word.
    #[test]
    fn words_are_counted_and_every_variable_saved_and_loaded() {
        let plain = StateCode::new(false, &bound);
        // 4 scalars, 8 asset arrays (the exogenous log return with its compensation), 5 margin arrays, 6 one-word fund arrays (the fund
        // reference, the ETF's AUM, the vol-target's P&L and its compensation, exposure and
        // variance).
        assert_eq!(plain.words, 4 + 8 * 3 + 5 * 2 + 6);
        let recording = StateCode::new(true, &bound);
        assert_eq!(recording.words, plain.words + 2 + 2);
        for Carried(name, _, len) in carried(true) {
            let target = if len.is_some() {
                format!("{name}[i]")
            } else {
                name.to_string()
            };
            let loads = format!(" {target} = ");
            assert_eq!(recording.wgsl.matches(&loads).count(), 1, "{name} loaded");
            let saves = recording
                .wgsl
                .lines()
                .filter(|line| {
                    line.contains("state_out[")
                        && line.split(" = ").nth(1).is_some_and(|value| {
                            value.contains(&format!("{target})"))
                                || value.trim_end_matches(';') == target
                        })
                })
                .count();
            assert_eq!(saves, 1, "{name} saved");
        }
        assert!(
            recording
                .wgsl
                .contains("state_out[state_word(local, 0u)] = select(0u, 1u, stress);")
        );
        assert!(
            recording
                .wgsl
                .contains("impact_log[i] = bitcast<f32>(state_in[state_word(local, 7u + i)]);")
        );
    }
}
