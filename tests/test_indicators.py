"""csmlib.stats.indicators: means, box scores, NPS, CES, CSI, comparisons, breakdowns, planning, loyalty.

Reference values: hand computations written out in the tests, published examples (Newcombe 1998
Wilson and hybrid-score intervals; the classic n = 385 / 278 sample sizes), R 4.2 (stats
``t.test``, ``prop.test(correct=FALSE)``, ``p.adjust``; survey 4.1-1 ``svymean``), statsmodels
(``proportion_confint``, ``confint_proportions_2indep``, ``multipletests``) and scipy.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint, proportions_ztest

from csmlib.stats.indicators import (
    LOYALTY_SEGMENTS,
    CSIResult,
    Estimate,
    NPSResult,
    adjust_pvalues,
    bottom_box,
    breakdown,
    ces,
    ces_agree,
    compare,
    compare_table,
    csi,
    loyalty_segment_of,
    loyalty_segments,
    margin_of_error,
    mean_score,
    nps,
    nps_sample_size,
    relative_weights,
    sample_size,
    top_box,
)

Z95 = 1.959963984540054


# ------------------------------------------------------------------------------- mean score


def test_mean_score_by_hand_and_r_t_test():
    r = mean_score(pd.Series([4, 5, 3, 4, 2], name="q1"))
    assert isinstance(r, Estimate) and r.metric == "mean" and r.ci_method == "t"
    assert r.estimate == pytest.approx(3.6)
    # s² = (0.16 + 1.96 + 0.36 + 0.16 + 2.56)/4 = 1.3
    assert r.se == pytest.approx(math.sqrt(1.3 / 5))
    # R: t.test(c(4,5,3,4,2))$conf.int
    assert r.ci_low == pytest.approx(2.18428522301773, abs=1e-10)
    assert r.ci_high == pytest.approx(5.01571477698227, abs=1e-10)
    assert (r.n, r.n_eff, r.deff, r.level) == (5, 5.0, 1.0, 0.95)


def test_mean_score_weighted_matches_r_svymean():
    y = [3, 5, 4, 2, 5, 1, 4, 4, 3, 5, 2, 4]
    w = [1.2, 0.8, 1.5, 2.0, 0.5, 1.0, 1.1, 0.9, 1.3, 0.7, 1.6, 1.4]
    r = mean_score(y, weights=w)
    assert r.estimate == pytest.approx(3.23571428571429, abs=1e-12)  # R svymean
    assert r.se == pytest.approx(0.358755239190013, abs=1e-12)  # R SE(svymean)
    t = 2.200985160082949  # qt(.975, 11)
    assert r.ci_low == pytest.approx(3.23571428571429 - t * 0.358755239190013, abs=1e-10)
    wa = np.array(w)
    assert r.n_eff == pytest.approx(wa.sum() ** 2 / (wa**2).sum())
    assert r.deff == pytest.approx(12 / r.n_eff)


def test_mean_score_excludes_missing_and_validates():
    r = mean_score(pd.Series([4, np.nan, 2, None], name="q7"))
    assert r.n == 2 and r.estimate == pytest.approx(3.0)
    with pytest.raises(ValueError, match="'q7' has no valid"):
        mean_score(pd.Series([np.nan, np.nan], name="q7"))
    with pytest.raises(ValueError, match="'q7' is not numeric"):
        mean_score(pd.Series(["a", "b"], name="q7"))
    with pytest.raises(ValueError, match="'q7' has answers outside the scale 1–5"):
        mean_score(pd.Series([1, 6, 3], name="q7"), scale=(1, 5))
    with pytest.raises(ValueError, match="weight column 'wt'"):
        mean_score([1, 2, 3], weights=pd.Series([1, -1, 1], name="wt"))
    with pytest.warns(UserWarning, match="only 1 valid answer"):
        r1 = mean_score([4.0, np.nan])
    assert r1.estimate == 4.0 and math.isnan(r1.se) and math.isnan(r1.ci_low)


def test_weights_series_aligned_by_index():
    x = pd.Series([5.0, 1.0, 3.0], index=[10, 11, 12], name="q")
    w = pd.Series([3.0, 1.0, 1.0, 100.0], index=[10, 11, 12, 13], name="weight")
    assert mean_score(x, weights=w).estimate == pytest.approx((15 + 1 + 3) / 5)
    with pytest.raises(ValueError, match="index of weight column"):
        mean_score(x, weights=pd.Series([1.0, 1, 1], index=[1, 2, 3], name="weight"))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=3, max_size=60), st.lists(st.integers(0, 10), min_size=3, max_size=60))
def test_unit_weights_reproduce_unweighted(xs, ys):
    x = np.array(xs, dtype=float)
    y = np.array(ys, dtype=float)
    ones_x, ones_y = np.ones(x.size), np.ones(y.size)
    for f, kw in ((mean_score, {}), (top_box, {"scale_max": 5}), (bottom_box, {"scale_min": 1})):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a, b = f(x, **kw), f(x, weights=ones_x, **kw)
        for field in ("estimate", "se", "ci_low", "ci_high", "n_eff", "deff"):
            assert getattr(a, field) == pytest.approx(getattr(b, field), nan_ok=True)
    for ci in ("adjusted_wald", "wald"):
        a, b = nps(y, ci=ci), nps(y, weights=ones_y, ci=ci)
        for field in ("nps", "se", "ci_low", "ci_high", "promoters", "detractors"):
            assert getattr(a, field) == pytest.approx(getattr(b, field), abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(1, 7), min_size=3, max_size=50), st.floats(0.1, 5.0))
def test_scaling_weights_changes_nothing(xs, c):
    rng = np.random.default_rng(len(xs))
    w = rng.uniform(0.2, 3.0, len(xs))
    a, b = mean_score(xs, weights=w), mean_score(xs, weights=c * w)
    assert a.estimate == pytest.approx(b.estimate) and a.se == pytest.approx(b.se, abs=1e-12)


# ------------------------------------------------------------------------------- box scores


@pytest.mark.parametrize(
    "count, n, lo, hi", [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)]
)
def test_top_box_wilson_matches_newcombe_1998(count, n, lo, hi):
    x = np.r_[np.full(count, 5.0), np.full(n - count, 3.0)]
    r = top_box(x, scale_max=5, boxes=1)
    assert r.estimate == pytest.approx(count / n)
    assert (round(r.ci_low, 4), round(r.ci_high, 4)) == (lo, hi)
    assert r.ci_method == "wilson" and r.metric == "top_box"


def test_top_box_by_hand():
    x = pd.Series([5, 4, 3, 5, 2, 4, 1, 5, 4, 3, np.nan], name="sat")
    r = top_box(x, scale_max=5)  # 4–5: 6 of 10
    assert r.estimate == pytest.approx(0.6) and r.n == 10
    assert r.se == pytest.approx(math.sqrt(0.24 / 10))
    z2 = Z95**2
    centre = (0.6 + z2 / 20) / (1 + z2 / 10)
    half = Z95 / (1 + z2 / 10) * math.sqrt(0.024 + z2 / 400)
    assert r.ci_low == pytest.approx(centre - half) and r.ci_high == pytest.approx(centre + half)
    assert top_box(x, scale_max=5, boxes=1).estimate == pytest.approx(0.3)
    assert top_box(x, scale_max=5, boxes=3).estimate == pytest.approx(0.8)
    with pytest.raises(ValueError, match="'sat' has answers outside the scale –4"):
        top_box(x, scale_max=4)
    with pytest.raises(ValueError, match="'sat' has answers outside the scale 2–5"):
        top_box(x, scale_max=5, scale_min=2)


@pytest.mark.parametrize("method, sm", [("wald", "normal"), ("agresti_coull", "agresti_coull"), ("clopper_pearson", "beta")])
def test_top_box_other_intervals_match_statsmodels(method, sm):
    x = np.r_[np.full(7, 5.0), np.full(18, 2.0)]
    r = top_box(x, scale_max=5, ci=method)
    lo, hi = proportion_confint(7, 25, method=sm)
    assert r.ci_low == pytest.approx(max(lo, 0.0), abs=1e-10)
    assert r.ci_high == pytest.approx(hi, abs=1e-10)


def test_weighted_top_box_uses_kish_n_eff():
    x = np.array([5, 4, 2, 1, 5, 3])
    w = np.array([2.0, 1.0, 1.0, 3.0, 0.5, 1.5])
    r = top_box(x, scale_max=5, weights=w)
    p = (2.0 + 1.0 + 0.5) / 9.0
    m = 81.0 / (4 + 1 + 1 + 9 + 0.25 + 2.25)
    assert r.estimate == pytest.approx(p) and r.n == 6 and r.n_eff == pytest.approx(m)
    assert r.se == pytest.approx(math.sqrt(p * (1 - p) / m))
    lo, hi = proportion_confint(p * m, m, method="wilson")
    assert (r.ci_low, r.ci_high) == (pytest.approx(lo), pytest.approx(hi))


def test_bottom_box_by_hand():
    x = pd.Series([5, 4, 3, 5, 2, 4, 1, 5, 4, 3], name="q")
    r = bottom_box(x, scale_min=1)
    assert r.metric == "bottom_box" and r.estimate == pytest.approx(0.2)
    lo, hi = proportion_confint(2, 10, method="wilson")
    assert (r.ci_low, r.ci_high) == (pytest.approx(lo), pytest.approx(hi))
    with pytest.raises(ValueError, match="'q' has answers outside"):
        bottom_box(x, scale_min=2)


# ------------------------------------------------------------------------------- NPS

NPS_X = [10, 9, 9, 8, 7, 6, 3, 10, 9, 5]  # P: 10, 9, 9, 10, 9 → 5; D: 6, 3, 5 → 3


def test_nps_by_hand():
    r = nps(pd.Series(NPS_X, name="rec"), ci="wald")
    assert isinstance(r, NPSResult) and r.estimate == r.nps
    assert (r.promoters, r.passives, r.detractors) == (pytest.approx(0.5), pytest.approx(0.2), pytest.approx(0.3))
    assert r.nps == pytest.approx(20.0)
    se = 100 * math.sqrt((0.5 + 0.3 - 0.2**2) / 10)  # 27.568…
    assert r.se == pytest.approx(se)
    assert r.ci_low == pytest.approx(20 - Z95 * se) and r.ci_high == pytest.approx(20 + Z95 * se)
    a = nps(NPS_X)  # adjusted Wald (default)
    pa, da = 5.75 / 13, 3.75 / 13
    se_a = math.sqrt((pa + da - (pa - da) ** 2) / 13)
    assert a.ci_method == "adjusted_wald" and a.nps == pytest.approx(20.0) and a.se == r.se
    assert a.ci_low == pytest.approx(100 * (pa - da - Z95 * se_a))
    assert a.ci_high == pytest.approx(100 * (pa - da + Z95 * se_a))


def test_nps_adjusted_wald_informative_when_all_promoters():
    r = nps([9, 10, 10, 9, 10])
    assert r.nps == 100 and r.se == 0
    pa, da = 5.75 / 8, 0.75 / 8
    se_a = math.sqrt((pa + da - (pa - da) ** 2) / 8)
    assert r.ci_low == pytest.approx(100 * (pa - da - Z95 * se_a)) and r.ci_low < 60
    assert r.ci_high == 100.0  # clipped
    w = nps([9, 10, 10, 9, 10], ci="wald")
    assert w.ci_low == w.ci_high == 100.0


def test_nps_se_against_bootstrap_of_codes():
    rng = np.random.default_rng(11)
    x = rng.choice(np.arange(11), 500, p=[0.03] * 7 + [0.1, 0.19, 0.25, 0.25])
    r = nps(x)
    code = np.where(x >= 9, 1.0, np.where(x <= 6, -1.0, 0.0))
    boot = np.array([code[rng.integers(0, 500, 500)].mean() for _ in range(4000)]) * 100
    # Monte-Carlo SE of a bootstrap SD with B = 4000 is ≈ SE/sqrt(2B) ≈ 1.1 %; allow 5 %
    assert r.se == pytest.approx(boot.std(ddof=1), rel=0.05)
    b = nps(x, ci="bootstrap", n_boot=4000, seed=5)
    assert b.ci_method == "bootstrap" and b.n_boot == 4000
    assert b.ci_low == pytest.approx(np.quantile(boot, 0.025), abs=1.5)
    assert b.ci_high == pytest.approx(np.quantile(boot, 0.975), abs=1.5)
    assert nps(x, ci="bootstrap", seed=5).ci_low == nps(x, ci="bootstrap", seed=5).ci_low


def test_nps_weighted_by_hand_and_weighted_bootstrap():
    x = np.array([10, 9, 7, 3, 6, 8])
    w = np.array([1.0, 2.0, 1.0, 0.5, 1.5, 2.0])
    r = nps(x, weights=w, ci="wald")
    p, d = 3.0 / 8.0, 2.0 / 8.0
    m = 64.0 / (1 + 4 + 1 + 0.25 + 2.25 + 4)
    assert r.promoters == pytest.approx(p) and r.detractors == pytest.approx(d)
    assert r.nps == pytest.approx(12.5) and r.n_eff == pytest.approx(m) and r.n == 6
    assert r.se == pytest.approx(100 * math.sqrt((p + d - (p - d) ** 2) / m))
    b = nps(x, weights=w, ci="bootstrap", n_boot=500, seed=1)
    assert -100 <= b.ci_low < 12.5 < b.ci_high <= 100


def test_nps_bad_input():
    with pytest.raises(ValueError, match="'rec' has answers outside the scale 0–10"):
        nps(pd.Series([3, 11], name="rec"))
    with pytest.raises(ValueError, match="'rec' has non-integer answers"):
        nps(pd.Series([3, 8.5], name="rec"))
    with pytest.raises(ValueError, match="'rec' has no valid"):
        nps(pd.Series([np.nan, np.nan], name="rec"))
    with pytest.raises(ValueError, match="ci must be one of"):
        nps([1, 2], ci="exact")


def test_nps_sample_size():
    assert nps_sample_size(10) == math.ceil(Z95**2 / 0.01)  # 384.1 → 385
    assert nps_sample_size(5, promoters=0.4, detractors=0.2) == math.ceil(Z95**2 * (0.6 - 0.04) / 0.0025)


# ------------------------------------------------------------------------------- CES


def test_ces_mean_and_share_agree():
    x = pd.Series([7, 6, 5, 6, 3, 7, 2, 4], name="effort")
    r = ces(x)
    assert r.metric == "ces" and r.estimate == pytest.approx(40 / 8)
    assert r.se == pytest.approx(np.std(x, ddof=1) / math.sqrt(8))
    a = ces_agree(x)
    assert a.metric == "ces_agree" and a.estimate == pytest.approx(5 / 8)
    lo, hi = proportion_confint(5, 8, method="wilson")
    assert (a.ci_low, a.ci_high) == (pytest.approx(lo), pytest.approx(hi))
    with pytest.raises(ValueError, match="'effort' has answers outside the scale 1–5"):
        ces(x, scale=(1, 5))
    with pytest.raises(ValueError, match="give agree_min"):
        ces_agree([1, 2, 3], scale=(1, 5))
    assert ces_agree([1, 2, 3, 4], scale=(1, 5), agree_min=4).estimate == pytest.approx(0.25)


# ------------------------------------------------------------------------------- CSI

CSI_DF = pd.DataFrame({"q1": [8, 9, 7, 10, 6], "q2": [6, 8, 7, 9, 5], "q3": [3, 4, 5, 4, np.nan]})


def test_csi_equal_weights_by_hand():
    r = csi(CSI_DF, ["q1", "q2"], scale=(1, 10))
    assert isinstance(r, CSIResult) and r.importance == "equal"
    xi = np.array([7.0, 8.5, 7.0, 9.5, 5.5])  # row means
    assert r.estimate == pytest.approx(100 * (xi.mean() - 1) / 9)  # 100·(7.5 − 1)/9
    se = 100 * np.std(xi, ddof=1) / (math.sqrt(5) * 9)
    assert r.se == pytest.approx(se)
    t = stats.t.ppf(0.975, 4)
    assert r.ci_low == pytest.approx(r.estimate - t * se)
    assert r.n == 5 and list(r.item_weights) == [0.5, 0.5]


def test_csi_stated_importance_mixed_scales_and_complete_cases():
    imp = pd.Series({"q1": 3.0, "q3": 1.0})
    r = csi(CSI_DF, ["q1", "q3"], importance=imp, scale={"q1": (1, 10), "q3": (1, 5)})
    # complete cases: first four rows; ξ = 0.75·q1 + 0.25·q3
    xi = 0.75 * np.array([8, 9, 7, 10]) + 0.25 * np.array([3, 4, 5, 4])
    lo, hi = 0.75 * 1 + 0.25 * 1, 0.75 * 10 + 0.25 * 5
    assert r.n == 4 and r.importance == "stated"
    assert r.estimate == pytest.approx(100 * (xi.mean() - lo) / (hi - lo))
    assert r.se == pytest.approx(100 * np.std(xi, ddof=1) / (2 * (hi - lo)))
    assert r.item_weights["q1"] == pytest.approx(0.75)
    with pytest.raises(ValueError, match="negative importance"):
        csi(CSI_DF, ["q1", "q2"], importance=pd.Series({"q1": 1.0, "q2": -0.2}))
    with pytest.raises(ValueError, match="no importance given.*q2"):
        csi(CSI_DF, ["q1", "q2"], importance=pd.Series({"q1": 1.0}))
    with pytest.raises(ValueError, match="'q3' has answers outside the scale 5–10"):
        csi(CSI_DF, ["q1", "q3"], scale=(5, 10))


def test_csi_weighted_unit_weights_equal_unweighted():
    a = csi(CSI_DF, ["q1", "q2"])
    b = csi(CSI_DF, ["q1", "q2"], weights=np.ones(5))
    assert (a.estimate, a.se, a.ci_low) == (pytest.approx(b.estimate), pytest.approx(b.se), pytest.approx(b.ci_low))


def test_relative_weights_two_predictor_closed_form():
    # For two items with correlation r: Λ½ = [[a, b], [b, a]], a = (√(1+r) + √(1−r))/2,
    # b = (√(1+r) − √(1−r))/2; β = Λ½⁻¹ r_xy; ε_j = Σ_k Λ½_jk² β_k².
    rng = np.random.default_rng(2)
    x1 = rng.normal(size=300)
    x2 = 0.6 * x1 + rng.normal(size=300)
    y = x1 + 0.5 * x2 + rng.normal(size=300)
    df = pd.DataFrame({"x1": x1, "x2": x2, "y": y})
    C = np.corrcoef(np.c_[x1, x2, y], rowvar=False)
    r, ry = C[0, 1], C[:2, 2]
    a = (math.sqrt(1 + r) + math.sqrt(1 - r)) / 2
    b = (math.sqrt(1 + r) - math.sqrt(1 - r)) / 2
    det = a * a - b * b
    beta = np.array([a * ry[0] - b * ry[1], -b * ry[0] + a * ry[1]]) / det
    eps = np.array([a * a * beta[0] ** 2 + b * b * beta[1] ** 2, b * b * beta[0] ** 2 + a * a * beta[1] ** 2])
    got = relative_weights(df, ["x1", "x2"], "y")
    np.testing.assert_allclose(got.to_numpy(), eps, rtol=1e-10)
    X = np.c_[np.ones(300), x1, x2]
    res = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
    r2 = 1 - res @ res / np.sum((y - y.mean()) ** 2)
    assert got.sum() == pytest.approx(r2, rel=1e-10)  # Σε = R²


def test_relative_weights_orthogonal_items_equal_squared_correlations():
    x1 = np.array([1, -1, 1, -1, 1, -1, 1, -1.0])
    x2 = np.array([1, 1, -1, -1, 1, 1, -1, -1.0])  # exactly uncorrelated
    y = np.array([3, 1, 2, 0, 4, 1, 2, 1.0])
    df = pd.DataFrame({"a": x1, "b": x2, "y": y})
    got = relative_weights(df, ["a", "b"], "y")
    np.testing.assert_allclose(got, [np.corrcoef(x1, y)[0, 1] ** 2, np.corrcoef(x2, y)[0, 1] ** 2], rtol=1e-10)
    r = csi(df.assign(a=x1 + 2, b=x2 + 2), ["a", "b"], importance="derived", outcome="y", scale=(1, 3))
    np.testing.assert_allclose(r.item_weights, got / got.sum())
    assert r.importance == "derived" and "fixed" in r.ci_method
    with pytest.raises(ValueError, match="needs the outcome"):
        csi(df, ["a", "b"], importance="derived", scale=(-1, 1))


def test_relative_weights_have_one_implementation():
    """The CSI's items-first form is the drivers' relative weights on the complete cases."""
    from csmlib.stats.relative_weights import relative_weights as driver_form

    rng = np.random.default_rng(8)
    df = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "y"])
    df.loc[[3, 7], "a"] = np.nan
    w = rng.uniform(0.5, 2.0, size=60)
    got = relative_weights(df, ["a", "b"], "y", weights=w)
    keep = df.notna().all(axis=1).to_numpy()
    ref = driver_form(df[keep], "y", ["a", "b"], weights=w[keep])
    assert got.name == "relative_weight" and list(got.index) == ["a", "b"]
    np.testing.assert_array_equal(got.to_numpy(), ref.to_numpy())


@pytest.mark.parametrize("front", ["csmlib.stats.indicators", "csmlib.stats.drivers"])
def test_front_doors_reexport_the_homes(front):
    """Every function and class of the two front-door modules is defined in its home module."""
    import importlib

    module = importlib.import_module(front)
    for name in module.__all__:
        obj = getattr(module, name)
        if callable(obj):
            assert obj.__module__ != front, name
            assert getattr(importlib.import_module(obj.__module__), obj.__name__) is obj, name


# ------------------------------------------------------------------------------- compare

A = [4, 5, 3, 4, 5, 4, 2, 5]
B = [3, 2, 4, 3, 3, 2, 4]


def test_compare_means_matches_r_welch_t_test():
    c = compare(pd.Series(A), pd.Series(B), metric="mean")
    # R: t.test(A, B) (Welch)
    assert c.statistic == pytest.approx(2.04939015319192, abs=1e-10)
    assert c.df == pytest.approx(12.8048780487805, abs=1e-9)
    assert c.p_value == pytest.approx(0.0614881787431733, abs=1e-10)
    assert c.ci_low == pytest.approx(-0.0557871750608137, abs=1e-10)
    assert c.ci_high == pytest.approx(2.05578717506081, abs=1e-10)
    assert c.difference == pytest.approx(np.mean(A) - np.mean(B)) and c.test == "welch_t"
    assert (c.n_a, c.n_b) == (8, 7)


def test_compare_top_box_matches_prop_test_and_newcombe():
    a = np.r_[np.full(45, 5), np.full(35, 3)]
    b = np.r_[np.full(30, 4), np.full(45, 2)]
    c = compare(a, b, metric="top_box", scale_max=5)
    # R: prop.test(c(45, 30), c(80, 75), correct = FALSE): X-squared = 4.09296875
    assert c.statistic**2 == pytest.approx(4.09296875, rel=1e-10)
    assert c.p_value == pytest.approx(0.0430619433595326, rel=1e-9)
    assert c.test == "two_proportion_z" and c.ci_method == "newcombe"
    lo, hi = confint_proportions_2indep(45, 80, 30, 75, method="newcomb", compare="diff")
    assert (c.ci_low, c.ci_high) == (pytest.approx(lo), pytest.approx(hi))
    assert proportions_ztest([45, 30], [80, 75])[0] == pytest.approx(c.statistic)


@pytest.mark.parametrize(
    "xa, na, xb, nb, lo, hi",
    [
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),
    ],
)
def test_compare_top_box_newcombe_published_examples(xa, na, xb, nb, lo, hi):
    a = np.r_[np.full(xa, 5), np.full(na - xa, 1)]
    b = np.r_[np.full(xb, 5), np.full(nb - xb, 1)]
    c = compare(a, b, metric="top_box", scale_max=5, boxes=1)
    assert (round(c.ci_low, 4), round(c.ci_high, 4)) == (lo, hi)  # Newcombe (1998) method 10


def test_compare_nps_by_hand():
    a = [10, 9, 9, 8, 7, 6, 3, 10, 9, 5]  # NPS 20, SE² = 1e4·0.76/10
    b = [10, 6, 5, 8, 7, 6]  # p = 1/6, d = 3/6 → NPS −33.3
    c = compare(a, b, metric="nps")
    va = 1e4 * 0.76 / 10
    pb, db = 1 / 6, 3 / 6
    vb = 1e4 * (pb + db - (pb - db) ** 2) / 6
    diff = 20 - 100 * (pb - db)
    assert c.difference == pytest.approx(diff)
    assert c.statistic == pytest.approx(diff / math.sqrt(va + vb))
    assert c.p_value == pytest.approx(2 * stats.norm.sf(abs(diff / math.sqrt(va + vb))))
    assert c.ci_low == pytest.approx(diff - Z95 * math.sqrt(va + vb))
    assert c.test == "nps_z"


def test_compare_degenerate_and_bad_input():
    with pytest.warns(UserWarning, match="Welch test is undefined"):
        c = compare([3, 3, 3], [4, 4, 4])
    assert math.isnan(c.p_value) and c.difference == pytest.approx(-1)
    with pytest.warns(UserWarning, match="two-proportion z test is undefined"):
        compare([5, 5], [4, 5], metric="top_box", scale_max=5, boxes=2)
    with pytest.raises(ValueError, match="needs scale_max"):
        compare([1], [2], metric="top_box")
    with pytest.raises(ValueError, match="metric must be"):
        compare([1], [2], metric="median")


# ------------------------------------------------------------------------------- multiplicity

P6 = [0.01, 0.04, 0.03, 0.005, 0.20, 0.049]


def test_adjust_pvalues_match_r_p_adjust():
    np.testing.assert_allclose(adjust_pvalues(P6, "holm"), [0.05, 0.12, 0.12, 0.03, 0.2, 0.12])
    np.testing.assert_allclose(adjust_pvalues(P6, "fdr_bh"), [0.03, 0.0588, 0.0588, 0.03, 0.2, 0.0588])
    np.testing.assert_allclose(adjust_pvalues(P6, "bonferroni"), np.minimum(1, 6 * np.array(P6)))
    out = adjust_pvalues([0.01, np.nan, 0.04], "holm")
    assert math.isnan(out[1]) and out[0] == pytest.approx(0.02)  # m = 2


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=30), st.sampled_from(["holm", "fdr_bh"]))
def test_adjust_pvalues_agree_with_statsmodels(ps, method):
    np.testing.assert_allclose(adjust_pvalues(ps, method), multipletests(ps, method=method)[1], rtol=1e-12, atol=1e-15)


def test_compare_table_holm_and_missing_items():
    rng = np.random.default_rng(4)
    n = 200
    prev = pd.DataFrame({f"q{j}": rng.integers(1, 6, n).astype(float) for j in range(4)})
    cur = prev.sample(frac=1.0, random_state=1).reset_index(drop=True)
    cur["q0"] = np.clip(cur["q0"] - 1, 1, 5)  # a real drop in q0
    cur["q3"] = np.nan  # not asked this wave
    with pytest.warns(UserWarning, match="not tested") as rec:
        t = compare_table(cur, prev, ["q0", "q1", "q2", "q3", "q9"], adjust="holm")
    assert {"'q3' not tested", "'q9' not tested"} <= {
        m for r in rec for m in ("'q3' not tested", "'q9' not tested") if m in str(r.message)
    }
    assert list(t.columns) == [
        "item",
        "current",
        "previous",
        "difference",
        "ci_low",
        "ci_high",
        "statistic",
        "p_value",
        "p_adjusted",
        "significant",
        "n_current",
        "n_previous",
        "note",
    ]
    ref = [stats.ttest_ind(cur[q], prev[q], equal_var=False).pvalue for q in ("q0", "q1", "q2")]
    np.testing.assert_allclose(t["p_value"][:3], ref, rtol=1e-10)
    np.testing.assert_allclose(t["p_adjusted"][:3], multipletests(ref, method="holm")[1])
    assert t["significant"].tolist() == [True, False, False, False, False]
    assert t.attrs["m"] == 3
    assert "no valid" in t.loc[3, "note"] and "not in the current and previous" in t.loc[4, "note"]
    assert t.loc[0, "difference"] == pytest.approx(cur["q0"].mean() - prev["q0"].mean())
    tb = compare_table(cur, prev, ["q0", "q1"], metric="top_box", scale_max=5, adjust="fdr_bh")
    assert tb.loc[0, "current"] == pytest.approx((cur["q0"] >= 4).mean())


# ------------------------------------------------------------------------------- breakdown

SEG = pd.DataFrame(
    {
        "q": [4, 5, 3, 4, 2, 5, 1, np.nan, 5, 3],
        "rec": [10, 9, 3, 8, 6, 10, 2, 9, 7, 9],
        "seg": ["a", "a", "a", "b", "b", "b", "b", "b", "c", None],
        "w": [1.0, 2.0, 1.0, 1.0, 1.0, 3.0, 1.0, 1.0, 1.0, 1.0],
    }
)


def test_breakdown_means_by_hand_with_suppression():
    with pytest.warns(UserWarning, match="1 row"):
        t = breakdown(SEG, "q", "seg", min_n=2)
    assert list(t.columns[:7]) == ["segment", "n", "n_eff", "estimate", "ci_low", "ci_high", "suppressed"]
    assert t["segment"].tolist() == ["a", "b", "c"] and t["n"].tolist() == [3, 4, 1]
    assert t.loc[0, "estimate"] == pytest.approx(4.0)
    assert t.loc[1, "estimate"] == pytest.approx(3.0)  # b: 4, 2, 5, 1
    sd_b = np.std([4, 2, 5, 1], ddof=1)
    half = stats.t.ppf(0.975, 3) * sd_b / 2
    assert t.loc[1, "ci_low"] == pytest.approx(3.0 - half)
    assert t["suppressed"].tolist() == [False, False, True]
    assert t.loc[2, ["estimate", "ci_low", "ci_high", "se"]].isna().all()


def test_breakdown_weighted_top_box_and_nps_by_hand():
    with pytest.warns(UserWarning):
        t = breakdown(SEG, "q", "seg", metric="top_box", scale_max=5, weights="w", min_n=1)
    # b: q = 4 (w1), 2 (w1), 5 (w3), 1 (w1) → top-2 share (1 + 3)/6; n_eff = 36/12
    assert t.loc[1, "estimate"] == pytest.approx(4 / 6) and t.loc[1, "n_eff"] == pytest.approx(3)
    lo, hi = proportion_confint(4 / 6 * 3, 3, method="wilson")
    assert (t.loc[1, "ci_low"], t.loc[1, "ci_high"]) == (pytest.approx(lo), pytest.approx(hi))
    with pytest.warns(UserWarning):
        u = breakdown(SEG, "rec", "seg", metric="nps", min_n=1)
    # a: 10, 9, 3 → NPS 100·(2/3 − 1/3); b: 8, 6, 10, 2, 9 → 100·(2/5 − 2/5)
    assert u["estimate"].tolist()[:2] == [pytest.approx(100 / 3), pytest.approx(0.0)]


def test_breakdown_list_of_columns_and_categorical_order():
    df = SEG.dropna(subset=["seg"]).assign(seg=lambda d: pd.Categorical(d["seg"], categories=["c", "b", "a"]))
    t = breakdown(df, ["q", "rec"], "seg", min_n=1)
    assert t["item"].tolist() == ["q"] * 3 + ["rec"] * 3
    assert t["segment"].tolist()[:3] == ["c", "b", "a"]
    assert t.loc[5, "estimate"] == pytest.approx(np.mean([10, 9, 3]))


def test_breakdown_bad_input():
    one = pd.DataFrame({"q": [1, 2, 3], "seg": ["x", "x", "x"]})
    with pytest.raises(ValueError, match="'seg' has only one level"):
        breakdown(one, "q", "seg")
    with pytest.raises(ValueError, match="column 'zz' not in data"):
        breakdown(SEG, "zz", "seg")
    with pytest.raises(ValueError, match="weight column 'w'"):
        breakdown(SEG.assign(w=0.0), "q", "seg", weights="w")
    with pytest.raises(ValueError, match="'q' has no valid"), pytest.warns(UserWarning):
        breakdown(SEG.assign(q=np.nan), "q", "seg")


# ------------------------------------------------------------------------------- planning


def test_margin_of_error_and_sample_size_by_hand():
    assert margin_of_error(400) == pytest.approx(Z95 * math.sqrt(0.25 / 400))
    assert margin_of_error(400, population=1000) == pytest.approx(Z95 * math.sqrt(0.25 / 400) * math.sqrt(600 / 999))
    assert margin_of_error(400, deff=2.0) == pytest.approx(Z95 * math.sqrt(0.25 / 200))
    assert margin_of_error(100, p=0.2, level=0.9) == pytest.approx(stats.norm.ppf(0.95) * math.sqrt(0.16 / 100))
    # the classic values: ±5 % at 95 % → 385; N = 1000 → 278 (Krejcie & Morgan 1970 table)
    assert sample_size(0.05) == 385
    assert sample_size(0.05, population=1000) == 278
    assert sample_size(0.05, deff=1.5) == math.ceil(1.5 * Z95**2 * 0.25 / 0.0025)
    with pytest.raises(ValueError):
        sample_size(5)


@settings(max_examples=50, deadline=None)
@given(st.floats(0.01, 0.2), st.floats(0.05, 0.95), st.floats(1.0, 3.0), st.one_of(st.none(), st.integers(2_000, 1_000_000)))
def test_sample_size_reaches_its_margin_of_error(moe, p, deff, population):
    n = sample_size(moe, p=p, deff=deff, population=population)
    if population is not None and n > population:
        return
    assert margin_of_error(n, p=p, deff=deff, population=population) <= moe * (1 + 1e-9)
    if n > 2:
        assert margin_of_error(n - 1, p=p, deff=deff, population=population) > moe * (1 - 1e-3)


# ------------------------------------------------------------------------------- loyalty

LOY = pd.DataFrame(
    {"sat": [5, 5, 2, 1, 4, 5, 3, np.nan], "rec": [9, 3, 10, 2, 9, 10, 8, 7], "w": [1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0]}
)


def test_loyalty_segments_by_hand():
    lab = loyalty_segment_of(LOY, "sat", "rec", satisfaction_threshold=4, loyalty_threshold=9)
    assert lab.tolist()[:7] == ["loyal", "mercenary", "hostage", "at risk", "loyal", "loyal", "at risk"]
    assert pd.isna(lab.iloc[7])
    t = loyalty_segments(LOY, "sat", "rec", satisfaction_threshold=4, loyalty_threshold=9)
    assert t["segment"].tolist() == list(LOYALTY_SEGMENTS)
    assert t["n"].tolist() == [3, 1, 1, 2]
    np.testing.assert_allclose(t["share"], [3 / 7, 1 / 7, 1 / 7, 2 / 7])
    lo, hi = proportion_confint(3, 7, method="wilson")
    assert (t.loc[0, "ci_low"], t.loc[0, "ci_high"]) == (pytest.approx(lo), pytest.approx(hi))
    tw = loyalty_segments(LOY, "sat", "rec", satisfaction_threshold=4, loyalty_threshold=9, weights="w")
    np.testing.assert_allclose(tw["share"], [3 / 9, 2 / 9, 1 / 9, 3 / 9])
    assert tw.attrs["n_eff"] == pytest.approx(81 / 13)
    with pytest.raises(ValueError, match="'sat' has no valid"):
        loyalty_segments(LOY.assign(sat=np.nan), "sat", "rec", satisfaction_threshold=4, loyalty_threshold=9)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 7), min_size=3, max_size=40), st.lists(st.integers(1, 7), min_size=3, max_size=40))
def test_compare_means_agrees_with_scipy_welch(xs, ys):
    if len(set(xs)) < 2 or len(set(ys)) < 2:
        return
    c = compare(xs, ys, metric="mean")
    ref = stats.ttest_ind(xs, ys, equal_var=False)
    assert c.statistic == pytest.approx(ref.statistic, rel=1e-9)
    assert c.p_value == pytest.approx(ref.pvalue, rel=1e-7, abs=1e-300)


def test_nullable_integer_columns_are_read_with_missing_values():
    s = pd.Series([10, 9, None, 3, 8], dtype="Int64", name="rec")
    r = nps(s)
    assert r.n == 4 and r.nps == pytest.approx(100 * (2 / 4 - 1 / 4))
    assert mean_score(s).estimate == pytest.approx(7.5)
