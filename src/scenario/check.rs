//! Field-level checks shared by every section: number ranges, required keys, unique names.
//! Each returns the scenario error for the field path it is given.

use std::collections::HashSet;

use crate::{Error, Result};

/// A finite number.
pub fn finite(value: f64, field: &str) -> Result<f64> {
    require(value, field, value.is_finite(), "a finite number")
}

/// A finite number > 0.
pub fn positive(value: f64, field: &str) -> Result<f64> {
    require(
        value,
        field,
        value.is_finite() && value > 0.0,
        "a finite number > 0",
    )
}

/// A finite number ≥ 0.
pub fn non_negative(value: f64, field: &str) -> Result<f64> {
    require(
        value,
        field,
        value.is_finite() && value >= 0.0,
        "a finite number ≥ 0",
    )
}

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

fn require(value: f64, field: &str, ok: bool, what: &str) -> Result<f64> {
    if ok {
        Ok(value)
    } else {
        Err(Error::scenario(
            field,
            format!("must be {what}, got {value}"),
        ))
    }
}

/// A required key, or an error saying what it is for.
pub fn required<T>(value: Option<T>, field: &str, what: &str) -> Result<T> {
    value.ok_or_else(|| Error::scenario(field, format!("is missing: {what}")))
}

/// A required number > 0.
pub fn required_positive(value: Option<f64>, field: &str, what: &str) -> Result<f64> {
    positive(required(value, field, what)?, field)
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
