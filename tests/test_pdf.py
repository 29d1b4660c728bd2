"""PDFs of the reports (`csm run --pdf`): printed by headless Chromium with the pages' print style.

The printed pages are read back with pypdf: A4, no page that holds nothing but the footer, no
heading left at the foot of a page, a wide table inside the page, Persian pages right to left.
"""

import base64
import io
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from markupsafe import Markup
from pypdf import PdfReader

from csmlib.report import pdf
from csmlib.report.page import NavLink
from csmlib.report.render import render_notebook

A4 = (595.28, 841.89)  # points
needs_chromium = pytest.mark.skipif(pdf.find_chromium() is None, reason="Debian chromium is not installed (.ci/run installs it)")

WIDE_COLUMNS = [f"column {i}" for i in range(1, 15)] + ["last column"]


def _wide_table(rows: int) -> str:
    head = "".join(f"<th>{c}</th>" for c in WIDE_COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{r * 100 + i}.25 remarks</td>" for i in range(len(WIDE_COLUMNS) - 1)) + f"<td>end {r}</td></tr>"
        for r in range(rows)
    )
    return f"<table><caption>Wide table</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _notebook(language: str = "en") -> nbformat.NotebookNode:
    """An executed report: sections whose heading cell is followed by a long output cell."""
    nb = nbformat.v4.new_notebook()
    heading = "گزارش آزمایشی" if language == "fa" else "Test report"
    cells = [nbformat.v4.new_markdown_cell(f"# {heading}")]
    paragraph = ("رضایت مشتریان در این دوره بالا بود. " if language == "fa" else "Customers were satisfied this wave. ") * 30
    for section in range(1, 7):
        cells.append(nbformat.v4.new_markdown_cell(f"## Section {section}"))
        code = nbformat.v4.new_code_cell("")
        html = f"<p>{paragraph}</p>" + (_wide_table(18) if section % 2 else f"<p>{paragraph}</p>")
        code.outputs = [nbformat.v4.new_output("display_data", data={"text/html": html, "text/plain": "table"})]
        code.execution_count = section
        cells.append(code)
    nb.cells = cells
    return nb


def _render(tmp_path: Path, language: str = "en") -> Path:
    executed = tmp_path / "notebooks" / "01_test.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(_notebook(language), executed)
    return render_notebook(
        executed,
        tmp_path / "01_test.html",
        organisation="Test Co.",
        wave_label="Wave T1",
        language=language,
        nav=[NavLink("index.html", "Overview")],
        title="Test report",
    )


def _page_text(page) -> str:
    """A page's text without the strip Chromium prints at its foot (title, "page / pages")."""
    text = page.extract_text()
    return re.sub(r"\d+\s*/\s*\d+", "", text.replace("Test report", "")).strip()


def _text_positions(page) -> list[tuple[float, str]]:
    """Where each piece of text starts on the page, in points from the left edge."""
    found = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():  # the text matrix places it in the current user space, ``cm`` on the page
            found.append((tm[4] * cm[0] + tm[5] * cm[2] + cm[4], text.strip()))

    page.extract_text(visitor_text=visit)
    return found


# ---------------------------------------------------------------------------- without Chromium
def test_without_chromium_the_run_says_how_to_get_pdfs(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    lines = []
    assert pdf.chromium_for_pdf(lines.append) is None
    assert len(lines) == 1 and "PDFs not made" in lines[0] and "apt install chromium" in lines[0]


def test_a_browser_that_stops_at_once_is_an_error_not_a_hang():
    with pytest.raises(pdf.PdfError, match="Chromium stopped"):
        pdf.Chromium(shutil.which("false"), timeout=20)
    with pytest.raises(pdf.PdfError, match="could not be started"):
        pdf.Chromium("/nonexistent/chromium", timeout=20)


# ---------------------------------------------------------------------------- printing a page
@pytest.mark.browser
@needs_chromium
def test_a_page_with_sections_and_a_wide_table_prints_to_a4_without_empty_or_stranded_ends(tmp_path):
    page = _render(tmp_path)
    target = tmp_path / "pdf" / "01_test.pdf"
    with pdf.Chromium(pdf.find_chromium()) as browser:
        n_pages = pdf.save_pdf(browser.print_pdf(page), target, "Test report")
    reader = PdfReader(target)
    assert n_pages == len(reader.pages) >= 3
    assert reader.metadata.title == "Test report"
    assert not list(tmp_path.glob("pdf/.*.tmp")), "the temporary file was moved into place"
    headings = {f"Section {i}" for i in range(1, 7)}
    for number, printed in enumerate(reader.pages, 1):
        width, height = float(printed.mediabox.width), float(printed.mediabox.height)
        assert (round(width), round(height)) == (round(A4[0]), round(A4[1])), "A4 from the print style sheet"
        text = _page_text(printed)
        assert len(text) > 40, f"page {number} holds nothing but the footer: {text!r}"
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        assert lines[-1] not in headings, f"page {number} ends with the heading {lines[-1]!r}"
        # the wide table fits: no text starts beyond the right margin (13 mm = 37 pt)
        assert all(x < width - 30 for x, _ in _text_positions(printed)), f"page {number}: text beyond the page edge"
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert re.search(r"last\s+column", text) and "end 17" in text, "the wide table's last column is printed"
    assert "file:" not in target.read_bytes().decode("latin-1"), "no link to a local file (nor its folder names)"


def _last_lines(printed: bytes) -> list[str]:
    """The last line of text on each page, the page-number strip left out."""
    last = []
    for page in PdfReader(io.BytesIO(printed)).pages:
        lines = [ln.strip() for ln in page.extract_text().splitlines() if ln.strip() and not re.search(r"\d+ / \d+$", ln.strip())]
        last.append(lines[-1] if lines else "")
    return last


def _png(width: int, height: int) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (31, 95, 139)).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.mark.browser
@needs_chromium
def test_a_heading_moves_to_the_next_page_with_its_figure(tmp_path):
    """Text of growing length pushes a heading down the first page: wherever it lands, it is never
    the last line of a page (a heading and the figure under it were printed pages apart)."""
    figure = _png(600, 500)
    (tmp_path / "notebooks").mkdir()
    stranded = []
    with pdf.Chromium(pdf.find_chromium()) as browser:
        for sentences in range(20, 60, 4):
            nb = nbformat.v4.new_notebook()
            text = nbformat.v4.new_code_cell("")
            text.outputs = [
                nbformat.v4.new_output(
                    "display_data", data={"text/html": "<p>" + "Customers were satisfied. " * sentences + "</p>"}
                )
            ] * 3
            chart = nbformat.v4.new_code_cell("")
            chart.outputs = [
                nbformat.v4.new_output("display_data", data={"text/html": "<p>What the chart shows.</p>"}),
                nbformat.v4.new_output("display_data", data={"image/png": figure, "text/plain": "chart"}),
            ]
            nb.cells = [nbformat.v4.new_markdown_cell("# Report"), text, nbformat.v4.new_markdown_cell("## A heading"), chart]
            nbformat.write(nb, tmp_path / "notebooks" / "x.ipynb")
            page = render_notebook(
                tmp_path / "notebooks" / "x.ipynb", tmp_path / "x.html", organisation="O", wave_label="W", language="en", nav=[]
            )
            if "A heading" in _last_lines(browser.print_pdf(page)):
                stranded.append(sentences)
    assert not stranded, f"the heading ended a page after {stranded} sentences"


@pytest.mark.browser
@needs_chromium
def test_no_page_holds_only_the_footer(tmp_path):
    """Content of growing height ends ever lower on the page: the footer line never starts a page of its own."""
    from csmlib.report.page import write_page

    rows = "".join(f"<tr><td>Report {i}</td><td class='csm-good'>ok</td><td>{i}.5</td></tr>" for i in range(8))
    alone = []
    with pdf.Chromium(pdf.find_chromium()) as browser:
        for height in range(430, 540, 10):
            body = Markup(
                f'<p style="height:{height}px">Filler</p><section><h2>Reports</h2><div class="csm-note">Note</div>'
                f'<table class="csm-table"><thead><tr><th>Report</th><th>Status</th><th>Seconds</th></tr></thead>'
                f"<tbody>{rows}</tbody></table></section>"
            )
            page = write_page(tmp_path / "p.html", title="T", organisation="O", language="en", subtitle="S", nav=[], body=body)
            pages = PdfReader(io.BytesIO(browser.print_pdf(page))).pages
            texts = [re.sub(r"\d+ / \d+|\bT\b", "", p.extract_text()).strip() for p in pages]
            if any(t.startswith("Generated by") for t in texts[1:]):
                alone.append(height)
    assert not alone, f"a page held only the footer after {alone} px of content"


@pytest.mark.browser
@needs_chromium
def test_a_persian_page_prints_right_to_left(tmp_path):
    page = _render(tmp_path, "fa")
    target = tmp_path / "fa.pdf"
    with pdf.Chromium(pdf.find_chromium()) as browser:
        pdf.save_pdf(browser.print_pdf(page, direction="rtl"), target, "fa")
    first = PdfReader(target).pages[0]
    width = float(first.mediabox.width)
    positions = _text_positions(first)
    assert any(re.search("[\u0600-\u06ff]", text) for _, text in positions), "Persian text is printed as text"
    # right to left: a heading starts at the right margin, not at the left one
    headings = [x for x, text in positions if text.startswith("Section")]
    assert headings and all(x > width / 2 for x in headings), headings


@pytest.mark.browser
@needs_chromium
def test_a_wave_document_joins_its_pages_with_bookmarks_and_internal_links(tmp_path):
    from csmlib.report.page import write_page

    first = write_page(
        tmp_path / "index.html",
        title="Index",
        organisation="Test Co.",
        language="en",
        subtitle="",
        nav=[],
        body='<p><a href="01_test.html">Test report</a> · <a href="rejected.csv">rejected rows</a></p>',
    )
    page = _render(tmp_path)
    with pdf.Chromium(pdf.find_chromium()) as browser:
        parts = [pdf.PdfPart("Index", first, browser.print_pdf(first)), pdf.PdfPart("Test report", page, browser.print_pdf(page))]
    n_pages = pdf.merge_pdfs(parts, tmp_path / "T1.pdf", "T1")
    reader = PdfReader(tmp_path / "T1.pdf")
    assert n_pages == len(reader.pages) == 1 + pdf.save_pdf(parts[1].printed, tmp_path / "01_test.pdf", "Test report")
    assert [item.title for item in reader.outline if not isinstance(item, list)] == ["Index", "Test report"]
    links = [a.get_object() for a in reader.pages[0].get("/Annots", [])]
    jumps = [a["/A"] for a in links if a.get("/A", {}).get("/S") == "/GoTo"]
    assert len(jumps) == 1 and reader.get_page_number(jumps[0]["/D"][0].get_object()) == 1
    assert not [a for a in links if "/URI" in a.get("/A", {})], "the link to rejected.csv is removed"


# ---------------------------------------------------------------------------- csm run --pdf
@pytest.mark.slow
@pytest.mark.browser
@needs_chromium
def test_csm_run_pdf_writes_each_report_and_the_wave(demo_root, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from csmlib.cli import main

    root = tmp_path / "project"
    for folder in ("params", "data", "notebooks"):
        shutil.copytree(demo_root / folder, root / folder)
    monkeypatch.chdir(root)
    runner = CliRunner()
    with monkeypatch.context() as without:  # no Chromium: the run succeeds and says how to get PDFs
        without.setattr(pdf, "find_chromium", lambda: None)
        result = runner.invoke(main, ["run", "params/2025Q4.yaml", "--only", "01", "--pdf"])
    assert result.exit_code == 0, result.output
    assert sum("apt install chromium" in line for line in result.output.splitlines()) == 1
    wave = root / "reports" / "2025Q4"
    assert not (wave / "pdf").exists() and not (wave / "2025Q4.pdf").exists()

    result = runner.invoke(main, ["run", "params/2025Q4.yaml", "--only", "01", "--pdf"])
    assert result.exit_code == 0, result.output
    assert re.search(r"2025Q4\s+PDF reports/2025Q4/2025Q4.pdf \(1 reports, \d+ pages", result.output), result.output
    report = PdfReader(wave / "pdf" / "01_data_quality.pdf")
    whole = PdfReader(wave / "2025Q4.pdf")
    index_pages = len(PdfReader(wave / "pdf" / "index.pdf").pages)
    assert len(whole.pages) == index_pages + len(report.pages) >= 2
    assert [item.title for item in whole.outline if not isinstance(item, list)] == ["2025Q4", "Data quality"]
    for page in report.pages:
        assert len(page.extract_text().strip()) > 60
    written = [p.relative_to(root).as_posix() for p in root.rglob("*.pdf")]
    assert all(p.startswith("reports/2025Q4/") for p in written), written
    assert not list(root.rglob("*.tmp"))
