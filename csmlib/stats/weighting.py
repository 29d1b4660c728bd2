"""Survey weights: validation, Kish effective n, design effect, linearized SEs and raking.

Conventions (method note ``indicators.md`` §9–§10)
--------------------------------------------------
- Weights must be finite and strictly positive: zero, negative, NaN or infinite weights raise
  ``ValueError`` naming the weight column (:func:`check_weights`). A respondent who should not
  count is dropped from the data, never given a weight of 0.
- Kish effective sample size n_eff = (Σw)²/Σw²; design effect of the weights
  deff_w = n/n_eff = 1 + CV²(w) (CV with divisor n). Compute them within each reported subgroup.
  A report states the effective size of a statistic's own base with :func:`effective_sample`
  (the respondents who answered every column the statistic uses), so that two reports computing
  on the same base print the same number, and different bases are named as such.
- Linearized (Taylor) SE of a weighted mean ȳ_w = Σw·y/Σw:
  SE = sqrt(n/(n−1)·Σw²(y − ȳ_w)²)/Σw — R survey ``svymean`` for ``svydesign(ids=~1, weights=~w)``;
  with all weights equal it is s/√n (s with divisor n − 1).
- :func:`rake` is iterative proportional fitting (Deming & Stephan 1940) of the weights to
  population margins, with diagnostics (iterations, convergence, n_eff, deff, achieved margins).
  With ``max_iter=100, tol=1e-8`` it gives the weights of R survey
  ``rake(..., control=list(maxit=100, epsilon=1e-9))``; note that R's *default* control stops early.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from csmlib.stats.validate import check_weights, weight_column

__all__ = [
    "RakeResult",
    "EffectiveSample",
    "check_weights",
    "kish_n_eff",
    "design_effect",
    "effective_sample",
    "effective_samples",
    "weighted_mean_se",
    "rake",
]


# --------------------------------------------------------------------------------------------
# Validation, Kish n_eff, design effect
# --------------------------------------------------------------------------------------------


def kish_n_eff(weights: pd.Series | ArrayLike) -> float:
    """Kish effective sample size n_eff = (Σw)²/Σw².

    Equal weights give n_eff = n; the more unequal the weights, the smaller n_eff.
    Reference: Kish (1965) *Survey Sampling*; Kish (1992) *J. Official Statistics* 8:183–200.

    Examples
    --------
    >>> from csmlib.stats.weighting import kish_n_eff
    >>> kish_n_eff([1, 1, 1, 1])
    4.0
    >>> round(kish_n_eff([1, 2, 3]), 4)     # 36/14
    2.5714
    """
    w = check_weights(weights)
    if w.size == 0:
        raise ValueError("kish_n_eff: no weights given")
    return float(w.sum() ** 2 / np.dot(w, w))


def design_effect(weights: pd.Series | ArrayLike) -> float:
    """Design effect of unequal weights deff_w = n/n_eff = 1 + CV²(w) (CV with divisor n).

    Examples
    --------
    >>> from csmlib.stats.weighting import design_effect
    >>> round(design_effect([1, 2, 3]), 4)     # 3·14/36
    1.1667
    """
    w = check_weights(weights)
    if w.size == 0:
        raise ValueError("design_effect: no weights given")
    return float(w.size * np.dot(w, w) / w.sum() ** 2)


@dataclass(frozen=True)
class EffectiveSample:
    """The base of a statistic and its Kish effective size (:func:`effective_sample`)."""

    n: int  # respondents in the base
    n_eff: float  # Kish (Σw)²/Σw² over the base; n without weights (0 for an empty base)
    weighted: bool
    base: tuple[str, ...]  # the columns every respondent of the base answered (empty: every respondent)

    @property
    def design_effect(self) -> float:
        """n/n_eff (1 without weights; NaN for an empty base)."""
        return self.n / self.n_eff if self.n_eff > 0 else math.nan


def effective_sample(
    data: pd.DataFrame, columns: str | Sequence[str] = (), weights: str | pd.Series | ArrayLike | None = None
) -> EffectiveSample:
    """The respondents who answered every one of ``columns`` and their Kish effective sample size.

    Base = the rows of ``data`` where each of ``columns`` is answered (not missing) and, when
    weighted, the weight is not missing — the listwise base of :mod:`csmlib.stats.drivers` and of
    the satisfaction index, and the valid answers of a single outcome. ``n_eff`` =
    (Σ_base w)²/Σ_base w² (:func:`kish_n_eff`); without weights it is n. With no ``columns`` the
    base is every respondent. ``weights``: a column name, a Series aligned on ``data``'s index,
    or one weight per row.

    One function for every report that states an effective sample size, so that the same base
    always gives the same number and a report can say which base it is ("of the 1,308 who rated
    every driver" vs "of all 1,494 respondents").
    Reference: Kish (1965) *Survey Sampling*, §11.7; Kish (1992) *J. Official Statistics* 8:183–200.

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.weighting import effective_sample
    >>> df = pd.DataFrame({"overall": [8, 9, None, 7], "speed": [4, None, 5, 3], "w": [1.0, 2.0, 3.0, 2.0]})
    >>> s = effective_sample(df, ["overall", "speed"], "w")     # rows 0 and 3: (1 + 2)²/(1 + 4)
    >>> s.n, round(s.n_eff, 4), s.base
    (2, 1.8, ('overall', 'speed'))
    >>> effective_sample(df).n_eff                                # unweighted, every respondent
    4.0
    """
    cols, keep, w = _sample_base(data, columns, weights, "effective_sample")
    n = int(keep.sum())
    if w is None:
        return EffectiveSample(n=n, n_eff=float(n), weighted=False, base=cols)
    return EffectiveSample(n=n, n_eff=kish_n_eff(w[keep]) if n else 0.0, weighted=True, base=cols)


def _sample_base(
    data: pd.DataFrame, columns: str | Sequence[str], weights: str | pd.Series | ArrayLike | None, caller: str
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray | None]:
    """The columns, the rows of the base (bool array) and the weights (None: unweighted)."""
    cols = (columns,) if isinstance(columns, str) else tuple(columns)
    unknown = [c for c in cols if c not in data.columns]
    if unknown:
        raise ValueError(f"{caller}: column(s) {', '.join(map(repr, unknown))} not in data")
    keep = data[list(cols)].notna().all(axis=1).to_numpy() if cols else np.ones(len(data), dtype=bool)
    given = weight_column(data, weights, caller)
    if given is None:
        return cols, keep, None
    if isinstance(given, pd.Series):
        given = given.reindex(data.index)
    w = check_weights(given, len(data), caller=caller, allow_missing=True)
    return cols, keep & ~np.isnan(w), w


def effective_samples(
    data: pd.DataFrame, bases: Mapping[str, str | Sequence[str]], weights: str | pd.Series | ArrayLike | None = None
) -> pd.DataFrame:
    """One effective sample size per base among several statistics (:func:`effective_sample`).

    ``bases`` maps each statistic to the columns it uses; its base is the respondents who
    answered all of them. Statistics computed on the same respondents (the same rows, whatever
    their columns) share one row, so a report states one effective sample size per base.

    Returns a DataFrame, one row per distinct base in order of first appearance: ``statistics``
    (tuple of the names), ``columns`` (those of the first statistic), ``n``, ``n_eff``.

    >>> import pandas as pd
    >>> from csmlib.stats.weighting import effective_samples
    >>> df = pd.DataFrame({"overall": [8, 9, 6, 7], "nps": [9, 10, 3, 8], "a": [4, None, 5, 3], "w": [1.0, 2.0, 3.0, 2.0]})
    >>> t = effective_samples(df, {"mean": "overall", "nps": ["nps"], "index": ["a"]}, "w")
    >>> t[["statistics", "n", "n_eff"]].round(3).values.tolist()     # 64/18, 36/14
    [[('mean', 'nps'), 4, 3.556], [('index',), 3, 2.571]]
    """
    groups: dict[bytes, dict] = {}
    for name, columns in bases.items():
        cols, keep, w = _sample_base(data, columns, weights, "effective_samples")
        key = np.packbits(keep).tobytes()  # the same rows: the same base
        if key not in groups:
            n = int(keep.sum())
            n_eff = float(n) if w is None else (kish_n_eff(w[keep]) if n else 0.0)
            groups[key] = {"statistics": (), "columns": cols, "n": n, "n_eff": n_eff}
        groups[key]["statistics"] += (name,)
    return pd.DataFrame(list(groups.values()), columns=["statistics", "columns", "n", "n_eff"])


def weighted_mean_se(y: ArrayLike, weights: pd.Series | ArrayLike | None = None) -> tuple[float, float]:
    """Weighted mean and its linearized (Taylor) standard error.

    ȳ_w = Σw·y/Σw;  SE = sqrt(n/(n−1)·Σw²(y − ȳ_w)²)/Σw  (R survey ``svymean`` with
    ``svydesign(ids=~1, weights=~w)``). Without weights: the mean and s/√n. ``y`` must not contain
    missing values.

    Examples
    --------
    >>> from csmlib.stats.weighting import weighted_mean_se
    >>> m, se = weighted_mean_se([1.0, 2.0, 4.0], [1.0, 1.0, 2.0])
    >>> round(m, 4), round(se, 4)
    (2.75, 0.9622)
    """
    y = np.array(y, dtype=float).ravel()
    w = np.ones_like(y) if weights is None else check_weights(weights, y.size)
    if np.isnan(y).any():
        raise ValueError("weighted_mean_se: y contains missing values")
    n = y.size
    if n == 0:
        raise ValueError("weighted_mean_se: no values")
    sw = float(w.sum())
    mean = float(np.dot(w, y) / sw)
    if n < 2:
        return mean, math.nan
    ss = float(np.dot(w * w, (y - mean) ** 2))
    return mean, math.sqrt(n / (n - 1) * ss) / sw


# --------------------------------------------------------------------------------------------
# Raking
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RakeResult:
    """Raked weights with diagnostics (:func:`rake`)."""

    weights: pd.Series  # one weight per row of ``data`` (same index), name "weight"
    converged: bool
    iterations: int  # full passes over all margins
    n_eff: float  # Kish effective n of the raked weights
    deff: float  # design effect of the weights n/n_eff
    margins: pd.DataFrame  # variable, category, target, achieved, target_share,
    #                           achieved_share, rel_diff (achieved/target − 1)
    max_rel_diff: float  # largest |achieved − target|/target after the last pass
    min_weight: float
    max_weight: float
    total: float  # Σ raked weights (= the common target total)
    n: int
    cap: float | None  # trimming cap as a multiple of the mean weight (None: no trimming)


def _margin_targets(var: str, spec: pd.Series | Mapping[Hashable, float]) -> pd.Series:
    if isinstance(spec, pd.Series):
        t = spec.copy()
    elif isinstance(spec, Mapping):
        t = pd.Series(dict(spec))
    else:
        raise TypeError(
            f"rake: margin '{var}' must be a dict or Series of targets {{category: count or share}}, not {type(spec).__name__}"
        )
    if t.empty:
        raise ValueError(f"rake: margin '{var}' has no target categories")
    if t.index.has_duplicates:
        raise ValueError(f"rake: margin '{var}' lists a category twice")
    try:
        vals = pd.to_numeric(t, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (ValueError, TypeError):
        raise ValueError(f"rake: margin '{var}' has non-numeric targets") from None
    if not np.all(np.isfinite(vals)):
        raise ValueError(f"rake: margin '{var}' has missing or infinite targets")
    if np.any(vals <= 0):
        bad = [str(c) for c, v in zip(t.index, vals) if v <= 0]
        raise ValueError(
            f"rake: margin '{var}' has zero or negative targets for {bad}; drop or "
            "merge those categories (raking cannot give respondents weight 0)"
        )
    return pd.Series(vals, index=t.index)


def rake(
    data: pd.DataFrame,
    margins: Mapping[str, pd.Series | Mapping[Hashable, float]],
    *,
    weights: str | pd.Series | ArrayLike | None = None,
    max_iter: int = 100,
    tol: float = 1e-8,
    cap: float | None = None,
) -> RakeResult:
    """Rake survey weights to population margins (iterative proportional fitting).

    Algorithm (Deming & Stephan 1940; method note §10): start from the base weights d (default 1);
    in each pass, for every margin v and category c, multiply the weights of the respondents in c
    by T_vc/S_vc (S_vc the current weighted count). After each full pass every S_vc is recomputed
    and the raking has converged when max |S_vc − T_vc|/T_vc < ``tol``. With ``cap`` the weights
    are trimmed to at most ``cap`` × their mean after each pass and raked again, alternately, until
    both the margins and the cap hold (R anesrake-style trimming; the usual cap is 5).

    Targets may be counts or shares. If every margin sums to 1 they are read as shares of the total
    of the base weights (n with the default base weights, so the raked weights average 1);
    otherwise every margin must sum to the same total (relative tolerance 1e-6).

    Parameters
    ----------
    data : DataFrame
        One row per respondent; must contain every margin variable (no missing values: give
        missing answers their own category first).
    margins : dict
        ``{column: {category: target}}`` (dicts or Series).
    weights : array-like or str, optional
        Base (design) weights, or the name of a column of ``data``.
    max_iter : int
        Maximum number of full passes.
    tol : float
        Relative convergence tolerance on the margins.
    cap : float, optional
        Trim weights to at most ``cap`` × mean weight (must be > 1).

    Returns
    -------
    RakeResult
        ``weights`` (Series on ``data.index``), ``converged``, ``iterations``, ``n_eff``,
        ``deff`` and ``margins`` (target vs achieved per category), plus min/max weight.
        Not converging after ``max_iter`` passes gives ``converged=False`` and a warning.

    Raises
    ------
    ValueError
        Unknown margin column; missing values in a margin column; a sample category without a
        target; a target category with no respondents; targets that do not sum to a common total;
        zero or negative targets or base weights.

    References
    ----------
    Deming & Stephan (1940) *Ann. Math. Stat.* 11:427–444; Deville & Särndal (1992) *JASA*
    87:376–382; Lumley, R survey ``rake``; Pasek, R anesrake.

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.weighting import rake
    >>> df = pd.DataFrame({"sex": ["m", "m", "f", "f", "f"], "age": ["y", "o", "y", "o", "o"]})
    >>> res = rake(df, {"sex": {"m": 0.5, "f": 0.5}, "age": {"y": 0.5, "o": 0.5}})
    >>> res.converged, [round(v, 3) for v in res.weights]
    (True, [1.464, 1.036, 1.036, 0.732, 0.732])
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError("rake: data must be a pandas DataFrame")
    if not isinstance(margins, Mapping) or not margins:
        raise ValueError("rake: margins must be a non-empty dict {column: {category: target}}")
    if max_iter < 1:
        raise ValueError("rake: max_iter must be at least 1")
    if not tol > 0:
        raise ValueError("rake: tol must be positive")
    if cap is not None and not cap > 1:
        raise ValueError("rake: cap must be greater than 1 (a multiple of the mean weight)")
    n = len(data)
    if n == 0:
        raise ValueError("rake: data has no rows")
    if weights is None:
        base = np.ones(n)
    else:
        base = check_weights(weight_column(data, weights, "rake"), n, name=weights if isinstance(weights, str) else "weights")

    targets = {str(v) if not isinstance(v, str) else v: _margin_targets(v, s) for v, s in margins.items()}
    sums = {v: float(t.sum()) for v, t in targets.items()}
    if all(abs(s - 1.0) < 1e-6 for s in sums.values()):
        total = float(base.sum())
        targets = {v: t / sums[v] * total for v, t in targets.items()}
    else:
        ref = next(iter(sums.values()))
        if any(abs(s - ref) > 1e-6 * ref for s in sums.values()):
            detail = ", ".join(f"{v}: {s:g}" for v, s in sums.items())
            raise ValueError(f"rake: the targets of the margins must sum to the same total (or all to 1 as shares); got {detail}")
        total = ref

    codes_list, tvals_list = [], []
    for v, t in targets.items():
        if v not in data.columns:
            raise ValueError(f"rake: margin column '{v}' not in data")
        col = data[v]
        miss = col.isna().to_numpy()
        if miss.any():
            raise ValueError(
                f"rake: margin column '{v}' has {int(miss.sum())} missing value(s); "
                "give them their own category (with a target) or impute first"
            )
        codes = t.index.get_indexer(pd.Index(col))
        if (codes < 0).any():
            unknown = sorted({str(x) for x in pd.unique(col[codes < 0])})
            raise ValueError(f"rake: column '{v}' has categories without a target: {unknown}")
        present = np.bincount(codes, minlength=len(t))
        if (present == 0).any():
            empty = [str(c) for c, k in zip(t.index, present) if k == 0]
            raise ValueError(
                f"rake: target categories of '{v}' with no respondents: {empty}; merge them with a neighbouring category"
            )
        codes_list.append(codes)
        tvals_list.append(t.to_numpy(dtype=float))

    w = base.copy()

    def max_rel(wts):
        return max(
            float(np.max(np.abs(np.bincount(c, weights=wts, minlength=len(tv)) - tv) / tv))
            for c, tv in zip(codes_list, tvals_list)
        )

    converged, it, rel = False, 0, math.inf
    for it in range(1, max_iter + 1):
        for codes, tv in zip(codes_list, tvals_list):
            s = np.bincount(codes, weights=w, minlength=len(tv))
            w *= (tv / s)[codes]
        if cap is not None:
            np.minimum(w, cap * w.mean(), out=w)
        rel = max_rel(w)
        cap_ok = cap is None or w.max() <= cap * w.mean() * (1 + tol)
        if rel < tol and cap_ok:
            converged = True
            break
    if not converged:
        warnings.warn(
            f"rake: not converged after {max_iter} passes (largest relative margin "
            f"difference {rel:.3g} ≥ tol {tol:g}); the margins are not reproduced "
            "exactly — check for conflicting targets or sparse cells",
            stacklevel=2,
        )

    rows = []
    for (v, t), codes in zip(targets.items(), codes_list):
        ach = np.bincount(codes, weights=w, minlength=len(t))
        tv = t.to_numpy(dtype=float)
        for c, tg, a in zip(t.index, tv, ach):
            rows.append(
                {
                    "variable": v,
                    "category": c,
                    "target": tg,
                    "achieved": float(a),
                    "target_share": tg / tv.sum(),
                    "achieved_share": float(a / ach.sum()),
                    "rel_diff": float(a / tg - 1.0),
                }
            )
    n_eff = float(w.sum() ** 2 / np.dot(w, w))
    return RakeResult(
        weights=pd.Series(w, index=data.index, name="weight"),
        converged=converged,
        iterations=it,
        n_eff=n_eff,
        deff=float(n / n_eff),
        margins=pd.DataFrame(rows),
        max_rel_diff=float(rel),
        min_weight=float(w.min()),
        max_weight=float(w.max()),
        total=float(w.sum()),
        n=n,
        cap=cap,
    )
