"""The action tracker: findings that keep their id and status from wave to wave (docs/methods/feedback.md).

:func:`track` takes this wave's findings (:func:`csmlib.stats.findings.merge`) and the trackers
saved by the earlier waves, and decides for every problem key:

- **id** — the id the key had in the latest earlier tracker that holds it; otherwise the next
  free number (``F-001``, ``F-002``… never reused for another problem). Findings are matched by
  their key (kind of problem + item, category, theme…), never by their row.
- **status**, from the data:

  =============  ============================  ==========================================
  raised now     open in the previous tracker  status
  =============  ============================  ==========================================
  yes            no                            ``new``
  yes            yes                           ``improved`` when a signal shows a
                                               significant improvement, else ``continuing``
  no             yes                           ``resolved`` when it improved significantly,
                                               when no test of improvement exists (α, Kano
                                               attribute), or when it was not raised in the
                                               previous wave either; else ``continuing``
                                               (kept open until the improvement shows)
  =============  ============================  ==========================================

- **trend** gains the finding's persistence (:func:`csmlib.stats.findings.persistence`, a quarter
  per earlier wave open), then the finding is scored (:func:`csmlib.stats.findings.score`); one
  kept open although no analysis raised it this wave is watched at low priority (its score
  capped below the medium cut);
- **due** — the end of this wave's fieldwork plus the days of its priority (the wave file's
  ``feedback.due_days``): each wave's review sets the next date of every open finding, and a
  finding still open a wave later shows by its status (``continuing``) and ``first_wave``.
  Resolved findings have none.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from csmlib.stats.findings import PRIORITY_CUTS, TESTABLE, persistence, score

__all__ = ["TRACKER_COLUMNS", "STATUSES", "DEFAULT_DUE_DAYS", "track", "next_number", "from_saved"]

STATUSES = ("new", "continuing", "improved", "resolved")
DEFAULT_DUE_DAYS = {"high": 30, "medium": 60, "low": 90}
TRACKER_COLUMNS = [
    "id",
    "key",
    "wave",
    "status",
    "priority",
    "score",
    "department",
    "label",
    "evidence",
    "action",
    "kpi",
    "target",
    "due",
    "first_wave",
    "waves_open",
    "flagged",
    "lead",
    "kinds",
    "sources",
    "impact",
    "gap",
    "trend",
    "confidence",
]
_ID = re.compile(r"^F-(\d+)$")


def next_number(history: dict[str, pd.DataFrame]) -> int:
    """The first finding number no earlier tracker used.

    >>> next_number({"Q1": pd.DataFrame({"id": ["F-001", "F-004"]}), "Q2": pd.DataFrame({"id": ["F-002"]})})
    5
    """
    used = [
        int(m.group(1)) for t in history.values() if t is not None and "id" in t for m in map(_ID.match, t["id"].astype(str)) if m
    ]
    return max(used, default=0) + 1


def _latest(history: dict[str, pd.DataFrame]) -> dict[str, dict]:
    """The latest earlier tracker row of every key (later waves override earlier ones)."""
    rows = {}
    for table in history.values():
        if table is None or table.empty or not {"key", "id"} <= set(table.columns):
            continue
        for rec in table.to_dict("records"):
            rows[rec["key"]] = rec
    return rows


def track(
    findings: pd.DataFrame,
    history: dict[str, pd.DataFrame] | None,
    *,
    wave: str,
    end: dt.date,
    due_days: dict[str, int] | None = None,
    language: str = "en",
) -> pd.DataFrame:
    """This wave's tracker (:data:`TRACKER_COLUMNS`): open findings by score, then the resolved ones.

    ``findings``: :func:`csmlib.stats.findings.merge` of this wave; ``history``: the trackers
    saved by the earlier waves, oldest first (``{wave id: table}``, each with at least ``id``,
    ``key``, ``status``, ``flagged``, ``first_wave``, ``waves_open`` and ``due``); the last is the
    previous wave's. ``end``: the end of this wave's fieldwork; ``due_days``: days by priority.

    >>> import pandas as pd
    >>> f = pd.DataFrame({"key": ["item:speed"], "label": ["Speed"], "department": ["Logistics"], "lead": ["concentrate_here"],
    ...     "kinds": [["concentrate_here"]], "sources": [["drivers"]], "evidence": ["…"], "action": ["…"], "kpi": ["…"],
    ...     "target": ["…"], "flagged": [True], "improved": [False], "testable": [True], "impact": [1.0], "gap": [1.0],
    ...     "trend": [0.0], "confidence": [1 / 3]})
    >>> q1 = track(f, {}, wave="Q1", end=dt.date(2026, 3, 31))
    >>> q1[["id", "status", "priority", "due"]].values.tolist()
    [['F-001', 'new', 'high', datetime.date(2026, 4, 30)]]
    >>> track(f, {"Q1": q1}, wave="Q2", end=dt.date(2026, 6, 30))[["id", "status", "waves_open"]].values.tolist()
    [['F-001', 'continuing', 1]]
    """
    days = {**DEFAULT_DUE_DAYS, **(due_days or {})}
    history = {w: t for w, t in (history or {}).items() if t is not None}
    previous = _latest(dict(list(history.items())[-1:])) if history else {}
    previous = {k: r for k, r in previous.items() if r.get("status") != "resolved"}
    earlier = _latest(history)
    records = [] if findings is None else findings.to_dict("records")
    seen = {r["key"] for r in records}
    for key, open_before in previous.items():  # open last wave, no signal of any kind now
        if key not in seen:
            stub = {c: open_before.get(c) for c in TRACKER_COLUMNS if c not in ("id", "wave", "status", "due", "evidence")}
            records.append({**stub, "flagged": False, "improved": False, "testable": key.partition(":")[0] in TESTABLE})
    rows = []
    for rec in records:
        key, flagged, before = rec["key"], bool(rec["flagged"]), previous.get(rec["key"])
        if not flagged and before is None:
            continue  # context of a characteristic nobody raised
        reason = None
        if before is None:
            status, waves_open, first = "new", 0, wave
        else:
            waves_open, first = int(before.get("waves_open") or 0) + 1, before.get("first_wave") or wave
            if flagged:
                status = "improved" if rec["improved"] else "continuing"
            else:
                reason = (
                    "improved"
                    if rec["improved"]
                    else "untested"
                    if not rec["testable"]
                    else "twice"
                    if not bool(before.get("flagged", True))
                    else None
                )
                status = "resolved" if reason else "continuing"
            if not flagged:  # a finding nobody raised keeps what was asked of it
                rec.update({name: before.get(name) for name in ("action", "kpi", "target")})
        evidence = rec.get("evidence") if key in seen else ""
        rows.append(
            {
                **rec,
                "wave": wave,
                "status": status,
                "evidence": evidence if flagged else _unflagged(reason, evidence or "", language),
                "first_wave": first,
                "waves_open": waves_open,
                "trend": max(float(rec["trend"]) if pd.notna(rec["trend"]) else 0.0, persistence(waves_open)),
            }
        )
    if not rows:
        return pd.DataFrame(columns=TRACKER_COLUMNS)
    table = score(pd.DataFrame(rows))
    table["open"] = table["status"] != "resolved"
    watched = table["open"] & ~table["flagged"].astype(bool)  # kept open without a signal: a watch, not a task
    table["priority"] = table["priority"].where(~watched, "low")
    table["score"] = table["score"].where(~watched, table["score"].clip(upper=PRIORITY_CUTS[1][1] - 0.1))
    table = table.sort_values(["open", "score", "key"], ascending=[False, False, True], kind="stable")
    number, ids, due = next_number(history), [], []
    for rec in table.to_dict("records"):  # new ids in priority order
        if rec["key"] in earlier:
            ids.append(earlier[rec["key"]]["id"])
        else:
            ids.append(f"F-{number:03d}")
            number += 1
        due.append(end + dt.timedelta(days=int(days[rec["priority"]])) if rec["open"] else None)
    table = table.assign(id=ids, due=due, priority=table["priority"].where(table["open"], None))
    return table[TRACKER_COLUMNS].reset_index(drop=True)


_NOTES = {
    None: (
        "Not raised this wave, but not yet significantly better: kept open one more wave",
        "در این دوره دیده نشد اما هنوز بهبود معناداری ندارد: یک دوره دیگر باز می‌ماند",
    ),
    "improved": ("Resolved: significantly better since the previous wave", "حل‌شده: بهبود معنادار نسبت به دوره قبل"),
    "untested": ("Resolved: no analysis raises it any more", "حل‌شده: دیگر هیچ تحلیلی آن را نشان نمی‌دهد"),
    "twice": ("Resolved: not raised for two waves in a row", "حل‌شده: دو دوره پیاپی دیده نشده است"),
}


def _unflagged(reason: str | None, evidence: str, language: str) -> str:
    """Why a finding nobody raised this wave stays open or is resolved, before its remaining evidence."""
    english, persian = _NOTES[reason]
    if language == "fa":
        return f"{persian}. {evidence}" if evidence else persian + "."
    return f"{english}. {evidence[:1].upper()}{evidence[1:]}" if evidence else english + "."


def from_saved(payload: dict | None) -> pd.DataFrame | None:
    """The tracker a wave saved (its open ``register`` and its ``resolved`` rows) as one table.

    ``None`` when the wave saved none, or saved a register of the old, keyless format.

    >>> from_saved({"register": [{"id": "F-001", "key": "item:a", "status": "new"}], "resolved": []})["id"].tolist()
    ['F-001']
    >>> from_saved({"register": [{"id": "F-001", "kind": "concentrate_here"}]}) is None
    True
    """
    if not payload:
        return None
    rows = list(payload.get("register") or []) + list(payload.get("resolved") or [])
    if not rows or not all("key" in r and "id" in r for r in rows):
        return None
    return pd.DataFrame(rows)
