"""Shared by the benchmarks: best-of-N wall time (the least disturbed run on a shared machine),
and the ``--quick`` / ``--strict`` conventions.

``--quick`` runs every code path of a benchmark on a much smaller size (tests/test_benchmarks.py
runs each benchmark so, to keep them from rotting): the measurements and ratios are printed, but
the goals, which are set for the full size, are not checked. ``--strict`` (exit 1 if a goal is
missed) therefore only applies to full runs and cannot be combined with ``--quick``.
"""

from __future__ import annotations

import argparse
import time

QUICK_NOTE = (
    "--quick: a small run of every code path; the times and ratios are indicative and the "
    "goals (set for the full size) are not checked"
)


def best_time(fn, repeats: int) -> tuple[float, object]:
    """The shortest of ``repeats`` timings of ``fn()`` and the last result."""
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def add_mode_args(parser: argparse.ArgumentParser, quick_help: str) -> None:
    """The ``--quick`` and ``--strict`` options every benchmark takes."""
    parser.add_argument("--quick", action="store_true", help=quick_help + " (goals not checked)")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a goal is missed (full runs only)")


def parse_mode_args(parser: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    """Parse; refuse ``--quick --strict``; print the quick-mode note."""
    args = parser.parse_args(argv)
    if args.quick and args.strict:
        parser.error("--strict checks the goals, which are set for the full size: drop --quick")
    if args.quick:
        print(QUICK_NOTE)
    return args


def verdict(met: bool | None, quick: bool, yes: str = "PASS", no: str = "FAIL") -> str:
    """The status word of one goal: not checked in quick mode, SKIPPED when ``met`` is None."""
    if met is None:
        return "SKIPPED"
    if quick:
        return "(not checked: --quick)"
    return yes if met else no


def closing_line(results: list, quick: bool) -> str:
    """The closing line of a benchmark."""
    if quick:
        return "--quick: goals not checked (run without --quick for them; --strict to exit 1 on a miss)"
    checked = [r for r in results if r is not None]
    return (
        f"all goals met ({len(checked)}/{len(checked)})"
        if all(checked)
        else f"SOME GOALS NOT MET ({sum(checked)}/{len(checked)} met)"
    )
