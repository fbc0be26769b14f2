//! `[correlation]` → one [`Correlation`] per regime: the matrix (explicit or from sector
//! blocks), checked to be a valid positive-definite correlation matrix, with its Cholesky
//! factor and extreme eigenvalues.

use super::check::{At, correlation};
use super::linalg::{cholesky, eigenvalues};
use super::schema::{CorrelationSpec, Correlations};
use super::sectors::block_matrix;
use crate::model::{Asset, Correlation, Matrix};
use crate::{Error, Result};

/// Smallest eigenvalue accepted: below it the matrix is (numerically) not positive definite.
const MIN_EIGENVALUE: f64 = 1e-10;

/// [calm, stress]: no `[correlation]` → identity; no `[correlation.stress]` → the calm one.
pub fn compile(spec: Option<&Correlations>, assets: &[Asset]) -> Result<[Correlation; 2]> {
    let calm = regime(
        spec.and_then(|c| c.calm.as_ref()),
        "correlation.calm",
        assets,
    )?;
    let stress = match spec.and_then(|c| c.stress.as_ref()) {
        Some(stress) => regime(Some(stress), "correlation.stress", assets)?,
        None => calm.clone(),
    };
    Ok([calm, stress])
}

fn regime(spec: Option<&CorrelationSpec>, field: &str, assets: &[Asset]) -> Result<Correlation> {
    let matrix = match spec {
        None => Matrix::identity(assets.len()),
        Some(spec) => match &spec.matrix {
            Some(rows) => explicit(spec, rows, &At::new(field), assets.len())?,
            None => block_matrix(spec, &At::new(field), assets)?,
        },
    };
    factor(matrix, field)
}

/// An explicit `matrix`: K×K in asset order, symmetric, unit diagonal, entries in [−1, 1].
fn explicit(spec: &CorrelationSpec, rows: &[Vec<f64>], at: &At, k: usize) -> Result<Matrix> {
    let field = at.key("matrix");
    if spec.default.is_some() || !spec.within.is_empty() || !spec.between.is_empty() {
        return Err(Error::scenario(
            field,
            "give either `matrix` or sector blocks (`default`, `within`, `between`), not both",
        ));
    }
    if rows.len() != k {
        return Err(Error::scenario(
            field,
            format!(
                "has {} rows, expected {k} (one per asset, in asset order)",
                rows.len()
            ),
        ));
    }
    if let Some((i, row)) = rows.iter().enumerate().find(|(_, row)| row.len() != k) {
        return Err(Error::scenario(
            format!("{field}[{i}]"),
            format!("has {} entries, expected {k} (one per asset)", row.len()),
        ));
    }
    for (i, row) in rows.iter().enumerate() {
        for (j, &value) in row.iter().enumerate() {
            let at = format!("{field}[{i}][{j}]");
            correlation(value, &at)?;
            if i == j && value != 1.0 {
                return Err(Error::scenario(
                    at,
                    format!("is {value}: the diagonal must be 1"),
                ));
            }
            if value != rows[j][i] {
                return Err(Error::scenario(
                    at,
                    format!(
                        "is {value} but [{j}][{i}] is {}: the matrix must be symmetric",
                        rows[j][i]
                    ),
                ));
            }
        }
    }
    Ok(Matrix {
        n: k,
        data: rows.concat(),
    })
}

/// Checks positive definiteness and attaches the Cholesky factor and eigenvalue range.
fn factor(matrix: Matrix, field: &str) -> Result<Correlation> {
    let eigenvalues = eigenvalues(&matrix);
    let min_eigenvalue = eigenvalues.iter().copied().fold(f64::INFINITY, f64::min);
    let max_eigenvalue = eigenvalues
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let cholesky = if min_eigenvalue > MIN_EIGENVALUE {
        cholesky(&matrix)
    } else {
        None
    };
    let Some(cholesky) = cholesky else {
        return Err(Error::scenario(
            field,
            format!(
                "is not positive definite: its smallest eigenvalue is {} \
                 (it must be > 0); lower the largest correlations or make them consistent \
                 with each other, and use at most 0.99 for near-perfect correlation",
                significant(min_eigenvalue)
            ),
        ));
    };
    Ok(Correlation {
        matrix,
        cholesky,
        min_eigenvalue,
        max_eigenvalue,
    })
}

/// `x` rounded to 6 significant digits, for messages.
fn significant(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(5 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}
