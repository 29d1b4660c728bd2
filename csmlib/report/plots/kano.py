"""Kano figures: Better–Worse diagram, category shares, functional–dysfunctional plot.

Categories are told apart by colour (Okabe–Ito) and by a second cue: the marker shape in the
scatter plots, the hatching in the stacked bars.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from csmlib.report import plots
from csmlib.report.plots.labels import PointLabels

CATEGORY_COLOURS = {
    "A": plots.OKABE_ITO["bluish green"],
    "O": plots.OKABE_ITO["blue"],
    "M": plots.OKABE_ITO["vermillion"],
    "I": plots.LIGHT,
    "R": plots.OKABE_ITO["reddish purple"],
    "Q": plots.OKABE_ITO["orange"],
}
# must-be points down (dissatisfies when absent), attractive up (delights when present)
CATEGORY_MARKERS = {"A": "^", "O": "o", "M": "v", "I": "s", "R": "X", "Q": "P"}
CATEGORY_HATCHES = {"A": "...", "O": "", "M": "///", "I": "", "R": "xx", "Q": "\\\\\\"}
CATEGORY_ORDER = ("M", "O", "A", "I", "R", "Q")
# the category names when a chart is not given them (the notebooks' own words)
CATEGORY_NAMES = {
    "en": {"A": "attractive", "O": "one-dimensional", "M": "must-be", "I": "indifferent", "R": "reverse", "Q": "questionable"},
    "fa": {"A": "جذاب", "O": "تک‌بعدی", "M": "بایستی", "I": "بی‌تفاوت", "R": "معکوس", "Q": "مشکوک"},
}


def _scatter_by_category(ax, x, y, categories, names: dict[str, str], **style):
    """One scatter per category (colour and marker), and legend handles for the categories present."""
    handles = []
    for cat in [c for c in CATEGORY_ORDER if c in set(categories)] + sorted(set(categories) - set(CATEGORY_ORDER)):
        mask = np.asarray([c == cat for c in categories])
        size = style["s"][mask] if isinstance(style.get("s"), np.ndarray) else style.get("s", 60)
        colour, marker = CATEGORY_COLOURS.get(cat, "#333333"), CATEGORY_MARKERS.get(cat, "o")
        ax.scatter(
            np.asarray(x)[mask],
            np.asarray(y)[mask],
            s=size,
            color=colour,
            marker=marker,
            alpha=style.get("alpha", 1.0),
            zorder=3,
            edgecolor="#333333",
            linewidth=0.5,
        )
        handles.append(
            Line2D(
                [],
                [],
                linestyle="",
                marker=marker,
                color=colour,
                markeredgecolor="#333333",
                label=plots.shape(names.get(cat, cat)),
            )
        )
    return handles


def _by_category(categories: pd.Series, labels: dict[str, str], names: dict[str, str], fa: bool, start: bool = False) -> str:
    """ "must-be: A, B; attractive: C" in the order of the categories (``start``: capitalised, a sentence of its own)."""
    parts = []
    for cat in [c for c in CATEGORY_ORDER if c in set(categories)] + sorted(set(categories) - set(CATEGORY_ORDER)):
        members = [labels.get(a, a) for a in categories.index[categories == cat]]
        parts.append(f"{names.get(cat, cat)}: {plots.listing(members, fa)}")
    text = plots.clauses(parts, fa) + "."
    return text[:1].upper() + text[1:] if start else text


def _scatter_message(leaders, categories: pd.Series, labels: dict[str, str], names: dict[str, str], fa: bool) -> str:
    """The message of a Kano scatter: the attribute scoring highest on each axis, then the attributes
    of each category. ``leaders``: per axis (scores, prefix of the value, English, Persian wording)."""
    tops = [
        f"{fa_text if fa else en_text}: {plots.extreme(scores, labels, prefix=prefix)}"
        for scores, prefix, en_text, fa_text in leaders
    ]
    return plots.clauses(tops, fa) + ". " + _by_category(categories, labels, names, fa, start=True)


def better_worse_chart(
    summary: pd.DataFrame, labels: dict[str, str], *, title: str, quadrant_names: dict[str, str], xlabel: str, ylabel: str
):
    """|Worse| on x, Better on y, quadrants split at 0.5 (Berger et al. 1993).

    ``summary``: indexed by attribute with ``better``, ``worse`` (≤ 0) and ``category``;
    ``quadrant_names``: texts for the keys ``A``, ``O``, ``M``, ``I`` (and ``R``, ``Q`` if shown).
    """
    fig, ax = plt.subplots(figsize=(7.5, 6))
    x, y = summary["worse"].abs(), summary["better"]
    handles = _scatter_by_category(ax, x, y, list(summary["category"]), quadrant_names, s=60)
    ax.axhline(0.5, color="#999999", linewidth=1)
    ax.axvline(0.5, color="#999999", linewidth=1)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    names = [
        ax.text(
            qx,
            qy,
            plots.shape(quadrant_names[key]),
            ha="center",
            va="top" if qy > 0.5 else "bottom",
            color="#555555",
            fontsize=9,
            fontweight="bold",
        )
        for key, (qx, qy) in {"A": (0.25, 0.97), "O": (0.75, 0.97), "I": (0.25, 0.03), "M": (0.75, 0.03)}.items()
    ]
    plots.legend_outside(ax, handles)
    labels_ = PointLabels(ax, points=(x, y), avoid=names)
    for attr, xi, yi in zip(summary.index, x, y):
        labels_.add(xi, yi, plots.shape(labels.get(attr, attr)))
    plots.finish(fig, ax, title=title, xlabel=xlabel, ylabel=ylabel, labels=labels_)
    leaders = [
        (x, "|Worse| ", "Most dissatisfying if absent", "بیشترین نارضایتی در نبود"),
        (y, "Better ", "most satisfying if present", "بیشترین رضایت در وجود"),
    ]
    shown = x.notna().any() and y.notna().any()
    message = _scatter_message(leaders, summary["category"], labels, quadrant_names, plots.has_rtl(title)) if shown else ""
    return plots.describe(fig, message, title=title)


def category_bars(counts: pd.DataFrame, labels: dict[str, str], *, title: str, xlabel: str, names: dict[str, str]):
    """Stacked horizontal bars of the category shares (%) per attribute, each share written in its segment when it fits."""
    cats = [c for c in CATEGORY_ORDER if c in counts.columns]
    shares = counts[cats].div(counts[cats].sum(axis=1), axis=0) * 100
    fig, ax = plt.subplots(figsize=(8.5, 0.45 * len(shares) + 1.6))
    left = np.zeros(len(shares))
    ypos = np.arange(len(shares))
    for cat in cats:
        values = shares[cat].to_numpy()
        ax.barh(
            ypos,
            values,
            left=left,
            color=CATEGORY_COLOURS[cat],
            hatch=CATEGORY_HATCHES[cat],
            edgecolor="white",
            linewidth=0.5,
            label=plots.shape(names.get(cat, cat)),
        )
        dark = cat in ("O", "M", "R")
        for yi, start, value in zip(ypos, left, values):
            if value >= 8:
                ax.text(
                    start + value / 2,
                    yi,
                    f"{value:.0f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if dark else "black",
                    bbox={"boxstyle": "square,pad=0.1", "facecolor": CATEGORY_COLOURS[cat], "linewidth": 0},
                )
        left += values
    ax.set_yticks(ypos, [plots.shape(labels.get(a, a)) for a in shares.index])
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.grid(False, axis="y")
    plots.legend_outside(ax)
    fa = plots.has_rtl(title)
    leading = shares.idxmax(axis=1)
    with_share = {a: f"{labels.get(a, a)} ({shares.loc[a, cat]:.0f} %)" for a, cat in leading.items()}
    message = _by_category(leading, with_share, names, fa).rstrip(".")
    message = (
        (f"طبقه پرتکرار هر ویژگی — {message}." if fa else f"Most frequent category per attribute — {message}.")
        if len(shares)
        else ""
    )
    return plots.describe(plots.finish(fig, ax, title=title, xlabel=xlabel), message, title=title)


def continuous_chart(
    table: pd.DataFrame, labels: dict[str, str], *, title: str, xlabel: str, ylabel: str, names: dict[str, str] | None = None
):
    """Mean dysfunctional (x) against functional (y) score; point size = stated importance.

    ``names``: category names for the legend (default: :data:`CATEGORY_NAMES` in the title's language).
    """
    names = names or CATEGORY_NAMES["fa" if plots.has_rtl(title) else "en"]
    fig, ax = plt.subplots(figsize=(7.5, 6))
    has_size = "importance_mean" in table and table["importance_mean"].notna().any()
    size = (table["importance_mean"].fillna(table["importance_mean"].mean()) * 25).to_numpy(float) if has_size else 60
    handles = _scatter_by_category(
        ax, table["dysfunctional_mean"], table["functional_mean"], list(table["category"]), names, s=size, alpha=0.85
    )
    ax.axhline(0, color="#999999", linewidth=1)
    ax.axvline(0, color="#999999", linewidth=1)
    plots.legend_outside(ax, handles)
    labels_ = PointLabels(ax, points=(table["dysfunctional_mean"], table["functional_mean"]))
    for attr, rec in table.iterrows():
        labels_.add(rec["dysfunctional_mean"], rec["functional_mean"], plots.shape(labels.get(attr, attr)))
    plots.finish(fig, ax, title=title, xlabel=xlabel, ylabel=ylabel, labels=labels_)
    leaders = [
        (table["functional_mean"], "", "Highest functional score", "بیشترین امتیاز کارکردی"),
        (table["dysfunctional_mean"], "", "highest dysfunctional score", "بیشترین امتیاز ناکارکردی"),
    ]
    message = _scatter_message(leaders, table["category"], labels, names, plots.has_rtl(title)) if len(table) else ""
    return plots.describe(fig, message, title=title)
