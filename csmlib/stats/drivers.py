"""Key-driver analysis: which attribute ratings drive an overall outcome (ISO 10004 Annex D).

Relative importance of correlated drivers as R relaimpo 2.2-7 (``calc.relimp``, ``rela=FALSE``)
and R dominanceanalysis / domir. The two classic action charts built on it (importance–performance
and penalty–reward contrast analysis) are in :mod:`csmlib.stats.priorities`. Method note ``drivers.md``.

This module is the front door of the driver modules and holds no code of its own: it re-exports,
under their familiar names, the functions of the modules where they live (import from the home in
new code):

- :mod:`csmlib.stats.linear_importance`: ``shapley``, ``first``, ``last``, ``beta_squared``, ``pratt``;
- :mod:`csmlib.stats.relative_weights`: ``relative_weights``, ``johnson_weights`` (the one
  implementation of Johnson's relative weights, also behind the CSI's derived importance);
- :mod:`csmlib.stats.dominance`: ``DominanceResult``, ``dominance``;
- :mod:`csmlib.stats.importance_table`: ``importance``, ``MethodChoice``, ``choose_methods``,
  ``shapley_limit``, ``SHAPLEY_MAX_DRIVERS``;
- :mod:`csmlib.stats.driver_inputs`: ``driver_names``, ``driver_weights``, ``weighted_corr`` (the
  input checks and the correlation matrix every method starts from).

The logistic engine of binary outcomes is :mod:`csmlib.stats.logistic`, the all-subsets R²
engine :mod:`csmlib.stats.subsets`.

Conventions
-----------
- Everything linear comes from one correlation matrix R of [x_1 … x_p, y] (y last); standardized
  β = Rxx⁻¹ r_xy; R² = r_xyᵀ β. Models always have an intercept, so every metric is invariant to
  linear rescaling of a driver.
- Importance functions (:func:`shapley`, :func:`relative_weights`, :func:`first`, :func:`last`,
  :func:`beta_squared`, :func:`pratt`) take ``data, outcome, drivers`` or ``corr=`` (a correlation
  or covariance DataFrame holding the outcome and the drivers, with ``n=`` its sample size) and
  return a Series of raw shares of var(y) indexed by driver, named after the method, with
  ``attrs``: ``r2`` (full-model R²), ``n`` (rows used), ``n_eff`` (Kish, weighted), ``missing``
  (``"listwise"``, ``"pairwise"`` or ``"corr"``), ``outcome``, ``method`` and ``beta`` (the signed
  full-model standardized β, reported separately from the unsigned importance).
- Missing data: ``missing="listwise"`` (default, relaimpo) drops rows with a missing outcome,
  driver or weight, with a warning giving the count; ``"pairwise"`` drops rows with a missing
  outcome and builds each correlation from the rows where both variables are present (R ``rwa``);
  a pairwise matrix that is not positive definite is refused.
- Case weights (column name or array): weighted covariance (relaimpo ``cov.wt``); their scale is
  irrelevant.
- Constant or perfectly collinear drivers, fewer rows than drivers + 2, an outcome among the
  drivers, unknown or non-numeric columns raise ``ValueError`` naming the column(s).
  :func:`shapley` and :func:`dominance` accept ``collinear="split"`` instead: a driver that adds
  nothing to a subset gets a zero increment, so a duplicated column splits its share equally.

References
----------
Lindeman, Merenda & Gold (1980); Kruskal (1987) *Am. Stat.* 41:6–10; Budescu (1993) *Psychol.
Bull.* 114:542–551; Azen & Budescu (2003) *Psychol. Methods* 8:129–148; Johnson (2000)
*Multivariate Behav. Res.* 35:1–19; Grömping (2006) *J. Stat. Softw.* 17(1); Tonidandel, LeBreton &
Johnson (2009) *Psychol. Methods* 14:387–399; Tonidandel & LeBreton (2010) *Organ. Res. Methods*
13:767–781; Martilla & James (1977) *J. Marketing* 41(1):77–79; Brandt (1987); Mikulić & Prebežac
(2008) *Managing Service Quality* 18(6):559–576.
"""

from __future__ import annotations

from csmlib.stats.dominance import DominanceResult as DominanceResult
from csmlib.stats.dominance import dominance as dominance
from csmlib.stats.driver_inputs import driver_names as driver_names
from csmlib.stats.driver_inputs import driver_weights as driver_weights
from csmlib.stats.driver_inputs import weighted_corr as weighted_corr
from csmlib.stats.importance_table import SHAPLEY_MAX_DRIVERS as SHAPLEY_MAX_DRIVERS
from csmlib.stats.importance_table import MethodChoice as MethodChoice
from csmlib.stats.importance_table import choose_methods as choose_methods
from csmlib.stats.importance_table import importance as importance
from csmlib.stats.importance_table import shapley_limit as shapley_limit
from csmlib.stats.linear_importance import beta_squared as beta_squared
from csmlib.stats.linear_importance import first as first
from csmlib.stats.linear_importance import last as last
from csmlib.stats.linear_importance import pratt as pratt
from csmlib.stats.linear_importance import shapley as shapley
from csmlib.stats.relative_weights import johnson_weights as johnson_weights
from csmlib.stats.relative_weights import relative_weights as relative_weights
from csmlib.stats.validate import check_choice as check_choice
from csmlib.stats.validate import check_level as check_level
from csmlib.stats.validate import check_weights as check_weights
from csmlib.stats.validate import numeric_column as numeric_column

__all__ = [
    "DominanceResult",
    "shapley",
    "relative_weights",
    "first",
    "last",
    "beta_squared",
    "pratt",
    "dominance",
    "importance",
    "MethodChoice",
    "choose_methods",
    "shapley_limit",
    "SHAPLEY_MAX_DRIVERS",
    "johnson_weights",
    "weighted_corr",
    "driver_names",
    "driver_weights",
]
