"""Questionnaire-reliability figures: scree plot with parallel analysis, EFA loadings heat map."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from csmlib.report.plots import BAD, finish, shape


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
    """Eigenvalues of the data against those of random data; the suggested number of factors marked."""
    observed, simulated = np.asarray(observed, float), np.asarray(simulated, float)
    x = np.arange(1, len(observed) + 1)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(x, observed, marker="o", color="#1f5f8b", label=shape(labels[0]))
    ax.plot(x, simulated, linestyle="--", color=BAD, label=shape(labels[1]))
    ax.axvline(n_factors + 0.5, color="#999999", linewidth=1)
    ax.set_xticks(x)
    ax.legend(frameon=False)
    return finish(fig, ax, title=title, xlabel=xlabel, ylabel=ylabel)


def loadings_heatmap(loadings: pd.DataFrame, labels: dict[str, str], *, title: str, xlabel: str):
    """Rotated loadings, items × factors, |λ| < 0.3 greyed out by the colour scale."""
    frame = loadings.copy()
    frame.index = [shape(labels.get(i, i)) for i in frame.index]
    fig, ax = plt.subplots(figsize=(1.4 * frame.shape[1] + 4, 0.32 * frame.shape[0] + 1.5))
    sns.heatmap(
        frame, annot=True, fmt=".2f", cmap="RdBu_r", vmin=-1, vmax=1, center=0, cbar=False, ax=ax, annot_kws={"fontsize": 8}
    )
    ax.grid(False)
    return finish(fig, ax, title=title, xlabel=xlabel)


def alpha_trend_chart(table: pd.DataFrame, *, threshold: float, title: str, ylabel: str):
    """α per dimension across waves (``wave``, ``dimension``, ``alpha``)."""
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for dimension, part in table.groupby("dimension", sort=False):
        ax.plot(part["wave"], part["alpha"], marker="o", label=shape(str(dimension)))
    ax.axhline(threshold, color=BAD, linestyle="--", linewidth=1)
    ax.legend(frameon=False, fontsize=8)
    return finish(fig, ax, title=title, ylabel=ylabel)
