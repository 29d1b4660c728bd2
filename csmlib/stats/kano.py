"""Kano analysis: classification, category rules, coefficients, continuous scores and drift.

A Kano questionnaire asks two questions per attribute: the functional question f ("How do you
feel if the product has X?") and the dysfunctional question d ("… if it does not have X?"),
both answered on the same five options, coded here by **position**:

====  =====================================================  =====================
pos   meaning                                                 DuMouchel f / d score
====  =====================================================  =====================
1     like ("I like it", "I enjoy it that way")               4 / −2
2     must-be ("It must be that way", "I expect it")          2 / −1
3     neutral ("I am neutral", "I don't care")                0 / 0
4     live-with ("I can live with it", "I can tolerate it")   −1 / 2
5     dislike ("I dislike it")                                −2 / 4
====  =====================================================  =====================

Pipeline (method note ``kano.md``): :func:`classify` each respondent's (f, d) pair with an
evaluation table → :func:`count` the categories per attribute → :func:`summarize` (category by
several rules side by side, Better/Worse, category and total strength, Fong's test, χ², flags).
:func:`continuous` gives DuMouchel/Xu scores, :func:`better_worse_ci` bootstrap (or Wilson)
intervals and :func:`compare` two segments or two waves (drift).

Conventions
-----------
- Categories are ``A`` attractive, ``O`` one-dimensional, ``M`` must-be, ``I`` indifferent,
  ``R`` reverse, ``Q`` questionable. :func:`classify` returns pandas ``category`` columns with
  exactly these categories (missing = NaN, ``isna()`` is True).
- A respondent is excluded **for one attribute only** when f or d is missing or outside the
  coding (N is per attribute). Answers outside the coding are never dropped silently:
  :func:`classify` warns and :func:`answer_problems` counts them per attribute.
- f and d frames are paired **by column name** (exports do not guarantee the order, the
  dysfunctional column may come first); :func:`pair_columns` builds them from a survey frame and
  the codebook's Kano pairs and names any missing column.
- Better = (A+O)/(A+O+M+I) in [0, 1]; Worse = −(O+M)/(A+O+M+I) in [−1, 0] (negative, as Timko
  in Berger et al. 1993 and stp25kano). R and Q are excluded from the denominator; when
  A+O+M+I = 0 both are NaN with a warning.
- Exact ties for the mode are broken M > O > A > I > R > Q (csmlib convention).

References
----------
Kano, Seraku, Takahashi & Tsuji (1984) *J. Japanese Soc. Quality Control* 14(2):39–48;
Berger et al. (1993) *Center for Quality of Management Journal* 2(4):3–36; Sauerwein, Bailom,
Matzler & Hinterhuber (1996) *IX Int. Working Seminar on Production Economics*, 313–327;
Lee & Newcomb (1997) *Quality Management Journal* 4(3):95–110; Fong (1996) *CQM Journal*
5(3):21–24; Xu, Jiao, Yang & Helander (2009) *Design Studies* 30(1):87–110; stp4/stp25kano (R).
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from csmlib.stats.indicators import adjust_pvalues, wilson_interval
from csmlib.core.text import normalize_label, parse_number
from csmlib.stats.validate import check_choice, check_level, check_weights

__all__ = [
    "CATEGORIES",
    "STANDARD_TABLE",
    "POULIOT_TABLE",
    "KanoColumns",
    "answer_positions",
    "evaluation_table",
    "pair_columns",
    "classify",
    "answer_problems",
    "count",
    "summarize",
    "continuous",
    "better_worse_ci",
    "compare",
]

CATEGORIES = ("A", "O", "M", "I", "R", "Q")
_CAT_DTYPE = pd.CategoricalDtype(list(CATEGORIES))
_TIE_ORDER = ("M", "O", "A", "I", "R", "Q")  # mode ties; first five: M>O>A>I rule and Fong
_MISSING, _INVALID = 0, 6  # position codes besides 1..5

# rows = functional position 1..5, columns = dysfunctional position 1..5
STANDARD_TABLE = (
    ("Q", "A", "A", "A", "O"),
    ("R", "I", "I", "I", "M"),
    ("R", "I", "I", "I", "M"),
    ("R", "I", "I", "I", "M"),
    ("R", "R", "R", "R", "Q"),
)
# Berger et al. (1993) p. 33: identical answers are Q except (neutral, neutral)
POULIOT_TABLE = (
    ("Q", "A", "A", "A", "O"),
    ("R", "Q", "I", "I", "M"),
    ("R", "I", "I", "I", "M"),
    ("R", "I", "I", "Q", "M"),
    ("R", "R", "R", "R", "Q"),
)
_TABLES = {"standard": STANDARD_TABLE, "pouliot": POULIOT_TABLE}

# answer scores by position 1..5 (Berger et al. 1993 pp. 20-23; Xu et al. 2009 / stp25kano scors)
_SCORES = {
    "dumouchel": ((4.0, 2.0, 0.0, -1.0, -2.0), (-2.0, -1.0, 0.0, 2.0, 4.0), 2.0),
    "xu": ((1.0, 0.5, 0.0, -0.25, -0.5), (-0.5, -0.25, 0.0, 0.5, 1.0), 0.5),
}

_WORDINGS = {
    1: (
        "I like it",
        "I like it that way",
        "I like it this way",
        "I would like it",
        "Like",
        "Like it",
        "I enjoy it",
        "I enjoy it that way",
        "This would be very helpful to me",
        "Love it",
        "I love it",
        "Delighted",
        "Das würde mich sehr freuen",
        "Das würde mich freuen",
        "دوست دارم",
        "خوشم می‌آید",
        "خیلی خوشم می‌آید",
        "خوشحال می‌شوم",
        "لذت می‌برم",
    ),
    2: (
        "It must be that way",
        "It must be",
        "Must be",
        "Must-be",
        "I expect it",
        "I expect it that way",
        "I expect it this way",
        "Expect it",
        "Expected",
        "It is a basic necessity",
        "It's a basic necessity",
        "This is a basic requirement for me",
        "Das setze ich voraus",
        "Setze ich voraus",
        "انتظار دارم",
        "انتظارش را دارم",
        "باید این‌گونه باشد",
        "باید اینگونه باشد",
        "باید این طور باشد",
        "ضروری است",
        "لازم است",
    ),
    3: (
        "I am neutral",
        "I'm neutral",
        "Neutral",
        "I feel neutral",
        "I don't care",
        "I do not care",
        "This would not affect me",
        "Indifferent",
        "I am indifferent",
        "Das ist mir egal",
        "Ist mir egal",
        "برایم فرقی نمی‌کند",
        "فرقی نمی‌کند",
        "برایم تفاوتی ندارد",
        "تفاوتی ندارد",
        "بی‌تفاوتم",
        "بی‌تفاوت هستم",
        "برایم مهم نیست",
        "خنثی",
    ),
    4: (
        "I can live with it",
        "I can live with it that way",
        "I can live with it this way",
        "Live with it",
        "Live with",
        "Live-with",
        "I can tolerate it",
        "I can tolerate it that way",
        "Tolerate it",
        "Tolerate",
        "I can accept it",
        "I dislike it, but I can live with it",
        "I dislike it, but I can live with it that way",
        "This would be a minor inconvenience",
        "Das könnte ich in Kauf nehmen",
        "Das nehme ich in Kauf",
        "Könnte ich in Kauf nehmen",
        "می‌توانم تحمل کنم",
        "می‌توانم تحملش کنم",
        "قابل تحمل است",
        "قابل تحمل",
        "تحمل می‌کنم",
        "می‌توانم با آن کنار بیایم",
        "کنار می‌آیم",
    ),
    5: (
        "I dislike it",
        "I dislike it that way",
        "I dislike it this way",
        "Dislike",
        "Dislike it",
        "I dislike it, and I can't accept it",
        "I dislike it and can't accept it",
        "I hate it",
        "Unhappy",
        "This would be a major problem for me",
        "Das würde mich sehr stören",
        "Das würde mich stören",
        "Das stört mich",
        "دوست ندارم",
        "خوشم نمی‌آید",
        "اصلاً خوشم نمی‌آید",
        "اصلا خوشم نمی‌آید",
        "بدم می‌آید",
        "ناراضی می‌شوم",
        "ناراحت می‌شوم",
        "قابل قبول نیست",
    ),
}


def _build_positions() -> dict[str, int]:
    out: dict[str, int] = {}
    for pos, words in _WORDINGS.items():
        for w in words:
            variants = {w, w.replace("\u200c", ""), w.replace("\u200c", " ")}
            variants |= {v.rstrip(".") for v in variants}
            for v in variants:
                key = normalize_label(v)
                if key in out and out[key] != pos:  # pragma: no cover - guards the table above
                    raise RuntimeError(f"Kano wording {v!r} maps to two positions")
                out[key] = pos
                # informal Persian typing joins the verb prefix: "می آید" -> "میآید"
                if "می " in key:
                    out[key.replace("می ", "می")] = pos
    return out


_POSITIONS = _build_positions()


def answer_positions() -> dict[str, int]:
    """Known Kano answer wordings → answer position 1..5 (keys normalised).

    English (Kano/Berger wordings and common survey-tool variants), German (stp25kano) and
    Persian wordings; keys are normalised with :func:`csmlib.core.text.normalize_label` (case, white
    space, ZWNJ, Arabic/Persian letters, typographic apostrophes), so look texts up with
    ``answer_positions()[normalize_label(text)]``. The codebook's ``kano.labels`` add wordings.

    Positions: 1 like, 2 must-be/expect, 3 neutral, 4 live-with/tolerate, 5 dislike.

    >>> from csmlib.core.text import normalize_label
    >>> pos = answer_positions()
    >>> pos[normalize_label("I can live with it")], pos[normalize_label("خوشم نمي‌آيد")]
    (4, 5)
    """
    return dict(_POSITIONS)


def evaluation_table(table="standard") -> pd.DataFrame:
    """The 5×5 evaluation table as a DataFrame (rows f = 1..5, columns d = 1..5).

    ``table`` is ``"standard"`` (Kano et al. 1984; Berger et al. 1993 p. 6), ``"pouliot"``
    (Berger et al. 1993 p. 33: (2,2) and (4,4) are Q as well) or any 5×5 array of the letters
    A, O, M, I, R, Q.

    >>> evaluation_table().loc[1, 5], evaluation_table("pouliot").loc[2, 2]
    ('O', 'Q')
    """
    cells = _table_cells(table)
    return pd.DataFrame(
        cells, index=pd.Index(range(1, 6), name="functional"), columns=pd.Index(range(1, 6), name="dysfunctional")
    )


def _table_cells(table) -> np.ndarray:
    if isinstance(table, str):
        if table not in _TABLES:
            raise ValueError(f"table must be 'standard', 'pouliot' or a 5×5 array of category letters, not {table!r}")
        table = _TABLES[table]
    cells = np.asarray(table, dtype=object)
    if cells.shape != (5, 5):
        raise ValueError(f"a Kano evaluation table must be 5×5, not {cells.shape}")
    bad = sorted({str(c) for c in cells.ravel() if c not in CATEGORIES})
    if bad:
        raise ValueError(f"evaluation table has unknown categories {bad} (expected {', '.join(CATEGORIES)})")
    return cells


def _pair_lut(table) -> np.ndarray:
    """Lookup (7·f + d) → category code (index in CATEGORIES, −1 missing); f, d ∈ 0..6."""
    cells = _table_cells(table)
    lut = np.full(49, -1, dtype=np.int8)
    for f in range(5):
        for d in range(5):
            lut[7 * (f + 1) + (d + 1)] = CATEGORIES.index(cells[f, d])
    return lut


# ------------------------------------------------------------------------------------------
# answer coding
# ------------------------------------------------------------------------------------------


class _Coding:
    """Compiled answer coding: numeric code → position and normalised text → position."""

    def __init__(self, coding):
        self.texts = dict(_POSITIONS)
        numeric = {float(c): c for c in range(1, 6)}
        if isinstance(coding, str):
            if coding == "reversed":
                numeric = {float(c): 6 - c for c in range(1, 6)}
            elif coding != "default":
                raise ValueError(f"coding must be 'default', 'reversed' or a dict of answer → position, not {coding!r}")
        elif isinstance(coding, dict):
            user_numeric = {}
            for key, pos in coding.items():
                if isinstance(pos, bool) or not isinstance(pos, numbers.Integral) or not 1 <= int(pos) <= 5:
                    raise ValueError(f"coding: position of {key!r} must be an integer 1-5, not {pos!r}")
                number = _as_number(key)
                if number is not None:
                    user_numeric[number] = int(pos)
                else:
                    self.texts[normalize_label(key)] = int(pos)
            if user_numeric:
                numeric = user_numeric
        else:
            raise TypeError(f"coding must be 'default', 'reversed' or a dict, not {type(coding).__name__}")
        self.numeric = numeric
        keys = np.array(sorted(numeric))
        self.integer_lut = None
        if np.all(keys == np.round(keys)) and keys.min() >= -1000 and keys.max() <= 1000:
            lo, hi = int(keys.min()), int(keys.max())
            # index 0: NaN; 1: below lo; 2..: lo..hi; last: above hi
            lut = np.full(hi - lo + 4, _INVALID, dtype=np.int8)
            lut[0] = _MISSING
            for k, pos in numeric.items():
                lut[int(k) - lo + 2] = pos
            self.integer_lut = (lo, hi, lut)

    def value(self, v) -> int:
        """Position of one raw value (0 missing, 6 invalid)."""
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            return _MISSING
        if isinstance(v, (bool, np.bool_)):
            return _INVALID
        number = _as_number(v)
        if number is not None:
            if math.isnan(number):
                return _MISSING
            return self.numeric.get(number, _INVALID)
        key = normalize_label(v)
        if key == "":
            return _MISSING
        return self.texts.get(key, _INVALID)

    def positions(self, values: pd.Series) -> np.ndarray:
        """Vectorised positions of a column: int8 array, 0 missing, 1..5, 6 invalid."""
        dtype = values.dtype
        if (
            pd.api.types.is_bool_dtype(dtype)
            or not pd.api.types.is_numeric_dtype(dtype)
            or isinstance(dtype, pd.CategoricalDtype)
        ):
            return self._positions_generic(values)
        if self.integer_lut is None:
            return self._positions_generic(values)
        lo, hi, lut = self.integer_lut
        if pd.api.types.is_integer_dtype(dtype) and not _has_na(values):
            x = values.to_numpy().astype(np.intp, copy=False)
            idx = np.clip(x, lo - 1, hi + 1) - (lo - 2)
            return lut[idx]
        x = values.to_numpy(dtype=float, na_value=np.nan)
        y = np.clip(x, lo - 1, hi + 1)  # NaN stays NaN
        np.copyto(y, lo - 2, where=np.isnan(y))  # NaN -> lo − 2 -> lut[0] (missing)
        whole = y.astype(np.intp)
        frac = whole != y  # 2.5 and the like are invalid
        whole -= lo - 2
        pos = lut[whole]
        if frac.any():
            pos[frac] = _INVALID
        return pos

    def _positions_generic(self, values: pd.Series) -> np.ndarray:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        lut = np.empty(len(uniques) + 1, dtype=np.int8)
        lut[-1] = _MISSING  # code −1 (missing) indexes the last entry
        for i, u in enumerate(np.asarray(uniques, dtype=object)):
            lut[i] = self.value(u)
        return lut[codes]


def _show(v) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _has_na(values: pd.Series) -> bool:
    return bool(values.hasnans) if hasattr(values, "hasnans") else bool(values.isna().any())


def _as_number(v) -> float | None:
    """A float when ``v`` is a number or a numeric text (Persian digits too), else None."""
    if isinstance(v, (bool, np.bool_)):
        return None
    if isinstance(v, (numbers.Real, np.integer, np.floating)):
        return float(v)
    try:
        return parse_number(v)
    except (ValueError, TypeError):
        return None


# ------------------------------------------------------------------------------------------
# input handling
# ------------------------------------------------------------------------------------------


class KanoColumns(NamedTuple):
    """Functional, dysfunctional (and importance) frames with one column per attribute id."""

    functional: pd.DataFrame
    dysfunctional: pd.DataFrame
    importance: pd.DataFrame | None


def pair_columns(data: pd.DataFrame, pairs) -> KanoColumns:
    """Select the functional, dysfunctional and importance columns of Kano pairs by name.

    ``pairs`` is either a mapping ``attribute → (functional_col, dysfunctional_col[,
    importance_col])`` or a sequence of objects/dicts with ``id``, ``functional``,
    ``dysfunctional`` and optional ``importance`` (the codebook's ``kano.pairs``, or ``kano``
    itself). Columns are
    looked up by name, so their order in the export does not matter. A pair naming a column
    that is not in ``data`` raises ``ValueError`` naming the column and the attribute.

    Returns a :class:`KanoColumns` ``(functional, dysfunctional, importance)`` whose frames have
    one column per attribute id (``importance`` is None when no pair has one; attributes without
    an importance question get an all-NaN column).

    >>> import pandas as pd
    >>> df = pd.DataFrame({"x_d": [5, 3], "x_f": [1, 1]})
    >>> f, d, imp = pair_columns(df, {"x": ("x_f", "x_d")})
    >>> classify(f, d)["x"].tolist()
    ['O', 'A']
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"pair_columns: data must be a DataFrame, not {type(data).__name__}")
    specs = []
    if hasattr(pairs, "pairs") and not isinstance(pairs, dict):  # the codebook's KanoSpec
        pairs = pairs.pairs
    if isinstance(pairs, dict):
        for attr, cols in pairs.items():
            cols = tuple(cols)
            if len(cols) not in (2, 3):
                raise ValueError(f"pair_columns: pair {attr!r} must name 2 or 3 columns, not {cols!r}")
            specs.append((attr, cols[0], cols[1], cols[2] if len(cols) == 3 else None))
    else:
        for p in pairs:
            get = p.get if isinstance(p, dict) else (lambda k, default=None, p=p: getattr(p, k, default))
            specs.append((get("id"), get("functional"), get("dysfunctional"), get("importance", None)))
    ids = [s[0] for s in specs]
    dup = sorted({str(i) for i in ids if ids.count(i) > 1})
    if dup:
        raise ValueError(f"pair_columns: duplicate Kano attribute id(s) {', '.join(dup)}")
    for attr, fcol, dcol, icol in specs:
        if attr is None or fcol is None or dcol is None:
            raise ValueError(f"pair_columns: Kano pair {attr!r} needs an id, a functional and a dysfunctional column")
        for role, col in (("functional", fcol), ("dysfunctional", dcol), ("importance", icol)):
            if col is not None and col not in data.columns:
                raise ValueError(f"pair_columns: {role} column '{col}' of Kano attribute '{attr}' is not in the data")
        if fcol == dcol:
            raise ValueError(f"pair_columns: Kano attribute '{attr}' uses column '{fcol}' for both questions")
    index = pd.Index(ids, name="attribute")
    f = pd.DataFrame({a: data[c] for a, c, _, _ in specs}, index=data.index, columns=index)
    d = pd.DataFrame({a: data[c] for a, _, c, _ in specs}, index=data.index, columns=index)
    imp = None
    if any(s[3] is not None for s in specs):
        imp = pd.DataFrame(
            {a: (data[c] if c is not None else pd.Series(np.nan, index=data.index)) for a, _, _, c in specs},
            index=data.index,
            columns=index,
        )
    return KanoColumns(f, d, imp)


def _frames(functional, dysfunctional, caller: str):
    """Validate and align the two inputs. Returns (F, D, series_name or None)."""
    if isinstance(functional, pd.Series) and isinstance(dysfunctional, pd.Series):
        name = functional.name if functional.name is not None else "attribute"
        if len(functional) != len(dysfunctional) or not functional.index.equals(dysfunctional.index):
            raise ValueError(
                f"{caller}: functional '{functional.name}' and dysfunctional "
                f"'{dysfunctional.name}' must have the same index (respondents)"
            )
        return (functional.to_frame(name), dysfunctional.rename(name).to_frame(name), name)
    if isinstance(functional, pd.DataFrame) and isinstance(dysfunctional, pd.DataFrame):
        if functional.columns.has_duplicates or dysfunctional.columns.has_duplicates:
            raise ValueError(f"{caller}: duplicate attribute columns")
        f_cols, d_cols = list(functional.columns), list(dysfunctional.columns)
        only_f = [c for c in f_cols if c not in set(d_cols)]
        only_d = [c for c in d_cols if c not in set(f_cols)]
        if only_f or only_d:
            parts = []
            if only_f:
                parts.append(f"no dysfunctional column for {', '.join(map(str, only_f))}")
            if only_d:
                parts.append(f"no functional column for {', '.join(map(str, only_d))}")
            raise ValueError(
                f"{caller}: functional and dysfunctional frames must have the same "
                f"attribute columns: {'; '.join(parts)} (use pair_columns to pair "
                "question columns by name)"
            )
        if len(functional) != len(dysfunctional) or not functional.index.equals(dysfunctional.index):
            raise ValueError(f"{caller}: functional and dysfunctional frames must have the same index (respondents)")
        return functional, dysfunctional[f_cols], None
    raise TypeError(
        f"{caller}: functional and dysfunctional must both be Series or both be "
        f"DataFrames, not {type(functional).__name__} and "
        f"{type(dysfunctional).__name__}"
    )


def _coding(coding) -> _Coding:
    return coding if isinstance(coding, _Coding) else _Coding(coding)


# ------------------------------------------------------------------------------------------
# classification
# ------------------------------------------------------------------------------------------


def classify(functional, dysfunctional, *, table="standard", coding="default"):
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
    F, D, name = _frames(functional, dysfunctional, "classify")
    lut = _pair_lut(table)
    code = _coding(coding)
    out, invalid = {}, []
    for col in F.columns:
        pf = code.positions(F[col])
        pd_ = code.positions(D[col])
        cats = lut[pf.astype(np.intp) * 7 + pd_]
        out[col] = pd.Categorical.from_codes(cats, dtype=_CAT_DTYPE, validate=False)
        nf, nd = int(np.count_nonzero(pf == _INVALID)), int(np.count_nonzero(pd_ == _INVALID))
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


def answer_problems(functional, dysfunctional, *, coding="default") -> pd.DataFrame:
    """Count, per attribute, the answers that cannot be classified.

    Columns: ``functional_invalid``, ``dysfunctional_invalid`` (non-missing answers outside the
    coding: unknown codes or unknown texts), ``functional_missing``, ``dysfunctional_missing``,
    ``one_half_missing`` (respondents with exactly one question of the pair unanswered),
    ``n_pairs`` (complete valid pairs, the N of the attribute), ``invalid_values`` (up to five
    distinct offending values, as text; "" when there are none).

    >>> import pandas as pd
    >>> f = pd.DataFrame({"x": [1, 7, "I like it", "maybe"]})
    >>> d = pd.DataFrame({"x": [5, 5, None, 2]})
    >>> answer_problems(f, d).loc["x", ["functional_invalid", "one_half_missing", "n_pairs"]].tolist()
    [2, 1, 1]
    """
    F, D, _ = _frames(functional, dysfunctional, "answer_problems")
    code = _coding(coding)
    rows = {}
    for col in F.columns:
        pf, pd_ = code.positions(F[col]), code.positions(D[col])
        vf = (pf >= 1) & (pf <= 5)
        vd = (pd_ >= 1) & (pd_ <= 5)
        bad = []
        for raw, p in ((F[col], pf), (D[col], pd_)):
            if (p == _INVALID).any():
                bad.extend(_show(v) for v in pd.unique(raw.to_numpy(dtype=object)[p == _INVALID]))
        seen = list(dict.fromkeys(bad))[:5]
        rows[col] = {
            "functional_invalid": int(np.count_nonzero(pf == _INVALID)),
            "dysfunctional_invalid": int(np.count_nonzero(pd_ == _INVALID)),
            "functional_missing": int(np.count_nonzero(pf == _MISSING)),
            "dysfunctional_missing": int(np.count_nonzero(pd_ == _MISSING)),
            "one_half_missing": int(np.count_nonzero((pf == _MISSING) ^ (pd_ == _MISSING))),
            "n_pairs": int(np.count_nonzero(vf & vd)),
            "invalid_values": ", ".join(seen),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index = pd.Index(list(F.columns), name="attribute")
    return out


# ------------------------------------------------------------------------------------------
# counting and summary
# ------------------------------------------------------------------------------------------


def count(categories, *, weights=None) -> pd.DataFrame:
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


def _category_codes(col: pd.Series, name) -> np.ndarray:
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
    quadrant_at="fixed",
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
    X, out = _counts_matrix(counts, "summarize")
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

    out["n_star"] = Nstar
    out["category"] = by_rule[rule]
    out["rule"] = rule
    out["category_mode"] = mode
    out["category_mori"] = mori
    out["category_oam"] = oam
    out["category_quadrant"] = quadrant
    out["category_mixed"] = mixed
    out["better"] = better
    out["worse"] = worse
    out["category_strength"] = cs
    out["total_strength"] = tot
    out["fong_difference"] = np.where(has_n, diff, np.nan)
    out["fong_threshold"] = T
    out["fong_significant"] = fong
    out["chi2"] = chi2
    out["chi2_p"] = chi2_p
    out["reverse_dominant"] = np.asarray(mode.fillna("") == "R", dtype=bool)
    out["q_share"] = q_share
    out["high_q"] = np.nan_to_num(q_share) > high_q_share
    out["small_n"] = N < small_n
    return out


def _labels(values, present):
    arr = pd.array(np.asarray(values, dtype=object), dtype="string")
    arr[~np.asarray(present, dtype=bool)] = pd.NA
    return arr


def _quadrant(better, worse, at):
    check_choice(at, ("fixed", "mean"), "quadrant_at", spelled=True)
    w = np.abs(worse)
    if at == "fixed":
        sb = sw = 0.5
    else:
        sb, sw = (np.nanmean(better), np.nanmean(w)) if np.isfinite(better).any() else (0.5, 0.5)
    lab = np.where(better >= sb, np.where(w >= sw, "O", "A"), np.where(w >= sw, "M", "I"))
    return _labels(lab, np.isfinite(better))


def _counts_matrix(counts, caller: str) -> tuple[np.ndarray, pd.DataFrame]:
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
    functional,
    dysfunctional,
    *,
    scale: str = "dumouchel",
    importance=None,
    coding="default",
    table="standard",
    keep_rq: bool = True,
    importance_range=(1, 9),
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
    F, D, name = _frames(functional, dysfunctional, "continuous")
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
    code = _coding(coding)
    pair_lut = _pair_lut(table)
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


# ------------------------------------------------------------------------------------------
# intervals and comparisons
# ------------------------------------------------------------------------------------------


def better_worse_ci(categories, *, n_boot: int = 1000, level: float = 0.95, seed=None, method: str = "bootstrap") -> pd.DataFrame:
    """Confidence intervals for Better and Worse per attribute.

    ``method="bootstrap"`` (default): percentile intervals over ``n_boot`` resamples of the
    respondents of each attribute. Resampling N respondents with replacement gives category
    counts ~ Multinomial(N, p̂), so the resamples are drawn as multinomial counts for all
    attributes and replicates at once (vectorised; resamples with A+O+M+I = 0 are ignored).
    ``method="wilson"``: Wilson intervals on (A+O, N*) and (O+M, N*) (method note kano.md §5).

    Worse and its bounds are negative: ``worse_low`` ≤ ``worse`` ≤ ``worse_high``.
    Returns columns ``better, better_low, better_high, worse, worse_low, worse_high, n_star,
    level, method`` indexed by attribute (NaN where N* = 0).

    >>> import pandas as pd
    >>> cats = pd.Series(["A"] * 30 + ["O"] * 20 + ["M"] * 30 + ["I"] * 20, name="x")
    >>> ci = better_worse_ci(cats, method="wilson").loc["x"]
    >>> [round(float(ci[c]), 3) for c in ("better", "better_low", "better_high")]
    [0.5, 0.404, 0.596]
    """
    check_level(level, "better_worse_ci")
    check_choice(method, ("bootstrap", "wilson"), "method", "better_worse_ci", spelled=True)
    counts = count(categories)
    X = counts[list(CATEGORIES)].to_numpy(dtype=np.int64)
    A, O, M, I = (X[:, CATEGORIES.index(c)] for c in "AOMI")
    Nstar = A + O + M + I
    ok = Nstar > 0
    safe = np.where(ok, Nstar, 1)
    better = np.where(ok, (A + O) / safe, np.nan)
    worse_abs = np.where(ok, (O + M) / safe, np.nan)
    alpha = 1 - level
    if method == "wilson":
        b_lo, b_hi = _wilson(A + O, Nstar, level)
        w_lo, w_hi = _wilson(O + M, Nstar, level)
    else:
        if n_boot < 2:
            raise ValueError("better_worse_ci: n_boot must be at least 2")
        rng = np.random.default_rng(seed)
        N = X.sum(axis=1)
        b_lo = np.full(len(X), np.nan)
        b_hi, w_lo, w_hi = b_lo.copy(), b_lo.copy(), b_lo.copy()
        idx = np.flatnonzero(ok)
        if idx.size:
            p = X[idx] / N[idx, None]
            draws = rng.multinomial(N[idx], p, size=(n_boot, idx.size))  # (B, k, 6)
            bA, bO, bM, bI = (draws[..., CATEGORIES.index(c)] for c in "AOMI")
            bs = bA + bO + bM + bI
            with np.errstate(invalid="ignore", divide="ignore"):
                bb = np.where(bs > 0, (bA + bO) / bs, np.nan)
                bw = np.where(bs > 0, (bO + bM) / bs, np.nan)
            qs = [alpha / 2, 1 - alpha / 2]
            b_lo[idx], b_hi[idx] = np.nanquantile(bb, qs, axis=0)
            w_lo[idx], w_hi[idx] = np.nanquantile(bw, qs, axis=0)
    out = pd.DataFrame(
        {
            "better": better,
            "better_low": b_lo,
            "better_high": b_hi,
            "worse": -worse_abs,
            "worse_low": -np.asarray(w_hi),
            "worse_high": -np.asarray(w_lo),
            "n_star": Nstar,
        },
        index=counts.index,
    )
    out["level"] = level
    out["method"] = method
    return out


def _wilson(x, n, level):
    """Wilson interval of x successes in n (NaN where n = 0)."""
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        lo, hi = wilson_interval(x / n, n, float(stats.norm.ppf(0.5 + level / 2)))
    return np.where(n > 0, lo, np.nan), np.where(n > 0, hi, np.nan)


def compare(
    counts_a: pd.DataFrame, counts_b: pd.DataFrame, *, rule: str = "mode", strength_threshold: float = 0.06, adjust: str = "holm"
) -> pd.DataFrame:
    """Compare two segments or two waves attribute by attribute (category drift).

    For each attribute in both count tables (others are left out with a warning):

    - ``category_a``, ``category_b`` by ``rule`` (see :func:`summarize`) and ``changed``;
    - ``chi2``, ``df``, ``p_value``: Pearson χ² test of homogeneity of the two category
      distributions (2 × k table of A, O, M, I, R, Q without the categories empty in both;
      R ``chisq.test`` without continuity correction); ``min_expected`` is the smallest expected
      count (the χ² approximation is doubtful below 5);
    - ``better_a``, ``better_b``, ``better_change`` (= b − a), and the same for ``worse``;
    - ``better_p``, ``worse_p``: pooled two-proportion z-tests of (A+O)/N* and (O+M)/N* (R
      ``prop.test(correct=FALSE)``), and ``better_p_adj``, ``worse_p_adj`` adjusted across the
      attributes (``adjust="holm"`` (default), ``"bonferroni"``, ``"fdr_bh"`` or ``"none"``).

    >>> import pandas as pd
    >>> a = pd.DataFrame({"A": [60], "O": [20], "M": [10], "I": [10], "R": [0], "Q": [0]}, index=["x"])
    >>> b = pd.DataFrame({"A": [20], "O": [60], "M": [10], "I": [10], "R": [0], "Q": [0]}, index=["x"])
    >>> r = compare(a, b).loc["x"]
    >>> r["category_a"], r["category_b"], bool(r["changed"]), float(r["chi2"]), int(r["df"])
    ('A', 'O', True, 40.0, 3)
    """
    check_choice(adjust, ("holm", "bonferroni", "fdr_bh", "none"), "adjust", "compare", spelled=True)
    _counts_matrix(counts_a, "compare")
    _counts_matrix(counts_b, "compare")
    common = [i for i in counts_a.index if i in set(counts_b.index)]
    dropped = [i for i in list(counts_a.index) + list(counts_b.index) if i not in set(common)]
    if dropped:
        warnings.warn(
            f"compare: attribute(s) {', '.join(map(str, dropped))} are in only one of the two count tables and are left out",
            stacklevel=2,
        )
    ca, cb = counts_a.loc[common], counts_b.loc[common]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sa = summarize(ca, rule=rule, strength_threshold=strength_threshold)
        sb = summarize(cb, rule=rule, strength_threshold=strength_threshold)
    Xa = ca[list(CATEGORIES)].to_numpy(dtype=float)
    Xb = cb[list(CATEGORIES)].to_numpy(dtype=float)
    chi2, dfs, pv, min_e = [], [], [], []
    for xa, xb in zip(Xa, Xb):
        keep = (xa + xb) > 0
        tab = np.vstack([xa[keep], xb[keep]])
        if tab.shape[1] < 2 or (tab.sum(axis=1) == 0).any():
            chi2.append(np.nan), dfs.append(np.nan), pv.append(np.nan), min_e.append(np.nan)
            continue
        e = tab.sum(axis=1, keepdims=True) * tab.sum(axis=0, keepdims=True) / tab.sum()
        x2 = float(((tab - e) ** 2 / e).sum())
        df = tab.shape[1] - 1
        chi2.append(x2), dfs.append(df), pv.append(float(stats.chi2.sf(x2, df)))
        min_e.append(float(e.min()))
    out = pd.DataFrame(index=pd.Index(common, name=counts_a.index.name or "attribute"))
    out["category_a"] = sa["category"].to_numpy()
    out["category_b"] = sb["category"].to_numpy()
    out["changed"] = (
        (out["category_a"] != out["category_b"]).fillna(out["category_a"].isna() != out["category_b"].isna()).astype(bool)
    )
    out["rule"] = rule
    out["n_a"] = Xa.sum(axis=1)
    out["n_b"] = Xb.sum(axis=1)
    out["chi2"] = chi2
    out["df"] = dfs
    out["p_value"] = pv
    out["min_expected"] = min_e
    for coef, cats in (("better", "AO"), ("worse", "OM")):
        out[f"{coef}_a"] = sa[coef].to_numpy()
        out[f"{coef}_b"] = sb[coef].to_numpy()
        out[f"{coef}_change"] = out[f"{coef}_b"] - out[f"{coef}_a"]
        xa = Xa[:, [CATEGORIES.index(c) for c in cats]].sum(axis=1)
        xb = Xb[:, [CATEGORIES.index(c) for c in cats]].sum(axis=1)
        na = Xa[:, [CATEGORIES.index(c) for c in "AOMI"]].sum(axis=1)
        nb = Xb[:, [CATEGORIES.index(c) for c in "AOMI"]].sum(axis=1)
        p = _two_proportion_p(xa, na, xb, nb)
        out[f"{coef}_p"] = p
        out[f"{coef}_p_adj"] = _adjust(p, adjust)
    return out


def _two_proportion_p(xa, na, xb, nb) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        pool = (xa + xb) / (na + nb)
        se = np.sqrt(pool * (1 - pool) * (1 / na + 1 / nb))
        z = (xb / nb - xa / na) / se
        p = 2 * stats.norm.sf(np.abs(z))
    same = (se == 0) & (na > 0) & (nb > 0)
    p = np.where(same, 1.0, p)
    return np.where((na > 0) & (nb > 0), p, np.nan)


def _adjust(p: np.ndarray, method: str) -> np.ndarray:
    # csmlib's own adjustment (as R p.adjust); statsmodels' multipletests runs gc.collect() on
    # every call, which made a per-segment comparison cost ~0.1 s
    return adjust_pvalues(np.where(np.isfinite(p), p, np.nan), method)
