//! How a number reads, everywhere a person reads one: the terminal, report.html, figure axes
//! and legends, captions and the progress bar. One [`Format`] per kind of quantity (money,
//! signed percentages, probabilities, counts, multiples, hours), three significant figures,
//! and one number of decimals per table column ([`Format::column`]), so that a column lines up
//! and never mixes "5.377%" with "-0.08889%". CSV files keep the raw numbers instead.

/// The kind of quantity a number is, which fixes how it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// US dollars with a scale suffix, three significant figures: `$2.50B`, `-$740M`.
    Usd,
    /// A signed fraction (a return, a drawdown, a margin) as a percentage: 0.125 → `12.5%`.
    Percent,
    /// A probability as a percentage, with enough decimals that neither it nor its
    /// complement rounds away: `4.7%`, `99.97%`, `0.005%`, `0%`.
    Probability,
    /// A count: whole counts grouped (`1,234`); a mean count keeps its fraction (`0.047`).
    Count,
    /// A multiple such as leverage: `12.5×`.
    Multiple,
    /// Hours: `48 h`.
    Hours,
    /// A plain number, three significant figures, thousands grouped.
    Number,
}

/// Significant figures of every shown number.
const FIGURES: i32 = 3;

impl Format {
    /// The short text form of `value`, trailing zeros dropped (`48 h`, `12.5%`).
    pub fn show(self, value: f64) -> String {
        let text = self.with_decimals(value, self.decimals_for(value.abs()));
        match self {
            Format::Usd | Format::Probability | Format::Count => text,
            _ => drop_trailing_zeros(&text),
        }
    }

    /// An axis tick: [`Format::show`] without trailing zeros (`$5M`, `0.001%`).
    pub fn tick(self, value: f64) -> String {
        drop_trailing_zeros(&self.show(value))
    }

    /// The text forms of a table column: one number of decimals for all of its values (the
    /// one that gives its largest value three significant figures), where the format has a
    /// fixed unit; money, probabilities and counts are shown value by value.
    pub fn column(self, values: &[f64]) -> Vec<String> {
        let largest = values
            .iter()
            .filter(|v| v.is_finite())
            .fold(0.0f64, |m, v| m.max(v.abs()));
        match self {
            Format::Percent | Format::Multiple | Format::Hours | Format::Number => {
                let whole = values.iter().all(|v| v.fract() == 0.0) && self != Format::Percent;
                let decimals = if whole { 0 } else { self.decimals_for(largest) };
                values
                    .iter()
                    .map(|&v| self.with_decimals(v, decimals))
                    .collect()
            }
            Format::Usd | Format::Probability | Format::Count => {
                values.iter().map(|&v| self.show(v)).collect()
            }
        }
    }

    /// Decimals that show `magnitude` (≥ 0) with three significant figures in this format.
    fn decimals_for(self, magnitude: f64) -> usize {
        let shown = if self == Format::Percent {
            100.0 * magnitude
        } else {
            magnitude
        };
        decimals(shown, FIGURES)
    }

    fn with_decimals(self, value: f64, decimals: usize) -> String {
        if !value.is_finite() {
            return value.to_string();
        }
        match self {
            Format::Usd => usd(value),
            Format::Percent => format!("{}%", fixed(100.0 * value, decimals)),
            Format::Probability => probability(value),
            Format::Count => count(value),
            Format::Multiple => format!("{}×", fixed(value, decimals)),
            Format::Hours => format!("{} h", fixed(value, decimals)),
            Format::Number => fixed(value, decimals),
        }
    }
}

/// Decimals that give `magnitude` `figures` significant figures (none at or above
/// 10^figures, at most 8).
fn decimals(magnitude: f64, figures: i32) -> usize {
    if magnitude == 0.0 || !magnitude.is_finite() {
        return 0;
    }
    // Round first, so that 9.996 counts as 10.0 (two decimals, not three).
    let exponent = magnitude.log10().floor() as i32;
    let rounded_up = {
        let d = (figures - 1 - exponent).max(0);
        let scale = 10f64.powi(d);
        (magnitude * scale).round() / scale >= 10f64.powi(exponent + 1)
    };
    let exponent = exponent + i32::from(rounded_up);
    (figures - 1 - exponent).clamp(0, 8) as usize
}

/// `value` with `decimals` decimals, thousands grouped, and no minus sign on a value that
/// rounds to zero.
fn fixed(value: f64, decimals: usize) -> String {
    let text = format!("{:.decimals$}", value.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::with_capacity(text.len() + whole.len() / 3 + 1);
    let zero = text.chars().all(|c| c == '0' || c == '.');
    if value < 0.0 && !zero {
        grouped.push('-');
    }
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if !fraction.is_empty() {
        grouped.push('.');
        grouped.push_str(fraction);
    }
    grouped
}

/// Three significant figures with trailing zeros dropped: `12.3`, `0.047`, `1,235`.
fn trimmed(value: f64) -> String {
    drop_trailing_zeros(&fixed(value, decimals(value.abs(), FIGURES)))
}

/// `12.50%` → `12.5%`, `48.0 h` → `48 h`: the zeros ending the decimals of the number in
/// `text`, and a bare decimal point, removed.
fn drop_trailing_zeros(text: &str) -> String {
    let Some(point) = text.find('.') else {
        return text.to_string();
    };
    let end = text[point..]
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or(text.len(), |i| point + i);
    let number = text[..end].trim_end_matches('0').trim_end_matches('.');
    format!("{number}{}", &text[end..])
}

/// USD with a scale suffix and three significant figures: `$2.50B`, `-$740M`, `$0`.
pub fn usd(value: f64) -> String {
    let (scaled, suffix) = scaled(value.abs());
    // No fractions of a cent.
    let places = decimals(scaled, FIGURES).min(if suffix.is_empty() { 2 } else { 8 });
    let text = fixed(scaled, places);
    if text.chars().all(|c| c == '0' || c == '.') {
        return "$0".to_string();
    }
    let sign = if value < 0.0 { "-" } else { "" };
    format!("{sign}${text}{suffix}")
}

/// A magnitude and its scale suffix: 2.5e9 → (2.5, "B"); one that rounds up to the next
/// scale (999,960 → $1.00M) takes that scale.
fn scaled(magnitude: f64) -> (f64, &'static str) {
    const SCALES: [(f64, &str); 5] = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"), (1.0, "")];
    let rounded = |m: f64| {
        let d = decimals(m, FIGURES) as i32;
        let scale = 10f64.powi(d);
        (m * scale).round() / scale
    };
    for (i, &(scale, suffix)) in SCALES.iter().enumerate() {
        let value = magnitude / scale;
        if rounded(value) >= 1.0 || i == SCALES.len() - 1 {
            return if rounded(value) >= 1000.0 && i > 0 {
                (magnitude / SCALES[i - 1].0, SCALES[i - 1].1)
            } else {
                (value, suffix)
            };
        }
    }
    (magnitude, "")
}

/// A count with a scale suffix and three significant figures, for rates: `21.2K`, `950`.
pub fn compact(value: f64) -> String {
    let (scaled, suffix) = scaled(value.abs());
    let sign = if value < 0.0 { "-" } else { "" };
    format!("{sign}{}{suffix}", trimmed(scaled))
}

fn probability(p: f64) -> String {
    if p <= 0.0 {
        return "0%".to_string();
    }
    if p >= 1.0 {
        return "100%".to_string();
    }
    // Two significant figures of the smaller of p and 1 − p, at least one decimal.
    let tail = 100.0 * p.min(1.0 - p);
    let decimals = decimals(tail, 2).max(1);
    format!("{:.decimals$}%", 100.0 * p)
}

fn count(value: f64) -> String {
    if value.fract() == 0.0 || value.abs() >= 100.0 {
        fixed(value.round(), 0)
    } else {
        trimmed(value)
    }
}

/// `n` and a noun, singular or plural: `1 account`, `2,041 accounts`.
pub fn counted(n: f64, noun: &str) -> String {
    let s = if n == 1.0 { "" } else { "s" };
    format!("{} {noun}{s}", count(n))
}

/// A duration for people: `13 s`, `2 min 05 s`, `1 h 03 min`.
pub fn duration(seconds: f64) -> String {
    let whole = seconds.max(0.0).round() as u64;
    match whole {
        0..60 => format!("{whole} s"),
        60..3600 => format!("{} min {:02} s", whole / 60, whole % 60),
        _ => format!("{} h {:02} min", whole / 3600, (whole % 3600) / 60),
    }
}

/// A byte count in binary units: `128 MiB`, `2 GiB`, `1.5 KiB`.
pub fn bytes(count: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = count as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{} {}", trimmed(value), units[unit])
}

/// A quantile level's JSON key as a percentage: "0.99" → "99%", "0.999" → "99.9%".
pub fn level(key: &str) -> String {
    key.parse::<f64>()
        .map_or_else(|_| key.to_string(), |q| format!("{}%", trimmed(100.0 * q)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_has_three_significant_figures_and_a_scale() {
        assert_eq!(usd(2.5e9), "$2.50B");
        assert_eq!(usd(-7.4e8), "-$740M");
        assert_eq!(usd(14.3e9), "$14.3B");
        assert_eq!(usd(3_880.0), "$3.88K");
        assert_eq!(usd(999_960.0), "$1.00M");
        assert_eq!(usd(12.0), "$12.0");
        assert_eq!(usd(0.0), "$0");
        assert_eq!(usd(-0.0001), "$0");
        assert_eq!(Format::Usd.show(1.2e13), "$12.0T");
    }

    #[test]
    fn percentages_never_read_minus_zero() {
        assert_eq!(Format::Percent.show(-1e-17), "0%");
        assert_eq!(Format::Percent.show(-0.0004), "-0.04%");
        assert_eq!(Format::Percent.show(0.125), "12.5%");
        assert_eq!(Format::Percent.show(-0.0301), "-3.01%");
        assert_eq!(Format::Percent.show(-0.2439), "-24.4%");
        assert_eq!(Format::Percent.show(0.9996), "100%");
        assert_eq!(Format::Percent.column(&[-0.0001, 0.2]), ["0.0%", "20.0%"]);
    }

    #[test]
    fn a_column_has_one_number_of_decimals() {
        assert_eq!(
            Format::Percent.column(&[-0.00602, -0.0008889, 0.05377]),
            ["-0.60%", "-0.09%", "5.38%"]
        );
        assert_eq!(
            Format::Multiple.column(&[53.255023795947224, 2.0]),
            ["53.3×", "2.0×"]
        );
        assert_eq!(Format::Hours.column(&[1.0, 168.0]), ["1 h", "168 h"]);
        assert_eq!(Format::Hours.column(&[0.5, 2.0]), ["0.50 h", "2.00 h"]);
        assert_eq!(
            Format::Number.column(&[1.0, 24.0]),
            ["1", "24"],
            "whole numbers"
        );
        assert_eq!(
            Format::Usd.column(&[1.0e8, 1.43e10]),
            ["$100M", "$14.3B"],
            "money keeps its own scale per value"
        );
    }

    #[test]
    fn probabilities_keep_their_distance_from_zero_and_one() {
        assert_eq!(Format::Probability.show(0.0), "0%");
        assert_eq!(Format::Probability.show(1.0), "100%");
        assert_eq!(Format::Probability.show(0.047), "4.7%");
        assert_eq!(Format::Probability.show(0.9997), "99.970%");
        assert_eq!(Format::Probability.show(0.00005), "0.0050%");
        assert_eq!(Format::Probability.show(0.789), "78.9%");
        assert_eq!(Format::Probability.show(0.0296), "3.0%");
        assert_eq!(Format::Probability.show(0.5), "50.0%");
        assert_eq!(Format::Probability.tick(0.00001), "0.001%");
        assert_eq!(Format::Usd.tick(5e6), "$5M");
    }

    #[test]
    fn counts_group_thousands_and_keep_small_means() {
        assert_eq!(Format::Count.show(164_226.0), "164,226");
        assert_eq!(Format::Count.show(2041.4), "2,041");
        assert_eq!(Format::Count.show(0.047), "0.047");
        assert_eq!(Format::Count.show(3.0), "3");
        assert_eq!(counted(1.0, "account"), "1 account");
        assert_eq!(counted(2041.0, "account"), "2,041 accounts");
        assert_eq!(counted(0.0, "path"), "0 paths");
    }

    #[test]
    fn plain_numbers_rates_durations_and_sizes() {
        assert_eq!(Format::Number.show(1_234_567.4), "1,234,567");
        assert_eq!(Format::Number.show(12.3456), "12.3");
        assert_eq!(Format::Number.show(0.00123456), "0.00123");
        assert_eq!(Format::Number.show(-0.0), "0");
        assert_eq!(Format::Hours.show(48.0), "48 h");
        assert_eq!(Format::Multiple.show(2.0), "2×");
        assert_eq!(compact(21_222.479), "21.2K");
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(1_000_000.0), "1M");
        assert_eq!(duration(13.2), "13 s");
        assert_eq!(duration(125.0), "2 min 05 s");
        assert_eq!(duration(3_780.0), "1 h 03 min");
        assert_eq!(bytes(128 << 20), "128 MiB");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(level("0.999"), "99.9%");
        assert_eq!(level("0.99"), "99%");
    }
}
