"""Warm kernels (issue "Fast at any size", goals 2 and 3): reports from pre-started kernels.

Measured side by side in one run, on a temporary copy of the demo project, every run with the
same copy of csmlib (taken at the start: the working tree may change meanwhile):

1. **One wave's report set** (2026Q1, every notebook in notebooks/, ``csm run --force``):
   (a) the *floor*, a fresh ``csm`` kernel plus the notebook stack's imports for each notebook,
   through papermill as the pipeline runs them (``bench_reports.floor_seconds``); (b) today's
   path, a cold kernel per notebook (``CSM_WARM_KERNELS=0``); (c) the warm path, kernels forked
   from a zygote that imported the stack once (:mod:`csmlib.batch.kernels`), one notebook at a
   time, the zygote kept from the run before (as any second ``csm run`` within its idle time
   finds it); (d) the same as a first run, starting its own zygote (``CSM_KERNEL_IDLE_SECONDS=0``);
   also (c) with ``--jobs 2``. Goal: (c) at most 0.5× (a). Each ``csm run`` is timed whole: the
   command's start, the zygote's imports (d), the notebooks and their pages. Runs alternate
   ``--repeats`` times; the shortest of each counts. Wall time is printed, and CPU time of the
   floor and (b) (of every process waited for: the steadier measure on a shared machine; warm
   kernels are children of the zygote, which is not this process's child). The pages
   and results of (b), (c) and (d) are compared: the same numbers, the same pages.
2. **Fan-out** over ``--branches`` branches of a demo wave (one report set per branch),
   ``--jobs 2``: the data-quality reports cold and warm (the speed-up), then every branch's
   full report set, warm. Goal: 100 branches' report sets in under 10 minutes on 2 cores;
   fewer branches are extrapolated linearly per report set (printed as such).

``--quick``: notebook 01 of the first wave (2025Q4) for (a), (b) and (c), and the data-quality
reports of 2 branches with ``--jobs 1``; the times are printed, the goals not checked.

Run: ``python benchmarks/bench_kernels.py [--quick] [--branches N] [--repeats R] [--strict]``.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# benchmarks/ is on sys.path when run as a script
from _timing import add_mode_args, closing_line, parse_mode_args, verdict  # noqa: E402
from bench_reports import floor_seconds, unit_project  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
WAVE_GOAL = 0.5  # warm report set / floor
FANOUT_GOAL = 600.0  # seconds for 100 branches' report sets on 2 cores


FAILED: set[str] = set()  # notebooks that failed in some run (printed: a failure is also faster)


def cpu_seconds() -> float:
    """CPU time of this process and of every process it has waited for (kernels, zygotes, csm runs)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(fn, *args, **kwargs) -> tuple[float, float]:
    """(wall, CPU) seconds of ``fn(...)``: CPU time is the steadier measure on a shared machine."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    fn(*args, **kwargs)
    return time.perf_counter() - wall, cpu_seconds() - cpu


def csm(root: Path, *args: str, warm: bool = True, kept: bool = True) -> float:
    """Time one ``csm`` command; ``kept=False``: its zygote is its own, started by it (a first run)."""
    env = dict(os.environ, CSM_WARM_KERNELS="1" if warm else "0")
    if not kept:
        env["CSM_KERNEL_IDLE_SECONDS"] = "0"
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "csmlib.cli", *args], cwd=root, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    # "WAVE NOTEBOOK [UNIT] failed 0.6 s ...": every unit's failure counts
    failed = [
        " ".join(line.split(" failed ")[0].split())
        for line in result.stdout.splitlines()
        if re.search(r"\sfailed\s+[\d.]+ s", line)
    ]
    if result.returncode != 0 and not failed:
        raise SystemExit(f"csm {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    FAILED.update(f"{'warm' if warm else 'cold'}: {f}" for f in failed)
    return seconds


def snapshot(wave_dir: Path) -> dict[str, str]:
    """A wave's report pages and results files, less what differs between any two runs.

    Taken out: times, papermill's random id of the parameters cell, pandas Styler's random table
    ids; the wave's index page is left out (it lists each report's seconds).
    """
    files = {}
    for path in sorted([*wave_dir.glob("[0-9][0-9]_*.html"), *(wave_dir / "results").glob("*.json")]):
        text = path.read_text(encoding="utf-8")
        files[str(path.relative_to(wave_dir))] = _without_run_details(text)
    return files


def _without_run_details(text: str) -> str:
    text = re.sub(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:?\d\d|Z)?", "<time>", text)
    text = re.sub(r"cell-id=[0-9a-f]{8}", "cell-id=<id>", text)
    text = re.sub(r"\bT_[0-9a-f]{5}", "T_<id>", text)
    return re.sub(r'"(duration|seconds|start_time|end_time|generated)": [^,}\n]+', r'"\1": <x>', text)


def compare(cold: dict[str, str], warm: dict[str, str]) -> list[str]:
    return sorted(name for name in cold.keys() | warm.keys() if cold.get(name) != warm.get(name))


def wave_section(root: Path, quick: bool, repeats: int) -> bool | None:
    notebooks = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if quick:  # the first wave (nothing to wait for), one notebook
        wave_id, only, n = "2025Q4", ["--only", "01"], 1
    else:
        csm(root, "run", "params/2025Q4.yaml")  # the previous wave of 2026Q1 (its trends read it)
        wave_id, only, n = "2026Q1", [], len(notebooks)
    wave = ["run", f"params/{wave_id}.yaml", *only, "--force"]
    csm(root, *wave)  # validates and caches the wave's intake, as any re-run finds it
    # --quick leaves out --jobs 2 (one notebook runs alone anyway)
    # "warm": the zygote kept from the run before (as a second csm run finds it); "first run":
    # a zygote of the run's own, importing while the run starts
    kinds = {"floor": None, "cold": False, "warm": True, "warm, first run": True}
    kinds |= {} if quick else {"warm --jobs 2": True}
    runs: dict[str, list[tuple[float, float]]] = {kind: [] for kind in kinds}
    pages = {}
    for _ in range(repeats):  # interleaved, so that all of them see the same machine
        runs["floor"].append(timed(floor_seconds, root, n))
        for kind, warm in list(kinds.items())[1:]:
            options = [word for word in kind.split()[1:] if word.startswith("--") or word.isdigit()]
            runs[kind].append(timed(csm, root, *wave, *options, warm=warm, kept="first" not in kind))
            pages[kind] = snapshot(root / "reports" / wave_id)
    best = {kind: (min(w for w, _ in runs[kind]), min(c for _, c in runs[kind])) for kind in runs}
    (floor, floor_cpu), (cold, cold_cpu), (warm, _) = best["floor"], best["cold"], best["warm"]
    differ = sorted({name for kind in pages for name in compare(pages["cold"], pages[kind])})
    ok = warm / floor <= WAVE_GOAL and not differ
    label = f"wave {wave_id}, " + ("notebook 01 (--quick)" if quick else f"{n} notebooks")
    print(
        f"{label}, best of {repeats}: floor (fresh kernel + imports per notebook) {floor:6.1f} s; "
        f"cold kernels {cold:6.1f} s ({cold / floor:.2f}× floor); warm kernels {warm:6.1f} s "
        f"({warm / floor:.2f}× floor, goal ≤ {WAVE_GOAL}; its zygote kept from the run before) {verdict(ok, quick)}"
    )
    print(
        f"  CPU time, best of {repeats}: floor {floor_cpu:6.1f} s; cold {cold_cpu:6.1f} s ({cold_cpu / floor_cpu:.2f}×) "
        "(warm kernels are the zygote's children, not this process's: their CPU time is not counted)"
    )
    first = best["warm, first run"][0]
    print(f"  warm kernels, first run (the run starts its zygote): {first:6.1f} s ({first / floor:.2f}× floor)")
    if "warm --jobs 2" in best:
        warm2 = best["warm --jobs 2"][0]
        print(f"  warm kernels with --jobs 2: {warm2:6.1f} s ({warm2 / floor:.2f}× floor)")
    print(
        f"  all runs ({' / '.join(runs)}; wall s, CPU s): "
        + "; ".join(" / ".join(f"{w:.1f}, {c:.1f}" for w, c in one) for one in zip(*runs.values()))
    )
    print(
        f"  pages and results of every run against the cold run's: {len(pages['warm'])} files, "
        + ("identical" if not differ else f"DIFFERENT: {', '.join(differ)}")
    )
    return None if quick else ok


def fanout_section(root: Path, quick: bool, branches: int) -> bool | None:
    params = unit_project(root, branches)
    jobs = "1" if quick else "2"
    run = ["run", str(params), "--notebooks", str(root / "notebooks"), "--force", "--jobs", jobs]
    csm(root, *run, "--only", "01")  # validates and caches the branches' intake
    cold = timed(csm, root, *run, "--only", "01", warm=False)
    warm = timed(csm, root, *run, "--only", "01")
    print(
        f"data-quality reports of {branches} branches, --jobs {jobs}: cold kernels {cold[0]:6.1f} s (CPU {cold[1]:.1f} s), "
        f"warm kernels {warm[0]:6.1f} s (CPU {warm[1]:.1f} s), {cold[0] / warm[0]:.1f}× faster"
    )
    if quick:
        print("  (--quick: the full report sets are left out)")
        return None
    seconds, cpu = timed(csm, root, *run)
    pages = list((root / "branches" / "reports").rglob("[0-9][0-9]_*.html"))
    sets = len({page.parent for page in pages})
    at_100 = seconds / sets * 100
    ok = at_100 < FANOUT_GOAL
    extrapolated = "" if sets == 100 else f", extrapolated linearly from {sets}"
    print(
        f"full report sets of {sets} branches ({len(pages)} pages), --jobs {jobs}, warm: {seconds:6.1f} s "
        f"(CPU {cpu:.1f} s); 100 branches: {at_100:6.1f} s{extrapolated} (goal < {FANOUT_GOAL:.0f} s) {verdict(ok, quick)}"
    )
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_mode_args(parser, "notebook 01 only; 2 branches with --jobs 1")
    parser.add_argument(
        "--branches", type=int, default=None, help="branches for the fan-out (default 100; --quick: 2; 0: no fan-out)"
    )
    parser.add_argument("--repeats", type=int, default=None, help="alternating runs of the wave (default 3; --quick: 1)")
    args = parse_mode_args(parser, argv)
    branches = args.branches if args.branches is not None else (2 if args.quick else 100)
    repeats = args.repeats or (1 if args.quick else 3)
    from csmlib.demo import write_demo

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_demo(root)
        shutil.copytree(REPO / "notebooks", root / "notebooks")
        # every run (kernels and zygotes included) imports this copy of csmlib: the pages of two
        # runs compare the same code, even while the working tree is being edited
        shutil.copytree(REPO / "csmlib", root / "code" / "csmlib", ignore=shutil.ignore_patterns("__pycache__"))
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root / "code"), os.environ.get("PYTHONPATH")]))
        wave_ok = wave_section(root, args.quick, repeats)
        fanout_ok = fanout_section(root, args.quick, branches) if branches else None
    results = [wave_ok, fanout_ok]
    if FAILED:
        shown = ", ".join(sorted(FAILED)[:10]) + (f" and {len(FAILED) - 10} more" if len(FAILED) > 10 else "")
        print(f"note: {len(FAILED)} notebook runs failed ({shown}): their times are not a full report's")
    print(closing_line(results, args.quick))
    return 1 if args.strict and not all(r for r in results if r is not None) else 0


if __name__ == "__main__":
    sys.exit(main())
