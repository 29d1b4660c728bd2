"""Key-driver importance across waves: the earlier wave's saved shares and which rank moves are real.

A driver's rank changes from one wave to the next whenever two shares swap places, however small
the difference: with twenty drivers of 2–5 % each, most rank changes are sampling noise.
:func:`rank_changes` calls a move only when the driver's share intervals of the two waves do not
overlap (:func:`intervals_separate`) and the share moved the way the rank did; any other change of
rank is "not distinguishable". :func:`saved_importance` and :func:`previous_importance` read the
shares of an earlier wave back from the key-driver report's saved results. Shares and intervals
are those of :func:`csmlib.stats.importance_table.importance_shares`; method note ``drivers.md``
§11.1.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from csmlib.stats.importance_table import importance_shares

__all__ = ["RANK_CHANGES", "intervals_separate", "saved_importance", "previous_importance", "rank_changes"]

#: The verdicts of :func:`rank_changes`.
RANK_CHANGES = ("up", "down", "unchanged", "not distinguishable", "new")


def intervals_separate(low_a: ArrayLike, high_a: ArrayLike, low_b: ArrayLike, high_b: ArrayLike) -> np.ndarray:
    """True where interval a lies entirely above or below interval b (they do not overlap).

    A missing bound (NaN) gives False: without both intervals nothing is shown to differ. Two
    independent estimates whose 95 % intervals do not overlap differ at a level well below 5 %
    (about 0.6 % for equal standard errors): a conservative test (Schenker & Gentleman 2001 *Am.
    Stat.* 55:182–186; Payton, Greenstone & Schenker 2003 *J. Insect Sci.* 3:34).

    >>> from csmlib.stats.importance_waves import intervals_separate
    >>> intervals_separate([0.20, 0.02], [0.30, 0.05], [0.05, 0.03], [0.15, 0.06]).tolist()
    [True, False]
    >>> intervals_separate(0.1, 0.2, float("nan"), 0.05).tolist()
    False
    """
    la, ha, lb, hb = (np.asarray(x, dtype=float) for x in (low_a, high_a, low_b, high_b))
    known = np.isfinite(la) & np.isfinite(ha) & np.isfinite(lb) & np.isfinite(hb)
    with np.errstate(invalid="ignore"):
        return known & ((ha < lb) | (hb < la))


def saved_importance(saved: Mapping, *, intervals: str | None = None) -> pd.DataFrame | None:
    """The shares of a wave's key-driver analysis, read back from the report's saved results.

    ``saved`` is the saved result of the key-driver report (``overall``: the importance table's
    records, ``r2``, ``primary_method``; results saved before ``primary_method`` was kept used
    Shapley). Returns :func:`~csmlib.stats.importance_table.importance_shares` of the primary
    method with the intervals of ``intervals`` (see there), or None when the wave has no analysis.

    >>> rec = [{"method": "relative_weights", "driver": d, "raw": r, "normalized": r / 0.5, "ci_low": r - 0.05,
    ...         "ci_high": r + 0.05, "rank": k, "p_value": None, "significant": None}
    ...        for k, (d, r) in enumerate([("speed", 0.3), ("price", 0.2)], 1)]
    >>> saved_importance({"overall": rec, "r2": 0.5, "primary_method": "relative_weights"})["ci_low"].round(2).tolist()
    [0.5, 0.3]
    """
    records = saved.get("overall") if saved else None
    if not records:
        return None
    table = pd.DataFrame(list(records))
    methods = set(table["method"])
    method = saved.get("primary_method", "shapley")
    if method not in methods:
        return None
    if intervals is None or intervals in methods:
        return importance_shares(table, method, r2=float(saved["r2"]), intervals=intervals)
    # the wave did not compute the intervals asked for: its shares, without intervals
    shares = importance_shares(table, method, r2=float(saved["r2"]), intervals=method)
    shares[["ci_low", "ci_high"]] = np.nan
    shares.attrs["interval_method"] = None
    return shares


def previous_importance(history: Mapping[str, Mapping], *, intervals: str | None = None) -> tuple[str, pd.DataFrame] | None:
    """The latest earlier wave with a key-driver analysis and its shares (:func:`saved_importance`).

    ``history`` maps wave ids to the key-driver report's saved results, oldest first (as
    :meth:`csmlib.survey.wave.Wave.history` gives them). None when no earlier wave has an analysis.

    >>> previous_importance({"2026Q1": {"available": False}}) is None
    True
    """
    for wave in reversed(list(history)):
        shares = saved_importance(history[wave], intervals=intervals)
        if shares is not None:
            return wave, shares
    return None


def rank_changes(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Which drivers really moved in rank between two waves, and which only swapped places by noise.

    ``current`` and ``previous``: :func:`~csmlib.stats.importance_table.importance_shares` of the
    two waves (indexed by driver; share, rank, ci_low, ci_high — intervals of the same method).
    For each driver of the current wave:

    - "new": no rank in the previous wave;
    - "unchanged": the same rank;
    - "up": a better (smaller) rank *and* a share interval entirely above the previous one;
    - "down": a worse rank *and* a share interval entirely below the previous one;
    - "not distinguishable": any other change of rank — the two intervals overlap (or one is
      missing), so the new order is within sampling noise (:func:`intervals_separate`).

    Returns a DataFrame indexed by driver (current rank order): rank, previous_rank, share,
    previous_share, ci_low, ci_high, previous_ci_low, previous_ci_high, separate (the intervals do
    not overlap), change (:data:`RANK_CHANGES`).

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.importance_waves import rank_changes
    >>> def shares(share, rank, low, high):
    ...     return pd.DataFrame({"share": share, "rank": rank, "ci_low": low, "ci_high": high},
    ...                         index=["speed", "price", "app", "staff"])
    >>> now = shares([0.30, 0.06, 0.05, 0.04], [1, 2, 3, 4], [0.25, 0.04, 0.03, 0.02], [0.35, 0.08, 0.07, 0.06])
    >>> before = shares([0.15, 0.20, 0.045, 0.05], [2, 1, 4, 3], [0.11, 0.15, 0.03, 0.03], [0.19, 0.25, 0.06, 0.07])
    >>> rank_changes(now, before)["change"].to_dict()
    {'speed': 'up', 'price': 'down', 'app': 'not distinguishable', 'staff': 'not distinguishable'}
    """
    prev = previous.reindex(current.index)
    separate = intervals_separate(current["ci_low"], current["ci_high"], prev["ci_low"], prev["ci_high"])
    rank, before = current["rank"].astype(float), prev["rank"].astype(float)
    share, share_before = current["share"].astype(float), prev["share"].astype(float)
    up = (rank < before) & separate & (share > share_before)
    down = (rank > before) & separate & (share < share_before)
    change = np.select(
        [before.isna(), rank == before, up, down],
        ["new", "unchanged", "up", "down"],
        default="not distinguishable",
    )
    out = pd.DataFrame(
        {
            "rank": current["rank"].astype(int),
            "previous_rank": before.astype("Int64"),
            "share": share,
            "previous_share": share_before,
            "ci_low": current["ci_low"].astype(float),
            "ci_high": current["ci_high"].astype(float),
            "previous_ci_low": prev["ci_low"].astype(float),
            "previous_ci_high": prev["ci_high"].astype(float),
            "separate": separate,
            "change": change,
        },
        index=current.index,
    )
    return out.sort_values("rank", kind="stable")
