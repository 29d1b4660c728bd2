"""Showing results in a report notebook: formatted tables, headline cards, notes.

Only presentation: numbers come from the statistics modules. Tables are rendered as HTML
with numbers formatted for the report language (Persian digits for ``fa``).

Every text shown here (labels, segment values, titles, ids, raw values, sentences) is untrusted
and escaped by construction: tables escape every cell, header, index entry and caption;
``say``/``note``/``alert`` read their text as Markdown whose raw HTML is escaped and whose links
are limited to safe schemes (:func:`csmlib.report.render.markdown_html`); cards escape each field. The
only HTML displayed is built in this module with :class:`markupsafe.Markup`, and everything is
displayed through :func:`_show`.
"""

from __future__ import annotations

import base64
import datetime as dt
import re

import numpy as np
import pandas as pd
from IPython.display import HTML, display
from markupsafe import Markup

from csmlib.report.render import escape, markdown_html
from csmlib.core.dates import format_date
from csmlib.core.text import localize

# Table headers and recurring cell words in Persian reports (other text comes from the
# notebooks' T("English", "فارسی") calls and from the codebook's labels).
FA_WORDS = {
    "theme": "موضوع",
    "mentions": "تعداد اشاره",
    "sat_mention": "رضایت اشاره‌کنندگان",
    "sat_other": "رضایت دیگران",
    "change": "تغییر",
    "quote": "نقل قول",
    "term": "واژه",
    "n_comments": "تعداد نظر",
    "share_previous": "سهم دوره قبل",
    "label": "عنوان",
    "attribute": "ویژگی",
    "item": "گویه",
    "dimension": "بعد",
    "department": "واحد",
    "segment": "گروه",
    "category": "دسته",
    "category_name": "طبقه",
    "group": "گروه",
    "indicator": "شاخص",
    "metric": "شاخص",
    "n": "تعداد",
    "n_eff": "تعداد مؤثر",
    "k": "تعداد گویه",
    "items": "تعداد گویه",
    "estimate": "برآورد",
    "mean": "میانگین",
    "sd": "انحراف معیار",
    "ci_low": "حد پایین",
    "ci_high": "حد بالا",
    "CI low": "حد پایین",
    "CI high": "حد بالا",
    "RW CI low": "حد پایین (وزن نسبی)",
    "RW CI high": "حد بالا (وزن نسبی)",
    "difference": "تفاوت",
    "p_value": "مقدار p",
    "p_adjusted": "p اصلاح‌شده",
    "significant": "معنادار",
    "test": "آزمون",
    "current": "دوره جاری",
    "previous": "دوره قبل",
    "suppressed": "پنهان‌شده",
    "share": "سهم",
    "rank": "رتبه",
    "performance": "عملکرد",
    "importance": "اهمیت",
    "importance %": "اهمیت ٪",
    "quadrant": "ربع",
    "previous rank": "رتبه قبلی",
    "rank change": "تغییر رتبه",
    "penalty_p_adjusted": "p جریمه (اصلاح‌شده)",
    "reward_p_adjusted": "p پاداش (اصلاح‌شده)",
    "shapley %": "شپلی ٪",
    "relative weight %": "وزن نسبی ٪",
    "share %": "سهم ٪",
    "penalty": "جریمه",
    "reward": "پاداش",
    "impact_asymmetry": "عدم تقارن اثر",
    "factor_class": "طبقه سه‌عاملی",
    "low_impact": "اثر کم",
    "kano": "کانو",
    "alpha": "آلفا",
    "omega_total": "امگای کل",
    "verdict": "نتیجه",
    "value": "مقدار",
    "rule": "معیار",
    "item_rest_r": "همبستگی گویه–باقی",
    "alpha_if_dropped": "آلفا در صورت حذف",
    "omega_if_dropped": "امگا در صورت حذف",
    "negative_flag": "همبستگی منفی",
    "raises_alpha": "افزایش آلفا با حذف",
    "factor": "عامل",
    "std_all": "بار استاندارد",
    "loading": "بار",
    "cross_loading": "بار متقاطع",
    "better": "بهتر",
    "worse": "بدتر",
    "better_low": "بهتر (پایین)",
    "better_high": "بهتر (بالا)",
    "worse_low": "بدتر (پایین)",
    "worse_high": "بدتر (بالا)",
    "n_star": "تعداد معتبر",
    "category_strength": "قدرت طبقه",
    "fong_significant": "آزمون فونگ",
    "chi2_p": "p خی‌دو",
    "category_a": "طبقه قبلی",
    "category_b": "طبقه جاری",
    "changed": "تغییر",
    "better_change": "تغییر بهتر",
    "worse_change": "تغییر بدتر",
    "volume": "تعداد",
    "rate_per_1000": "در هر هزار مشتری",
    "close_days_median": "میانه روز بستن",
    "close_within_target": "بسته در مهلت",
    "backlog": "باز",
    "upheld_share": "سهم واردبودن",
    "handling_sat_mean": "رضایت از رسیدگی",
    "observed": "مشاهده‌شده",
    "expected": "مورد انتظار",
    "ucl": "حد کنترل بالا",
    "flag": "هشدار",
    "product": "محصول",
    "count": "تعداد",
    "periods": "دوره‌ها",
    "after_action": "پس از اقدام",
    "actions": "اقدامات",
    "action_id": "اقدام",
    "rate_before": "نرخ پیش",
    "rate_after": "نرخ پس",
    "rate_ratio": "نسبت نرخ",
    "id": "شناسه",
    "priority": "اولویت",
    "kind": "نوع",
    "evidence": "شواهد",
    "high": "بالا",
    "medium": "متوسط",
    "low": "پایین",
    "benchmark": "مرجع",
    "ours": "ما",
    "gap": "فاصله",
    "wave": "دوره",
    "file": "فایل",
    "row": "ردیف",
    "column": "ستون",
    "reason": "دلیل",
    "respondent_id": "شناسه پاسخ‌دهنده",
    "complaint_id": "شناسه شکایت",
    "answered": "پاسخ‌داده",
    "dont_know": "نمی‌دانم",
    "blank": "بی‌پاسخ",
    "share_answered": "درصد پاسخ",
    "level": "سطح",
    "True": "بله",
    "False": "خیر",
    "pass": "قبول",
    "fail": "رد",
    "effective": "مؤثر",
    "not effective": "بی‌اثر",
    "too early to tell": "هنوز زود است",
    "functional_invalid": "نامعتبر کارکردی",
    "dysfunctional_invalid": "نامعتبر ناکارکردی",
    "invalid_values": "مقادیر نامعتبر",
    "upheld": "وارد",
    "partly upheld": "تاحدی وارد",
    "not upheld": "ناوارد",
    "undecided": "نامشخص",
    "non-complainant": "بدون شکایت",
    "estimate_a": "برآورد",
    "margin of error": "حاشیه خطا",
    "unweighted": "بدون وزن",
    "weighted": "وزن‌دار",
    "delivery": "تحویل",
    "organisation": "سازمان",
    "other": "سایر",
    "low impact": "اثر کم",
    "excitement": "هیجان‌ساز",
    "basic": "پایه",
    "hybrid": "ترکیبی",
    "welch_t": "t ولش",
    "two_proportion_z": "z دو نسبت",
    "nps_z": "z امتیاز NPS",
    "index": "شاخص",
    "problems": "مشکل",
    "rows": "ردیف",
    "channel": "کانال",
    "previous wave n": "تعداد در دوره قبل",
    "first_contact_share": "حل در نخستین تماس",
    "ack_within_target": "تأیید در مهلت",
    "phone": "تلفن",
    "e-mail": "ایمیل",
    "email": "ایمیل",
    "web": "وب",
    "social": "شبکه‌های اجتماعی",
    "in person": "حضوری",
    "online": "برخط",
    "store": "فروشگاه",
    "ack_hours_median": "میانه ساعت تأیید",
    "escalated_share": "سهم ارجاع‌شده",
    "benchmark_name": "مرجع",
}


# Intake problems (csmlib.survey.responses, csmlib.survey.complaint_checks) as Persian: (pattern, template).
FA_REASONS = [
    (re.compile(pattern), template)
    for pattern, template in (
        (r"not a number", "عدد نیست"),
        (r"not a whole number", "عدد صحیح نیست"),
        (r"out of range (.+)", "خارج از بازه {0}"),
        (r"not a Kano answer \(expected 1-5 or a known wording\)", "پاسخ کانوی نامعتبر (۱ تا ۵ یا عبارتی شناخته‌شده)"),
        (r"unknown value \(expected one of (.+)\)", "مقدار ناشناخته (مقادیر مجاز: {0})"),
        (r"missing respondent id", "بدون شناسه پاسخ‌دهنده"),
        (r"duplicate respondent id", "شناسه پاسخ‌دهنده تکراری"),
        (r"duplicate respondent id \(first in row (\d+)\)", "شناسه پاسخ‌دهنده تکراری (نخستین بار در ردیف {0})"),
        (r"weight must be positive", "وزن باید مثبت باشد"),
        (r"missing weight", "بدون وزن"),
        (r"missing required field", "فیلد الزامی خالی است"),
        (r"unparseable timestamp", "زمان نامعتبر"),
        (r"acknowledged before received", "تأیید دریافت پیش از دریافت"),
        (r"closed before received", "بسته‌شدن پیش از دریافت"),
        (r"timestamp after now", "زمان پس از اکنون"),
        (r"unknown category", "دسته ناشناخته"),
        (r"duplicate complaint_id", "شناسه شکایت تکراری"),
        (r"not a yes/no value", "بله/خیر نیست"),
        (r"weight must be a finite number", "وزن باید عددی متناهی باشد"),
        (
            r"weight more than (.+) times the median weight \(or less than 1/(.+) of it\)",
            "وزن بیش از {0} برابر میانه وزن‌ها (یا کمتر از ۱/{1} آن)",
        ),
        (
            r"looks like a Solar Hijri date \((.+)\); declare calendar: jalali",
            "به تاریخ خورشیدی می‌ماند ({0})؛ در تنظیمات calendar: jalali را بنویسید",
        ),
        (
            r"looks like a Gregorian date \((.+)\); declare calendar: gregorian",
            "به تاریخ میلادی می‌ماند ({0})؛ در تنظیمات calendar: gregorian را بنویسید",
        ),
        (r"not a valid Solar Hijri date \((.+)\): (.+)", "تاریخ خورشیدی نامعتبر ({0}): {1}"),
        (r"not a valid time of day", "ساعت نامعتبر"),
    )
]

# Cells shown as they are in the data (paths, column names, ids, raw values), so that an analyst
# can find them: no translation, no Persian digits.
VERBATIM_COLUMNS = frozenset(
    {"file", "column", "value", "id", "respondent_id", "complaint_id", "action_id", "subject", "quote", "term"}
)  # a customer's words are quoted as written


def word(text, language: str = "en") -> str:
    """A table header, recurring cell word or intake problem in the report language."""
    text = str(text)
    if language != "fa":
        return text
    if text in FA_WORDS:
        return FA_WORDS[text]
    for pattern, template in FA_REASONS:
        found = pattern.fullmatch(text)
        if found:
            return template.format(*found.groups())
    return text


def translator(language: str = "en"):
    """``T = translator(lang)``; ``T("English", "فارسی")`` gives the text in the report language."""

    def pick(english: str, persian: str | None = None) -> str:
        return persian if language == "fa" and persian else english

    return pick


def fmt(value, spec: str = ".2f", language: str = "en") -> str:
    """Format a number (``"–"`` for missing), with a thousands separator for integers; a zero
    after rounding has no sign.

    >>> fmt(-0.001), fmt(0.0, "+.2f"), fmt(0.25, "+.2f"), fmt(1234), fmt(float("nan"))
    ('0.00', '0.00', '+0.25', '1,234', '–')
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "–"
    if isinstance(value, (int, np.integer)) and spec == ".2f":
        spec = ",d"
    try:
        text = format(value, spec)
    except (TypeError, ValueError):
        text = str(value)
    if _SIGNED_ZERO.fullmatch(text):  # -0.00 is a rounding artefact and +0.00 no change: no sign
        text = text[1:]
    return localize(text, language)


_SIGNED_ZERO = re.compile(r"[-+]0(\.0+)?%?")
# p-value columns, whatever their format: "< 0.001" below it, three decimals above
_P_COLUMN = re.compile(r"(p|p[ _]value|p[ _]adjusted|.*_p|.*_p_adjusted|p \(.*\))")
# raw column names as English headers (other names: underscores become spaces)
EN_WORDS = {
    "ci_low": "CI low",
    "ci_high": "CI high",
    "p_value": "p",
    "p_adjusted": "p (adjusted)",
    "n_eff": "effective n",
    "se": "SE",
    "sd": "SD",
    "n": "n",
}


def fmt_p(value, language: str = "en") -> str:
    """A p-value as readers expect it: ``< 0.001`` for small values, else three decimals.

    >>> fmt_p(6.27e-206), fmt_p(0.0123), fmt_p(float("nan"))
    ('< 0.001', '0.012', '–')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "–"
    value = float(value)
    return localize("< 0.001" if value < 0.001 else f"{value:.3f}", language)


def header(name, language: str = "en") -> str:
    """A column name as a table header in the report language (``ci_low`` → "CI low").

    >>> header("ci_low"), header("close_days_median"), header("Shapley %")
    ('CI low', 'close days median', 'Shapley %')
    """
    if language == "fa":
        return word(name, language)
    text = str(name)
    return EN_WORDS.get(text, text.replace("_", " "))


def fmt_ci(low, high, spec: str = ".2f", language: str = "en") -> str:
    return f"[{fmt(low, spec, language)}, {fmt(high, spec, language)}]"


def _show(fragment: Markup) -> None:
    """The one way this module puts HTML into a notebook: ``fragment`` was built with Markup."""
    display(HTML(str(fragment)))


def _cell_text(value):
    """A table cell, header or index entry as HTML text: numbers as they are, anything else escaped."""
    if isinstance(value, (bool, np.bool_)):
        return escape(str(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        return value
    if isinstance(value, tuple):
        return tuple(_cell_text(v) for v in value)
    return escape("" if value is None else str(value))


def _escaped_index(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return pd.MultiIndex.from_tuples(
            [_cell_text(t) for t in index], names=[None if n is None else str(_cell_text(n)) for n in index.names]
        )
    return pd.Index(
        [_cell_text(v) for v in index], dtype=object, name=None if index.name is None else str(_cell_text(index.name))
    )


def table(
    frame: pd.DataFrame,
    formats: dict[str, str] | None = None,
    *,
    language: str = "en",
    index: bool = True,
    caption: str | None = None,
    max_rows: int = 60,
):
    """Display a DataFrame as a formatted HTML table (every cell, header, index entry and caption escaped)."""
    formats = formats or {}
    shown = frame.head(max_rows)
    out = shown.copy().astype(object)
    text_columns = []  # words read from the start of the line; numbers and marks line up at the end
    for position, col in enumerate(shown.columns):
        values = shown.iloc[:, position]
        spec = formats.get(col)
        if pd.api.types.is_bool_dtype(values) or (
            values.dtype == object and len(values) and all(isinstance(v, (bool, np.bool_)) for v in values)
        ):
            cells = ["–" if v is pd.NA else "✓" if v else "✗" for v in values]  # marks, not True/False; NA: not tested
        elif len(values.dropna()) and all(isinstance(v, (dt.date, pd.Timestamp)) for v in values.dropna()):
            cells = [format_date(v, language) or "–" for v in values]  # Solar Hijri in a Persian report
        elif _P_COLUMN.fullmatch(str(col)) and pd.api.types.is_numeric_dtype(values):
            cells = [fmt_p(v, language) for v in values]
        elif spec is not None or pd.api.types.is_float_dtype(values):
            cells = [fmt(v, spec or ".2f", language) for v in values]
        elif col in VERBATIM_COLUMNS:
            cells = ["–" if v is None or v is pd.NA else str(v) for v in values]
        else:
            cells = [localize(word(v, language), language) if v is not None and v is not pd.NA else "–" for v in values]
            text_columns.append(position)
        out.isetitem(position, pd.Series([escape(c) for c in cells], index=out.index, dtype=object))
    out = out.rename(columns=lambda c: header(c, language))
    if language == "fa":
        out.index = [localize(word(i, language), language) for i in out.index]
        out.index.name = word(frame.index.name, language) if frame.index.name else None
        out.columns.name = word(frame.columns.name, language) if frame.columns.name else None
    out.index = _escaped_index(out.index)
    out.columns = _escaped_index(out.columns)
    styler = out.style if index else out.style.hide(axis="index")
    if len(out.columns):  # numbers and marks ("csm-num") and one-word cells never break inside
        classes = pd.DataFrame("csm-num", index=out.index, columns=out.columns)
        for position in text_columns:  # a column of single words (ids, dates, codes) does not wrap
            single = all(len(str(c)) <= 16 and not any(ch.isspace() for ch in str(c)) for c in out.iloc[:, position])
            classes.iloc[:, position] = "csm-text csm-word" if single else "csm-text"
        styler = styler.set_td_classes(classes)
    if caption:
        styler = styler.set_caption(str(escape(caption)))
    html = styler.to_html()
    for position in text_columns:  # headers of text columns start where their words start (the
        # pages keep no <style> element, so a class, as on the cells; pandas names the class)
        html = html.replace(f'class="col_heading level0 col{position}"', f'class="col_heading level0 col{position} csm-text"')
    _show(Markup(html))
    if len(frame) > max_rows:
        _show(markdown_html(f"*{len(frame) - max_rows} more rows not shown.*"))


def _figure_alt(fig) -> str:
    """A figure's text alternative: the message its chart function attached
    (:func:`csmlib.report.plots.describe`), else its title, else its axes' titles ("" for Persian text
    that ``plots.shape`` put in visual order for an older matplotlib: unreadable as text)."""
    from csmlib.report.plots import description

    if description(fig):
        return description(fig)
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        text = suptitle.get_text()
    else:
        text = "; ".join(t for t in (ax.get_title() for ax in fig.axes) if t)
    return "" if re.search("[\ufb50-\ufdff\ufe70-\ufefe]", text) else text


def figure(fig, alt: str | None = None):
    """Show a figure where it is made, once, and release it.

    Left open, a figure is drawn twice more after its cell (pyplot's post-cell redraw of stale
    figures, then the inline backend's display), each draw a tenth of a second or more for a
    report figure. Shown here and closed, it is drawn once, for the page (:func:`csmlib.report.plots.png`). ``alt`` (default: the
    figure's message as its chart function describes it, else its title) becomes the image's alt
    text on the page, escaped like any text.
    """
    import matplotlib.pyplot as plt

    from csmlib.report.plots import png

    text = alt if alt is not None else _figure_alt(fig)
    metadata = {"image/png": {"alt": str(text)}} if text else None
    image = png(fig)
    if image is None:  # shown by the inline backend
        display(fig, metadata=metadata)
    else:  # as the backend shows it: the picture base64-encoded, the figure's repr as text
        data = {"image/png": base64.b64encode(image).decode("ascii"), "text/plain": repr(fig)}
        display(data, raw=True, metadata=metadata)
    plt.close(fig)


def cards(items: list[dict], language: str = "en"):
    """Headline cards; every field is text (escaped).

    Each card: ``label``, ``value``, and optionally ``scale`` (what the number is out of), ``ci``,
    ``change`` with ``change_tone``, ``target`` with ``tone`` (``good``/``bad``: the status colour,
    also shown as a coloured edge so it survives grey-scale printing), ``note``
    (:func:`csmlib.report.summary.headline_cards` builds them from a wave's results).
    """
    tones = {"good": "csm-good", "bad": "csm-bad"}
    parts = []
    for item in items:
        lines = [
            Markup('<div class="{}">{}</div>').format(cls, item[key])
            for key, cls in (
                ("ci", "ci"),
                ("change", f"change {tones.get(item.get('change_tone', ''), '')}".strip()),
                ("target", f"status {tones.get(item.get('tone', ''), '')}".strip()),
                ("note", "ci"),
            )
            if item.get(key)
        ]
        edge = {"good": " csm-card-good", "bad": " csm-card-bad"}.get(item.get("tone", ""), "")
        scale = Markup(' <span class="scale">{}</span>').format(item["scale"]) if item.get("scale") else ""
        parts.append(
            Markup('<div class="csm-card{}"><div class="k">{}</div><div class="v">{}{}</div>{}</div>').format(
                edge, item["label"], localize(str(item["value"]), language), scale, Markup("").join(lines)
            )
        )
    _show(Markup('<div class="csm-cards">{}</div>').format(Markup("").join(parts)))


def note(text: str):
    """A note (Markdown; raw HTML in ``text`` is shown as text)."""
    _show(Markup('<div class="csm-note">{}</div>').format(markdown_html(text)))


def alert(text: str):
    """A warning (Markdown; raw HTML in ``text`` is shown as text)."""
    _show(Markup('<div class="csm-alert">{}</div>').format(markdown_html(text)))


def say(text: str):
    """A sentence of interpretation (Markdown; raw HTML in ``text`` is shown as text)."""
    _show(markdown_html(text))
