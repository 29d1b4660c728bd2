"""The findings register as files people act on: ``feedback.csv`` and a formatted ``feedback.xlsx``.

:func:`tracker_table` turns the tracker of :func:`csmlib.stats.tracker.track` into the table the
departments read — labels instead of codes, in the report language (Persian words and digits for
``fa``); :func:`write_register` writes any such table as CSV (UTF-8 with BOM, so Excel shows
Persian text) and as an .xlsx with column widths, wrapped text, a styled, frozen and filterable
header (right to left for Persian). Text a spreadsheet would read as a formula is neutralised and
both files are replaced atomically (:mod:`csmlib.core.exports`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from csmlib.core.dates import format_date
from csmlib.core.exports import SheetFormat, write_csv, write_xlsx
from csmlib.core.text import localize

__all__ = ["HEADERS", "STATUS_LABELS", "PRIORITY_LABELS", "tracker_table", "write_register", "register_format"]

#: tracker column → (English, Persian) header
HEADERS = {
    "id": ("ID", "شناسه"),
    "priority": ("Priority", "اولویت"),
    "score": ("Score", "امتیاز"),
    "status": ("Status", "وضعیت"),
    "department": ("Department", "واحد"),
    "label": ("Problem", "مسئله"),
    "evidence": ("Evidence", "شواهد"),
    "action": ("Recommended action", "اقدام پیشنهادی"),
    "kpi": ("KPI", "شاخص"),
    "target": ("Target", "هدف"),
    "due": ("Due", "مهلت"),
    "first_wave": ("Since", "از دوره"),
    "wave": ("Wave", "دوره"),
}
STATUS_LABELS = {
    "new": ("new", "جدید"),
    "continuing": ("continuing", "ادامه‌دار"),
    "improved": ("improved", "بهبودیافته"),
    "resolved": ("resolved", "حل‌شده"),
}
PRIORITY_LABELS = {"high": ("high", "بالا"), "medium": ("medium", "متوسط"), "low": ("low", "پایین")}
_WIDTHS = {"evidence": 70, "action": 50, "kpi": 30, "target": 24, "label": 28, "department": 18}


def _pick(pair: tuple[str, str], language: str) -> str:
    return pair[1] if language == "fa" else pair[0]


def tracker_table(
    tracker: pd.DataFrame,
    *,
    language: str = "en",
    department_label: Callable[[str], str] | None = None,
    headers: bool = True,
    keep: tuple[str, ...] = (),
) -> pd.DataFrame:
    """The tracker as departments read it: :data:`HEADERS` in the report language, labels not codes.

    Status and priority become words, departments their codebook names (``department_label``),
    the score a whole number and the due date a date (for ``fa`` the Solar Hijri date in Persian
    digits, as text). ``headers=False`` keeps the column names (a page table translates them);
    ``keep``: columns whose names stay as they are (``id``, shown verbatim on a page).

    >>> import datetime as dt
    >>> t = pd.DataFrame({"id": ["F-001"], "priority": ["high"], "score": [89.6], "status": ["new"],
    ...     "department": ["Logistics"], "label": ["Delivery speed"], "evidence": ["…"], "action": ["…"], "kpi": ["…"],
    ...     "target": ["…"], "due": [dt.date(2026, 10, 30)], "first_wave": ["2026Q3"], "wave": ["2026Q3"]})
    >>> tracker_table(t, language="fa").iloc[0, :4].tolist()
    ['F-001', 'بالا', '۹۰', 'جدید']
    """
    columns = [c for c in HEADERS if c in tracker.columns]
    table = tracker[columns].copy()
    label = department_label or str
    for name, words in (("status", STATUS_LABELS), ("priority", PRIORITY_LABELS)):
        if name in table:
            table[name] = [_pick(words[v], language) if v in words else "" for v in table[name]]
    if "department" in table:
        table["department"] = [label(d) for d in table["department"]]
    if "score" in table:
        values = pd.to_numeric(table["score"], errors="coerce").round()
        if language == "fa":
            table["score"] = ["" if pd.isna(v) else localize(f"{v:.0f}", "fa") for v in values]
        else:
            table["score"] = values.astype("Int64")
    if "due" in table:
        dates = [None if v is None or v == "" or pd.isna(v) else pd.Timestamp(v).date() for v in table["due"]]
        table["due"] = [format_date(d, "fa") if d else "" for d in dates] if language == "fa" else dates
    if not headers:
        return table
    return table.rename(columns={c: _pick(HEADERS[c], language) for c in columns if c not in keep})


def register_format(table: pd.DataFrame, *, language: str = "en") -> SheetFormat:
    """The sheet layout of a register table: fixed widths and wrapping for the long text columns."""
    names = {_pick(HEADERS[c], language): c for c in HEADERS}
    widths = {name: _WIDTHS[names[name]] for name in table.columns if names.get(name) in _WIDTHS}
    wrap = tuple(name for name in table.columns if names.get(name) in ("evidence", "action", "kpi", "target", "label"))
    return SheetFormat(widths=widths, wrap=wrap, right_to_left=language == "fa")


def write_register(register: pd.DataFrame, output_dir: str | Path, name: str = "feedback", *, language: str = "en") -> list[Path]:
    """``register`` as ``<name>.csv`` and a formatted ``<name>.xlsx`` in ``output_dir``; their paths.

    Text that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) is
    written with a leading ``'`` and the Excel cells are strings, never formulas.
    """
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = out / f"{name}.csv", out / f"{name}.xlsx"
    write_csv(register, csv_path, encoding="utf-8-sig")
    write_xlsx(register, xlsx_path, sheet_name="findings", sheet_format=register_format(register, language=language))
    return [csv_path, xlsx_path]
