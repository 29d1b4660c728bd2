"""Feedback to departments: one register of the wave's findings, each routed to its owner.

ISO 10004 ends the measurement loop by sending results to the units that must act on them
("packaging complaints go to the packaging unit"), and ISO 10002 asks that recurring complaints
trigger corrective action. Each analysis contributes findings through one function here; each
function takes the tidy tables that analysis already produces and returns rows of the register:

==========  =================================================================
column      meaning
==========  =================================================================
source      the analysis (satisfaction, kano, drivers, complaints, reliability, comments)
kind        what was found (``significant_drop``, ``must_be_underperforming``, …)
subject     item, attribute, complaint category or action id
label       display label of the subject
department  owning department (codebook item or complaint-category mapping)
evidence    one sentence with the numbers behind the finding
priority    ``high`` / ``medium`` / ``low``
==========  =================================================================

Findings of an analysis that did not run (no complaints log, say) are simply absent;
:func:`register` reports which sources were missing.
"""

from __future__ import annotations

import pandas as pd

from csmlib.survey.codebook import Codebook

COLUMNS = ["source", "kind", "subject", "label", "department", "evidence", "priority"]
PRIORITY_ORDER = {"high": 0, "medium": 1, "low": 2}
SOURCES = ("satisfaction", "reliability", "kano", "drivers", "complaints", "comments")
LARGE_THEME = 0.10  # a comment theme mentioned by at least this share of commenters is a finding


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


def _say(language: str, english: str, persian: str) -> str:
    """The evidence sentence in the register's language (numbers get Persian digits when shown)."""
    return persian if language == "fa" else english


def _item_department(codebook: Codebook, item_id: str | None) -> str:
    if item_id is None:
        return "(unassigned)"
    try:
        return codebook.item(item_id).department or "(unassigned)"
    except KeyError:
        return "(unassigned)"


def from_item_changes(changes: pd.DataFrame | None, codebook: Codebook, *, language: str = "en") -> pd.DataFrame:
    """Significant drops versus the previous wave.

    ``changes``: one row per item with ``item``, ``current``, ``previous``, ``difference``,
    ``p_adjusted`` and ``significant`` (after the multiplicity correction).
    """
    rows = []
    if changes is None:  # first wave: nothing to compare with
        return _frame(rows)
    for rec in changes.itertuples(index=False):
        if bool(rec.significant) and rec.difference < 0:
            rows.append(
                {
                    "source": "satisfaction",
                    "kind": "significant_drop",
                    "subject": rec.item,
                    "label": codebook.label(rec.item, language),
                    "department": _item_department(codebook, rec.item),
                    "evidence": _say(
                        language,
                        f"mean {rec.previous:.2f} → {rec.current:.2f} ({rec.difference:+.2f}, adjusted p = {rec.p_adjusted:.3g})",
                        f"میانگین {rec.previous:.2f} → {rec.current:.2f} ({rec.difference:+.2f}، "
                        f"p اصلاح‌شده = {rec.p_adjusted:.3g})",
                    ),
                    "priority": "high",
                }
            )
    return _frame(rows)


def from_kano(
    kano_summary: pd.DataFrame, performance: pd.Series, codebook: Codebook, *, threshold: float, language: str = "en"
) -> pd.DataFrame:
    """Must-be attributes whose linked rating item performs below ``threshold``.

    ``kano_summary``: indexed by attribute id with a ``category`` column; ``performance``: the
    satisfaction score (e.g. mean 1-5) of each item; the link attribute → item is the codebook's
    ``kano.pairs[].item``. A must-be need that is not met causes dissatisfaction whatever else
    is done well, so these come first.
    """
    rows = []
    for pair in codebook.kano.pairs:
        if pair.id not in kano_summary.index or not pair.item or pair.item not in performance.index:
            continue
        category = kano_summary.loc[pair.id, "category"]
        score = float(performance[pair.item])
        if category == "M" and score < threshold:
            rows.append(
                {
                    "source": "kano",
                    "kind": "must_be_underperforming",
                    "subject": pair.id,
                    "label": codebook.label(pair.id, language),
                    "department": pair.department or _item_department(codebook, pair.item),
                    "evidence": _say(
                        language,
                        f"must-be attribute; satisfaction with {codebook.label(pair.item, language)} "
                        f"is {score:.2f} (below {threshold:.2f})",
                        f"ویژگی بایستی؛ رضایت از {codebook.label(pair.item, language)} {score:.2f} است (کمتر از {threshold:.2f})",
                    ),
                    "priority": "high",
                }
            )
    return _frame(rows)


def from_ipa(ipa_table: pd.DataFrame | None, codebook: Codebook, *, language: str = "en") -> pd.DataFrame:
    """Characteristics in the "concentrate here" quadrant (important, under-performing).

    ``ipa_table``: indexed by item (or with an ``item`` column, as saved) with ``quadrant``,
    ``importance`` and ``performance``; ``None`` or empty (no driver analysis could run) gives no
    findings.
    """
    rows = []
    if ipa_table is None or ipa_table.empty:
        return _frame(rows)
    if "item" in ipa_table.columns:
        ipa_table = ipa_table.set_index("item")
    for item, rec in ipa_table.iterrows():
        if rec["quadrant"] == "concentrate here":
            rows.append(
                {
                    "source": "drivers",
                    "kind": "concentrate_here",
                    "subject": item,
                    "label": codebook.label(item, language),
                    "department": _item_department(codebook, item),
                    "evidence": _say(
                        language,
                        f"importance {rec['importance']:.3f} above the crosshair, performance {rec['performance']:.2f} below it",
                        f"اهمیت {rec['importance']:.3f} بالاتر از میانه و عملکرد {rec['performance']:.2f} پایین‌تر از آن",
                    ),
                    "priority": "medium",
                }
            )
    return _frame(rows)


def _category_department(codebook: Codebook, category: str) -> str:
    spec = codebook.complaints.categories.get(category)
    return spec.department if spec else "(unassigned)"


def _category_label(codebook: Codebook, category: str, language: str) -> str:
    from csmlib.survey.codebook import pick_label

    spec = codebook.complaints.categories.get(category)
    return pick_label(spec.label, language, category) if spec and spec.label else category


def from_complaints(
    codebook: Codebook,
    *,
    recurring: pd.DataFrame | None = None,
    spikes: pd.DataFrame | None = None,
    actions: pd.DataFrame | None = None,
    language: str = "en",
) -> pd.DataFrame:
    """Recurring problems, spiking categories and ineffective corrective actions.

    ``recurring``: ``category``, ``product``, ``count``, ``periods`` (number of waves it came
    back in); ``spikes``: ``category``, ``observed``, ``expected``, ``p_value``, ``flag``;
    ``actions``: ``action_id``, ``category``, ``department``, ``verdict`` and ``evidence``.
    """
    rows = []
    if recurring is not None:
        for rec in recurring.itertuples(index=False):
            rows.append(
                {
                    "source": "complaints",
                    "kind": "recurring_complaint",
                    "subject": f"{rec.category} / {rec.product}",
                    "label": f"{_category_label(codebook, rec.category, language)} — {rec.product}",
                    "department": _category_department(codebook, rec.category),
                    "evidence": _say(
                        language,
                        f"{int(rec.count)} complaints this wave; recurring in {int(rec.periods)} waves",
                        f"{int(rec.count)} شکایت در این دوره؛ تکرار در {int(rec.periods)} دوره",
                    ),
                    "priority": "high",
                }
            )
    if spikes is not None:
        for rec in spikes.itertuples(index=False):
            if bool(rec.flag):
                rows.append(
                    {
                        "source": "complaints",
                        "kind": "complaint_spike",
                        "subject": rec.category,
                        "label": _category_label(codebook, rec.category, language),
                        "department": _category_department(codebook, rec.category),
                        "evidence": _say(
                            language,
                            f"{int(rec.observed)} complaints against {rec.expected:.1f} expected "
                            f"from earlier waves (p = {rec.p_value:.3g})",
                            f"{int(rec.observed)} شکایت در برابر {rec.expected:.1f} مورد انتظار "
                            f"از دوره‌های پیشین (p = {rec.p_value:.3g})",
                        ),
                        "priority": "medium",
                    }
                )
    if actions is not None:
        for rec in actions.itertuples(index=False):
            if rec.verdict == "not effective":
                rows.append(
                    {
                        "source": "complaints",
                        "kind": "ineffective_action",
                        "subject": rec.action_id,
                        "label": f"{rec.action_id} ({_category_label(codebook, rec.category, language)})",
                        "department": rec.department or _category_department(codebook, rec.category),
                        "evidence": _action_evidence(rec, language),
                        "priority": "high",
                    }
                )
    return _frame(rows)


def _action_evidence(rec, language: str) -> str:
    """Why a corrective action is judged not effective (csmlib.stats.complaints.action_effectiveness)."""
    numbers = ("rate_before", "rate_after", "count_before", "count_after", "rate_ratio", "p_value")
    if language != "fa" or not all(hasattr(rec, n) for n in numbers):
        return rec.evidence
    return (
        f"کاهش معناداری در نرخ شکایت دیده نمی‌شود: {rec.rate_before:.2f} → {rec.rate_after:.2f} در دوره‌های ۳۰ روزه "
        f"({int(rec.count_before)} شکایت پیش و {int(rec.count_after)} شکایت پس از اقدام؛ "
        f"نسبت نرخ {rec.rate_ratio:.2f}، p یک‌طرفه = {rec.p_value:.3g})"
    )


def from_reliability(
    dimensions: pd.DataFrame | None, *, threshold: float, owner: str = "Customer Experience", language: str = "en"
) -> pd.DataFrame:
    """Questionnaire dimensions whose α falls below the threshold (the survey owner must act).

    ``dimensions``: ``dimension`` and ``alpha`` per row; ``None`` or empty (no dimension with two
    items) gives no findings, and so does an α that could not be computed (NaN) or one from too
    few respondents to judge (a true ``small_sample`` column, as ``03_reliability`` saves it).
    """
    if dimensions is None or dimensions.empty or not {"dimension", "alpha"} <= set(dimensions.columns):
        return _frame([])
    if "small_sample" in dimensions.columns:
        dimensions = dimensions[~dimensions["small_sample"].fillna(False).astype(bool)]
    rows = [
        {
            "source": "reliability",
            "kind": "low_reliability",
            "subject": rec.dimension,
            "label": rec.dimension,
            "department": owner,
            "evidence": _say(
                language,
                f"Cronbach's α = {rec.alpha:.2f} (threshold {threshold:.2f})",
                f"آلفای کرونباخ = {rec.alpha:.2f} (آستانه {threshold:.2f})",
            ),
            "priority": "low",
        }
        for rec in dimensions.itertuples(index=False)
        if rec.alpha < threshold
    ]
    return _frame(rows)


def from_comments(
    themes: pd.DataFrame | None, codebook: Codebook, *, large: float = LARGE_THEME, alpha: float = 0.05, language: str = "en"
) -> pd.DataFrame:
    """Open-comment themes that a department must hear about.

    ``themes``: :func:`csmlib.stats.comments.themes_table` (as ``02_satisfaction`` saves it, optionally
    with ``suppressed``). A theme becomes one finding, routed to its codebook department, when it
    is **growing** (share up since the previous wave, ``change_p_adjusted`` < ``alpha``: priority
    high), **tied to lower satisfaction** (mentioners less satisfied overall than the other
    commenters, ``sat_p_adjusted`` < ``alpha``: medium) or **large** (share ≥ ``large`` of the
    commenters: low), the first that applies giving ``kind`` and priority; the evidence states
    every reason. Themes flagged ``too_small`` or ``suppressed`` (fewer mentions than the minimum
    base) and themes whose mentioners are significantly *more* satisfied (praise) are left out.
    """
    rows = []
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
        dissatisfying = gap < 0 and gap_p < alpha
        big = share >= large
        if not (growing or dissatisfying or big):
            continue
        n_c = int(rec.get("n_commenters") or 0)
        en = [f"mentioned by {share:.0%} of the {n_c:,} customers who wrote a comment"]
        fa = [f"در نظر {share:.0%} از {n_c:,} مشتری که نظر نوشته‌اند آمده است"]
        if growing:
            prev = value(rec, "share_previous")
            en.append(f"up from {prev:.0%} in the previous wave (adjusted p = {change_p:.3g})")
            fa.append(f"افزایش از {prev:.0%} در دوره قبل (p اصلاح‌شده = {change_p:.3g})")
        if dissatisfying:
            en.append(
                f"those who mention it rate overall satisfaction {-gap:.2f} points lower than other commenters "
                f"({value(rec, 'sat_mention'):.2f} vs {value(rec, 'sat_other'):.2f}, adjusted p = {gap_p:.3g})"
            )
            fa.append(
                f"کسانی که به آن اشاره کرده‌اند رضایت کلی را {-gap:.2f} امتیاز کمتر از دیگران داده‌اند "
                f"({value(rec, 'sat_mention'):.2f} در برابر {value(rec, 'sat_other'):.2f}، p اصلاح‌شده = {gap_p:.3g})"
            )
        kind, priority = (
            ("growing_theme", "high")
            if growing
            else ("dissatisfying_theme", "medium")
            if dissatisfying
            else ("large_theme", "low")
        )
        theme = str(rec["theme"])
        label, department = rec.get("label"), rec.get("department")
        rows.append(
            {
                "source": "comments",
                "kind": kind,
                "subject": theme,
                "label": label if isinstance(label, str) and label else codebook.theme_label(theme, language),
                "department": (
                    department
                    if isinstance(department, str) and department
                    else codebook.theme_department(theme) or "(unassigned)"
                ),
                "evidence": _say(language, "; ".join(en), "؛ ".join(fa)),
                "priority": priority,
            }
        )
    return _frame(rows)


def register(parts: dict[str, pd.DataFrame | None]) -> tuple[pd.DataFrame, list[str]]:
    """One register of all findings, ordered by priority then department; and missing sources.

    ``parts`` maps a source name to its findings (``None`` when that analysis is not available).
    Each finding gets a stable id ``F-<source>-<n>``.
    """
    available = [df for df in parts.values() if df is not None and not df.empty]
    missing = [name for name, df in parts.items() if df is None]
    if not available:
        return _frame([]).assign(id=pd.Series(dtype="string")), missing
    found = pd.concat(available, ignore_index=True)
    found = found.sort_values(
        by=["priority", "department", "source", "subject"],
        key=lambda s: s.map(PRIORITY_ORDER) if s.name == "priority" else s,
        kind="stable",
    ).reset_index(drop=True)
    found.insert(0, "id", [f"F-{i + 1:03d}" for i in range(len(found))])
    return found, missing


def as_findings(table: pd.DataFrame | None) -> pd.DataFrame:
    """Findings saved by a report (e.g. ``04_kano``'s must-be list) back as register rows.

    ``None`` or a table without rows gives an empty set of findings (the analysis ran and found
    nothing), never a missing source.
    """
    if table is None or table.empty:
        return _frame([])
    return table.reindex(columns=COLUMNS)
