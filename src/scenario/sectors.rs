//! The sector-block form of a correlation (MODEL.md §7.7): `within` a sector, `between`
//! two sectors, else `default`; an asset without a sector is a sector of its own.

use std::collections::BTreeSet;

use super::check::{At, correlation};
use super::schema::CorrelationSpec;
use crate::model::{Asset, Matrix};
use crate::{Error, Result};

/// Builds the K×K matrix, checking that every named sector exists and every entry is a
/// correlation.
pub fn block_matrix(spec: &CorrelationSpec, at: &At, assets: &[Asset]) -> Result<Matrix> {
    let sectors: BTreeSet<&str> = assets.iter().filter_map(|a| a.sector.as_deref()).collect();
    let default = correlation(spec.default.unwrap_or(0.0), &at.key("default"))?;
    for (sector, &value) in &spec.within {
        let field = format!("{}.{sector}", at.key("within"));
        known(&sectors, sector, &field)?;
        correlation(value, &field)?;
    }
    let pairs = between(spec, at, &sectors)?;
    let n = assets.len();
    let pair_value = |i: usize, j: usize| match (&assets[i].sector, &assets[j].sector) {
        (Some(a), Some(b)) if a == b => spec.within.get(a).copied(),
        (Some(a), Some(b)) => find_pair(&pairs, a, b).map(|p| pairs[p].2),
        _ => None,
    };
    let data = (0..n * n)
        .map(|k| {
            let (i, j) = (k / n, k % n);
            if i == j {
                1.0
            } else {
                pair_value(i, j).unwrap_or(default)
            }
        })
        .collect();
    Ok(Matrix { n, data })
}

/// The `between` triples, each a pair of two different known sectors listed once.
fn between<'a>(
    spec: &'a CorrelationSpec,
    at: &At,
    sectors: &BTreeSet<&str>,
) -> Result<Vec<(&'a str, &'a str, f64)>> {
    let mut pairs: Vec<(&str, &str, f64)> = Vec::new();
    for (i, pair) in spec.between.iter().enumerate() {
        let field = format!("{}[{i}]", at.key("between"));
        let (a, b) = (pair.0.as_str(), pair.1.as_str());
        known(sectors, a, &field)?;
        known(sectors, b, &field)?;
        if a == b {
            return Err(Error::scenario(
                field,
                format!("pairs sector '{a}' with itself: use `within = {{ {a} = … }}`"),
            ));
        }
        if let Some(j) = find_pair(&pairs, a, b) {
            return Err(Error::scenario(
                field,
                format!("the pair ('{a}', '{b}') is already listed at between[{j}]: keep one"),
            ));
        }
        pairs.push((a, b, correlation(pair.2, &field)?));
    }
    Ok(pairs)
}

/// The index of the pair {a, b}, in either order.
fn find_pair(pairs: &[(&str, &str, f64)], a: &str, b: &str) -> Option<usize> {
    pairs
        .iter()
        .position(|&(x, y, _)| (x == a && y == b) || (x == b && y == a))
}

fn known(sectors: &BTreeSet<&str>, sector: &str, field: &str) -> Result<()> {
    if sectors.contains(sector) {
        return Ok(());
    }
    let list: Vec<&str> = sectors.iter().copied().collect();
    Err(Error::scenario(
        field,
        format!(
            "unknown sector '{sector}' (sectors: {}); give the assets a `sector` to name it",
            if list.is_empty() {
                "none".to_owned()
            } else {
                list.join(", ")
            }
        ),
    ))
}
