"""Satisfaction figures: item scores with intervals, trends across waves, segments."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from csmlib.report.plots import BAD, GOOD, NEUTRAL, PALETTE, finish, has_rtl, lay_out, shape


def item_scores_chart(scores: pd.DataFrame, *, title: str, xlabel: str, scale: tuple[float, float]):
    """Horizontal dots with CI bars, coloured by ISO 10004 group.

    ``scores``: one row per item with ``label``, ``group``, ``estimate``, ``ci_low``, ``ci_high`` and
    optionally ``change`` (``"up"``/``"down"``/``""``: a significant change versus the previous wave).
    """
    frame = scores.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8, max(3.0, 0.3 * len(frame) + 1.2)))
    y = np.arange(len(frame))
    colours = [PALETTE.get(g, NEUTRAL) for g in frame["group"]]
    ax.errorbar(
        frame["estimate"],
        y,
        xerr=[frame["estimate"] - frame["ci_low"], frame["ci_high"] - frame["estimate"]],
        fmt="none",
        ecolor="#999999",
        elinewidth=1.5,
        capsize=2,
    )
    ax.scatter(frame["estimate"], y, c=colours, s=40, zorder=3)
    for yi, rec in zip(y, frame.itertuples()):
        change = getattr(rec, "change", "")
        if change in ("up", "down"):
            ax.annotate(
                "▲" if change == "up" else "▼",
                (rec.ci_high, yi),
                xytext=(6, -4),
                textcoords="offset points",
                color=GOOD if change == "up" else BAD,
                fontsize=10,
            )
    ax.set_yticks(y, [shape(t) for t in frame["label"]])
    ax.set_xlim(scale[0], scale[1])
    ax.invert_yaxis()
    for group, colour in PALETTE.items():
        if group in set(frame["group"]):
            ax.scatter([], [], c=colour, label=shape(group))
    ax.legend(loc="lower left", fontsize=8, frameon=False)
    return finish(fig, ax, title=title, xlabel=xlabel)


def trend_chart(
    trend: pd.DataFrame, *, title: str, panels: dict[str, str], targets: dict[str, float] | None = None, wave_label: str = "Wave"
):
    """One small panel per metric: estimate and CI across waves, target as a dashed line.

    ``trend``: columns ``wave``, ``metric``, ``estimate``, ``ci_low``, ``ci_high``; ``panels`` maps a
    metric to its panel title (with unit).
    """
    metrics = [m for m in panels if m in set(trend["metric"])]
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.2 * len(metrics), 3.2), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        part = trend[trend["metric"] == metric]
        x = np.arange(len(part))
        ax.fill_between(x, part["ci_low"], part["ci_high"], color="#9fbfd6", alpha=0.5, linewidth=0)
        ax.plot(x, part["estimate"], marker="o", color="#1f5f8b")
        if targets and metric in targets and targets[metric] is not None:
            ax.axhline(targets[metric], color=BAD, linestyle="--", linewidth=1)
        ax.set_xticks(x, list(part["wave"]), rotation=30, fontsize=8)
        ax.set_title(shape(panels[metric]), fontsize=10)
        ax.set_xlabel(shape(wave_label), fontsize=8)
    fig.suptitle(shape(title), fontweight="bold")
    return lay_out(fig, persian=has_rtl(title))


def segment_chart(table: pd.DataFrame, *, title: str, xlabel: str):
    """Estimate with CI per segment level; suppressed cells are listed, not drawn."""
    shown = table[~table["suppressed"]].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7, max(2.5, 0.35 * len(shown) + 1.2)))
    y = np.arange(len(shown))
    ax.errorbar(
        shown["estimate"],
        y,
        xerr=[shown["estimate"] - shown["ci_low"], shown["ci_high"] - shown["estimate"]],
        fmt="o",
        color="#1f5f8b",
        ecolor="#999999",
        capsize=2,
    )
    ax.set_yticks(y, [shape(str(s)) for s in shown["segment"]])
    ax.invert_yaxis()
    return finish(fig, ax, title=title, xlabel=xlabel)


def shares_chart(shares: pd.Series, *, title: str, xlabel: str, colours: dict[str, str] | None = None):
    """Horizontal bars of shares in % (e.g. loyalty segments)."""
    fig, ax = plt.subplots(figsize=(7, max(2.5, 0.4 * len(shares) + 1)))
    colour = [(colours or {}).get(k, "#1f5f8b") for k in shares.index]
    ax.barh([shape(str(k)) for k in shares.index], shares.to_numpy(), color=colour)
    for i, v in enumerate(shares.to_numpy()):
        ax.text(v, i, f" {v:.1f}", va="center", fontsize=8)
    ax.invert_yaxis()
    return finish(fig, ax, title=title, xlabel=xlabel)
