"""Reliability of multi-item scales: α, Guttman's λ, item analysis, ω, ordinal α — as R psych 2.5.3.

Every function takes a DataFrame whose columns are the items of one scale (rows = respondents,
NaN = missing) and returns a frozen dataclass (or a tidy DataFrame) that states the n it used and
the missing-data mode. This module states the conventions and gathers the family's public names;
each lives in its own module and is re-exported here:

- :mod:`csmlib.stats.alpha` — Cronbach's α, Guttman's λ and split-half, ordinal α, and the rules
  the α family shares (:func:`is_small_sample`, ``SMALL_SAMPLE_N``, ``SMALL_SAMPLE_ROWS_PER_ITEM``);
- :mod:`csmlib.stats.omega` — McDonald's ω (one factor or Schmid–Leiman);
- :mod:`csmlib.stats.item_analysis` — :func:`item_statistics`, :func:`reverse_items`,
  :func:`reverse_keying_flags`;
- :mod:`csmlib.stats.factor` — the EFA side (:func:`efa`, :func:`kmo`, :func:`bartlett`,
  :func:`parallel_analysis`); :mod:`csmlib.stats.cfa` — CFA (:func:`cfa`, :func:`fit_verdicts`);
- :mod:`csmlib.stats.dimension_reliability` — α, ω and a verdict per questionnaire dimension
  (:func:`dimension_reliability`), the item analysis per dimension and the items to review.

Conventions (method note ``reliability.md``)
--------------------------------------------
- C is the item covariance matrix (divisor n − 1), R the Pearson correlation matrix. Raw α,
  item-rest r and the Duhachek ASE use C; everything else uses R.
- ``missing="pairwise"`` (psych default): C_ij and r_ij use the rows where both items are present
  (R is the pairwise ``cor()``, as psych ≥ 2.4 ``alpha``). ``missing="listwise"``: incomplete rows
  are dropped first.
- The n of the Feldt and Duhachek intervals is, as psych, the number of input rows
  (``ci_n="input_rows"``); ``ci_n="complete_rows"`` uses the rows without missing values instead.
- Constant items: the α family (``cronbach_alpha``, ``item_statistics``, ``guttman``, ``omega``,
  ``ordinal_alpha``) drops them with a warning, as psych ``alpha``; the factor-analytic functions
  (``efa``, ``kmo``, ``bartlett``, ``parallel_analysis``) raise ``ValueError`` naming them.
- Small samples (method note ``reliability.md``; a B2B unit may have 9 respondents for 11
  items): the α family needs only n ≥ 2 rows (listwise: complete rows) and a total score with
  variance, not n > k as the factor models. What is defined is computed (α, standardized α,
  r̄, the Feldt and Duhachek intervals, λ1–λ4, item-rest r, α if dropped). What needs the
  inverse or a factor model of a *singular* item correlation matrix — the SMCs, hence λ6, ``r_cor``
  and λ6 if dropped, and ω — is NaN with a warning saying why: with n ≤ k every item is an exact
  linear combination of the others in the sample, so every SMC is 1 and λ6 and ω say nothing
  about the items (psych returns numbers there from a pseudo-inverse; they are artefacts of its
  tolerance). Every result carries ``small_sample`` (:func:`is_small_sample`) so that a report
  can say the value is too imprecise to trust.
- Items are never reversed silently: :func:`reverse_items` recodes declared items with
  x' = (min + max) − x on the declared scale, and :func:`item_statistics` /
  :func:`reverse_keying_flags` flag probable reverse-keyed items (negative item-rest r, negative
  loading on the first principal component).
"""

from csmlib.stats.alpha import (
    SMALL_SAMPLE_N,
    SMALL_SAMPLE_ROWS_PER_ITEM,
    AlphaResult,
    GuttmanResult,
    OrdinalAlphaResult,
    cronbach_alpha,
    guttman,
    is_small_sample,
    ordinal_alpha,
)
from csmlib.stats.cfa import CFAResult, cfa, fit_verdicts
from csmlib.stats.factor import (
    BartlettResult,
    EFAResult,
    KMOResult,
    ParallelAnalysisResult,
    bartlett,
    efa,
    kmo,
    parallel_analysis,
)
from csmlib.stats.dimension_reliability import dimension_items, dimension_reliability, items_to_review
from csmlib.stats.item_analysis import item_statistics, reverse_items, reverse_keying_flags
from csmlib.stats.omega import OmegaResult, omega

__all__ = [
    "dimension_reliability",
    "dimension_items",
    "items_to_review",
    "AlphaResult",
    "GuttmanResult",
    "OmegaResult",
    "OrdinalAlphaResult",
    "EFAResult",
    "KMOResult",
    "BartlettResult",
    "ParallelAnalysisResult",
    "cronbach_alpha",
    "guttman",
    "item_statistics",
    "omega",
    "ordinal_alpha",
    "reverse_items",
    "reverse_keying_flags",
    "is_small_sample",
    "SMALL_SAMPLE_N",
    "SMALL_SAMPLE_ROWS_PER_ITEM",
    "efa",
    "kmo",
    "bartlett",
    "parallel_analysis",
    "CFAResult",
    "cfa",
    "fit_verdicts",
]
