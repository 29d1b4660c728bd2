"""Intake of real questionnaires and bad files: codebooks unlike the demo, waves of their own
series, interactive runs, the intake cache and the manifest (issues #12 and #13)."""

import json
import pickle
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csmlib.survey.codebook import load_codebook, read_yaml
from csmlib.survey.responses import load_responses
from csmlib.core.errors import CSMInputError
from csmlib.survey.params import load_params, unit_slug
from csmlib.survey.wave import open_wave, read_intake_cache

# a bank-style questionnaire: 0-10 answers, no respondent id, an outcome that is also an item
BANK = """
survey: Bank study
scales:
  s0_10: {min: 0, max: 10}
segments:
  gender: {column: gender}
items:
  - {id: imag1, label: Image 1, group: organisation, dimension: imag, scale: s0_10}
  - {id: imag2, label: Image 2, group: organisation, dimension: imag, scale: s0_10}
  - {id: qual1, label: Quality 1, group: product, dimension: qual, scale: s0_10}
  - {id: qual2, label: Quality 2, group: product, dimension: qual, scale: s0_10, driver: false}
  - {id: sat1, label: Satisfaction 1, group: other, dimension: sat, scale: s0_10}
  - {id: sat2, label: Satisfaction 2, group: other, dimension: sat, scale: s0_10}
  - {id: sat3, label: Satisfaction 3, group: other, dimension: sat, scale: s0_10, driver: true}
outcomes:
  overall: {column: sat1, label: Overall satisfaction, scale: s0_10}
"""


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _bank_frame(n=40, seed=1):
    rng = np.random.default_rng(seed)
    base = rng.integers(3, 9, size=n)
    cols = {
        c: np.clip(base + rng.integers(-2, 3, size=n), 0, 10)
        for c in ("imag1", "imag2", "qual1", "qual2", "sat1", "sat2", "sat3")
    }
    return pd.DataFrame({"gender": rng.choice(["female", "male"], size=n), **cols})


@pytest.fixture
def bank(tmp_path):
    """A project folder with the bank codebook, one wave file and its export."""
    _write(tmp_path / "params" / "bank.codebook.yaml", BANK)
    (tmp_path / "data").mkdir()
    _bank_frame().to_csv(tmp_path / "data" / "bank.csv", index=False)
    _write(
        tmp_path / "params" / "B1.yaml",
        """
        wave: B1
        fieldwork: {start: 2026-01-01, end: 2026-01-31}
        codebook: params/bank.codebook.yaml
        responses: data/bank.csv
        options: {n_boot: 0}
        """,
    )
    return tmp_path


# ---------------------------------------------------------------------------- the codebook
def test_no_respondent_id_uses_row_numbers(bank):
    cb = load_codebook(bank / "params" / "bank.codebook.yaml")
    intake = load_responses(bank / "data" / "bank.csv", cb)
    assert cb.respondent_id is None and intake.id_column is None
    assert intake.n_accepted == 40
    assert intake.data["respondent_id"].tolist()[:3] == ["2", "3", "4"]  # spreadsheet rows (header = row 1)


def test_outcome_may_be_an_item_and_its_dimension_is_not_its_driver(bank):
    cb = load_codebook(bank / "params" / "bank.codebook.yaml")
    assert cb.outcome_item("overall").id == "sat1"
    # qual2 is marked driver: false; sat1/sat2 are the outcome's own concept; sat3 is forced in
    assert cb.driver_items("overall") == ["imag1", "imag2", "qual1", "sat3"]
    assert cb.driver_items("overall", exclude=["imag2"]) == ["imag1", "qual1", "sat3"]
    intake = load_responses(bank / "data" / "bank.csv", cb)
    assert (intake.data["overall"] == intake.data["sat1"]).all()  # the same answers, read once per role
    assert cb.dimensions()["sat"] == ["sat1", "sat2", "sat3"]  # the item stays in its concept


def test_a_column_declared_twice_outside_outcomes_is_still_refused(tmp_path):
    path = _write(
        tmp_path / "cb.yaml", BANK.replace("segments:\n  gender: {column: gender}", "segments:\n  gender: {column: imag1}")
    )
    with pytest.raises(CSMInputError, match="columns used twice"):
        load_codebook(path)


def test_duplicate_yaml_keys_are_an_error(tmp_path):
    path = _write(tmp_path / "cb.yaml", BANK + "survey: Another name\n")
    with pytest.raises(CSMInputError, match=r"duplicate key 'survey'") as err:
        read_yaml(path)
    assert "row" in str(err.value) and "\n" not in str(err.value)


def test_unknown_target_key_is_an_error(bank):
    text = (bank / "params" / "B1.yaml").read_text() + "targets: {cast: 70}\n"
    (bank / "params" / "B1.yaml").write_text(text)
    with pytest.raises(CSMInputError, match="targets.cast"):
        load_params(bank / "params" / "B1.yaml")


# ---------------------------------------------------------------------------- bad files and rows
def test_duplicate_column_names_are_an_error(bank):
    cb = load_codebook(bank / "params" / "bank.codebook.yaml")
    text = (bank / "data" / "bank.csv").read_text().splitlines()
    text[0] = text[0].replace("imag2", "imag1")
    (bank / "data" / "dup.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(CSMInputError, match="duplicate column name") as err:
        load_responses(bank / "data" / "dup.csv", cb)
    assert "imag1" in str(err.value)
    frame = _bank_frame()
    frame.columns = [c if c != "imag2" else "imag1" for c in frame.columns]
    frame.to_excel(bank / "data" / "dup.xlsx", index=False)
    with pytest.raises(CSMInputError, match="duplicate column name"):
        load_responses(bank / "data" / "dup.xlsx", cb)


def test_infinite_weight_rejects_the_row(tmp_path):
    cb = load_codebook(_write(tmp_path / "cb.yaml", BANK.replace("survey: Bank study", "survey: Bank study\nweight: w")))
    frame = _bank_frame(5)
    frame["w"] = ["1", "inf", "1e400", "-inf", "2"]
    frame.to_csv(tmp_path / "w.csv", index=False)
    intake = load_responses(tmp_path / "w.csv", cb)
    assert intake.n_accepted == 2
    assert set(intake.rejected["row"]) == {3, 4, 5}
    assert np.isfinite(intake.data["weight"]).all()
    # absurd but finite: 1,000 times the median (1) or more, 1/1,000 or less
    frame["w"] = ["1", "1000", "1001", "0.0009", "0.001"]
    frame.to_csv(tmp_path / "w2.csv", index=False)
    intake = load_responses(tmp_path / "w2.csv", cb)
    assert set(intake.rejected["row"]) == {4, 5}
    assert "times the median weight" in intake.rejected["reason"].iloc[0]


def test_no_valid_row_left_is_one_line(tmp_path):
    cb = load_codebook(_write(tmp_path / "cb.yaml", BANK))
    frame = _bank_frame(4)
    frame["imag1"] = 11  # every row out of range
    frame.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(CSMInputError, match="no valid rows left") as err:
        load_responses(tmp_path / "bad.csv", cb)
    assert "row 2" in str(err.value) and "imag1" in str(err.value)


def test_spss_value_labels_of_a_segment_are_applied(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    frame = _bank_frame(6).drop(columns="gender")
    frame["gender"] = [1.0, 2.0, 2.0, 1.0, 2.0, 1.0]
    pyreadstat.write_sav(frame, tmp_path / "s.sav", variable_value_labels={"gender": {1.0: "female", 2.0: "male"}})
    text = BANK.replace("gender: {column: gender}", "gender: {column: gender, levels: [female, male]}")
    cb = load_codebook(_write(tmp_path / "cb.yaml", text))
    intake = load_responses(tmp_path / "s.sav", cb)
    assert intake.n_accepted == 6
    assert intake.data["gender"].tolist() == ["female", "male", "male", "female", "male", "female"]
    # numeric codes without labels are matched as written (2.0 is '2', not '2.0')
    pyreadstat.write_sav(frame, tmp_path / "u.sav")
    cb2 = load_codebook(
        _write(tmp_path / "cb2.yaml", BANK.replace("gender: {column: gender}", "gender: {column: gender, levels: ['1', '2']}"))
    )
    assert load_responses(tmp_path / "u.sav", cb2).data["gender"].tolist()[:2] == ["1", "2"]


def test_a_blank_segment_cell_stays_missing(tmp_path):
    """A customer who did not give a region is no region called "<NA>": missing, counted as such, kept."""
    from csmlib.stats.quality import segment_counts

    frame = _bank_frame(6)
    frame.loc[[1, 4], "gender"] = ""
    frame.to_csv(tmp_path / "b.csv", index=False)
    intake = load_responses(tmp_path / "b.csv", load_codebook(_write(tmp_path / "cb.yaml", BANK)))
    gender = intake.data["gender"]
    assert intake.n_accepted == 6 and gender.isna().tolist() == [False, True, False, False, True, False]
    assert "<NA>" not in set(gender.dropna()) and segment_counts(intake.data, "gender").loc["(missing)", "n"] == 2


# ---------------------------------------------------------------------------- paths
@pytest.mark.parametrize(
    "line, message",
    [
        ("wave: '..'", "wave"),
        ("wave: '.'", "wave"),
        ("wave: a/b", "wave"),
        ("output: data", "inside reports"),
        ("output: reports", "inside reports"),
        ("output: ../elsewhere", "inside reports"),
    ],
)
def test_outputs_stay_inside_reports(bank, line, message):
    path = bank / "params" / "B1.yaml"
    lines = [ln for ln in path.read_text().splitlines() if not (line.startswith("wave") and ln.startswith("wave"))]
    path.write_text("\n".join(lines + [line]) + "\n")
    with pytest.raises(CSMInputError, match=message):
        load_params(path)


def test_unit_folders_never_collide():
    names = ["North/East", "North-East", "North East", "..", ".", "", "تهران", "a" * 200]
    slugs = [unit_slug(n) for n in names]
    assert len(set(slugs)) == len(slugs)
    assert unit_slug("تهران") == "تهران" and unit_slug("North-East") == "North-East"
    assert all(s not in (".", "..") and "/" not in s for s in slugs)


# ---------------------------------------------------------------------------- waves of a series
def test_previous_waves_are_those_of_the_same_survey(bank, demo_root):
    import shutil

    for f in (demo_root / "params").glob("*.yaml"):  # the demo company's waves in the same folder
        shutil.copy(f, bank / "params" / f.name)
    shutil.copytree(demo_root / "data", bank / "data", dirs_exist_ok=True)
    _write(
        bank / "params" / "B2.yaml",
        (bank / "params" / "B1.yaml")
        .read_text()
        .replace("wave: B1", "wave: B2")
        .replace("2026-01-01, end: 2026-01-31", "2026-12-01, end: 2026-12-31"),
    )
    b2 = open_wave(bank / "params" / "B2.yaml")
    assert [w.id for w in b2.previous] == ["B1"]
    demo = open_wave(bank / "params" / "2026Q3.yaml")
    assert [w.id for w in demo.previous] == ["2025Q4", "2026Q1", "2026Q2"]
    assert all(w.codebook.survey == demo.codebook.survey for w in demo.previous)
    # an explicit list wins
    (bank / "params" / "B2.yaml").write_text((bank / "params" / "B2.yaml").read_text() + "previous: []\n")
    assert open_wave(bank / "params" / "B2.yaml").previous == []


def test_earlier_waves_are_read_with_their_own_codebook(bank):
    _write(
        bank / "params" / "B0.yaml",
        """
        wave: B0
        fieldwork: {start: 2025-10-01, end: 2025-10-31}
        codebook: params/bank_v0.yaml
        responses: data/bank.csv
        """,
    )
    _write(bank / "params" / "bank_v0.yaml", BANK.replace("driver: true", "driver: false"))
    b1 = open_wave(bank / "params" / "B1.yaml")
    assert [w.id for w in b1.previous] == ["B0"]
    assert b1.previous[0].codebook.item("sat3").driver is False


# ---------------------------------------------------------------------------- interactive runs
def test_interactive_results_never_overwrite_the_batch(bank):
    batch = open_wave(bank / "params" / "B1.yaml", output_dir=bank / "reports" / "B1")
    batch.save("02_satisfaction", {"x": 1})
    lab = open_wave(bank / "params" / "B1.yaml")
    assert lab.load("02_satisfaction")["x"] == 1  # reads the batch's results
    lab.save("02_satisfaction", {"x": 2})  # writes its own
    assert json.loads((bank / "reports" / "B1" / "results" / "02_satisfaction.json").read_text())["x"] == 1
    assert lab.load("02_satisfaction")["x"] == 2
    assert batch.load("02_satisfaction")["x"] == 1
    with pytest.raises(CSMInputError, match="output_dir"):
        open_wave(bank / "params" / "B1.yaml", output_dir=bank / "data")


def test_language_parameter_is_honoured(bank):
    assert open_wave(bank / "params" / "B1.yaml", language="fa").language == "fa"
    assert open_wave(bank / "params" / "B1.yaml").language == "en"


# ---------------------------------------------------------------------------- the intake cache
def test_intake_cache_is_not_a_pickle_and_round_trips(bank):
    w = open_wave(bank / "params" / "B1.yaml")
    first = w.intake
    cache = w._intake_cache_path()
    assert (cache / "meta.json").is_file() and (cache / "data.parquet").is_file()
    again = read_intake_cache(cache)
    pd.testing.assert_frame_equal(again.data, first.data)
    pd.testing.assert_frame_equal(again.rejected, first.rejected)
    assert again.n_read == first.n_read and again.id_column is None


class _Boom:
    def __reduce__(self):
        return (Path.touch, (Path(__file__).parent / "_pwned",))


def test_a_planted_pickle_cannot_run_code(bank):
    w = open_wave(bank / "params" / "B1.yaml")
    cache = w._intake_cache_path()
    cache.parent.mkdir(parents=True, exist_ok=True)
    marker = Path(__file__).parent / "_pwned"
    for name in (cache.name + ".pkl", cache.name):
        target = cache.parent / name
        if name == cache.name:
            target.mkdir()
            for part in ("data.parquet", "meta.json"):
                (target / part).write_bytes(pickle.dumps(_Boom()))
        else:
            target.write_bytes(pickle.dumps(_Boom()))
    try:
        assert open_wave(bank / "params" / "B1.yaml").intake.n_accepted == 40
        assert not marker.exists()
    finally:
        marker.unlink(missing_ok=True)


# ---------------------------------------------------------------------------- the manifest
def test_unreadable_manifest_is_set_aside(bank):
    from csmlib.batch.pipeline import read_manifest

    w = open_wave(bank / "params" / "B1.yaml")
    out = w.params.output_dir
    out.mkdir(parents=True)
    (out / "manifest.json").write_text('{"wave": "B1", "jobs": [')  # an interrupted write
    said = []
    assert read_manifest(w, said.append) is None
    assert not (out / "manifest.json").exists()
    assert list(out.glob("manifest.broken-*.json")) and "set aside" in said[0]


def test_cached_only_when_outputs_hash_as_recorded(tmp_path):
    from csmlib.batch.pipeline import _unchanged, job_outputs

    (tmp_path / "results").mkdir()
    (tmp_path / "02.html").write_text("<html>page</html>")
    (tmp_path / "results" / "02.json").write_text("{}")
    outputs = job_outputs(tmp_path, "02", "02.html")
    record = {"input_sha256": "abc", "outputs": outputs}
    assert _unchanged(record, "abc", job_outputs(tmp_path, "02", "02.html"))
    assert not _unchanged(record, "abd", outputs)  # inputs changed
    (tmp_path / "02.html").write_text("<html>pa")  # a page cut short
    assert not _unchanged(record, "abc", job_outputs(tmp_path, "02", "02.html"))
    (tmp_path / "02.html").unlink()
    assert not _unchanged(record, "abc", job_outputs(tmp_path, "02", "02.html"))
    assert not _unchanged({"input_sha256": "abc"}, "abc", outputs)  # an old manifest without output hashes


def test_unwritable_reports_folder_is_one_line(bank):
    from click.testing import CliRunner

    from csmlib.cli import main

    (bank / "reports").mkdir()
    (bank / "reports" / "B1").write_text("a file where the wave's folder should be")
    result = CliRunner().invoke(main, ["validate", str(bank / "params" / "B1.yaml")])
    assert result.exit_code == 2
    assert "cannot write the reports folder" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()[-1:]) == 1


def test_units_of_an_earlier_wave_without_units(bank):
    _write(
        bank / "params" / "B0.yaml",
        """
        wave: B0
        fieldwork: {start: 2025-10-01, end: 2025-10-31}
        codebook: params/bank.codebook.yaml
        responses: data/bank.csv
        """,
    )
    path = bank / "params" / "B1.yaml"
    path.write_text(path.read_text() + "units: {by: gender, min_n: 5}\n")
    unit = open_wave(path, "female")
    earlier = unit.previous[0]
    assert earlier.params.units is None
    assert len(earlier.data) == (earlier.intake.data["gender"] == "female").sum() > 0


def test_a_second_run_of_the_same_wave_stops_with_one_line(bank):
    from csmlib.batch.pipeline import wave_lock

    w = open_wave(bank / "params" / "B1.yaml")
    w.params.output_dir.mkdir(parents=True)
    with wave_lock(w):
        with pytest.raises(CSMInputError, match="another csm run"):
            with wave_lock(open_wave(bank / "params" / "B1.yaml")):
                pass
    with wave_lock(w):  # released
        pass


def test_a_wave_id_of_another_survey_never_shares_its_folder(bank):
    from csmlib.batch.pipeline import check_same_series

    w = open_wave(bank / "params" / "B1.yaml")
    w.params.output_dir.mkdir(parents=True)
    (w.params.output_dir / "manifest.json").write_text(json.dumps({"series": "Demo Co. · Demo survey"}))
    with pytest.raises(CSMInputError, match="another survey"):
        check_same_series(w)
    (w.params.output_dir / "manifest.json").write_text(json.dumps({"series": w.series}))
    check_same_series(w)


def test_reports_index_groups_waves_by_survey_series(tmp_path):
    from csmlib.batch.pipeline import write_reports_index

    reports = tmp_path / "reports"
    for wave, series, start in (
        ("2026Q1", "Demo Co. · Demo survey", "2026-01-01"),
        ("2026Q2", "Demo Co. · Demo survey", "2026-04-01"),
        ("B1", "Bank study", "2026-05-01"),
    ):
        (reports / wave).mkdir(parents=True)
        (reports / wave / "manifest.json").write_text(
            json.dumps({"wave": wave, "series": series, "fieldwork": {"start": start}, "intake": {"rejected": 0}, "jobs": []})
        )
    (reports / "broken").mkdir()
    (reports / "broken" / "manifest.json").write_text("{")  # unreadable: left out, not a crash
    page = write_reports_index(reports).read_text(encoding="utf-8")
    bank, demo = page.index("Bank study"), page.index("Demo Co. · Demo survey")
    assert bank < demo  # the series with the newest wave first
    assert page.index("B1/index.html") < demo  # B1 sits in its own section
    assert demo < page.index("2026Q2/index.html") < page.index("2026Q1/index.html")  # newest wave first
