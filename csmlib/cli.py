"""The ``csm`` command line: ``csm init``, ``csm demo``, ``csm validate``, ``csm run``.

Input problems print one line (``error: <file>, row N, column 'x': <what>``) without a
traceback and exit with status 2; a run in which a notebook failed exits with status 1.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from csmlib.core.errors import CSMInputError

EXIT_INPUT = 2
EXIT_FAILED = 1

# papermill -> nbformat -> jsonschema imports rfc3987_syntax, when installed (JupyterLab's
# jupyter-events pulls it in), only to check the "iri" string format; importing it compiles
# Earley grammars, 1.2-2 s at every start of `csm`. Notebook validation (fastjsonschema) never
# checks that format, so the command runs without it: jsonschema then skips that one check.
sys.modules.setdefault("rfc3987_syntax", None)


def _fail(exc: CSMInputError):
    click.echo(f"error: {exc}", err=True)
    sys.exit(EXIT_INPUT)


def _root_option(writes: str):
    """The ``--root`` option of the commands that write into a project folder."""
    return click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help=f"Project folder: {writes}.",
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="csmlib")
def main():
    """Customer-satisfaction measurement workbench (ISO 10004 / ISO 10002).

    \b
    A new survey: csm init DATAFILE --wave WAVE drafts its codebook and wave file.
    Quarterly workflow:
      1. drop the survey export (and complaints log) into data/
      2. write params/<wave>.yaml (copy last quarter's)
      3. csm validate params/<wave>.yaml     # accepted / rejected rows, no notebooks
      4. csm run params/<wave>.yaml          # reports/<wave>/index.html (--pdf: and <wave>.pdf)
    """


@main.command()
@_root_option("data goes to ROOT/data/demo, parameter files to ROOT/params")
def demo(root: Path):
    """Write the demo company's four survey waves, complaints logs and parameter files."""
    from csmlib.demo import write_demo

    files = write_demo(root)
    click.echo(f"demo data in {root / 'data' / 'demo'}; parameter files: " + " ".join(str(p) for p in files.params))


@main.command()
@click.argument("datafile", type=click.Path(path_type=Path))
@click.option("--wave", required=True, help="Wave id (letters, digits, _ . -), e.g. 2026Q3.")
@_root_option("the drafts go to ROOT/params")
@click.option("--force", is_flag=True, help="Overwrite existing draft files.")
def init(datafile: Path, wave: str, root: Path, force: bool):
    """Draft a codebook and a wave file from a survey export (CSV, XLSX, SAV, Parquet).

    Writes ROOT/params/<export name>.codebook.yaml and ROOT/params/<WAVE>.yaml, which
    `csm validate` accepts as they are; every guess carries a comment saying what to check.
    The export is only read. Existing files are kept unless --force.
    """
    from csmlib.survey.draft import draft_project

    try:
        result = draft_project(datafile, wave, root=root, force=force)
    except CSMInputError as exc:
        _fail(exc)
    d = result.draft
    click.echo(f"codebook: {result.codebook}")
    click.echo(f"wave file: {result.wave_file}")
    dims = d.dimensions
    click.echo(
        f"{len(d.items)} items in {len(dims)} dimensions, {len(d.scales)} scales, "
        f"outcomes: {', '.join(d.outcomes) or 'none'}, segments: {', '.join(d.segments) or 'none'}, "
        f"respondent id: {d.respondent_id or 'row numbers'}, weight: {d.weight or 'none'}"
    )
    click.echo(
        f"{result.n_read} rows read, {result.n_accepted} accepted; check the comments, then: csm validate {result.wave_file}"
    )


@main.command()
@click.argument("params_files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(params_files):
    """Check parameters, codebook and data of each wave without running notebooks.

    Prints accepted and rejected row counts and the first problems; exit status 2 when a file
    itself is unusable.
    """
    from csmlib.core.exports import ensure_writable
    from csmlib.survey.wave import open_wave

    for path in params_files:
        try:
            wave = open_wave(path)
            intake = wave.intake
            complaints = wave.complaints
            actions = wave.actions
            ensure_writable(wave.params.output_dir, wave.params.params_file)
        except CSMInputError as exc:
            _fail(exc)
        click.echo(
            f"{wave.id}: {intake.n_read} rows read, {intake.n_accepted} accepted, {intake.n_rejected} rejected ({intake.source})"
        )
        for _, row in intake.rejected.head(10).iterrows():
            click.echo(f"  row {row['row']}, column '{row['column']}': {row['reason']} (value '{row['value']}')")
        if len(intake.rejected) > 10:
            click.echo(f"  … {len(intake.rejected) - 10} more problems")
        if intake.id_column is None:
            click.echo("  no respondent id in the codebook: respondents are identified by their row number")
        if complaints is not None:
            click.echo(
                f"{wave.id}: complaints {complaints.n_read} read, {complaints.n_accepted} accepted, "
                f"{complaints.n_rejected} rejected ({complaints.source})"
            )
        if actions is not None:
            click.echo(f"{wave.id}: corrective actions {len(actions)} read ({wave.params.actions})")


@main.command()
@click.argument("params_files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat any rejected row as an error (exit 2).")
@click.option("--only", multiple=True, help="Run only notebooks whose name starts with this (repeatable).")
@click.option(
    "--notebooks",
    "notebooks_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of report notebooks [default: PROJECT/notebooks].",
)
@click.option(
    "--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True, help="Notebooks to run at once on this machine."
)
@click.option(
    "--scheduler", default=None, metavar="tcp://HOST:PORT", help="Run the jobs on an existing Dask distributed cluster instead."
)
@click.option("--force", is_flag=True, help="Re-run notebooks whose inputs have not changed.")
@click.option(
    "--pdf",
    is_flag=True,
    help="Also print every report to reports/<wave>/pdf/ and the whole wave to reports/<wave>/<wave>.pdf "
    "(needs Chromium: apt install chromium).",
)
def run(params_files, strict, only, notebooks_dir, jobs, scheduler, force, pdf):
    """Run every report notebook for each wave and render the HTML reports.

    A notebook of a wave waits for the same notebook of the earlier wave (its trend charts read
    that wave's results); otherwise jobs run in parallel with --jobs or on a Dask cluster.
    Unchanged jobs are skipped unless --force. One progress line per notebook; a summary at the end.
    With --pdf, headless Chromium prints each report page and the wave's index and reports as one PDF.
    """
    from csmlib.batch.kernels import warm_kernels
    from csmlib.survey.params import kernel_name, load_params

    try:
        # without a Dask cluster the notebooks run from this process: their kernels' zygote starts
        # importing now, while this process validates the wave files, imports the pipeline and
        # reads the intake
        with warm_kernels(kernel_name(params_files[0])) if scheduler is None else contextlib.nullcontext():
            waves = [load_params(p) for p in params_files]
            from csmlib.batch.pipeline import run_waves

            runs = run_waves(
                waves,
                notebooks_dir=notebooks_dir,
                strict=strict,
                only=list(only) or None,
                jobs=jobs,
                scheduler=scheduler,
                force=force,
                pdf=pdf,
            )
    except CSMInputError as exc:
        _fail(exc)
    failed = [(r.wave, n.notebook, n.unit) for r in runs for n in r.notebooks if n.status == "failed"]
    total = sum(len(r.notebooks) for r in runs)
    cached = sum(n.status == "cached" for r in runs for n in r.notebooks)
    click.echo(
        f"{len(runs)} wave(s), {total} notebook run(s), {cached} unchanged, {len(failed)} failed; "
        "rejected rows: " + ", ".join(f"{r.wave} {r.n_rejected}" for r in runs)
    )
    for r in runs:
        click.echo(f"report: {Path(r.output_dir) / 'index.html'}")
    if failed:
        click.echo("failed: " + ", ".join(f"{w}/{n}" + (f" [{u}]" if u else "") for w, n, u in failed), err=True)
        sys.exit(EXIT_FAILED)


if __name__ == "__main__":
    main()
