//! Small dense linear algebra for correlation matrices: eigenvalues by cyclic Jacobi
//! rotations and the Cholesky factor.

use crate::model::Matrix;

/// Sweeps after which Jacobi stops even if not converged (it converges in far fewer).
const MAX_SWEEPS: usize = 100;

/// The eigenvalues of a symmetric matrix, in no particular order.
pub fn eigenvalues(matrix: &Matrix) -> Vec<f64> {
    let n = matrix.n;
    let mut a = matrix.data.clone();
    let total: f64 = a.iter().map(|x| x * x).sum();
    for _ in 0..MAX_SWEEPS {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j] * a[i * n + j])
            .sum();
        if off <= 1e-30 * total {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                rotate(&mut a, n, p, q);
            }
        }
    }
    (0..n).map(|i| a[i * n + i]).collect()
}

/// One Jacobi rotation A ← JᵀAJ that zeroes a[p][q].
fn rotate(a: &mut [f64], n: usize, p: usize, q: usize) {
    let apq = a[p * n + q];
    if apq == 0.0 {
        return;
    }
    let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
    let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
    let c = 1.0 / (t * t + 1.0).sqrt();
    let s = t * c;
    for k in 0..n {
        let (kp, kq) = (a[k * n + p], a[k * n + q]);
        a[k * n + p] = c * kp - s * kq;
        a[k * n + q] = s * kp + c * kq;
    }
    for k in 0..n {
        let (pk, qk) = (a[p * n + k], a[q * n + k]);
        a[p * n + k] = c * pk - s * qk;
        a[q * n + k] = s * pk + c * qk;
    }
}

/// The lower-triangular L with L·Lᵀ = matrix, or `None` if the matrix is not positive
/// definite.
pub fn cholesky(matrix: &Matrix) -> Option<Matrix> {
    let n = matrix.n;
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let dot: f64 = (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum();
            let rest = matrix.get(i, j) - dot;
            l[i * n + j] = if i == j {
                if rest <= 0.0 {
                    return None;
                }
                rest.sqrt()
            } else {
                rest / l[j * n + j]
            };
        }
    }
    Some(Matrix { n, data: l })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An equicorrelation matrix with ρ has eigenvalues 1 + (n−1)ρ (once) and 1 − ρ.
    #[test]
    fn jacobi_finds_equicorrelation_eigenvalues() {
        let (n, rho) = (4, 0.3);
        let data = (0..n * n)
            .map(|k| if k % (n + 1) == 0 { 1.0 } else { rho })
            .collect();
        let mut eig = eigenvalues(&Matrix { n, data });
        eig.sort_by(f64::total_cmp);
        let expected = [0.7, 0.7, 0.7, 1.9];
        for (got, want) in eig.iter().zip(expected) {
            assert!((got - want).abs() < 1e-12, "{eig:?}");
        }
    }

    /// A matrix with a negative eigenvalue has no Cholesky factor.
    #[test]
    fn cholesky_rejects_indefinite() {
        let data = vec![1.0, 0.9, 0.9, 1.0];
        assert!(cholesky(&Matrix { n: 2, data }).is_some());
        let data = vec![1.0, 1.5, 1.5, 1.0];
        assert!(cholesky(&Matrix { n: 2, data }).is_none());
    }
}
