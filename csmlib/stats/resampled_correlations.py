"""Correlation matrices of bootstrap resamples, for the importance intervals of :mod:`csmlib.stats.importance_table`.

A case resample b is a vector of counts c_b (how often each of the n rows is drawn; times the
case weights when there are any). Its correlation matrix follows from the weighted moments

    S0_b = Σ_i c_bi,   S1_b = Σ_i c_bi z_i,   S2_b = Σ_i c_bi z_i z_iᵀ,

and, for the significance test of relative weights (Tonidandel & LeBreton 2015), from the moments
of one extra variable of independent standard-normal noise e_b per resample:
Σ c_bi e_bi, Σ c_bi e_bi², Σ c_bi e_bi z_i. S2 is a matrix product of the counts with the
pairwise products of each row's columns (k(k+1)/2 of them), the cost of the bootstrap:
B · n · k(k+1)/2 multiply-adds.

Two ways to the same moments, chosen by :func:`importance_table.importance` by size:

- :func:`bootstrap_corr` takes a batch of count rows (B × n) and the batch's noise (B × n) and
  forms the products a slice of rows at a time (at most :data:`CORR_CHUNK_CELLS`). With the
  products of all rows in one slice (a survey of up to some ten thousand respondents) it is one
  matrix product per batch, the fastest there is.
- :func:`streamed_bootstrap_corr`, for larger n: forming the n × k(k+1)/2 products again for
  every batch of resamples (a batch of counts and noise is B × n numbers, so a million rows
  allow 40 resamples a batch) is most of the cost — 7 GB of products for a million rows and 41
  variables, 13 times for 500 resamples. Here the counts of all resamples are drawn first and
  kept as small integers (2 bytes a cell), and the rows are visited once, a slice at a time:
  each slice's products are formed once and multiplied with the slice's counts of every
  resample. The resampling is the same (n draws with replacement per resample, in the same
  order); the noise is drawn slice by slice instead of resample by resample — other random
  numbers from the same distribution.

Reference: Efron & Tibshirani (1993), *An Introduction to the Bootstrap*, ch. 6 (case
resampling). The moments are checked against ``np.corrcoef`` of explicitly repeated rows
(tests/test_drivers.py) and the two ways against each other (tests/test_big_inputs.py).
"""

from __future__ import annotations

import numpy as np

__all__ = ["bootstrap_counts", "bootstrap_corr", "streamed_bootstrap_corr", "CORR_CHUNK_CELLS", "COUNT_CELLS"]

#: Rows whose pairwise products are held at once (about 128 MB of float64): the products of every
#: row are k(k+1)/2 columns, 7 GB for a million rows and 41 variables.
CORR_CHUNK_CELLS = 1 << 24
#: Count cells :func:`streamed_bootstrap_corr` holds at once (2 bytes each: 1 GB); more resamples
#: than fit are streamed in groups.
COUNT_CELLS = 1 << 29
# count cells of one slice of rows converted to float64 at once (64 MB)
_SLICE_CELLS = 1 << 23


def bootstrap_counts(rng: np.random.Generator, n: int, B: int) -> np.ndarray:
    """(B, n) case-resampling counts: row b says how often each of the n rows is drawn in
    bootstrap resample b (n draws with replacement); multiply by case weights to carry them along.

    >>> bootstrap_counts(np.random.default_rng(1), 4, 2).sum(axis=1)
    array([4., 4.])
    """
    idx = rng.integers(0, n, size=(B, n))
    counts = np.empty((B, n))
    for b in range(B):  # one resample at a time: no (B·n) temporaries beside the draws
        counts[b] = np.bincount(idx[b], minlength=n)
    return counts


def products_fit_at_once(n: int, k: int) -> bool:
    """Do the pairwise products of n rows of k variables fit in one slice (:data:`CORR_CHUNK_CELLS`)?

    >>> products_fit_at_once(1_500, 42), products_fit_at_once(1_000_000, 42)
    (True, False)
    """
    return n * (k * (k + 1) // 2) <= CORR_CHUNK_CELLS


def bootstrap_corr(Z: np.ndarray, Wb: np.ndarray, noise: np.ndarray | None = None) -> np.ndarray:
    """Weighted correlation matrices (B, k, k) of the columns of Z for weight rows Wb (B, n).

    With ``noise`` (B, n), resample b gets one extra variable (its own noise row), placed before
    the last column of Z: the matrices are then (B, k+1, k+1) of [Z[:, :-1], noise_b, Z[:, -1]].
    """
    sums = _WeightedSums(Wb.shape[0], Z.shape[1], noise is not None)
    rows = max(1, CORR_CHUNK_CELLS // sums.pairs)
    for start in range(0, Z.shape[0], rows):  # the pairwise products built rows at a time
        part = slice(start, start + rows)
        sums.add(Wb[:, part], Z[part], None if noise is None else noise[:, part])
    return sums.correlations()


def streamed_bootstrap_corr(
    Z: np.ndarray, B: int, rng: np.random.Generator, weights: np.ndarray | None = None, noise: bool = False
) -> np.ndarray:
    """The (B, k, k) correlation matrices of B case resamples of the rows of Z (with ``noise``:
    (B, k+1, k+1), a noise variable before the last column, as :func:`bootstrap_corr`), the rows
    visited a slice at a time. ``weights``: case weights, carried along with the counts.

    The counts are :func:`bootstrap_counts`'s draws (n per resample, resample after resample),
    held as 2-byte integers; for more than :data:`COUNT_CELLS` cells the resamples come in groups.

    >>> rng = np.random.default_rng(0)
    >>> Z = rng.standard_normal((500, 3))
    >>> R = streamed_bootstrap_corr(Z, 4, np.random.default_rng(1))
    >>> R.shape, np.allclose(R, bootstrap_corr(Z, bootstrap_counts(np.random.default_rng(1), 500, 4)))
    ((4, 3, 3), True)
    """
    n, k = Z.shape
    group = max(1, min(B, COUNT_CELLS // n))
    out = []
    for first in range(0, B, group):
        size = min(B, first + group) - first
        counts = np.empty((size, n), np.uint16)
        for b in range(size):
            drawn = bootstrap_counts(rng, n, 1)[0]
            if drawn.max() > np.iinfo(np.uint16).max:  # never at any n seen in practice; exact if it happens
                raise OverflowError("streamed_bootstrap_corr: a row drawn more than 65,535 times")
            counts[b] = drawn
        sums = _WeightedSums(size, k, noise)
        rows = max(1, min(CORR_CHUNK_CELLS // sums.pairs, _SLICE_CELLS // size))
        for start in range(0, n, rows):
            part = slice(start, start + rows)
            W = counts[:, part].astype(float)
            if weights is not None:
                W *= weights[part]
            sums.add(W, Z[part], rng.standard_normal(W.shape) if noise else None)
        out.append(sums.correlations())
    return np.concatenate(out)


class _WeightedSums:
    """The weighted sums of B resamples over the rows added so far (:meth:`add`, a slice of rows
    at a time): S0, S1, the upper triangle of S2 and, with noise, Σ w e, Σ w e², Σ w e z."""

    def __init__(self, B: int, k: int, noise: bool):
        self.k = k
        self.iu = np.triu_indices(k)
        self.pairs = self.iu[0].size
        self.S0, self.S1, self.S2 = np.zeros(B), np.zeros((B, k)), np.zeros((B, self.pairs))
        self.noise = (np.zeros(B), np.zeros(B), np.zeros((B, k))) if noise else None

    def add(self, W: np.ndarray, Z: np.ndarray, E: np.ndarray | None = None) -> None:
        """Rows Z (m × k) with weights W (B × m) and, with noise, the noise E (B × m) of these rows."""
        self.S0 += W.sum(axis=1)
        self.S1 += W @ Z
        self.S2 += W @ (Z[:, self.iu[0]] * Z[:, self.iu[1]])
        if self.noise is not None:
            if E is None:
                raise ValueError("_WeightedSums.add: these sums carry a noise variable; pass its values E")
            WN = W * E
            self.noise[0][:] += WN.sum(axis=1)
            self.noise[1][:] += (WN * E).sum(axis=1)
            self.noise[2][:] += WN @ Z

    def correlations(self) -> np.ndarray:
        return _correlations(self.S0, self.S1, self.S2, self.noise, self.k)


def _correlations(
    S0: np.ndarray,
    S1: np.ndarray,
    S2: np.ndarray,
    noise_sums: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    k: int,
) -> np.ndarray:
    """Correlation matrices from the weighted sums (S0: B, S1: B × k, S2: B × k(k+1)/2 upper
    triangle; noise_sums: Σ w e, Σ w e², Σ w e z, or None)."""
    iu = np.triu_indices(k)
    S1 = S1 / S0[:, None]
    S2 = S2 / S0[:, None]
    cov = S2 - S1[:, iu[0]] * S1[:, iu[1]]
    C = np.zeros((S0.shape[0], k, k))
    C[:, iu[0], iu[1]] = cov
    C[:, iu[1], iu[0]] = cov
    means = S1
    if noise_sums is not None:
        sum_e, sum_e2, sum_ez = noise_sums
        m_e = sum_e / S0
        v_e = sum_e2 / S0 - m_e**2
        c_e = sum_ez / S0[:, None] - m_e[:, None] * S1
        order = list(range(k - 1)) + [k, k - 1]
        full = np.zeros((S0.shape[0], k + 1, k + 1))
        full[:, :k, :k] = C
        full[:, k, :k] = c_e
        full[:, :k, k] = c_e
        full[:, k, k] = v_e
        C = full[:, order][:, :, order]
        means = np.column_stack([S1, m_e])[:, order]
        k += 1
    d = np.sqrt(np.clip(np.diagonal(C, axis1=1, axis2=2), 0.0, None))
    ok = d > 1e-12 * (1 + np.abs(means))
    ds = np.where(ok, d, 1.0)
    R = C / (ds[:, :, None] * ds[:, None, :])
    R = np.where(ok[:, :, None] & ok[:, None, :], R, 0.0)  # a constant resample column: r = 0
    ii = np.arange(k)
    R[:, ii, ii] = 1.0
    return R
