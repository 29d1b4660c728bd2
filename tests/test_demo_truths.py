"""The demo company's planted truths come out of the analyses, called as the report notebooks call them.

Ground truth: ``csmlib.demo.GROUND_TRUTH`` (and data/demo/GROUND_TRUTH.md). These tests guard the
statistics *and* the glue (headline, feedback routing) against silently losing a finding.
"""

import warnings

import pandas as pd
import pytest

from csmlib.stats import drivers, feedback, indicators, kano
from csmlib.stats import headline as hl
from csmlib.stats import reliability as rel
from csmlib.demo import GROUND_TRUTH, WAVES
from csmlib.stats.factor import match_dimensions
from csmlib.survey.wave import open_wave

WAVE_IDS = [w[0] for w in WAVES]


@pytest.fixture(scope="module")
def waves(demo_root):
    return {wid: open_wave(demo_root / "params" / f"{wid}.yaml") for wid in WAVE_IDS}


@pytest.mark.parametrize("wid", WAVE_IDS)
def test_efa_recovers_the_dimensions(waves, wid):
    w = waves[wid]
    fa = rel.efa(w.items(), len(GROUND_TRUTH["dimensions"]))
    match = match_dimensions(fa.loadings, w.codebook.dimensions())
    assert match["agrees"].all(), match[~match["agrees"]]
    assert set(match["factor_dimension"]) == set(GROUND_TRUTH["dimensions"])
    assert rel.parallel_analysis(w.items(), n_iter=20, seed=1).n_factors == 3


def test_reverse_keyed_item_is_recoded(waves):
    w = waves[WAVE_IDS[0]]
    assert list(w.intake.reversed_items) == GROUND_TRUTH["reverse_keyed"]
    stats = rel.item_statistics(w.items("organisation"))
    assert not stats["negative_flag"].any()  # recoded before the analysis


@pytest.mark.parametrize("wid", WAVE_IDS)
def test_kano_categories_and_drift(waves, wid):
    functional, dysfunctional, _ = waves[wid].kano_answers()
    summary = kano.summarize(kano.count(kano.classify(functional, dysfunctional)))
    expected = {attr: by_wave[wid] for attr, by_wave in GROUND_TRUTH["kano"].items()}
    assert summary["category"].to_dict() == expected


@pytest.mark.parametrize("wid", WAVE_IDS)
def test_driver_order_is_recovered(waves, wid):
    w = waves[wid]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        shares = drivers.shapley(w.data, "overall", w.item_ids(), weights=w.weights)
    assert list(shares.sort_values(ascending=False).index[:3]) == GROUND_TRUTH["driver_order"]


@pytest.mark.parametrize("index", range(1, len(WAVE_IDS)))
def test_only_the_planted_drop_is_significant(waves, index):
    current, previous = waves[WAVE_IDS[index]], waves[WAVE_IDS[index - 1]]
    table = indicators.compare_table(
        current.data,
        previous.data,
        current.item_ids(),
        metric="mean",
        weights_current=current.weights,
        weights_previous=previous.weights,
        adjust="holm",
        alpha=0.05,
    )
    flagged = set(table.loc[table["significant"], "item"])
    planted = GROUND_TRUTH["significant_drop"]
    assert flagged == ({planted["item"]} if current.id == planted["wave"] else set())
    if current.id == planted["wave"]:
        findings = feedback.from_item_changes(table, current.codebook)
        assert list(findings["subject"]) == [planted["item"]]
        assert list(findings["department"]) == [current.codebook.item(planted["item"]).department]


def test_headline_reacts_to_the_drop(waves):
    wid = GROUND_TRUTH["significant_drop"]["wave"]
    index = WAVE_IDS.index(wid)
    w, prev = waves[wid], waves[WAVE_IDS[index - 1]]
    change = hl.compare_headline(w.data, prev.data, w.codebook, weights_current=w.weights, weights_previous=prev.weights)
    for metric in ("overall_mean", "nps"):  # the documented consequences of the planted drop
        assert change.loc[metric, "difference"] < 0 and change.loc[metric, "p_value"] < 0.05
    assert change.loc["ces_mean", "p_value"] > 0.05  # effort was not planted to move


def test_must_be_attributes_are_routed(waves):
    w = waves[WAVE_IDS[-1]]
    functional, dysfunctional, _ = w.kano_answers()
    summary = kano.summarize(kano.count(kano.classify(functional, dysfunctional)))
    performance = pd.Series({i: 0.0 for i in w.item_ids()})  # everything under-performs
    found = feedback.from_kano(summary, performance, w.codebook, threshold=1.0)
    must = {a for a, cats in GROUND_TRUTH["kano"].items() if cats[w.id] == "M"}
    assert set(found["subject"]) == must
