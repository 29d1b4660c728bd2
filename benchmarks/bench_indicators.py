"""Speed goal of csmlib.stats.indicators (issue 6).

Goal: all indicators for 1,000,000 respondents × 30 items with 20 segments in under 3 s
(``--quick``: 20,000 respondents, goal not checked). "All indicators" is one wave's
headline work:

- for each of the 30 items (1–5 scale, ~5 % missing): mean score with t interval and top-2-box
  share with Wilson interval;
- the same two per segment for every item (``breakdown`` on 20 segments, suppression on);
- NPS with adjusted-Wald interval, overall and per segment; CES mean and % agree;
- the 0–100 CSI over the 30 items (equal weights);
- wave-over-wave Welch tests of the 30 items against a previous wave of the same size, Holm-adjusted
  (``compare_table``);
- loyalty segments (satisfaction × recommend).

The reference is a straightforward pandas/scipy/statsmodels implementation of the same numbers
(``Series.mean/std/count``, ``groupby().agg``, ``proportion_confint``, ``ttest_ind``,
``multipletests``, ``crosstab``), timed in the same run; the ratio csmlib/reference is printed,
and a few numbers of both are checked for agreement. A weighted run (survey weights on every call)
is timed for information.

Run: ``python benchmarks/bench_indicators.py [--quick] [--strict]`` (``--strict``: exit 1 if the
goal is missed; full size only). Timings are the best of a few repeats.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from csmlib.stats.comparisons import compare_table
from csmlib.stats.csi import csi
from csmlib.stats.estimators import ces, ces_agree, mean_score, nps, top_box
from csmlib.stats.segments import breakdown, loyalty_segments

# benchmarks/ is on sys.path when run as a script
from _timing import add_mode_args, best_time, closing_line, parse_mode_args, verdict  # noqa: E402

K, SEGMENTS = 30, 20


def make_wave(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    """n respondents: 30 items 1–5 (5 % missing), recommend 0–10, effort 1–7, segment, weight."""
    rng = np.random.default_rng(seed)
    general = rng.standard_normal(n, dtype=np.float32)
    cols = {}
    for j in range(K):
        latent = 0.7 * general + 0.7 * rng.standard_normal(n, dtype=np.float32) + shift
        x = (np.digitize(latent, [-1.3, -0.45, 0.45, 1.3]) + 1).astype(float)
        x[rng.random(n) < 0.05] = np.nan
        cols[f"q{j + 1:02d}"] = x
    frame = pd.DataFrame(cols)
    frame["recommend"] = np.clip(np.round(7 + 2.2 * general + rng.standard_normal(n)), 0, 10)
    frame["effort"] = np.clip(np.round(5 + 1.2 * general + rng.standard_normal(n)), 1, 7)
    frame["segment"] = pd.array(
        np.array([f"segment {i:02d}" for i in range(SEGMENTS)])[rng.integers(0, SEGMENTS, n)], dtype="str"
    )
    frame["weight"] = rng.uniform(0.5, 2.0, n)
    return frame


ITEMS = [f"q{j + 1:02d}" for j in range(K)]


def csmlib_all(cur: pd.DataFrame, prev: pd.DataFrame, weighted: bool = False) -> dict:
    w = cur["weight"] if weighted else None
    wcol = "weight" if weighted else None
    out = {
        "mean": [mean_score(cur[q], weights=w) for q in ITEMS],
        "top": [top_box(cur[q], scale_max=5, weights=w) for q in ITEMS],
        "seg_mean": breakdown(cur, ITEMS, "segment", metric="mean", weights=wcol),
        "seg_top": breakdown(cur, ITEMS, "segment", metric="top_box", scale_max=5, weights=wcol),
        "nps": nps(cur["recommend"], weights=w),
        "seg_nps": breakdown(cur, "recommend", "segment", metric="nps", weights=wcol),
        "ces": ces(cur["effort"], weights=w),
        "ces_agree": ces_agree(cur["effort"], weights=w),
        "csi": csi(cur, ITEMS, scale=(1, 5), weights=wcol),
        "trend": compare_table(cur, prev, ITEMS, weights_current=wcol, weights_previous="weight" if weighted else None),
        "loyalty": loyalty_segments(cur, "q01", "recommend", satisfaction_threshold=4, loyalty_threshold=9, weights=wcol),
    }
    return out


def reference_all(cur: pd.DataFrame, prev: pd.DataFrame) -> dict:
    """The same numbers, written the obvious way with pandas/scipy/statsmodels."""
    z = stats.norm.ppf(0.975)
    out = {"mean": [], "top": []}
    for q in ITEMS:
        s = cur[q].dropna()
        n, m, sd = s.count(), s.mean(), s.std()
        half = stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n)
        out["mean"].append((m, m - half, m + half))
        k = int((s >= 4).sum())
        out["top"].append((k / n,) + proportion_confint(k, n, method="wilson"))
    g = cur.groupby("segment")[ITEMS]
    agg = g.agg(["mean", "std", "count"])
    tq = stats.t.ppf(0.975, agg.xs("count", axis=1, level=1) - 1)
    out["seg_mean"] = (
        agg.xs("mean", axis=1, level=1),
        tq * agg.xs("std", axis=1, level=1) / np.sqrt(agg.xs("count", axis=1, level=1)),
    )
    top = (cur[ITEMS] >= 4).where(cur[ITEMS].notna())
    tops = top.groupby(cur["segment"]).agg(["sum", "count"])
    ksum, kcount = tops.xs("sum", axis=1, level=1), tops.xs("count", axis=1, level=1)
    lo, hi = proportion_confint(ksum.to_numpy(), kcount.to_numpy(), method="wilson")
    out["seg_top"] = (
        pd.DataFrame(lo, index=ksum.index, columns=ksum.columns),
        pd.DataFrame(hi, index=ksum.index, columns=ksum.columns),
    )
    r = cur["recommend"].dropna()
    code = np.select([r >= 9, r <= 6], [1.0, -1.0], 0.0)
    p, d = np.mean(code == 1), np.mean(code == -1)
    n = len(r)
    n2 = n + 3
    pa, da = (p * n + 0.75) / n2, (d * n + 0.75) / n2
    se_a = np.sqrt((pa + da - (pa - da) ** 2) / n2)
    out["nps"] = (100 * (p - d), 100 * (pa - da - z * se_a), 100 * (pa - da + z * se_a))
    seg_code = pd.Series(code, index=r.index).groupby(cur.loc[r.index, "segment"])
    out["seg_nps"] = seg_code.agg(lambda c: 100 * ((c == 1).mean() - (c == -1).mean()))
    e = cur["effort"].dropna()
    out["ces"] = (e.mean(), e.std() / np.sqrt(len(e)))
    out["ces_agree"] = proportion_confint(int((e >= 5).sum()), len(e), method="wilson")
    comp = cur[ITEMS].dropna()
    xi = comp.mean(axis=1)
    out["csi"] = (100 * (xi.mean() - 1) / 4, 100 * xi.std() / (np.sqrt(len(xi)) * 4))
    res = [stats.ttest_ind(cur[q], prev[q], equal_var=False, nan_policy="omit") for q in ITEMS]
    pv = np.array([t.pvalue for t in res])
    out["trend"] = (pv, multipletests(pv, method="holm")[1])
    both = cur[["q01", "recommend"]].dropna()
    out["loyalty"] = pd.crosstab(both["q01"] >= 4, both["recommend"] >= 9, normalize=True)
    return out


def check_agreement(a: dict, b: dict) -> None:
    assert abs(a["mean"][7].estimate - b["mean"][7][0]) < 1e-10
    assert abs(a["mean"][7].ci_low - b["mean"][7][1]) < 1e-9
    assert abs(a["top"][3].ci_high - b["top"][3][2]) < 1e-10
    sm = a["seg_mean"]
    row = sm[(sm["item"] == "q05") & (sm["segment"] == "segment 03")].iloc[0]
    assert abs(row["estimate"] - b["seg_mean"][0].loc["segment 03", "q05"]) < 1e-10
    st = a["seg_top"]
    row = st[(st["item"] == "q11") & (st["segment"] == "segment 07")].iloc[0]
    assert abs(row["ci_low"] - b["seg_top"][0].loc["segment 07", "q11"]) < 1e-10
    assert abs(a["nps"].ci_low - b["nps"][1]) < 1e-9
    assert np.allclose(a["seg_nps"]["estimate"].to_numpy(), b["seg_nps"].to_numpy())
    assert abs(a["csi"].estimate - b["csi"][0]) < 1e-9 and abs(a["csi"].se - b["csi"][1]) < 1e-9
    assert np.allclose(a["trend"]["p_value"], b["trend"][0], rtol=1e-6, atol=1e-300)
    assert abs(a["loyalty"].loc[0, "share"] - b["loyalty"].loc[True, True]) < 1e-12


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_mode_args(parser, "20,000 rows instead of 1,000,000")
    args = parse_mode_args(parser, argv)
    n = 20_000 if args.quick else 1_000_000
    repeats = 1 if args.quick else 3
    cur = make_wave(n, seed=1)
    prev = make_wave(n, seed=2, shift=0.02)
    print(f"data: {n:,} respondents × {K} items, {SEGMENTS} segments, plus a previous wave of the same size")
    csmlib_all(cur.iloc[:2000], prev.iloc[:2000])  # warm-up (imports, first calls)
    reference_all(cur.iloc[:2000], prev.iloc[:2000])
    t_ref, ref = best_time(lambda: reference_all(cur, prev), repeats)
    t_csm, res = best_time(lambda: csmlib_all(cur, prev), repeats)
    check_agreement(res, ref)
    t_w, _ = best_time(lambda: csmlib_all(cur, prev, weighted=True), repeats)
    ok = t_csm < 3.0
    print(f"  reference pandas/scipy/statsmodels   {t_ref:7.3f} s")
    print(
        f"  csmlib all indicators (unweighted)   {t_csm:7.3f} s   ratio csmlib/reference {t_csm / t_ref:.2f}×   (numbers agree)"
    )
    print(f"  csmlib all indicators (weighted)     {t_w:7.3f} s   (info; the reference has no weighted version)")
    print(f"  goal: all indicators < 3 s           {t_csm:.3f} s ({t_csm / 3:.2f}× budget)   {verdict(ok, args.quick)}")
    if args.quick:
        print(closing_line([ok], True))
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
