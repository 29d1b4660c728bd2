"""Data-quality statistics of one wave: completeness, straight-lining, segment counts, the
precision of the headline score.

Pure functions on the validated responses (see :mod:`csmlib.survey.responses`); the rejected rows are
summarised from :attr:`csmlib.survey.responses.Intake.rejected`. The data-quality report
(``01_data_quality``) calls them and shows their results.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from csmlib.stats.estimators import Estimate, mean_score
from csmlib.survey.codebook import MISSING_LEVEL, Codebook

#: Straight-lining is judged on at least this many rating items: with fewer, the same answer to
#: every item is too likely by chance to say anything about the respondent.
STRAIGHTLINING_MIN_ITEMS = 3
#: A share of straight-liners above this suggests careless answering (stated on the report page;
#: the respondents are kept, since identical answers can be sincere).
STRAIGHTLINING_WARNING_SHARE = 0.05


def answer_columns(codebook: Codebook, data: pd.DataFrame, items: Sequence[str]) -> list[str]:
    """The questions whose completeness is reported: the rating items, then each outcome question
    in ``data`` that is not also a rating item.

    Rule: an outcome asked through a rating item's column (e.g. ``sat1`` as overall satisfaction)
    is listed once, as the item, so that one question is not counted twice.

    >>> cb = Codebook.model_validate({"survey": "s", "scales": {"s5": {"min": 1, "max": 5}},
    ...     "items": [{"id": "q1", "label": "Q1", "group": "product", "scale": "s5"}],
    ...     "outcomes": {"overall": {"column": "q1", "label": "Overall", "scale": "s5"},
    ...                  "effort": {"column": "effort", "label": "Effort", "scale": "s5"}}})
    >>> answer_columns(cb, pd.DataFrame(columns=["q1", "effort"]), ["q1"])
    ['q1', 'effort']
    """
    return list(items) + [role for role in codebook.outcomes if role in data and codebook.outcome_item(role) is None]


def completeness(data: pd.DataFrame, items: list[str], dont_know: pd.Series | None = None) -> pd.DataFrame:
    """Per item: answered, missing (blank or don't know) and the share answered.

    ``dont_know`` (per item) splits the missing answers into "don't know / not applicable"
    codes and blanks. Shares are of the accepted respondents.
    """
    n = len(data)
    answered = data[items].notna().sum()
    dk = dont_know.reindex(items).fillna(0).astype(int) if dont_know is not None else pd.Series(0, index=items)
    out = pd.DataFrame({"answered": answered, "dont_know": dk, "blank": n - answered - dk})
    out["share_answered"] = answered / n if n else np.nan
    out.index.name = "item"
    return out


def least_answered(table: pd.DataFrame) -> str | None:
    """The question with the smallest share answered in a :func:`completeness` table (the first
    one on a tie), or ``None`` when every question was answered by every respondent (or no share
    is known).

    >>> t = pd.DataFrame({"share_answered": [1.0, 0.9, 0.9]}, index=["q1", "q2", "q3"])
    >>> least_answered(t), least_answered(t.assign(share_answered=1.0))
    ('q2', None)
    """
    shares = table["share_answered"].dropna()
    if shares.empty or shares.min() >= 1:
        return None
    return str(shares.idxmin())


def straightlining(data: pd.DataFrame, items: list[str], *, min_answers: int | None = None) -> pd.Series:
    """Flag respondents who gave the same answer to every rating item they answered.

    Only respondents with at least ``min_answers`` answers (default: all but two of the items)
    can be flagged, so that someone who skipped most questions is not called a straight-liner.

    Rule: a respondent's answered values are all the same (one distinct value, blanks ignored;
    for numeric items: the smallest answer equals the largest) and they number ≥ ``min_answers``.

    >>> df = pd.DataFrame({"a": [3, 3, 1, None], "b": [3, 3, 2, None], "c": [3, None, 1, 4.0]})
    >>> straightlining(df, ["a", "b", "c"]).tolist()
    [True, True, False, False]
    """
    if len(items) < STRAIGHTLINING_MIN_ITEMS:
        raise ValueError("straight-lining needs at least three items")
    block = data[items]
    need = min_answers if min_answers is not None else max(len(items) - 2, 2)
    counts = block.notna().sum(axis=1)
    return (_one_distinct_answer(block) & (counts >= need)).rename("straightliner")


def _one_distinct_answer(block: pd.DataFrame) -> pd.Series:
    """Per row: exactly one distinct non-missing value (``nunique(axis=1) == 1``).

    Why not ``nunique``: it loops over the rows in Python (about a minute at a million
    respondents); for numeric columns the same answer is a row minimum equal to its maximum,
    NaN ignored (``fmin``/``fmax``; an all-blank row gives NaN, which equals nothing).
    """
    numeric = all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in block.dtypes)
    if not numeric:
        return block.nunique(axis=1, dropna=True) == 1
    values = block.to_numpy(dtype=float, na_value=np.nan)
    if values.shape[1] == 0:
        return pd.Series(False, index=block.index)
    same = np.fmin.reduce(values, axis=1) == np.fmax.reduce(values, axis=1)
    return pd.Series(same, index=block.index)


def straightlining_by_segment(flags: pd.Series, groups: pd.Series) -> pd.Series:
    """Share (0–1) of straight-liners among the respondents of each level of a segment.

    ``flags``: :func:`straightlining`; ``groups``: the segment's answers, aligned on the same
    rows. Respondents without a segment answer are left out (a segment's composition counts them,
    :func:`segment_counts`; a share among them would say nothing about a customer group).

    >>> flags = pd.Series([True, False, False, True])
    >>> straightlining_by_segment(flags, pd.Series(["North", "North", "East", None])).to_dict()
    {'East': 0.0, 'North': 0.5}
    """
    return flags.groupby(groups).mean().rename("straightliner_share")


def segment_counts(data: pd.DataFrame, segment: str) -> pd.DataFrame:
    """Respondents per level of a segment, with shares (blank cells counted as their own level,
    :data:`~csmlib.survey.codebook.MISSING_LEVEL`, last).

    >>> segment_counts(pd.DataFrame({"region": ["North", None, "North", "East"]}), "region")["n"].to_dict()
    {'East': 1, 'North': 2, '(missing)': 1}
    """
    text = data[segment].astype("string")
    counts = text.value_counts().sort_index()
    if text.isna().any():
        counts[MISSING_LEVEL] = int(text.isna().sum())
    out = pd.DataFrame({"n": counts, "share": counts / counts.sum()})
    out.index.name = segment
    return out


def segments_in(data: pd.DataFrame, segments: Iterable[str], *, min_levels: int = 0, exclude: str | None = None) -> list[str]:
    """The declared segments (customer groups) that ``data`` holds, in the codebook's order.

    Rule: a segment is kept when its column is in ``data`` and has at least ``min_levels``
    distinct answers (2 to compare groups: one level is no comparison), and it is not
    ``exclude`` (a unit's report leaves out the segment that defines the unit).

    >>> df = pd.DataFrame({"region": ["N", "E"], "channel": ["web", "web"]})
    >>> segments_in(df, ["region", "channel", "size"]), segments_in(df, ["region", "channel"], min_levels=2)
    (['region', 'channel'], ['region'])
    """
    return [s for s in segments if s in data and s != exclude and data[s].nunique() >= min_levels]


def segment_composition(
    data: pd.DataFrame, segments: Sequence[str], history: Mapping[str, Mapping[str, Any]] | None = None
) -> pd.DataFrame:
    """Respondents per level of each segment (:func:`segment_counts`) beside the previous wave's.

    ``history``: the saved results of the data-quality report of the earlier waves, oldest first
    (their ``segments`` records, as this function's ``segment``, ``level`` and ``n``); the
    previous wave is the newest of them. Returns ``segment``, ``level``, ``n``, ``share`` (0–1)
    and, when there is a previous wave, ``previous_n`` (NaN for a level it did not have);
    ``attrs["previous_wave"]`` names that wave (``None`` without one).

    Why: a large shift in the sample's composition changes what the totals mean and calls for
    weighting, so the report sets the two waves side by side.

    >>> df = pd.DataFrame({"region": ["North", "North", "East"]})
    >>> earlier = {"2026Q1": {"segments": [{"segment": "region", "level": "North", "n": 5}]}}
    >>> t = segment_composition(df, ["region"], earlier)
    >>> t.attrs["previous_wave"], t[["level", "n", "previous_n"]].to_dict("records")
    ('2026Q1', [{'level': 'East', 'n': 1, 'previous_n': nan}, {'level': 'North', 'n': 2, 'previous_n': 5.0}])
    """
    previous_wave = list(history)[-1] if history else None
    earlier = (history[previous_wave].get("segments") or []) if history and previous_wave is not None else []
    rows = []
    for segment in segments:
        before = {r["level"]: r["n"] for r in earlier if r["segment"] == segment}
        for level, row in segment_counts(data, segment).iterrows():
            rows.append(
                {"segment": segment, "level": level, "n": int(row["n"]), "share": row["share"], "previous_n": before.get(level)}
            )
    out = pd.DataFrame(rows, columns=["segment", "level", "n", "share", "previous_n"])
    if previous_wave is None:
        out = out.drop(columns="previous_n")
    else:
        out["previous_n"] = pd.to_numeric(out["previous_n"]).astype(float)
    out.attrs["previous_wave"] = previous_wave
    return out


def rejected_summary(rejected: pd.DataFrame) -> pd.DataFrame:
    """Problems by column and reason, most frequent first (``rows``: distinct rejected rows)."""
    if rejected.empty:
        return pd.DataFrame(columns=["column", "reason", "problems", "rows"])
    reason = rejected["reason"].str.replace(r" \(first in row \d+\)", "", regex=True)
    grouped = rejected.assign(reason=reason).groupby(["column", "reason"], sort=False)
    out = grouped.agg(problems=("row", "size"), rows=("row", "nunique")).reset_index()
    return out.sort_values("problems", ascending=False, kind="stable").reset_index(drop=True)


def rejected_listing(rejected: pd.DataFrame) -> pd.DataFrame:
    """The rejected rows as a report may show them: row number in the file, column and reason.

    Respondent ids and raw values are left out (they can identify a person, and the row number
    finds them in ``rejected.csv``, which keeps everything); one line per problem, in file order.
    """
    if rejected.empty:
        return pd.DataFrame(
            {"row": pd.Series(dtype=int), "column": pd.Series(dtype="string"), "reason": pd.Series(dtype="string")}
        )
    out = rejected[["row", "column", "reason"]].sort_values(["row", "column"], kind="stable")
    return out.reset_index(drop=True)


def margin_of_error(estimate: Estimate) -> float:
    """Half the width of an estimate's confidence interval: the ± the report states.

    >>> from csmlib.stats.estimators import mean_score
    >>> round(margin_of_error(mean_score([4, 5, 3, 4, 5, 4])), 4)
    0.79
    """
    return (estimate.ci_high - estimate.ci_low) / 2


def score_precision(answers: pd.Series, *, weights: pd.Series | ArrayLike | None = None, level: float = 0.95) -> pd.DataFrame:
    """The precision of a mean score: unweighted and, with ``weights``, weighted.

    One row per estimate (``estimate``: "unweighted", "weighted"): ``mean``, ``n``, ``n_eff``
    (Kish) and ``margin_of_error`` (:func:`margin_of_error` of
    :func:`csmlib.stats.estimators.mean_score` at ``level``). Why: differences between waves or
    segments smaller than the margin should not be read as real.

    >>> t = score_precision(pd.Series([4, 5, 3, 4, 5, 4]))
    >>> t["estimate"].tolist(), round(float(t["margin_of_error"].iloc[0]), 4)
    (['unweighted'], 0.79)
    """
    fits = [("unweighted", mean_score(answers, level=level))]
    if weights is not None:
        fits.append(("weighted", mean_score(answers, weights=weights, level=level)))
    rows = [
        {"estimate": name, "mean": fit.estimate, "n": fit.n, "n_eff": fit.n_eff, "margin_of_error": margin_of_error(fit)}
        for name, fit in fits
    ]
    return pd.DataFrame(rows, columns=["estimate", "mean", "n", "n_eff", "margin_of_error"])
