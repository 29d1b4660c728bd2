"""Voice of the customer: open comments (English and Persian) coded into themes.

A *codeframe* names the themes and the words that signal them; :func:`code` marks each comment
with the themes it mentions, :func:`themes_table` turns the marks into shares with intervals,
satisfaction gaps and wave-over-wave changes (:func:`share_trend` across waves),
:func:`uncovered_terms` lists frequent words of the comments no theme covers (candidates for new
themes) and :func:`examples` picks short quotes. :func:`mask_pii` removes e-mail addresses, phone
numbers, national ids, card numbers and IBANs before any text is shown. Method note:
``docs/methods/comments.md``.

This module is the entry point the notebooks use (``from csmlib.stats import comments as cm``);
it re-exports the names below from their homes:

- :mod:`csmlib.survey.codeframe` — the codeframe and the text rules: :func:`theme_patterns`
  (validates a codeframe; the codebook calls it when it is loaded), :class:`Pattern`,
  :func:`normalize_comment`, :func:`normalize_comments`, :data:`PREFIXES`, :data:`SUFFIXES`
  (the matching rules are in its docstring);
- :mod:`csmlib.stats.comment_coding` — :func:`code`, :func:`blank_rows`;
- :mod:`csmlib.stats.pii` — :func:`mask_pii`, :data:`PII_PLACEHOLDERS`;
- :mod:`csmlib.stats.comment_themes` — :func:`themes_table`, :data:`TABLE_COLUMNS`,
  :func:`share_trend`;
- :mod:`csmlib.stats.comment_words` — :func:`uncovered_terms`, :func:`examples`,
  :data:`STOP_WORDS`.

Examples
--------
>>> import pandas as pd
>>> from csmlib.stats import comments as cm
>>> frame = {"late": {"patterns": {"en": ["late", "took too long"], "fa": ["دیر*"]}}}
>>> coded = cm.code(pd.Series(["Parcel came late", "بسته دیر رسید", "great", None]), frame)
>>> cm.themes_table(coded, min_n=1)[["theme", "n_commenters", "n_mentions"]].to_dict("records")
[{'theme': 'late', 'n_commenters': 3, 'n_mentions': 2}]
"""

from __future__ import annotations

from csmlib.stats.comment_coding import blank_rows, code
from csmlib.stats.comment_themes import TABLE_COLUMNS, share_trend, themes_table
from csmlib.stats.comment_words import STOP_WORDS, examples, uncovered_terms
from csmlib.stats.pii import PII_PLACEHOLDERS, mask_pii
from csmlib.survey.codeframe import PREFIXES, SUFFIXES, Pattern, normalize_comment, normalize_comments, theme_patterns

__all__ = [
    "normalize_comment",
    "normalize_comments",
    "theme_patterns",
    "Pattern",
    "code",
    "blank_rows",
    "mask_pii",
    "themes_table",
    "share_trend",
    "uncovered_terms",
    "examples",
    "PREFIXES",
    "SUFFIXES",
    "STOP_WORDS",
    "PII_PLACEHOLDERS",
    "TABLE_COLUMNS",
]
