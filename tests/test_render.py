"""HTML pieces built outside the notebooks: the reports index's trend chart, page language and
policy, failure pages, and the rebuilding of notebook outputs (security cases: test_security.py)."""

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csmlib.report.page import _nice_ticks, trend_svg


@given(st.floats(-1e4, 1e4), st.floats(1e-3, 1e4))
def test_ticks_are_round_evenly_spaced_and_inside_the_range(low, span):
    high = low + span
    ticks = _nice_ticks(low, high)
    assert 2 <= len(ticks) <= 6
    slack = 1e-6 * span  # inside the range, up to rounding
    assert all(low - slack <= t <= high + slack for t in ticks)
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:])}
    assert len(steps) == 1
    step = steps.pop()
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m) for m in (1, 2, 2.5, 5))


def _rows(*estimates):
    return [
        {"wave": f"2026Q{i + 1}", "estimate": e, "ci_low": e - 1 if e == e else e, "ci_high": e + 1 if e == e else e}
        for i, e in enumerate(estimates)
    ]


def test_one_panel_per_metric_one_point_per_wave_with_an_estimate():
    svg = trend_svg({"nps": _rows(30.0, 31.5, float("nan")), "csat": _rows(70.0)}, {"nps": "Net Promoter Score", "csat": "CSAT"})
    panels = re.findall(r"<svg .*?</svg>", svg)
    assert len(panels) == 2
    assert panels[0].count("<circle") == 2 and "<polyline" in panels[0]  # the missing wave is a gap
    assert panels[1].count("<circle") == 1 and "<polyline" not in panels[1]  # one wave: a point
    assert "Net Promoter Score" in panels[0] and "2026Q3" in panels[0]  # every wave is on the axis
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing to fetch


def test_persian_panels_have_persian_digits_and_right_to_left_titles():
    svg = trend_svg({"nps": _rows(30.0, 35.0)}, {"nps": "خالص امتیاز ترویج‌کنندگان"}, language="fa")
    ticks = re.findall(r'text-anchor="end" font-size="10" fill="#5f6b76">([^<]+)<', svg)
    assert ticks and all(re.fullmatch(r"[۰-۹٫٬−]+", t) for t in ticks)
    assert 'direction="rtl">خالص امتیاز ترویج‌کنندگان</text>' in svg


def test_no_data_no_chart():
    assert trend_svg({"nps": _rows(float("nan"))}, {"nps": "NPS"}) == ""


# ---------------------------------------------------------------------------- pages, text, failures
def _captured(monkeypatch):
    from csmlib.report import tables as display

    shown = []
    monkeypatch.setattr(display, "display", lambda obj, **_: shown.append(obj.data))
    return display, shown


def test_our_own_output_passes_the_output_sanitizer_unchanged(monkeypatch):
    """What csmlib.report.tables shows survives render's rebuilding of notebook outputs as it is."""
    from csmlib.report.render import sanitize_html

    display, shown = _captured(monkeypatch)
    display.cards([{"label": "NPS", "value": "31.5", "ci": "[28.1, 34.9]", "note": "▲ 2.1", "tone": "good"}])
    display.note("No **earlier** wave.")
    display.alert("<strong>6 rows</strong> were kept out; see <code>rejected.csv</code>.")
    display.say("- one\n- two\n\n### Packaging\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert [str(sanitize_html(s)) for s in shown] == shown


def test_tables_keep_their_structure_through_the_sanitizer(monkeypatch):
    import pandas as pd

    from csmlib.report.render import sanitize_html

    display, shown = _captured(monkeypatch)
    display.table(
        pd.DataFrame({"mean": [7.25, 6.5], "n": [120, 98]}, index=pd.Index(["a", "b"], name="segment")), caption="Overall"
    )
    clean = str(sanitize_html(shown[0]))
    tags = lambda text: re.findall(r"<(/?[a-z0-9]+)", text)  # noqa: E731
    assert tags(clean) == [t for t in tags(shown[0]) if t not in ("style", "/style")]
    assert ">7.25<" in clean and "<caption>Overall</caption>" in clean


@pytest.mark.parametrize("language, attributes", [("en", 'lang="en" dir="ltr"'), ("fa", 'lang="fa" dir="rtl"')])
def test_pages_declare_language_direction_and_policy(tmp_path, language, attributes):
    from csmlib.report.render import CSP, write_page

    page = write_page(
        tmp_path / "x.html", title="t", organisation="o", subtitle="s", language=language, nav=[], body=""
    ).read_text(encoding="utf-8")
    assert f"<html {attributes}>" in page
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP.replace(chr(39), "&#39;")}">' in page
    assert page.index("Content-Security-Policy") < page.index("<style>")


@pytest.mark.parametrize(
    "message, hint",
    [
        ("CellTimeoutError: A cell timed out while it was being executed, after 600 seconds.", "options.timeout"),
        ("DeadKernelError: Kernel died", "--jobs 1"),
        ("ModuleNotFoundError: No module named 'factor_analyzer'", "make env"),
        ("CSMInputError: data/x.csv, row 3: broken", "csm run params/2026Q1.yaml"),
        ("KeyError: 'prod_speed'", "params/survey.yaml"),
        ("RuntimeError: something else", "csm validate params/2026Q1.yaml"),
    ],
)
def test_failure_page_says_what_to_change(tmp_path, message, hint):
    from csmlib.report.render import render_failure

    (tmp_path / "params").mkdir()
    params = tmp_path / "params" / "2026Q1.yaml"
    params.write_text("codebook: params/survey.yaml\n", encoding="utf-8")
    target = render_failure(
        tmp_path / "reports" / "2026Q1" / "05_drivers.html",
        notebook="Key drivers",
        message=message,
        organisation="Org",
        wave_label="Wave 2026Q1",
        language="en",
        nav=[],
        params_file=params,
    )
    page = target.read_text(encoding="utf-8")
    assert hint in page and "reports/2026Q1/notebooks/05_drivers.ipynb" in page
    assert message.split(":")[0] in page


def test_error_lines_are_plain_and_relative(tmp_path):
    from csmlib.report.render import plain_error

    line = plain_error(f"\x1b[0;31mValueError\x1b[0m: column 'q1' of {tmp_path}/data/x.csv\nTraceback ...", tmp_path)
    assert line == "ValueError: column 'q1' of data/x.csv"


def test_a_note_repeated_under_every_heading_is_shown_once():
    """A report whose topic is absent says so once, without empty headings."""
    import nbformat

    from csmlib.report.render import _report_copy

    note = '<div class="csm-note">No Kano questions in this survey.</div>'
    out = lambda html_text: [nbformat.v4.new_output("display_data", data={"text/html": html_text})]  # noqa: E731
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Kano"),
            nbformat.v4.new_code_cell("", outputs=out(note)),
            nbformat.v4.new_markdown_cell("## Categories"),
            nbformat.v4.new_code_cell("", outputs=out(note)),
            nbformat.v4.new_markdown_cell("## Drift"),
            nbformat.v4.new_code_cell("", outputs=out(note)),
            nbformat.v4.new_markdown_cell("## Other"),
            nbformat.v4.new_code_cell("", outputs=out("<p>kept</p>")),
        ]
    )
    cells = _report_copy(nb).cells
    sources = [c.source for c in cells if c.cell_type == "markdown"]
    assert sources == ["# Kano", "## Other"]
    assert sum(1 for c in cells if c.cell_type == "code") == 2


def test_persian_pages_write_the_numbers_of_sentences_in_persian_digits():
    """Generated sentences ("1,494 respondents", "79%") read in Persian digits on a Persian page;
    identifiers, file names and code keep theirs; an English page is untouched."""
    from csmlib.report.render import _report_copy
    from csmlib.report.safe_html import sanitize_html

    html = "<p>1,494 پاسخ‌دهنده، 79% راضی، میانگین 3.44 از 5 (دوره 2026Q3، F-003) در <code>responses_2026.csv</code></p>"
    page = str(sanitize_html(html, "fa"))
    assert "۱٬۴۹۴" in page and "۷۹٪" in page and "۳٫۴۴" in page and "از ۵" in page
    assert "2026Q3" in page and "F-003" in page and "<code>responses_2026.csv</code>" in page
    assert str(sanitize_html(html, "en")) == str(sanitize_html(html))

    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("Alpha 0.70", metadata={"csm": {"fa": "آلفا 0.70 در `q_12`"}}),
        nbformat.v4.new_code_cell(
            "",
            outputs=[nbformat.v4.new_output("display_data", data={"text/markdown": "**347** شکایت", "text/plain": ""})],
        ),
    ]
    copy = _report_copy(nb, "fa")
    assert copy.cells[0].source == "آلفا ۰٫۷۰ در `q_12`"
    assert "۳۴۷" in copy.cells[1].outputs[0]["data"]["text/html"]
