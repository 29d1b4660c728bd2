"""Exploratory factor analysis, KMO, Bartlett's test and parallel analysis, as R psych 2.5.3.

:mod:`csmlib.stats.reliability` re-exports :func:`efa`, :func:`kmo`, :func:`bartlett` and
:func:`parallel_analysis`. The numerical work on R is in :mod:`csmlib.stats.factor_extraction`
(extraction, ordering, fit) and :mod:`csmlib.stats.factor_rotation`. The item checks and the
covariance/correlation computation shared by every scale statistic live in
:mod:`csmlib.stats.items`; their names (:class:`ItemData`, :class:`Moments`, :func:`prepare_items`,
:func:`load_items`, :func:`moments`, :func:`correlation`, ``MISSING_MODES``) are re-exported here
for code written when they lived in this module.

Conventions (method note ``reliability.md``):

- **Missing data.** ``missing="pairwise"`` (psych default): R is the pairwise Pearson correlation
  (each pair uses the rows where both items are present) and n is the number of input rows, as
  psych does. ``missing="listwise"``: incomplete rows are dropped first and n is the number of
  complete rows. Every result states ``n`` and ``missing``.
- **Extraction** (psych ``fa``): ``"minres"`` (= ULS, uniquenesses bounded in [0.005, 1], start
  1 − SMC), ``"ml"`` (factanal's likelihood, same bounds) and ``"pa"`` (iterated principal axes
  started at the SMCs, stopping as psych when the total communality changes by less than
  ``min_err=0.001`` or after ``max_iter=50`` iterations).
- **Rotation**: ``"varimax"`` (Kaiser-normalised, R ``stats::varimax``), ``"oblimin"`` (GPArotation,
  γ = 0), ``"promax"`` (psych: Kaiser-normalised ``Promax``, m = 4) or ``None``; factors are then
  flipped so that each loading column sums positive and sorted by the variance they explain
  (diag(Φ L'L) for oblique rotations); Φ is permuted and flipped with them.
- **Communalities** h² = diag(L Φ L') (not row sums of squared pattern loadings).
- **Fit** (psych ``fa.stats``): F = tr(M⁻¹R) − ln|M⁻¹R| − k with M = LΦL' (unit diagonal);
  χ² = F·(n − 1 − (2k+5)/6 − 2f/3); df = k(k−1)/2 − kf + f(f−1)/2;
  RMSEA = sqrt(max(χ²/(df·n) − 1/(n−1), 0)) with a 90% interval from the non-central χ²;
  TLI = (M₀ − F/df)/(M₀ − 1/m_B) with M₀ = −ln|R|/(k(k−1)/2); BIC = χ² − df·ln n.

factor_analyzer 0.5.1 is not used (method note ``reliability.md`` §4): after an oblique rotation its
``phi_`` is not reordered with the factors, its oblique communalities are pattern row sums, it
median-imputes missing values silently, and its CFA model parser fails under pandas 3. csmlib
computes everything from its own correlation matrix; factor_analyzer stays a cross-check in the
tests and benchmarks only.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from csmlib.stats.factor_extraction import UNIQUENESS_BOUND, FitStatistics, extract, fit_factors, fit_statistics
from csmlib.stats.items import MISSING_MODES, ItemData, Moments, correlation, load_items, moments, prepare_items

__all__ = [
    "EFAResult",
    "KMOResult",
    "BartlettResult",
    "ParallelAnalysisResult",
    "efa",
    "kmo",
    "bartlett",
    "parallel_analysis",
    "kaiser_label",
    "match_dimensions",
    # re-exported from csmlib.stats.items (their home)
    "MISSING_MODES",
    "ItemData",
    "Moments",
    "prepare_items",
    "load_items",
    "moments",
    "correlation",
]


# --------------------------------------------------------------------------------------------
# Public: efa
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EFAResult(FitStatistics):
    """Exploratory factor analysis (psych ``fa``): the solution below, plus the psych ``fa.stats``
    fit fields (``chi2``, ``rmsea``, ``tli``, ``bic``...) inherited from
    :class:`csmlib.stats.factor_extraction.FitStatistics`, their only declaration."""

    loadings: pd.DataFrame  # pattern (items × F1..Fm), factors sorted by variance explained
    structure: pd.DataFrame  # L Φ
    phi: pd.DataFrame  # factor correlations in the same order (identity if orthogonal)
    communalities: pd.Series  # h² = diag(L Φ L')
    uniquenesses: pd.Series  # u² = 1 − h²
    variance: pd.DataFrame  # SS loadings, proportion and cumulative proportion per factor
    eigenvalues: pd.Series  # eigenvalues of R
    heywood: bool
    heywood_items: tuple[str, ...]
    n_factors: int
    method: str
    rotation: str
    converged: bool
    iterations: int
    n: int
    k: int
    missing: str


def efa(
    items: pd.DataFrame | ArrayLike,
    n_factors: int,
    *,
    method: str = "minres",
    rotation: str | None = "oblimin",
    missing: str = "pairwise",
    max_iter: int = 50,
    min_err: float = 0.001,
) -> EFAResult:
    """Exploratory factor analysis with psych ``fa`` conventions.

    Parameters
    ----------
    items : DataFrame
        Respondents × items (numeric; NaN = missing).
    n_factors : int
        Number of factors f (1 ≤ f < k).
    method : {"minres", "ml", "pa"}
        minres = unweighted least squares on the off-diagonal residuals; ml = maximum likelihood
        (factanal's objective); pa = iterated principal axes (psych: SMC start, stops when the
        total communality changes by < ``min_err`` or after ``max_iter`` iterations).
    rotation : {"oblimin", "varimax", "promax", None}
        oblimin = GPArotation direct oblimin (γ = 0); varimax = Kaiser-normalised R varimax;
        promax = psych's Kaiser-normalised Promax (m = 4); None = unrotated.
    missing : {"pairwise", "listwise"}
        Pairwise correlations with n = input rows (psych), or complete rows only.

    Returns
    -------
    EFAResult
        ``loadings`` (pattern), ``phi``, ``communalities`` h² = diag(LΦL'), ``uniquenesses``,
        fit (``chi2``, ``df``, ``p_value``, ``rmsea`` and its 90% interval, ``tli``, ``bic``),
        ``heywood`` (any u² ≤ 0.005, the bound where ML/minres stop, or h² ≥ 1), n and missing.

    Notes
    -----
    χ² = F·(n − 1 − (2k+5)/6 − 2f/3), F = tr(M⁻¹R) − ln|M⁻¹R| − k, M = LΦL' with unit diagonal;
    RMSEA = sqrt(max(χ²/(df·n) − 1/(n−1), 0)) (psych mixes n and n − 1), interval bounds
    sqrt(λ/((n−1)·df)) where λ solves P(χ²_df(λ) ≤ χ²) = .95 / .05;
    TLI = (M₀ − F/df)/(M₀ − 1/m_B); BIC = χ² − df·ln n.

    References
    ----------
    Revelle, psych ``fa``/``fa.stats`` (2.5.3). Harman & Jones (1966) minres; Jöreskog (1967) ML;
    Tucker & Lewis (1973); Browne & Cudeck (1993); Bernaards & Jennrich (2005).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csmlib.stats.reliability import efa
    >>> rng = np.random.default_rng(1)
    >>> f = rng.normal(size=(500, 2))
    >>> x = np.repeat(f, 3, axis=1) * 0.8 + rng.normal(scale=0.6, size=(500, 6))
    >>> res = efa(pd.DataFrame(x, columns=list("abcdef")), 2)
    >>> res.n, res.loadings.shape
    (500, (6, 2))
    """
    data, R = correlation(items, missing=missing, caller="efa")
    k = len(data.names)
    if not isinstance(n_factors, (int, np.integer)) or not 1 <= n_factors < k:
        raise ValueError(f"efa: n_factors must be an integer between 1 and k − 1 = {k - 1}, got {n_factors!r}")
    n_factors = int(n_factors)
    fit = fit_factors(R, n_factors, method, rotation, max_iter=max_iter, min_err=min_err)
    names = list(data.names)
    cols = [f"F{i + 1}" for i in range(n_factors)]
    h2 = np.diag(fit.loadings @ fit.phi @ fit.loadings.T)
    u2 = 1.0 - h2
    heywood_mask = (u2 <= UNIQUENESS_BOUND + 1e-6) | (h2 >= 1.0)
    heywood_items = tuple(names[i] for i in np.flatnonzero(heywood_mask))
    if heywood_items:
        warnings.warn(
            "Heywood case: uniqueness at or below 0.005 (or communality ≥ 1) for "
            f"{', '.join(heywood_items)}; interpret loadings with care",
            stacklevel=2,
        )
    st = fit_statistics(R, fit.loadings, fit.phi, data.n, rmsea_level=0.90)
    ss = np.diag(fit.phi @ fit.loadings.T @ fit.loadings)
    variance = pd.DataFrame(
        {"ss_loadings": ss, "proportion_var": ss / k, "cumulative_var": np.cumsum(ss) / k, "proportion_explained": ss / ss.sum()},
        index=cols,
    ).T
    return EFAResult(
        loadings=pd.DataFrame(fit.loadings, index=names, columns=cols),
        structure=pd.DataFrame(fit.loadings @ fit.phi, index=names, columns=cols),
        phi=pd.DataFrame(fit.phi, index=cols, columns=cols),
        communalities=pd.Series(h2, index=names, name="h2"),
        uniquenesses=pd.Series(u2, index=names, name="u2"),
        variance=variance,
        eigenvalues=pd.Series(np.linalg.eigvalsh(R)[::-1], index=range(1, k + 1), name="eigenvalue"),
        **{f.name: getattr(st, f.name) for f in fields(FitStatistics)},
        heywood=bool(heywood_items),
        heywood_items=heywood_items,
        n_factors=n_factors,
        method=method,
        rotation=str(rotation or "none"),
        converged=fit.extraction.converged,
        iterations=fit.extraction.iterations,
        n=data.n,
        k=k,
        missing=data.missing,
    )


# --------------------------------------------------------------------------------------------
# Public: KMO and Bartlett
# --------------------------------------------------------------------------------------------

_KAISER_LABELS = ((0.9, "marvelous"), (0.8, "meritorious"), (0.7, "middling"), (0.6, "mediocre"), (0.5, "miserable"))


def kaiser_label(value: float) -> str:
    """Kaiser's (1974) verbal label for an MSA/KMO value."""
    for threshold, label in _KAISER_LABELS:
        if value >= threshold:
            return label
    return "unacceptable"


@dataclass(frozen=True)
class KMOResult:
    overall: float
    per_item: pd.Series  # MSA_i
    label: str  # Kaiser's label of the overall value
    per_item_label: pd.Series
    n: int
    k: int
    missing: str


def kmo(items: pd.DataFrame | ArrayLike, *, missing: str = "pairwise") -> KMOResult:
    """Kaiser–Meyer–Olkin measure of sampling adequacy (psych ``KMO``).

    q_ij = −(R⁻¹)_ij / sqrt((R⁻¹)_ii (R⁻¹)_jj) are the partial (anti-image) correlations;
    KMO = Σ_{i≠j} r_ij² / (Σ_{i≠j} r_ij² + Σ_{i≠j} q_ij²); MSA_i restricts both sums to row i.
    R is the pairwise correlation matrix (n = input rows) unless ``missing="listwise"``, so missing
    values do not crash the computation. Labels: ≥ .9 marvelous, ≥ .8 meritorious, ≥ .7 middling,
    ≥ .6 mediocre, ≥ .5 miserable, otherwise unacceptable.

    References: Kaiser (1970) *Psychometrika* 35:401–415; Kaiser & Rice (1974) *Educ. Psychol.
    Meas.* 34:111–117.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csmlib.stats.reliability import kmo
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(200, 1)) + rng.normal(size=(200, 4))
    >>> round(kmo(pd.DataFrame(x, columns=list("abcd"))).overall, 2) > 0.5
    True
    """
    data, R = correlation(items, missing=missing, caller="kmo")
    if np.min(np.abs(np.linalg.eigvalsh(R))) < 1e-12:
        raise ValueError(
            "kmo: the correlation matrix is singular (some items are linear "
            f"combinations of others among {', '.join(data.names)}); "
            "KMO is undefined"
        )
    inv = np.linalg.inv(R)
    if np.any(np.diag(inv) <= 0):
        raise ValueError(
            "kmo: the pairwise correlation matrix is not positive definite, so the "
            "partial correlations are undefined; use missing='listwise'"
        )
    d = np.sqrt(np.diag(inv))
    Q = inv / np.outer(d, d)
    np.fill_diagonal(Q, 0.0)
    R0 = R.copy()
    np.fill_diagonal(R0, 0.0)
    r2, q2 = R0**2, Q**2
    overall = float(r2.sum() / (r2.sum() + q2.sum()))
    msa = r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))
    names = list(data.names)
    per_item = pd.Series(msa, index=names, name="msa")
    return KMOResult(
        overall, per_item, kaiser_label(overall), per_item.map(kaiser_label).rename("label"), data.n, len(names), data.missing
    )


@dataclass(frozen=True)
class BartlettResult:
    chi2: float
    df: int
    p_value: float
    n: int
    k: int
    missing: str


def bartlett(items: pd.DataFrame | ArrayLike, *, missing: str = "pairwise") -> BartlettResult:
    """Bartlett's test of sphericity (psych ``cortest.bartlett`` on raw data).

    χ² = −(n − 1 − (2k + 5)/6)·ln|R|, df = k(k − 1)/2, with the pairwise R and n = number of rows
    (psych), or the complete rows with ``missing="listwise"``. If a pairwise R is not positive
    definite, ln|R| is undefined and NaN is returned with a warning.

    Reference: Bartlett (1950) *Br. J. Psychol. (Stat. Sect.)* 3:77–85.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csmlib.stats.reliability import bartlett
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(200, 1)) + rng.normal(size=(200, 4))
    >>> bartlett(pd.DataFrame(x, columns=list("abcd"))).df
    6
    """
    data, R = correlation(items, missing=missing, caller="bartlett")
    k, n = len(data.names), data.n
    sign, logdet = np.linalg.slogdet(R)
    df = k * (k - 1) // 2
    if sign <= 0:
        warnings.warn(
            "bartlett: the correlation matrix is not positive definite (pairwise deletion?); ln|R| and the test are undefined",
            stacklevel=2,
        )
        return BartlettResult(math.nan, df, math.nan, n, k, data.missing)
    chi2 = -(n - 1 - (2 * k + 5) / 6) * logdet
    return BartlettResult(float(chi2), df, float(stats.chi2.sf(chi2, df)), n, k, data.missing)


# --------------------------------------------------------------------------------------------
# Public: parallel analysis
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParallelAnalysisResult:
    n_factors: int  # suggested by the factor eigenvalues
    n_components: int  # suggested by the component eigenvalues
    eigenvalues: pd.DataFrame  # index 1..k: observed and simulated (mean, threshold) for pc and fa
    quantile: float | None  # None → mean of the simulations is the threshold
    n_iter: int
    seed: int | None
    method: str
    n: int
    k: int
    missing: str


def _factor_eigenvalues(R: np.ndarray, method: str) -> np.ndarray:
    """psych ``fa(R, 1)$values``: eigenvalues of R with the 1-factor communalities on the diagonal."""
    ext = extract(R, 1, method)
    S = R.copy()
    np.fill_diagonal(S, ext.communalities)
    return np.linalg.eigvalsh(S)[::-1]


def parallel_analysis(
    items: pd.DataFrame | ArrayLike,
    *,
    n_iter: int = 100,
    seed: int | None = None,
    quantile: float | None = 0.95,
    method: str = "minres",
    missing: str = "pairwise",
) -> ParallelAnalysisResult:
    """Horn's parallel analysis, psych ``fa.parallel(fa="both", sim=TRUE)`` variant.

    Observed eigenvalues: components = eigenvalues of R; factors = eigenvalues of R with the
    communalities of a one-factor ``method`` solution on the diagonal (psych ``fa(R)$values``).
    Reference eigenvalues come from ``n_iter`` correlation matrices of n × k independent normal
    variables (generated exactly via the Wishart distribution of their cross-product matrix, so the
    cost does not grow with n). The threshold is the ``quantile`` (psych ``quant=.95``) of the
    simulated eigenvalues, or their mean if ``quantile=None``. The suggested number is the count of
    leading observed eigenvalues that exceed their threshold (psych: position of the first
    failure − 1). psych's additional resampling of the observed data is not done. Results are
    stochastic: fix ``seed`` for reproducibility.

    Reference: Horn (1965) *Psychometrika* 30:179–185; Revelle, psych ``fa.parallel``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csmlib.stats.reliability import parallel_analysis
    >>> rng = np.random.default_rng(2)
    >>> f = rng.normal(size=(400, 2))
    >>> x = np.repeat(f, 3, axis=1) + rng.normal(size=(400, 6))
    >>> parallel_analysis(pd.DataFrame(x), n_iter=20, seed=1).n_factors
    2
    """
    if n_iter < 1:
        raise ValueError("parallel_analysis: n_iter must be at least 1")
    if quantile is not None and not 0 < quantile < 1:
        raise ValueError("parallel_analysis: quantile must be in (0, 1) or None")
    data, R = correlation(items, missing=missing, caller="parallel_analysis")
    k, n = len(data.names), data.n
    observed_pc = np.linalg.eigvalsh(R)[::-1]
    observed_fa = _factor_eigenvalues(R, method)
    rng = np.random.default_rng(seed)
    wishart = stats.wishart(df=n - 1, scale=np.eye(k))
    sim_pc = np.empty((n_iter, k))
    sim_fa = np.empty((n_iter, k))
    for it in range(n_iter):
        W = wishart.rvs(random_state=rng)
        d = np.sqrt(np.diag(W))
        Rs = W / np.outer(d, d)
        sim_pc[it] = np.linalg.eigvalsh(Rs)[::-1]
        sim_fa[it] = _factor_eigenvalues(Rs, method)

    def threshold(sim):
        return np.quantile(sim, quantile, axis=0) if quantile is not None else sim.mean(axis=0)

    thr_pc, thr_fa = threshold(sim_pc), threshold(sim_fa)

    def count(observed, thr):
        fails = np.flatnonzero(~(observed > thr))
        return int(fails[0]) if fails.size else len(observed)

    table = pd.DataFrame(
        {
            "observed_pc": observed_pc,
            "simulated_pc_mean": sim_pc.mean(axis=0),
            "simulated_pc_threshold": thr_pc,
            "observed_fa": observed_fa,
            "simulated_fa_mean": sim_fa.mean(axis=0),
            "simulated_fa_threshold": thr_fa,
        },
        index=pd.RangeIndex(1, k + 1, name="number"),
    )
    return ParallelAnalysisResult(
        count(observed_fa, thr_fa), count(observed_pc, thr_pc), table, quantile, n_iter, seed, method, n, k, data.missing
    )


def match_dimensions(loadings: pd.DataFrame, dimensions: dict[str, list[str]]) -> pd.DataFrame:
    """Does the EFA recover the questionnaire's dimensions?

    Each item is assigned to the factor with its largest absolute loading; each factor is named
    after the dimension most of its items belong to. Returns one row per item: ``dimension``
    (declared), ``factor``, ``loading`` (the primary loading), ``cross_loading`` (the largest
    other one), ``factor_dimension`` (the dimension the factor was matched to) and ``agrees``.
    """
    declared = {item: dim for dim, members in dimensions.items() for item in members}
    common = [i for i in loadings.index if i in declared]
    L = loadings.loc[common]
    absolute = L.abs().to_numpy()
    order = np.argsort(-absolute, axis=1)
    primary = [L.columns[j] for j in order[:, 0]]
    table = pd.DataFrame(
        {
            "dimension": [declared[i] for i in common],
            "factor": primary,
            "loading": L.to_numpy()[np.arange(len(common)), order[:, 0]],
            "cross_loading": (absolute[np.arange(len(common)), order[:, 1]] if L.shape[1] > 1 else np.zeros(len(common))),
        },
        index=pd.Index(common, name="item"),
    )
    names = table.groupby("factor")["dimension"].agg(lambda s: s.value_counts().index[0])
    table["factor_dimension"] = table["factor"].map(names)
    table["agrees"] = table["factor_dimension"] == table["dimension"]
    return table
