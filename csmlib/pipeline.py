"""Run a wave: intake, every report notebook through papermill, HTML, indexes.

``run_wave`` validates the wave's data (writing ``rejected.csv``), executes each notebook of
``notebooks/`` in order with papermill (explicit kernel, per-cell timeout, the wave's
parameters injected), keeps the executed notebooks in ``<output>/notebooks/``, renders each
to ``<output>/<notebook>.html`` and writes ``<output>/index.html``. A notebook that fails
keeps its partial executed notebook and gets a page showing the error; the others still run.
"""
from __future__ import annotations

import hashlib
import html
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from csmlib import __version__
from csmlib.codebook import load_codebook
from csmlib.errors import CSMInputError
from csmlib.params import WaveParams
from csmlib.render import NavLink, UI_TEXT, notebook_title, render_failure, render_notebook, table_html, write_page
from csmlib.wave import Wave

NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"


@dataclass
class NotebookRun:
    notebook: str
    status: str  # "ok" or "failed"
    seconds: float
    html: str
    error: str = ""


@dataclass
class WaveRun:
    wave: str
    output_dir: str
    n_read: int
    n_accepted: int
    n_rejected: int
    notebooks: list[NotebookRun] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.status == "ok" for r in self.notebooks)


def find_notebooks(notebooks_dir: Path, only: list[str] | None = None) -> list[Path]:
    found = sorted(notebooks_dir.glob(NOTEBOOK_GLOB))
    if only:
        found = [p for p in found if any(p.stem.startswith(o) or p.stem == o for o in only)]
    if not found:
        raise CSMInputError("no report notebooks found", file=notebooks_dir)
    return found


def check_kernel(name: str) -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        raise CSMInputError(f"Jupyter kernel '{name}' is not installed: run `make demo`, or "
                            f"`python -m ipykernel install --sys-prefix --name {name}`") from None


def _sha256(path: Path | None) -> str | None:
    if path is None or not Path(path).is_file():
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_intake_files(wave: Wave) -> None:
    """rejected.csv (one line per problem) and rejected_rows.csv (the raw rows kept out)."""
    out = wave.output_dir
    out.mkdir(parents=True, exist_ok=True)
    intake = wave.intake
    intake.rejected.to_csv(out / "rejected.csv", index=False, encoding="utf-8")
    intake.rejected_rows.to_csv(out / "rejected_rows.csv", index=False, encoding="utf-8")


def _nav(wave: Wave, notebooks: list[Path], titles: dict[str, str], current: str | None) -> list[NavLink]:
    text = UI_TEXT[wave.language]
    links = [NavLink("../index.html", text["all_waves"]), NavLink("index.html", text["overview"], current == "index")]
    links += [NavLink(f"{nb.stem}.html", titles.get(nb.stem, nb.stem), current == nb.stem) for nb in notebooks]
    return links


def run_wave(params: WaveParams, *, notebooks_dir: Path, strict: bool = False, only: list[str] | None = None,
             log: Callable[[str], None] = print) -> WaveRun:
    """Validate, execute and render one wave. Raises CSMInputError for file-level problems."""
    import nbformat
    import papermill as pm

    codebook = load_codebook(params.codebook)
    wave = Wave(params, codebook)
    write_intake_files(wave)
    intake = wave.intake
    if strict and intake.n_rejected:
        first = intake.rejected.iloc[0]
        raise CSMInputError(f"{first['reason']} (value '{first['value']}'; {intake.n_rejected} rejected rows, "
                            f"see {wave.output_dir / 'rejected.csv'})", file=first["file"], row=int(first["row"]),
                            column=str(first["column"]))
    notebooks = find_notebooks(notebooks_dir, only)
    check_kernel(params.options.kernel)
    run = WaveRun(wave.id, str(wave.output_dir), intake.n_read, intake.n_accepted, intake.n_rejected)
    executed_dir = wave.output_dir / "notebooks"
    executed_dir.mkdir(parents=True, exist_ok=True)
    titles = {nb.stem: notebook_title(nbformat.read(nb, as_version=4), nb.stem) for nb in notebooks}
    organisation = codebook.organisation or codebook.survey
    wave_label = f"{UI_TEXT[wave.language]['wave']} {wave.id}"

    for nb in notebooks:
        started = time.perf_counter()
        executed = executed_dir / nb.name
        html_path = wave.output_dir / f"{nb.stem}.html"
        status, error = "ok", ""
        try:
            pm.execute_notebook(str(nb), str(executed), parameters=params.notebook_parameters(),
                                kernel_name=params.options.kernel, execution_timeout=params.options.timeout,
                                cwd=str(notebooks_dir), progress_bar=False, log_output=False,
                                report_mode=True)
        except pm.PapermillExecutionError as exc:
            status, error = "failed", f"{exc.ename}: {exc.evalue}".splitlines()[0]
        except Exception as exc:  # kernel died, timeout, bad notebook: record it, go on with the others
            status, error = "failed", f"{type(exc).__name__}: {exc}".splitlines()[0]
        nav = _nav(wave, notebooks, titles, nb.stem)
        try:
            if executed.is_file():
                render_notebook(executed, html_path, organisation=organisation, wave_label=wave_label,
                                language=wave.language, nav=nav, title=titles[nb.stem])
            else:
                render_failure(html_path, notebook=titles[nb.stem], message=error, organisation=organisation,
                               wave_label=wave_label, language=wave.language, nav=nav)
        except Exception as exc:
            status, error = "failed", error or f"rendering failed: {type(exc).__name__}: {exc}".splitlines()[0]
        seconds = time.perf_counter() - started
        run.notebooks.append(NotebookRun(nb.stem, status, round(seconds, 2), html_path.name, error))
        log(f"{wave.id:<10} {nb.stem:<24} {status:<6} {seconds:6.1f} s" + (f"  {error}" if error else ""))

    write_wave_index(wave, run, notebooks, titles)
    write_manifest(wave, run, notebooks)
    return run


def write_manifest(wave: Wave, run: WaveRun, notebooks: list[Path]) -> Path:
    from importlib.metadata import version

    packages = {p: version(p) for p in ("pandas", "numpy", "scipy", "papermill", "nbconvert", "factor_analyzer")}
    manifest = {
        "wave": wave.id, "csmlib": __version__, "packages": packages,
        "inputs": {k: {"path": str(getattr(wave.params, k)), "sha256": _sha256(getattr(wave.params, k))}
                   for k in ("params_file", "codebook", "responses", "complaints", "actions")
                   if getattr(wave.params, k) is not None},
        "notebooks": {nb.stem: _sha256(nb) for nb in notebooks},
        "jobs": [asdict(r) | {"output_sha256": _sha256(wave.output_dir / r.html)} for r in run.notebooks],
        "intake": {"read": run.n_read, "accepted": run.n_accepted, "rejected": run.n_rejected},
    }
    path = wave.output_dir / "manifest.json"
    path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def write_wave_index(wave: Wave, run: WaveRun, notebooks: list[Path], titles: dict[str, str]) -> Path:
    text = UI_TEXT[wave.language]
    rows = [{"report": {"html": f'<a href="{r.html}">{html.escape(titles.get(r.notebook, r.notebook))}</a>'},
             "status": {"html": f'<span class="{"csm-good" if r.status == "ok" else "csm-bad"}">{r.status}</span>'},
             "seconds": f"{r.seconds:.1f}"} for r in run.notebooks]
    quarantine = (f'<div class="{"csm-alert" if run.n_rejected else "csm-note"}">{run.n_accepted} {text["accepted"]}, '
                  f'<strong>{run.n_rejected} {text["rejected"]}</strong> — '
                  f'<a href="rejected.csv">rejected.csv</a></div>')
    body = quarantine + table_html(rows, [("report", text["report"]), ("status", text["status"]),
                                          ("seconds", text["seconds"])])
    fw = wave.params.fieldwork
    return write_page(wave.output_dir / "index.html", title=wave.params.title or wave.id,
                      organisation=wave.codebook.organisation, language=wave.language,
                      subtitle=f"{text['fieldwork']} {fw.start} – {fw.end}",
                      nav=_nav(wave, notebooks, titles, "index"), body=body)


def write_reports_index(reports_dir: Path, language: str = "en", organisation: str = "") -> Path:
    """``reports/index.html``: every wave that has a manifest, newest first."""
    text = UI_TEXT[language]
    rows = []
    for manifest_path in sorted(reports_dir.glob("*/manifest.json"), reverse=True):
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        jobs = manifest.get("jobs", [])
        failed = [j["notebook"] for j in jobs if j["status"] != "ok"]
        status = "ok" if not failed else f"failed: {', '.join(failed)}"
        wave_id = manifest["wave"]
        rows.append({"wave": {"html": f'<a href="{wave_id}/index.html">{html.escape(wave_id)}</a>'},
                     "reports": {"html": " · ".join(f'<a href="{wave_id}/{j["html"]}">{html.escape(j["notebook"])}</a>'
                                                    for j in jobs)},
                     "rejected": manifest["intake"]["rejected"],
                     "status": {"html": f'<span class="{"csm-good" if not failed else "csm-bad"}">{html.escape(status)}</span>'}})
    body = table_html(rows, [("wave", text["wave"]), ("reports", text["reports"]),
                             ("rejected", text["rejected"]), ("status", text["status"])])
    return write_page(reports_dir / "index.html", title=text["index_title"], organisation=organisation,
                      subtitle=text["all_waves"], language=language, nav=[], body=body)
