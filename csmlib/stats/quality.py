"""Data-quality statistics of one wave: completeness, straight-lining, segment counts.

Pure functions on the validated responses (see :mod:`csmlib.survey.responses`); the rejected rows are
summarised from :attr:`csmlib.survey.responses.Intake.rejected`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csmlib.survey.codebook import MISSING_LEVEL


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


def straightlining(data: pd.DataFrame, items: list[str], *, min_answers: int | None = None) -> pd.Series:
    """Flag respondents who gave the same answer to every rating item they answered.

    Only respondents with at least ``min_answers`` answers (default: all but two of the items)
    can be flagged, so that someone who skipped most questions is not called a straight-liner.
    """
    if len(items) < 3:
        raise ValueError("straight-lining needs at least three items")
    block = data[items]
    need = min_answers if min_answers is not None else max(len(items) - 2, 2)
    counts = block.notna().sum(axis=1)
    same = block.nunique(axis=1, dropna=True) == 1
    return (same & (counts >= need)).rename("straightliner")


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
