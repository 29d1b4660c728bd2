"""What each column of an export holds, for ``csm init``: profiles, keyword lists, roles, scales.

:func:`profile_column` describes a column (numbers or text, blanks, SPSS labels); the keyword lists
(English and Persian) and :func:`keyword_hits` match names and labels; :func:`is_weight`,
:func:`is_id`, :func:`is_comment` and :func:`kano_columns` recognise the columns with a role, and
:func:`scale_for` guesses a rating item's answer scale and its "don't know" codes. The rules and
their order are those of :mod:`csmlib.survey.draft_guess`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csmlib.core.text import normalize_label, numeric_series
from csmlib.survey.draft_yaml import number_text
from csmlib.survey.responses import RawTable

MAX_ITEM_CODE = 11  # answers of a rating item lie in 0..11 (0-10 scales, 1-11 scales)
PERSIAN = re.compile(r"[\u0600-\u06FF]")

# ---------------------------------------------------------------------------- keyword lists
ID_WORDS = (
    "id",
    "code",
    "resp",
    "respid",
    "respondent",
    "respondentid",
    "customer",
    "customerid",
    "custid",
    "case",
    "caseid",
    "record",
    "serial",
    "کد",
    "شناسه",
    "ردیف",
)
WEIGHT_WORDS = ("weight", "weights", "wt", "wgt", "وزن")
COMMENT_WORDS = (
    "comment",
    "comments",
    "remark",
    "remarks",
    "feedback",
    "verbatim",
    "suggestion",
    "suggestions",
    "نظر",
    "نظرات",
    "توضیحات",
    "پیشنهاد",
)
SEGMENT_WORDS = (
    "gender",
    "sex",
    "region",
    "city",
    "country",
    "province",
    "state",
    "area",
    "branch",
    "store",
    "channel",
    "segment",
    "type",
    "group",
    "education",
    "edu",
    "department",
    "sector",
    "industry",
    "language",
    "plan",
    "tier",
    "agegroup",
    "age_group",
    "class",
    "category",
    "market",
    "site",
    "شهر",
    "استان",
    "منطقه",
    "جنسیت",
    "تحصیلات",
    "شعبه",
    "کانال",
    "نوع",
    "گروه",
    "بخش",
)
LEFT_OUT_WORDS = (
    "age",
    "income",
    "year",
    "years",
    "tenure",
    "duration",
    "time",
    "date",
    "amount",
    "spend",
    "revenue",
    "salary",
    "count",
    "number",
    "سن",
    "درآمد",
    "مبلغ",
    "تاریخ",
    "سال",
)
GROUP_WORDS = {
    "product": (
        "product",
        "products",
        "quality",
        "qual",
        "price",
        "value",
        "performance",
        "reliability",
        "durability",
        "design",
        "feature",
        "range",
        "choice",
        "goods",
        "محصول",
        "کیفیت",
        "قیمت",
        "کالا",
        "دوام",
        "تنوع",
    ),
    "delivery": (
        "delivery",
        "deliver",
        "speed",
        "shipping",
        "ship",
        "courier",
        "dispatch",
        "tracking",
        "order",
        "arrival",
        "تحویل",
        "ارسال",
        "سفارش",
        "بسته",
        "پیک",
        "حمل",
    ),
    "organisation": (
        "staff",
        "service",
        "invoice",
        "billing",
        "bill",
        "complaint",
        "image",
        "reputation",
        "employee",
        "personnel",
        "courtesy",
        "competence",
        "support",
        "account",
        "payment",
        "کارکنان",
        "خدمات",
        "شکایت",
        "شکایات",
        "اعتبار",
        "شرکت",
        "صورتحساب",
        "پشتیبانی",
        "رفتار",
        "کارمند",
    ),
}
OUTCOME_WORDS = {
    "overall": ("overall", "satisfaction", "satisfied", "satisfy", "sat", "csat", "رضایت"),
    "recommend": ("recommend", "recommendation", "nps", "توصیه", "معرفی"),
    "loyalty": ("loyalty", "loyal", "loy", "repurchase", "again", "retention", "وفاداری", "مجدد"),
    "effort": ("effort", "easy", "ces", "تلاش"),
}
DONT_KNOW = re.compile(
    r"don'?t know|do not know|dont know|not applicable|\bn/?a\b|refused|no answer|prefer not|"
    r"not sure|can'?t say|no opinion|"
    r"نمی ?دانم|نمیدانم|بی ?پاسخ|بدون پاسخ|نظری ندارم|پاسخ نداد|امتناع"
)
SCALE_WORDS = re.compile(
    r"satisf|agree|likely|important|good|poor|excellent|bad|very|extremely|never|always|fair|"
    r"راضی|موافق|مخالف|خوب|بد|بسیار|اصلا|کاملا|زیاد|کم"
)
GENERIC_STEMS = {"q", "v", "var", "item", "question", "qn", "x", "p", "s"}
SEPARATORS = re.compile(r"\s*(?::|\s-\s|\s–\s|\s—\s|\|)\s*")


# ---------------------------------------------------------------------------- column profiles
def tokens_of(text: str) -> list[str]:
    """Lower-case words of a name or label: split on non-letters, camelCase and letter/digit bounds.

    Examples
    --------
    >>> from csmlib.survey.draft_columns import tokens_of
    >>> tokens_of("overallSat2_Delivery")
    ['overall', 'sat', 'delivery']
    """
    if not text:
        return []
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(text))
    text = re.sub(r"(?<=\D)(?=\d)|(?<=\d)(?=\D)", " ", text)
    text = normalize_label(text) or ""
    return [t for t in re.split(r"[^\w]+|_", text) if t and not t.isdigit()]


def keyword_hits(words: tuple[str, ...], tokens: list[str], *, prefix: bool = True) -> list[str]:
    """The tokens matching a keyword list (exactly, or as a prefix of 4+ letters / an abbreviation of 3+).

    Examples
    --------
    >>> from csmlib.survey.draft_columns import OUTCOME_WORDS, keyword_hits, tokens_of
    >>> keyword_hits(OUTCOME_WORDS["recommend"], tokens_of("RecommendNPS"), prefix=False)
    ['recommend', 'nps']
    """
    found = []
    for tok in tokens:
        for word in words:
            if tok == word or (
                prefix
                and (
                    (len(word) >= 4 and tok.startswith(word))
                    or (len(tok) >= 3 and word.startswith(tok) and len(word) > len(tok) and not PERSIAN.search(tok))
                )
            ):
                found.append(tok)
                break
    return found


@dataclass
class Profile:
    """What one column holds."""

    name: str
    position: int
    n: int
    n_blank: int
    numbers: pd.Series | None  # floats when the column is (mostly) numeric
    n_bad: int  # non-blank cells that are not numbers
    bad_example: str | None
    texts: pd.Series  # non-blank cells as text
    value_labels: dict  # SPSS value labels {code: label}
    label: str | None  # SPSS variable label

    @property
    def n_filled(self) -> int:
        return self.n - self.n_blank

    @property
    def numeric(self) -> bool:
        return self.numbers is not None

    @property
    def distinct(self) -> int:
        if self.numeric:
            return int(self.numbers.dropna().nunique())
        return int(self.texts.map(normalize_label).nunique())

    @property
    def tokens(self) -> list[str]:
        return tokens_of(self.name) + tokens_of(self.label or "")

    @property
    def name_tokens(self) -> list[str]:
        return tokens_of(self.name)


def profile_column(frame: pd.DataFrame, table: RawTable, position: int, name: str) -> Profile:
    """The :class:`Profile` of column ``name`` of ``frame`` (the export ``table`` read by
    :func:`csmlib.survey.responses.read_table`): numeric when at least 90% of its filled cells are
    numbers, with its SPSS value and variable labels."""
    raw = frame[name]
    if raw.dtype.kind in "fiub" and not pd.api.types.is_bool_dtype(raw):
        texts = raw.dropna().map(lambda x: str(int(x)) if float(x).is_integer() else str(x))
    else:
        texts = raw.dropna().astype(str).str.strip()
        texts = texts[texts != ""]
    n_blank = len(raw) - len(texts)
    numbers, bad = numeric_series(raw)
    n_bad = int(bad.sum())
    is_numeric = len(texts) > 0 and (len(texts) - n_bad) >= 0.9 * len(texts)
    bad_example = str(raw[bad].iloc[0]) if n_bad else None
    labels = {
        float(k): str(v)
        for k, v in (table.value_labels.get(name) or {}).items()
        if isinstance(k, (int, float, np.integer, np.floating))
    }
    return Profile(
        name=name,
        position=position,
        n=len(raw),
        n_blank=n_blank,
        numbers=numbers if is_numeric else None,
        n_bad=n_bad if is_numeric else 0,
        bad_example=bad_example,
        texts=texts,
        value_labels=labels,
        label=(table.variable_labels or {}).get(name),
    )


def readable_name(name: str) -> str:
    """A label made from a column name: ``_`` ``.`` ``-`` to spaces, words and numbers apart.

    Examples
    --------
    >>> from csmlib.survey.draft_columns import readable_name
    >>> readable_name("product_quality"), readable_name("imag1")
    ('Product quality', 'Imag 1')
    """
    text = re.sub(r"[_.\-]+", " ", str(name))
    if not PERSIAN.search(text):
        text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
        text = re.sub(r"\b([A-Za-z]+)(\d+)\b", r"\1 \2", text)  # imag1 -> imag 1 (b2b, 2026Q3 stay)
    text = " ".join(text.split())
    return text[:1].upper() + text[1:] if text[:1].isascii() else text


# ---------------------------------------------------------------------------- column roles
def named_like_weight(p: Profile) -> bool:
    """Named ``weight``/``wt``/``wgt``/``وزن`` or containing "weight"."""
    toks = [t.lower() for t in p.name_tokens]
    return any(t in WEIGHT_WORDS for t in toks) or "weight" in p.name.lower()


def is_weight(p: Profile) -> str | None:
    """None when ``p`` is not the weight; else a note ("" or the rows that will be rejected)."""
    if not named_like_weight(p) or not p.numeric:
        return None
    values = p.numbers
    bad = int((values.isna() | ~(values > 0) | ~np.isfinite(values)).sum())
    if bad > max(1, 0.01 * p.n):
        return None
    return f"; {bad} rows without a positive weight will be rejected" if bad else ""


def is_id(p: Profile) -> str | None:
    """None when ``p`` is not the respondent id; else a note ("" or the rows that will be rejected).

    Named like an id and unique in every row; one percent of blank or repeated ids is allowed
    (a data error the intake then rejects), and said so.
    """
    toks = p.name_tokens
    lower = p.name.lower()
    named = (
        bool(keyword_hits(ID_WORDS, toks, prefix=False))
        or lower.endswith("id")
        or lower.startswith("resp")
        or any(t.startswith(("resp", "customer")) for t in toks)
    )
    if not named or p.n < 2:
        return None
    repeated = int(p.texts.map(str.strip).duplicated().sum())
    allowed = max(1, int(0.01 * p.n)) if p.n >= 100 else 0
    if p.n_blank + repeated > allowed:
        return None
    problems = [f"{n} {what}" for n, what in ((repeated, "repeated"), (p.n_blank, "blank")) if n]
    return f"; {' and '.join(problems)} ids: those rows will be rejected" if problems else ""


def is_comment(p: Profile) -> bool:
    """A text column named like a comment, or with long (≥ 20 characters on average), mostly unique answers."""
    if p.numeric or len(p.texts) == 0:
        return False
    if keyword_hits(COMMENT_WORDS, p.name_tokens, prefix=False):
        return True
    lengths = p.texts.str.len()
    return bool(lengths.mean() >= 20 and p.texts.nunique() >= 0.5 * len(p.texts))


_KANO = re.compile(r"^(.+?)[_.\-]?(f|func|functional|d|dys|dysf|dysfunctional|imp|importance)$", re.IGNORECASE)


def kano_columns(names: list[str]) -> dict[str, str]:
    """Columns of Kano question pairs (``x_f`` and ``x_d``, with ``x_imp``): column -> its pair's stem.

    Examples
    --------
    >>> from csmlib.survey.draft_columns import kano_columns
    >>> kano_columns(["wifi_f", "wifi_d", "wifi_imp", "price", "size_f"])
    {'wifi_f': 'wifi', 'wifi_d': 'wifi', 'wifi_imp': 'wifi'}
    """
    parts: dict[str, dict[str, str]] = {}
    for name in names:
        m = _KANO.match(name)
        if m:
            kind = m.group(2).lower()[0]  # f, d or i
            parts.setdefault(m.group(1), {})[kind] = name
    return {col: stem for stem, kinds in parts.items() if "f" in kinds and "d" in kinds for col in kinds.values()}


# ---------------------------------------------------------------------------- answer scales
@dataclass
class ScaleGuess:
    """The answer scale guessed for a rating column: codes min..max, value labels, "don't know"
    codes (``missing``) and the notes saying what to check."""

    min: float
    max: float
    labels: dict = field(default_factory=dict)
    missing: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def key(self):
        return (self.min, self.max, tuple(sorted(self.labels.items())), tuple(sorted(self.missing)))


def _missing_codes_from_labels(labels: dict) -> list[float]:
    return sorted(code for code, text in labels.items() if DONT_KNOW.search(normalize_label(text) or ""))


def _detached_codes(values: np.ndarray) -> list[float]:
    """Rare codes like 9, 99, 98, 999 or -9 set apart from the answers: "don't know" codes."""
    distinct = np.unique(values)
    codes = []
    for c in (9, 97, 98, 99, 997, 998, 999, -1, -9, -99):
        if c not in distinct:
            continue
        rest = distinct[distinct != c]
        rest = rest[~np.isin(rest, codes)]
        if not len(rest):
            continue
        share = float(np.mean(values == c))
        below = rest[rest < c]
        apart = c > 0 and len(below) and c - below.max() >= 2 and rest.max() <= MAX_ITEM_CODE and (c >= 90 or rest.max() <= 7)
        if share <= 0.15 and (apart or (c < 0 and rest.min() >= 0)):
            codes.append(float(c))
    return codes


def _strays(answers: np.ndarray) -> list[float]:
    """Top answers given by under 1% and set apart (by 2 or more, or an 11): typing errors, not a scale."""
    strays: list[float] = []
    rest = answers
    for _ in range(2):
        distinct = np.unique(rest)
        if len(distinct) < 3:
            break
        top, below = distinct[-1], distinct[-2]
        if np.mean(rest == top) < 0.01 and (top - below >= 2 or top == 11):
            strays.append(float(top))
            rest = rest[rest != top]
        else:
            break
    return strays


def _conventional(lo: float, hi: float) -> tuple[float, float]:
    """Round the answers seen (lo..hi) to a conventional scale (1-5, 1-7, 0-10...)."""
    new_hi = hi
    if hi <= 3:
        new_hi = 5
    elif hi == 8 or (hi == 9 and lo == 0):
        new_hi = 10
    new_lo = lo if lo < 0 else (0.0 if lo == 0 else 1.0)
    return float(new_lo), float(new_hi)


def scale_for(p: Profile) -> ScaleGuess | None:
    """The scale of an item candidate, or None when the column is not a rating item."""
    values = p.numbers.dropna().to_numpy()
    if not len(values):
        return None
    labels = {k: v for k, v in p.value_labels.items()}
    missing = _missing_codes_from_labels(labels)
    notes = []
    if missing:
        notes.append("missing: codes labelled " + ", ".join(f"{number_text(c)} '{labels[c]}'" for c in missing))
    answer_labels = {k: v for k, v in labels.items() if k not in missing}
    detached = [c for c in _detached_codes(values[~np.isin(values, missing)]) if c not in answer_labels]
    if detached:
        missing = sorted(set(missing) | set(detached))
        counts = ", ".join(f"{number_text(c)} ({int(np.sum(values == c))}x)" for c in detached)
        notes.append(f"guessed 'don't know' codes: {counts}, set apart from the other answers - check")
    answers = values[~np.isin(values, missing)]
    if not len(answers) or not np.all(answers == np.round(answers)):
        return None
    strays = _strays(answers) if not answer_labels else []
    if strays:
        answers = answers[~np.isin(answers, strays)]
        counts = ", ".join(f"{number_text(c)} ({int(np.sum(values == c))}x)" for c in strays)
        notes.append(
            f"rare answers {counts} set apart above the others are taken as errors (those rows will be "
            "rejected) - if they are real answers, widen the scale"
        )
    lo, hi = float(answers.min()), float(answers.max())
    if answer_labels:
        lo_l, hi_l = min(answer_labels), max(answer_labels)
        if lo < lo_l or hi > hi_l:
            notes.append(
                f"answers {number_text(lo)}-{number_text(hi)} go beyond the labelled codes {number_text(lo_l)}-{number_text(hi_l)}"
            )
        lo, hi = min(lo, lo_l), max(hi, hi_l)
        if lo < 0 or hi > MAX_ITEM_CODE or hi - lo < 1:
            return None
        return ScaleGuess(lo, hi, answer_labels, missing, notes)
    if lo < -3 or hi > MAX_ITEM_CODE or len(np.unique(answers)) < 2:
        return None
    if set(np.unique(answers)) <= {0.0, 1.0}:
        notes.append("answers 0 and 1 only: a no/yes question?")
        return ScaleGuess(0.0, 1.0, {}, missing, notes)
    lo, hi = _conventional(lo, hi)
    return ScaleGuess(lo, hi, {}, missing, notes)
