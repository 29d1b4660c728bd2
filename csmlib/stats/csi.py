"""ACSI-style 0–100 customer-satisfaction index (CSI) with equal, stated or derived importance.

Derived importance is Johnson's relative weights, computed by the one implementation in
:mod:`csmlib.stats.relative_weights`. Conventions: :mod:`csmlib.stats.indicators`; formulas:
method note ``indicators.md`` §6.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from csmlib.stats.indicator_cores import aligned_weights, answer_values, check_answer_range, mean_by_group, scale_pair
from csmlib.stats.relative_weights import relative_weights
from csmlib.stats.validate import check_level, check_weights, weight_column

__all__ = ["CSIResult", "csi", "item_relative_weights"]


@dataclass(frozen=True)
class CSIResult:
    """ACSI-style 0–100 satisfaction index."""

    estimate: float  # 0–100
    se: float
    ci_low: float
    ci_high: float
    n: int  # complete cases on the items
    n_eff: float
    item_weights: pd.Series  # normalized importance weights (sum 1), indexed by item
    level: float = 0.95
    ci_method: str = "t"
    importance: str = "equal"  # "equal" | "stated" | "derived"
    deff: float = 1.0


def item_relative_weights(
    data: pd.DataFrame, items: Sequence[str], outcome: str, *, weights: pd.Series | ArrayLike | None = None
) -> pd.Series:
    """Johnson's (2000) relative weights of ``items`` for ``outcome`` on the complete cases: the
    derived importance of :func:`csi`.

    With R_xx = VΛVᵀ the item correlation matrix, Λ½ = VΛ^{1/2}Vᵀ, β = Λ½⁻¹ r_xy:
    ε_j = Σ_k (Λ½)_jk² β_k²; Σε_j = R² of the regression. Returned as raw weights ε (their sum is
    R²), a Series named ``relative_weight``; divide by the sum for shares. Robust to collinearity
    and never negative. Computed by :func:`csmlib.stats.relative_weights.relative_weights` on the
    rows where every item and the outcome are answered (no listwise-deletion warning); this form
    takes the items before the outcome, reads the answers as the indicators do and refuses
    linearly dependent items. ``csmlib.stats.indicators.relative_weights`` is this function.

    References: Johnson (2000) *Multivariate Behavioral Research* 35:1–19.

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.csi import item_relative_weights
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5, 6], "b": [2, 1, 4, 3, 6, 5],
    ...                    "y": [1, 3, 2, 5, 4, 6]})
    >>> round(float(item_relative_weights(df, ["a", "b"], "y").sum()), 4)   # = R²
    0.981
    """
    caller = "relative_weights"
    items = list(items)
    cols = items + [outcome]
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise ValueError(f"{caller}: column(s) not in data: {missing}")
    X = np.column_stack([answer_values(data[c], caller, c) for c in cols])
    w = None if weights is None else aligned_weights(data[outcome], weights, len(data), caller)
    keep = ~np.isnan(X).any(axis=1)
    complete = pd.DataFrame(X[keep], columns=cols)
    rw = relative_weights(complete, outcome, items, weights=None if w is None else w[keep])
    return pd.Series(rw.to_numpy(), index=items, name="relative_weight")


def csi(
    data: pd.DataFrame,
    items: Sequence[str],
    *,
    importance: str | pd.Series | Mapping[str, float] | None = None,
    outcome: str | None = None,
    scale: tuple[float, float] | Mapping[str, tuple[float, float]] = (1, 10),
    weights: str | pd.Series | ArrayLike | None = None,
    level: float = 0.95,
) -> CSIResult:
    """ACSI-style 0–100 customer-satisfaction index (Fornell et al. 1996).

    With importance weights w_i ≥ 0 on the unstandardized items x_i (scale min_i…max_i) and the
    per-respondent composite ξ_r = Σ_i w_i x_ri (complete cases on the items):

        Index = 100·(mean(ξ) − Σw_i min_i)/(Σw_i max_i − Σw_i min_i)
        SE    = 100·sd(ξ)/(√n·(Σw_i max_i − Σw_i min_i)),  CI = Index ± t_{n−1}·SE

    (sd with divisor n − 1; with survey weights the weighted mean of ξ and its linearized SE).
    The normalization of w cancels; ``item_weights`` are reported summing to 1.

    ``importance``:

    - ``None`` or "equal": equal weights (the "transformed mean");
    - a Series indexed by item: stated importance (≥ 0, not all 0; e.g. mean importance ratings);
    - "derived": Johnson's relative weights of the items for ``outcome`` (:func:`item_relative_weights`).
      The SE then treats the estimated weights as fixed (a slight understatement; ``ci_method`` says
      so).

    ``scale`` is one (min, max) pair for all items or a dict {item: (min, max)}.

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.csi import csi
    >>> df = pd.DataFrame({"q1": [8, 9, 7, 10], "q2": [6, 8, 7, 9]})
    >>> round(csi(df, ["q1", "q2"], scale=(1, 10)).estimate, 2)   # 100·(8 − 1)/9
    77.78
    """
    caller = "csi"
    check_level(level, caller)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{caller}: data must be a DataFrame")
    items = list(items)
    if not items:
        raise ValueError(f"{caller}: no items given")
    if len(set(items)) != len(items):
        raise ValueError(f"{caller}: items listed twice")
    missing = [c for c in items if c not in data.columns]
    if missing:
        raise ValueError(f"{caller}: item column(s) not in data: {missing}")
    if isinstance(scale, Mapping):
        absent = [c for c in items if c not in scale]
        if absent:
            raise ValueError(f"{caller}: no scale given for item(s) {absent}")
        scales = np.array([scale_pair(scale[c], caller, f"scale of '{c}'") for c in items])
    else:
        scales = np.tile(scale_pair(scale, caller), (len(items), 1))
    w_all: np.ndarray | None
    if isinstance(weights, str):
        w_all = check_weights(weight_column(data, weights, caller), len(data), name=weights)
    else:
        w_all = aligned_weights(data[items[0]], weights, len(data), caller)

    cols = []
    for j, c in enumerate(items):
        col = answer_values(data[c], caller, c)
        check_answer_range(col, scales[j, 0], scales[j, 1], c, caller)
        cols.append(col)

    label = "equal"
    if importance is None or (isinstance(importance, str) and importance == "equal"):
        wi = np.ones(len(items))
    elif isinstance(importance, str) and importance == "derived":
        if outcome is None:
            raise ValueError(f"{caller}: importance='derived' needs the outcome column")
        wi = item_relative_weights(data, items, outcome, weights=w_all).to_numpy()
        label = "derived"
    elif isinstance(importance, (pd.Series, Mapping)):
        imp = pd.Series(importance, dtype=float) if isinstance(importance, Mapping) else importance.astype(float)
        absent = [c for c in items if c not in imp.index]
        if absent:
            raise ValueError(f"{caller}: no importance given for item(s) {absent}")
        wi = imp.reindex(items).to_numpy(dtype=float)
        if not np.all(np.isfinite(wi)):
            raise ValueError(f"{caller}: importance weights must be finite numbers")
        neg = [c for c, v in zip(items, wi) if v < 0]
        if neg:
            raise ValueError(f"{caller}: negative importance weights for {neg} (e.g. negative PLS outer weights) are refused")
        label = "stated"
    else:
        raise ValueError(f"{caller}: importance must be None, 'equal', 'derived' or a Series indexed by item, not {importance!r}")
    if not wi.sum() > 0:
        raise ValueError(f"{caller}: the importance weights are all zero")
    wi = wi / wi.sum()

    # ξ_r = Σ_i w_i x_ri, accumulated column by column; NaN propagates, so ξ is NaN exactly for
    # the incomplete cases, which the mean core leaves out (complete cases on the items)
    xi = cols[0] * wi[0]
    for col, wj in zip(cols[1:], wi[1:]):
        xi += wj * col
    if np.all(np.isnan(xi)):
        raise ValueError(f"{caller}: no respondent answered all of {items}")
    r = mean_by_group(xi, w_all, None, 1, level)
    lo_t, hi_t = float(wi @ scales[:, 0]), float(wi @ scales[:, 1])
    f = 100.0 / (hi_t - lo_t)
    if r["n"][0] < 2:
        warnings.warn(f"{caller}: only 1 complete case; SE and interval are NaN", stacklevel=2)
    return CSIResult(
        estimate=float((r["estimate"][0] - lo_t) * f),
        se=float(r["se"][0] * f),
        ci_low=float((r["ci_low"][0] - lo_t) * f),
        ci_high=float((r["ci_high"][0] - lo_t) * f),
        n=int(r["n"][0]),
        n_eff=float(r["n_eff"][0]),
        item_weights=pd.Series(wi, index=items, name="weight"),
        level=level,
        ci_method="t (estimated weights treated as fixed)" if label == "derived" else "t",
        importance=label,
        deff=float(r["deff"][0]),
    )
