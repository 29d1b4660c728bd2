"""Kano answer coding: answer positions and wordings, evaluation tables, pairing the columns.

A Kano questionnaire asks two questions per attribute: the functional question f ("How do you
feel if the product has X?") and the dysfunctional question d ("… if it does not have X?"),
both answered on the same five options, coded here by **position**: 1 like, 2 must-be/expect,
3 neutral, 4 live-with/tolerate, 5 dislike (method note ``kano.md`` §1–2).

This module turns raw answers (codes, English/German/Persian texts, a mix) into positions
(:func:`answer_positions`, :class:`AnswerCoding`), holds the evaluation tables that map an
(f, d) pair of positions to a category (:func:`evaluation_table`, :func:`pair_lookup`), pairs
the f and d columns of a survey by name (:func:`pair_columns`, :func:`paired_frames`) and counts
the answers that cannot be classified (:func:`answer_problems`). It needs no statistics, so the
survey intake (:mod:`csmlib.survey.responses`) reads text answers with it; the analysis —
classification, counts, category rules, continuous scores, intervals and comparisons — is in
:mod:`csmlib.stats.kano`.

Conventions
-----------
- Categories are ``A`` attractive, ``O`` one-dimensional, ``M`` must-be, ``I`` indifferent,
  ``R`` reverse, ``Q`` questionable (:data:`CATEGORIES`, in this order).
- Besides 1..5 a coded answer is :data:`MISSING_POSITION` (0: blank) or
  :data:`INVALID_POSITION` (6: present but outside the coding).
- f and d frames are paired **by column name** (exports do not guarantee the order).
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np
import pandas as pd

from csmlib.core.text import normalize_label, parse_number

__all__ = [
    "CATEGORIES",
    "MISSING_POSITION",
    "INVALID_POSITION",
    "STANDARD_TABLE",
    "POULIOT_TABLE",
    "KanoColumns",
    "AnswerCoding",
    "answer_positions",
    "answer_coding",
    "evaluation_table",
    "pair_lookup",
    "pair_columns",
    "paired_frames",
    "answer_problems",
]

CATEGORIES = ("A", "O", "M", "I", "R", "Q")
MISSING_POSITION, INVALID_POSITION = 0, 6  # position codes besides 1..5

# rows = functional position 1..5, columns = dysfunctional position 1..5
STANDARD_TABLE = (
    ("Q", "A", "A", "A", "O"),
    ("R", "I", "I", "I", "M"),
    ("R", "I", "I", "I", "M"),
    ("R", "I", "I", "I", "M"),
    ("R", "R", "R", "R", "Q"),
)
# Berger et al. (1993) p. 33: the standard table with every identical pair Q except (neutral, neutral),
# i.e. (must-be, must-be) and (live with, live with) become Q as well
POULIOT_TABLE = tuple(
    tuple("Q" if functional == dysfunctional != 3 else category for dysfunctional, category in enumerate(row, start=1))
    for functional, row in enumerate(STANDARD_TABLE, start=1)
)
_TABLES = {"standard": STANDARD_TABLE, "pouliot": POULIOT_TABLE}

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


def pair_lookup(table) -> np.ndarray:
    """Evaluation ``table`` as a flat lookup: entry 7·f + d → category code, f, d ∈ 0..6.

    The code is the index in :data:`CATEGORIES`, −1 when f or d is missing (0) or invalid (6),
    so the categories of whole arrays of positions are ``pair_lookup(table)[7 * f + d]``.

    >>> lookup = pair_lookup("standard")
    >>> CATEGORIES[lookup[7 * 1 + 5]], int(lookup[7 * 0 + 5])
    ('O', -1)
    """
    cells = _table_cells(table)
    lut = np.full(49, -1, dtype=np.int8)
    for f in range(5):
        for d in range(5):
            lut[7 * (f + 1) + (d + 1)] = CATEGORIES.index(cells[f, d])
    return lut


# ------------------------------------------------------------------------------------------
# answer coding
# ------------------------------------------------------------------------------------------


class AnswerCoding:
    """Compiled answer coding: numeric code → position and normalised text → position.

    ``coding`` is ``"default"`` (code = position, 1 like … 5 dislike), ``"reversed"`` (position =
    6 − code) or a dict of answer value → position (numeric keys replace the numeric coding, text
    keys are added to the wordings of :func:`answer_positions`). Texts are matched after
    :func:`csmlib.core.text.normalize_label`. Positions are 1..5, :data:`MISSING_POSITION` for a
    blank and :data:`INVALID_POSITION` for an answer outside the coding.

    >>> import pandas as pd
    >>> AnswerCoding("reversed").positions(pd.Series([5, 1, None, 9, "I like it"])).tolist()
    [1, 5, 0, 6, 1]
    """

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
            lut = np.full(hi - lo + 4, INVALID_POSITION, dtype=np.int8)
            lut[0] = MISSING_POSITION
            for k, pos in numeric.items():
                lut[int(k) - lo + 2] = pos
            self.integer_lut = (lo, hi, lut)

    def value(self, v) -> int:
        """Position of one raw value (0 missing, 6 invalid)."""
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            return MISSING_POSITION
        if isinstance(v, (bool, np.bool_)):
            return INVALID_POSITION
        number = _as_number(v)
        if number is not None:
            if math.isnan(number):
                return MISSING_POSITION
            return self.numeric.get(number, INVALID_POSITION)
        key = normalize_label(v)
        if key == "":
            return MISSING_POSITION
        return self.texts.get(key, INVALID_POSITION)

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
            pos[frac] = INVALID_POSITION
        return pos

    def _positions_generic(self, values: pd.Series) -> np.ndarray:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        lut = np.empty(len(uniques) + 1, dtype=np.int8)
        lut[-1] = MISSING_POSITION  # code −1 (missing) indexes the last entry
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
    >>> f["x"].tolist(), d["x"].tolist()
    ([1, 1], [5, 3])
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


def paired_frames(functional, dysfunctional, caller: str):
    """Validate and align the functional and dysfunctional answers of the analyses.

    Two Series (one attribute) or two DataFrames with the same attribute columns (in any order)
    and the same index (respondents). Returns ``(F, D, name)``: frames with D's columns in F's
    order, and the Series name (None for frames). Errors name ``caller``.

    >>> import pandas as pd
    >>> F, D, name = paired_frames(pd.DataFrame({"a": [1], "b": [2]}), pd.DataFrame({"b": [5], "a": [4]}), "demo")
    >>> list(D.columns), name
    (['a', 'b'], None)
    """
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


def answer_coding(coding) -> AnswerCoding:
    """``coding`` compiled once: an :class:`AnswerCoding` is passed through, anything else compiled.

    >>> answer_coding("default").value("I dislike it")
    5
    """
    return coding if isinstance(coding, AnswerCoding) else AnswerCoding(coding)


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
    F, D, _ = paired_frames(functional, dysfunctional, "answer_problems")
    code = answer_coding(coding)
    rows = {}
    for col in F.columns:
        pf, pd_ = code.positions(F[col]), code.positions(D[col])
        vf = (pf >= 1) & (pf <= 5)
        vd = (pd_ >= 1) & (pd_ <= 5)
        bad = []
        for raw, p in ((F[col], pf), (D[col], pd_)):
            if (p == INVALID_POSITION).any():
                bad.extend(_show(v) for v in pd.unique(raw.to_numpy(dtype=object)[p == INVALID_POSITION]))
        seen = list(dict.fromkeys(bad))[:5]
        rows[col] = {
            "functional_invalid": int(np.count_nonzero(pf == INVALID_POSITION)),
            "dysfunctional_invalid": int(np.count_nonzero(pd_ == INVALID_POSITION)),
            "functional_missing": int(np.count_nonzero(pf == MISSING_POSITION)),
            "dysfunctional_missing": int(np.count_nonzero(pd_ == MISSING_POSITION)),
            "one_half_missing": int(np.count_nonzero((pf == MISSING_POSITION) ^ (pd_ == MISSING_POSITION))),
            "n_pairs": int(np.count_nonzero(vf & vd)),
            "invalid_values": ", ".join(seen),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index = pd.Index(list(F.columns), name="attribute")
    return out
