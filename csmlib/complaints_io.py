"""Reading a complaints log (ISO 10002) and a corrective-action register.

The export's columns are renamed to the canonical names of :mod:`csmlib.complaints` using the
codebook's ``complaints.columns`` map; timestamps are parsed (several formats, naive times in
the codebook's time zone); then :func:`csmlib.complaints_log.validate_log` quarantines records with
timestamps out of order, an unknown category or a duplicate id. As for survey responses, a
missing file or required column is one :class:`~csmlib.errors.CSMInputError` line, and
rejected records are kept and reported, never dropped silently.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from csmlib.complaints_log import validate_log
from csmlib.codebook import COMPLAINT_REQUIRED, Codebook
from csmlib.data import RawTable, read_table
from csmlib.errors import CSMInputError

TIMESTAMPS = ("received_at", "acknowledged_at", "closed_at")
ACTION_COLUMNS = ("action_id", "department", "category", "opened", "closed", "status")


@dataclass(frozen=True)
class ComplaintsIntake:
    log: pd.DataFrame          # accepted records, canonical column names
    rejected: pd.DataFrame     # file, row, column, value, reason
    source: str
    n_read: int

    @property
    def n_accepted(self) -> int:
        return int(self.log.shape[0])

    @property
    def n_rejected(self) -> int:
        return self.n_read - self.n_accepted


def canonical_log(table: RawTable, codebook: Codebook) -> pd.DataFrame:
    spec = codebook.complaints
    frame = table.frame
    rename = {}
    for field in (*COMPLAINT_REQUIRED, *[f for f in spec.columns]):
        column = spec.column(field)
        if column in frame.columns:
            rename[column] = field
        elif field in COMPLAINT_REQUIRED:
            raise CSMInputError("required column missing", file=table.source, column=column)
    from csmlib.codebook import COMPLAINT_FIELDS

    for field in COMPLAINT_FIELDS:  # canonical names used as-is in the export
        if field not in rename.values() and field in frame.columns:
            rename[field] = field
    return frame[list(rename)].rename(columns=rename)


def load_complaints(path: str | Path, codebook: Codebook, params=None) -> ComplaintsIntake:
    """Read, rename, parse and validate a complaints log."""
    table = read_table(path)
    log = canonical_log(table, codebook)
    valid, rejected = validate_log(
        log, categories=list(codebook.complaints.categories) or None, tz=codebook.complaints.timezone)
    rejected = rejected.assign(file=table.source, row=table.row_number(rejected["row"].to_numpy()))
    rejected = rejected[["file", "row", "column", "value", "reason"]]
    return ComplaintsIntake(log=valid, rejected=rejected, source=table.source, n_read=len(log))


def load_actions(path: str | Path, *, tz: str = "UTC") -> pd.DataFrame:
    """A corrective-action register (CSV/Excel): action_id, department, category, opened, closed, status."""
    table = read_table(path)
    frame = table.frame
    missing = [c for c in ACTION_COLUMNS if c not in frame.columns]
    if missing:
        raise CSMInputError("required column missing", file=table.source, column=missing[0])
    out = frame.copy()
    for col in ("opened", "closed"):
        parsed = pd.to_datetime(out[col], errors="coerce", format="mixed")
        bad = out[col].notna() & parsed.isna()
        if bad.any():
            row = int(table.row_number([int(bad.to_numpy().nonzero()[0][0])])[0])
            raise CSMInputError(f"not a date: '{out.loc[bad, col].iloc[0]}'", file=table.source, row=row, column=col)
        out[col] = parsed.dt.tz_localize(tz) if parsed.dt.tz is None else parsed
    return out
