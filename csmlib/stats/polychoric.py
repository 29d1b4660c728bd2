"""Two-step polychoric correlations as R psych ``polychoric`` (used by ordinal α).

Step 1 (thresholds): every item is shifted so that the smallest response of *all* items is 1, and
its thresholds are τ = Φ⁻¹(cumulative proportions of its categories 1..C), C being the overall
number of response values (psych "global" thresholds). Step 2: for each pair of items the
correlation ρ maximises Σ p_ab·ln P_ab(ρ), p the observed cell proportions of the pair (rows where
both are present) and P the bivariate-normal probability of the cell bounded by the thresholds.
Cells with P ≤ 0 (empty categories) are skipped, as psych does.

As psych: when the items do not all use the same number of response alternatives, thresholds are
taken per pair from that pair's table after removing empty rows and columns and replacing empty
cells by ``correct``/N (``correct=0.5``; psych's continuity correction, applied only in this case).
The maximisation uses Brent's bounded minimiser with R ``optimize``'s default tolerance
(ε^¼ ≈ 1.2e-4), so the estimates follow psych's rather than a tighter optimum. A matrix that is not
positive definite is smoothed (psych ``cor.smooth``).

The bivariate normal probabilities use Genz's (2004) algorithm (Drezner–Wesolowsky with
Gauss–Legendre quadrature), accurate to about 1e-15.

References
----------
Olsson (1979) Maximum likelihood estimation of the polychoric correlation coefficient.
*Psychometrika* 44:443–460. Genz (2004) Numerical computation of rectangular bivariate and
trivariate normal and t probabilities. *Statistics and Computing* 14:251–260.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize
from scipy.special import ndtr, ndtri

from csmlib.stats.factor_extraction import cor_smooth
from csmlib.stats.items import ItemData

__all__ = ["PolychoricResult", "bivariate_normal_cdf", "polychoric_matrix"]

_TWO_PI = 2.0 * math.pi
_R_OPTIMIZE_TOL = np.finfo(float).eps ** 0.25  # R optimize() default tolerance
_GAUSS = {n: np.polynomial.legendre.leggauss(2 * n) for n in (3, 6, 10)}


def _upper_orthant(h: np.ndarray, k: np.ndarray, r: float) -> np.ndarray:
    """P(X > h, Y > k) for finite h, k (arrays) and correlation r (Genz's BVND)."""
    h = np.asarray(h, dtype=float)
    k = np.asarray(k, dtype=float)
    ar = abs(r)
    nodes, weights = _GAUSS[3 if ar < 0.3 else 6 if ar < 0.75 else 10]
    t = nodes + 1.0  # all 2·lg nodes of the rule on [0, 2]
    hk = h * k
    if ar < 0.925:
        hs = (h * h + k * k) / 2.0
        asr = math.asin(r)
        sn = np.sin(asr * t / 2.0)[:, None]
        terms = np.exp((sn * hk.ravel() - hs.ravel()) / (1.0 - sn * sn))
        bvn = (weights @ terms).reshape(h.shape) * asr / (2.0 * _TWO_PI)
        return bvn + ndtr(-h) * ndtr(-k)
    if r < 0:
        k = -k
        hk = -hk
    bvn = np.zeros(np.broadcast(h, k).shape)
    if ar < 1.0:
        as_ = (1.0 - r) * (1.0 + r)
        a = math.sqrt(as_)
        bs = (h - k) ** 2
        c = (4.0 - hk) / 8.0
        d = (12.0 - hk) / 16.0
        bvn = a * np.exp(-(bs / as_ + hk) / 2.0) * (1.0 - c * (bs - as_) * (1.0 - d * bs / 5.0) / 3.0 + c * d * as_ * as_ / 5.0)
        b = np.sqrt(bs)
        tail = np.exp(-hk / 2.0) * math.sqrt(_TWO_PI) * ndtr(-b / a) * b * (1.0 - c * bs * (1.0 - d * bs / 5.0) / 3.0)
        bvn = bvn - np.where(hk > -160.0, tail, 0.0)
        a /= 2.0
        xs = ((a * t) ** 2)[:, None]
        rs = np.sqrt(1.0 - xs)
        bsf, hkf = bs.ravel(), hk.ravel()
        cf, df = c.ravel(), d.ravel()
        inner = a * (
            np.exp(-bsf / (2.0 * xs) - hkf / (1.0 + rs)) / rs
            - np.exp(-(bsf / xs + hkf) / 2.0) * (1.0 + cf * xs * (1.0 + df * xs))
        )
        bvn = bvn + (weights @ inner).reshape(bvn.shape)
        bvn = -bvn / _TWO_PI
    if r > 0:
        return bvn + ndtr(-np.maximum(h, k))
    return -bvn + np.maximum(0.0, ndtr(-h) - ndtr(-k))


def bivariate_normal_cdf(h: ArrayLike, k: ArrayLike, rho: float) -> np.ndarray:
    """P(X ≤ h, Y ≤ k) of a standard bivariate normal with correlation ``rho`` (±inf allowed)."""
    h, k = np.broadcast_arrays(np.asarray(h, dtype=float), np.asarray(k, dtype=float))
    out = np.zeros(h.shape)
    fin = np.isfinite(h) & np.isfinite(k)
    if fin.any():
        out[fin] = _upper_orthant(-h[fin], -k[fin], float(rho))
    h_inf, k_inf = np.isposinf(h), np.isposinf(k)
    out[h_inf & np.isfinite(k)] = ndtr(k[h_inf & np.isfinite(k)])
    out[k_inf & np.isfinite(h)] = ndtr(h[k_inf & np.isfinite(h)])
    out[h_inf & k_inf] = 1.0
    out[np.isneginf(h) | np.isneginf(k)] = 0.0
    return np.clip(out, 0.0, 1.0)


def _cell_probabilities(rho: float, tau_x: np.ndarray, tau_y: np.ndarray) -> np.ndarray:
    cx = np.concatenate(([-np.inf], tau_x, [np.inf]))
    cy = np.concatenate(([-np.inf], tau_y, [np.inf]))
    grid = bivariate_normal_cdf(cx[:, None], cy[None, :], rho)
    return grid[1:, 1:] - grid[:-1, 1:] - grid[1:, :-1] + grid[:-1, :-1]


def _neg_loglik(rho: float, tab: np.ndarray, tau_x: np.ndarray, tau_y: np.ndarray) -> float:
    P = _cell_probabilities(rho, tau_x, tau_y)
    ok = P > 0
    return -float(np.sum(tab[ok] * np.log(P[ok])))


def _fit_rho(tab: np.ndarray, tau_x: np.ndarray, tau_y: np.ndarray) -> float:
    return float(optimize.fminbound(_neg_loglik, -1.0, 1.0, args=(tab, tau_x, tau_y), xtol=_R_OPTIMIZE_TOL, maxfun=500))


@dataclass(frozen=True)
class PolychoricResult:
    rho: pd.DataFrame  # polychoric correlation matrix (smoothed if it was not PD)
    thresholds: pd.DataFrame  # items × thresholds (global thresholds)
    global_thresholds: bool  # False when items differ in their number of alternatives
    corrected_pairs: int  # pairs whose empty cells got the continuity correction
    smoothed: bool
    n: int
    k: int
    missing: str


def polychoric_matrix(data: ItemData, *, correct: float = 0.5, max_categories: int = 10) -> PolychoricResult:
    """Polychoric correlation matrix of validated integer items (see the module docstring)."""
    X = data.X
    names = data.names
    with np.errstate(invalid="ignore"):
        non_integer = [names[j] for j in range(X.shape[1]) if np.any(np.isfinite(X[:, j]) & (X[:, j] != np.round(X[:, j])))]
    if non_integer:
        raise ValueError(
            f"polychoric correlations need integer response codes; item(s) {', '.join(non_integer)} have non-integer values"
        )
    lo = np.nanmin(X, axis=0)
    hi = np.nanmax(X, axis=0)
    n_values = int(np.max(hi) - np.min(lo) + 1)
    if n_values > max_categories:
        wide = [names[j] for j in range(len(names)) if hi[j] - lo[j] + 1 > max_categories]
        culprit = ", ".join(wide) if wide else "the items together"
        raise ValueError(
            f"polychoric correlations are for items with at most {max_categories} "
            f"response values; {culprit} span {n_values} values"
        )
    shifted = X - np.min(lo) + 1.0  # categories 1..n_values, NaN kept
    item_max = np.nanmax(shifted, axis=0)
    global_tau = bool(np.all(item_max == item_max[0]))
    if not global_tau:
        warnings.warn(
            "the items do not have an equal number of response alternatives; "
            "thresholds are estimated per pair (psych global=FALSE)",
            stacklevel=3,
        )
    k = len(names)
    codes = np.where(np.isnan(shifted), 0, shifted).astype(np.int64)  # 0 = missing
    taus = np.empty((k, n_values - 1))
    for j in range(k):
        freq = np.bincount(codes[:, j], minlength=n_values + 1)[1:]
        with np.errstate(divide="ignore"):
            taus[j] = ndtri(np.cumsum(freq)[:-1] / freq.sum())
    rho = np.eye(k)
    corrected = 0
    for i in range(1, k):
        for j in range(i):
            both = (codes[:, i] > 0) & (codes[:, j] > 0)
            cell = (codes[both, i] - 1) * n_values + (codes[both, j] - 1)
            tab = np.bincount(cell, minlength=n_values * n_values).reshape(n_values, n_values)
            tot = tab.sum()
            if tot == 0:
                raise ValueError(f"items '{names[i]}' and '{names[j]}' are never observed together")
            tab = tab / tot
            if global_tau:
                r = _fit_rho(tab, taus[i], taus[j])
            else:
                tab = tab[tab.any(axis=1)][:, tab.any(axis=0)]
                if min(tab.shape) < 2:
                    raise ValueError(
                        f"items '{names[i]}' and '{names[j]}' have fewer than two observed categories on their common rows"
                    )
                if correct > 0 and np.any(tab == 0):
                    corrected += 1
                    tab = np.where(tab == 0, correct / tot, tab)
                tau_i = ndtri(np.cumsum(tab.sum(axis=1))[:-1])
                tau_j = ndtri(np.cumsum(tab.sum(axis=0))[:-1])
                r = _fit_rho(tab, tau_i, tau_j)
            rho[i, j] = rho[j, i] = r
    if corrected:
        warnings.warn(f"{corrected} item pair(s) had empty cells adjusted with the continuity correction {correct}", stacklevel=3)
    smoothed_rho = cor_smooth(rho)
    smoothed = smoothed_rho is not rho
    cols = [f"t{c}" for c in range(1, n_values)]
    return PolychoricResult(
        rho=pd.DataFrame(smoothed_rho, index=list(names), columns=list(names)),
        thresholds=pd.DataFrame(taus, index=list(names), columns=cols),
        global_thresholds=global_tau,
        corrected_pairs=corrected,
        smoothed=smoothed,
        n=data.n,
        k=k,
        missing=data.missing,
    )
