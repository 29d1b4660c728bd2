"""Answer checks and the vectorized estimator cores shared by the satisfaction indicators.

The estimators (:mod:`csmlib.stats.estimators`), the CSI (:mod:`csmlib.stats.csi`), the segment
breakdown and loyalty segments (:mod:`csmlib.stats.segments`) and the comparisons
(:mod:`csmlib.stats.comparisons`) read their answers and weights through these helpers and compute
a mean, a share or an NPS per group with one pass of ``np.bincount``. Conventions (valid n, scale
checks, weights, SEs): the module docstring of :mod:`csmlib.stats.indicators` and the method note
``indicators.md``.

>>> import numpy as np
>>> r = mean_by_group(np.array([4.0, 5.0, np.nan, 2.0]), None, np.array([0, 0, 0, 1]), 2, 0.95)
>>> r["n"].tolist(), r["estimate"].tolist()
([2.0, 1.0], [4.5, 2.0])
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from csmlib.stats.inference import proportion_interval, z_critical
from csmlib.stats.validate import check_weights, weight_column

__all__ = [
    "GROUP_METRICS",
    "column_name",
    "answer_values",
    "aligned_weights",
    "weights_argument",
    "prepare_answers",
    "check_answer_range",
    "scale_pair",
    "GroupSums",
    "mean_by_group",
    "share_by_group",
    "nps_by_group",
]

#: Metrics computed per group by the breakdown and compared between waves.
GROUP_METRICS = ("mean", "top_box", "nps")


# --------------------------------------------------------------------------------------------
# Input handling
# --------------------------------------------------------------------------------------------


def column_name(x: object, default: str = "x") -> str:
    """The ``name`` of a Series (``default`` for unnamed data), as used in error messages."""
    name = getattr(x, "name", None)
    return default if name is None else str(name)


def answer_values(x: pd.Series | pd.DataFrame | ArrayLike, caller: str, name: str) -> np.ndarray:
    """A float64 array of the answers (NaN = missing; never written into, it may be a view of the
    caller's data); ValueError naming the column."""
    if isinstance(x, pd.DataFrame):
        if x.shape[1] != 1:
            raise ValueError(f"{caller}: expected one column, got a DataFrame with {x.shape[1]} columns")
        x = x.iloc[:, 0]
    if isinstance(x, (pd.Series, pd.Index)):
        dt = x.dtype
        if isinstance(dt, np.dtype) and dt.kind == "f":
            return np.asarray(x.to_numpy(), dtype=float)  # a view: never written into
        if pd.api.types.is_bool_dtype(dt) or pd.api.types.is_numeric_dtype(dt):
            return np.asarray(x.to_numpy(dtype=float, na_value=np.nan), dtype=float)
        obj = x
    else:
        arr = np.asarray(x)
        if arr.ndim != 1:
            arr = arr.ravel() if arr.ndim == 2 and 1 in arr.shape else arr
        if arr.ndim != 1:
            raise ValueError(f"{caller}: '{name}' must be one-dimensional")
        if arr.dtype.kind in "biuf":
            return np.array(arr, dtype=float)
        obj = pd.Series(arr, dtype=object)
    try:
        return np.array(pd.to_numeric(obj, errors="raise").to_numpy(dtype=float, na_value=np.nan), dtype=float)
    except (ValueError, TypeError):
        raise ValueError(f"{caller}: column '{name}' is not numeric (dtype {obj.dtype})") from None


def aligned_weights(x: pd.Series | ArrayLike, weights: pd.Series | ArrayLike | None, n: int, caller: str) -> np.ndarray | None:
    """Weights aligned with ``x`` (by index when both are Series), validated."""
    if weights is None:
        return None
    wname = column_name(weights, "weights")
    if isinstance(x, pd.Series) and isinstance(weights, pd.Series) and not x.index.equals(weights.index):
        if weights.index.is_unique and x.index.isin(weights.index).all():
            weights = weights.reindex(x.index)
        else:
            raise ValueError(f"{caller}: the index of weight column '{wname}' does not match the index of '{column_name(x)}'")
    return check_weights(weights, n, name=wname)


def prepare_answers(
    x: pd.Series | ArrayLike,
    weights: pd.Series | ArrayLike | None,
    caller: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    integer: bool = False,
) -> tuple[np.ndarray, np.ndarray | None, str]:
    """(values, weights, name): values float with NaN, validated against [lo, hi] (ValueError
    naming the column when out of range or all missing); weights validated (None if not given)."""
    name = column_name(x)
    v = answer_values(x, caller, name)
    w = aligned_weights(x, weights, v.size, caller)
    check_answer_range(v, lo, hi, name, caller, integer=integer)
    return v, w, name


def check_answer_range(
    v: np.ndarray, lo: float | None, hi: float | None, name: str, caller: str, *, integer: bool = False
) -> None:
    """ValueError naming the column when it has no valid answer or one outside [lo, hi]."""
    vmin = float(np.fmin.reduce(v)) if v.size else math.nan  # NaN-ignoring
    if math.isnan(vmin):
        raise ValueError(f"{caller}: column '{name}' has no valid (non-missing) answers")
    vmax = float(np.fmax.reduce(v))
    if math.isinf(vmin) or math.isinf(vmax):
        raise ValueError(f"{caller}: column '{name}' contains infinite values")
    bad = []
    if lo is not None and vmin < lo:
        bad.append(f"{int(np.sum(v < lo))} below {lo:g} (min {vmin:g})")
    if hi is not None and vmax > hi:
        bad.append(f"{int(np.sum(v > hi))} above {hi:g} (max {vmax:g})")
    if bad:
        scale = f"{'' if lo is None else f'{lo:g}'}–{'' if hi is None else f'{hi:g}'}"
        raise ValueError(f"{caller}: column '{name}' has answers outside the scale {scale}: " + "; ".join(bad))
    if integer:
        frac = np.fmod(v, 1.0)  # NaN stays NaN
        if np.any(frac != 0) and np.nanmax(np.abs(frac)) > 0:
            example = v[np.abs(frac) > 0][0]
            raise ValueError(f"{caller}: column '{name}' has non-integer answers (e.g. {example:g})")


def scale_pair(scale: Iterable[float], caller: str, what: str = "scale") -> tuple[float, float]:
    """A declared scale (min, max) as two floats; ValueError unless it is a pair with min < max."""
    try:
        lo, hi = (float(s) for s in scale)
    except (TypeError, ValueError):
        raise ValueError(f"{caller}: {what} must be a pair (min, max), not {scale!r}") from None
    if not lo < hi:
        raise ValueError(f"{caller}: {what} must have min < max, not {scale!r}")
    return lo, hi


def weights_argument(
    data: pd.DataFrame, weights: str | pd.Series | ArrayLike | None, caller: str, what: str = "weights"
) -> pd.Series | ArrayLike | None:
    """The ``weights`` argument of a table function: the column of ``data`` it names (a str), a
    Series as given, or one value per row as a Series on ``data.index`` named ``what``
    (validate it with :func:`aligned_weights`)."""
    if isinstance(weights, str):
        return weight_column(data, weights, caller)
    if weights is None or isinstance(weights, pd.Series):
        return weights
    return pd.Series(np.asarray(weights), index=data.index, name=what)


# --------------------------------------------------------------------------------------------
# Vectorized cores over groups (codes: group of each row 0…G−1, G = left out)
# --------------------------------------------------------------------------------------------


class GroupSums:
    """Sums over the valid (non-missing, grouped) answers, per group.

    Ungrouped (``codes`` None): the valid answers (and their weights) are compacted once into
    ``self.v``/``self.w`` and reduced with plain sums. Grouped: ``self.v``/``self.w`` are the full
    columns; rows that are missing or have code −1 go to an extra bin G of ``np.bincount`` that
    is dropped (their NaN never reaches a kept bin). ``codes`` are 0…G−1, or G for rows left
    out (missing segment).
    """

    def __init__(self, v: np.ndarray, w: np.ndarray | None, codes: np.ndarray | None, G: int):
        valid = ~np.isnan(v)
        self.G = G
        if codes is None:
            self.c = None
            if valid.all():
                self.v, self.w = v, w
            else:
                self.v = v[valid]
                self.w = None if w is None else w[valid]
            self.n = np.array([float(self.v.size)])
        else:
            self.v, self.w = v, w
            self.c = np.where(valid, codes, G)  # codes: 0..G−1, or G = left out
            self.n = np.bincount(self.c, minlength=G + 1)[:G].astype(float)
        if self.w is None:
            self.sw = self.sw2 = self.n
        else:
            self.sw = self.sum(self.w)
            self.sw2 = self.sum(self.w * self.w)

    def sum(self, vals: np.ndarray) -> np.ndarray:
        if self.c is None:
            return np.array([float(np.sum(vals))])
        return np.bincount(self.c, weights=vals, minlength=self.G + 1)[: self.G]

    def share(self, ind: np.ndarray) -> np.ndarray:
        """Weighted share of a boolean indicator (computed on ``self.v``) per group."""
        vals = ind.astype(float) if self.w is None else np.where(ind, self.w, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.sum(vals) / self.sw

    def expand(self, per_group: np.ndarray) -> np.ndarray | float:
        """A per-group value broadcast back to the rows (a scalar when ungrouped)."""
        if self.c is None:
            return per_group[0]
        return np.append(per_group, 0.0)[self.c]

    @property
    def n_eff(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.sw * self.sw / self.sw2


def mean_by_group(v: np.ndarray, w: np.ndarray | None, codes: np.ndarray | None, G: int, level: float) -> dict[str, np.ndarray]:
    """Mean, linearized SE (s/√n unweighted) and t interval per group."""
    acc = GroupSums(v, w, codes, G)
    n, sw, x, wx = acc.n, acc.sw, acc.v, acc.w
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = acc.sum(x if wx is None else wx * x) / sw
        dev = x - acc.expand(mean)
        dev *= dev
        ss = acc.sum(dev if wx is None else (wx * wx) * dev)
        se = np.where(n >= 2, np.sqrt(n / (n - 1) * ss) / sw, np.nan)
        tcrit = stats.t.ppf(0.5 + level / 2, np.where(n >= 2, n - 1, np.nan))
        n_eff = acc.n_eff
    return {
        "n": n,
        "n_eff": n_eff,
        "deff": n / n_eff,
        "estimate": mean,
        "se": se,
        "ci_low": mean - tcrit * se,
        "ci_high": mean + tcrit * se,
    }


def share_by_group(
    v: np.ndarray,
    w: np.ndarray | None,
    codes: np.ndarray | None,
    G: int,
    level: float,
    ci: str,
    *,
    at_least: float | None = None,
    at_most: float | None = None,
) -> dict[str, np.ndarray]:
    """Share of the valid answers ≥ ``at_least`` (or ≤ ``at_most``) per group, with interval."""
    acc = GroupSums(v, w, codes, G)
    p = acc.share(acc.v >= at_least if at_least is not None else acc.v <= at_most)
    n_eff = acc.n_eff
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(p * (1 - p) / n_eff)
    lo, hi = proportion_interval(p, n_eff, z_critical(level), ci)
    return {"n": acc.n, "n_eff": n_eff, "deff": acc.n / n_eff, "estimate": p, "se": se, "ci_low": lo, "ci_high": hi}


def _nps_parts(
    p: np.ndarray, d: np.ndarray, m: np.ndarray, z: float, ci: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """NPS (points), plug-in SE and the Wald / adjusted-Wald interval; arrays."""
    with np.errstate(invalid="ignore", divide="ignore"):
        score = 100 * (p - d)
        se = 100 * np.sqrt(np.clip(p + d - (p - d) ** 2, 0, None) / m)
        if ci == "wald":
            lo, hi = score - z * se, score + z * se
        else:  # adjusted Wald (Rocks 2016; MeasuringU operationalization)
            m2 = m + 3
            pa = (p * m + 0.75) / m2
            da = (d * m + 0.75) / m2
            adj = pa - da
            se_a = np.sqrt((pa + da - adj**2) / m2)
            lo, hi = 100 * (adj - z * se_a), 100 * (adj + z * se_a)
    return score, se, np.clip(lo, -100, 100), np.clip(hi, -100, 100)


def nps_by_group(
    v: np.ndarray, w: np.ndarray | None, codes: np.ndarray | None, G: int, level: float, ci: str
) -> dict[str, np.ndarray]:
    """NPS (points) per group with its plug-in SE, the Wald or adjusted-Wald interval
    (``ci="bootstrap"`` gives the adjusted Wald here) and the promoter and detractor shares."""
    acc = GroupSums(v, w, codes, G)
    p = acc.share(acc.v >= 9)
    d = acc.share(acc.v <= 6)
    n_eff = acc.n_eff
    score, se, lo, hi = _nps_parts(p, d, n_eff, z_critical(level), "adjusted_wald" if ci == "bootstrap" else ci)
    return {
        "n": acc.n,
        "n_eff": n_eff,
        "deff": acc.n / n_eff,
        "estimate": score,
        "se": se,
        "ci_low": lo,
        "ci_high": hi,
        "promoters": p,
        "detractors": d,
    }
