//! What the questions' flags name: cohorts and assets by name, a choice among a flag's values
//! (`--param`, `--regime`; an unknown name is a usage error that lists the valid ones), the
//! regime of replayed steps, and amounts such as `2.5e9`, `$2.5B` or `300M`.

use clap::ValueEnum;
use serde::Serialize;

use crate::model::Model;
use crate::{Error, Result};

/// The regime of a step the questions set rather than draw: `--regime` of `reverse`, the
/// `regime` column of a replay's shocks file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Regime {
    Calm,
    /// Every depth thinned by the scenario's `stress_depth_multiplier`.
    Stress,
}

impl Regime {
    /// Parses `--regime`; an unknown name lists the valid ones.
    pub fn parse(text: &str) -> Result<Regime> {
        choice("--regime", "regime", text)
    }

    pub fn is_stress(self) -> bool {
        self == Regime::Stress
    }
}

/// The name of `value` as the command line spells it.
pub fn name<T: ValueEnum>(value: &T) -> String {
    value
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_string())
}

/// The names of all values of `T`, as the command line spells them.
pub fn names<T: ValueEnum>() -> Vec<String> {
    T::value_variants().iter().map(name).collect()
}

/// The value of `T` named `text`; an unknown name is a usage error of `flag` listing the
/// valid ones (`what`s).
pub fn choice<T: ValueEnum>(flag: &str, what: &str, text: &str) -> Result<T> {
    T::from_str(text, false).map_err(|_| {
        let names = names::<T>();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        unknown(flag, what, text, &names)
    })
}

/// The index of cohort `name`; an unknown name is a usage error of `flag` listing the cohorts.
pub fn cohort_index(model: &Model, name: &str, flag: &str) -> Result<usize> {
    model
        .cohorts
        .iter()
        .position(|cohort| cohort.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = model.cohorts.iter().map(|c| c.name.as_str()).collect();
            unknown(flag, "cohort", name, &names)
        })
}

/// The index of asset `name`; an unknown name is a usage error of `flag` listing the assets.
pub fn asset_index(model: &Model, name: &str, flag: &str) -> Result<usize> {
    model
        .assets
        .iter()
        .position(|asset| asset.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = model.assets.iter().map(|a| a.name.as_str()).collect();
            unknown(flag, "asset", name, &names)
        })
}

/// A usage error of `flag`: `name` is not one of `valid` (`what`s).
pub fn unknown(flag: &str, what: &str, name: &str, valid: &[&str]) -> Error {
    Error::Usage(format!(
        "{flag}: unknown {what} '{name}'; valid: {}",
        valid.join(", ")
    ))
}

/// A finite number, optionally with a leading `$` and a scale suffix `K`, `M`, `B` or `T`
/// (either case): `2.5e9`, `$2.5B`, `300m`, `-1k`. `None` when it is not one.
pub fn parse_amount(text: &str) -> Option<f64> {
    let text = text.trim();
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let text = text.strip_prefix('$').unwrap_or(text);
    let (number, scale) = match text.char_indices().last()? {
        (at, 'k' | 'K') => (&text[..at], 1e3),
        (at, 'm' | 'M') => (&text[..at], 1e6),
        (at, 'b' | 'B') => (&text[..at], 1e9),
        (at, 't' | 'T') => (&text[..at], 1e12),
        _ => (text, 1.0),
    };
    if number.starts_with(['-', '+']) {
        return None;
    }
    let value = number.parse::<f64>().ok()? * scale;
    let value = if negative { -value } else { value };
    value.is_finite().then_some(value)
}

#[cfg(test)]
mod tests {
    use super::parse_amount;

    #[test]
    fn amounts_take_a_dollar_sign_and_a_scale() {
        assert_eq!(parse_amount("2.5e9"), Some(2.5e9));
        assert_eq!(parse_amount("$2.5B"), Some(2.5e9));
        assert_eq!(parse_amount(" 300m "), Some(3e8));
        assert_eq!(parse_amount("-1k"), Some(-1e3));
        assert_eq!(parse_amount("-$4T"), Some(-4e12));
        assert_eq!(parse_amount("0.01"), Some(0.01));
        for bad in [
            "", "B", "$", "abc", "1e999", "NaN", "inf", "--1", "1.5X", "$-3",
        ] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
    }
}
