"""The complaints log as data: parsing a raw export into a typed log, with a quarantine.

:func:`validate_log` is the boundary between a complaints export (text cells, several date
formats, Persian digits, free-text codes) and the analytics in :mod:`csmlib.complaints`, which
assume a validated log. It needs no statistics, so reading a wave (``csm validate``, the batch's
intake) does not import scipy. Column names and conventions are those of
:mod:`csmlib.complaints` (method note ``complaints.md``).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from csmlib.codebook import COMPLAINT_REQUIRED
from csmlib.text import normalize_label, parse_number

__all__ = ["validate_log", "REJECTED_COLUMNS", "TIMESTAMPS", "UPHELD", "NO_ESCALATION"]

TIMESTAMPS = ("received_at", "acknowledged_at", "closed_at")
TEXT_FIELDS = ("complaint_id", "channel", "category", "product", "department", "remedy", "root_cause",
               "customer_id")
LOWER_FIELDS = ("status", "outcome", "escalation")
NUMERIC_FIELDS = ("severity", "handling_satisfaction")
REJECTED_COLUMNS = ["row", "complaint_id", "column", "value", "reason"]

UPHELD = frozenset({"upheld", "partly upheld", "partially upheld", "partly", "partial", "yes", "y"})
NO_ESCALATION = frozenset({"none", "no", "n", "false", "0", ""})
_TRUE = frozenset({"true", "t", "yes", "y", "1", "1.0"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "0.0"})

_NS_PER_S = 1_000_000_000
_NAT = np.iinfo(np.int64).min
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_OFFSET_RE = r"(?:Z|[+-]\d\d:?\d\d)$"          # with a ':' elsewhere (a time), so 31-12-2025 is naive
_NAIVE_FORMATS = ("ISO8601", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y", "%Y/%m/%d %H:%M",
                  "%Y/%m/%d %H:%M:%S", "%Y/%m/%d", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y",
                  "%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y")
_AWARE_FORMATS = ("ISO8601", "%d/%m/%Y %H:%M%z", "%d/%m/%Y %H:%M %z", "%d/%m/%Y %H:%M:%S%z",
                  "%d/%m/%Y %H:%M:%S %z", "%Y/%m/%d %H:%M%z", "%Y/%m/%d %H:%M %z",
                  "%Y/%m/%d %H:%M:%S%z", "%Y/%m/%d %H:%M:%S %z")
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_STRING = "string[pyarrow]"


# ============================================================================================
# validation
# ============================================================================================

def _to_utc(value, tz: str) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize(tz) if ts.tzinfo is None else ts.tz_convert("UTC")


def _cell_text(v) -> str:
    """A raw cell as text for the rejected table ("" when missing)."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    return str(v)


def _ns_utc(stamps: pd.Series) -> np.ndarray:
    """tz-aware timestamps → int64 ns since the epoch, UTC (NaT → _NAT). A new array."""
    naive = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    return np.array(naive.to_numpy(dtype="datetime64[ns]")).view(np.int64)


def _localize(naive: pd.Series, tz: str) -> pd.Series:
    """Naive wall-clock times in ``tz`` → UTC. Ambiguous (DST fall-back) times are read as
    standard time; non-existent ones (spring-forward gap) are shifted forward."""
    amb = np.zeros(len(naive), dtype=bool)
    return naive.dt.tz_localize(tz, ambiguous=amb, nonexistent="shift_forward").dt.tz_convert("UTC")


def _parse_strings(s: pd.Series, tz: str) -> np.ndarray:
    """Stripped, non-blank timestamp texts → int64 UTC ns (_NAT where no format reads them)."""
    s = s.reset_index(drop=True)
    out = np.full(len(s), _NAT, dtype=np.int64)
    if s.str.contains("[۰-۹٠-٩]", regex=True).any():
        s = s.str.translate(_DIGITS)
    aware = (s.str.contains(_OFFSET_RE, regex=True) & s.str.contains(":", regex=False)).to_numpy(
        dtype=bool, na_value=False)
    for mask, formats, is_aware in ((aware, _AWARE_FORMATS, True), (~aware, _NAIVE_FORMATS, False)):
        pos = np.flatnonzero(mask)
        todo = s.iloc[pos]
        for fmt in formats:
            if pos.size == 0:
                break
            parsed = pd.to_datetime(todo, format=fmt, utc=is_aware, errors="coerce")
            ok = parsed.notna().to_numpy()
            if ok.any():
                got = parsed[ok]
                out[pos[ok]] = _ns_utc(got if is_aware else _localize(got, tz))
            pos, todo = pos[~ok], todo[~ok]
    return out


def _parse_timestamps(values: pd.Series, tz: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse one timestamp column → (int64 UTC ns with _NAT, blank mask, unparseable mask)."""
    n = len(values)
    values = values.reset_index(drop=True)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        ns = _ns_utc(values)
        return ns, ns == _NAT, np.zeros(n, dtype=bool)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        ns = _ns_utc(_localize(values, tz))
        return ns, ns == _NAT, np.zeros(n, dtype=bool)
    out = np.full(n, _NAT, dtype=np.int64)
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("string", "empty"):                      # CSV text: vectorised
        s = values.astype(_STRING).str.strip()
        blank = (s.isna() | (s == "")).to_numpy(dtype=bool, na_value=True)
        pos = np.flatnonzero(~blank)
        if pos.size:
            out[pos] = _parse_strings(s.iloc[pos], tz)
        return out, blank, ~blank & (out == _NAT)
    # mixed cells (Excel): text, datetimes, serial day numbers
    obj = np.asarray(values.to_numpy(dtype=object, na_value=None), dtype=object)
    blank = np.array([v is None or (isinstance(v, str) and not v.strip()) or
                      (not isinstance(v, str) and pd.isna(v)) for v in obj], dtype=bool)
    present = np.flatnonzero(~blank)
    if present.size:
        kinds = np.array([0 if isinstance(v, str) else
                          1 if isinstance(v, (dt.datetime, dt.date, np.datetime64)) else
                          2 if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                          else 3 for v in obj[present]])
        pos = present[kinds == 0]
        if pos.size:
            texts = pd.Series([v.strip() for v in obj[pos]], dtype=_STRING)
            out[pos] = _parse_strings(texts, tz)
        pos = present[kinds == 1]
        if pos.size:  # Excel / Python datetimes: naive → tz, aware → converted
            stamps = [pd.Timestamp(v) for v in obj[pos]]
            naive = np.array([t.tzinfo is None for t in stamps], dtype=bool)
            if naive.any():
                ser = pd.Series([t for t, k in zip(stamps, naive) if k], dtype="datetime64[ns]")
                out[pos[naive]] = _ns_utc(_localize(ser, tz))
            for i, t, k in zip(pos, stamps, naive):
                if not k:
                    out[i] = t.tz_convert("UTC").as_unit("ns").value
        pos = present[kinds == 2]
        if pos.size:  # Excel serial day numbers (days since 1899-12-30), plausible range only
            days = obj[pos].astype(float)
            good = np.isfinite(days) & (days >= 1) & (days < 2958466)
            if good.any():
                naive_ts = _EXCEL_EPOCH + pd.to_timedelta(np.round(days[good] * 86400.0), unit="s")
                ser = pd.Series(naive_ts).astype("datetime64[ns]")
                out[pos[good]] = _ns_utc(_localize(ser, tz))
    return out, blank, ~blank & (out == _NAT)


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


def validate_log(log: pd.DataFrame, *, categories: Sequence[str] | None = None, tz: str = "UTC",
                 now=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse and quarantine a complaints log (canonical column names, raw cell values).

    Timestamps (``received_at``, ``acknowledged_at``, ``closed_at``) are read from ISO 8601
    with or without offset (``2025-12-31T14:00:00+03:30``, ``…Z``, ``2025-12-31 14:00``,
    ``2025-12-31``), day-first dates (``31/12/2025 14:00``, ``31.12.2025``, ``31-12-2025``;
    a slash date is always read day first), ``2025/12/31 14:00``, Excel datetimes and Excel
    serial day numbers; Persian/Arabic digits are accepted. Naive times are wall-clock times
    in ``tz``; everything is converted to UTC.

    Quarantine rules — one row of ``rejected`` per problem (a record can have several), every
    record with a problem is left out of ``valid``:

    =============================  =====================================================
    reason                         rule
    =============================  =====================================================
    ``missing required field``     ``complaint_id``, ``received_at`` or ``category`` blank
    ``unparseable timestamp``      a timestamp cell that no format reads
    ``acknowledged before received``  ``acknowledged_at < received_at``
    ``closed before received``     ``closed_at < received_at``
    ``timestamp after now``        any timestamp later than ``now`` (when given)
    ``unknown category``           category not in ``categories`` (when given; matched
                                   with :func:`csmlib.text.normalize_label`, the
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
    """
    if not isinstance(log, pd.DataFrame):
        raise TypeError("log must be a pandas DataFrame")
    missing_cols = [c for c in COMPLAINT_REQUIRED if c not in log.columns]
    if missing_cols:
        raise ValueError(f"complaints log: required column(s) {missing_cols} missing")
    dupes = log.columns[log.columns.duplicated()].tolist()
    if dupes:
        raise ValueError(f"complaints log: column(s) {dupes} appear more than once")
    n = len(log)
    frame = log.reset_index(drop=True)
    problems: list[tuple[np.ndarray, str, str]] = []   # (positions, column, reason)
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
        ns, blank, bad = _parse_timestamps(frame[col], tz)
        parsed[col] = ns
        out[col] = pd.Series(ns.view("datetime64[ns]")).dt.tz_localize("UTC")
        if col == "received_at":
            problems.append((np.flatnonzero(blank), col, "missing required field"))
        problems.append((np.flatnonzero(bad), col, "unparseable timestamp"))
    rec = parsed["received_at"]
    for col, reason in (("acknowledged_at", "acknowledged before received"),
                        ("closed_at", "closed before received")):
        if col in parsed:
            early = (parsed[col] != _NAT) & (rec != _NAT) & (parsed[col] < rec)
            problems.append((np.flatnonzero(early), col, reason))
    if now is not None:
        now_ns = _to_utc(now, tz).as_unit("ns").value
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

    parts = [pd.DataFrame({"row": pos.astype(np.int64), "column": col, "reason": reason})
             for pos, col, reason in problems if pos.size]
    if parts:
        rejected = pd.concat(parts, ignore_index=True)
        rejected = rejected.sort_values("row", kind="stable").reset_index(drop=True)
        rows = rejected["row"].to_numpy()
        rejected["complaint_id"] = [_cell_text(frame["complaint_id"].iat[r]) for r in rows]
        rejected["value"] = [_cell_text(frame[c].iat[r]) for r, c in zip(rows, rejected["column"])]
        rejected = rejected[REJECTED_COLUMNS].astype({"complaint_id": "string", "column": "string",
                                                      "value": "string", "reason": "string"})
    else:
        rejected = pd.DataFrame({"row": pd.Series(dtype=np.int64), "complaint_id": pd.Series(dtype="string"),
                                 "column": pd.Series(dtype="string"), "value": pd.Series(dtype="string"),
                                 "reason": pd.Series(dtype="string")})
    keep = np.ones(n, dtype=bool)
    keep[rejected["row"].to_numpy()] = False
    valid = out.loc[keep].reset_index(drop=True)
    return valid, rejected
