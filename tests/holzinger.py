"""The Holzinger–Swineford (1939) reference data (lavaan's ``HolzingerSwineford1939``, case C of
reliability.md) and the deterministic derivations the reliability and factor tests share."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).parent / "data" / "holzinger_swineford.csv"
ITEMS = [f"x{i}" for i in range(1, 10)]


def load_items() -> pd.DataFrame:
    """The nine test scores x1–x9 (301 pupils)."""
    return pd.read_csv(DATA, index_col=0)[ITEMS].reset_index(drop=True)


def with_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """Item j is missing on rows r with (r + 5j) mod (11 + j) == 0 (164 complete rows of 301)."""
    out = frame.copy()
    r = np.arange(len(out))
    for j, c in enumerate(out.columns):
        out.loc[((r + 5 * j) % (11 + j)) == 0, c] = np.nan
    return out


def likert(frame: pd.DataFrame) -> pd.DataFrame:
    """Five categories at each item's quintiles."""
    out = {}
    for c in frame.columns:
        q = np.quantile(frame[c], [0.2, 0.4, 0.6, 0.8])
        out[c] = 1 + (frame[c].to_numpy()[:, None] > q).sum(axis=1)
    return pd.DataFrame(out)
