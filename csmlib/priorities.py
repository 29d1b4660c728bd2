"""Improvement priorities: the two classic action charts of satisfaction research.

:func:`ipa` places each characteristic in an importance–performance quadrant (Martilla & James
1977), importance usually being its share from :func:`csmlib.drivers.importance`;
:func:`penalty_reward` contrasts the penalty of a low rating with the reward of a high one
(three-factor theory: basic, performance and excitement factors; Mikulić & Prebežac 2008).
Conventions (missing data, weights, column checks) are those of :mod:`csmlib.drivers`; method note
``drivers.md``.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from csmlib.drivers import _names, _numeric, _weights

__all__ = ["ipa", "penalty_reward", "QUADRANTS", "FACTOR_CLASSES"]

QUADRANTS = ("concentrate here", "keep up the good work", "low priority", "possible overkill")
FACTOR_CLASSES = ("basic", "performance", "excitement", "low impact")


# --------------------------------------------------------------------------------------------
# Importance–performance analysis
# --------------------------------------------------------------------------------------------

def ipa(performance, importance, *, split: str | tuple = "mean", scale=None) -> pd.DataFrame:
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
    >>> from csmlib.priorities import ipa
    >>> perf = pd.Series({"price": 3.1, "speed": 4.2, "staff": 4.5, "app": 2.9})
    >>> imp = pd.Series({"price": 0.30, "speed": 0.25, "staff": 0.05, "app": 0.08})
    >>> ipa(perf, imp)["quadrant"].to_dict()["price"]
    'concentrate here'
    """
    perf = pd.Series(performance, dtype=float) if not isinstance(performance, pd.Series) \
        else performance.astype(float)
    imp = pd.Series(importance, dtype=float) if not isinstance(importance, pd.Series) \
        else importance.astype(float)
    only_p = [str(i) for i in perf.index if i not in imp.index]
    only_i = [str(i) for i in imp.index if i not in perf.index]
    if only_p or only_i:
        raise ValueError("ipa: performance and importance must cover the same items; "
                         + (f"no importance for {', '.join(only_p)}" if only_p else "")
                         + ("; " if only_p and only_i else "")
                         + (f"no performance for {', '.join(only_i)}" if only_i else ""))
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
        raise ValueError(f"ipa: split must be 'mean', 'median', 'midpoint' or a tuple, not "
                         f"{split!r}")
    hi_i, hi_p = imp >= ic, perf >= pc
    quad = np.where(hi_i & ~hi_p, QUADRANTS[0], np.where(
        hi_i & hi_p, QUADRANTS[1], np.where(~hi_i & ~hi_p, QUADRANTS[2], QUADRANTS[3])))
    out = pd.DataFrame({"performance": perf, "importance": imp, "quadrant": quad},
                       index=perf.index)
    out.index.name = perf.index.name or "item"
    out.attrs.update({"performance_cut": float(pc), "importance_cut": float(ic), "split": mode})
    return out


# --------------------------------------------------------------------------------------------
# Penalty–reward contrast analysis
# --------------------------------------------------------------------------------------------

def penalty_reward(data, outcome, drivers=None, *, low=None, high=None, weights=None,
                   band: float = 0.2, alpha: float = 0.05, min_cell: int = 30) -> pd.DataFrame:
    """Penalty–reward contrast analysis with impact asymmetry (three-factor theory).

    For each driver two dummies: low_j = 1 if rating ≤ ``low`` (bottom box(es)), high_j = 1 if
    rating ≥ ``high`` (top box(es)); the middle is the reference. One OLS (WLS with weights) with
    an intercept: OS = a + Σ_j (π_j low_j + ρ_j high_j) + e. penalty_j = max(−π_j, 0), reward_j =
    max(ρ_j, 0) (a wrong-signed coefficient counts as no effect, so IA stays in [−1, 1]);
    RIOCS_j = penalty_j + reward_j; impact_asymmetry IA_j = (reward_j − penalty_j)/RIOCS_j
    (= SGP − DGP, Mikulić & Prebežac 2008). ``factor_class``: IA > ``band`` → "excitement"
    (satisfier), IA < −``band`` → "basic" (dissatisfier), else "performance" (hybrid), and
    "low impact" when neither the penalty nor the reward is significant at ``alpha`` (drivers.md
    §7); the ±0.2 band is a convention. Significance is reported beside it (``penalty_p``,
    ``reward_p``, and ``asymmetry_p``, the Wald test of |π_j| = ρ_j; ``low_impact``).

    Parameters
    ----------
    low, high : number or dict {driver: number}, optional
        Box cut-offs. Default: the bottom two and top two points of each driver's observed range
        (e.g. 1–2 and 4–5 on a 5-point scale; use low=6, high=9 for 0–10 NPS-style boxes).
    weights : str or array-like, optional
    min_cell : int
        Boxes with fewer respondents are flagged (``sparse``) with a warning.

    Returns
    -------
    DataFrame indexed by driver: penalty, reward, impact_asymmetry, factor_class, riocs,
    low_coef, high_coef, penalty_p, reward_p, asymmetry_p, low_impact, n_low, n_mid, n_high,
    low_cut, high_cut, sparse. ``attrs``: n, r2, outcome, band.

    References
    ----------
    Brandt (1987); Mittal, Ross & Baldasare (1998) *J. Marketing* 62(1):33–47; Matzler &
    Sauerwein (2002) *IJSIM* 13(4):314–332; Mikulić & Prebežac (2008); Albayrak & Caber (2013).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csmlib.priorities import penalty_reward
    >>> rng = np.random.default_rng(4)
    >>> df = pd.DataFrame(rng.integers(1, 6, size=(600, 2)), columns=["clean", "wifi"])
    >>> df["overall"] = 5 - 1.5 * (df.clean <= 2) + 1.0 * (df.wifi >= 4) + rng.normal(0, .5, 600)
    >>> pr = penalty_reward(df, "overall", ["clean", "wifi"], low=2, high=4)
    >>> pr["factor_class"].to_dict()
    {'clean': 'basic', 'wifi': 'excitement'}
    """
    caller = "penalty_reward"
    if not isinstance(data, pd.DataFrame):
        data = pd.DataFrame(data)
    w_all, w_label = _weights(data, weights, caller)
    outcome, drivers = _names(outcome, drivers, data.columns, caller,
                              exclude=(w_label,) if w_label else ())
    names = list(drivers) + [outcome]
    X = np.column_stack([_numeric(data, c, caller) for c in names])
    keep = np.isfinite(X).all(axis=1)
    if w_all is not None:
        keep &= np.isfinite(w_all) & (w_all > 0)
    dropped = int((~keep).sum())
    if dropped:
        warnings.warn(f"{caller}: listwise deletion dropped {dropped} of {len(X)} rows",
                      stacklevel=2)
    X = X[keep]
    w = np.ones(X.shape[0]) if w_all is None else w_all[keep]
    y = X[:, -1]
    p = len(drivers)

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
        lo_c = cut(low, j, np.min(v) + 1 if v.size else np.nan)
        hi_c = cut(high, j, np.max(v) - 1 if v.size else np.nan)
        if not lo_c < hi_c:
            raise ValueError(f"{caller}: for {d!r} the low cut-off ({lo_c:g}) must be below the "
                             f"high cut-off ({hi_c:g}), leaving a middle reference group")
        lo_d, hi_d = (v <= lo_c).astype(float), (v >= hi_c).astype(float)
        counts = (int(lo_d.sum()), int((1 - lo_d - hi_d).sum()), int(hi_d.sum()))
        if min(counts) == 0:
            empty = ("low", "middle", "high")[counts.index(0)]
            raise ValueError(f"{caller}: driver {d!r} has no respondents in its {empty} box "
                             f"(≤ {lo_c:g} / middle / ≥ {hi_c:g}); change low/high")
        cols += [lo_d, hi_d]
        info.append((lo_c, hi_c) + counts)
    D = np.column_stack([np.ones(len(y))] + cols)
    if len(y) <= D.shape[1]:
        raise ValueError(f"{caller}: {len(y)} rows for {D.shape[1]} coefficients "
                         f"({p} drivers × 2 dummies + intercept)")
    sw = np.sqrt(w)
    Dw, yw = D * sw[:, None], y * sw
    coef, *_ = np.linalg.lstsq(Dw, yw, rcond=None)
    if np.linalg.matrix_rank(Dw) < D.shape[1]:
        raise ValueError(f"{caller}: the dummy design is rank deficient (drivers "
                         f"{', '.join(drivers)} have identical box patterns?)")
    resid = yw - Dw @ coef
    dof = len(y) - D.shape[1]
    sigma2 = resid @ resid / dof
    cov = sigma2 * np.linalg.inv(Dw.T @ Dw)
    se = np.sqrt(np.diag(cov))
    ws = w / w.sum()
    ybar = ws @ y
    r2 = 1 - (w @ (y - D @ coef) ** 2) / (w @ (y - ybar) ** 2)
    rows = {}
    sparse_any = []
    for j, d in enumerate(drivers):
        il, ih = 1 + 2 * j, 2 + 2 * j
        pi, rho = coef[il], coef[ih]
        # a wrong-signed coefficient (a low rating raising satisfaction, a top rating lowering it)
        # is no penalty or reward at all; clipping keeps IA within [−1, 1]
        pen, rew = max(-pi, 0.0), max(rho, 0.0)
        riocs = pen + rew
        ia = (rew - pen) / riocs if riocs != 0 else np.nan
        cls = "excitement" if ia > band else ("basic" if ia < -band else "performance")
        tp = pi / se[il]
        tr = rho / se[ih]
        pp = 2 * stats.t.sf(abs(tp), dof)
        rp = 2 * stats.t.sf(abs(tr), dof)
        sgn = -1.0 if pi < 0 else 1.0                     # |π| = ρ  ⇔  ρ − sgn·π = 0
        cvec = np.zeros(D.shape[1])
        cvec[ih], cvec[il] = 1.0, -sgn
        diff = cvec @ coef
        ap = 2 * stats.t.sf(abs(diff / np.sqrt(cvec @ cov @ cvec)), dof)
        lo_c, hi_c, nl, nm, nh = info[j]
        sparse = min(nl, nm, nh) < min_cell
        if sparse:
            sparse_any.append(d)
        if pp >= alpha and rp >= alpha:   # neither effect is distinguishable from noise
            cls = "low impact"
        rows[d] = {"penalty": pen, "reward": rew, "impact_asymmetry": ia, "factor_class": cls,
                   "riocs": riocs, "low_coef": pi, "high_coef": rho, "penalty_p": pp,
                   "reward_p": rp, "asymmetry_p": ap,
                   "low_impact": bool(pp >= alpha and rp >= alpha), "n_low": nl, "n_mid": nm,
                   "n_high": nh, "low_cut": lo_c, "high_cut": hi_c, "sparse": sparse}
    if sparse_any:
        warnings.warn(f"{caller}: fewer than {min_cell} respondents in a box for "
                      f"{', '.join(sparse_any)}; their penalty/reward is unstable", stacklevel=2)
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "driver"
    out.attrs.update({"n": int(len(y)), "r2": float(r2), "outcome": outcome, "band": band})
    return out
