"""A big wave through all eight reports (issue #17, goal 4).

Goal: 1,000,000 respondents × 40 rated items through every notebook of ``notebooks/`` (one
``csm run --force`` of one wave, intake validation included, the demo's parameters: 500
bootstrap resamples, seed 2026) in under 3 minutes of wall time, with the peak memory of the
whole process tree (``csm``, its kernel zygote and the kernels) under 8 GB.

The wave has the demo's codebook shape (:func:`csmlib.demo.codebook_dict`): its 21 items plus 19
more, in the product / delivery / organisation groups, answered by the demo's model (three
correlated latent characteristics, each item a noisy indicator cut into 1-5); overall
satisfaction, recommendation, repurchase (loyalty) and effort from the same latents; the three
segments; the seven Kano pairs with importance; a weight; the demo's open comments
(:func:`csmlib.demo.comments.comments_for_wave`); the demo wave's complaint log; and a few invalid
rows. It is written as CSV (``--format parquet``: Parquet) into a temporary copy of the demo
project, whose other waves are removed: the report set has no history to read.

Printed: the wall time of ``csm run``; each notebook's seconds (from the run's progress lines),
slowest first, with the peak memory of its kernel; the rest of the wall time (intake, starting,
the index page) with the peak of ``csm`` itself; and the peak memory of the whole process tree,
polled from ``/proc`` every half second, as the sum of proportional set sizes (PSS: the pages the
forked kernels share with their zygote counted once — the figure checked against the goal), as
the sum of resident set sizes (shared pages counted in every process: an upper bound), and the
largest single process (``getrusage(RUSAGE_CHILDREN).ru_maxrss``).

A guard for a shared machine: the run is stopped when the tree's PSS passes ``--max-gb`` (default
14), and no process of it may map more than that (``RLIMIT_AS``: an allocation past it fails in
the notebook instead of the machine running out); ``--timeout S`` stops it after S seconds. A
run stopped, or with a notebook that failed, lists what finished; its time and memory are lower
bounds, checked only when already over the goal.

``--quick``: 3,000 respondents (every code path; `make bench` measures 1,000,000), goals not checked. ``--rows N`` sets the size; ``--keep DIR``
keeps the project (data, reports) in DIR. Run: ``python benchmarks/bench_bigwave.py [--quick]
[--rows N] [--format csv|parquet] [--max-gb G] [--timeout S] [--keep DIR] [--strict]``.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import yaml
from scipy.stats import norm

# benchmarks/ is on sys.path when run as a script
from _timing import add_mode_args, closing_line, parse_mode_args, verdict  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
GOAL_SECONDS = 180
GOAL_BYTES = 8 * 10**9
N_ITEMS = 40
WAVE_INDEX = 0  # the demo's first wave: no earlier wave to wait for
PROGRESS = re.compile(r"^(?P<wave>\S+)\s+(?P<notebook>\d\d_\S+)\s+(?P<status>ok|failed|cached)\s+(?P<seconds>[\d.]+) s")


# ---------------------------------------------------------------------------- the wave
def extra_items(n: int) -> list[tuple]:
    """Items beyond the demo's, in the demo's item shape, spread over the three groups."""
    from csmlib.demo import DEPARTMENT_LABELS, GROUP_ORDER

    departments = list(DEPARTMENT_LABELS)
    return [
        (f"{GROUP_ORDER[k % 3][:3]}_extra{k + 1:02d}", GROUP_ORDER[k % 3], f"Extra item {k + 1}", f"پرسش اضافه {k + 1}")
        + (departments[k % len(departments)], 0.6 + 0.05 * (k % 4), False)
        for k in range(n)
    ]


def codebook(items: tuple) -> dict:
    """The demo codebook with ``items`` as its questionnaire."""
    from csmlib.demo import codebook_dict

    book = codebook_dict()
    demo_items = {i["id"]: i for i in book["items"]}
    book["items"] = [
        demo_items.get(item_id)
        or {"id": item_id, "label": {"en": en, "fa": fa}, "group": group, "dimension": group, "department": dept, "scale": "sat5"}
        for item_id, group, en, fa, dept, _loading, _reverse in items
    ]
    return book


def cut(latent: np.ndarray, n_levels: int, centre: float) -> np.ndarray:
    """A standard-normal latent cut into 1..n_levels, satisfied-leaning (the demo's answer model)."""
    weights = np.exp(centre * np.linspace(-1.0, 1.0, n_levels))
    return (1 + np.searchsorted(norm.ppf(np.cumsum(weights / weights.sum())[:-1]), latent)).astype(np.int8)


def make_wave(n: int, items: tuple, wave: str, seed: int = 17) -> pa.Table:
    """``n`` respondents answering ``items`` as the demo's respondents do, with a few invalid rows."""
    from csmlib.demo import (
        DRIVER_WEIGHTS,
        FACTOR_CORRELATION,
        FRAGILE_SHIFT,
        GROUP_ORDER,
        KANO,
        KANO_CELLS,
        KANO_PLANTED_SHARE,
        MINOR_WEIGHT,
        SEGMENTS,
    )
    from csmlib.demo.comments import comments_for_wave

    rng = np.random.default_rng(seed)
    # the demo's ids (the demo complaint log names some of its respondents by them)
    ids = np.char.add(f"{wave}-", np.char.zfill(np.arange(1, n + 1).astype("U7"), 5))
    cols: dict[str, pa.Array] = {"resp_id": pa.array(ids)}
    for name, (levels, probs, _) in SEGMENTS.items():
        cols[name] = pa.DictionaryArray.from_arrays(rng.choice(len(levels), n, p=probs).astype(np.int32), levels).cast(
            pa.string()
        )
    fragile = (cols["customer_type"].to_numpy(zero_copy_only=False) == "fragile").astype(float)
    k = len(GROUP_ORDER)
    corr = np.full((k, k), FACTOR_CORRELATION) + np.eye(k) * (1 - FACTOR_CORRELATION)
    factors = rng.standard_normal((n, k)) @ np.linalg.cholesky(corr).T + FRAGILE_SHIFT * fragile[:, None]
    latents, predictor = {}, np.zeros(n)
    for item, group, *_labels, loading, reverse in items:
        latent = loading * factors[:, GROUP_ORDER.index(group)] + np.sqrt(1 - loading**2) * rng.standard_normal(n)
        latents[item] = latent
        predictor += DRIVER_WEIGHTS.get(item, MINOR_WEIGHT) * latent
        answer = cut(latent, 5, 1.2)
        cols[item] = 6 - answer if reverse else answer
    overall = 0.8 * predictor / predictor.std() + 0.6 * rng.standard_normal(n)
    cols["overall_sat"] = cut(overall, 10, 2.2)
    cols["recommend"] = cut(0.85 * overall + np.sqrt(1 - 0.85**2) * rng.standard_normal(n), 11, 2.0) - 1
    cols["repurchase"] = (rng.random(n) < 1 / (1 + np.exp(-(0.9 + 1.3 * overall)))).astype(np.int8)
    effort = 0.5 * factors[:, 1] + 0.3 * factors[:, 2] + 0.8 * rng.standard_normal(n)
    cols["effort"] = cut(effort / effort.std(), 7, 1.0)
    del factors
    for kid, _en, _fa, _item, planted, importance in KANO:
        category = planted[WAVE_INDEX]
        others = [c for c in "AOMIRQ" if c != category]
        rest = np.array([0.30 if c == "I" else 0.10 if c in "AOM" else 0.025 for c in others])
        drawn = rng.choice(6, n, p=np.concatenate([[KANO_PLANTED_SHARE], (1 - KANO_PLANTED_SHARE) * rest / rest.sum()]))
        functional, dysfunctional = np.empty(n, np.int8), np.empty(n, np.int8)
        for code, c in enumerate([category, *others]):
            rows = np.flatnonzero(drawn == code)
            cells = np.array(KANO_CELLS[c])[rng.integers(0, len(KANO_CELLS[c]), rows.size)]
            functional[rows], dysfunctional[rows] = cells[:, 0], cells[:, 1]
        cols[f"{kid}_f"], cols[f"{kid}_d"] = functional, dysfunctional
        cols[f"{kid}_imp"] = np.clip(np.round(rng.normal(importance, 1.4, n)), 1, 9).astype(np.int8)
    levels, sample_p, pop_p = SEGMENTS["customer_type"]
    by_type = np.array([pp / sp for sp, pp in zip(sample_p, pop_p)])
    type_code = pc.index_in(cols["customer_type"], pa.array(levels)).to_numpy()
    cols["weight"] = np.round(by_type[type_code] * rng.uniform(0.9, 1.1, n), 4)
    cols["comment"] = pa.array(comments_for_wave(WAVE_INDEX, latents, overall), pa.string())
    # invalid rows, as the demo plants them: each must be quarantined
    bad = rng.choice(np.arange(10, n), size=5, replace=False)
    cols[items[3][0]][bad[0]] = 7  # out of range
    cols["kano_eco_f"][bad[1]] = 6  # outside the Kano coding
    cols["weight"][bad[2]] = 0  # non-positive weight
    cols["overall_sat"][bad[3]] = 11  # out of range
    ids = cols["resp_id"].to_numpy(zero_copy_only=False)
    ids[bad[4]] = ids[bad[4] - 5]  # duplicate id
    cols["resp_id"] = pa.array(ids, pa.string())
    return pa.table({name: pa.array(values) if isinstance(values, np.ndarray) else values for name, values in cols.items()})


def make_project(root: Path, n: int, fmt: str) -> tuple[Path, int]:
    """The demo project in ``root`` with one wave of ``n`` respondents; its parameter file and the number of columns."""
    from csmlib.demo import ITEMS, WAVES, write_demo

    write_demo(root)
    shutil.copytree(REPO / "notebooks", root / "notebooks")  # as they are now: others may be editing them
    items = ITEMS + tuple(extra_items(N_ITEMS - len(ITEMS)))
    (root / "params" / "survey.yaml").write_text(yaml.safe_dump(codebook(items), allow_unicode=True), encoding="utf-8")
    wave = WAVES[WAVE_INDEX][0]
    for other in WAVES[WAVE_INDEX + 1 :]:
        (root / "params" / f"{other[0]}.yaml").unlink()
    table = make_wave(n, items, wave)
    data = root / "data" / "bigwave" / f"responses_{wave}.{fmt}"
    data.parent.mkdir(parents=True)
    if fmt == "csv":
        pacsv.write_csv(table, data, pacsv.WriteOptions(quoting_style="needed"))
    else:
        pq.write_table(table, data)
    params_path = root / "params" / f"{wave}.yaml"
    params = yaml.safe_load(params_path.read_text(encoding="utf-8"))
    params["responses"] = str(data.relative_to(root))
    params_path.write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return params_path, table.num_columns


# ---------------------------------------------------------------------------- measuring
def _tree(root_pid: int) -> dict[int, int]:
    """``root_pid`` and its descendants, each with its parent, from ``/proc/*/stat``."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = {}, [(root_pid, 0)]
    while todo:
        pid, parent = todo.pop()
        found[pid] = parent
        todo.extend((child, pid) for child in children.get(pid, []))
    return found


def _kib(path: str, key: bytes) -> int:
    try:
        with open(path, "rb") as fh:
            return next((int(line.split()[1]) for line in fh if line.startswith(key)), 0)
    except OSError:
        return 0


def _is_kernel(pid: int, parent: int) -> bool:
    """A report kernel: forked by the kernel zygote, or started the ordinary way (``ipykernel_launcher``)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            own = fh.read()
        with open(f"/proc/{parent}/cmdline", "rb") as fh:
            parents = fh.read()
    except OSError:
        return False
    return b"ipykernel_launcher" in own or (b"csmlib.batch.zygote" in parents and b"csmlib.batch.zygote" in own)


class TreeMemory(threading.Thread):
    """Polls the memory of a process tree every ``every`` seconds: the peak sums of PSS and RSS
    (bytes), each process's peak PSS, and the kernels in the order they started (one a notebook,
    in the run's order); calls ``over()`` once if the PSS sum passes ``limit``."""

    def __init__(self, pid: int, limit: float, over, every: float = 0.5):
        super().__init__(daemon=True)
        self.pid, self.limit, self.over, self.every = pid, limit, over, every
        self.stop = threading.Event()
        self.peak_pss = self.peak_rss = self.most_processes = 0
        self.process_peak: dict[int, int] = {}
        self.kernels: list[int] = []

    def run(self):
        while not self.stop.is_set():
            tree = _tree(self.pid)
            pss = {p: 1024 * _kib(f"/proc/{p}/smaps_rollup", b"Pss:") for p in tree}
            for p, parent in tree.items():
                if p not in self.process_peak and p != self.pid and _is_kernel(p, parent):
                    self.kernels.append(p)
                self.process_peak[p] = max(self.process_peak.get(p, 0), pss[p])
            self.peak_pss = max(self.peak_pss, sum(pss.values()))
            self.peak_rss = max(self.peak_rss, 1024 * sum(_kib(f"/proc/{p}/status", b"VmRSS:") for p in tree))
            self.most_processes = max(self.most_processes, len(tree))
            if sum(pss.values()) > self.limit and self.over is not None:
                self.over()
                self.over = None
            self.stop.wait(self.every)


def stop_tree(pid: int) -> None:
    """Kill the run this benchmark started: ``csm`` and its descendants, each by its id."""
    for child in reversed(_tree(pid)):
        try:
            os.kill(child, signal.SIGKILL)
        except OSError:
            pass


def run_reports(root: Path, params: Path, limit: float, timeout: float | None):
    """``csm run PARAMS --force`` in ``root``: wall seconds, the lines of its output, the memory
    poller, the exit code, and why it was stopped ("" when it ran to its end)."""
    started = time.perf_counter()

    def cap_memory():  # each process of the run (kernels inherit it) fails an allocation past the limit
        resource.setrlimit(resource.RLIMIT_AS, (int(limit), int(limit)))

    process = subprocess.Popen(
        [sys.executable, "-m", "csmlib.cli", "run", str(params.relative_to(root)), "--force"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # each progress line shown as it is written; the run's own zygote (not one kept between
        # runs): its kernels are the run's descendants, so their memory is in the tree polled
        env={**os.environ, "PYTHONUNBUFFERED": "1", "CSM_KERNEL_IDLE_SECONDS": "0"},
        preexec_fn=cap_memory,
    )
    stopped: list[str] = []

    def stop(why: str):
        stopped.append(why)
        stop_tree(process.pid)

    memory = TreeMemory(process.pid, limit, lambda: stop(f"memory over {_gb(limit)}"))
    memory.start()
    timer = threading.Timer(timeout, stop, [f"over {timeout:.0f} s"]) if timeout else None
    if timer:
        timer.start()
    lines = []
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        print(f"    | {lines[-1]}", flush=True)
    code = process.wait()
    seconds = time.perf_counter() - started
    if timer:
        timer.cancel()
    memory.stop.set()
    memory.join()
    return seconds, lines, memory, code, ", ".join(stopped)


def _gb(n: float) -> str:
    return f"{n / 1e9:.2f} GB"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_mode_args(parser, "100,000 respondents instead of 1,000,000")
    parser.add_argument("--rows", type=int, default=None, help="respondents (default 1,000,000; --quick: 3,000)")
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv", help="the responses file (default csv)")
    parser.add_argument(
        "--max-gb",
        type=float,
        default=14.0,
        help="a guard for a shared machine: stop the run when the tree's PSS passes this many GB, and cap each "
        "process's address space at it (default 14)",
    )
    parser.add_argument("--timeout", type=float, default=None, help="stop the run after this many seconds (default: none)")
    parser.add_argument("--keep", type=Path, default=None, help="build and keep the project in this (new) folder")
    args = parse_mode_args(parser, argv)
    n = args.rows or (3_000 if args.quick else 1_000_000)
    if not Path("/proc/self/smaps_rollup").exists():
        print("this benchmark polls /proc (Linux): skipped")
        return 0
    with tempfile.TemporaryDirectory(prefix="bench_bigwave_") as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        params, n_columns = make_project(root, n, args.format)
        data = root / yaml.safe_load(params.read_text(encoding="utf-8"))["responses"]
        print(
            f"wave: {n:,} respondents × {N_ITEMS} items ({n_columns} columns), {args.format} "
            f"{data.stat().st_size / 2**20:.0f} MiB, made in {time.perf_counter() - t0:.0f} s; "
            f"csm run {params.name} --force (all notebooks, one at a time):"
        )
        names = sorted(nb.stem for nb in (root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
        seconds, lines, memory, code, stopped = run_reports(root, params, args.max_gb * 1e9, args.timeout)
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    if stopped:
        print(f"  STOPPED ({stopped}) after {seconds:.0f} s; the notebooks that finished are listed")
    done = {m["notebook"]: (float(m["seconds"]), m["status"]) for m in map(PROGRESS.match, lines) if m}
    # one kernel a notebook, started in the run's order (the notebooks' order); a spare may start at the end
    kernel_peak = dict(zip(names, (memory.process_peak[k] for k in memory.kernels)))
    print(
        f"  csm run exit code {code}; {len(done)} of {len(names)} notebooks, slowest first "
        f"(seconds from the progress line; peak PSS of the notebook's kernel, {len(memory.kernels)} kernels seen):"
    )
    for name in sorted(names, key=lambda x: -done.get(x, (float("inf"),))[0]):
        secs, status = done.get(name, (float("nan"), "running when stopped" if name in kernel_peak else "not run"))
        peak = _gb(kernel_peak[name]) if name in kernel_peak else "-"
        print(f"    {name:<24s} {secs:7.1f} s  {peak:>8s}  {status}")
    others = {p: v for p, v in memory.process_peak.items() if p not in memory.kernels}
    print(
        f"    {'(rest of the wall time)':<24s} {seconds - sum(x[0] for x in done.values()):7.1f} s  "
        f"{_gb(others.get(memory.pid, 0)):>8s}  (csm itself: intake, pages)"
    )
    peak_pss, peak_rss = memory.peak_pss, memory.peak_rss
    print(
        f"  peak memory of the process tree ({memory.most_processes} processes at most): PSS {_gb(peak_pss)}, "
        f"RSS sum {_gb(peak_rss)} (shared pages counted per process); largest single process {_gb(largest)}"
    )
    ran = code == 0 and not stopped and len(done) == len(names) and all(x[1] == "ok" for x in done.values())
    results = [ran]
    print(
        f"  {'every notebook ran (exit code 0, all ok)':<50s} {'yes' if ran else 'NO':<12s} {verdict(ran, False, 'MET', 'NOT MET')}"
    )
    # a run stopped or with a failed notebook measured only part of the work: its time and memory are
    # lower bounds, a miss when already over the goal and not checked (SKIPPED) otherwise
    for label, value, goal, met in (
        (
            f"{n:,} respondents: wall time of csm run",
            f"{seconds:.1f} s",
            f"< {GOAL_SECONDS} s",
            False if seconds >= GOAL_SECONDS else True if ran else None,
        ),
        (
            f"{n:,} respondents: peak memory (PSS)",
            _gb(peak_pss),
            "< 8 GB",
            False if peak_pss >= GOAL_BYTES else True if ran else None,
        ),
    ):
        results.append(met)
        print(f"  {label:<50s} {value:<12s} goal {goal:<8s} {verdict(met, args.quick, 'MET', 'NOT MET')}")
    print(closing_line(results, args.quick))
    return 1 if args.strict and not all(r for r in results if r is not None) else 0


if __name__ == "__main__":
    sys.exit(main())
