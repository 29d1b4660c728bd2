"""Persian reports: right-to-left HTML, Persian digits, shaped and correctly ordered labels in figures."""
import unicodedata
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from csmlib import display
from csmlib.plots import shape
from csmlib.render import _report_copy, notebook_title

WORD = "رضایت مشتری"   # "customer satisfaction"


def _forms(text):
    return [unicodedata.name(ch, "") for ch in text]


def test_shape_joins_letters_and_orders_them_for_a_left_to_right_renderer():
    shaped = shape(WORD)
    names = _forms(shaped)
    # contextual (presentation) forms: the letters are joined, not isolated
    assert any("FINAL FORM" in n or "INITIAL FORM" in n or "MEDIAL FORM" in n for n in names)
    # visual order: the first logical letter (reh) is drawn last (rightmost)
    assert "REH" in names[-1]
    assert shape("Delivery speed") == "Delivery speed"


def test_persian_figure_text_renders_with_real_glyphs(tmp_path):
    """Every shaped character has a glyph in the report font (no tofu boxes in the PNG)."""
    from matplotlib.font_manager import FontProperties, get_font, findfont

    font = get_font(findfont(FontProperties(family=["DejaVu Sans"])))
    shaped = shape(WORD)
    missing = [ch for ch in shaped if ch != " " and font.get_char_index(ord(ch)) == 0]
    assert not missing, [unicodedata.name(c) for c in missing]
    fig, ax = plt.subplots()
    ax.barh([shape("سرعت تحویل"), shape("عملکرد محصول")], [3.4, 3.9])
    ax.set_title(shape(WORD))
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # matplotlib warns "Glyph ... missing from font"
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
    assert nb.cells[0].source == "# Kano analysis"   # the notebook itself is not changed


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
    result = subprocess.run([sys.executable, "-m", "csmlib.cli", "run", "params/2025Q4.yaml", "--only", "02"],
                            cwd=root, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    html = (root / "reports" / "2025Q4" / "02_satisfaction.html").read_text(encoding="utf-8")
    assert 'dir="rtl"' in html
    assert "رضایت مشتری" in html and "شاخص‌های اصلی" in html      # title and a heading
    assert "رضایت کلی" in html                                      # a codebook label in Persian
    assert "۱" in html and "۰" in html                              # Persian digits in tables/cards
