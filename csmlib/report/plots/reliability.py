"""Questionnaire-reliability figures: scree plot with parallel analysis, EFA loadings heat map."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from csmlib.report import plots


def scree_chart(
    observed,
    simulated,
    *,
    n_factors: int,
    title: str,
    xlabel: str,
    ylabel: str,
    labels=("data", "random data (parallel analysis)"),
):
    """Eigenvalues of the data against those of random data; the suggested number of factors marked.

    The two lines differ in colour, line style (solid, dashed) and marker.
    """
    observed, simulated = np.asarray(observed, float), np.asarray(simulated, float)
    x = np.arange(1, len(observed) + 1)
    fig, ax = plt.subplots(figsize=(7.5, 4))
    ax.plot(x, observed, marker="o", color=plots.GOOD, label=plots.shape(labels[0]))
    ax.plot(x, simulated, linestyle="--", marker="x", color=plots.BAD, label=plots.shape(labels[1]))
    ax.axvline(n_factors + 0.5, color="#999999", linewidth=1)
    ax.set_xticks(x)
    ax.legend(frameon=False, loc="upper right")
    plots.finish(fig, ax, title=title, xlabel=xlabel, ylabel=ylabel)
    fa = plots.has_rtl(title)
    above = int(np.sum(observed > simulated)) if len(observed) else 0
    message = (
        f"{n_factors} عامل پیشنهاد می‌شود؛ {above} مقدار ویژه داده بالاتر از داده تصادفی است."
        if fa
        else f"{n_factors} factor(s) suggested: {above} eigenvalue(s) of the data lie above those of random data."
    )
    return plots.describe(fig, message, title=title)


def loadings_heatmap(loadings: pd.DataFrame, labels: dict[str, str], *, title: str, xlabel: str):
    """Rotated loadings, items × factors, |λ| < 0.3 greyed out by the colour scale; every value written in its cell."""
    frame = loadings.copy()
    frame.index = [plots.shape(labels.get(i, i)) for i in frame.index]
    fig, ax = plt.subplots(figsize=(1.4 * frame.shape[1] + 4, 0.32 * frame.shape[0] + 1.5))
    sns.heatmap(
        frame, annot=True, fmt=".2f", cmap="RdBu_r", vmin=-1, vmax=1, center=0, cbar=False, ax=ax, annot_kws={"fontsize": 8}
    )
    ax.grid(False)
    plots.finish(fig, ax, title=title, xlabel=xlabel)
    fa = plots.has_rtl(title)
    parts = []
    if loadings.size:
        strongest = loadings.abs().idxmax(axis=1)
        for factor in loadings.columns:
            members = [labels.get(i, i) for i in strongest.index[strongest == factor]]
            if members:
                parts.append(f"{factor}: {plots.listing(members, fa)}")
    prefix = "هر گویه در عامل با بیشترین بار: " if fa else "Items by the factor they load on most — "
    return plots.describe(fig, prefix + plots.clauses(parts, fa) + "." if parts else "", title=title)


def alpha_trend_chart(table: pd.DataFrame, *, threshold: float, title: str, ylabel: str):
    """α per dimension across waves (``wave``, ``dimension``, ``alpha``); the axis spans at least 0.3 and shows the threshold."""
    fig, ax = plt.subplots(figsize=(7.5, 3.5))
    moves = []
    for i, (dimension, part) in enumerate(table.groupby("dimension", sort=False)):
        ax.plot(
            part["wave"],
            part["alpha"],
            marker=plots.SERIES_MARKERS[i % len(plots.SERIES_MARKERS)],
            color=plots.SERIES_COLOURS[i % len(plots.SERIES_COLOURS)],
            label=plots.shape(str(dimension)),
        )
        if len(part):
            moves.append(f"{dimension} {part['alpha'].iloc[-1]:.2f}")
    ax.axhline(threshold, color=plots.BAD, linestyle="--", linewidth=1)
    low = min(float(np.nanmin(table["alpha"])) if len(table) else threshold, threshold) - 0.05
    ax.set_ylim(min(low, 0.7), 1.0)
    plots.legend_outside(ax)
    plots.finish(fig, ax, title=title, ylabel=ylabel)
    fa = plots.has_rtl(title)
    below = sorted({str(d) for d, a in zip(table["dimension"], table["alpha"]) if a < threshold})
    last_wave = table["wave"].iloc[-1] if len(table) else ""
    message = (f"آخرین دوره ({last_wave}): " if fa else f"Latest wave ({last_wave}): ") + plots.listing(moves, fa, limit=10) + "."
    if below:
        message += (
            f" زیر {threshold:g} در دست‌کم یک دوره: {plots.listing(below, fa)}."
            if fa
            else f" Below {threshold:g} in some wave: {plots.listing(below)}."
        )
    return plots.describe(fig, message, title=title)
