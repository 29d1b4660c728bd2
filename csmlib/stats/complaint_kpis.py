"""Complaint-handling KPIs per period and group, and the satisfaction of complainants.

:func:`kpis` gives the ISO 10002 handling KPIs of a validated log per period (wave) and group
(volume, rate, times to acknowledge and close with Kaplan–Meier quantiles, targets met,
backlog, first-contact resolution, upheld share, escalation, handling satisfaction, repeat
complainants); :func:`complainant_satisfaction` joins the log to a survey and compares the
satisfaction of complainants with that of the other respondents (ISO 10002 §8.3, ISO 10004
§7.3.2). Conventions (cohorts, "as of the period end", censoring): :mod:`csmlib.stats.complaints`
and method note ``complaints.md`` §3 and §4.5.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from scipy import stats

from csmlib.core.dates import NS_PER_S
from csmlib.stats.complaint_times import km_curve, km_curve_quantile, period_window, require_columns, timestamp_seconds
from csmlib.survey.complaint_checks import NO_ESCALATION, UPHELD

__all__ = ["KPI_COLUMNS", "kpis", "ComplainantSatisfaction", "complainant_satisfaction"]

#: A period (start, end): dates (or instants) in ``tz``, both inclusive.
_DatePair = tuple[str | date | np.datetime64, str | date | np.datetime64]

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


def _periods(
    period: _DatePair | Mapping[str, _DatePair], tz: str
) -> list[tuple[str, pd.Timestamp, pd.Timestamp, object, object]]:
    if isinstance(period, Mapping):
        items = list(period.items())
    elif isinstance(period, (tuple, list)) and len(period) == 2 and not isinstance(period[0], (tuple, list)):
        s, e = period
        items = [(f"{pd.Timestamp(s).date()}/{pd.Timestamp(e).date()}", (s, e))]
    else:
        raise ValueError("period must be (start, end) or a mapping {label: (start, end)}")
    out: list[tuple[str, pd.Timestamp, pd.Timestamp, object, object]] = []
    for label, (s, e) in items:
        a, b = period_window(s, e, tz)
        out.append((str(label), a, b, s, e))
    return out


def _codes(log: pd.DataFrame, by: str | None) -> tuple[np.ndarray, list]:
    if by is None:
        return np.zeros(len(log), dtype=np.int64), [None]
    values = log[by].astype("string").fillna("(missing)")
    codes, uniq = pd.factorize(values, sort=True)
    return codes.astype(np.int64), list(uniq)


def _share(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _group_km(t: np.ndarray, event: np.ndarray, g: np.ndarray, ngroups: int, probs: Sequence[float] = (0.5, 0.9)) -> np.ndarray:
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
        times, surv, t_max = km_curve(ts[a:b], es[a:b], presorted=True)
        for j, p in enumerate(probs):
            out[k, j] = km_curve_quantile(times, surv, t_max, p)
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
    period: _DatePair | Mapping[str, _DatePair],
    targets: Mapping[str, float] | None = None,
    customers: float | Mapping[str, float] | None = None,
    by: str | None = None,
    tz: str = "UTC",
    min_n: int = 1,
) -> pd.DataFrame:
    """ISO 10002 handling KPIs per period (wave) and, with ``by``, per group.

    ``log``: a validated log (:func:`csmlib.survey.complaint_checks.validate_log`). ``period``: ``(start, end)`` or
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

    >>> from csmlib.survey.complaint_checks import validate_log
    >>> valid, _ = validate_log(pd.DataFrame({
    ...     "complaint_id": ["1", "2"], "category": ["a", "b"],
    ...     "received_at": ["2026-01-05 10:00", "2026-01-06 10:00"],
    ...     "closed_at": ["2026-01-07 10:00", ""]}))
    >>> k = kpis(valid, period=("2026-01-01", "2026-01-31"), targets={"close_days": 5})
    >>> k.loc[0, ["volume", "closed", "backlog"]].astype(int).tolist(), float(k.loc[0, "close_within_target"])
    ([2, 1, 1], 0.5)
    """
    require_columns(log, ("received_at",), "kpis")
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

    rec = timestamp_seconds(log, "received_at")
    ack = timestamp_seconds(log, "acknowledged_at")
    clo = timestamp_seconds(log, "closed_at")
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


def _category_flags(log: pd.DataFrame, col: str, rule: Callable[[str], bool]) -> tuple[np.ndarray, np.ndarray]:
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


def _outcome_group(v: object) -> str:
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
    require_columns(log, (customer_col,), "complainant_satisfaction")
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
