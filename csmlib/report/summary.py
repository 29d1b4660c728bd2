"""The executive summary in words: headline cards, alerts and the one-sentence conclusion.

Everything here reads the results the reports saved (plain dicts from their JSON side files) and
returns text in the report language; :mod:`csmlib.report.tables` puts it on the page. The
statistics behind each statement were computed by the reports themselves — the same estimate,
interval and p-value appear here as on the report's page:

- a change versus the previous wave is the satisfaction report's test (``change``);
- a change versus an older wave is a z-test on the two saved standard errors (independent
  samples), stated as such;
- a benchmark gap is significant when the benchmark lies outside our confidence interval
  (:func:`csmlib.stats.headline.competitor_gaps`).

Higher is better for every headline metric (mean satisfaction, CSAT, NPS, the CSI, and customer
effort asked as agreement that "the company made it easy", CES 2.0).
"""

from __future__ import annotations

import math

import pandas as pd
from scipy import stats

from csmlib.core.text import localize
from csmlib.report.tables import fmt_p
from csmlib.stats import headline as hl

#: Decimals of each headline metric on the page.
DECIMALS = {"overall_mean": ".2f", "csat": ".1f", "nps": ".1f", "ces_mean": ".2f", "csi": ".1f"}

_WORDS = {
    "en": {
        "vs": "vs",
        "significant": "significant",
        "not_significant": "no significant change",
        "target": "target",
        "met": "met",
        "missed": "missed",
        "scale_points": "on a scale from −100 to +100",
        "scale_pct": "% of customers",
        "scale_index": "index from 0 to 100",
        "scale_range": "on a {range} scale",
        "ci": "95 % range",
    },
    "fa": {
        "vs": "نسبت به",
        "significant": "معنادار",
        "not_significant": "بدون تغییر معنادار",
        "target": "هدف",
        "met": "محقق شد",
        "missed": "محقق نشد",
        "scale_points": "در بازه −۱۰۰ تا +۱۰۰",
        "scale_pct": "٪ مشتریان",
        "scale_index": "شاخص ۰ تا ۱۰۰",
        "scale_range": "در مقیاس {range}",
        "ci": "بازه ۹۵٪",
    },
}


def _num(value: float, spec: str, language: str, sign: bool = False) -> str:
    text = format(float(value), ("+" if sign else "") + spec)
    if text.lstrip("+-") == format(0.0, spec):  # no "-0.0" / "+0.0"
        text = text.lstrip("+-")
    return localize(text.replace("-", "−"), language)


def scale_text(metric: str, unit: str, language: str = "en") -> str:
    """What a metric's number is out of, in plain words.

    >>> scale_text("overall_mean", "1–5"), scale_text("nps", "points"), scale_text("csat", "%")
    ('on a 1–5 scale', 'on a scale from −100 to +100', '% of customers')
    """
    words = _WORDS[language]
    if unit == "points":
        return words["scale_points"]
    if unit == "%":
        return words["scale_pct"]
    if unit == "0–100" and metric == "csi":
        return words["scale_index"]
    return words["scale_range"].format(range=localize(str(unit), language))


def _records(saved: dict | None, key: str, index: str = "metric") -> dict[str, dict]:
    """Rows of a saved table keyed by ``index``; the table may also be the live DataFrame."""
    rows = (saved or {}).get(key)
    if isinstance(rows, pd.DataFrame):
        rows = (rows if index in rows.columns else rows.reset_index(names=index)).to_dict("records")
    return {str(r[index]): r for r in rows or [] if isinstance(r, dict) and index in r}


def headline_cards(saved: dict, language: str = "en", *, alpha: float = 0.05) -> list[dict]:
    """One card per headline metric of the satisfaction report's saved results.

    ``saved`` is the satisfaction report's results (its JSON, or the same keys holding the live
    DataFrames). Each card: ``label``, ``value``, ``scale``, ``ci``, ``note`` (the CSAT cut-off),
    ``change`` (difference versus the previous
    wave and whether it is significant at ``alpha``), ``change_tone`` (``bad`` for a significant
    drop, ``good`` for a significant rise), ``target`` (the target value, met or missed) and
    ``tone`` (the target's status colour).

    >>> saved = {"headline": [{"metric": "csat", "estimate": 71.24, "ci_low": 68.9, "ci_high": 73.5, "unit": "%"}],
    ...          "change": [{"metric": "csat", "difference": -3.1, "p_value": 0.004}], "previous_wave": "2026Q2",
    ...          "targets": [{"metric": "csat", "target": 75.0, "met": False}]}
    >>> card = headline_cards(saved)[0]
    >>> card["value"], card["change"], card["target"], card["tone"]
    ('71.2', '▼ −3.1 vs 2026Q2 · significant (p = 0.004)', 'target 75.0 · missed', 'bad')
    """
    words = _WORDS[language]
    names = hl.LABELS[language]
    change = _records(saved, "change")
    targets = _records(saved, "targets")
    cards = []
    for metric, rec in _records(saved, hl.RESULTS_KEY).items():
        spec = DECIMALS.get(metric, ".2f")
        card = {
            "label": names.get(metric, metric),
            "value": _num(rec["estimate"], spec, language),
            "scale": scale_text(metric, str(rec.get("unit", "")), language),
            "ci": f"{words['ci']} {_num(rec['ci_low'], spec, language)}–{_num(rec['ci_high'], spec, language)}"
            if _finite(rec.get("ci_low")) and _finite(rec.get("ci_high"))
            else "",
            "change": "",
            "change_tone": "",
            "target": "",
            "tone": "",
        }
        cut = ((saved or {}).get("cutoffs") or {}).get("csat")
        if metric == "csat" and _finite(cut):
            card["note"] = (
                f"answers of {_num(cut, 'g', language)} or more count as satisfied"
                if language == "en"
                else f"پاسخ {_num(cut, 'g', language)} و بالاتر راضی شمرده می‌شود"
            )
        row = change.get(metric)
        if row is not None and _finite(row.get("difference")):
            p = row.get("p_value")
            arrow = hl.arrow(row, alpha=alpha)
            significant = arrow != "→"
            verdict = f"{words['significant']} ({p_text(p, language)})" if significant else words["not_significant"]
            card["change"] = (
                f"{arrow} {_num(row['difference'], spec, language, sign=True)} {words['vs']} {saved.get('previous_wave')} · {verdict}"
            )
            card["change_tone"] = ("good" if row["difference"] > 0 else "bad") if significant else ""
        target = targets.get(metric)
        if target is not None and _finite(target.get("target")):
            met = bool(target.get("met"))
            card["target"] = f"{words['target']} {_num(target['target'], spec, language)} · {words['met' if met else 'missed']}"
            card["tone"] = "good" if met else "bad"
        cards.append(card)
    return cards


def _finite(value) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def p_text(value: float, language: str = "en", *, adjusted: bool = False) -> str:
    """``p < 0.001`` or ``p = 0.004``; ``adjusted p …`` for a p-value adjusted for multiple tests
    (say which one is shown: the same adjusted p-value wherever a finding appears).

    >>> p_text(0.0042), p_text(2.06e-06, adjusted=True)
    ('p = 0.004', 'adjusted p < 0.001')
    """
    name = ("adjusted p" if language == "en" else "p تعدیل‌شده") if adjusted else "p"
    shown = fmt_p(value, language)  # the tables' rule: "< 0.001" below it, else three decimals
    return f"{name} {shown}" if shown.startswith("<") else f"{name} = {shown}"


def drops_since(saved: dict, history: dict[str, dict], *, alpha: float = 0.05) -> pd.DataFrame:
    """Significant falls of each headline metric versus every earlier wave in ``history``.

    Versus the previous wave the satisfaction report's own test is used (``change``); versus an
    older wave, a two-sided z-test on the difference with the two saved standard errors
    (independent samples). Columns: metric, wave, then, now, difference, p_value — the largest
    significant fall per metric, largest first.

    >>> now = {"headline": [{"metric": "nps", "estimate": 20.3, "se": 2.0}], "previous_wave": "2026Q2", "change": []}
    >>> old = {"2026Q1": {"headline": [{"metric": "nps", "estimate": 33.3, "se": 2.1}]}}
    >>> drops_since(now, old)[["metric", "wave", "difference"]].round(1).to_dict("records")
    [{'metric': 'nps', 'wave': '2026Q1', 'difference': -13.0}]
    """
    current = _records(saved, hl.RESULTS_KEY)
    change = _records(saved, "change")
    rows = []
    for wave, earlier in history.items():
        for metric, then in _records(earlier, hl.RESULTS_KEY).items():
            now = current.get(metric)
            if now is None or not (_finite(now.get("estimate")) and _finite(then.get("estimate"))):
                continue
            difference = float(now["estimate"]) - float(then["estimate"])
            if wave == saved.get("previous_wave") and metric in change:
                p = change[metric].get("p_value")
                difference = change[metric].get("difference", difference)
            elif _finite(now.get("se")) and _finite(then.get("se")) and (now["se"] > 0 or then["se"] > 0):
                z = difference / math.hypot(float(now["se"]), float(then["se"]))
                p = float(2 * stats.norm.sf(abs(z)))
            else:
                continue
            if _finite(p) and p < alpha and difference < 0:
                rows.append(
                    {
                        "metric": metric,
                        "wave": wave,
                        "then": float(then["estimate"]),
                        "now": float(now["estimate"]),
                        "difference": float(difference),
                        "p_value": float(p),
                    }
                )
    out = pd.DataFrame(rows, columns=["metric", "wave", "then", "now", "difference", "p_value"])
    if out.empty:
        return out
    out = out.sort_values("difference").drop_duplicates("metric").reset_index(drop=True)
    return out


def alerts(saved: dict, history: dict[str, dict], language: str = "en", *, alpha: float = 0.05) -> list[str]:
    """Plain sentences for a manager: significant falls (versus any earlier wave) and significant
    gaps below a benchmark. Markdown; numbers in the report language."""
    names = hl.LABELS[language]
    out = []
    for r in drops_since(saved, history, alpha=alpha).itertuples():
        spec = DECIMALS.get(r.metric, ".2f")
        now, then, diff = (_num(v, spec, language) for v in (r.now, r.then, abs(r.difference)))
        out.append(
            f"**{names.get(r.metric, r.metric)}** {now}: {diff} below {r.wave} ({then}), a significant fall ({p_text(r.p_value, language)})."
            if language == "en"
            else f"**{names.get(r.metric, r.metric)}** {now}: {diff} کمتر از {r.wave} ({then})؛ کاهش معنادار ({p_text(r.p_value, language)})."
        )
    for gap in (saved or {}).get("competitors") or []:
        if not gap.get("significant") or not _finite(gap.get("gap")) or gap["gap"] >= 0:
            continue
        spec = DECIMALS.get(gap["metric"], ".2f")
        ours, value = _num(gap["ours"], spec, language), _num(gap["value"], spec, language)
        label = names.get(gap["metric"], gap["metric"])
        out.append(
            f"**{label}** {ours} is significantly below the benchmark “{gap['benchmark']}” ({value})."
            if language == "en"
            else f"**{label}** {ours} به‌طور معنادار کمتر از مرجع «{gap['benchmark']}» ({value}) است."
        )
    return out


def conclusion(saved: dict | None, fix_first: dict | None = None, language: str = "en", *, alpha: float = 0.05) -> str:
    """One sentence: how customers feel, whether it changed, and what to fix first.

    ``fix_first`` is the top finding (``label`` and ``owner``) of the feedback register, if any.
    How customers feel is said with CSAT when the survey has it, else the mean overall
    satisfaction, else the satisfaction index.

    >>> saved = {"headline": [{"metric": "csat", "estimate": 71.2, "unit": "%"}], "previous_wave": "2026Q2",
    ...          "change": [{"metric": "csat", "difference": -3.1, "p_value": 0.004}]}
    >>> conclusion(saved, {"label": "Delivery speed", "owner": "Logistics"})
    '71.2 % of customers are satisfied, a significant fall of 3.1 points since 2026Q2; fix first: Delivery speed (Logistics).'
    """
    en = language != "fa"
    head = _records(saved, hl.RESULTS_KEY)
    metric = next((m for m in ("csat", "overall_mean", "csi") if m in head and _finite(head[m].get("estimate"))), None)
    parts = []
    if metric is None:
        parts.append("There is no headline measure of satisfaction this wave" if en else "این دوره شاخص اصلی رضایت ندارد")
    else:
        rec = head[metric]
        value = _num(rec["estimate"], DECIMALS[metric], language)
        if metric == "csat":
            parts.append(f"{value} % of customers are satisfied" if en else f"{value}٪ مشتریان راضی‌اند")
        elif metric == "overall_mean":
            scale = localize(str(rec.get("unit", "")), language)
            parts.append(
                f"Customers rate their overall satisfaction {value} on a {scale} scale"
                if en
                else f"میانگین رضایت کلی مشتریان {value} در مقیاس {scale} است"
            )
        else:
            parts.append(f"The satisfaction index is {value} of 100" if en else f"شاخص رضایت {value} از ۱۰۰ است")
        row = _records(saved, "change").get(metric)
        previous = (saved or {}).get("previous_wave")
        if row is not None and previous and _finite(row.get("difference")):
            p = row.get("p_value")
            unit = " points" if metric in ("csat", "csi") else ""
            size = _num(abs(row["difference"]), DECIMALS[metric], language)
            if _finite(p) and p < alpha:
                rise = row["difference"] > 0
                parts[-1] += (
                    f", a significant {'rise' if rise else 'fall'} of {size}{unit} since {previous}"
                    if en
                    else f"، {'افزایش' if rise else 'کاهش'} معنادار {size} {'واحد ' if unit else ''}نسبت به {previous}"
                )
            else:
                parts[-1] += f", no significant change since {previous}" if en else f"، بدون تغییر معنادار نسبت به {previous}"
    if fix_first:
        owner = f" ({fix_first['owner']})" if fix_first.get("owner") else ""
        parts.append(f"fix first: {fix_first['label']}{owner}" if en else f"اولویت اول: {fix_first['label']}{owner}")
    return ("; " if en else "؛ ").join(parts) + "."


#: Kano classes in a manager's words, with the technical term for small print.
KANO_PLAIN = {
    "en": {
        "M": ("Basic expectations — missing them angers customers, meeting them earns no praise", "must-be"),
        "O": ("The more the better — satisfaction rises with every improvement", "one-dimensional"),
        "A": ("Delighters — unexpected, they please; absent, nobody minds", "attractive"),
        "I": ("Makes little difference to customers", "indifferent"),
        "R": ("Customers would rather not have it", "reverse"),
        "Q": ("Contradictory answers", "questionable"),
    },
    "fa": {
        "M": ("انتظارهای پایه — نبودشان مشتری را ناراضی می‌کند و بودشان تحسینی ندارد", "بایستی"),
        "O": ("هرچه بیشتر بهتر — رضایت با هر بهبود بالا می‌رود", "تک‌بعدی"),
        "A": ("شگفت‌انگیزها — بودشان خوشحال می‌کند و نبودشان ناراحت نمی‌کند", "جذاب"),
        "I": ("برای مشتری تفاوت چندانی ندارد", "بی‌تفاوت"),
        "R": ("مشتری ترجیح می‌دهد نباشد", "معکوس"),
        "Q": ("پاسخ‌های متناقض", "مشکوک"),
    },
}


#: What to do about the attributes of each Kano class (the Kano report's "what this means").
KANO_ADVICE = {
    "en": {
        "M": "Keep them at standard for every customer before investing elsewhere.",
        "O": "Improve them where the gain in satisfaction is worth the cost.",
        "A": "A chance to stand out: offer them where it pays.",
        "I": "Do not invest in them.",
        "R": "Reconsider offering them, or offer them as an option.",
        "Q": "Check the wording of the questions.",
    },
    "fa": {
        "M": "پیش از سرمایه‌گذاری در جای دیگر، آن‌ها را برای همه مشتریان در سطح استاندارد نگه دارید.",
        "O": "هرجا افزایش رضایت به هزینه‌اش می‌ارزد بهبودشان دهید.",
        "A": "فرصتی برای تمایز: هرجا به صرفه است ارائه‌شان کنید.",
        "I": "روی آن‌ها سرمایه‌گذاری نکنید.",
        "R": "در ارائه آن‌ها بازنگری کنید یا اختیاری‌شان کنید.",
        "Q": "عبارت پرسش‌ها را بررسی کنید.",
    },
}


def kano_lines(summary: pd.DataFrame, label, language: str = "en", *, advice: bool = False) -> list[str]:
    """Markdown bullet lines: the attributes of each Kano class, in plain words, basic expectations
    first (every class that has attributes is listed — the must-be ones included).

    ``summary`` has ``attribute`` and ``category`` columns; ``label`` maps an attribute id to its
    label. ``advice=True`` ends each line with what to do about the class (:data:`KANO_ADVICE`).

    >>> kano_lines(pd.DataFrame({"attribute": ["a", "b"], "category": ["A", "M"]}), str.upper)[0]
    '- **Basic expectations — missing them angers customers, meeting them earns no praise** (Kano: must-be): B'
    >>> kano_lines(pd.DataFrame({"attribute": ["a"], "category": ["I"]}), str.upper, advice=True)
    ['- **Makes little difference to customers** (Kano: indifferent): A. Do not invest in them.']
    """
    words = KANO_PLAIN[language]
    sep = ", " if language == "en" else "، "
    lines = []
    for category in words:
        part = summary[summary["category"] == category]
        if len(part):
            plain, term = words[category]
            line = f"- **{plain}** (Kano: {term}): " + sep.join(label(a) for a in part["attribute"])
            lines.append(line + (". " + KANO_ADVICE[language][category] if advice else ""))
    return lines


def kano_meaning(
    summary: pd.DataFrame,
    label,
    language: str = "en",
    *,
    underperforming: pd.DataFrame | None = None,
    bar: float | None = None,
    owner=None,
) -> list[str]:
    """What the Kano results mean, as Markdown bullet lines: first the must-be attributes that
    perform below ``bar`` (fix them first), or a line saying none does, then every class present
    with its attributes and what to do (:func:`kano_lines` with advice).

    ``summary`` as for :func:`kano_lines`; ``underperforming``: the must-be attributes rated
    below ``bar`` (``label`` and ``department`` columns, as
    :func:`csmlib.stats.feedback.from_kano`); ``bar``: the average characteristic
    (:func:`csmlib.stats.headline.average_characteristic`); ``owner`` maps a department to its label.

    >>> kano = pd.DataFrame({"attribute": ["inv", "eco"], "category": ["M", "A"]})
    >>> lines = kano_meaning(kano, str.title, underperforming=pd.DataFrame({"label": ["Invoice"], "department": ["finance"]}),
    ...                      bar=7.85, owner=str.title)
    >>> lines[0]
    '- **Invoice** is a must-be need and performs below the average characteristic (7.85): fix it first (Finance).'
    >>> len(lines), lines[1].startswith("- **Basic expectations")
    (3, True)
    """
    en = language == "en"
    lines = []
    for rec in (underperforming if underperforming is not None else pd.DataFrame()).itertuples(index=False):
        who = owner(rec.department) if owner else rec.department
        value = _num(bar, ".2f", language) if _finite(bar) else "–"
        lines.append(
            f"- **{rec.label}** is a must-be need and performs below the average characteristic ({value}): fix it first ({who})."
            if en
            else f"- **{rec.label}** نیاز بایستی است و عملکرد آن از میانگین ویژگی‌ها ({value}) کمتر است: اولویت اول ({who})."
        )
    if not lines and (summary["category"] == "M").any() and _finite(bar):
        value = _num(bar, ".2f", language)
        lines.append(
            f"- No must-be attribute is rated below the average characteristic ({value})."
            if en
            else f"- هیچ ویژگی بایستی‌ای امتیازی کمتر از میانگین ویژگی‌ها ({value}) ندارد."
        )
    return lines + kano_lines(summary, label, language, advice=True)


def kano_change_lines(changes: pd.DataFrame | None, label, language: str = "en") -> list[str]:
    """Markdown bullet lines: the attributes whose Kano class changed since the previous wave, in
    plain words (:data:`KANO_PLAIN`).

    ``changes``: the Kano report's saved ``change_vs_previous`` table (``attribute``,
    ``category_a`` in that wave, ``category_b`` now, ``changed``); only the rows marked ``changed`` are
    listed. ``label`` maps an attribute id to its label.

    >>> moved = pd.DataFrame({"attribute": ["eco", "inv"], "category_a": ["A", "M"], "category_b": ["I", "M"],
    ...                       "changed": [True, False]})
    >>> kano_change_lines(moved, str.title)
    ['- Changed since the previous wave: **Eco** (from “Delighters — unexpected, they please; absent, nobody minds” \
to “Makes little difference to customers”)']
    """
    if changes is None or not len(changes):
        return []
    plain = {c: text for c, (text, _) in KANO_PLAIN[language].items()}
    moved = changes[changes["changed"].fillna(False).astype(bool)]
    return [
        f"- Changed since the previous wave: **{label(r.attribute)}** (from “{plain[r.category_a]}” to “{plain[r.category_b]}”)"
        if language == "en"
        else f"- تغییر نسبت به دوره قبل: **{label(r.attribute)}** (از «{plain[r.category_a]}» به «{plain[r.category_b]}»)"
        for r in moved.itertuples()
    ]


def unmet_basics_lines(underperforming: pd.DataFrame | None, owner=None, language: str = "en") -> list[str]:
    """Markdown bullet lines: each must-be attribute rated below the average characteristic (the
    Kano report's ``must_be_underperforming``: ``label``, ``department``), with the department
    that owns it (through ``owner`` when given).

    >>> unmet_basics_lines(pd.DataFrame({"label": ["Invoice"], "department": ["finance"]}), str.title)
    ['- A basic expectation we do not meet: **Invoice** (Finance)']
    """
    if underperforming is None:
        return []
    lines = []
    for r in underperforming.itertuples():
        who = owner(r.department) if owner else r.department
        lines.append(
            f"- A basic expectation we do not meet: **{r.label}** ({who})"
            if language == "en"
            else f"- انتظار پایه‌ای که برآورده نمی‌شود: **{r.label}** ({who})"
        )
    return lines


def drivers_outcome(saved: dict | None) -> tuple[list[str], str]:
    """What the key-driver report found: its drivers in order of importance, and why there are
    none.

    ``saved``: the drivers report's results. The drivers are its ``order`` when the analysis ran
    (results available, with an order); otherwise the list is empty and the reason is the one
    the report saved ("" when it saved none, or when there are no results at all: nothing ran
    that could explain itself).

    >>> drivers_outcome({"order": ["speed", "price"]})
    (['speed', 'price'], '')
    >>> drivers_outcome({"available": False, "reason": "no overall question"}), drivers_outcome(None)
    (([], 'no overall question'), ([], ''))
    """
    if saved and saved.get("available", True) and saved.get("order"):
        return list(saved["order"]), ""
    return [], str(saved.get("reason") or "") if saved else ""


def top_findings(register: pd.DataFrame | None, k: int = 3, owner_label=None) -> pd.DataFrame:
    """The ``k`` open findings of the feedback register that come first (highest priority score).

    ``owner`` is the finding's department, through ``owner_label`` (the codebook's department
    labels) when given. An empty frame when there is no register.

    >>> reg = pd.DataFrame({"id": ["F-001", "F-002"], "label": ["Packaging", "Delivery speed"],
    ...                     "department": ["packaging", "logistics"], "score": [40.0, 90.0], "status": ["new", "continuing"]})
    >>> top_findings(reg, k=1, owner_label=str.title)[["id", "label", "owner"]].to_dict("records")
    [{'id': 'F-002', 'label': 'Delivery speed', 'owner': 'Logistics'}]
    """
    if register is None or not len(register):
        return pd.DataFrame(columns=["label", "owner"])
    reg = register.copy()
    if "status" in reg:
        reg = reg[reg["status"] != "resolved"]
    if "score" in reg:
        reg = reg.sort_values("score", ascending=False, kind="stable")
    if "label" not in reg:
        for name in ("problem", "title", "finding"):
            if name in reg:
                reg["label"] = reg[name]
                break
    if "owner" not in reg and "department" in reg:
        reg["owner"] = [owner_label(d) if owner_label else d for d in reg["department"]]
    return reg.head(k).reset_index(drop=True)


_FINDING_COLUMNS = {
    "en": {
        "id": "Id",
        "label": "Problem",
        "owner": "Owner",
        "priority": "Priority",
        "action": "Recommended action",
        "kpi": "How we will know",
        "due": "Due",
    },
    "fa": {
        "id": "شناسه",
        "label": "مسئله",
        "owner": "مسئول",
        "priority": "اولویت",
        "action": "اقدام پیشنهادی",
        "kpi": "نشانه رفع",
        "due": "سررسید",
    },
}


def findings_for_managers(findings: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """The top findings as a table for managers: the columns above that exist, headed in the report language."""
    names = _FINDING_COLUMNS[language]
    keep = [c for c in names if c in findings]
    return findings[keep].rename(columns=names)
