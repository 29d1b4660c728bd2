"""Voice of the customer end to end: the codebook's comment block, `csm init`'s draft of it, the
demo's planted comment themes recovered by csmlib.stats.comments, masking in quotes, and the feedback
findings (ground truth: csmlib.demo COMMENT_THEMES / data/demo/GROUND_TRUTH.md)."""

import re
import warnings

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from csmlib.stats import comments as cm
from csmlib.stats import feedback
from csmlib.cli import main
from csmlib.survey.codebook import Codebook, load_codebook
from csmlib.demo import LATE_SPIKE, WAVES, codebook_dict
from csmlib.core.errors import CSMInputError
from csmlib.survey.wave import open_wave
from tests import surveys

WAVE_IDS = [w[0] for w in WAVES]
THEME = {
    "late": {
        "label": {"en": "Late", "fa": "دیر"},
        "department": "Logistics",
        "patterns": {"en": ["late", "delay*"], "fa": ["تاخیر*"]},
    }
}


def _base():
    d = codebook_dict()
    d.pop("comments")
    return d


# ---------------------------------------------------------------------------- codebook
def test_old_comment_key_still_works():
    cb = Codebook.model_validate({**_base(), "comment": "comment"})
    assert cb.comment == "comment" and cb.comment_themes() == {}


def test_new_block_gives_the_column_and_the_codeframe():
    cb = Codebook.model_validate({**_base(), "comments": {"column": "comment", "themes": THEME}})
    assert cb.comment == "comment" and cb.comments.column == "comment"
    assert cb.comment_themes()["late"]["patterns"]["en"] == ["late", "delay*"]
    assert cb.theme_label("late", "fa") == "دیر" and cb.theme_department("late") == "Logistics"
    # both forms together, naming the same column
    both = Codebook.model_validate({**_base(), "comment": "comment", "comments": {"themes": THEME}})
    assert both.comments.column == "comment"


@pytest.mark.parametrize(
    "change, message",
    [
        (
            {"comments": {"column": "comment", "themes": {"late": {"patterns": {"en": ["de*lay"]}}}}},
            "comments: theme 'late': pattern 'de*lay'",
        ),
        ({"comments": {"column": "comment", "themes": {"late": {"patterns": {"en": ["!!"]}}}}}, "has no word"),
        ({"comments": {"themes": THEME}}, "no column of open comments"),
        ({"comment": "a", "comments": {"column": "b"}}, "name different columns"),
    ],
)
def test_bad_comment_block_is_one_line(tmp_path, change, message):
    path = tmp_path / "cb.yaml"
    path.write_text(yaml.safe_dump({**_base(), **change}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CSMInputError) as err:
        load_codebook(path)
    text = str(err.value)
    assert message in text and "\n" not in text


def test_responses_get_the_comment_column_from_the_new_block(demo_root):
    w = open_wave(demo_root / "params" / "2026Q3.yaml")
    assert w.codebook.comments is not None and w.codebook.comments.column == "comment"
    assert "comment" in w.data and w.data["comment"].notna().sum() > 500


# ---------------------------------------------------------------------------- csm init
def test_init_writes_an_empty_comments_block(tmp_path):
    datafile = surveys.WRITERS["persian"](tmp_path / "data")
    result = CliRunner().invoke(main, ["init", str(datafile), "--wave", "2026Q4", "--root", str(tmp_path)])
    assert result.exit_code == 0, result.output
    cb_file = next((tmp_path / "params").glob("*.codebook.yaml"))
    text = cb_file.read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    assert raw["comments"] == {"column": "نظر", "themes": {}} and "comment" not in raw
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("comments:"))
    assert lines[at - 1].startswith("#") and "themes" in "\n".join(lines[at - 2 : at])  # how to add themes
    assert load_codebook(cb_file).comment == "نظر"


# ---------------------------------------------------------------------------- demo ground truth
@pytest.fixture(scope="module")
def coded(demo_root):
    out = {}
    for wid in WAVE_IDS:
        w = open_wave(demo_root / "params" / f"{wid}.yaml")
        out[wid] = (w, cm.code(w.data["comment"], w.codebook.comment_themes()))
    return out


def _table(coded, wid, prev=None):
    w, c = coded[wid]
    kw = {}
    if prev is not None:
        kw = {"previous": coded[prev][1], "previous_weights": coded[prev][0].weights}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cm.themes_table(c, w.data["overall"], weights=w.weights, **kw).set_index("theme")


def test_demo_codeframe_routes_themes_to_departments(demo_codebook):
    departments = {t: demo_codebook.theme_department(t) for t in demo_codebook.comment_themes()}
    assert departments["late_delivery"] == "Logistics" and departments["packaging_damage"] == "Packaging"
    assert departments["invoice_error"] == "Finance" and departments["staff_rude"] == "Customer Service"


def test_late_delivery_peaks_in_the_delivery_drop_wave(coded):
    peak = LATE_SPIKE["wave"]
    shares = {wid: _table(coded, wid).loc["late_delivery", "share"] for wid in WAVE_IDS}
    assert max(shares, key=shares.get) == peak
    for other in WAVE_IDS:
        if other == peak:
            continue
        t = _table(coded, peak, prev=other)  # the peak wave against every other wave
        assert t.loc["late_delivery", "change"] > 0.08
        assert t.loc["late_delivery", "change_p_adjusted"] < 0.01, other


def test_packaging_theme_in_every_wave_and_mentioners_less_satisfied(coded):
    for wid in WAVE_IDS:
        t = _table(coded, wid)
        assert 0.06 < t.loc["packaging_damage", "share"] < 0.2
        assert not t.loc["packaging_damage", "too_small"]
        for theme in ("late_delivery", "packaging_damage", "invoice_error", "staff_rude"):
            assert t.loc[theme, "sat_difference"] < 0 and t.loc[theme, "sat_p_adjusted"] < 0.05, (wid, theme)
        assert t.loc["praise", "sat_difference"] > 0


def test_spelling_variants_are_coded(coded):
    w, c = coded["2026Q3"]
    texts = w.data["comment"].fillna("")
    arabic_yeh = texts.str.contains("ي") & texts.str.contains("جعبه|پاره|له شده")
    assert arabic_yeh.any()
    assert c.loc[arabic_yeh, "packaging_damage"].all()
    spaced = texts.str.contains("صورت حساب")
    assert spaced.any() and c.loc[spaced, "invoice_error"].all()


def test_uncovered_topic_is_listed(coded):
    w, c = coded["2026Q3"]
    terms = cm.uncovered_terms(w.data["comment"], c, top=10)
    assert {"app", "اپلیکیشن"} <= set(terms["term"])


def test_personal_data_in_demo_comments_is_masked_in_examples(coded):
    pii = re.compile(r"@|\b09\d{2} ?\d{3} ?\d{4}\b|۰۹[۰-۹]{9}|\b6037 \d{4} \d{4} \d{4}\b")
    w, c = coded["2026Q3"]
    raw = w.data["comment"].fillna("")
    assert raw.str.contains(pii).sum() >= 10  # the demo plants personal data
    shown = pd.concat([cm.examples(w.data["comment"], c, t, k=10_000) for t in c.columns])
    assert not shown["text"].str.contains(pii).any()
    placeholders = set(re.findall(r"\[(email|phone|card)\]", " ".join(shown["text"])))
    assert placeholders == {"email", "phone", "card"}


# ---------------------------------------------------------------------------- feedback
def test_feedback_findings_from_comment_themes(coded, demo_codebook):
    t = _table(coded, "2026Q2", prev="2026Q1").reset_index()
    found = feedback.from_comments(t, demo_codebook)
    by_theme = found.set_index("subject")
    assert by_theme.loc["late_delivery", "kind"] == "growing_theme"
    assert by_theme.loc["late_delivery", "department"] == "Logistics"
    assert "up from" in by_theme.loc["late_delivery", "evidence"]
    assert by_theme.loc["packaging_damage", "department"] == "Packaging"
    assert "praise" not in by_theme.index  # more satisfied: not a problem
    fa = feedback.from_comments(t, demo_codebook, language="fa").set_index("subject")
    assert "نظر" in fa.loc["late_delivery", "evidence"]
    # small themes and a missing table give no findings
    assert feedback.from_comments(t.assign(too_small=True), demo_codebook).empty
    assert feedback.from_comments(None, demo_codebook).empty
    register, missing = feedback.register({"comments": found, "kano": None})
    assert missing == ["kano"] and set(register["source"]) == {"comments"}
