"""Complaints figures: Pareto chart, time to close, volume across waves."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from csmlib.report.plots import BAD, finish, shape


def pareto_chart(table: pd.DataFrame, *, title: str, ylabel: str, cumulative_label: str):
    """Bars of counts (descending) with the cumulative share line; ``table``: label, count, cumulative_share (0–1)."""
    fig, ax = plt.subplots(figsize=(8, 4.2))
    x = np.arange(len(table))
    ax.bar(x, table["count"], color=["#1f5f8b" if v else "#9fbfd6" for v in table.get("vital_few", [True] * len(table))])
    ax.set_xticks(x, [shape(t) for t in table["label"]], rotation=35, ha="right", fontsize=8)
    twin = ax.twinx()
    twin.plot(x, table["cumulative_share"] * 100, color=BAD, marker="o")
    twin.axhline(80, color=BAD, linestyle=":", linewidth=1)
    twin.set_ylim(0, 105)
    twin.set_ylabel(shape(cumulative_label))
    twin.grid(False)
    return finish(fig, ax, title=title, ylabel=ylabel)


def duration_chart(days: pd.Series, *, target: float | None, title: str, xlabel: str, ylabel: str):
    """Histogram of time to close (days), target as a dashed line."""
    fig, ax = plt.subplots(figsize=(7, 3.5))
    values = days.dropna().to_numpy(dtype=float)
    ax.hist(values, bins=min(40, max(5, int(np.sqrt(len(values))) if len(values) else 5)), color="#1f5f8b")
    if target is not None:
        ax.axvline(target, color=BAD, linestyle="--")
    return finish(fig, ax, title=title, xlabel=xlabel, ylabel=ylabel)


def volume_trend_chart(table: pd.DataFrame, *, title: str, ylabel: str, highlight: list[str] | None = None):
    """Complaints per wave and category (``table``: index wave, one column per category label)."""
    fig, ax = plt.subplots(figsize=(8, 4))
    for col in table.columns:
        bold = highlight is not None and col in highlight
        ax.plot(table.index, table[col], marker="o", linewidth=2.5 if bold else 1, alpha=1 if bold else 0.6, label=shape(col))
    ax.legend(frameon=False, fontsize=7, ncol=2)
    return finish(fig, ax, title=title, ylabel=ylabel)
