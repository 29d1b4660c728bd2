"""Satisfaction indicators with honest uncertainty: the front door of the indicator modules.

This module holds no code of its own: it re-exports, under their familiar names, the functions of
the modules where they live (import from the home in new code):

- :mod:`csmlib.stats.estimators`: ``Estimate``, ``NPSResult``, ``mean_score``, ``top_box``,
  ``bottom_box``, ``nps``, ``ces``, ``ces_agree``;
- :mod:`csmlib.stats.csi`: ``CSIResult``, ``csi``, and ``relative_weights`` (items before the
  outcome), which is :func:`csmlib.stats.csi.item_relative_weights`, computed by the one Johnson
  implementation :mod:`csmlib.stats.relative_weights`;
- :mod:`csmlib.stats.comparisons`: ``Comparison``, ``compare``, ``compare_table``;
- :mod:`csmlib.stats.segments`: ``breakdown``, ``loyalty_segment_of``, ``loyalty_segments``,
  ``LOYALTY_SEGMENTS``;
- :mod:`csmlib.stats.planning`: ``margin_of_error``, ``sample_size``, ``nps_sample_size``;
- :mod:`csmlib.stats.inference`: ``wilson_interval``, ``adjust_pvalues``;
- :mod:`csmlib.stats.weighting`: ``RakeResult``, ``rake``, ``kish_n_eff``, ``design_effect``,
  ``check_weights``.

The answer checks and per-group cores they share are in :mod:`csmlib.stats.indicator_cores`.
Every estimator accepts optional survey weights and returns a small frozen result stating the
estimate, its ``se``, the interval (``ci_low``, ``ci_high``, ``level``, ``ci_method``), the valid
``n`` and the Kish effective ``n_eff`` (= n without weights). Formulas: method note
``indicators.md``.

Conventions
-----------
- Valid n: missing values (NaN) are excluded per indicator. Non-substantive codes ("don't know",
  "N/A") must be set to NaN before (the data layer does this from the codebook).
- Scales are validated: a value outside the declared scale raises ``ValueError`` naming the column;
  an all-missing column raises ``ValueError`` naming it; zero, negative or missing weights raise
  ``ValueError`` naming the weight column. Table functions (:func:`compare_table`) turn a per-item
  failure into a row of NaN with the reason in ``note`` and a warning.
- Proportions (top/bottom box, shares) are on 0–1; NPS is in points (−100…100); the CSI on 0–100.
- Critical values: Student t with n − 1 df for means (and the CSI), the normal z for proportions
  and NPS.
- Means: SE = s/√n (s with divisor n − 1). Weighted: the linearized SE
  sqrt(n/(n−1)·Σw²(y − ȳ_w)²)/Σw (R survey ``svymean``; equal weights give s/√n exactly).
- Proportions and NPS: plug-in variances (divisor n). Weighted: the weighted shares with the Kish
  effective n in place of n (method note §9 "quick SE"; weights of 1 give the unweighted answer
  exactly). The Wilson and adjusted-Wald intervals use n_eff likewise.
"""

from __future__ import annotations

from csmlib.stats.comparisons import Comparison as Comparison
from csmlib.stats.comparisons import compare as compare
from csmlib.stats.comparisons import compare_table as compare_table
from csmlib.stats.csi import CSIResult as CSIResult
from csmlib.stats.csi import csi as csi
from csmlib.stats.csi import item_relative_weights as relative_weights
from csmlib.stats.driver_inputs import weighted_corr as weighted_corr
from csmlib.stats.estimators import Estimate as Estimate
from csmlib.stats.estimators import NPSResult as NPSResult
from csmlib.stats.estimators import bottom_box as bottom_box
from csmlib.stats.estimators import ces as ces
from csmlib.stats.estimators import ces_agree as ces_agree
from csmlib.stats.estimators import mean_score as mean_score
from csmlib.stats.estimators import nps as nps
from csmlib.stats.estimators import top_box as top_box
from csmlib.stats.inference import adjust_pvalues as adjust_pvalues
from csmlib.stats.inference import wilson_interval as wilson_interval
from csmlib.stats.planning import margin_of_error as margin_of_error
from csmlib.stats.planning import nps_sample_size as nps_sample_size
from csmlib.stats.planning import sample_size as sample_size
from csmlib.stats.relative_weights import johnson_weights as johnson_weights
from csmlib.stats.segments import LOYALTY_SEGMENTS as LOYALTY_SEGMENTS
from csmlib.stats.segments import breakdown as breakdown
from csmlib.stats.segments import loyalty_segment_of as loyalty_segment_of
from csmlib.stats.segments import loyalty_segments as loyalty_segments
from csmlib.stats.validate import check_choice as check_choice
from csmlib.stats.validate import check_level as check_level
from csmlib.stats.validate import weight_column as weight_column
from csmlib.stats.weighting import RakeResult as RakeResult
from csmlib.stats.weighting import check_weights as check_weights
from csmlib.stats.weighting import design_effect as design_effect
from csmlib.stats.weighting import kish_n_eff as kish_n_eff
from csmlib.stats.weighting import rake as rake

__all__ = [
    "Estimate",
    "NPSResult",
    "CSIResult",
    "Comparison",
    "RakeResult",
    "mean_score",
    "top_box",
    "bottom_box",
    "nps",
    "ces",
    "ces_agree",
    "csi",
    "relative_weights",
    "compare",
    "compare_table",
    "adjust_pvalues",
    "breakdown",
    "wilson_interval",
    "margin_of_error",
    "sample_size",
    "nps_sample_size",
    "loyalty_segments",
    "loyalty_segment_of",
    "rake",
    "kish_n_eff",
    "design_effect",
    "check_weights",
    "LOYALTY_SEGMENTS",
]
