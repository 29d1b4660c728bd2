"""Key-driver figures: importance with intervals, importance–performance, penalty–reward."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from csmlib.report.plots import BAD, GOOD, NEUTRAL, PALETTE, finish, shape

QUADRANT_COLOURS = {
    "concentrate here": BAD,
    "keep up the good work": GOOD,
    "low priority": NEUTRAL,
    "possible overkill": "#d9822b",
}


def importance_chart(table: pd.DataFrame, *, title: str, xlabel: str):
    """Bars of normalised importance (%) with bootstrap CIs; ``table``: label, group, normalized, ci_low, ci_high (%)."""
    frame = table.sort_values("normalized", ascending=True)
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(frame) + 1.5))
    y = np.arange(len(frame))
    ax.barh(y, frame["normalized"], color=[PALETTE.get(g, NEUTRAL) for g in frame["group"]])
    ax.errorbar(
        frame["normalized"],
        y,
        xerr=[(frame["normalized"] - frame["ci_low"]).clip(lower=0), (frame["ci_high"] - frame["normalized"]).clip(lower=0)],
        fmt="none",
        ecolor="#333333",
        capsize=2,
        linewidth=1,
    )
    ax.set_yticks(y, [shape(t) for t in frame["label"]])
    return finish(fig, ax, title=title, xlabel=xlabel)


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
    """Importance–performance map: performance on x, importance on y, crosshair at the split values."""
    fig, ax = plt.subplots(figsize=(7.5, 6))
    ax.scatter(
        table["performance"], table["importance"], c=[QUADRANT_COLOURS.get(q, NEUTRAL) for q in table["quadrant"]], s=50, zorder=3
    )
    # label the points that matter (the most important and every "concentrate here"); the
    # low-importance cluster stays unlabelled rather than a pile of overlapping text
    labelled = set(table.nlargest(label_top, "importance").index) | set(table.index[table["quadrant"] == "concentrate here"])
    for idx, rec in zip(table.index, table.itertuples()):
        if idx in labelled:
            ax.annotate(
                shape(rec.label), (rec.performance, rec.importance), xytext=(5, 3), textcoords="offset points", fontsize=8
            )
    ax.axvline(crosshair[0], color="#999999", linewidth=1)
    ax.axhline(crosshair[1], color="#999999", linewidth=1)
    corners = {
        "concentrate here": (0.02, 0.98, "left", "top"),
        "keep up the good work": (0.98, 0.98, "right", "top"),
        "low priority": (0.02, 0.02, "left", "bottom"),
        "possible overkill": (0.98, 0.02, "right", "bottom"),
    }
    for quadrant, (x, y, ha, va) in corners.items():
        ax.text(
            x,
            y,
            shape(quadrant_names.get(quadrant, quadrant)),
            transform=ax.transAxes,
            ha=ha,
            va=va,
            color=QUADRANT_COLOURS[quadrant],
            fontsize=9,
            fontweight="bold",
        )
    return finish(fig, ax, title=title, xlabel=xlabel, ylabel=ylabel)


def penalty_reward_chart(table: pd.DataFrame, *, title: str, xlabel: str, class_names: dict[str, str]):
    """Penalty (left, negative) and reward (right) per characteristic, coloured by three-factor class."""
    colours = {"basic": BAD, "performance": "#1f5f8b", "excitement": GOOD, "low impact": "#c7c7c7"}
    frame = table.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(frame) + 1.6))
    y = np.arange(len(frame))
    col = [colours.get(c, NEUTRAL) for c in frame["factor_class"]]
    ax.barh(y, -frame["penalty"].abs(), color=col, alpha=0.6)
    ax.barh(y, frame["reward"].abs(), color=col)
    ax.axvline(0, color="#333333", linewidth=1)
    ax.set_yticks(y, [shape(t) for t in frame["label"]])
    ax.invert_yaxis()
    for cls, colour in colours.items():
        ax.barh([], [], color=colour, label=shape(class_names.get(cls, cls)))
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    return finish(fig, ax, title=title, xlabel=xlabel)
