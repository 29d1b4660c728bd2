"""Reading a complaints log (ISO 10002) and a corrective-action register.

The export's columns are renamed to the canonical names of :mod:`csmlib.stats.complaints` using the
codebook's ``complaints.columns`` map; timestamps are parsed (several formats, naive times in
the codebook's time zone, text in the wave's calendar: :func:`csmlib.core.dates.resolve_calendar`); then
:func:`csmlib.survey.complaint_checks.validate_log` quarantines records with timestamps out of order, an
unknown category or a duplicate id. As for survey responses, a missing file or required column
is one :class:`~csmlib.core.errors.CSMInputError` line, and rejected records are kept and reported,
never dropped silently. The corrective-action register is a short hand-kept list: a bad date
in it is one :class:`~csmlib.core.errors.CSMInputError` line naming the file, row and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from csmlib.survey.complaint_checks import validate_log
from csmlib.survey.codebook import COMPLAINT_REQUIRED, Codebook
from csmlib.survey.responses import RawTable, read_table
from csmlib.core.dates import UNPARSEABLE, check_calendar, resolve_calendar, timestamps_ns
from csmlib.core.errors import CSMInputError

TIMESTAMPS = ("received_at", "acknowledged_at", "closed_at")
ACTION_COLUMNS = ("action_id", "department", "category", "opened", "closed", "status")


@dataclass(frozen=True)
class ComplaintsIntake:
    log: pd.DataFrame  # accepted records, canonical column names
    rejected: pd.DataFrame  # file, row, column, value, reason
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
    from csmlib.survey.codebook import COMPLAINT_FIELDS

    for field in COMPLAINT_FIELDS:  # canonical names used as-is in the export
        if field not in rename.values() and field in frame.columns:
            rename[field] = field
    return frame[list(rename)].rename(columns=rename)


def load_complaints(path: str | Path, codebook: Codebook, params=None) -> ComplaintsIntake:
    """Read, rename, parse and validate a complaints log; text timestamps are read in the
    calendar of the wave file (``params.calendar``) or else of the codebook."""
    table = read_table(path)
    log = canonical_log(table, codebook)
    valid, rejected = validate_log(
        log,
        categories=list(codebook.complaints.categories) or None,
        tz=codebook.complaints.timezone,
        calendar=resolve_calendar(codebook, params),
    )
    rejected = rejected.assign(file=table.source, row=table.row_number(rejected["row"].to_numpy()))
    rejected = rejected[["file", "row", "column", "value", "reason"]]
    return ComplaintsIntake(log=valid, rejected=rejected, source=table.source, n_read=len(log))


def load_actions(path: str | Path, *, tz: str = "UTC", calendar: str = "gregorian") -> pd.DataFrame:
    """A corrective-action register (CSV/Excel): action_id, department, category, opened, closed, status.

    ``opened``/``closed`` are read by :func:`csmlib.core.dates.parse_timestamps` in ``calendar`` (pass
    :func:`csmlib.core.dates.resolve_calendar` of the wave), naive dates at midnight in ``tz``, and
    returned in ``tz`` (a date stays a whole day). Blank cells stay NaT (an open action); the
    first cell not read raises :class:`~csmlib.core.errors.CSMInputError` with file, row, column and
    the reason.
    """
    calendar = check_calendar(calendar)
    table = read_table(path)
    frame = table.frame
    missing = [c for c in ACTION_COLUMNS if c not in frame.columns]
    if missing:
        raise CSMInputError("required column missing", file=table.source, column=missing[0])
    out = frame.copy()
    for col in ("opened", "closed"):
        ns, _, why = timestamps_ns(out[col], calendar=calendar, tz=tz)
        bad = np.flatnonzero(pd.notna(why))
        if bad.size:
            first = int(bad[0])
            row = int(table.row_number([first])[0])
            value = out[col].iat[first]
            message = f"not a date: '{value}'" if why[first] == UNPARSEABLE else f"{why[first]} (cell '{value}')"
            raise CSMInputError(message, file=table.source, row=row, column=col)
        stamps = pd.Series(ns.view("datetime64[ns]"), index=out.index).dt.tz_localize("UTC")
        out[col] = stamps.dt.tz_convert(tz)
    return out
