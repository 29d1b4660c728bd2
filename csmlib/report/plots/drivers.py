"""Key-driver figures: importance with intervals, importance–performance, penalty–reward."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from csmlib.report import plots
from csmlib.report.plots.labels import PointLabels

QUADRANT_COLOURS = {
    "concentrate here": plots.BAD,
    "keep up the good work": plots.GOOD,
    "low priority": plots.NEUTRAL,
    "possible overkill": plots.OKABE_ITO["orange"],
}
# the second cue besides the quadrant's colour (and its position across the crosshair)
QUADRANT_MARKERS = {"concentrate here": "o", "keep up the good work": "s", "low priority": "^", "possible overkill": "D"}
CLASS_COLOURS = {
    "basic": plots.BAD,
    "performance": plots.GOOD,
    "excitement": plots.OKABE_ITO["bluish green"],
    "low impact": plots.LIGHT,
}
CLASS_HATCHES = {"basic": "", "performance": "", "excitement": "...", "low impact": ""}


def importance_chart(table: pd.DataFrame, *, title: str, xlabel: str):
    """Bars of normalised importance (%) with bootstrap CIs; ``table``: label, group, normalized, ci_low, ci_high (%).

    Bars are coloured and hatched by ISO 10004 group, explained by a legend beside the plot.
    """
    frame = table.sort_values("normalized", ascending=True)
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(frame) + 1.5))
    y = np.arange(len(frame))
    groups = [g if g in plots.PALETTE else "other" for g in frame["group"]]
    ax.barh(
        y,
        frame["normalized"],
        color=[plots.PALETTE[g] for g in groups],
        hatch=[plots.GROUP_HATCHES[g] for g in groups],
        edgecolor="white",
        linewidth=0,
    )
    ax.errorbar(
        frame["normalized"],
        y,
        xerr=[(frame["normalized"] - frame["ci_low"]).clip(lower=0), (frame["ci_high"] - frame["normalized"]).clip(lower=0)],
        fmt="none",
        ecolor="#333333",
        capsize=2,
        linewidth=1,
    )
    ax.set_yticks(y, [plots.shape(t) for t in frame["label"]])
    ax.set_xlim(left=0)
    fa = plots.has_rtl(title)
    names = plots.GROUP_NAMES["fa" if fa else "en"]
    plots.legend_outside(
        ax,
        [
            Patch(facecolor=plots.PALETTE[g], hatch=plots.GROUP_HATCHES[g], edgecolor="white", label=plots.shape(names[g]))
            for g in plots.PALETTE
            if g in groups
        ],
    )
    ranked = frame.sort_values("normalized", ascending=False)
    top = [f"{label} ({value:.1f} %)" for label, value in zip(ranked["label"], ranked["normalized"])]
    message = (
        (
            f"بیشترین سهم: {top[0]}؛ سپس {plots.listing(top[1:3], fa)}؛ {len(frame)} ویژگی."
            if fa
            else f"{top[0]} explains most, then {' and '.join(top[1:3])}; {len(frame)} characteristics."
        )
        if top
        else ""
    )
    return plots.describe(plots.finish(fig, ax, title=title, xlabel=xlabel), message, title=title)


def _importance_text(value: float, as_share: bool) -> str:
    return f"{value * 100:.1f} %" if as_share else f"{value:.3g}"


def ipa_chart(
    table: pd.DataFrame,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    crosshair: tuple[float, float],
    quadrant_names: dict[str, str],
    label_top: int = 6,
):
    """Importance–performance map: performance on x, importance on y, crosshair at the split values.

    ``table``: label, performance, importance (a share, drawn in %), quadrant. Points are coloured and shaped by quadrant;
    every "concentrate here" point and the ``label_top`` most important are labelled, the labels
    kept apart from each other and from the quadrant names (:class:`PointLabels`).
    """
    fig, ax = plt.subplots(figsize=(7.5, 6))
    for quadrant, part in table.groupby("quadrant", sort=False):
        ax.scatter(
            part["performance"],
            part["importance"],
            color=QUADRANT_COLOURS.get(quadrant, plots.NEUTRAL),
            marker=QUADRANT_MARKERS.get(quadrant, "o"),
            s=50,
            zorder=3,
            edgecolor="white",
            linewidth=0.5,
        )
    ax.axvline(crosshair[0], color="#999999", linewidth=1)
    ax.axhline(crosshair[1], color="#999999", linewidth=1)
    corners = {
        "concentrate here": (0.02, 0.98, "left", "top"),
        "keep up the good work": (0.98, 0.98, "right", "top"),
        "low priority": (0.02, 0.02, "left", "bottom"),
        "possible overkill": (0.98, 0.02, "right", "bottom"),
    }
    names = [
        ax.text(
            x,
            y,
            plots.shape(quadrant_names.get(quadrant, quadrant)),
            transform=ax.transAxes,
            ha=ha,
            va=va,
            color=QUADRANT_COLOURS[quadrant],
            fontsize=9,
            fontweight="bold",
        )
        for quadrant, (x, y, ha, va) in corners.items()
    ]
    # room at the top and bottom for the quadrant names above and below the points
    low, high = ax.get_ylim()
    ax.set_ylim(low - 0.08 * (high - low), high + 0.08 * (high - low))
    labels = PointLabels(ax, points=(table["performance"], table["importance"]), avoid=names)
    concentrate = table[table["quadrant"] == "concentrate here"].sort_values("importance", ascending=False)
    others = table.drop(concentrate.index).nlargest(label_top, "importance")
    for rec in pd.concat([concentrate, others]).itertuples():
        labels.add(rec.performance, rec.importance, plots.shape(rec.label))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))  # shares in %, as in every other table and chart
    plots.finish(fig, ax, title=title, xlabel=xlabel, ylabel=ylabel, labels=labels)
    return plots.describe(fig, _ipa_message(table, quadrant_names, plots.has_rtl(title)), title=title)


def _ipa_message(table: pd.DataFrame, quadrant_names: dict[str, str], fa: bool) -> str:
    """Which characteristic to act on: lowest score, highest importance, the "concentrate here" list."""
    if not len(table):
        return ""
    as_share = bool(table["importance"].max() <= 1)
    worst, first = table["performance"].idxmin(), table["importance"].idxmax()
    perf, imp = table.loc[worst, "performance"], _importance_text(table.loc[first, "importance"], as_share)
    if worst == first:
        lead = (
            f"{table.loc[worst, 'label']}: کمترین امتیاز ({perf:.2f}) و بیشترین اهمیت ({imp})."
            if fa
            else f"{table.loc[worst, 'label']}: lowest score ({perf:.2f}) and highest importance ({imp})."
        )
    else:
        lead = (
            f"بیشترین اهمیت: {table.loc[first, 'label']} ({imp})؛ کمترین امتیاز: {table.loc[worst, 'label']} ({perf:.2f})."
            if fa
            else f"Highest importance: {table.loc[first, 'label']} ({imp}); lowest score: {table.loc[worst, 'label']} ({perf:.2f})."
        )
    parts = []
    for quadrant in ("concentrate here", "keep up the good work", "possible overkill", "low priority"):
        members = table[table["quadrant"] == quadrant].sort_values("importance", ascending=False)["label"]
        if len(members):
            parts.append(f"{quadrant_names.get(quadrant, quadrant)}: {plots.listing(members, fa, limit=4)}")
    rest = plots.clauses(parts, fa)
    return f"{lead} {rest[:1].upper()}{rest[1:]}."


def penalty_reward_chart(table: pd.DataFrame, *, title: str, xlabel: str, class_names: dict[str, str]):
    """Penalty (left, negative) and reward (right) per characteristic, coloured by three-factor class.

    The class is written at the end of each row — a key that needs no legend and does not depend on
    telling the colours apart.
    """
    frame = table.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8.5, 0.32 * len(frame) + 1.8))
    y = np.arange(len(frame))
    classes = list(frame["factor_class"])
    col = [CLASS_COLOURS.get(c, plots.NEUTRAL) for c in classes]
    hatch = [CLASS_HATCHES.get(c, "") for c in classes]
    ax.barh(y, -frame["penalty"].abs(), color=col, alpha=0.6, hatch=hatch, edgecolor="white", linewidth=0)
    ax.barh(y, frame["reward"].abs(), color=col, hatch=hatch, edgecolor="white", linewidth=0)
    ax.axvline(0, color="#333333", linewidth=1)
    ax.set_yticks(y, [plots.shape(t) for t in frame["label"]])
    ax.invert_yaxis()
    reach = float(np.nanmax(np.abs(frame[["penalty", "reward"]].to_numpy(float)))) if len(frame) else 1.0
    ax.set_xlim(-1.1 * reach, 1.1 * reach)
    # the class of each row, right of the plot: readable without telling the colours apart
    side = ax.get_yaxis_transform()
    for yi, cls in zip(y, classes):
        quiet = cls not in ("basic", "performance", "excitement")
        ax.text(
            1.01,
            yi,
            plots.shape(class_names.get(cls, cls)),
            transform=side,
            va="center",
            fontsize=8,
            color="#888888" if quiet else "#222222",
        )
    fa = plots.has_rtl(title)
    ax.text(0.01, 1.01, plots.shape("← جریمه" if fa else "← penalty"), transform=ax.transAxes, fontsize=8, color="#333333")
    ax.text(
        0.99, 1.01, plots.shape("پاداش →" if fa else "reward →"), transform=ax.transAxes, fontsize=8, ha="right", color="#333333"
    )
    plots.finish(fig, ax, title=title, xlabel=xlabel)
    return plots.describe(fig, _penalty_reward_message(frame, class_names, fa), title=title)


def _penalty_reward_message(frame: pd.DataFrame, class_names: dict[str, str], fa: bool) -> str:
    parts = []
    for cls in ("basic", "performance", "excitement"):
        members = frame.loc[frame["factor_class"] == cls, "label"]
        if len(members):
            parts.append(f"{class_names.get(cls, cls)}: {plots.listing(members, fa, limit=5)}")
    n_low = int((frame["factor_class"] == "low impact").sum())
    if n_low:
        parts.append(f"{class_names.get('low impact', 'low impact')}: {n_low}")
    if len(frame):
        pen_text = plots.extreme(frame["penalty"].abs(), frame["label"], prefix="−")
        rew_text = plots.extreme(frame["reward"].abs(), frame["label"], prefix="+")
        parts.append(
            f"بیشترین جریمه: {pen_text}، بیشترین پاداش: {rew_text}"
            if fa
            else f"largest penalty {pen_text}, largest reward {rew_text}"
        )
    return plots.clauses(parts, fa) + "."
