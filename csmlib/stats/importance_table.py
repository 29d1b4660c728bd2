"""The importance table of a key-driver analysis, and the choice of its methods by problem size.

:func:`importance` runs several importance methods on one set of rows (linear, or logistic for a
binary outcome), with bootstrap percentile intervals, ranks and the significance of each relative
weight against a random variable; :func:`choose_methods` and :func:`shapley_limit` keep the exact
all-subsets methods to the problem sizes where they take seconds. :func:`merge_importance` joins
tables of the same rows computed separately, and :func:`importance_shares` gives one method's
shares with its intervals as shares of the explained variance (what the reports show). The methods themselves are in
:mod:`csmlib.stats.linear_importance`, :mod:`csmlib.stats.relative_weights` and
:mod:`csmlib.stats.logistic`. Conventions: :mod:`csmlib.stats.drivers`; method note ``drivers.md``
§6 and §10.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from csmlib.stats import subsets as _subsets
from csmlib.stats.driver_inputs import prepare_drivers, standardized_beta
from csmlib.stats.linear_importance import linear_metric, simple_metric
from csmlib.stats.logistic import (
    PSEUDO_R2_FITS,
    logistic_relative_weights,
    pseudo_r2,
    standardized,
    subset_loglik,
    subset_pseudo_r2,
)
from csmlib.stats.relative_weights import johnson_weights
from csmlib.stats.resampled_correlations import (
    bootstrap_corr,
    bootstrap_counts,
    products_fit_at_once,
    streamed_bootstrap_corr,
)
from csmlib.stats.validate import check_choice, check_count, check_level, name_list

__all__ = [
    "importance",
    "MethodChoice",
    "choose_methods",
    "shapley_limit",
    "SHAPLEY_MAX_DRIVERS",
    "bootstrap_counts",
    "bootstrap_corr",
    "merge_importance",
    "importance_shares",
]

_LINEAR_METHODS = ("shapley", "relative_weights", "first", "last", "beta_squared", "pratt")
_BINARY_METHODS = ("shapley", "relative_weights", "first", "last")
#: Most drivers the exact Shapley engine accepts at all (2^25 subsets: a few seconds).
SHAPLEY_MAX_DRIVERS = 25
# choose_methods: budget calibration (the timings are in shapley_limit's docstring)
_AUTO_BASE = {False: 15, True: 6}  # drivers within budget at n_boot = 1000 (linear / logistic)
_AUTO_POINT = {False: SHAPLEY_MAX_DRIVERS, True: 14}  # without bootstrap (logistic: dominance's)
_AUTO_BOOT = 1000
_SUBSET_METHODS = {False: ("shapley",), True: ("shapley", "first", "last")}


# --------------------------------------------------------------------------------------------
# importance(): several methods, bootstrap CIs, significance against a random variable
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MethodChoice:
    """Importance methods for k drivers (:func:`choose_methods`)."""

    methods: tuple[str, ...]  # pass to importance(methods=...)
    replaced: bool  # an all-subsets method (Shapley …) was asked for but left out
    dropped: tuple[str, ...]  # the methods left out
    k: int  # number of drivers
    limit: int  # most drivers for which the all-subsets methods are used
    note: str  # for the report ("" when nothing was replaced)
    note_fa: str  # the same in Persian


def shapley_limit(*, n_boot: int = 1000, binary: bool = False) -> int:
    """Most drivers for which :func:`choose_methods` keeps exact Shapley (all-subsets) methods.

    The cost of :func:`importance` with Shapley is about (n_boot + 1)·2^k subset fits, doubling
    with every driver. Calibration (250 rows, one core of the development machine, numpy 2):
    linear, 1000 resamples: 14 drivers 2.8 s, 15 drivers 4.7 s, 16 drivers 11 s, 18 drivers 28 s,
    20 drivers > 2 min; the point estimate alone takes 0.08 s at 20 and a few seconds at 25.
    Logistic (binary outcome, one logistic fit per subset): 1000 resamples: 6 drivers 11 s,
    8 drivers 45 s; point estimate 1.3 s at 12 drivers.

    Rule: with a bootstrap, the largest k with n_boot·2^k ≤ 1000·2^15 (linear) or 1000·2^6
    (logistic), i.e. k = 15 (6) + ⌊log2(1000/n_boot)⌋, so that a report's importance table takes
    about five seconds; without (n_boot = 0) the engine limit, 25 drivers
    (:data:`SHAPLEY_MAX_DRIVERS`), or 14 for logistic models (the default of :func:`csmlib.stats.dominance.dominance`).
    Never above 25 nor below 1.

    Examples
    --------
    >>> from csmlib.stats.importance_table import shapley_limit
    >>> shapley_limit(), shapley_limit(n_boot=200), shapley_limit(n_boot=0)
    (15, 17, 25)
    >>> shapley_limit(binary=True), shapley_limit(n_boot=0, binary=True)
    (6, 14)
    """
    binary = bool(binary)
    check_count(n_boot, "n_boot", "shapley_limit")
    if n_boot == 0:
        return _AUTO_POINT[binary]
    k = _AUTO_BASE[binary] + int(np.floor(np.log2(_AUTO_BOOT / n_boot)))
    return int(min(max(k, 1), _AUTO_POINT[binary]))


def choose_methods(k: int, requested: str | Sequence[str] = "auto", *, n_boot: int = 1000, binary: bool = False) -> MethodChoice:
    """The importance methods to run for k drivers, and a note when Shapley had to go.

    ``requested="auto"``: exact Shapley (LMG; logistic general dominance for a binary outcome)
    and relative weights when k ≤ :func:`shapley_limit` (``n_boot``, ``binary``), relative weights
    alone above it. A requested tuple is kept as given when k is within the limit; above it the
    all-subsets methods (``"shapley"``, and for a binary outcome ``"first"``/``"last"``, which
    need every logistic subset model too) are left out and ``"relative_weights"`` is added if
    absent. Relative weights are an approximation of the Shapley shares that needs one
    eigen-decomposition for any k (Johnson 2000; LeBreton, Ployhart & Ladd 2004 found the two
    nearly identical), so the report loses little; ``note`` says what was done.

    Calling :func:`importance` with ``methods=choice.methods`` never fails because k is large.

    References: Johnson (2000) *Multivariate Behav. Res.* 35:1–19; LeBreton, Ployhart & Ladd
    (2004) *Organ. Res. Methods* 7:258–282; Grömping (2006) *J. Stat. Softw.* 17(1).

    Examples
    --------
    >>> from csmlib.stats.importance_table import choose_methods
    >>> choose_methods(8).methods
    ('shapley', 'relative_weights')
    >>> c = choose_methods(27)
    >>> c.methods, c.replaced
    (('relative_weights',), True)
    >>> print(c.note)  # doctest: +NORMALIZE_WHITESPACE
    With 27 drivers, relative weights replace Shapley values: exact Shapley values need all 2^27
    driver subsets (and again for each of the 1,000 bootstrap resamples), which takes seconds
    only up to 15 drivers. Relative weights give nearly the same shares.
    """
    check_count(k, "k (the number of drivers)", "choose_methods", minimum=1)
    k = int(k)
    binary = bool(binary)
    allowed = _BINARY_METHODS if binary else _LINEAR_METHODS
    wanted: tuple[str, ...]
    if isinstance(requested, str) and requested == "auto":
        wanted = ("shapley", "relative_weights")
    else:
        wanted = (requested,) if isinstance(requested, str) else tuple(requested)
        if not wanted:
            raise ValueError("choose_methods: no methods requested")
        unknown = [m for m in wanted if m not in allowed]
        if unknown:
            raise ValueError(
                f"choose_methods: unknown method(s) {unknown}"
                + (" for a binary outcome" if binary else "")
                + f"; choose from {allowed}"
            )
        wanted = tuple(dict.fromkeys(wanted))
    limit = shapley_limit(n_boot=n_boot, binary=binary)
    heavy = _SUBSET_METHODS[binary]
    dropped = tuple(m for m in wanted if m in heavy) if k > limit else ()
    methods = tuple(m for m in wanted if m not in dropped)
    if dropped and "relative_weights" not in methods:
        methods = ("relative_weights",) + methods
    note = note_fa = ""
    if dropped:
        boot = f" (and again for each of the {n_boot:,} bootstrap resamples)" if n_boot else ""
        what = "Shapley values" if dropped == ("shapley",) else "Shapley values (general dominance) and the first/last pseudo-R²"
        model = "logistic model" if binary else "driver subset"
        note = (
            f"With {k} drivers, relative weights replace {what}: exact Shapley values need "
            f"all 2^{k} {model}s{boot}, which takes seconds only up to {limit} drivers. "
            "Relative weights give nearly the same shares."
        )
        from csmlib.core.text import localize

        def fa(x, spec="d"):
            return localize(format(x, spec), "fa")

        what_fa = "مقادیر شپلی" if dropped == ("shapley",) else "مقادیر شپلی (چیرگی عمومی) و شبه‌ضریب تعیین اول/آخر"
        boot_fa = f" (و دوباره برای هر یک از {fa(n_boot, ',d')} نمونه بوت‌استرپ)" if n_boot else ""
        note_fa = (
            f"با {fa(k)} محرک، وزن‌های نسبی به جای {what_fa} به کار رفته‌اند: مقادیر دقیق "
            f"شپلی به همه {fa(2)}^{fa(k)} زیرمجموعه محرک‌ها نیاز دارند{boot_fa}، که فقط "
            f"تا {fa(limit)} محرک در چند ثانیه انجام می‌شود. وزن‌های نسبی سهم‌هایی تقریباً "
            "برابر می‌دهند."
        )
    return MethodChoice(methods=methods, replaced=bool(dropped), dropped=dropped, k=k, limit=limit, note=note, note_fa=note_fa)


def importance(
    data: pd.DataFrame,
    outcome: str,
    drivers: str | Sequence[str] | None = None,
    *,
    methods: str | Sequence[str] = ("shapley", "relative_weights"),
    weights: str | pd.Series | ArrayLike | None = None,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int | None = None,
    missing: str = "listwise",
    binary: bool | None = None,
    fit: str = "mcfadden",
) -> pd.DataFrame:
    """Importance table: each method's raw and normalised shares, bootstrap CIs, rank, and the
    significance of each relative weight against a random variable.

    - ``raw``: the method's value (fraction of var y, or pseudo-R² for binary outcomes);
      ``normalized`` = raw / Σ raw (relaimpo ``rela=TRUE``, as a fraction).
    - ``ci_low``, ``ci_high``: bootstrap percentile interval of ``raw`` at ``level``, from
      ``n_boot`` case resamples (weights are carried along); resamples share the draws across
      methods. ``n_boot=0`` skips the bootstrap (NaN intervals).
    - ``rank``: 1 = most important within the method (ties get the lowest rank).
    - ``p_value``, ``significant`` (relative weights only): Tonidandel, LeBreton & Johnson (2009):
      an N(0, 1) random variable is added to the drivers and d_j = RW_j − RW_random is
      bootstrapped (a fresh random variable in every resample, so that the verdict does not hinge
      on one draw); ``significant`` iff the percentile CI of d_j at ``level`` excludes 0 (is above
      it); ``p_value`` = min(1, 2·min(P*(d ≤ 0), P*(d ≥ 0))) over the resamples.
    - Binary outcome (two distinct values; auto-detected when ``binary=None``): ``shapley`` is
      general dominance on the ``fit`` pseudo-R² of logistic models (McFadden by default),
      ``relative_weights`` the logistic relative weights of R ``rwa_logit``; ``first`` and
      ``last`` the pseudo-R² of the one-driver model and its loss when dropped from the full one.

    ``methods="auto"``: the methods :func:`choose_methods` picks for the number of drivers, the
    bootstrap size and the outcome type (exact Shapley and relative weights while that is fast,
    relative weights alone above); ``attrs["methods_note"]`` (and ``"methods_note_fa"``) then
    says, for the report, when Shapley was replaced ("" otherwise). Explicitly requested
    ``"shapley"`` above :data:`SHAPLEY_MAX_DRIVERS` drivers is refused.

    Columns: method, driver, raw, normalized, ci_low, ci_high, rank, p_value, significant.
    ``attrs``: r2 (linear R², or the pseudo-R² of the full logistic model), r2_by_method, n,
    n_eff, n_boot, level, seed, missing, binary, fit, methods, methods_note, methods_note_fa.

    References
    ----------
    Grömping (2006) relaimpo ``boot.relimp``/``booteval.relimp``; Tonidandel, LeBreton & Johnson
    (2009) *Psychol. Methods* 14:387–399; Tonidandel & LeBreton (2010, 2015).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csmlib.stats.importance_table import importance
    >>> rng = np.random.default_rng(3)
    >>> df = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    >>> df["y"] = df.a + 0.5 * df.b + rng.normal(size=300)
    >>> t = importance(df, "y", n_boot=200, seed=1)
    >>> t.loc[t.method == "shapley", "driver"].iloc[0], list(t.columns)[:4]
    ('a', ['method', 'driver', 'raw', 'normalized'])
    """
    caller = "importance"
    auto = isinstance(methods, str) and methods == "auto"
    if auto:
        methods = ("relative_weights",)  # validated below; chosen once k is known
    methods = tuple(name_list(methods, "methods", caller))
    unknown = [m for m in methods if m not in _LINEAR_METHODS]
    if unknown:
        raise ValueError(f"{caller}: unknown method(s) {unknown}; choose from {_LINEAR_METHODS}")
    check_level(level, caller)
    check_count(n_boot, "n_boot", caller)
    n_boot = int(n_boot)
    check_choice(fit, PSEUDO_R2_FITS, "fit", caller)
    if binary is None:
        if not isinstance(data, pd.DataFrame) or outcome not in getattr(data, "columns", []):
            binary = False
        else:
            col = data[outcome]
            binary = (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)) and col.dropna().nunique() == 2
    if binary and not auto:
        bad = [m for m in methods if m not in _BINARY_METHODS]
        if bad:
            raise ValueError(
                f"{caller}: method(s) {bad} are not defined for the binary outcome {outcome!r}; use {_BINARY_METHODS}"
            )
    prep = prepare_drivers(
        data,
        outcome,
        drivers,
        corr=None,
        weights=weights,
        missing="listwise" if binary else missing,
        n=None,
        caller=caller,
        need_rows=n_boot > 0 or binary,
        binary=binary,
    )
    if missing == "pairwise" and n_boot > 0 and not binary:
        raise ValueError(f"{caller}: the bootstrap needs missing='listwise' (complete rows)")
    choice = None
    if auto:
        choice = choose_methods(len(prep.drivers), n_boot=n_boot, binary=bool(binary))
        methods = choice.methods
    if "shapley" in methods and len(prep.drivers) > SHAPLEY_MAX_DRIVERS:
        raise ValueError(
            f"{caller}: {len(prep.drivers)} drivers exceed the "
            f"{SHAPLEY_MAX_DRIVERS} of exact Shapley; use "
            "methods=('relative_weights',) or choose_methods()"
        )
    rng = np.random.default_rng(seed)
    p = len(prep.drivers)
    if binary:
        point, r2_by, boot, diff, r2_full = _importance_binary(prep, methods, n_boot, rng, fit)
    else:
        point, r2_by, boot, diff, r2_full = _importance_linear(prep, methods, n_boot, rng)
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    rows = []
    for m in methods:
        raw = point[m]
        total = raw.sum()
        norm = raw / total if total != 0 else np.full(p, np.nan)
        rank = stats.rankdata(-raw, method="min").astype(int)
        if n_boot > 0:
            lo, hi = np.quantile(boot[m], [lo_q, hi_q], axis=0)
        else:
            lo = hi = np.full(p, np.nan)
        pv = np.full(p, np.nan)
        sig = [pd.NA] * p
        if m == "relative_weights" and n_boot > 0:
            d = diff
            pv = np.minimum(1.0, 2 * np.minimum((d <= 0).mean(axis=0), (d >= 0).mean(axis=0)))
            dlo = np.quantile(d, lo_q, axis=0)
            sig = list(dlo > 0)
        for j, name in enumerate(prep.drivers):
            rows.append(
                {
                    "method": m,
                    "driver": name,
                    "raw": float(raw[j]),
                    "normalized": float(norm[j]),
                    "ci_low": float(lo[j]),
                    "ci_high": float(hi[j]),
                    "rank": int(rank[j]),
                    "p_value": float(pv[j]),
                    "significant": sig[j],
                }
            )
    out = pd.DataFrame(rows)
    out["significant"] = out["significant"].astype("boolean")
    out = out.sort_values(
        ["method", "rank"], key=lambda s: s.map({m: i for i, m in enumerate(methods)}) if s.name == "method" else s, kind="stable"
    ).reset_index(drop=True)
    out.attrs.update(
        {
            "r2": float(r2_full),
            "r2_by_method": r2_by,
            "n": prep.n,
            "n_eff": prep.n_eff,
            "n_boot": n_boot,
            "level": level,
            "seed": seed,
            "missing": prep.missing,
            "binary": bool(binary),
            "fit": fit if binary else "r2",
            "outcome": prep.outcome,
            "methods": methods,
            "methods_note": choice.note if choice is not None else "",
            "methods_note_fa": choice.note_fa if choice is not None else "",
        }
    )
    return out


def merge_importance(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Importance tables of the same rows, computed separately, as one table.

    A report may bootstrap Shapley values with fewer resamples than relative weights (or not at
    all) and so call :func:`importance` once per method. The parts must have been computed on the
    same rows — same outcome, ``n`` and full-model ``r2`` (to 1e-9) — and name each method once.
    Rows are the parts' rows in order; ``attrs`` are those of the last part, with ``methods`` (all,
    in order), ``r2_by_method`` (merged), ``n_boot_by_method`` and ``n_boot`` (the largest).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csmlib.stats.importance_table import importance, merge_importance
    >>> rng = np.random.default_rng(3)
    >>> df = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    >>> df["y"] = df.a + 0.5 * df.b + rng.normal(size=200)
    >>> sv = importance(df, "y", methods="shapley", n_boot=0)
    >>> rw = importance(df, "y", methods="relative_weights", n_boot=50, seed=1)
    >>> both = merge_importance([sv, rw])
    >>> both.attrs["methods"], both.attrs["n_boot_by_method"]
    (('shapley', 'relative_weights'), {'shapley': 0, 'relative_weights': 50})
    """
    caller = "merge_importance"
    if not parts:
        raise ValueError(f"{caller}: no tables given")
    first = parts[0].attrs
    methods: list[str] = []
    n_boot: dict[str, int] = {}
    r2_by: dict = {}
    for part in parts:
        a = part.attrs
        if a.get("outcome") != first.get("outcome") or a.get("n") != first.get("n") or abs(a["r2"] - first["r2"]) > 1e-9:
            raise ValueError(f"{caller}: the tables were computed on different rows or outcomes (outcome, n or R² differ)")
        for m in dict.fromkeys(part["method"]):
            if m in methods:
                raise ValueError(f"{caller}: method {m!r} is in two tables")
            methods.append(m)
            n_boot[m] = int(a.get("n_boot", 0))
        r2_by.update(a.get("r2_by_method", {}))
    out = pd.concat(list(parts), ignore_index=True)
    out.attrs = {
        **parts[-1].attrs,
        "methods": tuple(methods),
        "r2_by_method": r2_by,
        "n_boot_by_method": n_boot,
        "n_boot": max(n_boot.values()),
    }
    return out


def importance_shares(table: pd.DataFrame, method: str, *, r2: float | None = None, intervals: str | None = None) -> pd.DataFrame:
    """One method's shares of the explained variance, with their intervals on the same scale.

    ``share`` = the method's ``normalized`` value (raw / Σ raw) and ``rank`` as :func:`importance`
    gives them; ``ci_low``, ``ci_high`` = the bootstrap percentile interval of the raw value
    divided by the full-model R² (``r2``, default ``table.attrs["r2"]``): Shapley values and
    relative weights sum to R², so raw/R² is the share and the interval rescales with it.
    The interval is that of ``intervals`` (a method of the table); by default ``method``'s own
    when it was bootstrapped, else the relative weights' (which agree closely with Shapley values,
    Johnson 2000), else NaN — ``attrs["interval_method"]`` says which (None for NaN).

    Returns a DataFrame indexed by driver in rank order: share, rank, ci_low, ci_high (0–1),
    p_value, significant; ``attrs``: method, interval_method, r2.

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.importance_table import importance_shares
    >>> t = pd.DataFrame({"method": ["shapley"] * 2 + ["relative_weights"] * 2, "driver": ["a", "b"] * 2,
    ...                   "raw": [0.3, 0.1, 0.29, 0.11], "normalized": [0.75, 0.25, 0.725, 0.275],
    ...                   "ci_low": [None, None, 0.2, 0.06], "ci_high": [None, None, 0.36, 0.16],
    ...                   "rank": [1, 2, 1, 2], "p_value": None, "significant": None})
    >>> s = importance_shares(t, "shapley", r2=0.4)
    >>> s.round(3)[["share", "rank", "ci_low", "ci_high"]].values.tolist(), s.attrs["interval_method"]
    ([[0.75, 1.0, 0.5, 0.9], [0.25, 2.0, 0.15, 0.4]], 'relative_weights')
    """
    caller = "importance_shares"
    r2 = float(table.attrs["r2"] if r2 is None else r2)
    known = list(dict.fromkeys(table["method"]))
    if method not in known or (intervals is not None and intervals not in known):
        raise ValueError(f"{caller}: method {method if method not in known else intervals!r} not in the table ({known})")
    rows = table[table["method"] == method].set_index("driver")

    def bounds(m: str) -> pd.DataFrame:
        return table[table["method"] == m].set_index("driver")[["ci_low", "ci_high"]].astype(float).reindex(rows.index)

    if intervals is None:
        have = [m for m in (method, "relative_weights") if m in known and np.isfinite(bounds(m).to_numpy()).all()]
        intervals = have[0] if have else None
    ci = (
        bounds(intervals) / r2 if intervals is not None else pd.DataFrame(np.nan, index=rows.index, columns=["ci_low", "ci_high"])
    )
    out = pd.DataFrame(
        {
            "share": rows["normalized"].astype(float),
            "rank": rows["rank"].astype(int),
            "ci_low": ci["ci_low"],
            "ci_high": ci["ci_high"],
            "p_value": pd.to_numeric(rows["p_value"], errors="coerce").astype(float),
            "significant": rows["significant"].astype("boolean"),
        },
        index=rows.index,
    ).sort_values("rank", kind="stable")
    out.attrs.update({"method": method, "interval_method": intervals, "r2": r2})
    return out


def _importance_linear(prep, methods, n_boot, rng):
    point = {m: linear_metric(m, prep.R) for m in methods}
    _, r2 = standardized_beta(prep.R)
    r2_by = {m: (float(point[m].sum()) if m in ("shapley", "relative_weights", "pratt") else r2) for m in methods}
    boot, diff = {}, None
    if n_boot == 0:
        return point, r2_by, boot, diff, r2
    p = len(prep.drivers)
    X, w = prep.X, prep.w
    n = X.shape[0]
    want_rw = "relative_weights" in methods
    mu = X.mean(axis=0)
    sd = X.std(axis=0)
    Z = (X - mu) / sd  # [x..., y], standardized for stability
    k = Z.shape[1] + (1 if want_rw else 0)
    boot = {m: np.empty((n_boot, p)) for m in methods}
    diff = np.empty((n_boot, p)) if want_rw else None
    main = list(range(p)) + [k - 1]
    # resamples per batch: ~40M cells of weights, and for Shapley ~4M subset R² (2^p per resample)
    subsets_cap = int(2**22 // (1 << p)) if "shapley" in methods else n_boot
    # a large wave: every resample's correlations in one pass over the rows (resampled_correlations)
    streamed = None if products_fit_at_once(n, Z.shape[1]) else streamed_bootstrap_corr(Z, n_boot, rng, w, want_rw)
    chunk = max(1, min(n_boot, subsets_cap, n_boot if streamed is not None else int(4e7 // n)))
    for a in range(0, n_boot, chunk):
        b = min(n_boot, a + chunk) - a
        if streamed is not None:
            Rb = streamed[a : a + b]
        else:
            Wb = bootstrap_counts(rng, n, b)
            if w is not None:
                Wb *= w
            Rb = bootstrap_corr(Z, Wb, rng.standard_normal((b, n)) if want_rw else None)
        Rm = Rb[:, main][:, :, main]
        for m in methods:
            if m == "shapley":
                r2s = _subsets.subset_r2_batch(_subsets.pack(Rm), p + 1)
                boot[m][a : a + b] = _subsets.shapley_from_r2(r2s, p).T
            elif m == "relative_weights":
                boot[m][a : a + b] = johnson_weights(Rm)
                aug = johnson_weights(Rb)  # drivers + random variable
                diff[a : a + b] = aug[:, :p] - aug[:, p : p + 1]
            else:
                boot[m][a : a + b] = simple_metric(m, Rm)
    return point, r2_by, boot, diff, r2


def _binary_metrics(X, y, w, methods, fit, caller, with_noise=None):
    p = X.shape[1]
    out = {}
    need_subsets = any(m in methods for m in ("shapley", "first", "last"))
    r2 = None
    if need_subsets:
        r2 = subset_pseudo_r2(X, y, w, fit, caller)
        if "shapley" in methods:
            out["shapley"] = _subsets.shapley_from_r2(r2, p)
        if "first" in methods:
            out["first"] = r2[1 << np.arange(p)]
        if "last" in methods:
            full = (1 << p) - 1
            out["last"] = r2[full] - r2[full ^ (1 << np.arange(p))]
    if "relative_weights" in methods:
        out["relative_weights"], out["_rw_r2"] = logistic_relative_weights(X, y, w)
        if with_noise is not None:
            aug, _ = logistic_relative_weights(np.column_stack([X, with_noise]), y, w)
            out["_diff"] = aug[:p] - aug[p]
    out["_r2"] = None if r2 is None else float(r2[-1])
    return out


def _importance_binary(prep, methods, n_boot, rng, fit):
    p = len(prep.drivers)
    X, y, w = prep.X[:, :p], prep.X[:, p], prep.w
    n = X.shape[0]
    pt = _binary_metrics(X, y, w, methods, fit, "importance")
    point = {m: pt[m] for m in methods}
    if pt["_r2"] is not None:
        r2_full = pt["_r2"]
    else:
        full, ll0, _ = subset_loglik(standardized(X, w), y, np.ones(n) if w is None else w * n / w.sum(), [(1 << p) - 1])
        r2_full = float(pseudo_r2(full, ll0, n, fit)[0])
    r2_by = {m: (float(pt["_rw_r2"]) if m == "relative_weights" else r2_full) for m in methods}
    boot, diff = {}, None
    if n_boot == 0:
        return point, r2_by, boot, diff, r2_full
    want_rw = "relative_weights" in methods
    boot = {m: np.empty((n_boot, p)) for m in methods}
    diff = np.empty((n_boot, p)) if want_rw else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for b in range(n_boot):
            cw = bootstrap_counts(rng, n, 1)[0]
            noise = rng.standard_normal(n) if want_rw else None
            if w is not None:
                cw = cw * w
            keep = cw > 0
            yb = y[keep]
            if yb.min() == yb.max():  # one class only: nothing identifiable
                for m in methods:
                    boot[m][b] = np.nan
                if diff is not None:
                    diff[b] = np.nan
                continue
            res = _binary_metrics(
                X[keep], yb, cw[keep], methods, fit, "importance", with_noise=None if noise is None else noise[keep]
            )
            for m in methods:
                boot[m][b] = res[m]
            if diff is not None:
                diff[b] = res["_diff"]
    ok = ~np.isnan(next(iter(boot.values()))[:, 0])
    boot = {m: v[ok] for m, v in boot.items()}
    diff = None if diff is None else diff[ok]
    return point, r2_by, boot, diff, r2_full
