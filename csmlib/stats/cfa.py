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

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

from csmlib.stats.factor import load_items
from csmlib.stats.validate import check_choice

__all__ = [
    "CFAResult",
    "SolutionFlag",
    "cfa",
    "fit_verdicts",
    "describe_flags",
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

_ESTIMATORS = ("ML",)
_MISSING = ("listwise",)
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


def describe_flags(flags, names=None, *, language: str = "en") -> list[str]:
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

    def name(key) -> str:
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

    def listing(keys) -> str:
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
# Model specification
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    factors: tuple[str, ...]
    items: tuple[str, ...]  # observed variables, in order of appearance
    pattern: tuple[tuple[int, int], ...]  # (item, factor) of every loading, model order
    free_load: tuple[tuple[int, int], ...]  # free loadings
    fixed_load: tuple[tuple[int, int], ...]  # loadings fixed to 1 (markers)
    free_phi: tuple[tuple[int, int], ...]  # (f, g), f ≥ g
    std_lv: bool

    @property
    def p(self) -> int:
        return len(self.items)

    @property
    def m(self) -> int:
        return len(self.factors)

    @property
    def q(self) -> int:
        return len(self.free_load) + len(self.free_phi) + self.p


def _parse_model(model, columns, std_lv: bool) -> _Spec:
    if not isinstance(model, dict) or not model:
        raise ValueError("cfa: model must be a non-empty dict {factor: [items]}")
    col_set = set(columns)
    factors: list[str] = []
    items: list[str] = []
    pattern_names: list[tuple[str, str]] = []
    for factor, its in model.items():
        if isinstance(its, str) or not hasattr(its, "__iter__"):
            raise ValueError(f"cfa: the items of factor '{factor}' must be a list of column names, not {its!r}")
        its = list(its)
        if len(its) < 2:
            raise ValueError(
                f"cfa: factor '{factor}' has {len(its)} item(s)"
                + (f" ('{its[0]}')" if its else "")
                + "; a factor needs at least two items"
            )
        dup = sorted({str(i) for i in its if its.count(i) > 1})
        if dup:
            raise ValueError(f"cfa: factor '{factor}' lists item(s) {', '.join(dup)} twice")
        unknown = [i for i in its if i not in col_set]
        if unknown:
            raise ValueError(f"cfa: item(s) {', '.join(map(str, unknown))} of factor '{factor}' are not columns of data")
        factors.append(factor)
        for it in its:
            if it not in items:
                items.append(it)
            pattern_names.append((it, factor))
    clash = [f for f in factors if f in items]
    if clash:
        raise ValueError(f"cfa: factor name(s) {', '.join(map(str, clash))} are also items; rename the factor")
    ii = {it: j for j, it in enumerate(items)}
    ff = {f: j for j, f in enumerate(factors)}
    pattern = tuple((ii[it], ff[f]) for it, f in pattern_names)
    free_load, fixed_load, seen = [], [], set()
    for i, f in pattern:
        if not std_lv and f not in seen:
            fixed_load.append((i, f))
        else:
            free_load.append((i, f))
        seen.add(f)
    m = len(factors)
    if std_lv:
        free_phi = [(f, g) for f in range(m) for g in range(f)]
    else:
        free_phi = [(f, g) for f in range(m) for g in range(f + 1)]
    return _Spec(tuple(factors), tuple(items), pattern, tuple(free_load), tuple(fixed_load), tuple(free_phi), std_lv)


def _unpack(theta: np.ndarray, spec: _Spec):
    p, m = spec.p, spec.m
    L = np.zeros((p, m))
    for i, f in spec.fixed_load:
        L[i, f] = 1.0
    nl = len(spec.free_load)
    for k, (i, f) in enumerate(spec.free_load):
        L[i, f] = theta[k]
    Phi = np.eye(m) if spec.std_lv else np.zeros((m, m))
    for k, (f, g) in enumerate(spec.free_phi):
        Phi[f, g] = Phi[g, f] = theta[nl + k]
    psi = theta[nl + len(spec.free_phi) :]
    return L, Phi, psi


def _sigma(L, Phi, psi) -> np.ndarray:
    S = L @ Phi @ L.T
    S[np.diag_indices_from(S)] += psi
    return S


def _start(S: np.ndarray, spec: _Spec) -> np.ndarray:
    """Starting values: residual variances s_ii/2 (lavaan); loadings from each factor's first
    principal axis (markers rescaled to 1); factor covariances 0."""
    p, m = spec.p, spec.m
    members: list[list[int]] = [[] for _ in range(m)]
    for i, f in spec.pattern:
        members[f].append(i)
    L = np.zeros((p, m))
    Phi = np.eye(m)
    for f, idx in enumerate(members):
        block = S[np.ix_(idx, idx)]
        d = np.sqrt(np.diag(block))
        vals, vecs = np.linalg.eigh(block / np.outer(d, d))
        v = vecs[:, -1] * np.sqrt(max(vals[-1] - 1 + 1 / len(idx), 0.1) * 0.9)
        if v[0] < 0:
            v = -v
        lam = v * d  # loadings with a unit-variance factor
        if not spec.std_lv:
            scale = lam[0] if abs(lam[0]) > 1e-3 * d[0] else d[0] * 0.5
            Phi[f, f] = scale**2
            lam = lam / scale
        L[idx, f] = lam
    theta = [L[i, f] for i, f in spec.free_load]
    theta += [Phi[f, g] if f == g else 0.0 for f, g in spec.free_phi]
    theta += list(0.5 * np.diag(S))
    return np.asarray(theta, dtype=float)


class _Objective:
    """F_ML, its gradient and the expected Hessian, caching Σ⁻¹ for the last θ."""

    def __init__(self, S: np.ndarray, spec: _Spec):
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
        L, Phi, psi = _unpack(theta, self.spec)
        Sig = _sigma(L, Phi, psi)
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

    def fun(self, theta):
        ev = self._eval(theta)
        return np.inf if ev is None else ev[5]

    def grad(self, theta):
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

    def hess(self, theta):
        """Expected Hessian of F: H_ab = tr(Σ⁻¹ A_a Σ⁻¹ A_b), A_a = ∂Σ/∂θ_a."""
        ev = self._eval(theta)
        if ev is None:
            return np.eye(len(theta))
        L, Phi, _, _, Sinv, _ = ev
        U, V = self._uv(L, Phi)
        H = self._trace_products(U, V, Sinv, Sinv)
        return (H + H.T) / 2

    def hess_exact(self, theta):
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


def _decrement(obj: _Objective, x) -> float:
    """Fisher-scoring decrement gᵀH⁻¹g (≈ 2·(F − F_min) near the optimum; scale free)."""
    if not np.isfinite(obj.fun(x)):
        return float("inf")
    g = obj.grad(x)
    try:
        dec = float(g @ np.linalg.solve(obj.hess(x), g))
    except np.linalg.LinAlgError:
        return float("inf")
    return abs(dec) if np.isfinite(dec) else float("inf")


def _stop_below(obj: _Objective, tol: float):
    def callback(intermediate_result):
        if _decrement(obj, intermediate_result.x) < tol:
            raise StopIteration

    return callback


_TOL = 1e-16  # target: gᵀH⁻¹g below this (parameters at ~1e-8 of the optimum)
_CONVERGED = 1e-10  # converged: below this the last digits of F are rounding noise


def _fit(S: np.ndarray, spec: _Spec):
    """Minimise F: Fisher scoring in a trust region (robust far from the optimum), then Newton
    steps with the observed Hessian (the expected one converges only linearly when the model
    does not fit exactly), BFGS as a last resort. Convergence is judged by the scale-free
    decrement gᵀH⁻¹g."""
    obj = _Objective(S, spec)
    x0 = _start(S, spec)
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


def _fit_measures(S, Sig, n: int, spec: _Spec, fmin: float) -> dict:
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
    return dict(
        chi2=float(chi2),
        df=int(df),
        p_value=pval,
        baseline_chi2=float(chi2_b),
        baseline_df=int(df_b),
        cfi=float(cfi),
        tli=float(tli),
        nfi=float(nfi),
        rmsea=float(rmsea),
        rmsea_ci_low=float(lo),
        rmsea_ci_high=float(hi),
        rmsea_p_close=pclose,
        srmr=float(srmr),
        gfi=float(gfi),
        agfi=float(agfi),
        logl=float(logl),
        aic=float(-2 * logl + 2 * q),
        bic=float(-2 * logl + q * math.log(n)),
    )


# --------------------------------------------------------------------------------------------
# Public: cfa
# --------------------------------------------------------------------------------------------


def cfa(
    data,
    model,
    *,
    missing: str = "listwise",
    std_lv: bool = False,
    estimator: str = "ML",
    max_latent_correlation: float = MAX_LATENT_CORRELATION,
) -> CFAResult:
    """Confirmatory factor analysis by maximum likelihood (lavaan ``cfa()`` defaults).

    Fits Σ = ΛΦΛᵀ + Θ to the biased (divisor n) covariance matrix S of the complete rows by
    minimising F = ln|Σ| + tr(SΣ⁻¹) − ln|S| − p; χ² = n·F_min. See the module docstring for every
    fit index (CFI, TLI, NFI, RMSEA with its 90 % CI and p-close, SRMR, GFI/AGFI, logL, AIC, BIC).

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
        (``"high_latent_correlation"``; default 0.95, see the module docstring).

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
    spec = _parse_model(model, list(data.columns), bool(std_lv))
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
    obj, theta_star, converged, nit = _fit(S_star, spec)
    if not converged:
        warnings.warn("cfa: the optimizer did not converge; estimates and fit are unreliable", stacklevel=2)
    k = np.ones(spec.m)
    for i, f in spec.fixed_load:
        k[f] = d[i]
    mult = np.concatenate([[d[i] / k[f] for i, f in spec.free_load], [k[f] * k[g] for f, g in spec.free_phi], d**2])
    theta = theta_star * mult
    L, Phi, psi = _unpack(theta, spec)
    Sig = _sigma(L, Phi, psi)
    fmin = float(obj.fun(theta_star))
    fit = _fit_measures(S, Sig, n, spec, fmin)

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
        flags=_solution_flags(spec, Phi, corr, psi, std_load, max_latent_correlation),
        max_latent_correlation=float(max_latent_correlation),
    )


def _solution_flags(spec: _Spec, Phi, corr, psi, std_load, cut: float) -> tuple[SolutionFlag, ...]:
    """The checks (a)–(c) of the module docstring, in the order of :data:`FLAG_KINDS`."""
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
    for f in np.flatnonzero(var <= 0):
        flags.append(SolutionFlag("negative_latent_variance", (names_f[f],), float(var[f])))
    loads_on = [tuple(names_f[f] for i2, f in spec.pattern if i2 == i) for i in range(spec.p)]
    for i in np.flatnonzero(psi < 0):
        flags.append(SolutionFlag("negative_residual_variance", loads_on[i], float(psi[i]), item=names_i[i]))
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
