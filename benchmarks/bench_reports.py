"""Speed of the report pipeline (issue 8).

1. **One wave's full report set** (every notebook in notebooks/, executed and rendered, one job
   at a time) against the *floor*: starting a ``csm`` kernel and importing the notebook stack
   (csmlib, pandas, matplotlib, seaborn, scipy) once per notebook, measured in the same run with
   the same papermill machinery. Goal: at most 1.5× the floor. Full runs and floors alternate
   ``--repeats`` times and the shortest of each is compared (this machine is shared; every run
   is printed). Each full run is ``csm run --force``: every notebook executed and rendered
   again; the wave's validated intake, cached by input hashes, is reused after the first run,
   as in any re-run of a wave.
2. **Unit reports**: one data-quality report per branch for ``--units`` branches (default 100)
   of a demo wave, with ``--jobs 1`` and ``--jobs 2``; prints both times and the speed-up.

``--quick`` runs the same pipeline as small as it goes: notebook 01 of the first demo wave (2025Q4,
nothing to wait for; its intake validation included) once against a floor of one notebook, and one
unit report with ``--jobs 1`` only (no speed-up); the times and the ratio are
printed, the goal is not checked. It takes about 40 s of CPU, most of it starting ``csm`` and
kernels.

Run: ``python benchmarks/bench_reports.py [--quick] [--units N] [--repeats R] [--strict]``. Works in a
temporary copy of the demo project; nothing in the repository is touched.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import yaml

# benchmarks/ is on sys.path when run as a script
from _timing import add_mode_args, closing_line, parse_mode_args, verdict  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
IMPORTS = """import pandas, numpy, scipy.stats, matplotlib.pyplot, seaborn
from csmlib.report import tables as display
from csmlib.stats import complaints, drivers, feedback, headline, indicators, kano, reliability
from csmlib.survey.wave import open_wave"""


def _csm(root: Path, *args: str) -> float:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "csmlib.cli", *args], cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"csm {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return time.perf_counter() - started


def floor_seconds(root: Path, notebooks: int) -> float:
    """Kernel start + imports, once per notebook, through papermill (as the pipeline runs them)."""
    import papermill as pm

    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "csm", "display_name": "csm", "language": "python"}}
    nb.cells = [nbformat.v4.new_code_cell(IMPORTS)]
    path = root / "floor.ipynb"
    nbformat.write(nb, path)
    started = time.perf_counter()
    for _ in range(notebooks):
        pm.execute_notebook(
            str(path),
            str(root / "floor_out.ipynb"),
            kernel_name="csm",
            progress_bar=False,
            log_output=False,
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )  # as csm run
    return time.perf_counter() - started


def unit_project(root: Path, units: int) -> Path:
    """The demo wave 2025Q4 with a ``branch`` segment of ``units`` levels and one report set per branch."""
    data = root / "data" / "demo" / "responses_2025Q4.csv"
    frame = pd.read_csv(data, dtype=str)
    rng = np.random.default_rng(1)
    frame["branch"] = [f"B{i:03d}" for i in rng.integers(0, units, len(frame))]
    frame.to_csv(root / "data" / "branches.csv", index=False)
    codebook = yaml.safe_load((root / "params" / "survey.yaml").read_text(encoding="utf-8"))
    codebook["segments"]["branch"] = {"column": "branch", "label": "Branch"}
    (root / "params" / "survey.yaml").write_text(yaml.safe_dump(codebook, allow_unicode=True), encoding="utf-8")
    params = yaml.safe_load((root / "params" / "2025Q4.yaml").read_text(encoding="utf-8"))
    unit_dir = root / "branches" / "params"  # its own project folder: no earlier waves next to it
    unit_dir.mkdir(parents=True)
    params.update(
        wave="BR2025Q4",
        responses=str(root / "data" / "branches.csv"),
        codebook=str(root / "params" / "survey.yaml"),
        complaints=None,
        actions=None,
        output=str(unit_dir.parent / "reports" / "branches"),  # inside its reports/
        units={"by": "branch", "min_n": 5, "include_total": False},
    )
    path = unit_dir / "branches.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_mode_args(parser, "one notebook (01) on the first demo wave, one repeat, 1 unit report with --jobs 1 only")
    parser.add_argument("--units", type=int, default=None, help="unit reports (default 100; --quick: 1)")
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="full runs and floors, interleaved; the shortest of each is compared "
        "(the least disturbed run on a shared machine; default 3; --quick: 1)",
    )
    args = parse_mode_args(parser, argv)
    units = args.units or (1 if args.quick else 100)
    repeats = args.repeats or (1 if args.quick else 3)
    from csmlib.demo import write_demo

    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_demo(root)
        shutil.copytree(REPO / "notebooks", root / "notebooks")
        nbs = str(root / "notebooks")
        if args.quick:
            # the first wave (nothing to wait for), one notebook: the same pipeline, a fraction of the time
            wave, only, n_notebooks = "params/2025Q4.yaml", ["--only", "01"], 1
            label = "report set of one wave, --quick: notebook 01 only, intake included"
        else:
            _csm(root, "run", "params/2025Q4.yaml")  # the previous wave of 2026Q1
            wave, only = "params/2026Q1.yaml", []
            n_notebooks = len(list((root / "notebooks").glob("[0-9][0-9]_*.ipynb")))
            label = f"full report set of one wave ({n_notebooks} notebooks)"
        fulls, floors = [], []
        for _ in range(repeats):  # interleaved, so that both see the same machine
            fulls.append(_csm(root, "run", wave, *only, "--force"))
            floors.append(floor_seconds(root, n_notebooks))
        full, floor = min(fulls), min(floors)
        ratio = full / floor
        ok = ratio <= 1.5
        failed |= not ok
        print(
            f"{label}, best of {repeats}: {full:6.1f} s; floor {floor:6.1f} s; ratio {ratio:.2f} "
            f"(goal ≤ 1.5) {verdict(ok, args.quick)}"
        )
        print("  all runs (full / floor, s): " + ", ".join(f"{a:.1f} / {b:.1f}" for a, b in zip(fulls, floors)))

        params = unit_project(root, units)
        unit_run = ["run", str(params), "--notebooks", nbs, "--only", "01", "--force"]
        if args.quick:
            one = _csm(root, *unit_run, "--jobs", "1")
            print(
                f"{units} unit report(s) (data quality): --jobs 1 {one:6.1f} s (--quick: the --jobs 2 run and the speed-up are left out)"
            )
        else:
            one = _csm(root, *unit_run, "--jobs", "1")  # first: it also validates and caches the intake
            two = _csm(root, *unit_run, "--jobs", "2")
            print(f"{units} unit reports (data quality): --jobs 1 {one:6.1f} s, --jobs 2 {two:6.1f} s, speed-up {one / two:.2f}×")
    if args.quick:
        print(closing_line([], True))
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
