"""Untrusted text never becomes live HTML, pages forbid scripts, exports cannot run formulas.

Item labels, segment values, titles, complaint categories, department names, ids and raw values
come from files we do not control. Each kind of text that reaches ``csmlib.report.tables`` or
``csmlib.report.render`` is given script payloads here, and the HTML is parsed for anything live: a
``<script>``, an ``on*`` handler, an ``<img>`` that is not an embedded figure, a ``javascript:``
link. Every page must carry the Content-Security-Policy and declare its language and direction.
The CSV and Excel exports are read back to check that no cell is a formula.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from csmlib.report import render  # noqa: E402
from csmlib.report import tables as display  # noqa: E402
from csmlib.report.render import NavLink  # noqa: E402

PAYLOADS = [
    "<script>window.__x=1</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "'><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">click</a>',
    "</div></td></table><script>alert(1)</script>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<scr<script>ipt>alert(1)</script>",
]
ALL = " ".join(PAYLOADS)
DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "base", "form", "frame", "frameset", "applet", "link"}


class _Live(HTMLParser):
    """Everything in a page that could run or load something."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.html_attrs: dict | None = None
        self.csp: list[str] = []
        self.order: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.order.append(tag)
        if tag == "html" and self.html_attrs is None:
            self.html_attrs = attrs
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp.append(attrs.get("content") or "")
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("meta refresh")
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction", "xlink:href", "data") and value:
                scheme = re.sub(r"[\x00-\x20]+", "", value).lower()
                if scheme.startswith(("javascript:", "vbscript:")) or (
                    scheme.startswith("data:") and not scheme.startswith("data:image/")
                ):
                    self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "img" and not (attrs.get("src") or "").startswith("data:image/"):
            self.problems.append(f"<img src={attrs.get('src')!r}>")

    handle_startendtag = handle_starttag


def live(page: str) -> list[str]:
    parser = _Live()
    parser.feed(page)
    parser.close()
    return parser.problems


def inspect_page(page: str) -> _Live:
    parser = _Live()
    parser.feed(page)
    parser.close()
    return parser


def assert_safe_page(page: str, language: str = "en"):
    seen = inspect_page(page)
    assert seen.problems == [], seen.problems
    assert seen.csp, "no Content-Security-Policy meta tag"
    policy = seen.csp[0]
    assert "default-src 'none'" in policy and "script-src 'none'" in policy and "unsafe-inline'" in policy
    assert "unsafe-eval" not in policy and "script-src 'unsafe-inline'" not in policy
    # the policy comes before anything it governs
    assert seen.order.index("meta") < min(seen.order.index(t) for t in ("style", "body") if t in seen.order)
    assert seen.html_attrs == {"lang": language, "dir": "rtl" if language == "fa" else "ltr"}, seen.html_attrs


@pytest.fixture
def shown(monkeypatch):
    """What csmlib.report.tables puts into the notebook, as nbformat outputs (figures as PNG)."""
    outputs = []

    def fake_display(obj, metadata=None, **_):
        if isinstance(obj, dict):  # a figure drawn by plots.png, shown raw
            data = obj
        elif hasattr(obj, "savefig"):
            buffer = io.BytesIO()
            obj.savefig(buffer, format="png", dpi=40)
            data = {"image/png": base64.b64encode(buffer.getvalue()).decode(), "text/plain": "<Figure>"}
        else:
            data = {"text/html": obj.data, "text/plain": ""}
        outputs.append(nbformat.v4.new_output("display_data", data=data, metadata=metadata or {}))

    monkeypatch.setattr(display, "display", fake_display)
    return outputs


def _html(outputs) -> str:
    return "".join(o["data"].get("text/html", "") for o in outputs)


# ---------------------------------------------------------------------------- display.py
@pytest.mark.parametrize("language", ["en", "fa"])
def test_table_escapes_cells_headers_index_and_caption(shown, language):
    frame = pd.DataFrame({p: [p, 1.5, -2.0] for p in PAYLOADS[:4]}, index=pd.Index(PAYLOADS[4:7], name=PAYLOADS[8]))
    frame.columns.name = PAYLOADS[1]
    frame["value"] = PAYLOADS[7:10]  # a verbatim column
    frame["score"] = [1.0, -3.25, float("nan")]
    display.table(frame, language=language, caption=ALL)
    display.table(frame.reset_index(), language=language, index=False, caption=PAYLOADS[2])
    page = _html(shown)
    assert live(page) == []
    assert "&lt;script&gt;window.__x=1&lt;/script&gt;" in page  # shown as text, not dropped
    assert "onerror=alert(1)" in page.replace("&#34;", '"') and "<img" not in page


def test_table_with_a_multiindex_and_many_rows_escapes_everything(shown):
    index = pd.MultiIndex.from_tuples([(p, i) for i, p in enumerate(PAYLOADS)], names=[PAYLOADS[0], PAYLOADS[1]])
    frame = pd.DataFrame({"label": PAYLOADS, "n": range(len(PAYLOADS))}, index=index)
    display.table(frame, max_rows=3)
    assert live(_html(shown)) == []
    assert "more rows not shown" in _html(shown)


def test_say_note_alert_escape_html_but_keep_markdown(shown):
    for payload in PAYLOADS:
        display.say(f"**Bold** {payload} and *more*")
        display.note(payload)
        display.alert(payload + " **kept**")
    display.say("- first\n- second\n\n### Department " + PAYLOADS[0])
    display.say(
        "[a safe link](https://example.org/x) and [a bad one](javascript:alert(1)) "
        "and [another](JaVa&#x09;ScRiPt:alert(1)) and <javascript:alert(1)> and [data](data:text/html,x)"
    )
    page = _html(shown)
    assert live(page) == []
    assert "<strong>Bold</strong>" in page and "<em>more</em>" in page and "<strong>kept</strong>" in page
    assert "<li>first</li>" in page and "<h3>Department &lt;script&gt;" in page
    links = shown[-1]["data"]["text/html"]
    assert '<a href="https://example.org/x">a safe link</a>' in links
    assert links.count('href="#"') == 4, links


def test_the_notebooks_strong_and_code_tags_still_format_without_attributes(shown):
    display.alert(
        "<strong>6 rows were kept out</strong> see <code>rejected.csv</code> "
        '<strong onclick="alert(1)">x</strong> <code><script>alert(1)</script></code>'
    )
    page = _html(shown)
    assert "<strong>6 rows were kept out</strong>" in page and "<code>rejected.csv</code>" in page
    assert live(page) == []
    assert "&lt;strong onclick" in page


def test_cards_escape_every_field(shown):
    fields = ("label", "value", "scale", "ci", "change", "target", "note")
    display.cards([{**dict.fromkeys(fields, p), "tone": "good", "change_tone": "bad"} for p in PAYLOADS], "fa")
    display.cards([{"label": "NPS", "value": 31.5, "tone": PAYLOADS[2], "change_tone": PAYLOADS[3]}])
    page = _html(shown)
    assert live(page) == []
    assert len(re.findall(r'<div class="csm-card[ "]', page)) == len(PAYLOADS) + 1
    assert page.count('class="csm-card csm-card-good"') == len(PAYLOADS)  # an unknown tone adds no class


def test_figure_alt_text_is_escaped_on_the_page(shown, tmp_path):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.bar([0, 1], [1, 2])
    ax.set_title(PAYLOADS[1] + ' "quoted"')
    display.figure(fig)
    assert shown[0]["metadata"]["image/png"]["alt"] == PAYLOADS[1] + ' "quoted"'
    page = _render(tmp_path, [shown[0]])
    assert_safe_page(page)
    images = [attrs for tag, attrs in _tags(page) if tag == "img"]
    assert [i["alt"] for i in images] == [PAYLOADS[1] + ' "quoted"']  # the text, as text
    assert set(images[0]) == {"alt", "src"}


def _tags(page: str) -> list[tuple[str, dict]]:
    found = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Tags().feed(page)
    return found


# ---------------------------------------------------------------------------- render.py
def _notebook(outputs, *, markdown="# Report\n\n## One\n\n## Two") -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(markdown), nbformat.v4.new_code_cell("show()", execution_count=1)]
    nb.cells[1].outputs = list(outputs)
    return nb


def _render(tmp_path, outputs, language="en", **kwargs) -> str:
    executed = tmp_path / "reports" / "w" / "notebooks" / "01_x.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(_notebook(outputs), executed)
    target = tmp_path / "reports" / "w" / "01_x.html"
    options = dict(
        organisation=PAYLOADS[0],
        wave_label=PAYLOADS[1],
        language=language,
        nav=[NavLink("javascript:alert(1)", PAYLOADS[2], True), NavLink("02_y.html", PAYLOADS[3])],
        title=PAYLOADS[7],
    )
    options.update(kwargs)
    render.render_notebook(executed, target, **options)
    return target.read_text(encoding="utf-8")


def _raw_outputs():
    """Outputs a notebook could produce without csmlib.report.tables: pandas' reprs, Markdown, JS, widgets."""
    frame = pd.DataFrame({p: [p] for p in PAYLOADS}, index=[PAYLOADS[1]])
    out = nbformat.v4.new_output
    return [
        out("display_data", data={"text/html": frame._repr_html_(), "text/plain": "frame"}),
        out("display_data", data={"text/html": frame.style.to_html(), "text/plain": "styler"}),
        out("display_data", data={"text/html": ALL, "text/plain": "raw"}),
        out("display_data", data={"text/markdown": "**md** " + ALL, "text/plain": "md"}),
        out("display_data", data={"application/javascript": "window.__x=1", "text/plain": "<Javascript>"}),
        out("display_data", data={"application/vnd.jupyter.widget-view+json": {"model_id": "x"}, "text/plain": "w"}),
        out(
            "display_data",
            data={"image/svg+xml": '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "text/plain": "svg"},
        ),
        out(
            "display_data",
            data={"image/png": "iVBORw0KGgo=", "text/plain": "png"},
            metadata={"filenames": {"image/png": "javascript:alert(1)"}, "image/png": {"alt": ALL}},
        ),
        out("execute_result", data={"text/html": f"<p>{ALL}</p>", "text/plain": "r"}, execution_count=1),
        out("stream", name="stdout", text=ALL),
    ]


@pytest.mark.parametrize("language", ["en", "fa"])
def test_rendered_notebook_has_no_live_markup_from_any_output(shown, tmp_path, language):
    frame = pd.DataFrame({"label": PAYLOADS})
    display.table(frame, language=language, caption=ALL)
    display.say(ALL)
    display.cards([{"label": ALL, "value": ALL}], language)
    page = _render(tmp_path, [*shown, *_raw_outputs()], language=language)
    assert_safe_page(page, language)
    assert "<strong>md</strong>" in page  # Markdown outputs still format
    assert "<table" in page and "<svg" not in page
    assert "window.__x=1</script>" not in page
    assert 'href="#"' in page and "02_y.html" in page  # nav: unsafe target neutralised


def test_sanitizer_keeps_tables_and_text_and_drops_everything_live():
    dirty = (
        '<div class="csm-note" onclick="x" style="background:url(http://e)"><b>bold</b>'
        '<table><tr><th colspan="2" onmouseover="x">h</th></tr></table>'
        '<a href="https://ok.example/">ok</a><a href="java&#x09;script:alert(1)">bad</a>'
        "<img src=x onerror=alert(1)><svg><script>alert(1)</script></svg><style>*{}</style>"
        '<!-- <script>alert(1)</script> --><math><mi xlink:href="javascript:alert(1)">x</mi></math>'
        "<p>unclosed"
    )
    clean = str(render.sanitize_html(dirty))
    assert live(clean) == []
    assert clean == (
        '<div class="csm-note"><b>bold</b><table><tr><th colspan="2">h</th></tr></table>'
        '<a href="https://ok.example/">ok</a><a href="#">bad</a><p>unclosed</p></div>'
    )


@pytest.mark.parametrize("language", ["en", "fa"])
def test_write_page_escapes_title_organisation_subtitle_and_navigation(tmp_path, language):
    target = render.write_page(
        tmp_path / "p.html",
        title=ALL,
        organisation=ALL,
        subtitle=ALL,
        language=language,
        nav=[NavLink("javascript:alert(1)", ALL, True), NavLink(" java\tscript:x", "n")],
        body="<p>ours</p>",
    )
    page = target.read_text(encoding="utf-8")
    assert_safe_page(page, language)
    assert "<p>ours</p>" in page
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".p.html*"))  # written atomically


def test_table_html_and_trend_svg_escape_text(tmp_path):
    cells = render.table_html([{"a": p, "b": {"html": "<em>ours</em>"}} for p in PAYLOADS], [("a", ALL), ("b", "b")])
    svg = render.trend_svg(
        {"nps": [{"wave": p, "estimate": 1.0 + i, "ci_low": 0.5, "ci_high": 2.5 + i} for i, p in enumerate(PAYLOADS[:3])]},
        {"nps": ALL},
    )
    assert live(cells) == [] and "<em>ours</em>" in cells
    assert [p for p in live(svg) if "svg" not in p] == []
    assert "onload" not in svg.replace("onload=alert(1)&gt;", "")


@pytest.mark.parametrize("language", ["en", "fa"])
def test_failure_page_is_short_plain_and_in_the_report_language(tmp_path, language):
    root = tmp_path / "project"
    (root / "params").mkdir(parents=True)
    (root / "params" / "2026Q1.yaml").write_text("wave: 2026Q1\ncodebook: params/survey.yaml\n", encoding="utf-8")
    target = root / "reports" / "2026Q1" / "02_satisfaction.html"
    message = (
        f"CSMInputError: {root}/data/responses.csv, row 12, column 'q1': {PAYLOADS[0]}\n"
        'Traceback (most recent call last):\n  File "x.py", line 1'
    )
    render.render_failure(
        target,
        notebook=PAYLOADS[1],
        message=message,
        organisation=PAYLOADS[2],
        wave_label=PAYLOADS[3],
        language=language,
        nav=[NavLink("index.html", PAYLOADS[0])],
    )
    page = target.read_text(encoding="utf-8")
    assert_safe_page(page, language)
    assert str(root) not in page and "data/responses.csv, row 12" in page  # relative to the project
    assert "Traceback" not in page and "x.py" not in page
    assert "reports/2026Q1/notebooks/02_satisfaction.ipynb" in page  # where the details are
    assert "csm validate" in page
    heading = render.UI_TEXT[language]["failed_heading"]
    assert heading in page and ("این گزارش" in page) == (language == "fa")


def _failed_notebook(root: Path, *, error: bool = True) -> Path:
    """A partial executed notebook as papermill leaves it after a failed (or timed-out) cell."""
    (root / "params").mkdir(parents=True, exist_ok=True)
    params_file = root / "params" / "2026Q1.yaml"
    params_file.write_text("wave: 2026Q1\ncodebook: params/survey.yaml\n", encoding="utf-8")
    nb = _notebook([])
    nb.metadata["papermill"] = {"parameters": {"params_file": str(params_file)}, "exception": error or None}
    ok = nb.cells[1]
    ok.metadata["papermill"] = {"status": "completed"}
    ok.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<p>partial result</p>"})]
    bad = nbformat.v4.new_code_cell("fit(w.data)", execution_count=2 if error else None)
    bad.metadata["papermill"] = {"status": "failed" if error else "completed"}
    if error:
        bad.outputs = [
            nbformat.v4.new_output(
                "error",
                ename="KeyError",
                evalue=f"\x1b[31m'prod_speed' not in {root}/data/responses.csv\x1b[0m",
                traceback=["\x1b[31mTraceback (most recent call last)\x1b[0m", f"File {root}/csmlib/x.py:3", "KeyError"],
            )
        ]
    nb.cells.append(bad)
    nb.cells.append(nbformat.v4.new_code_cell("later()"))
    executed = root / "reports" / "2026Q1" / "notebooks" / "05_drivers.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, executed)
    return executed


@pytest.mark.parametrize("error", [True, False], ids=["error", "timeout"])
def test_a_partly_executed_notebook_renders_the_failure_page_without_traceback(tmp_path, error):
    root = tmp_path / "project"
    executed = _failed_notebook(root, error=error)
    target = executed.parent.parent / "05_drivers.html"
    render.render_notebook(
        executed, target, organisation="Org", wave_label="Wave 2026Q1", language="fa", nav=[], title="Key drivers"
    )
    page = target.read_text(encoding="utf-8")
    assert_safe_page(page, "fa")
    assert "Traceback" not in page and "fit(w.data)" not in page and "partial result" not in page
    assert "\x1b" not in page and str(root) not in page
    assert "reports/2026Q1/notebooks/05_drivers.ipynb" in page and "params/2026Q1.yaml" in page
    assert render.UI_TEXT["fa"]["failed_heading"] in page and "Key drivers" in page
    if error:
        assert (
            "KeyError: &#39;prod_speed&#39; not in data/responses.csv" in page
            or "KeyError: 'prod_speed' not in data/responses.csv" in page
        )
        assert "params/survey.yaml" in page  # check the codebook entry
    else:
        assert render.UI_TEXT["fa"]["failed_stopped"] in page and "options.timeout" in page


def test_reports_index_escapes_wave_ids_titles_and_marks_failures_red(tmp_path):
    from csmlib.batch.pipeline import write_reports_index

    reports = tmp_path / "reports"
    for folder, wave in (("w1", "javascript:alert(1)"), ("w2", PAYLOADS[0])):
        (reports / folder).mkdir(parents=True)
        manifest = {
            "wave": wave,
            "intake": {"rejected": 3},
            "jobs": [
                {"notebook": PAYLOADS[1], "html": "01_x.html", "status": "failed", "title": PAYLOADS[2]},
                {"notebook": "02_y", "html": PAYLOADS[3], "status": "ok", "title": ALL},
            ],
        }
        (reports / folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    page = write_reports_index(reports, "fa", organisation=ALL).read_text(encoding="utf-8")
    assert_safe_page(page, "fa")
    assert 'href="./w1/index.html"' in page and 'href="./w2/01_x.html"' in page
    assert page.count('class="csm-bad"') == 2


# ---------------------------------------------------------------------------- exports
FORMULAS = ["=2+5", '=HYPERLINK("http://x","y")', "@SUM(1)", "+cmd|' /C calc'!A0", "-1+1", "\t=1", "\r=1", "-5"]
SAFE_TEXT = ["Delivery", "a=b", "", "'quoted", "۱۲"]


def _frame() -> pd.DataFrame:
    texts = FORMULAS + SAFE_TEXT
    return pd.DataFrame(
        {
            "subject": texts,
            "department": list(reversed(texts)),
            "count": list(range(-6, len(texts) - 6)),  # negative numbers stay numbers
            "score": [-1.5 + i for i in range(len(texts))],
            "=cmd": pd.array(texts, dtype="string"),  # a dangerous header, pandas string dtype
        }
    )


def _check_csv(path: Path, encoding="utf-8"):
    with open(path, encoding=encoding, newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    assert header == ["subject", "department", "count", "score", "'=cmd"]
    for row in body:
        for cell in (row[0], row[1], row[4]):
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), repr(cell)
    assert [r[0] for r in body] == ["'" + f for f in FORMULAS] + SAFE_TEXT
    assert [int(r[2]) for r in body] == list(range(-6, len(body) - 6))
    assert body[0][3] == "-1.5"


def _check_xlsx(path: Path):
    from openpyxl import load_workbook

    sheet = load_workbook(path).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["subject", "department", "count", "score", "'=cmd"]
    subjects = [r[0] for r in rows[1:]]
    expected = ["'" + f for f in FORMULAS] + [s or None for s in SAFE_TEXT]
    assert subjects == [e.replace("\r", "\n") if e else e for e in expected]  # XML reads a CR as LF
    for row in rows[1:]:
        for value in (row[0], row[1], row[4]):
            assert value is None or not str(value).startswith(("=", "+", "-", "@", "\t", "\r"))
        assert isinstance(row[2], int) and isinstance(row[3], float)
    assert rows[1][2] == -6 and rows[1][3] == -1.5


def test_feedback_register_exports_cannot_run_formulas(tmp_path):
    from csmlib.report.register import write_register

    csv_path, xlsx_path = write_register(_frame(), tmp_path)
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads the BOM as UTF-8
    _check_csv(csv_path, encoding="utf-8-sig")
    _check_xlsx(xlsx_path)
    assert len(pd.read_excel(xlsx_path, engine="calamine")) == len(_frame())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feedback.csv", "feedback.xlsx"]  # no temp files left


def test_intake_files_cannot_run_formulas(tmp_path):
    from csmlib.batch.pipeline import write_intake_files

    frame = _frame()
    rejected = pd.DataFrame(
        {
            "file": "data/x.csv",
            "row": range(2, 2 + len(frame)),
            "column": FORMULAS + SAFE_TEXT,
            "value": FORMULAS + SAFE_TEXT,
            "reason": "not a number",
        }
    )
    wave = SimpleNamespace(
        params=SimpleNamespace(output_dir=tmp_path / "out"),
        intake=SimpleNamespace(rejected=rejected, rejected_rows=frame, n_rejected=len(frame)),
        complaints=SimpleNamespace(rejected=frame),
    )
    write_intake_files(wave)
    out = tmp_path / "out"
    _check_csv(out / "rejected_rows.csv")
    _check_csv(out / "complaints_rejected.csv")
    with open(out / "rejected.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["value"] for r in rows] == ["'" + f for f in FORMULAS] + SAFE_TEXT
    assert [r["row"] for r in rows][:2] == ["2", "3"]
    assert sorted(p.name for p in out.iterdir()) == ["complaints_rejected.csv", "rejected.csv", "rejected_rows.csv"]


def test_a_failed_write_leaves_the_previous_file(tmp_path, monkeypatch):
    from csmlib.core import exports

    target = tmp_path / "feedback.csv"
    target.write_text("previous", encoding="utf-8")

    def refuse(*_):
        raise OSError("disk full")

    monkeypatch.setattr(exports.os, "replace", refuse)
    with pytest.raises(OSError):
        exports.write_csv(_frame(), target)
    with pytest.raises(OSError):
        render.write_page(tmp_path / "p.html", title="t", organisation="o", subtitle="s", language="en", nav=[], body="")
    assert target.read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feedback.csv"]


def test_neutralise_touches_only_dangerous_text():
    from csmlib.core.exports import neutralise

    assert [neutralise(v) for v in FORMULAS] == ["'" + v for v in FORMULAS]
    assert [neutralise(v) for v in (-5, -1.5, None, True, "Delivery", "a-b", " =1")] == [
        -5,
        -1.5,
        None,
        True,
        "Delivery",
        "a-b",
        " =1",
    ]


# ---------------------------------------------------------------------------- in a browser
def _dump_dom(page: Path) -> str:
    from tests.browser import FLAGS, chromium

    flags = [f for f in FLAGS if not f.startswith("--remote-debugging")]
    result = subprocess.run(
        [chromium(), *flags, "--dump-dom", page.resolve().as_uri()], capture_output=True, text=True, timeout=120
    )
    return result.stdout


def _colours(png: Path) -> set[tuple[int, int, int]]:
    from PIL import Image

    with Image.open(png) as image:
        rgb = image.convert("RGB")
        return set(zip(*(iter(rgb.tobytes()),) * 3))


@pytest.mark.browser
def test_payloads_do_not_run_in_chromium_and_the_pages_still_look_right(shown, tmp_path):
    """A manager opens the pages: no planted script runs (escaped, and blocked by the CSP when
    planted in our own markup), while styles, the inline SVG chart and the PNG figures work."""
    from tests.browser import chromium, visit

    if chromium() is None:
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    marker = (
        "<script>document.title='pwned';document.documentElement.setAttribute('data-pwned','1')</script>"
        "<img src=x onerror=\"document.title='pwned'\">"
        '"><svg onload="document.title=\'pwned\'">'
    )
    display.table(pd.DataFrame({marker: [marker, 2.5]}, index=[marker, "b"]), caption=marker)
    display.say("**bold** " + marker)
    display.alert(marker)
    display.cards([{"label": marker, "value": marker}])
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.bar([0, 1], [1, 2], color="#d62728")
    ax.set_title(marker)
    display.figure(fig)
    raw = [nbformat.v4.new_output("display_data", data={"text/html": marker, "text/markdown": marker})]
    page = tmp_path / "reports" / "w" / "01_x.html"
    _render(
        tmp_path,
        [*shown, *raw],
        organisation=marker,
        wave_label=marker,
        title="Safe title",
        nav=[NavLink("javascript:document.title='pwned'", marker, True)],
    )

    index = render.write_page(
        tmp_path / "index.html",
        title="Index",
        organisation=marker,
        subtitle=marker,
        language="fa",
        nav=[],
        body=render.trend_svg(
            {
                "nps": [
                    {"wave": "2026Q1", "estimate": 30.0, "ci_low": 25.0, "ci_high": 35.0},
                    {"wave": "2026Q2", "estimate": 33.0, "ci_low": 28.0, "ci_high": 38.0},
                ]
            },
            {"nps": marker},
            language="fa",
        ),
    )
    planted = render.write_page(  # our own markup gone wrong: the CSP still blocks it
        tmp_path / "planted.html",
        title="Planted",
        organisation="o",
        subtitle="s",
        language="en",
        nav=[],
        body="<p>text</p>" + marker,
    )

    for path, title in ((page, "Safe title"), (index, "Index")):
        shot = path.with_suffix(".png")
        seen = visit(path, shot)
        assert seen.title == title
        assert seen.console_errors == [] and seen.exceptions == [], seen.console_errors  # nothing blocked
        assert seen.external_requests == []
        dom = _dump_dom(path)
        assert "data-pwned" not in re.search(r"<html[^>]*>", dom).group(0)
        assert "<script" not in dom
        colours = _colours(shot)
        assert (31, 95, 139) in colours  # the stylesheet's accent colour
        if path == page:
            assert any(r > 200 and g < 60 and b < 60 for r, g, b in colours)  # the red bars of the PNG figure
            assert "data:image/png;base64," in dom
        else:
            assert '<svg class="csm-trend-panel"' in dom and "<polyline" in dom
            assert (207, 223, 234) in colours  # the CI band: #9fbfd6 at half opacity

    seen = visit(planted)
    assert seen.title == "Planted"
    assert any("Content Security Policy" in e for e in seen.console_errors), seen.console_errors
    assert "data-pwned" not in re.search(r"<html[^>]*>", _dump_dom(planted)).group(0)


def test_tables_are_written_for_people(shown):
    """p-values as '< 0.001', marks instead of True/False, no negative zero, readable headers."""
    frame = pd.DataFrame(
        {"item": ["a", "b"], "ci_low": [-0.001, 0.5], "p_adjusted": [6.27e-206, 0.0456], "significant": [True, False]}
    )
    display.table(frame, {"ci_low": ".2f"}, index=False)
    page = _html(shown)
    assert "&lt; 0.001" in page and "0.046" in page and "e-206" not in page
    assert "✓" in page and "✗" in page and "True" not in page and "False" not in page
    assert "-0.00" not in page and ">0.00<" in page
    assert ">CI low<" in page and ">p (adjusted)<" in page and "ci_low" not in page


def test_a_test_not_made_is_a_dash_not_a_crash(shown):
    """A boolean column with missing values (Fong's test on a branch too small to test) shows '–'."""
    frame = pd.DataFrame({"item": ["a", "b", "c"], "fong_significant": pd.array([True, pd.NA, False], dtype="boolean")})
    display.table(frame, index=False)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", _html(shown))
    assert cells[1::2] == ["✓", "–", "✗"], cells
