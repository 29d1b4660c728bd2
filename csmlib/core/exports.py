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
import datetime as dt
import math
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from csmlib.core.errors import CSMInputError

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


def ensure_writable(folder: Path, params_file: Path | None = None) -> None:
    """Create ``folder`` (the reports folder) and write a file to it, or raise one line saying why not.

    Checked before anything is computed, so that a read-only or misplaced reports folder stops a
    run (and ``csm validate``) at once, naming the wave file that chose it.

    >>> import shutil, tempfile
    >>> tmp = Path(tempfile.mkdtemp())
    >>> ensure_writable(tmp / "reports" / "2026Q1")
    >>> list((tmp / "reports" / "2026Q1").iterdir())  # created; the probe file is gone
    []
    >>> _ = (tmp / "taken").write_text("a file, not a folder")
    >>> ensure_writable(tmp / "taken" / "2026Q1", Path("params/2026Q1.yaml"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    csmlib.core.errors.CSMInputError: params/2026Q1.yaml: cannot write the reports folder .../taken/2026Q1: Not a directory
    >>> shutil.rmtree(tmp)
    """
    probe = folder / f".csm-write-test.{os.getpid()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise CSMInputError(f"cannot write the reports folder {folder}: {exc.strerror or exc}", file=params_file) from None


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


@dataclass(frozen=True)
class SheetFormat:
    """How :func:`write_xlsx` lays out a sheet people work in (a register, a tracker).

    ``widths``: column width in characters by column name (others: fitted to their longest
    value, between ``min_width`` and ``max_width``); ``wrap``: columns whose text wraps inside
    the width; the header row is bold on a ``header_fill`` background, frozen
    (``freeze_header``) and carries an AutoFilter (``autofilter``); ``right_to_left`` shows the
    sheet right to left (Persian).

    >>> SheetFormat(wrap=("evidence",)).freeze_header
    True
    """

    widths: Mapping[str, float] = field(default_factory=dict)
    wrap: tuple[str, ...] = ()
    min_width: float = 8
    max_width: float = 60
    header_fill: str | None = "DDEBF7"
    freeze_header: bool = True
    autofilter: bool = True
    right_to_left: bool = False

    def width(self, name: str, values: list) -> float:
        """The width of one column: as given, else its longest line (header included) within the bounds."""
        if name in self.widths:
            return float(self.widths[name])
        longest = max((len(line) for v in [name, *values] if v is not None for line in str(v).splitlines() or [""]), default=0)
        return float(min(self.max_width, max(self.min_width, longest + 2)))


def _column_letter(position: int) -> str:
    """Spreadsheet column name of a 0-based position (0 → A, 26 → AA)."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def write_xlsx(
    frame: pd.DataFrame,
    target: str | Path,
    *,
    sheet_name: str = "Sheet1",
    index: bool = False,
    sheet_format: SheetFormat | None = None,
) -> Path:
    """``frame`` as a one-sheet .xlsx, written atomically.

    Text cells are neutralised like the CSV's and stored as strings (openpyxl would otherwise store
    any string starting with ``=`` as a formula); numbers stay numbers and dates are Excel dates.
    The header row is bold; with ``sheet_format`` (:class:`SheetFormat`) columns get widths, long
    text wraps, and the header is styled, frozen and filterable.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    if index:
        frame = frame.reset_index()
    safe = neutralise_frame(frame)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=str(sheet_name)[:31] or "Sheet1")
    header = [" / ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in safe.columns]
    header_font, header_fill, wrapped = Font(bold=True), None, set()
    if sheet_format is not None:
        fmt = sheet_format
        for position, name in enumerate(header):
            values = [_excel_value(v) for v in safe.iloc[:, position].tolist()]
            sheet.column_dimensions[_column_letter(position)].width = fmt.width(str(frame.columns[position]), values)
        wrapped = {p for p, c in enumerate(frame.columns) if c in fmt.wrap}
        if fmt.header_fill:
            header_fill = PatternFill("solid", fgColor=fmt.header_fill)
        if fmt.freeze_header:
            sheet.freeze_panes = "A2"
        if fmt.autofilter and len(header):
            sheet.auto_filter.ref = f"A1:{_column_letter(len(header) - 1)}{len(safe) + 1}"
        sheet.sheet_view.rightToLeft = fmt.right_to_left
    top = Alignment(vertical="top")
    top_wrapped = Alignment(vertical="top", wrap_text=True)

    def cell(value, *, font=None, fill=None, alignment=None):
        value = _excel_value(value)
        if isinstance(value, str):
            value = neutralise(value)
        c = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            c.data_type = "s"  # text, never a formula
        elif isinstance(value, dt.datetime):
            c.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, dt.date):
            c.number_format = "yyyy-mm-dd"
        if font is not None:
            c.font = font
        if fill is not None:
            c.fill = fill
        if alignment is not None:
            c.alignment = alignment
        return c

    sheet.append([cell(c, font=header_font, fill=header_fill, alignment=top_wrapped if sheet_format else None) for c in header])
    for row in safe.itertuples(index=False, name=None):
        if sheet_format is None:
            sheet.append([cell(v) for v in row])
        else:
            sheet.append([cell(v, alignment=top_wrapped if p in wrapped else top) for p, v in enumerate(row)])
    with atomic_path(target) as tmp:
        book.save(tmp)
    return Path(target)
