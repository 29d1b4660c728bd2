"""Argument checks shared by the statistics modules (validate at the boundary).

One home per rule: the confidence level, a choice among named options, a count (a whole number
such as ``n_boot``), survey weights, a weight column given by name and a numeric column. Each raises ``ValueError`` whose message starts with
the calling function's name (``caller``) and names the offending argument or column.

>>> from csmlib.stats.validate import check_choice, check_level
>>> check_level(0.95, "mean_score")
>>> check_level(1.5, "mean_score")
Traceback (most recent call last):
...
ValueError: mean_score: level must be in (0, 1), not 1.5
>>> check_choice("mode", ("mode", "mean"), "rule", "summarize")
>>> check_choice("x", ("a", "b"), "ci", "top_box")
Traceback (most recent call last):
...
ValueError: top_box: ci must be one of ('a', 'b'), not 'x'
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import overload

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

__all__ = ["check_level", "check_choice", "name_list", "check_count", "check_weights", "weight_column", "numeric_column"]


def _prefix(caller: str) -> str:
    return f"{caller}: " if caller else ""


def check_level(level: float, caller: str) -> None:
    """ValueError unless ``level`` is a real number strictly between 0 and 1."""
    if not (isinstance(level, numbers.Real) and 0 < level < 1):
        raise ValueError(f"{_prefix(caller)}level must be in (0, 1), not {level!r}")


def _spelled(choices: Sequence[object]) -> str:
    """'a', 'b' or 'c' (None without quotes)."""
    shown = [repr(c) for c in choices]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"


def check_choice(value: object, choices: Sequence[object], name: str, caller: str = "", *, spelled: bool = False) -> None:
    """ValueError unless ``value`` is one of ``choices``.

    The message reads ``"<caller>: <name> must be one of (<choices>), not <value>"``, or with
    ``spelled=True`` ``"<caller>: <name> must be 'a', 'b' or 'c', not <value>"``.
    """
    if value in choices:
        return
    allowed = _spelled(choices) if spelled else f"one of {tuple(choices)}"
    raise ValueError(f"{_prefix(caller)}{name} must be {allowed}, not {value!r}")


def name_list(value: str | Iterable[str], what: str, caller: str) -> list[str]:
    """``value`` as a non-empty list of names: one name given as a string is a list of one.

    >>> name_list("speed", "drivers", "shapley"), name_list(("a", "b"), "methods", "importance")
    (['speed'], ['a', 'b'])
    >>> name_list([], "drivers", "shapley")
    Traceback (most recent call last):
    ...
    ValueError: shapley: no drivers given
    """
    names = [value] if isinstance(value, str) else list(value)
    if not names:
        raise ValueError(f"{_prefix(caller)}no {what} given")
    return names


def check_count(value: float, name: str, caller: str, *, minimum: int = 0) -> None:
    """ValueError unless ``value`` is a whole number (an integer, or a float without a fraction;
    not a bool) of at least ``minimum``.

    >>> check_count(1000, "n_boot", "importance")
    >>> check_count(-1, "n_boot", "importance")
    Traceback (most recent call last):
    ...
    ValueError: importance: n_boot must be a non-negative integer, not -1
    >>> check_count(50, "n_boot", "nps", minimum=100)
    Traceback (most recent call last):
    ...
    ValueError: nps: n_boot must be an integer ≥ 100, not 50
    """
    whole = (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value == int(value)
        and value >= minimum
    )
    if not whole:
        what = {0: "a non-negative integer", 1: "a positive integer"}.get(minimum, f"an integer ≥ {minimum}")
        raise ValueError(f"{_prefix(caller)}{name} must be {what}, not {value!r}")


def _is_numeric(s: pd.Series | pd.Index) -> bool:
    return pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)


@overload
def check_weights(
    weights: None,
    n: int | None = ...,
    name: str = ...,
    *,
    caller: str = ...,
    allow_zero: bool = ...,
    allow_missing: bool = ...,
) -> None: ...
@overload
def check_weights(
    weights: pd.Series | ArrayLike,
    n: int | None = ...,
    name: str = ...,
    *,
    caller: str = ...,
    allow_zero: bool = ...,
    allow_missing: bool = ...,
) -> np.ndarray: ...
def check_weights(
    weights: pd.Series | ArrayLike | None,
    n: int | None = None,
    name: str = "weights",
    *,
    caller: str = "",
    allow_zero: bool = False,
    allow_missing: bool = False,
) -> np.ndarray | None:
    """Validate survey weights and return them as a new float64 array (``None`` stays ``None``).

    Parameters
    ----------
    weights : array-like or None
        One weight per respondent.
    n : int, optional
        The number of respondents the weights must match.
    name : str
        Name of the weight column, used in error messages.
    caller : str
        Name of the calling function, put in front of the messages.
    allow_zero : bool
        Accept zero weights (the caller leaves those respondents out); negative ones still raise.
    allow_missing : bool
        Accept NaN weights (the caller leaves those respondents out); infinite ones still raise.

    Raises
    ------
    ValueError
        Wrong length, non-numeric values, or any zero, negative, NaN or infinite weight not
        allowed (the message names ``name``, the number of offending rows and the first
        offending position).

    Examples
    --------
    >>> from csmlib.stats.validate import check_weights
    >>> check_weights([1, 2.5, 0.5], 3).tolist()
    [1.0, 2.5, 0.5]
    >>> check_weights([1, 0, 2], 3, name="weight")
    Traceback (most recent call last):
    ...
    ValueError: weight column 'weight': 1 weight(s) are zero or negative (first at position 1); weights must be strictly positive — drop respondents instead of giving them weight 0
    """
    if weights is None:
        return None
    head = f"{_prefix(caller)}weight column '{name}'"
    if isinstance(weights, (pd.Series, pd.Index)):
        raw = weights.to_numpy(dtype=float, na_value=np.nan) if _is_numeric(weights) else None
    else:
        arr = np.asarray(weights)
        raw = arr if arr.dtype.kind in "biuf" else None
    if raw is None:
        try:
            raw = pd.to_numeric(pd.Series(np.asarray(weights, dtype=object).ravel()), errors="raise").to_numpy(
                dtype=float, na_value=np.nan
            )
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{head}: weights must be numeric ({exc})") from None
    shape = np.shape(raw)
    if len(shape) > 1 and sum(d > 1 for d in shape) > 1:
        raise ValueError(f"{head}: weights must be one-dimensional")
    w = np.array(raw, dtype=float).ravel()  # always a fresh, writable copy
    if n is not None and w.shape[0] != n:
        raise ValueError(f"{head}: {w.shape[0]} weights for {n} respondents")
    bad_nan = np.isinf(w) if allow_missing else ~np.isfinite(w)
    if bad_nan.any():
        what = "infinite" if allow_missing else "missing or infinite"
        raise ValueError(f"{head}: {int(bad_nan.sum())} weight(s) are {what} (first at position {int(np.argmax(bad_nan))})")
    if allow_zero:
        bad = w < 0
        if bad.any():
            raise ValueError(f"{head}: {int(bad.sum())} weight(s) are negative (first at position {int(np.argmax(bad))})")
    else:
        bad = w <= 0
        if bad.any():
            raise ValueError(
                f"{head}: {int(bad.sum())} weight(s) are zero or negative "
                f"(first at position {int(np.argmax(bad))}); weights must be "
                "strictly positive — drop respondents instead of giving them weight 0"
            )
    return w


@overload
def weight_column(data: pd.DataFrame, weights: None, caller: str) -> None: ...
@overload
def weight_column(data: pd.DataFrame, weights: str | pd.Series | ArrayLike, caller: str) -> pd.Series | ArrayLike: ...
def weight_column(data: pd.DataFrame, weights: str | pd.Series | ArrayLike | None, caller: str) -> pd.Series | ArrayLike | None:
    """The weights of ``data``: the column named ``weights`` (a str), else ``weights`` itself."""
    if isinstance(weights, str):
        if weights not in data.columns:
            raise ValueError(f"{_prefix(caller)}weight column '{weights}' not in data")
        return data[weights]
    return weights


def numeric_column(frame: pd.DataFrame, name: str, caller: str) -> np.ndarray:
    """Column ``name`` of ``frame`` as a new float64 array (NaN = missing; booleans as 0/1);
    ValueError naming the column when it is not numeric or holds infinite values."""
    col = frame[name]
    if pd.api.types.is_bool_dtype(col):
        return col.astype(float).to_numpy(dtype=float, na_value=np.nan)
    if not pd.api.types.is_numeric_dtype(col):
        raise ValueError(f"{_prefix(caller)}column {name!r} is not numeric (dtype {col.dtype}); recode it to numbers first")
    values = np.array(col.to_numpy(dtype=float, na_value=np.nan), dtype=float)
    if np.isinf(values).any():
        raise ValueError(f"{_prefix(caller)}column {name!r} contains infinite values")
    return values
