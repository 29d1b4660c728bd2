"""Every report runs on every valid survey, not only on the demo company's.

One project folder holds four surveys unlike the demo, each with a codebook and a wave file
written here by hand, and ``csm run`` renders their reports with the repository's notebooks:

* ``bank``: the ECSI bank study — 250 customers, 27 items on 0–10 in six concepts
  (imag/expe/qual/val/sat/loy), overall satisfaction is ``sat1`` (also an item), ``gender``; no
  respondent id, no weights, no Kano, complaints log, NPS, effort or loyalty question;
* ``spss``: a labelled SPSS export — 30 items on 1–7 in five blocks, overall 1–7, recommend 0–10,
  "don't know" codes, a respondent id, weights and regions; no loyalty or effort question;
* ``tiny``: nine business customers × 11 items on 1–5 (fewer respondents than items), named by
  their company (the id), one answer out of range;
* ``improper`` (reliability report only): 15 items in five concepts whose CFA solution is
  improper (two concepts share one latent variable, a Heywood item).

Each notebook must end ``ok`` in the wave's manifest, no page may show a traceback or an
exception name, sections without their data say so in one note (no empty table or figure), and
nothing confidential about a rejected row reaches a page.

The survey exports come from :mod:`tests.surveys` when it is there; otherwise an equivalent
export is generated here.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.conftest import DATA, REPO

try:  # the shared survey generators (another test module's); a fallback below keeps this file whole
    from tests import surveys
except ImportError:  # pragma: no cover - only without tests/surveys.py
    surveys = None

WAVES = ("bank", "spss", "tiny")
NOTEBOOKS = sorted(p.stem for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXCEPTION_NAME = re.compile(
    r"\b(Traceback|[A-Z][A-Za-z]*(Error|Exception)|LinAlgError|KeyboardInterrupt|"
    r"StopIteration|UserWarning|RuntimeWarning)\b"
)
OPTIONS = {"n_boot": 50, "seed": 7, "min_n": 30, "level": 0.95}


# ---------------------------------------------------------------------------- the exports
def _fallback_frame(name: str) -> pd.DataFrame:
    """A survey export like the one :mod:`tests.surveys` writes (used only without it)."""
    rng = np.random.default_rng(10004)
    if name == "bank":
        n, concepts = 250, {"imag": 5, "expe": 5, "qual": 5, "val": 4, "sat": 4, "loy": 4}
        common = rng.standard_normal(n)
        cols = {}
        for concept, k in concepts.items():
            latent = 0.8 * common + 0.6 * rng.standard_normal(n)
            for i in range(k):
                x = 0.8 * latent + 0.6 * rng.standard_normal(n)
                cols[f"{concept}{i + 1}"] = np.clip(np.round(7.3 + 1.9 * x), 0, 10).astype(int)
        frame = pd.DataFrame(cols)
        frame["gender"] = np.where(rng.random(n) < 0.48, "female", "male")
        return frame
    if name == "spss":
        n = 400
        common = rng.standard_normal(n)
        frame = pd.DataFrame({"resp_no": np.arange(10001, 10001 + n), "region": rng.choice([1, 2, 3, 4], size=n)})
        for block in range(5):
            latent = 0.7 * common + 0.7 * rng.standard_normal(n)
            for i in range(6):
                x = 0.8 * latent + 0.6 * rng.standard_normal(n)
                frame[f"q{block * 6 + i + 1}"] = np.clip(np.round(5 + 1.3 * x), 1, 7)
        frame["q31"] = np.clip(np.round(5 + 1.3 * common), 1, 7)
        frame["q32"] = np.clip(np.round(7 + 2 * common), 0, 10)
        frame.loc[rng.random(n) < 0.01, "q5"] = 99
        frame["weight"] = np.round(np.exp(rng.normal(0, 0.3, size=n)), 4)
        return frame
    customers = [
        "Acme Ltd",
        "Borealis GmbH",
        "Cedar & Sons",
        "Delta Works",
        "Eastern Tools",
        "Fabrik AG",
        "Gamma Supplies",
        "Helix BV",
        "Iris Trading",
    ]
    base = rng.normal(0, 1, size=9)
    frame = pd.DataFrame({"customer": customers})
    for name in TINY_ITEMS:
        frame[name] = np.clip(np.round(3.8 + 0.8 * base + rng.normal(0, 0.7, 9)), 1, 5).astype(int)
    frame["overall_satisfaction"] = np.clip(np.round(3.9 + 0.9 * base), 1, 5).astype(int)
    return frame


TINY_ITEMS = (
    surveys.TINY_ITEMS
    if surveys is not None
    else [
        "product_quality",
        "product_price",
        "delivery_speed",
        "delivery_reliability",
        "staff_courtesy",
        "service_response",
        "invoice_accuracy",
        "technical_support",
        "documentation",
        "ordering_ease",
        "account_manager",
    ]
)
SPSS_BLOCKS = list(surveys.SPSS_BLOCKS) if surveys is not None else ["Product", "Delivery", "Staff", "Invoice", "Website"]


def _export(name: str, folder: Path) -> Path:
    """Write survey ``name`` into ``folder`` with the shared generator, or the fallback."""
    folder.mkdir(parents=True, exist_ok=True)
    if surveys is not None:
        write = {"bank": surveys.write_bank, "spss": surveys.write_labelled_spss, "tiny": surveys.write_tiny_b2b}[name]
        return write(folder)
    path = folder / f"{name}.csv"
    _fallback_frame(name).to_csv(path, index=False)
    return path


# ---------------------------------------------------------------------------- codebooks and wave files
def _bank_codebook() -> dict:
    groups = {"imag": "organisation", "expe": "other", "qual": "delivery", "val": "product", "sat": "other", "loy": "other"}
    sizes = {"imag": 5, "expe": 5, "qual": 5, "val": 4, "sat": 4, "loy": 4}
    items = [
        {
            "id": f"{c}{j}",
            "label": f"{c.title()} {j}",
            "group": groups[c],
            "dimension": c,
            "scale": "eleven",
            **({"driver": False} if c == "loy" else {}),
        }  # loyalty follows satisfaction, it does not drive it
        for c, k in sizes.items()
        for j in range(1, k + 1)
    ]
    return {
        "survey": "Bank customer satisfaction (ECSI)",
        "scales": {"eleven": {"min": 0, "max": 10}},
        "segments": {"gender": {"column": "gender", "label": "Gender"}},
        "items": items,
        "outcomes": {"overall": {"column": "sat1", "label": "Overall satisfaction", "scale": "eleven"}},
    }


def _spss_codebook() -> dict:
    items = []
    for b, block in enumerate(SPSS_BLOCKS):
        group = {"Product": "product", "Delivery": "delivery"}.get(block, "organisation")
        for i in range(6):
            number = b * 6 + i + 1
            label = f"{block}: {surveys.SPSS_BLOCKS[block][i]}" if surveys is not None else f"{block} {i + 1}"
            items.append(
                {
                    "id": f"q{number}",
                    "label": label,
                    "group": group,
                    "dimension": block.lower(),
                    "scale": "seven",
                    "department": block,
                }
            )
    return {
        "survey": "Labelled SPSS survey",
        "respondent_id": "resp_no",
        "weight": "weight",
        "scales": {"seven": {"min": 1, "max": 7, "missing": [99]}, "eleven": {"min": 0, "max": 10, "missing": [99]}},
        "segments": {"region": {"column": "region", "label": "Region"}},
        "items": items,
        "outcomes": {
            "overall": {"column": "q31", "label": "Overall satisfaction", "scale": "seven"},
            "recommend": {"column": "q32", "label": "Likelihood to recommend", "scale": "eleven"},
        },
    }


def _tiny_codebook() -> dict:
    items = [
        {
            "id": name,
            "label": name.replace("_", " ").capitalize(),
            "group": "other",
            "dimension": name.split("_")[0] if name.split("_")[0] in ("product", "delivery") else "service",
            "scale": "five",
        }
        for name in TINY_ITEMS
    ]
    return {
        "survey": "Tiny B2B survey",
        "respondent_id": "customer",
        "scales": {"five": {"min": 1, "max": 5}},
        "items": items,
        "outcomes": {"overall": {"column": "overall_satisfaction", "label": "Overall satisfaction", "scale": "five"}},
    }


def _improper_codebook() -> dict:
    items = [
        {"id": f"{c}{i}", "label": f"{c.title()} {i}", "group": "other", "dimension": c, "scale": "eleven"}
        for c in ("IMAG", "EXPE", "QUAL", "SAT", "LOY")
        for i in (1, 2, 3)
    ]
    return {
        "survey": "Improper CFA study",
        "scales": {"eleven": {"min": 0, "max": 10}},
        "items": items,
        "outcomes": {"overall": {"column": "SAT1", "label": "Overall satisfaction", "scale": "eleven"}},
    }


def _write(root: Path, wave: str, codebook: dict, responses: Path, **extra) -> Path:
    (root / "params").mkdir(parents=True, exist_ok=True)
    (root / "params" / f"{wave}_codebook.yaml").write_text(
        yaml.safe_dump(codebook, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    params = {
        "wave": wave,
        "title": f"{codebook['survey']} 2024",
        "fieldwork": {"start": "2024-01-01", "end": "2024-03-31"},
        "codebook": f"params/{wave}_codebook.yaml",
        "responses": responses.relative_to(root).as_posix(),
        "options": OPTIONS,
        **extra,
    }
    path = root / "params" / f"{wave}.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _csm(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "csmlib.cli", "run", "--jobs", "2", "--notebooks", str(REPO / "notebooks"), *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=1500,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The four surveys in one project folder, their reports rendered by one ``csm run``."""
    root = tmp_path_factory.mktemp("real_surveys")
    data = root / "data"
    _write(root, "bank", _bank_codebook(), _export("bank", data / "bank"))
    # the wave file's own cut-offs: CSAT counts only the top answer, penalty–reward boxes 1–2 and 7
    _write(
        root,
        "spss",
        _spss_codebook(),
        _export("spss", data / "spss"),
        cutoffs={"csat": 7},
        drivers={"penalty_reward": {"low": 2, "high": 7}},
    )
    tiny = _export("tiny", data / "tiny")
    frame = pd.read_csv(tiny)
    frame.loc[frame.index[0], "product_price"] = 9  # out of range: the first customer's row is rejected
    frame.to_csv(tiny, index=False)
    _write(root, "tiny", _tiny_codebook(), tiny)
    improper = data / "improper" / "improper.csv"
    improper.parent.mkdir(parents=True)
    improper.write_bytes((DATA / "cfa_improper.csv").read_bytes())
    _write(root, "improper", _improper_codebook(), improper)
    main = _csm(root, *(f"params/{w}.yaml" for w in WAVES))
    only = _csm(root, "--only", "03", "params/improper.yaml")
    return root, main, only


def _page(root: Path, wave: str, notebook: str) -> str:
    return (root / "reports" / wave / f"{notebook}.html").read_text(encoding="utf-8")


def _sections(page: str) -> dict[str, str]:
    """``## heading`` -> the HTML of its section (up to the next ``##``), and "" -> the preamble."""
    parts = re.split(r'(<h2 id="[^"]*"[^>]*>.*?</h2>)', page, flags=re.S)
    out = {"": parts[0]}
    for heading, body in zip(parts[1::2], parts[2::2]):
        title = htmllib.unescape(re.sub(r"<[^>]+>", "", heading)).replace("¶", "").strip()
        out[title] = body
    return out


def _outputs(section: str) -> int:
    return section.count("jp-OutputArea-output")


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def _one_note(section: str) -> str:
    """The text of a section that is one note and nothing else (fails otherwise)."""
    assert _outputs(section) == 1, _text(section)[:300]
    assert section.count('class="csm-note"') == 1 and "<table" not in section and "<img" not in section, _text(section)[:300]
    return _text(section)


# ---------------------------------------------------------------------------- every report, every survey
@pytest.mark.slow
def test_every_notebook_ends_ok(project):
    root, main, only = project
    assert main.returncode == 0, main.stdout + main.stderr
    assert only.returncode == 0, only.stdout + only.stderr
    for wave in WAVES:
        manifest = json.loads((root / "reports" / wave / "manifest.json").read_text("utf-8"))
        status = {job["notebook"]: job["status"] for job in manifest["jobs"]}
        assert status == {nb: "ok" for nb in NOTEBOOKS}, (wave, status)
    manifest = json.loads((root / "reports" / "improper" / "manifest.json").read_text("utf-8"))
    assert [(j["notebook"], j["status"]) for j in manifest["jobs"]] == [("03_reliability", "ok")]


@pytest.mark.slow
@pytest.mark.parametrize("wave", WAVES)
def test_pages_show_no_error_and_no_empty_section(project, wave):
    root, _, _ = project
    for notebook in NOTEBOOKS:
        page = _page(root, wave, notebook)
        shown = _text(re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S))
        found = EXCEPTION_NAME.search(shown)
        assert found is None, f"{wave}/{notebook}: {shown[max(0, found.start() - 150) : found.end() + 150]}"
        assert 'data-mime-type="application/vnd.jupyter.stderr"' not in page, f"{wave}/{notebook}"
        assert not re.search(r"<tbody>\s*</tbody>", page), f"{wave}/{notebook} shows an empty table"
        assert "nan" not in re.findall(r"\b\w+\b", shown), f"{wave}/{notebook} shows a nan"
        for title, section in _sections(page).items():
            if title:
                assert _outputs(section) >= 1, f"{wave}/{notebook}: section '{title}' is empty"


@pytest.mark.slow
def test_bank_sections_without_data_are_one_line(project):
    root, _, _ = project
    kano = _sections(_page(root, "bank", "04_kano"))
    complaints = _sections(_page(root, "bank", "06_complaints"))
    for sections, word in ((kano, "Kano"), (complaints, "complaints log")):
        assert "csm-note" in sections[""] and "<table" not in sections[""] and "<img" not in sections[""]
        for title, section in sections.items():
            if title:
                assert word in _one_note(section), title
    sat = _sections(_page(root, "bank", "02_satisfaction"))
    assert "loyalty question" in _one_note(sat["Satisfaction and loyalty"])
    assert "earlier wave" in _one_note(sat["Trend across waves"])
    assert "competitor" in _one_note(sat["Comparison with competitors and benchmarks"])
    headline = _text(sat["Headline indicators"])
    assert "Not measured in this survey: NPS (no recommendation question); CES (no effort question)." in headline
    assert "answering 8–10" in headline  # the CSAT cut-off, from the 0–10 scale
    assert "mean of all 27 rating items" in headline  # what the 0–100 index is
    dims = _text(sat["Scores by dimension"])
    assert all(d in dims for d in ("imag", "expe", "qual", "val", "sat", "loy"))
    assert "weight" in _text(sat[""])  # unweighted, and why
    drivers = _sections(_page(root, "bank", "05_drivers"))
    assert "No loyalty question" in _one_note(drivers["Importance for loyalty"])
    intro = _text(drivers[""])
    assert "19 characteristics" in intro  # 27 items − sat (own concept) − loy (driver: false)
    assert "Shapley" in intro and "relative weights replace" not in intro
    penalty = _text(drivers["Penalties and rewards"])
    assert "low (0–4) and top (9–10)" in penalty  # bands from the 0–10 scale
    quality = _sections(_page(root, "bank", "01_data_quality"))
    assert "row number" in _text(quality[""])  # no id column: rows identify respondents
    summary = _sections(_page(root, "bank", "08_summary"))
    assert "Kano" in _one_note(summary["Customer needs (Kano)"])
    assert "complaints" in _one_note(summary["Complaints"])
    feedback = _text(_page(root, "bank", "07_feedback"))
    assert (
        "Not available for this wave (so no findings from it): Kano analysis, open comments (no comment question or no themes), complaints log."
        in feedback
    )
    results = json.loads((root / "reports" / "bank" / "results" / "05_drivers.json").read_text("utf-8"))
    assert not {"sat1", "sat2", "loy1"} & set(results["drivers"]) and len(results["drivers"]) == 19


@pytest.mark.slow
def test_many_drivers_use_relative_weights_with_a_note(project):
    """30 drivers: exact Shapley would need 2^30 subsets; relative weights replace it, and the page says so."""
    root, _, _ = project
    drivers = _sections(_page(root, "spss", "05_drivers"))
    assert "With 30 drivers, relative weights replace Shapley values" in _text(drivers[""])
    satisfaction = _text(_page(root, "spss", "02_satisfaction"))
    assert "Not measured in this survey: CES (no effort question)." in satisfaction
    assert "answering 7 to “Overall satisfaction” (scale 1–7; cut-off set in the wave file)" in satisfaction
    saved = json.loads((root / "reports" / "spss" / "results" / "02_satisfaction.json").read_text("utf-8"))
    assert saved["cutoffs"]["csat"] == 7
    from csmlib.survey.wave import open_wave

    answers = open_wave(root / "params" / "spss.yaml").data[["overall", "weight"]].dropna()
    top = (answers["weight"] * (answers["overall"] == 7)).sum() / answers["weight"].sum() * 100
    csat = next(r["estimate"] for r in saved["headline"] if r["metric"] == "csat")
    assert csat == pytest.approx(top)  # the number is the one the page defines
    assert "loyalty question" in _one_note(_sections(_page(root, "spss", "02_satisfaction"))["Satisfaction and loyalty"])
    results = json.loads((root / "reports" / "spss" / "results" / "05_drivers.json").read_text("utf-8"))
    assert results["methods"] == ["relative_weights"] and results["primary_method"] == "relative_weights"
    penalty = _text(drivers["Penalties and rewards"])
    assert "low (1–2) and top (7) ratings of each characteristic (as set in the wave file)" in penalty


@pytest.mark.slow
def test_tiny_survey_says_what_it_cannot_do(project):
    root, _, _ = project
    reliability = _sections(_page(root, "tiny", "03_reliability"))
    assert "Sample too small to trust" in _text(reliability[""])
    # the same one-line reason under every factor-analysis heading is shown once, under the first
    assert "8 respondents for 11 items" in _one_note(reliability["Is the data suitable for factor analysis?"])
    for title in ("How many factors?", "Exploratory factor analysis", "Confirmatory factor analysis"):
        assert title not in reliability or "8 respondents for 11 items" in _one_note(reliability[title]), title
    assert "too few respondents to judge" in _text(reliability["Reliability per dimension"])
    drivers = _sections(_page(root, "tiny", "05_drivers"))
    for title, section in drivers.items():
        if title:
            assert "at least 13 are needed" in _one_note(section), title
    summary = _sections(_page(root, "tiny", "08_summary"))
    assert "No key-driver analysis this wave" in _one_note(summary["What to fix first"])
    assert "sample too small" in _text(summary["Measurement quality"])


@pytest.mark.slow
def test_rejected_rows_show_row_numbers_not_identities(project):
    """Confidentiality: the data-quality page lists the rejected row by its number and reason only."""
    root, _, _ = project
    rejected = pd.read_csv(root / "reports" / "tiny" / "rejected.csv")
    assert rejected[["row", "column"]].values.tolist() == [[2, "product_price"]]
    quality = _sections(_page(root, "tiny", "01_data_quality"))
    intake = quality["Intake: accepted and rejected rows"]
    assert "1 row was kept out" in _text(intake) and "out of range 1-5" in _text(intake)
    page = _page(root, "tiny", "01_data_quality")
    raw = pd.read_csv(root / "reports" / "tiny" / "rejected_rows.csv").iloc[0]
    assert raw["customer"] not in htmllib.unescape(page)  # the respondent id stays in rejected.csv
    cells = re.findall(r"<td[^>]*>(.*?)</td>", intake, flags=re.S)
    assert "9" not in [c.strip() for c in cells]  # and so does the raw value


@pytest.mark.slow
def test_improper_cfa_is_said_in_plain_words(project):
    root, _, _ = project
    section = _sections(_page(root, "improper", "03_reliability"))["Confirmatory factor analysis"]
    text = _text(section)
    assert "The CFA solution is improper, so its fit indices cannot be trusted" in text
    assert "Heywood case" in text and "Loy 1" in text
    results = json.loads((root / "reports" / "improper" / "results" / "03_reliability.json").read_text("utf-8"))
    assert results["cfa_improper"] is True and any("improper CFA" in w for w in results["warnings"])


# ---------------------------------------------------------------------------- the pieces, without notebooks
def test_rejected_listing_keeps_ids_and_values_out():
    from csmlib.stats.quality import rejected_listing

    rejected = pd.DataFrame(
        {
            "file": ["x.csv"] * 3,
            "row": [7, 3, 3],
            "respondent_id": ["Acme", "B", "B"],
            "column": ["q2", "q9", "q1"],
            "value": ["12", "x", "0"],
            "reason": ["out of range 1-5", "not a number", "out of range 1-5"],
        }
    )
    listing = rejected_listing(rejected)
    assert list(listing.columns) == ["row", "column", "reason"]
    assert listing.values.tolist() == [[3, "q1", "out of range 1-5"], [3, "q9", "not a number"], [7, "q2", "out of range 1-5"]]
    assert rejected_listing(rejected.iloc[:0]).empty
