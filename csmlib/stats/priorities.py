"""Improvement priorities: the two classic action charts of satisfaction research.

:func:`ipa` places each characteristic in an importance–performance quadrant (Martilla & James
1977), importance usually being its share from :func:`csmlib.stats.drivers.importance`;
:func:`penalty_reward` contrasts the penalty of a low rating with the reward of a high one
(three-factor theory: basic, performance and excitement factors; Mikulić & Prebežac 2008).
Conventions (missing data, weights, column checks) are those of :mod:`csmlib.stats.drivers`; method note
``drivers.md``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from csmlib.stats.driver_inputs import driver_names, driver_weights
from csmlib.stats.inference import ADJUST_METHODS, adjust_pvalues
from csmlib.stats.validate import check_choice, numeric_column

__all__ = ["ipa", "penalty_reward", "scale_bands", "QUADRANTS", "FACTOR_CLASSES"]

QUADRANTS = ("concentrate here", "keep up the good work", "low priority", "possible overkill")
FACTOR_CLASSES = ("basic", "performance", "excitement", "low impact", "not enough answers")


# --------------------------------------------------------------------------------------------
# Importance–performance analysis
# --------------------------------------------------------------------------------------------


def ipa(
    performance: pd.Series | Mapping[str, float],
    importance: pd.Series | Mapping[str, float],
    *,
    split: str | tuple = "mean",
    scale: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Importance–performance analysis (Martilla & James 1977): a quadrant per characteristic.

    The cross-hairs are at the ``split`` of each axis: ``"mean"`` or ``"median"`` of the items'
    values, or ``"midpoint"``: the middle of the rating ``scale`` (low, high) for performance and
    the middle of the observed importance range for importance; or an explicit
    ``(performance_cut, importance_cut)`` tuple. An item on a cross-hair counts as high.

    - high importance, low performance → "concentrate here"
    - high importance, high performance → "keep up the good work"
    - low importance, low performance → "low priority"
    - low importance, high performance → "possible overkill"

    Parameters
    ----------
    performance : Series (or mapping)
        Mean rating (or top-box share) per item.
    importance : Series (or mapping)
        Importance per item (e.g. Shapley shares), same items.
    split : {"mean", "median", "midpoint"} or tuple
    scale : tuple (low, high), optional
        The rating scale, required for ``split="midpoint"``.

    Returns
    -------
    DataFrame indexed by item: performance, importance, quadrant; ``attrs`` performance_cut,
    importance_cut, split.

    Examples
    --------
    >>> import pandas as pd
    >>> from csmlib.stats.priorities import ipa
    >>> perf = pd.Series({"price": 3.1, "speed": 4.2, "staff": 4.5, "app": 2.9})
    >>> imp = pd.Series({"price": 0.30, "speed": 0.25, "staff": 0.05, "app": 0.08})
    >>> ipa(perf, imp)["quadrant"].to_dict()["price"]
    'concentrate here'
    """
    perf = pd.Series(performance, dtype=float) if not isinstance(performance, pd.Series) else performance.astype(float)
    imp = pd.Series(importance, dtype=float) if not isinstance(importance, pd.Series) else importance.astype(float)
    only_p = [str(i) for i in perf.index if i not in imp.index]
    only_i = [str(i) for i in imp.index if i not in perf.index]
    if only_p or only_i:
        raise ValueError(
            "ipa: performance and importance must cover the same items; "
            + (f"no importance for {', '.join(only_p)}" if only_p else "")
            + ("; " if only_p and only_i else "")
            + (f"no performance for {', '.join(only_i)}" if only_i else "")
        )
    imp = imp.loc[perf.index]
    bad = [str(i) for i in perf.index if not (np.isfinite(perf[i]) and np.isfinite(imp[i]))]
    if bad:
        raise ValueError(f"ipa: missing or infinite values for {', '.join(bad)}")
    if len(perf) == 0:
        raise ValueError("ipa: no items")
    if isinstance(split, tuple):
        if len(split) != 2:
            raise ValueError("ipa: split tuple must be (performance_cut, importance_cut)")
        pc, ic = map(float, split)
        mode = "explicit"
    elif split == "mean":
        pc, ic, mode = perf.mean(), imp.mean(), split
    elif split == "median":
        pc, ic, mode = perf.median(), imp.median(), split
    elif split == "midpoint":
        if scale is None or len(scale) != 2:
            raise ValueError("ipa: split='midpoint' needs scale=(low, high) of the rating scale")
        pc = (float(scale[0]) + float(scale[1])) / 2
        ic = (imp.min() + imp.max()) / 2
        mode = split
    else:
        raise ValueError(f"ipa: split must be 'mean', 'median', 'midpoint' or a tuple, not {split!r}")
    hi_i, hi_p = imp >= ic, perf >= pc
    quad = np.where(
        hi_i & ~hi_p, QUADRANTS[0], np.where(hi_i & hi_p, QUADRANTS[1], np.where(~hi_i & ~hi_p, QUADRANTS[2], QUADRANTS[3]))
    )
    out = pd.DataFrame({"performance": perf, "importance": imp, "quadrant": quad}, index=perf.index)
    out.index.name = perf.index.name or "item"
    out.attrs.update({"performance_cut": float(pc), "importance_cut": float(ic), "split": mode})
    return out


# --------------------------------------------------------------------------------------------
# Penalty–reward contrast analysis
# --------------------------------------------------------------------------------------------


def scale_bands(scale_min: float, scale_max: float) -> tuple[float, float]:
    """Low and high box cut-offs of penalty–reward analysis on a declared rating scale.

    Rule (integer scale points min…max, P = max − min + 1 ≥ 3):

    - low box: the points strictly below the scale midpoint (min + max)/2 — the dissatisfied
      side of the scale; low_cut = ⌈(min + max)/2⌉ − 1;
    - high box: the top two points (top-two box) on scales of five or more points, the top point
      on three- and four-point scales; high_cut = max − 1 (resp. max);
    - the points between are the reference (middle) group; it always keeps at least one point.

    ====== ========== ========== ==========
    scale  low box    middle     high box
    ====== ========== ========== ==========
    1–5    1–2        3          4–5        (the usual 5-point coding, unchanged)
    1–7    1–3        4–5        6–7
    0–10   0–4        5–8        9–10
    1–10   1–5        6–8        9–10
    1–4    1–2        3          4
    ====== ========== ========== ==========

    Rationale: on 5-point scales penalty–reward studies code the bottom two (dissatisfied) and
    top two (very satisfied) points (Brandt 1987; Matzler & Sauerwein 2002; Mikulić & Prebežac
    2008); "below the midpoint" and "top two" reproduce that coding and extend it to longer scales
    without leaving the low box empty on satisfied samples. On 0–10 the high box 9–10 is the
    promoter band of the Net Promoter Score (Reichheld 2003); its detractor band 0–6 is not used
    as the low box because 5–6 are the neutral middle of a satisfaction scale, not a poor rating.

    References: Brandt (1987), in *Add Value to Your Service* (AMA); Matzler & Sauerwein (2002) *IJSIM*
    13(4):314–332; Mikulić & Prebežac (2008) *Managing Service Quality* 18(6):559–576;
    Reichheld (2003) *Harvard Business Review* 81(12):46–54.

    Examples
    --------
    >>> from csmlib.stats.priorities import scale_bands
    >>> scale_bands(1, 5), scale_bands(0, 10), scale_bands(1, 7)
    ((2.0, 4.0), (4.0, 9.0), (3.0, 6.0))
    """
    lo, hi = float(scale_min), float(scale_max)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo == int(lo) and hi == int(hi)):
        raise ValueError(f"scale_bands: the scale must have integer end points, not {scale_min!r}–{scale_max!r}")
    points = int(hi - lo) + 1
    if points < 3:
        raise ValueError(f"scale_bands: a scale {lo:g}–{hi:g} has no middle point; give low= and high= explicitly")
    low_cut = float(math.ceil((lo + hi) / 2) - 1)
    high_cut = hi - 1 if points >= 5 else hi
    return low_cut, float(high_cut)


def _triangular_factor(D: np.ndarray, rows: int = 65_536) -> np.ndarray:
    """R of D = QR (Householder, LAPACK), built ``rows`` rows at a time: R of [R_prev; next rows].

    Why: Q has orthonormal columns, so the columns of R have the same lengths and angles as those
    of ``D`` (RᵀR = DᵀD) in k rather than n rows, and a tall ``D`` is never copied whole. Unlike
    DᵀD itself, R does not square the condition number, so near-aliased columns are still told
    apart at the ``lm`` tolerance.
    """
    R = np.zeros((0, D.shape[1]))
    for start in range(0, D.shape[0], rows):
        R = np.asarray(np.linalg.qr(np.vstack([R, D[start : start + rows]]), mode="r"))  # mode "r": R alone
    return R


def _estimable_columns(D: np.ndarray, candidates: list[int], tol: float = 1e-7) -> list[int]:
    """Columns of ``D`` kept in order when each adds to the span of those before (R ``lm``:
    a column whose residual on the kept ones is below ``tol`` of its norm is aliased, NA).

    The residuals are those of the columns of :func:`_triangular_factor` (k × k, the same
    geometry as the n × k ``D``): seconds instead of minutes at a million rows."""
    R = _triangular_factor(D)
    kept: list[int] = []
    Q = np.zeros((R.shape[0], 0))
    for j in candidates:
        col = R[:, j]
        norm = np.linalg.norm(col)
        resid = col - Q @ (Q.T @ col) if Q.shape[1] else col
        resid = resid - Q @ (Q.T @ resid) if Q.shape[1] else resid  # re-orthogonalise
        rn = np.linalg.norm(resid)
        if norm > 0 and rn > tol * norm:
            kept.append(j)
            Q = np.column_stack([Q, resid / rn])
    return kept


def penalty_reward(
    data: pd.DataFrame,
    outcome: str,
    drivers: str | Sequence[str] | None = None,
    *,
    low: float | dict[str, float] | None = None,
    high: float | dict[str, float] | None = None,
    weights: str | pd.Series | ArrayLike | None = None,
    band: float = 0.2,
    alpha: float = 0.05,
    min_cell: int = 30,
    scale_min: float | None = None,
    scale_max: float | None = None,
    adjust: str = "holm",
) -> pd.DataFrame:
    """Penalty–reward contrast analysis with impact asymmetry (three-factor theory).

    For each driver two dummies: low_j = 1 if rating ≤ ``low`` (bottom box(es)), high_j = 1 if
    rating ≥ ``high`` (top box(es)); the middle is the reference. One OLS (WLS with weights) with
    an intercept: OS = a + Σ_j (π_j low_j + ρ_j high_j) + e. penalty_j = max(−π_j, 0), reward_j =
    max(ρ_j, 0) (a wrong-signed coefficient counts as no effect, so IA stays in [−1, 1]);
    RIOCS_j = penalty_j + reward_j; impact_asymmetry IA_j = (reward_j − penalty_j)/RIOCS_j
    (= SGP − DGP, Mikulić & Prebežac 2008). ``factor_class``: IA > ``band`` → "excitement"
    (satisfier), IA < −``band`` → "basic" (dissatisfier), else "performance" (hybrid), and
    "low impact" when neither the penalty nor the reward is significant at ``alpha`` after the
    multiplicity adjustment (drivers.md §7); the ±0.2 band is a convention. Significance is
    reported beside it (``penalty_p``, ``reward_p``: the t tests of π_j and ρ_j; ``asymmetry_p``,
    the Wald test of |π_j| = ρ_j; ``low_impact``).

    Multiplicity: the classes read the 2k tests of π_j = 0 and ρ_j = 0 together (two per
    driver), so their p-values are adjusted as one family of the m dummies in the model
    (:func:`csmlib.stats.inference.adjust_pvalues`, ``adjust``; R ``p.adjust``): Holm (default,
    family-wise error ≤ ``alpha``): for sorted p₍₁₎ ≤ … ≤ p₍m₎, p_adj₍i₎ = max_{j≤i} min(1,
    (m − j + 1)·p₍j₎); ``"fdr_bh"`` Benjamini–Hochberg p_adj₍i₎ = min_{j≥i} min(1, m·p₍j₎/j)
    (false discovery rate); ``"none"`` the raw p (the uncorrected rule, not for reports).
    ``penalty_p_adjusted`` and ``reward_p_adjusted`` are the adjusted values; a dummy left out of
    the model (below) is not a test of the family. ``asymmetry_p`` is not adjusted (no class
    depends on it). Holm (1979) *Scand. J. Statist.* 6:65–70; Benjamini & Hochberg (1995)
    *JRSS B* 57:289–300.

    Boxes with too few answers (0–10 scales, small units): a low or high dummy with fewer than
    ``min_cell`` respondents is left out of the regression (its respondents join the reference
    group); a dummy that is then still a linear combination of the others (e.g. two drivers with
    the same few top-box respondents, an empty box) is left out too, in column order, as R
    ``lm`` marks it aliased (NA). A driver without a middle answer has both dummies left out. The
    left-out coefficient, its penalty or reward, p-value, IA and asymmetry test are NaN,
    ``not_enough_answers`` is True, ``factor_class`` is "not enough answers" and ``note`` says
    which box had how many answers. The other coefficients are those of the reduced design
    (``lm`` on the dummies kept). Nothing is raised for sparse or empty boxes.

    Parameters
    ----------
    low, high : number or dict {driver: number}, optional
        Box cut-offs. Default: from the declared scale when ``scale_min``/``scale_max`` are
        given (:func:`scale_bands`: below the midpoint / top two points, e.g. 0–4 and 9–10 on
        0–10, 1–2 and 4–5 on 1–5); otherwise the bottom two and top two points of each driver's
        observed range (e.g. 1–2 and 4–5 on a 5-point scale).
    weights : str or array-like, optional
    min_cell : int
        Low and high boxes with fewer respondents are left out of the regression (see above); a
        middle box with fewer is flagged (``sparse``) with a warning.
    scale_min, scale_max : number, optional
        The declared rating scale of the drivers (both or neither).
    adjust : {"holm", "fdr_bh", "bonferroni", "none"}
        Multiplicity adjustment of the penalty and reward tests (see above).

    Returns
    -------
    DataFrame indexed by driver: penalty, reward, impact_asymmetry, factor_class, riocs,
    low_coef, high_coef, penalty_p, reward_p, penalty_p_adjusted, reward_p_adjusted, asymmetry_p,
    low_impact, n_low, n_mid, n_high, low_cut, high_cut, sparse, low_in_model, high_in_model,
    not_enough_answers, note. ``attrs``: n, r2, outcome, band, min_cell, alpha, adjust, n_tests
    (m, the tests adjusted together), bands ("explicit", "scale" or "observed").

    References
    ----------
    Brandt (1987); Mittal, Ross & Baldasare (1998) *J. Marketing* 62(1):33–47; Matzler &
    Sauerwein (2002) *IJSIM* 13(4):314–332; Mikulić & Prebežac (2008); Albayrak & Caber (2013)
    *Total Quality Management* 24(11–12):1288–1300.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csmlib.stats.priorities import penalty_reward
    >>> rng = np.random.default_rng(4)
    >>> df = pd.DataFrame(rng.integers(1, 6, size=(600, 2)), columns=["clean", "wifi"])
    >>> df["overall"] = 5 - 1.5 * (df.clean <= 2) + 1.0 * (df.wifi >= 4) + rng.normal(0, .5, 600)
    >>> pr = penalty_reward(df, "overall", ["clean", "wifi"], low=2, high=4)
    >>> pr["factor_class"].to_dict()
    {'clean': 'basic', 'wifi': 'excitement'}
    """
    caller = "penalty_reward"
    check_choice(adjust, ADJUST_METHODS, "adjust", caller)
    if not isinstance(data, pd.DataFrame):
        data = pd.DataFrame(data)
    if (scale_min is None) != (scale_max is None):
        raise ValueError(f"{caller}: give both scale_min and scale_max, or neither")
    scale_cuts = None if scale_min is None or scale_max is None else scale_bands(scale_min, scale_max)
    w_all, w_label = driver_weights(data, weights, caller)
    outcome, drivers = driver_names(outcome, drivers, data.columns, caller, exclude=(w_label,) if w_label else ())
    names = list(drivers) + [outcome]
    X = np.column_stack([numeric_column(data, c, caller) for c in names])
    keep = np.isfinite(X).all(axis=1)
    if w_all is not None:
        keep &= np.isfinite(w_all) & (w_all > 0)
    dropped = int((~keep).sum())
    if dropped:
        warnings.warn(f"{caller}: listwise deletion dropped {dropped} of {len(X)} rows", stacklevel=2)
    X = X[keep]
    w = np.ones(X.shape[0]) if w_all is None else w_all[keep]
    y = X[:, -1]

    def cut(spec, j, default):
        if spec is None:
            return default
        if isinstance(spec, dict):
            if drivers[j] not in spec:
                raise ValueError(f"{caller}: no cut-off given for {drivers[j]!r}")
            return float(spec[drivers[j]])
        return float(spec)

    cols, info = [], []
    for j, d in enumerate(drivers):
        v = X[:, j]
        if scale_cuts is not None:
            lo_default, hi_default = scale_cuts
        else:
            lo_default = np.min(v) + 1 if v.size else np.nan
            hi_default = np.max(v) - 1 if v.size else np.nan
        lo_c = cut(low, j, lo_default)
        hi_c = cut(high, j, hi_default)
        if not lo_c < hi_c:
            raise ValueError(
                f"{caller}: for {d!r} the low cut-off ({lo_c:g}) must be below the "
                f"high cut-off ({hi_c:g}), leaving a middle reference group"
            )
        lo_d, hi_d = (v <= lo_c).astype(float), (v >= hi_c).astype(float)
        counts = (int(lo_d.sum()), int((1 - lo_d - hi_d).sum()), int(hi_d.sum()))
        cols += [lo_d, hi_d]
        info.append((lo_c, hi_c) + counts)
    D = np.column_stack([np.ones(len(y))] + cols)

    # which dummies enter the regression: enough answers, a middle box, not aliased
    reasons: dict[int, str] = {}
    for j, d in enumerate(drivers):
        lo_c, hi_c, nl, nm, nh = info[j]
        if nm == 0:
            reasons[1 + 2 * j] = reasons[2 + 2 * j] = (
                f"no answers in the middle box ({lo_c:g} < rating < {hi_c:g}) to compare with"
            )
            continue
        for col, box, count, rule in ((1 + 2 * j, "low", nl, f"≤ {lo_c:g}"), (2 + 2 * j, "high", nh, f"≥ {hi_c:g}")):
            if count < max(min_cell, 1):
                reasons[col] = f"{count} answers in the {box} box ({rule})" + (
                    f", fewer than {min_cell}" if count < min_cell else ""
                )
    sw = np.sqrt(w)
    Dw, yw = D * sw[:, None], y * sw
    candidates = [0] + [c for c in range(1, D.shape[1]) if c not in reasons]
    used = _estimable_columns(Dw, candidates)
    for c in candidates:
        if c not in used:
            box = "low" if c % 2 == 1 else "high"
            reasons[c] = f"its {box} box duplicates the boxes of other drivers (rank-deficient design)"
    if len(y) <= len(used):
        raise ValueError(f"{caller}: {len(y)} rows for {len(used)} coefficients ({(len(used) - 1)} dummies + intercept)")
    Du = Dw[:, used]
    coef_u, *_ = np.linalg.lstsq(Du, yw, rcond=None)
    resid = yw - Du @ coef_u
    dof = len(y) - len(used)
    sigma2 = resid @ resid / dof
    cov_u = sigma2 * np.linalg.inv(Du.T @ Du)
    coef = np.full(D.shape[1], np.nan)
    coef[used] = coef_u
    ws = w / w.sum()
    ybar = ws @ y
    r2 = 1 - (w @ (y - D[:, used] @ coef_u) ** 2) / (w @ (y - ybar) ** 2)
    # the t test of every dummy in the model, then one multiplicity adjustment over all of them:
    # the classes read the penalty and reward tests of every driver together
    raw_p = np.full(D.shape[1], np.nan)
    raw_p[used] = 2 * stats.t.sf(np.abs(coef_u / np.sqrt(np.diag(cov_u))), dof)
    raw_p[0] = np.nan  # the intercept is not one of the tests
    adj_p = adjust_pvalues(raw_p, adjust)
    rows = {}
    sparse_any, left_out = [], []
    for j, d in enumerate(drivers):
        il, ih = 1 + 2 * j, 2 + 2 * j
        pi, rho = coef[il], coef[ih]
        in_l, in_h = il not in reasons, ih not in reasons
        # a wrong-signed coefficient (a low rating raising satisfaction, a top rating lowering it)
        # is no penalty or reward at all; clipping keeps IA within [−1, 1]
        pen = max(-pi, 0.0) if in_l else np.nan
        rew = max(rho, 0.0) if in_h else np.nan
        pp, rp = raw_p[il], raw_p[ih]  # NaN for a dummy left out
        pp_adj, rp_adj = adj_p[il], adj_p[ih]
        lo_c, hi_c, nl, nm, nh = info[j]
        if in_l and in_h:
            riocs = pen + rew
            ia = (rew - pen) / riocs if riocs != 0 else np.nan
            cls = "excitement" if ia > band else ("basic" if ia < -band else "performance")
            sgn = -1.0 if pi < 0 else 1.0  # |π| = ρ  ⇔  ρ − sgn·π = 0
            cvec = np.zeros(D.shape[1])
            cvec[ih], cvec[il] = 1.0, -sgn
            cv = cvec[used]
            diff = cv @ coef_u
            ap = 2 * stats.t.sf(abs(diff / np.sqrt(cv @ cov_u @ cv)), dof)
            low_impact = bool(pp_adj >= alpha and rp_adj >= alpha)  # neither effect beats the noise
            if low_impact:
                cls = "low impact"
            note = ""
        else:
            riocs = ia = ap = np.nan
            cls = "not enough answers"
            estimated = [q for q in (pp_adj, rp_adj) if np.isfinite(q)]
            low_impact = bool(estimated) and all(q >= alpha for q in estimated)
            note = "not enough answers: " + "; ".join(dict.fromkeys(reasons[c] for c in (il, ih) if c in reasons))
            left_out.append(d)
        sparse = min(nl, nm, nh) < min_cell
        if sparse:
            sparse_any.append(d)
        rows[d] = {
            "penalty": pen,
            "reward": rew,
            "impact_asymmetry": ia,
            "factor_class": cls,
            "riocs": riocs,
            "low_coef": pi,
            "high_coef": rho,
            "penalty_p": pp,
            "reward_p": rp,
            "penalty_p_adjusted": pp_adj,
            "reward_p_adjusted": rp_adj,
            "asymmetry_p": ap,
            "low_impact": low_impact,
            "n_low": nl,
            "n_mid": nm,
            "n_high": nh,
            "low_cut": lo_c,
            "high_cut": hi_c,
            "sparse": sparse,
            "low_in_model": in_l,
            "high_in_model": in_h,
            "not_enough_answers": not (in_l and in_h),
            "note": note,
        }
    if left_out:
        warnings.warn(
            f"{caller}: not enough answers for {', '.join(left_out)}: a low or high "
            f"box with fewer than {min_cell} respondents, without a middle box or "
            "duplicating other boxes was left out of the regression (penalty/reward "
            "NaN; see 'note')",
            stacklevel=2,
        )
    unstable = [d for d in sparse_any if d not in left_out]
    if unstable:
        warnings.warn(
            f"{caller}: fewer than {min_cell} respondents in a box for {', '.join(unstable)}; their penalty/reward is unstable",
            stacklevel=2,
        )
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "driver"
    out.attrs.update(
        {
            "n": int(len(y)),
            "r2": float(r2),
            "outcome": outcome,
            "band": band,
            "min_cell": min_cell,
            "alpha": alpha,
            "adjust": adjust,
            "n_tests": int(np.isfinite(raw_p).sum()),
            "bands": ("explicit" if low is not None and high is not None else "scale" if scale_cuts is not None else "observed"),
        }
    )
    return out
