"""Complaints analytics (ISO 10002:2018 clause 8, ISO 10004:2018 §7.3.2): KPIs, Pareto, spikes,
recurring problems, corrective-action effectiveness, complainants' satisfaction.

Every function is pure: it takes pandas objects and returns a tidy DataFrame or a frozen
dataclass. Validation of a raw log (:func:`validate_log`, re-exported here) lives in
:mod:`csmlib.survey.complaint_checks`, file reading in :mod:`csmlib.survey.complaint_intake`, routing to
departments in :mod:`csmlib.stats.feedback`.

Conventions (method note ``complaints.md``)
-------------------------------------------
- Canonical column names are :data:`csmlib.survey.codebook.COMPLAINT_FIELDS`. :func:`validate_log`
  turns a raw export (text cells) into a typed log: timestamps ``datetime64[ns, UTC]``,
  text ``string``, ``severity``/``handling_satisfaction`` float, ``first_contact_resolution``
  nullable boolean, ``status``/``outcome``/``escalation`` lower case.
- A complaint is *acknowledged* / *closed* when its ``acknowledged_at`` / ``closed_at`` is set.
  KPIs are evaluated **as of the period end**: a timestamp later than the end of the period
  counts as "not yet", so a log exported months later gives the same wave KPIs.
- Period assignment: volume, times, shares and satisfaction use the **cohort** of complaints
  received in the period; the backlog is a stock (received before the period end, not closed
  by then), whatever the period they were received in.
- Periods are ``(start, end)`` dates in the organisation's time zone ``tz``, both inclusive
  (``end`` given with a time of day other than midnight is an exact, exclusive instant).
- Durations are calendar time (hours to acknowledge, days to close); business-day calendars
  are not applied.
- Time-to-event quantiles (acknowledge, close) are **Kaplan–Meier** quantiles, open or
  unacknowledged complaints being right-censored at the period end (the median of closed
  cases only is biased low). The quantile definition is R ``survival``'s: the smallest event
  time t with Ŝ(t) ≤ 1 − p, the midpoint to the next event time when Ŝ equals 1 − p exactly on
  a flat stretch; without censoring this is the ordinary sample quantile of R type 2. Ages of
  the backlog (not censored) use numpy ``linear`` (R type 7).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from csmlib.survey.complaint_checks import NO_ESCALATION, NS_PER_S, REJECTED_COLUMNS, UPHELD, to_utc, validate_log
from csmlib.stats.indicators import adjust_pvalues

__all__ = [
    "validate_log",
    "kpis",
    "pareto",
    "spikes",
    "recurring",
    "action_effectiveness",
    "compare_rates",
    "RateComparison",
    "complainant_satisfaction",
    "ComplainantSatisfaction",
    "km_quantile",
    "KPI_COLUMNS",
    "REJECTED_COLUMNS",
]

# ============================================================================================
# helpers on a validated log
# ============================================================================================


def _require(log: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    if not isinstance(log, pd.DataFrame):
        raise TypeError(f"{what}: the log must be a pandas DataFrame")
    missing = [c for c in columns if c not in log.columns]
    if missing:
        raise ValueError(f"{what}: column(s) {missing} missing from the complaints log")


def _seconds(log: pd.DataFrame, col: str) -> np.ndarray:
    """UTC seconds since the epoch as float (NaN where missing) of a validated timestamp column."""
    if col not in log.columns:
        return np.full(len(log), np.nan)
    s = log[col]
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    elif not pd.api.types.is_datetime64_dtype(s.dtype):
        if s.isna().all():
            return np.full(len(log), np.nan)
        raise ValueError(f"column '{col}' is not a timestamp column; run validate_log() first")
    ns = np.asarray(s.to_numpy(dtype="datetime64[ns]")).view(np.int64)
    out = ns.astype(np.float64) / NS_PER_S
    out[ns == np.iinfo(np.int64).min] = np.nan
    return out


def _day_end(value, tz: str) -> pd.Timestamp:
    """A date (midnight) means the whole day: the instant its day ends; a time is kept as is."""
    t = pd.Timestamp(value)
    t = t.tz_localize(tz) if t.tzinfo is None else t
    if t == t.normalize():
        t = (t.tz_localize(None) + pd.Timedelta(days=1)).tz_localize(t.tzinfo)
    return t.tz_convert("UTC")


def _window(start, end, tz: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(start, end) dates inclusive → [start, end_exclusive) UTC instants."""
    s = to_utc(start, tz).tz_convert("UTC")
    e = _day_end(end, tz)
    if e <= s:
        raise ValueError(f"period end {end} is not after its start {start}")
    return s, e


def _periods(period, tz: str) -> list[tuple[str, pd.Timestamp, pd.Timestamp, object, object]]:
    if isinstance(period, Mapping):
        items = list(period.items())
    elif isinstance(period, (tuple, list)) and len(period) == 2 and not isinstance(period[0], (tuple, list)):
        s, e = period
        items = [(f"{pd.Timestamp(s).date()}/{pd.Timestamp(e).date()}", (s, e))]
    else:
        raise ValueError("period must be (start, end) or a mapping {label: (start, end)}")
    out = []
    for label, (s, e) in items:
        a, b = _window(s, e, tz)
        out.append((str(label), a, b, s, e))
    return out


def _codes(log: pd.DataFrame, by: str | None) -> tuple[np.ndarray, list]:
    if by is None:
        return np.zeros(len(log), dtype=np.int64), [None]
    values = log[by].astype("string").fillna("(missing)")
    codes, uniq = pd.factorize(values, sort=True)
    return codes.astype(np.int64), list(uniq)


# ---------------------------------------------------------------------------- Kaplan–Meier
def _km_curve(t: np.ndarray, event: np.ndarray, *, presorted: bool = False) -> tuple[np.ndarray, np.ndarray, float]:
    """Distinct event times, Ŝ just after each (product-limit estimator), and the last time."""
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


def _km_q(times: np.ndarray, surv: np.ndarray, t_max: float, p: float, tol: float = _KM_TOL) -> float:
    """R survival ``findq``: smallest event time with Ŝ ≤ 1 − p; on an exact tie with 1 − p the
    midpoint to the next event time (to the last observed time when Ŝ stays there)."""
    target = 1.0 - p
    hit = np.flatnonzero(surv <= target + tol)
    if hit.size == 0:
        return math.nan
    i = hit[0]
    if abs(surv[i] - target) < tol:
        nxt = np.flatnonzero(surv < target - tol)
        return 0.5 * (times[i] + (times[nxt[0]] if nxt.size else t_max))
    return float(times[i])


def km_quantile(time, event, p=0.5) -> float:
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
    times, surv, t_max = _km_curve(t, e)
    return float(_km_q(times, surv, t_max, p))


# ============================================================================================
# KPIs
# ============================================================================================

KPI_COLUMNS = [
    "period",
    "start",
    "end",
    "volume",
    "rate_per_1000",
    "acknowledged",
    "ack_hours_median",
    "ack_hours_p90",
    "ack_within_target",
    "ack_target_n",
    "closed",
    "close_days_median",
    "close_days_p90",
    "close_within_target",
    "close_target_n",
    "backlog",
    "backlog_median_age_days",
    "backlog_overdue",
    "first_contact_share",
    "first_contact_n",
    "upheld_share",
    "decided_n",
    "escalation_rate",
    "escalation_n",
    "handling_sat_mean",
    "handling_sat_n",
    "complainants",
    "repeat_complainants",
    "repeat_share",
]
_TARGET_KEYS = ("acknowledge_hours", "close_days")


def _share(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _group_km(t: np.ndarray, event: np.ndarray, g: np.ndarray, ngroups: int, probs=(0.5, 0.9)) -> np.ndarray:
    out = np.full((ngroups, len(probs)), np.nan)
    if t.size == 0:
        return out
    by_time = np.argsort(t)  # one sort for all groups (NaN last)
    order = by_time[np.argsort(g[by_time], kind="stable")]  # grouped, time-sorted within group
    ts, es, gs = t[order], event[order], g[order]
    bounds = np.searchsorted(gs, np.arange(ngroups + 1))
    for k in range(ngroups):
        a, b = bounds[k], bounds[k + 1]
        if a == b:
            continue
        times, surv, t_max = _km_curve(ts[a:b], es[a:b], presorted=True)
        for j, p in enumerate(probs):
            out[k, j] = _km_q(times, surv, t_max, p)
    return out


def _group_median(x: np.ndarray, g: np.ndarray, ngroups: int) -> np.ndarray:
    out = np.full(ngroups, np.nan)
    if x.size == 0:
        return out
    order = np.lexsort((x, g))
    gs, xs = g[order], x[order]
    bounds = np.searchsorted(gs, np.arange(ngroups + 1))
    for k in range(ngroups):
        seg = xs[bounds[k] : bounds[k + 1]]
        if seg.size:
            out[k] = np.quantile(seg, 0.5)  # numpy linear = R type 7
    return out


def kpis(
    log: pd.DataFrame,
    *,
    period,
    targets: Mapping[str, float] | None = None,
    customers=None,
    by: str | None = None,
    tz: str = "UTC",
    min_n: int = 1,
) -> pd.DataFrame:
    """ISO 10002 handling KPIs per period (wave) and, with ``by``, per group.

    ``log``: a validated log (:func:`validate_log`). ``period``: ``(start, end)`` or
    ``{label: (start, end)}`` for several waves (dates in ``tz``, both inclusive).
    ``targets``: ``{"acknowledge_hours": h, "close_days": d}`` (either may be missing).
    ``customers``: the customer base (one number, or ``{label: number}``) for the rate.
    ``by``: ``"category"``, ``"channel"``, ``"department"`` or any column of the log
    (missing values form the group ``"(missing)"``; every group of the log gets a row per
    period, with zero counts when it had no complaints).

    Let R be the complaints received in [start, end) ("cohort"), T = end (the analysis date).

    - ``volume`` = |R|; ``rate_per_1000`` = 1000·|R| / customers.
    - ``acknowledged``: cohort complaints acknowledged by T. ``ack_hours_median``/``_p90``:
      Kaplan–Meier quantiles of acknowledged_at − received_at (hours), unacknowledged ones
      censored at T − received_at. ``ack_within_target`` = #{acknowledged within the target}
      / ``ack_target_n``, where ``ack_target_n`` counts cohort complaints whose deadline
      (received + target) is ≤ T (unacknowledged overdue = misses; not yet due = excluded).
    - ``closed``, ``close_days_median``/``_p90``, ``close_within_target``,
      ``close_target_n``: the same for closed_at − received_at in days.
    - ``backlog``: complaints received before T (any period) and not closed by T;
      ``backlog_median_age_days``: median of T − received_at (numpy linear);
      ``backlog_overdue``: those older than the close target.
    - ``first_contact_share`` = closed-by-T cohort complaints resolved at first contact /
      ``first_contact_n`` (those with the flag recorded).
    - ``upheld_share`` = outcome upheld or partly upheld / ``decided_n`` (cohort complaints
      with an outcome recorded).
    - ``escalation_rate`` = closed-by-T cohort complaints with an escalation other than
      "none" / ``escalation_n`` (those with escalation recorded).
    - ``handling_sat_mean``, ``handling_sat_n``: satisfaction with complaint handling; NaN
      (suppressed) when fewer than ``min_n`` complainants rated it, as for every group mean of
      customers' answers in the reports (ISO 10002/10004 confidentiality).
    - ``complainants`` = distinct ``customer_id`` in the cohort (within the group);
      ``repeat_complainants``: those with ≥ 2 complaints in the period; ``repeat_share``.

    Undefined values (no closed complaint, no complaint at all) are NaN; counts are 0.
    Columns: :data:`KPI_COLUMNS` (with the ``by`` column after ``end``).

    References: ISO 10002:2018 §8.2–8.4; Kaplan & Meier (1958).

    >>> valid, _ = validate_log(pd.DataFrame({
    ...     "complaint_id": ["1", "2"], "category": ["a", "b"],
    ...     "received_at": ["2026-01-05 10:00", "2026-01-06 10:00"],
    ...     "closed_at": ["2026-01-07 10:00", ""]}))
    >>> k = kpis(valid, period=("2026-01-01", "2026-01-31"), targets={"close_days": 5})
    >>> k.loc[0, ["volume", "closed", "backlog"]].astype(int).tolist(), float(k.loc[0, "close_within_target"])
    ([2, 1, 1], 0.5)
    """
    _require(log, ("received_at",), "kpis")
    if by is not None and by not in log.columns:
        raise ValueError(f"kpis: by column '{by}' not in the complaints log")
    targets = dict(targets or {})
    unknown = sorted(set(targets) - set(_TARGET_KEYS))
    if unknown:
        raise ValueError(f"kpis: unknown target(s) {unknown}; known: {list(_TARGET_KEYS)}")
    for key, value in targets.items():
        if value is None or not np.isfinite(float(value)) or float(value) <= 0:
            raise ValueError(f"kpis: target '{key}' must be a positive number, got {value!r}")
    ack_target = float(targets["acknowledge_hours"]) if "acknowledge_hours" in targets else None
    close_target = float(targets["close_days"]) if "close_days" in targets else None
    periods = _periods(period, tz)

    rec = _seconds(log, "received_at")
    ack = _seconds(log, "acknowledged_at")
    clo = _seconds(log, "closed_at")
    codes, groups = _codes(log, by)
    G = len(groups)
    if len(log) == 0 and by is not None:
        G = 0
    fcr = (
        log["first_contact_resolution"].astype("boolean")
        if "first_contact_resolution" in log.columns
        else pd.Series(pd.NA, index=log.index, dtype="boolean")
    )
    fcr_known = fcr.notna().to_numpy()
    fcr_true = fcr.to_numpy(dtype=bool, na_value=False)
    outcome_known, upheld = _category_flags(log, "outcome", lambda v: v in UPHELD)
    esc_known, escalated = _category_flags(log, "escalation", lambda v: v not in NO_ESCALATION)
    sat = (
        pd.to_numeric(log["handling_satisfaction"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if "handling_satisfaction" in log.columns
        else np.full(len(log), np.nan)
    )
    cust_codes = pd.factorize(log["customer_id"].astype("string"))[0] if "customer_id" in log.columns else np.full(len(log), -1)

    rows = []
    for label, start, end, s_raw, e_raw in periods:
        t0, T = start.value / NS_PER_S, end.value / NS_PER_S
        cohort = (rec >= t0) & (rec < T)
        ack_by_T = ack <= T
        clo_by_T = clo <= T
        gc = codes[cohort]
        volume = np.bincount(gc, minlength=G)

        def times(stamp, known, unit):
            dur = np.where(known, stamp - rec, T - rec)[cohort] / unit
            return _group_km(dur, known[cohort], gc, G)

        ack_q = times(ack, ack_by_T, 3600.0)
        clo_q = times(clo, clo_by_T, 86400.0)
        n_ack = np.bincount(gc, weights=ack_by_T[cohort], minlength=G).astype(np.int64)
        n_clo = np.bincount(gc, weights=clo_by_T[cohort], minlength=G).astype(np.int64)

        def within(stamp, known, target_s):
            if target_s is None:
                return np.full(G, np.nan), np.zeros(G, dtype=np.int64)
            due = cohort & (rec + target_s <= T)
            hit = due & known & (stamp - rec <= target_s)
            den = np.bincount(codes[due], minlength=G)
            num = np.bincount(codes[hit], minlength=G)
            return _share(num, den), den

        ack_share, ack_den = within(ack, ack_by_T, None if ack_target is None else ack_target * 3600.0)
        clo_share, clo_den = within(clo, clo_by_T, None if close_target is None else close_target * 86400.0)

        open_T = (rec < T) & ~clo_by_T
        backlog = np.bincount(codes[open_T], minlength=G)
        age = (T - rec[open_T]) / 86400.0
        backlog_age = _group_median(age, codes[open_T], G)
        overdue = (
            np.bincount(codes[open_T][age > close_target], minlength=G).astype(float)
            if close_target is not None
            else np.full(G, np.nan)
        )

        closed_c = cohort & clo_by_T
        f_den = np.bincount(codes[closed_c & fcr_known], minlength=G)
        f_num = np.bincount(codes[closed_c & fcr_true], minlength=G)
        u_den = np.bincount(codes[cohort & outcome_known], minlength=G)
        u_num = np.bincount(codes[cohort & upheld], minlength=G)
        e_den = np.bincount(codes[closed_c & esc_known], minlength=G)
        e_num = np.bincount(codes[closed_c & escalated], minlength=G)
        sat_ok = cohort & np.isfinite(sat)
        s_n = np.bincount(codes[sat_ok], minlength=G)
        s_sum = np.bincount(codes[sat_ok], weights=sat[sat_ok], minlength=G)

        cust_ok = cohort & (cust_codes >= 0)
        complainants = np.zeros(G, dtype=np.int64)
        repeaters = np.zeros(G, dtype=np.int64)
        if cust_ok.any():
            pair = codes[cust_ok].astype(np.int64) * (int(cust_codes.max()) + 1) + cust_codes[cust_ok]
            uniq, counts = np.unique(pair, return_counts=True)
            owner = uniq // (int(cust_codes.max()) + 1)
            complainants = np.bincount(owner, minlength=G)
            repeaters = np.bincount(owner[counts >= 2], minlength=G)

        n_cust = customers.get(label) if isinstance(customers, Mapping) else customers
        for k in range(G):
            row = {"period": label, "start": pd.Timestamp(s_raw).date(), "end": pd.Timestamp(e_raw).date()}
            if by is not None:
                row[by] = groups[k]
            row.update(
                {
                    "volume": int(volume[k]),
                    "rate_per_1000": 1000.0 * volume[k] / float(n_cust) if n_cust else math.nan,
                    "acknowledged": int(n_ack[k]),
                    "ack_hours_median": ack_q[k, 0],
                    "ack_hours_p90": ack_q[k, 1],
                    "ack_within_target": float(ack_share[k]),
                    "ack_target_n": int(ack_den[k]),
                    "closed": int(n_clo[k]),
                    "close_days_median": clo_q[k, 0],
                    "close_days_p90": clo_q[k, 1],
                    "close_within_target": float(clo_share[k]),
                    "close_target_n": int(clo_den[k]),
                    "backlog": int(backlog[k]),
                    "backlog_median_age_days": backlog_age[k],
                    "backlog_overdue": overdue[k],
                    "first_contact_share": float(_share(f_num[k], f_den[k])),
                    "first_contact_n": int(f_den[k]),
                    "upheld_share": float(_share(u_num[k], u_den[k])),
                    "decided_n": int(u_den[k]),
                    "escalation_rate": float(_share(e_num[k], e_den[k])),
                    "escalation_n": int(e_den[k]),
                    "handling_sat_mean": float(_share(s_sum[k], s_n[k])) if s_n[k] >= min_n else np.nan,
                    "handling_sat_n": int(s_n[k]),
                    "complainants": int(complainants[k]),
                    "repeat_complainants": int(repeaters[k]),
                    "repeat_share": float(_share(repeaters[k], complainants[k])),
                }
            )
            rows.append(row)
    columns = KPI_COLUMNS[:3] + ([by] if by is not None else []) + KPI_COLUMNS[3:]
    return pd.DataFrame(rows, columns=columns)


def _category_flags(log: pd.DataFrame, col: str, rule) -> tuple[np.ndarray, np.ndarray]:
    """(recorded, rule holds) per row for a text column, rule applied to stripped lower-case text."""
    if col not in log.columns:
        z = np.zeros(len(log), dtype=bool)
        return z, z.copy()
    inv, uniq = pd.factorize(log[col], use_na_sentinel=True)
    texts = [str(u).strip().casefold() for u in uniq]
    flags = np.array([bool(t) and bool(rule(t)) for t in texts] + [False], dtype=bool)
    known = np.array([bool(t) for t in texts] + [False], dtype=bool)
    return known[inv], flags[inv]


# ============================================================================================
# Pareto
# ============================================================================================


def pareto(
    log: pd.DataFrame,
    by: str = "category",
    *,
    threshold: float = 0.80,
    last: Sequence[str] = ("other", "unclassified", "(missing)"),
    unclassified_warning: float = 0.10,
) -> pd.DataFrame:
    """Pareto table of complaints by ``by`` (ISO 10002 §8.2; Juran 1951).

    Counts in descending order, ties by value; the values in ``last`` (default "other",
    "unclassified" and missing, matched case-insensitively) always go last. ``share`` =
    c_k / C, ``cumulative_share`` = Σ_{j ≤ k} c_j / C. ``vital_few``: the smallest leading
    set whose cumulative share reaches ``threshold`` (a row is in it when the cumulative share
    *before* it is < threshold); "other"/"unclassified" are never in it. Warns when their share
    exceeds ``unclassified_warning`` (the classification tree needs work).

    >>> log = pd.DataFrame({"category": list("aaaaaaabbc")})
    >>> pareto(log)[["category", "count", "vital_few"]].values.tolist()
    [['a', 7, True], ['b', 2, True], ['c', 1, False]]
    """
    _require(log, (by,), "pareto")
    if not 0 < threshold <= 1:
        raise ValueError(f"pareto: threshold must be in (0, 1], got {threshold}")
    values = log[by].astype("string").fillna("(missing)")
    counts = values.value_counts(sort=False)
    table = pd.DataFrame({by: counts.index.astype(str), "count": counts.to_numpy().astype(np.int64)})
    lastset = {str(v).casefold() for v in last}
    table["_last"] = table[by].str.casefold().isin(lastset)
    table = table.sort_values(["_last", "count", by], ascending=[True, False, True], kind="stable")
    total = int(table["count"].sum())
    cum = table["count"].cumsum().to_numpy()
    before = cum - table["count"].to_numpy()
    table["share"] = table["count"] / total if total else np.nan
    table["cumulative_share"] = cum / total if total else np.nan
    table["vital_few"] = (before < threshold * total) & ~table["_last"].to_numpy()
    other_share = table.loc[table["_last"], "count"].sum() / total if total else 0.0
    if other_share > unclassified_warning:
        warnings.warn(
            f"pareto: {other_share:.0%} of complaints are {sorted(lastset)} in '{by}' "
            f"(above {unclassified_warning:.0%}); the classification needs work",
            stacklevel=2,
        )
    return table.drop(columns="_last").reset_index(drop=True)


# ============================================================================================
# spikes
# ============================================================================================


def _count_matrix(history: pd.DataFrame, category_col: str, period_col: str) -> pd.DataFrame:
    _require(history, (category_col, period_col), "spikes")
    if "count" in history.columns:
        counts = pd.to_numeric(history["count"], errors="coerce")
        if counts.isna().any() or (counts < 0).any():
            raise ValueError("spikes: column 'count' must hold non-negative numbers")
        data = history.assign(count=counts)
    else:
        data = history.assign(count=1)
    mat = data.pivot_table(index=category_col, columns=period_col, values="count", aggfunc="sum", fill_value=0, observed=True)
    return mat.sort_index(axis=0).sort_index(axis=1)


def spikes(
    history: pd.DataFrame,
    *,
    category_col: str = "category",
    period_col: str = "period",
    current=None,
    alpha: float = 0.01,
    exposure: Mapping | pd.Series | None = None,
    baseline_periods: int | None = None,
) -> pd.DataFrame:
    """Is this period's count in a category beyond what the earlier periods explain?

    ``history``: either counts — one row per (category, period) with a ``count`` column — or a
    log with one row per complaint and a ``period`` column (no ``count`` column). Periods are
    labels that sort in time order (``2026Q1`` …). ``current``: the period tested (default the
    last); the baseline is every earlier period (or the last ``baseline_periods``); a
    category absent from a period counts 0 there. ``exposure``: {period: customers/orders};
    without it every period has the same exposure (c-chart), with it a u-chart.

    With c_b the baseline counts and E_b their exposures, E_t the current exposure:
    r̂ = Σc_b / ΣE_b, ``expected`` λ = r̂·E_t; ``p_value`` = P(X ≥ c_t | Poisson(λ)) =
    ``poisson.sf(c_t − 1, λ)``; ``p_adjusted``: Benjamini–Hochberg over the categories;
    ``flag`` = p_adjusted < alpha. Control limits in counts: λ ± 3√λ (``lcl`` floored at 0),
    i.e. the u-chart ū ± 3√(ū/E_t) times E_t. ``dispersion``: Pearson χ²/df of the baseline
    counts around their expectations (≫ 1 means overdispersion: the Poisson p-value is then
    too small; read it with care). No baseline period → expected NaN, flag False.

    References: Montgomery (2019) *Statistical Quality Control* ch. 7; Benjamini & Hochberg
    (1995); method note complaints.md §4.3.

    >>> h = pd.DataFrame({"category": ["a"] * 3, "period": ["P1", "P2", "P3"], "count": [10, 12, 30]})
    >>> r = spikes(h)
    >>> int(r.loc[0, "observed"]), float(r.loc[0, "expected"]), bool(r.loc[0, "flag"])
    (30, 11.0, True)
    """
    if not 0 < alpha < 1:
        raise ValueError(f"spikes: alpha must be in (0, 1), got {alpha}")
    mat = _count_matrix(history, category_col, period_col)
    cols = [
        "category",
        "period",
        "observed",
        "expected",
        "p_value",
        "p_adjusted",
        "flag",
        "lcl",
        "ucl",
        "baseline_periods",
        "dispersion",
    ]
    if mat.shape[1] == 0:
        return pd.DataFrame(columns=cols)
    periods = list(mat.columns)
    if current is None:
        current = periods[-1]
    if current not in periods:
        raise ValueError(f"spikes: current period {current!r} not found in column '{period_col}'")
    base = [p for p in periods if p < current] if _sortable(periods) else periods[: periods.index(current)]
    if baseline_periods is not None:
        base = base[-int(baseline_periods) :]
    if exposure is not None:
        exp_map = dict(exposure)
        missing = [p for p in base + [current] if p not in exp_map]
        if missing:
            raise ValueError(f"spikes: exposure missing for period(s) {missing}")
        e_base = np.array([float(exp_map[p]) for p in base])
        e_cur = float(exp_map[current])
    else:
        e_base = np.ones(len(base))
        e_cur = 1.0
    obs = mat[current].to_numpy(dtype=float)
    cb = mat[base].to_numpy(dtype=float) if base else np.zeros((len(mat), 0))
    rate = cb.sum(axis=1) / e_base.sum() if base else np.full(len(mat), np.nan)
    lam = rate * e_cur
    with np.errstate(invalid="ignore"):
        p = np.where(np.isfinite(lam), stats.poisson.sf(obs - 1, lam), np.nan)
    ok = np.isfinite(p)
    p_adj = adjust_pvalues(np.where(ok, p, np.nan), "fdr_bh")
    if len(base) >= 2:
        expected_b = rate[:, None] * e_base[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            chi = np.where(expected_b > 0, (cb - expected_b) ** 2 / np.where(expected_b > 0, expected_b, 1), 0.0)
        dispersion = chi.sum(axis=1) / (len(base) - 1)
        dispersion[rate == 0] = np.nan
    else:
        dispersion = np.full(len(mat), np.nan)
    out = pd.DataFrame(
        {
            "category": mat.index.astype(str),
            "period": current,
            "observed": obs.astype(np.int64),
            "expected": lam,
            "p_value": p,
            "p_adjusted": p_adj,
            "flag": np.where(ok, p_adj < alpha, False) & (obs > np.nan_to_num(lam, nan=np.inf)),
            "lcl": np.maximum(lam - 3 * np.sqrt(lam), 0.0),
            "ucl": lam + 3 * np.sqrt(lam),
            "baseline_periods": len(base),
            "dispersion": dispersion,
        }
    )
    return (
        out[cols]
        .sort_values(["flag", "p_value", "category"], ascending=[False, True, True], kind="stable")
        .reset_index(drop=True)
    )


def _sortable(values) -> bool:
    try:
        sorted(values)
        return True
    except TypeError:
        return False


# ============================================================================================
# recurring problems
# ============================================================================================


def _history_frames(history, by: Sequence[str]) -> list[tuple[str, pd.DataFrame]]:
    if history is None:
        return []
    if isinstance(history, pd.DataFrame):
        _require(history, (*by, "period"), "recurring (history)")
        return [(str(k), g) for k, g in history.groupby("period", sort=True, observed=True)]
    if isinstance(history, Mapping):
        items = list(history.items())
    else:
        items = [(f"earlier-{i + 1}", h) for i, h in enumerate(history)]
    for label, frame in items:
        _require(frame, by, f"recurring (history '{label}')")
    return [(str(k), v) for k, v in items]


def _cell_counts(frame: pd.DataFrame, by: Sequence[str], min_count: int, alpha: float) -> pd.DataFrame:
    data = frame[list(by)].astype("string").dropna()
    if data.empty:
        return pd.DataFrame(columns=[*by, "count", "expected", "p_value", "occurs"])
    counts = data.value_counts(sort=False).rename("count").reset_index()
    if len(by) >= 2:
        first = counts.groupby(by[0], observed=True)["count"].transform("sum")
        rest = counts.groupby(list(by[1:]), observed=True)["count"].transform("sum")
        expected = first * rest / counts["count"].sum()
        counts["expected"] = expected.to_numpy(dtype=float)
        counts["p_value"] = stats.poisson.sf(counts["count"].to_numpy() - 1, counts["expected"].to_numpy())
        counts["occurs"] = (counts["count"] >= min_count) & (counts["p_value"] < alpha)
    else:
        counts["expected"] = np.nan
        counts["p_value"] = np.nan
        counts["occurs"] = counts["count"] >= min_count
    return counts


def recurring(
    log: pd.DataFrame,
    *,
    history=None,
    by: Sequence[str] = ("category", "product"),
    min_count: int = 3,
    min_periods: int = 2,
    alpha: float = 0.01,
    actions: pd.DataFrame | None = None,
    tz: str = "UTC",
) -> pd.DataFrame:
    """Problems that keep coming back (ISO 10002 §8.2: systemic and recurring problems).

    ``log``: this period's validated log. ``history``: the earlier periods — a log with a
    ``period`` column, a mapping {period label: log}, or a list of logs (oldest first).

    A cell of ``by`` (default category × product) *occurs* in a period when it has at least
    ``min_count`` complaints **and**, with two or more ``by`` columns, more than the first
    column's independence from the others predicts: expected = n_category · n_rest / N in that
    period, one-sided Poisson p = P(X ≥ c | expected) < ``alpha`` (a product that simply sells a
    lot is not a recurring problem; a category concentrated on one product is). With one
    ``by`` column a cell occurs when its count reaches ``min_count``.

    A cell is returned when it occurs this period and either occurred in at least
    ``min_periods`` periods counting this one (``periods``), or it comes back after a
    corrective action: ``after_action`` is True when the register ``actions`` (columns
    ``action_id``, ``category``, ``closed``) has an action on the cell's category closed (the
    closing day over) before one of this period's complaints in the cell (NA without a register).

    Columns: the ``by`` columns, ``count`` (this period), ``expected``, ``p_value``, ``periods``,
    ``after_action``, ``actions`` (ids of the earlier actions). Sorted by count, descending.

    >>> now = pd.DataFrame({"category": ["pack"] * 10 + ["bill"] * 10, "product": ["X"] * 10 + list("ABCDEFGHIJ")})
    >>> recurring(now, history={"Q1": now}, alpha=0.05)[["category", "product", "periods"]].values.tolist()
    [['pack', 'X', 2]]
    """
    by = list(by)
    _require(log, by, "recurring")
    if min_count < 1 or min_periods < 1:
        raise ValueError("recurring: min_count and min_periods must be at least 1")
    current = _cell_counts(log, by, min_count, alpha)
    past = _history_frames(history, by)
    periods_hit = pd.Series(0, index=pd.MultiIndex.from_frame(current[by]) if len(current) else None, dtype=np.int64)
    if len(current):
        for _, frame in past:
            cells = _cell_counts(frame, by, min_count, alpha)
            hit = cells.loc[cells["occurs"].astype(bool), by]
            if len(hit):
                idx = pd.MultiIndex.from_frame(hit)
                periods_hit = periods_hit + periods_hit.index.isin(idx).astype(np.int64)
    out = current.loc[current["occurs"].astype(bool)].copy() if len(current) else current.copy()
    out["periods"] = (
        periods_hit.reindex(pd.MultiIndex.from_frame(out[by])).to_numpy() + 1 if len(out) else pd.Series(dtype=np.int64)
    )
    after = pd.Series(pd.NA, index=out.index, dtype="boolean")
    ids = pd.Series("", index=out.index, dtype="string")
    if actions is not None and len(out):
        _require(actions, ("action_id", "category", "closed"), "recurring (actions)")
        if "received_at" not in log.columns:
            raise ValueError("recurring: column 'received_at' is needed to relate complaints to actions")
        closed = pd.Series(
            [_day_end(v, tz) if not pd.isna(v) and str(v).strip() else pd.NaT for v in actions["closed"]],
            dtype="datetime64[ns, UTC]",
        )
        cats = actions["category"].astype("string").to_numpy()
        rec = _seconds(log, "received_at")
        keys = log[by].astype("string")
        for i in out.index:
            cell = np.ones(len(log), dtype=bool)
            for col in by:
                cell &= (keys[col] == out.at[i, col]).to_numpy(dtype=bool, na_value=False)
            last = np.nanmax(rec[cell]) if cell.any() else np.nan
            hits = [
                str(a)
                for a, c, cl in zip(actions["action_id"], cats, closed)
                if c == out.at[i, by[0]] and not pd.isna(cl) and cl.value / NS_PER_S < last
            ]
            after[i] = bool(hits)
            ids[i] = ", ".join(hits)
    out["after_action"] = after
    out["actions"] = ids
    keep = (out["periods"] >= min_periods) | out["after_action"].fillna(False).to_numpy(dtype=bool)
    out = out.loc[keep]
    cols = [*by, "count", "expected", "p_value", "periods", "after_action", "actions"]
    out = out[cols].sort_values(["count", *by], ascending=[False] + [True] * len(by), kind="stable")
    return out.reset_index(drop=True).astype({"count": np.int64, "periods": np.int64})


# ============================================================================================
# corrective-action effectiveness
# ============================================================================================


@dataclass(frozen=True)
class RateComparison:
    """Exact conditional comparison of two Poisson rates (R ``poisson.test(c(x1, x2), c(T1, T2))``)."""

    count_1: int
    exposure_1: float
    count_2: int
    exposure_2: float
    rate_ratio: float  # (x1/T1) / (x2/T2)
    ci_low: float
    ci_high: float
    p_value: float
    expected_1: float  # E[x1 | x1 + x2, H0] = (x1 + x2)·T1/(T1 + T2)
    alternative: str
    level: float


def compare_rates(
    count_1: int, exposure_1: float, count_2: int, exposure_2: float, *, alternative: str = "two-sided", level: float = 0.95
) -> RateComparison:
    """Exact test of equal Poisson rates, conditional on the total (Przyborowski & Wilenski 1940).

    Given n = x1 + x2, x1 ~ Binomial(n, π₀) under H₀ with π₀ = T1 / (T1 + T2). The rate ratio
    RR = (x1/T1)/(x2/T2) and its interval come from the Clopper–Pearson interval (π_L, π_U) of
    π: RR = π/(1 − π) · T2/T1. ``alternative="less"`` tests RR < 1 (the first rate is lower).
    Identical to R ``poisson.test(c(x1, x2), c(T1, T2), alternative=...)``.

    >>> r = compare_rates(11, 800, 21, 3011)
    >>> round(r.rate_ratio, 6), round(r.ci_low, 6), round(r.ci_high, 6), round(r.p_value, 5)
    (1.971488, 0.858426, 4.277266, 0.07967)
    """
    if alternative not in ("two-sided", "less", "greater"):
        raise ValueError(f"alternative must be 'two-sided', 'less' or 'greater', got {alternative!r}")
    x1, x2 = int(count_1), int(count_2)
    if x1 < 0 or x2 < 0 or x1 != count_1 or x2 != count_2:
        raise ValueError("counts must be non-negative integers")
    if not (exposure_1 > 0 and exposure_2 > 0):
        raise ValueError("exposures must be positive")
    n = x1 + x2
    pi0 = exposure_1 / (exposure_1 + exposure_2)
    if n == 0:
        return RateComparison(x1, float(exposure_1), x2, float(exposure_2), math.nan, 0.0, math.inf, 1.0, 0.0, alternative, level)
    test = stats.binomtest(x1, n, pi0, alternative=alternative)
    ci = test.proportion_ci(confidence_level=level, method="exact")
    scale = exposure_2 / exposure_1

    def ratio(p):
        return math.inf if p >= 1 else p / (1 - p) * scale

    rr = ratio(x1 / n) if x2 > 0 else math.inf
    return RateComparison(
        x1,
        float(exposure_1),
        x2,
        float(exposure_2),
        rr,
        ratio(ci.low),
        ratio(ci.high),
        float(test.pvalue),
        n * pi0,
        alternative,
        level,
    )


ACTION_COLUMNS = ("action_id", "department", "category", "opened", "closed", "status")
ACTION_RESULT_COLUMNS = [
    "action_id",
    "category",
    "department",
    "count_before",
    "count_after",
    "days_before",
    "days_after",
    "rate_before",
    "rate_after",
    "rate_ratio",
    "ci_low",
    "ci_high",
    "p_value",
    "verdict",
    "evidence",
]


def _concat_logs(logs) -> pd.DataFrame:
    if isinstance(logs, pd.DataFrame):
        return logs
    frames = list(logs.values()) if isinstance(logs, Mapping) else list(logs)
    if not frames:
        raise ValueError("action_effectiveness: no complaints log given")
    return pd.concat(frames, ignore_index=True)


def action_effectiveness(
    logs_by_period_or_log,
    actions: pd.DataFrame,
    *,
    exposure: float | None = None,
    alpha: float = 0.05,
    span=None,
    washout_days: float = 0.0,
    window_days: float | None = None,
    min_expected: float = 5.0,
    level: float = 0.95,
    tz: str = "UTC",
) -> pd.DataFrame:
    """Did the complaint rate of the action's category fall after the corrective action?

    ``logs_by_period_or_log``: a validated log, or a mapping/list of per-period logs (stacked).
    ``actions``: the register (``action_id``, ``department``, ``category``, ``opened``,
    ``closed``, ``status``); an action is *implemented* when ``closed`` is set. ``span``:
    ``(first day, last day)`` observed by the logs (default: the days of the first and last
    complaint). ``exposure``: the customer base (constant); rates are then per 1,000
    customers.

    Windows: *before* = [span start, opened), *after* = [closed + washout, span end) (a date
    without a time is a whole day: the after window starts when the closing day ends); both
    cut to the last/first ``window_days`` when given (equal lengths). The implementation period
    [opened, closed + washout) is left out. With c_b, c_a the category's complaints and E_b,
    E_a the exposures (days × customers): ``rate_*`` are complaints per 30 days (per 1,000
    customers per 30 days with ``exposure``), ``rate_ratio`` RR = (c_a/E_a)/(c_b/E_b) with its
    exact one-sided ``level`` interval [0, ``ci_high``] (as R), ``p_value`` the one-sided exact
    conditional test of a reduction, P(X ≤ c_a), X ~ Binomial(c_a + c_b, E_a/(E_a + E_b)) (:func:`compare_rates`,
    ``alternative="less"``; R ``poisson.test(c(c_a, c_b), c(E_a, E_b), alternative="less")``).

    ``verdict``: "too early to tell" when the action is not implemented, when a window is
    empty, or when fewer than ``min_expected`` complaints would be expected after it at the old
    rate (c_b·E_a/E_b) — too little follow-up to see a change; otherwise "effective" when
    p < ``alpha`` (equivalently the one-sided upper bound of RR is below 1), else
    "not effective". ``evidence``: one sentence with the numbers.

    References: Przyborowski & Wilenski (1940) *Biometrika* 31:313–323; method note §4.4.
    """
    data = _concat_logs(logs_by_period_or_log)
    _require(data, ("received_at", "category"), "action_effectiveness")
    _require(actions, ("action_id", "category", "opened", "closed"), "action_effectiveness (actions)")
    if exposure is not None and not float(exposure) > 0:
        raise ValueError("action_effectiveness: exposure must be a positive number of customers")
    rec = _seconds(data, "received_at")
    cats = data["category"].astype("string").to_numpy(dtype=object, na_value=None)
    if span is not None:
        lo, hi = _window(span[0], span[1], tz)
        t_lo, t_hi = lo.value / NS_PER_S, hi.value / NS_PER_S
    else:
        if not np.isfinite(rec).any():
            raise ValueError("action_effectiveness: the log is empty; give span=(first day, last day)")
        first = pd.Timestamp(np.nanmin(rec), unit="s", tz="UTC").tz_convert(tz).date()
        last = pd.Timestamp(np.nanmax(rec), unit="s", tz="UTC").tz_convert(tz).date()
        lo, hi = _window(first, last, tz)
        t_lo, t_hi = lo.value / NS_PER_S, hi.value / NS_PER_S
    scale_customers = float(exposure) / 1000.0 if exposure is not None else 1.0
    unit = "per 1,000 customers per 30 days" if exposure is not None else "per 30 days"
    rows = []
    for act in actions.itertuples(index=False):
        a = act._asdict()
        cat = None if pd.isna(a["category"]) else str(a["category"])
        dept = a.get("department")
        row = {
            "action_id": str(a["action_id"]),
            "category": cat,
            "department": None if dept is None or pd.isna(dept) else str(dept),
        }
        opened = None if pd.isna(a["opened"]) or not str(a["opened"]).strip() else to_utc(a["opened"], tz)
        closed = None if pd.isna(a["closed"]) or not str(a["closed"]).strip() else _day_end(a["closed"], tz)
        start_action = opened if opened is not None else closed
        nan_row = dict(
            count_before=np.nan,
            count_after=np.nan,
            days_before=np.nan,
            days_after=np.nan,
            rate_before=np.nan,
            rate_after=np.nan,
            rate_ratio=np.nan,
            ci_low=np.nan,
            ci_high=np.nan,
            p_value=np.nan,
        )
        if closed is None or start_action is None:
            rows.append(
                {
                    **row,
                    **nan_row,
                    "verdict": "too early to tell",
                    "evidence": f"{row['action_id']} is not implemented yet (no closing date).",
                }
            )
            continue
        b0, b1 = t_lo, start_action.value / NS_PER_S
        a0, a1 = closed.value / NS_PER_S + washout_days * 86400.0, t_hi
        if window_days is not None:
            b0 = max(b0, b1 - window_days * 86400.0)
            a1 = min(a1, a0 + window_days * 86400.0)
        days_b = max(b1 - b0, 0.0) / 86400.0
        days_a = max(a1 - a0, 0.0) / 86400.0
        in_cat = cats == cat
        c_b = int(np.sum(in_cat & (rec >= b0) & (rec < b1)))
        c_a = int(np.sum(in_cat & (rec >= a0) & (rec < a1)))
        base = {**row, **nan_row, "count_before": c_b, "count_after": c_a, "days_before": days_b, "days_after": days_a}
        if days_b <= 0 or days_a <= 0:
            which = "before the action was opened" if days_b <= 0 else "after the action was closed"
            rows.append(
                {**base, "verdict": "too early to tell", "evidence": f"No observation window {which} in the complaints log."}
            )
            continue
        e_b, e_a = days_b * scale_customers, days_a * scale_customers
        rate_b, rate_a = 30.0 * c_b / e_b, 30.0 * c_a / e_a
        expected_after = c_b * e_a / e_b
        res = compare_rates(c_a, e_a, c_b, e_b, alternative="less", level=level)
        base.update(
            rate_before=rate_b,
            rate_after=rate_a,
            rate_ratio=res.rate_ratio,
            ci_low=res.ci_low,
            ci_high=res.ci_high,
            p_value=res.p_value,
        )
        numbers = (
            f"{cat} complaints {rate_b:.2f} → {rate_a:.2f} {unit} ({c_b} in {days_b:.0f} days before, "
            f"{c_a} in {days_a:.0f} days after; rate ratio {res.rate_ratio:.2f}, upper {level:.0%} "
            f"confidence bound {res.ci_high:.2f}, one-sided p = {res.p_value:.3g})"
        )
        if expected_after < min_expected:
            verdict = "too early to tell"
            evidence = f"Only {expected_after:.1f} complaints expected after the action at the old rate: {numbers}."
        elif res.p_value < alpha:
            verdict = "effective"
            evidence = f"The complaint rate fell significantly: {numbers}."
        else:
            verdict = "not effective"
            evidence = f"No significant fall in the complaint rate: {numbers}."
        rows.append({**base, "verdict": verdict, "evidence": evidence})
    return pd.DataFrame(rows, columns=ACTION_RESULT_COLUMNS)


# ============================================================================================
# satisfaction of complainants (ISO 10002 §8.3, ISO 10004 §7.3.2)
# ============================================================================================


@dataclass(frozen=True)
class ComplainantSatisfaction:
    """Survey satisfaction of respondents who complained versus those who did not."""

    variable: str
    n_complainants: int
    n_non_complainants: int
    mean_complainants: float
    mean_non_complainants: float
    difference: float  # complainants − non-complainants
    ci_low: float
    ci_high: float
    t: float
    df: float  # Welch–Satterthwaite
    p_value: float  # two-sided Welch t-test
    level: float
    by_outcome: pd.DataFrame  # group, n, mean, sd, suppressed
    min_n: int = 1  # groups below it are suppressed (ISO 10004/10002 confidentiality)

    @property
    def suppressed(self) -> bool:
        """Too few complainants to show their mean without identifying them."""
        return self.n_complainants < self.min_n


def _outcome_group(v) -> str:
    if v is None or pd.isna(v) or not str(v).strip():
        return "undecided"
    s = str(v).strip().casefold()
    if s in ("partly upheld", "partially upheld", "partly", "partial"):
        return "partly upheld"
    if s in ("upheld", "yes", "y"):
        return "upheld"
    if s in ("not upheld", "no", "n", "rejected"):
        return "not upheld"
    return s


def complainant_satisfaction(
    responses: pd.DataFrame,
    log: pd.DataFrame,
    *,
    satisfaction: str,
    respondent_col: str = "respondent_id",
    customer_col: str = "customer_id",
    level: float = 0.95,
    min_n: int = 1,
) -> ComplainantSatisfaction:
    """Satisfaction of complainants vs non-complainants, and by complaint outcome.

    A respondent is a complainant when its ``respondent_col`` value appears in the log's
    ``customer_col``. Difference d = x̄_c − x̄_n with Welch's t = d / √(s_c²/n_c + s_n²/n_n),
    Welch–Satterthwaite df, two-sided p and a ``level`` CI. ``by_outcome``: one row per group
    — "non-complainant", then the outcome of each complainant's most recent complaint
    ("upheld", "partly upheld", "not upheld", "undecided") — with n, mean, sd (ddof 1).
    Respondents with a missing satisfaction value are left out. Groups of fewer than ``min_n``
    respondents keep their n but their mean and sd are NaN (``suppressed``), and the result's
    ``suppressed`` says when the complainants as a whole are too few to show.

    References: Welch (1947) *Biometrika* 34:28–35; ISO 10002:2018 §8.3.
    """
    _require(log, (customer_col,), "complainant_satisfaction")
    for col in (respondent_col, satisfaction):
        if col not in responses.columns:
            raise ValueError(f"complainant_satisfaction: column '{col}' missing from the responses")
    y = pd.to_numeric(responses[satisfaction], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    rid = responses[respondent_col].astype("string").str.strip()
    cust = log[customer_col].astype("string").str.strip()
    complained = rid.isin(set(cust.dropna())).to_numpy(dtype=bool)
    ok = np.isfinite(y)
    yc, yn = y[ok & complained], y[ok & ~complained]
    if yc.size < 2 or yn.size < 2:
        raise ValueError(
            f"complainant_satisfaction: need at least 2 complainants and 2 non-complainants with "
            f"'{satisfaction}' (got {yc.size} and {yn.size})"
        )
    test = stats.ttest_ind(yc, yn, equal_var=False)
    ci = test.confidence_interval(confidence_level=level)
    order = log.assign(_c=cust)
    if "received_at" in log.columns:
        order = order.sort_values("received_at", kind="stable")
    latest = order.dropna(subset=["_c"]).drop_duplicates("_c", keep="last").set_index("_c")
    outcome_of = latest["outcome"] if "outcome" in latest.columns else pd.Series(None, index=latest.index, dtype=object)
    groups = np.full(len(rid), "non-complainant", dtype=object)
    # look up the complainants only (a per-respondent Series.get is slow on a large survey)
    outcomes = rid[complained].map(outcome_of.to_dict())
    groups[complained] = [_outcome_group(o) for o in outcomes]
    frame = pd.DataFrame({"group": groups[ok], "y": y[ok]})
    table = frame.groupby("group", sort=False)["y"].agg(n="size", mean="mean", sd="std").reset_index()
    rank = {"non-complainant": 0, "upheld": 1, "partly upheld": 2, "not upheld": 3, "undecided": 4}
    table = table.sort_values("group", key=lambda s: s.map(lambda g: rank.get(g, 5)), kind="stable")
    table["suppressed"] = table["n"] < min_n
    table.loc[table["suppressed"], ["mean", "sd"]] = np.nan
    return ComplainantSatisfaction(
        variable=satisfaction,
        n_complainants=int(yc.size),
        n_non_complainants=int(yn.size),
        mean_complainants=float(yc.mean()),
        mean_non_complainants=float(yn.mean()),
        difference=float(yc.mean() - yn.mean()),
        ci_low=float(ci.low),
        ci_high=float(ci.high),
        t=float(test.statistic),
        df=float(test.df),
        p_value=float(test.pvalue),
        level=level,
        by_outcome=table.reset_index(drop=True),
        min_n=int(min_n),
    )
