"""Small helpers for building the tidy tables the statistics return.

Why :func:`with_columns`: under pandas 3 a frame's column labels are an Arrow-backed string
index, and adding a column one ``frame[name] = values`` at a time copies that index into a
pyarrow array of one more chunk each time: a table of twenty computed columns spent a fifth of
a second on its labels. All the columns at once cost one step.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd


def with_columns(frame: pd.DataFrame, columns: Mapping[str, object]) -> pd.DataFrame:
    """``frame`` with ``columns`` added after its own, in order: what ``frame[name] = value`` for
    each would give (arrays and extension arrays by position, scalars repeated), in one step.

    >>> import numpy as np
    >>> t = with_columns(pd.DataFrame({"n": [3, 4]}, index=["a", "b"]), {"share": np.array([0.5, 0.25]), "rule": "mode"})
    >>> t.columns.tolist(), t.loc["b", "share"], t.loc["a", "rule"]
    (['n', 'share', 'rule'], np.float64(0.25), 'mode')
    """
    clash = [name for name in columns if name in frame.columns]
    if clash:
        raise ValueError(f"with_columns: {clash[0]!r} is already a column")
    if not columns:
        return frame.copy()
    return pd.concat([frame, pd.DataFrame(dict(columns), index=frame.index)], axis=1)
