"""Data-quality figures."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from csmlib.report import plots


def completeness_chart(table: pd.DataFrame, labels: dict[str, str], *, title: str, language: str = "en"):
    """Stacked horizontal bars from zero: answered, don't know, blank, as % of accepted respondents."""
    n = table[["answered", "dont_know", "blank"]].sum(axis=1)
    shares = table[["answered", "dont_know", "blank"]].div(n, axis=0) * 100
    fig, ax = plt.subplots(figsize=(8.5, max(3, 0.28 * len(table) + 1)))
    y = range(len(shares))
    left = pd.Series(0.0, index=shares.index)
    names = {"en": ("answered", "don't know / n.a.", "blank"), "fa": ("پاسخ داده", "نمی‌دانم", "بی‌پاسخ")}[language]
    # lightness tells the three apart (light, mid, dark), and the blank share is hatched
    for col, colour, hatch, name in zip(
        ["answered", "dont_know", "blank"], ["#9fbfd6", plots.NEUTRAL, plots.BAD], ["", "", "///"], names
    ):
        ax.barh(
            list(y), shares[col], left=left, color=colour, hatch=hatch, edgecolor="white", linewidth=0, label=plots.shape(name)
        )
        left = left + shares[col]
    ax.set_yticks(list(y), [plots.shape(labels.get(i, i)) for i in shares.index])
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    plots.legend_outside(ax)
    plots.finish(fig, ax, title=title, xlabel="% of accepted respondents" if language == "en" else "درصد پاسخ‌دهندگان")
    fa = language == "fa"
    message = ""
    if len(shares):
        worst = shares["answered"].idxmin()
        least = f"{labels.get(worst, worst)} ({shares.loc[worst, 'answered']:.1f} %)"
        message = f"کم‌پاسخ‌ترین پرسش: {least}." if fa else f"Least answered: {least}."
        if shares["answered"].min() >= 100:
            message = "همه به همه پرسش‌ها پاسخ داده‌اند." if fa else "Every question answered by every respondent."
    return plots.describe(fig, message, title=title)


def segment_chart(counts: dict[str, pd.Series], *, title: str, language: str = "en"):
    """Respondents per level, one panel per segment."""
    fig, axes = plt.subplots(1, len(counts), figsize=(4 * len(counts), 3.5), squeeze=False)
    parts = []
    fa = language == "fa" or plots.has_rtl(title)
    for ax, (name, series) in zip(axes[0], counts.items()):
        ax.bar([plots.shape(str(i)) for i in series.index], series.to_numpy(), color=plots.OKABE_ITO["blue"])
        plots.count_axis(ax.yaxis)
        ax.set_title(plots.shape(name), fontsize=10)
        ax.tick_params(axis="x", rotation=30)
        ax.set_ylabel(plots.shape("respondents" if language == "en" else "تعداد پاسخ‌دهنده"))
        parts.append(f"{name}: " + plots.listing([f"{k} {int(v)}" for k, v in series.items()], fa, limit=8))
    fig.suptitle(plots.shape(title), fontweight="bold")
    return plots.describe(plots.lay_out(fig, persian=plots.has_rtl(title)), plots.clauses(parts, fa) + ".", title=title)
