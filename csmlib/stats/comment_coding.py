"""Open comments coded into themes: which comment mentions which theme of the codeframe.

:func:`code` marks each comment with the themes whose patterns it contains (the codeframe, the
normalisation of the text into words and the matching rules: :mod:`csmlib.survey.codeframe`);
:func:`blank_rows` says which comments had no word. :func:`coded_marks` and
:func:`per_row_values` check the inputs of the statistics built on the coding
(:mod:`csmlib.stats.comment_themes`, :mod:`csmlib.stats.comment_words`). Method note:
``docs/methods/comments.md``.

Vectorisation: each pattern is resolved once against the vocabulary of normalised words (exact
words by look-up, prefixes with pyarrow ``starts_with``), and a theme is then an array look-up
over the words. 1,000,000 comments × 30 themes take about 5 s on two cores
(``benchmarks/bench_comments.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import ArrayLike

from csmlib.survey.codeframe import Tokens, as_text_series, theme_patterns, tokenize

__all__ = ["code", "blank_rows", "coded_marks", "per_row_values"]


def _resolve(words: tuple, prefix: bool, tk: Tokens, vocab_array: Callable[[], pa.Array]) -> list[np.ndarray]:
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


def _match(tk: Tokens, patterns: dict) -> np.ndarray:
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

    __hash__ = None  # type: ignore[assignment]  # typeshed types object.__hash__ as a method; None is Python's documented "unhashable" marker

    def __repr__(self):
        return f"<blank rows: {int(self.series.sum())} of {len(self.series)}>"


def code(texts: pd.Series | Sequence[str | None], themes: Mapping[str, Mapping]) -> pd.DataFrame:
    """Code open comments into themes: a boolean DataFrame, one column per theme.

    ``coded.loc[i, t]`` is True when comment ``i`` contains at least one pattern of theme ``t``
    (matching rules: :mod:`csmlib.survey.codeframe`). Same index as ``texts``; columns in codeframe order.
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
    >>> from csmlib.stats.comment_coding import code
    >>> frame = {"late": {"patterns": {"en": ["late", "took too long"], "fa": ["دیر*"]}},
    ...          "staff": {"patterns": {"en": ["friendly", "staff"], "fa": ["کارمند*"]}}}
    >>> c = code(pd.Series(["Friendly staff but the parcel came late", "Chocolate was great",
    ...                     "بسته دیر رسید", None, " ... "]), frame)
    >>> c.to_numpy().astype(int).tolist(), c.attrs["n_blank"]
    ([[1, 1], [0, 0], [1, 0], [0, 0], [0, 0]], 2)
    """
    patterns = theme_patterns(themes)
    s = as_text_series(texts, "code")
    tk = tokenize(s)
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
    frame not made by :func:`code`, or rows that are not in the coded texts).

    Examples
    --------
    >>> from csmlib.stats.comment_coding import blank_rows, code
    >>> blank_rows(code(["late", None, " ... "], {"late": {"patterns": ["late"]}})).tolist()
    [False, True, True]
    """
    flags = coded.attrs.get("blank") if isinstance(coded, pd.DataFrame) else None
    if not isinstance(flags, _RowFlags):
        return None
    s = flags.series.copy(deep=False)  # copy-on-write: the kept flags never change
    if s.index.equals(coded.index):
        return s
    if s.index.is_unique and coded.index.isin(s.index).all():
        return s.reindex(coded.index)
    return None


def coded_marks(coded: pd.DataFrame, caller: str, what: str) -> np.ndarray:
    """The theme marks of a frame returned by :func:`code` as a boolean (rows × themes) array.

    Raises ``TypeError`` when ``coded`` is not a DataFrame and ``ValueError`` when it has no
    column or a column that is not boolean without missing values; messages name ``caller``
    and ``what`` (the argument).

    Examples
    --------
    >>> from csmlib.stats.comment_coding import code, coded_marks
    >>> coded_marks(code(["late", "fine"], {"late": {"patterns": ["late"]}}), "f", "coded").tolist()
    [[True], [False]]
    """
    if not isinstance(coded, pd.DataFrame):
        raise TypeError(f"{caller}: {what} must be the DataFrame returned by code()")
    if coded.shape[1] == 0:
        raise ValueError(f"{caller}: {what} has no theme columns")
    bad = [c for c in coded.columns if not pd.api.types.is_bool_dtype(coded[c].dtype) or coded[c].isna().any()]
    if bad:
        raise ValueError(f"{caller}: theme column(s) {bad} of {what} are not boolean (True/False, no missing values)")
    return coded.to_numpy(dtype=bool)


def per_row_values(values: pd.Series | ArrayLike, index: pd.Index, caller: str, what: str) -> np.ndarray:
    """A per-row numeric array aligned with ``index`` (the coded comments' index): a Series
    by its index (a subset in another order is reindexed), other values by position.

    Raises ``ValueError`` (naming ``caller`` and the Series name or ``what``) when the index does
    not match, the length differs or the values are not numeric.

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.comment_coding import per_row_values
    >>> per_row_values(pd.Series([5, 3], index=[2, 1]), pd.Index([1, 2]), "f", "satisfaction").tolist()
    [3.0, 5.0]
    """
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
