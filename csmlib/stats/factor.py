"""Exploratory factor analysis, KMO, Bartlett's test and parallel analysis, as R psych 2.5.3.

:mod:`csmlib.stats.reliability` re-exports :func:`efa`, :func:`kmo`, :func:`bartlett` and
:func:`parallel_analysis`. This module also holds the input checks and the covariance/correlation
computation shared by every reliability statistic; the numerical work on R is in
:mod:`csmlib.stats.factor_extraction` (extraction, ordering, fit) and :mod:`csmlib.stats.factor_rotation`.

Conventions (method note ``reliability.md``):

- **Missing data.** ``missing="pairwise"`` (psych default): R is the pairwise Pearson correlation
  (each pair uses the rows where both items are present) and n is the number of input rows, as
  psych does. ``missing="listwise"``: incomplete rows are dropped first and n is the number of
  complete rows. Every result states ``n`` and ``missing``.
- **Extraction** (psych ``fa``): ``"minres"`` (= ULS, uniquenesses bounded in [0.005, 1], start
  1 − SMC), ``"ml"`` (factanal's likelihood, same bounds) and ``"pa"`` (iterated principal axes
  started at the SMCs, stopping as psych when the total communality changes by less than
  ``min_err=0.001`` or after ``max_iter=50`` iterations).
- **Rotation**: ``"varimax"`` (Kaiser-normalised, R ``stats::varimax``), ``"oblimin"`` (GPArotation,
  γ = 0), ``"promax"`` (psych: Kaiser-normalised ``Promax``, m = 4) or ``None``; factors are then
  flipped so that each loading column sums positive and sorted by the variance they explain
  (diag(Φ L'L) for oblique rotations); Φ is permuted and flipped with them.
- **Communalities** h² = diag(L Φ L') (not row sums of squared pattern loadings).
- **Fit** (psych ``fa.stats``): F = tr(M⁻¹R) − ln|M⁻¹R| − k with M = LΦL' (unit diagonal);
  χ² = F·(n − 1 − (2k+5)/6 − 2f/3); df = k(k−1)/2 − kf + f(f−1)/2;
  RMSEA = sqrt(max(χ²/(df·n) − 1/(n−1), 0)) with a 90% interval from the non-central χ²;
  TLI = (M₀ − F/df)/(M₀ − 1/m_B) with M₀ = −ln|R|/(k(k−1)/2); BIC = χ² − df·ln n.

factor_analyzer is not used: its defects (Φ not reordered with the factors, pattern row sums as
oblique communalities, silent median imputation) are avoided by computing everything from csmlib's
own correlation matrix.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
from scipy import stats

from csmlib.stats.factor_extraction import UNIQUENESS_BOUND, FitStatistics, extract, fit_factors, fit_statistics
from csmlib.stats.validate import check_choice

__all__ = [
    "EFAResult",
    "KMOResult",
    "BartlettResult",
    "ParallelAnalysisResult",
    "efa",
    "kmo",
    "bartlett",
    "parallel_analysis",
]

MISSING_MODES = ("pairwise", "listwise")
_BLOCK_ROWS = 1 << 15  # rows per chunk in the moment computation


# --------------------------------------------------------------------------------------------
# Input checks and the item matrix
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemData:
    """Validated item matrix (internal). ``X`` may be a read-only view of the caller's frame."""

    names: tuple[str, ...]
    X: np.ndarray
    n_rows: int  # rows given
    n_complete: int  # rows with every item present
    n: int  # rows the statistic uses: n_rows (pairwise) or n_complete (listwise)
    missing: str
    has_missing: bool  # NaNs present in X (always False after listwise deletion)
    dropped: tuple[str, ...] = ()  # constant items dropped with a warning
    col_sums: np.ndarray | None = None  # column sums of X when it has no missing values


def _column_to_float(name: str, col: pd.Series) -> np.ndarray:
    dtype = col.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return col.to_numpy(dtype=np.float64, na_value=np.nan)
    if pd.api.types.is_object_dtype(dtype):
        try:
            return pd.to_numeric(col, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
        except (ValueError, TypeError):
            pass
    raise ValueError(f"item '{name}' is not numeric (dtype {dtype}); recode it to numbers first")


def _as_frame(items) -> pd.DataFrame:
    if isinstance(items, pd.DataFrame):
        return items
    if isinstance(items, pd.Series):
        raise ValueError(f"at least two items are needed; got a single series '{items.name}'")
    arr = np.asarray(items)
    if arr.ndim != 2:
        raise ValueError("items must be a DataFrame (rows = respondents, columns = items) or a 2-D array")
    return pd.DataFrame(arr, columns=[f"item{i + 1}" for i in range(arr.shape[1])])


def prepare_items(items, *, missing: str = "pairwise", caller: str = "", min_n: int | None = None) -> ItemData:
    """Validate ``items`` and return the float matrix the statistics use.

    Raises ``ValueError`` naming the item for: fewer than two items, duplicated names, a
    non-numeric column, an all-missing column, infinite values and too few rows: n ≤ k by
    default (factor models need more rows than items), or n < ``min_n`` when given (α and its
    interval are defined from n = 2 rows). Constant items are handled by :func:`load_items`.
    """
    where = f"{caller}: " if caller else ""
    check_choice(missing, MISSING_MODES, "missing", caller, spelled=True)
    frame = _as_frame(items)
    names = tuple(str(c) for c in frame.columns)
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"{where}duplicated item names: {', '.join(dup)}")
    if len(names) < 2:
        raise ValueError(f"{where}at least two items are needed; got {len(names)}" + (f" ('{names[0]}')" if names else ""))
    dtypes = list(frame.dtypes)
    if all(isinstance(dt, np.dtype) and dt.kind in "fiub" for dt in dtypes):
        # plain numpy columns: a view when already float64, otherwise a single converted copy
        X = frame.to_numpy(dtype=np.float64, copy=False)
    else:
        # nullable / object columns: convert one column at a time into one preallocated matrix
        X = np.empty((len(frame), len(names)), order="F")
        for j, (name, col) in enumerate(zip(names, frame.columns)):
            X[:, j] = _column_to_float(name, frame[col])
    n_rows = X.shape[0]
    col_sums = X.sum(axis=0)
    has_missing = not np.all(np.isfinite(col_sums))
    n_complete = n_rows
    if has_missing:
        finite = np.isfinite(X)
        nan = np.isnan(X)
        bad_inf = [names[j] for j in np.flatnonzero((~finite & ~nan).any(axis=0))]
        if bad_inf:
            raise ValueError(f"{where}infinite values in item(s) {', '.join(bad_inf)}")
        empty = [names[j] for j in np.flatnonzero(finite.sum(axis=0) == 0)]
        if empty:
            raise ValueError(f"{where}item(s) {', '.join(empty)} have no observed values")
        complete_rows = finite.all(axis=1)
        n_complete = int(complete_rows.sum())
        col_sums = None
        if missing == "listwise":
            X = X[complete_rows]
            has_missing = False
            col_sums = X.sum(axis=0)
    n = n_rows if missing == "pairwise" else n_complete
    k = len(names)
    what = "rows" if missing == "pairwise" else "complete rows"
    if min_n is None and n <= k:
        raise ValueError(f"{where}n = {n} {what} must exceed the number of items k = {k}")
    if min_n is not None and n < min_n:
        raise ValueError(f"{where}n = {n} {what}; at least {min_n} are needed")
    return ItemData(
        names=names, X=X, n_rows=n_rows, n_complete=n_complete, n=n, missing=missing, has_missing=has_missing, col_sums=col_sums
    )


def _constant_columns(X: np.ndarray, names, columns=None) -> list[str]:
    """Items whose observed values are all equal (ignoring NaN), among ``columns``."""
    cols = range(X.shape[1]) if columns is None else columns
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for j in cols:
            col = X[:, j]
            if not np.nanmax(col) > np.nanmin(col):
                out.append(names[j])
    return out


def _subset(data: ItemData, keep: list[int], dropped: list[str]) -> ItemData:
    X = data.X[:, keep]
    return ItemData(
        names=tuple(data.names[j] for j in keep),
        X=X,
        n_rows=data.n_rows,
        n_complete=data.n_complete,
        n=data.n,
        missing=data.missing,
        has_missing=data.has_missing,
        dropped=tuple(dropped),
        col_sums=None if data.col_sums is None else data.col_sums[keep],
    )


def load_items(
    items, *, missing: str = "pairwise", constant: str = "raise", caller: str = "", min_n: int | None = None
) -> tuple[ItemData, "Moments"]:
    """Validated items and their moments (C, R) — the entry point of every statistic.

    Constant items raise ``ValueError`` naming them (``constant="raise"``) or are dropped with a
    warning (``constant="drop"``, psych ``alpha``).
    """
    where = f"{caller}: " if caller else ""
    data = prepare_items(items, missing=missing, caller=caller, min_n=min_n)
    if data.has_missing:  # pairwise: a constant item would make R undefined
        suspects = None
    else:  # complete data: only items with ~zero variance can be constant
        mom = moments(data)
        var = np.diag(mom.C)
        scale = np.maximum(mom.means**2, 1.0)
        suspects = np.flatnonzero(~(var > 1e-10 * scale))
        if suspects.size == 0:
            return data, mom
    const = _constant_columns(data.X, data.names, suspects)
    if not const:
        return data, (moments(data) if data.has_missing else mom)
    label = ", ".join(const)
    if constant != "drop":
        raise ValueError(f"{where}item(s) {label} have no variance (constant)")
    warnings.warn(f"{where}item(s) {label} have no variance and were dropped", stacklevel=3)
    keep = [j for j, name in enumerate(data.names) if name not in const]
    if len(keep) < 2:
        raise ValueError(f"{where}fewer than two items with variance remain after dropping {label}")
    data = _subset(data, keep, const)
    return data, moments(data)


# --------------------------------------------------------------------------------------------
# One-pass moments: covariance (n−1) and correlation, pairwise when values are missing
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moments:
    """Item means, pairwise covariance C, pairwise correlation R and pair counts (internal)."""

    means: np.ndarray  # mean of all observed values of each item
    C: np.ndarray  # cov(x, use="pairwise"), divisor n_ij − 1
    R: np.ndarray  # cor(x, use="pairwise") (each pair centred/scaled on its own rows)
    R_cov: np.ndarray  # cov2cor(C) (psych splitHalf; equals R without missing values)
    N: np.ndarray  # number of rows where both items are present


def _cov2cor(C: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(np.diag(C))
        R = C / np.outer(sd, sd)
    np.fill_diagonal(R, 1.0)
    return R


def moments(data: ItemData) -> Moments:
    """Covariance and correlation of the items with as few passes over the rows as possible.

    Without missing values: C = (X'X − n·x̄x̄')/(n − 1) from one BLAS product. That shortcut loses
    precision only when an item's mean is large relative to its SD; if any |mean| > 10·SD the
    cross-products are recomputed on centred blocks of rows (no full copy of the data).
    With missing values the pairwise sums N_ij = Σ m_i m_j, S_i|j = Σ x_i m_j,
    Q_i|j = Σ x_i² m_j and P_ij = Σ x_i x_j (x centred on the item means, missing set to 0, m the
    presence indicator), accumulated over blocks of rows, give exactly R's
    ``cov/cor(use="pairwise.complete.obs")``.
    """
    X = data.X
    n, k = X.shape
    if not data.has_missing:
        sums = data.col_sums if data.col_sums is not None else X.sum(axis=0)
        mu = sums / n
        C = (X.T @ X - n * np.outer(mu, mu)) / (n - 1)
        var = np.diag(C)
        if np.any(mu**2 > 100.0 * np.maximum(var, 0.0)):
            gram = np.zeros((k, k))
            for start in range(0, n, _BLOCK_ROWS):
                block = X[start : start + _BLOCK_ROWS] - mu
                gram += block.T @ block
            C = gram / (n - 1)
        C = (C + C.T) / 2
        R = _cov2cor(C)
        return Moments(mu, C, R, R, np.full((k, k), float(n)))
    total = np.zeros(k)
    count = np.zeros(k)
    for start in range(0, n, _BLOCK_ROWS):
        block = X[start : start + _BLOCK_ROWS]
        present = ~np.isnan(block)
        total += np.where(present, block, 0.0).sum(axis=0)
        count += present.sum(axis=0)
    mu = total / count
    N = np.zeros((k, k))
    S = np.zeros((k, k))
    Q = np.zeros((k, k))
    P = np.zeros((k, k))
    for start in range(0, n, _BLOCK_ROWS):
        block = X[start : start + _BLOCK_ROWS]
        present = ~np.isnan(block)
        m = present.astype(float)
        x0 = np.where(present, block - mu, 0.0)
        N += m.T @ m
        S += x0.T @ m
        Q += (x0 * x0).T @ m
        P += x0.T @ x0
    names = data.names
    too_few = np.argwhere(np.triu(N < 3, 1))
    if too_few.size:
        i, j = too_few[0]
        raise ValueError(
            f"items '{names[i]}' and '{names[j]}' are both present in only {int(N[i, j])} rows; a correlation needs at least 3"
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        C = (P - S * S.T / N) / (N - 1)
        var_given = (Q - S * S / N) / (N - 1)  # var of item i on the rows where j is present
        R = C / np.sqrt(var_given * var_given.T)
    np.fill_diagonal(R, 1.0)
    bad = np.argwhere(np.triu(~np.isfinite(R) | ~(var_given * var_given.T > 0), 1))
    if bad.size:
        i, j = bad[0]
        raise ValueError(
            f"the correlation of items '{names[i]}' and '{names[j]}' is undefined: "
            "one of them is constant on the rows where both are present"
        )
    return Moments(mu, C, R, _cov2cor(C), N)


def correlation(items, *, missing: str = "pairwise", constant: str = "raise", caller: str = "") -> tuple[ItemData, np.ndarray]:
    """Validated items and their (pairwise or listwise) Pearson correlation matrix."""
    data, mom = load_items(items, missing=missing, constant=constant, caller=caller)
    return data, mom.R


# --------------------------------------------------------------------------------------------
# Public: efa
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EFAResult(FitStatistics):
    """Exploratory factor analysis (psych ``fa``). The fit statistics (``chi2``, ``df``,
    ``p_value``, ``rmsea`` and its interval, ``tli``, ``bic``, ``objective``, ``null_chi2``,
    ``null_df``) are psych ``fa.stats``, declared by :class:`FitStatistics`."""

    loadings: pd.DataFrame  # pattern (items × F1..Fm), factors sorted by variance explained
    structure: pd.DataFrame  # L Φ
    phi: pd.DataFrame  # factor correlations in the same order (identity if orthogonal)
    communalities: pd.Series  # h² = diag(L Φ L')
    uniquenesses: pd.Series  # u² = 1 − h²
    variance: pd.DataFrame  # SS loadings, proportion and cumulative proportion per factor
    eigenvalues: pd.Series  # eigenvalues of R
    heywood: bool
    heywood_items: tuple[str, ...]
    n_factors: int
    method: str
    rotation: str
    converged: bool
    iterations: int
    n: int
    k: int
    missing: str


def efa(
    items,
    n_factors: int,
    *,
    method: str = "minres",
    rotation: str | None = "oblimin",
    missing: str = "pairwise",
    max_iter: int = 50,
    min_err: float = 0.001,
) -> EFAResult:
    """Exploratory factor analysis with psych ``fa`` conventions.

    Parameters
    ----------
    items : DataFrame
        Respondents × items (numeric; NaN = missing).
    n_factors : int
        Number of factors f (1 ≤ f < k).
    method : {"minres", "ml", "pa"}
        minres = unweighted least squares on the off-diagonal residuals; ml = maximum likelihood
        (factanal's objective); pa = iterated principal axes (psych: SMC start, stops when the
        total communality changes by < ``min_err`` or after ``max_iter`` iterations).
    rotation : {"oblimin", "varimax", "promax", None}
        oblimin = GPArotation direct oblimin (γ = 0); varimax = Kaiser-normalised R varimax;
        promax = psych's Kaiser-normalised Promax (m = 4); None = unrotated.
    missing : {"pairwise", "listwise"}
        Pairwise correlations with n = input rows (psych), or complete rows only.

    Returns
    -------
    EFAResult
        ``loadings`` (pattern), ``phi``, ``communalities`` h² = diag(LΦL'), ``uniquenesses``,
        fit (``chi2``, ``df``, ``p_value``, ``rmsea`` and its 90% interval, ``tli``, ``bic``),
        ``heywood`` (any u² ≤ 0.005, the bound where ML/minres stop, or h² ≥ 1), n and missing.

    Notes
    -----
    χ² = F·(n − 1 − (2k+5)/6 − 2f/3), F = tr(M⁻¹R) − ln|M⁻¹R| − k, M = LΦL' with unit diagonal;
    RMSEA = sqrt(max(χ²/(df·n) − 1/(n−1), 0)) (psych mixes n and n − 1), interval bounds
    sqrt(λ/((n−1)·df)) where λ solves P(χ²_df(λ) ≤ χ²) = .95 / .05;
    TLI = (M₀ − F/df)/(M₀ − 1/m_B); BIC = χ² − df·ln n.

    References
    ----------
    Revelle, psych ``fa``/``fa.stats`` (2.5.3). Harman & Jones (1966) minres; Jöreskog (1967) ML;
    Tucker & Lewis (1973); Browne & Cudeck (1993); Bernaards & Jennrich (2005).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csmlib.stats.reliability import efa
    >>> rng = np.random.default_rng(1)
    >>> f = rng.normal(size=(500, 2))
    >>> x = np.repeat(f, 3, axis=1) * 0.8 + rng.normal(scale=0.6, size=(500, 6))
    >>> res = efa(pd.DataFrame(x, columns=list("abcdef")), 2)
    >>> res.n, res.loadings.shape
    (500, (6, 2))
    """
    data, R = correlation(items, missing=missing, caller="efa")
    k = len(data.names)
    if not isinstance(n_factors, (int, np.integer)) or not 1 <= n_factors < k:
        raise ValueError(f"efa: n_factors must be an integer between 1 and k − 1 = {k - 1}, got {n_factors!r}")
    n_factors = int(n_factors)
    fit = fit_factors(R, n_factors, method, rotation, max_iter=max_iter, min_err=min_err)
    names = list(data.names)
    cols = [f"F{i + 1}" for i in range(n_factors)]
    h2 = np.diag(fit.loadings @ fit.phi @ fit.loadings.T)
    u2 = 1.0 - h2
    heywood_mask = (u2 <= UNIQUENESS_BOUND + 1e-6) | (h2 >= 1.0)
    heywood_items = tuple(names[i] for i in np.flatnonzero(heywood_mask))
    if heywood_items:
        warnings.warn(
            "Heywood case: uniqueness at or below 0.005 (or communality ≥ 1) for "
            f"{', '.join(heywood_items)}; interpret loadings with care",
            stacklevel=2,
        )
    st = fit_statistics(R, fit.loadings, fit.phi, data.n, rmsea_level=0.90)
    ss = np.diag(fit.phi @ fit.loadings.T @ fit.loadings)
    variance = pd.DataFrame(
        {"ss_loadings": ss, "proportion_var": ss / k, "cumulative_var": np.cumsum(ss) / k, "proportion_explained": ss / ss.sum()},
        index=cols,
    ).T
    return EFAResult(
        loadings=pd.DataFrame(fit.loadings, index=names, columns=cols),
        structure=pd.DataFrame(fit.loadings @ fit.phi, index=names, columns=cols),
        phi=pd.DataFrame(fit.phi, index=cols, columns=cols),
        communalities=pd.Series(h2, index=names, name="h2"),
        uniquenesses=pd.Series(u2, index=names, name="u2"),
        variance=variance,
        eigenvalues=pd.Series(np.linalg.eigvalsh(R)[::-1], index=range(1, k + 1), name="eigenvalue"),
        **{f.name: getattr(st, f.name) for f in fields(FitStatistics)},
        heywood=bool(heywood_items),
        heywood_items=heywood_items,
        n_factors=n_factors,
        method=method,
        rotation=str(rotation or "none"),
        converged=fit.extraction.converged,
        iterations=fit.extraction.iterations,
        n=data.n,
        k=k,
        missing=data.missing,
    )


# --------------------------------------------------------------------------------------------
# Public: KMO and Bartlett
# --------------------------------------------------------------------------------------------

_KAISER_LABELS = ((0.9, "marvelous"), (0.8, "meritorious"), (0.7, "middling"), (0.6, "mediocre"), (0.5, "miserable"))


def kaiser_label(value: float) -> str:
    """Kaiser's (1974) verbal label for an MSA/KMO value."""
    for threshold, label in _KAISER_LABELS:
        if value >= threshold:
            return label
    return "unacceptable"


@dataclass(frozen=True)
class KMOResult:
    overall: float
    per_item: pd.Series  # MSA_i
    label: str  # Kaiser's label of the overall value
    per_item_label: pd.Series
    n: int
    k: int
    missing: str


def kmo(items, *, missing: str = "pairwise") -> KMOResult:
    """Kaiser–Meyer–Olkin measure of sampling adequacy (psych ``KMO``).

    q_ij = −(R⁻¹)_ij / sqrt((R⁻¹)_ii (R⁻¹)_jj) are the partial (anti-image) correlations;
    KMO = Σ_{i≠j} r_ij² / (Σ_{i≠j} r_ij² + Σ_{i≠j} q_ij²); MSA_i restricts both sums to row i.
    R is the pairwise correlation matrix (n = input rows) unless ``missing="listwise"``, so missing
    values do not crash the computation. Labels: ≥ .9 marvelous, ≥ .8 meritorious, ≥ .7 middling,
    ≥ .6 mediocre, ≥ .5 miserable, otherwise unacceptable.

    References: Kaiser (1970) *Psychometrika* 35:401–415; Kaiser & Rice (1974) *Educ. Psychol.
    Meas.* 34:111–117.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csmlib.stats.reliability import kmo
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(200, 1)) + rng.normal(size=(200, 4))
    >>> round(kmo(pd.DataFrame(x, columns=list("abcd"))).overall, 2) > 0.5
    True
    """
    data, R = correlation(items, missing=missing, caller="kmo")
    if np.min(np.abs(np.linalg.eigvalsh(R))) < 1e-12:
        raise ValueError(
            "kmo: the correlation matrix is singular (some items are linear "
            f"combinations of others among {', '.join(data.names)}); "
            "KMO is undefined"
        )
    inv = np.linalg.inv(R)
    if np.any(np.diag(inv) <= 0):
        raise ValueError(
            "kmo: the pairwise correlation matrix is not positive definite, so the "
            "partial correlations are undefined; use missing='listwise'"
        )
    d = np.sqrt(np.diag(inv))
    Q = inv / np.outer(d, d)
    np.fill_diagonal(Q, 0.0)
    R0 = R.copy()
    np.fill_diagonal(R0, 0.0)
    r2, q2 = R0**2, Q**2
    overall = float(r2.sum() / (r2.sum() + q2.sum()))
    msa = r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))
    names = list(data.names)
    per_item = pd.Series(msa, index=names, name="msa")
    return KMOResult(
        overall, per_item, kaiser_label(overall), per_item.map(kaiser_label).rename("label"), data.n, len(names), data.missing
    )


@dataclass(frozen=True)
class BartlettResult:
    chi2: float
    df: int
    p_value: float
    n: int
    k: int
    missing: str


def bartlett(items, *, missing: str = "pairwise") -> BartlettResult:
    """Bartlett's test of sphericity (psych ``cortest.bartlett`` on raw data).

    χ² = −(n − 1 − (2k + 5)/6)·ln|R|, df = k(k − 1)/2, with the pairwise R and n = number of rows
    (psych), or the complete rows with ``missing="listwise"``. If a pairwise R is not positive
    definite, ln|R| is undefined and NaN is returned with a warning.

    Reference: Bartlett (1950) *Br. J. Psychol. (Stat. Sect.)* 3:77–85.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csmlib.stats.reliability import bartlett
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(200, 1)) + rng.normal(size=(200, 4))
    >>> bartlett(pd.DataFrame(x, columns=list("abcd"))).df
    6
    """
    data, R = correlation(items, missing=missing, caller="bartlett")
    k, n = len(data.names), data.n
    sign, logdet = np.linalg.slogdet(R)
    df = k * (k - 1) // 2
    if sign <= 0:
        warnings.warn(
            "bartlett: the correlation matrix is not positive definite (pairwise deletion?); ln|R| and the test are undefined",
            stacklevel=2,
        )
        return BartlettResult(math.nan, df, math.nan, n, k, data.missing)
    chi2 = -(n - 1 - (2 * k + 5) / 6) * logdet
    return BartlettResult(float(chi2), df, float(stats.chi2.sf(chi2, df)), n, k, data.missing)


# --------------------------------------------------------------------------------------------
# Public: parallel analysis
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParallelAnalysisResult:
    n_factors: int  # suggested by the factor eigenvalues
    n_components: int  # suggested by the component eigenvalues
    eigenvalues: pd.DataFrame  # index 1..k: observed and simulated (mean, threshold) for pc and fa
    quantile: float | None  # None → mean of the simulations is the threshold
    n_iter: int
    seed: int | None
    method: str
    n: int
    k: int
    missing: str


def _factor_eigenvalues(R: np.ndarray, method: str) -> np.ndarray:
    """psych ``fa(R, 1)$values``: eigenvalues of R with the 1-factor communalities on the diagonal."""
    ext = extract(R, 1, method)
    S = R.copy()
    np.fill_diagonal(S, ext.communalities)
    return np.linalg.eigvalsh(S)[::-1]


def parallel_analysis(
    items,
    *,
    n_iter: int = 100,
    seed: int | None = None,
    quantile: float | None = 0.95,
    method: str = "minres",
    missing: str = "pairwise",
) -> ParallelAnalysisResult:
    """Horn's parallel analysis, psych ``fa.parallel(fa="both", sim=TRUE)`` variant.

    Observed eigenvalues: components = eigenvalues of R; factors = eigenvalues of R with the
    communalities of a one-factor ``method`` solution on the diagonal (psych ``fa(R)$values``).
    Reference eigenvalues come from ``n_iter`` correlation matrices of n × k independent normal
    variables (generated exactly via the Wishart distribution of their cross-product matrix, so the
    cost does not grow with n). The threshold is the ``quantile`` (psych ``quant=.95``) of the
    simulated eigenvalues, or their mean if ``quantile=None``. The suggested number is the count of
    leading observed eigenvalues that exceed their threshold (psych: position of the first
    failure − 1). psych's additional resampling of the observed data is not done. Results are
    stochastic: fix ``seed`` for reproducibility.

    Reference: Horn (1965) *Psychometrika* 30:179–185; Revelle, psych ``fa.parallel``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csmlib.stats.reliability import parallel_analysis
    >>> rng = np.random.default_rng(2)
    >>> f = rng.normal(size=(400, 2))
    >>> x = np.repeat(f, 3, axis=1) + rng.normal(size=(400, 6))
    >>> parallel_analysis(pd.DataFrame(x), n_iter=20, seed=1).n_factors
    2
    """
    if n_iter < 1:
        raise ValueError("parallel_analysis: n_iter must be at least 1")
    if quantile is not None and not 0 < quantile < 1:
        raise ValueError("parallel_analysis: quantile must be in (0, 1) or None")
    data, R = correlation(items, missing=missing, caller="parallel_analysis")
    k, n = len(data.names), data.n
    observed_pc = np.linalg.eigvalsh(R)[::-1]
    observed_fa = _factor_eigenvalues(R, method)
    rng = np.random.default_rng(seed)
    wishart = stats.wishart(df=n - 1, scale=np.eye(k))
    sim_pc = np.empty((n_iter, k))
    sim_fa = np.empty((n_iter, k))
    for it in range(n_iter):
        W = wishart.rvs(random_state=rng)
        d = np.sqrt(np.diag(W))
        Rs = W / np.outer(d, d)
        sim_pc[it] = np.linalg.eigvalsh(Rs)[::-1]
        sim_fa[it] = _factor_eigenvalues(Rs, method)

    def threshold(sim):
        return np.quantile(sim, quantile, axis=0) if quantile is not None else sim.mean(axis=0)

    thr_pc, thr_fa = threshold(sim_pc), threshold(sim_fa)

    def count(observed, thr):
        fails = np.flatnonzero(~(observed > thr))
        return int(fails[0]) if fails.size else len(observed)

    table = pd.DataFrame(
        {
            "observed_pc": observed_pc,
            "simulated_pc_mean": sim_pc.mean(axis=0),
            "simulated_pc_threshold": thr_pc,
            "observed_fa": observed_fa,
            "simulated_fa_mean": sim_fa.mean(axis=0),
            "simulated_fa_threshold": thr_fa,
        },
        index=pd.RangeIndex(1, k + 1, name="number"),
    )
    return ParallelAnalysisResult(
        count(observed_fa, thr_fa), count(observed_pc, thr_pc), table, quantile, n_iter, seed, method, n, k, data.missing
    )


def match_dimensions(loadings: pd.DataFrame, dimensions: dict[str, list[str]]) -> pd.DataFrame:
    """Does the EFA recover the questionnaire's dimensions?

    Each item is assigned to the factor with its largest absolute loading; each factor is named
    after the dimension most of its items belong to. Returns one row per item: ``dimension``
    (declared), ``factor``, ``loading`` (the primary loading), ``cross_loading`` (the largest
    other one), ``factor_dimension`` (the dimension the factor was matched to) and ``agrees``.
    """
    declared = {item: dim for dim, members in dimensions.items() for item in members}
    common = [i for i in loadings.index if i in declared]
    L = loadings.loc[common]
    absolute = L.abs().to_numpy()
    order = np.argsort(-absolute, axis=1)
    primary = [L.columns[j] for j in order[:, 0]]
    table = pd.DataFrame(
        {
            "dimension": [declared[i] for i in common],
            "factor": primary,
            "loading": L.to_numpy()[np.arange(len(common)), order[:, 0]],
            "cross_loading": (absolute[np.arange(len(common)), order[:, 1]] if L.shape[1] > 1 else np.zeros(len(common))),
        },
        index=pd.Index(common, name="item"),
    )
    names = table.groupby("factor")["dimension"].agg(lambda s: s.value_counts().index[0])
    table["factor_dimension"] = table["factor"].map(names)
    table["agrees"] = table["factor_dimension"] == table["dimension"]
    return table
