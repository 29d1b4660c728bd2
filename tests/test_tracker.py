"""The action tracker across waves: stable ids, status from the data, due dates, and the formatted register files."""

import datetime as dt

import pandas as pd
import pytest

from csmlib.report.register import tracker_table, write_register
from csmlib.stats import findings, tracker

Q1, Q2, Q3, Q4 = (dt.date(2026, m, d) for m, d in ((3, 31), (6, 30), (9, 30), (12, 31)))


def _finding(key, *, flagged=True, improved=False, impact=0.5, gap=0.5, trend=0.0, confidence=1 / 3, department="Logistics"):
    return {
        "key": key,
        "label": key.split(":")[1],
        "department": department,
        "lead": "concentrate_here" if flagged else None,
        "kinds": ["concentrate_here"] if flagged else [],
        "sources": ["drivers"] if flagged else [],
        "evidence": f"evidence of {key}",
        "action": f"act on {key}" if flagged else "",
        "kpi": f"kpi of {key}" if flagged else None,
        "target": "≥ 4.00" if flagged else None,
        "flagged": flagged,
        "improved": improved,
        "testable": key.partition(":")[0] in findings.TESTABLE,
        "impact": impact,
        "gap": gap,
        "trend": trend,
        "confidence": confidence if flagged else 0.0,
    }


def _wave(*rows):
    return pd.DataFrame(list(rows))


def test_a_problem_keeps_its_id_wave_after_wave():
    first = tracker.track(
        _wave(_finding("item:speed", impact=1, gap=1), _finding("item:packaging"), _finding("theme:staff", impact=0.1)),
        {},
        wave="Q1",
        end=Q1,
    )
    assert first["id"].tolist() == ["F-001", "F-002", "F-003"]  # new ids in priority order
    assert (first["status"] == "new").all() and (first["first_wave"] == "Q1").all()
    ids = dict(zip(first["key"], first["id"], strict=True))
    # next wave: other rows, another order, one new problem; matched by key, never by row
    second = tracker.track(
        _wave(_finding("theme:staff", impact=0.1), _finding("item:invoice", impact=1, gap=1), _finding("item:speed", impact=1)),
        {"Q1": first},
        wave="Q2",
        end=Q2,
    )
    got = dict(zip(second["key"], second["id"], strict=True))
    assert got["item:speed"] == ids["item:speed"] and got["theme:staff"] == ids["theme:staff"]
    assert got["item:invoice"] == "F-004"  # numbers are never reused for another problem
    status = dict(zip(second["key"], second["status"], strict=True))
    assert status == {
        "item:speed": "continuing",
        "theme:staff": "continuing",
        "item:invoice": "new",
        "item:packaging": "continuing",
    }
    speed = second.set_index("key").loc["item:speed"]
    assert speed["first_wave"] == "Q1" and speed["waves_open"] == 1


def test_status_is_decided_from_the_data():
    history = {}
    rows = [
        _finding("item:speed"),  # raised again, and significantly better: improved
        _finding("item:packaging"),  # no longer raised and significantly better: resolved
        _finding("category:price"),  # no longer raised, not significantly better: kept open a wave
        _finding("dimension:delivery"),  # no longer raised, no test of improvement: resolved
        _finding("theme:staff"),  # no signal of any kind any more, not significantly better: kept open
    ]
    history["Q1"] = tracker.track(_wave(*rows), history, wave="Q1", end=Q1)
    q2 = tracker.track(
        _wave(
            _finding("item:speed", improved=True),
            _finding("item:packaging", flagged=False, improved=True),
            _finding("category:price", flagged=False),
            _finding("dimension:delivery", flagged=False),
        ),
        history,
        wave="Q2",
        end=Q2,
    ).set_index("key")
    assert q2["status"].to_dict() == {
        "item:speed": "improved",
        "category:price": "continuing",
        "theme:staff": "continuing",
        "item:packaging": "resolved",
        "dimension:delivery": "resolved",
    }
    assert q2.loc["item:packaging", "evidence"].startswith("Resolved: significantly better")
    assert pd.isna(q2.loc["item:packaging", "due"]) and pd.isna(q2.loc["item:packaging", "priority"])
    # kept open without a signal: watched at low priority, still asked for the same action and KPI
    assert q2.loc["category:price", "priority"] == "low" and q2.loc["category:price", "kpi"] == "kpi of category:price"
    assert q2.loc["category:price", "evidence"].startswith("Not raised this wave")
    history["Q2"] = q2.reset_index()
    q3 = tracker.track(_wave(_finding("item:speed")), history, wave="Q3", end=Q3).set_index("key")
    # not raised for a second wave: resolved; a resolved problem is not carried further
    assert q3.loc["category:price", "status"] == "resolved" and "two waves in a row" in q3.loc["category:price", "evidence"]
    assert "item:packaging" not in q3.index and "dimension:delivery" not in q3.index
    history["Q3"] = q3.reset_index()
    # a resolved problem that comes back keeps its id, as a new finding
    q4 = tracker.track(_wave(_finding("item:packaging")), history, wave="Q4", end=Q4).set_index("key")
    assert q4.loc["item:packaging", "id"] == history["Q1"].set_index("key").loc["item:packaging", "id"]
    assert q4.loc["item:packaging", "status"] == "new" and q4.loc["item:packaging", "first_wave"] == "Q4"


def test_an_unsolved_problem_is_not_demoted():
    history, scores = {}, []
    for wave, end in (("Q1", Q1), ("Q2", Q2), ("Q3", Q3)):
        table = tracker.track(_wave(_finding("item:speed", impact=0.6, gap=0.5)), history, wave=wave, end=end)
        history[wave] = table
        scores.append(table["score"].iloc[0])
    assert scores[0] < scores[1] < scores[2]  # a quarter of trend for every wave it stays open
    assert history["Q3"]["trend"].iloc[0] == 0.5


def test_due_dates_follow_the_priority_setting():
    table = tracker.track(
        _wave(_finding("item:a", impact=1, gap=1, trend=1), _finding("item:b", impact=1, gap=0), _finding("item:c", impact=0.1)),
        {},
        wave="Q1",
        end=Q1,
        due_days={"high": 14, "medium": 45, "low": 120},
    ).set_index("key")
    assert table["priority"].to_dict() == {"item:a": "high", "item:b": "medium", "item:c": "low"}
    assert table["due"].to_dict() == {
        "item:a": dt.date(2026, 4, 14),
        "item:b": dt.date(2026, 5, 15),
        "item:c": dt.date(2026, 7, 29),
    }
    assert tracker.track(_wave(), {}, wave="Q1", end=Q1).empty


def test_saved_trackers_come_back(tmp_path):
    from csmlib.core.results import load_results, save_results

    first = tracker.track(_wave(_finding("item:speed"), _finding("item:packaging")), {}, wave="Q1", end=Q1)
    save_results(tmp_path, "07_feedback", {"register": first, "resolved": first.iloc[0:0]})
    saved = tracker.from_saved(load_results(tmp_path, "07_feedback"))
    second = tracker.track(_wave(_finding("item:speed")), {"Q1": saved}, wave="Q2", end=Q2)
    assert second.set_index("key")["id"].to_dict() == first.set_index("key")["id"].to_dict()
    assert tracker.from_saved({"register": [{"id": "F-001", "kind": "concentrate_here"}]}) is None  # the old, keyless register
    assert tracker.from_saved(None) is None


# ------------------------------------------------------------------------------------------ the files
def _tracker():
    return tracker.track(
        _wave(
            _finding("item:speed", impact=1, gap=1, trend=1),
            _finding("theme:staff", impact=0.1, department="Customer Service"),
        ),
        {},
        wave="2026Q3",
        end=Q3,
    )


def test_register_shows_labels_not_codes():
    names = {"Logistics": "Logistik", "Customer Service": "Kundendienst"}
    table = tracker_table(_tracker(), department_label=names.get)
    assert list(table.columns[:6]) == ["ID", "Priority", "Score", "Status", "Department", "Problem"]
    assert table["Status"].tolist() == ["new", "new"] and table["Priority"].tolist() == ["high", "low"]
    assert table["Department"].tolist() == ["Logistik", "Kundendienst"] and table["Due"].iloc[0] == dt.date(2026, 10, 30)
    assert not {"key", "kinds", "sources", "impact", "lead", "flagged"} & set(table.columns)
    fa = tracker_table(_tracker(), language="fa")
    assert list(fa.columns[:4]) == ["شناسه", "اولویت", "امتیاز", "وضعیت"]
    assert fa["اولویت"].tolist() == ["بالا", "پایین"] and fa["وضعیت"].iloc[0] == "جدید"
    assert fa["مهلت"].iloc[0] == "۱۴۰۵/۰۸/۰۸" and fa["امتیاز"].iloc[0] == "۹۰"  # Solar Hijri date, Persian digits


@pytest.mark.parametrize("language", ["en", "fa"])
def test_register_xlsx_is_formatted(tmp_path, language):
    from openpyxl import load_workbook

    table = tracker_table(_tracker(), language=language)
    csv_path, xlsx_path = write_register(table, tmp_path, language=language)
    sheet = load_workbook(xlsx_path).active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:M{len(table) + 1}"
    assert sheet.sheet_view.rightToLeft is (language == "fa")
    header = [c.value for c in sheet[1]]
    assert header == list(table.columns)
    evidence = header.index("Evidence" if language == "en" else "شواهد") + 1
    letter = sheet.cell(row=1, column=evidence).column_letter
    assert sheet.column_dimensions[letter].width == 70 and sheet.cell(row=2, column=evidence).alignment.wrap_text
    assert sheet.cell(row=1, column=1).font.bold and sheet.cell(row=1, column=1).fill.fgColor.rgb.endswith("DDEBF7")
    assert 8 <= sheet.column_dimensions["A"].width <= 12  # fitted to "F-001"
    due = sheet.cell(row=2, column=header.index("Due" if language == "en" else "مهلت") + 1)
    if language == "en":
        assert due.is_date and due.number_format == "yyyy-mm-dd"
    else:
        assert due.value == "۱۴۰۵/۰۸/۰۸"
    assert pd.read_csv(csv_path, encoding="utf-8-sig").shape == table.shape


def test_wave_file_feedback_block():
    from pydantic import ValidationError

    from csmlib.survey.params import FeedbackOptions, WaveParams

    assert FeedbackOptions().due_days.model_dump() == tracker.DEFAULT_DUE_DAYS
    assert "feedback" in WaveParams.model_fields and FeedbackOptions().complaint_handling is None
    given = FeedbackOptions.model_validate({"due_days": {"high": 14}, "targets": {"del_speed": 4.0}})
    assert given.due_days.model_dump() == {"high": 14, "medium": 60, "low": 90} and given.targets == {"del_speed": 4.0}
    for wrong in ({"due_days": {"high": 100}}, {"due_days": {"urgent": 5}}, {"due_days": {"low": 0}}):
        with pytest.raises(ValidationError):
            FeedbackOptions.model_validate(wrong)
