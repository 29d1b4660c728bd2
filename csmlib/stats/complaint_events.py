"""Complaint event analyses: Pareto, spikes, recurring problems, corrective-action effectiveness.

What the complaints are about and whether it changes (ISO 10002 §8.2): :func:`pareto` of
categories, :func:`spikes` of a period's counts against the earlier periods (on the logs of
several periods :func:`stack_periods` puts together, counted by :func:`period_counts`), :func:`recurring`
problems across periods, and :func:`action_effectiveness` of corrective actions with the exact
comparison of two Poisson rates (:func:`compare_rates`). Conventions: :mod:`csmlib.stats.complaints`
and method note ``complaints.md`` §4.1–4.4.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from csmlib.core.dates import NS_PER_S, to_utc
from csmlib.stats.complaint_times import day_end, period_window, require_columns, timestamp_seconds
from csmlib.stats.inference import adjust_pvalues

__all__ = [
    "pareto",
    "stack_periods",
    "period_counts",
    "spikes",
    "recurring",
    "RateComparison",
    "compare_rates",
    "ACTION_COLUMNS",
    "ACTION_RESULT_COLUMNS",
    "action_effectiveness",
]


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
    require_columns(log, (by,), "pareto")
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


def _count_matrix(history: pd.DataFrame, category_col: str, period_col: str, caller: str = "spikes") -> pd.DataFrame:
    require_columns(history, (category_col, period_col), caller)
    if "count" in history.columns:
        counts = pd.to_numeric(history["count"], errors="coerce")
        if counts.isna().any() or (counts < 0).any():
            raise ValueError(f"{caller}: column 'count' must hold non-negative numbers")
        data = history.assign(count=counts)
    else:
        data = history.assign(count=1)
    mat = data.pivot_table(index=category_col, columns=period_col, values="count", aggfunc="sum", fill_value=0, observed=True)
    return mat.sort_index(axis=0).sort_index(axis=1)


def stack_periods(logs: Mapping[Hashable, pd.DataFrame], *, period_col: str = "period") -> pd.DataFrame:
    """The complaints logs of several periods as one log, each row labelled with its period.

    ``logs`` maps period labels (in time order) to their validated logs; the result has their
    rows in that order, a fresh index and the label in ``period_col`` — the log form that
    :func:`spikes` and :func:`period_counts` read.

    >>> stack_periods({"P1": pd.DataFrame({"category": ["a"]}), "P2": pd.DataFrame({"category": ["a", "b"]})}).values.tolist()
    [['a', 'P1'], ['a', 'P2'], ['b', 'P2']]
    """
    frames = [log.assign(**{period_col: period}) for period, log in logs.items()]
    if not frames:
        return pd.DataFrame(columns=[period_col])
    return pd.concat(frames, ignore_index=True)


def period_counts(history: pd.DataFrame, *, category_col: str = "category", period_col: str = "period") -> pd.DataFrame:
    """Complaints per period (rows) and category (columns), 0 where a category had none.

    ``history`` as for :func:`spikes` (a log with a period column, or counts with a ``count``
    column); periods and categories sorted; complaints without a category are not counted.
    These are the counts :func:`spikes` tests.

    >>> log = pd.DataFrame({"category": ["a", "b", "a"], "period": ["P1", "P1", "P2"]})
    >>> period_counts(log).to_dict("index")
    {'P1': {'a': 1, 'b': 1}, 'P2': {'a': 1, 'b': 0}}
    """
    return _count_matrix(history, category_col, period_col, "period_counts").T


def spikes(
    history: pd.DataFrame,
    *,
    category_col: str = "category",
    period_col: str = "period",
    current: Hashable | None = None,
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


def _sortable(values: Iterable[Any]) -> bool:
    try:
        sorted(values)
        return True
    except TypeError:
        return False


# ============================================================================================
# recurring problems
# ============================================================================================


def _history_frames(
    history: pd.DataFrame | Mapping[str, pd.DataFrame] | Sequence[pd.DataFrame] | None, by: Sequence[str]
) -> list[tuple[str, pd.DataFrame]]:
    if history is None:
        return []
    if isinstance(history, pd.DataFrame):
        require_columns(history, (*by, "period"), "recurring (history)")
        return [(str(k), g) for k, g in history.groupby("period", sort=True, observed=True)]
    if isinstance(history, Mapping):
        items = list(history.items())
    else:
        items = [(f"earlier-{i + 1}", h) for i, h in enumerate(history)]
    for label, frame in items:
        require_columns(frame, by, f"recurring (history '{label}')")
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
    history: pd.DataFrame | Mapping[str, pd.DataFrame] | Sequence[pd.DataFrame] | None = None,
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
    require_columns(log, by, "recurring")
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
        require_columns(actions, ("action_id", "category", "closed"), "recurring (actions)")
        if "received_at" not in log.columns:
            raise ValueError("recurring: column 'received_at' is needed to relate complaints to actions")
        closed = pd.Series(
            [day_end(v, tz) if not pd.isna(v) and str(v).strip() else pd.NaT for v in actions["closed"]],
            dtype="datetime64[ns, UTC]",
        )
        cats = actions["category"].astype("string").to_numpy()
        rec = timestamp_seconds(log, "received_at")
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


def _concat_logs(logs: pd.DataFrame | Mapping[str, pd.DataFrame] | Sequence[pd.DataFrame]) -> pd.DataFrame:
    if isinstance(logs, pd.DataFrame):
        return logs
    frames = list(logs.values()) if isinstance(logs, Mapping) else list(logs)
    if not frames:
        raise ValueError("action_effectiveness: no complaints log given")
    return pd.concat(frames, ignore_index=True)


def action_effectiveness(
    logs_by_period_or_log: pd.DataFrame | Mapping[str, pd.DataFrame] | Sequence[pd.DataFrame],
    actions: pd.DataFrame,
    *,
    exposure: float | None = None,
    alpha: float = 0.05,
    span: tuple[str | date, str | date] | None = None,
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
    require_columns(data, ("received_at", "category"), "action_effectiveness")
    require_columns(actions, ("action_id", "category", "opened", "closed"), "action_effectiveness (actions)")
    if exposure is not None and not float(exposure) > 0:
        raise ValueError("action_effectiveness: exposure must be a positive number of customers")
    rec = timestamp_seconds(data, "received_at")
    cats = data["category"].astype("string").to_numpy(dtype=object, na_value=None)
    if span is None:
        if not np.isfinite(rec).any():
            raise ValueError("action_effectiveness: the log is empty; give span=(first day, last day)")
        first = pd.Timestamp(np.nanmin(rec), unit="s", tz="UTC").tz_convert(tz).date()
        last = pd.Timestamp(np.nanmax(rec), unit="s", tz="UTC").tz_convert(tz).date()
        span = (first, last)
    lo, hi = period_window(span[0], span[1], tz)
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
        closed = None if pd.isna(a["closed"]) or not str(a["closed"]).strip() else day_end(a["closed"], tz)
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
