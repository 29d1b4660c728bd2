"""The headline indicators of a wave, composed from :mod:`csmlib.stats.indicators` and the codebook.

One place decides which indicator is computed from which outcome, so that the satisfaction
report, the executive summary and the reports index show the same numbers:

=============  ======================================================================
metric         definition
=============  ======================================================================
overall_mean   mean of the overall-satisfaction outcome (its own scale)
csat           100 × top-box share of the overall outcome: the top 2 boxes on a scale of
               up to 7 points, the top 3 (8–10) on a 10/11-point scale (indicators.md §2)
nps            Net Promoter Score of the recommend outcome (0–10), adjusted-Wald CI
ces_mean       mean of the effort outcome (CES 2.0, 1–7 agreement, higher = easier)
csi            0–100 satisfaction index of all rating items, equal weights (ACSI rescaling)
=============  ======================================================================

Every row of :func:`headline` names the columns it was computed from (``items``; for ``csi`` the
rating items of the index, also in ``attrs["csi_items"]``). :func:`dimension_scores` gives the
score of each declared dimension (mean of a respondent's answered items, respondents who answered
at least half of them, :func:`respondent_scores`) with the same mean and interval as the items.

:data:`METRICS` and :data:`LABELS` are also read by the batch's reports index, which has no
need of the statistics stack: :mod:`csmlib.stats.indicators` (and scipy) is imported by the
functions that compute.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from csmlib.survey.codebook import Codebook, Scale

if TYPE_CHECKING:  # types only: the functions below import csmlib.stats.indicators when called
    from csmlib.stats.csi import CSIResult
    from csmlib.stats.estimators import Estimate, NPSResult

METRICS = ("overall_mean", "csat", "nps", "ces_mean", "csi")

#: Where the headline indicators of a wave are saved: the satisfaction report's results file,
#: under :data:`RESULTS_KEY`, as the records of :func:`headline` (``metric``, ``estimate``,
#: ``ci_low``, ``ci_high``, ...). Read back with :func:`trend_table`.
RESULTS_NOTEBOOK = "02_satisfaction"
RESULTS_KEY = "headline"
# competitor/benchmark keys accepted in the codebook for each metric
COMPETITOR_KEYS = {
    "overall_mean": ("overall_mean", "overall"),
    "csat": ("csat",),
    "nps": ("nps",),
    "ces_mean": ("ces_mean", "ces"),
    "csi": ("csi",),
}
LABELS = {
    "en": {
        "overall_mean": "Overall satisfaction (mean)",
        "csat": "CSAT (% satisfied)",
        "nps": "Net Promoter Score",
        "ces_mean": "Customer effort (CES, mean)",
        "csi": "Satisfaction index (0–100)",
    },
    "fa": {
        "overall_mean": "رضایت کلی (میانگین)",
        "csat": "CSAT (درصد راضی)",
        "nps": "خالص امتیاز ترویج‌کنندگان (NPS)",
        "ces_mean": "سهولت تعامل (CES، میانگین)",
        "csi": "شاخص رضایت (۰ تا ۱۰۰)",
    },
}


def csat_boxes(scale: Scale, cutoff: float | None = None) -> int:
    """Number of top boxes counted as "satisfied" on a scale.

    ``cutoff`` is the lowest answer counted as satisfied (the wave file's ``cutoffs.csat``);
    without it, the top two boxes on scales of up to 7 points and the top three above.

    >>> from csmlib.survey.codebook import Scale
    >>> csat_boxes(Scale(min=1, max=5)), csat_boxes(Scale(min=0, max=10)), csat_boxes(Scale(min=0, max=10), 9)
    (2, 3, 2)
    """
    if cutoff is not None:
        if not scale.min < cutoff <= scale.max:
            raise ValueError(f"the CSAT cut-off {cutoff:g} must lie above {scale.min:g} and at most {scale.max:g}")
        return int(scale.max - cutoff + 1)
    points = int(scale.max - scale.min + 1)
    return 2 if points <= 7 else 3


def lowest_satisfied(scale: Scale, cutoff: float | None = None) -> float:
    """The lowest answer counted as satisfied (stated next to the CSAT figure).

    >>> from csmlib.survey.codebook import Scale
    >>> lowest_satisfied(Scale(min=1, max=5)), lowest_satisfied(Scale(min=1, max=10))
    (4.0, 8.0)
    """
    return float(scale.max - csat_boxes(scale, cutoff) + 1)


def lowest_loyal(scale: Scale, cutoff: float | None = None) -> float:
    """The lowest answer of the loyalty question counted as loyal.

    ``cutoff`` is the wave file's ``cutoffs.loyalty``; without it the top two answers (the top
    answer on a yes/no question).

    >>> from csmlib.survey.codebook import Scale
    >>> lowest_loyal(Scale(min=1, max=5)), lowest_loyal(Scale(min=0, max=1)), lowest_loyal(Scale(min=1, max=5), 5)
    (4.0, 1.0, 5.0)
    """
    if cutoff is not None:
        if not scale.min < cutoff <= scale.max:
            raise ValueError(f"the loyalty cut-off {cutoff:g} must lie above {scale.min:g} and at most {scale.max:g}")
        return float(cutoff)
    return float(scale.max if scale.max - scale.min <= 1 else scale.max - 1)


def _row(metric: str, result: Estimate | NPSResult | CSIResult, unit: str, scale_factor: float = 1.0) -> dict:
    return {
        "metric": metric,
        "estimate": result.estimate * scale_factor,
        "se": result.se * scale_factor,
        "ci_low": result.ci_low * scale_factor,
        "ci_high": result.ci_high * scale_factor,
        "n": int(result.n),
        "n_eff": float(result.n_eff),
        "unit": unit,
    }


def headline(
    data: pd.DataFrame,
    codebook: Codebook,
    item_ids: list[str],
    *,
    weights: pd.Series | ArrayLike | None = None,
    level: float = 0.95,
    csat_cutoff: float | None = None,
) -> pd.DataFrame:
    """Tidy table of the headline indicators available in ``data`` (see the module docstring).

    One row per metric: estimate, se, ci_low, ci_high, n, n_eff, unit and ``items``, the tuple
    of data columns the metric is computed from (the outcome column; for ``csi`` the rating
    items, in the order given). ``attrs["csi_items"]`` lists the items of the index (empty when
    there is no index) and ``attrs["csi_note"]`` says why it is missing when the items do not
    share one scale (the 0–100 rescaling needs one scale).
    """
    from csmlib.stats import indicators as ind

    rows = []
    outcomes = codebook.outcomes
    if "overall" in outcomes and "overall" in data and data["overall"].notna().any():
        scale = codebook.scales[outcomes["overall"].scale]
        rows.append(
            _row("overall_mean", ind.mean_score(data["overall"], weights=weights, level=level), f"{scale.min:g}–{scale.max:g}")
            | {"items": ("overall",)}
        )
        rows.append(
            _row(
                "csat",
                ind.top_box(
                    data["overall"], scale_max=scale.max, boxes=csat_boxes(scale, csat_cutoff), weights=weights, level=level
                ),
                "%",
                100.0,
            )
            | {"items": ("overall",)}
        )
    if "recommend" in outcomes and "recommend" in data and data["recommend"].notna().any():
        rows.append(_row("nps", ind.nps(data["recommend"], weights=weights, level=level), "points") | {"items": ("recommend",)})
    if "effort" in outcomes and "effort" in data and data["effort"].notna().any():
        scale = codebook.scales[outcomes["effort"].scale]
        rows.append(
            _row(
                "ces_mean",
                ind.ces(data["effort"], scale=(scale.min, scale.max), weights=weights, level=level),
                f"{scale.min:g}–{scale.max:g}",
            )
            | {"items": ("effort",)}
        )
    csi_items: tuple[str, ...] = ()
    csi_note = ""
    if item_ids:
        ranges = {(codebook.scales[codebook.item(i).scale].min, codebook.scales[codebook.item(i).scale].max) for i in item_ids}
        if len(ranges) == 1:
            low, high = next(iter(ranges))
            csi_items = tuple(item_ids)
            rows.append(
                _row("csi", ind.csi(data, item_ids, importance="equal", scale=(low, high), weights=weights, level=level), "0–100")
                | {"items": csi_items}
            )
        else:
            csi_note = (
                "no satisfaction index: the rating items use different scales ("
                + ", ".join(f"{lo:g}–{hi:g}" for lo, hi in sorted(ranges))
                + ")"
            )
    out = pd.DataFrame(rows, columns=["metric", "estimate", "se", "ci_low", "ci_high", "n", "n_eff", "unit", "items"]).set_index(
        "metric"
    )
    out.attrs.update({"csi_items": list(csi_items), "csi_note": csi_note})
    return out


def compare_headline(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    codebook: Codebook,
    *,
    weights_current: pd.Series | ArrayLike | None = None,
    weights_previous: pd.Series | ArrayLike | None = None,
    level: float = 0.95,
    csat_cutoff: float | None = None,
) -> pd.DataFrame:
    """Change of each headline indicator versus another wave: difference, CI, test, p-value."""
    from csmlib.stats import indicators as ind

    rows = []
    tests: list[tuple[str, str, dict[str, Any], float]] = []
    if "overall" in current and "overall" in previous:
        scale = codebook.scales[codebook.outcomes["overall"].scale]
        tests.append(("overall_mean", "overall", dict(metric="mean"), 1.0))
        tests.append(
            ("csat", "overall", dict(metric="top_box", scale_max=scale.max, boxes=csat_boxes(scale, csat_cutoff)), 100.0)
        )
    if "recommend" in current and "recommend" in previous:
        tests.append(("nps", "recommend", dict(metric="nps"), 1.0))
    if "effort" in current and "effort" in previous:
        tests.append(("ces_mean", "effort", dict(metric="mean"), 1.0))
    for metric, column, options, factor in tests:
        res = ind.compare(
            current[column], previous[column], weights_a=weights_current, weights_b=weights_previous, level=level, **options
        )
        rows.append(
            {
                "metric": metric,
                "difference": res.difference * factor,
                "ci_low": res.ci_low * factor,
                "ci_high": res.ci_high * factor,
                "statistic": res.statistic,
                "p_value": res.p_value,
                "test": res.test,
            }
        )
    frame = pd.DataFrame(rows, columns=["metric", "difference", "ci_low", "ci_high", "statistic", "p_value", "test"])
    return frame.set_index("metric")


def target_status(estimates: pd.Series, targets: dict[str, float]) -> pd.DataFrame:
    """Target met or missed per metric (``targets`` keys are metric names)."""
    rows = []
    for metric, target in targets.items():
        if metric in estimates.index and target is not None and not math.isnan(float(estimates[metric])):
            rows.append(
                {
                    "metric": metric,
                    "target": float(target),
                    "estimate": float(estimates[metric]),
                    "met": bool(estimates[metric] >= target),
                }
            )
    return pd.DataFrame(rows, columns=["metric", "target", "estimate", "met"]).set_index("metric")


def competitor_gaps(estimates: pd.DataFrame, competitors: dict[str, dict[str, float]]) -> pd.DataFrame:
    """Our estimate (with CI) against each competitor/benchmark value the codebook declares.

    A benchmark is a published figure without its own sampling error, so the comparison is a
    one-sample one: the gap is significant when the benchmark lies outside our interval.
    """
    rows = []
    for metric, keys in COMPETITOR_KEYS.items():
        if metric not in estimates.index:
            continue
        for key in keys:
            for name, value in competitors.get(key, {}).items():
                est = estimates.loc[metric]
                rows.append(
                    {
                        "metric": metric,
                        "benchmark": name,
                        "value": float(value),
                        "ours": float(est["estimate"]),
                        "gap": float(est["estimate"] - value),
                        "significant": bool(value < est["ci_low"] or value > est["ci_high"]),
                    }
                )
    return pd.DataFrame(rows, columns=["metric", "benchmark", "value", "ours", "gap", "significant"])


def values_by_wave(
    history: Mapping[str, Mapping[str, Any]],
    key: str,
    by: str,
    values: Sequence[str],
    *,
    current_wave: str | None = None,
    current: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The value of something per wave: a saved table of every earlier wave plus, optionally, this wave's.

    ``history`` maps wave ids (oldest first) to the saved results of one report; ``key`` names
    the table in them (a list of records, as read back from JSON, or a DataFrame), ``by`` the
    column that identifies a row (a dimension, an attribute, a metric) and ``values`` the columns
    kept. ``current`` is this wave's table (``by`` as a column or as the index), added as wave
    ``current_wave``. A wave without the table (missing, ``None`` or empty) gives no rows; a
    column a table lacks is ``None``.

    Returns the long table ``wave, <by>, *values``: one row per wave and ``by``, in the order
    given (:func:`spread_by_wave` turns it into one column per wave).

    >>> saved = {"2026Q1": {"alpha": [{"dimension": "product", "alpha": 0.81}]}, "2026Q2": {"alpha": None}}
    >>> now = pd.DataFrame({"dimension": ["product"], "alpha": [0.84]})
    >>> values_by_wave(saved, "alpha", "dimension", ["alpha"], current_wave="2026Q3", current=now).to_dict("records")
    [{'wave': '2026Q1', 'dimension': 'product', 'alpha': 0.81}, {'wave': '2026Q3', 'dimension': 'product', 'alpha': 0.84}]
    """
    tables: list[tuple[str | None, Any]] = [(wave, saved.get(key)) for wave, saved in history.items()]
    if current is not None:
        tables.append((current_wave, current if by in current.columns else current.reset_index(names=by)))
    rows = []
    for wave, table in tables:
        records = table.to_dict("records") if isinstance(table, pd.DataFrame) else (table or [])
        rows += [{"wave": wave, by: rec.get(by), **{v: rec.get(v) for v in values}} for rec in records]
    return pd.DataFrame(rows, columns=["wave", by, *values])


def spread_by_wave(long: pd.DataFrame, by: str, value: str, *, sort: bool = False) -> pd.DataFrame:
    """One row per ``by`` and one column per wave of a :func:`values_by_wave` table.

    Rows and waves keep the order in which they first appear (``sort=True``: both sorted);
    a ``by`` missing in a wave is NaN there. The index is named ``by``, the columns ``wave``.

    >>> long = pd.DataFrame({"wave": ["W1", "W1", "W2"], "attribute": ["b", "a", "b"], "category": ["A", "M", "O"]})
    >>> spread_by_wave(long, "attribute", "category").to_dict("index")
    {'b': {'W1': 'A', 'W2': 'O'}, 'a': {'W1': 'M', 'W2': nan}}
    """
    wide = long.pivot(index=by, columns="wave", values=value)
    if not sort:
        wide = wide.reindex(index=pd.unique(long[by]), columns=pd.unique(long["wave"]))
    return wide.rename_axis(index=by, columns="wave")


def trend_table(history: dict[str, dict], current_wave: str | None = None, current: pd.DataFrame | None = None) -> pd.DataFrame:
    """Headline indicators across waves: the saved results of earlier waves plus, optionally, this wave.

    ``history`` maps wave ids to saved results of :data:`RESULTS_NOTEBOOK` (oldest first);
    ``current`` is :func:`headline` of ``current_wave``. One row per wave and metric
    (:func:`values_by_wave` of the estimate and its interval, as numbers).

    >>> saved = {"2026Q1": {"headline": [{"metric": "csat", "estimate": 71.0, "ci_low": 68.0, "ci_high": 74.0}]}}
    >>> trend_table(saved)[["wave", "metric", "estimate"]].to_dict("records")
    [{'wave': '2026Q1', 'metric': 'csat', 'estimate': 71.0}]
    """
    columns = ("estimate", "ci_low", "ci_high")
    out = values_by_wave(history, RESULTS_KEY, "metric", columns, current_wave=current_wave, current=current)
    for col in columns:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    return out


def arrow(change_row: pd.Series | Mapping[str, Any] | None, *, alpha: float = 0.05, p: str = "p_value") -> str:
    """▲/▼ for a significant change, → otherwise.

    Rule: the change is significant when its p-value (the column ``p``: "p_adjusted" for a change
    tested in a family, as :func:`item_changes`) is below ``alpha``; ▲ when the difference is
    positive. A missing row or p-value is no significant change.

    >>> arrow({"difference": -3.1, "p_value": 0.004}), arrow({"difference": 2.0, "p_value": 0.2}), arrow(None)
    ('▼', '→', '→')
    >>> arrow({"difference": 0.4, "p_value": 0.01, "p_adjusted": 0.03}, p="p_adjusted")
    '▲'
    """
    value = None if change_row is None else change_row.get(p)
    try:
        significant = value is not None and bool(np.isfinite(float(value))) and float(value) < alpha
    except (TypeError, ValueError):
        significant = False
    if not significant or change_row is None:
        return "→"
    return "▲" if change_row["difference"] > 0 else "▼"


#: How :func:`change_directions` names the arrows of :func:`arrow` (the words the satisfaction
#: report saves with each item and its chart marks; no significant change is "").
DIRECTIONS = {"▲": "up", "▼": "down", "→": ""}


def answered(data: pd.DataFrame, column: str) -> pd.Series | None:
    """The answers of ``column`` when the survey asked it and at least one respondent answered,
    else ``None`` (a report then says the question is missing instead of showing empty numbers).

    >>> df = pd.DataFrame({"overall": [8.0, None], "effort": [None, None]})
    >>> answered(df, "overall").tolist(), answered(df, "effort"), answered(df, "recommend")
    ([8.0, nan], None, None)
    """
    if column not in data or not data[column].notna().any():
        return None
    return data[column]


def item_changes(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    item_ids: Sequence[str],
    *,
    weights_current: pd.Series | ArrayLike | None = None,
    weights_previous: pd.Series | ArrayLike | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Wave-over-wave change of the mean of each rating item asked in both waves.

    Rule: every item of ``item_ids`` that ``previous`` also has is compared (Welch t,
    :func:`csmlib.stats.comparisons.compare_table`); the p-values of that family are adjusted
    with Holm's step-down method and a change is ``significant`` when the adjusted p-value is
    below α = 1 − ``level``. Why Holm: a report of many items would otherwise flag some changes
    by chance alone; Holm controls the family-wise error rate without assuming independence.
    Indexed by item, in the order of ``item_ids``; ``len()`` is the number of tests stated.

    >>> cur = pd.DataFrame({"q1": [4, 5, 4, 5, 5, 4], "q2": [3, 3, 4, 2, 3, 3]})
    >>> prev = pd.DataFrame({"q1": [3, 2, 3, 3, 2, 3]})
    >>> t = item_changes(cur, prev, ["q1", "q2"])
    >>> t.index.tolist(), bool(t.loc["q1", "significant"])
    (['q1'], True)
    """
    from csmlib.stats.comparisons import compare_table

    common = [i for i in item_ids if i in previous]
    changes = compare_table(
        current,
        previous,
        common,
        metric="mean",
        weights_current=weights_current,
        weights_previous=weights_previous,
        adjust="holm",
        alpha=1 - level,
    )
    return changes.set_index("item")


def change_directions(item_ids: Sequence[str], changes: pd.DataFrame | None = None, *, alpha: float = 0.05) -> pd.Series:
    """ "up", "down" or "" per item: the direction of its significant change (:data:`DIRECTIONS`).

    ``changes``: :func:`item_changes` (indexed by item), or ``None`` in a first wave. An item is
    "up" or "down" when :func:`arrow` on its Holm-adjusted p-value says ▲ or ▼ at ``alpha`` (the
    ``significant`` column of the table at the same α); an item not compared, or not changed
    significantly, is "".

    >>> t = pd.DataFrame({"difference": [0.5, -0.2], "p_adjusted": [0.01, 0.3]}, index=["q1", "q2"])
    >>> change_directions(["q1", "q2", "q3"], t).tolist(), change_directions(["q1"]).tolist()
    (['up', '', ''], [''])
    """
    if changes is None:
        return pd.Series("", index=list(item_ids), name="change")
    words = [DIRECTIONS[arrow(changes.loc[i], alpha=alpha, p="p_adjusted")] if i in changes.index else "" for i in item_ids]
    return pd.Series(words, index=list(item_ids), name="change")


def scale_span(codebook: Codebook, item_ids: Sequence[str]) -> tuple[float, float]:
    """The lowest minimum and highest maximum of the items' answer scales (the axis of a chart
    that shows their means together).

    >>> cb = Codebook.model_validate({"survey": "s", "scales": {"s5": {"min": 1, "max": 5}, "s10": {"min": 0, "max": 10}},
    ...     "items": [{"id": "q1", "label": "Q1", "group": "product", "scale": "s5"},
    ...               {"id": "q2", "label": "Q2", "group": "product", "scale": "s10"}]})
    >>> scale_span(cb, ["q1", "q2"])
    (0.0, 10.0)
    """
    scales = [codebook.scales[codebook.item(i).scale] for i in item_ids]
    return float(min(sc.min for sc in scales)), float(max(sc.max for sc in scales))


def _mean_table(
    index: str, scores: Sequence[tuple[dict[str, Any], pd.Series]], weights: pd.Series | ArrayLike | None, level: float
) -> pd.DataFrame:
    """One row per (key columns, respondent scores): the keys, then the mean with its interval and n."""
    from csmlib.stats import indicators as ind

    rows = []
    for keys, score in scores:
        res = ind.mean_score(score, weights=weights, level=level)
        rows.append({**keys, "estimate": res.estimate, "ci_low": res.ci_low, "ci_high": res.ci_high, "n": int(res.n)})
    return pd.DataFrame(rows).set_index(index)


def item_scores(
    data: pd.DataFrame,
    codebook: Codebook,
    item_ids: list[str],
    *,
    weights: pd.Series | ArrayLike | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Mean score with CI and n per rating item, with its ISO 10004 group."""
    scores = [({"item": i, "group": codebook.item(i).group}, data[i]) for i in item_ids]
    return _mean_table("item", scores, weights, level)


def group_scores(
    data: pd.DataFrame,
    codebook: Codebook,
    item_ids: list[str],
    *,
    weights: pd.Series | ArrayLike | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Per ISO 10004 group: mean of the respondent's group score (mean of the items answered)."""
    scores = []
    for group in dict.fromkeys(codebook.item(i).group for i in item_ids):
        members = [i for i in item_ids if codebook.item(i).group == group]
        scores.append(({"group": group, "items": len(members)}, data[members].mean(axis=1, skipna=True)))
    return _mean_table("group", scores, weights, level)


def average_characteristic(scores: pd.DataFrame | pd.Series) -> float:
    """The bar a characteristic is judged against: the plain mean of the item means.

    Every characteristic counts once, whatever its number of answers (a must-be attribute whose
    rating item scores below this bar under-performs). ``scores``: :func:`item_scores`, or its
    ``estimate`` column; NaN means are left out.

    >>> average_characteristic(pd.Series({"speed": 7.0, "price": 8.0, "staff": 9.0}))
    8.0
    """
    estimates = scores["estimate"] if isinstance(scores, pd.DataFrame) else scores
    return float(pd.to_numeric(estimates, errors="coerce").mean())


#: Share of a dimension's items a respondent must have answered to get a dimension score.
MIN_ANSWERED = 0.5


def respondent_scores(data: pd.DataFrame, items: Sequence[str], *, min_answered: float = MIN_ANSWERED) -> pd.Series:
    """Each respondent's score on a set of items: the mean of the items answered, for respondents
    who answered at least ⌈min_answered·k⌉ of the k items (NaN otherwise).

    The "half rule" of scale scoring (proration: the mean of the available items stands for the
    scale when at least half of them were answered; Mazza, Enders & Ruehlman 2015 discuss it and
    its limits). ``min_answered=1`` keeps complete cases only; any value in (0, 1] is allowed.
    Items are used as they are in ``data`` (reverse-keyed items must already be recoded, as in
    ``Wave.data``) and must share one scale for the mean to mean anything.

    References: Mazza, Enders & Ruehlman (2015) *Multivariate Behav. Res.* 50:504–519.

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.headline import respondent_scores
    >>> df = pd.DataFrame({"a": [8, 6, None], "b": [9, None, None], "c": [7, 5, 4]})
    >>> respondent_scores(df, ["a", "b", "c"]).tolist()     # ⌈1.5⌉ = 2 answers needed
    [8.0, 5.5, nan]
    """
    items = list(items)
    if not items:
        raise ValueError("respondent_scores: no items given")
    absent = [i for i in items if i not in data.columns]
    if absent:
        raise ValueError(f"respondent_scores: item column(s) not in data: {', '.join(map(str, absent))}")
    if not 0 < min_answered <= 1:
        raise ValueError(f"respondent_scores: min_answered must be in (0, 1], not {min_answered!r}")
    need = math.ceil(min_answered * len(items) - 1e-9)
    values = data[items].apply(pd.to_numeric, errors="raise").astype(float)
    answered = values.notna().sum(axis=1)
    score = values.mean(axis=1, skipna=True).where(answered >= need)
    return score.rename(None)


def dimension_scores(
    data: pd.DataFrame,
    codebook: Codebook,
    *,
    weights: pd.Series | ArrayLike | None = None,
    level: float = 0.95,
    min_answered: float = MIN_ANSWERED,
    dimensions: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Score of each declared dimension (``codebook.dimensions()``) with its mean, CI and n.

    Per respondent the dimension score is the mean of the dimension's items they answered, for
    respondents who answered at least half of them (⌈k/2⌉ of k items; :func:`respondent_scores`);
    the others are left out of that dimension and counted in ``n_excluded``. The mean, its SE
    and t interval come from :func:`csmlib.stats.indicators.mean_score` — the same estimator as the
    item means of :func:`item_scores` (weighted linearized SE when ``weights`` are given).

    Returns a DataFrame indexed by dimension: items (number), item_ids (tuple), min_items (answers
    needed), estimate, se, ci_low, ci_high, n (respondents scored), n_eff, n_excluded
    (respondents who answered some but too few items), scale ("min–max"). ``attrs``: rule (the
    rule in words), min_answered, level. ``dimensions`` restricts the table to those names.
    A dimension whose items use different scales raises ``ValueError`` naming it.

    References: Mazza, Enders & Ruehlman (2015) *Multivariate Behav. Res.* 50:504–519; Lumley
    (2004) *JSS* 9(1).

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.survey.codebook import Codebook
    >>> from csmlib.stats.headline import dimension_scores
    >>> cb = Codebook.model_validate({"survey": "demo", "scales": {"s10": {"min": 0, "max": 10}},
    ...     "items": [{"id": i, "label": i, "group": "product", "dimension": "QUAL", "scale": "s10"}
    ...               for i in ("q1", "q2", "q3")]})
    >>> df = pd.DataFrame({"q1": [8, 6, None, 9], "q2": [9, None, None, 7], "q3": [7, 5, 4, 8]})
    >>> t = dimension_scores(df, cb)
    >>> row = t.loc["QUAL"]          # scores 8, 5.5, –, 8: the third answered one item of three
    >>> round(float(row["estimate"]), 4), int(row["n"]), int(row["n_excluded"]), int(row["min_items"])
    (7.1667, 3, 1, 2)
    """
    from csmlib.stats import indicators as ind

    dims = codebook.dimensions()
    if dimensions is not None:
        unknown = [d for d in dimensions if d not in dims]
        if unknown:
            raise ValueError(f"dimension_scores: no dimension(s) {', '.join(map(str, unknown))} in the codebook")
        dims = {d: dims[d] for d in dimensions}
    rows = []
    for dim, members in dims.items():
        scales = {(codebook.scales[codebook.item(i).scale].min, codebook.scales[codebook.item(i).scale].max) for i in members}
        if len(scales) > 1:
            raise ValueError(
                f"dimension_scores: the items of dimension '{dim}' use different scales "
                f"({', '.join(f'{lo:g}–{hi:g}' for lo, hi in sorted(scales))}); their mean is meaningless"
            )
        ((low, high),) = scales
        score = respondent_scores(data, members, min_answered=min_answered)
        need = math.ceil(min_answered * len(members) - 1e-9)
        some = data[members].notna().any(axis=1)
        res = ind.mean_score(score, weights=weights, level=level)
        rows.append(
            {
                "dimension": dim,
                "items": len(members),
                "item_ids": tuple(members),
                "min_items": need,
                "estimate": res.estimate,
                "se": res.se,
                "ci_low": res.ci_low,
                "ci_high": res.ci_high,
                "n": int(res.n),
                "n_eff": float(res.n_eff),
                "n_excluded": int((some & score.isna()).sum()),
                "scale": f"{low:g}–{high:g}",
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "dimension",
            "items",
            "item_ids",
            "min_items",
            "estimate",
            "se",
            "ci_low",
            "ci_high",
            "n",
            "n_eff",
            "n_excluded",
            "scale",
        ],
    ).set_index("dimension")
    out.attrs.update(
        {
            "rule": f"respondents who answered at least {min_answered:.0%} of a dimension's items; "
            "their score is the mean of the items they answered",
            "min_answered": float(min_answered),
            "level": level,
        }
    )
    return out
