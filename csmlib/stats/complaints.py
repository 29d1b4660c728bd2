"""Complaints analytics (ISO 10002:2018 clause 8, ISO 10004:2018 §7.3.2): KPIs, Pareto, spikes,
recurring problems, corrective-action effectiveness, complainants' satisfaction.

The one import for complaints analytics; the code lives in these modules, re-exported here:

- :mod:`csmlib.stats.complaint_kpis` — :func:`kpis` (:data:`KPI_COLUMNS`) and
  :func:`complainant_satisfaction` (:class:`ComplainantSatisfaction`), the join with a survey;
- :mod:`csmlib.stats.complaint_events` — :func:`pareto`, :func:`spikes`, :func:`recurring`,
  :func:`action_effectiveness` (:data:`ACTION_COLUMNS`, :data:`ACTION_RESULT_COLUMNS`) and
  :func:`compare_rates` (:class:`RateComparison`);
- :mod:`csmlib.stats.complaint_times` — :func:`km_quantile`, :func:`days_to_close` and the time helpers both share;
- :mod:`csmlib.survey.complaint_checks` — :func:`validate_log` (:data:`REJECTED_COLUMNS`).

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

from csmlib.stats.complaint_events import (
    ACTION_COLUMNS,
    ACTION_RESULT_COLUMNS,
    RateComparison,
    action_effectiveness,
    compare_rates,
    pareto,
    recurring,
    spikes,
)
from csmlib.stats.complaint_kpis import KPI_COLUMNS, ComplainantSatisfaction, complainant_satisfaction, kpis
from csmlib.stats.complaint_times import days_to_close, km_quantile
from csmlib.survey.complaint_checks import REJECTED_COLUMNS, validate_log

__all__ = [
    "days_to_close",
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
    "ACTION_COLUMNS",
    "ACTION_RESULT_COLUMNS",
]
