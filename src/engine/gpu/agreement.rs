//! How far the GPU engine's per-path numbers are from the CPU engine's, for `firesale bench
//! --check`: the `--dump-paths` rows of the same paths, value by value and column by column,
//! and each column's mean against its Monte Carlo error.
//!
//! A value agrees when it is within [`RELATIVE`] of the larger of the two values, or within
//! [`NEAR_ZERO`] of the column's largest CPU magnitude (values near zero); the GPU agrees
//! when at least [`REQUIRED_SHARE`] of all values do and every column's GPU mean is within
//! [`MEAN_ERRORS`] standard errors of the CPU mean (both engines draw the same random
//! numbers, so any larger gap is an error of the GPU, not sampling).

use serde::Serialize;

/// Relative tolerance of one value.
pub const RELATIVE: f64 = 1e-4;
/// Tolerance near zero, as a share of the column's largest |CPU value|.
pub const NEAR_ZERO: f64 = 1e-6;
/// Share of values that must agree.
pub const REQUIRED_SHARE: f64 = 0.999;
/// Standard errors of the CPU mean a GPU mean may be off.
pub const MEAN_ERRORS: f64 = 3.0;

/// One column's agreement.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnAgreement {
    pub column: String,
    /// Values within tolerance, of `paths`.
    pub agreeing: u64,
    pub paths: u64,
    pub cpu_mean: f64,
    pub gpu_mean: f64,
    /// The CPU mean's standard error.
    pub standard_error: f64,
    pub mean_agrees: bool,
    /// The path whose values differ most (relative to the tolerance), and those values.
    pub worst_path: u64,
    pub worst_cpu: f64,
    pub worst_gpu: f64,
}

impl ColumnAgreement {
    fn share(&self) -> f64 {
        self.agreeing as f64 / self.paths.max(1) as f64
    }
}

/// The agreement of all columns.
#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    pub paths: u64,
    /// Share of all values within tolerance.
    pub share: f64,
    pub passes: bool,
    pub columns: Vec<ColumnAgreement>,
}

impl Agreement {
    /// Compares `gpu` rows with `cpu` rows (the same paths, columns named `names`).
    pub fn new(names: &[String], cpu: &[Vec<f64>], gpu: &[Vec<f64>]) -> Self {
        assert_eq!(cpu.len(), gpu.len(), "the same paths on both engines");
        let paths = cpu.len() as u64;
        let columns: Vec<ColumnAgreement> = names
            .iter()
            .enumerate()
            .map(|(c, name)| column(name, cpu.iter().map(|r| r[c]), gpu.iter().map(|r| r[c])))
            .collect();
        let values = paths * columns.len() as u64;
        let agreeing: u64 = columns.iter().map(|c| c.agreeing).sum();
        let share = if values == 0 {
            1.0
        } else {
            agreeing as f64 / values as f64
        };
        let passes = share >= REQUIRED_SHARE && columns.iter().all(|c| c.mean_agrees);
        Agreement {
            paths,
            share,
            passes,
            columns,
        }
    }

    /// Up to `count` columns that agree least (by share of values, then by mean), worst
    /// first; only columns with some disagreement.
    pub fn worst(&self, count: usize) -> Vec<&ColumnAgreement> {
        let mut columns: Vec<&ColumnAgreement> = self
            .columns
            .iter()
            .filter(|c| c.agreeing < c.paths || !c.mean_agrees)
            .collect();
        columns.sort_by(|a, b| {
            (a.mean_agrees, a.share())
                .partial_cmp(&(b.mean_agrees, b.share()))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        columns.truncate(count);
        columns
    }
}

fn column(
    name: &str,
    cpu: impl Iterator<Item = f64> + Clone,
    gpu: impl Iterator<Item = f64> + Clone,
) -> ColumnAgreement {
    let largest = cpu.clone().fold(0.0f64, |m, v| m.max(v.abs()));
    let mut agreeing = 0;
    let mut worst = (0, 0.0, 0.0, -1.0);
    let (mut paths, mut cpu_sum, mut cpu_squares, mut gpu_sum) = (0u64, 0.0, 0.0, 0.0);
    for (path, (c, g)) in cpu.zip(gpu).enumerate() {
        let tolerance = (RELATIVE * c.abs().max(g.abs())).max(NEAR_ZERO * largest);
        let excess = if tolerance > 0.0 {
            (c - g).abs() / tolerance
        } else if c == g {
            0.0
        } else {
            f64::INFINITY
        };
        if excess <= 1.0 {
            agreeing += 1;
        }
        if excess > worst.3 || excess.is_nan() {
            worst = (path as u64, c, g, excess);
        }
        paths += 1;
        cpu_sum += c;
        cpu_squares += c * c;
        gpu_sum += g;
    }
    let n = paths.max(1) as f64;
    let cpu_mean = cpu_sum / n;
    let gpu_mean = gpu_sum / n;
    let variance = (cpu_squares / n - cpu_mean * cpu_mean).max(0.0);
    let standard_error = (variance / n).sqrt();
    let mean_agrees = (gpu_mean - cpu_mean).abs()
        <= MEAN_ERRORS * standard_error + NEAR_ZERO * largest + RELATIVE * cpu_mean.abs();
    ColumnAgreement {
        column: name.to_string(),
        agreeing,
        paths,
        cpu_mean,
        gpu_mean,
        standard_error,
        mean_agrees,
        worst_path: worst.0,
        worst_cpu: worst.1,
        worst_gpu: worst.2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(count: usize) -> Vec<String> {
        (0..count).map(|c| format!("c{c}")).collect()
    }

    #[test]
    fn values_within_the_relative_or_near_zero_tolerance_agree() {
        let cpu = vec![vec![1000.0, 0.0], vec![1.0, 1e-9], vec![-5.0, 2.0]];
        // 1000 → 1000.09 (9e-5 relative), 1e-9 → 2e-9 (within 1e-6 of 2.0), 2.0 exact.
        let gpu = vec![vec![1000.09, 0.0], vec![1.0, 2e-9], vec![-5.0, 2.0]];
        let agreement = Agreement::new(&names(2), &cpu, &gpu);
        assert_eq!(agreement.share, 1.0);
        assert!(agreement.passes);
        assert!(agreement.worst(3).is_empty());
    }

    #[test]
    fn the_worst_columns_are_named_and_fail_the_check() {
        let cpu: Vec<Vec<f64>> = (0..1000).map(|i| vec![f64::from(i), 1.0]).collect();
        let mut gpu = cpu.clone();
        // Two values of column 1 off by 1e-3 relative: 998/1000 in that column.
        gpu[10][1] = 1.001;
        gpu[20][1] = 0.999;
        let agreement = Agreement::new(&names(2), &cpu, &gpu);
        assert_eq!(agreement.share, 1998.0 / 2000.0);
        assert!(agreement.share >= REQUIRED_SHARE);
        assert!(agreement.passes, "0.1% of values may differ, means agree");
        let worst = agreement.worst(3);
        assert_eq!(worst.len(), 1);
        assert_eq!(worst[0].column, "c1");
        assert_eq!(worst[0].agreeing, 998);
        // 0.999 is 1e-3 off the larger value 1.0, 1.001 a hair less relative to itself.
        assert_eq!(worst[0].worst_path, 20);
        // A third one passes the 0.1%.
        gpu[30][1] = 1.001;
        assert!(!Agreement::new(&names(2), &cpu, &gpu).passes);
    }

    #[test]
    fn a_constant_offset_passes_within_tolerance_and_fails_beyond() {
        // Every value of a constant column 5e-5 high (a standard error of 0): each value
        // and the mean within 1e-4; 2e-4 high, neither.
        let cpu = vec![vec![1.0]; 100];
        let gpu = vec![vec![1.0 + 5e-5]; 100];
        let agreement = Agreement::new(&names(1), &cpu, &gpu);
        assert_eq!(agreement.share, 1.0);
        assert!(
            agreement.columns[0].mean_agrees,
            "within 1e-4 of the mean itself"
        );
        let gpu = vec![vec![1.0 + 2e-4]; 100];
        let agreement = Agreement::new(&names(1), &cpu, &gpu);
        assert!(!agreement.passes);
        assert_eq!(agreement.worst(1)[0].column, "c0");
    }
}
