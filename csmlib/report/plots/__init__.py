"""Figures for the reports (matplotlib/seaborn). One module per analysis.

Every figure has a title, axis labels with units, and text in the report language: Persian
labels go through :func:`shape`, which joins the letters and puts them in right-to-left visual
order unless matplotlib already does so (it does from 3.11, through libraqm).

Figures are read by managers, some of them colour-blind, and by screen readers:

- colours come from the Okabe–Ito palette (Okabe & Ito 2008, *Color Universal Design*), which
  stays distinguishable under the common colour-vision deficiencies; wherever a colour carries
  meaning a second cue carries it too (marker shape, hatching or a text label);
- labels next to points never overlap one another (:mod:`csmlib.report.plots.labels`);
- bars start at zero, count axes have whole-number ticks, legends sit outside the data;
- every chart function attaches its message as text (:func:`describe`), which becomes the
  image's alt text on the page (:func:`csmlib.report.tables.figure`).
"""

from __future__ import annotations


import matplotlib

matplotlib.use("Agg") if matplotlib.get_backend().lower() not in ("inline", "module://matplotlib_inline.backend_inline") else None

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import Formatter, MaxNLocator  # noqa: E402

from csmlib.core.text import localize, localize_numbers  # noqa: E402

# Okabe & Ito (2008): eight colours that colour-blind readers tell apart (checked in tests/test_plots.py
# under simulated protanopia, deuteranopia and tritanopia, Machado et al. 2009)
OKABE_ITO = {
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
    "black": "#000000",
}
GOOD, BAD, NEUTRAL = OKABE_ITO["blue"], OKABE_ITO["vermillion"], "#6E6E6E"
LIGHT = "#BBBBBB"  # "not much to see here": low impact, indifferent, outside the vital few
# ISO 10004 groups: colour, and the marker shape and bar hatching that carry the group without colour
PALETTE = {
    "product": OKABE_ITO["blue"],
    "delivery": OKABE_ITO["orange"],
    "organisation": OKABE_ITO["bluish green"],
    "other": "#999999",
}
GROUP_NAMES = {
    "en": {"product": "product", "delivery": "delivery", "organisation": "organisation", "other": "other"},
    "fa": {"product": "محصول", "delivery": "تحویل", "organisation": "سازمان", "other": "سایر"},
}
GROUP_MARKERS = {"product": "o", "delivery": "s", "organisation": "D", "other": "^"}
GROUP_HATCHES = {"product": "", "delivery": "///", "organisation": "...", "other": "xx"}
# lines of several series (categories, dimensions): colour and marker cycle together
SERIES_COLOURS = [OKABE_ITO[c] for c in ("blue", "orange", "bluish green", "vermillion", "reddish purple", "sky blue", "black")]
SERIES_MARKERS = ["o", "s", "D", "^", "v", "P", "X"]
_ALT_ATTRIBUTE = "csm_alt"
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


def finish(fig, ax, *, title: str, xlabel: str = "", ylabel: str = "", labels=None):
    """Title, axis labels and the final layout; ``labels`` (a :class:`~csmlib.report.plots.labels.PointLabels`)
    are placed last, once the axes have their final size."""
    ax.set_title(shape(title))
    ax.set_xlabel(shape(xlabel))
    ax.set_ylabel(shape(ylabel))
    lay_out(fig, persian=has_rtl(title))
    if labels is not None:
        labels.place()
    return fig


def describe(fig, message: str, *, title: str = ""):
    """Attach the figure's message — what a reader should take from it, with the numbers — as its text
    alternative (the image's alt text on the page). ``title`` comes first; digits follow the title's language.

    >>> import matplotlib.pyplot as plt
    >>> fig = plt.figure()
    >>> description(describe(fig, "Delivery speed: lowest score (3.44).", title="Map"))
    'Map. Delivery speed: lowest score (3.44).'
    >>> description(describe(fig, "سرعت تحویل: کمترین امتیاز (3.44).", title="نقشه"))
    'نقشه. سرعت تحویل: کمترین امتیاز (۳٫۴۴).'
    >>> plt.close(fig)
    """
    message = message[:1].upper() + message[1:]  # a sentence, whatever word it starts with
    text = " ".join(f"{title.rstrip('.')}. {message}".split()) if title else " ".join(message.split())
    if has_rtl(title):  # Persian digits and separators in the numbers; full stops stay full stops
        text = localize_numbers(text.replace("%", "٪"), "fa")
    setattr(fig, _ALT_ATTRIBUTE, text)
    return fig


def description(fig) -> str:
    """The message attached by :func:`describe` ("" when there is none)."""
    return getattr(fig, _ALT_ATTRIBUTE, "")


def listing(names, persian_text: bool = False, limit: int = 6) -> str:
    """Names joined for a sentence, at most ``limit`` of them ("…and 3 more").

    >>> listing(["a", "b", "c"], limit=2)
    'a, b and 1 more'
    """
    names = [str(n) for n in names]
    comma, more = ("، ", "و {} مورد دیگر") if persian_text else (", ", "and {} more")
    if len(names) <= limit:
        return comma.join(names)
    return comma.join(names[:limit]) + " " + more.format(len(names) - limit)


def clauses(parts, persian_text: bool = False) -> str:
    """Clauses joined into one sentence of a chart's message with the language's semicolon
    ("؛" in Persian), so that every chart separates its findings alike.

    >>> clauses(["highest A (4.10)", "lowest B (3.20)"]), clauses(["الف", "ب"], True)
    ('highest A (4.10); lowest B (3.20)', 'الف؛ ب')
    """
    return ("؛ " if persian_text else "; ").join(parts)


def extreme(values, names, *, lowest: bool = False, prefix: str = "") -> str:
    """ "name (value)" of the largest (``lowest``: the smallest) of ``values`` (a Series), the value
    with two decimals after ``prefix``: how a chart's message names its top or bottom point.
    ``names`` (a dict or a Series on the same index) gives the text for an index label; a label
    it lacks stands for itself.

    >>> import pandas as pd
    >>> scores = pd.Series([3.1, 4.25], index=["price", "speed"])
    >>> extreme(scores, {"speed": "Delivery speed"}), extreme(scores, {}, lowest=True, prefix="mean ")
    ('Delivery speed (4.25)', 'price (mean 3.10)')
    """
    key = values.idxmin() if lowest else values.idxmax()
    return f"{names.get(key, key)} ({prefix}{values.loc[key]:.2f})"


def count_axis(axis) -> None:
    """A count axis: whole-number ticks only (no 0.25 of a complaint)."""
    axis.set_major_locator(MaxNLocator(integer=True))


def legend_outside(ax, handles=None, **kwargs):
    """The legend to the right of the plot, where it hides no data."""
    options = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "frameon": False, "fontsize": 8, "borderaxespad": 0}
    options.update(kwargs)
    return ax.legend(handles=handles, **options) if handles is not None else ax.legend(**options)


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


def png(fig) -> bytes | None:
    """The figure as a PNG cropped to what it shows, drawn once; None when that is not possible.

    What the inline backend saves (``bbox_inches="tight"``, ``savefig.pad_inches`` around) costs
    two layouts and a drawing at a new size: a quarter of a second for a report figure, most of a
    report's own time. Drawn once at its own size, the figure's tight box is measured on the same
    drawing and cut out, the padding filled with its background; the picture differs from the
    backend's only by where the sub-pixel grid falls (a pixel or two). None (show it the
    ordinary way) for an empty figure (the backend shows none), a canvas of another backend, a
    background that is not opaque, or content reaching past the figure's edge (the backend
    widens the picture for it; a cut could not).

    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(3, 2), dpi=50)
    >>> _ = ax.plot([0, 1], [0, 1])
    >>> fig.tight_layout()
    >>> png(fig)[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    >>> png(plt.figure()) is None
    True
    >>> plt.close("all")
    """
    import io

    import numpy as np
    from matplotlib.backend_bases import FigureCanvasBase
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import to_rgba
    from matplotlib.image import imsave

    background = to_rgba(fig.get_facecolor())
    if not (fig.axes or fig.lines) or background[3] < 1:
        return None
    original = fig.canvas
    if isinstance(original, FigureCanvasAgg):
        canvas = original
    elif type(original) is FigureCanvasBase:  # no backend's canvas (a closed figure): Agg, as savefig does
        canvas = FigureCanvasAgg(fig)
    else:
        return None
    try:
        canvas.draw()
        dpi = fig.dpi
        width, height = canvas.get_width_height()
        content = fig.get_tightbbox(canvas.get_renderer())  # inches, from the bottom left
        drawn = np.asarray(canvas.buffer_rgba())
    finally:
        fig.set_canvas(original)
    if content.x0 < 0 or content.y0 < 0 or content.x1 * dpi > width + 0.5 or content.y1 * dpi > height + 0.5:
        return None
    box = content.padded(plt.rcParams["savefig.pad_inches"])
    cols, rows = int(box.width * dpi), int(box.height * dpi)  # the backend's size for this box
    left, top = round(box.x0 * dpi), round(height - box.y1 * dpi)
    image = np.empty((rows, cols, 4), np.uint8)
    image[...] = np.round(np.array(background) * 255)
    r0, r1, c0, c1 = max(top, 0), min(top + rows, height), max(left, 0), min(left + cols, width)
    image[r0 - top : r1 - top, c0 - left : c1 - left] = drawn[r0:r1, c0:c1]
    out = io.BytesIO()
    imsave(out, image, format="png", dpi=dpi)
    return out.getvalue()


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
