"""Maximum-likelihood estimation of a CFA model (lavaan ``estimator="ML"``).

:class:`MLObjective` evaluates the ML discrepancy F = ln|Σ| + tr(SΣ⁻¹) − ln|S| − p, its analytic
gradient, the expected (Fisher) Hessian and the observed Hessian; :func:`fit_ml` minimises F by
Fisher scoring in a trust region, then Newton steps with the observed Hessian and BFGS as a last
resort, judging convergence by the scale-free decrement gᵀH⁻¹g (the module docstring of
:mod:`csmlib.stats.cfa`, "Model and estimation", gives the formulas and tolerances).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import optimize

from csmlib.stats.cfa_model import ModelSpec, implied_covariance, start_values, unpack

__all__ = ["MLObjective", "fit_ml"]


class MLObjective:
    """F_ML, its gradient and the expected Hessian, caching Σ⁻¹ for the last θ."""

    def __init__(self, S: np.ndarray, spec: ModelSpec):
        self.S = S
        self.spec = spec
        sign, self.logdet_S = np.linalg.slogdet(S)
        self.p = S.shape[0]
        self._key = None
        self._cache = None

    def _eval(self, theta):
        key = theta.tobytes()
        if key == self._key:
            return self._cache
        L, Phi, psi = unpack(theta, self.spec)
        Sig = implied_covariance(L, Phi, psi)
        try:
            C = np.linalg.cholesky(Sig)
        except np.linalg.LinAlgError:
            out = None
        else:
            Cinv = np.linalg.inv(C)
            Sinv = Cinv.T @ Cinv
            logdet = 2 * np.log(np.diag(C)).sum()
            f = logdet + np.sum(self.S * Sinv) - self.logdet_S - self.p
            out = (L, Phi, psi, Sig, Sinv, f)
        self._key, self._cache = key, out
        return out

    def fun(self, theta: np.ndarray) -> float:
        ev = self._eval(theta)
        return np.inf if ev is None else ev[5]

    def grad(self, theta: np.ndarray) -> np.ndarray:
        ev = self._eval(theta)
        if ev is None:
            return np.zeros_like(theta)
        L, Phi, psi, Sig, Sinv, _ = ev
        spec = self.spec
        G = Sinv @ (Sig - self.S) @ Sinv
        GLP = G @ L @ Phi
        LGL = L.T @ G @ L
        g = [2 * GLP[i, f] for i, f in spec.free_load]
        g += [LGL[f, f] if f == g_ else 2 * LGL[f, g_] for f, g_ in spec.free_phi]
        g += list(np.diag(G))
        return np.asarray(g)

    def _uv(self, L, Phi):
        """Every ∂Σ/∂θ_a is symmetric of rank ≤ 2: A_a = u_a v_aᵀ + v_a u_aᵀ (columns of U, V)."""
        spec, p = self.spec, self.p
        LP = L @ Phi
        U = np.zeros((p, spec.q))
        V = np.zeros((p, spec.q))
        a = 0
        for i, f in spec.free_load:  # e_i (LΦ)_fᵀ + (LΦ)_f e_iᵀ
            U[i, a] = 1.0
            V[:, a] = LP[:, f]
            a += 1
        for f, g in spec.free_phi:  # l_f l_gᵀ + l_g l_fᵀ, or l_f l_fᵀ
            U[:, a] = L[:, f]
            V[:, a] = L[:, g] if f != g else 0.5 * L[:, f]
            a += 1
        U[np.arange(p), a + np.arange(p)] = 1.0  # e_i e_iᵀ
        V[np.arange(p), a + np.arange(p)] = 0.5
        return U, V

    @staticmethod
    def _trace_products(U, V, P, Q):
        """M_ab = tr(P A_a Q A_b) for A_a = u_a v_aᵀ + v_a u_aᵀ, without forming the A_a."""
        PU, PV, QU, QV = P @ U, P @ V, Q @ U, Q @ V
        KP, KQ = U.T @ PV, U.T @ QV  # u_aᵀ P v_b, u_aᵀ Q v_b
        return KQ.T * KP + (V.T @ QV) * (U.T @ PU) + (U.T @ QU) * (V.T @ PV) + KQ * KP.T

    def hess(self, theta: np.ndarray) -> np.ndarray:
        """Expected Hessian of F: H_ab = tr(Σ⁻¹ A_a Σ⁻¹ A_b), A_a = ∂Σ/∂θ_a."""
        ev = self._eval(theta)
        if ev is None:
            return np.eye(len(theta))
        L, Phi, _, _, Sinv, _ = ev
        U, V = self._uv(L, Phi)
        H = self._trace_products(U, V, Sinv, Sinv)
        return (H + H.T) / 2

    def hess_exact(self, theta: np.ndarray) -> np.ndarray:
        """Observed Hessian of F (analytic). With P = Σ⁻¹, Q = PSP, G = P − Q:
        ∂²F/∂a∂b = −tr(PA_aPA_b) + 2·tr(PA_aQA_b) + tr(G ∂²Σ/∂a∂b); the last term is non-zero
        only for two loadings (2φ_fg·G_ij) and a loading with a factor covariance."""
        ev = self._eval(theta)
        if ev is None:
            return np.eye(len(theta))
        L, Phi, _, _, P, _ = ev
        spec = self.spec
        Q = P @ self.S @ P
        G = P - Q
        U, V = self._uv(L, Phi)
        H = 2 * self._trace_products(U, V, P, Q) - self._trace_products(U, V, P, P)
        GL = G @ L
        nl = len(spec.free_load)
        for a, (i, f) in enumerate(spec.free_load):
            for b, (j, g) in enumerate(spec.free_load):
                H[a, b] += 2 * Phi[f, g] * G[i, j]
            for c, (g, h) in enumerate(spec.free_phi):
                extra = 0.0
                if h == f:
                    extra += GL[i, g]
                if g == f and g != h:
                    extra += GL[i, h]
                H[a, nl + c] += 2 * extra
                H[nl + c, a] += 2 * extra
        return (H + H.T) / 2


def _decrement(obj: MLObjective, x: np.ndarray) -> float:
    """Fisher-scoring decrement gᵀH⁻¹g (≈ 2·(F − F_min) near the optimum; scale free)."""
    if not np.isfinite(obj.fun(x)):
        return float("inf")
    g = obj.grad(x)
    try:
        dec = float(g @ np.linalg.solve(obj.hess(x), g))
    except np.linalg.LinAlgError:
        return float("inf")
    return abs(dec) if np.isfinite(dec) else float("inf")


def _stop_below(obj: MLObjective, tol: float) -> Callable[[optimize.OptimizeResult], None]:
    def callback(intermediate_result: optimize.OptimizeResult) -> None:
        if _decrement(obj, intermediate_result.x) < tol:
            raise StopIteration

    return callback


_TOL = 1e-16  # target: gᵀH⁻¹g below this (parameters at ~1e-8 of the optimum)
_CONVERGED = 1e-10  # converged: below this the last digits of F are rounding noise


def fit_ml(S: np.ndarray, spec: ModelSpec) -> tuple[MLObjective, np.ndarray, bool, int]:
    """Minimise F: Fisher scoring in a trust region (robust far from the optimum), then Newton
    steps with the observed Hessian (the expected one converges only linearly when the model
    does not fit exactly), BFGS as a last resort. Convergence is judged by the scale-free
    decrement gᵀH⁻¹g.

    Returns ``(objective, θ̂, converged, iterations)``; ``objective.fun(θ̂)`` is F_min and
    ``objective.hess(θ̂)`` the expected Hessian behind the standard errors.

    Examples
    --------
    >>> import numpy as np
    >>> from csmlib.stats.cfa_estimation import fit_ml
    >>> from csmlib.stats.cfa_model import parse_model
    >>> S = np.array([[1.0, 0.48, 0.42], [0.48, 1.0, 0.56], [0.42, 0.56, 1.0]])
    >>> obj, theta, converged, _ = fit_ml(S, parse_model({"f": ["a", "b", "c"]}, ["a", "b", "c"], True))
    >>> converged, [round(float(x), 4) for x in theta[:3]]
    (True, [0.6, 0.8, 0.7])
    """
    obj = MLObjective(S, spec)
    x0 = start_values(S, spec)
    if not np.isfinite(obj.fun(x0)):  # start Σ not positive definite: inflate residuals
        x0[-spec.p :] = np.diag(S)
    res = optimize.minimize(
        obj.fun, x0, jac=obj.grad, hess=obj.hess, method="trust-exact", callback=_stop_below(obj, 1e-3), options={"maxiter": 300}
    )
    x, nit = res.x, int(res.nit)
    if np.isfinite(obj.fun(x)) and _decrement(obj, x) >= _TOL:
        res = optimize.minimize(
            obj.fun,
            x,
            jac=obj.grad,
            hess=obj.hess_exact,
            method="trust-exact",
            callback=_stop_below(obj, _TOL),
            options={"maxiter": 100, "gtol": 1e-15},
        )
        if np.isfinite(res.fun) and res.fun <= obj.fun(x):
            x = res.x
        nit += int(res.nit)
    if not _decrement(obj, x) < _CONVERGED:
        start = x if np.isfinite(obj.fun(x)) else x0
        res = optimize.minimize(
            obj.fun, start, jac=obj.grad, method="BFGS", callback=_stop_below(obj, _TOL), options={"gtol": 1e-12, "maxiter": 1000}
        )
        if np.isfinite(res.fun) and not res.fun > obj.fun(start):
            x = res.x
        nit += int(res.nit)
    return obj, x, bool(_decrement(obj, x) < _CONVERGED), nit
