"""Signals of each analysis, merged into one finding per problem and scored by its size."""

import math

import pandas as pd
import pytest

from csmlib.stats import feedback, findings


def _complaints(cb, *, spike=101, expected=58.3):
    spikes = pd.DataFrame(
        {
            "category": ["delivery_delay", "packaging_damage", "price", "billing_error"],
            "observed": [spike, 56, 26, 20],
            "expected": [expected, 43.0, 17.7, 27.7],
            "lcl": [35.4, 23.3, 5.1, 21.9],
            "flag": [True, False, False, False],
        }
    )
    recurring = pd.DataFrame(
        {"category": ["packaging_damage"], "product": ["P-200 Blender"], "count": [45], "expected": [15.7], "periods": [4]}
    )
    actions = pd.DataFrame(
        {
            "action_id": ["CA-01", "CA-02"],
            "category": ["billing_error", "packaging_damage"],
            "department": ["Finance", "Packaging"],
            "verdict": ["effective", "not effective"],
            "evidence": ["rate fell", "rate did not fall"],
            "rate_before": [15.8, 13.87],
            "rate_after": [6.2, 16.4],
        }
    )
    return feedback.from_complaints(cb, recurring=recurring, spikes=spikes, actions=actions)


def test_signals_are_routed_to_owning_departments(demo_codebook):
    cb = demo_codebook
    changes = pd.DataFrame(
        {
            "item": ["del_speed", "org_image", "prod_price"],
            "current": [3.5, 4.1, 3.9],
            "previous": [3.9, 4.0, 4.2],
            "difference": [-0.4, 0.1, -0.3],
            "p_adjusted": [1e-6, 0.01, 0.2],
            "significant": [True, True, False],
        }
    )
    found = feedback.from_item_changes(changes, cb)
    drops = found[found["flag"]]
    assert drops["subject"].tolist() == ["del_speed"]  # rises and non-significant drops raise nothing
    assert drops["department"].tolist() == ["Logistics"] and drops["key"].tolist() == ["item:del_speed"]
    assert found.loc[found["improved"], "subject"].tolist() == ["org_image"]  # a significant rise is an improvement

    kano = pd.DataFrame({"category": ["M", "M", "A"]}, index=["kano_safe_pack", "kano_invoice", "kano_sameday"])
    perf = pd.Series({"del_packaging": 3.2, "org_invoicing": 4.3, "del_speed": 2.0})
    must = feedback.from_kano(kano, perf, cb, threshold=3.8)
    assert must["subject"].tolist() == ["kano_safe_pack"] and must["department"].tolist() == ["Packaging"]
    assert must["key"].tolist() == ["item:del_packaging"] and must["impact"].tolist() == [1.0]

    ipa = pd.DataFrame(
        {"quadrant": ["concentrate here", "keep up the good work"], "importance": [0.2, 0.3], "performance": [3.1, 4.4]},
        index=["org_complaints", "prod_performance"],
    )
    conc = feedback.from_ipa(ipa, cb)
    assert conc["subject"].tolist() == ["org_complaints"] and conc["department"].tolist() == ["Customer Service"]

    comp = _complaints(cb)
    by_kind = comp[comp["flag"]].set_index("kind")
    assert set(by_kind.index) == {"recurring_complaint", "complaint_spike", "ineffective_action"}
    assert by_kind.loc["recurring_complaint", "department"] == "Packaging"
    assert by_kind.loc["complaint_spike", "department"] == "Logistics"
    # complaint categories join the characteristic the codebook names for them
    assert by_kind.loc["complaint_spike", "key"] == "item:del_speed"
    assert by_kind.loc["ineffective_action", "key"] == by_kind.loc["recurring_complaint", "key"] == "item:del_packaging"
    assert by_kind.loc["complaint_spike", "trend"] == pytest.approx(101 / 58.3 - 1)
    assert by_kind.loc["recurring_complaint", "trend"] == 1.0  # in four waves
    assert "13.9 per 30 days before it, 16.4 after" in by_kind.loc["ineffective_action", "evidence"]
    assert by_kind.loc["ineffective_action", "target"].startswith("< 13.9")
    # billing complaints below the lower control limit of the earlier waves: an improvement, no problem
    assert comp.loc[comp["improved"], "key"].tolist() == ["item:org_invoicing"]

    signals, missing = feedback.register(
        {"satisfaction": found, "kano": must, "drivers": conc, "complaints": comp, "reliability": None}
    )
    assert missing == ["reliability"] and len(signals) == len(found) + len(must) + len(conc) + len(comp)


def test_register_with_nothing_available():
    signals, missing = feedback.register({"complaints": None})
    assert signals.empty and missing == ["complaints"] and list(signals.columns) == findings.SIGNAL_COLUMNS


def test_evidence_is_plain_language_in_english_and_persian(demo_codebook):
    changes = pd.DataFrame(
        {
            "item": ["del_speed"],
            "current": [3.6],
            "previous": [4.1],
            "difference": [-0.5],
            "p_adjusted": [0.001],
            "significant": [True],
        }
    )
    fa = feedback.from_item_changes(changes, demo_codebook, language="fa")
    en = feedback.from_item_changes(changes, demo_codebook, language="en")
    assert en["evidence"].iloc[0] == "the mean rating fell from 4.10 to 3.60 since the previous wave (a significant fall)"
    assert fa["evidence"].iloc[0].startswith("میانگین امتیاز از ۴٫۱۰ به ۳٫۶۰")  # Persian digits
    actions = pd.DataFrame(
        {
            "action_id": ["A-1"],
            "category": ["packaging_damage"],
            "department": ["Packaging"],
            "verdict": ["not effective"],
            "evidence": ["No significant fall in the complaint rate (one-sided p = 0.97)"],
            "rate_before": [13.87],
            "rate_after": [18.39],
        }
    )
    found = feedback.from_complaints(demo_codebook, actions=actions, language="fa")
    text = found["evidence"].iloc[0]
    assert "کم نکرده است" in text and "۱۳٫۹" in text and "۱۸٫۴" in text
    english = feedback.from_complaints(demo_codebook, actions=actions)["evidence"].iloc[0]
    assert "p =" not in english and "packaging_damage" not in english  # no statistics, no raw codes
    assert "“Damaged packaging”" in english
    plain = feedback.from_complaints(
        demo_codebook, actions=actions[["action_id", "category", "department", "verdict", "evidence"]], language="fa"
    )
    assert plain["evidence"].iloc[0] == actions["evidence"].iloc[0]  # no numbers to say it with


def test_sources_without_results_give_no_signals(demo_codebook):
    """A report that had nothing to analyse (no driver analysis, no dimensions) yields no signals, not an error."""
    assert feedback.from_ipa(None, demo_codebook).empty
    assert feedback.from_ipa(pd.DataFrame(), demo_codebook).empty
    saved = pd.DataFrame(
        {
            "item": ["org_complaints", "prod_performance"],
            "quadrant": ["concentrate here", "low priority"],
            "importance": [0.2, 0.01],
            "performance": [3.1, 3.0],
        }
    )  # as 05_drivers saves it
    assert feedback.from_ipa(saved, demo_codebook)["subject"].tolist() == ["org_complaints"]
    assert feedback.from_reliability(None, threshold=0.7).empty
    assert feedback.from_reliability(pd.DataFrame(), threshold=0.7).empty
    alpha = pd.DataFrame({"dimension": ["a", "b", "c"], "alpha": [0.5, 0.55, float("nan")], "small_sample": [False, True, False]})
    # b's α comes from too few respondents to judge, c's could not be computed
    low = feedback.from_reliability(alpha, threshold=0.7)
    assert low["subject"].tolist() == ["a"] and low["key"].tolist() == ["dimension:a"] and low["gap"].tolist() == [1.0]
    assert feedback.as_findings(None).empty and list(feedback.as_findings(None).columns) == feedback.COLUMNS
    must = feedback.from_kano(
        pd.DataFrame({"category": ["M"]}, index=["kano_safe_pack"]),
        pd.Series({"del_packaging": 3.0}),
        demo_codebook,
        threshold=3.8,
    )
    signals, missing = feedback.register(
        {
            "kano": feedback.as_findings(pd.DataFrame(must.to_dict("records"))),
            "drivers": feedback.as_findings(pd.DataFrame()),
            "complaints": None,
        }
    )
    assert missing == ["complaints"] and signals["subject"].tolist() == ["kano_safe_pack"] and signals["flag"].all()
    assert feedback.from_complaint_handling(None, demo_codebook, item="org_complaints", performance=pd.Series()).empty


def test_complaint_handling_goes_to_the_department_of_its_item(demo_codebook):
    kpis = {"handling_sat_mean": 3.35, "handling_sat_n": 209, "first_contact_share": 0.34, "close_within_target": 0.79}
    perf = pd.Series({"org_complaints": 4.0, "del_speed": 3.44, "prod_price": 4.1, "org_image": 4.2})
    found = feedback.from_complaint_handling(kpis, demo_codebook, item="org_complaints", performance=perf, close_days=10)
    assert found["key"].tolist() == ["item:org_complaints"] and found["department"].tolist() == ["Customer Service"]
    text = found["evidence"].iloc[0]
    assert "3.35 of 5" in text and "34% of complaints resolved at the first contact" in text and "within 10 days" in text
    assert found["gap"].iloc[0] == 1.0  # 0.56 below the others: more than a tenth of the 1–5 range
    # no item named, or handling as good as the rest: nothing raised
    assert feedback.from_complaint_handling(kpis, demo_codebook, item=None, performance=perf).empty
    good = {**kpis, "handling_sat_mean": 3.9}
    assert feedback.from_complaint_handling(good, demo_codebook, item="org_complaints", performance=perf).empty


# --------------------------------------------------------------------------------------------- the score
def test_components_and_priority_rule():
    assert findings.share_impact(0.247, 1 / 21) == 1.0  # five times an equal share of R²
    assert findings.share_impact(1 / 21, 1 / 21) == pytest.approx(1 / 3)  # an equal share: a third
    assert math.isnan(findings.share_impact(float("nan"), 0.1))
    assert findings.gap_score(0.4, 4) == 1.0 and findings.gap_score(0.1, 4) == 0.25 and findings.gap_score(-1, 4) == 0
    assert findings.rise_score(101, 58.3) == pytest.approx(0.7324, abs=1e-4) and findings.rise_score(200, 50) == 1.0
    assert [findings.persistence(n) for n in (0, 1, 3, 9)] == [0, 0.25, 0.75, 1]
    assert sum(findings.WEIGHTS.values()) == pytest.approx(1)
    table = pd.DataFrame(
        {"impact": [1, 0, 0, 1], "gap": [1, 0, 0, 0], "trend": [1, 0, 1, 0], "confidence": [1, 0, 0, 1 / 3]}, dtype=float
    )
    scored = findings.score(table)
    assert scored["score"].tolist() == [100.0, 0.0, 20.0, 40.0]
    assert scored["priority"].tolist() == ["high", "low", "low", "medium"]
    assert [findings.priority_of(v) for v in (50, 49.9, 25, 24.9)] == ["high", "medium", "medium", "low"]


def test_one_finding_per_problem_prioritised_by_size(demo_codebook):
    """The 2026Q3 pattern: late deliveries are the top driver, the lowest item and a complaint spike;
    packaging is a recurring complaint with a failed corrective action and a must-be Kano need."""
    cb = demo_codebook
    perf = pd.Series({"del_speed": 3.44, "del_packaging": 3.98, "org_complaints": 4.0, "prod_performance": 3.97})
    perf = pd.concat([perf, pd.Series({i.id: 3.98 for i in cb.items if i.id not in perf.index})])
    share = pd.Series({i.id: 0.5 / (len(cb.items) - 3) for i in cb.items})
    share[["del_speed", "prod_performance", "org_complaints"]] = [0.247, 0.154, 0.071]
    share = share / share.sum()
    ipa = pd.DataFrame({"performance": perf, "importance": share})
    important, poor = ipa["importance"] >= share.mean(), ipa["performance"] < perf.mean()
    ipa["quadrant"] = ["concentrate here" if flag else "other" for flag in important & poor]
    kano = pd.Series({"kano_safe_pack": "M", "kano_sameday": "A", "kano_invoice": "M"})
    themes = pd.DataFrame(
        {
            "theme": ["packaging_damage", "staff_rude"],
            "share": [0.116, 0.069],
            "n_commenters": [898, 898],
            "sat_difference": [-1.08, -1.78],
            "sat_p_adjusted": [6e-5, 1e-6],
            "sat_mention": [6.98, 6.28],
            "sat_other": [8.06, 8.06],
        }
    )
    kpis = {"handling_sat_mean": 3.35, "handling_sat_n": 209, "first_contact_share": 0.34}
    signals, _ = feedback.register(
        {
            "drivers": feedback.from_ipa(ipa, cb),
            "kano": feedback.from_kano(kano.to_frame("category"), perf, cb, threshold=perf.mean()),
            "complaints": pd.concat(
                [_complaints(cb), feedback.from_complaint_handling(kpis, cb, item="org_complaints", performance=perf)]
            ),
            "comments": feedback.from_comments(themes, cb),
        }
    )
    context = findings.item_context(cb, perf, importance=share, kano=kano)
    merged = findings.merge(pd.concat([signals, context], ignore_index=True), cb, actions=feedback.actions())
    raised = findings.score(merged[merged["flagged"]]).sort_values("score", ascending=False).set_index("key")
    assert raised.index[0] == "item:del_speed" and raised["department"].iloc[0] == "Logistics"
    assert raised["priority"].iloc[0] == "high"
    speed = raised.loc["item:del_speed"]
    assert speed["sources"] == ["drivers", "complaints"] and speed["confidence"] == pytest.approx(2 / 3)
    assert "101 “Late delivery” complaints" in speed["evidence"] and "the strongest of 21 drivers" in speed["evidence"]
    assert speed["kpi"] == "mean rating of “Delivery speed”" and speed["action"].startswith("Improve Delivery speed")
    # the recurring complaint, the failed action and the comment theme are one packaging finding
    packaging = raised.loc["item:del_packaging"]
    assert packaging["department"] == "Packaging" and not any(k.startswith("category:packaging") for k in raised.index)
    assert set(packaging["kinds"]) == {"ineffective_action", "recurring_complaint", "dissatisfying_theme"}
    assert packaging["lead"] == "ineffective_action" and "CA-02" in packaging["action"]
    assert packaging["priority"] == "high" and packaging["score"] < speed["score"]
    # Customer Service gets complaint handling, and its comment theme as a finding of its own
    handling = raised.loc["item:org_complaints"]
    assert handling["department"] == "Customer Service" and handling["lead"] == "complaint_handling"
    assert raised.loc["theme:staff_rude", "department"] == "Customer Service"
    assert raised.loc["theme:staff_rude", "priority"] == "low"  # a 7 % theme weighs less than the top driver
    assert raised.index.is_unique


def test_evidence_of_one_problem_is_merged_without_repeats(demo_codebook):
    a = findings.signal(key="item:del_speed", source="drivers", kind="concentrate_here", flag=True, evidence="same")
    b = findings.signal(key="item:del_speed", source="complaints", kind="complaint_spike", flag=True, evidence="same", trend=0.4)
    c = findings.signal(key="item:del_speed", source="satisfaction", kind="performance", evidence="context", gap=0.8)
    merged = findings.merge(findings.signals_frame([a, b, c]), demo_codebook)
    assert len(merged) == 1 and merged["evidence"].iloc[0] == "same; context"
    assert merged["gap"].iloc[0] == 0.8 and merged["trend"].iloc[0] == 0.4 and merged["lead"].iloc[0] == "concentrate_here"
    assert findings.merge(None, demo_codebook).empty


def test_a_problem_that_also_got_worse_has_not_improved(demo_codebook):
    """A theme mentioned significantly less does not make a spiking problem 'improved' (demo 2026Q3)."""
    theme = findings.signal(
        key="item:del_speed", source="comments", kind="dissatisfying_theme", flag=True, improved=True, evidence="fewer mentions"
    )
    spike = findings.signal(key="item:del_speed", source="complaints", kind="complaint_spike", flag=True, trend=0.7)
    rise = findings.signal(key="item:del_speed", source="satisfaction", kind="significant_rise", improved=True)
    assert not findings.merge(findings.signals_frame([theme, spike]), demo_codebook)["improved"].iloc[0]
    assert findings.merge(findings.signals_frame([theme, rise]), demo_codebook)["improved"].iloc[0]
    for kind in findings.WORSENING:
        worse = findings.signal(key="item:del_speed", source="satisfaction", kind=kind, flag=True)
        assert not findings.merge(findings.signals_frame([rise, worse]), demo_codebook)["improved"].iloc[0], kind


def test_wave_findings_from_saved_results(demo_codebook):
    """The feedback report's findings come from the saved results; absent or unavailable reports are missing sources."""
    from csmlib.stats import wave_findings as wf

    nothing = wf.wave_findings({}, demo_codebook)
    assert nothing.found.empty and set(nothing.missing) == {
        "satisfaction",
        "reliability",
        "kano",
        "drivers",
        "comments",
        "complaints",
    }
    items = [{"item": i, "estimate": v} for i, v in (("del_speed", 3.4), ("prod_safety", 4.2), ("org_courtesy", 4.3))]
    changes = [
        {"item": "del_speed", "current": 3.4, "previous": 3.9, "difference": -0.5, "p_value": 1e-9, "significant": True},
        {"item": "prod_safety", "current": 4.2, "previous": 4.2, "difference": 0.0, "p_value": 0.9, "significant": False},
    ]
    kano = [{"attribute": "k_speed", "category": "M"}]
    results = {"02_satisfaction": {"items": items, "item_changes": changes}, "04_kano": {"available": False, "summary": kano}}
    got = wf.wave_findings(results, demo_codebook)
    assert "kano" in got.missing and "satisfaction" not in got.missing and "comments" in got.missing
    raised = got.found[got.found["flagged"]].set_index("key")
    assert list(raised.index) == ["item:del_speed"] and raised.loc["item:del_speed", "lead"] == "significant_drop"
    assert "3.90 to 3.40" in raised.loc["item:del_speed", "evidence"]


def test_open_findings_per_department_and_priority():
    from csmlib.stats.wave_findings import open_by_department

    register = pd.DataFrame(
        {
            "id": ["F-001", "F-002", "F-003", "F-004"],
            "department": ["Sales", "Logistics", "Sales", "Logistics"],
            "priority": ["low", "high", "medium", None],
            "status": ["new", "continuing", "new", "resolved"],
        }
    )
    counts = open_by_department(register)
    assert list(counts.columns) == ["high", "medium", "low"] and list(counts.index) == ["Logistics", "Sales"]
    assert counts.loc["Sales"].tolist() == [0, 1, 1] and counts.to_numpy().sum() == 3
