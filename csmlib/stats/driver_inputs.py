"""Input checks and the correlation matrix of a key-driver analysis.

Every importance method (:mod:`csmlib.stats.linear_importance`, :mod:`csmlib.stats.relative_weights`,
:mod:`csmlib.stats.dominance`, :mod:`csmlib.stats.importance_table`) and the action charts of
:mod:`csmlib.stats.priorities` read their columns through :func:`driver_names` and
:func:`driver_weights`; :class:`DriverInputs` documents, once, the keyword inputs the importance
functions share (``corr``, ``weights``, ``missing``, ``n``) and :func:`filled_inputs` applies their
defaults; :func:`prepare_drivers` checks the whole problem and builds the correlation matrix R of
[x_1 … x_p, y] (listwise, pairwise, or given as ``corr=``) that every linear metric is computed from. Conventions (missing data, weights, collinearity): :mod:`csmlib.stats.drivers`;
method note ``drivers.md``.

>>> import numpy as np
>>> X = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 4.0], [4.0, 3.0]])
>>> weighted_corr(X, None).round(1).tolist()
[[1.0, 0.6], [0.6, 1.0]]
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, TypeAlias, TypedDict, Unpack, cast

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from csmlib.stats.validate import check_choice, check_count, check_weights, name_list, numeric_column
from csmlib.stats.weighting import kish_n_eff

__all__ = [
    "COLLINEAR_TOL",
    "DriverColumns",
    "DriverInputs",
    "DRIVER_INPUT_DEFAULTS",
    "filled_inputs",
    "DriverData",
    "driver_names",
    "driver_weights",
    "driver_count",
    "weighted_corr",
    "prepare_drivers",
    "standardized_beta",
    "importance_series",
    "correlation_importance",
    "check_subset_count",
]

_MISSING = ("listwise", "pairwise")
_COLLINEAR = ("raise", "split")
COLLINEAR_TOL = 1e-10  # smallest relative eigenvalue of Rxx: below it, drivers are collinear


# --------------------------------------------------------------------------------------------
# The keyword inputs every importance function shares
# --------------------------------------------------------------------------------------------


#: The ``drivers`` argument of an importance function: one column name, a list of names, or None
#: for every column but the outcome (and a weights column).
DriverColumns: TypeAlias = str | Sequence[str] | None


class DriverInputs(TypedDict, total=False):
    """The keyword inputs of every importance function, given after ``data, outcome, drivers``:
    :func:`~csmlib.stats.linear_importance.shapley`, ``first``, ``last``, ``beta_squared``,
    ``pratt`` (:mod:`csmlib.stats.linear_importance`),
    :func:`~csmlib.stats.relative_weights.relative_weights` and
    :func:`~csmlib.stats.dominance.dominance`. Each may be left out; its default (in
    :data:`DRIVER_INPUT_DEFAULTS`) is given in brackets.

    - ``corr`` (None): a correlation or covariance DataFrame holding the outcome and the drivers,
      with the variable names as index and columns, given instead of ``data``.
    - ``weights`` (None): case weights, the name of a column of ``data`` or one value per row; their
      scale is irrelevant, zero or missing weights leave the row out, negative ones raise.
    - ``missing`` ("listwise"): "listwise" drops the rows with a missing outcome, driver or weight
      (with a warning giving the count); "pairwise" builds each correlation from the rows where
      both variables are present (R ``rwa``). Conventions: :mod:`csmlib.stats.drivers`.
    - ``n`` (None): the sample size behind ``corr``, reported in ``attrs["n"]`` (with ``data`` the
      rows used are counted instead).

    Any other keyword raises TypeError, as a misspelt argument of any Python function does
    (:func:`filled_inputs`).
    """

    corr: pd.DataFrame | None
    weights: str | pd.Series | ArrayLike | None
    missing: str
    n: int | None


#: The value of each :class:`DriverInputs` keyword left out of a call.
DRIVER_INPUT_DEFAULTS: Final[Mapping[str, object]] = MappingProxyType(
    {"corr": None, "weights": None, "missing": "listwise", "n": None}
)


def filled_inputs(inputs: Mapping[str, object], caller: str) -> DriverInputs:
    """The :class:`DriverInputs` of a call by ``caller``, every keyword left out filled with its
    default (:data:`DRIVER_INPUT_DEFAULTS`): the one place the defaults are applied. A keyword that
    is not one of them raises TypeError, naming it as Python does for a misspelt argument.

    >>> filled_inputs({"missing": "pairwise"}, "first")
    {'corr': None, 'weights': None, 'missing': 'pairwise', 'n': None}
    >>> filled_inputs({"wieghts": "w"}, "first")
    Traceback (most recent call last):
    ...
    TypeError: first() got an unexpected keyword argument 'wieghts'
    """
    unknown = [name for name in inputs if name not in DriverInputs.__optional_keys__]
    if unknown:
        raise TypeError(f"{caller}() got an unexpected keyword argument {unknown[0]!r}")
    return cast(DriverInputs, {**DRIVER_INPUT_DEFAULTS, **inputs})


# --------------------------------------------------------------------------------------------
# Input validation and the correlation matrix
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DriverData:
    """A checked driver-analysis problem (:func:`prepare_drivers`)."""

    R: np.ndarray  # (p+1, p+1) correlation of [drivers..., outcome]
    drivers: tuple[str, ...]
    outcome: str
    n: int | None
    n_eff: float | None
    missing: str
    X: np.ndarray | None = None  # (n, p+1) rows used, outcome last (listwise only)
    w: np.ndarray | None = None  # (n,) case weights (listwise only)


def driver_names(
    outcome: str | None,
    drivers: str | Sequence[str] | None,
    available: Iterable[str],
    caller: str,
    exclude: Collection[str] = (),
) -> tuple[str, tuple[str, ...]]:
    """(outcome, drivers) checked against the ``available`` column names: the outcome is given and
    present; drivers default to every other column (less ``exclude``), are present, listed once
    and do not include the outcome. ValueError naming the columns otherwise."""
    if outcome is None:
        raise ValueError(f"{caller}: outcome is required (the name of the outcome column)")
    available = list(available)
    if outcome not in available:
        raise ValueError(f"{caller}: outcome column {outcome!r} not found")
    if drivers is None:
        drivers = [c for c in available if c != outcome and c not in exclude]
    drivers = name_list(drivers, "drivers", caller)
    missing = [d for d in drivers if d not in available]
    if missing:
        raise ValueError(f"{caller}: driver column(s) not found: {', '.join(map(str, missing))}")
    dup = sorted({d for d in drivers if drivers.count(d) > 1}, key=str)
    if dup:
        raise ValueError(f"{caller}: driver(s) listed more than once: {', '.join(map(str, dup))}")
    if outcome in drivers:
        raise ValueError(f"{caller}: the outcome {outcome!r} is also listed as a driver")
    return outcome, tuple(drivers)


def driver_weights(
    data: pd.DataFrame, weights: str | pd.Series | ArrayLike | None, caller: str
) -> tuple[np.ndarray | None, str | None]:
    """(weights as a new float array, their label) for ``data``; ``weights`` is a column name or
    one value per row. Zero and missing weights are allowed (those rows are left out); negative
    or infinite ones raise (:func:`csmlib.stats.validate.check_weights`)."""
    if weights is None:
        return None, None
    if isinstance(weights, str):
        if weights not in data.columns:
            raise ValueError(f"{caller}: weights column {weights!r} not found")
        w: ArrayLike = numeric_column(data, weights, caller)
        label = weights
    else:
        w = weights
        label = "weights"
    return check_weights(w, len(data), label, caller=caller, allow_zero=True, allow_missing=True), label


def weighted_corr(X: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Pearson correlation matrix of the columns of X (complete rows), with case weights w."""
    return _cov_to_corr(_weighted_cov(X, w))


def _cov_to_corr(C: np.ndarray) -> np.ndarray:
    s = np.sqrt(np.diag(C))
    R = C / np.outer(s, s)
    np.fill_diagonal(R, 1.0)
    return R


def _weighted_cov(X: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    if w is None:
        Xc = X - X.mean(axis=0)
        return Xc.T @ Xc / (X.shape[0] - 1)
    ws = w / w.sum()
    Xc = X - ws @ X
    return (Xc * ws[:, None]).T @ Xc


def _pairwise_corr(X: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Pearson correlations on pairwise-complete rows (weighted), as R cor(use="pairwise")."""
    M = np.isfinite(X).astype(float)
    X0 = np.where(M > 0, X, 0.0)
    wv = np.ones(X.shape[0]) if w is None else w
    WM = M * wv[:, None]
    W = WM.T @ M  # Σ w over rows where both present
    S = (X0 * wv[:, None]).T @ M  # S[i, j] = Σ w x_i over rows with i and j
    SS = (X0 * X0 * wv[:, None]).T @ M  # SS[i, j] = Σ w x_i² over rows with i and j
    P = (X0 * wv[:, None]).T @ X0  # Σ w x_i x_j
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = P / W - (S / W) * (S.T / W)
        var_i = SS / W - (S / W) ** 2
        R = cov / np.sqrt(var_i * var_i.T)
    np.fill_diagonal(R, 1.0)
    return R


def _collinear_columns(Rxx: np.ndarray, names: tuple[str, ...]) -> list[str]:
    vals, vecs = np.linalg.eigh(Rxx)
    small = vals < COLLINEAR_TOL * max(vals[-1], 1.0)
    if not small.any():
        return []
    load = np.abs(vecs[:, small]).max(axis=1)
    return [names[i] for i in np.flatnonzero(load > 1e-6)]


def prepare_drivers(
    data: pd.DataFrame | None,
    outcome: str | None,
    drivers: str | Sequence[str] | None,
    *,
    caller: str,
    collinear: str = "raise",
    need_rows: bool = False,
    binary: bool = False,
    **inputs: Unpack[DriverInputs],
) -> DriverData:
    """The checked problem of an importance method: ``data`` (rows) or ``corr=`` (a correlation or
    covariance DataFrame with its sample size ``n``), the outcome and drivers (:func:`driver_names`),
    case weights (:func:`driver_weights`), ``missing`` "listwise" (rows kept in ``X``/``w``, with a
    warning giving the number dropped) or "pairwise" (the ``inputs``: :class:`DriverInputs`), and
    ``collinear`` "raise" or "split".
    ``need_rows`` refuses ``corr=``; ``binary`` codes the outcome 0/1 (two distinct values).
    ValueError naming the column(s) for too few rows, constant or collinear drivers (see the module
    docstring of :mod:`csmlib.stats.drivers`)."""
    given = filled_inputs(inputs, caller)
    corr, weights, missing, n = given["corr"], given["weights"], given["missing"], given["n"]
    check_choice(missing, _MISSING, "missing", caller)
    check_choice(collinear, _COLLINEAR, "collinear", caller)
    if (data is None) == (corr is None):
        raise ValueError(f"{caller}: give either data or corr=, not {'both' if data is not None else 'neither'}")
    if corr is not None:
        if need_rows:
            raise ValueError(f"{caller}: needs the data (rows), a correlation matrix is not enough")
        prep = _prepare_corr(corr, outcome, drivers, n=n, caller=caller)
    else:
        prep = _prepare_data(data, outcome, drivers, weights=weights, missing=missing, caller=caller, binary=binary)
    p = len(prep.drivers)
    if prep.n is not None and prep.n < p + 2:
        raise ValueError(f"{caller}: {prep.n} rows for {p} drivers ({', '.join(prep.drivers)}): at least {p + 2} rows are needed")
    if collinear == "raise":
        bad = _collinear_columns(prep.R[:p, :p], prep.drivers)
        if bad:
            raise ValueError(
                f"{caller}: drivers {', '.join(bad)} are perfectly collinear "
                "(one is a linear combination of the others); drop one of them"
            )
    return prep


def _prepare_corr(
    corr: pd.DataFrame,
    outcome: str | None,
    drivers: str | Sequence[str] | None,
    *,
    n: int | None,
    caller: str,
) -> DriverData:
    if not isinstance(corr, pd.DataFrame):
        raise ValueError(f"{caller}: corr must be a DataFrame with the variable names as index and columns")
    if list(corr.index) != list(corr.columns):
        if set(corr.index) != set(corr.columns):
            raise ValueError(f"{caller}: corr must have the same names as index and columns")
        corr = corr.loc[list(corr.columns)]
    outcome, drivers = driver_names(outcome, drivers, corr.columns, caller)
    names = list(drivers) + [outcome]
    try:
        C = np.array(corr.loc[names, names].to_numpy(dtype=float), dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{caller}: corr has non-numeric entries") from exc
    bad = [names[i] for i in range(len(names)) if not np.isfinite(C[i]).all()]
    if bad:
        raise ValueError(f"{caller}: corr has missing or infinite entries in {', '.join(bad)}")
    if not np.allclose(C, C.T, atol=1e-8 * max(1.0, np.abs(C).max())):
        raise ValueError(f"{caller}: corr is not symmetric")
    d = np.diag(C)
    bad = [names[i] for i in np.flatnonzero(d <= 0)]
    if bad:
        raise ValueError(f"{caller}: zero (or negative) variance of {', '.join(bad)} in corr: a constant variable")
    R = _cov_to_corr((C + C.T) / 2)
    off = np.abs(R - np.eye(len(names))).max()
    if off > 1 + 1e-8:
        raise ValueError(f"{caller}: corr has correlations outside [−1, 1]")
    if np.linalg.eigvalsh(R)[0] < -1e-8:
        raise ValueError(f"{caller}: corr is not positive semi-definite")
    if n is not None:
        check_count(n, "n", caller, minimum=1)
        n = int(n)
    return DriverData(R=R, drivers=drivers, outcome=outcome, n=n, n_eff=None, missing="corr")


def _binary_codes(y: np.ndarray, outcome: str, caller: str) -> np.ndarray:
    levels = np.unique(y[np.isfinite(y)])
    if levels.size != 2:
        raise ValueError(f"{caller}: binary outcome {outcome!r} must have exactly two distinct values, found {levels.size}")
    out = np.where(np.isfinite(y), (y == levels[1]).astype(float), np.nan)
    return out


def _prepare_data(
    data: pd.DataFrame,
    outcome: str | None,
    drivers: str | Sequence[str] | None,
    *,
    weights: str | pd.Series | ArrayLike | None,
    missing: str,
    caller: str,
    binary: bool,
) -> DriverData:
    if not isinstance(data, pd.DataFrame):
        data = pd.DataFrame(data)
    w_all, w_label = driver_weights(data, weights, caller)
    exclude = (w_label,) if w_label else ()
    outcome, drivers = driver_names(outcome, drivers, data.columns, caller, exclude=exclude)
    names = list(drivers) + [outcome]
    X = np.column_stack([numeric_column(data, c, caller) for c in names])
    if binary:
        X[:, -1] = _binary_codes(X[:, -1], outcome, caller)
    if w_all is not None:
        keep_w = np.isfinite(w_all)
    else:
        keep_w = np.ones(len(X), dtype=bool)
    if missing == "listwise" or binary:
        keep = np.isfinite(X).all(axis=1) & keep_w
        dropped = int((~keep).sum())
        if dropped:
            warnings.warn(
                f"{caller}: listwise deletion dropped {dropped} of {len(X)} rows with a missing outcome, driver or weight",
                stacklevel=4,
            )
        X = X[keep]
        w = None if w_all is None else w_all[keep]
        mode = "listwise"
    else:
        keep = np.isfinite(X[:, -1]) & keep_w
        X = X[keep]
        w = None if w_all is None else w_all[keep]
        mode = "pairwise"
    if w is not None:
        pos = w > 0
        X, w = X[pos], w[pos]
        if X.shape[0] == 0:
            raise ValueError(f"{caller}: every weight in {w_label!r} is zero or missing")
    n = X.shape[0]
    if n < 2:
        raise ValueError(
            f"{caller}: {n} usable rows for {len(drivers)} drivers "
            f"({', '.join(drivers)}): at least {len(drivers) + 2} rows are needed"
        )
    # constant columns on the rows used
    const = []
    for i, name in enumerate(names):
        v = X[:, i]
        v = v[np.isfinite(v)]
        if v.size == 0 or np.ptp(v) == 0:
            const.append(name)
    if const:
        raise ValueError(f"{caller}: constant column(s) on the rows used: {', '.join(const)}")
    if mode == "listwise":
        R = weighted_corr(X, w)
    else:
        R = _pairwise_corr(X, w)
        bad = [names[i] for i in range(len(names)) if not np.isfinite(R[i]).all()]
        if bad:
            raise ValueError(
                f"{caller}: pairwise correlations undefined for {', '.join(bad)} (too few rows in common, or constant on them)"
            )
        ev = np.linalg.eigvalsh(R)[0]
        if ev < -1e-10:
            raise ValueError(
                f"{caller}: the pairwise correlation matrix is not positive "
                f"semi-definite (smallest eigenvalue {ev:.3g}); use "
                "missing='listwise'"
            )
    n_eff = kish_n_eff(w) if w is not None else float(n)
    return DriverData(
        R=R,
        drivers=drivers,
        outcome=outcome,
        n=n,
        n_eff=n_eff,
        missing=mode,
        X=X if mode == "listwise" else None,
        w=w if mode == "listwise" else None,
    )


def standardized_beta(R: np.ndarray) -> tuple[np.ndarray, float]:
    """(β, R²) of the full model from the correlation matrix R of [drivers…, outcome]:
    β = Rxx⁻¹ r_xy (least squares), R² = r_xyᵀ β."""
    p = R.shape[0] - 1
    Rxx, rxy = R[:p, :p], R[:p, p]
    b = np.linalg.lstsq(Rxx, rxy, rcond=None)[0]
    return b, float(rxy @ b)


def importance_series(values: ArrayLike, prep: DriverData, method: str, r2: float, **extra: object) -> pd.Series:
    """The result of an importance function: ``values`` indexed by driver, named ``method``, with
    the ``attrs`` listed in :mod:`csmlib.stats.drivers` (r2, n, n_eff, missing, outcome, method, beta)."""
    s = pd.Series(np.asarray(values, dtype=float), index=pd.Index(prep.drivers, name="driver"), name=method)
    b, _ = standardized_beta(prep.R)
    s.attrs.update(
        {
            "r2": float(r2),
            "n": prep.n,
            "n_eff": prep.n_eff,
            "missing": prep.missing,
            "outcome": prep.outcome,
            "method": method,
            "beta": {d: float(v) for d, v in zip(prep.drivers, b)},
        }
    )
    s.attrs.update(extra)
    return s


def correlation_importance(prep: DriverData, method: str, metric: Callable[[np.ndarray], np.ndarray]) -> pd.Series:
    """The result of an importance method that needs nothing but the correlation matrix (first,
    last, β², Pratt, Johnson's relative weights): ``metric(prep.R)`` as the shares, reported by
    :func:`importance_series` with the R² of the full model (:func:`standardized_beta`).

    The one home of this step, so that those methods report alike; Shapley and dominance take
    their R² from the all-subsets enumeration instead.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"x": [1, 2, 3, 4, 5.], "z": [2, 1, 4, 3, 5.], "y": [1, 3, 2, 5, 4.]})
    >>> prep = prepare_drivers(df, "y", ["x", "z"], caller="first")
    >>> s = correlation_importance(prep, "first", lambda R: R[:-1, -1] ** 2)
    >>> s.name, round(float(s["x"]), 2), round(s.attrs["r2"], 4)
    ('first', 0.64, 0.9611)
    """
    _, r2 = standardized_beta(prep.R)
    return importance_series(metric(prep.R), prep, method, r2)


def driver_count(
    data: pd.DataFrame | None,
    corr: pd.DataFrame | None,
    outcome: str | None,
    drivers: str | Sequence[str] | None,
    weights: str | pd.Series | ArrayLike | None,
) -> int | None:
    """Number of drivers an importance call will use, before any check (None when unknown): a
    cheap guard against an all-subsets computation that would take too long."""
    if drivers is not None:
        return 1 if isinstance(drivers, str) else len(list(drivers))
    cols = corr.columns if corr is not None else getattr(data, "columns", None)
    if cols is None:
        return None
    return len([c for c in cols if c != outcome and c != weights])


def check_subset_count(
    data: pd.DataFrame | None,
    outcome: str | None,
    drivers: str | Sequence[str] | None,
    *,
    limit: int,
    caller: str,
    **inputs: Unpack[DriverInputs],
) -> None:
    """Refuse, before any work, an all-subsets method (Shapley, dominance) over more than
    ``limit`` drivers: it fits 2^p models, so one driver more doubles the time. ``inputs``:
    :class:`DriverInputs` (``corr`` and ``weights`` tell which columns are drivers).

    >>> import pandas as pd
    >>> check_subset_count(pd.DataFrame(columns=["a", "b", "c", "y"]), "y", None, limit=2, caller="shapley")
    Traceback (most recent call last):
    ...
    ValueError: shapley: 3 drivers exceed max_drivers=2 (all-subsets methods fit 2^3 models); use relative_weights(), which gives nearly the same shares for any number of drivers, or raise max_drivers
    """
    given = filled_inputs(inputs, caller)
    p = driver_count(data, given["corr"], outcome, drivers, given["weights"])
    if p is not None and p > limit:
        raise ValueError(
            f"{caller}: {p} drivers exceed max_drivers={limit} (all-subsets methods fit 2^{p} models); "
            "use relative_weights(), which gives nearly the same shares for any number of drivers, or raise max_drivers"
        )
