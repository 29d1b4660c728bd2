"""Exact all-subsets R² engine for :mod:`csmlib.stats.drivers` (method note ``drivers.md`` §3).

R²(S) for all 2^p subsets S of p predictors comes from one correlation matrix R of
[x_0, …, x_{p−1}, y] (y last) by a highest-bit Schur-complement enumeration: after step m the
state holds, for every subset s ⊆ {x_0..x_{m−1}}, the partial covariance matrix of
(x_m, …, x_{p−1}, y) given s. Step m → m+1 either leaves x_m out (drop its row and column) or
sweeps it in (Schur complement old − c·cᵀ/pivot), so the new subset index is s (without) or
s + 2^m (with). After p steps the state is the residual variance of y and R²(s) = 1 − state[s].
Bit j of the integer s is set iff x_j ∈ s. Work ≈ 3·2^p multiply-adds with symmetric (packed)
storage; no per-subset solve and no "un-sweep", so no rounding build-up.

Layout used here: a state is a 2-D array ``P`` of shape (q(q+1)/2, N), the row-major upper
triangle of the q×q partial covariance matrices (pairs (0,0), (0,1), …, (0,q−1), (1,1), …), one
column per (subset, batch) combination, column index ``s·B + b``. Because the pairs not involving
the pivot variable are the trailing rows in the same order as the next, smaller state, every step
is one block copy plus q − 1 vectorised updates. A leading batch of B matrices (bootstrap) is just
B columns at the start.
"""

from __future__ import annotations

from math import comb

import numpy as np

__all__ = ["pack", "subset_r2", "subset_r2_batch", "popcount", "shapley_from_r2", "conditional_from_r2", "complete_from_r2"]

_PIVOT_TOL = 1e-10  # residual variance below which a predictor adds nothing (collinear)
_CACHE_TARGET = 1 << 16  # columns per block in the cache-friendly tail of the enumeration


def pack(R: np.ndarray) -> np.ndarray:
    """Row-major upper triangle of k×k matrices: (k, k) → (k(k+1)/2, 1); (B, k, k) → (…, B)."""
    R = np.asarray(R, dtype=float)
    if R.ndim == 2:
        R = R[None]
    k = R.shape[-1]
    iu = np.triu_indices(k)
    return np.ascontiguousarray(R[:, iu[0], iu[1]].T)


def _step(P: np.ndarray, q: int, tol: float) -> np.ndarray:
    """One enumeration step on a packed state with q variables: returns the (q−1)-state, 2N cols."""
    N = P.shape[1]
    piv = P[0]
    c = P[1:q]  # covariances of the pivot with the others
    inv = np.zeros(N)
    np.divide(1.0, piv, out=inv, where=piv > tol)
    rest = P[q:]  # upper triangle of the other q−1 variables
    out = np.empty((rest.shape[0], 2 * N))
    out[:, :N] = rest  # without x_m
    w = out[:, N:]
    row = 0
    for i in range(q - 1):
        ci = c[i] * inv
        k = q - 1 - i  # pairs (i, i..q−2) of the new state
        blk = w[row : row + k]
        np.multiply(c[i:], ci, out=blk)
        np.subtract(rest[row : row + k], blk, out=blk)
        row += k
    return out


def _run(P: np.ndarray, q: int, steps: int, tol: float) -> tuple[np.ndarray, int]:
    for _ in range(steps):
        P = _step(P, q, tol)
        q -= 1
    return P, q


def subset_r2_batch(P: np.ndarray, k: int, tol: float = _PIVOT_TOL) -> np.ndarray:
    """R² of all subsets for a packed batch of correlation matrices.

    ``P`` is ``pack(R)`` of shape (k(k+1)/2, B) with y the last of the k = p + 1 variables.
    Returns an array (2^p, B): ``r2[s, b]`` is R² of the predictors in bit mask ``s`` for matrix
    ``b``. Large problems are processed breadth-first until there are enough columns, then in
    blocks of columns (the states are independent from then on), which bounds memory and keeps
    the work in cache.
    """
    P = np.array(P, dtype=float)
    p = k - 1
    B = P.shape[1]
    out = np.empty((1 << p) * B)
    # breadth-first head: until there are at least ~_CACHE_TARGET / 2^(remaining) columns
    q = k
    while (1 << (q - 1)) > _CACHE_TARGET:  # until one column's remaining work fits a block
        P = _step(P, q, tol)
        q -= 1
    N = P.shape[1]
    rem = q - 1  # steps still to do
    if rem == 0:
        out[:] = 1.0 - P[0]
        return out.reshape(1 << p, B)
    per = max(1, _CACHE_TARGET >> rem)  # columns per block
    view = out.reshape(1 << rem, N)  # final index = hi·N + col
    for a in range(0, N, per):
        blk, _ = _run(np.ascontiguousarray(P[:, a : a + per]), q, rem, tol)
        view[:, a : a + per] = 1.0 - blk[0].reshape(1 << rem, -1)
    return out.reshape(1 << p, B)


def subset_r2(R: np.ndarray, tol: float = _PIVOT_TOL) -> np.ndarray:
    """R² of all 2^p subsets from one (p+1)×(p+1) correlation matrix (y last); index = bit mask."""
    R = np.asarray(R, dtype=float)
    return subset_r2_batch(pack(R), R.shape[0], tol)[:, 0]


def popcount(p: int) -> np.ndarray:
    """Number of predictors in each subset mask 0 … 2^p − 1 (uint8)."""
    return np.bitwise_count(np.arange(1 << p, dtype=np.uint32)).astype(np.uint8)


def shapley_from_r2(r2: np.ndarray, p: int) -> np.ndarray:
    """LMG / Shapley values from all-subsets R² (2^p,) or (2^p, B) → (p,) or (p, B).

    LMG_j = Σ_{S∌j} w(|S|)[R²(S∪j) − R²(S)], w(s) = s!(p−1−s)!/p!. With c(T) = R²(T)·(w(|T|−1) +
    w(|T|)) and b(T) = R²(T)·w(|T|) (w(−1) = w(p) = 0): LMG_j = Σ_{T∋j} c(T) − Σ_T b(T). The sums
    over T ∋ j for every j come from repeated halving (sum the upper half = bit j set, then fold
    the upper half onto the lower), about 2·2^p additions in all.
    """
    single = r2.ndim == 1
    r2 = r2.reshape(1 << p, -1)
    w = np.zeros(p + 2)
    w[1 : p + 1] = [1.0 / (p * comb(p - 1, s)) for s in range(p)]  # w[1 + s] = w(s)
    pc = popcount(p)
    c = r2 * (w[:-1] + w[1:])[pc][:, None]  # w(|T|−1) + w(|T|)
    sizes = (
        np.stack([np.bincount(pc, weights=r2[:, b], minlength=p + 1) for b in range(r2.shape[1])], axis=1)
        if r2.shape[1] <= 8
        else None
    )
    if sizes is None:
        total_b = w[1:][pc] @ r2
    else:
        total_b = w[1:] @ sizes
    res = np.empty((p, r2.shape[1]))
    for j in range(p - 1, -1, -1):
        half = 1 << j
        res[j] = c[half:].sum(axis=0) - total_b
        if j:
            c = c[:half] + c[half:]
    return res[:, 0] if single else res


def conditional_from_r2(r2: np.ndarray, p: int) -> np.ndarray:
    """Conditional dominance C_j(k): mean R² increment of x_j over subsets S ∌ j with |S| = k.

    Returns a (p, p) array, row j, column k = 0 … p−1 (the model after adding x_j has k+1
    predictors). Uses Σ_{S∌j,|S|=k} R²(S) = A(k) − T_j(k), with A(k) the sum of R² over all sets of
    size k and T_j(k) the sum over those containing j.
    """
    pc = popcount(p)
    A = np.bincount(pc, weights=r2, minlength=p + 1)
    out = np.empty((p, p))
    ks = np.arange(p)
    cnt = np.array([comb(p - 1, k) for k in ks], dtype=float)
    for j in range(p):
        v = r2.reshape(-1, 2, 1 << j)[:, 1].ravel()
        t = np.bincount(pc.reshape(-1, 2, 1 << j)[:, 1].ravel(), weights=v, minlength=p + 1)
        out[j] = (t[ks + 1] - (A[ks] - t[ks])) / cnt
    return out


def complete_from_r2(r2: np.ndarray, p: int, tol: float = 0.0) -> np.ndarray:
    """Complete dominance matrix D (p, p): D[i, j] = 1 if R²(S∪i) > R²(S∪j) for every S ∌ i, j
    (∅ included), 0 if the reverse holds for every S, 0.5 otherwise; NaN on the diagonal.
    Differences within ``tol`` count as ties (neither dominates)."""
    D = np.full((p, p), np.nan)
    for j in range(p):
        for i in range(j):
            v = r2.reshape(1 << (p - j - 1), 2, 1 << (j - i - 1), 2, 1 << i)
            d = v[:, 0, :, 1, :] - v[:, 1, :, 0, :]  # R²(S∪i) − R²(S∪j)
            D[i, j], D[j, i] = designation(d, tol)
    return D


def designation(differences: np.ndarray, tol: float) -> tuple[float, float]:
    """Dominance codes (i over j, j over i) from the differences of i's and j's contributions:
    1/0 when i is ahead in every comparison, 0/1 when behind in every one, else 0.5/0.5
    (as R dominanceanalysis)."""
    if (differences > tol).all():
        return 1.0, 0.0
    if (differences < -tol).all():
        return 0.0, 1.0
    return 0.5, 0.5
