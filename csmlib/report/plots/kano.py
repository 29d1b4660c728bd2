"""Kano figures: Better–Worse diagram, category shares, functional–dysfunctional plot."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from csmlib.report.plots import finish, shape

CATEGORY_COLOURS = {"A": "#3c8d5a", "O": "#1f5f8b", "M": "#b42318", "I": "#9e9e9e", "R": "#7b3294", "Q": "#d9822b"}


def better_worse_chart(
    summary: pd.DataFrame, labels: dict[str, str], *, title: str, quadrant_names: dict[str, str], xlabel: str, ylabel: str
):
    """|Worse| on x, Better on y, quadrants split at 0.5 (Berger et al. 1993).

    ``summary``: indexed by attribute with ``better``, ``worse`` (≤ 0) and ``category``;
    ``quadrant_names``: texts for the keys ``A``, ``O``, ``M``, ``I``.
    """
    fig, ax = plt.subplots(figsize=(7, 6))
    x, y = summary["worse"].abs(), summary["better"]
    ax.scatter(x, y, c=[CATEGORY_COLOURS.get(c, "#333333") for c in summary["category"]], s=60, zorder=3)
    for attr, xi, yi in zip(summary.index, x, y):
        if np.isfinite(xi) and np.isfinite(yi):
            ax.annotate(shape(labels.get(attr, attr)), (xi, yi), xytext=(5, 4), textcoords="offset points", fontsize=8)
    ax.axhline(0.5, color="#999999", linewidth=1)
    ax.axvline(0.5, color="#999999", linewidth=1)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    for key, (qx, qy) in {"A": (0.25, 0.97), "O": (0.75, 0.97), "I": (0.25, 0.03), "M": (0.75, 0.03)}.items():
        ax.text(
            qx,
            qy,
            shape(quadrant_names[key]),
            ha="center",
            va="top" if qy > 0.5 else "bottom",
            color=CATEGORY_COLOURS[key],
            fontsize=9,
            fontweight="bold",
        )
    return finish(fig, ax, title=title, xlabel=xlabel, ylabel=ylabel)


def category_bars(counts: pd.DataFrame, labels: dict[str, str], *, title: str, xlabel: str, names: dict[str, str]):
    """Stacked horizontal bars of the category shares (%) per attribute."""
    cats = [c for c in ("M", "O", "A", "I", "R", "Q") if c in counts.columns]
    shares = counts[cats].div(counts[cats].sum(axis=1), axis=0) * 100
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(shares) + 1.6))
    left = np.zeros(len(shares))
    ypos = np.arange(len(shares))
    for cat in cats:
        ax.barh(ypos, shares[cat].to_numpy(), left=left, color=CATEGORY_COLOURS[cat], label=shape(names.get(cat, cat)))
        left += shares[cat].to_numpy()
    ax.set_yticks(ypos, [shape(labels.get(a, a)) for a in shares.index])
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.legend(ncol=len(cats), loc="upper center", bbox_to_anchor=(0.5, -0.18), fontsize=8, frameon=False)
    return finish(fig, ax, title=title, xlabel=xlabel)


def continuous_chart(table: pd.DataFrame, labels: dict[str, str], *, title: str, xlabel: str, ylabel: str):
    """Mean dysfunctional (x) against functional (y) score; point size = stated importance."""
    fig, ax = plt.subplots(figsize=(7, 6))
    size = table["importance_mean"] * 25 if "importance_mean" in table and table["importance_mean"].notna().any() else 60
    ax.scatter(
        table["dysfunctional_mean"],
        table["functional_mean"],
        s=size,
        c=[CATEGORY_COLOURS.get(c, "#333333") for c in table["category"]],
        alpha=0.8,
        zorder=3,
    )
    for attr, rec in table.iterrows():
        ax.annotate(
            shape(labels.get(attr, attr)),
            (rec["dysfunctional_mean"], rec["functional_mean"]),
            xytext=(6, 4),
            textcoords="offset points",
            fontsize=8,
        )
    ax.axhline(0, color="#999999", linewidth=1)
    ax.axvline(0, color="#999999", linewidth=1)
    return finish(fig, ax, title=title, xlabel=xlabel, ylabel=ylabel)
