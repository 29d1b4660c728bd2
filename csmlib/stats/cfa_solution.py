"""What a fitted CFA says: its result, fit indices and verdicts, and the flags of an improper solution.

The formulas follow lavaan 0.6.14; the model and its estimation are described in
:mod:`csmlib.stats.cfa`, whose references apply here too.

Fit (lavaan ``fitMeasures``)
----------------------------
- χ² = n·F_min, df = p(p+1)/2 − q, p-value from χ²_df.
- Baseline (independence) model: χ²_b = −n·ln|R_S|, df_b = p(p−1)/2 (R_S the correlation of S).
- CFI = 1 − max(χ² − df, 0)/max(χ² − df, χ²_b − df_b, 0); TLI = (χ²_b/df_b − χ²/df)/(χ²_b/df_b − 1)
  (not truncated; 1 for a saturated model, df = 0, as lavaan); NFI = 1 − χ²/χ²_b.
- RMSEA = sqrt(max(χ²/(n·df) − 1/n, 0)); 90 % interval: λ_L, λ_U solve
  P(χ²_df(λ) ≤ χ²) = .95 and .05 (non-central χ²; a bound is 0 when the central probability
  is already below it), RMSEA_{L,U} = sqrt(λ/(n·df)); p-close = P(χ²_df(n·df·0.05²) ≥ χ²).
  With df = 0 (saturated model) RMSEA and its bounds are 0 and the p-values NaN, as lavaan.
- SRMR (lavaan ``"srmr"``, Bentler): sqrt of the mean, over i ≤ j (diagonal included), of
  ((s_ij − σ̂_ij)/sqrt(s_ii s_jj))².
- GFI = 1 − tr[(Σ̂⁻¹S − I)²]/tr[(Σ̂⁻¹S)²]; AGFI = 1 − p(p+1)/(2·df)·(1 − GFI).
- logL = −(n/2)[p·ln 2π + ln|Σ̂| + tr(SΣ̂⁻¹)]; AIC = −2logL + 2q; BIC = −2logL + q·ln n.
- Standardized (``std.all``) loadings λ·sqrt(φ_ff)/sqrt(σ̂_ii); factor correlations
  φ_fg/sqrt(φ_ff φ_gg); R² = 1 − θ_i/σ̂_ii.

Conventional cut-offs (Hu & Bentler 1999), used only by :meth:`CFAResult.fit_table` /
:func:`fit_verdicts`: CFI ≥ .95, TLI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08.

Improper solutions and indistinct factors (``CFAResult.flags``, :class:`SolutionFlag`)
-------------------------------------------------------------------------------------
A good fit does not make a solution interpretable. Every fit is checked for, in this order:

(a) a latent covariance matrix Φ that is not positive definite (smallest eigenvalue < 0, the
    condition of lavaan's warning "covariance matrix of latent variables is not positive
    definite"; kind ``"latent_not_positive_definite"``) and negative factor variances
    (``"negative_latent_variance"``);
(b) Heywood cases: negative residual variances θ_i < 0 (``"negative_residual_variance"``,
    lavaan's "some estimated ov variances are negative") and standardized loadings |λ*| > 1
    (``"standardized_loading_above_1"``);
(c) latent correlations |φ*_fg| > ``max_latent_correlation`` (0.95 by default;
    ``"high_latent_correlation"``): the respondents do not distinguish the two concepts — a
    failure of discriminant validity (values above 1 are also improper).

The 0.95 cut-off is a judgement: Brown (2015) reads latent correlations of .85 and above as poor
discriminant validity and HTMT screening uses .85/.90 (Henseler, Ringle & Sarstedt 2015); the
stricter .95 keeps the plain-words flag ("customers do not distinguish A from B") for concepts the
data cannot separate at all. :func:`describe_flags` phrases the flags in English or Persian.
Negative residual variances can also be sampling error around a small true variance (Kolenikov &
Bollen 2012): the flag says the solution is improper, not why.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from csmlib.stats.cfa_model import ModelSpec
from csmlib.stats.validate import check_choice

__all__ = [
    "CFAResult",
    "SolutionFlag",
    "fit_verdicts",
    "describe_flags",
    "fit_measures",
    "solution_flags",
    "FIT_CUTOFFS",
    "FLAG_KINDS",
    "MAX_LATENT_CORRELATION",
]

#: Kinds of :class:`SolutionFlag`, in the order they are reported.
FLAG_KINDS = (
    "latent_not_positive_definite",
    "negative_latent_variance",
    "negative_residual_variance",
    "standardized_loading_above_1",
    "high_latent_correlation",
)
#: Default cut-off of ``high_latent_correlation`` (see the module docstring).
MAX_LATENT_CORRELATION = 0.95
_INVOLVED = 0.3  # |eigenvector component| marking a factor as involved in a non-PD Φ

#: Conventional cut-offs (Hu & Bentler 1999): index → (direction, threshold).
FIT_CUTOFFS: dict[str, tuple[str, float]] = {
    "cfi": (">=", 0.95),
    "tli": (">=", 0.95),
    "rmsea": ("<=", 0.06),
    "srmr": ("<=", 0.08),
}
_LOG_2PI = math.log(2 * math.pi)


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SolutionFlag:
    """One problem of a CFA solution (see the module docstring for the kinds and rules).

    ``value``: the smallest eigenvalue of the latent correlation matrix (of Φ when a factor
    variance is not positive) for ``latent_not_positive_definite``; the factor variance, the
    residual variance θ_i, the standardized loading or the latent correlation otherwise.
    ``factors``: the factors concerned (for a non-positive-definite Φ those whose component in the
    eigenvector of the smallest eigenvalue is at least 0.3 in absolute value); ``item``: the item
    of a Heywood case. ``improper``: the solution is inadmissible (everything except a latent
    correlation between the cut-off and 1).
    """

    kind: str
    factors: tuple[str, ...]
    value: float
    item: str | None = None
    improper: bool = True


@dataclass(frozen=True)
class CFAResult:
    """A fitted CFA model (lavaan ``cfa`` with ML). See :func:`cfa` for the formulas."""

    loadings: pd.DataFrame  # factor, item, estimate, se, z, p_value, std_all
    factor_correlations: pd.DataFrame  # m×m, standardized Φ
    factor_covariances: pd.DataFrame  # m×m, Φ as estimated (= correlations when std_lv)
    residual_variances: pd.Series  # θ_i (unstandardized), indexed by item
    r_squared: pd.Series  # 1 − θ_i/σ̂_ii
    # lavaan parameterEstimates(): lhs, op, rhs, estimate, se, z, p_value, std_all, free
    parameters: pd.DataFrame
    implied_cov: pd.DataFrame  # Σ̂
    chi2: float
    df: int
    p_value: float
    baseline_chi2: float
    baseline_df: int
    cfi: float
    tli: float
    nfi: float
    rmsea: float
    rmsea_ci_low: float
    rmsea_ci_high: float
    rmsea_p_close: float  # P(RMSEA ≤ .05)
    srmr: float
    gfi: float
    agfi: float
    logl: float
    aic: float
    bic: float
    npar: int  # q, free parameters
    n: int  # complete rows used
    n_rows: int  # rows given
    missing: str
    estimator: str
    std_lv: bool
    converged: bool
    iterations: int
    heywood: bool
    heywood_items: tuple[str, ...]
    model: dict = field(default_factory=dict)
    flags: tuple[SolutionFlag, ...] = ()  # improper solution / indistinct factors (module doc)
    max_latent_correlation: float = MAX_LATENT_CORRELATION

    @property
    def improper(self) -> bool:
        """True when the solution is inadmissible (a flag other than a latent correlation between
        the cut-off and 1)."""
        return any(f.improper for f in self.flags)

    def fit_table(self, cutoffs: dict[str, tuple[str, float]] | None = None) -> pd.DataFrame:
        """Fit indices against the conventional cut-offs; see :func:`fit_verdicts`."""
        return fit_verdicts(self, cutoffs)


def fit_verdicts(result: CFAResult, cutoffs: dict[str, tuple[str, float]] | None = None) -> pd.DataFrame:
    """Each fit index with its conventional cut-off and whether the model meets it.

    Default cut-offs (Hu & Bentler 1999): CFI ≥ .95, TLI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08. A
    NaN index (e.g. from a failed fit) gives ``passed = <NA>`` and verdict ``"n/a"``.

    Returns a DataFrame indexed by index name with ``value``, ``rule`` (e.g. ``"≥ 0.95"``),
    ``cutoff``, ``passed`` (nullable boolean) and ``verdict`` (``"pass"``/``"fail"``/``"n/a"``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csmlib.stats.cfa import cfa, fit_verdicts
    >>> rng = np.random.default_rng(1)
    >>> f = rng.standard_normal((500, 2)) @ np.array([[1, 0.4], [0, 0.9]])
    >>> X = np.repeat(f, 3, axis=1) * 0.8 + rng.standard_normal((500, 6)) * 0.6
    >>> df = pd.DataFrame(X, columns=["a1", "b1", "a2", "b2", "a3", "b3"])
    >>> res = cfa(df, {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]})
    >>> list(fit_verdicts(res).index)
    ['cfi', 'tli', 'rmsea', 'srmr']
    """
    cutoffs = FIT_CUTOFFS if cutoffs is None else cutoffs
    rows = []
    for name, (direction, threshold) in cutoffs.items():
        if direction not in (">=", "<="):
            raise ValueError(f"fit_verdicts: direction of '{name}' must be '>=' or '<=', not {direction!r}")
        value = float(getattr(result, name))
        if math.isnan(value):
            passed, verdict = pd.NA, "n/a"
        else:
            passed = value >= threshold if direction == ">=" else value <= threshold
            verdict = "pass" if passed else "fail"
        rows.append(
            {
                "index": name,
                "value": value,
                "rule": f"{'≥' if direction == '>=' else '≤'} {threshold:g}",
                "cutoff": float(threshold),
                "passed": passed,
                "verdict": verdict,
            }
        )
    out = pd.DataFrame(rows).set_index("index")
    out["passed"] = out["passed"].astype("boolean")
    return out


# --------------------------------------------------------------------------------------------
# Flags in plain words
# --------------------------------------------------------------------------------------------


def describe_flags(
    flags: CFAResult | Iterable[SolutionFlag],
    names: Mapping[str, str] | Callable[[str], str | None] | None = None,
    *,
    language: str = "en",
) -> list[str]:
    """The solution flags of a CFA in plain words, one sentence per problem.

    ``flags``: a :class:`CFAResult` or its ``flags``. ``names``: display names of the factors and
    items — a mapping ``{id: name}`` or a function ``id -> name`` (e.g. ``Wave.label``); ids
    without one are shown as they are. ``language``: ``"en"`` or ``"fa"`` (Persian, with Persian
    digits). A negative residual variance and the standardized loading above 1 it causes for the
    same item are said in one sentence. Numbers are rounded to two decimals (three for an
    eigenvalue).

    Wording (English; the Persian says the same):

    - high_latent_correlation: "customers do not distinguish A from B (latent correlation 0.98)",
      with ", above 1: the solution is improper" when |r| > 1;
    - latent_not_positive_definite: "the factor model is improper: the latent correlations of A
      and B are impossible together (not positive definite; smallest eigenvalue −0.076)";
    - negative_latent_variance: "the factor model is improper: A has a negative variance (−0.05)";
    - negative_residual_variance / standardized_loading_above_1: "item x of A is a Heywood case:
      negative residual variance (−0.04), standardized loading 1.01 — the solution is improper".

    Examples
    --------
    >>> from csmlib.stats.cfa import SolutionFlag, describe_flags
    >>> flag = SolutionFlag("high_latent_correlation", ("EXPE", "QUAL"), 0.981, improper=False)
    >>> describe_flags([flag], {"EXPE": "Expectations", "QUAL": "Quality"})
    ['customers do not distinguish Expectations from Quality (latent correlation 0.98)']
    >>> describe_flags([flag], {"EXPE": "انتظارات", "QUAL": "کیفیت"}, language="fa")
    ['مشتریان «انتظارات» را از «کیفیت» تمیز نمی‌دهند (همبستگی پنهان ۰٫۹۸)']
    """
    from csmlib.core.text import localize

    check_choice(language, ("en", "fa"), "language", "describe_flags", spelled=True)
    if isinstance(flags, CFAResult):
        flags = flags.flags
    flags = list(flags)
    fa = language == "fa"

    def name(key: str) -> str:
        label: str | None
        if names is None:
            label = key
        elif callable(names):
            label = names(key)
        else:
            label = names.get(key, key)
        label = str(key if label is None or label == "" else label)
        return f"«{label}»" if fa else label

    def num(value: float, digits: int = 2) -> str:
        return localize(f"{value:.{digits}f}", language)

    def listing(keys: Sequence[str]) -> str:
        shown = [name(k) for k in keys]
        if fa:
            return "، ".join(shown[:-1]) + " و " + shown[-1] if len(shown) > 1 else shown[0]
        return ", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else shown[0]

    residual = {(f.item, f.factors): f for f in flags if f.kind == "negative_residual_variance"}
    out = []
    for f in flags:
        if f.kind == "high_latent_correlation":
            a, b = name(f.factors[0]), name(f.factors[1])
            if fa:
                text = f"مشتریان {a} را از {b} تمیز نمی‌دهند (همبستگی پنهان {num(f.value)}"
                text += "، بیش از ۱: جواب مدل نامعتبر است)" if abs(f.value) > 1 else ")"
            else:
                text = f"customers do not distinguish {a} from {b} (latent correlation {num(f.value)}"
                text += ", above 1: the solution is improper)" if abs(f.value) > 1 else ")"
        elif f.kind == "latent_not_positive_definite":
            if fa:
                text = (
                    f"مدل عاملی نامعتبر است: همبستگی‌های پنهان {listing(f.factors)} با هم "
                    "ممکن نیستند (ماتریس کوواریانس عامل‌ها مثبت معین نیست؛ کوچک‌ترین مقدار "
                    f"ویژه {num(f.value, 3)})"
                )
            else:
                text = (
                    f"the factor model is improper: the latent correlations of "
                    f"{listing(f.factors)} are impossible together (not positive definite; "
                    f"smallest eigenvalue {num(f.value, 3)})"
                )
        elif f.kind == "negative_latent_variance":
            text = (
                f"مدل عاملی نامعتبر است: واریانس {name(f.factors[0])} منفی است ({num(f.value)})"
                if fa
                else f"the factor model is improper: {name(f.factors[0])} has a negative variance ({num(f.value)})"
            )
        elif f.kind in ("negative_residual_variance", "standardized_loading_above_1"):
            if f.kind == "standardized_loading_above_1" and any(
                item == f.item and f.factors[0] in facs for item, facs in residual
            ):
                continue  # said with the negative residual variance
            assert f.item is not None  # solution_flags names the item of every item-level flag
            parts_en, parts_fa = [], []
            if f.kind == "negative_residual_variance":
                parts_en.append(f"negative residual variance ({num(f.value)})")
                parts_fa.append(f"واریانس خطای منفی ({num(f.value)})")
                for g in flags:
                    if g.kind == "standardized_loading_above_1" and g.item == f.item and g.factors[0] in f.factors:
                        parts_en.append(f"standardized loading {num(g.value)}")
                        parts_fa.append(f"بار استانداردشده {num(g.value)}")
            else:
                parts_en.append(f"standardized loading {num(f.value)}, above 1")
                parts_fa.append(f"بار استانداردشده {num(f.value)}، بیش از ۱")
            if fa:
                text = (
                    f"پرسش {name(f.item)} از {listing(f.factors)} حالت هی‌وود دارد: {'، '.join(parts_fa)} — جواب مدل نامعتبر است"
                )
            else:
                text = (
                    f"item {name(f.item)} of {listing(f.factors)} is a Heywood case: "
                    f"{', '.join(parts_en)} — the solution is improper"
                )
        else:
            raise ValueError(f"describe_flags: unknown flag kind {f.kind!r}")
        out.append(text)
    return out


# --------------------------------------------------------------------------------------------
# Fit statistics
# --------------------------------------------------------------------------------------------


def _rmsea_ci(chi2: float, df: int, n: int, level: float = 0.90) -> tuple[float, float]:
    """lavaan ``lav_fit_rmsea_ci``: non-central χ² inversion (Browne & Cudeck 1993)."""
    if df < 1 or not np.isfinite(chi2):
        return (float("nan"), float("nan")) if not np.isfinite(chi2) else (0.0, 0.0)
    upper_p, lower_p = 1 - (1 - level) / 2, (1 - level) / 2

    def cdf(lam):
        return stats.ncx2.cdf(chi2, df, lam) if lam > 0 else stats.chi2.cdf(chi2, df)

    if cdf(0.0) < upper_p:
        lo = 0.0
    else:
        lam = optimize.brentq(lambda x: cdf(x) - upper_p, 0.0, chi2, xtol=1e-12)
        lo = math.sqrt(lam / (n * df))
    top = max(n, 4 * chi2)
    if cdf(top) > lower_p or cdf(0.0) < lower_p:
        hi = 0.0
    else:
        lam = optimize.brentq(lambda x: cdf(x) - lower_p, 0.0, top, xtol=1e-12)
        hi = math.sqrt(lam / (n * df))
    return lo, hi


def fit_measures(S: np.ndarray, Sig: np.ndarray, n: int, spec: ModelSpec, fmin: float) -> dict[str, Any]:
    """The fit indices of the module docstring (lavaan ``fitMeasures``) as the fields of :class:`CFAResult`.

    ``S`` is the covariance of the complete rows (divisor n), ``Sig`` the implied Σ̂ and ``fmin``
    the minimum of the ML discrepancy.

    Examples
    --------
    >>> import numpy as np
    >>> from csmlib.stats.cfa_solution import fit_measures
    >>> from csmlib.stats.cfa_model import parse_model
    >>> spec = parse_model({"f": ["x", "y", "z"]}, ["x", "y", "z"], True)  # saturated: df = 0
    >>> S = np.eye(3) + 0.3
    >>> fit = fit_measures(S, S, 200, spec, 0.0)
    >>> fit["chi2"], fit["df"], fit["cfi"], fit["rmsea"], fit["srmr"]
    (0.0, 0, 1.0, 0.0, 0.0)
    """
    p, q = spec.p, spec.q
    df = p * (p + 1) // 2 - q
    chi2 = max(n * fmin, 0.0)  # F ≥ 0; only rounding makes it negative
    pval = float(stats.chi2.sf(chi2, df)) if df > 0 else float("nan")
    d = np.sqrt(np.diag(S))
    R = S / np.outer(d, d)
    chi2_b = -n * np.linalg.slogdet(R)[1]
    df_b = p * (p - 1) // 2
    t1 = max(chi2 - df, 0.0)
    t2 = max(chi2 - df, chi2_b - df_b, 0.0)
    cfi = 1.0 if abs(t1) < 1.5e-8 and abs(t2) < 1.5e-8 else 1 - t1 / t2
    # lavaan lav_fit_tli: 1 − t1/t2 with t1 = (χ² − df)·df_b, t2 = (χ²_b − df_b)·df; 1 when df = 0
    t1, t2 = (chi2 - df) * df_b, (chi2_b - df_b) * df
    tli = 1 - t1 / t2 if df > 0 and abs(t2) > 0 else 1.0
    nfi = 1 - chi2 / chi2_b
    if df > 0:
        rmsea = math.sqrt(max(chi2 / (n * df) - 1 / n, 0.0))
        lo, hi = _rmsea_ci(chi2, df, n)
        pclose = float(stats.ncx2.sf(chi2, df, n * df * 0.05**2))
    else:
        rmsea, lo, hi, pclose = 0.0, 0.0, 0.0, float("nan")
    iu = np.triu_indices(p)
    srmr = math.sqrt(np.mean(((S - Sig) / np.outer(d, d))[iu] ** 2))
    Sinv = np.linalg.inv(Sig)
    A = Sinv @ S
    B = A - np.eye(p)
    gfi = 1 - np.trace(B @ B) / np.trace(A @ A)
    agfi = 1 - (p * (p + 1) / 2) / df * (1 - gfi) if df > 0 else 1.0  # lavaan: 1 if df = 0
    logl = -n / 2 * (p * _LOG_2PI + np.linalg.slogdet(Sig)[1] + np.trace(A))
    fit = {"chi2": chi2, "p_value": pval, "baseline_chi2": chi2_b, "cfi": cfi, "tli": tli, "nfi": nfi, "rmsea": rmsea}
    fit |= {"rmsea_ci_low": lo, "rmsea_ci_high": hi, "rmsea_p_close": pclose, "srmr": srmr, "gfi": gfi, "agfi": agfi}
    fit |= {"logl": logl, "aic": -2 * logl + 2 * q, "bic": -2 * logl + q * math.log(n)}
    return {name: float(value) for name, value in fit.items()} | {"df": int(df), "baseline_df": int(df_b)}


# --------------------------------------------------------------------------------------------
# Improper solutions and indistinct factors
# --------------------------------------------------------------------------------------------


def solution_flags(
    spec: ModelSpec, Phi: np.ndarray, corr: np.ndarray, psi: np.ndarray, std_load: np.ndarray, cut: float
) -> tuple[SolutionFlag, ...]:
    """The checks (a)–(c) of the module docstring, in the order of :data:`FLAG_KINDS`.

    ``Phi`` is the estimated factor covariance matrix, ``corr`` its standardized form, ``psi`` the
    residual variances, ``std_load`` the standardized loadings (p×m) and ``cut`` the
    ``max_latent_correlation`` of :func:`csmlib.stats.cfa.cfa`.

    Examples
    --------
    >>> import numpy as np
    >>> from csmlib.stats.cfa_model import parse_model
    >>> from csmlib.stats.cfa_solution import solution_flags
    >>> spec = parse_model({"A": ["a1", "a2"], "B": ["b1", "b2"]}, ["a1", "a2", "b1", "b2"], True)
    >>> phi = np.array([[1.0, 0.97], [0.97, 1.0]])
    >>> flags = solution_flags(spec, phi, phi, np.full(4, 0.5), np.full((4, 2), 0.7), 0.95)
    >>> [(f.kind, f.factors, f.improper) for f in flags]
    [('high_latent_correlation', ('A', 'B'), False)]
    """
    names_f, names_i = spec.factors, spec.items
    flags: list[SolutionFlag] = []
    var = np.diag(Phi)
    if not np.all(np.isfinite(Phi)):  # a failed fit: nothing to judge
        return ()
    evals, evecs = np.linalg.eigh(Phi)
    if evals[0] < 0:
        if np.all(var > 0):
            evals, evecs = np.linalg.eigh(corr)
        v = evecs[:, 0]
        involved = tuple(names_f[f] for f in np.flatnonzero(np.abs(v) >= _INVOLVED))
        flags.append(SolutionFlag("latent_not_positive_definite", involved, float(evals[0])))
    for negative in np.flatnonzero(var <= 0):
        flags.append(SolutionFlag("negative_latent_variance", (names_f[negative],), float(var[negative])))
    loads_on = [tuple(names_f[f] for i2, f in spec.pattern if i2 == i) for i in range(spec.p)]
    for heywood in np.flatnonzero(psi < 0):
        flags.append(SolutionFlag("negative_residual_variance", loads_on[heywood], float(psi[heywood]), item=names_i[heywood]))
    for i, f in spec.pattern:
        if abs(std_load[i, f]) > 1:
            flags.append(SolutionFlag("standardized_loading_above_1", (names_f[f],), float(std_load[i, f]), item=names_i[i]))
    pairs = [
        (abs(corr[f, g]), f, g)
        for f in range(spec.m)
        for g in range(f + 1, spec.m)
        if np.isfinite(corr[f, g]) and abs(corr[f, g]) > cut
    ]
    for _, f, g in sorted(pairs, key=lambda t: -t[0]):
        flags.append(
            SolutionFlag(
                "high_latent_correlation", (names_f[f], names_f[g]), float(corr[f, g]), improper=bool(abs(corr[f, g]) > 1)
            )
        )
    return tuple(flags)
