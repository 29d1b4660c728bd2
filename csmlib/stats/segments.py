"""Indicators by segment: the per-segment breakdown and the satisfaction × loyalty segments.

:func:`breakdown` estimates an item in each level of a segment column with small-cell
suppression; :func:`loyalty_segment_of` and :func:`loyalty_segments` place respondents in the four
satisfaction × loyalty segments (Jones & Sasser 1995) and give their shares with Wilson intervals;
:func:`loyalty_cutoffs` gives the answers that count as satisfied and as loyal, and
:func:`loyalty_group_names` the names the reports give the four groups — names that never repeat
a customer segment of the data (:func:`segment_names`).
Conventions: :mod:`csmlib.stats.indicators`; formulas: method note ``indicators.md``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from csmlib.stats.headline import lowest_loyal, lowest_satisfied
from csmlib.survey.codebook import Codebook

from csmlib.stats.indicator_cores import (
    GROUP_METRICS,
    aligned_weights,
    answer_values,
    check_answer_range,
    mean_by_group,
    nps_by_group,
    share_by_group,
    weights_argument,
)
from csmlib.stats.inference import proportion_interval, z_critical
from csmlib.stats.validate import check_choice, check_count, check_level
from csmlib.stats.weighting import kish_n_eff

__all__ = [
    "breakdown",
    "loyalty_segment_of",
    "loyalty_segments",
    "LOYALTY_SEGMENTS",
    "LOYALTY_GROUP_NAMES",
    "LoyaltyCutoffs",
    "loyalty_cutoffs",
    "loyalty_group_names",
    "segment_names",
]

LOYALTY_SEGMENTS = ("loyal", "mercenary", "hostage", "at risk")
#: How the reports name the four loyalty groups (keys: :data:`LOYALTY_SEGMENTS`): what the
#: customers answered, in words no customer type uses (a customer type "fragile" once read as
#: the at-risk group); :func:`loyalty_group_names` qualifies a name a data segment still shares.
LOYALTY_GROUP_NAMES = {
    "en": {
        "loyal": "satisfied and loyal",
        "mercenary": "satisfied, not loyal",
        "hostage": "loyal, not satisfied",
        "at risk": "at risk (neither satisfied nor loyal)",
    },
    "fa": {
        "loyal": "راضی و وفادار",
        "mercenary": "راضی، ناوفادار",
        "hostage": "وفادار، ناراضی",
        "at risk": "در معرض ریزش (نه راضی نه وفادار)",
    },
}
_GROUP_QUALIFIER = {"en": " (loyalty group)", "fa": " (گروه وفاداری)"}


# --------------------------------------------------------------------------------------------
# Segment breakdown
# --------------------------------------------------------------------------------------------


def _segment_codes(seg: pd.Series, caller: str, by: str) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (−1 = missing) and the level labels of a segment column."""
    if isinstance(seg.dtype, pd.CategoricalDtype):
        codes = np.asarray(seg.cat.codes, dtype=np.intp)
        levels = seg.cat.categories
    else:
        codes, levels = pd.factorize(seg, sort=True)
        codes = np.asarray(codes, dtype=np.intp)
    return codes, pd.Index(levels)


def breakdown(
    data: pd.DataFrame,
    column: str | Sequence[str],
    by: str,
    *,
    metric: str = "mean",
    weights: str | pd.Series | ArrayLike | None = None,
    min_n: int = 30,
    scale_max: float | None = None,
    boxes: int = 2,
    level: float = 0.95,
    ci: str | None = None,
) -> pd.DataFrame:
    """Per-segment estimates of one item (or several) with small-cell suppression.

    For each level of ``by`` the estimate of ``column`` is computed on that segment's own valid
    answers (and its own Kish n_eff when weighted) with the same formulas as
    :func:`~csmlib.stats.estimators.mean_score`, :func:`~csmlib.stats.estimators.top_box` (Wilson;
    needs ``scale_max``) or :func:`~csmlib.stats.estimators.nps` (adjusted Wald). Segments whose
    valid n is below ``min_n`` are **suppressed**: estimate, SE and interval are NaN and
    ``suppressed`` is True (ISO 10004 confidentiality) — they are never shown. Rows with a
    missing segment are left out (with a warning).

    Parameters
    ----------
    data : DataFrame
    column : str or list of str
        The item; a list gives a long table with an ``item`` column first.
    by : str
        Segment column. It must have at least two levels (one level is not a breakdown:
        ``ValueError``).
    weights : str or array-like, optional
        Weight column name or one weight per row.

    Returns
    -------
    DataFrame
        segment, n, n_eff, estimate, ci_low, ci_high, suppressed, se, deff (and ``item`` first
        when ``column`` is a list); one row per observed level of ``by``, in level order.

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.segments import breakdown
    >>> df = pd.DataFrame({"q": [4, 5, 3, 4, 2, 5], "seg": ["a", "a", "a", "b", "b", "c"]})
    >>> t = breakdown(df, "q", "seg", min_n=2)
    >>> t[["segment", "n", "estimate", "suppressed"]].values.tolist()
    [['a', 3, 4.0, False], ['b', 2, 3.0, False], ['c', 1, nan, True]]
    """
    caller = "breakdown"
    check_level(level, caller)
    check_choice(metric, GROUP_METRICS, "metric", caller)
    check_count(min_n, "min_n", caller, minimum=1)
    if metric == "top_box" and scale_max is None:
        raise ValueError(f"{caller}: metric='top_box' needs scale_max")
    ci = ci or {"mean": "t", "top_box": "wilson", "nps": "adjusted_wald"}[metric]
    many = not isinstance(column, str)
    columns: list[str] = [column] if isinstance(column, str) else list(column)
    for c in columns + [by]:
        if c not in data.columns:
            raise ValueError(f"{caller}: column '{c}' not in data")
    wser = weights_argument(data, weights, caller)
    w = None if wser is None else aligned_weights(data[by], wser, len(data), caller)
    codes, levels = _segment_codes(data[by], caller, by)
    n_missing = int(np.sum(codes < 0))
    if n_missing:
        warnings.warn(f"{caller}: {n_missing} row(s) with a missing '{by}' are left out", stacklevel=2)
    G = len(levels)
    present = np.bincount(codes[codes >= 0], minlength=G) > 0
    if n_missing:
        codes = np.where(codes >= 0, codes, G)
    if present.sum() < 2:
        only = [str(x) for x in levels[present]]
        raise ValueError(
            f"{caller}: segment column '{by}' has only one level {only}; a breakdown "
            "needs at least two (report the total instead)"
        )
    keys = ("n", "n_eff", "estimate", "ci_low", "ci_high", "suppressed", "se", "deff")
    parts: dict[str, list] = {k: [] for k in keys}
    for col in columns:
        v = answer_values(data[col], caller, col)
        if metric == "mean":
            check_answer_range(v, None, None, col, caller)
            r = mean_by_group(v, w, codes, G, level)
        elif metric == "top_box":
            assert scale_max is not None  # checked on entry
            check_answer_range(v, None, scale_max, col, caller)
            r = share_by_group(v, w, codes, G, level, ci, at_least=scale_max - boxes + 1)
        else:
            check_answer_range(v, 0, 10, col, caller, integer=True)
            r = nps_by_group(v, w, codes, G, level, ci)
        n = r["n"]
        sup = n < min_n
        parts["n"].append(n[present].astype(np.int64))
        parts["suppressed"].append(sup[present])
        for key in ("n_eff", "deff"):
            parts[key].append(np.where(n > 0, r[key], np.nan)[present])
        for key in ("estimate", "ci_low", "ci_high", "se"):
            parts[key].append(np.where(sup, np.nan, r[key])[present])
    seg = levels[present]
    body = {"segment": seg.take(np.tile(np.arange(len(seg)), len(columns))).to_numpy()}
    body.update({k: np.concatenate(parts[k]) for k in keys})
    out = pd.DataFrame(body)
    if many:
        out.insert(0, "item", np.repeat(np.asarray(columns, dtype=object), len(seg)))
    out.attrs.update(metric=metric, min_n=min_n, ci_method=ci, level=level)
    return out


# --------------------------------------------------------------------------------------------
# Loyalty segments (satisfaction × loyalty)
# --------------------------------------------------------------------------------------------


def _loyalty_codes(
    data: pd.DataFrame,
    satisfaction: str,
    loyalty: str,
    satisfaction_threshold: float,
    loyalty_threshold: float,
    caller: str,
) -> np.ndarray:
    for c in (satisfaction, loyalty):
        if c not in data.columns:
            raise ValueError(f"{caller}: column '{c}' not in data")
    s = answer_values(data[satisfaction], caller, satisfaction)
    lo = answer_values(data[loyalty], caller, loyalty)
    for v, c in ((s, satisfaction), (lo, loyalty)):
        check_answer_range(v, None, None, c, caller)
    valid = ~np.isnan(s) & ~np.isnan(lo)
    hs = s >= satisfaction_threshold
    hl = lo >= loyalty_threshold
    # 0 loyal (high, high), 1 mercenary (high sat, low loyalty), 2 hostage, 3 at risk
    code = np.where(hs, np.where(hl, 0, 1), np.where(hl, 2, 3))
    return np.where(valid, code, -1)


def loyalty_segment_of(
    data: pd.DataFrame, satisfaction: str, loyalty: str, *, satisfaction_threshold: float, loyalty_threshold: float
) -> pd.Series:
    """Loyalty segment of each respondent (NaN when either answer is missing).

    High satisfaction = ``satisfaction ≥ satisfaction_threshold``, high loyalty =
    ``loyalty ≥ loyalty_threshold`` (a value on the threshold counts as high):
    loyal (high, high), mercenary (high satisfaction, low loyalty), hostage (low satisfaction,
    high loyalty), at risk (low, low — the defectors; Jones & Sasser 1995).

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.segments import loyalty_segment_of
    >>> df = pd.DataFrame({"sat": [5, 5, 2, 1, None], "rec": [9, 3, 10, 2, 8]})
    >>> loyalty_segment_of(df, "sat", "rec", satisfaction_threshold=4,
    ...                    loyalty_threshold=9).tolist()
    ['loyal', 'mercenary', 'hostage', 'at risk', nan]
    """
    code = _loyalty_codes(data, satisfaction, loyalty, satisfaction_threshold, loyalty_threshold, "loyalty_segment_of")
    labels = np.array(LOYALTY_SEGMENTS + (np.nan,), dtype=object)[code]
    return pd.Series(labels, index=data.index, name="loyalty_segment", dtype=object)


def loyalty_segments(
    data: pd.DataFrame,
    satisfaction: str,
    loyalty: str,
    *,
    satisfaction_threshold: float,
    loyalty_threshold: float,
    weights: str | pd.Series | ArrayLike | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Shares of the four satisfaction × loyalty segments with Wilson intervals.

    Segments as :func:`loyalty_segment_of`, among respondents with both answers. share = weighted
    share (0–1); Wilson interval on n (Kish n_eff of the respondents with both answers when
    weighted). All four segments are always listed (n = 0 gives share 0).

    Returns
    -------
    DataFrame
        segment, n, share, ci_low, ci_high (rows: loyal, mercenary, hostage, at risk);
        ``attrs["n_total"]`` and ``attrs["n_eff"]``.

    Reference: Jones & Sasser (1995) Why satisfied customers defect. *HBR* 73(6):88–99.

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.segments import loyalty_segments
    >>> df = pd.DataFrame({"sat": [5, 5, 2, 1, 4, 5], "rec": [9, 3, 10, 2, 9, 10]})
    >>> loyalty_segments(df, "sat", "rec", satisfaction_threshold=4,
    ...                  loyalty_threshold=9)[["segment", "n", "share"]].values.tolist()
    [['loyal', 3, 0.5], ['mercenary', 1, 0.16666666666666666], ['hostage', 1, 0.16666666666666666], ['at risk', 1, 0.16666666666666666]]
    """
    caller = "loyalty_segments"
    check_level(level, caller)
    code = _loyalty_codes(data, satisfaction, loyalty, satisfaction_threshold, loyalty_threshold, caller)
    wser = weights_argument(data, weights, caller)
    w = None if wser is None else aligned_weights(data[satisfaction], wser, len(data), caller)
    valid = code >= 0
    if not valid.any():
        raise ValueError(f"{caller}: no respondent answered both '{satisfaction}' and '{loyalty}'")
    c = code[valid]
    n = np.bincount(c, minlength=4)
    if w is None:
        share = n / c.size
        m = float(c.size)
    else:
        wv = w[valid]
        share = np.bincount(c, weights=wv, minlength=4) / wv.sum()
        m = kish_n_eff(wv)
    lo, hi = proportion_interval(share, np.full(4, m), z_critical(level), "wilson")
    out = pd.DataFrame({"segment": list(LOYALTY_SEGMENTS), "n": n.astype(np.int64), "share": share, "ci_low": lo, "ci_high": hi})
    out.attrs.update(n_total=int(c.size), n_eff=m, level=level)
    return out


# --------------------------------------------------------------------------------------------
# Loyalty cut-offs and the names of the loyalty groups
# --------------------------------------------------------------------------------------------


class _CutoffSettings(Protocol):  # the wave file's ``cutoffs`` (csmlib.survey.params.Cutoffs)
    csat: float | None
    loyalty: float | None


@dataclass(frozen=True)
class LoyaltyCutoffs:
    """The lowest answers counted as satisfied and as loyal (:func:`loyalty_cutoffs`)."""

    satisfied: float | None  # overall satisfaction ≥ this is satisfied (CSAT's cut-off); None: no overall question
    loyal: float | None  # loyalty answer ≥ this is loyal; None: no loyalty question
    satisfied_set: bool  # True: from the wave file's cutoffs.csat, False: the scale's default
    loyal_set: bool  # True: from the wave file's cutoffs.loyalty
    satisfaction_scale: tuple[float, float] | None  # (min, max) of the overall question's scale
    loyalty_scale: tuple[float, float] | None


def loyalty_cutoffs(codebook: Codebook, cutoffs: _CutoffSettings | None = None) -> LoyaltyCutoffs:
    """The answers that count as satisfied and as loyal in a survey, from its codebook and wave file.

    Satisfied: overall satisfaction ≥ the CSAT cut-off (:func:`csmlib.stats.headline.lowest_satisfied`:
    the wave file's ``cutoffs.csat``, else the top two boxes on scales of up to 7 points and the
    top three above — so the loyalty groups and CSAT call the same customers satisfied). Loyal:
    loyalty answer ≥ ``cutoffs.loyalty``, else the top two answers, the top one of a yes/no
    question (:func:`csmlib.stats.headline.lowest_loyal`). None for an outcome the codebook lacks.
    Reference: Jones & Sasser (1995) *HBR* 73(6):88–99 (the satisfaction × loyalty groups).

    Examples
    --------
    >>> from csmlib.survey.codebook import Codebook
    >>> from csmlib.stats.segments import loyalty_cutoffs
    >>> cb = Codebook.model_validate({"survey": "demo", "items": [],
    ...     "scales": {"s10": {"min": 1, "max": 10}, "yesno": {"min": 0, "max": 1}},
    ...     "outcomes": {"overall": {"column": "overall", "label": "Overall", "scale": "s10"},
    ...                  "loyalty": {"column": "again", "label": "Again", "scale": "yesno"}}})
    >>> c = loyalty_cutoffs(cb)
    >>> c.satisfied, c.loyal, c.satisfied_set, c.satisfaction_scale
    (8.0, 1.0, False, (1.0, 10.0))
    """
    given_csat = None if cutoffs is None else cutoffs.csat
    given_loyal = None if cutoffs is None else cutoffs.loyalty
    satisfied = loyal = None
    sat_range = loy_range = None
    if "overall" in codebook.outcomes:
        scale = codebook.scales[codebook.outcomes["overall"].scale]
        satisfied, sat_range = lowest_satisfied(scale, given_csat), (float(scale.min), float(scale.max))
    if "loyalty" in codebook.outcomes:
        scale = codebook.scales[codebook.outcomes["loyalty"].scale]
        loyal, loy_range = lowest_loyal(scale, given_loyal), (float(scale.min), float(scale.max))
    return LoyaltyCutoffs(
        satisfied=satisfied,
        loyal=loyal,
        satisfied_set=given_csat is not None,
        loyal_set=given_loyal is not None,
        satisfaction_scale=sat_range,
        loyalty_scale=loy_range,
    )


def _name_key(text: str) -> str:
    """A name as compared for a collision: case, spacing and punctuation ignored."""
    return re.sub(r"[\W_]+", " ", str(text)).strip().casefold()


def segment_names(codebook: Codebook, data: pd.DataFrame | None = None) -> set[str]:
    """Every name under which a report may show a customer segment or one of its levels.

    The segments' names and labels, and each level's value and labels in every language — the
    declared levels and, with ``data``, the values observed in the segment's column.

    >>> from csmlib.survey.codebook import Codebook
    >>> cb = Codebook.model_validate({"survey": "s", "items": [], "scales": {},
    ...     "segments": {"type": {"column": "type", "levels": ["fragile"],
    ...                           "level_labels": {"fragile": {"en": "Fragile", "fa": "شکننده"}}}}})
    >>> sorted(segment_names(cb))
    ['Fragile', 'fragile', 'type', 'شکننده']
    """
    names: set[str] = set()

    def add(label: str | dict[str, str] | None) -> None:
        if isinstance(label, dict):
            names.update(str(v) for v in label.values())
        elif label is not None:
            names.add(str(label))

    for key, seg in codebook.segments.items():
        add(key)
        add(seg.label)
        values = list(seg.levels or []) + list(seg.level_labels)
        if data is not None:
            for column in {key, seg.column} & set(data.columns):
                values += [str(v) for v in data[column].dropna().unique()]
        for value in values:
            add(value)
            add(seg.level_labels.get(str(value)))
    return names


def loyalty_group_names(language: str = "en", avoid: Iterable[str] = ()) -> dict[str, str]:
    """The report's names of the four loyalty groups, none equal to a name in ``avoid``.

    Names from :data:`LOYALTY_GROUP_NAMES` (English for a language without its own); a name equal
    to one of ``avoid`` (usually :func:`segment_names`: the customer segments of the data),
    ignoring case, spacing and punctuation, gets " (loyalty group)" added, so that a loyalty group
    is never read as a customer segment of the same name.

    >>> from csmlib.stats.segments import loyalty_group_names
    >>> loyalty_group_names()["at risk"]
    'at risk (neither satisfied nor loyal)'
    >>> loyalty_group_names("en", avoid=["Satisfied and LOYAL"])["loyal"]
    'satisfied and loyal (loyalty group)'
    """
    lang = language if language in LOYALTY_GROUP_NAMES else "en"
    taken = {_name_key(a) for a in avoid}
    return {
        code: name + _GROUP_QUALIFIER[lang] if _name_key(name) in taken else name
        for code, name in LOYALTY_GROUP_NAMES[lang].items()
    }
