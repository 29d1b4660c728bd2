"""Kano intervals and comparisons: Better/Worse confidence intervals, segment and wave drift.

:func:`better_worse_ci` gives bootstrap (or Wilson) intervals for Better and Worse, and
:func:`compare` compares two segments or two waves attribute by attribute (method note
``kano.md`` §5 and §7; conventions and references: :mod:`csmlib.stats.kano`, which re-exports
both). The Wilson interval and the p-value adjustment are the shared ones of
:mod:`csmlib.stats.inference`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from csmlib.stats.inference import adjust_pvalues, wilson_interval, z_critical
from csmlib.stats.kano_categories import count, counts_matrix, summarize
from csmlib.stats.validate import check_choice, check_level
from csmlib.survey.kano_answers import CATEGORIES

__all__ = ["better_worse_ci", "compare"]


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
    out = pd.DataFrame(index=pd.Index(common, name=counts_a.index.name or "attribute"))
    out["category_a"] = sa["category"].to_numpy()
    out["category_b"] = sb["category"].to_numpy()
    out["changed"] = (
        (out["category_a"] != out["category_b"]).fillna(out["category_a"].isna() != out["category_b"].isna()).astype(bool)
    )
    out["rule"] = rule
    out["n_a"] = Xa.sum(axis=1)
    out["n_b"] = Xb.sum(axis=1)
    out["chi2"] = chi2
    out["df"] = dfs
    out["p_value"] = pv
    out["min_expected"] = min_e
    for coef, cats in (("better", "AO"), ("worse", "OM")):
        out[f"{coef}_a"] = sa[coef].to_numpy()
        out[f"{coef}_b"] = sb[coef].to_numpy()
        out[f"{coef}_change"] = out[f"{coef}_b"] - out[f"{coef}_a"]
        xa = Xa[:, [CATEGORIES.index(c) for c in cats]].sum(axis=1)
        xb = Xb[:, [CATEGORIES.index(c) for c in cats]].sum(axis=1)
        na = Xa[:, [CATEGORIES.index(c) for c in "AOMI"]].sum(axis=1)
        nb = Xb[:, [CATEGORIES.index(c) for c in "AOMI"]].sum(axis=1)
        p = _two_proportion_p(xa, na, xb, nb)
        out[f"{coef}_p"] = p
        out[f"{coef}_p_adj"] = _adjust(p, adjust)
    return out


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
