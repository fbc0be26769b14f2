//! How a number reads in the report: the unit of a table column or a chart axis, and its
//! short text form (`$2.50B`, `12.5%`, `48 h`). CSV files keep the raw numbers instead.

use super::terminal::usd;

/// The unit a number is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// US dollars with a scale suffix: `$2.50B`.
    Usd,
    /// A fraction shown as a percentage: 0.125 → `12.50%`.
    Percent,
    /// Hours: `48 h`.
    Hours,
    /// A plain number with up to four significant digits (thousands grouped).
    Number,
}

impl Format {
    /// The short text form of `value`.
    pub fn show(self, value: f64) -> String {
        if !value.is_finite() {
            return value.to_string();
        }
        match self {
            Format::Usd => usd(value),
            Format::Percent => format!("{}%", significant(100.0 * value)),
            Format::Hours => format!("{} h", significant(value)),
            Format::Number => significant(value),
        }
    }
}

/// A quantile level's JSON key as a percentage: "0.99" → "99%", "0.999" → "99.9%".
pub fn level(key: &str) -> String {
    key.parse::<f64>()
        .map_or_else(|_| key.to_string(), |q| Format::Percent.show(q))
}

/// Up to four significant digits, no trailing zeros, thousands grouped: `1,234,567`,
/// `12.35`, `0.001235`.
fn significant(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 1000.0 {
        return group_thousands(value.round());
    }
    if magnitude == 0.0 {
        return "0".to_string();
    }
    let decimals = (3 - magnitude.log10().floor() as i32).clamp(0, 12) as usize;
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    // A tiny negative (an axis tick at -1e-17) reads as 0, not -0.
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

fn group_thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.abs());
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if value < 0.0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_a_person_writes_them() {
        assert_eq!(Format::Number.show(1234567.4), "1,234,567");
        assert_eq!(Format::Number.show(-1234.0), "-1,234");
        assert_eq!(Format::Number.show(12.3456), "12.35");
        assert_eq!(Format::Number.show(0.00123456), "0.001235");
        assert_eq!(Format::Number.show(2.0), "2");
        assert_eq!(Format::Percent.show(-1e-17), "0%");
        assert_eq!(Format::Percent.show(0.125), "12.5%");
        assert_eq!(Format::Percent.show(-0.0301), "-3.01%");
        assert_eq!(Format::Hours.show(48.0), "48 h");
        assert_eq!(Format::Usd.show(2.5e9), "$2.50B");
        assert_eq!(level("0.999"), "99.9%");
    }
}
