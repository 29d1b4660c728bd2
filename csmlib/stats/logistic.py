"""The logistic engine of key-driver analysis for a binary outcome.

Weighted logistic regressions with an intercept, fitted by csmlib's own batched Newton–Raphson
with step halving on standardized drivers: the log-likelihood of every subset model
(:func:`subset_loglik`), its pseudo-R² (:func:`pseudo_r2`, :func:`subset_pseudo_r2`) for
logistic dominance (:mod:`csmlib.stats.dominance`) and the importance table, and the logistic
relative weights of R ``rwa::rwa_logit`` (:func:`logistic_relative_weights`). Method note
``drivers.md`` §5.

>>> import numpy as np
>>> X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
>>> y = np.array([0.0, 0.0, 1.0, 0.0, 1.0, 1.0])
>>> r2 = subset_pseudo_r2(X, y, None, "mcfadden", "example")
>>> float(r2[0]), bool(0 < r2[1] < 1)
(0.0, True)
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = [
    "PSEUDO_R2_FITS",
    "standardized",
    "subset_loglik",
    "pseudo_r2",
    "subset_pseudo_r2",
    "logistic_relative_weights",
]

#: Pseudo-R² of a logistic model offered by :func:`pseudo_r2` (the first is the default).
PSEUDO_R2_FITS = ("mcfadden", "cox_snell", "nagelkerke", "estrella")


def standardized(X: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Columns of X centred and scaled by their weighted mean and SD (divisor Σw; weights ``w`` or
    none); a constant column is only centred."""
    w = np.ones(len(X)) if w is None else w
    mu = (w @ X) / w.sum()
    sd = np.sqrt((w @ (X - mu) ** 2) / w.sum())
    return (X - mu) / np.where(sd > 0, sd, 1.0)


def subset_loglik(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, masks: np.ndarray, max_iter: int = 60
) -> tuple[np.ndarray, float, int]:
    """Log-likelihood of weighted logistic models with an intercept, one per predictor mask.

    Batched Newton–Raphson (with step halving) over all masks of one size at a time. ``X`` is
    standardized. Returns (loglik array, loglik of the intercept-only model, number of fits that
    did not converge).
    """
    n, p = X.shape
    ybar = float(w @ y / w.sum())
    ll0 = float(w @ (y * np.log(ybar) + (1 - y) * np.log1p(-ybar)))
    out = np.empty(len(masks))
    bad = 0
    masks = np.asarray(masks, dtype=np.int64)
    sizes = np.array([bin(int(m)).count("1") for m in masks])
    for k in np.unique(sizes):
        sel = np.flatnonzero(sizes == k)
        if k == 0:
            out[sel] = ll0
            continue
        cols = np.array([[j for j in range(p) if int(masks[s]) >> j & 1] for s in sel])
        chunk = max(1, int(4_000_000 // (n * (k + 1))))
        for a in range(0, len(sel), chunk):
            c = cols[a : a + chunk]
            D = np.concatenate([np.ones((len(c), n, 1)), np.swapaxes(X[:, c], 0, 1)], axis=2)
            ll, nc = _newton_batch(D, y, w, ybar)
            out[sel[a : a + chunk]] = ll
            bad += nc
    return out, ll0, bad


def _loglik(D: np.ndarray, beta: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    eta = np.einsum("mnk,mk->mn", D, beta)
    return (w * (y * eta - np.logaddexp(0.0, eta))).sum(axis=1), eta


def _newton_batch(
    D: np.ndarray, y: np.ndarray, w: np.ndarray, ybar: float, max_iter: int = 60, tol: float = 1e-10
) -> tuple[np.ndarray, int]:
    m, n, k = D.shape
    beta = np.zeros((m, k))
    beta[:, 0] = np.log(ybar / (1 - ybar))
    ll, eta = _loglik(D, beta, y, w)
    active = np.ones(m, dtype=bool)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        Da, ea = D[idx], eta[idx]
        mu = 1.0 / (1.0 + np.exp(-ea))
        g = np.einsum("mnk,mn->mk", Da, w * (y - mu))
        H = np.einsum("mnk,mn,mnl->mkl", Da, w * mu * (1 - mu), Da)
        try:
            step = np.linalg.solve(H, g[..., None])[..., 0]
        except np.linalg.LinAlgError:
            step = (np.linalg.pinv(H) @ g[..., None])[..., 0]
        t = np.ones(idx.size)
        new_b = beta[idx] + step
        new_ll, new_eta = _loglik(Da, new_b, y, w)
        for _h in range(30):  # step halving where ll went down
            worse = new_ll < ll[idx] - 1e-12 * np.abs(ll[idx])
            if not worse.any():
                break
            t[worse] /= 2
            new_b[worse] = beta[idx][worse] + t[worse, None] * step[worse]
            nl, ne = _loglik(Da[worse], new_b[worse], y, w)
            new_ll[worse], new_eta[worse] = nl, ne
        change = np.abs(new_ll - ll[idx])
        beta[idx], ll[idx], eta[idx] = new_b, new_ll, new_eta
        done = change <= tol * (np.abs(new_ll) + 1.0)
        active[idx[done]] = False
    return ll, int(active.sum())


def pseudo_r2(ll: np.ndarray, ll0: float, n: float, fit: str) -> np.ndarray:
    """Pseudo-R² of logistic models with log-likelihoods ``ll`` against the null model ``ll0`` on
    n (the sum of the weights): McFadden 1 − ℓ/ℓ₀, Cox–Snell 1 − exp(2(ℓ₀ − ℓ)/n), Nagelkerke
    (Cox–Snell over its maximum 1 − exp(2ℓ₀/n)), Estrella 1 − (ℓ/ℓ₀)^(−2ℓ₀/n)."""
    if fit == "mcfadden":
        return 1.0 - ll / ll0
    cs = 1.0 - np.exp(2.0 * (ll0 - ll) / n)
    if fit == "cox_snell":
        return cs
    if fit == "nagelkerke":
        return cs / (1.0 - np.exp(2.0 * ll0 / n))
    return 1.0 - (ll / ll0) ** (-(2.0 / n) * ll0)  # estrella


def subset_pseudo_r2(X: np.ndarray, y: np.ndarray, w: np.ndarray | None, fit: str, caller: str) -> np.ndarray:
    """Pseudo-R² (``fit``) of the logistic model of every subset of the columns of X (2^p, index
    = bit mask; the empty model 0), weights rescaled to sum to n; warns (naming ``caller``) when
    a fit did not converge (separation)."""
    p = X.shape[1]
    w = np.ones(len(y)) if w is None else w * (len(y) / w.sum())
    Xs = standardized(X, w)
    ll, ll0, bad = subset_loglik(Xs, y, w, np.arange(1 << p))
    if bad:
        warnings.warn(
            f"{caller}: {bad} logistic model(s) did not converge (complete or "
            "quasi-complete separation?); their pseudo-R² is at the iteration limit",
            stacklevel=3,
        )
    r2 = pseudo_r2(ll, ll0, float(w.sum()), fit)
    r2[0] = 0.0
    return r2


def logistic_relative_weights(X: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, float]:
    """Logistic relative weights as R ``rwa::rwa_logit`` (Tonidandel & LeBreton 2010).

    X_s standardized, Z = X_s Rxx^{-1/2} (= U Vᵀ rescaled to unit sd), Λ = Rxx^{1/2}; b from
    logit(y) ~ Z; R²_L = corr(p̂, y)²; β = b·sqrt(R²_L)/sd(logit p̂); ε = Λ²β². Returns (ε, Σε).
    Standard deviations use the n − 1 divisor (weights are frequency weights summing to n).
    """
    n, p = X.shape
    w = np.ones(n) if w is None else w * (n / w.sum())
    W = w.sum()
    mu = (w @ X) / W
    Xc = X - mu
    C = (Xc * w[:, None]).T @ Xc / (W - 1)
    sd = np.sqrt(np.diag(C))
    Xs = Xc / sd
    Rxx = C / np.outer(sd, sd)
    vals, V = np.linalg.eigh(Rxx)
    vals = np.clip(vals, 1e-300, None)
    lam = (V * np.sqrt(vals)) @ V.T
    Z = Xs @ ((V / np.sqrt(vals)) @ V.T)
    D = np.concatenate([np.ones((1, n, 1)), Z[None]], axis=2)
    ybar = float(w @ y / W)
    beta_hat = _newton_beta(D, y, w, ybar)
    eta = D[0] @ beta_hat
    phat = 1.0 / (1.0 + np.exp(-eta))
    pm, ym = (w @ phat) / W, (w @ y) / W
    cov = w @ ((phat - pm) * (y - ym))
    r2l = cov**2 / ((w @ (phat - pm) ** 2) * (w @ (y - ym) ** 2))
    sd_eta = np.sqrt((w @ (eta - (w @ eta) / W) ** 2) / (W - 1))
    beta = beta_hat[1:] * np.sqrt(r2l) / sd_eta
    eps = (lam**2) @ (beta**2)
    return eps, float(eps.sum())


def _newton_beta(D: np.ndarray, y: np.ndarray, w: np.ndarray, ybar: float, max_iter: int = 60) -> np.ndarray:
    """Coefficients of one weighted logistic fit (Newton with step halving)."""
    beta = np.zeros(D.shape[2])
    beta[0] = np.log(ybar / (1 - ybar))
    Dm = D[0]
    eta = Dm @ beta
    ll = float(w @ (y * eta - np.logaddexp(0.0, eta)))
    for _ in range(max_iter):
        mu = 1.0 / (1.0 + np.exp(-eta))
        g = Dm.T @ (w * (y - mu))
        H = (Dm * (w * mu * (1 - mu))[:, None]).T @ Dm
        step = np.linalg.lstsq(H, g, rcond=None)[0]
        t = 1.0
        for _h in range(30):
            nb = beta + t * step
            ne = Dm @ nb
            nl = float(w @ (y * ne - np.logaddexp(0.0, ne)))
            if nl >= ll - 1e-12 * abs(ll):
                break
            t /= 2
        done = abs(nl - ll) <= 1e-12 * (abs(nl) + 1.0)
        beta, eta, ll = nb, ne, nl
        if done:
            break
    return beta
