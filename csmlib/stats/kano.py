"""Kano analysis: classification, category rules, coefficients, continuous scores and drift.

The one import for Kano analyses; the code lives in three modules, re-exported here:

- :mod:`csmlib.survey.kano_answers` — the answer coding: :data:`CATEGORIES`, the evaluation tables
  (:data:`STANDARD_TABLE`, :data:`POULIOT_TABLE`, :func:`evaluation_table`),
  :func:`answer_positions`, :func:`pair_columns` / :class:`KanoColumns` and
  :func:`answer_problems` (the survey intake reads text answers with it, without statistics);
- :mod:`csmlib.stats.kano_categories` — :func:`classify`, :func:`count`, :func:`summarize` and
  :func:`continuous`;
- :mod:`csmlib.stats.kano_compare` — :func:`better_worse_ci`, :func:`compare`, categories by customer
  group (:func:`segment_categories`) and across waves (:func:`drift`).

A Kano questionnaire asks two questions per attribute: the functional question f ("How do you
feel if the product has X?") and the dysfunctional question d ("… if it does not have X?"),
both answered on the same five options, coded here by **position**:

====  =====================================================  =====================
pos   meaning                                                 DuMouchel f / d score
====  =====================================================  =====================
1     like ("I like it", "I enjoy it that way")               4 / −2
2     must-be ("It must be that way", "I expect it")          2 / −1
3     neutral ("I am neutral", "I don't care")                0 / 0
4     live-with ("I can live with it", "I can tolerate it")   −1 / 2
5     dislike ("I dislike it")                                −2 / 4
====  =====================================================  =====================

Pipeline (method note ``kano.md``): :func:`classify` each respondent's (f, d) pair with an
evaluation table → :func:`count` the categories per attribute → :func:`summarize` (category by
several rules side by side, Better/Worse, category and total strength, Fong's test, χ², flags).
:func:`continuous` gives DuMouchel/Xu scores, :func:`better_worse_ci` bootstrap (or Wilson)
intervals and :func:`compare` two segments or two waves (drift).

Conventions
-----------
- Categories are ``A`` attractive, ``O`` one-dimensional, ``M`` must-be, ``I`` indifferent,
  ``R`` reverse, ``Q`` questionable. :func:`classify` returns pandas ``category`` columns with
  exactly these categories (missing = NaN, ``isna()`` is True).
- A respondent is excluded **for one attribute only** when f or d is missing or outside the
  coding (N is per attribute). Answers outside the coding are never dropped silently:
  :func:`classify` warns and :func:`answer_problems` counts them per attribute.
- f and d frames are paired **by column name** (exports do not guarantee the order, the
  dysfunctional column may come first); :func:`pair_columns` builds them from a survey frame and
  the codebook's Kano pairs and names any missing column.
- Better = (A+O)/(A+O+M+I) in [0, 1]; Worse = −(O+M)/(A+O+M+I) in [−1, 0] (negative, as Timko
  in Berger et al. 1993 and stp25kano). R and Q are excluded from the denominator; when
  A+O+M+I = 0 both are NaN with a warning.
- Exact ties for the mode are broken M > O > A > I > R > Q (csmlib convention).

References
----------
Kano, Seraku, Takahashi & Tsuji (1984) *J. Japanese Soc. Quality Control* 14(2):39–48;
Berger et al. (1993) *Center for Quality of Management Journal* 2(4):3–36; Sauerwein, Bailom,
Matzler & Hinterhuber (1996) *IX Int. Working Seminar on Production Economics*, 313–327;
Lee & Newcomb (1997) *Quality Management Journal* 4(3):95–110; Fong (1996) *CQM Journal*
5(3):21–24; Xu, Jiao, Yang & Helander (2009) *Design Studies* 30(1):87–110; stp4/stp25kano (R).
"""

from __future__ import annotations

from csmlib.stats.kano_categories import classify, continuous, count, summarize
from csmlib.stats.kano_compare import KanoDrift, SegmentCategories, better_worse_ci, compare, drift, segment_categories
from csmlib.survey.kano_answers import (
    CATEGORIES,
    POULIOT_TABLE,
    STANDARD_TABLE,
    KanoColumns,
    answer_positions,
    answer_problems,
    evaluation_table,
    pair_columns,
)

__all__ = [
    "KanoDrift",
    "SegmentCategories",
    "drift",
    "segment_categories",
    "CATEGORIES",
    "STANDARD_TABLE",
    "POULIOT_TABLE",
    "KanoColumns",
    "answer_positions",
    "evaluation_table",
    "pair_columns",
    "classify",
    "answer_problems",
    "count",
    "summarize",
    "continuous",
    "better_worse_ci",
    "compare",
]
