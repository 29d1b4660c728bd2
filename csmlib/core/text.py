"""Text normalisation for matching answer labels and segment values.

Survey exports from Persian tools mix Arabic and Persian forms of the same letters
(ي/ی, ك/ک), write numbers with Persian (۰–۹) or Arabic-Indic (٠–٩) digits, and use the
zero-width non-joiner (U+200C) where others type a space. Text that is *matched*
(answer labels, segment values, category names) is compared after :func:`normalize_label`;
text that is *shown* (item labels) is never altered.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

# Persian and Arabic-Indic digits -> ASCII, and Arabic letter forms -> Persian (dates and comments use them too)
ASCII_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
LETTER_FORMS = str.maketrans(
    {
        "\u064a": "\u06cc",  # Arabic yeh -> Persian yeh
        "\u0649": "\u06cc",  # alef maksura -> Persian yeh
        "\u0643": "\u06a9",  # Arabic kaf -> Persian keheh
        "\u2019": "'",  # typographic apostrophe
        "\u2018": "'",
        "\u066b": ".",  # Arabic decimal separator
        "\u066c": ",",  # Arabic thousands separator
    }
)
_SPACES = re.compile(r"[\s\u200c\u200f\u200e\u00a0]+")
_FA_DIGITS = str.maketrans("0123456789.,-%", "۰۱۲۳۴۵۶۷۸۹٫٬−٪")


def localize(text: str, language: str = "en") -> str:
    """Digits and separators of a number shown in the report language (Persian digits for ``fa``)."""
    return text.translate(_FA_DIGITS) if language == "fa" else text


def to_ascii_digits(text: str) -> str:
    """Replace Persian and Arabic-Indic digits by ASCII digits.

    >>> to_ascii_digits("۱۲٫۵")
    '12٫5'
    """
    return text.translate(ASCII_DIGITS)


def normalize_label(text) -> str | None:
    """Canonical form of a label for matching: NFKC, unified letters and digits,
    collapsed white space and ZWNJ, lower case. ``None``/NaN stay ``None``.

    >>> normalize_label("  I  Like it ") == normalize_label("i like it")
    True
    >>> normalize_label("كيفيت") == normalize_label("کیفیت")
    True
    """
    if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
        return None
    s = unicodedata.normalize("NFKC", str(text))
    s = s.translate(ASCII_DIGITS).translate(LETTER_FORMS)
    s = _SPACES.sub(" ", s).strip().casefold()
    return s


def parse_number(text) -> float:
    """Parse one cell as a number, accepting Persian/Arabic digits and separators.

    Returns NaN for blanks; raises ``ValueError`` for text that is not a number.

    >>> parse_number("۴")
    4.0
    >>> parse_number("٣٫٥")
    3.5
    """
    if text is None or text is pd.NA:
        return float("nan")
    if isinstance(text, (int, float, np.integer, np.floating)):
        return float(text)
    s = unicodedata.normalize("NFKC", str(text)).translate(ASCII_DIGITS).translate(LETTER_FORMS)
    s = _SPACES.sub("", s)
    if s == "":
        return float("nan")
    return float(s)


def numeric_series(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Convert a column to float, reading Persian/Arabic digits.

    Returns ``(numbers, bad)`` where ``bad`` is a boolean mask of non-blank cells
    that are not numbers (they become NaN in ``numbers``; the caller decides
    whether to quarantine their rows).
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.astype(float)
        return numbers, pd.Series(False, index=values.index)
    as_text = values.astype("string")
    cleaned = (
        as_text.str.normalize("NFKC").str.translate(ASCII_DIGITS).str.translate(LETTER_FORMS).str.replace(_SPACES, "", regex=True)
    )
    blank = cleaned.isna() | (cleaned == "")
    numbers = pd.to_numeric(cleaned.where(~blank), errors="coerce").astype(float)
    bad = (~blank) & numbers.isna()
    return numbers, bad.astype(bool)
