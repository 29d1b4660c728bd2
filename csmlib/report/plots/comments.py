"""Open-comment figures: the share of commenters mentioning each theme, with intervals."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from csmlib.report import plots

DISSATISFYING_HATCH = "///"


def themes_chart(table: pd.DataFrame, *, title: str, xlabel: str):
    """Horizontal bars of the share of commenters (0–1) mentioning each theme, with CI whiskers.

    ``table``: one row per theme, in the order to draw (top first), with ``label``, ``share``,
    ``ci_low``, ``ci_high`` and optionally ``dissatisfying`` (bool: mentioners significantly less
    satisfied, drawn red and hatched, with a legend entry).
    """
    frame = table.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8.5, max(2.5, 0.35 * len(frame) + 1.2)))
    y = np.arange(len(frame))
    share = frame["share"].to_numpy(float) * 100
    low = frame["ci_low"].to_numpy(float) * 100
    high = frame["ci_high"].to_numpy(float) * 100
    bad = frame["dissatisfying"].fillna(False).astype(bool) if "dissatisfying" in frame else pd.Series(False, index=frame.index)
    ax.barh(
        y,
        share,
        color=[plots.BAD if b else plots.NEUTRAL for b in bad],
        hatch=[DISSATISFYING_HATCH if b else "" for b in bad],
        edgecolor="white",
        linewidth=0,
        alpha=0.85,
    )
    ax.errorbar(share, y, xerr=[share - low, high - share], fmt="none", ecolor="#333333", elinewidth=1, capsize=2)
    ax.set_yticks(y, [plots.shape(str(t)) for t in frame["label"]])
    ax.set_xlim(0, max(5.0, float(np.nanmax(high)) * 1.1 if len(frame) else 5.0))
    ax.invert_yaxis()
    fa = plots.has_rtl(title)
    if bad.any():
        plots.legend_outside(
            ax,
            [
                Patch(
                    facecolor=plots.BAD,
                    hatch=DISSATISFYING_HATCH,
                    edgecolor="white",
                    label=plots.shape("همراه با رضایت کمتر" if fa else "tied to lower satisfaction"),
                )
            ],
        )
    plots.finish(fig, ax, title=title, xlabel=xlabel)
    message = ""
    if len(frame):
        top = [f"{label} ({value:.0f} %)" for label, value in zip(frame["label"], share)][:3]
        message = f"پرتکرارترین موضوع‌ها: {plots.listing(top, fa)}." if fa else f"Most mentioned: {plots.listing(top)}."
        if bad.any():
            worse = plots.listing(frame.loc[bad.to_numpy(), "label"], fa)
            message += f" همراه با رضایت کمتر: {worse}." if fa else f" Tied to lower satisfaction: {worse}."
    return plots.describe(fig, message, title=title)
