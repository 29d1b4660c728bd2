"""Dates and timestamps in the Gregorian and the Solar Hijri (Jalali, خورشیدی) calendar.

The one home of the rules that turn written dates into dates and instants (wave files through
:func:`parse_date`, complaints logs and action registers through :func:`parse_timestamps`) and of
the way a date is shown (:func:`format_date`).

Rules
-----
- **Calendar.** A file's dates are written in one calendar, ``"gregorian"`` (default) or
  ``"jalali"``, declared by the codebook's ``calendar`` and overridden by the wave file's
  (:func:`resolve_calendar`). Dates are never guessed: under ``"gregorian"`` a date whose year is
  1300–1499 *looks like a Solar Hijri date* and is rejected with that reason (read as Gregorian it
  would be six centuries off, or wrap around to a wrong modern date); under ``"jalali"`` a date
  whose year is 1900–2099 *looks like a Gregorian date* and is rejected likewise; other years
  outside 1300–1499 are not plausible Solar Hijri years and are rejected too.
- **Digits and separators.** Persian (۰–۹) and Arabic-Indic (٠–٩) digits are read as ASCII
  digits (the table of :mod:`csmlib.core.text`) and direction marks (LRM, RLM, ALM, embeddings and
  isolates, which Persian spreadsheets insert around numbers) are dropped. The year has four
  digits and comes first (``1405/04/11``) or last (``11/04/1405``, day first); the separators are
  ``/``, ``-`` or ``.``, the same twice.
- **Time.** An optional time of day ``HH:MM`` or ``HH:MM:SS`` (with a fraction of a second)
  follows after a space or ``T``, optionally with an offset ``Z``/``+03:30``/``+0330``. A time
  without an offset is wall-clock time in the time zone ``tz`` (a time that daylight saving skips
  is moved forward, an ambiguous one is read as standard time); all timestamps come out in UTC.
- **Gregorian text** is read as before by pandas: ISO 8601 (``2026-07-02T09:30:00+03:30``,
  ``2026-07-02``), ``2026/07/02 09:30``, and day first ``02/07/2026``, ``02.07.2026``,
  ``02-07-2026`` (a slash date with the year last is always day first). Years outside 1678–2261
  (the range of nanosecond timestamps) are rejected, never wrapped around.
- **Solar Hijri text** is converted exactly with :mod:`jdatetime` (33-year leap rule, which
  agrees with the official Iranian calendar over 1300–1499: 1399, 1403 and 1408 are leap years,
  1404 is not). A date that does not exist (month 13, day 32, 30 Esfand of a common year) is
  rejected with the reason.
- **Date values** (Excel and Parquet datetimes, Excel serial day numbers, dates that YAML
  hands over) hold Gregorian dates whatever calendar a sheet shows, so they are read as such
  under either calendar; only text is read in the declared calendar. The exception is a date
  value whose year is 1300–1499: Solar Hijri text read as a Gregorian date on the way (YAML
  reads an unquoted ``1405-04-11`` as a date); its fields are read as Solar Hijri under
  ``"jalali"`` and it is rejected under ``"gregorian"``.

References: Iranian calendar law (قانون تقویم رسمی کشور, 1304/1925): the year begins at the
spring equinox (Nowruz), months 1–6 have 31 days, 7–11 have 30, Esfand 29 (30 in a leap year).
K. M. Borkowski, "The Persian calendar for 3000 years", *Earth, Moon and Planets* 74 (1996)
223–230. Published Nowruz dates: 1403/01/01 = 2024-03-20, 1404/01/01 = 2025-03-21,
1405/01/01 = 2026-03-21.

>>> parse_date("۱۴۰۵/۰۱/۰۱", calendar="jalali")
datetime.date(2026, 3, 21)
>>> format_date(parse_date("2026-07-02"), language="fa")
'۱۴۰۵/۰۴/۱۱'
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re

import jdatetime
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from csmlib.core.text import ASCII_DIGITS, localize

__all__ = [
    "CALENDARS",
    "check_calendar",
    "resolve_calendar",
    "parse_date",
    "parse_timestamps",
    "to_utc",
    "format_date",
    "UNPARSEABLE",
    "NS_PER_S",
]

CALENDARS = ("gregorian", "jalali")
SOLAR_HIJRI_YEARS = (1300, 1499)  # read under "jalali"; rejected under "gregorian"
GREGORIAN_YEARS = (1900, 2099)  # rejected under "jalali"
NS_YEARS = (1678, 2261)  # whole years that int64 nanoseconds hold
UNPARSEABLE = "unparseable timestamp"

_NAT = np.iinfo(np.int64).min
NS_PER_S = 1_000_000_000  # nanoseconds in a second (int64 timestamps)
_NS_PER_DAY = 86_400 * NS_PER_S
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_EXCEL_MAX_DAYS = (pd.Timestamp(f"{NS_YEARS[1] + 1}-01-01") - _EXCEL_EPOCH).days
_STRING = "string[pyarrow]"
_MARKS = "[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]"  # direction marks
_FOREIGN_DIGITS = "[۰-۹٠-٩]"
_OFFSET_RE = r"(?:Z|[+-]\d\d:?\d\d)$"  # with a ':' elsewhere (a time), so 31-12-2025 is naive
_NAIVE_FORMATS = (
    "ISO8601",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y",
)
_AWARE_FORMATS = (
    "ISO8601",
    "%d/%m/%Y %H:%M%z",
    "%d/%m/%Y %H:%M %z",
    "%d/%m/%Y %H:%M:%S%z",
    "%d/%m/%Y %H:%M:%S %z",
    "%Y/%m/%d %H:%M%z",
    "%Y/%m/%d %H:%M %z",
    "%Y/%m/%d %H:%M:%S%z",
    "%Y/%m/%d %H:%M:%S %z",
)
# a date (year first or last, two equal separators) and an optional time of day with offset
_DATE = r"(?P<a>\d{1,4})(?P<s1>[/.\-])(?P<b>\d{1,2})(?P<s2>[/.\-])(?P<c>\d{1,4})"
_TIME = (
    r"(?:(?:T|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<F>\d{1,9}))?)?"
    r"\s*(?P<Z>Z|[+-]\d{2}:?\d{2})?)?"
)
_DATE_TIME_RE = "^" + _DATE + _TIME + "$"
_FIXED = r"^\d{4}[/.\-]\d\d[/.\-]\d\d(?:[ T]\d\d:\d\d(?::\d\d)?)?$"  # YYYY/MM/DD[ HH:MM[:SS]]
_DATE_TEXT = r"^(\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4})"  # the date part, for messages
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATE_ONLY = re.compile(r"^(?:\d{4}([/.\-])\d{1,2}\1\d{1,2}|\d{1,2}([/.\-])\d{1,2}\2\d{4})$")
_SOLAR_LOOKING = r"^(?:1[34]\d\d[/.\-]\d{1,2}[/.\-]\d{1,2}|\d{1,2}[/.\-]\d{1,2}[/.\-]1[34]\d\d)(?:[T\s]|$)"
_LOOKS_SOLAR = "looks like a Solar Hijri date ({}); declare calendar: jalali"
_LOOKS_GREGORIAN = "looks like a Gregorian date ({}); declare calendar: gregorian"


# ============================================================================================
# calendar
# ============================================================================================


def check_calendar(calendar) -> str:
    """``calendar`` as one of :data:`CALENDARS`, or ``ValueError`` naming the choices.

    >>> check_calendar("jalali")
    'jalali'
    """
    if calendar not in CALENDARS:
        raise ValueError(f"calendar must be 'gregorian' or 'jalali', not {calendar!r}")
    return calendar


def resolve_calendar(codebook=None, params=None) -> str:
    """The calendar of a wave's dates: the wave file's ``calendar`` when set, else the
    codebook's, else ``"gregorian"``. Either object may lack the field (read with ``getattr``).

    >>> from types import SimpleNamespace as NS
    >>> resolve_calendar(NS(calendar="jalali"), NS(calendar=None))
    'jalali'
    >>> resolve_calendar(NS(calendar="jalali"), NS(calendar="gregorian"))
    'gregorian'
    >>> resolve_calendar()
    'gregorian'
    """
    for source in (params, codebook):
        value = getattr(source, "calendar", None)
        if value is not None:
            return check_calendar(value)
    return "gregorian"


# ============================================================================================
# one value
# ============================================================================================


def parse_date(value, calendar: str = "gregorian") -> dt.date:
    """Read one date (a wave file's fieldwork dates) in ``calendar``; the Gregorian date.

    ``value`` is text (``2026-07-02``, ``2026/07/02``, ``02/07/2026`` day first, ``02.07.2026``;
    Solar Hijri ``1405/04/11``, ``۱۴۰۵-۰۴-۱۱``, ``11/04/1405``) or a ``date``/``datetime`` (its
    time of day is ignored). Text with a time of day is refused. Text follows the rules of the
    module (a year of 1300–1499 under ``"gregorian"``, or 1900–2099 under ``"jalali"``, is
    rejected). A date object is a Gregorian date under either calendar, except one whose year
    is 1300–1499: that is Solar Hijri text read as a date (YAML reads an unquoted
    ``1405-04-11`` as ``date(1405, 4, 11)``), converted under ``"jalali"`` and rejected under
    ``"gregorian"``. Any problem raises ``ValueError`` with the reason in plain words.

    >>> parse_date("۱۴۰۵/۰۴/۱۱", calendar="jalali")
    datetime.date(2026, 7, 2)
    >>> parse_date("02/07/2026")
    datetime.date(2026, 7, 2)
    >>> parse_date("1405/04/11")
    Traceback (most recent call last):
    ...
    ValueError: looks like a Solar Hijri date (1405/04/11); declare calendar: jalali
    >>> parse_date("1404/12/30", calendar="jalali")
    Traceback (most recent call last):
    ...
    ValueError: not a valid Solar Hijri date (1404/12/30): 1404 is not a leap year, Esfand has 29 days
    """
    calendar = check_calendar(calendar)
    if isinstance(value, (dt.date, pd.Timestamp)) and not pd.isna(value):
        if not _solar_year(value.year):
            return dt.date(value.year, value.month, value.day)
        text = f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    elif isinstance(value, str):
        text = re.sub(_MARKS, "", value).translate(ASCII_DIGITS).strip()
    elif value is None or (not isinstance(value, str) and pd.isna(value)):
        raise ValueError("no date given")
    else:
        raise ValueError(f"not a date: {value!r} (expected text such as {_example(calendar)} or a date)")
    if not text:
        raise ValueError("no date given")
    iso = _ISO_DATE.match(text) if calendar == "gregorian" else None
    if iso and not _solar_year(int(iso[1])) and NS_YEARS[0] < int(iso[1]) < NS_YEARS[1]:
        # the common case (a wave file's 2026-07-02) without the vectorised reader's milliseconds;
        # what it refuses (no such day) still gets the reader's words below
        with contextlib.suppress(ValueError):
            return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
    if not _DATE_ONLY.match(text):
        if re.match(_DATE_TIME_RE, text):
            raise ValueError(f"expected a date without a time of day: '{value}'")
        raise ValueError(f"not a date: '{value}' (expected year/month/day such as {_example(calendar)}, or day/month/year)")
    ns, reason = _parse_texts(pd.Series([text], dtype=_STRING), "UTC", calendar)
    if reason[0] is not None:
        raise ValueError(
            reason[0] if reason[0] != UNPARSEABLE else f"not a date: '{value}' (no such day in the Gregorian calendar)"
        )
    return dt.date.fromordinal(_EPOCH_ORDINAL + int(ns[0] // _NS_PER_DAY))


def to_utc(value, tz: str) -> pd.Timestamp:
    """One instant as a UTC timestamp; a value without a zone is wall-clock time in ``tz``.

    For instants given in code or parameters (a period's bounds, an analysis date, an action's
    dates): ``value`` is a ``Timestamp``, a ``date``/``datetime`` or text that pandas reads (ISO
    8601). Text from data files goes through :func:`parse_timestamps` instead (calendars, day-first
    dates, daylight-saving gaps).

    >>> str(to_utc("2026-01-01 03:30", "Asia/Tehran")), str(to_utc("2026-01-01T00:00+01:00", "Asia/Tehran"))
    ('2026-01-01 00:00:00+00:00', '2025-12-31 23:00:00+00:00')
    """
    ts = pd.Timestamp(value)
    return (ts.tz_localize(tz) if ts.tzinfo is None else ts).tz_convert("UTC")


def format_date(value, language: str = "en") -> str:
    """A date as reports show it: for ``language="fa"`` the Solar Hijri date with Persian digits
    (``۱۴۰۵/۰۴/۱۱``), else ISO 8601 ``YYYY-MM-DD``. ``value`` is a Gregorian ``date``,
    ``datetime`` or ``Timestamp`` (an aware one shows the date of its own time zone);
    missing values give ``""``.

    >>> format_date(dt.date(2026, 3, 21), language="fa")
    '۱۴۰۵/۰۱/۰۱'
    >>> format_date(pd.Timestamp("2025-03-20 10:00"))
    '2025-03-20'
    """
    if value is None or (not isinstance(value, (dt.date, str)) and pd.isna(value)) or value is pd.NaT:
        return ""
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        raise TypeError(f"format_date: expected a date, not {type(value).__name__}")
    if language == "fa":
        j = jdatetime.date.fromgregorian(date=value)
        return localize(f"{j.year:04d}/{j.month:02d}/{j.day:02d}", "fa")
    return value.isoformat()


def _example(calendar: str) -> str:
    return "1405/04/11" if calendar == "jalali" else "2026-07-02"


# ============================================================================================
# a column
# ============================================================================================


def parse_timestamps(values, calendar: str = "gregorian", tz: str = "UTC") -> tuple[pd.Series, pd.Series]:
    """Read a column of timestamps in ``calendar``; naive times are wall-clock times in ``tz``.

    Returns ``(stamps, reason)`` on the index of ``values``: ``stamps`` is
    ``datetime64[ns, UTC]`` (NaT for blanks and for values not read), ``reason`` a string
    Series, ``<NA>`` where the value was read or blank, else why it was not (for the caller's
    rejected rows). Text is read by the rules of the module; date cells and Excel serial day
    numbers are Gregorian under either calendar (unless their year is 1300–1499, see the
    module's rules). Solar Hijri dates are converted once
    per distinct day, so a million rows cost a few thousand conversions.

    >>> stamps, reason = parse_timestamps(pd.Series(["۱۴۰۵/۰۴/۱۱ ۰۹:۳۰", "1404/12/30", "2026-07-02"]),
    ...                                   calendar="jalali", tz="Asia/Tehran")
    >>> str(stamps[0])
    '2026-07-02 06:00:00+00:00'
    >>> reason.tolist()[1:]
    ['not a valid Solar Hijri date (1404/12/30): 1404 is not a leap year, Esfand has 29 days', 'looks like a Gregorian date (2026-07-02); declare calendar: gregorian']
    >>> parse_timestamps(pd.Series(["1405/04/11 09:30"]))[1][0]
    'looks like a Solar Hijri date (1405/04/11); declare calendar: jalali'
    """
    values = pd.Series(values) if not isinstance(values, pd.Series) else values
    ns, _, reason = timestamps_ns(values, calendar=calendar, tz=tz)
    stamps = pd.Series(ns.view("datetime64[ns]"), index=values.index).dt.tz_localize("UTC")
    return stamps, pd.Series(reason, index=values.index, dtype="string")


def timestamps_ns(
    values: pd.Series, *, calendar: str = "gregorian", tz: str = "UTC"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`parse_timestamps` as arrays for the validators: (int64 UTC nanoseconds with NaT
    as the int64 minimum, blank mask, reason as an object array with ``None`` where fine)."""
    calendar = check_calendar(calendar)
    n = len(values)
    values = values.reset_index(drop=True)
    reason = np.full(n, None, dtype=object)
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(values.dtype):
        out = np.full(n, _NAT, dtype=np.int64)
        blank = values.isna().to_numpy()
        years = values.dt.year.to_numpy(dtype=float, na_value=np.nan)
        fits = ~blank & (years >= NS_YEARS[0]) & (years <= NS_YEARS[1])
        outside = np.flatnonzero(~blank & ~fits)
        if outside.size:
            out[outside], reason[outside] = _cells_outside([values.iat[i] for i in outside], tz, calendar)
        if fits.any():
            good = values[fits]
            if not isinstance(values.dtype, pd.DatetimeTZDtype):
                good = _localize(good.astype("datetime64[ns]"), tz)
            out[fits] = _ns_utc(good)
        return out, blank, reason
    out = np.full(n, _NAT, dtype=np.int64)
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("string", "empty"):  # CSV text: vectorised
        s = values.astype(_STRING).str.strip()
        blank = (s.isna() | (s == "")).to_numpy(dtype=bool, na_value=True)
        pos = np.flatnonzero(~blank)
        if pos.size:
            out[pos], reason[pos] = _parse_texts(s.iloc[pos], tz, calendar)
        return out, blank, reason
    # mixed cells (Excel): text, datetimes, serial day numbers
    obj = np.asarray(values.to_numpy(dtype=object, na_value=None), dtype=object)
    blank = np.array(
        [v is None or (isinstance(v, str) and not v.strip()) or (not isinstance(v, str) and pd.isna(v)) for v in obj], dtype=bool
    )
    present = np.flatnonzero(~blank)
    reason[present] = UNPARSEABLE
    if present.size:
        kinds = np.array(
            [
                0
                if isinstance(v, str)
                else 1
                if isinstance(v, (dt.datetime, dt.date, np.datetime64))
                else 2
                if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                else 3
                for v in obj[present]
            ]
        )
        pos = present[kinds == 0]
        if pos.size:
            texts = pd.Series([v.strip() for v in obj[pos]], dtype=_STRING)
            out[pos], reason[pos] = _parse_texts(texts, tz, calendar)
        pos = present[kinds == 1]
        if pos.size:  # Excel / Python datetimes: naive → tz, aware → converted
            stamps = [pd.Timestamp(v) for v in obj[pos]]
            fits = np.array([NS_YEARS[0] <= t.year <= NS_YEARS[1] for t in stamps], dtype=bool)
            if not fits.all():
                out[pos[~fits]], reason[pos[~fits]] = _cells_outside([t for t, f in zip(stamps, fits) if not f], tz, calendar)
            naive = np.array([t.tzinfo is None for t in stamps], dtype=bool) & fits
            if naive.any():
                ser = pd.Series([t for t, k in zip(stamps, naive) if k]).astype("datetime64[ns]")
                out[pos[naive]] = _ns_utc(_localize(ser, tz))
                reason[pos[naive]] = None
            for i, t, k, f in zip(pos, stamps, naive, fits):
                if f and not k:
                    out[i] = t.tz_convert("UTC").as_unit("ns").value
                    reason[i] = None
        pos = present[kinds == 2]
        if pos.size:  # Excel serial day numbers (days since 1899-12-30), plausible range only
            days = obj[pos].astype(float)
            good = np.isfinite(days) & (days >= 1) & (days < _EXCEL_MAX_DAYS)
            if good.any():
                naive_ts = _EXCEL_EPOCH + pd.to_timedelta(np.round(days[good] * 86400.0), unit="s")
                ser = pd.Series(naive_ts).astype("datetime64[ns]")
                out[pos[good]] = _ns_utc(_localize(ser, tz))
                reason[pos[good]] = None
    return out, blank, reason


# ============================================================================================
# helpers
# ============================================================================================


def _ns_utc(stamps: pd.Series) -> np.ndarray:
    """tz-aware timestamps → int64 ns since the epoch, UTC (NaT → _NAT). A new array."""
    naive = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    return np.array(naive.to_numpy(dtype="datetime64[ns]")).view(np.int64)


def _localize(naive: pd.Series, tz: str) -> pd.Series:
    """Naive wall-clock times in ``tz`` → UTC. Ambiguous (DST fall-back) times are read as
    standard time; non-existent ones (spring-forward gap) are shifted forward."""
    amb = np.zeros(len(naive), dtype=bool)
    return naive.dt.tz_localize(tz, ambiguous=amb, nonexistent="shift_forward").dt.tz_convert("UTC")


def _solar_year(year) -> bool:
    return SOLAR_HIJRI_YEARS[0] <= year <= SOLAR_HIJRI_YEARS[1]


def _cells_outside(stamps: list, tz: str, calendar: str) -> tuple[np.ndarray, np.ndarray]:
    """Date cells (not text) outside the nanosecond range → (int64 UTC ns, reason).

    A year of 1300–1499 is Solar Hijri text that was read as a Gregorian date on the way (a
    script's ``pd.to_datetime``, YAML): under ``"jalali"`` its fields are read as Solar Hijri,
    under ``"gregorian"`` it is rejected. Any other year is out of range."""
    out = np.full(len(stamps), _NAT, dtype=np.int64)
    reason = np.full(len(stamps), None, dtype=object)
    solar = []
    for i, t in enumerate(stamps):
        t = pd.Timestamp(t)
        if not _solar_year(t.year):
            reason[i] = f"date out of range ({t.year:04d}-{t.month:02d}-{t.day:02d}; years {NS_YEARS[0]}–{NS_YEARS[1]} are read)"
        elif calendar == "gregorian":
            reason[i] = _LOOKS_SOLAR.format(f"{t.year:04d}/{t.month:02d}/{t.day:02d}")
        else:
            text = f"{t.year:04d}/{t.month:02d}/{t.day:02d} {t.hour:02d}:{t.minute:02d}:{t.second:02d}"
            if t.microsecond:
                text += f".{t.microsecond:06d}"
            if t.tzinfo is not None:
                minutes = int(t.utcoffset().total_seconds() // 60)
                text += f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
            solar.append((i, text))
    if solar:
        rows = np.array([i for i, _ in solar])
        out[rows], reason[rows] = _parse_jalali(pd.Series([x for _, x in solar], dtype=_STRING), tz)
    return out, reason


def _normalise(s: pd.Series) -> pd.Series:
    """Text with ASCII digits and without direction marks (only when there are any)."""
    if s.str.contains(_MARKS, regex=True).any():
        s = s.str.replace(_MARKS, "", regex=True).str.strip()
    if s.str.contains(_FOREIGN_DIGITS, regex=True).any():
        s = s.str.translate(ASCII_DIGITS)
    return s


def _parse_texts(s: pd.Series, tz: str, calendar: str) -> tuple[np.ndarray, np.ndarray]:
    """Stripped, non-blank texts → (int64 UTC ns with _NAT, reason object array)."""
    s = _normalise(s.reset_index(drop=True).astype(_STRING))
    if calendar == "jalali":
        return _parse_jalali(s, tz)
    n = len(s)
    out = np.full(n, _NAT, dtype=np.int64)
    reason = np.full(n, None, dtype=object)
    solar = pc.fill_null(pc.match_substring_regex(_arrow(s), _SOLAR_LOOKING), False).to_numpy(zero_copy_only=False)
    if solar.any():
        found = s[solar].str.extract(_DATE_TEXT)[0]
        reason[solar] = [_LOOKS_SOLAR.format(t) for t in found]
    rest = np.flatnonzero(~solar)
    if rest.size:
        out[rest], reason[rest] = _parse_gregorian(s.iloc[rest], tz)
    return out, reason


def _parse_gregorian(s: pd.Series, tz: str) -> tuple[np.ndarray, np.ndarray]:
    """Gregorian texts (ASCII digits) → (int64 UTC ns, reason): pandas formats, first that reads."""
    s = s.reset_index(drop=True)
    out = np.full(len(s), _NAT, dtype=np.int64)
    reason = np.full(len(s), UNPARSEABLE, dtype=object)
    aware = (s.str.contains(_OFFSET_RE, regex=True) & s.str.contains(":", regex=False)).to_numpy(dtype=bool, na_value=False)
    for mask, formats, is_aware in ((aware, _AWARE_FORMATS, True), (~aware, _NAIVE_FORMATS, False)):
        pos = np.flatnonzero(mask)
        todo = s.iloc[pos]
        for fmt in formats:
            if pos.size == 0:
                break
            parsed = pd.to_datetime(todo, format=fmt, utc=is_aware, errors="coerce")
            ok = parsed.notna().to_numpy()
            if ok.any():
                years = parsed.dt.year.to_numpy(dtype=float, na_value=np.nan)
                fits = ok & (years >= NS_YEARS[0]) & (years <= NS_YEARS[1])
                for i in np.flatnonzero(ok & ~fits):
                    t = parsed.iat[i]
                    reason[pos[i]] = (
                        f"date out of range ({t.year:04d}-{t.month:02d}-{t.day:02d}; years {NS_YEARS[0]}–{NS_YEARS[1]} are read)"
                    )
                if fits.any():
                    got = parsed[fits]
                    if not is_aware:
                        got = _localize(got.astype("datetime64[ns]"), tz)
                    out[pos[fits]] = _ns_utc(got)
                    reason[pos[fits]] = None
            pos, todo = pos[~ok], todo[~ok]
    return out, reason


def _arrow(s: pd.Series) -> pa.Array:
    """A string Series as one pyarrow string array (pyarrow's regular expressions are RE2)."""
    return pa.array(s.astype(_STRING)).cast(pa.string())


def _ints(field: pa.Array) -> np.ndarray:
    """Digit strings of an extract_regex field → int64 (empty or null → 0)."""
    field = pc.fill_null(field, "")
    field = pc.if_else(pc.equal(pc.utf8_length(field), 0), "0", field)
    return pc.cast(field, pa.int64()).to_numpy(zero_copy_only=False)


def _lengths(field: pa.Array) -> np.ndarray:
    return pc.fill_null(pc.utf8_length(field), 0).to_numpy(zero_copy_only=False)


def _jalali_days(keys: np.ndarray) -> tuple[np.ndarray, list[str | None]]:
    """Distinct yyyymmdd Solar Hijri keys → (days since 1970-01-01, reason or None)."""
    days = np.zeros(len(keys), dtype=np.int64)
    why: list[str | None] = []
    for i, key in enumerate(keys.tolist()):
        y, md = divmod(key, 10_000)
        m, d = divmod(md, 100)
        try:
            days[i] = jdatetime.date(y, m, d).togregorian().toordinal() - _EPOCH_ORDINAL
            why.append(None)
        except ValueError:
            why.append(_invalid_jalali(y, m, d))
    return days, why


def _invalid_jalali(y: int, m: int, d: int) -> str:
    """Why y/m/d is not a Solar Hijri date, in plain words (month lengths from jdatetime)."""
    head = f"not a valid Solar Hijri date ({y:04d}/{m:02d}/{d:02d}): "
    if not 1 <= m <= 12:
        return head + f"there is no month {m}"
    if d < 1:
        return head + "there is no day 0"
    leap = jdatetime.date(y, 1, 1).isleap()
    if m == 12 and d == 30 and not leap:
        return head + f"{y} is not a leap year, Esfand has 29 days"
    length = jdatetime.j_days_in_month[m - 1] + (1 if m == 12 and leap else 0)
    return head + f"month {m} has {length} days"


def _fields(arr: pa.Array) -> dict[str, np.ndarray]:
    """Date and time fields of texts (ASCII digits) as int64 arrays, with ``dated`` (a date of
    the pattern, year first or last, equal separators) and ``zone`` (offset text, "" if none).

    The common layout ``YYYY/MM/DD[ HH:MM[:SS]]`` is cut at fixed positions; the others go
    through one regular expression (both with pyarrow, no Python loop over rows)."""
    n = len(arr)
    f = {k: np.zeros(n, dtype=np.int64) for k in ("y", "m", "d", "H", "M", "S", "ns")}
    f["dated"] = np.zeros(n, dtype=bool)
    f["zone"] = np.zeros(n, dtype=object)
    fixed = pc.fill_null(pc.match_substring_regex(arr, _FIXED), False).to_numpy(zero_copy_only=False)
    pos = np.flatnonzero(fixed)
    if pos.size:
        sub = arr.filter(pa.array(fixed))
        cut = {
            k: pc.utf8_slice_codeunits(sub, a, b)
            for k, (a, b) in {"y": (0, 4), "m": (5, 7), "d": (8, 10), "H": (11, 13), "M": (14, 16), "S": (17, 19)}.items()
        }
        for k, piece in cut.items():
            f[k][pos] = _ints(piece)
        same = pc.equal(pc.utf8_slice_codeunits(sub, 4, 5), pc.utf8_slice_codeunits(sub, 7, 8))
        f["dated"][pos] = same.to_numpy(zero_copy_only=False)
        f["zone"][pos] = ""
    pos = np.flatnonzero(~fixed)
    if pos.size:
        sub = arr.filter(pa.array(~fixed))
        parts = pc.extract_regex(sub, _DATE_TIME_RE)
        field = {k: pc.struct_field(parts, k) for k in ("a", "s1", "b", "s2", "c", "H", "M", "S", "F", "Z")}
        matched = parts.is_valid().to_numpy(zero_copy_only=False)
        len_a, len_c = _lengths(field["a"]), _lengths(field["c"])
        same = pc.fill_null(pc.equal(field["s1"], field["s2"]), False).to_numpy(zero_copy_only=False)
        year_first = matched & same & (len_a == 4) & (len_c <= 2)
        year_last = matched & same & (len_c == 4) & (len_a <= 2)
        a, c = _ints(field["a"]), _ints(field["c"])
        f["y"][pos] = np.where(year_first, a, c)
        f["d"][pos] = np.where(year_first, c, a)
        f["m"][pos] = _ints(field["b"])
        for k in ("H", "M", "S"):
            f[k][pos] = _ints(field[k])
        frac = pc.fill_null(field["F"], "")
        f["ns"][pos] = _ints(frac) * 10 ** (9 - _lengths(frac))
        f["dated"][pos] = year_first | year_last
        f["zone"][pos] = pc.fill_null(field["Z"], "").to_numpy(zero_copy_only=False)
    return f


def _parse_jalali(s: pd.Series, tz: str) -> tuple[np.ndarray, np.ndarray]:
    """Solar Hijri texts (ASCII digits) → (int64 UTC ns, reason). Vectorised with pyarrow; each
    distinct day is converted once with jdatetime."""
    n = len(s)
    out = np.full(n, _NAT, dtype=np.int64)
    reason = np.full(n, UNPARSEABLE, dtype=object)
    if n == 0:
        return out, reason
    f = _fields(_arrow(s))
    y, m, d, dated = f["y"], f["m"], f["d"], f["dated"]
    texts = None

    def date_text(i: int) -> str:
        nonlocal texts
        if texts is None:
            texts = s.str.extract(_DATE_TEXT)[0].to_numpy(dtype=object)
        return texts[i]

    greg = dated & (y >= GREGORIAN_YEARS[0]) & (y <= GREGORIAN_YEARS[1])
    for i in np.flatnonzero(greg):
        reason[i] = _LOOKS_GREGORIAN.format(date_text(i))
    odd = dated & ~greg & ((y < SOLAR_HIJRI_YEARS[0]) | (y > SOLAR_HIJRI_YEARS[1]))
    for i in np.flatnonzero(odd):
        reason[i] = (
            f"not a plausible Solar Hijri year ({date_text(i)}; years {SOLAR_HIJRI_YEARS[0]}–{SOLAR_HIJRI_YEARS[1]} are read)"
        )
    cand = np.flatnonzero(dated & ~greg & ~odd)
    if cand.size == 0:
        return out, reason
    keys = y[cand] * 10_000 + m[cand] * 100 + d[cand]
    uniq, inv = np.unique(keys, return_inverse=True)
    udays, uwhy = _jalali_days(uniq)
    valid_day = np.array([w is None for w in uwhy], dtype=bool)[inv]
    days = udays[inv]
    hh, mm, ss = f["H"][cand], f["M"][cand], f["S"][cand]
    bad_time = (hh > 23) | (mm > 59) | (ss > 59)
    zone = f["zone"][cand]
    naive = zone == ""
    offsets = np.zeros(cand.size, dtype=np.int64)
    aware = np.flatnonzero(~naive)
    if aware.size:
        codes, names = pd.factorize(zone[aware])
        minutes = [_offset_minutes(z) for z in names]
        ok_zone = np.array([v is not None for v in minutes], dtype=bool)[codes]
        offsets[aware] = np.array([v or 0 for v in minutes], dtype=np.int64)[codes]
        bad_time[aware[~ok_zone]] = True
    if not valid_day.all():
        reason[cand[~valid_day]] = np.array(uwhy, dtype=object)[inv][~valid_day]
    reason[cand[valid_day & bad_time]] = "not a valid time of day"
    ok = valid_day & ~bad_time
    wall = days * _NS_PER_DAY + (hh * 3600 + mm * 60 + ss) * NS_PER_S + f["ns"][cand]
    pos = np.flatnonzero(ok & naive)
    if pos.size:
        ser = pd.Series(wall[pos].view("datetime64[ns]"))
        out[cand[pos]] = _ns_utc(_localize(ser, tz))
    pos = np.flatnonzero(ok & ~naive)
    if pos.size:
        out[cand[pos]] = wall[pos] - offsets[pos] * 60 * NS_PER_S
    reason[cand[ok]] = None
    return out, reason


def _offset_minutes(zone: str) -> int | None:
    """``Z``, ``+03:30`` or ``-0500`` → minutes east of UTC (``None`` when not a real offset)."""
    if zone == "Z":
        return 0
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 14 or minutes > 59:
        return None
    total = hours * 60 + minutes
    return -total if zone[0] == "-" else total
