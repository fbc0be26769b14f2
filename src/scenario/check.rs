//! Field-level checks shared by every section: number ranges, required keys, unique names.
//! Each returns the scenario error for the field path it is given.
//!
//! Every number of a scenario has a range that a market can have ([`Bounds`], listed in
//! docs/scenario-format.md): beyond it a result could overflow to infinity or print a
//! 300-digit amount, so a value outside is an error naming the field and the range.

use std::collections::HashSet;

use crate::{Error, Result};

/// A probability in [0, 1].
pub fn probability(value: f64, field: &str) -> Result<f64> {
    require(
        value,
        field,
        (0.0..=1.0).contains(&value),
        "a probability in [0, 1]",
    )
}

/// A fraction in [0, 1): a margin ratio or a fee.
pub fn fraction(value: f64, field: &str) -> Result<f64> {
    require(
        value,
        field,
        (0.0..1.0).contains(&value),
        "a fraction in [0, 1)",
    )
}

/// A correlation in [−1, 1].
pub fn correlation(value: f64, field: &str) -> Result<f64> {
    require(
        value,
        field,
        (-1.0..=1.0).contains(&value),
        "a correlation in [-1, 1]",
    )
}

/// The realistic range of a scenario number: `low` (excluded when `low_open`) to `high`,
/// and how the error message writes it.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub low: f64,
    pub low_open: bool,
    pub high: f64,
    /// The range as the error message writes it, e.g. `(0, 1e15] USD`.
    pub text: &'static str,
}

/// An amount in USD (equity, assets, market depth): above 0, at most $1,000 trillion.
pub const USD: Bounds = Bounds::above(0.0, 1e15, "(0, 1e15] USD");
/// A signed amount in USD or a weight (normalised afterwards).
pub const SIGNED_USD: Bounds = Bounds::from(-1e15, 1e15, "[-1e15, 1e15]");
/// A price in USD.
pub const PRICE: Bounds = Bounds::above(0.0, 1e12, "(0, 1e12] USD");
/// An annualised volatility (20 = 2000% a year).
pub const VOL: Bounds = Bounds::from(0.0, 20.0, "[0, 20] (annualised)");
/// A positive annualised volatility.
pub const POSITIVE_VOL: Bounds = Bounds::above(0.0, 20.0, "(0, 20] (annualised)");
/// An annualised log drift (a test may use a steep one over a short horizon; over the whole
/// horizon it is held to [`MAX_DRIFT_LOG`]).
pub const DRIFT: Bounds = Bounds::from(-1e5, 1e5, "[-1e5, 1e5] (annualised)");
/// The most a drift may move a log price over the whole horizon: e^50 is a factor of 5e21.
pub const MAX_DRIFT_LOG: f64 = 50.0;
/// A multiplier of a volatility or a depth.
pub const MULTIPLIER: Bounds = Bounds::above(0.0, 100.0, "(0, 100]");
/// A time step in hours: one second to one year.
pub const STEP_HOURS: Bounds = Bounds::from(1.0 / 3600.0, 8760.0, "[1/3600, 8760] hours");
/// A duration in hours (half-lives, rebalancing): at most 100 years.
pub const HOURS: Bounds = Bounds::above(0.0, 876_000.0, "(0, 876000] hours");
/// A half-life in hours where 0 means "never decays".
pub const HALF_LIFE_HOURS: Bounds = Bounds::from(0.0, 876_000.0, "[0, 876000] hours");
/// Jumps per year.
pub const INTENSITY_PER_YEAR: Bounds = Bounds::from(0.0, 100_000.0, "[0, 100000] per year");
/// A log move (a jump's mean): e^±10 is a factor of 22000.
pub const LOG_MOVE: Bounds = Bounds::from(-10.0, 10.0, "[-10, 10] (log)");
/// A spread of log moves.
pub const LOG_SPREAD: Bounds = Bounds::from(0.0, 10.0, "[0, 10] (log)");
/// The most paths a run may have (`simulation.paths`, `--paths`).
pub const MAX_PATHS: u64 = 1_000_000_000_000;
/// The most steps a run may have.
pub const MAX_STEPS: u64 = 1_000_000;
/// The most cascade rounds a step may have.
pub const MAX_CASCADE_ROUNDS: u64 = 1000;
/// The most leverage buckets of a lognormal spread.
pub const MAX_BUCKETS: u64 = 10_000;
/// A leverage (notional over equity).
pub const LEVERAGE: Bounds = Bounds::above(0.0, 1000.0, "(0, 1000]");
/// A jump loading.
pub const LOADING: Bounds = Bounds::from(-100.0, 100.0, "[-100, 100]");
/// An equity share of a leverage bucket (normalised afterwards).
pub const SHARE: Bounds = Bounds::from(0.0, 1e15, "[0, 1e15]");
/// A number of accounts.
pub const ACCOUNTS: Bounds = Bounds::above(0.0, 1e10, "(0, 1e10]");

impl Bounds {
    const fn above(low: f64, high: f64, text: &'static str) -> Self {
        Bounds {
            low,
            low_open: true,
            high,
            text,
        }
    }

    const fn from(low: f64, high: f64, text: &'static str) -> Self {
        Bounds {
            low,
            low_open: false,
            high,
            text,
        }
    }

    /// True when `value` is in the range (never for NaN).
    pub fn contains(&self, value: f64) -> bool {
        let above_low = if self.low_open {
            value > self.low
        } else {
            value >= self.low
        };
        above_low && value <= self.high
    }
}

/// `value` as a message shows it: in scientific notation when very large or very small, so
/// that 1e308 is not written out in 309 digits.
pub fn shown(value: f64) -> String {
    let magnitude = value.abs();
    if value.is_finite() && (magnitude >= 1e9 || (magnitude > 0.0 && magnitude < 1e-6)) {
        format!("{value:e}")
    } else {
        format!("{value}")
    }
}

/// `value`, if within `bounds`; else the error naming `field` and the range.
pub fn within(value: f64, field: &str, bounds: Bounds) -> Result<f64> {
    if bounds.contains(value) {
        Ok(value)
    } else {
        Err(Error::scenario(
            field,
            format!("must be in {}, got {}", bounds.text, shown(value)),
        ))
    }
}

/// A required number within `bounds`.
pub fn required_within(value: Option<f64>, field: &str, what: &str, bounds: Bounds) -> Result<f64> {
    within(required(value, field, what)?, field, bounds)
}

/// A whole number from 1 to `high`.
pub fn count<T: Into<u64> + Copy>(value: T, field: &str, high: u64) -> Result<T> {
    let n: u64 = value.into();
    if (1..=high).contains(&n) {
        Ok(value)
    } else {
        Err(Error::scenario(
            field,
            format!("must be a whole number from 1 to {high}, got {n}"),
        ))
    }
}

fn require(value: f64, field: &str, ok: bool, what: &str) -> Result<f64> {
    if ok {
        Ok(value)
    } else {
        Err(Error::scenario(
            field,
            format!("must be {what}, got {}", shown(value)),
        ))
    }
}

/// A required key, or an error saying what it is for.
pub fn required<T>(value: Option<T>, field: &str, what: &str) -> Result<T> {
    value.ok_or_else(|| Error::scenario(field, format!("is missing: {what}")))
}

/// Non-empty names, each used once; `names` yields (field path, name) in file order.
pub fn unique_names<'a>(names: impl IntoIterator<Item = (String, &'a str)>) -> Result<()> {
    let mut seen = HashSet::new();
    for (field, name) in names {
        if name.trim().is_empty() {
            return Err(Error::scenario(field, "must not be empty"));
        }
        if !seen.insert(name) {
            return Err(Error::scenario(
                field,
                format!("duplicate name '{name}': names must be unique"),
            ));
        }
    }
    Ok(())
}

/// A name that is not one of the `reserved` words, which mean something else where names
/// are read back (`why` says where).
pub fn not_reserved(name: &str, field: &str, reserved: &[&str], why: &str) -> Result<()> {
    if reserved
        .iter()
        .any(|word| word.eq_ignore_ascii_case(name.trim()))
    {
        return Err(Error::scenario(
            field,
            format!("'{name}' is a reserved name ({why}); choose another name"),
        ));
    }
    Ok(())
}

/// The key path of a table (`cohorts[2]`), from which its fields' paths are built.
pub struct At(String);

impl At {
    pub fn new(table: impl Into<String>) -> Self {
        At(table.into())
    }

    /// The path of `key` in this table: `cohorts[2].leverage`.
    pub fn key(&self, key: &str) -> String {
        format!("{}.{key}", self.0)
    }
}
