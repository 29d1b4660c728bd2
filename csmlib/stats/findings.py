"""One finding per problem, scored by its size (docs/methods/feedback.md).

The analyses of a wave each report *signals* (:mod:`csmlib.stats.feedback`): a must-be attribute
that under-performs, a complaint spike, a recurring complaint, an ineffective corrective action, a
comment theme… Several of them are often one problem seen from different sides — late deliveries
are the top driver, the lowest-rated characteristic *and* a complaint spike. Every signal carries
the **key** of the problem it belongs to:

==================  ===========================================================================
key                 problem
==================  ===========================================================================
``item:<id>``       a characteristic (rating item); complaint categories, Kano attributes and
                    comment themes linked to an item in the codebook join it
``category:<c>``    a complaint category that names no characteristic
``kano:<id>``       a Kano attribute linked to no rating item
``theme:<id>``      a comment theme linked to no characteristic or complaint category
``dimension:<d>``   a questionnaire dimension measured unreliably
==================  ===========================================================================

:func:`merge` turns the signals into one finding per key and :func:`score` gives it a priority
from four components, each between 0 and 1 (the larger of the values its signals report):

- **impact** — how much the problem weighs: the characteristic's share of the explained variance
  of overall satisfaction, its Kano class (must-be 1, one-dimensional ⅔, attractive ⅓), the
  complaint category's share of the wave's complaints, a theme's share of the commenters.
  Shares count in full at three times their reference share (an equal share of R² 1/k; an equal
  share of the complaints 1/categories; the large-theme share) — :func:`share_impact`;
- **gap** — how far below where it should be: below the other characteristics' average, the
  target of the wave file or the best benchmark of the codebook; a tenth of the scale's range
  counts in full (:func:`gap_score`);
- **trend** — getting worse or not getting better: a significant drop since the previous wave,
  a complaint spike (observed/expected − 1), a growing theme, a complaint recurring in several
  waves, a corrective action that did not work, and the waves the finding has stayed open
  (a quarter per wave, :func:`persistence`) — so an unsolved problem is not demoted;
- **confidence** — how many independent analyses raised it (ratings and drivers, Kano,
  complaints log, comments, reliability): one third each.

    score = 100 × (0.35 impact + 0.30 gap + 0.20 trend + 0.15 confidence)

and priority is **high** from 50, **medium** from 25, **low** below (:data:`WEIGHTS`,
:data:`PRIORITY_CUTS`). Ideas: importance–performance analysis ranks by importance and
performance gap (Martilla & James 1977); Kano's must-be needs weigh most when unmet (Kano et al.
1984); ISO 10004:2018 closes the measurement loop with improvement, and ISO 10002:2018 §8.2 asks
that recurring complaints be analysed and their causes removed. Method note: feedback.md.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from csmlib.core.text import localize
from csmlib.survey.codebook import Codebook, pick_label

__all__ = [
    "SIGNAL_COLUMNS",
    "FINDING_COLUMNS",
    "WEIGHTS",
    "PRIORITY_CUTS",
    "KANO_IMPACT",
    "KIND_ORDER",
    "TESTABLE",
    "WORSENING",
    "share_impact",
    "gap_score",
    "rise_score",
    "persistence",
    "priority_of",
    "score",
    "item_context",
    "merge",
    "owner",
    "key_label",
    "number",
    "say",
]

#: one row per signal; ``flag``: the signal raises a problem (else it is context for one raised
#: by another); ``improved``: a significant improvement since the previous wave (status)
SIGNAL_COLUMNS = [
    "key",
    "source",
    "kind",
    "subject",
    "label",
    "department",
    "evidence",
    "flag",
    "improved",
    "impact",
    "gap",
    "trend",
    "kpi",
    "target",
]
FINDING_COLUMNS = [
    "key",
    "label",
    "department",
    "lead",
    "kinds",
    "sources",
    "evidence",
    "action",
    "kpi",
    "target",
    "flagged",
    "improved",
    "testable",
    "impact",
    "gap",
    "trend",
    "confidence",
]
WEIGHTS = {"impact": 0.35, "gap": 0.30, "trend": 0.20, "confidence": 0.15}
PRIORITY_CUTS = (("high", 50.0), ("medium", 25.0), ("low", 0.0))
KANO_IMPACT = {"M": 1.0, "O": 2 / 3, "A": 1 / 3}
#: the kind that leads a finding (its action and KPI) when several signals raise it
KIND_ORDER = (
    "must_be_underperforming",
    "significant_drop",
    "concentrate_here",
    "complaint_handling",
    "ineffective_action",
    "complaint_spike",
    "recurring_complaint",
    "growing_theme",
    "dissatisfying_theme",
    "large_theme",
    "low_reliability",
)
#: the order of a finding's evidence: the size of the problem first
SOURCE_ORDER = ("drivers", "satisfaction", "complaints", "comments", "kano", "reliability")
#: kinds that report a significant worsening since the earlier waves: a finding with one of them
#: has not improved, whatever another signal of it shows (a theme mentioned less while the
#: complaints about the same problem spike)
WORSENING = ("significant_drop", "complaint_spike", "growing_theme", "ineffective_action")
#: key types whose improvement is tested (rating change, complaint count, theme share)
TESTABLE = ("item", "category", "theme")


# ---------------------------------------------------------------------------------------------
# components
# ---------------------------------------------------------------------------------------------


def share_impact(share: float, reference: float) -> float:
    """Impact of a share: ``share / (3 × reference)``, at most 1; NaN when either is unknown.

    >>> round(share_impact(0.247, 1 / 21), 3), share_impact(0.05, 0.10)
    (1.0, 0.16666666666666666)
    """
    if share is None or reference is None or not (reference > 0) or pd.isna(share):
        return math.nan
    return float(min(1.0, max(0.0, share / (3 * reference))))


def gap_score(gap: float, scale_range: float) -> float:
    """Size of a shortfall: ``gap / (0.1 × range)`` between 0 and 1 (a tenth of the scale is full).

    >>> gap_score(0.54, 4), gap_score(0.2, 4), gap_score(-0.3, 4)
    (1.0, 0.5, 0.0)
    """
    if gap is None or pd.isna(gap) or not (scale_range and scale_range > 0):
        return math.nan
    return float(min(1.0, max(0.0, gap / (0.1 * scale_range))))


def rise_score(observed: float, expected: float) -> float:
    """Size of a rise: ``observed / expected − 1`` between 0 and 1 (a doubling is full).

    >>> round(rise_score(101, 58.3), 3), rise_score(30, 40)
    (0.732, 0.0)
    """
    if expected is None or pd.isna(expected) or expected <= 0 or pd.isna(observed):
        return math.nan
    return float(min(1.0, max(0.0, observed / expected - 1)))


def persistence(waves_open: int) -> float:
    """Trend of a finding open for ``waves_open`` earlier waves: a quarter per wave, at most 1.

    >>> persistence(0), persistence(2), persistence(6)
    (0.0, 0.5, 1.0)
    """
    return float(min(1.0, 0.25 * max(0, int(waves_open))))


def priority_of(value: float) -> str:
    """``high`` / ``medium`` / ``low`` for a score of 0–100 (:data:`PRIORITY_CUTS`).

    >>> priority_of(89.6), priority_of(25), priority_of(12.5)
    ('high', 'medium', 'low')
    """
    for name, cut in PRIORITY_CUTS:
        if value >= cut:
            return name
    return "low"


def score(findings: pd.DataFrame) -> pd.DataFrame:
    """``findings`` with ``score`` (0–100, one decimal) and ``priority`` from the four components.

    score = 100 × Σ weight × component over impact, gap, trend, confidence (:data:`WEIGHTS`); a
    component no analysis could measure counts 0.

    >>> f = pd.DataFrame({"impact": [1.0, 0.2], "gap": [1.0, float("nan")], "trend": [0.73, 0.5], "confidence": [2 / 3, 1 / 3]})
    >>> score(f)[["score", "priority"]].values.tolist()
    [[89.6, 'high'], [22.0, 'low']]
    """
    total = sum(weight * findings[name].astype(float).fillna(0.0) for name, weight in WEIGHTS.items())
    values = (100 * total).round(1) if len(findings) else pd.Series(dtype=float)
    return findings.assign(score=values, priority=[priority_of(v) for v in values])


# ---------------------------------------------------------------------------------------------
# wording shared by the signal builders
# ---------------------------------------------------------------------------------------------


def number(value: float, spec: str, language: str) -> str:
    """A number in a sentence of the report language (Persian digits for ``fa``).

    >>> number(3.444, ".2f", "fa"), number(0.247, ".0%", "en")
    ('۳٫۴۴', '25%')
    """
    return localize(format(value, spec), language)


def say(language: str, english: str, persian: str) -> str:
    """The sentence in the register's language."""
    return persian if language == "fa" else english


def item_range(codebook: Codebook, item_id: str) -> float:
    """Max − min of the item's answer scale (NaN for an unknown item)."""
    try:
        scale = codebook.scales[codebook.item(item_id).scale]
    except KeyError:
        return math.nan
    return float(scale.max - scale.min)


def item_top(codebook: Codebook, item_id: str) -> float:
    try:
        return float(codebook.scales[codebook.item(item_id).scale].max)
    except KeyError:
        return math.nan


def signal(**values: object) -> dict[str, Any]:
    """One signal row with every column (unset components are NaN, flags False)."""
    row: dict[str, Any] = {c: None for c in SIGNAL_COLUMNS}
    row.update(flag=False, improved=False, impact=math.nan, gap=math.nan, trend=math.nan)
    row.update(values)
    return row


def _truth(value: object) -> bool:
    return bool(value) if value is not None and not (isinstance(value, float) and math.isnan(value)) else False


def signals_frame(rows: list[dict]) -> pd.DataFrame:
    """Signal rows as a table of :data:`SIGNAL_COLUMNS` (missing flags False, components float)."""
    frame = pd.DataFrame(rows, columns=SIGNAL_COLUMNS)
    for name in ("flag", "improved"):
        frame[name] = pd.Series([_truth(v) for v in frame[name]], index=frame.index, dtype=bool)
    return frame.astype({"impact": float, "gap": float, "trend": float})


# ---------------------------------------------------------------------------------------------
# context of the characteristics
# ---------------------------------------------------------------------------------------------


def _strongest(rank: int, k: int, language: str) -> str:
    """ "the strongest of 21 drivers", "the 3rd strongest of 21 drivers" (Persian: "عامل شماره ۳ از ۲۱ عامل")."""
    if language == "fa":
        return f"عامل شماره {number(rank, 'd', 'fa')} از {number(k, 'd', 'fa')} عامل"
    if rank == 1:
        return f"the strongest of {k} drivers"
    suffix = "th" if rank % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"the {rank}{suffix} strongest of {k} drivers"


def item_context(
    codebook: Codebook,
    performance: pd.Series,
    *,
    importance: pd.Series | None = None,
    kano: pd.Series | None = None,
    targets: dict[str, float] | None = None,
    language: str = "en",
) -> pd.DataFrame:
    """Context signals (``flag`` False) of every rated characteristic: driver share, gap, Kano class.

    ``performance``: mean rating per item id; ``importance``: share of the explained variance of
    overall satisfaction per item (e.g. Shapley shares, summing to 1); ``kano``: Kano category
    (M, O, A, I, R, Q) per attribute id — reaching an item through the codebook's
    ``kano.pairs[].item``; ``targets``: target mean per item (the wave file's ``feedback.targets``).
    The best benchmark of the codebook's ``competitors`` keyed by an item id is a target too.

    - drivers: impact = :func:`share_impact` (share, 1/k) for k drivers;
    - satisfaction: gap = :func:`gap_score` of the largest shortfall below the other
      characteristics' mean, the target and the best benchmark;
    - kano: impact = :data:`KANO_IMPACT` of the linked attribute's category.

    These rows raise no finding; they size the findings other signals raise for the same item.

    >>> from types import SimpleNamespace as NS
    >>> from csmlib.survey.codebook import Codebook
    >>> cb = Codebook.model_validate({"survey": "s", "scales": {"s5": {"min": 1, "max": 5}},
    ...     "items": [{"id": i, "label": i, "group": "delivery", "scale": "s5"} for i in ("speed", "staff", "info")]})
    >>> ctx = item_context(cb, pd.Series({"speed": 3.4, "staff": 4.0, "info": 4.0}),
    ...                    importance=pd.Series({"speed": 0.6, "staff": 0.3, "info": 0.1}))
    >>> ctx.set_index(["key", "source"]).loc[("item:speed", "satisfaction"), "gap"]
    np.float64(1.0)
    """
    rows = []
    perf = pd.Series(performance, dtype=float).dropna()
    targets = dict(targets or {})
    kano_of = {}
    if kano is not None:
        for pair in codebook.kano.pairs:
            if pair.item and pair.id in kano.index:
                kano_of[pair.item] = (pair, str(kano[pair.id]))
    imp = pd.Series(importance, dtype=float).dropna() if importance is not None else pd.Series(dtype=float)
    ranks = imp.rank(ascending=False, method="min")
    for item, value in perf.items():
        key, label, top = f"item:{item}", codebook.label(item, language), item_top(codebook, item)
        common = {"key": key, "subject": item, "label": label, "department": _item_department(codebook, item)}
        if item in imp.index:
            share, k, rank = float(imp[item]), len(imp), int(ranks[item])
            rows.append(
                signal(
                    **common,
                    source="drivers",
                    kind="driver_share",
                    impact=share_impact(share, 1 / k),
                    evidence=say(
                        language,
                        f"{_strongest(rank, k, language)} of overall satisfaction "
                        f"({number(share, '.0%', language)} of the explained variance)",
                        f"{_strongest(rank, k, language)} رضایت کلی ({number(share, '.0%', language)} از واریانس تبیین‌شده)",
                    ),
                )
            )
        others = perf.drop(item)
        others_mean = float(others.mean()) if len(others) else math.nan
        bench = codebook.competitors.get(item, {})
        best = max(bench.items(), key=lambda kv: kv[1]) if bench else None
        shortfalls = [others_mean - value]
        en = [f"rated {number(value, '.2f', 'en')} of {top:g}"]
        fa = [f"امتیاز {number(value, '.2f', 'fa')} از {number(top, 'g', 'fa')}"]
        if not math.isnan(others_mean):
            en.append(f"against {number(others_mean, '.2f', 'en')} for the other characteristics")
            fa.append(f"در برابر {number(others_mean, '.2f', 'fa')} برای دیگر ویژگی‌ها")
        if item in targets:
            shortfalls.append(targets[item] - value)
            en.append(f"target {number(targets[item], '.2f', 'en')}")
            fa.append(f"هدف {number(targets[item], '.2f', 'fa')}")
        if best is not None:
            shortfalls.append(best[1] - value)
            en.append(f"{best[0]} {number(best[1], '.2f', 'en')}")
            fa.append(f"{best[0]} {number(best[1], '.2f', 'fa')}")
        gap = max((s for s in shortfalls if not math.isnan(s)), default=math.nan)
        rows.append(
            signal(
                **common,
                source="satisfaction",
                kind="performance",
                gap=gap_score(gap, item_range(codebook, item)),
                evidence=say(language, ", ".join(en), "، ".join(fa)),
            )
        )
        if item in kano_of and kano_of[item][1] in KANO_IMPACT:
            pair, category = kano_of[item]
            name = pick_label(pair.label, language, pair.id)
            rows.append(
                signal(
                    **common,
                    source="kano",
                    kind="kano_class",
                    impact=KANO_IMPACT[category],
                    evidence=_kano_sentence(name, category, language),
                )
            )
    return signals_frame(rows)


def _kano_sentence(name: str, category: str, language: str) -> str:
    en = {
        "M": f"customers take “{name}” for granted (a must-be need in the Kano survey): falling short dissatisfies",
        "O": f"the better “{name}”, the more satisfied customers are (one-dimensional in the Kano survey)",
        "A": f"“{name}” delights customers when offered (attractive in the Kano survey)",
    }
    fa = {
        "M": f"مشتریان «{name}» را بدیهی می‌دانند (نیاز بایستی در کانو): کمبود آن نارضایتی می‌آورد",
        "O": f"هر چه «{name}» بهتر باشد رضایت بیشتر است (تک‌بعدی در کانو)",
        "A": f"«{name}» در صورت ارائه مشتری را شگفت‌زده می‌کند (جذاب در کانو)",
    }
    return say(language, en[category], fa[category])


def _item_department(codebook: Codebook, item_id: str | None) -> str | None:
    try:
        return codebook.item(item_id).department if item_id else None
    except KeyError:
        return None


# ---------------------------------------------------------------------------------------------
# one finding per key
# ---------------------------------------------------------------------------------------------


def owner(codebook: Codebook, key: str) -> str | None:
    """The department the codebook makes responsible for a problem key (``None`` when it names none).

    >>> from csmlib.survey.codebook import Codebook
    >>> cb = Codebook.model_validate({"survey": "s", "scales": {"s5": {"min": 1, "max": 5}},
    ...     "items": [{"id": "speed", "label": "Speed", "group": "delivery", "scale": "s5", "department": "Logistics"}]})
    >>> owner(cb, "item:speed"), owner(cb, "theme:x")
    ('Logistics', None)
    """
    kind, _, name = key.partition(":")
    if kind == "item":
        return _item_department(codebook, name)
    if kind == "category":
        spec = codebook.complaints.categories.get(name)
        return spec.department if spec is not None else None
    if kind == "theme":
        return codebook.theme_department(name)
    if kind == "kano":
        return next((p.department for p in codebook.kano.pairs if p.id == name), None)
    return None


def key_label(codebook: Codebook, key: str, language: str = "en") -> str:
    """How the register names the problem of a key (the characteristic, category, theme…)."""
    kind, _, name = key.partition(":")
    if kind in ("item", "kano"):
        return codebook.label(name, language)
    if kind == "category":
        spec = codebook.complaints.categories.get(name)
        return pick_label(spec.label if spec is not None else None, language, name)
    if kind == "theme":
        return codebook.theme_label(name, language)
    return name


def _rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


def merge(signals: pd.DataFrame, codebook: Codebook, *, actions: dict | None = None, language: str = "en") -> pd.DataFrame:
    """One row per problem key from all signals (:data:`FINDING_COLUMNS`), flagged or not.

    A key is ``flagged`` when at least one of its signals raises a problem; each component is
    the largest any of its signals reports; ``confidence`` is a third per distinct analysis
    (``source``) among the flagged signals, at most 1; ``improved`` when a signal reports a
    significant improvement and none a significant worsening (:data:`WORSENING`). The *lead* signal — the flagged one first in :data:`KIND_ORDER` —
    gives the KPI and target and, through ``actions`` (kind → sentence with ``{label}`` and
    ``{subject}``), the recommended action. The department is the key's owner in the codebook
    (:func:`owner`), else the lead signal's. Evidence: every signal's sentence without repeats, in
    :data:`SOURCE_ORDER` (driver share and rating first: the size of the problem).
    """
    rows = []
    if signals is None or signals.empty:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    for key, part in signals.groupby("key", sort=False):
        flagged = part[part["flag"]]
        lead = flagged.iloc[min(range(len(flagged)), key=lambda i: _rank(flagged["kind"].iloc[i]))] if len(flagged) else None
        order = sorted(range(len(part)), key=lambda i: (_order(part["source"].iloc[i]), not part["flag"].iloc[i]))
        sentences = []
        for i in order:
            text = part["evidence"].iloc[i]
            if isinstance(text, str) and text and text not in sentences:
                sentences.append(text)
        sources = sorted(set(flagged["source"]), key=_order)
        action = ""
        if lead is not None and actions:
            template = actions.get(lead["kind"], "")
            action = template.format(label=lead["label"], subject=lead["subject"]) if template else ""
            extra = flagged[(flagged["kind"] == "ineffective_action") & (flagged.index != lead.name)]
            if len(extra) and actions.get("ineffective_action"):
                action += " " + actions["ineffective_action"].format(
                    label=extra["label"].iloc[0], subject=extra["subject"].iloc[0]
                )
        department = owner(codebook, key) or (lead["department"] if lead is not None else None)
        department = department or next((d for d in part["department"] if isinstance(d, str) and d), None)
        rows.append(
            {
                "key": key,
                "label": key_label(codebook, key, language),
                "department": department or "(unassigned)",
                "lead": lead["kind"] if lead is not None else None,
                "kinds": sorted(set(flagged["kind"]), key=_rank),
                "sources": sources,
                "evidence": say(language, "; ".join(sentences), "؛ ".join(sentences)),
                "action": action,
                "kpi": lead["kpi"] if lead is not None else None,
                "target": lead["target"] if lead is not None else None,
                "flagged": lead is not None,
                "improved": bool(part["improved"].any()) and not part["kind"].isin(WORSENING).any(),
                "testable": key.partition(":")[0] in TESTABLE,
                "impact": part["impact"].max(),
                "gap": part["gap"].max(),
                "trend": part["trend"].max(),
                "confidence": min(1.0, len(sources) / 3),
            }
        )
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def _order(source: str) -> int:
    return SOURCE_ORDER.index(source) if source in SOURCE_ORDER else len(SOURCE_ORDER)
