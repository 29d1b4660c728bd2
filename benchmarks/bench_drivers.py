"""Speed and memory goals of csmlib.stats.drivers (issue 5).

Goals, on n = 10,000 respondents (all timings from the raw DataFrame, correlation included):

1. exact Shapley (LMG) with 15 drivers ≤ 50 ms;
2. exact Shapley with 20 drivers ≤ 0.5 s;
3. exact Shapley with 25 drivers ≤ 10 s with peak memory ≤ 2 GB (peak resident set size of a
   fresh child process running the call, interpreter and pandas included);
4. 1,000 bootstrap resamples of Shapley with 15 drivers (``importance(methods=("shapley",),
   n_boot=1000)``) ≤ 10 s.

Each figure is printed with its ratio against references measured in the same run:

- "LS/subset": the straightforward all-subsets least-squares implementation — one
  ``np.linalg.lstsq`` of y on [1, X_S] over the 10,000 rows for every subset S, then the Shapley
  weights. It is *measured* on 10 drivers (1,024 fits) and *extrapolated* (labelled so) to 15, 20
  and 25 drivers by the number of subsets and the mean cost per fit, which grows with |S|
  (a per-fit time model a + b·|S|, fitted on the measured fits by size);
- "solve/subset": one ``np.linalg.solve`` per subset on the correlation matrix (the pingouin /
  relaimpo approach), *measured* at 15 drivers;
- pingouin ``linear_regression(relimp=True)`` at 15 drivers when pingouin is installed
  (``pip install -e '.[bench]'``; reference only, never imported by csmlib).

``--quick`` runs every code path on a much smaller problem (n = 2,000; LS/subset measured at 6
drivers; Shapley at 8, 10 and 12 drivers, the last in the child process; 50 bootstrap resamples at
8 drivers) and prints the same measurements and ratios without checking the goals.

Run: ``python benchmarks/bench_drivers.py [--quick] [--strict] [--skip-25]`` (``--strict``: exit 1
if a goal is missed; full size only). Timings are the best of a few repeats.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from math import comb
from pathlib import Path

import numpy as np
import pandas as pd

from csmlib.stats.importance_table import importance
from csmlib.stats.linear_importance import shapley

# benchmarks/ is on sys.path when run as a script (and in the child process below)
from _timing import add_mode_args, best_time, closing_line, parse_mode_args, verdict  # noqa: E402

N = 10_000


def make_data(p: int, n: int = N, seed: int = 0) -> pd.DataFrame:
    """Correlated 1–10 ratings of p drivers (one general factor) and an overall score."""
    rng = np.random.default_rng(seed)
    g = rng.standard_normal(n)
    X = 0.6 * g[:, None] + 0.8 * rng.standard_normal((n, p))
    beta = np.linspace(1.0, 0.05, p)
    y = X @ beta + 1.5 * rng.standard_normal(n)
    frame = pd.DataFrame(np.clip(np.round(5.5 + 1.8 * X), 1, 10), columns=[f"d{j + 1:02d}" for j in range(p)])
    frame["overall"] = np.round(6 + y, 2)
    return frame


def shapley_weights(r2: np.ndarray, p: int) -> np.ndarray:
    out = np.zeros(p)
    for s in range(1 << p):
        k = bin(s).count("1")
        for j in range(p):
            if not s >> j & 1:
                out[j] += (r2[s | 1 << j] - r2[s]) / (p * comb(p - 1, k))
    return out


def ls_per_subset(frame: pd.DataFrame, drivers: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The straightforward reference: one least-squares fit on the rows for every subset."""
    X = frame[drivers].to_numpy(float)
    y = frame["overall"].to_numpy(float)
    p = len(drivers)
    tss = ((y - y.mean()) ** 2).sum()
    r2 = np.zeros(1 << p)
    secs = np.zeros(1 << p)
    ones = np.ones((len(y), 1))
    for s in range(1, 1 << p):
        t0 = time.perf_counter()
        cols = [j for j in range(p) if s >> j & 1]
        D = np.hstack([ones, X[:, cols]])
        coef = np.linalg.lstsq(D, y, rcond=None)[0]
        r = y - D @ coef
        r2[s] = 1 - (r @ r) / tss
        secs[s] = time.perf_counter() - t0
    return shapley_weights(r2, p), secs


def solve_per_subset(frame: pd.DataFrame, drivers: list[str]) -> np.ndarray:
    """The pingouin / relaimpo approach: one linear solve per subset on the correlation matrix."""
    R = frame[drivers + ["overall"]].corr().to_numpy()
    p = len(drivers)
    r2 = np.zeros(1 << p)
    for s in range(1, 1 << p):
        cols = [j for j in range(p) if s >> j & 1]
        r = R[cols, p]
        r2[s] = r @ np.linalg.solve(R[np.ix_(cols, cols)], r)
    return shapley_weights(r2, p)


def extrapolate(secs: np.ndarray, p_measured: int, p: int) -> float:
    """Time of the LS/subset reference at p drivers from the fits measured at p_measured."""
    sizes = np.array([bin(s).count("1") for s in range(1 << p_measured)])
    ks = np.arange(1, p_measured + 1)
    per_k = np.array([np.median(secs[sizes == k]) for k in ks])
    b, a = np.polyfit(ks, per_k, 1)
    return float(sum(comb(p, k) * (a + b * k) for k in range(1, p + 1)))


CHILD = """
import json, resource, sys, time
sys.path[:0] = [{root!r}, {bench!r}]
from benchmarks.bench_drivers import make_data
from csmlib.stats.linear_importance import shapley
frame = make_data({p}, {n})
t0 = time.perf_counter()
s = shapley(frame, "overall", [c for c in frame.columns if c != "overall"])
t = time.perf_counter() - t0
print(json.dumps({{"time": t, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "err": abs(s.sum() - s.attrs["r2"])}}))
"""

# Sizes of a full run (the goals) and of --quick (every code path, small; goals not checked):
# n respondents, drivers of the measured LS/subset reference, the three Shapley sizes (the
# largest one in a child process) and the bootstrap resamples (at the smallest size).
FULL = {"n": N, "p_ls": 10, "p": (15, 20, 25), "n_boot": 1000}
QUICK = {"n": 2_000, "p_ls": 6, "p": (8, 10, 12), "n_boot": 50}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_mode_args(parser, f"n = {QUICK['n']:,}, {'/'.join(map(str, QUICK['p']))} drivers, {QUICK['n_boot']} bootstrap resamples")
    parser.add_argument("--skip-25", action="store_true", help="skip the 25-driver goal (--quick: the 12-driver child process)")
    args = parse_mode_args(parser, argv)
    size = QUICK if args.quick else FULL
    n, p_ls, n_boot = size["n"], size["p_ls"], size["n_boot"]
    pa, pb, pc = size["p"]
    results = []

    def report(label, secs, budget, ratios):
        met = secs <= budget
        results.append(met)
        rtxt = "; ".join(f"{secs / r:.2g}× {name}" for name, r in ratios if r)
        goal = f"goal ≤ {budget * 1e3:,.0f} ms  {verdict(met, False)}" if not args.quick else verdict(met, True)
        print(f"  {label:<34s} {secs * 1e3:10.1f} ms  {goal}   ({rtxt})")

    def columns(frame):
        return [c for c in frame.columns if c != "overall"]

    print(f"n = {n:,} respondents; times from the raw DataFrame (correlation included)")
    # --- references -----------------------------------------------------------------------
    f_ls = make_data(p_ls, n)
    d_ls = columns(f_ls)
    t_ls = time.perf_counter()
    lmg_ls, secs = ls_per_subset(f_ls, d_ls)
    t_ls = time.perf_counter() - t_ls
    ours_ls = shapley(f_ls, "overall", d_ls).to_numpy()
    assert np.abs(ours_ls - lmg_ls).max() < 1e-10, "reference disagrees"
    print(
        f"reference LS/subset measured at {p_ls} drivers: {t_ls:.2f} s for {1 << p_ls:,} fits "
        f"(max |Δ LMG| vs csmlib {np.abs(ours_ls - lmg_ls).max():.1e})"
    )
    ls_est = {p: extrapolate(secs, p_ls, p) for p in (pa, pb, pc)}
    for p, t in ls_est.items():
        print(f"  LS/subset at {p} drivers (EXTRAPOLATED from {p_ls}): {t:,.1f} s")

    fa = make_data(pa, n)
    da = columns(fa)
    t_solve, lmg_solve = best_time(lambda: solve_per_subset(fa, da), 1)
    print(f"reference solve/subset MEASURED at {pa} drivers: {t_solve:.2f} s")
    t_pg = None
    try:
        import pingouin
    except ImportError:
        print("  pingouin not installed: its comparison is skipped (pip install -e '.[bench]')")
    else:
        t_pg, _ = best_time(lambda: pingouin.linear_regression(fa[da], fa["overall"], relimp=True), 1)
        print(f"reference pingouin linear_regression(relimp=True) MEASURED at {pa} drivers: {t_pg:.2f} s")

    # --- goals ----------------------------------------------------------------------------
    print("goals:" if not args.quick else "measurements (--quick: goals not checked):")
    shapley(f_ls, "overall", d_ls)  # warm-up
    ta, sa = best_time(lambda: shapley(fa, "overall", da), 5)
    assert np.abs(sa.to_numpy() - lmg_solve).max() < 1e-10
    report(
        f"Shapley {pa} drivers",
        ta,
        0.05,
        [("LS/subset extrapolated", ls_est[pa]), ("solve/subset measured", t_solve), ("pingouin measured", t_pg)],
    )
    fb = make_data(pb, n)
    db = columns(fb)
    tb, _ = best_time(lambda: shapley(fb, "overall", db), 3)
    report(f"Shapley {pb} drivers", tb, 0.5, [("LS/subset extrapolated", ls_est[pb])])

    if not args.skip_25:
        root = Path(__file__).resolve().parents[1]
        out = subprocess.run(
            [sys.executable, "-c", CHILD.format(root=str(root), bench=str(root / "benchmarks"), p=pc, n=n)],
            check=True,
            capture_output=True,
            text=True,
        )
        child = json.loads(out.stdout.strip().splitlines()[-1])
        report(f"Shapley {pc} drivers", child["time"], 10.0, [("LS/subset extrapolated", ls_est[pc])])
        met = child["rss_mb"] <= 2048
        results.append(met)
        goal = f"goal ≤ 2,048 MB  {verdict(met, False)}" if not args.quick else verdict(met, True)
        print(
            f"  {f'peak RSS, {pc} drivers (child)':<34s} {child['rss_mb']:10.0f} MB  {goal}   (|Σ LMG − R²| = {child['err']:.1e})"
        )

    tboot, _ = best_time(lambda: importance(fa, "overall", da, methods=("shapley",), n_boot=n_boot, seed=1), 1)
    report(
        f"{n_boot:,} bootstrap Shapley, {pa} drivers",
        tboot,
        10.0,
        [(f"LS/subset extrapolated ×{n_boot:,}", n_boot * ls_est[pa]), (f"solve/subset measured ×{n_boot:,}", n_boot * t_solve)],
    )
    print(closing_line(results, args.quick))
    return 1 if args.strict and not all(results) else 0


if __name__ == "__main__":
    sys.exit(main())
