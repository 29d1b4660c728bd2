"""The findings of one wave from the results its reports saved.

Each analysis report saves its results (``02_satisfaction`` … ``06_complaints``, see
:mod:`csmlib.core.results`); this module reads them back, asks :mod:`csmlib.stats.feedback` for
each analysis's signals, adds the context of every rated characteristic
(:func:`csmlib.stats.findings.item_context`) and merges them into one finding per problem
(:func:`csmlib.stats.findings.merge`). A report whose results are missing, or saved with
``available: False`` (it had no data to analyse), is a *missing source*: it raises nothing and the
feedback report says so.

The feedback notebook calls :func:`wave_findings`, then :func:`csmlib.stats.tracker.track`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from csmlib.core.results import frame
from csmlib.stats import feedback, findings
from csmlib.stats.headline import average_characteristic
from csmlib.survey.codebook import Codebook

__all__ = ["SOURCE_REPORTS", "WaveFindings", "available_results", "wave_findings", "open_by_department"]

#: the report whose saved results each source of findings reads
SOURCE_REPORTS = {
    "satisfaction": "02_satisfaction",
    "reliability": "03_reliability",
    "kano": "04_kano",
    "drivers": "05_drivers",
    "complaints": "06_complaints",
}


@dataclass(frozen=True)
class WaveFindings:
    """``found``: one row per problem (:data:`csmlib.stats.findings.FINDING_COLUMNS`), flagged or
    not; ``missing``: the sources that were not available this wave (names as in
    :func:`csmlib.stats.feedback.register`: satisfaction, reliability, kano, drivers, comments,
    complaints)."""

    found: pd.DataFrame
    missing: list[str]


def available_results(results: Mapping[str, dict | None]) -> dict[str, dict | None]:
    """The saved results of each report, ``None`` for a report without results or whose results
    say ``available: False``.

    >>> available_results({"02_satisfaction": {"available": False}, "04_kano": {"summary": []}})["04_kano"]
    {'summary': []}
    >>> available_results({"02_satisfaction": {"available": False}})["02_satisfaction"] is None
    True
    """
    return {name: (r if r is not None and r.get("available", True) else None) for name, r in results.items()}


def wave_findings(
    results: Mapping[str, dict | None],
    codebook: Codebook,
    *,
    complaint_handling: str | None = None,
    targets: Mapping[str, float] | None = None,
    level: float = 0.95,
    close_days: float | None = None,
    language: str = "en",
) -> WaveFindings:
    """Signals of every analysis merged into findings.

    ``results``: report name → saved results (:data:`SOURCE_REPORTS`; missing keys count as not
    available). ``complaint_handling``: the rating item of satisfaction with complaint handling
    (the wave file's ``feedback.complaint_handling``); ``targets``: item id → target mean
    (``feedback.targets``); ``level``: the reports' confidence level (comment themes are tested at
    α = 1 − level); ``close_days``: the complaint-closing target in days.

    A must-be Kano attribute under-performs when its rating is below the average characteristic
    (:func:`csmlib.stats.headline.average_characteristic`).
    """
    res = available_results({name: results.get(name) for name in SOURCE_REPORTS.values()})
    sat, rel, kano_res, drv, cmp = (res[SOURCE_REPORTS[s]] for s in SOURCE_REPORTS)
    items = frame(sat, "items", index="item")
    performance = items["estimate"].astype(float) if items is not None else pd.Series(dtype=float)
    ipa = frame(drv, "ipa", index="item") if drv else None
    kano = frame(kano_res, "summary", index="attribute") if kano_res else None
    complaints = None
    if cmp:
        complaints = pd.concat(
            [
                feedback.from_complaints(
                    codebook,
                    recurring=frame(cmp, "recurring"),
                    spikes=frame(cmp, "spikes"),
                    actions=frame(cmp, "actions"),
                    language=language,
                ),
                feedback.from_complaint_handling(
                    cmp.get("kpis"),
                    codebook,
                    item=complaint_handling,
                    performance=performance,
                    language=language,
                    close_days=close_days,
                ),
            ],
            ignore_index=True,
        )
    parts = {
        "satisfaction": feedback.from_item_changes(frame(sat, "item_changes"), codebook, language=language) if sat else None,
        "reliability": (
            feedback.from_reliability(frame(rel, "alpha"), threshold=rel["threshold"], language=language)
            if rel and rel.get("threshold") is not None
            else None
        ),
        "kano": (
            feedback.from_kano(kano, performance, codebook, threshold=average_characteristic(performance), language=language)
            if kano is not None and len(performance)
            else None
        ),
        "drivers": feedback.from_ipa(ipa, codebook, language=language) if drv else None,
        "comments": (
            feedback.from_comments(frame(sat, "comments"), codebook, alpha=1 - level, language=language)
            if sat and sat.get("comments") is not None
            else None
        ),
        "complaints": complaints,
    }
    signals, missing = feedback.register(parts)
    context = findings.item_context(
        codebook,
        performance,
        importance=ipa["importance"] if ipa is not None else None,
        kano=kano["category"] if kano is not None else None,
        targets=dict(targets or {}),
        language=language,
    )
    found = findings.merge(
        pd.concat([signals, context], ignore_index=True), codebook, actions=feedback.actions(language), language=language
    )
    return WaveFindings(found=found, missing=missing)


def open_by_department(register: pd.DataFrame) -> pd.DataFrame:
    """Open findings per department (rows, most high-priority first) and priority (columns, high
    to low; only the priorities present).

    >>> r = pd.DataFrame({"id": ["F-1", "F-2", "F-3"], "department": ["Sales", "Logistics", "Sales"],
    ...                   "priority": ["low", "high", "low"], "status": ["new", "new", "resolved"]})
    >>> open_by_department(r).to_dict("index")
    {'Logistics': {'high': 1, 'low': 0}, 'Sales': {'high': 0, 'low': 1}}
    """
    current = register[register["status"] != "resolved"]
    counts = current.pivot_table(index="department", columns="priority", values="id", aggfunc="count", fill_value=0)
    counts = counts.reindex(columns=[c for c, _ in findings.PRIORITY_CUTS if c in counts.columns])
    counts.columns.name = None
    return counts.sort_values(list(counts.columns), ascending=False)
