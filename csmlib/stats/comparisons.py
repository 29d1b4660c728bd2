"""Comparisons of two independent groups or waves, one indicator at a time or a table of items.

:func:`compare` tests the difference of a mean (Welch t), a top-box share (two-proportion z with
Newcombe's interval) or an NPS (z); :func:`compare_table` compares many items wave over wave
with a multiplicity adjustment (:func:`csmlib.stats.inference.adjust_pvalues`). The estimates come
from :mod:`csmlib.stats.estimators`. Conventions: :mod:`csmlib.stats.indicators`; formulas: method
note ``indicators.md``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from csmlib.stats.estimators import mean_score, nps, top_box
from csmlib.stats.indicator_cores import GROUP_METRICS, weights_argument
from csmlib.stats.inference import ADJUST_METHODS, adjust_pvalues, z_critical
from csmlib.stats.validate import check_choice, check_level

__all__ = ["Comparison", "compare", "compare_table"]


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


def compare(
    a: pd.Series | ArrayLike,
    b: pd.Series | ArrayLike,
    *,
    metric: str = "mean",
    weights_a: pd.Series | ArrayLike | None = None,
    weights_b: pd.Series | ArrayLike | None = None,
    scale_max: float | None = None,
    boxes: int = 2,
    level: float = 0.95,
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
    >>> from csmlib.stats.comparisons import compare
    >>> c = compare([4, 5, 3, 4, 5, 4], [3, 2, 4, 3, 3, 2], metric="mean")
    >>> round(c.difference, 3), round(c.statistic, 3), round(c.p_value, 4)
    (1.333, 3.068, 0.0119)
    """
    caller = "compare"
    check_level(level, caller)
    check_choice(metric, GROUP_METRICS, "metric", caller)
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
    na = nps(a, weights=weights_a, level=level)
    nb = nps(b, weights=weights_b, level=level)
    diff = na.nps - nb.nps
    se = math.sqrt(na.se**2 + nb.se**2)
    zc = z_critical(level)
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
        metric, na.nps, nb.nps, diff, lo, hi, float(z), p, "nps_z", se=se, n_a=na.n, n_b=nb.n, level=level, ci_method="wald"
    )


def compare_table(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    items: Sequence[str],
    *,
    metric: str = "mean",
    weights_current: str | pd.Series | ArrayLike | None = None,
    weights_previous: str | pd.Series | ArrayLike | None = None,
    adjust: str = "holm",
    alpha: float = 0.05,
    scale_max: float | None = None,
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
    >>> from csmlib.stats.comparisons import compare_table
    >>> cur = pd.DataFrame({"q1": [4, 5, 4, 5, 5, 4], "q2": [3, 3, 4, 2, 3, 3]})
    >>> prev = pd.DataFrame({"q1": [3, 2, 3, 3, 2, 3], "q2": [3, 4, 3, 2, 3, 3]})
    >>> t = compare_table(cur, prev, ["q1", "q2"])
    >>> t["significant"].tolist()
    [True, False]
    """
    caller = "compare_table"
    check_choice(metric, GROUP_METRICS, "metric", caller)
    check_choice(adjust, ADJUST_METHODS, "adjust", caller)
    if not 0 < alpha < 1:
        raise ValueError(f"{caller}: alpha must be in (0, 1)")
    items = list(items)
    wc = weights_argument(current, weights_current, caller, "weights_current")
    wp = weights_argument(previous, weights_previous, caller, "weights_previous")
    rows = []
    for item in items:
        row: dict[str, Any] = {
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
