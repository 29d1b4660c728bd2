"""Files people open in a spreadsheet: CSV and Excel exports that cannot run formulas, written atomically.

Survey answers, respondent ids, complaint texts and codebook labels are not ours: a cell such as
``=HYPERLINK("http://x", "y")`` or ``+cmd|' /C calc'!A0`` would be a live formula once the register or
the quarantine list is opened in Excel or LibreOffice (CSV injection). As OWASP recommends, every
*text* cell (and header) that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
written with a leading single quote; numbers are left alone, so a numeric column's ``-3`` stays the
number -3 while the text ``"-3"`` of a raw-value column becomes ``'-3``. :func:`neutralise` is the one
place that decides; :func:`write_csv` and :func:`write_xlsx` are the only writers of such files, and
the Excel writer stores every text cell as a string, never as a formula.

Files are written to a temporary file in the same folder and moved into place (``os.replace``), so a
reader never sees half a file and a failed write leaves the previous file intact.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

#: first characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """``value`` as it may be written to a CSV or Excel cell: dangerous text gets a leading ``'``.

    Only text is changed; numbers, dates, booleans and missing values are returned as they are.

    >>> neutralise("=2+5"), neutralise("-5"), neutralise(-5), neutralise("Delivery")
    ("'=2+5", "'-5", -5, 'Delivery')
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell and column name passed through :func:`neutralise`.

    Numeric, boolean and datetime columns are not touched (a negative number stays a number).
    """
    out = frame.copy()
    for position, column in enumerate(frame.columns):
        series = frame.iloc[:, position]
        if (
            pd.api.types.is_numeric_dtype(series.dtype)
            or pd.api.types.is_bool_dtype(series.dtype)
            or pd.api.types.is_datetime64_any_dtype(series.dtype)
        ):
            continue
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        values = [neutralise(v) for v in series.tolist()]
        out.isetitem(position, pd.Series(values, index=frame.index, dtype=object))
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = pd.MultiIndex.from_tuples([tuple(neutralise(v) for v in c) for c in out.columns])
    else:
        out.columns = [neutralise(c) for c in out.columns]
    return out


@contextlib.contextmanager
def atomic_path(target: str | Path):
    """Yield a temporary path next to ``target``; on success it replaces ``target`` (``os.replace``)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes it private; give it the usual permissions
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()


def atomic_write_text(target: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` through a temporary file in the same folder."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding=encoding)
    return Path(target)


def write_csv(frame: pd.DataFrame, target: str | Path, *, encoding: str = "utf-8", index: bool = False) -> Path:
    """``frame`` as CSV with formula-like text neutralised, written atomically.

    Lines end in CRLF (RFC 4180), so that a field holding a bare carriage return is quoted too
    (Python's csv module quotes only the characters of the line terminator).
    """
    if index:
        frame = frame.reset_index()
    with atomic_path(target) as tmp:
        neutralise_frame(frame).to_csv(tmp, index=False, encoding=encoding, lineterminator="\r\n")
    return Path(target)


def _excel_value(value):
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if getattr(value, "tzinfo", None) is not None:  # Excel has no time zones
        value = value.replace(tzinfo=None)
    if isinstance(value, (str, int, float, bool)) or hasattr(value, "isoformat"):
        return value
    return str(value)


def write_xlsx(frame: pd.DataFrame, target: str | Path, *, sheet_name: str = "Sheet1", index: bool = False) -> Path:
    """``frame`` as a one-sheet .xlsx, written atomically.

    Text cells are neutralised like the CSV's and stored as strings (openpyxl would otherwise store
    any string starting with ``=`` as a formula); numbers stay numbers. The header row is bold.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    if index:
        frame = frame.reset_index()
    safe = neutralise_frame(frame)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=str(sheet_name)[:31] or "Sheet1")
    bold = Font(bold=True)

    def cell(value, font=None):
        value = _excel_value(value)
        if isinstance(value, str):
            value = neutralise(value)
        c = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            c.data_type = "s"  # text, never a formula
        if font is not None:
            c.font = font
        return c

    header = [" / ".join(map(str, c)) if isinstance(c, tuple) else c for c in safe.columns]
    sheet.append([cell(c if isinstance(c, str) else str(c), bold) for c in header])
    for row in safe.itertuples(index=False, name=None):
        sheet.append([cell(v) for v in row])
    with atomic_path(target) as tmp:
        book.save(tmp)
    return Path(target)
