"""Dominance analysis of the drivers: general, conditional and complete dominance.

Budescu (1993) and Azen & Budescu (2003), as R dominanceanalysis / domir: linear models from the
all-subsets R² engine :mod:`csmlib.stats.subsets`, logistic models (binary outcome) from
:mod:`csmlib.stats.logistic`. Conventions: :mod:`csmlib.stats.drivers`; method note
``drivers.md`` §3.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Unpack

import numpy as np
import pandas as pd

from csmlib.stats import subsets as _subsets
from csmlib.stats.driver_inputs import DriverColumns, DriverData, DriverInputs, check_subset_count, filled_inputs, prepare_drivers
from csmlib.stats.logistic import PSEUDO_R2_FITS, subset_pseudo_r2
from csmlib.stats.validate import check_choice

__all__ = ["DominanceResult", "dominance"]

_TIE_TOL = 1e-12  # dominance designations: differences within this are ties


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
    data: pd.DataFrame | None = None,
    outcome: str | None = None,
    drivers: DriverColumns = None,
    *,
    binary: bool = False,
    fit: str = "mcfadden",
    max_drivers: int | None = None,
    collinear: str = "raise",
    **inputs: Unpack[DriverInputs],
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
    event); rows with missing values are dropped listwise. The other inputs (``data, outcome,
    drivers``, ``collinear``) as :func:`csmlib.stats.linear_importance.shapley`; the keyword inputs
    ``corr``, ``weights``, ``missing``, ``n``: :class:`csmlib.stats.driver_inputs.DriverInputs`.

    References
    ----------
    Budescu (1993) *Psychol. Bull.* 114:542–551; Azen & Budescu (2003) *Psychol. Methods*
    8:129–148; Azen & Traxel (2009) *J. Educ. Behav. Stat.* 34:319–347 (logistic); McFadden (1974).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csmlib.stats.dominance import dominance
    >>> rng = np.random.default_rng(2)
    >>> df = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    >>> df["y"] = 2 * df.a + df.b + rng.normal(size=300)
    >>> res = dominance(df, "y", ["a", "b", "c"])
    >>> float(res.complete.loc["a", "b"]), res.general.idxmax()
    (1.0, 'a')
    """
    caller = "dominance"
    inputs = filled_inputs(inputs, caller)
    check_choice(fit, PSEUDO_R2_FITS, "fit", caller)
    limit = max_drivers if max_drivers is not None else (14 if binary else 22)
    check_subset_count(data, outcome, drivers, limit=limit, caller=caller, **inputs)
    prep = prepare_drivers(data, outcome, drivers, caller=caller, collinear=collinear, need_rows=binary, binary=binary, **inputs)
    p = len(prep.drivers)
    if binary:
        assert prep.X is not None  # need_rows=True: prepare_drivers kept the rows
        r2 = subset_pseudo_r2(prep.X[:, :p], prep.X[:, p], prep.w, fit, caller)
        fit_name = fit
    else:
        r2 = _subsets.subset_r2(prep.R)
        fit_name = "r2"
    return _dominance_from_r2(r2, prep, fit_name, binary)


def _dominance_from_r2(r2: np.ndarray, prep: DriverData, fit_name: str, binary: bool) -> DominanceResult:
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
