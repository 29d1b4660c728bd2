"""HTML for managers: executed notebooks to self-contained, offline, code-free pages.

The nbconvert template ``csmlib/templates/csm`` extends JupyterLab's look but loads nothing
from the network (no require.js, MathJax, mermaid or widget scripts); images are embedded.
Code cells are hidden (``exclude_input``), warnings written to stderr are left out of the
page (they stay in the executed notebook). A notebook that failed is not shown with its
traceback: it gets a short failure page saying what failed and what to change.

Text becomes HTML only through :mod:`csmlib.report.safe_html` (escaping, safe Markdown, the
output sanitiser, the Content-Security-Policy); plain pages and their words are in
:mod:`csmlib.report.page`, failure pages in :mod:`csmlib.report.failure`. Their public names are
also importable from here, where earlier code imported them.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
from pathlib import Path

from markupsafe import Markup

from csmlib.core.dates import format_date
from csmlib.core.exports import atomic_write_text
from csmlib.core.text import localize_numbers

from csmlib.report.failure import (  # noqa: F401 - re-exported: the page modules' public names, importable from here
    FAILURE_HINTS as FAILURE_HINTS,
    failure_html as failure_html,
    notebook_failure as notebook_failure,
    plain_error as plain_error,
    project_root as project_root,
    render_failure,
)
from csmlib.report.page import CSS, TEMPLATES, UI_TEXT, NavLink, trend_svg as trend_svg, write_page as write_page
from csmlib.report.safe_html import (  # noqa: F401
    CSP,
    CSP_META as CSP_META,
    escape as escape,
    html_attributes as html_attributes,
    is_finite_number as is_finite_number,
    markdown_html,
    safe_href,
    sanitize_html,
    table_html as table_html,
)

_HEADING = re.compile(r'<h([12]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)
_TAGS = re.compile(r"<[^>]+>")


def _markdown(cell, language: str) -> str:
    """A Markdown cell's text in ``language`` (its Persian version lives in the cell metadata)."""
    translated = cell.get("metadata", {}).get("csm", {}).get(language)
    return translated if translated else cell.source


def notebook_title(nb, fallback: str, language: str = "en") -> str:
    """The first level-1 heading of the notebook's markdown, else ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in _markdown(cell, language).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


# Output kinds a report page shows. Anything else (JavaScript, widgets, LaTeX, PDF, ...) is dropped.
_SHOWN_MIMETYPES = ("text/html", "text/markdown", "text/plain", "image/png", "image/jpeg", "image/svg+xml")


def _safe_output(output, language: str = "en"):
    """A copy of a code cell's output fit for a page, or ``None`` when it is not shown.

    ``text/html`` is rebuilt by :func:`sanitize_html` (a DataFrame or Styler displayed directly
    included); ``text/markdown`` becomes HTML through :func:`markdown_html` (nbconvert would pass
    its raw HTML through); errors and stderr are not shown.
    """
    kind = output.get("output_type")
    if kind == "error" or (kind == "stream" and output.get("name") != "stdout"):
        return None
    if kind not in ("display_data", "execute_result"):
        return output
    data = {k: v for k, v in output.get("data", {}).items() if k in _SHOWN_MIMETYPES}
    if set(data) <= {"text/plain"} and set(output.get("data", {})) - set(data):
        return None  # e.g. JavaScript or a widget: its text/plain is only "<... object>"
    if "text/markdown" in data:
        markdown = data.pop("text/markdown")
        data.setdefault("text/html", str(markdown_html("".join(markdown) if isinstance(markdown, list) else markdown)))
    if "text/html" in data:
        value = data["text/html"]
        data["text/html"] = str(sanitize_html("".join(value) if isinstance(value, list) else value, language))
    if not data:
        return None
    output = output.copy()
    output["data"] = data
    metadata = dict(output.get("metadata", {}))
    metadata.pop("filenames", None)  # images are embedded, never linked
    output["metadata"] = metadata
    return output


def _report_copy(nb, language: str = "en"):
    import nbformat

    copy = nbformat.from_dict(nb)
    for cell in copy.cells:
        if cell.cell_type == "markdown":
            cell.source = localize_numbers(_markdown(cell, language), language, markdown=True)
        elif cell.cell_type == "code":
            cell.outputs = [kept for o in cell.get("outputs", []) if (kept := _safe_output(o, language)) is not None]
        elif cell.cell_type == "raw":
            cell.source = ""
    copy.cells = _without_repeated_absences(copy.cells)
    return copy


def _only_output_html(cell) -> str | None:
    outputs = cell.get("outputs", []) if cell.cell_type == "code" else []
    if len(outputs) != 1 or "text/html" not in outputs[0].get("data", {}):
        return None
    text = outputs[0]["data"]["text/html"]
    return "".join(text) if isinstance(text, list) else text


def _without_repeated_absences(cells: list) -> list:
    """Drop a section (its heading and its cell) whose only content repeats a note shown above.

    When a whole topic is absent (no Kano questions, no complaints log) every section of its
    report says the same one line; the page says it once and keeps no empty headings.
    """
    seen: set[str] = set()
    keep = [True] * len(cells)
    for i, cell in enumerate(cells):
        shown = _only_output_html(cell)
        if shown is None or 'class="csm-note"' not in shown:
            continue
        if shown in seen:
            keep[i] = False
            if i > 0 and cells[i - 1].cell_type == "markdown" and cells[i - 1].source.lstrip().startswith("#"):
                keep[i - 1] = False
        seen.add(shown)
    return [cell for cell, kept in zip(cells, keep) if kept]


def _add_toc(body: str) -> str:
    entries = [(level, anchor, _TAGS.sub("", text).replace("¶", "").strip()) for level, anchor, text in _HEADING.findall(body)]
    entries = [e for e in entries if e[0] == "2"]
    if len(entries) < 2:
        return body
    items = "".join(Markup('<li><a href="#{}">{}</a></li>').format(html.unescape(a), html.unescape(t)) for _, a, t in entries)
    return body.replace("<!--CSM-TOC-->", f"<ol>{items}</ol>", 1)


@functools.cache
def _exporter():
    """One exporter per process: compiling its templates costs more than rendering a report."""
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="csm",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        # the notebook is validated once, after the preprocessors, not after each of them (the same
        # errors, a tenth of a page's rendering less)
        optimistic_validation=True,
    )


def _nav_items(nav: list[NavLink]) -> list[dict]:
    return [{"href": safe_href(n.href), "text": str(n.text), "current": bool(n.current)} for n in nav]


def render_notebook(
    executed: Path,
    target: Path,
    *,
    organisation: str,
    wave_label: str,
    language: str,
    nav: list[NavLink],
    title: str | None = None,
    error: str = "",
    appendix: Markup | None = None,
) -> Path:
    """Render an executed notebook to one offline HTML file without code.

    ``appendix`` is HTML built by the report layer (escaped text in :class:`Markup`), shown as the
    page's last section (the wave's index is the summary report followed by the list of reports).

    A notebook that failed part-way (an error output, papermill's failure flag, cells left
    unexecuted after a timeout) is not shown: its page is the failure page of
    :func:`render_failure`, without traceback or code.
    """
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    page_title = title or notebook_title(nb, executed.stem, language)
    failure = notebook_failure(nb)
    if failure is not None or error:
        message = failure or error or UI_TEXT[language]["failed_stopped"]
        parameters = nb.get("metadata", {}).get("papermill", {}).get("parameters", {}) or {}
        params_file = parameters.get("params_file")
        if params_file and not Path(params_file).is_absolute():  # as given to the notebook: not from here
            params_file = None
        root = project_root(params_file, executed)
        if params_file is None and root is not None and (root / "params" / f"{executed.parent.parent.name}.yaml").is_file():
            params_file = root / "params" / f"{executed.parent.parent.name}.yaml"
        return render_failure(
            target,
            notebook=page_title,
            message=message,
            organisation=organisation,
            wave_label=wave_label,
            language=language,
            nav=nav,
            executed=executed,
            root=root,
            params_file=params_file,
        )
    exporter = _exporter()
    text = UI_TEXT[language]
    resources = {
        "metadata": {"name": page_title},
        "csm": {
            "css": CSS,
            "organisation": organisation,
            "title": page_title,
            "wave_label": wave_label,
            "date": format_date(dt.date.today(), language),
            "csp": CSP,
            "lang": language,
            "dir": "rtl" if language == "fa" else "ltr",
            "nav": _nav_items(nav),
            "figure_alt": text["figure"],
            "footer": text["generated"],
            "appendix": Markup(appendix or ""),
        },
        "language_code": language,
    }
    body, _ = exporter.from_notebook_node(_report_copy(nb, language), resources=resources)
    atomic_write_text(target, _add_toc(body))
    return target
