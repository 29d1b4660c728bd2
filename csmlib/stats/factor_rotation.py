"""Factor rotations that reproduce R: ``stats::varimax``, GPArotation ``oblimin`` and psych ``promax``.

Each function re-implements the R algorithm step by step, *including its starting point and its
stopping rule*, so that the rotated loadings agree with R to rounding error rather than merely
"up to convergence tolerance":

- :func:`varimax` is ``stats::varimax(x, normalize=TRUE, eps=1e-5)`` (Kaiser-normalised, the SVD
  algorithm with R's relative stopping rule). statsmodels' varimax is *not* Kaiser-normalised.
- :func:`oblimin` is GPArotation's gradient-projection ``GPFoblq`` with the oblimin criterion
  (``gam=0`` is quartimin), ``normalize=FALSE, eps=1e-5, maxit=1000``, started at the identity, as
  psych ``fa(rotate="oblimin")`` calls it.
- :func:`promax` is psych ``fa(rotate="promax")``: ``kaiser(L, rotate="Promax")``, i.e. the rows are
  normalised to unit length, psych ``Promax`` (``stats::varimax`` then the power-4 target fitted by
  least squares) is applied, and the rows are scaled back. This differs slightly from
  ``stats::promax`` (whose target uses the unnormalised varimax loadings).

All functions take and return plain numpy arrays; ordering and sign conventions of the factors are
applied by the caller (:mod:`csmlib.stats.factor`).

References
----------
Kaiser (1958) The varimax criterion for analytic rotation in factor analysis. *Psychometrika* 23:187–200.
Jennrich (2002) A simple general method for oblique rotation. *Psychometrika* 67:7–19.
Bernaards & Jennrich (2005) Gradient projection algorithms and software for arbitrary rotation
criteria in factor analysis. *Educ. Psychol. Meas.* 65:676–696.
Hendrickson & White (1964) Promax: a quick method for rotation to oblique simple structure.
*Br. J. Stat. Psychol.* 17:65–70.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Rotation:
    """A rotated solution: pattern ``loadings`` (k×m), factor correlations ``phi`` (m×m)."""

    loadings: np.ndarray
    phi: np.ndarray
    converged: bool
    iterations: int


def _varimax_rotation(x: np.ndarray, *, eps: float = 1e-5, max_iter: int = 1000) -> tuple[np.ndarray, bool, int]:
    """The orthogonal matrix of R ``stats::varimax`` for (already normalised) loadings ``x``.

    R stops when the criterion (sum of singular values) improves by less than a relative
    ``eps``; that rule is kept so results match R to rounding error.
    """
    k, m = x.shape
    rot = np.eye(m)
    d = 0.0
    converged = False
    iterations = 0
    for iterations in range(1, max_iter + 1):
        z = x @ rot
        b = x.T @ (z**3 - z @ np.diag(np.sum(z**2, axis=0)) / k)
        u, s, vt = np.linalg.svd(b)
        rot = u @ vt
        d_past = d
        d = float(np.sum(s))
        if d < d_past * (1 + eps):
            converged = True
            break
    return rot, converged, iterations


def varimax(loadings: np.ndarray, *, normalize: bool = True, eps: float = 1e-5, max_iter: int = 1000) -> Rotation:
    """Varimax rotation exactly as R ``stats::varimax``.

    Kaiser normalisation divides each row by its length before rotating and multiplies it back
    afterwards. R stops when the criterion (sum of singular values) improves by less than a
    relative ``eps``; that rule is kept so results match R to rounding error.
    """
    x = np.array(loadings, dtype=float)
    k, m = x.shape
    if m < 2:
        return Rotation(x, np.eye(m), True, 0)
    if normalize:
        scale = np.sqrt(np.sum(x**2, axis=1))
        x = x / scale[:, None]
    rot, converged, iterations = _varimax_rotation(x, eps=eps, max_iter=max_iter)
    z = x @ rot
    if normalize:
        z = z * scale[:, None]
    return Rotation(z, np.eye(m), converged, iterations)


def _oblimin_criterion(lam: np.ndarray, gamma: float) -> tuple[float, np.ndarray]:
    """GPArotation ``vgQ.oblimin``: criterion value and its gradient with respect to the loadings."""
    k, m = lam.shape
    lam2 = lam**2
    x = lam2 @ (np.ones((m, m)) - np.eye(m))
    if gamma != 0:
        x = x - (gamma / k) * np.sum(x, axis=0, keepdims=True)
    return float(np.sum(lam2 * x) / 4.0), lam * x


def oblimin(
    loadings: np.ndarray, *, gamma: float = 0.0, start: np.ndarray | None = None, eps: float = 1e-5, max_iter: int = 1000
) -> Rotation:
    """Direct oblimin by gradient projection, exactly as GPArotation ``GPFoblq``.

    The rotation matrix T has unit-length columns; the pattern is ``A (T')^{-1}`` and
    ``Phi = T'T``. The iteration stops when the norm of the projected gradient is below ``eps``
    (GPArotation default 1e-5).
    """
    a = np.array(loadings, dtype=float)
    m = a.shape[1]
    if m < 2:
        return Rotation(a, np.eye(m), True, 0)
    t = np.eye(m) if start is None else np.array(start, dtype=float)
    t_inv = np.linalg.inv(t)
    lam = a @ t_inv.T
    f, gq = _oblimin_criterion(lam, gamma)
    grad = -(lam.T @ gq @ t_inv).T
    alpha = 1.0
    converged = False
    iterations = 0
    for iterations in range(max_iter + 1):
        gp = grad - t @ np.diag(np.sum(t * grad, axis=0))
        s = float(np.sqrt(np.sum(gp**2)))
        if s < eps:
            converged = True
            break
        alpha *= 2.0
        for _ in range(11):
            x = t - alpha * gp
            t_new = x / np.sqrt(np.sum(x**2, axis=0))
            t_new_inv = np.linalg.inv(t_new)
            lam = a @ t_new_inv.T
            f_new, gq_new = _oblimin_criterion(lam, gamma)
            if f - f_new > 0.5 * s**2 * alpha:
                break
            alpha /= 2.0
        t, t_inv, f = t_new, t_new_inv, f_new
        grad = -(lam.T @ gq_new @ t_inv).T
    if not converged:
        warnings.warn(f"oblimin rotation did not converge in {max_iter} iterations", stacklevel=3)
    lam = a @ t_inv.T
    return Rotation(lam, t.T @ t, converged, iterations)


def promax(loadings: np.ndarray, *, power: int = 4) -> Rotation:
    """psych ``fa(rotate="promax")``: Kaiser-normalised psych ``Promax`` with power ``m=4``.

    Steps: h² = row sums of squares; W = L / sqrt(h²); V = varimax(W); target Q = V·|V|^(m−1);
    U = least-squares solution of V U ≈ Q with columns rescaled so that diag((U'U)^{-1}) = 1;
    pattern = (V U)·sqrt(h²); Phi = U_total^{-1} U_total^{-T} with U_total = T_varimax U.
    """
    lam = np.array(loadings, dtype=float)
    m = lam.shape[1]
    if m < 2:
        return Rotation(lam, np.eye(m), True, 0)
    h2 = np.sum(lam**2, axis=1)
    weighted = lam / np.sqrt(h2)[:, None]
    # stats::varimax on rows already of unit length; keep its rotation matrix for Phi.
    scale = np.sqrt(np.sum(weighted**2, axis=1))
    x = weighted / scale[:, None]
    rot, converged, iterations = _varimax_rotation(x, eps=1e-5, max_iter=1000)
    v = (x @ rot) * scale[:, None]
    target = v * np.abs(v) ** (power - 1)
    u_fit, *_ = np.linalg.lstsq(v, target, rcond=None)
    d_scale = np.diag(np.linalg.inv(u_fit.T @ u_fit))
    u_fit = u_fit @ np.diag(np.sqrt(d_scale))
    pattern = (v @ u_fit) * np.sqrt(h2)[:, None]
    u_total = rot @ u_fit
    u_inv = np.linalg.inv(u_total)
    phi = u_inv @ u_inv.T
    return Rotation(pattern, phi, converged, iterations)
