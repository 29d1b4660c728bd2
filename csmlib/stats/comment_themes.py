"""The themes table of the open comments: per theme, the share of commenters mentioning it with its
interval, their satisfaction against the other commenters', and its change since the previous
wave; :func:`share_trend` lines the shares of several waves up.

The input is the coding of :func:`csmlib.stats.comment_coding.code`; the formulas are in
:func:`themes_table` and ``docs/methods/comments.md`` §6. The satisfaction report finishes the
table with :func:`themes_for_report` (suppression, order, the themes tied to lower satisfaction
and the significant changes) and saves it; :func:`theme_share_trend` reads the saved tables of the
earlier waves back and :func:`top_themes` gives the themes the executive summary names.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from csmlib.stats.comment_coding import blank_rows, coded_marks, per_row_values
from csmlib.stats.comparisons import Comparison
from csmlib.stats.headline import spread_by_wave, values_by_wave
from csmlib.stats.indicators import adjust_pvalues, compare, top_box
from csmlib.stats.weighting import check_weights

__all__ = ["themes_table", "themes_for_report", "top_themes", "theme_share_trend", "share_trend", "TABLE_COLUMNS"]

#: Where the satisfaction report saves its finished themes table (:func:`themes_for_report`).
RESULTS_KEY = "comments"

#: Columns of :func:`themes_table` (the ``sat_*`` ones only with ``satisfaction``, the
#: ``*_previous``/``change*`` ones only with ``previous``).
TABLE_COLUMNS = (
    "theme",
    "n_commenters",
    "n_mentions",
    "n_eff",
    "share",
    "ci_low",
    "ci_high",
    "too_small",
    "sat_mention",
    "sat_other",
    "n_sat_mention",
    "n_sat_other",
    "sat_difference",
    "sat_ci_low",
    "sat_ci_high",
    "sat_t",
    "sat_df",
    "sat_p",
    "sat_p_adjusted",
    "n_commenters_previous",
    "n_mentions_previous",
    "share_previous",
    "change",
    "change_ci_low",
    "change_ci_high",
    "change_z",
    "change_p",
    "change_p_adjusted",
    "note",
)

_T = TypeVar("_T")  # the result type of the function _quiet calls


def _commenters(coded: pd.DataFrame, caller: str, what: str) -> np.ndarray:
    blank = blank_rows(coded)
    if blank is None:
        warnings.warn(
            f"{caller}: {what} does not say which comments were blank (it was not made "
            "by code(), or rows were added); every row is counted as a commenter",
            stacklevel=3,
        )
        return np.ones(len(coded), bool)
    return ~blank.to_numpy(dtype=bool)


def _quiet(fn: Callable[[], _T], notes: list, what: str) -> _T:
    """Call ``fn`` and turn its warnings into a note; NaN results stay NaN."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = fn()
    for w in rec:
        notes.append(f"{what}: {w.message}")
    return out


def themes_table(
    coded: pd.DataFrame,
    satisfaction: pd.Series | ArrayLike | None = None,
    *,
    weights: pd.Series | ArrayLike | None = None,
    level: float = 0.95,
    previous: pd.DataFrame | None = None,
    previous_weights: pd.Series | ArrayLike | None = None,
    min_n: int = 30,
    adjust: str = "holm",
) -> pd.DataFrame:
    """Per theme: share of commenters mentioning it, their satisfaction, and its change.

    The base is the *commenters*: the rows of ``coded`` whose comment was not blank (from
    ``coded.attrs``, see :func:`code`; a frame without that information counts every row, with
    a warning).

    - Share p̂ = (number mentioning the theme)/(number of commenters), with the Wilson score
      interval (:func:`csmlib.stats.indicators.top_box` on the 0/1 mention indicator). Weighted:
      p̂_w = Σw·[mention]/Σw and the Kish effective n (Σw)²/Σw² of the commenters in place of n.
    - Satisfaction: mean of ``satisfaction`` among commenters who mention the theme
      (``sat_mention``) and among commenters who do not (``sat_other``); difference, Welch t,
      Welch–Satterthwaite df, interval and two-sided p (:func:`csmlib.stats.indicators.compare`,
      ``metric="mean"``; weighted: linearised SEs, df from the Kish n_eff of each group).
      Missing satisfaction answers are left out.
    - Change: share now − share in ``previous`` (a frame coded with the same codeframe), pooled
      two-proportion z test and Newcombe interval (:func:`compare`, ``metric="top_box"``;
      weighted: Kish n_eff of each wave).
    - Multiple testing across themes: ``sat_p_adjusted`` and ``change_p_adjusted`` by
      :func:`csmlib.stats.indicators.adjust_pvalues` (``adjust``: "holm" (default), "fdr_bh",
      "bonferroni", "none"), each a family of its own; NaN p-values are left out.
    - ``too_small``: fewer than ``min_n`` commenters mention the theme — read its share and
      tests with caution (they are still computed).

    Columns (in order; :data:`TABLE_COLUMNS`): ``theme``, ``n_commenters``, ``n_mentions``,
    ``n_eff`` (of the commenters), ``share``, ``ci_low``, ``ci_high`` (0–1), ``too_small``;
    with ``satisfaction``: ``sat_mention``, ``sat_other``, ``n_sat_mention``, ``n_sat_other``
    (valid answers), ``sat_difference`` (mention − other), ``sat_ci_low``, ``sat_ci_high``,
    ``sat_t``, ``sat_df``, ``sat_p``, ``sat_p_adjusted``; with ``previous``:
    ``n_commenters_previous``, ``n_mentions_previous``, ``share_previous``, ``change``,
    ``change_ci_low``, ``change_ci_high``, ``change_z``, ``change_p``, ``change_p_adjusted``;
    always ``note`` (why a number is NaN, "" otherwise). ``attrs``: ``n_texts``, ``n_blank``,
    ``n_commenters``, ``level``, ``adjust``, ``weighted``, ``min_n``.

    Parameters
    ----------
    coded : DataFrame
        Returned by :func:`code`.
    satisfaction : Series or array-like, optional
        Overall satisfaction per row of ``coded`` (aligned by index when a Series).
    weights, previous_weights : Series or array-like, optional
        Survey weights per row (strictly positive for the commenters).
    level : float
        Confidence level of the intervals.
    previous : DataFrame, optional
        The previous wave's :func:`code` result; themes it lacks get NaN changes.
    min_n : int
        Minimum number of mentions for a theme not to be flagged ``too_small``.

    References: Wilson (1927); Kish (1965); Welch (1947); Newcombe (1998); Holm (1979).

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.comment_coding import code
    >>> from csmlib.stats.comment_themes import themes_table
    >>> frame = {"late": {"patterns": ["late"]}, "staff": {"patterns": ["staff"]}}
    >>> texts = pd.Series(["late again", "nice staff", "late and rude staff", "", "ok"])
    >>> t = themes_table(code(texts, frame), min_n=2)
    >>> t[["theme", "n_commenters", "n_mentions", "share"]].to_dict("records")[0]
    {'theme': 'late', 'n_commenters': 4, 'n_mentions': 2, 'share': 0.5}
    """
    caller = "themes_table"
    marks = coded_marks(coded, caller, "coded")
    if not (isinstance(min_n, (int, np.integer)) and min_n >= 0):
        raise ValueError(f"{caller}: min_n must be a non-negative integer, not {min_n!r}")
    adjust_pvalues([0.5], adjust)  # validates ``adjust``
    who = _commenters(coded, caller, "coded")
    n_c = int(who.sum())
    if n_c == 0:
        raise ValueError(f"{caller}: no commenters (every comment is blank)")
    w = None
    if weights is not None:
        w_all = per_row_values(weights, coded.index, caller, "weights")
        w = check_weights(w_all[who], n_c, name=getattr(weights, "name", None) or "weights")
    sat = None if satisfaction is None else per_row_values(satisfaction, coded.index, caller, "satisfaction")[who]
    prev_marks = prev_who = pw = None
    if previous is not None:
        prev_marks = coded_marks(previous, caller, "previous")
        prev_who = _commenters(previous, caller, "previous")
        if not prev_who.any():
            raise ValueError(f"{caller}: no commenters in the previous wave")
        prev_marks = prev_marks[prev_who]
        if previous_weights is not None:
            pw_all = per_row_values(previous_weights, previous.index, caller, "previous_weights")
            pw = check_weights(
                pw_all[prev_who], int(prev_who.sum()), name=getattr(previous_weights, "name", None) or "previous_weights"
            )
    prev_cols = {c: j for j, c in enumerate(previous.columns)} if previous is not None else {}
    rows = []
    for j, theme in enumerate(coded.columns):
        notes: list[str] = []
        ind = marks[who, j]
        x = pd.Series(ind.astype(float), name=str(theme))
        est = top_box(x, scale_max=1, boxes=1, weights=w, level=level)
        row = {
            "theme": theme,
            "n_commenters": n_c,
            "n_mentions": int(ind.sum()),
            "n_eff": est.n_eff,
            "share": est.estimate,
            "ci_low": est.ci_low,
            "ci_high": est.ci_high,
            "too_small": bool(ind.sum() < min_n),
        }
        if sat is not None:
            row.update(_sat_gap(sat, ind, w, level, notes))
        if prev_marks is not None:  # i.e. previous was given
            row.update(_change(x, w, prev_marks, prev_cols.get(theme), pw, level, notes))
        row["note"] = "; ".join(notes)
        rows.append(row)
    out = pd.DataFrame(rows)
    if sat is not None:
        out["sat_p_adjusted"] = adjust_pvalues(out["sat_p"].to_numpy(dtype=float), adjust)
    if previous is not None:
        out["change_p_adjusted"] = adjust_pvalues(out["change_p"].to_numpy(dtype=float), adjust)
    out = out[[c for c in TABLE_COLUMNS if c in out.columns]]
    failed = out.loc[out["note"] != "", "theme"].tolist()
    if failed:
        warnings.warn(f"{caller}: some numbers are NaN for theme(s) {failed}; see the 'note' column", stacklevel=2)
    out.attrs = {
        "n_texts": int(len(coded)),
        "n_blank": int(len(coded) - n_c),
        "n_commenters": n_c,
        "level": level,
        "adjust": adjust,
        "weighted": weights is not None,
        "min_n": int(min_n),
    }
    return out


# columns of the themes table filled from a csmlib.stats.indicators.compare result: column -> field
_SAT_FIELDS = {
    "sat_mention": "estimate_a",
    "sat_other": "estimate_b",
    "sat_difference": "difference",
    "sat_ci_low": "ci_low",
    "sat_ci_high": "ci_high",
    "sat_t": "statistic",
    "sat_df": "df",
    "sat_p": "p_value",
}
_CHANGE_FIELDS = {
    "share_previous": "estimate_b",
    "change": "difference",
    "change_ci_low": "ci_low",
    "change_ci_high": "ci_high",
    "change_z": "statistic",
    "change_p": "p_value",
}


def _compared(fields: dict, fn: Callable[[], Comparison], notes: list, what: str) -> dict:
    """The columns ``fields`` from the comparison ``fn()`` (warnings become notes)."""
    c = _quiet(fn, notes, what)
    return {column: getattr(c, field) for column, field in fields.items()}


def _sat_gap(sat: np.ndarray, ind: np.ndarray, w: np.ndarray | None, level: float, notes: list) -> dict:
    a, b = sat[ind], sat[~ind]
    na, nb = int(np.sum(~np.isnan(a))), int(np.sum(~np.isnan(b)))
    res = {**dict.fromkeys(_SAT_FIELDS, math.nan), "n_sat_mention": na, "n_sat_other": nb}
    wa = None if w is None else w[ind]
    wb = None if w is None else w[~ind]
    if na == 0 or nb == 0:
        notes.append(
            "satisfaction: no " + ("mentioning" if na == 0 else "other") + " commenter answered the satisfaction question"
        )
        if na:
            res["sat_mention"] = float(np.average(a[~np.isnan(a)], weights=None if wa is None else wa[~np.isnan(a)]))
        if nb:
            res["sat_other"] = float(np.average(b[~np.isnan(b)], weights=None if wb is None else wb[~np.isnan(b)]))
        return res
    compared = _compared(
        _SAT_FIELDS,
        lambda: compare(a, b, metric="mean", weights_a=wa, weights_b=wb, level=level),
        notes,
        "satisfaction",
    )
    return {**res, **compared}


def _change(
    x: pd.Series,
    w: np.ndarray | None,
    prev_marks: np.ndarray,
    j: int | None,
    pw: np.ndarray | None,
    level: float,
    notes: list,
) -> dict:
    res = {
        **dict.fromkeys(_CHANGE_FIELDS, math.nan),
        "n_commenters_previous": int(prev_marks.shape[0]),
        "n_mentions_previous": math.nan,
    }
    if j is None:
        notes.append("change: theme not coded in the previous wave")
        return res
    pind = prev_marks[:, j]
    res["n_mentions_previous"] = int(pind.sum())
    compared = _compared(
        _CHANGE_FIELDS,
        lambda: compare(x, pind.astype(float), metric="top_box", scale_max=1, boxes=1, weights_a=w, weights_b=pw, level=level),
        notes,
        "change",
    )
    return {**res, **compared}


def _suppressed_columns(table: pd.DataFrame) -> list[str]:
    """The columns of a suppressed theme's row that are blanked: its share, intervals, satisfaction
    gap and change (the counts stay; the previous wave's share was reported then)."""
    return [c for c in table.columns if c.startswith(("share", "ci_", "sat_", "change")) and c != "share_previous"]


def themes_for_report(table: pd.DataFrame, *, min_n: int, alpha: float = 0.05) -> pd.DataFrame:
    """The themes table as the report shows and saves it.

    Rules, in order:

    - ``suppressed``: a theme mentioned by fewer than ``min_n`` commenters; its share, intervals,
      satisfaction gap and change are blanked (NaN) — too few people to protect their
      confidentiality or to trust the numbers;
    - rows by share, largest first (suppressed themes last, ties in the table's order);
    - with the satisfaction columns, ``dissatisfying``: commenters mentioning the theme are
      significantly less satisfied than the other commenters (``sat_difference`` < 0 and the
      adjusted p < ``alpha``);
    - with the change columns, ``changed``: the theme's share changed significantly since the
      previous wave (adjusted p < ``alpha``).

    ``table``: :func:`themes_table` (other columns, such as a label, are kept).

    >>> t = pd.DataFrame({"theme": ["a", "b", "c"], "n_mentions": [40, 5, 60], "share": [0.2, 0.02, 0.3],
    ...                   "sat_difference": [-1.0, -2.0, 0.5], "sat_p_adjusted": [0.01, 0.001, 0.02]})
    >>> r = themes_for_report(t, min_n=30)
    >>> r[["theme", "suppressed", "dissatisfying"]].to_dict("records")
    [{'theme': 'c', 'suppressed': False, 'dissatisfying': False}, {'theme': 'a', 'suppressed': False, 'dissatisfying': True}, \
{'theme': 'b', 'suppressed': True, 'dissatisfying': False}]
    """
    out = table.copy()
    out["suppressed"] = out["n_mentions"] < min_n
    out.loc[out["suppressed"], _suppressed_columns(out)] = float("nan")
    out = out.sort_values("share", ascending=False, na_position="last", kind="stable").reset_index(drop=True)
    if "sat_difference" in out:
        out["dissatisfying"] = (out["sat_difference"] < 0) & (out["sat_p_adjusted"] < alpha)
    if "change_p_adjusted" in out:
        out["changed"] = out["change_p_adjusted"] < alpha
    return out


def top_themes(table: pd.DataFrame | None, k: int = 3) -> pd.DataFrame:
    """The ``k`` themes most often mentioned, leaving out the suppressed ones (:func:`themes_for_report`).

    ``table``: the saved themes table (a theme without ``suppressed`` counts as shown). Ties keep
    the table's order. An empty frame without a table.

    >>> t = pd.DataFrame({"theme": ["a", "b", "c"], "share": [0.2, None, 0.3], "suppressed": [False, True, False]})
    >>> top_themes(t, k=3)["theme"].tolist()
    ['c', 'a']
    """
    if table is None or not len(table):
        return pd.DataFrame(columns=["theme", "share"])
    shown = ~table["suppressed"].fillna(False).astype(bool) if "suppressed" in table else pd.Series(True, index=table.index)
    return table[shown].sort_values("share", ascending=False, kind="stable").head(k)


def theme_share_trend(
    history: Mapping[str, Mapping[str, Any]], current_wave: str | None = None, current: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Share of commenters per theme across waves, in %: the themes tables the satisfaction report
    saved for earlier waves (``history``, oldest first, under :data:`RESULTS_KEY`) plus, optionally,
    ``current`` (this wave's table, as wave ``current_wave``).

    The waves are lined up with :func:`csmlib.stats.headline.values_by_wave` and
    :func:`~csmlib.stats.headline.spread_by_wave`. Rules: a wave without a table, or whose every
    share is missing (no comments, every theme suppressed), is left out; suppressed shares stay
    missing. Rows: the themes by their label (the newest one; the id without a label), those of
    the newest wave first in its order, then the others in order of appearance; columns: waves.

    >>> saved = {"Q1": {"comments": [{"theme": "late", "label": "Late delivery", "share": 0.07}]}, "Q2": {"comments": None}}
    >>> now = pd.DataFrame({"theme": ["late"], "label": ["Late delivery"], "share": [0.29]})
    >>> theme_share_trend(saved, "Q3", now).round(1).to_dict("index")
    {'Late delivery': {'Q1': 7.0, 'Q3': 29.0}}
    """
    long = values_by_wave(history, RESULTS_KEY, "theme", ["label", "share"], current_wave=current_wave, current=current)
    long["share"] = pd.to_numeric(long["share"], errors="coerce").astype(float) * 100
    long = long[long.groupby("wave", sort=False)["share"].transform(lambda s: s.notna().any()).astype(bool)]
    if long.empty:
        return pd.DataFrame()
    wide = spread_by_wave(long, "theme", "share")
    newest = long.loc[long["wave"] == long["wave"].iloc[-1], "theme"]
    wide = wide.reindex([*pd.unique(newest), *(t for t in wide.index if t not in set(newest))])
    labels = long.dropna(subset=["label"]).groupby("theme", sort=False)["label"].last()
    wide.index = [labels.get(t, t) for t in wide.index]
    return wide.rename_axis(index=None, columns=None)


def share_trend(tables: dict[str, pd.DataFrame | None]) -> pd.DataFrame:
    """Share of commenters per theme across waves, in %, from each wave's :func:`themes_table`.

    ``tables`` maps wave ids (oldest first) to that wave's themes table (``None`` or a table
    without ``share`` for a wave without comments, which is left out). :func:`theme_share_trend`
    of the tables: the same rules, rows and columns.

    >>> t1 = pd.DataFrame({"theme": ["late"], "label": ["Late delivery"], "share": [0.07]})
    >>> t2 = pd.DataFrame({"theme": ["late"], "label": ["Late delivery"], "share": [0.29]})
    >>> share_trend({"Q1": t1, "Q2": t2, "Q3": None}).round(1).to_dict("index")
    {'Late delivery': {'Q1': 7.0, 'Q2': 29.0}}
    """
    usable = {w: t for w, t in tables.items() if t is not None and "share" in t and "theme" in t}
    return theme_share_trend({wave: {RESULTS_KEY: table} for wave, table in usable.items()})
