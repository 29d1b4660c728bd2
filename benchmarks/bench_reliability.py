"""Speed and memory goals of csmlib.stats.reliability (issue 3).

Goals, on 1,000,000 respondents × 20 items (``--quick``: 20,000 × 20, goals not checked):

1. α with its Feldt CI plus the item statistics (two calls: ``cronbach_alpha`` and
   ``item_statistics``) in at most 2× the time of a bare numpy covariance-based α computed in the
   same run;
2. α with its Feldt CI faster than ``pingouin.cronbach_alpha``, which computes the same two
   numbers (reference only; pingouin is GPL and never imported by csmlib). The ratio of
   α + item statistics to pingouin is printed as well, for information;
3. EFA (4 factors, minres/oblimin) and KMO from the raw frame in under 2 s each;
4. peak memory (item matrix + everything csmlib allocates, traced with ``tracemalloc``) under 3×
   the size of the item matrix — for a float64 frame and for an int64-coded frame (which csmlib
   converts to float64, one copy).

Run: ``python benchmarks/bench_reliability.py [--quick] [--strict]`` (``--strict``: exit 1 if a
goal is missed; full size only). Timings are the best of a few repeats.
"""

from __future__ import annotations

import argparse
import sys
import tracemalloc

import numpy as np
import pandas as pd

from csmlib.stats.reliability import cronbach_alpha, efa, item_statistics, kmo

# benchmarks/ is on sys.path when run as a script
from _timing import add_mode_args, best_time, closing_line, parse_mode_args, verdict  # noqa: E402


def make_items(n: int, k: int = 20, seed: int = 0) -> pd.DataFrame:
    """Five-point items of one scale: a general factor plus four group factors (k/4 items each)."""
    rng = np.random.default_rng(seed)
    general = rng.standard_normal(n, dtype=np.float32)
    groups = rng.standard_normal((n, 4), dtype=np.float32)
    X = np.empty((n, k))
    for j in range(k):
        latent = 0.6 * general + 0.5 * groups[:, j % 4] + 0.6 * rng.standard_normal(n, dtype=np.float32)
        X[:, j] = np.digitize(latent, [-1.3, -0.45, 0.45, 1.3]) + 1
    return pd.DataFrame(X, columns=[f"q{j + 1:02d}" for j in range(k)])


def numpy_alpha(frame: pd.DataFrame) -> float:
    """The bare reference: α from np.cov of the item matrix."""
    C = np.cov(frame.to_numpy(), rowvar=False)
    k = C.shape[0]
    return k / (k - 1) * (1 - np.trace(C) / C.sum())


def csm_alpha_and_items(frame: pd.DataFrame):
    return cronbach_alpha(frame, ci="feldt"), item_statistics(frame)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_mode_args(parser, "20,000 rows instead of 1,000,000")
    args = parse_mode_args(parser, argv)
    n = 20_000 if args.quick else 1_000_000
    if args.quick:
        print("  (at 20,000 rows the fixed costs, k one-factor fits for ω-if-dropped, weigh more)")
    frame = make_items(n)
    matrix_bytes = frame.to_numpy().nbytes
    print(f"items: {n:,} respondents × {frame.shape[1]} items ({matrix_bytes / 2**20:.0f} MiB float64)")
    repeats = 2 if args.quick else 3
    results = []

    def report(label, value, goal_text, met):
        results.append(met)
        print(f"  {label:<46s} {value:<28s} goal {goal_text:<14s} {verdict(met, args.quick, 'MET', 'NOT MET')}")

    csm_alpha_and_items(frame.iloc[:1000])  # warm-up (imports, first calls)
    t_np, a_np = best_time(lambda: numpy_alpha(frame), repeats)
    t_csm, (res, table) = best_time(lambda: csm_alpha_and_items(frame), repeats)
    assert abs(res.alpha - a_np) < 1e-10, (res.alpha, a_np)
    print(
        f"numpy α {t_np:.3f} s; csmlib α + Feldt CI + item statistics {t_csm:.3f} s "
        f"(α = {res.alpha:.4f} [{res.ci_low:.4f}, {res.ci_high:.4f}], n = {res.n:,})"
    )
    report("csmlib α+items / numpy α", f"{t_csm / t_np:.2f}×", "≤ 2×", t_csm / t_np <= 2.0)

    try:
        import pingouin
    except ImportError:
        pingouin = None
        print("  pingouin not installed: comparison skipped (pip install -e '.[bench]')")
    if pingouin is not None:
        t_pg, pg = best_time(lambda: pingouin.cronbach_alpha(data=frame), repeats)
        t_a, _ = best_time(lambda: cronbach_alpha(frame, ci="feldt"), repeats)
        assert abs(pg[0] - res.alpha) < 1e-8
        print(f"pingouin.cronbach_alpha {t_pg:.3f} s; csmlib cronbach_alpha (α + Feldt CI) {t_a:.3f} s")
        report("csmlib α+Feldt / pingouin α+Feldt", f"{t_a / t_pg:.2f}×", "< 1×", t_a < t_pg)
        print(f"  (info) csmlib α + item statistics / pingouin α: {t_csm / t_pg:.2f}×")

    t_efa, fa = best_time(lambda: efa(frame, 4), repeats)
    print(f"efa 4 factors minres/oblimin {t_efa:.3f} s (RMSEA {fa.rmsea:.4f}, n = {fa.n:,})")
    report("efa time", f"{t_efa:.3f} s ({t_efa / 2:.2f}× budget)", "< 2 s", t_efa < 2.0)
    t_kmo, km = best_time(lambda: kmo(frame), repeats)
    print(f"kmo {t_kmo:.3f} s (KMO {km.overall:.4f})")
    report("kmo time", f"{t_kmo:.3f} s ({t_kmo / 2:.2f}× budget)", "< 2 s", t_kmo < 2.0)

    for label, data in (("float64", frame), ("int64", frame.astype(np.int64))):
        tracemalloc.start()
        csm_alpha_and_items(data)
        efa(data, 4)
        kmo(data)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        ratio = (matrix_bytes + peak) / matrix_bytes
        print(f"{label} frame: peak traced allocation during csmlib calls {peak / 2**20:.1f} MiB")
        report(f"peak memory / item matrix ({label})", f"{ratio:.2f}×", "< 3×", ratio < 3.0)
    ok = all(results)
    print(closing_line(results, args.quick))
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
