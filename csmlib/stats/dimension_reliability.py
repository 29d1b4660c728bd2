"""Reliability of every declared dimension at once: the tables of the reliability report.

:func:`dimension_reliability` gives Cronbach's α (Feldt interval) and McDonald's ω_t of each
dimension with a verdict against the threshold, :func:`dimension_items` the item analysis of the
dimensions that have enough items, and :func:`items_to_review` the items it flags. The
statistics are those of :mod:`csmlib.stats.alpha`, :mod:`csmlib.stats.omega` and
:mod:`csmlib.stats.item_analysis` (conventions: :mod:`csmlib.stats.reliability`, method note
``reliability.md``); α per dimension across waves is
:func:`csmlib.stats.headline.values_by_wave` of the saved tables.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from csmlib.stats.alpha import cronbach_alpha
from csmlib.stats.item_analysis import item_statistics
from csmlib.stats.omega import omega

__all__ = ["VERDICTS", "plain_reason", "dimension_reliability", "dimension_items", "items_to_review"]

#: The verdicts of :func:`dimension_reliability`, in the order a reader meets them.
VERDICTS = ("reliable", "below threshold", "too few respondents", "not computed")

_COLUMNS = ["dimension", "k", "n", "alpha", "ci_low", "ci_high", "omega_total", "verdict", "reason", "small_sample"]


def plain_reason(error: BaseException) -> str:
    """The first line of a library error without the ``function_name:`` it starts with.

    >>> plain_reason(ValueError("cronbach_alpha: the interval needs at least 2 complete rows"))
    'the interval needs at least 2 complete rows'
    >>> plain_reason(ValueError("Singular matrix: no inverse"))
    'Singular matrix: no inverse'
    """
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    head, sep, rest = text.partition(": ")
    return rest if sep and " " not in head else text


def dimension_reliability(
    items: pd.DataFrame, dimensions: Mapping[str, Sequence[str]], *, threshold: float = 0.70, level: float = 0.95
) -> pd.DataFrame:
    """Cronbach's α with its Feldt interval, ω_t and a verdict for each dimension of two or more items.

    Per dimension (``dimensions`` maps a name to its item columns in ``items``; dimensions of one
    item are left out): α and its ``level`` Feldt interval (:func:`cronbach_alpha`, pairwise, as
    psych), ω_t of a one-factor model (:func:`omega`; NaN when it cannot be fitted) and the
    verdict:

    - ``too few respondents`` when the sample is too small to trust α
      (:func:`csmlib.stats.alpha.is_small_sample`: n < 30 or n < 2k);
    - else ``reliable`` when α ≥ ``threshold``, ``below threshold`` otherwise;
    - ``not computed`` when α cannot be computed (``reason`` says why; when the estimator
      refuses the data ``small_sample`` is True, since nothing can be judged) or is undefined
      (a total score without variance).

    A low α from too few respondents is not evidence of an unreliable dimension, so
    ``small_sample`` is kept beside the verdict. The small-sample and singular-matrix warnings of
    the estimators are not repeated: the verdict says it. Columns: dimension, k, n, alpha,
    ci_low, ci_high, omega_total, verdict, reason, small_sample.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"q1": [4, 5, 3, 4, 2, 5, 3, 4], "q2": [4, 4, 3, 5, 2, 5, 2, 4],
    ...                    "q3": [3, 5, 2, 4, 3, 4, 3, 5]})
    >>> t = dimension_reliability(df, {"service": ["q1", "q2", "q3"], "single": ["q1"]})
    >>> t[["dimension", "k", "n", "verdict"]].to_dict("records")
    [{'dimension': 'service', 'k': 3, 'n': 8, 'verdict': 'too few respondents'}]
    >>> round(float(t.loc[0, "alpha"]), 3)
    0.869
    """
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for dim, members in dimensions.items():
            members = list(members)
            if len(members) < 2:
                continue
            try:
                a = cronbach_alpha(items[members], ci="feldt", level=level)
            except ValueError as err:
                nothing = dict.fromkeys(("alpha", "ci_low", "ci_high", "omega_total"), math.nan)
                reason = plain_reason(err)
                rows.append(
                    {
                        "dimension": dim,
                        "k": len(members),
                        "n": len(items),
                        **nothing,
                        "verdict": "not computed",
                        "reason": reason,
                        "small_sample": True,
                    }
                )
                continue
            try:
                omega_total = omega(items[members], n_factors=1).omega_total
            except ValueError:
                omega_total = math.nan
            reason = ""
            if not math.isfinite(a.alpha):
                verdict, reason = "not computed", "the total score has no variance, so α is undefined"
            elif a.small_sample:
                verdict = "too few respondents"
            else:
                verdict = "reliable" if a.alpha >= threshold else "below threshold"
            interval = {"alpha": a.alpha, "ci_low": a.ci_low, "ci_high": a.ci_high, "omega_total": omega_total}
            rows.append(
                {
                    "dimension": dim,
                    "k": a.k,
                    "n": a.n,
                    **interval,
                    "verdict": verdict,
                    "reason": reason,
                    "small_sample": bool(a.small_sample),
                }
            )
    return pd.DataFrame(rows, columns=_COLUMNS)


def dimension_items(items: pd.DataFrame, dimensions: Mapping[str, Sequence[str]], *, min_items: int = 3) -> pd.DataFrame:
    """Item analysis (:func:`item_statistics`) of every dimension with at least ``min_items`` items.

    One row per item, indexed by item, with its ``dimension`` first; a dimension whose
    statistics cannot be computed (``ValueError``) is left out. With fewer than three items
    "α if dropped" is the correlation of the other two, which says little, hence the default.
    An empty frame when no dimension qualifies.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"q1": [4, 5, 3, 4, 2, 5, 3, 4], "q2": [4, 4, 3, 5, 2, 5, 2, 4],
    ...                    "q3": [3, 5, 2, 4, 3, 4, 3, 5]})
    >>> dimension_items(df, {"service": ["q1", "q2", "q3"]})[["dimension", "n"]].to_dict("index")
    {'q1': {'dimension': 'service', 'n': 8}, 'q2': {'dimension': 'service', 'n': 8}, 'q3': {'dimension': 'service', 'n': 8}}
    """
    tables = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for dim, members in dimensions.items():
            members = list(members)
            if len(members) < min_items:
                continue
            try:
                stats = item_statistics(items[members])
            except ValueError:
                continue
            stats.insert(0, "dimension", dim)
            tables.append(stats)
    return pd.concat(tables) if tables else pd.DataFrame()


def items_to_review(item_table: pd.DataFrame) -> pd.DataFrame:
    """The items of :func:`dimension_items` to review: dropping them raises α, or their item-rest
    correlation is negative (probably reverse-keyed). An empty table gives an empty table.

    >>> import pandas as pd
    >>> t = pd.DataFrame({"raises_alpha": [False, True, False], "negative_flag": [False, False, True]}, index=["a", "b", "c"])
    >>> items_to_review(t).index.tolist()
    ['b', 'c']
    """
    if item_table.empty:
        return item_table
    return item_table[np.asarray(item_table["raises_alpha"], dtype=bool) | np.asarray(item_table["negative_flag"], dtype=bool)]
