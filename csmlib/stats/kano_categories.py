"""Kano categories: per respondent, counted per attribute, by several rules, and continuous scores.

:func:`classify` looks each respondent's (functional, dysfunctional) answer pair up in an
evaluation table, :func:`count` tabulates the categories per attribute, :func:`summarize` gives
the category of each attribute by several rules with Better/Worse, strengths, Fong's test, χ² and
flags, and :func:`continuous` the DuMouchel/Xu scores (method note ``kano.md`` §3–6; the
conventions and references are those of :mod:`csmlib.stats.kano`, which re-exports everything
here). The answer coding is :mod:`csmlib.survey.kano_answers`; intervals and comparisons are
:mod:`csmlib.stats.kano_compare`.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from csmlib.core.frames import with_columns
from csmlib.stats.validate import check_choice, check_weights
from csmlib.survey.kano_answers import CATEGORIES, INVALID_POSITION, answer_coding, pair_lookup, paired_frames

__all__ = ["classify", "count", "summarize", "counts_matrix", "continuous"]

_CAT_DTYPE = pd.CategoricalDtype(list(CATEGORIES))
_TIE_ORDER = ("M", "O", "A", "I", "R", "Q")  # mode ties; first five: M>O>A>I rule and Fong

# answer scores by position 1..5 (Berger et al. 1993 pp. 20-23; Xu et al. 2009 / stp25kano scors)
_SCORES = {
    "dumouchel": ((4.0, 2.0, 0.0, -1.0, -2.0), (-2.0, -1.0, 0.0, 2.0, 4.0), 2.0),
    "xu": ((1.0, 0.5, 0.0, -0.25, -0.5), (-0.5, -0.25, 0.0, 0.5, 1.0), 0.5),
}


# ------------------------------------------------------------------------------------------
# classification
# ------------------------------------------------------------------------------------------


def classify(
    functional: pd.Series | pd.DataFrame,
    dysfunctional: pd.Series | pd.DataFrame,
    *,
    table: str | ArrayLike = "standard",
    coding: str | Mapping[Any, int] = "default",
) -> pd.Series | pd.DataFrame:
    """Kano category of every respondent's (functional, dysfunctional) answer pair.

    Each pair (f, d) of answer positions is looked up in the evaluation table (rows f, columns
    d; see :func:`evaluation_table`) — the respondent-level classification of Berger et al.
    (1993); never the modal-answer shortcut.

    Parameters
    ----------
    functional, dysfunctional : Series or DataFrame
        Two Series (one attribute) or two DataFrames with the same attribute columns (paired by
        name, in any order; see :func:`pair_columns`) and the same index. Answers are codes,
        answer texts (English, German, Persian; see :func:`answer_positions`) or a mix.
    table : "standard" | "pouliot" | 5×5 array of letters
    coding : "default" | "reversed" | dict
        ``"default"``: code = position (1 like … 5 dislike); ``"reversed"``: position = 6 − code
        (5 = like; texts are read as usual); a dict maps answer values to positions: numeric
        keys replace the numeric coding, text keys are added to the known wordings.

    Returns
    -------
    Series or DataFrame of pandas ``category`` dtype with categories A, O, M, I, R, Q; NaN where
    f or d is missing or not in the coding (the latter with a warning; see
    :func:`answer_problems`).

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.Series([1, 1, 2, 5, None], name="tracking")
    >>> d = pd.Series([5, 3, 5, 1, 4], name="tracking")
    >>> classify(f, d).tolist()
    ['O', 'A', 'M', 'R', nan]
    """
    F, D, name = paired_frames(functional, dysfunctional, "classify")
    lut = pair_lookup(table)
    code = answer_coding(coding)
    out, invalid = {}, []
    for col in F.columns:
        pf = code.positions(F[col])
        pd_ = code.positions(D[col])
        cats = lut[pf.astype(np.intp) * 7 + pd_]
        out[col] = pd.Categorical.from_codes(cats, dtype=_CAT_DTYPE, validate=False)
        nf, nd = int(np.count_nonzero(pf == INVALID_POSITION)), int(np.count_nonzero(pd_ == INVALID_POSITION))
        if nf or nd:
            invalid.append(f"{col} (functional {nf}, dysfunctional {nd})")
    if invalid:
        warnings.warn(
            "classify: answers outside the coding were treated as missing in "
            + "; ".join(invalid)
            + " — see kano.answer_problems",
            stacklevel=2,
        )
    result = pd.DataFrame(out, index=F.index, columns=F.columns)
    if name is not None:
        return result[name].rename(functional.name)
    return result


# ------------------------------------------------------------------------------------------
# counting and summary
# ------------------------------------------------------------------------------------------


def count(categories: pd.Series | pd.DataFrame, *, weights: pd.Series | ArrayLike | None = None) -> pd.DataFrame:
    """Count the Kano categories per attribute.

    ``categories`` is the output of :func:`classify` (Series or DataFrame; plain text columns of
    the letters A, O, M, I, R, Q work as well). Missing categories are not counted.

    Returns a DataFrame indexed by attribute with integer columns ``A, O, M, I, R, Q`` and
    ``n`` = A+O+M+I+R+Q. With ``weights`` (one per respondent, ≥ 0) the columns are weighted
    sums (float) and ``n_eff`` = (Σw)²/Σw² (Kish) is added.

    >>> import pandas as pd
    >>> count(pd.Series(["A", "A", "M", None], name="x")).loc["x"].tolist()
    [2, 0, 1, 0, 0, 0, 3]
    """
    if isinstance(categories, pd.Series):
        frame = categories.to_frame(categories.name if categories.name is not None else "attribute")
    elif isinstance(categories, pd.DataFrame):
        frame = categories
    else:
        raise TypeError(f"count: categories must be a Series or DataFrame, not {type(categories).__name__}")
    w = check_weights(weights, len(frame), caller="count", allow_zero=True)
    rows, n_eff = [], []
    for col in frame.columns:
        codes = _category_codes(frame[col], col)
        if w is None:
            rows.append(np.bincount(codes + 1, minlength=7)[1:])
        else:
            rows.append(np.bincount(codes + 1, weights=w, minlength=7)[1:])
            ww = w[codes >= 0]
            n_eff.append(ww.sum() ** 2 / (ww**2).sum() if ww.size and (ww**2).sum() > 0 else 0.0)
    counts = np.array(rows).reshape(len(frame.columns), 6)
    out = pd.DataFrame(counts, index=pd.Index(list(frame.columns), name="attribute"), columns=list(CATEGORIES))
    out["n"] = counts.sum(axis=1)
    if w is not None:
        out["n_eff"] = n_eff
    return out


def _category_codes(col: pd.Series, name: Hashable) -> np.ndarray:
    """int codes in CATEGORIES order, −1 for missing."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = [str(c) for c in col.cat.categories]
        raw = col.cat.codes.to_numpy()
        if cats == list(CATEGORIES):
            return raw.astype(np.int64)
        unknown = [c for c in cats if c.strip().upper() not in CATEGORIES]
        mapping = np.array([CATEGORIES.index(c.strip().upper()) if c not in unknown else -2 for c in cats] + [-1], dtype=np.int64)
        codes = mapping[raw]
    else:
        fcodes, uniques = pd.factorize(col, use_na_sentinel=True)
        unknown = [str(u) for u in uniques if str(u).strip().upper() not in CATEGORIES]
        mapping = np.array(
            [CATEGORIES.index(str(u).strip().upper()) if str(u).strip().upper() in CATEGORIES else -2 for u in uniques] + [-1],
            dtype=np.int64,
        )
        codes = mapping[fcodes]
    if (codes == -2).any():
        raise ValueError(f"count: column '{name}' has values that are not Kano categories: {', '.join(sorted(set(unknown))[:5])}")
    return codes


_RULES = ("mode", "mori", "oam", "quadrant")


def summarize(
    counts: pd.DataFrame,
    *,
    rule: str = "mode",
    strength_threshold: float = 0.06,
    fong_min_n: int = 12,
    high_q_share: float = 0.02,
    small_n: int = 200,
    quadrant_at: str = "fixed",
) -> pd.DataFrame:
    """Category per attribute by several rules, with coefficients, strengths and tests.

    Input: the output of :func:`count` (columns A, O, M, I, R, Q; ``n`` is recomputed and must
    agree). With N = A+O+M+I+R+Q and N* = A+O+M+I, the output adds:

    - ``category_mode``: most frequent of A…Q, exact ties M > O > A > I > R > Q;
    - ``category_mori`` (M > O > A > I with category strength; Berger et al. 1993 via Sauerwein
      et al. 1996, operational form stp25kano): c1, c2 = the two largest of M, O, A, I, R (ties
      in that order; Q stays in N); cs = (n_c1 − n_c2)/N; label c1 if cs > threshold, else the
      first of M, O, A, I in {c1, c2};
    - ``category_oam``: if O+A+M > I+R+Q the largest of M, O, A (ties M > O > A), else the
      largest of I, R, Q (ties I > R > Q);
    - ``category_quadrant``: Better–Worse quadrant (B ≥ s and |W| ≥ s → O; B ≥ s → A;
      |W| ≥ s → M; else I) with s = 0.5 (``quadrant_at="fixed"``) or the mean of B and of |W|
      over the attributes (``"mean"``);
    - ``category`` = the one chosen by ``rule`` (``"mode"``, ``"mori"``, ``"oam"``,
      ``"quadrant"``), and ``rule``; ``category_mixed`` = "c1/c2" when cs ≤ threshold or Fong's
      test is not significant (or skipped), else c1;
    - ``better`` = (A+O)/N*, ``worse`` = −(O+M)/N* (NaN with a warning when N* = 0), ``n_star``;
    - ``category_strength`` = cs, ``total_strength`` = (A+O+M)/N;
    - Fong (1996): a, b = the two largest of M, O, A, I, R; ``fong_difference`` = |a − b|,
      ``fong_threshold`` T = 1.65·sqrt((a+b)(2N−a−b)/(2N)), ``fong_significant`` = |a−b| ≥ T
      (pandas ``boolean``; NA when N* < ``fong_min_n``, 12 as stp25kano);
    - ``chi2``, ``chi2_p``: χ² goodness of fit of (M, O, A, I) against equal frequencies, df 3
      (as stp25kano ``chisq.test(tab[1:4])``; NaN when N* = 0);
    - flags: ``reverse_dominant`` (mode is R: Better/Worse meaningless), ``q_share`` = Q/N and
      ``high_q`` (Q/N > ``high_q_share``, 2 %: Sauerwein et al. 1996 report less in good
      studies), ``small_n`` (N < 200, Chapman & Callegaro 2022).

    Attributes with N = 0 get NA categories and NaN statistics.

    Examples
    --------
    The "Service app" attribute of the stp25kano README:

    >>> import pandas as pd
    >>> c = pd.DataFrame({"A": [45], "O": [123], "M": [95], "I": [33], "R": [0], "Q": [0]},
    ...                  index=["app"])
    >>> s = summarize(c).loc["app"]
    >>> s["category"], [round(float(s[c]), 3) for c in ("better", "worse", "fong_threshold")]
    ('O', [0.568, -0.736, 19.364])
    """
    check_choice(rule, _RULES, "rule", "summarize")
    if not 0 <= strength_threshold < 1:
        raise ValueError(f"summarize: strength_threshold must be in [0, 1), not {strength_threshold!r}")
    X, out = counts_matrix(counts, "summarize")
    k = X.shape[0]
    A, O, M, I, R, Q = (X[:, i] for i in range(6))
    N = X.sum(axis=1)
    Nstar = A + O + M + I
    has_n, has_star = N > 0, Nstar > 0
    # --- mode (ties M > O > A > I > R > Q)
    tie_idx = [CATEGORIES.index(c) for c in _TIE_ORDER]
    Xt = X[:, tie_idx]
    mode = _labels(np.array(_TIE_ORDER)[np.argmax(Xt, axis=1)], has_n)
    # --- top two of M, O, A, I, R (ties in that order)
    X5 = Xt[:, :5]
    order = np.argsort(-X5, axis=1, kind="stable")
    i1, i2 = order[:, 0], order[:, 1]
    a = X5[np.arange(k), i1]
    b = X5[np.arange(k), i2]
    with np.errstate(invalid="ignore", divide="ignore"):
        cs = np.where(has_n, (a - b) / np.where(has_n, N, 1), np.nan)
        tot = np.where(has_n, (A + O + M) / np.where(has_n, N, 1), np.nan)
    names5 = np.array(_TIE_ORDER[:5])
    strong = cs > strength_threshold
    mori = _labels(np.where(strong, names5[i1], names5[np.minimum(i1, i2)]), has_n)
    # --- (O+A+M) vs (I+R+Q)
    moa = X[:, [CATEGORIES.index(c) for c in "MOA"]]
    irq = X[:, [CATEGORIES.index(c) for c in "IRQ"]]
    oam = np.where(
        moa.sum(axis=1) > irq.sum(axis=1), np.array(list("MOA"))[np.argmax(moa, 1)], np.array(list("IRQ"))[np.argmax(irq, 1)]
    )
    oam = _labels(oam, has_n)
    # --- Better / Worse
    if (~has_star).any():
        names = ", ".join(str(x) for x in out.index[~has_star])
        warnings.warn(f"summarize: Better/Worse are NaN for {names}: no A, O, M or I answers (A+O+M+I = 0)", stacklevel=2)
    safe = np.where(has_star, Nstar, 1)
    better = np.where(has_star, (A + O) / safe, np.nan)
    worse = np.where(has_star, -(O + M) / safe, np.nan)
    quadrant = _quadrant(better, worse, quadrant_at)
    # --- Fong
    with np.errstate(invalid="ignore", divide="ignore"):
        T = 1.65 * np.sqrt((a + b) * (2 * N - a - b) / (2 * np.where(has_n, N, 1)))
    T = np.where(has_n, T, np.nan)
    diff = np.abs(a - b)
    tested = has_n & (Nstar >= fong_min_n)
    fong = pd.array(np.where(tested, diff >= T, False), dtype="boolean")
    fong[~tested] = pd.NA
    # --- χ² of M, O, A, I against equal frequencies
    moai = X[:, [CATEGORIES.index(c) for c in "MOAI"]]
    e = Nstar / 4.0
    with np.errstate(invalid="ignore", divide="ignore"):
        chi2 = np.where(has_star, ((moai - e[:, None]) ** 2).sum(axis=1) / np.where(has_star, e, 1), np.nan)
    chi2_p = np.where(has_star, stats.chi2.sf(chi2, 3), np.nan)
    # --- mixed label
    clear = strong & np.asarray(fong.fillna(False), dtype=bool)
    mixed = np.where(clear | (b == 0), names5[i1], np.char.add(np.char.add(names5[i1].astype(str), "/"), names5[i2].astype(str)))
    mixed = _labels(mixed, has_n)
    by_rule = {"mode": mode, "mori": mori, "oam": oam, "quadrant": quadrant}
    q_share = np.where(has_n, Q / np.where(has_n, N, 1), np.nan)

    added = {
        "n_star": Nstar,
        "category": by_rule[rule],
        "rule": rule,
        "category_mode": mode,
        "category_mori": mori,
        "category_oam": oam,
        "category_quadrant": quadrant,
        "category_mixed": mixed,
        "better": better,
        "worse": worse,
        "category_strength": cs,
        "total_strength": tot,
        "fong_difference": np.where(has_n, diff, np.nan),
        "fong_threshold": T,
        "fong_significant": fong,
        "chi2": chi2,
        "chi2_p": chi2_p,
        "reverse_dominant": np.asarray(mode.fillna("") == "R", dtype=bool),
        "q_share": q_share,
        "high_q": np.nan_to_num(q_share) > high_q_share,
        "small_n": N < small_n,
    }
    return with_columns(out, added)


def _labels(values: ArrayLike, present: ArrayLike) -> pd.api.extensions.ExtensionArray:
    arr = pd.array(np.asarray(values, dtype=object), dtype="string")
    arr[~np.asarray(present, dtype=bool)] = pd.NA
    return arr


def _quadrant(better: np.ndarray, worse: np.ndarray, at: str) -> pd.api.extensions.ExtensionArray:
    check_choice(at, ("fixed", "mean"), "quadrant_at", spelled=True)
    w = np.abs(worse)
    if at == "fixed":
        sb = sw = 0.5
    else:
        sb, sw = (np.nanmean(better), np.nanmean(w)) if np.isfinite(better).any() else (0.5, 0.5)
    lab = np.where(better >= sb, np.where(w >= sw, "O", "A"), np.where(w >= sw, "M", "I"))
    return _labels(lab, np.isfinite(better))


def counts_matrix(counts: pd.DataFrame, caller: str) -> tuple[np.ndarray, pd.DataFrame]:
    """Check a table of category counts (the output of :func:`count`) for the analyses.

    ``counts`` needs the columns A, O, M, I, R, Q (finite, ≥ 0); a column ``n`` must equal their
    sum. Returns ``(X, out)``: the k × 6 float matrix in :data:`CATEGORIES` order and a new frame
    of the six columns, ``n`` (and ``n_eff`` when given), indexed by attribute. Errors name
    ``caller``.

    >>> import pandas as pd
    >>> X, out = counts_matrix(pd.DataFrame({"A": [2], "O": [1], "M": [0], "I": [0], "R": [0], "Q": [1]}), "demo")
    >>> X.tolist(), int(out.loc[0, "n"])
    ([[2.0, 1.0, 0.0, 0.0, 0.0, 1.0]], 4)
    """
    if not isinstance(counts, pd.DataFrame):
        raise TypeError(f"{caller}: counts must be a DataFrame (see kano.count), not {type(counts).__name__}")
    missing = [c for c in CATEGORIES if c not in counts.columns]
    if missing:
        raise ValueError(f"{caller}: counts lack column(s) {', '.join(missing)} (see kano.count)")
    X = counts[list(CATEGORIES)].to_numpy(dtype=float)
    if np.any(~np.isfinite(X)) or np.any(X < 0):
        bad = counts.index[(~np.isfinite(X) | (X < 0)).any(axis=1)]
        raise ValueError(f"{caller}: counts must be finite and non-negative (attribute(s) {', '.join(map(str, bad[:5]))})")
    n = X.sum(axis=1)
    if "n" in counts.columns:
        given = counts["n"].to_numpy(dtype=float)
        bad = ~np.isclose(given, n)
        if bad.any():
            raise ValueError(f"{caller}: column n differs from A+O+M+I+R+Q for {', '.join(map(str, counts.index[bad][:5]))}")
    out = counts[list(CATEGORIES)].copy()
    out["n"] = counts["n"] if "n" in counts.columns else (n.astype(np.int64) if np.all(n == np.round(n)) else n)
    if "n_eff" in counts.columns:
        out["n_eff"] = counts["n_eff"]
    out.index.name = counts.index.name or "attribute"
    return X, out


# ------------------------------------------------------------------------------------------
# continuous scores
# ------------------------------------------------------------------------------------------


def continuous(
    functional: pd.Series | pd.DataFrame,
    dysfunctional: pd.Series | pd.DataFrame,
    *,
    scale: str = "dumouchel",
    importance: pd.Series | pd.DataFrame | None = None,
    coding: str | Mapping[Any, int] = "default",
    table: str | ArrayLike = "standard",
    keep_rq: bool = True,
    importance_range: tuple[float, float] = (1, 9),
) -> pd.DataFrame:
    """Mean and SD of functional and dysfunctional answer scores per attribute.

    Scores by position 1..5 (like … dislike):

    - ``"dumouchel"`` (Berger et al. 1993, pp. 20–23): functional 4, 2, 0, −1, −2;
      dysfunctional −2, −1, 0, 2, 4;
    - ``"xu"`` (Xu et al. 2009, values as stp25kano ``scors``): functional 1, 0.5, 0, −0.25,
      −0.5; dysfunctional −0.5, −0.25, 0, 0.5, 1 (= DuMouchel / 4). With ``importance`` the
      scores are importance-weighted, s·w with w = (importance − lo)/(hi − lo) ∈ [0, 1]
      (``importance_range=(lo, hi)``, the 9-point scale of Berger et al. 1993 by default), and
      averaged over respondents, so unimportant needs move towards the origin.

    Only respondents with both answers valid are used (and, for weighted Xu scores, a
    non-missing importance); ``keep_rq=False`` also drops pairs classified R or Q by ``table``.
    Means and SDs (divisor n − 1) are per attribute; ``importance_mean`` is the mean stated
    importance of the respondents used (when ``importance`` is given).

    ``category`` is **indicative**: the positive quadrant split at half the maximum score (2 for
    DuMouchel, 0.5 for Xu — the practitioners' split, which Displayr notes has no real basis):
    F̄ ≥ s and D̄ ≥ s → O; F̄ ≥ s → A; D̄ ≥ s → M; both means negative → R; else I. Xu et al.'s
    own vector classifiers are not implemented.

    >>> import pandas as pd
    >>> f = pd.DataFrame({"x": [1, 1, 2, 3]}); d = pd.DataFrame({"x": [5, 3, 5, 3]})
    >>> r = continuous(f, d).loc["x"]
    >>> float(r["functional_mean"]), float(r["dysfunctional_mean"]), r["category"], int(r["n"])
    (2.5, 2.0, 'O', 4)
    """
    check_choice(scale, tuple(_SCORES), "scale", "continuous", spelled=True)
    F, D, name = paired_frames(functional, dysfunctional, "continuous")
    IMP = None
    if importance is not None:
        if name is not None:
            if not isinstance(importance, pd.Series):
                raise TypeError("continuous: importance must be a Series when the answers are")
            IMP = importance.to_frame(name)
        else:
            if not isinstance(importance, pd.DataFrame):
                raise TypeError("continuous: importance must be a DataFrame with the attribute columns")
            missing = [c for c in F.columns if c not in importance.columns]
            if missing:
                raise ValueError(f"continuous: no importance column for {', '.join(map(str, missing))}")
            IMP = importance
        if not IMP.index.equals(F.index):
            raise ValueError("continuous: importance must have the same index as the answers")
    fs, ds, split = _SCORES[scale]
    f_lut = np.array([np.nan, *fs, np.nan])
    d_lut = np.array([np.nan, *ds, np.nan])
    code = answer_coding(coding)
    pair_lut = pair_lookup(table)
    rq = {CATEGORIES.index("R"), CATEGORIES.index("Q")}
    lo, hi = importance_range
    rows = {}
    for col in F.columns:
        pf, pd_ = code.positions(F[col]), code.positions(D[col])
        use = (pf >= 1) & (pf <= 5) & (pd_ >= 1) & (pd_ <= 5)
        if not keep_rq:
            cat = pair_lut[pf.astype(np.intp) * 7 + pd_]
            use &= ~np.isin(cat, list(rq))
        fsc, dsc = f_lut[pf], d_lut[pd_]
        row = {}
        imp = None
        if IMP is not None:
            imp = pd.to_numeric(IMP[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            if scale == "xu":
                use &= ~np.isnan(imp)
                w = (imp - lo) / (hi - lo)
                fsc, dsc = fsc * w, dsc * w
        n = int(use.sum())
        row["functional_mean"] = float(fsc[use].mean()) if n else np.nan
        row["functional_sd"] = float(fsc[use].std(ddof=1)) if n > 1 else np.nan
        row["dysfunctional_mean"] = float(dsc[use].mean()) if n else np.nan
        row["dysfunctional_sd"] = float(dsc[use].std(ddof=1)) if n > 1 else np.nan
        if imp is not None:
            iv = imp[use]
            iv = iv[~np.isnan(iv)]
            row["importance_mean"] = float(iv.mean()) if iv.size else np.nan
        fm, dm = row["functional_mean"], row["dysfunctional_mean"]
        if n == 0:
            cat = pd.NA
        elif fm >= split and dm >= split:
            cat = "O"
        elif fm >= split:
            cat = "A"
        elif dm >= split:
            cat = "M"
        elif fm < 0 and dm < 0:
            cat = "R"
        else:
            cat = "I"
        row["category"] = cat
        row["n"] = n
        rows[col] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index = pd.Index(list(F.columns), name="attribute")
    out["category"] = out["category"].astype("string")
    out["n"] = out["n"].astype(np.int64)
    out["scale"] = scale
    out["rq"] = "kept" if keep_rq else "excluded"
    return out
