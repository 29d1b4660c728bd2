"""Speed goals of csmlib.stats.kano (issue 4).

Goals, on 1,000,000 respondents × 30 Kano attributes (``--quick``: 20,000 × 30, goals not checked):

1. classification of every respondent's (f, d) pair plus the summary (``classify`` →
   ``count`` → ``summarize``) in under 2 s, on answer positions as the survey intake delivers
   them (float columns 1–5 with NaN for missing answers);
2. the same pipeline faster than a straightforward pandas reference measured in the same run:
   per attribute, ``(10·f + d).map(cell → category)``, ``value_counts`` and Better/Worse from
   the counts (the counts of both must agree exactly).

For information it also times text answers (English wordings), the vectorised bootstrap of
``better_worse_ci`` (1,000 replicates) and ``continuous``.

Run: ``python benchmarks/bench_kano.py [--quick] [--strict]`` (``--strict``: exit 1 if a goal
is missed; full size only). Timings are the best of a few repeats (the reference runs once).
"""

from __future__ import annotations

import argparse
import sys
import warnings

import numpy as np
import pandas as pd

from csmlib.stats import kano

# benchmarks/ is on sys.path when run as a script
from _timing import add_mode_args, best_time, closing_line, parse_mode_args, verdict  # noqa: E402

TABLE = ["QAAAO", "RIIIM", "RIIIM", "RIIIM", "RRRRQ"]  # standard table, rows f, columns d


def make_answers(n: int, k: int = 30, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Answer positions of ``n`` respondents on ``k`` attributes, 1 % missing per question."""
    rng = np.random.default_rng(seed)
    cols = [f"attr{j + 1:02d}" for j in range(k)]
    F, D = {}, {}
    for j, c in enumerate(cols):
        p = rng.dirichlet(np.ones(5) * (1 + j % 3))
        f = rng.choice(np.arange(1, 6), size=n, p=p).astype(float)
        d = rng.choice(np.arange(1, 6), size=n, p=p[::-1]).astype(float)
        f[rng.random(n) < 0.01] = np.nan
        d[rng.random(n) < 0.01] = np.nan
        F[c], D[c] = f, d
    return pd.DataFrame(F), pd.DataFrame(D)


def csm_pipeline(F, D):
    counts = kano.count(kano.classify(F, D))
    return counts, kano.summarize(counts)


def pandas_reference(F, D) -> pd.DataFrame:
    """Per-column pandas mapping of the pair to a category, then counts and Better/Worse."""
    cell = {10.0 * (i + 1) + (j + 1): TABLE[i][j] for i in range(5) for j in range(5)}
    rows = {}
    for col in F.columns:
        cats = (10 * F[col] + D[col]).map(cell)
        vc = cats.value_counts()
        row = {c: int(vc.get(c, 0)) for c in "AOMIRQ"}
        nstar = row["A"] + row["O"] + row["M"] + row["I"]
        row["better"] = (row["A"] + row["O"]) / nstar
        row["worse"] = -(row["O"] + row["M"]) / nstar
        rows[col] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_mode_args(parser, "20,000 rows instead of 1,000,000")
    args = parse_mode_args(parser, argv)
    n = 20_000 if args.quick else 1_000_000
    F, D = make_answers(n)
    print(f"Kano answers: {n:,} respondents × {F.shape[1]} attributes (float64 positions, ~1 % missing per question)")
    results = []

    def report(label, value, goal_text, met):
        results.append(met)
        print(f"  {label:<44s} {value:<26s} goal {goal_text:<10s} {verdict(met, args.quick)}")

    csm_pipeline(F.iloc[:1000], D.iloc[:1000])  # warm-up
    t_csm, (counts, summary) = best_time(lambda: csm_pipeline(F, D), 3)
    t_ref, ref = best_time(lambda: pandas_reference(F, D), 1)
    same = all((counts[c].to_numpy() == ref[c].to_numpy()).all() for c in "AOMIRQ")
    same &= np.allclose(summary["better"], ref["better"]) and np.allclose(summary["worse"], ref["worse"])
    print(
        f"csmlib classify + count + summarize {t_csm:.3f} s; pandas per-column mapping "
        f"reference {t_ref:.3f} s; counts and Better/Worse identical: {same}"
    )
    report("classify + summary time", f"{t_csm:.3f} s ({t_csm / 2:.2f}× budget)", "< 2 s", t_csm < 2.0 and same)
    report("csmlib / pandas reference", f"{t_csm / t_ref:.2f}× ({t_ref / t_csm:.1f}× faster)", "< 1×", t_csm < t_ref)

    words = np.array(["I like it", "I expect it", "I am neutral", "I can live with it", "I dislike it"], dtype=object)
    m = min(n, 200_000)
    Ft = pd.DataFrame({c: words[np.nan_to_num(F[c].to_numpy()[:m], nan=1).astype(int) - 1] for c in F.columns})
    Dt = pd.DataFrame({c: words[np.nan_to_num(D[c].to_numpy()[:m], nan=1).astype(int) - 1] for c in D.columns})
    t_txt, _ = best_time(lambda: kano.classify(Ft, Dt), 2)
    print(f"  (info) classify of answer texts, {m:,} × {F.shape[1]}: {t_txt:.3f} s")
    cats = kano.classify(F, D)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_ci, _ = best_time(lambda: kano.better_worse_ci(cats, n_boot=1000, seed=1), 2)
    print(f"  (info) better_worse_ci, 1,000 bootstrap replicates: {t_ci:.3f} s")
    t_cont, _ = best_time(lambda: kano.continuous(F, D), 2)
    print(f"  (info) continuous (DuMouchel): {t_cont:.3f} s")
    ok = all(results)
    print(closing_line(results, args.quick))
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
