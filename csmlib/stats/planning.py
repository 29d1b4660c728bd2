"""Survey planning: margin of error and sample size of a proportion and of an NPS.

ISO 10004 Annex C; Cochran (1977). The design effect ``deff`` of weights or clustering divides
the effective n. Formulas: method note ``indicators.md`` §4 and §11.
"""

from __future__ import annotations

import math

from csmlib.stats.inference import z_critical
from csmlib.stats.validate import check_level

__all__ = ["margin_of_error", "sample_size", "nps_sample_size"]


def margin_of_error(
    n: float, *, p: float = 0.5, level: float = 0.95, deff: float = 1.0, population: float | None = None
) -> float:
    """Margin of error of a proportion: MOE = z·sqrt(p(1−p)/n_e)·sqrt((N − n_e)/(N − 1)).

    n_e = n/deff (weights or clustering reduce the effective n); the finite-population factor
    applies only when ``population`` N is given. Worst case p = 0.5. The inverse of
    :func:`sample_size`.

    Examples
    --------
    >>> from csmlib.stats.planning import margin_of_error
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
    z = z_critical(level)
    moe = z * math.sqrt(p * (1 - p) / ne)
    if population is not None:
        if not population >= n:
            raise ValueError(f"{caller}: population ({population}) is smaller than n ({n})")
        if population <= 1:
            raise ValueError(f"{caller}: population must exceed 1")
        moe *= math.sqrt(max(population - ne, 0.0) / (population - 1))
    return float(moe)


def sample_size(moe: float, *, p: float = 0.5, level: float = 0.95, deff: float = 1.0, population: float | None = None) -> int:
    """Respondents needed for a margin of error ``moe`` (a proportion, e.g. 0.05 for ±5 points).

    n₀ = z²·p(1−p)/E²; with a finite population N: n₁ = n₀/(1 + (n₀ − 1)/N); then n = ⌈deff·n₁⌉
    (ISO 10004 Annex C; Cochran 1977).

    Examples
    --------
    >>> from csmlib.stats.planning import sample_size
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
    z = z_critical(level)
    n0 = z * z * p * (1 - p) / (moe * moe)
    if population is not None:
        if not population > 1:
            raise ValueError(f"{caller}: population must exceed 1")
        n0 = n0 / (1 + (n0 - 1) / population)
    return int(math.ceil(deff * n0 - 1e-9))


def nps_sample_size(
    moe_points: float, *, promoters: float = 0.5, detractors: float = 0.5, level: float = 0.95, deff: float = 1.0
) -> int:
    """Respondents needed for an NPS margin of error of ``moe_points`` (in NPS points).

    n = deff·z²·(p + d − (p − d)²)/E² with E = moe_points/100; the worst case p = d = 0.5 gives
    z²/E² (method note §4).

    Examples
    --------
    >>> from csmlib.stats.planning import nps_sample_size
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
    z = z_critical(level)
    e = moe_points / 100
    var = promoters + detractors - (promoters - detractors) ** 2
    return int(math.ceil(deff * z * z * var / (e * e) - 1e-9))
