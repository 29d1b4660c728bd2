"""Showing results in a report notebook: formatted tables, headline cards, notes.

Only presentation: numbers come from the statistics modules. Tables are rendered as HTML
with numbers formatted for the report language (Persian digits for ``fa``).
"""
from __future__ import annotations

import html

import numpy as np
import pandas as pd
from IPython.display import HTML, Markdown, display

_FA_DIGITS = str.maketrans("0123456789.,-%", "۰۱۲۳۴۵۶۷۸۹٫٬−٪")


def localize(text: str, language: str = "en") -> str:
    """Digits and separators in the report language."""
    return text.translate(_FA_DIGITS) if language == "fa" else text


def translator(language: str = "en"):
    """``T = translator(lang)``; ``T("English", "فارسی")`` gives the text in the report language."""
    def pick(english: str, persian: str | None = None) -> str:
        return persian if language == "fa" and persian else english
    return pick


def fmt(value, spec: str = ".2f", language: str = "en") -> str:
    """Format a number (``""`` for missing), with a thousands separator for integers."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "–"
    if isinstance(value, (int, np.integer)) and spec == ".2f":
        spec = ",d"
    try:
        text = format(value, spec)
    except (TypeError, ValueError):
        text = str(value)
    return localize(text, language)


def fmt_ci(low, high, spec: str = ".2f", language: str = "en") -> str:
    return f"[{fmt(low, spec, language)}, {fmt(high, spec, language)}]"


def table(frame: pd.DataFrame, formats: dict[str, str] | None = None, *, language: str = "en",
          index: bool = True, caption: str | None = None, max_rows: int = 60):
    """Display a DataFrame as a formatted HTML table."""
    formats = formats or {}
    shown = frame.head(max_rows)
    out = shown.copy().astype(object)
    for col in shown.columns:
        spec = formats.get(col)
        if spec is not None or pd.api.types.is_float_dtype(shown[col]):
            out[col] = [fmt(v, spec or ".2f", language) for v in shown[col]]
        else:
            out[col] = [localize(str(v), language) if v is not None and v is not pd.NA else "–" for v in shown[col]]
    styler = out.style if index else out.style.hide(axis="index")
    if caption:
        styler = styler.set_caption(html.escape(caption))
    display(HTML(styler.to_html()))
    if len(frame) > max_rows:
        display(Markdown(f"*{len(frame) - max_rows} more rows not shown.*"))


def cards(items: list[dict], language: str = "en"):
    """Headline cards: each ``{"label", "value", "ci" (optional), "note" (optional), "tone"}``."""
    parts = []
    for item in items:
        tone = {"good": "csm-good", "bad": "csm-bad"}.get(item.get("tone", ""), "")
        ci = f'<div class="ci">{html.escape(item["ci"])}</div>' if item.get("ci") else ""
        note = f'<div class="ci {tone}">{html.escape(item["note"])}</div>' if item.get("note") else ""
        parts.append(f'<div class="csm-card"><div class="k">{html.escape(item["label"])}</div>'
                     f'<div class="v">{html.escape(localize(str(item["value"]), language))}</div>{ci}{note}</div>')
    display(HTML(f'<div class="csm-cards">{"".join(parts)}</div>'))


def note(text: str):
    display(HTML(f'<div class="csm-note">{text}</div>'))


def alert(text: str):
    display(HTML(f'<div class="csm-alert">{text}</div>'))


def say(text: str):
    """A sentence of interpretation (Markdown)."""
    display(Markdown(text))
