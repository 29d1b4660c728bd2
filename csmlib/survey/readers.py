"""Reading survey exports (CSV, Excel ``.xlsx``, SPSS ``.sav``, Parquet) without changing them.

A file is read into a :class:`RawTable`: every cell as in the file (CSV cells as text), with what
the reader found out (encoding, delimiter, the header as written, SPSS labels). A file that cannot
be used (missing, empty, undecodable, unparsable, repeated column names, no data rows) raises
:class:`~csmlib.core.errors.CSMInputError` with one line naming the file.

CSV is parsed by pyarrow: in parallel, with no Python object per cell, into the same text columns
pandas reads (``str``, pyarrow ``large_string``). A file pyarrow refuses — rows of unequal length,
a line of blanks, a header pandas would rename — is read by pandas, which says what is wrong or
reads it as it always did; either way the table is the one pandas reads.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from csmlib.core.errors import CSMInputError

ENCODINGS = ("utf-8-sig", "cp1256")  # Persian exports from Windows tools are often cp1256
DELIMITERS = ",;\t|"
SNIFF_LINES = 50  # the delimiter is guessed from the first lines


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
    if not raw or raw.isspace():
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


def _first_lines(text: str, n: int = SNIFF_LINES) -> list[str]:
    """``text.splitlines()[:n]`` without splitting the whole text."""
    size = 1 << 16
    while True:
        lines = text[:size].splitlines()
        if len(lines) > n or size >= len(text):  # a line after the n-th: the n-th is complete
            return lines[:n]
        size *= 4


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(_first_lines(text))
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        counts = {d: header.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _utf8_start(path: Path, encoding: str | None) -> tuple[str, str] | None:
    """The start of a UTF-8 file as text (whole lines, enough to sniff the delimiter and read the
    header) and the encoding it is read with; ``None`` when the file is not plainly UTF-8 (another
    or no declared encoding, a UTF-16 mark, bytes that are not UTF-8, an empty start)."""
    if encoding is not None:
        try:
            if codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig"):
                return None
        except LookupError:
            return None
    used = encoding or "utf-8-sig"
    size, n = path.stat().st_size, 1 << 16
    while True:
        with path.open("rb") as fh:
            head = fh.read(n)
        whole = len(head) >= size
        if not head.strip() or (encoding is None and head.startswith((b"\xff\xfe", b"\xfe\xff"))):
            return None
        try:  # up to the last line break: "\n" never falls inside a UTF-8 character
            text = (head if whole else head[: head.rfind(b"\n") + 1]).decode(used)
        except UnicodeDecodeError:
            return None
        if whole or len(text.splitlines()) > SNIFF_LINES:
            return text, used
        n *= 4


def _arrow_csv(source, sep: str, header: list[str]) -> pd.DataFrame | None:
    """Every cell as text, parsed by pyarrow (in parallel, no Python object per cell), exactly as
    pandas reads it; ``None`` for a file pyarrow refuses — rows of unequal length, a line of
    blanks, bytes that are not UTF-8 — or whose header pandas would rename (blank or repeated names)."""
    names = [c.lstrip("\ufeff") if i == 0 else c for i, c in enumerate(header)]
    if len(set(names)) < len(names) or any(not c.strip() for c in names):
        return None
    try:
        table = pacsv.read_csv(
            source,
            parse_options=pacsv.ParseOptions(delimiter=sep, double_quote=True, escape_char=False, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.large_string() for c in names},  # pandas' text
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, OSError):
        return None
    if table.column_names != names or any(t != pa.large_string() for t in table.schema.types):
        return None
    text = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' str: the columns are used as read, no copy
    columns = {name: text.__from_arrow__(column) for name, column in zip(names, table.columns)}
    return pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows), copy=False)


def read_csv(path: Path, *, delimiter: str | None = None, encoding: str | None = None) -> RawTable:
    """A CSV file parsed by pyarrow; one it refuses (ragged rows, say) is read by pandas, which
    tells what is wrong or reads it as it always did."""
    start = _utf8_start(path, encoding)
    text, used_encoding = start if start is not None else _decode(path, encoding)
    sep = delimiter or _sniff_delimiter(text)
    try:
        first_line = next(csv.reader(io.StringIO(text.split("\n", 1)[0]), delimiter=sep), [])
    except csv.Error:
        first_line = None
    frame = None
    if first_line is not None:
        source = path if start is not None else pa.BufferReader(text.encode("utf-8"))
        frame = _arrow_csv(source, sep, first_line)
    if frame is None:
        return _pandas_csv(path, delimiter=delimiter, encoding=encoding)
    return RawTable(frame, str(path), 1, encoding=used_encoding, delimiter=sep, header=tuple(first_line))


def _pandas_csv(path: Path, *, delimiter: str | None = None, encoding: str | None = None) -> RawTable:
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
    """The frame ``pd.read_parquet`` reads, at a lower peak: pandas' text columns are Arrow
    ``large_string``, and converting a whole table of ``string`` columns at once holds both
    forms of every column; here each is widened in turn and its narrow form let go."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path, use_pandas_metadata=True)  # as pd.read_parquet reads it
        for i, column in enumerate(table.schema):
            if pa.types.is_string(column.type):
                wide = column.with_type(pa.large_string())
                table = table.set_column(i, wide, table.column(i).cast(pa.large_string()))
        attrs = (table.schema.metadata or {}).get(b"PANDAS_ATTRS")
        frame = table.to_pandas()
    except Exception as exc:
        raise CSMInputError(f"cannot read Parquet file: {exc}", file=path) from None
    if attrs is not None:
        frame.attrs = json.loads(attrs)
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
