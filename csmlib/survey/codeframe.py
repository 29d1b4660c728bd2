"""The comment codeframe: how open comments and theme patterns are read as words.

A *codeframe* names the themes of the open comments and the words that signal them. This module
holds what the survey definition needs to validate one (:func:`theme_patterns`, called when a
codebook is loaded) and what the comment statistics match with: the normalisation of a text into
words (:func:`normalize_comment`, :func:`normalize_comments`) and its vectorised form
(:func:`tokenize`). The coding itself, the themes table, uncovered terms and quotes are statistics:
:mod:`csmlib.stats.comments`. Method note: ``docs/methods/comments.md``.

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

Vectorisation (:func:`tokenize`): the comments are split at white space by pyarrow and each
distinct raw word is normalised once (pieces that no rule changes except for case — ASCII letters
and digits, Persian letters that no rule maps — are lower-cased by pyarrow, the others go through
rules 1–5 in Python); the affixes are joined with numpy on the word sequence. The result is a
vocabulary of normalised words and, per text, its word ids, on which
:func:`csmlib.stats.comments.code` resolves each pattern once.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from csmlib.core.text import ASCII_DIGITS, LETTER_FORMS

__all__ = [
    "normalize_comment",
    "normalize_comments",
    "theme_patterns",
    "Pattern",
    "Tokens",
    "tokenize",
    "as_text_series",
    "PREFIXES",
    "SUFFIXES",
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
class Tokens:
    """Normalised words of n texts (made by :func:`tokenize`): ``tok`` (ids into ``vocab``) in
    text order, ``row`` the position of the text each word belongs to (non-decreasing);
    ``index`` maps a word to its id."""

    vocab: list
    index: dict
    tok: np.ndarray
    row: np.ndarray
    n_rows: int

    def counts(self) -> np.ndarray:
        """The number of words of each text (0: blank)."""
        return np.bincount(self.row, minlength=self.n_rows)

    def texts(self, like: pd.Series) -> pd.Series:
        """The words of each text joined by one space: a ``str`` Series with the index and name
        of ``like`` (the tokenized texts), missing where ``like`` is missing."""
        offsets = np.concatenate(([0], np.cumsum(self.counts()))).astype(np.int64)
        words = pa.array(self.vocab, type=pa.large_string()).take(pa.array(self.tok))
        lists = pa.LargeListArray.from_arrays(pa.array(offsets), words)
        text = pc.binary_join(lists, pa.scalar(" ", pa.large_string()))
        out = pd.Series(pd.array(text, dtype="str"), index=like.index, name=like.name)
        return out.where(like.notna())


def as_text_series(texts, caller: str) -> pd.Series:
    """Comments as a Series of text: a Series is kept (converted to ``str`` unless it is a string
    dtype already), a sequence becomes one; numbers become text, missing values stay missing.

    Raises ``TypeError`` (naming ``caller``) for a DataFrame or a single ``str``.

    Examples
    --------
    >>> from csmlib.survey.codeframe import as_text_series
    >>> as_text_series(["late", None, 3], "code").tolist()
    ['late', nan, '3']
    """
    if isinstance(texts, pd.DataFrame):
        raise TypeError(f"{caller}: texts must be one column (a Series), not a DataFrame")
    if isinstance(texts, str):
        raise TypeError(f"{caller}: texts must be a sequence of texts (a Series), not one str")
    s = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    if not isinstance(s.dtype, pd.StringDtype):
        s = s.astype("str")  # numbers become text; missing values stay missing
    return s


def tokenize(s: pd.Series) -> Tokens:
    """The normalised words (rules 1–6 of the module) of every text of ``s`` (a string Series,
    see :func:`as_text_series`), vectorised; missing and blank texts have no word.

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.survey.codeframe import tokenize
    >>> tk = tokenize(pd.Series(["Too late!", None, "بسته ها"], dtype="str"))
    >>> [tk.vocab[i] for i in tk.tok], tk.row.tolist(), tk.counts().tolist()
    (['too', 'late', 'بستهها'], [0, 0, 2], [2, 0, 1])
    """
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
    return Tokens(vocab, index, tok, row, n)


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
    >>> from csmlib.survey.codeframe import normalize_comment
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
    >>> from csmlib.survey.codeframe import normalize_comments
    >>> normalize_comments(["Too  late.", None, "كيفيت بالا"]).tolist()
    ['too late', nan, 'کیفیت بالا']
    """
    s = as_text_series(texts, "normalize_comments")
    return tokenize(s).texts(s)


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
    >>> from csmlib.survey.codeframe import theme_patterns
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
