"""Voice of the customer: open comments (English and Persian) coded into themes.

A *codeframe* names the themes and the words that signal them; :func:`code` marks each comment
with the themes it mentions, :func:`themes_table` turns the marks into shares with intervals,
satisfaction gaps and wave-over-wave changes, :func:`uncovered_terms` lists frequent words of the
comments no theme covers (candidates for new themes) and :func:`examples` picks short quotes.
:func:`mask_pii` removes e-mail addresses, phone numbers, national ids, card numbers and IBANs
before any text is shown. Method note: ``docs/methods/comments.md``.

The codeframe
-------------
A plain mapping (in the codebook it is the `comments: themes:` block)::

    {"delivery_delay": {"label": {"en": "Late delivery", "fa": "تأخیر در تحویل"},
                        "department": "Logistics",
                        "patterns": {"en": ["late", "delay*", "took too long"],
                                     "fa": ["تاخیر*", "دیر رسید"]}}}

(a mapping ``{"themes": {...}}`` is accepted too). Only ``patterns`` is used for coding: the
patterns of every language are tried on every comment (comments mix languages). ``patterns`` may
also be a plain list.

Matching rules
--------------
A comment and a pattern are both turned into a sequence of *words* by :func:`normalize_comment`:

1. Zero-width non-joiner, zero-width joiner, word joiner, byte-order mark and soft hyphen are
   removed (ZWNJ only ever sits inside a Persian word: ``می‌خواهم`` → ``میخواهم``).
2. :func:`csmlib.core.text.normalize_label`: Unicode NFKC (presentation forms, ligatures, full-width
   letters), Persian and Arabic-Indic digits → ASCII, Arabic yeh ``ي`` and alef maksura ``ى`` →
   Persian yeh ``ی``, Arabic kaf ``ك`` → Persian keheh ``ک``, white space collapsed, case folded.
3. Removed: tatweel ``ـ`` (U+0640), the harakat and other Arabic marks (U+064B–U+065F: tanwin,
   fatha, damma, kasra, shadda, sukun, madda and hamza above/below as marks; U+0670 superscript
   alef; the Quranic annotation signs U+06D6–U+06ED).
4. Letter forms folded: teh marbuta ``ة``, heh with yeh above ``ۀ``, heh doachashmee ``ھ`` and
   ae ``ە`` → heh ``ه``; alef with hamza above ``أ`` or below ``إ``, alef with madda ``آ`` and alef
   wasla ``ٱ`` → alef ``ا`` (informal typing drops the hamza and the madda: ``اخر``/``آخر``).
   Hamza on waw ``ؤ`` and on yeh ``ئ`` are kept (their variants are spelled differently, not
   just written with another form of the same letter).
5. Every character that is not a letter or a digit (punctuation, symbols, spaces) separates
   words.
6. Persian affixes are joined to their word, whether written with ZWNJ, a space or nothing: a
   prefix word in :data:`PREFIXES` (``می``, ``نمی``, ``بی``) is joined to the next word, a suffix
   word in :data:`SUFFIXES` (``ها``, ``های``, ``تر``, ``ترین``, …) to the previous word, when
   that word is written in Arabic script: ``می خواهم`` = ``می‌خواهم`` = ``میخواهم``,
   ``بسته ها`` = ``بسته‌ها`` = ``بستهها``. (A standalone ``تر`` "wet" is joined too.)

A pattern matches a comment when its words occur in the comment as whole, consecutive words;
a trailing ``*`` makes the last word a prefix (``deliver*`` matches ``delivery``, ``delivered``).
``late`` does not match ``chocolate``; ``بسته`` does not match ``بسته‌ها`` (write ``بسته*``).
A comment may have several themes. A *blank* comment is missing or has no word (only spaces or
punctuation); it has no theme.

Unlike :func:`csmlib.core.text.normalize_label` (labels, compared as whole strings), which turns a
ZWNJ into a space, comments drop it (rule 1): here words are compared one by one, and a ZWNJ is
always inside a word.

Vectorisation: the comments are split at white space by pyarrow and each distinct raw word is
normalised once (pieces that no rule changes except for case — ASCII letters and digits, Persian
letters that no rule maps — are lower-cased by pyarrow, the others go through rules 1–5 in
Python); the affixes are joined with numpy on the word sequence; each pattern is resolved once
against the vocabulary of normalised words (exact words by look-up, prefixes with pyarrow
``starts_with``), and a theme is then an array look-up over the words. 1,000,000 comments × 30
themes take about 5 s on two cores (``benchmarks/bench_comments.py``).
"""

from __future__ import annotations

import math
import re
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from csmlib.stats.indicators import adjust_pvalues, compare, top_box
from csmlib.core.text import ASCII_DIGITS, LETTER_FORMS, to_ascii_digits
from csmlib.stats.weighting import check_weights

__all__ = [
    "normalize_comment",
    "normalize_comments",
    "theme_patterns",
    "Pattern",
    "code",
    "blank_rows",
    "mask_pii",
    "themes_table",
    "uncovered_terms",
    "examples",
    "PREFIXES",
    "SUFFIXES",
    "STOP_WORDS",
    "PII_PLACEHOLDERS",
    "TABLE_COLUMNS",
]

# ============================================================================================
# Normalisation
# ============================================================================================

_REMOVED = dict.fromkeys(map(ord, "\u200c\u200d\u2060\ufeff\u00ad"), None)
_MARKS = (
    "\u0640"
    + "".join(map(chr, range(0x064B, 0x0660)))
    + "\u0670"
    + "".join(map(chr, range(0x06D6, 0x06DD)))
    + "".join(map(chr, range(0x06DF, 0x06E5)))
    + "\u06e7\u06e8"
    + "".join(map(chr, range(0x06EA, 0x06EE)))
)
_FOLD = str.maketrans(
    {
        **dict.fromkeys(_MARKS, None),
        "\u0629": "\u0647",  # ة teh marbuta -> heh
        "\u06c0": "\u0647",  # ۀ heh with yeh above -> heh
        "\u06be": "\u0647",  # ھ heh doachashmee -> heh
        "\u06d5": "\u0647",  # ە ae -> heh
        "\u0623": "\u0627",  # أ alef with hamza above -> alef
        "\u0625": "\u0627",  # إ alef with hamza below -> alef
        "\u0622": "\u0627",  # آ alef with madda -> alef
        "\u0671": "\u0627",
    }
)  # ٱ alef wasla -> alef
_NONWORD = re.compile(r"[\W_]+")
# words that rules 1-5 leave as they are, except for case (pyarrow RE2 syntax)
_SIMPLE = "^(?:[A-Za-z0-9]+|[ءابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیؤئ]+)$"

#: Persian prefixes joined to the next word (as normalised).
PREFIXES = ("می", "نمی", "بی")
#: Persian suffixes joined to the previous word (as normalised): plural ها/های (+ possessive
#: endings), comparative تر/تری and superlative ترین.
SUFFIXES = ("ها", "های", "هایی", "هایم", "هایت", "هایش", "هایمان", "هایتان", "هایشان", "تر", "تری", "ترین")


# normalize_label's NFKC, digit and letter rules (csmlib.core.text) with the comment rules 3–4 in one
# table: no character is mapped twice, so one pass equals normalize_label followed by _FOLD.
_TABLE = {**ASCII_DIGITS, **LETTER_FORMS, **_FOLD}


def _words_of_token(raw: str) -> list[str]:
    """Rules 1–5 on one white-space-free piece of text: its normalised words. The same as
    ``_NONWORD.sub(" ", normalize_label(raw without joiners).translate(_FOLD)).split()``."""
    if raw.isascii():  # NFKC and the letter tables leave ASCII unchanged
        low = raw.lower()
        return [low] if low.isalnum() else _NONWORD.sub(" ", low).split()
    s = unicodedata.normalize("NFKC", raw.translate(_REMOVED)).translate(_TABLE).casefold()
    return _NONWORD.sub(" ", s).split()


def _arabic_letter(ch: str) -> bool:
    return "\u0620" <= ch <= "\u06ff" and ch.isalpha()


@dataclass(frozen=True)
class _Tokens:
    """Normalised words of n texts: ``tok`` (ids into ``vocab``) in text order, ``row`` the
    position of the text each word belongs to (non-decreasing)."""

    vocab: list
    index: dict
    tok: np.ndarray
    row: np.ndarray
    n_rows: int

    def counts(self) -> np.ndarray:
        return np.bincount(self.row, minlength=self.n_rows)


def _as_series(texts, caller: str) -> pd.Series:
    if isinstance(texts, pd.DataFrame):
        raise TypeError(f"{caller}: texts must be one column (a Series), not a DataFrame")
    if isinstance(texts, str):
        raise TypeError(f"{caller}: texts must be a sequence of texts (a Series), not one str")
    s = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    if not isinstance(s.dtype, pd.StringDtype):
        s = s.astype("str")  # numbers become text; missing values stay missing
    return s


def _tokenize(s: pd.Series) -> _Tokens:
    """The normalised words of every text of ``s`` (a string Series)."""
    arr = pa.array(s, type=pa.large_string(), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    n = len(arr)
    lists = pc.utf8_split_whitespace(arr)
    flat = pc.list_flatten(lists)
    parent = pc.list_parent_indices(lists).to_numpy().astype(np.int64)
    enc = pc.dictionary_encode(flat)
    raw_ids = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    raw = enc.dictionary
    R = len(raw)
    # rules 1-5, once per distinct raw word; words no rule changes except for case (ASCII
    # letters and digits; Persian letters no rule maps) are lower-cased by pyarrow
    simple = pc.match_substring_regex(raw, _SIMPLE).to_numpy(zero_copy_only=False)
    hard = np.flatnonzero(~simple)
    norm = [_words_of_token(r) for r in raw.take(pa.array(hard, pa.int64())).to_pylist()]
    sub_len = np.ones(R, np.int64)
    sub_len[hard] = np.fromiter(map(len, norm), np.int64, hard.size)
    start = np.cumsum(sub_len) - sub_len
    words = np.empty(int(sub_len.sum()), dtype=object)
    words[start[simple]] = pc.utf8_lower(raw.filter(pa.array(simple))).to_numpy(zero_copy_only=False)
    words[_expand(start[hard], sub_len[hard])] = list(chain.from_iterable(norm))
    enc2 = pc.dictionary_encode(pa.array(words, pa.large_string()))
    ids = enc2.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    vocab = enc2.dictionary.to_pylist()
    index = {w: i for i, w in enumerate(vocab)}
    # each occurrence becomes its words: the first in place, the others inserted after it
    first = np.where(sub_len > 0, ids[np.minimum(start, max(ids.size - 1, 0))], -1) if ids.size else np.full(R, -1, np.int64)
    tok, row = first[raw_ids], parent
    multi = sub_len[raw_ids] > 1
    if multi.any():
        occ = np.flatnonzero(multi)
        extra = sub_len[raw_ids[occ]] - 1
        at = np.repeat(occ + 1, extra)
        more = ids[_expand(start[raw_ids[occ]] + 1, extra)]
        tok = np.insert(tok, at, more)
        row = np.insert(row, at, np.repeat(parent[occ], extra))
    if (sub_len == 0).any():
        keep = tok >= 0
        tok, row = tok[keep], row[keep]
    tok, row = _join_affixes(tok, row, vocab, index)
    return _Tokens(vocab, index, tok, row, n)


def _expand(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions starts[i], starts[i] + 1, …, starts[i] + lengths[i] − 1, concatenated."""
    total = int(lengths.sum())
    offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return offsets + np.arange(total, dtype=np.int64)


def _join_affixes(tok: np.ndarray, row: np.ndarray, vocab: list, index: dict):
    """Rule 6: prefix words joined to the next word, suffix words to the previous one."""
    pre = [index[p] for p in PREFIXES if p in index]
    suf = [index[p] for p in SUFFIXES if p in index]
    if tok.size < 2 or not (pre or suf):
        return tok, row
    V = len(vocab)
    is_pre = np.zeros(V, bool)
    is_pre[pre] = True
    is_suf = np.zeros(V, bool)
    is_suf[suf] = True
    a, b = tok[:-1], tok[1:]
    same = row[:-1] == row[1:]
    at_pre = np.flatnonzero(is_pre[a] & same)  # i: word i is a prefix
    at_suf = np.flatnonzero(is_suf[b] & same)  # i: word i + 1 is a suffix
    starts = np.zeros(V, bool)
    ends = np.zeros(V, bool)
    for v in np.unique(b[at_pre]).tolist():
        starts[v] = _arabic_letter(vocab[v][0])
    for v in np.unique(a[at_suf]).tolist():
        ends[v] = _arabic_letter(vocab[v][-1])
    join = np.zeros(tok.size - 1, bool)
    join[at_pre[starts[b[at_pre]]]] = True
    join[at_suf[ends[a[at_suf]]]] = True
    if not join.any():
        return tok, row
    first = np.flatnonzero(np.concatenate(([True], ~join)))
    size = np.diff(np.append(first, tok.size))
    multi = np.flatnonzero(size > 1)
    # number the distinct joined sequences: one 1-d np.unique per word position
    starts = first[multi]
    msize = size[multi]
    group = np.zeros(multi.size, np.int64)  # id of the sequence of the first k words
    seqs = [()]  # id -> word ids, for ids of this round
    for k in range(int(msize.max())):
        nxt = np.where(msize > k, tok[np.minimum(starts + k, tok.size - 1)], -1)
        key, group = np.unique(group * (V + 1) + (nxt + 1), return_inverse=True)
        prev = seqs
        seqs = [prev[q // (V + 1)] + ((q % (V + 1) - 1,) if q % (V + 1) else ()) for q in key.tolist()]
        group = group.reshape(-1)
    joined = np.empty(len(seqs), np.int64)
    for g, seq in enumerate(seqs):
        w = "".join(vocab[x] for x in seq)
        k = index.get(w)
        if k is None:
            k = index[w] = len(vocab)
            vocab.append(w)
        joined[g] = k
    out = tok[first]
    out[multi] = joined[group]
    return out, row[first]


def normalize_comment(text) -> str | None:
    """The normalised words of one comment (rules 1–6 of the module), separated by one space.

    Missing values give ``None``; a blank comment gives ``""``.

    Examples
    --------
    >>> from csmlib.stats.comments import normalize_comment
    >>> normalize_comment("The DELIVERY was late!!")
    'the delivery was late'
    >>> normalize_comment("مي‌خواهم") == normalize_comment("می خواهم") == "میخواهم"
    True
    >>> normalize_comment("بسته‌ها ۳ روز دیـــر رسیدند")
    'بستهها 3 روز دیر رسیدند'
    """
    if text is None or text is pd.NA or (isinstance(text, float) and math.isnan(text)):
        return None
    return normalize_comments(pd.Series([str(text)], dtype="str")).iloc[0]


def normalize_comments(texts) -> pd.Series:
    """:func:`normalize_comment` of every text (vectorised); same index, ``str`` dtype, missing
    texts stay missing.

    Examples
    --------
    >>> from csmlib.stats.comments import normalize_comments
    >>> normalize_comments(["Too  late.", None, "كيفيت بالا"]).tolist()
    ['too late', nan, 'کیفیت بالا']
    """
    s = _as_series(texts, "normalize_comments")
    return _joined(_tokenize(s), s)


def _joined(tk: _Tokens, s: pd.Series) -> pd.Series:
    offsets = np.concatenate(([0], np.cumsum(tk.counts()))).astype(np.int64)
    words = pa.array(tk.vocab, type=pa.large_string()).take(pa.array(tk.tok))
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), words)
    text = pc.binary_join(lists, pa.scalar(" ", pa.large_string()))
    out = pd.Series(pd.array(text, dtype="str"), index=s.index, name=s.name)
    return out.where(s.notna())


# ============================================================================================
# The codeframe
# ============================================================================================


class Pattern(NamedTuple):
    """One pattern as it is matched: its normalised words; ``prefix`` when it ends with ``*``."""

    text: str
    words: tuple
    prefix: bool


def theme_patterns(themes) -> dict[str, tuple[Pattern, ...]]:
    """Validate a codeframe and read its patterns: ``{theme id: (Pattern, ...)}``, in codeframe
    order.

    Raises ``ValueError`` naming the theme when it has no patterns, when a pattern has no word
    after normalisation, or when a ``*`` is anywhere but at the end of a word that ends the
    pattern.

    Examples
    --------
    >>> from csmlib.stats.comments import theme_patterns
    >>> theme_patterns({"delay": {"patterns": {"en": ["Took too long", "deliver*"],
    ...                                        "fa": ["دیر رسید"]}}})["delay"]
    (Pattern(text='Took too long', words=('took', 'too', 'long'), prefix=False), \
Pattern(text='deliver*', words=('deliver',), prefix=True), \
Pattern(text='دیر رسید', words=('دیر', 'رسید'), prefix=False))
    """
    caller = "theme_patterns"
    if isinstance(themes, Mapping) and set(themes) == {"themes"} and isinstance(themes["themes"], Mapping):
        themes = themes["themes"]
    if not isinstance(themes, Mapping) or not themes:
        raise ValueError(f"{caller}: the codeframe must be a non-empty mapping {{theme id: {{label, department, patterns}}}}")
    texts: list[str] = []
    owners: list[str] = []
    for tid, spec in themes.items():
        if not isinstance(tid, str) or not tid:
            raise ValueError(f"{caller}: theme ids must be non-empty text, not {tid!r}")
        if not isinstance(spec, Mapping) or "patterns" not in spec:
            raise ValueError(f"{caller}: theme '{tid}' has no patterns")
        pats = spec["patterns"]
        if isinstance(pats, Mapping):
            lists = list(pats.values())
        elif isinstance(pats, Sequence) and not isinstance(pats, str):
            lists = [pats]
        else:
            raise ValueError(f"{caller}: theme '{tid}': patterns must be a list or a mapping {{language: [patterns]}}")
        n_before = len(texts)
        for lst in lists:
            if isinstance(lst, str) or not isinstance(lst, Sequence):
                raise ValueError(f"{caller}: theme '{tid}': each language's patterns must be a list of words or phrases")
            for p in lst:
                if not isinstance(p, str):
                    raise ValueError(f"{caller}: theme '{tid}': pattern {p!r} is not text")
                texts.append(p)
                owners.append(tid)
        if len(texts) == n_before:
            raise ValueError(f"{caller}: theme '{tid}' has no patterns")
    stripped = []
    for p, tid in zip(texts, owners):
        q = p.strip()
        star = q.endswith("*")
        body = q[:-1] if star else q
        if "*" in body or (star and (not body or body[-1].isspace())):
            raise ValueError(f"{caller}: theme '{tid}': pattern {p!r} — '*' may only end the last word (e.g. 'deliver*')")
        stripped.append(body)
    words = normalize_comments(pd.Series(stripped, dtype="str")).tolist()
    out: dict[str, list[Pattern]] = {tid: [] for tid in themes}
    for p, body, tid, w in zip(texts, stripped, owners, words):
        if not w:
            raise ValueError(f"{caller}: theme '{tid}': pattern {p!r} has no word after normalisation")
        out[tid].append(Pattern(p, tuple(w.split(" ")), p.strip().endswith("*")))
    return {tid: tuple(v) for tid, v in out.items()}


def _resolve(words: tuple, prefix: bool, tk: _Tokens, vocab_array) -> list[np.ndarray]:
    """Vocabulary ids matching each word of a pattern (the last one as a prefix if asked)."""
    ids = []
    for i, w in enumerate(words):
        if prefix and i == len(words) - 1:
            hit = pc.starts_with(vocab_array(), w).to_numpy(zero_copy_only=False)
            ids.append(np.flatnonzero(hit))
        else:
            k = tk.index.get(w)
            ids.append(np.array([] if k is None else [k], dtype=np.int64))
    return ids


def _match(tk: _Tokens, patterns: dict) -> np.ndarray:
    """Boolean (themes × texts) array: does text j contain a pattern of theme t."""
    V, N = len(tk.vocab), tk.tok.size
    out = np.zeros((len(patterns), tk.n_rows), bool)
    cache = {}

    def vocab_array():
        if "a" not in cache:
            cache["a"] = pa.array(tk.vocab, type=pa.large_string())
        return cache["a"]

    resolved = [[_resolve(p.words, p.prefix, tk, vocab_array) for p in pats] for pats in patterns.values()]
    first = np.zeros(V, bool)
    for pats in resolved:
        for ids in pats:
            first[ids[0]] = True
    pos = np.flatnonzero(first[tk.tok])  # words that can start a match
    tpos = tk.tok[pos]
    for t, pats in enumerate(resolved):
        single = np.zeros(V, bool)
        for ids in pats:
            if len(ids) == 1:
                single[ids[0]] = True
        out[t, tk.row[pos[single[tpos]]]] = True
        for ids in pats:
            if len(ids) == 1:
                continue
            m = np.zeros(V, bool)
            m[ids[0]] = True
            cand = pos[m[tpos]]
            for k, nxt in enumerate(ids[1:], start=1):
                cand = cand[cand + k < N]
                m = np.zeros(V, bool)
                m[nxt] = True
                cand = cand[m[tk.tok[cand + k]] & (tk.row[cand + k] == tk.row[cand])]
            out[t, tk.row[cand]] = True
    return out


class _RowFlags:
    """A boolean Series kept in ``DataFrame.attrs``: shared, not copied, by pandas operations
    (it is never modified) and compared by value (so ``pd.concat`` can compare attrs)."""

    __slots__ = ("series",)

    def __init__(self, series: pd.Series):
        self.series = series

    def __deepcopy__(self, memo):
        return self

    def __eq__(self, other):
        return (
            isinstance(other, _RowFlags)
            and self.series.index.equals(other.series.index)
            and bool(np.array_equal(self.series.to_numpy(), other.series.to_numpy()))
        )

    __hash__ = None

    def __repr__(self):
        return f"<blank rows: {int(self.series.sum())} of {len(self.series)}>"


def code(texts, themes) -> pd.DataFrame:
    """Code open comments into themes: a boolean DataFrame, one column per theme.

    ``coded.loc[i, t]`` is True when comment ``i`` contains at least one pattern of theme ``t``
    (matching rules: module docstring). Same index as ``texts``; columns in codeframe order.
    Missing and blank comments (no word) are False everywhere; ``attrs`` records
    ``n_texts``, ``n_blank`` and which rows are blank (:func:`blank_rows`), which
    :func:`themes_table` needs to count the commenters.

    Parameters
    ----------
    texts : Series or sequence of str
        The comments (missing values allowed).
    themes : mapping
        The codeframe ``{id: {label, department, patterns: {en: [...], fa: [...]}}}``.

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.comments import code
    >>> frame = {"late": {"patterns": {"en": ["late", "took too long"], "fa": ["دیر*"]}},
    ...          "staff": {"patterns": {"en": ["friendly", "staff"], "fa": ["کارمند*"]}}}
    >>> c = code(pd.Series(["Friendly staff but the parcel came late", "Chocolate was great",
    ...                     "بسته دیر رسید", None, " ... "]), frame)
    >>> c.to_numpy().astype(int).tolist(), c.attrs["n_blank"]
    ([[1, 1], [0, 0], [1, 0], [0, 0], [0, 0]], 2)
    """
    patterns = theme_patterns(themes)
    s = _as_series(texts, "code")
    tk = _tokenize(s)
    hits = _match(tk, patterns)
    blank = tk.counts() == 0
    out = pd.DataFrame(hits.T, index=s.index, columns=pd.Index(list(patterns), dtype=object))
    out.attrs = {
        "n_texts": int(len(s)),
        "n_blank": int(blank.sum()),
        "blank": _RowFlags(pd.Series(blank, index=s.index, name="blank")),
    }
    return out


def blank_rows(coded: pd.DataFrame) -> pd.Series | None:
    """The rows of a frame returned by :func:`code` whose comment was missing or blank (a
    boolean Series on ``coded.index``), or ``None`` when ``coded`` does not carry them (a
    frame not made by :func:`code`, or rows that are not in the coded texts)."""
    flags = coded.attrs.get("blank") if isinstance(coded, pd.DataFrame) else None
    if not isinstance(flags, _RowFlags):
        return None
    s = flags.series.copy(deep=False)  # copy-on-write: the kept flags never change
    if s.index.equals(coded.index):
        return s
    if s.index.is_unique and coded.index.isin(s.index).all():
        return s.reindex(coded.index)
    return None


# ============================================================================================
# Personal data
# ============================================================================================

#: Placeholders that replace personal data in :func:`mask_pii`.
PII_PLACEHOLDERS = {"email": "[email]", "iban": "[iban]", "card": "[card]", "phone": "[phone]", "id": "[id]"}

_BEFORE = r"(?<![0-9A-Za-z_/.\-+])"  # not inside a longer number, code or word
_AFTER = r"(?![0-9A-Za-z_/]|[.\-][0-9])"
_SEP = r"[ \u00a0\-]?"
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_IBAN = re.compile(r"(?<![0-9A-Za-z_])[Ii][Rr]" + _SEP + r"(?:[0-9]" + _SEP + r"){23}[0-9]" + _AFTER)
_CARD = re.compile(_BEFORE + r"[0-9]{4}(?:" + _SEP + r"[0-9]{4}){3}" + _AFTER)
_MOBILE = r"9[0-9]{2}\)?" + _SEP + r"[0-9]{3}" + _SEP + r"[0-9]{2}" + _SEP + r"[0-9]{2}"
_LANDLINE = r"[1-8][0-9]\)?" + _SEP + r"[0-9]{4}" + _SEP + r"[0-9]{4}"
_PHONE = re.compile(
    _BEFORE + r"(?:"
    r"(?:\+|00)98" + _SEP + r"(?:\(0\)" + _SEP + r"|0" + _SEP + r")?\(?(?:" + _MOBILE + "|" + _LANDLINE + r")"  # +98 / 0098
    r"|\(?0(?:" + _MOBILE + "|" + _LANDLINE + r")"  # 0912…, 021-…
    r"|(?P<intl>(?:\+|00)(?!98)[1-9][0-9]{0,2}(?:" + _SEP + r"\(?[0-9]{1,4}\)?){2,5})"
    r")" + _AFTER
)
_NATIONAL_ID = re.compile(_BEFORE + r"[0-9]{3}" + _SEP + r"[0-9]{6}" + _SEP + r"[0-9]" + _AFTER)
_MAYBE_PII = re.compile(r"[@0-9\u06f0-\u06f9\u0660-\u0669]")
_NOT_DIGIT = re.compile(r"[^0-9]")


def _luhn_ok(digits: str) -> bool:
    """Luhn (ISO/IEC 7812-1): doubling every second digit from the right, the digit sum is a
    multiple of 10."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _iban_ok(iban: str) -> bool:
    """ISO 13616 mod-97: the first four characters moved to the end, letters read as 10–35
    (A = 10 … Z = 35), the number is 1 modulo 97."""
    s = re.sub(r"[\s\-]", "", iban).upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[0-9A-Z]+", s):
        return False
    moved = s[4:] + s[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def _national_id_ok(digits: str) -> bool:
    """Iranian national id (کد ملی): 10 digits d1…d10, s = Σ_{i=1..9} d_i·(11 − i), r = s mod 11;
    valid when d10 = r for r < 2 and d10 = 11 − r otherwise; ten equal digits are not issued."""
    if len(digits) != 10 or len(set(digits)) == 1:
        return False
    r = sum(int(digits[i]) * (10 - i) for i in range(9)) % 11
    return int(digits[9]) == (r if r < 2 else 11 - r)


def _phone_ok(m: re.Match) -> bool:
    if m.group("intl") is None:
        return True  # the Iranian forms are exact
    n = len(_NOT_DIGIT.sub("", m.group()))
    return 8 <= n - (2 if m.group().startswith("00") else 0) <= 15


_PII_RULES = (
    ("email", _EMAIL, None),
    ("iban", _IBAN, lambda m: _iban_ok(m.group())),
    ("card", _CARD, lambda m: _luhn_ok(_NOT_DIGIT.sub("", m.group()))),
    ("phone", _PHONE, _phone_ok),
    ("id", _NATIONAL_ID, lambda m: _national_id_ok(_NOT_DIGIT.sub("", m.group()))),
)


def _mask_one(text: str) -> str:
    if not _MAYBE_PII.search(text):
        return text
    for kind, rx, ok in _PII_RULES:
        shadow = to_ascii_digits(text)  # same length: spans carry over to ``text``
        pieces, last = [], 0
        for m in rx.finditer(shadow):
            if ok is None or ok(m):
                pieces += [text[last : m.start()], PII_PLACEHOLDERS[kind]]
                last = m.end()
        if pieces:
            text = "".join(pieces) + text[last:]
    return text


def mask_pii(texts):
    """Replace personal data in comments by placeholders (:data:`PII_PLACEHOLDERS`).

    Replaced, in this order, with Latin, Persian or Arabic-Indic digits:

    - ``[email]``: e-mail addresses ``local@domain.tld``;
    - ``[iban]``: Iranian IBANs (Sheba) ``IR`` + 24 digits, spaced or not, whose ISO 13616
      mod-97 check holds;
    - ``[card]``: bank card numbers of 16 digits (groups of 4 may be separated by a space or a
      hyphen) whose Luhn check holds;
    - ``[phone]``: Iranian mobiles ``09xx xxx xxxx`` (also ``09xxxxxxxxx``, ``0912-345-6789``),
      landlines ``0xx xxxx xxxx`` (``021-88776655``, ``(021) 88776655``), both also after
      ``+98``/``0098`` (``+98 912 345 6789``, ``+98 21 8877 6655``), and other international
      numbers starting with ``+`` or ``00`` with 8–15 digits;
    - ``[id]``: Iranian national ids, 10 digits (or ``xxx-xxxxxx-x``) whose check digit holds
      (:func:`_national_id_ok`).

    A number counts only as a whole: digits, Latin letters, ``/``, ``.``, ``-`` or ``+`` right
    before it (or a digit, letter or ``/`` right after) make it part of a longer code, which
    stays. Order numbers, prices, dates and numbers failing their check stay as they are.

    Parameters
    ----------
    texts : str, Series or sequence of str
        A Series gives a Series (same index, missing values kept), a str a str, a list a list.

    Examples
    --------
    >>> from csmlib.stats.comments import mask_pii
    >>> mask_pii("Call me on 0912 345 6789 or write to ali@example.com about order 4471")
    'Call me on [phone] or write to [email] about order 4471'
    >>> mask_pii("کد ملی ۰۴۹۹۳۷۰۸۹۹ و کارت 4111-1111-1111-1111")
    'کد ملی [id] و کارت [card]'
    """
    if texts is None or texts is pd.NA or (isinstance(texts, float) and math.isnan(texts)):
        return texts
    if isinstance(texts, str):
        return _mask_one(texts)
    if isinstance(texts, pd.Series):
        s = _as_series(texts, "mask_pii")
        hit = (
            s.str.contains(r"[@0-9\x{06f0}-\x{06f9}\x{0660}-\x{0669}]", regex=True, na=False)
            if _arrow_backed(s)
            else s.str.contains(_MAYBE_PII, na=False)
        )
        out = s.copy()
        if hit.any():
            out[hit] = [_mask_one(t) for t in s[hit].tolist()]
        return out
    return [None if t is None else _mask_one(str(t)) for t in texts]


def _arrow_backed(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"


# ============================================================================================
# Themes table
# ============================================================================================

#: Columns of :func:`themes_table` (the ``sat_*`` ones only with ``satisfaction``, the
#: ``*_previous``/``change*`` ones only with ``previous``).
TABLE_COLUMNS = (
    "theme",
    "n_commenters",
    "n_mentions",
    "n_eff",
    "share",
    "ci_low",
    "ci_high",
    "too_small",
    "sat_mention",
    "sat_other",
    "n_sat_mention",
    "n_sat_other",
    "sat_difference",
    "sat_ci_low",
    "sat_ci_high",
    "sat_t",
    "sat_df",
    "sat_p",
    "sat_p_adjusted",
    "n_commenters_previous",
    "n_mentions_previous",
    "share_previous",
    "change",
    "change_ci_low",
    "change_ci_high",
    "change_z",
    "change_p",
    "change_p_adjusted",
    "note",
)


def _check_coded(coded, caller: str, what: str) -> np.ndarray:
    if not isinstance(coded, pd.DataFrame):
        raise TypeError(f"{caller}: {what} must be the DataFrame returned by code()")
    if coded.shape[1] == 0:
        raise ValueError(f"{caller}: {what} has no theme columns")
    bad = [c for c in coded.columns if not pd.api.types.is_bool_dtype(coded[c].dtype) or coded[c].isna().any()]
    if bad:
        raise ValueError(f"{caller}: theme column(s) {bad} of {what} are not boolean (True/False, no missing values)")
    return coded.to_numpy(dtype=bool)


def _commenters(coded: pd.DataFrame, caller: str, what: str) -> np.ndarray:
    blank = blank_rows(coded)
    if blank is None:
        warnings.warn(
            f"{caller}: {what} does not say which comments were blank (it was not made "
            "by code(), or rows were added); every row is counted as a commenter",
            stacklevel=3,
        )
        return np.ones(len(coded), bool)
    return ~blank.to_numpy(dtype=bool)


def _aligned(values, index: pd.Index, caller: str, what: str) -> np.ndarray:
    """A per-row numeric array aligned with ``index`` (by index when a Series)."""
    name = getattr(values, "name", None) or what
    if isinstance(values, pd.Series):
        if not values.index.equals(index):
            if values.index.is_unique and index.isin(values.index).all():
                values = values.reindex(index)
            else:
                raise ValueError(f"{caller}: the index of '{name}' does not match the coded comments")
        try:
            return values.to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError):
            raise ValueError(f"{caller}: '{name}' is not numeric") from None
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.shape[0] != len(index):
        raise ValueError(f"{caller}: '{name}' has {arr.shape[0] if arr.ndim else 1} values for {len(index)} comments")
    try:
        return np.array(arr, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{caller}: '{name}' is not numeric") from None


def _quiet(fn, notes: list, what: str):
    """Call ``fn`` and turn its warnings into a note; NaN results stay NaN."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = fn()
    for w in rec:
        notes.append(f"{what}: {w.message}")
    return out


def themes_table(
    coded: pd.DataFrame,
    satisfaction=None,
    *,
    weights=None,
    level: float = 0.95,
    previous: pd.DataFrame | None = None,
    previous_weights=None,
    min_n: int = 30,
    adjust: str = "holm",
) -> pd.DataFrame:
    """Per theme: share of commenters mentioning it, their satisfaction, and its change.

    The base is the *commenters*: the rows of ``coded`` whose comment was not blank (from
    ``coded.attrs``, see :func:`code`; a frame without that information counts every row, with
    a warning).

    - Share p̂ = (number mentioning the theme)/(number of commenters), with the Wilson score
      interval (:func:`csmlib.stats.indicators.top_box` on the 0/1 mention indicator). Weighted:
      p̂_w = Σw·[mention]/Σw and the Kish effective n (Σw)²/Σw² of the commenters in place of n.
    - Satisfaction: mean of ``satisfaction`` among commenters who mention the theme
      (``sat_mention``) and among commenters who do not (``sat_other``); difference, Welch t,
      Welch–Satterthwaite df, interval and two-sided p (:func:`csmlib.stats.indicators.compare`,
      ``metric="mean"``; weighted: linearised SEs, df from the Kish n_eff of each group).
      Missing satisfaction answers are left out.
    - Change: share now − share in ``previous`` (a frame coded with the same codeframe), pooled
      two-proportion z test and Newcombe interval (:func:`compare`, ``metric="top_box"``;
      weighted: Kish n_eff of each wave).
    - Multiple testing across themes: ``sat_p_adjusted`` and ``change_p_adjusted`` by
      :func:`csmlib.stats.indicators.adjust_pvalues` (``adjust``: "holm" (default), "fdr_bh",
      "bonferroni", "none"), each a family of its own; NaN p-values are left out.
    - ``too_small``: fewer than ``min_n`` commenters mention the theme — read its share and
      tests with caution (they are still computed).

    Columns (in order; :data:`TABLE_COLUMNS`): ``theme``, ``n_commenters``, ``n_mentions``,
    ``n_eff`` (of the commenters), ``share``, ``ci_low``, ``ci_high`` (0–1), ``too_small``;
    with ``satisfaction``: ``sat_mention``, ``sat_other``, ``n_sat_mention``, ``n_sat_other``
    (valid answers), ``sat_difference`` (mention − other), ``sat_ci_low``, ``sat_ci_high``,
    ``sat_t``, ``sat_df``, ``sat_p``, ``sat_p_adjusted``; with ``previous``:
    ``n_commenters_previous``, ``n_mentions_previous``, ``share_previous``, ``change``,
    ``change_ci_low``, ``change_ci_high``, ``change_z``, ``change_p``, ``change_p_adjusted``;
    always ``note`` (why a number is NaN, "" otherwise). ``attrs``: ``n_texts``, ``n_blank``,
    ``n_commenters``, ``level``, ``adjust``, ``weighted``, ``min_n``.

    Parameters
    ----------
    coded : DataFrame
        Returned by :func:`code`.
    satisfaction : Series or array-like, optional
        Overall satisfaction per row of ``coded`` (aligned by index when a Series).
    weights, previous_weights : Series or array-like, optional
        Survey weights per row (strictly positive for the commenters).
    level : float
        Confidence level of the intervals.
    previous : DataFrame, optional
        The previous wave's :func:`code` result; themes it lacks get NaN changes.
    min_n : int
        Minimum number of mentions for a theme not to be flagged ``too_small``.

    References: Wilson (1927); Kish (1965); Welch (1947); Newcombe (1998); Holm (1979).

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.comments import code, themes_table
    >>> frame = {"late": {"patterns": ["late"]}, "staff": {"patterns": ["staff"]}}
    >>> texts = pd.Series(["late again", "nice staff", "late and rude staff", "", "ok"])
    >>> t = themes_table(code(texts, frame), min_n=2)
    >>> t[["theme", "n_commenters", "n_mentions", "share"]].to_dict("records")[0]
    {'theme': 'late', 'n_commenters': 4, 'n_mentions': 2, 'share': 0.5}
    """
    caller = "themes_table"
    marks = _check_coded(coded, caller, "coded")
    if not (isinstance(min_n, (int, np.integer)) and min_n >= 0):
        raise ValueError(f"{caller}: min_n must be a non-negative integer, not {min_n!r}")
    adjust_pvalues([0.5], adjust)  # validates ``adjust``
    who = _commenters(coded, caller, "coded")
    n_c = int(who.sum())
    if n_c == 0:
        raise ValueError(f"{caller}: no commenters (every comment is blank)")
    w = None
    if weights is not None:
        w_all = _aligned(weights, coded.index, caller, "weights")
        w = check_weights(w_all[who], n_c, name=getattr(weights, "name", None) or "weights")
    sat = None if satisfaction is None else _aligned(satisfaction, coded.index, caller, "satisfaction")[who]
    prev_marks = prev_who = pw = None
    if previous is not None:
        prev_marks = _check_coded(previous, caller, "previous")
        prev_who = _commenters(previous, caller, "previous")
        if not prev_who.any():
            raise ValueError(f"{caller}: no commenters in the previous wave")
        prev_marks = prev_marks[prev_who]
        if previous_weights is not None:
            pw_all = _aligned(previous_weights, previous.index, caller, "previous_weights")
            pw = check_weights(
                pw_all[prev_who], int(prev_who.sum()), name=getattr(previous_weights, "name", None) or "previous_weights"
            )
    prev_cols = {c: j for j, c in enumerate(previous.columns)} if previous is not None else {}
    rows = []
    for j, theme in enumerate(coded.columns):
        notes: list[str] = []
        ind = marks[who, j]
        x = pd.Series(ind.astype(float), name=str(theme))
        est = top_box(x, scale_max=1, boxes=1, weights=w, level=level)
        row = {
            "theme": theme,
            "n_commenters": n_c,
            "n_mentions": int(ind.sum()),
            "n_eff": est.n_eff,
            "share": est.estimate,
            "ci_low": est.ci_low,
            "ci_high": est.ci_high,
            "too_small": bool(ind.sum() < min_n),
        }
        if sat is not None:
            row.update(_sat_gap(sat, ind, w, level, notes))
        if previous is not None:
            row.update(_change(x, w, prev_marks, prev_cols.get(theme), pw, level, notes))
        row["note"] = "; ".join(notes)
        rows.append(row)
    out = pd.DataFrame(rows)
    if sat is not None:
        out["sat_p_adjusted"] = adjust_pvalues(out["sat_p"].to_numpy(dtype=float), adjust)
    if previous is not None:
        out["change_p_adjusted"] = adjust_pvalues(out["change_p"].to_numpy(dtype=float), adjust)
    out = out[[c for c in TABLE_COLUMNS if c in out.columns]]
    failed = out.loc[out["note"] != "", "theme"].tolist()
    if failed:
        warnings.warn(f"{caller}: some numbers are NaN for theme(s) {failed}; see the 'note' column", stacklevel=2)
    out.attrs = {
        "n_texts": int(len(coded)),
        "n_blank": int(len(coded) - n_c),
        "n_commenters": n_c,
        "level": level,
        "adjust": adjust,
        "weighted": weights is not None,
        "min_n": int(min_n),
    }
    return out


def _sat_gap(sat: np.ndarray, ind: np.ndarray, w, level: float, notes: list) -> dict:
    a, b = sat[ind], sat[~ind]
    na, nb = int(np.sum(~np.isnan(a))), int(np.sum(~np.isnan(b)))
    nan = math.nan
    res = {
        "sat_mention": nan,
        "sat_other": nan,
        "n_sat_mention": na,
        "n_sat_other": nb,
        "sat_difference": nan,
        "sat_ci_low": nan,
        "sat_ci_high": nan,
        "sat_t": nan,
        "sat_df": nan,
        "sat_p": nan,
    }
    wa = None if w is None else w[ind]
    wb = None if w is None else w[~ind]
    if na == 0 or nb == 0:
        notes.append(
            "satisfaction: no " + ("mentioning" if na == 0 else "other") + " commenter answered the satisfaction question"
        )
        if na:
            res["sat_mention"] = float(np.average(a[~np.isnan(a)], weights=None if wa is None else wa[~np.isnan(a)]))
        if nb:
            res["sat_other"] = float(np.average(b[~np.isnan(b)], weights=None if wb is None else wb[~np.isnan(b)]))
        return res
    c = _quiet(lambda: compare(a, b, metric="mean", weights_a=wa, weights_b=wb, level=level), notes, "satisfaction")
    res.update(
        sat_mention=c.estimate_a,
        sat_other=c.estimate_b,
        sat_difference=c.difference,
        sat_ci_low=c.ci_low,
        sat_ci_high=c.ci_high,
        sat_t=c.statistic,
        sat_df=c.df,
        sat_p=c.p_value,
    )
    return res


def _change(x: pd.Series, w, prev_marks, j, pw, level: float, notes: list) -> dict:
    nan = math.nan
    res = {
        "n_commenters_previous": int(prev_marks.shape[0]),
        "n_mentions_previous": nan,
        "share_previous": nan,
        "change": nan,
        "change_ci_low": nan,
        "change_ci_high": nan,
        "change_z": nan,
        "change_p": nan,
    }
    if j is None:
        notes.append("change: theme not coded in the previous wave")
        return res
    pind = prev_marks[:, j]
    res["n_mentions_previous"] = int(pind.sum())
    c = _quiet(
        lambda: compare(x, pind.astype(float), metric="top_box", scale_max=1, boxes=1, weights_a=w, weights_b=pw, level=level),
        notes,
        "change",
    )
    res.update(
        share_previous=c.estimate_b,
        change=c.difference,
        change_ci_low=c.ci_low,
        change_ci_high=c.ci_high,
        change_z=c.statistic,
        change_p=c.p_value,
    )
    return res


# ============================================================================================
# Uncovered terms and examples
# ============================================================================================

#: Stop words dropped by :func:`uncovered_terms` (compared after normalisation): English
#: function words (articles, pronouns, auxiliaries, prepositions, conjunctions, negations and the
#: pieces of contractions) and their Persian counterparts, written formally and informally.
STOP_WORDS = {
    "en": (
        "a about above after again against all also am an and any are as at be because been "
        "before being below between both but by can could did do does doing don down during each "
        "even ever few for from further get got had has have having he her here hers herself him "
        "himself his how i if in into is it its itself just me more most much my myself no nor "
        "not now of off on once only or other our ours ourselves out over own really same she "
        "should so some such than that the their theirs them themselves then there these they "
        "this those through to too under until up us very was we were what when where which while "
        "who whom why will with would you your yours yourself yourselves s t ll ve re m d didn "
        "doesn isn wasn weren won wouldn couldn shouldn can't cannot still yet one"
    ).split(),
    "fa": (
        "و در به از که این آن اون این‌ها آن‌ها اینها آنها با را رو برای تا یا هم اما ولی "
        "اگر چون چه هر همه من ما تو شما او ایشان اونها یک یه است هست هستند نیست بود بودند "
        "بودم بوده شد شده شود شوند باشد باشه می نمی بی خیلی بسیار کمی بر نیز دیگر دیگه پس "
        "چرا کی کجا چطور چگونه آیا بله نه هیچ خود خودم خودش ها های ای ام اش شان مان تان دو "
        "سه کرد کردم کرده کنم کنید کنند کردند دارد داره داشت دارم دارند داشتم البته فقط "
        "حتی روی زیر بین پیش بعد قبل مثل همین همان چند چیزی یعنی اینکه وقتی اینجا آنجا "
        "اونجا باید شاید"
    ).split(),
}
_PLACEHOLDER = re.compile(r"\[(?:" + "|".join(PII_PLACEHOLDERS) + r")\]")


@lru_cache(maxsize=1)
def _stop_set() -> frozenset:
    words = [w for lang in STOP_WORDS.values() for w in lang]
    return frozenset(w for n in normalize_comments(words).tolist() for w in n.split(" ") if w)


def _aligned_texts(texts, coded: pd.DataFrame, caller: str) -> pd.Series:
    s = _as_series(texts, caller)
    if not isinstance(texts, pd.Series):
        if len(s) != len(coded):
            raise ValueError(f"{caller}: {len(s)} texts for {len(coded)} coded rows")
        return s.set_axis(coded.index)
    if not s.index.equals(coded.index):
        raise ValueError(f"{caller}: the index of the texts does not match the coded frame")
    return s


def uncovered_terms(texts, coded: pd.DataFrame, *, top: int = 30, min_count: int = 3) -> pd.DataFrame:
    """The most frequent words and two-word phrases of the comments that no theme covers.

    Uncovered comments: not blank and coded with no theme. They are masked
    (:func:`mask_pii`) and normalised (:func:`normalize_comment`); then dropped: stop words
    (:data:`STOP_WORDS`), words containing a digit, one-letter words and the placeholders of
    :func:`mask_pii`. A phrase is two adjacent words of a comment, neither of them dropped. Each
    term is counted once per comment.

    Returns a DataFrame with columns ``term``, ``kind`` ("word" or "phrase"), ``n_comments``
    (uncovered comments containing it) and ``share`` (of the uncovered comments): up to ``top``
    words, then up to ``top`` phrases, each by decreasing ``n_comments`` (then alphabetically),
    only terms in at least ``min_count`` comments. ``attrs["n_uncovered"]``: the number of
    uncovered comments.

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.comments import code, uncovered_terms
    >>> texts = pd.Series(["The app crashes", "app crashes again", "late delivery",
    ...                    "the app is slow"])
    >>> u = uncovered_terms(texts, code(texts, {"late": {"patterns": ["late"]}}), min_count=2)
    >>> u[["term", "kind", "n_comments"]].values.tolist()
    [['app', 'word', 3], ['crashes', 'word', 2], ['app crashes', 'phrase', 2]]
    """
    caller = "uncovered_terms"
    marks = _check_coded(coded, caller, "coded")
    for name, v in (("top", top), ("min_count", min_count)):
        if not (isinstance(v, (int, np.integer)) and v >= 1):
            raise ValueError(f"{caller}: {name} must be a positive integer, not {v!r}")
    s = _aligned_texts(texts, coded, caller)
    chosen = s[~marks.any(axis=1)]
    masked = mask_pii(chosen).str.replace(_PLACEHOLDER, " 0 ", regex=True)
    tk = _tokenize(masked)
    n_unc = int(np.count_nonzero(tk.counts()))
    V = len(tk.vocab)
    stop = _stop_set()
    drop = np.array([w in stop or len(w) < 2 or any(ch.isdigit() for ch in w) for w in tk.vocab], dtype=bool)
    keep = ~drop[tk.tok] if V else np.zeros(0, bool)
    frames = []
    # words: once per comment
    if keep.any():
        key = np.unique(tk.row[keep] * V + tk.tok[keep])
        counts = np.bincount(key % V, minlength=V)
        ids = np.flatnonzero(counts >= min_count)
        frames.append(_ranked([tk.vocab[i] for i in ids], counts[ids], "word", top))
    # phrases: adjacent kept words of one comment
    if tk.tok.size > 1:
        i = np.flatnonzero(keep[:-1] & keep[1:] & (tk.row[:-1] == tk.row[1:]))
        if i.size:
            pair, pid = np.unique(tk.tok[i] * V + tk.tok[i + 1], return_inverse=True)
            key = np.unique(tk.row[i] * pair.size + pid.reshape(-1))
            counts = np.bincount(key % pair.size, minlength=pair.size)
            ids = np.flatnonzero(counts >= min_count)
            terms = [f"{tk.vocab[p // V]} {tk.vocab[p % V]}" for p in pair[ids].tolist()]
            frames.append(_ranked(terms, counts[ids], "phrase", top))
    cols = ["term", "kind", "n_comments", "share"]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    out["share"] = out["n_comments"] / n_unc if n_unc else np.nan
    out = out[cols].astype({"term": "str", "kind": "str", "n_comments": "int64", "share": "float64"})
    out.attrs = {"n_uncovered": n_unc}
    return out


def _ranked(terms: list, counts: np.ndarray, kind: str, top: int) -> pd.DataFrame:
    df = pd.DataFrame({"term": pd.array(terms, dtype="str"), "kind": kind, "n_comments": counts.astype(np.int64)})
    return df.sort_values(["n_comments", "term"], ascending=[False, True], kind="mergesort").head(top)


def examples(texts, coded: pd.DataFrame, theme, *, k: int = 3, satisfaction=None, min_words: int = 4) -> pd.DataFrame:
    """Up to ``k`` short, informative quotes of comments coded with ``theme``.

    Candidates: comments coded with the theme, masked with :func:`mask_pii`, with at least
    ``min_words`` words (after normalisation, placeholders not counted), one per distinct
    normalised text. Without ``satisfaction`` the ``k`` shortest are returned (by length in
    characters, then by position). With ``satisfaction`` the candidates with an answer are
    ordered by satisfaction and cut into ``k`` consecutive groups of (nearly) equal size, and
    the shortest of each group is taken, so the quotes span the range of satisfaction of the
    customers mentioning the theme; candidates without an answer fill up if fewer than ``k``.
    Fewer than ``k`` rows when there are not enough candidates.

    Returns a DataFrame indexed like ``texts`` with columns ``text`` (the masked comment as
    plain text, white space collapsed — the report escapes it), ``n_words`` and, with
    ``satisfaction``, ``satisfaction``; ordered by length (or by satisfaction when given).

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.comments import code, examples
    >>> texts = pd.Series(["late", "The parcel came two days late",
    ...                    "Late again, call me on 09123456789", "the parcel came two days LATE"])
    >>> examples(texts, code(texts, {"late": {"patterns": ["late"]}}), "late")["text"].tolist()
    ['The parcel came two days late', 'Late again, call me on [phone]']
    """
    caller = "examples"
    _check_coded(coded, caller, "coded")
    if theme not in coded.columns:
        raise ValueError(f"{caller}: theme '{theme}' is not a column of coded ({list(coded.columns)})")
    for name, v in (("k", k), ("min_words", min_words)):
        if not (isinstance(v, (int, np.integer)) and v >= 1):
            raise ValueError(f"{caller}: {name} must be a positive integer, not {v!r}")
    s = _aligned_texts(texts, coded, caller)
    rows = np.flatnonzero(coded[theme].to_numpy(dtype=bool) & s.notna().to_numpy())
    chosen = s.iloc[rows]
    masked = mask_pii(chosen)
    tk = _tokenize(masked.str.replace(_PLACEHOLDER, " ", regex=True))
    shown = masked.str.split().str.join(" ")
    cand = pd.DataFrame(
        {
            "text": shown.to_numpy(),
            "n_words": tk.counts(),
            "norm": _joined(tk, chosen).to_numpy(),
            "length": shown.str.len().to_numpy(),
            "pos": rows,
        }
    )
    if satisfaction is not None:
        cand["satisfaction"] = _aligned(satisfaction, coded.index, caller, "satisfaction")[rows]
    cand = cand[cand["n_words"] >= min_words].sort_values(["length", "pos"], kind="mergesort")
    cand = cand[~cand["norm"].duplicated()]
    if satisfaction is None:
        picked = cand.head(k)
    else:
        valid = cand[cand["satisfaction"].notna()].sort_values(["satisfaction", "length", "pos"], kind="mergesort")
        take = [
            valid.iloc[g].sort_values(["length", "pos"], kind="mergesort").iloc[0]["pos"]
            for g in np.array_split(np.arange(len(valid)), min(k, len(valid)))
            if g.size
        ]
        rest = cand[~cand["pos"].isin(take)]["pos"].tolist()
        take += rest[: k - len(take)]
        picked = (
            cand.set_index("pos", drop=False)
            .loc[take]
            .sort_values(["satisfaction", "length"], kind="mergesort", na_position="last")
        )
    cols = ["text", "n_words"] + ([] if satisfaction is None else ["satisfaction"])
    out = picked[cols].set_axis(s.index[picked["pos"].to_numpy(dtype=np.int64)])
    return out.astype({"text": "str", "n_words": "int64"})


def share_trend(tables: dict[str, pd.DataFrame | None]) -> pd.DataFrame:
    """Share of commenters per theme across waves, in %, from each wave's :func:`themes_table`.

    ``tables`` maps wave ids (oldest first) to that wave's themes table (``None`` or a table
    without ``share`` for a wave without comments, which is left out). Suppressed shares stay
    missing. Rows: themes (by their label, in the order of the newest wave); columns: waves.

    >>> t1 = pd.DataFrame({"theme": ["late"], "label": ["Late delivery"], "share": [0.07]})
    >>> t2 = pd.DataFrame({"theme": ["late"], "label": ["Late delivery"], "share": [0.29]})
    >>> share_trend({"Q1": t1, "Q2": t2, "Q3": None}).round(1).to_dict("index")
    {'Late delivery': {'Q1': 7.0, 'Q2': 29.0}}
    """
    columns = {}
    labels: dict[str, str] = {}
    for wave, table in tables.items():
        if table is None or "share" not in table or "theme" not in table:
            continue
        names = table["label"] if "label" in table else table["theme"]
        labels.update(dict(zip(table["theme"], names)))
        columns[wave] = pd.Series(
            pd.to_numeric(table["share"], errors="coerce").to_numpy() * 100, index=table["theme"].to_numpy()
        )
    if not columns:
        return pd.DataFrame()
    trend = pd.DataFrame(columns)
    order = list(columns[list(columns)[-1]].index) + [t for t in trend.index if t not in columns[list(columns)[-1]].index]
    trend = trend.reindex(order)
    trend.index = [labels.get(t, t) for t in trend.index]
    return trend
