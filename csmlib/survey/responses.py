"""Validating survey exports against the codebook (:mod:`csmlib.survey.readers` reads them).

Two kinds of problems are told apart:

* **File-level** problems (a missing or unreadable file, an empty file, a missing required
  column, a whole column of the wrong type) raise :class:`~csmlib.core.errors.CSMInputError` with
  one line naming the file and the column.
* **Row-level** problems (an out-of-range or non-numeric answer, a duplicate or missing
  respondent id, a Kano answer outside its coding, a non-positive weight, an undeclared
  segment value) never stop the run and never vanish: the row is kept out of the analysis and
  reported in :attr:`Intake.rejected` (file, row, column, value, reason), and the raw row
  itself is kept in :attr:`Intake.rejected_rows`.

Row numbers are those a spreadsheet shows (the header is row 1) for CSV and Excel files, and
the record number (from 1) for SPSS and Parquet files. Input files are only ever read.

Every check runs once per distinct cell of a column (a million answers on a 1-5 scale are a dozen
distinct cells) and reaches the rows through their codes, with numpy: no Python loop over rows.
The accepted answers are spread out to one float per row only once the rejected rows are known.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from csmlib.survey.codebook import Codebook
from csmlib.core.errors import CSMInputError
from csmlib.core.text import CodedNumbers, coded_numbers, normalize_label, text_codes
from csmlib.survey.readers import RawTable, read_table

KANO_POSITIONS = 5
MAX_WEIGHT_RATIO = 1000  # weights beyond 1,000x (or below 1/1,000 of) the median weight are rejected


# ---------------------------------------------------------------------------- validation
@dataclass(frozen=True)
class Intake:
    """Validated responses of one wave.

    ``data`` holds the accepted rows, with columns renamed to the codebook's names:
    ``respondent_id``, the segment names, ``weight``, item ids (reverse-keyed items already
    recoded), outcome roles (``overall``, ``recommend``, ``loyalty``, ``effort``), the Kano
    columns as answer positions 1-5, and ``comment``. ``rejected`` has one line per problem;
    ``rejected_rows`` the untouched raw rows that were kept out.
    """

    data: pd.DataFrame
    rejected: pd.DataFrame
    rejected_rows: pd.DataFrame
    source: str
    n_read: int
    dont_know: pd.Series  # per analysis column: answers coded as don't know / not applicable
    reversed_items: tuple[str, ...]
    id_column: str | None = None  # None: respondents are identified by their row number in the file

    @property
    def n_accepted(self) -> int:
        return int(self.data.shape[0])

    @property
    def n_rejected(self) -> int:
        return self.n_read - self.n_accepted


class _Problems:
    """Collects row-level problems as (position, column, value, reason)."""

    def __init__(self):
        self.parts: list[tuple] = []

    def add(self, mask, column: str, values: pd.Series, reason: str | pd.Series):
        """``mask``: the rows with the problem (boolean, per row); ``reason``: one text, or a
        Series of the masked rows' reasons."""
        positions = np.flatnonzero(np.asarray(mask.fillna(False) if isinstance(mask, pd.Series) else mask, dtype=bool))
        if len(positions):
            self._append(positions, column, values.iloc[positions].astype("string").to_numpy(), reason)

    def add_coded(self, coded: CodedNumbers, column: str, values: pd.Series, flags: list[tuple[np.ndarray, str]]):
        """Problems found per distinct cell (each ``(flagged by code, reason)``), reported in that
        order for the rows holding a flagged cell; one pass over the rows for them all."""
        flags = [(flagged, reason) for flagged, reason in flags if flagged.any()]
        if not flags:
            return
        candidates = np.flatnonzero(coded.rows(np.logical_or.reduce([flagged for flagged, _ in flags])))
        candidate_codes = coded.codes[candidates]
        distinct = None if coded.texts is None else coded.texts.to_numpy()  # the cells as text, as reported
        for flagged, reason in flags:
            rows = candidates[flagged[candidate_codes]]
            if len(rows):
                texts = values.iloc[rows].astype("string").to_numpy() if distinct is None else distinct[coded.codes[rows]]
                self._append(rows, column, texts, reason)

    def _append(self, positions: np.ndarray, column: str, texts: np.ndarray, reason: str | pd.Series):
        reasons = np.asarray(reason, dtype=object) if isinstance(reason, pd.Series) else np.full(len(positions), reason, object)
        self.parts.append((positions, np.full(len(positions), column, object), texts, reasons))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(
                {
                    "position": pd.Series(dtype=int),
                    "column": pd.Series(dtype="string"),
                    "value": pd.Series(dtype="string"),
                    "reason": pd.Series(dtype="string"),
                }
            )
        position, column, value, reason = (np.concatenate(part) for part in zip(*self.parts))
        found = pd.DataFrame({"position": position, "column": column, "value": value, "reason": reason}, dtype=object)
        found["position"] = position
        # a column read in two roles (an outcome that is also an item) reports its problem once
        return found.drop_duplicates(ignore_index=True)


@dataclass(frozen=True)
class _Answers:
    """An analysis column as final numbers: row ``i`` holds ``values[codes[i]]`` (every row's own
    value when ``codes`` is None). Kept by distinct cell until the accepted rows are known, so that
    only they are ever spread out to one float per row."""

    values: np.ndarray
    codes: np.ndarray | None = None

    def accepted(self, keep: np.ndarray) -> np.ndarray:
        return self.values[keep] if self.codes is None else self.values[self.codes[keep]]


@dataclass(frozen=True)
class _CodedTexts:
    """A text column as its texts per distinct cell and each row's code into them (-1: missing),
    spread out to the accepted rows only, as :class:`_Answers` are."""

    texts: list
    codes: np.ndarray

    def accepted(self, keep: np.ndarray) -> pd.api.extensions.ExtensionArray:
        return pd.array(self.texts, dtype="string").take(self.codes[keep], allow_fill=True)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _coded_columns(frame: pd.DataFrame, columns: list[str]) -> dict[str, CodedNumbers]:
    """Each column read as numbers by distinct cell (:func:`~csmlib.core.text.coded_numbers`),
    side by side on the machine's cores: pyarrow finds the distinct cells without holding the GIL."""
    columns = list(dict.fromkeys(columns))
    series = [frame[c] for c in columns]  # taken out here: the threads share no pandas object
    with ThreadPoolExecutor(max_workers=min(len(columns), os.cpu_count() or 1) or 1) as pool:
        return dict(zip(columns, pool.map(coded_numbers, series)))


def _numeric_column(raw: pd.Series, name: str, table: RawTable, coded: CodedNumbers) -> CodedNumbers:
    """The column as numbers; a column without a single number is a file error. Its cells that
    are not numbers (``bad``) are for the caller to report."""
    if coded.bad.any() and np.isnan(coded.numbers).all():  # every distinct cell is a row's
        first = int(np.flatnonzero(coded.rows(coded.bad))[0])
        raise CSMInputError(
            f"column is not numeric (e.g. '{raw.iloc[first]}' in row {table.row_number(first)})", file=table.source, column=name
        )
    return coded


def _scaled_column(raw, name, scale, table, problems, dont_know, key, coded) -> _Answers:
    coded = _numeric_column(raw, name, table, coded)
    is_missing_code = pd.Series(coded.numbers).isin(scale.missing).to_numpy()
    dont_know[key] = (coded, is_missing_code)  # counted over the accepted rows at the end
    numbers = np.where(is_missing_code, np.nan, coded.numbers)
    answered = ~np.isnan(numbers)
    out = answered & ((numbers < scale.min) | (numbers > scale.max))
    flags = [(coded.bad, "not a number"), (out, f"out of range {_fmt(scale.min)}-{_fmt(scale.max)}")]
    if scale.integer:
        flags.append((answered & ~out & (numbers != np.round(numbers)), "not a whole number"))
    problems.add_coded(coded, name, raw, flags)
    return _Answers(numbers, coded.codes)


def kano_answer_map(codebook: Codebook) -> dict[str, int]:
    """Normalised answer text -> Kano answer position (1 like ... 5 dislike)."""
    from csmlib.survey import kano_answers as kano

    mapping = dict(kano.answer_positions())
    mapping.update({normalize_label(k): int(v) for k, v in codebook.kano.labels.items()})
    return mapping


def _kano_column(raw, name, codebook, problems, text_map: dict, coded: CodedNumbers) -> _Answers:
    numbers = coded.numbers
    if codebook.kano.coding == "reversed":
        numbers = (KANO_POSITIONS + 1) - numbers
    if coded.bad.any():  # answers written as text
        if not text_map:
            text_map.update(kano_answer_map(codebook))
        words = coded.texts[coded.bad].map(normalize_label).map(text_map)
        numbers = numbers.copy()
        numbers[coded.bad] = words.astype(float).to_numpy()
    valid = pd.Series(numbers).isin(range(1, KANO_POSITIONS + 1)).to_numpy()
    problems.add_coded(coded, name, raw, [(coded.filled & ~valid, "not a Kano answer (expected 1-5 or a known wording)")])
    return _Answers(np.where(valid, numbers, np.nan), coded.codes)


def _spread_text(texts: list, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """Texts given per distinct cell spread to the rows (code -1: missing)."""
    return pd.Series(pd.array(texts, dtype="string").take(codes, allow_fill=True), index=index)


def _labelled_text(raw: pd.Series, value_labels: dict | None) -> pd.Series:
    """A segment column as text: SPSS value labels applied, numeric codes written as in the file.

    SPSS and Excel store codes as floats; ``2.0`` is shown and matched as ``2``, and a code with
    a value label (``{1.0: "female", 2.0: "male"}``) becomes its label.
    """
    if raw.dtype.kind in "fiub":
        codes, distinct = pd.factorize(pd.to_numeric(raw, errors="coerce"))
        text = _spread_text([_fmt(x) for x in distinct], codes, raw.index)
    else:
        text = raw.astype("string")
    if value_labels:
        by_code = {_fmt(float(k)) if isinstance(k, (int, float)) else str(k): str(v) for k, v in value_labels.items()}
        codes, distinct = text_codes(text)
        text = _spread_text([by_code.get(v, v) for v in distinct], codes, raw.index)
    return text


def _segment_column(raw, name, spec, problems) -> _CodedTexts:
    codes, distinct = text_codes(raw)
    keys = [normalize_label(v) for v in distinct]
    if spec.levels:
        lookup = {normalize_label(level): level for level in spec.levels}
        levels = [lookup.get(k) for k in keys]
        unknown = np.array([level is None for level in levels] + [False])  # the last: a blank cell
        problems.add(unknown[codes], name, raw, f"unknown value (expected one of {', '.join(spec.levels)})")
        return _CodedTexts(levels, codes)
    # undeclared levels: spellings that differ only by letter forms or spacing become one (the
    # distinct cells come in order of first appearance, so the first spelling is the first row's)
    first_spelling = {}
    for original, key in zip(distinct, keys):
        first_spelling.setdefault(key, str(original).strip())
    # a blank cell stays missing (code -1): the customer did not say, which is no level of its own
    return _CodedTexts([first_spelling[k] for k in keys], codes)


def _first_positions(texts: pd.Series) -> np.ndarray:
    """Per row, the position of the first row holding the same text (its own position when it is
    the first; -1 for a missing cell).

    Found by a stable sort, which puts the rows of one text together in their order: ids are
    nearly all distinct, and a hash table of a million distinct texts takes several times the
    memory of the column, a sort's order a fraction of it.
    """
    values = pa.chunked_array(texts.array.__arrow_array__())
    order = pc.sort_indices(values)
    ordered = values.take(order)
    starts = np.ones(len(values), dtype=bool)  # a text begins here (a missing cell is never the same as another)
    starts[1:] = ~pc.equal(ordered.slice(1), ordered.slice(0, len(values) - 1)).fill_null(False).to_numpy()
    del ordered
    order = order.to_numpy()
    group = np.cumsum(starts, dtype=np.intp)
    group -= 1
    first = np.empty(len(values), dtype=np.intp)
    first[order] = order[starts][group]
    first[values.is_null().to_numpy()] = -1
    return first


def _respondent_ids(frame: pd.DataFrame, codebook: Codebook, table: RawTable, problems: _Problems) -> pd.Series:
    """The respondent ids, stripped (row numbers without an id column); missing and repeated ids are problems."""
    if not codebook.respondent_id:  # the row number in the file identifies the respondent
        rows = pa.array(table.row_number(np.arange(len(frame)))).cast(pa.large_string())
        return pd.Series(pd.arrays.ArrowStringArray(rows), index=frame.index)
    column = codebook.respondent_id
    rid = frame[column].astype("string").str.strip()
    problems.add(rid.isna() | (rid == ""), column, rid, "missing respondent id")
    first = _first_positions(rid)
    dup = (first >= 0) & (first != np.arange(len(first)))
    if dup.any():
        first_rows = table.row_number(first[dup])
        first_seen = pd.Series(first_rows, index=frame.index[dup]).astype("Int64").astype("string")
        problems.add(dup, column, rid, "duplicate respondent id (first in row " + first_seen + ")")
    return rid


def _weights(raw: pd.Series, name: str, table: RawTable, problems: _Problems, coded: CodedNumbers) -> _Answers:
    """The weights, checked by distinct cell: not a number, not positive, not finite, absurd
    beside the median, missing."""
    coded = _numeric_column(raw, name, table, coded)
    numbers = coded.numbers
    given = ~np.isnan(numbers)
    flags = [
        (coded.bad, "not a number"),
        (given & (numbers <= 0), "weight must be positive"),
        (given & (numbers > 0) & ~np.isfinite(numbers), "weight must be a finite number"),
    ]
    weights = np.where(np.isfinite(numbers), numbers, np.nan)
    # a weight 1,000 times the median is a typing or export error, not a design weight:
    # trimming rules start at ratios of 5-10 (Potter 1990; Chowdhury, Khare & Wolter 2007)
    rows = coded.rows(weights)
    usable = rows[rows > 0]  # the median is the rows', not the distinct cells'
    if len(usable):
        median = float(pd.Series(usable).median())
        absurd = ~np.isnan(weights) & (
            (weights > MAX_WEIGHT_RATIO * median) | ((weights > 0) & (weights < median / MAX_WEIGHT_RATIO))
        )
        reason = f"weight more than {MAX_WEIGHT_RATIO:,} times the median weight (or less than 1/{MAX_WEIGHT_RATIO:,} of it)"
        flags.append((absurd, reason))
        weights = np.where(absurd, np.nan, weights)
    flags.append((~coded.filled, "missing weight"))
    problems.add_coded(coded, name, raw, flags)
    return _Answers(weights, coded.codes)


def _accepted(out: dict, keep: np.ndarray, index: pd.Index) -> pd.DataFrame:
    """The accepted rows of every output column: the numbers in one float block (filled column by
    column from the distinct cells, never a full-size copy), the texts taken from their columns."""
    numeric = [k for k, v in out.items() if isinstance(v, _Answers)]
    block = np.empty((len(numeric), int(keep.sum())))
    for row, key in zip(block, numeric):
        row[:] = out[key].accepted(keep)
    rows = index.take(np.flatnonzero(keep))
    pieces, start = [], 0
    for is_numeric, run in itertools.groupby(out, key=lambda k: isinstance(out[k], _Answers)):
        run = list(run)
        if is_numeric:
            pieces.append(pd.DataFrame(block[start : start + len(run)].T, index=rows, columns=run, copy=False))
            start += len(run)
        else:
            texts = {k: out[k].accepted(keep) if isinstance(out[k], _CodedTexts) else out[k].array[keep] for k in run}
            pieces.append(pd.DataFrame(texts, index=rows))
    data = pd.concat(pieces, axis=1) if len(pieces) > 1 else pieces[0]
    data.columns = pd.Index(list(out))
    return data


def validate_responses(table: RawTable, codebook: Codebook) -> Intake:
    """Check a raw table against the codebook and split accepted from rejected rows."""
    out, keep, fields = _check(table, codebook)
    return Intake(data=_accepted(out, keep, fields.pop("index")), **fields)


def _check(table: RawTable, codebook: Codebook) -> tuple[dict, np.ndarray, dict]:
    """Every rule on every column: the output columns (numbers still by distinct cell), the rows
    kept, and the other fields of the :class:`Intake` (with the ``index`` of the rows)."""
    frame = table.frame
    required = codebook.data_columns()
    missing = [c for c in required if c not in frame.columns]
    if missing:
        more = f" (and {len(missing) - 1} more: {', '.join(missing[1:4])}…)" if len(missing) > 1 else ""
        raise CSMInputError(f"required column missing{more}", file=table.source, column=missing[0])

    problems = _Problems()
    dont_know: dict[str, tuple] = {}  # analysis column -> (coded column, which codes mean "don't know")
    out: dict[str, pd.Series | _CodedTexts | _Answers] = {}

    numeric = [codebook.weight] if codebook.weight else []
    numeric += [i.col for i in codebook.items] + [o.column for o in codebook.outcomes.values()]
    numeric += [c for p in codebook.kano.pairs for c in (p.functional, p.dysfunctional, p.importance) if c]
    coded = _coded_columns(frame, numeric)
    rid = _respondent_ids(frame, codebook, table, problems)
    out["respondent_id"] = rid
    for name, spec in codebook.segments.items():
        raw = _labelled_text(frame[spec.column], table.value_labels.get(spec.column))
        out[name] = _segment_column(raw, spec.column, spec, problems)
    if codebook.weight:
        out["weight"] = _weights(frame[codebook.weight], codebook.weight, table, problems, coded[codebook.weight])
    for item in codebook.items:
        scale = codebook.scales[item.scale]
        values = _scaled_column(frame[item.col], item.col, scale, table, problems, dont_know, item.id, coded[item.col])
        out[item.id] = _Answers((scale.min + scale.max) - values.values, values.codes) if item.reverse else values
    for role, outcome in codebook.outcomes.items():
        out[role] = _scaled_column(
            frame[outcome.column],
            outcome.column,
            codebook.scales[outcome.scale],
            table,
            problems,
            dont_know,
            role,
            coded[outcome.column],
        )
    if codebook.kano.pairs:
        text_map: dict[str, int] = {}  # built on the first answer written as text
        imp_scale = codebook.scales.get(codebook.kano.importance_scale or "")
        for pair in codebook.kano.pairs:
            for col in (pair.functional, pair.dysfunctional):
                out[col] = _kano_column(frame[col], col, codebook, problems, text_map, coded[col])
            if pair.importance:
                if imp_scale is None:
                    importance = _numeric_column(frame[pair.importance], pair.importance, table, coded[pair.importance])
                    problems.add_coded(importance, pair.importance, frame[pair.importance], [(importance.bad, "not a number")])
                    out[pair.importance] = _Answers(importance.numbers, importance.codes)
                else:
                    out[pair.importance] = _scaled_column(
                        frame[pair.importance],
                        pair.importance,
                        imp_scale,
                        table,
                        problems,
                        dont_know,
                        pair.importance,
                        coded[pair.importance],
                    )
    if codebook.comment and codebook.comment in frame.columns:
        out["comment"] = frame[codebook.comment].astype("string")

    found = problems.frame()
    bad_positions = np.unique(found["position"].to_numpy())
    keep = np.ones(len(frame), dtype=bool)
    keep[bad_positions] = False

    rejected = (
        pd.DataFrame(
            {
                "file": table.source,
                "row": table.row_number(found["position"].to_numpy()),
                "respondent_id": rid.iloc[found["position"].to_numpy()].to_numpy(),
                "column": found["column"].to_numpy(),
                "value": found["value"].to_numpy(),
                "reason": found["reason"].to_numpy(),
            }
        )
        .sort_values(["row", "column"], kind="stable")
        .reset_index(drop=True)
    )
    rejected_rows = frame.iloc[bad_positions].copy()
    rejected_rows.insert(0, "row", table.row_number(bad_positions))
    if not keep.any():
        first = rejected.iloc[0]
        raise CSMInputError(
            f"no valid rows left: all {len(frame)} rows are rejected; the first problem: "
            f"{first['reason']} (value '{first['value']}')",
            file=table.source,
            row=int(first["row"]),
            column=str(first["column"]),
        )

    return (
        out,
        keep,
        dict(
            index=frame.index,
            rejected=rejected,
            rejected_rows=rejected_rows,
            source=table.source,
            n_read=len(frame),
            # of the accepted rows only, so that answered + don't know + blank add up to them
            dont_know=pd.Series(
                {k: int(np.count_nonzero(meaning[coded.codes[keep]])) for k, (coded, meaning) in dont_know.items()},
                dtype=int,
            ),
            reversed_items=tuple(i.id for i in codebook.items if i.reverse),
            id_column=codebook.respondent_id,
        ),
    )


def load_responses(path: str | Path, codebook: Codebook, *, delimiter=None, encoding=None, sheet=None) -> Intake:
    """Read and validate a responses file in one step.

    The file as read is let go once checked, before the accepted rows are laid out: the memory
    of its cells is given back (pyarrow keeps freed memory for reuse unless asked) and the peak
    is the larger of the two, not their sum.
    """
    out, keep, fields = _check(read_table(path, delimiter=delimiter, encoding=encoding, sheet=sheet), codebook)
    pa.default_memory_pool().release_unused()
    return Intake(data=_accepted(out, keep, fields.pop("index")), **fields)
