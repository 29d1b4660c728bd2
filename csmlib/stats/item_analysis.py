"""Item analysis of a scale: the item statistics table and reverse keying, as R psych 2.5.3 / jamovi.

:func:`item_statistics` is psych ``alpha``'s item table with jamovi's ω if item dropped;
:func:`reverse_keying_flags` flags probably reverse-keyed items and :func:`reverse_items` recodes
declared ones on their scale — nothing is ever reversed silently. Part of the α family (rules of
:mod:`csmlib.stats.alpha`); :mod:`csmlib.stats.reliability` re-exports the three functions.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from csmlib.stats.alpha import (
    alpha_coefficients,
    first_principal_component,
    is_singular,
    is_small_sample,
    load_scale,
    singular_reason,
    trusted_n,
)
from csmlib.stats.factor_extraction import extract, smc
from csmlib.stats.omega import omega_from_correlation

__all__ = ["item_statistics", "reverse_items", "reverse_keying_flags"]


# --------------------------------------------------------------------------------------------
# Item statistics
# --------------------------------------------------------------------------------------------


def _item_total_r_missing(X: np.ndarray) -> np.ndarray:
    """cor(x_i, row mean of the available items), pairwise (psych ``raw.r``)."""
    n, k = X.shape
    sums = np.zeros((6, k))  # per item over its present rows: n, Σx, Σx², Σt, Σt², Σxt
    for s in range(0, n, 1 << 15):
        b = X[s : s + (1 << 15)]
        present = ~np.isnan(b)
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(present, b, 0.0).sum(axis=1) / present.sum(axis=1)
        x0 = np.where(present, b, 0.0)
        tp = np.where(present, t[:, None], 0.0)
        sums += np.stack([present.sum(0), x0.sum(0), (x0**2).sum(0), tp.sum(0), (tp**2).sum(0), (x0 * tp).sum(0)])
    cnt, sx, sxx, st, stt, sxt = sums
    cov = sxt - sx * st / cnt
    return cov / np.sqrt((sxx - sx**2 / cnt) * (stt - st**2 / cnt))


def _omega_total_1(R: np.ndarray, start: np.ndarray | None = None) -> float:
    return float(omega_from_correlation(R, 1, [str(i) for i in range(R.shape[0])], start)["omega_total"])


def _item_rest(C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Item-rest correlations (psych ``r.drop``) and the sums Σ C[−i,−i] of the other items."""
    rowsum, diag = C.sum(axis=1), np.diag(C)
    rest_sum = C.sum() - 2 * rowsum + diag
    return (rowsum - diag) / np.sqrt(diag * rest_sum), rest_sum


def item_statistics(items: pd.DataFrame | ArrayLike, *, missing: str = "pairwise") -> pd.DataFrame:
    """Item analysis table (psych ``alpha`` item statistics, jamovi ω-if-dropped).

    Columns (one row per item):

    - ``n``, ``mean``, ``sd`` — valid responses, mean, SD (n − 1) of the observed values;
    - ``item_total_r`` — cor(x_i, row mean of the available items) (psych ``raw.r``);
    - ``item_rest_r`` — (Σ_j C_ij − C_ii)/sqrt(C_ii·Σ_{j,l≠i} C_jl) (psych ``r.drop``);
    - ``std_r`` = Σ_j r_ij/sqrt(ΣR) and ``r_cor`` (same with SMCs on the diagonal) as psych;
    - ``alpha_if_dropped`` / ``std_alpha_if_dropped`` / ``g6_if_dropped`` /
      ``average_r_if_dropped`` — the α formulas on C[−i,−i] and R[−i,−i];
    - ``omega_if_dropped`` — one-factor ω_t of the other items (as :func:`omega`; needs k ≥ 4);
    - ``negative_flag`` — item-rest r < 0: probably reverse-keyed (never reversed silently);
    - ``pc1_negative`` — negative loading on the first principal component (psych's rule);
    - ``raises_alpha`` — dropping the item raises raw α.

    The frame's ``attrs`` hold ``n`` (rows used), ``missing``, ``k``, ``alpha`` and
    ``small_sample`` (:func:`is_small_sample`). With k = 2 the if-dropped statistics are undefined
    (NaN, with a warning). Everything derives from C and R (one pass over the data), except
    ``item_total_r`` with missing values (one more pass).

    Small samples (n ≥ 2 rows suffice): what needs the SMCs or a factor model of a singular
    correlation matrix — ``r_cor`` (R singular), ``g6_if_dropped`` and ``omega_if_dropped``
    (R without the item singular; always when n ≤ k − 1) — is NaN with one warning saying why.

    References: Revelle, psych ``alpha`` (``item.stats``, ``alpha.drop``, 2.5.3); jamovi
    ``jmv::reliability`` (ω if item dropped); McDonald (1999) *Test Theory*.

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.reliability import item_statistics
    >>> df = pd.DataFrame({"q1": [4, 5, 3, 4, 2, 5, 3, 4], "q2": [4, 4, 3, 5, 2, 5, 2, 4],
    ...                    "q3": [3, 5, 2, 4, 3, 4, 3, 5], "q4": [2, 1, 4, 2, 4, 1, 3, 1]})
    >>> table = item_statistics(df)
    >>> table.index[table["negative_flag"]].tolist()
    ['q4']
    """
    data, mom = load_scale(items, missing=missing, caller="item_statistics")
    C, R = mom.C, mom.R
    names = list(data.names)
    k = len(names)
    singular = is_singular(R)
    undefined: list[str] = []  # statistics left NaN because a matrix is singular
    total = alpha_coefficients(C, R, singular)
    rowsum_c = C.sum(axis=1)
    diag_c = np.diag(C)
    sum_c = C.sum()
    item_rest, rest_sum = _item_rest(C)
    if data.has_missing:
        item_total = _item_total_r_missing(data.X)
    else:
        item_total = rowsum_c / np.sqrt(diag_c * sum_c)
    sum_r = R.sum()
    std_r = R.sum(axis=0) / math.sqrt(sum_r)
    nan = np.full(k, np.nan)
    if singular:
        r_cor = nan
        undefined.append("r_cor")
    else:
        rc = R.copy()
        np.fill_diagonal(rc, smc(R))
        r_cor = rc.sum(axis=0) / math.sqrt(rc.sum())
    if k >= 3:
        km = k - 1
        alpha_drop = km / (km - 1) * (1 - (np.trace(C) - diag_c) / rest_sum)
        sum_r_drop = sum_r - 2 * R.sum(axis=1) + 1.0
        std_drop = km / (km - 1) * (1 - km / sum_r_drop)
        av_r_drop = (sum_r_drop - km) / (km * (km - 1))
        g6_drop = np.full(k, np.nan)
        omega_drop = np.full(k, np.nan)
        # warm start of the k one-factor fits: the uniquenesses of the full scale
        psi_full = None if singular else 1.0 - extract(R, 1, "minres").communalities
        sub_singular = []
        for i in range(k):
            keep = [j for j in range(k) if j != i]
            sub = R[np.ix_(keep, keep)]
            if is_singular(sub):
                sub_singular.append(names[i])
                continue
            g6_drop[i] = 1 - (km - smc(sub).sum()) / sub.sum()
            if km >= 3:
                omega_drop[i] = _omega_total_1(sub, None if psi_full is None else psi_full[keep])
        if sub_singular:
            undefined.append(
                "g6_if_dropped"
                + (", omega_if_dropped" if km >= 3 else "")
                + (f" (without {', '.join(sub_singular)})" if len(sub_singular) < k else "")
            )
        if km < 3:
            warnings.warn("item_statistics: ω if dropped needs at least three remaining items", stacklevel=2)
    else:
        warnings.warn("item_statistics: with two items the if-dropped statistics are undefined (NaN)", stacklevel=2)
        alpha_drop = std_drop = av_r_drop = g6_drop = omega_drop = nan
    if undefined:
        why = singular_reason(data.n, k) if singular else "the correlation matrix of the other items is singular"
        warnings.warn(
            f"item_statistics: {why}; {'; '.join(undefined)} need its inverse or a factor model and are NaN", stacklevel=2
        )
    present = ~np.isnan(data.X) if data.has_missing else None
    counts = present.sum(axis=0) if present is not None else np.full(k, data.X.shape[0])
    pc1 = first_principal_component(R)
    table = pd.DataFrame(
        {
            "n": counts.astype(int),
            "mean": mom.means,
            "sd": np.sqrt(diag_c),
            "item_total_r": item_total,
            "item_rest_r": item_rest,
            "std_r": std_r,
            "r_cor": r_cor,
            "alpha_if_dropped": alpha_drop,
            "std_alpha_if_dropped": std_drop,
            "g6_if_dropped": g6_drop,
            "average_r_if_dropped": av_r_drop,
            "omega_if_dropped": omega_drop,
            "negative_flag": item_rest < 0,
            "pc1_negative": pc1 < 0,
            "raises_alpha": np.asarray(alpha_drop) > total["raw"],
        },
        index=pd.Index(names, name="item"),
    )
    table.attrs.update(
        {
            "n": data.n,
            "missing": data.missing,
            "k": k,
            "alpha": float(total["raw"]),
            "dropped_items": list(data.dropped),
            "small_sample": is_small_sample(trusted_n(data, mom), k),
        }
    )
    return table


# --------------------------------------------------------------------------------------------
# Reverse keying
# --------------------------------------------------------------------------------------------


def reverse_items(items: pd.DataFrame, columns: str | Sequence[str], scale_min: float, scale_max: float) -> pd.DataFrame:
    """Return a copy of ``items`` with ``columns`` reverse-keyed on the declared scale.

    x' = (scale_min + scale_max) − x. The declared scale is used — not the observed range and not
    the range of the whole frame (psych ``alpha``'s behaviour, wrong when ranges differ). Values
    outside [scale_min, scale_max] raise ``ValueError`` naming the item. Missing values stay missing.

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.reliability import reverse_items
    >>> reverse_items(pd.DataFrame({"q1": [1, 5, 2], "q2": [1, 2, 3]}), ["q1"], 1, 5)["q1"].tolist()
    [5.0, 1.0, 4.0]
    """
    if not isinstance(items, pd.DataFrame):
        raise TypeError("reverse_items: items must be a DataFrame")
    if isinstance(columns, str):
        columns = [columns]
    if not scale_min < scale_max:
        raise ValueError(f"reverse_items: scale_min ({scale_min}) must be below scale_max ({scale_max})")
    missing_cols = [c for c in columns if c not in items.columns]
    if missing_cols:
        raise ValueError(f"reverse_items: no item(s) named {', '.join(map(str, missing_cols))}")
    out = items.copy()
    for c in columns:
        if not (pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c])):
            raise ValueError(f"reverse_items: item '{c}' is not numeric")
        values = out[c].to_numpy(dtype=float, na_value=np.nan)
        outside = np.isfinite(values) & ((values < scale_min) | (values > scale_max))
        if outside.any():
            raise ValueError(
                f"reverse_items: item '{c}' has values outside the declared scale "
                f"[{scale_min}, {scale_max}] (e.g. {values[outside][0]:g})"
            )
        out[c] = (scale_min + scale_max) - values
    return out


def reverse_keying_flags(items: pd.DataFrame | ArrayLike, *, missing: str = "pairwise") -> pd.DataFrame:
    """Flags for probably reverse-keyed items; nothing is reversed.

    ``item_rest_r`` (psych ``r.drop``) < 0 or a negative loading on the first principal component
    of R (``pc1_loading``; psych's rule since 7/2023) mark an item as ``suspect``.

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.reliability import reverse_keying_flags
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5, 4], "b": [2, 2, 3, 5, 4, 5], "c": [1, 3, 2, 4, 5, 5],
    ...                    "d": [5, 4, 4, 2, 1, 2]})
    >>> reverse_keying_flags(df)["suspect"].tolist()
    [False, False, False, True]
    """
    data, mom = load_scale(items, missing=missing, caller="reverse_keying_flags")
    rest, _ = _item_rest(mom.C)
    pc1 = first_principal_component(mom.R)
    table = pd.DataFrame(
        {"item_rest_r": rest, "pc1_loading": pc1, "negative_item_rest": rest < 0, "negative_pc1": pc1 < 0},
        index=pd.Index(list(data.names), name="item"),
    )
    table["suspect"] = table["negative_item_rest"] | table["negative_pc1"]
    table.attrs.update({"n": data.n, "missing": data.missing})
    return table
