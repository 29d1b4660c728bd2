"""Speed goal of csmlib.stats.complaints (issue 7).

Goal, on 1,000,000 complaints received in one quarter (``--quick``: 20,000, goal not checked):

1. all KPIs — ``kpis`` overall and by category, by channel and by department (four calls,
   targets and customer count given) — in under 5 s in total;
2. for information, the ratio against a straightforward pandas ``groupby(...).apply``
   implementation of the same KPIs (same definitions: Kaplan–Meier quantiles, targets,
   backlog, shares), measured in the same run; the two must agree to 1e-9;
3. for information, ``validate_log`` on the same complaints as raw text (ISO timestamps with a
   +03:30 offset, empty strings for missing values, as the demo export).

Run: ``python benchmarks/bench_complaints.py [--quick] [--strict]`` (``--strict``: exit 1 if the
goal is missed; full size only). Timings are the best of a few repeats.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd

from csmlib.stats.complaints import km_quantile, kpis, validate_log

# benchmarks/ is on sys.path when run as a script
from _timing import add_mode_args, best_time, closing_line, parse_mode_args, verdict  # noqa: E402

PERIOD = ("2026-01-01", "2026-03-31")
TARGETS = {"acknowledge_hours": 48, "close_days": 10}
CUSTOMERS = 5_000_000
CATEGORIES = [
    "packaging_damage",
    "delivery_delay",
    "wrong_item",
    "billing_error",
    "product_defect",
    "staff_behaviour",
    "slow_response",
    "price",
]
DEPARTMENTS = ["Packaging", "Logistics", "Logistics", "Finance", "Quality", "Customer Service", "Customer Service", "Sales"]
CHANNELS = ["phone", "e-mail", "web", "in person", "social"]


def make_log(n: int, seed: int = 0) -> pd.DataFrame:
    """A validated-looking log: UTC timestamps, a tenth open at the quarter end, a few unacknowledged."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-01-01", tz="UTC").value
    span = 90 * 86400 * 10**9
    rec = start + rng.integers(0, span, n)
    ack = rec + (rng.exponential(20, n) * 3600e9).astype(np.int64)
    close = ack + (rng.gamma(2.0, 3.0, n) * 86400e9).astype(np.int64)
    nat = np.iinfo(np.int64).min
    ack[rng.random(n) < 0.02] = nat
    close[rng.random(n) < 0.05] = nat

    def stamps(v):
        return pd.Series(pd.to_datetime(v, utc=True)).where(v != nat)

    cat = rng.integers(0, len(CATEGORIES), n)
    return pd.DataFrame(
        {
            "complaint_id": pd.array([f"C{i:07d}" for i in range(n)], dtype="string"),
            "received_at": pd.to_datetime(rec, utc=True),
            "acknowledged_at": stamps(ack),
            "closed_at": stamps(close),
            "channel": pd.array(np.array(CHANNELS)[rng.integers(0, len(CHANNELS), n)], dtype="string"),
            "category": pd.array(np.array(CATEGORIES)[cat], dtype="string"),
            "department": pd.array(np.array(DEPARTMENTS)[cat], dtype="string"),
            "outcome": pd.array(rng.choice(["upheld", "partly upheld", "not upheld"], n), dtype="string"),
            "escalation": pd.array(rng.choice(["none", "internal", "external"], n, p=[0.85, 0.12, 0.03]), dtype="string"),
            "first_contact_resolution": pd.array(rng.random(n) < 0.35, dtype="boolean"),
            "handling_satisfaction": np.where(rng.random(n) < 0.4, np.nan, rng.integers(1, 6, n)).astype(float),
            "customer_id": pd.array([f"K{k}" for k in rng.integers(0, n, n)], dtype="string"),
        }
    )


# --------------------------------------------------------------------------- reference
def reference_kpis(log: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """The straightforward implementation: one pandas function applied per group."""
    t0 = pd.Timestamp(PERIOD[0], tz="UTC")
    T = pd.Timestamp(PERIOD[1], tz="UTC") + pd.Timedelta(days=1)
    ack_h, close_d = TARGETS["acknowledge_hours"], TARGETS["close_days"]

    def km(dur, event, p):
        return km_quantile(dur.to_numpy(float), event.to_numpy(bool), p)

    def one(g: pd.DataFrame) -> pd.Series:
        coh = g[(g["received_at"] >= t0) & (g["received_at"] < T)]
        acked = coh["acknowledged_at"].notna() & (coh["acknowledged_at"] <= T)
        closed = coh["closed_at"].notna() & (coh["closed_at"] <= T)
        tta = (coh["acknowledged_at"].where(acked, T) - coh["received_at"]).dt.total_seconds() / 3600
        ttc = (coh["closed_at"].where(closed, T) - coh["received_at"]).dt.total_seconds() / 86400
        due_a = coh["received_at"] + pd.Timedelta(hours=ack_h) <= T
        due_c = coh["received_at"] + pd.Timedelta(days=close_d) <= T
        is_open = (g["received_at"] < T) & ~(g["closed_at"].notna() & (g["closed_at"] <= T))
        age = (T - g.loc[is_open, "received_at"]).dt.total_seconds() / 86400
        closed_rows = coh[closed]
        per_customer = coh["customer_id"].value_counts()
        return pd.Series(
            {
                "volume": len(coh),
                "rate_per_1000": 1000 * len(coh) / CUSTOMERS,
                "acknowledged": int(acked.sum()),
                "ack_hours_median": km(tta, acked, 0.5),
                "ack_hours_p90": km(tta, acked, 0.9),
                "ack_within_target": (acked & due_a & (tta <= ack_h)).sum() / due_a.sum() if due_a.any() else np.nan,
                "closed": int(closed.sum()),
                "close_days_median": km(ttc, closed, 0.5),
                "close_days_p90": km(ttc, closed, 0.9),
                "close_within_target": (closed & due_c & (ttc <= close_d)).sum() / due_c.sum() if due_c.any() else np.nan,
                "backlog": int(is_open.sum()),
                "backlog_median_age_days": age.median(),
                "backlog_overdue": float((age > close_d).sum()),
                "first_contact_share": closed_rows["first_contact_resolution"].dropna().astype(bool).mean(),
                "upheld_share": coh["outcome"].dropna().isin(["upheld", "partly upheld"]).mean(),
                "escalation_rate": (closed_rows["escalation"].dropna() != "none").mean(),
                "handling_sat_mean": coh["handling_satisfaction"].mean(),
                "repeat_share": (per_customer >= 2).mean(),
            }
        )

    if by is None:
        return one(log).to_frame().T
    return log.groupby(by, sort=True).apply(one, include_groups=False).reset_index(drop=True)


def csm_all(log):
    return {
        by: kpis(log, period=PERIOD, targets=TARGETS, customers=CUSTOMERS, by=by)
        for by in (None, "category", "channel", "department")
    }


def ref_all(log):
    return {by: reference_kpis(log, by) for by in (None, "category", "channel", "department")}


def raw_text(log: pd.DataFrame) -> pd.DataFrame:
    """The same complaints as a CSV export would give them: text, +03:30 offsets, '' for missing."""
    out = log.astype(object)
    for col in ("received_at", "acknowledged_at", "closed_at"):
        local = log[col].dt.tz_convert("Asia/Tehran")
        out[col] = (local.dt.strftime("%Y-%m-%dT%H:%M:%S") + "+03:30").fillna("")
    out["first_contact_resolution"] = log["first_contact_resolution"].map({True: "True", False: "False"})
    out["handling_satisfaction"] = log["handling_satisfaction"].map(lambda v: "" if np.isnan(v) else str(int(v)))
    return out.astype("string")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_mode_args(parser, "20,000 complaints instead of 1,000,000")
    args = parse_mode_args(parser, argv)
    n = 20_000 if args.quick else 1_000_000
    log = make_log(n)
    print(f"complaints: {n:,} in one quarter, {len(CATEGORIES)} categories, {len(CHANNELS)} channels")
    csm_all(log.iloc[:1000])  # warm-up
    t_csm, ours = best_time(lambda: csm_all(log), 2 if args.quick else 3)
    t_ref, ref = best_time(lambda: ref_all(log), 1)
    for by, table in ours.items():
        cols = list(ref[by].columns)
        a = table[cols].to_numpy(dtype=float)
        b = ref[by].to_numpy(dtype=float)
        assert np.allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True), (by, table[cols], ref[by])
    goal = t_csm < 5.0
    print(
        f"  all KPIs (overall + by category, channel, department)  csmlib {t_csm:.3f} s   "
        f"goal < 5 s   {verdict(goal, args.quick)}"
    )
    print(
        f"  straightforward groupby/apply implementation           {t_ref:.3f} s   "
        f"ratio csmlib / groupby-apply = {t_csm / t_ref:.3f} ({t_ref / t_csm:.1f}× faster); "
        f"results identical to 1e-9"
    )
    raw = raw_text(log)
    t_val, (valid, rejected) = best_time(lambda: validate_log(raw, tz="Asia/Tehran"), 1)
    assert len(valid) == n and rejected.empty
    print(f"  (info) validate_log on {n:,} raw text records                {t_val:.3f} s")
    print(closing_line([goal], True) if args.quick else "goal met" if goal else "GOAL NOT MET")
    return 0 if goal or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
