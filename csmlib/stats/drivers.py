"""Key-driver analysis: which attribute ratings drive an overall outcome (ISO 10004 Annex D).

Relative importance of correlated drivers as R relaimpo 2.2-7 (``calc.relimp``, ``rela=FALSE``)
and R dominanceanalysis / domir. The two classic action charts built on it (importance–performance
and penalty–reward contrast analysis) are in :mod:`csmlib.stats.priorities`. Method note ``drivers.md``.

Conventions
-----------
- Everything linear comes from one correlation matrix R of [x_1 … x_p, y] (y last); standardized
  β = Rxx⁻¹ r_xy; R² = r_xyᵀ β. Models always have an intercept, so every metric is invariant to
  linear rescaling of a driver.
- Importance functions (:func:`shapley`, :func:`relative_weights`, :func:`first`, :func:`last`,
  :func:`beta_squared`, :func:`pratt`) take ``data, outcome, drivers`` or ``corr=`` (a correlation
  or covariance DataFrame holding the outcome and the drivers, with ``n=`` its sample size) and
  return a Series of raw shares of var(y) indexed by driver, named after the method, with
  ``attrs``: ``r2`` (full-model R²), ``n`` (rows used), ``n_eff`` (Kish, weighted), ``missing``
  (``"listwise"``, ``"pairwise"`` or ``"corr"``), ``outcome``, ``method`` and ``beta`` (the signed
  full-model standardized β, reported separately from the unsigned importance).
- Missing data: ``missing="listwise"`` (default, relaimpo) drops rows with a missing outcome,
  driver or weight, with a warning giving the count; ``"pairwise"`` drops rows with a missing
  outcome and builds each correlation from the rows where both variables are present (R ``rwa``);
  a pairwise matrix that is not positive definite is refused.
- Case weights (column name or array): weighted covariance (relaimpo ``cov.wt``); their scale is
  irrelevant.
- Constant or perfectly collinear drivers, fewer rows than drivers + 2, an outcome among the
  drivers, unknown or non-numeric columns raise ``ValueError`` naming the column(s).
  :func:`shapley` and :func:`dominance` accept ``collinear="split"`` instead: a driver that adds
  nothing to a subset gets a zero increment, so a duplicated column splits its share equally.

References
----------
Lindeman, Merenda & Gold (1980); Kruskal (1987) *Am. Stat.* 41:6–10; Budescu (1993) *Psychol.
Bull.* 114:542–551; Azen & Budescu (2003) *Psychol. Methods* 8:129–148; Johnson (2000)
*Multivariate Behav. Res.* 35:1–19; Grömping (2006) *J. Stat. Softw.* 17(1); Tonidandel, LeBreton &
Johnson (2009) *Psychol. Methods* 14:387–399; Tonidandel & LeBreton (2010) *Organ. Res. Methods*
13:767–781; Martilla & James (1977) *J. Marketing* 41(1):77–79; Brandt (1987); Mikulić & Prebežac
(2008) *Managing Service Quality* 18(6):559–576.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from csmlib.stats import subsets as _subsets
from csmlib.stats.validate import check_choice, check_level, check_weights, numeric_column

__all__ = [
    "DominanceResult",
    "shapley",
    "relative_weights",
    "first",
    "last",
    "beta_squared",
    "pratt",
    "dominance",
    "importance",
    "MethodChoice",
    "choose_methods",
    "shapley_limit",
    "SHAPLEY_MAX_DRIVERS",
    "johnson_weights",
    "weighted_corr",
    "driver_names",
    "driver_weights",
]

_MISSING = ("listwise", "pairwise")
_COLLINEAR = ("raise", "split")
_FITS = ("mcfadden", "cox_snell", "nagelkerke", "estrella")
_LINEAR_METHODS = ("shapley", "relative_weights", "first", "last", "beta_squared", "pratt")
_BINARY_METHODS = ("shapley", "relative_weights", "first", "last")
_COLLINEAR_TOL = 1e-10  # smallest relative eigenvalue of Rxx: below it, drivers are collinear
#: Most drivers the exact Shapley engine accepts at all (2^25 subsets: a few seconds).
SHAPLEY_MAX_DRIVERS = 25
# choose_methods: budget calibration (the timings are in shapley_limit's docstring)
_AUTO_BASE = {False: 15, True: 6}  # drivers within budget at n_boot = 1000 (linear / logistic)
_AUTO_POINT = {False: SHAPLEY_MAX_DRIVERS, True: 14}  # without bootstrap (logistic: dominance's)
_AUTO_BOOT = 1000
_SUBSET_METHODS = {False: ("shapley",), True: ("shapley", "first", "last")}
_TIE_TOL = 1e-12  # dominance designations: differences within this are ties


# --------------------------------------------------------------------------------------------
# Input validation and the correlation matrix
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    R: np.ndarray  # (p+1, p+1) correlation of [drivers..., outcome]
    drivers: tuple[str, ...]
    outcome: str
    n: int | None
    n_eff: float | None
    missing: str
    X: np.ndarray | None = None  # (n, p+1) rows used, outcome last (listwise only)
    w: np.ndarray | None = None  # (n,) case weights (listwise only)


def driver_names(outcome, drivers, available, caller: str, exclude=()) -> tuple[str, tuple[str, ...]]:
    """(outcome, drivers) checked against the ``available`` column names: the outcome is given and
    present; drivers default to every other column (less ``exclude``), are present, listed once
    and do not include the outcome. ValueError naming the columns otherwise."""
    if outcome is None:
        raise ValueError(f"{caller}: outcome is required (the name of the outcome column)")
    available = list(available)
    if outcome not in available:
        raise ValueError(f"{caller}: outcome column {outcome!r} not found")
    if drivers is None:
        drivers = [c for c in available if c != outcome and c not in exclude]
    elif isinstance(drivers, str):
        drivers = [drivers]
    drivers = list(drivers)
    if not drivers:
        raise ValueError(f"{caller}: no drivers given")
    missing = [d for d in drivers if d not in available]
    if missing:
        raise ValueError(f"{caller}: driver column(s) not found: {', '.join(map(str, missing))}")
    dup = sorted({d for d in drivers if drivers.count(d) > 1}, key=str)
    if dup:
        raise ValueError(f"{caller}: driver(s) listed more than once: {', '.join(map(str, dup))}")
    if outcome in drivers:
        raise ValueError(f"{caller}: the outcome {outcome!r} is also listed as a driver")
    return outcome, tuple(drivers)


def driver_weights(data: pd.DataFrame, weights, caller: str) -> tuple[np.ndarray | None, str | None]:
    """(weights as a new float array, their label) for ``data``; ``weights`` is a column name or
    one value per row. Zero and missing weights are allowed (those rows are left out); negative
    or infinite ones raise (:func:`csmlib.stats.validate.check_weights`)."""
    if weights is None:
        return None, None
    if isinstance(weights, str):
        if weights not in data.columns:
            raise ValueError(f"{caller}: weights column {weights!r} not found")
        w = numeric_column(data, weights, caller)
        label = weights
    else:
        w = weights
        label = "weights"
    return check_weights(w, len(data), label, caller=caller, allow_zero=True, allow_missing=True), label


def weighted_corr(X: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Pearson correlation matrix of the columns of X (complete rows), with case weights w."""
    return _cov_to_corr(_weighted_cov(X, w))


def _cov_to_corr(C: np.ndarray) -> np.ndarray:
    s = np.sqrt(np.diag(C))
    R = C / np.outer(s, s)
    np.fill_diagonal(R, 1.0)
    return R


def _weighted_cov(X: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    if w is None:
        Xc = X - X.mean(axis=0)
        return Xc.T @ Xc / (X.shape[0] - 1)
    ws = w / w.sum()
    Xc = X - ws @ X
    return (Xc * ws[:, None]).T @ Xc


def _pairwise_corr(X: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Pearson correlations on pairwise-complete rows (weighted), as R cor(use="pairwise")."""
    M = np.isfinite(X).astype(float)
    X0 = np.where(M > 0, X, 0.0)
    wv = np.ones(X.shape[0]) if w is None else w
    WM = M * wv[:, None]
    W = WM.T @ M  # Σ w over rows where both present
    S = (X0 * wv[:, None]).T @ M  # S[i, j] = Σ w x_i over rows with i and j
    SS = (X0 * X0 * wv[:, None]).T @ M  # SS[i, j] = Σ w x_i² over rows with i and j
    P = (X0 * wv[:, None]).T @ X0  # Σ w x_i x_j
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = P / W - (S / W) * (S.T / W)
        var_i = SS / W - (S / W) ** 2
        R = cov / np.sqrt(var_i * var_i.T)
    np.fill_diagonal(R, 1.0)
    return R


def _collinear_columns(Rxx: np.ndarray, names) -> list[str]:
    vals, vecs = np.linalg.eigh(Rxx)
    small = vals < _COLLINEAR_TOL * max(vals[-1], 1.0)
    if not small.any():
        return []
    load = np.abs(vecs[:, small]).max(axis=1)
    return [names[i] for i in np.flatnonzero(load > 1e-6)]


def _prepare(
    data, outcome, drivers, *, corr, weights, missing, n, caller, collinear="raise", need_rows=False, binary=False
) -> _Prepared:
    check_choice(missing, _MISSING, "missing", caller)
    check_choice(collinear, _COLLINEAR, "collinear", caller)
    if (data is None) == (corr is None):
        raise ValueError(f"{caller}: give either data or corr=, not {'both' if data is not None else 'neither'}")
    if corr is not None:
        if need_rows:
            raise ValueError(f"{caller}: needs the data (rows), a correlation matrix is not enough")
        prep = _prepare_corr(corr, outcome, drivers, n=n, caller=caller)
    else:
        prep = _prepare_data(data, outcome, drivers, weights=weights, missing=missing, caller=caller, binary=binary)
    p = len(prep.drivers)
    if prep.n is not None and prep.n < p + 2:
        raise ValueError(f"{caller}: {prep.n} rows for {p} drivers ({', '.join(prep.drivers)}): at least {p + 2} rows are needed")
    if collinear == "raise":
        bad = _collinear_columns(prep.R[:p, :p], prep.drivers)
        if bad:
            raise ValueError(
                f"{caller}: drivers {', '.join(bad)} are perfectly collinear "
                "(one is a linear combination of the others); drop one of them"
            )
    return prep


def _prepare_corr(corr, outcome, drivers, *, n, caller) -> _Prepared:
    if not isinstance(corr, pd.DataFrame):
        raise ValueError(f"{caller}: corr must be a DataFrame with the variable names as index and columns")
    if list(corr.index) != list(corr.columns):
        if set(corr.index) != set(corr.columns):
            raise ValueError(f"{caller}: corr must have the same names as index and columns")
        corr = corr.loc[list(corr.columns)]
    outcome, drivers = driver_names(outcome, drivers, corr.columns, caller)
    names = list(drivers) + [outcome]
    try:
        C = np.array(corr.loc[names, names].to_numpy(dtype=float), dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{caller}: corr has non-numeric entries") from exc
    bad = [names[i] for i in range(len(names)) if not np.isfinite(C[i]).all()]
    if bad:
        raise ValueError(f"{caller}: corr has missing or infinite entries in {', '.join(bad)}")
    if not np.allclose(C, C.T, atol=1e-8 * max(1.0, np.abs(C).max())):
        raise ValueError(f"{caller}: corr is not symmetric")
    d = np.diag(C)
    bad = [names[i] for i in np.flatnonzero(d <= 0)]
    if bad:
        raise ValueError(f"{caller}: zero (or negative) variance of {', '.join(bad)} in corr: a constant variable")
    R = _cov_to_corr((C + C.T) / 2)
    off = np.abs(R - np.eye(len(names))).max()
    if off > 1 + 1e-8:
        raise ValueError(f"{caller}: corr has correlations outside [−1, 1]")
    if np.linalg.eigvalsh(R)[0] < -1e-8:
        raise ValueError(f"{caller}: corr is not positive semi-definite")
    if n is not None:
        if int(n) != n or n < 1:
            raise ValueError(f"{caller}: n must be a positive integer, not {n!r}")
        n = int(n)
    return _Prepared(R=R, drivers=drivers, outcome=outcome, n=n, n_eff=None, missing="corr")


def _binary_codes(y: np.ndarray, outcome: str, caller: str) -> np.ndarray:
    levels = np.unique(y[np.isfinite(y)])
    if levels.size != 2:
        raise ValueError(f"{caller}: binary outcome {outcome!r} must have exactly two distinct values, found {levels.size}")
    out = np.where(np.isfinite(y), (y == levels[1]).astype(float), np.nan)
    return out


def _prepare_data(data, outcome, drivers, *, weights, missing, caller, binary) -> _Prepared:
    if not isinstance(data, pd.DataFrame):
        data = pd.DataFrame(data)
    w_all, w_label = driver_weights(data, weights, caller)
    exclude = (w_label,) if w_label else ()
    outcome, drivers = driver_names(outcome, drivers, data.columns, caller, exclude=exclude)
    names = list(drivers) + [outcome]
    X = np.column_stack([numeric_column(data, c, caller) for c in names])
    if binary:
        X[:, -1] = _binary_codes(X[:, -1], outcome, caller)
    if w_all is not None:
        keep_w = np.isfinite(w_all)
    else:
        keep_w = np.ones(len(X), dtype=bool)
    if missing == "listwise" or binary:
        keep = np.isfinite(X).all(axis=1) & keep_w
        dropped = int((~keep).sum())
        if dropped:
            warnings.warn(
                f"{caller}: listwise deletion dropped {dropped} of {len(X)} rows with a missing outcome, driver or weight",
                stacklevel=4,
            )
        X = X[keep]
        w = None if w_all is None else w_all[keep]
        mode = "listwise"
    else:
        keep = np.isfinite(X[:, -1]) & keep_w
        X = X[keep]
        w = None if w_all is None else w_all[keep]
        mode = "pairwise"
    if w is not None:
        pos = w > 0
        X, w = X[pos], w[pos]
        if X.shape[0] == 0:
            raise ValueError(f"{caller}: every weight in {w_label!r} is zero or missing")
    n = X.shape[0]
    if n < 2:
        raise ValueError(
            f"{caller}: {n} usable rows for {len(drivers)} drivers "
            f"({', '.join(drivers)}): at least {len(drivers) + 2} rows are needed"
        )
    # constant columns on the rows used
    const = []
    for i, name in enumerate(names):
        v = X[:, i]
        v = v[np.isfinite(v)]
        if v.size == 0 or np.ptp(v) == 0:
            const.append(name)
    if const:
        raise ValueError(f"{caller}: constant column(s) on the rows used: {', '.join(const)}")
    if mode == "listwise":
        R = weighted_corr(X, w)
    else:
        R = _pairwise_corr(X, w)
        bad = [names[i] for i in range(len(names)) if not np.isfinite(R[i]).all()]
        if bad:
            raise ValueError(
                f"{caller}: pairwise correlations undefined for {', '.join(bad)} (too few rows in common, or constant on them)"
            )
        ev = np.linalg.eigvalsh(R)[0]
        if ev < -1e-10:
            raise ValueError(
                f"{caller}: the pairwise correlation matrix is not positive "
                f"semi-definite (smallest eigenvalue {ev:.3g}); use "
                "missing='listwise'"
            )
    n_eff = float(w.sum() ** 2 / (w**2).sum()) if w is not None else float(n)
    return _Prepared(
        R=R,
        drivers=drivers,
        outcome=outcome,
        n=n,
        n_eff=n_eff,
        missing=mode,
        X=X if mode == "listwise" else None,
        w=w if mode == "listwise" else None,
    )


# --------------------------------------------------------------------------------------------
# Linear metrics from one correlation matrix
# --------------------------------------------------------------------------------------------


def _beta(R: np.ndarray) -> tuple[np.ndarray, float]:
    p = R.shape[0] - 1
    Rxx, rxy = R[:p, :p], R[:p, p]
    b = np.linalg.lstsq(Rxx, rxy, rcond=None)[0]
    return b, float(rxy @ b)


def johnson_weights(R: np.ndarray) -> np.ndarray:
    """Johnson's (2000) relative weights from the correlation matrix R of [drivers…, outcome]
    (R may be batched, (…, p+1, p+1)); their sum is R².

    Λ = Rxx^{1/2}, β* = Λ⁻¹ r_xy, RW = (Λ∘Λ) β*². Near-zero eigenvalues of Rxx (collinear
    drivers) get a zero inverse square root (a pseudo-inverse).

    >>> import numpy as np
    >>> R = np.array([[1.0, 0.0, 0.6], [0.0, 1.0, 0.3], [0.6, 0.3, 1.0]])
    >>> johnson_weights(R).round(2).tolist()          # uncorrelated drivers: r²
    [0.36, 0.09]
    """
    p = R.shape[-1] - 1
    Rxx, rxy = R[..., :p, :p], R[..., :p, p]
    vals, V = np.linalg.eigh(Rxx)
    vals = np.clip(vals, 0.0, None)
    with np.errstate(divide="ignore"):
        isq = np.where(vals > _COLLINEAR_TOL, 1.0 / np.sqrt(vals), 0.0)
    lam = (V * np.sqrt(vals)[..., None, :]) @ np.swapaxes(V, -1, -2)
    bstar = ((V * isq[..., None, :]) @ np.swapaxes(V, -1, -2) @ rxy[..., None])[..., 0]
    return ((lam**2) @ (bstar**2)[..., None])[..., 0]


def _simple_metric(method: str, R: np.ndarray) -> np.ndarray:
    """first / last / beta_squared / pratt; R may be batched (…, p+1, p+1)."""
    p = R.shape[-1] - 1
    Rxx, rxy = R[..., :p, :p], R[..., :p, p]
    if method == "first":
        return rxy**2
    inv = np.linalg.pinv(Rxx, hermitian=True)
    b = (inv @ rxy[..., None])[..., 0]
    if method == "last":
        return b**2 / np.diagonal(inv, axis1=-2, axis2=-1)
    if method == "beta_squared":
        return b**2
    return b * rxy  # pratt


def _linear_metric(method: str, R: np.ndarray) -> np.ndarray:
    if method == "shapley":
        p = R.shape[0] - 1
        return _subsets.shapley_from_r2(_subsets.subset_r2(R), p)
    if method == "relative_weights":
        return johnson_weights(R)
    return _simple_metric(method, R)


def _series(values, prep: _Prepared, method: str, r2: float, **extra) -> pd.Series:
    s = pd.Series(np.asarray(values, dtype=float), index=pd.Index(prep.drivers, name="driver"), name=method)
    b, _ = _beta(prep.R)
    s.attrs.update(
        {
            "r2": float(r2),
            "n": prep.n,
            "n_eff": prep.n_eff,
            "missing": prep.missing,
            "outcome": prep.outcome,
            "method": method,
            "beta": {d: float(v) for d, v in zip(prep.drivers, b)},
        }
    )
    s.attrs.update(extra)
    return s


def shapley(
    data=None,
    outcome=None,
    drivers=None,
    *,
    corr=None,
    weights=None,
    missing: str = "listwise",
    n=None,
    max_drivers: int = 25,
    collinear: str = "raise",
) -> pd.Series:
    """Shapley-value regression = LMG = general dominance, exact over all 2^p subsets.

    LMG_j = Σ_{S ⊆ P∖{j}} |S|!(p−|S|−1)!/p! · [R²(S∪{j}) − R²(S)], the average R² gain of x_j
    over all p! orderings; Σ_j LMG_j = R²(P) and every LMG_j ≥ 0. All 2^p subset R² come from the
    correlation matrix by a highest-bit Schur-complement enumeration (about 3·2^p multiply-adds,
    ``csmlib.stats.subsets``): 15 drivers take milliseconds, 25 a few seconds.

    Parameters
    ----------
    data : DataFrame, optional
        Respondents × variables (or give ``corr=``).
    outcome : str
        The outcome column (overall satisfaction, likelihood to recommend …).
    drivers : list of str, optional
        Driver columns; default every other column (except a weights column).
    corr : DataFrame, optional
        Correlation (or covariance) matrix holding the outcome and the drivers, instead of data.
    weights : str or array-like, optional
        Case weights (column name or one value per row).
    missing : {"listwise", "pairwise"}
        See the module docstring.
    n : int, optional
        Sample size of ``corr`` (reported in ``attrs["n"]``).
    max_drivers : int
        Above this many drivers the exact computation is refused (use :func:`relative_weights`).
    collinear : {"raise", "split"}
        Perfectly collinear drivers raise (default) or share the common part equally.

    Returns
    -------
    Series indexed by driver, name ``"shapley"``, raw shares of var(y) summing to
    ``attrs["r2"]``; ``attrs["n"]`` the rows used.

    References
    ----------
    Lindeman, Merenda & Gold (1980); Kruskal (1987); Lipovetsky & Conklin (2001); Grömping (2006)
    relaimpo ``calc.relimp(type="lmg")``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csmlib.stats.drivers import shapley
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame(rng.normal(size=(200, 3)), columns=["quality", "price", "service"])
    >>> df["overall"] = df.quality + 0.5 * df.service + rng.normal(size=200)
    >>> s = shapley(df, "overall", ["quality", "price", "service"])
    >>> bool(abs(s.sum() - s.attrs["r2"]) < 1e-12), s.idxmax(), s.attrs["n"]
    (True, 'quality', 200)
    """
    p_guess = _driver_count(data, corr, outcome, drivers, weights)
    if p_guess is not None and p_guess > max_drivers:
        raise ValueError(
            f"shapley: {p_guess} drivers exceed max_drivers={max_drivers} (exact "
            f"Shapley needs 2^{p_guess} subsets); use relative_weights(), which "
            "gives nearly the same shares for any number of drivers, or raise "
            "max_drivers"
        )
    prep = _prepare(
        data, outcome, drivers, corr=corr, weights=weights, missing=missing, n=n, caller="shapley", collinear=collinear
    )
    p = len(prep.drivers)
    r2 = _subsets.subset_r2(prep.R)
    return _series(_subsets.shapley_from_r2(r2, p), prep, "shapley", r2[-1])


def _driver_count(data, corr, outcome, drivers, weights) -> int | None:
    if drivers is not None:
        return 1 if isinstance(drivers, str) else len(list(drivers))
    cols = corr.columns if corr is not None else getattr(data, "columns", None)
    if cols is None:
        return None
    return len([c for c in cols if c != outcome and c != weights])


def relative_weights(
    data=None, outcome=None, drivers=None, *, corr=None, weights=None, missing: str = "listwise", n=None
) -> pd.Series:
    """Johnson's (2000) relative weights (relaimpo ``genizi``), any number of drivers.

    Rxx = V Δ Vᵀ (eigh); Λ = Rxx^{1/2} = V Δ^{1/2} Vᵀ; β* = Λ⁻¹ r_xy; RW_j = Σ_k Λ_jk² β*_k²;
    Σ_j RW_j = β*ᵀβ* = R², each RW_j ≥ 0. Parameters and result as :func:`shapley`
    (name ``"relative_weights"``); ``missing="pairwise"`` follows R ``rwa``.

    References
    ----------
    Johnson (2000) *Multivariate Behav. Res.* 35:1–19; Genizi (1993) *Statistica Sinica*
    3:407–420; Tonidandel & LeBreton (2011) *J. Bus. Psychol.* 26:1–9.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csmlib.stats.drivers import relative_weights
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame(rng.normal(size=(200, 3)), columns=["quality", "price", "service"])
    >>> df["overall"] = df.quality + 0.5 * df.service + rng.normal(size=200)
    >>> rw = relative_weights(df, "overall")
    >>> bool(abs(rw.sum() - rw.attrs["r2"]) < 1e-12), rw.idxmax()
    (True, 'quality')
    """
    prep = _prepare(data, outcome, drivers, corr=corr, weights=weights, missing=missing, n=n, caller="relative_weights")
    _, r2 = _beta(prep.R)
    return _series(johnson_weights(prep.R), prep, "relative_weights", r2)


def _simple(method, data, outcome, drivers, corr, weights, missing, n) -> pd.Series:
    prep = _prepare(data, outcome, drivers, corr=corr, weights=weights, missing=missing, n=n, caller=method)
    _, r2 = _beta(prep.R)
    return _series(_simple_metric(method, prep.R), prep, method, r2)


def first(data=None, outcome=None, drivers=None, *, corr=None, weights=None, missing: str = "listwise", n=None) -> pd.Series:
    """Zero-order importance r_jy² (relaimpo ``first``; "correlation" driver analysis).

    Does not sum to R² when drivers are correlated. Parameters and result as :func:`shapley`.

    >>> import pandas as pd
    >>> from csmlib.stats.drivers import first
    >>> df = pd.DataFrame({"x": [1, 2, 3, 4, 5.], "z": [2, 1, 4, 3, 5.], "y": [1, 3, 2, 5, 4.]})
    >>> round(float(first(df, "y", ["x", "z"])["x"]), 2)
    0.64
    """
    return _simple("first", data, outcome, drivers, corr, weights, missing, n)


def last(data=None, outcome=None, drivers=None, *, corr=None, weights=None, missing: str = "listwise", n=None) -> pd.Series:
    """R² lost when x_j is removed last: b_j² / (Rxx⁻¹)_jj, the squared semipartial correlation
    (relaimpo ``last``). Parameters and result as :func:`shapley`.

    >>> import pandas as pd
    >>> from csmlib.stats.drivers import last
    >>> df = pd.DataFrame({"x": [1, 2, 3, 4, 5.], "z": [2, 1, 4, 3, 5.], "y": [1, 3, 2, 5, 4.]})
    >>> round(float(last(df, "y", ["x", "z"])["z"]), 4)
    0.3211
    """
    return _simple("last", data, outcome, drivers, corr, weights, missing, n)


def beta_squared(
    data=None, outcome=None, drivers=None, *, corr=None, weights=None, missing: str = "listwise", n=None
) -> pd.Series:
    """Squared standardized coefficient b_j² of the full model (relaimpo ``betasq``).

    Equal to the variance shares of linear SHAP values — which is *not* Shapley regression.

    >>> import pandas as pd
    >>> from csmlib.stats.drivers import beta_squared
    >>> df = pd.DataFrame({"x": [1, 2, 3, 4, 5.], "z": [2, 1, 4, 3, 5.], "y": [1, 3, 2, 5, 4.]})
    >>> round(float(beta_squared(df, "y", ["x", "z"])["x"]), 4)   # suppression: β_x² > 1
    2.4198
    """
    return _simple("beta_squared", data, outcome, drivers, corr, weights, missing, n)


def pratt(data=None, outcome=None, drivers=None, *, corr=None, weights=None, missing: str = "listwise", n=None) -> pd.Series:
    """Pratt's measure b_j · r_jy (relaimpo ``pratt``); sums to R², negative under suppression.

    >>> import pandas as pd
    >>> from csmlib.stats.drivers import pratt
    >>> df = pd.DataFrame({"x": [1, 2, 3, 4, 5.], "z": [2, 1, 4, 3, 5.], "y": [1, 3, 2, 5, 4.]})
    >>> s = pratt(df, "y", ["x", "z"])
    >>> round(float(s.sum()), 4) == round(s.attrs["r2"], 4)
    True
    """
    return _simple("pratt", data, outcome, drivers, corr, weights, missing, n)


# --------------------------------------------------------------------------------------------
# Logistic models for binary outcomes
# --------------------------------------------------------------------------------------------


def _logit_loglik(X: np.ndarray, y: np.ndarray, w: np.ndarray, masks, max_iter: int = 60):
    """Log-likelihood of weighted logistic models with an intercept, one per predictor mask.

    Batched Newton–Raphson (with step halving) over all masks of one size at a time. ``X`` is
    standardized. Returns (loglik array, number of fits that did not converge).
    """
    n, p = X.shape
    ybar = float(w @ y / w.sum())
    ll0 = float(w @ (y * np.log(ybar) + (1 - y) * np.log1p(-ybar)))
    out = np.empty(len(masks))
    bad = 0
    masks = np.asarray(masks, dtype=np.int64)
    sizes = np.array([bin(int(m)).count("1") for m in masks])
    for k in np.unique(sizes):
        sel = np.flatnonzero(sizes == k)
        if k == 0:
            out[sel] = ll0
            continue
        cols = np.array([[j for j in range(p) if int(masks[s]) >> j & 1] for s in sel])
        chunk = max(1, int(4_000_000 // (n * (k + 1))))
        for a in range(0, len(sel), chunk):
            c = cols[a : a + chunk]
            D = np.concatenate([np.ones((len(c), n, 1)), np.swapaxes(X[:, c], 0, 1)], axis=2)
            ll, nc = _newton_batch(D, y, w, ybar)
            out[sel[a : a + chunk]] = ll
            bad += nc
    return out, ll0, bad


def _loglik(D, beta, y, w):
    eta = np.einsum("mnk,mk->mn", D, beta)
    return (w * (y * eta - np.logaddexp(0.0, eta))).sum(axis=1), eta


def _newton_batch(D, y, w, ybar, max_iter: int = 60, tol: float = 1e-10):
    m, n, k = D.shape
    beta = np.zeros((m, k))
    beta[:, 0] = np.log(ybar / (1 - ybar))
    ll, eta = _loglik(D, beta, y, w)
    active = np.ones(m, dtype=bool)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        Da, ea = D[idx], eta[idx]
        mu = 1.0 / (1.0 + np.exp(-ea))
        g = np.einsum("mnk,mn->mk", Da, w * (y - mu))
        H = np.einsum("mnk,mn,mnl->mkl", Da, w * mu * (1 - mu), Da)
        try:
            step = np.linalg.solve(H, g[..., None])[..., 0]
        except np.linalg.LinAlgError:
            step = (np.linalg.pinv(H) @ g[..., None])[..., 0]
        t = np.ones(idx.size)
        new_b = beta[idx] + step
        new_ll, new_eta = _loglik(Da, new_b, y, w)
        for _h in range(30):  # step halving where ll went down
            worse = new_ll < ll[idx] - 1e-12 * np.abs(ll[idx])
            if not worse.any():
                break
            t[worse] /= 2
            new_b[worse] = beta[idx][worse] + t[worse, None] * step[worse]
            nl, ne = _loglik(Da[worse], new_b[worse], y, w)
            new_ll[worse], new_eta[worse] = nl, ne
        change = np.abs(new_ll - ll[idx])
        beta[idx], ll[idx], eta[idx] = new_b, new_ll, new_eta
        done = change <= tol * (np.abs(new_ll) + 1.0)
        active[idx[done]] = False
    return ll, int(active.sum())


def _pseudo_r2(ll: np.ndarray, ll0: float, n: float, fit: str) -> np.ndarray:
    if fit == "mcfadden":
        return 1.0 - ll / ll0
    cs = 1.0 - np.exp(2.0 * (ll0 - ll) / n)
    if fit == "cox_snell":
        return cs
    if fit == "nagelkerke":
        return cs / (1.0 - np.exp(2.0 * ll0 / n))
    return 1.0 - (ll / ll0) ** (-(2.0 / n) * ll0)  # estrella


def _binary_subset_r2(X, y, w, fit: str, caller: str) -> np.ndarray:
    p = X.shape[1]
    w = np.ones(len(y)) if w is None else w * (len(y) / w.sum())
    mu = (w @ X) / w.sum()
    sd = np.sqrt((w @ (X - mu) ** 2) / w.sum())
    Xs = (X - mu) / np.where(sd > 0, sd, 1.0)
    ll, ll0, bad = _logit_loglik(Xs, y, w, np.arange(1 << p))
    if bad:
        warnings.warn(
            f"{caller}: {bad} logistic model(s) did not converge (complete or "
            "quasi-complete separation?); their pseudo-R² is at the iteration limit",
            stacklevel=3,
        )
    r2 = _pseudo_r2(ll, ll0, float(w.sum()), fit)
    r2[0] = 0.0
    return r2


def _logistic_rw(X, y, w) -> tuple[np.ndarray, float]:
    """Logistic relative weights as R ``rwa::rwa_logit`` (Tonidandel & LeBreton 2010).

    X_s standardized, Z = X_s Rxx^{-1/2} (= U Vᵀ rescaled to unit sd), Λ = Rxx^{1/2}; b from
    logit(y) ~ Z; R²_L = corr(p̂, y)²; β = b·sqrt(R²_L)/sd(logit p̂); ε = Λ²β². Returns (ε, Σε).
    Standard deviations use the n − 1 divisor (weights are frequency weights summing to n).
    """
    n, p = X.shape
    w = np.ones(n) if w is None else w * (n / w.sum())
    W = w.sum()
    mu = (w @ X) / W
    Xc = X - mu
    C = (Xc * w[:, None]).T @ Xc / (W - 1)
    sd = np.sqrt(np.diag(C))
    Xs = Xc / sd
    Rxx = C / np.outer(sd, sd)
    vals, V = np.linalg.eigh(Rxx)
    vals = np.clip(vals, 1e-300, None)
    lam = (V * np.sqrt(vals)) @ V.T
    Z = Xs @ ((V / np.sqrt(vals)) @ V.T)
    D = np.concatenate([np.ones((1, n, 1)), Z[None]], axis=2)
    ybar = float(w @ y / W)
    beta_hat = _newton_beta(D, y, w, ybar)
    eta = D[0] @ beta_hat
    phat = 1.0 / (1.0 + np.exp(-eta))
    pm, ym = (w @ phat) / W, (w @ y) / W
    cov = w @ ((phat - pm) * (y - ym))
    r2l = cov**2 / ((w @ (phat - pm) ** 2) * (w @ (y - ym) ** 2))
    sd_eta = np.sqrt((w @ (eta - (w @ eta) / W) ** 2) / (W - 1))
    beta = beta_hat[1:] * np.sqrt(r2l) / sd_eta
    eps = (lam**2) @ (beta**2)
    return eps, float(eps.sum())


def _newton_beta(D, y, w, ybar, max_iter: int = 60):
    """Coefficients of one weighted logistic fit (Newton with step halving)."""
    beta = np.zeros(D.shape[2])
    beta[0] = np.log(ybar / (1 - ybar))
    Dm = D[0]
    eta = Dm @ beta
    ll = float(w @ (y * eta - np.logaddexp(0.0, eta)))
    for _ in range(max_iter):
        mu = 1.0 / (1.0 + np.exp(-eta))
        g = Dm.T @ (w * (y - mu))
        H = (Dm * (w * mu * (1 - mu))[:, None]).T @ Dm
        step = np.linalg.lstsq(H, g, rcond=None)[0]
        t = 1.0
        for _h in range(30):
            nb = beta + t * step
            ne = Dm @ nb
            nl = float(w @ (y * ne - np.logaddexp(0.0, ne)))
            if nl >= ll - 1e-12 * abs(ll):
                break
            t /= 2
        done = abs(nl - ll) <= 1e-12 * (abs(nl) + 1.0)
        beta, eta, ll = nb, ne, nl
        if done:
            break
    return beta


# --------------------------------------------------------------------------------------------
# Dominance analysis
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DominanceResult:
    """Dominance analysis (Budescu 1993; Azen & Budescu 2003), as R dominanceanalysis / domir.

    ``general``: general dominance statistics (= LMG / Shapley values; sum = ``r2``).
    ``conditional``: DataFrame driver × model size k = 1 … p, the mean increment of the driver
    over all models of k − 1 other drivers (domir ``include_at_k``, dominanceanalysis level k).
    ``complete``: DataFrame, entry [i, j] = 1 if driver i completely dominates j (its increment is
    larger in every subset of the other drivers, ∅ included), 0 if j completely dominates i,
    0.5 if undetermined; NaN on the diagonal (dominanceanalysis ``dominanceMatrix`` coding).
    ``conditional_dominance`` and ``general_dominance``: the same coding at the conditional level
    (larger at every k) and the general level (larger general statistic).
    ``fit``: ``"r2"`` for a linear model, else the pseudo-R² of the logistic models
    (``"mcfadden"`` by default).
    """

    general: pd.Series
    conditional: pd.DataFrame
    complete: pd.DataFrame
    conditional_dominance: pd.DataFrame
    general_dominance: pd.DataFrame
    r2: float
    n: int | None
    n_eff: float | None
    fit: str
    binary: bool
    missing: str
    outcome: str
    drivers: tuple[str, ...]


def _designation(values: np.ndarray) -> np.ndarray:
    """values (p, K): D[i, j] = 1 if values[i] > values[j] at every K, 0 if < at every K,
    else 0.5; NaN on the diagonal."""
    p = values.shape[0]
    D = np.full((p, p), np.nan)
    for i, j in combinations(range(p), 2):
        D[i, j], D[j, i] = _subsets.designation(values[i] - values[j], _TIE_TOL)
    return D


def dominance(
    data=None,
    outcome=None,
    drivers=None,
    *,
    corr=None,
    weights=None,
    binary: bool = False,
    fit: str = "mcfadden",
    missing: str = "listwise",
    n=None,
    max_drivers: int | None = None,
    collinear: str = "raise",
) -> DominanceResult:
    """General, conditional and complete dominance of the drivers.

    With R²(S) the fit of the model with the drivers in S (all 2^p subsets):
    C_j(k) = mean over |S| = k − 1, j ∉ S, of R²(S∪j) − R²(S) (conditional dominance statistics);
    G_j = (1/p) Σ_k C_j(k) = LMG_j (general dominance); x_i completely dominates x_j iff
    R²(S∪i) > R²(S∪j) for every S ⊆ P∖{i, j}.

    Linear models use the all-subsets engine on the correlation matrix (``max_drivers`` default
    22). ``binary=True`` fits a weighted logistic model for every subset (own batched
    Newton–Raphson) and uses a pseudo-R² (``fit``: ``"mcfadden"`` 1 − ℓ₁/ℓ₀ (default),
    ``"cox_snell"``, ``"nagelkerke"``, ``"estrella"``), as R dominanceanalysis ``glm`` models
    (``max_drivers`` default 14). The outcome must then have exactly two values (the larger is the
    event); rows with missing values are dropped listwise.

    References
    ----------
    Budescu (1993) *Psychol. Bull.* 114:542–551; Azen & Budescu (2003) *Psychol. Methods*
    8:129–148; Azen & Traxel (2009) *J. Educ. Behav. Stat.* 34:319–347 (logistic); McFadden (1974).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csmlib.stats.drivers import dominance
    >>> rng = np.random.default_rng(2)
    >>> df = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    >>> df["y"] = 2 * df.a + df.b + rng.normal(size=300)
    >>> res = dominance(df, "y", ["a", "b", "c"])
    >>> float(res.complete.loc["a", "b"]), res.general.idxmax()
    (1.0, 'a')
    """
    caller = "dominance"
    check_choice(fit, _FITS, "fit", caller)
    limit = max_drivers if max_drivers is not None else (14 if binary else 22)
    p_guess = _driver_count(data, corr, outcome, drivers, weights)
    if p_guess is not None and p_guess > limit:
        raise ValueError(
            f"{caller}: {p_guess} drivers exceed max_drivers={limit} (2^{p_guess} "
            "models); use relative_weights() or raise max_drivers"
        )
    prep = _prepare(
        data,
        outcome,
        drivers,
        corr=corr,
        weights=weights,
        missing=missing,
        n=n,
        caller=caller,
        collinear=collinear,
        need_rows=binary,
        binary=binary,
    )
    p = len(prep.drivers)
    if binary:
        r2 = _binary_subset_r2(prep.X[:, :p], prep.X[:, p], prep.w, fit, caller)
        fit_name = fit
    else:
        r2 = _subsets.subset_r2(prep.R)
        fit_name = "r2"
    return _dominance_from_r2(r2, prep, fit_name, binary)


def _dominance_from_r2(r2, prep: _Prepared, fit_name: str, binary: bool) -> DominanceResult:
    p = len(prep.drivers)
    names = pd.Index(prep.drivers, name="driver")
    gen = _subsets.shapley_from_r2(r2, p)
    cond = _subsets.conditional_from_r2(r2, p)
    comp = _subsets.complete_from_r2(r2, p, tol=_TIE_TOL)
    general = pd.Series(gen, index=names, name="general")
    general.attrs.update({"r2": float(r2[-1]), "n": prep.n, "fit": fit_name})
    cols = pd.Index(range(1, p + 1), name="model_size")
    frame = lambda a, c=names: pd.DataFrame(a, index=names, columns=c)  # noqa: E731
    return DominanceResult(
        general=general,
        conditional=frame(cond, cols),
        complete=frame(comp, pd.Index(prep.drivers, name="dominated")),
        conditional_dominance=frame(_designation(cond), pd.Index(prep.drivers, name="dominated")),
        general_dominance=frame(_designation(gen[:, None]), pd.Index(prep.drivers, name="dominated")),
        r2=float(r2[-1]),
        n=prep.n,
        n_eff=prep.n_eff,
        fit=fit_name,
        binary=binary,
        missing=prep.missing,
        outcome=prep.outcome,
        drivers=prep.drivers,
    )


# --------------------------------------------------------------------------------------------
# importance(): several methods, bootstrap CIs, significance against a random variable
# --------------------------------------------------------------------------------------------


def _boot_counts(rng, n: int, B: int) -> np.ndarray:
    idx = rng.integers(0, n, size=(B, n))
    flat = (idx + (np.arange(B) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=B * n).reshape(B, n).astype(float)


def _boot_corr(Z: np.ndarray, Wb: np.ndarray, noise: np.ndarray | None = None) -> np.ndarray:
    """Weighted correlation matrices (B, k, k) of the columns of Z for weight rows Wb (B, n).

    With ``noise`` (B, n), resample b gets one extra variable (its own noise row), placed before
    the last column of Z: the matrices are then (B, k+1, k+1) of [Z[:, :-1], noise_b, Z[:, -1]].
    """
    k = Z.shape[1]
    iu = np.triu_indices(k)
    Q = Z[:, iu[0]] * Z[:, iu[1]]  # products in packed order
    S0 = Wb.sum(axis=1)
    S1 = Wb @ Z / S0[:, None]
    S2 = Wb @ Q / S0[:, None]
    cov = S2 - S1[:, iu[0]] * S1[:, iu[1]]
    C = np.zeros((Wb.shape[0], k, k))
    C[:, iu[0], iu[1]] = cov
    C[:, iu[1], iu[0]] = cov
    means = S1
    if noise is not None:
        WN = Wb * noise
        m_e = WN.sum(axis=1) / S0
        v_e = (WN * noise).sum(axis=1) / S0 - m_e**2
        c_e = WN @ Z / S0[:, None] - m_e[:, None] * S1
        order = list(range(k - 1)) + [k, k - 1]
        full = np.zeros((Wb.shape[0], k + 1, k + 1))
        full[:, :k, :k] = C
        full[:, k, :k] = c_e
        full[:, :k, k] = c_e
        full[:, k, k] = v_e
        C = full[:, order][:, :, order]
        means = np.column_stack([S1, m_e])[:, order]
        k += 1
    d = np.sqrt(np.clip(np.diagonal(C, axis1=1, axis2=2), 0.0, None))
    ok = d > 1e-12 * (1 + np.abs(means))
    ds = np.where(ok, d, 1.0)
    R = C / (ds[:, :, None] * ds[:, None, :])
    R = np.where(ok[:, :, None] & ok[:, None, :], R, 0.0)  # a constant resample column: r = 0
    ii = np.arange(k)
    R[:, ii, ii] = 1.0
    return R


@dataclass(frozen=True)
class MethodChoice:
    """Importance methods for k drivers (:func:`choose_methods`)."""

    methods: tuple[str, ...]  # pass to importance(methods=...)
    replaced: bool  # an all-subsets method (Shapley …) was asked for but left out
    dropped: tuple[str, ...]  # the methods left out
    k: int  # number of drivers
    limit: int  # most drivers for which the all-subsets methods are used
    note: str  # for the report ("" when nothing was replaced)
    note_fa: str  # the same in Persian


def shapley_limit(*, n_boot: int = 1000, binary: bool = False) -> int:
    """Most drivers for which :func:`choose_methods` keeps exact Shapley (all-subsets) methods.

    The cost of :func:`importance` with Shapley is about (n_boot + 1)·2^k subset fits, doubling
    with every driver. Calibration (250 rows, one core of the development machine, numpy 2):
    linear, 1000 resamples: 14 drivers 2.8 s, 15 drivers 4.7 s, 16 drivers 11 s, 18 drivers 28 s,
    20 drivers > 2 min; the point estimate alone takes 0.08 s at 20 and a few seconds at 25.
    Logistic (binary outcome, one logistic fit per subset): 1000 resamples: 6 drivers 11 s,
    8 drivers 45 s; point estimate 1.3 s at 12 drivers.

    Rule: with a bootstrap, the largest k with n_boot·2^k ≤ 1000·2^15 (linear) or 1000·2^6
    (logistic), i.e. k = 15 (6) + ⌊log2(1000/n_boot)⌋, so that a report's importance table takes
    about five seconds; without (n_boot = 0) the engine limit, 25 drivers
    (:data:`SHAPLEY_MAX_DRIVERS`), or 14 for logistic models (the default of :func:`dominance`).
    Never above 25 nor below 1.

    Examples
    --------
    >>> from csmlib.stats.drivers import shapley_limit
    >>> shapley_limit(), shapley_limit(n_boot=200), shapley_limit(n_boot=0)
    (15, 17, 25)
    >>> shapley_limit(binary=True), shapley_limit(n_boot=0, binary=True)
    (6, 14)
    """
    binary = bool(binary)
    if int(n_boot) != n_boot or n_boot < 0:
        raise ValueError("shapley_limit: n_boot must be a non-negative integer")
    if n_boot == 0:
        return _AUTO_POINT[binary]
    k = _AUTO_BASE[binary] + int(np.floor(np.log2(_AUTO_BOOT / n_boot)))
    return int(min(max(k, 1), _AUTO_POINT[binary]))


def choose_methods(k: int, requested="auto", *, n_boot: int = 1000, binary: bool = False) -> MethodChoice:
    """The importance methods to run for k drivers, and a note when Shapley had to go.

    ``requested="auto"``: exact Shapley (LMG; logistic general dominance for a binary outcome)
    and relative weights when k ≤ :func:`shapley_limit` (``n_boot``, ``binary``), relative weights
    alone above it. A requested tuple is kept as given when k is within the limit; above it the
    all-subsets methods (``"shapley"``, and for a binary outcome ``"first"``/``"last"``, which
    need every logistic subset model too) are left out and ``"relative_weights"`` is added if
    absent. Relative weights are an approximation of the Shapley shares that needs one
    eigen-decomposition for any k (Johnson 2000; LeBreton, Ployhart & Ladd 2004 found the two
    nearly identical), so the report loses little; ``note`` says what was done.

    Calling :func:`importance` with ``methods=choice.methods`` never fails because k is large.

    References: Johnson (2000) *Multivariate Behav. Res.* 35:1–19; LeBreton, Ployhart & Ladd
    (2004) *Organ. Res. Methods* 7:258–282; Grömping (2006) *J. Stat. Softw.* 17(1).

    Examples
    --------
    >>> from csmlib.stats.drivers import choose_methods
    >>> choose_methods(8).methods
    ('shapley', 'relative_weights')
    >>> c = choose_methods(27)
    >>> c.methods, c.replaced
    (('relative_weights',), True)
    >>> print(c.note)  # doctest: +NORMALIZE_WHITESPACE
    With 27 drivers, relative weights replace Shapley values: exact Shapley values need all 2^27
    driver subsets (and again for each of the 1,000 bootstrap resamples), which takes seconds
    only up to 15 drivers. Relative weights give nearly the same shares.
    """
    if isinstance(k, bool) or int(k) != k or k < 1:
        raise ValueError(f"choose_methods: k must be a positive integer (the number of drivers), not {k!r}")
    k = int(k)
    binary = bool(binary)
    allowed = _BINARY_METHODS if binary else _LINEAR_METHODS
    if isinstance(requested, str) and requested == "auto":
        wanted = ("shapley", "relative_weights")
    else:
        wanted = (requested,) if isinstance(requested, str) else tuple(requested)
        if not wanted:
            raise ValueError("choose_methods: no methods requested")
        unknown = [m for m in wanted if m not in allowed]
        if unknown:
            raise ValueError(
                f"choose_methods: unknown method(s) {unknown}"
                + (" for a binary outcome" if binary else "")
                + f"; choose from {allowed}"
            )
        wanted = tuple(dict.fromkeys(wanted))
    limit = shapley_limit(n_boot=n_boot, binary=binary)
    heavy = _SUBSET_METHODS[binary]
    dropped = tuple(m for m in wanted if m in heavy) if k > limit else ()
    methods = tuple(m for m in wanted if m not in dropped)
    if dropped and "relative_weights" not in methods:
        methods = ("relative_weights",) + methods
    note = note_fa = ""
    if dropped:
        boot = f" (and again for each of the {n_boot:,} bootstrap resamples)" if n_boot else ""
        what = "Shapley values" if dropped == ("shapley",) else "Shapley values (general dominance) and the first/last pseudo-R²"
        model = "logistic model" if binary else "driver subset"
        note = (
            f"With {k} drivers, relative weights replace {what}: exact Shapley values need "
            f"all 2^{k} {model}s{boot}, which takes seconds only up to {limit} drivers. "
            "Relative weights give nearly the same shares."
        )
        from csmlib.core.text import localize

        def fa(x, spec="d"):
            return localize(format(x, spec), "fa")

        what_fa = "مقادیر شپلی" if dropped == ("shapley",) else "مقادیر شپلی (چیرگی عمومی) و شبه‌ضریب تعیین اول/آخر"
        boot_fa = f" (و دوباره برای هر یک از {fa(n_boot, ',d')} نمونه بوت‌استرپ)" if n_boot else ""
        note_fa = (
            f"با {fa(k)} محرک، وزن‌های نسبی به جای {what_fa} به کار رفته‌اند: مقادیر دقیق "
            f"شپلی به همه {fa(2)}^{fa(k)} زیرمجموعه محرک‌ها نیاز دارند{boot_fa}، که فقط "
            f"تا {fa(limit)} محرک در چند ثانیه انجام می‌شود. وزن‌های نسبی سهم‌هایی تقریباً "
            "برابر می‌دهند."
        )
    return MethodChoice(methods=methods, replaced=bool(dropped), dropped=dropped, k=k, limit=limit, note=note, note_fa=note_fa)


def importance(
    data,
    outcome,
    drivers=None,
    *,
    methods=("shapley", "relative_weights"),
    weights=None,
    n_boot: int = 1000,
    level: float = 0.95,
    seed=None,
    missing: str = "listwise",
    binary: bool | None = None,
    fit: str = "mcfadden",
) -> pd.DataFrame:
    """Importance table: each method's raw and normalised shares, bootstrap CIs, rank, and the
    significance of each relative weight against a random variable.

    - ``raw``: the method's value (fraction of var y, or pseudo-R² for binary outcomes);
      ``normalized`` = raw / Σ raw (relaimpo ``rela=TRUE``, as a fraction).
    - ``ci_low``, ``ci_high``: bootstrap percentile interval of ``raw`` at ``level``, from
      ``n_boot`` case resamples (weights are carried along); resamples share the draws across
      methods. ``n_boot=0`` skips the bootstrap (NaN intervals).
    - ``rank``: 1 = most important within the method (ties get the lowest rank).
    - ``p_value``, ``significant`` (relative weights only): Tonidandel, LeBreton & Johnson (2009):
      an N(0, 1) random variable is added to the drivers and d_j = RW_j − RW_random is
      bootstrapped (a fresh random variable in every resample, so that the verdict does not hinge
      on one draw); ``significant`` iff the percentile CI of d_j at ``level`` excludes 0 (is above
      it); ``p_value`` = min(1, 2·min(P*(d ≤ 0), P*(d ≥ 0))) over the resamples.
    - Binary outcome (two distinct values; auto-detected when ``binary=None``): ``shapley`` is
      general dominance on the ``fit`` pseudo-R² of logistic models (McFadden by default),
      ``relative_weights`` the logistic relative weights of R ``rwa_logit``; ``first`` and
      ``last`` the pseudo-R² of the one-driver model and its loss when dropped from the full one.

    ``methods="auto"``: the methods :func:`choose_methods` picks for the number of drivers, the
    bootstrap size and the outcome type (exact Shapley and relative weights while that is fast,
    relative weights alone above); ``attrs["methods_note"]`` (and ``"methods_note_fa"``) then
    says, for the report, when Shapley was replaced ("" otherwise). Explicitly requested
    ``"shapley"`` above :data:`SHAPLEY_MAX_DRIVERS` drivers is refused.

    Columns: method, driver, raw, normalized, ci_low, ci_high, rank, p_value, significant.
    ``attrs``: r2 (linear R², or the pseudo-R² of the full logistic model), r2_by_method, n,
    n_eff, n_boot, level, seed, missing, binary, fit, methods, methods_note, methods_note_fa.

    References
    ----------
    Grömping (2006) relaimpo ``boot.relimp``/``booteval.relimp``; Tonidandel, LeBreton & Johnson
    (2009) *Psychol. Methods* 14:387–399; Tonidandel & LeBreton (2010, 2015).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csmlib.stats.drivers import importance
    >>> rng = np.random.default_rng(3)
    >>> df = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    >>> df["y"] = df.a + 0.5 * df.b + rng.normal(size=300)
    >>> t = importance(df, "y", n_boot=200, seed=1)
    >>> t.loc[t.method == "shapley", "driver"].iloc[0], list(t.columns)[:4]
    ('a', ['method', 'driver', 'raw', 'normalized'])
    """
    caller = "importance"
    auto = isinstance(methods, str) and methods == "auto"
    if auto:
        methods = ("relative_weights",)  # validated below; chosen once k is known
    elif isinstance(methods, str):
        methods = (methods,)
    methods = tuple(methods)
    if not methods:
        raise ValueError(f"{caller}: no methods given")
    unknown = [m for m in methods if m not in _LINEAR_METHODS]
    if unknown:
        raise ValueError(f"{caller}: unknown method(s) {unknown}; choose from {_LINEAR_METHODS}")
    check_level(level, caller)
    if int(n_boot) != n_boot or n_boot < 0:
        raise ValueError(f"{caller}: n_boot must be a non-negative integer")
    n_boot = int(n_boot)
    check_choice(fit, _FITS, "fit", caller)
    if binary is None:
        if not isinstance(data, pd.DataFrame) or outcome not in getattr(data, "columns", []):
            binary = False
        else:
            col = data[outcome]
            binary = (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)) and col.dropna().nunique() == 2
    if binary and not auto:
        bad = [m for m in methods if m not in _BINARY_METHODS]
        if bad:
            raise ValueError(
                f"{caller}: method(s) {bad} are not defined for the binary outcome {outcome!r}; use {_BINARY_METHODS}"
            )
    prep = _prepare(
        data,
        outcome,
        drivers,
        corr=None,
        weights=weights,
        missing="listwise" if binary else missing,
        n=None,
        caller=caller,
        need_rows=n_boot > 0 or binary,
        binary=binary,
    )
    if missing == "pairwise" and n_boot > 0 and not binary:
        raise ValueError(f"{caller}: the bootstrap needs missing='listwise' (complete rows)")
    choice = None
    if auto:
        choice = choose_methods(len(prep.drivers), n_boot=n_boot, binary=bool(binary))
        methods = choice.methods
    if "shapley" in methods and len(prep.drivers) > SHAPLEY_MAX_DRIVERS:
        raise ValueError(
            f"{caller}: {len(prep.drivers)} drivers exceed the "
            f"{SHAPLEY_MAX_DRIVERS} of exact Shapley; use "
            "methods=('relative_weights',) or choose_methods()"
        )
    rng = np.random.default_rng(seed)
    p = len(prep.drivers)
    if binary:
        point, r2_by, boot, diff, r2_full = _importance_binary(prep, methods, n_boot, rng, fit)
    else:
        point, r2_by, boot, diff, r2_full = _importance_linear(prep, methods, n_boot, rng)
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    rows = []
    for m in methods:
        raw = point[m]
        total = raw.sum()
        norm = raw / total if total != 0 else np.full(p, np.nan)
        rank = stats.rankdata(-raw, method="min").astype(int)
        if n_boot > 0:
            lo, hi = np.quantile(boot[m], [lo_q, hi_q], axis=0)
        else:
            lo = hi = np.full(p, np.nan)
        pv = np.full(p, np.nan)
        sig = [pd.NA] * p
        if m == "relative_weights" and n_boot > 0:
            d = diff
            pv = np.minimum(1.0, 2 * np.minimum((d <= 0).mean(axis=0), (d >= 0).mean(axis=0)))
            dlo = np.quantile(d, lo_q, axis=0)
            sig = list(dlo > 0)
        for j, name in enumerate(prep.drivers):
            rows.append(
                {
                    "method": m,
                    "driver": name,
                    "raw": float(raw[j]),
                    "normalized": float(norm[j]),
                    "ci_low": float(lo[j]),
                    "ci_high": float(hi[j]),
                    "rank": int(rank[j]),
                    "p_value": float(pv[j]),
                    "significant": sig[j],
                }
            )
    out = pd.DataFrame(rows)
    out["significant"] = out["significant"].astype("boolean")
    out = out.sort_values(
        ["method", "rank"], key=lambda s: s.map({m: i for i, m in enumerate(methods)}) if s.name == "method" else s, kind="stable"
    ).reset_index(drop=True)
    out.attrs.update(
        {
            "r2": float(r2_full),
            "r2_by_method": r2_by,
            "n": prep.n,
            "n_eff": prep.n_eff,
            "n_boot": n_boot,
            "level": level,
            "seed": seed,
            "missing": prep.missing,
            "binary": bool(binary),
            "fit": fit if binary else "r2",
            "outcome": prep.outcome,
            "methods": methods,
            "methods_note": choice.note if choice is not None else "",
            "methods_note_fa": choice.note_fa if choice is not None else "",
        }
    )
    return out


def _importance_linear(prep, methods, n_boot, rng):
    point = {m: _linear_metric(m, prep.R) for m in methods}
    _, r2 = _beta(prep.R)
    r2_by = {m: (float(point[m].sum()) if m in ("shapley", "relative_weights", "pratt") else r2) for m in methods}
    boot, diff = {}, None
    if n_boot == 0:
        return point, r2_by, boot, diff, r2
    p = len(prep.drivers)
    X, w = prep.X, prep.w
    n = X.shape[0]
    want_rw = "relative_weights" in methods
    mu = X.mean(axis=0)
    sd = X.std(axis=0)
    Z = (X - mu) / sd  # [x..., y], standardized for stability
    k = Z.shape[1] + (1 if want_rw else 0)
    boot = {m: np.empty((n_boot, p)) for m in methods}
    diff = np.empty((n_boot, p)) if want_rw else None
    main = list(range(p)) + [k - 1]
    # resamples per batch: ~40M cells of weights, and for Shapley ~4M subset R² (2^p per resample)
    subsets_cap = int(2**22 // (1 << p)) if "shapley" in methods else n_boot
    chunk = max(1, min(n_boot, subsets_cap, int(4e7 // n)))
    for a in range(0, n_boot, chunk):
        b = min(n_boot, a + chunk) - a
        Wb = _boot_counts(rng, n, b)
        if w is not None:
            Wb *= w
        Rb = _boot_corr(Z, Wb, rng.standard_normal((b, n)) if want_rw else None)
        Rm = Rb[:, main][:, :, main]
        for m in methods:
            if m == "shapley":
                r2s = _subsets.subset_r2_batch(_subsets.pack(Rm), p + 1)
                boot[m][a : a + b] = _subsets.shapley_from_r2(r2s, p).T
            elif m == "relative_weights":
                boot[m][a : a + b] = johnson_weights(Rm)
                aug = johnson_weights(Rb)  # drivers + random variable
                diff[a : a + b] = aug[:, :p] - aug[:, p : p + 1]
            else:
                boot[m][a : a + b] = _simple_metric(m, Rm)
    return point, r2_by, boot, diff, r2


def _binary_metrics(X, y, w, methods, fit, caller, with_noise=None):
    p = X.shape[1]
    out = {}
    need_subsets = any(m in methods for m in ("shapley", "first", "last"))
    r2 = None
    if need_subsets:
        r2 = _binary_subset_r2(X, y, w, fit, caller)
        if "shapley" in methods:
            out["shapley"] = _subsets.shapley_from_r2(r2, p)
        if "first" in methods:
            out["first"] = r2[1 << np.arange(p)]
        if "last" in methods:
            full = (1 << p) - 1
            out["last"] = r2[full] - r2[full ^ (1 << np.arange(p))]
    if "relative_weights" in methods:
        out["relative_weights"], out["_rw_r2"] = _logistic_rw(X, y, w)
        if with_noise is not None:
            aug, _ = _logistic_rw(np.column_stack([X, with_noise]), y, w)
            out["_diff"] = aug[:p] - aug[p]
    out["_r2"] = None if r2 is None else float(r2[-1])
    return out


def _importance_binary(prep, methods, n_boot, rng, fit):
    p = len(prep.drivers)
    X, y, w = prep.X[:, :p], prep.X[:, p], prep.w
    n = X.shape[0]
    pt = _binary_metrics(X, y, w, methods, fit, "importance")
    point = {m: pt[m] for m in methods}
    if pt["_r2"] is not None:
        r2_full = pt["_r2"]
    else:
        full, ll0, _ = _logit_loglik(_std(X, w), y, np.ones(n) if w is None else w * n / w.sum(), [(1 << p) - 1])
        r2_full = float(_pseudo_r2(full, ll0, n, fit)[0])
    r2_by = {m: (float(pt["_rw_r2"]) if m == "relative_weights" else r2_full) for m in methods}
    boot, diff = {}, None
    if n_boot == 0:
        return point, r2_by, boot, diff, r2_full
    want_rw = "relative_weights" in methods
    boot = {m: np.empty((n_boot, p)) for m in methods}
    diff = np.empty((n_boot, p)) if want_rw else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for b in range(n_boot):
            cw = _boot_counts(rng, n, 1)[0]
            noise = rng.standard_normal(n) if want_rw else None
            if w is not None:
                cw = cw * w
            keep = cw > 0
            yb = y[keep]
            if yb.min() == yb.max():  # one class only: nothing identifiable
                for m in methods:
                    boot[m][b] = np.nan
                if diff is not None:
                    diff[b] = np.nan
                continue
            res = _binary_metrics(
                X[keep], yb, cw[keep], methods, fit, "importance", with_noise=None if noise is None else noise[keep]
            )
            for m in methods:
                boot[m][b] = res[m]
            if diff is not None:
                diff[b] = res["_diff"]
    ok = ~np.isnan(next(iter(boot.values()))[:, 0])
    boot = {m: v[ok] for m, v in boot.items()}
    diff = None if diff is None else diff[ok]
    return point, r2_by, boot, diff, r2_full


def _std(X, w):
    w = np.ones(len(X)) if w is None else w
    mu = (w @ X) / w.sum()
    sd = np.sqrt((w @ (X - mu) ** 2) / w.sum())
    return (X - mu) / np.where(sd > 0, sd, 1.0)
