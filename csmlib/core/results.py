"""Machine-readable notebook results: JSON side files (no scrapbook).

Every analysis notebook saves what it found to ``<output_dir>/results/<notebook>.json`` with
:func:`save_results`; later notebooks, later waves (trends) and the summary read them back with
:func:`load_results`. :func:`to_jsonable` turns result dataclasses, pandas and numpy objects
into plain JSON (NaN becomes ``null``; DataFrames become lists of records).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd


def to_jsonable(obj):
    """Convert results to plain JSON types, recursively."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return None if math.isnan(obj) or math.isinf(obj) else float(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, pd.DataFrame):
        frame = obj.reset_index() if not isinstance(obj.index, pd.RangeIndex) else obj
        return [{str(k): to_jsonable(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
    if isinstance(obj, pd.Series):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (pd.Timestamp, dt.datetime, dt.date)):
        return obj.isoformat()
    if isinstance(obj, (pd.Timedelta, dt.timedelta)):
        return pd.Timedelta(obj).total_seconds()
    if obj is pd.NaT or obj is pd.NA:
        return None
    if isinstance(obj, Path):
        return str(obj)
    return str(obj)


def sha256_file(path) -> str | None:
    """Content hash of a file (``None`` when there is no such file): the cache and manifest keys."""
    import hashlib

    if path is None or not Path(path).is_file():
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def results_path(output_dir: str | Path, notebook: str) -> Path:
    return Path(output_dir) / "results" / f"{Path(notebook).stem}.json"


def save_results(output_dir: str | Path, notebook: str, payload: dict) -> Path:
    """Write ``payload`` as the JSON side file of ``notebook`` and return its path."""
    path = results_path(output_dir, notebook)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(to_jsonable(payload), ensure_ascii=False, indent=1, allow_nan=False)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def load_results(output_dir: str | Path, notebook: str) -> dict | None:
    """The saved results of ``notebook`` in ``output_dir``, or ``None`` when there are none."""
    path = results_path(output_dir, notebook)
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _number_or_null(value) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def frame(payload: dict | None, key: str, index: str | None = None) -> pd.DataFrame | None:
    """A table saved by :func:`save_results` back as a DataFrame (``None`` when absent).

    With ``index``, the table indexed by that column, and ``None`` also when the saved table is
    empty (a survey without those indicators saves an empty list, which has no columns).

    >>> frame({"t": [{"metric": "nps", "estimate": 20.0}]}, "t", index="metric").loc["nps", "estimate"]
    np.float64(20.0)
    >>> frame({"t": []}, "t", index="metric") is None
    True

    JSON has no NaN (:func:`to_jsonable` writes ``null``), so a numeric column that was all NaN —
    a first wave's expected counts, with no earlier wave — comes back as NaN, not ``None``:

    >>> frame({"t": [{"category": "late", "expected": None}]}, "t")["expected"].dtype
    dtype('float64')
    """
    if not payload or payload.get(key) is None:
        return None
    table = pd.DataFrame(payload[key])
    for column in table.columns:
        if table[column].dtype == object and all(_number_or_null(v) for v in table[column]):
            table[column] = pd.to_numeric(table[column]).astype(float)
    if index is None:
        return table
    return table.set_index(index) if index in table.columns and len(table) else None
