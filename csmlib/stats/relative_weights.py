"""Johnson's (2000) relative weights: the one implementation, for the drivers and the CSI.

:func:`johnson_weights` is the decomposition on a correlation matrix (batched for the
bootstrap); :func:`relative_weights` the importance function on data or ``corr=`` with the
conventions of :mod:`csmlib.stats.drivers`. The CSI's derived importance
(:func:`csmlib.stats.csi.item_relative_weights`) and the importance table call them; the
logistic relative weights of a binary outcome are in :mod:`csmlib.stats.logistic`. Method note
``drivers.md`` §4.
"""

from __future__ import annotations

from typing import Unpack

import numpy as np
import pandas as pd

from csmlib.stats.driver_inputs import (
    COLLINEAR_TOL,
    DriverColumns,
    DriverInputs,
    correlation_importance,
    filled_inputs,
    prepare_drivers,
)

__all__ = ["johnson_weights", "relative_weights"]


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
        isq = np.where(vals > COLLINEAR_TOL, 1.0 / np.sqrt(vals), 0.0)
    lam = (V * np.sqrt(vals)[..., None, :]) @ np.swapaxes(V, -1, -2)
    bstar = ((V * isq[..., None, :]) @ np.swapaxes(V, -1, -2) @ rxy[..., None])[..., 0]
    return ((lam**2) @ (bstar**2)[..., None])[..., 0]


def relative_weights(
    data: pd.DataFrame | None = None, outcome: str | None = None, drivers: DriverColumns = None, **inputs: Unpack[DriverInputs]
) -> pd.Series:
    """Johnson's (2000) relative weights (relaimpo ``genizi``), any number of drivers.

    Rxx = V Δ Vᵀ (eigh); Λ = Rxx^{1/2} = V Δ^{1/2} Vᵀ; β* = Λ⁻¹ r_xy; RW_j = Σ_k Λ_jk² β*_k²;
    Σ_j RW_j = β*ᵀβ* = R², each RW_j ≥ 0. Parameters and result as :func:`csmlib.stats.linear_importance.shapley`
    (name ``"relative_weights"``; keyword inputs: :class:`csmlib.stats.driver_inputs.DriverInputs`);
    ``missing="pairwise"`` follows R ``rwa``.

    References
    ----------
    Johnson (2000) *Multivariate Behav. Res.* 35:1–19; Genizi (1993) *Statistica Sinica*
    3:407–420; Tonidandel & LeBreton (2011) *J. Bus. Psychol.* 26:1–9.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csmlib.stats.relative_weights import relative_weights
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame(rng.normal(size=(200, 3)), columns=["quality", "price", "service"])
    >>> df["overall"] = df.quality + 0.5 * df.service + rng.normal(size=200)
    >>> rw = relative_weights(df, "overall")
    >>> bool(abs(rw.sum() - rw.attrs["r2"]) < 1e-12), rw.idxmax()
    (True, 'quality')
    """
    prep = prepare_drivers(data, outcome, drivers, caller="relative_weights", **filled_inputs(inputs, "relative_weights"))
    return correlation_importance(prep, "relative_weights", johnson_weights)
