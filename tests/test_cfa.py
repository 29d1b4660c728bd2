"""csmlib.stats.cfa against R lavaan 0.6.14 (``cfa()`` defaults: ML, marker variable, listwise).

Reference values
----------------
* ``HS3``: Holzinger–Swineford three-factor model, the method note ``reliability.md`` §3 (fit
  indices, standardized loadings), with its tolerances (1e-3 CFA quantities, 1e-2 logL/AIC/BIC).
* Everything else (unstandardized estimates and their expected-information standard errors,
  ``std.lv=TRUE``, a cross-loading model, a saturated model, a Likert model with missing values)
  was computed with R 4.2.2 / lavaan 0.6.14 (Debian bookworm ``r-cran-lavaan``) on exactly the
  data used here, e.g. ``fitMeasures(cfa(model, data))``, ``parameterEstimates()`` and
  ``standardizedSolution()``.
* The Heywood case and the closed-form one-factor, three-item solution are hand computations.
* ``IMPROPER``: ``tests/data/cfa_improper.csv``, 250 simulated bank customers, 15 items on 0–10
  in five concepts (IMAG, EXPE, QUAL, SAT, LOY; generated once with numpy, seed 10: EXPE and
  QUAL share one latent variable, IMAG and SAT correlate .97, LOY1 measures LOY without error
  but for the rounding to 0–10). lavaan 0.6.14 on it warns "some estimated ov variances are
  negative" and "covariance matrix of latent variables is not positive definite"; the values are
  from ``fitMeasures()``, ``standardizedSolution()``, ``parameterEstimates()`` and
  ``eigen(lavInspect(fit, "cor.lv"))`` of ``cfa(model, data)``
  (``tests/data/stats_realsurveys_reference.R``).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csmlib.stats.cfa import FIT_CUTOFFS, FLAG_KINDS, CFAResult, SolutionFlag, cfa, describe_flags, fit_verdicts

DATA = Path(__file__).parent / "data" / "holzinger_swineford.csv"
TOL = 1e-3  # CFA quantities (note §3)
TOL_LL = 1e-2  # logL / AIC / BIC (note §3)
HS_MODEL = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]}


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(DATA, index_col=0)


@pytest.fixture(scope="module")
def hs3(hs) -> CFAResult:
    return cfa(hs, HS_MODEL)


# --------------------------------------------------------------------------------------------
# Case C of the method note: Holzinger–Swineford, three factors
# --------------------------------------------------------------------------------------------

HS3_FIT = {  # reliability.md §3 (lavaan 0.6.14); rmsea_p_close from fitMeasures()
    "chi2": 85.30552177,
    "df": 24,
    "p_value": 8.502553e-09,
    "baseline_chi2": 918.8515893,
    "baseline_df": 36,
    "cfi": 0.9305596518,
    "tli": 0.8958394777,
    "nfi": 0.9071607180,
    "rmsea": 0.09212148451,
    "rmsea_ci_low": 0.07141849044,
    "rmsea_ci_high": 0.1136780168,
    "rmsea_p_close": 0.000661236778052,
    "srmr": 0.06520505718,
    "gfi": 0.9433320613,
    "agfi": 0.8937476149,
}
HS3_STD = [
    0.7718804204,
    0.4236009920,
    0.5811323239,
    0.8515822224,
    0.8550654464,
    0.8380100739,
    0.5695146840,
    0.7230444328,
    0.6650092188,
]
# parameterEstimates(): estimate, se (expected information)
HS3_LOAD = {
    "x2": (0.553500293764, 0.0996651187683),
    "x3": (0.729370209767, 0.1091097031200),
    "x5": (1.113076578119, 0.0654201086096),
    "x6": (0.926146236632, 0.0554488562420),
    "x8": (1.179950839471, 0.1649865720210),
    "x9": (1.081530156859, 0.1511674380857),
}
HS3_THETA = {
    "x1": (0.549053973199, 0.1136009232641),
    "x2": (1.133839016484, 0.1017233709560),
    "x3": (0.844324045708, 0.0906231835368),
    "x4": (0.371172992837, 0.0477177909892),
    "x5": (0.446255070260, 0.0583927754760),
    "x6": (0.356202664279, 0.0430349678664),
    "x7": (0.799391638325, 0.0813815590556),
    "x8": (0.487697083769, 0.0741940912520),
    "x9": (0.566131293574, 0.0707369371034),
}
HS3_PHI = {
    ("visual", "visual"): (0.809315981091, 0.1454624074143),
    ("textual", "textual"): (0.979491372860, 0.1121058493014),
    ("speed", "speed"): (0.383747649264, 0.0862091944289),
    ("visual", "textual"): (0.408232442096, 0.0735238821959),
    ("visual", "speed"): (0.262224602049, 0.0562763994995),
    ("textual", "speed"): (0.173494684581, 0.0493146604470),
}
HS3_COR = {("visual", "textual"): 0.458509300356, ("visual", "speed"): 0.470534544464, ("textual", "speed"): 0.282984730416}


def test_hs3_fit_indices(hs3):
    for name, ref in HS3_FIT.items():
        got = getattr(hs3, name)
        if name == "p_value" or name == "rmsea_p_close":
            assert got == pytest.approx(ref, rel=TOL), name
        else:
            assert got == pytest.approx(ref, abs=TOL), name
    assert hs3.df == 24 and hs3.npar == 21 and hs3.n == 301 and hs3.n_rows == 301
    assert hs3.converged and not hs3.heywood and hs3.missing == "listwise"


def test_hs3_information_criteria(hs3):
    assert hs3.logl == pytest.approx(-3737.744927, abs=TOL_LL)
    assert hs3.aic == pytest.approx(7517.489853, abs=TOL_LL)
    assert hs3.bic == pytest.approx(7595.339169, abs=TOL_LL)


def test_hs3_standardized_loadings(hs3):
    lo = hs3.loadings
    assert list(lo.columns) == ["factor", "item", "estimate", "se", "z", "p_value", "std_all"]
    assert list(lo["item"]) == [f"x{i}" for i in range(1, 10)]
    assert list(lo["factor"]) == ["visual"] * 3 + ["textual"] * 3 + ["speed"] * 3
    np.testing.assert_allclose(lo["std_all"], HS3_STD, atol=TOL)


def test_hs3_estimates_and_standard_errors(hs3):
    lo = hs3.loadings.set_index("item")
    for item in ("x1", "x4", "x7"):  # markers: fixed, no se
        assert lo.loc[item, "estimate"] == 1.0 and math.isnan(lo.loc[item, "se"])
    for item, (est, se) in HS3_LOAD.items():
        assert lo.loc[item, "estimate"] == pytest.approx(est, abs=TOL)
        assert lo.loc[item, "se"] == pytest.approx(se, rel=TOL)
        assert lo.loc[item, "z"] == pytest.approx(est / se, rel=2 * TOL)
    for item, (est, se) in HS3_THETA.items():
        assert hs3.residual_variances[item] == pytest.approx(est, abs=TOL)
    par = hs3.parameters
    theta = par[(par["op"] == "~~") & (par["lhs"] == par["rhs"]) & par["lhs"].str.startswith("x")]
    np.testing.assert_allclose(theta["se"], [v[1] for v in HS3_THETA.values()], rtol=TOL)
    for (f, g), (est, se) in HS3_PHI.items():
        row = par[(par["lhs"] == f) & (par["op"] == "~~") & (par["rhs"] == g)].iloc[0]
        assert row["estimate"] == pytest.approx(est, abs=TOL)
        assert row["se"] == pytest.approx(se, rel=TOL)
        assert hs3.factor_covariances.loc[f, g] == pytest.approx(est, abs=TOL)
    for (f, g), r in HS3_COR.items():
        assert hs3.factor_correlations.loc[f, g] == pytest.approx(r, abs=TOL)
        assert hs3.factor_correlations.loc[g, f] == pytest.approx(r, abs=TOL)
    # lavInspect(fit, "r2")
    np.testing.assert_allclose(hs3.r_squared, [0.596, 0.179, 0.338, 0.725, 0.731, 0.702, 0.324, 0.523, 0.442], atol=6e-4)


def test_hs3_p_values_two_sided_normal(hs3):
    lo = hs3.loadings.set_index("item")
    # lavaan: x2 p = 2.79844001305e-08, x8 p = 8.56426041196e-13
    assert lo.loc["x2", "p_value"] == pytest.approx(2.79844001305e-08, rel=1e-2)
    assert lo.loc["x8", "p_value"] == pytest.approx(8.56426041196e-13, rel=1e-2)


def test_hs3_std_lv(hs):
    res = cfa(hs, HS_MODEL, std_lv=True)
    assert res.chi2 == pytest.approx(HS3_FIT["chi2"], abs=TOL) and res.df == 24
    ref = [
        (0.899620313867, 0.0808465333987),
        (0.497940511109, 0.0774547818506),
        (0.656156092628, 0.0744212256975),
        (0.989693449094, 0.0566367179185),
        (1.101604650031, 0.0626757561169),
        (0.916600977759, 0.0536584940345),
        (0.619475433558, 0.0695825769016),
        (0.730948802915, 0.0659093164600),
        (0.669980108781, 0.0650169734599),
    ]
    np.testing.assert_allclose(res.loadings["estimate"], [r[0] for r in ref], atol=TOL)
    np.testing.assert_allclose(res.loadings["se"], [r[1] for r in ref], rtol=TOL)
    np.testing.assert_allclose(res.loadings["std_all"], HS3_STD, atol=TOL)
    par = res.parameters
    cov = par[(par["lhs"] == "visual") & (par["rhs"] == "textual")].iloc[0]
    assert cov["estimate"] == pytest.approx(0.458509799488, abs=TOL)
    assert cov["se"] == pytest.approx(0.0637792964474, rel=TOL)
    var = par[(par["lhs"] == "speed") & (par["rhs"] == "speed")].iloc[0]
    assert var["estimate"] == 1.0 and not var["free"] and math.isnan(var["se"])


def test_fit_table_and_verdicts(hs3):
    tab = hs3.fit_table()
    assert list(tab.index) == ["cfi", "tli", "rmsea", "srmr"]
    assert list(tab["cutoff"]) == [0.95, 0.95, 0.06, 0.08]
    # CFI .931, TLI .896, RMSEA .092 miss the cut-offs; SRMR .065 meets ≤ .08
    assert list(tab["verdict"]) == ["fail", "fail", "fail", "pass"]
    assert list(tab["passed"]) == [False, False, False, True]
    assert tab.loc["rmsea", "rule"] == "≤ 0.06" and tab.loc["cfi", "rule"] == "≥ 0.95"
    lax = fit_verdicts(hs3, {"cfi": (">=", 0.90), "rmsea": ("<=", 0.10)})
    assert list(lax["verdict"]) == ["pass", "pass"]
    assert FIT_CUTOFFS["srmr"] == ("<=", 0.08)
    with pytest.raises(ValueError, match="cfi"):
        fit_verdicts(hs3, {"cfi": (">", 0.9)})


# --------------------------------------------------------------------------------------------
# Further lavaan cases
# --------------------------------------------------------------------------------------------


def test_cross_loading_model(hs):
    """x9 loads on visual and speed (lavaan: 'visual =~ x1+x2+x3+x9 ... speed =~ x7+x8+x9')."""
    res = cfa(hs, {"visual": ["x1", "x2", "x3", "x9"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]})
    ref = {
        "chi2": 52.3821152685,
        "p_value": 4.44225407573e-04,
        "cfi": 0.966719077561,
        "tli": 0.947908121400,
        "rmsea": 0.0651469912856,
        "rmsea_ci_low": 0.0418009391568,
        "rmsea_ci_high": 0.0886307602155,
        "rmsea_p_close": 0.132600238491,
        "srmr": 0.0451286482871,
        "gfi": 0.964817323611,
        "agfi": 0.931164328805,
    }
    for name, value in ref.items():
        assert getattr(res, name) == pytest.approx(value, abs=TOL), name
    assert res.df == 23 and res.npar == 22
    assert res.aic == pytest.approx(7486.56644675, abs=TOL_LL)
    assert res.bic == pytest.approx(7568.12287258, abs=TOL_LL)
    lo = res.loadings
    assert len(lo) == 10
    x9 = lo[lo["item"] == "x9"].set_index("factor")
    assert x9.loc["visual", "estimate"] == pytest.approx(0.437092116474, abs=TOL)
    assert x9.loc["visual", "se"] == pytest.approx(0.0814354621135, rel=TOL)
    assert x9.loc["visual", "std_all"] == pytest.approx(0.383818005371, abs=TOL)
    assert x9.loc["speed", "estimate"] == pytest.approx(0.675398275113, abs=TOL)
    assert x9.loc["speed", "std_all"] == pytest.approx(0.446513367986, abs=TOL)
    assert res.residual_variances["x9"] == pytest.approx(0.558448634664, abs=TOL)
    assert list(res.residual_variances.index) == ["x1", "x2", "x3", "x9", "x4", "x5", "x6", "x7", "x8"]


def test_saturated_one_factor(hs):
    """Three items, one factor: df = 0; lavaan reports χ² 0, CFI = TLI = 1, RMSEA 0, p NA."""
    res = cfa(hs, {"textual": ["x4", "x5", "x6"]})
    assert res.df == 0 and res.npar == 6
    assert res.chi2 == pytest.approx(0.0, abs=1e-8)
    assert math.isnan(res.p_value) and math.isnan(res.rmsea_p_close)
    assert (res.cfi, res.tli, res.rmsea, res.rmsea_ci_low, res.rmsea_ci_high) == (1, 1, 0, 0, 0)
    assert res.agfi == 1.0 and res.gfi == pytest.approx(1.0, abs=1e-10)
    assert res.srmr == pytest.approx(0.0, abs=1e-6)
    assert res.baseline_chi2 == pytest.approx(497.430130189, abs=TOL)
    assert res.logl == pytest.approx(-1181.06483814, abs=TOL_LL)
    assert res.aic == pytest.approx(2374.12967629, abs=TOL_LL)
    assert res.bic == pytest.approx(2396.37233788, abs=TOL_LL)
    np.testing.assert_allclose(res.loadings["estimate"], [1, 1.132893631655, 0.924182620695], atol=TOL)
    np.testing.assert_allclose(res.loadings["se"].iloc[1:], [0.0670105025532, 0.0563831179648], rtol=TOL)
    np.testing.assert_allclose(res.loadings["std_all"], [0.847001075228, 0.865607125843, 0.831734766416], atol=TOL)
    assert res.factor_covariances.iloc[0, 0] == pytest.approx(0.968981332318, abs=TOL)


def test_one_factor_three_items_closed_form(hs):
    """Hand computation: with a marker, φ = s12·s13/s23, λ2 = s23/s13, λ3 = s23/s12,
    θ_i = s_ii − λ_i²φ, where S has divisor n."""
    X = hs[["x1", "x2", "x3"]].to_numpy()
    S = np.cov(X, rowvar=False, ddof=0)
    phi = S[0, 1] * S[0, 2] / S[1, 2]
    lam = np.array([1.0, S[1, 2] / S[0, 2], S[1, 2] / S[0, 1]])
    theta = np.diag(S) - lam**2 * phi
    res = cfa(hs, {"visual": ["x1", "x2", "x3"]})
    np.testing.assert_allclose(res.loadings["estimate"], lam, rtol=1e-7)
    np.testing.assert_allclose(res.residual_variances, theta, rtol=1e-6)
    assert res.factor_covariances.iloc[0, 0] == pytest.approx(phi, rel=1e-6)
    np.testing.assert_allclose(res.implied_cov.to_numpy(), S, atol=1e-9)
    np.testing.assert_allclose(res.loadings["std_all"], lam * math.sqrt(phi) / np.sqrt(np.diag(S)), rtol=1e-7)


LIKERT_ROWS = """
    433123 444314 222132 333534 45443. 444544 332223 5.3333 233443 231322 332323 423324
    424234 422232 22221. 233231 234111 2331.3 533434 555534 433333 444555 343342 432432
    333534 543334 233.44 434433 3532.4 435444 .45344 332435 133322 222334 13341. 221212
    24533. 534342 .35354 433545 543423 543224 444.35 132221 221332 335344 332221 .21233
    111111 221343 443323 44455. 434555 213242 312443 344344 23322. 423333 444344 232535
    3443.2 443445 222322 342532 443.54 432334 423344 331443 543334 3.4344 333553 333454
    444443 223443 211222 321112 44241. 242212 .25445 132221 433554 223332 332312 431333
    131333 3434.5 434242 334444 442455 423323 242123 422433 224554 454443 33.323 343543
    .34132 333443 422.32 343333 453.22 213232 334244 334444 443223 332232 555444 555334
    133221 332433 333221 353434 323334 322352 555333 333332 43.344 233342 112111 334122
    233322 454333 544435 453434 441322 233221 334423 243313 324433 322232 532344 342243
    22223. 343344 554445 423213 334.22 345244 223333 332142 333211 422542 322111 534334
    44.444 323334 132554 122113 233232 444545 323121 232232 223343 22334. 224143 55412.
    332224 442343 232221 344344 533344 334533 433321 345112 .21321 322223 212332 .33343
    332343 4.4443 231555 223422 443211 323423 434544 433332 111.21 2.5332 1.1333 444213
    214323 332113 444433 533333 1.4533 312323 122333 112222 555334 333435 443223 112.32
    544543 543343 453323 333423 5543.5 213334 553555 122111 13.322 233121 421322 123313
    532343 221212 322332 121131 55.455 433232 524555 414554 445.33 111121 244333 323234
    222121 453444 523554 2.2233 433433 232322 1222.3 111211 243143 222253 212332 555555
    543423 342123 444344 444442 345335 2.2321 443333 .43333 332223 423344 554455 322223
"""  # 240 respondents × q1..q6, "." = missing; 194 complete rows


def likert_frame() -> pd.DataFrame:
    rows = LIKERT_ROWS.split()
    data = [[np.nan if c == "." else float(c) for c in r] for r in rows]
    return pd.DataFrame(data, columns=[f"q{j}" for j in range(1, 7)])


LIKERT_MODEL = {"A": ["q1", "q2", "q3"], "B": ["q4", "q5", "q6"]}
LIKERT_FIT = {
    "chi2": 15.7613970505,
    "p_value": 0.0459253953159,
    "baseline_chi2": 377.590061523,
    "cfi": 0.978594567601,
    "tli": 0.959864814252,
    "rmsea": 0.0707170429344,
    "rmsea_ci_low": 0.00921104700793,
    "rmsea_ci_high": 0.122040600614,
    "rmsea_p_close": 0.219390309886,
    "srmr": 0.0433045527612,
    "gfi": 0.973060355856,
    "agfi": 0.929283434121,
}


@pytest.mark.parametrize("std_lv", [False, True])
def test_likert_with_missing_values_listwise(std_lv):
    frame = likert_frame()
    assert len(frame) == 240 and frame.isna().any(axis=1).sum() == 46
    res = cfa(frame, LIKERT_MODEL, std_lv=std_lv)
    assert res.n == 194 and res.n_rows == 240 and res.df == 8 and res.npar == 13
    for name, value in LIKERT_FIT.items():
        assert getattr(res, name) == pytest.approx(value, abs=TOL), name
    assert res.logl == pytest.approx(-1586.42414753, abs=TOL_LL)
    assert res.aic == pytest.approx(3198.84829505, abs=TOL_LL)
    assert res.bic == pytest.approx(3241.33045112, abs=TOL_LL)
    np.testing.assert_allclose(
        res.loadings["std_all"],
        [0.765400902457, 0.654940957404, 0.638375320278, 0.758690637534, 0.696704045846, 0.808528426376],
        atol=TOL,
    )
    assert res.factor_correlations.loc["A", "B"] == pytest.approx(0.670640254159, abs=TOL)
    if std_lv:
        np.testing.assert_allclose(
            res.loadings["estimate"],
            [0.881574721174, 0.682959460338, 0.649006516863, 0.888357050470, 0.785927629550, 0.910119134238],
            atol=TOL,
        )
        np.testing.assert_allclose(
            res.loadings["se"],
            [0.0836469337147, 0.0769380507767, 0.0752643691346, 0.0794089650757, 0.0779547622713, 0.0752550015375],
            rtol=TOL,
        )
    else:
        np.testing.assert_allclose(
            res.loadings["se"].to_numpy()[[1, 2, 4, 5]],
            [0.1056879427815, 0.1021185222040, 0.1013150905213, 0.1075839463179],
            rtol=TOL,
        )
        np.testing.assert_allclose(
            res.residual_variances,
            [0.549427389680, 0.620956480055, 0.612375241191, 0.581848399556, 0.654849094085, 0.438768263844],
            atol=TOL,
        )


# --------------------------------------------------------------------------------------------
# Heywood case (hand computation)
# --------------------------------------------------------------------------------------------


def exact_sample(cov: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """n rows whose covariance (divisor n) is exactly ``cov``."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, cov.shape[0]))
    Z -= Z.mean(axis=0)
    Z = Z @ np.linalg.inv(np.linalg.cholesky(Z.T @ Z / n)).T
    return Z @ np.linalg.cholesky(cov).T


def test_heywood_case_flagged():
    """r12 = r13 = .8, r23 = .5: the saturated one-factor model needs λ1² = r12·r13/r23 = 1.28,
    so θ1 = 1 − 1.28 = −0.28 (a negative residual variance, std loading sqrt(1.28) > 1)."""
    R = np.array([[1, 0.8, 0.8], [0.8, 1, 0.5], [0.8, 0.5, 1]])
    frame = pd.DataFrame(exact_sample(R, 200), columns=["a", "b", "c"])
    with pytest.warns(UserWarning, match="Heywood"):
        res = cfa(frame, {"f": ["a", "b", "c"]})
    assert res.heywood and res.heywood_items == ("a",)
    assert res.residual_variances["a"] == pytest.approx(-0.28, abs=1e-6)
    assert res.loadings["std_all"].iloc[0] == pytest.approx(math.sqrt(1.28), abs=1e-6)
    assert res.converged


def test_no_heywood_in_clean_model(hs3):
    assert not hs3.heywood and hs3.heywood_items == ()
    assert hs3.flags == () and not hs3.improper and hs3.max_latent_correlation == 0.95


def test_heywood_case_structured_flags():
    """Same hand case: θ_a = −0.28 and std loading sqrt(1.28) = 1.1314 on the only factor."""
    R = np.array([[1, 0.8, 0.8], [0.8, 1, 0.5], [0.8, 0.5, 1]])
    frame = pd.DataFrame(exact_sample(R, 200), columns=["a", "b", "c"])
    with pytest.warns(UserWarning, match="Heywood"):
        res = cfa(frame, {"f": ["a", "b", "c"]})
    kinds = [f.kind for f in res.flags]
    assert kinds == ["negative_residual_variance", "standardized_loading_above_1"]
    neg, load = res.flags
    assert (neg.item, neg.factors, neg.improper) == ("a", ("f",), True)
    assert neg.value == pytest.approx(-0.28, abs=1e-6)
    assert (load.item, load.factors) == ("a", ("f",))
    assert load.value == pytest.approx(math.sqrt(1.28), abs=1e-6)
    assert res.improper
    assert describe_flags(res, {"f": "Service", "a": "Staff"}) == [
        "item Staff of Service is a Heywood case: negative residual variance (-0.28), "
        "standardized loading 1.13 — the solution is improper"
    ]


IMPROPER_MODEL = {f: [f"{f}{i}" for i in (1, 2, 3)] for f in ("IMAG", "EXPE", "QUAL", "SAT", "LOY")}
IMPROPER_NAMES = {"IMAG": "Image", "EXPE": "Expectations", "QUAL": "Quality", "SAT": "Satisfaction", "LOY": "Loyalty"}


@pytest.fixture(scope="module")
def improper():
    frame = pd.read_csv(Path(__file__).parent / "data" / "cfa_improper.csv")
    with pytest.warns(UserWarning, match="Heywood"):
        return cfa(frame, IMPROPER_MODEL)


def test_improper_solution_matches_lavaan(improper):
    """The engine still reproduces lavaan on an improper solution (tolerances of note §3)."""
    res = improper
    ref = {
        "chi2": 84.0733835872,
        "p_value": 0.35597560096,
        "cfi": 0.997406249151,
        "tli": 0.996595702011,
        "rmsea": 0.0142712711194,
        "srmr": 0.0368261024808,
    }
    for name, value in ref.items():
        assert getattr(res, name) == pytest.approx(value, abs=TOL), name
    assert res.df == 80 and res.n == 250 and res.converged
    np.testing.assert_allclose(
        res.loadings["std_all"],
        [
            0.790876241566,
            0.701671734114,
            0.757968083032,
            0.627146551414,
            0.727372926556,
            0.59671140745,
            0.705146663307,
            0.683138821417,
            0.748142713524,
            0.837558950576,
            0.784957382514,
            0.744204999774,
            1.00722315173,
            0.550127319897,
            0.477552307755,
        ],
        atol=TOL,
    )
    np.testing.assert_allclose(
        res.residual_variances,
        [
            0.974601085387,
            1.18754316866,
            0.966870690282,
            1.30170757939,
            1.15301436538,
            1.61922616408,
            1.31681815588,
            1.17352068664,
            1.09877653219,
            0.749819612134,
            0.94102706471,
            1.11025031696,
            -0.0379347336513,
            1.70964741745,
            1.63202557368,
        ],
        atol=TOL,
    )
    cor = res.factor_correlations
    assert cor.loc["EXPE", "QUAL"] == pytest.approx(1.07419100468, abs=TOL)
    assert cor.loc["IMAG", "SAT"] == pytest.approx(0.96592754929, abs=TOL)
    np.testing.assert_allclose(
        np.diag(res.factor_covariances), [1.62770238055, 0.843891623706, 1.30231766021, 1.76218092827, 2.65439801111], atol=TOL
    )


def test_improper_solution_flags(improper):
    """(a) Φ not positive definite (lavaan's warning; smallest eigenvalue of cor.lv −0.0761),
    (b) the Heywood item LOY1, (c) EXPE–QUAL 1.074 and IMAG–SAT 0.966 above 0.95."""
    res = improper
    assert [f.kind for f in res.flags] == [
        "latent_not_positive_definite",
        "negative_residual_variance",
        "standardized_loading_above_1",
        "high_latent_correlation",
        "high_latent_correlation",
    ]
    assert all(f.kind in FLAG_KINDS for f in res.flags)
    npd, neg, load, eq, is_ = res.flags
    assert npd.factors == ("EXPE", "QUAL") and npd.value == pytest.approx(-0.0760928332639, abs=TOL)
    assert (neg.item, neg.factors) == ("LOY1", ("LOY",))
    assert neg.value == pytest.approx(-0.0379347336513, abs=TOL)
    assert load.value == pytest.approx(1.00722315173, abs=TOL)
    assert eq.factors == ("EXPE", "QUAL") and eq.value == pytest.approx(1.07419100468, abs=TOL)
    assert eq.improper
    assert is_.factors == ("IMAG", "SAT") and is_.value == pytest.approx(0.96592754929, abs=TOL)
    assert not is_.improper
    assert res.improper and res.heywood and res.heywood_items == ("LOY1",)


def test_improper_flags_in_plain_words(improper):
    en = describe_flags(improper, IMPROPER_NAMES)
    assert en == [
        "the factor model is improper: the latent correlations of Expectations and Quality are "
        "impossible together (not positive definite; smallest eigenvalue -0.076)",
        "item LOY1 of Loyalty is a Heywood case: negative residual variance (-0.04), "
        "standardized loading 1.01 — the solution is improper",
        "customers do not distinguish Expectations from Quality (latent correlation 1.07, above 1: the solution is improper)",
        "customers do not distinguish Image from Satisfaction (latent correlation 0.97)",
    ]
    fa_names = {"IMAG": "تصویر", "EXPE": "انتظارات", "QUAL": "کیفیت", "SAT": "رضایت", "LOY": "وفاداری", "LOY1": "توصیه به دیگران"}
    fa = describe_flags(improper.flags, fa_names.get, language="fa")
    assert fa[3] == "مشتریان «تصویر» را از «رضایت» تمیز نمی‌دهند (همبستگی پنهان ۰٫۹۷)"
    assert fa[1].startswith("پرسش «توصیه به دیگران» از «وفاداری» حالت هی‌وود دارد")
    assert "−۰٫۰۷۶" in fa[0] and "۱٫۰۷" in fa[2]
    assert describe_flags([], IMPROPER_NAMES) == []
    flag = SolutionFlag("negative_latent_variance", ("SAT",), -0.05)
    assert describe_flags([flag]) == ["the factor model is improper: SAT has a negative variance (-0.05)"]
    with pytest.raises(ValueError, match="language"):
        describe_flags([flag], language="de")


def test_latent_correlation_cut_off(hs):
    """HS3 latent correlations (lavaan): visual–textual .459, visual–speed .471, textual–speed
    .283; with a cut-off of .45 the two above it are flagged, the larger first."""
    res = cfa(hs, HS_MODEL, max_latent_correlation=0.45)
    assert [(f.factors, round(f.value, 3)) for f in res.flags] == [(("visual", "speed"), 0.471), (("visual", "textual"), 0.459)]
    assert not res.improper
    with pytest.raises(ValueError, match="max_latent_correlation"):
        cfa(hs, HS_MODEL, max_latent_correlation=1.5)


# --------------------------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------------------------


def test_unknown_item_named(hs):
    with pytest.raises(ValueError, match="x99"):
        cfa(hs, {"visual": ["x1", "x2", "x99"]})


def test_one_item_factor(hs):
    with pytest.raises(ValueError, match="factor 'speed' has 1 item"):
        cfa(hs, {"visual": ["x1", "x2", "x3"], "speed": ["x7"]})


def test_constant_and_all_missing_items(hs):
    frame = hs[["x1", "x2", "x3"]].copy()
    frame["k"] = 3.0
    with pytest.raises(ValueError, match="'?k'? .*no variance|k.*constant"):
        cfa(frame, {"f": ["x1", "x2", "x3", "k"]})
    frame["k"] = np.nan
    with pytest.raises(ValueError, match="k"):
        cfa(frame, {"f": ["x1", "x2", "x3", "k"]})


def test_non_numeric_item(hs):
    frame = hs[["x1", "x2", "x3"]].copy()
    frame["txt"] = pd.Series(["a", "b"] * 150 + ["a"], dtype="string")
    with pytest.raises(ValueError, match="txt"):
        cfa(frame, {"f": ["x1", "x2", "txt"]})


def test_n_not_above_free_parameters(hs):
    small = hs.iloc[:20]  # 21 free parameters in the three-factor model
    with pytest.raises(ValueError, match="free parameters"):
        cfa(small, HS_MODEL)


def test_not_identified(hs):
    with pytest.raises(ValueError, match="not identified"):
        cfa(hs, {"f": ["x1", "x2"]})  # 4 free parameters, 3 moments


def test_bad_options(hs):
    with pytest.raises(ValueError, match="estimator"):
        cfa(hs, HS_MODEL, estimator="WLSMV")
    with pytest.raises(ValueError, match="missing"):
        cfa(hs, HS_MODEL, missing="ml")
    with pytest.raises(ValueError, match="dict"):
        cfa(hs, [["x1", "x2", "x3"]])
    with pytest.raises(ValueError, match="DataFrame"):
        cfa(hs.to_numpy(), HS_MODEL)
    with pytest.raises(ValueError, match="twice"):
        cfa(hs, {"f": ["x1", "x2", "x2"]})
    with pytest.raises(ValueError, match="x1"):
        cfa(hs, {"x1": ["x1", "x2", "x3"]})
    with pytest.raises(ValueError, match="list of column names"):
        cfa(hs, {"f": "x1"})


def test_input_not_modified(hs):
    frame = hs[[f"x{i}" for i in range(1, 10)]].copy()
    before = frame.copy()
    cfa(frame, HS_MODEL)
    pd.testing.assert_frame_equal(frame, before)


# --------------------------------------------------------------------------------------------
# Invariants
# --------------------------------------------------------------------------------------------


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    scales=st.lists(st.floats(0.05, 50), min_size=9, max_size=9), shifts=st.lists(st.floats(-100, 100), min_size=9, max_size=9)
)
def test_scale_invariance(hs, hs3, scales, shifts):
    """ML CFA is scale free: rescaling and shifting items leaves χ², fit and std loadings."""
    items = [f"x{i}" for i in range(1, 10)]
    frame = hs[items] * np.array(scales) + np.array(shifts)
    res = cfa(frame, HS_MODEL)
    assert res.converged
    assert res.chi2 == pytest.approx(hs3.chi2, rel=1e-7)
    assert res.srmr == pytest.approx(hs3.srmr, rel=1e-6)
    np.testing.assert_allclose(res.loadings["std_all"], hs3.loadings["std_all"], atol=1e-7)
    np.testing.assert_allclose(res.residual_variances / np.array(scales) ** 2, hs3.residual_variances, rtol=1e-6)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31 - 1), std_lv=st.booleans())
def test_marker_and_std_lv_same_fit_under_permutation(hs, hs3, seed, std_lv):
    """Row order and the identification choice do not change the fit or the std solution."""
    perm = np.random.default_rng(seed).permutation(len(hs))
    res = cfa(hs.iloc[perm], HS_MODEL, std_lv=std_lv)
    assert res.chi2 == pytest.approx(hs3.chi2, rel=1e-7)
    np.testing.assert_allclose(res.loadings["std_all"], hs3.loadings["std_all"], atol=1e-6)
    np.testing.assert_allclose(res.factor_correlations, hs3.factor_correlations, atol=1e-6)


def test_empirically_unidentified_factor_warns():
    """A two-item factor uncorrelated with the rest is not identified (only λ_d·λ_e·φ is):
    the fit is still exact, the information matrix is singular, so the SEs are NaN."""
    R = np.full((5, 5), 0.0)
    R[:3, :3] = 0.49
    R[3, 4] = R[4, 3] = 0.5
    np.fill_diagonal(R, 1.0)
    frame = pd.DataFrame(exact_sample(R, 300, seed=3), columns=list("abcde"))
    with pytest.warns(UserWarning, match="singular"):
        res = cfa(frame, {"F1": ["a", "b", "c"], "F2": ["d", "e"]})
    assert res.chi2 == pytest.approx(0.0, abs=1e-8) and res.df == 4
    assert res.loadings["se"].isna().all()
    std = res.loadings.set_index("item")["std_all"]
    np.testing.assert_allclose(std[["a", "b", "c"]], 0.7, atol=1e-6)
    assert std["d"] * std["e"] == pytest.approx(0.5, abs=1e-6)  # only the product is fixed
    assert res.factor_correlations.loc["F1", "F2"] == pytest.approx(0.0, abs=1e-6)
