"""EFA, rotations, KMO, Bartlett, parallel analysis and polychoric helpers against R psych.

Public case C (Holzinger–Swineford x1..x9, n = 301) values come from the method note
``reliability.md`` §3 (psych 2.5.3) with its tolerances (1e-6 closed form; 1e-4 loadings, RMSEA,
TLI; 2e-3 absolute EFA χ²). Values marked "psych 2.2.9" were computed with R 4.2.2 / psych 2.2.9 /
GPArotation 2022.10-2 (Debian bookworm) on the data built below (the fixture, or deterministic
derivations of it without random numbers).
"""

from __future__ import annotations

import importlib
import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import multivariate_normal

from csmlib.stats.factor_extraction import cor_smooth
from csmlib.stats.factor_rotation import oblimin, promax, varimax
from csmlib.stats.polychoric import bivariate_normal_cdf
from csmlib.stats.reliability import bartlett, efa, kmo, parallel_analysis

from tests.holzinger import likert, load_items, with_missing


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return load_items()


def match_columns(actual: np.ndarray, expected: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Column permutation and signs that bring ``actual`` closest to ``expected``."""
    m = expected.shape[1]
    best = None
    for perm in itertools.permutations(range(m)):
        cand = actual[:, perm]
        signs = np.sign(np.sum(cand * expected, axis=0))
        err = np.max(np.abs(cand * signs - expected))
        if best is None or err < best[0]:
            best = (err, list(perm), signs)
    return best[1], best[2]


def assert_loadings(actual: np.ndarray, expected: np.ndarray, atol: float):
    perm, signs = match_columns(actual, expected)
    np.testing.assert_allclose(actual[:, perm] * signs, expected, atol=atol)


# note §3: loadings (F1 = textual, F2 = visual, F3 = speed)
OBLIMIN = np.array(
    [
        [0.1964, 0.5916, 0.0309],
        [0.0430, 0.5089, -0.1223],
        [-0.0623, 0.6859, 0.0190],
        [0.8461, 0.0163, 0.0077],
        [0.8855, -0.0646, 0.0067],
        [0.8053, 0.0796, -0.0130],
        [0.0438, -0.1523, 0.7365],
        [-0.0340, 0.1251, 0.6865],
        [0.0318, 0.3823, 0.4564],
    ]
)
VARIMAX = np.array(
    [
        [0.2794, 0.6128, 0.1522],
        [0.1023, 0.4938, -0.0301],
        [0.0381, 0.6598, 0.1292],
        [0.8320, 0.1606, 0.0994],
        [0.8591, 0.0884, 0.0888],
        [0.7990, 0.2137, 0.0854],
        [0.0930, -0.0822, 0.7093],
        [0.0513, 0.1710, 0.6988],
        [0.1298, 0.4146, 0.5212],
    ]
)
H2 = {
    "minres": [0.4768, 0.2552, 0.4535, 0.7279, 0.7537, 0.6914, 0.5186, 0.5202, 0.4605],
    "ml": [0.4875, 0.2513, 0.4572, 0.7208, 0.7571, 0.6948, 0.4978, 0.5314, 0.4568],
    "pa": [0.4769, 0.2556, 0.4530, 0.7283, 0.7531, 0.6916, 0.5119, 0.5245, 0.4608],
}


# --------------------------------------------------------------------------------------------
# Case C: EFA
# --------------------------------------------------------------------------------------------


def test_case_c_efa_fit(hs):
    res = efa(hs, 3)
    assert res.chi2 == pytest.approx(22.55504917, abs=2e-3)
    assert res.df == 12
    assert res.p_value == pytest.approx(0.03174990593, abs=1e-5)
    assert res.rmsea == pytest.approx(0.05395501072, abs=1e-4)
    assert (res.rmsea_ci_low, res.rmsea_ci_high) == pytest.approx((0.01570591857, 0.08818697237), abs=1e-4)
    assert res.tli == pytest.approx(0.9632651375, abs=1e-4)
    assert res.bic == pytest.approx(-45.930274, abs=2e-3)
    assert (res.n, res.k, res.missing, res.method, res.rotation) == (301, 9, "pairwise", "minres", "oblimin")
    assert not res.heywood and res.converged


def test_case_c_phi_follows_the_factor_order(hs):
    res = efa(hs, 3)
    L = res.loadings.to_numpy()
    perm, signs = match_columns(L, OBLIMIN)  # reference order: textual, visual, speed
    phi = res.phi.to_numpy()[np.ix_(perm, perm)] * np.outer(signs, signs)
    assert phi[0, 1] == pytest.approx(0.3229063318, abs=1e-4)  # φ(MR1 textual, MR3 visual)
    assert phi[0, 2] == pytest.approx(0.2133400726, abs=1e-4)  # φ(MR1 textual, MR2 speed)
    assert phi[1, 2] == pytest.approx(0.2607851620, abs=1e-4)  # φ(MR3 visual, MR2 speed)
    # factors are sorted by the variance they explain, diag(Φ L'L), as psych
    explained = np.diag(phi @ L.T @ L)
    ss = res.variance.loc["ss_loadings"].to_numpy()
    assert np.all(np.diff(ss) <= 0)
    np.testing.assert_allclose(res.structure.to_numpy(), L @ res.phi.to_numpy(), atol=1e-12)
    assert explained.sum() == pytest.approx(ss.sum())


def test_case_c_loadings_oblimin_and_varimax(hs):
    assert_loadings(efa(hs, 3).loadings.to_numpy(), OBLIMIN, atol=1e-4)
    vm = efa(hs, 3, rotation="varimax")
    assert_loadings(vm.loadings.to_numpy(), VARIMAX, atol=1e-4)
    np.testing.assert_allclose(vm.phi.to_numpy(), np.eye(3))


@pytest.mark.parametrize("method", ["minres", "ml", "pa"])
def test_case_c_communalities(hs, method):
    res = efa(hs, 3, method=method)
    # published with 4 decimals
    np.testing.assert_allclose(res.communalities, H2[method], atol=1e-4)
    np.testing.assert_allclose(res.uniquenesses, 1 - res.communalities.to_numpy(), atol=1e-15)


def test_oblique_communalities_are_diag_l_phi_lt(hs):
    """factor_analyzer's defect: Σ pattern² is not h² for oblique rotations."""
    base = efa(hs, 3, rotation=None).communalities.to_numpy()
    for rotation in ("oblimin", "varimax", "promax"):
        res = efa(hs, 3, rotation=rotation)
        L, phi = res.loadings.to_numpy(), res.phi.to_numpy()
        np.testing.assert_allclose(res.communalities, np.diag(L @ phi @ L.T), atol=1e-12)
        np.testing.assert_allclose(res.communalities, base, atol=1e-10)
    pattern_rows = np.sum(efa(hs, 3).loadings.to_numpy() ** 2, axis=1)
    assert np.max(np.abs(pattern_rows - base)) > 0.05


def test_case_c_promax_matches_psych(hs):
    """psych 2.2.9 fa(x, 3, rotate="promax") (Kaiser-normalised Promax, m = 4)."""
    expected = np.array(
        [
            [0.15708482, 0.03881147, 0.59803560],
            [0.00997204, -0.12025561, 0.53086418],
            [-0.10931405, 0.02793171, 0.69888419],
            [0.84948976, 0.00716201, 0.00462424],
            [0.89460752, 0.00517164, -0.07831884],
            [0.80434266, -0.01334729, 0.07185248],
            [0.04675981, 0.75870645, -0.22894254],
            [-0.04974489, 0.71042936, 0.06014535],
            [0.00139529, 0.47578282, 0.34448318],
        ]
    )
    res = efa(hs, 3, rotation="promax")
    L = res.loadings.to_numpy()
    assert_loadings(L, expected, atol=1e-4)
    perm, signs = match_columns(L, expected)
    phi = res.phi.to_numpy()[np.ix_(perm, perm)] * np.outer(signs, signs)
    np.testing.assert_allclose(phi[np.tril_indices(3, -1)], [0.2573688584, 0.3914289693, 0.3499208837], atol=1e-4)


def test_heywood_case_is_flagged(hs):
    """4 factors on case C: psych's minres stops x7 at the 0.005 bound (h² 0.9965)."""
    with pytest.warns(UserWarning, match="Heywood case.*x7"):
        res = efa(hs, 4)
    assert res.heywood and res.heywood_items == ("x7",)
    assert res.communalities["x7"] == pytest.approx(0.996544165320, abs=1e-3)


def test_case_c_eigenvalues(hs):
    ev = efa(hs, 1).eigenvalues
    np.testing.assert_allclose(ev.iloc[:3], [3.216344181, 1.638713222, 1.365159348], atol=1e-6)


# --------------------------------------------------------------------------------------------
# Case C: KMO and Bartlett
# --------------------------------------------------------------------------------------------


def test_case_c_kmo(hs):
    res = kmo(hs)
    assert res.overall == pytest.approx(0.7522445926, abs=1e-6)
    np.testing.assert_allclose(
        res.per_item, [0.805021, 0.777938, 0.734303, 0.763262, 0.738724, 0.807559, 0.593047, 0.682938, 0.787865], atol=1e-6
    )
    assert res.label == "middling"
    assert res.per_item_label["x7"] == "miserable" and res.per_item_label["x6"] == "meritorious"
    assert (res.n, res.k, res.missing) == (301, 9, "pairwise")


def test_case_c_bartlett(hs):
    res = bartlett(hs)
    assert res.chi2 == pytest.approx(904.097051, abs=1e-6)
    assert res.df == 36
    assert res.p_value == pytest.approx(1.912079e-166, rel=1e-6)
    assert res.n == 301


# --------------------------------------------------------------------------------------------
# Missing data (psych 2.2.9 on with_missing(hs): pairwise R, n = 301 rows)
# --------------------------------------------------------------------------------------------


def test_kmo_bartlett_with_missing_values(hs):
    data = with_missing(hs)
    k = kmo(data)
    assert k.overall == pytest.approx(0.746002990954, abs=1e-6)
    np.testing.assert_allclose(
        k.per_item,
        [
            0.788839511195,
            0.769702784562,
            0.721461501600,
            0.764189542036,
            0.749155842855,
            0.798352584766,
            0.583499348425,
            0.663917796946,
            0.786990218014,
        ],
        atol=1e-6,
    )
    b = bartlett(data)
    assert b.chi2 == pytest.approx(918.893002106, abs=1e-6)
    assert b.p_value == pytest.approx(1.54234708869e-169, rel=1e-6)
    assert b.n == 301 and np.isfinite(b.chi2)
    lw = bartlett(data, missing="listwise")
    assert lw.n == 164 and lw.chi2 < b.chi2  # fewer rows → smaller statistic
    assert kmo(data, missing="listwise").n == 164


def test_efa_with_missing_values(hs):
    data = with_missing(hs)
    res = efa(data, 3)
    assert res.chi2 == pytest.approx(26.100451337, abs=2e-3)
    assert (res.rmsea, res.rmsea_ci_low, res.rmsea_ci_high) == pytest.approx(
        (0.0623915478474, 0.0291208950347, 0.0955454507013), abs=1e-4
    )
    assert res.tli == pytest.approx(0.951748665873, abs=1e-4)
    assert res.bic == pytest.approx(-42.38487184, abs=2e-3)
    np.testing.assert_allclose(
        res.communalities,
        [
            0.521038262849,
            0.246419636132,
            0.425278213497,
            0.731761944481,
            0.746739159571,
            0.704853466866,
            0.505056153692,
            0.587232212622,
            0.426924601266,
        ],
        atol=1e-4,
    )
    assert res.n == 301
    ml = efa(data, 2, method="ml", rotation="promax")
    assert ml.chi2 == pytest.approx(140.505794595, abs=2e-3)
    assert abs(ml.phi.iloc[0, 1]) == pytest.approx(0.448090330462, abs=1e-4)
    assert (ml.rmsea, ml.rmsea_ci_low, ml.rmsea_ci_high) == pytest.approx(
        (0.145722036489, 0.123918577653, 0.169090764259), abs=1e-4
    )


def test_likert_efa_pa_varimax_and_ml_oblimin(hs):
    """psych 2.2.9: fa(likert, 3, fm="pa", rotate="varimax") and fm="ml", rotate="oblimin"."""
    data = likert(hs)
    pa = efa(data, 3, method="pa", rotation="varimax")
    np.testing.assert_allclose(
        pa.communalities,
        [
            0.469967795265,
            0.224273649163,
            0.442927303945,
            0.604180055548,
            0.719756984638,
            0.712821898600,
            0.456302041494,
            0.445383968408,
            0.458970551562,
        ],
        atol=1e-6,
    )
    assert pa.chi2 == pytest.approx(28.231971313, abs=1e-5)
    ml = efa(data, 3, method="ml")
    assert (ml.chi2, ml.p_value, ml.rmsea, ml.rmsea_ci_low, ml.rmsea_ci_high, ml.tli, ml.bic) == pytest.approx(
        (
            27.84896261469290,
            0.00582042935106,
            0.06615730652563,
            0.03402026472470,
            0.09891686016335,
            0.93626904444148,
            -40.63636056229359,
        ),
        abs=1e-4,
    )
    phi = np.sort(ml.phi.to_numpy()[np.tril_indices(3, -1)])
    np.testing.assert_allclose(phi, np.sort([0.349898450138, 0.154656628761, 0.269517435834]), atol=1e-4)


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def test_factor_validation(hs):
    with pytest.raises(ValueError, match="const have no variance"):
        efa(hs.assign(const=1.0), 2)
    with pytest.raises(ValueError, match="const have no variance"):
        kmo(hs.assign(const=1.0))
    with pytest.raises(ValueError, match="const"):
        bartlett(hs.assign(const=1.0))
    with pytest.raises(ValueError, match="n_factors"):
        efa(hs, 9)
    with pytest.raises(ValueError, match="n_factors"):
        efa(hs, 0)
    with pytest.raises(ValueError, match="rotation"):
        efa(hs, 2, rotation="quartimax")
    with pytest.raises(ValueError, match="method"):
        efa(hs, 2, method="gls")
    with pytest.raises(ValueError, match="'name' is not numeric"):
        kmo(hs.assign(name="a"))
    with pytest.raises(ValueError, match="x5 have no observed values"):
        bartlett(hs.assign(x5=np.nan))
    with pytest.raises(ValueError, match="singular"):
        kmo(hs.assign(total=hs["x1"] + hs["x2"]))


def test_saturated_model_has_undefined_fit(hs):
    with pytest.warns(UserWarning, match="df = 0"):
        res = efa(hs[["x1", "x2", "x3"]], 1)
    assert res.df == 0 and np.isnan(res.rmsea) and np.isnan(res.tli)


# --------------------------------------------------------------------------------------------
# Parallel analysis
# --------------------------------------------------------------------------------------------


def test_parallel_analysis(hs):
    data = likert(hs)
    res = parallel_analysis(data, n_iter=50, seed=11)
    again = parallel_analysis(data, n_iter=50, seed=11)
    pd.testing.assert_frame_equal(res.eigenvalues, again.eigenvalues)
    # psych 2.2.9 fa.parallel(likert): 3 factors, 3 components; observed factor eigenvalues
    assert (res.n_factors, res.n_components) == (3, 3)
    np.testing.assert_allclose(
        res.eigenvalues["observed_fa"],
        [
            2.4694076134221,
            0.8866460720782,
            0.4411158516061,
            -0.0481617923819,
            -0.0982838256464,
            -0.1546210037799,
            -0.2705970891558,
            -0.3426017770223,
            -0.4134992960150,
        ],
        atol=1e-4,
    )
    np.testing.assert_allclose(res.eigenvalues["observed_pc"], efa(data, 1).eigenvalues.to_numpy(), atol=1e-12)
    # random data: simulated eigenvalues centred near 1 (components), first one above 1
    sim = res.eigenvalues["simulated_pc_mean"]
    assert sim.iloc[0] > 1 > sim.iloc[-1] and sim.sum() == pytest.approx(9, abs=1e-9)
    mean_based = parallel_analysis(data, n_iter=50, seed=11, quantile=None)
    assert mean_based.quantile is None and mean_based.n_factors >= res.n_factors
    assert parallel_analysis(with_missing(hs), n_iter=10, seed=1).n == 301


def test_planted_structure_is_recovered():
    rng = np.random.default_rng(4)
    f = rng.normal(size=(800, 3))
    x = np.repeat(f, 4, axis=1) * 0.75 + rng.normal(scale=0.65, size=(800, 12))
    frame = pd.DataFrame(x, columns=[f"q{j}" for j in range(12)])
    assert parallel_analysis(frame, n_iter=30, seed=2).n_factors == 3
    L = efa(frame, 3).loadings.to_numpy()
    dominant = np.argmax(np.abs(L), axis=1).reshape(3, 4)
    assert all(len(set(row)) == 1 for row in dominant) and len({r[0] for r in dominant}) == 3


# --------------------------------------------------------------------------------------------
# Rotation and numerical helpers
# --------------------------------------------------------------------------------------------


def test_rotations_preserve_the_common_part(hs):
    L = efa(hs, 3, rotation=None).loadings.to_numpy()
    common = L @ L.T
    v = varimax(L)
    np.testing.assert_allclose(v.loadings @ v.loadings.T, common, atol=1e-12)
    for rot in (oblimin(L), promax(L)):
        np.testing.assert_allclose(rot.loadings @ rot.phi @ rot.loadings.T, common, atol=1e-10)
        np.testing.assert_allclose(np.diag(rot.phi), 1.0, atol=1e-12)
    assert oblimin(L).converged and v.converged


def test_bivariate_normal_cdf_matches_scipy():
    worst = 0.0
    for r in (-0.97, -0.8, -0.5, 0.0, 0.2, 0.5, 0.8, 0.93, 0.999):
        h = np.array([-2.1, -0.3, 0.0, 0.7, 1.9])
        k = np.array([0.4, -1.2, 2.5, 0.7, -0.1])
        ref = [multivariate_normal(cov=[[1, r], [r, 1]]).cdf([a, b]) for a, b in zip(h, k)]
        worst = max(worst, np.max(np.abs(bivariate_normal_cdf(h, k, r) - ref)))
    assert worst < 1e-7
    edge = bivariate_normal_cdf([np.inf, -np.inf, 0.5, np.inf], [0.0, 1.0, np.inf, np.inf], 0.3)
    np.testing.assert_allclose(edge, [0.5, 0.0, 0.6914624612740131, 1.0])


def test_cor_smooth_makes_a_correlation_matrix_positive_definite():
    bad = np.array([[1.0, 0.9, 0.9], [0.9, 1.0, -0.9], [0.9, -0.9, 1.0]])
    with pytest.warns(UserWarning, match="smoothed"):
        good = cor_smooth(bad)
    assert np.linalg.eigvalsh(good).min() > 0
    np.testing.assert_allclose(np.diag(good), 1.0)
    ok = np.eye(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cor_smooth(ok) is ok


def test_factor_results_serialise_to_json(hs):
    import json

    from csmlib.core.results import to_jsonable

    for res in (efa(hs, 3), kmo(hs), bartlett(hs), parallel_analysis(hs, n_iter=5, seed=0)):
        payload = to_jsonable(res)
        json.dumps(payload, allow_nan=False)
        assert payload["n"] == 301 and payload["missing"] == "pairwise"


# Public names of the modules before they were split (csmlib.MOVED keeps the flat paths too).
PUBLIC_BEFORE_SPLIT = {
    "csmlib.stats.reliability": (
        "AlphaResult GuttmanResult OmegaResult OrdinalAlphaResult EFAResult KMOResult BartlettResult "
        "ParallelAnalysisResult cronbach_alpha guttman item_statistics omega ordinal_alpha reverse_items "
        "reverse_keying_flags is_small_sample SMALL_SAMPLE_N SMALL_SAMPLE_ROWS_PER_ITEM efa kmo bartlett "
        "parallel_analysis CFAResult cfa fit_verdicts"
    ),
    "csmlib.stats.factor": (
        "MISSING_MODES ItemData prepare_items load_items Moments moments correlation EFAResult efa kaiser_label "
        "KMOResult kmo BartlettResult bartlett ParallelAnalysisResult parallel_analysis match_dimensions"
    ),
    "csmlib.stats.cfa": "FLAG_KINDS MAX_LATENT_CORRELATION FIT_CUTOFFS SolutionFlag CFAResult fit_verdicts describe_flags cfa",
}


@pytest.mark.parametrize("module", sorted(PUBLIC_BEFORE_SPLIT))
def test_public_names_still_import_from_the_split_modules(module):
    """Each name is in ``__all__``; a re-exported function or class is the very object of its home."""
    mod = importlib.import_module(module)
    for name in PUBLIC_BEFORE_SPLIT[module].split():
        assert name in mod.__all__, name
        obj = getattr(mod, name)
        home = getattr(obj, "__module__", None)  # None for constants
        if home is not None and home != module:
            assert getattr(importlib.import_module(home), name) is obj, f"{module}.{name} vs {home}"
