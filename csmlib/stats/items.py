"""The item-input layer of every scale statistic: validated item matrix, moments, correlation.

:func:`load_items` is the entry point of the reliability, EFA, CFA and polychoric statistics
(:mod:`csmlib.stats.reliability`, :mod:`csmlib.stats.factor`, :mod:`csmlib.stats.cfa`,
:mod:`csmlib.stats.polychoric`): it checks the items (at least two, unique names, numeric, no
infinite values, no all-missing item, enough rows; constant items raise or are dropped with a
warning) and computes their means, covariance C (divisor n − 1) and Pearson correlation R in as few
passes over the rows as possible.

Missing data (method note ``reliability.md`` §1): ``missing="pairwise"`` (psych default) gives the
pairwise C and R of R's ``cov``/``cor(use="pairwise.complete.obs")`` with n = the number of input
rows; ``missing="listwise"`` drops incomplete rows first and n is the number of complete rows.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from csmlib.stats.validate import check_choice

__all__ = ["MISSING_MODES", "ItemData", "Moments", "prepare_items", "load_items", "moments", "correlation"]

MISSING_MODES = ("pairwise", "listwise")
_BLOCK_ROWS = 1 << 15  # rows per chunk in the moment computation


# --------------------------------------------------------------------------------------------
# Input checks and the item matrix
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemData:
    """Validated item matrix (from :func:`prepare_items`). ``X`` may be a read-only view of the caller's frame."""

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


def _as_frame(items: pd.DataFrame | ArrayLike) -> pd.DataFrame:
    if isinstance(items, pd.DataFrame):
        return items
    if isinstance(items, pd.Series):
        raise ValueError(f"at least two items are needed; got a single series '{items.name}'")
    arr = np.asarray(items)
    if arr.ndim != 2:
        raise ValueError("items must be a DataFrame (rows = respondents, columns = items) or a 2-D array")
    return pd.DataFrame(arr, columns=[f"item{i + 1}" for i in range(arr.shape[1])])


def prepare_items(
    items: pd.DataFrame | ArrayLike, *, missing: str = "pairwise", caller: str = "", min_n: int | None = None
) -> ItemData:
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


def _constant_columns(X: np.ndarray, names: Sequence[str], columns: Iterable[int] | None = None) -> list[str]:
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
    items: pd.DataFrame | ArrayLike,
    *,
    missing: str = "pairwise",
    constant: str = "raise",
    caller: str = "",
    min_n: int | None = None,
) -> tuple[ItemData, "Moments"]:
    """Validated items and their moments (C, R) — the entry point of every statistic.

    Constant items raise ``ValueError`` naming them (``constant="raise"``) or are dropped with a
    warning (``constant="drop"``, psych ``alpha``).

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.items import load_items
    >>> data, mom = load_items(pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 1, 4, 3], "c": [1, None, 2, 5]}))
    >>> data.n, data.n_complete, mom.N.tolist()[0], round(float(mom.R[0, 1]), 4)
    (4, 3, [4.0, 4.0, 3.0], 0.6)
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
    """Item means, pairwise covariance C, pairwise correlation R and pair counts (from :func:`moments`)."""

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


def correlation(
    items: pd.DataFrame | ArrayLike, *, missing: str = "pairwise", constant: str = "raise", caller: str = ""
) -> tuple[ItemData, np.ndarray]:
    """Validated items and their (pairwise or listwise) Pearson correlation matrix."""
    data, mom = load_items(items, missing=missing, constant=constant, caller=caller)
    return data, mom.R
