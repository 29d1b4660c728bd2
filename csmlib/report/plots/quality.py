"""Data-quality figures."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from csmlib.report.plots import BAD, NEUTRAL, finish, has_rtl, lay_out, shape


def completeness_chart(table: pd.DataFrame, labels: dict[str, str], *, title: str, language: str = "en"):
    """Stacked horizontal bars: answered, don't know, blank, as % of accepted respondents."""
    n = table[["answered", "dont_know", "blank"]].sum(axis=1)
    shares = table[["answered", "dont_know", "blank"]].div(n, axis=0) * 100
    fig, ax = plt.subplots(figsize=(8, max(3, 0.28 * len(table) + 1)))
    y = range(len(shares))
    left = pd.Series(0.0, index=shares.index)
    names = {"en": ("answered", "don't know / n.a.", "blank"), "fa": ("پاسخ داده", "نمی‌دانم", "بی‌پاسخ")}[language]
    for col, colour, name in zip(["answered", "dont_know", "blank"], ["#9fbfd6", NEUTRAL, BAD], names):
        ax.barh(list(y), shares[col], left=left, color=colour, label=shape(name))
        left = left + shares[col]
    ax.set_yticks(list(y), [shape(labels.get(i, i)) for i in shares.index])
    ax.set_xlim(max(0, shares["answered"].min() - 5), 100)
    ax.invert_yaxis()
    ax.legend(loc="lower left", fontsize=8)
    return finish(fig, ax, title=title, xlabel="% of accepted respondents" if language == "en" else "درصد پاسخ‌دهندگان")


def segment_chart(counts: dict[str, pd.Series], *, title: str, language: str = "en"):
    """Respondents per level, one panel per segment."""
    fig, axes = plt.subplots(1, len(counts), figsize=(4 * len(counts), 3.5), squeeze=False)
    for ax, (name, series) in zip(axes[0], counts.items()):
        ax.bar([shape(str(i)) for i in series.index], series.to_numpy(), color="#1f5f8b")
        ax.set_title(shape(name), fontsize=10)
        ax.tick_params(axis="x", rotation=30)
        ax.set_ylabel(shape("respondents" if language == "en" else "تعداد پاسخ‌دهنده"))
    fig.suptitle(shape(title), fontweight="bold")
    return lay_out(fig, persian=has_rtl(title))
