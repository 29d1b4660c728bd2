"""Complaints figures: Pareto chart, time to close, volume across waves."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from csmlib.report import plots


def pareto_chart(table: pd.DataFrame, *, title: str, ylabel: str, cumulative_label: str):
    """Bars of counts (descending) with the cumulative share line; ``table``: label, count, cumulative_share (0–1).

    The "vital few" (``vital_few``, if given) are dark, the others light: told apart by lightness, not hue.
    """
    fig, ax = plt.subplots(figsize=(8, 4.2))
    x = np.arange(len(table))
    vital = list(table["vital_few"].astype(bool)) if "vital_few" in table else [True] * len(table)
    ax.bar(x, table["count"], color=[plots.GOOD if v else plots.LIGHT for v in vital])
    ax.set_xticks(x, [plots.shape(t) for t in table["label"]], rotation=35, ha="right", fontsize=8)
    plots.count_axis(ax.yaxis)
    twin = ax.twinx()
    twin.plot(x, table["cumulative_share"] * 100, color=plots.BAD, marker="o")
    twin.axhline(80, color=plots.BAD, linestyle=":", linewidth=1)
    twin.set_ylim(0, 105)
    twin.set_ylabel(plots.shape(cumulative_label))
    twin.grid(False)
    plots.finish(fig, ax, title=title, ylabel=ylabel)
    fa = plots.has_rtl(title)
    message = ""
    if len(table):
        few = [f"{label} ({count})" for label, count, v in zip(table["label"], table["count"], vital) if v]
        total = int(table["count"].sum())
        message = (
            f"{len(few)} دسته از {len(table)} دسته ۸۰ ٪ شکایات را می‌سازند: {plots.listing(few, fa)}؛ مجموع {total} شکایت."
            if fa
            else f"{len(few)} of {len(table)} categories account for 80 % of the complaints: {plots.listing(few)}; {total} complaints in all."
        )
    return plots.describe(fig, message, title=title)


def duration_chart(days: pd.Series, *, target: float | None, title: str, xlabel: str, ylabel: str):
    """Histogram of time to close (days), target as a dashed line."""
    fig, ax = plt.subplots(figsize=(7, 3.5))
    values = days.dropna().to_numpy(dtype=float)
    ax.hist(values, bins=min(40, max(5, int(np.sqrt(len(values))) if len(values) else 5)), color=plots.GOOD)
    plots.count_axis(ax.yaxis)
    if target is not None:
        ax.axvline(target, color=plots.BAD, linestyle="--")
    plots.finish(fig, ax, title=title, xlabel=xlabel, ylabel=ylabel)
    fa = plots.has_rtl(title)
    message = ""
    if len(values):
        median = float(np.median(values))
        message = (
            f"میانه {median:.1f} روز در {len(values)} شکایت بسته‌شده"
            if fa
            else f"Median {median:.1f} days over {len(values)} closed complaints"
        )
        if target is not None:
            within = float(np.mean(values <= target)) * 100
            message += f"؛ {within:.0f} % در هدف {target:g} روز" if fa else f"; {within:.0f} % within the {target:g}-day target"
        message += "."
    return plots.describe(fig, message, title=title)


def volume_trend_chart(table: pd.DataFrame, *, title: str, ylabel: str, highlight: list[str] | None = None):
    """Complaints per wave and category (``table``: index wave, one column per category label).

    Each category has its own colour and marker; highlighted ones are drawn bold.
    """
    fig, ax = plt.subplots(figsize=(8.5, 4))
    for i, col in enumerate(table.columns):
        bold = highlight is not None and col in highlight
        ax.plot(
            table.index,
            table[col],
            marker=plots.SERIES_MARKERS[i % len(plots.SERIES_MARKERS)],
            color=plots.SERIES_COLOURS[i % len(plots.SERIES_COLOURS)],
            linewidth=2.5 if bold else 1,
            alpha=1 if bold else 0.7,
            label=plots.shape(col),
            clip_on=False,  # a zero count sits on the axis, its marker whole
        )
    plots.count_axis(ax.yaxis)
    ax.set_ylim(bottom=0)
    plots.legend_outside(ax)
    plots.finish(fig, ax, title=title, ylabel=ylabel)
    fa = plots.has_rtl(title)
    message = ""
    if len(table):
        last = table.iloc[-1].sort_values(ascending=False)
        top = [f"{k} ({int(v)})" for k, v in last.items() if v > 0][:3]
        message = (
            f"دوره {table.index[-1]}: {int(last.sum())} شکایت؛ بیشترین: {plots.listing(top, fa)}."
            if fa
            else f"{table.index[-1]}: {int(last.sum())} complaints; most in {plots.listing(top)}."
        )
        if highlight:
            message += f" جهش: {plots.listing(highlight, fa)}." if fa else f" Spike: {plots.listing(highlight)}."
    return plots.describe(fig, message, title=title)
