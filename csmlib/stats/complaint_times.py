"""Time on a validated complaints log: required columns, timestamps, periods, Kaplan–Meier.

The helpers the complaint KPIs (:mod:`csmlib.stats.complaint_kpis`) and the event analyses
(:mod:`csmlib.stats.complaint_events`) share: :func:`require_columns`, :func:`timestamp_seconds`
(a timestamp column as UTC seconds), :func:`days_to_close` (each complaint's time from receipt to
closure), :func:`day_end` and :func:`period_window` (a period of inclusive dates in the
organisation's time zone as an exclusive UTC window), and the
Kaplan–Meier quantiles of censored durations (:func:`km_curve`, :func:`km_curve_quantile`,
:func:`km_quantile`). Conventions: :mod:`csmlib.stats.complaints` and method note
``complaints.md`` §1 and §3.1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from csmlib.core.dates import NS_PER_S, to_utc

__all__ = [
    "require_columns",
    "timestamp_seconds",
    "days_to_close",
    "day_end",
    "period_window",
    "km_curve",
    "km_curve_quantile",
    "km_quantile",
]


def require_columns(log: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """``TypeError`` unless ``log`` is a DataFrame, ``ValueError`` naming the ``columns`` it lacks.

    >>> require_columns(pd.DataFrame({"category": []}), ("category", "received_at"), "pareto")
    Traceback (most recent call last):
    ...
    ValueError: pareto: column(s) ['received_at'] missing from the complaints log
    """
    if not isinstance(log, pd.DataFrame):
        raise TypeError(f"{what}: the log must be a pandas DataFrame")
    missing = [c for c in columns if c not in log.columns]
    if missing:
        raise ValueError(f"{what}: column(s) {missing} missing from the complaints log")


def _timestamp_ns(log: pd.DataFrame, col: str) -> np.ndarray | None:
    """UTC nanoseconds since the epoch (int64, NaT as its minimum) or None when there are none."""
    if col not in log.columns:
        return None
    s = log[col]
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    elif not pd.api.types.is_datetime64_dtype(s.dtype):
        if s.isna().all():
            return None
        raise ValueError(f"column '{col}' is not a timestamp column; run validate_log() first")
    return np.asarray(s.to_numpy(dtype="datetime64[ns]")).view(np.int64)


_NAT = np.iinfo(np.int64).min


def timestamp_seconds(log: pd.DataFrame, col: str) -> np.ndarray:
    """UTC seconds since the epoch as float (NaN where missing) of a validated timestamp column.

    A column the log lacks, or one that is all missing, gives all NaN; text (a log that
    :func:`csmlib.survey.complaint_checks.validate_log` has not read) is refused.

    >>> log = pd.DataFrame({"received_at": pd.to_datetime(["1970-01-02", None], utc=True)})
    >>> timestamp_seconds(log, "received_at").tolist(), timestamp_seconds(log, "closed_at").tolist()
    ([86400.0, nan], [nan, nan])
    """
    ns = _timestamp_ns(log, col)
    if ns is None:
        return np.full(len(log), np.nan)
    out = ns.astype(np.float64) / NS_PER_S
    out[ns == _NAT] = np.nan
    return out


def days_to_close(log: pd.DataFrame) -> pd.Series:
    """Days from receipt to closure of each complaint: (closed_at − received_at) / 86,400 s.

    NaN for a complaint not closed (or without a receipt time); the index is the log's. These
    are the observed times of the closed complaints only — the median and P90 that do not hide
    slow open cases are the Kaplan–Meier ones of :func:`csmlib.stats.complaint_kpis.kpis`.

    >>> log = pd.DataFrame({"received_at": pd.to_datetime(["2026-01-05 10:00", "2026-01-06 09:00"], utc=True),
    ...                     "closed_at": pd.to_datetime(["2026-01-07 22:00", None], utc=True)})
    >>> days_to_close(log).tolist()
    [2.5, nan]
    """
    require_columns(log, ("received_at",), "days_to_close")
    received, closed = _timestamp_ns(log, "received_at"), _timestamp_ns(log, "closed_at")
    days = np.full(len(log), np.nan)
    if received is not None and closed is not None:
        known = (received != _NAT) & (closed != _NAT)
        days[known] = (closed[known] - received[known]) / NS_PER_S / 86400
    return pd.Series(days, index=log.index, name="days_to_close")


def day_end(value: str | date | np.datetime64, tz: str) -> pd.Timestamp:
    """A date (midnight) means the whole day: the instant its day ends; a time is kept as is.

    ``value`` without a zone is wall-clock time in ``tz``; the result is UTC.

    >>> str(day_end("2026-01-31", "Asia/Tehran")), str(day_end("2026-01-31 12:00", "UTC"))
    ('2026-01-31 20:30:00+00:00', '2026-01-31 12:00:00+00:00')
    """
    t = pd.Timestamp(value)
    t = t.tz_localize(tz) if t.tzinfo is None else t
    if t == t.normalize():
        t = (t.tz_localize(None) + pd.Timedelta(days=1)).tz_localize(t.tzinfo)
    return t.tz_convert("UTC")


def period_window(
    start: str | date | np.datetime64, end: str | date | np.datetime64, tz: str
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(start, end) dates inclusive, in ``tz`` → [start, end_exclusive) UTC instants.

    ``end`` is a whole day (:func:`day_end`) unless it has a time of day; an end not after the
    start is refused.

    >>> [str(t) for t in period_window("2026-01-01", "2026-01-31", "UTC")]
    ['2026-01-01 00:00:00+00:00', '2026-02-01 00:00:00+00:00']
    """
    s = to_utc(start, tz)
    e = day_end(end, tz)
    if e <= s:
        raise ValueError(f"period end {end} is not after its start {start}")
    return s, e


def km_curve(t: np.ndarray, event: np.ndarray, *, presorted: bool = False) -> tuple[np.ndarray, np.ndarray, float]:
    """Distinct event times, Ŝ just after each (product-limit estimator), and the last time.

    ``t`` durations (NaN left out), ``event`` True for an event, False for a censored one;
    ``presorted=True`` when ``t`` is already in ascending order. Returns ``(times, surv, t_max)``
    for :func:`km_curve_quantile`; empty arrays when there is no event.

    >>> times, surv, t_max = km_curve(np.array([1.0, 2.0, 3.0, 4.0]), np.array([True, False, True, False]))
    >>> times.tolist(), surv.tolist(), t_max
    ([1.0, 3.0], [0.75, 0.375], 4.0)
    """
    keep = np.isfinite(t)
    if not keep.all():
        t, event = t[keep], event[keep]
    if t.size == 0 or not event.any():
        return np.empty(0), np.empty(0), (float(t.max()) if t.size else math.nan)
    if not presorted:
        order = np.argsort(t)  # order inside ties is irrelevant: d and n_j are per distinct time
        t, event = t[order], event[order]
    n = t.size
    starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
    at_risk = n - starts
    d = np.add.reduceat(event.astype(np.int64), starts)
    has = d > 0
    surv = np.cumprod(1.0 - d[has] / at_risk[has])
    return t[starts][has], surv, float(t[-1])


_KM_TOL = math.sqrt(np.finfo(float).eps)  # R survival's tolerance


def km_curve_quantile(times: np.ndarray, surv: np.ndarray, t_max: float, p: float, tol: float = _KM_TOL) -> float:
    """The p-quantile of a curve from :func:`km_curve` (R survival ``findq``).

    The smallest event time with Ŝ ≤ 1 − p; on an exact tie with 1 − p (within ``tol``) the
    midpoint to the next event time (to the last observed time ``t_max`` when Ŝ stays there);
    NaN when Ŝ never falls to 1 − p. One curve serves several quantiles.

    >>> float(km_curve_quantile(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.75, 0.5, 0.25, 0.0]), 4.0, 0.5))
    2.5
    """
    target = 1.0 - p
    hit = np.flatnonzero(surv <= target + tol)
    if hit.size == 0:
        return math.nan
    i = hit[0]
    if abs(surv[i] - target) < tol:
        nxt = np.flatnonzero(surv < target - tol)
        return 0.5 * (times[i] + (times[nxt[0]] if nxt.size else t_max))
    return float(times[i])


def km_quantile(time: ArrayLike, event: ArrayLike, p: float = 0.5) -> float:
    """Kaplan–Meier quantile of right-censored durations (R ``survival`` definition).

    Ŝ(t) = Π_{t_j ≤ t} (1 − d_j / n_j) over the distinct event times t_j (d_j events, n_j at
    risk; at tied times events precede censorings). The p-quantile is the smallest t_j with
    Ŝ(t_j) ≤ 1 − p; when Ŝ(t_j) = 1 − p exactly, the midpoint of t_j and the next event time
    (R ``quantile.survfit``). NaN when Ŝ never falls to 1 − p.

    Reference: Kaplan & Meier (1958) *JASA* 53:457–481; Therneau, R package ``survival``.

    >>> km_quantile([1, 2, 3, 4], [True, True, True, True])
    2.5
    >>> km_quantile([1, 2, 3, 4], [True, False, True, False])
    3.0
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=bool)
    times, surv, t_max = km_curve(t, e)
    return float(km_curve_quantile(times, surv, t_max, p))
