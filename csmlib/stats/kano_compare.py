"""Kano intervals and comparisons: Better/Worse confidence intervals, segment and wave drift.

:func:`better_worse_ci` gives bootstrap (or Wilson) intervals for Better and Worse, and
:func:`compare` compares two segments or two waves attribute by attribute (method note
``kano.md`` §5 and §7; conventions and references: :mod:`csmlib.stats.kano`, which re-exports
both). The Kano report's two comparisons are built on it: :func:`segment_categories` (each
customer group against the other customers) and :func:`drift` (the category of each attribute
in every wave, and the change since the last wave with results). The Wilson interval and the
p-value adjustment are the shared ones of :mod:`csmlib.stats.inference`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from csmlib.core.frames import with_columns
from csmlib.stats.headline import spread_by_wave, values_by_wave
from csmlib.stats.inference import adjust_pvalues, wilson_interval, z_critical
from csmlib.stats.kano_categories import count, counts_matrix, summarize
from csmlib.stats.validate import check_choice, check_level
from csmlib.survey.kano_answers import CATEGORIES

__all__ = ["better_worse_ci", "compare", "SegmentCategories", "segment_categories", "KanoDrift", "drift"]


def better_worse_ci(
    categories: pd.Series | pd.DataFrame,
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int | None = None,
    method: str = "bootstrap",
) -> pd.DataFrame:
    """Confidence intervals for Better and Worse per attribute.

    ``method="bootstrap"`` (default): percentile intervals over ``n_boot`` resamples of the
    respondents of each attribute. Resampling N respondents with replacement gives category
    counts ~ Multinomial(N, p̂), so the resamples are drawn as multinomial counts for all
    attributes and replicates at once (vectorised; resamples with A+O+M+I = 0 are ignored).
    ``method="wilson"``: Wilson intervals on (A+O, N*) and (O+M, N*) (method note kano.md §5).

    Worse and its bounds are negative: ``worse_low`` ≤ ``worse`` ≤ ``worse_high``.
    Returns columns ``better, better_low, better_high, worse, worse_low, worse_high, n_star,
    level, method`` indexed by attribute (NaN where N* = 0).

    >>> import pandas as pd
    >>> cats = pd.Series(["A"] * 30 + ["O"] * 20 + ["M"] * 30 + ["I"] * 20, name="x")
    >>> ci = better_worse_ci(cats, method="wilson").loc["x"]
    >>> [round(float(ci[c]), 3) for c in ("better", "better_low", "better_high")]
    [0.5, 0.404, 0.596]
    """
    check_level(level, "better_worse_ci")
    check_choice(method, ("bootstrap", "wilson"), "method", "better_worse_ci", spelled=True)
    counts = count(categories)
    X = counts[list(CATEGORIES)].to_numpy(dtype=np.int64)
    A, O, M, I = (X[:, CATEGORIES.index(c)] for c in "AOMI")
    Nstar = A + O + M + I
    ok = Nstar > 0
    safe = np.where(ok, Nstar, 1)
    better = np.where(ok, (A + O) / safe, np.nan)
    worse_abs = np.where(ok, (O + M) / safe, np.nan)
    alpha = 1 - level
    if method == "wilson":
        b_lo, b_hi = _wilson(A + O, Nstar, level)
        w_lo, w_hi = _wilson(O + M, Nstar, level)
    else:
        if n_boot < 2:
            raise ValueError("better_worse_ci: n_boot must be at least 2")
        rng = np.random.default_rng(seed)
        N = X.sum(axis=1)
        b_lo = np.full(len(X), np.nan)
        b_hi, w_lo, w_hi = b_lo.copy(), b_lo.copy(), b_lo.copy()
        idx = np.flatnonzero(ok)
        if idx.size:
            p = X[idx] / N[idx, None]
            draws = rng.multinomial(N[idx], p, size=(n_boot, idx.size))  # (B, k, 6)
            bA, bO, bM, bI = (draws[..., CATEGORIES.index(c)] for c in "AOMI")
            bs = bA + bO + bM + bI
            with np.errstate(invalid="ignore", divide="ignore"):
                bb = np.where(bs > 0, (bA + bO) / bs, np.nan)
                bw = np.where(bs > 0, (bO + bM) / bs, np.nan)
            qs = [alpha / 2, 1 - alpha / 2]
            b_lo[idx], b_hi[idx] = np.nanquantile(bb, qs, axis=0)
            w_lo[idx], w_hi[idx] = np.nanquantile(bw, qs, axis=0)
    out = pd.DataFrame(
        {
            "better": better,
            "better_low": b_lo,
            "better_high": b_hi,
            "worse": -worse_abs,
            "worse_low": -np.asarray(w_hi),
            "worse_high": -np.asarray(w_lo),
            "n_star": Nstar,
        },
        index=counts.index,
    )
    out["level"] = level
    out["method"] = method
    return out


def _wilson(x: ArrayLike, n: ArrayLike, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson interval of x successes in n (NaN where n = 0)."""
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        lo, hi = wilson_interval(x / n, n, z_critical(level))
    return np.where(n > 0, lo, np.nan), np.where(n > 0, hi, np.nan)


def compare(
    counts_a: pd.DataFrame, counts_b: pd.DataFrame, *, rule: str = "mode", strength_threshold: float = 0.06, adjust: str = "holm"
) -> pd.DataFrame:
    """Compare two segments or two waves attribute by attribute (category drift).

    For each attribute in both count tables (others are left out with a warning):

    - ``category_a``, ``category_b`` by ``rule`` (see :func:`summarize`) and ``changed``;
    - ``chi2``, ``df``, ``p_value``: Pearson χ² test of homogeneity of the two category
      distributions (2 × k table of A, O, M, I, R, Q without the categories empty in both;
      R ``chisq.test`` without continuity correction); ``min_expected`` is the smallest expected
      count (the χ² approximation is doubtful below 5);
    - ``better_a``, ``better_b``, ``better_change`` (= b − a), and the same for ``worse``;
    - ``better_p``, ``worse_p``: pooled two-proportion z-tests of (A+O)/N* and (O+M)/N* (R
      ``prop.test(correct=FALSE)``), and ``better_p_adj``, ``worse_p_adj`` adjusted across the
      attributes (``adjust="holm"`` (default), ``"bonferroni"``, ``"fdr_bh"`` or ``"none"``).

    >>> import pandas as pd
    >>> a = pd.DataFrame({"A": [60], "O": [20], "M": [10], "I": [10], "R": [0], "Q": [0]}, index=["x"])
    >>> b = pd.DataFrame({"A": [20], "O": [60], "M": [10], "I": [10], "R": [0], "Q": [0]}, index=["x"])
    >>> r = compare(a, b).loc["x"]
    >>> r["category_a"], r["category_b"], bool(r["changed"]), float(r["chi2"]), int(r["df"])
    ('A', 'O', True, 40.0, 3)
    """
    check_choice(adjust, ("holm", "bonferroni", "fdr_bh", "none"), "adjust", "compare", spelled=True)
    counts_matrix(counts_a, "compare")
    counts_matrix(counts_b, "compare")
    common = [i for i in counts_a.index if i in set(counts_b.index)]
    dropped = [i for i in list(counts_a.index) + list(counts_b.index) if i not in set(common)]
    if dropped:
        warnings.warn(
            f"compare: attribute(s) {', '.join(map(str, dropped))} are in only one of the two count tables and are left out",
            stacklevel=2,
        )
    ca, cb = counts_a.loc[common], counts_b.loc[common]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sa = summarize(ca, rule=rule, strength_threshold=strength_threshold)
        sb = summarize(cb, rule=rule, strength_threshold=strength_threshold)
    Xa = ca[list(CATEGORIES)].to_numpy(dtype=float)
    Xb = cb[list(CATEGORIES)].to_numpy(dtype=float)
    chi2: list[float] = []
    dfs: list[float] = []
    pv: list[float] = []
    min_e: list[float] = []
    for xa, xb in zip(Xa, Xb):
        keep = (xa + xb) > 0
        tab = np.vstack([xa[keep], xb[keep]])
        if tab.shape[1] < 2 or (tab.sum(axis=1) == 0).any():
            chi2.append(np.nan)
            dfs.append(np.nan)
            pv.append(np.nan)
            min_e.append(np.nan)
            continue
        e = tab.sum(axis=1, keepdims=True) * tab.sum(axis=0, keepdims=True) / tab.sum()
        x2 = float(((tab - e) ** 2 / e).sum())
        df = tab.shape[1] - 1
        chi2.append(x2)
        dfs.append(df)
        pv.append(float(stats.chi2.sf(x2, df)))
        min_e.append(float(e.min()))
    cat_a, cat_b = sa["category"].to_numpy(), sb["category"].to_numpy()
    shown_a, shown_b = pd.Series(cat_a), pd.Series(cat_b)  # as the table's columns hold them
    columns: dict[str, object] = {
        "category_a": cat_a,
        "category_b": cat_b,
        "changed": (shown_a != shown_b).fillna(shown_a.isna() != shown_b.isna()).astype(bool).to_numpy(),
        "rule": rule,
        "n_a": Xa.sum(axis=1),
        "n_b": Xb.sum(axis=1),
        "chi2": chi2,
        "df": dfs,
        "p_value": pv,
        "min_expected": min_e,
    }
    for coef, cats in (("better", "AO"), ("worse", "OM")):
        columns[f"{coef}_a"] = sa[coef].to_numpy()
        columns[f"{coef}_b"] = sb[coef].to_numpy()
        columns[f"{coef}_change"] = sb[coef].to_numpy() - sa[coef].to_numpy()
        xa = Xa[:, [CATEGORIES.index(c) for c in cats]].sum(axis=1)
        xb = Xb[:, [CATEGORIES.index(c) for c in cats]].sum(axis=1)
        na = Xa[:, [CATEGORIES.index(c) for c in "AOMI"]].sum(axis=1)
        nb = Xb[:, [CATEGORIES.index(c) for c in "AOMI"]].sum(axis=1)
        p = _two_proportion_p(xa, na, xb, nb)
        columns[f"{coef}_p"] = p
        columns[f"{coef}_p_adj"] = _adjust(p, adjust)
    return with_columns(pd.DataFrame(index=pd.Index(common, name=counts_a.index.name or "attribute")), columns)


def _two_proportion_p(xa: np.ndarray, na: np.ndarray, xb: np.ndarray, nb: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        pool = (xa + xb) / (na + nb)
        se = np.sqrt(pool * (1 - pool) * (1 / na + 1 / nb))
        z = (xb / nb - xa / na) / se
        p = 2 * stats.norm.sf(np.abs(z))
    same = (se == 0) & (na > 0) & (nb > 0)
    p = np.where(same, 1.0, p)
    return np.where((na > 0) & (nb > 0), p, np.nan)


def _adjust(p: np.ndarray, method: str) -> np.ndarray:
    # csmlib's own adjustment (as R p.adjust); statsmodels' multipletests runs gc.collect() on
    # every call, which made a per-segment comparison cost ~0.1 s
    return adjust_pvalues(np.where(np.isfinite(p), p, np.nan), method)


@dataclass(frozen=True)
class SegmentCategories:
    """Kano category of each attribute per customer group (:func:`segment_categories`).

    ``categories``, ``p_values`` and ``differs`` are attribute × group tables (groups as
    columns, in sorted order); ``threshold`` is the Bonferroni-corrected significance level a
    p-value is compared with; ``too_small`` the groups left out for having fewer than ``min_n``
    respondents.
    """

    categories: pd.DataFrame
    p_values: pd.DataFrame
    differs: pd.DataFrame
    threshold: float
    too_small: tuple


def segment_categories(
    categories: pd.DataFrame, groups: pd.Series, *, rule: str = "mode", min_n: int = 30, level: float = 0.95
) -> SegmentCategories:
    """The Kano category of each attribute in each customer group, and whether the group differs.

    ``categories``: the respondents' categories (:func:`csmlib.stats.kano_categories.classify`,
    one column per attribute); ``groups``: each respondent's group (same index; missing = in no
    group). For every group g with at least ``min_n`` respondents: the category of each attribute
    among g by ``rule`` (:func:`summarize`) and the χ² p-value of g's category distribution
    against that of all other respondents (:func:`compare`, the respondents in no group included
    among the others). A group *differs* on an attribute when p < (1 − ``level``) / m, m the
    number of p-values in the table (Bonferroni over groups × attributes).

    >>> import pandas as pd
    >>> cats = pd.DataFrame({"x": ["A"] * 40 + ["M"] * 40})
    >>> seg = segment_categories(cats, pd.Series(["new"] * 40 + ["old"] * 40), min_n=30)
    >>> seg.categories.loc["x"].tolist(), seg.differs.loc["x"].tolist(), round(seg.threshold, 6)
    (['A', 'M'], [True, True], 0.025)
    """
    check_level(level, "segment_categories")
    by_group: dict[Any, pd.Series] = {}
    tests: dict[Any, pd.Series] = {}
    too_small = []
    for group in sorted(groups.dropna().unique()):
        inside = groups == group
        if inside.sum() < min_n:
            too_small.append(group)
            continue
        counts_in = count(categories[inside])
        by_group[group] = summarize(counts_in, rule=rule)["category"]
        tests[group] = compare(counts_in, count(categories[~inside]), rule=rule)["p_value"]
    table = pd.DataFrame(by_group)
    p_values = pd.DataFrame(tests)
    threshold = (1 - level) / max(p_values.size, 1)
    return SegmentCategories(table, p_values, p_values < threshold, threshold, tuple(too_small))


@dataclass(frozen=True)
class KanoDrift:
    """The Kano categories across waves (:func:`drift`).

    ``by_wave``: attribute × wave table of categories (NaN where an attribute was not asked),
    earlier waves first and this wave last; ``previous_wave``: the last earlier wave with Kano
    results (``None`` when there is none); ``change``: :func:`compare` of that wave's counts (a)
    with this wave's (b) over the attributes of both (``None`` without a previous wave).
    """

    by_wave: pd.DataFrame
    previous_wave: str | None
    change: pd.DataFrame | None


def drift(
    history: Mapping[str, Mapping[str, Any]],
    current_wave: str,
    summary: pd.DataFrame,
    counts: pd.DataFrame,
    *,
    rule: str = "mode",
) -> KanoDrift:
    """Kano categories of earlier waves and this one, and the change since the previous results.

    ``history`` maps earlier wave ids (oldest first) to the Kano report's saved results:
    ``summary`` (records or a frame with ``attribute`` and ``category``) and ``counts``
    (``attribute`` and the A, O, M, I, R, Q counts); waves without a summary (no Kano questions)
    are skipped. ``summary`` and ``counts`` are this wave's, indexed by attribute. The change is
    :func:`compare` (χ² test of the two category distributions, Better/Worse changes) of the
    last earlier wave with results against this wave, over the attributes asked in both.

    >>> import pandas as pd
    >>> was = {"attribute": "x", "A": 60, "O": 20, "M": 10, "I": 10, "R": 0, "Q": 0}
    >>> saved = {"2026Q1": {"summary": [{"attribute": "x", "category": "A"}], "counts": [was]}}
    >>> now = pd.DataFrame({"A": [20], "O": [60], "M": [10], "I": [10], "R": [0], "Q": [0]}, index=["x"])
    >>> d = drift(saved, "2026Q2", pd.DataFrame({"category": ["O"]}, index=["x"]), now)
    >>> d.by_wave.loc["x"].tolist(), d.previous_wave, bool(d.change.loc["x", "changed"])
    (['A', 'O'], '2026Q1', True)
    """
    with_results = {wave: saved for wave, saved in history.items() if len(saved.get("summary") or []) > 0}
    long = values_by_wave(with_results, "summary", "attribute", ["category"], current_wave=current_wave, current=summary)
    by_wave = spread_by_wave(long, "attribute", "category")
    if not with_results:
        return KanoDrift(by_wave, None, None)
    previous_wave, previous = list(with_results.items())[-1]
    saved_counts = previous.get("counts")
    if saved_counts is None or not len(saved_counts):
        return KanoDrift(by_wave, previous_wave, None)
    before = pd.DataFrame(saved_counts).set_index("attribute")
    common = [a for a in counts.index if a in before.index]
    return KanoDrift(by_wave, previous_wave, compare(before.loc[common], counts.loc[common], rule=rule))
