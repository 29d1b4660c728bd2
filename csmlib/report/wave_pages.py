"""The pages of a wave beyond its reports: each report's page (or failure page), the wave's index
and the index of all waves.

The batch layer (:mod:`csmlib.batch.pipeline`) decides what runs and records what happened; this
module turns those records into pages. Every name, title and id on these pages comes from files
and is escaped; links are percent-encoded.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from markupsafe import Markup

from csmlib.core.results import load_results
from csmlib.core.text import localize
from csmlib.report.failure import render_failure
from csmlib.report.page import UI_TEXT, NavLink, trend_svg, write_page
from csmlib.report.render import notebook_title, render_notebook
from csmlib.report.safe_html import is_finite_number, table_html
from csmlib.stats import headline as hl
from csmlib.survey.codebook import parsed_once
from csmlib.survey.wave import Wave

#: The report whose page also opens the wave's index page.
SUMMARY = "08_summary"


def report_titles(notebooks: Sequence[Path], language: str = "en") -> dict[str, str]:
    """Each report notebook's title in the report language, keyed by its file stem."""
    return {nb.stem: notebook_title(_report_source(nb), nb.stem, language) for nb in notebooks}


@parsed_once
def _report_source(path: Path):
    """A report notebook as written (its title cell): every page's navigation names every report,
    so a run reads each source once, not once per page (an edited notebook is read again)."""
    import nbformat

    return nbformat.read(path, as_version=4)


def wave_nav(wave: Wave, notebooks: Sequence[Path], titles: dict[str, str], current: str | None) -> list[NavLink]:
    """The navigation bar of a wave's pages: all waves, the wave's overview, then every report.

    The wave's index opens with the executive summary, so when the wave has one the overview link
    carries the summary's title and the summary is not listed a second time.
    """
    text = UI_TEXT[wave.language]
    up = "../../../index.html" if wave.unit else "../index.html"
    has_summary = any(nb.stem == SUMMARY for nb in notebooks)
    overview = titles.get(SUMMARY, text["overview"]) if has_summary else text["overview"]
    links = [NavLink(up, text["all_waves"]), NavLink("index.html", overview, current in ("index", SUMMARY))]
    links += [
        NavLink(f"{nb.stem}.html", titles.get(nb.stem, nb.stem), current == nb.stem) for nb in notebooks if nb.stem != SUMMARY
    ]
    return links


def wave_label(wave: Wave) -> str:
    """``Wave 2026Q3`` (``· unit`` for a unit's report set), in the report language."""
    return f"{UI_TEXT[wave.language]['wave']} {wave.id}" + (f" · {wave.unit_label}" if wave.unit else "")


def render_report_page(
    wave: Wave, notebook: Path, executed: Path, target: Path, notebooks: Sequence[Path], error: str = ""
) -> str:
    """Render one executed report (or its failure page when it failed or was never written).

    Returns the error ("" when the page shows the report); a rendering failure is reported, not raised.
    """
    titles = report_titles(notebooks, wave.language)
    common = dict(
        organisation=wave.codebook.organisation or wave.codebook.survey,
        wave_label=wave_label(wave),
        language=wave.language,
        nav=wave_nav(wave, notebooks, titles, notebook.stem),
    )
    try:
        if executed.is_file():
            render_notebook(executed, target, title=titles[notebook.stem], error=error, **common)
        else:
            render_failure(
                target,
                notebook=titles[notebook.stem],
                message=error,
                executed=executed,
                root=wave.params.root,
                params_file=wave.params.params_file,
                **common,
            )
    except Exception as exc:  # noqa: BLE001 - one report's page must not stop the others
        error = error or f"rendering failed: {type(exc).__name__}: {exc}".splitlines()[0]
    return error


def _status(status: str, language: str) -> dict:
    tone = "csm-bad" if status == "failed" else "csm-good"
    return {"html": Markup('<span class="{}">{}</span>').format(tone, UI_TEXT[language].get(status, status))}


def write_wave_index(
    wave: Wave,
    jobs: Sequence,
    notebooks: Sequence[Path],
    titles: dict[str, str],
    *,
    n_accepted: int,
    n_rejected: int,
    units: Sequence[str] = (),
    suppressed_units: Sequence[str] = (),
) -> Path:
    """``reports/<wave>/index.html`` (and one per unit): the executive summary, then the reports,
    their status and the quarantine.

    ``jobs`` are the run's records (``notebook``, ``unit``, ``html``, ``status``, ``seconds``).
    When the summary report ran, the index is that report's page with the list of reports as its
    last section; otherwise a plain page. A failed report is marked red and links to its failure page.
    """
    text = UI_TEXT[wave.language]
    order = {nb.stem: i for i, nb in enumerate(notebooks)}
    pages = []
    for unit in sorted({r.unit for r in jobs}, key=lambda u: (u is not None, u or "")):
        view = Wave(wave.params, wave.codebook, unit, wave.intake_cache)
        unit_runs = sorted((r for r in jobs if r.unit == unit), key=lambda r: order.get(r.notebook, len(order)))
        rows = [
            {
                "report": Markup('<a href="{}">{}</a>').format(quote(r.html), titles.get(r.notebook, r.notebook)),
                "status": _status(r.status, wave.language),
                "seconds": localize(f"{r.seconds:.1f}", wave.language),
            }
            for r in unit_runs
        ]
        quarantine = Markup(
            '<div class="{}">{} {}, <strong>{} {}</strong> — <a href="{}rejected.csv">rejected.csv</a></div>'
        ).format(
            "csm-alert" if n_rejected else "csm-note",
            localize(f"{n_accepted:,}", wave.language),
            text["accepted"],
            localize(f"{n_rejected:,}", wave.language),
            text["rejected"],
            "../../" if unit else "",
        )
        body = quarantine + Markup(
            table_html(rows, [("report", text["report"]), ("status", text["status"]), ("seconds", text["seconds"])])
        )
        if unit is None and (units or suppressed_units):
            by = wave.params.units.by
            links = Markup(" · ").join(
                Markup('<a href="units/{}/index.html">{}</a>').format(
                    quote(Path(view.params.unit_dir(u)).name), wave.level_label(by, u)
                )
                for u in units
            )
            body += Markup("<h2>{}</h2><p>{}</p>").format(text["units"], links)
            if suppressed_units:
                body += Markup('<p class="csm-note">{}: {}</p>').format(
                    text["suppressed"].format(min_n=localize(str(wave.params.units.min_n), wave.language)),
                    ", ".join(wave.level_label(by, u) for u in suppressed_units),
                )
        target = view.output_dir / "index.html"
        summary = next((r for r in unit_runs if r.notebook == SUMMARY and r.status != "failed"), None)
        executed = view.output_dir / "notebooks" / f"{SUMMARY}.ipynb"
        section = Markup('<section class="csm-reports"><h2 id="csm-reports">{}</h2>{}</section>').format(text["reports"], body)
        if summary is not None and executed.is_file():  # the wave's page opens with the executive summary
            render_notebook(
                executed,
                target,
                organisation=wave.codebook.organisation or wave.codebook.survey,
                wave_label=wave_label(view),
                language=wave.language,
                nav=wave_nav(view, notebooks, titles, "index"),
                title=titles.get(SUMMARY),
                appendix=section,
            )
        else:
            write_page(
                target,
                title=view.title,
                organisation=wave.codebook.organisation,
                language=wave.language,
                subtitle=f"{text['fieldwork']} {wave.fieldwork}",
                nav=wave_nav(view, notebooks, titles, "index"),
                body=body,
            )
        pages.append(target)
    return pages[0] if pages else wave.output_dir / "index.html"


def headline_trend_html(folders: Sequence[Path], language: str) -> Markup:
    """Headline indicators of the waves saved in ``folders`` (oldest first): a chart and a table."""
    history = {}
    for folder in folders:
        saved = load_results(folder, hl.RESULTS_NOTEBOOK)
        if saved:
            history[str(saved.get("wave", folder.name))] = saved
    trend = hl.trend_table(history)
    trend = trend[trend["metric"].isin(hl.METRICS)]
    if trend.empty:
        return Markup("")
    names = hl.LABELS[language]
    metrics = [m for m in hl.METRICS if m in set(trend["metric"])]
    waves = list(dict.fromkeys(trend["wave"]))
    cells = []
    for m in metrics:
        by_wave = dict(zip(trend.loc[trend["metric"] == m, "wave"], trend.loc[trend["metric"] == m, "estimate"]))
        cells.append(
            {
                "metric": names.get(m, m),
                **{w: localize(f"{by_wave[w]:.2f}", language) if is_finite_number(by_wave.get(w)) else "–" for w in waves},
            }
        )
    series = {m: trend[trend["metric"] == m].to_dict("records") for m in metrics}
    chart = trend_svg(series, {m: names.get(m, m) for m in metrics}, language=language)
    head = [("metric", "")] + [(w, w) for w in waves]
    return Markup("<h3>{}</h3>").format(UI_TEXT[language]["trend"]) + Markup(chart) + Markup(table_html(cells, head))


def write_reports_index(reports_dir: Path, language: str = "en", organisation: str = "") -> Path:
    """``reports/index.html``: every wave that has a manifest, newest first, grouped by survey series.

    Wave ids, titles and file names come from parameter files and manifests: escaped, and
    percent-encoded in links (a wave id is never read as a URL scheme). Waves with a failed
    report are marked red.
    """
    text = UI_TEXT[language]
    manifests = []
    for manifest_path in reports_dir.glob("*/manifest.json"):
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            str(manifest["wave"]), manifest["intake"]["rejected"]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a wave whose manifest is unreadable is listed again after its next run
        manifests.append((manifest_path.parent, manifest))
    groups: dict[str, list[tuple[Path, dict]]] = {}
    for folder, manifest in sorted(manifests, key=lambda fm: (fm[1].get("fieldwork", {}).get("start", ""), fm[0].name)):
        groups.setdefault(str(manifest.get("series", "")), []).append((folder, manifest))
    body = Markup("")
    # one section per survey series, the series with the newest wave first; a series' waves never mix
    for name, members in sorted(groups.items(), key=lambda g: g[1][-1][1].get("fieldwork", {}).get("start", ""), reverse=True):
        rows = []
        for folder, manifest in reversed(members):
            jobs = [j for j in manifest.get("jobs", []) if not j.get("unit")]
            failed = [str(j["notebook"]) for j in manifest.get("jobs", []) if j.get("status") == "failed"]
            href = quote(folder.name)  # the wave's folder, as on disk
            status = (
                Markup('<span class="csm-good">{}</span>').format(text.get("ok", "ok"))
                if not failed
                else Markup('<span class="csm-bad">{}: {}</span>').format(text.get("failed", "failed"), ", ".join(failed))
            )
            rows.append(
                {
                    "wave": Markup('<a href="./{}/index.html">{}</a>').format(href, str(manifest["wave"])),
                    "reports": Markup(" · ").join(
                        Markup('<a href="./{}/{}">{}</a>').format(href, quote(str(j["html"])), j.get("title", j["notebook"]))
                        for j in jobs
                    ),
                    "rejected": localize(f"{manifest['intake']['rejected']:,}", language),
                    "status": status,
                }
            )
        columns = [
            ("wave", text["wave"]),
            ("reports", text["reports"]),
            ("rejected", text["rejected"]),
            ("status", text["status"]),
        ]
        section = headline_trend_html([folder for folder, _ in members], language) + Markup(table_html(rows, columns))
        if len(groups) > 1 or name:
            section = Markup('<section class="csm-series"><h2>{}</h2>{}</section>').format(name or "–", section)
        body += section
    return write_page(
        reports_dir / "index.html",
        title=text["index_title"],
        organisation=organisation,
        subtitle=text["all_waves"],
        language=language,
        nav=[],
        body=body,
    )
