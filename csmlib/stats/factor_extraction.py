"""Factor extraction, rotation and fit as R psych ``fa`` — the numerical engine of csmlib.stats.factor.

Works on a correlation matrix R (k × k) only; validation and the data → R step live in
:mod:`csmlib.stats.items`.

- ``extract``: unrotated loadings by minres (= ULS: minimise the off-diagonal residuals; the
  uniquenesses Ψ are optimised in [0.005, 1] from psych's start 1 − SMC, by L-BFGS-B, or for one
  factor by a projected Newton method with L-BFGS-B as fallback), ml (factanal's
  concentrated likelihood, same bounds) or pa (psych's iterated principal axes: SMC start, stop
  when the total communality changes by less than ``min_err`` or after ``max_iter`` iterations).
  Loading columns are signed to sum positive.
- ``rotate``: varimax / oblimin / promax (:mod:`csmlib.stats.factor_rotation`) then psych's ordering:
  flip each factor to a positive loading sum and sort by variance explained (diag(Φ L'L)),
  permuting Φ with the loadings.
- ``fit_statistics``: psych ``fa.stats`` (χ² with Bartlett's correction, RMSEA and its interval,
  TLI, BIC).
- ``smc`` and ``cor_smooth``: psych ``smc`` and ``cor.smooth``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from csmlib.stats.factor_rotation import oblimin, promax, varimax

UNIQUENESS_BOUND = 0.005  # psych/factanal lower bound on uniquenesses
_EPS = np.finfo(float).eps

# --------------------------------------------------------------------------------------------
# Small matrix helpers (psych smc and cor.smooth)
# --------------------------------------------------------------------------------------------


def smc(R: np.ndarray) -> np.ndarray:
    """Squared multiple correlations 1 − 1/diag(R⁻¹) (psych ``smc``), clipped to [0, 1]."""
    try:
        inv = np.linalg.inv(R)
        if not np.all(np.isfinite(inv)) or np.any(np.diag(inv) <= 0):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        warnings.warn("the correlation matrix is singular; SMCs use the pseudo-inverse", stacklevel=3)
        inv = np.linalg.pinv(R)
    return np.clip(1.0 - 1.0 / np.diag(inv), 0.0, 1.0)


def cor_smooth(R: np.ndarray, eig_tol: float = 1e-12) -> np.ndarray:
    """psych ``cor.smooth``: if the smallest eigenvalue of R is below machine epsilon, set the
    eigenvalues below ``eig_tol`` to 100·eig_tol, rescale them to sum to k, rebuild the matrix and
    rescale it to unit diagonal (with a warning); otherwise return R unchanged."""
    w, v = np.linalg.eigh(R)
    if w.min() >= _EPS:
        return R
    warnings.warn("the correlation matrix was not positive definite; it was smoothed (psych cor.smooth)", stacklevel=3)
    w = np.where(w < eig_tol, 100 * eig_tol, w)
    w = w * len(w) / w.sum()
    S = (v * w) @ v.T
    d = np.sqrt(np.diag(S))
    return S / np.outer(d, d)


def _top_eigen(S: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    w, v = np.linalg.eigh(S)
    return w[::-1][:m], v[:, ::-1][:, :m]


# --------------------------------------------------------------------------------------------
# Extraction: minres (ULS), maximum likelihood, principal axes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Extraction:
    loadings: np.ndarray  # unrotated, columns signed to sum positive
    communalities: np.ndarray  # diag(L L')
    converged: bool
    iterations: int


def _uls_objective(psi, R, m):
    """Σ of squared residuals of R − Ψ − LL' with L the best rank-m fit; gradient −2·diag(resid).

    psych minimises the off-diagonal residuals only, with this same gradient; both objectives
    have the same minimiser (Ψ absorbs the diagonal: the diagonal residual is zero there), and
    the bounded stationary points (Heywood cases at 0.005) coincide as well.
    """
    w, v = np.linalg.eigh(R - np.diag(psi))
    w_keep = np.maximum(w[::-1][:m], 0.0)
    v_keep = v[:, ::-1][:, :m]
    resid = R - np.diag(psi) - (v_keep * w_keep) @ v_keep.T
    return float(np.sum(resid**2)), -2.0 * np.diag(resid)


def _ml_objective(psi, R, m):
    """factanal's concentrated ML discrepancy and its gradient (as psych ``FAfn``/``FAgr``)."""
    sc = 1.0 / np.sqrt(psi)
    w, v = np.linalg.eigh(R * np.outer(sc, sc))
    w = w[::-1]
    v = v[:, ::-1]
    rest = w[m:]
    f = -(np.sum(np.log(rest) - rest) - m + R.shape[0])
    load = np.sqrt(psi)[:, None] * (v[:, :m] * np.sqrt(np.maximum(w[:m] - 1.0, 0.0)))
    g = np.diag(load @ load.T) + psi - np.diag(R)
    return float(f), g / psi**2


def _fit_psi(objective, R, m, start=None):
    if start is None:
        start = 1.0 - smc(R)
    start = np.clip(start, UNIQUENESS_BOUND, 1.0)
    res = optimize.minimize(
        objective,
        start,
        args=(R, m),
        jac=True,
        method="L-BFGS-B",
        bounds=[(UNIQUENESS_BOUND, 1.0)] * R.shape[0],
        options={"ftol": 1e-16, "gtol": 1e-11, "maxiter": 20000, "maxcor": 20},
    )
    return res.x, bool(res.success), int(res.nit)


def _uls_newton(
    R: np.ndarray, m: int, start: np.ndarray | None = None, *, tol: float = 1e-9, max_iter: int = 20
) -> tuple[np.ndarray, bool, int] | None:
    """Projected Newton minimisation of the minres (ULS) objective over Ψ in [0.005, 1].

    With A = R − Ψ = Σ λ_j v_j v_j' (λ descending) and P the projector on its k − m smallest
    eigenvectors, the objective is G = Σ_{j>m} λ_j², the gradient −2·diag(P A P) and the Hessian
    2·(P∘P) + 4·Σ_{j>m, l≤m} λ_j/(λ_j − λ_l)·(v_j∘v_l)(v_j∘v_l)'. Used for one-factor fits (many
    of them in ω-if-item-dropped and parallel analysis), where it needs a few steps instead of
    L-BFGS-B's dozens; an indefinite Hessian is replaced by its absolute eigenvalues. Returns
    ``None`` when it cannot proceed (non-positive or tied leading eigenvalues, no descent), and the
    caller falls back to L-BFGS-B.
    """
    k = R.shape[0]
    lo, hi = UNIQUENESS_BOUND, 1.0
    psi = np.clip(1.0 - smc(R) if start is None else start, lo, hi)

    def evaluate(p, with_hessian):
        w, v = np.linalg.eigh(R - np.diag(p))
        w, v = w[::-1], v[:, ::-1]
        if w[m - 1] <= 0 or (m < k and w[m - 1] - w[m] <= 1e-12):
            return None
        rest_w, rest_v = w[m:], v[:, m:]
        f = float(rest_w @ rest_w)
        g = -2.0 * (rest_v**2) @ rest_w
        if not with_hessian:
            return f, g, None
        top_w, top_v = w[:m], v[:, :m]
        hess = 2.0 * (rest_v @ rest_v.T) ** 2
        for j in range(m):
            z = rest_v * top_v[:, j : j + 1]  # k × (k−m)
            hess += 4.0 * (z * (rest_w / (rest_w - top_w[j]))) @ z.T
        return f, g, hess

    current = evaluate(psi, True)
    if current is None:
        return None
    for it in range(1, max_iter + 1):
        f, g, hess = current
        active = ((psi <= lo) & (g > 0)) | ((psi >= hi) & (g < 0))
        free = ~active
        if not free.any() or np.max(np.abs(g[free])) < tol:
            return psi, True, it - 1
        hf = hess[np.ix_(free, free)]
        step = np.zeros(k)
        try:
            step[free] = (
                -np.linalg.solve(hf, g[free]) if np.all(np.linalg.eigvalsh(hf) > 0) else _modified_newton_step(hf, g[free])
            )
        except np.linalg.LinAlgError:
            return None
        t = 1.0
        while True:
            trial = np.clip(psi + t * step, lo, hi)
            new = evaluate(trial, False)
            if new is not None and new[0] <= f + 1e-4 * float(g @ (trial - psi)):
                break
            t /= 2.0
            if t < 1e-6:  # no decrease left: converged to rounding, or stuck
                return (psi, True, it - 1) if np.max(np.abs(g[free])) < 1e-7 else None
        if np.max(np.abs(trial - psi)) < 1e-12:
            return trial, True, it
        psi = trial
        current = evaluate(psi, True)
        if current is None:
            return None
    return None


def _modified_newton_step(hess: np.ndarray, grad: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh(hess)
    w = np.maximum(np.abs(w), 1e-8 * max(1.0, float(np.abs(w).max())))
    return -(v / w) @ (v.T @ grad)


def _sign_columns(L: np.ndarray) -> np.ndarray:
    signs = np.sign(L.sum(axis=0))
    signs[signs == 0] = 1.0
    return L * signs


def extract(
    R: np.ndarray,
    n_factors: int,
    method: str = "minres",
    *,
    max_iter: int = 50,
    min_err: float = 0.001,
    start: np.ndarray | None = None,
) -> Extraction:
    """Unrotated factor loadings of the correlation matrix ``R`` (psych ``fa`` extraction step).

    ``start`` (minres/ml only) overrides psych's starting uniquenesses 1 − SMC; the optimum does
    not depend on it (used to warm-start the ω-if-item-dropped fits).
    """
    k = R.shape[0]
    if method == "minres":
        fast = _uls_newton(R, 1, start) if n_factors == 1 else None
        psi, ok, it = fast if fast is not None else _fit_psi(_uls_objective, R, n_factors, start)
        w, v = _top_eigen(R - np.diag(psi), n_factors)
        L = v * np.sqrt(np.maximum(w, 0.0))
    elif method == "ml":
        psi, ok, it = _fit_psi(_ml_objective, R, n_factors, start)
        sc = 1.0 / np.sqrt(psi)
        w, v = _top_eigen(R * np.outer(sc, sc), n_factors)
        L = np.sqrt(psi)[:, None] * (v * np.sqrt(np.maximum(w - 1.0, 0.0)))
    elif method == "pa":
        r_mat = R.copy()
        if n_factors <= k:
            np.fill_diagonal(r_mat, smc(R))
        comm = float(np.trace(r_mat))
        err, it, ok = comm, 1, True
        while err > min_err:
            w, v = _top_eigen(r_mat, n_factors)
            imaginary = bool(np.any(w < 0))
            if imaginary:
                warnings.warn("principal axes: a negative eigenvalue was met; iteration stopped", stacklevel=3)
                w = np.maximum(w, 0.0)
            L = v * np.sqrt(w)
            new = np.sum(L**2, axis=1)
            comm1 = float(new.sum())
            np.fill_diagonal(r_mat, new)
            err = 0.0 if imaginary else abs(comm - comm1)
            comm = comm1
            it += 1
            if it > max_iter:
                ok = False
                warnings.warn(
                    f"principal axes: maximum iteration ({max_iter}) exceeded, as psych the last iterate is used", stacklevel=3
                )
                err = 0.0
        it -= 1
    else:
        raise ValueError(f"method must be 'minres', 'ml' or 'pa', not {method!r}")
    L = _sign_columns(L)
    return Extraction(L, np.sum(L**2, axis=1), ok, it)


# --------------------------------------------------------------------------------------------
# psych fa: extraction + rotation + ordering, and fa.stats
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FactorFit:
    """A psych-style factor solution on a correlation matrix (internal)."""

    loadings: np.ndarray  # pattern, signed and sorted
    phi: np.ndarray  # factor correlations (identity if orthogonal)
    oblique: bool
    communalities: np.ndarray
    extraction: Extraction


def rotate(L: np.ndarray, rotation: str | None) -> tuple[np.ndarray, np.ndarray, bool]:
    """Rotate, flip each factor to a positive loading sum and sort by variance explained."""
    m = L.shape[1]
    if rotation is None or rotation == "none" or m < 2:
        lam, phi, oblique = L.copy(), np.eye(m), False
    elif rotation == "varimax":
        lam, phi, oblique = varimax(L).loadings, np.eye(m), False
    elif rotation == "oblimin":
        rot = oblimin(L)
        lam, phi, oblique = rot.loadings, rot.phi, True
    elif rotation == "promax":
        rot = promax(L)
        lam, phi, oblique = rot.loadings, rot.phi, True
    else:
        raise ValueError(f"rotation must be 'oblimin', 'varimax', 'promax' or None, not {rotation!r}")
    signs = np.sign(lam.sum(axis=0))
    signs[signs == 0] = 1.0
    lam = lam * signs
    phi = phi * np.outer(signs, signs)
    if m > 1:
        explained = np.diag(phi @ lam.T @ lam) if oblique else np.sum(lam**2, axis=0)
        order = np.argsort(-explained, kind="stable")
        lam = lam[:, order]
        phi = phi[np.ix_(order, order)]
    return lam, phi, oblique


def fit_factors(
    R: np.ndarray,
    n_factors: int,
    method: str = "minres",
    rotation: str | None = "oblimin",
    *,
    max_iter: int = 50,
    min_err: float = 0.001,
) -> FactorFit:
    ext = extract(R, n_factors, method, max_iter=max_iter, min_err=min_err)
    lam, phi, oblique = rotate(ext.loadings, rotation)
    return FactorFit(lam, phi, oblique, ext.communalities, ext)


@dataclass(frozen=True)
class FitStatistics:
    """psych ``fa.stats`` goodness of fit of a factor model (the fit fields of
    :class:`csmlib.stats.factor.EFAResult`, which extends this class)."""

    chi2: float
    df: float
    p_value: float
    rmsea: float
    rmsea_ci_low: float
    rmsea_ci_high: float
    rmsea_level: float
    tli: float
    bic: float
    objective: float
    null_chi2: float
    null_df: float


def _pchisq(q: float, df: float, ncp: float) -> float:
    return float(stats.chi2.cdf(q, df) if ncp <= 0 else stats.ncx2.cdf(q, df, ncp))


def fit_statistics(R: np.ndarray, L: np.ndarray, phi: np.ndarray, n: int, rmsea_level: float = 0.90) -> FitStatistics:
    """psych ``fa.stats`` goodness of fit of the factor model ``L Φ L'`` to ``R`` with n rows."""
    k, m = L.shape
    dof = k * (k - 1) / 2 - k * m + m * (m - 1) / 2
    model = L @ phi @ L.T
    np.fill_diagonal(model, 1.0)
    model = cor_smooth(model)
    Rs = cor_smooth(R)
    m_inv_r = np.linalg.solve(model, Rs)
    sign, logdet = np.linalg.slogdet(m_inv_r)
    F = float(np.trace(m_inv_r) - logdet - k) if sign > 0 else math.nan
    m_b = (n - 1) - (2 * k + 5) / 6 - 2 * m / 3
    chi2 = max(F * m_b, 0.0)
    sign0, logdet0 = np.linalg.slogdet(Rs)
    F0 = float(np.trace(Rs) - logdet0 - k) if sign0 > 0 else math.nan
    null_df = k * (k - 1) / 2
    null_chi2 = F0 * ((n - 1) - (2 * k + 5) / 6)
    nan = math.nan
    if dof <= 0:
        warnings.warn(
            f"the {m}-factor model has df = {dof:g} ≤ 0: χ² p-value, RMSEA, TLI and BIC are undefined (NaN)", stacklevel=3
        )
        return FitStatistics(
            chi2=chi2,
            df=dof,
            p_value=nan,
            rmsea=nan,
            rmsea_ci_low=nan,
            rmsea_ci_high=nan,
            rmsea_level=rmsea_level,
            tli=nan,
            bic=nan,
            objective=F,
            null_chi2=null_chi2,
            null_df=null_df,
        )
    p_value = float(stats.chi2.sf(chi2, dof))
    m0 = F0 * 2 / (k * (k - 1))
    tli = (m0 - F / dof) / (m0 - 1 / m_b)
    rmsea = math.sqrt(max(chi2 / (dof * n) - 1 / (n - 1), 0.0))
    tail = (1 - rmsea_level) / 2
    upper_search = max(n, chi2) + 2 * n
    central = _pchisq(chi2, dof, 0.0)

    def bound(prob: float) -> float:
        if central <= prob:
            return 0.0
        try:
            lam = optimize.brentq(lambda x: _pchisq(chi2, dof, x) - prob, 0.0, upper_search, xtol=1e-12, rtol=1e-14, maxiter=500)
        except ValueError:  # psych reports NA when the bound cannot be found
            warnings.warn("an RMSEA confidence bound could not be found (NaN)", stacklevel=4)
            return math.nan
        return math.sqrt(lam / (n - 1) / dof)

    hi = bound(tail)
    lo = bound(1 - tail)
    bic = chi2 - dof * math.log(n)
    return FitStatistics(
        chi2=chi2,
        df=dof,
        p_value=p_value,
        rmsea=rmsea,
        rmsea_ci_low=lo,
        rmsea_ci_high=hi,
        rmsea_level=rmsea_level,
        tli=tli,
        bic=bic,
        objective=F,
        null_chi2=null_chi2,
        null_df=null_df,
    )
