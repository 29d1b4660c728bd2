"""Confirmatory factor analysis by maximum likelihood, as R lavaan 0.6.14 ``cfa()`` (defaults).

The model is a dict ``{factor: [items]}``: every factor is measured by the listed items (an item may
be listed under several factors: a cross-loading), factors covary freely, residuals are
uncorrelated, and there is no mean structure. The estimates, standard errors and fit indices are
those of ``lavaan::cfa(model, data)`` (estimator ML, ``likelihood="normal"``,
``information="expected"``, ``missing="listwise"``).

Model and estimation (p observed items, m factors, q free parameters)
--------------------------------------------------------------------
- Σ(θ) = Λ Φ Λᵀ + Θ, with Λ (p×m) the loadings, Φ (m×m) the factor covariances and Θ the diagonal
  residual variances.
- Identification: marker variable (lavaan default) — the first item of each factor has its
  loading fixed to 1 and all of Φ is free; with ``std_lv=True`` all loadings are free and the
  factor variances are fixed to 1 (Φ is then the factor correlation matrix).
- S is the covariance matrix of the complete rows with divisor **n** (not n − 1).
- θ̂ minimises (on the correlation-scaled S, then rescaled — ML is scale equivariant) the ML
  discrepancy F = ln|Σ| + tr(SΣ⁻¹) − ln|S| − p, using its analytic gradient
  ∂F/∂θ_a = tr(G ∂Σ/∂θ_a) with G = Σ⁻¹(Σ − S)Σ⁻¹ and, as the Hessian, the expected (Fisher)
  matrix H_ab = tr(Σ⁻¹ ∂Σ/∂θ_a Σ⁻¹ ∂Σ/∂θ_b) (``scipy.optimize.minimize``, ``trust-exact``), then
  Newton steps with the analytic observed Hessian (the expected one converges only linearly when
  the model misfits), BFGS as a last resort, until the scale-free decrement gᵀH⁻¹g is below 1e-16
  (``converged`` when below 1e-10). If the optimizer does not converge (typically an empirically
  unidentified model drifting along a ridge), the estimates and fit indices are still returned,
  with ``converged=False`` and a warning; lavaan refuses to print fit measures in that case.
  A singular information matrix gives NaN standard errors and a warning.
  Variances are not bounded (lavaan does not bound them either): negative residual variances or
  standardized loadings above 1 are reported as a Heywood case with a warning.
- Standard errors from the expected information: Var(θ̂) = (n · H/2)⁻¹; z = θ̂/se; two-sided normal
  p-values.

Fit indices (lavaan ``fitMeasures``), their conventional cut-offs and the checks of an improper
solution or indistinct factors (``CFAResult.flags``) are stated in :mod:`csmlib.stats.cfa_solution`;
the model specification is :mod:`csmlib.stats.cfa_model`, the minimisation
:mod:`csmlib.stats.cfa_estimation`. The public names of those modules used with :func:`cfa`
(:class:`CFAResult`, :class:`SolutionFlag`, :func:`fit_verdicts`, :func:`describe_flags`,
``FIT_CUTOFFS``, ``FLAG_KINDS``, ``MAX_LATENT_CORRELATION``) are re-exported here.

Missing data: ``missing="listwise"`` (the lavaan default for ML) drops every row with a missing
value in any model item; ``n`` is the number of complete rows. FIML (lavaan ``missing="ml"``) is not
implemented.

References
----------
Jöreskog (1969) A general approach to confirmatory maximum likelihood factor analysis.
*Psychometrika* 34:183–202; Bollen (1989) *Structural Equations with Latent Variables*, ch. 4 and 7;
Browne & Cudeck (1993) Alternative ways of assessing model fit; Bentler (1990) Comparative fit
indexes in structural models. *Psychol. Bull.* 107:238–246; Tucker & Lewis (1973) *Psychometrika*
38:1–10; Hu & Bentler (1999) *Struct. Equ. Modeling* 6:1–55; Rosseel (2012) lavaan: an R package for
structural equation modeling. *J. Stat. Softw.* 48(2); Brown (2015) *Confirmatory Factor Analysis
for Applied Research*, 2nd ed.; Henseler, Ringle & Sarstedt (2015) *J. Acad. Mark. Sci.*
43:115–135; Kolenikov & Bollen (2012) Testing negative error variances. *Sociol. Methods Res.*
41:124–167.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from csmlib.stats.cfa_estimation import fit_ml
from csmlib.stats.cfa_model import implied_covariance, parse_model, unpack
from csmlib.stats.cfa_solution import (
    FIT_CUTOFFS,
    FLAG_KINDS,
    MAX_LATENT_CORRELATION,
    CFAResult,
    SolutionFlag,
    describe_flags,
    fit_measures,
    fit_verdicts,
    solution_flags,
)
from csmlib.stats.items import load_items

__all__ = [
    "cfa",
    # re-exported from csmlib.stats.cfa_solution (their home)
    "CFAResult",
    "SolutionFlag",
    "fit_verdicts",
    "describe_flags",
    "FIT_CUTOFFS",
    "FLAG_KINDS",
    "MAX_LATENT_CORRELATION",
]

_ESTIMATORS = ("ML",)
_MISSING = ("listwise",)


def cfa(
    data: pd.DataFrame,
    model: dict[str, Sequence[str]],
    *,
    missing: str = "listwise",
    std_lv: bool = False,
    estimator: str = "ML",
    max_latent_correlation: float = MAX_LATENT_CORRELATION,
) -> CFAResult:
    """Confirmatory factor analysis by maximum likelihood (lavaan ``cfa()`` defaults).

    Fits Σ = ΛΦΛᵀ + Θ to the biased (divisor n) covariance matrix S of the complete rows by
    minimising F = ln|Σ| + tr(SΣ⁻¹) − ln|S| − p; χ² = n·F_min. :mod:`csmlib.stats.cfa_solution`
    states every fit index (CFI, TLI, NFI, RMSEA with its 90 % CI and p-close, SRMR, GFI/AGFI, logL,
    AIC, BIC).

    Parameters
    ----------
    data : DataFrame
        Respondents × columns; only the columns named in ``model`` are used.
    model : dict
        ``{factor: [item, ...]}``, at least two items per factor. An item listed under two
        factors gets a loading on both (cross-loading). The first item of each factor is the
        marker (loading fixed to 1) unless ``std_lv``.
    missing : {"listwise"}
        Rows with a missing value in any model item are dropped (lavaan's ML default).
    std_lv : bool
        Identify the model by fixing the factor variances to 1 instead of a marker loading
        (lavaan ``std.lv=TRUE``); fit and standardized values are unchanged.
    estimator : {"ML"}
        Maximum likelihood (the only estimator implemented).
    max_latent_correlation : float
        Latent correlations above this in absolute value are flagged
        (``"high_latent_correlation"``; default 0.95, see :mod:`csmlib.stats.cfa_solution`).

    Returns
    -------
    CFAResult
        ``loadings`` (tidy: factor, item, estimate, se, z, p_value, std_all; the markers have a
        NaN se), ``factor_correlations``, ``residual_variances``, the fit indices, ``n``,
        ``converged`` and ``heywood``. ``fit_table()`` judges CFI, TLI, RMSEA, SRMR against the
        conventional cut-offs. ``flags`` lists the improper parts of the solution and the
        indistinct factors (:class:`SolutionFlag`; ``improper`` is True when any makes the
        solution inadmissible); :func:`describe_flags` says them in plain words.

    Raises
    ------
    ValueError
        Unknown item, factor with fewer than two items, non-numeric / constant / all-missing
        item, n ≤ number of free parameters, negative degrees of freedom, unsupported option.

    References
    ----------
    Jöreskog (1969) *Psychometrika* 34:183–202; Bollen (1989) *Structural Equations with Latent
    Variables*; Browne & Cudeck (1993); Bentler (1990) *Psychol. Bull.* 107:238–246; Hu & Bentler
    (1999) *Struct. Equ. Modeling* 6:1–55; Rosseel (2012) *J. Stat. Softw.* 48(2).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csmlib.stats.cfa import cfa
    >>> rng = np.random.default_rng(0)
    >>> f = rng.standard_normal((400, 1))
    >>> df = pd.DataFrame(0.7 * f + 0.7 * rng.standard_normal((400, 4)), columns=list("abcd"))
    >>> res = cfa(df, {"sat": ["a", "b", "c", "d"]})
    >>> res.df, res.n, bool(res.converged)
    (2, 400, True)
    """
    if str(estimator).upper() not in _ESTIMATORS:
        raise ValueError(f"cfa: estimator must be one of {_ESTIMATORS}, not {estimator!r}")
    if missing not in _MISSING:
        raise ValueError(f"cfa: missing must be 'listwise' (FIML is not implemented), not {missing!r}")
    if not 0 < max_latent_correlation <= 1:
        raise ValueError(f"cfa: max_latent_correlation must be in (0, 1], not {max_latent_correlation!r}")
    if not isinstance(data, pd.DataFrame):
        raise ValueError("cfa: data must be a DataFrame whose columns include the model's items")
    spec = parse_model(model, list(data.columns), bool(std_lv))
    items_data, mom = load_items(data[list(spec.items)], missing="listwise", constant="raise", caller="cfa")
    n = items_data.n
    p, q = spec.p, spec.q
    df = p * (p + 1) // 2 - q
    if n <= q:
        raise ValueError(f"cfa: n = {n} complete rows must exceed the number of free parameters q = {q}")
    if df < 0:
        raise ValueError(
            f"cfa: the model is not identified: {q} free parameters but only "
            f"{p * (p + 1) // 2} variances and covariances (df = {df})"
        )
    S = mom.C * ((n - 1) / n)
    if np.linalg.eigvalsh(S / np.outer(np.sqrt(np.diag(S)), np.sqrt(np.diag(S))))[0] <= 1e-12:
        raise ValueError(
            "cfa: the covariance matrix of the items "
            f"({', '.join(map(str, spec.items))}) is singular; an item is a linear "
            "combination of others"
        )
    # ML is scale equivariant: fit the correlation-scaled S* = D⁻¹SD⁻¹ (all parameters O(1)),
    # then rescale: λ_if = λ*_if·d_i/k_f, φ_fg = φ*_fg·k_f·k_g, θ_i = θ*_i·d_i², with k_f the
    # SD of factor f's marker (1 when std_lv). F, χ² and the std solution are unchanged.
    d = np.sqrt(np.diag(S))
    S_star = S / np.outer(d, d)
    obj, theta_star, converged, nit = fit_ml(S_star, spec)
    if not converged:
        warnings.warn("cfa: the optimizer did not converge; estimates and fit are unreliable", stacklevel=2)
    k = np.ones(spec.m)
    for i, f in spec.fixed_load:
        k[f] = d[i]
    mult = np.concatenate([[d[i] / k[f] for i, f in spec.free_load], [k[f] * k[g] for f, g in spec.free_phi], d**2])
    theta = theta_star * mult
    L, Phi, psi = unpack(theta, spec)
    Sig = implied_covariance(L, Phi, psi)
    fmin = float(obj.fun(theta_star))
    fit = fit_measures(S, Sig, n, spec, fmin)

    # standard errors from the expected information: Var(θ̂*) = (n·H*/2)⁻¹, se = mult·se*
    H = obj.hess(theta_star)
    se = np.full(q, np.nan)
    h = np.sqrt(np.abs(np.diag(H)))
    evals = np.linalg.eigvalsh(H / np.outer(h, h)) if np.all(h > 0) else np.zeros(1)
    if evals[0] > 1e-10:
        vcov = np.linalg.inv(H * (n / 2.0))
        se = np.sqrt(np.maximum(np.diag(vcov), 0.0)) * mult
    else:
        warnings.warn(
            "cfa: the information matrix is singular — the model is probably not identified; standard errors are NaN",
            stacklevel=2,
        )

    names_i, names_f = spec.items, spec.factors
    sd_f = np.sqrt(np.where(np.diag(Phi) > 0, np.diag(Phi), np.nan))
    sd_i = np.sqrt(np.diag(Sig))
    free_index = {("L",) + k: a for a, k in enumerate(spec.free_load)}
    nl = len(spec.free_load)
    free_index.update({("P",) + k: nl + a for a, k in enumerate(spec.free_phi)})

    def row(lhs, op, rhs, est, a, std):
        s = se[a] if a is not None else np.nan
        z = est / s if a is not None and s > 0 else np.nan
        pv = 2 * stats.norm.sf(abs(z)) if np.isfinite(z) else np.nan
        return {
            "lhs": lhs,
            "op": op,
            "rhs": rhs,
            "estimate": float(est),
            "se": float(s),
            "z": float(z),
            "p_value": float(pv),
            "std_all": float(std),
            "free": a is not None,
        }

    par_rows = []
    for i, f in spec.pattern:
        par_rows.append(row(names_f[f], "=~", names_i[i], L[i, f], free_index.get(("L", i, f)), L[i, f] * sd_f[f] / sd_i[i]))
    for i in range(p):
        par_rows.append(row(names_i[i], "~~", names_i[i], psi[i], nl + len(spec.free_phi) + i, psi[i] / Sig[i, i]))
    for f in range(spec.m):
        par_rows.append(row(names_f[f], "~~", names_f[f], Phi[f, f], free_index.get(("P", f, f)), 1.0 if sd_f[f] > 0 else np.nan))
    for f in range(spec.m):
        for g in range(f + 1, spec.m):
            par_rows.append(
                row(names_f[f], "~~", names_f[g], Phi[g, f], free_index.get(("P", g, f)), Phi[g, f] / (sd_f[f] * sd_f[g]))
            )
    parameters = pd.DataFrame(par_rows)
    load_tab = parameters[parameters["op"] == "=~"].rename(columns={"lhs": "factor", "rhs": "item"})
    loadings = load_tab[["factor", "item", "estimate", "se", "z", "p_value", "std_all"]].reset_index(drop=True)

    with np.errstate(invalid="ignore", divide="ignore"):
        corr = Phi / np.outer(sd_f, sd_f)
    factor_correlations = pd.DataFrame(corr, index=list(names_f), columns=list(names_f))
    factor_covariances = pd.DataFrame(Phi, index=list(names_f), columns=list(names_f))
    residual_variances = pd.Series(psi, index=list(names_i), name="residual_variance")
    r_squared = pd.Series(1 - psi / np.diag(Sig), index=list(names_i), name="r_squared")

    std_load = np.zeros((p, spec.m))
    for i, f in spec.pattern:
        std_load[i, f] = L[i, f] * sd_f[f] / sd_i[i]
    heywood_mask = (psi < 0) | np.any(np.abs(std_load) > 1, axis=1)
    heywood_items = tuple(names_i[i] for i in np.flatnonzero(heywood_mask))
    phi_bad = bool(
        np.any(np.diag(Phi) <= 0) or np.linalg.eigvalsh(Phi)[0] < 0 or np.any(np.abs(corr[~np.eye(spec.m, dtype=bool)]) > 1)
    )
    heywood = bool(heywood_items) or phi_bad
    if heywood:
        what = []
        if heywood_items:
            what.append(
                f"item(s) {', '.join(map(str, heywood_items))} have a negative residual "
                "variance or a standardized loading above 1"
            )
        if phi_bad:
            what.append("the factor covariance matrix is not positive definite")
        warnings.warn(f"cfa: Heywood case: {'; '.join(what)}", stacklevel=2)

    return CFAResult(
        loadings=loadings,
        factor_correlations=factor_correlations,
        factor_covariances=factor_covariances,
        residual_variances=residual_variances,
        r_squared=r_squared,
        parameters=parameters,
        implied_cov=pd.DataFrame(Sig, index=list(names_i), columns=list(names_i)),
        **fit,
        npar=q,
        n=n,
        n_rows=items_data.n_rows,
        missing=missing,
        estimator="ML",
        std_lv=bool(std_lv),
        converged=converged,
        iterations=nit,
        heywood=heywood,
        heywood_items=heywood_items,
        model={str(k): [str(i) for i in v] for k, v in model.items()},
        flags=solution_flags(spec, Phi, corr, psi, std_load, max_latent_correlation),
        max_latent_correlation=float(max_latent_correlation),
    )
