"""Issue 14 (item 8): the report rules that lived in the cells of the data-quality (01),
satisfaction (02) and executive-summary (08) notebooks, now csmlib functions, checked on small
hand-made inputs whose answers can be worked out by hand.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csmlib.report import summary
from csmlib.stats import comment_themes as ct
from csmlib.stats import headline as hl
from csmlib.stats import quality
from csmlib.survey.codebook import Codebook

NOTEBOOKS = Path(__file__).parent.parent / "notebooks"


def _codebook() -> Codebook:
    return Codebook.model_validate(
        {
            "survey": "s",
            "scales": {"s5": {"min": 1, "max": 5}, "s7": {"min": 1, "max": 7}},
            "items": [
                {"id": "q1", "label": "Q1", "group": "product", "scale": "s5"},
                {"id": "q2", "label": "Q2", "group": "delivery", "scale": "s7"},
            ],
            "outcomes": {
                "overall": {"column": "q1", "label": "Overall", "scale": "s5"},
                "recommend": {"column": "rec", "label": "Recommend", "scale": "s7"},
                "effort": {"column": "effort", "label": "Effort", "scale": "s5"},
            },
        }
    )


# --------------------------------------------------------------------------------------------
# 01 data quality
# --------------------------------------------------------------------------------------------


def test_answer_columns_list_an_outcome_asked_as_an_item_once():
    data = pd.DataFrame(columns=["q1", "q2", "overall", "recommend"])  # outcomes by role; no effort column
    assert quality.answer_columns(_codebook(), data, ["q1", "q2"]) == ["q1", "q2", "recommend"]


def test_least_answered_is_the_first_lowest_share_or_none():
    table = pd.DataFrame({"share_answered": [0.95, 0.8, 0.8, 1.0]}, index=["a", "b", "c", "d"])
    assert quality.least_answered(table) == "b"
    assert quality.least_answered(table.assign(share_answered=1.0)) is None
    assert quality.least_answered(table.assign(share_answered=np.nan)) is None


def test_straightlining_threshold_and_share_per_segment():
    items = ["a", "b"]
    assert len(items) < quality.STRAIGHTLINING_MIN_ITEMS
    with pytest.raises(ValueError, match="three"):
        quality.straightlining(pd.DataFrame({"a": [1], "b": [1]}), items)
    flags = pd.Series([True, True, False, False, True])
    region = pd.Series(["N", "N", "N", "E", None])
    # N: 2 of 3; E: 0 of 1; the respondent without a region is left out
    assert quality.straightlining_by_segment(flags, region).to_dict() == {"E": 0.0, "N": pytest.approx(2 / 3)}
    assert quality.STRAIGHTLINING_WARNING_SHARE == 0.05


def test_segments_in_keeps_declared_present_varied_segments():
    data = pd.DataFrame({"region": ["N", "E", "N"], "channel": ["web"] * 3, "unit": ["u1", "u2", "u1"]})
    declared = ["region", "channel", "size", "unit"]
    assert quality.segments_in(data, declared) == ["region", "channel", "unit"]
    assert quality.segments_in(data, declared, min_levels=2) == ["region", "unit"]
    assert quality.segments_in(data, declared, min_levels=2, exclude="unit") == ["region"]


def test_segment_composition_beside_the_newest_earlier_wave():
    data = pd.DataFrame({"region": ["N", "N", "E", None], "channel": ["web", "web", "shop", "web"]})
    history = {
        "W1": {"segments": [{"segment": "region", "level": "N", "n": 9}]},
        "W2": {"segments": [{"segment": "region", "level": "N", "n": 4}, {"segment": "channel", "level": "web", "n": 3}]},
    }
    t = quality.segment_composition(data, ["region", "channel"], history)
    assert t.attrs["previous_wave"] == "W2"
    got = {(r["segment"], r["level"]): (r["n"], r["share"], r["previous_n"]) for r in t.to_dict("records")}
    assert got[("region", "N")] == (2, 0.5, 4.0)
    assert got[("region", "E")][:2] == (1, 0.25) and math.isnan(got[("region", "E")][2])
    assert got[("region", "(missing)")][:2] == (1, 0.25)
    assert got[("channel", "web")] == (3, 0.75, 3.0)
    first = quality.segment_composition(data, ["region"], {})
    assert "previous_n" not in first and first.attrs["previous_wave"] is None
    assert first["n"].sum() == 4
    # the saved records are what the next wave reads back
    assert json.loads(json.dumps(first[["segment", "level", "n"]].to_dict("records")))[0] == {
        "segment": "region",
        "level": "E",
        "n": 1,
    }


def test_score_precision_margin_is_half_the_interval():
    x = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0])
    w = pd.Series([1.0, 1.0, 2.0, 2.0, 4.0])
    t = quality.score_precision(x, weights=w, level=0.95)
    assert t["estimate"].tolist() == ["unweighted", "weighted"]
    # unweighted: s = sqrt(2.5), se = s/sqrt(5), t_0.975,4 = 2.776445
    assert t.loc[0, "mean"] == 3.0 and t.loc[0, "n"] == 5 and t.loc[0, "n_eff"] == 5
    assert t.loc[0, "margin_of_error"] == pytest.approx(2.7764451 * math.sqrt(2.5) / math.sqrt(5), rel=1e-6)
    # weighted: mean Σwx/Σw = 37/10, Kish n_eff (Σw)²/Σw² = 100/26
    assert t.loc[1, "mean"] == pytest.approx(3.7) and t.loc[1, "n_eff"] == pytest.approx(100 / 26)
    assert quality.score_precision(x)["estimate"].tolist() == ["unweighted"]


# --------------------------------------------------------------------------------------------
# 02 satisfaction: item changes, their direction, the comment themes
# --------------------------------------------------------------------------------------------


def test_arrow_reads_the_named_p_value():
    row = {"difference": -0.4, "p_value": 0.01, "p_adjusted": 0.08}
    assert hl.arrow(row) == "▼" and hl.arrow(row, p="p_adjusted") == "→"
    assert hl.arrow({"difference": 1.0, "p_value": None}) == "→"
    assert hl.arrow({"difference": 1.0, "p_value": float("nan")}) == "→"
    assert hl.arrow(pd.Series({"difference": 1.0, "p_value": 0.049})) == "▲"


def test_answered_is_none_for_an_absent_or_empty_question():
    data = pd.DataFrame({"overall": [np.nan, 4.0], "loyalty": [np.nan, np.nan]})
    assert hl.answered(data, "overall").tolist()[1] == 4.0
    assert hl.answered(data, "loyalty") is None and hl.answered(data, "effort") is None


def test_item_changes_holm_over_the_items_of_both_waves():
    cur = pd.DataFrame({"q1": [4, 5, 4, 5, 5, 4], "q2": [3, 3, 4, 2, 3, 3], "q3": [1, 2, 3, 4, 5, 1]})
    prev = pd.DataFrame({"q1": [3, 2, 3, 3, 2, 3], "q2": [3, 4, 3, 2, 3, 3]})
    t = hl.item_changes(cur, prev, ["q1", "q2", "q3"], level=0.95)
    assert t.index.tolist() == ["q1", "q2"]  # q3 was not asked before: not a test
    p = t["p_value"].to_numpy()
    order = np.argsort(p)
    holm = np.minimum(1, np.maximum.accumulate((2 - np.arange(2)) * p[order]))
    assert t["p_adjusted"].to_numpy()[order] == pytest.approx(holm)
    assert t["significant"].tolist() == (t["p_adjusted"] < 0.05).tolist() == [True, False]


def test_change_directions_are_the_arrows_of_the_adjusted_p():
    changes = pd.DataFrame(
        {"difference": [0.5, -0.3, -0.2, 0.1], "p_adjusted": [0.001, 0.01, 0.2, np.nan]}, index=["a", "b", "c", "d"]
    )
    got = hl.change_directions(["a", "b", "c", "d", "e"], changes, alpha=0.05)
    assert got.tolist() == ["up", "down", "", "", ""] and got.index.tolist() == ["a", "b", "c", "d", "e"]
    assert hl.change_directions(["a", "b"], changes, alpha=0.005).tolist() == ["up", ""]
    assert hl.change_directions(["a"]).tolist() == [""]
    assert set(hl.DIRECTIONS.values()) == {"up", "down", ""}


def test_scale_span_covers_every_item_scale():
    assert hl.scale_span(_codebook(), ["q1", "q2"]) == (1.0, 7.0)
    assert hl.scale_span(_codebook(), ["q1"]) == (1.0, 5.0)


def _themes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "theme": ["late", "staff", "price", "app"],
            "label": ["Late", "Staff", "Price", "App"],
            "n_mentions": [40, 10, 80, 35],
            "share": [0.2, 0.05, 0.4, 0.2],
            "ci_low": [0.15, 0.02, 0.35, 0.15],
            "sat_difference": [-1.2, -2.0, 0.3, -0.5],
            "sat_p_adjusted": [0.001, 0.001, 0.01, 0.2],
            "share_previous": [0.1, 0.04, 0.4, 0.25],
            "change": [0.1, 0.01, 0.0, -0.05],
            "change_p_adjusted": [0.01, 0.9, 1.0, 0.3],
        }
    )


def test_themes_for_report_suppresses_orders_and_flags():
    r = ct.themes_for_report(_themes(), min_n=30, alpha=0.05)
    assert r["theme"].tolist() == ["price", "late", "app", "staff"]  # by share, ties in order, suppressed last
    staff = r.set_index("theme").loc["staff"]
    assert staff["suppressed"] and np.isnan(staff["share"]) and np.isnan(staff["sat_difference"])
    assert np.isnan(staff["change"]) and staff["share_previous"] == 0.04 and staff["n_mentions"] == 10
    assert r.set_index("theme")["dissatisfying"].to_dict() == {"price": False, "late": True, "app": False, "staff": False}
    assert r.set_index("theme")["changed"].to_dict() == {"price": False, "late": True, "app": False, "staff": False}
    plain = ct.themes_for_report(_themes()[["theme", "n_mentions", "share"]], min_n=30)
    assert "dissatisfying" not in plain and "changed" not in plain


def test_theme_share_trend_lines_up_the_saved_waves():
    saved = {
        "W1": {"comments": [{"theme": "late", "label": "Late (old)", "share": 0.1}, {"theme": "gone", "share": 0.3}]},
        "W2": {"comments": None},
        "W3": {"comments": [{"theme": "late", "label": "Late", "share": None}]},  # every share suppressed
    }
    now = pd.DataFrame({"theme": ["staff", "late"], "label": ["Staff", "Late"], "share": [0.25, 0.05]})
    trend = ct.theme_share_trend(saved, "W4", now)
    assert list(trend.columns) == ["W1", "W4"]
    assert list(trend.index) == ["Staff", "Late", "gone"]  # the newest wave's themes first, then the others
    assert trend.loc["Late", "W1"] == pytest.approx(10.0) and trend.loc["Late", "W4"] == pytest.approx(5.0)
    assert np.isnan(trend.loc["Staff", "W1"]) and np.isnan(trend.loc["gone", "W4"])
    assert ct.theme_share_trend({}).empty
    # the frames of several waves: the same rule
    old = pd.DataFrame(saved["W1"]["comments"])
    assert ct.share_trend({"W1": old, "W4": now}).equals(trend)


def test_top_themes_leave_out_the_suppressed():
    r = ct.themes_for_report(_themes(), min_n=30)
    assert ct.top_themes(r, k=2)["theme"].tolist() == ["price", "late"]
    assert ct.top_themes(r, k=5)["theme"].tolist() == ["price", "late", "app"]
    assert ct.top_themes(None).empty and ct.top_themes(_themes().drop(columns="n_mentions"), k=1)["theme"].tolist() == ["price"]


# --------------------------------------------------------------------------------------------
# 08 executive summary
# --------------------------------------------------------------------------------------------


def test_drivers_outcome_order_or_reason():
    assert summary.drivers_outcome({"order": ["a", "b", "c", "d"], "available": True}) == (["a", "b", "c", "d"], "")
    assert summary.drivers_outcome({"available": False, "reason": "too few answers"}) == ([], "too few answers")
    assert summary.drivers_outcome({"order": [], "reason": "no items"}) == ([], "no items")
    assert summary.drivers_outcome({"order": []}) == ([], "")
    assert summary.drivers_outcome(None) == ([], "")


def test_kano_change_lines_list_only_the_changed_attributes():
    moved = pd.DataFrame({"attribute": ["a", "b"], "category_a": ["A", "O"], "category_b": ["O", "O"], "changed": [True, False]})
    lines = summary.kano_change_lines(moved, str.upper, "en")
    plain = summary.KANO_PLAIN["en"]
    assert lines == [f"- Changed since the previous wave: **A** (from “{plain['A'][0]}” to “{plain['O'][0]}”)"]
    fa = summary.kano_change_lines(moved, str.upper, "fa")
    assert len(fa) == 1 and summary.KANO_PLAIN["fa"]["A"][0] in fa[0]
    assert summary.kano_change_lines(None, str.upper) == [] and summary.kano_change_lines(moved.iloc[:0], str) == []


def test_unmet_basics_lines_name_the_owner():
    must = pd.DataFrame({"label": ["Invoice", "Returns"], "department": ["finance", "logistics"]})
    assert summary.unmet_basics_lines(must, str.upper) == [
        "- A basic expectation we do not meet: **Invoice** (FINANCE)",
        "- A basic expectation we do not meet: **Returns** (LOGISTICS)",
    ]
    assert summary.unmet_basics_lines(None) == []


def test_headline_cards_use_the_same_arrow_rule():
    saved = {
        "headline": [{"metric": "nps", "estimate": 20.0, "ci_low": 15.0, "ci_high": 25.0, "unit": "points"}],
        "change": [{"metric": "nps", "difference": 4.0, "p_value": 0.03}],
        "previous_wave": "W1",
    }
    assert summary.headline_cards(saved)[0]["change"].startswith("▲")
    assert summary.headline_cards(saved, alpha=0.01)[0]["change"].startswith("→")
    saved["change"][0]["p_value"] = None  # NaN saved as null: no significant change
    assert summary.headline_cards(saved)[0]["change"].startswith("→")


# --------------------------------------------------------------------------------------------
# The notebooks call the rules instead of holding them
# --------------------------------------------------------------------------------------------


def _code(name: str) -> str:
    cells = json.loads((NOTEBOOKS / name).read_text("utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def test_notebooks_call_the_rules():
    dq, sat, summ = _code("01_data_quality.ipynb"), _code("02_satisfaction.ipynb"), _code("08_summary.ipynb")
    for call in ("segment_composition", "answer_columns", "least_answered", "straightlining_by_segment", "score_precision"):
        assert call in dq
    assert "ci_high - " not in dq and "list(history)" not in dq and ".groupby(" not in dq
    for call in ("hl.item_changes", "hl.change_directions", "themes_for_report", "theme_share_trend", "segments_in"):
        assert call in sat
    assert '"up" if' not in sat and "share_trend({" not in sat and '["suppressed"] =' not in sat
    for call in ("top_themes", "drivers_outcome", "kano_change_lines", "unmet_basics_lines"):
        assert call in summ
    assert ".sort_values(" not in summ and "astype(bool)" not in summ
