"""csmlib.stats.weighting: weight checks, Kish n_eff, design effect, linearized SE, raking.

Reference values: hand computations and R survey 4.1-1 (Debian r-cran-survey), produced with

    d <- data.frame(y = c(3,5,4,2,5,1,4,4,3,5,2,4),
                    w = c(1.2,0.8,1.5,2.0,0.5,1.0,1.1,0.9,1.3,0.7,1.6,1.4),
                    sex = c("m","f","m","f","m","f","m","m","f","f","m","f"),
                    age = c("y","y","m","o","o","y","m","o","y","m","o","m"))
    des <- svydesign(ids=~1, weights=~w, data=d); svymean(~y, des)
    rake(des, list(~sex, ~age), list(data.frame(sex=c("m","f"), Freq=c(60,40)),
         data.frame(age=c("y","m","o"), Freq=c(30,45,25))),
         control=list(maxit=100, epsilon=1e-9))
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csmlib.stats import indicators
from csmlib.stats.weighting import check_weights, design_effect, kish_n_eff, rake, weighted_mean_se

R_DATA = pd.DataFrame(
    {
        "y": [3, 5, 4, 2, 5, 1, 4, 4, 3, 5, 2, 4],
        "w": [1.2, 0.8, 1.5, 2.0, 0.5, 1.0, 1.1, 0.9, 1.3, 0.7, 1.6, 1.4],
        "sex": list("mfmfmfmmffmf"),
        "age": ["y", "y", "m", "o", "o", "y", "m", "o", "y", "m", "o", "m"],
    }
)
R_MARGINS = {"sex": {"m": 60, "f": 40}, "age": {"y": 30, "m": 45, "o": 25}}
# R survey rake(..., control = list(maxit = 100, epsilon = 1e-9)) with base weights w
R_RAKE_W = [
    11.7864398256434,
    4.70027359338235,
    17.5043804549433,
    7.12736594905297,
    2.97877234182451,
    5.87534199172794,
    12.8365456669585,
    5.36179021528411,
    7.63794458924632,
    4.88635795936607,
    9.53207149383842,
    9.77271591873214,
]
# the same with base weights 1
R_RAKE_1 = [
    10.822503511072,
    6.39249882964268,
    14.1450070223465,
    4.11251755625699,
    6.96249414791434,
    6.39249882964268,
    14.1450070223465,
    6.96249414791434,
    6.39249882964268,
    8.35499297765354,
    6.96249414791434,
    8.35499297765354,
]


# ---------------------------------------------------------------------------------- checks


@pytest.mark.parametrize(
    "bad, fragment",
    [
        ([1.0, 0.0, 2.0], "zero or negative"),
        ([1.0, -1.0, 2.0], "zero or negative"),
        ([1.0, np.nan, 2.0], "missing or infinite"),
        ([1.0, np.inf, 2.0], "missing or infinite"),
    ],
)
def test_check_weights_refuses_non_positive_and_missing(bad, fragment):
    with pytest.raises(ValueError, match=f"weight column 'wt'.*{fragment}"):
        check_weights(pd.Series(bad, name="wt"), 3, name="wt")


def test_check_weights_length_type_and_copy():
    with pytest.raises(ValueError, match="2 weights for 3 respondents"):
        check_weights([1, 2], 3)
    with pytest.raises(ValueError, match="numeric"):
        check_weights(["a", "b"], 2, name="wt")
    s = pd.Series([1, 2, 3])
    w = check_weights(s, 3)
    w[0] = 99.0  # a fresh array: the Series is untouched
    assert s.iloc[0] == 1 and w.dtype == np.float64
    assert check_weights(None, 3) is None


def test_kish_n_eff_and_design_effect_by_hand():
    assert kish_n_eff([1, 2, 3]) == pytest.approx(36 / 14)
    assert design_effect([1, 2, 3]) == pytest.approx(3 * 14 / 36)
    assert kish_n_eff(np.ones(7)) == pytest.approx(7.0)
    with pytest.raises(ValueError):
        kish_n_eff([1, 0])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.01, 100.0), min_size=2, max_size=40))
def test_design_effect_is_one_plus_cv_squared(ws):
    w = np.array(ws)
    cv2 = w.var() / w.mean() ** 2  # CV with divisor n
    assert design_effect(w) == pytest.approx(1 + cv2, rel=1e-9)
    assert kish_n_eff(w) <= len(w) * (1 + 1e-12)


def test_weighted_mean_se_matches_r_svymean():
    m, se = weighted_mean_se(R_DATA["y"], R_DATA["w"])
    assert m == pytest.approx(3.23571428571429, abs=1e-12)
    assert se == pytest.approx(0.358755239190013, abs=1e-12)


def test_weighted_mean_se_with_unit_weights_is_s_over_root_n():
    y = np.array([3.0, 5, 4, 2, 5, 1])
    m, se = weighted_mean_se(y, np.ones(6))
    assert m == pytest.approx(20 / 6)
    assert se == pytest.approx(np.std(y, ddof=1) / math.sqrt(6))


# ---------------------------------------------------------------------------------- raking


def test_rake_matches_r_survey_with_base_weights():
    res = rake(R_DATA, R_MARGINS, weights="w")
    assert res.converged
    np.testing.assert_allclose(res.weights.to_numpy(), R_RAKE_W, rtol=1e-8)
    assert res.weights.index.equals(R_DATA.index)
    w = np.array(R_RAKE_W)
    assert res.n_eff == pytest.approx(w.sum() ** 2 / (w**2).sum(), rel=1e-8)
    assert res.deff == pytest.approx(12 / res.n_eff)


def test_rake_matches_r_survey_with_unit_weights_and_reproduces_margins():
    res = rake(R_DATA, R_MARGINS)
    np.testing.assert_allclose(res.weights.to_numpy(), R_RAKE_1, rtol=1e-8)
    m = res.margins.set_index(["variable", "category"])
    for var, targets in R_MARGINS.items():
        for cat, t in targets.items():
            assert m.loc[(var, cat), "target"] == t
            assert m.loc[(var, cat), "achieved"] == pytest.approx(t, rel=1e-8)
            got = res.weights[R_DATA[var] == cat].sum()
            assert got == pytest.approx(t, rel=1e-8)
    assert res.total == pytest.approx(100.0)
    assert res.min_weight == pytest.approx(min(R_RAKE_1), rel=1e-8)
    assert res.max_weight == pytest.approx(max(R_RAKE_1), rel=1e-8)


def test_rake_closed_form_two_by_two():
    # cells (m,y)=1 row, (m,o)=1, (f,y)=1, (f,o)=2; targets 2.5 each. The raking solution is
    # w_ij = r_i c_j with c_y = 1, c_o = 1/√2, r_m = 2.5/(1 + 1/√2), r_f = 2.5/(1 + √2).
    df = pd.DataFrame({"sex": ["m", "m", "f", "f", "f"], "age": ["y", "o", "y", "o", "o"]})
    res = rake(df, {"sex": {"m": 0.5, "f": 0.5}, "age": {"y": 0.5, "o": 0.5}}, tol=1e-12)
    c = 1 / math.sqrt(2)
    rm, rf = 2.5 / (1 + c), 2.5 / (1 + math.sqrt(2))
    np.testing.assert_allclose(res.weights, [rm, rm * c, rf, rf * c, rf * c], rtol=1e-9)


def test_rake_shares_equal_counts_scaled():
    shares = {"sex": {"m": 0.6, "f": 0.4}, "age": {"y": 0.3, "m": 0.45, "o": 0.25}}
    a = rake(R_DATA, shares)  # shares × n (= 12)
    np.testing.assert_allclose(a.weights * 100 / 12, R_RAKE_1, rtol=1e-8)
    assert a.weights.mean() == pytest.approx(1.0)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_rake_reproduces_random_margins(seed):
    rng = np.random.default_rng(seed)
    n = 200
    df = pd.DataFrame(
        {
            "a": rng.choice(["x", "y", "z"], n, p=[0.5, 0.3, 0.2]),
            "b": rng.choice([1, 2], n),
            "c": rng.choice(["u", "v"], n, p=[0.7, 0.3]),
        }
    )
    for col in df:  # every category must occur
        if df[col].nunique() < len(set(df[col])):
            return
    ta = rng.dirichlet([2, 2, 2])
    margins = {"a": dict(zip(["x", "y", "z"], ta)), "b": {1: 0.45, 2: 0.55}, "c": {"u": 0.5, "v": 0.5}}
    if set(df["a"]) != {"x", "y", "z"}:
        return
    res = rake(df, margins, weights=rng.uniform(0.5, 2.0, n))
    assert res.converged
    for var, t in margins.items():
        for cat, share in t.items():
            got = res.weights[df[var] == cat].sum() / res.weights.sum()
            assert got == pytest.approx(share, rel=1e-7)


def test_rake_bad_input():
    with pytest.raises(ValueError, match="categories without a target.*'o'"):
        rake(R_DATA, {"age": {"y": 50, "m": 50}})
    with pytest.raises(ValueError, match="no respondents.*'x'"):
        rake(R_DATA, {"sex": {"m": 40, "f": 40, "x": 20}})
    with pytest.raises(ValueError, match="same total"):
        rake(R_DATA, {"sex": {"m": 60, "f": 40}, "age": {"y": 30, "m": 45, "o": 30}})
    with pytest.raises(ValueError, match="margin column 'region' not in data"):
        rake(R_DATA, {"region": {"n": 1}})
    df = R_DATA.assign(sex=R_DATA["sex"].where(R_DATA.index != 3))
    with pytest.raises(ValueError, match="'sex' has 1 missing"):
        rake(df, {"sex": {"m": 60, "f": 40}})
    with pytest.raises(ValueError, match="zero or negative targets"):
        rake(R_DATA, {"sex": {"m": 100, "f": 0}})
    with pytest.raises(ValueError, match="weight column 'w'"):
        rake(R_DATA.assign(w=R_DATA["w"].where(R_DATA.index != 0, 0.0)), R_MARGINS, weights="w")


def test_rake_not_converged_warns():
    with pytest.warns(UserWarning, match="not converged after 1 passes"):
        res = rake(R_DATA, R_MARGINS, max_iter=1)
    assert not res.converged and res.iterations == 1 and res.max_rel_diff > 1e-8


def test_rake_with_cap_trims_and_keeps_margins():
    rng = np.random.default_rng(3)
    n = 600
    df = pd.DataFrame({"a": rng.choice(["x", "y"], n, p=[0.8, 0.2]), "b": rng.choice(["u", "v", "w"], n, p=[0.6, 0.3, 0.1])})
    margins = {"a": {"x": 0.5, "y": 0.5}, "b": {"u": 0.3, "v": 0.3, "w": 0.4}}
    free = rake(df, margins)
    assert free.max_weight > 5 * free.weights.mean()  # the cap binds
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        capped = rake(df, margins, cap=5.0, max_iter=2000, tol=1e-6)
    assert capped.converged
    assert capped.max_weight <= 5.0 * capped.weights.mean() * (1 + 1e-6)
    assert capped.margins["rel_diff"].abs().max() < 1e-6
    assert capped.n_eff > free.n_eff


def test_indicators_reexports_rake():
    assert indicators.rake is rake
