"""The satisfaction estimators: mean score, top/bottom box, NPS and CES, each with its uncertainty.

Every estimator accepts optional survey weights and returns a small frozen result stating the
estimate, its ``se``, the interval (``ci_low``, ``ci_high``, ``level``, ``ci_method``), the valid
``n`` and the Kish effective ``n_eff`` (= n without weights). Conventions (valid n, scale checks,
critical values, SEs): the module docstring of :mod:`csmlib.stats.indicators`, which also lists
the other indicator modules; formulas: method note ``indicators.md``. The per-group cores are in
:mod:`csmlib.stats.indicator_cores`, the intervals of a proportion in :mod:`csmlib.stats.inference`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from csmlib.stats.indicator_cores import mean_by_group, nps_by_group, prepare_answers, scale_pair, share_by_group
from csmlib.stats.inference import PROPORTION_INTERVALS
from csmlib.stats.validate import check_choice, check_count, check_level

__all__ = ["Estimate", "NPSResult", "mean_score", "top_box", "bottom_box", "nps", "ces", "ces_agree"]

_NPS_CI = ("adjusted_wald", "wald", "bootstrap")


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


def _mean_estimate(
    x: pd.Series | ArrayLike,
    weights: pd.Series | ArrayLike | None,
    level: float,
    scale: tuple[float, float] | None,
    caller: str,
    metric: str,
) -> Estimate:
    """The (weighted) mean on the declared ``scale`` with its t interval: the one computation behind
    :func:`mean_score` and :func:`ces`, which differ only in their name and default scale."""
    check_level(level, caller)
    lo, hi = (None, None) if scale is None else scale_pair(scale, caller)
    v, w, name = prepare_answers(x, weights, caller, lo=lo, hi=hi)
    r = mean_by_group(v, w, None, 1, level)
    if r["n"][0] < 2:
        warnings.warn(
            f"{caller}: column '{name}' has only {int(r['n'][0])} valid answer; the standard "
            "error and the interval are NaN (at least 2 answers are needed)",
            stacklevel=3,
        )
    return _estimate(metric, r, level, "t")


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


def mean_score(
    x: pd.Series | ArrayLike,
    *,
    weights: pd.Series | ArrayLike | None = None,
    level: float = 0.95,
    scale: tuple[float, float] | None = None,
) -> Estimate:
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
    >>> from csmlib.stats.estimators import mean_score
    >>> r = mean_score([4, 5, 3, 4, 2])
    >>> round(r.estimate, 2), round(r.se, 4), round(r.ci_low, 3), r.n
    (3.6, 0.5099, 2.184, 5)
    """
    return _mean_estimate(x, weights, level, scale, caller="mean_score", metric="mean")


def _box(
    x: pd.Series | ArrayLike,
    weights: pd.Series | ArrayLike | None,
    level: float,
    ci: str,
    *,
    top: bool,
    scale_min: float | None,
    scale_max: float | None,
    boxes: int,
    caller: str,
) -> Estimate:
    check_level(level, caller)
    check_choice(ci, PROPORTION_INTERVALS, "ci", caller)
    check_count(boxes, "boxes", caller, minimum=1)
    if scale_min is not None and scale_max is not None:
        if not scale_min < scale_max:
            raise ValueError(f"{caller}: scale_min must be below scale_max")
        if boxes > scale_max - scale_min:
            raise ValueError(f"{caller}: {boxes} boxes cover the whole {scale_min:g}–{scale_max:g} scale")
    v, w, name = prepare_answers(x, weights, caller, lo=scale_min, hi=scale_max)
    if top:
        assert scale_max is not None  # required by top_box, the only caller with top=True
        r = share_by_group(v, w, None, 1, level, ci, at_least=scale_max - boxes + 1)
    else:
        assert scale_min is not None  # required by bottom_box, the only caller with top=False
        r = share_by_group(v, w, None, 1, level, ci, at_most=scale_min + boxes - 1)
    return _estimate("top_box" if top else "bottom_box", r, level, ci)


def top_box(
    x: pd.Series | ArrayLike,
    *,
    scale_max: float,
    boxes: int = 2,
    weights: pd.Series | ArrayLike | None = None,
    level: float = 0.95,
    ci: str = "wilson",
    scale_min: float | None = None,
) -> Estimate:
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
    >>> from csmlib.stats.estimators import top_box
    >>> r = top_box([5, 4, 3, 5, 2, 4, 1, 5, 4, 3], scale_max=5)
    >>> r.estimate, round(r.ci_low, 4), round(r.ci_high, 4)
    (0.6, 0.3127, 0.8318)
    """
    return _box(x, weights, level, ci, top=True, scale_min=scale_min, scale_max=scale_max, boxes=boxes, caller="top_box")


def bottom_box(
    x: pd.Series | ArrayLike,
    *,
    scale_min: float,
    boxes: int = 2,
    weights: pd.Series | ArrayLike | None = None,
    level: float = 0.95,
    ci: str = "wilson",
    scale_max: float | None = None,
) -> Estimate:
    """Bottom-k-box share p̂ = #(x ≤ scale_min + k − 1)/n (0–1) with a Wilson interval.

    Same conventions as :func:`top_box` (Kish n_eff when weighted).

    Examples
    --------
    >>> from csmlib.stats.estimators import bottom_box
    >>> r = bottom_box([5, 4, 3, 5, 2, 4, 1, 5, 4, 3], scale_min=1)
    >>> r.estimate, r.n
    (0.2, 10)
    """
    return _box(x, weights, level, ci, top=False, scale_min=scale_min, scale_max=scale_max, boxes=boxes, caller="bottom_box")


# --------------------------------------------------------------------------------------------
# NPS
# --------------------------------------------------------------------------------------------


def nps(
    scores: pd.Series | ArrayLike,
    *,
    weights: pd.Series | ArrayLike | None = None,
    ci: str = "adjusted_wald",
    level: float = 0.95,
    n_boot: int = 2000,
    seed: int | None = None,
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
    >>> from csmlib.stats.estimators import nps
    >>> r = nps([10, 9, 9, 8, 7, 6, 3, 10, 9, 5])
    >>> r.nps, r.promoters, r.detractors, round(r.se, 2)
    (20.0, 0.5, 0.3, 27.57)
    """
    caller = "nps"
    check_level(level, caller)
    check_choice(ci, _NPS_CI, "ci", caller)
    v, w, name = prepare_answers(scores, weights, caller, lo=0, hi=10, integer=True)
    r = nps_by_group(v, w, None, 1, level, ci)
    lo, hi = float(r["ci_low"][0]), float(r["ci_high"][0])
    nb = 0
    if ci == "bootstrap":
        check_count(n_boot, "n_boot", caller, minimum=100)
        boot = _nps_bootstrap(v, w, int(n_boot), seed)
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


def _nps_bootstrap(v: np.ndarray, w: np.ndarray | None, n_boot: int, seed: int | None) -> np.ndarray:
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


# --------------------------------------------------------------------------------------------
# CES
# --------------------------------------------------------------------------------------------


def ces(
    x: pd.Series | ArrayLike,
    *,
    scale: tuple[float, float] = (1, 7),
    weights: pd.Series | ArrayLike | None = None,
    level: float = 0.95,
) -> Estimate:
    """Customer Effort Score: the mean on its declared scale with a t interval (see mean_score).

    CES 2.0 is a 1–7 agreement ("The company made it easy for me…"), higher is better; CES 1.0 is
    a 1–5 effort item, lower is better — store the version and never trend across versions.
    The share agreeing (5–7 on CES 2.0) is :func:`ces_agree` (method note §5: report both).

    Examples
    --------
    >>> from csmlib.stats.estimators import ces
    >>> round(ces([7, 6, 5, 6, 3, 7]).estimate, 3)
    5.667
    """
    return _mean_estimate(x, weights, level, scale, caller="ces", metric="ces")


def ces_agree(
    x: pd.Series | ArrayLike,
    *,
    scale: tuple[float, float] = (1, 7),
    agree_min: float | None = None,
    weights: pd.Series | ArrayLike | None = None,
    level: float = 0.95,
    ci: str = "wilson",
) -> Estimate:
    """Share of CES answers at or above ``agree_min`` ("% agree", 0–1) with a Wilson interval.

    Default ``agree_min``: 5 on the 1–7 CES 2.0 scale (5–7 = somewhat/agree/strongly agree); other
    scales must give it. For CES 1.0 (lower is better) use :func:`bottom_box` for the low-effort
    share instead.

    Examples
    --------
    >>> from csmlib.stats.estimators import ces_agree
    >>> ces_agree([7, 6, 5, 6, 3, 7, 2, 4]).estimate
    0.625
    """
    caller = "ces_agree"
    lo, hi = scale_pair(scale, caller)
    if agree_min is None:
        if (lo, hi) != (1.0, 7.0):
            raise ValueError(
                f"{caller}: give agree_min for a {lo:g}–{hi:g} scale (the default 5 applies to the 1–7 CES 2.0 scale only)"
            )
        agree_min = 5
    if not lo < agree_min <= hi:
        raise ValueError(f"{caller}: agree_min {agree_min!r} must lie within ({lo:g}, {hi:g}]")
    check_level(level, caller)
    check_choice(ci, PROPORTION_INTERVALS, "ci", caller)
    v, w, name = prepare_answers(x, weights, caller, lo=lo, hi=hi)
    r = share_by_group(v, w, None, 1, level, ci, at_least=agree_min)
    return _estimate("ces_agree", r, level, ci)
