"""The complaints log as data: parsing a raw export into a typed log, with a quarantine.

:func:`validate_log` is the boundary between a complaints export (text cells, several date
formats, Persian digits, free-text codes) and the analytics in :mod:`csmlib.stats.complaints`, which
assume a validated log. It needs no statistics, so reading a wave (``csm validate``, the batch's
intake) does not import scipy. Column names and conventions are those of
:mod:`csmlib.stats.complaints` (method note ``complaints.md``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from csmlib.survey.codebook import COMPLAINT_REQUIRED
from csmlib.core.dates import check_calendar, timestamps_ns, to_utc
from csmlib.core.text import normalize_label, parse_number

__all__ = ["validate_log", "REJECTED_COLUMNS", "TIMESTAMPS", "UPHELD", "NO_ESCALATION"]

TIMESTAMPS = ("received_at", "acknowledged_at", "closed_at")
TEXT_FIELDS = ("complaint_id", "channel", "category", "product", "department", "remedy", "root_cause", "customer_id")
LOWER_FIELDS = ("status", "outcome", "escalation")
NUMERIC_FIELDS = ("severity", "handling_satisfaction")
REJECTED_COLUMNS = ["row", "complaint_id", "column", "value", "reason"]

UPHELD = frozenset({"upheld", "partly upheld", "partially upheld", "partly", "partial", "yes", "y"})
NO_ESCALATION = frozenset({"none", "no", "n", "false", "0", ""})
_TRUE = frozenset({"true", "t", "yes", "y", "1", "1.0"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "0.0"})

_NAT = np.iinfo(np.int64).min
_STRING = "string[pyarrow]"


# ============================================================================================
# validation
# ============================================================================================


def _cell_text(v) -> str:
    """A raw cell as text for the rejected table ("" when missing)."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    return str(v)


def _clean_text(values: pd.Series, *, lower: bool = False) -> pd.Series:
    """Text cells stripped (lower-cased with ``lower``), blanks → NA, numbers 3.0 → "3"."""
    inv, uniq = pd.factorize(values.reset_index(drop=True), use_na_sentinel=True)
    cleaned = []
    for u in uniq:
        t = str(int(u)) if isinstance(u, float) and u.is_integer() else str(u).strip()
        cleaned.append((t.casefold() if lower else t) or None)
    out = np.array(cleaned + [None], dtype=object)[inv]
    return pd.Series(out, dtype=_STRING)


def _numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Parse numbers (Persian/Arabic digits accepted). Returns (floats, not-a-number mask)."""
    inv, uniq = pd.factorize(values.reset_index(drop=True), use_na_sentinel=True)
    parsed, bad = [], []
    for u in uniq:
        if isinstance(u, str) and not u.strip():
            parsed.append(np.nan), bad.append(False)
            continue
        try:
            parsed.append(parse_number(u)), bad.append(False)
        except (ValueError, TypeError):
            parsed.append(np.nan), bad.append(True)
    parsed_arr = np.array(parsed + [np.nan], dtype=float)
    bad_arr = np.array(bad + [False], dtype=bool)
    return parsed_arr[inv], bad_arr[inv]


def _booleans(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    inv, uniq = pd.factorize(values.reset_index(drop=True), use_na_sentinel=True)
    parsed, bad = [], []
    for u in uniq:
        key = normalize_label(u) if not isinstance(u, (bool, np.bool_)) else ("true" if u else "false")
        if isinstance(u, (int, float, np.integer, np.floating)) and not isinstance(u, (bool, np.bool_)):
            key = str(float(u))
        if key is None or key == "":
            parsed.append(None), bad.append(False)
        elif key in _TRUE:
            parsed.append(True), bad.append(False)
        elif key in _FALSE:
            parsed.append(False), bad.append(False)
        else:
            parsed.append(None), bad.append(True)
    out = np.array(parsed + [None], dtype=object)[inv]
    return pd.Series(out, dtype="boolean"), np.array(bad + [False], dtype=bool)[inv]


def validate_log(
    log: pd.DataFrame, *, categories: Sequence[str] | None = None, tz: str = "UTC", now=None, calendar: str = "gregorian"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse and quarantine a complaints log (canonical column names, raw cell values).

    Timestamps (``received_at``, ``acknowledged_at``, ``closed_at``) are read by
    :func:`csmlib.core.dates.parse_timestamps` in ``calendar`` (``"gregorian"`` or ``"jalali"``, see
    :func:`csmlib.core.dates.resolve_calendar`). Gregorian text: ISO 8601 with or without offset
    (``2025-12-31T14:00:00+03:30``, ``…Z``, ``2025-12-31 14:00``, ``2025-12-31``), day-first
    dates (``31/12/2025 14:00``, ``31.12.2025``, ``31-12-2025``; a slash date is always read
    day first), ``2025/12/31 14:00``. Solar Hijri text: ``1405/04/11 09:30``, ``1405-04-11``,
    ``11/04/1405``. Excel datetimes and Excel serial day numbers are read under either
    calendar; Persian/Arabic digits are accepted. Naive times are wall-clock times in ``tz``;
    everything is converted to UTC. A text date in the other calendar is never misread: it is
    rejected with a reason such as ``looks like a Solar Hijri date (1405/04/11); declare
    calendar: jalali``.

    Quarantine rules — one row of ``rejected`` per problem (a record can have several), every
    record with a problem is left out of ``valid``:

    =============================  =====================================================
    reason                         rule
    =============================  =====================================================
    ``missing required field``     ``complaint_id``, ``received_at`` or ``category`` blank
    ``unparseable timestamp``      a timestamp cell that no format reads
    (a reason from dates)          a date in the other calendar, a Solar Hijri date that
                                   does not exist (``1404/12/30``), a year out of range:
                                   the reason of :func:`csmlib.core.dates.parse_timestamps`
    ``acknowledged before received``  ``acknowledged_at < received_at``
    ``closed before received``     ``closed_at < received_at``
    ``timestamp after now``        any timestamp later than ``now`` (when given)
    ``unknown category``           category not in ``categories`` (when given; matched
                                   with :func:`csmlib.core.text.normalize_label`, the
                                   canonical spelling is kept)
    ``duplicate complaint_id``     a later record with an id already seen (the first is kept)
    ``not a number``               ``severity`` / ``handling_satisfaction`` not numeric
    ``not a yes/no value``         ``first_contact_resolution`` not a yes/no value
    =============================  =====================================================

    Returns ``(valid, rejected)``. ``valid`` is a new frame (input untouched, index reset)
    with typed columns; ``rejected`` has ``row`` (0-based position in ``log``),
    ``complaint_id``, ``column``, ``value`` (the raw cell as text) and ``reason``.

    >>> raw = pd.DataFrame({"complaint_id": ["A", "B", "A"],
    ...                     "received_at": ["2025-10-01 09:00", "31/12/2025 14:00", "2025-10-02"],
    ...                     "category": ["billing", "billing", "billing"]})
    >>> valid, rejected = validate_log(raw, tz="Asia/Tehran")
    >>> str(valid["received_at"].iloc[0])
    '2025-10-01 05:30:00+00:00'
    >>> rejected[["row", "reason"]].values.tolist()
    [[2, 'duplicate complaint_id']]
    >>> raw["received_at"] = ["1404/07/09 09:00", "1404/10/10 14:00", "1404/12/30"]
    >>> valid, rejected = validate_log(raw, tz="Asia/Tehran", calendar="jalali")
    >>> str(valid["received_at"].iloc[1])
    '2025-12-31 10:30:00+00:00'
    >>> rejected["reason"].tolist()
    ['not a valid Solar Hijri date (1404/12/30): 1404 is not a leap year, Esfand has 29 days', 'duplicate complaint_id']
    """
    if not isinstance(log, pd.DataFrame):
        raise TypeError("log must be a pandas DataFrame")
    calendar = check_calendar(calendar)
    missing_cols = [c for c in COMPLAINT_REQUIRED if c not in log.columns]
    if missing_cols:
        raise ValueError(f"complaints log: required column(s) {missing_cols} missing")
    dupes = log.columns[log.columns.duplicated()].tolist()
    if dupes:
        raise ValueError(f"complaints log: column(s) {dupes} appear more than once")
    n = len(log)
    frame = log.reset_index(drop=True)
    problems: list[tuple[np.ndarray, str, str | np.ndarray]] = []  # (positions, column, reason(s))
    out = frame.copy()

    ids = _clean_text(frame["complaint_id"])
    out["complaint_id"] = ids
    for col in TEXT_FIELDS[1:]:
        if col in frame.columns:
            out[col] = _clean_text(frame[col])
    for col in LOWER_FIELDS:
        if col in frame.columns:
            out[col] = _clean_text(frame[col], lower=True)

    for col in ("complaint_id", "category"):
        problems.append((np.flatnonzero(out[col].isna().to_numpy()), col, "missing required field"))

    parsed = {}
    for col in TIMESTAMPS:
        if col not in frame.columns:
            continue
        ns, blank, why = timestamps_ns(frame[col], calendar=calendar, tz=tz)
        parsed[col] = ns
        out[col] = pd.Series(ns.view("datetime64[ns]")).dt.tz_localize("UTC")
        if col == "received_at":
            problems.append((np.flatnonzero(blank), col, "missing required field"))
        bad = np.flatnonzero(pd.notna(why))
        problems.append((bad, col, why[bad]))
    rec = parsed["received_at"]
    for col, reason in (("acknowledged_at", "acknowledged before received"), ("closed_at", "closed before received")):
        if col in parsed:
            early = (parsed[col] != _NAT) & (rec != _NAT) & (parsed[col] < rec)
            problems.append((np.flatnonzero(early), col, reason))
    if now is not None:
        now_ns = to_utc(now, tz).as_unit("ns").value
        for col, ns in parsed.items():
            problems.append((np.flatnonzero((ns != _NAT) & (ns > now_ns)), col, "timestamp after now"))

    if categories is not None:
        canon = {}
        for c in categories:
            canon.setdefault(normalize_label(c), str(c))
        cats = out["category"]
        inv, uniq = pd.factorize(cats, use_na_sentinel=True)
        mapped = [canon.get(normalize_label(u)) for u in uniq]
        known = np.array([m is not None for m in mapped] + [True])[inv]
        problems.append((np.flatnonzero(~known), "category", "unknown category"))
        values = np.array(mapped + [None], dtype=object)[inv]
        out["category"] = pd.Series(np.where(known & cats.notna().to_numpy(), values, None), dtype="string")

    dup = ids.duplicated(keep="first").to_numpy() & ids.notna().to_numpy()
    problems.append((np.flatnonzero(dup), "complaint_id", "duplicate complaint_id"))

    for col in NUMERIC_FIELDS:
        if col in frame.columns:
            values, bad = _numbers(frame[col])
            out[col] = values
            problems.append((np.flatnonzero(bad), col, "not a number"))
    if "first_contact_resolution" in frame.columns:
        values, bad = _booleans(frame["first_contact_resolution"])
        out["first_contact_resolution"] = values
        problems.append((np.flatnonzero(bad), "first_contact_resolution", "not a yes/no value"))

    parts = [
        pd.DataFrame({"row": pos.astype(np.int64), "column": col, "reason": reason}) for pos, col, reason in problems if pos.size
    ]
    if parts:
        rejected = pd.concat(parts, ignore_index=True)
        rejected = rejected.sort_values("row", kind="stable").reset_index(drop=True)
        rows = rejected["row"].to_numpy()
        rejected["complaint_id"] = [_cell_text(frame["complaint_id"].iat[r]) for r in rows]
        rejected["value"] = [_cell_text(frame[c].iat[r]) for r, c in zip(rows, rejected["column"])]
        rejected = rejected[REJECTED_COLUMNS].astype(
            {"complaint_id": "string", "column": "string", "value": "string", "reason": "string"}
        )
    else:
        rejected = pd.DataFrame(
            {
                "row": pd.Series(dtype=np.int64),
                "complaint_id": pd.Series(dtype="string"),
                "column": pd.Series(dtype="string"),
                "value": pd.Series(dtype="string"),
                "reason": pd.Series(dtype="string"),
            }
        )
    keep = np.ones(n, dtype=bool)
    keep[rejected["row"].to_numpy()] = False
    valid = out.loc[keep].reset_index(drop=True)
    return valid, rejected
