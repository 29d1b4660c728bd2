"""Run waves: intake, every report notebook through papermill, HTML, indexes, manifest.

A *job* is one notebook for one wave (and one unit, when the wave asks for a report set per
unit). Jobs form a small graph: a notebook of a wave waits for the same notebook of the
previous wave (its trend charts read that wave's results), and the summary notebook (the
last one) waits for the other notebooks of its wave. The graph runs in this process, one
notebook at a time (``jobs=1``) or ``N`` at a time (``jobs=N``: each from a thread, in a kernel
process of its own), or on an existing Dask distributed cluster (``scheduler="tcp://host:port"``).

Each job executes its notebook with papermill (explicit kernel, per-cell timeout, the wave's
parameters injected), keeps the executed notebook in ``<output>/notebooks/`` and renders
``<output>/<notebook>.html``. Every process that runs notebooks (this one, each Dask worker)
forks their kernels from a warm zygote started as the run begins
(:func:`csmlib.batch.kernels.warm_kernels`); here, a page is rendered while the next notebook
runs. A failing notebook keeps its partial executed notebook and gets a page showing the error;
the other jobs still run. A job whose inputs (notebook, parameters, codebook, data, csmlib
version, the results it reads) have not changed since its last successful run is not run again
unless ``force`` is set. ``manifest.json`` records every job.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from csmlib import __version__
from csmlib.core.errors import CSMInputError
from csmlib.core.exports import ensure_writable
from csmlib.batch import kernels
from csmlib.batch.execute import execute_notebook
from csmlib.core.results import sha256_file
from csmlib.report.failure import plain_error
from csmlib.report.pdf import chromium_for_pdf, write_wave_pdfs
from csmlib.report.wave_pages import render_report_page, report_titles, write_reports_index, write_wave_index
from csmlib.survey.codebook import Codebook, parsed_once
from csmlib.survey.params import WaveParams
from csmlib.survey.wave import Wave, open_wave

NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
THREAD_SWITCH_SECONDS = 0.0005  # see prompt_thread_switches
# one page at a time per process: the HTML exporter is shared (a Dask worker may run two jobs at once)
_RENDERING = threading.Lock()


@dataclass(frozen=True)
class Job:
    """One notebook of one wave (and unit). It carries the wave's parsed parameters and codebook:
    a run parses each file once and hands the result to its workers."""

    params: WaveParams
    codebook: Codebook
    unit: str | None
    notebook: str  # path of the source notebook
    notebooks: tuple[str, ...]  # every notebook of the run, for the navigation bar
    force: bool = False

    @property
    def params_file(self) -> str:
        return str(self.params.params_file)

    @property
    def key(self) -> str:
        return f"{Path(self.params_file).stem}/{self.unit or '-'}/{Path(self.notebook).stem}"


@dataclass
class NotebookRun:
    notebook: str
    status: str  # "ok", "cached" or "failed"
    seconds: float
    html: str
    error: str = ""
    input_sha256: str = ""
    unit: str | None = None
    wave: str = ""
    outputs: dict = field(default_factory=dict)  # content hashes of the page and the results file


@dataclass
class WaveRun:
    wave: str
    output_dir: str
    n_read: int
    n_accepted: int
    n_rejected: int
    units: list[str] = field(default_factory=list)
    suppressed_units: list[str] = field(default_factory=list)
    notebooks: list[NotebookRun] = field(default_factory=list)
    kept: list[NotebookRun] = field(default_factory=list)  # earlier jobs a partial (--only) run left alone

    @property
    def all_jobs(self) -> list[NotebookRun]:
        return self.notebooks + self.kept


# ---------------------------------------------------------------------------- helpers
def find_notebooks(notebooks_dir: Path, only: list[str] | None = None) -> list[Path]:
    found = sorted(Path(notebooks_dir).glob(NOTEBOOK_GLOB))
    if only:
        found = [p for p in found if any(p.stem.startswith(o) for o in only)]
    if not found:
        raise CSMInputError("no report notebooks found", file=notebooks_dir)
    return found


def check_kernel(name: str) -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        raise CSMInputError(
            f"Jupyter kernel '{name}' is not installed: run `make demo`, or "
            f"`python -m ipykernel install --sys-prefix --name {name}`"
        ) from None


# a run hashes each input file (and reads each notebook's metadata) once, however many jobs,
# waves and units use it; a file edited since is read again. The results files are hashed afresh
# each time: the run's own notebooks write them
_hashed_once = parsed_once(sha256_file)


def _input_hash(path) -> str | None:
    return None if path is None else _hashed_once(path)


def _job_inputs(wave: Wave, notebook: Path, names: list[str]) -> dict:
    """Everything a notebook's output depends on, as hashes."""
    p = wave.params
    inputs = {
        "notebook": _input_hash(notebook),
        "csmlib": __version__,
        "unit": wave.unit,
        **{k: _input_hash(getattr(p, k)) for k in ("params_file", "codebook", "responses", "complaints", "actions")},
    }
    for prev in wave.previous:  # trend charts read these
        inputs[f"results:{prev.id}"] = sha256_file(prev.output_dir / "results" / f"{notebook.stem}.json")
    for other in reads(notebook, names):
        inputs[f"results:{other}"] = sha256_file(wave.output_dir / "results" / f"{other}.json")
    return inputs


def reads(notebook: Path, names: list[str]) -> list[str]:
    """The notebooks of the same wave whose results ``notebook`` reads (its ``csm.reads`` metadata).

    ``"*"`` means every other notebook (the executive summary). They run first, and their
    result files are part of the notebook's inputs.
    """
    declared = _declared_reads(notebook)
    if "*" in declared:
        return [n for n in names if n != notebook.stem]
    return [n for n in declared if n in names and n != notebook.stem]


@parsed_once
def _declared_reads(notebook: Path) -> tuple[str, ...]:
    import nbformat

    return tuple(nbformat.read(notebook, as_version=4).metadata.get("csm", {}).get("reads", []))


# ---------------------------------------------------------------------------- one job
def job_outputs(out: Path, notebook: str, html_name: str) -> dict[str, str | None]:
    """Content hashes of what a job wrote: its page and its results file."""
    return {"html": sha256_file(out / html_name), "results": sha256_file(out / "results" / f"{notebook}.json")}


def _unchanged(previous: dict | None, digest: str, outputs: dict) -> bool:
    """A job is cached when its inputs hash as last time and its outputs are exactly what was written then."""
    if not previous or previous.get("input_sha256") != digest:
        return False
    recorded = previous.get("outputs") or {}
    return outputs.get("html") is not None and all(recorded.get(k) == v for k, v in outputs.items())


def execute_job(job: Job, previous: dict | None = None, *_dependencies) -> NotebookRun:
    """Execute and render one notebook of one wave/unit (runs on a worker).

    ``previous`` is the job's record in the last manifest; the job is skipped ("cached") only
    when its inputs hash the same and its page and results file still hash as recorded then.
    """
    return execute_job_notebook(job, previous)()


def execute_job_notebook(job: Job, previous: dict | None = None) -> Callable[[], NotebookRun]:
    """:func:`execute_job` up to its page: executes the notebook, returns what renders the page."""
    started = time.perf_counter()
    wave = Wave(job.params, job.codebook, job.unit)
    nb = Path(job.notebook)
    notebooks = [Path(n) for n in job.notebooks]
    out = wave.output_dir
    html_path = out / f"{nb.stem}.html"
    executed = out / "notebooks" / nb.name
    inputs = _job_inputs(wave, nb, [n.stem for n in notebooks])
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    base = dict(notebook=nb.stem, html=html_path.name, input_sha256=digest, unit=job.unit, wave=wave.id)
    if not job.force and executed.is_file() and _unchanged(previous, digest, job_outputs(out, nb.stem, html_path.name)):
        cached = NotebookRun(
            status="cached",
            seconds=round(time.perf_counter() - started, 2),
            outputs=job_outputs(out, nb.stem, html_path.name),
            **base,
        )
        return lambda: cached
    executed.parent.mkdir(parents=True, exist_ok=True)
    error = execute_notebook(
        nb,
        executed,
        parameters=wave.params.notebook_parameters(wave.unit),
        kernel=wave.params.options.kernel,
        timeout=wave.params.options.timeout,
    )

    def render_page() -> NotebookRun:
        with _RENDERING:
            message = render_report_page(wave, nb, executed, html_path, notebooks, error)
        message = plain_error(message, wave.params.root)  # the manifest and the console show no absolute path
        return NotebookRun(
            status="failed" if message else "ok",
            error=message,
            outputs=job_outputs(out, nb.stem, html_path.name),
            seconds=round(time.perf_counter() - started, 2),
            **base,
        )

    return render_page


# ---------------------------------------------------------------------------- the graph
def plan_jobs(
    waves: list[Wave], notebooks: list[Path], *, force: bool = False, all_notebooks: list[Path] | None = None
) -> dict[str, tuple[Job, list[str]]]:
    """Jobs keyed by ``wave/unit/notebook`` with the keys they wait for.

    ``notebooks`` are the ones to run; ``all_notebooks`` (default: the same) are the wave's whole
    report set, which the pages' navigation lists even when only some are re-run.
    """
    graph: dict[str, tuple[Job, list[str]]] = {}
    names = tuple(str(n) for n in (all_notebooks or notebooks))
    stems = [n.stem for n in notebooks]
    wave_reads = {n.stem: reads(n, stems) for n in notebooks}
    last_key: dict[tuple[str | None, str], str] = {}
    for wave in sorted(waves, key=lambda w: w.params.fieldwork.start):
        keep, _ = wave.units()
        for unit in ([None] if wave.params.units is None or wave.params.units.include_total else []) + keep:
            wave_keys: dict[str, str] = {}
            for nb in notebooks:
                job = Job(wave.params, wave.codebook, unit, str(nb), names, force)
                deps = [last_key[(unit, nb.stem)]] if (unit, nb.stem) in last_key else []
                graph[job.key] = (job, deps)
                last_key[(unit, nb.stem)] = job.key
                wave_keys[nb.stem] = job.key
            for nb in notebooks:  # results of the same wave that this notebook reads
                graph[wave_keys[nb.stem]][1].extend(wave_keys[r] for r in wave_reads[nb.stem])
    return graph


def read_manifest(wave: Wave, log: Callable[[str], None] = print) -> dict | None:
    """The wave's last ``manifest.json``; an unreadable one is set aside (renamed) and rebuilt."""
    path = wave.params.output_dir / "manifest.json"
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict) or not isinstance(manifest.get("jobs", []), list):
            raise ValueError("not a manifest")
        return manifest
    except (ValueError, OSError, UnicodeDecodeError):
        aside = path.with_name(f"manifest.broken-{time.strftime('%Y%m%d-%H%M%S')}.json")
        try:
            path.replace(aside)
            log(f"warning: {wave.id}: manifest.json was unreadable; set aside as {aside.name}, every report is re-run")
        except OSError:
            log(f"warning: {wave.id}: manifest.json is unreadable; every report is re-run")
        return None


def _previous_jobs(waves: list[Wave], log: Callable[[str], None] = print) -> dict[str, dict]:
    """The last manifest's record of each successful job, keyed like the job graph."""
    records = {}
    for wave in waves:
        manifest = read_manifest(wave, log) or {}
        for job in manifest.get("jobs", []):
            if isinstance(job, dict) and job.get("status") in ("ok", "cached") and "notebook" in job:
                key = f"{Path(str(wave.params.params_file)).stem}/{job.get('unit') or '-'}/{job['notebook']}"
                records[key] = job
    return records


def run_graph(
    graph, previous: dict[str, dict], *, jobs: int = 1, scheduler: str | None = None, log: Callable[[str], None] = print
) -> dict[str, NotebookRun]:
    def report(run: NotebookRun):
        unit = f" [{run.unit}]" if run.unit else ""
        log(
            f"{run.wave:<10} {run.notebook + unit:<32} {run.status:<6} {run.seconds:6.1f} s"
            + (f"  {run.error}" if run.error else "")
        )

    if scheduler is None:
        with prompt_thread_switches():
            return _run_inline(graph, previous, report) if jobs <= 1 else _run_threads(graph, previous, report, jobs)
    results: dict[str, NotebookRun] = {}

    from distributed import Client, as_completed

    client = Client(scheduler)
    with contextlib.suppress(Exception):  # each worker's zygote starts now; without, at its first notebook
        client.run(kernels.begin_run, _kernel_of(graph), on_error="ignore")
    try:
        futures = {}
        for key, (job, deps) in graph.items():
            futures[key] = client.submit(
                execute_job, job, previous.get(key), *[futures[d] for d in deps], key=f"csm-{key}-{time.time_ns()}", pure=False
            )
        by_future = {f: k for k, f in futures.items()}
        for future in as_completed(list(futures.values())):
            run = future.result()
            results[by_future[future]] = run
            report(run)
    finally:
        with contextlib.suppress(Exception):
            client.run(kernels.end_run, on_error="ignore")
        client.close()
    return {k: results[k] for k in graph}


@contextlib.contextmanager
def prompt_thread_switches(seconds: float = THREAD_SWITCH_SECONDS):
    """Within the block, a thread waiting for the interpreter's lock gets it after ``seconds``
    (Python's default: 5 ms); the setting before is restored after it.

    While a page renders in a thread (pure Python, seconds of it), the thread that talks to the
    kernels waits for the lock each time a kernel's message arrives: up to 5 ms, several times a
    cell, while the kernel waits for the next cell. Measured on one wave: 0.5–1 s of 20 s.
    """
    import sys

    before = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _run_inline(graph, previous: dict[str, dict], report: Callable[[NotebookRun], None]) -> dict[str, NotebookRun]:
    """The jobs one at a time in this process, in the graph's (topological) order; each page is
    rendered in a thread while the next notebook runs (a page is read by no other job). The
    notebooks run in this thread: Ctrl-C stops the one running at once, even in a cold kernel."""
    results: dict[str, NotebookRun] = {}
    pages: deque = deque()

    def finish(wait: bool) -> None:
        while pages and (wait or pages[0][1].done()):
            key, page = pages.popleft()
            results[key] = page.result()
            report(results[key])

    with ThreadPoolExecutor(1, thread_name_prefix="csm-page") as renderer:
        for key, (job, _deps) in graph.items():
            pages.append((key, renderer.submit(execute_job_notebook(job, previous.get(key)))))
            finish(wait=False)
        finish(wait=True)
    return results


def _run_threads(graph, previous: dict[str, dict], report: Callable[[NotebookRun], None], jobs: int) -> dict[str, NotebookRun]:
    """``jobs`` notebooks at a time, each run from a thread of this process in a kernel of its own
    forked from this process's zygote; the pages are rendered one at a time in a thread of their
    own. A job starts once the notebooks it waits for have run; of the jobs ready, the one with
    the longest chain of jobs waiting for it starts first (:func:`chain_lengths`)."""
    results: dict[str, NotebookRun] = {}
    chains = chain_lengths(graph)
    waiting = dict(graph)
    executed: set[str] = set()
    running: dict[Future, tuple[str, str]] = {}  # a notebook's or a page's future: (key, which)
    with (
        ThreadPoolExecutor(jobs, thread_name_prefix="csm-notebook") as runner,
        ThreadPoolExecutor(1, thread_name_prefix="csm-page") as renderer,
    ):
        try:
            while waiting or running:
                ready = sorted((k for k, (_, deps) in waiting.items() if executed.issuperset(deps)), key=lambda k: -chains[k])
                free = jobs - sum(which == "notebook" for _, which in running.values())
                for key in ready[:free]:
                    job, _ = waiting.pop(key)
                    running[runner.submit(execute_job_notebook, job, previous.get(key))] = (key, "notebook")
                if not running:
                    raise RuntimeError(f"jobs waiting for jobs that never run: {', '.join(waiting)}")
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    key, which = running.pop(future)
                    if which == "notebook":
                        executed.add(key)
                        running[renderer.submit(future.result())] = (key, "page")
                    else:
                        results[key] = future.result()
                        report(results[key])
        except BaseException:  # e.g. Ctrl-C: no new notebook, and the running ones end with their kernels
            runner.shutdown(wait=False, cancel_futures=True)
            kernels.close_process_pool()
            raise
    return {k: results[k] for k in graph}


def chain_lengths(graph: dict[str, tuple[object, list[str]]]) -> dict[str, int]:
    """For each job of a graph in topological order, the number of jobs on the longest chain that
    starts with it and follows the jobs waiting for it: started first, the long chains end sooner.

    >>> chain_lengths({"04": (None, []), "05": (None, ["04"]), "06": (None, []), "08": (None, ["05", "06"])})
    {'04': 3, '05': 2, '06': 2, '08': 1}
    """
    chains = dict.fromkeys(graph, 1)
    for key, (_job, deps) in reversed(graph.items()):  # a job's waiting jobs come after it
        for dep in deps:
            chains[dep] = max(chains[dep], chains[key] + 1)
    return chains


def _kernel_of(graph) -> str | None:
    """The kernel of the run's first job (a run's notebooks nearly always share one)."""
    return next((job.params.options.kernel for job, _ in graph.values()), None)


def run_waves(
    params_list: list[WaveParams],
    *,
    notebooks_dir: Path | None = None,
    strict: bool = False,
    only: list[str] | None = None,
    jobs: int = 1,
    scheduler: str | None = None,
    force: bool = False,
    pdf: bool = False,
    log: Callable[[str], None] = print,
) -> list[WaveRun]:
    """Validate every wave, run the job graph, write indexes and manifests (and, with ``pdf``, each
    wave's PDFs: :func:`csmlib.report.pdf.write_wave_pdfs`)."""
    waves = [open_wave(p) for p in sorted(params_list, key=lambda p: p.fieldwork.start)]
    with contextlib.ExitStack() as locks:
        if scheduler is None and waves:  # the kernels' zygote imports while the intake is read
            locks.enter_context(kernels.warm_kernels(waves[0].params.options.kernel))
        for wave in waves:
            ensure_writable(wave.params.output_dir, wave.params.params_file)
            locks.enter_context(wave_lock(wave))
            check_same_series(wave)
        return _run_locked(
            waves,
            notebooks_dir=notebooks_dir,
            strict=strict,
            only=only,
            jobs=jobs,
            scheduler=scheduler,
            force=force,
            pdf=pdf,
            log=log,
        )


@contextlib.contextmanager
def wave_lock(wave: Wave):
    """One ``csm run`` at a time writes a wave's folder; a second one stops with one line."""
    import fcntl

    path = wave.params.output_dir / ".csm-run.lock"
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise CSMInputError(
                f"another csm run is writing the reports of wave {wave.id}; try again when it has finished",
                file=wave.params.params_file,
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def check_same_series(wave: Wave) -> None:
    """A wave's folder never receives the reports of another survey with the same wave id."""
    path = wave.params.output_dir / "manifest.json"
    try:
        series = json.loads(path.read_text(encoding="utf-8")).get("series")
    except (OSError, ValueError, AttributeError):
        return
    if series and series != wave.series:
        raise CSMInputError(
            f"{_relative(wave.params.output_dir, wave.params.root)} holds the reports of another "
            f"survey ('{series}'); give this wave another id or an 'output' folder",
            file=wave.params.params_file,
        )


def _run_locked(waves: list[Wave], *, notebooks_dir, strict, only, jobs, scheduler, force, log, pdf=False) -> list[WaveRun]:
    runs = {}
    for wave in waves:  # all file-level problems surface before any notebook runs
        _ = wave.actions  # a broken action register stops here, not in the complaints report
        write_intake_files(wave, strict=strict)
        if strict:
            check_strict_records(wave)
        keep, small = wave.units()
        runs[wave.id] = WaveRun(
            wave.id, str(wave.output_dir), wave.intake.n_read, wave.intake.n_accepted, wave.intake.n_rejected, keep, small
        )
    nb_dir = notebooks_dir or (waves[0].params.root / "notebooks")
    notebooks = find_notebooks(nb_dir, only)
    all_notebooks = find_notebooks(nb_dir, None) if only else notebooks
    for kernel in {w.params.options.kernel for w in waves}:
        check_kernel(kernel)
    graph = plan_jobs(waves, notebooks, force=force, all_notebooks=all_notebooks)
    results = run_graph(graph, _previous_jobs(waves, log), jobs=jobs, scheduler=scheduler, log=log)
    for run in results.values():
        runs[run.wave].notebooks.append(run)
    chromium = chromium_for_pdf(log) if pdf else None
    for wave in waves:
        if only:  # a partial run keeps the record of the reports it did not touch
            _keep_earlier_jobs(wave, runs[wave.id], all_notebooks)
        run = runs[wave.id]
        titles = report_titles(all_notebooks, wave.language)
        write_manifest(wave, run, all_notebooks, titles)
        write_wave_index(
            wave,
            sorted(run.all_jobs, key=_job_order(all_notebooks)),
            all_notebooks,
            titles,
            n_accepted=run.n_accepted,
            n_rejected=run.n_rejected,
            units=run.units,
            suppressed_units=run.suppressed_units,
        )
        write_reports_index(wave.params.root / "reports", wave.language, wave.codebook.organisation)
        if chromium:
            write_wave_pdfs(wave, sorted(run.all_jobs, key=_job_order(all_notebooks)), titles, chromium=chromium, log=log)
    return [runs[w.id] for w in waves]


# ---------------------------------------------------------------------------- files
def write_intake_files(wave: Wave, *, strict: bool = False) -> None:
    """rejected.csv (one line per problem) and rejected_rows.csv (the raw rows kept out).

    Raw values and ids are untrusted: text a spreadsheet would read as a formula is written with a
    leading ``'`` (:func:`csmlib.core.exports.write_csv`), and each file is replaced atomically.
    """
    from csmlib.core.exports import write_csv

    out = wave.params.output_dir
    out.mkdir(parents=True, exist_ok=True)
    intake = wave.intake
    write_csv(intake.rejected, out / "rejected.csv", encoding="utf-8")
    write_csv(intake.rejected_rows, out / "rejected_rows.csv", encoding="utf-8")
    complaints = wave.complaints
    if complaints is not None:
        write_csv(complaints.rejected, out / "complaints_rejected.csv", encoding="utf-8")
    if strict and intake.n_rejected:
        first = intake.rejected.iloc[0]
        raise CSMInputError(
            f"{first['reason']} (value '{first['value']}'; {intake.n_rejected} rejected rows, see {out / 'rejected.csv'})",
            file=first["file"],
            row=int(first["row"]),
            column=str(first["column"]),
        )


def check_strict_records(wave: Wave) -> None:
    """``--strict``: a rejected complaint record is an error too, like a rejected survey row."""
    complaints = wave.complaints
    if complaints is not None and len(complaints.rejected):
        first = complaints.rejected.iloc[0]
        raise CSMInputError(
            f"{first['reason']} (value '{first['value']}'; {len(complaints.rejected)} rejected "
            f"complaint records, see complaints_rejected.csv)",
            file=first["file"],
            row=int(first["row"]),
            column=str(first["column"]),
        )


def _job_order(notebooks: list[Path]):
    order = {nb.stem: i for i, nb in enumerate(notebooks)}
    return lambda r: (r.unit is not None, r.unit or "", order.get(r.notebook, len(order)))


def _keep_earlier_jobs(wave: Wave, run: WaveRun, notebooks: list[Path]) -> None:
    """Add the previous manifest's jobs that this run did not redo (their pages still exist)."""
    manifest = read_manifest(wave)
    if manifest is None:
        return
    done = {(r.notebook, r.unit) for r in run.notebooks}
    stems = {nb.stem for nb in notebooks}
    fields = set(NotebookRun.__dataclass_fields__)
    for job in manifest.get("jobs", []):
        key = (job.get("notebook"), job.get("unit"))
        page = wave.params.unit_dir(job.get("unit")) / str(job.get("html", ""))
        if key not in done and job.get("notebook") in stems and page.is_file():
            run.kept.append(NotebookRun(**{k: v for k, v in job.items() if k in fields}))


def write_manifest(wave: Wave, run: WaveRun, notebooks: list[Path], titles: dict[str, str]) -> Path:
    from importlib.metadata import version

    packages = {p: version(p) for p in ("pandas", "numpy", "scipy", "matplotlib", "papermill", "nbconvert")}
    p = wave.params
    manifest = {
        "wave": wave.id,
        "series": wave.series,
        "language": wave.language,
        "fieldwork": {"start": str(p.fieldwork.start), "end": str(p.fieldwork.end)},
        "csmlib": __version__,
        "packages": packages,
        "inputs": {
            k: {"path": _relative(getattr(p, k), p.root), "sha256": _input_hash(getattr(p, k))}
            for k in ("params_file", "codebook", "responses", "complaints", "actions")
            if getattr(p, k)
        },
        "notebooks": {nb.stem: _input_hash(nb) for nb in notebooks},
        "intake": {"read": run.n_read, "accepted": run.n_accepted, "rejected": run.n_rejected},
        "units": run.units,
        "suppressed_units": run.suppressed_units,
        "jobs": [
            asdict(r) | {"title": titles.get(r.notebook, r.notebook), "output_sha256": sha256_file(p.unit_dir(r.unit) / r.html)}
            for r in sorted(run.all_jobs, key=_job_order(notebooks))
        ],
    }
    path = p.output_dir / "manifest.json"
    tmp = path.with_name(f".manifest.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)  # a run cut short never leaves half a manifest
    return path


def _relative(path, root: Path) -> str:
    """A path as the project shows it: relative to the project folder when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return str(path)
