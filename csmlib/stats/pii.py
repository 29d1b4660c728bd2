"""Personal data in open comments: e-mail addresses, phone numbers, national ids, card numbers and
IBANs replaced by placeholders before any text is shown or counted.

:func:`mask_pii` is applied to every quote and term the comment statistics show
(:mod:`csmlib.stats.comments`); the forms it recognises and the check digits it verifies are
listed in its docstring and in ``docs/methods/comments.md`` §5.
"""

from __future__ import annotations

import math
import re
from typing import overload

import pandas as pd

from csmlib.core.text import to_ascii_digits
from csmlib.survey.codeframe import as_text_series

__all__ = ["mask_pii", "PII_PLACEHOLDERS", "PII_PLACEHOLDER_PATTERN"]

#: Placeholders that replace personal data in :func:`mask_pii`.
PII_PLACEHOLDERS = {"email": "[email]", "iban": "[iban]", "card": "[card]", "phone": "[phone]", "id": "[id]"}
#: Any of the placeholders, e.g. to leave them out of word counts.
PII_PLACEHOLDER_PATTERN = re.compile(r"\[(?:" + "|".join(PII_PLACEHOLDERS) + r")\]")

_BEFORE = r"(?<![0-9A-Za-z_/.\-+])"  # not inside a longer number, code or word
_AFTER = r"(?![0-9A-Za-z_/]|[.\-][0-9])"
_SEP = r"[ \u00a0\-]?"
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_IBAN = re.compile(r"(?<![0-9A-Za-z_])[Ii][Rr]" + _SEP + r"(?:[0-9]" + _SEP + r"){23}[0-9]" + _AFTER)
_CARD = re.compile(_BEFORE + r"[0-9]{4}(?:" + _SEP + r"[0-9]{4}){3}" + _AFTER)
_MOBILE = r"9[0-9]{2}\)?" + _SEP + r"[0-9]{3}" + _SEP + r"[0-9]{2}" + _SEP + r"[0-9]{2}"
_LANDLINE = r"[1-8][0-9]\)?" + _SEP + r"[0-9]{4}" + _SEP + r"[0-9]{4}"
_PHONE = re.compile(
    _BEFORE + r"(?:"
    r"(?:\+|00)98" + _SEP + r"(?:\(0\)" + _SEP + r"|0" + _SEP + r")?\(?(?:" + _MOBILE + "|" + _LANDLINE + r")"  # +98 / 0098
    r"|\(?0(?:" + _MOBILE + "|" + _LANDLINE + r")"  # 0912…, 021-…
    r"|(?P<intl>(?:\+|00)(?!98)[1-9][0-9]{0,2}(?:" + _SEP + r"\(?[0-9]{1,4}\)?){2,5})"
    r")" + _AFTER
)
_NATIONAL_ID = re.compile(_BEFORE + r"[0-9]{3}" + _SEP + r"[0-9]{6}" + _SEP + r"[0-9]" + _AFTER)
_MAYBE_PII = re.compile(r"[@0-9\u06f0-\u06f9\u0660-\u0669]")
_NOT_DIGIT = re.compile(r"[^0-9]")


def _luhn_ok(digits: str) -> bool:
    """Luhn (ISO/IEC 7812-1): doubling every second digit from the right, the digit sum is a
    multiple of 10."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _iban_ok(iban: str) -> bool:
    """ISO 13616 mod-97: the first four characters moved to the end, letters read as 10–35
    (A = 10 … Z = 35), the number is 1 modulo 97."""
    s = re.sub(r"[\s\-]", "", iban).upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[0-9A-Z]+", s):
        return False
    moved = s[4:] + s[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def _national_id_ok(digits: str) -> bool:
    """Iranian national id (کد ملی): 10 digits d1…d10, s = Σ_{i=1..9} d_i·(11 − i), r = s mod 11;
    valid when d10 = r for r < 2 and d10 = 11 − r otherwise; ten equal digits are not issued."""
    if len(digits) != 10 or len(set(digits)) == 1:
        return False
    r = sum(int(digits[i]) * (10 - i) for i in range(9)) % 11
    return int(digits[9]) == (r if r < 2 else 11 - r)


def _phone_ok(m: re.Match) -> bool:
    if m.group("intl") is None:
        return True  # the Iranian forms are exact
    n = len(_NOT_DIGIT.sub("", m.group()))
    return 8 <= n - (2 if m.group().startswith("00") else 0) <= 15


_PII_RULES = (
    ("email", _EMAIL, None),
    ("iban", _IBAN, lambda m: _iban_ok(m.group())),
    ("card", _CARD, lambda m: _luhn_ok(_NOT_DIGIT.sub("", m.group()))),
    ("phone", _PHONE, _phone_ok),
    ("id", _NATIONAL_ID, lambda m: _national_id_ok(_NOT_DIGIT.sub("", m.group()))),
)


def _mask_one(text: str) -> str:
    if not _MAYBE_PII.search(text):
        return text
    for kind, rx, ok in _PII_RULES:
        shadow = to_ascii_digits(text)  # same length: spans carry over to ``text``
        pieces, last = [], 0
        for m in rx.finditer(shadow):
            if ok is None or ok(m):
                pieces += [text[last : m.start()], PII_PLACEHOLDERS[kind]]
                last = m.end()
        if pieces:
            text = "".join(pieces) + text[last:]
    return text


@overload
def mask_pii(texts: str) -> str: ...
@overload
def mask_pii(texts: None) -> None: ...
@overload
def mask_pii(texts: list[str | None] | tuple[str | None, ...]) -> list[str | None]: ...
@overload
def mask_pii(texts: pd.Series) -> pd.Series: ...
def mask_pii(
    texts: str | pd.Series | list[str | None] | tuple[str | None, ...] | None,
) -> str | pd.Series | list[str | None] | None:
    """Replace personal data in comments by placeholders (:data:`PII_PLACEHOLDERS`).

    Replaced, in this order, with Latin, Persian or Arabic-Indic digits:

    - ``[email]``: e-mail addresses ``local@domain.tld``;
    - ``[iban]``: Iranian IBANs (Sheba) ``IR`` + 24 digits, spaced or not, whose ISO 13616
      mod-97 check holds;
    - ``[card]``: bank card numbers of 16 digits (groups of 4 may be separated by a space or a
      hyphen) whose Luhn check holds;
    - ``[phone]``: Iranian mobiles ``09xx xxx xxxx`` (also ``09xxxxxxxxx``, ``0912-345-6789``),
      landlines ``0xx xxxx xxxx`` (``021-88776655``, ``(021) 88776655``), both also after
      ``+98``/``0098`` (``+98 912 345 6789``, ``+98 21 8877 6655``), and other international
      numbers starting with ``+`` or ``00`` with 8–15 digits;
    - ``[id]``: Iranian national ids, 10 digits (or ``xxx-xxxxxx-x``) whose check digit holds
      (:func:`_national_id_ok`).

    A number counts only as a whole: digits, Latin letters, ``/``, ``.``, ``-`` or ``+`` right
    before it (or a digit, letter or ``/`` right after) make it part of a longer code, which
    stays. Order numbers, prices, dates and numbers failing their check stay as they are.

    Parameters
    ----------
    texts : str, Series or sequence of str
        A Series gives a Series (same index, missing values kept), a str a str, a list a list.

    Examples
    --------
    >>> from csmlib.stats.pii import mask_pii
    >>> mask_pii("Call me on 0912 345 6789 or write to ali@example.com about order 4471")
    'Call me on [phone] or write to [email] about order 4471'
    >>> mask_pii("کد ملی ۰۴۹۹۳۷۰۸۹۹ و کارت 4111-1111-1111-1111")
    'کد ملی [id] و کارت [card]'
    """
    if texts is None or texts is pd.NA or (isinstance(texts, float) and math.isnan(texts)):
        return texts
    if isinstance(texts, str):
        return _mask_one(texts)
    if isinstance(texts, pd.Series):
        s = as_text_series(texts, "mask_pii")
        hit = (
            s.str.contains(r"[@0-9\x{06f0}-\x{06f9}\x{0660}-\x{0669}]", regex=True, na=False)
            if _arrow_backed(s)
            else s.str.contains(_MAYBE_PII, na=False)
        )
        out = s.copy()
        if hit.any():
            out[hit] = [_mask_one(t) for t in s[hit].tolist()]
        return out
    return [None if t is None else _mask_one(str(t)) for t in texts]


def _arrow_backed(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"
