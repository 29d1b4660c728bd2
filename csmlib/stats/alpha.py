"""The α family of a scale — Cronbach's α, Guttman's λ and split-half, ordinal α — as R psych 2.5.3.

This module also holds the rules every statistic of the α family shares (:func:`omega` and
:func:`item_statistics` included): loading the items (:func:`load_scale`: constant items dropped
with a warning, n ≥ 2 rows), the small-sample rule (:func:`is_small_sample`), the singular
correlation matrix (:func:`is_singular`) and the first principal component. The conventions are
those of :mod:`csmlib.stats.reliability` (method note ``reliability.md`` §1, §2, §5), which
re-exports every public name here.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from csmlib.stats.factor_extraction import smc
from csmlib.stats.items import ItemData, Moments, load_items, moments
from csmlib.stats.polychoric import polychoric_matrix
from csmlib.stats.validate import check_choice, check_level

__all__ = [
    "AlphaResult",
    "GuttmanResult",
    "OrdinalAlphaResult",
    "cronbach_alpha",
    "guttman",
    "ordinal_alpha",
    "is_small_sample",
    "SMALL_SAMPLE_N",
    "SMALL_SAMPLE_ROWS_PER_ITEM",
    "load_scale",
    "trusted_n",
    "is_singular",
    "singular_reason",
    "alpha_coefficients",
    "first_principal_component",
]

_CI_METHODS = ("feldt", "duhachek", "bootstrap")
_CI_N = ("input_rows", "complete_rows")
_EXHAUSTIVE_SPLIT_LIMIT = 16  # enumerate all splits up to k = 16 (≤ 6,435 distinct splits)
_SINGULAR_TOL = 1e-10  # |smallest eigenvalue of R| below this × k: R is singular

#: Fewer respondents than this: a reliability estimate is too imprecise to trust (see
#: :func:`is_small_sample`).
SMALL_SAMPLE_N = 30
#: Fewer respondents per item than this: the item correlation matrix is too noisy to trust.
SMALL_SAMPLE_ROWS_PER_ITEM = 2


# --------------------------------------------------------------------------------------------
# Rules shared by the α family (α, λ, ω, item analysis)
# --------------------------------------------------------------------------------------------


def is_small_sample(n: int, k: int) -> bool:
    """True when n respondents are too few to trust a reliability estimate of k items.

    Rule: ``n < 30`` or ``n < 2k`` (:data:`SMALL_SAMPLE_N`, :data:`SMALL_SAMPLE_ROWS_PER_ITEM`).
    n is the smallest number of respondents behind any inter-item covariance (the complete rows
    when ``missing="listwise"`` or without missing values).

    Rationale:

    - n < 30: the Feldt 95 % interval of α is then wider than the bands a report reads α by
      (.7 / .8 / .9): for α = .80 with k = 5 items it runs from .67 to .89 at n = 30 (F quantiles
      of F(29, 116)) and from .48 to .93 at n = 9 — the verdict "acceptable" or "good" is not
      supported by the data (Feldt, Woodruff & Salih 1987; the conventional n ≥ 30 floor for
      α studies, e.g. Yurdugül 2008).
    - n < 2k: the sample item correlation matrix is then dominated by noise in its smallest
      eigenvalues — for uncorrelated items its smallest eigenvalue tends to (1 − sqrt(k/n))²
      (Marchenko & Pastur 1967), 0.086 at n = 2k and 0 at n = k — so SMCs, λ6, ω and any factor
      model of the items are unstable; with n ≤ k the matrix is singular.

    References: Feldt, Woodruff & Salih (1987) *Appl. Psych. Meas.* 11:93–103; Marchenko &
    Pastur (1967) *Math. USSR-Sbornik* 1:457–483; Yurdugül (2008) *Hacettepe Univ. J. Educ.*
    35:397–405.

    Examples
    --------
    >>> from csmlib.stats.reliability import is_small_sample
    >>> is_small_sample(9, 11), is_small_sample(40, 11), is_small_sample(40, 27)
    (True, False, True)
    """
    return bool(n < SMALL_SAMPLE_N or n < SMALL_SAMPLE_ROWS_PER_ITEM * k)


def load_scale(items: pd.DataFrame | ArrayLike, *, missing: str, caller: str) -> tuple[ItemData, Moments]:
    """Items and moments for the α family: every check of :func:`csmlib.stats.items.load_items`
    (constant items dropped with a warning) except its n > k rule, which only factor models
    need; here n ≥ 2 rows (listwise: complete rows) suffice.

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.alpha import load_scale
    >>> data, mom = load_scale(pd.DataFrame({"a": [1, 2, 4], "b": [2, 1, 5], "c": [3, 5, 4]}), missing="pairwise", caller="")
    >>> data.n, round(float(mom.R[0, 1]), 4)
    (3, 0.8386)
    """
    return load_items(items, missing=missing, constant="drop", caller=caller, min_n=2)


def trusted_n(data: ItemData, mom: Moments) -> int:
    """Smallest number of respondents behind any covariance (complete rows without missing): the n
    of :func:`is_small_sample`."""
    return int(mom.N.min()) if data.has_missing else int(data.X.shape[0])


def is_singular(R: np.ndarray) -> bool:
    """R (k × k) singular: |smallest eigenvalue| below 1e-10·k (always so when n ≤ k).

    Examples
    --------
    >>> import numpy as np
    >>> from csmlib.stats.alpha import is_singular
    >>> is_singular(np.ones((3, 3))), is_singular(np.eye(3))
    (True, False)
    """
    return bool(abs(np.linalg.eigvalsh(R)[0]) < _SINGULAR_TOL * R.shape[0])


def singular_reason(n: int, k: int) -> str:
    """Why the item correlation matrix is singular, for the warnings (n rows, k items)."""
    if n <= k:
        return (
            f"with n = {n} rows for k = {k} items the item correlation matrix is singular "
            "(each item is an exact linear combination of the others in so few rows)"
        )
    return "the item correlation matrix is singular (an item is a linear combination of others)"


def first_principal_component(R: np.ndarray) -> np.ndarray:
    """First principal-component loadings sqrt(λ₁)·v₁ of R, signed so that they sum positive
    (psych ``principal``); a negative loading marks a probably reverse-keyed item.

    Examples
    --------
    >>> import numpy as np
    >>> from csmlib.stats.alpha import first_principal_component
    >>> R = np.array([[1.0, 0.5, -0.4], [0.5, 1.0, -0.3], [-0.4, -0.3, 1.0]])
    >>> (first_principal_component(R) < 0).tolist()
    [False, False, True]
    """
    w, v = np.linalg.eigh(R)
    load = v[:, -1] * math.sqrt(max(w[-1], 0.0))
    return -load if load.sum() < 0 else load


# --------------------------------------------------------------------------------------------
# α and its relatives from C and R (psych alpha.1)
# --------------------------------------------------------------------------------------------


def alpha_coefficients(C: np.ndarray, R: np.ndarray, singular: bool = False) -> dict:
    """α and its relatives from C and R (psych ``alpha.1``; formulas in :func:`cronbach_alpha`):
    ``raw`` α, ``std`` α, ``average_r`` r̄, ``sn`` signal/noise, ``g6`` λ6 and ``q`` (Duhachek's
    Q, ASE = sqrt(Q/n)). λ6 is NaN when R is ``singular``, raw α and Q when the total score has no
    variance (ΣC ≤ 0).

    Examples
    --------
    >>> import numpy as np
    >>> from csmlib.stats.alpha import alpha_coefficients
    >>> C = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> a = alpha_coefficients(C, C)
    >>> [round(float(a[key]), 4) for key in ("raw", "std", "average_r", "sn")]
    [0.6667, 0.6667, 0.5, 2.0]
    """
    k = C.shape[0]
    sum_c, tr_c = C.sum(), np.trace(C)
    sum_r = R.sum()
    total_var = sum_c > 0
    raw = k / (k - 1) * (1 - tr_c / sum_c) if total_var else np.nan
    std = k / (k - 1) * (1 - k / sum_r)
    av_r = (sum_r - k) / (k * (k - 1))
    g6 = np.nan if singular else 1 - (k - smc(R).sum()) / sum_r
    cc = C @ C
    q = (2 * k**2 / ((k - 1) ** 2 * sum_c**3)) * (sum_c * (np.trace(cc) + tr_c**2) - 2 * tr_c * cc.sum()) if total_var else np.nan
    return {"raw": raw, "std": std, "average_r": av_r, "sn": k * av_r / (1 - av_r), "g6": g6, "q": q}


def _z(level: float) -> float:
    """psych uses exactly 1.96 for the 95% Duhachek interval; other levels use the normal quantile."""
    return 1.96 if abs(level - 0.95) < 1e-12 else float(stats.norm.ppf(0.5 + level / 2))


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's α with its interval (psych ``alpha`` + ``alpha.ci``)."""

    alpha: float  # raw α (from C)
    std_alpha: float  # standardized α (from R)
    ci_low: float
    ci_high: float
    level: float
    ci_method: str  # "feldt" | "duhachek" | "bootstrap"
    n: int  # n used for the interval
    ci_n: str  # "input_rows" | "complete_rows" (bootstrap: rows resampled)
    n_rows: int  # rows given
    n_complete: int  # rows with every item present
    k: int
    average_r: float
    signal_to_noise: float
    g6: float  # Guttman λ6 (SMC), always from R
    ase: float  # Duhachek–Iacobucci asymptotic standard error sqrt(Q/n)
    missing: str
    items: tuple[str, ...]
    dropped_items: tuple[str, ...]  # constant items dropped with a warning
    negative_items: tuple[str, ...]  # negative first-principal-component loading (reverse-keyed?)
    small_sample: bool = False  # too few respondents to trust the value (is_small_sample)


def cronbach_alpha(
    items: pd.DataFrame | ArrayLike,
    *,
    missing: str = "pairwise",
    ci: str = "feldt",
    level: float = 0.95,
    n_boot: int = 1000,
    seed: int | None = None,
    ci_n: str = "input_rows",
) -> AlphaResult:
    """Cronbach's coefficient α, standardized α and a confidence interval.

    Formulas (k items, C covariance, R correlation):

    - α = k/(k−1)·(1 − tr C/ΣC); standardized α = k/(k−1)·(1 − k/ΣR) = k·r̄/(1 + (k−1)·r̄),
      r̄ = (ΣR − k)/(k(k−1)); signal/noise = k·r̄/(1 − r̄); λ6 = 1 − (k − Σ smc_i)/ΣR.
    - Feldt: [1 − (1−α)·F_{1−a/2}(n−1, (n−1)(k−1)), 1 − (1−α)·F_{a/2}(n−1, (n−1)(k−1))],
      a = 1 − level.
    - Duhachek–Iacobucci: Q = 2k²/((k−1)²(ΣC)³)·[ΣC·(tr(CC) + (tr C)²) − 2·tr C·Σ(CC)],
      ASE = sqrt(Q/n), interval α ± 1.96·ASE (exactly 1.96 at level .95, as psych).
    - Bootstrap: percentile interval of α over ``n_boot`` resamples of the rows (seeded).

    Items with a negative loading on the first principal component are listed in
    ``negative_items`` with a warning (psych ``alpha``); they are not reversed.

    Small samples: α and its intervals need only n ≥ 2 rows (listwise: complete rows) and a total
    score with variance — also with fewer rows than items, as psych ``alpha``. When the item
    correlation matrix is singular (always when n ≤ k) λ6 is NaN with a warning (conventions of
    :mod:`csmlib.stats.reliability`). ``small_sample`` is True when n < 30 or n < 2k
    (:func:`is_small_sample`): the report should say that the value is too imprecise to trust. A
    total score without variance gives a NaN α with a warning.

    Parameters
    ----------
    items : DataFrame
        One column per item (numeric, NaN = missing).
    missing : {"pairwise", "listwise"}
        Pairwise C and R (psych) or complete rows only (jamovi).
    ci : {"feldt", "duhachek", "bootstrap"}
    level : float
        Confidence level of the interval.
    n_boot, seed : int
        Bootstrap replicates and seed (``ci="bootstrap"`` only).
    ci_n : {"input_rows", "complete_rows"}
        n of the analytic intervals: the number of input rows (psych and pingouin, also when rows
        are dropped listwise) or the number of complete rows. The n used is in ``result.n``.

    References
    ----------
    Cronbach (1951) *Psychometrika* 16:297–334; Feldt, Woodruff & Salih (1987) *Appl. Psych.
    Meas.* 11:93–103; Duhachek & Iacobucci (2004) *J. Appl. Psychol.* 89:792–808; Revelle,
    psych ``alpha`` (2.5.3).

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.reliability import cronbach_alpha
    >>> df = pd.DataFrame({"q1": [4, 5, 3, 4, 2, 5, 3, 4], "q2": [4, 4, 3, 5, 2, 5, 2, 4],
    ...                    "q3": [3, 5, 2, 4, 3, 4, 3, 5]})
    >>> res = cronbach_alpha(df)
    >>> round(res.alpha, 3), res.n, res.ci_method
    (0.869, 8, 'feldt')
    """
    check_choice(ci, _CI_METHODS, "ci", "cronbach_alpha")
    check_choice(ci_n, _CI_N, "ci_n", "cronbach_alpha")
    check_level(level, "cronbach_alpha")
    data, mom = load_scale(items, missing=missing, caller="cronbach_alpha")
    k = len(data.names)
    singular = is_singular(mom.R)
    if singular:
        warnings.warn(
            f"cronbach_alpha: {singular_reason(data.n, k)}; its squared multiple "
            "correlations are all 1, so λ6 (g6) is undefined (NaN)",
            stacklevel=2,
        )
    a = alpha_coefficients(mom.C, mom.R, singular)
    if not mom.C.sum() > 0:
        warnings.warn(
            "cronbach_alpha: the total score has no variance (the items cancel out); α is undefined (NaN)", stacklevel=2
        )
    n_ci = data.n_rows if ci_n == "input_rows" else data.n_complete
    if n_ci < 2:
        raise ValueError(f"cronbach_alpha: the interval needs at least 2 complete rows; n = {n_ci} (ci_n={ci_n!r})")
    ase = math.sqrt(a["q"] / n_ci) if np.isfinite(a["q"]) and a["q"] >= 0 else math.nan
    if ci == "feldt":
        df1, df2 = n_ci - 1, (n_ci - 1) * (k - 1)
        tail = (1 - level) / 2
        lo = 1 - (1 - a["raw"]) * stats.f.ppf(1 - tail, df1, df2)
        hi = 1 - (1 - a["raw"]) * stats.f.ppf(tail, df1, df2)
    elif ci == "duhachek":
        z = _z(level)
        lo, hi = a["raw"] - z * ase, a["raw"] + z * ase
    else:
        if n_boot < 2:
            raise ValueError("cronbach_alpha: n_boot must be at least 2")
        boot = _bootstrap_alpha(data, n_boot, seed)
        lo, hi = np.nanquantile(boot, [(1 - level) / 2, 1 - (1 - level) / 2])
        n_ci, ci_n = data.X.shape[0], "rows_resampled"
    negative = _negative_items(mom.R, data.names, "cronbach_alpha")
    return AlphaResult(
        alpha=float(a["raw"]),
        std_alpha=float(a["std"]),
        ci_low=float(lo),
        ci_high=float(hi),
        level=level,
        ci_method=ci,
        n=int(n_ci),
        ci_n=ci_n,
        n_rows=data.n_rows,
        n_complete=data.n_complete,
        k=k,
        average_r=float(a["average_r"]),
        signal_to_noise=float(a["sn"]),
        g6=float(a["g6"]),
        ase=ase,
        missing=data.missing,
        items=data.names,
        dropped_items=data.dropped,
        negative_items=negative,
        small_sample=is_small_sample(trusted_n(data, mom), k),
    )


def _negative_items(R: np.ndarray, names: tuple[str, ...], caller: str) -> tuple[str, ...]:
    """Items loading negatively on the first principal component, with psych's warning."""
    negative = tuple(names[i] for i in np.flatnonzero(first_principal_component(R) < 0))
    if negative:
        warnings.warn(
            f"{caller}: item(s) {', '.join(negative)} correlate negatively with the "
            "first principal component and are probably reverse-keyed; nothing was "
            "reversed (see reverse_items)",
            stacklevel=3,
        )
    return negative


def _bootstrap_alpha(data: ItemData, n_boot: int, seed: int | None) -> np.ndarray:
    """Raw α over bootstrap resamples of the rows (pairwise C when values are missing)."""
    rng = np.random.default_rng(seed)
    X = data.X
    n, k = X.shape
    out = np.empty(n_boot)
    block = 1 << 15
    for b in range(n_boot):
        if data.has_missing:
            sample = X[rng.integers(0, n, n)]
            try:
                C = moments(ItemData(data.names, sample, n, 0, n, data.missing, True)).C
            except ValueError:
                out[b] = np.nan
                continue
        else:
            w = np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
            mu = (w @ X) / n
            gram = np.zeros((k, k))
            for s in range(0, n, block):
                d = X[s : s + block] - mu
                gram += d.T @ (d * w[s : s + block, None])
            C = gram / (n - 1)
        sum_c = C.sum()
        out[b] = k / (k - 1) * (1 - np.trace(C) / sum_c) if sum_c > 0 else np.nan
    return out


# --------------------------------------------------------------------------------------------
# Guttman's λ and split-half reliabilities
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GuttmanResult:
    """Guttman's lower bounds and split-half reliabilities (psych ``splitHalf``/``guttman``)."""

    lambda1: float
    lambda2: float
    lambda3: float  # = standardized α
    lambda4: float  # maximum split-half
    lambda6: float
    beta: float  # minimum split-half (Revelle's β)
    mean_split_half: float
    n_splits: int
    exhaustive: bool  # all distinct splits (k ≤ 16) or a seeded random sample
    best_split: tuple[str, ...]  # items of one half of the λ4 split
    worst_split: tuple[str, ...]  # items of one half of the β split
    negative_items: tuple[str, ...]  # negative loading on the first principal component
    reversed_items: tuple[str, ...]  # reversed for the computation (check_keys=True only)
    n: int
    k: int
    missing: str
    small_sample: bool = False  # too few respondents to trust the values (is_small_sample)


def guttman(
    items: pd.DataFrame | ArrayLike,
    *,
    missing: str = "pairwise",
    check_keys: bool = False,
    n_sample: int = 10_000,
    seed: int | None = None,
) -> GuttmanResult:
    """Guttman's λ1, λ2, λ3, λ4, λ6 and the split-half distribution (β, mean).

    On the item correlation matrix R (k items, ΣR the sum of all its elements):
    λ1 = 1 − k/ΣR; λ2 = [ΣR − k + sqrt(k/(k−1)·Σ_{i≠j} r_ij²)]/ΣR; λ3 = k/(k−1)·λ1;
    λ6 = 1 − (k − Σ smc_i)/ΣR. Each split of the items into halves A and B (|A| = ⌊k/2⌋) has the
    Flanagan–Rulon (Guttman) split-half ρ_AB = 4·Σ_{i∈A, j∈B} r_ij / ΣR; λ4 is the maximum, β the
    minimum and the mean is taken over all distinct splits when k ≤ 16 (C(k, ⌊k/2⌋) splits for odd k,
    half of C(k, k/2) for even k). Above 16 items ``n_sample`` random splits are drawn (seeded with
    ``seed``; stochastic, as psych).

    psych conventions kept: R = cov2cor(pairwise covariance) as ``splitHalf`` (equal to the
    pairwise correlation without missing values); when all splits are enumerated each ρ_AB enters
    in absolute value. psych ``splitHalf`` reverses items with negative first-principal-component
    loadings by default; here that happens only with ``check_keys=True`` (reported in
    ``reversed_items``); otherwise such items are reported in ``negative_items`` with a warning.

    Small samples: everything but λ6 is defined for n ≥ 2 rows; λ6 is NaN with a warning when R
    is singular (always when n ≤ k; conventions of :mod:`csmlib.stats.reliability`).
    ``small_sample`` as :func:`cronbach_alpha`.

    References: Guttman (1945) *Psychometrika* 10:255–282; Revelle (1979) *MBR* 14:57–74;
    Revelle, psych ``splitHalf`` (2.5.3).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csmlib.stats.reliability import guttman
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(300, 1)) + rng.normal(size=(300, 6))
    >>> g = guttman(pd.DataFrame(x))
    >>> g.n_splits, g.lambda4 >= g.mean_split_half >= g.beta
    (10, True)
    """
    data, mom = load_scale(items, missing=missing, caller="guttman")
    R = mom.R_cov.copy()
    names = list(data.names)
    k = len(names)
    pc1 = first_principal_component(R)
    negative = tuple(names[i] for i in np.flatnonzero(pc1 < 0))
    reversed_items: tuple[str, ...] = ()
    if negative:
        if check_keys:
            keys = np.where(pc1 < 0, -1.0, 1.0)
            R = R * np.outer(keys, keys)
            reversed_items = negative
            warnings.warn(
                f"guttman: item(s) {', '.join(negative)} were reversed for the computation (check_keys=True)", stacklevel=2
            )
        else:
            warnings.warn(
                f"guttman: item(s) {', '.join(negative)} load negatively on the first "
                "principal component and are probably reverse-keyed; reverse them "
                "(reverse_items) or use check_keys=True",
                stacklevel=2,
            )
    sum_r = R.sum()
    off = R - np.diag(np.diag(R))
    lambda1 = 1 - k / sum_r
    lambda2 = (sum_r - k + math.sqrt(k / (k - 1) * np.sum(off**2))) / sum_r
    if is_singular(R):
        warnings.warn(
            f"guttman: {singular_reason(data.n, k)}; its squared multiple correlations are all 1, so λ6 is undefined (NaN)",
            stacklevel=2,
        )
        lambda6 = np.nan
    else:
        lambda6 = 1 - (k - smc(R).sum()) / sum_r
    half = k // 2
    exhaustive = k <= _EXHAUSTIVE_SPLIT_LIMIT
    if exhaustive:
        if k % 2 == 0:  # fix item 0 in A: each split counted once
            combos = [(0,) + c for c in itertools.combinations(range(1, k), half - 1)]
        else:
            combos = list(itertools.combinations(range(k), half))
        A = np.zeros((len(combos), k))
        A[np.repeat(np.arange(len(combos)), half), np.asarray(combos).ravel()] = 1.0
    else:
        if n_sample < 1:
            raise ValueError("guttman: n_sample must be positive")
        rng = np.random.default_rng(seed)
        order = np.argsort(rng.random((n_sample, k)), axis=1)[:, :half]
        A = np.zeros((n_sample, k))
        A[np.repeat(np.arange(n_sample), half), order.ravel()] = 1.0
    cross = np.sum((A @ R) * (1.0 - A), axis=1)
    rho = 4.0 * cross / sum_r
    if exhaustive:
        rho = np.abs(rho)
    best, worst = int(np.argmax(rho)), int(np.argmin(rho))
    return GuttmanResult(
        lambda1=float(lambda1),
        lambda2=float(lambda2),
        lambda3=float(k / (k - 1) * lambda1),
        lambda4=float(rho[best]),
        lambda6=float(lambda6),
        beta=float(rho[worst]),
        mean_split_half=float(rho.mean()),
        n_splits=len(rho),
        exhaustive=exhaustive,
        best_split=tuple(names[i] for i in np.flatnonzero(A[best])),
        worst_split=tuple(names[i] for i in np.flatnonzero(A[worst])),
        negative_items=negative,
        reversed_items=reversed_items,
        n=data.n,
        k=k,
        missing=data.missing,
        small_sample=is_small_sample(trusted_n(data, mom), k),
    )


# --------------------------------------------------------------------------------------------
# Ordinal α
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrdinalAlphaResult:
    """Ordinal α: standardized α of the polychoric correlation matrix."""

    alpha: float
    average_r: float
    polychoric: pd.DataFrame
    thresholds: pd.DataFrame
    global_thresholds: bool
    corrected_pairs: int
    smoothed: bool
    n: int
    k: int
    missing: str
    dropped_items: tuple[str, ...]


def ordinal_alpha(
    items: pd.DataFrame | ArrayLike, *, missing: str = "pairwise", correct: float = 0.5, max_categories: int = 10
) -> OrdinalAlphaResult:
    """Ordinal α (Zumbo, Gadermann & Zeisser 2007) = psych ``alpha(polychoric(x)$rho)``.

    α_ord = k/(k−1)·(1 − k/ΣR_poly), with R_poly the two-step polychoric matrix of
    :mod:`csmlib.stats.polychoric` (psych conventions: global thresholds Φ⁻¹(cumulative proportions),
    ML ρ per pair, continuity correction ``correct`` for empty cells when items differ in their
    number of alternatives, smoothing if not positive definite). Items must have integer codes
    spanning at most ``max_categories`` values; otherwise ``ValueError`` names them.

    References: Olsson (1979) *Psychometrika* 44:443–460; Zumbo, Gadermann & Zeisser (2007)
    *J. Mod. Appl. Stat. Methods* 6:21–29; Revelle, psych ``polychoric``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csmlib.stats.reliability import ordinal_alpha
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(400, 1)) + rng.normal(size=(400, 4))
    >>> likert = pd.DataFrame(np.digitize(z, [-1.5, -0.5, 0.5, 1.5]) + 1)
    >>> 0.5 < ordinal_alpha(likert).alpha < 1
    True
    """
    data, mom = load_items(items, missing=missing, constant="drop", caller="ordinal_alpha")
    poly = polychoric_matrix(data, correct=correct, max_categories=max_categories)
    R = poly.rho.to_numpy()
    k = len(data.names)
    sum_r = R.sum()
    return OrdinalAlphaResult(
        alpha=float(k / (k - 1) * (1 - k / sum_r)),
        average_r=float((sum_r - k) / (k * (k - 1))),
        polychoric=poly.rho,
        thresholds=poly.thresholds,
        global_thresholds=poly.global_thresholds,
        corrected_pairs=poly.corrected_pairs,
        smoothed=poly.smoothed,
        n=data.n,
        k=k,
        missing=data.missing,
        dropped_items=data.dropped,
    )
