"""Figures for the reports (matplotlib/seaborn). One module per analysis.

Every figure has a title, axis labels with units, and text in the report language: Persian
labels go through :func:`shape`, which joins the letters and puts them in right-to-left visual
order unless matplotlib already does so (it does from 3.11, through libraqm).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg") if matplotlib.get_backend().lower() not in ("inline", "module://matplotlib_inline.backend_inline") else None

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import Formatter  # noqa: E402

from csmlib.core.text import localize  # noqa: E402

PALETTE = {"product": "#1f5f8b", "delivery": "#d9822b", "organisation": "#3c8d5a", "other": "#7d7d7d"}
GOOD, BAD, NEUTRAL = "#1a7f37", "#b42318", "#5f6b76"
_RTL_RANGES = ((0x0590, 0x08FF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF))


def has_rtl(text: str) -> bool:
    """Does the text contain Persian, Arabic or Hebrew letters?"""
    return any(lo <= ord(ch) <= hi for ch in text for lo, hi in _RTL_RANGES)


def native_text_layout() -> bool:
    """Does matplotlib lay out complex scripts itself (libraqm: shaping and bidi, matplotlib ≥ 3.11)?"""
    from matplotlib.ft2font import FT2Font

    return hasattr(FT2Font, "_layout")


def shape(text: str) -> str:
    """Persian/Arabic text ready for matplotlib: joined letters in right-to-left visual order.

    matplotlib ≥ 3.11 shapes and reorders text itself (libraqm), so the text is passed through
    untouched — shaping it here as well would reverse it a second time. Older versions draw
    letter by letter, left to right: there the text is reshaped (contextual letter forms) and put
    in visual order. Other text is never changed.
    """
    text = str(text)
    if not has_rtl(text) or native_text_layout():
        return text
    import arabic_reshaper
    from bidi import get_display

    return get_display(arabic_reshaper.reshape(text))


def style() -> None:
    """The house style: white background, light grid, readable sizes."""
    plt.rcParams.update(
        {
            "figure.dpi": 96,
            "savefig.dpi": 96,
            "figure.figsize": (8, 4.5),
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "axes.labelsize": 10,
            "font.family": ["DejaVu Sans"],
        }
    )


def finish(fig, ax, *, title: str, xlabel: str = "", ylabel: str = ""):
    ax.set_title(shape(title))
    ax.set_xlabel(shape(xlabel))
    ax.set_ylabel(shape(ylabel))
    return lay_out(fig, persian=has_rtl(title))


def lay_out(fig, *, persian: bool = False):
    """Final layout; a Persian figure gets Persian digits on its axes and in its annotations."""
    if persian:
        from matplotlib.text import Text

        for ax in fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                if not isinstance(axis.get_major_formatter(), PersianDigits):
                    axis.set_major_formatter(PersianDigits(axis.get_major_formatter()))
            for text in ax.findobj(Text):
                if text.get_text() and text not in (ax.title, ax.xaxis.label, ax.yaxis.label):
                    text.set_text(localize(text.get_text(), "fa"))
    fig.tight_layout()
    return fig


class PersianDigits(Formatter):
    """Tick labels of another formatter, written with Persian digits."""

    def __init__(self, inner: Formatter):
        self.inner = inner

    def set_axis(self, axis):
        super().set_axis(axis)
        self.inner.set_axis(axis)

    def set_locs(self, locs):
        self.inner.set_locs(locs)

    def format_ticks(self, values):
        return [localize(t, "fa") for t in self.inner.format_ticks(values)]

    def __call__(self, x, pos=None):
        return localize(self.inner(x, pos), "fa")

    def get_offset(self):
        return localize(self.inner.get_offset(), "fa")


style()
