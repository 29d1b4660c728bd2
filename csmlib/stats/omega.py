"""McDonald's ω of a scale as R psych 2.5.3 ``omega``: one factor, or Schmid–Leiman (ω_h, ECV).

Part of the α family (loading, small-sample and singular-matrix rules of :mod:`csmlib.stats.alpha`);
the conventions are those of :mod:`csmlib.stats.reliability`, which re-exports :func:`omega` and
:class:`OmegaResult` (method note ``reliability.md`` §2).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from csmlib.stats.alpha import is_singular, is_small_sample, load_scale, singular_reason, trusted_n
from csmlib.stats.factor_extraction import extract, fit_factors
from csmlib.stats.factor_rotation import oblimin

__all__ = ["OmegaResult", "omega", "omega_from_correlation"]


@dataclass(frozen=True)
class OmegaResult:
    """McDonald's ω as psych ``omega`` (minres + oblimin Schmid–Leiman)."""

    omega_total: float  # ω_t = 1 − Σu²/ΣR
    omega_hierarchical: float | None  # ω_h = (Σg)²/ΣR           (n_factors ≥ 2)
    omega_h_asymptotic: float | None  # (Σg)²/(ΣR − Σu²)          (n_factors ≥ 2)
    ecv: float | None  # Σg² / (Σg² + ΣΣ group²)   (n_factors ≥ 2)
    loadings: pd.DataFrame  # g, group factors F1*.., h2, u2 (Schmid–Leiman table)
    phi: pd.DataFrame | None  # oblimin factor correlations (n_factors ≥ 2)
    flipped_items: tuple[str, ...]  # items with a negative g loading, flipped as psych
    n_factors: int
    n: int
    k: int
    missing: str
    small_sample: bool = False  # too few respondents to trust the values (is_small_sample)


def omega_from_correlation(R: np.ndarray, n_factors: int, names: list[str], start: np.ndarray | None = None) -> dict[str, Any]:
    """psych ``omegah`` on a correlation matrix (fm = "minres", rotate = "oblimin", flip = TRUE).

    The formulas are those of :func:`omega`; ``start`` warm-starts the one-factor minres fit (the
    ω-if-item-dropped fits of :func:`csmlib.stats.item_analysis.item_statistics`). Returns a dict:
    ``omega_total``, ``omega_h``, ``omega_lim``, ``ecv``, the ``g`` and ``group`` loadings,
    ``h2``, ``u2``, ``phi`` and the ``flipped`` item names.

    Examples
    --------
    >>> import numpy as np
    >>> from csmlib.stats.omega import omega_from_correlation
    >>> loadings = np.array([0.8, 0.7, 0.6, 0.5])
    >>> R = np.outer(loadings, loadings)
    >>> np.fill_diagonal(R, 1.0)
    >>> round(float(omega_from_correlation(R, 1, list("abcd"))["omega_total"]), 4)  # 2.6² / 9.02
    0.7494
    """
    if n_factors == 1:
        ext = extract(R, 1, "minres", start=start)
        fload = ext.loadings
        h2 = ext.communalities
        gload = np.ones(1)
        phi = None
    else:
        orth = fit_factors(R, n_factors, "minres", "varimax")
        h2 = np.sum(orth.loadings**2, axis=1)
        rot = oblimin(orth.loadings)  # GPArotation::oblimin on the varimax loadings
        fload, phi = rot.loadings, rot.phi
        if n_factors >= 3:
            gload = extract(phi, 1, "minres").loadings[:, 0]
        else:
            r12 = phi[0, 1]
            gload = np.array([math.sqrt(abs(r12)), math.copysign(math.sqrt(abs(r12)), r12)])
            warnings.warn(
                "omega: two group factors do not identify a general factor; their "
                "g loadings are set equal (psych option='equal')",
                stacklevel=3,
            )
    g = fload @ gload
    group = np.sign(fload) * np.sqrt(np.clip(fload**2 * (1 - gload**2), 0.0, None))
    u2 = 1.0 - h2
    key = np.sign(g)
    key[key == 0] = 1.0
    g, group = g * key, group * key[:, None]
    Rf = R * np.outer(key, key)
    vt = Rf.sum()
    flipped = tuple(names[i] for i in np.flatnonzero(key < 0))
    return {
        "omega_total": (vt - u2.sum()) / vt,
        "omega_h": g.sum() ** 2 / vt,
        "omega_lim": g.sum() ** 2 / (vt - u2.sum()),
        "ecv": np.sum(g**2) / (np.sum(g**2) + np.sum(group**2)),
        "g": g,
        "group": group,
        "h2": h2,
        "u2": u2,
        "phi": phi,
        "flipped": flipped,
    }


def omega(items: pd.DataFrame | ArrayLike, *, n_factors: int = 1, missing: str = "pairwise") -> OmegaResult:
    """McDonald's ω_t (and ω_h, ECV from a Schmid–Leiman solution), as psych ``omega``.

    - ``n_factors=1``: fit a one-factor minres model to R (loadings λ, u² = 1 − λ²) and report
      ω_t = 1 − Σu²/ΣR with ΣR of the *observed* R (psych ``omega(x, 1)$omega.tot``, jamovi). This
      is not (Σλ)²/((Σλ)² + Σu²), which does not reproduce psych.
    - ``n_factors ≥ 2``: Schmid–Leiman as psych (fm = "minres", rotate = "oblimin"): minres EFA
      with varimax, oblimin (GPArotation) → pattern L and Φ; h² the communalities, u² = 1 − h²;
      general loadings γ of Φ from a one-factor minres of Φ (n_factors ≥ 3) or
      γ₁ = γ₂ = sqrt(|φ₁₂|) with a warning (n_factors = 2, under-identified); g = Lγ; group
      loadings G = L·diag(sqrt(1 − γ²)). ω_h = (Σg)²/ΣR, ω_t = 1 − Σu²/ΣR,
      ω_h asymptotic = (Σg)²/(ΣR − Σu²), ECV = Σg²/(Σg² + ΣΣG²).
    - As psych (``flip=TRUE``) items with a negative general loading are flipped in R before ΣR
      is taken; they are listed in ``flipped_items`` (never silent).

    R is the pairwise correlation matrix (psych) or the listwise one; n is stated in the result.

    Small samples: a factor model of a singular R (always when n ≤ k: each item is then an exact
    linear combination of the others) is undefined; ω_t (and ω_h, ECV, the loadings) are NaN with
    a warning saying why, instead of an error. ``small_sample`` as :func:`cronbach_alpha`.

    References: McDonald (1999) *Test Theory*; Schmid & Leiman (1957) *Psychometrika* 22:53–61;
    Zinbarg, Revelle, Yovel & Li (2005) *Psychometrika* 70:123–133; Revelle, psych ``omega``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csmlib.stats.reliability import omega
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(300, 1)) + rng.normal(size=(300, 5))
    >>> 0 < omega(pd.DataFrame(x)).omega_total < 1
    True
    """
    data, mom = load_scale(items, missing=missing, caller="omega")
    k = len(data.names)
    if not isinstance(n_factors, (int, np.integer)) or not 1 <= n_factors < k:
        raise ValueError(f"omega: n_factors must be an integer between 1 and k − 1 = {k - 1}")
    R = mom.R
    names = list(data.names)
    small = is_small_sample(trusted_n(data, mom), k)
    if is_singular(R):
        warnings.warn(
            f"omega: {singular_reason(data.n, k)}; ω, which needs a factor model of it, is undefined (NaN)", stacklevel=2
        )
        nan = np.full(k, np.nan)
        res: dict[str, Any] = {
            "omega_total": np.nan,
            "omega_h": np.nan,
            "omega_lim": np.nan,
            "ecv": np.nan,
            "g": nan,
            "group": np.full((k, n_factors), np.nan),
            "h2": nan,
            "u2": nan,
            "phi": np.full((n_factors, n_factors), np.nan),
            "flipped": (),
        }
    else:
        res = omega_from_correlation(R, int(n_factors), names)
    if res["flipped"]:
        warnings.warn(
            f"omega: item(s) {', '.join(res['flipped'])} have negative general-factor "
            "loadings and were flipped for ω (psych flip=TRUE); are they reverse-keyed?",
            stacklevel=2,
        )
    table = pd.DataFrame({"g": res["g"]}, index=names)
    if n_factors > 1:
        for j in range(n_factors):
            table[f"F{j + 1}*"] = res["group"][:, j]
    table["h2"] = res["h2"]
    table["u2"] = res["u2"]
    multi = n_factors > 1
    phi = None
    if multi:
        cols = [f"F{j + 1}" for j in range(n_factors)]
        phi = pd.DataFrame(res["phi"], index=cols, columns=cols)
    return OmegaResult(
        omega_total=float(res["omega_total"]),
        omega_hierarchical=float(res["omega_h"]) if multi else None,
        omega_h_asymptotic=float(res["omega_lim"]) if multi else None,
        ecv=float(res["ecv"]) if multi else None,
        loadings=table,
        phi=phi,
        flipped_items=res["flipped"],
        n_factors=int(n_factors),
        n=data.n,
        k=k,
        missing=data.missing,
        small_sample=small,
    )
