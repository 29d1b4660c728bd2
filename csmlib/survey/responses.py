"""Reading survey exports and validating them against the codebook.

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
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from csmlib.survey.codebook import Codebook
from csmlib.core.errors import CSMInputError
from csmlib.core.text import normalize_label, numeric_series

ENCODINGS = ("utf-8-sig", "cp1256")  # Persian exports from Windows tools are often cp1256
DELIMITERS = ",;\t|"
KANO_POSITIONS = 5
MAX_WEIGHT_RATIO = 1000  # weights beyond 1,000x (or below 1/1,000 of) the median weight are rejected


@dataclass(frozen=True)
class RawTable:
    """A file as read, before validation: every cell as in the file."""

    frame: pd.DataFrame
    source: str
    header_rows: int  # 1 when the first data record is on row 2 (CSV, Excel)
    value_labels: dict = field(default_factory=dict)  # SPSS value labels, per column
    encoding: str | None = None
    delimiter: str | None = None
    header: tuple | None = None  # the header as written, before the reader renamed repeated names
    variable_labels: dict = field(default_factory=dict)  # SPSS variable labels, per column

    def row_number(self, positions) -> np.ndarray:
        return np.asarray(positions) + 1 + self.header_rows


# ---------------------------------------------------------------------------- reading
def _decode(path: Path, encoding: str | None) -> tuple[str, str]:
    raw = path.read_bytes()
    if not raw.strip():
        raise CSMInputError("the file is empty", file=path)
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise CSMInputError(f"cannot decode as {encoding}: {exc}", file=path) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    for enc in ENCODINGS:
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise CSMInputError("cannot detect the text encoding; declare read.encoding", file=path)


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        counts = {d: header.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def read_csv(path: Path, *, delimiter: str | None = None, encoding: str | None = None) -> RawTable:
    text, used_encoding = _decode(path, encoding)
    sep = delimiter or _sniff_delimiter(text)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[""], skipinitialspace=False)
    except pd.errors.ParserError as exc:
        raise CSMInputError(f"cannot parse CSV: {str(exc).strip().splitlines()[-1]}", file=path) from None
    except pd.errors.EmptyDataError:
        raise CSMInputError("the file is empty", file=path) from None
    first_line = next(csv.reader(io.StringIO(text.split("\n", 1)[0]), delimiter=sep), [])
    return RawTable(frame, str(path), 1, encoding=used_encoding, delimiter=sep, header=tuple(first_line))


def _excel_engine() -> str:
    """calamine (Rust) reads an export several times faster than openpyxl, with the same cells."""
    import importlib.util

    return "calamine" if importlib.util.find_spec("python_calamine") else "openpyxl"


def read_excel(path: Path, *, sheet: str | int | None = None) -> RawTable:
    try:
        frame = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, dtype=object, engine=_excel_engine())
    except ValueError as exc:  # unknown sheet, not an xlsx
        raise CSMInputError(f"cannot read Excel file: {exc}", file=path) from None
    except Exception as exc:  # the readers raise many types for a corrupt file
        raise CSMInputError(f"cannot read Excel file: {type(exc).__name__}: {exc}", file=path) from None
    return RawTable(frame, str(path), 1, header=_excel_header(path, sheet))


def _excel_header(path: Path, sheet) -> tuple | None:
    """The first row as written (pandas renames a repeated name ``x`` to ``x.1``)."""
    try:
        head = pd.read_excel(
            path, sheet_name=sheet if sheet is not None else 0, header=None, nrows=1, dtype=object, engine=_excel_engine()
        )
    except Exception:
        return None
    return tuple("" if pd.isna(v) else str(v) for v in head.iloc[0]) if len(head) else None


def read_spss(path: Path) -> RawTable:
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    except Exception as exc:  # pyreadstat.ReadstatError and friends
        raise CSMInputError(f"cannot read SPSS file: {exc}", file=path) from None
    labels = dict(zip(meta.column_names, meta.column_labels or []))
    return RawTable(
        frame, str(path), 0, value_labels=dict(meta.variable_value_labels), variable_labels={k: v for k, v in labels.items() if v}
    )


def read_parquet(path: Path) -> RawTable:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:
        raise CSMInputError(f"cannot read Parquet file: {exc}", file=path) from None
    return RawTable(frame, str(path), 0)


def read_table(
    path: str | Path, *, delimiter: str | None = None, encoding: str | None = None, sheet: str | int | None = None
) -> RawTable:
    """Read a survey export (CSV, Excel ``.xlsx``, SPSS ``.sav``, Parquet) without changing it.

    CSV: the encoding (UTF-8 with or without BOM, UTF-16, Windows-1256) and the delimiter
    (``,`` ``;`` tab ``|``) are detected unless given; every cell is read as text so that
    validation can report exactly what was written.
    """
    path = Path(path)
    if not path.is_file():
        raise CSMInputError("file not found", file=path)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        table = read_csv(path, delimiter=delimiter or ("\t" if suffix == ".tsv" else None), encoding=encoding)
    elif suffix in (".xlsx", ".xlsm"):
        table = read_excel(path, sheet=sheet)
    elif suffix == ".sav":
        table = read_spss(path)
    elif suffix == ".parquet":
        table = read_parquet(path)
    else:
        raise CSMInputError(f"unsupported file type '{suffix}' (use .csv, .xlsx, .sav or .parquet)", file=path)
    frame = table.frame
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    names = list(table.header) if table.header is not None else list(frame.columns)
    names = [str(c).strip().lstrip("\ufeff") for c in names]
    twice = sorted({c for c in names if names.count(c) > 1})
    if twice:
        raise CSMInputError(
            f"duplicate column name (columns must be unique; {len(twice)} repeated)",
            file=path,
            row=1 if table.header_rows else None,
            column=twice[0],
        )
    if frame.shape[0] == 0:
        raise CSMInputError("the file has a header but no data rows", file=path)
    return table


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
        self.parts: list[pd.DataFrame] = []

    def add(self, mask: pd.Series, column: str, values: pd.Series, reason: str | pd.Series):
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        reasons = reason[mask] if isinstance(reason, pd.Series) else reason
        self.parts.append(
            pd.DataFrame(
                {
                    "position": np.flatnonzero(mask.to_numpy()),
                    "column": column,
                    "value": values[mask].astype("string").to_numpy(),
                    "reason": reasons,
                }
            )
        )

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
        # a column read in two roles (an outcome that is also an item) reports its problem once
        return pd.concat(self.parts, ignore_index=True).drop_duplicates(ignore_index=True)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _numeric_column(raw: pd.Series, name: str, table: RawTable, problems: _Problems) -> pd.Series:
    numbers, bad = numeric_series(raw)
    if bad.any() and numbers.notna().sum() == 0:
        first = int(np.flatnonzero(bad.to_numpy())[0])
        raise CSMInputError(
            f"column is not numeric (e.g. '{raw.iloc[first]}' in row {table.row_number(first)})", file=table.source, column=name
        )
    problems.add(bad, name, raw, "not a number")
    return numbers


def _scaled_column(raw, name, scale, table, problems, dont_know, key):
    numbers = _numeric_column(raw, name, table, problems)
    is_missing_code = numbers.isin(scale.missing)
    dont_know[key] = is_missing_code.to_numpy(dtype=bool)  # counted over the accepted rows at the end
    numbers = numbers.mask(is_missing_code)
    out = numbers.notna() & ((numbers < scale.min) | (numbers > scale.max))
    problems.add(out, name, raw, f"out of range {_fmt(scale.min)}-{_fmt(scale.max)}")
    if scale.integer:
        frac = numbers.notna() & ~out & (numbers != np.round(numbers))
        problems.add(frac, name, raw, "not a whole number")
    return numbers


def kano_answer_map(codebook: Codebook) -> dict[str, int]:
    """Normalised answer text -> Kano answer position (1 like ... 5 dislike)."""
    from csmlib.stats import kano

    mapping = dict(kano.answer_positions())
    mapping.update({normalize_label(k): int(v) for k, v in codebook.kano.labels.items()})
    return mapping


def _kano_column(raw, name, codebook, table, problems, text_map: dict):
    numbers, bad_number = numeric_series(raw)
    if codebook.kano.coding == "reversed":
        numbers = (KANO_POSITIONS + 1) - numbers
    if bad_number.any():  # answers written as text
        if not text_map:
            text_map.update(kano_answer_map(codebook))
        texts = raw[bad_number].map(normalize_label)
        mapped = texts.map(text_map)
        numbers = numbers.copy()
        numbers[bad_number] = mapped.astype(float)
    valid = numbers.isin(range(1, KANO_POSITIONS + 1))
    problems.add(raw.notna() & ~valid, name, raw, "not a Kano answer (expected 1-5 or a known wording)")
    return numbers.where(valid)


def _labelled_text(raw: pd.Series, value_labels: dict | None) -> pd.Series:
    """A segment column as text: SPSS value labels applied, numeric codes written as in the file.

    SPSS and Excel store codes as floats; ``2.0`` is shown and matched as ``2``, and a code with
    a value label (``{1.0: "female", 2.0: "male"}``) becomes its label.
    """
    numbers = pd.to_numeric(raw, errors="coerce") if raw.dtype.kind in "fiub" else None
    if numbers is None:
        text = raw.astype("string")
    else:
        text = numbers.map(lambda x: _fmt(x) if pd.notna(x) else None).astype("string")
    if value_labels:
        by_code = {_fmt(float(k)) if isinstance(k, (int, float)) else str(k): str(v) for k, v in value_labels.items()}
        text = text.map(lambda v: by_code.get(v, v) if v is not None and not pd.isna(v) else v).astype("string")
    return text


def _segment_column(raw, name, spec, problems):
    normal = raw.map(normalize_label)
    if spec.levels:
        lookup = {normalize_label(level): level for level in spec.levels}
        mapped = normal.map(lookup)
        problems.add(raw.notna() & mapped.isna(), name, raw, f"unknown value (expected one of {', '.join(spec.levels)})")
        return mapped.astype("string")
    # undeclared levels: spellings that differ only by letter forms or spacing become one
    first_spelling = {}
    for original, key in zip(raw.astype("string"), normal):
        if key is not None and key not in first_spelling:
            first_spelling[key] = str(original).strip()
    return normal.map(first_spelling).astype("string")


def validate_responses(table: RawTable, codebook: Codebook) -> Intake:
    """Check a raw table against the codebook and split accepted from rejected rows."""
    frame = table.frame
    required = codebook.data_columns()
    missing = [c for c in required if c not in frame.columns]
    if missing:
        more = f" (and {len(missing) - 1} more: {', '.join(missing[1:4])}…)" if len(missing) > 1 else ""
        raise CSMInputError(f"required column missing{more}", file=table.source, column=missing[0])

    problems = _Problems()
    dont_know: dict[str, np.ndarray] = {}  # analysis column -> rows answered "don't know"
    out: dict[str, pd.Series] = {}

    if codebook.respondent_id:
        rid = frame[codebook.respondent_id].astype("string").str.strip()
        problems.add(rid.isna() | (rid == ""), codebook.respondent_id, rid, "missing respondent id")
        first_row = pd.Series(table.row_number(np.arange(len(rid))), index=rid.index)
        dup = rid.notna() & rid.duplicated(keep="first")
        if dup.any():
            first_seen = rid.map(first_row.groupby(rid).min())
            problems.add(
                dup,
                codebook.respondent_id,
                rid,
                "duplicate respondent id (first in row " + first_seen.astype("Int64").astype("string") + ")",
            )
    else:  # no id column: the row number in the file identifies the respondent
        rid = pd.Series(table.row_number(np.arange(len(frame))), index=frame.index).astype("string")
    out["respondent_id"] = rid

    for name, spec in codebook.segments.items():
        raw = _labelled_text(frame[spec.column], table.value_labels.get(spec.column))
        out[name] = _segment_column(raw, spec.column, spec, problems)

    if codebook.weight:
        w = _numeric_column(frame[codebook.weight], codebook.weight, table, problems)
        problems.add(w.notna() & (w <= 0), codebook.weight, frame[codebook.weight], "weight must be positive")
        problems.add(
            w.notna() & (w > 0) & ~np.isfinite(w), codebook.weight, frame[codebook.weight], "weight must be a finite number"
        )
        w = w.where(np.isfinite(w))
        # a weight 1,000 times the median is a typing or export error, not a design weight:
        # trimming rules start at ratios of 5-10 (Potter 1990; Chowdhury, Khare & Wolter 2007)
        usable = w[(w > 0)]
        if len(usable):
            median = float(usable.median())
            absurd = w.notna() & ((w > MAX_WEIGHT_RATIO * median) | ((w > 0) & (w < median / MAX_WEIGHT_RATIO)))
            problems.add(
                absurd,
                codebook.weight,
                frame[codebook.weight],
                f"weight more than {MAX_WEIGHT_RATIO:,} times the median weight (or less than 1/{MAX_WEIGHT_RATIO:,} of it)",
            )
            w = w.mask(absurd)
        problems.add(w.isna() & frame[codebook.weight].isna(), codebook.weight, frame[codebook.weight], "missing weight")
        out["weight"] = w

    for item in codebook.items:
        scale = codebook.scales[item.scale]
        values = _scaled_column(frame[item.col], item.col, scale, table, problems, dont_know, item.id)
        out[item.id] = (scale.min + scale.max) - values if item.reverse else values
    for role, outcome in codebook.outcomes.items():
        out[role] = _scaled_column(
            frame[outcome.column], outcome.column, codebook.scales[outcome.scale], table, problems, dont_know, role
        )
    if codebook.kano.pairs:
        text_map: dict[str, int] = {}  # built on the first answer written as text
        imp_scale = codebook.scales.get(codebook.kano.importance_scale or "")
        for pair in codebook.kano.pairs:
            for col in (pair.functional, pair.dysfunctional):
                out[col] = _kano_column(frame[col], col, codebook, table, problems, text_map)
            if pair.importance:
                if imp_scale is None:
                    out[pair.importance] = _numeric_column(frame[pair.importance], pair.importance, table, problems)
                else:
                    out[pair.importance] = _scaled_column(
                        frame[pair.importance], pair.importance, imp_scale, table, problems, dont_know, pair.importance
                    )
    if codebook.comment and codebook.comment in frame.columns:
        out["comment"] = frame[codebook.comment].astype("string")

    clean = pd.DataFrame(out, index=frame.index)
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

    return Intake(
        data=clean.iloc[np.flatnonzero(keep)],
        rejected=rejected,
        rejected_rows=rejected_rows,
        source=table.source,
        n_read=len(frame),
        # of the accepted rows only, so that answered + don't know + blank add up to them
        dont_know=pd.Series({k: int(mask[keep].sum()) for k, mask in dont_know.items()}, dtype=int),
        reversed_items=tuple(i.id for i in codebook.items if i.reverse),
        id_column=codebook.respondent_id,
    )


def load_responses(path: str | Path, codebook: Codebook, *, delimiter=None, encoding=None, sheet=None) -> Intake:
    """Read and validate a responses file in one step."""
    return validate_responses(read_table(path, delimiter=delimiter, encoding=encoding, sheet=sheet), codebook)
