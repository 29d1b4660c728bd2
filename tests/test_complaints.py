"""csmlib.stats.complaints: validation rules, KPIs on hand-built logs, Pareto, spikes, recurring
problems, corrective-action effectiveness and complainants' satisfaction.

Reference values: hand computation (shown in the comments), R 4.2.2 ``survival`` 3.5-3
(``quantile(survfit(...))``), R ``stats::poisson.test``, ``stats::t.test`` and ``stats::ppois``.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csmlib.stats import complaints as C


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def poisson_sf_by_hand(c: int, lam: float) -> float:
    """P(X ≥ c), X ~ Poisson(lam), by summing the pmf (independent of scipy)."""
    return 1.0 - sum(math.exp(-lam) * lam**k / math.factorial(k) for k in range(c))


# ============================================================================ validation
def raw(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {"complaint_id": [f"C{i}" for i in range(n)], "received_at": ["2026-01-05 10:00"] * n, "category": ["billing"] * n}
    base.update(columns)
    return pd.DataFrame(base)


def test_timestamp_formats_and_time_zones():
    log = raw(
        received_at=[
            "2026-01-05T10:00:00+03:30",  # offset           → 06:30 UTC
            "2026-01-05T10:00:00Z",  # Z                → 10:00
            "2026-01-05 10:00",  # naive, Tehran    → 06:30
            "05/01/2026 10:00",  # day first        → 06:30
            dt.datetime(2026, 1, 5, 10, 0),  # Excel datetime   → 06:30
            46027.4375,  # Excel serial (2026-01-05 10:30) → 07:00
            "2026-01-05",  # date only        → 2026-01-04 20:30
            "۲۰۲۶-۰۱-۰۵ ۱۰:۰۰",  # Persian digits   → 06:30
            "05.01.2026 10:00:30",  # dotted day first → 06:30:30
            "31/12/2025 14:00 +0100",  # day first + offset → 13:00
        ]
    )
    valid, rejected = C.validate_log(log, tz="Asia/Tehran")
    assert rejected.empty
    assert str(valid["received_at"].dtype) == "datetime64[ns, UTC]"
    expected = [
        "2026-01-05 06:30",
        "2026-01-05 10:00",
        "2026-01-05 06:30",
        "2026-01-05 06:30",
        "2026-01-05 06:30",
        "2026-01-05 07:00",
        "2026-01-04 20:30",
        "2026-01-05 06:30",
        "2026-01-05 06:30:30",
        "2025-12-31 13:00",
    ]
    assert valid["received_at"].tolist() == [ts(e) for e in expected]


def test_naive_times_follow_daylight_saving_of_tz():
    log = raw(received_at=["2025-07-01 12:00", "2025-12-01 12:00"])
    valid, _ = C.validate_log(log, tz="Europe/Berlin")
    assert valid["received_at"].tolist() == [ts("2025-07-01 10:00"), ts("2025-12-01 11:00")]
    valid_utc, _ = C.validate_log(log)  # default tz is UTC
    assert valid_utc["received_at"].tolist() == [ts("2025-07-01 12:00"), ts("2025-12-01 12:00")]


def test_each_quarantine_rule_with_positions_and_values():
    log = pd.DataFrame(
        {
            "complaint_id": ["A", "", "C", "D", "E", "A", "G", "H", "I", "J", "K"],
            "received_at": [
                "2026-01-05 10:00",
                "2026-01-05 10:00",
                "not a date",
                "2026-01-05 10:00",
                "2026-01-05 10:00",
                "2026-01-06 10:00",
                "2026-01-05 10:00",
                "",
                "2026-01-05 10:00",
                "2026-01-05 10:00",
                "2030-01-01 00:00",
            ],
            "acknowledged_at": ["", "", "", "2026-01-05 09:00", "", "", "", "", "", "", ""],
            "closed_at": ["2026-01-06", "", "", "", "2026-01-04 10:00", "", "", "", "", "", ""],
            "category": [
                "billing",
                "billing",
                "billing",
                "billing",
                "billing",
                "billing",
                "Weather",
                "billing",
                "billing",
                " BILLING ",
                "billing",
            ],
            "handling_satisfaction": ["4", "", "", "", "", "", "", "", "good", "", ""],
            "first_contact_resolution": ["True", "", "", "", "", "", "", "", "", "maybe", ""],
        },
        index=np.arange(100, 111),
    )  # a non-default index: rows are positions
    before = log.copy()
    valid, rejected = C.validate_log(log, categories=["billing", "delivery"], now="2026-06-30")
    pd.testing.assert_frame_equal(log, before)  # input untouched
    assert list(rejected.columns) == C.REJECTED_COLUMNS
    got = set(map(tuple, rejected[["row", "column", "reason"]].astype(str).values.tolist()))
    assert got == {
        ("1", "complaint_id", "missing required field"),
        ("2", "received_at", "unparseable timestamp"),
        ("3", "acknowledged_at", "acknowledged before received"),
        ("4", "closed_at", "closed before received"),
        ("5", "complaint_id", "duplicate complaint_id"),
        ("6", "category", "unknown category"),
        ("7", "received_at", "missing required field"),
        ("8", "handling_satisfaction", "not a number"),
        ("9", "first_contact_resolution", "not a yes/no value"),
        ("10", "received_at", "timestamp after now"),
    }
    by_reason = rejected.set_index("reason")
    assert by_reason.loc["unparseable timestamp", "value"] == "not a date"
    assert by_reason.loc["duplicate complaint_id", "complaint_id"] == "A"
    assert by_reason.loc["unknown category", "value"] == "Weather"
    assert valid["complaint_id"].tolist() == ["A"]  # the first "A" is kept
    assert valid["category"].tolist() == ["billing"]
    assert valid["handling_satisfaction"].tolist() == [4.0]
    assert valid["first_contact_resolution"].tolist() == [True]


def test_category_matching_keeps_canonical_spelling():
    valid, rejected = C.validate_log(raw(category=[" BILLING ", "billing"]), categories=["billing"])
    assert rejected.empty and valid["category"].tolist() == ["billing", "billing"]


def test_missing_required_column_is_named():
    with pytest.raises(ValueError, match="received_at"):
        C.validate_log(pd.DataFrame({"complaint_id": ["a"], "category": ["b"]}))


def test_string_dtype_and_excel_object_input():
    log = raw(received_at=pd.array(["2026-01-05 10:00", None], dtype="string"), complaint_id=pd.array(["x", "y"], dtype="string"))
    valid, rejected = C.validate_log(log)
    assert len(valid) == 1 and rejected["reason"].tolist() == ["missing required field"]
    excel = raw(
        received_at=pd.Series([pd.Timestamp("2026-01-05 10:00"), np.nan], dtype=object),
        closed_at=pd.Series([pd.Timestamp("2026-01-07 10:00"), np.nan], dtype=object),
    )
    valid, rejected = C.validate_log(excel, tz="Asia/Tehran")
    assert valid["closed_at"].iloc[0] == ts("2026-01-07 06:30")
    assert rejected["row"].tolist() == [1]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 50_000_000), st.integers(-12 * 4, 14 * 4), st.integers(-5, 5), st.booleans()),
        min_size=1,
        max_size=15,
    )
)
def test_offsets_convert_to_utc_and_rows_partition(records):
    """UTC = local wall clock − offset; every input row is either valid or rejected, never both."""
    base = dt.datetime(2024, 1, 1)
    ids, received, closed, expect = [], [], [], []
    for i, (sec, quarter_hours, close_days, dup) in enumerate(records):
        local = base + dt.timedelta(seconds=sec)
        off = dt.timedelta(minutes=15 * quarter_hours)
        sign = "+" if off >= dt.timedelta(0) else "-"
        hh, mm = divmod(abs(quarter_hours) * 15, 60)
        received.append(local.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{hh:02d}:{mm:02d}")
        closed.append((local + dt.timedelta(days=close_days)).strftime("%Y-%m-%d %H:%M:%S") + f"{sign}{hh:02d}{mm:02d}")
        ids.append("D" if dup else f"C{i}")
        expect.append(pd.Timestamp(local - off, tz="UTC"))
    log = pd.DataFrame({"complaint_id": ids, "received_at": received, "closed_at": closed, "category": "x"})
    valid, rejected = C.validate_log(log)
    rej_rows = set(rejected["row"])
    assert len(valid) + len(rej_rows) == len(log)
    kept = [i for i in range(len(log)) if i not in rej_rows]
    assert valid["received_at"].tolist() == [expect[i] for i in kept]
    bad_close = {i for i, r in enumerate(records) if r[2] < 0}
    assert set(rejected.loc[rejected["reason"] == "closed before received", "row"]) == bad_close


# ============================================================================ KPIs
HAND = pd.DataFrame(
    [
        # id, received, acknowledged, closed, category, first contact, outcome, escalation, satisfaction, customer
        ("c1", "2026-01-02 00:00", "2026-01-02 12:00", "2026-01-04 00:00", "pack", "True", "upheld", "none", "4", "A"),
        ("c2", "2026-01-03 00:00", "2026-01-04 12:00", "2026-01-13 00:00", "pack", "False", "not upheld", "external", "2", "A"),
        ("c3", "2026-01-05 00:00", "2026-01-05 06:00", "2026-01-09 00:00", "bill", "False", "partly upheld", "none", "5", "B"),
        ("c4", "2026-01-10 00:00", "2026-01-11 00:00", "", "bill", "", "", "none", "", "C"),
        ("c5", "2026-01-31 12:00", "", "", "pack", "", "", "", "", "D"),
        ("c6", "2025-12-20 00:00", "", "", "pack", "", "", "", "", "A"),
        ("c7", "2026-01-20 00:00", "2026-01-20 01:00", "2026-02-10 00:00", "bill", "", "upheld", "internal", "", "E"),
        ("c8", "2026-02-02 00:00", "", "", "bill", "", "", "", "", "F"),
    ],
    columns=[
        "complaint_id",
        "received_at",
        "acknowledged_at",
        "closed_at",
        "category",
        "first_contact_resolution",
        "outcome",
        "escalation",
        "handling_satisfaction",
        "customer_id",
    ],
)
TARGETS = {"acknowledge_hours": 24, "close_days": 5}


@pytest.fixture(scope="module")
def hand_log():
    valid, rejected = C.validate_log(HAND)
    assert rejected.empty
    return valid


def test_kpis_overall_by_hand(hand_log):
    k = C.kpis(hand_log, period=("2026-01-01", "2026-01-31"), targets=TARGETS, customers=2000)
    assert list(k.columns) == C.KPI_COLUMNS and len(k) == 1
    r = k.iloc[0]
    # cohort: c1 c2 c3 c4 c5 c7 (c6 before, c8 after the period); T = 2026-02-01 00:00
    assert r["volume"] == 6 and r["rate_per_1000"] == pytest.approx(3.0)
    # acknowledge hours 12, 36, 6, 24, 1 and c5 censored at 12 h. R survival: median 18, P90 36
    assert r["acknowledged"] == 5
    assert r["ack_hours_median"] == pytest.approx(18.0) and r["ack_hours_p90"] == pytest.approx(36.0)
    # due (received + 24 h ≤ T): all but c5; within 24 h: c1 c3 c4 c7 → 4/5
    assert r["ack_target_n"] == 5 and r["ack_within_target"] == pytest.approx(0.8)
    # close days 2, 10, 4; censored c4 22, c5 0.5, c7 12 (closed after T). R survival: median 10, P90 NA
    assert r["closed"] == 3
    assert r["close_days_median"] == pytest.approx(10.0) and math.isnan(r["close_days_p90"])
    # due (received + 5 d ≤ T): all but c5; closed within 5 d: c1 c3 → 2/5
    assert r["close_target_n"] == 5 and r["close_within_target"] == pytest.approx(0.4)
    # backlog at T: c4 (22 d), c5 (0.5 d), c6 (43 d), c7 (12 d); median (12 + 22)/2; older than 5 d: 3
    assert r["backlog"] == 4 and r["backlog_median_age_days"] == pytest.approx(17.0)
    assert r["backlog_overdue"] == 3
    assert r["first_contact_n"] == 3 and r["first_contact_share"] == pytest.approx(1 / 3)
    assert r["decided_n"] == 4 and r["upheld_share"] == pytest.approx(0.75)
    assert r["escalation_n"] == 3 and r["escalation_rate"] == pytest.approx(1 / 3)
    assert r["handling_sat_n"] == 3 and r["handling_sat_mean"] == pytest.approx(11 / 3)
    assert (r["complainants"], r["repeat_complainants"]) == (5, 1) and r["repeat_share"] == pytest.approx(0.2)


def test_kpis_by_category_by_hand(hand_log):
    k = C.kpis(hand_log, period=("2026-01-01", "2026-01-31"), targets=TARGETS, by="category").set_index("category")
    assert list(k.index) == ["bill", "pack"]
    pack, bill = k.loc["pack"], k.loc["bill"]
    assert pack["volume"] == 3 and bill["volume"] == 3
    # pack acknowledge: 12 (event), 36 (event), 12 (censored): R survival median 36
    assert pack["ack_hours_median"] == pytest.approx(36.0) and pack["ack_within_target"] == pytest.approx(0.5)
    # pack close: 2, 10 (events), 0.5 (censored): Ŝ = 0.5 on [2, 10) → R survival median 6, P90 10
    assert pack["close_days_median"] == pytest.approx(6.0) and pack["close_days_p90"] == pytest.approx(10.0)
    assert pack["backlog"] == 2 and pack["backlog_median_age_days"] == pytest.approx(21.75)
    assert pack["backlog_overdue"] == 1
    assert pack["repeat_complainants"] == 1 and bill["repeat_complainants"] == 0
    # bill close: 4 (event), 12 and 22 censored → Ŝ never reaches 0.5
    assert bill["closed"] == 1 and math.isnan(bill["close_days_median"])
    assert bill["backlog"] == 2 and bill["backlog_median_age_days"] == pytest.approx(17.0)
    assert bill["upheld_share"] == pytest.approx(1.0) and bill["decided_n"] == 2
    assert math.isnan(k.loc["bill", "rate_per_1000"])  # no customer count given


def test_kpis_several_periods_and_customers_per_period(hand_log):
    k = C.kpis(
        hand_log,
        period={"Jan": ("2026-01-01", "2026-01-31"), "Feb": ("2026-02-01", "2026-02-28")},
        customers={"Jan": 2000, "Feb": 1000},
    )
    assert k["period"].tolist() == ["Jan", "Feb"]
    assert k["volume"].tolist() == [6, 1] and k["rate_per_1000"].tolist() == pytest.approx([3.0, 1.0])
    # end of February: c7 closed on 10 Feb; open: c4 c5 c6 c8
    assert k.loc[1, "backlog"] == 4


def test_kpis_no_closed_complaints():
    valid, _ = C.validate_log(raw(complaint_id=["a", "b"], received_at=["2026-01-02", "2026-01-30 00:00"]))
    r = C.kpis(valid, period=("2026-01-01", "2026-01-31"), targets=TARGETS).iloc[0]
    assert r["volume"] == 2 and r["closed"] == 0 and r["acknowledged"] == 0
    assert math.isnan(r["close_days_median"]) and math.isnan(r["ack_hours_median"])
    # a is overdue (30 days open > 5), b was received 2 days before T: not yet due
    assert r["close_target_n"] == 1 and r["close_within_target"] == 0.0
    assert r["backlog"] == 2 and r["backlog_median_age_days"] == pytest.approx((30 + 2) / 2)
    for col in ("first_contact_share", "upheld_share", "escalation_rate", "handling_sat_mean", "repeat_share"):
        assert math.isnan(r[col])
    assert r["first_contact_n"] == 0 and r["handling_sat_n"] == 0


def test_kpis_no_complaints_at_all():
    valid, rejected = C.validate_log(
        pd.DataFrame({c: pd.Series(dtype=object) for c in ("complaint_id", "received_at", "category", "closed_at")})
    )
    assert valid.empty and rejected.empty
    k = C.kpis(valid, period=("2026-01-01", "2026-01-31"), targets=TARGETS, customers=100)
    r = k.iloc[0]
    assert r["volume"] == 0 and r["rate_per_1000"] == 0.0 and r["backlog"] == 0 and r["closed"] == 0
    assert math.isnan(r["close_days_median"]) and math.isnan(r["ack_within_target"])
    assert C.kpis(valid, period=("2026-01-01", "2026-01-31"), by="category").empty


def test_kpis_wave_without_complaints_keeps_old_backlog(hand_log):
    r = C.kpis(hand_log, period=("2026-03-01", "2026-03-31"), targets=TARGETS).iloc[0]
    assert r["volume"] == 0 and math.isnan(r["close_days_median"])
    assert r["backlog"] == 4  # c4 c5 c6 c8 are still open


def test_kpis_period_boundaries_in_local_time():
    valid, _ = C.validate_log(
        raw(complaint_id=["a", "b"], received_at=["2026-01-01 01:00", "2026-01-31 23:30"]), tz="Asia/Tehran"
    )
    assert C.kpis(valid, period=("2026-01-01", "2026-01-31"), tz="Asia/Tehran").loc[0, "volume"] == 2
    # read in UTC, 01:00 Tehran on 1 January is still 31 December
    assert C.kpis(valid, period=("2026-01-01", "2026-01-31")).loc[0, "volume"] == 1


def test_kpis_bad_arguments_name_the_problem(hand_log):
    with pytest.raises(ValueError, match="'segment'"):
        C.kpis(hand_log, period=("2026-01-01", "2026-01-31"), by="segment")
    with pytest.raises(ValueError, match="close_hours"):
        C.kpis(hand_log, period=("2026-01-01", "2026-01-31"), targets={"close_hours": 3})
    with pytest.raises(ValueError, match="received_at"):
        C.kpis(pd.DataFrame({"received_at": ["2026-01-01"]}), period=("2026-01-01", "2026-01-31"))


@pytest.mark.parametrize(
    "times, events, probs, expected",
    [
        # R: quantile(survfit(Surv(times, events) ~ 1), probs, conf.int = FALSE)
        ([1, 2, 3, 4], [1, 1, 1, 1], (0.5, 0.9), (2.5, 4.0)),
        ([1, 2, 3, 4, 9], [1, 1, 1, 0, 0], (0.4, 0.5), (2.5, 3.0)),
        ([1, 2, 3, 4, 9], [1, 0, 1, 0, 0], (0.4, 0.5), (3.0, math.nan)),
        ([1, 2, 3], [1, 0, 0], (1 / 3,), (2.0,)),
        ([1, 1, 2, 5, 5, 7], [1, 0, 1, 1, 0, 1], (0.25, 0.5, 0.75, 0.9), (2.0, 5.0, 7.0, 7.0)),
    ],
)
def test_km_quantile_matches_r_survival(times, events, probs, expected):
    got = [C.km_quantile(times, np.array(events, dtype=bool), p) for p in probs]
    np.testing.assert_allclose(got, expected, equal_nan=True)


# ============================================================================ Pareto
def test_pareto_vital_few_and_ties():
    log = pd.DataFrame({"category": ["a"] * 50 + ["b"] * 30 + ["d"] * 5 + ["c"] * 5 + ["e"] * 10})
    p = C.pareto(log)
    assert p["category"].tolist() == ["a", "b", "e", "c", "d"]  # ties by name
    assert p["count"].tolist() == [50, 30, 10, 5, 5]
    assert p["cumulative_share"].tolist() == pytest.approx([0.5, 0.8, 0.9, 0.95, 1.0])
    assert p["vital_few"].tolist() == [True, True, False, False, False]  # 80 % reached with a, b


def test_pareto_other_goes_last_and_warns():
    log = pd.DataFrame({"category": ["a"] * 5 + ["Other"] * 6 + ["b"] * 3})
    with pytest.warns(UserWarning, match="classification"):
        p = C.pareto(log)
    assert p["category"].tolist() == ["a", "b", "Other"]
    assert p["vital_few"].tolist() == [True, True, False]
    assert p["share"].tolist() == pytest.approx([5 / 14, 3 / 14, 6 / 14])


# ============================================================================ spikes
def test_spikes_c_chart_by_hand():
    h = pd.DataFrame(
        {"category": ["x", "x", "x", "y", "y"], "period": ["P1", "P2", "P3", "P1", "P3"], "count": [10, 14, 30, 6, 4]}
    )
    s = C.spikes(h).set_index("category")
    # x: λ = (10 + 14)/2 = 12; y: absent in P2 → 0, λ = 3
    assert s.loc["x", "expected"] == pytest.approx(12.0) and s.loc["y", "expected"] == pytest.approx(3.0)
    assert s.loc["x", "p_value"] == pytest.approx(8.87013879914e-06, rel=1e-9)  # R ppois(29, 12, lower=F)
    assert s.loc["y", "p_value"] == pytest.approx(poisson_sf_by_hand(4, 3.0), rel=1e-9)
    p_x, p_y = s.loc["x", "p_value"], s.loc["y", "p_value"]
    assert s.loc["x", "p_adjusted"] == pytest.approx(2 * p_x) and s.loc["y", "p_adjusted"] == pytest.approx(p_y)
    assert bool(s.loc["x", "flag"]) and not bool(s.loc["y", "flag"])
    assert s.loc["x", "ucl"] == pytest.approx(12 + 3 * math.sqrt(12))
    assert s.loc["y", "lcl"] == 0.0  # 3 − 3√3 < 0 floored
    assert s.loc["x", "dispersion"] == pytest.approx((4 + 4) / 12)  # Pearson χ²/df, 1 df
    assert s.loc["x", "baseline_periods"] == 2


def test_spikes_u_chart_with_exposure_and_log_input():
    log = pd.DataFrame({"category": ["x"] * 10 + ["x"] * 14 + ["x"] * 30, "period": ["P1"] * 10 + ["P2"] * 14 + ["P3"] * 30})
    s = C.spikes(log, exposure={"P1": 2000, "P2": 2000, "P3": 4000}).iloc[0]
    # ū = 24 / 4000, λ = ū·4000 = 24; R ppois(29, 24, lower.tail = FALSE)
    assert s["expected"] == pytest.approx(24.0) and s["p_value"] == pytest.approx(0.132123584672, rel=1e-9)
    assert not s["flag"]
    with pytest.raises(ValueError, match="P3"):
        C.spikes(log, exposure={"P1": 1, "P2": 1})


def test_spikes_first_period_has_no_baseline():
    s = C.spikes(pd.DataFrame({"category": ["x"], "period": ["P1"], "count": [5]})).iloc[0]
    assert math.isnan(s["expected"]) and not s["flag"] and s["baseline_periods"] == 0


# ============================================================================ recurring
def _period(pack_x: int, spread: int, other_products: str = "ABCDEFGHIJ", when="2026-04-10") -> pd.DataFrame:
    rows = [("pack", "X")] * pack_x + [("bill", p) for p in other_products[:spread]]
    frame = pd.DataFrame(rows, columns=["category", "product"])
    frame["received_at"] = pd.Timestamp(when, tz="UTC")
    return frame


def test_recurring_concentrated_cell_by_hand():
    now = _period(10, 10)
    history = {"Q1": _period(10, 10), "Q2": _period(2, 10)}
    r = C.recurring(now, history=history, alpha=0.05)
    assert r[["category", "product"]].values.tolist() == [["pack", "X"]]
    # N = 20, n_pack = 10, n_X = 10 → expected 5; p = P(X ≥ 10 | Poisson 5)
    assert r.loc[0, "expected"] == pytest.approx(5.0)
    assert r.loc[0, "p_value"] == pytest.approx(poisson_sf_by_hand(10, 5.0), rel=1e-9)
    assert r.loc[0, "count"] == 10 and r.loc[0, "periods"] == 2  # Q1 and now; Q2 only 2 complaints
    assert r["after_action"].isna().all()  # no register given
    assert C.recurring(now, history=None, alpha=0.05).empty  # only one period
    assert len(C.recurring(now, alpha=0.05, min_periods=1)) == 1
    stacked = pd.concat([h.assign(period=k) for k, h in history.items()])
    pd.testing.assert_frame_equal(C.recurring(now, history=stacked, alpha=0.05), r)


def test_recurring_after_corrective_action():
    now = _period(10, 10, when="2026-04-10")
    actions = pd.DataFrame(
        {
            "action_id": ["CA-9", "CA-8"],
            "department": ["Packaging", "Finance"],
            "category": ["pack", "bill"],
            "opened": ["2026-01-01", "2026-01-01"],
            "closed": ["2026-02-01", "2026-02-01"],
            "status": ["closed", "closed"],
        }
    )
    r = C.recurring(now, history=None, alpha=0.05, actions=actions)  # one period, but after an action
    assert r[["category", "product", "periods"]].values.tolist() == [["pack", "X", 1]]
    assert bool(r.loc[0, "after_action"]) and r.loc[0, "actions"] == "CA-9"
    later = actions.assign(closed=["2026-05-01", "2026-05-01"])
    assert C.recurring(now, alpha=0.05, actions=later).empty


# ============================================================================ actions
def test_compare_rates_matches_r_poisson_test():
    r = C.compare_rates(11, 800, 21, 3011)  # R example: poisson.test(c(11, 6+8+7), c(800, 1083+1050+878))
    assert r.rate_ratio == pytest.approx(1.97148809524, rel=1e-9)
    assert (r.ci_low, r.ci_high) == pytest.approx((0.858426403392, 4.277265943654), rel=1e-9)
    assert r.p_value == pytest.approx(0.0796686330333, rel=1e-9)
    less = C.compare_rates(10, 100, 40, 100, alternative="less")  # R: alternative = "less"
    assert less.p_value == pytest.approx(1.19306658384e-05, rel=1e-8)
    assert (less.ci_low, less.ci_high) == pytest.approx((0.0, 0.461125431386), rel=1e-9)


def _action_log() -> pd.DataFrame:
    """bill: 40 complaints in the 100 days before, 10 in the 100 days after CA-1;
    pack: 38 before and 40 after CA-2. Action periods 2026-04-11 … 2026-04-30."""
    rows = []
    start, after = pd.Timestamp("2026-01-01", tz="UTC"), pd.Timestamp("2026-05-01", tz="UTC")
    for cat, nb, na in (("bill", 40, 10), ("pack", 38, 40)):
        rows += [(cat, start + pd.Timedelta(days=100 * i / nb)) for i in range(nb)]
        rows += [(cat, after + pd.Timedelta(days=100 * i / na)) for i in range(na)]
    return pd.DataFrame(rows, columns=["category", "received_at"])


ACTIONS = pd.DataFrame(
    {
        "action_id": ["CA-1", "CA-2", "CA-3", "CA-4"],
        "department": ["Finance", "Packaging", "Finance", "Packaging"],
        "category": ["bill", "pack", "bill", "pack"],
        "opened": ["2026-04-11", "2026-04-11", "2026-04-11", "2026-04-11"],
        "closed": ["2026-04-30", "2026-04-30", "", "2026-08-07"],
        "status": ["closed", "closed", "open", "closed"],
    }
)


def test_action_effectiveness_verdicts_by_hand():
    res = C.action_effectiveness(_action_log(), ACTIONS, span=("2026-01-01", "2026-08-08")).set_index("action_id")
    ca1, ca2 = res.loc["CA-1"], res.loc["CA-2"]
    assert (ca1["count_before"], ca1["count_after"]) == (40, 10)
    assert (ca1["days_before"], ca1["days_after"]) == (100.0, 100.0)
    assert ca1["rate_before"] == pytest.approx(12.0) and ca1["rate_after"] == pytest.approx(3.0)  # per 30 days
    assert ca1["rate_ratio"] == pytest.approx(0.25)
    assert ca1["p_value"] == pytest.approx(1.19306658384e-05, rel=1e-8)  # R poisson.test(c(10,40), c(100,100), "less")
    assert ca1["ci_high"] == pytest.approx(0.461125431386, rel=1e-9)
    assert ca1["verdict"] == "effective" and "0.25" in ca1["evidence"]
    assert ca2["p_value"] == pytest.approx(0.632828983485, rel=1e-8)  # R poisson.test(c(40,38), …, "less")
    assert ca2["verdict"] == "not effective"
    assert res.loc["CA-3", "verdict"] == "too early to tell"  # not implemented
    # CA-4 closed 7 Aug: 1 day of follow-up, 38·1/100 expected < 5
    assert res.loc["CA-4", "verdict"] == "too early to tell"
    assert list(C.action_effectiveness(_action_log(), ACTIONS).columns) == C.ACTION_RESULT_COLUMNS


def test_action_effectiveness_exposure_scales_rates_not_test():
    plain = C.action_effectiveness(_action_log(), ACTIONS.iloc[:1], span=("2026-01-01", "2026-08-08"))
    per_customer = C.action_effectiveness(_action_log(), ACTIONS.iloc[:1], span=("2026-01-01", "2026-08-08"), exposure=2000)
    assert per_customer.loc[0, "rate_before"] == pytest.approx(12.0 / 2)  # per 1,000 customers
    assert per_customer.loc[0, "p_value"] == pytest.approx(plain.loc[0, "p_value"])
    logs = {"H1": _action_log().iloc[:50], "H2": _action_log().iloc[50:]}
    by_period = C.action_effectiveness(logs, ACTIONS.iloc[:1], span=("2026-01-01", "2026-08-08"))
    pd.testing.assert_frame_equal(by_period, plain)


# ============================================================================ complainants
def test_complainant_satisfaction_welch_matches_r():
    responses = pd.DataFrame(
        {"respondent_id": [f"R{i}" for i in range(14)], "overall": [2, 3, 3, 4, 1, 2, 4, 5, 4, 3, 5, 4, 5, 4]}
    )
    log = pd.DataFrame(
        {
            "customer_id": ["R0", "R1", "R2", "R3", "R4", "R5", "R0", "X9"],
            "outcome": ["not upheld", "upheld", "upheld", "partly upheld", "", "not upheld", "upheld", "upheld"],
            "received_at": pd.to_datetime(
                ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04", "2026-01-05", "2026-01-06", "2026-02-01", "2026-01-01"],
                utc=True,
            ),
        }
    )
    r = C.complainant_satisfaction(responses, log, satisfaction="overall")
    # R: t.test(c(2,3,3,4,1,2), c(4,5,4,3,5,4,5,4))
    assert (r.n_complainants, r.n_non_complainants) == (6, 8)
    assert r.difference == pytest.approx(2.5 - 4.25)
    assert r.t == pytest.approx(-3.52953638863, rel=1e-9) and r.df == pytest.approx(8.30108332766, rel=1e-9)
    assert r.p_value == pytest.approx(0.00729370816569, rel=1e-8)
    assert (r.ci_low, r.ci_high) == pytest.approx((-2.886175023147, -0.613824976853), rel=1e-9)
    table = r.by_outcome.set_index("group")
    # R0's latest complaint (1 Feb) was upheld: upheld = R0 R1 R2 → 2, 3, 3
    assert table.loc["upheld", "n"] == 3 and table.loc["upheld", "mean"] == pytest.approx(8 / 3)
    assert table.loc["not upheld", "n"] == 1 and table.loc["undecided", "n"] == 1
    assert table.loc["non-complainant", "mean"] == pytest.approx(4.25)
    assert list(r.by_outcome["group"])[0] == "non-complainant"


# ============================================================================ demo-format fixture
DEMO_LIKE = pd.DataFrame(
    {
        "id": ["2026Q1-C0001", "2026Q1-C0002", "2026Q1-C0003", "2026Q1-C0004", "2026Q1-C0002"],
        "received": [
            "2026-01-03T09:15:00+03:30",
            "2026-01-04T10:00:00+03:30",
            "2026-03-30T18:00:00+03:30",
            "2026-01-10T08:00:00+03:30",
            "2026-01-04T10:00:00+03:30",
        ],
        "acknowledged": [
            "2026-01-03T20:15:00+03:30",
            "2026-01-06T10:00:00+03:30",
            "",
            "2026-01-10T09:00:00+03:30",
            "2026-01-06T10:00:00+03:30",
        ],
        "closed": ["2026-01-08T09:15:00+03:30", "", "", "2025-01-10T09:00:00+03:30", ""],
        "channel": ["phone", "web", "e-mail", "social", "web"],
        "category": ["packaging_damage", "billing_error", "packaging_damage", "billing_error", "billing_error"],
        "product": ["P-200 Blender", "P-100 Kettle", "P-200 Blender", "P-100 Kettle", "P-100 Kettle"],
        "severity": ["2", "1", "3", "1", "1"],
        "department": ["Packaging", "Finance", "Packaging", "Finance", "Finance"],
        "status": ["closed", "open", "open", "closed", "open"],
        "outcome": ["partly upheld", "", "", "upheld", ""],
        "handling_sat": ["4", "", "", "3", ""],
        "customer": ["R00012", "C123456", "R00012", "C222222", "C123456"],
        "first_contact": ["False", "True", "False", "True", "True"],
        "escalation": ["none", "internal", "none", "none", "internal"],
    }
)
DEMO_RENAME = {
    "id": "complaint_id",
    "received": "received_at",
    "acknowledged": "acknowledged_at",
    "closed": "closed_at",
    "handling_sat": "handling_satisfaction",
    "customer": "customer_id",
    "first_contact": "first_contact_resolution",
}


def test_demo_format_fixture_end_to_end():
    log = DEMO_LIKE.rename(columns=DEMO_RENAME).astype("string")
    valid, rejected = C.validate_log(log, categories=["packaging_damage", "billing_error"], tz="Asia/Tehran")
    assert rejected[["row", "reason"]].values.tolist() == [[3, "closed before received"], [4, "duplicate complaint_id"]]
    assert valid["received_at"].iloc[0] == ts("2026-01-03 05:45")
    assert valid["first_contact_resolution"].tolist() == [False, True, False]
    k = C.kpis(
        valid,
        period=("2026-01-01", "2026-03-31"),
        targets={"acknowledge_hours": 48, "close_days": 10},
        customers=12_000,
        tz="Asia/Tehran",
    ).iloc[0]
    assert k["volume"] == 3 and k["rate_per_1000"] == pytest.approx(0.25)
    assert k["closed"] == 1 and k["backlog"] == 2
    # acknowledged after 11 h and 48 h, the third censored at 30 h → Ŝ: 2/3 at 11, 0 at 48
    assert k["ack_hours_median"] == pytest.approx(48.0)
    assert k["ack_within_target"] == pytest.approx(1.0) and k["ack_target_n"] == 2
    assert k["complainants"] == 2 and k["repeat_complainants"] == 1


def test_demo_ground_truth_is_recovered(demo_root, demo_codebook):
    from csmlib.survey.complaint_intake import load_actions, load_complaints
    from csmlib.demo import WAVES

    tz = demo_codebook.complaints.timezone
    logs = {}
    for wave, _, _ in WAVES:
        intake = load_complaints(demo_root / "data" / "demo" / f"complaints_{wave}.csv", demo_codebook)
        assert sorted(intake.rejected["reason"]) == ["closed before received", "duplicate complaint_id", "unknown category"]
        logs[wave] = intake.log
    stacked = pd.concat([log.assign(period=w) for w, log in logs.items()], ignore_index=True)
    spike = C.spikes(stacked[stacked["period"] <= "2026Q2"])
    assert spike.loc[spike["flag"], "category"].tolist() == ["delivery_delay"]
    actions = load_actions(demo_root / "data" / "demo" / "actions.csv", tz=tz)
    rec = C.recurring(logs["2026Q3"], history=stacked[stacked["period"] < "2026Q3"], actions=actions, tz=tz)
    assert rec[["category", "product"]].values.tolist() == [["packaging_damage", "P-200 Blender"]]
    assert rec.loc[0, "periods"] == 4 and bool(rec.loc[0, "after_action"])
    eff = C.action_effectiveness(logs, actions, tz=tz, span=(WAVES[0][1], WAVES[-1][2])).set_index("action_id")
    assert eff.loc["CA-01", "verdict"] == "effective" and eff.loc["CA-02", "verdict"] == "not effective"
    wave, start, end = WAVES[-1]
    k = C.kpis(
        logs[wave],
        period={wave: (start, end)},
        targets={"acknowledge_hours": 48, "close_days": 10},
        customers=12_000,
        by="department",
        tz=tz,
    )
    assert k["volume"].sum() == len(logs[wave])
    pareto = C.pareto(logs[wave])
    assert pareto.loc[0, "category"] == "delivery_delay" and pareto["vital_few"].iloc[0]


# ============================================================================ Solar Hijri (Jalali) logs
# Hand-checked days to close (Nowruz 1404 = 2025-03-21, 1405 = 2026-03-21; 1403 is a leap year,
# so Esfand 1403 has 30 days, Esfand 1404 has 29; Ordibehesht and Tir have 31 days):
#   J1 1404/12/25 09:00 → 1405/01/05 09:00: 4 days to 12/29, +1 to 01/01, +4 → 9 days
#      (2026-03-16 → 2026-03-25)
#   J2 1403/12/28 10:00 → 1404/01/02 10:00: 12/29, 12/30, 01/01, 01/02 → 4 days (3 if 1403 were common)
#   J3 ۱۴۰۵/۰۴/۱۱ ۰۹:۳۰ → ۱۴۰۵/۰۴/۲۱ ۰۹:۳۰ (Persian digits) → 10 days; acknowledged after 6 h
#   J4 ١٤٠٥-٠٤-١١ → ١٤٠٥-٠٥-٠١ (Arabic-Indic digits, dashes): 20 days to 04/31, +1 → 21 days
#   J5 1405/02/31 23:00 → 1405/03/01 01:00 → 2 hours
#   J6 1404/12/30 does not exist (1404 is a common year); J7 is a Gregorian date
JALALI_LOG = """\
complaint_id,received_at,acknowledged_at,closed_at,category
J1,1404/12/25 09:00,1404/12/25 11:00,1405/01/05 09:00,billing_error
J2,1403/12/28 10:00,,1404/01/02 10:00,billing_error
J3,۱۴۰۵/۰۴/۱۱ ۰۹:۳۰,۱۴۰۵/۰۴/۱۱ ۱۵:۳۰,۱۴۰۵/۰۴/۲۱ ۰۹:۳۰,delivery_delay
J4,١٤٠٥-٠٤-١١ ١٠:٠٠,,١٤٠٥-٠٥-٠١ ١٠:٠٠,delivery_delay
J5,1405/02/31 23:00,,1405/03/01 01:00,billing_error
J6,1404/12/30 10:00,,,billing_error
J7,2026-07-02 09:30,,,billing_error
"""


def _jalali_codebook(calendar=None):
    """A stand-in codebook: the complaints spec and (when given) the codebook's calendar."""
    from types import SimpleNamespace

    from csmlib.survey.codebook import ComplaintsSpec

    spec = ComplaintsSpec(
        timezone="Asia/Tehran",
        categories={"billing_error": {"department": "Finance"}, "delivery_delay": {"department": "Logistics"}},
    )
    return SimpleNamespace(complaints=spec) if calendar is None else SimpleNamespace(complaints=spec, calendar=calendar)


@pytest.mark.parametrize("codebook_calendar, wave_calendar", [("jalali", None), ("gregorian", "jalali"), (None, "jalali")])
def test_solar_hijri_log_end_to_end(tmp_path, codebook_calendar, wave_calendar):
    from types import SimpleNamespace

    from csmlib.survey.complaint_intake import load_complaints

    path = tmp_path / "complaints.csv"
    path.write_text(JALALI_LOG, encoding="utf-8")
    intake = load_complaints(path, _jalali_codebook(codebook_calendar), SimpleNamespace(calendar=wave_calendar))
    assert intake.n_read == 7 and intake.n_accepted == 5
    assert intake.rejected[["row", "column", "reason"]].values.tolist() == [
        [7, "received_at", "not a valid Solar Hijri date (1404/12/30): 1404 is not a leap year, Esfand has 29 days"],
        [8, "received_at", "looks like a Gregorian date (2026-07-02); declare calendar: gregorian"],
    ]
    log = intake.log.set_index("complaint_id")
    days = (log["closed_at"] - log["received_at"]) / pd.Timedelta(days=1)
    assert days.to_dict() == {"J1": 9.0, "J2": 4.0, "J3": 10.0, "J4": 21.0, "J5": pytest.approx(2 / 24)}
    hours = ((log["acknowledged_at"] - log["received_at"]) / pd.Timedelta(hours=1)).dropna()
    assert hours.to_dict() == {"J1": 2.0, "J3": 6.0}
    assert log.loc["J1", "received_at"] == ts("2026-03-16 05:30")  # 09:00 Tehran (+03:30)
    assert log.loc["J3", "closed_at"] == ts("2026-07-12 06:00")
    k = C.kpis(intake.log, period=("2025-03-01", "2026-12-31"), tz="Asia/Tehran").iloc[0]
    assert k["volume"] == 5 and k["closed"] == 5 and k["backlog"] == 0
    assert k["close_days_median"] == pytest.approx(9.0)  # Kaplan–Meier, all closed: Ŝ = 0.4 after day 9


def test_wave_calendar_overrides_codebook_and_solar_hijri_is_never_misread(tmp_path):
    from types import SimpleNamespace

    from csmlib.survey.complaint_intake import load_complaints

    path = tmp_path / "complaints.csv"
    path.write_text(JALALI_LOG, encoding="utf-8")
    for codebook, params in (
        (_jalali_codebook("jalali"), SimpleNamespace(calendar="gregorian")),
        (_jalali_codebook(), None),
    ):  # no calendar anywhere: Gregorian
        intake = load_complaints(path, codebook, params)
        assert intake.n_accepted == 1  # only J7, the Gregorian one
        assert intake.log["complaint_id"].tolist() == ["J7"]
        first = intake.rejected.iloc[0]
        assert (first["row"], first["column"]) == (2, "received_at")
        assert first["reason"] == "looks like a Solar Hijri date (1404/12/25); declare calendar: jalali"
        assert (intake.rejected["reason"].str.startswith("looks like a Solar Hijri date")).all()


def test_validate_log_calendar_argument():
    log = raw(received_at=["1405/04/11 09:30", "2026-07-02 09:30"])
    valid, rejected = C.validate_log(log, tz="Asia/Tehran")  # gregorian: no more 1989-10-30
    assert valid["complaint_id"].tolist() == ["C1"]
    assert rejected[["row", "column", "value", "reason"]].values.tolist() == [
        [0, "received_at", "1405/04/11 09:30", "looks like a Solar Hijri date (1405/04/11); declare calendar: jalali"]
    ]
    valid, rejected = C.validate_log(log, tz="Asia/Tehran", calendar="jalali")
    assert valid["received_at"].tolist() == [ts("2026-07-02 06:00")]
    assert rejected["reason"].tolist() == ["looks like a Gregorian date (2026-07-02); declare calendar: gregorian"]
    with pytest.raises(ValueError, match="calendar must be"):
        C.validate_log(log, calendar="shamsi")


ACTIONS_JALALI = """\
action_id,department,category,opened,closed,status
CA-1,Finance,billing_error,1404/12/20,1405/01/10,closed
CA-2,Logistics,delivery_delay,۱۴۰۵/۰۴/۰۱,,open
"""


def test_action_register_in_solar_hijri(tmp_path):
    from csmlib.survey.complaint_intake import load_actions
    from csmlib.core.errors import CSMInputError

    path = tmp_path / "actions.csv"
    path.write_text(ACTIONS_JALALI, encoding="utf-8")
    actions = load_actions(path, tz="Asia/Tehran", calendar="jalali")
    tehran = lambda text: pd.Timestamp(text, tz="Asia/Tehran")  # noqa: E731
    # 1404/12/20 = 2026-03-11 (nine days before 1404/12/29 = 2026-03-20); 1405/01/10 = 2026-03-30;
    # 1405/04/01 = 2026-06-22 (ten days before 1405/04/11 = 2026-07-02)
    assert actions["opened"].tolist() == [tehran("2026-03-11"), tehran("2026-06-22")]
    assert actions["closed"].iloc[0] == tehran("2026-03-30") and pd.isna(actions["closed"].iloc[1])
    with pytest.raises(CSMInputError) as err:  # the calendar not declared
        load_actions(path, tz="Asia/Tehran")
    assert (err.value.row, err.value.column) == (2, "opened")
    assert "looks like a Solar Hijri date (1404/12/20); declare calendar: jalali" in str(err.value)
    assert str(err.value).startswith(str(path)) and "\n" not in str(err.value)
    path.write_text(ACTIONS_JALALI.replace(",,open", ",1404/12/30,closed"), encoding="utf-8")
    with pytest.raises(CSMInputError) as err:
        load_actions(path, tz="Asia/Tehran", calendar="jalali")
    assert (err.value.row, err.value.column) == (3, "closed")
    assert "not a valid Solar Hijri date (1404/12/30): 1404 is not a leap year" in str(err.value)


def test_action_register_gregorian_unchanged(demo_root):
    from csmlib.survey.complaint_intake import load_actions

    actions = load_actions(demo_root / "data" / "demo" / "actions.csv", tz="Asia/Tehran")
    assert actions.loc[1, "opened"] == pd.Timestamp("2026-01-15", tz="Asia/Tehran")
    assert actions.loc[1, "closed"] == pd.Timestamp("2026-02-28", tz="Asia/Tehran")


def test_complainant_groups_below_min_n_are_suppressed():
    """ISO 10002/10004 confidentiality: a group's mean is shown only with at least min_n respondents."""
    import numpy as np
    import pandas as pd

    from csmlib.stats.complaints import complainant_satisfaction

    responses = pd.DataFrame({"respondent_id": [f"r{i}" for i in range(50)], "overall": np.arange(50) % 10 + 1.0})
    log = pd.DataFrame(
        {"customer_id": ["r1", "r2", "r3", "r4", "r5"], "outcome": ["upheld", "upheld", "upheld", "not upheld", "not upheld"]}
    )
    shown = complainant_satisfaction(responses, log, satisfaction="overall", min_n=2)
    hidden = complainant_satisfaction(responses, log, satisfaction="overall", min_n=30)
    assert not shown.suppressed and hidden.suppressed and hidden.n_complainants == 5
    table = hidden.by_outcome.set_index("group")
    assert table.loc["non-complainant", "mean"] == pytest.approx(
        np.mean(responses["overall"][~responses["respondent_id"].isin(log["customer_id"])])
    )
    assert table.loc["upheld", "n"] == 3 and np.isnan(table.loc["upheld", "mean"]) and table.loc["upheld", "suppressed"]
    assert shown.by_outcome.set_index("group").loc["upheld", "mean"] == pytest.approx(3.0)  # r1..r3 -> 2, 3, 4


def test_handling_satisfaction_of_small_groups_is_suppressed():
    import numpy as np
    import pandas as pd

    from csmlib.stats.complaints import kpis, validate_log

    log, _ = validate_log(
        pd.DataFrame(
            {
                "complaint_id": [str(i) for i in range(6)],
                "category": ["a", "a", "a", "a", "b", "b"],
                "received_at": ["2026-01-05 10:00"] * 6,
                "handling_satisfaction": [5, 4, 3, 4, 1, 2],
            }
        )
    )
    table = kpis(log, period=("2026-01-01", "2026-03-31"), by="category", min_n=3).set_index("category")
    assert table.loc["a", "handling_sat_mean"] == pytest.approx(4.0) and table.loc["a", "handling_sat_n"] == 4
    assert np.isnan(table.loc["b", "handling_sat_mean"]) and table.loc["b", "handling_sat_n"] == 2
