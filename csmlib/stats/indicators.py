"""Satisfaction indicators with honest uncertainty: means, box scores, NPS, CES, a 0–100 index,
wave-over-wave tests, segment breakdowns, planning helpers and loyalty segments.

Every estimator accepts optional survey weights and returns a small frozen result stating the
estimate, its ``se``, the interval (``ci_low``, ``ci_high``, ``level``, ``ci_method``), the valid
``n`` and the Kish effective ``n_eff`` (= n without weights). Formulas: method note
``indicators.md``; weighting helpers and raking: :mod:`csmlib.stats.weighting` (``rake`` is re-exported).

Conventions
-----------
- Valid n: missing values (NaN) are excluded per indicator. Non-substantive codes ("don't know",
  "N/A") must be set to NaN before (the data layer does this from the codebook).
- Scales are validated: a value outside the declared scale raises ``ValueError`` naming the column;
  an all-missing column raises ``ValueError`` naming it; zero, negative or missing weights raise
  ``ValueError`` naming the weight column. Table functions (:func:`compare_table`) turn a per-item
  failure into a row of NaN with the reason in ``note`` and a warning.
- Proportions (top/bottom box, shares) are on 0–1; NPS is in points (−100…100); the CSI on 0–100.
- Critical values: Student t with n − 1 df for means (and the CSI), the normal z for proportions
  and NPS.
- Means: SE = s/√n (s with divisor n − 1). Weighted: the linearized SE
  sqrt(n/(n−1)·Σw²(y − ȳ_w)²)/Σw (R survey ``svymean``; equal weights give s/√n exactly).
- Proportions and NPS: plug-in variances (divisor n). Weighted: the weighted shares with the Kish
  effective n in place of n (method note §9 "quick SE"; weights of 1 give the unweighted answer
  exactly). The Wilson and adjusted-Wald intervals use n_eff likewise.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from csmlib.stats.drivers import johnson_weights, weighted_corr
from csmlib.stats.validate import check_choice, check_level, weight_column
from csmlib.stats.weighting import RakeResult, check_weights, design_effect, kish_n_eff, rake

__all__ = [
    "Estimate",
    "NPSResult",
    "CSIResult",
    "Comparison",
    "RakeResult",
    "mean_score",
    "top_box",
    "bottom_box",
    "nps",
    "ces",
    "ces_agree",
    "csi",
    "relative_weights",
    "compare",
    "compare_table",
    "adjust_pvalues",
    "breakdown",
    "wilson_interval",
    "margin_of_error",
    "sample_size",
    "nps_sample_size",
    "loyalty_segments",
    "loyalty_segment_of",
    "rake",
    "kish_n_eff",
    "design_effect",
    "check_weights",
    "LOYALTY_SEGMENTS",
]

_PROP_CI = ("wilson", "wald", "agresti_coull", "clopper_pearson")
_NPS_CI = ("adjusted_wald", "wald", "bootstrap")
_METRICS = ("mean", "top_box", "nps")
_ADJUST = ("holm", "fdr_bh", "bonferroni", "none")
LOYALTY_SEGMENTS = ("loyal", "mercenary", "hostage", "at risk")


# --------------------------------------------------------------------------------------------
# Result objects
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """One indicator with its uncertainty."""

    metric: str  # "mean" | "top_box" | "bottom_box" | "ces" | "ces_agree"
    estimate: float  # a mean on the item's scale, or a proportion on 0–1
    se: float
    ci_low: float
    ci_high: float
    n: int  # valid (non-missing) answers
    n_eff: float  # Kish effective n (= n without weights)
    deff: float  # design effect of the weights n/n_eff (1 without weights)
    level: float
    ci_method: str  # "t" | "wilson" | "wald" | "agresti_coull" | "clopper_pearson"


@dataclass(frozen=True)
class NPSResult:
    """Net Promoter Score in points (−100…100) with its shares and interval."""

    nps: float  # 100·(promoters − detractors), the raw (unadjusted) estimate
    promoters: float  # share 9–10 (0–1)
    passives: float  # share 7–8
    detractors: float  # share 0–6
    se: float  # 100·sqrt((p + d − (p − d)²)/n), plug-in; n_eff when weighted
    ci_low: float
    ci_high: float
    n: int
    n_eff: float
    level: float
    ci_method: str  # "adjusted_wald" | "wald" | "bootstrap"
    deff: float = 1.0
    n_boot: int = 0  # bootstrap replicates (ci_method="bootstrap" only)

    @property
    def estimate(self) -> float:
        return self.nps


@dataclass(frozen=True)
class CSIResult:
    """ACSI-style 0–100 satisfaction index."""

    estimate: float  # 0–100
    se: float
    ci_low: float
    ci_high: float
    n: int  # complete cases on the items
    n_eff: float
    item_weights: pd.Series  # normalized importance weights (sum 1), indexed by item
    level: float = 0.95
    ci_method: str = "t"
    importance: str = "equal"  # "equal" | "stated" | "derived"
    deff: float = 1.0


@dataclass(frozen=True)
class Comparison:
    """Difference a − b between two independent groups or waves, with its test."""

    metric: str
    estimate_a: float
    estimate_b: float
    difference: float  # a − b (NPS in points, box scores as proportions)
    ci_low: float
    ci_high: float
    statistic: float  # t or z
    p_value: float  # two-sided
    test: str  # "welch_t" | "two_proportion_z" | "nps_z"
    se: float = math.nan  # SE of the difference (pooled SE for the proportion z test)
    df: float = math.nan  # Welch–Satterthwaite df (means only)
    n_a: int = 0
    n_b: int = 0
    level: float = 0.95
    ci_method: str = ""  # "welch_t" | "newcombe" | "wald"


# --------------------------------------------------------------------------------------------
# Input handling
# --------------------------------------------------------------------------------------------


def _zcrit(level: float) -> float:
    return float(stats.norm.ppf(0.5 + level / 2))


def _name_of(x, default: str = "x") -> str:
    name = getattr(x, "name", None)
    return default if name is None else str(name)


def _values(x, caller: str, name: str) -> np.ndarray:
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


def _weights_for(x, weights, n: int, caller: str) -> np.ndarray | None:
    """Weights aligned with ``x`` (by index when both are Series), validated."""
    if weights is None:
        return None
    wname = _name_of(weights, "weights")
    if isinstance(x, pd.Series) and isinstance(weights, pd.Series) and not x.index.equals(weights.index):
        if weights.index.is_unique and x.index.isin(weights.index).all():
            weights = weights.reindex(x.index)
        else:
            raise ValueError(f"{caller}: the index of weight column '{wname}' does not match the index of '{_name_of(x)}'")
    return check_weights(weights, n, name=wname)


def _prepare(x, weights, caller: str, *, lo=None, hi=None, integer: bool = False):
    """(values, weights, name): values float with NaN, validated against [lo, hi] (ValueError
    naming the column when out of range or all missing); weights validated (None if not given)."""
    name = _name_of(x)
    v = _values(x, caller, name)
    w = _weights_for(x, weights, v.size, caller)
    _check_range(v, lo, hi, name, caller, integer=integer)
    return v, w, name


def _check_range(v: np.ndarray, lo, hi, name: str, caller: str, *, integer: bool = False) -> None:
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


def _scale_pair(scale, caller: str, what: str = "scale") -> tuple[float, float]:
    try:
        lo, hi = (float(s) for s in scale)
    except (TypeError, ValueError):
        raise ValueError(f"{caller}: {what} must be a pair (min, max), not {scale!r}") from None
    if not lo < hi:
        raise ValueError(f"{caller}: {what} must have min < max, not {scale!r}")
    return lo, hi


# --------------------------------------------------------------------------------------------
# Vectorized cores over groups (codes: group of each row 0…G−1, G = left out)
# --------------------------------------------------------------------------------------------


class _Acc:
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

    def expand(self, per_group: np.ndarray):
        """A per-group value broadcast back to the rows (a scalar when ungrouped)."""
        if self.c is None:
            return per_group[0]
        return np.append(per_group, 0.0)[self.c]

    @property
    def n_eff(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.sw * self.sw / self.sw2


def _mean_core(v, w, codes, G: int, level: float) -> dict:
    """Mean, linearized SE (s/√n unweighted) and t interval per group."""
    acc = _Acc(v, w, codes, G)
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


def wilson_interval(p, n, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion ``p`` observed on ``n`` (arrays in, arrays out).

    centre = (p + z²/(2n))/(1 + z²/n), half-width = z/(1 + z²/n)·sqrt(p(1−p)/n + z²/(4n²)); with
    weights, pass the Kish n_eff as ``n``. NaN where n = 0. Wilson (1927) *JASA* 22:209–212.

    >>> lo, hi = wilson_interval(0.5, 100, 1.959963984540054)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.4038, 0.5962)
    """
    p = np.asarray(p, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        z2 = z * z
        denom = 1 + z2 / n
        centre = (p + z2 / (2 * n)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return centre - half, centre + half


def _prop_interval(p, m, z: float, method: str):
    """Interval of a proportion p on (effective) n m; arrays in, arrays out."""
    check_choice(method, _PROP_CI, "ci")
    p = np.asarray(p, dtype=float)
    m = np.asarray(m, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "wilson":
            lo, hi = wilson_interval(p, m, z)
        elif method == "wald":
            half = z * np.sqrt(p * (1 - p) / m)
            lo, hi = p - half, p + half
        elif method == "agresti_coull":
            mt = m + z * z
            pt = (p * m + z * z / 2) / mt
            half = z * np.sqrt(pt * (1 - pt) / mt)
            lo, hi = pt - half, pt + half
        else:  # clopper_pearson
            x = p * m
            alpha = 2 * stats.norm.sf(z)
            lo = np.where(x > 0, stats.beta.ppf(alpha / 2, x, m - x + 1), 0.0)
            hi = np.where(x < m, stats.beta.ppf(1 - alpha / 2, x + 1, m - x), 1.0)
    return np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)


def _prop_core(v, w, codes, G: int, level: float, ci: str, *, at_least=None, at_most=None) -> dict:
    """Share of the valid answers ≥ ``at_least`` (or ≤ ``at_most``) per group, with interval."""
    acc = _Acc(v, w, codes, G)
    p = acc.share(acc.v >= at_least if at_least is not None else acc.v <= at_most)
    n_eff = acc.n_eff
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(p * (1 - p) / n_eff)
    lo, hi = _prop_interval(p, n_eff, _zcrit(level), ci)
    return {"n": acc.n, "n_eff": n_eff, "deff": acc.n / n_eff, "estimate": p, "se": se, "ci_low": lo, "ci_high": hi}


def _nps_parts(p, d, m, z: float, ci: str):
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


def _nps_core(v, w, codes, G: int, level: float, ci: str) -> dict:
    acc = _Acc(v, w, codes, G)
    p = acc.share(acc.v >= 9)
    d = acc.share(acc.v <= 6)
    n_eff = acc.n_eff
    score, se, lo, hi = _nps_parts(p, d, n_eff, _zcrit(level), "adjusted_wald" if ci == "bootstrap" else ci)
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


def _warn_small(n: float, caller: str, name: str) -> None:
    if n < 2:
        warnings.warn(
            f"{caller}: column '{name}' has only {int(n)} valid answer; the standard "
            "error and the interval are NaN (at least 2 answers are needed)",
            stacklevel=3,
        )


def _estimate(metric: str, r: dict, level: float, ci_method: str) -> Estimate:
    return Estimate(
        metric=metric,
        estimate=float(r["estimate"][0]),
        se=float(r["se"][0]),
        ci_low=float(r["ci_low"][0]),
        ci_high=float(r["ci_high"][0]),
        n=int(r["n"][0]),
        n_eff=float(r["n_eff"][0]),
        deff=float(r["deff"][0]),
        level=level,
        ci_method=ci_method,
    )


# --------------------------------------------------------------------------------------------
# Mean score, box scores
# --------------------------------------------------------------------------------------------


def mean_score(x, *, weights=None, level: float = 0.95, scale=None) -> Estimate:
    """Mean score with a Student-t confidence interval.

    x̄ = Σx/n; SE = s/√n (s with divisor n − 1); CI = x̄ ± t_{n−1, 1−α/2}·SE. With weights:
    x̄_w = Σw·x/Σw and the linearized SE sqrt(n/(n−1)·Σw²(x − x̄_w)²)/Σw (R survey ``svymean``),
    same t quantile; weights of 1 give the unweighted result exactly.

    Parameters
    ----------
    x : Series or array-like
        Answers (NaN = missing).
    weights : array-like, optional
        Survey weights (strictly positive), one per row of ``x``.
    level : float
        Confidence level.
    scale : (min, max), optional
        Declared scale; answers outside it raise ``ValueError``.

    References: Welch (1947); Lumley (2004) *JSS* 9(1).

    Examples
    --------
    >>> from csmlib.stats.indicators import mean_score
    >>> r = mean_score([4, 5, 3, 4, 2])
    >>> round(r.estimate, 2), round(r.se, 4), round(r.ci_low, 3), r.n
    (3.6, 0.5099, 2.184, 5)
    """
    caller = "mean_score"
    check_level(level, caller)
    lo, hi = (None, None) if scale is None else _scale_pair(scale, caller)
    v, w, name = _prepare(x, weights, caller, lo=lo, hi=hi)
    r = _mean_core(v, w, None, 1, level)
    _warn_small(r["n"][0], caller, name)
    return _estimate("mean", r, level, "t")


def _box(x, weights, level, ci, *, top: bool, scale_min, scale_max, boxes, caller):
    check_level(level, caller)
    check_choice(ci, _PROP_CI, "ci", caller)
    if not (isinstance(boxes, (int, np.integer)) and boxes >= 1):
        raise ValueError(f"{caller}: boxes must be a positive integer, not {boxes!r}")
    if scale_min is not None and scale_max is not None:
        if not scale_min < scale_max:
            raise ValueError(f"{caller}: scale_min must be below scale_max")
        if boxes > scale_max - scale_min:
            raise ValueError(f"{caller}: {boxes} boxes cover the whole {scale_min:g}–{scale_max:g} scale")
    v, w, name = _prepare(x, weights, caller, lo=scale_min, hi=scale_max)
    if top:
        r = _prop_core(v, w, None, 1, level, ci, at_least=scale_max - boxes + 1)
    else:
        r = _prop_core(v, w, None, 1, level, ci, at_most=scale_min + boxes - 1)
    return _estimate("top_box" if top else "bottom_box", r, level, ci)


def top_box(x, *, scale_max, boxes: int = 2, weights=None, level: float = 0.95, ci: str = "wilson", scale_min=None) -> Estimate:
    """Top-k-box share p̂ = #(x ≥ scale_max − k + 1)/n (a proportion 0–1) with a Wilson interval.

    CSAT = 100 × the top-2-box share of the 1–5 satisfaction item. Wilson score interval:
    centre = (p̂ + z²/(2n))/(1 + z²/n), half-width = z/(1 + z²/n)·sqrt(p̂(1−p̂)/n + z²/(4n²)).
    SE = sqrt(p̂(1−p̂)/n). With weights: p̂_w = Σw·[top]/Σw and n replaced by the Kish n_eff in the
    SE and the interval. ``ci`` also offers "wald", "agresti_coull" and "clopper_pearson".

    Parameters
    ----------
    x : Series or array-like
        Answers (NaN = missing); values above ``scale_max`` (or below ``scale_min`` when given)
        raise ``ValueError``.
    scale_max : number
        Top of the scale.
    boxes : int
        Number of top categories counted (2 = top-2-box).

    References: Wilson (1927) *JASA* 22:209–212; statsmodels ``proportion_confint``.

    Examples
    --------
    >>> from csmlib.stats.indicators import top_box
    >>> r = top_box([5, 4, 3, 5, 2, 4, 1, 5, 4, 3], scale_max=5)
    >>> r.estimate, round(r.ci_low, 4), round(r.ci_high, 4)
    (0.6, 0.3127, 0.8318)
    """
    return _box(x, weights, level, ci, top=True, scale_min=scale_min, scale_max=scale_max, boxes=boxes, caller="top_box")


def bottom_box(
    x, *, scale_min, boxes: int = 2, weights=None, level: float = 0.95, ci: str = "wilson", scale_max=None
) -> Estimate:
    """Bottom-k-box share p̂ = #(x ≤ scale_min + k − 1)/n (0–1) with a Wilson interval.

    Same conventions as :func:`top_box` (Kish n_eff when weighted).

    Examples
    --------
    >>> from csmlib.stats.indicators import bottom_box
    >>> r = bottom_box([5, 4, 3, 5, 2, 4, 1, 5, 4, 3], scale_min=1)
    >>> r.estimate, r.n
    (0.2, 10)
    """
    return _box(x, weights, level, ci, top=False, scale_min=scale_min, scale_max=scale_max, boxes=boxes, caller="bottom_box")


# --------------------------------------------------------------------------------------------
# NPS
# --------------------------------------------------------------------------------------------


def nps(
    scores, *, weights=None, ci: str = "adjusted_wald", level: float = 0.95, n_boot: int = 2000, seed: int | None = None
) -> NPSResult:
    """Net Promoter Score (Reichheld 2003) in points with its SE and interval.

    Promoters 9–10, passives 7–8, detractors 0–6 among the n valid answers on 0–10 (non-integer
    or out-of-range scores raise ``ValueError``). p = P/n, d = D/n, NPS = 100·(p − d);
    SE = 100·sqrt((p + d − (p − d)²)/n) — the plug-in SD of the +1/0/−1 codes over √n (the sample-SD
    version is larger by sqrt(n/(n−1))).

    Intervals (``ci``):

    - "adjusted_wald" (default; Rocks 2016, MeasuringU operationalization): n' = n + 3,
      p' = (P + 0.75)/n', d' = (D + 0.75)/n', CI = 100·(p' − d' ± z·sqrt((p' + d' − (p' − d')²)/n'))
      — centred on the adjusted NPS'; the point estimate stays the raw NPS;
    - "wald": NPS ± z·SE;
    - "bootstrap": percentile interval over ``n_boot`` resamples of the respondents (seeded).

    All intervals are clipped to [−100, 100]. With weights: p and d are weighted shares and n is
    replaced by the Kish n_eff (P = p·n_eff, D = d·n_eff in the adjusted Wald); the bootstrap
    resamples respondents with their weights (O(n·n_boot) time; the unweighted bootstrap draws
    multinomial counts and costs nothing). ``se`` is always the analytic SE.

    References: Reichheld (2003) *HBR* 81(12):46–54; Rocks (2016) *Am. Stat.* 70(4):365–372;
    Lewis & Sauro (2021) MeasuringU.

    Examples
    --------
    >>> from csmlib.stats.indicators import nps
    >>> r = nps([10, 9, 9, 8, 7, 6, 3, 10, 9, 5])
    >>> r.nps, r.promoters, r.detractors, round(r.se, 2)
    (20.0, 0.5, 0.3, 27.57)
    """
    caller = "nps"
    check_level(level, caller)
    check_choice(ci, _NPS_CI, "ci", caller)
    v, w, name = _prepare(scores, weights, caller, lo=0, hi=10, integer=True)
    r = _nps_core(v, w, None, 1, level, ci)
    lo, hi = float(r["ci_low"][0]), float(r["ci_high"][0])
    nb = 0
    if ci == "bootstrap":
        if not (isinstance(n_boot, (int, np.integer)) and n_boot >= 100):
            raise ValueError(f"{caller}: n_boot must be an integer ≥ 100, not {n_boot!r}")
        boot = _nps_bootstrap(v, w, n_boot, seed)
        lo, hi = (float(q) for q in np.quantile(boot, [(1 - level) / 2, (1 + level) / 2]))
        nb = int(n_boot)
    if r["n"][0] < 2:
        warnings.warn(f"{caller}: column '{name}' has only 1 valid answer; the NPS interval is not informative", stacklevel=2)
    p, d = float(r["promoters"][0]), float(r["detractors"][0])
    return NPSResult(
        nps=float(r["estimate"][0]),
        promoters=p,
        passives=float(1 - p - d),
        detractors=d,
        se=float(r["se"][0]),
        ci_low=lo,
        ci_high=hi,
        n=int(r["n"][0]),
        n_eff=float(r["n_eff"][0]),
        level=level,
        ci_method=ci,
        deff=float(r["deff"][0]),
        n_boot=nb,
    )


def _nps_bootstrap(v: np.ndarray, w: np.ndarray | None, n_boot: int, seed) -> np.ndarray:
    """NPS over bootstrap resamples of the valid respondents."""
    rng = np.random.default_rng(seed)
    valid = ~np.isnan(v)
    x = v[valid]
    code = (x >= 9).astype(float) - (x <= 6)
    n = x.size
    if w is None:  # counts of the three codes are multinomial
        probs = np.array([np.mean(code == 1), np.mean(code == 0), np.mean(code == -1)])
        counts = rng.multinomial(n, probs / probs.sum(), size=n_boot)
        return 100.0 * (counts[:, 0] - counts[:, 2]) / n
    wv = w[valid]
    out = np.empty(n_boot)
    wc = wv * code
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        out[b] = 100.0 * wc[idx].sum() / wv[idx].sum()
    return out


def nps_sample_size(
    moe_points: float, *, promoters: float = 0.5, detractors: float = 0.5, level: float = 0.95, deff: float = 1.0
) -> int:
    """Respondents needed for an NPS margin of error of ``moe_points`` (in NPS points).

    n = deff·z²·(p + d − (p − d)²)/E² with E = moe_points/100; the worst case p = d = 0.5 gives
    z²/E² (method note §4).

    Examples
    --------
    >>> from csmlib.stats.indicators import nps_sample_size
    >>> nps_sample_size(10)          # ±10 points, worst case
    385
    """
    check_level(level, "nps_sample_size")
    if not moe_points > 0:
        raise ValueError("nps_sample_size: moe_points must be positive")
    if not (0 <= promoters <= 1 and 0 <= detractors <= 1 and promoters + detractors <= 1):
        raise ValueError("nps_sample_size: promoters and detractors must be shares summing ≤ 1")
    if not deff >= 1:
        raise ValueError("nps_sample_size: deff must be ≥ 1")
    z = _zcrit(level)
    e = moe_points / 100
    var = promoters + detractors - (promoters - detractors) ** 2
    return int(math.ceil(deff * z * z * var / (e * e) - 1e-9))


# --------------------------------------------------------------------------------------------
# CES
# --------------------------------------------------------------------------------------------


def ces(x, *, scale=(1, 7), weights=None, level: float = 0.95) -> Estimate:
    """Customer Effort Score: the mean on its declared scale with a t interval (see mean_score).

    CES 2.0 is a 1–7 agreement ("The company made it easy for me…"), higher is better; CES 1.0 is
    a 1–5 effort item, lower is better — store the version and never trend across versions.
    The share agreeing (5–7 on CES 2.0) is :func:`ces_agree` (method note §5: report both).

    Examples
    --------
    >>> from csmlib.stats.indicators import ces
    >>> round(ces([7, 6, 5, 6, 3, 7]).estimate, 3)
    5.667
    """
    caller = "ces"
    check_level(level, caller)
    lo, hi = _scale_pair(scale, caller)
    v, w, name = _prepare(x, weights, caller, lo=lo, hi=hi)
    r = _mean_core(v, w, None, 1, level)
    _warn_small(r["n"][0], caller, name)
    return _estimate("ces", r, level, "t")


def ces_agree(x, *, scale=(1, 7), agree_min=None, weights=None, level: float = 0.95, ci: str = "wilson") -> Estimate:
    """Share of CES answers at or above ``agree_min`` ("% agree", 0–1) with a Wilson interval.

    Default ``agree_min``: 5 on the 1–7 CES 2.0 scale (5–7 = somewhat/agree/strongly agree); other
    scales must give it. For CES 1.0 (lower is better) use :func:`bottom_box` for the low-effort
    share instead.

    Examples
    --------
    >>> from csmlib.stats.indicators import ces_agree
    >>> ces_agree([7, 6, 5, 6, 3, 7, 2, 4]).estimate
    0.625
    """
    caller = "ces_agree"
    lo, hi = _scale_pair(scale, caller)
    if agree_min is None:
        if (lo, hi) != (1.0, 7.0):
            raise ValueError(
                f"{caller}: give agree_min for a {lo:g}–{hi:g} scale (the default 5 applies to the 1–7 CES 2.0 scale only)"
            )
        agree_min = 5
    if not lo < agree_min <= hi:
        raise ValueError(f"{caller}: agree_min {agree_min!r} must lie within ({lo:g}, {hi:g}]")
    check_level(level, caller)
    check_choice(ci, _PROP_CI, "ci", caller)
    v, w, name = _prepare(x, weights, caller, lo=lo, hi=hi)
    r = _prop_core(v, w, None, 1, level, ci, at_least=agree_min)
    return _estimate("ces_agree", r, level, ci)


# --------------------------------------------------------------------------------------------
# CSI (ACSI-style 0–100 index)
# --------------------------------------------------------------------------------------------


def relative_weights(data: pd.DataFrame, items: Sequence[str], outcome: str, *, weights=None) -> pd.Series:
    """Johnson's (2000) relative weights of ``items`` for ``outcome`` (complete cases).

    With R_xx = VΛVᵀ the item correlation matrix, Λ½ = VΛ^{1/2}Vᵀ, β = Λ½⁻¹ r_xy:
    ε_j = Σ_k (Λ½)_jk² β_k²; Σε_j = R² of the regression. Returned as raw weights ε (their sum is
    R²); divide by the sum for shares. Robust to collinearity and never negative. The same
    computation as :func:`csmlib.stats.drivers.relative_weights` (:func:`csmlib.stats.drivers.johnson_weights`);
    this form takes the items before the outcome and refuses linearly dependent items.

    References: Johnson (2000) *Multivariate Behavioral Research* 35:1–19.

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.indicators import relative_weights
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5, 6], "b": [2, 1, 4, 3, 6, 5],
    ...                    "y": [1, 3, 2, 5, 4, 6]})
    >>> round(float(relative_weights(df, ["a", "b"], "y").sum()), 4)   # = R²
    0.981
    """
    caller = "relative_weights"
    items = list(items)
    cols = items + [outcome]
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise ValueError(f"{caller}: column(s) not in data: {missing}")
    X = np.column_stack([_values(data[c], caller, c) for c in cols])
    w = None if weights is None else _weights_for(data[outcome], weights, len(data), caller)
    keep = ~np.isnan(X).any(axis=1)
    X = X[keep]
    w = None if w is None else w[keep]
    if X.shape[0] <= len(items) + 1:
        raise ValueError(f"{caller}: only {X.shape[0]} complete cases for {len(items)} items")
    sd = X.std(axis=0)
    const = [c for c, s in zip(cols, sd) if s == 0]
    if const:
        raise ValueError(f"{caller}: column(s) {const} are constant among complete cases")
    R = weighted_corr(X, w)
    if np.linalg.eigvalsh(R[:-1, :-1]).min() <= 1e-10:
        raise ValueError(f"{caller}: the items {items} are linearly dependent (singular correlation matrix)")
    return pd.Series(johnson_weights(R), index=items, name="relative_weight")


def csi(
    data: pd.DataFrame,
    items: Sequence[str],
    *,
    importance=None,
    outcome: str | None = None,
    scale=(1, 10),
    weights=None,
    level: float = 0.95,
) -> CSIResult:
    """ACSI-style 0–100 customer-satisfaction index (Fornell et al. 1996).

    With importance weights w_i ≥ 0 on the unstandardized items x_i (scale min_i…max_i) and the
    per-respondent composite ξ_r = Σ_i w_i x_ri (complete cases on the items):

        Index = 100·(mean(ξ) − Σw_i min_i)/(Σw_i max_i − Σw_i min_i)
        SE    = 100·sd(ξ)/(√n·(Σw_i max_i − Σw_i min_i)),  CI = Index ± t_{n−1}·SE

    (sd with divisor n − 1; with survey weights the weighted mean of ξ and its linearized SE).
    The normalization of w cancels; ``item_weights`` are reported summing to 1.

    ``importance``:

    - ``None`` or "equal": equal weights (the "transformed mean");
    - a Series indexed by item: stated importance (≥ 0, not all 0; e.g. mean importance ratings);
    - "derived": Johnson's relative weights of the items for ``outcome`` (:func:`relative_weights`).
      The SE then treats the estimated weights as fixed (a slight understatement; ``ci_method`` says
      so).

    ``scale`` is one (min, max) pair for all items or a dict {item: (min, max)}.

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.indicators import csi
    >>> df = pd.DataFrame({"q1": [8, 9, 7, 10], "q2": [6, 8, 7, 9]})
    >>> round(csi(df, ["q1", "q2"], scale=(1, 10)).estimate, 2)   # 100·(8 − 1)/9
    77.78
    """
    caller = "csi"
    check_level(level, caller)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{caller}: data must be a DataFrame")
    items = list(items)
    if not items:
        raise ValueError(f"{caller}: no items given")
    if len(set(items)) != len(items):
        raise ValueError(f"{caller}: items listed twice")
    missing = [c for c in items if c not in data.columns]
    if missing:
        raise ValueError(f"{caller}: item column(s) not in data: {missing}")
    if isinstance(scale, Mapping):
        absent = [c for c in items if c not in scale]
        if absent:
            raise ValueError(f"{caller}: no scale given for item(s) {absent}")
        scales = np.array([_scale_pair(scale[c], caller, f"scale of '{c}'") for c in items])
    else:
        scales = np.tile(_scale_pair(scale, caller), (len(items), 1))
    if isinstance(weights, str):
        w_all = check_weights(weight_column(data, weights, caller), len(data), name=weights)
    else:
        w_all = _weights_for(data[items[0]], weights, len(data), caller)

    cols = []
    for j, c in enumerate(items):
        col = _values(data[c], caller, c)
        _check_range(col, scales[j, 0], scales[j, 1], c, caller)
        cols.append(col)

    label = "equal"
    if importance is None or (isinstance(importance, str) and importance == "equal"):
        wi = np.ones(len(items))
    elif isinstance(importance, str) and importance == "derived":
        if outcome is None:
            raise ValueError(f"{caller}: importance='derived' needs the outcome column")
        wi = relative_weights(data, items, outcome, weights=w_all).to_numpy()
        label = "derived"
    elif isinstance(importance, (pd.Series, Mapping)):
        imp = pd.Series(importance, dtype=float) if isinstance(importance, Mapping) else importance.astype(float)
        absent = [c for c in items if c not in imp.index]
        if absent:
            raise ValueError(f"{caller}: no importance given for item(s) {absent}")
        wi = imp.reindex(items).to_numpy(dtype=float)
        if not np.all(np.isfinite(wi)):
            raise ValueError(f"{caller}: importance weights must be finite numbers")
        neg = [c for c, v in zip(items, wi) if v < 0]
        if neg:
            raise ValueError(f"{caller}: negative importance weights for {neg} (e.g. negative PLS outer weights) are refused")
        label = "stated"
    else:
        raise ValueError(f"{caller}: importance must be None, 'equal', 'derived' or a Series indexed by item, not {importance!r}")
    if not wi.sum() > 0:
        raise ValueError(f"{caller}: the importance weights are all zero")
    wi = wi / wi.sum()

    # ξ_r = Σ_i w_i x_ri, accumulated column by column; NaN propagates, so ξ is NaN exactly for
    # the incomplete cases, which the mean core leaves out (complete cases on the items)
    xi = cols[0] * wi[0]
    for col, wj in zip(cols[1:], wi[1:]):
        xi += wj * col
    if np.all(np.isnan(xi)):
        raise ValueError(f"{caller}: no respondent answered all of {items}")
    r = _mean_core(xi, w_all, None, 1, level)
    lo_t, hi_t = float(wi @ scales[:, 0]), float(wi @ scales[:, 1])
    f = 100.0 / (hi_t - lo_t)
    if r["n"][0] < 2:
        warnings.warn(f"{caller}: only 1 complete case; SE and interval are NaN", stacklevel=2)
    return CSIResult(
        estimate=float((r["estimate"][0] - lo_t) * f),
        se=float(r["se"][0] * f),
        ci_low=float((r["ci_low"][0] - lo_t) * f),
        ci_high=float((r["ci_high"][0] - lo_t) * f),
        n=int(r["n"][0]),
        n_eff=float(r["n_eff"][0]),
        item_weights=pd.Series(wi, index=items, name="weight"),
        level=level,
        ci_method="t (estimated weights treated as fixed)" if label == "derived" else "t",
        importance=label,
        deff=float(r["deff"][0]),
    )


# --------------------------------------------------------------------------------------------
# Comparisons
# --------------------------------------------------------------------------------------------


def compare(
    a, b, *, metric: str = "mean", weights_a=None, weights_b=None, scale_max=None, boxes: int = 2, level: float = 0.95
) -> Comparison:
    """Compare two independent groups or waves: difference a − b, its CI, test and p-value.

    - ``metric="mean"``: Welch t = (x̄_a − x̄_b)/sqrt(SE_a² + SE_b²),
      df = (SE_a² + SE_b²)²/(SE_a⁴/(n_a−1) + SE_b⁴/(n_b−1)) (n_eff − 1 when weighted), CI =
      difference ± t_df·sqrt(SE_a² + SE_b²) — scipy ``ttest_ind(equal_var=False)``.
    - ``metric="top_box"`` (needs ``scale_max``): pooled two-proportion z =
      (p̂_a − p̂_b)/sqrt(p̄(1−p̄)(1/n_a + 1/n_b)), p̄ = (x_a + x_b)/(n_a + n_b) — R
      ``prop.test(correct=FALSE)``; CI of the difference: Newcombe's hybrid score interval from
      the Wilson limits (statsmodels ``confint_proportions_2indep(method="newcomb")``). Weighted:
      weighted shares on the Kish n_eff of each group.
    - ``metric="nps"``: z = (NPS_a − NPS_b)/sqrt(SE_a² + SE_b²) with the unadjusted SEs; CI =
      difference ± z·sqrt(SE_a² + SE_b²); difference in points.

    p-values are two-sided. Degenerate cases (no variation in either group) give NaN statistic and
    p-value with a warning.

    References: Welch (1947) *Biometrika* 34:28–35; Newcombe (1998) *Stat. Med.* 17:873–890;
    Rocks (2016).

    Examples
    --------
    >>> from csmlib.stats.indicators import compare
    >>> c = compare([4, 5, 3, 4, 5, 4], [3, 2, 4, 3, 3, 2], metric="mean")
    >>> round(c.difference, 3), round(c.statistic, 3), round(c.p_value, 4)
    (1.333, 3.068, 0.0119)
    """
    caller = "compare"
    check_level(level, caller)
    check_choice(metric, _METRICS, "metric", caller)
    if metric == "mean":
        ra = mean_score(a, weights=weights_a, level=level)
        rb = mean_score(b, weights=weights_b, level=level)
        va, vb = ra.se**2, rb.se**2
        se = math.sqrt(va + vb)
        diff = ra.estimate - rb.estimate
        with np.errstate(invalid="ignore", divide="ignore"):
            df = float(np.float64(va + vb) ** 2 / (np.float64(va) ** 2 / (ra.n_eff - 1) + vb**2 / (rb.n_eff - 1)))
        if not se > 0 or not np.isfinite(df):
            warnings.warn(
                f"{caller}: no variation within either group (or fewer than 2 answers);"
                " the Welch test is undefined (statistic and p-value NaN)",
                stacklevel=2,
            )
            t = p = df = math.nan
            lo = hi = math.nan
        else:
            t = diff / se
            p = float(2 * stats.t.sf(abs(t), df))
            tc = float(stats.t.ppf(0.5 + level / 2, df))
            lo, hi = diff - tc * se, diff + tc * se
        return Comparison(
            metric,
            ra.estimate,
            rb.estimate,
            diff,
            lo,
            hi,
            float(t),
            p,
            "welch_t",
            se=se,
            df=float(df),
            n_a=ra.n,
            n_b=rb.n,
            level=level,
            ci_method="welch_t",
        )
    if metric == "top_box":
        if scale_max is None:
            raise ValueError(f"{caller}: metric='top_box' needs scale_max")
        ra = top_box(a, scale_max=scale_max, boxes=boxes, weights=weights_a, level=level)
        rb = top_box(b, scale_max=scale_max, boxes=boxes, weights=weights_b, level=level)
        pa, pb, ma, mb = ra.estimate, rb.estimate, ra.n_eff, rb.n_eff
        diff = pa - pb
        pbar = (pa * ma + pb * mb) / (ma + mb)
        se0 = math.sqrt(pbar * (1 - pbar) * (1 / ma + 1 / mb))
        if se0 > 0:
            z = diff / se0
            p = float(2 * stats.norm.sf(abs(z)))
        else:
            warnings.warn(
                f"{caller}: both groups have a top-box share of {pbar:g}; the "
                "two-proportion z test is undefined (statistic and p-value NaN)",
                stacklevel=2,
            )
            z = p = math.nan
        lo = diff - math.sqrt((pa - ra.ci_low) ** 2 + (rb.ci_high - pb) ** 2)
        hi = diff + math.sqrt((ra.ci_high - pa) ** 2 + (pb - rb.ci_low) ** 2)
        return Comparison(
            metric,
            pa,
            pb,
            diff,
            lo,
            hi,
            float(z),
            p,
            "two_proportion_z",
            se=se0,
            n_a=ra.n,
            n_b=rb.n,
            level=level,
            ci_method="newcombe",
        )
    ra = nps(a, weights=weights_a, level=level)
    rb = nps(b, weights=weights_b, level=level)
    diff = ra.nps - rb.nps
    se = math.sqrt(ra.se**2 + rb.se**2)
    zc = _zcrit(level)
    if se > 0:
        z = diff / se
        p = float(2 * stats.norm.sf(abs(z)))
        lo, hi = diff - zc * se, diff + zc * se
    else:
        warnings.warn(
            f"{caller}: both NPS standard errors are 0 (all answers in one category); "
            "the z test is undefined (statistic and p-value NaN)",
            stacklevel=2,
        )
        z = p = lo = hi = math.nan
    return Comparison(
        metric, ra.nps, rb.nps, diff, lo, hi, float(z), p, "nps_z", se=se, n_a=ra.n, n_b=rb.n, level=level, ci_method="wald"
    )


def adjust_pvalues(p_values, method: str = "holm") -> np.ndarray:
    """Multiplicity-adjusted p-values (NaN entries are left out of the family and stay NaN).

    For sorted p₍₁₎ ≤ … ≤ p₍m₎: Bonferroni min(1, m·p); Holm p_adj₍i₎ = max_{j≤i} min(1,
    (m − j + 1)·p₍j₎); Benjamini–Hochberg p_adj₍i₎ = min_{j≥i} min(1, m·p₍j₎/j). As statsmodels
    ``multipletests`` and R ``p.adjust``.

    Examples
    --------
    >>> from csmlib.stats.indicators import adjust_pvalues
    >>> adjust_pvalues([0.01, 0.04, 0.03], "holm").round(4).tolist()
    [0.03, 0.06, 0.06]
    >>> adjust_pvalues([0.01, 0.04, 0.03], "fdr_bh").round(4).tolist()
    [0.03, 0.04, 0.04]
    """
    check_choice(method, _ADJUST, "method", "adjust_pvalues")
    p = np.array(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if np.any((p[ok] < 0) | (p[ok] > 1)):
        raise ValueError("adjust_pvalues: p-values must lie in [0, 1]")
    q = p[ok]
    m = q.size
    if m == 0 or method == "none":
        out[ok] = q
        return out
    if method == "bonferroni":
        out[ok] = np.minimum(1.0, m * q)
        return out
    order = np.argsort(q, kind="mergesort")
    s = q[order]
    if method == "holm":
        adj = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * s))
    else:
        adj = np.minimum.accumulate((s * (m / np.arange(1, m + 1)))[::-1])[::-1]
        adj = np.minimum(1.0, adj)
    res = np.empty(m)
    res[order] = adj
    out[ok] = res
    return out


def _weights_arg(data: pd.DataFrame, weights, caller: str, what: str = "weights"):
    if isinstance(weights, str):
        return weight_column(data, weights, caller)
    if weights is None or isinstance(weights, pd.Series):
        return weights
    return pd.Series(np.asarray(weights), index=data.index, name=what)


def compare_table(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    items: Sequence[str],
    *,
    metric: str = "mean",
    weights_current=None,
    weights_previous=None,
    adjust: str = "holm",
    alpha: float = 0.05,
    scale_max=None,
    boxes: int = 2,
    level: float = 0.95,
) -> pd.DataFrame:
    """Wave-over-wave comparison of many items with multiplicity control.

    Each item is compared with :func:`compare` (difference = current − previous); the p-values
    of the family (all items with a defined test; m in ``DataFrame.attrs["m"]``) are adjusted
    with Holm (step-down, default) or Benjamini–Hochberg ("fdr_bh"; also "bonferroni", "none").
    ``significant`` = p_adjusted < ``alpha``. An item absent from a wave, or without valid answers
    in it, gets a row of NaN, ``significant`` False and the reason in ``note`` (with a warning).

    Returns
    -------
    DataFrame
        item, current, previous, difference, ci_low, ci_high, statistic, p_value, p_adjusted,
        significant, n_current, n_previous, note.

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.indicators import compare_table
    >>> cur = pd.DataFrame({"q1": [4, 5, 4, 5, 5, 4], "q2": [3, 3, 4, 2, 3, 3]})
    >>> prev = pd.DataFrame({"q1": [3, 2, 3, 3, 2, 3], "q2": [3, 4, 3, 2, 3, 3]})
    >>> t = compare_table(cur, prev, ["q1", "q2"])
    >>> t["significant"].tolist()
    [True, False]
    """
    caller = "compare_table"
    check_choice(metric, _METRICS, "metric", caller)
    check_choice(adjust, _ADJUST, "adjust", caller)
    if not 0 < alpha < 1:
        raise ValueError(f"{caller}: alpha must be in (0, 1)")
    items = list(items)
    wc = _weights_arg(current, weights_current, caller, "weights_current")
    wp = _weights_arg(previous, weights_previous, caller, "weights_previous")
    rows = []
    for item in items:
        row = {
            "item": item,
            "current": np.nan,
            "previous": np.nan,
            "difference": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "statistic": np.nan,
            "p_value": np.nan,
            "n_current": 0,
            "n_previous": 0,
            "note": "",
        }
        absent = [lab for lab, fr in (("current", current), ("previous", previous)) if item not in fr.columns]
        if absent:
            row["note"] = f"not in the {' and '.join(absent)} data"
        else:
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    c = compare(
                        current[item],
                        previous[item],
                        metric=metric,
                        weights_a=wc,
                        weights_b=wp,
                        scale_max=scale_max,
                        boxes=boxes,
                        level=level,
                    )
                row.update(
                    current=c.estimate_a,
                    previous=c.estimate_b,
                    difference=c.difference,
                    ci_low=c.ci_low,
                    ci_high=c.ci_high,
                    statistic=c.statistic,
                    p_value=c.p_value,
                    n_current=c.n_a,
                    n_previous=c.n_b,
                )
                if caught:
                    row["note"] = "; ".join(str(m.message) for m in caught)
            except ValueError as exc:
                msg = str(exc)
                if "no valid" not in msg:
                    raise
                row["note"] = msg
        if row["note"] and np.isnan(row["p_value"]):
            warnings.warn(f"{caller}: item '{item}' not tested: {row['note']}", stacklevel=2)
        rows.append(row)
    out = pd.DataFrame(rows)
    out["p_adjusted"] = adjust_pvalues(out["p_value"].to_numpy(dtype=float), adjust)
    out["significant"] = (out["p_adjusted"] < alpha).fillna(False).astype(bool)
    out.attrs["m"] = int(out["p_value"].notna().sum())
    out.attrs["adjust"] = adjust
    cols = [
        "item",
        "current",
        "previous",
        "difference",
        "ci_low",
        "ci_high",
        "statistic",
        "p_value",
        "p_adjusted",
        "significant",
        "n_current",
        "n_previous",
        "note",
    ]
    return out[cols]


# --------------------------------------------------------------------------------------------
# Segment breakdown
# --------------------------------------------------------------------------------------------


def _segment_codes(seg: pd.Series, caller: str, by: str):
    """Integer codes (−1 = missing) and the level labels of a segment column."""
    if isinstance(seg.dtype, pd.CategoricalDtype):
        codes = np.asarray(seg.cat.codes, dtype=np.intp)
        levels = seg.cat.categories
    else:
        codes, levels = pd.factorize(seg, sort=True)
        codes = np.asarray(codes, dtype=np.intp)
    return codes, pd.Index(levels)


def breakdown(
    data: pd.DataFrame,
    column,
    by: str,
    *,
    metric: str = "mean",
    weights=None,
    min_n: int = 30,
    scale_max=None,
    boxes: int = 2,
    level: float = 0.95,
    ci: str | None = None,
) -> pd.DataFrame:
    """Per-segment estimates of one item (or several) with small-cell suppression.

    For each level of ``by`` the estimate of ``column`` is computed on that segment's own valid
    answers (and its own Kish n_eff when weighted) with the same formulas as :func:`mean_score`,
    :func:`top_box` (Wilson; needs ``scale_max``) or :func:`nps` (adjusted Wald). Segments whose
    valid n is below ``min_n`` are **suppressed**: estimate, SE and interval are NaN and
    ``suppressed`` is True (ISO 10004 confidentiality) — they are never shown. Rows with a
    missing segment are left out (with a warning).

    Parameters
    ----------
    data : DataFrame
    column : str or list of str
        The item; a list gives a long table with an ``item`` column first.
    by : str
        Segment column. It must have at least two levels (one level is not a breakdown:
        ``ValueError``).
    weights : str or array-like, optional
        Weight column name or one weight per row.

    Returns
    -------
    DataFrame
        segment, n, n_eff, estimate, ci_low, ci_high, suppressed, se, deff (and ``item`` first
        when ``column`` is a list); one row per observed level of ``by``, in level order.

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.indicators import breakdown
    >>> df = pd.DataFrame({"q": [4, 5, 3, 4, 2, 5], "seg": ["a", "a", "a", "b", "b", "c"]})
    >>> t = breakdown(df, "q", "seg", min_n=2)
    >>> t[["segment", "n", "estimate", "suppressed"]].values.tolist()
    [['a', 3, 4.0, False], ['b', 2, 3.0, False], ['c', 1, nan, True]]
    """
    caller = "breakdown"
    check_level(level, caller)
    check_choice(metric, _METRICS, "metric", caller)
    if not (isinstance(min_n, (int, np.integer)) and min_n >= 1):
        raise ValueError(f"{caller}: min_n must be a positive integer")
    if metric == "top_box" and scale_max is None:
        raise ValueError(f"{caller}: metric='top_box' needs scale_max")
    ci = ci or {"mean": "t", "top_box": "wilson", "nps": "adjusted_wald"}[metric]
    many = not isinstance(column, str)
    columns = list(column) if many else [column]
    for c in columns + [by]:
        if c not in data.columns:
            raise ValueError(f"{caller}: column '{c}' not in data")
    wser = _weights_arg(data, weights, caller)
    w = None if wser is None else _weights_for(data[by], wser, len(data), caller)
    codes, levels = _segment_codes(data[by], caller, by)
    n_missing = int(np.sum(codes < 0))
    if n_missing:
        warnings.warn(f"{caller}: {n_missing} row(s) with a missing '{by}' are left out", stacklevel=2)
    G = len(levels)
    present = np.bincount(codes[codes >= 0], minlength=G) > 0
    if n_missing:
        codes = np.where(codes >= 0, codes, G)
    if present.sum() < 2:
        only = [str(x) for x in levels[present]]
        raise ValueError(
            f"{caller}: segment column '{by}' has only one level {only}; a breakdown "
            "needs at least two (report the total instead)"
        )
    keys = ("n", "n_eff", "estimate", "ci_low", "ci_high", "suppressed", "se", "deff")
    parts: dict[str, list] = {k: [] for k in keys}
    for col in columns:
        v = _values(data[col], caller, col)
        if metric == "mean":
            _check_range(v, None, None, col, caller)
            r = _mean_core(v, w, codes, G, level)
        elif metric == "top_box":
            _check_range(v, None, scale_max, col, caller)
            r = _prop_core(v, w, codes, G, level, ci, at_least=scale_max - boxes + 1)
        else:
            _check_range(v, 0, 10, col, caller, integer=True)
            r = _nps_core(v, w, codes, G, level, ci)
        n = r["n"]
        sup = n < min_n
        parts["n"].append(n[present].astype(np.int64))
        parts["suppressed"].append(sup[present])
        for key in ("n_eff", "deff"):
            parts[key].append(np.where(n > 0, r[key], np.nan)[present])
        for key in ("estimate", "ci_low", "ci_high", "se"):
            parts[key].append(np.where(sup, np.nan, r[key])[present])
    seg = levels[present]
    body = {"segment": seg.take(np.tile(np.arange(len(seg)), len(columns))).to_numpy()}
    body.update({k: np.concatenate(parts[k]) for k in keys})
    out = pd.DataFrame(body)
    if many:
        out.insert(0, "item", np.repeat(np.asarray(columns, dtype=object), len(seg)))
    out.attrs.update(metric=metric, min_n=min_n, ci_method=ci, level=level)
    return out


# --------------------------------------------------------------------------------------------
# Planning: margin of error and sample size (ISO 10004 Annex C)
# --------------------------------------------------------------------------------------------


def margin_of_error(n, *, p: float = 0.5, level: float = 0.95, deff: float = 1.0, population=None) -> float:
    """Margin of error of a proportion: MOE = z·sqrt(p(1−p)/n_e)·sqrt((N − n_e)/(N − 1)).

    n_e = n/deff (weights or clustering reduce the effective n); the finite-population factor
    applies only when ``population`` N is given. Worst case p = 0.5. The inverse of
    :func:`sample_size`.

    Examples
    --------
    >>> from csmlib.stats.indicators import margin_of_error
    >>> round(margin_of_error(400), 4)
    0.049
    >>> round(margin_of_error(400, population=1000), 4)
    0.038
    """
    caller = "margin_of_error"
    check_level(level, caller)
    if not 0 <= p <= 1:
        raise ValueError(f"{caller}: p must be in [0, 1]")
    if not deff > 0:
        raise ValueError(f"{caller}: deff must be positive")
    if not n > 0:
        raise ValueError(f"{caller}: n must be positive")
    ne = n / deff
    z = _zcrit(level)
    moe = z * math.sqrt(p * (1 - p) / ne)
    if population is not None:
        if not population >= n:
            raise ValueError(f"{caller}: population ({population}) is smaller than n ({n})")
        if population <= 1:
            raise ValueError(f"{caller}: population must exceed 1")
        moe *= math.sqrt(max(population - ne, 0.0) / (population - 1))
    return float(moe)


def sample_size(moe: float, *, p: float = 0.5, level: float = 0.95, deff: float = 1.0, population=None) -> int:
    """Respondents needed for a margin of error ``moe`` (a proportion, e.g. 0.05 for ±5 points).

    n₀ = z²·p(1−p)/E²; with a finite population N: n₁ = n₀/(1 + (n₀ − 1)/N); then n = ⌈deff·n₁⌉
    (ISO 10004 Annex C; Cochran 1977).

    Examples
    --------
    >>> from csmlib.stats.indicators import sample_size
    >>> sample_size(0.05), sample_size(0.05, population=1000), sample_size(0.05, deff=1.5)
    (385, 278, 577)
    """
    caller = "sample_size"
    check_level(level, caller)
    if not 0 < moe < 1:
        raise ValueError(f"{caller}: moe must be a proportion in (0, 1), e.g. 0.05")
    if not 0 <= p <= 1:
        raise ValueError(f"{caller}: p must be in [0, 1]")
    if not deff > 0:
        raise ValueError(f"{caller}: deff must be positive")
    z = _zcrit(level)
    n0 = z * z * p * (1 - p) / (moe * moe)
    if population is not None:
        if not population > 1:
            raise ValueError(f"{caller}: population must exceed 1")
        n0 = n0 / (1 + (n0 - 1) / population)
    return int(math.ceil(deff * n0 - 1e-9))


# --------------------------------------------------------------------------------------------
# Loyalty segments (satisfaction × loyalty)
# --------------------------------------------------------------------------------------------


def _loyalty_codes(data, satisfaction, loyalty, satisfaction_threshold, loyalty_threshold, caller):
    for c in (satisfaction, loyalty):
        if c not in data.columns:
            raise ValueError(f"{caller}: column '{c}' not in data")
    s = _values(data[satisfaction], caller, satisfaction)
    lo = _values(data[loyalty], caller, loyalty)
    for v, c in ((s, satisfaction), (lo, loyalty)):
        _check_range(v, None, None, c, caller)
    valid = ~np.isnan(s) & ~np.isnan(lo)
    hs = s >= satisfaction_threshold
    hl = lo >= loyalty_threshold
    # 0 loyal (high, high), 1 mercenary (high sat, low loyalty), 2 hostage, 3 at risk
    code = np.where(hs, np.where(hl, 0, 1), np.where(hl, 2, 3))
    return np.where(valid, code, -1)


def loyalty_segment_of(
    data: pd.DataFrame, satisfaction: str, loyalty: str, *, satisfaction_threshold, loyalty_threshold
) -> pd.Series:
    """Loyalty segment of each respondent (NaN when either answer is missing).

    High satisfaction = ``satisfaction ≥ satisfaction_threshold``, high loyalty =
    ``loyalty ≥ loyalty_threshold`` (a value on the threshold counts as high):
    loyal (high, high), mercenary (high satisfaction, low loyalty), hostage (low satisfaction,
    high loyalty), at risk (low, low — the defectors; Jones & Sasser 1995).

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.indicators import loyalty_segment_of
    >>> df = pd.DataFrame({"sat": [5, 5, 2, 1, None], "rec": [9, 3, 10, 2, 8]})
    >>> loyalty_segment_of(df, "sat", "rec", satisfaction_threshold=4,
    ...                    loyalty_threshold=9).tolist()
    ['loyal', 'mercenary', 'hostage', 'at risk', nan]
    """
    code = _loyalty_codes(data, satisfaction, loyalty, satisfaction_threshold, loyalty_threshold, "loyalty_segment_of")
    labels = np.array(LOYALTY_SEGMENTS + (np.nan,), dtype=object)[code]
    return pd.Series(labels, index=data.index, name="loyalty_segment", dtype=object)


def loyalty_segments(
    data: pd.DataFrame,
    satisfaction: str,
    loyalty: str,
    *,
    satisfaction_threshold,
    loyalty_threshold,
    weights=None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Shares of the four satisfaction × loyalty segments with Wilson intervals.

    Segments as :func:`loyalty_segment_of`, among respondents with both answers. share = weighted
    share (0–1); Wilson interval on n (Kish n_eff of the respondents with both answers when
    weighted). All four segments are always listed (n = 0 gives share 0).

    Returns
    -------
    DataFrame
        segment, n, share, ci_low, ci_high (rows: loyal, mercenary, hostage, at risk);
        ``attrs["n_total"]`` and ``attrs["n_eff"]``.

    Reference: Jones & Sasser (1995) Why satisfied customers defect. *HBR* 73(6):88–99.

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.indicators import loyalty_segments
    >>> df = pd.DataFrame({"sat": [5, 5, 2, 1, 4, 5], "rec": [9, 3, 10, 2, 9, 10]})
    >>> loyalty_segments(df, "sat", "rec", satisfaction_threshold=4,
    ...                  loyalty_threshold=9)[["segment", "n", "share"]].values.tolist()
    [['loyal', 3, 0.5], ['mercenary', 1, 0.16666666666666666], ['hostage', 1, 0.16666666666666666], ['at risk', 1, 0.16666666666666666]]
    """
    caller = "loyalty_segments"
    check_level(level, caller)
    code = _loyalty_codes(data, satisfaction, loyalty, satisfaction_threshold, loyalty_threshold, caller)
    wser = _weights_arg(data, weights, caller)
    w = None if wser is None else _weights_for(data[satisfaction], wser, len(data), caller)
    valid = code >= 0
    if not valid.any():
        raise ValueError(f"{caller}: no respondent answered both '{satisfaction}' and '{loyalty}'")
    c = code[valid]
    n = np.bincount(c, minlength=4)
    if w is None:
        share = n / c.size
        m = float(c.size)
    else:
        wv = w[valid]
        share = np.bincount(c, weights=wv, minlength=4) / wv.sum()
        m = float(wv.sum() ** 2 / np.dot(wv, wv))
    lo, hi = _prop_interval(share, np.full(4, m), _zcrit(level), "wilson")
    out = pd.DataFrame({"segment": list(LOYALTY_SEGMENTS), "n": n.astype(np.int64), "share": share, "ci_low": lo, "ci_high": hi})
    out.attrs.update(n_total=int(c.size), n_eff=m, level=level)
    return out
