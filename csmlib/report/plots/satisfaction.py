"""Satisfaction figures: item scores with intervals, trends across waves, segments."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from csmlib.report import plots

# The least a trend panel's axis spans (in the metric's unit), and the metric's possible range: a
# change of half a point must not fill a panel as if it were a landslide.
TREND_MIN_SPAN = {"csat": 20.0, "csi": 20.0, "nps": 40.0, "overall_mean": 1.0, "ces_mean": 1.0}
TREND_LIMITS = {"csat": (0.0, 100.0), "csi": (0.0, 100.0), "nps": (-100.0, 100.0)}


def widen(limits: tuple[float, float], span: float, bounds: tuple[float, float] = (-np.inf, np.inf)) -> tuple[float, float]:
    """Axis limits around ``limits`` spanning at least ``span``, kept inside ``bounds`` where possible.

    >>> widen((72.0, 74.0), 20.0, (0.0, 100.0))
    (63.0, 83.0)
    >>> widen((95.0, 99.0), 20.0, (0.0, 100.0))
    (80.0, 100.0)
    """
    low, high = limits
    if high - low >= span:
        return float(low), float(high)
    centre = (low + high) / 2
    low, high = centre - span / 2, centre + span / 2
    if low < bounds[0]:
        low, high = bounds[0], bounds[0] + span
    if high > bounds[1]:
        low, high = max(bounds[0], bounds[1] - span), bounds[1]
    return float(low), float(high)


def item_scores_chart(scores: pd.DataFrame, *, title: str, xlabel: str, scale: tuple[float, float]):
    """Horizontal dots with CI bars, coloured and shaped by ISO 10004 group, on the whole answer scale.

    ``scores``: one row per item with ``label``, ``group``, ``estimate``, ``ci_low``, ``ci_high`` and
    optionally ``change`` (``"up"``/``"down"``/``""``: a significant change versus the previous wave).
    """
    frame = scores.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8.5, max(3.0, 0.3 * len(frame) + 1.2)))
    y = np.arange(len(frame))
    groups = [g if g in plots.PALETTE else "other" for g in frame["group"]]
    ax.errorbar(
        frame["estimate"],
        y,
        xerr=[frame["estimate"] - frame["ci_low"], frame["ci_high"] - frame["estimate"]],
        fmt="none",
        ecolor="#999999",
        elinewidth=1.5,
        capsize=2,
    )
    for group in plots.PALETTE:
        mask = np.asarray([g == group for g in groups])
        if mask.any():
            ax.scatter(
                frame["estimate"][mask], y[mask], color=plots.PALETTE[group], marker=plots.GROUP_MARKERS[group], s=40, zorder=3
            )
    for yi, rec in zip(y, frame.itertuples()):
        change = getattr(rec, "change", "")
        if change in ("up", "down"):
            ax.annotate(
                "▲" if change == "up" else "▼",
                (rec.ci_high, yi),
                xytext=(6, -4),
                textcoords="offset points",
                color=plots.GOOD if change == "up" else plots.BAD,
                fontsize=10,
            )
    ax.set_yticks(y, [plots.shape(t) for t in frame["label"]])
    ax.set_xlim(scale[0], scale[1])
    ax.invert_yaxis()
    fa = plots.has_rtl(title)
    names = plots.GROUP_NAMES["fa" if fa else "en"]
    handles = [
        Line2D([], [], linestyle="", marker=plots.GROUP_MARKERS[g], color=plots.PALETTE[g], label=plots.shape(names[g]))
        for g in plots.PALETTE
        if g in groups
    ]
    plots.legend_outside(ax, handles)
    plots.finish(fig, ax, title=title, xlabel=xlabel)
    return plots.describe(fig, _scores_message(frame, fa), title=title)


def _highest_lowest(estimates: pd.Series, names: pd.Series, fa: bool) -> str:
    """ "highest A (4.10), lowest B (3.20)": the clause naming the best and the worst row of a chart of
    estimates (:func:`describe` capitalises it when it opens the message).

    >>> _highest_lowest(pd.Series([4.1, 3.2]), pd.Series(["speed", "price"]), fa=False)
    'highest speed (4.10), lowest price (3.20)'
    """
    best, worst = plots.extreme(estimates, names), plots.extreme(estimates, names, lowest=True)
    return f"بالاترین: {best}، پایین‌ترین: {worst}" if fa else f"highest {best}, lowest {worst}"


def _scores_message(frame: pd.DataFrame, fa: bool) -> str:
    if not len(frame) or frame["estimate"].isna().all():
        return ""
    parts = [_highest_lowest(frame["estimate"], frame["label"], fa)]
    change = frame["change"] if "change" in frame else pd.Series("", index=frame.index)
    for direction, en, fa_word in (("up", "significantly up", "افزایش معنادار"), ("down", "significantly down", "کاهش معنادار")):
        moved = frame.loc[change == direction, "label"]
        if len(moved):
            parts.append(f"{fa_word if fa else en}: {plots.listing(moved, fa)}")
    return plots.clauses(parts, fa) + "."


def trend_chart(
    trend: pd.DataFrame, *, title: str, panels: dict[str, str], targets: dict[str, float] | None = None, wave_label: str = "Wave"
):
    """One small panel per metric: estimate and CI across waves, target as a dashed line.

    ``trend``: columns ``wave``, ``metric``, ``estimate``, ``ci_low``, ``ci_high``; ``panels`` maps a
    metric to its panel title (with unit). Each panel spans at least :data:`TREND_MIN_SPAN` of its
    metric, so that a small change looks small.
    """
    metrics = [m for m in panels if m in set(trend["metric"])]
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.2 * len(metrics), 3.2), squeeze=False)
    fa = plots.has_rtl(title)
    moves = []
    for ax, metric in zip(axes[0], metrics):
        part = trend[trend["metric"] == metric]
        x = np.arange(len(part))
        ax.fill_between(x, part["ci_low"], part["ci_high"], color="#9fbfd6", alpha=0.5, linewidth=0)
        ax.plot(x, part["estimate"], marker="o", color=plots.GOOD)
        if targets and metric in targets and targets[metric] is not None:
            ax.axhline(targets[metric], color=plots.BAD, linestyle="--", linewidth=1)
        if metric in TREND_MIN_SPAN:
            ax.set_ylim(widen(ax.get_ylim(), TREND_MIN_SPAN[metric], TREND_LIMITS.get(metric, (-np.inf, np.inf))))
        ax.set_xticks(x, list(part["wave"]), rotation=30, fontsize=8)
        ax.set_title(plots.shape(panels[metric]), fontsize=10)
        ax.set_xlabel(plots.shape(wave_label), fontsize=8)
        if len(part):
            first, last = part.iloc[0], part.iloc[-1]
            moves.append(f"{panels[metric]}: {first['estimate']:.1f} ({first['wave']}) → {last['estimate']:.1f} ({last['wave']})")
    fig.suptitle(plots.shape(title), fontweight="bold")
    return plots.describe(plots.lay_out(fig, persian=fa), plots.clauses(moves, fa) + ".", title=title)


def segment_chart(table: pd.DataFrame, *, title: str, xlabel: str, scale: tuple[float, float] | None = None):
    """Estimate with CI per segment level; suppressed cells are listed, not drawn.

    ``scale``: the answer scale, drawn whole (recommended); without it the axis spans at least one point.
    """
    shown = table[~table["suppressed"]].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7, max(2.5, 0.35 * len(shown) + 1.2)))
    y = np.arange(len(shown))
    ax.errorbar(
        shown["estimate"],
        y,
        xerr=[shown["estimate"] - shown["ci_low"], shown["ci_high"] - shown["estimate"]],
        fmt="o",
        color=plots.GOOD,
        ecolor="#999999",
        capsize=2,
    )
    ax.set_yticks(y, [plots.shape(str(s)) for s in shown["segment"]])
    ax.set_xlim(scale if scale is not None else widen(ax.get_xlim(), 1.0))
    ax.invert_yaxis()
    plots.finish(fig, ax, title=title, xlabel=xlabel)
    fa = plots.has_rtl(title)
    message = _highest_lowest(shown["estimate"], shown["segment"], fa) + "." if len(shown) else ""
    hidden = int(table["suppressed"].sum())
    if hidden:
        message += f" {hidden} گروه کوچک نمایش داده نشده است." if fa else f" {hidden} small group(s) not shown."
    return plots.describe(fig, message, title=title)


def shares_chart(shares: pd.Series, *, title: str, xlabel: str, colours: dict[str, str] | None = None):
    """Horizontal bars of shares in % (e.g. loyalty segments) or of counts, each value written at its bar.

    Whole-number values (counts) get a whole-number axis and are written without decimals.
    """
    values = shares.to_numpy(dtype=float)
    counts = bool(len(values)) and bool(np.all(np.isfinite(values) & (values == np.round(values))))
    fig, ax = plt.subplots(figsize=(7, max(2.5, 0.4 * len(shares) + 1)))
    colour = [(colours or {}).get(k, plots.GOOD) for k in shares.index]
    ax.barh([plots.shape(str(k)) for k in shares.index], values, color=colour)
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:.0f}" if counts else f" {v:.1f}", va="center", fontsize=8)
    if counts:
        plots.count_axis(ax.xaxis)
    ax.set_xlim(0, max(1.0, float(np.nanmax(values)) * 1.12) if len(values) else 1.0)
    ax.invert_yaxis()
    plots.finish(fig, ax, title=title, xlabel=xlabel)
    fa = plots.has_rtl(title)
    items = [f"{k} {v:.0f}" if counts else f"{k} {v:.1f}" for k, v in zip(shares.index, values)]
    return plots.describe(fig, f"{xlabel}: " + ("، ".join(items) if fa else ", ".join(items)) + ".", title=title)
