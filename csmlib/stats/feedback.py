"""Feedback to departments: the signals each analysis sends towards the findings register.

ISO 10004 ends the measurement loop by sending results to the units that must act on them
("packaging complaints go to the packaging unit"), and ISO 10002 asks that recurring complaints
trigger corrective action. Each analysis contributes *signals* through one function here; each
function takes the tidy tables that analysis already produces and returns rows of
:data:`csmlib.stats.findings.SIGNAL_COLUMNS`:

==========  =================================================================
column      meaning
==========  =================================================================
key         the problem the signal belongs to (``item:del_speed``, ``theme:…``)
source      the analysis (satisfaction, kano, drivers, complaints, reliability, comments)
kind        what was found (``significant_drop``, ``must_be_underperforming``, …)
subject     item, attribute, complaint category, action or theme id
label       display label of the subject, in the report language
department  owning department (codebook item, category, theme or action)
evidence    one plain sentence with the numbers behind it, in the report language
flag        the signal raises a problem (False: an improvement or context)
improved    a significant improvement since the previous wave
impact …    impact, gap and trend components (0–1) of the priority score
kpi         what to measure to verify an action worked, and its ``target``
==========  =================================================================

Signals that concern one characteristic share its key: a complaint category joins the item the
codebook names as its ``characteristic``, a Kano attribute its ``item``, and a comment theme the
item or complaint category of the same problem (its ``characteristic`` when the codebook gives
one, else the complaint category with the theme's id). :func:`csmlib.stats.findings.merge` makes
one finding of each key and scores it; :func:`register` collects the signals and reports which
analyses were missing.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from csmlib.stats.findings import (
    SIGNAL_COLUMNS,
    gap_score,
    item_range,
    number,
    rise_score,
    say,
    share_impact,
    signal,
    signals_frame,
)
from csmlib.survey.codebook import Codebook, pick_label

COLUMNS = SIGNAL_COLUMNS
SOURCES = ("satisfaction", "reliability", "kano", "drivers", "complaints", "comments")
LARGE_THEME = 0.10  # a comment theme mentioned by at least this share of commenters is a finding

#: the recommended action of a finding led by each kind of signal ({label}: its subject's label)
ACTIONS = {
    "must_be_underperforming": (
        "Bring {label} up to standard for every customer: it is taken for granted, so any shortfall costs satisfaction.",
        "{label} را برای همه مشتریان به سطح استاندارد برسانید: این ویژگی بدیهی شمرده می‌شود و هر کمبودی رضایت را کم می‌کند.",
    ),
    "significant_drop": (
        "Find what changed in {label} since the previous wave and restore the earlier level.",
        "علت افت {label} نسبت به دوره قبل را پیدا کنید و سطح پیشین را بازگردانید.",
    ),
    "concentrate_here": (
        "Improve {label} first: it weighs heavily on overall satisfaction and is rated below the other characteristics.",
        "بهبود {label} در اولویت است: اثر زیادی بر رضایت کلی دارد و امتیاز آن از دیگر ویژگی‌ها کمتر است.",
    ),
    "complaint_handling": (
        "Improve complaint handling: resolve more complaints at the first contact and ask complainants how it went.",
        "رسیدگی به شکایات را بهبود دهید: شکایت‌های بیشتری را در اولین تماس حل کنید و نظر شاکیان را بپرسید.",
    ),
    "ineffective_action": (
        "Corrective action {subject} has not reduced the complaints: reopen the root-cause analysis and plan a new action.",
        "اقدام اصلاحی {subject} شکایات را کم نکرده است: تحلیل ریشه‌ای را از نو انجام دهید و اقدام تازه‌ای برنامه‌ریزی کنید.",
    ),
    "complaint_spike": (
        "Find the root cause of the rise in “{label}” complaints and correct it.",
        "ریشه افزایش شکایات «{label}» را پیدا و برطرف کنید.",
    ),
    "recurring_complaint": (
        "Treat “{label}” as a systemic problem: root-cause analysis and a corrective action.",
        "«{label}» را مشکلی نظام‌مند بدانید: تحلیل ریشه‌ای و اقدام اصلاحی.",
    ),
    "growing_theme": (
        "Read the customers' comments on “{label}” and remove the cause.",
        "نظرهای مشتریان درباره «{label}» را بخوانید و علت را برطرف کنید.",
    ),
    "low_reliability": (
        "Review the questions of the “{label}” dimension before the next wave.",
        "پرسش‌های بُعد «{label}» را پیش از دوره بعد بازبینی کنید.",
    ),
}
ACTIONS["dissatisfying_theme"] = ACTIONS["large_theme"] = ACTIONS["growing_theme"]


def actions(language: str = "en") -> dict[str, str]:
    """The action templates (:data:`ACTIONS`) in ``language``, for :func:`csmlib.stats.findings.merge`."""
    return {kind: pair[1] if language == "fa" else pair[0] for kind, pair in ACTIONS.items()}


def _frame(rows: list[dict]) -> pd.DataFrame:
    return signals_frame(rows)


def _item_department(codebook: Codebook, item_id: str | None) -> str:
    if item_id is None:
        return "(unassigned)"
    try:
        return codebook.item(item_id).department or "(unassigned)"
    except KeyError:
        return "(unassigned)"


def _item_signal(codebook: Codebook, item: str, language: str, **values: object) -> dict:
    """A signal about one rating item: keyed, labelled and routed by the item."""
    return signal(
        key=f"item:{item}",
        subject=item,
        label=codebook.label(item, language),
        department=_item_department(codebook, item),
        **values,
    )


def category_key(codebook: Codebook, category: str) -> str:
    """The problem key of a complaint category: its characteristic's item, else the category."""
    spec = codebook.complaints.categories.get(category)
    return f"item:{spec.characteristic}" if spec is not None and spec.characteristic else f"category:{category}"


def theme_key(codebook: Codebook, theme: str) -> str:
    """The problem key of a comment theme: its characteristic (when the codebook links one), else
    the complaint category with the same id, else the theme itself."""
    spec = codebook.comments.themes.get(theme) if codebook.comments is not None else None
    linked = spec.characteristic if spec is not None else None
    if linked:
        return f"item:{linked}"
    if theme in codebook.complaints.categories:
        return category_key(codebook, theme)
    return f"theme:{theme}"


def _category_department(codebook: Codebook, category: str) -> str:
    spec = codebook.complaints.categories.get(category)
    return spec.department if spec else "(unassigned)"


def _category_label(codebook: Codebook, category: str, language: str) -> str:
    spec = codebook.complaints.categories.get(category)
    return pick_label(spec.label, language, category) if spec and spec.label else category


def _mean_kpi(codebook: Codebook, item: str, target: float, language: str, why: tuple[str, str]) -> dict:
    label = codebook.label(item, language)
    return {
        "kpi": say(language, f"mean rating of “{label}”", f"میانگین امتیاز «{label}»"),
        "target": say(language, f"≥ {number(target, '.2f', 'en')} ({why[0]})", f"≥ {number(target, '.2f', 'fa')} ({why[1]})"),
    }


def from_item_changes(changes: pd.DataFrame | None, codebook: Codebook, *, language: str = "en") -> pd.DataFrame:
    """Significant drops versus the previous wave (flagged) and significant rises (improvements).

    ``changes``: one row per item with ``item``, ``current``, ``previous``, ``difference`` and
    ``significant`` (after the multiplicity correction). Trend of a drop: its size, a tenth of
    the scale's range in full (:func:`csmlib.stats.findings.gap_score`).
    """
    rows: list[dict] = []
    if changes is None:  # first wave: nothing to compare with
        return _frame(rows)
    for rec in changes.itertuples(index=False):
        if not bool(rec.significant) or rec.difference == 0:
            continue
        before, after = number(rec.previous, ".2f", language), number(rec.current, ".2f", language)
        if rec.difference < 0:
            values = {
                "kind": "significant_drop",
                "flag": True,
                "trend": gap_score(-rec.difference, item_range(codebook, rec.item)),
                **_mean_kpi(codebook, rec.item, rec.previous, language, ("the previous wave", "دوره قبل")),
            }
            moved = ("fell", "a significant fall", "افت کرده است (افت معنادار)")
        else:
            values = {"kind": "significant_rise", "improved": True}
            moved = ("rose", "a significant rise", "بهبود یافته است (بهبود معنادار)")
        evidence = say(
            language,
            f"the mean rating {moved[0]} from {before} to {after} since the previous wave ({moved[1]})",
            f"میانگین امتیاز از {before} به {after} نسبت به دوره قبل {moved[2]}",
        )
        rows.append(_item_signal(codebook, rec.item, language, source="satisfaction", evidence=evidence, **values))
    return _frame(rows)


def from_kano(
    kano_summary: pd.DataFrame, performance: pd.Series, codebook: Codebook, *, threshold: float, language: str = "en"
) -> pd.DataFrame:
    """Must-be attributes whose linked rating item performs below ``threshold``.

    ``kano_summary``: indexed by attribute id with a ``category`` column; ``performance``: the
    satisfaction score (e.g. mean 1-5) of each item; the link attribute → item is the codebook's
    ``kano.pairs[].item``. A must-be need that is not met causes dissatisfaction whatever else
    is done well: impact 1.
    """
    rows: list[dict] = []
    for pair in codebook.kano.pairs:
        if pair.id not in kano_summary.index or not pair.item or pair.item not in performance.index:
            continue
        category = kano_summary.loc[pair.id, "category"]
        score = float(performance[pair.item])
        if category == "M" and score < threshold:
            item_label = codebook.label(pair.item, language)
            rows.append(
                signal(
                    key=f"item:{pair.item}",
                    source="kano",
                    kind="must_be_underperforming",
                    subject=pair.id,
                    label=codebook.label(pair.id, language),
                    department=pair.department or _item_department(codebook, pair.item),
                    flag=True,
                    impact=1.0,
                    gap=gap_score(threshold - score, item_range(codebook, pair.item)),
                    evidence=say(
                        language,
                        f"a must-be need (Kano) rated below the average characteristic: “{item_label}” "
                        f"{number(score, '.2f', 'en')} against {number(threshold, '.2f', 'en')}",
                        f"نیاز بایستی (کانو) با امتیاز کمتر از میانگین ویژگی‌ها: «{item_label}» "
                        f"{number(score, '.2f', 'fa')} در برابر {number(threshold, '.2f', 'fa')}",
                    ),
                    **_mean_kpi(codebook, pair.item, threshold, language, ("the average characteristic", "میانگین ویژگی‌ها")),
                )
            )
    return _frame(rows)


def from_ipa(ipa_table: pd.DataFrame | None, codebook: Codebook, *, language: str = "en") -> pd.DataFrame:
    """Characteristics in the "concentrate here" quadrant (important, under-performing).

    ``ipa_table``: indexed by item (or with an ``item`` column, as saved) with ``quadrant``,
    ``importance`` (share of the explained variance) and ``performance``; ``None`` or empty (no
    driver analysis could run) gives no findings. Impact: the share against an equal share;
    gap: the shortfall below the other characteristics' mean.
    """
    rows: list[dict] = []
    if ipa_table is None or ipa_table.empty:
        return _frame(rows)
    if "item" in ipa_table.columns:
        ipa_table = ipa_table.set_index("item")
    k = len(ipa_table)
    for item, rec in ipa_table.iterrows():
        if rec["quadrant"] != "concentrate here":
            continue
        others = float(ipa_table["performance"].drop(item).mean()) if k > 1 else math.nan
        rows.append(
            _item_signal(
                codebook,
                item,
                language,
                source="drivers",
                kind="concentrate_here",
                flag=True,
                impact=share_impact(float(rec["importance"]), 1 / k),
                gap=gap_score(others - float(rec["performance"]), item_range(codebook, item)),
                evidence=say(
                    language,
                    "important and rated below average: a first place to improve (importance–performance analysis)",
                    "مهم و با امتیاز کمتر از میانگین: جای نخست بهبود (تحلیل اهمیت–عملکرد)",
                ),
                **_mean_kpi(codebook, item, others, language, ("the other characteristics", "دیگر ویژگی‌ها")),
            )
        )
    return _frame(rows)


def from_complaints(
    codebook: Codebook,
    *,
    recurring: pd.DataFrame | None = None,
    spikes: pd.DataFrame | None = None,
    actions: pd.DataFrame | None = None,
    language: str = "en",
) -> pd.DataFrame:
    """Recurring problems, spiking categories and ineffective corrective actions (flagged), and
    categories significantly below their earlier level (improvements).

    ``recurring``: ``category``, ``product``, ``count``, ``periods`` (waves it came back in),
    optionally ``expected``; ``spikes``: one row per category with ``observed``, ``expected``,
    ``flag`` and optionally ``lcl`` (a count below the lower control limit is a significant fall);
    ``actions``: ``action_id``, ``category``, ``department``, ``verdict``, ``evidence`` and
    optionally ``rate_before``/``rate_after`` (per 30 days). Impact: the category's share of the
    wave's complaints (from ``spikes``) against an equal share; trend: observed/expected − 1 for
    a spike, (waves − 1)/3 for a recurring problem, 1 for an action that did not work.
    """
    rows: list[dict] = []
    share, expected = {}, {}
    if spikes is not None and len(spikes):
        total = float(spikes["observed"].sum())
        for rec in spikes.itertuples(index=False):
            share[rec.category] = share_impact(rec.observed / total, 1 / len(spikes)) if total else math.nan
            expected[rec.category] = float(rec.expected)

    def common(category: str, subject: str, label: str) -> dict:
        return {
            "key": category_key(codebook, category),
            "source": "complaints",
            "subject": subject,
            "label": label,
            "department": _category_department(codebook, category),
            "impact": share.get(category, math.nan),
        }

    def count_kpi(category: str, target: float, why: tuple[str, str]) -> dict:
        name = _category_label(codebook, category, language)
        return {
            "kpi": say(language, f"“{name}” complaints per wave", f"شکایات «{name}» در هر دوره"),
            "target": say(language, f"≤ {number(target, '.0f', 'en')} ({why[0]})", f"≤ {number(target, '.0f', 'fa')} ({why[1]})"),
        }

    for rec in (recurring if recurring is not None else pd.DataFrame()).itertuples(index=False):
        name = _category_label(codebook, rec.category, language)
        base = getattr(rec, "expected", math.nan)
        rows.append(
            signal(
                **common(rec.category, f"{rec.category} / {rec.product}", f"{name} — {rec.product}"),
                kind="recurring_complaint",
                flag=True,
                trend=min(1.0, max(0.0, (int(rec.periods) - 1) / 3)),
                evidence=say(
                    language,
                    f"{int(rec.count)} “{name}” complaints about {rec.product} this wave, a problem that came back "
                    f"in {int(rec.periods)} waves",
                    f"{number(int(rec.count), 'd', 'fa')} شکایت «{name}» درباره {rec.product} در این دوره؛ "
                    f"مشکلی که در {number(int(rec.periods), 'd', 'fa')} دوره تکرار شده است",
                ),
                **count_kpi(rec.category, expected.get(rec.category, base), ("the earlier waves' level", "سطح دوره‌های پیشین")),
            )
        )
    for rec in (spikes if spikes is not None else pd.DataFrame()).itertuples(index=False):
        name = _category_label(codebook, rec.category, language)
        if bool(rec.flag):
            rows.append(
                signal(
                    **common(rec.category, rec.category, name),
                    kind="complaint_spike",
                    flag=True,
                    trend=rise_score(rec.observed, rec.expected),
                    evidence=say(
                        language,
                        f"{int(rec.observed)} “{name}” complaints this wave against about {rec.expected:.0f} "
                        f"expected from the earlier waves ({rec.observed / rec.expected - 1:.0%} more)",
                        f"{number(int(rec.observed), 'd', 'fa')} شکایت «{name}» در این دوره در برابر حدود "
                        f"{number(rec.expected, '.0f', 'fa')} مورد انتظار از دوره‌های پیشین "
                        f"({number(rec.observed / rec.expected - 1, '.0%', 'fa')} بیشتر)",
                    ),
                    **count_kpi(rec.category, rec.expected, ("the earlier waves' level", "سطح دوره‌های پیشین")),
                )
            )
        elif pd.notna(getattr(rec, "lcl", math.nan)) and rec.observed < rec.lcl:
            rows.append(
                signal(
                    **common(rec.category, rec.category, name),
                    kind="complaint_fall",
                    improved=True,
                    evidence=say(
                        language,
                        f"“{name}” complaints fell to {int(rec.observed)}, below the lower control limit of the earlier "
                        f"waves ({rec.lcl:.0f})",
                        f"شکایات «{name}» به {number(int(rec.observed), 'd', 'fa')} رسید، کمتر از حد کنترل پایین "
                        f"دوره‌های پیشین ({number(rec.lcl, '.0f', 'fa')})",
                    ),
                )
            )
    for rec in (actions if actions is not None else pd.DataFrame()).itertuples(index=False):
        if rec.verdict != "not effective":
            continue
        name = _category_label(codebook, rec.category, language)
        base = common(rec.category, rec.action_id, f"{rec.action_id} ({name})")
        if isinstance(rec.department, str) and rec.department:
            base["department"] = rec.department
        if pd.notna(getattr(rec, "rate_before", math.nan)):
            kpi = {
                "kpi": say(language, f"“{name}” complaints per 30 days", f"شکایات «{name}» در هر ۳۰ روز"),
                "target": say(
                    language,
                    f"< {number(rec.rate_before, '.1f', 'en')} (the rate before {rec.action_id})",
                    f"< {number(rec.rate_before, '.1f', 'fa')} (نرخ پیش از {rec.action_id})",
                ),
            }
        else:
            kpi = count_kpi(rec.category, expected.get(rec.category, math.nan), ("the earlier waves' level", "سطح دوره‌های پیشین"))
        rows.append(
            signal(**base, kind="ineffective_action", flag=True, trend=1.0, evidence=_action_evidence(rec, name, language), **kpi)
        )
    return _frame(rows)


def _action_evidence(rec: Any, name: str, language: str) -> str:  # rec: a row of DataFrame.itertuples()
    """Why a corrective action is judged not effective (csmlib.stats.complaints.action_effectiveness), in plain words."""
    if not all(hasattr(rec, n) for n in ("rate_before", "rate_after")):
        return rec.evidence
    before, after = rec.rate_before, rec.rate_after
    return say(
        language,
        f"corrective action {rec.action_id} has not reduced “{name}” complaints: {before:.1f} per 30 days before it, "
        f"{after:.1f} after",
        f"اقدام اصلاحی {rec.action_id} شکایات «{name}» را کم نکرده است: {number(before, '.1f', 'fa')} در هر ۳۰ روز پیش از آن "
        f"و {number(after, '.1f', 'fa')} پس از آن",
    )


def from_complaint_handling(
    kpis: dict | pd.Series | None,
    codebook: Codebook,
    *,
    item: str | None,
    performance: pd.Series,
    close_days: float | None = None,
    language: str = "en",
) -> pd.DataFrame:
    """Complaint handling rated below the characteristics of the survey (flagged).

    ``kpis``: the wave's ISO 10002 indicators (:func:`csmlib.stats.complaints.kpis`, one row):
    ``handling_sat_mean`` / ``handling_sat_n``, ``first_contact_share``, ``close_within_target``;
    ``item``: the rating item that measures complaint handling (the wave file's
    ``feedback.complaint_handling``): the handling satisfaction is read on its scale, the finding
    joins it and goes to its department. Raised when the complainants' satisfaction with the
    handling falls at least a twentieth of the scale's range below the mean of the rated
    characteristics (gap score ≥ 0.5); the first-contact and closing rates are stated with it.
    """
    if kpis is None or item is None or item not in {i.id for i in codebook.items}:
        return _frame([])
    kpis = dict(kpis)
    handling = kpis.get("handling_sat_mean")
    if handling is None or pd.isna(handling):
        return _frame([])
    others = float(pd.Series(performance, dtype=float).drop(item, errors="ignore").mean())
    gap = gap_score(others - float(handling), item_range(codebook, item))
    if not gap >= 0.5:
        return _frame([])
    top = codebook.scales[codebook.item(item).scale].max
    en = [
        f"complainants rate the handling of their complaint {number(handling, '.2f', 'en')} of {top:g} "
        f"(n = {int(kpis.get('handling_sat_n') or 0)}), against {number(others, '.2f', 'en')} for the rated characteristics"
    ]
    fa = [
        f"شاکیان به رسیدگی به شکایتشان {number(handling, '.2f', 'fa')} از {number(top, 'g', 'fa')} داده‌اند "
        f"(n = {number(int(kpis.get('handling_sat_n') or 0), 'd', 'fa')})، در برابر {number(others, '.2f', 'fa')} برای ویژگی‌ها"
    ]
    first = kpis.get("first_contact_share")
    if first is not None and pd.notna(first):
        en.append(f"{number(first, '.0%', 'en')} of complaints resolved at the first contact")
        fa.append(f"{number(first, '.0%', 'fa')} شکایات در اولین تماس حل شده است")
    closed = kpis.get("close_within_target")
    if closed is not None and pd.notna(closed) and close_days:
        en.append(f"{number(closed, '.0%', 'en')} closed within {close_days:g} days")
        fa.append(f"{number(closed, '.0%', 'fa')} در {number(close_days, 'g', 'fa')} روز بسته شده است")
    row = _item_signal(
        codebook,
        item,
        language,
        source="complaints",
        kind="complaint_handling",
        flag=True,
        gap=gap,
        evidence=say(language, "; ".join(en), "؛ ".join(fa)),
        kpi=say(language, "complainants' satisfaction with the handling", "رضایت شاکیان از رسیدگی"),
        target=say(
            language,
            f"≥ {number(others, '.2f', 'en')} (the rated characteristics)",
            f"≥ {number(others, '.2f', 'fa')} (میانگین ویژگی‌ها)",
        ),
    )
    return _frame([row])


def from_reliability(
    dimensions: pd.DataFrame | None, *, threshold: float, owner: str = "Customer Experience", language: str = "en"
) -> pd.DataFrame:
    """Questionnaire dimensions whose α falls below the threshold (the survey owner must act).

    ``dimensions``: ``dimension`` and ``alpha`` per row; ``None`` or empty (no dimension with two
    items) gives no findings, and so does an α that could not be computed (NaN) or one from too
    few respondents to judge (a true ``small_sample`` column, as ``03_reliability`` saves it).
    Gap: the shortfall below the threshold, 0.1 in full.
    """
    if dimensions is None or dimensions.empty or not {"dimension", "alpha"} <= set(dimensions.columns):
        return _frame([])
    if "small_sample" in dimensions.columns:
        dimensions = dimensions[~dimensions["small_sample"].fillna(False).astype(bool)]
    rows = [
        signal(
            key=f"dimension:{rec.dimension}",
            source="reliability",
            kind="low_reliability",
            subject=rec.dimension,
            label=rec.dimension,
            department=owner,
            flag=True,
            gap=gap_score(threshold - rec.alpha, 1.0),
            evidence=say(
                language,
                f"the questions of “{rec.dimension}” do not measure one thing consistently "
                f"(Cronbach's α {number(rec.alpha, '.2f', 'en')}, below {number(threshold, '.2f', 'en')})",
                f"پرسش‌های «{rec.dimension}» یک مفهوم را یکدست نمی‌سنجند "
                f"(آلفای کرونباخ {number(rec.alpha, '.2f', 'fa')}، کمتر از {number(threshold, '.2f', 'fa')})",
            ),
            kpi=say(language, f"Cronbach's α of “{rec.dimension}”", f"آلفای کرونباخ «{rec.dimension}»"),
            target=f"≥ {number(threshold, '.2f', language)}",
        )
        for rec in dimensions.itertuples(index=False)
        if rec.alpha < threshold
    ]
    return _frame(rows)


def from_comments(
    themes: pd.DataFrame | None, codebook: Codebook, *, large: float = LARGE_THEME, alpha: float = 0.05, language: str = "en"
) -> pd.DataFrame:
    """Open-comment themes that a department must hear about.

    ``themes``: :func:`csmlib.stats.comments.themes_table` (as ``02_satisfaction`` saves it, optionally
    with ``suppressed``). A theme is flagged, routed to its codebook department, when it is
    **growing** (share up since the previous wave, ``change_p_adjusted`` < ``alpha``), **tied to
    lower satisfaction** (mentioners less satisfied overall than the other commenters,
    ``sat_p_adjusted`` < ``alpha``) or **large** (share ≥ ``large`` of the commenters), the first
    that applies giving ``kind``; the evidence states every reason. A theme whose share fell
    significantly is marked improved. Themes flagged ``too_small`` or ``suppressed`` and themes
    whose mentioners are significantly *more* satisfied (praise) are left out. Impact: the share
    against ``large``; trend: the relative rise of a growing theme.
    """
    rows: list[dict] = []
    if themes is None or themes.empty:
        return _frame(rows)

    def value(rec, name):
        v = rec.get(name)
        return float(v) if v is not None and pd.notna(v) else float("nan")

    for rec in themes.to_dict("records"):
        if bool(rec.get("too_small")) or bool(rec.get("suppressed")):
            continue
        share, change, change_p = value(rec, "share"), value(rec, "change"), value(rec, "change_p_adjusted")
        gap, gap_p = value(rec, "sat_difference"), value(rec, "sat_p_adjusted")
        if gap > 0 and gap_p < alpha:
            continue  # praise: mentioners are more satisfied
        growing = change > 0 and change_p < alpha
        shrinking = change < 0 and change_p < alpha
        dissatisfying = gap < 0 and gap_p < alpha
        big = share >= large
        if not (growing or dissatisfying or big or shrinking):
            continue
        n_c = int(rec.get("n_commenters") or 0)
        prev = value(rec, "share_previous")
        en = [f"mentioned by {share:.0%} of the {n_c:,} customers who wrote a comment"]
        fa = [f"در نظر {number(share, '.0%', 'fa')} از {number(n_c, ',d', 'fa')} مشتری که نظر نوشته‌اند آمده است"]
        if growing or shrinking:
            en.append(f"{'up' if growing else 'down'} from {prev:.0%} in the previous wave (a significant change)")
            fa.append(f"{'افزایش' if growing else 'کاهش'} از {number(prev, '.0%', 'fa')} در دوره قبل (تغییر معنادار)")
        if dissatisfying:
            en.append(
                f"they rate overall satisfaction {-gap:.2f} points lower than the other commenters "
                f"({value(rec, 'sat_mention'):.2f} against {value(rec, 'sat_other'):.2f})"
            )
            fa.append(
                f"آنان رضایت کلی را {number(-gap, '.2f', 'fa')} امتیاز کمتر از دیگران داده‌اند "
                f"({number(value(rec, 'sat_mention'), '.2f', 'fa')} در برابر {number(value(rec, 'sat_other'), '.2f', 'fa')})"
            )
        theme = str(rec["theme"])
        label, department = rec.get("label"), rec.get("department")
        label = label if isinstance(label, str) and label else codebook.theme_label(theme, language)
        kind = "growing_theme" if growing else "dissatisfying_theme" if dissatisfying else "large_theme" if big else "theme_fall"
        goal = prev if growing else min(share, large) if big and not dissatisfying else share
        rows.append(
            signal(
                key=theme_key(codebook, theme),
                source="comments",
                kind=kind,
                subject=theme,
                label=label,
                department=(
                    department
                    if isinstance(department, str) and department
                    else codebook.theme_department(theme) or "(unassigned)"
                ),
                flag=kind != "theme_fall",
                improved=shrinking,
                impact=share_impact(share, large),
                trend=min(1.0, change / prev) if growing and prev > 0 else math.nan,
                evidence=say(language, "; ".join(en), "؛ ".join(fa)),
                kpi=say(language, f"share of commenters mentioning “{label}”", f"سهم نظرهایی که به «{label}» اشاره دارند"),
                target=say(language, f"< {number(goal, '.0%', 'en')}", f"< {number(goal, '.0%', 'fa')}"),
            )
        )
    return _frame(rows)


def register(parts: dict[str, pd.DataFrame | None]) -> tuple[pd.DataFrame, list[str]]:
    """All signals of the wave in one table, and the sources that were missing.

    ``parts`` maps a source name to its signals (``None`` when that analysis is not available);
    :func:`csmlib.stats.findings.merge` makes the findings of them.
    """
    available = [df for df in parts.values() if df is not None and not df.empty]
    missing = [name for name, df in parts.items() if df is None]
    if not available:
        return _frame([]), missing
    return signals_frame(pd.concat(available, ignore_index=True).to_dict("records")), missing


def as_findings(table: pd.DataFrame | None) -> pd.DataFrame:
    """Signals saved by a report (e.g. ``04_kano``'s must-be list) back as signal rows.

    ``None`` or a table without rows gives an empty set (the analysis ran and found nothing),
    never a missing source.
    """
    if table is None or table.empty:
        return _frame([])
    return signals_frame(table.reindex(columns=COLUMNS).to_dict("records"))
