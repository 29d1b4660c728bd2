"""Readers and validation of survey exports against the codebook."""

import hashlib
import textwrap

import numpy as np
import pandas as pd
import pytest

from csmlib.survey.codebook import load_codebook
from csmlib.survey.responses import load_responses, read_table
from csmlib.core.errors import CSMInputError

CODEBOOK = """
survey: test
respondent_id: id
weight: w
segments:
  region: {column: region}
  type: {column: type, levels: [small, large]}
scales:
  s5: {min: 1, max: 5, missing: [9]}
  s10: {min: 0, max: 10}
items:
  - {id: q1, label: Q1, group: product, scale: s5}
  - {id: q2, label: Q2, group: delivery, scale: s5}
  - {id: q3, column: Q3_raw, label: Q3, group: organisation, scale: s5, reverse: true}
outcomes:
  recommend: {column: nps, label: NPS, scale: s10}
kano:
  pairs:
    - {id: k1, label: K1, functional: k1f, dysfunctional: k1d}
"""

GOOD = {
    "id": ["r1", "r2", "r3", "r4"],
    "w": [1, 1.5, 0.5, 1],
    "region": ["North", "South", "North", "South"],
    "type": ["small", "large", "Large ", "small"],
    "q1": [1, 5, 3, 9],
    "q2": [2, 4, 4, 5],
    "Q3_raw": [1, 2, 5, 4],
    "nps": [10, 0, 7, 9],
    "k1f": [1, 2, 1, 5],
    "k1d": [5, 5, 3, 1],
}


@pytest.fixture
def codebook(tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text(textwrap.dedent(CODEBOOK), encoding="utf-8")
    return load_codebook(path)


def _csv(tmp_path, frame, name="r.csv", **kw):
    path = tmp_path / name
    frame.to_csv(path, index=False, **kw)
    return path


def test_clean_file_is_accepted_and_recoded(tmp_path, codebook):
    intake = load_responses(_csv(tmp_path, pd.DataFrame(GOOD)), codebook)
    assert intake.n_read == 4 and intake.n_accepted == 4 and intake.rejected.empty
    d = intake.data
    assert d["q3"].tolist() == [5, 4, 1, 2]  # reverse keyed: (1 + 5) - x
    assert np.isnan(d["q1"].iloc[3]) and intake.dont_know["q1"] == 1  # don't know -> missing
    assert d["type"].tolist() == ["small", "large", "large", "small"]  # matched to declared levels
    assert d["recommend"].tolist() == [10, 0, 7, 9]
    assert intake.reversed_items == ("q3",)


@pytest.mark.parametrize(
    "column, value, reason",
    [
        ("q1", 7, "out of range 1-5"),
        ("q2", "abc", "not a number"),
        ("q2", 2.5, "not a whole number"),
        ("nps", 11, "out of range 0-10"),
        ("k1f", 6, "not a Kano answer"),
        ("w", 0, "weight must be positive"),
        ("w", -1, "weight must be positive"),
        ("type", "medium", "unknown value"),
        ("id", None, "missing respondent id"),
    ],
)
def test_row_problems_are_quarantined(tmp_path, codebook, column, value, reason):
    frame = pd.DataFrame(GOOD).astype(object)
    frame.loc[2, column] = value
    path = _csv(tmp_path, frame)
    intake = load_responses(path, codebook)
    assert intake.n_accepted == 3 and intake.n_rejected == 1
    row = intake.rejected.iloc[0]
    assert row["row"] == 4  # header is row 1, so the third record is row 4
    assert row["column"] == column and reason in row["reason"] and row["file"] == str(path)
    assert intake.rejected_rows["row"].tolist() == [4]
    assert "r3" not in intake.data["respondent_id"].tolist()


def test_duplicate_id_keeps_first(tmp_path, codebook):
    frame = pd.DataFrame(GOOD)
    frame.loc[3, "id"] = "r1"
    intake = load_responses(_csv(tmp_path, frame), codebook)
    assert intake.data["respondent_id"].tolist() == ["r1", "r2", "r3"]
    assert "duplicate respondent id (first in row 2)" in intake.rejected["reason"].iloc[0]


def test_several_problems_in_one_row_are_all_reported(tmp_path, codebook):
    frame = pd.DataFrame(GOOD).astype(object)
    frame.loc[1, ["q1", "q2"]] = [0, "x"]
    intake = load_responses(_csv(tmp_path, frame), codebook)
    assert intake.n_rejected == 1 and len(intake.rejected) == 2


def test_missing_column_is_a_file_error(tmp_path, codebook):
    path = _csv(tmp_path, pd.DataFrame(GOOD).drop(columns="q2"))
    with pytest.raises(CSMInputError) as info:
        load_responses(path, codebook)
    msg = str(info.value)
    assert str(path) in msg and "column 'q2'" in msg and "required column missing" in msg


def test_whole_column_of_text_is_a_file_error(tmp_path, codebook):
    frame = pd.DataFrame(GOOD).astype(object)
    frame["q2"] = ["good", "bad", "ok", "fine"]
    with pytest.raises(CSMInputError, match=r"column 'q2'.*not numeric \(e.g. 'good' in row 2\)"):
        load_responses(_csv(tmp_path, frame), codebook)


def test_empty_and_header_only_files(tmp_path, codebook):
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(CSMInputError, match="empty"):
        read_table(empty)
    header = tmp_path / "header.csv"
    header.write_text(",".join(GOOD) + "\n", encoding="utf-8")
    with pytest.raises(CSMInputError, match="no data rows"):
        read_table(header)


def test_missing_and_unsupported_files(tmp_path):
    with pytest.raises(CSMInputError, match="file not found"):
        read_table(tmp_path / "none.csv")
    odd = tmp_path / "x.json"
    odd.write_text("{}", encoding="utf-8")
    with pytest.raises(CSMInputError, match="unsupported file type"):
        read_table(odd)


def test_corrupt_excel_is_a_file_error(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip file at all")
    with pytest.raises(CSMInputError, match="cannot read Excel"):
        read_table(bad)


@pytest.mark.parametrize(
    "kw",
    [
        {"encoding": "utf-8"},
        {"encoding": "utf-8-sig"},
        {"encoding": "cp1256"},
        {"encoding": "utf-16"},
        {"sep": ";"},
        {"sep": "\t"},
        {"sep": "|"},
    ],
)
def test_csv_encodings_and_delimiters_are_detected(tmp_path, codebook, kw):
    frame = pd.DataFrame(GOOD)
    frame["region"] = ["شمال", "جنوب", "شمال", "جنوب"]
    intake = load_responses(_csv(tmp_path, frame, **kw), codebook)
    assert intake.n_accepted == 4
    assert intake.data["region"].tolist() == ["شمال", "جنوب", "شمال", "جنوب"]


def test_persian_digits_and_letter_forms(tmp_path, codebook):
    frame = pd.DataFrame(GOOD).astype(object)
    frame["q1"] = ["۱", "٥", "۳", "۴"]
    frame["region"] = ["كرج", "کرج", "ري", "ری"]  # Arabic and Persian kaf / yeh
    intake = load_responses(_csv(tmp_path, frame), codebook)
    assert intake.n_accepted == 4
    assert intake.data["q1"].tolist() == [1, 5, 3, 4]
    assert intake.data["region"].nunique() == 2


def test_kano_answers_as_numbers(tmp_path, codebook):
    intake = load_responses(_csv(tmp_path, pd.DataFrame(GOOD)), codebook)
    assert intake.data["k1f"].tolist() == [1, 2, 1, 5]


def test_excel_spss_parquet_readers(tmp_path, codebook):
    frame = pd.DataFrame(GOOD)
    frame.to_excel(tmp_path / "r.xlsx", index=False)
    frame.to_parquet(tmp_path / "r.parquet", index=False)
    import pyreadstat

    sav = frame.copy()
    sav["region"] = sav["region"].astype(str)
    sav["type"] = sav["type"].astype(str)
    pyreadstat.write_sav(
        sav, str(tmp_path / "r.sav"), variable_value_labels={"q1": {1.0: "very bad", 5.0: "very good", 9.0: "don't know"}}
    )
    for name in ("r.xlsx", "r.parquet", "r.sav"):
        intake = load_responses(tmp_path / name, codebook)
        assert intake.n_accepted == 4, name
        assert intake.data["q3"].tolist() == [5, 4, 1, 2]
    table = read_table(tmp_path / "r.sav")
    assert table.value_labels["q1"][5.0] == "very good"
    # SPSS and Parquet rows are record numbers (no header row)
    bad = frame.copy()
    bad.loc[0, "q1"] = 8
    bad.to_parquet(tmp_path / "bad.parquet", index=False)
    assert load_responses(tmp_path / "bad.parquet", codebook).rejected["row"].tolist() == [1]


def test_raw_file_is_never_modified(demo_root, demo_codebook):
    path = demo_root / "data" / "demo" / "responses_2026Q2.csv"
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    intake = load_responses(path, demo_codebook)
    assert intake.n_rejected == 6
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_demo_quarantine_reasons(demo_root, demo_codebook):
    intake = load_responses(demo_root / "data" / "demo" / "responses_2026Q1.xlsx", demo_codebook)
    reasons = " | ".join(intake.rejected["reason"])
    for fragment in (
        "out of range 1-5",
        "out of range 1-10",
        "not a number",
        "duplicate respondent id",
        "not a Kano answer",
        "weight must be positive",
    ):
        assert fragment in reasons
    # Persian digits in prod_ease are valid answers
    assert intake.data["prod_ease"].notna().sum() > 1400


def test_excel_cells_are_the_same_whichever_reader(tmp_path, monkeypatch):
    """calamine is used for speed; it must see the cells exactly as openpyxl does."""
    import datetime

    import openpyxl

    from csmlib.survey import readers as data

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["resp_id", "score", "when", "text"])
    ws.append([1, 5, datetime.datetime(2026, 1, 2, 3, 4), "۵"])
    ws.append([2, 4.5, datetime.date(2026, 1, 3), "  7 "])
    ws.append([3, None, None, "=1+1"])
    path = tmp_path / "export.xlsx"
    wb.save(path)
    assert data._excel_engine() == "calamine"
    fast = data.read_excel(path).frame
    monkeypatch.setattr(data, "_excel_engine", lambda: "openpyxl")
    slow = data.read_excel(path).frame
    assert fast.columns.tolist() == slow.columns.tolist()
    for col in fast.columns:
        for a, b in zip(fast[col], slow[col]):
            assert (pd.isna(a) and pd.isna(b)) or (a == b and type(a) is type(b)), (col, a, b)


def test_completeness_counts_add_up_to_the_accepted_rows(tmp_path, codebook):
    """A rejected row's don't-know answer is not counted among the accepted rows (blank was -1)."""
    from csmlib.stats.quality import completeness

    frame = pd.DataFrame(GOOD)
    frame.loc[1, "q1"] = 9  # don't know, in a row ...
    frame.loc[1, "q2"] = 7  # ... rejected for another answer out of range
    intake = load_responses(_csv(tmp_path, frame), codebook)
    assert intake.n_accepted == 3
    table = completeness(intake.data, ["q1", "q2"], intake.dont_know)
    assert table.loc["q1", "dont_know"] == 1  # row 4 only (row 2 was rejected)
    assert ((table["answered"] + table["dont_know"] + table["blank"]) == intake.n_accepted).all()
    assert (table["blank"] >= 0).all()


def test_an_outcome_that_is_an_item_reports_a_bad_cell_once(tmp_path):
    text = CODEBOOK.replace(
        "  recommend: {column: nps, label: NPS, scale: s10}",
        "  recommend: {column: nps, label: NPS, scale: s10}\n  overall: {column: q2, label: Overall, scale: s5}",
    )
    path = tmp_path / "cb2.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    cb = load_codebook(path)
    frame = pd.DataFrame(GOOD)
    frame.loc[0, "q2"] = 8
    intake = load_responses(_csv(tmp_path, frame), cb)
    assert len(intake.rejected[intake.rejected["column"] == "q2"]) == 1
