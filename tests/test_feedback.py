import pandas as pd

from csmlib.stats import feedback


def test_findings_are_routed_to_owning_departments(demo_codebook):
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
    drops = feedback.from_item_changes(changes, cb)
    assert drops["subject"].tolist() == ["del_speed"]  # rises and non-significant drops are not findings
    assert drops["department"].tolist() == ["Logistics"] and drops["priority"].tolist() == ["high"]

    kano = pd.DataFrame({"category": ["M", "M", "A"]}, index=["kano_safe_pack", "kano_invoice", "kano_sameday"])
    perf = pd.Series({"del_packaging": 3.2, "org_invoicing": 4.3, "del_speed": 2.0})
    must = feedback.from_kano(kano, perf, cb, threshold=3.8)
    assert must["subject"].tolist() == ["kano_safe_pack"] and must["department"].tolist() == ["Packaging"]

    ipa = pd.DataFrame(
        {"quadrant": ["concentrate here", "keep up the good work"], "importance": [0.2, 0.3], "performance": [3.1, 4.4]},
        index=["org_complaints", "prod_performance"],
    )
    conc = feedback.from_ipa(ipa, cb)
    assert conc["subject"].tolist() == ["org_complaints"] and conc["department"].tolist() == ["Customer Service"]

    recurring = pd.DataFrame({"category": ["packaging_damage"], "product": ["P-200 Blender"], "count": [40], "periods": [4]})
    spikes = pd.DataFrame(
        {
            "category": ["delivery_delay", "price"],
            "observed": [99, 20],
            "expected": [45.0, 19.5],
            "p_value": [1e-9, 0.5],
            "flag": [True, False],
        }
    )
    actions = pd.DataFrame(
        {
            "action_id": ["CA-01", "CA-02"],
            "category": ["billing_error", "packaging_damage"],
            "department": ["Finance", "Packaging"],
            "verdict": ["effective", "not effective"],
            "evidence": ["rate fell", "rate did not fall"],
        }
    )
    comp = feedback.from_complaints(cb, recurring=recurring, spikes=spikes, actions=actions)
    assert set(comp["kind"]) == {"recurring_complaint", "complaint_spike", "ineffective_action"}
    assert comp.set_index("kind").loc["recurring_complaint", "department"] == "Packaging"
    assert comp.set_index("kind").loc["complaint_spike", "department"] == "Logistics"

    reg, missing = feedback.register(
        {"satisfaction": drops, "kano": must, "drivers": conc, "complaints": comp, "reliability": None}
    )
    assert missing == ["reliability"]
    assert reg["priority"].tolist() == sorted(reg["priority"], key=feedback.PRIORITY_ORDER.get)
    assert reg["id"].is_unique and len(reg) == 6


def test_register_with_nothing_available():
    reg, missing = feedback.register({"complaints": None})
    assert reg.empty and missing == ["complaints"]


def test_persian_register_has_persian_evidence(demo_codebook):
    import pandas as pd

    from csmlib.stats import feedback

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
    assert fa["evidence"].iloc[0].startswith("میانگین 4.10 → 3.60") and en["evidence"].iloc[0].startswith("mean 4.10")
    actions = pd.DataFrame(
        {
            "action_id": ["A-1"],
            "category": ["packaging_damage"],
            "department": ["Packaging"],
            "verdict": ["not effective"],
            "evidence": ["No significant fall in the complaint rate"],
            "rate_before": [13.87],
            "rate_after": [18.39],
            "count_before": [55],
            "count_after": [61],
            "rate_ratio": [1.33],
            "p_value": [0.97],
        }
    )
    found = feedback.from_complaints(demo_codebook, actions=actions, language="fa")
    assert "کاهش معناداری" in found["evidence"].iloc[0] and "13.87 → 18.39" in found["evidence"].iloc[0]
    plain = feedback.from_complaints(
        demo_codebook, actions=actions[["action_id", "category", "department", "verdict", "evidence"]], language="fa"
    )
    assert plain["evidence"].iloc[0] == "No significant fall in the complaint rate"  # no numbers to say it with


def test_sources_without_results_give_no_findings(demo_codebook):
    """A report that had nothing to analyse (no driver analysis, no dimensions) yields no findings, not an error."""
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
    assert feedback.from_reliability(alpha, threshold=0.7)["subject"].tolist() == ["a"]
    assert feedback.as_findings(None).empty and list(feedback.as_findings(None).columns) == feedback.COLUMNS
    must = feedback.from_kano(
        pd.DataFrame({"category": ["M"]}, index=["kano_safe_pack"]),
        pd.Series({"del_packaging": 3.0}),
        demo_codebook,
        threshold=3.8,
    )
    reg, missing = feedback.register(
        {
            "kano": feedback.as_findings(pd.DataFrame(must.to_dict("records"))),
            "drivers": feedback.as_findings(pd.DataFrame()),
            "complaints": None,
        }
    )
    assert missing == ["complaints"] and reg["subject"].tolist() == ["kano_safe_pack"]
