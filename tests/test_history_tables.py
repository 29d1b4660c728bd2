"""Report rules moved out of notebooks 03, 04 and 06 (issue 14): history tables, Kano comparisons and
their meaning, complaint times and counts, the reliability tables, and the spike p-value shown."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from csmlib.core.text import localize
from csmlib.report import summary
from csmlib.stats import feedback
from csmlib.stats import headline as hl
from csmlib.stats.alpha import cronbach_alpha
from csmlib.stats.complaint_events import period_counts, spikes, stack_periods
from csmlib.stats.complaint_times import days_to_close
from csmlib.stats.dimension_reliability import dimension_items, dimension_reliability, items_to_review, plain_reason
from csmlib.stats.kano_categories import count, summarize
from csmlib.stats.kano_compare import compare, drift, segment_categories
from csmlib.stats.omega import omega
from csmlib.survey.codebook import Codebook

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


# ------------------------------------------------------------------------------ value per wave
def test_values_by_wave_reads_saved_records_frames_and_the_current_wave():
    history = {
        "W1": {"alpha": [{"dimension": "b", "alpha": 0.7}, {"dimension": "a", "alpha": 0.8}]},
        "W2": {"alpha": None},  # a wave without the table gives no rows
        "W3": {"alpha": pd.DataFrame({"dimension": ["a"], "alpha": [0.9], "other": [1]})},
        "W4": {},
    }
    current = pd.DataFrame({"alpha": [0.85, 0.6]}, index=pd.Index(["a", "c"], name="dimension"))  # `by` as the index
    long = hl.values_by_wave(history, "alpha", "dimension", ["alpha"], current_wave="W5", current=current)
    assert long.columns.tolist() == ["wave", "dimension", "alpha"]
    assert long.to_dict("list") == {
        "wave": ["W1", "W1", "W3", "W5", "W5"],
        "dimension": ["b", "a", "a", "a", "c"],
        "alpha": [0.7, 0.8, 0.9, 0.85, 0.6],
    }
    wide = hl.spread_by_wave(long, "dimension", "alpha")
    assert wide.index.tolist() == ["b", "a", "c"] and wide.columns.tolist() == ["W1", "W3", "W5"]  # first appearance
    assert wide.index.name == "dimension" and wide.columns.name == "wave"
    assert math.isnan(wide.loc["b", "W3"]) and wide.loc["c", "W5"] == 0.6
    ordered = hl.spread_by_wave(long, "dimension", "alpha", sort=True)
    assert ordered.index.tolist() == ["a", "b", "c"]
    # the table notebook 03 built by hand: a pivot of the long rows
    assert ordered.equals(long.pivot(index="dimension", columns="wave", values="alpha"))


def test_values_by_wave_without_anything_is_an_empty_table():
    long = hl.values_by_wave({}, "summary", "attribute", ["category"])
    assert long.empty and long.columns.tolist() == ["wave", "attribute", "category"]
    assert hl.spread_by_wave(long, "attribute", "category").empty


def test_trend_table_is_values_by_wave_of_the_headline():
    saved = {
        "2026Q1": {"headline": [{"metric": "csat", "estimate": 71.0, "ci_low": 68.0, "ci_high": 74.0, "n": 10}]},
        "2026Q2": {"headline": [{"metric": "csat", "estimate": None, "ci_low": 1, "ci_high": 2}]},
    }
    current = pd.DataFrame({"estimate": [30.0], "ci_low": [25.0], "ci_high": [35.0], "se": [2.0]}, index=["nps"])
    t = hl.trend_table(saved, "2026Q3", current)
    assert t.columns.tolist() == ["wave", "metric", "estimate", "ci_low", "ci_high"]
    assert t["wave"].tolist() == ["2026Q1", "2026Q2", "2026Q3"] and t["metric"].tolist() == ["csat", "csat", "nps"]
    assert t["estimate"].dtype == float and math.isnan(t.loc[1, "estimate"]) and t.loc[2, "ci_high"] == 35.0


# ------------------------------------------------------------------------------ item and group scores
def _codebook():
    items = [
        {"id": "q1", "label": "Q1", "group": "product", "scale": "s5"},
        {"id": "q2", "label": "Q2", "group": "delivery", "scale": "s5"},
        {"id": "q3", "label": "Q3", "group": "product", "scale": "s5"},
    ]
    return Codebook.model_validate({"survey": "t", "scales": {"s5": {"min": 1, "max": 5}}, "items": items})


def test_item_and_group_scores_by_hand():
    data = pd.DataFrame({"q1": [1.0, 2, 3, 4], "q2": [5.0, 5, 4, np.nan], "q3": [2.0, np.nan, 4, 4]})
    items = hl.item_scores(data, _codebook(), ["q1", "q2", "q3"])
    assert items.index.tolist() == ["q1", "q2", "q3"] and items["group"].tolist() == ["product", "delivery", "product"]
    assert items["estimate"].tolist() == pytest.approx([2.5, 14 / 3, 10 / 3]) and items["n"].tolist() == [4, 3, 3]
    half = stats.t.ppf(0.975, 3) * data["q1"].std() / 2
    assert (items.loc["q1", "ci_low"], items.loc["q1", "ci_high"]) == pytest.approx((2.5 - half, 2.5 + half))
    groups = hl.group_scores(data, _codebook(), ["q1", "q2", "q3"])
    assert groups.index.tolist() == ["product", "delivery"] and groups["items"].tolist() == [2, 1]
    # a respondent's group score is the mean of the items answered: 1.5, 2, 3.5, 4
    assert groups.loc["product", "estimate"] == pytest.approx(11 / 4) and groups.loc["product", "n"] == 4
    one_item = ["estimate", "ci_low", "ci_high", "n"]  # a group of one item scores as the item
    assert groups.loc["delivery", one_item].tolist() == pytest.approx(items.loc["q2", one_item].tolist())
    assert hl.average_characteristic(items) == pytest.approx((2.5 + 14 / 3 + 10 / 3) / 3)
    assert hl.average_characteristic(pd.Series([4.0, np.nan, 2.0])) == 3.0


# ------------------------------------------------------------------------------ Kano: groups and waves
def _categories():
    # 40 new customers: x attractive; 40 long-term: x must-be; 10 without a group; y the same for all
    x = ["A"] * 40 + ["M"] * 40 + ["I"] * 10
    y = (["O"] * 20 + ["M"] * 20) * 2 + ["O"] * 5 + ["M"] * 5
    groups = pd.Series(["new"] * 40 + ["long"] * 40 + [None] * 10)
    return pd.DataFrame({"x": x, "y": y}), groups


def test_segment_categories_tests_each_group_against_all_other_customers():
    cats, groups = _categories()
    seg = segment_categories(cats, groups, min_n=30, level=0.95)
    assert seg.categories.columns.tolist() == ["long", "new"]  # sorted
    assert seg.categories.loc["x"].tolist() == ["M", "A"]
    assert seg.threshold == pytest.approx(0.05 / 4)  # Bonferroni over 2 groups × 2 attributes
    inside = groups == "new"
    by_hand = compare(count(cats[inside]), count(cats[~inside]))["p_value"]  # the group-less among the others
    assert seg.p_values["new"].tolist() == pytest.approx(by_hand.tolist())
    assert seg.differs.loc["x"].all() and not seg.differs.loc["y"].any()
    assert seg.too_small == ()
    small = segment_categories(cats, groups, min_n=41)
    assert small.categories.empty and small.differs.empty and small.too_small == ("long", "new")


def _saved(counts, category):
    return {
        "summary": [{"attribute": a, "category": category[a]} for a in counts.index],
        "counts": counts.reset_index(names="attribute").to_dict("records"),
    }


def test_drift_by_wave_and_change_since_the_last_wave_with_results():
    cats, _ = _categories()
    before = count(cats.iloc[:60])
    now = count(cats)
    summary_now = summarize(now)
    history = {
        "W1": _saved(before.loc[["y"]], {"y": "O"}),
        "W2": _saved(before, {"x": "A", "y": "M"}),
        "W3": {"summary": [], "available": False},  # no Kano questions that wave: skipped
    }
    d = drift(history, "W4", summary_now, now)
    assert d.previous_wave == "W2"
    assert d.by_wave.columns.tolist() == ["W1", "W2", "W4"] and d.by_wave.index.tolist() == ["y", "x"]
    assert d.by_wave.loc["y", "W1"] == "O" and pd.isna(d.by_wave.loc["x", "W1"])
    assert d.by_wave["W4"].tolist() == summary_now.loc[["y", "x"], "category"].tolist()
    expected = compare(before, now)
    pd.testing.assert_frame_equal(d.change, expected)
    only_y = drift({"W1": _saved(before.loc[["y"]], {"y": "O"})}, "W2", summary_now, now)
    assert only_y.change.index.tolist() == ["y"]  # compared over the attributes asked in both waves
    first = drift({}, "W1", summary_now, now)
    assert first.previous_wave is None and first.change is None and first.by_wave.columns.tolist() == ["W1"]


# ------------------------------------------------------------------------------ Kano: what this means
def test_kano_meaning_mentions_every_class_present_must_be_included():
    kano = pd.DataFrame(
        {"attribute": ["pack", "invoice", "track", "sameday", "points", "ads", "odd"]}
        | {"category": ["M", "M", "O", "A", "I", "R", "Q"]}
    )
    lines = summary.kano_meaning(kano, str.title, bar=7.85)
    text = "\n".join(lines)
    for attribute in kano["attribute"]:
        assert attribute.title() in text
    for term in ("must-be", "one-dimensional", "attractive", "indifferent", "reverse", "questionable"):
        assert f"(Kano: {term})" in text
    assert lines[0] == "- No must-be attribute is rated below the average characteristic (7.85)."
    assert lines[1].startswith("- **Basic expectations") and "Pack, Invoice" in lines[1] and "at standard" in lines[1]
    must = pd.DataFrame({"label": ["Invoice"], "department": ["finance"]})
    flagged = summary.kano_meaning(kano, str.title, underperforming=must, bar=7.85, owner=str.upper)
    assert flagged[0] == (
        "- **Invoice** is a must-be need and performs below the average characteristic (7.85): fix it first (FINANCE)."
    )
    assert len(flagged) == len(lines)
    fa = summary.kano_meaning(kano, str.title, "fa", bar=7.85)
    assert len(fa) == len(lines) and localize("7.85", "fa") in fa[0]


def test_kano_meaning_without_must_be_says_nothing_about_them():
    kano = pd.DataFrame({"attribute": ["sameday"], "category": ["A"]})
    assert summary.kano_meaning(kano, str.title, bar=7.0) == [
        "- **Delighters — unexpected, they please; absent, nobody minds** (Kano: attractive): Sameday. "
        "A chance to stand out: offer them where it pays."
    ]
    assert summary.kano_lines(kano, str.title) == [
        "- **Delighters — unexpected, they please; absent, nobody minds** (Kano: attractive): Sameday"
    ]


# ------------------------------------------------------------------------------ complaints
def _log():
    received = pd.to_datetime(["2026-01-01 08:00", "2026-01-02 12:00", "2026-01-03 00:00", None], utc=True)
    closed = pd.to_datetime(["2026-01-03 20:00", None, "2026-01-13 00:00", "2026-01-05 00:00"], utc=True)
    return pd.DataFrame({"category": ["a", "b", "a", None], "received_at": received, "closed_at": closed})


def test_days_to_close_is_receipt_to_closure_of_the_closed_complaints():
    log = _log().set_index(pd.Index([10, 11, 12, 13]))
    days = days_to_close(log)
    assert days.index.tolist() == [10, 11, 12, 13]
    assert days.iloc[:3].tolist()[0] == 2.5 and math.isnan(days.iloc[1]) and days.iloc[2] == 10.0
    assert math.isnan(days.iloc[3])  # no receipt time
    by_hand = (log["closed_at"] - log["received_at"]).dt.total_seconds() / 86400  # the notebook's former rule
    assert np.array_equal(days.to_numpy(), by_hand.to_numpy(), equal_nan=True)
    assert days_to_close(log.drop(columns="closed_at")).isna().all()  # a log without closures


def test_stack_periods_and_period_counts_match_the_former_notebook_cells():
    logs = {"2026Q1": _log(), "2026Q2": _log().iloc[:2], "2026Q3": _log().iloc[[0]]}
    stacked = stack_periods(logs)
    former = pd.concat([frame.assign(period=wid) for wid, frame in logs.items()], ignore_index=True)
    pd.testing.assert_frame_equal(stacked, former)
    counts = period_counts(stacked)
    former_counts = stacked.groupby(["period", "category"]).size().unstack(fill_value=0)
    pd.testing.assert_frame_equal(counts, former_counts, check_names=False)
    assert counts.loc["2026Q3"].tolist() == [1, 0]


# ------------------------------------------------------------------------------ reliability tables
def _scale(n=200, seed=3):
    rng = np.random.default_rng(seed)
    trait = rng.normal(size=n)
    good = {f"g{i}": trait + rng.normal(scale=0.6, size=n) for i in range(4)}
    weak = {f"w{i}": rng.normal(size=n) + 0.15 * trait for i in range(3)}
    return pd.DataFrame(good | weak)


def test_dimension_reliability_verdicts_and_values():
    items = _scale()
    dims = {"good": ["g0", "g1", "g2", "g3"], "weak": ["w0", "w1", "w2"], "one": ["g0"]}
    t = dimension_reliability(items, dims, threshold=0.7, level=0.9).set_index("dimension")
    assert t.index.tolist() == ["good", "weak"]  # a dimension of one item has no α
    assert t["verdict"].tolist() == ["reliable", "below threshold"] and not t["small_sample"].any()
    a = cronbach_alpha(items[dims["good"]], ci="feldt", level=0.9)
    assert (t.loc["good", "alpha"], t.loc["good", "ci_low"], t.loc["good", "ci_high"]) == (a.alpha, a.ci_low, a.ci_high)
    assert t.loc["good", "omega_total"] == omega(items[dims["good"]]).omega_total
    assert t.loc["good", "k"] == 4 and t.loc["good", "n"] == 200
    few = dimension_reliability(items.head(12), dims).set_index("dimension")
    assert few["verdict"].tolist() == ["too few respondents"] * 2 and few["small_sample"].all()
    broken = dimension_reliability(items.head(1), {"good": dims["good"]}).iloc[0]
    assert broken["verdict"] == "not computed" and broken["small_sample"] and math.isnan(broken["alpha"])
    assert broken["reason"] and not broken["reason"].startswith("cronbach_alpha")


def test_dimension_items_and_items_to_review():
    items = _scale()
    items["g3"] = -items["g3"]  # a reverse-keyed item that was not recoded
    table = dimension_items(items, {"good": ["g0", "g1", "g2", "g3"], "pair": ["w0", "w1"]})
    assert table.index.tolist() == ["g0", "g1", "g2", "g3"] and set(table["dimension"]) == {"good"}
    assert items_to_review(table).index.tolist() == ["g3"]
    assert dimension_items(items, {"pair": ["w0", "w1"]}).empty
    assert items_to_review(pd.DataFrame()).empty


def test_plain_reason_keeps_messages_that_do_not_start_with_a_function_name():
    assert plain_reason(ValueError("kmo: the correlation matrix is singular\nmore")) == "the correlation matrix is singular"
    assert plain_reason(ValueError("too few rows: 2")) == "too few rows: 2"
    assert plain_reason(ValueError("")) == ""


# ------------------------------------------------------------------------------ spike p-values
def test_a_spike_p_value_is_shown_adjusted_and_labelled_so():
    history = pd.DataFrame({"category": ["a", "b"] * 3, "period": ["P1", "P1", "P2", "P2", "P3", "P3"]})
    history["count"] = [10, 10, 12, 11, 40, 11]
    s = spikes(history).set_index("category")
    raw, adjusted = s.loc["a", "p_value"], s.loc["a", "p_adjusted"]
    assert adjusted > raw
    assert summary.p_text(adjusted, adjusted=True) == f"adjusted p = {adjusted:.3f}" or adjusted < 0.001
    assert summary.p_text(2.06e-06, adjusted=True) == "adjusted p < 0.001"
    assert summary.p_text(0.0042) == "p = 0.004"


def test_spike_findings_and_the_complaints_page_show_no_unadjusted_spike_p(demo_codebook):
    spike = pd.DataFrame(
        {"category": ["delivery_delay"], "observed": [101], "expected": [58.3], "lcl": [35.4], "flag": [True]}
        | {"p_value": [2.58e-07], "p_adjusted": [2.06e-06]}
    )
    found = feedback.from_complaints(demo_codebook, spikes=spike)
    assert "e-0" not in " ".join(found["evidence"]) and "p =" not in " ".join(found["evidence"])
    cells = json.loads((NOTEBOOKS / "06_complaints.ipynb").read_text(encoding="utf-8"))["cells"]
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    spike_cells = [c for c in sources if "spikes(" in c or "flagged" in c]  # the spike table, alert and highlights
    assert len(spike_cells) == 2 and all("p_adjusted" in c and "p_value" not in c for c in spike_cells)
