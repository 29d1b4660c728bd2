"""Every benchmark still runs: each benchmarks/bench_*.py with ``--quick`` (every code path on a small
size, goals not checked), as ``make bench`` runs it — a separate process from the repository root.

Nothing here times anything (CONTRIBUTING: benchmarks are never timed unit tests); the goals are
checked by ``make bench`` on the full sizes. Optional references (pingouin, the ``bench`` extra) are
skipped by the benchmarks themselves with a printed note.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# bench_reports, bench_bigwave and bench_kernels execute notebooks (the project's "slow" marker): `make test` runs it, `make test-fast` not.
# It is by far the longest, so it comes first: under `pytest -n 2` one worker takes it, the other the rest.
NOTEBOOKS = {"bench_reports", "bench_bigwave", "bench_kernels"}
BENCHMARKS = sorted((REPO / "benchmarks").glob("bench_*.py"), key=lambda p: (p.stem not in NOTEBOOKS, p.name))
TIMEOUT = 600  # a hang, not a slow machine: --quick takes seconds (bench_reports well under a minute)


def test_benchmarks_found():
    assert len(BENCHMARKS) >= 8, BENCHMARKS


@pytest.mark.parametrize(
    "bench", [pytest.param(b, id=b.stem, marks=[pytest.mark.slow] if b.stem in NOTEBOOKS else []) for b in BENCHMARKS]
)
def test_benchmark_quick(bench: Path):
    result = subprocess.run([sys.executable, str(bench), "--quick"], cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT)
    shown = f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"
    assert result.returncode == 0, shown
    lines = result.stdout.strip().splitlines()
    assert len(lines) >= 3, shown  # the measurements were printed
    assert lines[-1].startswith("--quick: goals not checked"), shown  # ...and it ran to the end
