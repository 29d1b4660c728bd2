"""Shared inference helpers: critical values, proportion intervals and p-value adjustment.

One home for the rules several method families use: the normal critical value of a two-sided
interval (:func:`z_critical`), the Wilson score interval (:func:`wilson_interval`) and the other
intervals of a proportion (:func:`proportion_interval`), and the multiplicity adjustment of a
family of p-values (:func:`adjust_pvalues`: Holm, Benjamini–Hochberg, Bonferroni). Formulas:
method note ``indicators.md``; the indicators (:mod:`csmlib.stats.estimators`), Kano, comments and
complaints modules import them from here.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from csmlib.stats.validate import check_choice

__all__ = [
    "PROPORTION_INTERVALS",
    "ADJUST_METHODS",
    "z_critical",
    "wilson_interval",
    "proportion_interval",
    "adjust_pvalues",
]

#: Intervals of a proportion offered by :func:`proportion_interval` (the first is the default).
PROPORTION_INTERVALS = ("wilson", "wald", "agresti_coull", "clopper_pearson")
#: Multiplicity adjustments offered by :func:`adjust_pvalues` (the first is the default).
ADJUST_METHODS = ("holm", "fdr_bh", "bonferroni", "none")


def z_critical(level: float) -> float:
    """Two-sided normal critical value z_{1−α/2} of a confidence ``level``.

    >>> round(z_critical(0.95), 6)
    1.959964
    """
    return float(stats.norm.ppf(0.5 + level / 2))


def wilson_interval(p: ArrayLike, n: ArrayLike, z: float) -> tuple[np.ndarray, np.ndarray]:
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


def proportion_interval(p: ArrayLike, n: ArrayLike, z: float, method: str = "wilson") -> tuple[np.ndarray, np.ndarray]:
    """Interval of a proportion ``p`` on (effective) ``n``, clipped to [0, 1]; arrays in, arrays out.

    ``method`` (:data:`PROPORTION_INTERVALS`): "wilson" (:func:`wilson_interval`); "wald"
    p ± z·sqrt(p(1−p)/n); "agresti_coull" ñ = n + z², p̃ = (p·n + z²/2)/ñ, p̃ ± z·sqrt(p̃(1−p̃)/ñ);
    "clopper_pearson" the exact beta quantiles of x = p·n successes (as statsmodels
    ``proportion_confint``). With weights, pass the Kish n_eff as ``n``.

    References: Wilson (1927); Agresti & Coull (1998) *Am. Stat.* 52:119–126; Clopper & Pearson
    (1934) *Biometrika* 26:404–413.

    >>> lo, hi = proportion_interval([0.6], [10], 1.959963984540054, "wilson")
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.3127, 0.8318)
    """
    check_choice(method, PROPORTION_INTERVALS, "ci")
    p = np.asarray(p, dtype=float)
    m = np.asarray(n, dtype=float)
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


def adjust_pvalues(p_values: ArrayLike, method: str = "holm") -> np.ndarray:
    """Multiplicity-adjusted p-values (NaN entries are left out of the family and stay NaN).

    For sorted p₍₁₎ ≤ … ≤ p₍m₎: Bonferroni min(1, m·p); Holm p_adj₍i₎ = max_{j≤i} min(1,
    (m − j + 1)·p₍j₎); Benjamini–Hochberg p_adj₍i₎ = min_{j≥i} min(1, m·p₍j₎/j). As statsmodels
    ``multipletests`` and R ``p.adjust``.

    Examples
    --------
    >>> from csmlib.stats.inference import adjust_pvalues
    >>> adjust_pvalues([0.01, 0.04, 0.03], "holm").round(4).tolist()
    [0.03, 0.06, 0.06]
    >>> adjust_pvalues([0.01, 0.04, 0.03], "fdr_bh").round(4).tolist()
    [0.03, 0.04, 0.04]
    """
    check_choice(method, ADJUST_METHODS, "method", "adjust_pvalues")
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
