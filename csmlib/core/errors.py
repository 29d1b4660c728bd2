"""The one error type for bad input files, parameters and codebooks.

A :class:`CSMInputError` is a problem the user fixes in a file (a missing column, a broken
YAML, an unreadable export). Its message is one line naming the file (and the row and column
when there is one); the CLI prints it without a traceback and exits with status 2.
Problems with single rows of survey data are *not* errors: those rows are quarantined
(see :mod:`csmlib.survey.responses`).
"""

from __future__ import annotations

from pathlib import Path


class CSMInputError(ValueError):
    """A file-level input problem, reported as one line."""

    def __init__(self, message: str, *, file: str | Path | None = None, row: int | None = None, column: str | None = None):
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        where = []
        if self.file:
            where.append(self.file)
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)
