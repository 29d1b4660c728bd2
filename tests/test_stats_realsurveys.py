"""Statistics on survey shapes that broke the reports: 0–10 scales, small units, many drivers.

The published bank survey that prompted these tests (250 customers, 27 items on 0–10 in six
concepts IMAG/EXPE/QUAL/VAL/SAT/LOY) is not shipped; the fixtures reproduce its difficulties.

Reference values
----------------
* ``PR``: ``tests/data/penalty_reward_small_0to10.csv``, 40 respondents, drivers A–E on 0–10
  (generated once with numpy, seed 2026): A has 2 answers in the low box, C's top box is B's top
  box, D has no middle answers, E no top-box answer. With the declared scale 0–10 (boxes 0–4 and
  9–10) and ``min_cell=5`` the reduced design is A_high, B_low, B_high, C_low, C_high, E_low;
  R 4.2.2 ``lm(overall ~ ., data = d)`` on it marks C_high aliased (NA) and gives the values
  below (also with ``weights = (row %% 3) + 1``); the asymmetry test of B is the Wald t of
  ρ_B − sgn(π_B)·π_B = 0 computed in R from ``vcov(fit)``
  (``tests/data/stats_realsurveys_reference.R``).
* ``drivers_survey.csv`` (1–5 scale): the reduced-design code must leave the R ``lm`` values of
  tests/test_drivers.py unchanged (checked there); here: the declared 1–5 scale gives the boxes
  1–2 / 4–5 of the observed-range default.
* Dimension scores: hand computations (respondent means, t interval; the weighted one with the
  linearized SE of R ``survey::svymean`` written out).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from csmlib.stats import drivers as dr
from csmlib.stats import headline as hl
from csmlib.stats import priorities
from csmlib.survey.codebook import Codebook

DATA = Path(__file__).parent / "data"
PR_X = ["A", "B", "C", "D", "E"]

# lm(overall ~ A_high + B_low + B_high + C_low + C_high + E_low): coefficients, p-values (R)
PR_COEF = {
    "A_high": 1.065312372005472,
    "B_low": -0.829236651532447,
    "B_high": 1.119379743967374,
    "C_low": -0.388911294890676,
    "E_low": -0.473745675418950,
}
PR_P = {
    "A_high": 3.19464253080587e-03,
    "B_low": 5.71799557420906e-02,
    "B_high": 6.75447077698441e-03,
    "C_low": 4.05121975985552e-01,
    "E_low": 1.64774468471281e-01,
}
PR_R2 = 0.44011227097585
PR_ASYM_B = 0.668389382534768
PR_W_COEF = {
    "A_high": 1.186286145088043,
    "B_low": -0.908405205509842,
    "B_high": 0.994388344326060,
    "C_low": -0.461062608413825,
    "E_low": -0.454539142184003,
}
PR_W_P = {
    "A_high": 1.63401234199278e-03,
    "B_low": 2.72440460267461e-02,
    "B_high": 1.43508070814602e-02,
    "C_low": 3.17281688941002e-01,
    "E_low": 1.74495104135958e-01,
}
PR_W_R2 = 0.480649961511914


@pytest.fixture(scope="module")
def pr_data() -> pd.DataFrame:
    return pd.read_csv(DATA / "penalty_reward_small_0to10.csv")


def _pr(frame, **kw):
    with pytest.warns(UserWarning, match="not enough answers for A, C, D, E"):
        return priorities.penalty_reward(frame, "overall", PR_X, scale_min=0, scale_max=10, min_cell=5, **kw)


# --------------------------------------------------------------------------------------------
# Penalty–reward on 0–10 with sparse and duplicated boxes
# --------------------------------------------------------------------------------------------


def test_scale_bands_rule():
    assert priorities.scale_bands(1, 5) == (2.0, 4.0)  # the usual 5-point coding
    assert priorities.scale_bands(0, 10) == (4.0, 9.0)  # 0–4 / 5–8 / 9–10
    assert priorities.scale_bands(1, 10) == (5.0, 9.0)
    assert priorities.scale_bands(1, 7) == (3.0, 6.0)
    assert priorities.scale_bands(1, 4) == (2.0, 4.0)
    assert priorities.scale_bands(1, 3) == (1.0, 3.0)
    with pytest.raises(ValueError, match="no middle"):
        priorities.scale_bands(0, 1)
    with pytest.raises(ValueError, match="integer"):
        priorities.scale_bands(1, 5.5)


def test_fixture_boxes(pr_data):
    low, high = pr_data[PR_X] <= 4, pr_data[PR_X] >= 9
    assert list(low.sum()) == [2, 8, 6, 15, 13] and list(high.sum()) == [12, 10, 10, 25, 0]
    assert (high["B"] == high["C"]).all()


def test_penalty_reward_reduced_design_matches_r_lm(pr_data):
    pr = _pr(pr_data)
    assert pr.attrs["r2"] == pytest.approx(PR_R2, abs=1e-10) and pr.attrs["n"] == 40
    assert pr.attrs["bands"] == "scale" and pr.attrs["min_cell"] == 5
    assert (pr["low_cut"] == 4).all() and (pr["high_cut"] == 9).all()
    assert pr.loc["A", "high_coef"] == pytest.approx(PR_COEF["A_high"], abs=1e-10)
    assert pr.loc["B", "low_coef"] == pytest.approx(PR_COEF["B_low"], abs=1e-10)
    assert pr.loc["B", "high_coef"] == pytest.approx(PR_COEF["B_high"], abs=1e-10)
    assert pr.loc["C", "low_coef"] == pytest.approx(PR_COEF["C_low"], abs=1e-10)
    assert pr.loc["E", "low_coef"] == pytest.approx(PR_COEF["E_low"], abs=1e-10)
    assert pr.loc["A", "reward_p"] == pytest.approx(PR_P["A_high"], rel=1e-7)
    assert pr.loc["B", "penalty_p"] == pytest.approx(PR_P["B_low"], rel=1e-7)
    assert pr.loc["B", "reward_p"] == pytest.approx(PR_P["B_high"], rel=1e-7)
    assert pr.loc["C", "penalty_p"] == pytest.approx(PR_P["C_low"], rel=1e-7)
    assert pr.loc["E", "penalty_p"] == pytest.approx(PR_P["E_low"], rel=1e-7)
    assert pr.loc["B", "asymmetry_p"] == pytest.approx(PR_ASYM_B, rel=1e-7)
    # B by hand from the R coefficients: penalty 0.829, reward 1.119, IA = (ρ − |π|)/(ρ + |π|)
    pen, rew = -PR_COEF["B_low"], PR_COEF["B_high"]
    assert pr.loc["B", "impact_asymmetry"] == pytest.approx((rew - pen) / (rew + pen), abs=1e-9)
    assert pr.loc["B", "factor_class"] == "performance"  # IA 0.149 within ±0.2


def test_penalty_reward_weighted_reduced_design_matches_r_lm(pr_data):
    w = (np.arange(1, 41) % 3) + 1
    pr = _pr(pr_data, weights=w)
    assert pr.attrs["r2"] == pytest.approx(PR_W_R2, abs=1e-10)
    got = {
        "A_high": pr.loc["A", "high_coef"],
        "B_low": pr.loc["B", "low_coef"],
        "B_high": pr.loc["B", "high_coef"],
        "C_low": pr.loc["C", "low_coef"],
        "E_low": pr.loc["E", "low_coef"],
    }
    for key, value in PR_W_COEF.items():
        assert got[key] == pytest.approx(value, abs=1e-10), key
    assert pr.loc["B", "penalty_p"] == pytest.approx(PR_W_P["B_low"], rel=1e-7)
    assert pr.loc["E", "penalty_p"] == pytest.approx(PR_W_P["E_low"], rel=1e-7)


def test_penalty_reward_reports_not_enough_answers(pr_data):
    pr = _pr(pr_data)
    assert list(pr["not_enough_answers"]) == [True, False, True, True, True]
    assert list(pr["low_in_model"]) == [False, True, True, False, True]
    assert list(pr["high_in_model"]) == [True, True, False, False, False]
    assert (pr.loc[["A", "C", "D", "E"], "factor_class"] == "not enough answers").all()
    assert set(pr["factor_class"]) <= set(priorities.FACTOR_CLASSES)
    assert math.isnan(pr.loc["A", "penalty"]) and math.isnan(pr.loc["A", "penalty_p"])
    assert math.isnan(pr.loc["C", "reward"]) and math.isnan(pr.loc["D", "low_coef"])
    assert math.isnan(pr.loc["E", "impact_asymmetry"]) and math.isnan(pr.loc["E", "asymmetry_p"])
    assert pr.loc["A", "note"] == ("not enough answers: 2 answers in the low box (≤ 4), fewer than 5")
    assert "duplicates the boxes of other drivers" in pr.loc["C", "note"]
    assert "no answers in the middle box" in pr.loc["D", "note"]
    assert pr.loc["E", "note"] == ("not enough answers: 0 answers in the high box (≥ 9), fewer than 5")
    assert pr.loc["B", "note"] == "" and list(pr.loc["A", ["n_low", "n_mid", "n_high"]]) == [2, 26, 12]


def test_penalty_reward_never_raises_for_empty_or_duplicate_boxes(pr_data):
    """The old errors ("no respondents in its low box", "rank deficient") are gone; min_cell=0
    still leaves out the empty box and the aliased one (R lm: NA)."""
    with pytest.warns(UserWarning, match="not enough answers"):
        pr = priorities.penalty_reward(pr_data, "overall", PR_X, low=4, high=9, min_cell=0)
    assert pr.attrs["bands"] == "explicit"
    assert pr.loc["A", "low_in_model"]  # 2 answers are enough with min_cell = 0
    assert not pr.loc["C", "high_in_model"] and not pr.loc["E", "high_in_model"]
    dup = pr_data.assign(B2=pr_data["B"])
    with pytest.warns(UserWarning, match="B2"):
        out = priorities.penalty_reward(dup, "overall", ["B", "B2"], scale_min=0, scale_max=10, min_cell=5)
    assert list(out["not_enough_answers"]) == [False, True]
    with pytest.raises(ValueError, match="both scale_min and scale_max"):
        priorities.penalty_reward(pr_data, "overall", PR_X, scale_min=0)


def test_declared_five_point_scale_keeps_the_usual_boxes():
    survey = pd.read_csv(DATA / "drivers_survey.csv")
    xs = ["quality", "reliability", "speed", "price", "courtesy", "billing"]
    a = priorities.penalty_reward(survey, "overall", xs, scale_min=1, scale_max=5, min_cell=0)
    b = priorities.penalty_reward(survey, "overall", xs, low=2, high=4, min_cell=0)
    pd.testing.assert_frame_equal(a, b)
    assert not a["not_enough_answers"].any() and (a["note"] == "").all()


# --------------------------------------------------------------------------------------------
# Many drivers: the 27 items of the bank survey
# --------------------------------------------------------------------------------------------


def test_27_item_survey_runs_with_chosen_methods():
    """250 respondents × 27 items on 0–10 in six concepts: the key-driver and penalty–reward
    steps of the report run without an error (relative weights; bands 0–4 / 9–10)."""
    rng = np.random.default_rng(5)
    concepts = {"IMAG": 5, "EXPE": 5, "QUAL": 5, "VAL": 4, "SAT": 4, "LOY": 4}
    latent = rng.standard_normal((250, 1)) + 0.6 * rng.standard_normal((250, len(concepts)))
    cols = {}
    for c, (name, k) in enumerate(concepts.items()):
        for i in range(1, k + 1):
            x = 7.5 + 1.5 * (latent[:, c] + 0.7 * rng.standard_normal(250))
            cols[f"{name}{i}"] = np.clip(np.rint(x), 0, 10)
    df = pd.DataFrame(cols)
    df["overall"] = df[[f"SAT{i}" for i in range(1, 5)]].mean(axis=1)
    drivers = [c for c in cols if not c.startswith("SAT")]
    assert len(cols) == 27 and len(drivers) == 23
    choice = dr.choose_methods(len(cols), n_boot=20)
    assert choice.methods == ("relative_weights",) and choice.replaced
    t = dr.importance(
        df.drop(columns="overall").assign(y=df["overall"] + rng.normal(0, 1, 250)), "y", methods=choice.methods, n_boot=20, seed=1
    )
    assert len(t) == 27 and t["raw"].sum() == pytest.approx(t.attrs["r2"], abs=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pr = priorities.penalty_reward(df, "overall", drivers, scale_min=0, scale_max=10)
    assert len(pr) == 23 and (pr["low_cut"] == 4).all() and (pr["high_cut"] == 9).all()


# --------------------------------------------------------------------------------------------
# Dimension scores and the items of the headline index
# --------------------------------------------------------------------------------------------


def _codebook() -> Codebook:
    items = [
        {"id": i, "label": i, "group": "product", "dimension": d, "scale": "s10"}
        for i, d in [("q1", "QUAL"), ("q2", "QUAL"), ("q3", "QUAL"), ("e1", "EXPE"), ("e2", "EXPE"), ("x1", None)]
    ]
    return Codebook.model_validate(
        {
            "survey": "test",
            "scales": {"s10": {"min": 0, "max": 10}},
            "items": items,
            "outcomes": {"overall": {"column": "overall", "label": "Overall", "scale": "s10"}},
        }
    )


FRAME = pd.DataFrame(
    {
        "q1": [8, 6, np.nan, 9, 10, 7, np.nan, 5],
        "q2": [9, np.nan, np.nan, 7, 9, 8, 6, 5],
        "q3": [7, 5, 4, 8, 10, np.nan, np.nan, 6],
        "e1": [6, 7, 8, np.nan, 9, 5, np.nan, 4],
        "e2": [np.nan, 8, 9, np.nan, 10, 6, 7, 5],
        "x1": [5, 5, 5, 5, 5, 5, 5, 5],
        "overall": [8, 7, 6, 9, 10, 7, 6, 5],
    }
)
# by hand: QUAL needs 2 of 3 answers, EXPE 1 of 2
QUAL = [8.0, 5.5, np.nan, 8.0, 29 / 3, 7.5, np.nan, 16 / 3]
EXPE = [6.0, 7.5, 8.5, np.nan, 9.5, 5.5, 7.0, 4.5]


def _t_interval(x, level=0.95):
    x = np.asarray([v for v in x if not np.isnan(v)])
    n, m = len(x), x.mean()
    se = x.std(ddof=1) / math.sqrt(n)
    t = stats.t.ppf(0.5 + level / 2, n - 1)
    return m, se, m - t * se, m + t * se, n


def test_respondent_scores_half_rule():
    np.testing.assert_allclose(hl.respondent_scores(FRAME, ["q1", "q2", "q3"]), QUAL)
    np.testing.assert_allclose(hl.respondent_scores(FRAME, ["e1", "e2"]), EXPE)
    complete = hl.respondent_scores(FRAME, ["q1", "q2", "q3"], min_answered=1)
    assert list(complete.notna()) == [True, False, False, True, True, False, False, True]
    with pytest.raises(ValueError, match="zz"):
        hl.respondent_scores(FRAME, ["q1", "zz"])
    with pytest.raises(ValueError, match="min_answered"):
        hl.respondent_scores(FRAME, ["q1"], min_answered=0)


def test_dimension_scores_by_hand():
    t = hl.dimension_scores(FRAME, _codebook())
    assert list(t.index) == ["QUAL", "EXPE"]  # x1 has no dimension
    for dim, scores in (("QUAL", QUAL), ("EXPE", EXPE)):
        m, se, lo, hi, n = _t_interval(scores)
        row = t.loc[dim]
        assert row["estimate"] == pytest.approx(m, abs=1e-12)
        assert row["se"] == pytest.approx(se, abs=1e-12)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi), abs=1e-12)
        assert row["n"] == n and row["scale"] == "0–10"
    assert t.loc["QUAL", "item_ids"] == ("q1", "q2", "q3") and t.loc["QUAL", "min_items"] == 2
    assert t.loc["QUAL", "n_excluded"] == 2 and t.loc["EXPE", "n_excluded"] == 0
    assert t.loc["EXPE", "min_items"] == 1 and t.loc["EXPE", "n"] == 7
    assert "at least 50%" in t.attrs["rule"]
    only = hl.dimension_scores(FRAME, _codebook(), dimensions=["EXPE"])
    assert list(only.index) == ["EXPE"]
    with pytest.raises(ValueError, match="VAL"):
        hl.dimension_scores(FRAME, _codebook(), dimensions=["VAL"])


def test_dimension_scores_weighted_by_hand():
    """x̄_w = Σwx/Σw, SE = sqrt(n/(n−1)·Σw²(x − x̄_w)²)/Σw (svymean), t_{n−1} interval."""
    w = pd.Series([1.0, 2.0, 0.5, 1.5, 1.0, 3.0, 1.0, 2.0])
    t = hl.dimension_scores(FRAME, _codebook(), weights=w, level=0.90)
    x = np.array(QUAL)
    keep = ~np.isnan(x)
    x, ww = x[keep], w.to_numpy()[keep]
    n = len(x)
    m = (ww * x).sum() / ww.sum()
    se = math.sqrt(n / (n - 1) * ((ww**2) * (x - m) ** 2).sum()) / ww.sum()
    tq = stats.t.ppf(0.95, n - 1)
    row = t.loc["QUAL"]
    assert row["estimate"] == pytest.approx(m, abs=1e-12)
    assert row["se"] == pytest.approx(se, abs=1e-12)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((m - tq * se, m + tq * se), abs=1e-12)
    assert row["n_eff"] == pytest.approx(ww.sum() ** 2 / (ww**2).sum(), abs=1e-12)


def test_dimension_with_mixed_scales_is_refused():
    cb = Codebook.model_validate(
        {
            "survey": "test",
            "scales": {"s10": {"min": 0, "max": 10}, "s5": {"min": 1, "max": 5}},
            "items": [
                {"id": "a", "label": "a", "group": "product", "dimension": "D", "scale": "s10"},
                {"id": "b", "label": "b", "group": "product", "dimension": "D", "scale": "s5"},
            ],
        }
    )
    with pytest.raises(ValueError, match="'D' use different scales"):
        hl.dimension_scores(pd.DataFrame({"a": [1, 2], "b": [1, 2]}), cb)


def test_headline_states_the_items_of_the_index():
    """CSI by hand: equal weights, complete cases on the items, 100·(mean − 0)/(10 − 0)."""
    items = ["q1", "q2", "q3", "e1", "e2", "x1"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few respondents
        table = hl.headline(FRAME, _codebook(), items)
    assert table.loc["csi", "items"] == tuple(items)
    assert table.attrs["csi_items"] == items and table.attrs["csi_note"] == ""
    assert table.loc["overall_mean", "items"] == ("overall",)
    complete = FRAME[items].dropna()
    assert table.loc["csi", "n"] == len(complete) == 2
    assert table.loc["csi", "estimate"] == pytest.approx(10 * complete.mean(axis=1).mean())


def test_csat_cutoff_from_the_wave_file():
    """CSAT with a declared cut-off counts answers at or above it (hand count)."""
    import pandas as pd

    from csmlib.survey.codebook import Codebook
    from csmlib.stats.headline import headline

    cb = Codebook.model_validate(
        {
            "survey": "t",
            "scales": {"s": {"min": 0, "max": 10}},
            "items": [{"id": "q", "label": "Q", "group": "other", "scale": "s"}],
            "outcomes": {"overall": {"column": "q", "label": "Q", "scale": "s"}},
        }
    )
    data = pd.DataFrame({"q": [10, 9, 8, 7, 6, 5, 9, 10, 3, 8], "overall": [10, 9, 8, 7, 6, 5, 9, 10, 3, 8]})
    default = headline(data, cb, ["q"]).loc["csat", "estimate"]  # top 3 boxes: 8-10 -> 6 of 10
    strict = headline(data, cb, ["q"], csat_cutoff=9).loc["csat", "estimate"]  # 9-10 -> 4 of 10
    assert default == pytest.approx(60.0) and strict == pytest.approx(40.0)
