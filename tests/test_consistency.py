"""Issue 14 (items 7 and 8): the satisfaction and drivers reports agree with each other and with
their methods.

- one effective sample size per base (:func:`csmlib.stats.weighting.effective_sample`), the same
  number the headline and the key-driver analysis compute on that base;
- penalty–reward classes from multiplicity-adjusted p-values, against R ``p.adjust``;
- a rank "moves" only when the two waves' share intervals do not overlap;
- loyalty groups whose names never repeat a customer segment ("fragile");
- the report rules moved out of the notebooks: loyalty cut-offs, importance merging and rescaling,
  the earlier wave's importance.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from csmlib.core.results import to_jsonable
from csmlib.demo import codebook_dict
from csmlib.stats import headline as hl
from csmlib.stats import priorities
from csmlib.stats import segments as seg
from csmlib.stats.importance_table import importance, importance_shares, merge_importance
from csmlib.stats.importance_waves import (
    RANK_CHANGES,
    intervals_separate,
    previous_importance,
    rank_changes,
    saved_importance,
)
from csmlib.stats.weighting import effective_sample, effective_samples, kish_n_eff
from csmlib.survey.codebook import Codebook
from csmlib.survey.params import Cutoffs

DATA = Path(__file__).parent / "data"
NOTEBOOKS = Path(__file__).parent.parent / "notebooks"
X = ["quality", "reliability", "speed", "price", "courtesy", "billing"]


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    """The drivers survey (400 rows, weights) with a few missing answers planted."""
    df = pd.read_csv(DATA / "drivers_survey.csv")
    rng = np.random.default_rng(14)
    for col in ("quality", "speed", "overall"):
        df.loc[rng.choice(len(df), 15, replace=False), col] = np.nan
    return df


# --------------------------------------------------------------------------------------------
# Effective sample size: one function, one number per base
# --------------------------------------------------------------------------------------------


def test_effective_sample_by_hand(survey):
    base = survey[X + ["overall"]].notna().all(axis=1)
    w = survey.loc[base, "weight"].to_numpy()
    s = effective_sample(survey, X + ["overall"], "weight")
    assert s.n == int(base.sum()) and s.weighted and s.base == tuple(X + ["overall"])
    assert s.n_eff == pytest.approx(w.sum() ** 2 / (w**2).sum(), rel=1e-12)
    assert s.design_effect == pytest.approx(s.n / s.n_eff)
    assert effective_sample(survey, "overall", survey["weight"]).n == int(survey["overall"].notna().sum())
    plain = effective_sample(survey, ["quality"])
    assert not plain.weighted and plain.n_eff == plain.n == int(survey["quality"].notna().sum())
    assert effective_sample(survey, weights="weight").n_eff == pytest.approx(kish_n_eff(survey["weight"]))
    assert effective_sample(survey.assign(overall=np.nan), "overall", "weight").n_eff == 0.0
    with pytest.raises(ValueError, match="'nope'"):
        effective_sample(survey, ["overall", "nope"])


def test_drivers_report_states_the_analysis_own_base(survey):
    """The 05 report's effective n is that of the rows the importance analysis used."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # listwise deletion
        t = importance(survey, "overall", X, methods="relative_weights", weights="weight", n_boot=0)
    s = effective_sample(survey, X + ["overall"], survey["weight"])
    assert s.n == t.attrs["n"]
    assert s.n_eff == pytest.approx(t.attrs["n_eff"], rel=1e-12)


def _small_codebook() -> Codebook:
    return Codebook.model_validate(
        {
            "survey": "consistency",
            "weight": "weight",
            "scales": {"s5": {"min": 1, "max": 5}, "s10": {"min": 1, "max": 10}},
            "items": [{"id": i, "label": i, "group": "product", "scale": "s5"} for i in ("a", "b", "c")],
            "outcomes": {"overall": {"column": "overall", "label": "Overall", "scale": "s10"}},
        }
    )


def test_satisfaction_report_bases_match_the_headline():
    """Each headline indicator's n_eff is the effective sample of its own base; the indicators
    on the same respondents share one row (overall mean and CSAT), the index has its own."""
    rng = np.random.default_rng(7)
    n = 300
    df = pd.DataFrame({c: rng.integers(1, 6, n).astype(float) for c in ("a", "b", "c")})
    df["overall"] = rng.integers(1, 11, n).astype(float)
    df["weight"] = rng.uniform(0.3, 3.0, n)
    df.loc[rng.choice(n, 40, replace=False), "b"] = np.nan
    df.loc[rng.choice(n, 10, replace=False), "overall"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        current = hl.headline(df, _small_codebook(), ["a", "b", "c"], weights=df["weight"])
    bases = effective_samples(df, {m: list(current.loc[m, "items"]) for m in current.index}, df["weight"])
    assert [set(s) for s in bases["statistics"]] == [{"overall_mean", "csat"}, {"csi"}]
    for row in bases.itertuples():
        for metric in row.statistics:
            assert current.loc[metric, "n"] == row.n
            assert current.loc[metric, "n_eff"] == pytest.approx(row.n_eff, rel=1e-12)


# --------------------------------------------------------------------------------------------
# Penalty–reward: classes from adjusted p-values (R p.adjust)
# --------------------------------------------------------------------------------------------

# R 4.x: p.adjust(c(penalty_p, reward_p), method) over the six drivers, from the R reference
# p-values of tests/data/drivers_r_reference.csv (cases "pr" and "pr_w": lm, low=2, high=4)
R_ADJUSTED = {
    ("pr", "holm"): (
        [0.0790851265154416, 1, 1, 1, 1, 1],
        [0.0149109886921068, 1, 0.472153850724676, 0.0073867623006105, 0.199515360706988, 1],
    ),
    ("pr", "fdr_bh"): (
        [0.0316340506061766, 0.292839143880377, 0.93368205287056, 0.506511104217601, 0.93368205287056, 0.93368205287056],
        [0.00813326655933096, 0.292839143880377, 0.141646155217403, 0.0073867623006105, 0.0665051202356628, 0.921161047590288],
    ),
    ("pr_w", "holm"): (
        [0.114070482546612, 1, 1, 1, 1, 1],
        [0.00383195725055765, 1, 0.699004646111986, 0.017391042968412, 0.12645027891656, 1],
    ),
    ("pr_w", "fdr_bh"): (
        [0.0421500929721867, 0.607693332885994, 0.941787565979255, 0.890477827271673, 0.941787565979255, 0.941787565979255],
        [0.00383195725055765, 0.365185374777038, 0.209701393833596, 0.00948602343731562, 0.0421500929721867, 0.941787565979255],
    ),
}


@pytest.mark.parametrize("case,method", list(R_ADJUSTED))
def test_penalty_reward_adjusted_p_match_r_p_adjust(case, method):
    df = pd.read_csv(DATA / "drivers_survey.csv")
    pr = priorities.penalty_reward(
        df, "overall", X, low=2, high=4, weights="weight" if case == "pr_w" else None, min_cell=0, adjust=method
    )
    pen, rew = R_ADJUSTED[(case, method)]
    np.testing.assert_allclose(pr["penalty_p_adjusted"], pen, rtol=1e-7)
    np.testing.assert_allclose(pr["reward_p_adjusted"], rew, rtol=1e-7)
    # and statsmodels on our own raw p-values (the family: all 12 tests)
    raw = np.concatenate([pr["penalty_p"], pr["reward_p"]])
    sm = multipletests(raw, method=method)[1]
    np.testing.assert_allclose(np.concatenate([pr["penalty_p_adjusted"], pr["reward_p_adjusted"]]), sm, rtol=1e-12)
    assert pr.attrs["adjust"] == method and pr.attrs["n_tests"] == 12


def test_penalty_reward_classifies_by_adjusted_p():
    df = pd.read_csv(DATA / "drivers_survey.csv")
    holm = priorities.penalty_reward(df, "overall", X, low=2, high=4, min_cell=0)
    raw = priorities.penalty_reward(df, "overall", X, low=2, high=4, min_cell=0, adjust="none")
    # same regression, same raw p-values: only the verdicts read different p
    pd.testing.assert_series_equal(holm["penalty_p"], raw["penalty_p"])
    assert holm.attrs["adjust"] == "holm"  # the default
    # courtesy: reward p = 0.022 alone, 0.1995 after Holm over 12 tests → low impact
    assert raw.loc["courtesy", "factor_class"] == "excitement"
    assert holm.loc["courtesy", "factor_class"] == "low impact"
    low = (holm["penalty_p_adjusted"] >= 0.05) & (holm["reward_p_adjusted"] >= 0.05)
    assert list(holm["low_impact"]) == list(low)
    assert (holm.loc[low, "factor_class"] == "low impact").all()
    with pytest.raises(ValueError, match="adjust"):
        priorities.penalty_reward(df, "overall", X, adjust="sidak")


def test_penalty_reward_family_leaves_out_the_dummies_not_estimated():
    pr_data = pd.read_csv(DATA / "penalty_reward_small_0to10.csv")
    with pytest.warns(UserWarning):
        pr = priorities.penalty_reward(pr_data, "overall", ["A", "B", "C", "D", "E"], scale_min=0, scale_max=10, min_cell=5)
    estimated = np.concatenate([pr["penalty_p"], pr["reward_p"]])
    assert pr.attrs["n_tests"] == int(np.isfinite(estimated).sum()) == 5
    adjusted = np.concatenate([pr["penalty_p_adjusted"], pr["reward_p_adjusted"]])
    assert (np.isnan(adjusted) == np.isnan(estimated)).all()
    np.testing.assert_allclose(
        adjusted[np.isfinite(adjusted)], multipletests(estimated[np.isfinite(estimated)], method="holm")[1]
    )


# --------------------------------------------------------------------------------------------
# Importance: merging, rescaling, and rank moves across waves
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def importance_parts():
    df = pd.read_csv(DATA / "drivers_survey.csv")
    sv = importance(df, "overall", X, methods="shapley", weights="weight", n_boot=0)
    rw = importance(df, "overall", X, methods="relative_weights", weights="weight", n_boot=200, seed=3)
    return sv, rw


def test_merge_importance_is_the_concatenation_with_the_methods_listed(importance_parts):
    sv, rw = importance_parts
    both = merge_importance([sv, rw])
    pd.testing.assert_frame_equal(both, pd.concat([sv, rw], ignore_index=True), check_flags=False)
    assert both.attrs["methods"] == ("shapley", "relative_weights")
    assert both.attrs["n_boot_by_method"] == {"shapley": 0, "relative_weights": 200}
    assert both.attrs["r2"] == rw.attrs["r2"] and both.attrs["n_eff"] == rw.attrs["n_eff"]
    with pytest.raises(ValueError, match="twice|two tables"):
        merge_importance([rw, rw])
    other = importance(pd.read_csv(DATA / "drivers_survey.csv").iloc[:300], "overall", X, methods="shapley", n_boot=0)
    with pytest.raises(ValueError, match="different rows"):
        merge_importance([other, rw])


def test_importance_shares_rescale_the_intervals_as_the_report_did(importance_parts):
    sv, rw = importance_parts
    both = merge_importance([sv, rw])
    r2 = both.attrs["r2"]
    main = importance_shares(both, "shapley")
    rws = importance_shares(both, "relative_weights")
    old_rw = both[both["method"] == "relative_weights"].set_index("driver")
    # the notebook's former cell: RW CI low = ci_low / R² (× 100 on the page)
    np.testing.assert_allclose(rws["ci_low"], (old_rw["ci_low"] / r2).loc[rws.index], rtol=1e-15)
    np.testing.assert_allclose(rws["share"], old_rw["normalized"].loc[rws.index], rtol=1e-15)
    assert rws.attrs["interval_method"] == "relative_weights"
    # Shapley without its own bootstrap: the relative weights' intervals, as the chart used
    assert main.attrs["interval_method"] == "relative_weights"
    np.testing.assert_allclose(main["ci_high"], (old_rw["ci_high"] / r2).loc[main.index], rtol=1e-15)
    assert list(main["rank"]) == sorted(main["rank"])
    none = importance_shares(both, "shapley", intervals="shapley")
    assert none["ci_low"].isna().all() and none.attrs["interval_method"] == "shapley"
    with pytest.raises(ValueError, match="pratt"):
        importance_shares(both, "pratt")


def _shares(rows: dict) -> pd.DataFrame:
    return pd.DataFrame(rows, index=["share", "rank", "ci_low", "ci_high"]).T.astype({"rank": int})


def test_rank_moves_only_when_intervals_do_not_overlap():
    now = _shares(
        {
            "speed": [0.30, 1, 0.25, 0.35],
            "price": [0.06, 2, 0.04, 0.08],
            "app": [0.05, 3, 0.03, 0.07],
            "staff": [0.045, 4, 0.02, 0.06],
            "image": [0.04, 5, 0.035, 0.045],
            "web": [0.03, 6, 0.02, 0.04],
        }
    )
    before = _shares(
        {
            "speed": [0.15, 2, 0.11, 0.19],  # 2 → 1, intervals apart, share up: up
            "price": [0.20, 1, 0.15, 0.25],  # 1 → 2, intervals apart, share down: down
            "app": [0.04, 5, 0.03, 0.06],  # 5 → 3 within 2–5 % shares, overlapping: not distinguishable
            "staff": [0.05, 3, 0.03, 0.07],  # 3 → 4, overlapping
            "image": [0.02, 4, 0.015, 0.025],  # 4 → 5 while its share rose beyond the interval: rank and share disagree
        }
    )
    t = rank_changes(now, before)
    assert t["change"].to_dict() == {
        "speed": "up",
        "price": "down",
        "app": "not distinguishable",
        "staff": "not distinguishable",
        "image": "not distinguishable",
        "web": "new",
    }
    assert set(t["change"]) <= set(RANK_CHANGES)
    assert list(t["separate"]) == [True, True, False, False, True, False]
    assert t.loc["app", "previous_rank"] == 5 and pd.isna(t.loc["web", "previous_rank"])
    # without the previous wave's intervals nothing is shown to move
    blind = rank_changes(now, before.assign(ci_low=np.nan, ci_high=np.nan))
    assert set(blind["change"]) == {"not distinguishable", "new"}
    same = rank_changes(now, now)
    assert (same["change"] == "unchanged").all()


def test_intervals_separate_rule():
    assert intervals_separate([1, 1, 1], [2, 2, 2], [2.5, 0, 2], [3, 0.5, 3]).tolist() == [True, True, False]
    assert not intervals_separate(1, 2, np.nan, 0.5)


def test_earlier_wave_read_back_from_saved_json(importance_parts):
    sv, rw = importance_parts
    both = merge_importance([sv, rw])
    saved = json.loads(json.dumps(to_jsonable({"overall": both, "r2": both.attrs["r2"], "primary_method": "shapley"})))
    back = saved_importance(saved, intervals="relative_weights")
    direct = importance_shares(both, "shapley")
    pd.testing.assert_frame_equal(back, direct, check_like=True, check_flags=False)
    # the interval asked for was not computed that wave: shares without intervals
    only_sv = json.loads(json.dumps(to_jsonable({"overall": sv, "r2": sv.attrs["r2"], "primary_method": "shapley"})))
    blind = saved_importance(only_sv, intervals="relative_weights")
    assert blind["ci_low"].isna().all() and (blind["share"] == direct["share"]).all()
    # results saved before primary_method was kept are Shapley's
    old = {k: v for k, v in saved.items() if k != "primary_method"}
    assert saved_importance(old)["share"].equals(back["share"])
    history = {"W1": saved, "W2": {"available": False, "reason": "no overall question"}}
    wave, shares = previous_importance(history, intervals="relative_weights")
    assert wave == "W1" and shares["rank"].tolist() == direct["rank"].tolist()
    assert previous_importance({}) is None


# --------------------------------------------------------------------------------------------
# Loyalty groups: cut-offs and names
# --------------------------------------------------------------------------------------------


def test_loyalty_group_names_never_repeat_a_customer_segment():
    cb = Codebook.model_validate(codebook_dict())
    taken = seg.segment_names(cb)
    assert {"fragile", "Fragile", "شکننده"} <= taken
    for language in ("en", "fa"):
        names = seg.loyalty_group_names(language, avoid=taken)
        assert set(names) == set(seg.LOYALTY_SEGMENTS)
        assert len(set(names.values())) == 4
        assert not any("fragile" in v.lower() or "شکننده" in v for v in names.values())
        assert not {v.casefold() for v in names.values()} & {t.casefold() for t in taken}
    # a data segment named like a loyalty group: the group's name is qualified, not shared
    data = pd.DataFrame({"customer_type": ["At risk (neither satisfied nor loyal)", "new"]})
    named = seg.loyalty_group_names("en", avoid=seg.segment_names(cb, data))
    assert named["at risk"] == "at risk (neither satisfied nor loyal) (loyalty group)"
    assert named["loyal"] == "satisfied and loyal"
    assert seg.loyalty_group_names("de") == seg.LOYALTY_GROUP_NAMES["en"]


def test_loyalty_cutoffs_are_the_csat_and_loyalty_rules():
    cb = Codebook.model_validate(codebook_dict())
    sat, loy = cb.scales[cb.outcomes["overall"].scale], cb.scales[cb.outcomes["loyalty"].scale]
    default = seg.loyalty_cutoffs(cb, Cutoffs())
    assert default.satisfied == hl.lowest_satisfied(sat) == 8.0  # 1–10: top three, as CSAT
    assert default.loyal == hl.lowest_loyal(loy) == 1.0  # yes/no: yes
    assert not default.satisfied_set and not default.loyal_set
    assert default.satisfaction_scale == (1.0, 10.0) and default.loyalty_scale == (0.0, 1.0)
    given = seg.loyalty_cutoffs(cb, Cutoffs(csat=9, loyalty=1))
    assert given.satisfied == 9.0 and given.satisfied_set and given.loyal_set
    bare = Codebook.model_validate({"survey": "s", "items": [], "scales": {}})
    assert seg.loyalty_cutoffs(bare) == seg.LoyaltyCutoffs(None, None, False, False, None, None)


# --------------------------------------------------------------------------------------------
# The notebooks call these rules instead of holding them
# --------------------------------------------------------------------------------------------


def _code(name: str) -> str:
    cells = json.loads((NOTEBOOKS / name).read_text("utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def test_notebooks_use_the_library_rules():
    sat, drv = _code("02_satisfaction.ipynb"), _code("05_drivers.ipynb")
    assert "fragile" not in sat.lower()
    assert "loyalty_group_names" in sat and "loyalty_cutoffs" in sat and "effective_samples" in sat
    assert "lowest_loyal" not in sat and "lowest_satisfied" not in sat
    for call in ("merge_importance", "importance_shares", "previous_importance", "rank_changes", "effective_sample("):
        assert call in drv
    assert "/ r2" not in drv and "pd.concat(parts" not in drv
