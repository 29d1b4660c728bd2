"""What the open comments say in their own words: the frequent terms no theme covers (candidates
for new themes, :func:`uncovered_terms`) and short quotes per theme (:func:`examples`).

Both read the comments coded by :func:`csmlib.stats.comment_coding.code`, masked by
:func:`csmlib.stats.pii.mask_pii` and normalised by :mod:`csmlib.survey.codeframe`. Method note:
``docs/methods/comments.md`` §7.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from csmlib.stats.comment_coding import coded_marks, per_row_values
from csmlib.stats.pii import PII_PLACEHOLDER_PATTERN, mask_pii
from csmlib.survey.codeframe import as_text_series, normalize_comments, tokenize

__all__ = ["uncovered_terms", "examples", "STOP_WORDS"]

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


@lru_cache(maxsize=1)
def _stop_set() -> frozenset:
    words = [w for lang in STOP_WORDS.values() for w in lang]
    return frozenset(w for n in normalize_comments(words).tolist() for w in n.split(" ") if w)


def _aligned_texts(texts: pd.Series | Sequence[str | None], coded: pd.DataFrame, caller: str) -> pd.Series:
    s = as_text_series(texts, caller)
    if not isinstance(texts, pd.Series):
        if len(s) != len(coded):
            raise ValueError(f"{caller}: {len(s)} texts for {len(coded)} coded rows")
        return s.set_axis(coded.index)
    if not s.index.equals(coded.index):
        raise ValueError(f"{caller}: the index of the texts does not match the coded frame")
    return s


def uncovered_terms(
    texts: pd.Series | Sequence[str | None], coded: pd.DataFrame, *, top: int = 30, min_count: int = 3
) -> pd.DataFrame:
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
    >>> from csmlib.stats.comment_coding import code
    >>> from csmlib.stats.comment_words import uncovered_terms
    >>> texts = pd.Series(["The app crashes", "app crashes again", "late delivery",
    ...                    "the app is slow"])
    >>> u = uncovered_terms(texts, code(texts, {"late": {"patterns": ["late"]}}), min_count=2)
    >>> u[["term", "kind", "n_comments"]].values.tolist()
    [['app', 'word', 3], ['crashes', 'word', 2], ['app crashes', 'phrase', 2]]
    """
    caller = "uncovered_terms"
    marks = coded_marks(coded, caller, "coded")
    for name, v in (("top", top), ("min_count", min_count)):
        if not (isinstance(v, (int, np.integer)) and v >= 1):
            raise ValueError(f"{caller}: {name} must be a positive integer, not {v!r}")
    s = _aligned_texts(texts, coded, caller)
    chosen = s[~marks.any(axis=1)]
    masked = mask_pii(chosen).str.replace(PII_PLACEHOLDER_PATTERN, " 0 ", regex=True)
    tk = tokenize(masked)
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


def examples(
    texts: pd.Series | Sequence[str | None],
    coded: pd.DataFrame,
    theme: str,
    *,
    k: int = 3,
    satisfaction: pd.Series | ArrayLike | None = None,
    min_words: int = 4,
) -> pd.DataFrame:
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
    >>> from csmlib.stats.comment_coding import code
    >>> from csmlib.stats.comment_words import examples
    >>> texts = pd.Series(["late", "The parcel came two days late",
    ...                    "Late again, call me on 09123456789", "the parcel came two days LATE"])
    >>> examples(texts, code(texts, {"late": {"patterns": ["late"]}}), "late")["text"].tolist()
    ['The parcel came two days late', 'Late again, call me on [phone]']
    """
    caller = "examples"
    coded_marks(coded, caller, "coded")
    if theme not in coded.columns:
        raise ValueError(f"{caller}: theme '{theme}' is not a column of coded ({list(coded.columns)})")
    for name, v in (("k", k), ("min_words", min_words)):
        if not (isinstance(v, (int, np.integer)) and v >= 1):
            raise ValueError(f"{caller}: {name} must be a positive integer, not {v!r}")
    s = _aligned_texts(texts, coded, caller)
    rows = np.flatnonzero(coded[theme].to_numpy(dtype=bool) & s.notna().to_numpy())
    chosen = s.iloc[rows]
    masked = mask_pii(chosen)
    tk = tokenize(masked.str.replace(PII_PLACEHOLDER_PATTERN, " ", regex=True))
    shown = masked.str.split().str.join(" ")
    cand = pd.DataFrame(
        {
            "text": shown.to_numpy(),
            "n_words": tk.counts(),
            "norm": tk.texts(chosen).to_numpy(),
            "length": shown.str.len().to_numpy(),
            "pos": rows,
        }
    )
    if satisfaction is not None:
        cand["satisfaction"] = per_row_values(satisfaction, coded.index, caller, "satisfaction")[rows]
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
