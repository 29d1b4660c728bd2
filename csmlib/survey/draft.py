"""A first codebook and wave file drafted from a survey export (``csm init``).

:func:`draft_project` reads an export (CSV, Excel, SPSS, Parquet; the file is only read) and
writes ``params/<export stem>.codebook.yaml`` and ``params/<wave>.yaml``, which ``csm validate``
accepts as they are (checked before anything is written). Every guess is written with a YAML
comment saying what to check. The rules, in the order they are applied to each column:

1. **weight** — named ``weight``/``wt``/``wgt``/``وزن`` (or containing "weight"), numeric and
   positive (at most 1% of rows otherwise: those are rejected, and the comment says so).
2. **respondent id** — named like an id (``id``, ``resp…``, ``respondent``, ``customer``, ``code``,
   ``case``, ``record``, ``serial``, ``کد``, ``شناسه``) and unique per row (with 100+ rows, 1% of
   repeated or blank ids is allowed and reported). Else no ``respondent_id``: row numbers are used.
3. **Kano pairs** (``x_f`` + ``x_d``, with ``x_imp``) are left out and listed: declare them by hand.
4. **comment** — a text column named like one (comment, feedback, remark, نظر, توضیحات…) or
   with long (≥ 20 characters on average), mostly unique answers. Written as an empty
   ``comments: {column, themes: {}}`` block whose comment shows how to add themes.
5. **segments** — text columns with ≤ 12 distinct values; numeric columns with ≤ 12 distinct
   values named like a segment (gender, region, education, شهر…), labelled SPSS columns whose value
   labels are not scale wordings, and two-valued numeric columns (30+ rows, not an outcome).
   SPSS value labels become ``levels`` and ``level_labels`` (the intake reads codes as labels).
6. **left out** — numeric columns named like age, income, year, duration…, or with fractions,
   values above 11 or many distinct values; other text columns. Listed in the header comment.
7. **items** — the remaining numeric (or labelled) columns with whole answers between 0 and 11.
   Scales come from SPSS value labels (codes labelled "don't know", "not applicable", "refused",
   "نمی‌دانم"… become ``missing`` codes) or from the answers seen, rounded to a conventional scale
   (1–5, 1–7, 0–10…; answers 0/1 only: 0–1). A rare code set apart such as 9 on 1–5 or 99 becomes a
   ``missing`` code; a rare answer set apart above the rest (7 on 1–5, 11 on 1–10) is taken as a
   typing error. Items of one dimension share one scale; one scale per distinct (min, max,
   labels, missing), named ``sat7``/``agree5``/``likely11`` from labels, else ``s<min>_<max>``.
8. **dimensions** — blocks of consecutive SPSS labels sharing a leading phrase ("Delivery: …"), else
   a shared column-name stem (``imag1…imag5`` → ``imag``; ``A1…A5`` → ``A``; ``product_quality``,
   ``product_price`` → ``product``), else the ISO 10004 group guessed for two or more items.
   Items loading negatively on their dimension's first principal component are marked reverse.
9. **groups** — small English and Persian keyword lists (product / delivery / organisation),
   else ``other``.
10. **outcomes** — from names and labels: overall/satisfaction/رضایت کلی → ``overall``,
    recommend/NPS/توصیه → ``recommend``, loyalty/loy/repurchase/again/وفاداری → ``loyalty``,
    effort/easy/CES → ``effort``. A question outside the item blocks becomes the outcome only; a
    concept measured by several items (``sat1…sat4``) gives its first item as the outcome, which
    stays an item of its dimension (the items of a loyalty or recommendation concept get
    ``driver: false``: consequences of satisfaction, not drivers).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from csmlib.survey.responses import RawTable, read_table
from csmlib.core.errors import CSMInputError
from csmlib.core.text import normalize_label, numeric_series

MAX_LEVELS = 12  # at most this many distinct values for a segment
MAX_ITEM_CODE = 11  # answers of a rating item lie in 0..11 (0-10 scales, 1-11 scales)
RESERVED = {"respondent_id", "weight", "comment", "overall", "recommend", "loyalty", "effort"}
_PERSIAN = re.compile(r"[\u0600-\u06FF]")

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


# ---------------------------------------------------------------------------- YAML writing
@dataclass
class Note:
    """A value written with a trailing comment and/or comment lines before it."""

    value: object
    comment: str | None = None
    before: tuple[str, ...] = ()


_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
# characters YAML refuses even inside quotes, and those it reads as line breaks (NEL, LS, PS)
_NON_PRINTABLE = re.compile(yaml.reader.Reader.NON_PRINTABLE.pattern + "|[\x85\u2028\u2029]")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "none", "~"}


def _key(key) -> str:
    if isinstance(key, bool) or key is None:
        raise TypeError(f"unsupported YAML key {key!r}")
    if isinstance(key, (int, float)):
        return _number(key)
    return _string(str(key))


def _number(x) -> str:
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"cannot write {x} to YAML")
    return str(int(x)) if x.is_integer() else repr(x)


def _string(text: str) -> str:
    """A string as a YAML scalar: plain when it cannot be misread, else double-quoted (JSON escapes)."""
    if _PLAIN.match(text) and text.lower() not in _YAML_WORDS and not re.fullmatch(r"[0-9._-]+|[-+]?\.?(inf|nan)", text.lower()):
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return _NON_PRINTABLE.sub(
        lambda m: "".join(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}" for ch in m.group()), quoted
    )


def _scalar(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return _number(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)}: {_scalar(v)}" for k, v in value.items()) + "}"
    return _string(str(value))


def _comment_text(text) -> str:
    return " ".join(_NON_PRINTABLE.sub(" ", str(text)).split())


def _comment(text: str | None) -> str:
    return "" if not text else "  # " + _comment_text(text)


def _is_block(value) -> bool:
    return (isinstance(value, dict) and bool(value)) or (
        isinstance(value, list) and any(isinstance(v, (dict, Note)) for v in value)
    )


def _emit(value, indent: int, out: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key, raw in value.items():
            note = raw if isinstance(raw, Note) else Note(raw)
            out.extend(f"{pad}# {_comment_text(line)}" for line in note.before)
            if _is_block(note.value):
                out.append(f"{pad}{_key(key)}:{_comment(note.comment)}")
                _emit(note.value, indent + 2, out)
            else:
                out.append(f"{pad}{_key(key)}: {_scalar(note.value)}{_comment(note.comment)}")
    elif isinstance(value, list):
        for raw in value:
            note = raw if isinstance(raw, Note) else Note(raw)
            out.extend(f"{pad}# {_comment_text(line)}" for line in note.before)
            if isinstance(note.value, dict) and note.value:
                inner: list[str] = []
                _emit(note.value, indent + 2, inner)
                first = next(i for i, line in enumerate(inner) if not line.lstrip().startswith("#"))
                out.extend(inner[:first])
                out.append(f"{pad}- {inner[first][indent + 2 :]}{_comment(note.comment)}")
                out.extend(inner[first + 1 :])
            else:
                out.append(f"{pad}- {_scalar(note.value)}{_comment(note.comment)}")
    else:
        raise TypeError(f"cannot emit {type(value).__name__} as a block")


def _plain(value):
    """The value with every Note unwrapped (what reading the YAML back must give)."""
    if isinstance(value, Note):
        return _plain(value.value)
    if isinstance(value, dict):
        return {(float(k) if isinstance(k, (int, float)) else k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


def _normalise_loaded(value):
    if isinstance(value, dict):
        return {
            (float(k) if isinstance(k, (int, float)) and not isinstance(k, bool) else k): _normalise_loaded(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_normalise_loaded(v) for v in value]
    return value


def to_yaml(document: dict, header: list[str] = ()) -> str:
    """The YAML text of ``document`` (Notes become comments), checked by reading it back."""
    out = [f"# {_comment_text(line)}" for line in header]
    _emit(document, 0, out)
    text = "\n".join(out) + "\n"
    back = yaml.safe_load(text)
    if _normalise_loaded(back) != _normalise_loaded(_plain(document)):
        raise RuntimeError("draft YAML does not read back as written (a quoting bug in csmlib.survey.draft)")
    return text


# ---------------------------------------------------------------------------- column profiles
def _tokens(text: str) -> list[str]:
    """Lower-case words of a name or label: split on non-letters, camelCase and letter/digit bounds."""
    if not text:
        return []
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(text))
    text = re.sub(r"(?<=\D)(?=\d)|(?<=\d)(?=\D)", " ", text)
    text = normalize_label(text) or ""
    return [t for t in re.split(r"[^\w]+|_", text) if t and not t.isdigit()]


def _hits(words: tuple[str, ...], tokens: list[str], *, prefix: bool = True) -> list[str]:
    """The tokens matching a keyword list (exactly, or as a prefix of 4+ letters / an abbreviation of 3+)."""
    found = []
    for tok in tokens:
        for word in words:
            if tok == word or (
                prefix
                and (
                    (len(word) >= 4 and tok.startswith(word))
                    or (len(tok) >= 3 and word.startswith(tok) and len(word) > len(tok) and not _PERSIAN.search(tok))
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
        return _tokens(self.name) + _tokens(self.label or "")

    @property
    def name_tokens(self) -> list[str]:
        return _tokens(self.name)


def _profile(frame: pd.DataFrame, table: RawTable, position: int, name: str) -> Profile:
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


# ---------------------------------------------------------------------------- the draft
@dataclass
class ScaleGuess:
    min: float
    max: float
    labels: dict = field(default_factory=dict)
    missing: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def key(self):
        return (self.min, self.max, tuple(sorted(self.labels.items())), tuple(sorted(self.missing)))


@dataclass
class ItemGuess:
    profile: Profile
    id: str
    label: str
    label_note: str | None
    scale: ScaleGuess
    dimension: str | None = None
    dimension_note: str | None = None
    group: str = "other"
    group_note: str | None = None
    reverse: bool = False
    reverse_note: str | None = None
    driver: bool | None = None
    driver_note: str | None = None
    scale_name: str = ""


@dataclass
class OutcomeGuess:
    profile: Profile
    scale: ScaleGuess
    note: str
    item: ItemGuess | None = None  # the rating item that is also this outcome (same column)
    scale_name: str = ""


@dataclass
class Draft:
    """The guesses for one export, before they are written."""

    source: Path
    n_rows: int
    respondent_id: str | None = None
    id_note: str = ""
    weight: str | None = None
    weight_note: str = ""
    comment: str | None = None
    segments: dict = field(default_factory=dict)  # name -> (profile, levels, level_labels, notes)
    items: list[ItemGuess] = field(default_factory=list)
    outcomes: dict = field(default_factory=dict)  # role -> OutcomeGuess
    scales: dict = field(default_factory=dict)  # name -> ScaleGuess
    left_out: list = field(default_factory=list)  # (column, reason)
    language: str = "en"

    @property
    def dimensions(self) -> dict[str, list[str]]:
        dims: dict[str, list[str]] = {}
        for item in self.items:
            if item.dimension:
                dims.setdefault(item.dimension, []).append(item.id)
        return dims


def _readable(name: str) -> str:
    """A label made from a column name: ``_`` ``.`` ``-`` to spaces, words and numbers apart."""
    text = re.sub(r"[_.\-]+", " ", str(name))
    if not _PERSIAN.search(text):
        text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
        text = re.sub(r"\b([A-Za-z]+)(\d+)\b", r"\1 \2", text)  # imag1 -> imag 1 (b2b, 2026Q3 stay)
    text = " ".join(text.split())
    return text[:1].upper() + text[1:] if text[:1].isascii() else text


def _unique(name: str, taken: set[str], reserved=frozenset()) -> str:
    """``name``, or ``name_2``, ``name_3`` … the first not yet taken (then taken)."""
    base, k = name, 2
    while name in taken or name in reserved:
        name = f"{base}_{k}"
        k += 1
    taken.add(name)
    return name


def _ident(name: str, taken: set[str]) -> str:
    """An identifier for a column: the name itself when it is one, else a slug of it."""
    ident = str(name).strip()
    if not ident.isidentifier():
        ident = re.sub(r"\W+", "_", ident).strip("_") or "column"
        if ident[0].isdigit():
            ident = "c_" + ident
    return _unique(ident, taken, RESERVED)


def _fmt(x) -> str:
    return _number(x)


def _named_weight(p: Profile) -> bool:
    toks = [t.lower() for t in p.name_tokens]
    return any(t in WEIGHT_WORDS for t in toks) or "weight" in p.name.lower()


def _is_weight(p: Profile) -> str | None:
    """None when ``p`` is not the weight; else a note ("" or the rows that will be rejected)."""
    if not _named_weight(p) or not p.numeric:
        return None
    values = p.numbers
    bad = int((values.isna() | ~(values > 0) | ~np.isfinite(values)).sum())
    if bad > max(1, 0.01 * p.n):
        return None
    return f"; {bad} rows without a positive weight will be rejected" if bad else ""


def _is_id(p: Profile) -> str | None:
    """None when ``p`` is not the respondent id; else a note ("" or the rows that will be rejected).

    Named like an id and unique in every row; one percent of blank or repeated ids is allowed
    (a data error the intake then rejects), and said so.
    """
    toks = p.name_tokens
    lower = p.name.lower()
    named = (
        bool(_hits(ID_WORDS, toks, prefix=False))
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


def _is_comment(p: Profile) -> bool:
    if p.numeric or len(p.texts) == 0:
        return False
    if _hits(COMMENT_WORDS, p.name_tokens, prefix=False):
        return True
    lengths = p.texts.str.len()
    return bool(lengths.mean() >= 20 and p.texts.nunique() >= 0.5 * len(p.texts))


_KANO = re.compile(r"^(.+?)[_.\-]?(f|func|functional|d|dys|dysf|dysfunctional|imp|importance)$", re.IGNORECASE)


def _kano_columns(names: list[str]) -> dict[str, str]:
    """Columns of Kano question pairs (``x_f`` and ``x_d``, with ``x_imp``): column -> its pair's stem."""
    parts: dict[str, dict[str, str]] = {}
    for name in names:
        m = _KANO.match(name)
        if m:
            kind = m.group(2).lower()[0]  # f, d or i
            parts.setdefault(m.group(1), {})[kind] = name
    return {col: stem for stem, kinds in parts.items() if "f" in kinds and "d" in kinds for col in kinds.values()}


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


def _scale_for(p: Profile) -> ScaleGuess | None:
    """The scale of an item candidate, or None when the column is not a rating item."""
    values = p.numbers.dropna().to_numpy()
    if not len(values):
        return None
    labels = {k: v for k, v in p.value_labels.items()}
    missing = _missing_codes_from_labels(labels)
    notes = []
    if missing:
        notes.append("missing: codes labelled " + ", ".join(f"{_fmt(c)} '{labels[c]}'" for c in missing))
    answer_labels = {k: v for k, v in labels.items() if k not in missing}
    detached = [c for c in _detached_codes(values[~np.isin(values, missing)]) if c not in answer_labels]
    if detached:
        missing = sorted(set(missing) | set(detached))
        counts = ", ".join(f"{_fmt(c)} ({int(np.sum(values == c))}x)" for c in detached)
        notes.append(f"guessed 'don't know' codes: {counts}, set apart from the other answers - check")
    answers = values[~np.isin(values, missing)]
    if not len(answers) or not np.all(answers == np.round(answers)):
        return None
    strays = _strays(answers) if not answer_labels else []
    if strays:
        answers = answers[~np.isin(answers, strays)]
        counts = ", ".join(f"{_fmt(c)} ({int(np.sum(values == c))}x)" for c in strays)
        notes.append(
            f"rare answers {counts} set apart above the others are taken as errors (those rows will be "
            "rejected) - if they are real answers, widen the scale"
        )
    lo, hi = float(answers.min()), float(answers.max())
    if answer_labels:
        lo_l, hi_l = min(answer_labels), max(answer_labels)
        if lo < lo_l or hi > hi_l:
            notes.append(f"answers {_fmt(lo)}-{_fmt(hi)} go beyond the labelled codes {_fmt(lo_l)}-{_fmt(hi_l)}")
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


def _label_blocks(items: list[ItemGuess]) -> dict[str, tuple[str, list[ItemGuess]]]:
    """Runs of consecutive items whose SPSS labels share a leading phrase -> (phrase, items)."""
    out: dict[str, tuple[str, list[ItemGuess]]] = {}

    def phrase(label: str | None) -> str | None:
        if not label:
            return None
        parts = SEPARATORS.split(label, maxsplit=1)
        if len(parts) == 2 and parts[0] and len(parts[0].split()) <= 6:
            return parts[0].strip()
        return None

    run: list[ItemGuess] = []
    current = None

    def close():
        if current and len(run) >= 2:
            out[current] = (current, list(run))

    for item in items:
        ph = phrase(item.profile.label)
        if (
            ph is not None
            and current is not None
            and normalize_label(ph) == normalize_label(current)
            and item.profile.position == run[-1].profile.position + 1
        ):
            run.append(item)
            continue
        close()
        current, run = ph, [item]
    close()
    # a second way: >= 3 consecutive labels sharing their first two words ("Satisfaction with the ...")
    if not out:
        run, current = [], None
        for item in items:
            words = (item.profile.label or "").split()
            lead = " ".join(words[:2]) if len(words) > 3 else None
            if (
                lead is not None
                and current is not None
                and normalize_label(lead) == normalize_label(current)
                and item.profile.position == run[-1].profile.position + 1
            ):
                run.append(item)
                continue
            if current and len(run) >= 3:
                out[current] = (current, list(run))
            current, run = lead, [item]
        if current and len(run) >= 3:
            out[current] = (current, list(run))
    return out


_STEM = re.compile(r"^(.*?\D)[_.\s-]?(\d+)[a-z]?$", re.IGNORECASE)


def _stem_groups(items: list[ItemGuess]) -> dict[str, list[ItemGuess]]:
    """Column names sharing a stem before a number (imag1..imag5) or a first word (product_quality)."""
    groups: dict[str, list[ItemGuess]] = {}
    for item in items:
        m = _STEM.match(item.profile.name.strip())
        if m:
            stem = m.group(1).rstrip("_.- ")
            if stem and stem.lower() not in GENERIC_STEMS:
                groups.setdefault(stem, []).append(item)
    groups = {k: v for k, v in groups.items() if len(v) >= 2}
    taken = {id(i) for members in groups.values() for i in members}
    words: dict[str, list[ItemGuess]] = {}
    for item in items:
        if id(item) in taken:
            continue
        parts = [p for p in re.split(r"[_.\-\s]+", item.profile.name.strip()) if p]
        if len(parts) >= 2:
            words.setdefault(parts[0], []).append(item)
    for word, members in words.items():
        if len(members) >= 2 and word.lower() not in GENERIC_STEMS:
            groups[word] = members
    return groups


def _group_of(tokens: list[str]) -> tuple[str, str | None]:
    best, evidence, best_n = "other", None, 0
    for group, words in GROUP_WORDS.items():
        hits = _hits(words, tokens)
        if len(hits) > best_n:
            best, evidence, best_n = group, hits[0], len(hits)
    return best, evidence


def _dimension_key(name: str, taken: set[str]) -> str:
    key = re.sub(r"\W+", "_", name.strip()).strip("_")
    if not _PERSIAN.search(key):
        key = key.lower() if not re.fullmatch(r"[A-Z]", key) else key
    return _unique(key or "dimension", taken)


def _reverse_keyed(frame: pd.DataFrame) -> list[str]:
    """Columns with a negative loading on the first principal component (most loadings positive)."""
    corr = frame.corr(min_periods=10).to_numpy()
    if frame.shape[1] < 3 or np.isnan(corr).any():
        return []
    values, vectors = np.linalg.eigh(corr)
    first = vectors[:, -1] * np.sqrt(max(values[-1], 0))
    if np.sum(first > 0) < np.sum(first < 0):
        first = -first
    return [c for c, load in zip(frame.columns, first) if load < -0.2]


def _outcome_match(role: str, p: Profile) -> list[str]:
    tokens = p.tokens
    text = normalize_label(f"{p.name} {p.label or ''}".replace("_", " ")) or ""
    if role == "overall":
        hits = _hits(OUTCOME_WORDS["overall"], tokens, prefix=False)
        hits += [t for t in tokens if t.startswith("satisf")]
        if "رضایت کلی" in text:
            hits.append("رضایت کلی")
        return hits
    if role == "loyalty":
        hits = _hits(OUTCOME_WORDS["loyalty"], tokens, prefix=False)
        if "buy again" in text or "خرید مجدد" in text:
            hits.append("buy again")
        return hits
    if role == "effort":
        hits = _hits(OUTCOME_WORDS["effort"], tokens, prefix=False)
        return hits + (["made it easy"] if "made it easy" in text else [])
    hits = _hits(OUTCOME_WORDS[role], tokens, prefix=False)
    return hits + [t for t in tokens if t.startswith("recommend")]


def guess(table: RawTable) -> Draft:
    """Every guess for one export (nothing is written)."""
    frame = table.frame
    draft = Draft(source=Path(table.source), n_rows=len(frame))
    profiles = [_profile(frame, table, i, c) for i, c in enumerate(frame.columns)]
    taken_ids: set[str] = set()
    candidates: list[ItemGuess] = []
    remaining = []
    kano = _kano_columns([p.name for p in profiles])

    for p in profiles:
        if p.n_filled == 0:
            draft.left_out.append((p.name, "empty"))
            continue
        if draft.weight is None and (note := _is_weight(p)) is not None:
            draft.weight, draft.weight_note = p.name, note
            continue
        if _named_weight(p) and p.numeric:
            draft.left_out.append((p.name, "named like a weight but not a positive number in every row"))
            continue
        if draft.respondent_id is None and (note := _is_id(p)) is not None:
            draft.respondent_id, draft.id_note = p.name, note
            continue
        if p.name in kano:
            draft.left_out.append((p.name, f"Kano question '{kano[p.name]}': declare the pair under kano: pairs"))
            continue
        remaining.append(p)

    segment_names: set[str] = set()
    for p in remaining:
        toks = p.name_tokens + _tokens(p.label or "")
        seg_named = bool(_hits(SEGMENT_WORDS, toks, prefix=False))
        out_named = bool(_hits(LEFT_OUT_WORDS, p.name_tokens, prefix=False))
        if not p.numeric:
            if draft.comment is None and _is_comment(p):
                draft.comment = p.name
            elif p.distinct <= MAX_LEVELS and p.distinct < max(p.n_filled, 2):
                _add_segment(draft, p, segment_names, taken_ids)
            else:
                why = "free text" if p.texts.str.len().mean() >= 20 else f"text with {p.distinct} distinct values"
                draft.left_out.append((p.name, why))
            continue
        labelled_nominal = bool(p.value_labels) and not any(
            SCALE_WORDS.search(normalize_label(v) or "") for v in p.value_labels.values()
        )
        two_valued = p.distinct == 2 and p.n_filled >= 30 and not _any_outcome(p)  # small samples: maybe an item
        if p.distinct <= MAX_LEVELS and (seg_named or labelled_nominal or two_valued):
            _add_segment(draft, p, segment_names, taken_ids)
            continue
        if out_named:
            draft.left_out.append((p.name, "not a rating (by its name)"))
            continue
        scale = _scale_for(p)
        if scale is None:
            values = p.numbers.dropna()
            why = (
                "fractions"
                if not np.all(values == np.round(values))
                else f"values {_fmt(values.min())}-{_fmt(values.max())}"
                if len(values)
                else "no numbers"
            )
            draft.left_out.append((p.name, f"numeric, not a rating ({why})"))
            continue
        if p.n_bad:
            scale.notes.append(f"{p.n_bad} answers are not numbers (e.g. '{p.bad_example}'): those rows will be rejected")
        if p.label:
            label, note = p.label, None
        else:
            label, note = _readable(p.name), "label from the column name: write the question"
        candidates.append(ItemGuess(profile=p, id="", label=label, label_note=note, scale=scale))

    _assign_dimensions(draft, candidates)
    _assign_outcomes(draft, candidates)
    for item in draft.items:
        item.id = _ident(item.profile.name, taken_ids)
    _name_scales(draft)
    _reverse(draft, frame)
    labels = [i.label for i in draft.items] + [o.profile.label or o.profile.name for o in draft.outcomes.values()]
    if labels and sum(bool(_PERSIAN.search(x)) for x in labels) > len(labels) / 2:
        draft.language = "fa"
    return draft


def _any_outcome(p: Profile) -> bool:
    return any(_outcome_match(role, p) for role in OUTCOME_WORDS)


def _add_segment(draft: Draft, p: Profile, names: set[str], taken_ids: set[str]) -> None:
    name = _ident(p.name, taken_ids)
    names.add(name)
    notes = []
    levels, level_labels = None, {}
    if p.value_labels:
        codes = sorted(p.value_labels)
        levels = [p.value_labels[c] for c in codes]
        if len({normalize_label(v) for v in levels}) == len(levels):
            level_labels = {p.value_labels[c]: Note(p.value_labels[c], f"code {_fmt(c)} in the file") for c in codes}
            notes.append("the SPSS value labels; the intake reads each code as its label")
            seen = set(p.numbers.dropna().unique()) if p.numeric else set()
            unlabelled = sorted(v for v in seen if v not in p.value_labels)
            if unlabelled:
                notes.append("codes without a label are rejected: " + ", ".join(_fmt(v) for v in unlabelled[:6]))
        else:
            levels = None
    elif p.numeric:
        codes = sorted(p.numbers.dropna().unique())
        notes.append(
            "codes " + ", ".join(_fmt(c) for c in codes) + " without labels: add level_labels ('1': how reports name code 1, ...)"
        )
    else:
        values = list(dict.fromkeys(p.texts))[:MAX_LEVELS]
        notes.append("values seen: " + ", ".join(values))
    draft.segments[name] = (p, levels, level_labels, notes)


def _assign_dimensions(draft: Draft, items: list[ItemGuess]) -> None:
    taken: set[str] = set()
    for phrase, (_, members) in _label_blocks(items).items():
        key = _dimension_key(phrase, taken)
        group, evidence = _group_of(_tokens(phrase))
        if group == "other":
            group, evidence = _group_of([t for m in members for t in _tokens(m.profile.label or "")])
        for m in members:
            m.dimension = key
            m.dimension_note = f"labels starting '{phrase}'"
            m.group, m.group_note = group, evidence
    for stem, members in _stem_groups([i for i in items if i.dimension is None]).items():
        key = _dimension_key(stem, taken)
        group, evidence = _group_of(_tokens(stem))
        if group == "other":
            group, evidence = _group_of([t for m in members for t in m.profile.tokens])
        for m in members:
            m.dimension = key
            m.dimension_note = f"columns named {stem}…"
            m.group, m.group_note = group, evidence
    for item in items:
        if item.dimension is None:
            item.group, item.group_note = _group_of(item.profile.tokens)
    by_group: dict[str, list[ItemGuess]] = {}
    for item in items:
        if item.dimension is None and item.group != "other":
            by_group.setdefault(item.group, []).append(item)
    for group, members in by_group.items():
        if group in taken:
            key = group
        elif len(members) >= 2:
            key = _dimension_key(group, taken)
        else:
            continue
        for m in members:
            m.dimension = key
            m.dimension_note = f"from the group guess ('{m.group_note}')"
    draft.items = items


def _assign_outcomes(draft: Draft, items: list[ItemGuess]) -> None:
    dims = {}
    for item in items:
        if item.dimension:
            dims.setdefault(item.dimension, []).append(item)
    used: set[str] = set()
    for role in ("overall", "recommend", "loyalty", "effort"):
        # a question outside the item blocks: the outcome itself (not an item)
        alone = [
            i
            for i in items
            if i.profile.name not in used
            and (i.dimension is None or i.dimension_note.startswith("from the group"))
            and _outcome_match(role, i.profile)
        ]
        if role == "overall":
            alone.sort(key=lambda i: "overall" not in i.profile.tokens and "کلی" not in i.profile.tokens)
        if alone:
            chosen = alone[0]
            hits = _outcome_match(role, chosen.profile)
            draft.outcomes[role] = OutcomeGuess(
                chosen.profile, chosen.scale, f"guessed from '{hits[0]}' in its name or label - check"
            )
            items.remove(chosen)
            used.add(chosen.profile.name)
            continue
        # a concept measured by several items (sat1..sat4): its first item, kept as an item
        for key, members in dims.items():
            if any(m.profile.name in used for m in members):
                continue
            if _hits(OUTCOME_WORDS[role], _tokens(key), prefix=False) or (role == "overall" and key.lower().startswith("satisf")):
                chosen = members[0]
                note = (
                    f"the first item of the dimension '{key}' (also kept as its item, so reliability sees the "
                    f"whole concept; the driver analysis leaves '{key}' out) - pick the item that asks about "
                    f"{role} itself"
                )
                draft.outcomes[role] = OutcomeGuess(chosen.profile, chosen.scale, note, item=chosen)
                used.update(m.profile.name for m in members)
                if role in ("loyalty", "recommend"):
                    for m in members:
                        m.driver = False
                        m.driver_note = f"{role} is a consequence of satisfaction, not a driver of it"
                break


def _scale_name(scale: ScaleGuess, taken: set[str]) -> str:
    points = int(scale.max - scale.min + 1)
    text = " ".join(normalize_label(v) or "" for v in scale.labels.values())
    for word, stem in (
        ("agree", "agree"),
        ("موافق", "agree"),
        ("satisf", "sat"),
        ("راضی", "sat"),
        ("likely", "likely"),
        ("important", "imp"),
    ):
        if scale.labels and word in text:
            name = f"{stem}{points}"
            break
    else:
        name = f"s{_fmt(scale.min)}_{_fmt(scale.max)}".replace("-", "m")
    return _unique(name, taken)


def _name_scales(draft: Draft) -> None:
    # items of one dimension without value labels share one scale: the union of their ranges
    dims: dict[str, list[ItemGuess]] = {}
    for item in draft.items:
        if item.dimension and not item.scale.labels:
            dims.setdefault(item.dimension, []).append(item)
    for members in dims.values():
        lo = min(m.scale.min for m in members)
        hi = max(m.scale.max for m in members)
        missing = sorted({c for m in members for c in m.scale.missing if not lo <= c <= hi})
        for m in members:
            if (m.scale.min, m.scale.max) != (lo, hi):
                m.scale = ScaleGuess(lo, hi, {}, missing, list(m.scale.notes))
            else:
                m.scale.missing = missing
    # a questionnaire usually asks every rating on one format: unlabelled items whose ranges
    # differ from the widest by at most one point at either end (a 1-10 question where nobody
    # answered 10) share that widest range; clearly different formats (1-5 and 1-10) stay apart
    plain = [i for i in draft.items if not i.scale.labels]
    widest_first = sorted({(i.scale.min, i.scale.max) for i in plain}, key=lambda r: (r[0] - r[1], r))
    anchor = {}
    for lo, hi in widest_first:
        anchor[(lo, hi)] = next(
            (
                (a_lo, a_hi)
                for (a_lo, a_hi), a in anchor.items()
                if a == (a_lo, a_hi) and a_lo <= lo <= a_lo + 1 and a_hi - 1 <= hi <= a_hi
            ),
            (lo, hi),
        )
    for i in plain:
        lo, hi = anchor[(i.scale.min, i.scale.max)]
        if (lo, hi) != (i.scale.min, i.scale.max):
            missing = sorted(c for c in i.scale.missing if not lo <= c <= hi)
            i.scale = ScaleGuess(lo, hi, {}, missing, list(i.scale.notes))
    for outcome in draft.outcomes.values():
        if outcome.item is not None:
            outcome.scale = outcome.item.scale
    scales: dict = {}
    names: set[str] = set()
    for scale in [i.scale for i in draft.items] + [o.scale for o in draft.outcomes.values()]:
        key = scale.key()
        if key not in scales:
            scales[key] = (_scale_name(scale, names), ScaleGuess(scale.min, scale.max, scale.labels, scale.missing, []))
        merged = scales[key][1]
        for note in scale.notes:
            if note not in merged.notes and len(merged.notes) < 4:
                merged.notes.append(note)
    lookup = {k: v[0] for k, v in scales.items()}
    for item in draft.items:
        item.scale_name = lookup[item.scale.key()]
    for outcome in draft.outcomes.values():
        outcome.scale_name = lookup[outcome.scale.key()]
    draft.scales = {name: scale for name, scale in scales.values()}
    # what the answers seen say about each scale drawn from them
    for name, scale in draft.scales.items():
        cols = [i.profile for i in draft.items if i.scale_name == name] + [
            o.profile for o in draft.outcomes.values() if o.scale_name == name and o.item is None
        ]
        values = pd.concat([p.numbers for p in cols]).dropna()
        values = values[~values.isin(scale.missing)]
        if scale.labels or not len(values):
            continue
        lo, hi = float(values.min()), float(values.max())
        if lo > scale.min:
            scale.notes.append(f"the lowest answer seen is {_fmt(lo)}; the scale is assumed to start at {_fmt(scale.min)}")
        if hi < scale.max:
            scale.notes.append(f"the highest answer seen is {_fmt(hi)}; a scale up to {_fmt(scale.max)} is assumed")
        zeros = int((values == 0).sum())
        if scale.min == 0 and scale.max == 10 and zeros and zeros <= 0.01 * len(values):
            scale.notes.append(
                f"only {zeros} of {len(values)} answers are 0: if the question was asked on 1-10, "
                "set min: 1 and those rows will be rejected"
            )
        if scale.min == 1 and scale.max == 10:
            scale.notes.append("no 0 answers seen: if the question was asked on 0-10, set min: 0")
    rec = draft.outcomes.get("recommend")
    if rec is not None and (rec.scale.min, rec.scale.max) != (0, 10):
        rec.note += "; the NPS needs a 0-10 question"


def _reverse(draft: Draft, frame: pd.DataFrame) -> None:
    if draft.n_rows < 30:
        return
    for dim, ids in draft.dimensions.items():
        members = [i for i in draft.items if i.dimension == dim]
        if len(members) < 3:
            continue
        data = pd.DataFrame({m.id: m.profile.numbers.where(~m.profile.numbers.isin(m.scale.missing)) for m in members})
        flagged = set(_reverse_keyed(data))
        for m in members:
            if m.id in flagged:
                m.reverse = True
                m.reverse_note = "correlates negatively with the rest of its dimension: reverse-keyed? check the wording"


# ---------------------------------------------------------------------------- documents
def _survey_title(source: Path) -> str:
    """A survey name from the export's file name ("bank.csv" -> "Bank survey")."""
    title = _readable(source.stem)
    return title if re.search(r"survey|پیمایش|نظرسنجی", title, re.IGNORECASE) else f"{title} survey"


def codebook_document(draft: Draft) -> tuple[dict, list[str]]:
    """The codebook as a mapping of Notes, and its header comment lines."""
    doc: dict = {}
    doc["survey"] = Note(_survey_title(draft.source), "a name for the survey series (from the file name)")
    doc["organisation"] = Note("", "your organisation's name, shown on the reports")
    if draft.respondent_id:
        doc["respondent_id"] = Note(
            draft.respondent_id, "named like an id, unique per row: check it identifies respondents" + draft.id_note
        )
    else:
        doc["respondent_id"] = Note(
            None, before=("no column is unique per row and named like an id: respondents are identified by their row number",)
        )
    if draft.weight:
        doc["weight"] = Note(draft.weight, "named like a weight and positive: check it is a survey weight" + draft.weight_note)
    if draft.comment:
        doc["comments"] = Note(
            {
                "column": Note(draft.comment, "free-text answers (by its name, or long and mostly unique)"),
                "themes": Note({}, "no themes yet: the report lists the comments' frequent words to start from"),
            },
            before=(
                "open comments: add themes to code them, e.g. themes: {late_delivery: {label: {en: Late delivery, "
                "fa: تأخیر در تحویل}, department: Logistics, patterns: {en: [late, delay*], fa: [تاخیر*, دیر رسید]}}}",
                "a pattern is a word or phrase matched as whole words; a trailing * matches any ending "
                "(docs/methods/comments.md)",
            ),
        )
    if draft.segments:
        segs = {}
        for name, (p, levels, level_labels, notes) in draft.segments.items():
            spec = {"column": p.name}
            spec["label"] = Note(p.label or _readable(p.name), None if p.label else "label from the column name")
            if levels:
                spec["levels"] = Note(levels, "the accepted values, in code order")
            if level_labels:
                spec["level_labels"] = level_labels
            segs[name] = Note(spec, "; ".join(notes) or None)
        doc["segments"] = Note(segs, before=("segments: columns with a few distinct values that are not ratings",))
    scales = {}
    for name, s in draft.scales.items():
        spec: dict = {"min": s.min, "max": s.max}
        if s.labels:
            spec["labels"] = {k: v for k, v in sorted(s.labels.items())}
        if s.missing:
            spec["missing"] = list(s.missing)
        source = "from the SPSS value labels" if s.labels else "from the answers seen"
        scales[name] = Note(spec, source, before=tuple(f"check: {n}" for n in s.notes))
    doc["scales"] = Note(scales, before=("answer scales: codes min..max; 'missing' codes (don't know) become missing answers",))
    items = []
    for i in draft.items:
        spec = {"id": i.id}
        if i.id != i.profile.name:
            spec["column"] = i.profile.name
        spec["label"] = Note(i.label, i.label_note)
        spec["group"] = Note(
            i.group,
            f"guessed from '{i.group_note}'" if i.group_note else "no keyword matched: product, delivery or organisation?",
        )
        if i.dimension:
            spec["dimension"] = Note(i.dimension, i.dimension_note)
        if i.reverse:
            spec["reverse"] = Note(True, i.reverse_note)
        spec["scale"] = i.scale_name
        if i.driver is not None:
            spec["driver"] = Note(i.driver, i.driver_note)
        items.append(spec)
    doc["items"] = Note(
        items, before=("rating items: add 'department: <name>' to route findings to the department that owns each one",)
    )
    if draft.outcomes:
        outcomes = {}
        for role, o in draft.outcomes.items():
            label = (
                Note(o.profile.label, None) if o.profile.label else Note(_readable(o.profile.name), "label from the column name")
            )
            outcomes[role] = Note({"column": o.profile.name, "label": label, "scale": o.scale_name}, o.note)
        doc["outcomes"] = Note(outcomes)
    else:
        doc["outcomes"] = Note(
            {},
            "no overall satisfaction, recommendation, loyalty or effort question found",
            before=(
                "the driver analysis and the headline indicators need an outcome, e.g. "
                "outcomes: {overall: {column: <col>, label: Overall satisfaction, scale: <scale>}}",
            ),
        )
    header = [
        f"Codebook drafted by `csm init` from {draft.source.name} ({draft.n_rows} rows) on {dt.date.today()}.",
        "Every guess carries a comment saying what to check; edit freely, then `csm validate` the wave file.",
    ]
    if draft.language == "fa":
        header.append(
            "Persian labels: add `calendar: jalali` if the wave files and complaints log use Solar Hijri "
            "dates; labels may also be written {en: ..., fa: ...}."
        )
    if draft.left_out:
        header.append("Columns left out (add them by hand if they are wanted):")
        by_reason: dict[str, list[str]] = {}
        for column, why in draft.left_out:
            by_reason.setdefault(why, []).append(column)
        kano = {why: cols for why, cols in by_reason.items() if why.startswith("Kano question")}
        if kano:
            header.append(
                "  Kano question pairs (functional, dysfunctional, importance), to declare under kano: pairs: "
                + ", ".join(c for cols in kano.values() for c in cols)
            )
        for why, cols in by_reason.items():
            if why not in kano:
                header.append(f"  {why}: {', '.join(cols)}")
    return doc, header


def _quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    q = (today.month - 1) // 3
    start = dt.date(today.year, 3 * q + 1, 1)
    end_month = 3 * q + 3
    end = dt.date(today.year + (end_month == 12), end_month % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def wave_document(
    draft: Draft, wave: str, codebook_rel: str, responses_rel: str, today: dt.date | None = None
) -> tuple[dict, list[str]]:
    start, end = _quarter(today or dt.date.today())
    doc = {
        "wave": Note(wave),
        "title": Note(f"{_survey_title(draft.source)} {wave}", "the reports' title"),
        "fieldwork": Note(
            {"start": start.isoformat(), "end": end.isoformat()}, "the current quarter: write the real fieldwork dates"
        ),
        "codebook": codebook_rel,
        "responses": Note(responses_rel, "read only, never modified"),
        "options": Note(
            {"level": 0.95, "n_boot": 500, "seed": 2026, "language": draft.language, "min_n": 30},
            "language fa: most labels are Persian" if draft.language == "fa" else None,
            before=("min_n: smallest segment shown in the reports; n_boot: bootstrap resamples",),
        ),
    }
    header = [
        f"Wave file drafted by `csm init` from {draft.source.name} on {dt.date.today()}.",
        "Complaints: add `complaints: data/<log>.csv` (and the log's columns under `complaints:` in the",
        "codebook) to analyse a complaints log; `actions:` adds the corrective-action register.",
        "Targets: `targets: {overall_mean: 7.0, csat: 70.0}`; the lowest answer counted as satisfied or loyal:",
        "`cutoffs: {csat: ..., loyalty: ...}` (default: from the scale).",
    ]
    if "overall" in draft.outcomes:
        n = _n_drivers(draft)
        doc["drivers"] = Note(
            {"method": "auto", "exclude": []},
            f"{n} candidate drivers of overall satisfaction; auto: exact Shapley and relative "
            "weights while Shapley is fast, relative weights alone beyond; exclude: item ids",
        )
    else:
        header.append("No overall-satisfaction outcome was found: the driver analysis needs one (see the codebook).")
    return doc, header


def _n_drivers(draft: Draft) -> int:
    """Candidate drivers of overall satisfaction, by the codebook's rule (own dimension and driver: false out)."""
    own = draft.outcomes["overall"].item
    return sum(
        1
        for i in draft.items
        if i.driver is not False and i is not own and not (own is not None and own.dimension and i.dimension == own.dimension)
    )


# ---------------------------------------------------------------------------- files
@dataclass(frozen=True)
class InitResult:
    codebook: Path
    wave_file: Path
    draft: Draft
    n_read: int
    n_accepted: int


def codebook_path(root: Path, datafile: Path) -> Path:
    """``params/<stem>.codebook.yaml``: one codebook per export layout, named after the export."""
    stem = re.sub(r"[^\w.-]+", "_", Path(datafile).stem, flags=re.UNICODE).strip("._") or "survey"
    return Path(root) / "params" / f"{stem}.codebook.yaml"


def _relative(path: Path, root: Path) -> str:
    path, root = Path(path).resolve(), Path(root).resolve()
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.relpath(path, root)).as_posix()


def draft_project(
    datafile: str | Path, wave: str, *, root: str | Path = ".", force: bool = False, today: dt.date | None = None
) -> InitResult:
    """Draft ``params/<stem>.codebook.yaml`` and ``params/<wave>.yaml`` for an export.

    Refuses (CSMInputError) an invalid wave id, an unreadable export, and existing files unless
    ``force``. The drafts are validated against the export before anything is written.
    """
    from csmlib.core.exports import atomic_write_text
    from csmlib.survey.codebook import Codebook, parse_yaml
    from csmlib.survey.responses import validate_responses
    from csmlib.survey.params import WAVE_ID, WaveParams, load_params

    datafile, root = Path(datafile), Path(root)
    if not re.fullmatch(WAVE_ID, wave):
        raise CSMInputError(f"invalid wave id '{wave}': letters, digits, _ . - (not starting with a dot)")
    table = read_table(datafile)
    cb_path = codebook_path(root, datafile)
    wave_path = root / "params" / f"{wave}.yaml"
    if cb_path.resolve() == wave_path.resolve():
        raise CSMInputError(f"wave id '{wave}' would overwrite the codebook {cb_path}")
    if not force:
        for path in (cb_path, wave_path):
            if path.exists():
                raise CSMInputError("already exists; use --force to overwrite", file=path)
    draft = guess(table)
    if not draft.items:
        raise CSMInputError("no column looks like a rating question (whole numbers from 0 to 11)", file=datafile)

    doc, header = codebook_document(draft)
    cb_text = to_yaml(doc, header)
    cb_data = parse_yaml(cb_text)
    try:
        codebook = Codebook.model_validate(cb_data)
    except Exception as exc:  # a bug in the draft rules, not in the user's file
        raise RuntimeError(f"drafted codebook is invalid: {exc}") from exc
    intake = validate_responses(table, codebook)

    wave_doc, wave_header = wave_document(draft, wave, _relative(cb_path, root), _relative(datafile, root), today)
    wave_text = to_yaml(wave_doc, wave_header)
    WaveParams.model_validate(parse_yaml(wave_text), context={"calendar": "gregorian"})

    cb_path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(cb_path, cb_text)
    atomic_write_text(wave_path, wave_text)
    load_params(wave_path)  # the paths resolve
    return InitResult(cb_path, wave_path, draft, intake.n_read, intake.n_accepted)
