"""csmlib.core.dates: Gregorian and Solar Hijri (Jalali) dates and timestamps.

Reference values, checked by hand against the published Iranian calendar (Nowruz = 1 Farvardin
is the day of the spring equinox when it falls before noon in Tehran, else the day after;
months 1–6 have 31 days, 7–11 have 30, Esfand 29 or 30):

- Nowruz 1398 = 2019-03-21, 1399 = 2020-03-20, 1400 = 2021-03-21, 1401 = 2022-03-21,
  1402 = 2023-03-21, 1403 = 2024-03-20, 1404 = 2025-03-21, 1405 = 2026-03-21,
  1406 = 2027-03-21, 1407 = 2028-03-20, 1408 = 2029-03-20.
- Leap years (30 Esfand exists): 1395 (1395/12/30 = 2017-03-20), 1399 (= 2021-03-20),
  1403 (= 2025-03-20), 1408 (= 2030-03-20); 1404, 1405 and 1407 are common years.
- 1405/04/11 = 2026-07-02 (31+31+31+11 = day 104 of the year, 2026-03-21 + 103 days);
  1404/07/09 = 2025-10-01 (day 195); Yalda, 1404/09/30 = 2025-12-21 (day 276).
- Tehran: UTC+03:30 since 2022 (no daylight saving), UTC+04:30 in summer 1400 (2021).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csmlib.core import dates as D
from csmlib.core.dates import format_date, parse_date, parse_timestamps, resolve_calendar

NOWRUZ = {
    1398: "2019-03-21",
    1399: "2020-03-20",
    1400: "2021-03-21",
    1401: "2022-03-21",
    1402: "2023-03-21",
    1403: "2024-03-20",
    1404: "2025-03-21",
    1405: "2026-03-21",
    1406: "2027-03-21",
    1407: "2028-03-20",
    1408: "2029-03-20",
}


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


# ============================================================================ parse_date
@pytest.mark.parametrize("year, gregorian", sorted(NOWRUZ.items()))
def test_nowruz_dates(year, gregorian):
    assert parse_date(f"{year}/01/01", calendar="jalali") == day(gregorian)


@pytest.mark.parametrize(
    "text, gregorian",
    [
        ("1395/12/30", "2017-03-20"),
        ("1399/12/30", "2021-03-20"),
        ("1403/12/30", "2025-03-20"),
        ("1408/12/30", "2030-03-20"),
        ("1404/12/29", "2026-03-20"),
        ("1407/12/29", "2029-03-19"),
    ],
)
def test_last_day_of_leap_and_common_years(text, gregorian):
    assert parse_date(text, calendar="jalali") == day(gregorian)


@pytest.mark.parametrize("year", [1404, 1405, 1407])
def test_30_esfand_of_a_common_year_is_rejected(year):
    with pytest.raises(
        ValueError,
        match=rf"not a valid Solar Hijri date \({year}/12/30\): "
        rf"{year} is not a leap year, Esfand has 29 days",
    ):
        parse_date(f"{year}/12/30", calendar="jalali")


@pytest.mark.parametrize(
    "text",
    [
        "1405/04/11",
        "۱۴۰۵/۰۴/۱۱",
        "١٤٠٥/٠٤/١١",
        "1405-04-11",
        "1405.04.11",
        "۱۴۰۵-۴-۱۱",
        "11/04/1405",
        "١١.٠٤.١٤٠٥",
        " \u200f۱۴۰۵/۰۴/۱۱\u200f ",
    ],
)
def test_jalali_digits_separators_and_order(text):
    assert parse_date(text, calendar="jalali") == day("2026-07-02")


def test_more_hand_checked_days():
    assert parse_date("1404/07/09", calendar="jalali") == day("2025-10-01")
    assert parse_date("1404/09/30", calendar="jalali") == day("2025-12-21")  # Yalda
    assert parse_date("1405/06/31", calendar="jalali") == day("2026-09-22")  # last 31-day month


@pytest.mark.parametrize(
    "text, why",
    [
        ("1405/13/01", r"there is no month 13"),
        ("1405/00/10", r"there is no month 0"),
        ("1405/04/32", r"month 4 has 31 days"),
        ("1405/07/31", r"month 7 has 30 days"),
        ("1405/04/00", r"there is no day 0"),
    ],
)
def test_days_that_do_not_exist(text, why):
    with pytest.raises(ValueError, match=r"not a valid Solar Hijri date .*" + why):
        parse_date(text, calendar="jalali")


def test_gregorian_dates():
    for text in (
        "2026-07-02",
        "2026/07/02",
        "02/07/2026",
        "02.07.2026",
        "02-07-2026",
        "۲۰۲۶-۰۷-۰۲",
        dt.date(2026, 7, 2),
        dt.datetime(2026, 7, 2, 15, 0),
        pd.Timestamp("2026-07-02"),
    ):
        assert parse_date(text) == day("2026-07-02")
    with pytest.raises(ValueError, match="no such day"):
        parse_date("2026-02-29")
    assert parse_date("2024-02-29") == day("2024-02-29")


@pytest.mark.parametrize(
    "value, shown",
    [
        ("1405/04/11", "1405/04/11"),
        ("۱۴۰۵/۰۴/۱۱", "1405/04/11"),
        ("11/04/1405", "11/04/1405"),
        ("1399-12-30", "1399-12-30"),
        (dt.date(1405, 4, 11), "1405-04-11"),  # YAML reads 1405-04-11 as a date
    ],
)
def test_solar_hijri_looking_dates_are_rejected_under_gregorian(value, shown):
    with pytest.raises(ValueError) as err:
        parse_date(value)
    assert str(err.value) == f"looks like a Solar Hijri date ({shown}); declare calendar: jalali"


@pytest.mark.parametrize("value", ["2026-07-02", "02/07/2026", "۲۰۲۶/۰۷/۰۲", "1999.12.31"])
def test_gregorian_looking_text_is_rejected_under_jalali(value):
    with pytest.raises(ValueError, match=r"^looks like a Gregorian date \(.+\); declare calendar: gregorian$"):
        parse_date(value, calendar="jalali")


def test_date_objects():
    # YAML reads an unquoted 1405-04-11 as date(1405, 4, 11): Solar Hijri fields under "jalali"
    assert parse_date(dt.date(1405, 1, 1), calendar="jalali") == day("2026-03-21")
    assert parse_date(dt.datetime(1403, 12, 30, 10, 0), calendar="jalali") == day("2025-03-20")
    with pytest.raises(ValueError, match="not a leap year"):
        parse_date(dt.date(1404, 12, 30), calendar="jalali")
    # any other date object is a Gregorian date, whatever the calendar (a model validated again)
    assert parse_date(dt.date(2026, 7, 2), calendar="jalali") == day("2026-07-02")
    assert parse_date(pd.Timestamp("2026-07-02 10:00"), calendar="jalali") == day("2026-07-02")


@pytest.mark.parametrize(
    "value, message",
    [
        ("", "no date given"),
        (None, "no date given"),
        (float("nan"), "no date given"),
        ("1405/04/11 09:30", "expected a date without a time of day"),
        ("2026", "not a date: '2026'"),
        ("tomorrow", "not a date"),
        (20260702, "not a date"),
        ("1605/01/01", r"not a plausible Solar Hijri year"),
    ],
)
def test_parse_date_reasons(value, message):
    with pytest.raises(ValueError, match=message):
        parse_date(value, calendar="jalali" if "Solar" in message else "gregorian")


def test_unknown_calendar():
    with pytest.raises(ValueError, match="calendar must be 'gregorian' or 'jalali'"):
        parse_date("2026-07-02", calendar="persian")
    with pytest.raises(ValueError, match="calendar must be"):
        parse_timestamps(pd.Series(["2026-07-02"]), calendar="hijri")


# ============================================================================ parse_timestamps
def test_jalali_timestamps_digits_separators_time_and_offsets():
    values = pd.Series(
        [
            "1405/04/11 09:30",  # naive, Tehran (+03:30)   → 06:00 UTC
            "۱۴۰۵/۰۴/۱۱ ۰۹:۳۰",  # Persian digits
            "١٤٠٥/٠٤/١١ ٠٩:٣٠",  # Arabic-Indic digits
            "1405-04-11 09:30:15",  # dashes, seconds
            "1405.04.11 09:30",  # dots
            "1405/04/11",  # no time: midnight Tehran → 20:30 UTC the day before
            "1405-04-11T09:30:00+03:30",  # ISO-like with offset
            "1405/04/11 09:30Z",  # UTC
            "1405/04/11 9:30 +0330",  # one-digit hour, offset without colon
            "11/04/1405 09:30",  # day first
            "1405/4/11 09:30:00.250",  # one-digit month, fraction of a second
            "1400/04/01 12:00",  # summer 1400: Tehran was +04:30 → 07:30 UTC
        ],
        index=range(10, 22),
    )
    stamps, reason = parse_timestamps(values, calendar="jalali", tz="Asia/Tehran")
    assert reason.isna().all(), reason.dropna().tolist()
    assert str(stamps.dtype) == "datetime64[ns, UTC]"
    assert stamps.index.tolist() == list(range(10, 22))
    expected = [
        "2026-07-02 06:00",
        "2026-07-02 06:00",
        "2026-07-02 06:00",
        "2026-07-02 06:00:15",
        "2026-07-02 06:00",
        "2026-07-01 20:30",
        "2026-07-02 06:00",
        "2026-07-02 09:30",
        "2026-07-02 06:00",
        "2026-07-02 06:00",
        "2026-07-02 06:00:00.250",
        "2021-06-22 07:30",
    ]
    assert stamps.tolist() == [utc(e) for e in expected]


def test_jalali_timestamps_rejected_with_reasons():
    values = pd.Series(
        [
            "1404/12/30 10:00",
            "1405/13/01",
            "2026-07-02 09:30",
            "1405/04/11 25:00",
            "1405/04/11 09:61",
            "1405/04-11",
            "soon",
            "1605/01/01",
            "1405/04/11 09:30 +1900",
            "",
            None,
            "1403/12/30 23:59",
        ]
    )
    stamps, reason = parse_timestamps(values, calendar="jalali", tz="Asia/Tehran")
    assert reason.tolist() == [
        "not a valid Solar Hijri date (1404/12/30): 1404 is not a leap year, Esfand has 29 days",
        "not a valid Solar Hijri date (1405/13/01): there is no month 13",
        "looks like a Gregorian date (2026-07-02); declare calendar: gregorian",
        "not a valid time of day",
        "not a valid time of day",
        "unparseable timestamp",
        "unparseable timestamp",
        "not a plausible Solar Hijri year (1605/01/01; years 1300–1499 are read)",
        "not a valid time of day",
        pd.NA,
        pd.NA,
        pd.NA,
    ]
    assert stamps.iloc[:11].isna().all()
    assert stamps.iloc[11] == utc("2025-03-20 20:29")  # 30 Esfand 1403 exists


def test_solar_hijri_text_under_gregorian_is_rejected_not_misread():
    # before csmlib.core.dates this became 1989-10-30 (a wrapped-around year 1405)
    values = pd.Series(
        ["1405/04/11 09:30", "۱۴۰۵/۰۴/۱۱ ۰۹:۳۰", "11/04/1405", "1405-04-11T09:30:00Z", "2026-07-02 09:30", "1066-10-14"]
    )
    stamps, reason = parse_timestamps(values, tz="Asia/Tehran")
    assert reason.tolist() == [
        "looks like a Solar Hijri date (1405/04/11); declare calendar: jalali",
        "looks like a Solar Hijri date (1405/04/11); declare calendar: jalali",
        "looks like a Solar Hijri date (11/04/1405); declare calendar: jalali",
        "looks like a Solar Hijri date (1405-04-11); declare calendar: jalali",
        pd.NA,
        "date out of range (1066-10-14; years 1678–2261 are read)",
    ]
    assert stamps.isna().tolist() == [True, True, True, True, False, True]
    assert stamps.iloc[4] == utc("2026-07-02 06:00")


def test_date_cells_are_gregorian_under_either_calendar():
    cells = pd.Series(
        [
            dt.datetime(2026, 7, 2, 9, 30),
            46205.395833333336,
            "1405/04/11 09:30",
            dt.datetime(1405, 4, 11, 9, 30),
            None,
            dt.datetime(1066, 10, 14),
        ],
        dtype=object,
    )
    stamps, reason = parse_timestamps(cells, calendar="jalali", tz="Asia/Tehran")
    assert stamps.iloc[:4].tolist() == [utc("2026-07-02 06:00")] * 4  # 46205.3958 = 2026-07-02 09:30
    assert reason.iloc[:5].isna().all() and pd.isna(stamps.iloc[4])
    assert reason.iloc[5] == "date out of range (1066-10-14; years 1678–2261 are read)"
    stamps, reason = parse_timestamps(cells, calendar="gregorian", tz="Asia/Tehran")
    assert stamps.iloc[:2].tolist() == [utc("2026-07-02 06:00")] * 2
    assert reason.iloc[2] == "looks like a Solar Hijri date (1405/04/11); declare calendar: jalali"
    assert reason.iloc[3] == "looks like a Solar Hijri date (1405/04/11); declare calendar: jalali"
    # a datetime64 column holding a Solar Hijri year (pandas 3 keeps it, in microseconds)
    column = pd.Series(pd.to_datetime(["1405-04-11 09:30", "2026-07-02"], format="ISO8601"), index=[5, 6])
    stamps, reason = parse_timestamps(column)
    assert pd.isna(stamps[5]) and reason[5] == "looks like a Solar Hijri date (1405/04/11); declare calendar: jalali"
    assert stamps[6] == utc("2026-07-02")
    stamps, reason = parse_timestamps(column, calendar="jalali", tz="Asia/Tehran")
    assert stamps.tolist() == [utc("2026-07-02 06:00"), utc("2026-07-01 20:30")] and reason.isna().all()


def test_each_distinct_day_is_converted_once(monkeypatch):
    seen = []
    real = D._jalali_days

    def spy(keys):
        seen.append(len(keys))
        return real(keys)

    monkeypatch.setattr(D, "_jalali_days", spy)
    rng = np.random.default_rng(1)
    days = rng.choice(["1405/01/01", "1405/01/02", "1405/06/31"], size=20_000)
    hours = rng.integers(0, 24, size=20_000)
    values = pd.Series([f"{d} {h:02d}:15" for d, h in zip(days, hours)])
    stamps, reason = parse_timestamps(values, calendar="jalali")
    assert seen == [3]
    assert reason.isna().all()
    first = stamps[values == "1405/01/01 00:15"]
    assert (first == utc("2026-03-21 00:15")).all()


@settings(max_examples=150, deadline=None)
@given(st.dates(min_value=dt.date(1921, 3, 22), max_value=dt.date(2121, 3, 19)), st.integers(0, 23), st.integers(0, 59))
def test_property_jalali_text_and_gregorian_text_give_the_same_instant(day_, hour, minute):
    jalali = format_date(day_, language="fa")  # Persian digits, e.g. ۱۴۰۵/۰۴/۱۱
    assert parse_date(jalali, calendar="jalali") == day_
    j_stamps, j_reason = parse_timestamps(pd.Series([f"{jalali} {hour:02d}:{minute:02d}"]), calendar="jalali", tz="Asia/Tehran")
    g_stamps, g_reason = parse_timestamps(
        pd.Series([f"{day_.isoformat()} {hour:02d}:{minute:02d}"]), calendar="gregorian", tz="Asia/Tehran"
    )
    assert j_reason.isna().all() and g_reason.isna().all()
    assert j_stamps.iloc[0] == g_stamps.iloc[0]


# ============================================================================ format_date
def test_format_date():
    assert format_date(day("2026-07-02"), language="fa") == "۱۴۰۵/۰۴/۱۱"
    assert format_date(day("2026-03-21"), language="fa") == "۱۴۰۵/۰۱/۰۱"
    assert format_date(day("2025-03-20"), language="fa") == "۱۴۰۳/۱۲/۳۰"
    assert format_date(pd.Timestamp("2025-12-21 23:00"), language="fa") == "۱۴۰۴/۰۹/۳۰"
    assert format_date(day("2026-07-02")) == "2026-07-02"
    assert format_date(dt.datetime(2026, 7, 2, 9, 30), language="en") == "2026-07-02"
    assert format_date(np.datetime64("2026-07-02")) == "2026-07-02"
    assert format_date(pd.NaT) == "" and format_date(None, language="fa") == ""


# ============================================================================ resolve_calendar
def test_resolve_calendar_wave_over_codebook_over_default():
    assert resolve_calendar(SimpleNamespace(calendar="jalali"), SimpleNamespace(calendar=None)) == "jalali"
    assert resolve_calendar(SimpleNamespace(calendar="jalali"), SimpleNamespace(calendar="gregorian")) == "gregorian"
    assert resolve_calendar(SimpleNamespace(calendar="gregorian"), SimpleNamespace(calendar="jalali")) == "jalali"
    assert resolve_calendar(SimpleNamespace(), SimpleNamespace()) == "gregorian"  # fields not there yet
    assert resolve_calendar(None, None) == "gregorian"
    with pytest.raises(ValueError, match="calendar must be"):
        resolve_calendar(SimpleNamespace(calendar="shamsi"))


@settings(max_examples=300, deadline=None)
@given(st.integers(1500, 2300), st.integers(0, 13), st.integers(0, 32))
def test_a_wave_files_iso_date_reads_as_the_vectorised_reader_reads_it(year, month, day_of_month):
    """parse_date's shortcut for ``YYYY-MM-DD`` (the form wave files use) agrees with the general
    reader, which reads ``YYYY/MM/DD`` the same way: the same day, or the same refusal."""
    iso, slashed = f"{year:04d}-{month:02d}-{day_of_month:02d}", f"{year:04d}/{month:02d}/{day_of_month:02d}"

    def read(text):
        try:
            return parse_date(text)
        except ValueError as exc:  # the refusal quotes the text as given
            return str(exc).replace(slashed, iso)

    assert read(iso) == read(slashed)
