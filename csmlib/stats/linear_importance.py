"""Linear relative importance from one correlation matrix: Shapley (LMG), first, last, β², Pratt.

The importance functions take ``data, outcome, drivers`` or ``corr=`` and return a Series of raw
shares of var(y) (conventions: :mod:`csmlib.stats.drivers`; method note ``drivers.md``); their
keyword inputs ``corr``, ``weights``, ``missing`` and ``n`` are documented once, in
:class:`csmlib.stats.driver_inputs.DriverInputs`. Johnson's
relative weights, the other linear method, are in :mod:`csmlib.stats.relative_weights`;
:func:`linear_metric` computes any of the six from a (batched) correlation matrix for the
bootstrap of :mod:`csmlib.stats.importance_table`.
"""

from __future__ import annotations

from functools import partial
from typing import Unpack

import numpy as np
import pandas as pd

from csmlib.stats import subsets as _subsets
from csmlib.stats.driver_inputs import (
    DriverColumns,
    DriverInputs,
    check_subset_count,
    correlation_importance,
    filled_inputs,
    importance_series,
    prepare_drivers,
)
from csmlib.stats.relative_weights import johnson_weights

__all__ = ["shapley", "first", "last", "beta_squared", "pratt", "simple_metric", "linear_metric"]


def simple_metric(method: str, R: np.ndarray) -> np.ndarray:
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


def linear_metric(method: str, R: np.ndarray) -> np.ndarray:
    """Any linear importance method (shapley, relative_weights, first, last, beta_squared, pratt)
    from the correlation matrix R of [drivers…, outcome]; only Shapley needs R unbatched."""
    if method == "shapley":
        p = R.shape[0] - 1
        return _subsets.shapley_from_r2(_subsets.subset_r2(R), p)
    if method == "relative_weights":
        return johnson_weights(R)
    return simple_metric(method, R)


def shapley(
    data: pd.DataFrame | None = None,
    outcome: str | None = None,
    drivers: DriverColumns = None,
    *,
    max_drivers: int = 25,
    collinear: str = "raise",
    **inputs: Unpack[DriverInputs],
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
    max_drivers : int
        Above this many drivers the exact computation is refused (use :func:`csmlib.stats.relative_weights.relative_weights`).
    collinear : {"raise", "split"}
        Perfectly collinear drivers raise (default) or share the common part equally.
    **inputs
        ``corr``, ``weights``, ``missing``, ``n``: documented in
        :class:`csmlib.stats.driver_inputs.DriverInputs`.

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
    >>> from csmlib.stats.linear_importance import shapley
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame(rng.normal(size=(200, 3)), columns=["quality", "price", "service"])
    >>> df["overall"] = df.quality + 0.5 * df.service + rng.normal(size=200)
    >>> s = shapley(df, "overall", ["quality", "price", "service"])
    >>> bool(abs(s.sum() - s.attrs["r2"]) < 1e-12), s.idxmax(), s.attrs["n"]
    (True, 'quality', 200)
    """
    inputs = filled_inputs(inputs, "shapley")
    check_subset_count(data, outcome, drivers, limit=max_drivers, caller="shapley", **inputs)
    prep = prepare_drivers(data, outcome, drivers, caller="shapley", collinear=collinear, **inputs)
    p = len(prep.drivers)
    r2 = _subsets.subset_r2(prep.R)
    return importance_series(_subsets.shapley_from_r2(r2, p), prep, "shapley", r2[-1])


def _simple(
    method: str, data: pd.DataFrame | None, outcome: str | None, drivers: DriverColumns, inputs: DriverInputs
) -> pd.Series:
    """first / last / beta_squared / pratt (``inputs``: :class:`DriverInputs`, checked here)."""
    prep = prepare_drivers(data, outcome, drivers, caller=method, **filled_inputs(inputs, method))
    return correlation_importance(prep, method, partial(simple_metric, method))


def first(
    data: pd.DataFrame | None = None, outcome: str | None = None, drivers: DriverColumns = None, **inputs: Unpack[DriverInputs]
) -> pd.Series:
    """Zero-order importance r_jy² (relaimpo ``first``; "correlation" driver analysis).

    Does not sum to R² when drivers are correlated. Parameters and result as :func:`shapley`
    (keyword inputs: :class:`csmlib.stats.driver_inputs.DriverInputs`).

    >>> import pandas as pd
    >>> from csmlib.stats.linear_importance import first
    >>> df = pd.DataFrame({"x": [1, 2, 3, 4, 5.], "z": [2, 1, 4, 3, 5.], "y": [1, 3, 2, 5, 4.]})
    >>> round(float(first(df, "y", ["x", "z"])["x"]), 2)
    0.64
    """
    return _simple("first", data, outcome, drivers, inputs)


def last(
    data: pd.DataFrame | None = None, outcome: str | None = None, drivers: DriverColumns = None, **inputs: Unpack[DriverInputs]
) -> pd.Series:
    """R² lost when x_j is removed last: b_j² / (Rxx⁻¹)_jj, the squared semipartial correlation
    (relaimpo ``last``). Parameters and result as :func:`shapley` (keyword inputs:
    :class:`csmlib.stats.driver_inputs.DriverInputs`).

    >>> import pandas as pd
    >>> from csmlib.stats.linear_importance import last
    >>> df = pd.DataFrame({"x": [1, 2, 3, 4, 5.], "z": [2, 1, 4, 3, 5.], "y": [1, 3, 2, 5, 4.]})
    >>> round(float(last(df, "y", ["x", "z"])["z"]), 4)
    0.3211
    """
    return _simple("last", data, outcome, drivers, inputs)


def beta_squared(
    data: pd.DataFrame | None = None, outcome: str | None = None, drivers: DriverColumns = None, **inputs: Unpack[DriverInputs]
) -> pd.Series:
    """Squared standardized coefficient b_j² of the full model (relaimpo ``betasq``).

    Equal to the variance shares of linear SHAP values — which is *not* Shapley regression.
    Parameters and result as :func:`shapley` (keyword inputs: :class:`csmlib.stats.driver_inputs.DriverInputs`).

    >>> import pandas as pd
    >>> from csmlib.stats.linear_importance import beta_squared
    >>> df = pd.DataFrame({"x": [1, 2, 3, 4, 5.], "z": [2, 1, 4, 3, 5.], "y": [1, 3, 2, 5, 4.]})
    >>> round(float(beta_squared(df, "y", ["x", "z"])["x"]), 4)   # suppression: β_x² > 1
    2.4198
    """
    return _simple("beta_squared", data, outcome, drivers, inputs)


def pratt(
    data: pd.DataFrame | None = None, outcome: str | None = None, drivers: DriverColumns = None, **inputs: Unpack[DriverInputs]
) -> pd.Series:
    """Pratt's measure b_j · r_jy (relaimpo ``pratt``); sums to R², negative under suppression.

    Parameters and result as :func:`shapley` (keyword inputs: :class:`csmlib.stats.driver_inputs.DriverInputs`).

    >>> import pandas as pd
    >>> from csmlib.stats.linear_importance import pratt
    >>> df = pd.DataFrame({"x": [1, 2, 3, 4, 5.], "z": [2, 1, 4, 3, 5.], "y": [1, 3, 2, 5, 4.]})
    >>> s = pratt(df, "y", ["x", "z"])
    >>> round(float(s.sum()), 4) == round(s.attrs["r2"], 4)
    True
    """
    return _simple("pratt", data, outcome, drivers, inputs)
