"""The ``csm`` command line: ``csm demo``, ``csm validate``, ``csm run``.

Input problems print one line (``error: <file>, row N, column 'x': <what>``) without a
traceback and exit with status 2; a run in which a notebook failed exits with status 1.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from csmlib.errors import CSMInputError

EXIT_INPUT = 2
EXIT_FAILED = 1


def _fail(exc: CSMInputError):
    click.echo(f"error: {exc}", err=True)
    sys.exit(EXIT_INPUT)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="csmlib")
def main():
    """Customer-satisfaction measurement workbench (ISO 10004 / ISO 10002).

    \b
    Quarterly workflow:
      1. drop the survey export (and complaints log) into data/
      2. write params/<wave>.yaml (copy last quarter's)
      3. csm validate params/<wave>.yaml     # accepted / rejected rows, no notebooks
      4. csm run params/<wave>.yaml          # reports/<wave>/index.html
    """


@main.command()
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Project folder: data goes to ROOT/data/demo, parameter files to ROOT/params.")
def demo(root: Path):
    """Write the demo company's four survey waves, complaints logs and parameter files."""
    from csmlib.demo import write_demo

    files = write_demo(root)
    click.echo(f"demo data in {root / 'data' / 'demo'}; parameter files: "
               + " ".join(str(p) for p in files.params))


@main.command()
@click.argument("params_files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(params_files):
    """Check parameters, codebook and data of each wave without running notebooks.

    Prints accepted and rejected row counts and the first problems; exit status 2 when a file
    itself is unusable.
    """
    from csmlib.wave import open_wave

    for path in params_files:
        try:
            wave = open_wave(path)
            intake = wave.intake
            complaints = wave.complaints
        except CSMInputError as exc:
            _fail(exc)
        click.echo(f"{wave.id}: {intake.n_read} rows read, {intake.n_accepted} accepted, "
                   f"{intake.n_rejected} rejected ({intake.source})")
        for _, row in intake.rejected.head(10).iterrows():
            click.echo(f"  row {row['row']}, column '{row['column']}': {row['reason']} (value '{row['value']}')")
        if len(intake.rejected) > 10:
            click.echo(f"  … {len(intake.rejected) - 10} more problems")
        if complaints is not None:
            click.echo(f"{wave.id}: complaints {complaints.n_read} read, {complaints.n_accepted} accepted, "
                       f"{complaints.n_rejected} rejected ({complaints.source})")


@main.command()
@click.argument("params_files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat any rejected row as an error (exit 2).")
@click.option("--only", multiple=True, help="Run only notebooks whose name starts with this (repeatable).")
@click.option("--notebooks", "notebooks_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of report notebooks [default: PROJECT/notebooks].")
def run(params_files, strict, only, notebooks_dir):
    """Run every report notebook for each wave and render the HTML reports.

    Waves run in the order of their fieldwork dates, so that each wave's trend charts can read
    the earlier waves' results. One progress line per notebook; a summary at the end.
    """
    from csmlib.params import load_params
    from csmlib.pipeline import run_wave, write_reports_index

    try:
        waves = sorted((load_params(p) for p in params_files), key=lambda w: w.fieldwork.start)
    except CSMInputError as exc:
        _fail(exc)
    runs = []
    for params in waves:
        nb_dir = notebooks_dir or (params.root / "notebooks")
        try:
            runs.append(run_wave(params, notebooks_dir=nb_dir, strict=strict, only=list(only) or None))
        except CSMInputError as exc:
            _fail(exc)
        write_reports_index(params.output_dir.parent, params.options.language)
    failed = [(r.wave, n.notebook) for r in runs for n in r.notebooks if n.status != "ok"]
    total = sum(len(r.notebooks) for r in runs)
    click.echo(f"{len(runs)} wave(s), {total} notebook(s), {len(failed)} failed; "
               f"rejected rows: " + ", ".join(f"{r.wave} {r.n_rejected}" for r in runs))
    for r in runs:
        click.echo(f"report: {Path(r.output_dir) / 'index.html'}")
    if failed:
        click.echo("failed: " + ", ".join(f"{w}/{n}" for w, n in failed), err=True)
        sys.exit(EXIT_FAILED)


if __name__ == "__main__":
    main()
