"""Persian reports: right-to-left HTML, Persian digits, shaped and correctly ordered labels in figures."""

import re
import unicodedata
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from csmlib.report import tables as display
from csmlib.report.plots import shape
from csmlib.report.render import _report_copy, notebook_title

WORD = "رضایت مشتری"  # "customer satisfaction"


def _forms(text):
    return [unicodedata.name(ch, "") for ch in text]


def _font():
    from matplotlib.font_manager import FontProperties, findfont, get_font

    return get_font(findfont(FontProperties(family=["DejaVu Sans"])))


def drawn(text):
    """(character, glyph) pairs as matplotlib draws ``shape(text)``, left to right."""
    from matplotlib.ft2font import FT2Font

    font = _font()
    if hasattr(FT2Font, "_layout"):  # matplotlib's own layout: exactly what it will draw
        from matplotlib._text_helpers import layout

        return [(item.char, item.glyph_index) for item in layout(shape(text), font)]
    return [(ch, font.get_char_index(ord(ch))) for ch in shape(text)]


@pytest.mark.parametrize("text", [WORD, "شاخص‌های اصلی در دوره‌ها", "رضایت کلی (میانگین)"])
def test_persian_is_drawn_right_to_left_with_joined_letters(text):
    """What the figure shows, glyph by glyph, not just what we pass to it."""
    from bidi import get_display

    font = _font()
    glyphs = drawn(text)
    base = [unicodedata.normalize("NFKC", ch) for ch, _ in glyphs if ch not in ("\u200c",)]
    expected = [ch for ch in get_display(text) if ch != "\u200c"]  # Unicode bidi visual order
    assert "".join(base).replace(" ", "") == "".join(expected).replace(" ", "")
    # the first logical letter is drawn rightmost (last), the last logical letter leftmost
    letters = [c for c in base if c.strip() and c not in "()"]
    assert letters[-1] == text[0] and letters[0] == [c for c in text if c.strip() and c not in "()"][-1]
    # contextual (joined) forms: some glyphs differ from the letter's isolated glyph
    isolated = {ch: font.get_char_index(ord(ch)) for ch in set(text) if ch.strip()}
    joined = [
        g
        for ch, g in glyphs
        if unicodedata.normalize("NFKC", ch) in isolated and g != isolated[unicodedata.normalize("NFKC", ch)]
    ]
    assert joined, "letters are drawn in isolated forms"
    assert all(g != 0 for _, g in glyphs), "a glyph is missing from the font"
    assert shape("Delivery speed") == "Delivery speed"


def test_the_check_catches_double_shaping(monkeypatch):
    """Shaping text that matplotlib shapes again reverses it: the glyph-order check must see that."""
    import csmlib.report.plots as plots
    from matplotlib.ft2font import FT2Font

    if not hasattr(FT2Font, "_layout"):
        pytest.skip("matplotlib without native text layout")
    monkeypatch.setattr(plots, "native_text_layout", lambda: False)
    with pytest.raises(AssertionError):
        test_persian_is_drawn_right_to_left_with_joined_letters(WORD)


def test_persian_figure_renders_without_missing_glyphs(tmp_path):
    fig, ax = plt.subplots()
    ax.barh([shape("سرعت تحویل"), shape("عملکرد محصول")], [3.4, 3.9])
    ax.set_title(shape(WORD))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font"
        fig.savefig(tmp_path / "fa.png")
    plt.close(fig)
    assert (tmp_path / "fa.png").stat().st_size > 5_000


def test_digits_follow_the_language():
    assert display.fmt(1234.5, ",.1f", "fa") == "۱٬۲۳۴٫۵"
    assert display.fmt(1234.5, ",.1f", "en") == "1,234.5"
    T = display.translator("fa")
    assert T("Kano", "کانو") == "کانو" and display.translator("en")("Kano", "کانو") == "Kano"


def test_markdown_cells_switch_to_persian_for_fa_reports():
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_markdown_cell("# Kano analysis")
    cell.metadata["csm"] = {"fa": "# تحلیل کانو"}
    nb.cells.append(cell)
    assert notebook_title(nb, "x", "fa") == "تحلیل کانو"
    assert notebook_title(nb, "x", "en") == "Kano analysis"
    assert _report_copy(nb, "fa").cells[0].source == "# تحلیل کانو"
    assert nb.cells[0].source == "# Kano analysis"  # the notebook itself is not changed


@pytest.mark.slow
def test_persian_report_renders_right_to_left(demo_root, tmp_path):
    """A wave with ``language: fa``: RTL page, Persian headings and Persian digits."""
    import shutil
    import subprocess
    import sys

    import yaml

    root = tmp_path / "fa"
    shutil.copytree(demo_root / "params", root / "params")
    shutil.copytree(demo_root / "data", root / "data")
    shutil.copytree(demo_root / "notebooks", root / "notebooks")
    path = root / "params" / "2025Q4.yaml"
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    params["options"]["language"] = "fa"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "csmlib.cli", "run", "params/2025Q4.yaml", "--only", "02"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    html = (root / "reports" / "2025Q4" / "02_satisfaction.html").read_text(encoding="utf-8")
    assert 'dir="rtl"' in html
    assert "رضایت مشتری" in html and "شاخص‌های اصلی" in html  # title and a heading
    assert "رضایت کلی" in html  # a codebook label in Persian
    assert "۱" in html and "۰" in html  # Persian digits in tables/cards
    assert "شکننده" in html and ">fragile<" not in html  # segment levels: the codebook's Persian labels


def test_persian_tables_translate_intake_problems_but_show_data_verbatim(monkeypatch):
    import pandas as pd

    from csmlib.report import tables as display

    shown = []
    monkeypatch.setattr(display, "display", lambda obj: shown.append(getattr(obj, "data", str(obj))))
    rejected = pd.DataFrame(
        {
            "file": ["data/responses_2026Q1.csv"],
            "row": [12],
            "column": ["prod_price"],
            "value": ["7"],
            "reason": ["out of range 1-5"],
        }
    )
    display.table(rejected, language="fa", index=False)
    page = shown[0]
    assert "data/responses_2026Q1.csv" in page and "prod_price" in page  # as in the data: findable
    assert "خارج از بازه ۱−۵" in page and "۱۲" in page  # the problem and the row number in Persian
    assert display.word("duplicate respondent id (first in row 3)", "fa") == "شناسه پاسخ‌دهنده تکراری (نخستین بار در ردیف 3)"
    assert display.word("out of range 1-5", "en") == "out of range 1-5"


def test_persian_figures_have_persian_digits_on_axes_and_bars():
    import matplotlib.pyplot as plt
    import pandas as pd

    from csmlib.report.plots.satisfaction import shares_chart

    fig = shares_chart(pd.Series({"وفادار": 62.5, "در معرض خطر": 12.0}), title="بخش‌های وفاداری", xlabel="درصد")
    fig.canvas.draw()
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks and all(re.fullmatch(r"[۰-۹٫٬−]+", t) for t in ticks), ticks
    assert any("۶۲٫۵" in t.get_text() for t in ax.texts)
    english = shares_chart(pd.Series({"loyal": 62.5}), title="Loyalty", xlabel="%")
    english.canvas.draw()
    assert any("62.5" in t.get_text() for t in english.axes[0].texts)
    plt.close("all")


def test_dates_in_tables_and_fieldwork_follow_the_calendar(monkeypatch, demo_root):
    """A Persian report writes dates in the Solar Hijri calendar with Persian digits; others ISO 8601."""
    import datetime as dt

    import pandas as pd

    from csmlib.report import tables as display
    from csmlib.survey.wave import open_wave

    shown = []
    monkeypatch.setattr(display, "display", lambda obj: shown.append(getattr(obj, "data", str(obj))))
    register = pd.DataFrame({"id": ["F-001"], "due": [dt.date(2026, 10, 30)]})
    display.table(register, language="fa", index=False)
    display.table(register, language="en", index=False)
    assert "۱۴۰۵/۰۸/۰۸" in shown[0] and "2026-10-30" not in shown[0]
    assert "2026-10-30" in shown[1] and "F-001" in shown[0]  # identifiers as they are
    wave = open_wave(demo_root / "params" / "2026Q3.yaml")
    assert wave.fieldwork == "2026-07-01 – 2026-09-30"
    wave.language_override = "fa"
    assert wave.fieldwork == "۱۴۰۵/۰۴/۱۰ تا ۱۴۰۵/۰۷/۰۸"
