"""The headline indicators of a wave, composed from :mod:`csmlib.indicators` and the codebook.

One place decides which indicator is computed from which outcome, so that the satisfaction
report, the executive summary and the reports index show the same numbers:

=============  ======================================================================
metric         definition
=============  ======================================================================
overall_mean   mean of the overall-satisfaction outcome (its own scale)
csat           100 × top-box share of the overall outcome: the top 2 boxes on a scale of
               up to 7 points, the top 3 (8–10) on a 10/11-point scale (indicators.md §2)
nps            Net Promoter Score of the recommend outcome (0–10), adjusted-Wald CI
ces_mean       mean of the effort outcome (CES 2.0, 1–7 agreement, higher = easier)
csi            0–100 satisfaction index of all rating items, equal weights (ACSI rescaling)
=============  ======================================================================

:data:`METRICS` and :data:`LABELS` are also read by the batch's reports index, which has no
need of the statistics stack: :mod:`csmlib.indicators` (and scipy) is imported by the
functions that compute.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from csmlib.codebook import Codebook, Scale

METRICS = ("overall_mean", "csat", "nps", "ces_mean", "csi")
# competitor/benchmark keys accepted in the codebook for each metric
COMPETITOR_KEYS = {"overall_mean": ("overall_mean", "overall"), "csat": ("csat",), "nps": ("nps",),
                   "ces_mean": ("ces_mean", "ces"), "csi": ("csi",)}
LABELS = {
    "en": {"overall_mean": "Overall satisfaction (mean)", "csat": "CSAT (% satisfied)", "nps": "Net Promoter Score",
           "ces_mean": "Customer effort (CES, mean)", "csi": "Satisfaction index (0–100)"},
    "fa": {"overall_mean": "رضایت کلی (میانگین)", "csat": "CSAT (درصد راضی)", "nps": "خالص امتیاز ترویج‌کنندگان (NPS)",
           "ces_mean": "سهولت تعامل (CES، میانگین)", "csi": "شاخص رضایت (۰ تا ۱۰۰)"},
}


def csat_boxes(scale: Scale) -> int:
    """Number of top boxes counted as "satisfied" on a scale."""
    points = int(scale.max - scale.min + 1)
    return 2 if points <= 7 else 3


def _row(metric: str, result, unit: str, scale_factor: float = 1.0) -> dict:
    return {"metric": metric, "estimate": result.estimate * scale_factor, "se": result.se * scale_factor,
            "ci_low": result.ci_low * scale_factor, "ci_high": result.ci_high * scale_factor,
            "n": int(result.n), "n_eff": float(result.n_eff), "unit": unit}


def headline(data: pd.DataFrame, codebook: Codebook, item_ids: list[str], *, weights=None,
             level: float = 0.95) -> pd.DataFrame:
    """Tidy table of the headline indicators available in ``data`` (see the module docstring)."""
    from csmlib import indicators as ind
    rows = []
    outcomes = codebook.outcomes
    if "overall" in outcomes and "overall" in data and data["overall"].notna().any():
        scale = codebook.scales[outcomes["overall"].scale]
        rows.append(_row("overall_mean", ind.mean_score(data["overall"], weights=weights, level=level),
                         f"{scale.min:g}–{scale.max:g}"))
        rows.append(_row("csat", ind.top_box(data["overall"], scale_max=scale.max, boxes=csat_boxes(scale),
                                             weights=weights, level=level), "%", 100.0))
    if "recommend" in outcomes and "recommend" in data and data["recommend"].notna().any():
        rows.append(_row("nps", ind.nps(data["recommend"], weights=weights, level=level), "points"))
    if "effort" in outcomes and "effort" in data and data["effort"].notna().any():
        scale = codebook.scales[outcomes["effort"].scale]
        rows.append(_row("ces_mean", ind.ces(data["effort"], scale=(scale.min, scale.max), weights=weights,
                                             level=level), f"{scale.min:g}–{scale.max:g}"))
    if item_ids:
        ranges = {(codebook.scales[codebook.item(i).scale].min, codebook.scales[codebook.item(i).scale].max)
                  for i in item_ids}
        if len(ranges) == 1:
            low, high = next(iter(ranges))
            rows.append(_row("csi", ind.csi(data, item_ids, importance="equal", scale=(low, high),
                                            weights=weights, level=level), "0–100"))
    return pd.DataFrame(rows).set_index("metric")


def compare_headline(current: pd.DataFrame, previous: pd.DataFrame, codebook: Codebook, *,
                     weights_current=None, weights_previous=None, level: float = 0.95) -> pd.DataFrame:
    """Change of each headline indicator versus another wave: difference, CI, test, p-value."""
    from csmlib import indicators as ind
    rows = []
    tests = []
    if "overall" in current and "overall" in previous:
        scale = codebook.scales[codebook.outcomes["overall"].scale]
        tests.append(("overall_mean", "overall", dict(metric="mean"), 1.0))
        tests.append(("csat", "overall", dict(metric="top_box", scale_max=scale.max, boxes=csat_boxes(scale)), 100.0))
    if "recommend" in current and "recommend" in previous:
        tests.append(("nps", "recommend", dict(metric="nps"), 1.0))
    if "effort" in current and "effort" in previous:
        tests.append(("ces_mean", "effort", dict(metric="mean"), 1.0))
    for metric, column, options, factor in tests:
        res = ind.compare(current[column], previous[column], weights_a=weights_current, weights_b=weights_previous,
                          level=level, **options)
        rows.append({"metric": metric, "difference": res.difference * factor, "ci_low": res.ci_low * factor,
                     "ci_high": res.ci_high * factor, "statistic": res.statistic, "p_value": res.p_value,
                     "test": res.test})
    frame = pd.DataFrame(rows, columns=["metric", "difference", "ci_low", "ci_high", "statistic", "p_value", "test"])
    return frame.set_index("metric")


def target_status(estimates: pd.Series, targets: dict[str, float]) -> pd.DataFrame:
    """Target met or missed per metric (``targets`` keys are metric names)."""
    rows = []
    for metric, target in targets.items():
        if metric in estimates.index and target is not None and not math.isnan(float(estimates[metric])):
            rows.append({"metric": metric, "target": float(target), "estimate": float(estimates[metric]),
                         "met": bool(estimates[metric] >= target)})
    return pd.DataFrame(rows, columns=["metric", "target", "estimate", "met"]).set_index("metric")


def competitor_gaps(estimates: pd.DataFrame, competitors: dict[str, dict[str, float]]) -> pd.DataFrame:
    """Our estimate (with CI) against each competitor/benchmark value the codebook declares.

    A benchmark is a published figure without its own sampling error, so the comparison is a
    one-sample one: the gap is significant when the benchmark lies outside our interval.
    """
    rows = []
    for metric, keys in COMPETITOR_KEYS.items():
        if metric not in estimates.index:
            continue
        for key in keys:
            for name, value in competitors.get(key, {}).items():
                est = estimates.loc[metric]
                rows.append({"metric": metric, "benchmark": name, "value": float(value),
                             "ours": float(est["estimate"]), "gap": float(est["estimate"] - value),
                             "significant": bool(value < est["ci_low"] or value > est["ci_high"])})
    return pd.DataFrame(rows, columns=["metric", "benchmark", "value", "ours", "gap", "significant"])


def trend_table(history: dict[str, dict], current_wave: str, current: pd.DataFrame) -> pd.DataFrame:
    """Headline indicators across waves from the saved results (``02_satisfaction`` JSON) plus this wave."""
    rows = []
    for wave, saved in history.items():
        for rec in saved.get("headline", []):
            rows.append({"wave": wave, **{k: rec.get(k) for k in ("metric", "estimate", "ci_low", "ci_high")}})
    for metric, rec in current.iterrows():
        rows.append({"wave": current_wave, "metric": metric, "estimate": rec["estimate"],
                     "ci_low": rec["ci_low"], "ci_high": rec["ci_high"]})
    out = pd.DataFrame(rows, columns=["wave", "metric", "estimate", "ci_low", "ci_high"])
    for col in ("estimate", "ci_low", "ci_high"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    return out


def arrow(change_row, *, alpha: float = 0.05) -> str:
    """▲/▼ for a significant change, → otherwise."""
    if change_row is None or not np.isfinite(change_row["p_value"]) or change_row["p_value"] >= alpha:
        return "→"
    return "▲" if change_row["difference"] > 0 else "▼"


def item_scores(data: pd.DataFrame, codebook: Codebook, item_ids: list[str], *, weights=None,
                level: float = 0.95) -> pd.DataFrame:
    """Mean score with CI and n per rating item, with its ISO 10004 group."""
    from csmlib import indicators as ind
    rows = []
    for item_id in item_ids:
        res = ind.mean_score(data[item_id], weights=weights, level=level)
        rows.append({"item": item_id, "group": codebook.item(item_id).group, "estimate": res.estimate,
                     "ci_low": res.ci_low, "ci_high": res.ci_high, "n": int(res.n)})
    return pd.DataFrame(rows).set_index("item")


def group_scores(data: pd.DataFrame, codebook: Codebook, item_ids: list[str], *, weights=None,
                 level: float = 0.95) -> pd.DataFrame:
    """Per ISO 10004 group: mean of the respondent's group score (mean of the items answered)."""
    from csmlib import indicators as ind
    rows = []
    for group in dict.fromkeys(codebook.item(i).group for i in item_ids):
        members = [i for i in item_ids if codebook.item(i).group == group]
        score = data[members].mean(axis=1, skipna=True)
        res = ind.mean_score(score, weights=weights, level=level)
        rows.append({"group": group, "items": len(members), "estimate": res.estimate, "ci_low": res.ci_low,
                     "ci_high": res.ci_high, "n": int(res.n)})
    return pd.DataFrame(rows).set_index("group")
