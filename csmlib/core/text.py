"""Text normalisation for matching answer labels and segment values.

Survey exports from Persian tools mix Arabic and Persian forms of the same letters
(ي/ی, ك/ک), write numbers with Persian (۰–۹) or Arabic-Indic (٠–٩) digits, and use the
zero-width non-joiner (U+200C) where others type a space. Text that is *matched*
(answer labels, segment values, category names) is compared after :func:`normalize_label`;
text that is *shown* (item labels) is never altered.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

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


_DIGITS_ONLY = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
# A number standing on its own in running text: not glued to a letter, digit, "_", "/", "." or "-"
# on either side (those are identifiers and file names: 2026Q3, F-003, responses_2026.csv, v1.2.3).
_STANDALONE_NUMBER = re.compile(r"(?<![\w./\-−])(?:\d{4}-\d{2}-\d{2}|[-−]?\d(?:[\d,]*\d)?(?:\.\d+)?%?)(?![\w/]|[.,\-]\d)")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)


def _localize_number(found: re.Match) -> str:
    number = found.group(0)
    if number[0].isdigit() and "-" in number:  # an ISO date: digits only, the hyphens stay
        return number.translate(_DIGITS_ONLY)
    return number.translate(_FA_DIGITS)


def localize_numbers(text: str, language: str = "en", *, markdown: bool = False) -> str:
    """Every standalone number of running text in the report language's digits and separators.

    Numbers that are part of an identifier or a file name stay as they are, and so does Markdown
    code (``markdown=True``: text between backticks).

    >>> localize_numbers("1,494 respondents, 79% satisfied, 3.44 of 5 (wave 2026Q3, F-003)", "fa")
    '۱٬۴۹۴ respondents, ۷۹٪ satisfied, ۳٫۴۴ of ۵ (wave 2026Q3, F-003)'
    >>> localize_numbers("see `responses_2026.csv`: 12 rows", "fa", markdown=True)
    'see `responses_2026.csv`: ۱۲ rows'
    >>> localize_numbers("1,494", "en")
    '1,494'
    """
    if language != "fa" or not text:
        return text
    if not markdown:
        return _STANDALONE_NUMBER.sub(_localize_number, text)
    parts, last = [], 0
    for code in _CODE_SPAN.finditer(text):
        parts.append(_STANDALONE_NUMBER.sub(_localize_number, text[last : code.start()]))
        parts.append(code.group(0))
        last = code.end()
    parts.append(_STANDALONE_NUMBER.sub(_localize_number, text[last:]))
    return "".join(parts)


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


def text_codes(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """The distinct cells of a column as text, in order of first appearance, and each row's code
    into them (-1 for a missing cell).

    A survey column repeats a handful of answers, so a rule applied to the distinct cells and
    taken back by code costs what the distinct cells cost, not the rows; pyarrow finds them (one
    hash pass, no Python loop over rows, other threads free to run). Cells are read as text as
    ``values.astype("string")`` reads them.

    >>> codes, distinct = text_codes(pd.Series(["b", None, "a", "b"]))
    >>> codes.tolist(), distinct.tolist()
    ([0, -1, 1, 0], ['b', 'a'])
    """
    encoded = pa.chunked_array(values.astype("string").array.__arrow_array__()).dictionary_encode()
    if encoded.num_chunks == 0:
        return np.zeros(0, dtype=np.int8), pd.Series(pd.array([], dtype="string"))
    # the chunks share one dictionary (pyarrow encodes a chunked array with one hash table)
    indices = pa.chunked_array([c.indices for c in encoded.chunks], type=encoded.type.index_type)
    distinct = pd.Series(pd.arrays.ArrowStringArray(encoded.chunk(0).dictionary.cast(pa.large_string())))
    return indices.fill_null(-1).to_numpy().astype(_smallest_code_type(len(distinct))), distinct


def _smallest_code_type(n: int) -> type:
    """The narrowest signed integer type holding the codes 0..n-1 and -1 (a million int8 codes are 1 MB)."""
    return next(t for t in (np.int8, np.int16, np.int32, np.int64) if n <= np.iinfo(t).max)


@dataclass(frozen=True)
class CodedNumbers:
    """A column read as numbers once per distinct cell: row ``i`` holds ``numbers[codes[i]]``.

    ``codes`` is -1 for a missing cell, and the last entry of ``numbers``, ``bad`` and ``texts``
    stands for it (NaN, not bad, missing), so ``numbers[codes]`` needs no special case. ``bad``
    marks the non-blank cells that are not numbers; ``texts`` are the distinct cells as text
    (``None`` for a numeric column, whose distinct values are the numbers themselves).
    """

    codes: np.ndarray
    numbers: np.ndarray
    bad: np.ndarray
    texts: pd.Series | None

    def rows(self, by_code: np.ndarray) -> np.ndarray:
        """A per-distinct-cell array (``numbers``, ``bad`` or one derived from them) spread to the rows."""
        return by_code[self.codes]

    @property
    def filled(self) -> np.ndarray:
        """Per distinct cell: not a missing cell."""
        return ~np.isnan(self.numbers) if self.texts is None else self.texts.notna().to_numpy(dtype=bool)


def coded_numbers(values: pd.Series) -> CodedNumbers:
    """:func:`numeric_series` by distinct cell: the same numbers and flags, each text parsed once
    (and each set of texts once: the items of a questionnaire share their answers).

    >>> coded = coded_numbers(pd.Series(["۴", "4", None, "x", "4"]))
    >>> coded.codes.tolist(), coded.numbers.tolist()[:3], coded.bad.tolist()
    ([0, 1, -1, 2, 1], [4.0, 4.0, nan], [False, False, True, False])
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        floats = values.astype(float).to_numpy()
        codes, bits = pd.factorize(floats.view(np.int64))  # by bit pattern: -0.0 and 0.0 stay apart
        numbers = np.append(np.asarray(bits).view(np.float64), np.nan)
        return CodedNumbers(codes.astype(_smallest_code_type(len(numbers))), numbers, np.zeros(len(numbers), bool), None)
    codes, texts = text_codes(values)
    has_missing = bool((codes < 0).any())
    if len(texts) <= _CACHED_SETS_UP_TO:
        numbers, bad = _parse_distinct_cached(tuple(texts.tolist()), has_missing)
    else:
        numbers, bad = _parse_distinct(texts, has_missing)
    texts = pd.concat([texts, pd.Series(pd.array([pd.NA], dtype=texts.dtype))], ignore_index=True)
    return CodedNumbers(codes, numbers, bad, texts)


_CACHED_SETS_UP_TO = 1000  # distinct texts of a column parsed once per set up to this many


@functools.lru_cache(maxsize=256)
def _parse_distinct_cached(texts: tuple[str, ...], has_missing: bool) -> tuple[np.ndarray, np.ndarray]:
    numbers, bad = _parse_distinct(pd.Series(pd.array(texts, dtype="string")), has_missing)
    numbers.setflags(write=False), bad.setflags(write=False)  # shared by every column with these answers
    return numbers, bad


def _parse_distinct(texts: pd.Series, has_missing: bool) -> tuple[np.ndarray, np.ndarray]:
    """Numbers and not-a-number flags of a column's distinct texts, plus one last entry for a
    missing cell (NaN, not bad).

    The rule of :func:`numeric_series` applied to the distinct texts as one set, a missing cell
    among them when the column has one, exactly as it reads the column: pandas' number parsing
    depends on the set of texts, not on repeats.
    """
    parsed = pd.concat([texts, pd.Series(pd.array([pd.NA], dtype=texts.dtype))], ignore_index=True) if has_missing else texts
    plain = parsed.str.fullmatch(r"[!-~]*").fillna(True).to_numpy(dtype=bool)  # printable ASCII: nothing to normalise
    cleaned = parsed.copy()
    if not plain.all():
        odd = parsed[~plain]
        cleaned[~plain] = (
            odd.str.normalize("NFKC").str.translate(ASCII_DIGITS).str.translate(LETTER_FORMS).str.replace(_SPACES, "", regex=True)
        )
    blank = (cleaned.isna() | (cleaned == "")).to_numpy(dtype=bool)
    numbers = pd.to_numeric(cleaned.where(~blank), errors="coerce").astype(float).to_numpy()
    bad = ~blank & np.isnan(numbers)
    if not has_missing:
        numbers, bad = np.append(numbers, np.nan), np.append(bad, False)
    return numbers, bad


def numeric_series(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Convert a column to float, reading Persian/Arabic digits.

    Returns ``(numbers, bad)`` where ``bad`` is a boolean mask of non-blank cells
    that are not numbers (they become NaN in ``numbers``; the caller decides
    whether to quarantine their rows). Each distinct cell is parsed once (:func:`coded_numbers`).

    >>> numbers, bad = numeric_series(pd.Series(["٣٫٥", " 4 ", "", "four"]))
    >>> numbers.tolist()[:2], bad.tolist()
    ([3.5, 4.0], [False, False, False, True])
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.astype(float)
        return numbers, pd.Series(False, index=values.index)
    coded = coded_numbers(values)
    return (
        pd.Series(coded.rows(coded.numbers), index=values.index, name=values.name),
        pd.Series(coded.rows(coded.bad), index=values.index, name=values.name),
    )
